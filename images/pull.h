/* An image from a registry into the store, in one pass over its bytes.
 *
 * The manifest is fetched (an index or a list resolved to one platform) and its digest checked:
 * against the reference's digest, else against the registry's Docker-Content-Digest. Then the
 * config and the layers are fetched, PULL_JOBS at a time, each into the store's blob writer and
 * at the same time through a pipe into a thread that unpacks it (store_layer_unpack), so no
 * layer is ever read twice. A blob and layer the store has are not fetched. Last, the manifest
 * is stored and the name tagged: a pull that fails at any point leaves no index entry.
 *
 * Resume: a transfer that breaks (network, registry gone, kill -9) leaves STORE/tmp/HEX.partial;
 * the next pull of that blob sends its bytes through the unpacker first and asks the registry
 * for the rest with a Range request. A digest mismatch or a local failure (disk full) removes
 * the partial instead.
 *
 * A layer is never named in the store before its blob is verified: the last PULL_HOLD bytes of
 * each blob reach the unpacker only after blob_writer_commit succeeded, so the unpacker cannot
 * reach the end of its stream (and rename its directory into layers/) first; on failure it is
 * fed bytes that are not a tar stream, so it fails too and removes its directory. */
#pragma once
#include <stdint.h>
#include <stdbool.h>

#include "images/digest.h"

struct error;
struct reference;
struct store;

#define PULL_JOBS 3
#define PULL_HOLD (64 << 10)

struct pull_opts {
	const char *platform; /* "os/arch[/variant]"; NULL: this host's */
	bool no_tls_verify;   /* --tls-verify=false (registry.h) */
	bool progress;	      /* draw progress on stderr (a terminal) */
	int64_t
	    max_layer_bytes; /* a layer's files may add up to this (tar bombs); 0: the default */
};

/* Pulls ref into s (which the caller holds in STORE_SHARED); digest: the image's manifest. */
int pull_image(struct store *s, const struct reference *ref, const struct pull_opts *o,
	       char digest[DIGEST_SIZE], struct error *err);
