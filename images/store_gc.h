/* Removing from the store, and verifying it: what rmi, prune and fsck do. The caller holds the
 * store's lock EXCLUSIVE, so nothing is added while references are counted.
 *
 * A blob or layer is referenced when an image name (the index) or a container (the manifest
 * digest in STORE/containers/ID/image) leads to it: the manifest, its config, its layers. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "images/digest.h"

struct error;
struct store;

/* IDs of the containers whose image is manifest_digest, as a JSON array of strings. */
json_t *store_containers_using(struct store *s, const char *manifest_digest, struct error *err);

/* Removes unreferenced blobs and layers: all of them (only == NULL), or only those among the
 * manifest only names (its own blob, config and layers). Appends each removed digest to deleted
 * ("blob sha256:..." / "layer sha256:...") and adds the bytes freed to *bytes. Unlocked debris
 * in STORE/tmp (a killed unpack or export) goes too; resumable partial blobs stay. */
int store_gc(struct store *s, const char *only, json_t *deleted, int64_t *bytes, struct error *err);

/* After a failed import: what it added and nothing references goes, when no other command holds
 * the store (the lock taken EXCLUSIVE without waiting); else it stays for prune. The caller holds
 * the lock SHARED, and may hold nothing after. */
void store_gc_after_failure(struct store *s);

/* Verifies every blob's digest, every name's manifest, config and unpacked layers, and reports
 * debris in tmp/. Appends one line per problem to problems; with repair, removes corrupt blobs
 * and debris, and finishes or removes partial downloads (a name whose content is missing stays: a
 * pull or import brings it back). */
int store_fsck(struct store *s, bool repair, json_t *problems, struct error *err);
