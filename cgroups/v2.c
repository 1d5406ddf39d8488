/* The cgroup v2 (unified) backend: one directory per container under /sys/fs/cgroup. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroups/backend.h"
#include "cgroups/cgfile.h"
#include "cgroups/v2.h"
#include "lib/cleanup.h"
#include "lib/error.h"

static char *v2_dir_path(const struct cgroup *cg, const char *sub)
{
	char *p = NULL;
	const char *path = cg->path[0] == '/' ? cg->path + 1 : cg->path;
	if (asprintf(&p, "%s/%s%s%s", CGROUP2_ROOT, path, sub ? "/" : "", sub ? sub : "") < 0)
		return NULL;
	return p;
}

static int v2_open(const struct cgroup *cg, struct error *err)
{
	_cleanup_free_ char *dir = v2_dir_path(cg, NULL);
	if (dir == NULL)
		return error_set(err, ENOMEM, "cgroup %s", cg->path);
	return cg_open_dir(dir, err);
}

/* Enables in parent's subtree everything parent is offered, so that the child gets every
 * controller; one that cannot be enabled is skipped, and apply later names the key it fails. */
static void enable_controllers(int parentfd)
{
	struct error e;
	_cleanup_free_ char *avail = NULL, *on = NULL;
	if (cg_read(parentfd, "cgroup.controllers", &avail, &e) < 0 ||
	    cg_read(parentfd, "cgroup.subtree_control", &on, &e) < 0)
		return;
	char all[512] = "";
	size_t used = 0;
	for (char *save = NULL, *c = strtok_r(avail, " \n", &save); c;
	     c = strtok_r(NULL, " \n", &save)) {
		bool enabled = false;
		size_t l = strlen(c);
		for (char *t = on; (t = strstr(t, c)) != NULL; t += l)
			if ((t == on || t[-1] == ' ') && (t[l] == ' ' || t[l] == '\n' || t[l] == 0))
				enabled = true;
		if (!enabled && used + l + 3 < sizeof all)
			used += (size_t)snprintf(all + used, sizeof all - used, "%s+%s",
						 used ? " " : "", c);
	}
	if (used == 0 || cg_write(parentfd, "cgroup.subtree_control", all, "", &e) == 0)
		return;
	/* All at once failed (e.g. one controller refuses because of processes in parent):
	 * one by one, keeping what works. */
	for (char *save = NULL, *c = strtok_r(all, " ", &save); c; c = strtok_r(NULL, " ", &save))
		cg_write(parentfd, "cgroup.subtree_control", c, "", &e);
}

static int v2_is_frozen(struct cgroup *cg, bool *frozen, struct error *err);

static int v2_create(struct cgroup *cg, struct error *err)
{
	_cleanup_free_ char *dir = v2_dir_path(cg, NULL);
	if (dir == NULL)
		return error_set(err, ENOMEM, "cgroup %s", cg->path);
	size_t rootlen = strlen(CGROUP2_ROOT);
	int created = 0;
	_cleanup_close_ int parent = open(CGROUP2_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (parent < 0)
		return error_errno(err, "open %s", CGROUP2_ROOT);
	for (char *p = dir + rootlen + 1; *p;) {
		char *slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		if (*p) {
			enable_controllers(parent);
			if (mkdir(dir, 0755) == 0) {
				created++;
			} else if (errno != EEXIST) {
				error_errno(err, "cgroup: mkdir %s", dir);
				goto undo;
			}
			int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0) {
				error_errno(err, "cgroup: open %s", dir);
				goto undo;
			}
			close(parent);
			parent = fd;
		}
		if (!slash)
			break;
		*slash = '/';
		p = slash + 1;
	}
	cg->created_depth = created;
	/* A process that joins a frozen cgroup stops where it stands, and run would wait for it
	 * forever: refuse before anything joins (as runc), leaving only what was there. */
	bool frozen = false;
	if (v2_is_frozen(cg, &frozen, err) < 0)
		goto undo;
	if (frozen) {
		error_set(err, EBUSY, "container's cgroup %s is unexpectedly frozen", cg->path);
		goto undo;
	}
	return 0;
undo:
	/* Leave the host as it was: remove what this call made, deepest first. */
	for (; created > 0; created--) {
		char *s = strrchr(dir, '/');
		rmdir(dir);
		if (s == NULL || (size_t)(s - dir) <= rootlen)
			break;
		*s = '\0';
	}
	return -1;
}

static int v2_apply(struct cgroup *cg, const struct cgroup_resources *r, bool update,
		    struct error *err)
{
	_cleanup_close_ int fd = v2_open(cg, err);
	if (fd < 0)
		return -1;
	return res_v2_apply(fd, r, update, err);
}

static int v2_enter_prepare(struct cgroup *cg, struct cgroup_enter *e, struct error *err)
{
	e->clone_into_fd = v2_open(cg, err);
	if (e->clone_into_fd < 0)
		return -1;
	e->procs_fd = openat(e->clone_into_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (e->procs_fd < 0) {
		error_errno(err, "cgroup %s: open cgroup.procs", cg->path);
		cgroup_enter_close(e);
		return -1;
	}
	return 0;
}

static int events_frozen(int dirfd, bool *frozen, struct error *err)
{
	uint64_t v;
	if (cg_read_keyed(dirfd, "cgroup.events", "frozen", &v, err) < 0)
		return -1;
	*frozen = v == 1;
	return 0;
}

static int v2_freeze(struct cgroup *cg, bool freeze, struct error *err)
{
	_cleanup_close_ int fd = v2_open(cg, err);
	if (fd < 0)
		return -1;
	_cleanup_close_ int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	_cleanup_free_ char *events = v2_dir_path(cg, "cgroup.events");
	if (in >= 0 && events)
		inotify_add_watch(in, events, IN_MODIFY);
	if (cg_write(fd, "cgroup.freeze", freeze ? "1" : "0", freeze ? "pause" : "resume", err) < 0)
		return -1;
	/* The kernel freezes tasks asynchronously; "frozen 1" appears once all of them stopped.
	 * A task in an uninterruptible sleep can delay it: bounded, then an error. */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		bool frozen;
		if (events_frozen(fd, &frozen, err) < 0)
			return -1;
		if (frozen == freeze)
			return 0;
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms > 10000)
			break;
		struct pollfd pfd = {.fd = in, .events = POLLIN};
		if (in < 0 || poll(&pfd, 1, 50) > 0) {
			char buf[4096];
			while (in >= 0 && read(in, buf, sizeof buf) > 0)
				;
		}
		if (in < 0)
			usleep(10000);
	}
	if (freeze)
		cg_write(fd, "cgroup.freeze", "0", "pause", err);
	return error_set(err, ETIMEDOUT, "cgroup %s: %s did not complete within 10 s", cg->path,
			 freeze ? "freezing" : "thawing");
}

static int v2_is_frozen(struct cgroup *cg, bool *frozen, struct error *err)
{
	_cleanup_close_ int fd = v2_open(cg, err);
	if (fd < 0)
		return -1;
	/* runc reports a cgroup as paused once cgroup.freeze says so, even while freezing. */
	uint64_t want;
	if (cg_read_u64(fd, "cgroup.freeze", &want, err) < 0)
		return -1;
	if (want == 1) {
		*frozen = true;
		return 0;
	}
	return events_frozen(fd, frozen, err);
}

struct pidv {
	pid_t *v;
	size_t n, cap;
};

/* The pids of dirfd's cgroup.procs and of every sub-cgroup (exec --cgroup). */
static int collect_pids(int dirfd, const char *name, struct pidv *out, struct error *err)
{
	_cleanup_free_ char *s = NULL;
	if (cg_read(dirfd, "cgroup.procs", &s, err) < 0)
		return error_prefix(err, "cgroup %s", name);
	for (char *save = NULL, *t = strtok_r(s, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 32;
			pid_t *nv = realloc(out->v, cap * sizeof *nv);
			if (nv == NULL)
				return error_set(err, ENOMEM, "cgroup %s: pids", name);
			out->v = nv;
			out->cap = cap;
		}
		out->v[out->n++] = (pid_t)atoi(t);
	}
	int dfd = dup(dirfd);
	if (dfd < 0)
		return error_errno(err, "cgroup %s", name);
	_cleanup_closedir_ DIR *d = fdopendir(dfd);
	if (d == NULL) {
		close(dfd);
		return error_errno(err, "cgroup %s", name);
	}
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		_cleanup_close_ int sub =
		    openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub >= 0 && collect_pids(sub, de->d_name, out, err) < 0)
			return -1;
	}
	return 0;
}

static int v2_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct error *err)
{
	_cleanup_close_ int fd = v2_open(cg, err);
	if (fd < 0)
		return -1;
	struct pidv v = {0};
	if (collect_pids(fd, cg->path, &v, err) < 0) {
		free(v.v);
		return -1;
	}
	*pids = v.v;
	*n = v.n;
	return 0;
}

static int v2_kill_all(struct cgroup *cg, int sig, struct error *err)
{
	_cleanup_close_ int fd = v2_open(cg, err);
	if (fd < 0)
		return -1;
	/* cgroup.kill (5.14) kills the whole subtree atomically, racing no fork. */
	if (sig == SIGKILL && faccessat(fd, "cgroup.kill", F_OK, 0) == 0)
		return cg_write(fd, "cgroup.kill", "1", "kill --all", err);
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	if (v2_pids(cg, &pids, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			return error_errno(err, "kill pid %d (cgroup %s)", (int)pids[i], cg->path);
	return 0;
}

static int v2_oom_kills(struct cgroup *cg, uint64_t *count, struct error *err)
{
	_cleanup_close_ int fd = v2_open(cg, err);
	if (fd < 0)
		return -1;
	return cg_read_keyed(fd, "memory.events", "oom_kill", count, err);
}

static int v2_tasks(struct cgroup *cg, uint64_t *current, uint64_t *peak, struct error *err)
{
	_cleanup_close_ int fd = v2_open(cg, err);
	if (fd < 0)
		return -1;
	if (cg_read_u64(fd, "pids.current", current, err) < 0)
		return -1;
	if (cg_read_u64(fd, "pids.peak", peak, NULL) < 0)
		*peak = 0;
	return 0;
}

static int v2_oom_event_fd(struct cgroup *cg, struct error *err)
{
	_cleanup_free_ char *events = v2_dir_path(cg, "memory.events");
	if (events == NULL)
		return error_set(err, ENOMEM, "cgroup %s", cg->path);
	_cleanup_close_ int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in < 0)
		return error_errno(err, "inotify_init1");
	if (inotify_add_watch(in, events, IN_MODIFY) < 0)
		return error_errno(err, "inotify watch %s", events);
	return steal_fd(&in);
}

/* rmdir of the sub-cgroups exec --cgroup may have made: the leaf cannot go while they exist. */
static void remove_children(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (d == NULL)
		return;
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *sub = NULL;
		if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0)
			continue;
		remove_children(sub);
		struct error e;
		cg_rmdir(sub, &e);
	}
}

static int v2_destroy(struct cgroup *cg, struct error *err)
{
	_cleanup_free_ char *dir = v2_dir_path(cg, NULL);
	if (dir == NULL)
		return error_set(err, ENOMEM, "cgroup %s", cg->path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		struct error e;
		/* Frozen tasks cannot die: thaw first. */
		cg_write(fd, "cgroup.freeze", "0", "", &e);
		close(fd);
		if (v2_kill_all(cg, SIGKILL, err) < 0)
			return -1;
		remove_children(dir);
		if (cg_rmdir(dir, err) < 0)
			return -1;
	} else if (errno != ENOENT && errno != ENAMETOOLONG) {
		/* (A name too long was never made: a record written before a refused mkdir.) */
		return error_errno(err, "cgroup: open %s", dir);
	}
	/* Parents berth created, if nothing else lives there now. */
	size_t rootlen = strlen(CGROUP2_ROOT);
	for (int i = 1; i < cg->created_depth; i++) {
		char *s = strrchr(dir, '/');
		if (s == NULL || (size_t)(s - dir) <= rootlen)
			break;
		*s = '\0';
		if (rmdir(dir) < 0 && errno != ENOENT) {
			if (errno == ENOTEMPTY || errno == EBUSY)
				break;
			return error_errno(err, "cgroup: rmdir %s", dir);
		}
	}
	return 0;
}

/* "N" of "key N" lines in a flat keyed file, as a JSON object of every key. */
static json_t *keyed_json(int dirfd, const char *file)
{
	struct error e;
	_cleanup_free_ char *s = NULL;
	if (cg_read(dirfd, file, &s, &e) < 0)
		return NULL;
	json_t *o = json_object();
	for (char *save = NULL, *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(l, ' ');
		if (sp == NULL)
			continue;
		*sp = '\0';
		json_object_set_new(o, l, json_integer((json_int_t)strtoull(sp + 1, NULL, 10)));
	}
	return o;
}

static json_int_t u64_or(int dirfd, const char *file, json_int_t dflt)
{
	struct error e;
	uint64_t v;
	if (cg_read_u64(dirfd, file, &v, &e) < 0)
		return dflt;
	return (json_int_t)v; /* "max" becomes UINT64_MAX, as runc reports it */
}

static json_t *cpu_stats(int fd, struct cgroup_stats *out)
{
	json_t *st = keyed_json(fd, "cpu.stat");
	if (st == NULL)
		return NULL;
	out->has_cpu = true;
	/* cpu.stat is in microseconds; runc reports nanoseconds. */
#define US(k) (json_integer_value(json_object_get(st, k)) * 1000)
	json_t *cpu =
	    json_pack("{s:{s:I,s:I,s:I},s:{s:I,s:I,s:I}}", "usage", "total", US("usage_usec"),
		      "kernel", US("system_usec"), "user", US("user_usec"), "throttling", "periods",
		      json_integer_value(json_object_get(st, "nr_periods")), "throttledPeriods",
		      json_integer_value(json_object_get(st, "nr_throttled")), "throttledTime",
		      US("throttled_usec"));
	out->cpu_user_ns = (uint64_t)US("user_usec");
	out->cpu_kernel_ns = (uint64_t)US("system_usec");
	out->cpu_throttled_ns = (uint64_t)US("throttled_usec");
#undef US
	json_decref(st);
	return cpu;
}

static json_t *memory_stats(int fd, struct cgroup_stats *out)
{
	json_t *raw = keyed_json(fd, "memory.stat");
	if (raw == NULL)
		return NULL;
	json_int_t usage = u64_or(fd, "memory.current", 0), limit = u64_or(fd, "memory.max", -1);
	json_int_t max = u64_or(fd, "memory.peak", 0);
	out->has_memory = true;
	out->memory_peak = (uint64_t)max;
	/* runc reports swap as memory+swap, the v1 meaning. */
	json_int_t swap = u64_or(fd, "memory.swap.current", 0) + usage;
	json_int_t swap_limit = u64_or(fd, "memory.swap.max", -1);
	if (swap_limit != -1)
		swap_limit += limit;
	uint64_t failcnt = 0;
	struct error e;
	cg_read_keyed(fd, "memory.events", "max", &failcnt, &e);
	json_t *cache = json_object_get(raw, "file");
	return json_pack("{s:I,s:{s:I,s:I,s:I,s:I},s:{s:I,s:I},s:o}", "cache",
			 cache ? json_integer_value(cache) : 0, "usage", "usage", usage, "limit",
			 limit, "max", max, "failcnt", (json_int_t)failcnt, "swap", "usage", swap,
			 "limit", swap_limit, "raw", raw);
}

static json_t *io_stats(int fd)
{
	struct error e;
	_cleanup_free_ char *s = NULL;
	json_t *bytes = json_array(), *ios = json_array();
	if (cg_read(fd, "io.stat", &s, &e) == 0)
		for (char *save = NULL, *l = strtok_r(s, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			unsigned maj, min;
			int n = 0;
			if (sscanf(l, "%u:%u %n", &maj, &min, &n) < 2)
				continue;
			static const struct {
				const char *key, *op;
				bool bytes;
			} map[] = {{"rbytes", "Read", true},
				   {"wbytes", "Write", true},
				   {"rios", "Read", false},
				   {"wios", "Write", false}};
			for (char *save2 = NULL, *kv = strtok_r(l + n, " ", &save2); kv;
			     kv = strtok_r(NULL, " ", &save2)) {
				char *eq = strchr(kv, '=');
				if (eq == NULL)
					continue;
				*eq = '\0';
				for (size_t i = 0; i < ARRAY_SIZE(map); i++)
					if (strcmp(kv, map[i].key) == 0)
						json_array_append_new(
						    map[i].bytes ? bytes : ios,
						    json_pack(
							"{s:i,s:i,s:s,s:I}", "major", maj, "minor",
							min, "op", map[i].op, "value",
							(json_int_t)strtoull(eq + 1, NULL, 10)));
			}
		}
	return json_pack("{s:o,s:o}", "ioServiceBytesRecursive", bytes, "ioServicedRecursive", ios);
}

static json_t *hugetlb_stats(int fd)
{
	json_t *h = json_object();
	int dfd = dup(fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (d == NULL) {
		if (dfd >= 0)
			close(dfd);
		return h;
	}
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		char size[32], file[80];
		/* hugetlb.<size>.current, not the .rsvd.current twin */
		if (sscanf(de->d_name, "hugetlb.%31[^.].current", size) != 1 ||
		    strstr(de->d_name, ".rsvd."))
			continue;
		uint64_t failcnt = 0;
		struct error e;
		snprintf(file, sizeof file, "hugetlb.%s.events", size);
		cg_read_keyed(fd, file, "max", &failcnt, &e);
		snprintf(file, sizeof file, "hugetlb.%s.max", size);
		json_int_t max = u64_or(fd, file, 0);
		json_object_set_new(h, size,
				    json_pack("{s:I,s:I,s:I}", "usage", u64_or(fd, de->d_name, 0),
					      "max", max, "failcnt", (json_int_t)failcnt));
	}
	closedir(d);
	return h;
}

static int v2_stats(struct cgroup *cg, struct cgroup_stats *out, struct error *err)
{
	_cleanup_close_ int fd = v2_open(cg, err);
	if (fd < 0)
		return -1;
	json_t *o = json_object();
	json_t *cpu = cpu_stats(fd, out), *mem = memory_stats(fd, out);
	if (cpu)
		json_object_set_new(o, "cpu", cpu);
	if (mem)
		json_object_set_new(o, "memory", mem);
	json_int_t plimit = u64_or(fd, "pids.max", 0);
	json_object_set_new(o, "pids",
			    json_pack("{s:I,s:I}", "current", u64_or(fd, "pids.current", 0),
				      "limit", plimit == -1 ? 0 : plimit));
	json_object_set_new(o, "blkio", io_stats(fd));
	json_object_set_new(o, "hugetlb", hugetlb_stats(fd));
	out->runc = o;
	return 0;
}

static int v2_open_dir(struct cgroup *cg, const char *ctrl, struct error *err)
{
	(void)ctrl; /* one hierarchy for every controller */
	return v2_open(cg, err);
}

const struct cgroup_backend cgroup_backend_v2 = {
    .name = "cgroupfs (v2)",
    .create = v2_create,
    .apply = v2_apply,
    .enter_prepare = v2_enter_prepare,
    .freeze = v2_freeze,
    .is_frozen = v2_is_frozen,
    .kill_all = v2_kill_all,
    .pids = v2_pids,
    .stats = v2_stats,
    .oom_kills = v2_oom_kills,
    .tasks = v2_tasks,
    .oom_event_fd = v2_oom_event_fd,
    .destroy = v2_destroy,
    .open_dir = v2_open_dir,
};
