#!/usr/bin/env bats
# bats file_tags=escapes
# The catalogue of container escapes: each test really attempts one and proves by its effect that
# the host is untouched (a canary outside the rootfs keeps its entries and content and has no mount
# on it, a host value is unchanged, a write fails). Where another file already proves a case, the
# comment above the matching test here names it, and this file adds the missing variants.
#
# Attacks:
#   fds      fds leaked to run, create+start and exec; --preserve-fds and LISTEN_FDS;
#            a cwd through /proc/self/fd/N (CVE-2024-21626), for run and exec
#   paths    symlinked mount targets (absolute, ../), ".." in destinations, a directory swapped for
#            a symlink during setup (CVE-2024-45310), /dev/null a symlink under maskedPaths
#            (CVE-2025-31133), a masked path that is a symlink, /dev/console a symlink
#            (CVE-2025-52565), /dev/pts/ptmx and /dev/ptmx symlinks
#   procfs   unmasking masked paths, readonly paths, host /proc/sys, read-only /sys, a fresh proc
#            from a user namespace of the container under --no-pivot,
#            mounts inside /proc (runc's checkProcMount)
#   privs    capabilities in all five sets, no_new_privs against a setuid binary, setgroups in a
#            user namespace, host files owned by unmapped ids
#
# RUNTIME=runc (Debian's 1.1.5+ds1-1+deb12u1, which carries the CVE-2024-21626 fix) fails two: the
# /dev/console one (CVE-2025-52565) and the /proc mounts one (it lets a tmpfs onto /proc/self/fdinfo);
# the comments above those tests say why.

load helpers

# --- canaries ---------------------------------------------------------------------------------

# canary: a host directory outside the rootfs with one file, which no container may touch.
canary() {
	mkdir -p "$WORK/canary"
	echo canary >"$WORK/canary/c"
}

canary_intact() {
	local entries
	entries=$(ls -A "$WORK/canary")
	if [ "$entries" != c ]; then
		echo "canary directory now holds: $entries" >&2
		return 1
	fi
	if [ "$(cat "$WORK/canary/c")" != canary ]; then
		echo "canary file changed: $(cat "$WORK/canary/c")" >&2
		return 1
	fi
	if awk -v c="$WORK/canary" 'index($5, c) == 1' /proc/self/mountinfo | grep -q .; then
		echo "a mount on the canary: $(grep -F "$WORK/canary" /proc/self/mountinfo)" >&2
		return 1
	fi
}

# deep_up: enough "../" to climb out of any rootfs, for relative symlinks aimed at the host.
deep_up() {
	printf '../%.0s' $(seq 1 24)
}

add_mount() {
	cfg '.mounts += [$m]' --argjson m "$1"
}

# --- fds --------------------------------------------------------------------------------------

# with_fds CMD...: runs CMD as a careless caller would, holding inheritable fds: 7 a host
# directory with a marker file in it, 8 the host's /, 9 a socket, 10 a host file.
WITH_FDS_PY='
import os, socket, sys
d = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
r = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
f = os.open("/etc/passwd", os.O_RDONLY)
for src, dst in ((d, 7), (r, 8), (s.fileno(), 9), (f, 10)):
    os.dup2(src, dst)
os.execvp(sys.argv[2], sys.argv[2:])
'
with_fds() {
	mkdir -p "$WORK/hostdir"
	: >"$WORK/hostdir/host-marker"
	BERTH_ITEST_MARK=$MARK python3 -c "$WITH_FDS_PY" "$WORK/hostdir" "$@"
}

# fds_with_target: the fd numbers of an `ls -l /proc/self/fd` listing that have a target (ls's
# own directory fd is closed by the time it reads the link, so it has none).
fds_with_target() {
	awk '$10 == "->" { print $9 }' <<<"$1" | xargs
}

# no_host_fd LISTING: none of the caller's fds shows up.
no_host_fd() {
	if grep -e "$WORK/hostdir" -e 'socket:' -e '/etc/passwd' -e '-> /$' <<<"$1"; then
		echo "a caller's fd reached the process" >&2
		return 1
	fi
}

# process.bats "fds: only 0, 1 and 2 reach the process" covers two plain files; this adds a host
# directory, the host's / and a socket, and reads every link.
@test "fd leak: run passes only 0-2, not the caller's host-dir, host-/, socket and file fds" {
	set_args ls -l /proc/self/fd
	new_id
	run with_fds "$RUNTIME" --root "$STATE_ROOT" run -b "$BUNDLE" "$ID" </dev/null 3>&-
	echo "$output"
	assert_status 0
	[ "$(fds_with_target "$output")" = "0 1 2" ]
	no_host_fd "$output"
}

# process.bats "fds: a created-then-started process holds only 0, 1, 2 ..." has no caller fds.
@test "fd leak: create+start passes only 0-2, not the fds of the create or start callers" {
	set_args ls -l /proc/self/fd
	new_id
	with_fds "$RUNTIME" --root "$STATE_ROOT" create -b "$BUNDLE" "$ID" </dev/null >"$WORK/out" 2>&1 3>&-
	with_fds "$RUNTIME" --root "$STATE_ROOT" start "$ID" </dev/null 3>&-
	wait_status "$ID" stopped
	out=$(cat "$WORK/out")
	echo "$out"
	[ "$(fds_with_target "$out")" = "0 1 2" ]
	no_host_fd "$out"
}

# process.bats "fds: an exec'd process holds only 0, 1, 2 ..." has no caller fds.
@test "fd leak: exec passes only 0-2, not the caller's host-dir, host-/, socket and file fds" {
	ctr_detach sleep 100
	run with_fds "$RUNTIME" --root "$STATE_ROOT" exec --env "BERTH_ITEST_MARK=$MARK" "$ID" \
		ls -l /proc/self/fd </dev/null 3>&-
	echo "$output"
	assert_status 0
	[ "$(fds_with_target "$output")" = "0 1 2" ]
	no_host_fd "$output"
}

# process.bats proves "--preserve-fds passes the extra fds" and "LISTEN_FDS=2 ..." for run; these
# are exec and create+start, with the caller's other fds above the preserved ones.
@test "fd leak: --preserve-fds 1 (exec, create+start) and LISTEN_FDS pass fd 3 and nothing above it" {
	echo fd3-data >"$WORK/f3"
	ctr_detach sleep 100
	run with_fds "$RUNTIME" --root "$STATE_ROOT" exec --preserve-fds 1 --env "BERTH_ITEST_MARK=$MARK" \
		"$ID" sh -c 'cat <&3; ls -l /proc/self/fd' </dev/null 3<"$WORK/f3"
	echo "$output"
	assert_status 0
	grep -qx fd3-data <<<"$output"
	[ "$(fds_with_target "$output")" = "0 1 2 3" ]
	no_host_fd "$output"

	set_args sh -c 'cat <&3; ls -l /proc/self/fd'
	new_id
	with_fds "$RUNTIME" --root "$STATE_ROOT" create --preserve-fds 1 -b "$BUNDLE" "$ID" \
		</dev/null >"$WORK/out" 2>&1 3<"$WORK/f3"
	rt start "$ID" 3>&-
	wait_status "$ID" stopped
	out=$(cat "$WORK/out")
	echo "$out"
	grep -qx fd3-data <<<"$out"
	[ "$(fds_with_target "$out")" = "0 1 2 3" ]
	no_host_fd "$out"

	set_args sh -c 'echo "LISTEN_FDS=$LISTEN_FDS"; ls -l /proc/self/fd'
	new_id
	run with_fds bash -c "export LISTEN_FDS=1 LISTEN_PID=\$\$; exec '$RUNTIME' --root '$STATE_ROOT' run -b '$BUNDLE' '$ID'" \
		</dev/null 3<"$WORK/f3"
	echo "$output"
	assert_status 0
	grep -qx LISTEN_FDS=1 <<<"$output"
	[ "$(fds_with_target "$output")" = "0 1 2 3" ]
	no_host_fd "$output"
}

# Run in the container with the cwd under test: walks up from the cwd until it meets the root
# (inside) or gives up (a directory tree that never reaches the container's root), then shows
# what ".." and /proc/self/cwd hold.
CWD_PROBE='r=$(stat -c %d:%i /); d=.; w=outside
for i in $(seq 64); do c=$(stat -c %d:%i "$d" 2>/dev/null) || break; [ "$c" = "$r" ] && { w=inside; break; }; d=$d/..; done
echo "cwd $w"; echo "self-cwd $(readlink /proc/self/cwd)"; ls -a .. /proc/self/cwd/ 2>&1'

# cwd_verdict N: the attempt failed, or it landed inside the container.
cwd_verdict() {
	echo "fd $1: status $status: $output"
	if [ "$status" -eq 0 ] && ! grep -qx 'cwd inside' <<<"$output"; then
		echo "fd $1: the process runs in a directory outside the container" >&2
		return 1
	fi
	if grep -q host-marker <<<"$output"; then
		echo "fd $1: the host directory is visible" >&2
		return 1
	fi
}

# Upstream runc 1.1.5 is vulnerable (fixed in 1.1.12); Debian's build carries the fix and passes.
@test "CVE-2024-21626: process.cwd /proc/self/fd/N (N=3..20) never lands in a host directory (run)" {
	set_args sh -c "$CWD_PROBE"
	for n in $(seq 3 20); do
		cfg '.process.cwd = $c' --arg c "/proc/self/fd/$n"
		new_id
		run with_fds "$RUNTIME" --root "$STATE_ROOT" run -b "$BUNDLE" "$ID" </dev/null 3>&-
		cwd_verdict "$n"
	done
	# a missing cwd below a leaked fd is not created on the host either
	for c in "/proc/self/fd/7/made-by-ctr" "/proc/self/fd/8$WORK/hostdir/made-by-ctr2"; do
		cfg '.process.cwd = $c' --arg c "$c"
		new_id
		run with_fds "$RUNTIME" --root "$STATE_ROOT" run -b "$BUNDLE" "$ID" </dev/null 3>&-
		cwd_verdict "$c"
	done
	[ "$(ls -A "$WORK/hostdir")" = host-marker ]
}

# The same through exec --cwd (upstream runc 1.1.5 is vulnerable; Debian's build passes).
@test "CVE-2024-21626: exec --cwd /proc/self/fd/N (N=3..20) never lands in a host directory" {
	ctr_detach sleep 100
	for n in $(seq 3 20); do
		run with_fds "$RUNTIME" --root "$STATE_ROOT" exec --cwd "/proc/self/fd/$n" \
			--env "BERTH_ITEST_MARK=$MARK" "$ID" sh -c "$CWD_PROBE" </dev/null 3>&-
		cwd_verdict "$n"
	done
	[ "$(ls -A "$WORK/hostdir")" = host-marker ]
	[ "$(ctr_status "$ID")" = running ]
}

# --- paths in the rootfs ----------------------------------------------------------------------

# rootfs.bats proves a tmpfs onto an absolute symlink to a host directory ("a symlink mount target
# pointing outside the rootfs ...") and below a ../ symlink ("a relative ../ symlink mount target
# ..."); these are bind mounts, of a file and of a directory, onto such links.
@test "symlinked mount target: binds onto /mnt/x -> host file (absolute) and -> ../../host dir leave the host alone" {
	canary
	mkdir -p "$WORK/src" "$BUNDLE/rootfs/mnt"
	echo src >"$WORK/src/f"
	ln -s "$WORK/canary/c" "$BUNDLE/rootfs/mnt/xf"
	ln -s "$(deep_up)${WORK#/}/canary" "$BUNDLE/rootfs/mnt/xd"
	add_mount "{\"destination\": \"/mnt/xf\", \"type\": \"bind\", \"source\": \"$WORK/src/f\", \"options\": [\"bind\"]}"
	add_mount "{\"destination\": \"/mnt/xd\", \"type\": \"bind\", \"source\": \"$WORK/src\", \"options\": [\"bind\"]}"
	ctr_run sh -c 'echo pwned > /mnt/xf; touch /mnt/xd/new; cat /mnt/xd/c'
	echo "$output"
	canary_intact
	! grep -qx canary <<<"$output"
}

@test "'..' in mount destinations (/../../host, /mnt/../../host) stays in the rootfs" {
	canary
	mkdir -p "$WORK/src"
	echo src >"$WORK/src/f"
	up=$(deep_up)
	add_mount "{\"destination\": \"/$up${WORK#/}/canary/sub\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"}"
	add_mount "{\"destination\": \"/mnt/$up${WORK#/}/canary/c\", \"type\": \"bind\", \"source\": \"$WORK/src/f\", \"options\": [\"bind\"]}"
	ctr_run sh -c "touch $WORK/canary/sub/x; echo pwned > $WORK/canary/c; ls $WORK/canary"
	echo "$output"
	canary_intact
}

@test "absolute symlink in the middle of a destination (/link/a/b, link -> host dir) creates nothing outside" {
	canary
	ln -s "$WORK/canary" "$BUNDLE/rootfs/link"
	ln -s "/$(deep_up)${WORK#/}/canary" "$BUNDLE/rootfs/link2"
	add_mount '{"destination": "/link/a/b", "type": "tmpfs", "source": "tmpfs"}'
	add_mount '{"destination": "/link2/d/e", "type": "tmpfs", "source": "tmpfs"}'
	ctr_run sh -c 'touch /link/a/b/x /link2/d/e/y'
	echo "$output"
	canary_intact
}

# A racer flips rootfs/race between a directory and a symlink to the canary (absolute, then ../)
# while containers set up mounts below it: whatever it wins, nothing may appear outside the rootfs.
@test "CVE-2024-45310: a directory swapped for a symlink during mount setup creates nothing outside the rootfs" {
	canary
	mkdir -p "$WORK/src"
	echo src >"$WORK/src/f"
	rel="$(deep_up)${WORK#/}/canary"
	(
		set +e
		for ((i = 0; i < 20000; i++)); do
			[ -e "$WORK/stop" ] && break
			rm -rf "$BUNDLE/rootfs/race"
			mkdir "$BUNDLE/rootfs/race" 2>/dev/null
			rm -rf "$BUNDLE/rootfs/race"
			if ((i % 2)); then
				ln -s "$WORK/canary" "$BUNDLE/rootfs/race" 2>/dev/null
			else
				ln -s "$rel" "$BUNDLE/rootfs/race" 2>/dev/null
			fi
		done
		exit 0
	) 3>&- &
	racer=$!
	add_mount '{"destination": "/race/a/b", "type": "tmpfs", "source": "tmpfs"}'
	add_mount "{\"destination\": \"/race/f\", \"type\": \"bind\", \"source\": \"$WORK/src/f\", \"options\": [\"bind\"]}"
	set_args true
	for i in $(seq 1 15); do
		new_id
		rt run -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 3>&- || true
	done
	touch "$WORK/stop"
	wait "$racer"
	canary_intact
}

# no_dev_mount: the rootfs's own /dev is used as it is (no tmpfs from the runtime), so what the
# image planted there is what setup meets. It holds a real /dev/null, as an image would, since
# maskedPaths need one.
no_dev_mount() {
	cfg 'del(.mounts[] | select(.destination == "/dev"))'
	mkdir -p "$BUNDLE/rootfs/dev"
	mknod -m 666 "$BUNDLE/rootfs/dev/null" c 1 3
}

# The bind of /dev/null over a masked path followed the container's /dev/null: a symlink to a
# file the container must not write (here a host file bound in, itself masked later) ends up
# bound writable over the masked path (fixed in runc 1.2.8). runc 1.1.5 passes here only because
# it fails earlier on this rootfs (it stats /dev/null while setting up the user).
@test "CVE-2025-31133: /dev/null a symlink in the rootfs: maskedPaths never bind its target" {
	canary
	no_dev_mount
	rm "$BUNDLE/rootfs/dev/null"
	ln -s /secret/c "$BUNDLE/rootfs/dev/null"
	add_mount "{\"destination\": \"/secret\", \"type\": \"bind\", \"source\": \"$WORK/canary\", \"options\": [\"rbind\"]}"
	cfg '.linux.maskedPaths = ["/proc/timer_list", "/secret"]'
	ctr_run sh -c 'head -c 100 /proc/timer_list; echo pwned > /proc/timer_list; cat /secret/c'
	echo "status $status"
	echo "$output"
	canary_intact
	! grep -q canary <<<"$output"
}

@test "masked path that is a symlink to a host file (absolute and ../) leaves the host file alone" {
	canary
	ln -s "$WORK/canary/c" "$BUNDLE/rootfs/etc/mlink-abs"
	ln -s "$(deep_up)${WORK#/}/canary/c" "$BUNDLE/rootfs/etc/mlink-rel"
	cfg '.linux.maskedPaths += ["/etc/mlink-abs", "/etc/mlink-rel"]'
	ctr_run sh -c 'echo pwned > /etc/mlink-abs; echo pwned > /etc/mlink-rel; cat /etc/mlink-abs /etc/mlink-rel'
	echo "$output"
	canary_intact
	! grep -q canary <<<"$output"
}

# console_run CMD...: create with terminal true and a console socket, start, and collect what the
# pty printed in $out; $cst is create's exit status.
console_run() {
	cfg '.process.terminal = true'
	set_args "$@"
	new_id
	rm -f "$WORK/cs" "$WORK/cs.ready"
	python3 "$ITEST_DIR/console-recv.py" "$WORK/cs" >"$WORK/console.out" 2>&1 3>&- &
	local recv=$!
	retry 300 test -e "$WORK/cs.ready"
	cst=0
	rt create --console-socket "$WORK/cs" -b "$BUNDLE" "$ID" </dev/null >"$WORK/create.out" 2>&1 3>&- || cst=$?
	if [ "$cst" -eq 0 ]; then
		rt start "$ID"
		wait_status "$ID" stopped
		retry 300 sh -c "! kill -0 $recv 2>/dev/null"
	else
		kill "$recv" 2>/dev/null || true
	fi
	wait "$recv" || true
	out=$(tr -d '\r' <"$WORK/console.out")
	echo "create: $cst $(cat "$WORK/create.out")"
	echo "$out"
}

# The pty was bound onto whatever /dev/console named: a /proc file gets covered (past masking and
# readonly paths), and a host path would be reached if the link were followed on the host side.
# runc 1.1.5 fails: it binds the pty over core_pattern (fixed in 1.2.8).
@test "CVE-2025-52565: /dev/console a symlink (to a /proc file, to a host file) with terminal true" {
	canary
	no_dev_mount
	ln -s /proc/sys/kernel/core_pattern "$BUNDLE/rootfs/dev/console"
	console_run sh -c 'grep -c " /proc/sys/kernel/core_pattern " /proc/self/mountinfo; stat -c "cp %F" /proc/sys/kernel/core_pattern'
	if [ "$cst" -eq 0 ]; then
		grep -qx 0 <<<"$out"
		grep -qx 'cp regular file' <<<"$out"
	fi

	rm "$BUNDLE/rootfs/dev/console"
	ln -s "$WORK/canary/c" "$BUNDLE/rootfs/dev/console"
	console_run sh -c 'tty; echo pwned > /dev/console'
	canary_intact
	rm "$BUNDLE/rootfs/dev/console"
	ln -s "$(deep_up)${WORK#/}/canary/c" "$BUNDLE/rootfs/dev/console"
	console_run sh -c 'tty; echo pwned > /dev/console'
	canary_intact
}

@test "/dev/pts/ptmx and /dev/ptmx symlinks to a host file: the pty comes from the container's devpts" {
	canary
	no_dev_mount
	mkdir -p "$BUNDLE/rootfs/dev/pts"
	ln -s "$WORK/canary/c" "$BUNDLE/rootfs/dev/pts/ptmx"
	ln -s "$WORK/canary/c" "$BUNDLE/rootfs/dev/ptmx"
	# a plain /dev/console of the image gets the pty (major 136 = 0x88)
	: >"$BUNDLE/rootfs/dev/console"
	console_run sh -c 'tty; stat -c "ptmx %t:%T" /dev/pts/ptmx; stat -c "console %t" /dev/console; echo pwned > /dev/pts/ptmx'
	[ "$cst" -eq 0 ]
	grep -qE '^/dev/pts/[0-9]+$' <<<"$out"
	grep -qx 'ptmx 5:2' <<<"$out"
	grep -qx 'console 88' <<<"$out"
	canary_intact
}

# --- /proc and /sys ---------------------------------------------------------------------------

# FRESH_PROC: a user, mount and pid namespace of the container process's own (container root maps
# itself with CAP_SETFCAP, as Docker's defaults give), then a fresh proc mount, which has no masked
# or read-only paths: the kernel allows it only while a fully visible proc is in the mount
# namespace. Nothing is ever written to the files it opens.
FRESH_PROC='mkdir -p /tmp/p; unshare -mrpf sh -c "echo uid \$(id -u); mount -t proc proc /tmp/p && echo mounted &&
	{ (exec 3>>/tmp/p/sys/kernel/core_pattern) && echo core_pattern-writable; (exec 3>>/tmp/p/sysrq-trigger) && echo sysrq-writable; }" 2>&1; true'

# --no-pivot left the host's /proc (unmasked) in the container's mount namespace: out of reach by
# path, but enough for the kernel to allow that fresh proc, with the host's /proc/sys writable.
# bats test_tags=vm
@test "--no-pivot: a fresh proc cannot be mounted from a user namespace in the container, host mounts intact" {
	before=$(awk '$5 ~ /^\/(proc|sys)(\/|$)/ { print $5, $9 }' /proc/self/mountinfo)
	cfg '.process.capabilities |= with_entries(.value += ["CAP_SETFCAP"])'
	set_args sh -c "$FRESH_PROC"
	for pivot in --no-pivot ""; do
		new_id
		run rt run $pivot -b "$BUNDLE" "$ID" </dev/null
		echo "${pivot:-pivot_root}: $output"
		assert_status 0
		grep -qx 'uid 0' <<<"$output"
		if grep -q -e mounted -e writable <<<"$output"; then
			echo "a fresh proc was mounted" >&2
			return 1
		fi
		assert_imatch 'mount: permission denied'
	done
	[ "$(awk '$5 ~ /^\/(proc|sys)(\/|$)/ { print $5, $9 }' /proc/self/mountinfo)" = "$before" ]
}

# In a user namespace the host's mounts are locked and cannot be detached: they are covered.
# bats test_tags=vm
@test "--no-pivot with a user namespace: a fresh proc cannot be mounted either" {
	userns_escape_cfg
	cfg '.process.capabilities |= with_entries(.value += ["CAP_SETFCAP"])'
	set_args sh -c "$FRESH_PROC"
	new_id
	run rt run --no-pivot -b "$BUNDLE" "$ID" </dev/null
	echo "$output"
	assert_status 0
	grep -qx 'uid 0' <<<"$output"
	if grep -q -e mounted -e writable <<<"$output"; then
		echo "a fresh proc was mounted" >&2
		return 1
	fi
	assert_imatch 'mount: permission denied'
}

# rootfs.bats proves masking itself ("masked path /proc/kcore ... reads empty", "masked directory
# /sys/firmware is empty"); these try to take the mask off.
# bats test_tags=vm
@test "masked paths cannot be unmasked without CAP_SYS_ADMIN (umount /proc/timer_list, /sys/firmware)" {
	[ -s /proc/timer_list ] || [ "$(head -c 1 /proc/timer_list | wc -c)" -eq 1 ]
	ctr_run sh -c 'umount /proc/timer_list 2>/dev/null && echo unmounted; umount -l /sys/firmware 2>/dev/null && echo unmounted;
		wc -c < /proc/timer_list; ls -A /sys/firmware | wc -l'
	echo "$output"
	assert_status 0
	assert_output "0
0"
}

# bats test_tags=vm
@test "masked paths unmasked with CAP_SYS_ADMIN: only in the container's mount namespace, the host intact" {
	# the host's mounts under /proc (other tests may mount elsewhere meanwhile)
	before=$(awk '$5 ~ /^\/proc/' /proc/self/mountinfo)
	cfg '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
	ctr_run sh -c 'umount /proc/timer_list && echo unmounted; [ "$(head -c 1 /proc/timer_list | wc -c)" = 1 ] && echo readable'
	echo "$output"
	assert_output "unmounted
readable"
	[ "$(awk '$5 ~ /^\/proc/' /proc/self/mountinfo)" = "$before" ]
	[ "$(head -c 1 /proc/timer_list | wc -c)" -eq 1 ]
}

# rootfs.bats "readonly path: writing /proc/sys fails" writes hostname; this tries to lift the
# read-only flag first, and writes the other readonly paths' files.
# bats test_tags=vm
@test "readonly paths stay read-only: remount rw of /proc/sys fails, then writing kernel/domainname fails" {
	ctr_run sh -c 'mount -o remount,rw /proc/sys 2>/dev/null && echo remounted; mount -o remount,rw,bind /proc/sys 2>/dev/null && echo remounted;
		echo evil > /proc/sys/kernel/domainname 2>/dev/null && echo written; cat /proc/sys/kernel/domainname;
		grep -E " /proc/(sys|sysrq-trigger|irq|bus|fs) " /proc/self/mountinfo | cut -d" " -f5,6'
	echo "$output"
	assert_status 0
	! grep -qx -e remounted -e written -e evil <<<"$output"
	# every readonly path the host has is mounted ro
	[ -z "$(awk 'NF == 2 && $2 !~ /^ro/' <<<"$output")" ]
	grep -q '^/proc/sys ro' <<<"$output"
	[ "$(cat /proc/sys/kernel/domainname)" != evil ]
}

@test "host /proc/sys/vm cannot be written from a default container (swappiness unchanged)" {
	host=$(cat /proc/sys/vm/swappiness)
	want=$((host == 60 ? 61 : 60))
	ctr_run sh -c "echo $want > /proc/sys/vm/swappiness && echo written; cat /proc/sys/vm/swappiness"
	now=$(cat /proc/sys/vm/swappiness)
	# never leave the host changed, even when the test fails
	[ "$now" = "$host" ] || echo "$host" >/proc/sys/vm/swappiness
	echo "$output"
	[ "$now" = "$host" ]
	! grep -qx written <<<"$output"
}

# rootfs.bats "sysfs is mounted at /sys, read-only as configured" reads the flag; this writes.
# bats test_tags=vm
@test "/sys is read-only: a write to a sysfs attribute, touch and remount rw all fail" {
	attr=""
	for f in /sys/kernel/mm/ksm/run /sys/kernel/profiling /sys/module/printk/parameters/time; do
		[ -w "$f" ] && attr=$f && break
	done
	[ -n "$attr" ] || skip "no writable sysfs attribute on this host"
	host=$(cat "$attr")
	# the same value: harmless should the write go through; only the error is under test
	ctr_run sh -c "echo $host > $attr 2>&1 || echo refused; touch /sys/x 2>/dev/null || echo refused;
		mount -o remount,rw /sys 2>/dev/null && echo remounted; touch /sys/x 2>/dev/null || echo refused"
	echo "$output"
	[ "$(grep -cx refused <<<"$output")" -eq 3 ]
	assert_imatch 'read-only'
	! grep -qx remounted <<<"$output"
	[ "$(cat "$attr")" = "$host" ]
	[ ! -e /sys/x ]
}

# checkproc_refused MOUNT-JSON: a run whose config adds that mount must fail (and leave no mount).
checkproc_refused() {
	cfg '.mounts += [$m]' --argjson m "$1"
	ctr_run sh -c 'cat /proc/self/mountinfo'
	echo "$output"
	[ "$status" -ne 0 ]
	cfg 'del(.mounts[-1])'
}

# runc's libcontainer/rootfs_linux.go checkProcMount: nothing inside /proc but a few files lxcfs
# emulates, and on /proc itself only a procfs, judged after symlinks are resolved. runc 1.1.5
# fails the first case: its older check lets a tmpfs onto /proc/self/fdinfo (/proc/1/fdinfo).
# bats test_tags=vm
@test "mounts inside /proc are refused (/proc/self/..., /proc/sys, a symlink into /proc, non-proc /proc); /proc/meminfo is allowed" {
	mkdir -p "$WORK/src"
	echo fake-meminfo >"$WORK/src/meminfo"
	checkproc_refused '{"destination": "/proc/self/fdinfo", "type": "tmpfs", "source": "tmpfs"}'
	checkproc_refused '{"destination": "/proc/sys", "type": "tmpfs", "source": "tmpfs"}'
	checkproc_refused "{\"destination\": \"/proc/timer_list\", \"type\": \"bind\", \"source\": \"$WORK/src/meminfo\", \"options\": [\"bind\"]}"
	ln -s /proc "$BUNDLE/rootfs/evilproc"
	checkproc_refused "{\"destination\": \"/evilproc/sys/kernel\", \"type\": \"bind\", \"source\": \"$WORK/src\", \"options\": [\"rbind\"]}"
	checkproc_refused '{"destination": "/proc", "type": "tmpfs", "source": "tmpfs"}'
	add_mount "{\"destination\": \"/proc/meminfo\", \"type\": \"bind\", \"source\": \"$WORK/src/meminfo\", \"options\": [\"bind\"]}"
	ctr_run cat /proc/meminfo
	assert_status 0
	assert_output fake-meminfo
}

# CVE-2019-19921: a rootfs whose /proc (or /sys) is a symlink got the kernel's procfs (or sysfs)
# mounted wherever the link led, where maskedPaths and readonlyPaths no longer cover it. Refused as
# runc does, naming the destination, before anything is created or mounted; a proc mount below a
# symlinked directory (/hp/proc, hp -> the canary) is refused the same way. runc 1.1.5 refuses the
# first two but fails the third: it checks the last component only and creates proc in the canary.
# bats test_tags=vm
@test "CVE-2019-19921: /proc or /sys a symlink in the rootfs, or a proc mount below one, is refused and leaves nothing" {
	canary
	for d in proc sys; do
		rm -rf "${BUNDLE:?}/rootfs/$d"
		ln -s /host-thing "$BUNDLE/rootfs/$d"
		ctr_run true
		echo "/$d: $output"
		[ "$status" -ne 0 ]
		assert_berth_error_line
		assert_imatch "/$d"
		[ ! -e "$BUNDLE/rootfs/host-thing" ]
		rm "$BUNDLE/rootfs/$d"
		mkdir "$BUNDLE/rootfs/$d"
	done
	ln -s "$(deep_up)${WORK#/}/canary" "$BUNDLE/rootfs/hp"
	add_mount '{"destination": "/hp/proc", "type": "proc", "source": "proc"}'
	ctr_run true
	echo "/hp/proc: $output"
	[ "$status" -ne 0 ]
	assert_berth_error_line
	assert_imatch '/hp/proc'
	[ ! -e "$BUNDLE/rootfs${WORK}" ]
	canary_intact
}

# --- privileges -------------------------------------------------------------------------------

# capmask CAP_NUMBERS...: the /proc/PID/status hex mask for those capability numbers.
capmask() {
	local m=0 c
	for c in "$@"; do m=$((m | (1 << c))); done
	printf '%016x' "$m"
}

# cap_sets: "Inh Prm Eff Bnd Amb" masks from a /proc/self/status listing.
cap_sets() {
	awk '/^Cap(Inh|Prm|Eff|Bnd|Amb):/ { printf "%s ", $2 }' <<<"$1" | xargs
}

# process.bats checks CapEff, CapBnd and CapPrm for root, and CapAmb for uid 1000; this checks all
# five sets at once, for the init process and for an exec'd one.
# bats test_tags=vm
@test "capabilities: all five sets (Inh, Prm, Eff, Bnd, Amb) hold only the kept ones, for run and exec" {
	# CAP_CHOWN 0, CAP_KILL 5, CAP_NET_BIND_SERVICE 10
	cfg '.process.capabilities = {"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"effective": ["CAP_CHOWN", "CAP_KILL"], "permitted": ["CAP_CHOWN", "CAP_KILL"],
		"inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}'
	want="$(capmask 5) $(capmask 0 5) $(capmask 0 5) $(capmask 0 5 10) $(capmask 5)"
	ctr_run cat /proc/self/status
	assert_status 0
	[ "$(cap_sets "$output")" = "$want" ]

	ctr_detach sleep 100
	exec_in "$ID" cat /proc/self/status
	assert_status 0
	[ "$(cap_sets "$output")" = "$want" ]
	# in the exec'd process the kept ones work and the dropped ones (CAP_MKNOD, CAP_SYS_ADMIN) do not
	exec_in "$ID" sh -c 'chown 1000 /etc/passwd && echo chowned; kill -0 1 && echo killed'
	assert_status 0
	assert_output "chowned
killed"
	exec_in "$ID" sh -c 'mknod /tmp/n c 1 3 2>/dev/null && echo mknod; hostname evil 2>/dev/null && echo sethostname; echo done'
	assert_output done
}

# setuid_helper: the static escape-setuid.c helper, built once per run, installed setuid root in
# the rootfs as /opt/suid/escape-setuid. The bundle may sit on a nosuid file system (the VM's /tmp),
# so /opt/suid is a suid tmpfs filled from the rootfs (tmpcopyup keeps the mode).
setuid_helper() {
	static_probe escape-setuid
	mkdir -p "$BUNDLE/rootfs/opt/suid"
	cp "$PROBE" "$BUNDLE/rootfs/opt/suid/escape-setuid"
	chown 0:0 "$BUNDLE/rootfs/opt/suid/escape-setuid"
	chmod 4755 "$BUNDLE/rootfs/opt/suid/escape-setuid"
	add_mount '{"destination": "/opt/suid", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "suid", "exec", "mode=755"]}'
}

# process.bats reads NoNewPrivs; this runs a setuid-root binary as uid 1000 under it.
@test "no_new_privs: a setuid-root binary in the rootfs does not raise uid 1000 (euid stays 1000)" {
	setuid_helper
	cfg '.process.user = {"uid": 1000, "gid": 1000} | .process.noNewPrivileges = false'
	ctr_run /opt/suid/escape-setuid
	echo "without no_new_privs: $output"
	[[ $output == "ruid=1000 euid=0 "* ]] || skip "setuid binaries do not work on this file system"

	cfg '.process.noNewPrivileges = true'
	ctr_run /opt/suid/escape-setuid
	echo "with no_new_privs: $output"
	assert_status 0
	assert_output "ruid=1000 euid=1000 setuid0=errno 1"
}

# userns_escape_cfg: a user namespace mapping container root to 200000 (host root unmapped), /sys
# left out (sysfs needs a netns owned by the userns), the bundle traversable for that uid.
userns_escape_cfg() {
	chmod 755 "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$WORK" "$BUNDLE"
	cfg '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .mounts |= map(select(.destination != "/sys" and .destination != "/sys/fs/cgroup"))'
}

# berth writes the maps as root, with privileges, like runc: setgroups stays "allow" and
# additionalGids work. runc writes "deny" only for rootless containers (not run here: the
# suite runs as root), where an unprivileged gid_map requires it.
@test "user namespace: setgroups is allow for maps written by root, and only mapped groups can be set" {
	userns_escape_cfg
	cfg '.process.user = {"uid": 0, "gid": 0, "additionalGids": [10, 20]}'
	ctr_run sh -c 'cat /proc/self/setgroups; grep ^Groups: /proc/self/status'
	echo "$output"
	assert_status 0
	[ "$(sed -n 1p <<<"$output")" = allow ]
	[ "$(sed -n 2p <<<"$output" | awk '{ $1 = ""; print }' | xargs)" = "10 20" ]
	# a gid outside the map cannot be taken (the host's groups stay out of reach)
	cfg '.process.user.additionalGids = [70000]'
	ctr_run true
	[ "$status" -ne 0 ]
}

# namespaces.bats "a user namespace: root inside has no power over host-owned files" reads a 700
# directory of the rootfs; this is a bind-mounted host directory with a root-owned 0644 file.
# bats test_tags=vm
@test "user namespace: a bind-mounted host root-owned 0644 file cannot be written, removed or chowned" {
	userns_escape_cfg
	mkdir -p "$WORK/hostroot"
	echo canary >"$WORK/hostroot/f"
	chown -R 0:0 "$WORK/hostroot"
	chmod 755 "$WORK/hostroot"
	chmod 644 "$WORK/hostroot/f"
	add_mount "{\"destination\": \"/home\", \"type\": \"bind\", \"source\": \"$WORK/hostroot\", \"options\": [\"rbind\"]}"
	cfg '.process.capabilities |= with_entries(.value += ["CAP_CHOWN", "CAP_FOWNER", "CAP_DAC_OVERRIDE"])'
	ctr_run sh -c 'exec 2>/dev/null; id -u; cat /home/f; echo pwned > /home/f 2>/dev/null && echo wrote; echo x >> /home/f 2>/dev/null && echo appended;
		rm -f /home/f 2>/dev/null && echo removed; touch /home/new 2>/dev/null && echo created;
		chmod 666 /home/f 2>/dev/null && echo chmodded; chown 0:0 /home/f 2>/dev/null && echo chowned; echo end'
	echo "$output"
	assert_status 0
	assert_output "0
canary
end"
	[ "$(cat "$WORK/hostroot/f")" = canary ]
	[ "$(stat -c %u:%g:%a "$WORK/hostroot/f")" = 0:0:644 ]
	[ "$(ls -A "$WORK/hostroot")" = f ]
}
