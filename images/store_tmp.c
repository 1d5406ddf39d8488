/* What leaves the store: debris of crashed commands in STORE/tmp, and blobs and layers that rmi
 * and prune remove; and the listings they decide from. Everything in STORE/tmp is flock'ed by the
 * process that made it for as long as it is in use, so whatever can be locked here is debris. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "images/store.h"
#include "images/store_internal.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fault.h"
#include "lib/fs.h"
#include "lib/strv.h"

/* A partial nobody resumed for this long is given up even by a plain sweep. */
#define PARTIAL_MAX_AGE (7 * 24 * 3600)

static DIR *open_dir_at(struct store *s, const char *name, struct error *err)
{
	int fd = openat(s->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		error_errno(err, "store %s: open %s", s->root, name);
		return NULL;
	}
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		error_errno(err, "store %s: open %s", s->root, name);
		close(fd);
	}
	return d;
}

static bool is_hex64(const char *s)
{
	char d[DIGEST_SIZE];
	if (strlen(s) != DIGEST_HEX)
		return false;
	snprintf(d, sizeof d, DIGEST_PREFIX "%s", s);
	return digest_valid(d);
}

/* A partial whose bytes are already the whole blob (the kill came between the last write and
 * the rename) is finished; any other is discarded. */
static void finish_or_discard(struct store *s, const char *name, int fd, const char *entry,
			      struct store_gc_result *res)
{
	char hex[DIGEST_HEX + 1], want[DIGEST_SIZE], got[DIGEST_SIZE];
	struct error e;
	size_t n = strlen(entry) - strlen(".partial");
	if (n == DIGEST_HEX) {
		memcpy(hex, entry, n);
		hex[n] = '\0';
		snprintf(want, sizeof want, DIGEST_PREFIX "%s", hex);
		char dest[STORE_NAME_MAX];
		if (digest_valid(want) && lseek(fd, 0, SEEK_SET) == 0 &&
		    digest_fd(fd, got, &e) == 0 && strcmp(got, want) == 0 &&
		    store_blob_name(want, dest) == 0 &&
		    renameat(s->dirfd, name, s->dirfd, dest) == 0) {
			if (res)
				res->finished++;
			return;
		}
	}
	if (unlinkat(s->dirfd, name, 0) == 0 && res)
		res->removed++;
}

int store_gc_tmp(struct store *s, bool partials, struct store_gc_result *res, struct error *err)
{
	if (res)
		*res = (struct store_gc_result){0};
	_cleanup_closedir_ DIR *d = open_dir_at(s, STORE_TMP, err);
	if (d == NULL)
		return -1;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char name[STORE_NAME_MAX];
		if ((size_t)snprintf(name, sizeof name, STORE_TMP "/%s", de->d_name) >= sizeof name)
			continue;
		/* O_NONBLOCK: a fifo planted here must not hang the sweep. */
		_cleanup_close_ int fd = openat(
		    s->dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0) {
			if (errno == ELOOP && unlinkat(s->dirfd, name, 0) == 0 && res)
				res->removed++;
			continue;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0 || !store_still_named(s, name, fd)) {
			if (res)
				res->busy++;
			continue;
		}
		const char *dot = strrchr(de->d_name, '.');
		bool partial = S_ISREG(st.st_mode) && dot && strcmp(dot, ".partial") == 0;
		if (partial && !partials && time(NULL) - st.st_mtime < PARTIAL_MAX_AGE) {
			if (res)
				res->kept++;
			continue;
		}
		if (partial) {
			finish_or_discard(s, name, fd, de->d_name, res);
			continue;
		}
		struct error e;
		int r = S_ISDIR(st.st_mode) ? remove_tree_at(s->dirfd, name, &e)
					    : unlinkat(s->dirfd, name, 0);
		if (r == 0 && res)
			res->removed++;
	}
	return 0;
}

int store_blob_remove(struct store *s, const char *digest, struct error *err)
{
	char name[STORE_NAME_MAX];
	if (digest_check(digest, "blob", err) < 0)
		return -1;
	store_blob_name(digest, name);
	if (unlinkat(s->dirfd, name, 0) < 0 && errno != ENOENT)
		return error_errno(err, "remove blob %s", digest);
	return 0;
}

int store_layer_remove(struct store *s, const char *blob_digest, struct error *err)
{
	char name[STORE_NAME_MAX], tmp[STORE_NAME_MAX];
	if (digest_check(blob_digest, "layer", err) < 0)
		return -1;
	snprintf(name, sizeof name, STORE_LAYERS "/%s", digest_hex(blob_digest));
	_cleanup_close_ int fd =
	    openat(s->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return error_errno(err, "remove layer %s", blob_digest);
	/* Out of layers/ in one rename, so that no reader and no crash ever sees half a layer
	 * there; locked, so the sweep of another command leaves it to us. */
	if (store_flock(fd, LOCK_EX) < 0)
		return error_errno(err, "remove layer %s: lock", blob_digest);
	for (int tries = 0;; tries++) {
		if (store_tmp_name("rm", tmp) < 0)
			return error_errno(err, "remove layer %s: random name", blob_digest);
		if (renameat2(s->dirfd, name, s->dirfd, tmp, RENAME_NOREPLACE) == 0)
			break;
		if (errno == ENOENT)
			return 0;
		if (errno != EEXIST || tries > 16)
			return error_errno(err, "remove layer %s: rename %s to %s", blob_digest,
					   name, tmp);
	}
	FAULT_POINT("layer-remove");
	if (remove_tree_at(s->dirfd, tmp, err) < 0)
		return error_prefix(err, "remove layer %s", blob_digest);
	return 0;
}

/* "sha256:HEX" for every well-formed name in STORE/dir that is a regular file (want_dir false)
 * or a directory; anything else there is for store_fsck to report. */
static int list_digests(struct store *s, const char *dir, bool want_dir, char ***out,
			struct error *err)
{
	_cleanup_closedir_ DIR *d = open_dir_at(s, dir, err);
	if (d == NULL)
		return -1;
	char **v = calloc(1, sizeof *v);
	if (v == NULL)
		return error_set(err, ENOMEM, "store %s: list %s", s->root, dir);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		if (!is_hex64(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
			continue;
		char digest[DIGEST_SIZE];
		snprintf(digest, sizeof digest, DIGEST_PREFIX "%s", de->d_name);
		if (strv_push(&v, digest) < 0) {
			strv_free(v);
			return error_set(err, ENOMEM, "store %s: list %s", s->root, dir);
		}
	}
	*out = v;
	return 0;
}

int store_blobs(struct store *s, char ***digests, struct error *err)
{
	return list_digests(s, STORE_BLOBS, false, digests, err);
}

int store_layers(struct store *s, char ***digests, struct error *err)
{
	return list_digests(s, STORE_LAYERS, true, digests, err);
}

int store_images_in_use(struct store *s, char ***manifests, struct error *err)
{
	_cleanup_closedir_ DIR *d = open_dir_at(s, STORE_CONTAINERS, err);
	if (d == NULL)
		return -1;
	char **v = calloc(1, sizeof *v);
	if (v == NULL)
		return error_set(err, ENOMEM, "store %s: containers", s->root);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char name[STORE_NAME_MAX * 2];
		snprintf(name, sizeof name, "%s/image", de->d_name);
		_cleanup_free_ char *buf = NULL;
		size_t len;
		struct error e;
		if (read_file_at(dirfd(d), name, &buf, &len, &e) < 0) {
			if (e.err == ENOENT || e.err == ENOTDIR)
				continue; /* a container that uses no image */
			strv_free(v);
			error_set(err, e.err, "store %s: " STORE_CONTAINERS "/%s", s->root, e.msg);
			return -1;
		}
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
			buf[--len] = '\0';
		/* Made empty and then written, before anything is mounted: a kill in between
		 * leaves a container that uses nothing. */
		if (len == 0)
			continue;
		/* Refused rather than skipped: a prune must never guess that a container uses
		 * nothing. */
		if (!digest_valid(buf)) {
			strv_free(v);
			return error_set(err, EINVAL,
					 "store %s: " STORE_CONTAINERS
					 "/%s/image: \"%.80s\" is not a manifest digest",
					 s->root, de->d_name, buf);
		}
		if (strv_find(v, buf) < 0 && strv_push(&v, buf) < 0) {
			strv_free(v);
			return error_set(err, ENOMEM, "store %s: containers", s->root);
		}
	}
	*manifests = v;
	return 0;
}
