/* An existing container, opened from its state dir: the shared loader of every verb but create. */
#pragma once
#include "cgroups/cgroup.h"
#include "runtime/spec.h"
#include "runtime/state.h"

struct error;

struct container {
	int rootfd, dirfd; /* dirfd is locked (shared or exclusive) */
	struct container_state st;
	struct cgroup *cg; /* NULL when the container has none */
};

int container_open(struct container *c, const char *root, const char *id, bool exclusive,
		   struct error *err);
void container_close(struct container *c);
/* The spec saved at create (for poststop hooks, exec). */
struct spec *container_load_spec(struct container *c, struct error *err);
enum container_status container_get_status(struct container *c);
/* A pidfd of init, checked against its start time (so a reused pid is never signalled), or -1
 * when init is gone. */
int container_pidfd(struct container *c);
/* Waits until init is gone (pidfd poll), at most timeout_ms; returns 0 when gone. */
int container_wait_gone(struct container *c, int timeout_ms);
/* The one teardown (runtime/teardown.h) with the poststop hooks: everything the record holds,
 * then the state dir. The container must be stopped. */
int container_destroy(struct container *c, struct error *err);
