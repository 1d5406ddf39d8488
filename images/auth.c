/* Docker's config.json: read, and rewritten whole (atomically, 0600) with only our entry
 * changed. */
#include "images/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "images/reference.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "lib/jsonutil.h"

#define HUB_KEY "https://index.docker.io/v1/"

char *base64_encode(const void *buf, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = buf;
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		*o++ = tab[(v >> 18) & 63];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		*o++ = i + 2 < len ? tab[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

char *auth_config_path(void)
{
	const char *dir = getenv("DOCKER_CONFIG");
	char *path = NULL;
	if (dir && *dir) {
		if (asprintf(&path, "%s/config.json", dir) < 0)
			return NULL;
		return path;
	}
	const char *home = getenv("HOME");
	if (asprintf(&path, "%s/.docker/config.json", home && *home ? home : "/root") < 0)
		return NULL;
	return path;
}

/* The credentials file (its path in *path, for the caller's messages and writes) as JSON, or an
 * empty object when it does not exist. */
static json_t *load(char **path_out, struct error *err)
{
	char *path = *path_out = auth_config_path();
	if (path == NULL) {
		error_errno(err, "credentials file");
		return NULL;
	}
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return json_object();
	json_t *j = json_load_file_at(AT_FDCWD, path, err);
	if (j && !json_is_object(j)) {
		json_decref(j);
		error_set(err, EINVAL, "%s: expected a JSON object", path);
		return NULL;
	}
	return j;
}

/* The keys Docker may have used for registry, most usual first. */
static void keys_for(const char *registry, const char *keys[4])
{
	memset(keys, 0, 4 * sizeof keys[0]);
	if (strcmp(registry, REFERENCE_DOCKER_HUB) == 0) {
		keys[0] = HUB_KEY;
		keys[1] = "docker.io";
		keys[2] = "index.docker.io";
		keys[3] = "registry-1.docker.io";
	} else {
		keys[0] = registry;
	}
}

int auth_lookup(const char *registry, char **basic, struct error *err)
{
	*basic = NULL;
	_cleanup_free_ char *path = NULL;
	_cleanup_json_ json_t *j = load(&path, err);
	if (j == NULL)
		return -1;
	json_t *auths = json_object_get(j, "auths");
	const char *keys[4];
	keys_for(registry, keys);
	for (int i = 0; i < 4 && keys[i]; i++) {
		json_t *e = json_object_get(auths, keys[i]);
		const char *a = json_string_value(json_object_get(e, "auth"));
		if (a && *a) {
			*basic = strdup(a);
			return *basic ? 0 : error_errno(err, "credentials");
		}
		const char *u = json_string_value(json_object_get(e, "username"));
		const char *p = json_string_value(json_object_get(e, "password"));
		if (u && p) {
			_cleanup_free_ char *up = NULL;
			if (asprintf(&up, "%s:%s", u, p) < 0)
				return error_errno(err, "credentials");
			*basic = base64_encode(up, strlen(up));
			return *basic ? 0 : error_errno(err, "credentials");
		}
	}
	return 0;
}

static int save(const char *path, json_t *j, struct error *err)
{
	_cleanup_free_ char *dir = strdup(path);
	if (dir == NULL)
		return error_errno(err, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir_p(dir, 0700, err) < 0)
			return -1;
	}
	_cleanup_free_ char *text = json_dumps(j, JSON_INDENT(2));
	if (text == NULL)
		return error_set(err, ENOMEM, "%s: cannot serialise", path);
	size_t n = strlen(text);
	text[n] = '\n';
	int rc = write_file_atomic_at(AT_FDCWD, path, text, n + 1, 0600, err);
	text[n] = '\0';
	if (rc == 0 && chmod(path, 0600) < 0)
		return error_errno(err, "chmod %s", path);
	return rc;
}

int auth_save(const char *registry, const char *user, const char *password, struct error *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_json_ json_t *j = load(&path, err);
	if (j == NULL)
		return -1;
	json_t *auths = json_object_get(j, "auths");
	if (!json_is_object(auths)) {
		auths = json_object();
		if (auths == NULL || json_object_set_new(j, "auths", auths) < 0)
			return error_set(err, ENOMEM, "%s: out of memory", path);
	}
	_cleanup_free_ char *up = NULL;
	if (asprintf(&up, "%s:%s", user, password) < 0)
		return error_errno(err, "credentials");
	_cleanup_free_ char *b64 = base64_encode(up, strlen(up));
	explicit_bzero(up, strlen(up));
	if (b64 == NULL)
		return error_errno(err, "credentials");
	const char *keys[4];
	keys_for(registry, keys);
	if (json_object_set_new(auths, keys[0], json_pack("{s:s}", "auth", b64)) < 0)
		return error_set(err, ENOMEM, "%s: out of memory", path);
	return save(path, j, err);
}

int auth_remove(const char *registry, struct error *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_json_ json_t *j = load(&path, err);
	if (j == NULL)
		return -1;
	json_t *auths = json_object_get(j, "auths");
	const char *keys[4];
	keys_for(registry, keys);
	bool found = false;
	for (int i = 0; i < 4 && keys[i]; i++)
		if (json_object_get(auths, keys[i])) {
			json_object_del(auths, keys[i]);
			found = true;
		}
	if (!found)
		return error_set(err, ENOENT, "not logged in to %s", registry);
	return save(path, j, err);
}
