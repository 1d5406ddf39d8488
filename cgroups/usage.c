/* What a job went through besides runc's stats: forks refused by the pids limit, pressure stall
 * time, the most swap it used, its block IO. berth box reports them so that a CI user sees why
 * a job failed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/backend.h"
#include "cgroups/cgfile.h"
#include "lib/cleanup.h"
#include "lib/error.h"

static int open_dir(struct cgroup *cg, const char *ctrl, struct error *err)
{
	if (cg->ops->open_dir == NULL)
		return error_set(err, ENOTSUP, "not available with the %s cgroup manager",
				 cg->ops->name);
	return cg->ops->open_dir(cg, ctrl, err);
}

/* A file the kernel has only in some versions or configurations: missing means "no figure". */
static int missing(struct error *err, const char *file)
{
	if (errno == ENOENT)
		return error_set(err, ENOTSUP, "%s: not kept by this kernel", file);
	return error_errno(err, "read %s", file);
}

static int pids_refused(struct cgroup *cg, uint64_t *count, struct error *err)
{
	*count = 0;
	_cleanup_close_ int fd = open_dir(cg, "pids", err);
	if (fd < 0)
		return -1;
	if (faccessat(fd, "pids.events", F_OK, 0) < 0)
		return missing(err, "pids.events");
	return cg_read_keyed(fd, "pids.events", "max", count, err);
}

/* "some avg10=0.00 avg60=0.00 avg300=0.00 total=123\nfull avg10=... total=45\n" */
static int pressure_stall(struct cgroup *cg, const char *resource, uint64_t *some_us,
			  uint64_t *full_us, struct error *err)
{
	*some_us = *full_us = 0;
	_cleanup_close_ int fd = open_dir(cg, NULL, err);
	if (fd < 0)
		return -1;
	char file[32];
	snprintf(file, sizeof file, "%s.pressure", resource);
	_cleanup_free_ char *s = NULL;
	if (faccessat(fd, file, F_OK, 0) < 0)
		return missing(err, file);
	/* The file is there but reading it fails with EOPNOTSUPP when PSI is off (psi=0). */
	if (cg_read(fd, file, &s, err) < 0)
		return error_set(err, ENOTSUP, "%s: pressure stall information is off", file);
	for (char *save = NULL, *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		const char *t = strstr(l, "total=");
		unsigned long long v;
		if (t == NULL || sscanf(t, "total=%llu", &v) != 1)
			continue;
		if (strncmp(l, "some ", 5) == 0)
			*some_us = v;
		else if (strncmp(l, "full ", 5) == 0)
			*full_us = v;
	}
	return 0;
}

static int swap_peak(struct cgroup *cg, uint64_t *bytes, struct error *err)
{
	*bytes = 0;
	if (cg->mode == CGROUP_MODE_V2) {
		_cleanup_close_ int fd = open_dir(cg, NULL, err);
		if (fd < 0)
			return -1;
		if (faccessat(fd, "memory.swap.peak", F_OK, 0) < 0)
			return missing(err, "memory.swap.peak");
		return cg_read_u64(fd, "memory.swap.peak", bytes, err);
	}
	_cleanup_close_ int fd = open_dir(cg, "memory", err);
	if (fd < 0)
		return -1;
	/* Without swap accounting (swapaccount=0) there are no memsw files. */
	if (faccessat(fd, "memory.memsw.max_usage_in_bytes", F_OK, 0) < 0)
		return missing(err, "memory.memsw.max_usage_in_bytes");
	uint64_t both = 0, mem = 0;
	if (cg_read_u64(fd, "memory.memsw.max_usage_in_bytes", &both, err) < 0 ||
	    cg_read_u64(fd, "memory.max_usage_in_bytes", &mem, err) < 0)
		return -1;
	*bytes = both > mem ? both - mem : 0;
	return 0;
}

/* v1 blkio lines "8:0 Read 4096"; v2 io.stat lines "8:0 rbytes=4096 wbytes=0 ...". */
static int io_bytes(struct cgroup *cg, uint64_t *read, uint64_t *written, struct error *err)
{
	*read = *written = 0;
	bool v2 = cg->mode == CGROUP_MODE_V2;
	_cleanup_close_ int fd = open_dir(cg, v2 ? NULL : "blkio", err);
	if (fd < 0)
		return -1;
	/* CFQ's counters where the kernel has them, else blk-throttle's, which see every device
	 * (the one runc and `berth events --stats` use too). */
	const char *file = v2 ? "io.stat"
			   : faccessat(fd, "blkio.io_service_bytes_recursive", F_OK, 0) == 0
			       ? "blkio.io_service_bytes_recursive"
			       : "blkio.throttle.io_service_bytes_recursive";
	_cleanup_free_ char *s = NULL;
	if (faccessat(fd, file, F_OK, 0) < 0)
		return missing(err, v2 ? "io.stat (the io controller is not enabled)" : file);
	if (cg_read(fd, file, &s, err) < 0)
		return -1;
	bool devices = false;
	for (char *save = NULL, *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned maj, min;
		unsigned long long v;
		char op[16];
		if (!v2) {
			if (sscanf(l, "%u:%u %15s %llu", &maj, &min, op, &v) != 4)
				continue;
			devices = true;
			if (strcmp(op, "Read") == 0)
				*read += v;
			else if (strcmp(op, "Write") == 0)
				*written += v;
			continue;
		}
		const char *r = strstr(l, " rbytes="), *w = strstr(l, " wbytes=");
		if (r && sscanf(r, " rbytes=%llu", &v) == 1)
			*read += v;
		if (w && sscanf(w, " wbytes=%llu", &v) == 1)
			*written += v;
	}
	/* blk-throttle counts only on devices where a throttle rule was ever set (in any cgroup):
	 * elsewhere its file says "Total 0" whatever the job did. */
	if (!v2 && !devices && strstr(file, ".throttle."))
		return error_set(err, ENOTSUP,
				 "the v1 blkio controller of this kernel counts IO only on devices "
				 "that have a bps or iops limit");
	return 0;
}

static void why(char *buf, size_t len, const struct error *e)
{
	snprintf(buf, len, "%s", e->err == ENOTSUP ? e->msg : strerror(e->err));
}

void cgroup_usage_figures(struct cgroup *cg, struct cgroup_stats *s)
{
	static const char *const names[3] = CGROUP_PRESSURE_NAMES;
	struct error e;
	s->has_io = io_bytes(cg, &s->io_read, &s->io_written, &e) == 0;
	if (!s->has_io)
		why(s->why_io, sizeof s->why_io, &e);
	s->has_forks_refused = pids_refused(cg, &s->forks_refused, &e) == 0;
	if (!s->has_forks_refused)
		why(s->why_forks, sizeof s->why_forks, &e);
	s->has_swap = swap_peak(cg, &s->swap_peak, &e) == 0;
	if (!s->has_swap)
		why(s->why_swap, sizeof s->why_swap, &e);
	s->has_pressure = true;
	for (int i = 0; i < 3 && s->has_pressure; i++)
		s->has_pressure = pressure_stall(cg, names[i], &s->pressure_some_us[i],
						 &s->pressure_full_us[i], &e) == 0;
	if (!s->has_pressure)
		why(s->why_pressure, sizeof s->why_pressure, &e);
}
