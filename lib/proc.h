/* What /proc says of a process. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Start time of pid (field 22 of /proc/PID/stat, clock ticks since boot): with the pid, it names
 * one process, where a pid alone may be reused. 0 when gone. zombie: set when it is one. */
uint64_t process_start_time(pid_t pid, bool *zombie);
