/* The v1 backend's view of the host: which hierarchies are mounted where. Internal to the v1
 * backend (v1.c, res_v1.c, v1_stats.c). */
#pragma once
#include <stdbool.h>

#include "cgroups/backend.h"

#define V1_MAX_HIER 16

struct v1_hier {
	char *mnt;   /* mount point: the hierarchy's root as this process sees it */
	char *ctrls; /* the controllers bound to it: "cpu", "cpu,cpuacct", "name=systemd" */
};

struct v1_state {
	struct v1_hier h[V1_MAX_HIER];
	int n;
	char *unified; /* the cgroup2 mount on a hybrid host, else NULL */
};

/* Discovered from /proc/self/mountinfo on first use and kept in cg->priv. */
struct v1_state *v1_state(struct cgroup *cg, struct error *err);
/* Index of the hierarchy that carries ctrl ("memory", "name=systemd"), or -1. */
int v1_find(const struct v1_state *s, const char *ctrl);
/* Opens cg's directory in the hierarchy of ctrl. key (the spec key or the operation) names the
 * error when the controller is not mounted on this host. */
int v1_open_ctrl(struct cgroup *cg, const char *ctrl, const char *key, struct error *err);
/* root + path (+ "/" + sub): malloc'd, NULL on ENOMEM. */
char *v1_join(const char *root, const char *path, const char *sub);
