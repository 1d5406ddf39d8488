#!/bin/bash
# podman drop-in test: podman 4.3.1 + conmon running containers with `--runtime $RUNTIME` (berth by default),
# the check list of issue 4, one PASS/FAIL line per check, then "N passed, N failed".
#
#   tests/engines/podman.sh                          # berth from ../build/berth (or $BERTH)
#   RUNTIME=$(command -v runc) tests/engines/podman.sh   # the same checks against runc
#   ONLY="kill restart" tests/engines/podman.sh        # just those checks
#
# After issue 4's list come other everyday options (volumes, --tmpfs, devices, --privileged, --uidmap,
# host namespaces, sysctl, security options, sessions, --timeout, pipes, parallel runs).
#
# Nothing system-wide is used or left behind: podman reads a private containers.conf/storage.conf/
# registries.conf (CONTAINERS_CONF & co.), keeps its storage, run state, locks, events and CNI config in a
# temp dir, puts every container (and conmon) under its own cgroup parent /berthtest-podman-PID, and the
# whole run happens in a private mount + network namespace, so overlay mounts, /run/netns binds, the CNI
# bridge, veths and iptables rules vanish with it. This host's quirks (HOST.md): hybrid cgroups and no
# systemd -> cgroupfs manager, file events and locks; hard nofile 20000 -> default_ulimits.
# shellcheck disable=SC2016 # container commands in single quotes expand inside the container
set -u

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RT=$(engine_runtime) || exit 2
export RT

# Runs argv as a child, reaps every orphan reparented to it, and exits with the child's status once the
# orphans are gone too (at most 10 s after the child).
SUBREAPER='
import ctypes, os, signal, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, lambda s, f: os.kill(pid, s))
rc, deadline = None, None
while True:
    try:
        p, st = os.waitpid(-1, 0 if rc is None else os.WNOHANG)
    except ChildProcessError:
        break
    except InterruptedError:
        continue
    if p == pid:
        rc, deadline = os.waitstatus_to_exitcode(st), time.time() + 10
    elif p == 0:
        if time.time() > deadline:
            break
        time.sleep(0.1)
sys.exit(rc if rc >= 0 else 128 - rc)
'
if [ -z "${BERTH_PODMAN_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "podman.sh: must run as root" >&2; exit 2; }
	if ! command -v podman >/dev/null || ! command -v conmon >/dev/null || ! [ -x /usr/lib/cni/bridge ] ||
		! [ -x /usr/bin/tini-static ] || ! command -v iptables >/dev/null || ! command -v script >/dev/null ||
		! command -v python3 >/dev/null || ! command -v curl >/dev/null || ! command -v ss >/dev/null; then
		export DEBIAN_FRONTEND=noninteractive
		pkgs="podman conmon containernetworking-plugins tini iptables util-linux busybox-static curl python3 iproute2"
		# shellcheck disable=SC2086
		apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 $pkgs >/dev/null 2>&1 ||
			{ apt-get update -q -o DPkg::Lock::Timeout=600 >/dev/null 2>&1 &&
				apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 $pkgs >/dev/null; } ||
			{ echo "podman.sh: cannot install $pkgs" >&2; exit 2; }
	fi
	# A private mount and network namespace: whatever podman, conmon, CNI and the runtime mount or
	# create there (overlays, shm, /run/netns binds, cni-podman0, veths, iptables) dies with it.
	# conmon double-forks and this host's PID 1 reaps orphans late: a child subreaper collects them.
	exec unshare --mount --net --propagation private --fork \
		python3 -c "$SUBREAPER" env BERTH_PODMAN_NS=1 RUNTIME="$RT" bash "$0" "$@"
fi

ip link set lo up

T=$(mktemp -d /tmp/berth-podman.XXXXXX)
CGP=/berthtest-podman-$$
IMG=localhost/berthbox:latest
export T CGP IMG
mkdir -p "$T/net" "$T/tmp" "$T/cni"
# conmon creates an "oom" marker in its working directory when a container is OOM-killed: keep it
# in the temp dir, not in the caller's (the source tree, under CI).
cd "$T"
# Paths podman, CNI and the runtime use whatever the config says (the blob-info cache, CNI's results
# cache, podman's /run/netns, the runtime's default --root /run/<name>: podman's exit command `podman container cleanup` does
# not repeat --runtime-flag): in this mount namespace they are private directories; a directory we had to
# create on the host is removed.
: >"$T/created"
for d in /var/lib/containers /var/lib/cni /run/netns "/run/$(basename "$RT")"; do
	[ -e "$d" ] || { mkdir -p "$d" && echo "$d" >>"$T/created"; }
	mkdir -p "$T/private$d" && mount --bind "$T/private$d" "$d"
done

cat >"$T/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
init_path = "/usr/bin/tini-static"
log_driver = "k8s-file"

[network]
network_backend = "cni"
cni_plugin_dirs = ["/usr/lib/cni"]
network_config_dir = "$T/net"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$T/events.log"
lock_type = "file"
tmp_dir = "$T/tmp"
static_dir = "$T/root/libpod"
volume_path = "$T/root/volumes"
runtime_supports_json = ["crun", "runc", "berth"]
EOF
cat >"$T/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$T/root"
runroot = "$T/runroot"
EOF
: >"$T/registries.conf"
# The default network, with the IPAM state kept here instead of /var/lib/cni.
cat >"$T/net/87-podman-bridge.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "podman",
  "plugins": [
    { "type": "bridge", "bridge": "cni-podman0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": { "type": "host-local", "dataDir": "$T/cni", "routes": [{ "dst": "0.0.0.0/0" }],
                "ranges": [[{ "subnet": "10.88.0.0/16", "gateway": "10.88.0.1" }]] } },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "firewall" },
    { "type": "tuning" }
  ]
}
EOF
export CONTAINERS_CONF=$T/containers.conf
export CONTAINERS_STORAGE_CONF=$T/storage.conf
export CONTAINERS_REGISTRIES_CONF=$T/registries.conf

# pm ARGS...: podman with every private setting; prun ARGS...: `run` with our cgroup parent.
pm() {
	timeout -k 5 40 podman --root "$T/root" --runroot "$T/runroot" --tmpdir "$T/tmp" \
		--runtime "$RT" --cgroup-manager cgroupfs --events-backend file \
		--network-config-dir "$T/net" "$@"
}
prun() { pm run --cgroup-parent "$CGP" "$@"; }
# The podman command line as one shell string, for `script -c`.
pm_cmdline() {
	printf '%q ' podman --root "$T/root" --runroot "$T/runroot" --tmpdir "$T/tmp" --runtime "$RT" \
		--cgroup-manager cgroupfs --events-backend file --network-config-dir "$T/net" "$@"
}
# cpid NAME: the container's init pid on the host.
cpid() { pm inspect -f '{{.State.Pid}}' "$1"; }
# cg_file PID CONTROLLER FILE: that controller's FILE for the cgroup PID is in (v1, hybrid host).
cg_file() {
	local p
	p=$(awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$1/cgroup")
	[ -n "$p" ] || { echo "no $2 cgroup for pid $1"; return 1; }
	echo "/sys/fs/cgroup/$2$p/$3"
}
export -f pm prun pm_cmdline cpid cg_file expect_eq expect_match wait_for

cleanup() {
	pm ps -aq 2>/dev/null | while read -r id; do pm rm -f -t 0 "$id" >/dev/null 2>&1; done
	pm rmi -af >/dev/null 2>&1
	# Whatever is left mounted under the temp dir (overlay layers) goes before the directory.
	grep -o " ${T}[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	# Our cgroup parent in every hierarchy, deepest first (a conmon may still be exiting: retry).
	local d i
	for i in 1 2 3 4 5; do
		for d in /sys/fs/cgroup/*/"${CGP#/}"; do
			[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		done
		ls -d /sys/fs/cgroup/*/"${CGP#/}" >/dev/null 2>&1 || break
		sleep 0.5
	done
	umount /var/lib/containers /var/lib/cni /run/netns "/run/$(basename "$RT")" 2>/dev/null
	while read -r d; do rmdir "$d" 2>/dev/null; done <"$T/created"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "# podman $(podman --version | awk '{print $3}') with runtime $RT"
# A file under /var/tmp in the image: --read-only puts a tmpfs there with tmpcopyup, which must keep it.
mkdir -p "$T/rootfs/var/tmp" && echo from-image >"$T/rootfs/var/tmp/image-file"
busybox_tar "$T/rootfs" "$T/rootfs.tar" >/dev/null || { echo "FAIL setup: cannot build the busybox rootfs"; exit 1; }
pm import -q "$T/rootfs.tar" "$IMG" >/dev/null || { echo "FAIL setup: podman import failed"; exit 1; }

# ---------------------------------------------------------------------------------------------- checks

c_run_rm() {
	local out
	out=$(prun --rm --name rr "$IMG" echo hello-from-podman) || { echo "run failed: $out"; return 1; }
	expect_eq output hello-from-podman "$out" || return 1
	pm container exists rr && { echo "container rr still exists after --rm"; return 1; }
	return 0
}

c_exit_code() {
	local rc
	prun --rm "$IMG" sh -c 'exit 42'
	rc=$?
	expect_eq "exit code" 42 "$rc" || return 1
	prun --rm "$IMG" /no/such/binary >/dev/null 2>&1
	rc=$?
	[ "$rc" = 127 ] || [ "$rc" = 126 ] || { echo "missing binary: want 127/126, got $rc"; return 1; }
}

c_detached() {
	local pid st
	prun -d --name det "$IMG" sleep 1000 >/dev/null || return 1
	st=$(pm inspect -f '{{.State.Status}}' det)
	expect_eq status running "$st" || return 1
	pid=$(cpid det)
	[ "$pid" -gt 0 ] && expect_eq "host comm of the container pid" sleep "$(cat /proc/"$pid"/comm)" || return 1
	# --detach must leave no runtime process behind: only conmon (and the container) hold the id.
	local id p
	id=$(pm inspect -f '{{.Id}}' det)
	for p in $(pgrep -f "$id"); do
		[ "$(readlink /proc/"$p"/exe)" != "$RT" ] || { echo "runtime process $p still alive: $(tr '\0' ' ' </proc/"$p"/cmdline)"; return 1; }
	done
	return 0
}

c_exec_output() {
	local out
	out=$(pm exec det sh -c 'echo exec-out; cat /proc/1/comm') || { echo "exec failed: $out"; return 1; }
	expect_eq "exec output" "exec-out
sleep" "$out" || return 1
	out=$(pm exec -e XX=yy -w /tmp -u 1000 det sh -c 'echo $XX $(pwd) $(id -u)')
	expect_eq "exec env/cwd/user" "yy /tmp 1000" "$out"
}

c_exec_exit_code() {
	local rc
	pm exec det sh -c 'exit 7'
	rc=$?
	expect_eq "exec exit code" 7 "$rc"
}

c_exec_tty() {
	local out
	out=$(pm exec -t det sh -c 'tty; [ -t 1 ] && echo is-a-tty') || { echo "exec -t failed: $out"; return 1; }
	expect_match "exec -t" '^/dev/pts/[0-9]+' "$out" || return 1
	expect_match "exec -t" 'is-a-tty' "$out" || return 1
	local idle
	exec {idle}< <(exec sleep 60)
	local idle_pid=$!
	out=$(script -qec "$(pm_cmdline exec -it det sh -c 'tty; stty size')" /dev/null <&"$idle")
	kill "$idle_pid" 2>/dev/null
	exec {idle}<&-
	expect_match "exec -it under script" '/dev/pts/[0-9]+' "$out"
}

c_ps_top() {
	local out
	out=$(pm ps --format '{{.Names}} {{.Status}}')
	expect_match "podman ps" '^det Up' "$out" || return 1
	pm exec -d det sleep 777 || return 1
	out=$(pm top det pid args) || { echo "top failed: $out"; return 1; }
	expect_match "podman top" 'sleep 1000' "$out" || return 1
	expect_match "podman top" 'sleep 777' "$out"
}

c_stop_sigterm() {
	local t0 t1 rc
	# "ready" once the trap is set: a signal before it would meet a pid 1 without a handler
	prun -d --name st "$IMG" sh -c 'trap "echo got-sigterm; exit 3" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null || return 1
	wait_for 10 bash -c 'pm logs st 2>/dev/null | grep -q ready' || { echo "never ready"; return 1; }
	t0=$(date +%s)
	pm stop -t 20 st >/dev/null || { echo "stop failed"; return 1; }
	t1=$(date +%s)
	[ $((t1 - t0)) -lt 10 ] || { echo "stop took $((t1 - t0)) s: SIGTERM not delivered"; return 1; }
	rc=$(pm inspect -f '{{.State.ExitCode}}' st)
	expect_eq "exit code after SIGTERM" 3 "$rc" || return 1
	expect_match "logs" got-sigterm "$(pm logs st 2>&1)"
}

c_kill() {
	local rc pid
	prun -d --name kl "$IMG" sh -c 'trap "exit 5" USR1; echo ready; while :; do sleep 0.1; done' >/dev/null || return 1
	wait_for 10 bash -c 'pm logs kl 2>/dev/null | grep -q ready' || { echo "never ready"; return 1; }
	pm kill -s USR1 kl >/dev/null || { echo "kill -s USR1 failed"; return 1; }
	wait_for 10 bash -c '[ "$(pm inspect -f "{{.State.Status}}" kl)" = exited ]' || { echo "USR1 did not stop it: $(pm inspect -f "{{.State.Status}}" kl) $(grep Sig "/proc/$(cpid kl)/status" | tr "\n" " ")"; return 1; }
	expect_eq "exit code after USR1" 5 "$(pm inspect -f '{{.State.ExitCode}}' kl)" || return 1
	prun -d --name kl2 "$IMG" sleep 1000 >/dev/null || return 1
	pid=$(cpid kl2)
	pm kill kl2 >/dev/null || { echo "kill failed"; return 1; }
	wait_for 10 bash -c '[ "$(pm inspect -f "{{.State.Status}}" kl2)" = exited ]' || { echo "SIGKILL did not stop it"; return 1; }
	expect_eq "exit code after kill" 137 "$(pm inspect -f '{{.State.ExitCode}}' kl2)" || return 1
	[ ! -e "/proc/$pid" ] || [ "$(cat /proc/"$pid"/comm 2>/dev/null)" != sleep ] || { echo "pid $pid still alive"; return 1; }
}

c_restart() {
	local p1 p2
	prun -d --name rs "$IMG" sh -c 'echo started >> /restarts; sleep 1000' >/dev/null || return 1
	p1=$(cpid rs)
	pm restart -t 1 rs >/dev/null || { echo "restart failed"; return 1; }
	p2=$(cpid rs)
	expect_eq status running "$(pm inspect -f '{{.State.Status}}' rs)" || return 1
	[ "$p1" != "$p2" ] || { echo "same pid $p1 after restart"; return 1; }
	expect_eq "starts recorded in the rootfs" 2 "$(pm exec rs sh -c 'wc -l < /restarts')"
}

c_pause_unpause() {
	local pid fz n1 n2 n3
	prun -d --name pz "$IMG" sh -c 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.05; done' >/dev/null || return 1
	pid=$(cpid pz)
	fz=$(cg_file "$pid" freezer freezer.state) || return 1
	pm pause pz >/dev/null || { echo "pause failed"; return 1; }
	expect_eq "podman status" paused "$(pm inspect -f '{{.State.Status}}' pz)" || return 1
	expect_eq "$fz" FROZEN "$(cat "$fz")" || return 1
	n1=$(pm logs pz | wc -l)
	sleep 1
	n2=$(pm logs pz | wc -l)
	expect_eq "log lines while paused" "$n1" "$n2" || return 1
	pm unpause pz >/dev/null || { echo "unpause failed"; return 1; }
	expect_eq "$fz" THAWED "$(cat "$fz")" || return 1
	wait_for 10 bash -c "[ \$(pm logs pz | wc -l) -gt $n2 ]"
	n3=$(pm logs pz | wc -l)
	[ "$n3" -gt "$n2" ] || { echo "no progress after unpause ($n2 -> $n3 lines)"; return 1; }
}

c_rm_f_running() {
	local pid cg
	prun -d --name rmr "$IMG" sleep 1000 >/dev/null || return 1
	pid=$(cpid rmr)
	cg=$(dirname "$(cg_file "$pid" memory x)")
	pm rm -f -t 2 rmr >/dev/null || { echo "rm -f failed"; return 1; }
	pm container exists rmr && { echo "still exists"; return 1; }
	wait_for 5 sh -c "! [ -d /proc/$pid ] || [ \"\$(cat /proc/$pid/comm)\" != sleep ]" || { echo "pid $pid alive"; return 1; }
	[ ! -d "$cg" ] || { echo "cgroup $cg left behind"; return 1; }
}

c_rm_f_paused() {
	local pid cg
	prun -d --name rmp "$IMG" sleep 1000 >/dev/null || return 1
	pid=$(cpid rmp)
	cg=$(dirname "$(cg_file "$pid" memory x)")
	pm pause rmp >/dev/null || { echo "pause failed"; return 1; }
	pm rm -f -t 2 rmp >/dev/null || { echo "rm -f of a paused container failed"; return 1; }
	pm container exists rmp && { echo "still exists"; return 1; }
	wait_for 5 sh -c "! [ -d /proc/$pid ] || [ \"\$(cat /proc/$pid/comm)\" != sleep ]" || { echo "pid $pid alive"; return 1; }
	[ ! -d "$cg" ] || { echo "cgroup $cg left behind"; return 1; }
}

c_memory_limit() {
	local pid in
	prun -d --name mem -m 64m "$IMG" sleep 1000 >/dev/null || return 1
	pid=$(cpid mem)
	expect_eq "host memory.limit_in_bytes" 67108864 "$(cat "$(cg_file "$pid" memory memory.limit_in_bytes)")" || return 1
	in=$(pm exec mem cat /sys/fs/cgroup/memory/memory.limit_in_bytes)
	expect_eq "memory.limit_in_bytes seen inside" 67108864 "$in"
}

c_oom_kill() {
	local rc
	# tail buffers its whole input (no newline in it): 200 MB, which fits on the host but not in 32 MB.
	prun --rm "$IMG" sh -c 'head -c 200m /dev/zero | tail -c 1 | wc -c' >/dev/null
	rc=$?
	expect_eq "exit code without a limit" 0 "$rc" || return 1
	# tail as pid 1, so the kill shows in the container's exit code.
	prun --rm -m 32m --memory-swap 32m "$IMG" tail /dev/zero
	rc=$?
	expect_eq "exit code of the OOM-killed container" 137 "$rc"
}

c_pids_limit() {
	local out pid
	prun -d --name pl --pids-limit 20 "$IMG" sleep 1000 >/dev/null || return 1
	pid=$(cpid pl)
	expect_eq "host pids.max" 20 "$(cat "$(cg_file "$pid" pids pids.max)")" || return 1
	# 40 children under pids.max=20: forks start failing (ash says "can't fork").
	out=$(pm exec pl sh -c 'for i in $(seq 40); do sleep 3 & done; echo loop-done' 2>&1)
	expect_match "forks past the limit" "can't fork|Resource temporarily unavailable|Try again" "$out" || return 1
	local cur
	cur=$(cat "$(cg_file "$pid" pids pids.current)")
	[ "$cur" -le 20 ] || { echo "pids.current=$cur above pids.max=20"; return 1; }
}

c_tty_it() {
	local out
	# The terminal's size (set on script's pty) reaches the container's console (consoleSize / resize).
	# script's stdin stays open (an idle sleep) until the command is done: at EOF on stdin, script
	# may end the session before the container has written anything.
	local idle
	exec {idle}< <(exec sleep 60)
	local idle_pid=$!
	out=$(script -qec "stty rows 33 cols 111; $(pm_cmdline run --cgroup-parent "$CGP" --rm -it "$IMG" sh -c 'tty; [ -t 0 ] && echo stdin-tty; stty size')" /dev/null <&"$idle")
	kill "$idle_pid" 2>/dev/null
	exec {idle}<&-
	expect_match "run -it" '/dev/pts/[0-9]+' "$out" || return 1
	expect_match "run -it" 'stdin-tty' "$out" || return 1
	expect_match "console size" '33 111' "$out" || return 1
	# Input typed on the terminal reaches the container, and its exit code comes back.
	out=$(printf 'echo typed-$((6*7))\nexit 9\n' | script -qec "$(pm_cmdline run --cgroup-parent "$CGP" --rm -it "$IMG" sh)" /dev/null; echo "rc=$?")
	expect_match "stdin through the tty" 'typed-42' "$out"
}

c_preserve_fds() {
	local out
	echo passed-fd-content >"$T/fd3"
	out=$(prun --rm --preserve-fds 1 "$IMG" sh -c 'cat <&3' 3<"$T/fd3")
	expect_eq "fd 3 read inside" passed-fd-content "$out"
}

c_user() {
	expect_eq "--user 1000:1000" "uid=1000(user) gid=1000(user)" "$(prun --rm --user 1000:1000 "$IMG" id | sed 's/ groups=.*//')" || return 1
	expect_eq "--user nobody" 65534 "$(prun --rm --user nobody "$IMG" id -u)"
}

c_env() {
	local out
	out=$(prun --rm -e FOO=bar -e 'SPACED=a b' "$IMG" sh -c 'echo "$FOO|$SPACED|$PATH"')
	expect_match env '^bar\|a b\|.*/bin' "$out"
}

c_workdir() {
	expect_eq "-w /tmp" /tmp "$(prun --rm -w /tmp "$IMG" pwd)" || return 1
	expect_eq "-w /home/user" /home/user "$(prun --rm -w /home/user "$IMG" pwd)"
}

c_hostname() {
	expect_eq hostname berthbox "$(prun --rm --hostname berthbox "$IMG" hostname)" || return 1
	# The host's name is untouched.
	[ "$(hostname)" != berthbox ] || { echo "host's hostname changed"; return 1; }
}

# cfg_json NAME PYEXPR: a field of the config.json podman wrote for container NAME (c = the parsed JSON).
cfg_json() {
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$T/root/overlay-containers/$(pm inspect -f '{{.Id}}' "$1")/userdata/config.json" "$2"
}

c_read_only() {
	local out
	out=$(prun --rm --read-only --read-only-tmpfs=false "$IMG" sh -c 'touch /x 2>/dev/null && echo root-writable; touch /tmp/y 2>/dev/null && echo tmp-writable; echo done')
	expect_eq "--read-only --read-only-tmpfs=false" "done" "$out" || return 1
	out=$(prun --rm "$IMG" sh -c 'touch /x && echo root-writable')
	expect_eq "without --read-only" root-writable "$out"
}

c_read_only_tmpfs() {
	local out
	trap 'pm rm -f ro >/dev/null 2>&1' RETURN
	# podman mounts tmpfs with "tmpcopyup" on /tmp, /var/tmp and /run (read_only_tmpfs): the image's files there stay visible.
	out=$(prun --name ro --read-only "$IMG" sh -c 'touch /x 2>/dev/null && echo root-writable; touch /tmp/y && echo tmp-writable; cat /var/tmp/image-file')
	if ! expect_eq "--read-only" "tmp-writable
from-image" "$out"; then
		echo "tmpfs mounts in config.json: $(cfg_json ro '[(m["destination"], m.get("options")) for m in c["mounts"] if m.get("type") == "tmpfs"]')"
		return 1
	fi
}

c_cap_drop() {
	local out
	out=$(prun --rm "$IMG" sh -c 'touch /f && chown 1000 /f && echo chown-ok')
	expect_eq "chown with default caps" chown-ok "$out" || return 1
	out=$(prun --rm --cap-drop CHOWN "$IMG" sh -c 'touch /f && chown 1000 /f 2>/dev/null && echo chown-ok; grep CapEff /proc/self/status')
	case $out in *chown-ok*) echo "chown worked with --cap-drop CHOWN: $out"; return 1 ;; esac
	local eff
	eff=$(printf %s "$out" | awk '/CapEff/ {print $2}')
	if [ -z "$eff" ] || [ $((0x$eff & 1)) != 0 ]; then echo "CAP_CHOWN bit still in CapEff=$eff"; return 1; fi
}

c_rlimits() {
	trap 'pm rm -f ul >/dev/null 2>&1' RETURN
	# With any --ulimit, podman drops containers.conf's defaults and adds nproc=1048576, above this host's
	# hard limit (no CAP_SYS_RESOURCE): so nproc is given as well.
	if ! expect_eq "--ulimit nofile=1024:2048 nproc=4096:8192" "1024 2048 4096 8192" "$(prun --name ul --ulimit nofile=1024:2048 --ulimit nproc=4096:8192 "$IMG" sh -c 'echo $(ulimit -n) $(ulimit -Hn) $(ulimit -u) $(ulimit -Hu)')"; then
		echo "config.json process.rlimits: $(cfg_json ul 'c["process"]["rlimits"]')"
		return 1
	fi
	expect_eq "default nofile from containers.conf" "20000" "$(prun --rm "$IMG" sh -c 'ulimit -n')"
}

c_init() {
	local out t0 t1
	out=$(prun --rm --init "$IMG" sh -c 'cat /proc/1/comm; echo $$')
	# tini is pid 1 and the command is its child.
	expect_match "--init pid 1" '^(tini|tini-static|podman-init|catatonit)' "$out" || return 1
	expect_match "--init command pid" '^[0-9]+$' "$(printf %s "$out" | tail -n1)" || return 1
	[ "$(printf %s "$out" | tail -n1)" != 1 ] || { echo "command is pid 1 under --init"; return 1; }
	# sleep as pid 1 ignores SIGTERM; under the init it dies at once.
	prun -d --init --name in "$IMG" sleep 1000 >/dev/null || return 1
	t0=$(date +%s)
	pm stop -t 15 in >/dev/null || return 1
	t1=$(date +%s)
	[ $((t1 - t0)) -lt 8 ] || { echo "stop took $((t1 - t0)) s: SIGTERM not forwarded by the init"; return 1; }
}

c_net_none() {
	local out
	out=$(prun --rm --network none "$IMG" sh -c 'ls /sys/class/net | tr "\n" " "')
	expect_eq "interfaces with --network none" "lo " "$out"
}

c_net_host() {
	local port out
	port=$(free_port)
	ip link add berthv0 type veth peer name berthv1 || return 1
	out=$(prun --rm --network host "$IMG" ls /sys/class/net)
	ip link del berthv0
	expect_match "--network host sees the host's links" berthv0 "$out" || return 1
	prun -d --name nh --network host "$IMG" sh -c "mkdir /www; echo host-net-ok > /www/index.html; httpd -f -p 127.0.0.1:$port -h /www" >/dev/null || return 1
	wait_for 10 curl -sf "http://127.0.0.1:$port/" || { echo "nothing on 127.0.0.1:$port"; return 1; }
	expect_eq "curl host port" host-net-ok "$(curl -sf "http://127.0.0.1:$port/")"
}

c_net_bridge_ports() {
	local port out
	port=$(free_port)
	prun -d --name nb -p "$port:8080" "$IMG" sh -c 'mkdir /www; echo bridge-ok > /www/index.html; httpd -f -p 8080 -h /www' >/dev/null || return 1
	out=$(pm exec nb sh -c 'ls /sys/class/net; ip -4 addr show eth0')
	expect_match "eth0 on the bridge" 'inet 10\.88\.' "$out" || return 1
	# From the host to the published port (DNAT by CNI portmap; 127.0.0.1 needs route_localnet, which it sets).
	local ip
	ip=$(pm inspect -f '{{.NetworkSettings.IPAddress}}' nb)
	wait_for 10 curl -sf "http://$ip:8080/" || { echo "container $ip:8080 unreachable"; return 1; }
	wait_for 10 curl -sf "http://127.0.0.1:$port/" || { echo "published 127.0.0.1:$port unreachable"; return 1; }
	expect_eq "curl 127.0.0.1:$port" bridge-ok "$(curl -sf "http://127.0.0.1:$port/")" || return 1
}

c_update() {
	local pid f
	prun -d --name up -m 64m --pids-limit 50 "$IMG" sleep 1000 >/dev/null || return 1
	pid=$(cpid up)
	pm update --memory 96m --memory-swap 192m --cpu-quota 50000 --cpu-period 100000 --cpu-shares 512 up >/dev/null || { echo "update failed"; return 1; }
	f=$(cg_file "$pid" memory memory.limit_in_bytes) || return 1
	expect_eq "memory after update" $((96 * 1024 * 1024)) "$(cat "$f")" || return 1
	expect_eq "cpu.shares after update" 512 "$(cat "$(cg_file "$pid" cpu cpu.shares)")" || return 1
	expect_eq "cpu quota after update" 50000 "$(cat "$(cg_file "$pid" cpu cpu.cfs_quota_us)")" || return 1
	expect_eq "still running" running "$(pm inspect -f '{{.State.Status}}' up)"
}

eval "lib_$(declare -f check)"
# ------------------------------------------------ beyond issue 4's list: other everyday run options

c_volumes() {
	local out
	mkdir -p "$T/vol" && echo host-side >"$T/vol/in"
	out=$(prun --rm -v "$T/vol:/data" "$IMG" sh -c 'cat /data/in; echo container-side > /data/out')
	expect_eq "bind volume read" host-side "$out" || return 1
	expect_eq "bind volume write seen on the host" container-side "$(cat "$T/vol/out" 2>/dev/null)" || return 1
	out=$(prun --rm -v "$T/vol:/data:ro" "$IMG" sh -c 'echo x > /data/ro 2>/dev/null && echo writable; cat /data/in')
	expect_eq ":ro volume" host-side "$out"
}

c_tmpfs_mount() {
	local out
	out=$(prun --rm --tmpfs /scratch:size=2m,mode=1777 "$IMG" sh -c 'stat -c %a /scratch; df -k /scratch | tail -n1 | awk "{print \$2}"; grep " /scratch " /proc/mounts | cut -d" " -f3')
	expect_eq "--tmpfs /scratch: mode, size (KiB), type" "1777
2048
tmpfs" "$out"
}

c_host_namespaces() {
	local out
	sleep 300 &
	local spid=$!
	out=$(prun --rm --pid host "$IMG" sh -c "cat /proc/$spid/comm")
	kill $spid
	expect_eq "--pid host sees a host process" sleep "$out" || return 1
	expect_eq "--uts host" "$(hostname)" "$(prun --rm --uts host "$IMG" hostname)" || return 1
	expect_eq "--ipc host" "$(readlink /proc/self/ns/ipc)" "$(prun --rm --ipc host --pid host "$IMG" readlink /proc/self/ns/ipc)"
}

c_sysctl() {
	expect_eq "--sysctl in the container's netns" 1024 "$(prun --rm --sysctl net.ipv4.ip_unprivileged_port_start=1024 --sysctl net.ipv4.ping_group_range='0 0' "$IMG" cat /proc/sys/net/ipv4/ip_unprivileged_port_start)"
}

c_security_opts() {
	local out
	out=$(prun --rm "$IMG" sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\t" | tr "\n" " "')
	expect_eq "defaults" "NoNewPrivs:0 Seccomp:2 " "$out" || return 1
	out=$(prun --rm --security-opt no-new-privileges --security-opt seccomp=unconfined "$IMG" sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\t" | tr "\n" " "')
	expect_eq "no-new-privileges, seccomp=unconfined" "NoNewPrivs:1 Seccomp:0 " "$out"
}

c_cpu_misc_limits() {
	local pid
	prun -d --name cpu --cpus 0.5 --cpuset-cpus 0 --cpu-shares 256 --oom-score-adj 500 --shm-size 8m "$IMG" sleep 1000 >/dev/null || return 1
	pid=$(cpid cpu)
	expect_eq "cpu.cfs_quota_us" 50000 "$(cat "$(cg_file "$pid" cpu cpu.cfs_quota_us)")" || return 1
	expect_eq "cpu.shares" 256 "$(cat "$(cg_file "$pid" cpu cpu.shares)")" || return 1
	expect_eq "cpuset.cpus" 0 "$(cat "$(cg_file "$pid" cpuset cpuset.cpus)")" || return 1
	expect_eq "oom_score_adj" 500 "$(cat /proc/"$pid"/oom_score_adj)" || return 1
	expect_eq "/dev/shm size (KiB)" 8192 "$(pm exec cpu sh -c 'df -k /dev/shm | tail -n1' | awk '{print $2}')"
}

c_exec_paused() {
	local out rc
	prun -d --name ep "$IMG" sleep 1000 >/dev/null || return 1
	pm pause ep >/dev/null || return 1
	out=$(pm exec ep true 2>&1)
	rc=$?
	pm unpause ep >/dev/null
	[ $rc -ne 0 ] || { echo "exec into a paused container succeeded"; return 1; }
	expect_eq "exec after unpause" ok "$(pm exec ep echo ok)"
}

c_stdin_pipe() {
	expect_eq "run -i with a pipe" piped-run "$(echo piped-run | prun --rm -i "$IMG" cat)" || return 1
	prun -d --name sp "$IMG" sleep 1000 >/dev/null || return 1
	expect_eq "exec -i with a pipe" piped-exec "$(echo piped-exec | pm exec -i sp cat)"
}

c_start_attach() {
	local rc
	prun -d --name sa "$IMG" sh -c 'echo run-$(cat /proc/sys/kernel/random/uuid | cut -c1-4); exit 3' >/dev/null || return 1
	pm wait sa >/dev/null
	# A second start of the exited container: a new create/start of the same bundle, attached.
	pm start -a sa >/dev/null
	rc=$?
	expect_eq "exit code of start -a" 3 "$rc" || return 1
	expect_eq "runs logged" 2 "$(pm logs sa | grep -c '^run-')"
}

c_parallel_runs() {
	local i out
	for i in 1 2 3 4 5 6 7 8; do
		prun --rm "$IMG" sh -c "echo par-$i" >"$T/par.$i" 2>&1 &
	done
	wait
	for i in 1 2 3 4 5 6 7 8; do
		out=$(cat "$T/par.$i")
		expect_eq "parallel run $i" "par-$i" "$out" || return 1
	done
}

c_device() {
	local out
	out=$(prun --rm --device /dev/fuse "$IMG" sh -c 'stat -c "%F %t,%T %a" /dev/fuse')
	expect_eq "--device /dev/fuse" "character special file a,e5 600" "$out" || return 1
	# Without --device the device cgroup refuses it, even to a node made by hand.
	out=$(prun --rm --cap-add MKNOD "$IMG" sh -c 'mknod /tmp/fuse c 10 229 && cat /tmp/fuse 2>&1 >/dev/null | grep -o "not permitted"')
	expect_eq "fuse without --device" "not permitted" "$out"
}

c_privileged() {
	local out
	out=$(prun --rm --privileged "$IMG" sh -c 'mount -t tmpfs t /tmp && echo mounted; ls /dev | grep -c "^tty[0-9]"')
	expect_match "--privileged mounts" '^mounted' "$out" || return 1
	[ "$(printf %s "$out" | tail -n1)" -gt 0 ] || { echo "no host /dev/tty* under --privileged: $out"; return 1; }
}

c_userns_map() {
	local out pid
	prun -d --name un --uidmap 0:100000:65536 --gidmap 0:100000:65536 "$IMG" sh -c 'touch /tmp/f; sleep 1000' >/dev/null || return 1
	pid=$(cpid un)
	expect_eq "uid_map" "0 100000 65536" "$(pm exec un cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //')" || return 1
	expect_eq "the container's root on the host" 100000 "$(awk '/^Uid:/ {print $2}' /proc/"$pid"/status)" || return 1
	expect_eq "id inside" "0 0" "$(pm exec un sh -c 'echo $(id -u) $(id -g)')"
}

export -f c_device c_privileged c_userns_map
c_kill_paused() {
	local pid
	prun -d --name kp "$IMG" sleep 1000 >/dev/null || return 1
	pid=$(cpid kp)
	pm pause kp >/dev/null || return 1
	# SIGKILL to a frozen (v1 freezer) task waits for a thaw: the runtime must thaw after sending it.
	pm kill kp >/dev/null || { echo "kill of a paused container failed"; return 1; }
	wait_for 10 bash -c '[ "$(pm inspect -f "{{.State.Status}}" kp)" = exited ]' ||
		{ echo "not exited: $(pm inspect -f '{{.State.Status}}' kp), pid $pid: $(grep State /proc/"$pid"/status 2>&1)"; return 1; }
	expect_eq "exit code" 137 "$(pm inspect -f '{{.State.ExitCode}}' kp)"
}

export -f c_kill_paused
c_own_session() {
	local out
	# Init and exec'd processes lead their own session (runc's nsexec calls setsid): conmon
	# signals the container's process group, which must not be conmon's own.
	out=$(prun --rm "$IMG" sh -c 'echo $$ $(cut -d" " -f5,6 /proc/$$/stat)')
	expect_eq "init pid pgrp sid" "1 1 1" "$out" || return 1
	prun -d --name os "$IMG" sleep 1000 >/dev/null || return 1
	out=$(pm exec os sh -c 'set -- $$ $(cut -d" " -f5,6 /proc/$$/stat); [ "$1" = "$2" ] && [ "$1" = "$3" ] && echo leader || echo "pid $1 pgrp $2 sid $3"')
	expect_eq "exec process" leader "$out"
}

c_run_timeout() {
	local t0 t1 rc
	t0=$(date +%s)
	# conmon kills the container's process group after --timeout seconds.
	prun --rm --name to --timeout 2 "$IMG" sleep 30 >/dev/null 2>&1
	rc=$?
	t1=$(date +%s)
	[ $((t1 - t0)) -lt 15 ] || { echo "took $((t1 - t0)) s"; return 1; }
	expect_eq "exit code of a timed-out run (conmon's -1)" 255 "$rc" || return 1
	pm container exists to && { echo "container left behind"; return 1; }
	return 0
}

export -f c_own_session c_run_timeout
export -f c_stdin_pipe c_start_attach c_parallel_runs
export -f c_volumes c_tmpfs_mount c_host_namespaces c_sysctl c_security_opts c_cpu_misc_limits c_exec_paused
export -f c_read_only_tmpfs c_preserve_fds cfg_json c_run_rm c_exit_code c_detached c_exec_output c_exec_exit_code c_exec_tty c_ps_top c_stop_sigterm \
	c_kill c_restart c_pause_unpause c_rm_f_running c_rm_f_paused c_memory_limit c_oom_kill c_pids_limit \
	c_tty_it c_user c_env c_workdir c_hostname c_read_only c_cap_drop c_rlimits c_init c_net_none \
	c_net_host c_net_bridge_ports c_update free_port

# ONLY="name ..." runs just those checks (for debugging one of them).
check() {
	if [ -n "${ONLY:-}" ] && ! [[ " $ONLY " == *" $1 "* ]]; then return 0; fi
	lib_check "$@"
}

check run-rm-output c_run_rm
check exit-code c_exit_code
check detached-run c_detached
check exec-output c_exec_output
check exec-exit-code c_exec_exit_code
check exec-tty c_exec_tty
check ps-top c_ps_top
check stop-sigterm c_stop_sigterm
check kill c_kill
check kill-paused c_kill_paused
check restart c_restart
check pause-unpause c_pause_unpause
check rm-f-running c_rm_f_running
check rm-f-paused c_rm_f_paused
check memory-limit c_memory_limit
check oom-kill-137 c_oom_kill
check pids-limit c_pids_limit
check run-it-tty c_tty_it
check preserve-fds c_preserve_fds
check user c_user
check env c_env
check workdir c_workdir
check hostname c_hostname
check read-only-rootfs c_read_only
check read-only-tmpfs-copyup c_read_only_tmpfs
check cap-drop c_cap_drop
check rlimits c_rlimits
check init c_init
check network-none c_net_none
check network-host c_net_host
check network-bridge-ports c_net_bridge_ports
check update c_update
check volumes c_volumes
check tmpfs-mount c_tmpfs_mount
check host-namespaces c_host_namespaces
check sysctl c_sysctl
check security-opts c_security_opts
check cpu-shm-oom-score c_cpu_misc_limits
check exec-paused c_exec_paused
check own-session c_own_session
check run-timeout c_run_timeout
check stdin-pipe c_stdin_pipe
check start-attach c_start_attach
check parallel-runs c_parallel_runs
check device c_device
check privileged c_privileged
check userns-uidmap c_userns_map

summary
