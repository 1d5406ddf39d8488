#include "runtime/container.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fault.h"
#include "lib/jsonutil.h"
#include "lib/log.h"
#include "runtime/hooks.h"

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
		/* A create killed before its first state write leaves only the directory. */
		if (err->err == ENOENT) {
			c->st.id = strdup(id);
			c->st.bundle = strdup("");
			c->st.rootfs = strdup("");
			c->st.created = strdup("");
			c->st.annotations = json_object();
			return 0;
		}
		error_prefix(err, "container \"%s\"", id);
		container_close(c);
		return -1;
	}
	if (c->st.cgroup_path) {
		c->cg = cgroup_open(c->st.cgroup_mode, c->st.cgroup_path, c->st.cgroup_depth, err);
		if (c->cg == NULL) {
			container_close(c);
			return -1;
		}
	}
	return 0;
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
	if (c->st.pid <= 0)
		return -1;
	int fd = (int)syscall(SYS_pidfd_open, c->st.pid, 0);
	if (fd < 0)
		return -1;
	/* Opened first, checked second: if the start time still matches now, the pidfd refers to
	 * init and not to a process that reused its number. */
	bool zombie;
	if (process_start_time(c->st.pid, &zombie) != c->st.start_time || zombie) {
		close(fd);
		return -1;
	}
	return fd;
}

int container_wait_gone(struct container *c, int timeout_ms)
{
	_cleanup_close_ int fd = container_pidfd(c);
	if (fd < 0)
		return 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -1;
}

int container_destroy(struct container *c, struct error *err)
{
	struct error e;
	if (c->cg && cgroup_destroy(c->cg, err) < 0)
		return -1;
	FAULT_POINT("delete-after-cgroup");
	struct spec *spec = container_load_spec(c, &e);
	if (spec) {
		_cleanup_json_ json_t *j = state_to_json(&c->st, STATUS_STOPPED);
		_cleanup_free_ char *state = j ? json_dumps(j, JSON_COMPACT) : NULL;
		/* A poststop hook failing is reported, not fatal: the container is gone already. */
		if (hooks_run(&spec->hooks, HOOK_POSTSTOP, state ? state : "{}", &e) < 0)
			log_warn("%s", e.msg);
		spec_free(spec);
	}
	FAULT_POINT("delete-before-rmdir");
	return state_dir_remove(c->rootfd, c->st.id, err);
}
