/* Manifests, image configs and indexes, read with the JSON path of every value, so that a bad or
 * hostile document is refused with a line that names what is wrong. Every digest is checked for
 * syntax here, before anything uses it as a file name. */
#include "images/image.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "images/store.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json_get.h"

/* Well above any real image, at the kernel's overlayfs limit (OVL_MAX_STACK), so that a hostile
 * manifest cannot make berth allocate or unpack without bound. */
#define IMAGE_MAX_LAYERS    500
#define IMAGE_MAX_MANIFESTS 1024
#define MANIFEST_MAX_BYTES  (4 << 20)
#define CONFIG_MAX_BYTES    (16 << 20)

static void json_decref_p(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(json_decref_p)))

static const char *const layer_types[] = {
    MT_OCI_LAYER,
    MT_OCI_LAYER_GZIP,
    MT_OCI_LAYER_ZSTD,
    MT_DOCKER_LAYER,
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
};

static bool one_of(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

int image_is_index(const char *media_type)
{
	return media_type &&
	       (strcmp(media_type, MT_OCI_INDEX) == 0 || strcmp(media_type, MT_DOCKER_LIST) == 0);
}

/* A descriptor's digest, checked, copied into out. */
static int get_digest(const struct jdoc *c, json_t *obj, const char *prefix, char out[DIGEST_SIZE])
{
	_cleanup_free_ char *d = NULL;
	int r = jget_require(c, jget_string(c, obj, prefix, "digest", &d), prefix, "digest");
	if (r < 0)
		return -1;
	char p[JGET_PATH_MAX], what[JGET_PATH_MAX + 64];
	jget_path_key(p, prefix, "digest");
	snprintf(what, sizeof what, "%s: %s", c->doc, p);
	if (digest_check(d, what, c->err) < 0)
		return -1;
	memcpy(out, d, DIGEST_SIZE);
	return 0;
}

static int get_size(const struct jdoc *c, json_t *obj, const char *prefix, int64_t *out)
{
	return jget_require(c, jget_int(c, obj, prefix, "size", 0, INT64_MAX, out), prefix, "size");
}

static int check_schema(const struct jdoc *c, json_t *root)
{
	int64_t v;
	int r = jget_require(c, jget_int(c, root, "", "schemaVersion", INT64_MIN, INT64_MAX, &v),
			     "", "schemaVersion");
	if (r < 0)
		return -1;
	if (v != 2)
		return jget_err(c, "schemaVersion", "%" PRId64 " is not supported (only 2)", v);
	return 0;
}

static int parse_layers(const struct jdoc *c, json_t *root, struct image *img)
{
	json_t *arr;
	if (jget_require(c, jget_array(c, root, "", "layers", &arr), "", "layers") < 0)
		return -1;
	size_t n = json_array_size(arr);
	if (n > IMAGE_MAX_LAYERS)
		return jget_err(c, "layers", "%zu layers, more than the %d allowed", n,
				IMAGE_MAX_LAYERS);
	img->layers = calloc(n ? n : 1, sizeof *img->layers);
	if (img->layers == NULL)
		return jget_nomem(c, "layers");
	for (size_t i = 0; i < n; i++) {
		char p[JGET_PATH_MAX];
		json_t *l;
		struct image_layer *L = &img->layers[i];
		img->n_layers = i + 1;
		if (jget_array_object(c, arr, "layers", i, p, &l) < 0 ||
		    jget_require(c, jget_string(c, l, p, "mediaType", &L->media_type), p,
				 "mediaType") < 0 ||
		    get_digest(c, l, p, L->digest) < 0 || get_size(c, l, p, &L->size) < 0)
			return -1;
		if (!one_of(L->media_type, layer_types, ARRAY_SIZE(layer_types))) {
			char q[JGET_PATH_MAX];
			jget_path_key(q, p, "mediaType");
			return jget_err(c, q, "unsupported layer media type \"%.100s\"",
					L->media_type);
		}
		if (L->size > INT64_MAX - img->size)
			return jget_err(c, p, "sizes add up to more than 2^63");
		img->size += L->size;
	}
	return 0;
}

static int manifest_fields(const struct jdoc *c, json_t *root, struct image *img)
{
	if (!json_is_object(root))
		return jget_err(c, "", "expected an object");
	if (check_schema(c, root) < 0)
		return -1;
	_cleanup_free_ char *mt = NULL;
	if (jget_string(c, root, "", "mediaType", &mt) < 0)
		return -1;
	if (mt == NULL && json_object_get(root, "manifests"))
		return jget_err(c, "manifests", "an index of manifests, not a manifest");
	if (mt && image_is_index(mt))
		return jget_err(c, "mediaType", "%s is an index of manifests, not a manifest", mt);
	if (mt && strcmp(mt, MT_OCI_MANIFEST) != 0 && strcmp(mt, MT_DOCKER_MANIFEST) != 0)
		return jget_err(c, "mediaType", "unsupported manifest media type \"%.100s\"", mt);
	img->media_type = strdup(mt ? mt : MT_OCI_MANIFEST);
	if (img->media_type == NULL)
		return jget_nomem(c, "mediaType");
	json_t *cfg;
	_cleanup_free_ char *cfg_mt = NULL;
	int64_t cfg_size;
	if (jget_require(c, jget_object(c, root, "", "config", &cfg), "", "config") < 0 ||
	    jget_require(c, jget_string(c, cfg, "config", "mediaType", &cfg_mt), "config",
			 "mediaType") < 0 ||
	    get_digest(c, cfg, "config", img->config_digest) < 0 ||
	    get_size(c, cfg, "config", &cfg_size) < 0)
		return -1;
	if (strcmp(cfg_mt, MT_OCI_CONFIG) != 0 && strcmp(cfg_mt, MT_DOCKER_CONFIG) != 0)
		return jget_err(c, "config.mediaType",
				"unsupported config media type \"%.100s\" (not a container image)",
				cfg_mt);
	img->size = cfg_size;
	return parse_layers(c, root, img);
}

int image_manifest_parse(const char *buf, size_t len, struct image *img, struct error *err)
{
	*img = (struct image){0};
	if (len > MANIFEST_MAX_BYTES)
		return error_set(err, EFBIG, "manifest: %zu bytes, more than the %d allowed", len,
				 MANIFEST_MAX_BYTES);
	struct jdoc c = {.doc = "manifest", .err = err};
	_cleanup_json_ json_t *root = jget_loadb(buf, len, "manifest", err);
	if (root == NULL)
		return -1;
	if (manifest_fields(&c, root, img) < 0 || digest_buf(buf, len, img->digest, err) < 0) {
		image_free(img);
		return -1;
	}
	return 0;
}

/* A string member that must be a string when present. */
static int opt_string(const struct jdoc *c, json_t *obj, const char *key, char **out)
{
	return jget_string(c, obj, "", key, out) < 0 ? -1 : 0;
}

int image_config_parse(struct image *img, const char *buf, size_t len, struct error *err)
{
	if (len > CONFIG_MAX_BYTES)
		return error_set(err, EFBIG, "config: %zu bytes, more than the %d allowed", len,
				 CONFIG_MAX_BYTES);
	if (img->config_digest[0]) {
		char d[DIGEST_SIZE];
		if (digest_buf(buf, len, d, err) < 0)
			return -1;
		if (strcmp(d, img->config_digest) != 0)
			return error_set(err, EILSEQ,
					 "config: digest mismatch: expected %s, got %s",
					 img->config_digest, d);
	}
	struct jdoc c = {.doc = "config", .err = err};
	_cleanup_json_ json_t *root = jget_loadb(buf, len, "config", err);
	if (root == NULL)
		return -1;
	if (!json_is_object(root))
		return jget_err(&c, "", "expected an object");
	char *os = NULL, *arch = NULL, *variant = NULL, *created = NULL;
	json_t *rootfs = NULL, *diff_ids = NULL, *conf = NULL;
	int r = -1;
	if (opt_string(&c, root, "os", &os) < 0 ||
	    opt_string(&c, root, "architecture", &arch) < 0 ||
	    opt_string(&c, root, "variant", &variant) < 0 ||
	    opt_string(&c, root, "created", &created) < 0 ||
	    jget_object(&c, root, "", "config", &conf) < 0 ||
	    jget_object(&c, root, "", "rootfs", &rootfs) < 0 ||
	    (rootfs && jget_array(&c, rootfs, "rootfs", "diff_ids", &diff_ids) < 0))
		goto out;
	if (diff_ids) {
		size_t n = json_array_size(diff_ids);
		if (img->layers && n != img->n_layers) {
			jget_err(&c, "rootfs.diff_ids", "%zu entries for the manifest's %zu layers",
				 n, img->n_layers);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			char p[JGET_PATH_MAX], what[JGET_PATH_MAX + 16];
			jget_path_idx(p, "rootfs.diff_ids", i);
			snprintf(what, sizeof what, "config: %s", p);
			if (digest_check(json_string_value(json_array_get(diff_ids, i)), what,
					 err) < 0)
				goto out;
		}
	}
	json_decref(img->config);
	img->config = json_incref(root);
	free(img->os), free(img->arch), free(img->variant), free(img->created);
	img->os = os, img->arch = arch, img->variant = variant, img->created = created;
	os = arch = variant = created = NULL;
	r = 0;
out:
	free(os), free(arch), free(variant), free(created);
	return r;
}

int image_load(struct store *s, const char *manifest_digest, struct image *img, struct error *err)
{
	*img = (struct image){0};
	_cleanup_free_ char *m = NULL, *cfg = NULL;
	size_t mlen, clen;
	if (store_blob_read(s, manifest_digest, MANIFEST_MAX_BYTES, &m, &mlen, err) < 0 ||
	    image_manifest_parse(m, mlen, img, err) < 0)
		return error_prefix(err, "image %s", manifest_digest);
	if (store_blob_read(s, img->config_digest, CONFIG_MAX_BYTES, &cfg, &clen, err) < 0 ||
	    image_config_parse(img, cfg, clen, err) < 0) {
		image_free(img);
		return error_prefix(err, "image %s", manifest_digest);
	}
	return 0;
}

void image_free(struct image *img)
{
	if (img == NULL)
		return;
	for (size_t i = 0; i < img->n_layers; i++)
		free(img->layers[i].media_type);
	free(img->layers);
	free(img->media_type);
	json_decref(img->config);
	free(img->created);
	free(img->os);
	free(img->arch);
	free(img->variant);
	*img = (struct image){0};
}

const char *image_host_platform(void)
{
#if defined(__x86_64__)
	return "linux/amd64";
#elif defined(__aarch64__)
	return "linux/arm64";
#elif defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7
	return "linux/arm/v7";
#elif defined(__arm__)
	return "linux/arm/v6";
#elif defined(__i386__)
	return "linux/386";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "linux/ppc64le";
#elif defined(__s390x__)
	return "linux/s390x";
#elif defined(__riscv) && __riscv_xlen == 64
	return "linux/riscv64";
#elif defined(__loongarch64)
	return "linux/loong64";
#elif defined(__mips64) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "linux/mips64le";
#else
	return "linux/unknown";
#endif
}

struct platform {
	char os[64], arch[64], variant[64];
};

static int platform_parse(const char *s, struct platform *p, struct error *err)
{
	*p = (struct platform){0};
	const char *a = strchr(s, '/');
	const char *v = a ? strchr(a + 1, '/') : NULL;
	size_t los = a ? (size_t)(a - s) : 0;
	size_t larch = a ? (v ? (size_t)(v - a - 1) : strlen(a + 1)) : 0;
	size_t lvar = v ? strlen(v + 1) : 0;
	if (a == NULL || los == 0 || larch == 0 || (v && lvar == 0) || los >= sizeof p->os ||
	    larch >= sizeof p->arch || lvar >= sizeof p->variant || (v && strchr(v + 1, '/')))
		return error_set(err, EINVAL, "platform \"%.80s\": expected os/arch[/variant]", s);
	memcpy(p->os, s, los);
	memcpy(p->arch, a + 1, larch);
	if (v)
		memcpy(p->variant, v + 1, lvar);
	return 0;
}

/* arm64's only variant is v8, and images name it or not. */
static bool variant_eq(const char *arch, const char *a, const char *b)
{
	if (strcmp(arch, "arm64") == 0) {
		a = *a ? a : "v8";
		b = *b ? b : "v8";
	}
	return strcmp(a, b) == 0;
}

/* A manifest entry's platform ("" members when absent). */
static int entry_platform(const struct jdoc *c, json_t *e, const char *p, struct platform *pl)
{
	*pl = (struct platform){0};
	json_t *o = NULL;
	char q[JGET_PATH_MAX];
	jget_path_key(q, p, "platform");
	int r = jget_object(c, e, p, "platform", &o);
	if (r <= 0)
		return r;
	const char *keys[] = {"os", "architecture", "variant"};
	char *dst[] = {pl->os, pl->arch, pl->variant};
	for (size_t k = 0; k < 3; k++) {
		_cleanup_free_ char *v = NULL;
		if (jget_string(c, o, q, keys[k], &v) < 0)
			return -1;
		snprintf(dst[k], 64, "%s", v ? v : "");
	}
	return 0;
}

int image_index_pick(const char *buf, size_t len, const char *platform, char digest[DIGEST_SIZE],
		     char **media_type, struct error *err)
{
	struct platform want;
	if (platform_parse(platform ? platform : image_host_platform(), &want, err) < 0)
		return -1;
	struct jdoc c = {.doc = "index", .err = err};
	_cleanup_json_ json_t *root = jget_loadb(buf, len, "index", err);
	if (root == NULL)
		return -1;
	if (!json_is_object(root))
		return jget_err(&c, "", "expected an object");
	_cleanup_free_ char *mt = NULL;
	json_t *arr;
	if (check_schema(&c, root) < 0 || jget_string(&c, root, "", "mediaType", &mt) < 0)
		return -1;
	if (mt && !image_is_index(mt))
		return jget_err(&c, "mediaType", "\"%.100s\" is not an index or a manifest list",
				mt);
	if (jget_require(&c, jget_array(&c, root, "", "manifests", &arr), "", "manifests") < 0)
		return -1;
	size_t n = json_array_size(arr);
	if (n > IMAGE_MAX_MANIFESTS)
		return jget_err(&c, "manifests", "%zu entries, more than the %d allowed", n,
				IMAGE_MAX_MANIFESTS);
	char have[512] = "";
	size_t hl = 0;
	for (size_t i = 0; i < n; i++) {
		char p[JGET_PATH_MAX], d[DIGEST_SIZE];
		json_t *e;
		_cleanup_free_ char *emt = NULL;
		struct platform pl;
		if (jget_array_object(&c, arr, "manifests", i, p, &e) < 0 ||
		    jget_require(&c, jget_string(&c, e, p, "mediaType", &emt), p, "mediaType") <
			0 ||
		    get_digest(&c, e, p, d) < 0 || entry_platform(&c, e, p, &pl) < 0)
			return -1;
		/* Attestations and other artifacts carry no platform or "unknown". */
		if (strcmp(emt, MT_OCI_MANIFEST) != 0 && strcmp(emt, MT_DOCKER_MANIFEST) != 0)
			continue;
		if (!pl.os[0] || !pl.arch[0] || strcmp(pl.os, "unknown") == 0)
			continue;
		if (strcmp(pl.os, want.os) == 0 && strcmp(pl.arch, want.arch) == 0 &&
		    (!want.variant[0] || variant_eq(want.arch, pl.variant, want.variant))) {
			memcpy(digest, d, DIGEST_SIZE);
			if (media_type && (*media_type = strdup(emt)) == NULL)
				return jget_nomem(&c, p);
			return 0;
		}
		if (hl < sizeof have)
			hl += (size_t)snprintf(have + hl, sizeof have - hl, "%s%s/%s%s%s",
					       hl ? ", " : "", pl.os, pl.arch,
					       pl.variant[0] ? "/" : "", pl.variant);
	}
	char w[200];
	snprintf(w, sizeof w, "%s/%s%s%s", want.os, want.arch, want.variant[0] ? "/" : "",
		 want.variant);
	return error_set(err, ENOENT, "no manifest for %s in the index (it has %s)", w,
			 hl ? have : "no image for any platform");
}
