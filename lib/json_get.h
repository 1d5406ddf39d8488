/* Typed getters over a jansson document that carry the JSON path of every value, so that an error
 * names it (config.json: linux.resources.memory.limit: expected an integer). The config parser
 * uses them, and so do the image manifest and image config readers. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct error;

/* The document name ("config.json") and where errors go. */
struct jdoc {
	const char *doc;
	struct error *err;
};

#define JGET_PATH_MAX 512

/* jansson cannot hold integers above INT64_MAX, yet uint64 fields legitimately carry them (an
 * unlimited rlimit is 18446744073709551615). jget_loadb rewrites such literals into strings with
 * this prefix, and only the unsigned getter accepts them. */
#define JGET_BIG_UINT_MARK "\x01u64:"

/* Parses data (duplicate keys refused, big unsigned integers kept as above); a syntax error names
 * name, the line and the column. */
json_t *jget_loadb(const char *data, size_t len, const char *name, struct error *err);

/* "doc: path: message" (or "doc: message" when path is empty), errno EINVAL. Returns -1. */
int jget_err(const struct jdoc *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* An allocation failed while reading path. Returns -1. */
int jget_nomem(const struct jdoc *c, const char *path);
/* out = "prefix.key" (or "key"), out = "prefix[i]". */
void jget_path_key(char out[JGET_PATH_MAX], const char *prefix, const char *key);
void jget_path_idx(char out[JGET_PATH_MAX], const char *prefix, size_t i);

/* Value getters: v is not NULL, path is v's own path. 0 or -1. */
int jget_val_string(const struct jdoc *c, json_t *v, const char *path, char **out);
int jget_val_int(const struct jdoc *c, json_t *v, const char *path, int64_t min, int64_t max,
		 int64_t *out);
int jget_val_uint(const struct jdoc *c, json_t *v, const char *path, uint64_t max, uint64_t *out);
/* An array of strings as a NULL-terminated vector. */
int jget_val_strv(const struct jdoc *c, json_t *v, const char *path, char ***out);

/* Member getters: 1 present (out filled), 0 absent or null (out untouched), -1 error. */
int jget_string(const struct jdoc *c, json_t *obj, const char *prefix, const char *key, char **out);
int jget_bool(const struct jdoc *c, json_t *obj, const char *prefix, const char *key, bool *out);
int jget_int(const struct jdoc *c, json_t *obj, const char *prefix, const char *key, int64_t min,
	     int64_t max, int64_t *out);
int jget_uint(const struct jdoc *c, json_t *obj, const char *prefix, const char *key, uint64_t max,
	      uint64_t *out);
int jget_strv(const struct jdoc *c, json_t *obj, const char *prefix, const char *key, char ***out);
int jget_object(const struct jdoc *c, json_t *obj, const char *prefix, const char *key,
		json_t **out);
int jget_array(const struct jdoc *c, json_t *obj, const char *prefix, const char *key,
	       json_t **out);
/* Turns "absent" (rc == 0) into a "is required" error. */
int jget_require(const struct jdoc *c, int rc, const char *prefix, const char *key);
/* arr[i], which must be an object; its path ("prefix[i]") is written into p. */
int jget_array_object(const struct jdoc *c, json_t *arr, const char *path, size_t i,
		      char p[JGET_PATH_MAX], json_t **out);
