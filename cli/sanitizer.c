/* Test builds only (configure --enable-sanitizers). gcc links libasan and libubsan as two
 * libraries, and libubsan's own report-path setter binds to libasan's copy, so UBSan ignores
 * log_path and prints to stderr alone: a report from a test that does not look at stderr would
 * pass unseen. libubsan calls this hook for every report; it writes a one-line summary through
 * libasan into the sanitizer log (UBSAN_OPTIONS' log_path, ubsan.PID), where tests/run-all
 * finds it. Linked into the binary itself, not libberth.a, so that nothing has to pull it in. */
#ifdef BERTH_SANITIZERS
#include <stdio.h>

void __ubsan_on_report(void);
void __ubsan_get_current_report_data(const char **kind, const char **message, const char **file,
				     unsigned *line, unsigned *col, char **addr);
void __sanitizer_report_error_summary(const char *summary);

void __ubsan_on_report(void)
{
	const char *kind = "?", *message = "?", *file = "?";
	unsigned line = 0, col = 0;
	char *addr = NULL;
	__ubsan_get_current_report_data(&kind, &message, &file, &line, &col, &addr);
	char buf[1024];
	snprintf(buf, sizeof buf, "UndefinedBehaviorSanitizer: %s %s:%u:%u: %s", kind, file, line,
		 col, message);
	__sanitizer_report_error_summary(buf);
}
#endif
