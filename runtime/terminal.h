/* process.terminal: init makes a pty inside the container (its own devpts), keeps the slave as
 * its controlling terminal and sends the master to the parent, which passes it to
 * --console-socket (as runc does) or, for a foreground `run`, copies it to and from its stdio. */
#pragma once
#include <poll.h>
#include <stdbool.h>
#include <termios.h>

#include "runtime/spec.h"

struct error;

/* In init, after pivot_root: opens /dev/pts/ptmx, sizes it, sends the master (MSG_PTY), binds
 * the slave onto /dev/console, makes it the controlling terminal and fds 0-2. The caller is
 * already a session leader (init_main and exec_main call setsid). */
int terminal_setup_child(const struct spec_process *p, int sync_fd, struct error *err);
/* After terminal_setup_child, once process.user is known to be mapped: the pty (fds 0-2) becomes
 * the process user's, so a non-root process owns its terminal. */
int terminal_give_to_user(const struct spec_process *p, struct error *err);
/* Sends fd over the unix socket at path (SCM_RIGHTS). */
int terminal_send_to_socket(const char *path, int fd, struct error *err);

struct terminal_pump {
	int master;
	bool stdin_open, raw;
	struct termios saved;
	char to_master[4096], to_out[4096];
	size_t n_to_master, n_to_out;
};
void terminal_pump_start(struct terminal_pump *t, int master);
/* Fills p with what to poll; returns the count (0 when t is NULL). */
int terminal_pump_pollfds(struct terminal_pump *t, struct pollfd *p);
void terminal_pump_io(struct terminal_pump *t, struct pollfd *p);
/* Copies what the process wrote before it exited. */
void terminal_pump_drain(struct terminal_pump *t);
void terminal_pump_stop(struct terminal_pump *t);
void terminal_resize_from(int master, int fd);
