/* cgroups/res_v1: OCI resources -> v1 controller files, written into temporary directories that
 * stand in for the hierarchies (memory, cpu,cpuacct, pids) and the container's cgroup in each. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroups/resources.h"
#include "cgroups/v1_hier.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "runtime/spec.h"
#include "tests/unit/res_json.h"
#include "tests/unit/tap.h"

int v1_apply(struct cgroup *cg, const struct cgroup_resources *r, bool update, struct error *err);

static const char *const ctrls[] = {"memory", "cpu,cpuacct", "pids"};
static const char *const files[] = {"memory.limit_in_bytes", "memory.soft_limit_in_bytes",
				    "cpu.cfs_quota_us", "cpu.cfs_period_us", "pids.max"};
static char top[64];

static void make_tree(struct v1_state *s)
{
	strcpy(top, "/tmp/berth-res-v1-XXXXXX");
	if (mkdtemp(top) == NULL)
		return;
	for (size_t i = 0; i < sizeof ctrls / sizeof ctrls[0]; i++) {
		char p[256];
		snprintf(p, sizeof p, "%s/%s", top, ctrls[i]);
		mkdir(p, 0755);
		snprintf(p, sizeof p, "%s/%s/c1", top, ctrls[i]);
		mkdir(p, 0755);
		for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
			snprintf(p, sizeof p, "%s/%s/c1/%s", top, ctrls[i], files[f]);
			close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
		}
		snprintf(p, sizeof p, "%s/%s", top, ctrls[i]);
		s->h[s->n].mnt = strdup(p);
		s->h[s->n].ctrls = strdup(ctrls[i]);
		s->n++;
	}
}

static char *content(const char *ctrl, const char *file)
{
	char p[256], *s = NULL;
	struct error err = {0};
	snprintf(p, sizeof p, "%s/%s/c1/%s", top, ctrl, file);
	if (read_file_at(AT_FDCWD, p, &s, NULL, &err) < 0)
		return NULL;
	return s;
}

static int apply(struct cgroup *cg, const char *json, struct error *err)
{
	struct cgroup_resources r;
	if (res_from_json(json, &r, err) < 0)
		return -1;
	int rc = v1_apply(cg, &r, false, err);
	cgroup_resources_free(&r);
	return rc;
}

#define check_file(ctrl, file, want)                                                               \
	do {                                                                                       \
		char *_got = content(ctrl, file);                                                  \
		is_str(_got, want, "%s is %s", file, want);                                        \
		free(_got);                                                                        \
	} while (0)

int main(void)
{
	struct v1_state s = {0};
	make_tree(&s);
	ok(s.n == 3, "three stand-in hierarchies");
	struct cgroup cg = {.mode = CGROUP_MODE_V1, .path = "/c1", .priv = &s};
	struct error err = {0};
	ok(apply(&cg,
		 "{\"memory\": {\"limit\": 33554432, \"reservation\": 1048576}, \"cpu\": "
		 "{\"quota\": 20000, \"period\": 100000}, \"pids\": {\"limit\": 20}}",
		 &err) == 0,
	   "memory, cpu and pids apply (%s)", err.msg);
	check_file("memory", "memory.limit_in_bytes", "33554432");
	check_file("memory", "memory.soft_limit_in_bytes", "1048576");
	check_file("cpu,cpuacct", "cpu.cfs_quota_us", "20000");
	check_file("cpu,cpuacct", "cpu.cfs_period_us", "100000");
	check_file("pids", "pids.max", "20");

	ok(apply(&cg, "{\"memory\": {\"limit\": 67108864, \"swap\": 33554432}}", &err) < 0,
	   "a swap below the memory limit is refused");
	contains(err.msg, "memory.swap: 33554432 is below memory.limit 67108864",
		 "naming both keys");
	ok(apply(&cg, "{\"unified\": {\"memory.high\": \"1\"}}", &err) < 0,
	   "unified keys are refused on v1");
	contains(err.msg, "requires cgroup v2", "saying why");
	ok(apply(&cg, "{\"blockIO\": {\"weight\": 100}}", &err) < 0,
	   "a controller with no hierarchy is refused");
	contains(err.msg, "the cgroup v1 \"blkio\" controller is not mounted on this host",
		 "naming it");

	for (int i = 0; i < s.n; i++) {
		for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
			char p[256];
			snprintf(p, sizeof p, "%s/c1/%s", s.h[i].mnt, files[f]);
			unlink(p);
		}
		char p[256];
		snprintf(p, sizeof p, "%s/c1", s.h[i].mnt);
		rmdir(p);
		rmdir(s.h[i].mnt);
		free(s.h[i].mnt);
		free(s.h[i].ctrls);
	}
	rmdir(top);
	return tap_done();
}
