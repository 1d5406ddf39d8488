/* Small pieces every store file uses (images/store_internal.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "images/store_internal.h"
#include "lib/cleanup.h"
#include "lib/error.h"

int store_flock(int fd, int op)
{
	int r;
	do
		r = flock(fd, op);
	while (r < 0 && errno == EINTR);
	return r;
}

int store_blob_name(const char *digest, char out[STORE_NAME_MAX])
{
	if (!digest_valid(digest))
		return -1;
	snprintf(out, STORE_NAME_MAX, STORE_BLOBS "/%s", digest_hex(digest));
	return 0;
}

/* A random name in STORE/tmp ("PREFIX-16hex"). */
int store_tmp_name(const char *prefix, char out[STORE_NAME_MAX])
{
	unsigned char r[8];
	size_t got = 0;
	while (got < sizeof r) {
		ssize_t n = getrandom(r + got, sizeof r - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		got += (size_t)n;
	}
	int n = snprintf(out, STORE_NAME_MAX, STORE_TMP "/%s-", prefix);
	for (size_t i = 0; i < sizeof r; i++)
		n += snprintf(out + n, STORE_NAME_MAX - (size_t)n, "%02x", r[i]);
	return 0;
}

/* After flock on fd, name may already be gone (a writer committed it, or the debris sweep
 * removed it while we waited): then the lock guards nothing and the caller starts over. */
bool store_still_named(struct store *s, const char *name, int fd)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && fstatat(s->dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Made 0700 and locked before it can be swept, then 0755, as a layer's root is when its tar has
 * no "./" entry. */
int store_tmp_dir(struct store *s, const char *prefix, char name[STORE_NAME_MAX], struct error *err)
{
	for (int tries = 0; tries < 16; tries++) {
		if (store_tmp_name(prefix, name) < 0)
			return error_errno(err, "random name");
		if (mkdirat(s->dirfd, name, 0700) < 0) {
			if (errno == EEXIST)
				continue;
			return error_errno(err, "mkdir %s/%s", s->root, name);
		}
		_cleanup_close_ int fd =
		    openat(s->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		/* Another command's sweep took it before it was open, let alone locked. */
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0)
			return error_errno(err, "open %s/%s", s->root, name);
		if (store_flock(fd, LOCK_EX) < 0)
			return error_errno(err, "lock %s/%s", s->root, name);
		/* A sweep got it between mkdir and flock: it is gone, take another name. */
		if (!store_still_named(s, name, fd))
			continue;
		if (fchmod(fd, 0755) < 0)
			return error_errno(err, "chmod %s/%s", s->root, name);
		return steal_fd(&fd);
	}
	return error_set(err, EEXIST, "no free name in %s/" STORE_TMP, s->root);
}
