/* The error type every layer fills and only cli/ prints. */
#pragma once
#include <stdarg.h>

struct error {
	int err;	/* errno of the root cause, or 0 */
	char msg[2048]; /* "what: cause", context prepended as it rises */
};

/* Sets the message and the errno it stands for (the message must say the cause itself).
 * Always returns -1. */
int error_set(struct error *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Like error_set, and appends ": strerror(errnum)" (errnum from a syscall, saved earlier). */
int error_errnum(struct error *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same as error_set with errno. Returns -1. */
int error_errno(struct error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prepends "context: " to the message. Returns -1. */
int error_prefix(struct error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void error_clear(struct error *e);
