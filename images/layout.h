/* Images in and out of files, without a registry: an OCI image layout (a directory, or a tar of
 * one, as `skopeo copy oci:`/`oci-archive:` and `podman save --format oci-archive` write) and a
 * `docker save` / `podman save` archive (manifest.json naming a config and layer tars) imported
 * into the store; an image exported as an OCI layout tar that podman, skopeo and Docker load.
 *
 * The caller holds the store's lock (SHARED): import only adds content, and adds it the way the
 * store does for a pull (every blob verified through a blob_writer, each layer unpacked once),
 * so a crash at any point leaves nothing a second import or `berth image fsck` cannot handle. */
#pragma once
#include <stddef.h>

#include "images/digest.h"

struct error;
struct store;
struct unpack_limits;

struct layout_import_opts {
	/* The name to tag the image with; PATH must then hold exactly one image. NULL: the names
	 * PATH gives (org.opencontainers.image.ref.name, or docker's RepoTags). */
	const char *name;
	const char *platform; /* from an index: "os/arch[/variant]"; NULL: this host's */
	const struct unpack_limits *limits;
};

struct layout_image {
	char digest[DIGEST_SIZE]; /* the manifest's */
	char *name;		  /* as tagged */
};

/* Imports every image PATH holds (a directory or a tar, plain or gzip/zstd-compressed) and tags
 * it; *out lists them. */
int layout_import(struct store *s, const char *path, const struct layout_import_opts *o,
		  struct layout_image **out, size_t *n, struct error *err);
void layout_images_free(struct layout_image *v, size_t n);

/* Writes the image manifest_digest as an OCI layout tar at file (replaced atomically: a failed
 * export leaves no file), its index naming it ref_name (NULL: no name). */
int layout_export(struct store *s, const char *manifest_digest, const char *ref_name,
		  const char *file, struct error *err);
