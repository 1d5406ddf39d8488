#include "runtime/teardown.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "images/overlay.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fault.h"
#include "lib/jsonutil.h"
#include "lib/log.h"
#include "runtime/hooks.h"

const struct teardown_kind teardown_kinds[] = {
    {"cgroup", cgroup_remove_held},
    {"process", teardown_remove_process},
    {OVERLAY_RECORD_KIND, overlay_remove_held},
};
const size_t teardown_n_kinds = sizeof teardown_kinds / sizeof teardown_kinds[0];

int teardown_remove_process(int argc, char *const *argv, struct error *err)
{
	char *e1, *e2;
	long pid = argc == 2 ? strtol(argv[0], &e1, 10) : -1;
	unsigned long long start = argc == 2 ? strtoull(argv[1], &e2, 10) : 0;
	if (argc != 2 || *e1 || *e2 || pid < 0 || pid > INT32_MAX)
		return error_set(err, EINVAL, "process entry: expected PID STARTTIME");
	/* 0: init died before its start time could be read. */
	if (pid == 0 || start == 0)
		return 0;
	bool zombie;
	_cleanup_close_ int fd = process_pidfd((pid_t)pid, start, &zombie);
	if (fd < 0) {
		if (errno == ESRCH)
			return 0;
		if (errno != ENOSYS)
			return error_errno(err, "process %ld: pidfd_open", pid);
		/* No pidfd (an older kernel; valgrind): checked by its start time, then killed by
		 * number, and waited for through /proc. */
		bool z;
		if (process_start_time((pid_t)pid, &z) != start || z) {
			waitpid((pid_t)pid, NULL, WNOHANG);
			return 0;
		}
		if (kill((pid_t)pid, SIGKILL) < 0 && errno != ESRCH)
			return error_errno(err, "process %ld: kill", pid);
		for (int i = 0; i < 1000; i++) {
			if (process_start_time((pid_t)pid, &z) != start || z)
				break;
			usleep(10000);
		}
		waitpid((pid_t)pid, NULL, WNOHANG);
		return 0;
	}
	if (!zombie && syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return error_errno(err, "process %ld: kill", pid);
	if (pidfd_wait_gone(fd, 10000) < 0)
		return error_set(err, ETIMEDOUT, "process %ld did not die after SIGKILL", pid);
	/* Ours (create's rollback): reap it, or it stays a zombie until berth exits. */
	waitpid((pid_t)pid, NULL, WNOHANG);
	return 0;
}

int teardown_walk(const struct teardown_kind *table, size_t n_table, const struct record *rec,
		  size_t *unknown, struct error *err)
{
	int ret = 0;
	if (unknown)
		*unknown = 0;
	for (size_t i = rec->n; i > 0; i--) {
		const struct record_entry *e = &rec->e[i - 1];
		const struct teardown_kind *k = NULL;
		for (size_t j = 0; j < n_table && k == NULL; j++)
			if (strcmp(table[j].kind, e->kind) == 0)
				k = &table[j];
		if (k == NULL) {
			/* Written by a newer berth, perhaps: say what is left, go on. */
			log_warn("container record: entry %zu of unknown kind \"%s\" left as is", i,
				 e->kind);
			if (unknown)
				(*unknown)++;
			continue;
		}
		struct error e2;
		if (k->remove(e->argc, e->argv, ret < 0 ? &e2 : err) < 0) {
			if (ret < 0)
				log_warn("%s", e2.msg);
			ret = -1;
			continue;
		}
#ifdef BERTH_FAULT_POINTS
		char fault[64];
		snprintf(fault, sizeof fault, "delete-after-%s", e->kind);
		FAULT_POINT(fault);
#endif
	}
	return ret;
}

/* A record from the state of a container that an older berth created, which wrote none. */
static int record_from_state(const struct container_state *st, struct record *r)
{
	memset(r, 0, sizeof *r);
	if (st == NULL)
		return 0;
	char depth[16], pid[16], start[32];
	snprintf(depth, sizeof depth, "%d", st->cgroup_depth);
	snprintf(pid, sizeof pid, "%d", (int)st->pid);
	snprintf(start, sizeof start, "%" PRIu64, st->start_time);
	if (st->cgroup_path) {
		const char *a[] = {cgroup_mode_name(st->cgroup_mode), st->cgroup_path, depth};
		if (record_push(r, "cgroup", 3, a) < 0)
			return -1;
	}
	if (st->pid > 0) {
		const char *a[] = {pid, start};
		if (record_push(r, "process", 2, a) < 0)
			return -1;
	}
	return 0;
}

static void run_poststop(const struct teardown *t)
{
	struct error e;
	struct spec *own = NULL;
	const struct spec *spec = t->spec;
	if (spec == NULL) {
		char path[64];
		snprintf(path, sizeof path, "/proc/self/fd/%d/config.json", t->dirfd);
		/* A create that died before saving its config leaves no hooks to run. */
		spec = own = spec_load_file(path, &e);
		if (spec == NULL)
			return;
	}
	_cleanup_json_ json_t *j = t->st ? state_to_json(t->st, STATUS_STOPPED) : NULL;
	_cleanup_free_ char *state = j ? json_dumps(j, JSON_COMPACT) : NULL;
	/* A poststop hook failing is reported, not fatal: the container is gone already. */
	if (hooks_run(&spec->hooks, HOOK_POSTSTOP, state ? state : "{}", &e) < 0)
		log_warn("%s", e.msg);
	spec_free(own);
}

int container_teardown(const struct teardown *t, struct error *err)
{
	struct record own = {0};
	const struct record *rec = t->rec;
	if (rec == NULL) {
		struct error e;
		if (record_read(t->dirfd, &own, &e) < 0) {
			if (e.err != ENOENT) {
				*err = e;
				return error_prefix(err, "container \"%s\"", t->id);
			}
			if (record_from_state(t->st, &own) < 0)
				return error_set(err, ENOMEM, "container \"%s\"", t->id);
		} else if (own.torn) {
			log_warn("container \"%s\": record torn after %zu entries (a crash while "
				 "writing it); what it lists is removed",
				 t->id, own.n);
		}
		rec = &own;
	}
	int r = teardown_walk(teardown_kinds, teardown_n_kinds, rec, NULL, err);
	record_free(&own);
	if (r < 0)
		return error_prefix(err, "container \"%s\"", t->id);
	if (t->poststop)
		run_poststop(t);
	FAULT_POINT("delete-before-rmdir");
	return state_dir_remove(t->rootfd, t->id, err);
}
