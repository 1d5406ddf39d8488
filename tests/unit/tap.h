/* A tiny TAP producer for the C unit tests; tests/run-all counts the lines. */
#pragma once
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                                              \
	do {                                                                                       \
		int _okc = !!(cond);                                                               \
		tap_n++;                                                                           \
		if (!_okc)                                                                         \
			tap_failed++;                                                              \
		printf("%sok %d - ", _okc ? "" : "not ", tap_n);                                   \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		if (!_okc)                                                                         \
			printf("#   failed at %s:%d\n", __FILE__, __LINE__);                       \
	} while (0)

#define is_str(got, want, ...)                                                                     \
	do {                                                                                       \
		const char *_g = (got), *_w = (want);                                              \
		int _c = (_g && _w) ? strcmp(_g, _w) == 0 : _g == _w;                              \
		ok(_c, __VA_ARGS__);                                                               \
		if (!_c)                                                                           \
			printf("#   got '%s', want '%s'\n", _g ? _g : "(null)",                    \
			       _w ? _w : "(null)");                                                \
	} while (0)

#define contains(got, want, ...)                                                                   \
	do {                                                                                       \
		const char *_g = (got), *_w = (want);                                              \
		int _c = _g && _w && strstr(_g, _w) != NULL;                                       \
		ok(_c, __VA_ARGS__);                                                               \
		if (!_c)                                                                           \
			printf("#   '%s' does not contain '%s'\n", _g ? _g : "(null)", _w);        \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
