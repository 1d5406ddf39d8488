/* A registry's HTTP API v2 (the OCI distribution spec) through libcurl: the /v2/ ping, the
 * token dance, manifests and blobs.
 *
 * Transport: HTTPS, verified with the system CAs plus CERTS/HOST[:PORT]/ca.crt (Docker's
 * certs.d layout; CERTS is $BERTH_CERTS_DIR, else /etc/berth/certs.d), and client.cert +
 * client.key from the same directory when present. Plain HTTP is tried only when HTTPS fails to
 * connect, and only for a registry on the loopback (localhost, 127.0.0.0/8, ::1) or when the
 * caller turned verification off (--tls-verify=false, as podman and skopeo): there is no
 * other list of insecure registries.
 *
 * Auth: the ping's WWW-Authenticate picks it. "Bearer realm=,service=" gets a token for
 * "repository:PATH:pull" from the realm (anonymously, or with the user's credentials as Basic);
 * "Basic" sends the credentials on every request. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "images/digest.h"

struct error;

#define REGISTRY_CERTS_DIR "/etc/berth/certs.d"

struct registry_opts {
	bool no_tls_verify; /* --tls-verify=false */
	/* base64("USER:PASSWORD"), or NULL for config.json's (auth.h) or none. */
	const char *basic;
};

struct registry;

/* Connects to registry (a reference's registry part: "docker.io", "host:port") and signs in
 * for pulls from path (NULL: only check the credentials, as login does). Errors: unreachable
 * (the host and curl's reason), TLS, auth refused (EACCES). */
int registry_open(const char *registry, const char *path, const struct registry_opts *o,
		  struct registry **r, struct error *err);
void registry_close(struct registry *r);
/* True when the registry asked for credentials (login uses it to say whether any were
 * checked). */
bool registry_auth_required(const struct registry *r);

struct registry_manifest {
	char *buf;
	size_t len;
	char *media_type;		 /* Content-Type, without parameters; NULL when none */
	char header_digest[DIGEST_SIZE]; /* Docker-Content-Digest, "" when absent or not sha256 */
};
/* GET /v2/PATH/manifests/REF (a tag or a digest) with the OCI and Docker schema2 types in
 * Accept. ENOENT when the registry has no such manifest (or repository). */
int registry_manifest(struct registry *r, const char *path, const char *ref,
		      struct registry_manifest *m, struct error *err);
void registry_manifest_free(struct registry_manifest *m);

/* Receives a blob's bytes in order; returns 0, or -1 (with its own error kept by the caller) to
 * stop the transfer. */
typedef int (*registry_sink)(void *arg, const void *buf, size_t len);
/* GET /v2/PATH/blobs/DIGEST from byte offset (a Range request when offset > 0). When the
 * registry ignores the range and sends the whole blob, nothing reaches sink and the call fails
 * with ESPIPE: the caller starts over from 0. A sink's refusal fails with ECANCELED. An
 * interrupted transfer fails with EIO, after sink got every byte that arrived. */
int registry_blob(struct registry *r, const char *path, const char *digest, int64_t offset,
		  registry_sink sink, void *arg, struct error *err);
