/* libFuzzer target: config.json bytes -> struct spec (spec_parse_bytes, with the big-integer
 * rewrite in front of jansson). A failure must come with a message. */
#include <stdint.h>
#include <stdlib.h>

#include "lib/error.h"
#include "runtime/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = {0};
	struct spec *s = spec_parse_bytes((const char *)data, size, "config.json", &err);
	if (s == NULL && err.msg[0] == '\0')
		abort();
	if (s)
		spec_free(s);
	return 0;
}
