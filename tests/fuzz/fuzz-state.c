/* libFuzzer target: the state.json reader (state_read) and the OCI state object built from what
 * it read. state_read takes a directory fd, so each input is written to one scratch file. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/error.h"
#include "runtime/state.h"

static int dirfd_scratch = -1;
static char scratch[] = "/tmp/berth-fuzz-state.XXXXXX";

static void remove_scratch(void)
{
	unlinkat(dirfd_scratch, "state.json", 0);
	rmdir(scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (dirfd_scratch < 0) {
		if (mkdtemp(scratch) == NULL)
			abort();
		dirfd_scratch = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd_scratch < 0)
			abort();
		atexit(remove_scratch);
	}
	int fd =
	    openat(dirfd_scratch, "state.json", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	struct container_state st;
	struct error err = {0};
	if (state_read(dirfd_scratch, &st, &err) == 0) {
		json_t *j = state_to_json(&st, STATUS_STOPPED);
		free(json_dumps(j, JSON_COMPACT));
		json_decref(j);
		container_state_free(&st);
	} else if (err.msg[0] == '\0') {
		abort();
	}
	return 0;
}
