/* rmi's and prune's removal and fsck's checks (images/store_gc.h). */
#include "images/store_gc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "images/image.h"
#include "images/store.h"
#include "images/store_internal.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "lib/jsonutil.h"
#include "lib/strv.h"

#define DOC_MAX (4 << 20)

/* STORE/containers/ID/image: "sha256:HEX", maybe with a newline. */
static bool container_image(struct store *s, const char *id, char out[DIGEST_SIZE])
{
	char path[STORE_NAME_MAX + 256];
	snprintf(path, sizeof path, STORE_CONTAINERS "/%s/image", id);
	_cleanup_close_ int fd = openat(s->dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	char buf[DIGEST_SIZE + 8];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!digest_valid(buf))
		return false;
	memcpy(out, buf, DIGEST_SIZE);
	return true;
}

static DIR *open_dir(struct store *s, const char *name)
{
	int fd = openat(s->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (d == NULL)
		close(fd);
	return d;
}

json_t *store_containers_using(struct store *s, const char *manifest_digest, struct error *err)
{
	json_t *ids = json_array();
	if (ids == NULL) {
		error_set(err, ENOMEM, "store %s", s->root);
		return NULL;
	}
	_cleanup_closedir_ DIR *d = open_dir(s, STORE_CONTAINERS);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		char digest[DIGEST_SIZE];
		if (e->d_name[0] != '.' && container_image(s, e->d_name, digest) &&
		    strcmp(digest, manifest_digest) == 0)
			json_array_append_new(ids, json_string(e->d_name));
	}
	return ids;
}

/* The manifest's own digest, its config's and its layers' into set (an object used as a set);
 * a manifest that cannot be read keeps only itself, and -1 says so (e filled). */
static int add_image(struct store *s, const char *manifest_digest, json_t *set, struct error *e)
{
	json_object_set_new(set, manifest_digest, json_true());
	_cleanup_free_ char *buf = NULL;
	size_t len;
	struct image img = {0};
	if (store_blob_read(s, manifest_digest, DOC_MAX, &buf, &len, e) < 0 ||
	    image_manifest_parse(buf, len, &img, e) < 0)
		return -1;
	if (img.config_digest[0])
		json_object_set_new(set, img.config_digest, json_true());
	for (size_t i = 0; i < img.n_layers; i++)
		json_object_set_new(set, img.layers[i].digest, json_true());
	image_free(&img);
	return 0;
}

/* Everything the index's names and the containers lead to. */
static json_t *referenced(struct store *s, struct error *err)
{
	json_t *set = json_object();
	struct store_tag *tags = NULL;
	size_t n = 0;
	if (set == NULL || store_tags(s, &tags, &n, err) < 0) {
		json_decref(set);
		return NULL;
	}
	struct error e;
	for (size_t i = 0; i < n; i++)
		add_image(s, tags[i].digest, set, &e);
	store_tags_free(tags, n);
	/* What a container's image holds is kept even without a name; when that cannot be known
	 * (a container file or its manifest unreadable), nothing is removed. */
	char **used = NULL;
	if (store_images_in_use(s, &used, err) < 0) {
		json_decref(set);
		return NULL;
	}
	for (char **m = used; *m; m++)
		if (add_image(s, *m, set, err) < 0) {
			error_prefix(err, "image %s, used by a container", *m);
			strv_free(used);
			json_decref(set);
			return NULL;
		}
	strv_free(used);
	return set;
}

int store_gc(struct store *s, const char *only, json_t *deleted, int64_t *bytes, struct error *err)
{
	_cleanup_json_ json_t *keep = referenced(s, err);
	if (keep == NULL)
		return -1;
	_cleanup_json_ json_t *cand = NULL;
	if (only) {
		cand = json_object();
		struct error e;
		add_image(s, only, cand, &e);
	}
	static const char *const dirs[] = {STORE_BLOBS, STORE_LAYERS};
	for (size_t k = 0; k < ARRAY_SIZE(dirs); k++) {
		_cleanup_closedir_ DIR *d = open_dir(s, dirs[k]);
		struct dirent *e;
		while (d && (e = readdir(d)) != NULL) {
			char digest[DIGEST_SIZE + 8];
			snprintf(digest, sizeof digest, "sha256:%s", e->d_name);
			if (!digest_valid(digest) || json_object_get(keep, digest) ||
			    (cand && !json_object_get(cand, digest)))
				continue;
			char line[DIGEST_SIZE + 16];
			snprintf(line, sizeof line, "%s %s", k == 0 ? "blob" : "layer", digest);
			if (k == 0) {
				struct stat st;
				char name[STORE_NAME_MAX];
				store_blob_name(digest, name);
				if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
					*bytes += st.st_size;
				if (unlinkat(s->dirfd, name, 0) < 0 && errno != ENOENT)
					return error_errno(err, "blob %s: remove", digest);
			} else if (store_layer_remove(s, digest, err) < 0)
				return -1;
			json_array_append_new(deleted, json_string(line));
		}
	}
	return store_gc_tmp(s, false, NULL, err);
}

void store_gc_after_failure(struct store *s)
{
	if (store_flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return;
	json_t *deleted = json_array();
	int64_t bytes = 0;
	struct error e;
	if (deleted)
		store_gc(s, NULL, deleted, &bytes, &e);
	json_decref(deleted);
}

static void problem(json_t *problems, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(json_t *problems, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	json_array_append_new(problems, json_string(line));
}

static void check_blobs(struct store *s, bool repair, json_t *problems)
{
	_cleanup_closedir_ DIR *d = open_dir(s, STORE_BLOBS);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char digest[DIGEST_SIZE + 8], name[STORE_NAME_MAX], got[DIGEST_SIZE];
		snprintf(digest, sizeof digest, "sha256:%s", e->d_name);
		if (!digest_valid(digest)) {
			problem(problems, "blobs/sha256/%s: not a digest", e->d_name);
			continue;
		}
		store_blob_name(digest, name);
		_cleanup_close_ int fd = openat(s->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		struct error de;
		if (fd < 0 || digest_fd(fd, got, &de) < 0) {
			problem(problems, "blob %s: unreadable", digest);
			continue;
		}
		if (strcmp(got, digest) != 0) {
			problem(problems, "blob %s: corrupt (its content has digest %s)%s", digest,
				got, repair ? "; removed" : "");
			if (repair)
				unlinkat(s->dirfd, name, 0);
		}
	}
}

static void check_image(struct store *s, const char *name, const char *digest, json_t *problems)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	struct error e;
	struct image img = {0};
	if (!store_blob_exists(s, digest)) {
		problem(problems, "image %s: manifest %s is missing", name, digest);
		return;
	}
	if (store_blob_read(s, digest, DOC_MAX, &buf, &len, &e) < 0 ||
	    image_manifest_parse(buf, len, &img, &e) < 0) {
		problem(problems, "image %s: %s", name, e.msg);
		return;
	}
	if (!store_blob_exists(s, img.config_digest))
		problem(problems, "image %s: config %s is missing", name, img.config_digest);
	for (size_t i = 0; i < img.n_layers; i++) {
		if (!store_blob_exists(s, img.layers[i].digest))
			problem(problems, "image %s: layer blob %s is missing", name,
				img.layers[i].digest);
		if (!store_layer_exists(s, img.layers[i].digest))
			problem(problems, "image %s: layer %s is not unpacked", name,
				img.layers[i].digest);
	}
	image_free(&img);
}

int store_fsck(struct store *s, bool repair, json_t *problems, struct error *err)
{
	/* Debris is what a crash leaves by design, not damage: it goes without a word. A partial
	 * download stays for a resume, unless repair asks for a clean store: then it is finished
	 * when it holds its whole blob, and removed otherwise. */
	if (store_gc_tmp(s, repair, NULL, err) < 0)
		return -1;
	check_blobs(s, repair, problems);
	struct store_tag *tags = NULL;
	size_t n = 0;
	if (store_tags(s, &tags, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		check_image(s, tags[i].name, tags[i].digest, problems);
	store_tags_free(tags, n);
	_cleanup_closedir_ DIR *d = open_dir(s, STORE_LAYERS);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		char digest[DIGEST_SIZE + 8];
		snprintf(digest, sizeof digest, "sha256:%s", e->d_name);
		if (e->d_name[0] != '.' && !digest_valid(digest))
			problem(problems, "layers/%s: not a digest", e->d_name);
	}
	return 0;
}
