#include "images/digest.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/dl.h"
#include "lib/error.h"

#define CRYPTO_SYMS(X)                                                                             \
	X(EVP_MD_CTX_new)                                                                          \
	X(EVP_MD_CTX_free)                                                                         \
	X(EVP_sha256)                                                                              \
	X(EVP_DigestInit_ex)                                                                       \
	X(EVP_DigestUpdate)                                                                        \
	X(EVP_DigestFinal_ex)

CRYPTO_SYMS(DL_DEFINE)

static int dl_crypto(struct error *err)
{
	static void *handle;
	static const char *const names[] = {CRYPTO_SYMS(DL_NAME)};
	void **slots[] = {CRYPTO_SYMS(DL_SLOT)};
	return dl_load(&handle, "libcrypto.so.3", "libssl3", names, slots,
		       sizeof names / sizeof names[0], err);
}

bool digest_valid(const char *s)
{
	if (s == NULL || strncmp(s, DIGEST_PREFIX, sizeof DIGEST_PREFIX - 1) != 0)
		return false;
	const char *h = digest_hex(s);
	for (int i = 0; i < DIGEST_HEX; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return h[DIGEST_HEX] == '\0';
}

int digest_check(const char *s, const char *what, struct error *err)
{
	if (digest_valid(s))
		return 0;
	const char *colon = s ? strchr(s, ':') : NULL;
	if (colon && strncmp(s, DIGEST_PREFIX, sizeof DIGEST_PREFIX - 1) != 0)
		return error_set(err, ENOTSUP,
				 "%s: digest algorithm \"%.*s\" is not supported (only sha256)",
				 what, (int)(colon - s) > 32 ? 32 : (int)(colon - s), s);
	return error_set(err, EINVAL, "%s: \"%.80s\" is not a sha256 digest", what, s ? s : "");
}

struct digest_ctx {
	EVP_MD_CTX *md;
};

int digest_new(struct digest_ctx **ctx, struct error *err)
{
	if (dl_crypto(err) < 0)
		return -1;
	struct digest_ctx *c = calloc(1, sizeof *c);
	if (c == NULL || (c->md = sym_EVP_MD_CTX_new()) == NULL ||
	    sym_EVP_DigestInit_ex(c->md, sym_EVP_sha256(), NULL) != 1) {
		digest_free(c);
		return error_set(err, ENOMEM, "sha256: cannot set up a digest context");
	}
	*ctx = c;
	return 0;
}

void digest_update(struct digest_ctx *ctx, const void *buf, size_t len)
{
	sym_EVP_DigestUpdate(ctx->md, buf, len);
}

void digest_final(struct digest_ctx *ctx, char out[DIGEST_SIZE])
{
	unsigned char md[32];
	unsigned int n = 0;
	sym_EVP_DigestFinal_ex(ctx->md, md, &n);
	char *p = out + sprintf(out, "%s", DIGEST_PREFIX);
	for (unsigned i = 0; i < 32; i++)
		p += sprintf(p, "%02x", md[i]);
}

void digest_free(struct digest_ctx *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->md)
		sym_EVP_MD_CTX_free(ctx->md);
	free(ctx);
}

int digest_buf(const void *buf, size_t len, char out[DIGEST_SIZE], struct error *err)
{
	struct digest_ctx *c;
	if (digest_new(&c, err) < 0)
		return -1;
	digest_update(c, buf, len);
	digest_final(c, out);
	digest_free(c);
	return 0;
}

int digest_fd(int fd, char out[DIGEST_SIZE], struct error *err)
{
	struct digest_ctx *c;
	if (digest_new(&c, err) < 0)
		return -1;
	char buf[1 << 16]; /* not static: pulls hash on several threads */
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			digest_free(c);
			return error_errno(err, "read");
		}
		if (n == 0)
			break;
		digest_update(c, buf, (size_t)n);
	}
	digest_final(c, out);
	digest_free(c);
	return 0;
}
