/* What berth box reports at exit: the job's usage from its cgroup and the limits in force. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "lib/jsonutil.h"
#include "runtime/box.h"

static void human_size(char *buf, size_t len, uint64_t v)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double d = (double)v;
	size_t u = 0;
	while (d >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		d /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", d, units[u]);
}

static json_t *limits_json(const struct box_opts *o)
{
	json_t *l = json_object();
	if (o->memory > 0) {
		json_object_set_new(l, "memory_bytes", json_integer(o->memory));
		int64_t swap = o->memory_swap == 0 ? o->memory : o->memory_swap;
		json_object_set_new(l, "memory_swap_bytes",
				    swap < 0 ? json_null() : json_integer(swap));
	}
	if (o->cpu_quota > 0)
		json_object_set_new(l, "cpus",
				    json_real((double)o->cpu_quota / (double)o->cpu_period));
	if (o->pids_limit > 0)
		json_object_set_new(l, "pids", json_integer(o->pids_limit));
	if (o->io_weight)
		json_object_set_new(l, "io_weight", json_integer(o->io_weight));
	const struct box_rate *rates[2] = {o->read_bps, o->write_bps};
	size_t n[2] = {o->n_read_bps, o->n_write_bps};
	const char *keys[2] = {"device_read_bps", "device_write_bps"};
	for (int k = 0; k < 2; k++) {
		if (n[k] == 0)
			continue;
		json_t *a = json_object();
		for (size_t i = 0; i < n[k]; i++)
			json_object_set_new(a, rates[k][i].device,
					    json_integer((json_int_t)rates[k][i].rate));
		json_object_set_new(l, keys[k], a);
	}
	if (o->timeout_ms > 0)
		json_object_set_new(l, "timeout_seconds", json_real(o->timeout_ms / 1000.0));
	return l;
}

/* Which limit an OOM kill hit. Without --memory-swap the swap limit equals the memory limit, so
 * the memory limit is the one; with more memory+swap than memory, the kernel swaps until the
 * memory+swap limit is full, and that one is hit. */
static void oom_limit(const struct box_opts *o, char *buf, size_t len)
{
	char a[32], b[32];
	int64_t swap = o->memory_swap == 0 ? o->memory : o->memory_swap;
	if (o->memory <= 0) {
		snprintf(buf, len, "no memory limit set: the host ran out of memory");
		return;
	}
	human_size(a, sizeof a, (uint64_t)o->memory);
	if (swap > o->memory) {
		human_size(b, sizeof b, (uint64_t)swap);
		snprintf(buf, len, "memory+swap limit %s (memory %s)", b, a);
	} else if (swap < 0) {
		snprintf(buf, len, "memory limit %s (swap unlimited)", a);
	} else {
		snprintf(buf, len, "memory limit %s", a);
	}
}

json_t *box_report_json(const struct box_opts *o, const struct box_report *r)
{
	json_t *j = json_object();
	json_object_set_new(j, "id", json_string(r->id));
	json_object_set_new(j, "cgroup_mode", json_string(r->cgroup_mode));
	json_object_set_new(j, "exit_code", json_integer(r->exit_code));
	json_object_set_new(j, "signal", r->signal ? json_integer(r->signal) : json_null());
	json_object_set_new(j, "timed_out", json_boolean(r->timed_out));
	json_object_set_new(j, "forwarded_signal",
			    r->forwarded_signal ? json_integer(r->forwarded_signal) : json_null());
	json_object_set_new(j, "wall_seconds", json_real(r->wall_s));
	json_object_set_new(j, "user_cpu_seconds",
			    r->has_cpu ? json_real((double)r->user_ns / 1e9) : json_null());
	json_object_set_new(j, "system_cpu_seconds",
			    r->has_cpu ? json_real((double)r->system_ns / 1e9) : json_null());
	json_object_set_new(j, "cpu_throttled_seconds",
			    r->has_cpu ? json_real((double)r->throttled_ns / 1e9) : json_null());
	json_object_set_new(j, "peak_memory_bytes",
			    r->has_memory ? json_integer((json_int_t)r->peak_memory) : json_null());
	json_object_set_new(j, "oom_kills", json_integer((json_int_t)r->oom_kills));
	if (r->oom_kills) {
		char buf[128];
		oom_limit(o, buf, sizeof buf);
		json_object_set_new(j, "oom_limit", json_string(buf));
	}
	json_object_set_new(j, "peak_tasks",
			    r->peak_tasks_source ? json_integer((json_int_t)r->peak_tasks)
						 : json_null());
	json_object_set_new(j, "peak_tasks_source",
			    r->peak_tasks_source ? json_string(r->peak_tasks_source) : json_null());
	json_object_set_new(j, "limits", limits_json(o));
	return j;
}

static void append(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(char **s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *add = NULL;
	if (vasprintf(&add, fmt, ap) < 0)
		add = NULL;
	va_end(ap);
	char *n = NULL;
	if (add && asprintf(&n, "%s%s", *s ? *s : "", add) >= 0) {
		free(*s);
		*s = n;
	}
}

char *box_report_text(const struct box_opts *o, const struct box_report *r)
{
	char *s = NULL, a[32];
	if (r->timed_out)
		append(&s, "berth box: timed out after %.1fs: the job was killed\n",
		       o->timeout_ms / 1000.0);
	else if (r->forwarded_signal)
		append(&s, "berth box: ended by %s (forwarded to the job)\n",
		       strsignal(r->forwarded_signal));
	else if (r->signal)
		append(&s, "berth box: the job was killed by signal %d (%s)\n", r->signal,
		       strsignal(r->signal));
	else
		append(&s, "berth box: the job exited with status %d\n", r->exit_code);
	if (r->oom_kills) {
		char buf[128];
		oom_limit(o, buf, sizeof buf);
		append(&s, "  OOM kills:     %llu (%s)\n", (unsigned long long)r->oom_kills, buf);
	}
	append(&s, "  wall time:     %.2fs\n", r->wall_s);
	if (r->has_cpu)
		append(&s, "  CPU:           %.2fs user, %.2fs system (%.2fs throttled)\n",
		       (double)r->user_ns / 1e9, (double)r->system_ns / 1e9,
		       (double)r->throttled_ns / 1e9);
	if (r->has_memory) {
		human_size(a, sizeof a, r->peak_memory);
		append(&s, "  peak memory:   %s\n", a);
	}
	if (!r->oom_kills)
		append(&s, "  OOM kills:     0\n");
	if (r->peak_tasks_source)
		append(&s, "  peak tasks:    %llu%s\n", (unsigned long long)r->peak_tasks,
		       strcmp(r->peak_tasks_source, "sampled") == 0 ? " (sampled every 0.1s)" : "");
	else
		append(&s, "  peak tasks:    not available (no pids controller)\n");
	_cleanup_json_ json_t *l = limits_json(o);
	_cleanup_free_ char *lt = json_dumps(l, JSON_COMPACT);
	append(&s, "  limits:        %s (cgroup %s)\n", json_object_size(l) ? lt : "none",
	       r->cgroup_mode);
	return s;
}

int box_report_write(const char *path, const struct box_opts *o, const struct box_report *r,
		     struct error *err)
{
	_cleanup_json_ json_t *j = box_report_json(o, r);
	_cleanup_free_ char *text = json_dumps(j, JSON_INDENT(2));
	if (text == NULL)
		return error_set(err, ENOMEM, "report %s", path);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return error_errno(err, "report %s", path);
	if (write_all(fd, text, strlen(text)) < 0 || write_all(fd, "\n", 1) < 0)
		return error_errno(err, "report %s", path);
	return 0;
}
