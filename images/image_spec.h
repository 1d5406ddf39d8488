/* An image's config (the OCI image spec's "config" object, Docker's the same) turned into the
 * process and annotations of an OCI runtime spec, as Docker does at `docker run`:
 *
 *   Entrypoint + Cmd   process.args: the Entrypoint, then the caller's argv if given, else Cmd
 *   Env                process.env: the image's, PATH added when it has none, then the caller's
 *                      (a NAME=VALUE of the caller replaces the image's NAME)
 *   WorkingDir         process.cwd ("/" when empty)
 *   User               process.user: "uid[:gid]" as numbers, names through the image's
 *                      /etc/passwd and /etc/group (a uid alone takes its passwd entry's gid and
 *                      the groups that list the user's name, as Docker's)
 *   StopSignal         annotations["org.opencontainers.image.stopSignal"]
 *   ExposedPorts       annotations["org.opencontainers.image.exposedPorts"]: "80/tcp,53/udp"
 *   Volumes            annotations["org.berth.image.volumes"]: "/data,/var/log" (the runtime spec
 *                      has no anonymous volumes: their content stays in the container's upper)
 *   Labels             annotations, one per label, unless the spec has that key already
 *
 * (the OCI image spec's conversion rules, conversion.md, where it has them). images/ does not
 * know the runtime's default spec: the caller passes it in (box/ takes runtime's spec_default()).
 */
#pragma once
#include <jansson.h>

struct error;

struct image_spec_overrides {
	char *const *argv; /* replaces Cmd; NULL: the image's */
	char *const *env;  /* NAME=VALUE added last; NULL: none */
	const char *user;  /* replaces User; NULL: the image's */
	const char *cwd;   /* replaces WorkingDir; NULL: the image's */
	/* replaces Entrypoint ("": none) and, as Docker's --entrypoint, drops the image's Cmd;
	 * NULL: the image's */
	const char *entrypoint;
};

/* The image's /etc/passwd and /etc/group, NULL where the image has none (then only numeric users
 * resolve). */
struct image_ids {
	const char *passwd;
	const char *group;
};

/* Fills spec (a runtime spec such as `berth spec` writes, changed in place) from the image config
 * config (the image config's "config" member: may be NULL), ov (may be NULL) and ids (may be
 * NULL). Errors name the image config key ("image config: User: no user \"web\" in /etc/passwd"),
 * or say that neither the image nor the caller gives a command. */
int image_spec_apply(json_t *spec, json_t *config, const struct image_spec_overrides *ov,
		     const struct image_ids *ids, struct error *err);
