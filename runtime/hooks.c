/* OCI hooks: fork + execve with the state on stdin. Their output is captured, as runc does, and
 * only shown in the error when a hook fails. */
#include "runtime/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/signals.h"

/* Enough for a useful error; the message itself holds 2 KiB. */
#define OUTPUT_MAX 1536

const char *hook_kind_name(enum hook_kind kind)
{
	static const char *const names[HOOK_KIND_COUNT] = {
	    [HOOK_PRESTART] = "prestart",
	    [HOOK_CREATE_RUNTIME] = "createRuntime",
	    [HOOK_CREATE_CONTAINER] = "createContainer",
	    [HOOK_START_CONTAINER] = "startContainer",
	    [HOOK_POSTSTART] = "poststart",
	    [HOOK_POSTSTOP] = "poststop",
	};
	return (unsigned)kind < HOOK_KIND_COUNT ? names[kind] : "unknown";
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static __attribute__((noreturn)) void exec_hook(const struct spec_hook *h, int in_fd, int out_fd)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(out_fd, STDERR_FILENO) < 0)
		_exit(127);
	/* Only the three standard fds reach the hook, whatever the caller left open. */
	syscall(SYS_close_range, 3U, ~0U, 0U);
	char *argv0[] = {h->path, NULL};
	char *const *argv = (h->args && h->args[0]) ? h->args : argv0;
	/* A hook without "env" gets the runtime's environment, PATH included, as with runc (Go's
	 * exec with a nil Env) and crun (environ); "env": [] is an empty one. */
	char *const *envp = h->env ? h->env : environ;
	execve(h->path, argv, envp);
	dprintf(STDERR_FILENO, "exec %s: %s", h->path, strerror(errno));
	_exit(127);
}

struct output {
	char buf[OUTPUT_MAX + 1];
	size_t len;
	bool truncated;
};

/* Returns false at EOF or error. */
static bool drain(int fd, struct output *o)
{
	for (;;) {
		char tmp[4096];
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN;
		if (n == 0)
			return false;
		size_t room = OUTPUT_MAX - o->len;
		size_t take = (size_t)n < room ? (size_t)n : room;
		memcpy(o->buf + o->len, tmp, take);
		o->len += take;
		if (take < (size_t)n)
			o->truncated = true;
	}
}

/* Writes what it can without blocking; never raises SIGPIPE (a hook may ignore its stdin). */
static bool feed(int fd, const char *data, size_t len, size_t *off)
{
	while (*off < len) {
		ssize_t n = write(fd, data + *off, len - *off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN;
		*off += (size_t)n;
	}
	return false;
}

static int run_hook(const struct spec_hook *h, const char *what, const char *state,
		    struct error *err)
{
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return error_errno(err, "%s: pipe", what);
	if (pipe2(out, O_CLOEXEC) < 0) {
		int saved = errno;
		close(in[0]);
		close(in[1]);
		return error_errnum(err, saved, "%s: pipe", what);
	}
	_cleanup_close_ int in_w = in[1], out_r = out[0];

	/* SIGPIPE is blocked while feeding stdin so a hook that exits without reading cannot
	 * kill berth; a SIGPIPE raised meanwhile is consumed below. */
	sigset_t pipe_set, old_mask;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old_mask);
	sigset_t pending;
	sigpending(&pending);
	bool pipe_was_pending = sigismember(&pending, SIGPIPE);

	pid_t pid = fork();
	if (pid == 0)
		exec_hook(h, in[0], out[1]);
	int fork_errno = errno;
	close(in[0]);
	close(out[1]);
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		return error_set(err, fork_errno, "%s: fork", what);
	}
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	fcntl(in_w, F_SETFL, O_NONBLOCK);
	fcntl(out_r, F_SETFL, O_NONBLOCK);

	struct output o = {.len = 0};
	size_t off = 0, len = state ? strlen(state) : 0;
	bool feeding = true, reading = true, timed_out = false, exited = false;
	int status = 0;
	int64_t deadline = h->has_timeout && h->timeout > 0 ? now_ms() + h->timeout * 1000LL : -1;
	if (len == 0) {
		close(in_w);
		in_w = -1;
		feeding = false;
	}
	while (!exited) {
		struct pollfd pf[3];
		int n = 0, i_in = -1, i_out = -1, i_pid = -1;
		if (feeding) {
			pf[n] = (struct pollfd){.fd = in_w, .events = POLLOUT};
			i_in = n++;
		}
		if (reading) {
			pf[n] = (struct pollfd){.fd = out_r, .events = POLLIN};
			i_out = n++;
		}
		if (pidfd >= 0) {
			pf[n] = (struct pollfd){.fd = pidfd, .events = POLLIN};
			i_pid = n++;
		}
		int wait_ms = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			wait_ms = left > 0 ? (int)left : 0;
		}
		/* Without pidfd (kernels before 5.3), fall back to polling waitpid. */
		if (pidfd < 0 && (wait_ms < 0 || wait_ms > 10))
			wait_ms = 10;
		int r = poll(pf, (nfds_t)n, wait_ms);
		if (r < 0 && errno != EINTR) {
			int saved = errno;
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			sigprocmask(SIG_SETMASK, &old_mask, NULL);
			return error_errnum(err, saved, "%s: poll", what);
		}
		if (i_in >= 0 && pf[i_in].revents) {
			feeding = feed(in_w, state, len, &off);
			if (!feeding) {
				close(in_w);
				in_w = -1;
			}
		}
		if (i_out >= 0 && pf[i_out].revents)
			reading = drain(out_r, &o);
		if (pidfd < 0 || (i_pid >= 0 && pf[i_pid].revents)) {
			pid_t w = waitpid(pid, &status, pidfd < 0 ? WNOHANG : 0);
			if (w == pid)
				exited = true;
		}
		if (!exited && deadline >= 0 && now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			exited = timed_out = true;
		}
	}
	/* What the hook wrote before exiting is in the pipe; do not wait for EOF, which a
	 * daemon it started could hold off forever. */
	if (reading)
		drain(out_r, &o);

	if (!pipe_was_pending) {
		struct timespec zero = {0, 0};
		while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
			;
	}
	sigprocmask(SIG_SETMASK, &old_mask, NULL);

	while (o.len > 0 && (o.buf[o.len - 1] == '\n' || o.buf[o.len - 1] == '\r'))
		o.len--;
	o.buf[o.len] = '\0';
	const char *sep = o.len ? ": " : "";
	const char *more = o.truncated ? " [...]" : "";
	if (timed_out) {
		error_set(err, 0, "%s: hook timed out after %d s%s%s%s", what, h->timeout, sep,
			  o.buf, more);
		err->err = ETIMEDOUT;
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return error_set(err, 0, "%s: exit status %d%s%s%s", what, WEXITSTATUS(status), sep,
				 o.buf, more);
	int sig = WTERMSIG(status);
	const char *name = signal_name(sig);
	return error_set(err, 0, "%s: killed by signal %d (%s)%s%s%s", what, sig, name ? name : "?",
			 sep, o.buf, more);
}

int hooks_run(const struct spec_hooks *hooks, enum hook_kind kind, const char *state_json,
	      struct error *err)
{
	if (!hooks || (unsigned)kind >= HOOK_KIND_COUNT)
		return 0;
	/* The spec makes a failing poststart or poststop hook a warning after which "the
	 * remaining hooks and lifecycle continue": run the rest, report the first failure. */
	bool warn_only = kind == HOOK_POSTSTART || kind == HOOK_POSTSTOP;
	size_t failed = 0;
	struct error first;
	for (size_t i = 0; i < hooks->n[kind]; i++) {
		const struct spec_hook *h = &hooks->list[kind][i];
		char what[512];
		snprintf(what, sizeof what, "%s hook #%zu (%s)", hook_kind_name(kind), i,
			 h->path ? h->path : "");
		int r;
		if (!h->path || h->path[0] != '/')
			r = error_set(err, EINVAL, "%s: path must be absolute", what);
		else
			r = run_hook(h, what, state_json, err);
		if (r == 0)
			continue;
		if (!warn_only)
			return -1;
		if (failed++ == 0)
			first = *err;
	}
	if (failed == 0)
		return 0;
	*err = first;
	if (failed > 1)
		error_set(err, first.err, "%s (and %zu more %s hooks failed)", first.msg,
			  failed - 1, hook_kind_name(kind));
	return -1;
}
