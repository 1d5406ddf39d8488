#!/usr/bin/env bats
# bats file_tags=faults
# berth killed (SIGKILL) at every phase of create, run, start, exec and delete must not lose track:
# state and list still answer, and delete --force removes every cgroup, mount, state file and process
# (the teardown's leak check proves the last part). The fault points exist only in a build configured
# with --enable-fault-points, which says "+FAULT_POINTS" on its --version feature line; other builds
# (and runc) skip those tests. A full disk under --root needs no fault point and runs everywhere.

load helpers

# Status words `state` may print; anything else (or a crash, a hang) fails.
STATUSES='^(creating|created|running|paused|stopped)$'

need_fault_points() {
	if [ "$RUNTIME_NAME" != berth ] || ! "$RUNTIME" --version | grep -q '+FAULT_POINTS'; then
		skip "the runtime has no fault points (configure --enable-fault-points)"
	fi
}

# fault NAME CMD...: runs the runtime with BERTH_FAULT=NAME; $status and $output as bats' run.
fault() {
	local name=$1
	shift
	# Into a file, not bats' pipe: a container process left behind holds its stdio open.
	status=0
	env BERTH_FAULT="$name" BERTH_ITEST_MARK="$MARK" timeout 30 "$RUNTIME" --root "$STATE_ROOT" \
		"$@" </dev/null >"$WORK/fault.out" 2>&1 3>&- || status=$?
	output=$(cat "$WORK/fault.out")
}

# After a crash: state answers with a status word, list answers and names the container.
# Sets STATUS to what state said.
check_still_tracked() {
	run timeout 10 "$RUNTIME" --root "$STATE_ROOT" state "$ID"
	assert_status 0
	STATUS=$(jq -r .status <<<"$output")
	[[ $STATUS =~ $STATUSES ]] || {
		echo "state of $ID: '$output'" >&2
		return 1
	}
	run timeout 10 "$RUNTIME" --root "$STATE_ROOT" list --format json
	assert_status 0
	jq -e --arg id "$ID" 'map(select(.id == $id)) | length == 1' <<<"$output" >/dev/null || {
		echo "list does not show $ID once: $output" >&2
		return 1
	}
}

# delete --force removes it, and the ID is free again: state says it does not exist.
check_delete_force() {
	run timeout 20 "$RUNTIME" --root "$STATE_ROOT" delete --force "$ID"
	assert_status 0
	run timeout 10 "$RUNTIME" --root "$STATE_ROOT" state "$ID"
	[ "$status" -ne 0 ]
	assert_imatch 'does not exist'
}

# create killed at NAME: exit 137, still tracked with one of the given statuses, then removable and
# the ID reusable by a fresh create.
create_fault() {
	local name=$1 want=$2
	need_fault_points
	set_args sleep 100
	new_id
	fault "$name" create -b "$BUNDLE" "$ID"
	assert_status 137
	check_still_tracked
	[[ $STATUS =~ $want ]] || {
		echo "after $name: status $STATUS, expected /$want/" >&2
		return 1
	}
	# The ID is still taken until delete.
	run rt create -b "$BUNDLE" "$ID" </dev/null 3>&-
	[ "$status" -ne 0 ]
	assert_imatch 'already exists'
	check_delete_force
	rt create -b "$BUNDLE" "$ID" </dev/null 3>&-
	[ "$(ctr_status "$ID")" = created ]
}

@test "faults: create killed right after the state dir exists" {
	create_fault create-state-dir '^stopped$'
}

# The cgroup is in the record before its mkdir: a kill between the two leaves an entry for a cgroup
# that may not exist, which delete takes as already removed.
@test "faults: create killed after recording the cgroup, before its mkdir" {
	create_fault create-cgroup-recorded '^stopped$'
}

@test "faults: create killed after the cgroup mkdir" {
	create_fault create-cgroup '^stopped$'
}

# init exists but is not in the record yet: it dies with create (parent-death signal), and what is
# in the cgroup goes with the cgroup.
@test "faults: create killed after the clone, before init is recorded" {
	create_fault create-cloned '^stopped$'
}

# init dies with create (parent-death signal) until it reports ready, so either word is honest.
@test "faults: create killed after the clone of init" {
	create_fault create-after-clone '^(creating|stopped)$'
}

# init outlives create from here on: it must be known (creating), never taken for stopped.
@test "faults: create killed after init is ready, before the final state write" {
	create_fault create-before-state '^creating$'
	run rt start "$ID"
	assert_status 0
}

# state.json is written once, at the end of create: a kill right after it leaves a whole container.
@test "faults: create killed after the state write" {
	create_fault create-after-state '^created$'
	run rt start "$ID"
	assert_status 0
}

# run goes through the same create: killed at any of its steps, the container is tracked and
# delete --force leaves nothing of it, each time.
@test "faults: run -d killed at each step of its create" {
	need_fault_points
	set_args sleep 100
	local step
	for step in create-state-dir create-cgroup-recorded create-cgroup create-cloned \
		create-after-clone create-before-state create-after-state; do
		new_id
		fault "$step" run -d -b "$BUNDLE" "$ID"
		assert_status 137
		check_still_tracked
		check_delete_force
		[ -z "$(leaked_cgroups)" ] || {
			echo "after $step: cgroups left: $(leaked_cgroups)" >&2
			return 1
		}
		[ -z "$(leaked_state)" ]
	done
}

# The start time of pid $1 (field 22 of /proc/PID/stat).
start_time() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $20 }'
}

# record_line WORDS: one entry of the container record (runtime/record.h): CRC-32, length, words.
record_line() {
	python3 -c 'import sys, zlib; p = sys.argv[1].encode(); sys.stdout.write("%08x %d %s\n" % (zlib.crc32(p), len(p), sys.argv[1]))' "$*"
}

gone() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -z "$st" ] || [ "$st" = Z ]
}

# What delete --force goes by is the record a create left (here one written by hand, with no
# state.json, as a crash leaves it): every entry up to a torn one is removed, last first; a pid
# whose start time differs (reused) is not killed; an unknown kind is reported, not fatal; and a
# torn last entry is never trusted.
@test "faults: delete --force removes what the record lists, and nothing past a torn entry" {
	[ "$RUNTIME_NAME" = berth ] || skip "berth's own record"
	command -v python3 >/dev/null || skip "no python3 to write the record's checksums"
	new_id
	mkdir -p "$STATE_ROOT/$ID"
	local h keep=$CG_TEST/keep
	while read -r h; do mkdir -p "$h$CG" "$h$keep"; done < <(cg_hierarchies)
	BERTH_ITEST_MARK=$MARK sleep 100 </dev/null >/dev/null 2>&1 3>&- &
	in_cg=$!
	echo "$in_cg" >"$(cg_path "$CG" pids cgroup.procs)"
	BERTH_ITEST_MARK=$MARK sleep 100 </dev/null >/dev/null 2>&1 3>&- &
	by_pid=$!
	BERTH_ITEST_MARK=$MARK sleep 100 </dev/null >/dev/null 2>&1 3>&- &
	reused=$!
	{
		echo "berth-record 1"
		record_line cgroup "$CG_MODE" "$CG" 1
		record_line process "$by_pid" "$(start_time "$by_pid")"
		record_line process "$reused" "$(($(start_time "$reused") + 1))"
		record_line martian /somewhere
		record_line cgroup "$CG_MODE" "$keep" 1 | head -c 20
	} >"$STATE_ROOT/$ID/holds"
	run timeout 20 "$RUNTIME" --root "$STATE_ROOT" delete --force "$ID"
	assert_status 0
	assert_imatch 'unknown kind "martian"'
	assert_imatch 'torn'
	[ ! -e "$STATE_ROOT/$ID" ]
	retry 100 gone "$in_cg"
	gone "$by_pid"
	gone "$reused" && {
		echo "a process with another start time was killed" >&2
		return 1
	}
	kill -9 "$reused"
	[ -z "$(leaked_cgroups | grep -v "$keep\$")" ]
	while read -r h; do
		[ -d "$h$keep" ] || {
			echo "$h$keep was removed from a torn entry" >&2
			return 1
		}
		rmdir "$h$keep"
	done < <(cg_hierarchies)
}

# init dying during setup is a failed create: an error naming the signal, and a full rollback.
init_fault() {
	need_fault_points
	set_args sleep 100
	new_id
	fault "$1" create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ] && [ "$status" -ne 137 ]
	# init is PID 1 of its pid namespace, which ignores its own SIGKILL: it exits with 137 instead.
	assert_imatch 'died during setup \((signal 9|exit status 137)\)'
	[ -z "$(leaked_state)" ]
	[ -z "$(leaked_cgroups)" ]
	[ -z "$(marked_pids)" ]
	run timeout 10 "$RUNTIME" --root "$STATE_ROOT" list -q
	assert_status 0
	assert_output ""
}

@test "faults: init killed after building the rootfs: create fails and rolls back" {
	init_fault init-after-rootfs
}

@test "faults: init killed before reporting ready: create fails and rolls back" {
	init_fault init-before-ready
}

@test "faults: init killed after start released it, before execve" {
	need_fault_points
	set_args sleep 100
	new_id
	fault init-after-start create -b "$BUNDLE" "$ID"
	assert_status 0
	rt start "$ID" || true
	wait_status "$ID" stopped
	check_still_tracked
	rt delete "$ID"
}

@test "faults: run -d killed after the start" {
	need_fault_points
	set_args sleep 100
	new_id
	fault run-after-start run -d -b "$BUNDLE" "$ID"
	assert_status 137
	check_still_tracked
	[ "$STATUS" = running ]
	check_delete_force
}

@test "faults: start killed with the lock held: the container stays created and starts later" {
	need_fault_points
	ctr_create sleep 100
	fault start-locked start "$ID"
	assert_status 137
	check_still_tracked
	[ "$STATUS" = created ]
	rt start "$ID"
	[ "$(ctr_status "$ID")" = running ]
	check_delete_force
}

@test "faults: start killed after init passed the exec fifo" {
	need_fault_points
	ctr_create sleep 100
	fault start-after-fifo start "$ID"
	assert_status 137
	wait_status "$ID" running
	check_still_tracked
	check_delete_force
}

exec_fault() {
	need_fault_points
	ctr_detach sleep 100
	fault "$1" exec "$ID" sleep 100
	assert_status 137
	check_still_tracked
	[ "$STATUS" = running ]
	# The container is unharmed: a new exec works.
	exec_in "$ID" echo still-here
	assert_status 0
	assert_output still-here
	check_delete_force
}

@test "faults: exec killed once the process joined the cgroup" {
	exec_fault exec-after-cgroup
}

@test "faults: exec killed once the exec'd process exists" {
	exec_fault exec-after-clone
}

delete_fault() {
	need_fault_points
	ctr_detach sleep 100
	fault "$1" delete --force "$ID"
	assert_status 137
	wait_status "$ID" stopped
	check_still_tracked
	check_delete_force
}

@test "faults: delete killed after killing the container" {
	delete_fault delete-after-kill
}

@test "faults: delete killed before the cgroup is destroyed" {
	delete_fault delete-before-destroy
}

@test "faults: delete killed after the cgroup removal" {
	delete_fault delete-after-cgroup
}

@test "faults: delete killed before the state dir removal" {
	delete_fault delete-before-rmdir
}

@test "faults: delete of a created container killed midway" {
	need_fault_points
	ctr_create sleep 100
	fault delete-after-cgroup delete "$ID"
	assert_status 137
	check_still_tracked
	[ "$STATUS" = stopped ]
	rt delete "$ID"
}

# --root on a tiny tmpfs that is full apart from a few KiB: create must fail naming ENOSPC and leave
# nothing (no cgroup, process, mount or state dir entry), and list must keep working with the
# containers that were there before.
@test "faults: a full disk under --root fails create with ENOSPC and a full rollback" {
	mount -t tmpfs -o size=64k,mode=0700 "berth-itest-full" "$STATE_ROOT"
	set_args sleep 100
	new_id
	first=$ID
	rt create -b "$BUNDLE" "$first" </dev/null 3>&-
	# Fill up all but one page: config.json (a few KiB) may still fit, state.json then cannot.
	for left in 4096 0; do
		free=$(($(stat -f -c '%a * %S' "$STATE_ROOT")))
		fill=$((free - left))
		[ "$fill" -gt 0 ] && head -c "$fill" /dev/zero >"$STATE_ROOT/.filler"
		new_id
		run rt create -b "$BUNDLE" "$ID" </dev/null 3>&-
		[ "$status" -ne 0 ]
		# runc 1.1.5 loses the cause here ("unable to store init state: %!w(<nil>)"), so only
		# berth is held to naming it.
		[ "$RUNTIME_NAME" != berth ] || assert_imatch 'no space left on device'
		[ ! -e "$STATE_ROOT/$ID" ]
		run timeout 10 "$RUNTIME" --root "$STATE_ROOT" state "$ID"
		[ "$status" -ne 0 ]
		# Only the first container's cgroup and init are left.
		[ -z "$(leaked_cgroups | grep -v "$CG_TEST/c1\$")" ]
		pids=$(marked_pids | grep -vx "$(ctr_pid "$first")" || true)
		[ -z "$pids" ] || {
			echo "processes left by the failed create: $pids" >&2
			return 1
		}
		# No mount but the test's own tmpfs.
		[ -z "$(leaked_mounts | grep -vx "$STATE_ROOT")" ]
		run timeout 10 "$RUNTIME" --root "$STATE_ROOT" list --format json
		assert_status 0
		jq -e --arg id "$first" 'map(.id) == [$id]' <<<"$output" >/dev/null
		rm -f "$STATE_ROOT/.filler"
	done
	# Every state.json left parses, and no temporary file is left behind.
	for f in "$STATE_ROOT"/*/state.json; do
		[ -e "$f" ] || continue
		jq -e . "$f" >/dev/null
	done
	[ -z "$(find "$STATE_ROOT" -name '*.tmp')" ]
	[ "$(ctr_status "$first")" = created ]
	rt delete --force "$first"
	[ -z "$(leaked_state)" ]
	umount "$STATE_ROOT"
}

# A create killed after the record names a cgroup and before the mkdir refused it: a path that
# can never exist (longer than PATH_MAX, from a hostile config) is as gone as a
# missing one, and delete --force must not stop there forever (the corpus left such state dirs).
@test "faults: delete --force of a record naming a cgroup that could not be made (name too long)" {
	[ "$RUNTIME_NAME" = berth ] || skip "berth's own record"
	command -v python3 >/dev/null || skip "no python3 to write the record's checksums"
	new_id
	mkdir -p "$STATE_ROOT/$ID"
	{
		echo "berth-record 1"
		record_line cgroup "$CG_MODE" "$CG/$(printf 'c%.0s' {1..4100})" 1
	} >"$STATE_ROOT/$ID/holds"
	run timeout 20 "$RUNTIME" --root "$STATE_ROOT" delete --force "$ID"
	assert_status 0
	[ ! -e "$STATE_ROOT/$ID" ]
}
