/* NOTIFY_SOCKET, proxied as runc does: when berth runs with NOTIFY_SOCKET set (podman
 * --sdnotify=container, systemd units), the container gets its own socket at
 * /run/notify/notify.sock (STATE/notify bind-mounted read-only), and `start` (or `run`) waits for
 * the process's READY=1 there and forwards it to the caller's socket. */
#pragma once
#include <stdbool.h>

#include "runtime/spec.h"

struct error;

#define NOTIFY_DIR_IN_CONTAINER	   "/run/notify"
#define NOTIFY_SOCKET_IN_CONTAINER "/run/notify/notify.sock"

/* create: makes STATE/notify and adds its bind mount to the spec (s->mounts grows). */
int notify_prepare(int dirfd, const char *state_dir, struct spec *s, struct error *err);
/* start/run: binds STATE/notify/notify.sock; returns the socket fd, or -1 (no proxy wanted when
 * the container was created without it: returns -1 with err->err == 0). */
int notify_listen(int dirfd, struct error *err);
/* Waits for READY=1 (or init's death, pidfd) and forwards the datagram to host_path. */
int notify_forward_ready(int sock, int pidfd, const char *host_path, struct error *err);
