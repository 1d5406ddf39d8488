/* Kernel namespaces: which to create, which to join by path, user-namespace maps, time offsets. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct error;

enum ns_type { NS_PID, NS_NET, NS_MNT, NS_IPC, NS_UTS, NS_USER, NS_CGROUP, NS_TIME, NS_COUNT };

/* linux.namespaces: an entry listed means "the container gets its own"; with a path it joins that
 * namespace instead of creating one. Not listed: it shares berth's. */
struct ns_config {
	bool listed[NS_COUNT];
	char *path[NS_COUNT]; /* NULL: create a new one */
};

struct id_mapping {
	uint32_t container_id, host_id, size;
};

struct time_offsets {
	bool has_monotonic, has_boottime;
	int64_t monotonic_secs, boottime_secs;
	uint32_t monotonic_nsecs, boottime_nsecs;
};

/* "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time" (OCI names). -1 if unknown. */
int ns_type_from_name(const char *name);
const char *ns_type_name(enum ns_type t);
/* The name under /proc/PID/ns/ ("mnt", "net", ...). */
const char *ns_proc_name(enum ns_type t);
int ns_clone_flag(enum ns_type t);

/* Flags for the clone of init: namespaces listed without a path, except cgroup and time, which
 * init unshares itself (cgroup after joining its cgroups; time in the parent, see timens_prepare).
 */
unsigned long ns_clone_flags(const struct ns_config *ns);

/* Opens every path to join (in the parent, before clone). fds[t] = -1 where none. On error the
 * message names the namespace and path, and fds are closed. */
int ns_open_paths(const struct ns_config *ns, int fds[NS_COUNT], struct error *err);
void ns_close_fds(int fds[NS_COUNT]);
/* In init: setns into every fd in fds (user first), closing each. */
int ns_join_fds(int fds[NS_COUNT], struct error *err);

/* Parent side: writes /proc/PID/{uid_map,gid_map} (and "deny" to setgroups when asked). */
int userns_write_maps(pid_t pid, const struct id_mapping *uid, size_t n_uid,
		      const struct id_mapping *gid, size_t n_gid, bool deny_setgroups,
		      struct error *err);

/* Parent side, before cloning init: unshare(CLONE_NEWTIME) and write the offsets, so that init
 * (the first child) is born into the new time namespace. The parent itself stays in its own. */
int timens_prepare(const struct time_offsets *off, struct error *err);

/* Opens /proc/PID/ns/<name> of a running container (for exec and hooks). */
int ns_open_of_pid(pid_t pid, enum ns_type t, struct error *err);
