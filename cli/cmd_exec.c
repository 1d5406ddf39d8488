/* exec: runc's flags, and the command after the ID. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "runtime/exec.h"
#include "runtime/spec.h"

int cmd_exec(const struct globals *g, int argc, char **argv, struct error *err)
{
	enum {
		OPT_CONSOLE = 256,
		OPT_CWD,
		OPT_PIDFILE,
		OPT_NNP,
		OPT_PRESERVE,
		OPT_CGROUP,
		OPT_IGNORE_PAUSED,
		OPT_LABEL,
		OPT_APPARMOR,
	};
	static const struct option opts[] = {
	    {"process", required_argument, NULL, 'p'},
	    {"tty", no_argument, NULL, 't'},
	    {"detach", no_argument, NULL, 'd'},
	    {"env", required_argument, NULL, 'e'},
	    {"user", required_argument, NULL, 'u'},
	    {"cap", required_argument, NULL, 'c'},
	    {"additional-gids", required_argument, NULL, 'g'},
	    {"console-socket", required_argument, NULL, OPT_CONSOLE},
	    {"cwd", required_argument, NULL, OPT_CWD},
	    {"pid-file", required_argument, NULL, OPT_PIDFILE},
	    {"no-new-privs", no_argument, NULL, OPT_NNP},
	    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
	    {"cgroup", required_argument, NULL, OPT_CGROUP},
	    {"ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED},
	    {"process-label", required_argument, NULL, OPT_LABEL},
	    {"apparmor", required_argument, NULL, OPT_APPARMOR},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct exec_opts o = {0};
	char **env = NULL, **caps = NULL;
	uint32_t *gids = NULL;
	int c, r = -1;
	long long v;
	/* "+": the container's command starts at the first argument after the ID. */
	while ((c = getopt_long(argc, argv, "+p:tde:u:c:g:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.process_path = optarg;
			break;
		case 't':
			o.tty = true;
			break;
		case 'd':
			o.detach = true;
			break;
		case 'e':
			if (strchr(optarg, '=') == NULL) {
				error_set(err, EINVAL,
					  "exec: --env: expected NAME=VALUE, got \"%s\"", optarg);
				goto out;
			}
			strv_push(&env, optarg);
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'c':
			strv_push(&caps, optarg);
			break;
		case 'g': {
			if (parse_int_arg(optarg, "--additional-gids", 0, SPEC_ID_MAX, &v, err) < 0)
				goto out;
			uint32_t *more = reallocarray(gids, o.n_additional_gids + 1, sizeof *gids);
			if (more == NULL) {
				error_set(err, ENOMEM, "exec: --additional-gids");
				goto out;
			}
			gids = more;
			gids[o.n_additional_gids++] = (uint32_t)v;
			break;
		}
		case OPT_CONSOLE:
			o.console_socket = optarg;
			break;
		case OPT_CWD:
			o.cwd = optarg;
			break;
		case OPT_PIDFILE:
			o.pid_file = optarg;
			break;
		case OPT_NNP:
			o.no_new_privs = true;
			break;
		case OPT_PRESERVE:
			if (parse_int_arg(optarg, "--preserve-fds", 0, 1 << 20, &v, err) < 0)
				goto out;
			o.preserve_fds = (int)v;
			break;
		case OPT_CGROUP:
			o.cgroup_sub = optarg;
			break;
		case OPT_IGNORE_PAUSED:
			o.ignore_paused = true;
			break;
		case 'h':
			help_exit(argv[0]);
		case OPT_LABEL:
			o.process_label = optarg;
			break;
		case OPT_APPARMOR:
			o.apparmor = optarg;
			break;
		default:
			error_set(err, EINVAL, "exec: unknown option \"%s\"", argv[optind - 1]);
			goto out;
		}
	}
	if (optind >= argc) {
		error_set(err, EINVAL, "exec: usage: berth exec [options] ID COMMAND [ARGS...]");
		goto out;
	}
	o.id = argv[optind];
	o.args = optind + 1 < argc ? argv + optind + 1 : NULL;
	if (o.args && o.process_path) {
		error_set(err, EINVAL, "exec: give either --process or a command, not both");
		goto out;
	}
	o.env = env;
	o.caps = caps;
	o.additional_gids = gids;
	int code = 0;
	/* As runc: any failure of berth's own (a missing or paused container, a --pid-file it
	 * cannot write) is 255, apart from what the process itself exits with. */
	r = container_exec(&g->ctx, &o, &code, err) < 0 ? CLI_FAIL_RUNTIME : code;
out:
	strv_free(env);
	strv_free(caps);
	free(gids);
	return r;
}
