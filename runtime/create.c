/* The parent side of the launch: create and run. One process, no re-exec: parse the spec, take
 * the container's lock, make its cgroup, clone init straight into its namespaces (and, on v2 and
 * hybrid hosts, its cgroup), answer init's messages, record the state. */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "images/overlay.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fault.h"
#include "lib/fs.h"
#include "lib/jsonutil.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "runtime/hooks.h"
#include "runtime/init.h"
#include "runtime/launch.h"
#include "runtime/lsm.h"
#include "runtime/lifecycle.h"
#include "runtime/notify.h"
#include "runtime/seccomp.h"
#include "runtime/self_exe.h"
#include "runtime/state.h"
#include "runtime/foreground.h"
#include "runtime/terminal.h"
#include "runtime/record.h"
#include "runtime/teardown.h"

/* Everything one create holds. What it makes on the host is in rec (the container's record)
 * before it is made, so a failure anywhere, or a kill -9, is undone by the one teardown. */
struct creation {
	const struct runtime_ctx *ctx;
	const struct create_opts *o;
	struct spec *spec;
	char *config; /* config.json as read, copied into the state dir */
	size_t config_len;
	int rootfd, dirfd;
	struct container_state st;
	struct cgroup *cg;
	struct launch launch;
	int sock; /* the parent's end */
	pid_t pid;
	int pty_master;
	uint64_t oom_base; /* the cgroup's OOM kill count before init */
	struct record_writer rec;
	bool own_dir; /* this create made the state dir (the teardown of a failure may remove it) */
	int root_mount_fd; /* an image's overlay, detached (images/overlay.h); or -1 */
};

static int resolve_bundle(struct creation *c, struct error *err)
{
	char buf[PATH_MAX];
	const char *bundle = c->o->bundle && *c->o->bundle ? c->o->bundle : ".";
	if (realpath(bundle, buf) == NULL)
		return error_errno(err, "bundle %s", bundle);
	c->st.bundle = strdup(buf);
	_cleanup_free_ char *cfg =
	    c->o->config_path ? strdup(c->o->config_path) : path_join(c->st.bundle, "config.json");
	if (read_file_at(AT_FDCWD, cfg, &c->config, &c->config_len, err) < 0)
		return -1;
	c->spec = spec_parse_bytes(c->config, c->config_len, cfg, err);
	if (c->spec == NULL)
		return -1;
	if (!c->spec->has_process)
		return error_set(err, EINVAL,
				 "config.json: process: required to start a container");
	_cleanup_free_ char *root = c->spec->root_path[0] == '/'
					? strdup(c->spec->root_path)
					: path_join(c->st.bundle, c->spec->root_path);
	/* The rootfs is the caller's tree on the host, so resolving it here is safe; what is
	 * inside it is only ever touched fd-relative. */
	if (realpath(root, buf) == NULL)
		return error_errno(err, "rootfs %s", root);
	struct stat sb;
	if (stat(buf, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return error_set(err, ENOTDIR, "rootfs %s: not a directory", buf);
	c->st.rootfs = strdup(buf);
	return 0;
}

static int record_cgroup(struct creation *c, int depth, struct error *err)
{
	char d[16];
	snprintf(d, sizeof d, "%d", depth);
	const char *argv[] = {cgroup_mode_name(c->st.cgroup_mode), c->st.cgroup_path, d};
	return record_add(&c->rec, "cgroup", 3, argv, err);
}

static int setup_cgroup(struct creation *c, struct error *err)
{
	const struct create_opts *o = c->o;
	enum cgroup_mode mode;
	if (runtime_cgroup_mode(c->ctx, &mode, err) < 0)
		return -1;
	_cleanup_free_ char *path = NULL;
	if (cgroup_resolve_path(c->spec->linux.cgroups_path, o->id, c->ctx->manager == CGM_SYSTEMD,
				&path, err) < 0)
		return -1;
	c->cg = cgroup_open(mode, path, 0, err);
	if (c->cg == NULL)
		return -1;
	c->st.cgroup_mode = mode;
	if (mode != CGROUP_MODE_NONE) {
		c->st.cgroup_path = strdup(path);
		/* In the record before mkdir, with the levels mkdir is about to make, so a crash
		 * from here on still lets delete find it. */
		int depth = cgroup_depth_to_create(c->cg);
		if (record_cgroup(c, depth, err) < 0 || record_flush(&c->rec, err) < 0)
			return -1;
		FAULT_POINT("create-cgroup-recorded");
		if (cgroup_create(c->cg, err) < 0) {
			/* cgroup_create leaves the host as it was when it fails (a frozen cgroup it
			 * refuses may well be someone else's): the rollback must not remove it. */
			record_drop_last(&c->rec.mem);
			return -1;
		}
		c->st.cgroup_depth = cgroup_created_depth(c->cg);
		/* A parent removed meanwhile was made again: the record must cover it too (written
		 * with the next entry: until then the mkdir's are all that happened). */
		if (c->st.cgroup_depth > depth && record_cgroup(c, c->st.cgroup_depth, err) < 0)
			return -1;
	}
	/* Whatever is in the cgroup already is the container's from now on: delete and run's
	 * end kill it, and limits count it. Say so (as runc does). */
	_cleanup_free_ pid_t *pids = NULL;
	size_t npids = 0;
	struct error e;
	if (cgroup_pids(c->cg, &pids, &npids, &e) == 0 && npids > 0)
		log_warn("container's cgroup is not empty: %zu process(es) found", npids);
	/* An OOM kill is one the counter shows beyond this (a reused cgroup keeps its count). */
	if (cgroup_oom_kills(c->cg, &c->oom_base, &e) < 0)
		c->oom_base = 0;
	FAULT_POINT("create-cgroup");
	/* linux.devices alone also fences the container to the defaults (and what it allows). */
	if ((c->spec->linux.resources.has_devices || c->spec->linux.n_devices > 0) &&
	    cgroup_devices_add_defaults(&c->spec->linux.resources, err) < 0)
		return -1;
	if ((c->spec->linux.has_resources || c->spec->linux.resources.has_devices) &&
	    cgroup_apply(c->cg, &c->spec->linux.resources, false, err) < 0)
		return -1;
	return 0;
}

/* A bundle of an image (berth image bundle): its rootfs is an overlay of the image's layers,
 * made here as a detached mount that init attaches inside the container's mount namespace. The
 * record has it before anything is made, and before the cgroup, so that the teardown removes
 * the upper dir only after every process that could write to it is gone. */
static int setup_image_rootfs(struct creation *c, const char *image, struct error *err)
{
	if (!c->spec->linux.ns.listed[NS_MNT])
		return error_set(err, EINVAL,
				 "config.json: annotations." OVERLAY_ANNOTATION_IMAGE
				 ": an image's rootfs needs a mount namespace of its own");
	const char *store = spec_annotation(c->spec, OVERLAY_ANNOTATION_STORE);
	char abs[PATH_MAX];
	if (store == NULL || *store == '\0')
		store = c->ctx->store;
	if (realpath(store, abs) == NULL)
		return error_errno(err, "image store %s", store);
	const char *argv[] = {abs, c->o->id};
	if (record_add(&c->rec, OVERLAY_RECORD_KIND, 2, argv, err) < 0 ||
	    record_flush(&c->rec, err) < 0)
		return -1;
	FAULT_POINT("create-overlay-recorded");
	struct overlay_rootfs o = {
	    .store = abs, .name = c->o->id, .image = image, .readonly = c->spec->root_readonly};
	c->root_mount_fd = overlay_mount(&o, err);
	if (c->root_mount_fd < 0) {
		/* Another container's directory of that name is not ours to remove. */
		if (err->err == EEXIST)
			record_drop_last(&c->rec.mem);
		return -1;
	}
	FAULT_POINT("create-overlay-mounted");
	return 0;
}

static int setup_env(struct creation *c, struct error *err)
{
	/* Socket activation passes through, as runc does: the fds follow 0-2 and the process sees
	 * itself as their owner. */
	const char *lf = getenv("LISTEN_FDS");
	if (lf && *lf) {
		int n = atoi(lf);
		if (n > 0) {
			char buf[64];
			snprintf(buf, sizeof buf, "LISTEN_FDS=%d", n);
			strv_push(&c->launch.extra_env, buf);
			strv_push(&c->launch.extra_env, "LISTEN_PID=1");
			if (c->launch.preserve_fds < n)
				c->launch.preserve_fds = n;
		}
	}
	return 0;
}

/* The host id that id 0 of the container maps to. */
static int host_id_of_root(const struct id_mapping *m, size_t n, uint32_t *out)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].container_id == 0 && m[i].size > 0) {
			*out = m[i].host_id;
			return 0;
		}
	return -1;
}

/* NOTIFY_SOCKET is proxied (runtime/notify.h): the container sees its own socket. */
static int setup_notify(struct creation *c, struct error *err)
{
	char root[PATH_MAX];
	if (realpath(c->ctx->root, root) == NULL)
		return error_errno(err, "state root %s", c->ctx->root);
	_cleanup_free_ char *dir = path_join(root, c->o->id);
	if (dir == NULL || notify_prepare(c->dirfd, dir, c->spec, err) < 0)
		return -1;
	if (strv_env_set(&c->launch.extra_env, "NOTIFY_SOCKET=" NOTIFY_SOCKET_IN_CONTAINER) < 0)
		return error_set(err, ENOMEM, "NOTIFY_SOCKET");
	return 0;
}

static int prepare_launch(struct creation *c, bool use_fifo, struct error *err)
{
	struct launch *l = &c->launch;
	const struct spec *s = c->spec;
	l->spec = s;
	l->process = &s->process;
	l->preserve_fds = c->o->preserve_fds;
	l->no_new_keyring = c->o->no_new_keyring;
	l->die_with_parent = c->o->die_with_parent;
	l->id = c->o->id;
	l->bundle = c->st.bundle;
	l->fifo_fd = l->self_fds = l->root_fd = -1;
	for (int i = 0; i < NS_COUNT; i++)
		l->ns_fds[i] = -1;
	l->new_userns = s->linux.ns.listed[NS_USER] && s->linux.ns.path[NS_USER] == NULL;

	struct rootfs_config *r = &l->rootfs;
	r->rootfs = c->st.rootfs;
	r->readonly = s->root_readonly;
	r->propagation = s->linux.rootfs_propagation;
	r->mounts = s->mounts;
	r->n_mounts = s->n_mounts;
	r->devices = s->linux.devices;
	r->n_devices = s->linux.n_devices;
	r->masked_paths = s->linux.masked_paths;
	r->readonly_paths = s->linux.readonly_paths;
	r->no_pivot = c->o->no_pivot;
	r->own_mntns = s->linux.ns.listed[NS_MNT];
	r->new_userns = s->linux.ns.listed[NS_USER];
	r->new_cgroupns = s->linux.ns.listed[NS_CGROUP];
	r->cgroup_path = c->st.cgroup_path;
	r->mount_label = s->linux.mount_label;
	r->has_root_mount = c->root_mount_fd >= 0;
	r->root_mount_fd = c->root_mount_fd;
	/* Allocated before clone, so init has its own copy to fill (receive_sources). */
	if (l->new_userns) {
		r->n_source_fds = rootfs_source_slots(r);
		r->source_fds = malloc(r->n_source_fds * sizeof *r->source_fds);
		if (r->source_fds == NULL)
			return error_set(err, ENOMEM, "mount sources");
		for (size_t i = 0; i < r->n_source_fds; i++)
			r->source_fds[i] = -1;
	}

	if (sysctl_validate(s->linux.sysctl_keys, s->linux.ns.listed[NS_NET],
			    s->linux.ns.listed[NS_IPC], s->linux.ns.listed[NS_UTS], err) < 0)
		return -1;
	if (s->linux.seccomp && seccomp_prepare(s->linux.seccomp, &l->seccomp, err) < 0)
		return -1;
	if (setup_env(c, err) < 0)
		return -1;
	if (use_fifo) {
		if (mkfifoat(c->dirfd, "exec.fifo", 0622) < 0)
			return error_errno(err, "create exec fifo");
		/* init writes to it as the container's root: mode 0622 whatever the umask, and in
		 * a user namespace owned by the host ids that container root maps to (as runc). */
		uid_t ruid = 0;
		gid_t rgid = 0;
		if (l->new_userns &&
		    (host_id_of_root(s->linux.uid_mappings, s->linux.n_uid_mappings, &ruid) < 0 ||
		     host_id_of_root(s->linux.gid_mappings, s->linux.n_gid_mappings, &rgid) < 0))
			return error_set(
			    err, EINVAL,
			    "config.json: linux.uidMappings/gidMappings: container root (0) "
			    "is not mapped");
		if (fchmodat(c->dirfd, "exec.fifo", 0622, 0) < 0 ||
		    fchownat(c->dirfd, "exec.fifo", ruid, rgid, AT_SYMLINK_NOFOLLOW) < 0)
			return error_errno(err, "set up exec fifo");
		l->fifo_fd = openat(c->dirfd, "exec.fifo", O_PATH | O_CLOEXEC);
		if (l->fifo_fd < 0)
			return error_errno(err, "open exec fifo");
	}
	if (ns_open_paths(&s->linux.ns, l->ns_fds, err) < 0)
		return -1;
	if (cgroup_enter_prepare(c->cg, &l->cg_enter, err) < 0)
		return -1;
	return 0;
}

static int record_process(struct creation *c, struct error *err)
{
	char pid[16], start[32];
	snprintf(pid, sizeof pid, "%d", (int)c->pid);
	snprintf(start, sizeof start, "%" PRIu64, c->st.start_time);
	const char *argv[] = {pid, start};
	return record_add(&c->rec, "process", 2, argv, err);
}

static pid_t clone_init(struct creation *c, unsigned long flags, struct error *err)
{
	/* setns into a pid namespace only moves future children, so it is done here, in the
	 * parent, for init to be born inside it. The parent itself does not move. */
	int *pidns = &c->launch.ns_fds[NS_PID];
	if (*pidns >= 0) {
		if (setns(*pidns, CLONE_NEWPID) < 0)
			return error_errno(err, "join pid namespace %s",
					   c->spec->linux.ns.path[NS_PID]);
		close(*pidns);
		*pidns = -1;
	}
	struct clone_args args = {.flags = flags, .exit_signal = SIGCHLD};
	int cgfd = c->launch.cg_enter.clone_into_fd;
	if (cgfd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgfd;
	}
	pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
	if (pid < 0 && cgfd >= 0 && (errno == ENOSYS || errno == E2BIG || errno == EINVAL)) {
		/* An older kernel: init joins through cgroup.procs itself instead. */
		args.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		args.cgroup = 0;
		cgfd = -1;
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
	}
	if (pid < 0 && errno == ENOSYS)
		pid = (pid_t)syscall(SYS_clone, (flags | SIGCHLD), NULL, NULL, NULL, 0);
	if (pid < 0)
		return error_errno(err, "clone init into its namespaces");
	if (pid == 0) {
		c->launch.cloned_into_cgroup = cgfd >= 0;
		close(c->sock);
		/* The flock on the state dir belongs to the open file, which init shares until it
		 * execs: drop init's copy, or the container's lock outlives this create. */
		close(c->dirfd);
		close(c->rootfd);
		init_main(&c->launch);
	}
	return pid;
}

static char *state_json_string(struct creation *c, enum container_status status)
{
	_cleanup_json_ json_t *j = state_to_json(&c->st, status);
	return j ? json_dumps(j, JSON_COMPACT) : NULL;
}

static int run_parent_hooks(struct creation *c, struct error *err)
{
	_cleanup_free_ char *state = state_json_string(c, STATUS_CREATING);
	if (hooks_run(&c->spec->hooks, HOOK_PRESTART, state, err) < 0)
		return -1;
	return hooks_run(&c->spec->hooks, HOOK_CREATE_RUNTIME, state, err);
}

/* SCMP_ACT_NOTIFY: init loaded its filter and sent the listener; the agent at listenerPath gets
 * it with the state, then init may go on. Our copy is closed either way: the agent has its own. */
static int hand_listener_to_agent(struct creation *c, int fd, struct error *err)
{
	_cleanup_close_ int listener = fd;
	if (listener < 0)
		return error_set(err, EPROTO, "init sent no seccomp listener");
	_cleanup_json_ json_t *state = state_to_json(&c->st, STATUS_CREATING);
	if (state == NULL)
		return error_set(err, ENOMEM, "seccomp listener state");
	if (seccomp_send_listener(c->spec->linux.seccomp, listener, c->pid, state, err) < 0)
		return -1;
	if (launch_send(c->sock, MSG_SECCOMP_DONE, 0, NULL) < 0)
		return error_errno(err, "resume init after the seccomp agent");
	return 0;
}

/* init in a new user namespace runs as the mapped ids: a bind source below a directory only the
 * host's root may search is out of its reach. berth opens the sources and device nodes for it,
 * with its own credentials, while init waits for the maps. They are opened in init's mount
 * namespace (through /proc/PID/root, still the host's tree), as runc does from inside it: a
 * bind must come from a mount of init's namespace, and there the host's mount flags are locked
 * against the container (a clone of the host's mount, open_tree from here, would not be). */
static int send_mount_sources(struct creation *c, struct error *err)
{
	const struct rootfs_config *r = &c->launch.rootfs;
	if (r->n_source_fds == 0)
		return 0;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/root", (int)c->pid);
	_cleanup_close_ int initroot = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (initroot < 0)
		return error_errno(err, "open %s", path);
	for (size_t i = 0; i < r->n_source_fds; i++) {
		_cleanup_close_ int fd = rootfs_source_open(r, initroot, i);
		if (fd >= 0 && launch_send_fd_arg(c->sock, MSG_MOUNT_SOURCE, (int)i, fd) < 0)
			return error_errno(err, "send a mount source to init");
	}
	return 0;
}

/* Answers init until it reports ready and, for create, has locked itself down (or fails). */
static int talk_to_init(struct creation *c, struct error *err)
{
	if (c->launch.new_userns) {
		const struct spec_linux *lx = &c->spec->linux;
		/* Without CAP_SETGID the kernel takes a gid_map only once setgroups is denied. */
		if (userns_write_maps(c->pid, lx->uid_mappings, lx->n_uid_mappings,
				      lx->gid_mappings, lx->n_gid_mappings, c->ctx->rootless,
				      err) < 0)
			return -1;
		if (send_mount_sources(c, err) < 0)
			return -1;
		if (launch_send(c->sock, MSG_USERNS_READY, 0, NULL) < 0)
			return error_errno(err, "tell init the user namespace is ready");
	}
	bool ready = false;
	for (;;) {
		struct launch_msg m;
		int fd = -1;
		if (launch_recv(c->sock, &m, &fd) < 0) {
			if (errno != 0)
				return error_errno(err, "read from init");
			int status = 0;
			/* After ready, init closes its end once the filter and the credentials are
			 * in place: alive, it waits for start. */
			if (ready && waitpid(c->pid, &status, WNOHANG) == 0)
				return 0;
			if (!ready)
				waitpid(c->pid, &status, 0);
			c->pid = 0;
			uint64_t kills = 0;
			struct error e;
			const struct cg_memory *mem = &c->spec->linux.resources.memory;
			/* A limit too small for the setup itself: say so rather than "signal 9". */
			if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && c->cg &&
			    cgroup_oom_kills(c->cg, &kills, &e) == 0 && kills > c->oom_base)
				return error_set(err, ENOMEM,
						 "container init was OOM-killed during setup: "
						 "linux.resources.memory.limit %" PRId64
						 " bytes is too small",
						 mem->limit.set ? mem->limit.v : (int64_t)-1);
			return error_set(err, ECHILD, "container init died during setup (%s %d)",
					 WIFSIGNALED(status) ? "signal" : "exit status",
					 WIFSIGNALED(status) ? WTERMSIG(status)
							     : WEXITSTATUS(status));
		}
		switch (m.type) {
		case MSG_ERROR:
			return error_set(err, m.err, "%s", m.text);
		case MSG_HOOKS:
			if (run_parent_hooks(c, err) < 0)
				return -1;
			if (launch_send(c->sock, MSG_HOOKS_DONE, c->pid, NULL) < 0)
				return error_errno(err, "resume init after hooks");
			break;
		case MSG_PTY:
			if (fd < 0)
				return error_set(err, EPROTO, "init sent no terminal");
			if (c->o->console_socket) {
				int r = terminal_send_to_socket(c->o->console_socket, fd, err);
				close(fd);
				if (r < 0)
					return -1;
			} else {
				c->pty_master = fd;
			}
			break;
		case MSG_SECCOMP:
			if (hand_listener_to_agent(c, fd, err) < 0)
				return -1;
			break;
		case MSG_READY:
			if (c->launch.fifo_fd < 0)
				return 0;
			ready = true;
			break;
		default:
			return error_set(err, EPROTO, "unexpected message %u from init", m.type);
		}
	}
}

static void creation_free(struct creation *c)
{
	if (c->sock >= 0)
		close(c->sock);
	if (c->launch.fifo_fd >= 0)
		close(c->launch.fifo_fd);
	if (c->launch.exec_stub_fd >= 0)
		close(c->launch.exec_stub_fd);
	ns_close_fds(c->launch.ns_fds);
	cgroup_enter_close(&c->launch.cg_enter);
	seccomp_program_free(c->launch.seccomp);
	strv_free(c->launch.extra_env);
	free(c->launch.rootfs.source_fds);
	if (c->dirfd >= 0)
		close(c->dirfd);
	if (c->rootfd >= 0)
		close(c->rootfd);
	cgroup_free(c->cg);
	record_writer_free(&c->rec);
	spec_free(c->spec);
	free(c->config);
	free(c->st.id);
	c->st.id = NULL;
	container_state_free(&c->st);
	if (c->pty_master >= 0)
		close(c->pty_master);
	if (c->root_mount_fd >= 0)
		close(c->root_mount_fd);
}

/* Create up to init waiting for start. On success the caller owns c (and must creation_free). */
static int do_create(struct creation *c, const struct runtime_ctx *ctx, const struct create_opts *o,
		     bool use_fifo, struct error *err)
{
	memset(c, 0, sizeof *c);
	c->ctx = ctx;
	c->o = o;
	c->sock = c->dirfd = c->rootfd = c->pty_master = c->root_mount_fd = -1;
	c->launch.sync_fd = c->launch.fifo_fd = c->launch.exec_stub_fd = -1;
	for (int i = 0; i < NS_COUNT; i++)
		c->launch.ns_fds[i] = -1;
	c->launch.cg_enter.clone_into_fd = c->launch.cg_enter.procs_fd = -1;
	record_writer_init(&c->rec, -1);

	if (container_id_validate(o->id, err) < 0)
		return -1;
	if (resolve_bundle(c, err) < 0)
		return -1;
	if (self_exe_settle(c->spec, &c->launch.exec_stub_fd, err) < 0)
		return -1;
	log_debug("create %s: config parsed, bundle %s", o->id, c->st.bundle);
	for (size_t i = 0; c->spec->process.caps.unknown && c->spec->process.caps.unknown[i]; i++)
		log_warn("process.capabilities: unknown capability %s ignored",
			 c->spec->process.caps.unknown[i]);
	if (c->spec->process.terminal && !o->console_socket && (use_fifo || o->detach))
		return error_set(err, EINVAL,
				 "process.terminal is true: --console-socket is required "
				 "(or use `run` in the foreground)");
	if (lsm_check(&c->spec->process, c->spec->linux.mount_label, "config.json", err) < 0)
		return -1;
	c->rootfd = state_root_open(ctx->root, true, err);
	if (c->rootfd < 0)
		return -1;
	c->dirfd = state_dir_create(c->rootfd, o->id, err);
	if (c->dirfd < 0)
		return -1;
	c->own_dir = true;
	c->rec.dirfd = c->dirfd;
	FAULT_POINT("create-state-dir");
	log_debug("create %s: state dir locked", o->id);

	char created[64];
	now_rfc3339(created, sizeof created);
	c->st.id = strdup(o->id);
	c->st.created = strdup(created);
	c->st.owner = strdup("");
	c->st.annotations = json_object();
	for (size_t i = 0; c->spec->annotation_keys && c->spec->annotation_keys[i]; i++)
		json_object_set_new(c->st.annotations, c->spec->annotation_keys[i],
				    json_string(c->spec->annotation_values[i]));
	/* Later verbs (delete's poststop hooks, exec) must see the spec the container was created
	 * with, even if the bundle changes: keep the bytes just parsed. */
	if (write_file_atomic_at(c->dirfd, "config.json", c->config, c->config_len, 0600, err) < 0)
		return -1;
	if (getenv("NOTIFY_SOCKET") && setup_notify(c, err) < 0)
		return -1;
	const char *image = spec_annotation(c->spec, OVERLAY_ANNOTATION_IMAGE);
	if (image && setup_image_rootfs(c, image, err) < 0)
		return -1;
	if (setup_cgroup(c, err) < 0)
		return -1;
	log_debug("create %s: cgroup %s ready", o->id, c->st.cgroup_path ?: "(none)");
	if (prepare_launch(c, use_fifo, err) < 0)
		return -1;
	log_debug("create %s: launch prepared", o->id);

	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return error_errno(err, "socketpair");
	c->sock = sp[0];
	c->launch.sync_fd = sp[1];
	if (c->spec->linux.ns.listed[NS_TIME] && c->spec->linux.ns.path[NS_TIME] == NULL &&
	    timens_prepare(&c->spec->linux.time_offsets, err) < 0) {
		close(sp[1]);
		return -1;
	}
	pid_t pid = clone_init(c, ns_clone_flags(&c->spec->linux.ns), err);
	close(sp[1]);
	c->launch.sync_fd = -1;
	/* init has its copy: the mount goes with init's namespace, or with init if it dies first.
	 */
	if (c->root_mount_fd >= 0) {
		close(c->root_mount_fd);
		c->root_mount_fd = -1;
	}
	if (pid < 0)
		return -1;
	c->pid = pid;
	c->st.pid = pid;
	log_debug("create %s: init cloned, pid %d", o->id, (int)pid);
	/* A kill here leaves init unrecorded: it dies with us (its parent-death signal, until it
	 * is ready), and the cgroup's remover kills whatever is in the cgroup. */
	FAULT_POINT("create-cloned");
	/* Recorded while init is still setting up: if create dies from here on, state and delete
	 * must know the process (status "creating"), not take the container for stopped. */
	c->st.start_time = process_start_time(pid, NULL);
	if (record_process(c, err) < 0 || record_flush(&c->rec, err) < 0)
		return -1;
	FAULT_POINT("create-after-clone");
	if (talk_to_init(c, err) < 0)
		return -1;
	log_debug("create %s: init ready, waiting for start", o->id);
	c->st.finished = true;
	FAULT_POINT("create-before-state");
	/* The one state.json write of a create: before it, the record is what state and delete go
	 * by. */
	if (state_write(c->dirfd, &c->st, err) < 0)
		return -1;
	FAULT_POINT("create-after-state");
	if (o->pid_file && pid_file_write(o->pid_file, pid, err) < 0)
		return -1;
	log_debug("create %s: state written", o->id);
	return 0;
}

/* A failed create or run: everything the record holds (in memory, so an entry whose write
 * failed counts too), then the state dir; no poststop hooks, as the container never was. */
static void roll_back(struct creation *c)
{
	if (!c->own_dir)
		return;
	struct teardown t = {.rootfd = c->rootfd,
			     .dirfd = c->dirfd,
			     .id = c->o->id,
			     .st = &c->st,
			     .rec = &c->rec.mem};
	struct error e;
	if (container_teardown(&t, &e) < 0)
		log_warn("rollback: %s", e.msg);
}

int container_create(const struct runtime_ctx *ctx, const struct create_opts *o, struct error *err)
{
	struct creation c;
	int r = do_create(&c, ctx, o, true, err);
	if (r < 0)
		roll_back(&c);
	creation_free(&c);
	return r;
}

/* After init reported ready: let it exec and report whether the exec worked. The socket is
 * close-on-exec in init, so EOF means execve succeeded. */
static int release_init(struct creation *c, struct error *err)
{
	if (launch_send(c->sock, MSG_START, 0, NULL) < 0)
		return error_errno(err, "start init");
	struct launch_msg m;
	int fd = -1;
	if (launch_recv(c->sock, &m, &fd) == 0 && m.type == MSG_ERROR)
		return error_set(err, m.err, "%s", m.text);
	close(c->sock);
	c->sock = -1;
	return 0;
}

int container_run(const struct runtime_ctx *ctx, const struct create_opts *o, int *exit_code,
		  struct run_oom *oom, struct error *err)
{
	struct creation c;
	memset(oom, 0, sizeof *oom);
	oom->mem_limit = -1;
	*exit_code = 0;
	/* Block signals before init exists so none is lost between clone and the signalfd. */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	int r = do_create(&c, ctx, o, false, err);
	_cleanup_close_ int notify = -1;
	const char *notify_host = getenv("NOTIFY_SOCKET");
	if (r == 0 && notify_host) {
		notify = notify_listen(c.dirfd, err);
		if (notify < 0)
			r = -1;
	}
	if (r == 0) {
		_cleanup_free_ char *state = NULL;
		r = release_init(&c, err);
		if (r == 0)
			FAULT_POINT("run-after-start");
		if (r == 0)
			log_debug("run %s: init released, process exec'd", o->id);
		if (r == 0 && notify >= 0) {
			_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, c.pid, 0);
			r = notify_forward_ready(notify, pidfd, notify_host, err);
		}
		if (r == 0) {
			state = state_json_string(&c, STATUS_RUNNING);
			struct error herr;
			if (hooks_run(&c.spec->hooks, HOOK_POSTSTART, state, &herr) < 0)
				log_warn("%s", herr.msg);
		}
	}
	if (r < 0) {
		roll_back(&c);
		creation_free(&c);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	/* The container is ordinary from here on: other commands (kill, state, pause) must get at
	 * it while run waits, and the teardown below takes the lock again. */
	flock(c.dirfd, LOCK_UN);
	if (o->detach) {
		creation_free(&c);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return 0;
	}
	int status = 0;
	r = foreground_wait_opts(c.pid, c.pty_master, o->fg, &status, err);
	sigprocmask(SIG_SETMASK, &old, NULL);
	log_debug("run %s: process exited, status 0x%x", o->id, (unsigned)status);
	if (r == 0) {
		*exit_code = foreground_exit_code(status);
		uint64_t kills = 0;
		struct error e;
		/* Any process the OOM killer took counts, not only init: a shell that reaped a
		 * killed child exits normally and would hide it. */
		if (cgroup_oom_kills(c.cg, &kills, &e) == 0 && kills > c.oom_base) {
			oom->kills = kills - c.oom_base;
			oom->init = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
			const struct cg_memory *m = &c.spec->linux.resources.memory;
			oom->mem_limit = m->limit.set ? m->limit.v : -1;
		}
	}
	if (!o->keep) {
		while (flock(c.dirfd, LOCK_EX) < 0 && errno == EINTR)
			;
		/* The record as it is now, on disk: what the container holds after its life. */
		struct teardown t = {.rootfd = c.rootfd,
				     .dirfd = c.dirfd,
				     .id = o->id,
				     .st = &c.st,
				     .spec = c.spec,
				     .poststop = true};
		struct error e;
		if (container_teardown(&t, &e) < 0)
			log_warn("%s", e.msg);
	}
	creation_free(&c);
	return r;
}
