/* berth pull's work: manifest, then blobs streamed into the store and the unpacker at once
 * (pull.h says how and why). */
#include "images/pull.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "images/image.h"
#include "images/reference.h"
#include "images/registry.h"
#include "images/store.h"
#include "images/unpack.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fault.h"
#include "lib/fs.h"
#include "lib/jsonutil.h"

struct progress {
	bool on;
	pthread_mutex_t lock;
	int64_t total, done;
	size_t layers, layers_done;
	struct timespec last;
};

/* What every worker shares. */
struct puller {
	struct store *s;
	struct registry *r;
	const char *path;
	struct image *img;
	struct unpack_limits lim;
	struct progress prog;
	pthread_mutex_t lock;
	size_t next;	  /* the next layer to take */
	bool failed;	  /* one failed: the others stop */
	struct error err; /* the first failure */
};

/* One blob on its way. */
struct job {
	struct puller *p;
	const char *digest;
	int64_t size;
	bool unpack;
	struct blob_writer *w;
	int pipe_w;
	char *hold; /* the last PULL_HOLD bytes, kept back until the blob is verified */
	size_t hold_len;
	bool pipe_broken;
	struct error err;
	/* The unpacker thread's side. */
	int pipe_r;
	int unpack_rc;
	struct error unpack_err;
};

static void progress_draw(struct progress *pr, bool final)
{
	if (!pr->on)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms =
	    (now.tv_sec - pr->last.tv_sec) * 1000 + (now.tv_nsec - pr->last.tv_nsec) / 1000000;
	if (!final && ms < 100)
		return;
	pr->last = now;
	fprintf(stderr, "\r\033[KCopying blobs: %zu/%zu, %.1f / %.1f MB%s", pr->layers_done,
		pr->layers, (double)pr->done / 1e6, (double)pr->total / 1e6, final ? "\n" : "");
}

static void progress_add(struct progress *pr, int64_t bytes, size_t layers)
{
	if (!pr->on)
		return;
	pthread_mutex_lock(&pr->lock);
	pr->done += bytes;
	pr->layers_done += layers;
	progress_draw(pr, false);
	pthread_mutex_unlock(&pr->lock);
}

static bool stopped(struct puller *p)
{
	pthread_mutex_lock(&p->lock);
	bool f = p->failed;
	pthread_mutex_unlock(&p->lock);
	return f;
}

/* Into the pipe, all but the last PULL_HOLD bytes seen so far. */
static int pipe_feed(struct job *j, const char *buf, size_t len)
{
	if (!j->unpack)
		return 0;
	size_t total = j->hold_len + len;
	if (total > PULL_HOLD) {
		size_t out = total - PULL_HOLD;
		size_t from_hold = out < j->hold_len ? out : j->hold_len;
		size_t from_buf = out - from_hold;
		if ((from_hold && write_all(j->pipe_w, j->hold, from_hold) < 0) ||
		    (from_buf && write_all(j->pipe_w, buf, from_buf) < 0)) {
			j->pipe_broken = true;
			return error_errno(&j->err, "layer %s: to the unpacker", j->digest);
		}
		memmove(j->hold, j->hold + from_hold, j->hold_len - from_hold);
		j->hold_len -= from_hold;
		buf += from_buf;
		len -= from_buf;
	}
	memcpy(j->hold + j->hold_len, buf, len);
	j->hold_len += len;
	return 0;
}

static int sink(void *arg, const void *buf, size_t len)
{
	struct job *j = arg;
	if (stopped(j->p))
		return error_set(&j->err, ECANCELED, "stopped");
	if (blob_writer_write(j->w, buf, len, &j->err) < 0)
		return -1;
	if (pipe_feed(j, buf, len) < 0)
		return -1;
	progress_add(&j->p->prog, (int64_t)len, 0);
	return 0;
}

static void *unpack_main(void *arg)
{
	struct job *j = arg;
	j->unpack_rc =
	    store_layer_unpack(j->p->s, j->digest, j->pipe_r, &j->p->lim, &j->unpack_err);
	close(j->pipe_r);
	return NULL;
}

/* The bytes of an earlier, interrupted transfer, through the unpacker before the rest. */
static int replay_partial(struct job *j, int64_t offset)
{
	char name[DIGEST_HEX + 32];
	snprintf(name, sizeof name, "tmp/%s.partial", digest_hex(j->digest));
	_cleanup_close_ int fd = openat(j->p->s->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(&j->err, "%s/%s", j->p->s->root, name);
	static __thread char buf[128 << 10];
	int64_t left = offset;
	while (left > 0) {
		ssize_t n = read(fd, buf, left < (int64_t)sizeof buf ? (size_t)left : sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_set(&j->err, n < 0 ? errno : EIO,
					 "%s/%s: shorter than %lld bytes", j->p->s->root, name,
					 (long long)offset);
		if (pipe_feed(j, buf, (size_t)n) < 0)
			return -1;
		left -= n;
	}
	return 0;
}

/* Ends the unpacker: with the held-back bytes when the blob is good, else with bytes that are
 * no archive so that it fails and removes what it made. */
static int finish_unpack(struct job *j, bool good)
{
	if (!j->unpack)
		return 0;
	if (good && !j->pipe_broken && j->hold_len)
		write_all(j->pipe_w, j->hold, j->hold_len); /* EPIPE: the unpacker had enough */
	if (!good) {
		static const char junk[4096] = {[0 ... 4095] = (char)0xff};
		write_all(j->pipe_w, junk, sizeof junk);
	}
	close(j->pipe_w);
	j->pipe_w = -1;
	return 0;
}

static bool keep_partial_for(int e)
{
	return e == EIO || e == EHOSTUNREACH || e == ETIMEDOUT || e == ECANCELED;
}

/* One attempt at one blob. ESPIPE: the registry refused the range; start over from 0. */
static int fetch_once(struct job *j, struct error *err)
{
	struct puller *p = j->p;
	if (blob_writer_open(p->s, j->digest, j->size, &j->w, err) < 0)
		return -1;
	/* Another command finished this blob while we waited for its partial file's lock. */
	if (blob_writer_present(j->w)) {
		blob_writer_abort(j->w, true);
		j->w = NULL;
		return 1;
	}
	int64_t offset = blob_writer_offset(j->w);
	pthread_t th;
	bool thread = false;
	if (j->unpack) {
		int fds[2];
		if (pipe2(fds, O_CLOEXEC) < 0) {
			blob_writer_abort(j->w, true);
			return error_errno(err, "pipe");
		}
		j->pipe_r = fds[0];
		j->pipe_w = fds[1];
		j->hold_len = 0;
		j->pipe_broken = false;
		int e = pthread_create(&th, NULL, unpack_main, j);
		if (e) {
			close(fds[0]);
			close(fds[1]);
			blob_writer_abort(j->w, true);
			return error_errno(err, "unpack thread");
		}
		thread = true;
	}
	error_clear(&j->err);
	int rc = 0;
	struct error net = {0};
	if (offset > 0 && replay_partial(j, offset) < 0)
		rc = -1;
	if (rc == 0 && offset > 0)
		progress_add(&p->prog, offset, 0);
	if (rc == 0 && (j->size < 0 || offset < j->size))
		rc = registry_blob(p->r, p->path, j->digest, offset, sink, j, &net);
	FAULT_POINT("pull-blob-fetched");
	char got[DIGEST_SIZE];
	bool good = false;
	int e = 0;
	if (rc == 0) {
		good = blob_writer_commit(j->w, got, err) == 0;
		j->w = NULL;
		if (!good)
			rc = -1;
	} else {
		/* The sink's own error says more than "transfer stopped". */
		if (net.err == ECANCELED || net.msg[0] == '\0')
			*err = j->err;
		else
			*err = net;
		e = err->err;
	}
	finish_unpack(j, good);
	if (thread)
		pthread_join(th, NULL);
	if (j->w) {
		blob_writer_abort(j->w, keep_partial_for(e) && e != ESPIPE);
		j->w = NULL;
	}
	if (rc < 0)
		return e == ESPIPE ? -ESPIPE : -1;
	if (j->unpack && j->unpack_rc < 0) {
		*err = j->unpack_err;
		return -1;
	}
	return 0;
}

static int layer_from_blob(struct puller *p, const char *digest, struct error *err)
{
	_cleanup_close_ int fd = store_blob_open(p->s, digest, err);
	if (fd < 0)
		return -1;
	return store_layer_unpack(p->s, digest, fd, &p->lim, err);
}

static int fetch_blob(struct puller *p, const char *digest, int64_t size, bool unpack,
		      struct error *err)
{
	if (store_blob_exists(p->s, digest)) {
		if (unpack && !store_layer_exists(p->s, digest))
			return layer_from_blob(p, digest, err);
		return 0;
	}
	static __thread char hold[PULL_HOLD];
	struct job j = {.p = p,
			.digest = digest,
			.size = size,
			.unpack = unpack,
			.hold = hold,
			.pipe_w = -1,
			.pipe_r = -1};
	int rc = fetch_once(&j, err);
	if (rc == -ESPIPE)
		rc = fetch_once(&j, err);
	if (rc == 1) /* made by another command meanwhile */
		return unpack && !store_layer_exists(p->s, digest) ? layer_from_blob(p, digest, err)
								   : 0;
	return rc < 0 ? -1 : 0;
}

static void *worker(void *arg)
{
	struct puller *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		size_t i = p->next++;
		bool go = !p->failed && i < p->img->n_layers;
		pthread_mutex_unlock(&p->lock);
		if (!go)
			return NULL;
		const struct image_layer *l = &p->img->layers[i];
		struct error e = {0};
		if (fetch_blob(p, l->digest, l->size, true, &e) < 0) {
			pthread_mutex_lock(&p->lock);
			if (!p->failed) {
				p->failed = true;
				p->err = e;
			}
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		progress_add(&p->prog, 0, 1);
	}
}

/* The manifest's own media type: the Content-Type, else its "mediaType" field. */
static char *media_type_of(const struct registry_manifest *m)
{
	if (m->media_type && strcmp(m->media_type, "application/json") != 0 &&
	    strcmp(m->media_type, "text/plain") != 0)
		return strdup(m->media_type);
	json_error_t je;
	_cleanup_json_ json_t *j = json_loadb(m->buf, m->len, 0, &je);
	const char *mt = json_string_value(json_object_get(j, "mediaType"));
	return strdup(mt ? mt : "");
}

static int check_digest(const struct registry_manifest *m, const char *want, const char *what,
			char got[DIGEST_SIZE], struct error *err)
{
	if (digest_buf(m->buf, m->len, got, err) < 0)
		return -1;
	if (want && want[0] && strcmp(want, got) != 0)
		return error_set(err, EBADMSG,
				 "manifest of %s: digest mismatch: expected %s, got %s", what, want,
				 got);
	return 0;
}

/* The image manifest ref names, through an index when it is one. */
static int resolve_manifest(struct registry *r, const struct reference *ref, const char *platform,
			    struct registry_manifest *m, char digest[DIGEST_SIZE],
			    struct error *err)
{
	const char *want = ref->digest[0] ? ref->digest : ref->tag;
	if (registry_manifest(r, ref->path, want, m, err) < 0) {
		if (err->err == ENOENT)
			return error_set(err, ENOENT, "image %s not found", ref->name);
		return -1;
	}
	if (check_digest(m, ref->digest[0] ? ref->digest : m->header_digest, ref->name, digest,
			 err) < 0)
		return -1;
	_cleanup_free_ char *mt = media_type_of(m);
	if (mt && image_is_index(mt)) {
		_cleanup_free_ char *pick_mt = NULL;
		char pick[DIGEST_SIZE];
		if (image_index_pick(m->buf, m->len, platform, pick, &pick_mt, err) < 0)
			return error_prefix(err, "%s", ref->name);
		registry_manifest_free(m);
		if (registry_manifest(r, ref->path, pick, m, err) < 0) {
			if (err->err == ENOENT)
				return error_set(err, ENOENT, "image %s: manifest %s not found",
						 ref->name, pick);
			return -1;
		}
		if (check_digest(m, pick, ref->name, digest, err) < 0)
			return -1;
		free(mt);
		mt = media_type_of(m);
	}
	if (mt == NULL || (strcmp(mt, MT_OCI_MANIFEST) != 0 && strcmp(mt, MT_DOCKER_MANIFEST) != 0))
		return error_set(err, ENOTSUP, "image %s: unsupported manifest media type \"%s\"",
				 ref->name, mt ? mt : "");
	return 0;
}

/* The manifest's config.size (struct image has no field for it), or -1. */
static int64_t config_size(const struct registry_manifest *m)
{
	json_error_t je;
	_cleanup_json_ json_t *j = json_loadb(m->buf, m->len, 0, &je);
	json_t *size = json_object_get(json_object_get(j, "config"), "size");
	return json_is_integer(size) && json_integer_value(size) >= 0 ? json_integer_value(size)
								      : -1;
}

int pull_image(struct store *s, const struct reference *ref, const struct pull_opts *o,
	       char digest[DIGEST_SIZE], struct error *err)
{
	/* A pipe whose unpacker has stopped must fail the write, not kill berth. */
	signal(SIGPIPE, SIG_IGN);
	struct registry_opts ro = {.no_tls_verify = o->no_tls_verify};
	struct registry *r = NULL;
	if (registry_open(ref->registry, ref->path, &ro, &r, err) < 0)
		return -1;
	struct registry_manifest m = {0};
	struct image img = {0};
	int rc = -1;
	if (resolve_manifest(r, ref, o->platform, &m, digest, err) < 0)
		goto out;
	if (image_manifest_parse(m.buf, m.len, &img, err) < 0) {
		error_prefix(err, "image %s", ref->name);
		goto out;
	}
	FAULT_POINT("pull-manifest");
	struct puller p = {.s = s,
			   .r = r,
			   .path = ref->path,
			   .img = &img,
			   .lim = {.max_bytes = o->max_layer_bytes}};
	pthread_mutex_init(&p.lock, NULL);
	pthread_mutex_init(&p.prog.lock, NULL);
	p.prog.on = o->progress;
	for (size_t i = 0; i < img.n_layers; i++)
		if (!store_blob_exists(s, img.layers[i].digest)) {
			p.prog.total += img.layers[i].size;
			p.prog.layers++;
		}
	if (fetch_blob(&p, img.config_digest, config_size(&m), false, err) < 0) {
		error_prefix(err, "image %s: config", ref->name);
		goto out;
	}
	FAULT_POINT("pull-config");
	size_t n = img.n_layers < PULL_JOBS ? img.n_layers : PULL_JOBS;
	pthread_t th[PULL_JOBS];
	size_t started = 0;
	for (; started < n; started++)
		if (pthread_create(&th[started], NULL, worker, &p) != 0)
			break;
	if (started == 0 && n > 0)
		worker(&p); /* no thread to spare: one at a time, here */
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (p.prog.on && p.prog.layers)
		progress_draw(&p.prog, true);
	if (p.failed) {
		*err = p.err;
		error_prefix(err, "image %s", ref->name);
		goto out;
	}
	FAULT_POINT("pull-layers");
	char stored[DIGEST_SIZE];
	if (store_blob_put(s, m.buf, m.len, stored, err) < 0)
		goto out;
	FAULT_POINT("pull-manifest-stored");
	if (store_tag(s, ref->name, digest, err) < 0)
		goto out;
	rc = 0;
out:
	image_free(&img);
	registry_manifest_free(&m);
	registry_close(r);
	return rc;
}
