/* The rootfs of a container made from an image: an overlayfs of the image's layers
 * (STORE/layers/HEX, read-only, shared by every container of every image that has them) with an
 * upper and a work dir of the container's own:
 *
 *   STORE/containers/ID/image   the manifest digest: rmi and prune never remove a layer that a
 *                               directory here names (store_layers_in_use)
 *   STORE/containers/ID/upper   the container's writes (absent with a read-only rootfs)
 *   STORE/containers/ID/work    overlayfs's scratch dir
 *   STORE/containers/ID/l/N     on kernels without "lowerdir+": short names for the layers
 *   STORE/containers/ID/m       there, the child's mount point (empty on the host)
 *
 * The mount is made with the new mount API and left detached: the caller attaches it where it
 * belongs (the runtime inside the container's mount namespace, so the host's mount table never
 * holds it and it goes with that namespace). Kernels with "lowerdir+" (6.8+) take one layer per
 * fsconfig call and have no limit on the number of layers; older ones take one "lowerdir" option,
 * which fsconfig limits to 255 bytes and mount(2) to a page with the other options, so the layers
 * are named there by short symlinks relative to STORE/containers/ID/l (200 layers fit in under
 * 1 KiB) and the overlay is mounted with mount(2) on STORE/containers/ID/m by a child in a mount
 * namespace of its own, which clones it detached (open_tree) and sends it back.
 *
 * The upper is mounted "volatile" (Linux 5.10+): without it, the kernel syncs the whole file system
 * under the upper when the container's mount namespace goes, 14-24 ms of every container's exit
 * on this host (ovl_sync_fs: a journal commit and a cache flush), for writes that delete throws
 * away anyway. After a host crash a volatile upper cannot be mounted again; none ever is. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct error;
struct store;

/* The annotations that make a bundle's rootfs an image's (berth image bundle writes them):
 * the manifest digest, and the store (absent: the runtime's). */
#define OVERLAY_ANNOTATION_IMAGE "org.berth.image"
#define OVERLAY_ANNOTATION_STORE "org.berth.store"

/* The container's record kind: `overlay STORE ID` (runtime/teardown.c). */
#define OVERLAY_RECORD_KIND "overlay"

struct overlay_rootfs {
	const char *store; /* absolute */
	const char *name;  /* the directory under STORE/containers: a container ID */
	const char *image; /* the manifest digest */
	bool readonly;	   /* no upper: the rootfs refuses writes */
};

/* Makes STORE/containers/NAME/ and returns the overlay as a detached mount (an fd, close-on-exec),
 * with the store's shared lock held meanwhile. The caller records `overlay STORE NAME` before:
 * everything made here is under that directory. EEXIST, with nothing made, when the directory
 * exists already (another container of that name, perhaps under another state root). */
int overlay_mount(const struct overlay_rootfs *o, struct error *err);

/* The teardown's remover of `overlay STORE NAME`: removes STORE/containers/NAME/ (its upper with
 * whatever the container wrote). Gone already counts as done. */
int overlay_remove_held(int argc, char *const *argv, struct error *err);

/* `berth image mount`: a read-only overlay of the image attached at the host directory dir,
 * named in the store (STORE/containers/@mount-HASH, HASH of dir's real path, with the file
 * "target"), so that rmi keeps its layers and overlay_detach finds it. */
int overlay_attach(const char *store, const char *image, const char *dir, struct error *err);
/* `berth image umount`: detaches what overlay_attach attached at dir and removes its directory
 * in the store. A mount that is busy stays (EBUSY); one already gone only loses its directory. */
int overlay_detach(const char *store, const char *dir, struct error *err);

/* A file of the image's merged tree, read from its layers (digests, bottom first) top down with
 * overlayfs's rules (a whiteout hides, an opaque directory hides what is below), without a
 * mount: box's user names come from the image's /etc/passwd. 1 read (*out malloc'd), 0 the image
 * has no such regular file. Symlinks on the way are not followed. */
int overlay_read_file(struct store *s, const char *const *layers, size_t n, const char *path,
		      size_t max, char **out, struct error *err);
