/* images/image.h: OCI and Docker manifests, hostile ones refused with the JSON path of what is
 * wrong, image configs, and the choice of a platform from an index. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "images/image.h"
#include "images/store.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "tests/unit/tap.h"

#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"
#define H3 "3333333333333333333333333333333333333333333333333333333333333333"
#define H4 "4444444444444444444444444444444444444444444444444444444444444444"

static const char oci_manifest[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\","
    "\"config\":{\"mediaType\":\"" MT_OCI_CONFIG "\",\"digest\":\"sha256:" H1 "\",\"size\":100},"
    "\"layers\":["
    "{\"mediaType\":\"" MT_OCI_LAYER_GZIP "\",\"digest\":\"sha256:" H2 "\",\"size\":1000},"
    "{\"mediaType\":\"" MT_OCI_LAYER_ZSTD "\",\"digest\":\"sha256:" H3 "\",\"size\":20},"
    "{\"mediaType\":\"" MT_OCI_LAYER "\",\"digest\":\"sha256:" H4 "\",\"size\":3}],"
    "\"annotations\":{\"org.opencontainers.image.ref.name\":\"x\"}}";

static const char docker_manifest[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_MANIFEST "\","
    "\"config\":{\"mediaType\":\"" MT_DOCKER_CONFIG "\",\"size\":7,\"digest\":\"sha256:" H1 "\"},"
    "\"layers\":[{\"mediaType\":\"" MT_DOCKER_LAYER "\",\"size\":5,\"digest\":\"sha256:" H2 "\"}]}";

static void test_good(void)
{
	struct error e = {0};
	struct image img;
	char want[DIGEST_SIZE];
	digest_buf(oci_manifest, strlen(oci_manifest), want, &e);
	ok(image_manifest_parse(oci_manifest, strlen(oci_manifest), &img, &e) == 0,
	   "an OCI manifest parses: %s", e.msg);
	is_str(img.digest, want, "its digest is computed from the bytes");
	is_str(img.media_type, MT_OCI_MANIFEST, "media type");
	is_str(img.config_digest, "sha256:" H1, "config digest");
	ok(img.n_layers == 3, "three layers");
	if (img.n_layers == 3) {
		is_str(img.layers[0].digest, "sha256:" H2, "bottom layer first");
		is_str(img.layers[1].media_type, MT_OCI_LAYER_ZSTD, "zstd layer");
		ok(img.layers[2].size == 3, "layer size");
	}
	ok(img.size == 1123, "size: config and layers");
	ok(img.config == NULL, "no config until it is loaded");
	image_free(&img);

	ok(image_manifest_parse(docker_manifest, strlen(docker_manifest), &img, &e) == 0,
	   "a Docker schema2 manifest parses: %s", e.msg);
	is_str(img.media_type, MT_DOCKER_MANIFEST, "its media type");
	ok(img.n_layers == 1 && img.size == 12, "one layer, size 12");
	image_free(&img);

	/* OCI allows the manifest's mediaType to be absent. */
	const char *bare = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" MT_OCI_CONFIG
			   "\",\"digest\":\"sha256:" H1 "\",\"size\":1},\"layers\":[]}";
	ok(image_manifest_parse(bare, strlen(bare), &img, &e) == 0 &&
	       strcmp(img.media_type, MT_OCI_MANIFEST) == 0 && img.n_layers == 0,
	   "no mediaType, no layers: an OCI manifest");
	image_free(&img);
}

/* The manifest with one substitution: the first "from" replaced by "to". */
static char *variant(const char *from, const char *to)
{
	const char *p = strstr(oci_manifest, from);
	if (p == NULL)
		abort();
	size_t a = (size_t)(p - oci_manifest);
	char *out = malloc(sizeof oci_manifest + strlen(to));
	memcpy(out, oci_manifest, a);
	strcpy(out + a, to);
	strcat(out, p + strlen(from));
	return out;
}

static void refused(const char *from, const char *to, const char *want, const char *what)
{
	struct error e = {0};
	struct image img;
	char *m = variant(from, to);
	int r = image_manifest_parse(m, strlen(m), &img, &e);
	ok(r < 0 && e.err != 0, "refused: %s", what);
	contains(e.msg, want, "  with: %s", want);
	free(m);
}

static void test_hostile(void)
{
	refused("sha256:" H4, "sha256:xyz", "manifest: layers[2].digest: \"sha256:xyz\" is not",
		"a short digest");
	refused("sha256:" H3, "sha256:../../../../etc/passwd" H3,
		"manifest: layers[1].digest: \"sha256:../../../../etc/passwd",
		"a path-like digest");
	refused("sha256:" H2, "SHA256:" H2,
		"manifest: layers[0].digest:", "an upper-case algorithm");
	refused("sha256:" H2, "sha512:" H2,
		"manifest: layers[0].digest: digest algorithm \"sha512\"", "sha512");
	refused("\"digest\":\"sha256:" H1 "\",", "", "manifest: config.digest: is required",
		"a config without a digest");
	refused("\"digest\":\"sha256:" H1 "\"", "\"digest\":42",
		"manifest: config.digest: expected a string", "a digest that is a number");
	refused("\"size\":1000", "\"size\":\"1000\"",
		"manifest: layers[0].size: expected an integer", "a size that is a string");
	refused("\"size\":20", "\"size\":-20", "manifest: layers[1].size: -20 is out of range",
		"a negative size");
	refused("\"size\":20", "\"size\":9223372036854775807",
		"manifest: layers[1]: sizes add up to more than 2^63", "sizes that overflow");
	refused("\"layers\":[", "\"layerz\":[", "manifest: layers: is required", "no layers");
	refused("{\"mediaType\":\"" MT_OCI_LAYER "\",", "{",
		"manifest: layers[2].mediaType: is required", "a layer without a media type");
	refused(MT_OCI_LAYER_ZSTD, "application/x-evil",
		"manifest: layers[1].mediaType: unsupported", "an unknown layer media type");
	refused(MT_OCI_CONFIG, "application/vnd.cncf.helm.config.v1+json",
		"manifest: config.mediaType: unsupported config media type", "a helm chart");
	refused("\"schemaVersion\":2", "\"schemaVersion\":1",
		"manifest: schemaVersion: 1 is not supported", "schema 1");
	refused("\"mediaType\":\"" MT_OCI_MANIFEST "\"", "\"mediaType\":\"" MT_OCI_INDEX "\"",
		"manifest: mediaType: " MT_OCI_INDEX " is an index",
		"an index given as a manifest");
	refused("\"layers\":[{", "\"layers\":[7,{", "manifest: layers[0]: expected an object",
		"a layer that is a number");
	refused("\"config\":{", "\"config\":[{", "manifest: line", "broken JSON");
	refused("{\"schemaVersion\":2,", "{\"schemaVersion\":2,\"schemaVersion\":2,", "duplicate",
		"a duplicate key");

	/* 501 layers: more than overlayfs can stack. */
	size_t cap = 600 * 200 + 1000;
	char *m = malloc(cap);
	int n = snprintf(m, cap,
			 "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" MT_OCI_CONFIG
			 "\",\"digest\":\"sha256:" H1 "\",\"size\":1},\"layers\":[");
	for (int i = 0; i < 501; i++)
		n += snprintf(m + n, cap - (size_t)n,
			      "%s{\"mediaType\":\"" MT_OCI_LAYER "\",\"digest\":\"sha256:" H2
			      "\",\"size\":1}",
			      i ? "," : "");
	n += snprintf(m + n, cap - (size_t)n, "]}");
	struct error e = {0};
	struct image img;
	ok(image_manifest_parse(m, (size_t)n, &img, &e) < 0, "501 layers are refused");
	contains(e.msg, "manifest: layers: 501 layers, more than the 500 allowed",
		 "  naming the count");
	free(m);
}

static void test_config(void)
{
	struct error e = {0};
	struct image img;
	ok(image_manifest_parse(docker_manifest, strlen(docker_manifest), &img, &e) == 0,
	   "a manifest");
	const char *cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\","
			  "\"created\":\"2024-01-02T03:04:05Z\",\"config\":{\"Cmd\":[\"sh\"]},"
			  "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" H3 "\"]}}";
	img.config_digest[0] = '\0'; /* these bytes are not the manifest's config */
	ok(image_config_parse(&img, cfg, strlen(cfg), &e) == 0, "a config parses: %s", e.msg);
	is_str(img.os, "linux", "os");
	is_str(img.arch, "amd64", "architecture");
	is_str(img.created, "2024-01-02T03:04:05Z", "created");
	ok(json_is_object(json_object_get(img.config, "config")), "the config document is kept");

	const char *two =
	    "{\"os\":\"linux\",\"rootfs\":{\"diff_ids\":[\"sha256:" H3 "\",\"sha256:" H4 "\"]}}";
	ok(image_config_parse(&img, two, strlen(two), &e) < 0, "two diff_ids for one layer");
	contains(e.msg, "config: rootfs.diff_ids: 2 entries for the manifest's 1 layers",
		 "  said so");
	const char *bad = "{\"rootfs\":{\"diff_ids\":[\"sha256:nope\"]}}";
	ok(image_config_parse(&img, bad, strlen(bad), &e) < 0, "a bad diff_id");
	contains(e.msg, "config: rootfs.diff_ids[0]: \"sha256:nope\" is not", "  named by path");
	const char *os = "{\"os\":7}";
	ok(image_config_parse(&img, os, strlen(os), &e) < 0, "os that is a number");
	contains(e.msg, "config: os: expected a string", "  named by path");
	is_str(img.os, "linux", "a failed parse leaves the earlier fields");

	snprintf(img.config_digest, DIGEST_SIZE, "sha256:%s", H1);
	ok(image_config_parse(&img, cfg, strlen(cfg), &e) < 0, "config bytes with another digest");
	contains(e.msg, "digest mismatch: expected sha256:" H1, "  are refused");
	image_free(&img);
}

static const char index_doc[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX "\",\"manifests\":["
    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"sha256:" H1 "\",\"size\":1,"
    "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"sha256:" H2 "\",\"size\":1,"
    "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"sha256:" H3 "\",\"size\":1,"
    "\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}}]}";

static void test_index(void)
{
	struct error e = {0};
	char d[DIGEST_SIZE];
	char *mt = NULL;
	ok(image_index_pick(index_doc, strlen(index_doc), "linux/arm64", d, &mt, &e) == 0,
	   "linux/arm64 picked: %s", e.msg);
	is_str(d, "sha256:" H2, "  the arm64/v8 manifest");
	is_str(mt, MT_OCI_MANIFEST, "  with its media type");
	free(mt);
	ok(image_index_pick(index_doc, strlen(index_doc), "linux/amd64", d, NULL, &e) == 0 &&
	       strcmp(d, "sha256:" H1) == 0,
	   "linux/amd64 picked");
	ok(image_index_pick(index_doc, strlen(index_doc), "linux/arm64/v8", d, NULL, &e) == 0 &&
	       strcmp(d, "sha256:" H2) == 0,
	   "linux/arm64/v8 picked");
	const char *host = image_host_platform();
	ok(host && strncmp(host, "linux/", 6) == 0, "the host platform is linux/...: %s", host);
	int r = image_index_pick(index_doc, strlen(index_doc), NULL, d, NULL, &e);
	if (strcmp(host, "linux/amd64") == 0)
		ok(r == 0 && strcmp(d, "sha256:" H1) == 0, "NULL picks the host's (amd64)");
	else if (strcmp(host, "linux/arm64") == 0)
		ok(r == 0 && strcmp(d, "sha256:" H2) == 0, "NULL picks the host's (arm64)");
	else
		ok(r < 0, "NULL picks the host's (none here)");

	ok(image_index_pick(index_doc, strlen(index_doc), "linux/s390x", d, NULL, &e) < 0 &&
	       e.err == ENOENT,
	   "no match: ENOENT");
	contains(e.msg,
		 "no manifest for linux/s390x in the index (it has linux/amd64, linux/arm64/v8)",
		 "  listing what there is, not the attestation");
	ok(image_index_pick(index_doc, strlen(index_doc), "linux/arm64/v7", d, NULL, &e) < 0,
	   "a wrong variant does not match");
	ok(image_index_pick(index_doc, strlen(index_doc), "linux", d, NULL, &e) < 0 &&
	       e.err == EINVAL,
	   "a platform without an architecture is refused");
	contains(e.msg, "expected os/arch[/variant]", "  saying the form");

	const char *bad = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" MT_OCI_MANIFEST
			  "\",\"digest\":\"sha256:/etc/passwd\",\"size\":1}]}";
	ok(image_index_pick(bad, strlen(bad), "linux/amd64", d, NULL, &e) < 0,
	   "a bad digest in an index");
	contains(e.msg, "index: manifests[0].digest:", "  named by path");
	struct image img;
	ok(image_manifest_parse(index_doc, strlen(index_doc), &img, &e) < 0,
	   "an index is not a manifest");
	ok(image_is_index(MT_OCI_INDEX) && image_is_index(MT_DOCKER_LIST) &&
	       !image_is_index(MT_OCI_MANIFEST),
	   "image_is_index");
}

static void test_load(void)
{
	char root[] = "/tmp/test-image-XXXXXX";
	if (mkdtemp(root) == NULL)
		abort();
	struct store s;
	struct error e = {0};
	ok(store_open(&s, root, &e) == 0, "a store");
	const char *cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
			  "\"layers\",\"diff_ids\":[]}}";
	char cd[DIGEST_SIZE], md[DIGEST_SIZE];
	store_blob_put(&s, cfg, strlen(cfg), cd, &e);
	char man[1024];
	snprintf(man, sizeof man,
		 "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" MT_OCI_CONFIG
		 "\",\"digest\":\"%s\",\"size\":%zu},\"layers\":[]}",
		 cd, strlen(cfg));
	ok(store_blob_put(&s, man, strlen(man), md, &e) == 0, "manifest and config in the store");
	struct image img;
	ok(image_load(&s, md, &img, &e) == 0, "image_load: %s", e.msg);
	is_str(img.digest, md, "  the manifest digest");
	is_str(img.os, "linux", "  the config is loaded");
	image_free(&img);
	char name[200];
	snprintf(name, sizeof name, "blobs/sha256/%s", digest_hex(cd));
	int fd = openat(s.dirfd, name, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ok(fd >= 0 && write(fd, "{}", 2) == 2, "corrupt the config blob");
	close(fd);
	ok(image_load(&s, md, &img, &e) < 0, "image_load refuses the image");
	contains(e.msg, "is corrupt", "  saying the blob is corrupt");
	store_close(&s);
	remove_tree_at(AT_FDCWD, root, &e);
}

int main(void)
{
	test_good();
	test_hostile();
	test_config();
	test_index();
	test_load();
	return tap_done();
}
