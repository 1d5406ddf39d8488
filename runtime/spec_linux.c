/* The "linux" object of config.json: namespaces, devices, resources, seccomp and the rest. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "runtime/spec_internal.h"

/* Allocates an array of n+1 zeroed elements for the array member KEY; returns 1 with *arr set,
 * 0 when absent, -1 on error. path receives the member's path. */
static int get_list(const struct jdoc *c, json_t *obj, const char *prefix, const char *key,
		    char path[JGET_PATH_MAX], json_t **arr, void **out, size_t elem)
{
	int rc = jget_array(c, obj, prefix, key, arr);
	if (rc <= 0)
		return rc;
	jget_path_key(path, prefix, key);
	*out = calloc(json_array_size(*arr) + 1, elem);
	if (*out == NULL)
		return jget_nomem(c, path);
	return 1;
}

static int elem_object(const struct jdoc *c, json_t *arr, const char *path, size_t i,
		       char p[JGET_PATH_MAX], json_t **out)
{
	jget_path_idx(p, path, i);
	*out = json_array_get(arr, i);
	if (!json_is_object(*out))
		return jget_err(c, p, "expected an object");
	return 0;
}

static int opt_i64(const struct jdoc *c, json_t *o, const char *p, const char *key, int64_t min,
		   struct opt_i64 *out)
{
	int rc = jget_int(c, o, p, key, min, INT64_MAX, &out->v);
	out->set = rc > 0;
	return rc < 0 ? -1 : 0;
}

static int opt_u64(const struct jdoc *c, json_t *o, const char *p, const char *key, uint64_t max,
		   struct opt_u64 *out)
{
	int rc = jget_uint(c, o, p, key, max, &out->v);
	out->set = rc > 0;
	return rc < 0 ? -1 : 0;
}

static int opt_bool(const struct jdoc *c, json_t *o, const char *p, const char *key,
		    struct opt_bool *out)
{
	int rc = jget_bool(c, o, p, key, &out->v);
	out->set = rc > 0;
	return rc < 0 ? -1 : 0;
}

static int parse_memory(const struct jdoc *c, json_t *o, const char *p, struct cg_memory *m)
{
	/* -1 means unlimited; nothing below it is meaningful. */
	if (opt_i64(c, o, p, "limit", -1, &m->limit) < 0 ||
	    opt_i64(c, o, p, "reservation", -1, &m->reservation) < 0 ||
	    opt_i64(c, o, p, "swap", -1, &m->swap) < 0 ||
	    opt_i64(c, o, p, "kernel", -1, &m->kernel) < 0 ||
	    opt_i64(c, o, p, "kernelTCP", -1, &m->kernel_tcp) < 0)
		return -1;
	/* runc reads uint64(-1) as "leave swappiness alone"; Docker has sent it that way. */
	uint64_t sw;
	int rc = jget_uint(c, o, p, "swappiness", UINT64_MAX, &sw);
	if (rc < 0)
		return -1;
	if (rc && sw != UINT64_MAX) {
		if (sw > 100) {
			char sp[JGET_PATH_MAX];
			jget_path_key(sp, p, "swappiness");
			return jget_err(c, sp, "%" PRIu64 " is out of range (0..100)", sw);
		}
		m->swappiness = (struct opt_u64){true, sw};
	}
	return opt_bool(c, o, p, "disableOOMKiller", &m->disable_oom_killer) < 0 ||
		       opt_bool(c, o, p, "useHierarchy", &m->use_hierarchy) < 0 ||
		       opt_bool(c, o, p, "checkBeforeUpdate", &m->check_before_update) < 0
		   ? -1
		   : 0;
}

static int parse_cpu(const struct jdoc *c, json_t *o, const char *p, struct cg_cpu *cpu)
{
	if (opt_u64(c, o, p, "shares", UINT64_MAX, &cpu->shares) < 0 ||
	    opt_i64(c, o, p, "quota", -1, &cpu->quota) < 0 ||
	    opt_u64(c, o, p, "burst", UINT64_MAX, &cpu->burst) < 0 ||
	    opt_u64(c, o, p, "period", UINT64_MAX, &cpu->period) < 0 ||
	    opt_i64(c, o, p, "realtimeRuntime", -1, &cpu->realtime_runtime) < 0 ||
	    opt_u64(c, o, p, "realtimePeriod", UINT64_MAX, &cpu->realtime_period) < 0 ||
	    jget_string(c, o, p, "cpus", &cpu->cpus) < 0 ||
	    jget_string(c, o, p, "mems", &cpu->mems) < 0)
		return -1;
	int rc = jget_int(c, o, p, "idle", INT64_MIN, INT64_MAX, &cpu->idle.v);
	cpu->idle.set = rc > 0;
	return rc < 0 ? -1 : 0;
}

static int parse_blkio(const struct jdoc *c, json_t *o, const char *p, struct cg_blkio *b)
{
	char path[JGET_PATH_MAX], ep[JGET_PATH_MAX];
	json_t *arr = NULL, *e = NULL;
	void *list = NULL;
	int rc;
	if (opt_u64(c, o, p, "weight", UINT16_MAX, &b->weight) < 0 ||
	    opt_u64(c, o, p, "leafWeight", UINT16_MAX, &b->leaf_weight) < 0)
		return -1;
	rc = get_list(c, o, p, "weightDevice", path, &arr, &list, sizeof *b->weight_device);
	if (rc < 0)
		return -1;
	if (rc) {
		b->weight_device = list;
		for (size_t i = 0; i < json_array_size(arr); i++) {
			struct cg_weight_device *w = &b->weight_device[i];
			if (elem_object(c, arr, path, i, ep, &e) < 0 ||
			    jget_require(c, jget_int(c, e, ep, "major", 0, INT64_MAX, &w->major),
					 ep, "major") < 0 ||
			    jget_require(c, jget_int(c, e, ep, "minor", 0, INT64_MAX, &w->minor),
					 ep, "minor") < 0 ||
			    opt_u64(c, e, ep, "weight", UINT16_MAX, &w->weight) < 0 ||
			    opt_u64(c, e, ep, "leafWeight", UINT16_MAX, &w->leaf_weight) < 0)
				return -1;
			b->n_weight_device = i + 1;
		}
	}
	static const char *const throttle[4] = {
	    [CG_THROTTLE_READ_BPS] = "throttleReadBpsDevice",
	    [CG_THROTTLE_WRITE_BPS] = "throttleWriteBpsDevice",
	    [CG_THROTTLE_READ_IOPS] = "throttleReadIOPSDevice",
	    [CG_THROTTLE_WRITE_IOPS] = "throttleWriteIOPSDevice",
	};
	for (int t = 0; t < 4; t++) {
		rc = get_list(c, o, p, throttle[t], path, &arr, &list, sizeof *b->throttle[t]);
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		b->throttle[t] = list;
		for (size_t i = 0; i < json_array_size(arr); i++) {
			struct cg_throttle_device *d = &b->throttle[t][i];
			if (elem_object(c, arr, path, i, ep, &e) < 0 ||
			    jget_require(c, jget_int(c, e, ep, "major", 0, INT64_MAX, &d->major),
					 ep, "major") < 0 ||
			    jget_require(c, jget_int(c, e, ep, "minor", 0, INT64_MAX, &d->minor),
					 ep, "minor") < 0 ||
			    jget_require(c, jget_uint(c, e, ep, "rate", UINT64_MAX, &d->rate), ep,
					 "rate") < 0)
				return -1;
			b->n_throttle[t] = i + 1;
		}
	}
	return 0;
}

static int parse_cgroup_devices(const struct jdoc *c, json_t *o, const char *p,
				struct cgroup_resources *r)
{
	char path[JGET_PATH_MAX], ep[JGET_PATH_MAX];
	json_t *arr = NULL, *e = NULL;
	void *list = NULL;
	int rc = get_list(c, o, p, "devices", path, &arr, &list, sizeof *r->devices);
	if (rc <= 0)
		return rc;
	r->devices = list;
	r->has_devices = true;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		struct cg_device_rule *d = &r->devices[i];
		_cleanup_free_ char *type = NULL, *access = NULL;
		char kp[JGET_PATH_MAX];
		if (elem_object(c, arr, path, i, ep, &e) < 0 ||
		    jget_require(c, jget_bool(c, e, ep, "allow", &d->allow), ep, "allow") < 0 ||
		    jget_string(c, e, ep, "type", &type) < 0)
			return -1;
		d->type = 'a';
		if (type && *type) {
			if (strlen(type) != 1 || strchr("acb", type[0]) == NULL) {
				jget_path_key(kp, ep, "type");
				return jget_err(c, kp, "unknown device type \"%s\"", type);
			}
			d->type = type[0];
		}
		d->major = d->minor = -1;
		if (jget_int(c, e, ep, "major", -1, INT64_MAX, &d->major) < 0 ||
		    jget_int(c, e, ep, "minor", -1, INT64_MAX, &d->minor) < 0 ||
		    jget_string(c, e, ep, "access", &access) < 0)
			return -1;
		/* An absent access means every kind, as the device cgroup reads it. runc takes
		 * the r, w and m in the string and ignores any other letter ("rwa" is "rw"), which
		 * never widens the rule; a string with none of them it refuses, and so do we. */
		const char *acc = access ? access : "rwm";
		size_t k = 0;
		for (const char *l = "rwm"; *l; l++)
			if (strchr(acc, *l))
				d->access[k++] = *l;
		d->access[k] = '\0';
		if (k == 0) {
			jget_path_key(kp, ep, "access");
			return jget_err(c, kp, "\"%s\" names none of r, w and m", acc);
		}
		r->n_devices = i + 1;
	}
	return 0;
}

static int parse_misc_resources(const struct jdoc *c, json_t *o, const char *p,
				struct cgroup_resources *r)
{
	char path[JGET_PATH_MAX], ep[JGET_PATH_MAX], sp[JGET_PATH_MAX];
	json_t *arr = NULL, *e = NULL, *sub = NULL;
	void *list = NULL;
	int rc = get_list(c, o, p, "hugepageLimits", path, &arr, &list, sizeof *r->hugepages);
	if (rc < 0)
		return -1;
	if (rc) {
		r->hugepages = list;
		for (size_t i = 0; i < json_array_size(arr); i++) {
			struct cg_hugepage *h = &r->hugepages[i];
			r->n_hugepages = i + 1;
			if (elem_object(c, arr, path, i, ep, &e) < 0 ||
			    jget_require(c, jget_string(c, e, ep, "pageSize", &h->page_size), ep,
					 "pageSize") < 0 ||
			    jget_require(c, jget_uint(c, e, ep, "limit", UINT64_MAX, &h->limit), ep,
					 "limit") < 0)
				return -1;
		}
	}
	if ((rc = jget_object(c, o, p, "network", &sub)) < 0)
		return -1;
	if (rc) {
		jget_path_key(sp, p, "network");
		if (opt_u64(c, sub, sp, "classID", UINT32_MAX, &r->net_class_id) < 0)
			return -1;
		rc = get_list(c, sub, sp, "priorities", path, &arr, &list, sizeof *r->net_prio);
		if (rc < 0)
			return -1;
		if (rc)
			r->net_prio = list;
		for (size_t i = 0; rc && i < json_array_size(arr); i++) {
			struct cg_net_prio *np = &r->net_prio[i];
			uint64_t prio;
			r->n_net_prio = i + 1;
			if (elem_object(c, arr, path, i, ep, &e) < 0 ||
			    jget_require(c, jget_string(c, e, ep, "name", &np->name), ep, "name") <
				0 ||
			    jget_require(c, jget_uint(c, e, ep, "priority", UINT32_MAX, &prio), ep,
					 "priority") < 0)
				return -1;
			np->priority = (uint32_t)prio;
		}
	}
	if ((rc = jget_object(c, o, p, "rdma", &sub)) < 0)
		return -1;
	if (rc) {
		jget_path_key(sp, p, "rdma");
		r->rdma = calloc(json_object_size(sub) + 1, sizeof *r->rdma);
		if (r->rdma == NULL)
			return jget_nomem(c, sp);
		const char *dev;
		json_object_foreach(sub, dev, e)
		{
			struct cg_rdma *d = &r->rdma[r->n_rdma++];
			jget_path_key(ep, sp, dev);
			if ((d->device = strdup(dev)) == NULL)
				return jget_nomem(c, ep);
			if (!json_is_object(e))
				return jget_err(c, ep, "expected an object");
			if (opt_u64(c, e, ep, "hcaHandles", UINT32_MAX, &d->hca_handles) < 0 ||
			    opt_u64(c, e, ep, "hcaObjects", UINT32_MAX, &d->hca_objects) < 0)
				return -1;
		}
	}
	if ((rc = jget_object(c, o, p, "unified", &sub)) < 0)
		return -1;
	if (rc) {
		jget_path_key(sp, p, "unified");
		r->unified = calloc(json_object_size(sub) + 1, sizeof *r->unified);
		if (r->unified == NULL)
			return jget_nomem(c, sp);
		const char *key;
		json_object_foreach(sub, key, e)
		{
			struct cg_unified *u = &r->unified[r->n_unified++];
			jget_path_key(ep, sp, key);
			/* A key is a file name in the cgroup directory: never a path. */
			if (*key == '\0' || strchr(key, '/') || strcmp(key, "..") == 0 ||
			    strcmp(key, ".") == 0)
				return jget_err(c, ep, "not a cgroup file name");
			if ((u->key = strdup(key)) == NULL)
				return jget_nomem(c, ep);
			if (jget_val_string(c, e, ep, &u->value) < 0)
				return -1;
		}
	}
	return 0;
}

int spec_parse_resources_at(const struct jdoc *c, json_t *o, const char *p,
			    struct cgroup_resources *r)
{
	char sp[JGET_PATH_MAX];
	json_t *sub = NULL;
	int rc;
	if (parse_cgroup_devices(c, o, p, r) < 0)
		return -1;
	if ((rc = jget_object(c, o, p, "memory", &sub)) < 0)
		return -1;
	jget_path_key(sp, p, "memory");
	if (rc && parse_memory(c, sub, sp, &r->memory) < 0)
		return -1;
	if ((rc = jget_object(c, o, p, "cpu", &sub)) < 0)
		return -1;
	jget_path_key(sp, p, "cpu");
	if (rc && parse_cpu(c, sub, sp, &r->cpu) < 0)
		return -1;
	if ((rc = jget_object(c, o, p, "pids", &sub)) < 0)
		return -1;
	jget_path_key(sp, p, "pids");
	if (rc && opt_i64(c, sub, sp, "limit", INT64_MIN, &r->pids_limit) < 0)
		return -1;
	if ((rc = jget_object(c, o, p, "blockIO", &sub)) < 0)
		return -1;
	jget_path_key(sp, p, "blockIO");
	if (rc && parse_blkio(c, sub, sp, &r->blkio) < 0)
		return -1;
	return parse_misc_resources(c, o, p, r);
}

static int parse_namespaces(const struct jdoc *c, json_t *o, const char *p, struct ns_config *ns)
{
	char path[JGET_PATH_MAX], ep[JGET_PATH_MAX], kp[JGET_PATH_MAX];
	json_t *arr = NULL, *e = NULL;
	int rc = jget_array(c, o, p, "namespaces", &arr);
	if (rc <= 0)
		return rc;
	jget_path_key(path, p, "namespaces");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		_cleanup_free_ char *type = NULL, *nspath = NULL;
		if (elem_object(c, arr, path, i, ep, &e) < 0 ||
		    jget_require(c, jget_string(c, e, ep, "type", &type), ep, "type") < 0 ||
		    jget_string(c, e, ep, "path", &nspath) < 0)
			return -1;
		jget_path_key(kp, ep, "type");
		int t = ns_type_from_name(type);
		if (t < 0)
			return jget_err(c, kp, "unknown namespace type \"%s\"", type);
		if (ns->listed[t])
			return jget_err(c, kp, "duplicate namespace type \"%s\"", type);
		ns->listed[t] = true;
		if (nspath && nspath[0] != '/') {
			jget_path_key(kp, ep, "path");
			return jget_err(c, kp, "\"%s\" is not an absolute path", nspath);
		}
		ns->path[t] = steal_pointer(&nspath);
	}
	return 0;
}

static int parse_time_offsets(const struct jdoc *c, json_t *o, const char *p,
			      struct time_offsets *t)
{
	const char *clock;
	json_t *e = NULL;
	json_object_foreach(o, clock, e)
	{
		char ep[JGET_PATH_MAX];
		int64_t secs = 0;
		uint64_t nsecs = 0;
		jget_path_key(ep, p, clock);
		bool mono = strcmp(clock, "monotonic") == 0;
		if (!mono && strcmp(clock, "boottime") != 0)
			return jget_err(c, ep, "unknown clock (monotonic or boottime)");
		if (!json_is_object(e))
			return jget_err(c, ep, "expected an object");
		if (jget_int(c, e, ep, "secs", INT64_MIN, INT64_MAX, &secs) < 0 ||
		    jget_uint(c, e, ep, "nanosecs", 999999999, &nsecs) < 0)
			return -1;
		if (mono) {
			t->has_monotonic = true;
			t->monotonic_secs = secs;
			t->monotonic_nsecs = (uint32_t)nsecs;
		} else {
			t->has_boottime = true;
			t->boottime_secs = secs;
			t->boottime_nsecs = (uint32_t)nsecs;
		}
	}
	return 0;
}

static int parse_devices(const struct jdoc *c, json_t *o, const char *p, struct spec_linux *l)
{
	char path[JGET_PATH_MAX], ep[JGET_PATH_MAX], kp[JGET_PATH_MAX];
	json_t *arr = NULL, *e = NULL;
	void *list = NULL;
	int rc = get_list(c, o, p, "devices", path, &arr, &list, sizeof *l->devices);
	if (rc <= 0)
		return rc;
	l->devices = list;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		struct device_entry *d = &l->devices[i];
		_cleanup_free_ char *type = NULL;
		uint64_t v;
		l->n_devices = i + 1;
		if (elem_object(c, arr, path, i, ep, &e) < 0 ||
		    jget_require(c, jget_string(c, e, ep, "path", &d->path), ep, "path") < 0 ||
		    jget_require(c, jget_string(c, e, ep, "type", &type), ep, "type") < 0)
			return -1;
		if (d->path[0] != '/') {
			jget_path_key(kp, ep, "path");
			return jget_err(c, kp, "\"%s\" is not an absolute path", d->path);
		}
		if (strlen(type) != 1 || strchr("cbup", type[0]) == NULL) {
			jget_path_key(kp, ep, "type");
			return jget_err(c, kp, "unknown device type \"%s\" (c, b, u or p)", type);
		}
		d->type = type[0];
		/* makedev takes 32-bit majors and minors; a larger one would wrap silently. */
		int has_major = jget_int(c, e, ep, "major", 0, UINT32_MAX, &d->major);
		int has_minor =
		    has_major < 0 ? -1 : jget_int(c, e, ep, "minor", 0, UINT32_MAX, &d->minor);
		if (has_major < 0 || has_minor < 0)
			return -1;
		if (d->type != 'p' && (jget_require(c, has_major, ep, "major") < 0 ||
				       jget_require(c, has_minor, ep, "minor") < 0))
			return -1;
		/* podman writes the host's whole st_mode, file type bits included (020600 for a
		 * char device), and runc accepts that: only the permission bits are used. */
		if ((rc = jget_uint(c, e, ep, "fileMode", 0177777, &v)) < 0)
			return -1;
		d->has_mode = rc;
		d->file_mode = (uint32_t)v & 07777;
		if ((rc = jget_uint(c, e, ep, "uid", UINT32_MAX, &v)) < 0)
			return -1;
		d->has_uid = rc;
		d->uid = (uint32_t)v;
		if ((rc = jget_uint(c, e, ep, "gid", UINT32_MAX, &v)) < 0)
			return -1;
		d->has_gid = rc;
		d->gid = (uint32_t)v;
	}
	return 0;
}

/* Each string must be one of the names in table. */
static int check_names(const struct jdoc *c, char **v, const char *path, const char *const *table,
		       const char *what)
{
	for (size_t i = 0; v && v[i]; i++)
		if (spec_name_index(table, v[i]) < 0) {
			char ep[JGET_PATH_MAX];
			jget_path_idx(ep, path, i);
			return jget_err(c, ep, "unknown %s \"%s\"", what, v[i]);
		}
	return 0;
}

static int get_name(const struct jdoc *c, json_t *o, const char *p, const char *key,
		    const char *const *table, const char *what, char **out)
{
	int rc = jget_require(c, jget_string(c, o, p, key, out), p, key);
	if (rc < 0)
		return -1;
	if (spec_name_index(table, *out) < 0) {
		char kp[JGET_PATH_MAX];
		jget_path_key(kp, p, key);
		return jget_err(c, kp, "unknown %s \"%s\"", what, *out);
	}
	return 0;
}

static int parse_syscall(const struct jdoc *c, json_t *e, const char *ep, struct seccomp_rule *r)
{
	char path[JGET_PATH_MAX], ap[JGET_PATH_MAX];
	json_t *arr = NULL, *a = NULL;
	void *list = NULL;
	uint64_t v;
	if (jget_require(c, jget_strv(c, e, ep, "names", &r->names), ep, "names") < 0 ||
	    get_name(c, e, ep, "action", spec_seccomp_actions, "seccomp action", &r->action) < 0)
		return -1;
	if (r->names[0] == NULL) {
		jget_path_key(path, ep, "names");
		return jget_err(c, path, "must not be empty");
	}
	int rc = jget_uint(c, e, ep, "errnoRet", UINT32_MAX, &v);
	if (rc < 0)
		return -1;
	r->has_errno_ret = rc;
	r->errno_ret = (uint32_t)v;
	rc = get_list(c, e, ep, "args", path, &arr, &list, sizeof *r->args);
	if (rc <= 0)
		return rc;
	r->args = list;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		struct seccomp_arg *sa = &r->args[i];
		r->n_args = i + 1;
		if (elem_object(c, arr, path, i, ap, &a) < 0 ||
		    jget_require(c, jget_uint(c, a, ap, "index", 5, &v), ap, "index") < 0)
			return -1;
		sa->index = (uint32_t)v;
		if (jget_require(c, jget_uint(c, a, ap, "value", UINT64_MAX, &sa->value), ap,
				 "value") < 0 ||
		    jget_uint(c, a, ap, "valueTwo", UINT64_MAX, &sa->value_two) < 0 ||
		    get_name(c, a, ap, "op", spec_seccomp_operators, "seccomp operator", &sa->op) <
			0)
			return -1;
	}
	return 0;
}

static int parse_seccomp(const struct jdoc *c, json_t *o, const char *p, struct spec_seccomp *s)
{
	char path[JGET_PATH_MAX], ep[JGET_PATH_MAX];
	json_t *arr = NULL, *e = NULL;
	void *list = NULL;
	uint64_t v;
	if (get_name(c, o, p, "defaultAction", spec_seccomp_actions, "seccomp action",
		     &s->default_action) < 0)
		return -1;
	int rc = jget_uint(c, o, p, "defaultErrnoRet", UINT32_MAX, &v);
	if (rc < 0)
		return -1;
	s->has_default_errno_ret = rc;
	s->default_errno_ret = (uint32_t)v;
	if (jget_strv(c, o, p, "architectures", &s->architectures) < 0)
		return -1;
	jget_path_key(path, p, "architectures");
	if (check_names(c, s->architectures, path, spec_seccomp_archs, "architecture") < 0)
		return -1;
	if (jget_strv(c, o, p, "flags", &s->flags) < 0)
		return -1;
	jget_path_key(path, p, "flags");
	if (check_names(c, s->flags, path, spec_seccomp_flags, "seccomp flag") < 0)
		return -1;
	if (jget_string(c, o, p, "listenerPath", &s->listener_path) < 0 ||
	    jget_string(c, o, p, "listenerMetadata", &s->listener_metadata) < 0)
		return -1;
	rc = get_list(c, o, p, "syscalls", path, &arr, &list, sizeof *s->syscalls);
	if (rc <= 0)
		return rc;
	s->syscalls = list;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		s->n_syscalls = i + 1;
		if (elem_object(c, arr, path, i, ep, &e) < 0 ||
		    parse_syscall(c, e, ep, &s->syscalls[i]) < 0)
			return -1;
	}
	return 0;
}

static int get_enum_string(const struct jdoc *c, json_t *o, const char *p, const char *key,
			   const char *const *allowed, char **out)
{
	int rc = jget_string(c, o, p, key, out);
	if (rc <= 0)
		return rc;
	if (spec_name_index(allowed, *out) < 0) {
		char kp[JGET_PATH_MAX];
		jget_path_key(kp, p, key);
		return jget_err(c, kp, "unknown value \"%s\"", *out);
	}
	return 1;
}

static const char *const propagations[] = {"shared",	 "slave",	"private",
					   "unbindable", "rshared",	"rslave",
					   "rprivate",	 "runbindable", NULL};
static const char *const personality_domains[] = {"LINUX", "LINUX32", NULL};

/* A namespace type that is not listed is inherited (runtime-spec): without a mount namespace the
 * container runs in the caller's, chrooted into root.path, and everything that mounts or
 * remounts would do it on the host's mount table, to stay there. runc refuses masked and
 * readonly paths the same way, but mounts the rest on the host. */
int spec_check_mount_namespace(const struct jdoc *c, const struct spec *s)
{
	const struct spec_linux *l = &s->linux;
	if (l->ns.listed[NS_MNT])
		return 0;
	if (s->n_mounts > 0)
		return jget_err(c, "linux.namespaces",
				"no mount namespace, so mounts[0] (%s) would be mounted on the "
				"host: add {\"type\": \"mount\"} or remove the mounts",
				s->mounts[0].destination ? s->mounts[0].destination : "");
	if (l->masked_paths && l->masked_paths[0])
		return jget_err(c, "linux.maskedPaths",
				"needs a mount namespace in linux.namespaces");
	if (l->readonly_paths && l->readonly_paths[0])
		return jget_err(c, "linux.readonlyPaths",
				"needs a mount namespace in linux.namespaces");
	if (l->rootfs_propagation && l->rootfs_propagation[0])
		return jget_err(c, "linux.rootfsPropagation",
				"needs a mount namespace in linux.namespaces");
	if (s->root_readonly)
		return jget_err(c, "root.readonly", "needs a mount namespace in linux.namespaces");
	return 0;
}

int spec_parse_linux(const struct jdoc *c, json_t *o, const char *p, struct spec_linux *l)
{
	char sp[JGET_PATH_MAX];
	json_t *sub = NULL;
	int rc;
	if (parse_namespaces(c, o, p, &l->ns) < 0 ||
	    spec_get_idmaps(c, o, p, "uidMappings", &l->uid_mappings, &l->n_uid_mappings) < 0 ||
	    spec_get_idmaps(c, o, p, "gidMappings", &l->gid_mappings, &l->n_gid_mappings) < 0)
		return -1;
	if ((l->n_uid_mappings || l->n_gid_mappings) && !l->ns.listed[NS_USER]) {
		jget_path_key(sp, p, l->n_uid_mappings ? "uidMappings" : "gidMappings");
		return jget_err(c, sp, "needs a user namespace in linux.namespaces");
	}
	if ((rc = jget_object(c, o, p, "timeOffsets", &sub)) < 0)
		return -1;
	jget_path_key(sp, p, "timeOffsets");
	if (rc && parse_time_offsets(c, sub, sp, &l->time_offsets) < 0)
		return -1;
	if (parse_devices(c, o, p, l) < 0 ||
	    jget_string(c, o, p, "cgroupsPath", &l->cgroups_path) < 0)
		return -1;
	/* A newline would split the one-line errors and logs that name the path. */
	for (const char *ch = l->cgroups_path; ch && *ch; ch++)
		if ((unsigned char)*ch < 0x20 || *ch == 0x7f) {
			jget_path_key(sp, p, "cgroupsPath");
			return jget_err(c, sp, "must not contain control characters");
		}
	if ((rc = jget_object(c, o, p, "resources", &sub)) < 0)
		return -1;
	l->has_resources = rc;
	jget_path_key(sp, p, "resources");
	if (rc && spec_parse_resources_at(c, sub, sp, &l->resources) < 0)
		return -1;
	/* intelRdt is accepted and ignored: no resctrl support here. */
	json_t *sysctl = json_object_get(o, "sysctl");
	if (sysctl && !json_is_null(sysctl)) {
		jget_path_key(sp, p, "sysctl");
		if (!json_is_object(sysctl))
			return jget_err(c, sp, "expected an object");
		size_t n = json_object_size(sysctl), i = 0;
		l->sysctl_keys = calloc(n + 1, sizeof *l->sysctl_keys);
		l->sysctl_values = calloc(n + 1, sizeof *l->sysctl_values);
		if (l->sysctl_keys == NULL || l->sysctl_values == NULL)
			return jget_nomem(c, sp);
		const char *key;
		json_t *v;
		json_object_foreach(sysctl, key, v)
		{
			char kp[JGET_PATH_MAX];
			jget_path_key(kp, sp, key);
			if ((l->sysctl_keys[i] = strdup(key)) == NULL)
				return jget_nomem(c, kp);
			if (jget_val_string(c, v, kp, &l->sysctl_values[i]) < 0)
				return -1;
			i++;
		}
	}
	if ((rc = jget_object(c, o, p, "seccomp", &sub)) < 0)
		return -1;
	if (rc) {
		jget_path_key(sp, p, "seccomp");
		if ((l->seccomp = calloc(1, sizeof *l->seccomp)) == NULL)
			return jget_nomem(c, sp);
		if (parse_seccomp(c, sub, sp, l->seccomp) < 0)
			return -1;
	}
	if (get_enum_string(c, o, p, "rootfsPropagation", propagations, &l->rootfs_propagation) <
		0 ||
	    jget_strv(c, o, p, "maskedPaths", &l->masked_paths) < 0 ||
	    jget_strv(c, o, p, "readonlyPaths", &l->readonly_paths) < 0 ||
	    jget_string(c, o, p, "mountLabel", &l->mount_label) < 0)
		return -1;
	if ((rc = jget_object(c, o, p, "personality", &sub)) < 0)
		return -1;
	if (rc) {
		jget_path_key(sp, p, "personality");
		l->personality.set = true;
		if (jget_require(c,
				 get_enum_string(c, sub, sp, "domain", personality_domains,
						 &l->personality.domain),
				 sp, "domain") < 0 ||
		    jget_strv(c, sub, sp, "flags", &l->personality.flags) < 0)
			return -1;
	}
	return 0;
}

static void seccomp_free(struct spec_seccomp *s)
{
	if (s == NULL)
		return;
	free(s->default_action);
	strv_free(s->architectures);
	strv_free(s->flags);
	free(s->listener_path);
	free(s->listener_metadata);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		strv_free(s->syscalls[i].names);
		free(s->syscalls[i].action);
		for (size_t j = 0; j < s->syscalls[i].n_args; j++)
			free(s->syscalls[i].args[j].op);
		free(s->syscalls[i].args);
	}
	free(s->syscalls);
	free(s);
}

void spec_linux_free(struct spec_linux *l)
{
	for (int t = 0; t < NS_COUNT; t++)
		free(l->ns.path[t]);
	free(l->uid_mappings);
	free(l->gid_mappings);
	for (size_t i = 0; i < l->n_devices; i++)
		free(l->devices[i].path);
	free(l->devices);
	free(l->cgroups_path);
	cgroup_resources_free(&l->resources);
	spec_strv_pair_free(l->sysctl_keys, l->sysctl_values);
	seccomp_free(l->seccomp);
	free(l->rootfs_propagation);
	strv_free(l->masked_paths);
	strv_free(l->readonly_paths);
	free(l->mount_label);
	free(l->personality.domain);
	strv_free(l->personality.flags);
	memset(l, 0, sizeof *l);
}
