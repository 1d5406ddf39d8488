#include "runtime/context.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void runtime_ctx_init(struct runtime_ctx *ctx, const char *root, const char *store,
		      enum cgroup_manager manager)
{
	const char *env_store = getenv("BERTH_STORE");
	ctx->root = root ? root : RUNTIME_ROOT_DEFAULT;
	ctx->root_given = root != NULL && strcmp(root, RUNTIME_ROOT_DEFAULT) != 0;
	ctx->store = store ? store : env_store && *env_store ? env_store : RUNTIME_STORE_DEFAULT;
	ctx->rootless = geteuid() != 0;
	ctx->manager = manager;
	ctx->cgroup_mode = CGROUP_MODE_NONE;
	error_clear(&ctx->cgroup_error);
	ctx->cgroup_detected = manager == CGM_DISABLED ||
			       cgroup_detect_mode(&ctx->cgroup_mode, &ctx->cgroup_error) == 0;
}

int runtime_cgroup_mode(const struct runtime_ctx *ctx, enum cgroup_mode *mode, struct error *err)
{
	*mode = ctx->cgroup_mode;
	if (ctx->cgroup_detected)
		return 0;
	*err = ctx->cgroup_error;
	return -1;
}

const char *runtime_cgroup_mode_name(const struct runtime_ctx *ctx)
{
	return cgroup_mode_name(ctx->cgroup_mode);
}
