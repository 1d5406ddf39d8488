/* images/store.h on a temporary store: blobs verified as they arrive, resumed partials, refused
 * mismatches that leave nothing behind, two writers of one blob, corruption on disk, and the
 * index's names, digests and prefixes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "images/store.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "tests/unit/tap.h"

static struct store S;

/* Entries in STORE/dir, not counting . and .. */
static int count_entries(const char *dir)
{
	int fd = openat(S.dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	DIR *d = fdopendir(fd);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void fill(char *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (char)(seed >> 16);
	}
}

static void test_layout(void)
{
	struct stat st;
	ok(fstatat(S.dirfd, "blobs/sha256", &st, 0) == 0 && S_ISDIR(st.st_mode) &&
	       (st.st_mode & 07777) == 0700,
	   "blobs/sha256 made, mode 0700");
	ok(fstatat(S.dirfd, "tmp", &st, 0) == 0 && fstatat(S.dirfd, "layers", &st, 0) == 0 &&
	       fstatat(S.dirfd, "containers", &st, 0) == 0,
	   "tmp, layers and containers made");
	ok(fstatat(S.dirfd, "lock", &st, 0) == 0 && (st.st_mode & 07777) == 0600,
	   "the lock file, mode 0600");
	struct error e = {0};
	ok(store_lock(&S, STORE_SHARED, &e) == 0 && store_lock(&S, STORE_EXCLUSIVE, &e) == 0,
	   "the store lock, shared then exclusive");
	store_unlock(&S);
}

static void test_put_read(void)
{
	struct error e = {0};
	char d[DIGEST_SIZE], want[DIGEST_SIZE];
	digest_buf("hello\n", 6, want, &e);
	ok(store_blob_put(&S, "hello\n", 6, d, &e) == 0, "put a small blob");
	is_str(d, want, "its digest is the sha256 of its bytes");
	ok(store_blob_exists(&S, d), "it exists");
	char *buf = NULL;
	size_t len = 0;
	ok(store_blob_read(&S, d, 100, &buf, &len, &e) == 0 && len == 6 &&
	       memcmp(buf, "hello\n", 6) == 0,
	   "read back, verified");
	free(buf);
	ok(store_blob_read(&S, d, 5, &buf, &len, &e) < 0 && e.err == EFBIG,
	   "a blob larger than the caller's limit is refused");
	ok(store_blob_put(&S, "hello\n", 6, d, &e) == 0 && strcmp(d, want) == 0,
	   "putting it again is a no-op");
	ok(count_entries("tmp") == 0, "nothing left in tmp/");

	ok(!store_blob_exists(&S, "sha256:../../../etc/passwd"), "a path-like digest never exists");
	ok(store_blob_open(&S, "sha256:../../../etc/passwd", &e) < 0 && e.err == EINVAL,
	   "and is refused before it names a file");
	ok(store_blob_open(
	       &S, "sha256:0000000000000000000000000000000000000000000000000000000000000000", &e) <
		   0 &&
	       e.err == ENOENT,
	   "a missing blob: ENOENT");
	contains(e.msg, "is not in the store", "... saying so");
}

static void test_resume(void)
{
	struct error e = {0};
	static char big[300000];
	fill(big, sizeof big, 7);
	char want[DIGEST_SIZE], d[DIGEST_SIZE];
	digest_buf(big, sizeof big, want, &e);
	struct blob_writer *w;
	ok(blob_writer_open(&S, want, sizeof big, &w, &e) == 0, "a writer for a known digest");
	ok(blob_writer_offset(w) == 0, "starts at 0");
	ok(blob_writer_write(w, big, 123457, &e) == 0, "writes a part");
	blob_writer_abort(w, true);
	char partial[200];
	snprintf(partial, sizeof partial, "tmp/%s.partial", digest_hex(want));
	struct stat st;
	ok(fstatat(S.dirfd, partial, &st, 0) == 0 && st.st_size == 123457,
	   "abort(keep_partial) keeps tmp/HEX.partial");
	ok(!store_blob_exists(&S, want), "the blob is not there yet");

	ok(blob_writer_open(&S, want, sizeof big, &w, &e) == 0, "a second writer");
	ok(blob_writer_offset(w) == 123457, "resumes at the partial's end");
	ok(!blob_writer_present(w), "not present");
	ok(blob_writer_write(w, big + 123457, sizeof big - 123457, &e) == 0, "writes the rest");
	ok(blob_writer_commit(w, d, &e) == 0, "commit");
	is_str(d, want, "the resumed blob has the right digest");
	char *buf = NULL;
	size_t len;
	ok(store_blob_read(&S, want, sizeof big, &buf, &len, &e) == 0 && len == sizeof big &&
	       memcmp(buf, big, len) == 0,
	   "and the right bytes");
	free(buf);
	ok(count_entries("tmp") == 0, "the partial is gone");

	ok(blob_writer_open(&S, want, sizeof big, &w, &e) == 0 && blob_writer_present(w) &&
	       blob_writer_offset(w) == (int64_t)sizeof big,
	   "a writer of a blob already there: present, offset at its size");
	ok(blob_writer_commit(w, d, &e) == 0 && strcmp(d, want) == 0,
	   "its commit returns the digest");

	/* A partial longer than the blob can only be garbage: started over. */
	snprintf(partial, sizeof partial, "tmp/%s.partial", digest_hex(want));
	char small_d[DIGEST_SIZE];
	digest_buf("abc", 3, small_d, &e);
	snprintf(partial, sizeof partial, "tmp/%s.partial", digest_hex(small_d));
	int fd = openat(S.dirfd, partial, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ok(fd >= 0 && write(fd, "garbage!", 8) == 8, "plant a partial longer than its blob");
	close(fd);
	ok(blob_writer_open(&S, small_d, 3, &w, &e) == 0 && blob_writer_offset(w) == 0,
	   "it is started over");
	ok(blob_writer_write(w, "abc", 3, &e) == 0 && blob_writer_commit(w, d, &e) == 0 &&
	       strcmp(d, small_d) == 0,
	   "and the blob comes out right");
}

static void test_mismatch(void)
{
	struct error e = {0};
	char da[DIGEST_SIZE], db[DIGEST_SIZE], d[DIGEST_SIZE];
	digest_buf("content A", 9, da, &e);
	digest_buf("content B", 9, db, &e);
	int blobs_before = count_entries("blobs/sha256");
	struct blob_writer *w;
	ok(blob_writer_open(&S, da, 9, &w, &e) == 0, "a writer expecting A");
	ok(blob_writer_write(w, "content B", 9, &e) == 0, "fed B");
	ok(blob_writer_commit(w, d, &e) < 0, "commit refuses it");
	char want[300];
	snprintf(want, sizeof want, "digest mismatch: expected %s, got %s", da, db);
	contains(e.msg, want, "the error names both digests");
	ok(!store_blob_exists(&S, da) && !store_blob_exists(&S, db), "neither A nor B is a blob");
	ok(count_entries("blobs/sha256") == blobs_before && count_entries("tmp") == 0,
	   "nothing left in blobs/ or tmp/");

	ok(blob_writer_open(&S, da, 20, &w, &e) == 0 &&
	       blob_writer_write(w, "content A", 9, &e) == 0,
	   "a writer told 20 bytes, fed the 9 of A");
	ok(blob_writer_commit(w, d, &e) < 0, "commit refuses it");
	contains(e.msg, "size mismatch: expected 20 bytes, got 9", "the error says the sizes");
	ok(!store_blob_exists(&S, da) && count_entries("tmp") == 0, "nothing kept");

	ok(blob_writer_open(&S, da, 4, &w, &e) == 0, "a writer told 4 bytes");
	ok(blob_writer_write(w, "content A", 9, &e) < 0 && e.err == EFBIG,
	   "writing past the announced size fails at once");
	blob_writer_abort(w, true);

	ok(blob_writer_open(&S, NULL, -1, &w, &e) == 0 && blob_writer_write(w, "anon", 4, &e) == 0,
	   "a writer of an unknown digest");
	ok(count_entries("tmp") >= 1, "its bytes are in tmp/");
	ok(blob_writer_commit(w, d, &e) == 0 && store_blob_exists(&S, d),
	   "commit names the blob by its digest");
	ok(count_entries("tmp") == 1, "and leaves only the earlier kept partial in tmp/");
	ok(blob_writer_open(&S, NULL, -1, &w, &e) == 0 && blob_writer_write(w, "x", 1, &e) == 0,
	   "another, aborted");
	blob_writer_abort(w, true);
	ok(count_entries("tmp") == 1, "an anonymous partial is never kept");
}

/* Two processes write one 2 MB blob at the same time, each in small pieces. */
static void test_concurrent(void)
{
	static char big[2 << 20];
	fill(big, sizeof big, 99);
	struct error e = {0};
	char want[DIGEST_SIZE];
	digest_buf(big, sizeof big, want, &e);
	int pipes[2][2];
	pid_t pids[2];
	for (int k = 0; k < 2; k++) {
		if (pipe(pipes[k]) < 0)
			abort();
		pids[k] = fork();
		if (pids[k] == 0) {
			close(pipes[k][1]);
			char go;
			if (read(pipes[k][0], &go, 1) != 1)
				_exit(3);
			struct blob_writer *w;
			char d[DIGEST_SIZE];
			if (blob_writer_open(&S, want, sizeof big, &w, &e) < 0)
				_exit(4);
			for (int64_t off = blob_writer_offset(w); off < (int64_t)sizeof big;
			     off += 4096)
				if (blob_writer_write(w, big + off, 4096, &e) < 0)
					_exit(5);
			if (blob_writer_commit(w, d, &e) < 0 || strcmp(d, want) != 0) {
				fprintf(stderr, "# child %d: %s\n", k, e.msg);
				_exit(6);
			}
			_exit(0);
		}
		close(pipes[k][0]);
	}
	for (int k = 0; k < 2; k++) {
		if (write(pipes[k][1], "g", 1) != 1)
			abort();
		close(pipes[k][1]);
	}
	int st0 = -1, st1 = -1;
	waitpid(pids[0], &st0, 0);
	waitpid(pids[1], &st1, 0);
	ok(WIFEXITED(st0) && WEXITSTATUS(st0) == 0, "first concurrent writer succeeds (%d)", st0);
	ok(WIFEXITED(st1) && WEXITSTATUS(st1) == 0, "second concurrent writer succeeds (%d)", st1);
	char *buf = NULL;
	size_t len;
	ok(store_blob_read(&S, want, sizeof big, &buf, &len, &e) == 0 && len == sizeof big &&
	       memcmp(buf, big, len) == 0,
	   "the blob is whole and right");
	free(buf);
	char partial[200];
	snprintf(partial, sizeof partial, "tmp/%s.partial", digest_hex(want));
	ok(faccessat(S.dirfd, partial, F_OK, 0) < 0, "no partial left");
}

static void test_corrupt(void)
{
	struct error e = {0};
	char d[DIGEST_SIZE];
	ok(store_blob_put(&S, "{\"good\":true}", 13, d, &e) == 0, "put a blob");
	char name[200];
	snprintf(name, sizeof name, "blobs/sha256/%s", digest_hex(d));
	int fd = openat(S.dirfd, name, O_WRONLY | O_CLOEXEC);
	ok(fd >= 0 && pwrite(fd, "{\"evil\":1}  ", 13, 0) == 13, "corrupt it on disk");
	close(fd);
	char *buf = NULL;
	size_t len;
	ok(store_blob_read(&S, d, 100, &buf, &len, &e) < 0 && e.err == EIO,
	   "store_blob_read refuses it");
	contains(e.msg, "is corrupt", "saying it is corrupt");
	contains(e.msg, d, "naming the digest");
	ok(!store_blob_exists(&S, d), "and the corrupt blob is not kept");
	ok(store_blob_put(&S, "{\"good\":true}", 13, d, &e) == 0 &&
	       store_blob_read(&S, d, 100, &buf, &len, &e) == 0,
	   "putting it again heals the store");
	free(buf);
}

#define DA "sha256:aaaaaaaaaaaa1111111111111111111111111111111111111111111111111111"
#define DB "sha256:aaaaaaaaaaaa2222222222222222222222222222222222222222222222222222"
#define DC "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static void test_index(void)
{
	struct error e = {0};
	char d[DIGEST_SIZE];
	ok(store_resolve(&S, "nothing", d, &e) < 0 && e.err == ENOENT, "an empty index: ENOENT");
	contains(e.msg, "image nothing is not in the store", "saying which image");
	ok(store_tag(&S, "docker.io/library/busybox:latest", DA, &e) == 0 &&
	       store_tag(&S, "example.com:5000/app:1.0", DB, &e) == 0 &&
	       store_tag(&S, "local", DC, &e) == 0,
	   "tag three images");
	struct stat st;
	ok(fstatat(S.dirfd, "index.json", &st, 0) == 0 && (st.st_mode & 07777) == 0600,
	   "index.json, mode 0600");
	ok(store_resolve(&S, "example.com:5000/app:1.0", d, &e) == 0 && strcmp(d, DB) == 0,
	   "a name with a registry port and a tag");
	ok(store_resolve(&S, "docker.io/library/busybox", d, &e) == 0 && strcmp(d, DA) == 0,
	   "a name without a tag means :latest");
	ok(store_resolve(&S, "example.com:5000/app", d, &e) < 0 && e.err == ENOENT,
	   "a port is not a tag: app:latest is not there");
	ok(store_resolve(&S, DC, d, &e) == 0 && strcmp(d, DC) == 0, "a full digest");
	ok(store_resolve(&S, "cccccccccccc", d, &e) == 0 && strcmp(d, DC) == 0,
	   "a 12-digit prefix");
	ok(store_resolve(&S, "sha256:cccccccccccccc", d, &e) == 0 && strcmp(d, DC) == 0,
	   "a prefix with sha256:");
	ok(store_resolve(&S, "ccccccccccc", d, &e) < 0 && e.err == ENOENT, "11 digits are too few");
	ok(store_resolve(&S, "aaaaaaaaaaaa", d, &e) < 0 && e.err == EINVAL,
	   "a prefix of two digests is refused");
	contains(e.msg, "ambiguous", "as ambiguous");
	ok(store_resolve(&S, "aaaaaaaaaaaa1", d, &e) == 0 && strcmp(d, DA) == 0,
	   "one more digit decides");

	ok(store_tag(&S, "bad", "sha256:../../x", &e) < 0 && e.err == EINVAL,
	   "tagging with a bad digest is refused");
	ok(store_tag(&S, "bad name", DA, &e) < 0 && e.err == EINVAL, "a name with a space too");
	ok(store_tag(&S, "local", DA, &e) == 0 && store_resolve(&S, "local", d, &e) == 0 &&
	       strcmp(d, DA) == 0,
	   "re-tagging moves the name");
	ok(store_resolve(&S, "cccccccccccc", d, &e) < 0, "the old digest is no longer an image");

	struct store_tag *t;
	size_t n;
	ok(store_tags(&S, &t, &n, &e) == 0 && n == 3, "three tags listed");
	if (n == 3) {
		is_str(t[0].name, "docker.io/library/busybox:latest", "sorted by name (1)");
		is_str(t[1].name, "example.com:5000/app:1.0", "sorted by name (2)");
		is_str(t[2].name, "local", "sorted by name (3)");
		is_str(t[1].digest, DB, "with their digests");
	}
	store_tags_free(t, n);

	ok(store_untag(&S, "local", &e) == 0, "untag");
	ok(store_resolve(&S, "local", d, &e) < 0 && e.err == ENOENT, "the name is gone");
	ok(store_untag(&S, "local", &e) < 0 && e.err == ENOENT, "untagging it again: ENOENT");
	ok(store_resolve(&S, "aaaaaaaaaaaa1", d, &e) == 0, "other names are kept");
	ok(faccessat(S.dirfd, "index.json.tmp", F_OK, 0) < 0, "no temporary index left");
}

int main(void)
{
	char root[] = "/tmp/test-store-XXXXXX";
	if (mkdtemp(root) == NULL)
		return 2;
	char *sub = path_join(root, "store");
	struct error e = {0};
	ok(store_open(&S, sub, &e) == 0, "open a new store: %s", e.msg);
	test_layout();
	test_put_read();
	test_resume();
	test_mismatch();
	test_concurrent();
	test_corrupt();
	test_index();
	store_close(&S);
	ok(store_open(&S, sub, &e) == 0, "open it again");
	char d[DIGEST_SIZE];
	ok(store_resolve(&S, "docker.io/library/busybox:latest", d, &e) == 0 && strcmp(d, DA) == 0,
	   "the index survives a reopen");
	store_close(&S);
	remove_tree_at(AT_FDCWD, root, &e);
	free(sub);
	return tap_done();
}
