#include "box/box_image.h"

#include <errno.h>
#include <string.h>

#include "box/image_bundle.h"
#include "box/pull.h"
#include "lib/error.h"

/* --pull missing: the image is pulled only when no name of the store resolves to it. A refusal
 * of the store itself (unreadable, ...) is not "missing" and is reported as it is. */
static int ensure_image(const struct runtime_ctx *ctx, const struct box_image_opts *o,
			struct error *err)
{
	char digest[DIGEST_SIZE];
	struct box_pull_opts po = {.quiet = true};
	if (o->pull == BOX_PULL_ALWAYS)
		return box_pull(ctx, o->image, &po, digest, err);
	if (box_image_find(ctx, o->image, digest, err) == 0)
		return 0;
	if (err->err != ENOENT)
		return -1;
	if (o->pull == BOX_PULL_NEVER)
		return error_set(err, ENOENT, "image %s: not in the store (--pull never)",
				 o->image);
	return box_pull(ctx, o->image, &po, digest, err) < 0
		   ? error_prefix(err, "image %s: not in the store, and the pull failed", o->image)
		   : 0;
}

int box_image_config(const struct runtime_ctx *ctx, const struct box_opts *o, const char *id,
		     json_t **out, struct error *err)
{
	const struct box_image_opts *io = &o->img;
	if (ensure_image(ctx, io, err) < 0)
		return -1;
	struct image_spec_overrides ov = {
	    .argv = o->argv && o->argv[0] ? o->argv : NULL,
	    .env = o->env,
	    .user = o->user,
	    .cwd = io->workdir,
	    .entrypoint = io->entrypoint,
	};
	json_t *spec = NULL;
	if (box_image_spec(ctx, io->image, &ov, &spec, err) < 0)
		return -1;
	json_object_set_new(spec, "hostname", json_string(io->hostname ? io->hostname : id));
	json_object_set_new(json_object_get(spec, "root"), "readonly", json_boolean(io->read_only));
	*out = spec;
	return 0;
}
