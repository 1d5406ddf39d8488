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

#define DOC_MAX (4 << 20)
#define PARTIAL ".partial"

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
 * a manifest that cannot be read keeps only itself. */
static void add_image(struct store *s, const char *manifest_digest, json_t *set)
{
	json_object_set_new(set, manifest_digest, json_true());
	_cleanup_free_ char *buf = NULL;
	size_t len;
	struct error e;
	struct image img = {0};
	if (store_blob_read(s, manifest_digest, DOC_MAX, &buf, &len, &e) < 0 ||
	    image_manifest_parse(buf, len, &img, &e) < 0)
		return;
	if (img.config_digest[0])
		json_object_set_new(set, img.config_digest, json_true());
	for (size_t i = 0; i < img.n_layers; i++)
		json_object_set_new(set, img.layers[i].digest, json_true());
	image_free(&img);
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
	for (size_t i = 0; i < n; i++)
		add_image(s, tags[i].digest, set);
	store_tags_free(tags, n);
	_cleanup_closedir_ DIR *d = open_dir(s, STORE_CONTAINERS);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		char digest[DIGEST_SIZE];
		if (e->d_name[0] != '.' && container_image(s, e->d_name, digest))
			add_image(s, digest, set);
	}
	return set;
}

/* A layer leaves layers/ in one rename, then its tree is removed from tmp/: a crash in between
 * leaves debris for the next sweep, never half a layer under its name. */
static int remove_layer(struct store *s, const char *hex, struct error *err)
{
	char from[STORE_NAME_MAX], to[STORE_NAME_MAX];
	snprintf(from, sizeof from, STORE_LAYERS "/%s", hex);
	if (store_tmp_name("rm", to) < 0)
		return error_errno(err, "layer sha256:%s: temporary name", hex);
	if (renameat(s->dirfd, from, s->dirfd, to) < 0)
		return error_errno(err, "layer sha256:%s: rename", hex);
	return remove_tree_at(s->dirfd, to, err);
}

/* Whatever is in tmp/ and not locked is a crash's debris; partial blobs are kept to resume. */
static int sweep_tmp(struct store *s, json_t *removed, struct error *err)
{
	_cleanup_closedir_ DIR *d = open_dir(s, STORE_TMP);
	if (d == NULL)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		const char *n = e->d_name;
		size_t len = strlen(n);
		if (n[0] == '.' ||
		    (len > strlen(PARTIAL) && strcmp(n + len - strlen(PARTIAL), PARTIAL) == 0))
			continue;
		_cleanup_close_ int fd = openat(dirfd(d), n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0)
			continue; /* in use */
		char path[STORE_NAME_MAX + 256];
		snprintf(path, sizeof path, STORE_TMP "/%s", n);
		struct stat st;
		if (fstatat(s->dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode) ? remove_tree_at(s->dirfd, path, err) < 0
					: unlinkat(s->dirfd, path, 0) < 0 && errno != ENOENT)
			return S_ISDIR(st.st_mode) ? -1 : error_errno(err, "remove %s", path);
		if (removed) {
			char line[STORE_NAME_MAX + 300];
			snprintf(line, sizeof line, "debris %s", path);
			json_array_append_new(removed, json_string(line));
		}
	}
	return 0;
}

int store_gc(struct store *s, const char *only, json_t *deleted, int64_t *bytes, struct error *err)
{
	_cleanup_json_ json_t *keep = referenced(s, err);
	if (keep == NULL)
		return -1;
	_cleanup_json_ json_t *cand = NULL;
	if (only) {
		cand = json_object();
		add_image(s, only, cand);
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
			} else if (remove_layer(s, e->d_name, err) < 0)
				return -1;
			json_array_append_new(deleted, json_string(line));
		}
	}
	return sweep_tmp(s, NULL, err);
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
	/* Debris is what a crash leaves by design, not damage: it goes without a word. */
	if (sweep_tmp(s, NULL, err) < 0)
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
