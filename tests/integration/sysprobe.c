/* Test helper for the integration suite: makes raw syscalls and prints each result, so seccomp
 * profiles can be checked by effect without a shell (a deny-by-default profile would stop sh).
 * Usage: sysprobe faccessat2 | access | mkdir32 PATH | mkdir PATH */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report(const char *what, long r)
{
	if (r < 0)
		printf("%s: errno %d\n", what, errno);
	else
		printf("%s: ok\n", what);
}

/* An i386 syscall through int $0x80; the path must sit below 4 GiB (a static non-PIE binary). */
static long int80(long nr, const char *a, long b)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b) : "memory");
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static char path32[256];

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "faccessat2"))
			report("faccessat2", syscall(SYS_faccessat2, AT_FDCWD, "/", F_OK, 0));
		else if (!strcmp(argv[i], "access"))
			report("access", syscall(SYS_access, "/", F_OK));
		else if (!strcmp(argv[i], "mkdir") && i + 1 < argc) {
			report("mkdir", syscall(SYS_mkdir, argv[i + 1], 0755));
			i++;
		} else if (!strcmp(argv[i], "mkdir32") && i + 1 < argc) {
			snprintf(path32, sizeof path32, "%s", argv[++i]);
			report("mkdir32", int80(39, path32, 0755));
		}
		fflush(stdout);
	}
	return 0;
}
