#include "images/unpack.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "images/dl_archive.h"
#include "images/inflate.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"

/* Bytes libarchive asks read(2) for at a time: large reads keep a pipe or a file moving with
 * few syscalls. */
#define READ_BLOCK (1 << 20)

#define WHITEOUT       "whiteout"
#define WH_PREFIX      ".wh."
#define WH_META_PREFIX ".wh..wh."
#define WH_OPAQUE      ".wh..wh..opq"
#define OPAQUE_XATTR   "trusted.overlay.opaque"
#define OVERLAY_XATTRS "trusted.overlay."

/* A directory's mode and times are set after the whole layer is written: a read-only directory
 * can still be filled, and adding its children does not move its mtime afterwards. */
struct dir_fixup {
	char *path; /* cleaned, "" for the layer's root */
	mode_t mode;
	struct timespec times[2];
};

struct unpacker {
	struct archive *a;    /* the tar reader, on tar_fd */
	struct inflater *inf; /* the decompressor feeding tar_fd */
	int tar_fd;
	int destfd;
	const char *layer;
	int64_t max_bytes, max_entries;
	int64_t bytes, entries;
	const char *entry; /* the current entry's name as the archive gives it, for errors */
	/* The last parent directory opened: tar lists a directory's entries together, so most
	 * entries reuse it instead of resolving their path again. */
	char cached[PATH_MAX];
	int cachedfd;
	bool cached_sgid; /* the cached directory is setgid */
	bool root_sgid;
	uid_t euid;
	gid_t egid;
	int umask; /* -1: unknown */
	struct dir_fixup *dirs;
	size_t ndirs, capdirs;
	struct error *err;
};

/* The entry's name for an error line: control characters (a newline in a hostile name would
 * forge a second line) shown as '?', and long names cut. */
static void printable(const char *s, char *out, size_t outsz)
{
	size_t n = 0;
	for (; s && *s && n + 4 < outsz; s++)
		out[n++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	if (s && *s)
		n += (size_t)snprintf(out + n, outsz - n, "...");
	out[n] = '\0';
}

/* "layer DIGEST: entry "NAME": why": the one line a refused layer gives. Returns -1. */
static int refuse(struct unpacker *u, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(struct unpacker *u, int errnum, const char *fmt, ...)
{
	char why[1024], name[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	printable(u->entry, name, sizeof name);
	return error_set(u->err, errnum, "layer %s: entry \"%s\": %s", u->layer, name, why);
}

/* A syscall that failed on this entry: "...: what: strerror". */
static int fail(struct unpacker *u, const char *what)
{
	int e = errno;
	return refuse(u, e, "%s: %s", what, strerror(e));
}

/* A name from the archive made relative to the layer's root: empty and "." components dropped,
 * ".." taken lexically. An absolute name is refused (-EPERM): image tools write names relative
 * to the layer, so a leading "/" only comes from a hand-made or hostile layer, and taking it as
 * the host's root or quietly as the layer's would both be a guess. A ".." that would climb
 * above the root is refused (-EXDEV), like Docker's "breakout" check; a name longer than
 * PATH_MAX is -ENAMETOOLONG. out is "" for the root itself. */
static int clean_path(const char *in, char *out, size_t outsz)
{
	size_t n = 0;
	const char *p = in;
	if (*p == '/')
		return -EPERM;
	while (*p) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		const char *s = p;
		while (*p && *p != '/')
			p++;
		size_t len = (size_t)(p - s);
		if (len == 1 && s[0] == '.')
			continue;
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			if (n == 0)
				return -EXDEV;
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			continue;
		}
		if (n + 1 + len + 1 > outsz)
			return -ENAMETOOLONG;
		if (n > 0)
			out[n++] = '/';
		memcpy(out + n, s, len);
		n += len;
	}
	out[n] = '\0';
	return 0;
}

static void drop_cache(struct unpacker *u)
{
	if (u->cachedfd >= 0)
		close(u->cachedfd);
	u->cachedfd = -1;
	u->cached[0] = '\0';
}

/* dirfd/path, a directory, with no symlink, ".." or mount point on the way (path is clean). */
static int open_beneath(int dirfd, const char *path)
{
	struct open_how how = {
	    .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
	    .resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

/* The component walk behind open_beneath's failures (and kernels without openat2): each
 * component opened O_NOFOLLOW, missing ones made (mode 0755, as Docker makes them) when create
 * is set. Says which component stopped it. what names the path in the error ("" for the
 * entry's own parents). */
static int walk(struct unpacker *u, const char *path, bool create, const char *what)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof buf, "%s", path);
	_cleanup_close_ int cur = fcntl(u->destfd, F_DUPFD_CLOEXEC, 0);
	if (cur < 0)
		return fail(u, "dup");
	char *save = NULL;
	for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int fd = openat(cur, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create) {
			if (mkdirat(cur, c, 0755) < 0 && errno != EEXIST)
				return fail(u, "mkdir");
			fd = openat(cur, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0 && fchmod(fd, 0755) < 0) {
				close(fd);
				return fail(u, "chmod");
			}
		}
		if (fd < 0) {
			int e = errno;
			struct stat st;
			if ((e == ELOOP || e == ENOTDIR) &&
			    fstatat(cur, c, &st, AT_SYMLINK_NOFOLLOW) == 0)
				return refuse(u, e, "%sgoes through a %s (\"%s\")", what,
					      S_ISLNK(st.st_mode) ? "symlink" : "non-directory", c);
			if (e == ENOENT)
				return refuse(u, e, "%sdoes not exist in the layer", what);
			return refuse(u, e, "%sopen \"%s\": %s", what, c, strerror(e));
		}
		struct stat st, root;
		if (fstat(fd, &st) == 0 && fstat(u->destfd, &root) == 0 &&
		    st.st_dev != root.st_dev) {
			close(fd);
			return refuse(u, EXDEV, "%sgoes through a mount point (\"%s\")", what, c);
		}
		close(cur);
		cur = fd;
	}
	return steal_fd(&cur);
}

/* The directory that holds the entry (parent: a clean path, "" for the root), made as needed. */
static int open_parent(struct unpacker *u, const char *parent)
{
	if (parent[0] == '\0')
		return u->destfd;
	if (u->cachedfd >= 0 && strcmp(u->cached, parent) == 0)
		return u->cachedfd;
	drop_cache(u);
	int fd = open_beneath(u->destfd, parent);
	if (fd < 0)
		fd = walk(u, parent, true, "");
	if (fd < 0)
		return -1;
	snprintf(u->cached, sizeof u->cached, "%s", parent);
	u->cachedfd = fd;
	struct stat st;
	u->cached_sgid = fstat(fd, &st) < 0 || (st.st_mode & S_ISGID);
	return fd;
}

/* Makes room for an entry whose name is taken: tar replaces what an earlier entry (or an earlier
 * layer in the same directory) left, a directory with everything in it. */
static int remove_existing(struct unpacker *u, int pfd, const char *name)
{
	struct stat st;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : fail(u, "stat");
	if (!S_ISDIR(st.st_mode))
		return unlinkat(pfd, name, 0) < 0 && errno != ENOENT ? fail(u, "unlink") : 0;
	/* The cached parent may lie beneath the directory that goes away (it is never the parent
	 * in use: that holds the directory). */
	if (u->cachedfd != pfd)
		drop_cache(u);
	struct error e = {0};
	if (remove_tree_at(pfd, name, &e) < 0)
		return refuse(u, e.err, "replacing a directory: %s", e.msg);
	return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1] = (struct timespec){.tv_nsec = UTIME_OMIT};
	if (sym_archive_entry_mtime_is_set(e))
		ts[1] = (struct timespec){.tv_sec = sym_archive_entry_mtime(e),
					  .tv_nsec = sym_archive_entry_mtime_nsec(e)};
	ts[0] = ts[1];
	if (sym_archive_entry_atime_is_set(e))
		ts[0] = (struct timespec){.tv_sec = sym_archive_entry_atime(e),
					  .tv_nsec = sym_archive_entry_atime_nsec(e)};
}

/* Extended attributes on fd, or on path when it is set (a node that cannot be opened for writing,
 * reached through its O_PATH fd's /proc/self/fd link). Like Docker, one that the filesystem or the
 * caller cannot set (ENOTSUP, EPERM) is left out rather than failing the layer; overlayfs's own
 * trusted.overlay.* are never taken from a layer (they would forge redirects and metacopy). */
static int set_xattrs(struct unpacker *u, struct archive_entry *e, int fd, const char *path)
{
	if (sym_archive_entry_xattr_reset(e) == 0)
		return 0;
	const char *key;
	const void *val;
	size_t len;
	while (sym_archive_entry_xattr_next(e, &key, &val, &len) == ARCHIVE_OK) {
		if (strncmp(key, OVERLAY_XATTRS, strlen(OVERLAY_XATTRS)) == 0)
			continue;
		int r = path ? setxattr(path, key, val, len, 0) : fsetxattr(fd, key, val, len, 0);
		if (r < 0 && errno != ENOTSUP && errno != EPERM)
			return refuse(u, errno, "xattr %s: %s", key, strerror(errno));
	}
	return 0;
}

static int owner(struct unpacker *u, struct archive_entry *e, uid_t *uid, gid_t *gid)
{
	int64_t ui = sym_archive_entry_uid(e), gi = sym_archive_entry_gid(e);
	if (ui < 0 || ui >= (int64_t)UINT32_MAX || gi < 0 || gi >= (int64_t)UINT32_MAX)
		return refuse(u, EINVAL, "owner %lld:%lld is out of range", (long long)ui,
			      (long long)gi);
	*uid = (uid_t)ui;
	*gid = (gid_t)gi;
	return 0;
}

/* Why the stream broke: the decompressor's reason when it failed (the tar reader then saw only an
 * early end), else the tar reader's. Stops the decompressor. */
static const char *stream_cause(struct unpacker *u, int *errnum)
{
	const char *c = inflater_stop(u->inf, u->tar_fd, false);
	u->tar_fd = -1;
	*errnum = EINVAL;
	if (c)
		return c;
	const char *s = sym_archive_error_string(u->a);
	if (sym_archive_errno(u->a) > 0)
		*errnum = sym_archive_errno(u->a);
	return s ? s : "unreadable";
}

static int archive_failed(struct unpacker *u)
{
	int e;
	const char *s = stream_cause(u, &e);
	return refuse(u, e, "truncated or corrupt layer: %s", s);
}

/* The entry's data at the offsets libarchive gives, so a sparse file's holes stay holes; the
 * file's size counts against max_bytes as it grows, never trusting the header's size. */
static int write_data(struct unpacker *u, struct archive_entry *e, int fd)
{
	int64_t end = 0;
	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t off;
		int r = sym_archive_read_data_block(u->a, &buf, &size, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return archive_failed(u);
		if (off < 0 || (int64_t)size > INT64_MAX - off)
			return refuse(u, EINVAL, "data at a bad offset");
		if (off + (int64_t)size > u->max_bytes - u->bytes)
			return refuse(u, EFBIG, "over the size limit of %lld bytes",
				      (long long)u->max_bytes);
		const char *p = buf;
		while (size > 0) {
			ssize_t n = pwrite(fd, p, size, off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return fail(u, "write");
			p += n;
			size -= (size_t)n;
			off += n;
		}
		if (off > end)
			end = off;
	}
	int64_t size = sym_archive_entry_size(e);
	if (size > end) {
		/* A trailing hole: the size comes from the header, so it is bounded first. */
		if (size > u->max_bytes - u->bytes)
			return refuse(u, EFBIG, "over the size limit of %lld bytes",
				      (long long)u->max_bytes);
		if (ftruncate(fd, size) < 0)
			return fail(u, "truncate");
		end = size;
	}
	u->bytes += end;
	return 0;
}

/* A regular file. Most are owned by the caller (root) with an ordinary mode: those are created
 * with their mode and left unchowned, two syscalls fewer per file. The others get their owner,
 * then their mode (chown clears setuid and setgid), then xattrs (chown also drops
 * security.capability, and so does writing), then the times. */
static int make_file(struct unpacker *u, struct archive_entry *e, int pfd, const char *name)
{
	uid_t uid;
	gid_t gid;
	if (owner(u, e, &uid, &gid) < 0)
		return -1;
	mode_t perm = sym_archive_entry_perm(e) & 07777;
	bool mode_done = (perm & 07000) == 0 && u->umask >= 0 && (perm & ~(mode_t)u->umask) == perm;
	/* A new file's group is its directory's when that is setgid. */
	bool sgid = pfd == u->destfd ? u->root_sgid : u->cached_sgid;
	bool owner_done = uid == u->euid && gid == u->egid && !sgid;
	mode_t cmode = mode_done ? perm : 0600;
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	_cleanup_close_ int fd = openat(pfd, name, flags, cmode);
	if (fd < 0 && errno == EEXIST) {
		if (remove_existing(u, pfd, name) < 0)
			return -1;
		fd = openat(pfd, name, flags, cmode);
	}
	if (fd < 0)
		return fail(u, "create");
	if (write_data(u, e, fd) < 0)
		return -1;
	if (!owner_done && fchown(fd, uid, gid) < 0)
		return fail(u, "chown");
	if (!mode_done && fchmod(fd, perm) < 0)
		return fail(u, "chmod");
	if (set_xattrs(u, e, fd, NULL) < 0)
		return -1;
	struct timespec ts[2];
	entry_times(e, ts);
	if (futimens(fd, ts) < 0)
		return fail(u, "utimes");
	return 0;
}

static int add_dir_fixup(struct unpacker *u, const char *path, struct archive_entry *e)
{
	if (u->ndirs == u->capdirs) {
		size_t cap = u->capdirs ? u->capdirs * 2 : 256;
		struct dir_fixup *d = realloc(u->dirs, cap * sizeof *d);
		if (d == NULL)
			return fail(u, "out of memory");
		u->dirs = d;
		u->capdirs = cap;
	}
	struct dir_fixup *d = &u->dirs[u->ndirs];
	d->path = strdup(path);
	if (d->path == NULL)
		return fail(u, "out of memory");
	d->mode = sym_archive_entry_perm(e) & 07777;
	entry_times(e, d->times);
	u->ndirs++;
	return 0;
}

/* Ownership and xattrs now, mode and times at the end (struct dir_fixup says why). */
static int dir_attrs(struct unpacker *u, struct archive_entry *e, int fd, const char *path)
{
	uid_t uid;
	gid_t gid;
	if (owner(u, e, &uid, &gid) < 0)
		return -1;
	if (fchown(fd, uid, gid) < 0)
		return fail(u, "chown");
	if (set_xattrs(u, e, fd, NULL) < 0)
		return -1;
	return add_dir_fixup(u, path, e);
}

static int make_dir(struct unpacker *u, struct archive_entry *e, int pfd, const char *name,
		    const char *path)
{
	if (mkdirat(pfd, name, 0700) < 0) {
		if (errno != EEXIST)
			return fail(u, "mkdir");
		struct stat st;
		if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return fail(u, "stat");
		/* A directory listed again (or made for an earlier child) is merged into. */
		if (!S_ISDIR(st.st_mode)) {
			if (remove_existing(u, pfd, name) < 0)
				return -1;
			if (mkdirat(pfd, name, 0700) < 0)
				return fail(u, "mkdir");
		}
	}
	_cleanup_close_ int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail(u, "open");
	return dir_attrs(u, e, fd, path);
}

/* Attributes of a node that cannot be opened for writing (symlink, device, fifo), by name in
 * its parent, never following it. A symlink's xattrs are left out: there is no fd-relative call
 * that sets them without following it on the kernels berth supports. */
static int set_attrs_at(struct unpacker *u, struct archive_entry *e, int pfd, const char *name,
			bool is_link)
{
	uid_t uid;
	gid_t gid;
	struct timespec ts[2];
	if (owner(u, e, &uid, &gid) < 0)
		return -1;
	if (fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(u, "chown");
	if (!is_link) {
		/* Just made by mknodat in a directory only this process writes: not a symlink. */
		if (fchmodat(pfd, name, sym_archive_entry_perm(e) & 07777, 0) < 0)
			return fail(u, "chmod");
		if (sym_archive_entry_xattr_count(e) > 0) {
			/* O_PATH: opening a device for real would run its driver. */
			_cleanup_close_ int fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			struct stat st;
			if (fd < 0 || fstat(fd, &st) < 0)
				return fail(u, "open");
			if (S_ISLNK(st.st_mode))
				return refuse(u, ELOOP, "replaced by a symlink while unpacked");
			char proc[64];
			snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
			if (set_xattrs(u, e, -1, proc) < 0)
				return -1;
		}
	}
	entry_times(e, ts);
	if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(u, "utimes");
	return 0;
}

static int make_symlink(struct unpacker *u, struct archive_entry *e, int pfd, const char *name)
{
	/* The target is stored as it is: it is resolved inside the container, later. */
	const char *target = sym_archive_entry_symlink(e);
	if (target == NULL || target[0] == '\0')
		return refuse(u, EINVAL, "symlink without a target");
	if (symlinkat(target, pfd, name) < 0) {
		if (errno != EEXIST)
			return fail(u, "symlink");
		if (remove_existing(u, pfd, name) < 0)
			return -1;
		if (symlinkat(target, pfd, name) < 0)
			return fail(u, "symlink");
	}
	return set_attrs_at(u, e, pfd, name, true);
}

static int make_node(struct unpacker *u, struct archive_entry *e, int pfd, const char *name,
		     mode_t type)
{
	dev_t dev = makedev(sym_archive_entry_rdevmajor(e), sym_archive_entry_rdevminor(e));
	mode_t mode = type | (sym_archive_entry_perm(e) & 07777);
	if (mknodat(pfd, name, mode, dev) < 0) {
		if (errno == EEXIST) {
			if (remove_existing(u, pfd, name) < 0)
				return -1;
			if (mknodat(pfd, name, mode, dev) == 0)
				return set_attrs_at(u, e, pfd, name, false);
		}
		if (errno == EPERM)
			return refuse(u, EPERM, "device node not permitted (mknod: %s)",
				      strerror(EPERM));
		return fail(u, "mknod");
	}
	return set_attrs_at(u, e, pfd, name, false);
}

/* A hard link to an entry this layer already made, resolved beneath the layer like any name. */
static int make_hardlink(struct unpacker *u, const char *raw_target, int pfd, const char *name,
			 const char *path)
{
	char target[PATH_MAX], what[PATH_MAX + 64], shown[512];
	printable(raw_target, shown, sizeof shown);
	int r = clean_path(raw_target, target, sizeof target);
	if (r == -EXDEV)
		return refuse(u, EXDEV, "hard link target \"%s\" is outside the layer", shown);
	if (r == -EPERM)
		return refuse(u, EPERM, "hard link target \"%s\" is an absolute name", shown);
	if (r < 0)
		return refuse(u, -r, "hard link target \"%s\": %s", shown, strerror(-r));
	if (target[0] == '\0')
		return refuse(u, EPERM, "hard link to the layer's root");
	if (strcmp(target, path) == 0)
		return 0;
	snprintf(what, sizeof what, "hard link target \"%s\" ", shown);
	char *slash = strrchr(target, '/');
	const char *tname = slash ? slash + 1 : target;
	_cleanup_close_ int tfd = -1;
	int tpfd = u->destfd;
	if (slash) {
		*slash = '\0';
		tfd = open_beneath(u->destfd, target);
		if (tfd < 0)
			tfd = walk(u, target, false, what);
		if (tfd < 0)
			return -1;
		tpfd = tfd;
	}
	struct stat st;
	if (fstatat(tpfd, tname, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return refuse(u, ENOENT, "%sdoes not exist in the layer", what);
		return fail(u, "stat");
	}
	if (S_ISDIR(st.st_mode))
		return refuse(u, EPERM, "%sis a directory", what);
	/* flags 0: a symlink target is linked itself, never followed. */
	if (linkat(tpfd, tname, pfd, name, 0) < 0) {
		if (errno != EEXIST)
			return fail(u, "link");
		if (remove_existing(u, pfd, name) < 0)
			return -1;
		if (linkat(tpfd, tname, pfd, name, 0) < 0)
			return fail(u, "link");
	}
	return 0;
}

/* ".wh..wh..opq" marks its directory opaque; ".wh.NAME" becomes overlayfs's whiteout for NAME, a
 * 0/0 character device; other ".wh..wh." names are aufs bookkeeping and carry nothing. */
static int make_whiteout(struct unpacker *u, struct archive_entry *e, int pfd, const char *base)
{
	if (strcmp(base, WH_OPAQUE) == 0) {
		if (fsetxattr(pfd, OPAQUE_XATTR, "y", 1, 0) < 0)
			return fail(u, "opaque directory: setxattr " OPAQUE_XATTR);
		return 0;
	}
	if (strncmp(base, WH_META_PREFIX, strlen(WH_META_PREFIX)) == 0)
		return 0;
	const char *name = base + strlen(WH_PREFIX);
	if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return refuse(u, EINVAL, "a " WHITEOUT " for no name");
	if (remove_existing(u, pfd, name) < 0)
		return -1;
	if (mknodat(pfd, name, S_IFCHR | 0, makedev(0, 0)) < 0) {
		if (errno == EPERM)
			return refuse(u, EPERM, WHITEOUT " not permitted (mknod: %s)",
				      strerror(EPERM));
		return fail(u, "mknod " WHITEOUT);
	}
	uid_t uid;
	gid_t gid;
	if (owner(u, e, &uid, &gid) < 0)
		return -1;
	if (fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(u, "chown " WHITEOUT);
	/* The entry's times, so that one layer always unpacks to the same tree. */
	struct timespec ts[2];
	entry_times(e, ts);
	if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(u, "utimes " WHITEOUT);
	return 0;
}

static int unpack_entry(struct unpacker *u, struct archive_entry *e)
{
	char path[PATH_MAX];
	if (u->entry[0] == '\0')
		return refuse(u, EINVAL, "an empty name");
	int r = clean_path(u->entry, path, sizeof path);
	if (r == -EXDEV)
		return refuse(u, EXDEV, "escapes the layer (\"..\" above its root)");
	if (r == -EPERM)
		return refuse(u, EPERM, "an absolute name");
	if (r < 0)
		return refuse(u, -r, "%s", strerror(-r));
	mode_t type = sym_archive_entry_filetype(e);
	const char *hardlink = sym_archive_entry_hardlink(e);

	if (path[0] == '\0') {
		/* "./": the layer's root itself, whose attributes the entry gives. */
		if (type != AE_IFDIR || hardlink)
			return refuse(u, EINVAL, "replaces the layer's root with a non-directory");
		return dir_attrs(u, e, u->destfd, "");
	}

	char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int pfd;
	if (slash) {
		*slash = '\0';
		pfd = open_parent(u, path);
		*slash = '/';
	} else {
		pfd = u->destfd;
	}
	if (pfd < 0)
		return -1;

	if (strncmp(base, WH_PREFIX, strlen(WH_PREFIX)) == 0)
		return make_whiteout(u, e, pfd, base);
	if (hardlink)
		return make_hardlink(u, hardlink, pfd, base, path);
	switch (type) {
	case AE_IFREG:
		return make_file(u, e, pfd, base);
	case AE_IFDIR:
		return make_dir(u, e, pfd, base, path);
	case AE_IFLNK:
		return make_symlink(u, e, pfd, base);
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		return make_node(u, e, pfd, base, type);
	default:
		return refuse(u, EINVAL, "unsupported entry type 0%o", (unsigned)type);
	}
}

static int apply_dir_fixups(struct unpacker *u)
{
	for (size_t i = 0; i < u->ndirs; i++) {
		struct dir_fixup *d = &u->dirs[i];
		_cleanup_close_ int fd = -1;
		int dfd = u->destfd;
		if (d->path[0]) {
			/* A later entry may have replaced it with a non-directory: then the
			 * attributes are that entry's, already set. */
			fd = open_beneath(u->destfd, d->path);
			if (fd < 0 && (errno == ENOSYS || errno == EPERM))
				fd = walk(u, d->path, false,
					  ""); /* no openat2 (old kernel, seccomp) */
			if (fd < 0)
				continue;
			dfd = fd;
		}
		u->entry = d->path[0] ? d->path : ".";
		if (fchmod(dfd, d->mode) < 0)
			return fail(u, "chmod");
		if (futimens(dfd, d->times) < 0)
			return fail(u, "utimes");
	}
	return 0;
}

static void unpacker_free(struct unpacker *u)
{
	drop_cache(u);
	for (size_t i = 0; i < u->ndirs; i++)
		free(u->dirs[i].path);
	free(u->dirs);
	if (u->tar_fd >= 0)
		inflater_stop(u->inf, u->tar_fd, false);
	inflater_free(u->inf);
	if (u->a)
		sym_archive_read_free(u->a);
}

/* A tar stream's decompressed size that no honest layer within the limits reaches: the data, plus
 * headers, long names and xattrs for every entry. */
static int64_t stream_limit(const struct unpacker *u)
{
	int64_t per = 64 << 10;
	if (u->max_entries > (INT64_MAX - u->max_bytes) / per)
		return INT64_MAX;
	return u->max_bytes + u->max_entries * per;
}

/* The process's umask, read without changing it (umask(2) would, for every thread): -1 when
 * /proc does not say. */
static int read_umask(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned m;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "Umask: %o", &m) == 1)
			return (int)(m & 0777);
	return -1;
}

static int unpack_all(struct unpacker *u, int src_fd)
{
	struct stat st;
	u->root_sgid = fstat(u->destfd, &st) < 0 || (st.st_mode & S_ISGID);
	u->euid = geteuid();
	u->egid = getegid();
	u->umask = read_umask();
	if (inflater_start(src_fd, stream_limit(u), &u->inf, &u->tar_fd, u->err) < 0)
		return error_prefix(u->err, "layer %s", u->layer);
	struct archive *a = u->a;
	if (sym_archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    sym_archive_read_support_filter_none(a) != ARCHIVE_OK)
		return error_set(u->err, EINVAL, "layer %s: libarchive: %s", u->layer,
				 sym_archive_error_string(a));
	int en;
	if (sym_archive_read_open_fd(a, u->tar_fd, READ_BLOCK) != ARCHIVE_OK) {
		const char *s = stream_cause(u, &en);
		return error_set(u->err, en,
				 "layer %s: not a readable layer (tar; plain, gzip or zstd): %s",
				 u->layer, s);
	}
	char last[PATH_MAX] = "";
	for (;;) {
		struct archive_entry *e;
		int r = sym_archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			const char *s = stream_cause(u, &en);
			if (u->entries == 0)
				return error_set(
				    u->err, en,
				    "layer %s: not a readable layer (tar; plain, gzip or zstd): %s",
				    u->layer, s);
			char shown[512];
			printable(last, shown, sizeof shown);
			return error_set(
			    u->err, en,
			    "layer %s: after entry \"%s\": truncated or corrupt layer: %s",
			    u->layer, shown, s);
		}
		u->entry = sym_archive_entry_pathname(e);
		if (u->entry == NULL)
			u->entry = sym_archive_entry_pathname_utf8(e);
		if (u->entry == NULL)
			return error_set(u->err, EINVAL, "layer %s: an entry without a name",
					 u->layer);
		if (++u->entries > u->max_entries)
			return refuse(u, EFBIG, "over the limit of %lld entries",
				      (long long)u->max_entries);
		if (unpack_entry(u, e) < 0)
			return -1;
		snprintf(last, sizeof last, "%s", u->entry);
	}
	/* The rest of the stream (padding after the tar's end) is read too: src_fd to its end,
	 * as its writer (a download being hashed) expects. */
	const char *c = inflater_stop(u->inf, u->tar_fd, true);
	u->tar_fd = -1;
	if (c)
		return error_set(u->err, EINVAL, "layer %s: truncated or corrupt layer: %s",
				 u->layer, c);
	return apply_dir_fixups(u);
}

int unpack_layer(int src_fd, int destfd, const char *name, const struct unpack_limits *lim,
		 struct unpack_result *res, struct error *err)
{
	if (dl_archive(err) < 0)
		return -1;
	struct unpacker u = {
	    .destfd = destfd,
	    .layer = name ? name : "(unnamed)",
	    .max_bytes = lim && lim->max_bytes > 0 ? lim->max_bytes : UNPACK_MAX_BYTES_DEFAULT,
	    .max_entries =
		lim && lim->max_entries > 0 ? lim->max_entries : UNPACK_MAX_ENTRIES_DEFAULT,
	    .cachedfd = -1,
	    .tar_fd = -1,
	    .err = err,
	};
	u.a = sym_archive_read_new();
	if (u.a == NULL)
		return error_set(err, ENOMEM, "layer %s: archive_read_new failed", u.layer);
	int r = unpack_all(&u, src_fd);
	if (res) {
		res->bytes = u.bytes;
		res->entries = u.entries;
	}
	unpacker_free(&u);
	return r < 0 ? -1 : 0;
}
