/* The registry client: one curl easy handle per request (each thread makes its own), the
 * connection facts (scheme, CA files, Authorization) decided once by registry_open. */
#include "images/registry.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "images/auth.h"
#include "images/dl_curl.h"
#include "images/image.h"
#include "images/reference.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/jsonutil.h"

#define MANIFEST_MAX (4 << 20) /* what distribution's registry accepts on push */
#define TOKEN_MAX    (1 << 20)
#define ERRBODY_MAX  (64 << 10)

struct registry {
	char *name; /* as in the reference, for messages and certs.d */
	char *host; /* what to connect to */
	char *base; /* "https://HOST" or "http://HOST" */
	bool no_verify;
	char *ca, *cert, *key; /* from certs.d, when present */
	char *basic;	       /* base64(USER:PASSWORD), or NULL */
	char *auth_header;     /* "Authorization: ...", or NULL */
	bool auth_required;
	bool bearer;
	char *realm, *service;
	curl_off_t max_speed; /* BERTH_PULL_MAX_SPEED: tests slow a transfer to stop it midway */
};

struct resp {
	CURL *h;
	long code;
	char *www_auth, *content_type, *docker_digest;
	char *body;
	size_t len, max;
	registry_sink sink;
	void *arg;
	int64_t offset;
	int64_t delivered;
	bool range_refused, sink_failed, too_big;
	CURLcode cc;
	char errbuf[CURL_ERROR_SIZE];
};

static void resp_free(struct resp *rs)
{
	free(rs->www_auth);
	free(rs->content_type);
	free(rs->docker_digest);
	free(rs->body);
	if (rs->h)
		sym_curl_easy_cleanup(rs->h);
	*rs = (struct resp){0};
}

static char *trimmed(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return strndup(s, n);
}

static size_t header_cb(char *b, size_t size, size_t n, void *ud)
{
	struct resp *rs = ud;
	size_t len = size * n;
	/* Each response of a redirect chain or a 100-continue starts over. */
	if (len >= 5 && strncmp(b, "HTTP/", 5) == 0) {
		free(rs->www_auth);
		free(rs->content_type);
		free(rs->docker_digest);
		rs->www_auth = rs->content_type = rs->docker_digest = NULL;
		return len;
	}
	const char *colon = memchr(b, ':', len);
	if (colon == NULL)
		return len;
	size_t klen = (size_t)(colon - b);
	char **slot = NULL;
	if (klen == 16 && strncasecmp(b, "WWW-Authenticate", klen) == 0 && rs->www_auth == NULL)
		slot = &rs->www_auth;
	else if (klen == 12 && strncasecmp(b, "Content-Type", klen) == 0)
		slot = &rs->content_type;
	else if (klen == 21 && strncasecmp(b, "Docker-Content-Digest", klen) == 0)
		slot = &rs->docker_digest;
	if (slot) {
		free(*slot);
		*slot = trimmed(colon + 1, len - klen - 1);
	}
	return len;
}

static size_t body_cb(char *b, size_t size, size_t n, void *ud)
{
	struct resp *rs = ud;
	size_t len = size * n;
	long code = 0;
	sym_curl_easy_getinfo(rs->h, CURLINFO_RESPONSE_CODE, &code);
	if (rs->sink && (code == 206 || code == 200)) {
		if (code == 200 && rs->offset > 0) {
			rs->range_refused = true;
			return 0;
		}
		if (rs->sink(rs->arg, b, len) < 0) {
			rs->sink_failed = true;
			return 0;
		}
		rs->delivered += (int64_t)len;
		return len;
	}
	/* A small body kept whole: a manifest, a token, or an error's JSON. */
	if (rs->len + len > rs->max) {
		rs->too_big = true;
		return 0;
	}
	char *nb = realloc(rs->body, rs->len + len + 1);
	if (nb == NULL)
		return 0;
	memcpy(nb + rs->len, b, len);
	rs->body = nb;
	rs->len += len;
	rs->body[rs->len] = '\0';
	return len;
}

/* The first "message" of a registry's {"errors": [...]} body, or the HTTP status alone. */
static void http_reason(const struct resp *rs, char *out, size_t size)
{
	json_error_t je;
	_cleanup_json_ json_t *j = rs->body ? json_loadb(rs->body, rs->len, 0, &je) : NULL;
	json_t *e0 = json_array_get(json_object_get(j, "errors"), 0);
	const char *msg = json_string_value(json_object_get(e0, "message"));
	if (msg)
		snprintf(out, size, "HTTP %ld: %s", rs->code, msg);
	else
		snprintf(out, size, "HTTP %ld", rs->code);
}

/* Runs one GET. Returns 0 when an HTTP response came (rs->code says which), -1 with err for a
 * transport failure (or a refused range, a sink's refusal: the flags in rs say). */
static int get(struct registry *r, const char *url, const char *const *headers, struct resp *rs,
	       struct error *err)
{
	struct curl_slist *hl = NULL;
	for (const char *const *h = headers; h && *h; h++) {
		struct curl_slist *n = sym_curl_slist_append(hl, *h);
		if (n == NULL) {
			sym_curl_slist_free_all(hl);
			return error_set(err, ENOMEM, "registry %s: out of memory", r->name);
		}
		hl = n;
	}
	if (rs->max == 0)
		rs->max = ERRBODY_MAX;
	rs->h = sym_curl_easy_init();
	if (rs->h == NULL) {
		sym_curl_slist_free_all(hl);
		return error_set(err, ENOMEM, "registry %s: curl_easy_init failed", r->name);
	}
	CURL *h = rs->h;
	sym_curl_easy_setopt(h, CURLOPT_URL, url);
	sym_curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	sym_curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	sym_curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	sym_curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	sym_curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	sym_curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	/* A transfer that stalls for a minute is over (a dead peer without a reset). */
	sym_curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	sym_curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	sym_curl_easy_setopt(h, CURLOPT_USERAGENT, "berth/" PACKAGE_VERSION);
	sym_curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	sym_curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
	sym_curl_easy_setopt(h, CURLOPT_HEADERDATA, rs);
	sym_curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_cb);
	sym_curl_easy_setopt(h, CURLOPT_WRITEDATA, rs);
	sym_curl_easy_setopt(h, CURLOPT_ERRORBUFFER, rs->errbuf);
	if (r->ca) {
		/* CAINFO replaces the default bundle, so the system directory is named too: the
		 * registry's CA adds to the system's, as in Docker. */
		sym_curl_easy_setopt(h, CURLOPT_CAINFO, r->ca);
		sym_curl_easy_setopt(h, CURLOPT_CAPATH, "/etc/ssl/certs");
	}
	if (r->cert && r->key) {
		sym_curl_easy_setopt(h, CURLOPT_SSLCERT, r->cert);
		sym_curl_easy_setopt(h, CURLOPT_SSLKEY, r->key);
	}
	if (r->no_verify) {
		sym_curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		sym_curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (r->max_speed > 0)
		sym_curl_easy_setopt(h, CURLOPT_MAX_RECV_SPEED_LARGE, r->max_speed);
	CURLcode cc = sym_curl_easy_perform(h);
	rs->cc = cc;
	sym_curl_slist_free_all(hl);
	sym_curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rs->code);
	if (cc == CURLE_OK)
		return 0;
	if (rs->range_refused)
		return error_set(err, ESPIPE, "registry %s: the range request was not honoured",
				 r->name);
	if (rs->sink_failed)
		return error_set(err, ECANCELED, "registry %s: transfer stopped", r->name);
	if (rs->too_big)
		return error_set(err, EFBIG, "registry %s: %s: response larger than %zu bytes",
				 r->name, url, rs->max);
	const char *why = rs->errbuf[0] ? rs->errbuf : sym_curl_easy_strerror(cc);
	if (rs->code >= 200 && rs->code < 300)
		return error_set(err, EIO, "registry %s: transfer interrupted after %lld bytes: %s",
				 r->name, (long long)rs->delivered, why);
	return error_set(err, EHOSTUNREACH, "registry %s unreachable: %s", r->name, why);
}

/* key="value" (or key=value) from a challenge's parameter list. */
static char *challenge_param(const char *params, const char *key)
{
	size_t klen = strlen(key);
	const char *p = params;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *eq = strchr(p, '=');
		if (eq == NULL)
			return NULL;
		bool match = (size_t)(eq - p) == klen && strncasecmp(p, key, klen) == 0;
		const char *v = eq + 1, *end;
		if (*v == '"') {
			v++;
			end = strchr(v, '"');
			if (end == NULL)
				return NULL;
		} else {
			end = v + strcspn(v, ", ");
		}
		if (match)
			return strndup(v, (size_t)(end - v));
		p = *end == '"' ? end + 1 : end;
	}
	return NULL;
}

static bool is_loopback(const char *host)
{
	if (strncmp(host, "localhost", 9) == 0 && (host[9] == '\0' || host[9] == ':'))
		return true;
	if (strncmp(host, "127.", 4) == 0)
		return true;
	return strncmp(host, "[::1]", 5) == 0;
}

static char *file_in_certs(const char *name, const char *file)
{
	const char *dir = getenv("BERTH_CERTS_DIR");
	char *p = NULL;
	if (asprintf(&p, "%s/%s/%s", dir && *dir ? dir : REGISTRY_CERTS_DIR, name, file) < 0)
		return NULL;
	if (access(p, R_OK) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

static int set_header(char **slot, const char *scheme, const char *cred)
{
	free(*slot);
	if (asprintf(slot, "Authorization: %s %s", scheme, cred) < 0) {
		*slot = NULL;
		return -1;
	}
	return 0;
}

/* A bearer token from the realm, for scope (NULL: none, as login asks). */
static int fetch_token(struct registry *r, const char *scope, struct error *err)
{
	_cleanup_free_ char *url = NULL;
	CURL *esc = sym_curl_easy_init();
	if (esc == NULL)
		return error_set(err, ENOMEM, "registry %s: curl_easy_init failed", r->name);
	char *svc = r->service ? sym_curl_easy_escape(esc, r->service, 0) : NULL;
	char *sc = scope ? sym_curl_easy_escape(esc, scope, 0) : NULL;
	int n = asprintf(&url, "%s%sservice=%s%s%s", r->realm, strchr(r->realm, '?') ? "&" : "?",
			 svc ? svc : "", sc ? "&scope=" : "", sc ? sc : "");
	sym_curl_free(svc);
	sym_curl_free(sc);
	sym_curl_easy_cleanup(esc);
	if (n < 0) {
		url = NULL;
		return error_errno(err, "registry %s", r->name);
	}
	_cleanup_free_ char *basic = NULL;
	if (r->basic && asprintf(&basic, "Authorization: Basic %s", r->basic) < 0) {
		basic = NULL;
		return error_errno(err, "registry %s", r->name);
	}
	const char *headers[] = {basic, NULL};
	struct resp rs = {.max = TOKEN_MAX};
	if (get(r, url, headers, &rs, err) < 0) {
		resp_free(&rs);
		return error_prefix(err, "token from %s", r->realm);
	}
	if (rs.code == 401 || rs.code == 403) {
		char why[512];
		http_reason(&rs, why, sizeof why);
		resp_free(&rs);
		return error_set(err, EACCES, "registry %s: authentication refused (%s)", r->name,
				 why);
	}
	if (rs.code != 200) {
		char why[512];
		http_reason(&rs, why, sizeof why);
		resp_free(&rs);
		return error_set(err, EIO, "registry %s: token from %s: %s", r->name, r->realm,
				 why);
	}
	json_error_t je;
	_cleanup_json_ json_t *j = json_loadb(rs.body ? rs.body : "", rs.len, 0, &je);
	resp_free(&rs);
	const char *tok = json_string_value(json_object_get(j, "token"));
	if (tok == NULL)
		tok = json_string_value(json_object_get(j, "access_token"));
	if (tok == NULL || *tok == '\0')
		return error_set(err, EPROTO, "registry %s: token from %s: no token in the answer",
				 r->name, r->realm);
	if (set_header(&r->auth_header, "Bearer", tok) < 0)
		return error_errno(err, "registry %s", r->name);
	return 0;
}

static int ping(struct registry *r, struct resp *rs, struct error *err)
{
	_cleanup_free_ char *url = NULL;
	if (asprintf(&url, "%s/v2/", r->base) < 0) {
		url = NULL;
		return error_errno(err, "registry %s", r->name);
	}
	return get(r, url, NULL, rs, err);
}

static int ping_scheme(struct registry *r, const char *scheme, struct resp *rs, struct error *err)
{
	resp_free(rs);
	free(r->base);
	if (asprintf(&r->base, "%s://%s", scheme, r->host) < 0) {
		r->base = NULL;
		return error_errno(err, "registry %s", r->name);
	}
	return ping(r, rs, err);
}

/* A plain-HTTP answer that is a registry's: a TLS-only server answers plain HTTP with a 400. */
static bool http_registry(int rc, const struct resp *rs)
{
	return rc == 0 && (rs->code == 200 || rs->code == 401);
}

/* HTTPS, then HTTP where the rules allow it (registry.h). On loopback, plain HTTP first: a
 * registry on this host is most often a plain one, and the TLS handshake that it refuses first
 * cost 40 ms of a 170 ms pull whose layers were all present. No credentials go with a ping. */
static int connect_scheme(struct registry *r, bool may_http, bool http_first, struct resp *rs,
			  struct error *err)
{
	if (http_first) {
		int rc = ping_scheme(r, "http", rs, err);
		if (http_registry(rc, rs))
			return 0;
		/* Nothing listens there: HTTPS would not change that. */
		if (rc < 0 && rs->cc == CURLE_COULDNT_CONNECT)
			return -1;
		return ping_scheme(r, "https", rs, err);
	}
	if (ping_scheme(r, "https", rs, err) == 0)
		return 0;
	/* Nothing listens there, or no such host: plain HTTP would not change that. */
	if (!may_http || rs->cc == CURLE_COULDNT_CONNECT || rs->cc == CURLE_COULDNT_RESOLVE_HOST)
		return -1;
	struct error https_err = *err;
	int rc = ping_scheme(r, "http", rs, err);
	if (http_registry(rc, rs))
		return 0;
	*err = https_err;
	return -1;
}

int registry_open(const char *registry, const char *path, const struct registry_opts *o,
		  struct registry **out, struct error *err)
{
	*out = NULL;
	if (dl_curl(err) < 0)
		return -1;
	struct registry *r = calloc(1, sizeof *r);
	if (r == NULL)
		return error_errno(err, "registry %s", registry);
	r->name = strdup(registry);
	r->host = strdup(reference_registry_host(registry));
	r->no_verify = o->no_tls_verify;
	r->ca = file_in_certs(registry, "ca.crt");
	r->cert = file_in_certs(registry, "client.cert");
	r->key = file_in_certs(registry, "client.key");
	const char *speed = getenv("BERTH_PULL_MAX_SPEED");
	if (speed)
		r->max_speed = (curl_off_t)strtoll(speed, NULL, 10);
	if (r->name == NULL || r->host == NULL) {
		registry_close(r);
		return error_errno(err, "registry %s", registry);
	}
	if (o->basic)
		r->basic = strdup(o->basic);
	else if (auth_lookup(registry, &r->basic, err) < 0) {
		registry_close(r);
		return -1;
	}
	struct resp rs = {0};
	bool loopback = is_loopback(r->host);
	if (connect_scheme(r, o->no_tls_verify || loopback, loopback, &rs, err) < 0)
		goto fail;
	if (rs.code == 401) {
		r->auth_required = true;
		const char *c = rs.www_auth ? rs.www_auth : "";
		if (strncasecmp(c, "Bearer ", 7) == 0) {
			r->bearer = true;
			r->realm = challenge_param(c + 7, "realm");
			r->service = challenge_param(c + 7, "service");
			if (r->realm == NULL) {
				error_set(err, EPROTO,
					  "registry %s: a Bearer challenge without realm", r->name);
				goto fail;
			}
			_cleanup_free_ char *scope = NULL;
			if (path && asprintf(&scope, "repository:%s:pull", path) < 0) {
				scope = NULL;
				error_errno(err, "registry %s", r->name);
				goto fail;
			}
			if (fetch_token(r, scope, err) < 0)
				goto fail;
		} else if (strncasecmp(c, "Basic", 5) == 0) {
			if (r->basic && set_header(&r->auth_header, "Basic", r->basic) < 0) {
				error_errno(err, "registry %s", r->name);
				goto fail;
			}
			/* Login: the credentials are checked by a second ping. */
			if (path == NULL && r->basic) {
				const char *hdr[] = {r->auth_header, NULL};
				_cleanup_free_ char *url = NULL;
				resp_free(&rs);
				if (asprintf(&url, "%s/v2/", r->base) < 0) {
					url = NULL;
					error_errno(err, "registry %s", r->name);
					goto fail;
				}
				if (get(r, url, hdr, &rs, err) < 0)
					goto fail;
				if (rs.code == 401 || rs.code == 403) {
					char why[512];
					http_reason(&rs, why, sizeof why);
					error_set(err, EACCES,
						  "registry %s: authentication refused (%s)",
						  r->name, why);
					goto fail;
				}
			}
		} else {
			error_set(err, EPROTO, "registry %s: unsupported authentication \"%s\"",
				  r->name, c);
			goto fail;
		}
	} else if (rs.code != 200) {
		char why[512];
		http_reason(&rs, why, sizeof why);
		error_set(err, EPROTO, "registry %s: %s/v2/: %s (not a registry API v2?)", r->name,
			  r->base, why);
		goto fail;
	}
	resp_free(&rs);
	*out = r;
	return 0;
fail:
	resp_free(&rs);
	registry_close(r);
	return -1;
}

void registry_close(struct registry *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->host);
	free(r->base);
	free(r->ca);
	free(r->cert);
	free(r->key);
	if (r->basic)
		explicit_bzero(r->basic, strlen(r->basic));
	free(r->basic);
	free(r->auth_header);
	free(r->realm);
	free(r->service);
	free(r);
}

bool registry_auth_required(const struct registry *r)
{
	return r->auth_required;
}

static int status_error(struct registry *r, struct resp *rs, const char *what, struct error *err)
{
	char why[512];
	http_reason(rs, why, sizeof why);
	if (rs->code == 404)
		return error_set(err, ENOENT, "registry %s: %s: %s", r->name, what, why);
	if (rs->code == 401 || rs->code == 403)
		return error_set(err, EACCES, "registry %s: %s: %s%s", r->name, what, why,
				 r->auth_header ? " (access refused)"
						: " (authentication required: berth login)");
	return error_set(err, EIO, "registry %s: %s: %s", r->name, what, why);
}

int registry_manifest(struct registry *r, const char *path, const char *ref,
		      struct registry_manifest *m, struct error *err)
{
	*m = (struct registry_manifest){0};
	_cleanup_free_ char *url = NULL;
	if (asprintf(&url, "%s/v2/%s/manifests/%s", r->base, path, ref) < 0) {
		url = NULL;
		return error_errno(err, "registry %s", r->name);
	}
	const char *headers[] = {"Accept: " MT_OCI_INDEX ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST
				 ", " MT_DOCKER_MANIFEST,
				 r->auth_header, NULL};
	struct resp rs = {.max = MANIFEST_MAX};
	if (get(r, url, headers, &rs, err) < 0) {
		resp_free(&rs);
		return -1;
	}
	if (rs.code != 200) {
		char what[512];
		snprintf(what, sizeof what, "manifest %s:%s", path, ref);
		status_error(r, &rs, what, err);
		resp_free(&rs);
		return -1;
	}
	if (rs.content_type) {
		rs.content_type[strcspn(rs.content_type, "; ")] = '\0';
		m->media_type = steal_pointer(&rs.content_type);
	}
	if (rs.docker_digest && digest_valid(rs.docker_digest))
		snprintf(m->header_digest, sizeof m->header_digest, "%s", rs.docker_digest);
	m->buf = rs.body ? steal_pointer(&rs.body) : strdup("");
	m->len = rs.len;
	resp_free(&rs);
	if (m->buf == NULL) {
		registry_manifest_free(m);
		return error_errno(err, "registry %s", r->name);
	}
	return 0;
}

void registry_manifest_free(struct registry_manifest *m)
{
	free(m->buf);
	free(m->media_type);
	*m = (struct registry_manifest){0};
}

int registry_blob(struct registry *r, const char *path, const char *digest, int64_t offset,
		  registry_sink sink, void *arg, struct error *err)
{
	_cleanup_free_ char *url = NULL;
	if (asprintf(&url, "%s/v2/%s/blobs/%s", r->base, path, digest) < 0) {
		url = NULL;
		return error_errno(err, "registry %s", r->name);
	}
	char range[64] = "";
	if (offset > 0)
		snprintf(range, sizeof range, "Range: bytes=%lld-", (long long)offset);
	const char *headers[3] = {0};
	size_t nh = 0;
	if (r->auth_header)
		headers[nh++] = r->auth_header;
	if (range[0])
		headers[nh++] = range;
	struct resp rs = {.sink = sink, .arg = arg, .offset = offset};
	int rc = get(r, url, headers, &rs, err);
	/* The partial file already has every byte, or more than the blob (a registry whose
	 * blob changed): start over. */
	if (rs.code == 416) {
		rc = error_set(err, ESPIPE, "registry %s: blob %s: range refused", r->name, digest);
	} else if (rc == 0 && rs.code != 200 && rs.code != 206) {
		char what[512];
		snprintf(what, sizeof what, "blob %s", digest);
		rc = status_error(r, &rs, what, err);
	}
	resp_free(&rs);
	return rc;
}
