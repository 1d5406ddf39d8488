/* The cgroup v1 backend, for legacy and hybrid hosts: one directory per mounted hierarchy (and the
 * same path in the unified hierarchy on hybrid hosts, so that clone3(CLONE_INTO_CGROUP) and v2
 * tools see the container too). Resources are in res_v1.c, stats in v1_stats.c. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroups/cgfile.h"
#include "cgroups/v1_hier.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"

int v1_apply(struct cgroup *cg, const struct cgroup_resources *r, bool update, struct error *err);
int v1_stats(struct cgroup *cg, struct cgroup_stats *out, struct error *err);
static int v1_is_frozen(struct cgroup *cg, bool *frozen, struct error *err);

/* Every hierarchy root berth puts the container in: the v1 ones, then the unified one. */
static int roots_of(const struct v1_state *s, const char *roots[V1_MAX_HIER + 1])
{
	int n = 0;
	for (int i = 0; i < s->n; i++)
		roots[n++] = s->h[i].mnt;
	if (s->unified)
		roots[n++] = s->unified;
	return n;
}

static void sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
	nanosleep(&ts, NULL);
}

/* mkdir -p root+path; *created = how many trailing components this call made. A parent that
 * another container's delete removes under us (ENOENT) is made again. */
static int mkdir_cgroup(const char *root, const char *path, int *created, struct error *err)
{
	_cleanup_free_ char *full = v1_join(root, path, NULL);
	if (full == NULL)
		return error_set(err, ENOMEM, "mkdir %s%s", root, path);
	size_t rl = strlen(root);
	*created = 0;
	for (int attempt = 0; attempt < 5; attempt++) {
		bool restart = false;
		for (char *p = full + rl + 1;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char saved = *p;
			*p = '\0';
			int r = mkdir(full, 0755);
			int e = errno;
			struct stat st;
			/* A cgroupsPath through an interface file (cgroup.procs) is no cgroup. */
			if (r < 0 && e == EEXIST && stat(full, &st) == 0 && !S_ISDIR(st.st_mode))
				e = ENOTDIR;
			*p = saved;
			if (r == 0) {
				(*created)++;
			} else if (e == ENOENT) {
				restart = true;
				break;
			} else if (e != EEXIST) {
				errno = e;
				*p = '\0';
				error_errno(err, "cgroup: mkdir %s", full);
				/* The caller's rollback starts from the full path, which was never
				 * made: remove the parents made here now. */
				while (*created > 0) {
					char *slash = strrchr(full, '/');
					if (slash == NULL || (size_t)(slash - full) <= rl)
						break;
					*slash = '\0';
					if (rmdir(full) < 0)
						break;
					(*created)--;
				}
				*created = 0;
				return -1;
			}
			if (saved == '\0')
				break;
		}
		if (!restart)
			return 0;
	}
	return error_set(err, ENOENT, "cgroup: mkdir %s: parent keeps disappearing", full);
}

/* Removes the n deepest components of root+path (what mkdir_cgroup created). */
static void rmdir_created(const char *root, const char *path, int n)
{
	_cleanup_free_ char *full = v1_join(root, path, NULL);
	if (full == NULL)
		return;
	size_t rl = strlen(root);
	for (int i = 0; i < n; i++) {
		if (rmdir(full) < 0 && errno != ENOENT)
			return;
		char *slash = strrchr(full, '/');
		if (slash == NULL || (size_t)(slash - full) <= rl)
			return;
		*slash = '\0';
	}
}

static bool blank(const char *s)
{
	return s[strspn(s, " \n")] == '\0';
}

/* Copies cpuset.cpus and cpuset.mems from the parent of dir when dir has none. */
static int cpuset_copy_parent(char *dir, struct error *err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return error_errno(err, "cpuset: open %s", dir);
	char *slash = strrchr(dir, '/');
	*slash = '\0';
	_cleanup_close_ int pfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*slash = '/';
	if (pfd < 0)
		return error_errno(err, "cpuset: open the parent of %s", dir);
	for (int k = 0; k < 2; k++) {
		const char *file = k == 0 ? "cpuset.cpus" : "cpuset.mems";
		_cleanup_free_ char *cur = NULL, *par = NULL;
		if (cg_read(dfd, file, &cur, err) < 0)
			return error_prefix(err, "cpuset %s", dir);
		if (!blank(cur))
			continue;
		if (cg_read(pfd, file, &par, err) < 0)
			return error_prefix(err, "cpuset: the parent of %s", dir);
		par[strcspn(par, "\n")] = '\0';
		if (cg_write(dfd, file, par, "cpuset (copied from the parent)", err) < 0)
			return error_prefix(err, "%s", dir);
	}
	return 0;
}

/* A new cpuset cgroup starts with empty cpus and mems, and the kernel refuses tasks until both
 * are set: fill each level from the top down, as runc does. */
static int cpuset_fill(const char *root, const char *path, struct error *err)
{
	_cleanup_free_ char *full = v1_join(root, path, NULL);
	if (full == NULL)
		return error_set(err, ENOMEM, "cpuset");
	for (char *p = full + strlen(root) + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		int r = cpuset_copy_parent(full, err);
		*p = saved;
		if (r < 0)
			return -1;
		if (saved == '\0')
			return 0;
	}
}

static int v1_create(struct cgroup *cg, struct error *err)
{
	struct v1_state *s = v1_state(cg, err);
	if (s == NULL)
		return -1;
	const char *roots[V1_MAX_HIER + 1];
	int n = roots_of(s, roots), created[V1_MAX_HIER + 1] = {0}, depth = -1;
	int cpuset = v1_find(s, "cpuset");
	for (int i = 0; i < n; i++) {
		if (mkdir_cgroup(roots[i], cg->path, &created[i], err) < 0 ||
		    (i == cpuset && cpuset_fill(roots[i], cg->path, err) < 0)) {
			/* Leave the host as it was: no half-made container cgroup. */
			for (int j = 0; j <= i; j++)
				rmdir_created(roots[j], cg->path, created[j]);
			return -1;
		}
		/* One depth is recorded for all hierarchies: take the smallest, so that destroy
		 * never removes a parent that already existed in one of them (at worst an empty
		 * parent berth made elsewhere stays). */
		if (depth < 0 || created[i] < depth)
			depth = created[i];
	}
	cg->created_depth = depth < 0 ? 0 : depth;
	/* A process that joins a frozen cgroup stops where it stands, and run would wait for it
	 * forever: refuse before anything joins (as runc), leaving only what was there. */
	bool frozen = false;
	if (v1_is_frozen(cg, &frozen, err) < 0 || frozen) {
		if (frozen)
			error_set(err, EBUSY, "container's cgroup %s is unexpectedly frozen",
				  cg->path);
		for (int j = 0; j < n; j++)
			rmdir_created(roots[j], cg->path, created[j]);
		return -1;
	}
	return 0;
}

static int v1_enter_prepare(struct cgroup *cg, struct cgroup_enter *e, struct error *err)
{
	struct v1_state *s = v1_state(cg, err);
	if (s == NULL)
		return -1;
	for (int i = 0; i < s->n; i++) {
		_cleanup_free_ char *tasks = v1_join(s->h[i].mnt, cg->path, "tasks");
		int fd = tasks ? open(tasks, O_WRONLY | O_CLOEXEC) : -1;
		if (fd < 0) {
			error_errno(err, "cgroup: open %s", tasks ? tasks : s->h[i].mnt);
			cgroup_enter_close(e);
			return -1;
		}
		e->tasks_fds[e->n_tasks++] = fd;
	}
	if (s->unified) {
		_cleanup_free_ char *dir = v1_join(s->unified, cg->path, NULL);
		/* clone3 takes an O_RDONLY (or O_PATH) directory fd; cgroup.procs is init's
		 * fallback when the kernel lacks CLONE_INTO_CGROUP. */
		e->clone_into_fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		if (e->clone_into_fd >= 0)
			e->procs_fd =
			    openat(e->clone_into_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
		if (e->clone_into_fd < 0 || e->procs_fd < 0) {
			error_errno(err, "cgroup: open %s%s", dir ? dir : s->unified,
				    e->clone_into_fd < 0 ? "" : "/cgroup.procs");
			cgroup_enter_close(e);
			return -1;
		}
	}
	return 0;
}

static int freezer_state(int fd, char *buf, size_t len, struct error *err)
{
	_cleanup_free_ char *st = NULL;
	if (cg_read(fd, "freezer.state", &st, err) < 0)
		return -1;
	st[strcspn(st, "\n")] = '\0';
	snprintf(buf, len, "%s", st);
	return 0;
}

static int v1_freeze(struct cgroup *cg, bool freeze, struct error *err)
{
	_cleanup_close_ int fd = v1_open_ctrl(cg, "freezer", freeze ? "pause" : "resume", err);
	if (fd < 0)
		return -1;
	if (!freeze)
		return cg_write(fd, "freezer.state", "THAWED", "resume", err);
	/* A task that forks while the cgroup freezes can leave it in FREEZING for good: write
	 * FROZEN again and, now and then, thaw briefly so the stragglers can be caught (as runc).
	 */
	char st[32];
	for (int i = 0; i < 1000; i++) {
		if (i % 50 == 49) {
			if (cg_write(fd, "freezer.state", "THAWED", "pause", err) < 0)
				return -1;
			sleep_us(10000);
		}
		if (cg_write(fd, "freezer.state", "FROZEN", "pause", err) < 0)
			return -1;
		if (freezer_state(fd, st, sizeof st, err) < 0)
			return error_prefix(err, "pause");
		if (strcmp(st, "FROZEN") == 0)
			return 0;
		sleep_us(i < 10 ? 100 : 1000);
	}
	cg_write(fd, "freezer.state", "THAWED", "pause", NULL);
	return error_set(err, EBUSY, "pause: %s stayed in state %s; thawed it again", cg->path, st);
}

static int v1_is_frozen(struct cgroup *cg, bool *frozen, struct error *err)
{
	struct v1_state *s = v1_state(cg, err);
	if (s == NULL)
		return -1;
	*frozen = false;
	if (v1_find(s, "freezer") < 0)
		return 0;
	_cleanup_close_ int fd = v1_open_ctrl(cg, "freezer", "freezer state", err);
	if (fd < 0)
		return -1;
	char st[32];
	if (freezer_state(fd, st, sizeof st, err) < 0)
		return -1;
	*frozen = strcmp(st, "FROZEN") == 0;
	return 0;
}

struct pidv {
	pid_t *v;
	size_t n, cap;
};

/* cgroup.procs of dir and of every sub-cgroup below it (exec --cgroup puts processes there). */
static int collect_pids(const char *dir, struct pidv *pv, int depth, struct error *err)
{
	_cleanup_free_ char *procs = NULL;
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		/* Already gone, or a name too long to have been made: nothing runs there. */
		if ((errno == ENOENT || errno == ENAMETOOLONG) && depth == 0)
			return 0;
		return error_errno(err, "cgroup: open %s", dir);
	}
	if (cg_read(dfd, "cgroup.procs", &procs, err) < 0)
		return error_prefix(err, "cgroup %s", dir);
	for (char *p = procs; *p;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pv->n == pv->cap) {
			size_t cap = pv->cap ? pv->cap * 2 : 64;
			pid_t *nv = realloc(pv->v, cap * sizeof *nv);
			if (nv == NULL)
				return error_set(err, ENOMEM, "cgroup pids");
			pv->v = nv;
			pv->cap = cap;
		}
		pv->v[pv->n++] = (pid_t)v;
		p = end + strspn(end, "\n");
	}
	if (depth > 32)
		return 0;
	_cleanup_closedir_ DIR *d = fdopendir(steal_fd(&dfd));
	if (d == NULL)
		return error_errno(err, "cgroup: opendir %s", dir);
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *child = path_join(dir, de->d_name);
		if (child == NULL)
			return error_set(err, ENOMEM, "cgroup pids");
		if (collect_pids(child, pv, depth + 1, err) < 0)
			return -1;
	}
	return 0;
}

/* The hierarchy whose membership is the most reliable: pids, then memory, then any. */
static int pids_dir(struct cgroup *cg, char **dir, struct error *err)
{
	struct v1_state *s = v1_state(cg, err);
	if (s == NULL)
		return -1;
	int i = v1_find(s, "pids");
	if (i < 0)
		i = v1_find(s, "memory");
	if (i < 0)
		i = 0;
	*dir = v1_join(s->h[i].mnt, cg->path, NULL);
	return *dir ? 0 : error_set(err, ENOMEM, "cgroup");
}

static int v1_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct error *err)
{
	_cleanup_free_ char *dir = NULL;
	if (pids_dir(cg, &dir, err) < 0)
		return -1;
	struct pidv pv = {0};
	if (collect_pids(dir, &pv, 0, err) < 0) {
		free(pv.v);
		return -1;
	}
	*pids = pv.v;
	*n = pv.n;
	return 0;
}

static int signal_all(const char *dir, int sig, size_t *count, struct error *err)
{
	struct pidv pv = {0};
	if (collect_pids(dir, &pv, 0, err) < 0) {
		free(pv.v);
		return -1;
	}
	for (size_t i = 0; i < pv.n; i++)
		if (kill(pv.v[i], sig) < 0 && errno != ESRCH) {
			error_errno(err, "kill pid %d with signal %d", (int)pv.v[i], sig);
			free(pv.v);
			return -1;
		}
	*count = pv.n;
	free(pv.v);
	return 0;
}

static bool pid_listed(const struct pidv *pv, pid_t p)
{
	for (size_t i = 0; i < pv->n; i++)
		if (pv->v[i] == p)
			return true;
	return false;
}

/* The v1 freezer cgroup pid sits in (from /proc/PID/cgroup), or NULL. */
static char *freezer_cgroup_of(pid_t pid)
{
	char path[64], line[4096];
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	while (f && fgets(line, sizeof line, f)) {
		/* "ID:CONTROLLERS:PATH"; freezer is never bound with another controller here,
		 * but a list is read as one. */
		char *ctrls = strchr(line, ':'), *cgpath = ctrls ? strchr(ctrls + 1, ':') : NULL;
		if (cgpath == NULL)
			continue;
		*cgpath++ = '\0';
		cgpath[strcspn(cgpath, "\n")] = '\0';
		for (char *save, *c = strtok_r(ctrls + 1, ",", &save); c;
		     c = strtok_r(NULL, ",", &save))
			if (strcmp(c, "freezer") == 0)
				return strdup(cgpath);
	}
	return NULL;
}

/* A container process that was moved into another v1 freezer cgroup, frozen there, holds its
 * SIGKILL until that cgroup thaws. Thaw such a cgroup only when every task in it is the
 * container's (one that holds anyone else is not ours to thaw), and never the machine's own
 * supervisor tree (process_api, see HOST.md). */
static void thaw_foreign_freezers(struct cgroup *cg, const struct pidv *ours)
{
	struct v1_state *s = cg->priv;
	int fi = s ? v1_find(s, "freezer") : -1;
	if (fi < 0)
		return;
	for (size_t i = 0; i < ours->n; i++) {
		_cleanup_free_ char *fpath = freezer_cgroup_of(ours->v[i]);
		if (fpath == NULL || strcmp(fpath, cg->path) == 0 || strcmp(fpath, "/") == 0 ||
		    strstr(fpath, "/process_api") != NULL)
			continue;
		_cleanup_free_ char *dir = v1_join(s->h[fi].mnt, fpath, NULL);
		_cleanup_close_ int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		char st[32];
		if (fd < 0 || freezer_state(fd, st, sizeof st, NULL) < 0 ||
		    strcmp(st, "THAWED") == 0)
			continue;
		struct pidv there = {0};
		bool only_ours = collect_pids(dir, &there, 0, NULL) == 0;
		for (size_t k = 0; only_ours && k < there.n; k++)
			only_ours = pid_listed(ours, there.v[k]);
		free(there.v);
		if (only_ours)
			cg_write(fd, "freezer.state", "THAWED", "thaw", NULL);
	}
}

/* pids.current counts every task of the subtree, zombies included, in one read: at 0 nothing
 * is left to kill and nothing can fork into it, so the freeze/scan/thaw round is skipped. */
static bool v1_no_tasks(struct cgroup *cg)
{
	struct v1_state *s = v1_state(cg, NULL);
	uint64_t n;
	if (s == NULL || v1_find(s, "pids") < 0)
		return false;
	_cleanup_close_ int fd = v1_open_ctrl(cg, "pids", "task count", NULL);
	return fd >= 0 && cg_read_u64(fd, "pids.current", &n, NULL) == 0 && n == 0;
}

static int v1_kill_all(struct cgroup *cg, int sig, struct error *err)
{
	_cleanup_free_ char *dir = NULL;
	if (pids_dir(cg, &dir, err) < 0)
		return -1;
	size_t n;
	if (sig != SIGKILL)
		return signal_all(dir, sig, &n, err);
	if (v1_no_tasks(cg))
		return 0;
	/* Freezing first stops a fork loop from outrunning the kill (as runc does on v1). */
	struct v1_state *s = cg->priv;
	bool froze = false;
	if (v1_find(s, "freezer") >= 0 && access(dir, F_OK) == 0)
		froze = v1_freeze(cg, true, NULL) == 0;
	int r = signal_all(dir, SIGKILL, &n, err);
	if (froze)
		v1_freeze(cg, false, NULL);
	if (r < 0)
		return -1;
	/* Killed tasks leave the cgroup once they have exited; wait up to ~10 s for that. */
	for (int i = 0; i < 1000 && n > 0; i++) {
		sleep_us(i < 20 ? 500 : 10000);
		if (i == 20) {
			struct pidv left = {0};
			if (collect_pids(dir, &left, 0, NULL) == 0)
				thaw_foreign_freezers(cg, &left);
			free(left.v);
		}
		if (signal_all(dir, SIGKILL, &n, err) < 0)
			return -1;
	}
	if (n > 0)
		return error_set(err, EBUSY, "cgroup %s: %zu processes survived SIGKILL", cg->path,
				 n);
	return 0;
}

static int v1_oom_kills(struct cgroup *cg, uint64_t *count, struct error *err)
{
	struct v1_state *s = v1_state(cg, err);
	if (s == NULL)
		return -1;
	*count = 0;
	if (v1_find(s, "memory") < 0)
		return 0;
	_cleanup_close_ int fd = v1_open_ctrl(cg, "memory", "oom kills", err);
	if (fd < 0)
		return -1;
	return cg_read_keyed(fd, "memory.oom_control", "oom_kill", count, err);
}

/* v1 keeps no high-water mark of tasks: the caller samples. */
static int v1_tasks(struct cgroup *cg, uint64_t *current, uint64_t *peak, struct error *err)
{
	*peak = 0;
	_cleanup_close_ int fd = v1_open_ctrl(cg, "pids", "task count", err);
	if (fd < 0)
		return -1;
	return cg_read_u64(fd, "pids.current", current, err);
}

static int v1_oom_event_fd(struct cgroup *cg, struct error *err)
{
	_cleanup_close_ int dfd = v1_open_ctrl(cg, "memory", "OOM events", err);
	if (dfd < 0)
		return -1;
	/* The kernel only needs the oom_control fd while registering; the eventfd also fires
	 * when the cgroup is removed. */
	_cleanup_close_ int ofd = openat(dfd, "memory.oom_control", O_RDONLY | O_CLOEXEC);
	if (ofd < 0)
		return error_errno(err, "OOM events: open memory.oom_control");
	_cleanup_close_ int efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		return error_errno(err, "OOM events: eventfd");
	if (cg_writef(dfd, "cgroup.event_control", "OOM events", err, "%d %d", efd, ofd) < 0)
		return -1;
	return steal_fd(&efd);
}

/* Removes dir after its sub-cgroups (cgroup files cannot be unlinked, only the dirs go). */
static int rmdir_tree(const char *dir, int depth, struct error *err)
{
	/* A leaf (the usual case) goes in one call; only a busy one is listed for children. */
	if (rmdir(dir) == 0 || errno == ENOENT || errno == ENAMETOOLONG)
		return 0;
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		return error_errno(err, "cgroup: opendir %s", dir);
	}
	if (depth < 32)
		for (struct dirent *de; (de = readdir(d));) {
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			_cleanup_free_ char *child = path_join(dir, de->d_name);
			if (child == NULL)
				return error_set(err, ENOMEM, "cgroup");
			if (rmdir_tree(child, depth + 1, err) < 0)
				return -1;
		}
	return cg_rmdir(dir, err);
}

static int v1_destroy(struct cgroup *cg, struct error *err)
{
	struct v1_state *s = v1_state(cg, err);
	if (s == NULL)
		return -1;
	bool frozen = false;
	_cleanup_free_ char *pdir = NULL;
	if (pids_dir(cg, &pdir, err) < 0)
		return -1;
	if (!v1_no_tasks(cg) && access(pdir, F_OK) == 0) {
		/* A frozen task cannot die: thaw before the kill. */
		if (v1_is_frozen(cg, &frozen, err) < 0)
			return error_prefix(err, "cgroup destroy");
		if (frozen && v1_freeze(cg, false, err) < 0)
			return error_prefix(err, "cgroup destroy");
		if (v1_kill_all(cg, SIGKILL, err) < 0)
			return error_prefix(err, "cgroup destroy");
	}
	const char *roots[V1_MAX_HIER + 1];
	int n = roots_of(s, roots), r = 0;
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *dir = v1_join(roots[i], cg->path, NULL);
		if (dir == NULL)
			return error_set(err, ENOMEM, "cgroup destroy");
		/* Go on with the other hierarchies; report the first failure. */
		struct error e2;
		if (rmdir_tree(dir, 0, r < 0 ? &e2 : err) < 0)
			r = -1;
	}
	if (r < 0)
		return -1;
	/* Then the parents berth made, if nothing else lives there now. */
	int levels = cg->created_depth - 1, comps = cg_path_components(cg->path);
	if (levels > comps - 1)
		levels = comps - 1;
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *dir = v1_join(roots[i], cg->path, NULL);
		if (dir == NULL)
			return error_set(err, ENOMEM, "cgroup destroy");
		for (int k = 0; k < levels; k++) {
			*strrchr(dir, '/') = '\0';
			if (rmdir(dir) < 0) {
				if (errno == ENOTEMPTY || errno == EBUSY)
					break;
				if (errno != ENOENT)
					return error_errno(err, "cgroup destroy: rmdir %s", dir);
			}
		}
	}
	return 0;
}

static int v1_open_dir(struct cgroup *cg, const char *ctrl, struct error *err)
{
	if (ctrl)
		return v1_open_ctrl(cg, ctrl, ctrl, err);
	struct v1_state *s = v1_state(cg, err);
	if (s == NULL)
		return -1;
	if (s->unified == NULL)
		return error_set(err, ENOTSUP, "no unified (cgroup v2) hierarchy on this host");
	_cleanup_free_ char *dir = v1_join(s->unified, cg->path, NULL);
	if (dir == NULL)
		return error_set(err, ENOMEM, "cgroup %s", cg->path);
	return cg_open_dir(dir, err);
}

const struct cgroup_backend cgroup_backend_v1 = {
    .name = "cgroupfs (v1)",
    .create = v1_create,
    .apply = v1_apply,
    .enter_prepare = v1_enter_prepare,
    .freeze = v1_freeze,
    .is_frozen = v1_is_frozen,
    .kill_all = v1_kill_all,
    .pids = v1_pids,
    .stats = v1_stats,
    .oom_kills = v1_oom_kills,
    .tasks = v1_tasks,
    .oom_event_fd = v1_oom_event_fd,
    .destroy = v1_destroy,
    .open_dir = v1_open_dir,
};
