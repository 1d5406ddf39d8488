#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "lib/mountinfo.h"
#include "namespaces/resolve.h"
#include "namespaces/rootfs_internal.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

/* One hierarchy mounted on the host under /sys/fs/cgroup. */
struct hierarchy {
	char name[128]; /* directory name: "cpu,cpuacct", "systemd", "unified" */
	char root[512]; /* mountinfo root of that mount */
	char opts[256]; /* the controllers, for the v1 mount data: "cpu,cpuacct", "name=systemd" */
	bool v2;
};

/* The text of a /proc file, or NULL (then no line matches, as when it could not be read). */
static char *read_proc_text(const char *path)
{
	char *text = NULL;
	struct error ignored;
	if (read_file_at(AT_FDCWD, path, &text, NULL, &ignored) < 0)
		return NULL;
	return text;
}

/* name is a line's first field in /proc/cgroups (read once per mount, not once per option). */
static bool is_controller(const char *cgroups, const char *name)
{
	size_t len = strlen(name);
	for (const char *l = cgroups; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (l[0] != '#' && strncmp(l, name, len) == 0 &&
		    (l[len] == ' ' || l[len] == '\t' || l[len] == '\n'))
			return true;
	return false;
}

/* The hierarchy options are the super options minus the generic ones ("rw", "xattr", ...). */
static void controllers_of(const char *cgroups, char *superopts, char *out, size_t size)
{
	out[0] = '\0';
	for (char *save = NULL, *o = strtok_r(superopts, ",", &save); o;
	     o = strtok_r(NULL, ",", &save)) {
		if (strncmp(o, "name=", 5) != 0 && !is_controller(cgroups, o))
			continue;
		size_t len = strlen(out);
		snprintf(out + len, size - len, "%s%s", len ? "," : "", o);
	}
}

static int read_hierarchies(struct hierarchy **out, size_t *n, struct error *err)
{
	_cleanup_mountinfo_ struct mountinfo mi = {0};
	if (mountinfo_read(&mi, err) < 0)
		return -1;
	_cleanup_free_ char *cgroups = read_proc_text("/proc/cgroups");
	*out = NULL;
	*n = 0;
	for (size_t k = 0; k < mi.n; k++) {
		const struct mountinfo_entry *e = &mi.entries[k];
		bool v2 = strcmp(e->fstype, "cgroup2") == 0;
		if (!v2 && strcmp(e->fstype, "cgroup") != 0)
			continue;
		const char *mp = e->mount_point;
		if (strncmp(mp, CGROUP_ROOT "/", sizeof CGROUP_ROOT) != 0 ||
		    strchr(mp + sizeof CGROUP_ROOT, '/') != NULL)
			continue;
		/* One mounted over (a tmpfs over unified, in nested setups) has nothing to bind
		 * from: the host's own processes do not see it either. */
		if (!mountinfo_visible(&mi, e))
			continue;
		const char *name = mp + sizeof CGROUP_ROOT;
		struct hierarchy *h = realloc(*out, (*n + 1) * sizeof **out);
		if (h == NULL) {
			free(*out);
			return error_set(err, ENOMEM, "cgroup hierarchies");
		}
		*out = h;
		h = &h[(*n)++];
		memset(h, 0, sizeof *h);
		snprintf(h->name, sizeof h->name, "%s", name);
		snprintf(h->root, sizeof h->root, "%s", e->root);
		h->v2 = v2;
		if (!v2)
			controllers_of(cgroups, e->super_options, h->opts, sizeof h->opts);
	}
	return 0;
}

/* Our own cgroup in a hierarchy, from the text of /proc/self/cgroup (init has joined its cgroups
 * by now): key is the controller list of a v1 line, or "" for the unified one. */
static char *own_cgroup(const char *self, const char *key, bool v2, const char *fallback)
{
	size_t klen = strlen(key);
	for (const char *l = self; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *end = strchrnul(l, '\n');
		const char *c1 = memchr(l, ':', (size_t)(end - l));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		if (c2 == NULL)
			continue;
		bool match =
		    v2 ? (c1 - l == 1 && l[0] == '0' && c2 == c1 + 1)
		       : ((size_t)(c2 - c1 - 1) == klen && strncmp(c1 + 1, key, klen) == 0);
		if (match)
			return strndup(c2 + 1, (size_t)(end - c2 - 1));
	}
	return strdup(fallback ? fallback : "/");
}

static int mount_hierarchy(int dirfd, const struct rootfs_config *cfg, const struct hierarchy *h,
			   const char *self, const struct mount_opts *o, struct error *err)
{
	if (mkdirat(dirfd, h->name, 0755) < 0 && errno != EEXIST)
		return error_errno(err, "mkdir %s", h->name);
	_cleanup_close_ int fd =
	    openat(dirfd, h->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "open %s", h->name);
	char buf[32];
	fd_path(fd, buf);
	unsigned long flags = o->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
	if (cfg->new_cgroupns) {
		/* In its own cgroup namespace the hierarchy's root is the container's cgroup. */
		const char *type = h->v2 ? "cgroup2" : "cgroup";
		if (mount("cgroup", buf, type, flags, h->v2 ? NULL : h->opts) < 0)
			return error_errno(err, "mount %s hierarchy %s", type, h->name);
		return 0;
	}
	_cleanup_free_ char *own = own_cgroup(self, h->opts, h->v2, cfg->cgroup_path);
	if (own == NULL)
		return error_set(err, ENOMEM, "cgroup path");
	/* A host mount whose root is not "/" (a nested host) shows paths below its root. */
	const char *rel = own;
	size_t rl = strlen(h->root);
	if (strcmp(h->root, "/") != 0 && strncmp(own, h->root, rl) == 0)
		rel = own + rl;
	char src[1024];
	snprintf(src, sizeof src, CGROUP_ROOT "/%s/%s", h->name, rel[0] == '/' ? rel + 1 : rel);
	if (mount(src, buf, NULL, MS_BIND | MS_REC, NULL) < 0)
		return error_errno(err, "bind %s", src);
	_cleanup_close_ int top = openat(dirfd, h->name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (top < 0)
		return error_errno(err, "open %s", h->name);
	return remount_bind(fd_path(top, buf), src, flags, err);
}

/* "cpu,cpuacct" is reachable as "cpu" and "cpuacct" too, as on the host. */
static int comount_links(int dirfd, const char *name, struct error *err)
{
	if (strchr(name, ',') == NULL)
		return 0;
	char copy[128];
	snprintf(copy, sizeof copy, "%s", name);
	for (char *save = NULL, *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
		if (strncmp(p, "name=", 5) != 0 && symlinkat(name, dirfd, p) < 0 && errno != EEXIST)
			return error_errno(err, "symlink %s -> %s", p, name);
	return 0;
}

static int mount_v1_tree(int rootfd, const struct rootfs_config *cfg, const struct mount_entry *m,
			 const struct mount_opts *o, int target, struct error *err)
{
	char buf[32];
	if (mount("tmpfs", fd_path(target, buf), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=755") < 0)
		return error_errno(err, "mount the tmpfs for the cgroup hierarchies");
	_cleanup_close_ int dirfd =
	    resolve_open(rootfd, m->destination, O_RDONLY | O_DIRECTORY, err);
	if (dirfd < 0)
		return -1;
	_cleanup_free_ struct hierarchy *hs = NULL;
	size_t n = 0;
	if (read_hierarchies(&hs, &n, err) < 0)
		return -1;
	_cleanup_free_ char *self = cfg->new_cgroupns ? NULL : read_proc_text("/proc/self/cgroup");
	for (size_t i = 0; i < n; i++) {
		if (mount_hierarchy(dirfd, cfg, &hs[i], self, o, err) < 0 ||
		    comount_links(dirfd, hs[i].name, err) < 0)
			return -1;
	}
	if (o->flags & MS_RDONLY)
		return remount_bind(fd_path(dirfd, buf), m->destination,
				    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
	return 0;
}

int cgroup_mount_apply(int rootfd, const struct rootfs_config *cfg, const struct mount_entry *m,
		       const struct mount_opts *o, struct error *err)
{
	_cleanup_close_ int target = resolve_mount_target(rootfd, m->destination, true, err);
	if (target < 0)
		return -1;
	struct statfs sfs;
	if (statfs(CGROUP_ROOT, &sfs) < 0)
		return error_errno(err, "statfs " CGROUP_ROOT);
	if (sfs.f_type != CGROUP2_SUPER_MAGIC)
		return mount_v1_tree(rootfd, cfg, m, o, target, err);

	char buf[32];
	if (mount("cgroup2", fd_path(target, buf), "cgroup2", o->flags & ~MS_BIND, o->data) == 0)
		return 0;
	if (errno != EPERM && errno != EBUSY)
		return error_errno(err, "mount cgroup2");
	/* A user namespace without its own cgroup namespace may not mount cgroup2: show the
	 * container's own cgroup by a bind instead, as runc does. */
	_cleanup_free_ char *self = read_proc_text("/proc/self/cgroup");
	_cleanup_free_ char *own = own_cgroup(self, "", true, cfg->cgroup_path);
	char src[1024];
	snprintf(src, sizeof src, CGROUP_ROOT "%s%s", own && own[0] == '/' ? "" : "/",
		 own ? own : "");
	if (mount(src, buf, NULL, MS_BIND | MS_REC, NULL) < 0)
		return error_errno(err, "bind %s", src);
	_cleanup_close_ int top = resolve_open(rootfd, m->destination, O_PATH, err);
	if (top < 0)
		return -1;
	return remount_bind(fd_path(top, buf), src, o->flags, err);
}
