/* berth box: a job in a fence. box writes a spec (the host's own root and network, or a plain
 * directory as root, its own PID namespace, cgroup limits) and hands it to the same run path as
 * `berth run`, with a private state root; it reads the job's usage from the cgroup before the
 * container is deleted. It has no launch path of its own. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "runtime/lifecycle.h"

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

struct box_opts {
	const char *root;   /* private state root; NULL: /run/berth-box, or per user if not root */
	const char *rootfs; /* NULL: --host (the host's "/") */
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
	enum cgroup_manager manager;
};

struct box_report {
	char id[64];
	const char *cgroup_mode;
	int exit_code; /* what berth exits with */
	int signal;    /* the job's init died of this signal (0: it exited) */
	bool timed_out;
	int forwarded_signal; /* a signal berth forwarded that ended the job (see foreground.h) */
	double wall_s;
	bool has_cpu;
	uint64_t user_ns, system_ns, throttled_ns;
	bool has_memory;
	uint64_t peak_memory;
	uint64_t oom_kills;
	uint64_t peak_tasks;
	const char *peak_tasks_source; /* "pids.peak", "sampled" or NULL: not available */
	char started[40];	       /* RFC 3339, UTC */
	/* The figures the kernel may not keep: each has_* false with a why_* saying why. */
	bool has_io;
	uint64_t io_read, io_written; /* bytes */
	bool has_forks_refused;
	uint64_t forks_refused; /* by the pids limit */
	bool has_swap;
	uint64_t swap_peak; /* bytes */
	bool has_pressure;
	uint64_t pressure_some_us[3], pressure_full_us[3]; /* cpu, memory, io */
	char why_io[160], why_forks[160], why_swap[160], why_pressure[160];
};

/* The resources of pressure_some_us/pressure_full_us, in that order. */
extern const char *const box_pressure_names[3];

/* Runs the job to its end. Fails only when the job could not be started (or cleaned up); then
 * r->exit_code is 127 if its command was not found, 126 if it could not be executed, else 0. */
int box_run(const struct box_opts *o, struct box_report *r, struct error *err);

/* The report as JSON (--report FILE) and as the short text printed at exit. */
json_t *box_report_json(const struct box_opts *o, const struct box_report *r);
char *box_report_text(const struct box_opts *o, const struct box_report *r);
int box_report_write(const char *path, const struct box_opts *o, const struct box_report *r,
		     struct error *err);
