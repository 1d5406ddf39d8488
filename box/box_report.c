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
#include "box/box.h"

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

/* Seconds to the millisecond: the report shows 8.24, not the double nearest to it
 * (8.2400000000000002), with JSON_REAL_PRECISION below. */
static json_t *seconds(double v)
{
	return json_real((double)(long long)(v * 1000 + 0.5) / 1000);
}

#define DUMP_FLAGS JSON_REAL_PRECISION(15)

static const char *const pressure_names[3] = CGROUP_PRESSURE_NAMES;

static json_t *u64_or_null(bool has, uint64_t v)
{
	return has ? json_integer((json_int_t)v) : json_null();
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
				    seconds((double)o->cpu_quota / (double)o->cpu_period));
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
		json_object_set_new(l, "timeout_seconds", seconds(o->timeout_ms / 1000.0));
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
	json_t *cmd = json_array();
	for (size_t i = 0; o->argv && o->argv[i]; i++)
		json_array_append_new(cmd, json_string(o->argv[i]));
	json_object_set_new(j, "command", cmd);
	json_object_set_new(j, "started", json_string(r->started));
	json_object_set_new(j, "exit_code", json_integer(r->exit_code));
	json_object_set_new(j, "signal", r->signal ? json_integer(r->signal) : json_null());
	json_object_set_new(j, "timed_out", json_boolean(r->timed_out));
	json_object_set_new(j, "forwarded_signal",
			    r->forwarded_signal ? json_integer(r->forwarded_signal) : json_null());
	json_object_set_new(j, "wall_seconds", seconds(r->wall_s));
	json_object_set_new(j, "user_cpu_seconds",
			    r->usage.has_cpu ? seconds((double)r->usage.cpu_user_ns / 1e9)
					     : json_null());
	json_object_set_new(j, "system_cpu_seconds",
			    r->usage.has_cpu ? seconds((double)r->usage.cpu_kernel_ns / 1e9)
					     : json_null());
	json_object_set_new(j, "cpu_throttled_seconds",
			    r->usage.has_cpu ? seconds((double)r->usage.cpu_throttled_ns / 1e9)
					     : json_null());
	json_object_set_new(j, "peak_memory_bytes",
			    r->usage.has_memory ? json_integer((json_int_t)r->usage.memory_peak)
						: json_null());
	json_object_set_new(j, "oom_kills", json_integer((json_int_t)r->usage.oom_kills));
	if (r->usage.oom_kills) {
		char buf[128];
		oom_limit(o, buf, sizeof buf);
		json_object_set_new(j, "oom_limit", json_string(buf));
	}
	json_object_set_new(j, "peak_tasks",
			    r->peak_tasks_source ? json_integer((json_int_t)r->peak_tasks)
						 : json_null());
	json_object_set_new(j, "peak_tasks_source",
			    r->peak_tasks_source ? json_string(r->peak_tasks_source) : json_null());
	json_object_set_new(j, "io_read_bytes", u64_or_null(r->usage.has_io, r->usage.io_read));
	json_object_set_new(j, "io_write_bytes", u64_or_null(r->usage.has_io, r->usage.io_written));
	json_object_set_new(j, "swap_peak_bytes",
			    u64_or_null(r->usage.has_swap, r->usage.swap_peak));
	json_object_set_new(j, "forks_refused",
			    u64_or_null(r->usage.has_forks_refused, r->usage.forks_refused));
	json_t *psi = json_null();
	if (r->usage.has_pressure) {
		psi = json_object();
		for (int i = 0; i < 3; i++)
			json_object_set_new(
			    psi, pressure_names[i],
			    json_pack("{s:o,s:o}", "some_seconds",
				      seconds((double)r->usage.pressure_some_us[i] / 1e6),
				      "full_seconds",
				      seconds((double)r->usage.pressure_full_us[i] / 1e6)));
	}
	json_object_set_new(j, "pressure", psi);
	/* Why a figure above is null: the kernel or cgroup layout keeps none. */
	json_t *na = json_object();
	const struct {
		bool has;
		const char *key, *why;
	} missing[] = {
	    {r->usage.has_io, "io", r->usage.why_io},
	    {r->usage.has_swap, "swap_peak_bytes", r->usage.why_swap},
	    {r->usage.has_forks_refused, "forks_refused", r->usage.why_forks},
	    {r->usage.has_pressure, "pressure", r->usage.why_pressure},
	};
	for (size_t i = 0; i < ARRAY_SIZE(missing); i++)
		if (!missing[i].has)
			json_object_set_new(
			    na, missing[i].key,
			    json_string(missing[i].why[0] ? missing[i].why : "no cgroup"));
	json_object_set_new(j, "not_available", na);
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

/* " word", single-quoted as a shell would need it to read it back. */
static void append_word(char **s, const char *w)
{
	if (*w && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			    "-_./=:,+@%") == strlen(w)) {
		append(s, " %s", w);
		return;
	}
	append(s, " '");
	for (const char *p = w; *p; p++) {
		if (*p == '\'')
			append(s, "'\\''");
		else
			append(s, "%c", *p);
	}
	append(s, "'");
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
	append(&s, "  command:      ");
	for (size_t i = 0; o->argv && o->argv[i]; i++)
		append_word(&s, o->argv[i]);
	append(&s, "\n  started:       %s\n", r->started);
	if (r->usage.oom_kills) {
		char buf[128];
		oom_limit(o, buf, sizeof buf);
		append(&s, "  OOM kills:     %llu (%s)\n", (unsigned long long)r->usage.oom_kills,
		       buf);
	}
	append(&s, "  wall time:     %.2fs\n", r->wall_s);
	if (r->usage.has_cpu)
		append(&s, "  CPU:           %.2fs user, %.2fs system (%.2fs throttled)\n",
		       (double)r->usage.cpu_user_ns / 1e9, (double)r->usage.cpu_kernel_ns / 1e9,
		       (double)r->usage.cpu_throttled_ns / 1e9);
	if (r->usage.has_memory) {
		human_size(a, sizeof a, r->usage.memory_peak);
		append(&s, "  peak memory:   %s\n", a);
	}
	if (!r->usage.oom_kills)
		append(&s, "  OOM kills:     0\n");
	if (r->usage.has_swap) {
		human_size(a, sizeof a, r->usage.swap_peak);
		append(&s, "  peak swap:     %s\n", a);
	} else {
		append(&s, "  peak swap:     not available (%s)\n",
		       r->usage.why_swap[0] ? r->usage.why_swap : "no cgroup");
	}
	if (r->usage.has_io) {
		char b[32];
		human_size(a, sizeof a, r->usage.io_read);
		human_size(b, sizeof b, r->usage.io_written);
		append(&s, "  block IO:      %s read, %s written\n", a, b);
	} else {
		append(&s, "  block IO:      not available (%s)\n",
		       r->usage.why_io[0] ? r->usage.why_io : "no cgroup");
	}
	/* PSI: how long some of the job's tasks (and all of them at once) waited for each. */
	if (r->usage.has_pressure) {
		const uint64_t *some = r->usage.pressure_some_us, *full = r->usage.pressure_full_us;
		append(&s,
		       "  stalled (PSI): cpu %.2fs, memory %.2fs, io %.2fs (all tasks at once: "
		       "%.2fs, %.2fs, %.2fs)\n",
		       (double)some[0] / 1e6, (double)some[1] / 1e6, (double)some[2] / 1e6,
		       (double)full[0] / 1e6, (double)full[1] / 1e6, (double)full[2] / 1e6);
	} else {
		append(&s, "  stalled (PSI): not available (%s)\n",
		       r->usage.why_pressure[0] ? r->usage.why_pressure : "no cgroup");
	}
	if (r->peak_tasks_source)
		append(&s, "  peak tasks:    %llu%s\n", (unsigned long long)r->peak_tasks,
		       strcmp(r->peak_tasks_source, "sampled") == 0 ? " (sampled every 0.1s)" : "");
	else
		append(&s, "  peak tasks:    not available (no pids controller)\n");
	if (r->usage.has_forks_refused)
		append(&s, "  forks refused: %llu%s\n", (unsigned long long)r->usage.forks_refused,
		       r->usage.forks_refused ? " (by the pids limit)" : "");
	else
		append(&s, "  forks refused: not available (%s)\n",
		       r->usage.why_forks[0] ? r->usage.why_forks : "no cgroup");
	_cleanup_json_ json_t *l = limits_json(o);
	_cleanup_free_ char *lt = json_dumps(l, JSON_COMPACT | DUMP_FLAGS);
	append(&s, "  limits:        %s (cgroup %s)\n", json_object_size(l) ? lt : "none",
	       r->cgroup_mode);
	return s;
}

int box_report_write(const char *path, const struct box_opts *o, const struct box_report *r,
		     struct error *err)
{
	_cleanup_json_ json_t *j = box_report_json(o, r);
	_cleanup_free_ char *text = json_dumps(j, JSON_INDENT(2) | DUMP_FLAGS);
	if (text == NULL)
		return error_set(err, ENOMEM, "report %s", path);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return error_errno(err, "report %s", path);
	if (write_all(fd, text, strlen(text)) < 0 || write_all(fd, "\n", 1) < 0)
		return error_errno(err, "report %s", path);
	return 0;
}
