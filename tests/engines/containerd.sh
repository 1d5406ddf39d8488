#!/bin/bash
# containerd 1.6 + ctr with berth (or RUNTIME=/path/to/runc) as the runc binary of the io.containerd.runc.v2 shim.
#
# The whole run happens in private pid, mount and network namespaces (unshare): containerd, its shims and the
# containers die with the script, the CNI bridge, veths and portmap's iptables rules live in a network namespace
# nobody else sees, and /run, /opt, /etc/cni/net.d and /var/lib/cni are private tmpfs/bind mounts, so nothing a
# user of this machine has (a system containerd, its config, its CNI setup) is read or touched. cgroups are the
# one shared thing: containers land under /<namespace>/<id> with a namespace of our own, removed at the end.
#
# ctr has no flag for user, hostname, pids limit, rlimits, --init or -p: those checks say in their name which
# ctr equivalent expresses them (a spec file given to `ctr run --config`, a bind-mounted tini-static, a CNI
# portmap plugin with a static port mapping).
set -u

. "$(dirname "$0")/lib.sh"

if [ -z "${CTD_INNER:-}" ]; then
	RUNTIME=$(engine_runtime) || exit 2
	export RUNTIME
	if ! command -v containerd >/dev/null || ! command -v ctr >/dev/null || ! [ -x /usr/lib/cni/bridge ] ||
		! [ -x /usr/bin/tini-static ]; then
		apt-get install -y -q --no-install-recommends containerd containernetworking-plugins tini \
			iptables busybox-static >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends containerd \
				containernetworking-plugins tini iptables busybox-static >/dev/null; } ||
			{ echo "FAIL install: apt-get install containerd containernetworking-plugins tini failed"; exit 1; }
	fi
	# libcni keeps its result cache in /var/lib/cni whatever the config says: give it a private directory,
	# over a mount point that we remove again if we had to create it.
	made_varlibcni=
	[ -d /var/lib/cni ] || { mkdir -p /var/lib/cni && made_varlibcni=1; }
	CTD_INNER=1 unshare --pid --fork --mount-proc --mount --net --propagation private -- bash "$0" "$@"
	rc=$?
	[ -n "$made_varlibcni" ] && rmdir /var/lib/cni 2>/dev/null
	exit $rc
fi

# ---- inside the private namespaces (we are PID 1 here, so orphaned shims are reaped by this bash) ----

T=$(mktemp -d /tmp/berthtest-containerd.XXXXXX)
NS=berthtest-containerd-$$-$RANDOM
SOCK=$T/containerd.sock
IMG=docker.io/berthtest/busybox:latest
NET=berthtest-ctd
HOSTPORT=18081
CTRPORT=8080
export T NS SOCK IMG RUNTIME HOSTPORT CTRPORT
CTD_PID=

cleanup() {
	local id
	if [ -n "$CTD_PID" ] && kill -0 "$CTD_PID" 2>/dev/null; then
		for id in $(timeout 20 ctr --address "$SOCK" -n "$NS" task ls -q 2>/dev/null); do
			timeout 20 ctr --address "$SOCK" -n "$NS" task rm -f "$id" >/dev/null 2>&1
		done
		for id in $(timeout 20 ctr --address "$SOCK" -n "$NS" containers ls -q 2>/dev/null); do
			timeout 20 ctr --address "$SOCK" -n "$NS" containers rm "$id" >/dev/null 2>&1
		done
		timeout 20 ctr --address "$SOCK" -n "$NS" images rm "$IMG" >/dev/null 2>&1
		timeout 20 ctr --address "$SOCK" namespaces rm "$NS" >/dev/null 2>&1
		kill "$CTD_PID" 2>/dev/null
		timeout 10 tail --pid="$CTD_PID" -f /dev/null
		kill -9 "$CTD_PID" 2>/dev/null
	fi
	# Whatever is left (shims, containers of a failed delete) dies now; we are the pid namespace's init.
	kill -9 -1 2>/dev/null
	wait 2>/dev/null
	local d
	for d in /sys/fs/cgroup/*/"$NS" /sys/fs/cgroup/unified/"$NS"; do
		[ -d "$d" ] || continue
		case $d in */process_api*) continue ;; esac
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	[ -n "${CTD_LOG:-}" ] && cp "$T/containerd.log" "$CTD_LOG"
	grep -o " ${T}[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip link set lo up
ip link add bthveth0 type veth peer name bthveth1 && ip link set bthveth0 up
mount -t tmpfs -o mode=755 tmpfs /run && mkdir -p /run/lock && ln -s /dev/shm /run/shm
mount -t tmpfs -o mode=755 tmpfs /opt && mkdir -p /opt/cni && ln -s /usr/lib/cni /opt/cni/bin
mkdir -p "$T/cni-conf" "$T/cni-lib" "$T/cni-ipam"
mount --bind "$T/cni-conf" /etc/cni/net.d
mount --bind "$T/cni-lib" /var/lib/cni

cat >"$T/config.toml" <<EOF
version = 2
root = "$T/root"
state = "$T/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$T/opt"
EOF

# A bridge with a static port mapping: ctr has no -p, and portmap takes runtimeConfig as written when the
# plugin declares no capabilities.
cat >"/etc/cni/net.d/10-$NET.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "$NET", "plugins": [
 {"type": "bridge", "bridge": "bthctd0", "isGateway": true, "ipMasq": false,
  "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.231.7.0/24"}]], "dataDir": "$T/cni-ipam"}},
 {"type": "portmap", "snat": true,
  "runtimeConfig": {"portMappings": [{"hostPort": $HOSTPORT, "containerPort": $CTRPORT, "protocol": "tcp"}]}}
]}
EOF

containerd --config "$T/config.toml" --log-level debug >"$T/containerd.log" 2>&1 &
CTD_PID=$!
if ! wait_for 20 ctr --address "$SOCK" version; then
	fail "containerd starts" "$(tail -5 "$T/containerd.log" | tr '\n' ' ')"
	summary
	exit 1
fi

# ctr 1.6 loses the output of a process that exits while its exec/start call is still in flight (its client
# cancels the fifo copy when the exit arrives; seen with runc as well, about 1 in 150 execs of `cat`): the
# commands whose output a check reads linger for $Z.
Z='sleep 0.2'
export Z
C() { timeout 40 ctr --address "$SOCK" -n "$NS" "$@"; }
RUN() { C run --runc-binary "$RUNTIME" "$@"; }
export -f C RUN

# The image: a docker-archive (manifest.json + config + one layer) of a busybox-static rootfs.
mkimage() {
	local d=$T/image dig cfg
	"$SRCDIR/scripts/mkrootfs" "$T/rootfs" || return 1
	mkdir -p "$d"
	tar --numeric-owner -C "$T/rootfs" -cf "$d/layer.tar" . || return 1
	dig=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
	printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		"$(dpkg --print-architecture)" "$dig" >"$d/config.json"
	cfg=$(sha256sum "$d/config.json" | cut -d' ' -f1).json
	mv "$d/config.json" "$d/$cfg"
	printf '[{"Config":"%s","RepoTags":["%s"],"Layers":["layer.tar"]}]' "$cfg" "${IMG#docker.io/}" >"$d/manifest.json"
	tar -C "$d" -cf "$T/busybox.tar" manifest.json "$cfg" layer.tar || return 1
	C images import "$T/busybox.tar" >/dev/null || return 1
	C images ls -q | grep -qx "$IMG" || { echo "image $IMG not listed after import"; return 1; }
}
if ! out=$(mkimage 2>&1); then
	fail "image import" "$out"
	summary
	exit 1
fi

# state ID: the task's status (RUNNING, PAUSED, STOPPED, ...) from ctr task ls.
state() { C task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'; }
# taskpid ID: the task's init pid.
taskpid() { C task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $2 }'; }
# cg CTRL ID: the container's cgroup directory in a v1 hierarchy.
cg() { echo "/sys/fs/cgroup/$1/$NS/$2"; }
# gone ID: neither task nor container is left.
gone() {
	C task rm -f "$1" >/dev/null 2>&1
	C containers rm "$1" >/dev/null 2>&1
	! C containers ls -q | grep -qx "$1"
}
# mkspec ID JQ-FILTER CMD...: $T/ID.json, the spec ctr generates changed by the filter, for `ctr run --config`.
# With a spec file ctr 1.6 takes no image: the root is the busybox rootfs the image was made from, the cgroup
# path the one ctr would give.
mkspec() {
	local id=$1 filter=$2
	shift 2
	local args='[]' a
	for a in "$@"; do args=$(jq -c --arg a "$a" '. + [$a]' <<<"$args") || return 1; done
	ctr oci spec | jq --arg root "$T/rootfs" --arg cg "/$NS/$id" --argjson args "$args" "$filter"' | .root.path = $root
		| .linux.cgroupsPath = $cg | .process.args = $args | .process.env = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]' \
		>"$T/$id.json"
}
# runspec ID JQ-FILTER CMD...: `ctr run --rm --config` of that spec.
runspec() {
	mkspec "$@" || return 1
	RUN --rm --config "$T/$1.json" "$1"
}
# is_state ID STATE: for wait_for, which needs a command it can re-run.
is_state() { [ "$(state "$1")" = "$2" ]; }
# nprocs ID N: ctr task ps lists N processes of the task.
nprocs() { [ "$(C task ps "$1" 2>/dev/null | awk 'NR > 1' | wc -l)" = "$2" ]; }
# sleeps_in ID N: N of the task's processes are the "sleep 100[01]" children (seen by an exec'd ps).
sleeps_in() { [ "$(C task exec --exec-id "w$RANDOM" "$1" sh -c "ps -o pid,args; $Z" | grep -Ec '^ *[0-9]+ +sleep 100[01]$')" = "$2" ]; }
# counter_above ID N: the pause check's counter in the task's rootfs is above N.
counter_above() { [ "$(cat /proc/"$(taskpid "$1")"/root/tmp/n 2>/dev/null)" -gt "$2" ] 2>/dev/null; }
export -f state is_state taskpid cg gone mkspec runspec nprocs sleeps_in counter_above

c_run_rm() {
	local out
	out=$(RUN --rm "$IMG" rr1 sh -c "echo hello-from-berth; $Z") || { echo "ctr run exited $?: $out"; return 1; }
	expect_eq output hello-from-berth "$out" || return 1
	C containers ls -q | grep -qx rr1 && { echo "container rr1 still listed after --rm"; return 1; }
	return 0
}

c_exit_code() {
	RUN --rm "$IMG" ec1 sh -c 'exit 42'
	expect_eq "exit code" 42 "$?"
}

c_detached() {
	local pid out
	RUN -d "$IMG" det1 sleep 1000 >/dev/null || { echo "ctr run -d failed"; return 1; }
	wait_for 10 is_state det1 RUNNING || { echo "state $(state det1), want RUNNING"; return 1; }
	pid=$(taskpid det1)
	# start returns once init is released, which may be just before its execve.
	wait_for 5 grep -qx sleep /proc/"$pid"/comm || { echo "task comm: want sleep, got $(cat /proc/"$pid"/comm 2>&1)"; return 1; }
	# The runtime under test is the one that made it: its own state command, on the shim's root, knows it.
	out=$(timeout 10 "$RUNTIME" --root "/run/containerd/runc/$NS" state det1) || { echo "$RUNTIME state det1 failed: $out"; return 1; }
	expect_eq "runtime state: status" running "$(echo "$out" | jq -r .status)" || return 1
	expect_eq "runtime state: pid" "$pid" "$(echo "$out" | jq -r .pid)" || return 1
	gone det1
}

c_exec() {
	local out
	RUN -d "$IMG" ex1 sleep 1000 >/dev/null || { echo "ctr run -d failed"; return 1; }
	out=$(C task exec --exec-id e1 ex1 sh -c "echo exec-out-\$((6*7)); $Z") || { echo "exec exited $?: $out"; return 1; }
	expect_eq "exec output" exec-out-42 "$out" || return 1
	# The exec'd process must be in the container's pid namespace: it sees sleep as PID 1.
	out=$(C task exec --exec-id e2 ex1 sh -c "cat /proc/1/comm; $Z")
	expect_eq "exec sees the container's pid 1" sleep "$out" || return 1
	gone ex1
}

# The size of the caller's terminal reaches the container's (consoleSize / resize through the console socket).
c_tty_size() {
	local out
	out=$(script -qec "stty cols 123 rows 45; timeout --foreground 30 ctr --address $SOCK -n $NS run --runc-binary $RUNTIME --rm -t $IMG ts1 sh -c 'sleep 0.5; stty size'" /dev/null </dev/null | tr -d '\r\000' | sed 's/\^@//g')
	expect_match "stty size (rows cols)" '(^|[^0-9])45 123$' "$out"
}

c_exec_user_cwd() {
	local out
	RUN -d "$IMG" ex4 sleep 1000 >/dev/null || { echo "ctr run -d failed"; return 1; }
	out=$(C task exec --exec-id e1 --user 1000 --cwd /home/user ex4 sh -c "echo \$(id -u) \$(pwd); $Z")
	expect_eq "exec uid and cwd" "1000 /home/user" "$out" || return 1
	gone ex4
}

# The shim reads the runtime's --log (json) to report why create failed: the cause must reach ctr's stderr.
c_error() {
	local out rc
	out=$(RUN --rm "$IMG" er1 /no/such/binary 2>&1)
	rc=$?
	[ $rc -ne 0 ] || { echo "ctr run of a missing executable exited 0"; return 1; }
	expect_match "error message" '/no/such/binary' "$out" || return 1
	expect_match "error cause" '[Nn]o such file|not found' "$out" || return 1
	gone er1
	[ -d "$(cg memory er1)" ] && { echo "cgroup $(cg memory er1) left after the failed create"; return 1; }
	return 0
}

c_exec_exit_code() {
	RUN -d "$IMG" ex2 sleep 1000 >/dev/null || { echo "ctr run -d failed"; return 1; }
	C task exec --exec-id e1 ex2 sh -c 'exit 7'
	expect_eq "exec exit code" 7 "$?" || return 1
	gone ex2
}

c_exec_tty() {
	local out
	RUN -d "$IMG" ex3 sleep 1000 >/dev/null || { echo "ctr run -d failed"; return 1; }
	out=$(script -qec "timeout --foreground 30 ctr --address $SOCK -n $NS task exec -t --exec-id e1 ex3 sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo in-and-out-are-ttys'" /dev/null </dev/null | tr -d '\r\000' | sed 's/\^@//g')
	expect_match "exec -t tty" '/dev/pts/[0-9]+' "$out" || return 1
	expect_match "exec -t stdin/stdout" '^in-and-out-are-ttys$' "$out" || return 1
	gone ex3
}

c_ps() {
	local out pid
	RUN -d "$IMG" ps1 sh -c 'sleep 1000 & sleep 2000; :' >/dev/null || { echo "ctr run -d failed"; return 1; }
	wait_for 10 is_state ps1 RUNNING || { echo "not running"; return 1; }
	# RUNNING comes before sh has forked both sleeps
	wait_for 10 nprocs ps1 3
	out=$(C task ps ps1) || { echo "ctr task ps failed: $out"; return 1; }
	pid=$(taskpid ps1)
	echo "$out" | awk 'NR > 1 { print $1 }' | grep -qx "$pid" || { echo "init pid $pid not in: $out"; return 1; }
	# Three processes: sh and two sleeps; the pids listed are live processes named as expected.
	expect_eq "process count" 3 "$(echo "$out" | awk 'NR > 1' | wc -l)" || return 1
	for p in $(echo "$out" | awk 'NR > 1 { print $1 }'); do
		expect_match "comm of $p" '^(sh|sleep)$' "$(cat /proc/"$p"/comm 2>&1)" || return 1
	done
	gone ps1
}

c_stop() {
	local rc
	RUN --rm "$IMG" st1 sh -c 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.1; done' >"$T/st1.out" 2>&1 &
	local bg=$!
	wait_for 10 grep -q ready "$T/st1.out" || { echo "container never ready: $(cat "$T/st1.out")"; return 1; }
	C task kill st1 || { echo "ctr task kill (SIGTERM) failed"; return 1; }
	wait $bg
	rc=$?
	expect_eq "exit code after SIGTERM" 3 "$rc" || return 1
	expect_match "trap ran" got-term "$(cat "$T/st1.out")"
}

c_kill() {
	local rc
	RUN --rm "$IMG" kl1 sh -c 'trap "" TERM; echo ready; while :; do sleep 0.1; done' >"$T/kl1.out" 2>&1 &
	local bg=$!
	wait_for 10 grep -q ready "$T/kl1.out" || { echo "container never ready"; return 1; }
	C task kill -s SIGKILL kl1 || { echo "ctr task kill -s SIGKILL failed"; return 1; }
	wait $bg
	rc=$?
	expect_eq "exit code after SIGKILL" 137 "$rc"
}

# ctr task kill -a: the shim runs `kill --all`; every process gets the signal, not only init (which traps it).
c_kill_all() {
	local out
	RUN -d "$IMG" ka1 sh -c 'trap "echo usr1" USR1; sleep 1000 & sleep 1001 & while :; do sleep 0.2; done' >/dev/null || return 1
	wait_for 10 is_state ka1 RUNNING || { echo "not running"; return 1; }
	wait_for 10 sleeps_in ka1 2
	out=$(C task exec --exec-id e0 ka1 sh -c "ps -o pid,args; $Z")
	expect_eq "children before the kill" 2 "$(echo "$out" | grep -Ec '^ *[0-9]+ +sleep 100[01]$')" || return 1
	C task kill -a -s SIGUSR1 ka1 || { echo "ctr task kill -a failed"; return 1; }
	wait_for 10 sleeps_in ka1 0
	out=$(C task exec --exec-id e ka1 sh -c "ps -o pid,args; $Z")
	echo "$out" | grep -Eq '^ *[0-9]+ +sleep 100[01]$' && { echo "children survived kill --all: $out"; return 1; }
	expect_eq "init alive (it traps USR1)" RUNNING "$(state ka1)" || return 1
	gone ka1
}

c_restart() {
	local p1 p2
	RUN -d "$IMG" rs1 sh -c 'echo x >> /count; sleep 1000' >/dev/null || { echo "ctr run -d failed"; return 1; }
	wait_for 10 is_state rs1 RUNNING || { echo "not running"; return 1; }
	p1=$(taskpid rs1)
	C task kill -s SIGKILL rs1 || return 1
	wait_for 10 is_state rs1 STOPPED || { echo "state $(state rs1) after kill, want STOPPED"; return 1; }
	C task rm rs1 >/dev/null
	C task start -d rs1 >/dev/null || { echo "ctr task start -d failed"; return 1; }
	wait_for 10 is_state rs1 RUNNING || { echo "state $(state rs1) after restart"; return 1; }
	p2=$(taskpid rs1)
	[ "$p1" != "$p2" ] || { echo "same pid $p1 after restart"; return 1; }
	# Same container, same writable snapshot: the first run's line is still there.
	expect_eq "runs recorded in the rootfs" 2 "$(C task exec --exec-id c rs1 sh -c "wc -l /count; $Z" | awk '{print $1}')" || return 1
	gone rs1
}

c_pause() {
	local a b f
	RUN -d "$IMG" pa1 sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/n.new; mv /tmp/n.new /tmp/n; sleep 0.05; done' >/dev/null || return 1
	wait_for 10 is_state pa1 RUNNING || { echo "not running"; return 1; }
	# mv makes every update atomic: a freeze between truncate and write cannot show an empty counter.
	wait_for 5 test -s /proc/"$(taskpid pa1)"/root/tmp/n || { echo "counter never written"; return 1; }
	C task pause pa1 || { echo "ctr task pause failed"; return 1; }
	expect_eq state PAUSED "$(state pa1)" || return 1
	f=$(cg freezer pa1)/freezer.state
	expect_eq "$f" FROZEN "$(cat "$f" 2>&1)" || return 1
	a=$(cat /proc/"$(taskpid pa1)"/root/tmp/n)
	sleep 0.5
	b=$(cat /proc/"$(taskpid pa1)"/root/tmp/n)
	expect_match "counter while paused" '^[0-9]+$' "$a" || return 1
	expect_eq "counter while paused" "$a" "$b" || return 1
	C task resume pa1 || { echo "ctr task resume failed"; return 1; }
	expect_eq state RUNNING "$(state pa1)" || return 1
	wait_for 10 counter_above pa1 "$a"
	b=$(cat /proc/"$(taskpid pa1)"/root/tmp/n)
	[ "$b" -gt "$a" ] || { echo "counter did not advance after resume: $a -> $b"; return 1; }
	gone pa1
}

# rm_f ID: ctr's rm -f is `task rm -f` (kill + delete) then `containers rm`; nothing of it may be left.
rm_f_check() {
	local id=$1 pid=$2
	C task rm -f "$id" >/dev/null || { echo "ctr task rm -f exited $?"; return 1; }
	C containers rm "$id" || { echo "ctr containers rm failed"; return 1; }
	C containers ls -q | grep -qx "$id" && { echo "$id still listed"; return 1; }
	wait_for 5 test ! -e /proc/"$pid" || { echo "pid $pid still alive"; return 1; }
	[ -d "$(cg memory "$id")" ] && { echo "cgroup $(cg memory "$id") left"; return 1; }
	[ -d "$(cg freezer "$id")" ] && { echo "cgroup $(cg freezer "$id") left"; return 1; }
	[ -e "/run/containerd/runc/$NS/$id" ] && { echo "runtime state /run/containerd/runc/$NS/$id left"; return 1; }
	return 0
}
export -f rm_f_check

c_rm_running() {
	RUN -d "$IMG" rm1 sleep 1000 >/dev/null || return 1
	wait_for 10 is_state rm1 RUNNING || { echo "not running"; return 1; }
	rm_f_check rm1 "$(taskpid rm1)"
}

c_rm_paused() {
	RUN -d "$IMG" rm2 sleep 1000 >/dev/null || return 1
	wait_for 10 is_state rm2 RUNNING || { echo "not running"; return 1; }
	C task pause rm2 || { echo "pause failed"; return 1; }
	expect_eq state PAUSED "$(state rm2)" || return 1
	rm_f_check rm2 "$(taskpid rm2)"
}

c_memory() {
	local out
	RUN -d --memory-limit 67108864 "$IMG" mem1 sleep 1000 >/dev/null || return 1
	expect_eq "memory.limit_in_bytes" 67108864 "$(cat "$(cg memory mem1)/memory.limit_in_bytes" 2>&1)" || return 1
	grep -qx "$(taskpid mem1)" "$(cg memory mem1)/cgroup.procs" || { echo "init not in $(cg memory mem1)"; return 1; }
	# ctr's spec mounts no cgroupfs: from inside, the process is in that cgroup.
	out=$(C task exec --exec-id e mem1 sh -c "grep :memory: /proc/self/cgroup; $Z")
	expect_match "memory cgroup seen inside" "^[0-9]+:memory:/$NS/mem1\$" "$out" || return 1
	gone mem1
}

c_oom() {
	RUN --rm --memory-limit 33554432 "$IMG" oom1 sh -c 'a=xxxxxxxxxxxxxxxx; while :; do a="$a$a"; done' >/dev/null 2>&1
	expect_eq "exit code of the OOM-killed container" 137 "$?"
}

c_pids() {
	local out
	mkspec pid1 '.linux.resources.pids = {"limit": 10}' sleep 1000 || return 1
	RUN -d --config "$T/pid1.json" pid1 >/dev/null || { echo "ctr run -d --config failed"; return 1; }
	expect_eq pids.max 10 "$(cat "$(cg pids pid1)/pids.max" 2>&1)" || return 1
	# ash gives up at the first failed fork: its message is the proof.
	out=$(C task exec --exec-id e pid1 sh -c 'i=0; while [ $i -lt 20 ]; do sleep 2 & i=$((i+1)); done; echo all-forked' 2>&1)
	expect_match "forks past the limit fail" "can't fork" "$out" || return 1
	gone pid1
}

c_tty() {
	local out
	out=$( (sleep 2; echo 'echo in-$((6*7)); tty'; sleep 1; echo 'exit 5') |
		script -qec "timeout --foreground 30 ctr --address $SOCK -n $NS run --runc-binary $RUNTIME --rm -t $IMG it1 sh" /dev/null | tr -d '\r\000' | sed 's/\^@//g')
	expect_match "interactive output" '^in-42$' "$out" || return 1
	expect_match "tty inside" '^/dev/pts/[0-9]+$' "$out" || return 1
}

c_user() {
	local out
	out=$(runspec us1 '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [65534]}' sh -c "id; $Z")
	expect_eq id "uid=1000(user) gid=1000(user) groups=65534(nogroup)" "$out"
}

c_env() {
	local out
	out=$(RUN --rm --env FOO=bar-42 --env EMPTY= "$IMG" en1 sh -c "echo \"\$FOO|\${EMPTY-unset}|\$PATH\"; $Z")
	expect_eq env "bar-42||/usr/sbin:/usr/bin:/sbin:/bin" "$out"
}

c_workdir() {
	local out
	out=$(RUN --rm --cwd /home/user "$IMG" wd1 sh -c "pwd; $Z")
	expect_eq pwd /home/user "$out"
}

c_hostname() {
	local out
	out=$(runspec hn1 '.hostname = "berth-ctd-host"' sh -c "hostname; cat /proc/sys/kernel/hostname; $Z")
	expect_eq hostname "berth-ctd-host
berth-ctd-host" "$out" || return 1
	[ "$(hostname)" != berth-ctd-host ] || { echo "the host's hostname changed"; return 1; }
}

c_readonly() {
	local out
	out=$(RUN --rm --read-only "$IMG" ro1 sh -c 'touch /newfile 2>&1 && echo wrote; grep " / " /proc/mounts; '"$Z")
	expect_match "write to /" 'Read-only file system' "$out" || return 1
	expect_match "/ mount" ' / [a-z0-9]+ ro[ ,]' "$out" || return 1
	# The default writable mounts (/dev/shm) stay writable.
	out=$(RUN --rm --read-only "$IMG" ro2 sh -c 'echo x > /dev/shm/f && echo shm-ok; '"$Z")
	expect_eq "write to /dev/shm" shm-ok "$out"
}

c_capdrop() {
	local out
	out=$(RUN --rm "$IMG" cd0 sh -c 'touch /tmp/f && chown 1000 /tmp/f && echo chowned; '"$Z")
	expect_eq "chown with CAP_CHOWN" chowned "$out" || return 1
	out=$(RUN --rm --cap-drop CAP_CHOWN "$IMG" cd1 sh -c 'touch /tmp/f; chown 1000 /tmp/f 2>&1; grep CapEff /proc/self/status; '"$Z")
	expect_match "chown without CAP_CHOWN" 'Operation not permitted' "$out" || return 1
	# CAP_CHOWN is bit 0: the effective set is even.
	local eff
	eff=$(echo "$out" | awk '/CapEff/ { print $2 }')
	[ $((0x$eff & 1)) -eq 0 ] || { echo "CapEff $eff still has CAP_CHOWN"; return 1; }
}

c_rlimits() {
	local out
	out=$(runspec rl1 '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1234, "hard": 2345}, {"type": "RLIMIT_NPROC", "soft": 321, "hard": 321}]' \
		sh -c 'echo $(ulimit -n) $(ulimit -Hn) $(ulimit -u); '"$Z")
	expect_eq "ulimit -n -Hn -u" "1234 2345 321" "$out"
}

c_init() {
	local out
	out=$(RUN --rm --mount type=bind,src=/usr/bin/tini-static,dst=/sbin/tini,options=rbind:ro "$IMG" in1 \
		/sbin/tini -- sh -c 'echo "$(cat /proc/1/comm) $(grep PPid /proc/$$/status | tr -dc 0-9) $$"; sleep 0.1 & '"$Z")
	expect_match "pid 1, parent of sh, sh" '^tini 1 ([2-9]|[1-9][0-9]+)$' "$out"
}

c_net_none() {
	local out
	out=$(RUN --rm "$IMG" nn1 sh -c "awk -F: 'NR > 2 { print \$1 }' /proc/net/dev | tr -d ' '; $Z")
	expect_eq "interfaces" lo "$out"
}

c_net_host() {
	local out
	out=$(RUN --rm --net-host "$IMG" nh1 sh -c "cat /proc/net/dev; $Z")
	expect_match "host interface seen" bthveth0 "$out" || return 1
	RUN -d --net-host "$IMG" nh2 sh -c 'mkdir /www; echo host-net-ok > /www/index.html; exec httpd -f -p 127.0.0.1:18082 -h /www' >/dev/null || return 1
	wait_for 10 curl -sf http://127.0.0.1:18082/ || { echo "httpd on the host network not reachable"; return 1; }
	expect_eq "page" host-net-ok "$(curl -sf http://127.0.0.1:18082/)" || return 1
	gone nh2
}

c_net_bridge() {
	local out ip
	RUN -d --cni "$IMG" br1 sh -c "mkdir /www; echo bridge-ok > /www/index.html; exec httpd -f -p $CTRPORT -h /www" >/dev/null ||
		{ echo "ctr run --cni failed"; return 1; }
	ip=$(C task exec --exec-id e br1 sh -c "ip -4 -o addr show eth0 | awk '{ print \$4 }'; $Z")
	expect_match "container address" '^10\.231\.7\.[0-9]+/24$' "$ip" || return 1
	wait_for 10 curl -sf "http://${ip%/*}:$CTRPORT/" || { echo "container ${ip%/*}:$CTRPORT not reachable over the bridge"; return 1; }
	out=$(curl -sf --max-time 5 "http://127.0.0.1:$HOSTPORT/") || { echo "published port 127.0.0.1:$HOSTPORT not reachable"; return 1; }
	expect_eq "page via published port" bridge-ok "$out" || return 1
	gone br1
}

# ctr 1.6 has no `task update`: the nearest is what the shim runs for containerd's Task.Update, the runtime's
# `update --resources -` with the LinuxResources JSON on stdin, on the shim's container and state root.
c_update() {
	RUN -d --memory-limit 67108864 "$IMG" up1 sleep 1000 >/dev/null || return 1
	wait_for 10 is_state up1 RUNNING || { echo "not running"; return 1; }
	printf '{"memory": {"limit": 100663296}, "pids": {"limit": 50}, "cpu": {"shares": 512}}' |
		timeout 20 "$RUNTIME" --root "/run/containerd/runc/$NS" update --resources - up1 ||
		{ echo "$RUNTIME update --resources - up1 failed"; return 1; }
	expect_eq memory.limit_in_bytes 100663296 "$(cat "$(cg memory up1)/memory.limit_in_bytes")" || return 1
	expect_eq pids.max 50 "$(cat "$(cg pids up1)/pids.max")" || return 1
	expect_eq cpu.shares 512 "$(cat "$(cg cpu up1)/cpu.shares")" || return 1
	expect_eq "state after update" RUNNING "$(state up1)" || return 1
	gone up1
}

export -f c_kill_all c_tty_size c_run_rm c_exit_code c_detached c_exec c_exec_user_cwd c_error c_exec_exit_code c_exec_tty c_ps c_stop c_kill c_restart c_pause \
	c_rm_running c_rm_paused c_memory c_oom c_pids c_tty c_user c_env c_workdir c_hostname c_readonly c_capdrop \
	c_rlimits c_init c_net_none c_net_host c_net_bridge c_update
export -f expect_eq expect_match wait_for
export SRCDIR

[ -n "${CTD_ONLY:-}" ] && { check "$CTD_ONLY" "$CTD_ONLY"; summary; exit; }
check "run --rm with output" c_run_rm
check "exit code propagation" c_exit_code
check "detached run (run -d)" c_detached
check "exec output" c_exec
check "exec exit code" c_exec_exit_code
check "exec --user --cwd" c_exec_user_cwd
check "create error reaches ctr (missing executable)" c_error
check "exec -t" c_exec_tty
check "ps/top (ctr task ps)" c_ps
check "stop (ctr task kill, SIGTERM)" c_stop
check "kill (ctr task kill -s SIGKILL)" c_kill
check "kill --all (ctr task kill -a)" c_kill_all
check "restart (ctr task kill + task rm + task start)" c_restart
check "pause/unpause (ctr task pause/resume)" c_pause
check "rm -f of a running container (ctr task rm -f + containers rm)" c_rm_running
check "rm -f of a paused container (ctr task rm -f + containers rm)" c_rm_paused
check "memory limit in the cgroup (--memory-limit)" c_memory
check "OOM kill exits 137" c_oom
check "pids limit (spec + rootfs via ctr run --config)" c_pids
check "-it with a real tty (ctr run -t under script)" c_tty
check "terminal size reaches the container (ctr run -t)" c_tty_size
check "user (spec + rootfs via ctr run --config)" c_user
check "env (--env)" c_env
check "workdir (--cwd)" c_workdir
check "hostname (spec + rootfs via ctr run --config)" c_hostname
check "read-only rootfs (--read-only)" c_readonly
check "cap-drop (--cap-drop CAP_CHOWN)" c_capdrop
check "rlimits (spec + rootfs via ctr run --config)" c_rlimits
check "--init (tini-static bind-mounted as PID 1)" c_init
check "network none (ctr default)" c_net_none
check "network host (--net-host)" c_net_host
check "network bridge + published port (--cni, CNI portmap)" c_net_bridge
check "update (runtime update --resources - on the shim's container; ctr 1.6 has no task update)" c_update

summary
