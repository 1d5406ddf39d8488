/* lib/mountinfo: the fields of a line, escapes, optional fields, over-mounts, malformed input. */
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/mountinfo.h"
#include "tests/unit/tap.h"

static const struct mountinfo_entry *at(const struct mountinfo *mi, int id)
{
	for (size_t i = 0; i < mi->n; i++)
		if (mi->entries[i].id == id)
			return &mi->entries[i];
	return NULL;
}

static int parse(const char *text, struct mountinfo *mi, struct error *err)
{
	error_clear(err);
	return mountinfo_parse(text, strlen(text), "mi", mi, err);
}

static void test_fields(void)
{
	struct mountinfo mi;
	struct error err = {0};
	const char *text = "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:7 - ext3 /dev/root "
			   "rw,errors=continue\n"
			   "37 36 0:5 / /dev rw,nosuid - devtmpfs udev rw,size=10k\n"
			   "101 44 0:4 net:[4026532383] /run/netns/n1 rw shared:2 - nsfs nsfs rw\n";
	ok(parse(text, &mi, &err) == 0 && mi.n == 3, "three lines, three entries (%s)", err.msg);
	const struct mountinfo_entry *e = at(&mi, 36);
	ok(e && e->parent == 35 && e->major == 98 && e->minor == 0, "id, parent, major:minor");
	is_str(e ? e->root : NULL, "/mnt1", "root");
	is_str(e ? e->mount_point : NULL, "/mnt2", "mount point");
	is_str(e ? e->options : NULL, "rw,noatime", "mount options");
	is_str(e ? e->optional : NULL, "master:1 shared:7", "optional fields, as one string");
	is_str(e ? e->fstype : NULL, "ext3", "fstype");
	is_str(e ? e->source : NULL, "/dev/root", "source");
	is_str(e ? e->super_options : NULL, "rw,errors=continue", "super options");
	ok(e && mountinfo_has_tag(e, "shared") && mountinfo_has_tag(e, "master"),
	   "shared and master are tags of the first");
	ok(e && !mountinfo_has_tag(e, "share") && !mountinfo_has_tag(e, "unbindable"),
	   "a tag is matched whole");
	e = at(&mi, 37);
	is_str(e ? e->optional : NULL, "", "no optional fields: an empty string");
	ok(e && !mountinfo_has_tag(e, "shared"), "and no tags");
	is_str(e ? e->super_options : NULL, "rw,size=10k", "the last field");
	e = at(&mi, 101);
	is_str(e ? e->root : NULL, "net:[4026532383]", "a root that is not a path (ip netns add)");
	mountinfo_free(&mi);
}

static void test_escapes(void)
{
	struct mountinfo mi;
	struct error err = {0};
	const char *text = "40 1 0:40 /a\\134b /mnt/with\\040space\\011tab\\012nl rw unbindable - "
			   "tmpfs my\\040src rw\n"
			   "41 1 0:41 / /mnt/not\\x\\9escape rw - tmpfs  rw";
	ok(parse(text, &mi, &err) == 0 && mi.n == 2, "escaped fields parse (%s)", err.msg);
	const struct mountinfo_entry *e = at(&mi, 40);
	is_str(e ? e->root : NULL, "/a\\b", "\\134 is a backslash");
	is_str(e ? e->mount_point : NULL, "/mnt/with space\ttab\nnl", "\\040, \\011, \\012");
	is_str(e ? e->source : NULL, "my src", "the source is decoded too");
	ok(e && mountinfo_has_tag(e, "unbindable"), "a tag without a value");
	e = at(&mi, 41);
	is_str(e ? e->mount_point : NULL, "/mnt/not\\x\\9escape",
	       "a backslash not followed by three octal digits stays");
	is_str(e ? e->source : NULL, "", "an empty source (two spaces) is an empty field");
	is_str(e ? e->super_options : NULL, "rw", "and the super options follow it");
	mountinfo_free(&mi);
}

static void test_overmounts(void)
{
	struct mountinfo mi;
	struct error err = {0};
	/* A hybrid host on which a harness mounted a tmpfs (40) over the cgroup2 mount (25). */
	const char *hybrid = "1 0 0:1 / / rw - ext4 /dev/vda rw\n"
			     "20 1 0:20 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
			     "22 20 0:22 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
			     "25 20 0:25 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
			     "40 25 0:40 / /sys/fs/cgroup/unified rw - tmpfs tmpfs rw\n"
			     "26 20 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
	ok(parse(hybrid, &mi, &err) == 0 && mi.n == 6, "the table parses (%s)", err.msg);
	ok(!mountinfo_visible(&mi, at(&mi, 25)),
	   "a cgroup2 mount with a tmpfs over it is not visible");
	ok(mountinfo_visible(&mi, at(&mi, 40)), "the tmpfs on top is");
	ok(mountinfo_visible(&mi, at(&mi, 22)) && mountinfo_visible(&mi, at(&mi, 26)),
	   "the hierarchies beside it are");
	ok(mountinfo_visible(&mi, at(&mi, 1)), "the root, whose parent is not listed, is");
	mountinfo_free(&mi);

	/* The same, and then a tmpfs (50) over all of /sys/fs/cgroup with one hierarchy on it. */
	char covered[1024];
	snprintf(covered, sizeof covered, "%s%s", hybrid,
		 "50 20 0:50 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
		 "51 50 0:22 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n");
	ok(parse(covered, &mi, &err) == 0 && mi.n == 8, "the second table parses (%s)", err.msg);
	ok(!mountinfo_visible(&mi, at(&mi, 20)), "a tmpfs with another over it is not visible");
	ok(!mountinfo_visible(&mi, at(&mi, 22)) && !mountinfo_visible(&mi, at(&mi, 26)) &&
	       !mountinfo_visible(&mi, at(&mi, 40)),
	   "nor are the mounts on it, covered or not themselves");
	ok(mountinfo_visible(&mi, at(&mi, 50)) && mountinfo_visible(&mi, at(&mi, 51)),
	   "the tmpfs on top and the mount on that are");
	mountinfo_free(&mi);

	/* 61 covers 60 though it comes first: 60 was tucked under it by propagation, so the line
	 * order alone does not say which is on top. */
	const char *tucked = "1 0 0:1 / / rw - ext4 /dev/vda rw\n"
			     "61 60 0:61 / /mnt rw - tmpfs top rw\n"
			     "60 1 0:60 / /mnt rw - tmpfs under rw\n";
	ok(parse(tucked, &mi, &err) == 0 && mi.n == 3, "a tucked mount parses (%s)", err.msg);
	ok(mountinfo_visible(&mi, at(&mi, 61)) && !mountinfo_visible(&mi, at(&mi, 60)),
	   "the mount on top is the one whose parent is the other, whatever the line order");
	mountinfo_free(&mi);
}

static void check_refused(const char *text, const char *why, const char *msg)
{
	struct mountinfo mi;
	struct error err = {0};
	ok(parse(text, &mi, &err) < 0, "%s is refused", why);
	is_str(err.msg, msg, "%s: the error names the line", why);
	ok(mi.n == 0 && mi.entries == NULL && mi.text == NULL, "%s: nothing is left to free", why);
}

static void test_malformed(void)
{
	const char *first = "1 0 0:1 / / rw - ext4 /dev/vda rw\n";
	char buf[512];
	snprintf(buf, sizeof buf, "%s%s", first, "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1");
	check_refused(buf, "a line cut before the separator",
		      "mi: line 2 is not a whole mount entry");
	snprintf(buf, sizeof buf, "%s%s", first, "36 35 98:0 /mnt1 /mnt2 rw - ext3 /dev/root\n");
	check_refused(buf, "a line cut before the super options",
		      "mi: line 2 is not a whole mount entry");
	check_refused("36 35 98:0 /mnt1\n", "a line cut after the root",
		      "mi: line 1 is not a whole mount entry");
	check_refused("x 35 98:0 / / rw - ext3 /dev/root rw\n", "a non-numeric id",
		      "mi: line 1 is not a whole mount entry");
	check_refused("36 35 98 / / rw - ext3 /dev/root rw\n", "a device without a minor",
		      "mi: line 1 is not a whole mount entry");
	check_refused("36 35 98:0 / / rw - ext3 /dev/root rw\n\n", "an empty line",
		      "mi: line 2 is not a whole mount entry");

	struct mountinfo mi;
	struct error err = {0};
	ok(parse("", &mi, &err) == 0 && mi.n == 0, "an empty table is no entries");
	mountinfo_free(&mi);
	ok(parse(first, &mi, &err) == 0 && mi.n == 1, "a last line with its newline");
	mountinfo_free(&mi);
}

static void test_self(void)
{
	struct mountinfo mi;
	struct error err = {0};
	ok(mountinfo_read(&mi, &err) == 0 && mi.n > 0, "/proc/self/mountinfo parses (%s)", err.msg);
	bool root = false;
	for (size_t i = 0; i < mi.n; i++)
		root |= strcmp(mi.entries[i].mount_point, "/") == 0 &&
			mountinfo_visible(&mi, &mi.entries[i]);
	ok(root, "and has a visible mount at /");
	mountinfo_free(&mi);
}

int main(void)
{
	test_fields();
	test_escapes();
	test_overmounts();
	test_malformed();
	test_self();
	return tap_done();
}
