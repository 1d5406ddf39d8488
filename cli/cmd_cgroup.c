/* update and events: the commands on a container's cgroup. The flags are parsed here into
 * runtime's request; -r FILE is runtime's to read. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/cleanup.h"
#include "lib/error.h"

enum {
	OPT_RESOURCES = 'r',
	OPT_BLKIO_WEIGHT = 256,
	OPT_CPU_PERIOD,
	OPT_CPU_QUOTA,
	OPT_CPU_BURST,
	OPT_CPU_SHARE,
	OPT_CPU_RT_PERIOD,
	OPT_CPU_RT_RUNTIME,
	OPT_CPUSET_CPUS,
	OPT_CPUSET_MEMS,
	OPT_KMEM,
	OPT_KMEM_TCP,
	OPT_MEMORY,
	OPT_MEMORY_RES,
	OPT_MEMORY_SWAP,
	OPT_PIDS,
	OPT_L3,
	OPT_MEMBW,
};

static int set_u64(struct opt_u64 *o, const char *s, const char *flag, struct error *err)
{
	long long v;
	if (parse_int_arg(s, flag, 0, INT64_MAX, &v, err) < 0)
		return -1;
	o->set = true;
	o->v = (uint64_t)v;
	return 0;
}

static int set_i64(struct opt_i64 *o, const char *s, const char *flag, bool size, struct error *err)
{
	long long v;
	if ((size ? parse_size_arg(s, flag, &v, err)
		  : parse_int_arg(s, flag, -1, INT64_MAX, &v, err)) < 0)
		return -1;
	o->set = true;
	o->v = v;
	return 0;
}

static int parse_update_flag(int c, struct cgroup_resources *r, struct error *err)
{
	switch (c) {
	case OPT_BLKIO_WEIGHT:
		return set_u64(&r->blkio.weight, optarg, "--blkio-weight", err);
	case OPT_CPU_PERIOD:
		return set_u64(&r->cpu.period, optarg, "--cpu-period", err);
	case OPT_CPU_QUOTA:
		return set_i64(&r->cpu.quota, optarg, "--cpu-quota", false, err);
	case OPT_CPU_BURST:
		return set_u64(&r->cpu.burst, optarg, "--cpu-burst", err);
	case OPT_CPU_SHARE:
		return set_u64(&r->cpu.shares, optarg, "--cpu-share", err);
	case OPT_CPU_RT_PERIOD:
		return set_u64(&r->cpu.realtime_period, optarg, "--cpu-rt-period", err);
	case OPT_CPU_RT_RUNTIME:
		return set_i64(&r->cpu.realtime_runtime, optarg, "--cpu-rt-runtime", false, err);
	/* argv outlives the request: nothing here is allocated, so nothing is freed. */
	case OPT_CPUSET_CPUS:
		r->cpu.cpus = optarg;
		return 0;
	case OPT_CPUSET_MEMS:
		r->cpu.mems = optarg;
		return 0;
	case OPT_KMEM:
		return set_i64(&r->memory.kernel, optarg, "--kernel-memory", true, err);
	case OPT_KMEM_TCP:
		return set_i64(&r->memory.kernel_tcp, optarg, "--kernel-memory-tcp", true, err);
	case OPT_MEMORY:
		return set_i64(&r->memory.limit, optarg, "--memory", true, err);
	case OPT_MEMORY_RES:
		return set_i64(&r->memory.reservation, optarg, "--memory-reservation", true, err);
	case OPT_MEMORY_SWAP:
		return set_i64(&r->memory.swap, optarg, "--memory-swap", true, err);
	case OPT_PIDS:
		return set_i64(&r->pids_limit, optarg, "--pids-limit", false, err);
	case OPT_L3:
	case OPT_MEMBW:
		return error_set(err, ENOTSUP, "update: Intel RDT is not available on this host");
	}
	return error_set(err, EINVAL, "update: unknown option");
}

int cmd_update(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {
	    {"resources", required_argument, NULL, OPT_RESOURCES},
	    {"blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT},
	    {"cpu-period", required_argument, NULL, OPT_CPU_PERIOD},
	    {"cpu-quota", required_argument, NULL, OPT_CPU_QUOTA},
	    {"cpu-burst", required_argument, NULL, OPT_CPU_BURST},
	    {"cpu-share", required_argument, NULL, OPT_CPU_SHARE},
	    {"cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD},
	    {"cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME},
	    {"cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS},
	    {"cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS},
	    {"kernel-memory", required_argument, NULL, OPT_KMEM},
	    {"kernel-memory-tcp", required_argument, NULL, OPT_KMEM_TCP},
	    {"memory", required_argument, NULL, OPT_MEMORY},
	    {"memory-reservation", required_argument, NULL, OPT_MEMORY_RES},
	    {"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
	    {"pids-limit", required_argument, NULL, OPT_PIDS},
	    {"l3-cache-schema", required_argument, NULL, OPT_L3},
	    {"mem-bw-schema", required_argument, NULL, OPT_MEMBW},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct cgroup_resources flags = {0};
	const char *resources_path = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
		if (c == 'h')
			help_exit(argv[0]);
		if (c == OPT_RESOURCES) {
			resources_path = optarg;
			continue;
		}
		if (c == '?')
			return error_set(err, EINVAL, "update: unknown option \"%s\"",
					 argv[optind - 1]);
		if (parse_update_flag(c, &flags, err) < 0)
			return -1;
	}
	if (expect_args(argc, argv, 1, "update [options] ID", err) < 0)
		return -1;
	return container_update(&g->ctx, argv[optind], resources_path, &flags, err);
}

int cmd_events(const struct globals *g, int argc, char **argv, struct error *err)
{
	enum { OPT_INTERVAL = 256, OPT_STATS };
	static const struct option opts[] = {{"interval", required_argument, NULL, OPT_INTERVAL},
					     {"stats", no_argument, NULL, OPT_STATS},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	int interval_ms = 5000;
	bool stats = false;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			help_exit(argv[0]);
		} else if (c == OPT_STATS) {
			stats = true;
		} else if (c == OPT_INTERVAL) {
			/* "5s", "500ms", "1m" as Go durations; a bare number is seconds. */
			char *end;
			double v = strtod(optarg, &end);
			double mult = 1000;
			if (strcmp(end, "ms") == 0)
				mult = 1;
			else if (strcmp(end, "m") == 0)
				mult = 60000;
			else if (*end && strcmp(end, "s") != 0)
				return error_set(err, EINVAL,
						 "events: --interval: invalid duration "
						 "\"%s\"",
						 optarg);
			if (v <= 0)
				return error_set(err, EINVAL,
						 "events: --interval must be positive");
			interval_ms = (int)(v * mult);
		} else {
			return error_set(err, EINVAL, "events: unknown option \"%s\"",
					 argv[optind - 1]);
		}
	}
	if (expect_args(argc, argv, 1, "events [--stats] [--interval D] ID", err) < 0)
		return -1;
	return container_events(&g->ctx, argv[optind], interval_ms, stats, err);
}
