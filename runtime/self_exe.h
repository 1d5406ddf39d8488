/* The binary that enters a container must be one the container cannot write (CVE-2019-5736). */
#pragma once

struct error;

/* For the commands that put a berth process inside a container (create, run, exec): when
 * /proc/self/exe could be opened for writing, re-executes the same argv and environment from a
 * protected copy and does not return. Returns 0 when nothing is needed (another command, already
 * protected, or BERTH_UNPROTECTED_EXE=1), -1 when no protected copy could be made or run. */
int self_exe_protect(const char *command, char **argv, struct error *err);
