/* libFuzzer target: OCI mount options (one per line of the input) -> mount flags, data string and
 * propagation (mount_opts_parse). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "namespaces/mount_opts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	char **opts = calloc(size + 2, sizeof *opts);
	if (buf == NULL || opts == NULL)
		goto out;
	memcpy(buf, data, size);
	buf[size] = '\0';
	size_t n = 0;
	for (char *p = buf, *nl; p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		opts[n++] = p;
		(void)mount_propagation_flags(p);
	}
	struct mount_opts o;
	struct error err = {0};
	memset(&o, 0, sizeof o);
	if (mount_opts_parse(opts, &o, &err) == 0)
		mount_opts_free(&o);
	else if (err.msg[0] == '\0')
		abort();
out:
	free(buf);
	free(opts);
	return 0;
}
