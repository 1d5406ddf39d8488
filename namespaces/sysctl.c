#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "lib/error.h"
#include "lib/fs.h"
#include "namespaces/rootfs.h"

/* The IPC-namespaced keys, as runc lists them. */
static const char *const ipc_keys[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

/* sysctl(8) accepts both "a.b.c" and "a/b/c"; the file is /proc/sys/a/b/c either way. */
static int key_to_path(const char *key, char *out, size_t size)
{
	int n = snprintf(out, size, "/proc/sys/%s", key);
	if (n < 0 || (size_t)n >= size)
		return -1;
	for (char *p = out + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	return 0;
}

static void normalize(const char *key, char *out, size_t size)
{
	snprintf(out, size, "%s", key);
	for (char *p = out; *p; p++)
		if (*p == '/')
			*p = '.';
}

static int validate_one(const char *key, bool own_netns, bool own_ipcns, bool own_utsns,
			struct error *err)
{
	char k[256];
	if (key[0] == '\0' || key[0] == '.' || key[0] == '/' || strstr(key, "..") ||
	    strstr(key, "//") || strlen(key) >= sizeof k)
		return error_set(err, EINVAL, "linux.sysctl: %s: not a valid sysctl name", key);
	normalize(key, k, sizeof k);

	bool ipc = strncmp(k, "fs.mqueue.", 10) == 0;
	for (size_t i = 0; !ipc && i < sizeof ipc_keys / sizeof ipc_keys[0]; i++)
		ipc = strcmp(k, ipc_keys[i]) == 0;
	if (ipc) {
		if (own_ipcns)
			return 0;
		return error_set(
		    err, EPERM, "linux.sysctl: %s is not allowed in the host's ipc namespace", key);
	}
	if (strncmp(k, "net.", 4) == 0) {
		if (own_netns)
			return 0;
		return error_set(err, EPERM,
				 "linux.sysctl: %s is not allowed in the host's network namespace",
				 key);
	}
	if (own_utsns) {
		if (strcmp(k, "kernel.domainname") == 0)
			return 0;
		if (strcmp(k, "kernel.hostname") == 0)
			return error_set(err, EINVAL,
					 "linux.sysctl: %s is not allowed: it conflicts with the "
					 "\"hostname\" field",
					 key);
	}
	return error_set(err, EPERM, "linux.sysctl: %s is not in a separate kernel namespace", key);
}

int sysctl_validate(char *const *keys, bool own_netns, bool own_ipcns, bool own_utsns,
		    struct error *err)
{
	for (size_t i = 0; keys && keys[i]; i++)
		if (validate_one(keys[i], own_netns, own_ipcns, own_utsns, err) < 0)
			return -1;
	return 0;
}

int sysctl_apply(char *const *keys, char *const *values, bool own_netns, bool own_ipcns,
		 bool own_utsns, struct error *err)
{
	for (size_t i = 0; keys && keys[i]; i++) {
		if (validate_one(keys[i], own_netns, own_ipcns, own_utsns, err) < 0)
			return -1;
		char path[512];
		if (key_to_path(keys[i], path, sizeof path) < 0)
			return error_set(err, ENAMETOOLONG, "linux.sysctl: %s", keys[i]);
		const char *v = values && values[i] ? values[i] : "";
		if (write_file_at(AT_FDCWD, path, v, strlen(v), err) < 0)
			return error_prefix(err, "linux.sysctl: %s", keys[i]);
	}
	return 0;
}
