/* Content digests as OCI and Docker write them: "sha256:" and 64 lowercase hex digits, computed
 * while the bytes stream (libcrypto, loaded on first use). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct error;

#define DIGEST_PREFIX "sha256:"
#define DIGEST_HEX    64
#define DIGEST_SIZE   (sizeof DIGEST_PREFIX - 1 + DIGEST_HEX + 1) /* with the NUL */

/* True when s is exactly "sha256:" + 64 lowercase hex digits (so it is safe as a file name). */
bool digest_valid(const char *s);
/* Like digest_valid, with an error naming what was given ("WHAT: ..."). Other algorithms
 * (sha512) are refused as unsupported. */
int digest_check(const char *s, const char *what, struct error *err);
/* The 64 hex digits of a valid digest. */
static inline const char *digest_hex(const char *digest)
{
	return digest + sizeof DIGEST_PREFIX - 1;
}

struct digest_ctx;
int digest_new(struct digest_ctx **ctx, struct error *err);
void digest_update(struct digest_ctx *ctx, const void *buf, size_t len);
/* Writes "sha256:HEX" into out. The context can't be updated after. */
void digest_final(struct digest_ctx *ctx, char out[DIGEST_SIZE]);
void digest_free(struct digest_ctx *ctx);
/* One call for bytes in memory. */
int digest_buf(const void *buf, size_t len, char out[DIGEST_SIZE], struct error *err);
/* Reads fd from its current offset to the end. */
int digest_fd(int fd, char out[DIGEST_SIZE], struct error *err);
