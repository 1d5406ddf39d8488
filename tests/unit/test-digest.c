/* images/digest.h: sha256 through the libcrypto that berth loads on first use, and the digest
 * syntax that makes a digest safe as a file name in the store. */
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "images/digest.h"
#include "lib/error.h"
#include "tests/unit/tap.h"

#define ABC_SHA256   "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define EMPTY_SHA256 "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

int main(void)
{
	struct error e = {0};
	char d[DIGEST_SIZE];

	ok(digest_buf("abc", 3, d, &e) == 0 && strcmp(d, ABC_SHA256) == 0,
	   "sha256 of abc (FIPS 180-2 vector)");
	ok(digest_buf("", 0, d, &e) == 0 && strcmp(d, EMPTY_SHA256) == 0, "sha256 of nothing");

	struct digest_ctx *c;
	ok(digest_new(&c, &e) == 0, "a streaming context");
	digest_update(c, "a", 1);
	digest_update(c, "bc", 2);
	digest_final(c, d);
	digest_free(c);
	ok(strcmp(d, ABC_SHA256) == 0, "streamed in two pieces, the same digest");

	char path[] = "/tmp/test-digest-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	ok(fd >= 0 && write(fd, "xabc", 4) == 4 && lseek(fd, 1, SEEK_SET) == 1,
	   "a file at offset 1");
	ok(digest_fd(fd, d, &e) == 0 && strcmp(d, ABC_SHA256) == 0,
	   "digest_fd reads from the offset on");
	close(fd);

	ok(digest_valid(ABC_SHA256), "a valid digest");
	ok(!digest_valid("sha256:BA7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
	   "upper-case hex is refused");
	ok(!digest_valid("sha256:ba7816bf"), "a short digest is refused");
	ok(!digest_valid(ABC_SHA256 "0"), "a long digest is refused");
	ok(!digest_valid(
	       "sha256:../../../../etc/passwd0000000000000000000000000000000000000000000"),
	   "a path is refused");
	ok(!digest_valid(NULL), "NULL is refused");
	ok(digest_check("sha512:abcd", "manifest.layers[0].digest", &e) < 0 &&
	       strstr(e.msg, "manifest.layers[0].digest") && strstr(e.msg, "sha512") &&
	       strstr(e.msg, "not supported"),
	   "sha512 is named as unsupported: %s", e.msg);
	ok(digest_check("nonsense", "REF", &e) < 0 && strstr(e.msg, "not a sha256 digest"),
	   "a non-digest is named: %s", e.msg);
	ok(strcmp(digest_hex(ABC_SHA256), ABC_SHA256 + 7) == 0, "digest_hex skips the algorithm");
	return tap_done();
}
