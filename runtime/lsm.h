/* Linux security modules: process.apparmorProfile, process.selinuxLabel and linux.mountLabel.
 * A confinement asked for is applied or refused, never dropped without a word. */
#pragma once
#include <stdbool.h>

#include "runtime/spec.h"

struct error;

bool lsm_apparmor_enabled(void);
bool lsm_selinux_enabled(void);
/* In the parent, before anything is made: refuses a profile or label the kernel cannot apply
 * ("unconfined", or empty, needs no AppArmor). doc names the document ("config.json"). */
int lsm_check(const struct spec_process *p, const char *mount_label, const char *doc,
	      struct error *err);
/* In init (or exec's child) after pivot_root, before execve: asks the kernel to put the process
 * under its profile and label at the execve, as runc does (/proc/self/attr/.../exec). */
int lsm_apply_on_exec(const struct spec_process *p, struct error *err);
