/* sdnotify MESSAGE: sends MESSAGE to the datagram socket named by $NOTIFY_SOCKET, as
 * sd_notify(3) does. Static, for the busybox test rootfs (busybox nc has no unix sockets). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(int argc, char **argv)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (argc != 2 || path == NULL ||
	    strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		fprintf(stderr, "usage: NOTIFY_SOCKET=PATH sdnotify MESSAGE\n");
		return 2;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, path);
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (s < 0 ||
	    sendto(s, argv[1], strlen(argv[1]), 0, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("sdnotify");
		return 1;
	}
	return 0;
}
