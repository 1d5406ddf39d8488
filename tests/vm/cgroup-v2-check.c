/* Proof by effect of the cgroup v2 backend, for a pure v2 kernel: run it in the VM as
 *   tests/vm/vm-run --disk 256M -- BUILD/tests/vm/cgroup-v2-check
 * from the source tree. Uses /sys/fs/cgroup/berthtest-cgv2 and removes it. Prints TAP-like
 * lines and exits non-zero on any failure. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/sched.h>
#include <stdint.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "lib/error.h"

static int fails;
#define CHECK(c, ...)                                                                              \
	do {                                                                                       \
		printf("%s - ", (c) ? "ok  " : "FAIL");                                            \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		fflush(stdout);                                                                    \
		if (!(c))                                                                          \
			fails++;                                                                   \
	} while (0)
#define DIE(e)                                                                                     \
	do {                                                                                       \
		fprintf(stderr, "line %d: %s\n", __LINE__, (e).msg);                               \
		exit(2);                                                                           \
	} while (0)

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static struct cgroup *mk(const char *path, const struct cgroup_resources *r)
{
	struct error e;
	struct cgroup *cg = cgroup_open(CGROUP_MODE_V2, path, 0, &e);
	if (!cg || cgroup_create(cg, &e) < 0)
		DIE(e);
	if (r && cgroup_apply(cg, r, false, &e) < 0)
		DIE(e);
	return cg;
}

/* clone3(CLONE_INTO_CGROUP) as init does; the child runs fn. */
static pid_t spawn(struct cgroup *cg, int (*fn)(void *), void *arg)
{
	struct error e;
	struct cgroup_enter en;
	if (cgroup_enter_prepare(cg, &en, &e) < 0)
		DIE(e);
	struct clone_args ca = {.flags = CLONE_INTO_CGROUP,
				.exit_signal = SIGCHLD,
				.cgroup = (unsigned)en.clone_into_fd};
	pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
	if (pid == 0)
		_exit(fn(arg));
	if (pid < 0) {
		perror("clone3");
		exit(2);
	}
	cgroup_enter_close(&en);
	return pid;
}

static int hog(void *a)
{
	size_t n = 100 << 20;
	volatile char *p = malloc(n);
	for (size_t i = 0; i < n; i += 4096)
		p[i] = 1;
	return 0;
}

static int forker(void *a)
{
	int ok = 0;
	for (int i = 0; i < 100; i++) {
		pid_t p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0)
			break;
		ok++;
	}
	return ok;
}

static int spin(void *a)
{
	volatile unsigned long *c = a;
	for (;;)
		(*c)++;
	return 0;
}

static int devnull(void *a)
{
	int fd = open(a, O_RDWR);
	if (fd >= 0)
		return 0;
	return errno;
}

static int run_dd(void *a)
{
	int null = open("/dev/null", O_WRONLY);
	dup2(null, 1);
	dup2(null, 2);
	execlp("dd", "dd", "if=/dev/zero", "of=/dev/vda", "bs=64k", "count=64", "oflag=direct",
	       (char *)NULL);
	return 127;
}

static int waitst(pid_t p)
{
	int st;
	waitpid(p, &st, 0);
	return st;
}

static void destroy(struct cgroup *cg)
{
	struct error e;
	if (cgroup_destroy(cg, &e) < 0)
		DIE(e);
	cgroup_free(cg);
}

static bool exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

int main(void)
{
	struct error e;
	setvbuf(stdout, NULL, _IONBF, 0);

	/* memory */
	struct cgroup_resources r = {0};
	r.memory.limit = (struct opt_i64){true, 32 << 20};
	r.memory.swap = (struct opt_i64){true, 32 << 20};
	struct cgroup *cg = mk("/berthtest-cgv2/mem", &r);
	CHECK(cgroup_created_depth(cg) == 2, "created_depth %d (want 2)", cgroup_created_depth(cg));
	int evfd = cgroup_oom_event_fd(cg, &e);
	if (evfd < 0)
		DIE(e);
	double t0 = now();
	int st = waitst(spawn(cg, hog, NULL));
	uint64_t ooms = 0;
	if (cgroup_oom_kills(cg, &ooms, &e) < 0)
		DIE(e);
	struct pollfd pf = {evfd, POLLIN, 0};
	int ev = poll(&pf, 1, 0);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && ooms == 1,
	      "memory.max 32M: 100M hog killed by signal %d after %.2fs, oom_kills=%llu",
	      WIFSIGNALED(st) ? WTERMSIG(st) : 0, now() - t0, (unsigned long long)ooms);
	CHECK(ev == 1, "oom event fd readable after the kill");
	close(evfd);
	struct cgroup_stats cs;
	if (cgroup_stats(cg, &cs, &e) < 0)
		DIE(e);
	json_t *js = cs.runc;
	char *dump = json_dumps(js, JSON_COMPACT);
	printf("stats (truncated): %.400s...\n", dump);
	free(dump);
	cgroup_stats_free(&cs);
	destroy(cg);

	/* pids */
	r = (struct cgroup_resources){0};
	r.pids_limit = (struct opt_i64){true, 20};
	cg = mk("/berthtest-cgv2/pids", &r);
	pid_t p = spawn(cg, forker, NULL);
	st = waitst(p);
	pid_t *pids;
	size_t n;
	if (cgroup_pids(cg, &pids, &n, &e) < 0)
		DIE(e);
	free(pids);
	CHECK(WEXITSTATUS(st) == 19 && n == 19,
	      "pids.max 20: fork loop got %d children (want 19), %zu left in the cgroup",
	      WEXITSTATUS(st), n);
	t0 = now();
	destroy(cg); /* kills the 19 sleepers via cgroup.kill */
	CHECK(!exists("/sys/fs/cgroup/berthtest-cgv2/pids"), "destroy with 19 live tasks: %.0f ms",
	      (now() - t0) * 1000);

	/* cpu.max */
	r = (struct cgroup_resources){0};
	r.cpu.quota = (struct opt_i64){true, 50000};
	r.cpu.period = (struct opt_u64){true, 100000};
	r.cpu.shares = (struct opt_u64){true, 1024};
	cg = mk("/berthtest-cgv2/cpu", &r);
	volatile unsigned long *ctr =
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	p = spawn(cg, spin, (void *)ctr);
	sleep(2);
	if (cgroup_stats(cg, &cs, &e) < 0)
		DIE(e);
	js = cs.runc;
	json_int_t thr = json_integer_value(json_object_get(
	    json_object_get(json_object_get(js, "cpu"), "throttling"), "throttledPeriods"));
	json_int_t per = json_integer_value(
	    json_object_get(json_object_get(json_object_get(js, "cpu"), "throttling"), "periods"));
	json_int_t usage = json_integer_value(
	    json_object_get(json_object_get(json_object_get(js, "cpu"), "usage"), "total"));
	cgroup_stats_free(&cs);
	CHECK(thr > 5,
	      "cpu.max 50000 100000: busy loop throttled %lld of %lld periods, used %.2fs "
	      "cpu in 2s",
	      (long long)thr, (long long)per, usage / 1e9);

	/* freeze, on the spinning child */
	if (cgroup_freeze(cg, true, &e) < 0)
		DIE(e);
	bool fz;
	cgroup_is_frozen(cg, &fz, &e);
	unsigned long a = *ctr;
	usleep(500000);
	unsigned long b = *ctr;
	CHECK(fz && a == b, "frozen=%d, counter %lu -> %lu in 0.5 s", fz, a, b);
	if (cgroup_freeze(cg, false, &e) < 0)
		DIE(e);
	cgroup_is_frozen(cg, &fz, &e);
	usleep(500000);
	unsigned long c = *ctr;
	CHECK(!fz && c > b, "thawed: frozen=%d, counter %lu -> %lu", fz, b, c);
	/* destroy while frozen: must thaw and kill */
	cgroup_freeze(cg, true, &e);
	destroy(cg);
	st = waitst(p);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "destroy of a frozen cgroup killed it");

	/* devices */
	struct cg_device_rule deny_null[] = {{false, 'c', 1, 3, "rwm"}};
	r = (struct cgroup_resources){0};
	r.devices = deny_null;
	r.n_devices = 1;
	r.has_devices = true;
	cg = mk("/berthtest-cgv2/dev", &r);
	int en = WEXITSTATUS(waitst(spawn(cg, devnull, "/dev/null")));
	int ez = WEXITSTATUS(waitst(spawn(cg, devnull, "/dev/zero")));
	CHECK(en == EPERM && ez == 0, "deny c 1:3: open /dev/null -> %s, /dev/zero -> %s",
	      strerror(en), strerror(ez));
	struct cg_device_rule allowlist[] = {
	    {false, 'a', -1, -1, "rwm"}, {true, 'c', 1, 5, "rw"}, {true, 'c', 1, 3, "r"}};
	r.devices = allowlist;
	r.n_devices = 3;
	if (cgroup_apply(cg, &r, true, &e) < 0)
		DIE(e);
	en = WEXITSTATUS(waitst(spawn(cg, devnull, "/dev/null")));
	ez = WEXITSTATUS(waitst(spawn(cg, devnull, "/dev/zero")));
	int eu = WEXITSTATUS(waitst(spawn(cg, devnull, "/dev/urandom")));
	CHECK(en == EPERM && ez == 0 && eu == EPERM,
	      "update to deny-all + allow c 1:5 rw + c 1:3 r: /dev/null rw -> %s, /dev/zero -> %s, "
	      "/dev/urandom -> %s",
	      strerror(en), strerror(ez), strerror(eu));
	{
		int dfd = open("/sys/fs/cgroup/berthtest-cgv2/dev", O_RDONLY | O_DIRECTORY);
		union bpf_attr qa;
		uint32_t ids[8];
		memset(&qa, 0, sizeof qa);
		qa.query.target_fd = dfd;
		qa.query.attach_type = BPF_CGROUP_DEVICE;
		qa.query.prog_ids = (uint64_t)(uintptr_t)ids;
		qa.query.prog_cnt = 8;
		syscall(SYS_bpf, BPF_PROG_QUERY, &qa, sizeof qa);
		CHECK(qa.query.prog_cnt == 1, "device programs attached after the update: %u",
		      qa.query.prog_cnt);
		close(dfd);
	}
	destroy(cg);

	/* io.max */
	struct stat sb;
	if (stat("/dev/vda", &sb) == 0) {
		cg = mk("/berthtest-cgv2/io", NULL);
		t0 = now();
		waitst(spawn(cg, run_dd, NULL));
		double free_s = now() - t0;
		struct cg_throttle_device td = {major(sb.st_rdev), minor(sb.st_rdev), 1 << 20};
		r = (struct cgroup_resources){0};
		r.blkio.throttle[CG_THROTTLE_WRITE_BPS] = &td;
		r.blkio.n_throttle[CG_THROTTLE_WRITE_BPS] = 1;
		if (cgroup_apply(cg, &r, true, &e) < 0)
			DIE(e);
		t0 = now();
		waitst(spawn(cg, run_dd, NULL));
		double thr_s = now() - t0;
		CHECK(thr_s > 3 && thr_s > 3 * free_s,
		      "io.max wbps=1MiB/s: dd of 4 MiB direct took %.2fs (unthrottled %.2fs)",
		      thr_s, free_s);
		if (cgroup_stats(cg, &cs, &e) < 0)
			DIE(e);
		dump = json_dumps(json_object_get(cs.runc, "blkio"), JSON_COMPACT);
		printf("info - blkio stats: %s\n", dump);
		free(dump);
		cgroup_stats_free(&cs);
		destroy(cg);
	} else {
		printf("skip - io.max: no /dev/vda (run with --disk)\n");
	}

	/* errors name the key */
	r = (struct cgroup_resources){0};
	struct cg_unified u = {"nosuch.max", "1"};
	r.unified = &u;
	r.n_unified = 1;
	cg = mk("/berthtest-cgv2/err", NULL);
	int rc = cgroup_apply(cg, &r, false, &e);
	CHECK(rc < 0 && strstr(e.msg, "unified.nosuch.max"), "unified bad key: %s", e.msg);
	r = (struct cgroup_resources){0};
	r.memory.limit = (struct opt_i64){true, 64 << 20};
	r.memory.swap = (struct opt_i64){true, 32 << 20};
	rc = cgroup_apply(cg, &r, false, &e);
	CHECK(rc < 0 && strstr(e.msg, "memory.swap"), "swap < limit: %s", e.msg);
	int sfd = open("/sys/fs/cgroup/berthtest-cgv2/cgroup.subtree_control", O_WRONLY);
	CHECK(write(sfd, "-pids", 5) == 5, "disabled pids in the parent's subtree_control");
	close(sfd);
	r = (struct cgroup_resources){0};
	r.pids_limit = (struct opt_i64){true, 5};
	rc = cgroup_apply(cg, &r, false, &e);
	CHECK(rc < 0 && strstr(e.msg, "pids controller"), "pids without the controller: %s", e.msg);
	destroy(cg);
	CHECK(!exists("/sys/fs/cgroup/berthtest-cgv2"), "destroy removed the created parent");
	printf("%s\n", fails ? "SOME FAILED" : "ALL OK");
	return fails != 0;
}
