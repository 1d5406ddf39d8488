# Shared setup for the integration suite: one bundle, one state dir and one cgroup prefix per test,
# and a teardown that fails the test when anything the runtime made is still on the host.
#
# The runtime under test is $RUNTIME (default $BERTH, the built binary); run with RUNTIME=runc to check
# the tests themselves against runc 1.1.5, the reference for the command line contract.

RUNTIME=${RUNTIME:-${BERTH:-}}
if [ -z "$RUNTIME" ]; then
	echo "helpers: set RUNTIME or BERTH to the runtime under test" >&2
	exit 1
fi
case "$RUNTIME" in
*/*) ;;
*) RUNTIME=$(command -v "$RUNTIME") ;;
esac
case "${RUNTIME##*/}" in
*berth*) RUNTIME_NAME=berth ;;
*runc*) RUNTIME_NAME=runc ;;
*) RUNTIME_NAME=${RUNTIME##*/} ;;
esac

ITEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_DIR=$(cd "$ITEST_DIR/../.." && pwd)

# v2 when /sys/fs/cgroup is cgroup2 itself (the VM); otherwise v1 controllers, plus "unified" on hybrid.
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
	CG_MODE=v2
elif [ -d /sys/fs/cgroup/unified ]; then
	CG_MODE=hybrid
else
	CG_MODE=v1
fi

RUN_TAG=${BATS_ROOT_PID:-$$}
CG_TOP=berth-itest-$RUN_TAG

# Every cgroup hierarchy root the leak check must look at.
cg_hierarchies() {
	if [ "$CG_MODE" = v2 ]; then
		echo /sys/fs/cgroup
		return
	fi
	local d
	for d in /sys/fs/cgroup/*/; do
		d=${d%/}
		# cpu and cpuacct are usually symlinks to one combined hierarchy; count it once.
		[ -L "$d" ] && continue
		[ -e "$d/cgroup.procs" ] && echo "$d"
	done
}

# Path of a controller file of the container cgroup $1 (a cgroupsPath) for the current mode.
# cg_path CGPATH CONTROLLER FILE: v1 controller name ("memory", "cpu", "pids", "freezer"...).
cg_path() {
	if [ "$CG_MODE" = v2 ]; then
		echo "/sys/fs/cgroup$1/$3"
	else
		echo "/sys/fs/cgroup/$2$1/$3"
	fi
}

# The rootfs is built once per run and copied per test, so a test may change its copy freely.
rootfs_cache() {
	local cache=${BATS_RUN_TMPDIR:-$SRC_DIR/tests/.work}/rootfs
	if [ ! -e "$cache/.done" ]; then
		(
			flock 9
			if [ ! -e "$cache/.done" ]; then
				"$SRC_DIR/scripts/mkrootfs" "$cache" >&2 && touch "$cache/.done"
			fi
		) 9>"${cache%/*}/.rootfs.lock"
	fi
	echo "$cache"
}

# The base config comes from runc spec when runc is there, so a broken `spec` in the runtime under test
# fails the spec tests only instead of every test.
config_template() {
	local tpl=${BATS_RUN_TMPDIR:-$SRC_DIR/tests/.work}/config.template.json
	if [ ! -s "$tpl" ]; then
		local d
		d=$(mktemp -d)
		if command -v runc >/dev/null; then
			(cd "$d" && runc spec)
		else
			(cd "$d" && "$RUNTIME" spec)
		fi
		mv "$d/config.json" "$tpl"
		rmdir "$d"
	fi
	echo "$tpl"
}

setup() {
	ITEST_T=t${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER}
	# The marker ends with "e" so that t1 never matches t10.
	MARK=m${RUN_TAG}${ITEST_T}e
	WORK=$BATS_TEST_TMPDIR
	STATE_ROOT=$WORK/state
	BUNDLE=$WORK/bundle
	CG_TEST=/$CG_TOP/$ITEST_T
	ITEST_IDS=$WORK/ids
	ITEST_NETNS=$WORK/netns
	mkdir -p "$STATE_ROOT" "$BUNDLE"
	: >"$ITEST_IDS"
	: >"$ITEST_NETNS"
	cp -a "$(rootfs_cache)" "$BUNDLE/rootfs"
	rm -f "$BUNDLE/rootfs/.done"
	jq --arg mark "BERTH_ITEST_MARK=$MARK" --arg cg "$CG_TEST/c1" '
		.process.terminal = false
		| .process.args = ["true"]
		| .process.env += [$mark]
		| .root.readonly = false
		| .linux.cgroupsPath = $cg' "$(config_template)" >"$BUNDLE/config.json"
	ID_N=0
}

# Run the runtime with this test's state dir. The marker in its environment lets the leak check find
# any runtime process (or hook) that outlives the command.
rt() {
	BERTH_ITEST_MARK=$MARK "$RUNTIME" --root "$STATE_ROOT" "$@"
}

# cfg FILTER [jq args...]: edit the bundle's config.json in place.
cfg() {
	local f=$1
	shift
	jq "$@" "$f" "$BUNDLE/config.json" >"$BUNDLE/config.json.new" && mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# json_str STRING: sets REPLY to STRING as a JSON string. In bash, not jq: under the VM's emulated CPU
# each jq costs half a second, and a test quotes every argument of every container it runs.
json_str() {
	local s=$1
	if [[ $s == *[$'\x01'-$'\x08'$'\x0b'$'\x0c'$'\x0e'-$'\x1f']* ]]; then
		REPLY=$(printf '%s' "$s" | jq -Rs .)
		return
	fi
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\n'/\\n}
	s=${s//$'\t'/\\t}
	s=${s//$'\r'/\\r}
	REPLY="\"$s\""
}

set_args() {
	# jq 1.6 parses options even after --args, so the array is passed as one JSON value.
	local j="" a
	for a in "$@"; do
		json_str "$a"
		j+=${j:+,}$REPLY
	done
	cfg '.process.args = $a' --argjson a "[$j]"
}

# new_id: sets ID to a fresh container ID and records it for teardown. Each container gets its own
# cgroup under the test prefix, so one test may run several.
new_id() {
	ID_N=$((ID_N + 1))
	ID=${MARK}-c$ID_N
	echo "$ID" >>"$ITEST_IDS"
	cfg '.linux.cgroupsPath = $cg' --arg cg "$CG_TEST/c$ID_N"
	CG=$CG_TEST/c$ID_N
}

# ctr_run CMD...: run CMD in a fresh container in the foreground, through bats' run.
ctr_run() {
	set_args "$@"
	new_id
	run rt run -b "$BUNDLE" "$ID" </dev/null
}

# ctr_detach CMD...: start CMD detached; its output goes to $WORK/$ID.out. Detached containers must
# not hold bats' fd 3 or the run's output pipe, or bats would wait for them.
ctr_detach() {
	set_args "$@"
	new_id
	rt run -d -b "$BUNDLE" "$ID" </dev/null >"$WORK/$ID.out" 2>&1 3>&-
}

# ctr_create CMD...: create (not start) a container running CMD.
ctr_create() {
	set_args "$@"
	new_id
	rt create -b "$BUNDLE" "$ID" </dev/null >"$WORK/$ID.out" 2>&1 3>&-
}

ctr_status() {
	rt state "$1" 2>/dev/null | jq -r .status
}

ctr_pid() {
	rt state "$1" | jq -r .pid
}

# in_tty CMD...: run CMD (the runtime with this test's root) under a fresh pseudo-terminal from
# script(1), so a terminal=true process without a console socket has a real tty to use.
in_tty() {
	local c="BERTH_ITEST_MARK=$MARK '$RUNTIME' --root '$STATE_ROOT'" a
	for a in "$@"; do c+=" $(printf '%q' "$a")"; done
	run script -qec "$c" /dev/null </dev/null 3>&-
	output=${output//$'\r'/}
}

# wait_handler ID SIGNUM: poll (30 s) until the container's init has a handler for SIGNUM. The kernel
# drops a signal sent from outside to a PID 1 with no handler, so a signal sent before the container's
# `trap` is set would be lost and the test would wait for nothing.
wait_handler() {
	local pid i mask
	pid=$(ctr_pid "$1")
	for ((i = 0; i < 300; i++)); do
		mask=$(awk '/^SigCgt:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
		[ -n "$mask" ] && (((0x$mask >> ($2 - 1)) & 1)) && return 0
		sleep 0.1
	done
	echo "container $1: init $pid has no handler for signal $2" >&2
	return 1
}

# wait_status ID STATUS [TENTHS]: poll until the container reaches STATUS (default 30 s).
wait_status() {
	local i s
	for ((i = 0; i < ${3:-300}; i++)); do
		s=$(ctr_status "$1")
		[ "$s" = "$2" ] && return 0
		sleep 0.1
	done
	echo "container $1: status '$s', expected '$2'" >&2
	return 1
}

# retry TENTHS CMD...: until CMD succeeds.
retry() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# exec_in ID CMD...: run CMD inside a running container (through bats' run).
exec_in() {
	local id=$1
	shift
	run rt exec --env "BERTH_ITEST_MARK=$MARK" "$id" "$@" </dev/null
}

# Assertions that print what they saw, so a failing test explains itself.
assert_status() {
	if [ "$status" -ne "$1" ]; then
		echo "expected exit $1, got $status; output: $output" >&2
		return 1
	fi
}
assert_output() {
	if [ "$output" != "$1" ]; then
		printf 'expected output: %q\ngot: %q\n' "$1" "$output" >&2
		return 1
	fi
}
assert_match() {
	if ! [[ $output =~ $1 ]]; then
		printf 'output does not match /%s/:\n%s\n' "$1" "$output" >&2
		return 1
	fi
}
# Case-insensitive, so runc's own wording passes where it names the same facts as berth.
assert_imatch() {
	if ! grep -qiE -- "$1" <<<"$output"; then
		printf 'output does not match /%s/i:\n%s\n' "$1" "$output" >&2
		return 1
	fi
}

# berth's errors are one "berth: ..." line; runc prints its own log format, so only berth is held to it.
assert_berth_error_line() {
	[ "$RUNTIME_NAME" = berth ] || return 0
	local n
	n=$(grep -c . <<<"$output")
	if [ "$n" -ne 1 ] || [[ $output != berth:\ * ]]; then
		printf 'expected one "berth: ..." line, got:\n%s\n' "$output" >&2
		return 1
	fi
}

# Processes (not zombies) whose environment or command line carries this test's marker.
marked_pids() {
	local f pid st
	# "MAR[K]" keeps grep's own command line from matching.
	for f in $(grep -l -a -e "BERTH_ITEST_MAR[K]=$MARK" /proc/[0-9]*/environ 2>/dev/null) \
		$(grep -l -a -e "$MARK" /proc/[0-9]*/cmdline 2>/dev/null | grep -v "^/proc/$BASHPID/"); do
		pid=${f#/proc/}
		pid=${pid%%/*}
		[ "$pid" = "$BASHPID" ] && continue
		st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1) || continue
		[ -n "$st" ] && [ "$st" != Z ] && echo "$pid"
	done | sort -u
}

# static_probe NAME: builds tests/integration/NAME.c as a static binary once per run (parallel
# tests share it under a lock) and sets PROBE to its path; skips the test where that cannot be done.
static_probe() {
	PROBE=$BATS_RUN_TMPDIR/$1
	[ -x "$PROBE" ] && return 0
	command -v cc >/dev/null || skip "no C compiler for $1"
	(
		flock 9
		[ -x "$PROBE" ] || { cc -static -O2 -o "$PROBE.tmp" "$ITEST_DIR/$1.c" && mv "$PROBE.tmp" "$PROBE"; }
	) 9>"$PROBE.lock" || skip "cannot build a static $1 here"
}

# no_marked_pids: for retry, which re-runs a command but not a $(...) in its arguments.
no_marked_pids() { [ -z "$(marked_pids)" ]; }

# Processes in any of this test's cgroups.
cgroup_pids() {
	local h
	while read -r h; do
		[ -d "$h$CG_TEST" ] || continue
		find "$h$CG_TEST" -name cgroup.procs -exec cat {} + 2>/dev/null
	done < <(cg_hierarchies) | sort -u
}

leaked_cgroups() {
	local h
	while read -r h; do
		[ -d "$h$CG_TEST" ] && find "$h$CG_TEST" -mindepth 1 -type d
	done < <(cg_hierarchies)
	return 0
}

leaked_mounts() {
	awk -v w="$WORK" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo
}

# ROOT/.spare holds emptied state dirs that berth keeps for the next create (runtime/state.c);
# what is inside it is checked to be empty directories only.
leaked_state() {
	[ -d "$STATE_ROOT" ] || return 0
	find "$STATE_ROOT" -mindepth 1 -maxdepth 1 ! -name .spare
	[ -d "$STATE_ROOT/.spare" ] && find "$STATE_ROOT/.spare" -mindepth 2
	return 0
}

leaked_netns() {
	local n
	while read -r n; do
		[ -n "$n" ] && [ -e "/run/netns/$n" ] && echo "/run/netns/$n"
	done <"$ITEST_NETNS"
	return 0
}

# Removes what the test prefix holds, deepest first; only dirs under our own top, never elsewhere.
remove_cgroup_prefix() {
	local h d
	while read -r h; do
		[ -d "$h/$CG_TOP" ] || continue
		find "$h$CG_TEST" -depth -type d -exec rmdir {} \; 2>/dev/null
		rmdir "$h/$CG_TOP" 2>/dev/null
	done < <(cg_hierarchies)
	return 0
}

teardown() {
	local id leaks="" i st cg mnt pids ns
	while read -r id; do
		[ -n "$id" ] || continue
		rt delete --force "$id" >/dev/null 2>&1 </dev/null 3>&-
	done <"$ITEST_IDS"

	# The kernel finishes killing a cgroup's processes asynchronously: give it a moment (up to 30 s on
	# a loaded host, instant when nothing is left) before calling anything a leak. Each check runs
	# once a round: in the VM every process a check starts costs a tenth of a second.
	for ((i = 0; i < 300; i++)); do
		st=$(leaked_state) cg=$(leaked_cgroups) mnt=$(leaked_mounts) pids=$(marked_pids) ns=$(leaked_netns)
		[ -z "$st$cg$mnt$pids$ns" ] && break
		sleep 0.1
	done
	[ -n "$st" ] && leaks+="state dir entries left: $st"$'\n'
	[ -n "$cg" ] && leaks+="cgroups left: $cg"$'\n'
	[ -n "$mnt" ] && leaks+="mounts left: $mnt"$'\n'
	[ -n "$pids" ] && leaks+="processes left: $(for p in $pids; do tr '\0' ' ' <"/proc/$p/cmdline"; echo " (pid $p)"; done)"$'\n'
	[ -n "$ns" ] && leaks+="network namespaces left: $ns"$'\n'

	# Clean up what leaked, so one leak does not cascade into the next tests.
	if [ -n "$leaks" ]; then
		for p in $(marked_pids) $(cgroup_pids); do kill -9 "$p" 2>/dev/null; done
		while read -r n; do [ -n "$n" ] && ip netns delete "$n" 2>/dev/null; done <"$ITEST_NETNS"
		for m in $(leaked_mounts | sort -r); do umount -l "$m" 2>/dev/null; done
		sleep 0.05
	fi
	remove_cgroup_prefix

	if [ -n "$leaks" ]; then
		printf 'LEAK: %s' "$leaks" >&2
		return 1
	fi
	return 0
}

# The syscalls a static glibc binary and the runtime's last steps before execve need, for profiles that
# deny by default (runc's Go runtime needs the most: getdents64, epoll, ...). access, mkdir and faccessat2
# are not in it; the highest number listed is close_range (436), below faccessat2 (439).
STATIC_ALLOW='["execve", "execveat", "brk", "arch_prctl", "set_tid_address", "set_robust_list", "rseq",
	"prlimit64", "mprotect", "mmap", "munmap", "readlink", "readlinkat", "getrandom", "write", "writev",
	"read", "exit", "exit_group", "fstat", "newfstatat", "uname", "ioctl", "close", "close_range", "futex",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "fcntl", "getpid", "gettid", "capget", "capset",
	"prctl", "setgroups", "setresuid", "setresgid", "setuid", "setgid", "chdir", "fchdir", "openat",
	"dup2", "dup3", "fstatfs", "statfs", "getdents64", "sigaltstack", "nanosleep", "clock_nanosleep",
	"clock_gettime", "sched_yield", "madvise", "tgkill", "clone", "epoll_create1", "epoll_ctl", "epoll_pwait",
	"pipe2", "mincore", "sched_getaffinity", "getuid", "geteuid", "getgid", "getegid"]'
