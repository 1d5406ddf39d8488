/* Remounting a bind mount with new flags, inside a user namespace too: there the kernel locks the
 * flags of a mount the namespace inherited, and a remount that would clear one fails with EPERM. */
#include <errno.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#include "lib/error.h"
#include "namespaces/rootfs_internal.h"

/* The per-mount flags a user namespace cannot change on a mount it inherited. */
#define LOCKABLE_FLAGS                                                                             \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME)

int remount_bind(const char *path, const char *what, unsigned long flags, struct error *err)
{
	flags &= ~(MS_REC | MS_BIND | MS_REMOUNT);
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | flags, NULL) == 0)
		return 0;
	if (errno != EPERM)
		return error_errno(err, "remount %s", what);
	struct statvfs sv;
	if (statvfs(path, &sv) < 0)
		return error_errno(err, "statvfs %s", what);
	unsigned long locked = sv.f_flag & LOCKABLE_FLAGS;
	/* One atime mode only: the one asked for wins unless the locked one differs, then the
	 * locked one has to stay. */
	if (locked & (MS_NOATIME | MS_RELATIME))
		flags &= ~(MS_NOATIME | MS_RELATIME | MS_STRICTATIME);
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | flags | locked, NULL) < 0)
		return error_errno(err, "remount %s (keeping its locked flags)", what);
	return 0;
}
