#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "namespaces/resolve.h"
#include "namespaces/rootfs_internal.h"

/* Both run after pivot_root, so "/" is the container's root; paths are still resolved
 * fd-relative, since a process of a shared pid namespace could have planted symlinks. */

int paths_readonly(char *const *paths, struct error *err)
{
	_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return error_errno(err, "open /");
	for (size_t i = 0; paths && paths[i]; i++) {
		_cleanup_close_ int fd = resolve_open(rootfd, paths[i], O_PATH, err);
		if (fd < 0) {
			if (err->err == ENOENT)
				continue;
			return error_prefix(err, "readonlyPaths");
		}
		char buf[32];
		fd_path(fd, buf);
		if (mount(buf, buf, NULL, MS_BIND | MS_REC, NULL) < 0)
			return error_errno(err, "readonlyPaths: bind %s", paths[i]);
		_cleanup_close_ int top = resolve_open(rootfd, paths[i], O_PATH, err);
		if (top < 0)
			return error_prefix(err, "readonlyPaths");
		if (remount_bind(fd_path(top, buf), paths[i],
				 MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err) < 0)
			return error_prefix(err, "readonlyPaths");
	}
	return 0;
}

int paths_masked(char *const *paths, struct error *err)
{
	_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return error_errno(err, "open /");
	for (size_t i = 0; paths && paths[i]; i++) {
		_cleanup_close_ int fd = resolve_open(rootfd, paths[i], O_PATH, err);
		if (fd < 0) {
			if (err->err == ENOENT)
				continue;
			return error_prefix(err, "maskedPaths");
		}
		struct stat st;
		if (fstat(fd, &st) < 0)
			return error_errno(err, "maskedPaths: stat %s", paths[i]);
		char buf[32];
		fd_path(fd, buf);
		if (S_ISDIR(st.st_mode)) {
			/* An empty read-only tmpfs hides a directory's entries. */
			if (mount("tmpfs", buf, "tmpfs", MS_RDONLY, NULL) < 0)
				return error_errno(err, "maskedPaths: mount a tmpfs on %s",
						   paths[i]);
			continue;
		}
		_cleanup_close_ int null = resolve_open(rootfd, "/dev/null", O_PATH, err);
		if (null < 0)
			return error_prefix(err, "maskedPaths: %s", paths[i]);
		char nbuf[32];
		if (mount(fd_path(null, nbuf), buf, NULL, MS_BIND, NULL) < 0)
			return error_errno(err, "maskedPaths: bind /dev/null onto %s", paths[i]);
	}
	return 0;
}
