/* cgroupsPath -> the path under each hierarchy's root. Relative paths are taken from the root,
 * not from the caller's own cgroup: runc nests them under its own cgroup, which on these hosts is
 * the machine supervisor's (see HOST.md), and a container must never land there. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "lib/cleanup.h"
#include "lib/error.h"

static bool systemd_running(void)
{
	return access("/run/systemd/system", F_OK) == 0;
}

static int systemd_unavailable(const char *what, struct error *err)
{
	if (!systemd_running())
		return error_set(
		    err, ENOTSUP,
		    "%s: the systemd cgroup driver needs systemd, which is not running on "
		    "this host (no /run/systemd/system); use --cgroup-manager cgroupfs "
		    "with a plain path",
		    what);
	return error_set(err, ENOTSUP,
			 "%s: the systemd cgroup driver is not supported by berth; use "
			 "--cgroup-manager cgroupfs with a plain path",
			 what);
}

/* "slice:prefix:name": exactly two colons and not a path. */
static bool is_systemd_form(const char *p)
{
	if (p[0] == '/')
		return false;
	const char *c1 = strchr(p, ':');
	if (c1 == NULL)
		return false;
	const char *c2 = strchr(c1 + 1, ':');
	return c2 != NULL && strchr(c2 + 1, ':') == NULL;
}

int cgroup_resolve_path(const char *cgroups_path, const char *id, bool systemd, char **out,
			struct error *err)
{
	*out = NULL;
	if (systemd)
		return systemd_unavailable("--systemd-cgroup", err);
	if (cgroups_path == NULL || cgroups_path[0] == '\0') {
		if (id == NULL || id[0] == '\0' || strchr(id, '/') != NULL ||
		    strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
			return error_set(err, EINVAL,
					 "cgroupsPath: cannot derive a cgroup from "
					 "container id \"%s\"",
					 id ? id : "");
		if (asprintf(out, "/berth/%s", id) < 0) {
			*out = NULL;
			return error_set(err, ENOMEM, "cgroupsPath");
		}
		return 0;
	}
	if (is_systemd_form(cgroups_path)) {
		char what[256];
		snprintf(what, sizeof what, "cgroupsPath \"%.200s\"", cgroups_path);
		return systemd_unavailable(what, err);
	}

	/* Normalise: one leading '/', no empty or "." components, ".." refused outright because
	 * it would let a config escape the hierarchy root or land in someone else's cgroup. */
	size_t len = strlen(cgroups_path);
	_cleanup_free_ char *res = malloc(len + 2);
	_cleanup_free_ char *copy = strdup(cgroups_path);
	if (res == NULL || copy == NULL)
		return error_set(err, ENOMEM, "cgroupsPath");
	size_t n = 0;
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0)
			return error_set(
			    err, EINVAL,
			    "cgroupsPath \"%s\": \"..\" is not allowed in a cgroup path",
			    cgroups_path);
		if (strchr(c, '\n') != NULL)
			return error_set(err, EINVAL, "cgroupsPath \"%s\": contains a newline",
					 cgroups_path);
		res[n++] = '/';
		size_t cl = strlen(c);
		memcpy(res + n, c, cl);
		n += cl;
	}
	if (n == 0)
		return error_set(
		    err, EINVAL,
		    "cgroupsPath \"%s\": resolves to the hierarchy root, which a container "
		    "cannot own",
		    cgroups_path);
	res[n] = '\0';
	*out = steal_pointer(&res);
	return 0;
}
