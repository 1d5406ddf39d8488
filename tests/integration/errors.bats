#!/usr/bin/env bats
# bats file_tags=errors
# Bad input fails with one clear line (berth: "berth: ..."), a non-zero exit, and leaves nothing behind
# (the teardown checks state dir, cgroups, mounts and processes).

load helpers

# The runtime-neutral facts are matched case-insensitively, so runc's wording passes on the same facts.

@test "missing config.json fails and names it" {
	rm "$BUNDLE/config.json"
	new_id 2>/dev/null || true
	ID=${MARK}-c9
	echo "$ID" >>"$ITEST_IDS"
	run rt run -b "$BUNDLE" "$ID" </dev/null
	[ "$status" -ne 0 ]
	assert_imatch 'config\.json'
	assert_imatch 'no such file|not found'
	assert_berth_error_line
}

@test "missing config.json: create leaves no state" {
	rm "$BUNDLE/config.json"
	ID=${MARK}-c9
	echo "$ID" >>"$ITEST_IDS"
	run rt create -b "$BUNDLE" "$ID" </dev/null
	[ "$status" -ne 0 ]
	run rt state "$ID"
	[ "$status" -ne 0 ]
}

@test "malformed JSON fails and names config.json" {
	new_id
	echo '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
	run rt run -b "$BUNDLE" "$ID" </dev/null
	[ "$status" -ne 0 ]
	# runc says only "unexpected EOF"; berth must name the file.
	[ "$RUNTIME_NAME" != berth ] || assert_imatch 'config\.json'
	assert_berth_error_line
}

@test "a wrong type names the JSON path (linux.resources.memory.limit)" {
	new_id
	cfg '.linux.resources.memory.limit = "abc"'
	run rt run -b "$BUNDLE" "$ID" </dev/null
	[ "$status" -ne 0 ]
	assert_imatch 'linux\.resources\.memory\.limit'
	assert_berth_error_line
}

@test "a wrong type for process.args fails" {
	new_id
	cfg '.process.args = "sh"'
	run rt run -b "$BUNDLE" "$ID" </dev/null
	[ "$status" -ne 0 ]
	assert_imatch 'args'
	assert_berth_error_line
}

@test "missing rootfs fails and names the rootfs" {
	new_id
	rm -rf "$BUNDLE/rootfs"
	run rt run -b "$BUNDLE" "$ID" </dev/null
	[ "$status" -ne 0 ]
	assert_imatch 'rootfs'
	assert_imatch 'no such file|not exist'
	assert_berth_error_line
}

@test "missing executable fails with a clear message" {
	ctr_run /bin/no-such-program
	[ "$status" -ne 0 ]
	assert_imatch 'no-such-program'
	assert_imatch 'no such file|not found'
	assert_berth_error_line
}

@test "missing executable found through PATH fails with a clear message" {
	ctr_run no-such-program
	[ "$status" -ne 0 ]
	assert_imatch 'no-such-program'
	assert_imatch 'not found|no such file'
	assert_berth_error_line
}

@test "missing executable: create fails and leaves no container" {
	st=0
	ctr_create /bin/no-such-program || st=$?
	[ "$st" -ne 0 ]
	grep -qi 'no-such-program' "$WORK/$ID.out"
	run rt state "$ID"
	[ "$status" -ne 0 ]
}

@test "a non-executable program fails with permission denied" {
	printf '#!/bin/sh\necho ran\n' >"$BUNDLE/rootfs/bin/noexec"
	chmod 644 "$BUNDLE/rootfs/bin/noexec"
	ctr_run /bin/noexec
	[ "$status" -ne 0 ]
	[[ $output != *ran* ]]
	assert_imatch 'permission denied'
	assert_berth_error_line
}

@test "a directory as the program fails" {
	ctr_run /tmp
	[ "$status" -ne 0 ]
	assert_imatch 'permission denied|is a directory'
	assert_berth_error_line
}

@test "a cwd that is not a directory fails" {
	cfg '.process.cwd = "/bin/busybox"'
	ctr_run true
	[ "$status" -ne 0 ]
	assert_imatch 'not a directory|cwd'
	assert_berth_error_line
}

@test "a relative cwd is rejected" {
	cfg '.process.cwd = "tmp"'
	ctr_run true
	[ "$status" -ne 0 ]
	assert_imatch 'cwd|absolute|relative'
}

@test "an unknown namespace type fails" {
	cfg '.linux.namespaces += [{"type": "bogus"}]'
	ctr_run true
	[ "$status" -ne 0 ]
	assert_imatch 'bogus'
	assert_berth_error_line
}

@test "a missing bundle directory fails" {
	new_id
	run rt run -b "$WORK/no-such-bundle" "$ID" </dev/null
	[ "$status" -ne 0 ]
	assert_imatch 'no-such-bundle|config\.json|no such file'
	assert_berth_error_line
}

@test "an unknown command fails" {
	run rt frobnicate
	[ "$status" -ne 0 ]
}

@test "an unknown option fails" {
	run rt run --no-such-option x
	[ "$status" -ne 0 ]
}

@test "a mount with a missing source fails and leaves no mounts" {
	cfg '.mounts += [{"destination": "/mnt", "type": "bind", "source": $s, "options": ["bind"]}]' \
		--arg s "$WORK/no-such-source"
	ctr_run true
	[ "$status" -ne 0 ]
	assert_imatch 'no-such-source|no such file'
	assert_berth_error_line
}

@test "an rlimit above the hard limit fails clearly" {
	cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 1073741816, "soft": 1073741816}]'
	ctr_run true
	[ "$status" -ne 0 ]
	assert_imatch 'rlimit|operation not permitted|nofile'
	assert_berth_error_line
}

@test "an unknown rlimit type fails" {
	cfg '.process.rlimits = [{"type": "RLIMIT_BOGUS", "hard": 1, "soft": 1}]'
	ctr_run true
	[ "$status" -ne 0 ]
	assert_imatch 'RLIMIT_BOGUS'
}

# runc 1.1 ignores unknown capabilities with a warning (for configs written for newer kernels); either
# way the user must be told which one.
@test "an unknown capability is named" {
	cfg '.process.capabilities.bounding += ["CAP_BOGUS"]'
	ctr_run true
	assert_imatch 'CAP_BOGUS'
}

@test "a failed create leaves no cgroup" {
	cfg '.linux.resources.pids.limit = 10'
	ctr_run /bin/no-such-program
	[ "$status" -ne 0 ]
	for h in $(cg_hierarchies); do
		[ ! -d "$h$CG" ]
	done
}
