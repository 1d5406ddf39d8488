/* runc's `events --stats` data object (types.Stats) from cgroup v1 files. Field names and which
 * ones are left out when zero follow runc's JSON tags, so tools that parse runc's output work. A
 * controller that is not mounted leaves its numbers at zero, as with runc. */
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
#include "lib/jsonutil.h"

int v1_stats(struct cgroup *cg, struct cgroup_stats *out, struct error *err);

/* -1 when the controller is not mounted or the cgroup is gone from it. */
static int open_opt(struct cgroup *cg, const char *ctrl)
{
	struct v1_state *s = cg->priv;
	if (v1_find(s, ctrl) < 0)
		return -1;
	return v1_open_ctrl(cg, ctrl, "stats", NULL);
}

static uint64_t rd(int dfd, const char *file)
{
	uint64_t v = 0;
	if (dfd >= 0 && cg_read_u64(dfd, file, &v, NULL) < 0)
		v = 0;
	return v;
}

static char *rd_str(int dfd, const char *file)
{
	char *s = NULL;
	if (dfd < 0 || cg_read(dfd, file, &s, NULL) < 0)
		return NULL;
	return s;
}

static void set_u64(json_t *o, const char *k, uint64_t v, bool omitempty)
{
	if (!omitempty || v != 0)
		json_object_set_new(o, k, json_integer((json_int_t)v));
}

/* "1 2 3" -> [1,2,3], or nothing when empty (Go's omitempty). */
static void set_list(json_t *o, const char *k, const char *s)
{
	if (s == NULL)
		return;
	json_t *a = json_array();
	for (const char *p = s;;) {
		char *end;
		unsigned long long v = strtoull(p, &end, 10);
		if (end == p)
			break;
		json_array_append_new(a, json_integer((json_int_t)v));
		p = end;
	}
	if (json_array_size(a) > 0)
		json_object_set_new(o, k, a);
	else
		json_decref(a);
}

static json_t *cpu_stats(struct cgroup *cg, struct cgroup_stats *out)
{
	_cleanup_close_ int acct = open_opt(cg, "cpuacct");
	_cleanup_close_ int cpu = open_opt(cg, "cpu");
	json_t *usage = json_object(), *thr = json_object();
	set_u64(usage, "total", rd(acct, "cpuacct.usage"), true);
	_cleanup_free_ char *percpu = rd_str(acct, "cpuacct.usage_percpu");
	_cleanup_free_ char *psys = rd_str(acct, "cpuacct.usage_percpu_sys");
	_cleanup_free_ char *pusr = rd_str(acct, "cpuacct.usage_percpu_user");
	set_list(usage, "percpu", percpu);
	set_list(usage, "percpu_kernel", psys);
	set_list(usage, "percpu_user", pusr);
	/* cpuacct.stat counts USER_HZ ticks; runc reports nanoseconds. */
	uint64_t user = 0, sys = 0;
	if (acct >= 0) {
		cg_read_keyed(acct, "cpuacct.stat", "user", &user, NULL);
		cg_read_keyed(acct, "cpuacct.stat", "system", &sys, NULL);
	}
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t ns_per_tick = hz > 0 ? 1000000000ULL / (uint64_t)hz : 10000000ULL;
	set_u64(usage, "kernel", sys * ns_per_tick, false);
	set_u64(usage, "user", user * ns_per_tick, false);
	out->has_cpu = true;
	out->cpu_kernel_ns = sys * ns_per_tick;
	out->cpu_user_ns = user * ns_per_tick;
	uint64_t v = 0;
	if (cpu >= 0) {
		cg_read_keyed(cpu, "cpu.stat", "nr_periods", &v, NULL);
		set_u64(thr, "periods", v, true);
		cg_read_keyed(cpu, "cpu.stat", "nr_throttled", &v, NULL);
		set_u64(thr, "throttledPeriods", v, true);
		cg_read_keyed(cpu, "cpu.stat", "throttled_time", &v, NULL);
		set_u64(thr, "throttledTime", v, true);
		out->cpu_throttled_ns = v;
	}
	return json_pack("{s:o,s:o}", "usage", usage, "throttling", thr);
}

/* "0-2,5" -> [0,1,2,5] */
static void set_cpulist(json_t *o, const char *k, const char *s)
{
	if (s == NULL)
		return;
	json_t *a = json_array();
	for (const char *p = s; *p && *p != '\n';) {
		char *end;
		unsigned long lo = strtoul(p, &end, 10), hi = lo;
		if (end == p)
			break;
		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		for (unsigned long i = lo; i <= hi && i < 65536; i++)
			json_array_append_new(a, json_integer((json_int_t)i));
		p = *end == ',' ? end + 1 : end;
	}
	if (json_array_size(a) > 0)
		json_object_set_new(o, k, a);
	else
		json_decref(a);
}

static json_t *cpuset_stats(struct cgroup *cg)
{
	_cleanup_close_ int fd = open_opt(cg, "cpuset");
	json_t *o = json_object();
	_cleanup_free_ char *cpus = rd_str(fd, "cpuset.cpus");
	_cleanup_free_ char *mems = rd_str(fd, "cpuset.mems");
	set_cpulist(o, "cpus", cpus);
	set_u64(o, "cpu_exclusive", rd(fd, "cpuset.cpu_exclusive"), false);
	set_cpulist(o, "mems", mems);
	set_u64(o, "mem_hardwall", rd(fd, "cpuset.mem_hardwall"), false);
	set_u64(o, "mem_exclusive", rd(fd, "cpuset.mem_exclusive"), false);
	set_u64(o, "memory_migrate", rd(fd, "cpuset.memory_migrate"), false);
	set_u64(o, "memory_spread_page", rd(fd, "cpuset.memory_spread_page"), false);
	set_u64(o, "memory_spread_slab", rd(fd, "cpuset.memory_spread_slab"), false);
	set_u64(o, "memory_pressure", rd(fd, "cpuset.memory_pressure"), false);
	set_u64(o, "sched_load_balance", rd(fd, "cpuset.sched_load_balance"), false);
	_cleanup_free_ char *lvl = rd_str(fd, "cpuset.sched_relax_domain_level");
	json_object_set_new(o, "sched_relax_domain_level",
			    json_integer(lvl ? strtoll(lvl, NULL, 10) : 0));
	return o;
}

/* memory.<prefix>{usage_in_bytes,max_usage_in_bytes,failcnt,limit_in_bytes} */
static json_t *mem_entry(int fd, const char *prefix)
{
	char f[96];
	json_t *o = json_object();
	snprintf(f, sizeof f, "%slimit_in_bytes", prefix);
	set_u64(o, "limit", rd(fd, f), false);
	snprintf(f, sizeof f, "%susage_in_bytes", prefix);
	set_u64(o, "usage", rd(fd, f), true);
	snprintf(f, sizeof f, "%smax_usage_in_bytes", prefix);
	set_u64(o, "max", rd(fd, f), true);
	snprintf(f, sizeof f, "%sfailcnt", prefix);
	set_u64(o, "failcnt", rd(fd, f), false);
	return o;
}

static json_t *memory_stats(struct cgroup *cg, struct cgroup_stats *out)
{
	_cleanup_close_ int fd = open_opt(cg, "memory");
	json_t *o = json_object(), *raw = json_object();
	_cleanup_free_ char *stat = rd_str(fd, "memory.stat");
	uint64_t cache = 0;
	for (char *line = stat; line && *line;) {
		char *nl = strchr(line, '\n'), *sp = strchr(line, ' ');
		if (nl)
			*nl = '\0';
		if (sp) {
			*sp = '\0';
			uint64_t v = strtoull(sp + 1, NULL, 10);
			json_object_set_new(raw, line, json_integer((json_int_t)v));
			if (strcmp(line, "cache") == 0)
				cache = v;
		}
		line = nl ? nl + 1 : NULL;
	}
	set_u64(o, "cache", cache, true);
	json_object_set_new(o, "usage", mem_entry(fd, "memory."));
	out->memory_peak = rd(fd, "memory.max_usage_in_bytes");
	out->has_memory = out->memory_peak != 0;
	json_object_set_new(o, "swap", mem_entry(fd, "memory.memsw."));
	json_object_set_new(o, "kernel", mem_entry(fd, "memory.kmem."));
	json_object_set_new(o, "kernelTCP", mem_entry(fd, "memory.kmem.tcp."));
	if (json_object_size(raw) > 0)
		json_object_set_new(o, "raw", raw);
	else
		json_decref(raw);
	return o;
}

static json_t *pids_stats(struct cgroup *cg)
{
	_cleanup_close_ int fd = open_opt(cg, "pids");
	json_t *o = json_object();
	set_u64(o, "current", rd(fd, "pids.current"), true);
	uint64_t max = rd(fd, "pids.max");
	set_u64(o, "limit", max == UINT64_MAX ? 0 : max, true); /* "max" reads as no limit */
	return o;
}

/* "8:0 Read 4096" lines (and "8:0 4096" for sectors); the "Total" line is left out. */
static json_t *blkio_entries(int fd, const char *file)
{
	_cleanup_free_ char *s = rd_str(fd, file);
	json_t *a = json_array();
	for (char *line = s; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		unsigned long long maj, min, v;
		char op[32];
		json_t *e = NULL;
		if (sscanf(line, "%llu:%llu %31s %llu", &maj, &min, op, &v) == 4)
			e = json_pack("{s:I,s:I,s:s,s:I}", "major", (json_int_t)maj, "minor",
				      (json_int_t)min, "op", op, "value", (json_int_t)v);
		else if (sscanf(line, "%llu:%llu %llu", &maj, &min, &v) == 3)
			e = json_pack("{s:I,s:I,s:I}", "major", (json_int_t)maj, "minor",
				      (json_int_t)min, "value", (json_int_t)v);
		if (e) {
			/* omitempty on every field */
			const char *keys[] = {"major", "minor", "value"};
			for (size_t k = 0; k < 3; k++)
				if (json_integer_value(json_object_get(e, keys[k])) == 0)
					json_object_del(e, keys[k]);
			json_array_append_new(a, e);
		}
		line = nl ? nl + 1 : NULL;
	}
	return a;
}

static bool has_device(json_t *a, json_int_t maj, json_int_t min)
{
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e)
	{
		if (json_integer_value(json_object_get(e, "major")) == maj &&
		    json_integer_value(json_object_get(e, "minor")) == min)
			return true;
	}
	return false;
}

/* Appends b's entries for devices a does not have; takes b. */
static void add_other_devices(json_t *a, json_t *b)
{
	json_t *have = json_deep_copy(a);
	size_t i;
	json_t *e;
	json_array_foreach(b, i, e)
	{
		if (!has_device(have, json_integer_value(json_object_get(e, "major")),
				json_integer_value(json_object_get(e, "minor"))))
			json_array_append(a, e);
	}
	json_decref(have);
	json_decref(b);
}

static json_t *blkio_stats(struct cgroup *cg)
{
	_cleanup_close_ int fd = open_opt(cg, "blkio");
	json_t *o = json_object();
	/* runc's order: CFQ's files, else BFQ's, else the throttle ones. */
	static const struct {
		const char *key, *cfq, *bfq, *thr;
	} f[] = {
	    {"ioServiceBytesRecursive", "blkio.io_service_bytes_recursive",
	     "blkio.bfq.io_service_bytes_recursive", "blkio.throttle.io_service_bytes_recursive"},
	    {"ioServicedRecursive", "blkio.io_serviced_recursive",
	     "blkio.bfq.io_serviced_recursive", "blkio.throttle.io_serviced_recursive"},
	    {"ioQueueRecursive", "blkio.io_queued_recursive", NULL, NULL},
	    {"ioServiceTimeRecursive", "blkio.io_service_time_recursive", NULL, NULL},
	    {"ioWaitTimeRecursive", "blkio.io_wait_time_recursive", NULL, NULL},
	    {"ioMergedRecursive", "blkio.io_merged_recursive", NULL, NULL},
	    {"ioTimeRecursive", "blkio.time_recursive", NULL, NULL},
	    {"sectorsRecursive", "blkio.sectors_recursive", NULL, NULL},
	};
	if (fd < 0)
		return o;
	int src = faccessat(fd, "blkio.io_serviced_recursive", F_OK, 0) == 0	   ? 0
		  : faccessat(fd, "blkio.bfq.io_serviced_recursive", F_OK, 0) == 0 ? 1
										   : 2;
	for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
		const char *file = src == 0 ? f[i].cfq : src == 1 ? f[i].bfq : f[i].thr;
		if (file == NULL)
			continue;
		json_t *a = blkio_entries(fd, file);
		/* CFQ's and BFQ's counters see only devices that use that scheduler (a loop or nvme
		 * device usually has none); blk-throttle sees every device: fill in the others. */
		if (src != 2 && f[i].thr)
			add_other_devices(a, blkio_entries(fd, f[i].thr));
		if (json_array_size(a) > 0)
			json_object_set_new(o, f[i].key, a);
		else
			json_decref(a);
	}
	return o;
}

static json_t *hugetlb_stats(struct cgroup *cg)
{
	json_t *o = json_object();
	_cleanup_close_ int fd = open_opt(cg, "hugetlb");
	if (fd < 0)
		return o;
	_cleanup_closedir_ DIR *d = fdopendir(dup(fd));
	for (struct dirent *de; d && (de = readdir(d));) {
		char size[64];
		size_t l = strlen(de->d_name);
		const char *suffix = ".usage_in_bytes";
		size_t sl = strlen(suffix);
		if (strncmp(de->d_name, "hugetlb.", 8) != 0 || l <= 8 + sl ||
		    strcmp(de->d_name + l - sl, suffix) != 0 || l - 8 - sl >= sizeof size ||
		    strstr(de->d_name, ".rsvd.") != NULL)
			continue;
		memcpy(size, de->d_name + 8, l - 8 - sl);
		size[l - 8 - sl] = '\0';
		char f[128];
		json_t *h = json_object();
		snprintf(f, sizeof f, "hugetlb.%s.usage_in_bytes", size);
		set_u64(h, "usage", rd(fd, f), true);
		snprintf(f, sizeof f, "hugetlb.%s.max_usage_in_bytes", size);
		set_u64(h, "max", rd(fd, f), true);
		snprintf(f, sizeof f, "hugetlb.%s.failcnt", size);
		set_u64(h, "failcnt", rd(fd, f), false);
		json_object_set_new(o, size, h);
	}
	return o;
}

int v1_stats(struct cgroup *cg, struct cgroup_stats *out, struct error *err)
{
	if (v1_state(cg, err) == NULL)
		return -1;
	_cleanup_free_ char *dir = NULL;
	/* A container whose cgroup is gone has no stats: say so rather than print zeros. */
	struct v1_state *s = cg->priv;
	dir = v1_join(s->h[0].mnt, cg->path, NULL);
	if (dir == NULL)
		return error_set(err, ENOMEM, "stats");
	if (access(dir, F_OK) < 0)
		return error_errno(err, "stats: cgroup %s", dir);
	json_t *o = json_object();
	if (o == NULL)
		return error_set(err, ENOMEM, "stats");
	json_object_set_new(o, "cpu", cpu_stats(cg, out));
	json_object_set_new(o, "cpuset", cpuset_stats(cg));
	json_object_set_new(o, "memory", memory_stats(cg, out));
	json_object_set_new(o, "pids", pids_stats(cg));
	json_object_set_new(o, "blkio", blkio_stats(cg));
	json_object_set_new(o, "hugetlb", hugetlb_stats(cg));
	json_object_set_new(o, "intel_rdt", json_object());
	json_object_set_new(o, "network_interfaces", json_null());
	out->runc = o;
	return 0;
}
