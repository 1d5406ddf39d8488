/* Reading and writing controller files, with errors that name the spec key and the file. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct error;

/* Writes value to dirfd/file. key (e.g. "linux.resources.memory.limit") prefixes the error; a
 * missing file says the kernel or host lacks it. */
int cg_write(int dirfd, const char *file, const char *value, const char *key, struct error *err);
int cg_writef(int dirfd, const char *file, const char *key, struct error *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Whole file, NUL-terminated, trailing newline kept. */
int cg_read(int dirfd, const char *file, char **out, struct error *err);
/* A file holding one number ("max" reads as UINT64_MAX). */
int cg_read_u64(int dirfd, const char *file, uint64_t *out, struct error *err);
/* The value of "key N" in a flat keyed file (memory.stat, memory.events, cpu.stat). 0 and no
 * error when the key is absent. */
int cg_read_keyed(int dirfd, const char *file, const char *key, uint64_t *out, struct error *err);
/* rmdir that retries EBUSY for a short while (tasks still exiting). ENOENT is success. */
int cg_rmdir(const char *path, struct error *err);
/* v2: whether controller (e.g. "memory") is listed in dirfd's cgroup.controllers. */
bool v2_has_controller(int dirfd, const char *controller);
/* A cgroup directory as an O_DIRECTORY fd, the error naming it. */
int cg_open_dir(const char *dir, struct error *err);

/* How many components a cgroup path has ("/a/b" 2): the most levels a create can make. */
int cg_path_components(const char *path);
