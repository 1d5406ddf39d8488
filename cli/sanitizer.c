/* Test builds only (configure --enable-sanitizers). gcc links libasan and libubsan as two
 * libraries, and libubsan's own report-path setter binds to libasan's copy, so UBSan ignores
 * log_path and prints to stderr alone: a report from a test that does not look at stderr would
 * pass unseen. libubsan calls this hook for every report; it writes a one-line summary through
 * libasan into the sanitizer log (UBSAN_OPTIONS' log_path, ubsan.PID), where tests/run-all
 * finds it. Linked into the binary itself, not libberth.a, so that nothing has to pull it in. */
#ifdef BERTH_SANITIZERS
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

void __sanitizer_set_death_callback(void (*callback)(void));

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

/* A seccomp filter that denies exit_group (a corpus config denies everything) leaves a process
 * unable to exit: glibc's _exit then faults and the kernel ends it, but ASan's Die() finds its exit
 * refused, is entered again and spins in sched_yield for ever, and create waits on that init for
 * ever (seen in CI). Exit as ASan would (its exitcode, 86 in tests/run-all); where the filter
 * refuses that, trap: a fault the kernel ends. */
static void die_or_trap(void)
{
	syscall(SYS_exit_group, 86);
	__builtin_trap();
}

__attribute__((constructor)) static void set_death_callback(void)
{
	__sanitizer_set_death_callback(die_or_trap);
}
#endif
