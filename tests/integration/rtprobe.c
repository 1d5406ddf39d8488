/* Test helper for the integration suite: asks for SCHED_FIFO, which busybox has no applet for.
 * Usage: rtprobe [spin]. Prints "fifo: ok" or "fifo: errno N"; with spin, a granted policy is
 * then used by a busy loop, so the cgroup's realtime runtime is what limits its CPU time. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct sched_param sp = {.sched_priority = 1};
	if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0) {
		printf("fifo: errno %d\n", errno);
		return 1;
	}
	printf("fifo: ok\n");
	fflush(stdout);
	if (argc > 1 && strcmp(argv[1], "spin") == 0)
		for (volatile unsigned long i = 0;; i++)
			;
	return 0;
}
