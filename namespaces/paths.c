#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "namespaces/resolve.h"
#include "namespaces/rootfs_internal.h"

/* Both run after pivot_root, so "/" is the container's root; paths are still resolved
 * fd-relative, since a process of a shared pid namespace could have planted symlinks. */

/* Calls fn for every path that exists, with an O_PATH fd of it; missing paths are skipped. */
static int for_each_existing(char *const *paths, const char *key,
			     int (*fn)(int rootfd, int fd, const char *path, struct error *err),
			     struct error *err)
{
	_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return error_errno(err, "open /");
	for (size_t i = 0; paths && paths[i]; i++) {
		_cleanup_close_ int fd = resolve_open(rootfd, paths[i], O_PATH, err);
		if (fd < 0) {
			if (err->err == ENOENT)
				continue;
			return error_prefix(err, "%s", key);
		}
		if (fn(rootfd, fd, paths[i], err) < 0)
			return error_prefix(err, "%s", key);
	}
	return 0;
}

static int make_readonly(int rootfd, int fd, const char *path, struct error *err)
{
	char buf[32];
	fd_path(fd, buf);
	if (mount(buf, buf, NULL, MS_BIND | MS_REC, NULL) < 0)
		return error_errno(err, "bind %s", path);
	/* The bind is a new mount on top: remount that one, not the one fd refers to. */
	_cleanup_close_ int top = resolve_open(rootfd, path, O_PATH, err);
	if (top < 0)
		return -1;
	return remount_bind(fd_path(top, buf), path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			    err);
}

static int mask(int rootfd, int fd, const char *path, struct error *err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_errno(err, "stat %s", path);
	char buf[32];
	fd_path(fd, buf);
	if (S_ISDIR(st.st_mode)) {
		/* An empty read-only tmpfs hides a directory's entries. */
		if (mount("tmpfs", buf, "tmpfs", MS_RDONLY, NULL) < 0)
			return error_errno(err, "mount a tmpfs on %s", path);
		return 0;
	}
	_cleanup_close_ int null = resolve_open(rootfd, "/dev/null", O_PATH, err);
	if (null < 0)
		return error_prefix(err, "%s", path);
	/* The container's /dev/null may be anything its image or a process sharing its mounts
	 * made it: a symlink to a file the container must not write would be bound, writable,
	 * over the masked path (CVE-2025-31133). Only the null device itself masks. */
	struct stat nst;
	if (fstat(null, &nst) < 0)
		return error_errno(err, "stat /dev/null for %s", path);
	if (!S_ISCHR(nst.st_mode) || nst.st_rdev != makedev(1, 3))
		return error_set(err, EPERM,
				 "%s: /dev/null in the container is not the null device", path);
	char nbuf[32];
	if (mount(fd_path(null, nbuf), buf, NULL, MS_BIND, NULL) < 0)
		return error_errno(err, "bind /dev/null onto %s", path);
	return 0;
}

int paths_readonly(char *const *paths, struct error *err)
{
	return for_each_existing(paths, "readonlyPaths", make_readonly, err);
}

int paths_masked(char *const *paths, struct error *err)
{
	return for_each_existing(paths, "maskedPaths", mask, err);
}
