/* Shared between the rootfs files of namespaces/ (not a cross-layer contract). */
#pragma once
#include <stdbool.h>

#include "namespaces/mount_opts.h"
#include "namespaces/rootfs.h"

struct error;

/* Mounts one config entry inside the rootfs (rootfd: O_PATH of the rootfs bind mount). srcfd:
 * the bind source the runtime opened (rootfs_source_open), or -1 to open m->source here. */
int mount_entry_apply(int rootfd, const struct rootfs_config *cfg, const struct mount_entry *m,
		      int srcfd, struct error *err);
/* rootfs_source_open for a mount entry and for a device slot. */
int mount_source_open(const struct mount_entry *m, int initroot);
size_t devices_slots(const struct rootfs_config *cfg);
int device_source_open(const struct rootfs_config *cfg, int initroot, size_t k);
/* MS_REMOUNT|MS_BIND with flags on path (a /proc/self/fd/N); when the kernel refuses because
 * the mount has locked flags (a mount inherited by a user namespace), retries keeping them. */
int remount_bind(const char *path, const char *what, unsigned long flags, struct error *err);
/* mount(2) of type "cgroup": cgroup2 on a unified host, a tmpfs of v1 hierarchies otherwise. */
int cgroup_mount_apply(int rootfd, const struct rootfs_config *cfg, const struct mount_entry *m,
		       const struct mount_opts *o, struct error *err);
/* True when the config mounts a new file system (not a bind) on /dev. */
bool devices_needed(const struct rootfs_config *cfg);
/* The config's mount on /dev that ends up on top (the last one), or NULL. Its "ro" waits for
 * dev_remount_readonly: the mounts, devices and links under /dev need it writable. */
const struct mount_entry *dev_top_mount(const struct rootfs_config *cfg);
/* After pivot: the read-only remount of /dev when its mount asks for it. */
int dev_remount_readonly(const struct rootfs_config *cfg, struct error *err);
/* Default devices, linux.devices, the /dev links and /dev/ptmx. fds: the device slots of
 * cfg->source_fds, or NULL. */
int devices_setup(int rootfd, const struct rootfs_config *cfg, const int *fds, struct error *err);
/* After pivot: readonly and masked paths. */
int paths_readonly(char *const *paths, struct error *err);
int paths_masked(char *const *paths, struct error *err);
/* Normalized comparison of container paths ("/dev/" == "/dev" == "dev"). */
bool container_path_eq(const char *a, const char *b);
/* tmpcopyup: copies the tree under (the directory a tmpfs now covers, opened before the mount)
 * into mounted (the new tmpfs), keeping modes, owners and symlinks. */
int copy_up(int under, int mounted, struct error *err);
