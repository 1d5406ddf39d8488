#include "lib/log.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/fs.h"

static int log_fd = -1;		   /* --log FILE */
static int out_fd = STDERR_FILENO; /* where lines go: the file, or stderr */
static bool log_json;
bool log_debug_on;
/* CLOCK_MONOTONIC ns at log_init and at the last debug line; init (cloned, not exec'd) inherits
 * both, so its steps time against the parent's. */
static int64_t t_start, t_last;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int log_init(const char *path, bool json, bool debug)
{
	log_json = json;
	log_debug_on = debug;
	if (debug)
		t_start = t_last = now_ns();
	if (path == NULL || *path == '\0') {
		/* Debug lines go to stderr as it is now: init later gives the container's terminal
		 * its 0-2, and its steps must not be written into it. */
		if (debug)
			out_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		if (out_fd < 0)
			out_fd = STDERR_FILENO;
		return 0;
	}
	/* O_CLOEXEC: no container process may inherit the log. */
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	log_fd = out_fd = fd;
	return 0;
}

bool log_to_file(void)
{
	return log_fd >= 0;
}

static const char *level_names[] = {"error", "warning", "info", "debug"};

/* logrus' text value: quoted, with \", \\ and control characters escaped (as Go's %q). */
static size_t quote_text(char *out, size_t cap, const char *s)
{
	size_t n = 0;
	for (; *s && n + 5 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else if (c == '\t') {
			out[n++] = '\\';
			out[n++] = 't';
		} else if (c < 0x20 || c == 0x7f) {
			n += (size_t)snprintf(out + n, cap - n, "\\x%02x", c);
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return n;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level == LOG_DEBUG && !log_debug_on)
		return;
	if (level > LOG_WARN && log_fd < 0 && !log_debug_on)
		return;
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (level == LOG_DEBUG && len >= 0 && (size_t)len < sizeof msg) {
		int64_t now = now_ns();
		snprintf(msg + len, sizeof msg - (size_t)len, " (+%.3f ms, at %.3f ms)",
			 (double)(now - t_last) / 1e6, (double)(now - t_start) / 1e6);
		t_last = now;
	}

	int fd = out_fd;
	if (log_fd < 0 && !log_json && level <= LOG_WARN) {
		/* On a terminal, errors and warnings in berth's own voice. */
		dprintf(fd, "berth: %s%s\n", level == LOG_WARN ? "warning: " : "", msg);
		return;
	}
	/* runc's (logrus') timestamp: RFC 3339 to the second, UTC. */
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	char when[32];
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (log_json) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "level", level_names[level], "msg", msg,
				      "time", when);
		char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
		if (s) {
			size_t n = strlen(s);
			s[n] = '\n';
			write_all(fd, s, n + 1);
			s[n] = '\0';
		}
		free(s);
		json_decref(o);
		return;
	}
	char quoted[sizeof msg * 2];
	quote_text(quoted, sizeof quoted, msg);
	char line[sizeof quoted + 96];
	int n = snprintf(line, sizeof line, "time=\"%s\" level=%s msg=\"%s\"\n", when,
			 level_names[level], quoted);
	if (n > 0)
		write_all(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

void log_report_error(const char *msg)
{
	if (log_fd >= 0)
		dprintf(STDERR_FILENO, "berth: %s\n", msg);
	log_msg(LOG_ERROR, "%s", msg);
}
