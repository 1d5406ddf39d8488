/* stamp: a workload whose first act reports itself (static, so no loader runs before main).
 * As `stamp` it prints "STAMP <CLOCK_MONOTONIC ns>" (a process or container shares the host's
 * clock). As `init`, PID 1 of a VM, it writes a marker line on the console and then idles, so the
 * host times the line's arrival and measures the VM's memory while it runs. As `true`, it exits 0
 * (the floor of `state`: a static process that does nothing). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	(void)argc;
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	if (strcmp(name, "init") == 0) {
		int fd = open("/dev/console", O_WRONLY | O_NOCTTY);
		if (fd < 0 || write(fd, "\nBERTH-BENCH-FIRST\n", 19) < 0)
			return 1;
		for (;;)
			pause();
	}
	if (strstr(name, "true"))
		return 0;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("STAMP %lld\n", ts.tv_sec * 1000000000LL + ts.tv_nsec);
	return 0;
}
