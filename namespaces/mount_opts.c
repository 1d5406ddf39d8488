#include "namespaces/mount_opts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "lib/error.h"

struct flag_opt {
	const char *name;
	bool clear; /* the option turns the flag off */
	unsigned long flag;
};

/* The same table runc and crun honour; "defaults" is accepted and means nothing. */
static const struct flag_opt flag_opts[] = {
    {"defaults", false, 0},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"atime", true, MS_NOATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"diratime", true, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"bind", false, MS_BIND},
    {"rbind", false, MS_BIND | MS_REC},
    {"lazytime", false, MS_LAZYTIME},
    {"nolazytime", true, MS_LAZYTIME},
    {"silent", false, MS_SILENT},
    {"loud", true, MS_SILENT},
    {"iversion", false, MS_I_VERSION},
    {"noiversion", true, MS_I_VERSION},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
};

struct prop_opt {
	const char *name;
	unsigned long flags;
};

static const struct prop_opt prop_opts[] = {
    {"private", MS_PRIVATE},	   {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},	   {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},	   {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

struct attr_opt {
	const char *name;
	bool clear;
	uint64_t attr;
};

/* Atime is a 3-valued field in mount_setattr: setting one value needs MOUNT_ATTR__ATIME cleared,
 * which is what the kernel asks for. */
static const struct attr_opt attr_opts[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},
    {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},
    {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},
    {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},
    {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
};

unsigned long mount_propagation_flags(const char *word)
{
	for (size_t i = 0; i < sizeof prop_opts / sizeof prop_opts[0]; i++)
		if (strcmp(word, prop_opts[i].name) == 0)
			return prop_opts[i].flags;
	return 0;
}

static int set_atime(struct mount_opts *o, const char *opt)
{
	uint64_t value;
	if (strcmp(opt, "rrelatime") == 0)
		value = MOUNT_ATTR_RELATIME;
	else if (strcmp(opt, "rnoatime") == 0)
		value = MOUNT_ATTR_NOATIME;
	else if (strcmp(opt, "rstrictatime") == 0)
		value = MOUNT_ATTR_STRICTATIME;
	/* The negative forms: atime is one 3-valued field, so "not X" must name a value. The
	 * kernel's default is relatime; "no relatime" leaves only strict updates. */
	else if (strcmp(opt, "ratime") == 0 || strcmp(opt, "rnostrictatime") == 0)
		value = MOUNT_ATTR_RELATIME;
	else if (strcmp(opt, "rnorelatime") == 0)
		value = MOUNT_ATTR_STRICTATIME;
	else
		return 0;
	o->attr_clr |= MOUNT_ATTR__ATIME;
	o->attr_set = (o->attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | value;
	return 1;
}

static int append_data(struct mount_opts *o, const char *opt, struct error *err)
{
	size_t old = o->data ? strlen(o->data) : 0, add = strlen(opt);
	char *d = realloc(o->data, old + add + 2);
	if (d == NULL)
		return error_set(err, ENOMEM, "mount option %s", opt);
	if (old)
		d[old++] = ',';
	memcpy(d + old, opt, add + 1);
	o->data = d;
	return 0;
}

static bool parse_flag(struct mount_opts *o, const char *opt)
{
	for (size_t i = 0; i < sizeof flag_opts / sizeof flag_opts[0]; i++) {
		const struct flag_opt *f = &flag_opts[i];
		if (strcmp(opt, f->name) != 0)
			continue;
		if (f->clear) {
			o->flags &= ~f->flag;
			o->clear |= f->flag;
		} else {
			o->flags |= f->flag;
			o->clear &= ~f->flag;
		}
		return true;
	}
	return false;
}

static bool parse_attr(struct mount_opts *o, const char *opt)
{
	for (size_t i = 0; i < sizeof attr_opts / sizeof attr_opts[0]; i++) {
		const struct attr_opt *a = &attr_opts[i];
		if (strcmp(opt, a->name) != 0)
			continue;
		if (a->clear) {
			o->attr_set &= ~a->attr;
			o->attr_clr |= a->attr;
		} else {
			o->attr_set |= a->attr;
			o->attr_clr &= ~a->attr;
		}
		return true;
	}
	return set_atime(o, opt) > 0;
}

int mount_opts_parse(char *const *options, struct mount_opts *out, struct error *err)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; options && options[i]; i++) {
		const char *opt = options[i];
		unsigned long prop;
		if (parse_flag(out, opt) || parse_attr(out, opt))
			continue;
		if ((prop = mount_propagation_flags(opt)) != 0) {
			if (out->n_propagation == MOUNT_OPTS_MAX_PROPAGATION) {
				mount_opts_free(out);
				return error_set(err, EINVAL,
						 "mount option %s: too many propagation options",
						 opt);
			}
			out->propagation[out->n_propagation++] = prop;
		} else if (strcmp(opt, "idmap") == 0) {
			out->idmap = true;
		} else if (strcmp(opt, "ridmap") == 0) {
			out->idmap = out->idmap_recursive = true;
		} else if (strcmp(opt, "tmpcopyup") == 0) {
			out->tmpcopyup = true;
		} else if (append_data(out, opt, err) < 0) {
			mount_opts_free(out);
			return -1;
		}
	}
	return 0;
}

void mount_opts_free(struct mount_opts *o)
{
	free(o->data);
	o->data = NULL;
}
