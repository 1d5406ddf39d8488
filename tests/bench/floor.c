/* floor: the kernel work of a container start without a runtime around it, as the floor that
 * berth's `run` is measured against. It clones into the namespaces of the `runc spec` default
 * config (mount, pid, ipc, uts, net; -n leaves out net), makes the mounts of that config
 * (proc, /dev tmpfs with its device nodes, devpts, shm, mqueue, read-only sysfs), masks and
 * makes read-only the same paths, pivots into ROOTFS, remounts it read-only, execs CMD and waits.
 * No cgroups and no config parsing: that is the runtime's share.
 *
 *   floor [-n] ROOTFS [CMD ARGS...]     (CMD defaults to /bin/true)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *masked[] = {"/proc/acpi",	    "/proc/asound",	   "/proc/kcore",
			       "/proc/keys",	    "/proc/latency_stats", "/proc/timer_list",
			       "/proc/timer_stats", "/proc/sched_debug",   "/sys/firmware",
			       "/proc/scsi"};
static const char *readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
				 "/proc/sysrq-trigger"};

static char *rootfs;
static char **cmd;

static void die(const char *what)
{
	perror(what);
	_exit(126);
}

static void mnt(const char *src, const char *dst, const char *type, unsigned long fl,
		const char *data)
{
	if (mount(src, dst, type, fl, data) < 0)
		die(dst);
}

static int child(void *arg)
{
	(void)arg;
	static const struct {
		const char *name;
		int major, minor;
	} devs[] = {{"null", 1, 3},   {"zero", 1, 5},	 {"full", 1, 7},
		    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
	char path[4096];
	mnt(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	mnt(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL);
	if (chdir(rootfs) < 0)
		die("chdir");
	mnt("proc", "proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
	mnt("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
	mkdir("dev/pts", 0755);
	mnt("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
	    "newinstance,ptmxmode=0666,mode=0620,gid=5");
	mkdir("dev/shm", 01777);
	mnt("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777,size=65536k");
	mkdir("dev/mqueue", 0755);
	mnt("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
	mnt("sysfs", "sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL);
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		snprintf(path, sizeof(path), "dev/%s", devs[i].name);
		if (mknod(path, S_IFCHR | 0666, makedev(devs[i].major, devs[i].minor)) < 0)
			die(path);
	}
	if (symlink("/proc/self/fd", "dev/fd") < 0 || symlink("pts/ptmx", "dev/ptmx") < 0)
		die("dev symlinks");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die("pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		die("umount old root");
	if (chdir("/") < 0)
		die("chdir /");
	for (size_t i = 0; i < sizeof(masked) / sizeof(masked[0]); i++) {
		struct stat st;
		if (stat(masked[i], &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			mnt("tmpfs", masked[i], "tmpfs", MS_RDONLY, NULL);
		else
			mnt("/dev/null", masked[i], NULL, MS_BIND, NULL);
	}
	for (size_t i = 0; i < sizeof(readonly) / sizeof(readonly[0]); i++) {
		if (access(readonly[i], F_OK) < 0)
			continue;
		mnt(readonly[i], readonly[i], NULL, MS_BIND | MS_REC, NULL);
		mnt(readonly[i], readonly[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC,
		    NULL);
	}
	mnt(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
	if (sethostname("floor", 5) < 0)
		die("sethostname");
	execv(cmd[0], cmd);
	die(cmd[0]);
	return 126;
}

int main(int argc, char **argv)
{
	static char *deflt[] = {"/bin/true", NULL};
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET;
	int i = 1;
	if (i < argc && strcmp(argv[i], "-n") == 0) {
		flags &= ~CLONE_NEWNET;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: floor [-n] ROOTFS [CMD...]\n");
		return 2;
	}
	rootfs = argv[i++];
	cmd = i < argc ? argv + i : deflt;
	static char stack[256 * 1024];
	pid_t pid = clone(child, stack + sizeof(stack), flags | SIGCHLD, NULL);
	if (pid < 0) {
		perror("clone");
		return 1;
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
