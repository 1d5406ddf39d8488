/* An image out of the store as an OCI layout tar (images/layout.h): oci-layout, index.json with
 * the ref name, and blobs/sha256/ holding the manifest, the config and the layers as stored.
 * That is what `skopeo copy oci-archive:FILE` and `podman load` read. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "images/dl_archive.h"
#include "images/image.h"
#include "images/layout.h"
#include "images/store.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/jsonutil.h"

#define CHUNK (256 << 10)

/* Members carry a fixed time, so two exports of one image are the same bytes. */
#define EXPORT_MTIME 0

static int put_header(struct archive *a, const char *name, int type, int64_t size,
		      struct error *err)
{
	struct archive_entry *e = sym_archive_entry_new();
	if (e == NULL)
		return error_set(err, ENOMEM, "%s", name);
	sym_archive_entry_set_pathname(e, name);
	sym_archive_entry_set_filetype(e, (unsigned)type);
	sym_archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
	sym_archive_entry_set_mtime(e, EXPORT_MTIME, 0);
	if (type == AE_IFREG)
		sym_archive_entry_set_size(e, size);
	int r = sym_archive_write_header(a, e);
	sym_archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return error_set(err, EIO, "%s: %s", name, sym_archive_error_string(a));
	return 0;
}

static int put_data(struct archive *a, const char *name, const void *buf, size_t len,
		    struct error *err)
{
	if (sym_archive_write_data(a, buf, len) != (la_ssize_t)len)
		return error_set(err, sym_archive_errno(a) ? sym_archive_errno(a) : EIO, "%s: %s",
				 name, sym_archive_error_string(a));
	return 0;
}

static int put_doc(struct archive *a, const char *name, const char *text, struct error *err)
{
	size_t len = strlen(text);
	if (put_header(a, name, AE_IFREG, (int64_t)len, err) < 0)
		return -1;
	return put_data(a, name, text, len, err);
}

static int put_blob(struct archive *a, struct store *s, const char *digest, struct error *err)
{
	char name[DIGEST_HEX + 16];
	snprintf(name, sizeof name, "blobs/sha256/%s", digest_hex(digest));
	_cleanup_close_ int fd = store_blob_open(s, digest, err);
	struct stat st;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		return error_errno(err, "blob %s", digest);
	if (put_header(a, name, AE_IFREG, st.st_size, err) < 0)
		return -1;
	_cleanup_free_ char *buf = malloc(CHUNK);
	if (buf == NULL)
		return error_set(err, ENOMEM, "%s", name);
	for (int64_t left = st.st_size; left > 0;) {
		ssize_t k = read(fd, buf, CHUNK);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return error_errno(err, "blob %s: read", digest);
		if (k == 0)
			return error_set(err, EIO, "blob %s: shorter than when it was opened",
					 digest);
		if (put_data(a, name, buf, (size_t)k, err) < 0)
			return -1;
		left -= k;
	}
	return 0;
}

static int write_layout(struct archive *a, struct store *s, const struct image *img,
			const char *ref_name, int64_t manifest_size, struct error *err)
{
	json_t *desc = json_pack("{s:s,s:s,s:I}", "mediaType", img->media_type, "digest",
				 img->digest, "size", (json_int_t)manifest_size);
	if (desc && ref_name)
		json_object_set_new(
		    desc, "annotations",
		    json_pack("{s:s}", "org.opencontainers.image.ref.name", ref_name));
	_cleanup_json_ json_t *index = desc
					   ? json_pack("{s:i,s:s,s:[o]}", "schemaVersion", 2,
						       "mediaType", MT_OCI_INDEX, "manifests", desc)
					   : NULL;
	_cleanup_free_ char *text = index ? json_dumps(index, JSON_COMPACT) : NULL;
	if (text == NULL)
		return error_set(err, ENOMEM, "index.json");
	if (put_doc(a, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", err) < 0 ||
	    put_doc(a, "index.json", text, err) < 0 ||
	    put_header(a, "blobs", AE_IFDIR, 0, err) < 0 ||
	    put_header(a, "blobs/sha256", AE_IFDIR, 0, err) < 0 ||
	    put_blob(a, s, img->digest, err) < 0 || put_blob(a, s, img->config_digest, err) < 0)
		return -1;
	for (size_t i = 0; i < img->n_layers; i++) {
		bool dup = false;
		for (size_t k = 0; k < i && !dup; k++)
			dup = strcmp(img->layers[k].digest, img->layers[i].digest) == 0;
		if (!dup && put_blob(a, s, img->layers[i].digest, err) < 0)
			return -1;
	}
	return 0;
}

int layout_export(struct store *s, const char *manifest_digest, const char *ref_name,
		  const char *file, struct error *err)
{
	struct image img = {0};
	if (image_load(s, manifest_digest, &img, err) < 0)
		return -1;
	int r = -1;
	_cleanup_free_ char *dircopy = strdup(file);
	_cleanup_free_ char *tmpname = NULL;
	_cleanup_close_ int fd = -1;
	_cleanup_close_ int mfd = -1;
	struct archive *a = NULL;
	struct stat st;
	if (dircopy == NULL) {
		error_set(err, ENOMEM, "%s", file);
		goto out;
	}
	if (dl_archive(err) < 0)
		goto out;
	mfd = store_blob_open(s, manifest_digest, err);
	if (mfd < 0 || fstat(mfd, &st) < 0)
		goto out;
	/* Written unnamed and linked in when complete: a failed or killed export leaves no
	 * file, and an existing FILE is replaced only by a whole one. */
	const char *dir = dirname(dircopy);
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0) {
		error_errno(err, "%s", file);
		goto out;
	}
	a = sym_archive_write_new();
	if (a == NULL) {
		error_set(err, ENOMEM, "%s", file);
		goto out;
	}
	if (sym_archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    sym_archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		error_set(err, EIO, "%s: %s", file, sym_archive_error_string(a));
		goto out;
	}
	if (write_layout(a, s, &img, ref_name, st.st_size, err) < 0) {
		error_prefix(err, "%s", file);
		goto out;
	}
	if (sym_archive_write_close(a) != ARCHIVE_OK) {
		error_set(err, EIO, "%s: %s", file, sym_archive_error_string(a));
		goto out;
	}
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if (asprintf(&tmpname, "%s.berth-%d", file, getpid()) < 0) {
		tmpname = NULL;
		error_set(err, ENOMEM, "%s", file);
		goto out;
	}
	unlink(tmpname);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, tmpname, AT_SYMLINK_FOLLOW) < 0) {
		error_errno(err, "%s", file);
		goto out;
	}
	if (rename(tmpname, file) < 0) {
		error_errno(err, "%s", file);
		unlink(tmpname);
		goto out;
	}
	r = 0;
out:
	if (a)
		sym_archive_write_free(a);
	image_free(&img);
	return r;
}
