/* A process berth waits for in the foreground (run, exec): signals berth receives are forwarded
 * to it, its terminal is copied to and from berth's stdio, and its status comes back. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

struct error;

/* The caller has blocked every signal since before pid was cloned, so none is lost. pty_master
 * is -1 without a terminal. */
int foreground_wait(pid_t pid, int pty_master, int *status, struct error *err);

/* What berth box adds to the wait. */
struct foreground_opts {
	int timeout_ms; /* > 0: SIGKILL pid after this long (a pid-namespace init takes all with it)
			 */
	/* pid is init of its own pid namespace, where the kernel drops every signal init has no
	 * handler for: a forwarded signal whose default action ends a process then ends it with
	 * SIGKILL, as it would end the same program on the host. */
	bool pid_ns_init;
	int tick_ms; /* > 0: tick(tick_arg) about this often while waiting */
	void (*tick)(void *arg);
	void *tick_arg;
	/* Out: the timeout fired; the signal that ended the job by the emulation above (or 0). */
	bool timed_out;
	int emulated_signal;
};
/* foreground_wait with options (NULL: the same as foreground_wait). */
int foreground_wait_opts(pid_t pid, int pty_master, struct foreground_opts *o, int *status,
			 struct error *err);
/* The exit code a shell would show: the status, or 128+N for a signal. */
int foreground_exit_code(int status);
