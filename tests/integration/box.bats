#!/usr/bin/env bats
# berth box --host: a job on the host in a cgroup with limits, and the report of what it used.
# Every job's cgroup goes under this test's prefix (--cgroup-parent), its state under $STATE_ROOT.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	[ "$RUNTIME_NAME" = berth ] || skip "berth box is berth's own"
}

# box ARGS... -- CMD: berth box with this test's state root and cgroup prefix, through bats' run.
box() {
	run rt box --host --cgroup-parent "$CG_TEST" "$@" </dev/null
}

# The JSON report of the last run_report call.
run_report() {
	REPORT=$WORK/report.json
	rm -f "$REPORT"
	box --report "$REPORT" "$@"
}
rj() {
	jq -r "$1" "$REPORT"
}

# job_running COMM: a process of this test named COMM runs (the job, not berth).
job_running() {
	local p
	for p in $(marked_pids); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$1" ] && return 0
	done
	return 1
}

memtouch() {
	static_probe memtouch
	echo "$PROBE"
}

# sample_pids DIR MIN: the most tasks and refused forks seen so far in the box-* cgroups under DIR
# (pids.current, the "max" count of pids.events), kept in the caller's $max and $refused; true once
# forks were refused with at least MIN tasks.
sample_pids() {
	local n r
	n=$(cat "$1"/box-*/pids.current 2>/dev/null || echo 0)
	[ "$n" -gt "$max" ] && max=$n
	r=$(awk '$1 == "max" { print $2 }' "$1"/box-*/pids.events 2>/dev/null || true)
	[ "${r:-0}" -gt "$refused" ] && refused=$r
	[ "$refused" -gt 0 ] && [ "$max" -ge "$2" ]
}

@test "box: the job sees the host as it is: root, cwd, user, env, network; its own PID namespace" {
	cd "$WORK"
	echo host-file >"$WORK/f"
	box -e EXTRA=1 -- sh -c 'cat f; pwd; id -u; echo "$EXTRA $BERTH_ITEST_MARK"; echo $$; ls /proc | grep -c "^[0-9]"; readlink /proc/self/ns/net'
	assert_status 0
	lines=($(grep -v '^berth box\|^  ' <<<"$output"))
	[ "${lines[0]}" = host-file ]
	[ "${lines[1]}" = "$WORK" ]
	[ "${lines[2]}" = "$(id -u)" ]
	[ "${lines[3]}" = 1 ] && [ "${lines[4]}" = "$MARK" ]
	[ "${lines[5]}" = 1 ]                  # PID 1 of its own namespace
	[ "${lines[6]}" -le 3 ]                # its own /proc: only the job's processes
	[ "${lines[7]}" = "$(readlink /proc/self/ns/net)" ]
	assert_match "exited with status 0"
	# The host's /proc is untouched (the job's is in its own mount namespace).
	[ "$(ls /proc | grep -c '^[0-9]')" -gt 10 ]
}

@test "box: -u USER, --env-clear and the exit status pass through" {
	box -u nobody --env-clear -e ONLY=yes -- /bin/sh -c 'id -un; env | grep -v "^PWD=\|^SHLVL=\|^_=\|^HOME=" | sort; exit 7'
	assert_status 7
	[[ ${lines[0]} == nobody ]]
	[[ ${lines[1]} == ONLY=yes ]]
	assert_match "exited with status 7"
}

# bats test_tags=vm
@test "box: a job allocating past --memory is OOM-killed, exit 137, the report names the limit" {
	run_report -m 32M -- "$(memtouch)" 200
	assert_status 137
	[ "$(rj .oom_kills)" -ge 1 ]
	[ "$(rj .oom_limit)" = "memory limit 32.0 MiB" ]
	[ "$(rj .signal)" = 9 ]
	[ "$(rj .limits.memory_bytes)" = 33554432 ]
	# Text form too.
	box -m 32M -- "$(memtouch)" 200
	assert_status 137
	assert_match "OOM kills: +1 \(memory limit 32.0 MiB\)"
}

# bats test_tags=vm
@test "box: the report's peak memory is what the job allocated on purpose (64 MiB, within 5%)" {
	run_report -m 256M -- "$(memtouch)" 64
	assert_status 0
	peak=$(rj .peak_memory_bytes)
	echo "peak: $peak"
	[ "$peak" -ge $((64 << 20)) ]
	[ "$peak" -le $((64 * 105 / 100 << 20)) ]
	[ "$(rj .oom_kills)" = 0 ]
}

# bats test_tags=slow
@test "box: a fork bomb is held at --pids-limit, the host stays responsive, the bomb is killed" {
	# Every process forks for ever; bash retries what the limit refuses (dash would give up). Under
	# emulation (the VM) on a busy host, bash's forks are slow enough that 4 s may end the bomb
	# before it reaches the limit: the job gets longer there (it is bounded either way).
	local limit=4s
	[ -n "${BERTH_VM:-}" ] && limit=20s
	BERTH_ITEST_MARK=$MARK "$RUNTIME" --root "$STATE_ROOT" box --host --cgroup-parent "$CG_TEST" \
		--report "$WORK/r.json" --pids-limit 24 --timeout "$limit" \
		-- bash -c 'f() { while :; do f & done; }; f 2>/dev/null' </dev/null >/dev/null 2>&1 3>&- &
	pid=$!
	local d max=0 refused=0
	d=$(dirname "$(cg_path "$CG_TEST" pids x)")
	# Sampled while the bomb's cgroup is there: under emulation (the VM) the job may take most
	# of its timeout to start, and its cgroup goes when it ends.
	retry 180 sample_pids "$d" 20
	# The host can still start processes while the bomb runs.
	for i in 1 2 3 4 5; do /bin/true; done
	for i in 1 2 3 4 5; do
		sample_pids "$d" 20 || true
		sleep 0.1
	done
	echo "pids.current during the bomb: up to $max; forks refused: $refused"
	[ "$max" -le 24 ] && [ "$max" -ge 20 ]
	[ "$refused" -gt 0 ]
	wait "$pid" || st=$?
	[ "${st:-0}" = 124 ]
	REPORT=$WORK/r.json
	[ "$(rj .timed_out)" = true ]
	[ "$(rj .peak_tasks)" -le 24 ]
	[ "$(rj .peak_tasks)" -ge 20 ]
	# The report says why the job struggled: the forks the limit refused.
	[ "$(rj .forks_refused)" -gt 0 ]
}

# cpu_ratio: CPU seconds per wall second of the last run_report.
cpu_ratio() {
	jq '(.user_cpu_seconds + .system_cpu_seconds) / .wall_seconds' "$REPORT"
}

# bats test_tags=vm,slow
@test "box: a busy loop with --cpus 0.5 gets about half a core over its window" {
	# Two loops, so that without the limit the job could take both cores. The same job without
	# a limit first: on a host too busy to give it more than the limit, the limit cannot show.
	loops='while :; do :; done & while :; do :; done'
	run_report --timeout 3s -- sh -c "$loops"
	assert_status 124
	free=$(cpu_ratio)
	run_report --cpus 0.5 --timeout 4s -- sh -c "$loops"
	assert_status 124
	limited=$(cpu_ratio)
	echo "cores used: $free without a limit, $limited with --cpus 0.5 (throttled $(rj .cpu_throttled_seconds) s)"
	[ "$(rj .limits.cpus)" = 0.5 ]
	awk -v f="$free" 'BEGIN { exit !(f > 0.8) }' || skip "host too busy: the job got only $free cores without a limit"
	awk -v l="$limited" 'BEGIN { exit !(l >= 0.35 && l <= 0.65) }'
}

@test "box: background processes a job leaves behind die with it" {
	box -- sh -c "sleep 300 & sleep 301 & echo started"
	assert_status 0
	assert_match started
	# teardown's leak check also looks for marked processes; check here explicitly.
	[ -z "$(marked_pids)" ]
	[ -z "$(leaked_cgroups)" ]
	[ -z "$(ls "$STATE_ROOT")" ]
}

# bats test_tags=vm
@test "box: berth killed with SIGKILL leaves no job process; the next box removes its cgroup" {
	BERTH_ITEST_MARK=$MARK "$RUNTIME" --root "$STATE_ROOT" box --host --cgroup-parent "$CG_TEST" \
		-- sh -c 'sleep 300 & sleep 302' </dev/null >/dev/null 2>&1 3>&- &
	pid=$!
	retry 300 job_running sleep
	kill -9 "$pid"
	wait "$pid" || true
	retry 300 no_marked_pids
	# berth could not clean up after SIGKILL: its state and cgroup are there until the next box.
	[ -n "$(ls "$STATE_ROOT")" ]
	box -- true
	assert_status 0
	[ -z "$(ls "$STATE_ROOT")" ]
	[ -z "$(leaked_cgroups)" ]
}

@test "box: --timeout kills the whole job tree, says so, exit 124" {
	run_report --timeout 1s -- sh -c 'sleep 100 & sleep 101'
	assert_status 124
	[ "$(rj .timed_out)" = true ]
	[ "$(rj .limits.timeout_seconds)" = 1 ] || [ "$(rj .limits.timeout_seconds)" = 1.0 ]
	box --timeout 500ms -- sleep 100
	assert_status 124
	assert_match "timed out after 0.5s"
}

@test "box: SIGTERM and SIGINT reach the job; a job that handles them decides" {
	# sleep as PID 1 has no handler: it ends the way it would on the host (128+N).
	BERTH_ITEST_MARK=$MARK "$RUNTIME" --root "$STATE_ROOT" box --host --cgroup-parent "$CG_TEST" \
		-- sleep 100 </dev/null >/dev/null 2>"$WORK/err" 3>&- &
	pid=$!
	retry 300 job_running sleep
	kill -TERM "$pid"
	wait "$pid" || st=$?
	[ "$st" = 143 ]
	grep -q "ended by Terminated" "$WORK/err"
	# A job with a handler gets the signal and exits on its own terms.
	BERTH_ITEST_MARK=$MARK "$RUNTIME" --root "$STATE_ROOT" box --host --cgroup-parent "$CG_TEST" \
		-- sh -c 'trap "echo got-int; exit 5" INT; sleep 100 & wait' </dev/null >"$WORK/out" 2>&1 3>&- &
	pid=$!
	retry 300 job_running sleep
	sleep 0.2
	kill -INT "$pid"
	wait "$pid" || st=$?
	[ "$st" = 5 ]
	grep -q got-int "$WORK/out"
	# timeout(1) around berth works.
	run timeout 1 "$RUNTIME" --root "$STATE_ROOT" box --host --cgroup-parent "$CG_TEST" -- sleep 100 </dev/null
	assert_status 124
	assert_match "ended by Terminated"
}

# io_weight_flag N: "--io-weight N" where this kernel has a weight file (v1 blkio.weight or
# blkio.bfq.weight; a v1 blkio without an IO scheduler that weighs has neither, and the limit fails).
io_weight_flag() {
	if [ "$CG_MODE" = v2 ] || [ -e /sys/fs/cgroup/blkio/blkio.weight ] ||
		[ -e /sys/fs/cgroup/blkio/blkio.bfq.weight ]; then
		echo "--io-weight $1"
	fi
}

# bats test_tags=vm
@test "box: --report JSON has every field" {
	run_report -m 64M --memory-swap 128M --pids-limit 100 $(io_weight_flag 300) -- sh -c 'echo hi'
	assert_status 0
	for k in id cgroup_mode exit_code wall_seconds user_cpu_seconds system_cpu_seconds \
		cpu_throttled_seconds peak_memory_bytes oom_kills peak_tasks peak_tasks_source limits; do
		jq -e "has(\"$k\")" "$REPORT" >/dev/null || { echo "missing $k"; return 1; }
	done
	[ "$(rj .exit_code)" = 0 ]
	[ "$(rj .limits.memory_swap_bytes)" = $((128 << 20)) ]
	[ "$(rj .limits.pids)" = 100 ]
	[ -z "$(io_weight_flag 1)" ] || [ "$(rj .limits.io_weight)" = 300 ]
	[ "$(rj .peak_tasks)" -ge 1 ]
	[ "$output" = hi ]
}

@test "box: the report's numbers are rounded, and it names the command, start, exit status" {
	run_report --cpus 1.1 --timeout 2.2s -- sh -c 'echo "a b" >/dev/null; exit 3'
	assert_status 3
	cat "$REPORT"
	# jansson's default writes the double nearest to 1.1 as 1.1000000000000001
	grep -q '"cpus": 1.1,\?$' "$REPORT"
	grep -q '"timeout_seconds": 2.2,\?$' "$REPORT"
	! grep -E '[0-9]\.[0-9]{4,}' "$REPORT"
	[ "$(jq -c .command "$REPORT")" = '["sh","-c","echo \"a b\" >/dev/null; exit 3"]' ]
	[[ $(rj .started) =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$ ]]
	[ "$(rj .exit_code)" = 3 ]
	box --cpus 1.1 -- sh -c 'exit 3'
	assert_match "command: +sh -c 'exit 3'"
	assert_match "started: +[0-9]{4}-[0-9]{2}-[0-9]{2}T"
	assert_match "exited with status 3"
	assert_match '"cpus":1.1[,}]'
}

# bats test_tags=vm
@test "box: the report has the job's block IO where the kernel counts it, and says so where not" {
	if [ "$BERTH_VM" = 1 ]; then
		blk=/dev/vda
		[ -b "$blk" ] || skip "the VM has no scratch disk /dev/vda (vm-run --disk)"
	else
		truncate -s 16M "$WORK/blk.img"
		blk=$(losetup -f --show "$WORK/blk.img")
	fi
	dd="dd if=/dev/zero of=$blk bs=64k count=64 oflag=direct"
	# With a (high) limit on the device, both v1 blk-throttle and v2 io.stat count it.
	run_report --device-write-bps "$blk:1G" -- sh -c "$dd 2>/dev/null"
	local st=$status written=$(rj .io_write_bytes)
	box --device-write-bps "$blk:1G" -- sh -c "$dd 2>/dev/null"
	[ "$BERTH_VM" = 1 ] || losetup -d "$blk"
	[ "$st" = 0 ]
	echo "written: $written"
	[ "$written" -ge $((4 << 20)) ]
	assert_match "block IO: +[0-9.]+ [KMG]?i?B read, 4.0 MiB written"
	# v1 blk-throttle keeps figures only for devices that have a limit (in any cgroup, once set):
	# for a job that did no IO there it has none, and the report says so.
	run_report -- true
	if [ "$CG_MODE" = v2 ]; then
		[ "$(rj .io_write_bytes)" = 0 ]
	elif [ "$(rj .io_write_bytes)" = null ]; then
		[[ $(rj .not_available.io) == *"counts IO only on devices that have a bps or iops limit"* ]]
		box -- true
		assert_match "block IO: +not available \(the v1 blkio controller"
	else
		# A device that got a limit anywhere before (this test's loop device, in a cgroup
		# already gone) can leave the kernel keeping per-device rows for new cgroups too: then
		# the job's figure is there, and it did no IO.
		[ "$(rj .io_write_bytes)" = 0 ]
	fi
}

# bats test_tags=vm
@test "box: the report has pressure stall times where the kernel keeps them (v2, hybrid)" {
	# Two busy loops on one CPU: each waits while the other runs.
	run_report --timeout 1s -- taskset -c 0 sh -c 'while :; do :; done & while :; do :; done'
	assert_status 124
	cat "$REPORT"
	if [ "$CG_MODE" = v1 ]; then
		[ "$(rj .pressure)" = null ]
		[ -n "$(rj .not_available.pressure)" ]
		return
	fi
	[ -e /proc/pressure/cpu ] || skip "this kernel keeps no pressure stall information"
	awk -v s="$(rj .pressure.cpu.some_seconds)" 'BEGIN { exit !(s > 0.1) }'
	[ "$(rj .pressure.memory.some_seconds)" != null ]
	[ "$(rj .pressure.io.full_seconds)" != null ]
	box --timeout 1s -- taskset -c 0 sh -c 'while :; do :; done & while :; do :; done'
	assert_match "stalled \(PSI\): cpu [0-9.]+s, memory"
}

# bats test_tags=vm
@test "box: the report's peak swap is a figure, or null with the reason" {
	run_report -m 64M --memory-swap 128M -- "$(memtouch)" 16
	assert_status 0
	cat "$REPORT"
	swap=$(rj .swap_peak_bytes)
	if [ "$swap" = null ]; then
		# v2 before Linux 6.5 has no memory.swap.peak
		[ "$CG_MODE" = v2 ]
		[[ $(rj .not_available.swap_peak_bytes) == *memory.swap.peak* ]]
	else
		# no swap on these hosts: the job cannot have used any
		[ "$swap" -ge 0 ]
		grep -q . /proc/swaps && [ "$(wc -l </proc/swaps)" -gt 1 ] || [ "$swap" = 0 ]
	fi
	[ "$(rj .peak_memory_bytes)" -ge $((16 << 20)) ]
}

# bats test_tags=vm
@test "box: limits land in the job's cgroup (memory, swap, cpu, pids, io)" {
	dev=$(lsblk -dnpo NAME,TYPE 2>/dev/null | awk '$2 == "disk" { print $1; exit }')
	[ -n "$dev" ] || dev=$(awk '$4 ~ /^[a-z]+$/ { print "/dev/" $4; exit }' /proc/partitions)
	[ -n "$dev" ] || skip "no block device for the io limits"
	io=(--device-read-bps "$dev:1M" --device-write-bps "$dev:2M" $(io_weight_flag 200))
	if [ "$CG_MODE" = v2 ]; then
		box -m 64M --memory-swap 96M --cpus 1.5 --pids-limit 33 "${io[@]}" -- sh -c \
			'd=/sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup); cat $d/memory.max $d/memory.swap.max $d/cpu.max $d/pids.max $d/io.max'
		assert_status 0
		assert_match "67108864"
		assert_match "33554432"
		assert_match "150000 100000"
		assert_match "33"
		assert_match "rbps=1048576 wbps=2097152"
	else
		box -m 64M --memory-swap 96M --cpus 1.5 --pids-limit 33 "${io[@]}" -- sh -c \
			'for c in memory cpu pids blkio; do p=$(grep -E "[:,]$c[:,]" /proc/self/cgroup | cut -d: -f3); echo "$c=$p"; done >/dev/null
			 m=/sys/fs/cgroup/memory$(grep ":memory:" /proc/self/cgroup | cut -d: -f3)
			 c=/sys/fs/cgroup/cpu$(grep -E ":cpu,cpuacct:|:cpu:" /proc/self/cgroup | head -1 | cut -d: -f3)
			 p=/sys/fs/cgroup/pids$(grep ":pids:" /proc/self/cgroup | cut -d: -f3)
			 b=/sys/fs/cgroup/blkio$(grep ":blkio:" /proc/self/cgroup | cut -d: -f3)
			 cat $m/memory.limit_in_bytes $m/memory.memsw.limit_in_bytes $c/cpu.cfs_quota_us $p/pids.max $b/blkio.throttle.read_bps_device $b/blkio.throttle.write_bps_device'
		assert_status 0
		assert_match "67108864"
		assert_match "100663296"
		assert_match "150000"
		assert_match "33"
		assert_match " 1048576"
		assert_match " 2097152"
	fi
}

@test "box: --rootfs DIR runs the job in a plain directory with the same code path" {
	cd "$WORK"
	box_rootfs=$BUNDLE/rootfs
	run rt box --rootfs "$box_rootfs" --cgroup-parent "$CG_TEST" -m 64M -- /bin/sh -c 'cat /etc/hostname 2>/dev/null; ls /; echo $$' </dev/null
	assert_status 0
	assert_match "bin"
	[[ ${lines[-8]} == 1 ]] || assert_match $'\n1\n'
	# The host's root is not visible: no bats temp dir inside.
	run rt box --rootfs "$box_rootfs" --cgroup-parent "$CG_TEST" -q -- /bin/sh -c "test -e $WORK/bundle/config.json && echo leaked || echo isolated" </dev/null
	assert_output isolated
}

@test "box: a relative --rootfs is relative to the caller's cwd" {
	cd "$BUNDLE"
	run rt box --rootfs rootfs --cgroup-parent "$CG_TEST" -q -- /bin/sh -c 'test -d /bin && echo in-rootfs' </dev/null
	assert_status 0
	assert_output in-rootfs
	cd "$WORK"
	run rt box --rootfs ./bundle/rootfs/ --cgroup-parent "$CG_TEST" -q -- /bin/sh -c 'echo in-rootfs' </dev/null
	assert_status 0
	assert_output in-rootfs
}

@test "box: bad usage fails with one clear line and leaves nothing" {
	# Without --host or --rootfs the first argument is an image (box-image.bats).
	run rt --store "$WORK/store" box --pull never -- true </dev/null
	assert_status 125
	assert_match "image true: not in the store"
	rm -rf "$WORK/store"
	run rt box --host --rootfs "$WORK" -- true </dev/null
	[ "$status" -ne 0 ]
	assert_match "one of --host, --rootfs DIR or IMAGE"
	box --memory lots -- true
	[ "$status" -ne 0 ]
	assert_match "invalid size"
	box --timeout forever -- true
	[ "$status" -ne 0 ]
	assert_match "invalid duration"
	run -127 rt box --host --cgroup-parent "$CG_TEST" -- /nonexistent/program </dev/null
	assert_match "nonexistent"
	if [ "$(id -u)" = 0 ] && [ "$CG_MODE" != v2 ] && id nobody >/dev/null 2>&1; then
		run setpriv --reuid nobody --regid nogroup --clear-groups "$RUNTIME" --root "$WORK/nobody" box --host -- true </dev/null
		[ "$status" -ne 0 ]
		assert_match "cgroup v2 subtree delegated"
	fi
}

@test "box: a command not found exits 127, one that cannot be executed 126, as shells do" {
	printf 'not a program\n' >"$WORK/garbage"
	chmod 755 "$WORK/garbage"
	# run -N: bats warns of a bare 127 ("command not found" of the test itself).
	run -127 rt box --host --cgroup-parent "$CG_TEST" -- nosuchcmd </dev/null
	assert_output 'berth: exec: "nosuchcmd": executable file not found in $PATH'
	run -127 rt box --host --cgroup-parent "$CG_TEST" -- "$WORK/nosuchfile" </dev/null
	assert_match "no such file"
	box -- /etc
	assert_status 126
	assert_output 'berth: exec: "/etc": permission denied'
	box -- /etc/passwd
	assert_status 126
	assert_match "permission denied"
	box -- "$WORK/garbage"
	assert_status 126
	assert_match "garbage\": Exec format error"
	assert_berth_error_line
}

@test "box: a bad flag is named with its value and what it accepts, not the spec box writes" {
	box -m 1k -- true
	assert_status 1
	assert_output "berth: box: --memory 1k: below the minimum of 6M"
	box -m 6M -q -- true
	assert_status 0
	box -m 64M --memory-swap 32M -- true
	assert_status 1
	assert_output "berth: box: --memory-swap 32M: below --memory 64M (it is memory plus swap)"
	box --io-weight 5 -- true
	assert_status 1
	assert_output "berth: box: --io-weight 5: out of range 10-1000"
	box --pids-limit 0 -- true
	assert_output "berth: box: --pids-limit 0: out of range 1-2147483647"
	box --cpus 0.001 -- true
	assert_output "berth: box: --cpus 0.001: out of range 0.01-4096"
	run rt box --host --cgroup-parent /../../x -- true </dev/null
	assert_status 1
	assert_match '^berth: box: --cgroup-parent /../../x: ".." is not allowed'
	[[ $output != *cgroupsPath* ]]
	box --device-write-bps /etc/passwd:1M -- true
	assert_output "berth: box: --device-write-bps: device /etc/passwd: not a block device"
	[ -z "$(ls "$STATE_ROOT")" ]
}

@test "berth's processes are named berth in ps, not after its protected copy (berth-xxxx)" {
	# A created container's init, before start: a clone of berth create.
	ctr_create sleep 100
	[ "$(cat "/proc/$(ctr_pid "$ID")/comm")" = berth ]
	rt delete --force "$ID"
	# The same from the sealed memfd (where no cache can be made), named "memfd:berth".
	set_args sleep 100
	new_id
	BERTH_EXE_CACHE=off rt create -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 3>&-
	[ "$(cat "/proc/$(ctr_pid "$ID")/comm")" = berth ]
	rt delete --force "$ID"
	# box's own process, for as long as its job runs.
	BERTH_ITEST_MARK=$MARK "$RUNTIME" --root "$STATE_ROOT" box --host --cgroup-parent "$CG_TEST" \
		-- sleep 100 </dev/null >/dev/null 2>&1 3>&- &
	pid=$!
	retry 300 job_running sleep
	comm=$(cat "/proc/$pid/comm")
	kill -TERM "$pid"
	wait "$pid" || true
	[ "$comm" = berth ]
}

@test "box: a caller with a terminal gives the job a terminal" {
	command -v script >/dev/null || skip "script(1) is not installed"
	run script -qec "BERTH_ITEST_MARK=$MARK $RUNTIME --root $STATE_ROOT box -q --host --cgroup-parent $CG_TEST -- sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo all-tty; exit 3'" /dev/null </dev/null
	assert_status 3
	grep -qE '/dev/pts/[0-9]+' <<<"$output"
	grep -q all-tty <<<"$output"
}

# A user (nobody) for the unprivileged tests, with a runtime dir of its own under the test's
# work dir, so that box's default state root lands there and the leak checks see it.
unpriv_setup() {
	[ "$(id -u)" = 0 ] || skip "needs root to set up the unprivileged user"
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	UUID=65534
	# bats' temp dirs are the runner's alone; the user must reach its own dir and memtouch.
	local p=$WORK
	while [ "${#p}" -ge "${#BATS_RUN_TMPDIR}" ]; do
		chmod o+x "$p"
		p=${p%/*}
	done
	UXDG=$WORK/xdg
	mkdir -m 0700 "$UXDG"
	chown "$UUID:$UUID" "$UXDG"
}

# as_user [--cgroup CGDIR] CMD...: CMD as uid 65534 with no groups, in the environment a
# session of that user would have; with --cgroup, started inside CGDIR (written as root, as a
# login manager does).
as_user() {
	local cg=
	if [ "$1" = --cgroup ]; then
		cg=$2
		shift 2
	fi
	sh -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs" || exit 99; shift
		exec setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"' \
		as_user "$cg" BERTH_ITEST_MARK="$MARK" XDG_RUNTIME_DIR="$UXDG" "$@"
}

@test "box: a non-root user on v1/hybrid cgroups is refused with one line saying why; nothing left" {
	[ "$CG_MODE" != v2 ] || skip "cgroup v2: the unprivileged path is the delegation test"
	unpriv_setup
	run as_user "$RUNTIME" box --host --cgroup-parent "$CG_TEST" -- touch "$UXDG/ran" </dev/null
	echo "$output"
	[ "$status" -ne 0 ] && [ "$status" -ne 99 ]
	assert_berth_error_line
	assert_match "non-root user"
	assert_match "cgroup v2 subtree delegated to you"
	assert_match "$CG_MODE"
	assert_match "only root"
	# The job never ran, and no state dir or cgroup was made for it.
	[ ! -e "$UXDG/ran" ]
	[ -z "$(ls -A "$UXDG")" ]
	[ -z "$(leaked_cgroups)" ]
}

# bats test_tags=vm
@test "box: a user with a delegated cgroup v2 subtree gets the limits, owns the job's files, leaves nothing" {
	[ "$CG_MODE" = v2 ] || skip "delegation to a user needs cgroup v2 (this host: $CG_MODE)"
	unpriv_setup
	# Delegate the way systemd does for user@.service: the controllers enabled down to the
	# subtree, the subtree's directory and its cgroup.procs, cgroup.subtree_control and
	# cgroup.threads the user's. The user's session lives in a leaf of it (a cgroup with
	# processes cannot hand controllers to its children), and box makes the job's cgroup
	# next to that leaf: the common ancestor of both is the user's.
	local top=/sys/fs/cgroup/$CG_TOP
	local deleg=$CG_TEST/user
	local d=/sys/fs/cgroup$deleg
	mkdir -p "$d/session"
	echo "+memory +pids" >"$top/cgroup.subtree_control"
	echo "+memory +pids" >"/sys/fs/cgroup$CG_TEST/cgroup.subtree_control"
	echo "+memory +pids" >"$d/cgroup.subtree_control"
	chown "$UUID:$UUID" "$d" "$d/cgroup.procs" "$d/cgroup.subtree_control" "$d/cgroup.threads"
	chown -R "$UUID:$UUID" "$d/session"
	ubox() {
		as_user --cgroup "$d/session" "$RUNTIME" box --host --cgroup-parent "$deleg" "$@"
	}

	# A file the job makes is the user's on the host; the job is root only in its own user
	# namespace.
	cd "$UXDG"
	run ubox -q -- sh -c 'touch made-by-job; id -u' </dev/null
	echo "$output"
	assert_status 0
	[ "$output" = 0 ]
	[ "$(stat -c %u:%g "$UXDG/made-by-job")" = "$UUID:$UUID" ]

	# Past --memory: OOM-killed, 137, and the report says so.
	run ubox --report "$UXDG/oom.json" --memory 32M --pids-limit 20 -- "$(memtouch)" 200 </dev/null
	echo "$output"
	assert_status 137
	REPORT=$UXDG/oom.json
	cat "$REPORT"
	[ "$(rj .oom_kills)" -ge 1 ]
	[ "$(rj .oom_limit)" = "memory limit 32.0 MiB" ]
	[ "$(rj .cgroup_mode)" = v2 ]

	# A fork loop is held at --pids-limit: seen from outside while it runs, and refused forks.
	ubox --report "$UXDG/pids.json" --memory 32M --pids-limit 20 --timeout 5s \
		-- bash -c 'f() { while :; do f & done; }; f 2>/dev/null' </dev/null >/dev/null 2>&1 3>&- &
	pid=$!
	local max=0 refused=0
	# Until the loop has met the limit (startup under emulation is slow), then a few more.
	retry 60 sample_pids "$d" 10
	for i in 1 2 3 4 5; do
		sample_pids "$d" 10 || true
		sleep 0.1
	done
	wait "$pid" || st=$?
	REPORT=$UXDG/pids.json
	cat "$REPORT"
	echo "pids.current during the loop: up to $max; forks refused: $refused"
	[ "${st:-0}" = 124 ]
	[ "$max" -le 20 ] && [ "$max" -ge 10 ]
	[ "$refused" -gt 0 ]
	[ "$(rj .peak_tasks)" -le 20 ]

	# Nothing left: no job process, no cgroup but the user's own session leaf, no box state.
	retry 300 no_marked_pids
	[ -z "$(find "$d" -mindepth 1 -type d ! -path "$d/session")" ]
	[ -z "$(STATE_ROOT=$UXDG/berth-box leaked_state)" ]
	rmdir "$d/session" "$d"
}

@test "box: SIGTERM sent again and again while the job ends and the box is torn down leaves nothing" {
	BERTH_ITEST_MARK=$MARK "$RUNTIME" --root "$STATE_ROOT" box --host --cgroup-parent "$CG_TEST" \
		-- sleep 100 </dev/null >/dev/null 2>"$WORK/err" 3>&- &
	pid=$!
	retry 300 job_running sleep
	# Until berth is gone: some of these reach it after the job ended, during its teardown.
	while kill -TERM "$pid" 2>/dev/null; do :; done
	wait "$pid" || st=$?
	[ "$st" = 143 ]
	grep -q "ended by Terminated" "$WORK/err"
}
