/* A process berth waits for in the foreground (run, exec): signals berth receives are forwarded
 * to it, its terminal is copied to and from berth's stdio, and its status comes back. */
#pragma once
#include <sys/types.h>

struct error;

/* The caller has blocked every signal since before pid was cloned, so none is lost. pty_master
 * is -1 without a terminal. */
int foreground_wait(pid_t pid, int pty_master, int *status, struct error *err);
/* The exit code a shell would show: the status, or 128+N for a signal. */
int foreground_exit_code(int status);
