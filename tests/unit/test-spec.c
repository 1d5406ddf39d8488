/* config.json parser, `berth spec` and `berth features`. JSON in this file is written with
 * single quotes for readability and turned into double quotes before parsing. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/version.h"
#include "runtime/process.h"
#include "runtime/spec.h"
#include "tests/unit/tap.h"

/* tap.h's is_str() and contains() pass their local _c into ok(), which declares its own _c:
 * the condition then reads an uninitialised variable. Local versions with distinct names. */
#undef is_str
#undef contains
#define is_str(got, want, ...)                                                                     \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		int same_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_;                           \
		ok(same_, __VA_ARGS__);                                                            \
		if (!same_)                                                                        \
			printf("#   got '%s', want '%s'\n", g_ ? g_ : "(null)",                    \
			       w_ ? w_ : "(null)");                                                \
	} while (0)
#define contains(got, want, ...)                                                                   \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		int has_ = g_ && w_ && strstr(g_, w_) != NULL;                                     \
		ok(has_, __VA_ARGS__);                                                             \
		if (!has_)                                                                         \
			printf("#   '%s' does not contain '%s'\n", g_ ? g_ : "(null)", w_);        \
	} while (0)

static char *dq(const char *s)
{
	char *d = strdup(s);
	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

static json_t *load(const char *sq)
{
	char *s = dq(sq);
	json_error_t jerr;
	json_t *j = json_loads(s, 0, &jerr);
	if (j == NULL)
		printf("# bad test JSON: %s at %d:%d\n", jerr.text, jerr.line, jerr.column);
	free(s);
	return j;
}

static struct spec *parse(const char *sq, struct error *err)
{
	json_t *j = load(sq);
	if (j == NULL)
		return NULL;
	struct spec *s = spec_parse(j, "config.json", err);
	json_decref(j);
	return s;
}

static char tmpdir[] = "/tmp/berth-test-spec-XXXXXX";

static char *write_tmp(const char *name, const char *data, size_t len)
{
	char *path;
	if (asprintf(&path, "%s/%s", tmpdir, name) < 0)
		return NULL;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

static const char *full_config =
    "{'ociVersion': '1.3.0',"
    " 'process': {'terminal': true, 'consoleSize': {'height': 25, 'width': 80},"
    "  'user': {'uid': 1000, 'gid': 2147483647, 'umask': 18, 'additionalGids': [5, 6, 7],"
    "           'username': 'alice'},"
    "  'args': ['/bin/sh', '-c', 'echo hi'], 'commandLine': 'sh -c x',"
    "  'env': ['PATH=/bin', 'A=b=c'], 'cwd': '/work',"
    "  'capabilities': {'bounding': ['CAP_KILL', 'CAP_SYS_ADMIN', 'CAP_NOT_A_CAP'],"
    "    'effective': ['CAP_CHOWN'], 'inheritable': [], 'permitted': ['CAP_NET_RAW'],"
    "    'ambient': ['CAP_AUDIT_WRITE']},"
    "  'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 4096, 'soft': 1024},"
    "              {'type': 'RLIMIT_CORE', 'hard': 0, 'soft': 0}],"
    "  'noNewPrivileges': true, 'oomScoreAdj': -500, 'apparmorProfile': 'aa',"
    "  'selinuxLabel': 'sl',"
    "  'scheduler': {'policy': 'SCHED_DEADLINE', 'nice': -5, 'priority': 3,"
    "    'flags': ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_UTIL_CLAMP_MAX'],"
    "    'runtime': 100, 'deadline': 200, 'period': 300},"
    "  'ioPriority': {'class': 'IOPRIO_CLASS_BE', 'priority': 4},"
    "  'execCPUAffinity': {'initial': '0-1', 'final': '1'}},"
    " 'root': {'path': 'rootfs', 'readonly': true},"
    " 'hostname': 'box', 'domainname': 'example.org',"
    " 'mounts': [{'destination': '/proc', 'type': 'proc', 'source': 'proc'},"
    "   {'destination': 'data', 'type': 'none', 'source': '/srv', 'options': ['rbind', 'ro'],"
    "    'uidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}],"
    "    'gidMappings': [{'containerID': 0, 'hostID': 200000, 'size': 10}]}],"
    " 'hooks': {'prestart': [{'path': '/bin/true'}],"
    "   'createRuntime': [{'path': '/hook', 'args': ['hook', 'cr'], 'env': ['X=1'], 'timeout': 5},"
    "                     {'path': '/hook2'}],"
    "   'createContainer': [{'path': '/cc'}], 'startContainer': [{'path': '/sc'}],"
    "   'poststart': [{'path': '/ps'}], 'poststop': [{'path': '/pst'}]},"
    " 'annotations': {'org.example.a': '1', 'org.example.b': 'two'},"
    " 'unknownTopLevel': {'whatever': [1, 2, 3]},"
    " 'linux': {"
    "  'namespaces': [{'type': 'pid'}, {'type': 'network', 'path': '/var/run/netns/x'},"
    "    {'type': 'mount'}, {'type': 'ipc'}, {'type': 'uts'}, {'type': 'user'},"
    "    {'type': 'cgroup'}, {'type': 'time'}],"
    "  'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1},"
    "                  {'containerID': 1, 'hostID': 100000, 'size': 65536}],"
    "  'gidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}],"
    "  'timeOffsets': {'monotonic': {'secs': -86400, 'nanosecs': 5},"
    "                  'boottime': {'secs': 3600, 'nanosecs': 999999999}},"
    "  'devices': [{'path': '/dev/fuse', 'type': 'c', 'major': 10, 'minor': 229,"
    "               'fileMode': 438, 'uid': 0, 'gid': 0},"
    "              {'path': '/dev/pipe', 'type': 'p'}],"
    "  'cgroupsPath': '/berth/test',"
    "  'resources': {"
    "   'devices': [{'allow': false, 'access': 'rwm'},"
    "               {'allow': true, 'type': 'c', 'major': 1, 'minor': 3, 'access': 'rw'},"
    "               {'allow': true, 'type': 'b', 'major': 8}],"
    "   'memory': {'limit': 536870912, 'reservation': 268435456, 'swap': -1, 'kernel': 1024,"
    "              'kernelTCP': 2048, 'swappiness': 60, 'disableOOMKiller': true,"
    "              'useHierarchy': false, 'checkBeforeUpdate': true},"
    "   'cpu': {'shares': 512, 'quota': 50000, 'burst': 1000, 'period': 100000,"
    "           'realtimeRuntime': 950, 'realtimePeriod': 1000, 'cpus': '0-1', 'mems': '0',"
    "           'idle': 1},"
    "   'pids': {'limit': 512},"
    "   'blockIO': {'weight': 500, 'leafWeight': 300,"
    "     'weightDevice': [{'major': 8, 'minor': 0, 'weight': 600, 'leafWeight': 100}],"
    "     'throttleReadBpsDevice': [{'major': 8, 'minor': 0, 'rate': 1048576}],"
    "     'throttleWriteBpsDevice': [{'major': 8, 'minor': 16, 'rate': 2097152}],"
    "     'throttleReadIOPSDevice': [{'major': 8, 'minor': 32, 'rate': 100}],"
    "     'throttleWriteIOPSDevice': [{'major': 8, 'minor': 48, 'rate': 200}]},"
    "   'hugepageLimits': [{'pageSize': '2MB', 'limit': 209715200}, {'pageSize': '1GB', 'limit': "
    "0}],"
    "   'network': {'classID': 1048577, 'priorities': [{'name': 'eth0', 'priority': 500}]},"
    "   'rdma': {'mlx5_1': {'hcaHandles': 3, 'hcaObjects': 10000}, 'mlx4_0': {'hcaHandles': 1}},"
    "   'unified': {'memory.high': '1G', 'io.weight': 'default 100'}},"
    "  'intelRdt': {'closID': 'x', 'l3CacheSchema': 'L3:0=ff'},"
    "  'sysctl': {'net.ipv4.ip_forward': '1', 'kernel.shmmax': '4096'},"
    "  'seccomp': {'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 38,"
    "    'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],"
    "    'flags': ['SECCOMP_FILTER_FLAG_LOG'], 'listenerPath': '/run/l.sock',"
    "    'listenerMetadata': 'meta',"
    "    'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"
    "      {'names': ['personality'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1,"
    "       'args': [{'index': 0, 'value': 8, 'op': 'SCMP_CMP_EQ'},"
    "                {'index': 5, 'value': 255, 'valueTwo': 7, 'op': 'SCMP_CMP_MASKED_EQ'}]}]},"
    "  'rootfsPropagation': 'rslave',"
    "  'maskedPaths': ['/proc/kcore', '/sys/firmware'], 'readonlyPaths': ['/proc/sys'],"
    "  'mountLabel': 'ml',"
    "  'personality': {'domain': 'LINUX32', 'flags': []}}}";

#define BIT(c) (UINT64_C(1) << (c))

static void test_full(void)
{
	struct error err = {0};
	struct spec *s = parse(full_config, &err);
	ok(s != NULL, "full config parses (%s)", err.msg);
	if (s == NULL)
		return;
	const struct spec_process *p = &s->process;
	is_str(s->oci_version, "1.3.0", "ociVersion");
	ok(s->has_process && p->terminal, "process.terminal");
	ok(p->has_console_size && p->console_height == 25 && p->console_width == 80, "consoleSize");
	ok(p->user.uid == 1000 && p->user.gid == 2147483647u,
	   "user uid/gid (gid at the highest id)");
	ok(p->user.has_umask && p->user.umask == 18, "umask");
	ok(p->user.n_additional_gids == 3 && p->user.additional_gids[0] == 5 &&
	       p->user.additional_gids[2] == 7,
	   "additionalGids");
	is_str(p->user.username, "alice", "username");
	ok(p->args && strcmp(p->args[0], "/bin/sh") == 0 && strcmp(p->args[2], "echo hi") == 0 &&
	       p->args[3] == NULL,
	   "args");
	is_str(p->command_line, "sh -c x", "commandLine");
	ok(p->env && strcmp(p->env[1], "A=b=c") == 0 && p->env[2] == NULL, "env");
	is_str(p->cwd, "/work", "cwd");
	ok(p->caps.set && p->caps.bounding == (BIT(CAP_KILL) | BIT(CAP_SYS_ADMIN)),
	   "bounding set, unknown capability ignored");
	ok(p->caps.effective == BIT(CAP_CHOWN) && p->caps.inheritable == 0 &&
	       p->caps.permitted == BIT(CAP_NET_RAW) && p->caps.ambient == BIT(CAP_AUDIT_WRITE),
	   "other capability sets");
	ok(p->n_rlimits == 2 && p->rlimits[0].resource == RLIMIT_NOFILE &&
	       p->rlimits[0].hard == 4096 && p->rlimits[0].soft == 1024 &&
	       p->rlimits[1].resource == RLIMIT_CORE,
	   "rlimits");
	ok(p->no_new_privileges && p->has_oom_score_adj && p->oom_score_adj == -500,
	   "noNewPrivileges, oomScoreAdj");
	is_str(p->apparmor_profile, "aa", "apparmorProfile");
	is_str(p->selinux_label, "sl", "selinuxLabel");
	ok(p->scheduler.set && p->scheduler.policy == 6 && p->scheduler.nice == -5 &&
	       p->scheduler.priority == 3 && p->scheduler.flags == (0x01 | 0x40) &&
	       p->scheduler.runtime == 100 && p->scheduler.deadline == 200 &&
	       p->scheduler.period == 300,
	   "scheduler");
	ok(p->io_priority.set && p->io_priority.class == 2 && p->io_priority.priority == 4,
	   "ioPriority");
	ok(p->exec_cpu_affinity_initial && strcmp(p->exec_cpu_affinity_initial, "0-1") == 0 &&
	       strcmp(p->exec_cpu_affinity_final, "1") == 0,
	   "execCPUAffinity");
	ok(strcmp(s->root_path, "rootfs") == 0 && s->root_readonly, "root");
	ok(strcmp(s->hostname, "box") == 0 && strcmp(s->domainname, "example.org") == 0,
	   "hostname, domainname");
	ok(s->n_mounts == 2 && strcmp(s->mounts[0].destination, "/proc") == 0 &&
	       s->mounts[0].options == NULL,
	   "mounts[0]");
	is_str(s->n_mounts == 2 ? s->mounts[1].destination : NULL, "/data",
	       "relative mount destination made absolute");
	ok(s->n_mounts == 2 && s->mounts[1].n_uid_mappings == 1 &&
	       s->mounts[1].uid_mappings[0].host_id == 100000 &&
	       s->mounts[1].uid_mappings[0].size == 65536 &&
	       s->mounts[1].gid_mappings[0].size == 10 &&
	       strcmp(s->mounts[1].options[1], "ro") == 0,
	   "mount options and idmap");
	ok(s->hooks.n[HOOK_PRESTART] == 1 && s->hooks.n[HOOK_CREATE_RUNTIME] == 2 &&
	       s->hooks.n[HOOK_CREATE_CONTAINER] == 1 && s->hooks.n[HOOK_START_CONTAINER] == 1 &&
	       s->hooks.n[HOOK_POSTSTART] == 1 && s->hooks.n[HOOK_POSTSTOP] == 1,
	   "hooks of every kind");
	const struct spec_hook *h = &s->hooks.list[HOOK_CREATE_RUNTIME][0];
	ok(strcmp(h->path, "/hook") == 0 && strcmp(h->args[1], "cr") == 0 &&
	       strcmp(h->env[0], "X=1") == 0 && h->has_timeout && h->timeout == 5 &&
	       !s->hooks.list[HOOK_CREATE_RUNTIME][1].has_timeout,
	   "hook fields");
	ok(s->annotation_keys && strcmp(s->annotation_keys[1], "org.example.b") == 0 &&
	       strcmp(s->annotation_values[1], "two") == 0 && s->annotation_keys[2] == NULL,
	   "annotations");
	const struct spec_linux *l = &s->linux;
	bool all = true;
	for (int t = 0; t < NS_COUNT; t++)
		all = all && l->ns.listed[t];
	ok(all && l->ns.path[NS_NET] && strcmp(l->ns.path[NS_NET], "/var/run/netns/x") == 0 &&
	       l->ns.path[NS_PID] == NULL,
	   "all eight namespaces, one with a path");
	ok(l->n_uid_mappings == 2 && l->uid_mappings[1].container_id == 1 &&
	       l->uid_mappings[1].host_id == 100000 && l->n_gid_mappings == 1,
	   "uid/gid mappings");
	ok(l->time_offsets.has_monotonic && l->time_offsets.monotonic_secs == -86400 &&
	       l->time_offsets.monotonic_nsecs == 5 && l->time_offsets.has_boottime &&
	       l->time_offsets.boottime_nsecs == 999999999,
	   "timeOffsets");
	ok(l->n_devices == 2 && l->devices[0].type == 'c' && l->devices[0].major == 10 &&
	       l->devices[0].minor == 229 && l->devices[0].has_mode &&
	       l->devices[0].file_mode == 438 && l->devices[1].type == 'p' &&
	       !l->devices[1].has_mode,
	   "devices");
	is_str(l->cgroups_path, "/berth/test", "cgroupsPath");
	const struct cgroup_resources *r = &l->resources;
	ok(l->has_resources && r->has_devices && r->n_devices == 3 && !r->devices[0].allow &&
	       r->devices[0].type == 'a' && r->devices[0].major == -1 &&
	       r->devices[1].type == 'c' && r->devices[1].minor == 3 &&
	       strcmp(r->devices[1].access, "rw") == 0 && r->devices[2].minor == -1 &&
	       strcmp(r->devices[2].access, "rwm") == 0,
	   "device cgroup rules (defaults: type a, wildcard, rwm)");
	ok(r->memory.limit.set && r->memory.limit.v == 536870912 && r->memory.swap.v == -1 &&
	       r->memory.kernel_tcp.v == 2048 && r->memory.swappiness.set &&
	       r->memory.swappiness.v == 60 && r->memory.disable_oom_killer.v &&
	       r->memory.use_hierarchy.set && !r->memory.use_hierarchy.v &&
	       r->memory.check_before_update.v && r->memory.reservation.v == 268435456,
	   "memory");
	ok(r->cpu.shares.v == 512 && r->cpu.quota.v == 50000 && r->cpu.burst.v == 1000 &&
	       r->cpu.period.v == 100000 && r->cpu.realtime_runtime.v == 950 &&
	       r->cpu.realtime_period.v == 1000 && strcmp(r->cpu.cpus, "0-1") == 0 &&
	       strcmp(r->cpu.mems, "0") == 0 && r->cpu.idle.set && r->cpu.idle.v == 1,
	   "cpu");
	ok(r->pids_limit.set && r->pids_limit.v == 512, "pids");
	ok(r->blkio.weight.v == 500 && r->blkio.leaf_weight.v == 300 &&
	       r->blkio.n_weight_device == 1 && r->blkio.weight_device[0].weight.v == 600 &&
	       r->blkio.n_throttle[CG_THROTTLE_READ_BPS] == 1 &&
	       r->blkio.throttle[CG_THROTTLE_READ_BPS][0].rate == 1048576 &&
	       r->blkio.throttle[CG_THROTTLE_WRITE_BPS][0].minor == 16 &&
	       r->blkio.throttle[CG_THROTTLE_READ_IOPS][0].rate == 100 &&
	       r->blkio.throttle[CG_THROTTLE_WRITE_IOPS][0].rate == 200,
	   "blockIO");
	ok(r->n_hugepages == 2 && strcmp(r->hugepages[0].page_size, "2MB") == 0 &&
	       r->hugepages[0].limit == 209715200,
	   "hugepageLimits");
	ok(r->net_class_id.set && r->net_class_id.v == 1048577 && r->n_net_prio == 1 &&
	       strcmp(r->net_prio[0].name, "eth0") == 0 && r->net_prio[0].priority == 500,
	   "network");
	ok(r->n_rdma == 2 && strcmp(r->rdma[0].device, "mlx5_1") == 0 &&
	       r->rdma[0].hca_handles.v == 3 && r->rdma[0].hca_objects.v == 10000 &&
	       r->rdma[1].hca_handles.set && !r->rdma[1].hca_objects.set,
	   "rdma");
	ok(r->n_unified == 2 && strcmp(r->unified[1].key, "io.weight") == 0 &&
	       strcmp(r->unified[1].value, "default 100") == 0,
	   "unified");
	ok(l->sysctl_keys && strcmp(l->sysctl_keys[0], "net.ipv4.ip_forward") == 0 &&
	       strcmp(l->sysctl_values[1], "4096") == 0 && l->sysctl_keys[2] == NULL,
	   "sysctl");
	const struct spec_seccomp *sc = l->seccomp;
	ok(sc && strcmp(sc->default_action, "SCMP_ACT_ERRNO") == 0 && sc->has_default_errno_ret &&
	       sc->default_errno_ret == 38 && strcmp(sc->architectures[1], "SCMP_ARCH_X86") == 0 &&
	       strcmp(sc->flags[0], "SECCOMP_FILTER_FLAG_LOG") == 0 &&
	       strcmp(sc->listener_path, "/run/l.sock") == 0 &&
	       strcmp(sc->listener_metadata, "meta") == 0,
	   "seccomp header");
	ok(sc && sc->n_syscalls == 2 && strcmp(sc->syscalls[0].names[1], "write") == 0 &&
	       !sc->syscalls[0].has_errno_ret && sc->syscalls[1].errno_ret == 1 &&
	       sc->syscalls[1].n_args == 2 && sc->syscalls[1].args[1].index == 5 &&
	       sc->syscalls[1].args[1].value == 255 && sc->syscalls[1].args[1].value_two == 7 &&
	       strcmp(sc->syscalls[1].args[1].op, "SCMP_CMP_MASKED_EQ") == 0,
	   "seccomp syscalls");
	is_str(l->rootfs_propagation, "rslave", "rootfsPropagation");
	ok(l->masked_paths && strcmp(l->masked_paths[1], "/sys/firmware") == 0 &&
	       strcmp(l->readonly_paths[0], "/proc/sys") == 0,
	   "masked and readonly paths");
	is_str(l->mount_label, "ml", "mountLabel");
	ok(l->personality.set && strcmp(l->personality.domain, "LINUX32") == 0 &&
	       l->personality.flags && l->personality.flags[0] == NULL,
	   "personality");
	spec_free(s);
}

static void test_minimal(void)
{
	struct error err = {0};
	struct spec *s = parse("{'ociVersion': '1.0.0', 'root': {'path': 'r'}}", &err);
	ok(s && !s->has_process && s->n_mounts == 0 && !s->linux.has_resources &&
	       s->linux.seccomp == NULL && s->annotation_keys == NULL &&
	       !s->linux.ns.listed[NS_PID],
	   "minimal config: everything absent (%s)", err.msg);
	spec_free(s);
	s = parse("{'ociVersion': '1.0.0', 'root': {'path': 'r'}, 'hostname': null,"
		  " 'process': {'args': ['x'], 'user': {'uid': 0, 'gid': 0}}}",
		  &err);
	ok(s && s->hostname == NULL && s->process.cwd && strcmp(s->process.cwd, "/") == 0 &&
	       !s->process.caps.set,
	   "null means absent; absent cwd is /");
	spec_free(s);
}

struct bad {
	const char *extra; /* members added to a valid minimal document */
	const char *want;  /* the exact error message */
};

static const struct bad bad_cases[] = {
    {"'linux': {'resources': {'memory': {'limit': '1G'}}}",
     "config.json: linux.resources.memory.limit: expected an integer"},
    {"'linux': {'resources': {'memory': {'limit': 1.5}}}",
     "config.json: linux.resources.memory.limit: expected an integer"},
    {"'process': {'args': []}", "config.json: process.args: must not be empty"},
    {"'process': {'cwd': '/'}", "config.json: process.args: is required"},
    {"'process': {'args': 'sh'}", "config.json: process.args: expected an array of strings"},
    {"'process': {'args': ['sh', 3]}", "config.json: process.args[1]: expected a string"},
    {"'linux': {'namespaces': [{'type': 'pid'}, {'type': 'ipc'}, {'type': 'foo'}]}",
     "config.json: linux.namespaces[2].type: unknown namespace type \"foo\""},
    {"'linux': {'namespaces': [{'type': 'pid'}, {'type': 'pid'}]}",
     "config.json: linux.namespaces[1].type: duplicate namespace type \"pid\""},
    {"'linux': {'namespaces': [{'path': '/x'}]}",
     "config.json: linux.namespaces[0].type: is required"},
    {"'linux': {'namespaces': ['pid']}", "config.json: linux.namespaces[0]: expected an object"},
    {"'linux': {'namespaces': {'type': 'pid'}}",
     "config.json: linux.namespaces: expected an array"},
    {"'process': {'args': ['x'], 'user': {'uid': -1}}",
     "config.json: process.user.uid: -1 is out of range (0..2147483647)"},
    {"'process': {'args': ['x'], 'user': {'gid': 4294967296}}",
     "config.json: process.user.gid: 4294967296 is out of range (0..2147483647)"},
    {"'process': {'args': ['x'], 'user': {'additionalGids': [1, -2]}}",
     "config.json: process.user.additionalGids[1]: -2 is out of range (0..2147483647)"},
    {"'process': {'args': ['x'], 'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 10, 'soft': 20}]}",
     "config.json: process.rlimits[0].soft: soft limit 20 is above the hard limit 10"},
    {"'process': {'args': ['x'], 'rlimits': [{'type': 'RLIMIT_BOGUS', 'hard': 1, 'soft': 1}]}",
     "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_BOGUS\""},
    {"'process': {'args': ['x'], 'rlimits': [{'type': 'RLIMIT_CPU', 'soft': 1}]}",
     "config.json: process.rlimits[0].hard: is required"},
    {"'process': {'args': ['x'], 'cwd': 'relative/dir'}",
     "config.json: process.cwd: \"relative/dir\" is not an absolute path"},
    {"'process': {'args': ['x'], 'terminal': 'yes'}",
     "config.json: process.terminal: expected a boolean"},
    {"'process': {'args': ['x'], 'oomScoreAdj': 1001}",
     "config.json: process.oomScoreAdj: 1001 is out of range (-1000..1000)"},
    {"'process': {'args': ['x'], 'env': ['NOEQUALS']}",
     "config.json: process.env[0]: \"NOEQUALS\" is not of the form NAME=VALUE"},
    {"'process': {'args': ['x'], 'capabilities': {'bounding': 'CAP_KILL'}}",
     "config.json: process.capabilities.bounding: expected an array of strings"},
    {"'process': {'args': ['x'], 'scheduler': {'policy': 'SCHED_FAST'}}",
     "config.json: process.scheduler.policy: unknown value \"SCHED_FAST\""},
    {"'process': {'args': ['x'], 'scheduler': {'policy': 'SCHED_RR', 'flags': ['SCHED_FLAG_X']}}",
     "config.json: process.scheduler.flags[0]: unknown scheduler flag \"SCHED_FLAG_X\""},
    {"'process': {'args': ['x'], 'scheduler': {'nice': 1}}",
     "config.json: process.scheduler.policy: is required"},
    {"'process': {'args': ['x'], 'ioPriority': {'class': 'IOPRIO_CLASS_BE', 'priority': 8}}",
     "config.json: process.ioPriority.priority: 8 is out of range (0..7)"},
    {"'process': {'args': ['x'], 'consoleSize': {'height': 1}}",
     "config.json: process.consoleSize.width: is required"},
    {"'mounts': [{'type': 'tmpfs'}]", "config.json: mounts[0].destination: is required"},
    {"'mounts': [{'destination': '/a'}, {'destination': '/b', 'options': 'ro'}]",
     "config.json: mounts[1].options: expected an array of strings"},
    {"'mounts': [{'destination': '/a', 'uidMappings': [{'containerID': 0, 'hostID': 0}]}]",
     "config.json: mounts[0].uidMappings[0].size: is required"},
    {"'hooks': {'prestart': [{'path': 'relative'}]}",
     "config.json: hooks.prestart[0].path: \"relative\" is not an absolute path"},
    {"'hooks': {'poststop': [{'path': '/x', 'timeout': 0}]}",
     "config.json: hooks.poststop[0].timeout: 0 is out of range (1..2147483647)"},
    {"'hooks': {'createRuntime': {'path': '/x'}}",
     "config.json: hooks.createRuntime: expected an array"},
    {"'annotations': {'a': 1}", "config.json: annotations.a: expected a string"},
    /* (uid_t)-1 is "unchanged" to setresuid: it would leave the process root. */
    {"'process': {'args': ['x'], 'user': {'uid': 4294967295, 'gid': 4294967295}}",
     "config.json: process.user.uid: 4294967295 is out of range (0..2147483647)"},
    {"'process': {'args': ['x'], 'user': {'uid': 0, 'gid': 2147483648}}",
     "config.json: process.user.gid: 2147483648 is out of range (0..2147483647)"},
    {"'process': {'args': ['x'], 'user': {'additionalGids': [1, 4294967295]}}",
     "config.json: process.user.additionalGids[1]: 4294967295 is out of range (0..2147483647)"},
    {"'linux': {'uidMappings': [{'containerID': 4294967295, 'hostID': 0, 'size': 1}]}",
     "config.json: linux.uidMappings[0].containerID: 4294967295 is out of range "
     "(0..2147483647)"},
    {"'linux': {'gidMappings': [{'containerID': 0, 'hostID': 2147483648, 'size': 1}]}",
     "config.json: linux.gidMappings[0].hostID: 2147483648 is out of range (0..2147483647)"},
    {"'linux': {'uidMappings': [{'containerID': 0, 'hostID': 2147418112, 'size': 65537}]}",
     "config.json: linux.uidMappings[0]: the range of 65537 ids from hostID 2147418112 ends "
     "past 2147483647"},
    {"'linux': {'gidMappings': [{'containerID': 1, 'hostID': 0, 'size': 4294967295}]}",
     "config.json: linux.gidMappings[0]: the range of 4294967295 ids from containerID 1 ends "
     "past 2147483647"},
    {"'mounts': [{'destination': '/a', 'uidMappings': [{'containerID': 2147483647, "
     "'hostID': 0, 'size': 2}]}]",
     "config.json: mounts[0].uidMappings[0]: the range of 2 ids from containerID 2147483647 "
     "ends past 2147483647"},
    {"'linux': {'uidMappings': [{'containerID': 0, 'hostID': -5, 'size': 1}]}",
     "config.json: linux.uidMappings[0].hostID: -5 is out of range (0..2147483647)"},
    {"'linux': {'timeOffsets': {'realtime': {'secs': 1}}}",
     "config.json: linux.timeOffsets.realtime: unknown clock (monotonic or boottime)"},
    {"'linux': {'timeOffsets': {'boottime': {'nanosecs': 1000000000}}}",
     "config.json: linux.timeOffsets.boottime.nanosecs: 1000000000 is out of range "
     "(0..999999999)"},
    {"'linux': {'devices': [{'path': '/dev/x', 'type': 'z', 'major': 1, 'minor': 1}]}",
     "config.json: linux.devices[0].type: unknown device type \"z\" (c, b, u or p)"},
    {"'linux': {'devices': [{'path': '/dev/x', 'type': 'c', 'major': 1}]}",
     "config.json: linux.devices[0].minor: is required"},
    {"'linux': {'resources': {'memory': {'swappiness': 101}}}",
     "config.json: linux.resources.memory.swappiness: 101 is out of range (0..100)"},
    {"'linux': {'resources': {'memory': {'limit': -2}}}",
     "config.json: linux.resources.memory.limit: -2 is out of range "
     "(-1..9223372036854775807)"},
    {"'linux': {'resources': {'cpu': {'shares': -1}}}",
     "config.json: linux.resources.cpu.shares: -1 is out of range (0..18446744073709551615)"},
    {"'linux': {'resources': {'cpu': {'cpus': 1}}}",
     "config.json: linux.resources.cpu.cpus: expected a string"},
    {"'linux': {'resources': {'pids': {'limit': true}}}",
     "config.json: linux.resources.pids.limit: expected an integer"},
    {"'linux': {'resources': {'devices': [{'allow': true, 'access': 'xa'}]}}",
     "config.json: linux.resources.devices[0].access: \"xa\" names none of r, w and m"},
    {"'linux': {'resources': {'devices': [{'access': 'r'}]}}",
     "config.json: linux.resources.devices[0].allow: is required"},
    {"'linux': {'resources': {'blockIO': {'weight': 70000}}}",
     "config.json: linux.resources.blockIO.weight: 70000 is out of range (0..65535)"},
    {"'linux': {'resources': {'blockIO': {'throttleReadBpsDevice': [{'major': 8, 'minor': 0}]}}}",
     "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rate: is required"},
    {"'linux': {'resources': {'hugepageLimits': [{'limit': 1}]}}",
     "config.json: linux.resources.hugepageLimits[0].pageSize: is required"},
    {"'linux': {'resources': {'network': {'priorities': [{'name': 'eth0', 'priority': 'hi'}]}}}",
     "config.json: linux.resources.network.priorities[0].priority: expected an integer"},
    {"'linux': {'resources': {'rdma': {'mlx5_1': {'hcaHandles': -1}}}}",
     "config.json: linux.resources.rdma.mlx5_1.hcaHandles: -1 is out of range (0..4294967295)"},
    {"'linux': {'resources': {'unified': {'../escape': '1'}}}",
     "config.json: linux.resources.unified.../escape: not a cgroup file name"},
    {"'linux': {'resources': {'unified': {'memory.max': 5}}}",
     "config.json: linux.resources.unified.memory.max: expected a string"},
    {"'linux': {'sysctl': {'net.ipv4.ip_forward': 1}}",
     "config.json: linux.sysctl.net.ipv4.ip_forward: expected a string"},
    {"'linux': {'seccomp': {'syscalls': []}}",
     "config.json: linux.seccomp.defaultAction: is required"},
    {"'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_BOOM'}}",
     "config.json: linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_BOOM\""},
    {"'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': "
     "['SCMP_ARCH_Z80']}}",
     "config.json: linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_Z80\""},
    {"'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'flags': "
     "['SECCOMP_FILTER_FLAG_X']}}",
     "config.json: linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_X\""},
    {"'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'],"
     " 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 6, 'value': 1, 'op': 'SCMP_CMP_EQ'}]}]}}",
     "config.json: linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0..5)"},
    {"'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'],"
     " 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 1, 'value': 1, 'op': 'EQ'}]}]}}",
     "config.json: linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"EQ\""},
    {"'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': [],"
     " 'action': 'SCMP_ACT_ERRNO'}]}}",
     "config.json: linux.seccomp.syscalls[0].names: must not be empty"},
    {"'linux': {'rootfsPropagation': 'sideways'}",
     "config.json: linux.rootfsPropagation: unknown value \"sideways\""},
    {"'linux': {'personality': {'domain': 'LINUX64'}}",
     "config.json: linux.personality.domain: unknown value \"LINUX64\""},
    {"'linux': {'maskedPaths': [1]}", "config.json: linux.maskedPaths[0]: expected a string"},
    {"'linux': []", "config.json: linux: expected an object"},
    {"'hostname': 5", "config.json: hostname: expected a string"},
};

static void test_id_limits(void)
{
	struct error err = {0};
	struct spec *s =
	    parse("{'ociVersion': '1.3.0', 'root': {'path': 'r'}, 'process': {'args':"
		  " ['x'], 'user': {'uid': 2147483647, 'gid': 2147483647, "
		  "'additionalGids': [2147483647]}}, 'linux': {'namespaces': [{'type': "
		  "'user'}], 'uidMappings': [{'containerID': 0, 'hostID': 2147418112, "
		  "'size': 65536}], 'gidMappings': [{'containerID': 2147483647, "
		  "'hostID': 2147483647, 'size': 1}]}}",
		  &err);
	ok(s && s->process.user.uid == 2147483647u && s->process.user.gid == 2147483647u &&
	       s->process.user.additional_gids[0] == 2147483647u &&
	       s->linux.uid_mappings[0].size == 65536,
	   "ids and map ranges up to 2147483647 accepted (%s)", err.msg);
	spec_free(s);
}

static void test_keep_original_groups(void)
{
	/* crun's rule: present with any value but "0". */
	const struct {
		const char *annotations;
		bool keep;
	} cases[] = {
	    {"", false},
	    {", 'annotations': {'run.oci.keep_original_groups': '1'}", true},
	    {", 'annotations': {'run.oci.keep_original_groups': 'true'}", true},
	    {", 'annotations': {'run.oci.keep_original_groups': '0'}", false},
	    {", 'annotations': {'run.oci.keep_original_groups_x': '1'}", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char doc[512];
		snprintf(doc, sizeof doc,
			 "{'ociVersion': '1.3.0', 'root': {'path': 'r'}, 'process': {'args': ['x'],"
			 " 'user': {'uid': 0, 'gid': 0, 'additionalGids': [4]}}%s}",
			 cases[i].annotations);
		struct error err = {0};
		struct spec *s = parse(doc, &err);
		ok(s && s->process.user.keep_original_groups == cases[i].keep &&
		       s->process.user.n_additional_gids == 1,
		   "keep_original_groups %s for \"%s\"", cases[i].keep ? "set" : "unset",
		   cases[i].annotations);
		spec_free(s);
	}
}

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		char doc[4096];
		snprintf(doc, sizeof doc, "{'ociVersion': '1.3.0', 'root': {'path': 'rootfs'}, %s}",
			 bad_cases[i].extra);
		struct error err = {0};
		struct spec *s = parse(doc, &err);
		ok(s == NULL, "rejected: %s", bad_cases[i].extra);
		is_str(err.msg, bad_cases[i].want, "message names the path");
		spec_free(s);
	}
	struct error err = {0};
	struct spec *s = parse("{'root': {'path': 'r'}}", &err);
	ok(s == NULL, "missing ociVersion rejected");
	is_str(err.msg, "config.json: ociVersion: is required", "missing ociVersion message");
	s = parse("{'ociVersion': '1.3.0'}", &err);
	is_str(err.msg, "config.json: root: is required", "missing root");
	s = parse("{'ociVersion': '1.3.0', 'root': {'readonly': true}}", &err);
	is_str(err.msg, "config.json: root.path: is required", "missing root.path");
	s = parse("{'ociVersion': 1, 'root': {'path': 'r'}}", &err);
	is_str(err.msg, "config.json: ociVersion: expected a string", "ociVersion wrong type");
	s = parse("[1, 2]", &err);
	is_str(err.msg, "config.json: expected an object", "top level not an object");
}

static void test_files(void)
{
	struct error err = {0};
	char *missing;
	if (asprintf(&missing, "%s/nope/config.json", tmpdir) < 0)
		return;
	struct spec *s = spec_load_file(missing, &err);
	ok(s == NULL && err.err == ENOENT, "missing file fails with ENOENT");
	contains(err.msg, missing, "message names the missing path");
	free(missing);

	const char *broken = "{\n  \"ociVersion\": \"1.3.0\",\n  \"root\": {\"path\": }\n}\n";
	char *path = write_tmp("broken.json", broken, strlen(broken));
	s = spec_load_file(path, &err);
	ok(s == NULL, "malformed JSON rejected");
	contains(err.msg, path, "syntax error names the file");
	contains(err.msg, "line 3 column", "syntax error names line and column");
	free(path);

	/* A uint64 above INT64_MAX (RLIM_INFINITY) cannot be held by jansson directly. */
	const char *big = "{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"r\"}, \"process\": "
			  "{\"args\": [\"x\"], \"rlimits\": [{\"type\": \"RLIMIT_CORE\", "
			  "\"hard\": 18446744073709551615, \"soft\": 9223372036854775808}]}, "
			  "\"linux\": {\"resources\": {\"memory\": {\"swappiness\": "
			  "18446744073709551615}}}}";
	path = write_tmp("config.json", big, strlen(big));
	s = spec_load_file(path, &err);
	ok(s && s->process.n_rlimits == 1 && s->process.rlimits[0].hard == UINT64_MAX &&
	       s->process.rlimits[0].soft == UINT64_C(9223372036854775808),
	   "uint64 values above INT64_MAX parse (%s)", s ? "" : err.msg);
	ok(s && !s->linux.resources.memory.swappiness.set,
	   "swappiness uint64 max means unset, as in runc");
	spec_free(s);
	free(path);

	const char *bigint = "{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"r\"}, "
			     "\"linux\": {\"resources\": {\"memory\": {\"limit\": "
			     "18446744073709551615}}}}";
	path = write_tmp("config.json", bigint, strlen(bigint));
	s = spec_load_file(path, &err);
	ok(s == NULL, "uint64 max where int64 is expected rejected");
	is_str(err.msg,
	       "config.json: linux.resources.memory.limit: 18446744073709551615 is out of range "
	       "(-1..9223372036854775807)",
	       "range message with the base name");
	free(path);

	const char *huge = "{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"r\"}, "
			   "\"process\": {\"args\": [\"x\"], \"user\": {\"uid\": "
			   "99999999999999999999999}}}";
	path = write_tmp("config.json", huge, strlen(huge));
	s = spec_load_file(path, &err);
	ok(s == NULL && err.msg[0] != '\0', "integer beyond uint64 rejected: %s", err.msg);
	free(path);
}

static void test_process_and_resources(void)
{
	struct error err = {0};
	struct spec_process p;
	json_t *j = load("{'args': ['/bin/ls', '-l'], 'cwd': '/tmp', 'user': {'uid': 7},"
			 " 'capabilities': {'effective': ['CAP_KILL']}}");
	ok(spec_parse_process(j, "process.json", &p, &err) == 0 && strcmp(p.args[1], "-l") == 0 &&
	       p.user.uid == 7 && p.caps.effective == BIT(CAP_KILL),
	   "spec_parse_process");
	spec_process_free(&p);
	json_decref(j);
	j = load("{'args': ['x'], 'user': {'uid': 'root'}}");
	ok(spec_parse_process(j, "process.json", &p, &err) < 0, "spec_parse_process rejects");
	is_str(err.msg, "process.json: user.uid: expected an integer", "path relative to document");
	json_decref(j);

	/* exec --process FILE goes through the same limits. */
	j = load("{'args': ['x'], 'user': {'uid': 4294967295}}");
	ok(spec_parse_process(j, "process.json", &p, &err) < 0, "process file: uid -1 refused");
	is_str(err.msg, "process.json: user.uid: 4294967295 is out of range (0..2147483647)",
	       "process file: uid range message");
	json_decref(j);

	struct cgroup_resources r;
	j = load("{'memory': {'limit': 1048576}, 'pids': {'limit': 10}, 'cpu': {'cpus': '0'}}");
	ok(spec_parse_resources(j, "resources.json", &r, &err) == 0 &&
	       r.memory.limit.v == 1048576 && r.pids_limit.v == 10 &&
	       strcmp(r.cpu.cpus, "0") == 0 && !r.has_devices,
	   "spec_parse_resources");
	cgroup_resources_free(&r);
	json_decref(j);
	j = load("{'cpu': {'quota': 'max'}}");
	ok(spec_parse_resources(j, "resources.json", &r, &err) < 0, "spec_parse_resources rejects");
	is_str(err.msg, "resources.json: cpu.quota: expected an integer", "resources path");
	json_decref(j);
}

/* Values that must match `runc spec` as runc printed them on this machine. */
static void check_default(struct spec *s, bool rootless, const char *what)
{
	ok(s != NULL, "%s parses", what);
	if (s == NULL)
		return;
	ok(s->process.terminal && strcmp(s->process.args[0], "sh") == 0 &&
	       s->process.caps.bounding ==
		   (BIT(CAP_AUDIT_WRITE) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE)) &&
	       s->process.caps.ambient == s->process.caps.bounding && s->process.n_rlimits == 1 &&
	       s->process.rlimits[0].hard == 1024 && s->process.no_new_privileges,
	   "%s: process", what);
	ok(s->root_readonly && strcmp(s->root_path, "rootfs") == 0 && s->n_mounts == 7,
	   "%s: root and 7 mounts", what);
	ok(s->linux.ns.listed[NS_USER] == rootless && s->linux.ns.listed[NS_NET] == !rootless &&
	       s->linux.ns.listed[NS_PID] && s->linux.ns.listed[NS_MNT],
	   "%s: namespaces", what);
	if (rootless)
		ok(s->linux.n_uid_mappings == 1 && s->linux.uid_mappings[0].host_id == getuid() &&
		       s->linux.gid_mappings[0].host_id == getgid() &&
		       strcmp(s->mounts[5].type, "none") == 0,
		   "%s: maps to the current user, sysfs bound", what);
	else
		ok(s->linux.has_resources && s->linux.resources.n_devices == 1 &&
		       !s->linux.resources.devices[0].allow &&
		       strcmp(s->mounts[5].type, "sysfs") == 0,
		   "%s: deny-all device rule, sysfs", what);
}

static json_t *runc_spec(bool rootless)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "cd %s && rm -f config.json && runc spec%s 2>/dev/null", tmpdir,
		 rootless ? " --rootless" : "");
	if (system(cmd) != 0)
		return NULL;
	char path[128];
	snprintf(path, sizeof path, "%s/config.json", tmpdir);
	return json_load_file(path, 0, NULL);
}

static void test_defaults(void)
{
	for (int rootless = 0; rootless <= 1; rootless++) {
		const char *what = rootless ? "default rootless spec" : "default spec";
		struct error err = {0};
		json_t *d = spec_default(rootless);
		is_str(json_string_value(json_object_get(d, "ociVersion")), OCI_SPEC_VERSION,
		       "%s: ociVersion", what);
		char *text = json_dumps(d, JSON_INDENT(2));
		json_t *back = json_loads(text, 0, NULL);
		struct spec *s = spec_parse(back, "config.json", &err);
		check_default(s, rootless, what);
		spec_free(s);
		json_decref(back);
		free(text);

		json_t *runc = runc_spec(rootless);
		if (runc == NULL) {
			ok(1, "# SKIP runc not available");
			json_decref(d);
			continue;
		}
		s = spec_parse(runc, "config.json", &err);
		check_default(s, rootless, rootless ? "runc spec --rootless" : "runc spec");
		spec_free(s);
		json_object_set_new(runc, "ociVersion", json_string("1.3.0"));
		ok(json_equal(runc, d), "%s equals runc's field for field", what);
		json_decref(runc);
		json_decref(d);
	}
}

static bool has_string(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), s) == 0) return true;
	return false;
}

static void test_features(void)
{
	json_t *f = spec_features();
	ok(f != NULL, "features document built");
	is_str(json_string_value(json_object_get(f, "ociVersionMin")), "1.0.0", "ociVersionMin");
	is_str(json_string_value(json_object_get(f, "ociVersionMax")), OCI_SPEC_VERSION,
	       "ociVersionMax");
	json_t *opts = json_object_get(f, "mountOptions");
	ok(has_string(opts, "rbind") && has_string(opts, "idmap") && has_string(opts, "ridmap") &&
	       has_string(opts, "rro") && has_string(opts, "tmpcopyup"),
	   "mountOptions: idmap, rro and tmpcopyup");
	json_t *l = json_object_get(f, "linux");
	json_t *caps = json_object_get(l, "capabilities");
	bool all_known = json_array_size(caps) >= 41;
	size_t i;
	json_t *v;
	json_array_foreach(caps, i, v) all_known =
	    all_known && capability_from_name(json_string_value(v)) == (int)i;
	ok(all_known, "every listed capability is accepted by the parser");
	json_t *ns = json_object_get(l, "namespaces");
	ok(json_array_size(ns) == 8 && has_string(ns, "time") && has_string(ns, "cgroup"),
	   "eight namespaces");
	json_t *sc = json_object_get(l, "seccomp");
	ok(json_is_true(json_object_get(sc, "enabled")) &&
	       has_string(json_object_get(sc, "archs"), "SCMP_ARCH_X86_64") &&
	       has_string(json_object_get(sc, "actions"), "SCMP_ACT_NOTIFY") &&
	       has_string(json_object_get(sc, "operators"), "SCMP_CMP_MASKED_EQ") &&
	       has_string(json_object_get(sc, "supportedFlags"), "SECCOMP_FILTER_FLAG_LOG"),
	   "seccomp section from libseccomp");
	json_t *cg = json_object_get(l, "cgroup");
	ok(json_is_true(json_object_get(cg, "v1")) && json_is_true(json_object_get(cg, "rdma")) &&
	       json_is_false(json_object_get(cg, "systemd")),
	   "cgroup section");
	ok(json_is_true(json_object_get(
	       json_object_get(json_object_get(l, "mountExtensions"), "idmap"), "enabled")),
	   "mountExtensions.idmap.enabled");
	/* Same shape as runc's document: every key runc prints, we print too. */
	FILE *pf = popen("runc features 2>/dev/null", "r");
	json_t *runc = pf ? json_loadf(pf, 0, NULL) : NULL;
	if (pf)
		pclose(pf);
	if (runc) {
		bool same = true;
		const char *k;
		json_object_foreach(runc, k, v) same = same && json_object_get(f, k) != NULL;
		json_object_foreach(json_object_get(runc, "linux"), k, v) same =
		    same && json_object_get(l, k) != NULL;
		ok(same, "every key of `runc features` is present");
		json_decref(runc);
	} else {
		ok(1, "# SKIP runc not available");
	}
	json_decref(f);
}

static void test_names(void)
{
	ok(capability_from_name("CAP_SYS_ADMIN") == CAP_SYS_ADMIN &&
	       capability_from_name("CAP_CHECKPOINT_RESTORE") == 40 &&
	       capability_from_name("cap_sys_admin") == -1 && capability_from_name("X") == -1,
	   "capability_from_name");
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int last = -1;
	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = -1;
		fclose(f);
	}
	ok(capability_last() == last && last > 30, "capability_last matches the kernel (%d)", last);
	ok(rlimit_from_name("RLIMIT_NOFILE") == RLIMIT_NOFILE &&
	       rlimit_from_name("RLIMIT_RTTIME") == RLIMIT_RTTIME &&
	       rlimit_from_name("NOFILE") == -1,
	   "rlimit_from_name");
}

static void test_abuse(void)
{
	struct error err = {0};
	/* 10000 levels of nesting in the text: jansson's depth limit refuses it cleanly. */
	size_t depth = 10000;
	char *deep = malloc(depth * 2 + 256);
	int n = sprintf(deep, "{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"r\"}, \"x\": ");
	memset(deep + n, '[', depth);
	memset(deep + n + depth, ']', depth);
	strcpy(deep + n + 2 * depth, "}");
	char *path = write_tmp("config.json", deep, strlen(deep));
	struct spec *s = spec_load_file(path, &err);
	ok(s == NULL && strstr(err.msg, "line 1") != NULL, "10000-deep text refused: %s", err.msg);
	free(path);
	free(deep);

	/* The same depth built in memory, under an ignored key and where a string is expected. */
	json_t *inner = json_string("leaf");
	for (size_t i = 0; i < depth; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "n", inner);
		inner = o;
	}
	json_t *doc = load("{'ociVersion': '1.3.0', 'root': {'path': 'r'}}");
	json_object_set(doc, "unknown", inner);
	s = spec_parse(doc, "config.json", &err);
	ok(s != NULL, "deep unknown field ignored");
	spec_free(s);
	json_object_set(doc, "hostname", inner);
	s = spec_parse(doc, "config.json", &err);
	is_str(err.msg, "config.json: hostname: expected a string", "deep value where a string is");
	json_object_del(doc, "hostname");
	json_t *linux_obj = json_object();
	json_object_set_new(linux_obj, "resources", json_array());
	json_object_set(linux_obj, "sysctl", inner);
	json_object_set_new(doc, "linux", linux_obj);
	s = spec_parse(doc, "config.json", &err);
	is_str(err.msg, "config.json: linux.resources: expected an object", "deep sibling");
	json_decref(inner);
	json_decref(doc);

	/* Huge strings: a 16 MiB hostname is data; a 1 MiB key in an error path is cut short. */
	size_t big = 16 << 20;
	char *str = malloc(big + 1);
	memset(str, 'h', big);
	str[big] = '\0';
	doc = load("{'ociVersion': '1.3.0', 'root': {'path': 'r'}, 'linux': {'sysctl': {}, "
		   "'namespaces': [{'type': 'uts'}]}}");
	json_object_set_new(doc, "hostname", json_string(str));
	str[1 << 20] = '\0';
	json_object_set_new(json_object_get(json_object_get(doc, "linux"), "sysctl"), str,
			    json_integer(1));
	s = spec_parse(doc, "config.json", &err);
	ok(s == NULL && strncmp(err.msg, "config.json: linux.sysctl.hhhh", 30) == 0 &&
	       strlen(err.msg) < sizeof err.msg,
	   "huge key in an error path is truncated safely");
	json_object_del(json_object_get(doc, "linux"), "sysctl");
	s = spec_parse(doc, "config.json", &err);
	ok(s && strlen(s->hostname) == big, "16 MiB hostname kept whole");
	spec_free(s);
	json_decref(doc);
	free(str);

	/* A string with an embedded NUL cannot become a C string silently. */
	doc = load("{'ociVersion': '1.3.0', 'root': {'path': 'r'}}");
	json_object_set_new(doc, "hostname", json_stringn("a\0b", 3));
	s = spec_parse(doc, "config.json", &err);
	is_str(err.msg, "config.json: hostname: must not contain a NUL character", "embedded NUL");
	json_decref(doc);

	/* Every prefix of the full config: must never crash, only fail or succeed. */
	char *full = dq(full_config);
	size_t len = strlen(full), failed = 0;
	for (size_t cut = 0; cut < len; cut += 7) {
		json_t *j = json_loadb(full, cut, 0, NULL);
		if (j == NULL) {
			failed++;
			continue;
		}
		spec_free(spec_parse(j, "config.json", &err));
		json_decref(j);
	}
	ok(failed > 0, "truncated documents handled (%zu refused)", failed);
	/* Every member of the full config replaced by a value of each wrong type. */
	json_t *base = json_loads(full, 0, NULL);
	json_t *wrong[] = {json_integer(-1), json_string("x"), json_true(),
			   json_array(),     json_object(),    json_real(1.5)};
	size_t rejected = 0, tried = 0;
	const char *k;
	json_t *v;
	json_t *lin = json_object_get(base, "linux");
	json_t *proc = json_object_get(base, "process");
	json_t *res = json_object_get(lin, "resources");
	json_t *objs[] = {base, lin, proc, res};
	for (size_t o = 0; o < 4; o++) {
		void *tmp;
		json_object_foreach_safe(objs[o], tmp, k, v)
		{
			for (size_t w = 0; w < 6; w++) {
				json_t *copy = json_deep_copy(base);
				json_t *target =
				    o == 0   ? copy
				    : o == 1 ? json_object_get(copy, "linux")
				    : o == 2 ? json_object_get(copy, "process")
					     : json_object_get(json_object_get(copy, "linux"),
							       "resources");
				json_object_set(target, k, wrong[w]);
				struct spec *bad = spec_parse(copy, "config.json", &err);
				tried++;
				if (bad == NULL)
					rejected++;
				spec_free(bad);
				json_decref(copy);
			}
		}
	}
	ok(tried > 200 && rejected > tried * 3 / 4, "wrong types everywhere: %zu of %zu rejected",
	   rejected, tried);
	for (size_t w = 0; w < 6; w++)
		json_decref(wrong[w]);
	json_decref(base);
	free(full);
}

int main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_names();
	test_full();
	test_minimal();
	test_errors();
	test_id_limits();
	test_keep_original_groups();
	test_files();
	test_process_and_resources();
	test_defaults();
	test_features();
	test_abuse();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return tap_done();
}
