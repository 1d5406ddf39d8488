/* libarchive, loaded on first use (lib/dl.h says why it is not linked). Call sym_NAME(...) where
 * the library's documentation says NAME(...). Add a function to ARCHIVE_SYMS to use it. */
#pragma once
#include <archive.h>
#include <archive_entry.h>

#include "lib/dl.h"

#define ARCHIVE_SYMS(X)                                                                            \
	X(archive_read_new)                                                                        \
	X(archive_read_free)                                                                       \
	X(archive_read_support_format_raw)                                                         \
	X(archive_read_support_format_tar)                                                         \
	X(archive_read_support_filter_gzip)                                                        \
	X(archive_read_support_filter_zstd)                                                        \
	X(archive_read_support_filter_none)                                                        \
	X(archive_read_open_fd)                                                                    \
	X(archive_read_next_header)                                                                \
	X(archive_read_data_block)                                                                 \
	X(archive_read_data_skip)                                                                  \
	X(archive_read_data)                                                                       \
	X(archive_write_new)                                                                       \
	X(archive_write_free)                                                                      \
	X(archive_write_set_format_pax_restricted)                                                 \
	X(archive_write_open_fd)                                                                   \
	X(archive_write_header)                                                                    \
	X(archive_write_data)                                                                      \
	X(archive_write_close)                                                                     \
	X(archive_entry_new)                                                                       \
	X(archive_entry_free)                                                                      \
	X(archive_entry_set_pathname)                                                              \
	X(archive_entry_set_size)                                                                  \
	X(archive_entry_set_filetype)                                                              \
	X(archive_entry_set_perm)                                                                  \
	X(archive_entry_set_mtime)                                                                 \
	X(archive_error_string)                                                                    \
	X(archive_errno)                                                                           \
	X(archive_entry_pathname)                                                                  \
	X(archive_entry_filetype)                                                                  \
	X(archive_entry_size)                                                                      \
	X(archive_entry_pathname_utf8)                                                             \
	X(archive_entry_hardlink)                                                                  \
	X(archive_entry_symlink)                                                                   \
	X(archive_entry_perm)                                                                      \
	X(archive_entry_uid)                                                                       \
	X(archive_entry_gid)                                                                       \
	X(archive_entry_rdevmajor)                                                                 \
	X(archive_entry_rdevminor)                                                                 \
	X(archive_entry_mtime)                                                                     \
	X(archive_entry_mtime_nsec)                                                                \
	X(archive_entry_mtime_is_set)                                                              \
	X(archive_entry_atime)                                                                     \
	X(archive_entry_atime_nsec)                                                                \
	X(archive_entry_atime_is_set)                                                              \
	X(archive_entry_xattr_count)                                                               \
	X(archive_entry_xattr_reset)                                                               \
	X(archive_entry_xattr_next)

ARCHIVE_SYMS(DL_DECLARE)

/* Loads libarchive.so.13 (Debian: libarchive13) once. */
int dl_archive(struct error *err);
