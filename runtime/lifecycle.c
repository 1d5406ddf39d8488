/* The verbs on an existing container: start, state, kill, delete, list, pause/resume, update,
 * ps, events. runc's semantics where the spec is silent (see DESIGN.md). */
#include "runtime/lifecycle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <regex.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fault.h"
#include "lib/fs.h"
#include "lib/jsonutil.h"
#include "lib/log.h"
#include "lib/signals.h"
#include "lib/strv.h"
#include "runtime/container.h"
#include "runtime/hooks.h"
#include "runtime/launch.h"
#include "runtime/notify.h"

static void cleanup_containerp(struct container *c)
{
	container_close(c);
}
#define _cleanup_container_ __attribute__((cleanup(cleanup_containerp)))

/* init opens the fifo for writing, runs the startContainer hooks, writes one byte and holds
 * its end until execve closes it; a failure on the way comes instead as a struct launch_msg.
 * So EOF after the byte means the process runs, and the poststart hooks may go. init is
 * watched too: dead before it ever opened the fifo, it would give no EOF. */
static int wait_for_exec(int fifo, int pidfd, const char *id, struct error *err)
{
	char buf[1 + sizeof(struct launch_msg)];
	size_t got = 0;
	struct pollfd p[2] = {{.fd = fifo, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
	nfds_t n = pidfd >= 0 ? 2 : 1;
	for (;;) {
		int r = poll(p, n, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return error_errno(err, "wait for init of \"%s\"", id);
		/* Once init is gone its end is closed too: read on to EOF. */
		if (n == 2 && (p[1].revents & POLLIN))
			n = 1;
		if (!(p[0].revents & (POLLIN | POLLHUP)) && n == 2)
			continue;
		char tmp[sizeof buf];
		ssize_t k = read(fifo, tmp, sizeof tmp);
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (k < 0)
			return error_errno(err, "read the exec fifo of \"%s\"", id);
		if (k == 0)
			break;
		size_t take = (size_t)k < sizeof buf - got ? (size_t)k : sizeof buf - got;
		memcpy(buf + got, tmp, take);
		got += take;
	}
	bool released = got > 0 && buf[0] == '0';
	size_t off = released ? 1 : 0;
	if (got - off >= sizeof(struct launch_msg)) {
		struct launch_msg m;
		memcpy(&m, buf + off, sizeof m);
		m.text[sizeof m.text - 1] = '\0';
		return error_set(err, m.err, "container \"%s\": %s", id, m.text);
	}
	if (!released)
		return error_set(err, ESRCH, "container \"%s\": init exited before start", id);
	return 0;
}

int container_start(const struct runtime_ctx *ctx, const char *id, struct error *err)
{
	_cleanup_container_ struct container c;
	if (container_open(&c, ctx->root, id, true, err) < 0)
		return -1;
	FAULT_POINT("start-locked");
	log_debug("start %s: locked, init pid %d", id, (int)c.st.pid);
	enum container_status s = container_get_status(&c);
	if (s != STATUS_CREATED)
		return error_set(err, EINVAL,
				 "container \"%s\" is %s, not created: cannot start it", id,
				 status_name(s));
	_cleanup_close_ int pidfd = container_pidfd(&c);
	/* Bound before init is released, so its READY=1 cannot come too early. */
	const char *notify_host = getenv("NOTIFY_SOCKET");
	_cleanup_close_ int notify = -1;
	if (notify_host) {
		struct error e;
		notify = notify_listen(c.dirfd, &e);
		if (notify < 0 && e.err != 0)
			return error_set(err, e.err, "%s", e.msg);
	}
	_cleanup_close_ int fifo = openat(c.dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0)
		return error_errno(err, "open exec fifo of \"%s\"", id);
	/* Opening it released init (its write only fills the pipe): from here on the container is
	 * no longer "created", even if this start dies before reading the byte. */
	unlinkat(c.dirfd, "exec.fifo", 0);
	if (wait_for_exec(fifo, pidfd, id, err) < 0)
		return -1;
	FAULT_POINT("start-after-fifo");
	log_debug("start %s: init released", id);
	struct spec *spec = container_load_spec(&c, err);
	if (spec) {
		_cleanup_json_ json_t *j = state_to_json(&c.st, STATUS_RUNNING);
		_cleanup_free_ char *state = json_dumps(j, JSON_COMPACT);
		struct error e;
		if (hooks_run(&spec->hooks, HOOK_POSTSTART, state, &e) < 0)
			log_warn("%s", e.msg);
		spec_free(spec);
	}
	log_debug("start %s: poststart hooks done", id);
	if (notify >= 0) {
		/* Waiting for readiness can take long: other commands must not wait for us. */
		flock(c.dirfd, LOCK_UN);
		return notify_forward_ready(notify, pidfd, notify_host, err);
	}
	return 0;
}

int container_state_json(const struct runtime_ctx *ctx, const char *id, json_t **out,
			 struct error *err)
{
	_cleanup_container_ struct container c;
	if (container_open(&c, ctx->root, id, false, err) < 0)
		return -1;
	*out = state_to_json(&c.st, container_get_status(&c));
	return 0;
}

int container_kill(const struct runtime_ctx *ctx, const char *id, int sig, bool all,
		   struct error *err)
{
	_cleanup_container_ struct container c;
	if (container_open(&c, ctx->root, id, false, err) < 0)
		return -1;
	enum container_status s = container_get_status(&c);
	if (s == STATUS_STOPPED && !(all && c.cg))
		return error_set(err, ESRCH, "container \"%s\": container not running", id);
	log_debug("kill %s: signal %d to %s (%s)", id, sig, all ? "every process" : "init",
		  status_name(s));
	if (all && c.cg) {
		if (cgroup_kill_all(c.cg, sig, err) < 0)
			return -1;
		if (sig == SIGKILL && s == STATUS_PAUSED && cgroup_freeze(c.cg, false, err) < 0)
			return -1;
		return 0;
	}
	_cleanup_close_ int pidfd = container_pidfd(&c);
	if (pidfd < 0)
		return error_set(err, ESRCH, "container \"%s\": container not running", id);
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return error_errno(err, "send %s to container \"%s\"", signal_name(sig) ?: "signal",
				   id);
	/* A frozen task holds SIGKILL until thawed: thaw after sending it (as runc), so nothing
	 * else runs in between and the engine sees init exit. */
	if (sig == SIGKILL && s == STATUS_PAUSED && c.cg && cgroup_freeze(c.cg, false, err) < 0)
		return -1;
	return 0;
}

/* Kills everything in the container and waits for init to be gone. */
static int kill_and_wait(struct container *c, struct error *err)
{
	if (c->cg) {
		struct error e;
		/* A frozen cgroup would hold SIGKILL until thawed. */
		cgroup_freeze(c->cg, false, &e);
		if (cgroup_kill_all(c->cg, SIGKILL, err) < 0)
			return -1;
	}
	_cleanup_close_ int pidfd = container_pidfd(c);
	if (pidfd >= 0)
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	FAULT_POINT("delete-after-kill");
	if (container_wait_gone(c, 10000) < 0)
		return error_set(err, ETIMEDOUT, "container \"%s\": init did not die after SIGKILL",
				 c->st.id);
	log_debug("delete %s: killed, init gone", c->st.id);
	return 0;
}

int container_delete(const struct runtime_ctx *ctx, const char *id, bool force, struct error *err)
{
	_cleanup_container_ struct container c;
	if (container_open(&c, ctx->root, id, true, err) < 0) {
		if (force && err->err == ENOENT)
			return 0;
		return -1;
	}
	enum container_status s = container_get_status(&c);
	switch (s) {
	case STATUS_STOPPED:
		break;
	case STATUS_CREATED:
	case STATUS_CREATING:
		if (kill_and_wait(&c, err) < 0)
			return -1;
		break;
	case STATUS_RUNNING:
	case STATUS_PAUSED:
		if (!force)
			return error_set(err, EBUSY,
					 "container \"%s\" is %s: stop it first or use --force", id,
					 status_name(s));
		if (kill_and_wait(&c, err) < 0)
			return -1;
		break;
	}
	FAULT_POINT("delete-before-destroy");
	log_debug("delete %s: was %s, tearing down", id, status_name(s));
	if (container_destroy(&c, err) < 0)
		return -1;
	log_debug("delete %s: removed", id);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of the state root, sorted by byte value as runc lists them; none when it is
 * missing. */
static int state_ids(const char *root, char ***out, struct error *err)
{
	*out = NULL;
	_cleanup_closedir_ DIR *d = opendir(root);
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		return error_errno(err, "open state root %s", root);
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (strv_push(out, de->d_name) < 0)
			return error_set(err, ENOMEM, "list %s", root);
	}
	if (*out)
		qsort(*out, strv_len(*out), sizeof **out, by_name);
	return 0;
}

int container_list(const struct runtime_ctx *ctx, json_t **out, struct error *err)
{
	*out = json_array();
	char **ids;
	if (state_ids(ctx->root, &ids, err) < 0)
		return -1;
	for (size_t i = 0; ids && ids[i]; i++) {
		_cleanup_container_ struct container c;
		struct error e;
		if (container_open(&c, ctx->root, ids[i], false, &e) < 0)
			continue;
		json_t *j = state_to_json(&c.st, container_get_status(&c));
		/* list names the owner of the container's state, as runc does. */
		struct stat sb;
		struct passwd *pw;
		if (j && fstat(c.dirfd, &sb) == 0 && (pw = getpwuid(sb.st_uid)) != NULL)
			json_object_set_new(j, "owner", json_string(pw->pw_name));
		json_array_append_new(*out, j);
	}
	strv_free(ids);
	return 0;
}

int container_ids_matching(const struct runtime_ctx *ctx, const char *regex, char ***out,
			   struct error *err)
{
	*out = NULL;
	regex_t re;
	int r = regcomp(&re, regex, REG_EXTENDED | REG_NOSUB);
	if (r != 0) {
		char why[256];
		regerror(r, &re, why, sizeof why);
		return error_set(err, EINVAL, "--regex \"%s\": %s", regex, why);
	}
	char **ids;
	if (state_ids(ctx->root, &ids, err) < 0) {
		regfree(&re);
		return -1;
	}
	for (size_t i = 0; ids && ids[i]; i++)
		if (regexec(&re, ids[i], 0, NULL, 0) == 0 && strv_push(out, ids[i]) < 0) {
			r = error_set(err, ENOMEM, "--regex");
			break;
		}
	regfree(&re);
	strv_free(ids);
	if (r < 0) {
		strv_free(*out);
		*out = NULL;
	}
	return r < 0 ? -1 : 0;
}

int container_pause(const struct runtime_ctx *ctx, const char *id, bool pause, struct error *err)
{
	_cleanup_container_ struct container c;
	if (container_open(&c, ctx->root, id, true, err) < 0)
		return -1;
	enum container_status s = container_get_status(&c);
	if (pause && s != STATUS_RUNNING && s != STATUS_CREATED)
		return error_set(err, EINVAL,
				 "container \"%s\" is %s: only a running container can "
				 "be paused",
				 id, status_name(s));
	if (!pause && s != STATUS_PAUSED)
		return error_set(err, EINVAL, "container \"%s\" is %s, not paused", id,
				 status_name(s));
	if (c.cg == NULL)
		return error_set(err, ENOTSUP, "container \"%s\" has no cgroup to freeze", id);
	if (cgroup_freeze(c.cg, pause, err) < 0)
		return -1;
	log_debug("%s %s: cgroup %s", pause ? "pause" : "resume", id, pause ? "frozen" : "thawed");
	return 0;
}

static int update_cgroup(const struct runtime_ctx *ctx, const char *id,
			 const struct cgroup_resources *r, struct error *err)
{
	_cleanup_container_ struct container c;
	if (container_open(&c, ctx->root, id, true, err) < 0)
		return -1;
	if (container_get_status(&c) == STATUS_STOPPED)
		return error_set(err, ESRCH, "container \"%s\": container not running", id);
	if (c.cg == NULL)
		return error_set(err, ENOTSUP, "container \"%s\" has no cgroup", id);
	/* As runc, an update that does not say keeps the config's memory.checkBeforeUpdate: a
	 * container created with it has update --memory checked against its usage. */
	struct cgroup_resources eff = *r;
	if (r->memory.limit.set && !r->memory.check_before_update.set) {
		struct spec *spec = container_load_spec(&c, err);
		if (spec == NULL)
			return error_prefix(err, "update \"%s\": the saved config", id);
		eff.memory.check_before_update = spec->linux.resources.memory.check_before_update;
		spec_free(spec);
	}
	/* New device rules replace the old ones: the defaults follow them, as at create, or the
	 * container would lose /dev/null and the rest. */
	_cleanup_free_ struct cg_device_rule *rules = NULL;
	if (r->has_devices) {
		rules = malloc((r->n_devices ?: 1) * sizeof *rules);
		if (rules == NULL)
			return error_set(err, ENOMEM, "update: device rules");
		if (r->n_devices)
			memcpy(rules, r->devices, r->n_devices * sizeof *rules);
		eff.devices = rules;
		if (cgroup_devices_add_defaults(&eff, err) < 0)
			return -1;
		rules = eff.devices;
	}
	if (cgroup_apply(c.cg, &eff, true, err) < 0)
		return -1;
	log_debug("update %s: limits applied to cgroup %s", id, c.st.cgroup_path);
	return 0;
}

int container_update(const struct runtime_ctx *ctx, const char *id, const char *resources_file,
		     const struct cgroup_resources *r, struct error *err)
{
	if (resources_file == NULL)
		return update_cgroup(ctx, id, r, err);
	struct cgroup_resources file = {0};
	int ret = spec_load_resources_file(resources_file, &file, err);
	if (ret == 0)
		ret = update_cgroup(ctx, id, &file, err);
	cgroup_resources_free(&file);
	return ret;
}

int container_pids(const struct runtime_ctx *ctx, const char *id, pid_t **pids, size_t *n,
		   struct error *err)
{
	_cleanup_container_ struct container c;
	if (container_open(&c, ctx->root, id, false, err) < 0)
		return -1;
	if (c.cg == NULL) {
		*pids = NULL;
		*n = 0;
		if (container_get_status(&c) == STATUS_STOPPED)
			return 0;
		*pids = malloc(sizeof **pids);
		(*pids)[0] = c.st.pid;
		*n = 1;
		return 0;
	}
	return cgroup_pids(c.cg, pids, n, err);
}

static void print_json_line(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	if (s) {
		printf("%s\n", s);
		fflush(stdout);
	}
	free(s);
}

/* A container whose cgroup figures may be read: running (or stopped when stopped_ok). */
static int open_with_cgroup(struct container *c, const struct runtime_ctx *ctx, const char *id,
			    bool stopped_ok, struct error *err)
{
	if (container_open(c, ctx->root, id, false, err) < 0)
		return -1;
	if (!stopped_ok && container_get_status(c) == STATUS_STOPPED)
		return error_set(err, ESRCH, "container \"%s\": container not running", id);
	if (c->cg == NULL)
		return error_set(err, ENOTSUP, "container \"%s\" has no cgroup", id);
	return 0;
}

int container_stats(const struct runtime_ctx *ctx, const char *id, bool stopped_ok,
		    struct cgroup_stats *out, struct error *err)
{
	memset(out, 0, sizeof *out);
	_cleanup_container_ struct container c;
	if (open_with_cgroup(&c, ctx, id, stopped_ok, err) < 0)
		return -1;
	return cgroup_stats(c.cg, out, err);
}

void container_stats_free(struct cgroup_stats *s)
{
	cgroup_stats_free(s);
}

int container_tasks(const struct runtime_ctx *ctx, const char *id, uint64_t *current,
		    uint64_t *peak, struct error *err)
{
	_cleanup_container_ struct container c;
	if (open_with_cgroup(&c, ctx, id, true, err) < 0)
		return -1;
	return cgroup_tasks(c.cg, current, peak, err);
}

/* One `events` line: {"type":"stats","id":ID,"data":{...}} as runc prints it. */
static void print_stats_line(const char *id, const struct cgroup_stats *s)
{
	_cleanup_json_ json_t *ev =
	    json_pack("{s:s, s:s, s:O?}", "type", "stats", "id", id, "data", s->runc);
	print_json_line(ev);
}

int container_events(const struct runtime_ctx *ctx, const char *id, int interval_ms,
		     bool stats_once, struct error *err)
{
	if (stats_once) {
		struct cgroup_stats s;
		int r = container_stats(ctx, id, false, &s, err);
		if (r == 0)
			print_stats_line(id, &s);
		cgroup_stats_free(&s);
		return r;
	}
	/* Stream: stats every interval, an "oom" event whenever the OOM counter moves, until the
	 * container is gone. The container is reopened each round so delete is never blocked. */
	uint64_t last_ooms = 0;
	bool first = true;
	_cleanup_close_ int oomfd = -1;
	for (;;) {
		_cleanup_container_ struct container c;
		if (container_open(&c, ctx->root, id, false, err) < 0)
			return first ? -1 : 0;
		if (container_get_status(&c) == STATUS_STOPPED || c.cg == NULL)
			return first ? error_set(err, ESRCH,
						 "container \"%s\": container not running", id)
				     : 0;
		if (oomfd < 0) {
			struct error e;
			oomfd = cgroup_oom_event_fd(c.cg, &e);
		}
		uint64_t ooms = 0;
		struct error e;
		if (cgroup_oom_kills(c.cg, &ooms, &e) == 0 && ooms > last_ooms && !first) {
			_cleanup_json_ json_t *ev =
			    json_pack("{s:s, s:s}", "type", "oom", "id", id);
			print_json_line(ev);
		}
		last_ooms = ooms;
		if (!first || interval_ms > 0) {
			struct cgroup_stats s;
			if (cgroup_stats(c.cg, &s, &e) == 0)
				print_stats_line(id, &s);
			cgroup_stats_free(&s);
		}
		first = false;
		container_close(&c);
		struct pollfd p = {.fd = oomfd, .events = POLLIN};
		if (poll(&p, oomfd >= 0 ? 1 : 0, interval_ms > 0 ? interval_ms : 5000) > 0) {
			uint64_t v;
			if (read(oomfd, &v, sizeof v) < 0) {
				/* inotify fds return events, not a counter: drain them */
				char buf[4096];
				while (read(oomfd, buf, sizeof buf) > 0)
					;
			}
		}
	}
}

static bool pid_in(pid_t p, const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == p)
			return true;
	return false;
}

/* Column index of PID in ps's header line, or -1. */
static int pid_column(const char *header)
{
	char copy[8192];
	snprintf(copy, sizeof copy, "%s", header);
	int col = 0;
	char *save;
	for (char *tok = strtok_r(copy, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save), col++)
		if (strcmp(tok, "PID") == 0)
			return col;
	return -1;
}

static pid_t pid_at(const char *line, int column)
{
	char copy[8192];
	snprintf(copy, sizeof copy, "%s", line);
	int col = 0;
	char *save;
	for (char *tok = strtok_r(copy, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save), col++)
		if (col == column)
			return (pid_t)atoi(tok);
	return -1;
}

int container_ps_table(const pid_t *pids, size_t n, char *const *ps_args, struct error *err)
{
	char *argv[64] = {"ps"};
	int argc = 1;
	if (ps_args == NULL || ps_args[0] == NULL)
		argv[argc++] = "-ef";
	for (size_t i = 0; ps_args && ps_args[i] && argc < 63; i++)
		argv[argc++] = ps_args[i];
	argv[argc] = NULL;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return error_errno(err, "ps: pipe");
	pid_t child = fork();
	if (child < 0)
		return error_errno(err, "ps: fork");
	if (child == 0) {
		dup2(p[1], STDOUT_FILENO);
		execvp("ps", argv);
		_exit(127);
	}
	close(p[1]);
	_cleanup_fclose_ FILE *f = fdopen(p[0], "r");
	char line[8192];
	int column = -1;
	bool header = true;
	while (f && fgets(line, sizeof line, f)) {
		if (header) {
			header = false;
			column = pid_column(line);
			fputs(line, stdout);
			continue;
		}
		if (column >= 0 && pid_in(pid_at(line, column), pids, n))
			fputs(line, stdout);
	}
	int status;
	waitpid(child, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return error_set(err, EINVAL, "ps: the host's ps failed (exit %d)",
				 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	if (column < 0)
		return error_set(err, EINVAL, "ps: no PID column in ps's output");
	return 0;
}

/* As a shell, timeout(1) and docker run say it, and CI scripts test for. */
int container_exec_failure_status(const struct error *e)
{
	static const char step[] = LAUNCH_STEP_EXEC ": ";
	if (strncmp(e->msg, step, sizeof step - 1) != 0)
		return 0;
	return e->err == ENOENT || e->err == ENOTDIR ? 127 : 126;
}
