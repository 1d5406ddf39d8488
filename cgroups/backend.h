/* What each cgroup backend implements; cgroups/manager.c dispatches to it. Internal to cgroups/. */
#pragma once
#include "cgroups/cgroup.h"

struct cgroup_backend {
	const char *name;
	int (*create)(struct cgroup *cg, struct error *err);
	int (*apply)(struct cgroup *cg, const struct cgroup_resources *r, bool update,
		     struct error *err);
	int (*enter_prepare)(struct cgroup *cg, struct cgroup_enter *e, struct error *err);
	int (*freeze)(struct cgroup *cg, bool freeze, struct error *err);
	int (*is_frozen)(struct cgroup *cg, bool *frozen, struct error *err);
	int (*kill_all)(struct cgroup *cg, int sig, struct error *err);
	int (*pids)(struct cgroup *cg, pid_t **pids, size_t *n, struct error *err);
	/* runc's object in out->runc, and the cpu and memory figures */
	int (*stats)(struct cgroup *cg, struct cgroup_stats *out, struct error *err);
	int (*oom_kills)(struct cgroup *cg, uint64_t *count, struct error *err);
	int (*tasks)(struct cgroup *cg, uint64_t *current, uint64_t *peak, struct error *err);
	int (*oom_event_fd)(struct cgroup *cg, struct error *err);
	int (*destroy)(struct cgroup *cg, struct error *err);
	/* The cgroup's directory: in the v1 hierarchy of ctrl, or (ctrl NULL) in the unified one,
	 * v2's own or a hybrid host's. ENOTSUP where there is none. For cgroups/usage.c. */
	int (*open_dir)(struct cgroup *cg, const char *ctrl, struct error *err);
};

struct cgroup {
	enum cgroup_mode mode;
	char *path;
	int created_depth;
	const struct cgroup_backend *ops;
	void *priv; /* backend state (e.g. v1 hierarchy list) */
	void (*free_priv)(void *priv);
};

extern const struct cgroup_backend cgroup_backend_v1; /* legacy and hybrid */
extern const struct cgroup_backend cgroup_backend_v2;
extern const struct cgroup_backend cgroup_backend_none;
