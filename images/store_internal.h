/* What the store's files share and nothing outside images/store*.c uses. */
#pragma once
#include <stdbool.h>

struct error;

#include "images/store.h"

#define STORE_BLOBS	 "blobs/sha256"
#define STORE_LAYERS	 "layers"
#define STORE_TMP	 "tmp"
#define STORE_CONTAINERS "containers"
#define STORE_NAME_MAX	 160

/* flock(2), retrying EINTR. */
int store_flock(int fd, int op);
/* "blobs/sha256/HEX"; -1 when digest is not valid. */
int store_blob_name(const char *digest, char out[STORE_NAME_MAX]);
/* "tmp/PREFIX-" and 16 random hex digits. */
int store_tmp_name(const char *prefix, char out[STORE_NAME_MAX]);
/* A new directory STORE/tmp/PREFIX-..., its name in name; returns its fd, flock'ed (so no sweep
 * takes it), or -1. */
int store_tmp_dir(struct store *s, const char *prefix, char name[STORE_NAME_MAX],
		  struct error *err);
/* True when name (under the store) is still the file fd has open. */
bool store_still_named(struct store *s, const char *name, int fd);
/* Names in the index whose value is not a digest (strv); removed from it with repair. */
int store_index_bad_names(struct store *s, bool repair, char ***names, struct error *err);
