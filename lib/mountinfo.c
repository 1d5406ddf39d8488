#include "lib/mountinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"

/* The kernel escapes space, tab, newline and backslash (and nothing else) as \ooo. */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* The next space-separated field, NUL-terminated in place; NULL past the end. An empty source
 * (mount -t tmpfs "" /x) shows as an empty field between two spaces. */
static char *next_field(char **cur)
{
	char *s = *cur;
	if (s == NULL)
		return NULL;
	char *sp = strchr(s, ' ');
	if (sp) {
		*sp = '\0';
		*cur = sp + 1;
	} else {
		*cur = NULL;
	}
	return s;
}

static bool parse_int(const char *s, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 0x7fffffff)
		return false;
	*out = (int)v;
	return true;
}

static bool parse_line(char *line, struct mountinfo_entry *e)
{
	char *cur = line;
	char *id = next_field(&cur), *parent = next_field(&cur), *dev = next_field(&cur);
	e->root = next_field(&cur);
	e->mount_point = next_field(&cur);
	e->options = next_field(&cur);
	if (e->options == NULL || cur == NULL || !parse_int(id, &e->id) ||
	    !parse_int(parent, &e->parent))
		return false;
	char tail;
	if (sscanf(dev, "%u:%u%c", &e->major, &e->minor, &tail) != 2)
		return false;
	/* Zero or more optional fields, then a lone "-". */
	if (strncmp(cur, "- ", 2) == 0) {
		e->optional = cur + strlen(cur); /* "" */
		cur += 2;
	} else {
		char *sep = strstr(cur, " - ");
		if (sep == NULL)
			return false;
		*sep = '\0';
		e->optional = cur;
		cur = sep + 3;
	}
	e->fstype = next_field(&cur);
	e->source = next_field(&cur);
	e->super_options = next_field(&cur);
	if (e->super_options == NULL || e->fstype[0] == '\0')
		return false;
	unescape(e->root);
	unescape(e->mount_point);
	unescape(e->fstype);
	unescape(e->source);
	return true;
}

int mountinfo_parse(const char *text, size_t len, const char *name, struct mountinfo *out,
		    struct error *err)
{
	memset(out, 0, sizeof *out);
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	out->text = malloc(len + 1);
	out->entries = calloc(lines + 1, sizeof *out->entries);
	if (out->text == NULL || out->entries == NULL) {
		mountinfo_free(out);
		return error_set(err, ENOMEM, "%s", name);
	}
	memcpy(out->text, text, len);
	out->text[len] = '\0';
	size_t no = 0;
	for (char *line = out->text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		no++;
		if (strlen(line) != (size_t)((nl ? nl : out->text + len) - line) ||
		    !parse_line(line, &out->entries[out->n])) {
			mountinfo_free(out);
			return error_set(err, EINVAL, "%s: line %zu is not a whole mount entry",
					 name, no);
		}
		out->n++;
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

int mountinfo_read(struct mountinfo *out, struct error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	memset(out, 0, sizeof *out);
	if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", &text, &len, err) < 0)
		return -1;
	return mountinfo_parse(text, len, "/proc/self/mountinfo", out, err);
}

void mountinfo_free(struct mountinfo *mi)
{
	free(mi->entries);
	free(mi->text);
	memset(mi, 0, sizeof *mi);
}

static const struct mountinfo_entry *by_id(const struct mountinfo *mi, int id)
{
	for (size_t i = 0; i < mi->n; i++)
		if (mi->entries[i].id == id)
			return &mi->entries[i];
	return NULL;
}

/* A mount over e, other than by: one mounted at e's mount point on e itself, so its parent is
 * e. (Line order is not enough: a mount propagated to a place that is already covered is
 * tucked underneath.) */
static bool covered(const struct mountinfo *mi, const struct mountinfo_entry *e,
		    const struct mountinfo_entry *by)
{
	for (size_t i = 0; i < mi->n; i++) {
		const struct mountinfo_entry *o = &mi->entries[i];
		if (o != e && o != by && o->parent == e->id &&
		    strcmp(o->mount_point, e->mount_point) == 0)
			return true;
	}
	return false;
}

bool mountinfo_visible(const struct mountinfo *mi, const struct mountinfo_entry *e)
{
	/* Up the parents: each must be reachable where the one below sits, so covered by nothing
	 * but that one. The root of the namespace (or of a chroot) has no parent in the list; the
	 * bound guards against a cycle in a table that a racing reader saw half changed. */
	const struct mountinfo_entry *below = NULL;
	for (size_t depth = 0; e && depth <= mi->n; depth++) {
		if (covered(mi, e, below))
			return false;
		if (e->parent == e->id)
			break;
		below = e;
		e = by_id(mi, e->parent);
	}
	return true;
}

bool mountinfo_has_tag(const struct mountinfo_entry *e, const char *tag)
{
	size_t n = strlen(tag);
	for (const char *p = e->optional; p && *p; p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL)
		if (strncmp(p, tag, n) == 0 && (p[n] == ':' || p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}
