/* libcurl, loaded on first use (lib/dl.h says why it is not linked). Call sym_NAME(...) where the
 * library's documentation says NAME(...). Add a function to CURL_SYMS to use it. curl_easy_setopt
 * and curl_easy_getinfo are variadic: call them through the pointers with the types curl's
 * documentation gives for each option. */
#pragma once
#include <curl/curl.h>

#include "lib/dl.h"

#define CURL_SYMS(X)                                                                               \
	X(curl_global_init)                                                                        \
	X(curl_easy_init)                                                                          \
	X(curl_easy_cleanup)                                                                       \
	X(curl_easy_setopt)                                                                        \
	X(curl_easy_getinfo)                                                                       \
	X(curl_easy_perform)                                                                       \
	X(curl_easy_strerror)                                                                      \
	X(curl_slist_append)                                                                       \
	X(curl_slist_free_all)                                                                     \
	X(curl_easy_escape)                                                                        \
	X(curl_free)

CURL_SYMS(DL_DECLARE)

/* Loads libcurl.so.4 (Debian: libcurl4) once and runs curl_global_init. */
int dl_curl(struct error *err);
