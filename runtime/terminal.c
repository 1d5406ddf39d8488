#include "runtime/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "namespaces/resolve.h"
#include "runtime/launch.h"

/* /dev/console is the container's terminal, as in runc, when the rootfs has one. It is taken as
 * it is, never followed: a symlink planted there would put the pty over whatever it names (a
 * /proc file, past masking; CVE-2025-52565). The pty is bound from its fd, not by a path. */
static int bind_console(int slave, struct error *err)
{
	_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return error_errno(err, "open /");
	struct error ignored;
	_cleanup_close_ int fd =
	    resolve_open(rootfd, "/dev/console", O_PATH | O_NOFOLLOW, &ignored);
	if (fd < 0)
		return 0;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_errno(err, "stat /dev/console");
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
		return error_set(
		    err, EPERM,
		    "/dev/console is not a file or a device (a symlink?): not mounting "
		    "the pty over it");
	char src[32], dst[32];
	/* Best effort, as before: a container without a usable /dev/console still has its pty. */
	(void)mount(fd_path(slave, src), fd_path(fd, dst), NULL, MS_BIND, NULL);
	return 0;
}

int terminal_setup_child(const struct spec_process *p, int sync_fd, struct error *err)
{
	_cleanup_close_ int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return error_errno(err, "open /dev/pts/ptmx (is devpts mounted at /dev/pts?)");
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return error_errno(err, "unlock pty");
	_cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return error_errno(err, "open pty slave");
	if (p->has_console_size) {
		struct winsize ws = {.ws_row = (unsigned short)p->console_height,
				     .ws_col = (unsigned short)p->console_width};
		ioctl(slave, TIOCSWINSZ, &ws);
	}
	if (bind_console(slave, err) < 0)
		return -1;
	if (launch_send_fd(sync_fd, MSG_PTY, master) < 0)
		return error_errno(err, "send the pty master");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return error_errno(err, "make the pty the controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return error_errno(err, "dup2 pty to fd %d", fd);
	return 0;
}

int terminal_give_to_user(const struct spec_process *p, struct error *err)
{
	struct stat st;
	if (fstat(STDIN_FILENO, &st) < 0)
		return error_errno(err, "stat the pty");
	/* The group stays devpts' own (gid=5, tty, in the usual mount options), as with runc. */
	if (st.st_uid != p->user.uid && fchown(STDIN_FILENO, p->user.uid, (gid_t)-1) < 0)
		return error_errno(err, "give the pty to uid %u", p->user.uid);
	return 0;
}

int terminal_send_to_socket(const char *path, int fd, struct error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path)
		return error_set(err, ENAMETOOLONG, "console socket %s", path);
	strcpy(sa.sun_path, path);
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return error_errno(err, "console socket");
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
		return error_errno(err, "connect to console socket %s", path);
	/* runc sends the name "/dev/ptmx" alongside the fd; engines ignore it but expect data. */
	static const char name[] = "/dev/ptmx";
	if (send_with_fd(s, name, sizeof name - 1, fd) < 0)
		return error_errno(err, "send pty to console socket %s", path);
	return 0;
}

void terminal_resize_from(int master, int fd)
{
	struct winsize ws;
	/* A caller without a real size (0x0, as under script(1)) keeps the configured one. */
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		ioctl(master, TIOCSWINSZ, &ws);
}

void terminal_pump_start(struct terminal_pump *t, int master)
{
	memset(t, 0, sizeof *t);
	t->master = master;
	t->stdin_open = true;
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t->saved) == 0) {
		struct termios raw = t->saved;
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
			t->raw = true;
		terminal_resize_from(master, STDIN_FILENO);
	}
}

int terminal_pump_pollfds(struct terminal_pump *t, struct pollfd *p)
{
	if (t == NULL)
		return 0;
	p[0].fd = t->master;
	p[0].events =
	    (short)((t->n_to_out < sizeof t->to_out ? POLLIN : 0) | (t->n_to_master ? POLLOUT : 0));
	p[1].fd = t->stdin_open && t->n_to_master < sizeof t->to_master ? STDIN_FILENO : -1;
	p[1].events = POLLIN;
	p[2].fd = t->n_to_out ? STDOUT_FILENO : -1;
	p[2].events = POLLOUT;
	return 3;
}

static void flush_out(struct terminal_pump *t)
{
	while (t->n_to_out) {
		ssize_t n = write(STDOUT_FILENO, t->to_out, t->n_to_out);
		if (n <= 0)
			return;
		memmove(t->to_out, t->to_out + n, t->n_to_out - (size_t)n);
		t->n_to_out -= (size_t)n;
	}
}

void terminal_pump_io(struct terminal_pump *t, struct pollfd *p)
{
	if (p[1].fd >= 0 && (p[1].revents & (POLLIN | POLLHUP))) {
		ssize_t n = read(STDIN_FILENO, t->to_master + t->n_to_master,
				 sizeof t->to_master - t->n_to_master);
		if (n > 0)
			t->n_to_master += (size_t)n;
		else if (n == 0 || errno != EAGAIN) {
			t->stdin_open = false;
			/* End of input becomes an EOF character on the terminal, like a user's ^D.
			 */
			if (!t->raw && t->n_to_master < sizeof t->to_master)
				t->to_master[t->n_to_master++] = 4;
		}
	}
	if (t->n_to_master && (p[0].revents & POLLOUT)) {
		ssize_t n = write(t->master, t->to_master, t->n_to_master);
		if (n > 0) {
			memmove(t->to_master, t->to_master + n, t->n_to_master - (size_t)n);
			t->n_to_master -= (size_t)n;
		}
	}
	if (p[0].revents & POLLIN) {
		ssize_t n =
		    read(t->master, t->to_out + t->n_to_out, sizeof t->to_out - t->n_to_out);
		if (n > 0)
			t->n_to_out += (size_t)n;
	}
	if (t->n_to_out)
		flush_out(t);
}

void terminal_pump_drain(struct terminal_pump *t)
{
	for (;;) {
		flush_out(t);
		ssize_t n = read(t->master, t->to_out, sizeof t->to_out);
		if (n <= 0)
			break;
		t->n_to_out = (size_t)n;
	}
	flush_out(t);
}

void terminal_pump_stop(struct terminal_pump *t)
{
	if (t->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
}
