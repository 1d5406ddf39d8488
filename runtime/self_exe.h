/* The binary that enters a container must be one the container cannot write (CVE-2019-5736). */
#pragma once

struct error;
struct spec;

/* For the commands that put a berth process inside a container (create, run, exec, box): when
 * /proc/self/exe could be opened for writing, re-executes the same argv and environment from a
 * protected copy and does not return. Returns 0 when nothing is needed (another command, already
 * protected, or BERTH_UNPROTECTED_EXE=1), -1 when no protected copy could be made or run.
 * create and run defer the choice to self_exe_settle, once their config is parsed. */
int self_exe_protect(const char *command, char **argv, struct error *err);

/* create and run, after the config is parsed and before anything is changed: re-executes as
 * self_exe_protect would unless nothing can reach init before its last execve (see self_exe.c);
 * then *stub_fd is the exec stub that last execve must go through (else -1). Returns 0, or -1
 * when no protected copy could be made or run. */
int self_exe_settle(const struct spec *s, int *stub_fd, struct error *err);
