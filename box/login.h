/* berth login and logout: credentials for a registry in Docker's config.json (images/auth.h). */
#pragma once
#include <stdbool.h>

struct error;

/* Checks user's password against registry, then saves both in Docker's config.json. The
 * password is read from stdin (password_stdin: all of it, one trailing newline dropped), or
 * asked for on the terminal. */
int box_login(const char *registry, const char *user, bool password_stdin, bool no_tls_verify,
	      struct error *err);
int box_logout(const char *registry, struct error *err);
