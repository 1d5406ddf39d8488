/* OCI mount options -> mount(2) flags, a data string, propagation changes and recursive
 * mount_setattr(2) attributes. Pure: no syscalls, so it can be unit-tested. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct error;

#define MOUNT_OPTS_MAX_PROPAGATION 8

struct mount_opts {
	unsigned long flags; /* MS_* to pass to mount(2), MS_BIND/MS_REC included */
	unsigned long clear; /* MS_* the options explicitly turned off ("rw", "suid", ...) */
	/* Propagation changes in the order written, each one mount(2) call (MS_SHARED|MS_REC...).
	 */
	unsigned long propagation[MOUNT_OPTS_MAX_PROPAGATION];
	size_t n_propagation;
	/* The r* options: mount_setattr(AT_RECURSIVE) attributes. */
	uint64_t attr_set, attr_clr;
	bool idmap, idmap_recursive;
	bool tmpcopyup; /* fill a new tmpfs with what it covers */
	char *data;	/* unknown options joined with ',' (mode=755,size=65536k); NULL when none */
};

/* Parses a NULL-terminated option list (NULL is fine). Fails on too many propagation options,
 * naming the option. */
int mount_opts_parse(char *const *options, struct mount_opts *out, struct error *err);
void mount_opts_free(struct mount_opts *o);

/* One propagation word ("rslave", "private", ...) -> MS_* flags; 0 if it is not one. */
unsigned long mount_propagation_flags(const char *word);
