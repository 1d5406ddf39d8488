#include "images/overlay.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "images/digest.h"
#include "images/store.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "lib/jsonutil.h"

#define CONTAINERS "containers"
/* A manifest is a few KB; 200 layers about 40 KB. */
#define MANIFEST_MAX (4 << 20)

struct layers {
	char (*hex)[DIGEST_HEX + 1]; /* bottom first, as the manifest lists them */
	size_t n;
};

/* The layers of a manifest in the store. Read without hashing it again: the store verified it
 * before giving it its name, and hashing here would load libcrypto (2 ms) into every create. */
static int read_layers(struct store *s, const char *image, struct layers *out, struct error *err)
{
	if (digest_check(image, "image", err) < 0)
		return -1;
	char path[sizeof "blobs/sha256/" + DIGEST_HEX];
	snprintf(path, sizeof path, "blobs/sha256/%s", digest_hex(image));
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	if (read_file_at(s->dirfd, path, &buf, &len, err) < 0) {
		if (err->err == ENOENT)
			return error_set(err, ENOENT, "image %s is not in the store %s", image,
					 s->root);
		return error_prefix(err, "image %s", image);
	}
	if (len > MANIFEST_MAX)
		return error_set(err, EFBIG, "image %s: manifest larger than %d bytes", image,
				 MANIFEST_MAX);
	json_error_t je;
	_cleanup_json_ json_t *m = json_loadb(buf, len, 0, &je);
	json_t *layers = m ? json_object_get(m, "layers") : NULL;
	if (!json_is_array(layers))
		return error_set(err, EINVAL, "image %s: not an image manifest (no layers)", image);
	out->n = json_array_size(layers);
	out->hex = calloc(out->n ? out->n : 1, sizeof *out->hex);
	if (out->hex == NULL)
		return error_set(err, ENOMEM, "image %s", image);
	for (size_t i = 0; i < out->n; i++) {
		const char *d =
		    json_string_value(json_object_get(json_array_get(layers, i), "digest"));
		if (!digest_valid(d))
			return error_set(err, EINVAL, "image %s: layers[%zu].digest: not a digest",
					 image, i);
		memcpy(out->hex[i], digest_hex(d), DIGEST_HEX + 1);
	}
	return 0;
}

/* The kernel's own words on a failed fsconfig (overlayfs says which option and which layer). */
static int fs_error(int fsfd, struct error *err, const char *what)
{
	int saved = errno;
	char msg[512], all[1024] = "";
	ssize_t n;
	size_t used = 0;
	while (fsfd >= 0 && (n = read(fsfd, msg, sizeof msg - 1)) > 0) {
		msg[n] = '\0';
		/* "e overlayfs: ...": the level, a space, the text. */
		const char *t = n > 2 && msg[1] == ' ' ? msg + 2 : msg;
		int w = snprintf(all + used, sizeof all - used, "%s%s", used ? "; " : "", t);
		if (w < 0 || (size_t)w >= sizeof all - used)
			break;
		used += (size_t)w;
	}
	if (used)
		return error_set(err, saved, "%s: %s (%s)", what, all, strerror(saved));
	return error_errnum(err, saved, "%s", what);
}

static int set_string(int fsfd, const char *key, const char *value, struct error *err)
{
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, key, value, 0) < 0)
		return fs_error(fsfd, err, "overlay");
	return 0;
}

/* After an EINVAL while "lowerdir+" is used: -2 when it is the kernel that does not take the key
 * (6.5 to 6.7 refuse it at once; 6.1's legacy path takes any key into one option string of a
 * page, says "VFS: Legacy: ..." once that is full, and at create says nothing through the fs
 * context: overlayfs writes to the kernel log there), else the kernel's own error. */
static int refused(int fsfd, bool first, struct error *err)
{
	char msg[512];
	ssize_t n = read(fsfd, msg, sizeof msg - 1);
	msg[n > 0 ? n : 0] = '\0';
	if (first || n <= 0 || strstr(msg, "Legacy"))
		return -2;
	return error_set(err, EINVAL, "overlay: %s", n > 2 && msg[1] == ' ' ? msg + 2 : msg);
}

/* With "lowerdir+" (Linux 6.8+): one layer per call, top first, full paths. -2 with errno
 * EINVAL when the kernel does not know the key (older kernels: at once, or, through the
 * legacy option string of 6.1 and older, at create). */
static int mount_lowerdir_plus(const struct overlay_rootfs *o, const struct layers *l,
			       const char *dir, bool empty, struct error *err)
{
	_cleanup_close_ int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return error_errno(err, "overlay: fsopen");
	size_t base = strlen(o->store) + sizeof "/layers/";
	_cleanup_free_ char *p = malloc(base + DIGEST_HEX + strlen(dir) + 16);
	if (p == NULL)
		return error_set(err, ENOMEM, "overlay");
	for (size_t i = l->n; i > 0; i--) {
		snprintf(p, base + DIGEST_HEX + 1, "%s/layers/%s", o->store, l->hex[i - 1]);
		if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", p, 0) < 0)
			return errno == EINVAL ? refused(fsfd, i == l->n, err)
					       : fs_error(fsfd, err, "overlay");
	}
	if (empty) {
		sprintf(p, "%s/empty", dir);
		if (set_string(fsfd, "lowerdir+", p, err) < 0)
			return -1;
	}
	if (!o->readonly) {
		sprintf(p, "%s/upper", dir);
		if (set_string(fsfd, "upperdir", p, err) < 0)
			return -1;
		sprintf(p, "%s/work", dir);
		if (set_string(fsfd, "workdir", p, err) < 0)
			return -1;
		if (fsconfig(fsfd, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0)
			return fs_error(fsfd, err, "overlay: volatile");
	}
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		if (errno != EINVAL || l->n == 0)
			return fs_error(fsfd, err, "overlay");
		return refused(fsfd, false, err);
	}
	int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, o->readonly ? MOUNT_ATTR_RDONLY : 0);
	if (mfd < 0)
		return error_errno(err, "overlay: fsmount");
	return mfd;
}

/* The child of mount_short_names: in a mount namespace of its own, mount(2) the overlay on m/
 * (with l/ as the working directory, which the option's names are relative to), clone it
 * detached and send it back. */
static __attribute__((noreturn)) void short_names_child(int sock, int lfd, const char *data)
{
	int fd = -1;
	/* chdir first: unshare moves the working directory into the new namespace's copy of its
	 * mount, and overlayfs takes lower and upper dirs only from the caller's namespace. */
	if (fchdir(lfd) == 0 && unshare(CLONE_NEWNS) == 0 &&
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
	    mount("overlay", "../m", "overlay", 0, data) == 0)
		fd = open_tree(AT_FDCWD, "../m", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	int e = fd < 0 ? errno : 0;
	if (fd >= 0 ? send_with_fd(sock, &e, sizeof e, fd) < 0 : write(sock, &e, sizeof e) < 0)
		_exit(1);
	_exit(0);
}

/* Without "lowerdir+": fsconfig takes no string longer than 255 bytes there, so one "lowerdir"
 * of many layers goes through mount(2), whose options may fill a page. Each layer gets a symlink
 * l/N -> ../../../layers/HEX (as overlay2's l/ names) and the option lists "N:...:0", relative
 * to l/: 200 layers take under 1 KiB. mount(2) attaches, so it is made by a child in a mount
 * namespace of its own and cloned detached from there: the host's mount table never holds it. */
static int mount_short_names(const struct overlay_rootfs *o, const struct layers *l, int dirfd,
			     bool empty, struct error *err)
{
	if ((mkdirat(dirfd, "l", 0700) < 0 && errno != EEXIST) ||
	    (mkdirat(dirfd, "m", 0700) < 0 && errno != EEXIST))
		return error_errno(err, "overlay: mkdir l, m");
	_cleanup_close_ int lfd = openat(dirfd, "l", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (lfd < 0)
		return error_errno(err, "overlay: open l");
	size_t cap = l->n * 12 + 64, used = 0;
	_cleanup_free_ char *opt = malloc(cap);
	if (opt == NULL)
		return error_set(err, ENOMEM, "overlay");
	used = (size_t)snprintf(opt, cap, "lowerdir=");
	char name[16], target[sizeof "../../../layers/" + DIGEST_HEX];
	for (size_t i = l->n; i > 0; i--) {
		snprintf(name, sizeof name, "%zu", i - 1);
		snprintf(target, sizeof target, "../../../layers/%s", l->hex[i - 1]);
		if (symlinkat(target, lfd, name) < 0 && errno != EEXIST)
			return error_errno(err, "overlay: symlink l/%s", name);
		used += (size_t)snprintf(opt + used, cap - used, "%s%s", i < l->n ? ":" : "", name);
	}
	if (empty)
		used += (size_t)snprintf(opt + used, cap - used, "%s../empty", l->n ? ":" : "");
	if (!o->readonly)
		used += (size_t)snprintf(opt + used, cap - used,
					 ",upperdir=../upper,workdir=../work,volatile");
	if (used >= (size_t)sysconf(_SC_PAGESIZE))
		return error_set(err, E2BIG, "overlay: %zu layers are too many for this kernel",
				 l->n);
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return error_errno(err, "overlay: socketpair");
	pid_t pid = fork();
	if (pid == 0) {
		close(sp[0]);
		short_names_child(sp[1], lfd, opt);
	}
	close(sp[1]);
	_cleanup_close_ int sock = sp[0];
	if (pid < 0)
		return error_errno(err, "overlay: fork");
	int e = EPROTO, mfd = -1;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = &e, .iov_len = sizeof e};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&mfd, CMSG_DATA(cm), sizeof mfd);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (mfd < 0)
		return error_errnum(err, e, "overlay (%zu layers, by short names)", l->n);
	return mfd;
}

/* Makes the directory (EEXIST: someone else's, left alone) and what goes in it. */
static int make_dirs(struct store *s, const struct overlay_rootfs *o, bool empty, int *dirfd,
		     struct error *err)
{
	if (mkdirat(s->dirfd, CONTAINERS, 0700) < 0 && errno != EEXIST)
		return error_errno(err, "%s/" CONTAINERS, o->store);
	_cleanup_free_ char *rel = path_join(CONTAINERS, o->name);
	if (rel == NULL)
		return error_set(err, ENOMEM, "overlay");
	if (mkdirat(s->dirfd, rel, 0700) < 0) {
		if (errno == EEXIST)
			return error_set(err, EEXIST,
					 "%s/%s exists: the store holds a container of that "
					 "name (under another --root?)",
					 o->store, rel);
		return error_errno(err, "mkdir %s/%s", o->store, rel);
	}
	*dirfd = openat(s->dirfd, rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return error_errno(err, "open %s/%s", o->store, rel);
	/* First, so that from now on rmi and prune see the layers as used. */
	_cleanup_close_ int fd =
	    openat(*dirfd, "image", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, o->image, strlen(o->image)) < 0)
		return error_errno(err, "write %s/%s/image", o->store, rel);
	if (!o->readonly &&
	    (mkdirat(*dirfd, "upper", 0755) < 0 || mkdirat(*dirfd, "work", 0700) < 0))
		return error_errno(err, "mkdir %s/%s/upper, work", o->store, rel);
	if (empty && mkdirat(*dirfd, "empty", 0755) < 0)
		return error_errno(err, "mkdir %s/%s/empty", o->store, rel);
	return 0;
}

/* Says which layer is missing (rather than the kernel's "failed to resolve"). */
static int check_layers(struct store *s, const struct overlay_rootfs *o, const struct layers *l,
			struct error *err)
{
	char path[sizeof "layers/" + DIGEST_HEX];
	for (size_t i = 0; i < l->n; i++) {
		snprintf(path, sizeof path, "layers/%s", l->hex[i]);
		if (faccessat(s->dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
			return error_errno(err, "image %s: layer sha256:%s is not unpacked in %s",
					   o->image, l->hex[i], o->store);
	}
	return 0;
}

static int mount_in(struct store *s, const struct overlay_rootfs *o, struct layers *l,
		    struct error *err)
{
	if (store_lock(s, STORE_SHARED, err) < 0 || read_layers(s, o->image, l, err) < 0)
		return -1;
	/* overlayfs wants at least one lower dir, and two without an upper: an empty one at the
	 * bottom makes up the count. */
	bool empty = l->n == 0 || (l->n == 1 && o->readonly);
	_cleanup_close_ int dirfd = -1;
	if (make_dirs(s, o, empty, &dirfd, err) < 0)
		return -1;
	_cleanup_free_ char *dir =
	    malloc(strlen(o->store) + strlen(o->name) + sizeof CONTAINERS + 2);
	if (dir == NULL)
		return error_set(err, ENOMEM, "overlay");
	sprintf(dir, "%s/" CONTAINERS "/%s", o->store, o->name);
	/* Known after the first try, for the rest of this process. */
	static bool no_lowerdir_plus;
	int mfd = no_lowerdir_plus ? -2 : mount_lowerdir_plus(o, l, dir, empty, err);
	if (mfd == -2) {
		no_lowerdir_plus = true;
		mfd = mount_short_names(o, l, dirfd, empty, err);
	}
	if (mfd < 0) {
		struct error e2;
		if (err->err == ENOENT && check_layers(s, o, l, &e2) < 0)
			*err = e2;
		return error_prefix(err, "image %s", o->image);
	}
	return mfd;
}

int overlay_mount(const struct overlay_rootfs *o, struct error *err)
{
	struct store s;
	if (store_open(&s, o->store, err) < 0)
		return -1;
	struct layers l = {0};
	int mfd = mount_in(&s, o, &l, err);
	free(l.hex);
	store_close(&s);
	return mfd;
}

int overlay_remove_held(int argc, char *const *argv, struct error *err)
{
	if (argc != 2 || argv[0][0] != '/' || strchr(argv[1], '/') || argv[1][0] == '.' ||
	    argv[1][0] == '\0')
		return error_set(err, EINVAL, "overlay entry: expected STORE NAME");
	_cleanup_close_ int sfd = open(argv[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0) {
		if (errno == ENOENT)
			return 0;
		return error_errno(err, "overlay: store %s", argv[0]);
	}
	_cleanup_close_ int cfd = openat(sfd, CONTAINERS, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cfd < 0) {
		if (errno == ENOENT)
			return 0;
		return error_errno(err, "overlay: %s/" CONTAINERS, argv[0]);
	}
	if (remove_tree_at(cfd, argv[1], err) < 0)
		return error_prefix(err, "overlay: %s/" CONTAINERS, argv[0]);
	return 0;
}

/* What one layer says of path: 1 a regular file, 0 not there (look lower), -1 hidden
 * (a whiteout, or below an opaque directory: look no further). *opaque when a directory on
 * the way is opaque (lower layers are hidden under it). */
static int layer_lookup(int layer, const char *path, bool *opaque)
{
	_cleanup_free_ char *copy = strdup(path);
	if (copy == NULL)
		return -1;
	_cleanup_close_ int dir = dup(layer);
	char *save, *next;
	for (char *c = strtok_r(copy, "/", &save); c; c = next) {
		next = strtok_r(NULL, "/", &save);
		struct stat st;
		if (fstatat(dir, c, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return 0;
		if (S_ISCHR(st.st_mode) && st.st_rdev == 0)
			return -1;
		if (next == NULL) {
			return S_ISREG(st.st_mode) ? 1 : -1;
		}
		/* A symlinked directory would lead out of the layer: not followed. */
		if (!S_ISDIR(st.st_mode))
			return -1;
		int sub = openat(dir, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return 0;
		close(dir);
		dir = sub;
		char v[2];
		if (fgetxattr(dir, "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y')
			*opaque = true;
	}
	return 0;
}

int overlay_read_file(struct store *s, const char *const *layers, size_t n, const char *path,
		      size_t max, char **out, struct error *err)
{
	*out = NULL;
	for (size_t i = n; i > 0; i--) {
		if (digest_check(layers[i - 1], "layer", err) < 0)
			return -1;
		char lp[sizeof "layers/" + DIGEST_HEX];
		snprintf(lp, sizeof lp, "layers/%s", digest_hex(layers[i - 1]));
		_cleanup_close_ int layer = openat(s->dirfd, lp, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (layer < 0)
			return error_errno(err, "layer %s", layers[i - 1]);
		bool opaque = false;
		int r = layer_lookup(layer, path, &opaque);
		if (r < 0)
			return 0;
		if (r > 0) {
			/* Every directory on the way is one (no symlink), as checked. */
			size_t len;
			if (read_file_at(layer, path, out, &len, err) < 0)
				return error_prefix(err, "layer %s: %s", layers[i - 1], path);
			if (len > max) {
				free(*out);
				*out = NULL;
				return error_set(err, EFBIG, "layer %s: %s: larger than %zu bytes",
						 layers[i - 1], path, max);
			}
			return 1;
		}
		if (opaque)
			return 0;
	}
	return 0;
}

/* STORE/containers/@mount-HASH for a host directory: '@' is not in container IDs. */
static int attach_name(const char *dir, char real[PATH_MAX], char name[32], struct error *err)
{
	if (realpath(dir, real) == NULL)
		return error_errno(err, "%s", dir);
	/* FNV-1a, 64 bits: a name, not a secret; the target file is checked too. */
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const unsigned char *p = (const unsigned char *)real; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	snprintf(name, 32, "@mount-%016llx", (unsigned long long)h);
	return 0;
}

int overlay_attach(const char *store, const char *image, const char *dir, struct error *err)
{
	char real[PATH_MAX], name[32];
	if (attach_name(dir, real, name, err) < 0)
		return -1;
	struct overlay_rootfs o = {.store = store, .name = name, .image = image, .readonly = true};
	_cleanup_close_ int mfd = overlay_mount(&o, err);
	if (mfd < 0) {
		if (err->err == EEXIST)
			return error_set(err, EEXIST, "%s: an image is mounted there already",
					 real);
		/* What overlay_mount made before it failed. */
		char *const argv[] = {(char *)store, name};
		struct error e2;
		overlay_remove_held(2, argv, &e2);
		return -1;
	}
	_cleanup_close_ int sfd = open(store, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *rel = path_join(CONTAINERS, name);
	_cleanup_free_ char *target = rel ? path_join(rel, "target") : NULL;
	int r = 0;
	if (sfd < 0 || target == NULL)
		r = error_errno(err, "store %s", store);
	else
		r = write_file_atomic_at(sfd, target, real, strlen(real), 0600, err);
	if (r == 0 && move_mount(mfd, "", AT_FDCWD, real, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = error_errno(err, "attach the image's overlay at %s", real);
	if (r < 0) {
		char *const argv[] = {(char *)store, name};
		struct error e2;
		overlay_remove_held(2, argv, &e2);
	}
	return r;
}

int overlay_detach(const char *store, const char *dir, struct error *err)
{
	char real[PATH_MAX], name[32];
	if (attach_name(dir, real, name, err) < 0)
		return -1;
	_cleanup_close_ int sfd = open(store, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return error_errno(err, "store %s", store);
	_cleanup_free_ char *rel = path_join(CONTAINERS, name);
	_cleanup_free_ char *tpath = rel ? path_join(rel, "target") : NULL;
	_cleanup_free_ char *target = NULL;
	size_t len;
	struct error e2;
	if (tpath == NULL || read_file_at(sfd, tpath, &target, &len, &e2) < 0 ||
	    strcmp(target, real) != 0)
		return error_set(err, ENOENT,
				 "%s: no image is mounted there (by berth image mount)", real);
	/* Not detached lazily: a mount still in use stays, with its layers kept for it. */
	if (umount2(real, UMOUNT_NOFOLLOW) < 0 && errno != EINVAL)
		return error_errno(err, "unmount %s", real);
	char *const argv[] = {(char *)store, name};
	return overlay_remove_held(2, argv, err);
}
