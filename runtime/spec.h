/* config.json (the OCI runtime-spec of lib/version.h, the Linux part) as a C struct.
 * Parsing validates types and values; an error names the JSON path:
 *   "config.json: linux.resources.memory.limit: expected an integer".
 * Unknown fields are ignored. Absent optional values are NULL, 0-length, or .set == false. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroups/resources.h"
#include "namespaces/namespaces.h"
#include "namespaces/rootfs.h"

/* -std=gnu17 predefines "linux" as 1, which would break the member spec.linux. */
#undef linux

struct error;

struct spec_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

/* Capability sets as bit masks of CAP_* numbers (unknown names are warned about and ignored, as
 * runc does, so a config written for a newer kernel still runs). */
struct spec_capabilities {
	bool set; /* process.capabilities present */
	uint64_t bounding, effective, inheritable, permitted, ambient;
	char **unknown; /* names skipped, for a warning */
};

/* The highest uid or gid a config may name, as in runc: (uid_t)-1 means "unchanged" to
 * setresuid, so 4294967295 would leave the process with init's ids (root). */
#define SPEC_ID_MAX 2147483647u

struct spec_user {
	uint32_t uid, gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username; /* accepted, unused on Linux */
	/* The run.oci.keep_original_groups annotation (crun's): the process keeps the runtime
	 * caller's supplementary groups, and additionalGids are not set. */
	bool keep_original_groups;
};

struct spec_scheduler {
	bool set;
	int policy; /* SCHED_* */
	int32_t nice, priority;
	uint64_t flags; /* SCHED_FLAG_* bits */
	uint64_t runtime, deadline, period;
};

struct spec_io_priority {
	bool set;
	int class; /* IOPRIO_CLASS_RT/BE/IDLE */
	int priority;
};

struct spec_process {
	bool terminal;
	bool has_console_size;
	uint32_t console_height, console_width;
	struct spec_user user;
	char **args; /* NULL-terminated, at least one entry */
	char *command_line;
	char **env;
	char *cwd;
	struct spec_capabilities caps;
	struct spec_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *apparmor_profile, *selinux_label; /* accepted; no LSM here */
	struct spec_scheduler scheduler;
	struct spec_io_priority io_priority;
	char *exec_cpu_affinity_initial, *exec_cpu_affinity_final;
};

struct spec_hook {
	char *path;
	char **args;
	char **env;
	bool has_timeout;
	int timeout; /* seconds, > 0 */
};

enum hook_kind {
	HOOK_PRESTART,
	HOOK_CREATE_RUNTIME,
	HOOK_CREATE_CONTAINER,
	HOOK_START_CONTAINER,
	HOOK_POSTSTART,
	HOOK_POSTSTOP,
	HOOK_KIND_COUNT
};

struct spec_hooks {
	struct spec_hook *list[HOOK_KIND_COUNT];
	size_t n[HOOK_KIND_COUNT];
};

struct seccomp_arg {
	uint32_t index;
	uint64_t value, value_two;
	char *op; /* SCMP_CMP_* name */
};

struct seccomp_rule {
	char **names;
	char *action; /* SCMP_ACT_* name */
	bool has_errno_ret;
	uint32_t errno_ret;
	struct seccomp_arg *args;
	size_t n_args;
};

struct spec_seccomp {
	char *default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	char **architectures; /* SCMP_ARCH_* names */
	char **flags;	      /* SECCOMP_FILTER_FLAG_* names */
	char *listener_path, *listener_metadata;
	struct seccomp_rule *syscalls;
	size_t n_syscalls;
};

struct spec_personality {
	bool set;
	char *domain; /* "LINUX" or "LINUX32" */
	char **flags;
};

struct spec_linux {
	struct ns_config ns;
	struct id_mapping *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct time_offsets time_offsets;
	struct device_entry *devices;
	size_t n_devices;
	char *cgroups_path; /* NULL when absent */
	bool has_resources;
	struct cgroup_resources resources;
	char **sysctl_keys, **sysctl_values; /* parallel, NULL-terminated */
	struct spec_seccomp *seccomp;	     /* NULL: none */
	char *rootfs_propagation;
	char **masked_paths, **readonly_paths;
	char *mount_label;
	struct spec_personality personality;
};

struct spec {
	char *oci_version;
	bool has_process;
	struct spec_process process;
	char *root_path; /* as written; resolve against the bundle */
	bool root_readonly;
	char *hostname, *domainname;
	struct mount_entry *mounts;
	size_t n_mounts;
	struct spec_hooks hooks;
	char **annotation_keys, **annotation_values; /* parallel, NULL-terminated */
	struct spec_linux linux;
};

/* Reads and parses FILE (bundle/config.json). Error messages start with the file's base name. */
struct spec *spec_load_file(const char *path, struct error *err);
/* The same from bytes already read (create keeps them to save a copy in the state dir). */
struct spec *spec_parse_bytes(const char *data, size_t len, const char *path, struct error *err);
/* The value of annotations[key], or NULL. */
const char *spec_annotation(const struct spec *s, const char *key);
/* A JSON document from FILE ("-": stdin), with integers above INT64_MAX kept (see spec.c). */
json_t *spec_json_load(const char *path, struct error *err);
/* exec --process FILE and update -r FILE: the process object / linux.resources alone. */
int spec_load_process_file(const char *path, struct spec_process *out, struct error *err);
int spec_load_resources_file(const char *path, struct cgroup_resources *out, struct error *err);
/* Parses a JSON document; "name" is the prefix for error messages ("config.json"). */
struct spec *spec_parse(json_t *root, const char *name, struct error *err);
void spec_free(struct spec *s);

/* The process object alone (exec --process FILE). */
int spec_parse_process(json_t *obj, const char *name, struct spec_process *out, struct error *err);
void spec_process_free(struct spec_process *p);
/* linux.resources alone (update -r FILE). */
int spec_parse_resources(json_t *obj, const char *name, struct cgroup_resources *out,
			 struct error *err);

/* `berth spec`: the default config, like `runc spec` (and `--rootless`). */
/* Sets LINUX_OBJ's uidMappings/gidMappings to one entry: the caller's uid/gid as root (rootless).
 */
void spec_map_caller_to_root(json_t *linux_obj);
/* process.capabilities of a program the caller starts: the caller's bounding set, and its
 * effective set as effective, permitted and inheritable when effective (else none). */
json_t *spec_caller_capabilities(bool effective);
json_t *spec_default(bool rootless);
/* Writes spec_default() to BUNDLE/config.json; refuses to overwrite one. */
int spec_write_default(const char *bundle, bool rootless, struct error *err);
/* `berth features`: the runtime-spec features document. */
json_t *spec_features(void);
