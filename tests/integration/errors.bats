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
	# The message names its JSON path once, not after the init step that also says "process".
	[ "$RUNTIME_NAME" != berth ] || assert_match "^berth: process\.rlimits: "
}

@test "a missing or non-executable process fails run and create with exit 1 and runc's message" {
	# runc 1.1.5 exits 1 for all of these at run and at create (engines map the message to 127/126).
	printf 'not a program\n' >"$BUNDLE/rootfs/garbage"
	chmod 755 "$BUNDLE/rootfs/garbage"
	ctr_run nosuchcmd
	assert_status 1
	assert_imatch 'exec: \\?"nosuchcmd\\?": executable file not found in \$PATH'
	ctr_run /etc
	assert_status 1
	assert_imatch 'exec: \\?"/etc\\?": permission denied'
	ctr_run /garbage
	assert_status 1
	assert_imatch 'exec.*/garbage.*exec format error'
	set_args nosuchcmd
	new_id
	run rt create -b "$BUNDLE" "$ID" </dev/null
	assert_status 1
	assert_imatch 'exec: \\?"nosuchcmd\\?": executable file not found in \$PATH'
	[ "$RUNTIME_NAME" != berth ] || assert_berth_error_line
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

# nothing_left: the state root holds nothing, whatever ID the failed command was given.
nothing_left() {
	[ -z "$(leaked_state)" ]
}

@test "a wrong type for process.user.uid names the JSON path" {
	new_id
	cfg '.process.user.uid = "root"'
	run rt run -b "$BUNDLE" "$ID" </dev/null
	[ "$status" -ne 0 ]
	assert_imatch 'process\.user\.uid'
	assert_berth_error_line
	nothing_left
}

@test "a wrong type inside an array names the element (process.env)" {
	new_id
	cfg '.process.env += [42]'
	run rt run -b "$BUNDLE" "$ID" </dev/null
	[ "$status" -ne 0 ]
	assert_imatch 'process\.env'
	assert_berth_error_line
	nothing_left
}

@test "a duplicate ID fails with one error line and leaves the first running" {
	ctr_detach sleep 100
	pid=$(ctr_pid "$ID")
	run rt create -b "$BUNDLE" "$ID" </dev/null 3>&-
	[ "$status" -ne 0 ]
	assert_imatch 'exist'
	assert_berth_error_line
	[ "$(ctr_pid "$ID")" = "$pid" ]
	[ "$(ctr_status "$ID")" = running ]
	[ "$(ls "$STATE_ROOT")" = "$ID" ]
}

# invalid_id ID: run with that ID fails with one line, and nothing is made anywhere.
invalid_id() {
	run rt run -b "$BUNDLE" "$1" </dev/null 3>&-
	[ "$status" -ne 0 ]
	assert_berth_error_line
	nothing_left
	[ ! -e "$WORK/x" ] && [ ! -e "$STATE_ROOT/../x" ]
}

@test "ID ../x is refused with one error line and nothing made" {
	invalid_id ../x
	assert_imatch 'id|invalid'
}

@test "an empty ID is refused with one error line and nothing made" {
	invalid_id ""
}

@test "a 1025-character ID is refused with one error line and nothing made" {
	[ "$RUNTIME_NAME" = berth ] || skip "runc 1.1.5: accepts IDs up to the file name limit and fails later"
	invalid_id "$(printf 'a%.0s' $(seq 1025))"
}

@test "a 300-character ID is refused up front, naming the limit, and nothing made" {
	invalid_id "$(printf 'a%.0s' $(seq 300))"
	[ "$RUNTIME_NAME" = berth ] || return 0
	assert_match 'invalid container ID: longer than 255 bytes'
	# Before the config is even read: the ID is the first thing create checks.
	rm "$BUNDLE/config.json"
	run rt create -b "$BUNDLE" "$(printf 'b%.0s' $(seq 256))" </dev/null 3>&-
	assert_status 1
	assert_match 'invalid container ID: longer than 255 bytes'
	run rt delete "$(printf 'c%.0s' $(seq 300))"
	assert_status 1
	assert_match 'invalid container ID: longer than 255 bytes'
}

@test "a 255-character ID, the most a state dir name can hold, runs" {
	set_args true
	new_id
	long=$(printf 'a%.0s' $(seq 255))
	echo "$long" >>"$ITEST_IDS"
	run rt run -b "$BUNDLE" "$long" </dev/null 3>&-
	assert_status 0
	nothing_left
}

@test "an ID with a slash is refused with one error line and nothing made" {
	invalid_id a/b
}

@test "start on a running container: one error line, still running" {
	ctr_create sleep 100
	rt start "$ID"
	run rt start "$ID"
	[ "$status" -ne 0 ]
	assert_imatch 'running|not.*created|cannot start'
	assert_berth_error_line
	[ "$(ctr_status "$ID")" = running ]
}

@test "delete on a running container without --force: one error line, still running" {
	ctr_detach sleep 100
	pid=$(ctr_pid "$ID")
	run rt delete "$ID"
	[ "$status" -ne 0 ]
	assert_imatch 'running|force'
	assert_berth_error_line
	[ "$(ctr_status "$ID")" = running ]
	kill -0 "$pid"
}

@test "kill on a stopped container: one error line" {
	ctr_detach true
	wait_status "$ID" stopped
	run rt kill "$ID" KILL
	[ "$status" -ne 0 ]
	assert_imatch 'stopped|not running|not.*(created|running)'
	assert_berth_error_line
	[ "$(ctr_status "$ID")" = stopped ]
}

@test "RLIMIT_NOFILE 1048576 above this host's hard limit fails naming the rlimit" {
	hard=$(ulimit -Hn)
	[ "$hard" != unlimited ] && [ "$hard" -lt 1048576 ] || skip "the hard limit here allows 1048576"
	cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 1048576, "soft": 1048576}]'
	ctr_run true
	[ "$status" -ne 0 ]
	[ "$status" -lt 128 ]
	[ "$RUNTIME_NAME" != berth ] || assert_imatch 'RLIMIT_NOFILE'
	assert_imatch 'operation not permitted'
	assert_berth_error_line
}

@test "CAP_SYS_RESOURCE outside this host's bounding set fails naming it" {
	grep -q '^CapBnd:' /proc/self/status
	bnd=$((16#$(awk '/^CapBnd/ { print $2 }' /proc/self/status)))
	[ $(((bnd >> 24) & 1)) -eq 0 ] || skip "CAP_SYS_RESOURCE is in this host's bounding set"
	cfg '.process.capabilities |= with_entries(.value += ["CAP_SYS_RESOURCE"])'
	ctr_run true
	[ "$status" -ne 0 ]
	[ "$status" -lt 128 ]
	[ "$RUNTIME_NAME" != berth ] || assert_imatch 'CAP_SYS_RESOURCE'
	assert_berth_error_line
}

# exec tells berth's own failures (255, as runc) from the process's exit status.
@test "exec of a missing container exits 255 with one error line" {
	run rt exec no-such-container true </dev/null
	assert_status 255
	assert_imatch 'does not exist'
	assert_berth_error_line
}

@test "exec in a paused container without --ignore-paused exits 255; the process's own status passes" {
	ctr_detach sleep 100
	exec_in "$ID" sh -c 'exit 254'
	assert_status 254
	rt pause "$ID"
	exec_in "$ID" true
	assert_status 255
	assert_imatch 'paused'
	assert_berth_error_line
	rt resume "$ID"
}

@test "exec --pid-file in a missing directory exits 255 and leaves no process behind" {
	ctr_detach sleep 100
	run rt exec --pid-file "$WORK/no-such-dir/pid" "$ID" sh -c 'echo started; sleep 100' </dev/null 3>&-
	assert_status 255
	assert_imatch 'no-such-dir|no such file'
	# Only init is left in the container.
	retry 100 test "$(rt ps --format json "$ID" | jq length)" -eq 1
	[ ! -e "$WORK/no-such-dir" ]
}

# crun refuses it ("conflicts with OCI field domainname"); runc 1.1.5 applies both, the sysctl last.
@test "a kernel.domainname sysctl that differs from domainname fails create naming both" {
	cfg '.domainname = "from-field" | .linux.sysctl = {"kernel.domainname": "from-sysctl"}'
	ctr_run true
	[ "$RUNTIME_NAME" = runc ] && skip "runc 1.1.5 accepts the conflict"
	[ "$status" -ne 0 ]
	assert_imatch 'linux\.sysctl.*kernel\.domainname.*from-sysctl.*conflicts.*domainname.*from-field'
	assert_berth_error_line
	# the same value is no conflict
	cfg '.linux.sysctl = {"kernel.domainname": "from-field"}'
	ctr_run cat /proc/sys/kernel/domainname
	assert_status 0
	assert_output from-field
}

# A confinement asked for and not given is refused, naming it; runc refuses the SELinux label alike
# ("selinux label is specified in config, but selinux is disabled or not supported").
@test "an AppArmor profile, SELinux label or mount label the kernel cannot apply fails create naming it" {
	[ -e /sys/kernel/security/apparmor ] && skip "this kernel has AppArmor"
	[ -e /sys/fs/selinux/enforce ] && skip "this kernel has SELinux"
	cfg '.process.apparmorProfile = "berth-itest-profile"'
	ctr_run echo ran
	[ "$status" -ne 0 ]
	[[ $output != *ran* ]]
	assert_imatch 'apparmor'
	[ "$RUNTIME_NAME" = berth ] || return 0
	assert_imatch 'process\.apparmorProfile.*berth-itest-profile.*AppArmor is not enabled'
	assert_berth_error_line
	cfg 'del(.process.apparmorProfile) | .process.selinuxLabel = "system_u:system_r:container_t:s0"'
	ctr_run echo ran
	[ "$status" -ne 0 ]
	assert_imatch 'process\.selinuxLabel.*container_t.*SELinux is not enabled'
	assert_berth_error_line
	cfg 'del(.process.selinuxLabel) | .linux.mountLabel = "system_u:object_r:container_file_t:s0"'
	ctr_run echo ran
	[ "$status" -ne 0 ]
	assert_imatch 'linux\.mountLabel.*container_file_t.*SELinux is not enabled'
	assert_berth_error_line
	# exec of a process file asking for a profile: the same
	cfg 'del(.linux.mountLabel)'
	ctr_detach sleep 100
	jq '.process | .args = ["true"] | .apparmorProfile = "berth-itest-profile"' "$BUNDLE/config.json" >"$WORK/p.json"
	run rt exec --process "$WORK/p.json" "$ID"
	[ "$status" -ne 0 ]
	assert_imatch 'apparmorProfile.*berth-itest-profile'
	assert_berth_error_line
	run rt exec --apparmor berth-itest-profile "$ID" true
	[ "$status" -ne 0 ]
	assert_imatch 'apparmor'
	assert_berth_error_line
	run rt exec --apparmor unconfined "$ID" true
	assert_status 0
}
