/* berth box: a job in a fence. box writes a spec (the host's own root and network, or a plain
 * directory as root, its own PID namespace, cgroup limits) and hands it to runtime's run, the
 * path of `berth run`, with a private state root; it asks runtime for the job's usage before
 * the container is deleted. It has no launch path of its own and calls only runtime's public
 * verbs (runtime/lifecycle.h, runtime/spec.h). */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "runtime/lifecycle.h"

/* Where root's boxes are kept without --root: apart from run's containers. A non-root caller's
 * go to $XDG_RUNTIME_DIR/berth-box or /tmp/berth-box-UID. */
#define BOX_ROOT "/run/berth-box"

/* What `berth box IMAGE` exits with when berth itself fails (Docker's 125). */
#define BOX_EXIT_BERTH 125

struct error;

/* The smallest --memory box takes: docker's and podman's minimum too. Below about 1M the kernel
 * OOM-kills the job's init before it reaches the command. */
#define BOX_MEMORY_MIN (6 << 20)
/* --io-weight: the range of v1 blkio.weight and of OCI blockIO.weight. */
#define BOX_IO_WEIGHT_MIN 10
#define BOX_IO_WEIGHT_MAX 1000

struct box_rate {
	const char *device; /* a block device path, e.g. /dev/sda */
	uint64_t rate;	    /* bytes per second */
};

enum box_pull { BOX_PULL_MISSING, BOX_PULL_ALWAYS, BOX_PULL_NEVER };

/* A box of an image of the store (berth box IMAGE): its spec is the image's (box/box_image.c). */
struct box_image_opts {
	const char *image; /* NULL: --host or --rootfs */
	enum box_pull pull;
	const char *entrypoint; /* --entrypoint ("": none); NULL: the image's */
	const char *workdir;	/* -w; NULL: the image's */
	const char *hostname;	/* NULL: the box's name */
	bool read_only;		/* --read-only: the root is mounted read-only */
};

struct box_opts {
	const char *rootfs; /* NULL: --host (the host's "/"), or an image */
	struct box_image_opts img;
	const char *name; /* --name: the container id; NULL: box-PID-START */
	bool keep;	  /* --keep: the stopped box stays until `berth delete` */
	char *const *argv;
	const char *user; /* -u USER[:GROUP], names or numbers; NULL: the caller */
	char *const
	    *env; /* -e K=V, added to (or, with env_clear, instead of) berth's environment */
	bool env_clear;
	const char *cgroup_parent;	/* NULL: /berth-box */
	bool share_pid_ns;		/* --share-pid: no PID namespace of its own */
	int64_t memory;			/* bytes; 0: no limit */
	int64_t memory_swap;		/* memory+swap bytes; 0: same as memory; -1: unlimited */
	uint64_t cpu_quota, cpu_period; /* µs; quota 0: no limit */
	int64_t pids_limit;		/* 0: no limit */
	struct box_rate *read_bps, *write_bps;
	size_t n_read_bps, n_write_bps;
	uint16_t io_weight; /* 0: unset */
	int timeout_ms;	    /* 0: none */
};

struct box_report {
	char id[64];
	const char *cgroup_mode;
	int exit_code; /* what berth exits with */
	int signal;    /* the job's init died of this signal (0: it exited) */
	bool timed_out;
	int forwarded_signal; /* a signal berth forwarded that ended the job (see foreground.h) */
	double wall_s;
	char started[40]; /* RFC 3339, UTC */
	/* From the cgroup of the stopped job; usage.runc is not kept. */
	struct cgroup_stats usage;
	uint64_t peak_tasks;
	const char *peak_tasks_source; /* "pids.peak", "sampled" or NULL: not available */
};

/* Runs the job to its end. Fails only when the job could not be started (or cleaned up); then
 * r->exit_code is 127 if its command was not found, 126 if it could not be executed, else 0. */
int box_run(const struct runtime_ctx *ctx, const struct box_opts *o, struct box_report *r,
	    struct error *err);

/* The report as JSON (--report FILE) and as the short text printed at exit. */
json_t *box_report_json(const struct box_opts *o, const struct box_report *r);
char *box_report_text(const struct box_opts *o, const struct box_report *r);
int box_report_write(const char *path, const struct box_opts *o, const struct box_report *r,
		     struct error *err);
