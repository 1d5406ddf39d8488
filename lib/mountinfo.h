/* /proc/self/mountinfo, parsed once for the cgroup hierarchy finder, the cgroup mount and the
 * rootfs setup. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct error;

/* One line: "id parent major:minor root mount-point options [optional...] - fstype source
 * super-options". Paths and the source have their octal escapes (\040 for a space, \011, \012,
 * \134) decoded. */
struct mountinfo_entry {
	int id;
	int parent;
	unsigned int major, minor;
	char *root;
	char *mount_point;
	char *options;
	char *optional; /* "shared:1 master:2", or "" */
	char *fstype;
	char *source;
	char *super_options;
};

struct mountinfo {
	struct mountinfo_entry *entries;
	size_t n;
	char *text; /* what the entries point into */
};

/* Parses text (len bytes) in the format above; a line that is not whole fails naming name and
 * its number. */
int mountinfo_parse(const char *text, size_t len, const char *name, struct mountinfo *out,
		    struct error *err);
/* Reads and parses /proc/self/mountinfo (the whole file first: it changes as mounts come and go,
 * and callers may mount and unmount while they walk the result). */
int mountinfo_read(struct mountinfo *out, struct error *err);
void mountinfo_free(struct mountinfo *mi);

/* Whether e is what a path lookup reaches at its mount point: nothing is mounted over it (a later
 * mount at the same place, as a tmpfs over /sys/fs/cgroup/unified in nested setups) and the same
 * holds for each mount it sits on. */
bool mountinfo_visible(const struct mountinfo *mi, const struct mountinfo_entry *e);

/* Whether e has the optional field tag ("shared" for "shared:12", "unbindable"). */
bool mountinfo_has_tag(const struct mountinfo_entry *e, const char *tag);

static inline void cleanup_mountinfop(struct mountinfo *mi)
{
	mountinfo_free(mi);
}
#define _cleanup_mountinfo_ __attribute__((cleanup(cleanup_mountinfop)))
