/* The child side of the launch: what init needs, prepared by the parent before clone, and the
 * ordered steps it runs (runtime/init.c). */
#pragma once
#include <stdbool.h>

#include "cgroups/cgroup.h"
#include "namespaces/namespaces.h"
#include "namespaces/rootfs.h"
#include "runtime/spec.h"

struct seccomp_program;

struct launch {
	const struct spec *spec;
	const struct spec_process *process; /* spec->process, or exec's own */
	struct rootfs_config rootfs;
	int sync_fd; /* init's end of the socket pair */
	int fifo_fd; /* O_PATH of exec.fifo (create), or -1: wait for MSG_START instead */
	/* The host's /proc/self/fd, kept from before the chroot of a container without a mount
	 * namespace (its root has no /proc) to reopen the fifo; else -1. */
	int self_fds;
	/* exec into a container without a mount namespace: init's root, to chroot into; else -1. */
	int root_fd;
	/* The exec stub's sealed memfd: the last execve goes through it (runtime/self_exe.c); or
	 * -1 when berth itself runs from a protected copy. */
	int exec_stub_fd;
	int ns_fds[NS_COUNT];
	struct cgroup_enter cg_enter;
	bool cloned_into_cgroup;
	bool new_userns; /* created a user namespace: wait for the parent's maps */
	bool exec;	 /* berth exec: join only, no rootfs work */
	struct seccomp_program *seccomp;
	int preserve_fds; /* fds 3 .. 3+N-1 reach the process */
	bool no_new_keyring;
	bool die_with_parent;	 /* keep PR_SET_PDEATHSIG through execve (berth box) */
	char **extra_env;	 /* LISTEN_FDS and friends */
	const char *id, *bundle; /* for the state hooks run by init receive */
	pid_t host_pid;		 /* init's pid as the host sees it (sent before createContainer) */
};

/* Never returns: execs the process or exits non-zero after reporting the error. */
__attribute__((noreturn)) void init_main(struct launch *l);
/* The same for a process exec'd into a running container (l->exec). */
__attribute__((noreturn)) void exec_main(struct launch *l);
