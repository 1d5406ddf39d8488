/* berth login and logout: credentials checked against the registry (registry.h), then kept in
 * Docker's config.json (auth.h). */
#include "box/login.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "images/auth.h"
#include "images/reference.h"
#include "images/registry.h"
#include "lib/cleanup.h"
#include "lib/error.h"

/* "https://host:5000/v1/" as Docker accepts it -> "host:5000"; Docker Hub's names -> docker.io. */
static char *registry_name(const char *arg)
{
	const char *p = arg;
	if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncmp(p, "http://", 7) == 0)
		p += 7;
	char *name = strndup(p, strcspn(p, "/"));
	if (name &&
	    (strcmp(name, "index.docker.io") == 0 || strcmp(name, "registry-1.docker.io") == 0)) {
		free(name);
		name = strdup(REFERENCE_DOCKER_HUB);
	}
	return name;
}

static int read_password(bool from_stdin, char **out, struct error *err)
{
	*out = NULL;
	if (!from_stdin) {
		if (!isatty(STDIN_FILENO))
			return error_set(err, EINVAL,
					 "login: no terminal to ask the password on: use "
					 "--password-stdin");
		char *pw = getpass("Password: ");
		if (pw == NULL)
			return error_errno(err, "login: reading the password");
		*out = strdup(pw);
		explicit_bzero(pw, strlen(pw));
		return *out ? 0 : error_errno(err, "login");
	}
	size_t cap = 0, len = 0;
	char *buf = NULL;
	for (;;) {
		if (len + 1024 > cap) {
			char *nb = realloc(buf, cap = cap + 4096);
			if (nb == NULL) {
				free(buf);
				return error_errno(err, "login");
			}
			buf = nb;
		}
		ssize_t n = read(STDIN_FILENO, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return error_errno(err, "login: reading the password from stdin");
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (buf == NULL && (buf = strdup("")) == NULL)
		return error_errno(err, "login");
	buf[len] = '\0';
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (len && buf[len - 1] == '\r')
		buf[--len] = '\0';
	*out = buf;
	return 0;
}

int box_login(const char *registry, const char *user, bool password_stdin, bool no_tls_verify,
	      struct error *err)
{
	_cleanup_free_ char *name = registry_name(registry);
	if (name == NULL)
		return error_errno(err, "login");
	if (name[0] == '\0')
		return error_set(err, EINVAL, "login: no registry named in \"%s\"", registry);
	if (user == NULL || user[0] == '\0')
		return error_set(err, EINVAL, "login: a user name is needed (-u USER)");
	if (strchr(user, ':'))
		return error_set(err, EINVAL, "login: a user name cannot contain ':'");
	_cleanup_free_ char *pw = NULL;
	if (read_password(password_stdin, &pw, err) < 0)
		return -1;
	if (pw[0] == '\0')
		return error_set(err, EINVAL, "login: the password is empty");
	_cleanup_free_ char *up = NULL;
	if (asprintf(&up, "%s:%s", user, pw) < 0) {
		up = NULL;
		return error_errno(err, "login");
	}
	_cleanup_free_ char *b64 = base64_encode(up, strlen(up));
	explicit_bzero(up, strlen(up));
	if (b64 == NULL)
		return error_errno(err, "login");
	struct registry_opts ro = {.no_tls_verify = no_tls_verify, .basic = b64};
	struct registry *r;
	if (registry_open(name, NULL, &ro, &r, err) < 0)
		return error_prefix(err, "login");
	registry_close(r);
	int rc = auth_save(name, user, pw, err);
	explicit_bzero(pw, strlen(pw));
	return rc < 0 ? error_prefix(err, "login") : 0;
}

int box_logout(const char *registry, struct error *err)
{
	_cleanup_free_ char *name = registry_name(registry);
	if (name == NULL)
		return error_errno(err, "logout");
	return auth_remove(name, err) < 0 ? error_prefix(err, "logout") : 0;
}
