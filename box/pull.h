/* berth pull: the shell face's client of images/pull.h. */
#pragma once
#include <stdbool.h>

#include "images/digest.h"

struct error;
struct runtime_ctx;

struct box_pull_opts {
	const char *platform;	  /* --platform os/arch[/variant] */
	bool no_tls_verify;	  /* --tls-verify=false */
	bool quiet;		  /* -q: no progress even on a terminal */
	long long max_layer_size; /* --max-layer-size; 0: the default */
};

/* Pulls ref into ctx->store; digest: the manifest's, as the store indexes it. */
int box_pull(const struct runtime_ctx *ctx, const char *ref, const struct box_pull_opts *o,
	     char digest[DIGEST_SIZE], struct error *err);
