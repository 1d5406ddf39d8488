/* Libraries that only some commands need are loaded when first used, not linked.
 *
 * Linking libcurl and libarchive into berth costs every process about 18 ms of dynamic loading on
 * this host (40 libraries mapped and relocated; measured with farm-bench against an empty
 * program), and libcrypto alone 2 ms: more than the whole OCI start path. So `create`, `run` and
 * `exec` never load them; the image commands dlopen them by soname on first use, as systemd does
 * with its optional dependencies. The headers still come from the -dev packages, so every pointer
 * has the library's own prototype. */
#pragma once
#include <stddef.h>

struct error;

/* dlopen(soname) once and fill slots[i] with dlsym(names[i]) for every i. A missing library or
 * symbol fails with a line naming it and the Debian package that provides it. Loading twice
 * (same slots) is a no-op. */
int dl_load(void **handle, const char *soname, const char *package, const char *const *names,
	    void ***slots, size_t n, struct error *err);

/* Declares `sym_NAME`, a pointer with NAME's prototype, for each NAME in a library's list. */
#define DL_DECLARE(name) extern __typeof__(name) *sym_##name;
#define DL_DEFINE(name)	 __typeof__(name) *sym_##name;
#define DL_NAME(name)	 #name,
#define DL_SLOT(name)	 (void **)&sym_##name,
