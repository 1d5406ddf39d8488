#include "images/image_spec.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/jsonutil.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DOC	     "image config"

/* A string array member of the image config (null, absent: NULL). */
static int strings(json_t *config, const char *key, json_t **out, struct error *err)
{
	json_t *v = config ? json_object_get(config, key) : NULL;
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	size_t i;
	json_t *s;
	if (!json_is_array(v))
		return error_set(err, EINVAL, DOC ": %s: expected an array of strings", key);
	json_array_foreach(v, i, s) if (!json_is_string(s)) return error_set(
	    err, EINVAL, DOC ": %s[%zu]: expected a string", key, i);
	*out = v;
	return 0;
}

static const char *string(json_t *config, const char *key)
{
	return config ? json_string_value(json_object_get(config, key)) : NULL;
}

static int args(json_t *proc, json_t *config, const struct image_spec_overrides *ov,
		struct error *err)
{
	json_t *entry, *cmd, *s;
	if (strings(config, "Entrypoint", &entry, err) < 0 || strings(config, "Cmd", &cmd, err) < 0)
		return -1;
	json_t *a = json_array();
	size_t i;
	if (ov && ov->entrypoint) {
		if (*ov->entrypoint)
			json_array_append_new(a, json_string(ov->entrypoint));
		cmd = NULL;
	} else if (entry) {
		json_array_extend(a, entry);
	}
	if (ov && ov->argv)
		for (char *const *p = ov->argv; *p; p++)
			json_array_append_new(a, json_string(*p));
	else if (cmd)
		json_array_foreach(cmd, i, s) json_array_append(a, s);
	if (json_array_size(a) == 0) {
		json_decref(a);
		return error_set(err, EINVAL,
				 "no command: the image has neither Entrypoint nor Cmd, and none "
				 "was given");
	}
	return json_object_set_new(proc, "args", a);
}

static size_t name_len(const char *entry)
{
	const char *eq = strchr(entry, '=');
	return eq ? (size_t)(eq - entry) : strlen(entry);
}

/* Sets entry in env, replacing the one of the same name. */
static void env_set(json_t *env, const char *entry)
{
	size_t n = name_len(entry), i;
	json_t *v;
	json_array_foreach(env, i, v)
	{
		const char *s = json_string_value(v);
		if (s && name_len(s) == n && strncmp(s, entry, n) == 0) {
			json_array_set_new(env, i, json_string(entry));
			return;
		}
	}
	json_array_append_new(env, json_string(entry));
}

static bool env_has(json_t *env, const char *name)
{
	size_t n = strlen(name), i;
	json_t *v;
	json_array_foreach(env, i, v)
	{
		const char *s = json_string_value(v);
		if (s && name_len(s) == n && strncmp(s, name, n) == 0)
			return true;
	}
	return false;
}

static int env(json_t *proc, json_t *config, const struct image_spec_overrides *ov,
	       const char *home, struct error *err)
{
	json_t *img;
	if (strings(config, "Env", &img, err) < 0)
		return -1;
	json_t *e = json_array();
	size_t i;
	json_t *s;
	if (img)
		json_array_foreach(img, i, s) env_set(e, json_string_value(s));
	if (!env_has(e, "PATH"))
		json_array_insert_new(e, 0, json_string(DEFAULT_PATH));
	/* As Docker: TERM with a terminal only, HOME from the user's passwd entry. */
	if (json_is_true(json_object_get(proc, "terminal")) && !env_has(e, "TERM"))
		json_array_append_new(e, json_string("TERM=xterm"));
	if (!env_has(e, "HOME")) {
		char h[4200];
		snprintf(h, sizeof h, "HOME=%s", home && *home ? home : "/");
		json_array_append_new(e, json_string(h));
	}
	for (char *const *p = ov ? ov->env : NULL; p && *p; p++)
		env_set(e, *p);
	return json_object_set_new(proc, "env", e);
}

static bool numeric(const char *s, uint32_t *out)
{
	char *end;
	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Field f (0-based) of a ':'-separated line into buf. */
static const char *field(const char *line, size_t len, int f, char *buf, size_t size)
{
	const char *p = line, *end = line + len;
	for (int i = 0; i < f; i++) {
		p = memchr(p, ':', (size_t)(end - p));
		if (p == NULL)
			return NULL;
		p++;
	}
	const char *q = memchr(p, ':', (size_t)(end - p));
	size_t n = (size_t)((q ? q : end) - p);
	if (n >= size)
		return NULL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

/* The first line of file (passwd or group format) whose field key_f is key; its field want_f
 * into out. */
static bool lookup(const char *file, int key_f, const char *key, int want_f, char *out, size_t size)
{
	for (const char *l = file; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		char k[256];
		if (len && l[0] != '#' && field(l, len, key_f, k, sizeof k) &&
		    strcmp(k, key) == 0 && field(l, len, want_f, out, size))
			return true;
		l = nl ? nl + 1 : NULL;
	}
	return false;
}

/* The groups of group whose member list (field 3) names user. */
static void member_groups(const char *group, const char *user, uint32_t primary, json_t *gids)
{
	for (const char *l = group; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		char members[2048], gid[32];
		uint32_t g;
		if (len && l[0] != '#' && field(l, len, 3, members, sizeof members) &&
		    field(l, len, 2, gid, sizeof gid) && numeric(gid, &g) && g != primary) {
			for (char *save, *m = strtok_r(members, ",", &save); m;
			     m = strtok_r(NULL, ",", &save))
				if (strcmp(m, user) == 0) {
					json_array_append_new(gids, json_integer(g));
					break;
				}
		}
		l = nl ? nl + 1 : NULL;
	}
}

static int user(json_t *proc, json_t *config, const struct image_spec_overrides *ov,
		const struct image_ids *ids, char *home, size_t home_size, struct error *err)
{
	const char *spec = ov && ov->user ? ov->user : string(config, "User");
	const char *passwd = ids ? ids->passwd : NULL, *group = ids ? ids->group : NULL;
	char u[256] = "", g[256] = "", name[256] = "", buf[32];
	const char *colon = spec ? strchr(spec, ':') : NULL;
	if (spec && strlen(spec) >= sizeof u)
		return error_set(err, EINVAL, DOC ": User: too long");
	if (spec) {
		snprintf(u, sizeof u, "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec),
			 spec);
		if (colon)
			snprintf(g, sizeof g, "%s", colon + 1);
	}
	if (*u == '\0')
		strcpy(u, "0");
	uint32_t uid = 0, gid = 0;
	if (numeric(u, &uid)) {
		/* A uid without an entry is used as it is, with gid 0. */
		lookup(passwd, 2, u, 0, name, sizeof name);
	} else {
		if (!lookup(passwd, 0, u, 2, buf, sizeof buf) || !numeric(buf, &uid))
			return error_set(err, ENOENT,
					 DOC ": User: no user \"%s\" in the image's /etc/passwd",
					 u);
		snprintf(name, sizeof name, "%s", u);
	}
	if (*name) {
		if (lookup(passwd, 0, name, 3, buf, sizeof buf))
			numeric(buf, &gid);
		lookup(passwd, 0, name, 5, home, home_size);
	}
	if (*g) {
		if (!numeric(g, &gid) &&
		    (!lookup(group, 0, g, 2, buf, sizeof buf) || !numeric(buf, &gid)))
			return error_set(err, ENOENT,
					 DOC ": User: no group \"%s\" in the image's /etc/group",
					 g);
	}
	json_t *uo = json_pack("{s:I,s:I}", "uid", (json_int_t)uid, "gid", (json_int_t)gid);
	/* A group named by the caller is the only one, as with Docker; else the user's. */
	if (*g == '\0' && *name && group) {
		json_t *gids = json_array();
		member_groups(group, name, gid, gids);
		if (json_array_size(gids))
			json_object_set_new(uo, "additionalGids", gids);
		else
			json_decref(gids);
	}
	return json_object_set_new(proc, "user", uo);
}

static int annotations(json_t *spec, json_t *config, struct error *err)
{
	json_t *ann = json_object_get(spec, "annotations");
	if (!json_is_object(ann)) {
		ann = json_object();
		json_object_set_new(spec, "annotations", ann);
	}
	const char *stop = string(config, "StopSignal");
	if (stop && *stop)
		json_object_set_new(ann, "org.opencontainers.image.stopSignal", json_string(stop));
	static const char *const sets[][2] = {
	    {"ExposedPorts", "org.opencontainers.image.exposedPorts"},
	    {"Volumes", "org.berth.image.volumes"}};
	for (size_t k = 0; k < 2; k++) {
		json_t *o = config ? json_object_get(config, sets[k][0]) : NULL;
		if (o == NULL || json_is_null(o))
			continue;
		if (!json_is_object(o))
			return error_set(err, EINVAL, DOC ": %s: expected an object", sets[k][0]);
		size_t len = 1;
		const char *key;
		json_t *v;
		json_object_foreach(o, key, v) len += strlen(key) + 1;
		_cleanup_free_ char *list = calloc(1, len);
		if (list == NULL)
			return error_set(err, ENOMEM, DOC);
		json_object_foreach(o, key, v)
		{
			if (*list)
				strcat(list, ",");
			strcat(list, key);
		}
		if (*list)
			json_object_set_new(ann, sets[k][1], json_string(list));
	}
	json_t *labels = config ? json_object_get(config, "Labels") : NULL;
	if (labels && !json_is_null(labels)) {
		if (!json_is_object(labels))
			return error_set(err, EINVAL, DOC ": Labels: expected an object");
		const char *key;
		json_t *v;
		json_object_foreach(labels, key, v)
		{
			if (!json_is_string(v))
				return error_set(err, EINVAL, DOC ": Labels.%s: expected a string",
						 key);
			if (json_object_get(ann, key) == NULL)
				json_object_set(ann, key, v);
		}
	}
	return 0;
}

int image_spec_apply(json_t *spec, json_t *config, const struct image_spec_overrides *ov,
		     const struct image_ids *ids, struct error *err)
{
	if (config && json_is_null(config))
		config = NULL;
	if (config && !json_is_object(config))
		return error_set(err, EINVAL, DOC ": config: expected an object");
	json_t *proc = json_object_get(spec, "process");
	if (!json_is_object(proc)) {
		proc = json_object();
		json_object_set_new(spec, "process", proc);
	}
	char home[4096] = "";
	if (args(proc, config, ov, err) < 0 ||
	    user(proc, config, ov, ids, home, sizeof home, err) < 0 ||
	    env(proc, config, ov, home, err) < 0)
		return -1;
	const char *cwd = ov && ov->cwd ? ov->cwd : string(config, "WorkingDir");
	if (cwd && *cwd && cwd[0] != '/')
		return error_set(err, EINVAL, DOC ": WorkingDir: \"%s\" is not an absolute path",
				 cwd);
	json_object_set_new(proc, "cwd", json_string(cwd && *cwd ? cwd : "/"));
	return annotations(spec, config, err);
}
