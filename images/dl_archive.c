#include "images/dl_archive.h"

ARCHIVE_SYMS(DL_DEFINE)

int dl_archive(struct error *err)
{
	static void *handle;
	static const char *const names[] = {ARCHIVE_SYMS(DL_NAME)};
	void **slots[] = {ARCHIVE_SYMS(DL_SLOT)};
	return dl_load(&handle, "libarchive.so.13", "libarchive13", names, slots,
		       sizeof names / sizeof names[0], err);
}
