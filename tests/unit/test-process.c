/* process.c, seccomp.c and hooks.c: CPU lists, PATH lookup, seccomp profiles checked by their
 * effect in a forked child, and hooks run for real. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/fs.h"
#include "runtime/hooks.h"
#include "runtime/process.h"
#include "runtime/seccomp.h"
#include "tests/unit/tap.h"

static char tmpdir[] = "/tmp/berth-test-process-XXXXXX";

static void test_cpu_list(void)
{
	struct error e = {0};
	cpu_set_t set;
	ok(process_parse_cpu_list("0-1,3", &set, &e) == 0, "cpu list 0-1,3 parses");
	ok(CPU_COUNT(&set) == 3 && CPU_ISSET(0, &set) && CPU_ISSET(1, &set) && CPU_ISSET(3, &set) &&
	       !CPU_ISSET(2, &set),
	   "0-1,3 is CPUs 0, 1 and 3 (count %d)", CPU_COUNT(&set));
	ok(process_parse_cpu_list(" 7 ", &set, &e) == 0 && CPU_COUNT(&set) == 1 &&
	       CPU_ISSET(7, &set),
	   "spaces around a single CPU are accepted");
	ok(process_parse_cpu_list("3-1", &set, &e) < 0, "a reversed range is refused");
	contains(e.msg, "3-1", "the error names the range");
	ok(process_parse_cpu_list("", &set, &e) < 0, "an empty list is refused");
	ok(process_parse_cpu_list("1,,2", &set, &e) < 0, "an empty item is refused");
	ok(process_parse_cpu_list("0-99999", &set, &e) < 0, "a CPU above CPU_SETSIZE is refused");
	ok(process_parse_cpu_list("a", &set, &e) < 0, "a non-number is refused");
}

static void make_file(const char *name, int mode)
{
	char *p = path_join(tmpdir, name);
	int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, mode);
	if (fd >= 0)
		close(fd);
	chmod(p, (mode_t)mode);
	free(p);
}

static void test_find_executable(void)
{
	struct error e = {0};
	make_file("tool", 0755);
	make_file("data", 0644);
	char *d = path_join(tmpdir, "dir");
	mkdir(d, 0755);
	free(d);

	char pathvar[256];
	snprintf(pathvar, sizeof pathvar, "PATH=/nonexistent:%s", tmpdir);
	char *env[] = {pathvar, NULL};
	char *args[] = {"tool", NULL};
	struct spec_process p = {.args = args, .env = env};
	char *got = process_find_executable(&p, &e);
	char *want = path_join(tmpdir, "tool");
	is_str(got, want, "a name is found in the process env's PATH");
	free(got);
	free(want);

	args[0] = "data";
	got = process_find_executable(&p, &e);
	ok(got == NULL, "a non-executable file in PATH is not a match");
	is_str(e.msg, "exec: \"data\": executable file not found in $PATH",
	       "runc's not-found message");
	free(got);

	char abs[512];
	snprintf(abs, sizeof abs, "%s/data", tmpdir);
	args[0] = abs;
	ok(process_find_executable(&p, &e) == NULL && e.err == EACCES,
	   "an absolute non-executable file fails with EACCES");
	contains(e.msg, "permission denied", "and says permission denied");
	snprintf(abs, sizeof abs, "%s/dir", tmpdir);
	ok(process_find_executable(&p, &e) == NULL && e.err == EACCES,
	   "a directory fails with EACCES, as Go's LookPath says");
	contains(e.msg, "permission denied",
		 "and says permission denied, the phrase engines map to 126");

	/* Without PATH in the env, runc's default applies: sh is in /bin or /usr/bin. */
	char *noenv[] = {NULL};
	char *sh[] = {"sh", NULL};
	struct spec_process q = {.args = sh, .env = noenv};
	got = process_find_executable(&q, &e);
	ok(got && (strcmp(got, "/usr/bin/sh") == 0 || strcmp(got, "/bin/sh") == 0),
	   "the default PATH finds sh (%s)", got ? got : e.msg);
	free(got);
}

static int prepare_err(struct spec_seccomp *s, struct error *e)
{
	struct seccomp_program *prog = NULL;
	int r = seccomp_prepare(s, &prog, e);
	seccomp_program_free(prog);
	return r;
}

static void test_seccomp_errors(void)
{
	struct error e = {0};
	char *n[] = {"getpid", NULL};
	struct seccomp_arg bad_op = {.index = 0, .op = "SCMP_CMP_NOPE"};
	struct seccomp_arg bad_idx = {.index = 6, .op = "SCMP_CMP_EQ"};
	struct seccomp_rule r[4] = {
	    {.names = n, .action = "SCMP_ACT_ERRNO"},
	    {.names = n, .action = "SCMP_ACT_BOGUS"},
	};
	struct spec_seccomp s = {
	    .default_action = "SCMP_ACT_ALLOW", .syscalls = r, .n_syscalls = 2};
	ok(prepare_err(&s, &e) < 0, "an unknown rule action fails");
	is_str(e.msg, "linux.seccomp.syscalls[1].action: unknown action \"SCMP_ACT_BOGUS\"",
	       "the error names the JSON path");

	r[1] = (struct seccomp_rule){
	    .names = n, .action = "SCMP_ACT_ERRNO", .args = &bad_op, .n_args = 1};
	ok(prepare_err(&s, &e) < 0, "an unknown operator fails");
	contains(e.msg, "linux.seccomp.syscalls[1].args[0].op", "naming the operator's path");
	r[1].args = &bad_idx;
	ok(prepare_err(&s, &e) < 0, "an argument index of 6 fails");
	contains(e.msg, "args[0].index", "naming the index path");

	s.n_syscalls = 1;
	s.default_action = "SCMP_ACT_NOPE";
	ok(prepare_err(&s, &e) < 0, "an unknown default action fails");
	contains(e.msg, "linux.seccomp.defaultAction", "naming defaultAction");
	s.default_action = "SCMP_ACT_ALLOW";

	char *flags[] = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_NOPE", NULL};
	s.flags = flags;
	ok(prepare_err(&s, &e) < 0, "an unknown flag fails");
	contains(e.msg, "linux.seccomp.flags[1]: unknown flag", "naming the flag's index");
	s.flags = NULL;

	char *arch[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64", "bogus", NULL};
	s.architectures = arch;
	ok(prepare_err(&s, &e) < 0, "an architecture name without SCMP_ARCH_ fails");
	contains(e.msg, "linux.seccomp.architectures[2]", "naming the architecture's index");
	arch[2] = NULL;
	error_clear(&e);
	ok(prepare_err(&s, &e) == 0, "x86_64 plus a foreign architecture is accepted (%s)", e.msg);
	s.architectures = NULL;

	char *unknown[] = {"no_such_syscall_at_all", "getpid", NULL};
	r[0].names = unknown;
	ok(prepare_err(&s, &e) == 0, "an unknown syscall name is skipped, as runc does");
}

/* Runs fn in a child that sets no_new_privs and loads the filter; returns fn's exit code, or
 * 200 + step on a setup failure, 100 + signal when killed. */
static int in_filtered_child(struct spec_seccomp *s, int (*fn)(void))
{
	struct seccomp_program *prog = NULL;
	struct error e = {0};
	if (seccomp_prepare(s, &prog, &e) < 0) {
		printf("# prepare: %s\n", e.msg);
		return 201;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(202);
		if (seccomp_load_program(prog, NULL, &e) < 0)
			_exit(203);
		_exit(fn());
	}
	seccomp_program_free(prog);
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

static char mkdir_target[512];

/* Exit code: 1 bit per expectation met. */
static int probe_deny(void)
{
	int r = 0;
	if (mkdir(mkdir_target, 0755) < 0 && errno == EPERM)
		r |= 1;
	char buf[256];
	if (syscall(SYS_getcwd, buf, sizeof buf) < 0 && errno == ENOSYS)
		r |= 2;
	if (getppid() > 0)
		r |= 4;
	return r;
}

static void test_seccomp_effect(void)
{
	snprintf(mkdir_target, sizeof mkdir_target, "%s/made", tmpdir);
	char *n1[] = {"mkdir", "mkdirat", NULL}, *n2[] = {"getcwd", NULL};
	struct seccomp_rule r[] = {
	    {.names = n1, .action = "SCMP_ACT_ERRNO", .has_errno_ret = true, .errno_ret = EPERM},
	    {.names = n2, .action = "SCMP_ACT_ERRNO", .has_errno_ret = true, .errno_ret = ENOSYS},
	};
	struct spec_seccomp s = {
	    .default_action = "SCMP_ACT_ALLOW", .syscalls = r, .n_syscalls = 2};
	int got = in_filtered_child(&s, probe_deny);
	ok(got == 7, "mkdir gets EPERM, getcwd ENOSYS, getppid still works (got %d, want 7)", got);
	struct stat st;
	ok(stat(mkdir_target, &st) < 0, "the denied mkdir created nothing");
}

static int probe_enosys(void)
{
	int r = 0;
	/* mkdir is below the highest syscall the profile names: the default action. */
	if (mkdir(mkdir_target, 0755) < 0 && errno == EPERM)
		r |= 1;
	/* getrandom exists but is above it: ENOSYS, so a libc would fall back. */
	char b[4];
	if (syscall(SYS_getrandom, b, sizeof b, 0) < 0 && errno == ENOSYS)
		r |= 2;
	if (getpid() > 0)
		r |= 4;
	return r;
}

static void test_seccomp_enosys(void)
{
	char *allow[] = {"write", "exit", "exit_group", "getpid", "rt_sigreturn", NULL};
	struct seccomp_rule r[] = {{.names = allow, .action = "SCMP_ACT_ALLOW"}};
	struct spec_seccomp s = {
	    .default_action = "SCMP_ACT_ERRNO", .syscalls = r, .n_syscalls = 1};
	int got = in_filtered_child(&s, probe_enosys);
	ok(got == 7,
	   "deny-by-default: an unlisted older syscall gets EPERM, a newer one ENOSYS "
	   "(got %d, want 7)",
	   got);
	s.has_default_errno_ret = true;
	s.default_errno_ret = EACCES;
	got = in_filtered_child(&s, probe_enosys);
	ok(got == 6, "defaultErrnoRet EACCES replaces EPERM (got %d, want 6)", got);
}

static int probe_args(void)
{
	int r = 0;
	/* fd 100 and 101 are not open: the kernel would say EBADF. */
	if (dup(100) < 0 && errno == EXDEV)
		r |= 1;
	if (dup(101) < 0 && errno == EXDEV)
		r |= 2;
	if (dup(102) < 0 && errno == EBADF)
		r |= 4;
	if (dup2(100, 200) < 0 && errno == EXDEV)
		r |= 8;
	if (dup2(100, 201) < 0 && errno == EBADF)
		r |= 16;
	if (dup3(100, 200, O_CLOEXEC) < 0 && errno == EXDEV)
		r |= 32;
	if (dup3(100, 200, 0) < 0 && errno == EBADF)
		r |= 64;
	return r;
}

static void test_seccomp_args(void)
{
	char *n_dup[] = {"dup", NULL}, *n_dup2[] = {"dup2", NULL}, *n_dup3[] = {"dup3", NULL};
	struct seccomp_arg same[] = {{.index = 0, .value = 100, .op = "SCMP_CMP_EQ"},
				     {.index = 0, .value = 101, .op = "SCMP_CMP_EQ"}};
	struct seccomp_arg both[] = {{.index = 0, .value = 100, .op = "SCMP_CMP_EQ"},
				     {.index = 1, .value = 200, .op = "SCMP_CMP_EQ"}};
	struct seccomp_arg masked[] = {
	    {.index = 2, .value = O_CLOEXEC, .value_two = O_CLOEXEC, .op = "SCMP_CMP_MASKED_EQ"}};
	struct seccomp_rule r[] = {
	    {.names = n_dup,
	     .action = "SCMP_ACT_ERRNO",
	     .has_errno_ret = true,
	     .errno_ret = EXDEV,
	     .args = same,
	     .n_args = 2},
	    {.names = n_dup2,
	     .action = "SCMP_ACT_ERRNO",
	     .has_errno_ret = true,
	     .errno_ret = EXDEV,
	     .args = both,
	     .n_args = 2},
	    {.names = n_dup3,
	     .action = "SCMP_ACT_ERRNO",
	     .has_errno_ret = true,
	     .errno_ret = EXDEV,
	     .args = masked,
	     .n_args = 1},
	};
	struct spec_seccomp s = {
	    .default_action = "SCMP_ACT_ALLOW", .syscalls = r, .n_syscalls = 3};
	int got = in_filtered_child(&s, probe_args);
	ok((got & 3) == 3, "two conditions on one argument are an OR (got %d)", got);
	ok((got & 4) == 4, "a value matching neither passes through (got %d)", got);
	ok((got & 24) == 24, "conditions on different arguments are an AND (got %d)", got);
	ok((got & 96) == 96,
	   "SCMP_CMP_MASKED_EQ masks with value and compares with valueTwo (got %d)", got);
}

static void test_hooks(void)
{
	struct error e = {0};
	is_str(hook_kind_name(HOOK_CREATE_RUNTIME), "createRuntime", "hook kind names");
	is_str(hook_kind_name(HOOK_START_CONTAINER), "startContainer", "hook kind names (2)");

	char out[512], script[1024];
	snprintf(out, sizeof out, "%s/hook.out", tmpdir);
	snprintf(script, sizeof script,
		 "cat > %s; echo \" $0 $FOO $(cat /proc/$$/environ | tr '\\0' ' ')\" >> %s", out,
		 out);
	char *a0[] = {"sh", "-c", script, "hook-argv0", NULL};
	char *env[] = {"FOO=bar", NULL};
	char *a1[] = {"sh", "-c", "echo out-line; echo err-line >&2; exit 3", NULL};
	char *a2[] = {"sleep", "10", NULL};
	struct spec_hook hk[] = {
	    {.path = "/bin/sh", .args = a0, .env = env},
	    {.path = "/bin/sh", .args = a1},
	    {.path = "/bin/sleep", .args = a2, .has_timeout = true, .timeout = 1},
	};
	struct spec_hooks hs = {0};
	hs.list[HOOK_PRESTART] = &hk[0];
	hs.n[HOOK_PRESTART] = 1;
	ok(hooks_run(&hs, HOOK_PRESTART, "{\"id\":\"c1\"}", &e) == 0, "a hook runs (%s)", e.msg);
	char *data = NULL;
	size_t len;
	ok(read_file_at(AT_FDCWD, out, &data, &len, &e) == 0, "the hook wrote its file");
	contains(data, "{\"id\":\"c1\"} hook-argv0 bar FOO=bar ",
		 "it got the state on stdin, its argv and exactly its env");
	free(data);

	hs.list[HOOK_CREATE_RUNTIME] = &hk[1];
	hs.n[HOOK_CREATE_RUNTIME] = 1;
	ok(hooks_run(&hs, HOOK_CREATE_RUNTIME, "{}", &e) < 0, "a failing hook fails");
	is_str(e.msg, "createRuntime hook #0 (/bin/sh): exit status 3: out-line\nerr-line",
	       "the error has the status and the hook's output");

	hs.list[HOOK_POSTSTOP] = &hk[2];
	hs.n[HOOK_POSTSTOP] = 1;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = hooks_run(&hs, HOOK_POSTSTOP, "{}", &e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ok(r < 0 && secs >= 0.9 && secs < 3,
	   "a sleeping hook is killed at its 1 s timeout (%.2f s)", secs);
	contains(e.msg, "hook timed out", "and the error says it timed out");
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_cpu_list();
	test_find_executable();
	test_seccomp_errors();
	test_seccomp_effect();
	test_seccomp_enosys();
	test_seccomp_args();
	test_hooks();
	struct error e = {0};
	remove_tree_at(AT_FDCWD, tmpdir, &e);
	return tap_done();
}
