#include "images/inflate.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "images/dl_archive.h"
#include "lib/error.h"
#include "lib/fs.h"

/* Large reads and a large pipe: few syscalls and wakeups per megabyte. */
#define BLOCK (1 << 20)

struct inflater {
	struct archive *a;
	int out_fd; /* the pipe's write end, owned by the thread */
	int64_t max_bytes, written;
	pthread_t thread;
	bool stopped;
	char msg[512]; /* the decompressor's error, "" when none */
};

static void *inflate_main(void *arg)
{
	struct inflater *f = arg;
	/* A reader that stopped early is a broken pipe: EPIPE here, not a signal for berth. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	struct archive_entry *e;
	int r = sym_archive_read_next_header(f->a, &e);
	while (r == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const void *buf;
		size_t size;
		la_int64_t off;
		r = sym_archive_read_data_block(f->a, &buf, &size, &off);
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			break;
		if ((int64_t)size > f->max_bytes - f->written) {
			snprintf(f->msg, sizeof f->msg,
				 "the decompressed layer is over the limit of %lld bytes",
				 (long long)f->max_bytes);
			r = ARCHIVE_FATAL;
			break;
		}
		f->written += (int64_t)size;
		if (size > 0 && write_all(f->out_fd, buf, size) < 0) {
			if (errno != EPIPE)
				snprintf(f->msg, sizeof f->msg, "write to the unpacker: %s",
					 strerror(errno));
			r = ARCHIVE_OK;
			break;
		}
	}
	if (r != ARCHIVE_EOF && r != ARCHIVE_OK && f->msg[0] == '\0') {
		const char *s = sym_archive_error_string(f->a);
		snprintf(f->msg, sizeof f->msg, "%s", s ? s : "unreadable");
	}
	close(f->out_fd);
	f->out_fd = -1;
	return NULL;
}

int inflater_start(int src_fd, int64_t max_bytes, struct inflater **fp, int *tar_fd,
		   struct error *err)
{
	if (dl_archive(err) < 0)
		return -1;
	struct inflater *f = calloc(1, sizeof *f);
	if (f == NULL)
		return error_errno(err, "out of memory");
	f->out_fd = -1;
	f->max_bytes = max_bytes;
	*fp = f;
	f->a = sym_archive_read_new();
	if (f->a == NULL)
		return error_set(err, ENOMEM, "archive_read_new failed");
	/* "raw": the filters' output as one stream, whatever it holds; the tar reader judges it. */
	if (sym_archive_read_support_format_raw(f->a) != ARCHIVE_OK ||
	    sym_archive_read_support_filter_gzip(f->a) != ARCHIVE_OK ||
	    sym_archive_read_support_filter_zstd(f->a) != ARCHIVE_OK ||
	    sym_archive_read_support_filter_none(f->a) != ARCHIVE_OK)
		return error_set(err, EINVAL, "libarchive: %s", sym_archive_error_string(f->a));
	if (sym_archive_read_open_fd(f->a, src_fd, BLOCK) != ARCHIVE_OK)
		return error_set(err, EINVAL, "not a readable layer (tar; plain, gzip or zstd): %s",
				 sym_archive_error_string(f->a));
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return error_errno(err, "pipe");
	/* Past /proc/sys/fs/pipe-max-size it fails for an unprivileged caller: the default
	 * size then, only slower. */
	(void)fcntl(p[1], F_SETPIPE_SZ, BLOCK);
	f->out_fd = p[1];
	int r = pthread_create(&f->thread, NULL, inflate_main, f);
	if (r != 0) {
		close(p[0]);
		close(p[1]);
		f->out_fd = -1;
		return error_errnum(err, r, "a thread to decompress");
	}
	*tar_fd = p[0];
	return 0;
}

const char *inflater_stop(struct inflater *f, int tar_fd, bool drain)
{
	if (f == NULL || f->stopped)
		return f && f->msg[0] ? f->msg : NULL;
	char *scratch = drain ? malloc(1 << 16) : NULL;
	for (ssize_t n; scratch;) {
		n = read(tar_fd, scratch, 1 << 16);
		if (n <= 0 && !(n < 0 && errno == EINTR))
			break;
	}
	free(scratch);
	close(tar_fd);
	pthread_join(f->thread, NULL);
	f->stopped = true;
	return f->msg[0] ? f->msg : NULL;
}

void inflater_free(struct inflater *f)
{
	if (f == NULL)
		return;
	if (f->a)
		sym_archive_read_free(f->a);
	free(f);
}
