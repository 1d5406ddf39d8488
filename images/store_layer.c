/* Layers unpacked once (images/store.h): into a locked directory under STORE/tmp, renamed to
 * layers/HEX when whole, so a reader never sees half a layer and a crash leaves only debris in
 * tmp/ that nothing holds locked. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "images/store.h"
#include "images/store_internal.h"
#include "images/unpack.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fault.h"
#include "lib/fs.h"

/* The source is read to its end either way, as a caller streaming it from elsewhere expects. */
static void drain(int fd)
{
	char buf[65536];
	ssize_t n;
	do
		n = read(fd, buf, sizeof buf);
	while (n > 0 || (n < 0 && errno == EINTR));
}

int store_layer_unpack(struct store *s, const char *blob_digest, int src_fd,
		       const struct unpack_limits *lim, struct error *err)
{
	if (digest_check(blob_digest, "layer", err) < 0)
		return -1;
	char dest[STORE_NAME_MAX], tmp[STORE_NAME_MAX];
	snprintf(dest, sizeof dest, STORE_LAYERS "/%s", digest_hex(blob_digest));
	if (store_layer_exists(s, blob_digest)) {
		drain(src_fd);
		return 0;
	}
	/* Locked until the rename: a sweep of tmp/ skips what is locked. */
	_cleanup_close_ int dfd = store_tmp_dir(s, "layer", tmp, err);
	if (dfd < 0)
		return error_prefix(err, "layer %s", blob_digest);
	struct error rm;
	if (unpack_layer(src_fd, dfd, blob_digest, lim, NULL, err) < 0) {
		remove_tree_at(s->dirfd, tmp, &rm);
		return -1;
	}
	FAULT_POINT("layer-rename");
	if (renameat(s->dirfd, tmp, s->dirfd, dest) < 0) {
		int e = errno;
		remove_tree_at(s->dirfd, tmp, &rm);
		/* Another unpack of the same layer finished first: its tree is as good. */
		if ((e == EEXIST || e == ENOTEMPTY) && store_layer_exists(s, blob_digest))
			return 0;
		return error_errnum(err, e, "layer %s: rename into %s/%s", blob_digest, s->root,
				    dest);
	}
	return 0;
}
