#include "lib/strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int strv_push(char ***v, const char *s)
{
	size_t n = strv_len(*v);
	char *c = strdup(s);
	if (c == NULL)
		return -1;
	char **nv = realloc(*v, (n + 2) * sizeof *nv);
	if (nv == NULL) {
		free(c);
		return -1;
	}
	nv[n] = c;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

char **strv_dup(char *const *v)
{
	char **r = calloc(strv_len(v) + 1, sizeof *r);
	if (r == NULL)
		return NULL;
	for (size_t i = 0; v && v[i]; i++) {
		r[i] = strdup(v[i]);
		if (r[i] == NULL) {
			strv_free(r);
			return NULL;
		}
	}
	return r;
}

int strv_find(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return (int)i;
	return -1;
}

static size_t env_name_len(const char *e)
{
	const char *eq = strchr(e, '=');
	return eq ? (size_t)(eq - e) : strlen(e);
}

int strv_env_set(char ***v, const char *entry)
{
	size_t nl = env_name_len(entry);
	for (size_t i = 0; *v && (*v)[i]; i++) {
		if (env_name_len((*v)[i]) == nl && strncmp((*v)[i], entry, nl) == 0) {
			char *c = strdup(entry);
			if (c == NULL)
				return -1;
			free((*v)[i]);
			(*v)[i] = c;
			return 0;
		}
	}
	return strv_push(v, entry);
}

const char *strv_env_get(char *const *v, const char *name)
{
	size_t nl = strlen(name);
	for (size_t i = 0; v && v[i]; i++)
		if (strncmp(v[i], name, nl) == 0 && v[i][nl] == '=')
			return v[i] + nl + 1;
	return NULL;
}
