/* Docker's reference grammar (distribution/reference's regexp.go), written out as small
 * matchers so that each refusal can say which part is wrong. */
#include "images/reference.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"

#define NAME_MAX_TOTAL 255 /* distribution's NameTotalLengthMax, REGISTRY/PATH */
#define TAG_MAX	       128

static bool lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)* over s[0..n). */
static bool path_component_ok(const char *s, size_t n)
{
	size_t i = 0;
	if (n == 0 || !lower_alnum(s[0]))
		return false;
	while (i < n) {
		while (i < n && lower_alnum(s[i]))
			i++;
		if (i == n)
			return true;
		size_t sep = i;
		if (s[i] == '.')
			i++;
		else if (s[i] == '_')
			i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
		else if (s[i] == '-')
			while (i < n && s[i] == '-')
				i++;
		else
			return false;
		if (i == sep || i == n || !lower_alnum(s[i]))
			return false;
	}
	return true;
}

/* [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool domain_component_ok(const char *s, size_t n)
{
	if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

/* host[:port], host being dotted components or a bracketed IPv6 address. */
static bool domain_ok(const char *s)
{
	const char *end;
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (end == NULL || end == s + 1)
			return false;
		for (const char *p = s + 1; p < end; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return false;
		end++;
	} else {
		end = s + strcspn(s, ":");
		const char *p = s;
		for (;;) {
			const char *dot = memchr(p, '.', (size_t)(end - p));
			const char *stop = dot ? dot : end;
			if (!domain_component_ok(p, (size_t)(stop - p)))
				return false;
			if (dot == NULL)
				break;
			p = dot + 1;
		}
	}
	if (*end == '\0')
		return true;
	if (*end != ':' || end[1] == '\0')
		return false;
	for (const char *p = end + 1; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

/* [\w][\w.-]{0,127} */
static bool tag_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > TAG_MAX || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

static bool has_upper(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isupper((unsigned char)s[i]))
			return true;
	return false;
}

static bool is_image_id(const char *s)
{
	if (strlen(s) != DIGEST_HEX)
		return false;
	for (const char *p = s; *p; p++)
		if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
			return false;
	return true;
}

static char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *str_printf(const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

static int refuse(struct error *err, const char *s, const char *why)
{
	return error_set(err, EINVAL, "invalid reference \"%s\": %s", s, why);
}

int reference_parse(const char *s, struct reference *ref, struct error *err)
{
	*ref = (struct reference){0};
	if (s[0] == '\0')
		return refuse(err, s, "empty");
	if (is_image_id(s))
		return refuse(err, s,
			      "a 64-digit hex string is an image ID, not a name (use sha256:HEX "
			      "after '@')");
	const char *at = strchr(s, '@');
	size_t name_len = at ? (size_t)(at - s) : strlen(s);
	if (at) {
		struct error e;
		if (digest_check(at + 1, "digest", &e) < 0)
			return refuse(err, s, e.msg);
		snprintf(ref->digest, sizeof ref->digest, "%s", at + 1);
	}
	/* The tag is after the last ':' that follows the last '/': in "localhost:5000/x" the
	 * ':' is the port's. */
	const char *colon = NULL;
	for (const char *p = s; p < s + name_len; p++) {
		if (*p == '/')
			colon = NULL;
		else if (*p == ':')
			colon = p;
	}
	char *name = strndup(s, colon ? (size_t)(colon - s) : name_len);
	if (name == NULL)
		return error_errno(err, "reference");
	if (colon) {
		ref->tag = strndup(colon + 1, (size_t)(s + name_len - colon - 1));
		if (ref->tag == NULL) {
			free(name);
			return error_errno(err, "reference");
		}
		if (!tag_ok(ref->tag)) {
			free(name);
			reference_free(ref);
			return refuse(err, s,
				      "a tag is letters, digits, '_', '.' and '-', not starting "
				      "with '.' or '-', at most 128 of them");
		}
	}

	/* The registry: a first component that looks like a host name. */
	const char *first_slash = strchr(name, '/');
	const char *path = name;
	const char *registry = REFERENCE_DOCKER_HUB;
	char *reg_owned = NULL;
	if (first_slash) {
		size_t n = (size_t)(first_slash - name);
		if (memchr(name, '.', n) || memchr(name, ':', n) ||
		    (n == 9 && strncmp(name, "localhost", 9) == 0) || has_upper(name, n)) {
			reg_owned = strndup(name, n);
			registry = reg_owned;
			path = first_slash + 1;
		}
	}
	int rc = -1;
	char *full_path = NULL;
	if (registry == reg_owned && reg_owned == NULL) {
		error_errno(err, "reference");
		goto out;
	}
	if (strcmp(registry, "index.docker.io") == 0)
		registry = REFERENCE_DOCKER_HUB;
	if (!domain_ok(registry)) {
		refuse(err, s, "the registry is not a valid host[:port]");
		goto out;
	}
	if (strcmp(registry, REFERENCE_DOCKER_HUB) == 0 && strchr(path, '/') == NULL) {
		if ((full_path = str_printf("library/%s", path)) == NULL) {
			error_errno(err, "reference");
			goto out;
		}
	} else if ((full_path = strdup(path)) == NULL) {
		error_errno(err, "reference");
		goto out;
	}
	if (has_upper(full_path, strlen(full_path))) {
		refuse(err, s, "repository name must be lowercase");
		goto out;
	}
	for (const char *p = full_path;;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (!path_component_ok(p, n)) {
			refuse(err, s,
			       n == 0 ? "empty path component"
				      : "a path component is lowercase letters and digits, "
					"separated by '.', '_', '__' or '-'");
			goto out;
		}
		if (e == NULL)
			break;
		p = e + 1;
	}
	if (strlen(registry) + 1 + strlen(full_path) > NAME_MAX_TOTAL) {
		refuse(err, s, "the name is longer than 255 characters");
		goto out;
	}
	if (ref->tag == NULL && ref->digest[0] == '\0' && (ref->tag = strdup("latest")) == NULL) {
		error_errno(err, "reference");
		goto out;
	}
	ref->registry = strdup(registry);
	ref->path = full_path;
	full_path = NULL;
	if (ref->registry == NULL ||
	    (ref->repo = str_printf("%s/%s", ref->registry, ref->path)) == NULL ||
	    (ref->name = ref->tag ? str_printf("%s:%s", ref->repo, ref->tag)
				  : str_printf("%s@%s", ref->repo, ref->digest)) == NULL) {
		error_errno(err, "reference");
		goto out;
	}
	rc = 0;
out:
	free(name);
	free(reg_owned);
	free(full_path);
	if (rc < 0)
		reference_free(ref);
	return rc;
}

void reference_free(struct reference *ref)
{
	free(ref->registry);
	free(ref->path);
	free(ref->tag);
	free(ref->name);
	free(ref->repo);
	*ref = (struct reference){0};
}

const char *reference_registry_host(const char *registry)
{
	return strcmp(registry, REFERENCE_DOCKER_HUB) == 0 ? "registry-1.docker.io" : registry;
}
