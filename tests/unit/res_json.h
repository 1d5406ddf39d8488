/* For the resource writer tests: OCI resources from a JSON text, through the config parser. */
#pragma once
#include <jansson.h>

#include "cgroups/resources.h"
#include "lib/error.h"
#include "runtime/spec.h"

static inline int res_from_json(const char *json, struct cgroup_resources *r, struct error *err)
{
	json_error_t jerr;
	json_t *j = json_loads(json, 0, &jerr);
	error_clear(err);
	int rc = spec_parse_resources(j, "resources", r, err);
	json_decref(j);
	return rc;
}
