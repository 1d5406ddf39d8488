/* memtouch MIB [SECONDS]: allocates MIB MiB, writes every page (so it is really charged), then
 * sleeps. Static, so the job's own memory is (almost) only what it allocated on purpose. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	size_t len = mib << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	if (argc > 2)
		sleep((unsigned)atoi(argv[2]));
	return 0;
}
