/* `berth spec`: the same default config as `runc spec` (field for field), for the same reason:
 * engines and users start from it and edit. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "lib/version.h"
#include "runtime/process.h"
#include "runtime/spec_internal.h"

static json_t *strings(const char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; a && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *mount(const char *dest, const char *type, const char *src,
		     const char *const *options)
{
	json_t *m = json_pack("{s:s, s:s, s:s}", "destination", dest, "type", type, "source", src);
	if (m && options)
		json_object_set_new(m, "options", strings(options));
	return m;
}

static json_t *caps(void)
{
	static const char *const set[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
					  NULL};
	return json_pack("{s:o, s:o, s:o, s:o}", "bounding", strings(set), "effective",
			 strings(set), "permitted", strings(set), "ambient", strings(set));
}

static json_t *mounts(bool rootless)
{
	static const char *const dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
	static const char *const pts[] = {"nosuid",    "noexec", "newinstance", "ptmxmode=0666",
					  "mode=0620", "gid=5",	 NULL};
	/* Without a mapping for gid 5 in the user namespace, devpts would refuse gid=5. */
	static const char *const pts_rootless[] = {"nosuid",	    "noexec",	 "newinstance",
						   "ptmxmode=0666", "mode=0620", NULL};
	static const char *const shm[] = {"nosuid",    "noexec",      "nodev",
					  "mode=1777", "size=65536k", NULL};
	static const char *const mq[] = {"nosuid", "noexec", "nodev", NULL};
	static const char *const sys[] = {"nosuid", "noexec", "nodev", "ro", NULL};
	/* An unprivileged user namespace without its own network namespace may not mount sysfs. */
	static const char *const sys_rootless[] = {"rbind", "nosuid", "noexec",
						   "nodev", "ro",     NULL};
	static const char *const cg[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};
	json_t *a = json_array();
	json_array_append_new(a, mount("/proc", "proc", "proc", NULL));
	json_array_append_new(a, mount("/dev", "tmpfs", "tmpfs", dev));
	json_array_append_new(a,
			      mount("/dev/pts", "devpts", "devpts", rootless ? pts_rootless : pts));
	json_array_append_new(a, mount("/dev/shm", "tmpfs", "shm", shm));
	json_array_append_new(a, mount("/dev/mqueue", "mqueue", "mqueue", mq));
	if (rootless)
		json_array_append_new(a, mount("/sys", "none", "/sys", sys_rootless));
	else
		json_array_append_new(a, mount("/sys", "sysfs", "sysfs", sys));
	json_array_append_new(a, mount("/sys/fs/cgroup", "cgroup", "cgroup", cg));
	return a;
}

static json_t *namespaces(bool rootless)
{
	static const char *const normal[] = {"pid", "network", "ipc", "uts", "mount", NULL};
	static const char *const user[] = {"pid", "ipc", "uts", "mount", "user", NULL};
	json_t *a = json_array();
	for (const char *const *t = rootless ? user : normal; *t; t++)
		json_array_append_new(a, json_pack("{s:s}", "type", *t));
	return a;
}

static json_t *linux_object(bool rootless)
{
	static const char *const masked[] = {"/proc/acpi",
					     "/proc/asound",
					     "/proc/kcore",
					     "/proc/keys",
					     "/proc/latency_stats",
					     "/proc/timer_list",
					     "/proc/timer_stats",
					     "/proc/sched_debug",
					     "/sys/firmware",
					     "/proc/scsi",
					     NULL};
	static const char *const ro[] = {
	    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};
	json_t *l = json_object();
	if (rootless) {
		spec_map_caller_to_root(l);
	} else {
		json_object_set_new(
		    l, "resources",
		    json_pack("{s:[{s:b, s:s}]}", "devices", "allow", 0, "access", "rwm"));
	}
	json_object_set_new(l, "namespaces", namespaces(rootless));
	json_object_set_new(l, "maskedPaths", strings(masked));
	json_object_set_new(l, "readonlyPaths", strings(ro));
	return l;
}

void spec_map_caller_to_root(json_t *linux_obj)
{
	json_object_set_new(linux_obj, "uidMappings",
			    json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
				      (json_int_t)getuid(), "size", 1));
	json_object_set_new(linux_obj, "gidMappings",
			    json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
				      (json_int_t)getgid(), "size", 1));
}

static void cap_freep(cap_t *c)
{
	if (*c)
		cap_free(*c);
}

json_t *spec_caller_capabilities(bool effective)
{
	json_t *bounding = json_array(), *eff = json_array();
	__attribute__((cleanup(cap_freep))) cap_t self = cap_get_proc();
	for (int c = 0; spec_cap_names[c] && c <= capability_last(); c++) {
		if (prctl(PR_CAPBSET_READ, c) == 1)
			json_array_append_new(bounding, json_string(spec_cap_names[c]));
		cap_flag_value_t v = CAP_CLEAR;
		if (effective && self &&
		    cap_get_flag(self, (cap_value_t)c, CAP_EFFECTIVE, &v) == 0 && v == CAP_SET)
			json_array_append_new(eff, json_string(spec_cap_names[c]));
	}
	return json_pack("{s:o,s:O,s:O,s:o}", "bounding", bounding, "effective", eff, "permitted",
			 eff, "inheritable", eff);
}

json_t *spec_default(bool rootless)
{
	static const char *const env[] = {
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
	    NULL};
	json_t *process =
	    json_pack("{s:b, s:{s:i, s:i}, s:[s], s:o, s:s, s:o, s:[{s:s, s:i, s:i}], s:b}",
		      "terminal", 1, "user", "uid", 0, "gid", 0, "args", "sh", "env", strings(env),
		      "cwd", "/", "capabilities", caps(), "rlimits", "type", "RLIMIT_NOFILE",
		      "hard", 1024, "soft", 1024, "noNewPrivileges", 1);
	return json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", OCI_SPEC_VERSION,
			 "process", process, "root", "path", "rootfs", "readonly", 1, "hostname",
			 "runc", "mounts", mounts(rootless), "linux", linux_object(rootless));
}

int spec_write_default(const char *bundle, bool rootless, struct error *err)
{
	_cleanup_close_ int dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return error_errno(err, "spec: bundle %s", bundle);
	if (faccessat(dfd, "config.json", F_OK, 0) == 0)
		return error_set(err, EEXIST, "spec: %s/config.json exists: remove it first",
				 bundle);
	json_t *j = spec_default(rootless);
	char *s = j ? json_dumps(j, JSON_INDENT(8)) : NULL;
	json_decref(j);
	if (s == NULL)
		return error_set(err, ENOMEM, "spec");
	_cleanup_close_ int fd =
	    openat(dfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	int r = 0;
	if (fd < 0 || write_all(fd, s, strlen(s)) < 0)
		r = error_errno(err, "spec: write %s/config.json", bundle);
	free(s);
	return r;
}
