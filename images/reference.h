/* Image references as Docker reads them (github.com/distribution/reference):
 *
 *   [REGISTRY/]PATH[:TAG][@sha256:HEX]
 *
 * REGISTRY is the first '/'-separated component when it has a '.' or a ':' or is "localhost"
 * ("localhost:5000/x", "quay.io/a/b"); otherwise the registry is docker.io, and a one-component
 * path there is under library/ ("busybox" -> "docker.io/library/busybox:latest"). PATH is
 * lower case. Without a tag or a digest the tag is "latest". */
#pragma once
#include "images/digest.h"

struct error;

#define REFERENCE_DOCKER_HUB "docker.io"

struct reference {
	char *registry;		  /* "docker.io", "localhost:5000", "[::1]:5000" */
	char *path;		  /* "library/busybox" */
	char *tag;		  /* "latest", or NULL when only a digest was given */
	char digest[DIGEST_SIZE]; /* "" when none was given */
	/* The canonical form, the store's index name: "REGISTRY/PATH:TAG" when there is a tag,
	 * else "REGISTRY/PATH@sha256:HEX". */
	char *name;
	char *repo; /* "REGISTRY/PATH", for messages */
};

/* Parses s; every refusal names s and the rule it breaks. */
int reference_parse(const char *s, struct reference *ref, struct error *err);
void reference_free(struct reference *ref);

/* The host (and port) to connect to for a registry name: "registry-1.docker.io" for docker.io,
 * the name itself otherwise. */
const char *reference_registry_host(const char *registry);
