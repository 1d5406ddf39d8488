/* `berth image bundle|mount|umount`: an image of the store as a bundle, or mounted for a look. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "box/image_bundle.h"
#include "cli/cli.h"
#include "lib/error.h"

/* Only --help: the usage is positional. */
static int no_options(int argc, char **argv, const char *name, struct error *err)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			help_exit(name);
		return error_set(err, EINVAL, "%s: unknown option \"%s\"", name, argv[optind - 1]);
	}
	return 0;
}

int image_bundle_main(const struct globals *g, int argc, char **argv, struct error *err)
{
	if (no_options(argc, argv, "image bundle", err) < 0 ||
	    expect_args(argc, argv, 2, "image bundle NAME DIR", err) < 0)
		return -1;
	return box_image_bundle(&g->ctx, argv[optind], argv[optind + 1], err);
}

int image_mount_main(const struct globals *g, int argc, char **argv, struct error *err)
{
	if (no_options(argc, argv, "image mount", err) < 0 ||
	    expect_args(argc, argv, 2, "image mount NAME DIR", err) < 0)
		return -1;
	return box_image_mount(&g->ctx, argv[optind], argv[optind + 1], err);
}

int image_umount_main(const struct globals *g, int argc, char **argv, struct error *err)
{
	if (no_options(argc, argv, "image umount", err) < 0 ||
	    expect_args(argc, argv, 1, "image umount DIR", err) < 0)
		return -1;
	return box_image_umount(&g->ctx, argv[optind], err);
}
