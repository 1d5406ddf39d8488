/* linux.resources -> cgroup v1 controller files, with runc's conversions and write orders. A value
 * the host cannot take is an error naming the spec key and the file, never a silent skip. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/cgfile.h"
#include "cgroups/v1_hier.h"
#include "lib/cleanup.h"
#include "lib/error.h"

int v1_apply(struct cgroup *cg, const struct cgroup_resources *r, bool update, struct error *err);

#define K(x) "linux.resources." x

static bool file_exists(int dfd, const char *file)
{
	return faccessat(dfd, file, F_OK, 0) == 0;
}

static int write_i64(int dfd, const char *file, int64_t v, const char *key, struct error *err)
{
	return cg_writef(dfd, file, key, err, "%" PRId64, v);
}

static int memory_limits(int dfd, const struct cg_memory *m, bool update, struct error *err)
{
	bool lim = m->limit.set, swp = m->swap.set;
	int64_t limit = m->limit.v, swap = m->swap.v;
	bool have_memsw = file_exists(dfd, "memory.memsw.limit_in_bytes");
	/* runc: an unlimited memory limit without a swap value makes swap unlimited too; only
	 * this implied value is dropped when the host has no swap accounting. */
	if (lim && limit == -1 && !swp && have_memsw) {
		swap = -1;
		swp = true;
	}
	if (lim && swp && limit > 0 && swap > 0 && swap < limit)
		return error_set(err, EINVAL,
				 K("memory.swap") ": %" PRId64 " is below memory.limit %" PRId64
						  " (on cgroup v1 it is the memory+swap limit)",
				 swap, limit);
	if (update && lim && limit > 0 && m->check_before_update.set && m->check_before_update.v) {
		uint64_t usage;
		if (cg_read_u64(dfd, "memory.usage_in_bytes", &usage, err) < 0)
			return error_prefix(err, K("memory.checkBeforeUpdate"));
		if ((uint64_t)limit < usage)
			return error_set(err, EBUSY,
					 K("memory.limit") ": %" PRId64
							   " is below the current usage %" PRIu64
							   " (checkBeforeUpdate)",
					 limit, usage);
	}
	/* The kernel keeps limit <= memsw at every step: raise memsw before the limit when
	 * growing, lower the limit first when shrinking (runc's order). */
	if (lim && swp) {
		uint64_t cur;
		if (cg_read_u64(dfd, "memory.limit_in_bytes", &cur, err) < 0)
			return error_prefix(err, K("memory.limit"));
		if (swap == -1 || cur < (uint64_t)swap) {
			if (write_i64(dfd, "memory.memsw.limit_in_bytes", swap, K("memory.swap"),
				      err) < 0)
				return -1;
			return write_i64(dfd, "memory.limit_in_bytes", limit, K("memory.limit"),
					 err);
		}
	}
	if (lim && write_i64(dfd, "memory.limit_in_bytes", limit, K("memory.limit"), err) < 0)
		return -1;
	if (swp && write_i64(dfd, "memory.memsw.limit_in_bytes", swap, K("memory.swap"), err) < 0)
		return -1;
	return 0;
}

static int apply_memory(struct cgroup *cg, const struct cg_memory *m, bool update,
			struct error *err)
{
	/* memory.kernel is ignored, as runc 1.1 does: kmem limits are deprecated (and gone from
	 * recent kernels); the kernel accounts that memory in the memory limit anyway. */
	bool any = m->limit.set || m->swap.set || m->reservation.set || m->kernel_tcp.set ||
		   m->swappiness.set || m->disable_oom_killer.set || m->use_hierarchy.set;
	if (!any)
		return 0;
	_cleanup_close_ int dfd = v1_open_ctrl(cg, "memory", K("memory"), err);
	if (dfd < 0)
		return -1;
	if (memory_limits(dfd, m, update, err) < 0)
		return -1;
	if (m->reservation.set && write_i64(dfd, "memory.soft_limit_in_bytes", m->reservation.v,
					    K("memory.reservation"), err) < 0)
		return -1;
	if (m->kernel_tcp.set && write_i64(dfd, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp.v,
					   K("memory.kernelTCP"), err) < 0)
		return -1;
	if (m->swappiness.set) {
		if (m->swappiness.v > 100)
			return error_set(err, EINVAL,
					 K("memory.swappiness") ": %" PRIu64 " is not in 0..100",
					 m->swappiness.v);
		if (cg_writef(dfd, "memory.swappiness", K("memory.swappiness"), err, "%" PRIu64,
			      m->swappiness.v) < 0)
			return -1;
	}
	if (m->disable_oom_killer.set &&
	    cg_write(dfd, "memory.oom_control", m->disable_oom_killer.v ? "1" : "0",
		     K("memory.disableOOMKiller"), err) < 0)
		return -1;
	if (m->use_hierarchy.set &&
	    cg_write(dfd, "memory.use_hierarchy", m->use_hierarchy.v ? "1" : "0",
		     K("memory.useHierarchy"), err) < 0)
		return -1;
	return 0;
}

static int cpu_shares(int dfd, uint64_t shares, struct error *err)
{
	if (cg_writef(dfd, "cpu.shares", K("cpu.shares"), err, "%" PRIu64, shares) < 0)
		return -1;
	/* The kernel clamps out-of-range shares silently; say so instead (as runc). */
	uint64_t got;
	if (cg_read_u64(dfd, "cpu.shares", &got, err) < 0)
		return error_prefix(err, K("cpu.shares"));
	if (got != shares)
		return error_set(err, EINVAL,
				 K("cpu.shares") ": %" PRIu64 " is out of range: the %s allowed is "
						 "%" PRIu64,
				 shares, shares > got ? "maximum" : "minimum", got);
	return 0;
}

/* A new cgroup gets no realtime budget (cpu.rt_runtime_us 0), and the kernel refuses a runtime
 * that the parent's budget cannot hold with EINVAL alone: say where the budget has to come from. */
static int rt_runtime(int dfd, int64_t v, struct error *err)
{
	if (write_i64(dfd, "cpu.rt_runtime_us", v, K("cpu.realtimeRuntime"), err) == 0)
		return 0;
	_cleanup_free_ char *parent = NULL;
	struct error e2;
	if (err->err != EINVAL || cg_read(dfd, "../cpu.rt_runtime_us", &parent, &e2) < 0)
		return -1;
	parent[strcspn(parent, "\n")] = '\0';
	return error_set(err, EINVAL,
			 K("cpu.realtimeRuntime") ": %" PRId64 " us refused by cpu.rt_runtime_us "
						  "(Invalid argument): the runtime must fit in "
						  "cpu.realtimePeriod and in the parent cgroup's "
						  "realtime budget, whose cpu.rt_runtime_us is %s",
			 v, parent);
}

static int apply_cpu(struct cgroup *cg, const struct cg_cpu *c, struct error *err)
{
	bool quota = c->quota.set, period = c->period.set;
	bool rt_rt = c->realtime_runtime.set, rt_p = c->realtime_period.set;
	bool shares = c->shares.set;
	if (quota || period || rt_rt || rt_p || shares || c->burst.set || c->idle.set) {
		_cleanup_close_ int dfd = v1_open_ctrl(cg, "cpu", K("cpu"), err);
		if (dfd < 0)
			return -1;
		/* The rt period must be in place before a runtime that only fits in it. */
		if (rt_p && cg_writef(dfd, "cpu.rt_period_us", K("cpu.realtimePeriod"), err,
				      "%" PRIu64, c->realtime_period.v) < 0)
			return -1;
		if (rt_rt && rt_runtime(dfd, c->realtime_runtime.v, err) < 0)
			return -1;
		if (shares && cpu_shares(dfd, c->shares.v, err) < 0)
			return -1;
		/* A shorter period can be refused (EINVAL) while the old quota is still in place;
		 * then it goes in after the new quota, as runc does. */
		bool period_later = false;
		if (period) {
			struct error e2;
			if (cg_writef(dfd, "cpu.cfs_period_us", K("cpu.period"), &e2, "%" PRIu64,
				      c->period.v) < 0) {
				if (e2.err != EINVAL || !quota) {
					*err = e2;
					return -1;
				}
				period_later = true;
			}
		}
		if (quota &&
		    write_i64(dfd, "cpu.cfs_quota_us", c->quota.v, K("cpu.quota"), err) < 0)
			return -1;
		if (period_later && cg_writef(dfd, "cpu.cfs_period_us", K("cpu.period"), err,
					      "%" PRIu64, c->period.v) < 0)
			return -1;
		if (c->burst.set && cg_writef(dfd, "cpu.cfs_burst_us", K("cpu.burst"), err,
					      "%" PRIu64, c->burst.v) < 0)
			return -1;
		if (c->idle.set && write_i64(dfd, "cpu.idle", c->idle.v, K("cpu.idle"), err) < 0)
			return -1;
	}
	bool cpus = c->cpus && c->cpus[0], mems = c->mems && c->mems[0];
	if (cpus || mems) {
		_cleanup_close_ int dfd = v1_open_ctrl(cg, "cpuset", K("cpu.cpus"), err);
		if (dfd < 0)
			return -1;
		if (cpus && cg_write(dfd, "cpuset.cpus", c->cpus, K("cpu.cpus"), err) < 0)
			return -1;
		if (mems && cg_write(dfd, "cpuset.mems", c->mems, K("cpu.mems"), err) < 0)
			return -1;
	}
	return 0;
}

static int apply_pids(struct cgroup *cg, const struct opt_i64 *limit, struct error *err)
{
	if (!limit->set)
		return 0;
	_cleanup_close_ int dfd = v1_open_ctrl(cg, "pids", K("pids.limit"), err);
	if (dfd < 0)
		return -1;
	if (limit->v <= 0)
		return cg_write(dfd, "pids.max", "max", K("pids.limit"), err);
	return write_i64(dfd, "pids.max", limit->v, K("pids.limit"), err);
}

static int apply_blkio(struct cgroup *cg, const struct cg_blkio *b, struct error *err)
{
	size_t nthr = 0;
	for (int i = 0; i < 4; i++)
		nthr += b->n_throttle[i];
	if (!b->weight.set && !b->leaf_weight.set && b->n_weight_device == 0 && nthr == 0)
		return 0;
	_cleanup_close_ int dfd = v1_open_ctrl(cg, "blkio", K("blockIO"), err);
	if (dfd < 0)
		return -1;
	/* Without CFQ (gone since 5.0) the weights live in BFQ's files, as runc 1.1 handles. */
	bool bfq = !file_exists(dfd, "blkio.weight") && file_exists(dfd, "blkio.bfq.weight");
	const char *wfile = bfq ? "blkio.bfq.weight" : "blkio.weight";
	const char *wdfile = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";
	if (b->weight.set &&
	    cg_writef(dfd, wfile, K("blockIO.weight"), err, "%" PRIu64, b->weight.v) < 0)
		return -1;
	if (b->leaf_weight.set && cg_writef(dfd, "blkio.leaf_weight", K("blockIO.leafWeight"), err,
					    "%" PRIu64, b->leaf_weight.v) < 0)
		return -1;
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct cg_weight_device *w = &b->weight_device[i];
		if (w->weight.set && cg_writef(dfd, wdfile, K("blockIO.weightDevice"), err,
					       "%" PRId64 ":%" PRId64 " %" PRIu64, w->major,
					       w->minor, w->weight.v) < 0)
			return -1;
		if (w->leaf_weight.set &&
		    cg_writef(dfd, "blkio.leaf_weight_device", K("blockIO.weightDevice.leafWeight"),
			      err, "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor,
			      w->leaf_weight.v) < 0)
			return -1;
	}
	static const char *const files[4] = {
	    "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
	    "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"};
	static const char *const keys[4] = {
	    K("blockIO.throttleReadBpsDevice"), K("blockIO.throttleWriteBpsDevice"),
	    K("blockIO.throttleReadIOPSDevice"), K("blockIO.throttleWriteIOPSDevice")};
	for (int k = 0; k < 4; k++)
		for (size_t i = 0; i < b->n_throttle[k]; i++) {
			const struct cg_throttle_device *t = &b->throttle[k][i];
			if (cg_writef(dfd, files[k], keys[k], err,
				      "%" PRId64 ":%" PRId64 " %" PRIu64, t->major, t->minor,
				      t->rate) < 0)
				return -1;
		}
	return 0;
}

/* On a hybrid host hugetlb may live in the unified hierarchy only (it does on berth's CI hosts):
 * enable it down to the container's parent and return the leaf, where hugetlb.SIZE.max works. */
static int unified_hugetlb(struct cgroup *cg, struct error *err)
{
	struct v1_state *s = v1_state(cg, err);
	if (s == NULL)
		return -1;
	_cleanup_close_ int root =
	    s->unified ? open(s->unified, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	_cleanup_free_ char *ctrls = NULL;
	if (root < 0 || cg_read(root, "cgroup.controllers", &ctrls, NULL) < 0 ||
	    strstr(ctrls, "hugetlb") == NULL)
		return error_set(
		    err, ENOTSUP,
		    K("hugepageLimits") ": the hugetlb controller is available neither "
					"as a v1 hierarchy nor in the unified one");
	_cleanup_free_ char *rel = strdup(cg->path + 1);
	if (rel == NULL)
		return error_set(err, ENOMEM, K("hugepageLimits"));
	int dfd = steal_fd(&root);
	char *save = NULL;
	for (char *c = strtok_r(rel, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		_cleanup_free_ char *sub = NULL;
		if (cg_read(dfd, "cgroup.subtree_control", &sub, err) < 0 ||
		    (strstr(sub, "hugetlb") == NULL &&
		     cg_write(dfd, "cgroup.subtree_control", "+hugetlb", K("hugepageLimits"), err) <
			 0)) {
			close(dfd);
			return -1;
		}
		int next = openat(dfd, c, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(dfd);
		if (next < 0)
			return error_errno(err, K("hugepageLimits") ": open %s%s", s->unified,
					   cg->path);
		dfd = next;
	}
	return dfd;
}

static int apply_hugetlb(struct cgroup *cg, const struct cgroup_resources *r, struct error *err)
{
	if (r->n_hugepages == 0)
		return 0;
	struct v1_state *s = v1_state(cg, err);
	if (s == NULL)
		return -1;
	bool v1 = v1_find(s, "hugetlb") >= 0;
	_cleanup_close_ int dfd =
	    v1 ? v1_open_ctrl(cg, "hugetlb", K("hugepageLimits"), err) : unified_hugetlb(cg, err);
	if (dfd < 0)
		return -1;
	for (size_t i = 0; i < r->n_hugepages; i++) {
		const struct cg_hugepage *h = &r->hugepages[i];
		char file[128], key[128];
		snprintf(file, sizeof file, v1 ? "hugetlb.%s.limit_in_bytes" : "hugetlb.%s.max",
			 h->page_size);
		snprintf(key, sizeof key, K("hugepageLimits[%zu]"), i);
		if (strchr(h->page_size, '/') != NULL)
			return error_set(err, EINVAL, "%s: bad page size \"%s\"", key,
					 h->page_size);
		if (cg_writef(dfd, file, key, err, "%" PRIu64, h->limit) < 0)
			return -1;
	}
	return 0;
}

static int apply_rdma(struct cgroup *cg, const struct cgroup_resources *r, struct error *err)
{
	if (r->n_rdma == 0)
		return 0;
	_cleanup_close_ int dfd = v1_open_ctrl(cg, "rdma", K("rdma"), err);
	if (dfd < 0)
		return -1;
	for (size_t i = 0; i < r->n_rdma; i++) {
		const struct cg_rdma *d = &r->rdma[i];
		char line[512];
		int n = snprintf(line, sizeof line, "%s", d->device);
		if (d->hca_handles.set)
			n += snprintf(line + n, sizeof line - (size_t)n, " hca_handle=%" PRIu64,
				      d->hca_handles.v);
		if (d->hca_objects.set && (size_t)n < sizeof line)
			snprintf(line + n, sizeof line - (size_t)n, " hca_object=%" PRIu64,
				 d->hca_objects.v);
		if (cg_write(dfd, "rdma.max", line, K("rdma"), err) < 0)
			return -1;
	}
	return 0;
}

static int apply_net(struct cgroup *cg, const struct cgroup_resources *r, struct error *err)
{
	if (r->net_class_id.set) {
		_cleanup_close_ int dfd = v1_open_ctrl(cg, "net_cls", K("network.classID"), err);
		if (dfd < 0)
			return -1;
		if (cg_writef(dfd, "net_cls.classid", K("network.classID"), err, "%" PRIu64,
			      r->net_class_id.v) < 0)
			return -1;
	}
	if (r->n_net_prio > 0) {
		_cleanup_close_ int dfd =
		    v1_open_ctrl(cg, "net_prio", K("network.priorities"), err);
		if (dfd < 0)
			return -1;
		for (size_t i = 0; i < r->n_net_prio; i++)
			if (cg_writef(dfd, "net_prio.ifpriomap", K("network.priorities"), err,
				      "%s %" PRIu32, r->net_prio[i].name,
				      r->net_prio[i].priority) < 0)
				return -1;
	}
	return 0;
}

static void dev_num(char *buf, size_t len, int64_t n)
{
	if (n < 0)
		snprintf(buf, len, "*");
	else
		snprintf(buf, len, "%" PRId64, n);
}

/* One write of a rule to an fd opened once per file: a cgroup v1 file takes each write() as one
 * value, and the default config's dozen rules would otherwise cost an open and close each. */
static int write_rule(int dfd, int *fd, const char *file, const char *rule, const char *key,
		      struct error *err)
{
	if (*fd < 0) {
		*fd = openat(dfd, file, O_WRONLY | O_CLOEXEC);
		if (*fd < 0)
			return error_errno(err, "%s: open %s", key, file);
	}
	size_t len = strlen(rule);
	ssize_t n = write(*fd, rule, len);
	if (n < 0)
		return error_errno(err, "%s: write \"%s\" to %s", key, rule, file);
	if ((size_t)n != len)
		return error_set(err, EIO, "%s: short write to %s", key, file);
	return 0;
}

/* Deny everything, then replay the rules in order, as runc's v1 device emulation ends up doing:
 * later rules override earlier ones exactly as the kernel's own list does. */
static int apply_devices(struct cgroup *cg, const struct cgroup_resources *r, struct error *err)
{
	if (!r->has_devices)
		return 0;
	_cleanup_close_ int dfd = v1_open_ctrl(cg, "devices", K("devices"), err);
	if (dfd < 0)
		return -1;
	_cleanup_close_ int allow = -1;
	_cleanup_close_ int deny = -1;
	if (write_rule(dfd, &deny, "devices.deny", "a", K("devices"), err) < 0)
		return -1;
	for (size_t i = 0; i < r->n_devices; i++) {
		const struct cg_device_rule *d = &r->devices[i];
		char maj[24], min[24], key[64], rule[128];
		if (d->type != 'a' && d->type != 'c' && d->type != 'b')
			return error_set(err, EINVAL,
					 K("devices[%zu].type") ": '%c' is not a, b or c", i,
					 d->type);
		dev_num(maj, sizeof maj, d->major);
		dev_num(min, sizeof min, d->minor);
		snprintf(key, sizeof key, K("devices[%zu]"), i);
		int n = snprintf(rule, sizeof rule, "%c %s:%s %s", d->type, maj, min,
				 d->access[0] ? d->access : "rwm");
		if (n < 0 || (size_t)n >= sizeof rule)
			return error_set(err, E2BIG, "%s: rule too long", key);
		if (write_rule(dfd, d->allow ? &allow : &deny,
			       d->allow ? "devices.allow" : "devices.deny", rule, key, err) < 0)
			return -1;
	}
	return 0;
}

int v1_apply(struct cgroup *cg, const struct cgroup_resources *r, bool update, struct error *err)
{
	if (r->n_unified > 0)
		return error_set(
		    err, EINVAL,
		    K("unified") ": requires cgroup v2 (this host uses v1 controllers; "
				 "\"%s\" cannot be set)",
		    r->unified[0].key);
	if (apply_memory(cg, &r->memory, update, err) < 0 || apply_cpu(cg, &r->cpu, err) < 0 ||
	    apply_pids(cg, &r->pids_limit, err) < 0 || apply_blkio(cg, &r->blkio, err) < 0 ||
	    apply_hugetlb(cg, r, err) < 0 || apply_rdma(cg, r, err) < 0 ||
	    apply_net(cg, r, err) < 0 || apply_devices(cg, r, err) < 0)
		return -1;
	return 0;
}
