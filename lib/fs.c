#include "lib/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"

ssize_t write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int write_file_at(int dirfd, const char *path, const char *data, size_t len, struct error *err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return error_errno(err, "open %s", path);
	ssize_t n = write(fd, data, len);
	if (n < 0)
		return error_errno(err, "write %s", path);
	if ((size_t)n != len)
		return error_set(err, EIO, "short write to %s", path);
	return 0;
}

int write_filef_at(int dirfd, const char *path, struct error *err, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf)
		return error_set(err, E2BIG, "value for %s too long", path);
	return write_file_at(dirfd, path, buf, (size_t)n, err);
}

int read_file_at(int dirfd, const char *path, char **out, size_t *len, struct error *err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return error_errno(err, "open %s", path);
	size_t cap = 4096, used = 0;
	_cleanup_free_ char *buf = malloc(cap);
	if (buf == NULL)
		return error_set(err, ENOMEM, "read %s", path);
	for (;;) {
		if (used + 1 >= cap) {
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (nb == NULL)
				return error_set(err, ENOMEM, "read %s", path);
			buf = nb;
		}
		ssize_t n = read(fd, buf + used, cap - used - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error_errno(err, "read %s", path);
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	if (len)
		*len = used;
	*out = steal_pointer(&buf);
	return 0;
}

int write_file_atomic_at(int dirfd, const char *path, const char *data, size_t len, int mode,
			 struct error *err)
{
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return error_set(err, ENAMETOOLONG, "%s", path);
	_cleanup_close_ int fd =
	    openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return error_errno(err, "create %s", tmp);
	if (write_all(fd, data, len) < 0) {
		error_errno(err, "write %s", tmp);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	if (renameat(dirfd, tmp, dirfd, path) < 0) {
		error_errno(err, "rename %s", tmp);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

int mkdir_p(const char *path, int mode, struct error *err)
{
	char buf[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof buf)
		return error_set(err, ENAMETOOLONG, "mkdir %s", path);
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return error_errno(err, "mkdir %s", buf);
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return error_errno(err, "mkdir %s", buf);
	return 0;
}

static int remove_tree_fd(int dfd, dev_t dev, struct error *err)
{
	int dup_fd = dup(dfd);
	if (dup_fd < 0)
		return error_errno(err, "dup");
	DIR *d = fdopendir(dup_fd);
	if (d == NULL) {
		close(dup_fd);
		return error_errno(err, "opendir");
	}
	_cleanup_closedir_ DIR *dir = d;
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (st.st_dev != dev)
				return error_set(err, EBUSY, "%s is a mount point", de->d_name);
			_cleanup_close_ int sub = openat(
			    dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				return error_errno(err, "open %s", de->d_name);
			if (remove_tree_fd(sub, dev, err) < 0)
				return -1;
			if (unlinkat(dfd, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
				return error_errno(err, "rmdir %s", de->d_name);
		} else if (unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT) {
			return error_errno(err, "unlink %s", de->d_name);
		}
	}
	return 0;
}

int empty_tree_fd(int fd, struct error *err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_errno(err, "stat");
	return remove_tree_fd(fd, st.st_dev, err);
}

int remove_tree_at(int dirfd, const char *path, struct error *err)
{
	_cleanup_close_ int fd =
	    openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return error_errno(err, "open %s", path);
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_errno(err, "stat %s", path);
	if (remove_tree_fd(fd, st.st_dev, err) < 0)
		return error_prefix(err, "remove %s", path);
	if (unlinkat(dirfd, path, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return error_errno(err, "rmdir %s", path);
	return 0;
}

char *path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	char *r = malloc(la + strlen(b) + 2);
	if (r == NULL)
		return NULL;
	memcpy(r, a, la);
	r[la] = '/';
	strcpy(r + la + 1, b);
	if (la == 1 && a[0] == '/')
		memmove(r, r + 1, strlen(r + 1) + 1);
	return r;
}

ssize_t send_with_fd(int sock, const void *data, size_t len, int fd)
{
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
	char cbuf[CMSG_SPACE(sizeof(int))];
	memset(cbuf, 0, sizeof cbuf);
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n;
}
