/* The container process's attributes, applied by init (and by exec) in this order:
 *   process_apply_early -> chdir/lookup -> process_check_late -> (fifo)
 *   -> process_drop_privileges -> seccomp -> execve.
 */
#pragma once
#include <sched.h>

#include "runtime/spec.h"

struct error;

/* rlimits, oomScoreAdj, scheduler, ioPriority, personality, umask, execCPUAffinity.initial. */
int process_apply_early(const struct spec_process *p, const struct spec_personality *pers,
			struct error *err);
/* Finds args[0] in the container (PATH from the process env when it has no '/'), checking that it
 * is an executable regular file. Returns a malloc'd path. */
char *process_find_executable(const struct spec_process *p, struct error *err);
/* What the steps after start (process_drop_privileges, process_apply_final_affinity) will do,
 * checked while create can still fail: the capabilities against this host's bounding set and
 * each other, the uid and gids against the user namespace's maps, the final CPU list against
 * the cgroup's CPUs. Sets the supplementary groups (unless run.oci.keep_original_groups). */
int process_check_late(const struct spec_process *p, struct error *err);
/* setgroups, setresgid, setresuid (each read back), then the five capability sets (bounding first,
 * ambient last), then no_new_privs when asked. The caller is root in its user namespace. */
int process_drop_privileges(const struct spec_process *p, struct error *err);
/* execCPUAffinity.final, applied just before execve (without a final list but with an initial
 * one, the affinity goes back to every CPU the cgroup allows). */
int process_apply_final_affinity(const struct spec_process *p, struct error *err);
/* Parses a CPU list such as "0-1,3" (execCPUAffinity). */
int process_parse_cpu_list(const char *list, cpu_set_t *set, struct error *err);

/* Capability names <-> numbers for the spec parser ("CAP_SYS_ADMIN"). -1 if unknown. */
int capability_from_name(const char *name);
/* Highest capability the running kernel knows (from /proc/sys/kernel/cap_last_cap). */
int capability_last(void);
/* RLIMIT_* names for the spec parser; -1 if unknown. */
int rlimit_from_name(const char *name);
