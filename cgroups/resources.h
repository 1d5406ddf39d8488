/* linux.resources of the OCI runtime spec, as plain data. The cgroup backends turn it into
 * controller files; runtime/spec.c fills it from config.json. Fields that are absent in the JSON
 * have .set == false and must not be written. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct opt_i64 {
	bool set;
	int64_t v;
};
struct opt_u64 {
	bool set;
	uint64_t v;
};
struct opt_bool {
	bool set;
	bool v;
};

struct cg_memory {
	struct opt_i64 limit;	    /* -1 = unlimited */
	struct opt_i64 reservation; /* soft limit / memory.low */
	struct opt_i64 swap;	    /* memory+swap on v1; v2 converts to memory.swap.max */
	struct opt_i64 kernel, kernel_tcp;
	struct opt_u64 swappiness;
	struct opt_bool disable_oom_killer;
	struct opt_bool use_hierarchy;
	struct opt_bool check_before_update;
};

struct cg_cpu {
	struct opt_u64 shares; /* v1 cpu.shares; v2 converts to cpu.weight */
	struct opt_i64 quota;
	struct opt_u64 period;
	struct opt_u64 burst;
	struct opt_i64 realtime_runtime;
	struct opt_u64 realtime_period;
	struct opt_i64 idle;
	char *cpus; /* cpuset.cpus, NULL if unset */
	char *mems;
};

struct cg_weight_device {
	int64_t major, minor;
	struct opt_u64 weight, leaf_weight;
};
struct cg_throttle_device {
	int64_t major, minor;
	uint64_t rate;
};

struct cg_blkio {
	struct opt_u64 weight, leaf_weight;
	struct cg_weight_device *weight_device;
	size_t n_weight_device;
	/* read bps, write bps, read iops, write iops */
	struct cg_throttle_device *throttle[4];
	size_t n_throttle[4];
};
enum { CG_THROTTLE_READ_BPS, CG_THROTTLE_WRITE_BPS, CG_THROTTLE_READ_IOPS, CG_THROTTLE_WRITE_IOPS };

struct cg_hugepage {
	char *page_size; /* "2MB", "1GB" */
	uint64_t limit;
};

struct cg_rdma {
	char *device;
	struct opt_u64 hca_handles, hca_objects;
};

struct cg_net_prio {
	char *name;
	uint32_t priority;
};

/* One entry of linux.resources.devices (the cgroup device allow/deny list). */
struct cg_device_rule {
	bool allow;
	char type;	      /* 'a', 'c' or 'b' */
	int64_t major, minor; /* -1 = wildcard */
	char access[4];	      /* subset of "rwm" */
};

struct cg_unified {
	char *key, *value;
};

struct cgroup_resources {
	struct cg_memory memory;
	struct cg_cpu cpu;
	struct opt_i64 pids_limit; /* -1 or 0 = unlimited, as runc */
	struct cg_blkio blkio;
	struct cg_hugepage *hugepages;
	size_t n_hugepages;
	struct cg_rdma *rdma;
	size_t n_rdma;
	struct opt_u64 net_class_id;
	struct cg_net_prio *net_prio;
	size_t n_net_prio;
	struct cg_device_rule *devices;
	size_t n_devices;
	bool has_devices; /* the devices key was present (an empty list still resets) */
	struct cg_unified *unified;
	size_t n_unified;
};

void cgroup_resources_free(struct cgroup_resources *r);
