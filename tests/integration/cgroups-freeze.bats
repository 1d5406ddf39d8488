#!/usr/bin/env bats
# bats file_tags=cgroups,vm
# Frozen cgroups and the container's lock: exec into a paused container, a cgroupsPath that is
# frozen or busy before create, delete --force of frozen processes. Every wait that could hang is
# bounded (timeout 30, SIGKILL after), so a regression fails instead of hanging the suite.

load helpers

# freezer_dir CGPATH: the directory whose freeze file freezes CGPATH in this mode.
freezer_dir() {
	if [ "$CG_MODE" = v2 ]; then
		echo "/sys/fs/cgroup$1"
	else
		echo "/sys/fs/cgroup/freezer$1"
	fi
}

# freeze_dir DIR 1|0: freeze or thaw a cgroup the test made itself (never anything else).
freeze_dir() {
	case $1 in
	*/$CG_TOP/*) ;;
	*)
		echo "freeze_dir: $1 is not under this test's prefix" >&2
		return 1
		;;
	esac
	if [ "$CG_MODE" = v2 ]; then
		echo "$2" >"$1/cgroup.freeze"
	elif [ "$2" = 1 ]; then
		echo FROZEN >"$1/freezer.state"
	else
		echo THAWED >"$1/freezer.state"
	fi
}

# Bounded: a runtime that ignores SIGTERM while it waits on a frozen process is killed after 5 s.
brt() {
	BERTH_ITEST_MARK=$MARK timeout -k 5 30 "$RUNTIME" --root "$STATE_ROOT" "$@"
}

# brun ARGS...: as bats' run with brt, but through a file: a process left frozen holding the
# output pipe would keep run's command substitution waiting forever.
brun() {
	status=0
	brt "$@" >"$WORK/brun.out" 2>&1 </dev/null 3>&- || status=$?
	output=$(cat "$WORK/brun.out")
}

@test "exec --ignore-paused into a paused container: resume thaws it and the exec completes" {
	ctr_detach sleep 1000
	wait_status "$ID" running
	rt pause "$ID"
	# The exec's process is frozen as soon as it joins the cgroup; it must not hold the lock.
	(
		rc=0
		brt exec --ignore-paused --env "BERTH_ITEST_MARK=$MARK" "$ID" sh -c 'echo exec-ran' \
			>"$WORK/exec.out" 2>&1 </dev/null 3>&- || rc=$?
		echo "$rc" >"$WORK/exec.rc"
	) 3>&- &
	local execbg=$!
	# Until the exec's process sits frozen in the container's cgroup next to init.
	retry 300 sh -c "[ \$(wc -l <'$(freezer_dir "$CG")/cgroup.procs') -ge 2 ]"
	brun resume "$ID"
	# A resume that hung leaves the container frozen: thaw it here, so the exec (and the
	# teardown's delete, which needs the lock) can finish and the test fails instead of hanging.
	[ "$status" -eq 0 ] || freeze_dir "$(freezer_dir "$CG")" 0
	wait "$execbg"
	assert_status 0
	[ "$(cat "$WORK/exec.rc")" = 0 ] || { cat "$WORK/exec.out" >&2; false; }
	grep -qx exec-ran "$WORK/exec.out"
	[ "$(ctr_status "$ID")" = running ]
}

@test "run into a cgroup that is already frozen is refused in one line, leaving nothing" {
	set_args true
	new_id
	local f
	f=$(freezer_dir "$CG")
	mkdir -p "$f"
	freeze_dir "$f" 1
	brun run -b "$BUNDLE" "$ID"
	freeze_dir "$f" 0
	assert_status 1
	assert_imatch "cgroup.*unexpectedly frozen"
	assert_berth_error_line
	# The cgroup the test made is still there; the test removes it, and nothing else was left.
	[ -d "$f" ]
	rmdir "$f"
	[ -z "$(leaked_cgroups)" ] || { leaked_cgroups >&2; false; }
	[ -z "$(leaked_state)" ]
}

@test "run under a frozen parent cgroup is refused too, leaving nothing" {
	set_args true
	new_id
	local p
	p=$(freezer_dir "$CG_TEST/frozen")
	mkdir -p "$p"
	freeze_dir "$p" 1
	cfg '.linux.cgroupsPath = $cg' --arg cg "$CG_TEST/frozen/c"
	brun run -b "$BUNDLE" "$ID"
	freeze_dir "$p" 0
	assert_status 1
	assert_imatch "unexpectedly frozen"
	[ -z "$(find "$p" -mindepth 1 -type d)" ]
	rmdir "$p"
}

@test "run into a cgroup that already holds a process warns about it" {
	set_args true
	new_id
	local h dirs=()
	if [ "$CG_MODE" = v2 ]; then
		dirs=(/sys/fs/cgroup"$CG")
	else
		for h in devices pids memory freezer; do dirs+=(/sys/fs/cgroup/$h"$CG"); done
	fi
	sleep 1000 &
	local pid=$!
	for h in "${dirs[@]}"; do
		mkdir -p "$h"
		echo "$pid" >"$h/cgroup.procs"
	done
	brun run -b "$BUNDLE" "$ID"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	assert_status 0
	assert_imatch "cgroup is not empty: 1 process"
}

@test "delete --force of a paused container with an exec'd process: exits 0, nothing left" {
	ctr_detach sleep 1000
	wait_status "$ID" running
	rt exec -d --env "BERTH_ITEST_MARK=$MARK" "$ID" sleep 1000 </dev/null 3>&-
	rt pause "$ID"
	brun delete --force "$ID"
	assert_status 0
	[ -z "$(cgroup_pids)" ]
}

@test "delete --force thaws a frozen v1 freezer cgroup the container's process was moved into" {
	[ "$CG_MODE" != v2 ] || skip "cgroup v2: a process moved out of the container's cgroup is no longer the container's"
	ctr_detach sleep 1000
	wait_status "$ID" running
	local pid f
	pid=$(ctr_pid "$ID")
	f=/sys/fs/cgroup/freezer$CG_TEST/other
	mkdir -p "$f"
	echo "$pid" >"$f/cgroup.procs"
	freeze_dir "$f" 1
	brun delete --force "$ID"
	local st=$status out=$output
	freeze_dir "$f" 0
	status=$st output=$out
	assert_status 0
	[ -z "$(ctr_status "$ID")" ]
	retry 100 test ! -e "/proc/$pid"
	rmdir "$f"
}
