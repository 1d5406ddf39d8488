#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "namespaces/resolve.h"
#include "namespaces/rootfs_internal.h"

/* The devices every container gets (runtime-spec "Default Devices"). */
static const struct device_entry default_devices[] = {
    {.path = "/dev/null", .type = 'c', .major = 1, .minor = 3},
    {.path = "/dev/zero", .type = 'c', .major = 1, .minor = 5},
    {.path = "/dev/full", .type = 'c', .major = 1, .minor = 7},
    {.path = "/dev/random", .type = 'c', .major = 1, .minor = 8},
    {.path = "/dev/urandom", .type = 'c', .major = 1, .minor = 9},
    {.path = "/dev/tty", .type = 'c', .major = 5, .minor = 0},
};

bool devices_needed(const struct rootfs_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct mount_entry *m = &cfg->mounts[i];
		if (!container_path_eq(m->destination, "/dev"))
			continue;
		bool bind = m->type && strcmp(m->type, "bind") == 0;
		for (size_t j = 0; m->options && m->options[j]; j++)
			bind |= strcmp(m->options[j], "bind") == 0 ||
				strcmp(m->options[j], "rbind") == 0;
		return !bind;
	}
	return false;
}

int dev_remount_readonly(const struct rootfs_config *cfg, struct error *err)
{
	const struct mount_entry *m = dev_top_mount(cfg);
	if (m == NULL)
		return 0;
	struct mount_opts o;
	if (mount_opts_parse(m->options, &o, err) < 0)
		return error_prefix(err, "mount /dev");
	unsigned long flags = o.flags;
	mount_opts_free(&o);
	if (!(flags & MS_RDONLY))
		return 0;
	_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return error_errno(err, "open /");
	_cleanup_close_ int dev = resolve_open(rootfd, "/dev", O_PATH | O_DIRECTORY, err);
	if (dev < 0)
		return error_prefix(err, "read-only /dev");
	char buf[32];
	if (remount_bind(fd_path(dev, buf), "/dev", flags, err) < 0)
		return error_prefix(err, "read-only /dev");
	return 0;
}

/* Splits "/dev/a/b" into a parent fd (created if missing) and "b". */
static int open_parent(int rootfd, const char *path, char *name, struct error *err)
{
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%s", path);
	size_t n = strlen(parent);
	while (n > 1 && parent[n - 1] == '/')
		parent[--n] = '\0';
	char *slash = strrchr(parent, '/');
	const char *last = slash ? slash + 1 : parent;
	if (*last == '\0' || strcmp(last, ".") == 0 || strcmp(last, "..") == 0 ||
	    strlen(last) > NAME_MAX)
		return error_set(err, EINVAL, "device path %s: not a file name", path);
	snprintf(name, NAME_MAX + 1, "%s", last);
	if (slash == NULL)
		snprintf(parent, sizeof parent, ".");
	else if (slash == parent)
		snprintf(parent, sizeof parent, "/");
	else
		*slash = '\0';
	if (resolve_mkdir_p(rootfd, parent, 0755, err) < 0)
		return -1;
	return resolve_open(rootfd, parent, O_PATH | O_DIRECTORY, err);
}

static bool node_matches(const struct stat *st, const struct device_entry *d)
{
	mode_t fmt = d->type == 'b' ? S_IFBLK : S_IFCHR;
	return (st->st_mode & S_IFMT) == fmt && (int64_t)major(st->st_rdev) == d->major &&
	       (int64_t)minor(st->st_rdev) == d->minor;
}

/* A node of d's type and numbers in dir (a name there, or one level down). */
static bool find_node_in(const char *dir, const struct device_entry *d, bool descend, char *buf,
			 size_t size)
{
	_cleanup_closedir_ DIR *dp = opendir(dir);
	struct dirent *de;
	while (dp && (de = readdir(dp)) != NULL) {
		struct stat st;
		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(dp), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (node_matches(&st, d)) {
			snprintf(buf, size, "%s/%s", dir, de->d_name);
			return true;
		}
	}
	if (!descend || dp == NULL)
		return false;
	rewinddir(dp);
	while ((de = readdir(dp)) != NULL) {
		char sub[PATH_MAX];
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
		if (find_node_in(sub, d, false, buf, size))
			return true;
	}
	return false;
}

/* The host's node to bind for d: its own path when that is a node of its type and numbers,
 * else one that is, under /dev (a config's /dev/mynull c 1 3 is the host's /dev/null). A fifo
 * has no numbers: its path only. */
static int host_node(const struct device_entry *d, char *buf, size_t size)
{
	struct stat st;
	if (d->type == 'p' || (lstat(d->path, &st) == 0 && node_matches(&st, d))) {
		snprintf(buf, size, "%s", d->path);
		return 0;
	}
	return find_node_in("/dev", d, true, buf, size) ? 0 : -1;
}

/* In a user namespace mknod is not allowed: the host's node is bind-mounted onto a file.
 * srcfd: the node the runtime opened for it, or -1 to look it up here. */
static int bind_device(int rootfd, const struct device_entry *d, int pfd, const char *name,
		       int srcfd, struct error *err)
{
	_cleanup_close_ int own = -1;
	if (srcfd < 0) {
		char host[PATH_MAX];
		if (host_node(d, host, sizeof host) < 0)
			return error_set(
			    err, ENOENT,
			    "device %s: no %c %" PRId64 ":%" PRId64
			    " node on the host to bind (a user namespace may not mknod)",
			    d->path, d->type, d->major, d->minor);
		own = open(host, O_PATH | O_CLOEXEC);
		if (own < 0)
			return error_errno(err, "device %s: open the host's node %s", d->path,
					   host);
		srcfd = own;
	}
	int fd = openat(pfd, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0000);
	if (fd < 0 && errno != EEXIST)
		return error_errno(err, "device %s: create the mount point", d->path);
	if (fd >= 0)
		close(fd);
	_cleanup_close_ int target = resolve_open(rootfd, d->path, O_PATH, err);
	if (target < 0)
		return -1;
	char sbuf[32], tbuf[32];
	if (mount(fd_path(srcfd, sbuf), fd_path(target, tbuf), NULL, MS_BIND, NULL) < 0)
		return error_errno(err, "device %s: bind the host's node", d->path);
	return 0;
}

static int create_device(int rootfd, const struct device_entry *d, bool bind, int srcfd,
			 struct error *err)
{
	char name[NAME_MAX + 1];
	_cleanup_close_ int pfd = open_parent(rootfd, d->path, name, err);
	if (pfd < 0)
		return -1;
	if (bind)
		return bind_device(rootfd, d, pfd, name, srcfd, err);

	mode_t type;
	switch (d->type) {
	case 'c':
	case 'u':
		type = S_IFCHR;
		break;
	case 'b':
		type = S_IFBLK;
		break;
	case 'p':
		type = S_IFIFO;
		break;
	default:
		return error_set(err, EINVAL, "linux.devices: %s: unknown type '%c'", d->path,
				 d->type);
	}
	mode_t perm = d->has_mode ? (d->file_mode & 07777) : 0666;
	/* A later entry for the same path replaces the earlier one (a config's /dev/null over
	 * the default). */
	if (unlinkat(pfd, name, 0) < 0 && errno != ENOENT)
		return error_errno(err, "device %s: remove the old node", d->path);
	dev_t dev = makedev((unsigned)d->major, (unsigned)d->minor);
	if (mknodat(pfd, name, type | perm, type == S_IFIFO ? 0 : dev) < 0)
		return error_errno(err, "device %s: mknod", d->path);
	if (fchownat(pfd, name, d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0,
		     AT_SYMLINK_NOFOLLOW) < 0)
		return error_errno(err, "device %s: chown", d->path);
	return 0;
}

static bool listed(const struct rootfs_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->n_devices; i++)
		if (container_path_eq(cfg->devices[i].path, path))
			return true;
	return false;
}

static int dev_links(int rootfd, struct error *err)
{
	static const char *const links[][2] = {
	    {"fd", "/proc/self/fd"},
	    {"stdin", "/proc/self/fd/0"},
	    {"stdout", "/proc/self/fd/1"},
	    {"stderr", "/proc/self/fd/2"},
	};
	_cleanup_close_ int devfd = resolve_open(rootfd, "/dev", O_PATH | O_DIRECTORY, err);
	if (devfd < 0)
		return -1;
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
		if (symlinkat(links[i][1], devfd, links[i][0]) < 0 && errno != EEXIST)
			return error_errno(err, "symlink /dev/%s", links[i][0]);
	/* Checked on the host before pivot, as runc does: the container's /proc is the same
	 * kernel's. */
	if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", devfd, "core") < 0 &&
	    errno != EEXIST)
		return error_errno(err, "symlink /dev/core");
	/* The devpts instance mounted with newinstance has its own ptmx: /dev/ptmx must lead
	 * there, not to the host's. */
	if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
		return error_errno(err, "remove /dev/ptmx");
	if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
		return error_errno(err, "symlink /dev/ptmx");
	return 0;
}

/* Slot k: the default devices, then linux.devices. */
static const struct device_entry *device_slot(const struct rootfs_config *cfg, size_t k)
{
	if (k < ARRAY_SIZE(default_devices))
		return listed(cfg, default_devices[k].path) ? NULL : &default_devices[k];
	k -= ARRAY_SIZE(default_devices);
	return k < cfg->n_devices ? &cfg->devices[k] : NULL;
}

size_t devices_slots(const struct rootfs_config *cfg)
{
	return ARRAY_SIZE(default_devices) + cfg->n_devices;
}

int device_source_open(const struct rootfs_config *cfg, int initroot, size_t k)
{
	const struct device_entry *d = device_slot(cfg, k);
	char host[PATH_MAX];
	struct error e;
	if (d == NULL || !cfg->new_userns || !devices_needed(cfg) ||
	    host_node(d, host, sizeof host) < 0)
		return -1;
	return resolve_open(initroot, host, O_PATH, &e);
}

int devices_setup(int rootfd, const struct rootfs_config *cfg, const int *fds, struct error *err)
{
	size_t n = devices_slots(cfg);
	for (size_t k = 0; k < n; k++) {
		const struct device_entry *d = device_slot(cfg, k);
		if (d == NULL)
			continue;
		if (create_device(rootfd, d, cfg->new_userns, fds ? fds[k] : -1, err) < 0)
			return k < ARRAY_SIZE(default_devices)
				   ? -1
				   : error_prefix(err, "linux.devices[%zu]",
						  k - ARRAY_SIZE(default_devices));
	}
	return dev_links(rootfd, err);
}
