/* Test helper for escapes.bats: installed setuid-root in a container rootfs, it reports the ids
 * it runs with and whether it can become root, so no_new_privs is checked by its effect.
 * Usage: escape-setuid (prints "ruid=R euid=E setuid0=ok|errno N") */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("ruid=%d euid=%d ", (int)getuid(), (int)geteuid());
	if (setuid(0) == 0)
		printf("setuid0=ok\n");
	else
		printf("setuid0=errno %d\n", errno);
	return 0;
}
