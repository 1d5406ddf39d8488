/* Test helper for seccomp.bats, run inside the container (static, no shell needed):
 *   mkdir PATH          mkdir(2), prints "mkdir: ok" or "mkdir: errno N"
 *   cachestat | mseal | faccessat2 | access   raw syscalls with harmless arguments
 *   trap PATH           mkdir under a SIGSYS handler: "trap: SIGSYS syscall N" when trapped
 *   thread-mkdir PATH   mkdir from a second thread; the main thread then says it is alive
 *   fds                 the link target of every open fd, one a line
 * Each command prints one line (flushed), so what ran before a kill is visible. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_cachestat
#define SYS_cachestat 451
#endif
#ifndef SYS_mseal
#define SYS_mseal 462
#endif

static void report(const char *what, long r)
{
	if (r < 0)
		printf("%s: errno %d\n", what, errno);
	else
		printf("%s: ok\n", what);
	fflush(stdout);
}

static volatile sig_atomic_t trapped_nr = -1;

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	trapped_nr = si->si_syscall;
}

static void *thread_mkdir(void *path)
{
	report("thread mkdir", syscall(SYS_mkdir, (const char *)path, 0755));
	return NULL;
}

static void list_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char p[300], link[256];
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(p, link, sizeof link - 1);
		link[n > 0 ? n : 0] = '\0';
		printf("fd %s: %s\n", e->d_name, link);
	}
	if (d)
		closedir(d);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *c = argv[i], *arg = i + 1 < argc ? argv[i + 1] : "/";
		if (!strcmp(c, "mkdir")) {
			report("mkdir", syscall(SYS_mkdir, arg, 0755));
			i++;
		} else if (!strcmp(c, "cachestat")) {
			report("cachestat", syscall(SYS_cachestat, -1, NULL, NULL, 0));
		} else if (!strcmp(c, "mseal")) {
			report("mseal", syscall(SYS_mseal, 0, 0, 0));
		} else if (!strcmp(c, "faccessat2")) {
			report("faccessat2", syscall(SYS_faccessat2, AT_FDCWD, "/", F_OK, 0));
		} else if (!strcmp(c, "access")) {
			report("access", syscall(SYS_access, "/", F_OK));
		} else if (!strcmp(c, "trap")) {
			struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
			sigaction(SIGSYS, &sa, NULL);
			long r = syscall(SYS_mkdir, arg, 0755);
			if (trapped_nr >= 0)
				printf("trap: SIGSYS syscall %d\n", (int)trapped_nr);
			else
				report("trap", r);
			fflush(stdout);
			i++;
		} else if (!strcmp(c, "thread-mkdir")) {
			pthread_t t;
			if (pthread_create(&t, NULL, thread_mkdir, (void *)arg) == 0)
				pthread_join(t, NULL);
			printf("main thread: alive\n");
			fflush(stdout);
			i++;
		} else if (!strcmp(c, "fds")) {
			list_fds();
		}
	}
	return 0;
}
