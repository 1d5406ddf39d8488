/* Shared between the config.json parser files (spec.c, spec_linux.c) and features.c: the
 * config's own getters on top of lib/json_get.h, and the name tables the parser accepts. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/json_get.h"
#include "runtime/spec.h"

struct error;

/* An array of {containerID, hostID, size} objects. 1, 0 absent, -1. */
int spec_get_idmaps(const struct jdoc *c, json_t *obj, const char *prefix, const char *key,
		    struct id_mapping **out, size_t *n);
/* Frees the parallel key and value vectors of a string map. */
void spec_strv_pair_free(char **keys, char **values);

/* linux.* (spec_linux.c). */
int spec_parse_linux(const struct jdoc *c, json_t *obj, const char *prefix, struct spec_linux *l);
/* The settings that would change the host's mount table when the config has no mount namespace. */
int spec_check_mount_namespace(const struct jdoc *c, const struct spec *s);
int spec_parse_resources_at(const struct jdoc *c, json_t *obj, const char *prefix,
			    struct cgroup_resources *r);
void spec_linux_free(struct spec_linux *l);

/* Name tables (names.c), NULL-terminated. */
extern const char *const spec_cap_names[]; /* indexed by CAP_* number */
extern const char *const spec_seccomp_actions[];
extern const char *const spec_seccomp_operators[];
extern const char *const spec_seccomp_archs[];
extern const char *const spec_seccomp_flags[];
int spec_name_index(const char *const *table, const char *name);
