#include "runtime/state.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "lib/jsonutil.h"
#include "lib/version.h"

int container_id_validate(const char *id, struct error *err)
{
	if (id == NULL || *id == '\0')
		return error_set(err, EINVAL, "container ID must not be empty");
	size_t n = strlen(id);
	/* The ID is the state directory's name (and, with no cgroupsPath, a cgroup's): longer than
	 * NAME_MAX, it would only fail later, midway through create. */
	if (n > NAME_MAX)
		return error_set(err, EINVAL, "invalid container ID: longer than %d bytes",
				 NAME_MAX);
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return error_set(err, EINVAL, "invalid container ID \"%s\"", id);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];
		if (isalnum(c) || (i > 0 && (c == '_' || c == '+' || c == '-' || c == '.')))
			continue;
		return error_set(
		    err, EINVAL,
		    "invalid container ID \"%.64s\": only letters, digits and _+.- are "
		    "allowed, starting with a letter or digit",
		    id);
	}
	return 0;
}

int state_root_open(const char *root, bool create, struct error *err)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdir_p(root, 0700, err) < 0)
			return error_prefix(err, "state root");
		fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return error_errno(err, "open state root %s", root);
	return fd;
}

static int lock_dir(int fd, bool exclusive, const char *id, struct error *err)
{
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno != EINTR)
			return error_errno(err, "lock container \"%s\"", id);
	}
	return 0;
}

/* Emptied state dirs are kept for the next create (ROOT/.spare/0 .. SPARES-1) instead of being
 * removed. Where the state root is on ext4 mounted with `discard` (this project's hosts: /run is
 * not a tmpfs there), rmdir frees the directory's block, a metadata block, whose discard is issued
 * synchronously: 2-3 ms of waiting in each delete, about a fifth of a `run` of /bin/true; and the
 * mkdir of the next create allocates and journals a new block (0.2 ms). A rename costs neither.
 * `list` skips the dot entry; a spare is only ever an empty directory, and a verb that opened
 * the directory before it was parked finds that its name no longer leads to it. */
#define SPARE_DIR ".spare"
#define SPARES	  4

static const char *spare_name(int k)
{
	static const char *const names[SPARES] = {"0", "1", "2", "3"};
	return names[k];
}

/* 0: a spare dir is now ROOT/id; 1: none to take; -1 with errno EEXIST: id exists. */
static int take_spare(int rootfd, const char *id)
{
	_cleanup_close_ int sfd =
	    openat(rootfd, SPARE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return 1;
	for (int k = 0; k < SPARES; k++) {
		if (renameat2(sfd, spare_name(k), rootfd, id, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno == EEXIST)
			return -1;
		if (errno != ENOENT)
			return 1;
	}
	return 1;
}

/* fd still is ROOT/id: not removed, nor parked as a spare (and maybe taken for another ID),
 * while we waited for its lock. */
static bool still_named(int rootfd, const char *id, int fd)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && a.st_nlink > 0 &&
	       fstatat(rootfd, id, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int state_dir_create(int rootfd, const char *id, struct error *err)
{
	/* Between mkdir and flock, a delete may take the empty directory for what a crashed create
	 * left and remove it: this create then comes after that delete, and starts over. */
	for (int attempt = 0; attempt < 100; attempt++) {
		int taken = take_spare(rootfd, id);
		if (taken < 0 || (taken > 0 && mkdirat(rootfd, id, 0700) < 0)) {
			if (errno == EEXIST)
				return error_set(err, EEXIST, "container \"%s\" already exists",
						 id);
			return error_errno(err, "create state dir for \"%s\"", id);
		}
		int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return error_errno(err, "open state dir of \"%s\"", id);
		}
		if (lock_dir(fd, true, id, err) < 0) {
			close(fd);
			return -1;
		}
		if (!still_named(rootfd, id, fd)) {
			close(fd);
			continue;
		}
		return fd;
	}
	return error_set(err, EAGAIN, "create state dir for \"%s\": removed again and again", id);
}

int state_dir_open(int rootfd, const char *id, bool exclusive, struct error *err)
{
	int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return error_set(err, ENOENT, "container \"%s\" does not exist", id);
		return error_errno(err, "open state dir of \"%s\"", id);
	}
	if (lock_dir(fd, exclusive, id, err) < 0) {
		close(fd);
		return -1;
	}
	/* A concurrent delete may have removed or parked the directory while we waited for the
	 * lock. */
	if (!still_named(rootfd, id, fd)) {
		close(fd);
		return error_set(err, ENOENT, "container \"%s\" does not exist", id);
	}
	return fd;
}

int state_dir_remove(int rootfd, const char *id, struct error *err)
{
	_cleanup_close_ int fd =
	    openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return error_errno(err, "open state dir of \"%s\"", id);
	}
	if (empty_tree_fd(fd, err) < 0)
		return error_prefix(err, "remove state dir of \"%s\"", id);
	if (mkdirat(rootfd, SPARE_DIR, 0700) == 0 || errno == EEXIST) {
		_cleanup_close_ int sfd =
		    openat(rootfd, SPARE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		for (int k = 0; sfd >= 0 && k < SPARES; k++) {
			if (renameat2(rootfd, id, sfd, spare_name(k), RENAME_NOREPLACE) == 0)
				return 0;
			if (errno != EEXIST)
				break;
		}
	}
	if (unlinkat(rootfd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return error_errno(err, "remove state dir of \"%s\"", id);
	return 0;
}

void now_rfc3339(char *buf, size_t len)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

int state_write(int dirfd, const struct container_state *st, struct error *err)
{
	/* Written once, when create is done: that it exists says create finished. How many
	 * cgroup levels create made is for the teardown alone, which reads it from the record. */
	_cleanup_json_ json_t *o = json_pack(
	    "{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:O, s:s, s:s?}", "id", st->id, "bundle",
	    st->bundle, "rootfs", st->rootfs, "pid", (json_int_t)st->pid, "start_time",
	    (json_int_t)st->start_time, "created", st->created, "owner", st->owner ? st->owner : "",
	    "annotations", st->annotations ? st->annotations : json_object(), "cgroup_mode",
	    cgroup_mode_name(st->cgroup_mode), "cgroup_path", st->cgroup_path);
	if (o == NULL)
		return error_set(err, ENOMEM, "state.json of \"%s\"", st->id);
	return json_dump_file_atomic_at(dirfd, "state.json", o, err);
}

static char *dup_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? strdup(s) : NULL;
}

int state_read(int dirfd, struct container_state *st, struct error *err)
{
	memset(st, 0, sizeof *st);
	_cleanup_json_ json_t *o = json_load_file_at(dirfd, "state.json", err);
	if (o == NULL)
		return -1;
	st->id = dup_str(o, "id");
	st->bundle = dup_str(o, "bundle");
	st->rootfs = dup_str(o, "rootfs");
	st->created = dup_str(o, "created");
	st->owner = dup_str(o, "owner");
	st->cgroup_path = dup_str(o, "cgroup_path");
	if (st->id == NULL || st->bundle == NULL || st->rootfs == NULL || st->created == NULL) {
		container_state_free(st);
		return error_set(err, EINVAL, "state.json: missing fields");
	}
	st->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	st->start_time = (uint64_t)json_integer_value(json_object_get(o, "start_time"));
	/* Both written by older berths only: cgroup_depth for containers that have no record
	 * (record_from_state), finished while state.json was still written at every step. */
	st->cgroup_depth = (int)json_integer_value(json_object_get(o, "cgroup_depth"));
	json_t *finished = json_object_get(o, "finished");
	st->finished = finished == NULL || json_is_true(finished);
	const char *mode = json_string_value(json_object_get(o, "cgroup_mode"));
	int m = mode ? cgroup_mode_from_name(mode) : -1;
	st->cgroup_mode = m < 0 ? CGROUP_MODE_NONE : (enum cgroup_mode)m;
	json_t *ann = json_object_get(o, "annotations");
	st->annotations = json_is_object(ann) ? json_incref(ann) : json_object();
	return 0;
}

void container_state_free(struct container_state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->owner);
	free(st->cgroup_path);
	json_decref(st->annotations);
	memset(st, 0, sizeof *st);
}

enum container_status container_status(int dirfd, const struct container_state *st)
{
	/* A zombie is dead: init killed with a crashed create (parent-death signal) may wait long
	 * for a reaper. */
	bool zombie;
	uint64_t t = process_start_time(st->pid, &zombie);
	bool alive = st->pid > 0 && t != 0 && !zombie && t == st->start_time;
	if (!st->finished)
		return alive ? STATUS_CREATING : STATUS_STOPPED;
	if (!alive)
		return STATUS_STOPPED;
	if (faccessat(dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return STATUS_CREATED;
	if (st->cgroup_path) {
		struct error e;
		struct cgroup *cg = cgroup_open(st->cgroup_mode, st->cgroup_path, 0, &e);
		bool frozen = false;
		if (cg && cgroup_is_frozen(cg, &frozen, &e) == 0 && frozen) {
			cgroup_free(cg);
			return STATUS_PAUSED;
		}
		cgroup_free(cg);
	}
	return STATUS_RUNNING;
}

static const char *status_names[] = {"creating", "created", "running", "paused", "stopped"};

const char *status_name(enum container_status s)
{
	return status_names[s];
}

json_t *state_to_json(const struct container_state *st, enum container_status status)
{
	json_t *o =
	    json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "ociVersion", OCI_SPEC_VERSION,
		      "id", st->id, "status", status_name(status), "pid",
		      status == STATUS_STOPPED ? 0 : (int)st->pid, "bundle", st->bundle, "rootfs",
		      st->rootfs, "created", st->created, "owner", st->owner ? st->owner : "");
	if (o && st->annotations && json_object_size(st->annotations) > 0)
		json_object_set(o, "annotations", st->annotations);
	return o;
}

int pid_file_write(const char *path, pid_t pid, struct error *err)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%d", (int)pid);
	_cleanup_free_ char *dir = strdup(path);
	if (dir == NULL)
		return error_set(err, ENOMEM, "pid file %s", path);
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : dir;
	if (slash)
		*slash = '\0';
	_cleanup_close_ int dfd =
	    open(slash ? (*dir ? dir : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return error_errno(err, "pid file %s", path);
	if (write_file_atomic_at(dfd, base, buf, (size_t)n, 0644, err) < 0)
		return error_prefix(err, "pid file");
	return 0;
}
