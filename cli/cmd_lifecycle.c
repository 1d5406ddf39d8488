/* create, run, start, kill, delete. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/error.h"
#include "lib/signals.h"

enum {
	OPT_CONSOLE = 256,
	OPT_PIDFILE,
	OPT_NOPIVOT,
	OPT_NOKEYRING,
	OPT_PRESERVE,
	OPT_KEEP,
	OPT_CONFIG,
	OPT_NOSUBREAPER
};

static const struct option create_opts_table[] = {
    {"bundle", required_argument, NULL, 'b'},
    {"console-socket", required_argument, NULL, OPT_CONSOLE},
    {"pid-file", required_argument, NULL, OPT_PIDFILE},
    {"no-pivot", no_argument, NULL, OPT_NOPIVOT},
    {"no-new-keyring", no_argument, NULL, OPT_NOKEYRING},
    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
    {"detach", no_argument, NULL, 'd'},
    {"keep", no_argument, NULL, OPT_KEEP},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"no-subreaper", no_argument, NULL, OPT_NOSUBREAPER},
    {"help", no_argument, NULL, 'h'},
    {0},
};

/* create and run share every option; run adds --detach, --keep, runc's --no-subreaper and
 * crun's --config. */
static int parse_create(const struct globals *g, int argc, char **argv, bool run,
			struct create_opts *o, struct error *err)
{
	memset(o, 0, sizeof *o);
	o->root = g->root;
	o->manager = g->manager;
	int c;
	long long v;
	while ((c = getopt_long(argc, argv, run ? "b:dh" : "b:h", create_opts_table, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->bundle = optarg;
			break;
		case OPT_CONSOLE:
			o->console_socket = optarg;
			break;
		case OPT_PIDFILE:
			o->pid_file = optarg;
			break;
		case OPT_NOPIVOT:
			o->no_pivot = true;
			break;
		case OPT_NOKEYRING:
			o->no_new_keyring = true;
			break;
		case OPT_PRESERVE:
			if (parse_int_arg(optarg, "--preserve-fds", 0, 1 << 20, &v, err) < 0)
				return -1;
			o->preserve_fds = (int)v;
			break;
		case 'h':
			help_exit(argv[0]);
		case 'd':
		case OPT_KEEP:
		case OPT_CONFIG:
		case OPT_NOSUBREAPER:
			if (!run)
				return error_set(err, EINVAL, "create: unknown option \"%s\"",
						 argv[optind - 1]);
			if (c == 'd')
				o->detach = true;
			else if (c == OPT_KEEP)
				o->keep = true;
			else if (c == OPT_CONFIG)
				o->config_path = optarg;
			/* runc's --no-subreaper: berth's run never makes itself a subreaper. */
			break;
		default:
			return error_set(err, EINVAL, "%s: unknown option \"%s\"", argv[0],
					 argv[optind - 1]);
		}
	}
	if (expect_args(argc, argv, 1, run ? "run [options] ID" : "create [options] ID", err) < 0)
		return -1;
	o->id = argv[optind];
	return 0;
}

int cmd_create(const struct globals *g, int argc, char **argv, struct error *err)
{
	struct create_opts o;
	if (parse_create(g, argc, argv, false, &o, err) < 0)
		return -1;
	return container_create(&o, err);
}

int cmd_run(const struct globals *g, int argc, char **argv, struct error *err)
{
	struct create_opts o;
	if (parse_create(g, argc, argv, true, &o, err) < 0)
		return -1;
	int code;
	struct run_oom oom;
	if (container_run(&o, &code, &oom, err) < 0)
		return -1;
	if (oom.kills > 0) {
		/* As Docker's OOMKilled: init's death, or any other process the killer took. */
		char who[64], why[64] = "";
		if (oom.init)
			snprintf(who, sizeof who, "OOM-killed");
		else
			snprintf(who, sizeof who, "%llu process%s OOM-killed in the container",
				 (unsigned long long)oom.kills, oom.kills == 1 ? "" : "es");
		int64_t limit = oom.mem_limit;
		if (limit > 0 && limit % (1024 * 1024) == 0)
			snprintf(why, sizeof why, ": memory limit %lldM reached",
				 (long long)(limit / (1024 * 1024)));
		else if (limit > 0)
			snprintf(why, sizeof why, ": memory limit %lld bytes reached",
				 (long long)limit);
		fprintf(stderr, "berth: %s%s\n", who, why);
	}
	return code;
}

static int simple_id_command(int argc, char **argv, const char *usage, const char **id,
			     struct error *err)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	int c = getopt_long(argc, argv, "h", opts, NULL);
	if (c == 'h')
		help_exit(argv[0]);
	if (c != -1)
		return error_set(err, EINVAL, "%s: unknown option \"%s\"", argv[0],
				 argv[optind - 1]);
	if (expect_args(argc, argv, 1, usage, err) < 0)
		return -1;
	*id = argv[optind];
	return 0;
}

int cmd_start(const struct globals *g, int argc, char **argv, struct error *err)
{
	const char *id;
	if (simple_id_command(argc, argv, "start ID", &id, err) < 0)
		return -1;
	return container_start(g->root, id, err);
}

int cmd_kill(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'}, {0}};
	bool all = false;
	int c;
	while ((c = getopt_long(argc, argv, "ah", opts, NULL)) != -1) {
		if (c == 'h')
			help_exit(argv[0]);
		if (c != 'a')
			return error_set(err, EINVAL, "kill: unknown option \"%s\"",
					 argv[optind - 1]);
		all = true;
	}
	int left = argc - optind;
	if (left < 1 || left > 2)
		return error_set(err, EINVAL, "kill: usage: berth kill [--all] ID [SIGNAL]");
	int sig = 15;
	if (left == 2) {
		sig = signal_parse(argv[optind + 1]);
		if (sig < 0)
			return error_set(err, EINVAL, "kill: unknown signal \"%s\"",
					 argv[optind + 1]);
	}
	return container_kill(g->root, argv[optind], sig, all, err);
}

int cmd_delete(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {
	    {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
	bool force = false;
	int c;
	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		if (c == 'h')
			help_exit(argv[0]);
		if (c != 'f')
			return error_set(err, EINVAL, "delete: unknown option \"%s\"",
					 argv[optind - 1]);
		force = true;
	}
	if (expect_args(argc, argv, 1, "delete [--force] ID", err) < 0)
		return -1;
	return container_delete(g->root, argv[optind], force, err);
}

int cmd_pause(const struct globals *g, int argc, char **argv, struct error *err)
{
	const char *id;
	if (simple_id_command(argc, argv, "pause ID", &id, err) < 0)
		return -1;
	return container_pause(g->root, id, true, err);
}

int cmd_resume(const struct globals *g, int argc, char **argv, struct error *err)
{
	const char *id;
	if (simple_id_command(argc, argv, "resume ID", &id, err) < 0)
		return -1;
	return container_pause(g->root, id, false, err);
}
