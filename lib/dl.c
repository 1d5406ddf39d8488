#include "lib/dl.h"

#include <dlfcn.h>
#include <errno.h>

#include "lib/error.h"

int dl_load(void **handle, const char *soname, const char *package, const char *const *names,
	    void ***slots, size_t n, struct error *err)
{
	if (*handle != NULL)
		return 0;
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		return error_set(err, ENOENT, "%s: %s (install the Debian package %s)", soname,
				 dlerror(), package);
	for (size_t i = 0; i < n; i++) {
		*slots[i] = dlsym(h, names[i]);
		if (*slots[i] == NULL) {
			error_set(err, ENOENT, "%s: no symbol %s (install a newer %s)", soname,
				  names[i], package);
			dlclose(h);
			return -1;
		}
	}
	*handle = h;
	return 0;
}
