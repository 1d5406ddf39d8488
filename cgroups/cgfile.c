#include "cgroups/cgfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"

int cg_write(int dirfd, const char *file, const char *value, const char *key, struct error *err)
{
	_cleanup_close_ int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return error_set(err, ENOENT,
					 "%s: %s: not supported on this host (no such file)", key,
					 file);
		return error_errno(err, "%s: open %s", key, file);
	}
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	if (n < 0)
		return error_errno(err, "%s: write \"%s\" to %s", key, value, file);
	if ((size_t)n != len)
		return error_set(err, EIO, "%s: short write to %s", key, file);
	return 0;
}

int cg_writef(int dirfd, const char *file, const char *key, struct error *err, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf)
		return error_set(err, E2BIG, "%s: value for %s too long", key, file);
	return cg_write(dirfd, file, buf, key, err);
}

int cg_read(int dirfd, const char *file, char **out, struct error *err)
{
	return read_file_at(dirfd, file, out, NULL, err);
}

int cg_read_u64(int dirfd, const char *file, uint64_t *out, struct error *err)
{
	_cleanup_free_ char *s = NULL;
	if (cg_read(dirfd, file, &s, err) < 0)
		return -1;
	if (strncmp(s, "max", 3) == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return error_set(err, EINVAL, "%s: not a number: %s", file, s);
	*out = v;
	return 0;
}

int cg_read_keyed(int dirfd, const char *file, const char *key, uint64_t *out, struct error *err)
{
	_cleanup_free_ char *s = NULL;
	if (cg_read(dirfd, file, &s, err) < 0)
		return -1;
	size_t kl = strlen(key);
	*out = 0;
	for (char *line = s; line && *line;) {
		char *nl = strchr(line, '\n');
		if (strncmp(line, key, kl) == 0 && line[kl] == ' ') {
			*out = strtoull(line + kl + 1, NULL, 10);
			return 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

int cg_rmdir(const char *path, struct error *err)
{
	/* A cgroup stays busy until its last task is fully gone; that takes a few ms after a kill.
	 */
	for (int i = 0; i < 500; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return error_errno(err, "rmdir %s", path);
		struct timespec ts = {0, i < 20 ? 1000000 : 10000000};
		nanosleep(&ts, NULL);
	}
	return error_errno(err, "rmdir %s", path);
}

bool v2_has_controller(int dirfd, const char *controller)
{
	struct error e;
	_cleanup_free_ char *s = NULL;
	if (cg_read(dirfd, "cgroup.controllers", &s, &e) < 0)
		return false;
	size_t l = strlen(controller);
	for (char *t = s; (t = strstr(t, controller)) != NULL; t += l)
		if ((t == s || t[-1] == ' ') && (t[l] == ' ' || t[l] == '\n' || t[l] == '\0'))
			return true;
	return false;
}

int cg_open_dir(const char *dir, struct error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "open cgroup %s", dir);
	return fd;
}

int cg_path_components(const char *path)
{
	int n = 0;
	for (const char *p = path; *p; p++)
		if (*p != '/' && (p == path || p[-1] == '/'))
			n++;
	return n;
}
