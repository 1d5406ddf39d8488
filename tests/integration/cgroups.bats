#!/usr/bin/env bats
# bats file_tags=cgroups,vm
# Resource limits proved by effect, freeze, update, stats, ps, kill --all and cleanup. Works on this
# hybrid host (v1 controllers) and in the pure v2 VM (tests/vm/vm-run); the mode comes from
# `stat -f -c %T /sys/fs/cgroup` in helpers.bash.

load helpers

# cgf V1CONTROLLER V1FILE V2FILE: the container cgroup's file for the current mode.
cgf() {
	if [ "$CG_MODE" = v2 ]; then
		cg_path "$CG" "" "$3"
	else
		cg_path "$CG" "$1" "$2"
	fi
}

no_cgroup_left() {
	local h
	for h in $(cg_hierarchies); do
		if [ -d "$h$CG" ]; then
			echo "cgroup left: $h$CG" >&2
			return 1
		fi
	done
}

@test "memory limit 32M: a process allocating more is killed, run exits 137" {
	cfg '.linux.resources.memory = {"limit": 33554432}'
	ctr_run dd if=/dev/zero of=/dev/null bs=64M count=1
	assert_status 137
	if [ "$RUNTIME_NAME" = berth ]; then
		assert_match 'OOM-killed: memory limit 32M reached'
	fi
}

@test "memory limit 32M: an allocation under the limit succeeds" {
	cfg '.linux.resources.memory = {"limit": 33554432}'
	ctr_run dd if=/dev/zero of=/dev/null bs=8M count=1
	assert_status 0
}

@test "memory limit is written to the controller file" {
	cfg '.linux.resources.memory = {"limit": 33554432}'
	ctr_detach sleep 100
	[ "$(cat "$(cgf memory memory.limit_in_bytes memory.max)")" = 33554432 ]
}

@test "pids limit 20 holds a fork bomb and the host stays responsive" {
	cfg '.linux.resources.pids = {"limit": 20}'
	# busybox sh gives up at the first failed fork, so the bomb runs in a child shell; after it, only
	# builtins, since nothing else can fork then
	ctr_run sh -c 'sh -c "for i in \$(seq 100); do sleep 5 & done" 2>/tmp/err; set -- /proc/[0-9]*; echo $#
		n=0; while read -r l; do case $l in *fork*) n=$((n + 1)) ;; esac; done </tmp/err; echo $n'
	n=$(sed -n 1p <<<"$output")
	fails=$(sed -n 2p <<<"$output")
	[ "$n" -le 21 ]
	[ "$fails" -gt 0 ]
	timeout 2 true
}

@test "pids limit is written to pids.max" {
	cfg '.linux.resources.pids = {"limit": 20}'
	ctr_detach sleep 100
	[ "$(cat "$(cgf pids pids.max pids.max)")" = 20 ]
}

@test "cpu quota 20%: the container is throttled" {
	cfg '.linux.resources.cpu = {"quota": 20000, "period": 100000}'
	ctr_detach sh -c 'while :; do :; done'
	sleep 1
	a=$(awk '/^nr_throttled/ { print $2 }' "$(cgf cpu cpu.stat cpu.stat)")
	sleep 1
	b=$(awk '/^nr_throttled/ { print $2 }' "$(cgf cpu cpu.stat cpu.stat)")
	[ "$a" -gt 0 ]
	[ "$b" -gt "$a" ]
}

@test "cpu quota 20%: the busy loop gets about 20% of one cpu" {
	cfg '.linux.resources.cpu = {"quota": 20000, "period": 100000}'
	ctr_detach sh -c 'while :; do :; done'
	pid=$(ctr_pid "$ID")
	t0=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
	sleep 2
	t1=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
	hz=$(getconf CLK_TCK)
	# 2 s at 20% is 0.4 s of cpu; allow up to 0.7 s
	[ $(((t1 - t0) * 1000 / hz)) -le 700 ]
	[ $(((t1 - t0) * 1000 / hz)) -ge 100 ]
}

@test "devices: a denied device cannot be opened, an allowed one can" {
	cfg '.linux.devices = [
			{"path": "/dev/itest-denied", "type": "c", "major": 240, "minor": 0, "fileMode": 438},
			{"path": "/dev/itest-allowed", "type": "c", "major": 1, "minor": 5, "fileMode": 438}]
		| .linux.resources.devices = [{"allow": false, "access": "rwm"},
			{"allow": true, "type": "c", "major": 1, "minor": 5, "access": "rw"}]'
	# 240:0 has no driver: allowed, opening it would fail with ENXIO; denied, it fails with EPERM
	ctr_run sh -c 'head -c 3 /dev/itest-allowed | wc -c; (echo x > /dev/itest-denied) 2>&1'
	[ "$(sed -n 1p <<<"$output")" = 3 ]
	assert_imatch 'not permitted'
}

@test "devices: a deny rule after the defaults denies /dev/null" {
	[ "$RUNTIME_NAME" != runc ] || skip "runc 1.1.5 appends its default allow rules after the config's"
	cfg '.linux.resources.devices += [{"allow": false, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
	ctr_run sh -c '(echo x > /dev/null) 2>&1'
	assert_imatch 'not permitted'
}

@test "pause freezes the container and resume thaws it" {
	ctr_detach sh -c 'i=0; while :; do i=$((i + 1)); echo $i > /tmp/c; sleep 0.05; done'
	retry 30 test -s "$BUNDLE/rootfs/tmp/c"
	rt pause "$ID"
	[ "$(ctr_status "$ID")" = paused ]
	sleep 0.2
	a=$(cat "$BUNDLE/rootfs/tmp/c")
	sleep 0.6
	b=$(cat "$BUNDLE/rootfs/tmp/c")
	[ "$a" = "$b" ]
	rt resume "$ID"
	[ "$(ctr_status "$ID")" = running ]
	sleep 0.6
	c=$(cat "$BUNDLE/rootfs/tmp/c")
	[ "$c" -gt "$b" ]
}

@test "pause shows paused in list" {
	ctr_detach sleep 100
	rt pause "$ID"
	rt list | grep -E "^$ID +[0-9]+ +paused "
	rt resume "$ID"
}

@test "pause of a stopped container fails" {
	ctr_detach true
	wait_status "$ID" stopped
	run rt pause "$ID"
	[ "$status" -ne 0 ]
}

@test "update --memory on a running container: a new allocation is killed" {
	ctr_detach sleep 100
	exec_in "$ID" dd if=/dev/zero of=/dev/null bs=64M count=1
	assert_status 0
	rt update --memory 32M "$ID"
	exec_in "$ID" dd if=/dev/zero of=/dev/null bs=64M count=1
	assert_status 137
}

@test "update --pids-limit on a running container: forks fail" {
	ctr_detach sleep 100
	bomb='sh -c "for i in \$(seq 10); do sleep 1 & done; wait" 2>/tmp/e; n=0; while read -r l; do n=$((n + 1)); done </tmp/e; echo $n'
	exec_in "$ID" sh -c "$bomb"
	assert_output 0
	rt update --pids-limit 5 "$ID"
	exec_in "$ID" sh -c "$bomb"
	[ "$output" -gt 0 ]
}

@test "update -r with a JSON resources file" {
	ctr_detach sleep 100
	echo '{"pids": {"limit": 7}}' >"$WORK/res.json"
	rt update -r "$WORK/res.json" "$ID"
	[ "$(cat "$(cgf pids pids.max pids.max)")" = 7 ]
}

@test "events --stats: pids.current equals the processes started" {
	ctr_detach sh -c 'sleep 1000 & sleep 1000 & wait'
	retry 30 sh -c "[ \$(cat '$(cgf pids cgroup.procs cgroup.procs)' | wc -l) -eq 3 ]"
	run rt events --stats "$ID"
	assert_status 0
	jq -e --arg id "$ID" '.type == "stats" and .id == $id and .data.pids.current == 3
		and .data.memory.usage.usage > 0' <<<"$output"
}

@test "ps lists the container's processes" {
	ctr_detach sh -c 'sleep 1000 & sleep 1001 & wait'
	retry 30 sh -c "[ \$(cat '$(cgf pids cgroup.procs cgroup.procs)' | wc -l) -eq 3 ]"
	run rt ps "$ID"
	assert_status 0
	grep -q 'sleep 1000' <<<"$output"
	grep -q 'sleep 1001' <<<"$output"
	run rt ps --format json "$ID"
	[ "$(jq -r '.[]' <<<"$output" | sort -n | xargs)" = "$(sort -n "$(cgf pids cgroup.procs cgroup.procs)" | xargs)" ]
}

@test "kill --all signals every process, not only init" {
	ctr_detach sh -c 'sleep 1000 & sleep 1000 & while :; do sleep 0.2; done'
	retry 30 sh -c "[ \$(cat '$(cgf pids cgroup.procs cgroup.procs)' | wc -l) -ge 3 ]"
	# init (PID 1 inside) has no TERM handler and ignores it; the sleeps die
	rt kill --all "$ID" TERM
	sleep 0.5
	[ "$(ctr_status "$ID")" = running ]
	for p in $(cat "$(cgf pids cgroup.procs cgroup.procs)"); do
		[ "$(tr '\0' ' ' </proc/$p/cmdline)" != "sleep 1000 " ]
	done
}

@test "the container's processes are in cgroupsPath in every hierarchy (not under the caller's)" {
	ctr_detach sleep 100
	pid=$(ctr_pid "$ID")
	if [ "$CG_MODE" = v2 ]; then
		grep -qx "0::$CG" /proc/$pid/cgroup
	else
		for c in memory pids cpu freezer devices; do
			grep -qE "^[0-9]+:([^:]*,)?$c(,[^:]*)?:$CG\$" /proc/$pid/cgroup
		done
	fi
}

@test "hybrid: the container also joins cgroupsPath in the unified hierarchy" {
	[ "$CG_MODE" = hybrid ] || skip "not a hybrid host"
	[ "$RUNTIME_NAME" = berth ] || skip "runc 1.1.5 leaves the unified hierarchy alone here"
	ctr_detach sleep 100
	grep -qx "0::$CG" /proc/$(ctr_pid "$ID")/cgroup
}

@test "every cgroup dir is gone after delete" {
	cfg '.linux.resources.pids = {"limit": 50}'
	ctr_detach sleep 100
	[ -d "$(dirname "$(cgf pids pids.max pids.max)")" ]
	rt delete --force "$ID"
	no_cgroup_left
}

@test "every cgroup dir is gone after delete of a stopped container" {
	ctr_detach true
	wait_status "$ID" stopped
	rt delete "$ID"
	no_cgroup_left
}

@test "every cgroup dir is gone after delete --force of a paused container" {
	ctr_detach sleep 100
	rt pause "$ID"
	rt delete --force "$ID"
	no_cgroup_left
	run rt state "$ID"
	[ "$status" -ne 0 ]
}

@test "every cgroup dir is gone after a failed create" {
	cfg '.linux.resources.pids = {"limit": 50}'
	ctr_create /no/such/program || true
	no_cgroup_left
}

@test "a memory limit below the kernel minimum or with bad swap fails cleanly" {
	cfg '.linux.resources.memory = {"limit": 33554432, "swap": 16777216}'
	ctr_run true
	[ "$status" -ne 0 ]
	no_cgroup_left
}
