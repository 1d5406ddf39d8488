#include "box/image_bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "images/image.h"
#include "images/overlay.h"
#include "images/reference.h"
#include "images/store.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "lib/jsonutil.h"
#include "runtime/spec.h"

/* /etc/passwd and /etc/group larger than this are not an image's. */
#define IDS_MAX (4 << 20)

/* NAME as given ("sha256:...", a prefix, a name as tagged), else as Docker reads it
 * ("busybox" -> "docker.io/library/busybox:latest"). */
static int lookup(struct store *s, const char *name, char digest[DIGEST_SIZE], struct error *err)
{
	if (store_resolve(s, name, digest, err) == 0)
		return 0;
	if (err->err != ENOENT)
		return -1;
	struct reference ref;
	struct error e2;
	if (reference_parse(name, &ref, &e2) < 0)
		return -1;
	int r = strcmp(ref.name, name) != 0 ? store_resolve(s, ref.name, digest, &e2) : -1;
	reference_free(&ref);
	return r;
}

int box_image_find(const struct runtime_ctx *ctx, const char *name, char digest[DIGEST_SIZE],
		   struct error *err)
{
	struct store s;
	if (store_open(&s, ctx->store, err) < 0)
		return -1;
	int r = store_lock(&s, STORE_SHARED, err) < 0 || lookup(&s, name, digest, err) < 0 ? -1 : 0;
	store_close(&s);
	return r;
}

static int open_image(const struct runtime_ctx *ctx, struct store *s, const char *name,
		      struct image *img, struct error *err)
{
	char digest[DIGEST_SIZE];
	memset(img, 0, sizeof *img);
	if (store_open(s, ctx->store, err) < 0)
		return -1;
	if (store_lock(s, STORE_SHARED, err) < 0 || lookup(s, name, digest, err) < 0 ||
	    image_load(s, digest, img, err) < 0) {
		store_close(s);
		return -1;
	}
	return 0;
}

int box_image_spec(const struct runtime_ctx *ctx, const char *name,
		   const struct image_spec_overrides *ov, json_t **out, struct error *err)
{
	struct store s;
	struct image img;
	if (open_image(ctx, &s, name, &img, err) < 0)
		return -1;
	_cleanup_free_ const char **layers = calloc(img.n_layers + 1, sizeof *layers);
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	_cleanup_json_ json_t *spec = spec_default(false);
	char store[PATH_MAX];
	int r = 0;
	if (layers == NULL || spec == NULL)
		r = error_set(err, ENOMEM, "image %s", name);
	for (size_t i = 0; r == 0 && i < img.n_layers; i++)
		layers[i] = img.layers[i].digest;
	/* User names resolve in the image's own files, as Docker does. */
	if (r == 0 &&
	    (overlay_read_file(&s, layers, img.n_layers, "etc/passwd", IDS_MAX, &passwd, err) < 0 ||
	     overlay_read_file(&s, layers, img.n_layers, "etc/group", IDS_MAX, &group, err) < 0))
		r = -1;
	if (r == 0 && realpath(s.root, store) == NULL)
		r = error_errno(err, "store %s", s.root);
	if (r == 0) {
		json_t *proc = json_object_get(spec, "process");
		json_object_set_new(proc, "terminal", json_false());
		json_t *root = json_object_get(spec, "root");
		json_object_set_new(root, "path", json_string("rootfs"));
		json_object_set_new(root, "readonly", json_false());
		struct image_ids ids = {passwd, group};
		r = image_spec_apply(
		    spec, img.config ? json_object_get(img.config, "config") : NULL, ov, &ids, err);
	}
	if (r == 0) {
		json_t *ann = json_object_get(spec, "annotations");
		json_object_set_new(ann, OVERLAY_ANNOTATION_IMAGE, json_string(img.digest));
		json_object_set_new(ann, OVERLAY_ANNOTATION_STORE, json_string(store));
		*out = json_incref(spec);
	} else {
		error_prefix(err, "image %s", name);
	}
	image_free(&img);
	store_close(&s);
	return r;
}

int box_image_bundle(const struct runtime_ctx *ctx, const char *name, const char *dir,
		     struct error *err)
{
	_cleanup_json_ json_t *spec = NULL;
	if (box_image_spec(ctx, name, NULL, &spec, err) < 0)
		return -1;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return error_errno(err, "bundle %s", dir);
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return error_errno(err, "bundle %s", dir);
	if (faccessat(dfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return error_set(err, EEXIST, "bundle %s: config.json exists: remove it first",
				 dir);
	/* The mount point: create attaches the overlay on it, inside the container only. */
	if (mkdirat(dfd, "rootfs", 0755) < 0 && errno != EEXIST)
		return error_errno(err, "bundle %s: mkdir rootfs", dir);
	_cleanup_free_ char *s = json_dumps(spec, JSON_INDENT(8));
	if (s == NULL)
		return error_set(err, ENOMEM, "bundle %s", dir);
	_cleanup_close_ int fd =
	    openat(dfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, s, strlen(s)) < 0 || write_all(fd, "\n", 1) < 0)
		return error_errno(err, "bundle %s: write config.json", dir);
	return 0;
}

int box_image_mount(const struct runtime_ctx *ctx, const char *name, const char *dir,
		    struct error *err)
{
	struct store s;
	char digest[DIGEST_SIZE], store[PATH_MAX];
	if (store_open(&s, ctx->store, err) < 0)
		return -1;
	int r = store_lock(&s, STORE_SHARED, err) < 0 || lookup(&s, name, digest, err) < 0 ? -1 : 0;
	if (r == 0 && realpath(s.root, store) == NULL)
		r = error_errno(err, "store %s", s.root);
	/* overlay_attach takes the lock itself: one holder at a time in this process. */
	store_close(&s);
	if (r == 0)
		r = overlay_attach(store, digest, dir, err);
	return r < 0 ? error_prefix(err, "image mount") : 0;
}

int box_image_umount(const struct runtime_ctx *ctx, const char *dir, struct error *err)
{
	char store[PATH_MAX];
	if (realpath(ctx->store, store) == NULL)
		return error_errno(err, "image umount: store %s", ctx->store);
	return overlay_detach(store, dir, err) < 0 ? error_prefix(err, "image umount") : 0;
}
