/* state, list, ps, spec, features. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/jsonutil.h"
#include "runtime/spec.h"

int cmd_state(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	int c = getopt_long(argc, argv, "h", opts, NULL);
	if (c == 'h')
		help_exit(argv[0]);
	if (c != -1)
		return error_set(err, EINVAL, "state: unknown option \"%s\"", argv[optind - 1]);
	if (expect_args(argc, argv, 1, "state ID", err) < 0)
		return -1;
	_cleanup_json_ json_t *j = NULL;
	if (container_state_json(&g->ctx, argv[optind], &j, err) < 0)
		return -1;
	print_json(j, true);
	return 0;
}

int cmd_list(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
					     {"format", required_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	bool quiet = false, json = false;
	int c;
	while ((c = getopt_long(argc, argv, "qf:h", opts, NULL)) != -1) {
		if (c == 'h')
			help_exit(argv[0]);
		if (c == 'q')
			quiet = true;
		else if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
			json = strcmp(optarg, "json") == 0;
		else
			return error_set(err, EINVAL, "list: invalid option \"%s\"",
					 argv[optind - 1]);
	}
	if (expect_args(argc, argv, 0, "list [-q] [--format table|json]", err) < 0)
		return -1;
	_cleanup_json_ json_t *arr = NULL;
	if (container_list(&g->ctx, &arr, err) < 0)
		return -1;
	size_t i;
	json_t *it;
	if (quiet) {
		json_array_foreach(arr, i, it)
		    printf("%s\n", json_string_value(json_object_get(it, "id")));
		return 0;
	}
	if (json) {
		print_json(json_array_size(arr) ? arr : json_null(), false);
		return 0;
	}
	printf("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
	       "OWNER");
	json_array_foreach(arr, i, it)
	{
		printf("%-12s %-8lld %-10s %-40s %-30s %s\n",
		       json_string_value(json_object_get(it, "id")),
		       (long long)json_integer_value(json_object_get(it, "pid")),
		       json_string_value(json_object_get(it, "status")),
		       json_string_value(json_object_get(it, "bundle")),
		       json_string_value(json_object_get(it, "created")),
		       json_string_value(json_object_get(it, "owner")));
	}
	return 0;
}

int cmd_ps(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
	bool json = false;
	int c;
	while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
		if (c == 'h')
			help_exit(argv[0]);
		if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
			json = strcmp(optarg, "json") == 0;
		else
			return error_set(err, EINVAL, "ps: invalid option \"%s\"",
					 argv[optind - 1]);
	}
	if (argc - optind < 1)
		return error_set(err, EINVAL,
				 "ps: usage: berth ps [--format table|json] ID [ps "
				 "options]");
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	if (container_pids(&g->ctx, argv[optind], &pids, &n, err) < 0)
		return -1;
	if (json) {
		_cleanup_json_ json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, json_integer(pids[i]));
		print_json(arr, false);
		return 0;
	}
	return container_ps_table(pids, n, argv + optind + 1, err);
}

int cmd_spec(const struct globals *g, int argc, char **argv, struct error *err)
{
	enum { OPT_ROOTLESS = 256 };
	static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
					     {"rootless", no_argument, NULL, OPT_ROOTLESS},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	const char *bundle = ".";
	bool rootless = false;
	int c;
	while ((c = getopt_long(argc, argv, "b:h", opts, NULL)) != -1) {
		if (c == 'h')
			help_exit(argv[0]);
		if (c == 'b')
			bundle = optarg;
		else if (c == OPT_ROOTLESS)
			rootless = true;
		else
			return error_set(err, EINVAL, "spec: unknown option \"%s\"",
					 argv[optind - 1]);
	}
	if (expect_args(argc, argv, 0, "spec [--bundle DIR] [--rootless]", err) < 0)
		return -1;
	return spec_write_default(bundle, rootless, err);
}

int cmd_features(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	int c = getopt_long(argc, argv, "h", opts, NULL);
	if (c == 'h')
		help_exit(argv[0]);
	if (c != -1)
		return error_set(err, EINVAL, "features: unknown option \"%s\"", argv[optind - 1]);
	if (expect_args(argc, argv, 0, "features", err) < 0)
		return -1;
	_cleanup_json_ json_t *j = spec_features();
	print_json(j, true);
	return 0;
}
