/* berth box: the spec generator. Everything that starts, waits for and removes the job is
 * runtime's run and delete; this file decides what the spec says and asks runtime for the
 * cgroup's figures before the container is deleted. */
#include "box/box.h"

#include <errno.h>
#include <signal.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "box/box_image.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "lib/jsonutil.h"
#include "lib/log.h"
#include "lib/proc.h"
#include "lib/version.h"
#include "runtime/foreground.h"
#include "runtime/spec.h"

extern char **environ;

#define ANN_PID	  "berth.box.pid"
#define ANN_START "berth.box.start"
/* A --keep box: stopped, it is the user's to delete, not a leftover of a killed berth. */
#define ANN_KEEP "berth.box.keep"

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* A number or a name; either way at most SPEC_ID_MAX, which the config would refuse anyway. */
static int parse_id(const char *s, bool group, uint32_t *out, struct error *err)
{
	const char *what = group ? "group" : "user";
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*s >= '0' && *s <= '9' && *end == '\0') {
		if (errno == ERANGE || v > SPEC_ID_MAX)
			return error_set(err, ERANGE, "--user: %s id %s is out of range (0..%u)",
					 what, s, SPEC_ID_MAX);
		*out = (uint32_t)v;
		return 0;
	}
	if (group) {
		struct group *g = getgrnam(s);
		if (g == NULL)
			return error_set(err, ENOENT, "--user: no group %s on this host", s);
		v = g->gr_gid;
	} else {
		struct passwd *pw = getpwnam(s);
		if (pw == NULL)
			return error_set(err, ENOENT, "--user: no user %s on this host", s);
		v = pw->pw_uid;
	}
	if (v > SPEC_ID_MAX)
		return error_set(err, ERANGE, "--user: %s %s has id %llu, out of range (0..%u)",
				 what, s, v, SPEC_ID_MAX);
	*out = (uint32_t)v;
	return 0;
}

/* process.user: the caller as it is, or -u USER[:GROUP] resolved from the host's passwd and
 * group (box runs on the host's files), with the user's supplementary groups. */
static int user_json(const struct box_opts *o, json_t *proc, uid_t *uid_out, struct error *err)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	json_t *groups = json_array();
	json_object_set_new(proc, "user",
			    json_pack("{s:I,s:I,s:o}", "uid", (json_int_t)0, "gid", (json_int_t)0,
				      "additionalGids", groups));
	json_t *user = json_object_get(proc, "user");
	if (o->user == NULL) {
		gid_t list[NGROUPS_MAX];
		int n = getgroups(NGROUPS_MAX, list);
		for (int i = 0; i < n; i++)
			json_array_append_new(groups, json_integer(list[i]));
	} else {
		_cleanup_free_ char *u = strdup(o->user);
		char *colon = strchr(u, ':');
		if (colon)
			*colon++ = '\0';
		uint32_t v;
		if (parse_id(u, false, &v, err) < 0)
			return -1;
		uid = v;
		struct passwd *pw = getpwuid(uid);
		gid = pw ? pw->pw_gid : uid;
		if (colon && *colon) {
			if (parse_id(colon, true, &v, err) < 0)
				return -1;
			gid = v;
		}
		if (pw) {
			gid_t list[NGROUPS_MAX];
			int n = NGROUPS_MAX;
			if (getgrouplist(pw->pw_name, gid, list, &n) >= 0)
				for (int i = 0; i < n; i++)
					if (list[i] != gid)
						json_array_append_new(groups,
								      json_integer(list[i]));
		}
	}
	json_object_set_new(user, "uid", json_integer(uid));
	json_object_set_new(user, "gid", json_integer(gid));
	*uid_out = uid;
	return 0;
}

static json_t *env_json(const struct box_opts *o)
{
	json_t *env = json_array();
	if (!o->env_clear)
		for (char **e = environ; e && *e; e++) {
			bool overridden = false;
			size_t k = strcspn(*e, "=");
			for (size_t i = 0; o->env && o->env[i] && !overridden; i++)
				overridden = strncmp(o->env[i], *e, k) == 0 && o->env[i][k] == '=';
			if (!overridden)
				json_array_append_new(env, json_string(*e));
		}
	for (size_t i = 0; o->env && o->env[i]; i++)
		json_array_append_new(env, json_string(o->env[i]));
	return env;
}

static int throttle_json(const struct box_rate *r, size_t n, const char *flag, json_t **out,
			 struct error *err)
{
	*out = json_array();
	for (size_t i = 0; i < n; i++) {
		struct stat sb;
		if (stat(r[i].device, &sb) < 0)
			return error_errno(err, "box: %s: device %s", flag, r[i].device);
		if (!S_ISBLK(sb.st_mode))
			return error_set(err, EINVAL, "box: %s: device %s: not a block device",
					 flag, r[i].device);
		json_array_append_new(*out, json_pack("{s:I,s:I,s:I}", "major",
						      (json_int_t)major(sb.st_rdev), "minor",
						      (json_int_t)minor(sb.st_rdev), "rate",
						      (json_int_t)r[i].rate));
	}
	return 0;
}

static int resources_json(const struct box_opts *o, json_t **out, struct error *err)
{
	json_t *res = json_object();
	*out = res;
	if (o->memory > 0) {
		/* Without --memory-swap the limit is the limit: no swap on top, so a job over it is
		 * OOM-killed rather than slowed down by swapping. */
		int64_t swap = o->memory_swap == 0 ? o->memory : o->memory_swap;
		json_object_set_new(res, "memory",
				    json_pack("{s:I,s:I}", "limit", (json_int_t)o->memory, "swap",
					      (json_int_t)swap));
	}
	if (o->cpu_quota > 0)
		json_object_set_new(res, "cpu",
				    json_pack("{s:I,s:I}", "quota", (json_int_t)o->cpu_quota,
					      "period", (json_int_t)o->cpu_period));
	if (o->pids_limit > 0)
		json_object_set_new(res, "pids",
				    json_pack("{s:I}", "limit", (json_int_t)o->pids_limit));
	json_t *blkio = json_object();
	if (o->io_weight)
		json_object_set_new(blkio, "weight", json_integer(o->io_weight));
	json_t *rd = NULL, *wr = NULL;
	if (throttle_json(o->read_bps, o->n_read_bps, "--device-read-bps", &rd, err) < 0 ||
	    throttle_json(o->write_bps, o->n_write_bps, "--device-write-bps", &wr, err) < 0) {
		json_decref(rd);
		json_decref(wr);
		json_decref(blkio);
		return -1;
	}
	if (o->n_read_bps)
		json_object_set(blkio, "throttleReadBpsDevice", rd);
	if (o->n_write_bps)
		json_object_set(blkio, "throttleWriteBpsDevice", wr);
	json_decref(rd);
	json_decref(wr);
	if (json_object_size(blkio))
		json_object_set(res, "blockIO", blkio);
	json_decref(blkio);
	return 0;
}

static json_t *mount_json(const char *dest, const char *type, const char *src, const char *opts)
{
	json_t *m = json_pack("{s:s,s:s,s:s}", "destination", dest, "type", type, "source", src);
	if (opts) {
		json_t *a = json_array();
		_cleanup_free_ char *copy = strdup(opts);
		char *save = NULL;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
			json_array_append_new(a, json_string(t));
		json_object_set_new(m, "options", a);
	}
	return m;
}

/* --host: the job's /proc is the only mount (its PID namespace needs its own). --rootfs: the
 * mounts a plain directory needs to be a usable root, as `berth spec` writes them. */
static json_t *mounts_json(const struct box_opts *o)
{
	json_t *m = json_array();
	if (o->share_pid_ns && o->rootfs == NULL)
		return m;
	json_array_append_new(m, mount_json("/proc", "proc", "proc", NULL));
	if (o->rootfs == NULL)
		return m;
	json_array_append_new(
	    m, mount_json("/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"));
	json_array_append_new(m, mount_json("/dev/pts", "devpts", "devpts",
					    "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620"));
	json_array_append_new(
	    m, mount_json("/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k"));
	json_array_append_new(m, mount_json("/sys", "bind", "/sys", "rbind,nosuid,noexec,nodev"));
	json_array_append_new(m, mount_json("/tmp", "tmpfs", "tmpfs", "nosuid,nodev,mode=1777"));
	return m;
}

static json_t *box_annotations(const struct box_opts *o, json_t *ann)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%d", (int)getpid());
	json_object_set_new(ann, ANN_PID, json_string(buf));
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)process_start_time(getpid(), NULL));
	json_object_set_new(ann, ANN_START, json_string(buf));
	if (o->keep)
		json_object_set_new(ann, ANN_KEEP, json_string("1"));
	return ann;
}

/* An image's spec (the image's namespaces, mounts, process) with box's cgroup and limits. */
static int build_image_config(const struct runtime_ctx *ctx, const struct box_opts *o,
			      const char *id, const char *cgroups_path, json_t **out,
			      struct error *err)
{
	_cleanup_json_ json_t *cfg = NULL;
	if (box_image_config(ctx, o, id, &cfg, err) < 0)
		return -1;
	json_object_set_new(json_object_get(cfg, "process"), "terminal",
			    json_boolean(isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)));
	json_t *lx = json_object_get(cfg, "linux");
	json_object_set_new(lx, "cgroupsPath", json_string(cgroups_path));
	json_t *res = NULL;
	if (resources_json(o, &res, err) < 0) {
		json_decref(res);
		return -1;
	}
	json_object_set_new(lx, "resources", res);
	json_t *ann = json_object_get(cfg, "annotations");
	if (!json_is_object(ann))
		json_object_set_new(cfg, "annotations", ann = json_object());
	box_annotations(o, ann);
	*out = json_incref(cfg);
	return 0;
}

static int build_config(const struct box_opts *o, bool rootless, const char *cgroups_path,
			json_t **out, struct error *err)
{
	_cleanup_json_ json_t *cfg = json_object();
	json_t *proc = json_object();
	json_object_set_new(cfg, "ociVersion", json_string(OCI_SPEC_VERSION));
	json_object_set_new(cfg, "process", proc);
	json_object_set_new(proc, "terminal",
			    json_boolean(isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)));
	json_object_set_new(proc, "args", strv_json(o->argv));
	json_object_set_new(proc, "env", env_json(o));
	char cwd[PATH_MAX];
	if (o->rootfs)
		snprintf(cwd, sizeof cwd, "/");
	else if (getcwd(cwd, sizeof cwd) == NULL)
		return error_errno(err, "current directory");
	json_object_set_new(proc, "cwd", json_string(cwd));
	uid_t uid;
	if (user_json(o, proc, &uid, err) < 0)
		return -1;
	if (rootless) {
		/* A user namespace in which the caller is root: that is what lets an unprivileged
		 * caller make the PID and mount namespaces. The job sees itself as uid 0 there. */
		json_t *user = json_object_get(proc, "user");
		json_object_set_new(user, "uid", json_integer(0));
		json_object_set_new(user, "gid", json_integer(0));
		json_object_set_new(user, "additionalGids", json_array());
	}
	/* The job keeps the capabilities a program started by the caller would have: root's
	 * effective set for root, none for anyone else, and the caller's bounding set either way.
	 */
	json_object_set_new(proc, "capabilities", spec_caller_capabilities(rootless || uid == 0));
	json_object_set_new(
	    cfg, "root",
	    json_pack("{s:s,s:b}", "path", o->rootfs ? o->rootfs : "/", "readonly", false));
	json_object_set_new(cfg, "mounts", mounts_json(o));
	json_t *lx = json_object();
	json_object_set_new(cfg, "linux", lx);
	json_t *ns = json_array();
	if (!o->share_pid_ns)
		json_array_append_new(ns, json_pack("{s:s}", "type", "pid"));
	json_array_append_new(ns, json_pack("{s:s}", "type", "mount"));
	if (rootless) {
		json_array_append_new(ns, json_pack("{s:s}", "type", "user"));
		spec_map_caller_to_root(lx);
	}
	json_object_set_new(lx, "namespaces", ns);
	json_object_set_new(lx, "cgroupsPath", json_string(cgroups_path));
	json_t *res = NULL;
	if (resources_json(o, &res, err) < 0) {
		json_decref(res);
		return -1;
	}
	json_object_set_new(lx, "resources", res);
	json_object_set_new(cfg, "annotations", box_annotations(o, json_object()));
	*out = json_incref(cfg);
	return 0;
}

/* A box whose berth was killed (SIGKILL cannot be caught) leaves its state dir and cgroup: its
 * job died with it (PR_SET_PDEATHSIG on init, and the PID namespace with init). Every box run
 * removes such leftovers first: a box whose berth process is gone is stale. */
static void sweep_stale(const struct runtime_ctx *box)
{
	struct error e;
	_cleanup_json_ json_t *list = NULL;
	if (container_list(box, &list, &e) < 0)
		return;
	size_t i;
	json_t *c;
	json_array_foreach(list, i, c)
	{
		const char *id = json_string_value(json_object_get(c, "id"));
		json_t *ann = json_object_get(c, "annotations");
		const char *pid = json_string_value(json_object_get(ann, ANN_PID));
		const char *start = json_string_value(json_object_get(ann, ANN_START));
		if (id == NULL || pid == NULL || start == NULL ||
		    json_object_get(ann, ANN_KEEP) != NULL)
			continue;
		if (process_start_time((pid_t)atoi(pid), NULL) == strtoull(start, NULL, 10))
			continue;
		if (container_delete(box, id, true, &e) < 0)
			log_warn("box: removing the stale box %s: %s", id, e.msg);
		else
			log_info("box: removed the stale box %s (its berth was killed)", id);
	}
}

struct sampler {
	const struct runtime_ctx *box;
	const char *id;
	uint64_t peak;
};

/* v1 (and v2 before Linux 6.12) keep no high-water mark of tasks: berth samples pids.current.
 * A short-lived burst between two samples is missed, so the report calls it sampled. */
static void sample_tasks(void *arg)
{
	struct sampler *s = arg;
	uint64_t cur, peak;
	struct error e;
	if (container_tasks(s->box, s->id, &cur, &peak, &e) == 0 && cur > s->peak)
		s->peak = cur;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The figures, from the cgroup of the stopped container, then the container goes. */
static int collect_and_delete(const struct runtime_ctx *box, struct box_report *r, uint64_t sampled,
			      bool keep, struct error *err)
{
	struct error e;
	if (container_stats(box, r->id, true, &r->usage, &e) == 0 && r->usage.has_tasks) {
		if (r->usage.tasks_peak > 0) {
			r->peak_tasks = r->usage.tasks_peak;
			r->peak_tasks_source = "pids.peak";
		} else {
			r->peak_tasks = sampled;
			r->peak_tasks_source = "sampled";
		}
	}
	container_stats_free(&r->usage);
	return keep ? 0 : container_delete(box, r->id, false, err);
}

/* A non-root caller cannot use /run/berth-box: its boxes go to $XDG_RUNTIME_DIR/berth-box or
 * /tmp/berth-box-UID. /tmp is everyone's, so a directory found there (made by someone else
 * before us, or a symlink) is used only if it is ours alone. */
static int user_root(char *buf, size_t size, struct error *err)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	if (xdg && xdg[0] == '/' && stat(xdg, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == geteuid() && (st.st_mode & 022) == 0)
		snprintf(buf, size, "%s/berth-box", xdg);
	else
		snprintf(buf, size, "/tmp/berth-box-%u", (unsigned)geteuid());
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return error_errno(err, "box: state directory %s", buf);
	if (lstat(buf, &st) < 0)
		return error_errno(err, "box: state directory %s", buf);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		return error_set(err, EPERM,
				 "box: state directory %s: not a directory of uid %u alone "
				 "(mode 0700); remove it or give --root DIR",
				 buf, (unsigned)geteuid());
	return 0;
}

/* The runtime speaks of the spec box wrote; the user typed flags. A failure to apply a limit
 * names the flag first and keeps the cause (blkio.weight missing on this kernel, ...). */
static void name_the_flag(struct error *e)
{
	static const struct {
		const char *spec, *flag;
	} map[] = {
	    {"linux.resources.memory.swap", "--memory-swap"},
	    {"linux.resources.memory", "--memory"},
	    {"linux.resources.cpu", "--cpus"},
	    {"linux.resources.pids", "--pids-limit"},
	    {"linux.resources.blockIO.weight", "--io-weight"},
	    {"linux.resources.blockIO.throttleReadBpsDevice", "--device-read-bps"},
	    {"linux.resources.blockIO.throttleWriteBpsDevice", "--device-write-bps"},
	    {"cgroupsPath", "--cgroup-parent"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strstr(e->msg, map[i].spec)) {
			error_prefix(e, "box: %s", map[i].flag);
			return;
		}
}

static int make_bundle(char *buf, size_t size, struct error *err)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(buf, size, "%s/berth-box-XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
	if (mkdtemp(buf) == NULL)
		return error_errno(err, "box: bundle %s", buf);
	char rootfs[PATH_MAX + 8];
	snprintf(rootfs, sizeof rootfs, "%s/rootfs", buf);
	if (mkdir(rootfs, 0755) < 0) {
		int e = errno;
		rmdir(buf);
		return error_errnum(err, e, "box: bundle %s", rootfs);
	}
	return 0;
}

static void remove_bundle(const char *dir)
{
	char rootfs[PATH_MAX + 8];
	snprintf(rootfs, sizeof rootfs, "%s/rootfs", dir);
	rmdir(rootfs);
	rmdir(dir);
}

int box_run(const struct runtime_ctx *ctx, const struct box_opts *opts, struct box_report *r,
	    struct error *err)
{
	struct box_opts copy = *opts;
	const struct box_opts *o = &copy;
	char rootbuf[PATH_MAX], cwd[PATH_MAX];
	memset(r, 0, sizeof *r);
	if (o->img.image == NULL && (o->argv == NULL || o->argv[0] == NULL))
		return error_set(err, EINVAL, "box: no command given (berth box --host -- CMD...)");
	if (getcwd(cwd, sizeof cwd) == NULL)
		return error_errno(err, "current directory");
	/* The spec's root.path is relative to the bundle, which is the rootfs itself: a relative
	 * --rootfs is the caller's, so it is made absolute against the caller's cwd. */
	_cleanup_free_ char *abs_rootfs = NULL;
	if (o->rootfs && o->rootfs[0] != '/') {
		if (asprintf(&abs_rootfs, "%s/%s", cwd, o->rootfs) < 0)
			return error_set(err, ENOMEM, "box: --rootfs %s", o->rootfs);
		copy.rootfs = abs_rootfs;
	}
	enum cgroup_mode mode;
	if (runtime_cgroup_mode(ctx, &mode, err) < 0)
		return -1;
	r->cgroup_mode = runtime_cgroup_mode_name(ctx);
	if (ctx->rootless && mode != CGROUP_MODE_V2)
		return error_set(
		    err, EPERM,
		    "box: as a non-root user box needs a cgroup v2 subtree delegated to "
		    "you; this host's cgroups are %s, whose v1 controllers only root "
		    "may use: run it as root",
		    r->cgroup_mode);
	/* box keeps its containers apart from run's, unless --root names a place: the runtime
	 * is given the same context with box's root. */
	struct runtime_ctx box = *ctx;
	if (!ctx->root_given && ctx->rootless) {
		if (user_root(rootbuf, sizeof rootbuf, err) < 0)
			return -1;
		box.root = rootbuf;
	} else if (!ctx->root_given) {
		box.root = BOX_ROOT;
	}
	sweep_stale(&box);

	if (o->name)
		snprintf(r->id, sizeof r->id, "%s", o->name);
	else
		snprintf(r->id, sizeof r->id, "box-%d-%llx", (int)getpid(),
			 (unsigned long long)process_start_time(getpid(), NULL));
	const char *parent = o->cgroup_parent ? o->cgroup_parent : "/berth-box";
	_cleanup_free_ char *cgpath = NULL;
	if (asprintf(&cgpath, "%s%s%s", parent, parent[strlen(parent) - 1] == '/' ? "" : "/",
		     r->id) < 0)
		return error_set(err, ENOMEM, "box: cgroup path");
	_cleanup_json_ json_t *cfg = NULL;
	int built = o->img.image ? build_image_config(ctx, o, r->id, cgpath, &cfg, err)
				 : build_config(o, ctx->rootless, cgpath, &cfg, err);
	if (built < 0)
		return -1;

	/* The spec goes to the same loader as a bundle's config.json, through a memfd: nothing
	 * is written on the host but the state dir every container has. */
	_cleanup_free_ char *text = json_dumps(cfg, JSON_COMPACT);
	_cleanup_close_ int mfd = memfd_create("berth-box-config", MFD_CLOEXEC);
	if (text == NULL || mfd < 0 || write_all(mfd, text, strlen(text)) < 0)
		return error_errno(err, "box: write the config");
	char cfgpath[64];
	snprintf(cfgpath, sizeof cfgpath, "/proc/self/fd/%d", mfd);

	struct sampler smp = {.box = &box, .id = r->id};
	struct foreground_opts fg = {
	    .timeout_ms = o->timeout_ms,
	    .pid_ns_init = !o->share_pid_ns,
	    .tick_ms = 100,
	    .tick = sample_tasks,
	    .tick_arg = &smp,
	};
	/* An image's bundle: an empty rootfs dir, the mount point of the overlay that create makes
	 * inside the box's mount namespace. Private, and gone once the box's init has its root. */
	char bundle[PATH_MAX] = "";
	if (o->img.image && make_bundle(bundle, sizeof bundle, err) < 0)
		return -1;
	struct create_opts co = {
	    .id = r->id,
	    .bundle = o->img.image ? bundle
		      : o->rootfs  ? o->rootfs
				   : cwd,
	    .config_path = cfgpath,
	    .keep = true,
	    .die_with_parent = true,
	    .fg = &fg,
	};
	struct run_oom oom;
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	struct tm tm;
	gmtime_r(&wall.tv_sec, &tm);
	size_t n = strftime(r->started, sizeof r->started, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(r->started + n, sizeof r->started - n, ".%03ldZ", wall.tv_nsec / 1000000);
	double t0 = now_s();
	/* Signals stay blocked from here to berth's exit: the job gets them while it runs (run
	 * forwards them), and once it has ended, a second one (timeout(1) signals its child and
	 * then its whole process group) must not cut the teardown short and leave the box's
	 * cgroups and state behind. They are dropped when berth exits with the job's status. */
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	int rc = container_run(&box, &co, &r->exit_code, &oom, err);
	r->wall_s = now_s() - t0;
	if (*bundle)
		remove_bundle(bundle);
	if (rc < 0) {
		r->exit_code = container_exec_failure_status(err);
		name_the_flag(err);
		return -1;
	}
	sample_tasks(&smp);
	r->timed_out = fg.timed_out;
	r->forwarded_signal = fg.emulated_signal;
	if (r->exit_code > 128)
		r->signal = r->exit_code - 128;
	if (r->timed_out)
		r->exit_code = 124;
	else if (r->forwarded_signal)
		r->exit_code = 128 + r->forwarded_signal;
	return collect_and_delete(&box, r, smp.peak, o->keep, err);
}
