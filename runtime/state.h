/* A container's on-disk state under --root: ROOT/ID/ holds state.json (written atomically),
 * exec.fifo while the container is "created", and config.json (the spec it was created with, for
 * poststop hooks and exec). The directory itself is the lock (flock), so two berth processes on one
 * ID serialise and never see a half-written state. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroups/cgroup.h"
#include "lib/proc.h" /* process_start_time, against pid reuse */

struct error;

enum container_status {
	STATUS_CREATING, /* create has not finished (or crashed midway) */
	STATUS_CREATED,
	STATUS_RUNNING,
	STATUS_PAUSED,
	STATUS_STOPPED,
};

struct container_state {
	char *id;
	char *bundle;
	char *rootfs;
	pid_t pid;	     /* 0 until init exists */
	uint64_t start_time; /* init's start time (clock ticks since boot), against pid reuse */
	char *created;	     /* RFC 3339 */
	char *owner;
	json_t *annotations; /* object, never NULL after load */
	enum cgroup_mode cgroup_mode;
	char *cgroup_path; /* NULL: no cgroup */
	int cgroup_depth;  /* path components berth created */
	bool finished;	   /* create completed (status is no longer "creating") */
};

/* ID rules as runc's: [A-Za-z0-9][A-Za-z0-9_+.-]*, not "." or ".."; at most NAME_MAX (255)
 * bytes, a file name's limit, where runc fails later. */
int container_id_validate(const char *id, struct error *err);

/* Opens (creating with mode 0700 when create is true) the --root directory. */
int state_root_open(const char *root, bool create, struct error *err);
/* Creates ROOT/ID exclusively and locks it; "container \"ID\" already exists" on EEXIST. */
int state_dir_create(int rootfd, const char *id, struct error *err);
/* Opens and locks ROOT/ID; "container \"ID\" does not exist" (errno ENOENT) when missing. */
int state_dir_open(int rootfd, const char *id, bool exclusive, struct error *err);
/* Removes ROOT/ID and everything in it. */
int state_dir_remove(int rootfd, const char *id, struct error *err);

int state_write(int dirfd, const struct container_state *st, struct error *err);
int state_read(int dirfd, struct container_state *st, struct error *err);
void container_state_free(struct container_state *st);

/* The live status: stopped when the pid is gone, a zombie or reused (start time differs). */
enum container_status container_status(int dirfd, const struct container_state *st);
const char *status_name(enum container_status s);

/* The OCI state object (for `state`, hooks' stdin and `list`). */
json_t *state_to_json(const struct container_state *st, enum container_status status);
/* --pid-file: written atomically (engines poll for it). */
int pid_file_write(const char *path, pid_t pid, struct error *err);
/* An RFC 3339 timestamp of now with nanoseconds, UTC. */
void now_rfc3339(char *buf, size_t len);
