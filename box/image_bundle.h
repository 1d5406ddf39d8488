/* An image of the store as something an OCI caller can use: a bundle (`berth image bundle`), or
 * its tree mounted read-only on the host (`berth image mount` / `umount`). */
#pragma once
#include <jansson.h>

#include "images/digest.h"
#include "images/image_spec.h"
#include "runtime/context.h"

struct error;

/* The digest of the image NAME names in the store (as given, else as Docker reads it); ENOENT
 * when none. */
int box_image_find(const struct runtime_ctx *ctx, const char *name, char digest[DIGEST_SIZE],
		   struct error *err);

/* The runtime spec of an image: `berth spec`'s default (no terminal, a writable root at
 * "rootfs"), the image config applied with ov (images/image_spec.h), and the annotations that
 * make create mount the image's overlay as the rootfs (images/overlay.h). */
int box_image_spec(const struct runtime_ctx *ctx, const char *name,
		   const struct image_spec_overrides *ov, json_t **spec, struct error *err);

/* Writes DIR/config.json (refusing to replace one) and makes DIR/rootfs, empty: `berth run -b DIR
 * ID` then runs the image, its rootfs an overlay made at create and gone at delete. */
int box_image_bundle(const struct runtime_ctx *ctx, const char *name, const char *dir,
		     struct error *err);

/* The image's tree, read-only, at the host directory dir until box_image_umount(dir). */
int box_image_mount(const struct runtime_ctx *ctx, const char *name, const char *dir,
		    struct error *err);
int box_image_umount(const struct runtime_ctx *ctx, const char *dir, struct error *err);
