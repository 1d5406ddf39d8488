#!/bin/bash
# Docker 20.10 (Debian docker.io) with berth as an OCI runtime: the check list of issue 4.
#
# A private dockerd (own data-root, exec-root, socket, pidfile, daemon.json) runs in a network namespace of
# its own, so docker0, the DOCKER iptables chains and docker-proxy vanish with it and nothing touches the
# host's network; "the host" for -p and --network host is that namespace (curl runs there through nsenter).
# Containers land under a cgroup parent of our own (/berthtest-docker-PID), removed at the end.
#
# RUNTIME=/abs/path selects the runtime (default: $BERTH, else ../../build/berth); it is registered in
# daemon.json as "berth" and every run passes --runtime berth, so RUNTIME=$(command -v runc) runs the same
# list under runc. KEEP=1 keeps the temp dir (daemon log) for a post-mortem.
set -u

. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "docker.sh: needs root" >&2
	exit 2
fi

if ! [ -x /usr/bin/docker ] || ! [ -x /usr/sbin/dockerd ]; then
	apt-get install -o DPkg::Lock::Timeout=300 -y -q --no-install-recommends docker.io >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1 &&
			apt-get install -o DPkg::Lock::Timeout=300 -y -q --no-install-recommends docker.io >/dev/null; } ||
		{ echo "docker.sh: cannot install docker.io" >&2; exit 2; }
fi

RT=$(engine_runtime) || exit 2

# A run killed with SIGKILL never ran its cleanup: its dockerd and containerd live on, and the
# data root stays mounted (dockerd bind-mounts it onto itself) under /tmp/berth-docker.*. A
# directory whose owner (the script that made it, in T/owner) is gone is swept here: its
# processes, then its mounts deepest first, then the directory.
for old in /tmp/berth-docker.*/; do
	[ -d "$old" ] || continue
	owner=$(cat "$old/owner" 2>/dev/null)
	[ -n "$owner" ] && kill -0 "$owner" 2>/dev/null && continue
	for p in $(pgrep -f "$old" 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null
	done
	awk -v t="$old" 'index($2, t) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do
		umount -l "$m"
	done
	rm -rf "$old"
done
T=$(mktemp -d /tmp/berth-docker.XXXXXX)
echo $$ >"$T/owner"
CG=/berthtest-docker-$$
SOCK=$T/docker.sock
DOCKER=/usr/bin/docker
IMG=busybox:berth
DPID=
export RT T CG SOCK DOCKER IMG

d() { "$DOCKER" -H "unix://$SOCK" "$@"; }
# drun ARGS...: docker run with the runtime under test.
drun() { d run --runtime berth "$@"; }
# dns CMD...: run CMD in the daemon's network namespace ("the host" of the containers).
dns() { nsenter -t "$DPID" -n "$@"; }
export -f d drun dns expect_eq expect_match wait_for free_port

cleanup() {
	set +e
	# the daemon-restart check starts a new dockerd: its pidfile names the current one.
	[ -s "$T/dockerd.pid" ] && DPID=$(cat "$T/dockerd.pid")
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		local ids
		ids=$(d ps -aq 2>/dev/null)
		# shellcheck disable=SC2086
		[ -n "$ids" ] && timeout 60 "$DOCKER" -H "unix://$SOCK" rm -f $ids >/dev/null 2>&1
		timeout 30 "$DOCKER" -H "unix://$SOCK" rmi -f "$IMG" >/dev/null 2>&1
		kill -TERM "$DPID"
		local n=0
		while kill -0 "$DPID" 2>/dev/null && [ $n -lt 150 ]; do sleep 0.2; n=$((n + 1)); done
		kill -0 "$DPID" 2>/dev/null && kill -KILL "$DPID"
	fi
	# containerd (started by dockerd) and its shims, if anything outlived the daemon.
	local p
	for p in $(pgrep -f "$T/" 2>/dev/null); do
		[ "$p" != $$ ] && kill -KILL "$p" 2>/dev/null
	done
	# Overlay and shm mounts under the data root, deepest first.
	awk -v t="$T/" 'index($2, t) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do
		umount -l "$m"
	done
	local c
	for c in /sys/fs/cgroup/*/; do
		case $c in */process_api/ | */unified/) continue ;; esac
		[ -d "$c$CG" ] && find "$c$CG" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	[ -d "/sys/fs/cgroup/unified$CG" ] && find "/sys/fs/cgroup/unified$CG" -depth -type d -exec rmdir {} + 2>/dev/null
	if [ -n "${KEEP:-}" ]; then
		echo "kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_daemon() {
	local driver=$1
	mkdir -p "$T/data" "$T/exec"
	jq -n --arg t "$T" --arg rt "$RT" --arg cg "$CG" --arg drv "$driver" '{
		"data-root": ($t + "/data"), "exec-root": ($t + "/exec"), "pidfile": ($t + "/dockerd.pid"),
		"hosts": ["unix://" + $t + "/docker.sock"],
		"runtimes": {"berth": {"path": $rt}},
		"exec-opts": ["native.cgroupdriver=cgroupfs"],
		"cgroup-parent": $cg,
		"storage-driver": $drv,
		"oom-score-adjust": 0,
		"default-ulimits": {"nofile": {"Name": "nofile", "Hard": 20000, "Soft": 20000}},
		"log-level": "info"
	}' >"$T/daemon.json"
	rm -f "$T/dockerd.pid"
	# The host's nofile hard limit is 20000: dockerd must not try to raise it.
	unshare -n sh -c 'ip link set lo up && exec dockerd --config-file "$1"' _ "$T/daemon.json" \
		>"$T/dockerd-$driver.log" 2>&1 &
	local upid=$! n=0
	while [ $n -lt 300 ]; do
		if d version >/dev/null 2>&1; then
			DPID=$(cat "$T/dockerd.pid")
			return 0
		fi
		kill -0 "$upid" 2>/dev/null || break
		sleep 0.1
		n=$((n + 1))
	done
	kill -TERM "$upid" 2>/dev/null
	wait "$upid" 2>/dev/null
	return 1
}

if start_daemon overlay2; then
	DRIVER=overlay2
elif rm -rf "$T/data" "$T/exec" && start_daemon vfs; then
	DRIVER=vfs
else
	echo "docker.sh: dockerd does not start:" >&2
	tail -5 "$T"/dockerd-*.log >&2
	exit 2
fi
export DPID DRIVER
echo "# dockerd $(d version -f '{{.Server.Version}}') pid $DPID, storage $DRIVER, runtime $RT"

busybox_tar "$T/rootfs" "$T/busybox.tar" || exit 2
d import -c 'CMD ["/bin/sh"]' "$T/busybox.tar" "$IMG" >/dev/null || { echo "docker import failed" >&2; exit 2; }

# cgpath CTRL ID: the container's cgroup directory on the host.
cgpath() { echo "/sys/fs/cgroup/$1$CG/$(d inspect -f '{{.Id}}' "$2")"; }
state() { d inspect -f "$1" "$2"; }
export -f cgpath state

# ---- checks -------------------------------------------------------------------------------------------

c_run_rm() {
	local out
	out=$(drun --rm --name rm1 "$IMG" echo hello-berth) || { echo "rc=$? out=$out"; return 1; }
	expect_eq output hello-berth "$out" || return 1
	if d inspect rm1 >/dev/null 2>&1; then echo "container still there after --rm"; return 1; fi
}

c_exit_code() {
	drun --rm "$IMG" sh -c 'exit 42'
	expect_eq "exit code" 42 $?
}

c_detached() {
	local id pid
	id=$(drun -d --name det "$IMG" sleep 1000) || { echo "run -d: $id"; return 1; }
	expect_eq running true "$(state '{{.State.Running}}' det)" || return 1
	pid=$(state '{{.State.Pid}}' det)
	expect_match "pid 1 of the container" 'sleep 1000' "$(tr '\0' ' ' <"/proc/$pid/cmdline")"
}

c_exec_output() {
	expect_eq "exec output" "exec-out $(state '{{.Config.Hostname}}' det)" "$(d exec det sh -c 'echo exec-out $(hostname)')"
}

c_exec_exit() {
	d exec det sh -c 'exit 3'
	expect_eq "exec exit code" 3 $?
}

c_exec_tty() {
	local out
	out=$(script -qec "$DOCKER -H unix://$SOCK exec -t det sh -c 'tty; [ -t 0 ] && echo stdin-is-tty'" /dev/null | tr -d '\r')
	expect_match "exec -t tty" '^/dev/pts/[0-9]+' "$out" || return 1
	expect_match "exec -t stdin" 'stdin-is-tty' "$out" || return 1
	out=$(d exec det tty)
	expect_match "exec without -t" 'not a tty' "$out"
}

c_top() {
	expect_match "top" 'sleep 1000' "$(d top det)"
}

c_ps() {
	expect_match "ps" '^det Up' "$(d ps --format '{{.Names}} {{.Status}}')"
}

c_stop() {
	drun -d --name stopme "$IMG" sh -c 'trap "echo got-term; exit 0" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null || return 1
	wait_for 10 sh -c "$DOCKER -H unix://$SOCK logs stopme | grep -q ready" || { echo "never ready"; return 1; }
	local t0=$SECONDS
	d stop -t 30 stopme >/dev/null || return 1
	[ $((SECONDS - t0)) -lt 20 ] || { echo "stop took $((SECONDS - t0)) s: SIGTERM not delivered"; return 1; }
	expect_eq "exit code after SIGTERM" 0 "$(state '{{.State.ExitCode}}' stopme)" || return 1
	expect_match "logs" got-term "$(d logs stopme)"
}

c_kill() {
	drun -d --name killme "$IMG" sh -c 'trap "echo got-usr1" USR1; echo ready; while :; do sleep 0.1; done' >/dev/null || return 1
	wait_for 10 sh -c "$DOCKER -H unix://$SOCK logs killme | grep -q ready" || { echo "never ready"; return 1; }
	d kill -s USR1 killme >/dev/null || return 1
	wait_for 10 sh -c "$DOCKER -H unix://$SOCK logs killme | grep -q got-usr1" || { echo "USR1 not delivered"; return 1; }
	expect_eq "running after USR1" true "$(state '{{.State.Running}}' killme)" || return 1
	d kill killme >/dev/null || return 1
	wait_for 10 sh -c "[ \"\$($DOCKER -H unix://$SOCK inspect -f '{{.State.Running}}' killme)\" = false ]" || { echo "still running after kill"; return 1; }
	expect_eq "exit code after SIGKILL" 137 "$(state '{{.State.ExitCode}}' killme)"
}

c_restart() {
	local p1 p2 s1 s2
	p1=$(state '{{.State.Pid}}' det)
	s1=$(state '{{.State.StartedAt}}' det)
	d restart -t 1 det >/dev/null || return 1
	p2=$(state '{{.State.Pid}}' det)
	s2=$(state '{{.State.StartedAt}}' det)
	expect_eq running true "$(state '{{.State.Running}}' det)" || return 1
	[ "$p1" != "$p2" ] && [ "$s1" != "$s2" ] || { echo "same process after restart: pid $p1 -> $p2"; return 1; }
	kill -0 "$p1" 2>/dev/null && { echo "old pid $p1 still alive"; return 1; }
	expect_eq "exec after restart" ok "$(d exec det echo ok)"
}

c_pause() {
	local fz
	fz=$(cgpath freezer det)/freezer.state
	d pause det >/dev/null || return 1
	expect_eq paused true "$(state '{{.State.Paused}}' det)" || return 1
	expect_eq "$fz" FROZEN "$(cat "$fz")" || return 1
	if timeout 3 "$DOCKER" -H "unix://$SOCK" exec det true 2>/dev/null; then echo "exec ran in a paused container"; return 1; fi
	d unpause det >/dev/null || return 1
	expect_eq "$fz" THAWED "$(cat "$fz")" || return 1
	expect_eq "exec after unpause" ok "$(d exec det echo ok)"
}

# rm_gone NAME PID CGDIR: the container, its process and its cgroup are gone.
rm_gone() {
	if d inspect "$1" >/dev/null 2>&1; then echo "$1 still listed"; return 1; fi
	wait_for 5 sh -c "! kill -0 $2" || { echo "pid $2 of $1 still alive"; return 1; }
	wait_for 5 test ! -d "$3" || { echo "cgroup $3 left behind"; return 1; }
}
export -f rm_gone

c_rm_running() {
	local pid cg
	pid=$(state '{{.State.Pid}}' det)
	cg=$(cgpath memory det)
	d rm -f det >/dev/null || return 1
	rm_gone det "$pid" "$cg"
}

c_rm_paused() {
	local pid cg
	drun -d --name pz "$IMG" sleep 1000 >/dev/null || return 1
	d pause pz >/dev/null || return 1
	pid=$(state '{{.State.Pid}}' pz)
	cg=$(cgpath memory pz)
	d rm -f pz >/dev/null || return 1
	rm_gone pz "$pid" "$cg"
}

c_memory() {
	local inside host
	drun -d --name mem -m 64m "$IMG" sleep 1000 >/dev/null || return 1
	host=$(cat "$(cgpath memory mem)/memory.limit_in_bytes")
	inside=$(d exec mem cat /sys/fs/cgroup/memory/memory.limit_in_bytes)
	d rm -f mem >/dev/null
	expect_eq "host memory.limit_in_bytes" 67108864 "$host" || return 1
	expect_eq "memory.limit_in_bytes inside" 67108864 "$inside"
}

c_oom() {
	# tail of /dev/zero keeps one endless line in memory. (docker inspect's OOMKilled is not checked: it
	# comes from containerd's eventfd watch racing the cgroup's removal, and is flaky with runc too.)
	drun --rm -m 32m --memory-swap 32m "$IMG" tail /dev/zero
	expect_eq "exit code of an OOM-killed container" 137 $? || return 1
	# The kernel's own record: the OOM killer fired in this container's memory cgroup.
	drun -d --name oom -m 32m --memory-swap 32m "$IMG" sh -c 'tail /dev/zero; echo tail=$?; sleep 1000' >/dev/null || return 1
	wait_for 20 sh -c "$DOCKER -H unix://$SOCK logs oom | grep -q tail=" || { echo "tail never ended"; return 1; }
	local log kills
	log=$(d logs oom)
	kills=$(awk '/^oom_kill / { print $2 }' "$(cgpath memory oom)/memory.oom_control")
	d rm -f oom >/dev/null
	expect_eq "tail's status" tail=137 "$log" || return 1
	expect_eq "oom_kill count in memory.oom_control" 1 "$kills"
}

c_pids() {
	local out
	out=$(drun --rm --pids-limit 12 "$IMG" sh -c 'cat /sys/fs/cgroup/pids/pids.max; n=0; for i in $(seq 30); do sleep 5 2>/dev/null & [ $? = 0 ] && n=$((n+1)); done; sleep 0.5; echo $(ls /proc | grep -c "^[0-9]*$")' 2>/dev/null)
	expect_eq "pids.max inside" 12 "$(echo "$out" | head -1)" || return 1
	local n
	n=$(echo "$out" | tail -1)
	[ "$n" -le 12 ] && [ "$n" -ge 5 ] || { echo "processes alive in a pids-limit 12 container: $n (of 30 started)"; return 1; }
}

c_it() {
	# A real terminal of a known size: a private tmux server; keys typed into it reach the container.
	local tm="tmux -S $T/tmux.sock" out
	$tm new-session -d -x 123 -y 41 "$DOCKER -H unix://$SOCK run --runtime berth --rm -it $IMG \
		sh -c 'tty; read line; echo got-\$line; for i in \$(seq 100); do [ \"\$(stty size)\" = \"41 123\" ] && break; sleep 0.1; done; stty size; exit 5'; echo rc=\$? >$T/it.rc; sleep 60" || return 1
	# The CLI resizes the pty after attaching: under load that can land after the read, so the
	# container polls for up to 10 s; a size that never arrives still fails.
	wait_for 30 sh -c "$tm capture-pane -p | grep -q /dev/pts" || { echo "no tty output: $($tm capture-pane -p | tr '\n' ' ')"; $tm kill-server; return 1; }
	$tm send-keys "hello" Enter
	wait_for 30 test -s "$T/it.rc"
	out=$($tm capture-pane -p)
	$tm kill-server
	expect_match "-it window size" '^41 123' "$out" || return 1
	expect_match "-it tty" '^/dev/pts/[0-9]+' "$out" || return 1
	expect_match "-it input read through the tty" '^got-hello' "$out" || return 1
	expect_eq "-it exit code" rc=5 "$(cat "$T/it.rc")"
}

c_user() {
	expect_eq "--user 1000:1000" "1000 1000" "$(drun --rm -u 1000:1000 "$IMG" sh -c 'echo $(id -u) $(id -g)')" || return 1
	expect_eq "--user nobody" "65534" "$(drun --rm -u nobody "$IMG" id -u)" || return 1
	expect_match "--user files" 'Permission denied' "$(drun --rm -u 1000 "$IMG" sh -c 'touch /root/x' 2>&1)"
}

c_env() {
	local out
	out=$(drun --rm -e FOO=bar -e 'SP=a b' "$IMG" sh -c 'echo "$FOO|$SP|$PATH"')
	expect_eq env "bar|a b|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$out"
}

c_workdir() {
	expect_eq "-w /tmp" /tmp "$(drun --rm -w /tmp "$IMG" pwd)" || return 1
	expect_eq "-w on a missing dir" /new/dir "$(drun --rm -w /new/dir "$IMG" pwd)"
}

c_hostname() {
	expect_eq hostname berthbox "$(drun --rm --hostname berthbox "$IMG" hostname)" || return 1
	expect_match "/etc/hostname" berthbox "$(drun --rm --hostname berthbox "$IMG" cat /etc/hostname)"
}

c_read_only() {
	local out
	out=$(drun --rm --read-only --tmpfs /tmp "$IMG" sh -c 'touch /x 2>&1; touch /tmp/y && echo tmp-ok')
	expect_match "write to /" 'Read-only file system' "$out" || return 1
	expect_match "write to --tmpfs /tmp" 'tmp-ok' "$out" || return 1
	out=$(drun --rm "$IMG" sh -c 'touch /x && echo rw-ok')
	expect_eq "without --read-only" rw-ok "$out"
}

c_cap_drop() {
	local out
	out=$(drun --rm "$IMG" sh -c 'chown 1000 /tmp && echo chown-ok')
	expect_eq "chown with CAP_CHOWN" chown-ok "$out" || return 1
	out=$(drun --rm --cap-drop CHOWN "$IMG" sh -c 'chown 1000 /tmp 2>&1; grep CapEff /proc/self/status')
	expect_match "chown without CAP_CHOWN" 'Operation not permitted' "$out" || return 1
	# CAP_CHOWN is bit 0: the effective set must be even.
	local eff
	eff=$(echo "$out" | awk '/CapEff/ { print $2 }')
	[ $((0x$eff & 1)) -eq 0 ] || { echo "CapEff $eff still has CAP_CHOWN"; return 1; }
}

c_ulimit() {
	expect_eq "--ulimit nofile" "1024 2048" "$(drun --rm --ulimit nofile=1024:2048 "$IMG" sh -c 'echo $(ulimit -n) $(ulimit -Hn)')" || return 1
	expect_eq "--ulimit nproc" "77 88" "$(drun --rm --ulimit nproc=77:88 "$IMG" sh -c 'echo $(ulimit -u) $(ulimit -Hu)')" || return 1
	expect_eq "default-ulimits nofile" 20000 "$(drun --rm "$IMG" sh -c 'ulimit -n')"
}

c_init() {
	local out
	out=$(drun --rm --init "$IMG" sh -c 'echo $$; tr "\0" " " </proc/1/cmdline')
	[ "$(echo "$out" | head -1)" != 1 ] || { echo "sh is pid 1 under --init"; return 1; }
	expect_match "pid 1 under --init" 'docker-init' "$(echo "$out" | tail -1)" || return 1
	out=$(drun --rm "$IMG" sh -c 'echo $$')
	expect_eq "sh pid without --init" 1 "$out"
}

c_net_none() {
	local out
	out=$(drun --rm --network none "$IMG" sh -c 'ls /sys/class/net | tr "\n" " "')
	expect_eq "interfaces with --network none" "lo " "$out"
}

c_net_host() {
	local inside outside
	inside=$(drun --rm --network host "$IMG" readlink /proc/self/ns/net)
	outside=$(readlink "/proc/$DPID/ns/net")
	expect_eq "netns with --network host" "$outside" "$inside"
}

c_net_bridge() {
	local port out ip
	port=$(dns bash -c "$(declare -f free_port); free_port") || { echo "no free port"; return 1; }
	drun -d --name web -p "127.0.0.1:$port:8080" "$IMG" sh -c \
		'mkdir -p /www && echo "berth-web $(hostname)" >/www/index.html && exec httpd -f -p 8080 -h /www' >/dev/null || return 1
	ip=$(state '{{.NetworkSettings.IPAddress}}' web)
	expect_match "bridge address" '^172\.' "$ip" || return 1
	wait_for 10 dns curl -sf "http://$ip:8080/" || { echo "httpd on $ip:8080 not reachable"; return 1; }
	out=$(dns curl -sS --max-time 5 "http://127.0.0.1:$port/" 2>&1)
	expect_eq "curl 127.0.0.1:$port" "berth-web $(state '{{.Config.Hostname}}' web)" "$out" || return 1
	# And from a second container over the bridge.
	out=$(drun --rm "$IMG" wget -qO- "http://$ip:8080/" 2>&1)
	expect_match "container to container" berth-web "$out"
}

c_update() {
	local cg
	drun -d --name upd -m 64m --memory-swap 128m "$IMG" sleep 1000 >/dev/null || return 1
	d update -m 96m --memory-swap 256m --pids-limit 33 --cpus 0.5 upd >/dev/null || return 1
	expect_eq "memory.limit_in_bytes" $((96 << 20)) "$(cat "$(cgpath memory upd)/memory.limit_in_bytes")" || return 1
	expect_eq "pids.max" 33 "$(cat "$(cgpath pids upd)/pids.max")" || return 1
	expect_eq "cpu.cfs_quota_us" 50000 "$(cat "$(cgpath cpu upd)/cpu.cfs_quota_us")" || return 1
	expect_eq "pids.max inside" 33 "$(d exec upd cat /sys/fs/cgroup/pids/pids.max)" || return 1
	expect_eq "docker inspect Memory" $((96 << 20)) "$(state '{{.HostConfig.Memory}}' upd)"
}

# ---- beyond the list of issue 4: what everyday docker use also sends to the runtime ----------------------

c_exec_opts() {
	drun -d --name ex "$IMG" sleep 1000 >/dev/null || return 1
	expect_eq "exec -u -w -e" "1000 /tmp xyz" "$(d exec -u 1000 -w /tmp -e V=xyz ex sh -c 'echo $(id -u) $(pwd) $V')" || return 1
	d exec -d ex sh -c 'echo detached-exec >/tmp/mark' || return 1
	wait_for 5 sh -c "$DOCKER -H unix://$SOCK exec ex cat /tmp/mark | grep -q detached-exec" || { echo "exec -d did not run"; return 1; }
	local out
	out=$(script -qec "stty rows 33 cols 99; $DOCKER -H unix://$SOCK exec -it ex sh -c 'sleep 1; stty size'" /dev/null | tr -d '\r')
	expect_match "exec -it size" '33 99$' "$out"
}

c_volumes() {
	mkdir -p "$T/vol" && echo from-host >"$T/vol/in"
	local out
	out=$(drun --rm -v "$T/vol:/data" -v named1:/named "$IMG" sh -c 'cat /data/in; echo from-ctr >/data/out; echo kept >/named/f')
	expect_eq "bind mount read" from-host "$out" || return 1
	expect_eq "bind mount write" from-ctr "$(cat "$T/vol/out")" || return 1
	expect_eq "named volume" kept "$(drun --rm -v named1:/named "$IMG" cat /named/f)" || return 1
	out=$(drun --rm -v "$T/vol:/data:ro" "$IMG" sh -c 'echo x >/data/y 2>&1 || echo ro-ok')
	expect_match ":ro bind" 'Read-only|ro-ok' "$out" || return 1
	d volume rm named1 >/dev/null
}

c_all_caps() {
	# --privileged asks for every capability, and CAP_SYS_RESOURCE is not in this host's bounding set: runc
	# fails it too ("unable to apply caps"). Everything else, without seccomp, is what privileged code needs.
	local out
	out=$(drun --rm --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined "$IMG" sh -c \
		'mount -t tmpfs t /tmp && echo mount-ok; grep CapEff /proc/self/status' 2>&1)
	expect_match "mount with --cap-add ALL" 'mount-ok' "$out" || return 1
	local eff
	eff=$(echo "$out" | awk '/CapEff/ { print $2 }')
	# SYS_ADMIN (21), NET_ADMIN (12), SYS_PTRACE (19) and SYS_MODULE (16) there; SYS_RESOURCE (24) not.
	local bit
	for bit in 21 12 19 16; do
		[ $(((0x$eff >> bit) & 1)) = 1 ] || { echo "CapEff $eff lacks capability $bit"; return 1; }
	done
	[ $(((0x$eff >> 24) & 1)) = 0 ] || { echo "CapEff $eff has CAP_SYS_RESOURCE after --cap-drop"; return 1; }
}

c_sysctl() {
	expect_eq "--sysctl" 1 "$(drun --rm --sysctl net.ipv4.ip_forward=1 "$IMG" cat /proc/sys/net/ipv4/ip_forward)" || return 1
	expect_eq "--shm-size" 8388608 "$(drun --rm --shm-size 8m "$IMG" sh -c "df -B1 /dev/shm | awk 'NR==2 { print \$2 }'")"
}

c_oom_score() {
	expect_eq "--oom-score-adj" 321 "$(drun --rm --oom-score-adj 321 "$IMG" cat /proc/self/oom_score_adj)"
}

c_group_add() {
	expect_match "--group-add" 'groups=.*\b(4242)' "$(drun --rm -u 1000 --group-add 4242 "$IMG" id)"
}

c_cpu() {
	drun -d --name cpu --cpu-shares 512 --cpuset-cpus 0 --cpus 1.5 "$IMG" sleep 1000 >/dev/null || return 1
	expect_eq "cpu.shares" 512 "$(cat "$(cgpath cpu cpu)/cpu.shares")" || return 1
	expect_eq "cpu.cfs_quota_us" 150000 "$(cat "$(cgpath cpu cpu)/cpu.cfs_quota_us")" || return 1
	expect_eq "cpuset.cpus" 0 "$(cat "$(cgpath cpuset cpu)/cpuset.cpus")" || return 1
	expect_eq "Cpus_allowed_list" 0 "$(d exec cpu awk '/Cpus_allowed_list/ { print $2 }' /proc/self/status)" || return 1
	d rm -f cpu >/dev/null
}

c_pid_ipc_host() {
	expect_match "--pid host sees dockerd" dockerd "$(drun --rm --pid host "$IMG" sh -c "cat /proc/$DPID/comm")" || return 1
	expect_eq "--ipc host" "$(readlink /proc/self/ns/ipc)" "$(drun --rm --ipc host "$IMG" readlink /proc/self/ns/ipc)"
}

c_cgroupns() {
	local out
	out=$(drun --rm --cgroupns private "$IMG" cat /proc/self/cgroup)
	expect_match "--cgroupns private" '^[0-9]+:memory:/$' "$out"
}

c_restart_policy() {
	drun -d --name rp --restart on-failure:2 "$IMG" sh -c 'echo run; exit 3' >/dev/null || return 1
	wait_for 20 sh -c "[ \$($DOCKER -H unix://$SOCK logs rp | grep -c run) -ge 3 ]" || { echo "restarts: $(state '{{.RestartCount}}' rp)"; return 1; }
	wait_for 10 sh -c "[ \"\$($DOCKER -H unix://$SOCK inspect -f '{{.State.Running}}' rp)\" = false ]"
	expect_eq "restart count" 2 "$(state '{{.RestartCount}}' rp)" || return 1
	expect_eq "exit code" 3 "$(state '{{.State.ExitCode}}' rp)" || return 1
	d rm -f rp >/dev/null
}

c_seccomp() {
	# Docker's default profile denies unshare(CLONE_NEWUSER)-style calls such as keyctl/add_key: use swapoff,
	# which the profile blocks even with the capability, and which unconfined lets reach the kernel (ENOENT/EINVAL).
	local def unc
	def=$(drun --rm --cap-add SYS_ADMIN "$IMG" sh -c 'swapoff /nonexistent 2>&1')
	unc=$(drun --rm --cap-add SYS_ADMIN --security-opt seccomp=unconfined "$IMG" sh -c 'swapoff /nonexistent 2>&1')
	expect_match "swapoff under the default profile" 'Operation not permitted' "$def" || return 1
	expect_match "swapoff unconfined" 'No such file' "$unc"
}

c_logs_wait() {
	drun -d --name lw "$IMG" sh -c 'echo to-out; echo to-err >&2; sleep 1; exit 9' >/dev/null || return 1
	expect_eq "docker wait" 9 "$(d wait lw)" || return 1
	expect_eq "stdout" to-out "$(d logs lw 2>/dev/null)" || return 1
	expect_eq "stderr" to-err "$(d logs lw 2>&1 >/dev/null)" || return 1
	d rm -f lw >/dev/null
}

c_device() {
	expect_match "--device" '^c.* 1, +3 ' "$(drun --rm --device /dev/null:/dev/mynull "$IMG" ls -l /dev/mynull)" || return 1
	expect_match "--device usable" ok "$(drun --rm --device /dev/null:/dev/mynull "$IMG" sh -c 'echo x >/dev/mynull && echo ok')"
}

export -f c_exec_opts c_volumes c_all_caps c_sysctl c_oom_score c_group_add c_cpu c_pid_ipc_host c_cgroupns \
	c_restart_policy c_seccomp c_logs_wait c_device

c_stdin_pipe() {
	expect_eq "stdin through -i" "piped-in 3" "$(printf 'piped-in\na\nb\n' | drun --rm -i "$IMG" sh -c 'read l; echo $l $(($(wc -l) + 1))')"
}

c_stop_timeout() {
	# PID 1 ignores SIGTERM (no handler): docker stop falls back to SIGKILL after -t.
	drun -d --name stubborn "$IMG" sleep 1000 >/dev/null || return 1
	local t0=$SECONDS
	d stop -t 2 stubborn >/dev/null || return 1
	local took=$((SECONDS - t0))
	[ $took -ge 2 ] && [ $took -lt 15 ] || { echo "stop -t 2 took $took s"; return 1; }
	expect_eq "exit code" 137 "$(state '{{.State.ExitCode}}' stubborn)" || return 1
	drun -d --name sig --stop-signal USR2 "$IMG" sh -c 'trap "echo got-usr2; exit 0" USR2; echo ready; while :; do sleep 0.1; done' >/dev/null || return 1
	wait_for 10 sh -c "$DOCKER -H unix://$SOCK logs sig | grep -q ready" || return 1
	d stop -t 20 sig >/dev/null || return 1
	expect_match "--stop-signal" got-usr2 "$(d logs sig)" || return 1
	d rm -f stubborn sig >/dev/null
}

c_blkio() {
	local dev
	dev=$(awk '$2 == "/" { print $1 }' /proc/self/mounts | head -1)
	[ -b "$dev" ] || dev=/dev/$(lsblk -dno NAME | grep -v zram | head -1)
	local mm
	mm=$(lsblk -dno MAJ:MIN "$dev" | tr -d ' ')
	drun -d --name bio --device-read-bps "$dev:1mb" --device-write-iops "$dev:77" "$IMG" sleep 1000 >/dev/null || return 1
	expect_eq "read_bps_device" "$mm 1048576" "$(cat "$(cgpath blkio bio)/blkio.throttle.read_bps_device")" || return 1
	expect_eq "write_iops_device" "$mm 77" "$(cat "$(cgpath blkio bio)/blkio.throttle.write_iops_device")" || return 1
	d rm -f bio >/dev/null
}

c_health() {
	drun -d --name hc --health-cmd 'test -e /tmp/ok' --health-interval 1s --health-retries 1 "$IMG" sh -c 'sleep 2; touch /tmp/ok; sleep 1000' >/dev/null || return 1
	wait_for 20 sh -c "[ \"\$($DOCKER -H unix://$SOCK inspect -f '{{.State.Health.Status}}' hc)\" = healthy ]" ||
		{ echo "health: $(state '{{.State.Health.Status}}' hc) $(state '{{json .State.Health.Log}}' hc | head -c 300)"; return 1; }
	d exec hc rm /tmp/ok
	wait_for 20 sh -c "[ \"\$($DOCKER -H unix://$SOCK inspect -f '{{.State.Health.Status}}' hc)\" = unhealthy ]" || { echo "never unhealthy"; return 1; }
	d rm -f hc >/dev/null
}

export -f c_stdin_pipe c_stop_timeout c_blkio c_health

c_start_errors() {
	# Docker's CLI and daemon map the runtime's error text to 127 (not found) and 126 (cannot execute), by
	# case-sensitive substrings of Go's wording ("no such file or directory", "executable file not found",
	# "permission denied"): the message the runtime leaves in --log must read as runc's does.
	local bad=0 got
	drun -d --name ee "$IMG" sleep 1000 >/dev/null || return 1
	for t in "run 127 /no/such/cmd" "run 127 nosuchcmd" "run 126 /etc/passwd" "run 126 /tmp" \
		"exec 126 /no/such/cmd" "exec 126 nosuchcmd" "exec 126 /etc/passwd"; do
		set -- $t
		if [ "$1" = run ]; then
			got=$(drun --rm "$IMG" "$3" 2>&1)
		else
			got=$(d exec ee "$3" 2>&1)
		fi
		local rc=$?
		if [ $rc != "$2" ]; then
			echo "docker $1 $3: want exit $2, got $rc ($(echo "$got" | head -1 | cut -c1-200));"
			bad=1
		fi
	done
	d rm -f ee >/dev/null
	return $bad
}

c_tty_no_stdin() {
	local out
	out=$(drun --rm -t "$IMG" sh -c 'tty; echo line' | od -An -c | tr -d ' \n')
	expect_match "-t output through a pty (CRLF)" 'line\\r\\n' "$out"
}

c_numeric_kill() {
	drun -d --name nk "$IMG" sh -c 'trap "echo got-hup" HUP; trap "echo got-usr2; exit 0" 12; echo ready; while :; do sleep 0.1; done' >/dev/null || return 1
	wait_for 10 sh -c "$DOCKER -H unix://$SOCK logs nk | grep -q ready" || return 1
	d kill -s 1 nk >/dev/null || return 1
	wait_for 5 sh -c "$DOCKER -H unix://$SOCK logs nk | grep -q got-hup" || { echo "signal 1 not delivered"; return 1; }
	d kill -s SIGUSR2 nk >/dev/null || return 1
	wait_for 10 sh -c "[ \"\$($DOCKER -H unix://$SOCK inspect -f '{{.State.Running}}' nk)\" = false ]" || { echo "SIGUSR2 not delivered"; return 1; }
	expect_eq "exit code" 0 "$(state '{{.State.ExitCode}}' nk)" || return 1
	d rm -f nk >/dev/null
}

c_top_many() {
	drun -d --name tm "$IMG" sh -c 'sleep 1001 & sleep 1002 & exec sleep 1003' >/dev/null || return 1
	wait_for 5 sh -c "[ \$($DOCKER -H unix://$SOCK top tm | grep -c 'sleep 100[123]') = 3 ]" || { echo "top: $(d top tm | tr '\n' ' ')"; return 1; }
	d exec -d tm sleep 1004
	wait_for 5 sh -c "$DOCKER -H unix://$SOCK top tm | grep -q 'sleep 1004'" || { echo "exec'd process not in top"; return 1; }
	d rm -f tm >/dev/null
}

export -f c_start_errors c_tty_no_stdin c_numeric_kill c_top_many

c_join_ns() {
	# --network/--pid/--ipc container:X: the config names the other container's namespaces by path.
	drun -d --name nsbase --ipc shareable "$IMG" sh -c 'sleep 1000' >/dev/null || return 1
	local pid out
	pid=$(state '{{.State.Pid}}' nsbase)
	out=$(drun --rm --network container:nsbase --pid container:nsbase --ipc container:nsbase "$IMG" sh -c \
		'for n in net pid ipc; do readlink /proc/self/ns/$n; done; ps -o comm | grep -c sleep')
	local want
	want="$(readlink "/proc/$pid/ns/net") $(readlink "/proc/$pid/ns/pid") $(readlink "/proc/$pid/ns/ipc") 1"
	d rm -f nsbase >/dev/null
	expect_eq "namespaces of container:nsbase" "$want" "$(echo $out)"
}

c_tmpfs_opts() {
	local out
	out=$(drun --rm --tmpfs /run:rw,noexec,size=1m,mode=1770 "$IMG" sh -c \
		"grep ' /run ' /proc/self/mounts; stat -c %a /run; df -k /run | awk 'NR==2 { print \$2 }'")
	expect_match "tmpfs mount" 'tmpfs /run tmpfs .*noexec' "$out" || return 1
	expect_match "mode" '^1770$' "$out" || return 1
	expect_match "size" '^1024$' "$out"
}

c_file_bind() {
	echo one-file >"$T/single"
	expect_eq "single-file bind" one-file "$(drun --rm -v "$T/single:/etc/single:ro" "$IMG" cat /etc/single)"
}

c_nnp_masked() {
	local out
	out=$(drun --rm --security-opt no-new-privileges "$IMG" grep NoNewPrivs /proc/self/status)
	expect_match "no-new-privileges" 'NoNewPrivs:[[:space:]]+1' "$out" || return 1
	out=$(drun --rm "$IMG" grep NoNewPrivs /proc/self/status)
	expect_match "default NoNewPrivs" 'NoNewPrivs:[[:space:]]+0' "$out" || return 1
	# Docker's maskedPaths and readonlyPaths
	# Docker's maskedPaths (/proc/timer_list has content on the host) and readonlyPaths (/proc/sys).
	[ "$(head -c 10 /proc/timer_list | wc -c)" = 10 ] || { echo "host has no /proc/timer_list to compare with"; return 1; }
	out=$(drun --rm "$IMG" sh -c 'wc -c </proc/timer_list; ls /sys/firmware | wc -l; echo x >/proc/sys/kernel/domainname 2>/dev/null || echo sys-ro')
	expect_eq "masked /proc/timer_list and /sys/firmware, read-only /proc/sys" "0 0 sys-ro" "$(echo $out)"
}

c_mem_more() {
	drun -d --name mm -m 128m --memory-reservation 64m --memory-swappiness 10 "$IMG" sleep 1000 >/dev/null || return 1
	local cg
	cg=$(cgpath memory mm)
	expect_eq "soft_limit_in_bytes" $((64 << 20)) "$(cat "$cg/memory.soft_limit_in_bytes")" || return 1
	expect_eq "swappiness" 10 "$(cat "$cg/memory.swappiness")" || return 1
	d rm -f mm >/dev/null
}

export -f c_join_ns c_tmpfs_opts c_file_bind c_nnp_masked c_mem_more

c_daemon_restart() {
	# dockerd's shutdown stops every container through the runtime (kill, delete); at start it brings back
	# the --restart always ones (create, start) and the others stay exited.
	drun -d --name always --restart always "$IMG" sleep 1000 >/dev/null || return 1
	drun -d --name once "$IMG" sleep 1000 >/dev/null || return 1
	local p_always p_once
	p_always=$(state '{{.State.Pid}}' always)
	p_once=$(state '{{.State.Pid}}' once)
	kill -TERM "$DPID"
	wait_for 30 sh -c "! kill -0 $DPID" || { echo "dockerd did not stop"; return 1; }
	if kill -0 "$p_always" 2>/dev/null || kill -0 "$p_once" 2>/dev/null; then
		echo "containers outlived dockerd's shutdown"
		return 1
	fi
	start_daemon "$DRIVER" || { echo "dockerd did not start again: $(tail -3 "$T/dockerd-$DRIVER.log")"; return 1; }
	wait_for 20 sh -c "[ \"\$($DOCKER -H unix://$SOCK inspect -f '{{.State.Running}}' always)\" = true ]" || { echo "--restart always container not running again"; return 1; }
	expect_eq "exec into the restarted container" ok "$(d exec always echo ok)" || return 1
	expect_eq "the other one" false "$(state '{{.State.Running}}' once)" || return 1
	d start once >/dev/null || return 1
	expect_eq "docker start after a daemon restart" true "$(state '{{.State.Running}}' once)" || return 1
	d rm -f always once >/dev/null
}

export -f c_daemon_restart start_daemon

export -f c_run_rm c_exit_code c_detached c_exec_output c_exec_exit c_exec_tty c_top c_ps c_stop c_kill \
	c_restart c_pause c_rm_running c_rm_paused c_memory c_oom c_pids c_it c_user c_env c_workdir c_hostname \
	c_read_only c_cap_drop c_ulimit c_init c_net_none c_net_host c_net_bridge c_update

# ONLY="name name": run only those checks (and what they need: "detached" before the checks on "det").
if [ -n "${ONLY:-}" ]; then
	check() {
		case " $ONLY " in *" $1 "*) ;; *) return 0 ;; esac
		local name=$1 out rc
		shift
		out=$(timeout -k 5 "$CHECK_TIMEOUT" bash -c '"$@"' _ "$@" 2>&1)
		rc=$?
		if [ $rc -eq 0 ]; then pass "$name"; else fail "$name" "rc=$rc $(printf %s "$out" | tr '\n' ' ' | cut -c1-600)"; fi
	}
fi

check run-rm-output c_run_rm
check exit-code c_exit_code
check detached c_detached
check exec-output c_exec_output
check exec-exit-code c_exec_exit
check exec-tty c_exec_tty
check top c_top
check ps c_ps
check stop-sigterm c_stop
check kill c_kill
check restart c_restart
check pause-unpause c_pause
check rm-f-running c_rm_running
check rm-f-paused c_rm_paused
check memory-limit c_memory
check oom-kill-137 c_oom
check pids-limit c_pids
check it-tty c_it
check user c_user
check env c_env
check workdir c_workdir
check hostname c_hostname
check read-only c_read_only
check cap-drop c_cap_drop
check ulimit c_ulimit
check init c_init
check net-none c_net_none
check net-host c_net_host
check net-bridge-publish c_net_bridge
check update c_update
check exec-user-cwd-env-detach c_exec_opts
check volumes c_volumes
check cap-add-all c_all_caps
check sysctl-shm c_sysctl
check oom-score-adj c_oom_score
check group-add c_group_add
check cpu-limits c_cpu
check pid-ipc-host c_pid_ipc_host
check cgroupns-private c_cgroupns
check restart-policy c_restart_policy
check seccomp-default c_seccomp
check logs-wait c_logs_wait
check device c_device
check stdin-pipe c_stdin_pipe
check stop-timeout-signal c_stop_timeout
check blkio-throttle c_blkio
check healthcheck c_health
check start-errors-126-127 c_start_errors
check tty-without-stdin c_tty_no_stdin
check kill-numeric-signals c_numeric_kill
check top-many-processes c_top_many
check join-container-namespaces c_join_ns
check tmpfs-options c_tmpfs_opts
check single-file-bind c_file_bind
check no-new-privs-masked-paths c_nnp_masked
check memory-reservation-swappiness c_mem_more
# last: it replaces the daemon
check daemon-restart c_daemon_restart

summary
