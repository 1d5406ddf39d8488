/* One image layer (a tar stream, gzip- or zstd-compressed or plain) unpacked into an empty
 * directory, fd-relative, for use as an overlayfs lower layer.
 *
 * Nothing is ever written outside destfd: names with "..", absolute names, names that go through
 * a symlink (planted by an earlier entry or an earlier layer), hard links to targets outside, and
 * device nodes where the caller may not make them are refused with one line naming the layer and
 * the entry. Docker/OCI whiteouts become overlayfs whiteouts (".wh.NAME" a 0/0 character device,
 * ".wh..wh..opq" the trusted.overlay.opaque xattr on its directory). Ownership, modes (setuid
 * included), xattrs (security.capability included), hard links, symlinks, devices, fifos, sparse
 * files and mtimes are kept. */
#pragma once
#include <stdint.h>

struct error;

struct unpack_limits {
	int64_t max_bytes;   /* total size of the regular files, holes included (a header's size is
				not trusted); 0: UNPACK_MAX_BYTES_DEFAULT */
	int64_t max_entries; /* 0: UNPACK_MAX_ENTRIES_DEFAULT */
};
#define UNPACK_MAX_BYTES_DEFAULT   (int64_t)(64LL << 30)
#define UNPACK_MAX_ENTRIES_DEFAULT (int64_t)(4 << 20)

struct unpack_result {
	int64_t bytes;	 /* the regular files' sizes, holes included (hard links once) */
	int64_t entries; /* tar entries read */
};

/* Reads src_fd (a file or a pipe, from its current offset, to the end) and unpacks into destfd,
 * an empty directory opened O_RDONLY|O_DIRECTORY (not O_PATH: its own owner, mode and xattrs come
 * from the layer's "./" entry). Absolute names (entries and hard link targets) are refused, and
 * so is a ".." that climbs above the root. name (the
 * layer's digest) starts every error line:
 *   layer sha256:...: entry "NAME": goes through a symlink ("etc")
 * lim may be NULL. Whiteouts and device nodes need CAP_MKNOD, the opaque xattr CAP_SYS_ADMIN.
 * Decompression runs on a second thread for the call's duration (images/inflate.h). On failure
 * the caller removes what was unpacked (destfd is a temporary directory). */
int unpack_layer(int src_fd, int destfd, const char *name, const struct unpack_limits *lim,
		 struct unpack_result *res, struct error *err);
