/* create, run, start, kill, delete. */
#include <errno.h>
#include <signal.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/signals.h"
#include "lib/strv.h"

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

/* create and run share every option (with crun's --config); run adds --detach, --keep and
 * runc's --no-subreaper. */
static int parse_create(int argc, char **argv, bool run, struct create_opts *o, struct error *err)
{
	memset(o, 0, sizeof *o);
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
		case OPT_CONFIG:
			o->config_path = optarg;
			break;
		case 'd':
		case OPT_KEEP:
		case OPT_NOSUBREAPER:
			if (!run)
				return error_set(err, EINVAL, "create: unknown option \"%s\"",
						 argv[optind - 1]);
			if (c == 'd')
				o->detach = true;
			else if (c == OPT_KEEP)
				o->keep = true;
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
	if (parse_create(argc, argv, false, &o, err) < 0)
		return -1;
	return container_create(&g->ctx, &o, err);
}

int cmd_run(const struct globals *g, int argc, char **argv, struct error *err)
{
	struct create_opts o;
	if (parse_create(argc, argv, true, &o, err) < 0)
		return -1;
	int code;
	struct run_oom oom;
	if (container_run(&g->ctx, &o, &code, &oom, err) < 0)
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
	return container_start(&g->ctx, id, err);
}

/* crun's --regex: the verb on every container whose ID the regex matches; a failure on one is a
 * warning and the others still go (crun's exit 0). */
static int each_matching(const struct globals *g, const char *regex,
			 int (*verb)(const struct runtime_ctx *ctx, const char *id, const void *arg,
				     struct error *err),
			 const void *arg, struct error *err)
{
	char **ids;
	if (container_ids_matching(&g->ctx, regex, &ids, err) < 0)
		return -1;
	for (size_t i = 0; ids && ids[i]; i++) {
		struct error e;
		if (verb(&g->ctx, ids[i], arg, &e) < 0)
			log_warn("%s", e.msg);
	}
	strv_free(ids);
	return 0;
}

struct kill_args {
	int sig;
	bool all;
};

static int kill_one(const struct runtime_ctx *ctx, const char *id, const void *arg,
		    struct error *err)
{
	const struct kill_args *k = arg;
	return container_kill(ctx, id, k->sig, k->all, err);
}

int cmd_kill(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
					     {"regex", no_argument, NULL, 'r'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	struct kill_args k = {.sig = SIGTERM};
	bool regex = false;
	int c;
	while ((c = getopt_long(argc, argv, "arh", opts, NULL)) != -1) {
		if (c == 'h')
			help_exit(argv[0]);
		if (c == 'a')
			k.all = true;
		else if (c == 'r')
			regex = true;
		else
			return error_set(err, EINVAL, "kill: unknown option \"%s\"",
					 argv[optind - 1]);
	}
	int left = argc - optind;
	if (left < 1 || left > 2)
		return error_set(err, EINVAL,
				 "kill: usage: berth kill [--all] [--regex] ID [SIGNAL]");
	if (left == 2) {
		const char *s = argv[optind + 1];
		/* 0, as runc takes it: no signal, only "is the container's init alive". */
		k.sig = *s && s[strspn(s, "0")] == '\0' ? 0 : signal_parse(s);
		if (k.sig < 0)
			return error_set(err, EINVAL, "kill: unknown signal \"%s\"", s);
	}
	if (regex)
		return each_matching(g, argv[optind], kill_one, &k, err);
	return container_kill(&g->ctx, argv[optind], k.sig, k.all, err);
}

static int delete_one(const struct runtime_ctx *ctx, const char *id, const void *arg,
		      struct error *err)
{
	return container_delete(ctx, id, *(const bool *)arg, err);
}

int cmd_delete(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
					     {"regex", no_argument, NULL, 'r'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	bool force = false, regex = false;
	int c;
	while ((c = getopt_long(argc, argv, "frh", opts, NULL)) != -1) {
		if (c == 'h')
			help_exit(argv[0]);
		if (c == 'f')
			force = true;
		else if (c == 'r')
			regex = true;
		else
			return error_set(err, EINVAL, "delete: unknown option \"%s\"",
					 argv[optind - 1]);
	}
	if (expect_args(argc, argv, 1, "delete [--force] [--regex] ID", err) < 0)
		return -1;
	if (regex)
		return each_matching(g, argv[optind], delete_one, &force, err);
	return container_delete(&g->ctx, argv[optind], force, err);
}

int cmd_pause(const struct globals *g, int argc, char **argv, struct error *err)
{
	const char *id;
	if (simple_id_command(argc, argv, "pause ID", &id, err) < 0)
		return -1;
	return container_pause(&g->ctx, id, true, err);
}

int cmd_resume(const struct globals *g, int argc, char **argv, struct error *err)
{
	const char *id;
	if (simple_id_command(argc, argv, "resume ID", &id, err) < 0)
		return -1;
	return container_pause(&g->ctx, id, false, err);
}

/* runc's checkpoint and restore: their flags are known (so engines and users get a clear answer,
 * not "unknown command"), and then refused: both need CRIU, and berth has no CRIU support. */
static int refuse_criu(int argc, char **argv, const char *shorts, const struct option *opts,
		       struct error *err)
{
	int c;
	while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		if (c == 'h')
			help_exit(argv[0]);
		if (c == '?' || c == ':')
			return error_set(err, EINVAL, "%s: unknown option \"%s\"", argv[0],
					 argv[optind - 1]);
	}
	if (expect_args(argc, argv, 1,
			argv[0][0] == 'c' ? "checkpoint [options] ID" : "restore [options] ID",
			err) < 0)
		return -1;
	return error_set(err, ENOTSUP,
			 "%s: not supported: berth has no checkpoint/restore (it needs CRIU, "
			 "which cannot checkpoint containers on this host)",
			 argv[0]);
}

int cmd_checkpoint(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {
	    {"image-path", required_argument, NULL, 1},
	    {"work-path", required_argument, NULL, 1},
	    {"parent-path", required_argument, NULL, 1},
	    {"leave-running", no_argument, NULL, 1},
	    {"tcp-established", no_argument, NULL, 1},
	    {"ext-unix-sk", no_argument, NULL, 1},
	    {"shell-job", no_argument, NULL, 1},
	    {"lazy-pages", no_argument, NULL, 1},
	    {"status-fd", required_argument, NULL, 1},
	    {"page-server", required_argument, NULL, 1},
	    {"file-locks", no_argument, NULL, 1},
	    {"pre-dump", no_argument, NULL, 1},
	    {"manage-cgroups-mode", required_argument, NULL, 1},
	    {"empty-ns", required_argument, NULL, 1},
	    {"auto-dedup", no_argument, NULL, 1},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	(void)g;
	return refuse_criu(argc, argv, "h", opts, err);
}

int cmd_restore(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {
	    {"console-socket", required_argument, NULL, 1},
	    {"image-path", required_argument, NULL, 1},
	    {"work-path", required_argument, NULL, 1},
	    {"tcp-established", no_argument, NULL, 1},
	    {"ext-unix-sk", no_argument, NULL, 1},
	    {"shell-job", no_argument, NULL, 1},
	    {"file-locks", no_argument, NULL, 1},
	    {"manage-cgroups-mode", required_argument, NULL, 1},
	    {"bundle", required_argument, NULL, 'b'},
	    {"detach", no_argument, NULL, 'd'},
	    {"pid-file", required_argument, NULL, 1},
	    {"no-subreaper", no_argument, NULL, 1},
	    {"no-pivot", no_argument, NULL, 1},
	    {"empty-ns", required_argument, NULL, 1},
	    {"auto-dedup", no_argument, NULL, 1},
	    {"lazy-pages", no_argument, NULL, 1},
	    {"lsm-profile", required_argument, NULL, 1},
	    {"lsm-mount-context", required_argument, NULL, 1},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	(void)g;
	return refuse_criu(argc, argv, "b:dh", opts, err);
}
