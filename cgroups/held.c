/* A container's cgroup as its record (runtime/record.h) holds it: how deep a create is about to
 * go, written down before the mkdir, and the remover a teardown calls with those words. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroups/backend.h"
#include "cgroups/cgfile.h"
#include "cgroups/v1_hier.h"
#include "cgroups/v2.h"
#include "lib/cleanup.h"
#include "lib/error.h"

int cgroup_depth_to_create(struct cgroup *cg)
{
	const char *root = NULL;
	struct error e;
	if (cg->mode == CGROUP_MODE_V2) {
		root = CGROUP2_ROOT;
	} else if (cg->mode == CGROUP_MODE_V1 || cg->mode == CGROUP_MODE_HYBRID) {
		struct v1_state *s = v1_state(cg, &e);
		if (s == NULL || s->n == 0)
			return cg_path_components(cg->path);
		root = s->h[0].mnt;
	} else {
		return 0;
	}
	/* From the leaf up to the first level that exists: what mkdir will make, unless someone
	 * races it (the caller records again when create went deeper). One hierarchy stands for
	 * all, as the depth create records is one for all. */
	size_t rl = strlen(root);
	_cleanup_free_ char *dir = malloc(rl + strlen(cg->path) + 2);
	if (dir == NULL)
		return cg_path_components(cg->path);
	sprintf(dir, "%s/%s", root, cg->path[0] == '/' ? cg->path + 1 : cg->path);
	int missing = 0, comps = cg_path_components(cg->path);
	struct stat st;
	while (missing < comps && stat(dir, &st) < 0 && errno == ENOENT) {
		missing++;
		char *s = strrchr(dir, '/');
		if (s == NULL || (size_t)(s - dir) < rl)
			break;
		*s = '\0';
	}
	return missing;
}

static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			return true;
	return false;
}

int cgroup_remove_held(int argc, char *const *argv, struct error *err)
{
	if (argc != 3)
		return error_set(err, EINVAL, "cgroup entry: expected MODE PATH DEPTH");
	int mode = cgroup_mode_from_name(argv[0]);
	char *end;
	long depth = strtol(argv[2], &end, 10);
	/* The record is ours, but a path that climbs out of the hierarchy is never removed. */
	if (mode < 0 || *end || end == argv[2] || depth < 0 || depth > 4096 || argv[1][0] != '/' ||
	    has_dotdot(argv[1]))
		return error_set(err, EINVAL, "cgroup entry \"%s %s %s\": not valid", argv[0],
				 argv[1], argv[2]);
	if (mode == CGROUP_MODE_NONE)
		return 0;
	struct cgroup *cg = cgroup_open((enum cgroup_mode)mode, argv[1], (int)depth, err);
	if (cg == NULL)
		return -1;
	int r = cgroup_destroy(cg, err);
	cgroup_free(cg);
	return r;
}
