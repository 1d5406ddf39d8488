#include "lib/log.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/fs.h"

static int log_fd = -1;
static bool log_json;
static bool log_debug_on;

int log_init(const char *path, bool json, bool debug)
{
	log_json = json;
	log_debug_on = debug;
	if (path == NULL || *path == '\0')
		return 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	log_fd = fd;
	return 0;
}

bool log_to_file(void)
{
	return log_fd >= 0;
}

static const char *level_names[] = {"error", "warning", "info", "debug"};

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level == LOG_DEBUG && !log_debug_on)
		return;
	if (level > LOG_WARN && log_fd < 0 && !log_debug_on)
		return;
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char when[64];
	snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);

	int fd = log_fd >= 0 ? log_fd : STDERR_FILENO;
	if (log_fd < 0 && !log_json) {
		/* On a terminal, a plain line in the same voice as errors. */
		dprintf(fd, "berth: %s%s\n", level == LOG_WARN ? "warning: " : "", msg);
		return;
	}
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
	char line[2300];
	int n = snprintf(line, sizeof line, "time=\"%s\" level=%s msg=\"%s\"\n", when,
			 level_names[level], msg);
	if (n > 0)
		write_all(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}
