/* The image commands' client side: berth image import/export/ls/inspect/rm/prune/fsck. Each one
 * opens the store (ctx->store), takes its lock in the mode the work needs (SHARED to add or read,
 * EXCLUSIVE to remove) and calls images/; cli/cmd_image.c parses and prints. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "images/digest.h"
#include "runtime/context.h"

struct error;

struct box_import_opts {
	const char *name;	/* NULL: the names the archive gives */
	const char *platform;	/* NULL: the host's */
	int64_t max_layer_size; /* bytes of one layer's entries; 0: the unpacker's default */
};

/* Imports PATH; prints nothing, returns the images as [{"name": ..., "digest": ...}]. */
json_t *box_image_import(const struct runtime_ctx *ctx, const char *path,
			 const struct box_import_opts *o, struct error *err);
int box_image_export(const struct runtime_ctx *ctx, const char *name, const char *file,
		     struct error *err);

/* One row per name: [{"name", "tag", "digest", "size", "created"}], sorted by name. */
json_t *box_image_list(const struct runtime_ctx *ctx, struct error *err);
/* {"names", "digest", "mediaType", "config": {"digest", ...the image config}, "layers": [...],
 * "size", "created", "os", "architecture"}. */
json_t *box_image_inspect(const struct runtime_ctx *ctx, const char *name, struct error *err);

/* rmi NAME: untags it, then removes the blobs and layers no other name or container uses. A name
 * that is a digest (or its prefix) removes every name of that image. An image a container uses
 * is refused, as podman refuses it, unless force (then only its names go). Returns what was
 * untagged and removed: {"untagged": [...], "deleted": [...]}. */
json_t *box_image_remove(const struct runtime_ctx *ctx, const char *name, bool force,
			 struct error *err);
/* Removes the blobs and layers that no image name and no container references: {"deleted":
 * [...], "bytes": N}. */
json_t *box_image_prune(const struct runtime_ctx *ctx, struct error *err);
/* Verifies the store: {"ok": bool, "problems": [...]} (see store_fsck). */
json_t *box_image_fsck(const struct runtime_ctx *ctx, bool repair, struct error *err);
