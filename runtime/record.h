/* The container's record (ROOT/ID/holds): what it holds on the host, written before each thing is
 * made, so a teardown after a crash at any point finds everything (runtime/teardown.h walks it).
 *
 * The file is append-only: a header line "berth-record 1", then one line per entry,
 *     CRC LEN PAYLOAD\n
 * CRC the CRC-32 of PAYLOAD (8 hex digits), LEN its length in decimal, PAYLOAD "KIND ARG..." with
 * each word percent-escaped (bytes <= 0x20, 0x7f and above, and '%' as %XX). Every flush is one
 * O_APPEND write(2), so a crash leaves at worst a torn last line: the reader stops at the first
 * line that is incomplete or fails its length or checksum and trusts nothing past it. An entry
 * means "this may exist": removers treat a thing already gone as removed. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct error;

#define RECORD_FILE "holds"

struct record_entry {
	char *kind;
	char **argv; /* argc words, then NULL */
	int argc;
};

struct record {
	struct record_entry *e;
	size_t n, cap;
	bool torn;	    /* the file went on past the last valid entry */
	size_t valid_bytes; /* how much of the file was read as valid */
};

/* Parses a record file's bytes as far as they are valid (sets torn when they go on beyond). */
int record_parse(const char *buf, size_t len, struct record *r, struct error *err);
/* Reads dirfd/holds; errno ENOENT when the file does not exist. */
int record_read(int dirfd, struct record *r, struct error *err);
void record_free(struct record *r);
/* The last entry of kind, or NULL. */
const struct record_entry *record_last(const struct record *r, const char *kind);
/* Appends an entry to r in memory (ENOMEM is the only failure). */
int record_push(struct record *r, const char *kind, int argc, const char *const *argv);
/* Forgets r's last entry in memory: what it names was undone by the step that made it. */
void record_drop_last(struct record *r);

/* The writer: entries are added to a list in memory and to a pending buffer; flush appends the
 * pending ones (and the header, the first time) with one write. The in-memory list holds every
 * entry added, flushed or not, so a rollback in the same process also undoes what a failed flush
 * did not get onto disk. */
struct record_writer {
	int dirfd; /* not owned */
	int fd;	   /* -1 until the first flush */
	struct record mem;
	char *pending;
	size_t plen, pcap;
};

void record_writer_init(struct record_writer *w, int dirfd);
int record_add(struct record_writer *w, const char *kind, int argc, const char *const *argv,
	       struct error *err);
int record_flush(struct record_writer *w, struct error *err);
void record_writer_free(struct record_writer *w);
