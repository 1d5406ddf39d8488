/* OCI mount options -> mount(2) flags, data, propagation and mount_setattr attributes. */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>

#include "lib/error.h"
#include "namespaces/mount_opts.h"
#include "tests/unit/tap.h"

static int parse(const char *const *opts, struct mount_opts *o, struct error *err)
{
	return mount_opts_parse((char *const *)opts, o, err);
}

int main(void)
{
	struct error err = {0};
	struct mount_opts o;

	const char *proc[] = {"nosuid", "noexec", "nodev", NULL};
	ok(parse(proc, &o, &err) == 0, "proc options parse");
	ok(o.flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV), "nosuid,noexec,nodev -> flags %#lx",
	   o.flags);
	ok(o.data == NULL, "no data string when every option is a flag");
	mount_opts_free(&o);

	const char *devpts[] = {"nosuid",    "noexec", "newinstance", "ptmxmode=0666",
				"mode=0620", "gid=5",  NULL};
	ok(parse(devpts, &o, &err) == 0, "devpts options parse");
	ok(o.data && strcmp(o.data, "newinstance,ptmxmode=0666,mode=0620,gid=5") == 0,
	   "unknown options go to data (got %s)", o.data ? o.data : "(null)");
	ok(o.flags == (MS_NOSUID | MS_NOEXEC), "devpts flags");
	mount_opts_free(&o);

	const char *bind[] = {"rbind", "ro", "rprivate", NULL};
	ok(parse(bind, &o, &err) == 0, "bind options parse");
	ok(o.flags == (MS_BIND | MS_REC | MS_RDONLY), "rbind,ro -> MS_BIND|MS_REC|MS_RDONLY");
	ok(o.n_propagation == 1 && o.propagation[0] == (MS_PRIVATE | MS_REC),
	   "rprivate is a propagation change, not a mount flag");
	mount_opts_free(&o);

	const char *later[] = {"ro", "rw", "nosuid", "suid", "noatime", "atime", NULL};
	ok(parse(later, &o, &err) == 0, "conflicting options parse");
	ok(o.flags == 0, "a later option undoes an earlier one (flags %#lx)", o.flags);
	ok((o.clear & (MS_RDONLY | MS_NOSUID | MS_NOATIME)) == (MS_RDONLY | MS_NOSUID | MS_NOATIME),
	   "explicitly cleared flags are recorded");
	mount_opts_free(&o);

	const char *props[] = {"shared", "slave", "unbindable", "runbindable", "rshared", NULL};
	ok(parse(props, &o, &err) == 0, "several propagation options parse");
	ok(o.n_propagation == 5 && o.propagation[0] == MS_SHARED && o.propagation[1] == MS_SLAVE &&
	       o.propagation[2] == MS_UNBINDABLE && o.propagation[3] == (MS_UNBINDABLE | MS_REC) &&
	       o.propagation[4] == (MS_SHARED | MS_REC),
	   "propagation kept in order");
	mount_opts_free(&o);

	const char *rec[] = {"rro", "rnosuid", "rnodev", "rnoexec", "rnosymfollow", NULL};
	ok(parse(rec, &o, &err) == 0, "recursive attributes parse");
	ok(o.attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			  MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSYMFOLLOW),
	   "r* options set mount_setattr bits");
	ok(o.flags == 0, "r* options are not mount(2) flags");
	mount_opts_free(&o);

	const char *rrw[] = {"rro", "rrw", NULL};
	ok(parse(rrw, &o, &err) == 0 && o.attr_set == 0 && o.attr_clr == MOUNT_ATTR_RDONLY,
	   "rrw clears what rro set");
	mount_opts_free(&o);

	const char *atime[] = {"rnoatime", NULL};
	ok(parse(atime, &o, &err) == 0 && o.attr_set == MOUNT_ATTR_NOATIME &&
	       o.attr_clr == MOUNT_ATTR__ATIME,
	   "an atime attribute clears the whole atime field, as mount_setattr requires");
	mount_opts_free(&o);

	const char *strict[] = {"rnoatime", "rstrictatime", NULL};
	ok(parse(strict, &o, &err) == 0 && o.attr_set == MOUNT_ATTR_STRICTATIME,
	   "the last atime attribute wins");
	mount_opts_free(&o);

	const char *sym[] = {"nosymfollow", "lazytime", "silent", "dirsync", "sync", "mand", NULL};
	ok(parse(sym, &o, &err) == 0 && o.flags == (MS_NOSYMFOLLOW | MS_LAZYTIME | MS_SILENT |
						    MS_DIRSYNC | MS_SYNCHRONOUS | MS_MANDLOCK),
	   "nosymfollow, lazytime, silent, dirsync, sync, mand are flags");
	mount_opts_free(&o);

	const char *idmap[] = {"bind", "ridmap", NULL};
	ok(parse(idmap, &o, &err) == 0 && o.idmap && o.idmap_recursive && o.data == NULL,
	   "ridmap asks for a recursive idmapped mount");
	mount_opts_free(&o);
	const char *idmap1[] = {"idmap", NULL};
	ok(parse(idmap1, &o, &err) == 0 && o.idmap && !o.idmap_recursive, "idmap alone");
	mount_opts_free(&o);

	const char *copyup[] = {"mode=755", "tmpcopyup", NULL};
	ok(parse(copyup, &o, &err) == 0 && o.tmpcopyup, "tmpcopyup is accepted and recorded");
	ok(o.data && strstr(o.data, "tmpcopyup") == NULL, "and not passed to the kernel as data");
	mount_opts_free(&o);

	ok(parse(NULL, &o, &err) == 0 && o.flags == 0 && o.data == NULL, "no options at all");
	mount_opts_free(&o);

	ok(mount_propagation_flags("rslave") == (MS_SLAVE | MS_REC), "rslave word");
	ok(mount_propagation_flags("bogus") == 0, "an unknown word is not propagation");
	return tap_done();
}
