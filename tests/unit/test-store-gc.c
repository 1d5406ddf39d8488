/* What the store does after a kill -9 and on removal: layers unpacked into place by one rename,
 * the debris sweep that never touches what a live process holds, removal and listings, the
 * containers' images in use, and store_fsck finding and mending what is broken. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "images/store_gc.h"
#include "images/image.h"
#include "images/store.h"
#include "images/unpack.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "lib/strv.h"
#include "tests/unit/tap.h"

static struct store S;

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

static bool exists(const char *name)
{
	return faccessat(S.dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* One ustar entry (a regular file) into buf at *off. */
static void tar_file(char *buf, size_t *off, const char *name, const char *data)
{
	char *h = buf + *off;
	memset(h, 0, 512);
	size_t len = strlen(data);
	snprintf(h, 100, "%s", name);
	snprintf(h + 100, 8, "%07o", 0644);
	snprintf(h + 108, 8, "%07o", 0);
	snprintf(h + 116, 8, "%07o", 0);
	snprintf(h + 124, 12, "%011zo", len);
	snprintf(h + 136, 12, "%011o", 1700000000);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	*off += 512;
	memcpy(buf + *off, data, len);
	*off += (len + 511) / 512 * 512;
}

/* A file holding a tar of (name, data) pairs; its digest in d. */
static int make_tar(const char *const *entries, size_t n, char d[DIGEST_SIZE], size_t *size)
{
	static char buf[64 * 1024];
	memset(buf, 0, sizeof buf);
	size_t off = 0;
	for (size_t i = 0; i < n; i++)
		tar_file(buf, &off, entries[2 * i], entries[2 * i + 1]);
	off += 1024;
	struct error e;
	digest_buf(buf, off, d, &e);
	char path[] = "/tmp/test-store-gc-tar-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	if (fd < 0 || write(fd, buf, off) != (ssize_t)off)
		abort();
	lseek(fd, 0, SEEK_SET);
	if (size)
		*size = off;
	return fd;
}

static char layer_d[DIGEST_SIZE];

static void test_unpack(void)
{
	struct error e = {0};
	const char *good[] = {"etc/hello", "hi\n", "bin/tool", "#!/bin/sh\n"};
	size_t size;
	int fd = make_tar(good, 2, layer_d, &size);
	ok(!store_layer_exists(&S, layer_d), "the layer is not there yet");
	ok(store_layer_unpack(&S, layer_d, fd, NULL, &e) == 0, "unpack a layer: %s", e.msg);
	close(fd);
	ok(store_layer_exists(&S, layer_d), "it exists now");
	char name[200], *buf = NULL;
	snprintf(name, sizeof name, "layers/%s/etc/hello", digest_hex(layer_d));
	ok(read_file_at(S.dirfd, name, &buf, NULL, &e) == 0 && strcmp(buf, "hi\n") == 0,
	   "its files are in layers/HEX");
	free(buf);
	char *p = store_layer_path(&S, layer_d);
	char want[600];
	snprintf(want, sizeof want, "%s/layers/%s", S.root, digest_hex(layer_d));
	is_str(p, want, "store_layer_path");
	free(p);
	ok(store_layer_path(&S, "sha256:../x") == NULL, "no path for a bad digest");
	ok(count_entries("tmp") == 0, "nothing left in tmp/");

	fd = make_tar(good, 2, layer_d, &size);
	ok(store_layer_unpack(&S, layer_d, fd, NULL, &e) == 0, "unpacking it again succeeds");
	ok(lseek(fd, 0, SEEK_CUR) == (off_t)size, "and drains the source");
	close(fd);

	const char *evil[] = {"ok", "x", "../../escaped", "boom"};
	char evil_d[DIGEST_SIZE];
	fd = make_tar(evil, 2, evil_d, NULL);
	ok(store_layer_unpack(&S, evil_d, fd, NULL, &e) < 0, "a hostile layer fails");
	contains(e.msg, digest_hex(evil_d), "  naming the layer");
	close(fd);
	ok(!store_layer_exists(&S, evil_d), "  and is not in layers/");
	ok(count_entries("tmp") == 0, "  and its temporary tree is gone");
	ok(!exists("escaped") && !exists("../escaped"), "  nothing escaped");
	ok(store_layer_unpack(&S, "sha256:../../x", 0, NULL, &e) < 0 && e.err == EINVAL,
	   "a bad digest is refused before anything");
}

static int mkfile(const char *name, const char *data)
{
	int fd = openat(S.dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		return -1;
	return close(fd);
}

static void test_gc(void)
{
	struct error e = {0};
	char full_d[DIGEST_SIZE], part_d[DIGEST_SIZE];
	digest_buf("complete", 8, full_d, &e);
	digest_buf("incomplete!", 11, part_d, &e);
	char full[200], part[200];
	snprintf(full, sizeof full, "tmp/%s.partial", digest_hex(full_d));
	snprintf(part, sizeof part, "tmp/%s.partial", digest_hex(part_d));
	ok(mkdirat(S.dirfd, "tmp/layer-dead", 0700) == 0 && mkfile("tmp/layer-dead/f", "x") == 0 &&
	       mkfile("tmp/blob-dead", "y") == 0 && mkfile(full, "complete") == 0 &&
	       mkfile(part, "incompl") == 0 && mkdirat(S.dirfd, "tmp/layer-live", 0700) == 0 &&
	       mkfile("tmp/blob-live", "z") == 0 && symlinkat("/etc", S.dirfd, "tmp/link") == 0,
	   "debris of killed commands, and items that live processes hold");
	/* flock belongs to an open file description: these conflict with the sweep's own. */
	int live1 = openat(S.dirfd, "tmp/layer-live", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int live2 = openat(S.dirfd, "tmp/blob-live", O_RDONLY | O_CLOEXEC);
	ok(flock(live1, LOCK_EX) == 0 && flock(live2, LOCK_EX) == 0, "hold two of them");
	struct store_gc_result g;
	ok(store_gc_tmp(&S, false, &g, &e) == 0, "a sweep");
	ok(!exists("tmp/layer-dead") && !exists("tmp/blob-dead") && !exists("tmp/link"),
	   "removes the dead layer tree, the anonymous blob and a planted symlink");
	ok(exists("etc") == false && access("/etc/passwd", F_OK) == 0, "  not following it");
	ok(exists("tmp/layer-live") && exists("tmp/blob-live") && g.busy == 2,
	   "leaves what a live process holds");
	ok(exists(full) && exists(part) && g.kept == 2, "keeps partials for a resume");
	ok(g.removed == 3, "counts what it removed (%zu)", g.removed);

	ok(store_gc_tmp(&S, true, &g, &e) == 0, "a sweep with partials");
	ok(!exists(full) && store_blob_exists(&S, full_d) && g.finished == 1,
	   "a partial that holds its whole blob is finished into blobs/");
	ok(!exists(part) && !store_blob_exists(&S, part_d), "an incomplete one is removed");
	ok(exists("tmp/layer-live") && exists("tmp/blob-live"), "still leaving the held ones");
	close(live1);
	close(live2);

	/* store_open sweeps what a killed command left. */
	ok(mkdirat(S.dirfd, "tmp/layer-dead2", 0700) == 0, "more debris");
	char *root = strdup(S.root);
	store_close(&S);
	ok(store_open(&S, root, &e) == 0, "reopen the store");
	free(root);
	ok(count_entries("tmp") == 0, "store_open swept tmp/");
}

static void test_remove(void)
{
	struct error e = {0};
	char **v = NULL;
	ok(store_layers(&S, &v, &e) == 0 && strv_len(v) == 1 && strcmp(v[0], layer_d) == 0,
	   "store_layers lists the layer");
	strv_free(v);
	char d[DIGEST_SIZE];
	ok(store_blob_put(&S, "doomed", 6, d, &e) == 0, "a blob");
	ok(mkfile("blobs/sha256/not-a-digest", "x") == 0, "and a stray name in blobs/");
	ok(store_blobs(&S, &v, &e) == 0 && strv_find(v, d) >= 0 && strv_len(v) == 2,
	   "store_blobs lists the blobs, not the stray name (%zu)", strv_len(v));
	strv_free(v);
	unlinkat(S.dirfd, "blobs/sha256/not-a-digest", 0);
	ok(store_blob_remove(&S, d, &e) == 0 && !store_blob_exists(&S, d), "store_blob_remove");
	ok(store_blob_remove(&S, d, &e) == 0, "removing it again is fine");
	ok(store_blob_remove(&S, "sha256:../../lock", &e) < 0 && exists("lock"),
	   "a path-like digest removes nothing");
	ok(store_layer_remove(&S, layer_d, &e) == 0 && !store_layer_exists(&S, layer_d),
	   "store_layer_remove");
	ok(count_entries("layers") == 0 && count_entries("tmp") == 0, "nothing left of it");
	ok(store_layer_remove(&S, layer_d, &e) == 0, "removing it again is fine");
}

/* An image with one layer; its manifest digest in md, the layer's in ld. */
static void put_image(const char *content, char md[DIGEST_SIZE], char ld[DIGEST_SIZE])
{
	struct error e;
	char cd[DIGEST_SIZE], man[1024], cfg[256];
	store_blob_put(&S, content, strlen(content), ld, &e);
	snprintf(cfg, sizeof cfg, "{\"os\":\"linux\",\"rootfs\":{\"diff_ids\":[\"%s\"]}}", ld);
	store_blob_put(&S, cfg, strlen(cfg), cd, &e);
	snprintf(man, sizeof man,
		 "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" MT_OCI_CONFIG
		 "\",\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":\"" MT_OCI_LAYER
		 "\",\"digest\":\"%s\",\"size\":%zu}]}",
		 cd, strlen(cfg), ld, strlen(content));
	store_blob_put(&S, man, strlen(man), md, &e);
}

static void test_in_use(void)
{
	struct error e = {0};
	char m1[DIGEST_SIZE], l1[DIGEST_SIZE];
	json_t *deleted = json_array();
	int64_t bytes = 0;
	ok(store_gc(&S, NULL, deleted, &bytes, &e) == 0 && count_entries("blobs/sha256") == 0,
	   "prune of a store with no names empties blobs/");
	json_array_clear(deleted);
	put_image("layer one", m1, l1);
	const char *tar[] = {"f", "1"};
	char tar_d[DIGEST_SIZE];
	/* store_layer_unpack takes the name it is given: its caller verifies the stream. */
	int fd = make_tar(tar, 1, tar_d, NULL);
	ok(store_layer_unpack(&S, l1, fd, NULL, &e) == 0, "an image with its layer unpacked");
	close(fd);
	char line[100];
	snprintf(line, sizeof line, "%s\n", m1);
	ok(mkdirat(S.dirfd, "containers/a", 0700) == 0 && mkfile("containers/a/image", line) == 0 &&
	       mkdirat(S.dirfd, "containers/b", 0700) == 0 &&
	       mkdirat(S.dirfd, "containers/c", 0700) == 0 &&
	       mkfile("containers/c/image", line) == 0,
	   "two containers use it (and it has no name), one uses nothing");
	char **v = NULL;
	ok(store_images_in_use(&S, &v, &e) == 0 && strv_len(v) == 1 && strcmp(v[0], m1) == 0,
	   "store_images_in_use: the one manifest");
	strv_free(v);
	ok(store_gc(&S, NULL, deleted, &bytes, &e) == 0 && json_array_size(deleted) == 0,
	   "prune removes nothing of it");
	ok(store_layer_exists(&S, l1) && store_blob_exists(&S, m1),
	   "  its layer and manifest stay");

	ok(mkfile("containers/b/image", "") == 0 && store_images_in_use(&S, &v, &e) == 0 &&
	       strv_len(v) == 1,
	   "an empty image file (killed before it was written) uses nothing");
	strv_free(v);
	ok(mkfile("containers/b/image", "../../etc/passwd\n") == 0, "a garbage image file");
	v = NULL;
	ok(store_images_in_use(&S, &v, &e) < 0 && v == NULL, "is an error, not 'nothing'");
	contains(e.msg, "containers/b/image", "  naming the file");
	unlinkat(S.dirfd, "containers/a/image", 0);
	unlinkat(S.dirfd, "containers/c/image", 0);
	ok(store_gc(&S, NULL, deleted, &bytes, &e) < 0 && json_array_size(deleted) == 0,
	   "prune refuses to guess: it fails and removes nothing");
	ok(store_layer_exists(&S, l1), "  the layer stays");
	unlinkat(S.dirfd, "containers/b/image", 0);
	ok(mkfile("containers/a/image", line) == 0, "a container uses it again");
	store_blob_remove(&S, m1, &e);
	ok(store_gc(&S, NULL, deleted, &bytes, &e) < 0 && store_layer_exists(&S, l1),
	   "a used image whose manifest is gone: prune fails, the layer stays");
	contains(e.msg, "used by a container", "  saying why");
	remove_tree_at(S.dirfd, "containers/a", &e);
	remove_tree_at(S.dirfd, "containers/b", &e);
	remove_tree_at(S.dirfd, "containers/c", &e);
	ok(store_gc(&S, NULL, deleted, &bytes, &e) == 0 && !store_layer_exists(&S, l1) &&
	       !store_blob_exists(&S, l1),
	   "no container left: prune removes the layer and its blob");
	ok(count_entries("tmp") == 0 && count_entries("layers") == 0, "  leaving nothing in tmp/");
	json_decref(deleted);
}

static void test_fsck(void)
{
	struct error e = {0};
	char m1[DIGEST_SIZE], l1[DIGEST_SIZE];
	put_image("good layer", m1, l1);
	ok(store_tag(&S, "good", m1, &e) == 0, "a named image");
	char name[200];
	snprintf(name, sizeof name, "blobs/sha256/%s", digest_hex(l1));
	ok(mkfile(name, "tampered") == 0, "its layer blob corrupted");
	ok(mkdirat(S.dirfd, "tmp/layer-dead", 0700) == 0, "debris in tmp/");
	char whole_d[DIGEST_SIZE], part_d[DIGEST_SIZE], whole[200], part[200];
	digest_buf("whole", 5, whole_d, &e);
	digest_buf("partial", 7, part_d, &e);
	snprintf(whole, sizeof whole, "tmp/%s.partial", digest_hex(whole_d));
	snprintf(part, sizeof part, "tmp/%s.partial", digest_hex(part_d));
	ok(mkfile(whole, "whole") == 0 && mkfile(part, "par") == 0,
	   "two partial downloads, one of them complete");
	json_t *p = json_array();
	ok(store_fsck(&S, false, p, &e) == 0, "fsck");
	char want[300];
	snprintf(want, sizeof want, "blob %s: corrupt (its content has digest ", l1);
	bool found = false;
	for (size_t i = 0; i < json_array_size(p); i++)
		found |= strstr(json_string_value(json_array_get(p, i)), want) != NULL;
	ok(found, "reports the corrupt blob");
	ok(store_blob_exists(&S, l1), "  keeps it without repair");
	ok(count_entries("tmp") == 2 && exists(whole) && exists(part),
	   "  sweeps the debris, keeps the partials for a resume");
	json_decref(p);
	p = json_array();
	ok(store_fsck(&S, true, p, &e) == 0 && !store_blob_exists(&S, l1), "--repair removes it");
	ok(store_blob_exists(&S, whole_d) && !store_blob_exists(&S, part_d) &&
	       count_entries("tmp") == 0,
	   "  finishes the complete partial and removes the other");
	json_decref(p);
}

int main(void)
{
	char root[] = "/tmp/test-store-gc-XXXXXX";
	if (mkdtemp(root) == NULL)
		return 2;
	char *sub = path_join(root, "store");
	struct error e = {0};
	ok(store_open(&S, sub, &e) == 0, "open a new store: %s", e.msg);
	test_unpack();
	test_gc();
	test_remove();
	test_in_use();
	test_fsck();
	store_close(&S);
	remove_tree_at(AT_FDCWD, root, &e);
	free(sub);
	return tap_done();
}
