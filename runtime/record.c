#include "runtime/record.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fs.h"

#define HEADER	    "berth-record 1\n"
#define HEADER_LEN  (sizeof HEADER - 1)
#define MAX_PAYLOAD 65536

static uint32_t crc32(const char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= (unsigned char)p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

static bool needs_escape(unsigned char ch)
{
	return ch <= 0x20 || ch >= 0x7f || ch == '%';
}

/* Appends s, escaped, to buf (sized by the caller for the worst case, 3 bytes a byte). */
static size_t escape_into(char *buf, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (needs_escape(*p)) {
			buf[n++] = '%';
			buf[n++] = hex[*p >> 4];
			buf[n++] = hex[*p & 15];
		} else {
			buf[n++] = (char)*p;
		}
	}
	return n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Unescapes [s, s+n) into a new string; NULL when an escape is malformed or decodes to NUL. */
static char *unescape(const char *s, size_t n, bool *bad)
{
	char *out = malloc(n + 1);
	if (out == NULL)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		int a = i + 2 < n ? hexval(s[i + 1]) : -1, b = i + 2 < n ? hexval(s[i + 2]) : -1;
		if (a < 0 || b < 0 || (a == 0 && b == 0)) {
			free(out);
			*bad = true;
			return NULL;
		}
		out[o++] = (char)(a << 4 | b);
		i += 2;
	}
	out[o] = '\0';
	return out;
}

static void entry_free(struct record_entry *e)
{
	free(e->kind);
	for (int i = 0; i < e->argc; i++)
		free(e->argv[i]);
	free(e->argv);
}

void record_free(struct record *r)
{
	for (size_t i = 0; i < r->n; i++)
		entry_free(&r->e[i]);
	free(r->e);
	memset(r, 0, sizeof *r);
}

void record_drop_last(struct record *r)
{
	if (r->n > 0)
		entry_free(&r->e[--r->n]);
}

static struct record_entry *grow(struct record *r)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct record_entry *e = realloc(r->e, cap * sizeof *e);
		if (e == NULL)
			return NULL;
		r->e = e;
		r->cap = cap;
	}
	struct record_entry *e = &r->e[r->n];
	memset(e, 0, sizeof *e);
	return e;
}

int record_push(struct record *r, const char *kind, int argc, const char *const *argv)
{
	struct record_entry *e = grow(r);
	if (e == NULL || (e->kind = strdup(kind)) == NULL ||
	    (e->argv = calloc((size_t)argc + 1, sizeof *e->argv)) == NULL) {
		if (e)
			entry_free(e);
		return -1;
	}
	for (int i = 0; i < argc; i++) {
		if ((e->argv[i] = strdup(argv[i])) == NULL) {
			entry_free(e);
			return -1;
		}
		e->argc++;
	}
	r->n++;
	return 0;
}

const struct record_entry *record_last(const struct record *r, const char *kind)
{
	for (size_t i = r->n; i > 0; i--)
		if (strcmp(r->e[i - 1].kind, kind) == 0)
			return &r->e[i - 1];
	return NULL;
}

/* Splits a checked payload into words. 1: parsed; 0: malformed (ends the read); -1: ENOMEM. */
static int parse_payload(struct record *r, const char *p, size_t n)
{
	struct record_entry *e = grow(r);
	if (e == NULL)
		return -1;
	bool bad = false;
	for (size_t i = 0; i <= n;) {
		size_t j = i;
		while (j < n && p[j] != ' ')
			j++;
		if (j == i) {
			/* An empty word: never written, so not a record of ours. */
			entry_free(e);
			return 0;
		}
		char *w = unescape(p + i, j - i, &bad);
		if (w == NULL) {
			entry_free(e);
			return bad ? 0 : -1;
		}
		if (e->kind == NULL) {
			e->kind = w;
		} else {
			char **v = realloc(e->argv, ((size_t)e->argc + 2) * sizeof *v);
			if (v == NULL) {
				free(w);
				entry_free(e);
				return -1;
			}
			e->argv = v;
			e->argv[e->argc++] = w;
			e->argv[e->argc] = NULL;
		}
		i = j + 1;
	}
	if (e->argv == NULL && (e->argv = calloc(1, sizeof *e->argv)) == NULL) {
		entry_free(e);
		return -1;
	}
	r->n++;
	return 1;
}

/* One line at buf (len bytes left): its length including '\n', or 0 when it is not a valid
 * entry. */
static size_t check_line(const char *buf, size_t len, const char **payload, size_t *plen)
{
	if (len < 12)
		return 0;
	uint32_t crc = 0;
	for (int i = 0; i < 8; i++) {
		int v = hexval(buf[i]);
		if (v < 0)
			return 0;
		crc = crc << 4 | (uint32_t)v;
	}
	if (buf[8] != ' ')
		return 0;
	size_t i = 9, n = 0;
	for (; i < len && buf[i] >= '0' && buf[i] <= '9' && i < 9 + 6; i++)
		n = n * 10 + (size_t)(buf[i] - '0');
	if (i == 9 || i >= len || buf[i] != ' ' || n == 0 || n > MAX_PAYLOAD)
		return 0;
	i++;
	if (len - i < n + 1 || buf[i + n] != '\n' || crc32(buf + i, n) != crc)
		return 0;
	*payload = buf + i;
	*plen = n;
	return i + n + 1;
}

int record_parse(const char *buf, size_t len, struct record *r, struct error *err)
{
	memset(r, 0, sizeof *r);
	if (len < HEADER_LEN || memcmp(buf, HEADER, HEADER_LEN) != 0) {
		/* A file that is not even a whole header holds nothing yet. */
		r->torn = len > 0;
		return 0;
	}
	size_t off = HEADER_LEN;
	while (off < len) {
		const char *p;
		size_t n, l = check_line(buf + off, len - off, &p, &n);
		int k = l ? parse_payload(r, p, n) : 0;
		if (k < 0) {
			record_free(r);
			return error_set(err, ENOMEM, "container record");
		}
		if (k == 0) {
			r->torn = true;
			break;
		}
		off += l;
	}
	r->valid_bytes = r->torn ? off : len;
	return 0;
}

int record_read(int dirfd, struct record *r, struct error *err)
{
	memset(r, 0, sizeof *r);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	if (read_file_at(dirfd, RECORD_FILE, &buf, &len, err) < 0)
		return -1;
	return record_parse(buf, len, r, err);
}

void record_writer_init(struct record_writer *w, int dirfd)
{
	memset(w, 0, sizeof *w);
	w->dirfd = dirfd;
	w->fd = -1;
}

int record_add(struct record_writer *w, const char *kind, int argc, const char *const *argv,
	       struct error *err)
{
	if (record_push(&w->mem, kind, argc, argv) < 0)
		return error_set(err, ENOMEM, "container record: %s", kind);
	size_t words = strlen(kind);
	for (int i = 0; i < argc; i++)
		words += 1 + strlen(argv[i]);
	/* CRC, length, escaped words (3 bytes a byte at worst), the newline. */
	size_t need = w->plen + 16 + 3 * words + 2;
	if (need > w->pcap) {
		char *p = realloc(w->pending, need);
		if (p == NULL)
			return error_set(err, ENOMEM, "container record: %s", kind);
		w->pending = p;
		w->pcap = need;
	}
	_cleanup_free_ char *payload = malloc(3 * words + 1);
	if (payload == NULL)
		return error_set(err, ENOMEM, "container record: %s", kind);
	size_t n = escape_into(payload, kind);
	for (int i = 0; i < argc; i++) {
		payload[n++] = ' ';
		n += escape_into(payload + n, argv[i]);
	}
	if (n > MAX_PAYLOAD)
		return error_set(err, E2BIG, "container record: %s: entry too long", kind);
	w->plen += (size_t)sprintf(w->pending + w->plen, "%08x %zu ", crc32(payload, n), n);
	memcpy(w->pending + w->plen, payload, n);
	w->plen += n;
	w->pending[w->plen++] = '\n';
	return 0;
}

int record_flush(struct record_writer *w, struct error *err)
{
	if (w->plen == 0)
		return 0;
	bool first = w->fd < 0;
	if (first) {
		w->fd =
		    openat(w->dirfd, RECORD_FILE,
			   O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (w->fd < 0)
			return error_errno(err, "create the container record");
	}
	size_t len = w->plen + (first ? HEADER_LEN : 0);
	char *buf = w->pending;
	_cleanup_free_ char *joined = NULL;
	if (first) {
		joined = malloc(len);
		if (joined == NULL)
			return error_set(err, ENOMEM, "container record");
		memcpy(joined, HEADER, HEADER_LEN);
		memcpy(joined + HEADER_LEN, w->pending, w->plen);
		buf = joined;
	}
	ssize_t n = write(w->fd, buf, len);
	if (n < 0)
		return error_errno(err, "write the container record");
	if ((size_t)n != len)
		return error_set(err, ENOSPC, "write the container record: short write");
	w->plen = 0;
	return 0;
}

void record_writer_free(struct record_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->pending);
	record_free(&w->mem);
	w->fd = -1;
	w->pending = NULL;
	w->plen = w->pcap = 0;
}
