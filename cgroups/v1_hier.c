/* Finding the v1 hierarchies. Names are never hard-coded: other hosts mount net_cls, net_prio,
 * hugetlb, rdma or perf_event too, or co-mount cpu,cpuacct in one hierarchy. */
#include "cgroups/v1_hier.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/mountinfo.h"

static const char *const known_ctrls[] = {"cpu",     "cpuacct", "cpuset",   "memory", "devices",
					  "freezer", "net_cls", "net_prio", "blkio",  "perf_event",
					  "hugetlb", "pids",	"rdma",	    "misc",   "debug"};

static bool is_ctrl(const char *tok)
{
	if (strncmp(tok, "name=", 5) == 0)
		return tok[5] != '\0';
	for (size_t i = 0; i < ARRAY_SIZE(known_ctrls); i++)
		if (strcmp(tok, known_ctrls[i]) == 0)
			return true;
	return false;
}

/* The controllers from the super options ("rw,cpu,cpuacct"), or NULL if none. */
static char *ctrls_of(const char *superopts)
{
	_cleanup_free_ char *copy = strdup(superopts);
	char *out = calloc(1, strlen(superopts) + 1);
	if (copy == NULL || out == NULL) {
		free(out);
		return NULL;
	}
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!is_ctrl(t))
			continue;
		if (out[0])
			strcat(out, ",");
		strcat(out, t);
	}
	if (out[0] == '\0') {
		free(out);
		return NULL;
	}
	return out;
}

static void state_free(void *p)
{
	struct v1_state *s = p;
	if (s == NULL)
		return;
	for (int i = 0; i < s->n; i++) {
		free(s->h[i].mnt);
		free(s->h[i].ctrls);
	}
	free(s->unified);
	free(s);
}

static int parse_mountinfo(struct v1_state *s, struct error *err)
{
	_cleanup_mountinfo_ struct mountinfo mi = {0};
	if (mountinfo_read(&mi, err) < 0)
		return -1;
	unsigned int devs[V1_MAX_HIER][2];
	for (size_t k = 0; k < mi.n; k++) {
		const struct mountinfo_entry *e = &mi.entries[k];
		bool v2 = strcmp(e->fstype, "cgroup2") == 0;
		/* A hierarchy mounted over (a tmpfs over /sys/fs/cgroup/unified) is not reachable
		 * at its path. */
		if ((!v2 && strcmp(e->fstype, "cgroup") != 0) || !mountinfo_visible(&mi, e))
			continue;
		if (v2) {
			/* Prefer the conventional place if cgroup2 is mounted more than once. */
			if (s->unified == NULL ||
			    strcmp(e->mount_point, "/sys/fs/cgroup/unified") == 0) {
				free(s->unified);
				if ((s->unified = strdup(e->mount_point)) == NULL)
					return error_set(err, ENOMEM, "mountinfo");
			}
			continue;
		}
		/* The same hierarchy can be mounted twice (bind mounts): keep the first. */
		bool dup = false;
		for (int i = 0; i < s->n && !dup; i++)
			dup = devs[i][0] == e->major && devs[i][1] == e->minor;
		char *ctrls = ctrls_of(e->super_options);
		if (dup || ctrls == NULL) {
			free(ctrls);
			continue;
		}
		if (s->n == V1_MAX_HIER) {
			free(ctrls);
			return error_set(err, E2BIG,
					 "more than %d cgroup v1 hierarchies are mounted",
					 V1_MAX_HIER);
		}
		devs[s->n][0] = e->major;
		devs[s->n][1] = e->minor;
		s->h[s->n].ctrls = ctrls;
		if ((s->h[s->n].mnt = strdup(e->mount_point)) == NULL) {
			free(ctrls);
			return error_set(err, ENOMEM, "mountinfo");
		}
		s->n++;
	}
	return 0;
}

/* The hierarchies as first found by this process. A command opens its container's cgroup more
 * than once (run: at create and again for the teardown; exec: to check and to join), and the
 * mounts under /sys/fs/cgroup are the host's setup, not something a container changes: one read
 * of /proc/self/mountinfo per process is enough. */
static struct v1_state *seen;

static struct v1_state *state_copy(const struct v1_state *from)
{
	struct v1_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	for (int i = 0; i < from->n; i++, s->n++) {
		s->h[i].mnt = strdup(from->h[i].mnt);
		s->h[i].ctrls = strdup(from->h[i].ctrls);
		if (s->h[i].mnt == NULL || s->h[i].ctrls == NULL) {
			s->n++;
			state_free(s);
			return NULL;
		}
	}
	if (from->unified && (s->unified = strdup(from->unified)) == NULL) {
		state_free(s);
		return NULL;
	}
	return s;
}

struct v1_state *v1_state(struct cgroup *cg, struct error *err)
{
	if (cg->priv)
		return cg->priv;
	struct v1_state *s = seen ? state_copy(seen) : calloc(1, sizeof *s);
	if (s == NULL) {
		error_set(err, ENOMEM, "cgroup v1 state");
		return NULL;
	}
	if (seen == NULL) {
		if (parse_mountinfo(s, err) < 0) {
			state_free(s);
			return NULL;
		}
		if (s->n > 0)
			seen = state_copy(s);
	}
	if (s->n == 0) {
		state_free(s);
		error_set(err, ENOENT,
			  "no cgroup v1 hierarchy is mounted (see /proc/self/mountinfo)");
		return NULL;
	}
	if (cg->mode != CGROUP_MODE_HYBRID) {
		free(s->unified);
		s->unified = NULL;
	}
	cg->priv = s;
	cg->free_priv = state_free;
	return s;
}

int v1_find(const struct v1_state *s, const char *ctrl)
{
	size_t l = strlen(ctrl);
	for (int i = 0; i < s->n; i++)
		for (const char *p = s->h[i].ctrls; p;
		     p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
			if (strncmp(p, ctrl, l) == 0 && (p[l] == ',' || p[l] == '\0'))
				return i;
	return -1;
}

char *v1_join(const char *root, const char *path, const char *sub)
{
	char *out;
	int r =
	    sub ? asprintf(&out, "%s%s/%s", root, path, sub) : asprintf(&out, "%s%s", root, path);
	return r < 0 ? NULL : out;
}

int v1_open_ctrl(struct cgroup *cg, const char *ctrl, const char *key, struct error *err)
{
	struct v1_state *s = v1_state(cg, err);
	if (s == NULL)
		return -1;
	int i = v1_find(s, ctrl);
	if (i < 0)
		return error_set(err, ENOTSUP,
				 "%s: the cgroup v1 \"%s\" controller is not mounted on this host",
				 key, ctrl);
	_cleanup_free_ char *dir = v1_join(s->h[i].mnt, cg->path, NULL);
	if (dir == NULL)
		return error_set(err, ENOMEM, "%s", key);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "%s: open %s", key, dir);
	return fd;
}
