/* cgroup_resolve_path: cgroupsPath -> path from each hierarchy's root. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "lib/error.h"
#include "tests/unit/tap.h"

static char *resolve(const char *p, const char *id, bool systemd, struct error *err)
{
	char *out = NULL;
	error_clear(err);
	if (cgroup_resolve_path(p, id, systemd, &out, err) < 0) {
		ok(out == NULL, "failure for '%s' leaves no result", p ? p : "(null)");
		return NULL;
	}
	return out;
}

static void check(const char *p, const char *want)
{
	struct error err = {0};
	char *got = resolve(p, "c1", false, &err);
	/* tap.h's is_str/contains shadow their own result variable; compare here instead. */
	ok(got != NULL && strcmp(got, want) == 0, "'%s' -> '%s'", p ? p : "(null)", want);
	if (got == NULL)
		printf("#   error: %s\n", err.msg);
	else if (strcmp(got, want) != 0)
		printf("#   got '%s'\n", got);
	free(got);
}

static void check_fails(const char *p, bool systemd, const char *msg_part)
{
	struct error err = {0};
	char *got = resolve(p, "c1", systemd, &err);
	ok(got == NULL, "'%s'%s is refused", p ? p : "(null)", systemd ? " (systemd)" : "");
	ok(strstr(err.msg, msg_part) != NULL, "the error for '%s' says '%s'", p ? p : "(null)",
	   msg_part);
	printf("#   %s\n", err.msg);
	free(got);
}

int main(void)
{
	/* absolute */
	check("/a/b", "/a/b");
	check("/a//b/", "/a/b");
	check("/a/./b", "/a/b");
	/* relative: from the hierarchy root, never the caller's own cgroup */
	check("a/b", "/a/b");
	check("pod1/ctr", "/pod1/ctr");
	/* empty or absent: the default */
	check("", "/berth/c1");
	check(NULL, "/berth/c1");
	/* ".." would escape the root or reach someone else's cgroup */
	check_fails("/a/../b", false, "\"..\"");
	check_fails("../x", false, "\"..\"");
	check_fails("/", false, "root");
	/* the systemd forms: no systemd here, and berth does not pretend */
	check_fails("system.slice:berth:c1", false, "systemd");
	check_fails("/a/b", true, "systemd");
	if (access("/run/systemd/system", F_OK) != 0)
		check_fails("user.slice:x:y", false, "not running");

	/* the default path needs a usable id */
	struct error err = {0};
	char *bad = resolve("", "../x", false, &err);
	ok(bad == NULL, "an id with '/' cannot make the default path");
	free(bad);
	return tap_done();
}
