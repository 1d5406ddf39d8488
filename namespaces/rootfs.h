/* The container's file system: mounts, /dev, pivot_root, masked and readonly paths.
 * Every path inside the rootfs is resolved fd-relative (namespaces/resolve.h). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "namespaces/namespaces.h"

struct error;

struct mount_entry {
	char *destination; /* absolute, inside the container */
	char *type;	   /* NULL: a bind mount if the options say so */
	char *source;
	char **options;					/* NULL-terminated */
	struct id_mapping *uid_mappings, *gid_mappings; /* idmapped mounts */
	size_t n_uid_mappings, n_gid_mappings;
};

struct device_entry {
	char *path; /* inside the container */
	char type;  /* 'c', 'b', 'u', 'p' */
	int64_t major, minor;
	bool has_mode, has_uid, has_gid;
	uint32_t file_mode, uid, gid;
};

struct rootfs_config {
	const char *rootfs; /* absolute host path of root.path */
	bool readonly;
	const char *propagation; /* rootfsPropagation or NULL */
	const struct mount_entry *mounts;
	size_t n_mounts;
	const struct device_entry *devices;
	size_t n_devices;
	char *const *masked_paths;
	char *const *readonly_paths;
	bool no_pivot;
	bool own_mntns;	 /* false: the caller's mount namespace, only chrooted (nothing mounted) */
	bool new_userns; /* devices are bind-mounted from the host instead of mknod */
	bool new_cgroupns; /* cgroup mounts show the namespace root */
	const char
	    *cgroup_path; /* the container's cgroup (for cgroup v1 bind mounts without cgroupns) */
	const char *mount_label;
	/* An image's rootfs (images/overlay.h): a detached mount the runtime made, attached at
	 * rootfs inside the new mount namespace instead of the bind of rootfs onto itself, so
	 * that the host's mount table never holds it. init closes it in rootfs_setup. */
	bool has_root_mount;
	int root_mount_fd;
	/* With a new user namespace: what the runtime opened for each source slot (see
	 * rootfs_source_open), handed to init; -1 where init opens the source itself. init
	 * closes them all at the end of rootfs_setup. */
	int *source_fds;
	size_t n_source_fds;
};

/* Inside the new mount namespace, before pivot: propagation, rootfs bind, every mount, /dev
 * (default devices, linux.devices, links, /dev/pts/ptmx, /dev/console placeholder). */
int rootfs_setup(const struct rootfs_config *cfg, struct error *err);
/* init in a new user namespace runs as the mapped ids and cannot reach a host path below a
 * directory that only the host's root may search. The runtime opens the bind sources and the
 * device nodes to bind for it, one slot each: the mounts, then the default devices, then
 * linux.devices. */
size_t rootfs_source_slots(const struct rootfs_config *cfg);
/* Opens what slot i binds, O_PATH, with the caller's credentials but in init's mount namespace
 * (initroot: its /proc/PID/root, before pivot), so that init can bind it and the host's locked
 * mount flags stay locked. -1 when there is nothing to open, or it could not be opened here:
 * init then tries itself and reports the error. */
int rootfs_source_open(const struct rootfs_config *cfg, int initroot, size_t i);
/* root.path is the host's "/" (berth box --host): the mount namespace keeps the host's tree as
 * its root; only the spec's mounts are added, in the namespace (nothing reaches the host). */
bool rootfs_is_host_root(const struct rootfs_config *cfg);
/* pivot_root into the rootfs and detach the old root (chroot-like move with no_pivot; a plain
 * chroot without a mount namespace of its own). */
int rootfs_pivot(const struct rootfs_config *cfg, struct error *err);
/* After pivot: masked paths, readonly paths, an unbindable rootfsPropagation, then the read-only
 * remount of / when asked. */
int rootfs_finish(const struct rootfs_config *cfg, struct error *err);

/* Applies linux.sysctl after pivot (the container's /proc/sys). Rejects keys that are not
 * namespaced, or net.* without a network namespace, with an error naming the key. */
int sysctl_apply(char *const *keys, char *const *values, bool own_netns, bool own_ipcns,
		 bool own_utsns, struct error *err);
/* Validation only, in the parent, so a bad key fails create before anything starts. */
int sysctl_validate(char *const *keys, bool own_netns, bool own_ipcns, bool own_utsns,
		    struct error *err);
