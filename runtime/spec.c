#include "runtime/spec.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "lib/strv.h"
#include "runtime/hooks.h"
#include "runtime/process.h"
#include "runtime/spec_internal.h"

/* An object whose values are all strings, as parallel NULL-terminated vectors. */
static int get_string_map(const struct jdoc *c, json_t *obj, const char *prefix, const char *key,
			  char ***keys, char ***values)
{
	json_t *o = NULL;
	int rc = jget_object(c, obj, prefix, key, &o);
	if (rc <= 0)
		return rc;
	char path[JGET_PATH_MAX], p[JGET_PATH_MAX];
	jget_path_key(path, prefix, key);
	size_t n = json_object_size(o), i = 0;
	*keys = calloc(n + 1, sizeof **keys);
	*values = calloc(n + 1, sizeof **values);
	if (*keys == NULL || *values == NULL)
		return jget_nomem(c, path);
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		jget_path_key(p, path, k);
		if (((*keys)[i] = strdup(k)) == NULL)
			return jget_nomem(c, p);
		if (jget_val_string(c, v, p, &(*values)[i]) < 0)
			return -1;
		i++;
	}
	return 1;
}

static int get_caps(const struct jdoc *c, json_t *obj, const char *prefix,
		    struct spec_capabilities *caps)
{
	static const char *const sets[] = {"bounding", "effective", "inheritable", "permitted",
					   "ambient"};
	uint64_t *masks[] = {&caps->bounding, &caps->effective, &caps->inheritable,
			     &caps->permitted, &caps->ambient};
	int last = capability_last();
	caps->set = true;
	for (size_t s = 0; s < ARRAY_SIZE(sets); s++) {
		char **names = NULL;
		if (jget_strv(c, obj, prefix, sets[s], &names) < 0)
			return -1;
		/* Names this build or this kernel does not know are skipped, as runc does, so a
		 * config written for a newer kernel still runs. */
		for (size_t i = 0; names && names[i]; i++) {
			int cap = capability_from_name(names[i]);
			if (cap >= 0 && cap <= last)
				*masks[s] |= UINT64_C(1) << cap;
			else if (strv_find(caps->unknown, names[i]) < 0)
				strv_push(&caps->unknown, names[i]);
		}
		strv_free(names);
	}
	return 0;
}

static int get_rlimits(const struct jdoc *c, json_t *obj, const char *prefix,
		       struct spec_process *pr)
{
	json_t *arr = NULL;
	int rc = jget_array(c, obj, prefix, "rlimits", &arr);
	if (rc <= 0)
		return rc;
	char path[JGET_PATH_MAX], p[JGET_PATH_MAX];
	jget_path_key(path, prefix, "rlimits");
	size_t n = json_array_size(arr);
	pr->rlimits = calloc(n + 1, sizeof *pr->rlimits);
	if (pr->rlimits == NULL)
		return jget_nomem(c, path);
	for (size_t i = 0; i < n; i++) {
		json_t *e = NULL;
		_cleanup_free_ char *type = NULL;
		struct spec_rlimit *r = &pr->rlimits[i];
		if (jget_array_object(c, arr, path, i, p, &e) < 0 ||
		    jget_require(c, jget_string(c, e, p, "type", &type), p, "type") < 0)
			return -1;
		r->resource = rlimit_from_name(type);
		if (r->resource < 0) {
			char tp[JGET_PATH_MAX];
			jget_path_key(tp, p, "type");
			return jget_err(c, tp, "unknown rlimit \"%s\"", type);
		}
		for (size_t j = 0; j < i; j++)
			if (pr->rlimits[j].resource == r->resource) {
				char tp[JGET_PATH_MAX];
				jget_path_key(tp, p, "type");
				return jget_err(c, tp, "duplicate rlimit \"%s\"", type);
			}
		if (jget_require(c, jget_uint(c, e, p, "hard", UINT64_MAX, &r->hard), p, "hard") <
			0 ||
		    jget_require(c, jget_uint(c, e, p, "soft", UINT64_MAX, &r->soft), p, "soft") <
			0)
			return -1;
		if (r->soft > r->hard) {
			char sp[JGET_PATH_MAX];
			jget_path_key(sp, p, "soft");
			return jget_err(c, sp,
					"soft limit %" PRIu64 " is above the hard limit %" PRIu64,
					r->soft, r->hard);
		}
		pr->n_rlimits = i + 1;
	}
	return 1;
}

/* An enum given as a string, looked up in a {name, value} table. */
struct name_value {
	const char *name;
	int value;
};

static int get_enum(const struct jdoc *c, json_t *obj, const char *prefix, const char *key,
		    const struct name_value *table, size_t n, int *out)
{
	_cleanup_free_ char *s = NULL;
	int rc = jget_string(c, obj, prefix, key, &s);
	if (rc <= 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].name, s) == 0) {
			*out = table[i].value;
			return 1;
		}
	char p[JGET_PATH_MAX];
	jget_path_key(p, prefix, key);
	return jget_err(c, p, "unknown value \"%s\"", s);
}

static const struct name_value sched_policies[] = {
    {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},	  {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},	{"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6},
};
static const struct name_value sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},	 {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},	 {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},	 {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};
static const struct name_value ioprio_classes[] = {
    {"IOPRIO_CLASS_RT", 1}, {"IOPRIO_CLASS_BE", 2}, {"IOPRIO_CLASS_IDLE", 3}};

static int get_scheduler(const struct jdoc *c, json_t *o, const char *p, struct spec_scheduler *s)
{
	int64_t v;
	int rc;
	s->set = true;
	if (jget_require(
		c,
		get_enum(c, o, p, "policy", sched_policies, ARRAY_SIZE(sched_policies), &s->policy),
		p, "policy") < 0)
		return -1;
	if ((rc = jget_int(c, o, p, "nice", -20, 19, &v)) < 0)
		return -1;
	if (rc)
		s->nice = (int32_t)v;
	if ((rc = jget_int(c, o, p, "priority", INT32_MIN, INT32_MAX, &v)) < 0)
		return -1;
	if (rc)
		s->priority = (int32_t)v;
	char **flags = NULL;
	if (jget_strv(c, o, p, "flags", &flags) < 0)
		return -1;
	for (size_t i = 0; flags && flags[i]; i++) {
		size_t j = 0;
		while (j < ARRAY_SIZE(sched_flags) && strcmp(sched_flags[j].name, flags[i]) != 0)
			j++;
		if (j == ARRAY_SIZE(sched_flags)) {
			char fp[JGET_PATH_MAX], ep[JGET_PATH_MAX];
			jget_path_key(fp, p, "flags");
			jget_path_idx(ep, fp, i);
			jget_err(c, ep, "unknown scheduler flag \"%s\"", flags[i]);
			strv_free(flags);
			return -1;
		}
		s->flags |= (uint64_t)sched_flags[j].value;
	}
	strv_free(flags);
	if (jget_uint(c, o, p, "runtime", UINT64_MAX, &s->runtime) < 0 ||
	    jget_uint(c, o, p, "deadline", UINT64_MAX, &s->deadline) < 0 ||
	    jget_uint(c, o, p, "period", UINT64_MAX, &s->period) < 0)
		return -1;
	return 0;
}

static int get_user(const struct jdoc *c, json_t *o, const char *p, struct spec_user *u)
{
	uint64_t v;
	int rc;
	if ((rc = jget_uint(c, o, p, "uid", SPEC_ID_MAX, &v)) < 0)
		return -1;
	u->uid = rc ? (uint32_t)v : 0;
	if ((rc = jget_uint(c, o, p, "gid", SPEC_ID_MAX, &v)) < 0)
		return -1;
	u->gid = rc ? (uint32_t)v : 0;
	if ((rc = jget_uint(c, o, p, "umask", 07777, &v)) < 0)
		return -1;
	u->has_umask = rc;
	u->umask = (uint32_t)v;
	json_t *arr = NULL;
	if ((rc = jget_array(c, o, p, "additionalGids", &arr)) < 0)
		return -1;
	if (rc) {
		char ap[JGET_PATH_MAX], ep[JGET_PATH_MAX];
		jget_path_key(ap, p, "additionalGids");
		size_t n = json_array_size(arr);
		u->additional_gids = calloc(n + 1, sizeof *u->additional_gids);
		if (u->additional_gids == NULL)
			return jget_nomem(c, ap);
		for (size_t i = 0; i < n; i++) {
			jget_path_idx(ep, ap, i);
			if (jget_val_uint(c, json_array_get(arr, i), ep, SPEC_ID_MAX, &v) < 0)
				return -1;
			u->additional_gids[i] = (uint32_t)v;
		}
		u->n_additional_gids = n;
	}
	return jget_string(c, o, p, "username", &u->username) < 0 ? -1 : 0;
}

static int parse_process_at(const struct jdoc *c, json_t *o, const char *p, struct spec_process *pr)
{
	json_t *sub = NULL;
	char sp[JGET_PATH_MAX];
	int rc;
	if (jget_bool(c, o, p, "terminal", &pr->terminal) < 0)
		return -1;
	if ((rc = jget_object(c, o, p, "consoleSize", &sub)) < 0)
		return -1;
	if (rc) {
		uint64_t h, w;
		jget_path_key(sp, p, "consoleSize");
		if (jget_require(c, jget_uint(c, sub, sp, "height", UINT32_MAX, &h), sp, "height") <
			0 ||
		    jget_require(c, jget_uint(c, sub, sp, "width", UINT32_MAX, &w), sp, "width") <
			0)
			return -1;
		pr->has_console_size = true;
		pr->console_height = (uint32_t)h;
		pr->console_width = (uint32_t)w;
	}
	if ((rc = jget_object(c, o, p, "user", &sub)) < 0)
		return -1;
	jget_path_key(sp, p, "user");
	if (rc && get_user(c, sub, sp, &pr->user) < 0)
		return -1;
	if (jget_require(c, jget_strv(c, o, p, "args", &pr->args), p, "args") < 0)
		return -1;
	if (pr->args[0] == NULL) {
		jget_path_key(sp, p, "args");
		return jget_err(c, sp, "must not be empty");
	}
	if (jget_string(c, o, p, "commandLine", &pr->command_line) < 0 ||
	    jget_strv(c, o, p, "env", &pr->env) < 0)
		return -1;
	for (size_t i = 0; pr->env && pr->env[i]; i++)
		if (strchr(pr->env[i], '=') == NULL || pr->env[i][0] == '=') {
			char ep[JGET_PATH_MAX];
			jget_path_key(sp, p, "env");
			jget_path_idx(ep, sp, i);
			return jget_err(c, ep, "\"%s\" is not of the form NAME=VALUE", pr->env[i]);
		}
	if ((rc = jget_string(c, o, p, "cwd", &pr->cwd)) < 0)
		return -1;
	/* The runtime-spec requires cwd; like runc, an absent one means "/". */
	if (rc == 0 && (pr->cwd = strdup("/")) == NULL)
		return jget_nomem(c, p);
	if (pr->cwd[0] != '/') {
		jget_path_key(sp, p, "cwd");
		return jget_err(c, sp, "\"%s\" is not an absolute path", pr->cwd);
	}
	if ((rc = jget_object(c, o, p, "capabilities", &sub)) < 0)
		return -1;
	jget_path_key(sp, p, "capabilities");
	if (rc && get_caps(c, sub, sp, &pr->caps) < 0)
		return -1;
	if (get_rlimits(c, o, p, pr) < 0 ||
	    jget_bool(c, o, p, "noNewPrivileges", &pr->no_new_privileges) < 0)
		return -1;
	int64_t adj;
	if ((rc = jget_int(c, o, p, "oomScoreAdj", -1000, 1000, &adj)) < 0)
		return -1;
	pr->has_oom_score_adj = rc;
	pr->oom_score_adj = rc ? (int)adj : 0;
	if (jget_string(c, o, p, "apparmorProfile", &pr->apparmor_profile) < 0 ||
	    jget_string(c, o, p, "selinuxLabel", &pr->selinux_label) < 0)
		return -1;
	if ((rc = jget_object(c, o, p, "scheduler", &sub)) < 0)
		return -1;
	jget_path_key(sp, p, "scheduler");
	if (rc && get_scheduler(c, sub, sp, &pr->scheduler) < 0)
		return -1;
	if ((rc = jget_object(c, o, p, "ioPriority", &sub)) < 0)
		return -1;
	if (rc) {
		uint64_t prio = 0;
		jget_path_key(sp, p, "ioPriority");
		pr->io_priority.set = true;
		if (jget_require(c,
				 get_enum(c, sub, sp, "class", ioprio_classes,
					  ARRAY_SIZE(ioprio_classes), &pr->io_priority.class),
				 sp, "class") < 0 ||
		    jget_uint(c, sub, sp, "priority", 7, &prio) < 0)
			return -1;
		pr->io_priority.priority = (int)prio;
	}
	if ((rc = jget_object(c, o, p, "execCPUAffinity", &sub)) < 0)
		return -1;
	jget_path_key(sp, p, "execCPUAffinity");
	if (rc && (jget_string(c, sub, sp, "initial", &pr->exec_cpu_affinity_initial) < 0 ||
		   jget_string(c, sub, sp, "final", &pr->exec_cpu_affinity_final) < 0))
		return -1;
	return 0;
}

void spec_process_free(struct spec_process *p)
{
	if (p == NULL)
		return;
	free(p->user.additional_gids);
	free(p->user.username);
	strv_free(p->args);
	free(p->command_line);
	strv_free(p->env);
	free(p->cwd);
	strv_free(p->caps.unknown);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	free(p->exec_cpu_affinity_initial);
	free(p->exec_cpu_affinity_final);
	memset(p, 0, sizeof *p);
}

int spec_parse_process(json_t *obj, const char *name, struct spec_process *out, struct error *err)
{
	struct jdoc c = {name, err};
	memset(out, 0, sizeof *out);
	if (!json_is_object(obj))
		return jget_err(&c, "", "expected an object");
	if (parse_process_at(&c, obj, "", out) < 0) {
		spec_process_free(out);
		return -1;
	}
	return 0;
}

int spec_parse_resources(json_t *obj, const char *name, struct cgroup_resources *out,
			 struct error *err)
{
	struct jdoc c = {name, err};
	memset(out, 0, sizeof *out);
	if (!json_is_object(obj))
		return jget_err(&c, "", "expected an object");
	if (spec_parse_resources_at(&c, obj, "", out) < 0) {
		cgroup_resources_free(out);
		return -1;
	}
	return 0;
}

static int parse_hooks(const struct jdoc *c, json_t *o, struct spec_hooks *hooks)
{
	for (int k = 0; k < HOOK_KIND_COUNT; k++) {
		json_t *arr = NULL;
		int rc = jget_array(c, o, "hooks", hook_kind_name(k), &arr);
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		char path[JGET_PATH_MAX], p[JGET_PATH_MAX];
		jget_path_key(path, "hooks", hook_kind_name(k));
		size_t n = json_array_size(arr);
		hooks->list[k] = calloc(n + 1, sizeof *hooks->list[k]);
		if (hooks->list[k] == NULL)
			return jget_nomem(c, path);
		for (size_t i = 0; i < n; i++) {
			struct spec_hook *h = &hooks->list[k][i];
			json_t *e = NULL;
			int64_t timeout;
			hooks->n[k] = i + 1;
			if (jget_array_object(c, arr, path, i, p, &e) < 0 ||
			    jget_require(c, jget_string(c, e, p, "path", &h->path), p, "path") < 0)
				return -1;
			if (h->path[0] != '/') {
				char hp[JGET_PATH_MAX];
				jget_path_key(hp, p, "path");
				return jget_err(c, hp, "\"%s\" is not an absolute path", h->path);
			}
			if (jget_strv(c, e, p, "args", &h->args) < 0 ||
			    jget_strv(c, e, p, "env", &h->env) < 0)
				return -1;
			rc = jget_int(c, e, p, "timeout", 1, INT_MAX, &timeout);
			if (rc < 0)
				return -1;
			h->has_timeout = rc;
			h->timeout = rc ? (int)timeout : 0;
		}
	}
	return 0;
}

static int parse_mounts(const struct jdoc *c, json_t *arr, struct spec *s)
{
	char p[JGET_PATH_MAX];
	size_t n = json_array_size(arr);
	s->mounts = calloc(n + 1, sizeof *s->mounts);
	if (s->mounts == NULL)
		return error_set(c->err, ENOMEM, "%s: mounts", c->doc);
	for (size_t i = 0; i < n; i++) {
		struct mount_entry *m = &s->mounts[i];
		json_t *e = NULL;
		s->n_mounts = i + 1;
		if (jget_array_object(c, arr, "mounts", i, p, &e) < 0 ||
		    jget_require(c, jget_string(c, e, p, "destination", &m->destination), p,
				 "destination") < 0)
			return -1;
		/* runc takes a relative destination as relative to the container's root. */
		if (m->destination[0] != '/') {
			char *abs;
			if (asprintf(&abs, "/%s", m->destination) < 0)
				return jget_nomem(c, p);
			free(m->destination);
			m->destination = abs;
		}
		if (jget_string(c, e, p, "type", &m->type) < 0 ||
		    jget_string(c, e, p, "source", &m->source) < 0 ||
		    jget_strv(c, e, p, "options", &m->options) < 0 ||
		    spec_get_idmaps(c, e, p, "uidMappings", &m->uid_mappings, &m->n_uid_mappings) <
			0 ||
		    spec_get_idmaps(c, e, p, "gidMappings", &m->gid_mappings, &m->n_gid_mappings) <
			0)
			return -1;
	}
	return 0;
}

const char *spec_annotation(const struct spec *s, const char *key)
{
	for (size_t i = 0; s->annotation_keys && s->annotation_keys[i]; i++)
		if (strcmp(s->annotation_keys[i], key) == 0)
			return s->annotation_values[i];
	return NULL;
}

static int parse_spec(const struct jdoc *c, json_t *root, struct spec *s)
{
	json_t *o = NULL;
	int rc;
	if (!json_is_object(root))
		return jget_err(c, "", "expected an object");
	if (jget_require(c, jget_string(c, root, "", "ociVersion", &s->oci_version), "",
			 "ociVersion") < 0)
		return -1;
	if ((rc = jget_object(c, root, "", "process", &o)) < 0)
		return -1;
	s->has_process = rc;
	if (rc && parse_process_at(c, o, "process", &s->process) < 0)
		return -1;
	if (jget_require(c, jget_object(c, root, "", "root", &o), "", "root") < 0 ||
	    jget_require(c, jget_string(c, o, "root", "path", &s->root_path), "root", "path") < 0 ||
	    jget_bool(c, o, "root", "readonly", &s->root_readonly) < 0)
		return -1;
	if (s->root_path[0] == '\0')
		return jget_err(c, "root.path", "must not be empty");
	if (jget_string(c, root, "", "hostname", &s->hostname) < 0 ||
	    jget_string(c, root, "", "domainname", &s->domainname) < 0)
		return -1;
	if ((rc = jget_array(c, root, "", "mounts", &o)) < 0)
		return -1;
	if (rc && parse_mounts(c, o, s) < 0)
		return -1;
	if ((rc = jget_object(c, root, "", "hooks", &o)) < 0)
		return -1;
	if (rc && parse_hooks(c, o, &s->hooks) < 0)
		return -1;
	if (get_string_map(c, root, "", "annotations", &s->annotation_keys, &s->annotation_values) <
	    0)
		return -1;
	/* As crun: any value but "0" keeps the groups. */
	const char *keep = spec_annotation(s, "run.oci.keep_original_groups");
	s->process.user.keep_original_groups = keep && strcmp(keep, "0") != 0;
	if ((rc = jget_object(c, root, "", "linux", &o)) < 0)
		return -1;
	if (rc && spec_parse_linux(c, o, "linux", &s->linux) < 0)
		return -1;
	/* Without its own UTS namespace, sethostname would rename the host: refuse, as runc. */
	if (!s->linux.ns.listed[NS_UTS] && s->hostname && *s->hostname)
		return jget_err(c, "hostname", "needs a uts namespace in linux.namespaces");
	if (!s->linux.ns.listed[NS_UTS] && s->domainname && *s->domainname)
		return jget_err(c, "domainname", "needs a uts namespace in linux.namespaces");
	/* Whichever of the two were applied last would win without a word: refuse, as crun.
	 * (kernel.hostname is refused whatever its value, as runc and crun do.) */
	for (size_t i = 0;
	     s->domainname && *s->domainname && s->linux.sysctl_keys && s->linux.sysctl_keys[i];
	     i++) {
		const char *k = s->linux.sysctl_keys[i], *v = s->linux.sysctl_values[i];
		if ((strcmp(k, "kernel.domainname") == 0 || strcmp(k, "kernel/domainname") == 0) &&
		    strcmp(v ? v : "", s->domainname) != 0)
			return jget_err(c, "linux.sysctl",
					"%s \"%s\" conflicts with domainname \"%s\"", k, v ? v : "",
					s->domainname);
	}
	return spec_check_mount_namespace(c, s);
}

struct spec *spec_parse(json_t *root, const char *name, struct error *err)
{
	struct jdoc c = {name, err};
	struct spec *s = calloc(1, sizeof *s);
	if (s == NULL) {
		error_set(err, ENOMEM, "%s", name);
		return NULL;
	}
	if (parse_spec(&c, root, s) < 0) {
		spec_free(s);
		return NULL;
	}
	return s;
}

void spec_free(struct spec *s)
{
	if (s == NULL)
		return;
	free(s->oci_version);
	spec_process_free(&s->process);
	free(s->root_path);
	free(s->hostname);
	free(s->domainname);
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct mount_entry *m = &s->mounts[i];
		free(m->destination);
		free(m->type);
		free(m->source);
		strv_free(m->options);
		free(m->uid_mappings);
		free(m->gid_mappings);
	}
	free(s->mounts);
	for (int k = 0; k < HOOK_KIND_COUNT; k++) {
		for (size_t i = 0; i < s->hooks.n[k]; i++) {
			free(s->hooks.list[k][i].path);
			strv_free(s->hooks.list[k][i].args);
			strv_free(s->hooks.list[k][i].env);
		}
		free(s->hooks.list[k]);
	}
	spec_strv_pair_free(s->annotation_keys, s->annotation_values);
	spec_linux_free(&s->linux);
	free(s);
}

json_t *spec_json_load(const char *path, struct error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, strcmp(path, "-") == 0 ? "/dev/stdin" : path, &data, &len, err) <
	    0)
		return NULL;
	return jget_loadb(data, len, path, err);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

struct spec *spec_parse_bytes(const char *data, size_t len, const char *path, struct error *err)
{
	json_t *root = jget_loadb(data, len, path, err);
	if (root == NULL)
		return NULL;
	struct spec *s = spec_parse(root, base_name(path), err);
	json_decref(root);
	return s;
}

struct spec *spec_load_file(const char *path, struct error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, path, &data, &len, err) < 0)
		return NULL;
	return spec_parse_bytes(data, len, path, err);
}

int spec_load_process_file(const char *path, struct spec_process *out, struct error *err)
{
	json_t *j = spec_json_load(path, err);
	if (j == NULL)
		return -1;
	int r = spec_parse_process(j, base_name(path), out, err);
	json_decref(j);
	return r;
}

int spec_load_resources_file(const char *path, struct cgroup_resources *out, struct error *err)
{
	json_t *j = spec_json_load(path, err);
	if (j == NULL)
		return -1;
	int r = spec_parse_resources(j, path, out, err);
	json_decref(j);
	return r;
}
