/* images/unpack.h: layers written here with libarchive's writer (the test links libarchive;
 * berth only loads it), unpacked, and the tree checked; the hostile corpus is refused with its
 * one line and nothing changes next to the layer's directory. Needs root (owners, devices,
 * trusted.* xattrs). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <dirent.h>
#include <unistd.h>

#include "images/unpack.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "tests/unit/tap.h"

#define LAYER "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define MTIME 1600000000

static char base[64];
/* Directories made for unlisted parents have the time of the unpack: left out of the compared
 * trees. */
static int snap_dir_mtime = 1; /* the scratch dir: canary/, outside/ and one dest dir per case */

/* A layer being written: a memfd that unpack_layer reads back. */
struct tw {
	struct archive *w;
	int fd;
};

enum { PLAIN, GZIP, ZSTD };

static int tw_ustar; /* the next layer in ustar, not pax */

static void tw_open(struct tw *t, int filter)
{
	t->fd = memfd_create("layer", MFD_CLOEXEC);
	t->w = archive_write_new();
	if (tw_ustar)
		archive_write_set_format_ustar(t->w);
	else
		archive_write_set_format_pax(t->w);
	if (filter == GZIP)
		archive_write_add_filter_gzip(t->w);
	else if (filter == ZSTD)
		archive_write_add_filter_zstd(t->w);
	archive_write_set_bytes_in_last_block(t->w, 1);
	if (archive_write_open_fd(t->w, t->fd) != ARCHIVE_OK)
		printf("# archive_write_open_fd: %s\n", archive_error_string(t->w));
}

static struct archive_entry *ent(const char *name, mode_t type, mode_t perm)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_mtime(e, MTIME, 500);
	return e;
}

/* Writes e (freed) with len bytes of data. */
static void put(struct tw *t, struct archive_entry *e, const void *data, size_t len)
{
	if (archive_entry_filetype(e) == AE_IFREG && !archive_entry_hardlink(e))
		archive_entry_set_size(e, (la_int64_t)len);
	if (archive_write_header(t->w, e) != ARCHIVE_OK)
		printf("# write_header %s: %s\n", archive_entry_pathname(e),
		       archive_error_string(t->w));
	if (len && archive_write_data(t->w, data, len) != (la_ssize_t)len)
		printf("# write_data: %s\n", archive_error_string(t->w));
	archive_entry_free(e);
}

static void file(struct tw *t, const char *name, mode_t perm, const char *data)
{
	put(t, ent(name, AE_IFREG, perm), data, strlen(data));
}
static void dir(struct tw *t, const char *name, mode_t perm)
{
	put(t, ent(name, AE_IFDIR, perm), NULL, 0);
}
static void symlink_(struct tw *t, const char *name, const char *target)
{
	struct archive_entry *e = ent(name, AE_IFLNK, 0777);
	archive_entry_set_symlink(e, target);
	put(t, e, NULL, 0);
}
static void hardlink(struct tw *t, const char *name, const char *target)
{
	struct archive_entry *e = ent(name, AE_IFREG, 0644);
	archive_entry_set_hardlink(e, target);
	put(t, e, NULL, 0);
}

/* Finishes the archive; returns its fd at offset 0. */
static int tw_close(struct tw *t)
{
	archive_write_close(t->w);
	archive_write_free(t->w);
	lseek(t->fd, 0, SEEK_SET);
	return t->fd;
}

/* A fresh, empty destination directory base/NAME. */
static int mkdest(const char *name)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", base, name);
	mkdir(p, 0755);
	return open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int unpack(int src, int dest, const struct unpack_limits *lim, struct error *e)
{
	struct unpack_result res;
	memset(e, 0, sizeof *e);
	int r = unpack_layer(src, dest, LAYER, lim, &res, e);
	close(src);
	return r;
}

static char *slurp_at(int dirfd, const char *path)
{
	char *buf = NULL;
	size_t len;
	struct error e;
	if (read_file_at(dirfd, path, &buf, &len, &e) < 0)
		return NULL;
	return buf;
}

/* Everything under dirfd (recursively, not following symlinks): name, type, mode, owner,
 * size, mtime, content, link target. Two equal snapshots mean nothing was touched. */
static void snap(int dirfd, const char *prefix, FILE *out)
{
	int fd = dup(dirfd);
	DIR *d = fdopendir(fd);
	if (d == NULL)
		return;
	struct dirent *de;
	char names[256][256];
	int n = 0;
	while ((de = readdir(d)) && n < 256)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			snprintf(names[n++], sizeof names[0], "%s", de->d_name);
	qsort(names, (size_t)n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
	for (int i = 0; i < n; i++) {
		struct stat st;
		if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && !snap_dir_mtime)
			st.st_mtim = (struct timespec){0};
		fprintf(out, "%s/%s %o %u:%u %lld %lld.%ld", prefix, names[i], st.st_mode,
			st.st_uid, st.st_gid, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
			st.st_mtim.tv_nsec);
		if (S_ISLNK(st.st_mode)) {
			char t[256] = "";
			if (readlinkat(dirfd, names[i], t, sizeof t - 1) < 0)
				snprintf(t, sizeof t, "?");
			fprintf(out, " -> %s", t);
		} else if (S_ISREG(st.st_mode)) {
			char *c = slurp_at(dirfd, names[i]);
			fprintf(out, " [%s]", c ? c : "?");
			free(c);
		}
		fputc('\n', out);
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
			char p[512];
			snprintf(p, sizeof p, "%s/%s", prefix, names[i]);
			if (sub >= 0) {
				snap(sub, p, out);
				close(sub);
			}
		}
	}
	closedir(d);
}

static char *snapshot(const char *dir)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	snap(fd, "", f);
	close(fd);
	fclose(f);
	return buf;
}

static char canary_dir[128], outside_dir[128];
static char *canary_before, *outside_before;

static void canaries_make(void)
{
	snprintf(canary_dir, sizeof canary_dir, "%s/canary", base);
	snprintf(outside_dir, sizeof outside_dir, "%s/outside", base);
	mkdir(canary_dir, 0755);
	mkdir(outside_dir, 0755);
	char p[256];
	snprintf(p, sizeof p, "%s/passwd", canary_dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok(write_all(fd, "root:x:0:0\n", 11) == 11, "canary written");
	close(fd);
	snprintf(p, sizeof p, "%s/x", outside_dir);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok(write_all(fd, "outside\n", 8) == 8, "outside written");
	close(fd);
	struct timespec ts[2] = {{.tv_sec = 1000}, {.tv_sec = 1000}};
	utimensat(AT_FDCWD, canary_dir, ts, 0);
	utimensat(AT_FDCWD, outside_dir, ts, 0);
	canary_before = snapshot(canary_dir);
	outside_before = snapshot(outside_dir);
}

/* Nothing outside the destination changed: the canaries next to it, and base itself holds only
 * canary, outside and the dest dirs. */
static int canaries_intact(void)
{
	char *c = snapshot(canary_dir), *o = snapshot(outside_dir);
	int same = strcmp(c, canary_before) == 0 && strcmp(o, outside_before) == 0;
	if (!same)
		printf("# canary changed:\n%s\n# outside:\n%s\n", c, o);
	free(c);
	free(o);
	struct stat st;
	same = same && stat(canary_dir, &st) == 0 && st.st_mtim.tv_sec == 1000;
	same = same && stat(outside_dir, &st) == 0 && st.st_mtim.tv_sec == 1000;
	char p[256];
	snprintf(p, sizeof p, "%s/x", base);
	same = same && access(p, F_OK) < 0;
	snprintf(p, sizeof p, "/x-berth-unpack-test");
	same = same && access(p, F_OK) < 0;
	return same;
}

/* The refusal: one line that names the layer, the entry and contains why. */
#define refused(r, e, entry, why, ...)                                                             \
	do {                                                                                       \
		char _want[512];                                                                   \
		snprintf(_want, sizeof _want, "layer " LAYER ": entry \"%s\": ", entry);           \
		ok((r) < 0 && strstr((e).msg, _want) && strstr((e).msg, why) &&                    \
		       !strchr((e).msg, '\n') && canaries_intact(),                                \
		   __VA_ARGS__);                                                                   \
		if ((r) >= 0 || !strstr((e).msg, _want) || !strstr((e).msg, why))                  \
			printf("#   r=%d msg: %s\n#   want: %s...%s\n", r, (e).msg, _want, why);   \
	} while (0)

static void test_basic(int filter, const char *label)
{
	struct tw t;
	struct error e;
	tw_open(&t, filter);
	dir(&t, "etc/", 0755);
	file(&t, "etc/hostname", 0644, "box\n");
	file(&t, "etc/shared", 0664, "group-writable\n"); /* wider than the umask */
	dir(&t, "usr/", 0755);
	dir(&t, "usr/bin/", 0755);
	struct archive_entry *x = ent("usr/bin/sudo", AE_IFREG, 04755);
	archive_entry_set_uid(x, 0);
	archive_entry_set_gid(x, 0);
	put(&t, x, "#!sudo\n", 7);
	x = ent("usr/bin/ping", AE_IFREG, 0755);
	/* cap_net_raw+ep, VFS_CAP_REVISION_2 */
	unsigned char cap[20] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00};
	archive_entry_xattr_add_entry(x, "security.capability", cap, sizeof cap);
	archive_entry_xattr_add_entry(x, "user.note", "hello", 5);
	put(&t, x, "ping", 4);
	x = ent("home/user/deep/er/file", AE_IFREG, 0600); /* parents not listed */
	archive_entry_set_uid(x, 1000);
	archive_entry_set_gid(x, 1001);
	put(&t, x, "mine", 4);
	symlink_(&t, "usr/bin/sh", "/bin/busybox");
	symlink_(&t, "lib", "usr/lib");
	hardlink(&t, "home/user/hosts-link", "etc/hostname");
	dir(&t, "ro/", 0555);
	file(&t, "ro/inside", 0444, "ro\n");
	x = ent("dev/fifo", AE_IFIFO, 0600);
	archive_entry_xattr_add_entry(x, "trusted.fifo", "f", 1);
	put(&t, x, NULL, 0);
	x = ent("dev/null", AE_IFCHR, 0666);
	archive_entry_set_rdevmajor(x, 1);
	archive_entry_set_rdevminor(x, 3);
	archive_entry_xattr_add_entry(x, "trusted.dev", "d", 1);
	put(&t, x, NULL, 0);
	x = ent("dev/loop0", AE_IFBLK, 0660);
	archive_entry_set_rdevmajor(x, 7);
	archive_entry_set_rdevminor(x, 0);
	archive_entry_set_gid(x, 6);
	put(&t, x, NULL, 0);
	file(&t, "twice", 0644, "first");
	file(&t, "twice", 0600, "second");
	file(&t, "usr/.wh.gone", 0644, "");
	dir(&t, "opaque/", 0755);
	file(&t, "opaque/.wh..wh..opq", 0644, "");
	file(&t, ".wh..wh.plnk", 0644, "");
	int src = tw_close(&t);

	char name[64];
	snprintf(name, sizeof name, "basic-%s", label);
	int d = mkdest(name);
	int r = unpack(src, d, NULL, &e);
	ok(r == 0, "%s: a layer unpacks (%s)", label, e.msg);
	char *s = slurp_at(d, "etc/hostname");
	is_str(s, "box\n", "%s: a file's content", label);
	free(s);
	struct stat st, st2;
	ok(fstatat(d, "etc/shared", &st, 0) == 0 && (st.st_mode & 07777) == 0664 &&
	       fstatat(d, "etc/hostname", &st2, 0) == 0 && (st2.st_mode & 07777) == 0644 &&
	       st.st_uid == 0 && st.st_gid == 0,
	   "%s: modes wider and narrower than the umask (%o, %o)", label, st.st_mode & 07777,
	   st2.st_mode & 07777);
	ok(fstatat(d, "usr/bin/sudo", &st, 0) == 0 && (st.st_mode & 07777) == 04755,
	   "%s: setuid kept (mode %o)", label, st.st_mode & 07777);
	unsigned char got[64];
	char p[256], v[8] = "";
	snprintf(p, sizeof p, "%s/%s/usr/bin/ping", base, name);
	ssize_t n = getxattr(p, "security.capability", got, sizeof got);
	ok(n == 20 && got[0] == 1 && got[3] == 2 && got[4] == 0 && got[5] == 0x20,
	   "%s: security.capability kept (%zd bytes)", label, n);
	n = getxattr(p, "user.note", got, sizeof got);
	ok(n == 5 && memcmp(got, "hello", 5) == 0, "%s: a user xattr kept", label);
	ok(fstatat(d, "home/user/deep/er/file", &st, 0) == 0 && st.st_uid == 1000 &&
	       st.st_gid == 1001 && (st.st_mode & 0777) == 0600,
	   "%s: owner and mode of a file under unlisted parents", label);
	ok(fstatat(d, "home/user/deep", &st, 0) == 0 && S_ISDIR(st.st_mode) &&
	       (st.st_mode & 0777) == 0755 && st.st_uid == 0,
	   "%s: unlisted parents made 0755 root", label);
	char t2[64] = "";
	ok(readlinkat(d, "usr/bin/sh", t2, sizeof t2) > 0 && strcmp(t2, "/bin/busybox") == 0,
	   "%s: an absolute symlink kept as it is", label);
	ok(fstatat(d, "usr/bin/sh", &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_mtim.tv_sec == MTIME,
	   "%s: a symlink's own mtime", label);
	ok(fstatat(d, "etc/hostname", &st, 0) == 0 &&
	       fstatat(d, "home/user/hosts-link", &st2, 0) == 0 && st.st_ino == st2.st_ino &&
	       st.st_nlink == 2,
	   "%s: hard links across directories share the inode (nlink %ju)", label,
	   (uintmax_t)st.st_nlink);
	ok(fstatat(d, "ro", &st, 0) == 0 && (st.st_mode & 0777) == 0555 &&
	       st.st_mtim.tv_sec == MTIME && st.st_mtim.tv_nsec == 500,
	   "%s: a read-only dir filled, then its mode and mtime", label);
	ok(fstatat(d, "ro/inside", &st, 0) == 0 && st.st_mtim.tv_sec == MTIME, "%s: a file's mtime",
	   label);
	snprintf(p, sizeof p, "%s/%s/dev/fifo", base, name);
	ok(fstatat(d, "dev/fifo", &st, 0) == 0 && S_ISFIFO(st.st_mode) &&
	       getxattr(p, "trusted.fifo", v, sizeof v) == 1 && v[0] == 'f',
	   "%s: a fifo, with its xattr", label);
	snprintf(p, sizeof p, "%s/%s/dev/null", base, name);
	ok(fstatat(d, "dev/null", &st, 0) == 0 && S_ISCHR(st.st_mode) &&
	       getxattr(p, "trusted.dev", v, sizeof v) == 1 && v[0] == 'd' &&
	       st.st_rdev == makedev(1, 3) && (st.st_mode & 0777) == 0666,
	   "%s: a char device 1:3, with its xattr", label);
	ok(fstatat(d, "dev/loop0", &st, 0) == 0 && S_ISBLK(st.st_mode) &&
	       st.st_rdev == makedev(7, 0) && st.st_gid == 6,
	   "%s: a block device 7:0, group 6", label);
	s = slurp_at(d, "twice");
	ok(s && strcmp(s, "second") == 0 && fstatat(d, "twice", &st, 0) == 0 &&
	       (st.st_mode & 0777) == 0600,
	   "%s: a name listed twice: the later entry wins", label);
	free(s);
	ok(fstatat(d, "usr/gone", &st, 0) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0 &&
	       faccessat(d, "usr/.wh.gone", F_OK, AT_SYMLINK_NOFOLLOW) < 0,
	   "%s: .wh.gone became a 0/0 char device gone", label);
	snprintf(p, sizeof p, "%s/%s/opaque", base, name);
	ok(getxattr(p, "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y' &&
	       faccessat(d, "opaque/.wh..wh..opq", F_OK, AT_SYMLINK_NOFOLLOW) < 0,
	   "%s: .wh..wh..opq became trusted.overlay.opaque=y", label);
	ok(faccessat(d, ".wh..wh.plnk", F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
	       faccessat(d, "plnk", F_OK, AT_SYMLINK_NOFOLLOW) < 0,
	   "%s: other .wh..wh. names skipped", label);
	close(d);
}

/* gzip, zstd and plain give the same tree. */
static void test_same_tree(void)
{
	char p[256];
	snap_dir_mtime = 0;
	snprintf(p, sizeof p, "%s/basic-plain", base);
	char *a = snapshot(p);
	snprintf(p, sizeof p, "%s/basic-gzip", base);
	char *b = snapshot(p);
	snprintf(p, sizeof p, "%s/basic-zstd", base);
	char *c = snapshot(p);
	snap_dir_mtime = 1;
	ok(a && strlen(a) > 100 && strcmp(a, b) == 0 && strcmp(a, c) == 0,
	   "plain, gzip and zstd give the same tree");
	free(a);
	free(b);
	free(c);
}

static void hostile_one(const char *label, void (*build)(struct tw *), const char *entry,
			const char *why)
{
	struct tw t;
	struct error e;
	tw_open(&t, GZIP);
	build(&t);
	int src = tw_close(&t);
	char name[64];
	snprintf(name, sizeof name, "hostile-%s", label);
	int d = mkdest(name);
	int r = unpack(src, d, NULL, &e);
	refused(r, e, entry, why, "hostile %s: refused: %s", label, e.msg);
	close(d);
}

static void h_dotdot(struct tw *t)
{
	file(t, "../x", 0644, "escaped");
}
static void h_dotdot2(struct tw *t)
{
	dir(t, "a/", 0755);
	file(t, "a/../../x", 0644, "escaped");
}
static void h_dotdot_canary(struct tw *t)
{
	file(t, "a/../../canary/passwd", 0644, "pwned");
}
static void h_link_root(struct tw *t)
{
	symlink_(t, "s", "/");
	file(t, "s/x-berth-unpack-test", 0644, "escaped");
}
static void h_link_up(struct tw *t)
{
	symlink_(t, "s", "..");
	file(t, "s/x", 0644, "escaped");
}
static void h_link_canary(struct tw *t)
{
	symlink_(t, "s", canary_dir);
	file(t, "s/passwd", 0644, "pwned");
}
static void h_link_dir_then_dir(struct tw *t)
{
	symlink_(t, "s", canary_dir);
	dir(t, "s/sub/", 0755);
}
static void h_hardlink_through_symlink(struct tw *t)
{
	symlink_(t, "s", canary_dir);
	hardlink(t, "h", "s/passwd");
}
static void h_hardlink_up(struct tw *t)
{
	hardlink(t, "h", "../../etc/passwd");
}
static void h_absolute(struct tw *t)
{
	file(t, "/x-berth-unpack-test", 0644, "escaped");
}
static char canary_abs[160];
static void h_absolute_canary(struct tw *t)
{
	file(t, "ok", 0644, "fine");
	file(t, canary_abs, 0644, "pwned");
}
static void h_hardlink_absolute(struct tw *t)
{
	file(t, "etc/hostname", 0644, "inside");
	hardlink(t, "h", "/etc/hostname");
}
static void h_hardlink_later(struct tw *t)
{
	hardlink(t, "h", "later");
	file(t, "later", 0644, "later");
}

static void test_hostile(void)
{
	hostile_one("dotdot", h_dotdot, "../x", "escapes the layer");
	hostile_one("dotdot2", h_dotdot2, "a/../../x", "escapes the layer");
	hostile_one("dotdot-canary", h_dotdot_canary, "a/../../canary/passwd", "escapes the layer");
	hostile_one("link-root", h_link_root, "s/x-berth-unpack-test", "goes through a symlink");
	hostile_one("link-up", h_link_up, "s/x", "goes through a symlink");
	hostile_one("link-canary", h_link_canary, "s/passwd", "goes through a symlink");
	hostile_one("link-dir", h_link_dir_then_dir, "s/sub/", "goes through a symlink");
	hostile_one("hardlink-symlink", h_hardlink_through_symlink, "h",
		    "hard link target \"s/passwd\" goes through a symlink");
	hostile_one("hardlink-up", h_hardlink_up, "h",
		    "hard link target \"../../etc/passwd\" is outside the layer");
	hostile_one("absolute", h_absolute, "/x-berth-unpack-test", "an absolute name");
	snprintf(canary_abs, sizeof canary_abs, "%s/passwd", canary_dir);
	hostile_one("absolute-canary", h_absolute_canary, canary_abs, "an absolute name");
	hostile_one("hardlink-absolute", h_hardlink_absolute, "h",
		    "hard link target \"/etc/hostname\" is an absolute name");
	hostile_one("hardlink-later", h_hardlink_later, "h",
		    "hard link target \"later\" does not exist in the layer");
}

/* A sparse file keeps its holes: 64 MiB with 8 KiB of data allocates next to nothing. */
static void test_sparse(void)
{
	struct tw t;
	struct error e;
	tw_open(&t, GZIP);
	struct archive_entry *x = ent("sparse", AE_IFREG, 0644);
	archive_entry_set_size(x, 64 << 20);
	archive_entry_sparse_add_entry(x, 0, 4096);
	archive_entry_sparse_add_entry(x, (64 << 20) - 4096 * 2, 4096);
	archive_write_header(t.w, x);
	/* The writer takes the whole file and leaves the holes out. */
	static char block[1 << 16];
	for (int i = 0; i < (64 << 20) / (int)sizeof block; i++) {
		memset(block, 0, sizeof block);
		if (i == 0)
			memset(block, 'a', 4096);
		if (i == (64 << 20) / (int)sizeof block - 1)
			memset(block + sizeof block - 4096 * 2, 'z', 4096);
		archive_write_data(t.w, block, sizeof block);
	}
	archive_entry_free(x);
	int d = mkdest("sparse");
	int r = unpack(tw_close(&t), d, NULL, &e);
	struct stat st;
	ok(r == 0 && fstatat(d, "sparse", &st, 0) == 0 && st.st_size == 64 << 20 &&
	       st.st_blocks * 512 < (1 << 20),
	   "a sparse file: size %lld, %lld bytes allocated (%s)", (long long)st.st_size,
	   (long long)st.st_blocks * 512, e.msg);
	int fd = openat(d, "sparse", O_RDONLY);
	char a = 0, z = 0, hole = 1;
	ok(pread(fd, &a, 1, 100) == 1 && pread(fd, &hole, 1, 1 << 20) == 1 &&
	       pread(fd, &z, 1, (64 << 20) - 4096 * 2 + 5) == 1 && a == 'a' && z == 'z' &&
	       hole == 0,
	   "its data at their offsets, zeros in the hole");
	close(fd);
	close(d);
}

/* The layer arrives through a pipe, as a download streams. */
static void test_pipe(void)
{
	struct tw t;
	struct error e;
	tw_open(&t, ZSTD);
	for (int i = 0; i < 200; i++) {
		char name[32], data[2000];
		snprintf(name, sizeof name, "d%d/f%d", i % 7, i);
		memset(data, 'a' + i % 26, sizeof data);
		data[sizeof data - 1] = '\0';
		file(&t, name, 0644, data);
	}
	int src = tw_close(&t);
	int p[2];
	if (pipe(p) < 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		char buf[777];
		ssize_t n;
		while ((n = read(src, buf, sizeof buf)) > 0)
			if (write_all(p[1], buf, (size_t)n) < 0)
				_exit(1);
		_exit(0);
	}
	close(p[1]);
	close(src);
	int d = mkdest("pipe");
	struct unpack_result res = {0};
	memset(&e, 0, sizeof e);
	int r = unpack_layer(p[0], d, LAYER, NULL, &res, &e);
	close(p[0]);
	waitpid(pid, NULL, 0);
	char *c = slurp_at(d, "d3/f199");
	ok(r == 0 && res.entries == 200 && res.bytes == 200 * 1999 && c && strlen(c) == 1999 &&
	       c[0] == 'a' + 199 % 26,
	   "a zstd layer from a pipe: %lld entries, %lld bytes (%s)", (long long)res.entries,
	   (long long)res.bytes, e.msg);
	free(c);
	close(d);
}

/* Replacing what an earlier entry made never follows it: a file, a directory and a hard link
 * over symlinks that point outside, and a directory over a file. */
static void test_replace(void)
{
	struct tw t;
	struct error e;
	char target[256];
	snprintf(target, sizeof target, "%s/passwd", canary_dir);
	tw_open(&t, PLAIN);
	file(&t, "f", 0644, "x");
	symlink_(&t, "s", target);
	file(&t, "s", 0600, "over");
	symlink_(&t, "d", canary_dir);
	dir(&t, "d/", 0700);
	file(&t, "d/in", 0644, "in");
	symlink_(&t, "h", target);
	hardlink(&t, "h", "f");
	file(&t, "x", 0644, "file");
	dir(&t, "x/", 0755);
	dir(&t, "m/", 0700);
	file(&t, "m/keep", 0644, "keep");
	dir(&t, "m/", 0750);
	int d = mkdest("replace");
	int r = unpack(tw_close(&t), d, NULL, &e);
	struct stat st, st2;
	char *c = slurp_at(d, "s");
	ok(r == 0 && c && strcmp(c, "over") == 0 &&
	       fstatat(d, "s", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	       canaries_intact(),
	   "a file over a symlink to outside replaces the symlink (%s)", e.msg);
	free(c);
	ok(fstatat(d, "d", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
	       faccessat(d, "d/in", F_OK, 0) == 0,
	   "a directory over a symlink to outside replaces the symlink");
	ok(fstatat(d, "h", &st, AT_SYMLINK_NOFOLLOW) == 0 && fstatat(d, "f", &st2, 0) == 0 &&
	       st.st_ino == st2.st_ino,
	   "a hard link over a symlink replaces the symlink");
	ok(fstatat(d, "x", &st, 0) == 0 && S_ISDIR(st.st_mode), "a directory over a file");
	ok(fstatat(d, "m", &st, 0) == 0 && (st.st_mode & 0777) == 0750 &&
	       faccessat(d, "m/keep", F_OK, 0) == 0,
	   "a directory listed twice is merged, the later mode wins");
	close(d);
}

/* A device node where the caller lacks CAP_MKNOD (a child that dropped it) is refused. */
static void test_no_mknod(void)
{
	int p[2];
	if (pipe(p) < 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
		struct __user_cap_data_struct c[2];
		if (syscall(SYS_capget, &h, c) < 0)
			_exit(3);
		c[0].effective &= ~(1u << CAP_MKNOD);
		c[0].permitted &= ~(1u << CAP_MKNOD);
		if (syscall(SYS_capset, &h, c) < 0)
			_exit(3);
		struct tw t;
		struct error e;
		tw_open(&t, GZIP);
		file(&t, "dev/ok", 0644, "fine");
		struct archive_entry *x = ent("dev/sda", AE_IFBLK, 0660);
		archive_entry_set_rdevmajor(x, 8);
		put(&t, x, NULL, 0);
		int d = mkdest("nomknod");
		int r = unpack(tw_close(&t), d, NULL, &e);
		if (write_all(p[1], e.msg, strlen(e.msg) + 1) < 0)
			_exit(3);
		_exit(r < 0 ? 0 : 1);
	}
	close(p[1]);
	struct error e = {0};
	ssize_t n = read(p[0], e.msg, sizeof e.msg - 1);
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	int r = WIFEXITED(status) && WEXITSTATUS(status) == 0 && n > 0 ? -1 : 0;
	refused(r, e, "dev/sda", "device node not permitted",
		"without CAP_MKNOD a device node is refused: %s", e.msg);
	char p2[256];
	snprintf(p2, sizeof p2, "%s/nomknod/dev/sda", base);
	ok(access(p2, F_OK) < 0, "and not made");
}

static void bomb(struct tw *t)
{
	static char big[5000];
	memset(big, 'b', sizeof big);
	big[sizeof big - 1] = '\0';
	file(t, "small", 0644, "s");
	file(t, "big", 0644, big);
}
static void many(struct tw *t)
{
	for (int i = 0; i < 5; i++) {
		char n[8];
		snprintf(n, sizeof n, "e%d", i);
		file(t, n, 0644, "");
	}
}
/* A sparse file whose header claims 1 TiB: the holes count against the limit too. */
static void sparse_bomb(struct tw *t)
{
	struct archive_entry *x = ent("hole", AE_IFREG, 0644);
	archive_entry_set_size(x, 1LL << 40);
	archive_entry_sparse_add_entry(x, 0, 512);
	archive_write_header(t->w, x);
	char b[512] = {'x'};
	archive_write_data(t->w, b, sizeof b);
	archive_entry_free(x);
}

static void limited(const char *label, void (*build)(struct tw *), struct unpack_limits lim,
		    const char *entry, const char *why)
{
	struct tw t;
	struct error e;
	tw_open(&t, GZIP);
	build(&t);
	int d = mkdest(label);
	int r = unpack(tw_close(&t), d, &lim, &e);
	refused(r, e, entry, why, "%s refused: %s", label, e.msg);
	close(d);
}

/* Bytes of a plain tar of one 1000-byte file "f" whose header now says size bytes: a header
 * that lies. */
static size_t lying(char *buf, size_t cap, long long size, size_t keep)
{
	struct tw t;
	tw_ustar = 1;
	tw_open(&t, PLAIN);
	tw_ustar = 0;
	char data[1000];
	memset(data, 'd', sizeof data);
	data[999] = 0;
	file(&t, "f", 0644, data);
	file(&t, "g", 0644, data);
	int fd = tw_close(&t);
	ssize_t n = read(fd, buf, cap);
	close(fd);
	if (n < 1024)
		return 0;
	snprintf(buf + 124, 12, "%011llo", size);
	memset(buf + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)buf[i];
	snprintf(buf + 148, 8, "%06o", sum);
	return keep && keep < (size_t)n ? keep : (size_t)n;
}

static int memfd_of(const void *buf, size_t len)
{
	int fd = memfd_create("raw", MFD_CLOEXEC);
	if (write_all(fd, buf, len) < 0)
		return -1;
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void test_broken(void)
{
	static char buf[1 << 16];
	struct error e;
	/* 1 MiB promised, 2 KiB there. */
	size_t n = lying(buf, sizeof buf, 1 << 20, 0);
	int d = mkdest("lie-big");
	int r = unpack(memfd_of(buf, n), d, NULL, &e);
	refused(r, e, "f", "truncated or corrupt", "a header that claims more data: %s", e.msg);
	close(d);
	/* 10 bytes promised: the rest of the data is read as the next header. */
	n = lying(buf, sizeof buf, 10, 0);
	d = mkdest("lie-small");
	r = unpack(memfd_of(buf, n), d, NULL, &e);
	ok(r < 0 && strstr(e.msg, "layer " LAYER ": after entry \"f\": ") && canaries_intact(),
	   "a header that claims less data: %s", e.msg);
	close(d);
	/* Cut in the middle of the first file's data. */
	n = lying(buf, sizeof buf, 999, 700);
	d = mkdest("truncated");
	r = unpack(memfd_of(buf, n), d, NULL, &e);
	refused(r, e, "f", "truncated or corrupt", "a truncated layer: %s", e.msg);
	close(d);
	for (size_t i = 0; i < 4096; i++)
		buf[i] = (char)(i * 7919 % 251);
	d = mkdest("garbage");
	r = unpack(memfd_of(buf, 4096), d, NULL, &e);
	ok(r < 0 && strstr(e.msg, "layer " LAYER ": not a readable layer") && canaries_intact(),
	   "garbage bytes: %s", e.msg);
	close(d);
	/* A gzip stream cut short. */
	struct tw t;
	tw_open(&t, GZIP);
	bomb(&t);
	int fd = tw_close(&t);
	n = (size_t)read(fd, buf, sizeof buf);
	close(fd);
	d = mkdest("gzip-cut");
	r = unpack(memfd_of(buf, n / 2), d, NULL, &e);
	ok(r < 0 && strstr(e.msg, "layer " LAYER ": ") && strstr(e.msg, "truncated gzip input") &&
	       canaries_intact(),
	   "a gzip layer cut in half: %s", e.msg);
	close(d);
}

/* The whole stream is read: zeros past the tar's end beyond any honest size (a gzip bomb the tar
 * reader would only skip) fail the layer. */
static void test_stream_end(void)
{
	static char buf[1 << 16];
	struct error e;
	struct tw t;
	t.fd = memfd_create("layer", MFD_CLOEXEC);
	t.w = archive_write_new();
	archive_write_set_format_raw(t.w);
	archive_write_add_filter_gzip(t.w);
	archive_write_open_fd(t.w, t.fd);
	struct archive_entry *x = ent("raw", AE_IFREG, 0644);
	archive_write_header(t.w, x);
	archive_entry_free(x);
	/* An empty tar (its two zero blocks) and 64 MiB more zeros, one stream. */
	memset(buf, 0, sizeof buf);
	for (int i = 0; i < 1024; i++)
		archive_write_data(t.w, buf, sizeof buf);
	int d = mkdest("gzip-bomb");
	struct unpack_limits lim = {.max_bytes = 1 << 20, .max_entries = 16};
	int r = unpack(tw_close(&t), d, &lim, &e);
	ok(r < 0 && strstr(e.msg, "layer " LAYER ": ") && strstr(e.msg, "over the limit of") &&
	       canaries_intact(),
	   "64 MiB of zeros after the tar's end, over the limit: %s", e.msg);
	close(d);
}

static void h_abs_dotdot(struct tw *t)
{
	file(t, "/../x", 0644, "escaped");
}
static void h_newline(struct tw *t)
{
	file(t, "a\n/../../x", 0644, "escaped");
}
static void h_wh_dotdot(struct tw *t)
{
	file(t, "sub/.wh...", 0644, "");
}
static void h_wh_through(struct tw *t)
{
	symlink_(t, "s", canary_dir);
	file(t, "s/.wh.passwd", 0644, "");
}
static void h_opaque_through(struct tw *t)
{
	symlink_(t, "s", canary_dir);
	file(t, "s/.wh..wh..opq", 0644, "");
}
static void h_dev_through(struct tw *t)
{
	symlink_(t, "s", canary_dir);
	put(t, ent("s/fifo", AE_IFIFO, 0644), NULL, 0);
}

static void test_hostile_more(void)
{
	hostile_one("abs-dotdot", h_abs_dotdot, "/../x", "an absolute name");
	hostile_one("newline", h_newline, "a?/../../x", "escapes the layer");
	hostile_one("wh-dotdot", h_wh_dotdot, "sub/.wh...", "whiteout for no name");
	hostile_one("wh-through", h_wh_through, "s/.wh.passwd", "goes through a symlink");
	hostile_one("opaque-through", h_opaque_through, "s/.wh..wh..opq", "goes through a symlink");
	hostile_one("fifo-through", h_dev_through, "s/fifo", "goes through a symlink");
	limited("bomb", bomb, (struct unpack_limits){.max_bytes = 4000}, "big",
		"over the size limit of 4000 bytes");
	limited("sparse-bomb", sparse_bomb, (struct unpack_limits){.max_bytes = 1 << 30}, "hole",
		"over the size limit of 1073741824 bytes");
	limited("many", many, (struct unpack_limits){.max_entries = 3}, "e3",
		"over the limit of 3 entries");
}

/* A symlink an earlier layer left in the same directory is not followed either. */
static void test_earlier_layer(void)
{
	struct tw t;
	struct error e;
	int d = mkdest("two-layers");
	tw_open(&t, PLAIN);
	symlink_(&t, "etc", outside_dir);
	int r = unpack(tw_close(&t), d, NULL, &e);
	ok(r == 0, "layer 1 with etc -> outside (%s)", e.msg);
	tw_open(&t, PLAIN);
	file(&t, "etc/x", 0644, "pwned");
	r = unpack(tw_close(&t), d, NULL, &e);
	refused(r, e, "etc/x", "goes through a symlink",
		"layer 2's etc/x through layer 1's symlink refused: %s", e.msg);
	/* A setgid directory (from layer 1) would give a new file its group: root's file keeps 0.
	 */
	tw_open(&t, PLAIN);
	struct archive_entry *x = ent("sg/", AE_IFDIR, 02775);
	archive_entry_set_gid(x, 50);
	put(&t, x, NULL, 0);
	r = unpack(tw_close(&t), d, NULL, &e);
	tw_open(&t, PLAIN);
	file(&t, "sg/f", 0644, "f");
	r = r || unpack(tw_close(&t), d, NULL, &e);
	struct stat st;
	ok(r == 0 && fstatat(d, "sg/f", &st, 0) == 0 && st.st_gid == 0,
	   "a file in a setgid directory gets the group its entry says (%u) %s", st.st_gid, e.msg);
	tw_open(&t, PLAIN);
	hardlink(&t, "h", "etc/x");
	r = unpack(tw_close(&t), d, NULL, &e);
	refused(r, e, "h", "goes through a symlink",
		"a hard link through layer 1's symlink refused: %s", e.msg);
	close(d);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (owners, device nodes, trusted.* xattrs)\n");
		return 0;
	}
	snprintf(base, sizeof base, "/tmp/test-unpack-XXXXXX");
	if (mkdtemp(base) == NULL)
		return 1;
	umask(022);
	canaries_make();
	test_basic(PLAIN, "plain");
	test_basic(GZIP, "gzip");
	test_basic(ZSTD, "zstd");
	test_same_tree();
	test_hostile();
	test_earlier_layer();
	test_sparse();
	test_pipe();
	test_replace();
	test_no_mknod();
	test_hostile_more();
	test_broken();
	test_stream_end();
	struct error e;
	if (!getenv("KEEP"))
		remove_tree_at(AT_FDCWD, base, &e);
	return tap_done();
}
