/* AppArmor and SELinux, as runc 1.1.5 drives them: detected the way runc and crun detect them,
 * applied through the process's own attr files so they take effect at its execve. */
#include "runtime/lsm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"

bool lsm_apparmor_enabled(void)
{
	struct stat st;
	if (stat("/sys/kernel/security/apparmor", &st) < 0)
		return false;
	_cleanup_close_ int fd =
	    open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
	char c = 0;
	return fd >= 0 && read(fd, &c, 1) == 1 && c == 'Y';
}

bool lsm_selinux_enabled(void)
{
	struct statfs sf;
	return statfs("/sys/fs/selinux", &sf) == 0 && sf.f_type == SELINUX_MAGIC;
}

static bool set(const char *s)
{
	return s && *s;
}

int lsm_check(const struct spec_process *p, const char *mount_label, const char *doc,
	      struct error *err)
{
	const char *aa = p->apparmor_profile;
	if (set(aa) && strcmp(aa, "unconfined") != 0 && !lsm_apparmor_enabled())
		return error_set(err, EINVAL,
				 "%s: process.apparmorProfile: profile \"%s\" cannot be applied: "
				 "AppArmor is not enabled in this kernel",
				 doc, aa);
	if (set(p->selinux_label) && !lsm_selinux_enabled())
		return error_set(
		    err, EINVAL,
		    "%s: process.selinuxLabel: label \"%s\" cannot be applied: SELinux "
		    "is not enabled in this kernel",
		    doc, p->selinux_label);
	if (set(mount_label) && !lsm_selinux_enabled())
		return error_set(err, EINVAL,
				 "%s: linux.mountLabel: label \"%s\" cannot be applied: SELinux is "
				 "not enabled in this kernel",
				 doc, mount_label);
	return 0;
}

/* Writes value to /proc/thread-self/attr/<lsm>/exec (kernels with stacked LSMs) or else
 * /proc/thread-self/attr/exec, checking that it really is procfs: a container's rootfs could
 * put anything at /proc. */
static int write_exec_attr(const char *lsm, const char *value, struct error *err)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/thread-self/attr/%s/exec", lsm);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		snprintf(path, sizeof path, "/proc/thread-self/attr/exec");
		fd = open(path, O_WRONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return error_errno(err, "open %s", path);
	_cleanup_close_ int owned = fd;
	struct statfs sf;
	if (fstatfs(fd, &sf) < 0)
		return error_errno(err, "statfs %s", path);
	if (sf.f_type != PROC_SUPER_MAGIC)
		return error_set(err, EPERM, "%s is not on procfs", path);
	size_t len = strlen(value);
	if (write(fd, value, len) != (ssize_t)len)
		return error_errno(err, "write %s", path);
	return 0;
}

int lsm_apply_on_exec(const struct spec_process *p, struct error *err)
{
	const char *aa = p->apparmor_profile;
	if (set(aa)) {
		char buf[4096];
		if ((size_t)snprintf(buf, sizeof buf, "exec %s", aa) >= sizeof buf)
			return error_set(err, ENAMETOOLONG, "process.apparmorProfile: too long");
		/* "unconfined" is what a kernel without AppArmor (no such file, or no LSM to take
		 * the write) gives anyway. */
		if (write_exec_attr("apparmor", buf, err) < 0 &&
		    !(strcmp(aa, "unconfined") == 0 && (err->err == ENOENT || err->err == EINVAL)))
			return error_prefix(err, "process.apparmorProfile \"%s\"", aa);
	}
	if (set(p->selinux_label) && write_exec_attr("selinux", p->selinux_label, err) < 0)
		return error_prefix(err, "process.selinuxLabel \"%s\"", p->selinux_label);
	return 0;
}
