/* What every verb needs to know of the invocation, resolved once per command (cli/main.c) and
 * passed down, so that no verb decides again where state lives or whether berth is rootless. */
#pragma once
#include <stdbool.h>

#include "cgroups/cgroup.h"
#include "lib/error.h"

enum cgroup_manager { CGM_CGROUPFS, CGM_SYSTEMD, CGM_DISABLED };

#define RUNTIME_ROOT_DEFAULT  "/run/berth"
#define RUNTIME_STORE_DEFAULT "/var/lib/berth"

struct runtime_ctx {
	const char *root; /* the state root: --root, else RUNTIME_ROOT_DEFAULT */
	/* --root named a root other than the default: berth box keeps a root of its own
	 * otherwise. */
	bool root_given;
	/* The image store: --store, else $BERTH_STORE, else RUNTIME_STORE_DEFAULT (create mounts an
	 * image's rootfs from it when the config names no store). */
	const char *store;
	bool rootless; /* berth's euid is not 0 */
	enum cgroup_manager manager;
	/* The host's cgroup layout (NONE with the manager disabled); when its detection failed,
	 * cgroup_error says why and runtime_cgroup_mode returns it to the verb that needs it. */
	enum cgroup_mode cgroup_mode;
	bool cgroup_detected;
	struct error cgroup_error;
};

/* root, store: NULL for the defaults. */
void runtime_ctx_init(struct runtime_ctx *ctx, const char *root, const char *store,
		      enum cgroup_manager manager);
int runtime_cgroup_mode(const struct runtime_ctx *ctx, enum cgroup_mode *mode, struct error *err);
/* "v1", "hybrid", "v2" or "none", for reports. */
const char *runtime_cgroup_mode_name(const struct runtime_ctx *ctx);
