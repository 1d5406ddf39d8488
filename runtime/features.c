/* `berth features`: the runtime-spec features document (features.md, features-linux.md). */
#include <ctype.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/version.h"
#include "runtime/lsm.h"
#include "runtime/spec.h"
#include "runtime/spec_internal.h"

/* Every option the mount code accepts in mounts[].options (sorted, as runc prints them).
 */
static const char *const mount_options[] = {
    "acl",
    "async",
    "atime",
    "bind",
    "defaults",
    "dev",
    "diratime",
    "dirsync",
    "exec",
    "idmap",
    "iversion",
    "lazytime",
    "loud",
    "mand",
    "noacl",
    "noatime",
    "nodev",
    "nodiratime",
    "noexec",
    "noiversion",
    "nolazytime",
    "nomand",
    "norelatime",
    "nostrictatime",
    "nosuid",
    "nosymfollow",
    "private",
    "ratime",
    "rbind",
    "rdev",
    "rdiratime",
    "relatime",
    "remount",
    "rexec",
    "ridmap",
    "rnoatime",
    "rnodev",
    "rnodiratime",
    "rnoexec",
    "rnorelatime",
    "rnostrictatime",
    "rnosuid",
    "rnosymfollow",
    "ro",
    "rprivate",
    "rrelatime",
    "rro",
    "rrw",
    "rshared",
    "rslave",
    "rstrictatime",
    "rsuid",
    "rsymfollow",
    "runbindable",
    "rw",
    "shared",
    "silent",
    "slave",
    "strictatime",
    "suid",
    "symfollow",
    "sync",
    "tmpcopyup",
    "unbindable",
    NULL,
};

static const char *const hooks[] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
    NULL};

static json_t *strings(const char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; a && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* The architectures this libseccomp can build filters for. */
static json_t *seccomp_archs(void)
{
	json_t *a = json_array();
	for (size_t i = 0; a && spec_seccomp_archs[i]; i++) {
		char lower[32];
		const char *name = spec_seccomp_archs[i] + strlen("SCMP_ARCH_");
		size_t j = 0;
		for (; name[j] && j < sizeof lower - 1; j++)
			lower[j] = (char)tolower((unsigned char)name[j]);
		lower[j] = '\0';
		if (seccomp_arch_resolve_name(lower) != 0)
			json_array_append_new(a, json_string(spec_seccomp_archs[i]));
	}
	return a;
}

/* Flags libseccomp and the kernel can honour, from libseccomp's API level: 2 brings TSYNC,
 * 3 the LOG attribute, 4 SPEC_ALLOW (SSB); WAIT_KILLABLE_RECV needs libseccomp 2.6 (level 7). */
static json_t *seccomp_supported_flags(void)
{
	unsigned int api = seccomp_api_get();
	json_t *a = json_array();
	if (api >= 2)
		json_array_append_new(a, json_string("SECCOMP_FILTER_FLAG_TSYNC"));
	if (api >= 3)
		json_array_append_new(a, json_string("SECCOMP_FILTER_FLAG_LOG"));
	if (api >= 4)
		json_array_append_new(a, json_string("SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
	if (api >= 7)
		json_array_append_new(a, json_string("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
#endif
	return a;
}

static json_t *namespaces(void)
{
	/* Alphabetical, like runc. */
	static const enum ns_type order[] = {NS_CGROUP, NS_IPC,	 NS_MNT,  NS_NET,
					     NS_PID,	NS_TIME, NS_USER, NS_UTS};
	json_t *a = json_array();
	for (size_t i = 0; a && i < ARRAY_SIZE(order); i++)
		json_array_append_new(a, json_string(ns_type_name(order[i])));
	return a;
}

json_t *spec_features(void)
{
	json_t *seccomp =
	    json_pack("{s:b, s:o, s:o, s:o, s:o, s:o}", "enabled", 1, "actions",
		      strings(spec_seccomp_actions), "operators", strings(spec_seccomp_operators),
		      "archs", seccomp_archs(), "knownFlags", strings(spec_seccomp_flags),
		      "supportedFlags", seccomp_supported_flags());
	json_t *linux_features = json_pack(
	    "{s:o, s:o, s:{s:b, s:b, s:b, s:b, s:b}, s:o, s:{s:b}, s:{s:b}, s:{s:b}, "
	    "s:{s:{s:b}}}",
	    "namespaces", namespaces(), "capabilities", strings(spec_cap_names), "cgroup", "v1", 1,
	    "v2", 1, "systemd", 0, "systemdUser", 0, "rdma", 1, "seccomp", seccomp, "apparmor",
	    "enabled", lsm_apparmor_enabled(), "selinux", "enabled", lsm_selinux_enabled(),
	    "intelRdt", "enabled", 0, "mountExtensions", "idmap", "enabled", 1);
	const struct scmp_version *v = seccomp_version();
	char libseccomp[32] = "";
	if (v)
		snprintf(libseccomp, sizeof libseccomp, "%u.%u.%u", v->major, v->minor, v->micro);
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:{s:s, s:s}}", "ociVersionMin", "1.0.0",
			 "ociVersionMax", OCI_SPEC_VERSION, "hooks", strings(hooks), "mountOptions",
			 strings(mount_options), "linux", linux_features, "annotations",
			 "io.github.seccomp.libseccomp.version", libseccomp, "run.berth.version",
			 PACKAGE_VERSION);
}
