/* libFuzzer target: signal names and numbers as `kill` accepts them (signal_parse), and the name
 * of whatever number came out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/signals.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	int sig = signal_parse(s);
	if (sig >= 0)
		(void)signal_name(sig);
	if (size >= sizeof(int)) {
		int n;
		memcpy(&n, data, sizeof n);
		(void)signal_name(n);
	}
	free(s);
	return 0;
}
