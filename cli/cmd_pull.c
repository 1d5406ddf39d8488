/* pull: parse, call box/pull.c, print the digest. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "box/pull.h"
#include "cli/cli.h"
#include "lib/error.h"

enum { OPT_PLATFORM = 256, OPT_TLS_VERIFY, OPT_MAX };

int cmd_pull(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {
	    {"platform", required_argument, NULL, OPT_PLATFORM},
	    {"tls-verify", required_argument, NULL, OPT_TLS_VERIFY},
	    {"max-layer-size", required_argument, NULL, OPT_MAX},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct box_pull_opts o = {0};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PLATFORM:
			o.platform = optarg;
			break;
		case OPT_TLS_VERIFY:
			if (parse_tls_verify_arg("pull", optarg, &o.no_tls_verify, err) < 0)
				return -1;
			break;
		case OPT_MAX:
			if (parse_size_arg(optarg, "--max-layer-size", &o.max_layer_size, err) <
				0 ||
			    o.max_layer_size <= 0)
				return error_set(
				    err, EINVAL,
				    "pull: --max-layer-size %s: expected a positive size "
				    "(e.g. 512M, 2G)",
				    optarg);
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			help_exit("pull");
		default:
			return error_set(err, EINVAL, "pull: unknown option \"%s\"",
					 argv[optind - 1]);
		}
	}
	if (expect_args(argc, argv, 1, "pull [options] IMAGE", err) < 0)
		return -1;
	char digest[DIGEST_SIZE];
	if (box_pull(&g->ctx, argv[optind], &o, digest, err) < 0)
		return -1;
	printf("%s\n", digest);
	return 0;
}
