/* Signal names as runc accepts them: a number, or a name in any case with or without SIG. */
#pragma once

/* Returns the signal number, or -1 when s names no signal. */
int signal_parse(const char *s);
/* "SIGTERM" for 15; "SIGRTMIN+3" for real-time ones; NULL when unknown. */
const char *signal_name(int sig);
