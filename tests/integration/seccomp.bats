#!/usr/bin/env bats
# bats file_tags=seccomp
# linux.seccomp beyond the basics in process.bats: every action by its effect, SCMP_ACT_NOTIFY with a
# real agent at listenerPath (seccomp-agent.c), the flags, and ENOSYS for syscalls newer than the
# profile. The probe (seccomp-probe.c) runs in the container without a shell.

load helpers

# The agent is this test's own process: stop it before the leak checks look for leftovers.
eval "$(declare -f teardown | sed '1s/^teardown/helpers_teardown/')"
teardown() {
	if [ -n "${AGENT_PID:-}" ]; then
		kill "$AGENT_PID" 2>/dev/null
		wait "$AGENT_PID" 2>/dev/null
	fi
	helpers_teardown
}

# build_helper NAME [CC FLAGS...]: tests/integration/NAME.c, compiled once per run into $BATS_RUN_TMPDIR.
build_helper() {
	local name=$1 bin=$BATS_RUN_TMPDIR/$1
	shift
	[ -x "$bin" ] && return 0
	command -v cc >/dev/null || skip "no C compiler for $name"
	(
		flock 9
		[ -x "$bin" ] || { cc -O2 "$@" -o "$bin.tmp" "$ITEST_DIR/$name.c" -lpthread && mv "$bin.tmp" "$bin"; }
	) 9>"$bin.lock" || skip "cannot build $name here"
}

# probe: the static probe as /bin/probe in the rootfs.
probe() {
	build_helper seccomp-probe -static
	cp "$BATS_RUN_TMPDIR/seccomp-probe" "$BUNDLE/rootfs/bin/probe"
}

# agent_start [PATH MODE]: the agent listening on $AGENT_SOCK, writing to $AGENT_OUT.
agent_start() {
	build_helper seccomp-agent
	AGENT_OUT=$WORK/agent
	AGENT_SOCK=$WORK/agent.sock
	mkdir -p "$AGENT_OUT"
	"$BATS_RUN_TMPDIR/seccomp-agent" "$AGENT_SOCK" "$AGENT_OUT" "$@" </dev/null >"$WORK/agent.err" 2>&1 3>&- &
	AGENT_PID=$!
	retry 300 test -S "$AGENT_SOCK"
}

# notify_profile [FLAGS-JSON]: mkdir and mkdirat go to the agent, everything else is allowed.
notify_profile() {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $sock,
		"listenerMetadata": "itest-meta", "flags": $flags,
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}' \
		--arg sock "$AGENT_SOCK" --argjson flags "${1:-[]}"
}

# one_rule ACTION [EXTRA-JSON]: mkdir and mkdirat get ACTION, the rest is allowed.
one_rule() {
	local extra=${2:-'{}'}
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": $act} + $extra]}' \
		--arg act "$1" --argjson extra "$extra"
}


# --- SCMP_ACT_NOTIFY and listenerPath ---

# bats test_tags=vm
@test "notify: the agent gets the container process state and the fd during create" {
	agent_start /denied errno:122
	notify_profile
	cfg '.annotations = {"itest.key": "itest-value"}'
	ctr_create sh -c 'mkdir /denied 2>&1; echo "rc=$?"; mkdir /allowed && echo made'
	# Delivered during create, not at start (start is never called here). The agent writes the
	# file after berth's send, so under a slow VM create may return first: wait for it.
	retry 100 test -s "$AGENT_OUT/state.1.json"
	local pid
	pid=$(ctr_pid "$ID")
	jq -e --arg id "$ID" --arg bundle "$BUNDLE" --argjson pid "$pid" '
		(.ociVersion | type == "string" and length > 0) and .fds == ["seccompFd"] and .pid == $pid
		and .metadata == "itest-meta" and .state.status == "creating" and .state.id == $id
		and .state.pid == $pid and .state.bundle == $bundle
		and .state.annotations["itest.key"] == "itest-value"' "$AGENT_OUT/state.1.json"
	# exactly one fd, and it is the filter's listener
	[ "$(cat "$AGENT_OUT/fd.1")" = "anon_inode:seccomp notify fds=1" ]
	rt start "$ID"
	wait_status "$ID" stopped
	run cat "$WORK/$ID.out"
	assert_imatch 'disk quota exceeded'
	grep -qx 'rc=1' <<<"$output"
	grep -qx made <<<"$output"
	[ ! -e "$BUNDLE/rootfs/denied" ] && [ -d "$BUNDLE/rootfs/allowed" ]
	grep -qE '^mkdir(at)? /denied -> errno 122$' "$AGENT_OUT/log"
	grep -qE '^mkdir(at)? /allowed -> continue$' "$AGENT_OUT/log"
}

# bats test_tags=vm
@test "notify: the agent's answer is what the process sees (success without the work, WAIT_KILLABLE_RECV)" {
	agent_start /faked fake
	notify_profile '["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]'
	ctr_run sh -c 'mkdir /faked && echo said-made; [ -e /faked ] || echo absent'
	assert_status 0
	assert_output "said-made
absent"
	grep -qE '^mkdir(at)? /faked -> fake$' "$AGENT_OUT/log"
}

@test "notify: exec sends the exec'd process's own listener with the running state" {
	agent_start /exec-denied errno:13
	notify_profile
	ctr_detach sleep 100
	wait_status "$ID" running
	local pid
	pid=$(ctr_pid "$ID")
	exec_in "$ID" sh -c 'mkdir /exec-denied 2>&1; echo "rc=$?"'
	assert_imatch 'permission denied'
	grep -qx 'rc=1' <<<"$output"
	[ ! -e "$BUNDLE/rootfs/exec-denied" ]
	jq -e --argjson pid "$pid" '.state.status == "running" and .state.pid == $pid
		and .pid != $pid and .pid > 0 and .fds == ["seccompFd"]' "$AGENT_OUT/state.2.json"
	[ "$(cat "$AGENT_OUT/fd.2")" = "anon_inode:seccomp notify fds=1" ]
}

@test "notify: the listener fd reaches neither the container process nor an exec'd one" {
	probe
	agent_start /none errno:1
	notify_profile
	ctr_detach sh -c '/bin/probe fds mkdir /made; exec sleep 100'
	wait_status "$ID" running
	retry 300 grep -q '^mkdir: ok$' "$WORK/$ID.out"
	run cat "$WORK/$ID.out"
	[[ $output == *"fd 0:"* ]]
	[[ $output != *seccomp* ]]
	exec_in "$ID" /bin/probe fds mkdir /made-by-exec
	assert_status 0
	[[ $output == *"fd 0:"* ]]
	[[ $output != *seccomp* ]]
	# both processes ran under their filters: their mkdirs went through the agent
	grep -qE '^mkdir(at)? /made -> continue$' "$AGENT_OUT/log"
	grep -qE '^mkdir(at)? /made-by-exec -> continue$' "$AGENT_OUT/log"
	[ -d "$BUNDLE/rootfs/made" ] && [ -d "$BUNDLE/rootfs/made-by-exec" ]
}

@test "notify: an unreachable listenerPath fails create naming it, and leaves nothing behind" {
	AGENT_SOCK=$WORK/nobody.sock
	notify_profile
	set_args true
	new_id
	run rt create -b "$BUNDLE" "$ID" </dev/null 3>&-
	[ "$status" -ne 0 ]
	assert_imatch "listenerPath.*$WORK/nobody.sock"
	assert_imatch 'no such file'
	assert_berth_error_line
	run rt state "$ID"
	[ "$status" -ne 0 ]
	# a socket nobody listens on: connection refused
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$AGENT_SOCK"
	ctr_run true
	[ "$status" -ne 0 ]
	assert_imatch "listenerPath.*refused"
	assert_berth_error_line
}

@test "notify: listenerPath is required, and the default action and sendmsg/recvmsg cannot notify" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
	ctr_run true
	[ "$status" -ne 0 ]
	assert_imatch 'linux\.seccomp\.listenerPath'
	assert_berth_error_line
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/x.sock"}'
	ctr_run true
	[ "$status" -ne 0 ]
	assert_imatch 'linux\.seccomp\.defaultAction'
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/x.sock",
		"syscalls": [{"names": ["mkdir", "sendmsg"], "action": "SCMP_ACT_NOTIFY"}]}'
	ctr_run true
	[ "$status" -ne 0 ]
	assert_imatch 'linux\.seccomp\.syscalls\[0\]\.names\[1\].*sendmsg'
}

# --- every other action, by its effect ---

# bats test_tags=vm
@test "KILL_THREAD (and KILL, its alias) kills only the calling thread" {
	probe
	local act
	for act in SCMP_ACT_KILL_THREAD SCMP_ACT_KILL; do
		one_rule "$act"
		ctr_run /bin/probe thread-mkdir /t
		assert_status 0
		assert_output "main thread: alive"
		[ ! -e "$BUNDLE/rootfs/t" ]
	done
}

@test "KILL_PROCESS kills the whole process with SIGSYS" {
	probe
	one_rule SCMP_ACT_KILL_PROCESS
	ctr_run /bin/probe thread-mkdir /t
	assert_status 159
	[[ $output != *alive* ]]
	[ ! -e "$BUNDLE/rootfs/t" ]
}

@test "TRAP delivers SIGSYS naming the syscall, which the process can handle" {
	probe
	one_rule SCMP_ACT_TRAP
	ctr_run /bin/probe trap /t
	assert_status 0
	# mkdir is 83 on x86_64
	assert_output "trap: SIGSYS syscall 83"
	[ ! -e "$BUNDLE/rootfs/t" ]
}

@test "TRACE without a tracer fails the syscall with ENOSYS" {
	probe
	one_rule SCMP_ACT_TRACE '{"errnoRet": 7}'
	ctr_run /bin/probe mkdir /t
	assert_status 0
	assert_output "mkdir: errno 38"
	[ ! -e "$BUNDLE/rootfs/t" ]
}

@test "ERRNO with errnoRet 0 reports success without doing the syscall" {
	probe
	one_rule SCMP_ACT_ERRNO '{"errnoRet": 0}'
	ctr_run /bin/probe mkdir /t
	assert_status 0
	assert_output "mkdir: ok"
	[ ! -e "$BUNDLE/rootfs/t" ]
}

@test "ALLOW lets a syscall through a deny-by-default profile" {
	probe
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": $a, "action": "SCMP_ACT_ALLOW"}, {"names": ["mkdir"], "action": "SCMP_ACT_ALLOW"}]}' \
		--argjson a "$STATIC_ALLOW"
	ctr_run /bin/probe mkdir /made access
	assert_status 0
	assert_output "mkdir: ok
access: errno 1"
	[ -d "$BUNDLE/rootfs/made" ]
}

# audit_lines PATTERN: the kernel's seccomp audit records (type=1326) of this test's probe.
audit_lines() {
	dmesg 2>/dev/null | grep 'type=1326' | grep -F "exe=\"/bin/probe-$MARK\"" | grep -E -- "$1"
}

probe_named() {
	probe
	mv "$BUNDLE/rootfs/bin/probe" "$BUNDLE/rootfs/bin/probe-$MARK"
	dmesg >/dev/null 2>&1 || skip "the kernel log is not readable"
}

@test "LOG lets the syscall run and records it in the audit log" {
	probe_named
	one_rule SCMP_ACT_LOG
	ctr_run "/bin/probe-$MARK" mkdir /logged
	assert_status 0
	assert_output "mkdir: ok"
	[ -d "$BUNDLE/rootfs/logged" ]
	# mkdir is 83; 0x7ffc0000 is SECCOMP_RET_LOG
	retry 300 audit_lines 'syscall=83 .*code=0x7ffc0000'
}

# --- flags ---

@test "flag LOG: an ERRNO answer is audited with the flag, not without it" {
	probe_named
	# access (21) gets EPERM (audited as code 0x50000, the action without its data); mkdir (83), LOGged whatever the flags, marks the end
	local profile='{"defaultAction": "SCMP_ACT_ALLOW", "flags": $flags, "syscalls": [
		{"names": ["access"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
		{"names": ["mkdir"], "action": "SCMP_ACT_LOG"}]}'
	cfg ".linux.seccomp = $profile" --argjson flags '[]'
	ctr_run "/bin/probe-$MARK" access mkdir /m1
	assert_output "access: errno 1
mkdir: ok"
	# the kernel logs in order: once the marker is there, an audited access would be too
	retry 300 audit_lines 'syscall=83 .*code=0x7ffc0000'
	[ -z "$(audit_lines 'syscall=21 .*code=0x50000')" ]
	cfg ".linux.seccomp = $profile" --argjson flags '["SECCOMP_FILTER_FLAG_LOG"]'
	ctr_run "/bin/probe-$MARK" access mkdir /m2
	assert_output "access: errno 1
mkdir: ok"
	retry 300 audit_lines 'syscall=21 .*code=0x50000'
}

# bats test_tags=vm
@test "flags TSYNC and SPEC_ALLOW: the filter is in force, speculation control is left as it was" {
	local before
	ctr_run sh -c 'grep ^Speculation_Store_Bypass: /proc/self/status'
	assert_status 0
	before=$output
	[ -n "$before" ]
	one_rule SCMP_ACT_ERRNO '{"errnoRet": 1}'
	cfg '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]'
	ctr_run sh -c 'grep -E "^(Seccomp|Seccomp_filters|Speculation_Store_Bypass):" /proc/self/status; mkdir /t 2>&1'
	grep -qxE 'Seccomp:[[:space:]]+2' <<<"$output"
	grep -qxE 'Seccomp_filters:[[:space:]]+1' <<<"$output"
	grep -qxF "$before" <<<"$output"
	assert_imatch 'operation not permitted'
	[ ! -e "$BUNDLE/rootfs/t" ]
}

# bats test_tags=vm
@test "flag WAIT_KILLABLE_RECV without a listener is accepted (the kernel needs none to apply)" {
	one_rule SCMP_ACT_ERRNO '{"errnoRet": 1}'
	cfg '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]'
	ctr_run sh -c 'mkdir /t 2>&1; echo "rc=$?"'
	assert_imatch 'operation not permitted'
	grep -qx 'rc=1' <<<"$output"
}

@test "an unknown flag or architecture fails naming its JSON path" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_BOGUS"]}'
	ctr_run true
	[ "$status" -ne 0 ]
	assert_imatch 'linux\.seccomp\.flags\[0\].*SECCOMP_FILTER_FLAG_BOGUS'
	assert_berth_error_line
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_BOGUS"]}'
	ctr_run true
	[ "$status" -ne 0 ]
	assert_imatch 'linux\.seccomp\.architectures\[1\].*SCMP_ARCH_BOGUS'
	assert_berth_error_line
}

# --- syscalls newer than the profile ---

# bats test_tags=vm
@test "deny by default: syscalls newer than the profile get ENOSYS, older unlisted ones the default errno" {
	probe
	# landlock_restrict_self (446) is the newest syscall named: faccessat2 (439) is older and unlisted,
	# cachestat (451) and mseal (462) are newer than anything the profile knows
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": ($a + ["landlock_restrict_self"]), "action": "SCMP_ACT_ALLOW"}]}' \
		--argjson a "$STATIC_ALLOW"
	ctr_run /bin/probe cachestat mseal faccessat2 access
	assert_status 0
	assert_output "cachestat: errno 38
mseal: errno 38
faccessat2: errno 1
access: errno 1"
}

@test "allow by default: a new syscall is not turned into ENOSYS" {
	probe
	one_rule SCMP_ACT_ERRNO '{"errnoRet": 1}'
	ctr_run /bin/probe mseal cachestat
	assert_status 0
	# The kernel answers, not the filter: the same probe outside any container gets the same results
	# (on 6.10+ mseal(0, 0, 0) succeeds and cachestat on fd -1 fails with EBADF; an older kernel, as
	# in the VM, has neither and says ENOSYS itself).
	assert_output "$("$BATS_RUN_TMPDIR/seccomp-probe" mseal cachestat)"
	[ "$(uname -r | cut -d. -f1)" -lt 6 ] || [ "$(uname -r | cut -d. -f1)" -eq 6 -a "$(uname -r | cut -d. -f2)" -lt 10 ] ||
		assert_output "mseal: ok
cachestat: errno 9"
}

# --- what else runs under the filter ---

# bats test_tags=vm
@test "a profile that denies execve fails start, which says so, and the process never runs" {
	[ "$RUNTIME_NAME" = runc ] && skip "runc 1.1.5's start returns before the execve"
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["execve", "execveat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
	ctr_create sh -c 'touch /tmp/ran'
	run rt start "$ID"
	[ "$status" -ne 0 ]
	assert_imatch 'exec.*/bin/sh.*permission denied'
	assert_berth_error_line
	wait_status "$ID" stopped
	[ ! -e "$BUNDLE/rootfs/tmp/ran" ]
}

# runc 1.1.5 runs startContainer hooks from init after the filter is loaded and the credentials
# are dropped (standard_init_linux.go): a syscall the profile denies is denied to the hook too.
@test "startContainer hooks run under the container's filter and as its user" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	h=$(jq -cn --arg m "BERTH_ITEST_MARK=$MARK" '{path: "/bin/sh", args: ["sh", "-c", "id -u >/tmp/hook-uid; mkdir /tmp/hook-dir"], env: [$m]}')
	cfg '.hooks.startContainer = [$h] | .process.user = {uid: 1000, gid: 1000}' --argjson h "$h"
	chmod 1777 "$BUNDLE/rootfs/tmp"
	ctr_run sh -c 'touch /tmp/ran'
	[ "$status" -ne 0 ]
	[ "$(cat "$BUNDLE/rootfs/tmp/hook-uid")" = 1000 ]
	[ ! -e "$BUNDLE/rootfs/tmp/hook-dir" ]
	[ ! -e "$BUNDLE/rootfs/tmp/ran" ]
}

# bats test_tags=vm
@test "notify: write cannot notify (the runtime writes after the filter is in)" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/x.sock",
		"syscalls": [{"names": ["mkdir", "write"], "action": "SCMP_ACT_NOTIFY"}]}'
	ctr_create true || st=$?
	[ "${st:-0}" -ne 0 ]
	run cat "$WORK/$ID.out"
	assert_imatch 'SCMP_ACT_NOTIFY cannot be used for (the )?"?write'
	[ "$RUNTIME_NAME" = runc ] && return
	assert_imatch 'linux\.seccomp\.syscalls\[0\]\.names\[1\]'
	assert_berth_error_line
	run rt state "$ID"
	[ "$status" -ne 0 ]
}
