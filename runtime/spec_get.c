/* The config's own getters, built on lib/json_get: id mappings and string-map pairs. */
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

int spec_get_idmaps(const struct jdoc *c, json_t *obj, const char *prefix, const char *key,
		    struct id_mapping **out, size_t *n)
{
	json_t *arr = NULL;
	int rc = jget_array(c, obj, prefix, key, &arr);
	if (rc <= 0)
		return rc;
	char path[JGET_PATH_MAX], p[JGET_PATH_MAX];
	jget_path_key(path, prefix, key);
	size_t len = json_array_size(arr);
	struct id_mapping *m = calloc(len + 1, sizeof *m);
	if (m == NULL)
		return jget_nomem(c, path);
	for (size_t i = 0; i < len; i++) {
		json_t *e = NULL;
		uint64_t cid, hid, size;
		if (jget_array_object(c, arr, path, i, p, &e) < 0 ||
		    jget_require(c, jget_uint(c, e, p, "containerID", SPEC_ID_MAX, &cid), p,
				 "containerID") < 0 ||
		    jget_require(c, jget_uint(c, e, p, "hostID", SPEC_ID_MAX, &hid), p, "hostID") <
			0 ||
		    jget_require(c, jget_uint(c, e, p, "size", UINT32_MAX, &size), p, "size") < 0) {
			free(m);
			return -1;
		}
		/* Every id of the range, not only its start, must be a valid one. */
		uint64_t last = (cid > hid ? cid : hid) + size - 1;
		if (size > 0 && last > SPEC_ID_MAX) {
			free(m);
			return jget_err(
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
