/* libFuzzer target: bytes as an image layer (unpack_layer) into an empty directory, then nothing
 * may exist outside it. Run as root, each input is unpacked chrooted into a private tmpfs (made
 * in a private mount namespace, then detached so nothing of it shows on the host), so an escape
 * lands there and is caught instead of writing on the host: the jail's "/" holds only the canary
 * file and the layer's directory, and the canary keeps its bytes. Between inputs the process
 * chroots back to the host's root (an fd kept open), where libFuzzer writes its files and the
 * sanitizers read /proc. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "images/dl_archive.h"
#include "images/unpack.h"
#include "lib/error.h"
#include "lib/fs.h"

#define CANARY "canary\n"

static int jailfd = -1, hostroot = -1, hostcwd = -1;

static void die(const char *what)
{
	fprintf(stderr, "fuzz-unpack: %s: %s\n", what, strerror(errno));
	abort();
}

static void jail(void)
{
	char dir[] = "/tmp/fuzz-unpack-XXXXXX";
	struct error e = {0};
	/* libarchive is loaded while the host's libraries are in view. */
	if (dl_archive(&e) < 0) {
		fprintf(stderr, "fuzz-unpack: %s\n", e.msg);
		abort();
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("a private mount namespace (run as root)");
	if (mkdtemp(dir) == NULL || mount("tmpfs", dir, "tmpfs", 0, "size=256m") < 0)
		die("a tmpfs jail");
	jailfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	hostroot = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	hostcwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (jailfd < 0 || hostroot < 0 || hostcwd < 0)
		die("open");
	if (umount2(dir, MNT_DETACH) < 0 || rmdir(dir) < 0)
		die("detach the jail");
	int fd = openat(jailfd, "canary", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, CANARY, strlen(CANARY)) < 0)
		die("canary");
	close(fd);
}

static void enter(void)
{
	if (fchdir(jailfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		die("chroot into the jail");
}

static void leave(void)
{
	if (fchdir(hostroot) < 0 || chroot(".") < 0 || fchdir(hostcwd) < 0)
		die("chroot back");
}

static void check_outside(void)
{
	int dfd = openat(jailfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		const char *n = de->d_name;
		if (strcmp(n, ".") && strcmp(n, "..") && strcmp(n, "canary") && strcmp(n, "dest")) {
			fprintf(stderr, "fuzz-unpack: /%s written outside the layer\n", n);
			abort();
		}
	}
	if (d)
		closedir(d);
	char buf[64] = "";
	int fd = openat(jailfd, "canary", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		close(fd);
	struct stat st;
	if (n != (ssize_t)strlen(CANARY) || memcmp(buf, CANARY, (size_t)n) != 0 ||
	    fstatat(jailfd, "canary", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_nlink != 1) {
		fprintf(stderr, "fuzz-unpack: the canary changed\n");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (jailfd < 0)
		jail();
	struct error e = {0};
	if (remove_tree_at(jailfd, "dest", &e) < 0 || mkdirat(jailfd, "dest", 0755) < 0)
		die("dest");
	int src = memfd_create("layer", MFD_CLOEXEC);
	int dest = openat(jailfd, "dest", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0 || dest < 0 || write_all(src, data, size) < 0 || lseek(src, 0, SEEK_SET) < 0)
		die("input");
	/* Small limits keep one input cheap (a header may claim any size). */
	struct unpack_limits lim = {.max_bytes = 1 << 20, .max_entries = 256};
	struct unpack_result res;
	enter();
	int r = unpack_layer(src, dest, "sha256:fuzz", &lim, &res, &e);
	leave();
	if (r < 0) {
		if (e.msg[0] == '\0' || strchr(e.msg, '\n') ||
		    strncmp(e.msg, "layer sha256:fuzz", 17)) {
			fprintf(stderr, "fuzz-unpack: a failure without its one line: %s\n", e.msg);
			abort();
		}
	}
	close(src);
	close(dest);
	check_outside();
	return 0;
}
