/* The typed getters of the config parser: each value is read with the JSON path it came from, so
 * that an error names it (config.json: linux.resources.memory.limit: expected an integer). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "runtime/spec_internal.h"

int spec_err(const struct pctx *c, const char *path, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* errno 0 keeps ": Invalid argument" out of the message; callers still see EINVAL. */
	if (path && *path)
		error_set(c->err, 0, "%s: %s: %s", c->doc, path, msg);
	else
		error_set(c->err, 0, "%s: %s", c->doc, msg);
	if (c->err)
		c->err->err = EINVAL;
	return -1;
}

void spec_path_key(char out[SPEC_PATH_MAX], const char *prefix, const char *key)
{
	snprintf(out, SPEC_PATH_MAX, "%s%s%s", prefix, *prefix ? "." : "", key);
}

void spec_path_idx(char out[SPEC_PATH_MAX], const char *prefix, size_t i)
{
	snprintf(out, SPEC_PATH_MAX, "%s[%zu]", prefix, i);
}

static json_t *member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

int spec_val_string(const struct pctx *c, json_t *v, const char *path, char **out)
{
	const char *s = json_string_value(v);
	if (!json_is_string(v) || strncmp(s, BIG_UINT_MARK, strlen(BIG_UINT_MARK)) == 0)
		return spec_err(c, path, "expected a string");
	if (strlen(s) != json_string_length(v))
		return spec_err(c, path, "must not contain a NUL character");
	char *copy = strdup(s);
	if (copy == NULL)
		return error_set(c->err, ENOMEM, "%s: %s", c->doc, path);
	free(*out);
	*out = copy;
	return 0;
}

static bool big_uint(json_t *v, uint64_t *out)
{
	const char *s = json_string_value(v);
	if (s == NULL || strncmp(s, BIG_UINT_MARK, strlen(BIG_UINT_MARK)) != 0)
		return false;
	char *end;
	errno = 0;
	unsigned long long u = strtoull(s + strlen(BIG_UINT_MARK), &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = u;
	return true;
}

int spec_val_int(const struct pctx *c, json_t *v, const char *path, int64_t min, int64_t max,
		 int64_t *out)
{
	uint64_t big;
	if (big_uint(v, &big))
		return spec_err(c, path, "%" PRIu64 " is out of range (%" PRId64 "..%" PRId64 ")",
				big, min, max);
	if (!json_is_integer(v))
		return spec_err(c, path, "expected an integer");
	int64_t i = json_integer_value(v);
	if (i < min || i > max)
		return spec_err(c, path, "%" PRId64 " is out of range (%" PRId64 "..%" PRId64 ")",
				i, min, max);
	*out = i;
	return 0;
}

int spec_val_uint(const struct pctx *c, json_t *v, const char *path, uint64_t max, uint64_t *out)
{
	uint64_t u;
	if (big_uint(v, &u)) {
		if (u > max)
			return spec_err(c, path, "%" PRIu64 " is out of range (0..%" PRIu64 ")", u,
					max);
		*out = u;
		return 0;
	}
	if (!json_is_integer(v))
		return spec_err(c, path, "expected an integer");
	int64_t i = json_integer_value(v);
	if (i < 0 || (uint64_t)i > max)
		return spec_err(c, path, "%" PRId64 " is out of range (0..%" PRIu64 ")", i, max);
	*out = (uint64_t)i;
	return 0;
}

int spec_val_strv(const struct pctx *c, json_t *v, const char *path, char ***out)
{
	if (!json_is_array(v))
		return spec_err(c, path, "expected an array of strings");
	size_t n = json_array_size(v);
	char **vec = calloc(n + 1, sizeof *vec);
	if (vec == NULL)
		return error_set(c->err, ENOMEM, "%s: %s", c->doc, path);
	for (size_t i = 0; i < n; i++) {
		char p[SPEC_PATH_MAX];
		spec_path_idx(p, path, i);
		if (spec_val_string(c, json_array_get(v, i), p, &vec[i]) < 0) {
			strv_free(vec);
			return -1;
		}
	}
	strv_free(*out);
	*out = vec;
	return 0;
}

int spec_get_string(const struct pctx *c, json_t *obj, const char *prefix, const char *key,
		    char **out)
{
	json_t *v = member(obj, key);
	if (v == NULL)
		return 0;
	char p[SPEC_PATH_MAX];
	spec_path_key(p, prefix, key);
	return spec_val_string(c, v, p, out) < 0 ? -1 : 1;
}

int spec_get_bool(const struct pctx *c, json_t *obj, const char *prefix, const char *key, bool *out)
{
	json_t *v = member(obj, key);
	if (v == NULL)
		return 0;
	char p[SPEC_PATH_MAX];
	spec_path_key(p, prefix, key);
	if (!json_is_boolean(v))
		return spec_err(c, p, "expected a boolean");
	*out = json_is_true(v);
	return 1;
}

int spec_get_int(const struct pctx *c, json_t *obj, const char *prefix, const char *key,
		 int64_t min, int64_t max, int64_t *out)
{
	json_t *v = member(obj, key);
	if (v == NULL)
		return 0;
	char p[SPEC_PATH_MAX];
	spec_path_key(p, prefix, key);
	return spec_val_int(c, v, p, min, max, out) < 0 ? -1 : 1;
}

int spec_get_uint(const struct pctx *c, json_t *obj, const char *prefix, const char *key,
		  uint64_t max, uint64_t *out)
{
	json_t *v = member(obj, key);
	if (v == NULL)
		return 0;
	char p[SPEC_PATH_MAX];
	spec_path_key(p, prefix, key);
	return spec_val_uint(c, v, p, max, out) < 0 ? -1 : 1;
}

int spec_get_strv(const struct pctx *c, json_t *obj, const char *prefix, const char *key,
		  char ***out)
{
	json_t *v = member(obj, key);
	if (v == NULL)
		return 0;
	char p[SPEC_PATH_MAX];
	spec_path_key(p, prefix, key);
	return spec_val_strv(c, v, p, out) < 0 ? -1 : 1;
}

int spec_get_object(const struct pctx *c, json_t *obj, const char *prefix, const char *key,
		    json_t **out)
{
	json_t *v = member(obj, key);
	if (v == NULL)
		return 0;
	if (!json_is_object(v)) {
		char p[SPEC_PATH_MAX];
		spec_path_key(p, prefix, key);
		return spec_err(c, p, "expected an object");
	}
	*out = v;
	return 1;
}

int spec_get_array(const struct pctx *c, json_t *obj, const char *prefix, const char *key,
		   json_t **out)
{
	json_t *v = member(obj, key);
	if (v == NULL)
		return 0;
	if (!json_is_array(v)) {
		char p[SPEC_PATH_MAX];
		spec_path_key(p, prefix, key);
		return spec_err(c, p, "expected an array");
	}
	*out = v;
	return 1;
}

int spec_require(const struct pctx *c, int rc, const char *prefix, const char *key)
{
	if (rc != 0)
		return rc;
	char p[SPEC_PATH_MAX];
	spec_path_key(p, prefix, key);
	return spec_err(c, p, "is required");
}

/* The element at index i of an array must be an object; p receives its path. */
int spec_array_object(const struct pctx *c, json_t *arr, const char *path, size_t i,
		      char p[SPEC_PATH_MAX], json_t **out)
{
	spec_path_idx(p, path, i);
	*out = json_array_get(arr, i);
	if (!json_is_object(*out))
		return spec_err(c, p, "expected an object");
	return 0;
}

int spec_get_idmaps(const struct pctx *c, json_t *obj, const char *prefix, const char *key,
		    struct id_mapping **out, size_t *n)
{
	json_t *arr = NULL;
	int rc = spec_get_array(c, obj, prefix, key, &arr);
	if (rc <= 0)
		return rc;
	char path[SPEC_PATH_MAX], p[SPEC_PATH_MAX];
	spec_path_key(path, prefix, key);
	size_t len = json_array_size(arr);
	struct id_mapping *m = calloc(len + 1, sizeof *m);
	if (m == NULL)
		return error_set(c->err, ENOMEM, "%s: %s", c->doc, path);
	for (size_t i = 0; i < len; i++) {
		json_t *e = NULL;
		uint64_t cid, hid, size;
		if (spec_array_object(c, arr, path, i, p, &e) < 0 ||
		    spec_require(c, spec_get_uint(c, e, p, "containerID", SPEC_ID_MAX, &cid), p,
				 "containerID") < 0 ||
		    spec_require(c, spec_get_uint(c, e, p, "hostID", SPEC_ID_MAX, &hid), p,
				 "hostID") < 0 ||
		    spec_require(c, spec_get_uint(c, e, p, "size", UINT32_MAX, &size), p, "size") <
			0) {
			free(m);
			return -1;
		}
		/* Every id of the range, not only its start, must be a valid one. */
		uint64_t last = (cid > hid ? cid : hid) + size - 1;
		if (size > 0 && last > SPEC_ID_MAX) {
			free(m);
			return spec_err(
			    c, p, "the range of %" PRIu64 " ids from %s %" PRIu64 " ends past %u",
			    size, cid > hid ? "containerID" : "hostID", cid > hid ? cid : hid,
			    SPEC_ID_MAX);
		}
		m[i] = (struct id_mapping){(uint32_t)cid, (uint32_t)hid, (uint32_t)size};
	}
	free(*out);
	*out = m;
	*n = len;
	return 1;
}

void spec_strv_pair_free(char **keys, char **values)
{
	strv_free(keys);
	strv_free(values);
}
