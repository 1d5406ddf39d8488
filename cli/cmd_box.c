/* box: a job on the host (or a plain directory as root) in a cgroup with limits, and a report of
 * what it used. The spec and the run are runtime/box.c's; this parses and prints (its help is in
 * cli/help.c). */
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
#include "runtime/box.h"

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

static int parse_box(const struct globals *g, int argc, char **argv, struct box_opts *o,
		     const char **report, bool *quiet, struct error *err)
{
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
	};
	static const struct option opts[] = {
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
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	memset(o, 0, sizeof *o);
	/* box keeps its containers apart from run's, unless --root names a place (NULL: box
	 * picks one, per user). */
	o->root = strcmp(g->root, "/run/berth") == 0 ? NULL : g->root;
	o->manager = g->manager;
	bool host = false;
	const char *memory_arg = NULL, *swap_arg = NULL;
	long long v;
	int c;
	while ((c = getopt_long(argc, argv, "+u:e:m:qh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HOST:
			host = true;
			break;
		case OPT_ROOTFS:
			o->rootfs = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'e':
			if (strchr(optarg, '=') == NULL || optarg[0] == '=')
				return error_set(err, EINVAL, "--env: expected K=V, got \"%s\"",
						 optarg);
			strv_push((char ***)&o->env, optarg);
			break;
		case OPT_ENV_CLEAR:
			o->env_clear = true;
			break;
		case OPT_CG_PARENT:
			if (cgroup_parent_flag(optarg, err) < 0)
				return -1;
			o->cgroup_parent = optarg;
			break;
		case OPT_SHARE_PID:
			o->share_pid_ns = true;
			break;
		case 'm':
			if (size_flag(optarg, "--memory", &v, err) < 0)
				return -1;
			if (v < BOX_MEMORY_MIN)
				return bad_flag(err, "--memory", optarg, "below the minimum of %dM",
						BOX_MEMORY_MIN >> 20);
			o->memory = v;
			memory_arg = optarg;
			break;
		case OPT_SWAP:
			if (strcmp(optarg, "-1") == 0) {
				o->memory_swap = -1;
				break;
			}
			if (size_flag(optarg, "--memory-swap", &v, err) < 0)
				return -1;
			o->memory_swap = v == 0 ? -1 : v;
			swap_arg = optarg;
			break;
		case OPT_CPUS: {
			char *end;
			double cpus = strtod(optarg, &end);
			if (*end || end == optarg || cpus != cpus)
				return bad_flag(err, "--cpus", optarg, "not a number");
			if (cpus < 0.01 || cpus > 4096)
				return bad_flag(err, "--cpus", optarg, "out of range 0.01-4096");
			o->cpu_period = 100000;
			o->cpu_quota = (uint64_t)(cpus * 100000 + 0.5);
			break;
		}
		case OPT_PIDS:
			if (int_flag(optarg, "--pids-limit", 1, INT32_MAX, &v, err) < 0)
				return -1;
			o->pids_limit = v;
			break;
		case OPT_RBPS:
			if (parse_rate(optarg, "--device-read-bps", &o->read_bps, &o->n_read_bps,
				       err) < 0)
				return -1;
			break;
		case OPT_WBPS:
			if (parse_rate(optarg, "--device-write-bps", &o->write_bps, &o->n_write_bps,
				       err) < 0)
				return -1;
			break;
		case OPT_IOW:
			if (int_flag(optarg, "--io-weight", BOX_IO_WEIGHT_MIN, BOX_IO_WEIGHT_MAX,
				     &v, err) < 0)
				return -1;
			o->io_weight = (uint16_t)v;
			break;
		case OPT_TIMEOUT:
			if (parse_duration(optarg, &o->timeout_ms, err) < 0)
				return -1;
			break;
		case OPT_REPORT:
			*report = optarg;
			break;
		case 'q':
			*quiet = true;
			break;
		case 'h':
			help_exit(argv[0]);
		default:
			return error_set(err, EINVAL,
					 "box: unknown option \"%s\" (see berth box --help)",
					 argv[optind - 1]);
		}
	}
	if (host == (o->rootfs != NULL))
		return error_set(err, EINVAL,
				 "box: give exactly one of --host or --rootfs DIR (images come "
				 "later)");
	if (o->memory_swap > 0 && o->memory <= 0)
		return bad_flag(err, "--memory-swap", swap_arg,
				"needs --memory (it is memory plus swap)");
	if (o->memory_swap > 0 && o->memory_swap < o->memory)
		return bad_flag(err, "--memory-swap", swap_arg,
				"below --memory %s (it is memory plus swap)", memory_arg);
	if (optind >= argc)
		return error_set(err, EINVAL,
				 "box: no command given (usage: berth box [options] "
				 "--host|--rootfs DIR -- CMD [ARG...])");
	o->argv = argv + optind;
	return 0;
}

int cmd_box(const struct globals *g, int argc, char **argv, struct error *err)
{
	struct box_opts o;
	const char *report = NULL;
	bool quiet = false;
	if (parse_box(g, argc, argv, &o, &report, &quiet, err) < 0) {
		box_opts_free(&o);
		return -1;
	}
	struct box_report r;
	if (box_run(&o, &r, err) < 0) {
		box_opts_free(&o);
		if (r.exit_code == 0)
			return -1;
		fprintf(stderr, "berth: %s\n", err->msg);
		return r.exit_code;
	}
	if (report) {
		struct error e;
		if (box_report_write(report, &o, &r, &e) < 0)
			fprintf(stderr, "berth: %s\n", e.msg);
	} else if (!quiet) {
		_cleanup_free_ char *text = box_report_text(&o, &r);
		if (text)
			fputs(text, stderr);
	}
	box_opts_free(&o);
	return r.exit_code;
}
