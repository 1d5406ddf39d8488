/* linux.seccomp -> a BPF program. libseccomp compiles the rules in the parent (create fails
 * cleanly on a bad profile); the result is exported as plain BPF, patched so that syscalls newer
 * than the profile get ENOSYS (what runc does), and init only has to call seccomp(2). */
#include "runtime/seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "lib/jsonutil.h"
#include "lib/version.h"

#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* x32 syscalls arrive with the x86_64 audit arch and this bit set in the number. */
#define X32_SYSCALL_BIT 0x40000000U

struct seccomp_program {
	struct sock_filter *insns;
	size_t len;
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
	bool listener;
};

/* A configuration error: the message says it all, no ": strerror" suffix. */
static int __attribute__((format(printf, 2, 3))) config_error(struct error *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->err = EINVAL;
	return -1;
}

static void release_ctx(scmp_filter_ctx *c)
{
	if (*c)
		seccomp_release(*c);
}

/* Returns 0 and *act, or -1 for an unknown name. SCMP_ACT_KILL is KILL_THREAD, as in runc. */
static int parse_action(const char *name, bool has_ret, uint32_t ret, uint32_t *act, bool *notify)
{
	uint32_t code = has_ret ? ret : EPERM;
	if (!name)
		return -1;
	if (strcmp(name, "SCMP_ACT_KILL") == 0 || strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
		*act = SCMP_ACT_KILL_THREAD;
	else if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0)
		*act = SCMP_ACT_KILL_PROCESS;
	else if (strcmp(name, "SCMP_ACT_TRAP") == 0)
		*act = SCMP_ACT_TRAP;
	else if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
		*act = SCMP_ACT_ERRNO(code);
	else if (strcmp(name, "SCMP_ACT_TRACE") == 0)
		*act = SCMP_ACT_TRACE(code);
	else if (strcmp(name, "SCMP_ACT_ALLOW") == 0)
		*act = SCMP_ACT_ALLOW;
	else if (strcmp(name, "SCMP_ACT_LOG") == 0)
		*act = SCMP_ACT_LOG;
	else if (strcmp(name, "SCMP_ACT_NOTIFY") == 0) {
		*act = SCMP_ACT_NOTIFY;
		*notify = true;
	} else
		return -1;
	return 0;
}

static int parse_op(const char *name, enum scmp_compare *op)
{
	static const struct {
		const char *name;
		enum scmp_compare op;
	} ops[] = {
	    {"SCMP_CMP_NE", SCMP_CMP_NE},
	    {"SCMP_CMP_LT", SCMP_CMP_LT},
	    {"SCMP_CMP_LE", SCMP_CMP_LE},
	    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
	    {"SCMP_CMP_GE", SCMP_CMP_GE},
	    {"SCMP_CMP_GT", SCMP_CMP_GT},
	    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
	};
	for (size_t i = 0; name && i < ARRAY_SIZE(ops); i++)
		if (strcmp(ops[i].name, name) == 0) {
			*op = ops[i].op;
			return 0;
		}
	return -1;
}

static int add_architectures(scmp_filter_ctx ctx, char **archs, struct error *err)
{
	for (size_t i = 0; archs && archs[i]; i++) {
		const char *a = archs[i];
		if (strncmp(a, "SCMP_ARCH_", 10) != 0)
			return error_set(
			    err, EINVAL,
			    "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"", i, a);
		char lower[32];
		size_t n = 0;
		for (const char *s = a + 10; *s && n + 1 < sizeof lower; s++)
			lower[n++] = (char)tolower((unsigned char)*s);
		lower[n] = '\0';
		uint32_t arch = seccomp_arch_resolve_name(lower);
		/* A spec architecture this libseccomp cannot encode cannot run here either; a
		 * profile listing it among others (as Docker's does) must still work. */
		if (arch == 0)
			continue;
		int rc = seccomp_arch_add(ctx, arch);
		if (rc < 0 && rc != -EEXIST)
			return error_set(err, -rc, "linux.seccomp.architectures[%zu]: adding %s", i,
					 a);
	}
	return 0;
}

static int parse_flags(char **flags, unsigned int *out, struct error *err)
{
	for (size_t i = 0; flags && flags[i]; i++) {
		const char *f = flags[i];
		if (strcmp(f, "SECCOMP_FILTER_FLAG_TSYNC") == 0)
			*out |= SECCOMP_FILTER_FLAG_TSYNC;
		else if (strcmp(f, "SECCOMP_FILTER_FLAG_LOG") == 0)
			*out |= SECCOMP_FILTER_FLAG_LOG;
		else if (strcmp(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
			*out |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
		else if (strcmp(f, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0)
			*out |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
		else
			return config_error(err, "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i,
					    f);
	}
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, size_t i, const struct seccomp_rule *r, uint32_t def,
		    int *max_nr, bool *notify, struct error *err)
{
	uint32_t act;
	if (parse_action(r->action, r->has_errno_ret, r->errno_ret, &act, notify) < 0)
		return config_error(err,
				    "linux.seccomp.syscalls[%zu].action: unknown action \"%s\"", i,
				    r->action ? r->action : "");
	if (act == SCMP_ACT_NOTIFY) {
		/* Between loading the filter and the parent's word that the listener has its fd,
		 * init talks to the parent with sendmsg and recvmsg: notifying them would wait
		 * forever for an agent that cannot answer yet. init writes the exec fifo and its
		 * errors under the filter too: runc 1.1.5 refuses "write" alike. */
		for (size_t k = 0; r->names && r->names[k]; k++)
			if (strcmp(r->names[k], "sendmsg") == 0 ||
			    strcmp(r->names[k], "recvmsg") == 0 ||
			    strcmp(r->names[k], "write") == 0)
				return config_error(
				    err,
				    "linux.seccomp.syscalls[%zu].names[%zu]: "
				    "SCMP_ACT_NOTIFY cannot be used for \"%s\" (the "
				    "runtime itself needs it under the filter)",
				    i, k, r->names[k]);
	}
	if (r->n_args > 6)
		return config_error(err, "linux.seccomp.syscalls[%zu].args: more than 6", i);
	struct scmp_arg_cmp conds[6];
	unsigned per_index[6] = {0};
	bool split = false;
	for (size_t j = 0; j < r->n_args; j++) {
		const struct seccomp_arg *a = &r->args[j];
		enum scmp_compare op;
		if (a->index >= 6)
			return error_set(
			    err, EINVAL,
			    "linux.seccomp.syscalls[%zu].args[%zu].index: %u is not below 6", i, j,
			    a->index);
		if (parse_op(a->op, &op) < 0)
			return error_set(
			    err, EINVAL,
			    "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator \"%s\"", i,
			    j, a->op ? a->op : "");
		conds[j] = (struct scmp_arg_cmp){
		    .arg = a->index, .op = op, .datum_a = a->value, .datum_b = a->value_two};
		if (++per_index[a->index] > 1)
			split = true;
	}
	/* libseccomp refuses a rule whose action is the default one; it would change nothing. */
	if (act == def)
		return 0;
	for (size_t k = 0; r->names && r->names[k]; k++) {
		const char *name = r->names[k];
		int nr = seccomp_syscall_resolve_name(name);
		/* Unknown to libseccomp: a syscall of another kernel or arch, skipped like runc. */
		if (nr == __NR_SCMP_ERROR)
			continue;
		if (nr > *max_nr)
			*max_nr = nr;
		int rc = 0;
		if (split) {
			/* Two conditions on one argument can never both hold in one rule; runc
			 * makes one rule per condition, an OR. */
			for (size_t j = 0; j < r->n_args && rc == 0; j++)
				rc = seccomp_rule_add_array(ctx, act, nr, 1, &conds[j]);
		} else {
			rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)r->n_args, conds);
		}
		if (rc < 0)
			return error_set(err, -rc, "linux.seccomp.syscalls[%zu]: rule for \"%s\"",
					 i, name);
	}
	return 0;
}

static int export_bpf(scmp_filter_ctx ctx, struct sock_filter **insns, size_t *len,
		      struct error *err)
{
	_cleanup_close_ int fd = memfd_create("berth-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "linux.seccomp: memfd_create");
	int rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return error_set(err, -rc, "linux.seccomp: exporting the filter");
	off_t size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0)
		return config_error(err, "linux.seccomp: exported filter has %lld bytes",
				    (long long)size);
	*insns = malloc((size_t)size);
	if (!*insns)
		return error_set(err, ENOMEM, "linux.seccomp");
	if (pread(fd, *insns, (size_t)size, 0) != size) {
		free(*insns);
		*insns = NULL;
		return error_errno(err, "linux.seccomp: reading the exported filter");
	}
	*len = (size_t)size / sizeof(struct sock_filter);
	return 0;
}

/* Prepends: for the native arch, a syscall number above the highest one the profile names gets
 * ENOSYS instead of the default action, so that a libc probing a syscall newer than the profile
 * (clone3, faccessat2, ...) falls back instead of failing with EPERM. Other arches fall through
 * to libseccomp's program, which handles them itself. */
static int prepend_enosys_stub(struct seccomp_program *prog, uint32_t native, uint32_t max_nr,
			       struct error *err)
{
	bool x86_64 = native == AUDIT_ARCH_X86_64;
	size_t stub_len = x86_64 ? 6 : 5;
	/* Jump offsets count from the next instruction; the filter starts at stub_len. */
	struct sock_filter stub[6];
	size_t k = 0;
	stub[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						 offsetof(struct seccomp_data, arch));
	stub[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, native, 0,
					       (uint8_t)(stub_len - k - 1));
	k++;
	stub[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						 offsetof(struct seccomp_data, nr));
	if (x86_64) {
		stub[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT,
						       (uint8_t)(stub_len - k - 1), 0);
		k++;
	}
	stub[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, max_nr, 0, 1);
	stub[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SCMP_ACT_ERRNO(ENOSYS));
	if (prog->len + stub_len > BPF_MAXINSNS)
		return error_set(err, E2BIG,
				 "linux.seccomp: the filter has %zu instructions, over %d",
				 prog->len + stub_len, BPF_MAXINSNS);
	struct sock_filter *n = malloc((prog->len + stub_len) * sizeof *n);
	if (!n)
		return error_set(err, ENOMEM, "linux.seccomp");
	memcpy(n, stub, stub_len * sizeof *n);
	memcpy(n + stub_len, prog->insns, prog->len * sizeof *n);
	free(prog->insns);
	prog->insns = n;
	prog->len += stub_len;
	return 0;
}

static bool allows_unknown(uint32_t def)
{
	/* runc's rule: ENOSYS is for deny-by-default profiles; a tracer handles new syscalls. */
	return def == SCMP_ACT_ALLOW || def == SCMP_ACT_LOG ||
	       (def & 0xffff0000U) == SCMP_ACT_TRACE(0);
}

int seccomp_prepare(const struct spec_seccomp *s, struct seccomp_program **out, struct error *err)
{
	*out = NULL;
	bool notify = false;
	uint32_t def;
	if (parse_action(s->default_action, s->has_default_errno_ret, s->default_errno_ret, &def,
			 &notify) < 0)
		return config_error(err, "linux.seccomp.defaultAction: unknown action \"%s\"",
				    s->default_action ? s->default_action : "");
	if (notify)
		return config_error(err,
				    "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the "
				    "default action (every syscall, the runtime's own included, "
				    "would wait for an agent that has no fd yet)");
	__attribute__((cleanup(release_ctx))) scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx)
		return config_error(err, "linux.seccomp: seccomp_init failed");
	/* A process of an architecture the profile does not list could bypass its rules; kill
	 * the whole process, not just the thread (libseccomp's default). */
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc < 0)
		return error_set(err, -rc, "linux.seccomp: setting the bad-architecture action");
	if (add_architectures(ctx, s->architectures, err) < 0)
		return -1;
	_cleanup_free_ struct seccomp_program *prog = calloc(1, sizeof *prog);
	if (!prog)
		return error_set(err, ENOMEM, "linux.seccomp");
	if (parse_flags(s->flags, &prog->flags, err) < 0)
		return -1;
	int max_nr = -1;
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (add_rule(ctx, i, &s->syscalls[i], def, &max_nr, &notify, err) < 0)
			return -1;
	if (export_bpf(ctx, &prog->insns, &prog->len, err) < 0)
		return -1;
	uint32_t native = seccomp_arch_native();
	if (max_nr > 0 && !allows_unknown(def) && seccomp_arch_exist(ctx, native) == 0 &&
	    prepend_enosys_stub(prog, native, (uint32_t)max_nr, err) < 0) {
		free(prog->insns);
		return -1;
	}
	if (notify && (!s->listener_path || !*s->listener_path))
		return config_error(err, "linux.seccomp.listenerPath: required when a rule uses "
					 "SCMP_ACT_NOTIFY (the agent receives the notification fd "
					 "there)");
	prog->listener = notify;
	if (notify) {
		/* TSYNC with a listener needs TSYNC_ESRCH; init is single-threaded anyway. */
		prog->flags &= ~(unsigned)SECCOMP_FILTER_FLAG_TSYNC;
		prog->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	} else {
		/* The kernel accepts WAIT_KILLABLE_RECV only with a listener. */
		prog->flags &= ~(unsigned)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	}
	*out = steal_pointer(&prog);
	return 0;
}

int seccomp_load_program(struct seccomp_program *p, int *listener_fd, struct error *err)
{
	if (listener_fd)
		*listener_fd = -1;
	if (!p)
		return 0;
	struct sock_fprog fprog = {.len = (unsigned short)p->len, .filter = p->insns};
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &fprog);
	if (rc < 0) {
		error_errno(err, "linux.seccomp: loading the filter");
		if (err->err == EACCES) {
			size_t n = strlen(err->msg);
			snprintf(err->msg + n, sizeof err->msg - n,
				 " (without noNewPrivileges it must be loaded while CAP_SYS_ADMIN "
				 "is held, i.e. before the capabilities are dropped)");
		}
		return -1;
	}
	if (p->listener) {
		if (listener_fd)
			*listener_fd = (int)rc;
		else
			close((int)rc);
	}
	return 0;
}

void seccomp_program_free(struct seccomp_program *p)
{
	if (!p)
		return;
	free(p->insns);
	free(p);
}

bool seccomp_program_has_listener(const struct seccomp_program *p)
{
	return p && p->listener;
}

static int connect_listener(const char *path, struct error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int pathfd = -1;
	if (strlen(path) < sizeof sa.sun_path) {
		memcpy(sa.sun_path, path, strlen(path) + 1);
	} else {
		/* Too long for sun_path: connect through the magic link of an O_PATH fd. */
		pathfd = open(path, O_PATH | O_CLOEXEC);
		if (pathfd < 0)
			return error_errno(err, "linux.seccomp.listenerPath: %s", path);
		snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d", pathfd);
	}
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return error_errno(err, "linux.seccomp.listenerPath: socket");
	int r;
	do
		r = connect(s, (struct sockaddr *)&sa, sizeof sa);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		int e = errno;
		close(s);
		return error_errnum(err, e, "linux.seccomp.listenerPath: connect to %s", path);
	}
	return s;
}

int seccomp_send_listener(const struct spec_seccomp *s, int listener_fd, pid_t pid, json_t *state,
			  struct error *err)
{
	if (!s->listener_path || !*s->listener_path)
		return config_error(err, "linux.seccomp.listenerPath: required when a rule uses "
					 "SCMP_ACT_NOTIFY");
	/* The same spec version as the state it carries. */
	const char *version = json_string_value(json_object_get(state, "ociVersion"));
	_cleanup_json_ json_t *o =
	    json_pack("{s:s, s:[s], s:i, s:O}", "ociVersion", version ? version : OCI_SPEC_VERSION,
		      "fds", "seccompFd", "pid", (int)pid, "state", state);
	if (!o)
		return error_set(err, ENOMEM, "linux.seccomp: container process state");
	if (s->listener_metadata && *s->listener_metadata)
		json_object_set_new(o, "metadata", json_string(s->listener_metadata));
	_cleanup_free_ char *text = json_dumps(o, JSON_COMPACT);
	if (!text)
		return error_set(err, ENOMEM, "linux.seccomp: container process state");
	_cleanup_close_ int sock = connect_listener(s->listener_path, err);
	if (sock < 0)
		return -1;
	/* One message carries the state and the fd: the spec allows one state per connection. */
	size_t len = strlen(text);
	ssize_t n = send_with_fd(sock, text, len, listener_fd);
	if (n < 0)
		return error_errno(err, "linux.seccomp.listenerPath: send the state to %s",
				   s->listener_path);
	for (size_t off = (size_t)n; off < len; off += (size_t)n) {
		do
			n = send(sock, text + off, len - off, MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			return error_errno(err, "linux.seccomp.listenerPath: send the state to %s",
					   s->listener_path);
	}
	return 0;
}
