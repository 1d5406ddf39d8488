/* The store's layout, its lock, blobs and unpacked layers (the index is in store_index.c). */
#include "images/store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "images/store_internal.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fault.h"
#include "lib/fs.h"

static const char *const layout[] = {"blobs", STORE_BLOBS, STORE_LAYERS, STORE_TMP,
				     STORE_CONTAINERS};

int store_open(struct store *s, const char *root, struct error *err)
{
	*s = (struct store){.dirfd = -1, .lock_fd = -1};
	if (mkdir_p(root, 0700, err) < 0)
		return error_prefix(err, "store %s", root);
	_cleanup_close_ int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return error_errno(err, "store %s", root);
	for (size_t i = 0; i < ARRAY_SIZE(layout); i++)
		if (mkdirat(dfd, layout[i], 0700) < 0 && errno != EEXIST)
			return error_errno(err, "store %s: mkdir %s", root, layout[i]);
	_cleanup_close_ int lfd =
	    openat(dfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (lfd < 0)
		return error_errno(err, "store %s: open lock", root);
	s->root = strdup(root);
	if (s->root == NULL)
		return error_set(err, ENOMEM, "store %s", root);
	s->dirfd = steal_fd(&dfd);
	s->lock_fd = steal_fd(&lfd);
	/* The debris of a command killed earlier goes now; a failure here costs only space. */
	struct error e;
	store_gc_tmp(s, false, NULL, &e);
	return 0;
}

void store_close(struct store *s)
{
	if (s->dirfd >= 0)
		close(s->dirfd);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s->root);
	*s = (struct store){.dirfd = -1, .lock_fd = -1};
}

int store_lock(struct store *s, enum store_lock_mode mode, struct error *err)
{
	if (store_flock(s->lock_fd, mode == STORE_EXCLUSIVE ? LOCK_EX : LOCK_SH) < 0)
		return error_errno(err, "store %s: lock", s->root);
	return 0;
}

void store_unlock(struct store *s)
{
	if (s->lock_fd >= 0)
		flock(s->lock_fd, LOCK_UN);
}

bool store_blob_exists(struct store *s, const char *digest)
{
	char name[STORE_NAME_MAX];
	struct stat st;
	return store_blob_name(digest, name) == 0 &&
	       fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

int store_blob_open(struct store *s, const char *digest, struct error *err)
{
	char name[STORE_NAME_MAX];
	if (digest_check(digest, "blob", err) < 0)
		return -1;
	store_blob_name(digest, name);
	int fd = openat(s->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		return error_set(err, ENOENT, "blob %s is not in the store", digest);
	if (fd < 0)
		return error_errno(err, "blob %s", digest);
	return fd;
}

/* A blob whose bytes do not match its name is removed, so that the next pull or import fetches
 * it again; only the file that was read, not one a writer has just renamed over it. */
static void drop_corrupt(struct store *s, const char *name, int fd)
{
	struct stat a, b;
	if (fstat(fd, &a) == 0 && fstatat(s->dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		unlinkat(s->dirfd, name, 0);
}

int store_blob_read(struct store *s, const char *digest, size_t max, char **buf, size_t *len,
		    struct error *err)
{
	_cleanup_close_ int fd = store_blob_open(s, digest, err);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_errno(err, "blob %s", digest);
	if (!S_ISREG(st.st_mode))
		return error_set(err, EIO, "blob %s is not a regular file", digest);
	if ((uint64_t)st.st_size > max)
		return error_set(err, EFBIG,
				 "blob %s: %" PRId64 " bytes, more than the %zu allowed", digest,
				 (int64_t)st.st_size, max);
	size_t n = (size_t)st.st_size;
	_cleanup_free_ char *b = malloc(n + 1);
	if (b == NULL)
		return error_set(err, ENOMEM, "blob %s", digest);
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, b + got, n - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return error_errno(err, "read blob %s", digest);
		if (r == 0)
			break;
		got += (size_t)r;
	}
	b[got] = '\0';
	char actual[DIGEST_SIZE];
	if (digest_buf(b, got, actual, err) < 0)
		return -1;
	if (strcmp(actual, digest) != 0) {
		char name[STORE_NAME_MAX];
		store_blob_name(digest, name);
		drop_corrupt(s, name, fd);
		return error_set(err, EIO,
				 "blob %s is corrupt (its content has digest %s); removed it",
				 digest, actual);
	}
	*buf = steal_pointer(&b);
	if (len)
		*len = got;
	return 0;
}

int store_blob_put(struct store *s, const void *buf, size_t len, char digest[DIGEST_SIZE],
		   struct error *err)
{
	char d[DIGEST_SIZE];
	if (digest_buf(buf, len, d, err) < 0)
		return -1;
	if (!store_blob_exists(s, d)) {
		struct blob_writer *w;
		if (blob_writer_open(s, d, (int64_t)len, &w, err) < 0)
			return -1;
		/* A partial left by an interrupted writer holds a prefix of these very bytes. */
		int64_t off = blob_writer_offset(w);
		if (off < 0 || (uint64_t)off > len)
			off = 0;
		if (blob_writer_write(w, (const char *)buf + off, len - (size_t)off, err) < 0) {
			blob_writer_abort(w, false);
			return -1;
		}
		if (blob_writer_commit(w, d, err) < 0)
			return -1;
	}
	memcpy(digest, d, DIGEST_SIZE);
	return 0;
}

struct blob_writer {
	struct store *s;
	int fd;			   /* the partial file, flock'ed; -1 when the blob exists */
	char name[STORE_NAME_MAX]; /* its name under STORE */
	char expect[DIGEST_SIZE];  /* "" when unknown */
	int64_t expect_size;	   /* -1 when unknown */
	int64_t offset;		   /* bytes in the partial file */
	struct digest_ctx *ctx;
	bool present; /* another writer finished the blob: nothing to write */
};

static void writer_free(struct blob_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	digest_free(w->ctx);
	free(w);
}

/* Hashes what an earlier writer left, so that the download resumes from its end. A partial that
 * is longer than the blob, or unreadable, is started over. */
static int writer_resume(struct blob_writer *w, struct error *err)
{
	struct stat st;
	if (fstat(w->fd, &st) < 0)
		return error_errno(err, "blob %s: stat %s", w->expect, w->name);
	if (st.st_size == 0)
		return 0;
	if (w->expect_size >= 0 && st.st_size > w->expect_size)
		goto restart;
	char buf[1 << 16];
	int64_t off = 0;
	while (off < st.st_size) {
		ssize_t n = pread(w->fd, buf, sizeof buf, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto restart;
		digest_update(w->ctx, buf, (size_t)n);
		off += n;
	}
	w->offset = off;
	return 0;
restart:
	digest_free(w->ctx);
	w->ctx = NULL;
	w->offset = 0;
	if (ftruncate(w->fd, 0) < 0)
		return error_errno(err, "blob %s: truncate %s", w->expect, w->name);
	return digest_new(&w->ctx, err);
}

/* The partial file of an expected digest, locked. Waits while another writer holds it. */
static int writer_open_partial(struct blob_writer *w, struct error *err)
{
	snprintf(w->name, sizeof w->name, STORE_TMP "/%s.partial", digest_hex(w->expect));
	for (;;) {
		if (store_blob_exists(w->s, w->expect)) {
			w->present = true;
			return 0;
		}
		_cleanup_close_ int fd =
		    openat(w->s->dirfd, w->name,
			   O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd < 0)
			return error_errno(err, "blob %s: open %s", w->expect, w->name);
		if (store_flock(fd, LOCK_EX) < 0)
			return error_errno(err, "blob %s: lock %s", w->expect, w->name);
		if (!store_still_named(w->s, w->name, fd))
			continue;
		if (store_blob_exists(w->s, w->expect)) {
			/* The writer we waited for left a stale partial behind a kill; ours now. */
			unlinkat(w->s->dirfd, w->name, 0);
			w->present = true;
			return 0;
		}
		w->fd = steal_fd(&fd);
		return writer_resume(w, err);
	}
}

/* A blob of unknown digest goes to a random name, locked like a partial so that the debris
 * sweep of another command leaves it alone. */
static int writer_open_anonymous(struct blob_writer *w, struct error *err)
{
	for (int tries = 0; tries < 16; tries++) {
		if (store_tmp_name("blob", w->name) < 0)
			return error_errno(err, "blob: random name");
		_cleanup_close_ int fd =
		    openat(w->s->dirfd, w->name,
			   O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return error_errno(err, "blob: create %s/%s", w->s->root, w->name);
		if (store_flock(fd, LOCK_EX) < 0) {
			error_errno(err, "blob: lock %s/%s", w->s->root, w->name);
			unlinkat(w->s->dirfd, w->name, 0);
			return -1;
		}
		if (!store_still_named(w->s, w->name, fd))
			continue;
		w->fd = steal_fd(&fd);
		return 0;
	}
	return error_set(err, EEXIST, "blob: no free name in %s/" STORE_TMP, w->s->root);
}

int blob_writer_open(struct store *s, const char *expect_digest, int64_t expect_size,
		     struct blob_writer **out, struct error *err)
{
	if (expect_digest && digest_check(expect_digest, "blob", err) < 0)
		return -1;
	struct blob_writer *w = calloc(1, sizeof *w);
	if (w == NULL)
		return error_set(err, ENOMEM, "blob writer");
	*w = (struct blob_writer){
	    .s = s, .fd = -1, .expect_size = expect_size < 0 ? -1 : expect_size};
	if (expect_digest)
		memcpy(w->expect, expect_digest, DIGEST_SIZE);
	if (digest_new(&w->ctx, err) < 0) {
		writer_free(w);
		return -1;
	}
	int r;
	if (expect_digest) {
		r = writer_open_partial(w, err);
	} else {
		r = writer_open_anonymous(w, err);
	}
	if (r < 0) {
		writer_free(w);
		return -1;
	}
	*out = w;
	return 0;
}

int64_t blob_writer_offset(const struct blob_writer *w)
{
	if (w->present)
		return w->expect_size >= 0 ? w->expect_size : 0;
	return w->offset;
}

bool blob_writer_present(const struct blob_writer *w)
{
	return w->present;
}

int blob_writer_write(struct blob_writer *w, const void *buf, size_t len, struct error *err)
{
	if (w->present)
		return 0;
	const char *what = w->expect[0] ? w->expect : "blob";
	if (w->expect_size >= 0 && (uint64_t)(w->offset) + len > (uint64_t)w->expect_size)
		return error_set(err, EFBIG, "blob %s: more than the %" PRId64 " bytes announced",
				 what, w->expect_size);
	size_t done = 0;
	while (done < len) {
		ssize_t n = pwrite(w->fd, (const char *)buf + done, len - done,
				   (off_t)(w->offset + (int64_t)done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_errno(err, "blob %s: write %s/%s", what, w->s->root, w->name);
		done += (size_t)n;
	}
	digest_update(w->ctx, buf, len);
	w->offset += (int64_t)len;
	return 0;
}

int blob_writer_commit(struct blob_writer *w, char digest[DIGEST_SIZE], struct error *err)
{
	if (w->present) {
		memcpy(digest, w->expect, DIGEST_SIZE);
		writer_free(w);
		return 0;
	}
	char got[DIGEST_SIZE];
	digest_final(w->ctx, got);
	const char *what = w->expect[0] ? w->expect : got;
	int r = 0;
	if (w->expect[0] && strcmp(got, w->expect) != 0)
		r = error_set(err, EILSEQ, "blob %s: digest mismatch: expected %s, got %s", what,
			      w->expect, got);
	else if (w->expect_size >= 0 && w->offset != w->expect_size)
		r = error_set(err, EILSEQ,
			      "blob %s: size mismatch: expected %" PRId64 " bytes, got %" PRId64,
			      what, w->expect_size, w->offset);
	if (r == 0) {
		FAULT_POINT("blob-commit");
		char dest[STORE_NAME_MAX];
		store_blob_name(got, dest);
		if (renameat(w->s->dirfd, w->name, w->s->dirfd, dest) < 0)
			r = error_errno(err, "blob %s: rename into %s/%s", what, w->s->root, dest);
	}
	if (r < 0)
		unlinkat(w->s->dirfd, w->name, 0);
	else
		memcpy(digest, got, DIGEST_SIZE);
	writer_free(w);
	return r;
}

void blob_writer_abort(struct blob_writer *w, bool keep_partial)
{
	if (w == NULL)
		return;
	if (!w->present && !(keep_partial && w->expect[0]))
		unlinkat(w->s->dirfd, w->name, 0);
	writer_free(w);
}

static int layer_name(const char *digest, char out[STORE_NAME_MAX])
{
	if (!digest_valid(digest))
		return -1;
	snprintf(out, STORE_NAME_MAX, STORE_LAYERS "/%s", digest_hex(digest));
	return 0;
}

bool store_layer_exists(struct store *s, const char *blob_digest)
{
	char name[STORE_NAME_MAX];
	struct stat st;
	return layer_name(blob_digest, name) == 0 &&
	       fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

char *store_layer_path(const struct store *s, const char *blob_digest)
{
	char name[STORE_NAME_MAX];
	if (layer_name(blob_digest, name) < 0)
		return NULL;
	return path_join(s->root, name);
}
