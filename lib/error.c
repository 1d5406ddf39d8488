#include "lib/error.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int error_vset(struct error *e, int errnum, bool suffix, const char *fmt, va_list ap)
{
	if (e == NULL)
		return -1;
	int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	if (suffix && errnum != 0 && n >= 0 && (size_t)n < sizeof e->msg)
		snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(errnum));
	e->err = errnum;
	return -1;
}

int error_set(struct error *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(e, errnum, false, fmt, ap);
	va_end(ap);
	return -1;
}

int error_errnum(struct error *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(e, errnum, true, fmt, ap);
	va_end(ap);
	return -1;
}

int error_errno(struct error *e, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	error_vset(e, saved, true, fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

int error_prefix(struct error *e, const char *fmt, ...)
{
	if (e == NULL)
		return -1;
	char ctx[512], old[sizeof e->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof ctx, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	snprintf(e->msg, sizeof e->msg, "%s: %s", ctx, old);
	return -1;
}

void error_clear(struct error *e)
{
	if (e) {
		e->err = 0;
		e->msg[0] = '\0';
	}
}
