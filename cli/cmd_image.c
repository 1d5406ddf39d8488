/* berth image SUBCOMMAND (import, export, ls, inspect, rm, prune, fsck), and the short forms
 * `berth images` and `berth rmi`, as podman names them. The work is box/images.c's. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box/images.h"
#include "cli/cli.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/jsonutil.h"

static int unknown_opt(const char *cmd, char **argv, struct error *err)
{
	return error_set(err, EINVAL, "%s: unknown option \"%s\" (see berth %s --help)", cmd,
			 argv[optind - 1], cmd);
}

static int image_import_main(const struct globals *g, int argc, char **argv, struct error *err)
{
	enum { OPT_PLATFORM = 256, OPT_MAX };
	static const struct option opts[] = {
	    {"platform", required_argument, NULL, OPT_PLATFORM},
	    {"max-layer-size", required_argument, NULL, OPT_MAX},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct box_import_opts o = {0};
	bool quiet = false;
	long long v;
	int c;
	while ((c = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PLATFORM:
			o.platform = optarg;
			break;
		case OPT_MAX:
			if (parse_size_arg(optarg, "--max-layer-size", &v, err) < 0 || v <= 0)
				return error_set(err, EINVAL,
						 "image import: --max-layer-size %s: expected a "
						 "positive size (e.g. 512M, 2G)",
						 optarg);
			o.max_layer_size = v;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			help_exit("image import");
		default:
			return unknown_opt("image import", argv, err);
		}
	}
	int left = argc - optind;
	if (left < 1 || left > 2)
		return expect_args(argc, argv, left < 1 ? 1 : 2,
				   "image import [options] PATH [NAME]", err);
	o.name = left == 2 ? argv[optind + 1] : NULL;
	_cleanup_json_ json_t *imgs = box_image_import(&g->ctx, argv[optind], &o, err);
	if (imgs == NULL)
		return error_prefix(err, "image import");
	size_t i;
	json_t *im;
	json_array_foreach(imgs, i, im)
	{
		const char *name = json_string_value(json_object_get(im, "name"));
		const char *digest = json_string_value(json_object_get(im, "digest"));
		if (quiet)
			printf("%s\n", digest);
		else
			printf("Loaded image: %s (%s)\n", name, digest);
	}
	return 0;
}

static int image_export_main(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	int c;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			help_exit("image export");
		return unknown_opt("image export", argv, err);
	}
	if (expect_args(argc, argv, 2, "image export NAME FILE", err) < 0)
		return -1;
	if (box_image_export(&g->ctx, argv[optind], argv[optind + 1], err) < 0)
		return error_prefix(err, "image export");
	return 0;
}

/* podman's sizes: three significant digits, decimal units. */
static void human_size(json_int_t n, char *out, size_t size)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
	double v = (double)n;
	size_t u = 0;
	while (v >= 1000 && u + 1 < ARRAY_SIZE(units))
		v /= 1000, u++;
	snprintf(out, size, "%.3g %s", v, units[u]);
}

static const char *short_digest(const char *digest)
{
	static char buf[13];
	snprintf(buf, sizeof buf, "%s", digest ? digest + 7 : "");
	return buf;
}

static int print_table(json_t *rows)
{
	int wn = 4, wt = 3;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
	{
		int n = (int)strlen(json_string_value(json_object_get(r, "name")));
		int t = (int)strlen(json_string_value(json_object_get(r, "tag")));
		wn = n > wn ? n : wn;
		wt = t > wt ? t : wt;
	}
	printf("%-*s  %-*s  %-12s  %-9s  %s\n", wn, "NAME", wt, "TAG", "DIGEST", "SIZE", "CREATED");
	json_array_foreach(rows, i, r)
	{
		char size[32] = "-";
		json_t *sz = json_object_get(r, "size");
		if (json_is_integer(sz))
			human_size(json_integer_value(sz), size, sizeof size);
		const char *created = json_string_value(json_object_get(r, "created"));
		printf("%-*s  %-*s  %-12s  %-9s  %s\n", wn,
		       json_string_value(json_object_get(r, "name")), wt,
		       json_string_value(json_object_get(r, "tag")),
		       short_digest(json_string_value(json_object_get(r, "digest"))), size,
		       created ? created : "-");
	}
	return 0;
}

static int image_ls_main(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	bool json = false, quiet = false;
	int c;
	while ((c = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0)
				return error_set(err, EINVAL,
						 "%s: --format: expected table or json, got \"%s\"",
						 argv[0], optarg);
			json = strcmp(optarg, "json") == 0;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			help_exit(strcmp(argv[0], "images") == 0 ? "images" : "image ls");
		default:
			return unknown_opt(argv[0], argv, err);
		}
	}
	if (expect_args(argc, argv, 0, "images [options]", err) < 0)
		return -1;
	_cleanup_json_ json_t *rows = box_image_list(&g->ctx, err);
	if (rows == NULL)
		return -1;
	if (json) {
		print_json(rows, true);
		return 0;
	}
	if (!quiet)
		return print_table(rows);
	/* One line per image, however many names it has. */
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
	{
		const char *d = json_string_value(json_object_get(r, "digest"));
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(d, json_string_value(json_object_get(json_array_get(rows, k),
									   "digest"))) == 0;
		if (!seen)
			printf("%s\n", short_digest(d));
	}
	return 0;
}

static int image_inspect_main(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	int c;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			help_exit("image inspect");
		return unknown_opt("image inspect", argv, err);
	}
	if (optind >= argc)
		return expect_args(argc, argv, 1, "image inspect NAME...", err);
	_cleanup_json_ json_t *all = json_array();
	for (int i = optind; i < argc; i++) {
		json_t *one = box_image_inspect(&g->ctx, argv[i], err);
		if (one == NULL)
			return error_prefix(err, "image inspect");
		json_array_append_new(all, one);
	}
	print_json(all, true);
	return 0;
}

static int image_rm_main(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	bool force = false;
	int c;
	while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'h':
			help_exit(strcmp(argv[0], "rmi") == 0 ? "rmi" : "image rm");
		default:
			return unknown_opt(argv[0], argv, err);
		}
	}
	if (optind >= argc)
		return expect_args(argc, argv, 1, "rmi [options] NAME...", err);
	int rc = 0;
	for (int i = optind; i < argc; i++) {
		_cleanup_json_ json_t *res = box_image_remove(&g->ctx, argv[i], force, err);
		if (res == NULL) {
			/* The others are still removed, as podman does; the exit says one failed.
			 */
			fprintf(stderr, "berth: %s: %s\n", argv[0], err->msg);
			rc = 1;
			continue;
		}
		size_t k;
		json_t *v;
		json_array_foreach(json_object_get(res, "untagged"), k, v)
		    printf("Untagged: %s\n", json_string_value(v));
		json_array_foreach(json_object_get(res, "deleted"), k, v)
		    printf("Deleted: %s\n", json_string_value(v));
	}
	return rc;
}

static int image_prune_main(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
		if (c == 'h')
			help_exit("image prune");
		if (c != 'f') /* podman's prompt skip: berth never prompts */
			return unknown_opt("image prune", argv, err);
	}
	if (expect_args(argc, argv, 0, "image prune", err) < 0)
		return -1;
	_cleanup_json_ json_t *res = box_image_prune(&g->ctx, err);
	if (res == NULL)
		return error_prefix(err, "image prune");
	size_t k;
	json_t *v;
	json_array_foreach(json_object_get(res, "deleted"), k, v)
	    printf("Deleted: %s\n", json_string_value(v));
	char size[32];
	human_size(json_integer_value(json_object_get(res, "bytes")), size, sizeof size);
	printf("Total reclaimed space: %s\n", size);
	return 0;
}

static int image_fsck_main(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {
	    {"repair", no_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	bool repair = false;
	int c;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			help_exit("image fsck");
		if (c != 'r')
			return unknown_opt("image fsck", argv, err);
		repair = true;
	}
	if (expect_args(argc, argv, 0, "image fsck [--repair]", err) < 0)
		return -1;
	_cleanup_json_ json_t *res = box_image_fsck(&g->ctx, repair, err);
	if (res == NULL)
		return error_prefix(err, "image fsck");
	json_t *problems = json_object_get(res, "problems");
	size_t k;
	json_t *v;
	json_array_foreach(problems, k, v) printf("%s\n", json_string_value(v));
	if (json_array_size(problems) > 0)
		return error_set(err, EIO, "image fsck: %zu problem%s in %s",
				 json_array_size(problems),
				 json_array_size(problems) == 1 ? "" : "s", g->ctx.store);
	printf("ok\n");
	return 0;
}

static const struct {
	const char *name;
	command_fn fn;
} subcommands[] = {
    {"import", image_import_main}, {"export", image_export_main},   {"ls", image_ls_main},
    {"list", image_ls_main},	   {"inspect", image_inspect_main}, {"rm", image_rm_main},
    {"prune", image_prune_main},   {"fsck", image_fsck_main},	    {"bundle", image_bundle_main},
    {"mount", image_mount_main},   {"umount", image_umount_main},
};

int cmd_image(const struct globals *g, int argc, char **argv, struct error *err)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		help_exit("image");
	if (argc < 2)
		return error_set(err, EINVAL,
				 "image: missing subcommand (usage: berth image SUBCOMMAND; see "
				 "berth image --help)");
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].fn(g, argc - 1, argv + 1, err);
	return error_set(err, EINVAL, "image: unknown subcommand \"%s\" (see berth image --help)",
			 argv[1]);
}

int cmd_images(const struct globals *g, int argc, char **argv, struct error *err)
{
	return image_ls_main(g, argc, argv, err);
}

int cmd_rmi(const struct globals *g, int argc, char **argv, struct error *err)
{
	return image_rm_main(g, argc, argv, err);
}
