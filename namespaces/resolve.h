/* Paths inside an untrusted tree (a container rootfs), resolved relative to an fd of its root so
 * that no symlink or ".." can reach outside: openat2(RESOLVE_IN_ROOT) where the kernel has it, a
 * component-by-component walk where it does not. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

struct error;

/* Opens path (absolute or relative, treated as inside root). flags as for openat(2); O_PATH is
 * fine. Returns an fd or -1 with the error naming path. */
int resolve_open(int rootfd, const char *path, int flags, struct error *err);
/* Creates every missing directory of path inside root (mode for the new ones). */
int resolve_mkdir_p(int rootfd, const char *path, mode_t mode, struct error *err);
/* Makes path exist as a mount target: a directory when dir, else an empty file, creating its
 * parents. Returns an O_PATH fd of it. */
int resolve_mount_target(int rootfd, const char *path, bool dir, struct error *err);
/* Like resolve_mkdir_p, but refuses (ELOOP) a symlink anywhere on the way, even one that would
 * stay inside root: for mounts that must land exactly at path. Returns an O_PATH fd of it. */
int resolve_mkdir_nofollow(int rootfd, const char *path, mode_t mode, struct error *err);
/* "/proc/self/fd/N" for mount(2) on an fd. buf of at least 32 bytes. */
const char *fd_path(int fd, char *buf);
