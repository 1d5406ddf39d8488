#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "namespaces/resolve.h"
#include "namespaces/rootfs_internal.h"

bool container_path_eq(const char *a, const char *b)
{
	for (;;) {
		while (*a == '/')
			a++;
		while (*b == '/')
			b++;
		if (*a == '\0' || *b == '\0')
			return *a == *b;
		size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
		if (la != lb || strncmp(a, b, la) != 0)
			return false;
		a += la;
		b += lb;
	}
}

const struct mount_entry *dev_top_mount(const struct rootfs_config *cfg)
{
	for (size_t i = cfg->n_mounts; i-- > 0;)
		if (container_path_eq(cfg->mounts[i].destination, "/dev"))
			return &cfg->mounts[i];
	return NULL;
}

/* A user namespace holding the mount's own mappings, for MOUNT_ATTR_IDMAP: a child is parked
 * in a new user namespace, its maps written, and its /proc/PID/ns/user kept open. Init runs
 * in a new pid namespace with the host's /proc still mounted, so the child reports its pid as
 * that /proc sees it (the /proc/self link), not as clone() returned it. */
static int idmap_userns(const struct mount_entry *m, struct error *err)
{
	int up[2], down[2];
	if (pipe2(up, O_CLOEXEC) < 0)
		return error_errno(err, "idmap: pipe");
	if (pipe2(down, O_CLOEXEC) < 0) {
		close(up[0]);
		close(up[1]);
		return error_errno(err, "idmap: pipe");
	}
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		error_errno(err, "idmap: clone a user namespace");
		close(up[0]);
		close(up[1]);
		close(down[0]);
		close(down[1]);
		return -1;
	}
	if (pid == 0) {
		/* Our copies of the parent's ends would keep the pipes open forever. */
		close(up[0]);
		close(down[1]);
		char self[32] = "";
		ssize_t n = readlink("/proc/self", self, sizeof self - 1);
		(void)!write(up[1], self, n > 0 ? (size_t)n : 0);
		close(up[1]);
		(void)!read(down[0], self, 1);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	char self[32] = "";
	ssize_t n = read(up[0], self, sizeof self - 1);
	close(up[0]);
	int ret = -1;
	long proc_pid = n > 0 ? strtol(self, NULL, 10) : 0;
	if (proc_pid <= 0)
		error_set(err, EIO, "idmap: the user namespace helper did not report its pid");
	else if (userns_write_maps((pid_t)proc_pid, m->uid_mappings, m->n_uid_mappings,
				   m->gid_mappings, m->n_gid_mappings, false, err) == 0)
		ret = ns_open_of_pid((pid_t)proc_pid, NS_USER, err);
	close(down[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return ret;
}

static int bind_idmapped(int srcfd, int target, const struct mount_entry *m,
			 const struct mount_opts *o, struct error *err)
{
	if (m->n_uid_mappings == 0 || m->n_gid_mappings == 0)
		return error_set(err, EINVAL, "idmap needs uidMappings and gidMappings");
	unsigned tflags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
	if (o->flags & MS_REC)
		tflags |= AT_RECURSIVE;
	_cleanup_close_ int tree = open_tree(srcfd, "", tflags);
	if (tree < 0)
		return error_errno(err, "open_tree %s", m->source);
	_cleanup_close_ int userns = idmap_userns(m, err);
	if (userns < 0)
		return -1;
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
	if (mount_setattr(tree, "", AT_EMPTY_PATH | (o->idmap_recursive ? AT_RECURSIVE : 0), &attr,
			  sizeof attr) < 0)
		return error_errno(err, "idmap %s", m->source);
	if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return error_errno(err, "attach the idmapped mount");
	return 0;
}

/* What the target fd resolved to, relative to the rootfs: "" for the rootfs itself, NULL when
 * it is not inside it. The kernel's own name of each fd, so symlinks and ".." are already gone. */
static const char *path_in_root(int rootfd, int fd, char *buf, size_t size)
{
	char root[PATH_MAX], link[32];
	ssize_t n = readlink(fd_path(rootfd, link), root, sizeof root - 1);
	ssize_t m = readlink(fd_path(fd, link), buf, size - 1);
	if (n < 0 || m < 0)
		return NULL;
	root[n] = buf[m] = '\0';
	size_t rl = strcmp(root, "/") == 0 ? 0 : (size_t)n;
	if (strncmp(buf, root, rl) != 0 || (buf[rl] != '/' && buf[rl] != '\0'))
		return NULL;
	return buf + rl;
}

/* runc's checkProcMount: nothing may be mounted inside the container's /proc (a mount over
 * /proc/self/..., or through a symlink leading there, would hide or replace what maskedPaths and
 * readonlyPaths protect), except the files lxcfs emulates; /proc itself takes a procfs only. */
static int check_proc_target(int rootfd, int target, const char *type, bool bind, int srcfd,
			     struct error *err)
{
	static const char *const allowed[] = {
	    "/proc/cpuinfo",
	    "/proc/diskstats",
	    "/proc/meminfo",
	    "/proc/stat",
	    "/proc/swaps",
	    "/proc/uptime",
	    "/proc/loadavg",
	    "/proc/slabinfo",
	    "/proc/net/dev",
	    "/proc/sys/kernel/ns_last_pid",
	    "/proc/sys/crypto/fips_enabled",
	};
	char buf[PATH_MAX];
	const char *rel = path_in_root(rootfd, target, buf, sizeof buf);
	if (rel == NULL || strncmp(rel, "/proc", 5) != 0 || (rel[5] != '/' && rel[5] != '\0'))
		return 0;
	if (rel[5] == '\0') {
		struct statfs sf;
		if (bind ? (fstatfs(srcfd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC)
			 : (type && strcmp(type, "proc") == 0))
			return 0;
		return error_set(err, EPERM, "/proc cannot be mounted over: not of type proc");
	}
	for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
		if (strcmp(rel, allowed[i]) == 0)
			return 0;
	return error_set(err, EPERM, "%s cannot be mounted because it is inside /proc", rel);
}

static bool is_bind(const struct mount_entry *m, const struct mount_opts *o)
{
	return (o->flags & MS_BIND) || (m->type && strcmp(m->type, "bind") == 0);
}

int mount_source_open(const struct mount_entry *m, int initroot)
{
	struct mount_opts o;
	struct error e;
	/* A source in /proc names a process (self, thread-self): the one binding it is init. */
	if (m->source == NULL || m->source[0] != '/' || container_path_eq(m->source, "/proc") ||
	    strncmp(m->source, "/proc/", 6) == 0 || mount_opts_parse(m->options, &o, &e) < 0)
		return -1;
	bool bind = is_bind(m, &o);
	mount_opts_free(&o);
	if (!bind)
		return -1;
	/* In the root of init's mount namespace, which is the host's tree before pivot: the
	 * source means what it means on the host, and the fd is of init's copy of the mount,
	 * the one its bind must come from. */
	return resolve_open(initroot, m->source, O_PATH, &e);
}

static int do_bind(int rootfd, const struct mount_entry *m, const struct mount_opts *o, int given,
		   struct error *err)
{
	if (m->source == NULL)
		return error_set(err, EINVAL, "a bind mount needs a source");
	/* The source is a host path chosen by whoever wrote the config: trusted, followed. */
	_cleanup_close_ int own = given < 0 ? open(m->source, O_PATH | O_CLOEXEC) : -1;
	int srcfd = given < 0 ? own : given;
	struct stat st;
	if (srcfd < 0 || fstat(srcfd, &st) < 0)
		return error_errno(err, "bind source %s", m->source);
	_cleanup_close_ int target =
	    resolve_mount_target(rootfd, m->destination, S_ISDIR(st.st_mode), err);
	if (target < 0)
		return -1;
	if (check_proc_target(rootfd, target, NULL, true, srcfd, err) < 0)
		return -1;
	char sbuf[32], tbuf[32];
	if (o->idmap)
		return bind_idmapped(srcfd, target, m, o, err);
	if (mount(fd_path(srcfd, sbuf), fd_path(target, tbuf), NULL, MS_BIND | (o->flags & MS_REC),
		  NULL) < 0)
		return error_errno(err, "bind %s", m->source);
	return 0;
}

/* Without its own network namespace a container may not mount sysfs (the kernel ties sysfs to
 * the netns owner): bind the host's /sys instead, as runc does. */
static int sysfs_fallback(int rootfd, const struct mount_entry *m, const struct mount_opts *o,
			  struct error *err)
{
	struct mount_entry b = *m;
	b.source = (char *)"/sys";
	struct mount_opts bo = *o;
	bo.flags |= MS_BIND | MS_REC;
	return do_bind(rootfd, &b, &bo, -1, err);
}

static int mount_entry_inner(int rootfd, const struct rootfs_config *cfg,
			     const struct mount_entry *m, struct mount_opts *o, int srcfd,
			     struct error *err)
{
	const char *type = m->type && m->type[0] ? m->type : NULL;
	bool bind = is_bind(m, o);
	char buf[32];
	_cleanup_close_ int under = -1;

	if (type && strcmp(type, "cgroup") == 0 && !bind)
		return cgroup_mount_apply(rootfd, cfg, m, o, err);
	if (m == dev_top_mount(cfg))
		o->flags &= ~MS_RDONLY;
	if (o->idmap && !bind)
		return error_set(err, ENOTSUP, "idmap is supported on bind mounts only");

	if (bind) {
		o->flags |= MS_BIND;
		if (do_bind(rootfd, m, o, srcfd, err) < 0)
			return -1;
	} else if (type == NULL) {
		return error_set(err, EINVAL, "no type, and not a bind mount");
	} else {
		/* The kernel's own proc and sysfs go exactly at their destination: through a
		 * symlink they would land where maskedPaths and readonlyPaths do not look
		 * (CVE-2019-19921), so a link anywhere on the way is refused, as runc does. */
		bool exact = strcmp(type, "proc") == 0 || strcmp(type, "sysfs") == 0;
		_cleanup_close_ int target =
		    exact ? resolve_mkdir_nofollow(rootfd, m->destination, 0755, err)
			  : resolve_mount_target(rootfd, m->destination, true, err);
		if (target < 0)
			return exact ? error_prefix(err, "%s is mounted only on a real directory",
						    type)
				     : -1;
		if (check_proc_target(rootfd, target, type, false, -1, err) < 0)
			return -1;
		const char *src = m->source && m->source[0] ? m->source : type;
		/* Opened before the mount: afterwards the path shows the new, empty tmpfs. */
		if (o->tmpcopyup && strcmp(type, "tmpfs") == 0) {
			under = openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (under < 0)
				return error_errno(err, "tmpcopyup: open %s", m->destination);
		}
		/* As runc: the new mount's files get linux.mountLabel (create has checked that
		 * SELinux is on); proc, sysfs and mqueue take no context= option. */
		_cleanup_free_ char *labeled = NULL;
		const char *data = o->data;
		if (cfg->mount_label && *cfg->mount_label && strcmp(type, "proc") != 0 &&
		    strcmp(type, "sysfs") != 0 && strcmp(type, "mqueue") != 0) {
			if (asprintf(&labeled, "%s%scontext=\"%s\"", o->data ? o->data : "",
				     o->data && *o->data ? "," : "", cfg->mount_label) < 0)
				return error_set(err, ENOMEM, "mountLabel");
			data = labeled;
		}
		if (mount(src, fd_path(target, buf), type, o->flags, data) < 0) {
			if (errno == EPERM && strcmp(type, "sysfs") == 0) {
				if (sysfs_fallback(rootfd, m, o, err) < 0)
					return -1;
				o->flags |= MS_BIND | MS_REC;
				bind = true;
			} else {
				return error_errno(err, "mount %s (type %s, options %s)", src, type,
						   o->data ? o->data : "none");
			}
		}
	}

	_cleanup_close_ int top = resolve_open(rootfd, m->destination, O_PATH, err);
	if (top < 0)
		return -1;
	if (under >= 0) {
		_cleanup_close_ int fresh = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fresh < 0)
			return error_errno(err, "tmpcopyup: open the new tmpfs");
		if (copy_up(under, fresh, err) < 0)
			return -1;
	}
	fd_path(top, buf);
	/* A bind takes the source's flags: ro, nosuid and friends need a remount. */
	if (bind && (o->flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) != 0 &&
	    remount_bind(buf, m->destination, o->flags, err) < 0)
		return -1;
	for (size_t i = 0; i < o->n_propagation; i++)
		if (mount(NULL, buf, NULL, o->propagation[i], NULL) < 0)
			return error_errno(err, "set propagation");
	if (o->attr_set || o->attr_clr) {
		struct mount_attr attr = {.attr_set = o->attr_set, .attr_clr = o->attr_clr};
		if (mount_setattr(top, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
			return error_errno(err, "set recursive mount attributes");
	}
	return 0;
}

int mount_entry_apply(int rootfd, const struct rootfs_config *cfg, const struct mount_entry *m,
		      int srcfd, struct error *err)
{
	if (m->destination == NULL || m->destination[0] == '\0')
		return error_set(err, EINVAL, "mounts: an entry has no destination");
	struct mount_opts o;
	if (mount_opts_parse(m->options, &o, err) < 0)
		return error_prefix(err, "mount %s", m->destination);
	int r = mount_entry_inner(rootfd, cfg, m, &o, srcfd, err);
	mount_opts_free(&o);
	if (r < 0)
		return error_prefix(err, "mount %s", m->destination);
	return 0;
}
