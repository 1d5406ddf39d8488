#include <signal.h>

#include "lib/signals.h"
#include "tests/unit/tap.h"

int main(void)
{
	ok(signal_parse("9") == SIGKILL, "a number");
	ok(signal_parse("KILL") == SIGKILL, "a bare name");
	ok(signal_parse("SIGKILL") == SIGKILL, "a SIG name");
	ok(signal_parse("sigterm") == SIGTERM, "lower case with sig");
	ok(signal_parse("term") == SIGTERM, "lower case bare");
	ok(signal_parse("SiGhUp") == SIGHUP, "mixed case");
	ok(signal_parse("USR1") == SIGUSR1, "USR1");
	ok(signal_parse("SIGWINCH") == SIGWINCH, "WINCH");
	ok(signal_parse("IOT") == SIGABRT, "an alias");
	ok(signal_parse("RTMIN") == SIGRTMIN, "RTMIN");
	ok(signal_parse("RTMIN+3") == SIGRTMIN + 3, "RTMIN+3");
	ok(signal_parse("SIGRTMAX-1") == SIGRTMAX - 1, "RTMAX-1");
	ok(signal_parse("") == -1, "empty is refused");
	ok(signal_parse(NULL) == -1, "NULL is refused");
	ok(signal_parse("0") == -1, "0 is refused");
	ok(signal_parse("65") == -1, "beyond SIGRTMAX is refused");
	ok(signal_parse("-9") == -1, "negative is refused");
	ok(signal_parse("9x") == -1, "trailing junk is refused");
	ok(signal_parse("SIGFOO") == -1, "an unknown name is refused");
	ok(signal_parse("RTMIN+99") == -1, "RTMIN beyond the range is refused");
	is_str(signal_name(SIGTERM), "SIGTERM", "name of 15");
	is_str(signal_name(SIGABRT), "SIGABRT", "the first alias wins");
	is_str(signal_name(SIGRTMIN + 2), "SIGRTMIN+2", "real-time names");
	ok(signal_name(0) == NULL, "no name for 0");
	return tap_done();
}
