#!/usr/bin/env bats
# bats file_tags=process
# Process attributes from config.json: user, umask, env, cwd, capabilities, rlimits, no_new_privs,
# oom_score_adj, seccomp, inherited fds.

load helpers

# capmask CAP_NUMBERS...: the /proc/PID/status hex mask for those capability numbers.
capmask() {
	local m=0 c
	for c in "$@"; do m=$((m | (1 << c))); done
	printf '%016x' "$m"
}

@test "user uid and gid" {
	cfg '.process.user = {"uid": 1000, "gid": 1000}'
	ctr_run sh -c 'id -u; id -g'
	assert_output "1000
1000"
}

@test "user additionalGids become the supplementary groups" {
	cfg '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20]}'
	ctr_run sh -c 'grep ^Groups: /proc/self/status'
	assert_status 0
	[ "$(awk '{ $1 = ""; print }' <<<"$output" | xargs)" = "10 20" ]
}

@test "id shows the user and group names from /etc/passwd" {
	cfg '.process.user = {"uid": 1000, "gid": 1000}'
	ctr_run id
	assert_match '^uid=1000\(user\) gid=1000\(user\)'
}

@test "root with no additionalGids has no supplementary groups" {
	ctr_run sh -c 'grep ^Groups: /proc/self/status'
	[ "$(awk '{ $1 = ""; print }' <<<"$output" | xargs)" = "" ]
}

@test "umask from the config" {
	cfg '.process.user.umask = 63'
	ctr_run sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f'
	assert_output "0077
600"
}

@test "env reaches the process" {
	cfg '.process.env += ["FOO=bar baz", "EMPTY="]'
	ctr_run sh -c 'echo "$FOO"; env | grep -c ^EMPTY=$'
	assert_output "bar baz
1"
}

@test "env does not leak from the runtime's environment" {
	export ITEST_LEAKY=yes
	ctr_run sh -c 'echo "${ITEST_LEAKY:-unset}"'
	assert_output unset
}

@test "cwd is the configured directory" {
	cfg '.process.cwd = "/tmp"'
	ctr_run pwd
	assert_output /tmp
}

@test "a missing cwd is created" {
	cfg '.process.cwd = "/new/work/dir"'
	ctr_run pwd
	assert_status 0
	assert_output /new/work/dir
}

@test "capabilities: CapEff and CapBnd match the config" {
	cfg '.process.capabilities = {"bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_CHOWN", "CAP_KILL"],
		"permitted": ["CAP_CHOWN", "CAP_KILL"], "inheritable": []}'
	ctr_run grep -E '^Cap(Eff|Bnd|Prm):' /proc/self/status
	want=$(capmask 0 5)
	[ "$(awk '/^CapEff/ { print $2 }' <<<"$output")" = "$want" ]
	[ "$(awk '/^CapBnd/ { print $2 }' <<<"$output")" = "$want" ]
	[ "$(awk '/^CapPrm/ { print $2 }' <<<"$output")" = "$want" ]
}

@test "capabilities: ambient ones reach a non-root user" {
	cfg '.process.user = {"uid": 1000, "gid": 1000}
		| .process.capabilities = {"bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE"], "effective": ["CAP_KILL"],
		"permitted": ["CAP_KILL"], "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}'
	ctr_run grep -E '^Cap(Eff|Bnd|Amb):' /proc/self/status
	[ "$(awk '/^CapAmb/ { print $2 }' <<<"$output")" = "$(capmask 5)" ]
	[ "$(awk '/^CapEff/ { print $2 }' <<<"$output")" = "$(capmask 5)" ]
	[ "$(awk '/^CapBnd/ { print $2 }' <<<"$output")" = "$(capmask 5 10)" ]
}

@test "capabilities: a missing capability is enforced (chown fails without CAP_CHOWN)" {
	cfg '.process.capabilities = {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}'
	ctr_run sh -c 'touch /tmp/f && chown 1000 /tmp/f'
	[ "$status" -ne 0 ]
	assert_imatch 'not permitted'
}

@test "capabilities: a granted capability works (chown with CAP_CHOWN)" {
	cfg '.process.capabilities = {"bounding": ["CAP_CHOWN"], "effective": ["CAP_CHOWN"], "permitted": ["CAP_CHOWN"]}'
	ctr_run sh -c 'touch /tmp/f && chown 1000 /tmp/f && stat -c %u /tmp/f'
	assert_status 0
	assert_output 1000
}

@test "rlimits: RLIMIT_NOFILE soft and hard (ulimit -n)" {
	cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024}]'
	ctr_run sh -c 'ulimit -n; ulimit -Hn'
	assert_output "512
1024"
}

@test "rlimits: RLIMIT_NPROC" {
	cfg '.process.rlimits = [{"type": "RLIMIT_NPROC", "soft": 77, "hard": 77}]'
	ctr_run sh -c 'ulimit -u'
	assert_output 77
}

@test "noNewPrivileges true: NoNewPrivs 1" {
	cfg '.process.noNewPrivileges = true'
	ctr_run grep ^NoNewPrivs: /proc/self/status
	assert_match '1$'
}

@test "noNewPrivileges false: NoNewPrivs 0" {
	cfg '.process.noNewPrivileges = false'
	ctr_run grep ^NoNewPrivs: /proc/self/status
	assert_match '0$'
}

@test "oomScoreAdj" {
	cfg '.process.oomScoreAdj = 500'
	ctr_run cat /proc/self/oom_score_adj
	assert_output 500
}

@test "seccomp: mkdir denied with errnoRet EPERM" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	ctr_run sh -c 'mkdir /tmp/d'
	[ "$status" -ne 0 ]
	assert_imatch 'operation not permitted'
	[ ! -e "$BUNDLE/rootfs/tmp/d" ]
}

@test "seccomp: errnoRet chooses the errno (EACCES)" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
	ctr_run sh -c 'mkdir /tmp/d'
	[ "$status" -ne 0 ]
	assert_imatch 'permission denied'
}

@test "seccomp: other syscalls still work under a filter" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	ctr_run sh -c 'touch /tmp/f && echo fine'
	assert_status 0
	assert_output fine
}

@test "seccomp: an argument condition (personality PER_LINUX32 only)" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
		"args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}'
	ctr_run sh -c 'linux64 true && echo linux64-ok; linux32 true 2>&1 || echo linux32-denied'
	grep -qx linux64-ok <<<"$output"
	grep -qx linux32-denied <<<"$output"
}

@test "seccomp: SCMP_ACT_KILL kills the caller with SIGSYS" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"}]}'
	ctr_run sh -c 'mkdir /tmp/d 2>/dev/null; echo "rc=$?"'
	assert_output "rc=159"
}

@test "fds: only 0, 1 and 2 reach the process" {
	set_args sh -c 'ls /proc/self/fd'
	new_id
	run bash -c "exec 5</dev/null 6</dev/null; BERTH_ITEST_MARK=$MARK '$RUNTIME' --root '$STATE_ROOT' run -b '$BUNDLE' '$ID' </dev/null 3>&-"
	assert_status 0
	# ls holds one more fd for the directory it reads
	[ "$(xargs <<<"$output")" = "0 1 2 3" ]
}

@test "--preserve-fds passes the extra fds" {
	set_args sh -c 'ls /proc/self/fd; cat <&3; cat <&4'
	new_id
	echo fd3-data >"$WORK/f3"
	echo fd4-data >"$WORK/f4"
	run bash -c "BERTH_ITEST_MARK=$MARK '$RUNTIME' --root '$STATE_ROOT' run --preserve-fds 2 -b '$BUNDLE' '$ID' </dev/null 3<'$WORK/f3' 4<'$WORK/f4' 5</dev/null"
	assert_status 0
	[ "$(head -1 <<<"$output" | xargs)" = "0 1 2 3 4 5" ] || [ "$(sed -n 1,6p <<<"$output" | xargs)" = "0 1 2 3 4 5" ]
	grep -qx fd3-data <<<"$output"
	grep -qx fd4-data <<<"$output"
}

@test "hostname in the process's view" {
	cfg '.hostname = "proc-host"'
	ctr_run cat /proc/sys/kernel/hostname
	assert_output proc-host
}

@test "terminal false: stdout is not a tty" {
	ctr_run sh -c '[ -t 1 ] && echo tty || echo notty'
	assert_output notty
}

@test "the process runs with the args given, argv[0] included" {
	ctr_run sh -c 'echo "$0 $1"' zero one
	assert_output "zero one"
}

@test "PATH from env is used to find the program" {
	mkdir -p "$BUNDLE/rootfs/opt/bin"
	printf '#!/bin/sh\necho from-opt\n' >"$BUNDLE/rootfs/opt/bin/itest-prog"
	chmod 755 "$BUNDLE/rootfs/opt/bin/itest-prog"
	cfg '.process.env = (.process.env | map(select(startswith("PATH=") | not))) + ["PATH=/opt/bin:/bin"]'
	ctr_run itest-prog
	assert_output from-opt
}

# sysprobe: copies the static syscall probe (sysprobe.c, built once per run) into the rootfs as
# /bin/sysprobe. It runs without a shell, so a deny-by-default profile only has to allow what a
# static binary needs.
sysprobe() {
	static_probe sysprobe
	cp "$PROBE" "$BUNDLE/rootfs/bin/sysprobe"
}


@test "seccomp: the probe works without a profile (faccessat2 and access succeed)" {
	sysprobe
	ctr_run /bin/sysprobe faccessat2 access
	assert_status 0
	assert_output "faccessat2: ok
access: ok"
}

@test "seccomp: defaultErrnoRet is the errno of a deny-by-default profile" {
	sysprobe
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 13,
		"architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": $a, "action": "SCMP_ACT_ALLOW"}]}' \
		--argjson a "$STATIC_ALLOW"
	ctr_run /bin/sysprobe access mkdir /made
	assert_status 0
	assert_output "access: errno 13
mkdir: errno 13"
	[ ! -e "$BUNDLE/rootfs/made" ]
}

@test "seccomp: a deny-by-default profile without defaultErrnoRet gives EPERM" {
	sysprobe
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO",
		"architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": $a, "action": "SCMP_ACT_ALLOW"}]}' \
		--argjson a "$STATIC_ALLOW"
	ctr_run /bin/sysprobe access
	assert_status 0
	assert_output "access: errno 1"
}

@test "seccomp: a syscall newer than a deny-by-default profile gets ENOSYS, not the default errno" {
	sysprobe
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 13,
		"architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": $a, "action": "SCMP_ACT_ALLOW"}]}' \
		--argjson a "$STATIC_ALLOW"
	ctr_run /bin/sysprobe faccessat2 access
	assert_status 0
	assert_output "faccessat2: errno 38
access: errno 13"
}

i386_ok() {
	# the probe's int $0x80 needs the kernel's IA-32 emulation
	"$BATS_RUN_TMPDIR/sysprobe" mkdir32 "$WORK/ia32" | grep -q 'mkdir32: ok' || skip "no IA-32 syscall emulation"
}

@test "seccomp: a listed architecture gets the rules (i386 mkdir denied, not killed)" {
	sysprobe
	i386_ok
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	ctr_run /bin/sysprobe mkdir32 /d32 mkdir /d64
	assert_status 0
	assert_output "mkdir32: errno 1
mkdir: errno 1"
	[ ! -e "$BUNDLE/rootfs/d32" ] && [ ! -e "$BUNDLE/rootfs/d64" ]
}

@test "seccomp: an architecture not listed cannot make syscalls (i386 killed)" {
	sysprobe
	i386_ok
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	ctr_run /bin/sysprobe mkdir32 /d32
	[ "$status" -ne 0 ]
	[[ $output != *"mkdir32: ok"* ]]
	[ ! -e "$BUNDLE/rootfs/d32" ]
}

@test "seccomp: argument conditions with two args (SCMP_CMP_MASKED_EQ on an open flag)" {
	# deny openat only when O_CREAT (0100) is in the flags: reading works, creating fails
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["openat", "open", "creat"],
		"action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [{"index": 2, "value": 64, "valueTwo": 64, "op": "SCMP_CMP_MASKED_EQ"}]}]}'
	ctr_run sh -c '[ -n "$(cat /etc/passwd)" ] && echo read-ok; (echo x > /tmp/new) 2>&1; [ -e /tmp/new ] || echo not-created'
	grep -qx read-ok <<<"$output"
	grep -qx not-created <<<"$output"
	assert_imatch 'operation not permitted'
}

@test "seccomp: an unknown action fails naming it" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_BOGUS", "syscalls": []}'
	ctr_run true
	[ "$status" -ne 0 ]
	assert_imatch 'SCMP_ACT_BOGUS'
	assert_berth_error_line
}

@test "LISTEN_FDS=2: fds 3 and 4 reach the process with LISTEN_FDS=2 and LISTEN_PID=1" {
	set_args sh -c 'echo "$LISTEN_FDS $LISTEN_PID"; cat <&3; cat <&4; ls /proc/self/fd | xargs'
	new_id
	echo fd3-data >"$WORK/f3"
	echo fd4-data >"$WORK/f4"
	# LISTEN_PID names the runtime's own pid (systemd's contract), hence the exec
	run bash -c "export LISTEN_FDS=2 LISTEN_PID=\$\$ BERTH_ITEST_MARK=$MARK
		exec '$RUNTIME' --root '$STATE_ROOT' run -b '$BUNDLE' '$ID' </dev/null 3<'$WORK/f3' 4<'$WORK/f4' 5</dev/null 6</dev/null"
	assert_status 0
	# ls's own directory fd is 5: the caller's 5 and 6 did not come along
	assert_output "2 1
fd3-data
fd4-data
0 1 2 3 4 5"
}

# fd_numbers: the fd numbers in an `ls -l /proc/self/fd` listing on stdin (ls's own directory fd is
# listed without a target, as it is closed by the time ls reads the link).
fd_numbers() {
	awk '/^l[r-]/ { print $9 }' | xargs
}

@test "fds: a created-then-started process holds only 0, 1, 2 and nothing of the state dir" {
	ctr_create sh -c 'ls -l /proc/self/fd'
	rt start "$ID"
	wait_status "$ID" stopped
	out=$(cat "$WORK/$ID.out")
	echo "$out"
	# 3 is ls's own directory fd
	[ "$(fd_numbers <<<"$out")" = "0 1 2 3" ]
	! grep -q -- "$STATE_ROOT" <<<"$out"
	! grep -q -e 'exec.fifo' -e 'socket:' -e 'pipe:' -e 'anon_inode' <<<"$(grep -v ' [012] -> ' <<<"$out")"
}

@test "fds: an exec'd process holds only 0, 1, 2 and nothing of the state dir" {
	ctr_detach sleep 100
	exec_in "$ID" ls -l /proc/self/fd
	assert_status 0
	[ "$(fd_numbers <<<"$output")" = "0 1 2 3" ]
	! grep -q -- "$STATE_ROOT" <<<"$output"
}

@test "scheduler: policy and nice from the config (SCHED_BATCH, nice 7)" {
	[ "$RUNTIME_NAME" = berth ] || skip "runc 1.1.5: no process.scheduler"
	cfg '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}'
	# /proc/PID/stat: field 19 is nice, 41 is the policy (SCHED_BATCH is 3)
	ctr_run sh -c 'cut -d" " -f19,41 /proc/$$/stat'
	assert_status 0
	assert_output "7 3"
}

@test "ioPriority: class and level from the config (best-effort 5)" {
	[ "$RUNTIME_NAME" = berth ] || skip "runc 1.1.5: no process.ioPriority"
	cfg '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 5}'
	ctr_run sh -c 'ionice -p $$'
	assert_status 0
	assert_imatch 'best-effort.*5'
}

@test "personality LINUX32: uname -m reports a 32-bit machine" {
	[ "$RUNTIME_NAME" = berth ] || skip "runc 1.1.5: no linux.personality"
	[ "$(uname -m)" = x86_64 ] || skip "the check is written for x86_64"
	cfg '.linux.personality = {"domain": "LINUX32"}'
	ctr_run uname -m
	assert_status 0
	assert_output i686
}

@test "execCPUAffinity final: the process runs on the given CPUs" {
	[ "$RUNTIME_NAME" = berth ] || skip "runc 1.1.5: no process.execCPUAffinity"
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	cfg '.process.execCPUAffinity = {"initial": "0", "final": "1"}'
	ctr_run grep ^Cpus_allowed_list: /proc/self/status
	assert_status 0
	assert_match '[[:space:]]1$'
}

# A confinement the kernel cannot apply is refused (errors.bats); "unconfined" and empty ones are none.
@test "fields only accepted on this host (intelRdt, mount idmaps, an unconfined or empty LSM profile) do not stop a run" {
	[ "$RUNTIME_NAME" = berth ] || skip "runc 1.1.5: intelRdt needs resctrl"
	mkdir "$WORK/src"
	cfg '.process.apparmorProfile = "unconfined" | .process.selinuxLabel = ""
		| .linux.mountLabel = "" | .linux.intelRdt = {"closID": "itest"}
		| .mounts += [{"destination": "/mnt", "type": "bind", "source": $s, "options": ["rbind"],
			"uidMappings": [], "gidMappings": []}]' --arg s "$WORK/src"
	ctr_run echo accepted
	assert_status 0
	assert_output accepted
}

@test "unknown fields are ignored at every level" {
	cfg '.futureTopLevel = {"x": 1} | .process.futureField = [1, 2] | .linux.futureLinux = "y"
		| .linux.namespaces[0].futureNs = true | .root.futureRoot = null'
	ctr_run echo ignored
	assert_status 0
	assert_output ignored
}
