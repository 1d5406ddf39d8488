/* The container process's attributes: limits, scheduling, identity and capabilities. Runs in the
 * single-threaded init (or exec) child, after pivot_root, so paths are the container's. */
#include "runtime/process.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ioprio.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/fsuid.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <grp.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "lib/strv.h"

/* runc's PATH when the process env has none. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* A message that already says what errno would (no ": strerror" suffix), keeping errno. */
static int __attribute__((format(printf, 3, 4)))
error_cause(struct error *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->err = errnum;
	return -1;
}

static void error_append(struct error *err, const char *text)
{
	size_t n = strlen(err->msg);
	snprintf(err->msg + n, sizeof err->msg - n, "%s", text);
}

static const char *rlimit_name(int resource)
{
	static const char *const names[] = {
	    [RLIMIT_CPU] = "RLIMIT_CPU",	   [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
	    [RLIMIT_DATA] = "RLIMIT_DATA",	   [RLIMIT_STACK] = "RLIMIT_STACK",
	    [RLIMIT_CORE] = "RLIMIT_CORE",	   [RLIMIT_RSS] = "RLIMIT_RSS",
	    [RLIMIT_NPROC] = "RLIMIT_NPROC",	   [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
	    [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
	    [RLIMIT_LOCKS] = "RLIMIT_LOCKS",	   [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
	    [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
	    [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",	   [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
	};
	if (resource >= 0 && (size_t)resource < ARRAY_SIZE(names) && names[resource])
		return names[resource];
	return "RLIMIT_?";
}

static void fmt_rlim(char *buf, size_t len, uint64_t v)
{
	if (v == (uint64_t)RLIM_INFINITY)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

static int apply_rlimits(const struct spec_process *p, struct error *err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct spec_rlimit *r = &p->rlimits[i];
		struct rlimit rl = {.rlim_cur = r->soft, .rlim_max = r->hard};
		if (setrlimit(r->resource, &rl) == 0)
			continue;
		int saved = errno;
		char soft[32], hard[32], cur[32] = "";
		fmt_rlim(soft, sizeof soft, r->soft);
		fmt_rlim(hard, sizeof hard, r->hard);
		struct rlimit now;
		/* Raising a hard limit needs CAP_SYS_RESOURCE, which some hosts (this one) lack:
		 * saying what the hard limit is tells the user what would work. */
		if (saved == EPERM && getrlimit(r->resource, &now) == 0 && r->hard > now.rlim_max) {
			char h[32];
			fmt_rlim(h, sizeof h, now.rlim_max);
			snprintf(cur, sizeof cur, " (the hard limit here is %s)", h);
		}
		error_errnum(err, saved, "process.rlimits: %s: setrlimit %s/%s",
			     rlimit_name(r->resource), soft, hard);
		error_append(err, cur);
		return -1;
	}
	return 0;
}

static int apply_oom_score_adj(const struct spec_process *p, struct error *err)
{
	if (!p->has_oom_score_adj)
		return 0;
	char buf[16];
	int n = snprintf(buf, sizeof buf, "%d", p->oom_score_adj);
	_cleanup_close_ int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "process.oomScoreAdj: open /proc/self/oom_score_adj");
	if (write(fd, buf, (size_t)n) != n) {
		error_errno(err, "process.oomScoreAdj: writing %d to /proc/self/oom_score_adj",
			    p->oom_score_adj);
		if (err->err == EACCES)
			error_append(err, " (lowering it needs CAP_SYS_RESOURCE)");
		return -1;
	}
	return 0;
}

/* Not in glibc 2.36; the VER0 layout (48 bytes) carries every field the spec has. */
struct berth_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

static int apply_scheduler(const struct spec_process *p, struct error *err)
{
	const struct spec_scheduler *s = &p->scheduler;
	if (!s->set)
		return 0;
	struct berth_sched_attr a = {
	    .size = sizeof a,
	    .sched_policy = (uint32_t)s->policy,
	    .sched_flags = s->flags,
	    .sched_nice = s->nice,
	    .sched_priority = (uint32_t)s->priority,
	    .sched_runtime = s->runtime,
	    .sched_deadline = s->deadline,
	    .sched_period = s->period,
	};
	if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
		return error_errno(err,
				   "process.scheduler: sched_setattr policy %d nice %d priority %d",
				   s->policy, s->nice, s->priority);
	return 0;
}

static int apply_io_priority(const struct spec_process *p, struct error *err)
{
	const struct spec_io_priority *io = &p->io_priority;
	if (!io->set)
		return 0;
	int value = (io->class << 13) | io->priority;
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, value) < 0)
		return error_errno(err, "process.ioPriority: ioprio_set class %d priority %d",
				   io->class, io->priority);
	return 0;
}

static int apply_personality(const struct spec_personality *pers, struct error *err)
{
	if (!pers || !pers->set || !pers->domain)
		return 0;
	unsigned long persona;
	if (strcmp(pers->domain, "LINUX") == 0)
		persona = PER_LINUX;
	else if (strcmp(pers->domain, "LINUX32") == 0)
		persona = PER_LINUX32;
	else
		return error_set(err, EINVAL, "linux.personality.domain: unknown domain \"%s\"",
				 pers->domain);
	if (personality(persona) < 0)
		return error_errno(err, "linux.personality: personality(%s)", pers->domain);
	return 0;
}

int process_parse_cpu_list(const char *list, cpu_set_t *set, struct error *err)
{
	CPU_ZERO(set);
	const char *s = list;
	bool any = false;
	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!isdigit((unsigned char)*s))
			return error_cause(err, EINVAL, "invalid CPU list \"%s\"", list);
		char *end;
		unsigned long lo = strtoul(s, &end, 10), hi = lo;
		s = end;
		if (*s == '-') {
			s++;
			if (!isdigit((unsigned char)*s))
				return error_cause(err, EINVAL, "invalid CPU list \"%s\"", list);
			hi = strtoul(s, &end, 10);
			s = end;
		}
		if (hi < lo)
			return error_cause(err, EINVAL, "invalid CPU list \"%s\": range %lu-%lu",
					   list, lo, hi);
		if (hi >= CPU_SETSIZE)
			return error_cause(err, EINVAL,
					   "invalid CPU list \"%s\": CPU %lu is above %d", list, hi,
					   CPU_SETSIZE - 1);
		for (unsigned long c = lo; c <= hi; c++)
			CPU_SET(c, set);
		any = true;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == ',')
			s++;
		else if (*s)
			return error_cause(err, EINVAL, "invalid CPU list \"%s\"", list);
	}
	if (!any)
		return error_cause(err, EINVAL, "invalid CPU list \"%s\": empty", list);
	return 0;
}

static int set_affinity(const char *key, const char *list, struct error *err)
{
	cpu_set_t set;
	if (process_parse_cpu_list(list, &set, err) < 0)
		return error_prefix(err, "%s", key);
	if (sched_setaffinity(0, sizeof set, &set) < 0)
		return error_errno(err, "%s: sched_setaffinity \"%s\"", key, list);
	return 0;
}

int process_apply_early(const struct spec_process *p, const struct spec_personality *pers,
			struct error *err)
{
	if (apply_rlimits(p, err) < 0 || apply_oom_score_adj(p, err) < 0 ||
	    apply_scheduler(p, err) < 0 || apply_io_priority(p, err) < 0 ||
	    apply_personality(pers, err) < 0)
		return -1;
	umask(p->user.has_umask ? (mode_t)p->user.umask : 0022);
	if (p->exec_cpu_affinity_initial && *p->exec_cpu_affinity_initial &&
	    set_affinity("process.execCPUAffinity.initial", p->exec_cpu_affinity_initial, err) < 0)
		return -1;
	return 0;
}

int process_apply_final_affinity(const struct spec_process *p, struct error *err)
{
	if (p->exec_cpu_affinity_final && *p->exec_cpu_affinity_final)
		return set_affinity("process.execCPUAffinity.final", p->exec_cpu_affinity_final,
				    err);
	if (p->exec_cpu_affinity_initial && *p->exec_cpu_affinity_initial) {
		/* Without a final list the spec leaves the affinity to the kernel, i.e. the
		 * cgroup's cpuset: undo the initial list. The kernel intersects a full mask with
		 * the cpuset, so no need to read it (it is not visible after pivot_root anyway). */
		cpu_set_t all;
		CPU_ZERO(&all);
		for (int c = 0; c < CPU_SETSIZE; c++)
			CPU_SET(c, &all);
		if (sched_setaffinity(0, sizeof all, &all) < 0)
			return error_errno(err, "process.execCPUAffinity: resetting the affinity");
	}
	return 0;
}

/* Go's exec.LookPath rule, which runc follows: a regular file with any execute bit. */
static int check_executable(const char *path, struct error *err)
{
	struct stat st;
	/* Worded as Go's errors are: engines map exit codes 127/126 from these exact lower-case
	 * phrases ("no such file or directory", "permission denied"). */
	if (stat(path, &st) < 0) {
		int e = errno;
		char lower[128];
		snprintf(lower, sizeof lower, "%s", strerror(e));
		if (lower[0] >= 'A' && lower[0] <= 'Z')
			lower[0] = (char)(lower[0] - 'A' + 'a');
		return error_cause(err, e, "exec: \"%s\": stat %s: %s", path, path, lower);
	}
	/* A directory is "permission denied" for Go's LookPath too (so 126 for engines). */
	if (S_ISDIR(st.st_mode))
		return error_cause(err, EACCES, "exec: \"%s\": permission denied", path);
	if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0)
		return error_cause(err, EACCES, "exec: \"%s\": permission denied", path);
	return 0;
}

char *process_find_executable(const struct spec_process *p, struct error *err)
{
	if (!p->args || !p->args[0] || !*p->args[0]) {
		error_set(err, EINVAL, "process.args: empty, nothing to run");
		return NULL;
	}
	const char *name = p->args[0];
	if (strchr(name, '/')) {
		if (check_executable(name, err) < 0)
			return NULL;
		char *r = strdup(name);
		if (!r)
			error_set(err, ENOMEM, "exec: \"%s\"", name);
		return r;
	}
	const char *path = strv_env_get(p->env, "PATH");
	if (!path)
		path = DEFAULT_PATH;
	const char *s = path;
	for (;;) {
		const char *colon = strchrnul(s, ':');
		/* An empty PATH entry means the current directory, as in execvp. */
		_cleanup_free_ char *dir =
		    colon == s ? strdup(".") : strndup(s, (size_t)(colon - s));
		if (!dir) {
			error_set(err, ENOMEM, "exec: \"%s\"", name);
			return NULL;
		}
		char *candidate = path_join(dir, name);
		if (!candidate) {
			error_set(err, ENOMEM, "exec: \"%s\"", name);
			return NULL;
		}
		struct stat st;
		if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
			return candidate;
		free(candidate);
		if (!*colon)
			break;
		s = colon + 1;
	}
	error_cause(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
	return NULL;
}

static void cap_name(int cap, char *buf, size_t len)
{
	char *n = cap_to_name((cap_value_t)cap);
	if (!n || isdigit((unsigned char)n[0])) {
		snprintf(buf, len, "CAP_%d", cap);
	} else {
		size_t i = 0;
		for (; n[i] && i + 1 < len; i++)
			buf[i] = (char)toupper((unsigned char)n[i]);
		buf[i] = '\0';
	}
	cap_free(n);
}

/* "CAP_A, CAP_B" for the bits of mask. */
static void cap_list(uint64_t mask, char *buf, size_t len, int *count)
{
	size_t off = 0;
	*count = 0;
	buf[0] = '\0';
	for (int c = 0; c < 64; c++) {
		if (!(mask & (1ULL << c)))
			continue;
		char name[40];
		cap_name(c, name, sizeof name);
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s",
					*count ? ", " : "", name);
		(*count)++;
		if (off >= len)
			break;
	}
}

static uint64_t current_bounding(int last)
{
	uint64_t m = 0;
	for (int c = 0; c <= last; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) > 0)
			m |= 1ULL << c;
	return m;
}

/* The kernel would refuse these later with a bare EPERM; say which capability is the problem. */
static int check_caps(const struct spec_capabilities *c, uint64_t known, uint64_t host_bounding,
		      struct error *err)
{
	char list[1024];
	int n;
	uint64_t wanted = (c->effective | c->permitted | c->inheritable | c->ambient) & known;
	uint64_t missing = wanted & ~host_bounding;
	if (missing) {
		cap_list(missing, list, sizeof list, &n);
		return error_cause(err, EPERM,
				   "process.capabilities: %s %s not in this host's bounding set",
				   list, n > 1 ? "are" : "is");
	}
	missing = c->effective & known & ~c->permitted;
	if (missing) {
		cap_list(missing, list, sizeof list, &n);
		return error_cause(err, EPERM,
				   "process.capabilities.effective: %s %s not in the permitted set",
				   list, n > 1 ? "are" : "is");
	}
	missing = c->inheritable & known & ~c->bounding;
	if (missing) {
		cap_list(missing, list, sizeof list, &n);
		return error_cause(
		    err, EPERM, "process.capabilities.inheritable: %s %s not in the bounding set",
		    list, n > 1 ? "are" : "is");
	}
	return 0;
}

/* current is the bounding set read once by the caller: only caps still in it are dropped. */
static int drop_bounding(uint64_t keep, uint64_t current, int last, struct error *err)
{
	for (int c = 0; c <= last; c++) {
		if ((keep & (1ULL << c)) || !(current & (1ULL << c)))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
			char name[40];
			cap_name(c, name, sizeof name);
			return error_errno(err, "process.capabilities.bounding: dropping %s", name);
		}
	}
	return 0;
}

/* setgroups as asked, then the list read back: the process must never run with groups other
 * than the ones the config gives. */
static int set_groups(const struct spec_user *u, struct error *err)
{
	gid_t *gids = u->n_additional_gids ? (gid_t *)u->additional_gids : NULL;
	if (setgroups(u->n_additional_gids, gids) < 0) {
		/* A user namespace with setgroups "deny" refuses even an empty list; with nothing
		 * to set, the inherited groups (unmapped, so harmless) may stay. */
		if (errno == EPERM && u->n_additional_gids == 0)
			return 0;
		error_errno(err, "process.user.additionalGids: setgroups");
		if (err->err == EPERM)
			error_append(err, " (setgroups is denied in this user namespace)");
		return -1;
	}
	int n = getgroups(0, NULL);
	_cleanup_free_ gid_t *now = n > 0 ? calloc((size_t)n, sizeof *now) : NULL;
	if (n < 0 || (n > 0 && (now == NULL || getgroups(n, now) != n)))
		return error_errno(err, "process.user.additionalGids: getgroups");
	bool same = (size_t)n == u->n_additional_gids;
	for (size_t i = 0; same && i < u->n_additional_gids; i++) {
		same = false;
		for (int j = 0; j < n && !same; j++)
			same = now[j] == u->additional_gids[i];
	}
	if (!same)
		return error_cause(
		    err, EPERM, "process.user.additionalGids: setgroups left %d other groups", n);
	return 0;
}

static int set_user(const struct spec_user *u, struct error *err)
{
	/* run.oci.keep_original_groups: the caller's groups stay, as crun leaves them. */
	if (!u->keep_original_groups && set_groups(u, err) < 0)
		return -1;
	if (setresgid(u->gid, u->gid, u->gid) < 0) {
		error_errno(err, "process.user.gid: setresgid %u", u->gid);
		if (err->err == EINVAL)
			error_append(err, " (not mapped in the user namespace)");
		return -1;
	}
	/* (gid_t)-1 would be taken as "unchanged": read back what the kernel did. The filter is
	 * already loaded here when no_new_privs is off (as in runc), and a profile that allows
	 * the runtime's setresgid need not allow getresgid: then the real and effective ids,
	 * which setresgid sets together with the saved one, are what is checked. */
	gid_t rg, eg, sg;
	if (getresgid(&rg, &eg, &sg) < 0) {
		rg = getgid();
		sg = eg = getegid();
	}
	if (rg != u->gid || eg != u->gid || sg != u->gid)
		return error_cause(err, EPERM,
				   "process.user.gid: setresgid %u left the group ids at %u/%u/%u",
				   u->gid, rg, eg, sg);
	if (setresuid(u->uid, u->uid, u->uid) < 0) {
		error_errno(err, "process.user.uid: setresuid %u", u->uid);
		if (err->err == EINVAL)
			error_append(err, " (not mapped in the user namespace)");
		return -1;
	}
	uid_t ru, eu, su;
	if (getresuid(&ru, &eu, &su) < 0) {
		ru = getuid();
		su = eu = geteuid();
	}
	if (ru != u->uid || eu != u->uid || su != u->uid)
		return error_cause(err, EPERM,
				   "process.user.uid: setresuid %u left the user ids at %u/%u/%u",
				   u->uid, ru, eu, su);
	return 0;
}

/* Whether the credentials can take this id here, without taking it: setfsuid refuses exactly
 * the ids setresuid would (those not mapped in the user namespace), only touches the file-system
 * id, and is undone at once. setfsuid(-1) changes nothing and returns the current one. */
static bool uid_mapped(uid_t uid)
{
	uid_t before = (uid_t)setfsuid((uid_t)-1);
	if (uid == before)
		return true;
	/* Leaving fsuid 0 drops the file capabilities from the effective set; put them back. */
	cap_t caps = cap_get_proc();
	setfsuid(uid);
	bool mapped = (uid_t)setfsuid((uid_t)-1) == uid;
	setfsuid(before);
	if (caps) {
		cap_set_proc(caps);
		cap_free(caps);
	}
	return mapped;
}

static bool gid_mapped(gid_t gid)
{
	gid_t before = (gid_t)setfsgid((gid_t)-1);
	if (gid == before)
		return true;
	setfsgid(gid);
	bool mapped = (gid_t)setfsgid((gid_t)-1) == gid;
	setfsgid(before);
	return mapped;
}

/* The user and groups, checked before the process is released: the groups are set (init is
 * root either way, so they change nothing it can do), the ids only tried. */
static int check_user(const struct spec_user *u, struct error *err)
{
	if (!u->keep_original_groups) {
		for (size_t i = 0; i < u->n_additional_gids; i++)
			if (!gid_mapped(u->additional_gids[i]))
				return error_cause(err, EINVAL,
						   "process.user.additionalGids[%zu]: %u is not "
						   "mapped in the container's user namespace",
						   i, u->additional_gids[i]);
		if (set_groups(u, err) < 0)
			return -1;
	}
	if (!gid_mapped(u->gid))
		return error_cause(err, EINVAL,
				   "process.user.gid: %u is not mapped in the container's user "
				   "namespace",
				   u->gid);
	if (!uid_mapped(u->uid))
		return error_cause(err, EINVAL,
				   "process.user.uid: %u is not mapped in the container's user "
				   "namespace",
				   u->uid);
	return 0;
}

static int set_cap_flag(cap_t caps, cap_flag_t flag, uint64_t mask)
{
	cap_value_t list[64];
	int n = 0;
	for (int c = 0; c < 64; c++)
		if (mask & (1ULL << c))
			list[n++] = c;
	return n ? cap_set_flag(caps, flag, n, list, CAP_SET) : 0;
}

static int set_caps(const struct spec_capabilities *c, uint64_t known, struct error *err)
{
	cap_t caps = cap_init();
	if (!caps)
		return error_errno(err, "process.capabilities: cap_init");
	int r = 0;
	if (set_cap_flag(caps, CAP_EFFECTIVE, c->effective & known) < 0 ||
	    set_cap_flag(caps, CAP_PERMITTED, c->permitted & known) < 0 ||
	    set_cap_flag(caps, CAP_INHERITABLE, c->inheritable & known) < 0)
		r = error_errno(err, "process.capabilities: cap_set_flag");
	else if (cap_set_proc(caps) < 0)
		r = error_errno(err, "process.capabilities: unable to apply capabilities");
	cap_free(caps);
	if (r < 0)
		return r;

	/* One call; libcap's cap_reset_ambient reads every cap's ambient bit first. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return error_errno(err, "process.capabilities.ambient: clearing");
	uint64_t ambient = c->ambient & known;
	for (int cap = 0; cap < 64; cap++) {
		if (!(ambient & (1ULL << cap)))
			continue;
		/* The kernel only raises an ambient cap that is permitted and inheritable; runc
		 * and crun skip the others silently, and configs (podman's) rely on that. */
		if (!(c->permitted & c->inheritable & (1ULL << cap)))
			continue;
		if (cap_set_ambient(cap, CAP_SET) < 0) {
			char name[40];
			cap_name(cap, name, sizeof name);
			return error_errno(err, "process.capabilities.ambient: raising %s", name);
		}
	}
	return 0;
}

/* No capabilities object: runc drops them all. */
static const struct spec_capabilities *caps_of(const struct spec_process *p)
{
	static const struct spec_capabilities none = {0};
	return p->caps.set ? &p->caps : &none;
}

static uint64_t known_caps(int last)
{
	return last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
}

/* The final list, set and undone: the kernel refuses one with no CPU the cgroup allows. */
static int check_final_affinity(const struct spec_process *p, struct error *err)
{
	if (!p->exec_cpu_affinity_final || !*p->exec_cpu_affinity_final)
		return 0;
	cpu_set_t now;
	if (sched_getaffinity(0, sizeof now, &now) < 0)
		return error_errno(err, "process.execCPUAffinity.final: sched_getaffinity");
	if (set_affinity("process.execCPUAffinity.final", p->exec_cpu_affinity_final, err) < 0)
		return -1;
	if (sched_setaffinity(0, sizeof now, &now) < 0)
		return error_errno(err, "process.execCPUAffinity: restoring the initial affinity");
	return 0;
}

int process_check_late(const struct spec_process *p, struct error *err)
{
	int last = capability_last();
	if (check_caps(caps_of(p), known_caps(last), current_bounding(last), err) < 0)
		return -1;
	if (check_user(&p->user, err) < 0)
		return -1;
	return check_final_affinity(p, err);
}

int process_drop_privileges(const struct spec_process *p, struct error *err)
{
	int last = capability_last();
	uint64_t known = known_caps(last);
	const struct spec_capabilities *c = caps_of(p);

	uint64_t bounding = current_bounding(last);
	if (check_caps(c, known, bounding, err) < 0)
		return -1;
	if (drop_bounding(c->bounding & known, bounding, last, err) < 0)
		return -1;
	/* Keep the permitted set across setresuid to a non-zero uid; set_caps then trims it. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return error_errno(err, "process.user: prctl(PR_SET_KEEPCAPS)");
	if (set_user(&p->user, err) < 0)
		return -1;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return error_errno(err, "process.user: prctl(PR_SET_KEEPCAPS, 0)");
	if (set_caps(c, known, err) < 0)
		return -1;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return error_errno(err, "process.noNewPrivileges: prctl(PR_SET_NO_NEW_PRIVS)");
	return 0;
}
