#!/usr/bin/env bats
# bats file_tags=images
# The rootfs of a container made from an image (images/overlay.c): `berth image bundle` writes a
# bundle whose config names the image, create mounts an overlay of its layers with an upper of the
# container's own inside the container's mount namespace, and the one teardown removes the upper.
# Every test has its own store, and ends with nothing under STORE/containers, no mount of the
# store's on the host, and the common checks (state, cgroups, processes, mounts under $WORK).

load helpers

MKIMAGE=$ITEST_DIR/mkimage.py

setup() {
	[ "$RUNTIME_NAME" = berth ] || skip "berth's images"
	command -v python3 >/dev/null || skip "python3 is not installed"
	ITEST_T=t${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER}
	MARK=m${RUN_TAG}${ITEST_T}e
	WORK=$BATS_TEST_TMPDIR
	STATE_ROOT=$WORK/state
	CG_TEST=/$CG_TOP/$ITEST_T
	ITEST_IDS=$WORK/ids
	ITEST_NETNS=$WORK/netns
	mkdir -p "$STATE_ROOT"
	: >"$ITEST_IDS"
	: >"$ITEST_NETNS"
	STORE=$WORK/store
	ID_N=0
}

eval "$(declare -f teardown | sed '1s/^teardown/helpers_teardown/')"
teardown() {
	[ "$RUNTIME_NAME" = berth ] || return 0
	local r=0 left mnt
	helpers_teardown || r=1
	left=$(ls -A "$STORE/containers" 2>/dev/null)
	mnt=$(grep -F "$STORE" /proc/self/mountinfo)
	if [ -n "$left" ]; then
		echo "LEAK: left in STORE/containers: $left" >&2
		r=1
	fi
	if [ -n "$mnt" ]; then
		echo "LEAK: mounts of the store on the host: $mnt" >&2
		for m in $(awk -v s="$STORE" 'index($0, s) { print $5 }' /proc/self/mountinfo | sort -r); do
			umount -l "$m"
		done
		r=1
	fi
	rm -rf "$STORE"
	return $r
}

bi() {
	BERTH_ITEST_MARK=$MARK "$RUNTIME" --root "$STATE_ROOT" --store "$STORE" "$@"
}

# image NAME SPEC: builds an OCI layout with mkimage.py (SPEC's "LAYER0" is replaced by the test
# busybox rootfs as a layer) and imports it as NAME.
image() {
	local spec=${2//\"LAYER0\"/"{\"dir\": \"$(rootfs_cache)\", \"compression\": \"none\"}"}
	python3 "$MKIMAGE" --summary "$WORK/$1.json" "$spec" "$WORK/$1.oci" >/dev/null
	bi image import "$WORK/$1.oci" "$1" >/dev/null
}

# bundle NAME: `berth image bundle` into $BUNDLE (a fresh one) with the test's marker and cgroup.
bundle() {
	ID_N=$((ID_N + 1))
	BUNDLE=$WORK/b$ID_N
	bi image bundle "$1" "$BUNDLE"
	ID=${MARK}-c$ID_N
	echo "$ID" >>"$ITEST_IDS"
	CG=$CG_TEST/c$ID_N
	cfg '.linux.cgroupsPath = $cg | .process.env += [$m]' --arg cg "$CG" --arg m "BERTH_ITEST_MARK=$MARK"
}

# run_in NAME CMD...: a container of a fresh bundle of NAME runs CMD in the foreground.
run_in() {
	local name=$1
	shift
	bundle "$name"
	set_args "$@"
	run bi run -b "$BUNDLE" "$ID" </dev/null
}

is_running() {
	[ "$(ctr_status "$1")" = running ]
}

nothing_left() {
	[ -z "$(ls -A "$STORE/containers" 2>/dev/null)" ]
}

# bats test_tags=vm
@test "images-rootfs: a container sees the merged tree: lower files, a whiteout hides, an opaque dir hides" {
	image img '{"config": {"Cmd": ["sh"]}, "layers": ["LAYER0",
		{"entries": [{"type": "file", "path": "etc/a", "content": "from 1"},
			     {"type": "file", "path": "gone", "content": "x"},
			     {"type": "dir", "path": "opq"},
			     {"type": "file", "path": "opq/old", "content": "old"}]},
		{"entries": [{"type": "whiteout", "path": "gone"},
			     {"type": "opaque", "path": "opq"},
			     {"type": "file", "path": "opq/new", "content": "new"},
			     {"type": "file", "path": "etc/b", "content": "from 2"}]}]}'
	run_in img sh -c 'cat /etc/a; echo; cat /etc/b; echo; ls /opq; test -e /gone || echo no-gone'
	assert_status 0
	assert_output $'from 1\nfrom 2\nnew\nno-gone'
	# The rootfs was never mounted on the host: the bundle's rootfs is still an empty dir.
	[ -z "$(ls -A "$BUNDLE/rootfs")" ]
	nothing_left
}

@test "images-rootfs: writes go to the container's upper, gone after delete; another container does not see them" {
	image img '{"config": {"Cmd": ["sh"]}, "layers": ["LAYER0", {"entries": [{"type": "file", "path": "etc/a", "content": "a"}]}]}'
	bundle img
	set_args sh -c 'echo one >/etc/a; touch /new; sleep 100'
	bi run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 3>&-
	first=$ID
	retry 100 test -e "$STORE/containers/$first/upper/new"
	[ "$(cat "$STORE/containers/$first/upper/etc/a")" = one ]
	run_in img sh -c 'cat /etc/a; echo; test -e /new || echo no-new'
	assert_status 0
	assert_output $'a\nno-new'
	# The layer itself is untouched.
	grep -qx a "$STORE"/layers/*/etc/a
	bi delete -f "$first"
	[ ! -e "$STORE/containers/$first" ]
	nothing_left
}

@test "images-rootfs: root.readonly mounts without an upper: writes are refused" {
	image img '{"config": {"Cmd": ["sh"]}, "layers": ["LAYER0", {"entries": [{"type": "file", "path": "etc/a", "content": "a"}]}]}'
	image one '{"config": {"Cmd": ["sh"]}, "layers": ["LAYER0"]}'
	for name in img one; do
		bundle $name
		cfg '.root.readonly = true'
		set_args sh -c 'cat /bin/busybox >/dev/null && echo read; touch /x'
		run bi run -b "$BUNDLE" "$ID" </dev/null
		[ "$status" -ne 0 ]
		assert_match 'read'
		assert_imatch 'read-only file system'
		[ ! -e "$STORE/containers/$ID/upper" ] || [ ! -e "$STORE/containers/$ID" ]
	done
	nothing_left
}

# bats test_tags=vm
@test "images-rootfs: a 200-layer image mounts and runs" {
	image many '{"config": {"Cmd": ["sh"]}, "layers": ["LAYER0", {"repeat": 199, "compression": "none",
		"entries": [{"type": "file", "path": "layers/{i}", "content": "{i}"}]}]}'
	[ "$(jq '.images[0].manifests[0].layers | length' "$WORK/many.json")" = 200 ]
	run_in many sh -c 'ls /layers | wc -l; cat /layers/0 /layers/198'
	assert_status 0
	assert_output $'199\n0198'
	nothing_left
}

@test "images-rootfs: the image config becomes the process: Entrypoint+Cmd, Env, WorkingDir, User" {
	image cfg '{"config": {"Entrypoint": ["/bin/sh", "-c"], "Cmd": ["id -u; id -g; pwd; echo $FOO; echo $HOME"],
		"Env": ["FOO=bar"], "WorkingDir": "/srv", "User": "user", "StopSignal": "SIGQUIT"},
		"layers": ["LAYER0"]}'
	bundle cfg
	[ "$(jq -r '.annotations["org.opencontainers.image.stopSignal"]' "$BUNDLE/config.json")" = SIGQUIT ]
	run bi run -b "$BUNDLE" "$ID" </dev/null
	assert_status 0
	assert_output $'1000\n1000\n/srv\nbar\n/home/user'
	[ "$(jq -c .process.args "$BUNDLE/config.json")" = '["/bin/sh","-c","id -u; id -g; pwd; echo $FOO; echo $HOME"]' ]
	nothing_left
}

@test "images-rootfs: a failed create leaves nothing in the store" {
	image img '{"config": {"Cmd": ["sh"]}, "layers": ["LAYER0"]}'
	run_in img /no/such/program
	[ "$status" -ne 0 ]
	assert_match 'no/such/program'
	[ ! -e "$STATE_ROOT/$ID" ]
	nothing_left
	# An image the store does not have: create says so.
	bundle img
	cfg '.annotations["org.berth.image"] = "sha256:'"$(printf '0%.0s' {1..64})"'"'
	run bi create -b "$BUNDLE" "$ID" </dev/null
	[ "$status" -ne 0 ]
	assert_match 'not in the store'
	nothing_left
}

@test "images-rootfs: delete of a created container and kill -9 of run remove the upper" {
	image img '{"config": {"Cmd": ["sh"]}, "layers": ["LAYER0"]}'
	bundle img
	set_args sleep 100
	bi create -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 3>&-
	[ -d "$STORE/containers/$ID/upper" ]
	[ "$(cat "$STORE/containers/$ID/image")" = "$(jq -r '.annotations["org.berth.image"]' "$BUNDLE/config.json")" ]
	bi delete "$ID"
	nothing_left
	bundle img
	set_args sleep 100
	(BERTH_ITEST_MARK=$MARK exec "$RUNTIME" --root "$STATE_ROOT" --store "$STORE" run -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 3>&-) &
	pid=$!
	retry 100 test -d "$STORE/containers/$ID/upper"
	retry 100 is_running "$ID"
	kill -9 "$pid"
	wait "$pid" || true
	bi delete -f "$ID"
	nothing_left
}

need_fault_points() {
	"$RUNTIME" --version | grep -q '+FAULT_POINTS' ||
		skip "the runtime has no fault points (configure --enable-fault-points)"
}

@test "images-rootfs: kill -9 at each step of an image's create, then delete -f leaves nothing" {
	need_fault_points
	image img '{"config": {"Cmd": ["sh"]}, "layers": ["LAYER0"]}'
	for point in create-overlay-recorded create-overlay-mounted create-cgroup create-after-clone \
		init-after-rootfs create-before-state delete-after-overlay; do
		bundle img
		set_args sleep 100
		status=0
		if [ $point = delete-after-overlay ]; then
			bi create -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 3>&-
			BERTH_FAULT=$point bi delete -f "$ID" </dev/null >/dev/null 2>&1 || status=$?
		else
			BERTH_FAULT=$point timeout 30 "$RUNTIME" --root "$STATE_ROOT" --store "$STORE" \
				create -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 3>&- || status=$?
		fi
		[ "$status" -ne 0 ] || {
			echo "$point: the command did not die" >&2
			return 1
		}
		bi delete -f "$ID"
		nothing_left || {
			echo "after $point: left $(ls -A "$STORE/containers")" >&2
			return 1
		}
	done
}

@test "images-rootfs: rmi refuses an image a container uses" {
	image img '{"config": {"Cmd": ["sh"]}, "layers": ["LAYER0"]}'
	bundle img
	set_args sleep 100
	bi create -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 3>&-
	run bi rmi img
	[ "$status" -ne 0 ]
	assert_match "$ID"
	bi delete "$ID"
	bi rmi img
	nothing_left
}

@test "images-rootfs: image mount shows the tree read-only on the host until image umount" {
	image img '{"config": {"Cmd": ["sh"]}, "layers": ["LAYER0", {"entries": [{"type": "file", "path": "etc/a", "content": "a"}]}]}'
	mkdir "$WORK/mnt"
	bi image mount img "$WORK/mnt"
	[ "$(cat "$WORK/mnt/etc/a")" = a ]
	[ -x "$WORK/mnt/bin/busybox" ]
	run touch "$WORK/mnt/x"
	[ "$status" -ne 0 ]
	# Its layers are in use meanwhile.
	run bi rmi img
	[ "$status" -ne 0 ]
	run bi image mount img "$WORK/mnt"
	[ "$status" -ne 0 ]
	assert_match 'mounted there already'
	bi image umount "$WORK/mnt"
	[ ! -e "$WORK/mnt/etc" ]
	run bi image umount "$WORK/mnt"
	[ "$status" -ne 0 ]
	assert_match 'no image is mounted there'
	nothing_left
}

# bats test_tags=slow
@test "images-rootfs: an image saved by podman is imported and runs, its config applied" {
	command -v podman >/dev/null || skip "podman is not installed"
	local pod=(podman --root "$WORK/podman" --runroot "$WORK/podrun" --storage-driver vfs
		--cgroup-manager cgroupfs --events-backend file)
	tar -C "$(rootfs_cache)" -cf "$WORK/rootfs.tar" .
	"${pod[@]}" import --change 'CMD ["sh", "-c", "echo $GREETING from $(pwd); id -un"]' \
		--change 'WORKDIR /tmp' --change 'ENV GREETING=hello' \
		"$WORK/rootfs.tar" localhost/bb:1 >/dev/null
	"${pod[@]}" save --format docker-archive -o "$WORK/bb.tar" localhost/bb:1
	"${pod[@]}" system reset -f >/dev/null 2>&1 || true
	rm -rf "$WORK/podman" "$WORK/podrun"
	bi image import "$WORK/bb.tar" >/dev/null
	bundle localhost/bb:1
	run bi run -b "$BUNDLE" "$ID" </dev/null
	assert_status 0
	assert_output $'hello from /tmp\nroot'
	nothing_left
}
