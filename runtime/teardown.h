/* The one teardown: what create's rollback, delete, delete --force after a crash, run's exit and
 * box all use. It walks the container's record (runtime/record.h) in reverse through a table of
 * removers, one per kind, each from the layer that owns the kind; then the poststop hooks; then
 * the state dir, last, so a teardown cut short can be run again. A new resource kind is one
 * entry in teardown_kinds (runtime/teardown.c). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "runtime/record.h"
#include "runtime/spec.h"
#include "runtime/state.h"

struct error;

struct teardown_kind {
	const char *kind;
	/* The entry's words after the kind. Something already gone counts as removed (the
	 * entry is written before the thing is made). */
	int (*remove)(int argc, char *const *argv, struct error *err);
};

extern const struct teardown_kind teardown_kinds[];
extern const size_t teardown_n_kinds;

/* Walks rec from its last entry to its first. Every entry is tried; the first failure is
 * returned in err. An entry of a kind not in the table is reported (log) and counted in
 * *unknown, not fatal. */
int teardown_walk(const struct teardown_kind *table, size_t n_table, const struct record *rec,
		  size_t *unknown, struct error *err);

/* `process PID STARTTIME`: SIGKILL and wait (reaping it if it is our child), only if that pid
 * still has that start time. */
int teardown_remove_process(int argc, char *const *argv, struct error *err);

struct teardown {
	int rootfd, dirfd; /* dirfd is locked exclusively */
	const char *id;
	/* The state for the poststop hooks' stdin; with no record file (a container from an
	 * older berth), its cgroup and pid stand for the record. */
	const struct container_state *st;
	const struct record *rec; /* NULL: read dirfd's record */
	const struct spec *spec;  /* NULL: the config.json saved in the state dir */
	bool poststop;		  /* run the poststop hooks (not on create's rollback) */
};

/* When a remover fails, the state dir stays (so delete can retry) and -1 is returned. */
int container_teardown(const struct teardown *t, struct error *err);
