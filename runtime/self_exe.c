/* CVE-2019-5736: a container that makes its /bin/sh "#!/proc/self/exe" gets the kernel to run
 * the berth binary inside it when init execs; the container's own dynamic loader then holds
 * /proc/self/exe and reopens it for writing once berth exits. A process in the container can
 * also open /proc/<pid>/exe of init or of an exec process during setup. So the processes that
 * enter a container run from a file nobody can open for writing:
 *
 * 1. A cached copy per binary identity (st_dev, st_ino, size, mtime of /proc/self/exe) in
 *    /run/berth-exe, mode 0555, with the immutable inode flag. Clearing that flag needs
 *    CAP_LINUX_IMMUTABLE in the initial user namespace, which no default or user-namespaced
 *    container has. It beats a read-only bind mount: that leaves a mount on the host, and a
 *    detached one (open_tree + mount_setattr) can be made writable again with mount_setattr by a
 *    container that has CAP_SYS_ADMIN in its own user namespace. The copy is made once (written
 *    to a temp name, renamed into place with RENAME_NOREPLACE, so concurrent berths never see
 *    half a file); every later start pays one open, one ioctl and the execve.
 * 2. Where the cache cannot be made (not root, no CAP_LINUX_IMMUTABLE, a read-only /run, a file
 *    system without the flag): a sealed memfd, one copy per start.
 * 3. Otherwise berth fails closed; BERTH_UNPROTECTED_EXE=1 runs without the protection.
 * A process already running from an immutable file or a write-sealed memfd does nothing, which
 * also ends the re-exec. BERTH_EXE_CACHE=DIR moves the cache (tests), =off skips it.
 *
 * create and run skip the re-exec where nothing can reach init before its last execve: init is
 * born into a pid namespace of its own (so no container process sees its /proc/<pid>; outside
 * it, only processes with CAP_SYS_PTRACE in the host's user namespace could open the exe of a
 * non-dumpable init, and they own the host already), no createContainer or startContainer hook
 * runs from it, and no seccomp filter could refuse the stub's execveat. There the last execve
 * goes through the exec stub (runtime/exec_stub.c) run from a sealed memfd of 2.4 KB, so a
 * "#!/proc/self/exe" process finds the stub as /proc/self/exe, which refuses to run. Any other
 * create or run re-executes as above, once the config says so, before it changes anything.
 *
 * Cost, measured on this host (2 cores shared with other jobs, 1.6 MB dynamically linked berth,
 * /run on ext4): the re-exec from the cached copy (an execve and ld.so) is about 15% of the CPU
 * and of the wall time of a `run` of /bin/true (60 side-by-side rounds under load: 36.4 against
 * 31.6 ms CPU); the sealed memfd copy adds the 1.6 MB copy (about 0.5 ms more). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "runtime/exec_stub.h"
#include "runtime/self_exe.h"
#include "runtime/spec.h"

#define CACHE_DIR "/run/berth-exe"
/* Copies of other binaries (other builds, other installs) kept besides the newest, so that a few
 * berths used side by side do not evict each other's copy on every start. */
#define KEEP_OTHERS 3
#define ALL_SEALS   (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

extern char **environ;

static bool launches(const char *command)
{
	static const char *const cmds[] = {"create", "run", "exec", "box"};
	for (size_t i = 0; command && i < ARRAY_SIZE(cmds); i++)
		if (strcmp(command, cmds[i]) == 0)
			return true;
	return false;
}

static bool fd_is_protected(int fd)
{
	int flags = 0;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_IMMUTABLE_FL))
		return true;
	int seals = fcntl(fd, F_GET_SEALS);
	return seals >= 0 && (seals & ALL_SEALS) == ALL_SEALS;
}

static int set_immutable(int fd, bool on)
{
	int flags = 0;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
		return -1;
	int want = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
	return want == flags ? 0 : ioctl(fd, FS_IOC_SETFLAGS, &want);
}

static int copy_all(int src, int dst, off_t size)
{
	off_t off = 0;
	while (off < size) {
		ssize_t n = sendfile(dst, src, &off, (size_t)(size - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO; /* the source shrank under us */
			return -1;
		}
	}
	return 0;
}

static int exec_fd(int fd, char **argv, struct error *err)
{
	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	return error_errno(err, "execute the protected copy of berth");
}

static int open_cache_dir(const char *dir, struct error *err)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return error_errno(err, "create %s", dir);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return error_errno(err, "open %s", dir);
	struct stat st;
	if (fstat(dfd, &st) < 0) {
		close(dfd);
		return error_errno(err, "stat %s", dir);
	}
	/* Whoever can write the directory could plant the binary every later berth runs. */
	if (st.st_uid != geteuid() || (st.st_mode & 022)) {
		close(dfd);
		return error_set(
		    err, EPERM, "%s: owned by uid %u with mode %o, not by uid %u alone", dir,
		    (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), (unsigned)geteuid());
	}
	return dfd;
}

/* Opens dfd/name if it is a finished copy of src; makes it immutable if the process that renamed
 * it into place has not done so yet. Returns -1 with errno ENOENT when there is no such entry. */
static int open_entry(int dfd, const char *name, const struct stat *src, struct error *err)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		error_errno(err, "open %s", name);
		errno = e;
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_errno(err, "stat %s", name);
	if (!S_ISREG(st.st_mode) || st.st_size != src->st_size || st.st_uid != geteuid() ||
	    (st.st_mode & 0222)) {
		errno = EINVAL;
		return error_set(err, EINVAL, "%s: not a finished copy of berth", name);
	}
	if (set_immutable(fd, true) < 0 || !fd_is_protected(fd))
		return error_errno(err, "%s: set the immutable flag", name);
	return steal_fd(&fd);
}

static int make_entry(int dfd, const char *name, int self, const struct stat *src,
		      struct error *err)
{
	char tmp[NAME_MAX + 1];
	snprintf(tmp, sizeof tmp, ".tmp-%d-%s", (int)getpid(), name);
	unlinkat(dfd, tmp, 0); /* left by a dead process whose pid we now have */
	_cleanup_close_ int w = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (w < 0)
		return error_errno(err, "create %s", tmp);
	if (copy_all(self, w, src->st_size) < 0 || fchmod(w, 0555) < 0 || fsync(w) < 0) {
		int e = errno;
		unlinkat(dfd, tmp, 0);
		return error_errnum(err, e, "copy berth to %s", tmp);
	}
	if (renameat2(dfd, tmp, dfd, name, RENAME_NOREPLACE) < 0) {
		int e = errno;
		unlinkat(dfd, tmp, 0);
		if (e != EEXIST) /* EEXIST: a concurrent berth was first, its copy is as good */
			return error_errnum(err, e, "rename %s", tmp);
	}
	return 0;
}

static void remove_entry(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		/* A berth that opened it already keeps the (still unwritable-by-name) inode. */
		set_immutable(fd, false);
		close(fd);
	}
	unlinkat(dfd, name, 0);
}

struct other {
	char name[NAME_MAX + 1];
	struct timespec ctime;
};

static int newer_first(const void *a, const void *b)
{
	const struct timespec *x = &((const struct other *)a)->ctime;
	const struct timespec *y = &((const struct other *)b)->ctime;
	if (x->tv_sec != y->tv_sec)
		return x->tv_sec < y->tv_sec ? 1 : -1;
	return x->tv_nsec < y->tv_nsec ? 1 : (x->tv_nsec > y->tv_nsec ? -1 : 0);
}

/* Best effort, after a new copy was made: older copies of the same file go now, copies of
 * other binaries beyond the KEEP_OTHERS newest, temp files of processes that died midway. */
static void prune(int dfd, const char *keep, const struct stat *src)
{
	int d2 = dup(dfd);
	_cleanup_closedir_ DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
	if (d == NULL) {
		if (d2 >= 0)
			close(d2);
		return;
	}
	_cleanup_free_ struct other *others = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		unsigned long long dev, ino;
		int pid;
		if (sscanf(de->d_name, ".tmp-%d-", &pid) == 1) {
			if (kill(pid, 0) < 0 && errno == ESRCH)
				unlinkat(dfd, de->d_name, 0);
			continue;
		}
		if (sscanf(de->d_name, "berth-%llx-%llx-", &dev, &ino) != 2 ||
		    strcmp(de->d_name, keep) == 0)
			continue;
		if (dev == (unsigned long long)src->st_dev &&
		    ino == (unsigned long long)src->st_ino) {
			remove_entry(dfd, de->d_name);
			continue;
		}
		struct stat st;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct other *p = realloc(others, ncap * sizeof *p);
			if (p == NULL)
				return;
			others = p;
			cap = ncap;
		}
		snprintf(others[n].name, sizeof others[n].name, "%s", de->d_name);
		others[n++].ctime = st.st_ctim;
	}
	if (n <= KEEP_OTHERS)
		return;
	qsort(others, n, sizeof *others, newer_first);
	for (size_t i = KEEP_OTHERS; i < n; i++)
		remove_entry(dfd, others[i].name);
}

/* The cached copy for this binary, made if missing. Returns an fd to execveat. */
static int cache_open(const char *dir, int self, const struct stat *src, struct error *err)
{
	_cleanup_close_ int dfd = open_cache_dir(dir, err);
	if (dfd < 0)
		return -1;
	char name[NAME_MAX + 1];
	snprintf(name, sizeof name, "berth-%llx-%llx-%llx-%lld.%09ld",
		 (unsigned long long)src->st_dev, (unsigned long long)src->st_ino,
		 (unsigned long long)src->st_size, (long long)src->st_mtim.tv_sec,
		 src->st_mtim.tv_nsec);
	int fd = open_entry(dfd, name, src, err);
	if (fd >= 0 || errno != ENOENT)
		goto out;
	if (make_entry(dfd, name, self, src, err) < 0)
		return error_prefix(err, "%s", dir);
	fd = open_entry(dfd, name, src, err);
	if (fd >= 0)
		prune(dfd, name, src);
out:
	if (fd < 0)
		return error_prefix(err, "%s", dir);
	return fd;
}

/* A memfd that can be executed and sealed (berth's copy, the exec stub). */
static int exec_memfd(const char *name)
{
	unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	int m = memfd_create(name, flags | MFD_EXEC);
	if (m < 0 && errno == EINVAL) /* before 6.3, MFD_EXEC is unknown and exec is allowed */
		m = memfd_create(name, flags);
	return m;
}

static int memfd_open(int self, const struct stat *src, struct error *err)
{
	_cleanup_close_ int m = exec_memfd("berth");
	if (m < 0)
		return error_errno(err, "memfd_create");
	if (copy_all(self, m, src->st_size) < 0)
		return error_errno(err, "copy berth into a memfd");
	if (fchmod(m, 0555) < 0 || fcntl(m, F_ADD_SEALS, ALL_SEALS) < 0)
		return error_errno(err, "seal the memfd copy of berth");
	return steal_fd(&m);
}

/* Run from the copy, the kernel names the process after it (comm "berth-fe00-a720" of the
 * cache entry, or the memfd's): ps, pstree and top must show the name it was started by, as
 * without the copy. The containers' inits are clones of this process and keep the name. */
static void name_after(const char *argv0)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;
	base = base ? base + 1 : argv0;
	prctl(PR_SET_NAME, base && *base ? base : "berth", 0, 0, 0);
}

/* Where a create or run stands between self_exe_protect and self_exe_settle. */
static enum { SELF_NOTHING, SELF_DEFERRED } self_state;
static char **saved_argv;
static sigset_t saved_mask;

static bool defers(const char *command)
{
	return command && (strcmp(command, "create") == 0 || strcmp(command, "run") == 0);
}

/* Runs this argv from a protected copy; returns only on failure. */
static int reexec_protected(int self, const struct stat *st, char **argv, struct error *err)
{
	struct error cache_err = {0}, mem_err = {0};
	const char *dir = getenv("BERTH_EXE_CACHE");
	if (dir == NULL || *dir == '\0')
		dir = CACHE_DIR;
	if (strcmp(dir, "off") == 0) {
		error_set(&cache_err, 0, "cache off (BERTH_EXE_CACHE=off)");
	} else {
		_cleanup_close_ int fd = cache_open(dir, self, st, &cache_err);
		if (fd >= 0)
			exec_fd(fd, argv, &cache_err);
	}
	_cleanup_close_ int m = memfd_open(self, st, &mem_err);
	if (m >= 0)
		exec_fd(m, argv, &mem_err);
	return error_set(
	    err, mem_err.err ? mem_err.err : EPERM,
	    "cannot run from a copy of berth that containers cannot write "
	    "(CVE-2019-5736): %.900s; %.900s (BERTH_UNPROTECTED_EXE=1 runs without it)",
	    cache_err.msg, mem_err.msg);
}

static int reexec_self(char **argv, struct error *err)
{
	_cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return error_errno(err, "open /proc/self/exe");
	if (fd_is_protected(self))
		return 0;
	struct stat st;
	if (fstat(self, &st) < 0)
		return error_errno(err, "stat /proc/self/exe");
	return reexec_protected(self, &st, argv, err);
}

int self_exe_protect(const char *command, char **argv, struct error *err)
{
	if (!launches(command))
		return 0;
	name_after(argv[0]);
	const char *opt = getenv("BERTH_UNPROTECTED_EXE");
	if (opt && strcmp(opt, "1") == 0)
		return 0;
	if (defers(command)) {
		/* The command's option parser may permute argv: keep it as it came. */
		size_t n = 0;
		while (argv[n])
			n++;
		saved_argv = calloc(n + 1, sizeof *saved_argv);
		if (saved_argv == NULL)
			return error_set(err, ENOMEM, "save the command line");
		for (size_t i = 0; i < n; i++)
			if ((saved_argv[i] = strdup(argv[i])) == NULL)
				return error_set(err, ENOMEM, "save the command line");
		sigprocmask(SIG_SETMASK, NULL, &saved_mask);
		self_state = SELF_DEFERRED;
		return 0;
	}
	return reexec_self(argv, err);
}

static bool init_out_of_reach(const struct spec *s)
{
	const struct spec_linux *lx = &s->linux;
	return lx->ns.listed[NS_PID] && lx->ns.path[NS_PID] == NULL &&
	       s->hooks.n[HOOK_CREATE_CONTAINER] == 0 && s->hooks.n[HOOK_START_CONTAINER] == 0 &&
	       lx->seccomp == NULL;
}

/* The stub in a sealed memfd: nothing can write it, and it is gone with its last fd. */
static int stub_open(void)
{
	_cleanup_close_ int m = exec_memfd("berth-exec");
	if (m < 0)
		return -1;
	const unsigned char *p = exec_stub_bin;
	size_t left = exec_stub_len;
	while (left > 0) {
		ssize_t n = write(m, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		left -= (size_t)n;
	}
	if (fchmod(m, 0555) < 0 || fcntl(m, F_ADD_SEALS, ALL_SEALS) < 0)
		return -1;
	return steal_fd(&m);
}

int self_exe_settle(const struct spec *s, int *stub_fd, struct error *err)
{
	*stub_fd = -1;
	if (self_state != SELF_DEFERRED)
		return 0;
	self_state = SELF_NOTHING;
	if (init_out_of_reach(s)) {
		*stub_fd = stub_open();
		if (*stub_fd >= 0)
			return 0;
	}
	/* As it was when berth started: run blocks every signal before it gets here. */
	sigset_t now;
	sigprocmask(SIG_SETMASK, &saved_mask, &now);
	int r = reexec_self(saved_argv, err);
	sigprocmask(SIG_SETMASK, &now, NULL);
	return r;
}
