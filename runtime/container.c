#include "runtime/container.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/jsonutil.h"
#include "lib/log.h"
#include "runtime/record.h"
#include "runtime/teardown.h"

/* A create that has not written state.json yet: its id, and the cgroup and init its record
 * names (the last entry of each kind is the latest word on it). */
static int state_from_record(struct container *c, const char *id, struct error *err)
{
	struct container_state *st = &c->st;
	st->id = strdup(id);
	st->bundle = strdup("");
	st->rootfs = strdup("");
	st->created = strdup("");
	st->annotations = json_object();
	struct record rec;
	struct error e;
	if (record_read(c->dirfd, &rec, &e) < 0) {
		/* Killed before the first entry: only the directory is there. */
		if (e.err == ENOENT)
			return 0;
		*err = e;
		return error_prefix(err, "container \"%s\"", id);
	}
	const struct record_entry *cg = record_last(&rec, "cgroup");
	const struct record_entry *pr = record_last(&rec, "process");
	int mode = cg && cg->argc == 3 ? cgroup_mode_from_name(cg->argv[0]) : -1;
	if (mode > 0) {
		st->cgroup_mode = (enum cgroup_mode)mode;
		st->cgroup_path = strdup(cg->argv[1]);
		st->cgroup_depth = atoi(cg->argv[2]);
	}
	if (pr && pr->argc == 2) {
		st->pid = (pid_t)atoi(pr->argv[0]);
		st->start_time = strtoull(pr->argv[1], NULL, 10);
	}
	record_free(&rec);
	return 0;
}

static int open_cgroup(struct container *c, struct error *err)
{
	if (c->st.cgroup_path) {
		c->cg = cgroup_open(c->st.cgroup_mode, c->st.cgroup_path, c->st.cgroup_depth, err);
		if (c->cg == NULL) {
			container_close(c);
			return -1;
		}
	}
	return 0;
}

int container_open(struct container *c, const char *root, const char *id, bool exclusive,
		   struct error *err)
{
	memset(c, 0, sizeof *c);
	c->rootfd = c->dirfd = -1;
	if (container_id_validate(id, err) < 0)
		return -1;
	c->rootfd = state_root_open(root, false, err);
	if (c->rootfd < 0) {
		if (err->err == ENOENT)
			error_set(err, ENOENT, "container \"%s\" does not exist", id);
		return -1;
	}
	c->dirfd = state_dir_open(c->rootfd, id, exclusive, err);
	if (c->dirfd < 0) {
		container_close(c);
		return -1;
	}
	if (state_read(c->dirfd, &c->st, err) < 0) {
		/* state.json is written once create is done: until then (or after a crash) the
		 * record says what the container holds. */
		if (err->err == ENOENT) {
			if (state_from_record(c, id, err) < 0) {
				container_close(c);
				return -1;
			}
			return open_cgroup(c, err);
		}
		error_prefix(err, "container \"%s\"", id);
		container_close(c);
		return -1;
	}
	return open_cgroup(c, err);
}

void container_close(struct container *c)
{
	/* The lock belongs to the open file, which a child cloned meanwhile (exec's, before its
	 * execve) shares: closing only our fd would leave the lock with it, and a child frozen in
	 * a paused cgroup would then hold it until resume, which needs it. */
	if (c->dirfd >= 0) {
		flock(c->dirfd, LOCK_UN);
		close(c->dirfd);
	}
	if (c->rootfd >= 0)
		close(c->rootfd);
	c->dirfd = c->rootfd = -1;
	cgroup_free(c->cg);
	c->cg = NULL;
	container_state_free(&c->st);
}

struct spec *container_load_spec(struct container *c, struct error *err)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d/config.json", c->dirfd);
	return spec_load_file(path, err);
}

enum container_status container_get_status(struct container *c)
{
	return container_status(c->dirfd, &c->st);
}

int container_pidfd(struct container *c)
{
	bool zombie;
	int fd = process_pidfd(c->st.pid, c->st.start_time, &zombie);
	if (fd >= 0 && zombie) {
		close(fd);
		return -1;
	}
	return fd;
}

int container_wait_gone(struct container *c, int timeout_ms)
{
	_cleanup_close_ int fd = container_pidfd(c);
	return fd < 0 ? 0 : pidfd_wait_gone(fd, timeout_ms);
}

int container_destroy(struct container *c, struct error *err)
{
	struct teardown t = {
	    .rootfd = c->rootfd, .dirfd = c->dirfd, .id = c->st.id, .st = &c->st, .poststop = true};
	return container_teardown(&t, err);
}
