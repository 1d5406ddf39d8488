/* OCI hooks: each runs with the container state JSON on stdin, its args and env, and its timeout.
 * A failing hook fails the step it belongs to (except poststart/poststop: warned, as runc). */
#pragma once
#include "runtime/spec.h"

struct error;

const char *hook_kind_name(enum hook_kind kind); /* "prestart", "createRuntime", ... */
int hooks_run(const struct spec_hooks *hooks, enum hook_kind kind, const char *state_json,
	      struct error *err);
