/* The container state file and ID rules, against a real temporary state root. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/fs.h"
#include "lib/jsonutil.h"
#include "lib/version.h"
#include "runtime/state.h"
#include "tests/unit/tap.h"

static void test_ids(void)
{
	struct error e;
	ok(container_id_validate("abc", &e) == 0, "a plain ID");
	ok(container_id_validate("a-b_c.d+e", &e) == 0, "every allowed character");
	ok(container_id_validate("9", &e) == 0, "one digit");
	ok(container_id_validate("", &e) < 0, "empty refused");
	contains(e.msg, "empty", "the message says empty");
	ok(container_id_validate("../x", &e) < 0, "../x refused");
	contains(e.msg, "../x", "the message names the ID");
	ok(container_id_validate("a/b", &e) < 0, "a slash refused");
	ok(container_id_validate("..", &e) < 0, ".. refused");
	ok(container_id_validate(".a", &e) < 0, "a leading dot refused");
	ok(container_id_validate("-a", &e) < 0, "a leading dash refused");
	ok(container_id_validate("a b", &e) < 0, "a space refused");
	ok(container_id_validate("a\nb", &e) < 0, "a newline refused");
	char long_id[1100];
	memset(long_id, 'a', sizeof long_id - 1);
	long_id[sizeof long_id - 1] = '\0';
	ok(container_id_validate(long_id, &e) < 0, "1099 bytes refused");
	contains(e.msg, "255", "the message names the limit");
	long_id[256] = '\0';
	ok(container_id_validate(long_id, &e) < 0, "256 bytes refused (over NAME_MAX)");
	long_id[255] = '\0';
	ok(container_id_validate(long_id, &e) == 0, "exactly 255 bytes allowed");
}

static void test_state_roundtrip(const char *root)
{
	struct error e;
	int rootfd = state_root_open(root, true, &e);
	ok(rootfd >= 0, "state root created");
	int dfd = state_dir_create(rootfd, "c1", &e);
	ok(dfd >= 0, "state dir created");
	ok(state_dir_create(rootfd, "c1", &e) < 0 && e.err == EEXIST, "a second create fails");
	contains(e.msg, "already exists", "the message says it exists");

	struct container_state st = {0};
	st.id = strdup("c1");
	st.bundle = strdup("/b");
	st.rootfs = strdup("/b/rootfs");
	st.created = strdup("2026-11-22T00:00:00.000000000Z");
	st.owner = strdup("");
	st.annotations = json_pack("{s:s}", "k", "v");
	st.pid = getpid();
	st.start_time = process_start_time(getpid(), NULL);
	st.cgroup_mode = CGROUP_MODE_HYBRID;
	st.cgroup_path = strdup("/berth/c1");
	st.cgroup_depth = 2;
	st.finished = true;
	ok(st.start_time > 0, "our own start time is readable");
	ok(state_write(dfd, &st, &e) == 0, "state written");
	ok(faccessat(dfd, "state.json.tmp", F_OK, 0) < 0, "no temporary file left");

	struct container_state rd;
	ok(state_read(dfd, &rd, &e) == 0, "state read back");
	is_str(rd.id, "c1", "id");
	is_str(rd.bundle, "/b", "bundle");
	is_str(rd.cgroup_path, "/berth/c1", "cgroup path");
	ok(rd.cgroup_mode == CGROUP_MODE_HYBRID, "cgroup mode");
	ok(rd.cgroup_depth == 0, "the cgroup depth is the record's, not in state.json");
	ok(rd.finished, "a state.json read means create finished");
	ok(rd.pid == getpid() && rd.start_time == st.start_time, "pid and start time");
	is_str(json_string_value(json_object_get(rd.annotations, "k")), "v", "annotations");
	ok(container_status(dfd, &rd) == STATUS_RUNNING, "a live pid without fifo is running");
	mkfifoat(dfd, "exec.fifo", 0600);
	ok(container_status(dfd, &rd) == STATUS_CREATED, "with the exec fifo it is created");
	unlinkat(dfd, "exec.fifo", 0);

	rd.start_time++;
	ok(container_status(dfd, &rd) == STATUS_STOPPED,
	   "a reused pid (other start time) is stopped");
	rd.start_time--;

	pid_t child = fork();
	if (child == 0)
		_exit(0);
	/* Unreaped: a zombie, which must count as stopped. */
	usleep(100000);
	bool zombie = false;
	rd.pid = child;
	rd.start_time = process_start_time(child, &zombie);
	ok(zombie, "an exited unreaped child is a zombie");
	ok(container_status(dfd, &rd) == STATUS_STOPPED, "a zombie init is stopped");
	waitpid(child, NULL, 0);
	ok(process_start_time(child, NULL) == 0, "a reaped pid has no start time");

	json_t *j = state_to_json(&rd, STATUS_STOPPED);
	is_str(json_string_value(json_object_get(j, "status")), "stopped", "state JSON status");
	ok(json_integer_value(json_object_get(j, "pid")) == 0, "a stopped container shows pid 0");
	is_str(json_string_value(json_object_get(j, "ociVersion")), OCI_SPEC_VERSION, "ociVersion");
	ok(json_object_get(j, "annotations") != NULL, "annotations present");
	json_decref(j);

	write_file_atomic_at(dfd, "state.json", "{bad", 4, 0600, &e);
	struct container_state bad;
	ok(state_read(dfd, &bad, &e) < 0, "a corrupt state file is an error, not a crash");
	container_state_free(&st);
	container_state_free(&rd);

	/* An older berth's state.json, written during create: its depth and its "not finished". */
	const char *old = "{\"id\":\"c1\",\"bundle\":\"/b\",\"rootfs\":\"/b/rootfs\",\"pid\":1,"
			  "\"start_time\":1,\"created\":\"x\",\"owner\":\"\",\"annotations\":{},"
			  "\"cgroup_mode\":\"v1\",\"cgroup_path\":\"/b\",\"cgroup_depth\":3,"
			  "\"finished\":false}";
	ok(write_file_atomic_at(dfd, "state.json", old, strlen(old), 0600, &e) == 0,
	   "an older state.json written");
	ok(state_read(dfd, &rd, &e) == 0 && rd.cgroup_depth == 3 && !rd.finished,
	   "its cgroup depth and finished are read");
	container_state_free(&rd);
	close(dfd);
	ok(state_dir_remove(rootfd, "c1", &e) == 0, "state dir removed");
	ok(state_dir_open(rootfd, "c1", false, &e) < 0 && e.err == ENOENT, "then it is gone");
	contains(e.msg, "does not exist", "the message says so");
	close(rootfd);
}

int main(void)
{
	test_ids();
	char root[] = "/tmp/berth-unit-XXXXXX";
	if (mkdtemp(root) == NULL)
		return 1;
	test_state_roundtrip(root);
	struct error e;
	remove_tree_at(AT_FDCWD, root, &e);
	return tap_done();
}
