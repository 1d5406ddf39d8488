/* The store is opened and held shared for the whole pull, so rmi and prune (exclusive) wait for
 * it and never remove what it is adding. */
#include "box/pull.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "images/pull.h"
#include "images/reference.h"
#include "images/store.h"
#include "lib/error.h"
#include "runtime/context.h"

int box_pull(const struct runtime_ctx *ctx, const char *refs, const struct box_pull_opts *o,
	     char digest[DIGEST_SIZE], struct error *err)
{
	struct reference ref;
	if (reference_parse(refs, &ref, err) < 0)
		return -1;
	struct store s;
	if (store_open(&s, ctx->store, err) < 0) {
		reference_free(&ref);
		return -1;
	}
	int rc = store_lock(&s, STORE_SHARED, err);
	if (rc == 0) {
		struct pull_opts po = {.platform = o->platform,
				       .no_tls_verify = o->no_tls_verify,
				       .progress = !o->quiet && isatty(STDERR_FILENO),
				       .max_layer_bytes = o->max_layer_size};
		rc = pull_image(&s, &ref, &po, digest, err);
		store_unlock(&s);
	}
	store_close(&s);
	reference_free(&ref);
	return rc;
}
