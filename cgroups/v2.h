/* cgroup v2 internals shared by v2.c and res_v2.c. Internal to cgroups/. */
#pragma once
#include <stdbool.h>

#include "cgroups/resources.h"

struct error;

#define CGROUP2_ROOT "/sys/fs/cgroup"

/* Writes linux.resources into the cgroup directory dirfd (the unified hierarchy). */
int res_v2_apply(int dirfd, const struct cgroup_resources *r, bool update, struct error *err);
