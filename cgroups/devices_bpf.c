/* The cgroup v2 device controller is a BPF program: no libbpf, just bpf(2) and <linux/bpf.h>. */
#include "cgroups/devices_bpf.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"

static int bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

struct prog {
	struct bpf_insn *insns;
	size_t n, cap;
};

static int emit(struct prog *p, struct bpf_insn insn)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct bpf_insn *ni = realloc(p->insns, cap * sizeof *ni);
		if (ni == NULL)
			return -1;
		p->insns = ni;
		p->cap = cap;
	}
	p->insns[p->n++] = insn;
	return 0;
}

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(dst, src, off)	   INSN(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define ALU64_IMM(op, dst, imm)	   INSN(BPF_ALU64 | (op) | BPF_K, dst, 0, 0, imm)
#define MOV64_REG(dst, src)	   INSN(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define JMP_IMM(op, dst, imm, off) INSN(BPF_JMP | (op) | BPF_K, dst, 0, off, imm)
#define EXIT()			   INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* A jump whose target (the next rule's block) is not known yet. */
#define NEXT_PENDING INT16_MIN

static int rule_access(const struct cg_device_rule *r)
{
	int a = 0;
	for (const char *c = r->access; *c; c++)
		a |= *c == 'r'	 ? BPF_DEVCG_ACC_READ
		     : *c == 'w' ? BPF_DEVCG_ACC_WRITE
		     : *c == 'm' ? BPF_DEVCG_ACC_MKNOD
				 : 0;
	return a;
}

static bool rule_is_reset(const struct cg_device_rule *r)
{
	return r->type == 'a' && r->major < 0 && r->minor < 0 &&
	       rule_access(r) == (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD);
}

/* One rule: every mismatch jumps to the next block; a match returns the rule's verdict. */
static int emit_rule(struct prog *p, const struct cg_device_rule *r)
{
	size_t start = p->n;
	int acc = rule_access(r);
	int rc = 0;
	if (r->type == 'c' || r->type == 'b')
		rc |= emit(p, JMP_IMM(BPF_JNE, BPF_REG_2,
				      r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK,
				      NEXT_PENDING));
	/* An allow rule must cover every access asked for; a deny rule refuses any access it
	 * names, as the v1 controller does ("deny w" refuses an open for read+write). */
	if (r->allow) {
		rc |= emit(p, MOV64_REG(BPF_REG_1, BPF_REG_3));
		rc |= emit(p, ALU64_IMM(BPF_AND, BPF_REG_1, ~acc & 7));
		rc |= emit(p, JMP_IMM(BPF_JNE, BPF_REG_1, 0, NEXT_PENDING));
	} else {
		rc |= emit(p, MOV64_REG(BPF_REG_1, BPF_REG_3));
		rc |= emit(p, ALU64_IMM(BPF_AND, BPF_REG_1, acc));
		rc |= emit(p, JMP_IMM(BPF_JEQ, BPF_REG_1, 0, NEXT_PENDING));
	}
	if (r->major >= 0)
		rc |= emit(p, JMP_IMM(BPF_JNE, BPF_REG_4, (int32_t)r->major, NEXT_PENDING));
	if (r->minor >= 0)
		rc |= emit(p, JMP_IMM(BPF_JNE, BPF_REG_5, (int32_t)r->minor, NEXT_PENDING));
	rc |= emit(p, ALU64_IMM(BPF_MOV, BPF_REG_0, r->allow ? 1 : 0));
	rc |= emit(p, EXIT());
	if (rc < 0)
		return -1;
	for (size_t i = start; i < p->n; i++)
		if (p->insns[i].off == NEXT_PENDING)
			p->insns[i].off = (int16_t)(p->n - i - 1);
	return 0;
}

static int build(struct prog *p, const struct cg_device_rule *rules, size_t n)
{
	/* Only the rules after the last reset matter; the reset sets the default verdict. */
	size_t first = 0;
	bool def_allow = true;
	for (size_t i = 0; i < n; i++)
		if (rule_is_reset(&rules[i])) {
			first = i + 1;
			def_allow = rules[i].allow;
		}
	/* struct bpf_cgroup_dev_ctx: access_type = (access << 16) | type, major, minor. */
	int rc = 0;
	rc |= emit(p, LDX_W(BPF_REG_2, BPF_REG_1, 0));
	rc |= emit(p, ALU64_IMM(BPF_AND, BPF_REG_2, 0xffff));
	rc |= emit(p, LDX_W(BPF_REG_3, BPF_REG_1, 0));
	rc |= emit(p, ALU64_IMM(BPF_RSH, BPF_REG_3, 16));
	rc |= emit(p, LDX_W(BPF_REG_4, BPF_REG_1, 4));
	rc |= emit(p, LDX_W(BPF_REG_5, BPF_REG_1, 8));
	if (rc < 0)
		return -1;
	/* Last match wins: test the rules from the end. */
	for (size_t i = n; i > first; i--)
		if (emit_rule(p, &rules[i - 1]) < 0)
			return -1;
	rc |= emit(p, ALU64_IMM(BPF_MOV, BPF_REG_0, def_allow ? 1 : 0));
	rc |= emit(p, EXIT());
	return rc;
}

static int load(const struct prog *p, struct error *err)
{
	static char log[16384];
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)p->insns;
	attr.insn_cnt = (uint32_t)p->n;
	attr.license = (uint64_t)(uintptr_t) "Apache";
	int fd = bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)
		return fd;
	/* Ask again with the verifier's log, which says what is wrong. */
	int saved = errno;
	log[0] = '\0';
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof log;
	attr.log_level = 1;
	fd = bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)
		return fd;
	size_t l = strlen(log);
	while (l > 0 && log[l - 1] == '\n')
		log[--l] = '\0';
	return error_errnum(err, saved,
			    "linux.resources.devices: loading the eBPF device filter%s%s",
			    log[0] ? ": " : "", log);
}

/* The device programs attached to the cgroup itself (not inherited ones). */
static int query(int dirfd, uint32_t *ids, uint32_t *n)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.query.target_fd = (uint32_t)dirfd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
	attr.query.prog_cnt = *n;
	if (bpf(BPF_PROG_QUERY, &attr) < 0)
		return -1;
	*n = attr.query.prog_cnt;
	return 0;
}

static int prog_fd_by_id(uint32_t id)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.prog_id = id;
	return bpf(BPF_PROG_GET_FD_BY_ID, &attr);
}

int devices_bpf_apply(int dirfd, const struct cg_device_rule *rules, size_t n, struct error *err)
{
	for (size_t i = 0; i < n; i++)
		if (strchr("abc", rules[i].type) == NULL || rules[i].type == '\0')
			return error_set(err, EINVAL,
					 "linux.resources.devices[%zu].type: \"%c\" is not "
					 "one of a, b, c",
					 i, rules[i].type);
	struct prog p = {0};
	if (build(&p, rules, n) < 0) {
		free(p.insns);
		return error_set(err, ENOMEM,
				 "linux.resources.devices: building the device filter");
	}
	_cleanup_close_ int prog = load(&p, err);
	free(p.insns);
	if (prog < 0)
		return -1;

	uint32_t ids[64], nids = ARRAY_SIZE(ids);
	if (query(dirfd, ids, &nids) < 0)
		return error_errno(err,
				   "linux.resources.devices: querying the attached device filters");

	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.target_fd = (uint32_t)dirfd;
	attr.attach_bpf_fd = (uint32_t)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	/* With exactly one old program, swap it atomically: no window where neither filters. */
	_cleanup_close_ int old = nids == 1 ? prog_fd_by_id(ids[0]) : -1;
	if (old >= 0) {
		attr.attach_flags |= BPF_F_REPLACE;
		attr.replace_bpf_fd = (uint32_t)old;
		if (bpf(BPF_PROG_ATTACH, &attr) == 0)
			return 0;
		attr.attach_flags = BPF_F_ALLOW_MULTI;
		attr.replace_bpf_fd = 0;
	}
	if (bpf(BPF_PROG_ATTACH, &attr) < 0)
		return error_errno(err, "linux.resources.devices: attaching the device filter");
	/* New one first, then the old ones: never a moment without a filter. */
	for (uint32_t i = 0; i < nids; i++) {
		_cleanup_close_ int ofd = prog_fd_by_id(ids[i]);
		if (ofd < 0)
			continue; /* detached meanwhile */
		union bpf_attr d;
		memset(&d, 0, sizeof d);
		d.target_fd = (uint32_t)dirfd;
		d.attach_bpf_fd = (uint32_t)ofd;
		d.attach_type = BPF_CGROUP_DEVICE;
		if (bpf(BPF_PROG_DETACH, &d) < 0 && errno != ENOENT)
			return error_errno(err,
					   "linux.resources.devices: detaching the old device "
					   "filter (id %u)",
					   ids[i]);
	}
	return 0;
}
