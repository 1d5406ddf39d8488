#!/usr/bin/env bats
# bats file_tags=valgrind,slow
# memcheck on the normal build: create, start, exec, state, delete and run report no memory error
# and no definitely or indirectly lost block.
#
# What is covered: the berth process of each command, and init (a fork-like clone, which valgrind
# keeps running under memcheck) up to its execve of the container process; the container process
# itself runs natively (--trace-children=no). valgrind 3.19 answers clone3 with ENOSYS, so this
# also runs berth's clone(2)/fork fallbacks, not the clone3(CLONE_INTO_CGROUP) path (the ASan suite
# runs that one). Not covered, because valgrind 3.19 cannot run them: pidfd_open (ENOSYS there), so
# kill runs natively and delete is of a stopped container; openat2 (ENOSYS: the component-walk
# fallback runs instead); setrlimit(RLIMIT_NOFILE), which valgrind refuses (it keeps fds for
# itself), so the config has no rlimits. BERTH_UNPROTECTED_EXE=1 skips the CVE-2019-5736 re-exec,
# which would leave valgrind at the execve; one test covers that step up to the execve.

load helpers

# The helpers' setup, kept under another name: this file's setup adds to it.
eval "helpers_$(declare -f setup)"

setup() {
	helpers_setup
	if [ "$RUNTIME_NAME" != berth ]; then
		skip "valgrind checks berth's own memory"
	fi
	if ! command -v valgrind >/dev/null; then
		skip "valgrind is not installed (scripts/setup installs it)"
	fi
	if "$RUNTIME" --version | grep -q '^sanitizers:'; then
		skip "an ASan build cannot run under valgrind"
	fi
	cfg 'del(.process.rlimits)'
}

# vg NAME ARGS...: the runtime under memcheck; combined output in $WORK/vg.NAME, exit in $status.
vg() {
	local name=$1
	shift
	status=0
	BERTH_ITEST_MARK=$MARK BERTH_UNPROTECTED_EXE=${VG_UNPROTECTED-1} valgrind -q \
		--suppressions="$ITEST_DIR/valgrind.supp" --leak-check=full \
		--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=99 --trace-children=no \
		"$RUNTIME" --root "$STATE_ROOT" "$@" </dev/null >"$WORK/vg.$name" 2>&1 3>&- || status=$?
}

# vg_clean NAME: with -q, every line memcheck prints as "==PID==" is an error or a leak record
# ("--PID--" lines are its warnings about syscalls it does not know).
vg_clean() {
	if grep -q '^==[0-9]*==' "$WORK/vg.$1"; then
		echo "memcheck reported, in $1:" >&2
		cat "$WORK/vg.$1" >&2
		return 1
	fi
}

@test "valgrind: the harness sees a definite leak and a bad read (control)" {
	printf '%s\n' '#include <stdlib.h>' \
		'int main(int c, char **v) { char *p = malloc(16); p[0] = 1; p = malloc(8); return p[c + 7]; }' \
		>"$WORK/leak.c"
	cc -O0 -o "$WORK/leak" "$WORK/leak.c" || skip "no C compiler"
	local saved=$RUNTIME
	RUNTIME=$WORK/leak
	vg control
	RUNTIME=$saved
	[ "$status" -eq 99 ]
	grep -q 'definitely lost' "$WORK/vg.control"
	grep -q 'Invalid read' "$WORK/vg.control"
	! vg_clean control 2>/dev/null
}

@test "valgrind: create, start, exec, state and delete: no memory error, no leak" {
	set_args sleep 100
	new_id
	vg create create -b "$BUNDLE" "$ID"
	vg_clean create
	[ "$status" -eq 0 ]
	# init is a clone of berth, still under memcheck until it execs the container process.
	local pid
	pid=$(ctr_pid "$ID")
	[[ $(readlink "/proc/$pid/exe") == *memcheck* ]]
	vg state state "$ID"
	vg_clean state
	[ "$status" -eq 0 ]
	[ "$(jq -r .status "$WORK/vg.state")" = created ]
	vg start start "$ID"
	vg_clean start
	[ "$status" -eq 0 ]
	wait_status "$ID" running
	vg exec exec "$ID" sh -c 'echo exec-ok; exit 3'
	vg_clean exec
	[ "$status" -eq 3 ]
	grep -qx exec-ok "$WORK/vg.exec"
	# pidfd_open is ENOSYS under valgrind 3.19: kill natively, then delete the stopped container.
	rt kill "$ID" KILL
	wait_status "$ID" stopped
	vg delete delete "$ID"
	vg_clean delete
	[ "$status" -eq 0 ]
	run rt state "$ID"
	[ "$status" -ne 0 ]
}

@test "valgrind: run in the foreground: no memory error, no leak" {
	set_args sh -c 'echo run-ok; exit 5'
	new_id
	vg run run -b "$BUNDLE" "$ID"
	vg_clean run
	[ "$status" -eq 5 ]
	grep -qx run-ok "$WORK/vg.run"
}

@test "valgrind: the CVE-2019-5736 re-exec from the cached copy, up to its execve: no memory error" {
	set_args true
	new_id
	# Without a pid namespace of its own, init can be reached by container processes, so run
	# re-executes from the copy (with one, create and run use the exec stub instead: c8d7574).
	cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
	# The default cache (/run/berth-exe), as every berth run uses it: a private one would be
	# immutable files in the test's tmpdir.
	VG_UNPROTECTED= vg run run -b "$BUNDLE" "$ID"
	vg_clean run
	[ "$status" -eq 0 ]
}
