/* cli/: argv -> one call into box/ or runtime/ -> output and exit code. No syscalls, no policy. */
#pragma once
#include <getopt.h>
#include <stdbool.h>

#include "runtime/lifecycle.h"

struct error;

struct globals {
	struct runtime_ctx ctx; /* what every verb is given, from --root, --store, the manager */
	const char *log;
	bool log_json;
	bool debug;
};

/* Each command: parses its own argv (argv[0] is the command name) and returns the exit code, or
 * -1 with err set (exit 1), or CLI_FAIL_RUNTIME with err set (exit 255: berth itself failed,
 * where other codes are the container process's own, as runc's exec). */
#define CLI_FAIL_RUNTIME (-255)
typedef int (*command_fn)(const struct globals *g, int argc, char **argv, struct error *err);

int cmd_create(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_run(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_start(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_kill(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_delete(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_state(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_list(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_ps(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_spec(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_features(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_events(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_pause(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_resume(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_exec(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_update(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_box(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_image(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_images(const struct globals *g, int argc, char **argv, struct error *err);
/* image's subcommands of an image as a rootfs (cli/cmd_image_rootfs.c; argv[0] the subcommand). */
int image_bundle_main(const struct globals *g, int argc, char **argv, struct error *err);
int image_mount_main(const struct globals *g, int argc, char **argv, struct error *err);
int image_umount_main(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_rmi(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_checkpoint(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_restore(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_pull(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_login(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_logout(const struct globals *g, int argc, char **argv, struct error *err);
int cmd_help(const struct globals *g, int argc, char **argv, struct error *err);

/* A command's -h/--help (cli/help.c): prints its usage, description and options to stdout and
 * exits 0, from inside its option parser, so no parser has to pass "help was printed" back up. */
_Noreturn void help_exit(const char *name);

/* Shared option helpers (cli/options.c). */
/* Exactly n positional arguments left after getopt, else a usage error naming the command. */
int expect_args(int argc, char **argv, int n, const char *usage, struct error *err);
int parse_int_arg(const char *s, const char *flag, long long min, long long max, long long *out,
		  struct error *err);
/* "512k", "32M", "1g", "-1" -> bytes, as runc's update accepts. */
int parse_size_arg(const char *s, const char *flag, long long *out, struct error *err);
/* --tls-verify true|false (podman's): *no_verify is its negation. */
int parse_tls_verify_arg(const char *cmd, const char *v, bool *no_verify, struct error *err);
/* Prints a JSON value to stdout, indented like runc. */
void print_json(void *json, bool pretty);
