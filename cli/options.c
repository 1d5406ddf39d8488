#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/error.h"

int expect_args(int argc, char **argv, int n, const char *usage, struct error *err)
{
	int have = argc - optind;
	if (have < n)
		return error_set(err, EINVAL, "%s: missing argument (usage: berth %s)", argv[0],
				 usage);
	if (have > n)
		return error_set(err, EINVAL, "%s: unexpected argument \"%s\" (usage: berth %s)",
				 argv[0], argv[optind + n], usage);
	return 0;
}

int parse_int_arg(const char *s, const char *flag, long long min, long long max, long long *out,
		  struct error *err)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min || v > max)
		return error_set(err, EINVAL, "%s: invalid value \"%s\"", flag, s);
	*out = v;
	return 0;
}

int parse_size_arg(const char *s, const char *flag, long long *out, struct error *err)
{
	if (strcmp(s, "-1") == 0) {
		*out = -1;
		return 0;
	}
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return error_set(err, EINVAL, "%s: invalid size \"%s\"", flag, s);
	double mult = 1;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'b':
		break;
	case 'k':
		mult = 1024.0;
		break;
	case 'm':
		mult = 1024.0 * 1024;
		break;
	case 'g':
		mult = 1024.0 * 1024 * 1024;
		break;
	case 't':
		mult = 1024.0 * 1024 * 1024 * 1024;
		break;
	default:
		return error_set(err, EINVAL, "%s: invalid size \"%s\"", flag, s);
	}
	if (*end && end[1] && !(tolower((unsigned char)end[1]) == 'b' && end[2] == '\0') &&
	    !(tolower((unsigned char)end[1]) == 'i' && tolower((unsigned char)end[2]) == 'b' &&
	      end[3] == '\0'))
		return error_set(err, EINVAL, "%s: invalid size \"%s\"", flag, s);
	*out = (long long)(v * mult);
	return 0;
}

void print_json(void *json, bool pretty)
{
	char *s = json_dumps(json, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_ENCODE_ANY);
	if (s)
		printf("%s\n", s);
	free(s);
}

int parse_tls_verify_arg(const char *cmd, const char *v, bool *no_verify, struct error *err)
{
	if (strcmp(v, "true") == 0)
		*no_verify = false;
	else if (strcmp(v, "false") == 0)
		*no_verify = true;
	else
		return error_set(err, EINVAL,
				 "%s: --tls-verify: expected true or false, got \"%s\"", cmd, v);
	return 0;
}
