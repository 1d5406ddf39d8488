#include "namespaces/namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	const char *oci, *proc;
	int flag;
} ns_info[NS_COUNT] = {
    [NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [NS_NET] = {"network", "net", CLONE_NEWNET},
    [NS_MNT] = {"mount", "mnt", CLONE_NEWNS},
    [NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [NS_USER] = {"user", "user", CLONE_NEWUSER},
    [NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
    [NS_TIME] = {"time", "time", CLONE_NEWTIME},
};

int ns_type_from_name(const char *name)
{
	for (int t = 0; t < NS_COUNT; t++)
		if (strcmp(name, ns_info[t].oci) == 0)
			return t;
	return -1;
}

const char *ns_type_name(enum ns_type t)
{
	return (unsigned)t < NS_COUNT ? ns_info[t].oci : "?";
}

const char *ns_proc_name(enum ns_type t)
{
	return (unsigned)t < NS_COUNT ? ns_info[t].proc : "?";
}

int ns_clone_flag(enum ns_type t)
{
	return (unsigned)t < NS_COUNT ? ns_info[t].flag : 0;
}

unsigned long ns_clone_flags(const struct ns_config *ns)
{
	unsigned long flags = 0;
	for (int t = 0; t < NS_COUNT; t++) {
		if (!ns->listed[t] || ns->path[t] || t == NS_CGROUP || t == NS_TIME)
			continue;
		flags |= (unsigned long)ns_info[t].flag;
	}
	return flags;
}

void ns_close_fds(int fds[NS_COUNT])
{
	for (int t = 0; t < NS_COUNT; t++) {
		if (fds[t] >= 0)
			close(fds[t]);
		fds[t] = -1;
	}
}

int ns_open_paths(const struct ns_config *ns, int fds[NS_COUNT], struct error *err)
{
	for (int t = 0; t < NS_COUNT; t++)
		fds[t] = -1;
	for (int t = 0; t < NS_COUNT; t++) {
		if (!ns->listed[t] || ns->path[t] == NULL)
			continue;
		fds[t] = open(ns->path[t], O_RDONLY | O_CLOEXEC);
		if (fds[t] < 0) {
			error_errno(err, "%s namespace %s", ns_info[t].oci, ns->path[t]);
			ns_close_fds(fds);
			return -1;
		}
	}
	return 0;
}

int ns_join_fds(int fds[NS_COUNT], struct error *err)
{
	/* The user namespace first: joining it gives the capabilities that setns into the
	 * namespaces it owns needs. */
	static const enum ns_type order[NS_COUNT] = {NS_USER, NS_PID,	 NS_NET,  NS_IPC,
						     NS_UTS,  NS_CGROUP, NS_TIME, NS_MNT};
	for (int i = 0; i < NS_COUNT; i++) {
		enum ns_type t = order[i];
		if (fds[t] < 0)
			continue;
		int r = setns(fds[t], ns_info[t].flag);
		int saved = errno;
		close(fds[t]);
		fds[t] = -1;
		if (r < 0) {
			errno = saved;
			error_errno(err, "join the %s namespace", ns_info[t].oci);
			ns_close_fds(fds);
			return -1;
		}
	}
	return 0;
}

static char *format_map(const struct id_mapping *m, size_t n)
{
	size_t cap = n * 36 + 1;
	char *buf = malloc(cap);
	if (buf == NULL)
		return NULL;
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		off +=
		    (size_t)snprintf(buf + off, cap - off, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
				     m[i].container_id, m[i].host_id, m[i].size);
	return buf;
}

static int write_map(pid_t pid, const char *file, const struct id_mapping *m, size_t n,
		     struct error *err)
{
	if (n == 0)
		return 0;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	_cleanup_free_ char *data = format_map(m, n);
	if (data == NULL)
		return error_set(err, ENOMEM, "%s", path);
	/* The kernel takes a map in one write only. */
	if (write_file_at(AT_FDCWD, path, data, strlen(data), err) < 0)
		return error_prefix(err, "user namespace %s", file);
	return 0;
}

int userns_write_maps(pid_t pid, const struct id_mapping *uid, size_t n_uid,
		      const struct id_mapping *gid, size_t n_gid, bool deny_setgroups,
		      struct error *err)
{
	if (deny_setgroups) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
		if (write_file_at(AT_FDCWD, path, "deny", 4, err) < 0)
			return error_prefix(err, "user namespace setgroups");
	}
	if (write_map(pid, "uid_map", uid, n_uid, err) < 0)
		return -1;
	return write_map(pid, "gid_map", gid, n_gid, err);
}

int timens_prepare(const struct time_offsets *off, struct error *err)
{
	if (unshare(CLONE_NEWTIME) < 0)
		return error_errno(err, "create the time namespace");
	char buf[160];
	int n = 0;
	if (off->has_monotonic)
		n +=
		    snprintf(buf + n, sizeof buf - (size_t)n, "monotonic %" PRId64 " %" PRIu32 "\n",
			     off->monotonic_secs, off->monotonic_nsecs);
	if (off->has_boottime)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "boottime %" PRId64 " %" PRIu32 "\n",
			      off->boottime_secs, off->boottime_nsecs);
	if (n == 0)
		return 0;
	/* Offsets can be set only before the first process enters the namespace: that is the
	 * init cloned next, so they are written now, through our own timens_offsets. */
	if (write_file_at(AT_FDCWD, "/proc/self/timens_offsets", buf, (size_t)n, err) < 0)
		return error_prefix(err, "time namespace offsets");
	return 0;
}

int ns_open_of_pid(pid_t pid, enum ns_type t, struct error *err)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, ns_proc_name(t));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "open %s", path);
	return fd;
}
