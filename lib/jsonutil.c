#include "lib/jsonutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"

json_t *json_load_file_at(int dirfd, const char *path, struct error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	if (read_file_at(dirfd, path, &data, &len, err) < 0)
		return NULL;
	json_error_t jerr;
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		error_set(err, EINVAL, "%s: line %d column %d: %s", path, jerr.line, jerr.column,
			  jerr.text);
		return NULL;
	}
	return j;
}

int json_dump_file_atomic_at(int dirfd, const char *path, json_t *value, struct error *err)
{
	_cleanup_free_ char *s = json_dumps(value, JSON_COMPACT);
	if (s == NULL)
		return error_set(err, ENOMEM, "serialise %s", path);
	return write_file_atomic_at(dirfd, path, s, strlen(s), 0600, err);
}
