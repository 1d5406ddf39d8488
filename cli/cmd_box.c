/* box: a job on the host (or a plain directory as root) in a cgroup with limits, and a report of
 * what it used. The spec and the run are box/box.c's; this parses and prints (its help is in
 * cli/help.c). The flags fall into four groups, one parser each: the filesystem and cgroup
 * place, the process, the limits, and the output. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "box/box.h"

/* Every complaint about a flag names the flag and the value as the user typed them. */
static int bad_flag(struct error *err, const char *flag, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int bad_flag(struct error *err, const char *flag, const char *value, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return error_set(err, EINVAL, "box: %s %s: %s", flag, value, why);
}

static int int_flag(const char *s, const char *flag, long long min, long long max, long long *out,
		    struct error *err)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno == ERANGE || (errno == 0 && end != s && *end == '\0' && (v < min || v > max)))
		return bad_flag(err, flag, s, "out of range %lld-%lld", min, max);
	if (errno || end == s || *end != '\0')
		return bad_flag(err, flag, s, "not an integer");
	*out = v;
	return 0;
}

static int size_flag(const char *s, const char *flag, long long *out, struct error *err)
{
	struct error e;
	if (parse_size_arg(s, flag, out, &e) < 0 || *out < 0)
		return bad_flag(err, flag, s, "invalid size (e.g. 512M, 2G)");
	return 0;
}

/* The cgroup path rules (absolute, no "..") said in terms of the flag, before they become the
 * spec's cgroupsPath. */
static int cgroup_parent_flag(const char *s, struct error *err)
{
	if (s[0] != '/')
		return bad_flag(err, "--cgroup-parent", s,
				"expected an absolute path (from the cgroup hierarchy's root)");
	for (const char *p = s; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == s || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			return bad_flag(err, "--cgroup-parent", s,
					"\"..\" is not allowed: the job's cgroup stays below the "
					"hierarchy's root");
	return 0;
}

/* "30s", "2m", "1h", "500ms", "1.5" (seconds) -> milliseconds. */
static int parse_duration(const char *s, int *ms, struct error *err)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	double mult = 1000;
	if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		mult = 1000;
	else if (strcmp(end, "m") == 0)
		mult = 60000;
	else if (strcmp(end, "h") == 0)
		mult = 3600000;
	else
		end = (char *)s;
	if (errno || end == s || !(v > 0) || v * mult > 2e9)
		return bad_flag(err, "--timeout", s, "invalid duration (e.g. 30s, 2m)");
	*ms = (int)(v * mult + 0.999);
	return 0;
}

static int parse_rate(const char *s, const char *flag, struct box_rate **v, size_t *n,
		      struct error *err)
{
	const char *colon = strrchr(s, ':');
	if (colon == NULL || colon == s)
		return bad_flag(err, flag, s, "expected DEVICE:RATE (e.g. /dev/sda:10M)");
	long long rate;
	if (size_flag(colon + 1, flag, &rate, err) < 0)
		return -1;
	if (rate <= 0)
		return bad_flag(err, flag, s, "the rate must be positive");
	struct box_rate *nv = realloc(*v, (*n + 1) * sizeof **v);
	if (nv == NULL)
		return error_set(err, ENOMEM, "%s", flag);
	*v = nv;
	nv[*n].device = strndup(s, (size_t)(colon - s));
	nv[*n].rate = (uint64_t)rate;
	(*n)++;
	return 0;
}

static void box_opts_free(struct box_opts *o)
{
	for (size_t i = 0; i < o->n_read_bps; i++)
		free((char *)o->read_bps[i].device);
	for (size_t i = 0; i < o->n_write_bps; i++)
		free((char *)o->write_bps[i].device);
	free(o->read_bps);
	free(o->write_bps);
	strv_free((char **)o->env);
}

enum {
	OPT_HOST = 256,
	OPT_ROOTFS,
	OPT_ENV_CLEAR,
	OPT_CG_PARENT,
	OPT_SHARE_PID,
	OPT_SWAP,
	OPT_CPUS,
	OPT_PIDS,
	OPT_RBPS,
	OPT_WBPS,
	OPT_IOW,
	OPT_TIMEOUT,
	OPT_REPORT,
	OPT_PULL,
	OPT_ENTRYPOINT,
	OPT_ENV_FILE,
	OPT_HOSTNAME,
	OPT_READ_ONLY,
	OPT_NAME,
	OPT_KEEP,
	OPT_RM,
};

static const struct option box_options[] = {
    {"host", no_argument, NULL, OPT_HOST},
    {"rootfs", required_argument, NULL, OPT_ROOTFS},
    {"user", required_argument, NULL, 'u'},
    {"env", required_argument, NULL, 'e'},
    {"env-clear", no_argument, NULL, OPT_ENV_CLEAR},
    {"cgroup-parent", required_argument, NULL, OPT_CG_PARENT},
    {"share-pid", no_argument, NULL, OPT_SHARE_PID},
    {"memory", required_argument, NULL, 'm'},
    {"memory-swap", required_argument, NULL, OPT_SWAP},
    {"cpus", required_argument, NULL, OPT_CPUS},
    {"pids-limit", required_argument, NULL, OPT_PIDS},
    {"device-read-bps", required_argument, NULL, OPT_RBPS},
    {"device-write-bps", required_argument, NULL, OPT_WBPS},
    {"io-weight", required_argument, NULL, OPT_IOW},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"report", required_argument, NULL, OPT_REPORT},
    {"quiet", no_argument, NULL, 'q'},
    {"pull", required_argument, NULL, OPT_PULL},
    {"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
    {"env-file", required_argument, NULL, OPT_ENV_FILE},
    {"workdir", required_argument, NULL, 'w'},
    {"hostname", required_argument, NULL, OPT_HOSTNAME},
    {"read-only", no_argument, NULL, OPT_READ_ONLY},
    {"name", required_argument, NULL, OPT_NAME},
    {"keep", no_argument, NULL, OPT_KEEP},
    {"rm", no_argument, NULL, OPT_RM},
    {"help", no_argument, NULL, 'h'},
    {0},
};

/* What the command line asks: the box, and what cmd_box does with its report. */
struct box_args {
	struct box_opts o;
	bool host;
	const char *memory_arg, *swap_arg; /* as typed, for the cross-flag checks */
	const char *report;
	bool quiet;
};

/* A group's parser: 0 when it took the flag, -1 on a bad value, NOT_MINE for another group's. */
#define NOT_MINE 1

/* Where the job runs: the host's root or a directory, and under which cgroup. */
static int place_flag(int c, const char *arg, struct box_args *a, struct error *err)
{
	switch (c) {
	case OPT_HOST:
		a->host = true;
		return 0;
	case OPT_ROOTFS:
		a->o.rootfs = arg;
		return 0;
	case OPT_CG_PARENT:
		if (cgroup_parent_flag(arg, err) < 0)
			return -1;
		a->o.cgroup_parent = arg;
		return 0;
	}
	return NOT_MINE;
}

/* --env-file FILE: Docker's format, a K=V a line; blank lines and '#' comments skipped; a K
 * alone takes berth's own K, if set. */
static int env_file(const char *path, struct box_args *a, struct error *err)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return error_errno(err, "box: --env-file %s", path);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int r = 0;
	for (unsigned no = 1; r == 0 && (n = getline(&line, &cap, f)) >= 0; no++) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		const char *l = line + strspn(line, " \t");
		if (*l == '\0' || *l == '#')
			continue;
		if (*l == '=') {
			r = error_set(err, EINVAL,
				      "box: --env-file %s: line %u: no name before =", path, no);
		} else if (strchr(l, '=')) {
			strv_push((char ***)&a->o.env, l);
		} else if (getenv(l)) {
			_cleanup_free_ char *kv = NULL;
			if (asprintf(&kv, "%s=%s", l, getenv(l)) < 0)
				r = error_set(err, ENOMEM, "box: --env-file %s", path);
			else
				strv_push((char ***)&a->o.env, kv);
		}
	}
	free(line);
	fclose(f);
	return r;
}

/* Who the job is and what it sees: user, environment, PID namespace. */
static int process_flag(int c, const char *arg, struct box_args *a, struct error *err)
{
	switch (c) {
	case 'u':
		a->o.user = arg;
		return 0;
	case 'e':
		if (strchr(arg, '=') == NULL || arg[0] == '=')
			return error_set(err, EINVAL, "--env: expected K=V, got \"%s\"", arg);
		strv_push((char ***)&a->o.env, arg);
		return 0;
	case OPT_ENV_CLEAR:
		a->o.env_clear = true;
		return 0;
	case OPT_SHARE_PID:
		a->o.share_pid_ns = true;
		return 0;
	case OPT_ENV_FILE:
		return env_file(arg, a, err);
	}
	return NOT_MINE;
}

static int memory_flag(const char *arg, struct box_args *a, struct error *err)
{
	long long v;
	if (size_flag(arg, "--memory", &v, err) < 0)
		return -1;
	if (v < BOX_MEMORY_MIN)
		return bad_flag(err, "--memory", arg, "below the minimum of %dM",
				BOX_MEMORY_MIN >> 20);
	a->o.memory = v;
	a->memory_arg = arg;
	return 0;
}

static int swap_flag(const char *arg, struct box_args *a, struct error *err)
{
	long long v;
	if (strcmp(arg, "-1") == 0) {
		a->o.memory_swap = -1;
		return 0;
	}
	if (size_flag(arg, "--memory-swap", &v, err) < 0)
		return -1;
	a->o.memory_swap = v == 0 ? -1 : v;
	a->swap_arg = arg;
	return 0;
}

static int cpus_flag(const char *arg, struct box_opts *o, struct error *err)
{
	char *end;
	double cpus = strtod(arg, &end);
	if (*end || end == arg || cpus != cpus)
		return bad_flag(err, "--cpus", arg, "not a number");
	if (cpus < 0.01 || cpus > 4096)
		return bad_flag(err, "--cpus", arg, "out of range 0.01-4096");
	o->cpu_period = 100000;
	o->cpu_quota = (uint64_t)(cpus * 100000 + 0.5);
	return 0;
}

/* What an image's box is: the image's pull, entrypoint, working dir, host name, root, and the
 * box's name and lifetime. */
static int image_flag(int c, const char *arg, struct box_args *a, struct error *err)
{
	struct box_image_opts *io = &a->o.img;
	switch (c) {
	case OPT_PULL:
		if (strcmp(arg, "missing") == 0)
			io->pull = BOX_PULL_MISSING;
		else if (strcmp(arg, "always") == 0)
			io->pull = BOX_PULL_ALWAYS;
		else if (strcmp(arg, "never") == 0)
			io->pull = BOX_PULL_NEVER;
		else
			return bad_flag(err, "--pull", arg, "expected always, missing or never");
		return 0;
	case OPT_ENTRYPOINT:
		io->entrypoint = arg;
		return 0;
	case 'w':
		if (arg[0] != '/')
			return bad_flag(err, "--workdir", arg, "expected an absolute path");
		io->workdir = arg;
		return 0;
	case OPT_HOSTNAME:
		io->hostname = arg;
		return 0;
	case OPT_READ_ONLY:
		io->read_only = true;
		return 0;
	case OPT_NAME:
		a->o.name = arg;
		return 0;
	case OPT_KEEP:
		a->o.keep = true;
		return 0;
	case OPT_RM:
		a->o.keep = false;
		return 0;
	}
	return NOT_MINE;
}

/* What the job may use: memory, CPU, tasks, block IO, time. */
static int limit_flag(int c, const char *arg, struct box_args *a, struct error *err)
{
	struct box_opts *o = &a->o;
	long long v;
	switch (c) {
	case 'm':
		return memory_flag(arg, a, err);
	case OPT_SWAP:
		return swap_flag(arg, a, err);
	case OPT_CPUS:
		return cpus_flag(arg, o, err);
	case OPT_PIDS:
		if (int_flag(arg, "--pids-limit", 1, INT32_MAX, &v, err) < 0)
			return -1;
		o->pids_limit = v;
		return 0;
	case OPT_RBPS:
		return parse_rate(arg, "--device-read-bps", &o->read_bps, &o->n_read_bps, err);
	case OPT_WBPS:
		return parse_rate(arg, "--device-write-bps", &o->write_bps, &o->n_write_bps, err);
	case OPT_IOW:
		if (int_flag(arg, "--io-weight", BOX_IO_WEIGHT_MIN, BOX_IO_WEIGHT_MAX, &v, err) < 0)
			return -1;
		o->io_weight = (uint16_t)v;
		return 0;
	case OPT_TIMEOUT:
		return parse_duration(arg, &o->timeout_ms, err);
	}
	return NOT_MINE;
}

/* Where the report goes: --report FILE (JSON), else the text on stderr unless --quiet. */
static int output_flag(int c, const char *arg, struct box_args *a, struct error *err)
{
	(void)err;
	switch (c) {
	case OPT_REPORT:
		a->report = arg;
		return 0;
	case 'q':
		a->quiet = true;
		return 0;
	}
	return NOT_MINE;
}

/* What no single flag can check: one root, swap against memory, a command. */
static int check_box(struct box_args *a, int argc, char **argv, struct error *err)
{
	struct box_opts *o = &a->o;
	if (a->host && o->rootfs != NULL)
		return error_set(err, EINVAL, "box: give one of --host, --rootfs DIR or IMAGE");
	if (!a->host && o->rootfs == NULL) {
		/* berth box [OPTIONS] IMAGE [CMD [ARG...]], "--" allowed before IMAGE. */
		if (optind >= argc)
			return error_set(err, EINVAL,
					 "box: no image given (usage: berth box [options] IMAGE "
					 "[CMD [ARG...]])");
		o->img.image = argv[optind++];
		o->argv = argv + optind;
		return 0;
	}
	if (o->img.pull != BOX_PULL_MISSING || o->img.entrypoint || o->img.workdir ||
	    o->img.hostname || o->img.read_only)
		return error_set(err, EINVAL,
				 "box: --pull, --entrypoint, -w, --hostname and --read-only are "
				 "for an IMAGE, not --host or --rootfs");
	if (o->memory_swap > 0 && o->memory <= 0)
		return bad_flag(err, "--memory-swap", a->swap_arg,
				"needs --memory (it is memory plus swap)");
	if (o->memory_swap > 0 && o->memory_swap < o->memory)
		return bad_flag(err, "--memory-swap", a->swap_arg,
				"below --memory %s (it is memory plus swap)", a->memory_arg);
	if (optind >= argc)
		return error_set(err, EINVAL,
				 "box: no command given (usage: berth box [options] "
				 "--host|--rootfs DIR -- CMD [ARG...])");
	a->o.argv = argv + optind;
	return 0;
}

static int parse_box(int argc, char **argv, struct box_args *a, struct error *err)
{
	static int (*const groups[])(int, const char *, struct box_args *, struct error *) = {
	    place_flag, process_flag, image_flag, limit_flag, output_flag,
	};
	memset(a, 0, sizeof *a);
	int c;
	while ((c = getopt_long(argc, argv, "+u:e:m:w:qh", box_options, NULL)) != -1) {
		if (c == 'h')
			help_exit(argv[0]);
		int r = NOT_MINE;
		for (size_t i = 0; i < ARRAY_SIZE(groups) && r == NOT_MINE; i++)
			r = groups[i](c, optarg, a, err);
		if (r == NOT_MINE)
			return error_set(err, EINVAL,
					 "box: unknown option \"%s\" (see berth box --help)",
					 argv[optind - 1]);
		if (r < 0)
			return -1;
	}
	return check_box(a, argc, argv, err);
}

int cmd_box(const struct globals *g, int argc, char **argv, struct error *err)
{
	struct box_args a;
	if (parse_box(argc, argv, &a, err) < 0) {
		box_opts_free(&a.o);
		/* Docker's status for its own failure, where the command's status is the rule;
		 * --host and --rootfs keep berth's 1. */
		if (a.host || a.o.rootfs)
			return -1;
		fprintf(stderr, "berth: %s\n", err->msg);
		return BOX_EXIT_BERTH;
	}
	struct box_report r;
	if (box_run(&g->ctx, &a.o, &r, err) < 0) {
		bool image = a.o.img.image != NULL;
		box_opts_free(&a.o);
		if (r.exit_code == 0 && !image)
			return -1;
		fprintf(stderr, "berth: %s\n", err->msg);
		return r.exit_code ? r.exit_code : BOX_EXIT_BERTH;
	}
	if (a.report) {
		struct error e;
		if (box_report_write(a.report, &a.o, &r, &e) < 0)
			fprintf(stderr, "berth: %s\n", e.msg);
	} else if (!a.quiet) {
		_cleanup_free_ char *text = box_report_text(&a.o, &r);
		if (text)
			fputs(text, stderr);
	}
	box_opts_free(&a.o);
	return r.exit_code;
}
