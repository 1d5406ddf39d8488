/* Small file helpers. Paths are relative to dirfd (AT_FDCWD for host paths). They never follow
 * a path inside an untrusted tree: for a container's rootfs use namespaces/resolve.h. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct error;

/* write(2) until done, retrying EINTR. Returns bytes or -1 with errno. */
ssize_t write_all(int fd, const void *buf, size_t len);

/* Writes data to an existing file (O_WRONLY|O_CLOEXEC, no O_CREAT), as one write. */
int write_file_at(int dirfd, const char *path, const char *data, size_t len, struct error *err);
/* printf-style variant; the error names the path. */
int write_filef_at(int dirfd, const char *path, struct error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Reads a whole file into a NUL-terminated malloc'd buffer. */
int read_file_at(int dirfd, const char *path, char **out, size_t *len, struct error *err);
/* Atomically replaces dirfd/path: writes path.tmp, fsync-free rename. */
int write_file_atomic_at(int dirfd, const char *path, const char *data, size_t len, int mode,
			 struct error *err);
/* mkdir -p on host paths (mode for the created ones); EEXIST is success. */
int mkdir_p(const char *path, int mode, struct error *err);
/* Removes everything inside the directory fd (not fd itself), not crossing mount points. */
int empty_tree_fd(int fd, struct error *err);
/* Removes a directory tree under dirfd/path, not crossing mount points. */
int remove_tree_at(int dirfd, const char *path, struct error *err);
/* Joins a and b with one '/'. malloc'd. */
char *path_join(const char *a, const char *b);
/* sendmsg of len bytes with fd attached (SCM_RIGHTS); retries EINTR. Returns bytes or -1. */
ssize_t send_with_fd(int sock, const void *data, size_t len, int fd);
