#!/usr/bin/env bats
# bats file_tags=cgroups,vm
# Block IO limits, stats and the events stream, proved by what the container's processes did. Runs on
# this hybrid host (v1 blkio, a loop device over a file in the test's tmpdir) and in the pure v2 VM
# (io.max on the scratch disk /dev/vda, which exists only there: $BERTH_VM=1).

load helpers

# The helpers' teardown checks for leaks; a loop device this file attached is detached after it.
eval "$(declare -f teardown | sed '1s/^teardown/helpers_teardown/')"
teardown() {
	local rc=0
	helpers_teardown || rc=$?
	# the scheduler belongs to the device, and a loop device outlives its detach
	if [ -s "$WORK/sched.orig" ]; then
		cat "$WORK/sched.orig" >"/sys/block/${BLK#/dev/}/queue/scheduler" || rc=1
	fi
	if [ -s "$WORK/loopdev" ]; then
		losetup -d "$(cat "$WORK/loopdev")" || rc=1
	fi
	return $rc
}

cgf() {
	if [ "$CG_MODE" = v2 ]; then
		cg_path "$CG" "" "$3"
	else
		cg_path "$CG" "$1" "$2"
	fi
}

# blk_device: sets BLK (a block device the test may overwrite), MAJ and MIN, and lets the container
# open it as /dev/itest-blk.
blk_device() {
	if [ "$BERTH_VM" = 1 ]; then
		BLK=/dev/vda
		[ -b "$BLK" ] || skip "the VM has no scratch disk /dev/vda (vm-run --disk)"
	else
		truncate -s 64M "$WORK/blk.img"
		BLK=$(losetup -f --show "$WORK/blk.img")
		echo "$BLK" >"$WORK/loopdev"
	fi
	MAJ=$((0x$(stat -c %t "$BLK")))
	MIN=$((0x$(stat -c %T "$BLK")))
	cfg '.linux.devices += [{"path": "/dev/itest-blk", "type": "b", "major": $maj, "minor": $min,
			"fileMode": 432}]
		| .linux.resources.devices += [{"allow": true, "type": "b", "major": $maj, "minor": $min,
			"access": "rwm"}]' --argjson maj "$MAJ" --argjson min "$MIN"
}

# Centiseconds since boot, from inside the container (busybox date has only whole seconds).
UPTIME_CS='read u _ </proc/uptime; echo ${u%.*}${u#*.}'

stats() {
	rt events --stats "$ID"
}

# bats test_tags=slow
@test "blockIO throttleWriteBpsDevice 1 MiB/s: 4 MiB of direct writes take >= 2.5 s and are counted" {
	blk_device
	cfg '.linux.resources.blockIO = {"throttleWriteBpsDevice": [{"major": $maj, "minor": $min,
		"rate": 1048576}]}' --argjson maj "$MAJ" --argjson min "$MIN"
	ctr_detach sh -c "a=\$($UPTIME_CS); dd if=/dev/zero of=/dev/itest-blk bs=256k count=16 oflag=direct 2>/tmp/dd.err
		echo \$? > /tmp/rc; b=\$($UPTIME_CS); echo \$((b - a)) > /tmp/elapsed; sleep 100"
	retry 600 test -s "$BUNDLE/rootfs/tmp/elapsed"
	[ "$(cat "$BUNDLE/rootfs/tmp/rc")" = 0 ] || { cat "$BUNDLE/rootfs/tmp/dd.err" >&2; false; }
	elapsed=$(cat "$BUNDLE/rootfs/tmp/elapsed")
	echo "4 MiB written in $((elapsed * 10)) ms" >&2
	# 4 MiB at 1 MiB/s is 4 s; the kernel may let part of the first slice through at once
	[ "$elapsed" -ge 250 ]
	# the stats count what dd wrote on that device
	run stats
	assert_status 0
	written=$(jq --argjson maj "$MAJ" --argjson min "$MIN" '[.data.blkio.ioServiceBytesRecursive[]?
		| select((.major // 0) == $maj and (.minor // 0) == $min and (.op | ascii_downcase) == "write") | .value] | add // 0' <<<"$output")
	echo "# $written bytes written in $((elapsed * 10)) ms" >&3
	[ "$written" -ge 4194304 ]
	[ "$((written * 100 / elapsed))" -le $((4194304 * 100 / 250)) ]
}

@test "blockIO without a limit: the same writes are not throttled (the control for the test above)" {
	blk_device
	ctr_run sh -c "a=\$($UPTIME_CS); dd if=/dev/zero of=/dev/itest-blk bs=256k count=16 oflag=direct 2>/dev/null
		b=\$($UPTIME_CS); echo \$((b - a))"
	assert_status 0
	echo "# unthrottled: 4 MiB written in $((output * 10)) ms" >&3
	[ "$output" -lt 200 ]
}

@test "blockIO weight is written (no effect without contention on a BFQ device: read back)" {
	cfg '.linux.resources.blockIO = {"weight": 500}'
	if [ "$CG_MODE" != v2 ] && [ ! -e /sys/fs/cgroup/blkio/blkio.weight ] &&
		[ ! -e /sys/fs/cgroup/blkio/blkio.bfq.weight ]; then
		# No IO scheduler here weighs (no CFQ since 5.0, no BFQ in this kernel): v1 blkio then
		# has no weight file, and the weight cannot be applied. It is refused in one line
		# naming the key, never dropped silently (runc fails here too).
		set_args sleep 100
		new_id
		run rt run -d -b "$BUNDLE" "$ID" </dev/null 3>&-
		[ "$status" -ne 0 ]
		assert_berth_error_line
		[[ $output == *linux.resources.blockIO.weight* ]]
		skip "no blkio weight file on this host: refusal checked, the weight itself cannot be"
	fi
	ctr_detach sleep 100
	d=$(dirname "$(cgf blkio blkio.weight io.weight)")
	for f in blkio.weight blkio.bfq.weight io.bfq.weight io.weight; do
		[ -e "$d/$f" ] && { echo "# weight file: $f" >&3; break; }
	done
	if [ -e "$d/blkio.weight" ]; then
		[ "$(cat "$d/blkio.weight")" = 500 ]
	elif [ -e "$d/blkio.bfq.weight" ]; then
		# CFQ is gone since 5.0; BFQ takes the v1 scale as it is
		[ "$(cat "$d/blkio.bfq.weight")" = 500 ]
	elif [ -e "$d/io.bfq.weight" ]; then
		grep -qE '^default 500$' "$d/io.bfq.weight"
	elif [ -e "$d/io.weight" ]; then
		# blkio [10, 1000] maps onto io.weight [1, 10000] as runc does
		grep -qE '^default [0-9]+$' "$d/io.weight"
		[ "$(awk '/^default/ { print $2 }' "$d/io.weight")" -gt 100 ]
	else
		skip "no weight file in $d: the io scheduler offers none (no BFQ, no blk-iocost)"
	fi
}

@test "events --stats: memory usage covers 40 MiB the container wrote into tmpfs, below the limit" {
	cfg '.linux.resources.memory = {"limit": 134217728}
		| .mounts += [{"destination": "/mnt/t", "type": "tmpfs", "source": "tmpfs", "options": ["size=64m"]}]'
	ctr_detach sh -c 'dd if=/dev/zero of=/mnt/t/f bs=1M count=40 2>/dev/null && touch /tmp/done; sleep 100'
	retry 300 test -e "$BUNDLE/rootfs/tmp/done"
	run stats
	assert_status 0
	usage=$(jq '.data.memory.usage.usage' <<<"$output")
	limit=$(jq '.data.memory.usage.limit' <<<"$output")
	echo "usage $usage limit $limit" >&2
	[ "$usage" -ge $((40 * 1048576)) ]
	[ "$usage" -lt 134217728 ]
	[ "$limit" = 134217728 ]
}

@test "events --stats: cpu usage grows by the time a busy loop ran, pids.current counts the processes" {
	ctr_detach sh -c 'sleep 1000 & sleep 1000 & wait'
	retry 300 sh -c "[ \$(cat '$(cgf pids cgroup.procs cgroup.procs)' | wc -l) -eq 3 ]"
	run stats
	assert_status 0
	[ "$(jq '.data.pids.current' <<<"$output")" = 3 ]
	t0=$(jq '.data.cpu.usage.total' <<<"$output")
	# spin until the shell and its children (cat, date) have had 0.5 s of cpu (50 ticks at the usual
	# 100 Hz), not for a wall-time span a loaded host may give little cpu; 60 s at most
	exec_in "$ID" sh -c 'e=$(($(date +%s) + 60)); while [ $(date +%s) -lt $e ]; do
		set -- $(cat /proc/$$/stat); [ $((${14} + ${15} + ${16} + ${17})) -ge 50 ] && break; done'
	assert_status 0
	run stats
	assert_status 0
	t1=$(jq '.data.cpu.usage.total' <<<"$output")
	echo "cpu ns: $t0 -> $t1" >&2
	[ $((t1 - t0)) -ge 300000000 ]
	[ "$(jq '.data.pids.current' <<<"$output")" = 3 ]
}

@test "events: the stream reports an OOM kill of an exec'd process, init survives" {
	cfg '.linux.resources.memory = {"limit": 33554432}'
	ctr_detach sleep 100
	BERTH_ITEST_MARK=$MARK timeout 30 "$RUNTIME" --root "$STATE_ROOT" events --interval 1s "$ID" >"$WORK/events" 2>"$WORK/events.err" 3>&- &
	evpid=$!
	# the stream takes its OOM baseline before its first stats line: an OOM before that would not count
	retry 300 grep -q '"type": *"stats"' "$WORK/events"
	exec_in "$ID" dd if=/dev/zero of=/dev/null bs=64M count=1
	assert_status 137
	ok=0
	for ((i = 0; i < 300; i++)); do
		grep -q '"type": *"oom"' "$WORK/events" && { ok=1; break; }
		sleep 0.1
	done
	kill "$evpid" 2>/dev/null || true
	wait "$evpid" 2>/dev/null || true
	[ "$ok" = 1 ] || { echo "events: $(cat "$WORK/events" "$WORK/events.err")" >&2; false; }
	grep '"type": *"oom"' "$WORK/events" | head -1 | jq -e --arg id "$ID" '.id == $id'
	[ "$(ctr_status "$ID")" = running ]
	# the stream also carries the periodic stats of this container
	grep '"type": *"stats"' "$WORK/events" | head -1 | jq -e --arg id "$ID" '.id == $id and .data.memory.usage.limit == 33554432'
}

# timed_dd DD-ARGS...: runs dd in a fresh container on /dev/itest-blk and sets ELAPSED (centiseconds).
timed_dd() {
	ctr_run sh -c "a=\$($UPTIME_CS); dd $* 2>/tmp/dd.err || { cat /tmp/dd.err; exit 1; }
		b=\$($UPTIME_CS); echo \$((b - a))"
	assert_status 0
	ELAPSED=$output
}

# throttled_dd KEY RATE DD-ARGS...: timed_dd with linux.resources.blockIO.KEY at RATE on the device.
throttled_dd() {
	local key=$1 rate=$2
	shift 2
	blk_device
	cfg '.linux.resources.blockIO = {($key): [{"major": $maj, "minor": $min, "rate": $rate}]}' \
		--arg key "$key" --argjson rate "$rate" --argjson maj "$MAJ" --argjson min "$MIN"
	timed_dd "$@"
}

# Each takes 4 s at its limit; >= 2.5 s, since the kernel may let part of the first slice through.
# bats test_tags=slow
@test "blockIO throttleReadBpsDevice 1 MiB/s: 4 MiB of direct reads take >= 2.5 s" {
	throttled_dd throttleReadBpsDevice 1048576 if=/dev/itest-blk of=/dev/null bs=256k count=16 iflag=direct
	echo "# 4 MiB read at 1 MiB/s in $((ELAPSED * 10)) ms" >&3
	[ "$ELAPSED" -ge 250 ]
}

# bats test_tags=slow
@test "blockIO throttleReadIOPSDevice 16/s: 64 direct 4k reads take >= 2.5 s" {
	throttled_dd throttleReadIOPSDevice 16 if=/dev/itest-blk of=/dev/null bs=4k count=64 iflag=direct
	echo "# 64 reads at 16 IOPS in $((ELAPSED * 10)) ms" >&3
	[ "$ELAPSED" -ge 250 ]
}

# bats test_tags=slow
@test "blockIO throttleWriteIOPSDevice 16/s: 64 direct 4k writes take >= 2.5 s" {
	throttled_dd throttleWriteIOPSDevice 16 if=/dev/zero of=/dev/itest-blk bs=4k count=64 oflag=direct
	echo "# 64 writes at 16 IOPS in $((ELAPSED * 10)) ms" >&3
	[ "$ELAPSED" -ge 250 ]
}

@test "blockIO without a limit: the same direct reads and 4k reads/writes are not throttled (the control)" {
	blk_device
	timed_dd if=/dev/itest-blk of=/dev/null bs=256k count=16 iflag=direct
	r=$ELAPSED
	timed_dd if=/dev/itest-blk of=/dev/null bs=4k count=64 iflag=direct
	ri=$ELAPSED
	timed_dd if=/dev/zero of=/dev/itest-blk bs=4k count=64 oflag=direct
	wi=$ELAPSED
	echo "# unthrottled: 4 MiB read in $((r * 10)) ms, 64 reads in $((ri * 10)) ms, 64 writes in $((wi * 10)) ms" >&3
	[ "$r" -lt 200 ]
	[ "$ri" -lt 200 ]
	[ "$wi" -lt 200 ]
}

# blk_scheduler NAME: sets the io scheduler of the test's device; the teardown puts back the one it had.
blk_scheduler() {
	local q=/sys/block/${BLK#/dev/}/queue/scheduler
	[ -s "$WORK/sched.orig" ] || sed -n 's/.*\[\(.*\)\].*/\1/p' "$q" >"$WORK/sched.orig"
	[ "$1" != bfq ] || grep -qw bfq "$q" || modprobe bfq 2>/dev/null || true
	grep -qw "$1" "$q" || skip "no $1 scheduler for $BLK"
	echo "$1" >"$q"
}

@test "blockIO weightDevice: written per device to the BFQ weight file (read back: no effect without contention)" {
	blk_device
	cfg '.linux.resources.blockIO = {"weightDevice": [{"major": $maj, "minor": $min, "weight": 300}]}' \
		--argjson maj "$MAJ" --argjson min "$MIN"
	if [ "$CG_MODE" != v2 ]; then
		# v1 writes blkio.bfq.weight_device (CFQ is gone): a device that does not use BFQ has no weight
		# to set, and the kernel says so
		blk_scheduler none
		ctr_run true
		[ "$status" -ne 0 ]
		assert_berth_error_line
		assert_imatch 'weight'
		[ "$RUNTIME_NAME" != berth ] || assert_imatch 'blockIO.weightDevice'
		[ -z "$(leaked_cgroups)" ]
	fi
	blk_scheduler bfq
	ctr_detach sleep 100
	if [ "$CG_MODE" = v2 ]; then
		grep -qx "$MAJ:$MIN 300" "$(cgf blkio x io.bfq.weight)"
	else
		grep -qx "$MAJ:$MIN 300" "$(cgf blkio blkio.bfq.weight_device x)"
	fi
}

@test "blockIO leafWeight: a clear error on v1 without CFQ (no blkio.leaf_weight); v2 ignores it (as runc)" {
	cfg '.linux.resources.blockIO = {"leafWeight": 300}'
	ctr_run true
	if [ "$CG_MODE" = v2 ]; then
		assert_status 0
		return
	fi
	if [ -e /sys/fs/cgroup/blkio/blkio.leaf_weight ]; then
		ctr_detach sleep 100
		[ "$(cat "$(cgf blkio blkio.leaf_weight x)")" = 300 ]
		return
	fi
	[ "$status" -ne 0 ]
	assert_berth_error_line
	assert_imatch 'leaf_?weight'
	[ "$RUNTIME_NAME" != berth ] || assert_imatch 'blockIO.leafWeight'
	[ -z "$(leaked_cgroups)" ]
}
