/* What /proc says of a process. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Start time of pid (field 22 of /proc/PID/stat, clock ticks since boot): with the pid, it names
 * one process, where a pid alone may be reused. 0 when gone. zombie: set when it is one. */
uint64_t process_start_time(pid_t pid, bool *zombie);
/* A pidfd of pid if it still is the process that started at start (pidfd_open first, the start
 * time checked second, so it never names a later process with that number); zombie: whether it
 * is one. -1 with errno ESRCH when gone or reused, or pidfd_open's errno (ENOSYS: no pidfds). */
int process_pidfd(pid_t pid, uint64_t start, bool *zombie);
/* Waits until the process of a pidfd is gone, at most timeout_ms: 0 when gone, -1 if not. */
int pidfd_wait_gone(int fd, int timeout_ms);
