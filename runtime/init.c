/* The child side of the launch: init's steps, in order. Each step that fails reports its error
 * to the parent (MSG_ERROR, prefixed with the step) and exits; the parent rolls everything back.
 * init is single-threaded and was cloned without exec, so it must not use raise(), abort() or
 * pthread functions: glibc's thread data still describes the parent. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <linux/keyctl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fault.h"
#include "lib/fs.h"
#include "lib/jsonutil.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/version.h"
#include "namespaces/namespaces.h"
#include "namespaces/resolve.h"
#include "namespaces/rootfs.h"
#include "netns/netns.h"
#include "runtime/hooks.h"
#include "runtime/init.h"
#include "runtime/launch.h"
#include "runtime/lsm.h"
#include "runtime/process.h"
#include "runtime/seccomp.h"
#include "runtime/terminal.h"

/* The exec fifo's write end, from the moment `start` opened it until execve closes it
 * (O_CLOEXEC): `start` waits for that EOF, so it returns only once the process runs, and reads
 * a failure after it opened the fifo (startContainer hook, execve) from here. */
static int start_fd = -1;

/* One struct launch_msg, written whole: it is below PIPE_BUF, so `start` never sees a part. */
static int report_to_start(int err, const char *text)
{
	struct launch_msg m = {.type = MSG_ERROR, .err = err};
	snprintf(m.text, sizeof m.text, "%s", text);
	return write(start_fd, &m, sizeof m) == (ssize_t)sizeof m ? 0 : -1;
}

__attribute__((noreturn)) static void init_fail(struct launch *l, struct error *e, const char *step)
{
	char text[sizeof((struct launch_msg *)0)->text];
	/* Messages that already name the step (process.user.uid: ..., exec: "x": ...) get no second
	 * copy of it in front. */
	size_t n = strlen(step);
	if (strncmp(e->msg, step, n) == 0 && (e->msg[n] == '.' || e->msg[n] == ':'))
		snprintf(text, sizeof text, "%s", e->msg);
	else
		snprintf(text, sizeof text, "%s: %s", step, e->msg);
	if (l->sync_fd >= 0 && launch_send(l->sync_fd, MSG_ERROR, e->err, text) == 0)
		_exit(127);
	if (start_fd >= 0 && report_to_start(e->err, text) == 0)
		_exit(127);
	/* Nobody listens any more: the only place left to say it is stderr. */
	dprintf(STDERR_FILENO, "berth: %s\n", text);
	_exit(127);
}

static int wait_for(struct launch *l, uint32_t type, const char *what)
{
	struct launch_msg m;
	if (launch_recv(l->sync_fd, &m, NULL) < 0 || m.type != type) {
		struct error e;
		error_set(&e, EPROTO, "parent went away while waiting for %s", what);
		init_fail(l, &e, "init");
	}
	return m.err;
}

static void reset_signals(void)
{
	sigset_t none;
	sigemptyset(&none);
	struct sigaction sa = {.sa_handler = SIG_DFL};
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &sa, NULL);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The state a hook run by init sees: init knows its id, bundle and pid through the parent. */
static char *hook_state(struct launch *l, const char *status)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "ociVersion", OCI_SPEC_VERSION,
			      "id", l->id ? l->id : "", "status", status, "pid", (int)l->host_pid,
			      "bundle", l->bundle ? l->bundle : "", "rootfs", l->rootfs.rootfs);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}

/* Every container process leads a session of its own, as with runc: an engine that signals
 * the process group of the container (conmon's timeout) must not hit its own group. */
static void own_session(struct launch *l)
{
	if (setsid() < 0) {
		struct error e;
		error_errno(&e, "setsid");
		init_fail(l, &e, "init");
	}
}

static bool has_any_hooks(const struct spec_hooks *h)
{
	return h->n[HOOK_PRESTART] || h->n[HOOK_CREATE_RUNTIME] || h->n[HOOK_CREATE_CONTAINER] ||
	       h->n[HOOK_START_CONTAINER];
}

/* Until the maps are written the parent sends what init could not open as the mapped ids:
 * the bind sources and device nodes, one slot each. */
static void receive_sources(struct launch *l)
{
	struct rootfs_config *r = &l->rootfs;
	for (;;) {
		struct launch_msg m;
		int fd = -1;
		if (launch_recv(l->sync_fd, &m, &fd) < 0 ||
		    (m.type != MSG_MOUNT_SOURCE && m.type != MSG_USERNS_READY)) {
			struct error e;
			error_set(&e, EPROTO, "parent went away while waiting for %s",
				  "the user namespace maps");
			init_fail(l, &e, "init");
		}
		if (m.type == MSG_USERNS_READY)
			return;
		if (fd >= 0 && m.err >= 0 && (size_t)m.err < r->n_source_fds &&
		    r->source_fds[m.err] < 0)
			r->source_fds[m.err] = fd;
		else if (fd >= 0)
			close(fd);
	}
}

/* Namespaces, cgroups, network: everything before the file system. */
static void enter_isolation(struct launch *l)
{
	struct error e;
	const struct spec_linux *lx = &l->spec->linux;
	if (l->new_userns) {
		receive_sources(l);
		prctl(PR_SET_DUMPABLE, 0); /* see init_main */
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
			error_errno(&e, "become root in the user namespace (is 0 mapped?)");
			init_fail(l, &e, "user namespace");
		}
	}
	if (ns_join_fds(l->ns_fds, &e) < 0)
		init_fail(l, &e, "join namespaces");
	int r = cgroup_enter_self(&l->cg_enter, l->cloned_into_cgroup);
	if (r < 0) {
		error_errnum(&e, -r, "join the container's cgroup");
		init_fail(l, &e, "cgroup");
	}
	cgroup_enter_close(&l->cg_enter);
	/* After joining: the namespace's root is then the container's own cgroup. */
	if (lx->ns.listed[NS_CGROUP] && lx->ns.path[NS_CGROUP] == NULL &&
	    unshare(CLONE_NEWCGROUP) < 0) {
		error_errno(&e, "unshare the cgroup namespace");
		init_fail(l, &e, "cgroup namespace");
	}
	if (lx->ns.listed[NS_NET] && lx->ns.path[NS_NET] == NULL && netns_loopback_up(&e) < 0)
		init_fail(l, &e, "network");
}

static void build_rootfs(struct launch *l)
{
	struct error e;
	if (rootfs_setup(&l->rootfs, &e) < 0)
		init_fail(l, &e, "rootfs");
	if (has_any_hooks(&l->spec->hooks)) {
		if (launch_send(l->sync_fd, MSG_HOOKS, 0, NULL) < 0) {
			error_errno(&e, "ask for hooks");
			init_fail(l, &e, "hooks");
		}
		/* The parent answers with init's pid as the host sees it, for the hooks' state. */
		l->host_pid = wait_for(l, MSG_HOOKS_DONE, "prestart and createRuntime hooks");
		/* createContainer runs here: in the container's namespaces, before pivot_root. */
		if (l->spec->hooks.n[HOOK_CREATE_CONTAINER]) {
			_cleanup_free_ char *state = hook_state(l, "creating");
			if (hooks_run(&l->spec->hooks, HOOK_CREATE_CONTAINER, state, &e) < 0)
				init_fail(l, &e, "createContainer hook");
		}
	}
	/* Without a mount namespace the root has no /proc of its own: the exec fifo is reopened
	 * through the host's, kept from before the chroot. */
	if (!l->rootfs.own_mntns && l->fifo_fd >= 0) {
		l->self_fds = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (l->self_fds < 0) {
			error_errno(&e, "open /proc/self/fd");
			init_fail(l, &e, "pivot_root");
		}
	}
	if (rootfs_pivot(&l->rootfs, &e) < 0)
		init_fail(l, &e, "pivot_root");
	/* A missing cwd is created, as runc does, before the root is made read-only. It is
	 * resolved in the root with magic links refused: /proc/self/fd/N of an fd init still
	 * holds would otherwise lead to a host directory (CVE-2024-21626). */
	const char *cwd = l->process->cwd;
	if (cwd && strcmp(cwd, "/") != 0 && access(cwd, F_OK) < 0) {
		_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0 || resolve_mkdir_p(rootfd, cwd, 0755, &e) < 0) {
			if (rootfd < 0)
				error_errno(&e, "open /");
			init_fail(l, &e, "process cwd");
		}
	}
}

static void set_names(struct launch *l)
{
	struct error e;
	const struct spec *s = l->spec;
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0) {
		error_errno(&e, "sethostname %s", s->hostname);
		init_fail(l, &e, "hostname");
	}
	if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0) {
		error_errno(&e, "setdomainname %s", s->domainname);
		init_fail(l, &e, "domainname");
	}
	if (sysctl_apply(s->linux.sysctl_keys, s->linux.sysctl_values, s->linux.ns.listed[NS_NET],
			 s->linux.ns.listed[NS_IPC], s->linux.ns.listed[NS_UTS], &e) < 0)
		init_fail(l, &e, "sysctl");
}

static void join_keyring(struct launch *l)
{
	if (l->no_new_keyring)
		return;
	/* A keyring of its own, so the container cannot read the host session's keys. Kernels
	 * without keyrings (ENOSYS) or with them restricted by seccomp are fine. */
	char name[128];
	snprintf(name, sizeof name, "_ses.berth");
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0) < 0 &&
	    errno != ENOSYS && errno != EPERM && errno != EACCES) {
		struct error e;
		error_errno(&e, "join a new session keyring");
		init_fail(l, &e, "keyring");
	}
}

/* HOME from the container's /etc/passwd when the config sets none, as runc does. */
static void set_home(char ***env, uint32_t uid)
{
	if (strv_env_get(*env, "HOME"))
		return;
	const char *home = "/";
	char line[1024];
	_cleanup_fclose_ FILE *f = fopen("/etc/passwd", "re");
	static char found[512];
	while (f && fgets(line, sizeof line, f)) {
		char *fields[7] = {0};
		char *p = line;
		for (int i = 0; i < 7 && p; i++) {
			fields[i] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (fields[2] && fields[5] && strtoul(fields[2], NULL, 10) == uid) {
			snprintf(found, sizeof found, "%s", fields[5]);
			home = found;
			break;
		}
	}
	char buf[600];
	snprintf(buf, sizeof buf, "HOME=%s", home);
	strv_env_set(env, buf);
}

static char **build_env(struct launch *l)
{
	char **env = strv_dup(l->process->env);
	for (size_t i = 0; l->extra_env && l->extra_env[i]; i++)
		strv_env_set(&env, l->extra_env[i]);
	set_home(&env, l->process->user.uid);
	return env;
}

/* Only 0-2 and the asked-for fds may reach the process: everything else berth holds is marked
 * close-on-exec now (it still needs some of them until execve). */
static void fence_fds(struct launch *l)
{
	unsigned int first = 3 + (unsigned int)l->preserve_fds;
	for (unsigned int fd = 3; fd < first; fd++)
		fcntl((int)fd, F_SETFD, 0);
	if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		for (int fd = (int)first; fd < 65536; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
}

static void run_start_hooks(struct launch *l)
{
	struct error e;
	if (l->spec->hooks.n[HOOK_START_CONTAINER] == 0)
		return;
	_cleanup_free_ char *state = hook_state(l, "running");
	if (hooks_run(&l->spec->hooks, HOOK_START_CONTAINER, state, &e) < 0)
		init_fail(l, &e, "startContainer hook");
}

static int open_fifo(struct launch *l, int flags)
{
	char name[64];
	if (l->self_fds >= 0) {
		snprintf(name, sizeof name, "%d", l->fifo_fd);
		return openat(l->self_fds, name, flags);
	}
	snprintf(name, sizeof name, "/proc/self/fd/%d", l->fifo_fd);
	return open(name, flags);
}

/* Whether init will be able to open the fifo once start comes, checked while create still
 * listens: without a reader a non-blocking open fails with ENXIO after the permission check. */
static void check_fifo_writable(struct launch *l)
{
	if (l->fifo_fd < 0)
		return;
	struct error e;
	int fd = open_fifo(l, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	else if (errno != ENXIO) {
		error_errno(&e, "open exec fifo");
		init_fail(l, &e, "start");
	}
}

/* Blocks until `start` opens the exec fifo. The startContainer hooks run before the byte that
 * tells `start` they passed; the write end stays open until execve closes it, so `start` returns
 * once the process runs, and an error up to there reaches it (init_fail). */
static void wait_for_start(struct launch *l)
{
	struct error e;
	int fd = open_fifo(l, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		error_errno(&e, "open exec fifo");
		init_fail(l, &e, "start");
	}
	start_fd = fd;
	close(l->fifo_fd);
	l->fifo_fd = -1;
	if (l->self_fds >= 0)
		close(l->self_fds);
	l->self_fds = -1;
	run_start_hooks(l);
	if (write(fd, "0", 1) != 1) {
		error_errno(&e, "write exec fifo");
		init_fail(l, &e, "start");
	}
}

/* The agent at listenerPath gets the listener through the parent (runtime-spec "Container
 * Process State"); init waits until it has, so a notified syscall never meets an agent without
 * the fd, and an agent that cannot be reached fails create. Init's copy is closed here: the
 * container process must never hold its own filter's listener. */
static void hand_over_listener(struct launch *l, int *listener)
{
	struct error e;
	if (*listener < 0)
		return;
	int r = launch_send_fd(l->sync_fd, MSG_SECCOMP, *listener);
	int saved = errno;
	close(*listener);
	*listener = -1;
	if (r < 0) {
		error_errnum(&e, saved, "send the listener fd to the runtime");
		init_fail(l, &e, "seccomp");
	}
	wait_for(l, MSG_SECCOMP_DONE, "the seccomp agent");
}

/* Without no_new_privs the filter must go in while init still has CAP_SYS_ADMIN; with it,
 * after the privileges are dropped, so it also covers that work. Either way before the
 * startContainer hooks, which run as the process will (runc 1.1.5 does the same): under its
 * filter, as its user, with its capabilities. */
static void lock_down(struct launch *l)
{
	struct error e;
	int listener = -1;
	bool nnp = l->process->no_new_privileges;
	if (!nnp && l->seccomp && seccomp_load_program(l->seccomp, &listener, &e) < 0)
		init_fail(l, &e, "seccomp");
	hand_over_listener(l, &listener);
	if (process_drop_privileges(l->process, &e) < 0)
		init_fail(l, &e, "process");
	if (process_apply_final_affinity(l->process, &e) < 0)
		init_fail(l, &e, "process");
	if (nnp && l->seccomp && seccomp_load_program(l->seccomp, &listener, &e) < 0)
		init_fail(l, &e, "seccomp");
	hand_over_listener(l, &listener);
}

/* berth box: the job must not outlive berth. Armed after the credentials change (which clears
 * it); the parent waits on the socket until execve closes it, so a hangup there now means it
 * died before the signal was armed. */
static void arm_parent_death(struct launch *l)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	struct pollfd p = {.fd = l->sync_fd, .events = POLLIN};
	if (poll(&p, 1, 0) > 0)
		_exit(128 + SIGKILL);
}

/* The cwd is resolved inside the root, magic links refused, and must then be reachable from
 * it: an fd inherited from the caller or held by berth (process.cwd or exec --cwd
 * /proc/self/fd/N) must never make a host directory the process's cwd (CVE-2024-21626). */
static int enter_cwd(const char *cwd, struct error *err)
{
	_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return error_errno(err, "open /");
	_cleanup_close_ int fd = resolve_open(rootfd, cwd, O_PATH | O_DIRECTORY, err);
	if (fd < 0)
		return error_prefix(err, "cwd");
	if (fchdir(fd) < 0)
		return error_errno(err, "chdir to cwd %s", cwd);
	char buf[PATH_MAX];
	if (getcwd(buf, sizeof buf) == NULL || buf[0] != '/')
		return error_set(err, EPERM, "cwd %s is outside the container's root", cwd);
	return 0;
}

/* Through the exec stub (runtime/exec_stub.c): the process's argv and environment plus the entry
 * that tells the stub what to run and where a failed execve is reported (run's socket, or the
 * exec fifo `start` reads). That fd stays open across this execveat; the stub closes it on exec.
 * Returns only on failure. */
static void exec_through_stub(struct launch *l, const char *exe, char **env, struct error *e)
{
	int report = l->sync_fd >= 0 ? l->sync_fd : start_fd;
	size_t n = 0;
	while (env && env[n])
		n++;
	char **all = calloc(n + 2, sizeof *all);
	char *entry = NULL;
	if (all == NULL || asprintf(&entry, "_BERTH_EXEC=%d %s", report, exe) < 0) {
		error_set(e, ENOMEM, LAUNCH_STEP_EXEC ": \"%s\": the exec stub's environment", exe);
		return;
	}
	for (size_t i = 0; i < n; i++)
		all[i] = env[i];
	all[n] = entry;
	if (report >= 0)
		fcntl(report, F_SETFD, 0);
	syscall(SYS_execveat, l->exec_stub_fd, "", l->process->args, all, AT_EMPTY_PATH);
	error_errno(e, LAUNCH_STEP_EXEC ": \"%s\": run the exec stub", exe);
	free(entry);
	free(all);
	if (report >= 0)
		fcntl(report, F_SETFD, FD_CLOEXEC);
}

/* The steps init and exec share, from the process attributes to execve. */
__attribute__((noreturn)) static void start_process(struct launch *l)
{
	struct error e;
	/* The last line: next come rlimits (RLIMIT_FSIZE could fail a write) and seccomp. */
	log_debug("%s: setting the process's attributes, then execve", l->exec ? "exec" : "init");
	if (process_apply_early(l->process, &l->spec->linux.personality, &e) < 0)
		init_fail(l, &e, "process");
	if (enter_cwd(l->process->cwd ? l->process->cwd : "/", &e) < 0)
		init_fail(l, &e, "process");
	/* Before the filter, which may deny the write; the startContainer hooks then run under the
	 * profile too, as with runc. */
	if (lsm_apply_on_exec(l->process, &e) < 0)
		init_fail(l, &e, "process");
	_cleanup_free_ char *exe = process_find_executable(l->process, &e);
	if (exe == NULL)
		init_fail(l, &e, LAUNCH_STEP_EXEC);
	/* Before the process is released, so that create, not the container's stderr after
	 * start, says what cannot be done. */
	if (process_check_late(l->process, &e) < 0)
		init_fail(l, &e, "process");
	if (l->process->terminal && terminal_give_to_user(l->process, &e) < 0)
		init_fail(l, &e, "terminal");
	char **env = build_env(l);
	fence_fds(l);
	if (l->exec) {
		lock_down(l);
		/* The death signal survives execve: an exec'd process must not die with berth
		 * exec. */
		prctl(PR_SET_PDEATHSIG, 0);
	} else {
		/* A listener fd must reach the agent through the parent while it still listens
		 * for messages: with SCMP_ACT_NOTIFY the filter goes in (and the privileges go)
		 * before ready. */
		bool lock_early = seccomp_program_has_listener(l->seccomp);
		if (lock_early)
			lock_down(l);
		prctl(PR_SET_PDEATHSIG, 0);
		FAULT_POINT("init-before-ready");
		/* Sent before the filter, which may deny what sending takes. */
		if (launch_send(l->sync_fd, MSG_READY, 0, NULL) < 0)
			_exit(127);
		if (l->fifo_fd >= 0) {
			/* create waits for the socket to close: until then a failure still fails
			 * create. Closing needs only close(2), which any filter that lets the
			 * process start must allow. */
			if (!lock_early)
				lock_down(l);
			check_fifo_writable(l);
			close(l->sync_fd);
			l->sync_fd = -1;
			wait_for_start(l);
		} else {
			wait_for(l, MSG_START, "start");
			if (!lock_early)
				lock_down(l);
			run_start_hooks(l);
		}
		FAULT_POINT("init-after-start");
	}
	if (l->die_with_parent)
		arm_parent_death(l);
	if (l->exec_stub_fd >= 0) {
		exec_through_stub(l, exe, env, &e);
		init_fail(l, &e, LAUNCH_STEP_EXEC);
	}
	execve(exe, l->process->args, env);
	error_errno(&e, LAUNCH_STEP_EXEC ": \"%s\"", exe);
	init_fail(l, &e, LAUNCH_STEP_EXEC);
}

__attribute__((noreturn)) void init_main(struct launch *l)
{
	struct error e;
	reset_signals();
	/* As runc's init: while it holds host fds and runs the berth binary, processes in the
	 * namespaces it joins must not reach its /proc/<pid> (exe, fd, mem). execve resets it.
	 * In a new user namespace it waits until the parent has written the maps: the
	 * /proc/<pid>/uid_map of a process that is not dumpable belongs to root, and a parent
	 * that is not root could not open it (runc does the same). Nothing else is in its
	 * namespaces yet. */
	if (!l->new_userns)
		prctl(PR_SET_DUMPABLE, 0);
	/* Until ready, init must not outlive a parent that died midway (it would wait forever). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1) {
		error_set(&e, ESRCH, "parent exited");
		init_fail(l, &e, "init");
	}
	own_session(l);
	enter_isolation(l);
	log_debug("init: namespaces, cgroup and network joined");
	build_rootfs(l);
	log_debug("init: rootfs mounted, root pivoted");
	FAULT_POINT("init-after-rootfs");
	if (l->process->terminal && terminal_setup_child(l->process, l->sync_fd, &e) < 0)
		init_fail(l, &e, "terminal");
	/* Before rootfs_finish: /proc/sys is read-only after it. */
	set_names(l);
	if (rootfs_finish(&l->rootfs, &e) < 0)
		init_fail(l, &e, "rootfs");
	join_keyring(l);
	log_debug("init: names, sysctls, masked and read-only paths, keyring set");
	start_process(l);
}

/* berth exec: join every namespace and the cgroup of a running container, then the same
 * process steps as init. Joining the mount namespace makes its root (the container's, after
 * pivot_root) this process's root and cwd. */
__attribute__((noreturn)) void exec_main(struct launch *l)
{
	struct error e;
	reset_signals();
	prctl(PR_SET_DUMPABLE, 0); /* as in init_main */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	own_session(l);
	int r = cgroup_enter_self(&l->cg_enter, l->cloned_into_cgroup);
	if (r < 0) {
		error_errnum(&e, -r, "join the container's cgroup");
		init_fail(l, &e, "cgroup");
	}
	cgroup_enter_close(&l->cg_enter);
	FAULT_POINT("exec-after-cgroup");
	if (ns_join_fds(l->ns_fds, &e) < 0)
		init_fail(l, &e, "join namespaces");
	if (l->root_fd >= 0 && (fchdir(l->root_fd) < 0 || chroot(".") < 0)) {
		error_errno(&e, "enter the container's root");
		init_fail(l, &e, "join namespaces");
	}
	log_debug("exec: cgroup and namespaces joined");
	if (l->process->terminal && terminal_setup_child(l->process, l->sync_fd, &e) < 0)
		init_fail(l, &e, "terminal");
	start_process(l);
}
