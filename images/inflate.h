/* A layer's decompression on a thread of its own, so that inflating (gzip, zstd) and writing the
 * tree run at the same time: the thread reads src_fd through libarchive's filters (detected from
 * the bytes; plain passes through) and writes the tar stream into a pipe whose read end the
 * caller unpacks. On a busy host a second runnable thread also gets its own share of the CPUs,
 * as `tar -xz` does with its gzip child. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct error;
struct inflater;

/* Starts the thread; *tar_fd is the read end of the pipe (the caller reads it, then hands it back
 * to inflater_stop). The decompressed stream stops with an error past max_bytes (a gzip bomb
 * hidden where the tar reader only skips). *f is set even on failure: free it. */
int inflater_start(int src_fd, int64_t max_bytes, struct inflater **f, int *tar_fd,
		   struct error *err);
/* Ends the stream: with drain, reads tar_fd to its end first (so src_fd is read to its end; note
 * that libarchive does not check gzip's CRC: the blob's digest stands for its bytes), else closes
 * it at once (the thread stops on the broken pipe). Joins the thread and closes tar_fd. Returns
 * NULL, or the decompressor's error
 * ("truncated gzip input"), valid until inflater_free. */
const char *inflater_stop(struct inflater *f, int tar_fd, bool drain);
void inflater_free(struct inflater *f);
