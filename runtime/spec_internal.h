/* Shared between the config.json parser files (spec.c, spec_linux.c) and features.c:
 * typed getters that carry the JSON path, and the name tables the parser accepts. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/spec.h"

struct error;

/* The document name ("config.json") and where errors go. */
struct pctx {
	const char *doc;
	struct error *err;
};

#define SPEC_PATH_MAX 512

/* jansson cannot hold integers above INT64_MAX, yet uint64 fields legitimately carry them (an
 * unlimited rlimit is 18446744073709551615). spec_load_file rewrites such literals into strings
 * with this prefix (spec.c), and only the unsigned getter accepts them. */
#define BIG_UINT_MARK "\x01u64:"

/* "doc: path: message" (or "doc: message" when path is empty). Returns -1. */
int spec_err(const struct pctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* out = "prefix.key" (or "key"), out = "prefix[i]". */
void spec_path_key(char out[SPEC_PATH_MAX], const char *prefix, const char *key);
void spec_path_idx(char out[SPEC_PATH_MAX], const char *prefix, size_t i);

/* Value getters: v is not NULL, path is v's own path. 0 or -1. */
int spec_val_string(const struct pctx *c, json_t *v, const char *path, char **out);
int spec_val_int(const struct pctx *c, json_t *v, const char *path, int64_t min, int64_t max,
		 int64_t *out);
int spec_val_uint(const struct pctx *c, json_t *v, const char *path, uint64_t max, uint64_t *out);
/* An array of strings as a NULL-terminated vector. */
int spec_val_strv(const struct pctx *c, json_t *v, const char *path, char ***out);

/* Member getters: 1 present (out filled), 0 absent or null (out untouched), -1 error. */
int spec_get_string(const struct pctx *c, json_t *obj, const char *prefix, const char *key,
		    char **out);
int spec_get_bool(const struct pctx *c, json_t *obj, const char *prefix, const char *key,
		  bool *out);
int spec_get_int(const struct pctx *c, json_t *obj, const char *prefix, const char *key,
		 int64_t min, int64_t max, int64_t *out);
int spec_get_uint(const struct pctx *c, json_t *obj, const char *prefix, const char *key,
		  uint64_t max, uint64_t *out);
int spec_get_strv(const struct pctx *c, json_t *obj, const char *prefix, const char *key,
		  char ***out);
int spec_get_object(const struct pctx *c, json_t *obj, const char *prefix, const char *key,
		    json_t **out);
int spec_get_array(const struct pctx *c, json_t *obj, const char *prefix, const char *key,
		   json_t **out);
/* Turns "absent" (rc == 0) into a "is required" error. */
int spec_require(const struct pctx *c, int rc, const char *prefix, const char *key);
int spec_get_idmaps(const struct pctx *c, json_t *obj, const char *prefix, const char *key,
		    struct id_mapping **out, size_t *n);
void spec_strv_pair_free(char **keys, char **values);
/* arr[i], which must be an object; its path ("prefix[i]") is written into p. */
int spec_array_object(const struct pctx *c, json_t *arr, const char *path, size_t i,
		      char p[SPEC_PATH_MAX], json_t **out);

/* linux.* (spec_linux.c). */
int spec_parse_linux(const struct pctx *c, json_t *obj, const char *prefix, struct spec_linux *l);
/* The settings that would change the host's mount table when the config has no mount namespace. */
int spec_check_mount_namespace(const struct pctx *c, const struct spec *s);
int spec_parse_resources_at(const struct pctx *c, json_t *obj, const char *prefix,
			    struct cgroup_resources *r);
void spec_linux_free(struct spec_linux *l);

/* Name tables (names.c), NULL-terminated. */
extern const char *const spec_cap_names[]; /* indexed by CAP_* number */
extern const char *const spec_seccomp_actions[];
extern const char *const spec_seccomp_operators[];
extern const char *const spec_seccomp_archs[];
extern const char *const spec_seccomp_flags[];
int spec_name_index(const char *const *table, const char *name);
