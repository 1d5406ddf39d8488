/* tmpcopyup: a tmpfs mounted over a directory of the image starts with that directory's content,
 * as runc does (podman adds it to --read-only's /tmp, /run, /var/tmp and to every --tmpfs). Both
 * trees are walked fd-relative without following symlinks, so nothing outside is read or written.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "namespaces/rootfs_internal.h"

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st, struct error *err)
{
	_cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return error_errno(err, "copy up %s", name);
	_cleanup_close_ int out = openat(
	    ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 07777);
	if (out < 0)
		return error_errno(err, "copy up %s", name);
	for (off_t left = st->st_size; left > 0;) {
		ssize_t n = sendfile(out, in, NULL, (size_t)(left > (1 << 30) ? (1 << 30) : left));
		if (n < 0)
			return error_errno(err, "copy up %s", name);
		if (n == 0)
			break;
		left -= n;
	}
	return 0;
}

static int copy_tree(int sdir, int ddir, int depth, struct error *err)
{
	if (depth > 64)
		return error_set(err, ELOOP, "copy up: directories nested too deep");
	int dupfd = dup(sdir);
	DIR *d = dupfd >= 0 ? fdopendir(dupfd) : NULL;
	if (d == NULL) {
		if (dupfd >= 0)
			close(dupfd);
		return error_errno(err, "copy up: read directory");
	}
	_cleanup_closedir_ DIR *dir = d;
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		const char *name = de->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return error_errno(err, "copy up %s", name);
		if (S_ISDIR(st.st_mode)) {
			if (mkdirat(ddir, name, st.st_mode & 07777) < 0 && errno != EEXIST)
				return error_errno(err, "copy up %s", name);
			_cleanup_close_ int s =
			    openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			_cleanup_close_ int t =
			    openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s < 0 || t < 0)
				return error_errno(err, "copy up %s", name);
			if (copy_tree(s, t, depth + 1, err) < 0)
				return error_prefix(err, "%s", name);
		} else if (S_ISREG(st.st_mode)) {
			if (copy_file(sdir, ddir, name, &st, err) < 0)
				return -1;
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlinkat(sdir, name, target, sizeof target - 1);
			if (n < 0)
				return error_errno(err, "copy up %s", name);
			target[n] = '\0';
			if (symlinkat(target, ddir, name) < 0)
				return error_errno(err, "copy up %s", name);
		} else if (mknodat(ddir, name, st.st_mode, st.st_rdev) < 0) {
			return error_errno(err, "copy up %s", name);
		}
		if (fchownat(ddir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
			return error_errno(err, "copy up %s: chown", name);
		if (!S_ISLNK(st.st_mode) && fchmodat(ddir, name, st.st_mode & 07777, 0) < 0)
			return error_errno(err, "copy up %s: chmod", name);
	}
	return 0;
}

int copy_up(int under, int mounted, struct error *err)
{
	if (copy_tree(under, mounted, 0, err) < 0)
		return error_prefix(err, "tmpcopyup");
	return 0;
}
