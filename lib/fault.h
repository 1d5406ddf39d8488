/* Test-only fault points: a build configured with --enable-fault-points dies with SIGKILL at the
 * point named by $BERTH_FAULT, so tests can prove berth never loses track after a crash. */
#pragma once
#ifdef BERTH_FAULT_POINTS
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define FAULT_POINT(name)                                                                          \
	do {                                                                                       \
		const char *_f = getenv("BERTH_FAULT");                                            \
		if (_f && strcmp(_f, name) == 0) {                                                 \
			raise(SIGKILL);                                                            \
			/* A pid namespace's init ignores its own SIGKILL: die as abruptly. */     \
			_exit(128 + SIGKILL);                                                      \
		}                                                                                  \
	} while (0)
/* Appended to the --version feature line, so tests can tell a fault build from a normal one. */
#define FAULT_POINTS_FEATURE " +FAULT_POINTS"
#else
#define FAULT_POINT(name)    ((void)0)
#define FAULT_POINTS_FEATURE ""
#endif
