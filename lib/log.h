/* Logging to the --log file (text or runc's JSON lines); stderr when no file is set. */
#pragma once
#include <stdbool.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* path NULL: stderr. json: {"level","msg","time"} lines as runc writes them. */
int log_init(const char *path, bool json, bool debug);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool log_to_file(void);
/* A command's failure, as runc reports it: with a log file, "berth: MSG" on stderr and an error
 * line in the file; without one, "berth: MSG" (text) or an error JSON object (json) on stderr. */
void log_report_error(const char *msg);

/* Set by log_init(--debug). log_debug tests it before anything is formatted: debug lines sit on
 * the start path, which must cost nothing when --debug is off. Each line ends with the time since
 * the previous debug line (the step's own time) and since berth started. */
extern bool log_debug_on;
#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (__builtin_expect(log_debug_on, 0))                                             \
			log_msg(LOG_DEBUG, __VA_ARGS__);                                           \
	} while (0)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
