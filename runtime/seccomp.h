/* linux.seccomp through libseccomp. The filter is built and checked in the parent (so a bad
 * profile fails create cleanly) and loaded by init as its last step before execve. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runtime/spec.h"

struct error;
struct seccomp_program;

int seccomp_prepare(const struct spec_seccomp *s, struct seccomp_program **out, struct error *err);
/* Loads the filter into the calling process. With SCMP_ACT_NOTIFY rules *listener_fd receives the
 * notification fd (else -1).
 * Order (as runc and crun): without process.noNewPrivileges the kernel accepts a filter only from
 * a task holding CAP_SYS_ADMIN, so load it BEFORE process_drop_privileges; with noNewPrivileges,
 * load it last, just before execve, so the fewest syscalls run under it. Loading late without
 * nnp fails with EACCES and a message saying so. The program is plain BPF built by
 * seccomp_prepare (libseccomp is not called after fork); syscalls numbered above the highest one
 * the profile names return ENOSYS unless the default action allows, logs or traces (runc). */
int seccomp_load_program(struct seccomp_program *p, int *listener_fd, struct error *err);
void seccomp_program_free(struct seccomp_program *p);
/* Whether loading p yields a listener fd (the profile uses SCMP_ACT_NOTIFY). */
bool seccomp_program_has_listener(const struct seccomp_program *p);
/* The parent's half of SCMP_ACT_NOTIFY (runtime-spec "Container Process State"): connects to
 * s->listenerPath and sends, in one message, the process state JSON (ociVersion, fds
 * ["seccompFd"], pid, metadata, state) with listener_fd attached (SCM_RIGHTS). pid is the
 * process that loaded the filter; state is the container's OCI state object. */
int seccomp_send_listener(const struct spec_seccomp *s, int listener_fd, pid_t pid, json_t *state,
			  struct error *err);
