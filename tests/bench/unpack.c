/* unpack LAYER DIR: unpack_layer of LAYER (a file, or "-" for stdin, e.g. a pipe) into DIR (made
 * when missing), then one line: entries, bytes and the wall time of the call alone. For
 * tests/bench/unpack-bench; speed is never a pass/fail test. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "images/unpack.h"
#include "lib/error.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: unpack LAYER|- DIR\n");
		return 2;
	}
	int src = strcmp(argv[1], "-") ? open(argv[1], O_RDONLY | O_CLOEXEC) : 0;
	mkdir(argv[2], 0755);
	int dest = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0 || dest < 0) {
		perror("open");
		return 1;
	}
	struct error e = {0};
	struct unpack_result r = {0};
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	int rc = unpack_layer(src, dest, "sha256:bench", NULL, &r, &e);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (rc < 0) {
		fprintf(stderr, "unpack: %s\n", e.msg);
		return 1;
	}
	printf("%lld entries, %lld bytes in %.3f s\n", (long long)r.entries, (long long)r.bytes,
	       (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}
