/* berth: global options, then one command. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/error.h"
#include "lib/fault.h"
#include "lib/log.h"
#include "lib/version.h"
#include "runtime/self_exe.h"

static const struct {
	const char *name;
	command_fn fn;
	const char *help;
} commands[] = {
    {"create", cmd_create, "create a container (init waits for start)"},
    {"start", cmd_start, "start a created container"},
    {"run", cmd_run, "create and start a container, wait for it"},
    {"exec", cmd_exec, "run another process in a running container"},
    {"state", cmd_state, "print the state of a container"},
    {"kill", cmd_kill, "send a signal to a container's init (or all its processes)"},
    {"delete", cmd_delete, "delete a container and everything it holds"},
    {"list", cmd_list, "list containers"},
    {"ps", cmd_ps, "list the processes of a container"},
    {"pause", cmd_pause, "freeze every process of a container"},
    {"resume", cmd_resume, "thaw a paused container"},
    {"update", cmd_update, "change the resource limits of a running container"},
    {"events", cmd_events, "stream stats and OOM events of a container"},
    {"spec", cmd_spec, "write a default config.json"},
    {"features", cmd_features, "print the features this runtime supports"},
    {"checkpoint", cmd_checkpoint, "not supported: berth has no checkpoint/restore (CRIU)"},
    {"restore", cmd_restore, "not supported: berth has no checkpoint/restore (CRIU)"},
    {"box", cmd_box, "run a job on the host in a cgroup with limits, report its usage"},
    {"image", cmd_image, "manage images: import, export, ls, inspect, rm, prune, fsck"},
    {"images", cmd_images, "list images (berth image ls)"},
    {"rmi", cmd_rmi, "remove images (berth image rm)"},
    {"pull", cmd_pull, "pull an image from a registry into the store"},
    {"login", cmd_login, "save credentials for a registry (Docker's config.json)"},
    {"logout", cmd_logout, "remove the saved credentials of a registry"},
    {"help", cmd_help, "print the usage and options of a command"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: berth [global options] COMMAND [options] [ID] ...\n\n"
		   "An OCI container runtime.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f,
		"\nGlobal options:\n"
		"  --root DIR              state directory (default " RUNTIME_ROOT_DEFAULT ")\n"
		"  --store DIR             image store (default $BERTH_STORE, "
		"else " RUNTIME_STORE_DEFAULT ")\n"
		"  --log FILE              log file (default: stderr)\n"
		"  --log-format text|json  log format\n"
		"  --debug                 log debug messages\n"
		"  --cgroup-manager cgroupfs|systemd|disabled\n"
		"  --systemd-cgroup        same as --cgroup-manager systemd\n"
		"  --rootless true|false|auto\n"
		"  --criu PATH             accepted as runc's (berth has no checkpoint/restore)\n"
		"  --version, -v           print the version\n");
	fprintf(f, "\nRun 'berth COMMAND --help' (or 'berth help COMMAND') for its options.\n");
}

static void version(void)
{
	const struct scmp_version *sv = seccomp_version();
	printf("berth version %s\nspec: %s\n", PACKAGE_VERSION, OCI_SPEC_VERSION);
	if (sv)
		printf("libseccomp: %u.%u.%u\n", sv->major, sv->minor, sv->micro);
	printf("+SECCOMP +CAP +CGROUPV1 +CGROUPV2 +HYBRID +USERNS +TIMENS +CLONE3 "
	       "+CLONE_INTO_CGROUP" FAULT_POINTS_FEATURE "\n");
#ifdef BERTH_SANITIZERS
	/* Tests skip what ASan cannot do (e.g. run in a 512 KiB memory cgroup) by this line. */
	printf("sanitizers: address,undefined\n");
#endif
}

int main(int argc, char **argv)
{
	struct globals g = {0};
	const char *root = NULL, *store = NULL;
	enum cgroup_manager manager = CGM_CGROUPFS;
	enum {
		OPT_ROOT = 256,
		OPT_STORE,
		OPT_LOG,
		OPT_LOG_FORMAT,
		OPT_DEBUG,
		OPT_SYSTEMD,
		OPT_CGM,
		OPT_ROOTLESS,
		OPT_CRIU
	};
	static const struct option opts[] = {
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"store", required_argument, NULL, OPT_STORE},
	    {"log", required_argument, NULL, OPT_LOG},
	    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
	    {"debug", no_argument, NULL, OPT_DEBUG},
	    {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
	    {"cgroup-manager", required_argument, NULL, OPT_CGM},
	    {"rootless", required_argument, NULL, OPT_ROOTLESS},
	    {"criu", required_argument, NULL, OPT_CRIU},
	    {"version", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	/* Without a seed, jansson reads /dev/urandom (open, read, close) when the first object is
	 * made: a seed against hash flooding, where many colliding keys make parsing quadratic. No
	 * JSON berth parses comes from anyone it must defend against: config.json, --process and
	 * --resources files come from the caller, who can already make berth do anything, and
	 * state.json from berth itself in a root-only directory; containers never hand berth JSON.
	 * Objects iterate in insertion order whatever the seed, so output does not depend on it. */
	json_object_seed(0x6265727468);
	struct error err = {0};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			root = optarg;
			break;
		case OPT_STORE:
			store = optarg;
			break;
		case OPT_LOG:
			g.log = optarg;
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
				fprintf(stderr,
					"berth: --log-format: expected text or json, got \"%s\"\n",
					optarg);
				return 1;
			}
			g.log_json = strcmp(optarg, "json") == 0;
			break;
		case OPT_DEBUG:
			g.debug = true;
			break;
		case OPT_SYSTEMD:
			manager = CGM_SYSTEMD;
			break;
		case OPT_CGM:
			if (strcmp(optarg, "cgroupfs") == 0)
				manager = CGM_CGROUPFS;
			else if (strcmp(optarg, "systemd") == 0)
				manager = CGM_SYSTEMD;
			else if (strcmp(optarg, "disabled") == 0)
				manager = CGM_DISABLED;
			else {
				fprintf(stderr,
					"berth: --cgroup-manager: expected cgroupfs, systemd "
					"or disabled, got \"%s\"\n",
					optarg);
				return 1;
			}
			break;
		case OPT_ROOTLESS:
			/* Accepted for runc compatibility: berth decides from its own euid. */
			break;
		case OPT_CRIU:
			/* Engines pass runc's CRIU path with every command; berth has no checkpoint
			 * or restore command, so the path is never used. */
			break;
		case 'v':
			version();
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "berth: unknown global option \"%s\"\n", argv[optind - 1]);
			return 1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	/* Before any state exists: create, run, exec and box re-exec from a copy containers cannot
	 * write (CVE-2019-5736), with this very argv and environment. */
	if (self_exe_protect(argv[optind], argv, &err) < 0) {
		fprintf(stderr, "berth: %s\n", err.msg);
		return 1;
	}
	if (log_init(g.log, g.log_json, g.debug) < 0) {
		fprintf(stderr, "berth: --log %s: %s\n", g.log, strerror(errno));
		return 1;
	}
	runtime_ctx_init(&g.ctx, root, store, manager);
	const char *name = argv[optind];
	if (strcmp(name, "help") == 0 && optind + 1 == argc) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(name, commands[i].name) != 0)
			continue;
		int cargc = argc - optind;
		char **cargv = argv + optind;
		optind = 0; /* reset getopt for the command's own options */
		log_debug("%s: begin (berth %s)", name, PACKAGE_VERSION);
		int rc = commands[i].fn(&g, cargc, cargv, &err);
		if (rc < 0) {
			log_report_error(err.msg);
			/* CLI_FAIL_RUNTIME: berth failed, where the command's code would be the
			 * container process's own status (exec's 255, as runc). */
			return rc == CLI_FAIL_RUNTIME ? 255 : 1;
		}
		log_debug("%s: end, exit %d", name, rc);
		return rc;
	}
	error_set(&err, EINVAL, "unknown command \"%s\" (see berth --help)", name);
	log_report_error(err.msg);
	return 1;
}
