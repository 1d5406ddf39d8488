/* Mode detection and dispatch to the backend. */
#include <errno.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgroups/backend.h"
#include "lib/error.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

int cgroup_detect_mode(enum cgroup_mode *mode, struct error *err)
{
	static int cached = -1;
	if (cached >= 0) {
		*mode = (enum cgroup_mode)cached;
		return 0;
	}
	struct statfs st;
	if (statfs("/sys/fs/cgroup", &st) < 0) {
		if (errno == ENOENT) {
			*mode = CGROUP_MODE_NONE;
			cached = *mode;
			return 0;
		}
		return error_errno(err, "statfs /sys/fs/cgroup");
	}
	if (st.f_type == CGROUP2_SUPER_MAGIC) {
		*mode = CGROUP_MODE_V2;
	} else if (st.f_type == TMPFS_MAGIC) {
		struct statfs u;
		if (statfs("/sys/fs/cgroup/unified", &u) == 0 && u.f_type == CGROUP2_SUPER_MAGIC)
			*mode = CGROUP_MODE_HYBRID;
		else
			*mode = CGROUP_MODE_V1;
	} else {
		return error_set(err, EINVAL,
				 "/sys/fs/cgroup is neither cgroup2 nor a tmpfs of v1 "
				 "hierarchies (f_type 0x%lx)",
				 (unsigned long)st.f_type);
	}
	cached = *mode;
	return 0;
}

static const char *mode_names[] = {"none", "v1", "hybrid", "v2"};

const char *cgroup_mode_name(enum cgroup_mode mode)
{
	return mode_names[mode];
}

int cgroup_mode_from_name(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, mode_names[i]) == 0)
			return i;
	return -1;
}

struct cgroup *cgroup_open(enum cgroup_mode mode, const char *path, int created_depth,
			   struct error *err)
{
	struct cgroup *cg = calloc(1, sizeof *cg);
	if (cg == NULL || (cg->path = strdup(path)) == NULL) {
		free(cg);
		error_set(err, ENOMEM, "cgroup %s", path);
		return NULL;
	}
	cg->mode = mode;
	cg->created_depth = created_depth;
	switch (mode) {
	case CGROUP_MODE_V2:
		cg->ops = &cgroup_backend_v2;
		break;
	case CGROUP_MODE_V1:
	case CGROUP_MODE_HYBRID:
		cg->ops = &cgroup_backend_v1;
		break;
	case CGROUP_MODE_NONE:
		cg->ops = &cgroup_backend_none;
		break;
	}
	return cg;
}

void cgroup_free(struct cgroup *cg)
{
	if (cg == NULL)
		return;
	if (cg->free_priv)
		cg->free_priv(cg->priv);
	free(cg->path);
	free(cg);
}

const char *cgroup_path(const struct cgroup *cg)
{
	return cg->path;
}

enum cgroup_mode cgroup_get_mode(const struct cgroup *cg)
{
	return cg->mode;
}

int cgroup_created_depth(const struct cgroup *cg)
{
	return cg->created_depth;
}

void cgroup_enter_close(struct cgroup_enter *e)
{
	if (e->clone_into_fd >= 0)
		close(e->clone_into_fd);
	if (e->procs_fd >= 0)
		close(e->procs_fd);
	for (int i = 0; i < e->n_tasks; i++)
		close(e->tasks_fds[i]);
	e->clone_into_fd = e->procs_fd = -1;
	e->n_tasks = 0;
}

int cgroup_enter_self(const struct cgroup_enter *e, bool cloned_into)
{
	/* Writing "0" moves the calling thread; init is single-threaded, so that is the process,
	 * and it avoids the RCU grace period a parent's write of a pid into cgroup.procs costs. */
	if (!cloned_into && e->procs_fd >= 0 && write(e->procs_fd, "0", 1) != 1)
		return -errno;
	for (int i = 0; i < e->n_tasks; i++)
		if (write(e->tasks_fds[i], "0", 1) != 1)
			return -errno;
	return 0;
}

#define DISPATCH(op, ...) (cg->ops->op ? cg->ops->op(cg, __VA_ARGS__) : 0)

int cgroup_create(struct cgroup *cg, struct error *err)
{
	return DISPATCH(create, err);
}
/* Engines write 0 for "not set" in many fields (Docker sends blockIO.weight 0 and cpu.shares 0 in
 * every config), and runc treats 0 there as "leave it alone"; so do all backends. */
static void unset_zero_i64(struct opt_i64 *o)
{
	if (o->set && o->v == 0)
		o->set = false;
}
static void unset_zero_u64(struct opt_u64 *o)
{
	if (o->set && o->v == 0)
		o->set = false;
}

int cgroup_apply(struct cgroup *cg, const struct cgroup_resources *r, bool update,
		 struct error *err)
{
	struct cgroup_resources n = *r; /* shallow: only scalar fields change */
	unset_zero_i64(&n.memory.limit);
	unset_zero_i64(&n.memory.reservation);
	unset_zero_i64(&n.memory.swap);
	unset_zero_i64(&n.memory.kernel);
	unset_zero_i64(&n.memory.kernel_tcp);
	unset_zero_u64(&n.cpu.shares);
	unset_zero_i64(&n.cpu.quota);
	unset_zero_u64(&n.cpu.period);
	unset_zero_i64(&n.cpu.realtime_runtime);
	unset_zero_u64(&n.cpu.realtime_period);
	unset_zero_i64(&n.pids_limit);
	unset_zero_u64(&n.blkio.weight);
	unset_zero_u64(&n.blkio.leaf_weight);
	if (n.cpu.cpus && *n.cpu.cpus == '\0')
		n.cpu.cpus = NULL;
	if (n.cpu.mems && *n.cpu.mems == '\0')
		n.cpu.mems = NULL;
	return DISPATCH(apply, &n, update, err);
}
int cgroup_enter_prepare(struct cgroup *cg, struct cgroup_enter *e, struct error *err)
{
	e->clone_into_fd = e->procs_fd = -1;
	e->n_tasks = 0;
	return DISPATCH(enter_prepare, e, err);
}
struct cgroup *cgroup_open_sub(const struct cgroup *cg, const char *sub, struct error *err)
{
	/* Only below the container's own cgroup: relative, no "..", no empty components. */
	bool bad = sub[0] == '\0' || sub[0] == '/';
	for (const char *p = sub; !bad && *p;) {
		size_t n = strcspn(p, "/");
		bad = n == 0 || (n == 2 && p[0] == '.' && p[1] == '.');
		p += n;
		if (*p == '/')
			p++;
	}
	if (bad) {
		error_set(err, EINVAL, "cgroup \"%s\": not a path below the container's cgroup",
			  sub);
		return NULL;
	}
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", strcmp(cg->path, "/") == 0 ? "" : cg->path,
			     sub) >= sizeof path) {
		error_set(err, ENAMETOOLONG, "cgroup \"%s\": path too long", sub);
		return NULL;
	}
	return cgroup_open(cg->mode, path, 0, err);
}
int cgroup_freeze(struct cgroup *cg, bool freeze, struct error *err)
{
	return DISPATCH(freeze, freeze, err);
}
int cgroup_is_frozen(struct cgroup *cg, bool *frozen, struct error *err)
{
	*frozen = false;
	return DISPATCH(is_frozen, frozen, err);
}
int cgroup_kill_all(struct cgroup *cg, int sig, struct error *err)
{
	return DISPATCH(kill_all, sig, err);
}
int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct error *err)
{
	*pids = NULL;
	*n = 0;
	return DISPATCH(pids, pids, n, err);
}
int cgroup_stats(struct cgroup *cg, struct cgroup_stats *out, struct error *err)
{
	memset(out, 0, sizeof *out);
	if (DISPATCH(stats, out, err) < 0)
		return -1;
	struct error e;
	cgroup_oom_kills(cg, &out->oom_kills, &e);
	out->has_tasks = cgroup_tasks(cg, &out->tasks, &out->tasks_peak, &e) == 0;
	cgroup_usage_figures(cg, out);
	return 0;
}
void cgroup_stats_free(struct cgroup_stats *s)
{
	json_decref(s->runc);
	s->runc = NULL;
}
int cgroup_oom_kills(struct cgroup *cg, uint64_t *count, struct error *err)
{
	*count = 0;
	return DISPATCH(oom_kills, count, err);
}
int cgroup_tasks(struct cgroup *cg, uint64_t *current, uint64_t *peak, struct error *err)
{
	*current = *peak = 0;
	if (cg->ops->tasks == NULL)
		return error_set(err, ENOTSUP,
				 "task count: not available with the %s cgroup manager",
				 cg->ops->name);
	return cg->ops->tasks(cg, current, peak, err);
}
int cgroup_oom_event_fd(struct cgroup *cg, struct error *err)
{
	if (cg->ops->oom_event_fd == NULL)
		return error_set(err, ENOTSUP,
				 "OOM events: not available with the %s cgroup manager",
				 cg->ops->name);
	return cg->ops->oom_event_fd(cg, err);
}
int cgroup_destroy(struct cgroup *cg, struct error *err)
{
	return DISPATCH(destroy, err);
}

int cgroup_devices_add_defaults(struct cgroup_resources *r, struct error *err)
{
	static const struct cg_device_rule defaults[] = {
	    {true, 'c', -1, -1, "m"}, {true, 'b', -1, -1, "m"},	   {true, 'c', 1, 3, "rwm"},
	    {true, 'c', 1, 8, "rwm"}, {true, 'c', 1, 7, "rwm"},	   {true, 'c', 5, 0, "rwm"},
	    {true, 'c', 1, 5, "rwm"}, {true, 'c', 1, 9, "rwm"},	   {true, 'c', 136, -1, "rwm"},
	    {true, 'c', 5, 2, "rwm"}, {true, 'c', 10, 200, "rwm"},
	};
	size_t nd = sizeof defaults / sizeof defaults[0], n = r->n_devices + nd;
	struct cg_device_rule *rules = realloc(r->devices, n * sizeof *rules);
	if (rules == NULL)
		return error_set(err, ENOMEM, "device rules");
	memcpy(rules + r->n_devices, defaults, sizeof defaults);
	r->devices = rules;
	r->n_devices = n;
	r->has_devices = true;
	return 0;
}

void cgroup_resources_free(struct cgroup_resources *r)
{
	if (r == NULL)
		return;
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(r->blkio.weight_device);
	for (int i = 0; i < 4; i++)
		free(r->blkio.throttle[i]);
	for (size_t i = 0; i < r->n_hugepages; i++)
		free(r->hugepages[i].page_size);
	free(r->hugepages);
	for (size_t i = 0; i < r->n_rdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	for (size_t i = 0; i < r->n_net_prio; i++)
		free(r->net_prio[i].name);
	free(r->net_prio);
	free(r->devices);
	for (size_t i = 0; i < r->n_unified; i++) {
		free(r->unified[i].key);
		free(r->unified[i].value);
	}
	free(r->unified);
	memset(r, 0, sizeof *r);
}
