/* The container lifecycle: what each CLI verb asks of the runtime. Every verb is given the
 * command's runtime_ctx (the state root, rootless, the cgroup manager), resolved once. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cgroups/cgroup.h"
#include "runtime/context.h"

struct error;
struct foreground_opts;

struct create_opts {
	const char *id;
	const char *bundle;	 /* default: the current directory */
	const char *config_path; /* crun's run --config; default bundle/config.json */
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
	bool no_pivot;
	bool no_new_keyring;
	bool detach; /* run */
	bool keep;   /* run: leave the stopped container for inspection */
	/* run (berth box): init keeps its death signal through execve: the job dies with berth */
	bool die_with_parent;
	struct foreground_opts *fg; /* run: timeout and the like; NULL for none */
};

/* create: init waits on the exec fifo when this returns. */
int container_create(const struct runtime_ctx *ctx, const struct create_opts *o, struct error *err);
/* What the OOM killer did in the container's cgroup while run waited, for the caller to report. */
struct run_oom {
	uint64_t kills;	   /* processes it killed; 0 for none */
	bool init;	   /* init died of SIGKILL with kills > 0: init was one of them */
	int64_t mem_limit; /* linux.resources.memory.limit, -1 if none */
};
/* run: create + start + wait (+ delete unless keep). *exit_code: the container's status, 128+N
 * for a signal. */
int container_run(const struct runtime_ctx *ctx, const struct create_opts *o, int *exit_code,
		  struct run_oom *oom, struct error *err);
int container_start(const struct runtime_ctx *ctx, const char *id, struct error *err);
int container_state_json(const struct runtime_ctx *ctx, const char *id, json_t **out,
			 struct error *err);
int container_kill(const struct runtime_ctx *ctx, const char *id, int sig, bool all,
		   struct error *err);
int container_delete(const struct runtime_ctx *ctx, const char *id, bool force, struct error *err);
/* Array of {id, pid, status, bundle, created, owner, annotations} as runc list --format json. */
int container_list(const struct runtime_ctx *ctx, json_t **out, struct error *err);
/* The IDs under root that the POSIX extended regex matches anywhere (unanchored, as crun's
 * --regex), sorted; *out NULL when none. */
int container_ids_matching(const struct runtime_ctx *ctx, const char *regex, char ***out,
			   struct error *err);
int container_pause(const struct runtime_ctx *ctx, const char *id, bool pause, struct error *err);
/* The limits in resources_file (linux.resources alone, update -r) or, when it is NULL, in r:
 * the file is the whole request, as in runc. */
int container_update(const struct runtime_ctx *ctx, const char *id, const char *resources_file,
		     const struct cgroup_resources *r, struct error *err);
int container_pids(const struct runtime_ctx *ctx, const char *id, pid_t **pids, size_t *n,
		   struct error *err);
/* `ps` table: the host's ps with the caller's options (default -ef), only the container's rows. */
int container_ps_table(const pid_t *pids, size_t n, char *const *ps_args, struct error *err);
/* What the container's cgroup holds: runc's object and the figures (cgroups/cgroup.h). A stopped
 * container's too when stopped_ok (berth box reads them between its job's end and delete);
 * else, as runc's events --stats, only a running one's. Free with container_stats_free. */
/* After a run that failed at its process's executable, the status a shell would give: 127 when
 * it is missing, 126 when it cannot be executed; 0 for any other failure. */
int container_exec_failure_status(const struct error *e);
int container_stats(const struct runtime_ctx *ctx, const char *id, bool stopped_ok,
		    struct cgroup_stats *out, struct error *err);
void container_stats_free(struct cgroup_stats *s);
/* Tasks in the container's cgroup now, and the kernel's high-water mark (0: it keeps none). */
int container_tasks(const struct runtime_ctx *ctx, const char *id, uint64_t *current,
		    uint64_t *peak, struct error *err);
/* events: streams JSON lines to out until the container stops (stats every interval ms; OOM
 * events as they happen); stats_once: one {"type":"stats"} object. */
int container_events(const struct runtime_ctx *ctx, const char *id, int interval_ms,
		     bool stats_once, struct error *err);
