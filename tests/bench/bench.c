/* bench: the timing driver of tests/bench. It forks, execs and waits for each command itself
 * (CLOCK_MONOTONIC around fork..wait4, rusage from wait4), so no shell start-up is ever measured.
 *
 *   bench plan [-t SECS] < PLAN   run a plan, one result line per timed command
 *   bench first [-m MARKER] [-k] -- CMD...   time to the first instruction of a workload
 *
 * Plan lines (words separated by spaces; no quoting):
 *   LABEL CMD ARGS...   run CMD; print "LABEL rc wall_us user_us sys_us maxrss_kb"
 *   - CMD ARGS...       run CMD untimed (setup); a failure is reported on stderr
 *   @mark / @reap       @reap waits (up to the timeout) until an orphaned process (a container's
 *                       init) has exited since the last @mark
 *   @spawn CMD ARGS...  start CMD and do not wait (a plain process, for memory per instance)
 *   @killspawned        SIGKILL and reap everything @spawn started
 *   @begin LABEL / @end LABEL   time a span of lines; prints "LABEL 0 wall_us user_us sys_us 0"
 *   @mem LABEL          print "LABEL mem MemAvailable Slab KernelStack PageTables" (kB)
 *   @sleep MS
 * Each command runs in its own process group. The driver is a child subreaper: detached containers
 * are reparented to it when the runtime exits, and it reaps them, so their exit can be waited for
 * and nothing is left a zombie.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int timeout_s = 30;

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long tv_us(struct timeval tv)
{
	return tv.tv_sec * 1000000LL + tv.tv_usec;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static int reaped; /* orphans reaped since the last @mark */
static pid_t spawned[100000];
static int nspawned;

static void reap_orphans(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		reaped++;
}

/* wait4 with the plan's timeout: SIGALRM (installed without SA_RESTART) interrupts it. */
static int wait_timed(pid_t pid, int *status, struct rusage *ru)
{
	alarm(timeout_s);
	pid_t r = wait4(pid, status, 0, ru);
	alarm(0);
	if (r == pid)
		return 0;
	kill(pid, SIGKILL);
	wait4(pid, status, 0, ru);
	return -1;
}

static pid_t spawn(char **argv, int out_fd)
{
	pid_t pid = fork();
	if (pid == 0) {
		/* Its own process group: a runtime that signals its group (kill(0, ...)) must not
		 * take the driver and the make that runs it along. */
		setpgid(0, 0);
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(out_fd >= 0 ? out_fd : null, 1);
		if (out_fd >= 0)
			close(out_fd);
		if (null > 2)
			close(null);
		execvp(argv[0], argv);
		fprintf(stderr, "bench: exec %s: %m\n", argv[0]);
		_exit(127);
	}
	return pid;
}

static int split(char *line, char **argv, int max)
{
	int n = 0;
	for (char *tok = strtok(line, " \t\n"); tok && n < max - 1; tok = strtok(NULL, " \t\n"))
		argv[n++] = tok;
	argv[n] = NULL;
	return n;
}

static void meminfo(const char *label)
{
	static const char *keys[] = {"MemAvailable:", "Slab:", "KernelStack:", "PageTables:"};
	long vals[4] = {0};
	char line[256];
	FILE *f = fopen("/proc/meminfo", "re");
	while (f && fgets(line, sizeof(line), f))
		for (int i = 0; i < 4; i++)
			if (strncmp(line, keys[i], strlen(keys[i])) == 0)
				vals[i] = strtol(line + strlen(keys[i]), NULL, 10);
	if (f)
		fclose(f);
	printf("%s mem %ld %ld %ld %ld\n", label, vals[0], vals[1], vals[2], vals[3]);
}

static int run_plan(void)
{
	char line[8192], *argv[512];
	long long span_t0 = 0;
	struct rusage span_ru0 = {0};
	while (fgets(line, sizeof(line), stdin)) {
		int argc = split(line, argv, 512);
		if (argc == 0 || argv[0][0] == '#')
			continue;
		if (strcmp(argv[0], "@sleep") == 0 && argc == 2) {
			usleep(atoi(argv[1]) * 1000);
		} else if (strcmp(argv[0], "@mark") == 0) {
			reaped = 0;
		} else if (strcmp(argv[0], "@reap") == 0) {
			alarm(timeout_s);
			if (reaped == 0 && waitpid(-1, NULL, 0) < 0)
				fprintf(stderr, "bench: @reap: nothing exited: %m\n");
			alarm(0);
		} else if (strcmp(argv[0], "@spawn") == 0 && argc >= 2) {
			pid_t pid = spawn(argv + 1, -1);
			if (pid > 0 && nspawned < (int)(sizeof(spawned) / sizeof(spawned[0])))
				spawned[nspawned++] = pid;
		} else if (strcmp(argv[0], "@killspawned") == 0) {
			for (int i = 0; i < nspawned; i++)
				kill(spawned[i], SIGKILL);
			for (int i = 0; i < nspawned; i++)
				waitpid(spawned[i], NULL, 0);
			nspawned = 0;
		} else if (strcmp(argv[0], "@mem") == 0 && argc == 2) {
			meminfo(argv[1]);
		} else if (strcmp(argv[0], "@begin") == 0) {
			getrusage(RUSAGE_CHILDREN, &span_ru0);
			span_t0 = now_us();
		} else if (strcmp(argv[0], "@end") == 0 && argc == 2) {
			long long wall = now_us() - span_t0;
			struct rusage ru;
			getrusage(RUSAGE_CHILDREN, &ru);
			printf("%s 0 %lld %lld %lld 0\n", argv[1], wall,
			       tv_us(ru.ru_utime) - tv_us(span_ru0.ru_utime),
			       tv_us(ru.ru_stime) - tv_us(span_ru0.ru_stime));
		} else if (argc >= 2) {
			struct rusage ru;
			int st = 0;
			fflush(stdout);
			long long t0 = now_us();
			pid_t pid = spawn(argv + 1, -1);
			int timed_out = pid < 0 || wait_timed(pid, &st, &ru) < 0;
			long long wall = now_us() - t0;
			int rc = timed_out	 ? 124
				 : WIFEXITED(st) ? WEXITSTATUS(st)
						 : 128 + WTERMSIG(st);
			if (strcmp(argv[0], "-") != 0)
				printf("%s %d %lld %lld %lld %ld\n", argv[0], rc, wall,
				       tv_us(ru.ru_utime), tv_us(ru.ru_stime), ru.ru_maxrss);
			else if (rc != 0)
				fprintf(stderr, "bench: setup step %s %s failed: rc %d\n", argv[1],
					argc > 2 ? argv[2] : "", rc);
		}
		reap_orphans();
		fflush(stdout);
	}
	return 0;
}

/* Sum of VmRSS and Pss over one process (qemu is one process with threads). */
static void rss_of(pid_t pid, long *rss, long *pss)
{
	char path[64], line[256];
	*rss = *pss = 0;
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	FILE *f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Rss:", 4) == 0)
			*rss = strtol(line + 4, NULL, 10);
		else if (strncmp(line, "Pss:", 4) == 0)
			*pss = strtol(line + 4, NULL, 10);
	}
	if (f)
		fclose(f);
}

/* The workload either prints "STAMP <CLOCK_MONOTONIC ns>" as its first act (a process or a
 * container: the clock is shared), or a marker line (a VM, whose clock is its own: the time the
 * line reaches us is taken). -k keeps the workload running after the marker, reports its RSS
 * and kills it (a VM that would otherwise idle forever). */
static int run_first(int argc, char **argv)
{
	const char *marker = NULL;
	int keep = 0, i = 2;
	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "-m") == 0 && i + 1 < argc)
			marker = argv[++i];
		else if (strcmp(argv[i], "-k") == 0)
			keep = 1;
	}
	if (i + 1 >= argc) {
		fprintf(stderr, "usage: bench first [-m MARKER] [-k] -- CMD...\n");
		return 2;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return 1;
	long long t0 = now_ns();
	pid_t pid = spawn(argv + i + 1, p[1]);
	close(p[1]);
	FILE *f = fdopen(p[0], "r");
	char line[4096];
	long long first = -1;
	alarm(timeout_s);
	while (first < 0 && fgets(line, sizeof(line), f)) {
		long long stamp;
		if (sscanf(line, "STAMP %lld", &stamp) == 1)
			first = stamp - t0;
		else if (marker && strstr(line, marker))
			first = now_ns() - t0;
	}
	alarm(0);
	long rss = 0, pss = 0;
	if (keep && first >= 0) {
		usleep(200000); /* let the guest settle into its idle loop */
		rss_of(pid, &rss, &pss);
		kill(pid, SIGKILL);
	}
	fclose(f);
	int st;
	struct rusage ru;
	wait_timed(pid, &st, &ru);
	long long wall = (now_ns() - t0) / 1000;
	printf("%lld %lld %ld %ld\n", first < 0 ? -1 : first / 1000, wall, rss, pss);
	return first < 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	if (getenv("BENCH_TIMEOUT"))
		timeout_s = atoi(getenv("BENCH_TIMEOUT"));
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (argc >= 2 && strcmp(argv[1], "plan") == 0)
		return run_plan();
	if (argc >= 2 && strcmp(argv[1], "first") == 0)
		return run_first(argc, argv);
	fprintf(stderr, "usage: bench plan < PLAN | bench first [-m MARKER] [-k] -- CMD...\n");
	return 2;
}
