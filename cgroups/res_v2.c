/* linux.resources -> cgroup v2 files, with runc's conversions from the v1-shaped OCI values. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/cgfile.h"
#include "cgroups/devices_bpf.h"
#include "cgroups/v2.h"
#include "lib/cleanup.h"
#include "lib/error.h"

/* -1 means no limit, written "max" (v1 took -1 to remove a limit). */
static void limit_str(int64_t v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "%" PRId64, v);
}

static int set_pids(int fd, const struct cgroup_resources *r, struct error *err)
{
	if (!r->pids_limit.set)
		return 0;
	char v[32];
	/* runc: 0 and -1 both mean unlimited */
	limit_str(r->pids_limit.v <= 0 ? -1 : r->pids_limit.v, v, sizeof v);
	return cg_write(fd, "pids.max", v, "linux.resources.pids.limit", err);
}

static int set_memory(int fd, const struct cg_memory *m, bool update, struct error *err)
{
	/* As runc's fs2: kernel memory, swappiness and disableOOMKiller have no v2 file, and runc
	 * ignores them there; so does berth, so that configs written for v1 keep working. */
	int64_t limit = m->limit.set ? m->limit.v : 0;
	if (m->swap.set && !m->limit.set) {
		/* An update of the swap alone: the conversion needs the current memory limit. */
		uint64_t cur;
		if (cg_read_u64(fd, "memory.max", &cur, err) < 0)
			return error_prefix(err, "linux.resources.memory.swap");
		limit = cur == UINT64_MAX ? -1 : (int64_t)cur;
	}
	if (m->check_before_update.set && m->check_before_update.v && update && limit > 0) {
		uint64_t usage;
		if (cg_read_u64(fd, "memory.current", &usage, err) < 0)
			return error_prefix(err, "linux.resources.memory.checkBeforeUpdate");
		if (usage >= (uint64_t)limit)
			return error_set(err, EBUSY,
					 "linux.resources.memory.limit: %" PRId64
					 " is not above the current usage %" PRIu64
					 " (checkBeforeUpdate)",
					 limit, usage);
	}
	if (m->swap.set) {
		/* OCI's swap is memory+swap (v1); v2's memory.swap.max is swap alone. */
		int64_t swap = m->swap.v;
		char v[32];
		if (limit == -1 && swap == 0)
			swap = -1;
		if (swap == -1) {
			snprintf(v, sizeof v, "max");
		} else if (swap == 0) {
			v[0] = '\0'; /* unset: leave the kernel's value */
		} else if (limit <= 0) {
			return error_set(err, EINVAL,
					 "linux.resources.memory.swap: a swap limit needs "
					 "a memory limit");
		} else if (swap < limit) {
			return error_set(err, EINVAL,
					 "linux.resources.memory.swap: %" PRId64 " is below "
					 "linux.resources.memory.limit %" PRId64
					 " (swap is memory+swap)",
					 swap, limit);
		} else {
			snprintf(v, sizeof v, "%" PRId64, swap - limit);
		}
		if (v[0] &&
		    cg_write(fd, "memory.swap.max", v, "linux.resources.memory.swap", err) < 0) {
			/* No swap accounting: "no swap" and "unlimited" already hold. */
			if (!(err->err == ENOENT && (strcmp(v, "0") == 0 || strcmp(v, "max") == 0)))
				return -1;
		}
	}
	char v[32];
	if (m->limit.set) {
		limit_str(m->limit.v, v, sizeof v);
		if (cg_write(fd, "memory.max", v, "linux.resources.memory.limit", err) < 0)
			return -1;
	}
	if (m->reservation.set) {
		limit_str(m->reservation.v, v, sizeof v);
		if (cg_write(fd, "memory.low", v, "linux.resources.memory.reservation", err) < 0)
			return -1;
	}
	return 0;
}

static uint64_t shares_to_weight(uint64_t shares)
{
	/* runc/crun: [2, 262144] onto [1, 10000] */
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

static int set_cpu(int fd, const struct cg_cpu *c, struct error *err)
{
	if (c->realtime_runtime.set)
		return error_set(err, ENOTSUP,
				 "linux.resources.cpu.realtimeRuntime: not supported "
				 "by cgroup v2");
	if (c->realtime_period.set)
		return error_set(err, ENOTSUP,
				 "linux.resources.cpu.realtimePeriod: not supported "
				 "by cgroup v2");
	if (c->shares.set && cg_writef(fd, "cpu.weight", "linux.resources.cpu.shares", err,
				       "%" PRIu64, shares_to_weight(c->shares.v)) < 0)
		return -1;
	if (c->idle.set &&
	    cg_writef(fd, "cpu.idle", "linux.resources.cpu.idle", err, "%" PRId64, c->idle.v) < 0)
		return -1;
	/* The kernel refuses a burst above the quota: if the burst does not fit the old quota,
	 * write it again once the new quota is in. */
	bool burst_again = false;
	if (c->burst.set && cg_writef(fd, "cpu.max.burst", "linux.resources.cpu.burst", err,
				      "%" PRIu64, c->burst.v) < 0) {
		if (err->err != EINVAL || !c->quota.set)
			return -1;
		burst_again = true;
	}
	if ((c->quota.set) || (c->period.set)) {
		char quota[32] = "max";
		if (c->quota.set && c->quota.v > 0) {
			snprintf(quota, sizeof quota, "%" PRId64, c->quota.v);
		} else if (!c->quota.set) {
			/* A period alone keeps the quota in force. */
			_cleanup_free_ char *cur = NULL;
			if (cg_read(fd, "cpu.max", &cur, err) < 0)
				return error_prefix(err, "linux.resources.cpu.period");
			sscanf(cur, "%31s", quota);
		}
		int rc = c->period.set
			     ? cg_writef(fd, "cpu.max", "linux.resources.cpu.quota", err,
					 "%s %" PRIu64, quota, c->period.v)
			     : cg_write(fd, "cpu.max", quota, "linux.resources.cpu.quota", err);
		if (rc < 0)
			return -1;
	}
	if (burst_again && cg_writef(fd, "cpu.max.burst", "linux.resources.cpu.burst", err,
				     "%" PRIu64, c->burst.v) < 0)
		return -1;
	return 0;
}

static int set_cpuset(int fd, const struct cg_cpu *c, struct error *err)
{
	if (c->cpus && c->cpus[0] &&
	    cg_write(fd, "cpuset.cpus", c->cpus, "linux.resources.cpu.cpus", err) < 0)
		return -1;
	if (c->mems && c->mems[0] &&
	    cg_write(fd, "cpuset.mems", c->mems, "linux.resources.cpu.mems", err) < 0)
		return -1;
	return 0;
}

static uint64_t blkio_to_io_weight(uint64_t w)
{
	/* runc: blkio.weight [10, 1000] onto io.weight [1, 10000] */
	if (w < 10)
		w = 10;
	if (w > 1000)
		w = 1000;
	return 1 + (w - 10) * 9999 / 990;
}

static int set_io(int fd, const struct cg_blkio *b, struct error *err)
{
	/* BFQ takes the v1 scale as it is; io.weight (blk-iocost) needs the conversion. */
	bool bfq = faccessat(fd, "io.bfq.weight", F_OK, 0) == 0;
	if (b->weight.set) {
		int rc = bfq ? cg_writef(fd, "io.bfq.weight", "linux.resources.blockIO.weight", err,
					 "%" PRIu64, b->weight.v)
			     : cg_writef(fd, "io.weight", "linux.resources.blockIO.weight", err,
					 "%" PRIu64, blkio_to_io_weight(b->weight.v));
		if (rc < 0)
			return -1;
	}
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct cg_weight_device *d = &b->weight_device[i];
		if (!d->weight.set)
			continue; /* leafWeight: no v2 equivalent (runc ignores it too) */
		int rc =
		    bfq ? cg_writef(fd, "io.bfq.weight", "linux.resources.blockIO.weightDevice",
				    err, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
				    d->weight.v)
			: cg_writef(fd, "io.weight", "linux.resources.blockIO.weightDevice", err,
				    "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
				    blkio_to_io_weight(d->weight.v));
		if (rc < 0)
			return -1;
	}
	static const char *const keys[4] = {"rbps", "wbps", "riops", "wiops"};
	static const char *const spec[4] = {"linux.resources.blockIO.throttleReadBpsDevice",
					    "linux.resources.blockIO.throttleWriteBpsDevice",
					    "linux.resources.blockIO.throttleReadIOPSDevice",
					    "linux.resources.blockIO.throttleWriteIOPSDevice"};
	for (int k = 0; k < 4; k++)
		for (size_t i = 0; i < b->n_throttle[k]; i++) {
			const struct cg_throttle_device *t = &b->throttle[k][i];
			/* 0 removed a v1 throttle; v2 ignores 0, "max" removes it. */
			char rate[32] = "max";
			if (t->rate != 0)
				snprintf(rate, sizeof rate, "%" PRIu64, t->rate);
			if (cg_writef(fd, "io.max", spec[k], err, "%" PRId64 ":%" PRId64 " %s=%s",
				      t->major, t->minor, keys[k], rate) < 0)
				return -1;
		}
	return 0;
}

static int set_hugetlb(int fd, const struct cgroup_resources *r, struct error *err)
{
	for (size_t i = 0; i < r->n_hugepages; i++) {
		const struct cg_hugepage *h = &r->hugepages[i];
		char file[64], key[96];
		snprintf(key, sizeof key, "linux.resources.hugepageLimits[%zu]", i);
		if (h->page_size == NULL || strchr(h->page_size, '/') || strlen(h->page_size) > 32)
			return error_set(err, EINVAL, "%s.pageSize: invalid", key);
		snprintf(file, sizeof file, "hugetlb.%s.max", h->page_size);
		if (cg_writef(fd, file, key, err, "%" PRIu64, h->limit) < 0)
			return -1;
		/* Reservations are charged separately (5.11+); limit them alike where present. */
		snprintf(file, sizeof file, "hugetlb.%s.rsvd.max", h->page_size);
		if (faccessat(fd, file, F_OK, 0) == 0 &&
		    cg_writef(fd, file, key, err, "%" PRIu64, h->limit) < 0)
			return -1;
	}
	return 0;
}

static int set_rdma(int fd, const struct cgroup_resources *r, struct error *err)
{
	for (size_t i = 0; i < r->n_rdma; i++) {
		const struct cg_rdma *d = &r->rdma[i];
		char h[40] = "", o[40] = "";
		if (d->hca_handles.set)
			snprintf(h, sizeof h, " hca_handle=%" PRIu64, d->hca_handles.v);
		if (d->hca_objects.set)
			snprintf(o, sizeof o, " hca_object=%" PRIu64, d->hca_objects.v);
		if (!h[0] && !o[0])
			continue;
		if (cg_writef(fd, "rdma.max", "linux.resources.rdma", err, "%s%s%s", d->device, h,
			      o) < 0)
			return -1;
	}
	return 0;
}

static int set_unified(int fd, const struct cgroup_resources *r, struct error *err)
{
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *k = r->unified[i].key;
		char key[300];
		snprintf(key, sizeof key, "linux.resources.unified.%s", k);
		const char *dot = strchr(k, '.');
		if (strchr(k, '/') || dot == NULL || dot == k)
			return error_set(err, EINVAL,
					 "%s: must be a file name CONTROLLER.PARAMETER", key);
		if (cg_write(fd, k, r->unified[i].value, key, err) == 0)
			continue;
		if (err->err == ENOENT || err->err == EPERM || err->err == EACCES) {
			char ctrl[64];
			snprintf(ctrl, sizeof ctrl, "%.*s", (int)(dot - k), k);
			if (strcmp(ctrl, "cgroup") != 0 && !v2_has_controller(fd, ctrl))
				return error_set(err, ENOTSUP,
						 "%s: the %s controller is not enabled "
						 "for this cgroup",
						 key, ctrl);
		}
		return -1;
	}
	return 0;
}

/* A controller missing from cgroup.controllers makes every one of its files absent; say which
 * controller and why, rather than "no such file". */
static int need(int fd, bool wanted, const char *ctrl, const char *key, struct error *err)
{
	if (!wanted || v2_has_controller(fd, ctrl))
		return 0;
	return error_set(err, ENOTSUP,
			 "%s: the %s controller is not available to this cgroup "
			 "(not enabled in the parent's cgroup.subtree_control)",
			 key, ctrl);
}

static int check_controllers(int fd, const struct cgroup_resources *r, struct error *err)
{
	const struct cg_memory *m = &r->memory;
	const struct cg_cpu *c = &r->cpu;
	const struct cg_blkio *b = &r->blkio;
	bool cpu = (c->shares.set && c->shares.v) || (c->quota.set && c->quota.v) ||
		   (c->period.set && c->period.v) || c->burst.set || c->idle.set;
	bool io = (b->weight.set && b->weight.v) || b->n_weight_device || b->n_throttle[0] ||
		  b->n_throttle[1] || b->n_throttle[2] || b->n_throttle[3];
	if (need(fd, r->pids_limit.set, "pids", "linux.resources.pids", err) < 0 ||
	    need(fd,
		 (m->limit.set && m->limit.v) || (m->reservation.set && m->reservation.v) ||
		     (m->swap.set && m->swap.v),
		 "memory", "linux.resources.memory", err) < 0 ||
	    need(fd, cpu, "cpu", "linux.resources.cpu", err) < 0 ||
	    need(fd, (c->cpus && c->cpus[0]) || (c->mems && c->mems[0]), "cpuset",
		 "linux.resources.cpu.cpus/mems", err) < 0 ||
	    need(fd, io, "io", "linux.resources.blockIO", err) < 0 ||
	    need(fd, r->n_hugepages > 0, "hugetlb", "linux.resources.hugepageLimits", err) < 0 ||
	    need(fd, r->n_rdma > 0, "rdma", "linux.resources.rdma", err) < 0)
		return -1;
	return 0;
}

int res_v2_apply(int fd, const struct cgroup_resources *r, bool update, struct error *err)
{
	if (r->net_class_id.set)
		return error_set(err, ENOTSUP,
				 "linux.resources.network.classID: net_cls exists "
				 "only in cgroup v1");
	if (r->n_net_prio)
		return error_set(err, ENOTSUP,
				 "linux.resources.network.priorities: net_prio "
				 "exists only in cgroup v1");
	if (check_controllers(fd, r, err) < 0)
		return -1;
	if (set_pids(fd, r, err) < 0 || set_memory(fd, &r->memory, update, err) < 0 ||
	    set_io(fd, &r->blkio, err) < 0 || set_cpu(fd, &r->cpu, err) < 0)
		return -1;
	if (r->has_devices && devices_bpf_apply(fd, r->devices, r->n_devices, err) < 0)
		return -1;
	if (set_cpuset(fd, &r->cpu, err) < 0 || set_hugetlb(fd, r, err) < 0 ||
	    set_rdma(fd, r, err) < 0 || set_unified(fd, r, err) < 0)
		return -1;
	return 0;
}
