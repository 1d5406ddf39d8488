/* The container's record (runtime/record.h) against torn, truncated and corrupted files, and the
 * one teardown's walk (runtime/teardown.h): reverse order, idempotent removers, unknown kinds. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "lib/error.h"
#include "lib/fs.h"
#include "runtime/record.h"
#include "runtime/state.h"
#include "runtime/teardown.h"
#include "tests/unit/tap.h"

static char *slurp(int dirfd, size_t *len)
{
	char *buf = NULL;
	struct error e;
	if (read_file_at(dirfd, RECORD_FILE, &buf, len, &e) < 0)
		return NULL;
	return buf;
}

/* Writes three entries in two flushes, as create does; returns the file's bytes. */
static char *write_sample(int dirfd, size_t *len)
{
	struct error e;
	struct record_writer w;
	record_writer_init(&w, dirfd);
	const char *cg[] = {"hybrid", "/a b/100%/t\xc3\xa9\n", "2"};
	const char *pr[] = {"1234", "99887766"};
	const char *d[] = {"/tmp/x"};
	ok(record_add(&w, "cgroup", 3, cg, &e) == 0, "add a cgroup entry");
	ok(record_flush(&w, &e) == 0, "first flush (header and the entry)");
	ok(record_add(&w, "process", 2, pr, &e) == 0 && record_add(&w, "dir", 1, d, &e) == 0,
	   "add two more");
	ok(record_flush(&w, &e) == 0, "second flush");
	ok(record_flush(&w, &e) == 0, "a flush with nothing pending writes nothing");
	ok(w.mem.n == 3, "the writer keeps all three in memory");
	record_writer_free(&w);
	return slurp(dirfd, len);
}

static void test_roundtrip(int dirfd)
{
	size_t len;
	char *buf = write_sample(dirfd, &len);
	ok(buf != NULL && strncmp(buf, "berth-record 1\n", 15) == 0,
	   "the file starts with its header");
	ok(buf && !memchr(buf, '\0', len) && strstr(buf, "/a%20b/100%25/t%c3%a9%0a"),
	   "words are percent-escaped");
	struct record r;
	struct error e;
	ok(record_read(dirfd, &r, &e) == 0, "read back");
	ok(r.n == 3 && !r.torn && r.valid_bytes == len, "three entries, not torn");
	if (r.n == 3) {
		is_str(r.e[0].kind, "cgroup", "first kind");
		ok(r.e[0].argc == 3, "three words");
		is_str(r.e[0].argv[1], "/a b/100%/t\xc3\xa9\n",
		       "spaces, %%, UTF-8 and a newline survive");
		is_str(r.e[1].argv[1], "99887766", "process start time");
		ok(r.e[1].argv[2] == NULL, "argv ends with NULL");
		is_str(record_last(&r, "cgroup")->argv[2], "2", "record_last finds the cgroup");
	}
	record_free(&r);
	/* Every truncation reads as the entries complete before the cut, and is torn unless the
	 * cut falls at the end of a line. */
	size_t bounds[8], nb = 0;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\n' && nb < 8)
			bounds[nb++] = i + 1;
	bool all = true;
	for (size_t cut = 0; cut <= len; cut++) {
		size_t want = 0;
		bool at_line = cut == 0;
		for (size_t k = 0; k < nb; k++) {
			if (bounds[k] <= cut && k > 0)
				want = k;
			if (bounds[k] == cut)
				at_line = true;
		}
		if (record_parse(buf, cut, &r, &e) < 0 || r.n != want || r.torn == at_line) {
			printf("# cut at %zu: %zu entries (want %zu), torn %d\n", cut, r.n, want,
			       r.torn);
			all = false;
		}
		record_free(&r);
	}
	ok(all, "every truncation of the file reads as far as it is whole, and never further");
	/* One flipped bit anywhere in an entry ends the read there. */
	all = true;
	for (size_t i = bounds[1]; i < bounds[2] - 1; i++) {
		buf[i] ^= 0x04;
		record_parse(buf, len, &r, &e);
		if (r.n != 1 || !r.torn) {
			printf("# flip at %zu: %zu entries, torn %d\n", i, r.n, r.torn);
			all = false;
		}
		record_free(&r);
		buf[i] ^= 0x04;
	}
	ok(all, "a corrupted second entry is not trusted, nor anything after it");
	free(buf);
}

static size_t parse_n(const char *s, bool *torn)
{
	struct record r;
	struct error e;
	record_parse(s, strlen(s), &r, &e);
	size_t n = r.n;
	*torn = r.torn;
	record_free(&r);
	return n;
}

static void test_malformed(void)
{
	bool torn;
	ok(parse_n("", &torn) == 0 && !torn, "an empty file: no entries");
	ok(parse_n("berth-record 2\n", &torn) == 0 && torn, "another version: not read");
	ok(parse_n("berth-record 1\n", &torn) == 0 && !torn, "a header alone: no entries");
	/* CRC-32 of "a" is e8b7be43. */
	ok(parse_n("berth-record 1\ne8b7be43 1 a\n", &torn) == 1 && !torn, "a one-word entry");
	ok(parse_n("berth-record 1\ne8b7be43 1 a", &torn) == 0 && torn, "no newline: torn");
	ok(parse_n("berth-record 1\ne8b7be43 2 a\n", &torn) == 0 && torn, "a wrong length");
	ok(parse_n("berth-record 1\ne8b7be44 1 a\n", &torn) == 0 && torn, "a wrong checksum");
	ok(parse_n("berth-record 1\nE8B7BE43 1 a\n", &torn) == 0 && torn, "upper-case hex");
	ok(parse_n("berth-record 1\ne8b7be43 1 a\ngarbage\ne8b7be43 1 a\n", &torn) == 1 && torn,
	   "nothing after a bad line is trusted, even a good one");
	/* "a %zz" and "a %00" and "a " with their own CRCs: well-checked but not what we write. */
	char line[128];
	const char *bad[] = {"a %zz", "a %00", "a ", " a", "a  b", "a %4"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		uint32_t c = 0xffffffffu;
		for (const char *p = bad[i]; *p; p++) {
			c ^= (unsigned char)*p;
			for (int k = 0; k < 8; k++)
				c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
		}
		snprintf(line, sizeof line, "berth-record 1\n%08x %zu %s\n", ~c, strlen(bad[i]),
			 bad[i]);
		ok(parse_n(line, &torn) == 0 && torn, "a checked line with \"%s\" is refused",
		   bad[i]);
	}
}

static char order[64];

static int rm_a(int argc, char *const *argv, struct error *err)
{
	strcat(order, "a");
	strcat(order, argc ? argv[0] : "");
	return 0;
}

static int rm_fails(int argc, char *const *argv, struct error *err)
{
	strcat(order, "F");
	return error_set(err, EBUSY, "busy %s", argc ? argv[0] : "");
}

static void test_walk(void)
{
	const struct teardown_kind table[] = {{"a", rm_a}, {"f", rm_fails}};
	struct record r = {0};
	const char *one[] = {"1"}, *two[] = {"2"}, *three[] = {"3"};
	record_push(&r, "a", 1, one);
	record_push(&r, "martian", 1, two);
	record_push(&r, "a", 1, three);
	size_t unknown = 0;
	struct error e;
	order[0] = '\0';
	ok(teardown_walk(table, 2, &r, &unknown, &e) == 0, "an unknown kind is not fatal");
	is_str(order, "a3a1", "entries are removed last first");
	ok(unknown == 1, "the unknown kind is counted");
	record_push(&r, "f", 1, two);
	record_push(&r, "a", 1, two);
	order[0] = '\0';
	ok(teardown_walk(table, 2, &r, &unknown, &e) < 0, "a failing remover fails the walk");
	is_str(order, "a2Fa3a1", "the others still run after it");
	contains(e.msg, "busy 2", "the failure is the one reported");
	record_free(&r);
}

static void test_process_remover(void)
{
	struct error e;
	pid_t pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	uint64_t start = process_start_time(pid, NULL);
	char p[16], s[32], s1[32];
	snprintf(p, sizeof p, "%d", (int)pid);
	snprintf(s, sizeof s, "%" PRIu64, start);
	snprintf(s1, sizeof s1, "%" PRIu64, start + 1);
	char *wrong[] = {p, s1, NULL}, *right[] = {p, s, NULL};
	ok(teardown_remove_process(2, wrong, &e) == 0, "another start time: left alone");
	ok(kill(pid, 0) == 0, "so the process still runs");
	ok(teardown_remove_process(2, right, &e) == 0, "the recorded process is removed");
	ok(kill(pid, 0) < 0 && errno == ESRCH, "killed and reaped");
	ok(teardown_remove_process(2, right, &e) == 0, "removing it again is a no-op");
	char *zero[] = {"0", "0", NULL}, *junk[] = {"12x", "5", NULL};
	ok(teardown_remove_process(2, zero, &e) == 0, "pid 0 (never read) is nothing");
	ok(teardown_remove_process(2, junk, &e) < 0 && e.err == EINVAL, "a malformed entry");
	char *cg_gone[] = {"v2", "/berth-unit-test-no-such-cgroup/x", "2", NULL};
	char *cg_none[] = {"none", "/x", "0", NULL};
	char *cg_up[] = {"v2", "/a/../../b", "1", NULL};
	ok(cgroup_remove_held(3, cg_none, &e) == 0, "a cgroup entry of mode none is nothing");
	enum cgroup_mode m;
	if (cgroup_detect_mode(&m, &e) == 0 && m != CGROUP_MODE_NONE) {
		cg_gone[0] = (char *)cgroup_mode_name(m);
		ok(cgroup_remove_held(3, cg_gone, &e) == 0, "a cgroup already gone is removed");
	}
	ok(cgroup_remove_held(3, cg_up, &e) < 0 && e.err == EINVAL, "a path with .. is refused");
	ok(cgroup_remove_held(2, cg_up, &e) < 0, "a short cgroup entry is refused");
}

int main(void)
{
	char root[] = "/tmp/berth-test-record-XXXXXX";
	if (mkdtemp(root) == NULL)
		return 1;
	int dirfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	test_roundtrip(dirfd);
	test_malformed();
	test_walk();
	test_process_remover();
	struct error e;
	remove_tree_at(AT_FDCWD, root, &e);
	return tap_done();
}
