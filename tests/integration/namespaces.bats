#!/usr/bin/env bats
# bats file_tags=namespaces
# Each namespace the config lists is a new one (compared with the host's), or the one joined by path.

load helpers

# ns_differs TYPE: the container's /proc/self/ns/TYPE is not the host's.
ns_differs() {
	ctr_run readlink "/proc/self/ns/$1"
	assert_status 0
	[[ $output == "$1:["*"]" ]]
	[ "$output" != "$(readlink "/proc/self/ns/$1")" ]
}

@test "a new pid namespace" {
	ns_differs pid
}

@test "a new mount namespace" {
	ns_differs mnt
}

@test "a new network namespace" {
	ns_differs net
}

@test "a new uts namespace" {
	ns_differs uts
}

@test "a new ipc namespace" {
	ns_differs ipc
}

@test "a new cgroup namespace when listed" {
	cfg '.linux.namespaces += [{"type": "cgroup"}]'
	ns_differs cgroup
}

@test "no cgroup namespace when not listed" {
	cfg 'del(.linux.namespaces[] | select(.type == "cgroup"))'
	ctr_run readlink /proc/self/ns/cgroup
	assert_output "$(readlink /proc/self/ns/cgroup)"
}

@test "an unlisted namespace is shared with the host (network)" {
	cfg 'del(.linux.namespaces[] | select(.type == "network"))'
	ctr_run readlink /proc/self/ns/net
	assert_status 0
	assert_output "$(readlink /proc/self/ns/net)"
}

@test "the process is PID 1 in its pid namespace" {
	ctr_run sh -c 'echo $$'
	assert_output 1
}

@test "ps inside sees only the container's processes" {
	ctr_run sh -c 'ls -d /proc/[0-9]* | wc -l'
	# sh, ls and wc, and nothing from the host
	[ "$output" -le 3 ]
}

@test "the network namespace has only lo, and it is UP" {
	ctr_run sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "; ip -o link show lo'
	assert_status 0
	[ "$(head -1 <<<"$output")" = lo ]
	[ "$(grep -c . <<<"$output")" -eq 2 ]
	grep -q '<LOOPBACK,UP' <<<"$output"
}

@test "loopback answers inside the container" {
	cfg '.process.capabilities |= with_entries(.value += ["CAP_NET_RAW"])'
	ctr_run ping -c 1 -W 2 127.0.0.1
	assert_status 0
}

@test "hostname is set" {
	cfg '.hostname = "itest-host"'
	ctr_run hostname
	assert_output itest-host
	[ "$(hostname)" != itest-host ]
}

@test "domainname is set" {
	[ "$RUNTIME_NAME" != runc ] || skip "runc 1.1.5 ignores domainname"
	cfg '.hostname = "h" | .domainname = "itest.example"'
	ctr_run cat /proc/sys/kernel/domainname
	assert_output itest.example
	[ "$(cat /proc/sys/kernel/domainname)" != itest.example ]
}

@test "a user namespace maps root to the configured host uid" {
	chmod 755 "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$WORK" "$BUNDLE"
	cfg '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .mounts |= map(select(.destination != "/sys" and .destination != "/sys/fs/cgroup"))'
	set_args sh -c 'id -u; id -g; readlink /proc/self/ns/user; sleep 100'
	new_id
	rt run -d -b "$BUNDLE" "$ID" </dev/null >"$WORK/out" 2>&1 3>&-
	pid=$(ctr_pid "$ID")
	# three lines from three processes: wait for all of them, not for the first and a fixed delay
	retry 300 sh -c "[ \$(wc -l <'$WORK/out') -ge 3 ]"
	[ "$(sed -n 1p "$WORK/out")" = 0 ]
	[ "$(sed -n 2p "$WORK/out")" = 0 ]
	[ "$(sed -n 3p "$WORK/out")" != "$(readlink /proc/self/ns/user)" ]
	# seen from the host, the container's root is the mapped uid
	[ "$(awk '/^Uid:/ { print $2 }' /proc/$pid/status)" = 200000 ]
	[ "$(awk '/^Gid:/ { print $2 }' /proc/$pid/status)" = 200000 ]
	[ "$(awk '{ print $1, $2, $3 }' /proc/$pid/uid_map)" = "0 200000 65536" ]
}

@test "a user namespace: unmapped host files appear as nobody" {
	chmod 755 "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$WORK" "$BUNDLE"
	cfg '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .mounts |= map(select(.destination != "/sys" and .destination != "/sys/fs/cgroup"))'
	ctr_run stat -c %u /bin/busybox
	assert_status 0
	assert_output 65534
}

@test "a time namespace offsets the boot clock" {
	[ "$RUNTIME_NAME" != runc ] || skip "runc 1.1.5 has no time namespace support"
	cfg '.linux.namespaces += [{"type": "time"}]
		| .linux.timeOffsets = {"boottime": {"secs": 864000, "nanosecs": 0}, "monotonic": {"secs": 86400, "nanosecs": 0}}'
	host=$(cut -d. -f1 /proc/uptime)
	ctr_run sh -c 'cut -d. -f1 /proc/uptime; readlink /proc/self/ns/time'
	assert_status 0
	inside=$(sed -n 1p <<<"$output")
	[ "$inside" -ge $((host + 864000)) ] && [ "$inside" -le $((host + 864000 + 10)) ]
	[ "$(sed -n 2p <<<"$output")" != "$(readlink /proc/self/ns/time)" ]
}

@test "joining a network namespace by path (ip netns add)" {
	name=${MARK}-net
	ip netns add "$name"
	echo "$name" >>"$ITEST_NETNS"
	ip netns exec "$name" ip addr add 10.99.0.1/32 dev lo
	cfg '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' --arg p "/run/netns/$name"
	ctr_run sh -c 'readlink /proc/self/ns/net; ip -o addr show lo'
	assert_status 0
	[ "$(sed -n 1p <<<"$output")" = "net:[$(stat -L -c %i "/run/netns/$name")]" ]
	grep -q 'inet 10.99.0.1/32' <<<"$output"
	ip netns delete "$name"
}

@test "joining another container's uts namespace by /proc/PID/ns/uts" {
	cfg '.hostname = "first-ctr"'
	ctr_detach sleep 100
	first=$(ctr_pid "$ID")
	cfg 'del(.hostname) | .linux.namespaces |= map(if .type == "uts" then .path = $p else . end)' \
		--arg p "/proc/$first/ns/uts"
	ctr_run sh -c 'hostname; readlink /proc/self/ns/uts'
	assert_status 0
	[ "$(sed -n 1p <<<"$output")" = first-ctr ]
	[ "$(sed -n 2p <<<"$output")" = "$(readlink /proc/$first/ns/uts)" ]
}

@test "joining another container's pid namespace sees its processes" {
	ctr_detach sleep 100
	first=$(ctr_pid "$ID")
	cfg '.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)' --arg p "/proc/$first/ns/pid"
	ctr_run sh -c 'cat /proc/1/cmdline | tr "\0" " "'
	assert_status 0
	assert_output "sleep 100 "
}

@test "a namespace path that is not a namespace fails" {
	cfg '.linux.namespaces |= map(if .type == "uts" then .path = "/etc/hostname" else . end)'
	ctr_run true
	[ "$status" -ne 0 ]
}

@test "ipc namespace: a host SysV message queue is not visible" {
	ctr_run cat /proc/sysvipc/msg
	assert_status 0
	[ "$(grep -c . <<<"$output")" -eq 1 ]
}

# userns_cfg: a user namespace mapping root to 200000 (a range no host user has); the bundle is made
# traversable for that uid, and /sys (sysfs needs a netns owned by the userns) is left out.
userns_cfg() {
	chmod 755 "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$WORK" "$BUNDLE"
	cfg '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 300000, "size": 65536}]
		| .mounts |= map(select(.destination != "/sys" and .destination != "/sys/fs/cgroup"))'
}

@test "a user namespace: uid_map and gid_map as configured, seen from inside" {
	userns_cfg
	ctr_run sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map'
	assert_status 0
	[ "$(sed -n 1,2p <<<"$output" | xargs)" = "0 0" ]
	[ "$(sed -n 3p <<<"$output" | xargs)" = "0 200000 65536" ]
	[ "$(sed -n 4p <<<"$output" | xargs)" = "0 300000 65536" ]
}

@test "a user namespace: a file created inside is owned by the mapped host uid and gid" {
	userns_cfg
	chmod 1777 "$BUNDLE/rootfs/tmp"
	cfg '.process.capabilities |= with_entries(.value += ["CAP_CHOWN"])'
	ctr_run sh -c 'touch /tmp/made-inside && chown 5:7 /tmp/made-inside 2>&1; touch /tmp/root-file; stat -c "%u:%g" /tmp/made-inside'
	assert_status 0
	assert_output "5:7"
	[ "$(stat -c %u:%g "$BUNDLE/rootfs/tmp/made-inside")" = "200005:300007" ]
	[ "$(stat -c %u:%g "$BUNDLE/rootfs/tmp/root-file")" = "200000:300000" ]
}

@test "a user namespace: root inside has no power over host-owned files" {
	userns_cfg
	chmod 700 "$BUNDLE/rootfs/root"
	ctr_run sh -c 'ls /root >/dev/null 2>&1 && echo read || echo denied'
	assert_output denied
}

@test "a time namespace: timens_offsets shows both configured offsets" {
	[ "$RUNTIME_NAME" != runc ] || skip "runc 1.1.5 has no time namespace support"
	cfg '.linux.namespaces += [{"type": "time"}]
		| .linux.timeOffsets = {"boottime": {"secs": 864000, "nanosecs": 0}, "monotonic": {"secs": 86400, "nanosecs": 500}}'
	ctr_run cat /proc/self/timens_offsets
	assert_status 0
	[ "$(awk '$1 == "monotonic" || $1 == 1 { print $2, $3 }' <<<"$output")" = "86400 500" ]
	[ "$(awk '$1 == "boottime" || $1 == 7 { print $2, $3 }' <<<"$output")" = "864000 0" ]
}

@test "a time namespace without offsets keeps the host's clocks" {
	[ "$RUNTIME_NAME" != runc ] || skip "runc 1.1.5 has no time namespace support"
	cfg '.linux.namespaces += [{"type": "time"}]'
	host=$(cut -d. -f1 /proc/uptime)
	ctr_run sh -c 'cut -d. -f1 /proc/uptime; readlink /proc/self/ns/time'
	assert_status 0
	inside=$(sed -n 1p <<<"$output")
	[ "$inside" -ge "$host" ] && [ "$inside" -le $((host + 10)) ]
	[ "$(sed -n 2p <<<"$output")" != "$(readlink /proc/self/ns/time)" ]
}

@test "a cgroup namespace: /proc/self/cgroup shows / inside, the real path outside" {
	cfg '.linux.namespaces += [{"type": "cgroup"}]'
	ctr_detach sh -c 'cat /proc/self/cgroup > /tmp/cg; sleep 100'
	pid=$(ctr_pid "$ID")
	retry 300 test -s "$BUNDLE/rootfs/tmp/cg"
	cat "$BUNDLE/rootfs/tmp/cg"
	# every hierarchy the container has its own cgroup in is its root inside
	[ -z "$(awk -F: '$3 != "/"' "$BUNDLE/rootfs/tmp/cg")" ]
	grep -q ":$CG\$" "/proc/$pid/cgroup"
}

@test "joining a network namespace by path: the process is in it, and it is not deleted after" {
	name=${MARK}-net
	ip netns add "$name"
	echo "$name" >>"$ITEST_NETNS"
	ip netns exec "$name" ip link set lo up
	cfg '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' --arg p "/run/netns/$name"
	ctr_detach sleep 100
	pid=$(ctr_pid "$ID")
	[ "$(readlink "/proc/$pid/ns/net")" = "net:[$(stat -L -c %i "/run/netns/$name")]" ]
	rt delete --force "$ID"
	# the namespace belongs to whoever made it; the runtime must not remove it
	[ -e "/run/netns/$name" ]
	ip netns exec "$name" ip -o link show lo | grep -q 'UP'
	ip netns delete "$name"
}

@test "a user namespace: create then start works under the caller's umask 022 (exec fifo owned by mapped root)" {
	userns_cfg
	umask 022
	ctr_create sh -c 'id -u; sleep 100'
	[ "$(ctr_status "$ID")" = created ]
	rt start "$ID"
	wait_status "$ID" running
	rt delete --force "$ID"
}

# init in a user namespace runs as the mapped ids: a bind source below a directory only the host's
# root may search (0700 root, as /root or a private state dir) was opened after the switch and
# failed with EACCES. The runtime opens it; the container still gets none of the fds it used.
@test "a user namespace: a bind source below a 0700 root-only host directory is mounted, and no fd of it is left" {
	userns_cfg
	mkdir -p "$WORK/private/src"
	echo private-data >"$WORK/private/src/f"
	echo private-file >"$WORK/private/file"
	chmod 700 "$WORK/private"
	# the mount points exist: the mapped root may not create them in the host-owned rootfs
	mkdir -p "$BUNDLE/rootfs/mnt"
	touch "$BUNDLE/rootfs/etc/private"
	add_mount() { cfg '.mounts += [$m]' --argjson m "$1"; }
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$WORK/private/src\", \"options\": [\"rbind\"]}"
	add_mount "{\"destination\": \"/etc/private\", \"type\": \"bind\", \"source\": \"$WORK/private/file\", \"options\": [\"bind\", \"ro\"]}"
	ctr_run sh -c 'cat /mnt/f /etc/private; ls /proc/self/fd | xargs'
	assert_status 0
	# 3 is ls's own directory
	assert_output "private-data
private-file
0 1 2 3"
}

# The host's read-only bind stays read-only for the container's root, even with CAP_SYS_ADMIN in its
# user namespace: the source must come from init's copy of the host's mounts, where the kernel locked
# the flags (a clone of the host's mount made outside, open_tree, could be remounted rw).
@test "a user namespace: a bind of a host read-only mount cannot be remounted rw from inside" {
	userns_cfg
	mkdir -p "$WORK/rosrc"
	chmod 777 "$WORK/rosrc"
	mount --bind "$WORK/rosrc" "$WORK/rosrc"
	mount -o remount,bind,ro "$WORK/rosrc"
	mkdir -p "$BUNDLE/rootfs/mnt"
	cfg '.mounts += [$m] | .process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])' \
		--argjson m "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$WORK/rosrc\", \"options\": [\"bind\"]}"
	ctr_run sh -c 'mount -o remount,bind,rw /mnt 2>/dev/null; touch /mnt/x 2>/dev/null && echo wrote || echo read-only'
	umount "$WORK/rosrc"
	assert_status 0
	assert_output read-only
	[ ! -e "$WORK/rosrc/x" ]
}

# In a user namespace mknod is not allowed and the host's node is bound instead: a config device
# whose path the host does not have binds the host's node of the same type and numbers.
@test "a user namespace: linux.devices /dev/mynull c 1 3, which the host does not have, binds the host's 1:3 node" {
	userns_cfg
	[ ! -e /dev/mynull ]
	cfg '.linux.devices = [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 438}]'
	ctr_run sh -c 'stat -c "%F %t:%T" /dev/mynull; echo x > /dev/mynull && echo written'
	assert_status 0
	assert_output "character special file 1:3
written"
}
