/* jansson helpers shared by the state file, the spec writer and the stats output. */
#pragma once
#include <jansson.h>

struct error;

/* Loads dirfd/path; the error names the file and the line/column for syntax errors. */
json_t *json_load_file_at(int dirfd, const char *path, struct error *err);
/* Serialises and atomically replaces dirfd/path. */
int json_dump_file_atomic_at(int dirfd, const char *path, json_t *value, struct error *err);
static inline void cleanup_json_decrefp(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(cleanup_json_decrefp)))
