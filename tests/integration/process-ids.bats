#!/usr/bin/env bats
# bats file_tags=process
# The process's identity: uids and gids in range everywhere they are given; what start would
# apply (capabilities, user, groups, final CPU affinity) checked while create can still fail; the
# terminal owned by the process's user; run.oci.keep_original_groups.

load helpers

# create_ctr: `create` of the bundle as it is; its exit status in $status, its output in $output.
create_ctr() {
	new_id
	status=0
	rt create -b "$BUNDLE" "$ID" </dev/null >"$WORK/create.out" 2>&1 3>&- || status=$?
	output=$(cat "$WORK/create.out")
}

# create_fails: create must fail with one line and leave no container.
create_fails() {
	create_ctr
	[ "$status" -ne 0 ] || { echo "create succeeded: $output" >&2; return 1; }
	assert_berth_error_line
	local said=$output
	run rt state "$ID"
	[ "$status" -ne 0 ]
	output=$said
}

# A user namespace mapping 0-65535 to 200000-265535: ids above 65535 are not mapped in it.
userns() {
	chmod 755 "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$WORK" "$BUNDLE"
	cfg '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .mounts |= map(select(.destination != "/sys" and .destination != "/sys/fs/cgroup"))'
}

@test "user: uid and gid 4294967295 are refused, never run as root" {
	cfg '.process.user = {"uid": 4294967295, "gid": 4294967295}'
	ctr_run id
	[ "$status" -ne 0 ]
	assert_berth_error_line
	assert_imatch '2147483647'
	[[ $output != *uid=0* ]]
}

@test "user: uid 2147483648 is refused, 2147483647 runs" {
	cfg '.process.user = {"uid": 2147483648, "gid": 0}'
	ctr_run id -u
	[ "$status" -ne 0 ]
	assert_berth_error_line
	[ "$RUNTIME_NAME" != berth ] || assert_match 'process\.user\.uid: 2147483648 is out of range'
	cfg '.process.user = {"uid": 2147483647, "gid": 2147483647}'
	ctr_run sh -c 'id -u; id -g'
	assert_status 0
	assert_output "2147483647
2147483647"
}

@test "user: an additionalGids entry above 2147483647 is refused" {
	cfg '.process.user = {"uid": 0, "gid": 0, "additionalGids": [10, 4294967295]}'
	ctr_run id
	[ "$status" -ne 0 ]
	assert_berth_error_line
	assert_imatch '2147483647'
	[ "$RUNTIME_NAME" != berth ] || assert_match 'process\.user\.additionalGids\[1\]'
}

@test "linux.uidMappings: an id range ending past 2147483647 is refused" {
	[ "$RUNTIME_NAME" = berth ] || skip "runc 1.1.5 passes such maps to the kernel"
	userns
	cfg '.linux.uidMappings = [{"containerID": 0, "hostID": 2147418112, "size": 65537}]'
	create_fails
	assert_match 'linux\.uidMappings\[0\].*2147483647'
	cfg '.linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 4294967295, "hostID": 200000, "size": 1}]'
	create_fails
	assert_match 'linux\.gidMappings\[0\]\.containerID: 4294967295 is out of range'
}

@test "exec --user and --additional-gids above 2147483647 are refused" {
	ctr_detach sleep 100
	local wraps=4294967296
	# runc 1.1.5 wraps that one to 0 and runs the process as root.
	[ "$RUNTIME_NAME" = berth ] || wraps=
	for u in 4294967295 4294967295:4294967295 0:4294967295 2147483648 $wraps; do
		run rt exec --env "BERTH_ITEST_MARK=$MARK" --user "$u" "$ID" id </dev/null
		[ "$status" -ne 0 ] || { echo "--user $u ran: $output" >&2; return 1; }
		[[ $output != *uid=0* ]]
		assert_berth_error_line
	done
	run rt exec --env "BERTH_ITEST_MARK=$MARK" --additional-gids 4294967295 "$ID" id </dev/null
	[ "$status" -ne 0 ]
	assert_berth_error_line
	run rt exec --env "BERTH_ITEST_MARK=$MARK" --user 2147483647:2147483647 "$ID" sh -c 'id -u; id -g' </dev/null
	assert_status 0
	assert_output "2147483647
2147483647"
}

@test "box: -u with an id above 2147483647 is refused" {
	[ "$RUNTIME_NAME" = berth ] || skip "berth box is berth's own"
	for u in 4294967294 2147483648 0:4294967294; do
		run rt box --host --cgroup-parent "$CG_TEST" -u "$u" -- id </dev/null
		[ "$status" -ne 0 ] || { echo "-u $u ran: $output" >&2; return 1; }
		assert_berth_error_line
		assert_match -- '--user: .*out of range \(0\.\.2147483647\)'
	done
}

@test "create fails, with one line, when a capability is not in the host's bounding set" {
	# CAP_SYS_RESOURCE (24) is missing from this host's bounding set (HOST.md).
	[ $((0x$(awk '/^CapBnd:/ { print $2 }' /proc/self/status) >> 24 & 1)) -eq 0 ] ||
		skip "this host has CAP_SYS_RESOURCE"
	cfg '.process.capabilities |= (.bounding += ["CAP_SYS_RESOURCE"]
		| .effective += ["CAP_SYS_RESOURCE"] | .permitted += ["CAP_SYS_RESOURCE"])'
	set_args true
	create_fails
	assert_imatch 'CAP_SYS_RESOURCE|caps'
}

@test "create fails, with one line, when process.user.uid is not mapped in the user namespace" {
	userns
	cfg '.process.user = {"uid": 70000, "gid": 0}'
	set_args true
	create_fails
	assert_imatch 'uid.*unmapped|uid: 70000 is not mapped'
}

@test "create fails, with one line, when process.user.gid is not mapped in the user namespace" {
	userns
	cfg '.process.user = {"uid": 0, "gid": 70000}'
	set_args true
	create_fails
	assert_imatch 'gid.*unmapped|gid: 70000 is not mapped'
}

@test "create fails, with one line, when an additionalGids entry is not mapped in the user namespace" {
	userns
	cfg '.process.user = {"uid": 0, "gid": 0, "additionalGids": [1, 70000]}'
	set_args true
	create_fails
	assert_imatch 'setgroups|additionalGids\[1\]: 70000 is not mapped'
}

@test "create fails, with one line, when execCPUAffinity.final has no CPU the process may use" {
	[ "$RUNTIME_NAME" = berth ] || skip "runc 1.1.5 has no execCPUAffinity"
	cfg '.process.execCPUAffinity = {"final": "1000"}'
	set_args true
	create_fails
	assert_match 'execCPUAffinity\.final'
}

@test "a user namespace: mapped uid, gid and groups run, without capabilities left" {
	userns
	cfg '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20]}'
	ctr_run sh -c 'id -u; id -g; id -G; grep ^CapEff: /proc/self/status'
	assert_status 0
	assert_output "1000
1000
1000 10 20
CapEff:	0000000000000000"
}

@test "terminal: the pty belongs to the process's user and the tty group (create, start)" {
	cfg '.process.terminal = true | .process.user = {"uid": 1000, "gid": 1000}'
	set_args sh -c 'stat -c %u:%g "$(tty)"; id -u'
	new_id
	python3 "$ITEST_DIR/console-recv.py" "$WORK/cs" >"$WORK/console.out" 2>&1 3>&- &
	recv=$!
	retry 300 test -e "$WORK/cs.ready"
	rt create --console-socket "$WORK/cs" -b "$BUNDLE" "$ID" </dev/null >"$WORK/create.out" 2>&1 3>&-
	rt start "$ID"
	wait_status "$ID" stopped
	retry 300 sh -c "! kill -0 $recv 2>/dev/null"
	wait "$recv"
	out=$(tr -d '\r' <"$WORK/console.out")
	[ "$out" = "1000:5
1000" ] || { echo "got: $out" >&2; return 1; }
}

@test "terminal: exec --tty gives the pty to the exec'd user" {
	ctr_detach sleep 100
	in_tty exec -t --env "BERTH_ITEST_MARK=$MARK" --user 1000:1000 "$ID" sh -c 'stat -c %u:%g "$(tty)"'
	assert_status 0
	# script(1) may put its end-of-input before the line, so the match is not anchored at ^
	grep -qE '1000:5$' <<<"$output" || { echo "got: $output" >&2; return 1; }
}

# keep_groups ANNOTATION CMD...: run CMD with the runtime called with supplementary groups 4 and 7.
keep_groups_run() {
	cfg '.annotations["run.oci.keep_original_groups"] = $v' --arg v "$1"
	shift
	set_args "$@"
	new_id
	run setpriv --groups 4,7 -- env BERTH_ITEST_MARK="$MARK" "$RUNTIME" --root "$STATE_ROOT" \
		run -b "$BUNDLE" "$ID" </dev/null
}

@test "run.oci.keep_original_groups=1 keeps the caller's supplementary groups" {
	[ "$RUNTIME_NAME" = berth ] || skip "crun's annotation; runc 1.1.5 ignores it"
	cfg '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [10]}'
	keep_groups_run 1 sh -c 'id -u; id -G'
	assert_status 0
	assert_output "1000
1000 4 7"
	# "0" is crun's way of saying no: the config's groups.
	keep_groups_run 0 sh -c 'id -u; id -G'
	assert_status 0
	assert_output "1000
1000 10"
}

@test "run.oci.keep_original_groups=1 also holds for exec" {
	[ "$RUNTIME_NAME" = berth ] || skip "crun's annotation; runc 1.1.5 ignores it"
	cfg '.annotations["run.oci.keep_original_groups"] = "1"'
	ctr_detach sleep 100
	run setpriv --groups 4,7 -- env BERTH_ITEST_MARK="$MARK" "$RUNTIME" --root "$STATE_ROOT" \
		exec --user 1000:1000 "$ID" id -G </dev/null
	assert_status 0
	assert_output "1000 4 7"
}
