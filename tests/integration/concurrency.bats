#!/usr/bin/env bats
# bats file_tags=concurrency
# Many runtime processes at once on one --root: 100 creates, starts and deletes on distinct IDs and
# on one ID. Every state.json must parse at every point, one ID has exactly one winner (the others get
# a clear error), and nothing is left behind (the teardown's leak check).

load helpers

# The ASan run (tests/run-all) sets BERTH_CONCURRENCY_N lower: the races are the same with 20, and
# the sanitized binary is several times slower.
N=${BERTH_CONCURRENCY_N:-100}

# bundles N: one small bundle per container, sharing the test's rootfs (each container mounts it in
# its own mount namespace), each with its own cgroup under the test prefix.
bundles() {
	local i
	for ((i = 1; i <= $1; i++)); do
		mkdir -p "$WORK/b$i"
		jq --arg root "$BUNDLE/rootfs" --arg cg "$CG_TEST/c$i" \
			'.root.path = $root | .linux.cgroupsPath = $cg' "$BUNDLE/config.json" >"$WORK/b$i/config.json"
		echo "${MARK}-c$i" >>"$ITEST_IDS"
	done
}

# par N CMD...: runs CMD N times at once; "{}" in CMD becomes the index. Each run's exit code and
# output go to $WORK/par/INDEX.rc and INDEX.out. Their stdio are files, never a pipe a container
# could hold open.
par() {
	local n=$1 i a
	shift
	rm -rf "$WORK/par"
	mkdir -p "$WORK/par"
	for ((i = 1; i <= n; i++)); do
		local args=()
		for a in "$@"; do args+=("${a//\{\}/$i}"); done
		(
			rc=0
			BERTH_ITEST_MARK=$MARK timeout 120 "$RUNTIME" --root "$STATE_ROOT" "${args[@]}" \
				</dev/null >"$WORK/par/$i.out" 2>&1 3>&- || rc=$?
			echo "$rc" >"$WORK/par/$i.rc"
		) 3>&- &
	done
	wait
}

# How many runs of the last par exited 0.
par_ok() {
	grep -lx 0 "$WORK"/par/*.rc | wc -l
}

# par_winners N: exactly N runs of the last par exited 0; otherwise show what the runs said.
par_winners() {
	local n
	n=$(par_ok)
	[ "$n" -eq "$1" ] && return 0
	echo "$n runs exited 0, expected $1; their messages:" >&2
	sort "$WORK"/par/*.out | uniq -c | sort -rn | head -5 >&2
	return 1
}

# Every failed run of the last par printed something matching $1 (case-insensitive).
par_failures_match() {
	local f bad=0
	for f in "$WORK"/par/*.rc; do
		[ "$(cat "$f")" = 0 ] && continue
		if ! grep -qiE -- "$1" "${f%.rc}.out"; then
			echo "run ${f##*/} (exit $(cat "$f")): $(cat "${f%.rc}.out")" >&2
			bad=1
		fi
	done
	return $bad
}

# Every state file parses as JSON and list answers with valid JSON.
state_consistent() {
	local f
	for f in "$STATE_ROOT"/*/state.json; do
		# A concurrent delete may remove it between the glob and jq: only a file still there
		# that does not parse is corrupt.
		jq -e . "$f" >/dev/null 2>&1 || [ ! -e "$f" ] || {
			echo "corrupt: $f: $(cat "$f")" >&2
			return 1
		}
	done
	run timeout 20 "$RUNTIME" --root "$STATE_ROOT" list --format json
	assert_status 0
	# runc prints null for an empty list.
	jq -e 'type == "array" or type == "null"' <<<"$output" >/dev/null
}

# count_status STATUS: containers list shows in that status.
count_status() {
	rt list --format json | jq --arg s "$1" 'map(select(.status == $s)) | length'
}

@test "concurrency: $N creates, starts and deletes at once on distinct IDs" {
	set_args sleep 100
	bundles $N
	par $N create -b "$WORK/b{}" "${MARK}-c{}"
	[ "$(par_ok)" -eq $N ] || par_failures_match '^$'
	state_consistent
	[ "$(count_status created)" -eq $N ]

	par $N start "${MARK}-c{}"
	[ "$(par_ok)" -eq $N ] || par_failures_match '^$'
	state_consistent
	[ "$(count_status running)" -eq $N ]

	par $N delete --force "${MARK}-c{}"
	[ "$(par_ok)" -eq $N ] || par_failures_match '^$'
	state_consistent
	[ "$(rt list -q)" = "" ]
}

@test "concurrency: $N creates of one ID: exactly one wins, the others say it exists" {
	# Seen here about once in five runs: two runc creates both exit 0, and a cgroup is leaked.
	[ "$RUNTIME_NAME" != runc ] || skip "runc 1.1.5 sometimes lets two racing creates of one ID both succeed"
	set_args sleep 100
	new_id
	par $N create -b "$BUNDLE" "$ID"
	par_winners 1
	par_failures_match 'already exists'
	state_consistent
	[ "$(ctr_status "$ID")" = created ]
	[ "$(rt list -q)" = "$ID" ]
	# Only the winner's init exists (runc's "runc init" does not carry the marker: count the cgroup).
	[ "$(cgroup_pids | wc -l)" -eq 1 ]
}

@test "concurrency: $N starts of one container: exactly one wins" {
	ctr_create sleep 100
	par $N start "$ID"
	par_winners 1
	if [ "$RUNTIME_NAME" = berth ]; then
		par_failures_match 'is running, not created: cannot start'
	else
		# runc's loser says "container process is already dead" of a running container.
		par_failures_match 'not created|running|cannot start|already dead'
	fi
	state_consistent
	[ "$(ctr_status "$ID")" = running ]
}

@test "concurrency: $N deletes of one stopped container: exactly one wins, the others say it is gone" {
	ctr_create sleep 100
	rt start "$ID"
	rt kill "$ID" KILL
	wait_status "$ID" stopped
	par $N delete "$ID"
	[ "$(par_ok)" -ge 1 ]
	[ "$RUNTIME_NAME" != berth ] || [ "$(par_ok)" -eq 1 ]
	par_failures_match 'does not exist|not exist|no such'
	state_consistent
	[ "$(rt list -q)" = "" ]
}

@test "concurrency: $N delete --force of one running container all succeed, nothing left" {
	ctr_detach sleep 100
	par $N delete --force "$ID"
	[ "$(par_ok)" -eq $N ] || par_failures_match '^$'
	state_consistent
	[ "$(rt list -q)" = "" ]
}

# Creates, starts and deletes of one ID racing each other: any interleaving may win, but the state
# always parses, list always answers, and a final delete --force leaves nothing.
@test "concurrency: $N create/start/delete cycles racing on one ID" {
	[ "$RUNTIME_NAME" != runc ] || skip "runc 1.1.5 leaks the cgroup when create and delete race on one ID"
	set_args sleep 100
	new_id
	rm -rf "$WORK/par"
	mkdir -p "$WORK/par"
	for ((i = 1; i <= N; i++)); do
		(
			for verb in create start delete; do
				case $verb in
				create) args=(create -b "$BUNDLE" "$ID") ;;
				start) args=(start "$ID") ;;
				delete) args=(delete --force "$ID") ;;
				esac
				BERTH_ITEST_MARK=$MARK timeout 120 "$RUNTIME" --root "$STATE_ROOT" "${args[@]}" \
					</dev/null >>"$WORK/par/$i.out" 2>&1 3>&- || echo "$verb $?" >>"$WORK/par/$i.fail"
			done
		) 3>&- &
		if ((i % 10 == 0)); then
			state_consistent
		fi
	done
	wait
	state_consistent
	# No run was killed by the timeout (124) or crashed by a signal (>128).
	! grep -qE ' (124|1[3-9][0-9]|2[0-9][0-9])$' "$WORK"/par/*.fail 2>/dev/null
	rt delete --force "$ID"
	[ "$(rt list -q)" = "" ]
}

@test "concurrency: $N create/start/delete cycles at once on distinct IDs, with list running" {
	[ "$RUNTIME_NAME" != runc ] || skip "runc 1.1.5 list fails (exit 1) when a container is deleted while it lists"
	set_args sleep 100
	bundles $N
	rm -rf "$WORK/par"
	mkdir -p "$WORK/par"
	for ((i = 1; i <= N; i++)); do
		(
			id=${MARK}-c$i
			BERTH_ITEST_MARK=$MARK timeout 120 "$RUNTIME" --root "$STATE_ROOT" create -b "$WORK/b$i" "$id" \
				</dev/null >"$WORK/par/$i.out" 2>&1 3>&- &&
				BERTH_ITEST_MARK=$MARK timeout 120 "$RUNTIME" --root "$STATE_ROOT" start "$id" \
					</dev/null >>"$WORK/par/$i.out" 2>&1 3>&- &&
				BERTH_ITEST_MARK=$MARK timeout 120 "$RUNTIME" --root "$STATE_ROOT" delete --force "$id" \
					</dev/null >>"$WORK/par/$i.out" 2>&1 3>&-
			echo $? >"$WORK/par/$i.rc"
		) 3>&- &
	done
	for ((i = 0; i < 5; i++)); do
		state_consistent
	done
	wait
	[ "$(par_ok)" -eq $N ] || par_failures_match '^$'
	state_consistent
	[ "$(rt list -q)" = "" ]
}
