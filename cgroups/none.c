/* --cgroup-manager=disabled: no cgroup at all; resources are refused rather than ignored. */
#include <errno.h>

#include "cgroups/backend.h"
#include "lib/error.h"

static bool resources_empty(const struct cgroup_resources *r)
{
	return !r->memory.limit.set && !r->memory.reservation.set && !r->memory.swap.set &&
	       !r->cpu.shares.set && !r->cpu.quota.set && !r->cpu.cpus && !r->cpu.mems &&
	       !r->pids_limit.set && !r->blkio.weight.set && r->n_hugepages == 0 &&
	       r->n_unified == 0;
}

static int none_apply(struct cgroup *cg, const struct cgroup_resources *r, bool update,
		      struct error *err)
{
	if (!resources_empty(r))
		return error_set(err, EINVAL,
				 "linux.resources: limits were asked for but the cgroup "
				 "manager is disabled");
	return 0;
}

static int none_unsupported(struct cgroup *cg, bool freeze, struct error *err)
{
	return error_set(err, ENOTSUP,
			 "pause/resume needs a cgroup (the cgroup manager is disabled)");
}

const struct cgroup_backend cgroup_backend_none = {
    .name = "disabled",
    .apply = none_apply,
    .freeze = none_unsupported,
};
