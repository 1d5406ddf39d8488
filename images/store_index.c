/* The index: image names -> manifest digests, in STORE/index.json ({"images": {NAME: DIGEST}}).
 * Readers need no lock, because the file is only ever replaced by rename; writers serialise on
 * STORE/index.lock for their read-modify-write, which lasts microseconds, so that a long pull
 * never holds it. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "images/store.h"
#include "images/store_internal.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fault.h"
#include "lib/fs.h"
#include "lib/json_get.h"
#include "lib/strv.h"

#define INDEX_FILE     "index.json"
#define INDEX_LOCK     "index.lock"
#define NAME_MAX_LEN   512
#define PREFIX_MIN_HEX 12

static void json_decref_p(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(json_decref_p)))

/* The images object of index.json (an empty one when the file does not exist yet). */
static json_t *index_read(struct store *s, struct error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (read_file_at(s->dirfd, INDEX_FILE, &buf, &len, err) < 0) {
		if (err && err->err == ENOENT) {
			error_clear(err);
			return json_object();
		}
		error_prefix(err, "store %s", s->root);
		return NULL;
	}
	char doc[600];
	snprintf(doc, sizeof doc, "%s/" INDEX_FILE, s->root);
	json_t *root = jget_loadb(buf, len, doc, err);
	if (root == NULL)
		return NULL;
	struct jdoc c = {.doc = doc, .err = err};
	json_t *images = NULL;
	if (!json_is_object(root)) {
		jget_err(&c, "", "expected an object");
	} else if (jget_require(&c, jget_object(&c, root, "", "images", &images), "", "images") >
		   0) {
		json_incref(images);
	}
	json_decref(root);
	return images;
}

static int index_write(struct store *s, json_t *images, struct error *err)
{
	_cleanup_json_ json_t *root = json_pack("{sO}", "images", images);
	_cleanup_free_ char *text = root ? json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
	if (text == NULL)
		return error_set(err, ENOMEM, "store %s: " INDEX_FILE, s->root);
	FAULT_POINT("index-write");
	if (write_file_atomic_at(s->dirfd, INDEX_FILE, text, strlen(text), 0600, err) < 0)
		return error_prefix(err, "store %s", s->root);
	return 0;
}

static int index_lock(struct store *s, struct error *err)
{
	int fd = openat(s->dirfd, INDEX_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
			0600);
	if (fd < 0)
		return error_errno(err, "store %s: open " INDEX_LOCK, s->root);
	if (store_flock(fd, LOCK_EX) < 0) {
		error_errno(err, "store %s: lock " INDEX_LOCK, s->root);
		close(fd);
		return -1;
	}
	return fd;
}

static int check_name(const char *name, struct error *err)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0)
		return error_set(err, EINVAL, "image name: empty");
	if (n > NAME_MAX_LEN)
		return error_set(err, EINVAL, "image name %.40s...: longer than %d bytes", name,
				 NAME_MAX_LEN);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] <= ' ' || name[i] == 0x7f)
			return error_set(err, EINVAL,
					 "image name \"%s\": spaces and control characters are not "
					 "allowed",
					 name);
	return 0;
}

int store_tag(struct store *s, const char *name, const char *manifest_digest, struct error *err)
{
	if (check_name(name, err) < 0 || digest_check(manifest_digest, name, err) < 0)
		return -1;
	_cleanup_close_ int lfd = index_lock(s, err);
	if (lfd < 0)
		return -1;
	_cleanup_json_ json_t *images = index_read(s, err);
	if (images == NULL || json_object_set_new(images, name, json_string(manifest_digest)) < 0)
		return images ? error_set(err, ENOMEM, "tag %s", name) : -1;
	return index_write(s, images, err);
}

int store_untag(struct store *s, const char *name, struct error *err)
{
	_cleanup_close_ int lfd = index_lock(s, err);
	if (lfd < 0)
		return -1;
	_cleanup_json_ json_t *images = index_read(s, err);
	if (images == NULL)
		return -1;
	if (json_object_del(images, name ? name : "") < 0)
		return error_set(err, ENOENT, "image %s is not in the store", name ? name : "");
	return index_write(s, images, err);
}

static bool all_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

/* The one manifest digest in images that starts with hex (n digits), or an error. */
static int resolve_prefix(json_t *images, const char *name, const char *hex, size_t n,
			  char digest[DIGEST_SIZE], struct error *err)
{
	const char *found = NULL, *other = NULL;
	const char *key;
	json_t *v;
	json_object_foreach(images, key, v)
	{
		const char *d = json_string_value(v);
		if (!digest_valid(d) || strncmp(digest_hex(d), hex, n) != 0)
			continue;
		if (found == NULL)
			found = d;
		else if (strcmp(found, d) != 0)
			other = d;
	}
	if (found == NULL)
		return error_set(err, ENOENT, "image %s is not in the store", name);
	if (other)
		return error_set(err, EINVAL, "image %s is ambiguous: it starts both %s and %s",
				 name, found, other);
	snprintf(digest, DIGEST_SIZE, "%s", found);
	return 0;
}

int store_resolve(struct store *s, const char *name, char digest[DIGEST_SIZE], struct error *err)
{
	if (name == NULL || *name == '\0')
		return error_set(err, EINVAL, "image name: empty");
	_cleanup_json_ json_t *images = index_read(s, err);
	if (images == NULL)
		return -1;
	const char *d = json_string_value(json_object_get(images, name));
	if (digest_valid(d)) {
		snprintf(digest, DIGEST_SIZE, "%s", d);
		return 0;
	}
	/* "busybox" is "busybox:latest", as every engine has it; a name with a tag or a digest
	 * is taken as it is. */
	const char *slash = strrchr(name, '/');
	if (strchr(slash ? slash : name, ':') == NULL && strchr(name, '@') == NULL) {
		_cleanup_free_ char *latest = NULL;
		if (asprintf(&latest, "%s:latest", name) < 0)
			return error_set(err, ENOMEM, "image %s", name);
		d = json_string_value(json_object_get(images, latest));
		if (digest_valid(d)) {
			snprintf(digest, DIGEST_SIZE, "%s", d);
			return 0;
		}
	}
	const char *hex = strncmp(name, DIGEST_PREFIX, strlen(DIGEST_PREFIX)) == 0
			      ? name + strlen(DIGEST_PREFIX)
			      : name;
	size_t n = strlen(hex);
	if (n >= PREFIX_MIN_HEX && n <= DIGEST_HEX && all_hex(hex, n))
		return resolve_prefix(images, name, hex, n, digest, err);
	return error_set(err, ENOENT, "image %s is not in the store", name);
}

static int cmp_tag(const void *a, const void *b)
{
	return strcmp(((const struct store_tag *)a)->name, ((const struct store_tag *)b)->name);
}

int store_tags(struct store *s, struct store_tag **tags, size_t *n, struct error *err)
{
	_cleanup_json_ json_t *images = index_read(s, err);
	if (images == NULL)
		return -1;
	struct store_tag *t = calloc(json_object_size(images) + 1, sizeof *t);
	if (t == NULL)
		return error_set(err, ENOMEM, "image tags");
	size_t k = 0;
	const char *key;
	json_t *v;
	json_object_foreach(images, key, v)
	{
		const char *d = json_string_value(v);
		if (!digest_valid(d))
			continue; /* store_fsck reports it */
		t[k].name = strdup(key);
		if (t[k].name == NULL) {
			store_tags_free(t, k);
			return error_set(err, ENOMEM, "image tags");
		}
		snprintf(t[k].digest, DIGEST_SIZE, "%s", d);
		k++;
	}
	qsort(t, k, sizeof *t, cmp_tag);
	*tags = t;
	*n = k;
	return 0;
}

void store_tags_free(struct store_tag *tags, size_t n)
{
	if (tags == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(tags[i].name);
	free(tags);
}

int store_index_bad_names(struct store *s, bool repair, char ***names, struct error *err)
{
	_cleanup_close_ int lfd = repair ? index_lock(s, err) : -1;
	if (repair && lfd < 0)
		return -1;
	_cleanup_json_ json_t *images = index_read(s, err);
	if (images == NULL)
		return -1;
	char **v = calloc(1, sizeof *v);
	if (v == NULL)
		return error_set(err, ENOMEM, "index");
	const char *key;
	json_t *val;
	void *tmp;
	json_object_foreach_safe(images, tmp, key, val)
	{
		if (digest_valid(json_string_value(val)))
			continue;
		if (strv_push(&v, key) < 0) {
			strv_free(v);
			return error_set(err, ENOMEM, "index");
		}
		if (repair)
			json_object_del(images, key);
	}
	if (repair && v[0] && index_write(s, images, err) < 0) {
		strv_free(v);
		return -1;
	}
	*names = v;
	return 0;
}
