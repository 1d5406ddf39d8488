#include "runtime/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "lib/strv.h"

int notify_prepare(int dirfd, const char *state_dir, struct spec *s, struct error *err)
{
	if (mkdirat(dirfd, "notify", 0755) < 0 && errno != EEXIST)
		return error_errno(err, "NOTIFY_SOCKET: create the notify dir");
	struct mount_entry *m = realloc(s->mounts, (s->n_mounts + 1) * sizeof *m);
	if (m == NULL)
		return error_set(err, ENOMEM, "NOTIFY_SOCKET");
	s->mounts = m;
	struct mount_entry *e = &m[s->n_mounts];
	memset(e, 0, sizeof *e);
	e->destination = strdup(NOTIFY_DIR_IN_CONTAINER);
	e->type = strdup("bind");
	e->source = path_join(state_dir, "notify");
	char *const opts[] = {"bind", "nosuid", "noexec", "nodev", "ro", NULL};
	e->options = strv_dup(opts);
	if (!e->destination || !e->type || !e->source || !e->options)
		return error_set(err, ENOMEM, "NOTIFY_SOCKET");
	s->n_mounts++;
	return 0;
}

int notify_listen(int dirfd, struct error *err)
{
	_cleanup_close_ int nd = openat(dirfd, "notify", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (nd < 0) {
		error_set(err, 0, "no notify dir");
		return -1;
	}
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return error_errno(err, "NOTIFY_SOCKET: socket");
	/* A relative bind from inside the dir: the state path can be longer than sun_path. */
	_cleanup_close_ int cwd = open(".", O_PATH | O_CLOEXEC);
	struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = "notify.sock"};
	unlinkat(nd, "notify.sock", 0);
	int r = -1;
	if (cwd >= 0 && fchdir(nd) == 0) {
		r = bind(s, (struct sockaddr *)&sa, sizeof sa);
		int saved = errno;
		if (fchdir(cwd) < 0 && r == 0) {
			r = -1;
			saved = errno;
		}
		errno = saved;
	}
	if (r < 0) {
		error_errno(err, "NOTIFY_SOCKET: bind notify.sock");
		close(s);
		return -1;
	}
	/* The container's root may be another uid (user namespace): anyone may send. */
	if (fchmodat(nd, "notify.sock", 0777, 0) < 0) {
		error_errno(err, "NOTIFY_SOCKET: chmod notify.sock");
		close(s);
		return -1;
	}
	return s;
}

int notify_forward_ready(int sock, int pidfd, const char *host_path, struct error *err)
{
	char buf[4096];
	for (;;) {
		struct pollfd p[2] = {{.fd = sock, .events = POLLIN},
				      {.fd = pidfd, .events = POLLIN}};
		int r = poll(p, pidfd >= 0 ? 2 : 1, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return error_errno(err, "NOTIFY_SOCKET: poll");
		if (p[0].revents & POLLIN) {
			ssize_t n = recv(sock, buf, sizeof buf - 1, 0);
			if (n <= 0)
				continue;
			buf[n] = '\0';
			if (strncmp(buf, "READY=1", 7) != 0 && strstr(buf, "\nREADY=1") == NULL)
				continue;
			struct sockaddr_un sa = {.sun_family = AF_UNIX};
			if (strlen(host_path) >= sizeof sa.sun_path)
				return error_set(err, ENAMETOOLONG, "NOTIFY_SOCKET %s: too long",
						 host_path);
			strcpy(sa.sun_path, host_path);
			if (sa.sun_path[0] == '@')
				sa.sun_path[0] = '\0'; /* abstract socket, as systemd allows */
			_cleanup_close_ int out = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			if (out < 0 || sendto(out, buf, (size_t)n, MSG_NOSIGNAL,
					      (struct sockaddr *)&sa, sizeof sa) < 0)
				return error_errno(err, "NOTIFY_SOCKET: forward to %s", host_path);
			return 0;
		}
		if (pidfd >= 0 && (p[1].revents & POLLIN))
			return error_set(err, ESRCH,
					 "NOTIFY_SOCKET: the container exited before "
					 "it was ready");
	}
}
