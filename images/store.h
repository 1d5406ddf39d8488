/* The image store (STORE: --store, $BERTH_STORE, else /var/lib/berth), safe under concurrent
 * commands and kill -9 at any point, with file locks and no daemon:
 *
 *   STORE/blobs/sha256/HEX     every blob (manifest, config, layer), verified before it is named
 *   STORE/layers/HEX/          a layer blob unpacked once: the tree itself, an overlay lower dir
 *   STORE/tmp/                 partial downloads (HEX.partial, resumable) and unpacks in progress;
 *                              whatever is here and not locked is debris of a crash
 *   STORE/index.json           image names -> manifest digests
 *   STORE/containers/ID/       what a container made of an image holds (images/overlay.h)
 *   STORE/lock                 flock: SHARED while a command adds or uses content, EXCLUSIVE while
 *                              one removes (rmi, prune, fsck --repair)
 *
 * Everything is named by digest and appears by rename(2), so a reader never sees half a blob or
 * half a layer, and two writers of one blob both succeed. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "images/digest.h"

struct error;
struct unpack_limits;

struct store {
	int dirfd;  /* STORE, O_DIRECTORY */
	char *root; /* its path */
	int lock_fd;
};

/* Opens STORE, making its layout when missing (mode 0700). */
int store_open(struct store *s, const char *root, struct error *err);
void store_close(struct store *s);

enum store_lock_mode { STORE_SHARED, STORE_EXCLUSIVE };
/* Blocks until STORE/lock is held in mode (taking it again changes the mode). */
int store_lock(struct store *s, enum store_lock_mode mode, struct error *err);
void store_unlock(struct store *s);

/* Blobs. A digest is checked by digest_valid before it names a file. */
bool store_blob_exists(struct store *s, const char *digest);
/* O_RDONLY|O_CLOEXEC; ENOENT "blob sha256:... is not in the store". */
int store_blob_open(struct store *s, const char *digest, struct error *err);
/* A small blob (manifest, config, index) read whole, its digest checked; at most max bytes.
 * A blob whose bytes do not match its digest is refused (EIO) and removed from the store. */
int store_blob_read(struct store *s, const char *digest, size_t max, char **buf, size_t *len,
		    struct error *err);
/* A small blob from memory; its digest returned. */
int store_blob_put(struct store *s, const void *buf, size_t len, char digest[DIGEST_SIZE],
		   struct error *err);

/* A blob written as it streams: hashed while written to STORE/tmp, renamed into blobs/ when it is
 * complete and its digest (and size, when given) match. With an expected digest the partial file
 * is STORE/tmp/HEX.partial, kept by abort(keep_partial) so a later writer resumes from its
 * offset; a second writer of the same digest at the same time waits for the first (a lock on the
 * partial file). */
struct blob_writer;
int blob_writer_open(struct store *s, const char *expect_digest, int64_t expect_size,
		     struct blob_writer **w, struct error *err);
/* Bytes already in the partial file: the caller resumes the download from here. */
int64_t blob_writer_offset(const struct blob_writer *w);
/* True when the blob was already in the store, or another writer finished it while this one
 * waited: nothing needs to be written (writes are ignored, offset is expect_size) and commit
 * only returns the digest. */
bool blob_writer_present(const struct blob_writer *w);
int blob_writer_write(struct blob_writer *w, const void *buf, size_t len, struct error *err);
/* Verifies and renames into place, then frees w. A mismatch removes the bytes and says
 * "digest mismatch: expected sha256:A, got sha256:B". */
int blob_writer_commit(struct blob_writer *w, char digest[DIGEST_SIZE], struct error *err);
/* Frees w; the partial file is kept for a resume or removed. */
void blob_writer_abort(struct blob_writer *w, bool keep_partial);

/* Layers, unpacked once, named by their blob's digest. */
bool store_layer_exists(struct store *s, const char *blob_digest);
/* STORE/layers/HEX, malloc'd. */
char *store_layer_path(const struct store *s, const char *blob_digest);
/* Unpacks src_fd (a file or a pipe, read once from its offset) into a directory under STORE/tmp,
 * then renames it to layers/HEX. A layer already there is kept and src_fd is drained unread.
 * Two unpackers of one layer at once both succeed (the second's tree is discarded). So layers/HEX
 * exists only complete: it appears by one rename and leaves by one (store_layer_remove). */
int store_layer_unpack(struct store *s, const char *blob_digest, int src_fd,
		       const struct unpack_limits *lim, struct error *err);

/* The index. name is a full reference ("docker.io/library/busybox:latest", or a local name as
 * given to import). */
int store_tag(struct store *s, const char *name, const char *manifest_digest, struct error *err);
int store_untag(struct store *s, const char *name, struct error *err);
/* name, "sha256:HEX", or a unique prefix of at least 12 hex digits of a manifest digest ->
 * manifest digest; a name with no tag or digest also tries NAME:latest. ENOENT "image NAME is
 * not in the store"; EINVAL when a prefix matches two digests. No normalisation of registry
 * short names here: the caller passes the full reference it tagged with. */
int store_resolve(struct store *s, const char *name, char digest[DIGEST_SIZE], struct error *err);
struct store_tag {
	char *name;
	char digest[DIGEST_SIZE];
};
/* Every name in the index, sorted by name. */
int store_tags(struct store *s, struct store_tag **tags, size_t *n, struct error *err);
void store_tags_free(struct store_tag *tags, size_t n);

/* Removal, and what it decides from (rmi, prune and fsck themselves: images/store_gc.h). The
 * caller holds STORE_EXCLUSIVE; a command that uses content holds STORE_SHARED while it does. */

/* Whatever in STORE/tmp no live process holds (every file or directory there is flock'ed by its
 * maker while in use): temporary layer trees and anonymous blobs of a killed command are
 * removed; a partial download is kept for a resume unless partials is true (or it is a week
 * old), in which case it is renamed into blobs/ when it already holds its whole blob, and
 * removed otherwise. store_open runs it with partials false. res may be NULL. */
struct store_gc_result {
	size_t removed, finished, kept, busy;
};
int store_gc_tmp(struct store *s, bool partials, struct store_gc_result *res, struct error *err);
/* Missing is success. */
int store_blob_remove(struct store *s, const char *digest, struct error *err);
/* Moved out of layers/ by one rename, then deleted (remove_tree_at). Missing is success. */
int store_layer_remove(struct store *s, const char *blob_digest, struct error *err);
/* NULL-terminated vectors of "sha256:HEX" (lib/strv.h, strv_free): every blob in blobs/, every
 * unpacked layer in layers/ (named by its blob's digest). Stray names are left to store_fsck. */
int store_blobs(struct store *s, char ***digests, struct error *err);
int store_layers(struct store *s, char ***digests, struct error *err);
/* The manifest digests that containers use: STORE/containers/ID/image holds one manifest digest
 * line (images/overlay.h writes it before it mounts); a containers/ID without that file, or with
 * it empty, uses nothing. A file that does not hold a digest is an error, never "nothing" (store_gc
 * keeps everything such an image holds, images/store_gc.h). */
int store_images_in_use(struct store *s, char ***manifests, struct error *err);
