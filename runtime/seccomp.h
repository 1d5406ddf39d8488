/* linux.seccomp through libseccomp. The filter is built and checked in the parent (so a bad
 * profile fails create cleanly) and loaded by init as its last step before execve. */
#pragma once
#include "runtime/spec.h"

struct error;
struct seccomp_program;

int seccomp_prepare(const struct spec_seccomp *s, struct seccomp_program **out, struct error *err);
/* Loads the filter into the calling process. With SCMP_ACT_NOTIFY rules *listener_fd receives the
 * notification fd (else -1). */
int seccomp_load_program(struct seccomp_program *p, int *listener_fd, struct error *err);
void seccomp_program_free(struct seccomp_program *p);
