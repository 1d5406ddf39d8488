#!/usr/bin/env bats
# bats file_tags=images
# berth image import/export/ls/inspect/rm/prune/fsck against images that mkimage.py builds (OCI
# layouts, docker-save archives), podman and skopeo. Every test has its own store (--store) and
# ends with the store's tmp/ empty and nothing written outside it.

load helpers

MKIMAGE=$ITEST_DIR/mkimage.py

setup() {
	[ "$RUNTIME_NAME" = berth ] || skip "berth's image commands"
	command -v python3 >/dev/null || skip "python3 is not installed"
	# The bundle and cgroups of the common setup are not used: the leak checks still are.
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
	OUT=$WORK/out
	mkdir -p "$OUT"
}

# helpers.bash's teardown (processes, mounts, cgroups, state) runs after the store's own check:
# its tmp/ holds nothing once a command is done, failed or not.
eval "$(declare -f teardown | sed '1s/^teardown/helpers_teardown/')"
teardown() {
	local left=""
	if [ -n "${STORE:-}" ] && [ -d "$STORE/tmp" ]; then
		left=$(ls -A "$STORE/tmp")
	fi
	[ -n "${STORE:-}" ] && rm -rf "$STORE"
	if [ -n "$left" ]; then
		echo "LEAK: left in STORE/tmp: $left" >&2
		return 1
	fi
	[ "$RUNTIME_NAME" = berth ] || return 0
	helpers_teardown
}

bi() {
	BERTH_ITEST_MARK=$MARK "$RUNTIME" --store "$STORE" "$@"
}

# mk NAME FORMAT SPEC: builds $OUT/NAME with mkimage.py; its summary in $OUT/NAME.json.
mk() {
	python3 "$MKIMAGE" --format "$2" --summary "$OUT/$1.json" "$3" "$OUT/$1"
}

# The digest of layer N (0 = bottom) of the first manifest mkimage.py made for NAME.
layer_of() {
	jq -r ".images[0].manifests[${3:-0}].layers[$2]" "$OUT/$1.json"
}
layer_dir() {
	echo "$STORE/layers/${1#sha256:}"
}
manifest_of() {
	jq -r ".images[0].manifests[${2:-0}].digest" "$OUT/$1.json"
}

# No blob and no layer: a failed import took back what it had added.
store_empty() {
	local left
	left=$(find "$STORE/blobs/sha256" "$STORE/layers" -mindepth 1 -maxdepth 1 2>/dev/null)
	if [ -n "$left" ]; then
		echo "left in the store: $left" >&2
		return 1
	fi
}

xattr_hex() {
	python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).hex())' "$1" "$2"
}

# Nothing in the work dir but what the test made: the store, the images, the state dir.
only_expected_in_work() {
	local extra
	extra=$(ls -A "$WORK" | grep -vxE 'store|out|state|ids|netns|podman|podrun|canary.*|rootfs.*|bb.*' || true)
	if [ -n "$extra" ]; then
		echo "left in the work dir: $extra" >&2
		return 1
	fi
}

# A layer set with every kind of entry the unpacker keeps.
RICH='{"ref": "rich:1", "config": {"Entrypoint": ["/bin/sh"], "Cmd": ["-c", "true"], "Env": ["A=1"],
  "WorkingDir": "/w", "User": "1:2", "ExposedPorts": {"80/tcp": {}}, "Volumes": {"/data": {}},
  "StopSignal": "SIGINT", "Labels": {"l": "v"}},
 "layers": [
  {"compression": "gzip", "entries": [
    {"type": "dir", "path": "a"}, {"type": "dir", "path": "b"}, {"type": "dir", "path": "o"},
    {"type": "file", "path": "a/f", "content": "hello", "mode": "4755", "uid": 7, "gid": 8,
     "mtime": 1600000000, "caps": "hex:0100000200200000000000000000000000000000",
     "xattrs": {"user.k": "v"}},
    {"type": "hardlink", "path": "b/link", "target": "a/f"},
    {"type": "symlink", "path": "s", "target": "a/f"},
    {"type": "char", "path": "null", "major": 1, "minor": 3},
    {"type": "block", "path": "blk", "major": 7, "minor": 0},
    {"type": "fifo", "path": "p"},
    {"type": "file", "path": "o/old", "content": "old"},
    {"type": "file", "path": "gone", "content": "x"}]},
  {"compression": "zstd", "entries": [
    {"type": "whiteout", "path": "gone"},
    {"type": "opaque", "path": "o"},
    {"type": "file", "path": "o/new", "content": "new"}]},
  {"compression": "none", "entries": [{"type": "file", "path": "plain", "content": "p"}]}]}'

check_rich_layers() {
	local l0 l1 l2
	l0=$(layer_dir "$(layer_of "$1" 0)")
	l1=$(layer_dir "$(layer_of "$1" 1)")
	l2=$(layer_dir "$(layer_of "$1" 2)")
	[ "$(cat "$l0/a/f")" = hello ]
	[ "$(stat -c '%a %u %g %Y' "$l0/a/f")" = "4755 7 8 1600000000" ]
	[ "$(xattr_hex "$l0/a/f" security.capability)" = 0100000200200000000000000000000000000000 ]
	[ "$(xattr_hex "$l0/a/f" user.k)" = 76 ]
	[ "$(stat -c %i "$l0/a/f")" = "$(stat -c %i "$l0/b/link")" ]
	[ "$(readlink "$l0/s")" = a/f ]
	[ "$(stat -c '%F %t %T' "$l0/null")" = "character special file 1 3" ]
	[ "$(stat -c '%F %t %T' "$l0/blk")" = "block special file 7 0" ]
	[ -p "$l0/p" ]
	# Whiteouts in overlayfs form.
	[ "$(stat -c '%F %t %T' "$l1/gone")" = "character special file 0 0" ]
	[ ! -e "$l1/.wh.gone" ]
	[ "$(xattr_hex "$l1/o" trusted.overlay.opaque)" = 79 ]
	[ ! -e "$l1/o/.wh..wh..opq" ]
	[ "$(cat "$l1/o/new")" = new ]
	[ "$(cat "$l2/plain")" = p ]
}

@test "images: an OCI layout directory and its tar: whiteouts, opaque dirs, hard links, devices, xattrs, caps, gzip+zstd+plain" {
	mk rich oci "$RICH"
	run bi image import "$OUT/rich"
	assert_status 0
	assert_output "Loaded image: rich:1 ($(manifest_of rich))"
	check_rich_layers rich
	# The same layout as a tar is the same image; a second name for it.
	python3 "$MKIMAGE" --format oci-tar "$RICH" "$OUT/rich.tar" >/dev/null
	run bi image import "$OUT/rich.tar" other
	assert_status 0
	assert_output "Loaded image: other:latest ($(manifest_of rich))"
	run bi images --format json
	assert_status 0
	[ "$(jq -r '[.[] | .name + ":" + .tag + " " + .digest] | join(",")' <<<"$output")" = \
		"other:latest $(manifest_of rich),rich:1 $(manifest_of rich)" ]
	[ "$(ls "$STORE/layers" | wc -l)" = 3 ]
	only_expected_in_work
}

@test "images: docker save archives, legacy (ID/layer.tar) and Docker 25 (blobs/), with their RepoTags" {
	mk legacy docker "$RICH"
	run bi image import "$OUT/legacy"
	assert_status 0
	assert_match '^Loaded image: rich:1 \(sha256:[0-9a-f]{64}\)$'
	# Each layer.tar is stored as what it is (docker writes plain tars; compressed ones load too).
	run bi image inspect rich:1
	assert_status 0
	[ "$(jq -r '.[0].layers | map(.mediaType) | join(" ")' <<<"$output")" = \
		"application/vnd.oci.image.layer.v1.tar+gzip application/vnd.oci.image.layer.v1.tar+zstd application/vnd.oci.image.layer.v1.tar" ]
	[ "$(jq -r '.[0].layers[2].digest' <<<"$output")" = "$(jq -r '.images[0].manifests[0].diff_ids[2]' "$OUT/legacy.json")" ]
	check_rich_layers legacy
	# `docker save | gzip` as well: the archive itself compressed.
	gzip -c "$OUT/legacy" >"$OUT/legacy.gz"
	run bi image import "$OUT/legacy.gz" gz
	assert_status 0
	[ "$(bi image inspect gz | jq -r '.[0].digest')" = "$(bi image inspect rich:1 | jq -r '.[0].digest')" ]
	# A layer written twice is a symlink to the first copy (docker save before 25).
	mk dup docker '{"ref": "dup:1", "layers": [{"entries": [{"type": "file", "path": "x"}]},
		{"entries": [{"type": "file", "path": "y"}]}, {"entries": [{"type": "file", "path": "x"}]}]}'
	tar -tvf "$OUT/dup" | grep -q ' -> \.\./[0-9a-f]*/layer.tar$'
	run bi image import "$OUT/dup"
	assert_status 0
	run bi image inspect dup:1
	[ "$(jq -r '.[0].layers | map(.digest) | join(" ")' <<<"$output")" = "$(jq -r '.images[0].manifests[0].diff_ids | join(" ")' "$OUT/dup.json")" ]
	mk d25 docker-oci '{"ref": "docker.io/library/d25:v2", "layers": [{"entries": [{"type": "file", "path": "x", "content": "1"}]}]}'
	run bi image import "$OUT/d25"
	assert_status 0
	assert_match '^Loaded image: docker.io/library/d25:v2 '
	[ "$(cat "$(layer_dir "$(layer_of d25 0)")/x")" = 1 ]
	run bi images
	assert_status 0
	assert_match $'^NAME +TAG +DIGEST +SIZE +CREATED\n'
	assert_match $'\ndocker.io/library/d25 +v2 +[0-9a-f]{12} +[0-9.]+ (B|kB) +2024-01-02T03:04:05Z'
	assert_match $'\nrich +1 +[0-9a-f]{12} '
}

@test "images: an index with two platforms: the host's is picked, --platform picks the other" {
	local host
	case $(uname -m) in x86_64) host=linux/amd64 ;; aarch64) host=linux/arm64 ;; *) skip "host arch" ;; esac
	local other=linux/riscv64
	mk multi oci "{\"ref\": \"multi:1\", \"platforms\": [\"$other\", \"$host\"],
		\"layers\": [{\"entries\": [{\"type\": \"file\", \"path\": \"base\"}]}]}"
	run bi image import "$OUT/multi"
	assert_status 0
	assert_output "Loaded image: multi:1 ($(manifest_of multi 1))"
	[ "$(cat "$(layer_dir "$(layer_of multi 1 1)")/platform")" = "$host" ]
	# The other platform's layer was never read.
	[ ! -e "$STORE/blobs/sha256/$(layer_of multi 1 0 | cut -d: -f2)" ]
	run bi image import --platform "$other" "$OUT/multi" multi:other
	assert_status 0
	assert_output "Loaded image: multi:other ($(manifest_of multi 0))"
	run bi image inspect multi:other
	[ "$(jq -r '.[0].architecture' <<<"$output")" = riscv64 ]
	run bi image import --platform linux/s390x "$OUT/multi" x
	assert_status 1
	assert_berth_error_line
	assert_match 'linux/s390x'
	# The flat form (Docker 25: platforms side by side in index.json) picks the same way.
	python3 "$MKIMAGE" "{\"ref\": \"flat:1\", \"index\": \"flat\", \"platforms\": [\"$other\", \"$host\"],
		\"layers\": []}" "$OUT/flat" >"$OUT/flat.json"
	run bi image import "$OUT/flat"
	assert_status 0
	assert_output "Loaded image: flat:1 ($(manifest_of flat 1))"
}

@test "images: a 200-layer image imports" {
	mk many oci-tar '{"ref": "many:1", "layers": [{"repeat": 200, "entries": [{"type": "file", "path": "f{i}", "content": "{i}"}]}]}'
	run bi image import "$OUT/many"
	assert_status 0
	[ "$(ls "$STORE/layers" | wc -l)" = 200 ]
	run bi image inspect many:1
	assert_status 0
	[ "$(jq '.[0].layers | length' <<<"$output")" = 200 ]
	[ "$(cat "$(layer_dir "$(layer_of many 199)")/f199")" = 199 ]
}

@test "images: inspect, rmi, prune and fsck: shared layers stay while an image uses them" {
	mk one oci '{"ref": "one:1", "config": {"Cmd": ["/bin/true"], "Env": ["X=1"]}, "layers": [
		{"entries": [{"type": "file", "path": "shared", "content": "s"}]},
		{"entries": [{"type": "file", "path": "mine", "content": "1"}]}]}'
	mk two oci '{"ref": "two:1", "layers": [
		{"entries": [{"type": "file", "path": "shared", "content": "s"}]},
		{"entries": [{"type": "file", "path": "mine", "content": "2"}]}]}'
	bi image import "$OUT/one"
	bi image import "$OUT/two"
	[ "$(layer_of one 0)" = "$(layer_of two 0)" ]
	run bi image inspect one:1
	assert_status 0
	[ "$(jq -r '.[0].digest' <<<"$output")" = "$(manifest_of one)" ]
	[ "$(jq -r '.[0].names | join(",")' <<<"$output")" = one:1 ]
	[ "$(jq -r '.[0].config.config.Cmd[0]' <<<"$output")" = /bin/true ]
	[ "$(jq -r '.[0].config.digest' <<<"$output")" = "$(jq -r '.images[0].manifests[0].config' "$OUT/one.json")" ]
	[ "$(jq -r '.[0].layers | map(.digest) | join(" ")' <<<"$output")" = "$(layer_of one 0) $(layer_of one 1)" ]
	[ "$(jq -r '.[0].size > 0' <<<"$output")" = true ]
	run bi images -q
	assert_status 0
	[ "$(sort <<<"$output")" = "$(printf '%s\n' "$(manifest_of one | cut -c8-19)" "$(manifest_of two | cut -c8-19)" | sort)" ]
	# By a digest prefix, as the list shows it.
	run bi image inspect "$(manifest_of two | cut -c8-19)"
	assert_status 0
	run bi rmi one:1
	assert_status 0
	assert_match $'^Untagged: one:1\n'
	assert_match "Deleted: layer $(layer_of one 1)"
	! [[ $output == *"layer $(layer_of one 0)"* ]]
	[ -d "$(layer_dir "$(layer_of one 0)")" ]
	[ ! -e "$(layer_dir "$(layer_of one 1)")" ]
	run bi rmi one:1
	assert_status 1
	assert_berth_error_line
	assert_match 'one:1 is not in the store'
	# An image a container uses is refused.
	mkdir -p "$STORE/containers/c1"
	echo "$(manifest_of two)" >"$STORE/containers/c1/image"
	run bi rmi two:1
	assert_status 1
	assert_berth_error_line
	assert_match 'in use by container c1'
	# prune keeps it too when no name is left (a name removed by hand here: rmi refuses).
	jq 'del(.images["two:1"])' "$STORE/index.json" >"$WORK/index.json"
	mv "$WORK/index.json" "$STORE/index.json"
	run bi image prune
	assert_status 0
	assert_output 'Total reclaimed space: 0 B'
	[ -d "$(layer_dir "$(layer_of two 1)")" ]
	rm -r "$STORE/containers/c1"
	run bi image prune
	assert_status 0
	assert_match "Deleted: layer $(layer_of two 1)"
	assert_match "Deleted: blob $(manifest_of two)"
	assert_match 'Total reclaimed space: [0-9.]+ (B|kB)'
	run bi image fsck
	assert_status 0
	assert_output ok
	[ -z "$(find "$STORE/layers" "$STORE/blobs/sha256" -mindepth 1)" ] || { ls -R "$STORE" >&2; return 1; }
}

@test "images: fsck finds a corrupt blob and a missing layer, --repair removes the blob" {
	mk img oci '{"ref": "img:1", "layers": [{"entries": [{"type": "file", "path": "x"}]}]}'
	bi image import "$OUT/img"
	run bi image fsck
	assert_status 0
	local cfg
	cfg=$(jq -r '.images[0].manifests[0].config' "$OUT/img.json")
	echo junk >>"$STORE/blobs/sha256/${cfg#sha256:}"
	rm -r "$(layer_dir "$(layer_of img 0)")"
	run bi image fsck
	assert_status 1
	assert_match "blob $cfg: corrupt"
	assert_match "layer $(layer_of img 0) is not unpacked"
	assert_match 'berth: image fsck: 2 problems'
	run bi image fsck --repair
	assert_status 1
	[ ! -e "$STORE/blobs/sha256/${cfg#sha256:}" ]
	# The import brings back what is missing.
	run bi image import "$OUT/img"
	assert_status 0
	run bi image fsck
	assert_status 0
}

@test "images: a corrupted blob in a layout is refused and not kept" {
	mk bad oci '{"ref": "bad:1", "layers": [{"entries": [{"type": "file", "path": "x", "content": "good"}]}]}'
	local l
	l=$(layer_of bad 0)
	# Same size, other bytes: the digest check is what catches it.
	python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[-9]^=0xff; open(p,"wb").write(b)' \
		"$OUT/bad/blobs/sha256/${l#sha256:}"
	run bi image import "$OUT/bad"
	assert_status 1
	assert_berth_error_line
	assert_match "digest mismatch"
	assert_match "$l"
	[ ! -e "$STORE/blobs/sha256/${l#sha256:}" ]
	[ ! -e "$(layer_dir "$l")" ]
	store_empty
	run bi images -q
	assert_output ""
	# A layout that names a missing blob.
	rm "$OUT/bad/blobs/sha256/${l#sha256:}"
	run bi image import "$OUT/bad"
	assert_status 1
	assert_berth_error_line
	assert_match "blobs/sha256/${l#sha256:} is missing"
}

@test "images: hostile layers are refused with one line naming the layer, nothing written outside" {
	mkdir -p "$WORK/canary.d"
	echo canary >"$WORK/canary"
	local esc='[{"entries": [{"type": "file", "path": "../../../../../../../../canary", "content": "pwned"}]}]'
	local dotdot="[{\"entries\": [{\"type\": \"file\", \"path\": \"a/../../../canary.d/x\", \"content\": \"pwned\"}]}]"
	local sym="[{\"entries\": [{\"type\": \"symlink\", \"path\": \"l\", \"target\": \"$WORK/canary.d\"},
		{\"type\": \"file\", \"path\": \"l/x\", \"content\": \"pwned\"}]}]"
	local rel="[{\"entries\": [{\"type\": \"symlink\", \"path\": \"l\", \"target\": \"../../../../../../../..$WORK/canary.d\"},
		{\"type\": \"file\", \"path\": \"l/x\", \"content\": \"pwned\"}]}]"
	local two="[{\"entries\": [{\"type\": \"symlink\", \"path\": \"l\", \"target\": \"$WORK/canary.d\"}]},
		{\"entries\": [{\"type\": \"file\", \"path\": \"l/x\", \"content\": \"pwned\"}]}]"
	local hard="[{\"entries\": [{\"type\": \"hardlink\", \"path\": \"h\", \"target\": \"$WORK/canary\"}]}]"
	local hardrel='[{"entries": [{"type": "hardlink", "path": "h", "target": "../../../../../../../canary"}]}]'
	local abs="[{\"entries\": [{\"type\": \"file\", \"path\": \"$WORK/canary.d/x\", \"content\": \"pwned\"}]}]"
	local i=0 layers name
	for layers in "$esc" "$dotdot" "$sym" "$rel" "$two" "$hard" "$hardrel" "$abs"; do
		i=$((i + 1))
		name=h$i
		mk "$name" oci "{\"ref\": \"$name:1\", \"layers\": $layers}"
		run bi image import "$OUT/$name"
		echo "case $i: $output" >&2
		# h5's second layer makes a directory "l" of its own: in the overlay it hides
		# the first layer's symlink, so it may be accepted; nothing may go through it.
		if [ "$name" != h5 ]; then
			assert_status 1
			assert_berth_error_line
			assert_match "layer $(layer_of "$name" 0)"
			store_empty
		elif [ "$status" -eq 0 ]; then
			bi rmi "$name:1" >/dev/null
		fi
		[ "$(cat "$WORK/canary")" = canary ]
		[ -z "$(ls -A "$WORK/canary.d")" ]
		[ "$(stat -c %h "$WORK/canary")" = 1 ]
	done
	only_expected_in_work
}

@test "images: --max-layer-size bounds a tar bomb" {
	mk bomb oci '{"ref": "bomb:1", "layers": [{"entries": [{"type": "file", "path": "z", "size": 8388608}]}]}'
	run bi image import --max-layer-size 1M "$OUT/bomb"
	assert_status 1
	assert_berth_error_line
	assert_match "layer $(layer_of bomb 0)"
	store_empty
	run bi image import --max-layer-size 0 "$OUT/bomb"
	assert_status 1
	assert_berth_error_line
	run bi image import --max-layer-size 16M "$OUT/bomb"
	assert_status 0
	[ "$(stat -c %s "$(layer_dir "$(layer_of bomb 0)")/z")" = 8388608 ]
}

@test "images: export writes an OCI layout tar that skopeo reads; it imports back to the same image" {
	command -v skopeo >/dev/null || skip "skopeo is not installed"
	mk rich oci "$RICH"
	bi image import "$OUT/rich"
	run bi image export rich:1 "$OUT/rich-export.tar"
	assert_status 0
	assert_output ""
	run skopeo inspect "oci-archive:$OUT/rich-export.tar"
	assert_status 0
	[ "$(jq -r '.Layers | join(" ")' <<<"$output")" = "$(jq -r '.images[0].manifests[0].layers | join(" ")' "$OUT/rich.json")" ]
	[ "$(jq -r '.Env[0]' <<<"$output")" = A=1 ]
	run skopeo inspect --raw "oci-archive:$OUT/rich-export.tar"
	[ "$(printf %s "$output" | sha256sum | cut -c1-64)" = "$(manifest_of rich | cut -c8-)" ]
	# Into a fresh store, as the same manifest.
	local s1=$STORE
	STORE=$WORK/store2
	run bi image import "$OUT/rich-export.tar"
	assert_status 0
	assert_output "Loaded image: rich:1 ($(manifest_of rich))"
	rm -rf "$STORE"
	STORE=$s1
	# By digest, or by a name without its tag: the name the store holds goes out.
	run bi image export "$(manifest_of rich | cut -c8-19)" "$OUT/by-digest.tar"
	assert_status 0
	tar -xOf "$OUT/by-digest.tar" index.json | jq -e '.manifests[0].annotations["org.opencontainers.image.ref.name"] == "rich:1"'
	bi image import "$OUT/by-digest.tar" plain
	run bi image export plain "$OUT/plain.tar"
	assert_status 0
	tar -xOf "$OUT/plain.tar" index.json | jq -e '.manifests[0].annotations["org.opencontainers.image.ref.name"] == "plain:latest"'
	# A failed export leaves no file.
	run bi image export nope "$OUT/nope.tar"
	assert_status 1
	assert_berth_error_line
	[ ! -e "$OUT/nope.tar" ]
	[ "$(ls "$OUT" | grep -c berth)" = 0 ]
}

podman_tmp() {
	podman --root "$WORK/podman" --runroot "$WORK/podrun" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend file "$@"
}

# bats test_tags=slow
@test "images: podman save (docker and OCI archives) imports; berth's export loads in podman" {
	command -v podman >/dev/null || skip "podman is not installed"
	mkdir -p "$WORK/rootfs"
	"$SRC_DIR/scripts/mkrootfs" "$WORK/rootfs" >/dev/null
	tar -C "$WORK/rootfs" -cf "$WORK/rootfs.tar" .
	podman_tmp import "$WORK/rootfs.tar" localhost/bb:1 >/dev/null
	podman_tmp save --format docker-archive -o "$OUT/bb-docker.tar" localhost/bb:1
	podman_tmp save --format oci-archive -o "$OUT/bb-oci.tar" localhost/bb:1
	run bi image import "$OUT/bb-docker.tar"
	assert_status 0
	assert_match '^Loaded image: localhost/bb:1 '
	run bi image import "$OUT/bb-oci.tar" bb:oci
	assert_status 0
	run bi image inspect localhost/bb:1
	assert_status 0
	local l
	l=$(jq -r '.[0].layers[0].digest' <<<"$output")
	[ -x "$(layer_dir "$l")/bin/busybox" ]
	run bi image export localhost/bb:1 "$OUT/bb-export.tar"
	assert_status 0
	podman_tmp rmi -a >/dev/null
	run podman_tmp load -i "$OUT/bb-export.tar"
	assert_status 0
	assert_match 'localhost/bb:1'
	run podman_tmp image inspect localhost/bb:1
	assert_status 0
	[ "$(jq -r '.[0].RootFS.Layers[0]' <<<"$output")" = "$l" ]
	podman_tmp rmi -a >/dev/null
	run skopeo inspect "oci-archive:$OUT/bb-export.tar"
	assert_status 0
	podman_tmp system reset -f >/dev/null 2>&1 || true
	rm -rf "$WORK/podman" "$WORK/podrun"
}

need_fault_points() {
	"$RUNTIME" --version | grep -q '+FAULT_POINTS' ||
		skip "the runtime has no fault points (configure --enable-fault-points)"
}

@test "images: kill -9 at each step of import, then fsck passes and a second import works" {
	need_fault_points
	mk img oci-tar "$(jq -c '.ref = "img:1"' <<<"$RICH")"
	local f
	for f in blob-commit import-blob layer-rename import-unpack import-tag; do
		rm -rf "$STORE"
		status=0
		env BERTH_FAULT=$f BERTH_ITEST_MARK=$MARK timeout 30 "$RUNTIME" --store "$STORE" \
			image import "$OUT/img" >"$OUT/fault.out" 2>&1 || status=$?
		[ "$status" = 137 ] || {
			echo "$f: exit $status: $(cat "$OUT/fault.out")" >&2
			return 1
		}
		run bi image fsck
		assert_status 0
		run bi image import "$OUT/img"
		assert_status 0
		assert_output "Loaded image: img:1 ($(manifest_of img))"
		check_rich_layers img
		run bi image fsck
		assert_status 0
		[ -z "$(ls -A "$STORE/tmp")" ] || {
			echo "$f: left in tmp: $(ls -A "$STORE/tmp")" >&2
			return 1
		}
	done
	only_expected_in_work
}

@test "images: usage errors are one line" {
	run bi image
	assert_status 1
	assert_berth_error_line
	run bi image frob
	assert_status 1
	assert_berth_error_line
	run bi image import
	assert_status 1
	assert_berth_error_line
	run bi image import "$WORK/none"
	assert_status 1
	assert_berth_error_line
	mkdir "$WORK/out/empty"
	run bi image import "$WORK/out/empty"
	assert_status 1
	assert_berth_error_line
	assert_match 'not an OCI image layout or a docker archive'
	run bi images
	assert_status 0
	assert_output "NAME  TAG  DIGEST        SIZE       CREATED"
	# A layout whose image has no name needs one.
	mk anon oci '{"layers": []}'
	run bi image import "$OUT/anon"
	assert_status 1
	assert_berth_error_line
	assert_match 'has no name'
	run bi image import "$OUT/anon" anon
	assert_status 0
	assert_output "Loaded image: anon:latest ($(manifest_of anon))"
	run bi images --format yaml
	assert_status 1
	assert_berth_error_line
}

@test "images: concurrent imports of one image, and rmi and prune meanwhile, leave a store that verifies" {
	mk img oci-tar "$RICH"
	mk many oci '{"ref": "many:1", "layers": [{"repeat": 40, "entries": [{"type": "file", "path": "f{i}", "content": "{i}"}]}]}'
	bi image import "$OUT/img" first >/dev/null
	local pids=() i
	for i in 1 2 3; do
		bi image import "$OUT/img" "c$i" >"$OUT/c$i.out" 2>&1 &
		pids+=($!)
	done
	bi image import "$OUT/many" >"$OUT/many.out" 2>&1 &
	pids+=($!)
	bi rmi first >"$OUT/rmi.out" 2>&1 &
	pids+=($!)
	bi image prune >"$OUT/prune.out" 2>&1 &
	pids+=($!)
	for i in "${pids[@]}"; do
		wait "$i" || {
			cat "$OUT"/*.out >&2
			return 1
		}
	done
	run bi images --format json
	assert_status 0
	[ "$(jq -r 'map(.name + ":" + .tag) | sort | join(" ")' <<<"$output")" = "c1:latest c2:latest c3:latest many:1" ]
	check_rich_layers img
	run bi image fsck
	assert_status 0
	assert_output ok
}
