#include "namespaces/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/mountinfo.h"
#include "namespaces/mount_opts.h"
#include "namespaces/resolve.h"
#include "namespaces/rootfs_internal.h"

static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n > 0 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* pivot_root refuses a new root whose parent mount is shared, and the mounts made under a
 * shared parent would propagate to the host. A non-recursive or shared rootfsPropagation leaves
 * the parent as the host has it, so a shared one is made private (in this namespace only). The
 * parent may be a mount at the rootfs path itself (an overlay at .../merged). */
static int parent_mount_private(const char *rootfs, struct error *err)
{
	_cleanup_mountinfo_ struct mountinfo mi = {0};
	if (mountinfo_read(&mi, err) < 0)
		return -1;
	const struct mountinfo_entry *best = NULL;
	for (size_t i = 0; i < mi.n; i++) {
		const struct mountinfo_entry *e = &mi.entries[i];
		if (!path_under(rootfs, e->mount_point) ||
		    (best && strlen(e->mount_point) < strlen(best->mount_point)) ||
		    !mountinfo_visible(&mi, e))
			continue;
		best = e;
	}
	if (best && mountinfo_has_tag(best, "shared") &&
	    mount(NULL, best->mount_point, NULL, MS_PRIVATE, NULL) < 0)
		return error_errno(err, "make %s private", best->mount_point);
	return 0;
}

/* Detaches the mount at mp when it is still the one with that id (not gone with a parent,
 * not covered by another mount: a covered one is not fully visible anyway), or covers it
 * with an empty tmpfs where it cannot be detached (a mount locked by a user namespace). */
static int hide_mount(int id, const char *mp, struct error *err)
{
	struct statx stx;
	if (statx(AT_FDCWD, mp, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0 ||
	    !(stx.stx_mask & STATX_MNT_ID) || stx.stx_mnt_id != (uint64_t)id)
		return 0;
	/* Slave first, so that the detach does not propagate to the host. */
	if (mount(NULL, mp, NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return error_errno(err, "--no-pivot: make the host's %s rslave", mp);
	if (umount2(mp, MNT_DETACH) == 0)
		return 0;
	if (errno != EINVAL && errno != EPERM)
		return error_errno(err, "--no-pivot: detach the host's %s", mp);
	if (mount("tmpfs", mp, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") < 0)
		return error_errno(err, "--no-pivot: cover the host's %s", mp);
	return 0;
}

/* With --no-pivot the host's mounts stay in this namespace: out of reach of paths, but seen by
 * the kernel. While a fully visible proc or sysfs is among them, a process of the container
 * that makes its own user and mount namespace may mount a fresh, unmasked one (the host's
 * /proc/sys, /proc/sysrq-trigger). So every full proc and sysfs mount outside the rootfs goes
 * away first, as in runc's msMoveRoot. */
static int hide_host_pseudo_fs(const char *rootfs, struct error *err)
{
	/* Read whole before any of them goes: the file changes under the reader. */
	_cleanup_mountinfo_ struct mountinfo mi = {0};
	if (mountinfo_read(&mi, err) < 0)
		return error_prefix(err, "--no-pivot: the host's mounts");
	for (size_t i = 0; i < mi.n; i++) {
		const struct mountinfo_entry *e = &mi.entries[i];
		if (strcmp(e->root, "/") != 0 ||
		    (strcmp(e->fstype, "proc") != 0 && strcmp(e->fstype, "sysfs") != 0) ||
		    path_under(e->mount_point, rootfs))
			continue;
		if (hide_mount(e->id, e->mount_point, err) < 0)
			return -1;
	}
	return 0;
}

bool rootfs_is_host_root(const struct rootfs_config *cfg)
{
	return strcmp(cfg->rootfs, "/") == 0;
}

/* linux.rootfsPropagation as mount flags; rslave when it is not set. 0 for an unknown word. */
static unsigned long root_propagation(const struct rootfs_config *cfg)
{
	if (cfg->propagation && cfg->propagation[0])
		return mount_propagation_flags(cfg->propagation);
	return MS_SLAVE | MS_REC;
}

/* The kernel refuses to bind from an unbindable mount, so until the last bind is made (the
 * rootfs onto itself, readonly and masked paths) an unbindable propagation is its private
 * equivalent; rootfs_finish applies the rest to the new root. */
static unsigned long setup_propagation(unsigned long prop)
{
	if (prop & MS_UNBINDABLE)
		return (prop & ~MS_UNBINDABLE) | MS_PRIVATE;
	return prop;
}

size_t rootfs_source_slots(const struct rootfs_config *cfg)
{
	return cfg->n_mounts + devices_slots(cfg);
}

int rootfs_source_open(const struct rootfs_config *cfg, int initroot, size_t i)
{
	if (i < cfg->n_mounts)
		return mount_source_open(&cfg->mounts[i], initroot);
	return device_source_open(cfg, initroot, i - cfg->n_mounts);
}

static int source_fd(const struct rootfs_config *cfg, size_t i)
{
	return i < cfg->n_source_fds ? cfg->source_fds[i] : -1;
}

static int setup(const struct rootfs_config *cfg, struct error *err)
{
	/* The host's mount table: the config has nothing to mount (spec_check_mount_namespace). */
	if (!cfg->own_mntns)
		return 0;
	unsigned long prop = root_propagation(cfg);
	if (prop == 0)
		return error_set(err, EINVAL, "linux.rootfsPropagation: unknown value %s",
				 cfg->propagation);
	/* Nothing mounted from here on may reach the host's mount namespace. */
	prop = setup_propagation(prop);
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return error_errno(err, "set the propagation of /");
	/* After a recursive slave or private (the default) no mount is shared any more: the
	 * mountinfo walk is needed only after a non-recursive or shared propagation. */
	bool may_be_shared = (prop & MS_SHARED) || !(prop & MS_REC);
	if (may_be_shared && !rootfs_is_host_root(cfg) &&
	    parent_mount_private(cfg->rootfs, err) < 0)
		return -1;
	/* pivot_root needs the new root to be a mount point. The host's own root (berth box
	 * --host) is used as it is: no copy, no pivot, only this namespace's mounts on top. */
	if (cfg->has_root_mount) {
		/* After the propagation above: the directory may be on a shared mount of the
		 * host, and the overlay must not appear in its peers. */
		if (move_mount(cfg->root_mount_fd, "", AT_FDCWD, cfg->rootfs,
			       MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return error_errno(err, "attach the image's overlay at %s", cfg->rootfs);
	} else if (!rootfs_is_host_root(cfg) &&
		   mount(cfg->rootfs, cfg->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) {
		return error_errno(err, "bind the rootfs %s onto itself", cfg->rootfs);
	}
	_cleanup_close_ int rootfd = open(cfg->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return error_errno(err, "open the rootfs %s", cfg->rootfs);

	/* Modes in the config and of default devices are meant literally. */
	mode_t old = umask(0);
	int r = 0;
	for (size_t i = 0; r == 0 && i < cfg->n_mounts; i++)
		r = mount_entry_apply(rootfd, cfg, &cfg->mounts[i], source_fd(cfg, i), err);
	const int *dev_fds =
	    cfg->n_source_fds > cfg->n_mounts ? cfg->source_fds + cfg->n_mounts : NULL;
	if (r == 0 && devices_needed(cfg))
		r = devices_setup(rootfd, cfg, dev_fds, err);
	umask(old);
	return r;
}

int rootfs_setup(const struct rootfs_config *cfg, struct error *err)
{
	int r = setup(cfg, err);
	if (cfg->has_root_mount)
		close(cfg->root_mount_fd);
	/* Host objects: none may stay open into the container, whatever --preserve-fds
	 * leaves inheritable. */
	for (size_t i = 0; i < cfg->n_source_fds; i++)
		if (cfg->source_fds[i] >= 0) {
			close(cfg->source_fds[i]);
			cfg->source_fds[i] = -1;
		}
	return r;
}

int rootfs_pivot(const struct rootfs_config *cfg, struct error *err)
{
	if (rootfs_is_host_root(cfg))
		return chdir("/") < 0 ? error_errno(err, "chdir /") : 0;
	_cleanup_close_ int newroot = open(cfg->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (newroot < 0)
		return error_errno(err, "open the rootfs %s", cfg->rootfs);
	if (fchdir(newroot) < 0)
		return error_errno(err, "chdir to the rootfs %s", cfg->rootfs);
	if (!cfg->own_mntns) {
		if (chroot(".") < 0)
			return error_errno(err, "chroot into the rootfs %s", cfg->rootfs);
		return chdir("/") < 0 ? error_errno(err, "chdir /") : 0;
	}

	if (cfg->no_pivot) {
		/* --no-pivot (a ramfs root cannot pivot): move the rootfs over / and chroot. */
		if (hide_host_pseudo_fs(cfg->rootfs, err) < 0)
			return -1;
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			return error_errno(err, "move the rootfs onto /");
		if (chroot(".") < 0)
			return error_errno(err, "chroot into the rootfs");
	} else {
		_cleanup_close_ int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
		if (oldroot < 0)
			return error_errno(err, "open /");
		/* pivot_root(".", "."): the old root ends up stacked on top of the new one, so
		 * no directory inside the rootfs is needed to hold it. */
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			return error_errno(err, "pivot_root into %s", cfg->rootfs);
		if (fchdir(oldroot) < 0)
			return error_errno(err, "chdir to the old root");
		/* Slave first, so that the detach below does not propagate to the host. */
		if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
			return error_errno(err, "make the old root rslave");
		if (umount2(".", MNT_DETACH) < 0)
			return error_errno(err, "detach the old root");
	}
	if (chdir("/") < 0)
		return error_errno(err, "chdir /");
	/* The parent was made private for pivot_root, so the new root starts private: a shared
	 * rootfsPropagation is applied to it now, as its own peer group in this namespace. */
	unsigned long prop = root_propagation(cfg);
	if ((prop & MS_SHARED) && mount(NULL, "/", NULL, prop, NULL) < 0)
		return error_errno(err, "linux.rootfsPropagation: make / %s", cfg->propagation);
	return 0;
}

int rootfs_finish(const struct rootfs_config *cfg, struct error *err)
{
	if (paths_readonly(cfg->readonly_paths, err) < 0 ||
	    paths_masked(cfg->masked_paths, err) < 0 || dev_remount_readonly(cfg, err) < 0)
		return -1;
	/* Last, since readonly and masked paths are binds from mounts it makes unbindable. */
	unsigned long prop = root_propagation(cfg);
	if ((prop & MS_UNBINDABLE) && mount(NULL, "/", NULL, prop, NULL) < 0)
		return error_errno(err, "linux.rootfsPropagation: make / %s", cfg->propagation);
	if (cfg->readonly && remount_bind("/", "/", MS_RDONLY, err) < 0)
		return error_prefix(err, "read-only root");
	return 0;
}
