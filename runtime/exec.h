/* berth exec: run another process in a running container. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct error;
struct runtime_ctx;

struct exec_opts {
	const char *id;
	const char *process_path;	 /* --process FILE: the whole process object */
	char **args;			 /* the command, when no --process */
	char **env;			 /* --env additions */
	char **caps;			 /* --cap additions */
	const char *user;		 /* UID[:GID] */
	const uint32_t *additional_gids; /* --additional-gids, appended to the process's */
	size_t n_additional_gids;
	const char *cwd;
	const char *console_socket;
	const char *pid_file;
	const char *cgroup_sub; /* --cgroup: a sub-cgroup of the container's */
	const char *apparmor,
	    *process_label; /* --apparmor, --process-label: instead of the config's */
	int preserve_fds;
	bool tty, detach, no_new_privs, ignore_paused;
};

/* Foreground: *exit_code is the process's status (128+N for a signal). Detached: returns once
 * the process has exec'd. */
int container_exec(const struct runtime_ctx *ctx, const struct exec_opts *o, int *exit_code,
		   struct error *err);
