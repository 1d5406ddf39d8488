/* berth's exec stub: a separate, freestanding program (no libc, raw syscalls), built static and
 * embedded in berth as bytes (exec_stub_bin.c). init execs it from a sealed memfd in place of
 * the container's process, and it execs that process. Why: a process whose first line is
 * "#!/proc/self/exe" makes the kernel run /proc/self/exe of whoever execs it (CVE-2019-5736);
 * through the stub that is the sealed memfd, never the berth binary on the host. A re-exec of
 * all of berth from a protected copy does the same for every start, at the price of an execve
 * and a dynamic load of berth (runtime/self_exe.c says when which is used).
 *
 * init calls it with the process's own argv and environment plus one last entry,
 *   _BERTH_EXEC=<fd> <path>
 * which it removes: path is the executable to run, fd (or -1) where a failed execve is reported,
 * as a struct launch_msg (run's socket or the exec fifo that `start` reads), exactly as init would
 * have reported it. Without that entry (run as an interpreter, by hand) it refuses. */
#include "runtime/launch.h"

#define ENTRY "_BERTH_EXEC="

#if defined(__x86_64__)
#define NR_write  1
#define NR_fcntl  72
#define NR_execve 59
#define NR_sendto 44
#define NR_exit	  231 /* exit_group */
static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	long r;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return r;
}
__asm__(".text\n.global _start\n_start:\n\txor %rbp,%rbp\n\tmov %rsp,%rdi\n"
	"\tand $-16,%rsp\n\tcall stub_main\n\thlt\n");
#elif defined(__aarch64__)
#define NR_write  64
#define NR_fcntl  25
#define NR_execve 221
#define NR_sendto 206
#define NR_exit	  94
static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}
__asm__(".text\n.global _start\n_start:\n\tmov x29, #0\n\tmov x0, sp\n\tbl stub_main\n"
	"\tbrk #0\n");
#else
#error "exec stub: no syscall glue for this architecture"
#endif

#define F_SETFD	     2
#define FD_CLOEXEC   1
#define MSG_NOSIGNAL 0x4000
#define ENOTSOCK     88

static unsigned long slen(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}

static void put(char *buf, unsigned long size, unsigned long *at, const char *s)
{
	while (*s && *at + 1 < size)
		buf[(*at)++] = *s++;
	buf[*at] = '\0';
}

/* glibc's strerror text for what execve(2) can fail with. */
static const char *err_text(int e)
{
	switch (e) {
	case 1:
		return "Operation not permitted";
	case 2:
		return "No such file or directory";
	case 5:
		return "Input/output error";
	case 7:
		return "Argument list too long";
	case 8:
		return "Exec format error";
	case 11:
		return "Resource temporarily unavailable";
	case 12:
		return "Cannot allocate memory";
	case 13:
		return "Permission denied";
	case 14:
		return "Bad address";
	case 20:
		return "Not a directory";
	case 21:
		return "Is a directory";
	case 22:
		return "Invalid argument";
	case 23:
		return "Too many open files in system";
	case 24:
		return "Too many open files";
	case 26:
		return "Text file busy";
	case 36:
		return "File name too long";
	case 40:
		return "Too many levels of symbolic links";
	case 80:
		return "Accessing a corrupted shared library";
	default:
		return "Unknown error";
	}
}

static __attribute__((noreturn)) void leave(int code)
{
	for (;;)
		sys6(NR_exit, code, 0, 0, 0, 0, 0);
}

static __attribute__((used, noreturn)) void stub_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	char **last = 0;
	for (char **e = envp; *e; e++)
		last = e;
	const char *entry = last ? *last : "";
	for (const char *p = ENTRY; *p; p++, entry++)
		if (*entry != *p) {
			static const char msg[] =
			    "berth: the exec stub runs only from berth's init, "
			    "not by hand or as an interpreter\n";
			sys6(NR_write, 2, (long)msg, sizeof msg - 1, 0, 0, 0);
			leave(126);
		}
	long fd = 0;
	int neg = *entry == '-';
	if (neg)
		entry++;
	while (*entry >= '0' && *entry <= '9')
		fd = fd * 10 + (*entry++ - '0');
	if (neg)
		fd = -fd;
	if (*entry == ' ')
		entry++;
	const char *path = entry;
	*last = 0;
	if (fd >= 0)
		sys6(NR_fcntl, fd, F_SETFD, FD_CLOEXEC, 0, 0, 0);
	long r = sys6(NR_execve, (long)path, (long)argv, (long)envp, 0, 0, 0);
	int err = (int)-r;

	struct launch_msg m;
	char *z = (char *)&m;
	for (unsigned long i = 0; i < sizeof m; i++)
		z[i] = 0;
	m.type = MSG_ERROR;
	m.err = err;
	unsigned long at = 0;
	put(m.text, sizeof m.text, &at, LAUNCH_STEP_EXEC ": \"");
	put(m.text, sizeof m.text, &at, path);
	put(m.text, sizeof m.text, &at, "\": ");
	put(m.text, sizeof m.text, &at, err_text(err));
	if (fd >= 0) {
		r = sys6(NR_sendto, fd, (long)&m, sizeof m, MSG_NOSIGNAL, 0, 0);
		if (r == -ENOTSOCK)
			r = sys6(NR_write, fd, (long)&m, sizeof m, 0, 0, 0);
		if (r == (long)sizeof m)
			leave(127);
	}
	put(m.text, sizeof m.text, &at, "\n");
	sys6(NR_write, 2, (long)"berth: ", 7, 0, 0, 0);
	sys6(NR_write, 2, (long)m.text, (long)slen(m.text), 0, 0, 0);
	leave(127);
}
