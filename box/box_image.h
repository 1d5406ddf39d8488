/* The spec of `berth box IMAGE`: the image found in the store (pulled when missing, or always, as
 * --pull says), its config applied by Docker's rules with box's flags on top. box/box.c adds the
 * cgroup, limits and its own annotations. */
#pragma once
#include <jansson.h>

#include "box/box.h"

struct error;

/* *out: the image's runtime spec for o (o->img.image set), or an error naming the image. */
int box_image_config(const struct runtime_ctx *ctx, const struct box_opts *o, const char *id,
		     json_t **out, struct error *err);
