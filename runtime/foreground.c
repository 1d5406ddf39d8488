#include "runtime/foreground.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
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

int foreground_wait(pid_t pid, int pty_master, int *status, struct error *err)
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
	for (;;) {
		/* The child may have exited before the signalfd existed: check first. */
		if (waitpid(pid, status, WNOHANG) == pid)
			break;
		struct pollfd p[4];
		int n = terminal_pump_pollfds(pty_master >= 0 ? &pump : NULL, p);
		p[n].fd = sfd;
		p[n].events = POLLIN;
		if (poll(p, (nfds_t)n + 1, -1) < 0) {
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
		kill(pid, (int)si.ssi_signo);
	}
	if (pty_master >= 0) {
		terminal_pump_drain(&pump);
		terminal_pump_stop(&pump);
	}
	return r;
}
