#!/usr/bin/env bats
# bats file_tags=images
# berth box IMAGE: a box whose spec is an image's config (Docker's rules) with box's flags on top,
# its rootfs the image's overlay, run through create/start/wait/delete with the test's state root
# and cgroup prefix. Every test has its own store and ends with nothing under STORE/containers, no
# mount of the store's and the common checks (state, cgroups, processes, mounts under $WORK).

load helpers
load registry
bats_require_minimum_version 1.5.0

MKIMAGE=$ITEST_DIR/mkimage.py

setup() {
	[ "$RUNTIME_NAME" = berth ] || skip "berth box is berth's own"
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
	export TMPDIR=$WORK
}

eval "$(declare -f teardown | sed '1s/^teardown/helpers_teardown/')"
teardown() {
	[ "$RUNTIME_NAME" = berth ] || return 0
	local r=0 left mnt
	reg_stop "$WORK/reg"
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
	if [ -n "$(ls -d "$WORK"/berth-box-* 2>/dev/null)" ]; then
		echo "LEAK: a box bundle left in $WORK" >&2
		r=1
	fi
	if [ -n "$(ls "$STATE_ROOT" 2>/dev/null)" ]; then
		echo "LEAK: state left: $(ls "$STATE_ROOT")" >&2
		r=1
	fi
	rm -rf "$STORE"
	return $r
}

bi() {
	BERTH_ITEST_MARK=$MARK "$RUNTIME" --root "$STATE_ROOT" --store "$STORE" "$@"
}

# image NAME SPEC: an OCI layout from mkimage.py ("LAYER0": the test busybox rootfs), imported.
image() {
	local spec=${2//\"LAYER0\"/"{\"dir\": \"$(rootfs_cache)\", \"compression\": \"none\"}"}
	python3 "$MKIMAGE" "$spec" "$WORK/$1.oci" >/dev/null
	bi image import "$WORK/$1.oci" "$1" >/dev/null
}

# box ARGS...: berth box with this test's state root, store and cgroup prefix, quiet, through run.
box() {
	run bi box -q --cgroup-parent "$CG_TEST" "$@" </dev/null
}

@test "box-image: runs the image's Cmd, or the CMD given in its place, with the image's Env" {
	image img '{"config": {"Cmd": ["sh", "-c", "echo from-cmd $A"], "Env": ["A=1"]}, "layers": ["LAYER0"]}'
	box img
	assert_status 0
	assert_output "from-cmd 1"
	box img sh -c 'echo given $A'
	assert_status 0
	assert_output "given 1"
	# "--" before IMAGE is accepted too.
	box -- img echo dashed
	assert_status 0
	assert_output "dashed"
}

@test "box-image: Entrypoint + args; --entrypoint replaces it and drops the image's Cmd" {
	image img '{"config": {"Entrypoint": ["echo", "ep"], "Cmd": ["default"]}, "layers": ["LAYER0"]}'
	box img
	assert_output "ep default"
	box img a b
	assert_output "ep a b"
	box --entrypoint /bin/echo img x
	assert_status 0
	assert_output "x"
}

@test "box-image: -e, --env-file, -w, -u and --hostname are applied inside the box" {
	image img '{"config": {"Cmd": ["sh"], "Env": ["A=img", "B=img"], "WorkingDir": "/etc"}, "layers": ["LAYER0"]}'
	printf '# a comment\n\nC=file\n' >"$WORK/env"
	box -e A=flag --env-file "$WORK/env" img sh -c 'echo "$A $B $C"; pwd'
	assert_status 0
	assert_output $'flag img file\n/etc'
	box -w /tmp -u 7:9 --hostname hbox img sh -c 'pwd; id -u; id -g; hostname'
	assert_status 0
	assert_output $'/tmp\n7\n9\nhbox'
}

@test "box-image: --read-only refuses writes; a box's writes are gone after it ends" {
	image img '{"config": {"Cmd": ["sh"]}, "layers": ["LAYER0"]}'
	box --read-only img sh -c 'touch /x && echo wrote'
	assert_status 1
	assert_match "Read-only file system"
	box img sh -c 'echo data >/x && cat /x'
	assert_status 0
	assert_output data
	box img sh -c 'test -e /x || echo no-x'
	assert_output no-x
}

# bats test_tags=slow
@test "box-image: a job allocating past --memory is OOM-killed, exit 137" {
	image img '{"config": {"Cmd": ["sh"]}, "layers": ["LAYER0"]}'
	# busybox tail keeps the whole line of /dev/zero (it has no newline) in memory.
	run timeout 30 "$RUNTIME" --root "$STATE_ROOT" --store "$STORE" box --cgroup-parent "$CG_TEST" \
		--report "$WORK/r.json" -m 32M img tail /dev/zero </dev/null
	assert_status 137
	[ "$(jq -r .oom_kills "$WORK/r.json")" -ge 1 ]
	[ "$(jq -r .limits.memory_bytes "$WORK/r.json")" = 33554432 ]
}

@test "box-image: exit status is the command's, 126 not executable, 127 not found, 125 berth's" {
	image img '{"config": {"Cmd": ["sh"]}, "layers": ["LAYER0"]}'
	box img sh -c 'exit 0'
	assert_status 0
	box img sh -c 'exit 9'
	assert_status 9
	box img /etc/passwd
	assert_status 126
	run -127 bi box -q --cgroup-parent "$CG_TEST" img no-such-cmd </dev/null
	assert_status 127
	assert_match "no-such-cmd"
	box --bogus img
	assert_status 125
	box --pull sometimes img
	assert_status 125
}

@test "box-image: an unknown image with --pull never is one line and 125" {
	image img '{"config": {"Cmd": ["sh"]}, "layers": ["LAYER0"]}'
	box --pull never nosuch
	assert_status 125
	assert_output "berth: image nosuch: not in the store (--pull never)"
}

@test "box-image: --name taken is refused in one line; --keep keeps the box until berth delete" {
	image img '{"config": {"Cmd": ["sh"]}, "layers": ["LAYER0"]}'
	box --name "$MARK-k" --keep img sh -c 'echo kept'
	assert_status 0
	assert_output kept
	echo "$MARK-k" >>"$ITEST_IDS"
	[ "$(bi state "$MARK-k" | jq -r .status)" = stopped ]
	bi list | grep -q "^$MARK-k "
	box --name "$MARK-k" img true
	assert_status 125
	[ "${#lines[@]}" = 1 ]
	assert_match "$MARK-k.*exists"
	# The refused box took nothing of the kept one's.
	[ "$(bi state "$MARK-k" | jq -r .status)" = stopped ]
	bi delete "$MARK-k"
	[ -z "$(ls "$STATE_ROOT")" ]
	# A named box without --keep is removed on exit.
	box --name "$MARK-n" img true
	assert_status 0
	[ -z "$(ls "$STATE_ROOT")" ]
}

# bats test_tags=slow
@test "box-image: --pull missing pulls an image not in the store from a registry, then runs it" {
	command -v docker-registry >/dev/null || skip "docker-registry is not installed"
	command -v skopeo >/dev/null || skip "skopeo is not installed"
	python3 "$MKIMAGE" "{\"config\": {\"Cmd\": [\"echo\", \"pulled\"]}, \"layers\": [{\"dir\": \"$(rootfs_cache)\", \"compression\": \"none\"}]}" "$WORK/r.oci" >/dev/null
	reg_start "$WORK/reg"
	reg_push "$WORK/r.oci" r:1
	box --pull never "$REG/r:1"
	assert_status 125
	box "$REG/r:1"
	assert_status 0
	assert_output pulled
	# Now in the store: --pull never finds it, with the registry gone.
	reg_stop "$WORK/reg"
	box --pull never "$REG/r:1" echo again
	assert_status 0
	assert_output again
}
