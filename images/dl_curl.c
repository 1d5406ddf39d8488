#include "images/dl_curl.h"

#include <errno.h>
#include <stdbool.h>

#include "lib/error.h"

CURL_SYMS(DL_DEFINE)

int dl_curl(struct error *err)
{
	static void *handle;
	static bool ready;
	static const char *const names[] = {CURL_SYMS(DL_NAME)};
	void **slots[] = {CURL_SYMS(DL_SLOT)};
	if (ready)
		return 0;
	if (dl_load(&handle, "libcurl.so.4", "libcurl4", names, slots,
		    sizeof names / sizeof names[0], err) < 0)
		return -1;
	CURLcode rc = sym_curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK)
		return error_set(err, EIO, "libcurl: %s", sym_curl_easy_strerror(rc));
	ready = true;
	return 0;
}
