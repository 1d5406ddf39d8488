#include "runtime/launch.h"

#include "lib/fs.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int launch_send(int fd, uint32_t type, int err, const char *text)
{
	struct launch_msg m = {.type = type, .err = err};
	if (text)
		strncpy(m.text, text, sizeof m.text - 1);
	ssize_t n;
	do
		n = send(fd, &m, sizeof m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof m ? 0 : -1;
}

int launch_send_fd_arg(int fd, uint32_t type, int arg, int passfd)
{
	struct launch_msg m = {.type = type, .err = arg};
	return send_with_fd(fd, &m, sizeof m, passfd) == (ssize_t)sizeof m ? 0 : -1;
}

int launch_send_fd(int fd, uint32_t type, int passfd)
{
	return launch_send_fd_arg(fd, type, 0, passfd);
}

int launch_recv(int fd, struct launch_msg *m, int *passfd)
{
	struct iovec iov = {.iov_base = m, .iov_len = sizeof *m};
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	if (passfd)
		*passfd = -1;
	ssize_t n;
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n != (ssize_t)sizeof *m) {
		errno = 0; /* EOF or a torn message: the peer is gone */
		return -1;
	}
	m->text[sizeof m->text - 1] = '\0';
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
		int got;
		memcpy(&got, CMSG_DATA(cm), sizeof got);
		if (passfd)
			*passfd = got;
		else
			close(got);
	}
	return 0;
}
