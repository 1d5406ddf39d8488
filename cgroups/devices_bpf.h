/* Device access control on cgroup v2: an eBPF BPF_PROG_TYPE_CGROUP_DEVICE program built from
 * linux.resources.devices, attached to the cgroup directory. Internal to cgroups/. */
#pragma once
#include <stddef.h>

#include "cgroups/resources.h"

struct error;

/* Builds the program for rules (last matching rule wins; a rule "a *:* rwm" resets the default
 * to its own verdict and makes the rules before it irrelevant; the default otherwise is allow,
 * as for a fresh v1 devices cgroup), loads it and attaches it to cgroup_dirfd, replacing the
 * device programs berth attached before. */
int devices_bpf_apply(int cgroup_dirfd, const struct cg_device_rule *rules, size_t n,
		      struct error *err);
