#include "runtime/foreground.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "runtime/terminal.h"

int foreground_exit_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool default_action_ends(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGCONT:
	case SIGURG:
	case SIGWINCH:
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return false;
	default:
		return true;
	}
}

/* Whether pid has a handler for sig, or ignores it, from the SigCgt/SigIgn masks in
 * /proc/PID/status (a kernel that hides them counts as "handles": nothing is emulated). */
static bool handles_signal(pid_t pid, int sig)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return true;
	bool found = false, handled = false;
	while (fgets(line, sizeof line, f)) {
		unsigned long long mask;
		if ((strncmp(line, "SigCgt:", 7) == 0 || strncmp(line, "SigIgn:", 7) == 0) &&
		    sscanf(line + 7, "%llx", &mask) == 1) {
			found = true;
			handled |= (mask >> (sig - 1)) & 1;
		}
	}
	fclose(f);
	return !found || handled;
}

/* Forwards sig to pid, emulating its default action when pid is a pid-namespace init. */
static void forward_signal(pid_t pid, int sig, struct foreground_opts *o)
{
	if (o && o->pid_ns_init && sig != SIGKILL && default_action_ends(sig) &&
	    !handles_signal(pid, sig)) {
		o->emulated_signal = sig;
		kill(pid, SIGKILL);
		return;
	}
	kill(pid, sig);
}

int foreground_wait(pid_t pid, int pty_master, int *status, struct error *err)
{
	return foreground_wait_opts(pid, pty_master, NULL, status, err);
}

int foreground_wait_opts(pid_t pid, int pty_master, struct foreground_opts *o, int *status,
			 struct error *err)
{
	sigset_t mask;
	sigfillset(&mask);
	sigdelset(&mask, SIGSEGV);
	sigdelset(&mask, SIGBUS);
	sigdelset(&mask, SIGILL);
	sigdelset(&mask, SIGFPE);
	_cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return error_errno(err, "signalfd");
	struct terminal_pump pump;
	if (pty_master >= 0)
		terminal_pump_start(&pump, pty_master);
	int r = 0;
	int64_t deadline = o && o->timeout_ms > 0 ? now_ms() + o->timeout_ms : -1;
	int64_t next_tick = o && o->tick_ms > 0 && o->tick ? now_ms() : -1;
	/* One tick before the first reap: the child, even if it already exited, is still there. */
	if (next_tick >= 0) {
		o->tick(o->tick_arg);
		next_tick = now_ms() + o->tick_ms;
	}
	for (;;) {
		/* The child may have exited before the signalfd existed: check first. */
		if (waitpid(pid, status, WNOHANG) == pid)
			break;
		int64_t now = -1, wait_ms = -1;
		if (next_tick >= 0 && (now = now_ms()) >= next_tick) {
			o->tick(o->tick_arg);
			next_tick = now + o->tick_ms;
		}
		if (deadline >= 0 && !o->timed_out) {
			now = now_ms();
			if (now >= deadline) {
				o->timed_out = true;
				kill(pid, SIGKILL);
			} else {
				wait_ms = deadline - now;
			}
		}
		if (next_tick >= 0 && (wait_ms < 0 || next_tick - now_ms() < wait_ms))
			wait_ms = next_tick - now_ms() > 0 ? next_tick - now_ms() : 0;
		struct pollfd p[4];
		int n = terminal_pump_pollfds(pty_master >= 0 ? &pump : NULL, p);
		p[n].fd = sfd;
		p[n].events = POLLIN;
		if (poll(p, (nfds_t)n + 1, (int)wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			r = error_errno(err, "poll");
			break;
		}
		if (pty_master >= 0)
			terminal_pump_io(&pump, p);
		if (!(p[n].revents & POLLIN))
			continue;
		struct signalfd_siginfo si;
		if (read(sfd, &si, sizeof si) != sizeof si)
			continue;
		if (si.ssi_signo == SIGCHLD)
			continue;
		if (si.ssi_signo == SIGWINCH && pty_master >= 0) {
			terminal_resize_from(pty_master, STDIN_FILENO);
			continue;
		}
		forward_signal(pid, (int)si.ssi_signo, o);
	}
	if (pty_master >= 0) {
		terminal_pump_drain(&pump);
		terminal_pump_stop(&pump);
	}
	return r;
}
