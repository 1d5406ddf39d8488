/* crun-v1: run crun on this hybrid host. crun 1.8.1 refuses hybrid cgroups ("cgroups in hybrid
 * mode not supported"); hiding the unified mount under a tmpfs in a private mount namespace makes
 * it see a plain v1 host. A C wrapper rather than `unshare -m sh -c ...`, so that the benchmark
 * measures crun and not a shell; `make bench` reports the wrapper's own cost.
 *
 *   crun-v1 /usr/bin/crun ARGS...
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: crun-v1 CRUN ARGS...\n");
		return 2;
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("none", "/sys/fs/cgroup/unified", "tmpfs", 0, NULL) < 0) {
		perror("crun-v1: private mount namespace");
		return 125;
	}
	execv(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
