/* login, logout: parse, call box/login.c, print. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "box/login.h"
#include "cli/cli.h"
#include "lib/error.h"

enum { OPT_TLS_VERIFY = 256, OPT_PASSWORD_STDIN };

int cmd_login(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {
	    {"username", required_argument, NULL, 'u'},
	    {"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
	    {"tls-verify", required_argument, NULL, OPT_TLS_VERIFY},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	(void)g;
	const char *user = NULL;
	bool from_stdin = false, no_verify = false;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+u:h", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			user = optarg;
			break;
		case OPT_PASSWORD_STDIN:
			from_stdin = true;
			break;
		case OPT_TLS_VERIFY:
			if (parse_tls_verify_arg("login", optarg, &no_verify, err) < 0)
				return -1;
			break;
		case 'h':
			help_exit("login");
		default:
			return error_set(err, EINVAL, "login: unknown option \"%s\"",
					 argv[optind - 1]);
		}
	}
	if (expect_args(argc, argv, 1, "login [options] REGISTRY", err) < 0)
		return -1;
	if (box_login(argv[optind], user, from_stdin, no_verify, err) < 0)
		return -1;
	printf("Login Succeeded\n");
	return 0;
}

int cmd_logout(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	(void)g;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c != 'h')
			return error_set(err, EINVAL, "logout: unknown option \"%s\"",
					 argv[optind - 1]);
		help_exit("logout");
	}
	if (expect_args(argc, argv, 1, "logout REGISTRY", err) < 0)
		return -1;
	if (box_logout(argv[optind], err) < 0)
		return -1;
	printf("Removed login credentials for %s\n", argv[optind]);
	return 0;
}
