/* An image as the store knows it: its manifest (OCI or Docker schema2), its config and its layers;
 * and the choice of one manifest from an OCI index or a Docker manifest list. */
#pragma once
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "images/digest.h"

struct error;
struct store;

#define MT_OCI_INDEX	   "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST	   "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG	   "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER	   "application/vnd.oci.image.layer.v1.tar"
#define MT_OCI_LAYER_GZIP  "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_OCI_LAYER_ZSTD  "application/vnd.oci.image.layer.v1.tar+zstd"
#define MT_DOCKER_LIST	   "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_CONFIG   "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER	   "application/vnd.docker.image.rootfs.diff.tar.gzip"

struct image_layer {
	char digest[DIGEST_SIZE]; /* the blob's, as the manifest names it */
	char *media_type;
	int64_t size;
};

struct image {
	char digest[DIGEST_SIZE];	 /* the manifest's */
	char config_digest[DIGEST_SIZE]; /* "" until known */
	char *media_type;		 /* the manifest's */
	struct image_layer *layers;	 /* bottom first */
	size_t n_layers;
	json_t *config; /* the image config, parsed; NULL until loaded */
	int64_t size;	/* config and layer blobs, compressed */
	char *created;	/* the config's "created", or NULL */
	char *os, *arch, *variant;
};

/* Parses manifest bytes (OCI or Docker schema2; an index or a list is refused here). Checks every
 * digest and media type; img->digest is computed from buf. */
int image_manifest_parse(const char *buf, size_t len, struct image *img, struct error *err);
/* Parses config bytes into img->config and the fields taken from it. */
int image_config_parse(struct image *img, const char *buf, size_t len, struct error *err);
/* Manifest and config read from the store (each blob's digest verified). */
int image_load(struct store *s, const char *manifest_digest, struct image *img, struct error *err);
void image_free(struct image *img);

/* True for an OCI index or a Docker manifest list. */
int image_is_index(const char *media_type);
/* From an index or list: the manifest for platform ("os/arch[/variant]"; NULL: this host's, e.g.
 * "linux/amd64"). Error "no manifest for linux/arm64 in ..." lists what there is. */
int image_index_pick(const char *buf, size_t len, const char *platform, char digest[DIGEST_SIZE],
		     char **media_type, struct error *err);
/* This host's platform, "linux/amd64" style (Go's GOARCH names). */
const char *image_host_platform(void);
