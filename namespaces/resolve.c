#include "namespaces/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"

#define MAX_SYMLINKS 40
#define MAX_DEPTH    256

const char *fd_path(int fd, char *buf)
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
	return buf;
}

/* A walk that treats rootfd as "/": ".." never climbs above it, absolute symlinks restart
 * from it. Used when the kernel has no openat2 (before 5.6). The intermediate components are
 * opened O_PATH|O_NOFOLLOW and symlinks are read and expanded by hand, so nothing is followed
 * by the kernel. */
static int walk_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	int stack[MAX_DEPTH];
	int depth = 0, links = 0, ret = -1;
	_cleanup_free_ char *rest = strdup(path);
	if (rest == NULL)
		return -1;
	stack[0] = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	if (stack[0] < 0)
		return -1;

	char *p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0') {
			/* The whole path was consumed: reopen the current directory with the
			 * caller's flags. */
			ret = openat(stack[depth], ".", flags | O_CLOEXEC, mode);
			break;
		}
		char *slash = strchr(p, '/');
		char *next = slash ? slash + 1 : p + strlen(p);
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		char name[NAME_MAX + 1];
		if (len > NAME_MAX) {
			errno = ENAMETOOLONG;
			break;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		bool last = true;
		for (const char *q = next; *q; q++)
			if (*q != '/') {
				last = false;
				break;
			}
		if (strcmp(name, ".") == 0) {
			p = next;
			continue;
		}
		if (strcmp(name, "..") == 0) {
			if (depth > 0)
				close(stack[depth--]);
			p = next;
			continue;
		}
		int fd = openat(stack[depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (last && (flags & O_CREAT)) {
				ret = openat(stack[depth], name, flags | O_NOFOLLOW | O_CLOEXEC,
					     mode);
			}
			break;
		}
		struct stat st;
		if (fstat(fd, &st) < 0) {
			close(fd);
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(fd, "", target, sizeof target - 1);
			close(fd);
			if (n < 0)
				break;
			target[n] = '\0';
			if (++links > MAX_SYMLINKS) {
				errno = ELOOP;
				break;
			}
			if (target[0] == '/')
				while (depth > 0)
					close(stack[depth--]);
			/* Splice the link's target in front of what is left. */
			size_t tl = strlen(target), nl = strlen(next);
			char *np = malloc(tl + nl + 2);
			if (np == NULL)
				break;
			memcpy(np, target, tl);
			np[tl] = '/';
			memcpy(np + tl + 1, next, nl + 1);
			free(rest);
			rest = np;
			p = rest;
			continue;
		}
		if (last) {
			close(fd);
			ret = openat(stack[depth], name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			errno = ENOTDIR;
			break;
		}
		if (depth + 1 >= MAX_DEPTH) {
			close(fd);
			errno = ENAMETOOLONG;
			break;
		}
		stack[++depth] = fd;
		p = next;
	}
	int saved = errno;
	while (depth >= 0)
		close(stack[depth--]);
	errno = saved;
	return ret;
}

static int open_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	static int have_openat2 = 1;
	if (have_openat2) {
		struct open_how how = {
		    .flags = (uint64_t)(flags | O_CLOEXEC),
		    .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
		};
		const char *p = path[0] ? path : ".";
		for (int tries = 0; tries < 32; tries++) {
			int fd = (int)syscall(SYS_openat2, rootfd, p, &how, sizeof how);
			if (fd >= 0)
				return fd;
			/* EAGAIN: a rename or mount raced the lookup; retry as the kernel asks. */
			if (errno != EAGAIN)
				break;
		}
		if (errno != ENOSYS)
			return -1;
		have_openat2 = 0;
	}
	return walk_in_root(rootfd, path, flags, mode);
}

int resolve_open(int rootfd, const char *path, int flags, struct error *err)
{
	int fd = open_in_root(rootfd, path, flags, 0);
	if (fd < 0)
		return error_errno(err, "open %s in the container rootfs", path);
	return fd;
}

/* Splits path into its parent and last component (in buf); *last is NULL for the root. */
static int split_last(const char *path, char *buf, size_t size, char **last)
{
	size_t n = strlen(path);
	if (n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	while (n > 0 && buf[n - 1] == '/')
		buf[--n] = '\0';
	char *slash = strrchr(buf, '/');
	if (slash == NULL) {
		*last = n ? buf : NULL;
		return 0;
	}
	*last = slash[1] ? slash + 1 : NULL;
	*slash = '\0';
	return 1;
}

static int mkdir_p_in_root(int rootfd, const char *path, mode_t mode, int links, struct error *err);

/* A dangling symlink on the way ("/evil" -> "/tmp/x" where /tmp/x is missing) is created at
 * its target inside the root, as securejoin-based runtimes do; the target is again resolved
 * in the root, so ".." or an absolute link cannot leave it. */
static int mkdir_through_link(int rootfd, int pfd, const char *parent, const char *name,
			      mode_t mode, int links, struct error *err)
{
	char target[PATH_MAX], next[PATH_MAX * 2];
	ssize_t n = readlinkat(pfd, name, target, sizeof target - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	if (++links > MAX_SYMLINKS) {
		errno = ELOOP;
		return -1;
	}
	if (target[0] == '/')
		snprintf(next, sizeof next, "%s", target);
	else
		snprintf(next, sizeof next, "%s/%s", parent, target);
	struct error sub = {0};
	if (mkdir_p_in_root(rootfd, next, mode, links, &sub) < 0) {
		errno = sub.err ? sub.err : EINVAL;
		return -1;
	}
	return 0;
}

int resolve_mkdir_p(int rootfd, const char *path, mode_t mode, struct error *err)
{
	return mkdir_p_in_root(rootfd, path, mode, 0, err);
}

static int mkdir_p_in_root(int rootfd, const char *path, mode_t mode, int links, struct error *err)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);
	if (n >= sizeof buf)
		return error_set(err, ENAMETOOLONG, "mkdir %s in the container rootfs", path);
	memcpy(buf, path, n + 1);
	/* Each prefix is resolved from the root again, so a symlink met on the way is followed
	 * inside the root; only the missing tail is created, one mkdirat at a time. */
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		if (buf[i - 1] == '/')
			continue;
		char saved = buf[i];
		buf[i] = '\0';
		int fd = open_in_root(rootfd, buf, O_PATH | O_DIRECTORY, 0);
		if (fd >= 0) {
			close(fd);
		} else if (errno == ENOENT) {
			char pbuf[PATH_MAX];
			char *last;
			int has_parent = split_last(buf, pbuf, sizeof pbuf, &last);
			if (has_parent < 0 || last == NULL)
				return error_errno(err, "mkdir %s in the container rootfs", buf);
			_cleanup_close_ int pfd =
			    open_in_root(rootfd, has_parent ? (pbuf[0] ? pbuf : "/") : ".",
					 O_PATH | O_DIRECTORY, 0);
			if (pfd < 0)
				return error_errno(err, "mkdir %s in the container rootfs", buf);
			if (strcmp(last, "..") == 0 || strcmp(last, ".") == 0) {
				errno = ENOENT;
				return error_errno(err, "mkdir %s in the container rootfs", buf);
			}
			if (mkdirat(pfd, last, mode) < 0) {
				struct stat st;
				if (errno != EEXIST)
					return error_errno(err, "mkdir %s in the container rootfs",
							   buf);
				if (fstatat(pfd, last, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
				    S_ISLNK(st.st_mode) &&
				    mkdir_through_link(rootfd, pfd, has_parent ? pbuf : ".", last,
						       mode, links, err) < 0)
					return error_errno(err, "mkdir %s in the container rootfs",
							   buf);
			}
			int fd2 = open_in_root(rootfd, buf, O_PATH | O_DIRECTORY, 0);
			if (fd2 < 0)
				return error_errno(err, "mkdir %s in the container rootfs", buf);
			close(fd2);
		} else {
			return error_errno(err, "mkdir %s in the container rootfs", buf);
		}
		buf[i] = saved;
	}
	return 0;
}

/* A file mount target; a dangling symlink met as the last component is followed (its target
 * resolved again in the root, so it cannot leave it) and what it names is created, as crun does. */
static int mount_target_file(int rootfd, const char *path, int links, struct error *err)
{
	int fd = open_in_root(rootfd, path, O_PATH, 0);
	if (fd >= 0)
		return fd;
	if (errno != ENOENT)
		return error_errno(err, "open %s in the container rootfs", path);

	char pbuf[PATH_MAX];
	char *last;
	int has_parent = split_last(path, pbuf, sizeof pbuf, &last);
	if (has_parent < 0 || last == NULL || strcmp(last, "..") == 0 || strcmp(last, ".") == 0)
		return error_set(err, EINVAL, "mount target %s: not a file name", path);
	const char *parent = has_parent ? (pbuf[0] ? pbuf : "/") : ".";
	if (resolve_mkdir_p(rootfd, parent, 0755, err) < 0)
		return -1;
	_cleanup_close_ int pfd = resolve_open(rootfd, parent, O_PATH | O_DIRECTORY, err);
	if (pfd < 0)
		return -1;
	/* O_EXCL|O_NOFOLLOW: a dangling symlink planted as the last component is not followed
	 * by the kernel (out of the root); it is read and resolved in the root below. */
	int cfd = openat(pfd, last, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0644);
	if (cfd >= 0) {
		close(cfd);
		return resolve_open(rootfd, path, O_PATH, err);
	}
	if (errno != EEXIST)
		return error_errno(err, "create %s in the container rootfs", path);
	char target[PATH_MAX];
	ssize_t n = readlinkat(pfd, last, target, sizeof target - 1);
	if (n < 0) /* not a symlink: raced into existence, open what is there now */
		return resolve_open(rootfd, path, O_PATH, err);
	target[n] = '\0';
	if (++links > MAX_SYMLINKS)
		return error_set(err, ELOOP, "mount target %s: too many symlinks", path);
	/* A relative target is relative to the link's directory, which pbuf names in the root;
	 * ".." in it is resolved by the kernel (RESOLVE_IN_ROOT), never above the root. */
	_cleanup_free_ char *next = NULL;
	if (asprintf(&next, "%s%s%s", target[0] == '/' ? "" : parent, target[0] == '/' ? "" : "/",
		     target) < 0)
		return error_set(err, ENOMEM, "mount target %s", path);
	if (mount_target_file(rootfd, next, links, err) < 0)
		return error_prefix(err, "%s is a symlink to %s", path, target);
	return resolve_open(rootfd, path, O_PATH, err);
}

int resolve_mount_target(int rootfd, const char *path, bool dir, struct error *err)
{
	if (dir) {
		if (resolve_mkdir_p(rootfd, path, 0755, err) < 0)
			return -1;
		return resolve_open(rootfd, path, O_PATH | O_DIRECTORY, err);
	}
	return mount_target_file(rootfd, path, 0, err);
}

int resolve_mkdir_nofollow(int rootfd, const char *path, mode_t mode, struct error *err)
{
	int stack[MAX_DEPTH];
	int depth = 0;
	stack[0] = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	if (stack[0] < 0)
		return error_errno(err, "open the container rootfs");
	int ret = -1;
	const char *p = path;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0') {
			ret = stack[depth--];
			break;
		}
		size_t len = strcspn(p, "/");
		char name[NAME_MAX + 1];
		if (len > NAME_MAX) {
			error_set(err, ENAMETOOLONG, "%s: a component is too long", path);
			break;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		p += len;
		if (strcmp(name, ".") == 0)
			continue;
		/* Nothing was followed so far, so ".." is the lexical parent, kept inside root. */
		if (strcmp(name, "..") == 0) {
			if (depth > 0)
				close(stack[depth--]);
			continue;
		}
		if (depth + 1 >= MAX_DEPTH) {
			error_set(err, ENAMETOOLONG, "%s: too deep", path);
			break;
		}
		if (mkdirat(stack[depth], name, mode) < 0 && errno != EEXIST) {
			error_errno(err, "mkdir %.*s in the container rootfs", (int)(p - path),
				    path);
			break;
		}
		/* O_NOFOLLOW with O_PATH opens a symlink itself, so a link (planted before or
		 * swapped in after the mkdir) is seen by fstat rather than followed. */
		int fd = openat(stack[depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0) {
			error_errno(err, "open %.*s in the container rootfs", (int)(p - path),
				    path);
			if (fd >= 0)
				close(fd);
			break;
		}
		if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
			close(fd);
			error_set(err, S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR,
				  "%.*s is %s in the container rootfs", (int)(p - path), path,
				  S_ISLNK(st.st_mode) ? "a symlink" : "not a directory");
			break;
		}
		stack[++depth] = fd;
	}
	while (depth >= 0)
		close(stack[depth--]);
	return ret;
}
