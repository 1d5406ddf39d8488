/* The typed getters: each value is read with the JSON path it came from. */
#include "lib/json_get.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"

/* Rewrites integer literals above INT64_MAX (outside strings) into marked strings, so that
 * jansson can hold them. Returns a new buffer, or NULL when nothing needed rewriting. */
static char *mark_big_uints(const char *in, size_t len, size_t *out_len)
{
	size_t cap = len + 64, used = 0;
	bool changed = false, in_str = false;
	_cleanup_free_ char *out = malloc(cap);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t need = 1;
		const char *tok = in + i;
		if (in_str) {
			if (in[i] == '\\' && i + 1 < len)
				need = 2;
			else if (in[i] == '"')
				in_str = false;
		} else if (in[i] == '"') {
			in_str = true;
		} else if (in[i] >= '0' && in[i] <= '9' &&
			   (i == 0 || strchr("-+.eE", in[i - 1]) == NULL)) {
			while (i + need < len && in[i + need] >= '0' && in[i + need] <= '9')
				need++;
			bool integer =
			    i + need >= len ||
			    (in[i + need] != '.' && in[i + need] != 'e' && in[i + need] != 'E');
			if (integer && need >= 19 && need <= 20) {
				char digits[32];
				memcpy(digits, tok, need);
				digits[need] = '\0';
				errno = 0;
				unsigned long long u = strtoull(digits, NULL, 10);
				if (errno == 0 && u > INT64_MAX) {
					char rep[64];
					int n =
					    snprintf(rep, sizeof rep, "\"\\u0001u64:%s\"", digits);
					if (used + (size_t)n + 1 > cap) {
						cap = (cap + (size_t)n) * 2;
						char *nb = realloc(out, cap);
						if (nb == NULL)
							return NULL;
						out = nb;
					}
					memcpy(out + used, rep, (size_t)n);
					used += (size_t)n;
					i += need;
					changed = true;
					continue;
				}
			}
		}
		if (used + need + 1 > cap) {
			cap = (cap + need) * 2;
			char *nb = realloc(out, cap);
			if (nb == NULL)
				return NULL;
			out = nb;
		}
		memcpy(out + used, tok, need);
		used += need;
		i += need;
	}
	if (!changed)
		return NULL;
	out[used] = '\0';
	*out_len = used;
	return steal_pointer(&out);
}

json_t *jget_loadb(const char *data, size_t len, const char *name, struct error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL && json_error_code(&jerr) == json_error_numeric_overflow) {
		size_t mlen;
		_cleanup_free_ char *marked = mark_big_uints(data, len, &mlen);
		if (marked)
			root = json_loadb(marked, mlen, JSON_REJECT_DUPLICATES, &jerr);
	}
	if (root == NULL) {
		error_set(err, EINVAL, "%s: line %d column %d: %s", name, jerr.line, jerr.column,
			  jerr.text);
		return NULL;
	}
	return root;
}

int jget_err(const struct jdoc *c, const char *path, const char *fmt, ...)
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

int jget_nomem(const struct jdoc *c, const char *path)
{
	return error_set(c->err, ENOMEM, "%s: %s", c->doc, path);
}

void jget_path_key(char out[JGET_PATH_MAX], const char *prefix, const char *key)
{
	snprintf(out, JGET_PATH_MAX, "%s%s%s", prefix, *prefix ? "." : "", key);
}

void jget_path_idx(char out[JGET_PATH_MAX], const char *prefix, size_t i)
{
	snprintf(out, JGET_PATH_MAX, "%s[%zu]", prefix, i);
}

static json_t *member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

int jget_val_string(const struct jdoc *c, json_t *v, const char *path, char **out)
{
	const char *s = json_string_value(v);
	if (!json_is_string(v) || strncmp(s, JGET_BIG_UINT_MARK, strlen(JGET_BIG_UINT_MARK)) == 0)
		return jget_err(c, path, "expected a string");
	if (strlen(s) != json_string_length(v))
		return jget_err(c, path, "must not contain a NUL character");
	char *copy = strdup(s);
	if (copy == NULL)
		return jget_nomem(c, path);
	free(*out);
	*out = copy;
	return 0;
}

static bool big_uint(json_t *v, uint64_t *out)
{
	const char *s = json_string_value(v);
	if (s == NULL || strncmp(s, JGET_BIG_UINT_MARK, strlen(JGET_BIG_UINT_MARK)) != 0)
		return false;
	char *end;
	errno = 0;
	unsigned long long u = strtoull(s + strlen(JGET_BIG_UINT_MARK), &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = u;
	return true;
}

int jget_val_int(const struct jdoc *c, json_t *v, const char *path, int64_t min, int64_t max,
		 int64_t *out)
{
	uint64_t big;
	if (big_uint(v, &big))
		return jget_err(c, path, "%" PRIu64 " is out of range (%" PRId64 "..%" PRId64 ")",
				big, min, max);
	if (!json_is_integer(v))
		return jget_err(c, path, "expected an integer");
	int64_t i = json_integer_value(v);
	if (i < min || i > max)
		return jget_err(c, path, "%" PRId64 " is out of range (%" PRId64 "..%" PRId64 ")",
				i, min, max);
	*out = i;
	return 0;
}

int jget_val_uint(const struct jdoc *c, json_t *v, const char *path, uint64_t max, uint64_t *out)
{
	uint64_t u;
	if (big_uint(v, &u)) {
		if (u > max)
			return jget_err(c, path, "%" PRIu64 " is out of range (0..%" PRIu64 ")", u,
					max);
		*out = u;
		return 0;
	}
	if (!json_is_integer(v))
		return jget_err(c, path, "expected an integer");
	int64_t i = json_integer_value(v);
	if (i < 0 || (uint64_t)i > max)
		return jget_err(c, path, "%" PRId64 " is out of range (0..%" PRIu64 ")", i, max);
	*out = (uint64_t)i;
	return 0;
}

int jget_val_strv(const struct jdoc *c, json_t *v, const char *path, char ***out)
{
	if (!json_is_array(v))
		return jget_err(c, path, "expected an array of strings");
	size_t n = json_array_size(v);
	char **vec = calloc(n + 1, sizeof *vec);
	if (vec == NULL)
		return jget_nomem(c, path);
	for (size_t i = 0; i < n; i++) {
		char p[JGET_PATH_MAX];
		jget_path_idx(p, path, i);
		if (jget_val_string(c, json_array_get(v, i), p, &vec[i]) < 0) {
			strv_free(vec);
			return -1;
		}
	}
	strv_free(*out);
	*out = vec;
	return 0;
}

int jget_string(const struct jdoc *c, json_t *obj, const char *prefix, const char *key, char **out)
{
	json_t *v = member(obj, key);
	if (v == NULL)
		return 0;
	char p[JGET_PATH_MAX];
	jget_path_key(p, prefix, key);
	return jget_val_string(c, v, p, out) < 0 ? -1 : 1;
}

int jget_bool(const struct jdoc *c, json_t *obj, const char *prefix, const char *key, bool *out)
{
	json_t *v = member(obj, key);
	if (v == NULL)
		return 0;
	char p[JGET_PATH_MAX];
	jget_path_key(p, prefix, key);
	if (!json_is_boolean(v))
		return jget_err(c, p, "expected a boolean");
	*out = json_is_true(v);
	return 1;
}

int jget_int(const struct jdoc *c, json_t *obj, const char *prefix, const char *key, int64_t min,
	     int64_t max, int64_t *out)
{
	json_t *v = member(obj, key);
	if (v == NULL)
		return 0;
	char p[JGET_PATH_MAX];
	jget_path_key(p, prefix, key);
	return jget_val_int(c, v, p, min, max, out) < 0 ? -1 : 1;
}

int jget_uint(const struct jdoc *c, json_t *obj, const char *prefix, const char *key, uint64_t max,
	      uint64_t *out)
{
	json_t *v = member(obj, key);
	if (v == NULL)
		return 0;
	char p[JGET_PATH_MAX];
	jget_path_key(p, prefix, key);
	return jget_val_uint(c, v, p, max, out) < 0 ? -1 : 1;
}

int jget_strv(const struct jdoc *c, json_t *obj, const char *prefix, const char *key, char ***out)
{
	json_t *v = member(obj, key);
	if (v == NULL)
		return 0;
	char p[JGET_PATH_MAX];
	jget_path_key(p, prefix, key);
	return jget_val_strv(c, v, p, out) < 0 ? -1 : 1;
}

/* A member that must be a container of type t (an object or an array), handed out unparsed. */
static int get_container(const struct jdoc *c, json_t *obj, const char *prefix, const char *key,
			 json_type t, const char *what, json_t **out)
{
	json_t *v = member(obj, key);
	if (v == NULL)
		return 0;
	if (json_typeof(v) != t) {
		char p[JGET_PATH_MAX];
		jget_path_key(p, prefix, key);
		return jget_err(c, p, "expected %s", what);
	}
	*out = v;
	return 1;
}

int jget_object(const struct jdoc *c, json_t *obj, const char *prefix, const char *key,
		json_t **out)
{
	return get_container(c, obj, prefix, key, JSON_OBJECT, "an object", out);
}

int jget_array(const struct jdoc *c, json_t *obj, const char *prefix, const char *key, json_t **out)
{
	return get_container(c, obj, prefix, key, JSON_ARRAY, "an array", out);
}

int jget_require(const struct jdoc *c, int rc, const char *prefix, const char *key)
{
	if (rc != 0)
		return rc;
	char p[JGET_PATH_MAX];
	jget_path_key(p, prefix, key);
	return jget_err(c, p, "is required");
}

/* The element at index i of an array must be an object; p receives its path. */
int jget_array_object(const struct jdoc *c, json_t *arr, const char *path, size_t i,
		      char p[JGET_PATH_MAX], json_t **out)
{
	jget_path_idx(p, path, i);
	*out = json_array_get(arr, i);
	if (!json_is_object(*out))
		return jget_err(c, p, "expected an object");
	return 0;
}
