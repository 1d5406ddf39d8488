#!/usr/bin/env bats
# bats file_tags=rootfs
# Mounts, the readonly root, masked and readonly paths, /dev, sysctl and propagation, seen from inside.

load helpers

# mnt_line DEST: the container's mountinfo line for DEST (from $output of a `cat /proc/self/mountinfo`).
mnt_line() {
	awk -v d="$1" '$5 == d' <<<"$output" | tail -1
}

add_mount() {
	cfg '.mounts += [$m]' --argjson m "$1"
}

@test "bind mount: the host directory is seen inside" {
	mkdir "$WORK/src" && echo bound >"$WORK/src/f"
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$WORK/src\", \"options\": [\"bind\"]}"
	ctr_run sh -c 'cat /mnt/f; cat /proc/self/mountinfo'
	assert_status 0
	[ "$(head -1 <<<"$output")" = bound ]
	[ -n "$(mnt_line /mnt)" ]
}

@test "bind mount: writes reach the host directory" {
	mkdir "$WORK/src"
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$WORK/src\", \"options\": [\"bind\"]}"
	ctr_run sh -c 'echo written > /mnt/new'
	assert_status 0
	[ "$(cat "$WORK/src/new")" = written ]
}

@test "bind mount of a file" {
	echo filebound >"$WORK/file"
	add_mount "{\"destination\": \"/etc/itest\", \"type\": \"bind\", \"source\": \"$WORK/file\", \"options\": [\"bind\"]}"
	ctr_run cat /etc/itest
	assert_output filebound
}

@test "rbind carries submounts, bind does not" {
	mkdir -p "$WORK/src/sub"
	mount -t tmpfs itest "$WORK/src/sub"
	echo in-sub >"$WORK/src/sub/f"
	add_mount "{\"destination\": \"/r\", \"type\": \"bind\", \"source\": \"$WORK/src\", \"options\": [\"rbind\"]}"
	add_mount "{\"destination\": \"/b\", \"type\": \"bind\", \"source\": \"$WORK/src\", \"options\": [\"bind\"]}"
	ctr_run sh -c 'cat /r/sub/f; cat /b/sub/f 2>/dev/null || echo none'
	umount "$WORK/src/sub"
	assert_status 0
	[ "$output" = "in-sub
none" ]
}

@test "ro bind mount is read-only" {
	mkdir "$WORK/src"
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$WORK/src\", \"options\": [\"bind\", \"ro\"]}"
	ctr_run sh -c 'touch /mnt/x 2>&1; cat /proc/self/mountinfo'
	[ ! -e "$WORK/src/x" ]
	assert_imatch 'read-only'
	[[ $(mnt_line /mnt | awk '{ print $6 }') == ro* ]]
}

@test "proc is mounted at /proc" {
	ctr_run cat /proc/self/mountinfo
	[ "$(mnt_line /proc | awk '{ print $(NF-2) }')" = proc ]
}

@test "sysfs is mounted at /sys, read-only as configured" {
	ctr_run cat /proc/self/mountinfo
	line=$(mnt_line /sys)
	[ "$(awk '{ print $(NF-2) }' <<<"$line")" = sysfs ]
	[[ $(awk '{ print $6 }' <<<"$line") == ro* ]]
}

@test "tmpfs with size and mode" {
	add_mount '{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "mode=700", "nosuid"]}'
	ctr_run sh -c 'stat -c %a /scratch; dd if=/dev/zero of=/scratch/big bs=1k count=2048 2>/dev/null && echo fits || echo full; cat /proc/self/mountinfo'
	[ "$(sed -n 1p <<<"$output")" = 700 ]
	[ "$(sed -n 2p <<<"$output")" = full ]
	line=$(mnt_line /scratch)
	[ "$(awk '{ print $(NF-2) }' <<<"$line")" = tmpfs ]
	grep -q 'size=1024k' <<<"$line"
	grep -q 'mode=700' <<<"$line"
	grep -q nosuid <<<"$line"
}

@test "devpts at /dev/pts with ptmxmode" {
	ctr_run cat /proc/self/mountinfo
	line=$(mnt_line /dev/pts)
	[ "$(awk '{ print $(NF-2) }' <<<"$line")" = devpts ]
	grep -q 'ptmxmode=666' <<<"$line"
}

@test "mqueue at /dev/mqueue" {
	ctr_run cat /proc/self/mountinfo
	[ "$(mnt_line /dev/mqueue | awk '{ print $(NF-2) }')" = mqueue ]
}

@test "cgroup mount at /sys/fs/cgroup" {
	ctr_run cat /proc/self/mountinfo
	grep -E ' /sys/fs/cgroup(/[^ ]*)? .* - cgroup2? ' <<<"$output"
}

@test "the container's own cgroup is what /sys/fs/cgroup shows" {
	cfg '.mounts |= map(if .destination == "/sys/fs/cgroup" then .options -= ["ro"] else . end)'
	ctr_run sh -c 'ls /sys/fs/cgroup/pids/ 2>/dev/null | grep -c pids.max || ls /sys/fs/cgroup | grep -c pids.max'
	assert_status 0
	[ "$output" -ge 1 ]
}

@test "readonly root: touch / fails" {
	cfg '.root.readonly = true'
	ctr_run sh -c 'touch /x'
	[ "$status" -ne 0 ]
	[ ! -e "$BUNDLE/rootfs/x" ]
}

@test "readonly root with a tmpfs /tmp: /tmp is writable" {
	cfg '.root.readonly = true'
	add_mount '{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]}'
	ctr_run sh -c 'echo ok > /tmp/x && cat /tmp/x'
	assert_status 0
	assert_output ok
}

@test "masked path /proc/kcore (or another masked /proc file) reads empty" {
	# this kernel may have no /proc/kcore: use the first masked file the host has and can read
	for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do
		[ -s "$f" ] || [ "$(head -c 1 "$f" 2>/dev/null | wc -c)" -eq 1 ] && break
	done
	cfg '.linux.maskedPaths += [$f]' --arg f "$f"
	ctr_run sh -c "wc -c < $f"
	assert_status 0
	assert_output 0
}

@test "masked directory /sys/firmware is empty" {
	ctr_run sh -c 'ls -A /sys/firmware | wc -l'
	assert_output 0
	[ -n "$(ls -A /sys/firmware)" ]
}

@test "a path that is not masked is readable (/proc/version)" {
	ctr_run cat /proc/version
	assert_output "$(cat /proc/version)"
}

@test "readonly path: writing /proc/sys fails" {
	ctr_run sh -c 'echo newname > /proc/sys/kernel/hostname'
	[ "$status" -ne 0 ]
	assert_imatch 'read-only'
}

@test "without readonlyPaths, /proc/sys/kernel/hostname is writable in the uts namespace" {
	cfg '.linux.readonlyPaths = []'
	ctr_run sh -c 'echo newname > /proc/sys/kernel/hostname && hostname'
	assert_status 0
	assert_output newname
	[ "$(hostname)" != newname ]
}

@test "default devices exist with the right major:minor" {
	ctr_run sh -c 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T" /dev/$d; done'
	assert_status 0
	[ "$output" = "/dev/null character special file 1:3
/dev/zero character special file 1:5
/dev/full character special file 1:7
/dev/random character special file 1:8
/dev/urandom character special file 1:9
/dev/tty character special file 5:0" ]
}

@test "default devices work (/dev/null, /dev/zero, /dev/full)" {
	ctr_run sh -c 'echo x > /dev/null && head -c 4 /dev/zero | wc -c && (echo x > /dev/full) 2>&1'
	grep -qx 4 <<<"$output"
	assert_imatch 'no space'
}

@test "/dev/fd, /dev/stdin, /dev/stdout, /dev/stderr links" {
	ctr_run sh -c 'for l in fd stdin stdout stderr; do echo "$l $(readlink /dev/$l)"; done'
	[ "$output" = "fd /proc/self/fd
stdin /proc/self/fd/0
stdout /proc/self/fd/1
stderr /proc/self/fd/2" ]
}

@test "/dev/ptmx is the devpts one" {
	ctr_run sh -c 'readlink /dev/ptmx || stat -c "%t:%T" /dev/ptmx'
	assert_status 0
	[[ $output == pts/ptmx || $output == /dev/pts/ptmx || $output == 5:2 ]]
}

@test "/dev is a tmpfs with no host devices" {
	ctr_run sh -c 'ls /dev/sda /dev/vda /dev/kmsg /dev/mem 2>/dev/null | wc -l'
	assert_output 0
}

@test "linux.devices creates the device with its type, numbers, mode and owner" {
	cfg '.linux.devices = [{"path": "/dev/itest-full", "type": "c", "major": 1, "minor": 7, "fileMode": 438, "uid": 1000, "gid": 1000}]
		| .linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 7, "access": "rwm"}]'
	ctr_run sh -c 'stat -c "%F %t:%T %a %u:%g" /dev/itest-full; (echo x > /dev/itest-full) 2>&1'
	[ "$(sed -n 1p <<<"$output")" = "character special file 1:7 666 1000:1000" ]
	assert_imatch 'no space'
}

@test "sysctl net.ipv4.ip_forward=1 inside, host unchanged" {
	host=$(cat /proc/sys/net/ipv4/ip_forward)
	cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	ctr_run cat /proc/sys/net/ipv4/ip_forward
	assert_status 0
	assert_output 1
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host" ]
}

@test "sysctl in the uts namespace (kernel.domainname)" {
	cfg '.linux.sysctl = {"kernel.domainname": "sysctl.example"}'
	ctr_run cat /proc/sys/kernel/domainname
	assert_output sysctl.example
}

@test "a sysctl outside the container's namespaces is refused" {
	cfg '.linux.sysctl = {"vm.swappiness": "10"}'
	before=$(cat /proc/sys/vm/swappiness)
	ctr_run true
	[ "$status" -ne 0 ]
	[ "$(cat /proc/sys/vm/swappiness)" = "$before" ]
}

@test "rootfsPropagation private: no peer group on /" {
	cfg '.linux.rootfsPropagation = "private"'
	ctr_run cat /proc/self/mountinfo
	line=$(mnt_line /)
	[ -n "$line" ]
	! grep -qE 'shared:|master:' <<<"$line"
}

@test "an invalid rootfsPropagation fails" {
	cfg '.linux.rootfsPropagation = "sideways"'
	ctr_run true
	[ "$status" -ne 0 ]
}

@test "mounts made inside do not appear on the host" {
	cfg '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
	ctr_run sh -c 'mkdir -p /m && mount -t tmpfs x /m && echo mounted'
	assert_output mounted
	! grep -q "$BUNDLE" /proc/self/mountinfo
}

@test "--no-pivot runs in the rootfs" {
	set_args sh -c 'ls /bin/busybox && ls /work 2>/dev/null | wc -l'
	new_id
	run rt run --no-pivot -b "$BUNDLE" "$ID" </dev/null
	assert_status 0
	[ "$output" = "/bin/busybox
0" ]
}

@test "a symlink mount target pointing outside the rootfs does not touch the host" {
	mkdir "$WORK/hostdir"
	ln -s "$WORK/hostdir" "$BUNDLE/rootfs/evil"
	add_mount '{"destination": "/evil", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]}'
	ctr_run sh -c 'touch /evil/x'
	[ ! -e "$WORK/hostdir/x" ]
	! grep -q " $WORK/hostdir " /proc/self/mountinfo
}

@test "a relative ../ symlink mount target stays inside the rootfs" {
	mkdir "$WORK/hostdir"
	ln -s "../../../../../../../../../$WORK/hostdir" "$BUNDLE/rootfs/evil"
	add_mount '{"destination": "/evil/sub", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]}'
	ctr_run sh -c 'touch /evil/sub/x'
	[ ! -e "$WORK/hostdir/sub" ]
	! grep -q " $WORK/hostdir" /proc/self/mountinfo
}

# A bind onto a dangling symlink follows it inside the rootfs, creating the directories and the file
# it names, as crun does; ".." and absolute targets never leave the rootfs (z aims at the host's $WORK).
@test "a file bind onto a dangling symlink (relative, absolute, ../ past the root) lands at its target inside the rootfs" {
	echo filebound >"$WORK/file"
	ln -s ../a/b/c/here "$BUNDLE/rootfs/etc/x"
	ln -s /a/b/here "$BUNDLE/rootfs/etc/y"
	ln -s "$(printf '../%.0s' $(seq 1 24))${WORK#/}/escape" "$BUNDLE/rootfs/etc/z"
	for d in x y z; do
		add_mount "{\"destination\": \"/etc/$d\", \"type\": \"bind\", \"source\": \"$WORK/file\", \"options\": [\"bind\"]}"
	done
	ctr_run sh -c "cat /a/b/c/here /a/b/here $WORK/escape; cat /proc/self/mountinfo"
	assert_status 0
	[ "$(sed -n 1,3p <<<"$output" | xargs)" = "filebound filebound filebound" ]
	[ -n "$(mnt_line /a/b/c/here)" ] && [ -n "$(mnt_line /a/b/here)" ] && [ -n "$(mnt_line "$WORK/escape")" ]
	[ -f "$BUNDLE/rootfs/a/b/c/here" ] && [ -f "$BUNDLE/rootfs/a/b/here" ] && [ -f "$BUNDLE/rootfs$WORK/escape" ]
	[ ! -e "$WORK/escape" ]
}

@test "a mount destination is created when missing" {
	add_mount '{"destination": "/new/deep/dir", "type": "tmpfs", "source": "tmpfs"}'
	ctr_run sh -c 'grep " /new/deep/dir " /proc/self/mountinfo | wc -l'
	assert_output 1
}

@test "a noexec tmpfs refuses to run a program, an exec one runs it" {
	add_mount '{"destination": "/nx", "type": "tmpfs", "source": "tmpfs", "options": ["noexec"]}'
	add_mount '{"destination": "/ex", "type": "tmpfs", "source": "tmpfs", "options": ["exec"]}'
	ctr_run sh -c 'for d in nx ex; do printf "#!/bin/sh\\nexit 0\\n" > /$d/s; chmod 755 /$d/s; /$d/s 2>/dev/null && echo "$d ran" || echo "$d refused"; done'
	assert_status 0
	assert_output "nx refused
ex ran"
}

@test "a nodev tmpfs makes a device node unusable" {
	cfg '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
	add_mount '{"destination": "/nd", "type": "tmpfs", "source": "tmpfs", "options": ["nodev"]}'
	ctr_run sh -c 'mknod /nd/null c 1 3 && (echo x > /nd/null) 2>&1'
	[ "$status" -ne 0 ]
	assert_imatch 'permission denied'
}

# Propagation of a bind mount by effect: a mount made on the host under a shared source after the
# container started shows up inside with rslave, and not with rprivate.
propagation_case() {
	mkdir -p "$WORK/src/sub"
	mount --bind "$WORK/src" "$WORK/src"
	mount --make-shared "$WORK/src"
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$WORK/src\", \"options\": [\"rbind\", \"$1\"]}"
	ctr_detach sleep 100
	pid=$(ctr_pid "$ID")
	mount -t tmpfs itest-prop "$WORK/src/sub"
	echo late >"$WORK/src/sub/f"
	seen=$(cat "/proc/$pid/root/mnt/sub/f" 2>/dev/null || echo unseen)
	umount "$WORK/src/sub"
	rt delete --force "$ID"
	umount "$WORK/src"
}

@test "bind mount propagation rslave: a later host mount appears inside" {
	propagation_case rslave
	[ "$seen" = late ]
}

@test "bind mount propagation rprivate: a later host mount stays outside" {
	propagation_case rprivate
	[ "$seen" = unseen ]
}

# Found by the conformance suite (linux_rootfs_propagation): a non-recursive rootfsPropagation left
# a shared mount at the rootfs path shared, and pivot_root refused it (EINVAL). Container managers
# (overlay at .../merged under a shared /var/lib) hand over exactly such a rootfs.
@test "rootfsPropagation slave, private or shared on a rootfs that is a shared mount: the container runs" {
	mount --bind "$BUNDLE/rootfs" "$BUNDLE/rootfs"
	mount --make-shared "$BUNDLE/rootfs"
	statuses=""
	for p in slave private shared; do
		cfg '.linux.rootfsPropagation = $p' --arg p "$p"
		ctr_run cat /proc/self/mountinfo
		statuses+="$p=$status "
	done
	umount "$BUNDLE/rootfs"
	[ "$statuses" = "slave=0 private=0 shared=0 " ]
}

@test "rootfsPropagation shared and rshared: / is shared inside, the host's mounts are untouched" {
	[ "$RUNTIME_NAME" != runc ] || skip "runc 1.1.5 leaves / private"
	for p in shared rshared; do
		cfg '.linux.rootfsPropagation = $p' --arg p "$p"
		ctr_run sh -c 'awk "\$5 == \"/\" { print \$7 }" /proc/self/mountinfo'
		assert_status 0
		[[ $output == shared:* ]] || { echo "$p: optional fields of /: $output" >&2; false; }
	done
}

# The propagation was applied to the host's / before the rootfs was bind-mounted onto itself, and
# the kernel refuses to bind from an unbindable mount (EINVAL).
@test "rootfsPropagation unbindable and runbindable: the container runs, / is unbindable inside" {
	for p in unbindable runbindable; do
		cfg '.linux.rootfsPropagation = $p' --arg p "$p"
		ctr_run cat /proc/self/mountinfo
		echo "$p: $output"
		assert_status 0
		[[ $(mnt_line /) == *unbindable* ]]
	done
	# recursive: the mounts below / too
	[[ $(mnt_line /proc) == *unbindable* ]]
}

# The ro of a /dev tmpfs waits until the mounts under it (/dev/pts, /dev/shm, /dev/mqueue), the
# devices and the links are made, as runc's finalizeRootfs does; it failed at mkdir /dev/pts.
@test "a read-only /dev tmpfs: the container runs, /dev/pts works, /dev is read-only" {
	cfg '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]'
	ctr_run sh -c 'exec 3<>/dev/ptmx && ls /dev/pts; echo x > /dev/null && echo null-ok;
		touch /dev/new 2>&1; awk "\$5 == \"/dev\" { print \$6 }" /proc/self/mountinfo'
	echo "$output"
	assert_status 0
	# a pty opened: its node 0 shows up next to ptmx
	[ "$(sed -n 1,2p <<<"$output" | xargs)" = "0 ptmx" ]
	grep -qx null-ok <<<"$output"
	assert_imatch "touch: /dev/new: read-only file system"
	[[ $(tail -1 <<<"$output") == ro,* ]]
}

# no_mntns: a config without a mount namespace (runtime-spec: inherited from the runtime), with
# nothing that would have to be mounted.
no_mntns() {
	cfg '.linux.namespaces |= map(select(.type != "mount")) | .mounts = []
		| del(.linux.maskedPaths) | del(.linux.readonlyPaths)'
}

# The mounts the host has on /, /proc, /sys and /dev, and any under this test's directory.
host_mounts() {
	awk -v w="$WORK" '$5 == "/" || $5 ~ /^\/(proc|sys|dev)(\/|$)/ || index($5, w) == 1 { print $5, $6, $7 }' /proc/self/mountinfo
}

# It was refused (a mount namespace is required). runc 1.1.5 bind-mounts the rootfs onto itself on
# the host, leaves it there, and fails to find /proc/self/fd in the rootfs.
@test "no mount namespace: run, create+start and exec stay chrooted in the rootfs, the host's mounts unchanged" {
	[ "$RUNTIME_NAME" != runc ] || skip "runc 1.1.5 leaves the rootfs mounted on the host and fails"
	before=$(host_mounts)
	no_mntns
	probe='ls /bin/busybox; ls /work 2>/dev/null | wc -l; ls /proc | wc -l'
	ctr_run sh -c "$probe"
	assert_status 0
	assert_output "/bin/busybox
0
0"
	ctr_create sh -c "$probe"
	rt start "$ID"
	wait_status "$ID" stopped
	[ "$(cat "$WORK/$ID.out")" = "$output" ]
	ctr_detach sleep 100
	exec_in "$ID" sh -c "$probe"
	assert_status 0
	assert_output "/bin/busybox
0
0"
	rt delete --force "$ID"
	[ "$(host_mounts)" = "$before" ]
}

# runc refuses masked and readonly paths the same way; it mounts the mounts on the host.
@test "no mount namespace: mounts, maskedPaths, readonlyPaths and a read-only root are refused in one line" {
	cfg '.linux.namespaces |= map(select(.type != "mount"))'
	before=$(host_mounts)
	if [ "$RUNTIME_NAME" != runc ]; then
		ctr_run true
		assert_status 1
		assert_berth_error_line
		assert_imatch 'linux\.namespaces: .*mounts\[0\] \(/proc\)'
	fi
	cfg '.mounts = []'
	ctr_run true
	[ "$status" -ne 0 ]
	assert_berth_error_line
	assert_imatch 'linux\.maskedPaths|restrict sys entries'
	cfg 'del(.linux.maskedPaths)'
	ctr_run true
	[ "$status" -ne 0 ]
	assert_berth_error_line
	assert_imatch 'linux\.readonlyPaths|restrict sys entries'
	if [ "$RUNTIME_NAME" != runc ]; then
		cfg 'del(.linux.readonlyPaths) | .root.readonly = true'
		ctr_run true
		assert_status 1
		assert_berth_error_line
		assert_imatch 'root\.readonly: needs a mount namespace'
	fi
	[ "$(host_mounts)" = "$before" ]
}
