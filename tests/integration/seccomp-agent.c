/* Test helper for the integration suite: a seccomp agent, what listens at
 * linux.seccomp.listenerPath. Usage: seccomp-agent SOCKET OUTDIR [PATH MODE] Every connection must
 * bring one container process state (runtime-spec "Container Process State") with exactly one fd;
 * the state is saved as OUTDIR/state.N.json and the fd's link target as OUTDIR/fd.N. Then the agent
 * answers the notifications of every fd it holds, logging each one to OUTDIR/log as "NAME PATH ->
 * ANSWER": mkdir/mkdirat of PATH gets MODE ("errno:N" fails it with N, "fake" reports success
 * without doing it), everything else goes on (USER_NOTIF_FLAG_CONTINUE). It exits on SIGTERM, or
 * after 120 s so a broken test cannot leave it behind. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_FDS 16

static const char *outdir, *match_path, *mode;

static void write_out(const char *name, const char *data, size_t len, const char *how)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", outdir, name);
	FILE *f = fopen(path, how);
	if (!f) {
		perror(path);
		exit(1);
	}
	fwrite(data, 1, len, f);
	fclose(f);
}

/* Takes one connection: the state and its fd. Returns the fd, or -1. */
static int take_state(int conn, int n)
{
	char buf[65536];
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf - 1};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	ssize_t got = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
	if (got <= 0)
		return -1;
	int fd = -1, nfds = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfds += (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	}
	/* The rest of the state, if the sender split it; the sender closes after one state. */
	size_t len = (size_t)got;
	ssize_t more;
	while (len < sizeof buf - 1 && (more = read(conn, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)more;
	char name[64], link[256] = "";
	snprintf(name, sizeof name, "state.%d.json", n);
	write_out(name, buf, len, "w");
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	ssize_t l = fd >= 0 ? readlink(proc, link, sizeof link - 1) : -1;
	link[l > 0 ? l : 0] = '\0';
	char line[320];
	int k = snprintf(line, sizeof line, "%s fds=%d\n", link, nfds);
	snprintf(name, sizeof name, "fd.%d", n);
	write_out(name, line, (size_t)k, "w");
	return fd;
}

static void read_path(pid_t pid, unsigned long long addr, char *out, size_t size)
{
	struct iovec local = {.iov_base = out, .iov_len = size - 1};
	struct iovec remote = {.iov_base = (void *)(unsigned long)addr, .iov_len = size - 1};
	memset(out, 0, size);
	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) < 0)
		snprintf(out, size, "?");
	out[size - 1] = '\0';
}

/* Answers one notification on fd; returns -1 when fd is done (the filter's processes are gone). */
static int answer(int fd)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	memset(&req, 0, sizeof req);
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return errno == EINTR || errno == ENOENT ? 0 : -1;
	memset(&resp, 0, sizeof resp);
	resp.id = req.id;
	char path[4096] = "", what[64];
	const char *name = "other";
	if (req.data.nr == SYS_mkdir) {
		name = "mkdir";
		read_path((pid_t)req.pid, req.data.args[0], path, sizeof path);
	} else if (req.data.nr == SYS_mkdirat) {
		name = "mkdirat";
		read_path((pid_t)req.pid, req.data.args[1], path, sizeof path);
	}
	if (match_path && strcmp(name, "other") != 0 && strcmp(path, match_path) == 0) {
		if (strncmp(mode, "errno:", 6) == 0) {
			resp.error = -atoi(mode + 6);
			snprintf(what, sizeof what, "errno %d", -resp.error);
		} else {
			resp.val = 0; /* success, and nothing done */
			snprintf(what, sizeof what, "fake");
		}
	} else {
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		snprintf(what, sizeof what, "continue");
	}
	/* The target may be gone already (ENOENT): that is its business. */
	ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	char line[4300];
	int k = snprintf(line, sizeof line, "%s %s -> %s\n", name, path, what);
	write_out("log", line, (size_t)k, "a");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 5) {
		fprintf(stderr, "usage: seccomp-agent SOCKET OUTDIR [PATH MODE]\n");
		return 2;
	}
	outdir = argv[2];
	if (argc == 5) {
		match_path = argv[3];
		mode = argv[4];
	}
	alarm(120);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(argv[1]);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 8) < 0) {
		perror(argv[1]);
		return 1;
	}
	struct pollfd p[MAX_FDS + 1];
	int n = 1, states = 0;
	p[0] = (struct pollfd){.fd = ls, .events = POLLIN};
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			return 1;
		}
		for (int i = n - 1; i >= 1; i--) {
			if (p[i].revents & POLLIN && answer(p[i].fd) == 0)
				continue;
			if (p[i].revents & (POLLHUP | POLLERR | POLLIN)) {
				close(p[i].fd);
				p[i] = p[--n];
			}
		}
		if (p[0].revents & POLLIN) {
			int conn = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
			if (conn < 0)
				continue;
			int fd = take_state(conn, ++states);
			close(conn);
			if (fd >= 0 && n <= MAX_FDS)
				p[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
			else if (fd >= 0)
				close(fd);
		}
	}
}
