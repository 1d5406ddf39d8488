/* The cgroup manager: one interface, backends for v2 (unified), v1 (legacy and hybrid) and none.
 * Paths given here are already resolved (cgroup_resolve_path) and relative to each hierarchy's
 * root, e.g. "/berth/ID". */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroups/resources.h"

struct error;

enum cgroup_mode { CGROUP_MODE_NONE, CGROUP_MODE_V1, CGROUP_MODE_HYBRID, CGROUP_MODE_V2 };

/* Detected from the mounts (statfs of /sys/fs/cgroup and /sys/fs/cgroup/unified), once per process.
 */
int cgroup_detect_mode(enum cgroup_mode *mode, struct error *err);
const char *cgroup_mode_name(enum cgroup_mode mode);
int cgroup_mode_from_name(const char *name); /* -1 if unknown */

/* cgroupsPath -> path from the hierarchy root: absolute as is, relative under the root, empty or
 * NULL -> "/berth/ID". The systemd form "slice:prefix:name" fails unless systemd runs (it never
 * does here): the message says so. Rejects "..". */
int cgroup_resolve_path(const char *cgroups_path, const char *id, bool systemd, char **out,
			struct error *err);

struct cgroup; /* opaque */

/* A handle; touches nothing. created_depth: how many path components (from the leaf up) berth
 * created (0 when opening an existing container from its state: pass the recorded value). */
struct cgroup *cgroup_open(enum cgroup_mode mode, const char *path, int created_depth,
			   struct error *err);
void cgroup_free(struct cgroup *cg);
const char *cgroup_path(const struct cgroup *cg);
enum cgroup_mode cgroup_get_mode(const struct cgroup *cg);
int cgroup_created_depth(const struct cgroup *cg);

/* mkdir in every hierarchy (and the unified one on hybrid); records how deep it created. */
int cgroup_create(struct cgroup *cg, struct error *err);
/* Writes linux.resources. update: a live `berth update` (checkBeforeUpdate applies, and order
 * matters: memory+swap limits are raised/lowered in the order the kernel accepts). */
int cgroup_apply(struct cgroup *cg, const struct cgroup_resources *r, bool update,
		 struct error *err);

/* What init needs to join its cgroups without the parent writing to cgroup.procs. */
struct cgroup_enter {
	int clone_into_fd; /* v2/hybrid: the unified dir, for clone3(CLONE_INTO_CGROUP); -1 if none
			    */
	int procs_fd; /* v2/hybrid: cgroup.procs, written "0" by init if CLONE_INTO_CGROUP failed */
	int tasks_fds[16]; /* v1: each controller's tasks file, written "0" by the single-threaded
			      init */
	int n_tasks;
};
int cgroup_enter_prepare(struct cgroup *cg, struct cgroup_enter *e, struct error *err);
void cgroup_enter_close(struct cgroup_enter *e);
/* Runs in init, before it unshares its cgroup namespace. cloned_into: clone3 placed it already.
 * Returns 0 or -errno. */
int cgroup_enter_self(const struct cgroup_enter *e, bool cloned_into);

/* A handle on an existing cgroup below cg (exec --cgroup SUB); refuses absolute paths and "..". */
struct cgroup *cgroup_open_sub(const struct cgroup *cg, const char *sub, struct error *err);
int cgroup_freeze(struct cgroup *cg, bool freeze, struct error *err);
int cgroup_is_frozen(struct cgroup *cg, bool *frozen, struct error *err);
/* Signals every process (v2 cgroup.kill for SIGKILL where the kernel has it). */
int cgroup_kill_all(struct cgroup *cg, int sig, struct error *err);
int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct error *err);
/* What a cgroup's tasks used: runc's `events --stats` "data" object for the wire, and the
 * figures a caller reads (berth box's report) as numbers, from the same reads. A has_* false:
 * the kernel or cgroup layout keeps no such figure; for the last four, why_* says why. */
struct cgroup_stats {
	json_t *runc; /* cpu, memory, pids, blkio, hugetlb */
	bool has_cpu;
	uint64_t cpu_user_ns, cpu_kernel_ns, cpu_throttled_ns;
	bool has_memory;
	uint64_t memory_peak; /* bytes */
	uint64_t oom_kills;
	bool has_tasks;
	uint64_t tasks, tasks_peak; /* tasks_peak 0: the kernel keeps no high-water mark */
	bool has_io;
	uint64_t io_read, io_written; /* bytes */
	bool has_forks_refused;
	uint64_t forks_refused; /* by the pids limit */
	bool has_swap;
	uint64_t swap_peak; /* bytes */
	bool has_pressure;
	uint64_t pressure_some_us[3], pressure_full_us[3]; /* CGROUP_PRESSURE_NAMES, in order */
	char why_io[160], why_forks[160], why_swap[160], why_pressure[160];
};
#define CGROUP_PRESSURE_NAMES                                                                      \
	{                                                                                          \
		"cpu", "memory", "io"                                                              \
	}
int cgroup_stats(struct cgroup *cg, struct cgroup_stats *out, struct error *err);
void cgroup_stats_free(struct cgroup_stats *s);
/* Number of OOM kills so far (v2 memory.events oom_kill; v1 memory.oom_control oom_kill). */
int cgroup_oom_kills(struct cgroup *cg, uint64_t *count, struct error *err);
/* Tasks (threads) counted by the pids controller now, and the kernel's high-water mark where it
 * keeps one (v2 pids.peak, Linux 6.12+); *peak is 0 when it does not. ENOTSUP without pids. */
int cgroup_tasks(struct cgroup *cg, uint64_t *current, uint64_t *peak, struct error *err);
/* The figures only some kernels keep (cgroups/usage.c): forks the pids limit refused, pressure
 * stall time (v2 or a hybrid host's unified hierarchy), the most swap used (v2
 * memory.swap.peak, Linux 6.5+; v1 the difference of the memory+swap and memory high-water
 * marks), bytes read and written on block devices (v1 blkio, v2 io.stat; page-cache writes
 * where the kernel charges their writeback to the cgroup, v2, else at the device). */
void cgroup_usage_figures(struct cgroup *cg, struct cgroup_stats *s);
/* An fd that becomes readable on a new OOM event (v1 eventfd, v2 inotify on memory.events). */
int cgroup_oom_event_fd(struct cgroup *cg, struct error *err);
/* Every container needs some devices (null, zero, full, tty, random, urandom, ptmx, the pts and
 * tun nodes, mknod of any node), and engines' configs start with "deny all" trusting the runtime
 * to add them, as runc does (linux.devices entries are not implied: the config allows them).
 * Appended after r's own rules, which keep their order, as runc and crun write them: a config
 * cannot take a default device away, and one that allows everything and then denies a device
 * still gets the defaults it needs to start. */
int cgroup_devices_add_defaults(struct cgroup_resources *r, struct error *err);
/* Thaws, kills what is left, removes every dir berth created (leaf, then created parents);
 * missing dirs are fine, so it can finish an earlier crashed delete. */
int cgroup_destroy(struct cgroup *cg, struct error *err);
/* For the container's record (cgroups/held.c): how many trailing path components cgroup_create
 * is about to make (written down before it runs), and the remover of a record's cgroup entry,
 * "MODE PATH DEPTH" (mode name, resolved path, created depth): cgroup_destroy of that. */
int cgroup_depth_to_create(struct cgroup *cg);
int cgroup_remove_held(int argc, char *const *argv, struct error *err);
