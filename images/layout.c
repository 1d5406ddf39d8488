/* OCI layouts and docker-save archives in, OCI layout tars out (images/layout.h).
 *
 * A tar is read in passes, each one a walk over its headers that streams only the entries it
 * wants: a tar has no table of contents, index.json may come after the blobs it names, and which
 * blobs are wanted is known only level by level (index -> platform's manifest -> config and
 * layers). An uncompressed tar's skipped entries cost a seek, so a pass is cheap; blobs the image
 * does not use (another platform's layers) are never read. */
#include "images/layout.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "images/dl_archive.h"
#include "images/image.h"
#include "images/store.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fault.h"
#include "lib/jsonutil.h"

/* index.json, manifest.json, manifests, configs: small documents read whole. */
#define DOC_MAX (4 << 20)
#define CHUNK	(256 << 10)
/* Nested indexes followed at most this deep. */
#define INDEX_DEPTH 4

#define REF_NAME_ANNOTATION "org.opencontainers.image.ref.name"

struct src {
	const char *path;
	int dirfd; /* a directory layout, or -1 */
	int fd;	   /* a tar, or -1 */
	/* A tar's symlinks, name -> target resolved to a member name: docker save (before 25)
	 * writes a layer it already wrote as ID/layer.tar -> ../FIRST/layer.tar. */
	json_t *links;
};

/* An entry being read: from a tar (a) or a file of a directory layout (fd). */
struct stream {
	struct archive *a;
	int fd;
};

static ssize_t stream_read(struct stream *st, void *buf, size_t len)
{
	if (st->a)
		return sym_archive_read_data(st->a, buf, len);
	ssize_t n;
	do
		n = read(st->fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/* One wanted entry of a pass: the handler reads it from the stream. */
struct want {
	const char *name;
	bool optional;
	int (*fn)(struct src *src, struct want *w, struct stream *st, struct error *err);
	void *arg;
	bool found;
	/* memory handler's result */
	char *buf;
	size_t len;
};

static void wants_free(struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i].buf);
	free(w);
}

/* "./a//b" -> "a/b", as tar writers differ in how they spell a member's name. */
static void clean_name(const char *in, char *out, size_t size)
{
	size_t o = 0;
	while (*in && o + 1 < size) {
		while (*in == '/')
			in++;
		if (in[0] == '.' && (in[1] == '/' || in[1] == '\0')) {
			in++;
			continue;
		}
		if (o > 0 && *in)
			out[o++] = '/';
		while (*in && *in != '/' && o + 1 < size)
			out[o++] = *in++;
	}
	out[o] = '\0';
}

/* Records name -> its target as a member name ("a/b" -> "../c/d" is "c/d"); targets that leave
 * the archive are not recorded. */
static void add_link(json_t *links, const char *name, const char *target)
{
	char joined[8192], clean[4096];
	if (target == NULL || target[0] == '/')
		return;
	const char *slash = strrchr(name, '/');
	snprintf(joined, sizeof joined, "%.*s/%s", slash ? (int)(slash - name) : 0, name, target);
	/* Resolve ".." by hand: clean_name leaves it. */
	char *parts[512];
	size_t n = 0;
	char *save = NULL;
	for (char *t = strtok_r(joined, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (strcmp(t, ".") == 0 || t[0] == '\0')
			continue;
		if (strcmp(t, "..") == 0) {
			if (n == 0)
				return;
			n--;
			continue;
		}
		if (n == ARRAY_SIZE(parts))
			return;
		parts[n++] = t;
	}
	size_t o = 0;
	for (size_t i = 0; i < n && o < sizeof clean; i++)
		o += (size_t)snprintf(clean + o, sizeof clean - o, "%s%s", i ? "/" : "", parts[i]);
	if (o < sizeof clean)
		json_object_set_new(links, name, json_string(clean));
}

/* name through the archive's symlinks (a few hops at most). */
static const char *follow_links(const struct src *src, const char *name)
{
	for (int hop = 0; hop < 8 && src->links; hop++) {
		const char *to = json_string_value(json_object_get(src->links, name));
		if (to == NULL)
			break;
		name = to;
	}
	return name;
}

static int pass_tar(struct src *src, struct want *w, size_t n, struct error *err)
{
	if (lseek(src->fd, 0, SEEK_SET) < 0)
		return error_errno(err, "%s: seek", src->path);
	struct archive *a = sym_archive_read_new();
	if (a == NULL)
		return error_set(err, ENOMEM, "%s: libarchive", src->path);
	sym_archive_read_support_format_tar(a);
	sym_archive_read_support_filter_gzip(a);
	sym_archive_read_support_filter_zstd(a);
	sym_archive_read_support_filter_none(a);
	int r = 0;
	if (sym_archive_read_open_fd(a, src->fd, CHUNK) != ARCHIVE_OK) {
		r = error_set(err, EINVAL, "%s: %s", src->path, sym_archive_error_string(a));
		goto out;
	}
	struct archive_entry *e;
	int ar;
	char name[4096];
	while ((ar = sym_archive_read_next_header(a, &e)) == ARCHIVE_OK || ar == ARCHIVE_WARN) {
		const char *p = sym_archive_entry_pathname(e);
		clean_name(p ? p : "", name, sizeof name);
		if (sym_archive_entry_filetype(e) == AE_IFLNK && src->links)
			add_link(src->links, name, sym_archive_entry_symlink(e));
		struct want *hit = NULL;
		if (sym_archive_entry_filetype(e) == AE_IFREG)
			for (size_t i = 0; i < n && hit == NULL; i++)
				if (!w[i].found && strcmp(w[i].name, name) == 0)
					hit = &w[i];
		if (hit == NULL)
			continue; /* the next header skips the data (a seek on a plain tar) */
		hit->found = true;
		struct stream st = {.a = a, .fd = -1};
		if (hit->fn(src, hit, &st, err) < 0) {
			r = error_prefix(err, "%s", src->path);
			goto out;
		}
	}
	if (ar != ARCHIVE_EOF)
		r = error_set(err, EINVAL, "%s: not a readable tar: %s", src->path,
			      sym_archive_error_string(a));
out:
	sym_archive_read_free(a);
	return r;
}

/* No absolute name and no ".." component. */
static bool name_beneath(const char *name)
{
	if (name[0] == '/')
		return false;
	for (const char *p = name; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == name || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			return false;
	return true;
}

static int pass_dir(struct src *src, struct want *w, size_t n, struct error *err)
{
	for (size_t i = 0; i < n; i++) {
		/* The names come from the layout's own documents: none may lead out of it. */
		if (!name_beneath(w[i].name))
			return error_set(err, EINVAL, "%s: \"%s\" is outside the layout", src->path,
					 w[i].name);
		struct open_how how = {.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
				       .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
		_cleanup_close_ int fd =
		    (int)syscall(SYS_openat2, src->dirfd, w[i].name, &how, sizeof how);
		/* Before Linux 5.6 (and under valgrind): the name check above is the guard. */
		if (fd < 0 && errno == ENOSYS)
			fd = openat(src->dirfd, w[i].name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0)
			return error_errno(err, "%s: open %s", src->path, w[i].name);
		struct stat st;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		w[i].found = true;
		struct stream s = {.a = NULL, .fd = fd};
		if (w[i].fn(src, &w[i], &s, err) < 0)
			return error_prefix(err, "%s", src->path);
	}
	return 0;
}

static int pass(struct src *src, struct want *w, size_t n, struct error *err)
{
	if (n == 0)
		return 0;
	int r = src->fd >= 0 ? pass_tar(src, w, n, err) : pass_dir(src, w, n, err);
	if (r < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!w[i].found && !w[i].optional)
			return error_set(err, ENOENT, "%s: %s is missing", src->path, w[i].name);
	return 0;
}

/* Handler: the entry read whole into w->buf. */
static int read_doc(struct src *src, struct want *w, struct stream *st, struct error *err)
{
	(void)src;
	size_t cap = 0;
	for (;;) {
		if (w->len == cap) {
			if (cap >= DOC_MAX)
				return error_set(err, EFBIG, "%s: larger than %d bytes", w->name,
						 DOC_MAX);
			cap = cap ? cap * 2 : 16384;
			char *nb = realloc(w->buf, cap + 1);
			if (nb == NULL)
				return error_set(err, ENOMEM, "%s", w->name);
			w->buf = nb;
		}
		ssize_t k = stream_read(st, w->buf + w->len, cap - w->len);
		if (k < 0)
			return error_errno(err, "%s: read", w->name);
		if (k == 0)
			break;
		w->len += (size_t)k;
	}
	w->buf[w->len] = '\0';
	return 0;
}

/* What a blob handler is told and tells: the store, the expected digest (or "" when it is to
 * be computed), and for docker layers whether the layer turned out compressed. */
struct blob_job {
	struct store *s;
	char digest[DIGEST_SIZE];
	int64_t size;
	const char *diff_id; /* docker: the config's diff_id, the digest of an uncompressed tar */
	const char *media_type;
	bool done;
};

static int copy_into(struct blob_writer *w, struct stream *st, char *buf, size_t have,
		     struct error *err)
{
	/* A partial file from an interrupted import is resumed: its bytes are skipped here. */
	int64_t skip = blob_writer_offset(w);
	for (;;) {
		size_t off = 0;
		if (skip > 0) {
			off = (size_t)skip < have ? (size_t)skip : have;
			skip -= (int64_t)off;
		}
		if (have > off && blob_writer_write(w, buf + off, have - off, err) < 0)
			return -1;
		ssize_t k = stream_read(st, buf, CHUNK);
		if (k < 0)
			return error_errno(err, "read");
		if (k == 0)
			return 0;
		have = (size_t)k;
	}
}

/* Handler: the entry streamed into the store as a blob. */
static int fetch_blob(struct src *src, struct want *w, struct stream *st, struct error *err)
{
	(void)src;
	struct blob_job *j = w->arg;
	_cleanup_free_ char *buf = malloc(CHUNK);
	if (buf == NULL)
		return error_set(err, ENOMEM, "%s", w->name);
	size_t have = 0;
	if (j->diff_id) {
		/* A docker archive's layer: its compression only shows in its first bytes. */
		while (have < 4) {
			ssize_t k = stream_read(st, buf + have, CHUNK - have);
			if (k < 0)
				return error_errno(err, "%s: read", w->name);
			if (k == 0)
				break;
			have += (size_t)k;
		}
		const unsigned char *b = (const unsigned char *)buf;
		if (have >= 2 && b[0] == 0x1f && b[1] == 0x8b)
			j->media_type = MT_OCI_LAYER_GZIP;
		else if (have >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
			j->media_type = MT_OCI_LAYER_ZSTD;
		else {
			j->media_type = MT_OCI_LAYER;
			/* Uncompressed, its digest is the diff_id the config promises. */
			if (!j->digest[0])
				memcpy(j->digest, j->diff_id, DIGEST_SIZE);
		}
	}
	struct blob_writer *bw;
	if (blob_writer_open(j->s, j->digest[0] ? j->digest : NULL, j->size, &bw, err) < 0)
		return error_prefix(err, "%s", w->name);
	if (copy_into(bw, st, buf, have, err) < 0) {
		error_prefix(err, "%s", w->name);
		blob_writer_abort(bw, true);
		return -1;
	}
	char got[DIGEST_SIZE];
	/* A blob under blobs/ is named by its digest, which the writer's error names already. */
	if (blob_writer_commit(bw, got, err) < 0)
		return strncmp(w->name, "blobs/", 6) == 0 ? -1 : error_prefix(err, "%s", w->name);
	memcpy(j->digest, got, DIGEST_SIZE);
	j->done = true;
	FAULT_POINT("import-blob");
	return 0;
}

static void blob_want(struct want *w, struct blob_job *j, char name[DIGEST_HEX + 16])
{
	snprintf(name, DIGEST_HEX + 16, "blobs/sha256/%s", digest_hex(j->digest));
	*w = (struct want){.name = name, .fn = fetch_blob, .arg = j};
}

/* Fetches every blob of jobs the store does not have yet, in one pass. */
static int fetch_blobs(struct src *src, struct blob_job *jobs, size_t n, struct error *err)
{
	struct want *w = calloc(n ? n : 1, sizeof *w);
	char(*names)[DIGEST_HEX + 16] = calloc(n ? n : 1, sizeof *names);
	size_t k = 0;
	int r = 0;
	if (w == NULL || names == NULL) {
		r = error_set(err, ENOMEM, "%s", src->path);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (store_blob_exists(jobs[i].s, jobs[i].digest))
			continue;
		bool dup = false;
		for (size_t m = 0; m < k && !dup; m++)
			dup = strcmp(names[m] + 13, digest_hex(jobs[i].digest)) == 0;
		if (!dup)
			blob_want(&w[k], &jobs[i], names[k]), k++;
	}
	r = pass(src, w, k, err);
out:
	wants_free(w, k);
	free(names);
	return r;
}

static int fetch_one(struct src *src, struct store *s, const char *digest, int64_t size,
		     struct error *err)
{
	struct blob_job j = {.s = s, .size = size};
	memcpy(j.digest, digest, DIGEST_SIZE);
	return fetch_blobs(src, &j, 1, err);
}

/* An image on its way in: its manifest and the names to tag it with. */
struct pending {
	char digest[DIGEST_SIZE];
	char **names;
	size_t n_names;
};

static int add_name(struct pending *p, const char *name, struct error *err)
{
	char **nv = realloc(p->names, (p->n_names + 1) * sizeof *nv);
	if (nv == NULL)
		return error_set(err, ENOMEM, "image name");
	p->names = nv;
	/* A name without a tag is NAME:latest, as docker and podman read it. */
	const char *slash = strrchr(name, '/');
	const char *colon = strrchr(slash ? slash : name, ':');
	int k = colon || strchr(name, '@') ? asprintf(&nv[p->n_names], "%s", name)
					   : asprintf(&nv[p->n_names], "%s:latest", name);
	if (k < 0)
		return error_set(err, ENOMEM, "image name");
	p->n_names++;
	return 0;
}

static void pending_free(struct pending *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < p[i].n_names; k++)
			free(p[i].names[k]);
		free(p[i].names);
	}
	free(p);
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A descriptor of index.json, checked before any of it names a file. */
static int desc_check(json_t *d, const char *where, struct error *err)
{
	const char *digest = jstr(d, "digest");
	if (!json_is_object(d) || digest == NULL || jstr(d, "mediaType") == NULL)
		return error_set(err, EINVAL, "%s: a descriptor without digest or mediaType",
				 where);
	return digest_check(digest, where, err);
}

/* Follows indexes from desc down to the platform's manifest. */
static int resolve_manifest(struct src *src, struct store *s, const char *platform,
			    const char *digest, const char *media_type, int64_t size,
			    char out[DIGEST_SIZE], struct error *err)
{
	char cur[DIGEST_SIZE];
	memcpy(cur, digest, DIGEST_SIZE);
	_cleanup_free_ char *mt = strdup(media_type);
	if (mt == NULL)
		return error_set(err, ENOMEM, "%s", src->path);
	for (int depth = 0;; depth++) {
		if (fetch_one(src, s, cur, size, err) < 0)
			return -1;
		if (!image_is_index(mt)) {
			memcpy(out, cur, DIGEST_SIZE);
			return 0;
		}
		if (depth == INDEX_DEPTH)
			return error_set(err, ELOOP, "%s: indexes nested deeper than %d", src->path,
					 INDEX_DEPTH);
		_cleanup_free_ char *buf = NULL;
		size_t len;
		if (store_blob_read(s, cur, DOC_MAX, &buf, &len, err) < 0)
			return error_prefix(err, "%s", src->path);
		char *next_mt = NULL;
		if (image_index_pick(buf, len, platform, cur, &next_mt, err) < 0)
			return error_prefix(err, "%s", src->path);
		free(mt);
		mt = next_mt;
		size = -1;
	}
}

/* index.json: its manifests grouped by name. Entries of one name that carry platforms are the
 * platforms of one image (Docker 25 writes them so), picked as from an index. */
static int oci_images(struct src *src, struct store *s, const char *index, size_t len,
		      const struct layout_import_opts *o, struct pending **out, size_t *n_out,
		      struct error *err)
{
	_cleanup_json_ json_t *root = json_loadb(index, len, 0, NULL);
	json_t *mans = json_object_get(root, "manifests");
	if (!json_is_array(mans))
		return error_set(err, EINVAL, "%s: index.json: manifests: expected an array",
				 src->path);
	size_t n = json_array_size(mans);
	if (n == 0)
		return error_set(err, ENOENT, "%s: index.json names no image", src->path);
	struct pending *p = calloc(n, sizeof *p);
	bool *used = calloc(n, sizeof *used);
	size_t np = 0;
	int r = 0;
	if (p == NULL || used == NULL) {
		r = error_set(err, ENOMEM, "%s", src->path);
		goto out;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		char where[64];
		snprintf(where, sizeof where, "index.json: manifests[%zu]", i);
		if ((r = desc_check(json_array_get(mans, i), where, err)) < 0)
			r = error_prefix(err, "%s", src->path);
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		if (used[i])
			continue;
		json_t *d = json_array_get(mans, i);
		const char *ref = jstr(json_object_get(d, "annotations"), REF_NAME_ANNOTATION);
		_cleanup_json_ json_t *group = json_array();
		for (size_t k = i; k < n; k++) {
			json_t *dk = json_array_get(mans, k);
			const char *rk =
			    jstr(json_object_get(dk, "annotations"), REF_NAME_ANNOTATION);
			if (k == i ||
			    (ref && rk && strcmp(ref, rk) == 0 && json_object_get(d, "platform") &&
			     json_object_get(dk, "platform"))) {
				used[k] = true;
				json_array_append(group, dk);
			}
		}
		struct pending *pi = &p[np++];
		if (json_array_size(group) == 1) {
			json_int_t size = json_integer_value(json_object_get(d, "size"));
			r = resolve_manifest(src, s, o->platform, jstr(d, "digest"),
					     jstr(d, "mediaType"), size > 0 ? size : -1, pi->digest,
					     err);
		} else {
			/* Several platforms of one name: an index that is not a blob. */
			_cleanup_json_ json_t *idx =
			    json_pack("{s:i,s:s,s:O}", "schemaVersion", 2, "mediaType",
				      MT_OCI_INDEX, "manifests", group);
			_cleanup_free_ char *text = json_dumps(idx, JSON_COMPACT);
			char pick[DIGEST_SIZE];
			_cleanup_free_ char *mt = NULL;
			r = text == NULL ? error_set(err, ENOMEM, "%s", src->path)
			    : image_index_pick(text, strlen(text), o->platform, pick, &mt, err) < 0
				? error_prefix(err, "%s: index.json", src->path)
				: resolve_manifest(src, s, o->platform, pick, mt, -1, pi->digest,
						   err);
		}
		if (r == 0 && ref)
			r = add_name(pi, ref, err);
	}
out:
	free(used);
	if (r < 0) {
		pending_free(p, np);
		return -1;
	}
	*out = p;
	*n_out = np;
	return 0;
}

/* manifest.json of a docker save: an OCI manifest is made for each image from its config and
 * layer tars, whose digests are computed (legacy archives name layers ID/layer.tar). */
static int docker_images(struct src *src, struct store *s, const char *doc, size_t len,
			 struct pending **out, size_t *n_out, struct error *err)
{
	_cleanup_json_ json_t *root = json_loadb(doc, len, 0, NULL);
	if (!json_is_array(root) || json_array_size(root) == 0)
		return error_set(err, EINVAL, "%s: manifest.json: expected a non-empty array",
				 src->path);
	size_t n = json_array_size(root);
	struct want *cw = calloc(n, sizeof *cw);
	struct pending *p = calloc(n, sizeof *p);
	struct blob_job *jobs = NULL;
	struct want *lw = NULL;
	size_t nl = 0, nj = 0;
	int r = 0;
	if (cw == NULL || p == NULL) {
		r = error_set(err, ENOMEM, "%s", src->path);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_array_get(root, i);
		cw[i] = (struct want){.name = jstr(m, "Config"), .fn = read_doc};
		if (cw[i].name == NULL || !json_is_array(json_object_get(m, "Layers"))) {
			r = error_set(err, EINVAL,
				      "%s: manifest.json[%zu]: expected Config and Layers",
				      src->path, i);
			goto out;
		}
		nl += json_array_size(json_object_get(m, "Layers"));
	}
	if ((r = pass(src, cw, n, err)) < 0)
		goto out;
	jobs = calloc(nl ? nl : 1, sizeof *jobs);
	lw = calloc(nl ? nl : 1, sizeof *lw);
	if (jobs == NULL || lw == NULL) {
		r = error_set(err, ENOMEM, "%s", src->path);
		goto out;
	}
	json_t *configs = json_array();
	for (size_t i = 0; i < n && r == 0; i++) {
		json_t *m = json_array_get(root, i);
		json_t *cfg = json_loadb(cw[i].buf, cw[i].len, 0, NULL);
		json_array_append_new(configs, cfg);
		json_t *diff = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
		json_t *layers = json_object_get(m, "Layers");
		if (!json_is_array(diff) || json_array_size(diff) != json_array_size(layers)) {
			r = error_set(err, EINVAL,
				      "%s: %s: rootfs.diff_ids does not match the %zu layers of "
				      "manifest.json",
				      src->path, cw[i].name, json_array_size(layers));
			break;
		}
		for (size_t k = 0; k < json_array_size(layers) && r == 0; k++) {
			const char *lp = json_string_value(json_array_get(layers, k));
			const char *did = json_string_value(json_array_get(diff, k));
			if (lp)
				lp = follow_links(src, lp);
			if (lp == NULL || did == NULL || digest_check(did, "diff_id", err) < 0) {
				r = lp == NULL || did == NULL
					? error_set(err, EINVAL, "%s: %s: layer %zu", src->path,
						    cw[i].name, k)
					: error_prefix(err, "%s: %s", src->path, cw[i].name);
				break;
			}
			bool dup = false;
			for (size_t q = 0; q < nj && !dup; q++)
				dup = strcmp(lw[q].name, lp) == 0;
			if (dup)
				continue;
			jobs[nj] = (struct blob_job){.s = s, .size = -1, .diff_id = did};
			/* Docker 25 names layers by their digest: then it is checked too. */
			if (strncmp(lp, "blobs/sha256/", 13) == 0) {
				snprintf(jobs[nj].digest, DIGEST_SIZE, "sha256:%s", lp + 13);
				if (!digest_valid(jobs[nj].digest))
					jobs[nj].digest[0] = '\0';
			}
			lw[nj] = (struct want){.name = lp, .fn = fetch_blob, .arg = &jobs[nj]};
			nj++;
		}
	}
	if (r == 0)
		r = pass(src, lw, nj, err);
	for (size_t i = 0; i < n && r == 0; i++) {
		json_t *m = json_array_get(root, i);
		json_t *layers = json_object_get(m, "Layers");
		char cdigest[DIGEST_SIZE];
		/* The config's name is its digest (HEX.json, blobs/sha256/HEX): check it. */
		const char *base = strrchr(cw[i].name, '/');
		base = base ? base + 1 : cw[i].name;
		if ((r = store_blob_put(s, cw[i].buf, cw[i].len, cdigest, err)) < 0)
			break;
		if (strspn(base, "0123456789abcdef") == DIGEST_HEX &&
		    strncmp(base, digest_hex(cdigest), DIGEST_HEX) != 0) {
			r = error_set(err, EILSEQ, "%s: %s: digest mismatch: got %s", src->path,
				      cw[i].name, cdigest);
			break;
		}
		json_t *ls = json_array();
		for (size_t k = 0; k < json_array_size(layers); k++) {
			const char *lp =
			    follow_links(src, json_string_value(json_array_get(layers, k)));
			struct blob_job *j = NULL;
			for (size_t q = 0; q < nj && j == NULL; q++)
				if (strcmp(lw[q].name, lp) == 0)
					j = &jobs[q];
			struct stat st;
			_cleanup_close_ int fd = store_blob_open(s, j->digest, err);
			if (fd < 0 || fstat(fd, &st) < 0) {
				r = -1;
				break;
			}
			json_array_append_new(ls, json_pack("{s:s,s:s,s:I}", "mediaType",
							    j->media_type, "digest", j->digest,
							    "size", (json_int_t)st.st_size));
		}
		_cleanup_json_ json_t *man =
		    json_pack("{s:i,s:s,s:{s:s,s:s,s:I},s:o}", "schemaVersion", 2, "mediaType",
			      MT_OCI_MANIFEST, "config", "mediaType", MT_OCI_CONFIG, "digest",
			      cdigest, "size", (json_int_t)cw[i].len, "layers", ls);
		_cleanup_free_ char *text = man ? json_dumps(man, JSON_COMPACT) : NULL;
		if (r == 0 && text == NULL)
			r = error_set(err, ENOMEM, "%s", src->path);
		if (r == 0)
			r = store_blob_put(s, text, strlen(text), p[i].digest, err);
		json_t *tags = json_object_get(m, "RepoTags");
		for (size_t k = 0; k < json_array_size(tags) && r == 0; k++)
			if (json_string_value(json_array_get(tags, k)))
				r = add_name(&p[i], json_string_value(json_array_get(tags, k)),
					     err);
	}
	json_decref(configs);
out:
	if (cw)
		for (size_t i = 0; i < n; i++)
			free(cw[i].buf);
	free(cw);
	free(lw);
	free(jobs);
	if (r < 0) {
		pending_free(p, n);
		return -1;
	}
	*out = p;
	*n_out = n;
	return 0;
}

/* The config and the layers of a manifest already in the store: fetched, then unpacked. */
static int import_content(struct src *src, struct store *s, const char *manifest_digest,
			  const struct unpack_limits *lim, struct error *err)
{
	struct image img = {0};
	_cleanup_free_ char *man = NULL;
	size_t len;
	if (store_blob_read(s, manifest_digest, DOC_MAX, &man, &len, err) < 0 ||
	    image_manifest_parse(man, len, &img, err) < 0)
		return error_prefix(err, "%s", src->path);
	struct blob_job *jobs = calloc(img.n_layers + 1, sizeof *jobs);
	int r = 0;
	if (jobs == NULL) {
		r = error_set(err, ENOMEM, "%s", src->path);
		goto out;
	}
	jobs[0] = (struct blob_job){.s = s, .size = -1};
	memcpy(jobs[0].digest, img.config_digest, DIGEST_SIZE);
	for (size_t i = 0; i < img.n_layers; i++) {
		jobs[i + 1] = (struct blob_job){.s = s, .size = img.layers[i].size};
		memcpy(jobs[i + 1].digest, img.layers[i].digest, DIGEST_SIZE);
	}
	if ((r = fetch_blobs(src, jobs, img.n_layers + 1, err)) < 0)
		goto out;
	for (size_t i = 0; i < img.n_layers && r == 0; i++) {
		const char *d = img.layers[i].digest;
		if (store_layer_exists(s, d))
			continue;
		_cleanup_close_ int fd = store_blob_open(s, d, err);
		if (fd < 0 || store_layer_unpack(s, d, fd, lim, err) < 0)
			r = error_prefix(err, "%s", src->path);
		else
			FAULT_POINT("import-unpack");
	}
out:
	free(jobs);
	image_free(&img);
	return r;
}

static int src_open(struct src *src, const char *path, struct error *err)
{
	*src = (struct src){.path = path, .dirfd = -1, .fd = -1};
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return error_errno(err, "%s", path);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return error_errno(err, "%s", path);
	}
	if (S_ISDIR(st.st_mode))
		src->dirfd = fd;
	else
		src->fd = fd;
	if (src->fd >= 0 && dl_archive(err) < 0) {
		close(fd);
		return -1;
	}
	src->links = json_object();
	return 0;
}

int layout_import(struct store *s, const char *path, const struct layout_import_opts *o,
		  struct layout_image **out, size_t *n_out, struct error *err)
{
	struct src src;
	if (src_open(&src, path, err) < 0)
		return -1;
	struct want top[] = {
	    {.name = "index.json", .optional = true, .fn = read_doc},
	    {.name = "manifest.json", .optional = true, .fn = read_doc},
	};
	struct pending *p = NULL;
	size_t np = 0;
	int r = pass(&src, top, ARRAY_SIZE(top), err);
	if (r < 0)
		goto out;
	/* Docker 25 writes both; manifest.json names the images with their repositories. */
	if (top[1].found)
		r = docker_images(&src, s, top[1].buf, top[1].len, &p, &np, err);
	else if (top[0].found)
		r = oci_images(&src, s, top[0].buf, top[0].len, o, &p, &np, err);
	else
		r = error_set(err, EINVAL,
			      "%s: not an OCI image layout or a docker archive (no index.json "
			      "or manifest.json)",
			      path);
	if (r < 0)
		goto out;
	if (o->name && np != 1) {
		r = error_set(err, EINVAL, "%s holds %zu images: import it without a name", path,
			      np);
		goto out;
	}
	for (size_t i = 0; i < np && r == 0; i++) {
		if (o->name) {
			for (size_t k = 0; k < p[i].n_names; k++)
				free(p[i].names[k]);
			p[i].n_names = 0;
			r = add_name(&p[i], o->name, err);
		} else if (p[i].n_names == 0)
			r = error_set(err, EINVAL,
				      "%s: image %s has no name (" REF_NAME_ANNOTATION
				      "): give one, berth image import PATH NAME",
				      path, p[i].digest);
	}
	for (size_t i = 0; i < np && r == 0; i++)
		r = import_content(&src, s, p[i].digest, o->limits, err);
	FAULT_POINT("import-tag");
	size_t total = 0;
	for (size_t i = 0; i < np; i++)
		total += p[i].n_names;
	struct layout_image *res = r == 0 ? calloc(total ? total : 1, sizeof *res) : NULL;
	if (r == 0 && res == NULL)
		r = error_set(err, ENOMEM, "%s", path);
	size_t k = 0;
	for (size_t i = 0; i < np && r == 0; i++)
		for (size_t q = 0; q < p[i].n_names && r == 0; q++) {
			r = store_tag(s, p[i].names[q], p[i].digest, err);
			memcpy(res[k].digest, p[i].digest, DIGEST_SIZE);
			res[k++].name = steal_pointer(&p[i].names[q]);
		}
	if (r < 0)
		layout_images_free(res, k);
	else {
		*out = res;
		*n_out = k;
	}
out:
	free(top[0].buf);
	free(top[1].buf);
	pending_free(p, np);
	if (src.fd >= 0)
		close(src.fd);
	if (src.dirfd >= 0)
		close(src.dirfd);
	json_decref(src.links);
	return r;
}

void layout_images_free(struct layout_image *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}
