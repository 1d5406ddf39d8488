/* The image commands' client side (box/images.h): the store opened and locked per command. */
#include "box/images.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "images/image.h"
#include "images/layout.h"
#include "images/store.h"
#include "images/store_gc.h"
#include "images/unpack.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/jsonutil.h"

static int open_locked(const struct runtime_ctx *ctx, struct store *s, enum store_lock_mode m,
		       struct error *err)
{
	if (store_open(s, ctx->store, err) < 0)
		return -1;
	if (store_lock(s, m, err) < 0) {
		store_close(s);
		return -1;
	}
	return 0;
}

static void close_store(struct store *s)
{
	store_unlock(s);
	store_close(s);
}

json_t *box_image_import(const struct runtime_ctx *ctx, const char *path,
			 const struct box_import_opts *o, struct error *err)
{
	struct store s;
	if (open_locked(ctx, &s, STORE_SHARED, err) < 0)
		return NULL;
	struct unpack_limits lim = {.max_bytes = o->max_layer_size};
	struct layout_import_opts lo = {.name = o->name, .platform = o->platform, .limits = &lim};
	struct layout_image *imgs = NULL;
	size_t n = 0;
	json_t *out = NULL;
	if (layout_import(&s, path, &lo, &imgs, &n, err) == 0) {
		out = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(out, json_pack("{s:s,s:s}", "name", imgs[i].name,
							     "digest", imgs[i].digest));
		layout_images_free(imgs, n);
	} else {
		store_gc_after_failure(&s);
	}
	close_store(&s);
	return out;
}

static json_t *names_of(struct store *s, const char *digest)
{
	json_t *names = json_array();
	struct store_tag *tags = NULL;
	size_t n = 0;
	struct error e;
	if (store_tags(s, &tags, &n, &e) == 0) {
		for (size_t i = 0; i < n; i++)
			if (strcmp(tags[i].digest, digest) == 0)
				json_array_append_new(names, json_string(tags[i].name));
		store_tags_free(tags, n);
	}
	return names;
}

int box_image_export(const struct runtime_ctx *ctx, const char *name, const char *file,
		     struct error *err)
{
	struct store s;
	if (open_locked(ctx, &s, STORE_SHARED, err) < 0)
		return -1;
	char digest[DIGEST_SIZE];
	int r = store_resolve(&s, name, digest, err);
	if (r == 0) {
		/* The name as the store holds it ("busybox" is "busybox:latest"); an image given by
		 * digest goes out under its first name, or none. */
		_cleanup_json_ json_t *names = names_of(&s, digest);
		const char *ref = json_string_value(json_array_get(names, 0));
		size_t i, len = strlen(name);
		json_t *v;
		json_array_foreach(names, i, v)
		{
			const char *nm = json_string_value(v);
			if (strcmp(nm, name) == 0 ||
			    (strncmp(nm, name, len) == 0 && strcmp(nm + len, ":latest") == 0))
				ref = nm;
		}
		r = layout_export(&s, digest, ref, file, err);
	}
	close_store(&s);
	return r;
}

/* "registry/repo:tag" -> name and tag, the tag after the last ':' past the last '/'. */
static void split_name(const char *ref, char **name, char **tag)
{
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(slash ? slash : ref, ':');
	const char *at = strchr(ref, '@');
	if (at) {
		*name = strndup(ref, (size_t)(at - ref));
		*tag = strdup("<none>");
	} else if (colon) {
		*name = strndup(ref, (size_t)(colon - ref));
		*tag = strdup(colon + 1);
	} else {
		*name = strdup(ref);
		*tag = strdup("<none>");
	}
}

json_t *box_image_list(const struct runtime_ctx *ctx, struct error *err)
{
	struct store s;
	if (open_locked(ctx, &s, STORE_SHARED, err) < 0)
		return NULL;
	struct store_tag *tags = NULL;
	size_t n = 0;
	json_t *out = NULL;
	if (store_tags(&s, &tags, &n, err) < 0)
		goto done;
	out = json_array();
	for (size_t i = 0; i < n; i++) {
		struct image img;
		struct error e;
		_cleanup_free_ char *name = NULL, *tag = NULL;
		split_name(tags[i].name, &name, &tag);
		if (image_load(&s, tags[i].digest, &img, &e) < 0) {
			/* A broken image is still listed, so that rmi can name it. */
			json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:n,s:n}", "name", name,
							     "tag", tag, "digest", tags[i].digest,
							     "size", "created"));
			continue;
		}
		json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:I,s:s?}", "name", name, "tag",
						     tag, "digest", tags[i].digest, "size",
						     (json_int_t)img.size, "created", img.created));
		image_free(&img);
	}
	store_tags_free(tags, n);
done:
	close_store(&s);
	return out;
}

json_t *box_image_inspect(const struct runtime_ctx *ctx, const char *name, struct error *err)
{
	struct store s;
	if (open_locked(ctx, &s, STORE_SHARED, err) < 0)
		return NULL;
	char digest[DIGEST_SIZE];
	struct image img;
	json_t *out = NULL;
	if (store_resolve(&s, name, digest, err) < 0 || image_load(&s, digest, &img, err) < 0)
		goto done;
	json_t *layers = json_array();
	for (size_t i = 0; i < img.n_layers; i++)
		json_array_append_new(layers,
				      json_pack("{s:s,s:s,s:I}", "digest", img.layers[i].digest,
						"mediaType", img.layers[i].media_type, "size",
						(json_int_t)img.layers[i].size));
	json_t *config = json_deep_copy(img.config);
	if (json_is_object(config))
		json_object_set_new(config, "digest", json_string(img.config_digest));
	out = json_pack("{s:o,s:s,s:s,s:o,s:o,s:I,s:s?,s:s?,s:s?,s:s?}", "names",
			names_of(&s, digest), "digest", digest, "mediaType", img.media_type,
			"config", config ? config : json_null(), "layers", layers, "size",
			(json_int_t)img.size, "created", img.created, "os", img.os, "architecture",
			img.arch, "variant", img.variant);
	image_free(&img);
done:
	close_store(&s);
	return out;
}

json_t *box_image_remove(const struct runtime_ctx *ctx, const char *name, bool force,
			 struct error *err)
{
	struct store s;
	if (open_locked(ctx, &s, STORE_EXCLUSIVE, err) < 0)
		return NULL;
	char digest[DIGEST_SIZE];
	json_t *out = NULL;
	_cleanup_json_ json_t *names = NULL, *users = NULL, *deleted = NULL;
	if (store_resolve(&s, name, digest, err) < 0)
		goto done;
	names = names_of(&s, digest);
	users = store_containers_using(&s, digest, err);
	if (users == NULL)
		goto done;
	if (json_array_size(users) > 0) {
		error_set(err, EBUSY, "image %s is in use by container %s", name,
			  json_string_value(json_array_get(users, 0)));
		goto done;
	}
	/* A name removes that name; the image's digest removes all its names, and with several
	 * names only when forced (podman's rule: a digest is ambiguous about intent). */
	bool by_digest = true;
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v)
	{
		const char *nm = json_string_value(v);
		size_t len = strlen(name);
		if (strcmp(nm, name) == 0 ||
		    (strncmp(nm, name, len) == 0 && strcmp(nm + len, ":latest") == 0)) {
			by_digest = false;
			json_t *one = json_pack("[s]", nm);
			json_decref(names);
			names = one;
			break;
		}
	}
	if (by_digest && json_array_size(names) > 1 && !force) {
		error_set(err, EBUSY,
			  "image %s has %zu names: remove them one by one, or use --force", name,
			  json_array_size(names));
		goto done;
	}
	json_array_foreach(names, i, v)
	{
		if (store_untag(&s, json_string_value(v), err) < 0)
			goto done;
	}
	deleted = json_array();
	int64_t bytes = 0;
	if (store_gc(&s, digest, deleted, &bytes, err) < 0)
		goto done;
	out = json_pack("{s:O,s:O,s:s}", "untagged", names, "deleted", deleted, "digest", digest);
done:
	close_store(&s);
	return out;
}

json_t *box_image_prune(const struct runtime_ctx *ctx, struct error *err)
{
	struct store s;
	if (open_locked(ctx, &s, STORE_EXCLUSIVE, err) < 0)
		return NULL;
	json_t *deleted = json_array();
	int64_t bytes = 0;
	json_t *out = NULL;
	if (store_gc(&s, NULL, deleted, &bytes, err) == 0)
		out = json_pack("{s:O,s:I}", "deleted", deleted, "bytes", (json_int_t)bytes);
	json_decref(deleted);
	close_store(&s);
	return out;
}

json_t *box_image_fsck(const struct runtime_ctx *ctx, bool repair, struct error *err)
{
	struct store s;
	if (open_locked(ctx, &s, STORE_EXCLUSIVE, err) < 0)
		return NULL;
	json_t *problems = json_array();
	json_t *out = NULL;
	if (store_fsck(&s, repair, problems, err) == 0)
		out = json_pack("{s:b,s:O}", "ok", json_array_size(problems) == 0, "problems",
				problems);
	json_decref(problems);
	close_store(&s);
	return out;
}
