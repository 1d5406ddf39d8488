/* Registry credentials in Docker's config.json, so an existing ~/.docker/config.json works and
 * `docker login`, `podman login --authfile` and berth share one file:
 *
 *   {"auths": {"HOST[:PORT]": {"auth": base64("USER:PASSWORD")}}}
 *
 * The file is $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json. Docker Hub's key is
 * "https://index.docker.io/v1/" as Docker writes it. Credential helpers (credsStore,
 * credHelpers) are not run: berth reads and writes only "auths". */
#pragma once
#include <stddef.h>

struct error;

/* base64("USER:PASSWORD") for registry (as an HTTP Basic credential), or *basic NULL when the
 * file or the entry is missing. A file that is not JSON is an error naming it. */
int auth_lookup(const char *registry, char **basic, struct error *err);
/* Adds or replaces registry's entry, keeping everything else in the file; mode 0600. */
int auth_save(const char *registry, const char *user, const char *password, struct error *err);
/* Removes registry's entry; ENOENT "not logged in to REGISTRY" when there is none. */
int auth_remove(const char *registry, struct error *err);
/* The file auth_* read and write (malloc'd), for messages. */
char *auth_config_path(void);

/* Standard base64 with padding, malloc'd. */
char *base64_encode(const void *buf, size_t len);
