/* berth exec: a new process in a running container. The parent opens init's namespaces and the
 * container's cgroup, clones a child straight into the cgroup (and, through setns in the
 * parent, into the pid and time namespaces, which only children can enter), and the child joins
 * the rest and runs the same process steps as init. */
#include "runtime/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fault.h"
#include "lib/fs.h"
#include "lib/jsonutil.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "runtime/container.h"
#include "runtime/context.h"
#include "runtime/foreground.h"
#include "runtime/init.h"
#include "runtime/launch.h"
#include "runtime/lsm.h"
#include "runtime/process.h"
#include "runtime/seccomp.h"
#include "runtime/terminal.h"

/* A decimal id filling [s, end), at most SPEC_ID_MAX: strtoul alone would take "-1" or wrap
 * 4294967296 to 0. */
static int parse_user_id(const char *s, const char *end, uint32_t *out)
{
	uint64_t v = 0;
	if (s == end)
		return -1;
	for (const char *c = s; c < end; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		v = v * 10 + (uint64_t)(*c - '0');
		if (v > SPEC_ID_MAX)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* The process to run: --process FILE, or the container's own process with the command line's
 * changes, as runc builds it. */
static int build_process(const struct exec_opts *o, const struct spec *spec, struct spec_process *p,
			 struct error *err)
{
	memset(p, 0, sizeof *p);
	if (o->process_path) {
		if (spec_load_process_file(o->process_path, p, err) < 0)
			return -1;
		/* An annotation of the container's, not a field of the process. */
		p->user.keep_original_groups = spec->process.user.keep_original_groups;
		return 0;
	}
	if (o->args == NULL || o->args[0] == NULL)
		return error_set(err, EINVAL, "exec: a command is required (or --process FILE)");
	const struct spec_process *base = &spec->process;
	*p = *base; /* shallow: the vectors below are replaced by copies */
	p->args = strv_dup(o->args);
	p->env = strv_dup(base->env);
	p->cwd = strdup(o->cwd ? o->cwd : base->cwd ? base->cwd : "/");
	p->command_line = NULL;
	/* An exec'd process is confined like the container's unless told otherwise, as with runc
	 * exec. */
	const char *aa = o->apparmor ? o->apparmor : base->apparmor_profile;
	const char *label = o->process_label ? o->process_label : base->selinux_label;
	p->apparmor_profile = aa ? strdup(aa) : NULL;
	p->selinux_label = label ? strdup(label) : NULL;
	p->exec_cpu_affinity_initial = p->exec_cpu_affinity_final = NULL;
	p->user.username = NULL;
	p->user.additional_gids = NULL;
	p->user.n_additional_gids = 0;
	p->caps.unknown = NULL;
	p->rlimits = NULL;
	p->n_rlimits = 0;
	if (base->n_rlimits) {
		p->rlimits = malloc(base->n_rlimits * sizeof *p->rlimits);
		memcpy(p->rlimits, base->rlimits, base->n_rlimits * sizeof *p->rlimits);
		p->n_rlimits = base->n_rlimits;
	}
	/* runc appends --additional-gids to the config's; it ignores them with --process. */
	size_t n_base = base->user.n_additional_gids, n = n_base + o->n_additional_gids;
	if (n) {
		p->user.additional_gids = malloc(n * sizeof *p->user.additional_gids);
		if (p->user.additional_gids == NULL)
			return error_set(err, ENOMEM, "exec: additional gids");
		if (n_base)
			memcpy(p->user.additional_gids, base->user.additional_gids,
			       n_base * sizeof(uint32_t));
		if (o->n_additional_gids)
			memcpy(p->user.additional_gids + n_base, o->additional_gids,
			       o->n_additional_gids * sizeof(uint32_t));
		p->user.n_additional_gids = n;
	}
	p->terminal = o->tty;
	p->has_console_size = false;
	for (size_t i = 0; o->env && o->env[i]; i++)
		strv_env_set(&p->env, o->env[i]);
	if (o->user) {
		const char *gid_text = strchr(o->user, ':');
		uint32_t uid, gid = p->user.gid;
		if (parse_user_id(o->user, gid_text ? gid_text : strchr(o->user, '\0'), &uid) < 0)
			return error_set(
			    err, EINVAL,
			    "exec: --user: expected UID[:GID] with ids in 0..%u, got \"%s\"",
			    SPEC_ID_MAX, o->user);
		if (gid_text && parse_user_id(gid_text + 1, strchr(gid_text, '\0'), &gid) < 0)
			return error_set(err, EINVAL,
					 "exec: --user: invalid GID in \"%s\" (expected 0..%u)",
					 o->user, SPEC_ID_MAX);
		p->user.uid = uid;
		p->user.gid = gid;
	}
	for (size_t i = 0; o->caps && o->caps[i]; i++) {
		int cap = capability_from_name(o->caps[i]);
		if (cap < 0)
			return error_set(err, EINVAL, "exec: --cap: unknown capability \"%s\"",
					 o->caps[i]);
		uint64_t bit = UINT64_C(1) << cap;
		p->caps.set = true;
		p->caps.bounding |= bit;
		p->caps.effective |= bit;
		p->caps.permitted |= bit;
		p->caps.inheritable |= bit;
		p->caps.ambient |= bit;
	}
	if (o->no_new_privs)
		p->no_new_privileges = true;
	return 0;
}

static void free_process(struct spec_process *p, bool from_file)
{
	if (from_file) {
		spec_process_free(p);
		return;
	}
	strv_free(p->args);
	strv_free(p->env);
	free(p->cwd);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	free(p->user.additional_gids);
}

/* init's namespaces that differ from ours: joining one's own user namespace is an error, and the
 * others would be wasted syscalls. */
static int open_target_namespaces(pid_t pid, int fds[NS_COUNT], struct error *err)
{
	for (int t = 0; t < NS_COUNT; t++) {
		fds[t] = -1;
		char mine[64], theirs[64];
		snprintf(mine, sizeof mine, "/proc/self/ns/%s", ns_proc_name(t));
		snprintf(theirs, sizeof theirs, "/proc/%d/ns/%s", (int)pid, ns_proc_name(t));
		struct stat a, b;
		if (stat(theirs, &b) < 0) {
			if (errno == ENOENT)
				continue; /* a kernel without this namespace type */
			ns_close_fds(fds);
			return error_errno(err, "exec: %s", theirs);
		}
		if (stat(mine, &a) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			continue;
		fds[t] = open(theirs, O_RDONLY | O_CLOEXEC);
		if (fds[t] < 0) {
			ns_close_fds(fds);
			return error_errno(err, "exec: open %s", theirs);
		}
	}
	return 0;
}

struct exec_run {
	struct launch l;
	struct spec *spec;
	struct spec_process process;
	struct cgroup *cg;
	int sock;
	pid_t pid;
	int pty;
	json_t *seccomp_state; /* the container's state, for a SCMP_ACT_NOTIFY agent */
};

static int clone_exec(struct exec_run *x, struct error *err)
{
	/* pid and time namespaces are entered by children only: setns here, in the parent. */
	for (int t = 0; t < NS_COUNT; t++) {
		if ((t != NS_PID && t != NS_TIME) || x->l.ns_fds[t] < 0)
			continue;
		if (setns(x->l.ns_fds[t], ns_clone_flag(t)) < 0)
			return error_errno(err, "exec: join the container's %s namespace",
					   ns_type_name(t));
		close(x->l.ns_fds[t]);
		x->l.ns_fds[t] = -1;
	}
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return error_errno(err, "socketpair");
	x->sock = sp[0];
	x->l.sync_fd = sp[1];
	struct clone_args args = {.exit_signal = SIGCHLD};
	int cgfd = x->l.cg_enter.clone_into_fd;
	if (cgfd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgfd;
	}
	pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
	if (pid < 0 && cgfd >= 0) {
		args.flags = 0;
		args.cgroup = 0;
		cgfd = -1;
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
	}
	if (pid < 0 && errno == ENOSYS)
		pid = fork();
	if (pid < 0) {
		close(sp[1]);
		return error_errno(err, "exec: clone");
	}
	if (pid == 0) {
		close(x->sock);
		x->l.cloned_into_cgroup = cgfd >= 0;
		exec_main(&x->l);
	}
	close(sp[1]);
	x->l.sync_fd = -1;
	x->pid = pid;
	FAULT_POINT("exec-after-clone");
	log_debug("exec %s: process cloned, pid %d", x->l.id, (int)pid);
	return 0;
}

/* Until EOF (execve closed init's end), pass on the pty and fail on an error message. */
static int await_exec(struct exec_run *x, const struct exec_opts *o, struct error *err)
{
	for (;;) {
		struct launch_msg m;
		int fd = -1;
		if (launch_recv(x->sock, &m, &fd) < 0) {
			if (errno != 0)
				return error_errno(err, "exec: read from the new process");
			return 0;
		}
		if (m.type == MSG_ERROR)
			return error_set(err, m.err, "exec: %s", m.text);
		if (m.type == MSG_SECCOMP) {
			/* As runc: the exec'd process has a filter (and a listener) of its own. */
			_cleanup_close_ int listener = fd;
			if (listener < 0 || x->seccomp_state == NULL)
				return error_set(err, EPROTO, "exec: unexpected seccomp listener");
			if (seccomp_send_listener(x->spec->linux.seccomp, listener, x->pid,
						  x->seccomp_state, err) < 0)
				return error_prefix(err, "exec");
			if (launch_send(x->sock, MSG_SECCOMP_DONE, 0, NULL) < 0)
				return error_errno(err, "exec: resume after the seccomp agent");
			continue;
		}
		if (m.type == MSG_PTY && fd >= 0) {
			if (o->console_socket) {
				int r = terminal_send_to_socket(o->console_socket, fd, err);
				close(fd);
				if (r < 0)
					return -1;
			} else {
				x->pty = fd;
			}
		}
	}
}

static int do_exec(struct exec_run *x, struct container *c, const struct exec_opts *o,
		   struct error *err)
{
	enum container_status s = container_get_status(c);
	if (s == STATUS_STOPPED || s == STATUS_CREATING)
		return error_set(err, EINVAL, "exec: container \"%s\" is not running", o->id);
	if (s == STATUS_PAUSED && !o->ignore_paused)
		return error_set(err, EINVAL, "exec: container \"%s\" is paused", o->id);
	x->spec = container_load_spec(c, err);
	if (x->spec == NULL)
		return -1;
	if (build_process(o, x->spec, &x->process, err) < 0)
		return -1;
	if (lsm_check(&x->process, NULL, o->process_path ? o->process_path : "exec", err) < 0)
		return -1;
	if (x->process.terminal && o->detach && !o->console_socket)
		return error_set(err, EINVAL, "exec: --tty with --detach needs --console-socket");
	struct launch *l = &x->l;
	l->spec = x->spec;
	l->process = &x->process;
	l->exec = true;
	l->fifo_fd = -1;
	l->preserve_fds = o->preserve_fds;
	l->id = o->id;
	l->bundle = c->st.bundle;
	if (x->spec->linux.seccomp && seccomp_prepare(x->spec->linux.seccomp, &l->seccomp, err) < 0)
		return -1;
	if (seccomp_program_has_listener(l->seccomp)) {
		x->seccomp_state = state_to_json(&c->st, s);
		if (x->seccomp_state == NULL)
			return error_set(err, ENOMEM, "exec: seccomp listener state");
	}
	if (open_target_namespaces(c->st.pid, l->ns_fds, err) < 0)
		return -1;
	/* Without a mount namespace of its own the container is a chroot in the caller's: the
	 * process would otherwise run in the host's root. */
	if (!x->spec->linux.ns.listed[NS_MNT]) {
		char root[64];
		snprintf(root, sizeof root, "/proc/%d/root", (int)c->st.pid);
		l->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (l->root_fd < 0)
			return error_errno(err, "exec: open %s", root);
	}
	if (c->cg) {
		if (o->cgroup_sub) {
			x->cg = cgroup_open_sub(c->cg, o->cgroup_sub, err);
			if (x->cg == NULL)
				return error_prefix(err, "exec --cgroup");
		}
		if (cgroup_enter_prepare(x->cg ? x->cg : c->cg, &l->cg_enter, err) < 0)
			return error_prefix(err, "exec: cgroup");
	}
	return clone_exec(x, err);
}

int container_exec(const struct runtime_ctx *ctx, const struct exec_opts *o, int *exit_code,
		   struct error *err)
{
	struct exec_run x;
	memset(&x, 0, sizeof x);
	x.sock = x.pty = -1;
	x.l.sync_fd = x.l.fifo_fd = x.l.self_fds = x.l.root_fd = x.l.exec_stub_fd = -1;
	for (int i = 0; i < NS_COUNT; i++)
		x.l.ns_fds[i] = -1;
	x.l.cg_enter.clone_into_fd = x.l.cg_enter.procs_fd = -1;
	*exit_code = 0;

	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	struct container c;
	int r = container_open(&c, ctx->root, o->id, false, err);
	if (r == 0) {
		r = do_exec(&x, &c, o, err);
		/* The lock is not held while the process runs: delete and kill must get through. */
		container_close(&c);
	}
	if (r == 0)
		r = await_exec(&x, o, err);
	if (r == 0)
		log_debug("exec %s: process exec'd", o->id);
	/* A pid file that cannot be written fails exec and the process with it, as runc. */
	if (r == 0 && o->pid_file)
		r = pid_file_write(o->pid_file, x.pid, err);
	if (r < 0 && x.pid > 0) {
		kill(x.pid, SIGKILL);
		waitpid(x.pid, NULL, 0);
		x.pid = 0;
	}
	if (r == 0 && !o->detach) {
		int status = 0;
		r = foreground_wait(x.pid, x.pty, &status, err);
		if (r == 0)
			*exit_code = foreground_exit_code(status);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (x.sock >= 0)
		close(x.sock);
	if (x.pty >= 0)
		close(x.pty);
	ns_close_fds(x.l.ns_fds);
	if (x.l.root_fd >= 0)
		close(x.l.root_fd);
	cgroup_enter_close(&x.l.cg_enter);
	seccomp_program_free(x.l.seccomp);
	json_decref(x.seccomp_state);
	cgroup_free(x.cg);
	free_process(&x.process, o->process_path != NULL);
	spec_free(x.spec);
	return r;
}
