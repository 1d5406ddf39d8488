/* The launch protocol: the parent (create/run/exec) and init talk over one SOCK_SEQPACKET pair
 * with small fixed messages. Every failure in init comes back as MSG_ERROR with errno and the
 * step, and the parent prints it. */
#pragma once
#include <stdint.h>

enum launch_msg_type {
	MSG_ERROR = 1,	  /* init -> parent: text, err */
	MSG_USERNS_READY, /* parent -> init: uid/gid maps are written */
	MSG_HOOKS,	  /* init -> parent: namespaces exist; run prestart/createRuntime */
	MSG_HOOKS_DONE,	  /* parent -> init */
	MSG_PTY,	  /* init -> parent: the pty master, as SCM_RIGHTS */
	MSG_READY,	  /* init -> parent: everything is set, init waits for start */
	MSG_START,	  /* parent -> init (run, exec): go, without the exec fifo */
	MSG_SECCOMP,	  /* init -> parent: the seccomp listener fd, as SCM_RIGHTS */
	MSG_SECCOMP_DONE, /* parent -> init: the listenerPath agent has it */
	MSG_MOUNT_SOURCE, /* parent -> init: err is a rootfs source slot, its fd as SCM_RIGHTS */
};

/* The step of a MSG_ERROR whose cause is the process's executable: missing (ENOENT) or not one
 * that can be run (EACCES, ENOEXEC, ...). Its text starts with it: `exec: "CMD": ...`. */
#define LAUNCH_STEP_EXEC "exec"

struct launch_msg {
	uint32_t type;
	int32_t err;
	char text[2040];
};

struct error;

int launch_send(int fd, uint32_t type, int err, const char *text);
/* With an fd to pass (MSG_PTY, MSG_SECCOMP); arg goes in the err field (MSG_MOUNT_SOURCE). */
int launch_send_fd(int fd, uint32_t type, int passfd);
int launch_send_fd_arg(int fd, uint32_t type, int arg, int passfd);
/* Returns 0, or -1 with errno (0 for EOF: the peer died). *passfd receives an fd if one came. */
int launch_recv(int fd, struct launch_msg *m, int *passfd);
