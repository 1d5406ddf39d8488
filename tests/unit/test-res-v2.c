/* cgroups/res_v2: OCI resources -> v2 controller files, written into a temporary directory
 * that stands in for the container's cgroup (the files pre-created, as the kernel would). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/resources.h"
#include "cgroups/v2.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "runtime/spec.h"
#include "tests/unit/res_json.h"
#include "tests/unit/tap.h"

static const char *const files[] = {"pids.max",	   "memory.max", "memory.low", "memory.swap.max",
				    "memory.high", "cpu.weight", "cpu.max",    "cpuset.cpus",
				    "cpuset.mems", "cpu.idle"};

/* A fresh cgroup stand-in with the given cgroup.controllers. */
static int fresh(char *tmpl, const char *controllers)
{
	strcpy(tmpl, "/tmp/berth-res-v2-XXXXXX");
	if (mkdtemp(tmpl) == NULL)
		return -1;
	int fd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		close(openat(fd, files[i], O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	close(openat(fd, "cgroup.controllers", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	struct error err = {0};
	write_file_at(fd, "cgroup.controllers", controllers, strlen(controllers), &err);
	return fd;
}

static void cleanup_dir(int fd, const char *dir)
{
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		unlinkat(fd, files[i], 0);
	unlinkat(fd, "cgroup.controllers", 0);
	close(fd);
	rmdir(dir);
}

static char *content(int fd, const char *file)
{
	char *s = NULL;
	struct error err = {0};
	if (read_file_at(fd, file, &s, NULL, &err) < 0)
		return NULL;
	return s;
}

static int apply(int fd, const char *json, struct error *err)
{
	struct cgroup_resources r;
	if (res_from_json(json, &r, err) < 0)
		return -1;
	int rc = res_v2_apply(fd, &r, false, err);
	cgroup_resources_free(&r);
	return rc;
}

#define check_file(fd, file, want)                                                                 \
	do {                                                                                       \
		char *_got = content(fd, file);                                                    \
		is_str(_got, want, "%s is %s", file, want);                                        \
		free(_got);                                                                        \
	} while (0)

int main(void)
{
	char dir[64];
	struct error err = {0};
	int fd = fresh(dir, "cpuset cpu io memory hugetlb pids rdma misc\n");
	ok(fd >= 0, "a temporary cgroup stand-in");
	ok(apply(fd,
		 "{\"pids\": {\"limit\": 20}, \"memory\": {\"limit\": 33554432, \"reservation\": "
		 "1048576, \"swap\": 67108864}, \"cpu\": {\"shares\": 1024, \"quota\": 20000, "
		 "\"period\": 100000, \"cpus\": \"0\", \"mems\": \"0\", \"idle\": 1}, "
		 "\"unified\": {\"memory.high\": \"30000000\"}}",
		 &err) == 0,
	   "a full set of resources applies (%s)", err.msg);
	check_file(fd, "pids.max", "20");
	check_file(fd, "memory.max", "33554432");
	check_file(fd, "memory.low", "1048576");
	/* OCI's swap is memory+swap; v2's memory.swap.max is the swap alone. */
	check_file(fd, "memory.swap.max", "33554432");
	/* runc's conversion of shares [2, 262144] onto weight [1, 10000]. */
	check_file(fd, "cpu.weight", "39");
	check_file(fd, "cpu.max", "20000 100000");
	check_file(fd, "cpuset.cpus", "0");
	check_file(fd, "cpuset.mems", "0");
	check_file(fd, "cpu.idle", "1");
	check_file(fd, "memory.high", "30000000");
	cleanup_dir(fd, dir);

	fd = fresh(dir, "cpuset cpu io memory hugetlb pids rdma misc\n");
	ok(apply(fd, "{\"pids\": {\"limit\": 0}, \"memory\": {\"limit\": -1}}", &err) == 0,
	   "unlimited values apply (%s)", err.msg);
	check_file(fd, "pids.max", "max");
	check_file(fd, "memory.max", "max");
	ok(apply(fd, "{\"memory\": {\"limit\": 67108864, \"swap\": 33554432}}", &err) < 0,
	   "a swap below the memory limit is refused");
	is_str(err.msg,
	       "linux.resources.memory.swap: 33554432 is below linux.resources.memory.limit "
	       "67108864 (swap is memory+swap)",
	       "naming both keys");
	cleanup_dir(fd, dir);

	fd = fresh(dir, "cpuset cpu io hugetlb rdma misc\n");
	ok(apply(fd, "{\"pids\": {\"limit\": 20}}", &err) < 0,
	   "a pids limit without the pids controller is refused");
	contains(err.msg, "linux.resources.pids: the pids controller is not available",
		 "naming the key and the controller");
	char *p = content(fd, "pids.max");
	is_str(p, "", "and nothing is written");
	free(p);
	ok(apply(fd, "{\"network\": {\"classID\": 1}}", &err) < 0, "a net_cls classID is refused");
	contains(err.msg, "net_cls exists only in cgroup v1", "as v1 only");
	cleanup_dir(fd, dir);
	return tap_done();
}
