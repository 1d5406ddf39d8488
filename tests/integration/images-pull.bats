#!/usr/bin/env bats
# berth pull, login and logout against real registries: Debian's docker-registry on 127.0.0.1,
# one plain (HTTP, no auth) and one with TLS (a CA made here) and htpasswd auth, both started for
# this file and stopped at its end. Images are built by mkimage.py and pushed with skopeo.
# bats file_tags=images

load helpers
load registry
bats_require_minimum_version 1.5.0

setup_file() {
	[ "$RUNTIME_NAME" = berth ] || skip "pull and login are berth's own"
	export REGS=$BATS_FILE_TMPDIR/regs
	mkdir -p "$REGS"
	reg_start "$REGS/secure" tls auth
	export SREG=$REG
	reg_start "$REGS/plain"
	export PREG=$REG PREG_PORT=$REG_PORT
	local img=$BATS_FILE_TMPDIR/img
	mkdir -p "$img"
	# Two layers; the second one's file is in a directory.
	python3 "$ITEST_DIR/mkimage.py" --summary "$img/t.json" '{"layers": [
		{"entries": [{"type": "file", "path": "a", "content": "hello"}]},
		{"entries": [{"type": "dir", "path": "d"}, {"type": "file", "path": "d/b", "content": "b"}]}]}' \
		"$img/t" >/dev/null
	REG=$PREG reg_push "$img/t" t:1
	REG=$SREG reg_push "$img/t" t:1 --dest-creds berth:s3cret
	# An index of two platforms, each with a top layer holding /platform.
	python3 "$ITEST_DIR/mkimage.py" '{"platforms": ["linux/amd64", "linux/arm64"], "layers": [
		{"entries": [{"type": "file", "path": "base", "content": "base"}]}]}' "$img/multi" >/dev/null
	REG=$PREG reg_push "$img/multi" multi:1 --all
}

teardown_file() {
	[ -n "${REGS:-}" ] || return 0
	reg_stop "$REGS/secure"
	reg_stop "$REGS/plain"
}

# helpers.bash's per-test setup, then this file's.
eval "helpers_$(declare -f setup)"
setup() {
	helpers_setup
	export DOCKER_CONFIG=$BATS_TEST_TMPDIR/docker
	export BERTH_CERTS_DIR=$REGS/secure/certs.d
	STORE=$WORK/store
}

# A registry a test starts for itself (to kill it) is stopped whatever happens.
eval "helpers_$(declare -f teardown)"
teardown() {
	reg_stop "$WORK/reg"
	helpers_teardown
}

# pull ARGS...: berth pull into this test's store.
pull() {
	run rt --store "$STORE" pull "$@" </dev/null
}

# blob_gets REG_DIR REPO: how many blob GETs the registry's access log has for REPO.
blob_gets() {
	grep -c "\"GET /v2/$2/blobs/" "$1/log" || true
}

# store_clean: nothing in the store's tmp/ but resumable partials.
store_clean() {
	local left
	left=$(find "$STORE/tmp" -mindepth 1 ! -name '*.partial' 2>/dev/null)
	[ -z "$left" ] || {
		echo "left in $STORE/tmp: $left" >&2
		return 1
	}
}

# login_secure PASSWORD: berth login to the TLS+auth registry with PASSWORD on stdin.
login_secure() {
	run rt login -u berth --password-stdin "$SREG" <<<"$1"
}

@test "images-pull: login with the right password saves Docker's config.json (0600); logout removes it" {
	login_secure s3cret
	assert_status 0
	assert_output "Login Succeeded"
	[ "$(stat -c %a "$DOCKER_CONFIG/config.json")" = 600 ]
	[ "$(jq -r --arg r "$SREG" '.auths[$r].auth' "$DOCKER_CONFIG/config.json" | base64 -d)" = berth:s3cret ]
	# Other entries of the file are kept.
	jq '.auths["other.example:5000"] = {auth: "eDp5"} | .credsStore = "none"' \
		"$DOCKER_CONFIG/config.json" >"$WORK/c" && mv "$WORK/c" "$DOCKER_CONFIG/config.json"
	run rt logout "$SREG"
	assert_status 0
	[ "$(jq -r --arg r "$SREG" '.auths[$r]' "$DOCKER_CONFIG/config.json")" = null ]
	[ "$(jq -r '.auths["other.example:5000"].auth' "$DOCKER_CONFIG/config.json")" = eDp5 ]
	[ "$(jq -r '.credsStore' "$DOCKER_CONFIG/config.json")" = none ]
	run rt logout "$SREG"
	assert_status 1
	assert_output "berth: logout: not logged in to $SREG"
}

@test "images-pull: login with a wrong password is refused and saves nothing" {
	login_secure wrong
	assert_status 1
	assert_berth_error_line
	assert_match "authentication refused.*401"
	[ ! -e "$DOCKER_CONFIG/config.json" ]
}

@test "images-pull: login over TLS without the registry's CA fails naming the certificate problem" {
	BERTH_CERTS_DIR=$WORK/empty login_secure s3cret
	assert_status 1
	assert_berth_error_line
	assert_imatch "certificate"
	[ ! -e "$DOCKER_CONFIG/config.json" ]
	# --tls-verify=false skips the verification.
	run rt login --tls-verify=false -u berth --password-stdin "$SREG" <<<s3cret
	assert_status 0
}

@test "images-pull: login to a registry nothing listens on names it" {
	local port
	port=$(free_port)
	run rt login -u berth --password-stdin "127.0.0.1:$port" <<<x
	assert_status 1
	assert_berth_error_line
	assert_match "registry 127.0.0.1:$port unreachable: .*(onnect|refused)"
}

@test "images-pull: pull by tag unpacks the layers, indexes the name and prints the digest; again fetches no blob" {
	pull "$PREG/t:1"
	assert_status 0
	assert_match '^sha256:[0-9a-f]{64}$'
	local digest=$output
	[ "$(cat "$STORE"/layers/*/a)" = hello ]
	[ "$(cat "$STORE"/layers/*/d/b)" = b ]
	[ "$(jq -r --arg n "$PREG/t:1" '.images[$n]' "$STORE/index.json")" = "$digest" ]
	run rt --store "$STORE" image fsck
	assert_status 0
	store_clean
	local before
	before=$(blob_gets "$REGS/plain" t)
	pull -q "$PREG/t:1"
	assert_status 0
	assert_output "$digest"
	[ "$(blob_gets "$REGS/plain" t)" = "$before" ]
}

@test "images-pull: pull by digest checks it and indexes NAME@DIGEST" {
	pull "$PREG/t:1"
	assert_status 0
	local digest=$output
	rm -rf "$STORE"
	pull "$PREG/t@$digest"
	assert_status 0
	assert_output "$digest"
	[ "$(jq -r --arg n "$PREG/t@$digest" '.images[$n]' "$STORE/index.json")" = "$digest" ]
	# A digest the registry does not have.
	pull "$PREG/t@sha256:$(printf %064d 0)"
	assert_status 1
	assert_berth_error_line
	assert_output "berth: image $PREG/t@sha256:$(printf %064d 0) not found"
}

@test "images-pull: an index gives this host's platform, --platform another, and a missing one lists what there is" {
	pull "$PREG/multi:1"
	assert_status 0
	local host=$output
	[ "$(cat "$STORE"/layers/*/platform)" = "linux/amd64" ]
	pull --platform linux/arm64 "$PREG/multi:1"
	assert_status 0
	[ "$output" != "$host" ]
	grep -qx linux/arm64 "$STORE"/layers/*/platform
	pull --platform linux/s390x "$PREG/multi:1"
	assert_status 1
	assert_berth_error_line
	assert_match "linux/s390x"
	assert_match "linux/amd64"
	assert_match "linux/arm64"
}

@test "images-pull: an unknown tag or repository is one line naming the image" {
	pull "$PREG/t:nope"
	assert_status 1
	assert_output "berth: image $PREG/t:nope not found"
	pull "$PREG/no/such"
	assert_status 1
	assert_output "berth: image $PREG/no/such:latest not found"
	pull "$PREG/Bad"
	assert_status 1
	assert_berth_error_line
	assert_match "lowercase"
	[ ! -e "$STORE/index.json" ] || [ "$(jq '.images | length' "$STORE/index.json")" = 0 ]
}

@test "images-pull: a registry that is down is one line naming it and curl's reason" {
	local port
	port=$(free_port)
	pull "127.0.0.1:$port/t:1"
	assert_status 1
	assert_berth_error_line
	assert_match "registry 127.0.0.1:$port unreachable: .*onnect"
}

@test "images-pull: a corrupted blob is refused as a digest mismatch naming both, and nothing of it is kept" {
	local img=$WORK/img layer data
	python3 "$ITEST_DIR/mkimage.py" --summary "$WORK/s.json" '{"layers": [
		{"entries": [{"type": "file", "path": "c", "content": "corrupt-test"}]}]}' "$img" >/dev/null
	REG=$PREG reg_push "$img" corrupt:1
	layer=$(jq -r '.images[0].manifests[0].layers[0]' "$WORK/s.json")
	data=$REGS/plain/data/docker/registry/v2/blobs/sha256/${layer:7:2}/${layer#sha256:}/data
	[ -f "$data" ]
	head -c "$(stat -c %s "$data")" /dev/urandom >"$data"
	pull "$PREG/corrupt:1"
	assert_status 1
	assert_berth_error_line
	assert_match "digest mismatch: expected $layer, got sha256:"
	[ ! -e "$STORE/blobs/sha256/${layer#sha256:}" ]
	[ ! -e "$STORE/layers/${layer#sha256:}" ]
	[ -z "$(ls "$STORE/tmp")" ]
	[ "$(jq -r --arg n "$PREG/corrupt:1" '.images[$n]' "$STORE/index.json" 2>/dev/null || echo null)" = null ]
}

@test "images-pull: two pulls of one image at once both succeed and the store verifies" {
	local img=$WORK/img
	mkdir -p "$WORK/big"
	head -c 3M /dev/urandom >"$WORK/big/r1"
	head -c 3M /dev/urandom >"$WORK/big/r2"
	python3 "$ITEST_DIR/mkimage.py" "{\"layers\": [{\"dir\": \"$WORK/big\", \"compression\": \"none\"},
		{\"entries\": [{\"type\": \"file\", \"path\": \"x\", \"content\": \"x\"}]}]}" "$img" >/dev/null
	REG=$PREG reg_push "$img" two:1
	rt --store "$STORE" pull -q "$PREG/two:1" >"$WORK/o1" 2>&1 </dev/null &
	local p1=$!
	rt --store "$STORE" pull -q "$PREG/two:1" >"$WORK/o2" 2>&1 </dev/null &
	local p2=$!
	wait $p1 || { cat "$WORK/o1" >&2; return 1; }
	wait $p2 || { cat "$WORK/o2" >&2; return 1; }
	[ "$(cat "$WORK/o1")" = "$(cat "$WORK/o2")" ]
	cmp "$WORK/big/r1" "$STORE"/layers/*/r1
	run rt --store "$STORE" image fsck
	assert_status 0
	store_clean
}

@test "images-pull: the TLS registry with auth refuses an anonymous pull; after login the pull works" {
	pull "$SREG/t:1"
	assert_status 1
	assert_berth_error_line
	assert_match "authentication required: berth login"
	login_secure s3cret
	assert_status 0
	pull "$SREG/t:1"
	assert_status 0
	assert_match '^sha256:'
	[ "$(cat "$STORE"/layers/*/a)" = hello ]
}

# bats test_tags=slow
@test "images-pull: a layer download cut by the registry's death resumes from the partial file with a Range request" {
	local img=$WORK/img layer pid i size port
	mkdir -p "$WORK/big"
	head -c 40M /dev/urandom >"$WORK/big/r"
	python3 "$ITEST_DIR/mkimage.py" --summary "$WORK/s.json" \
		"{\"layers\": [{\"dir\": \"$WORK/big\", \"compression\": \"none\"}]}" "$img" >/dev/null
	reg_start "$WORK/reg"
	port=$REG_PORT
	reg_push "$img" big:1
	# skopeo compressed the layer on the way: the registry's manifest names it.
	layer=$(skopeo inspect --raw --tls-verify=false "docker://$REG/big:1" | jq -r '.layers[0].digest')
	# 4 MB/s: the test stops the registry once 4 MB are in the partial file.
	BERTH_PULL_MAX_SPEED=4000000 rt --store "$STORE" pull -q "$REG/big:1" >"$WORK/o" 2>&1 </dev/null &
	pid=$!
	for i in $(seq 300); do
		size=$(stat -c %s "$STORE/tmp/${layer#sha256:}.partial" 2>/dev/null || echo 0)
		[ "$size" -lt 4000000 ] || break
		sleep 0.1
	done
	[ "$size" -ge 4000000 ] || {
		cat "$WORK/o" >&2
		ls -l "$STORE/tmp" >&2
		return 1
	}
	reg_stop "$WORK/reg"
	if wait $pid; then
		echo "the pull did not fail" >&2
		return 1
	fi
	grep -q "interrupted" "$WORK/o" || { cat "$WORK/o" >&2; return 1; }
	size=$(stat -c %s "$STORE/tmp/${layer#sha256:}.partial")
	[ "$size" -ge 4000000 ] && [ "$size" -lt 41000000 ]
	[ ! -e "$STORE/layers/${layer#sha256:}" ]
	store_clean
	REG_PORT_FIXED=$port reg_start "$WORK/reg"
	pull -q "$REG/big:1"
	assert_status 0
	# The registry answered the second pull's request for the layer with a range.
	grep -q "\"GET /v2/big/blobs/$layer HTTP/1.1\" 206 " "$WORK/reg/log"
	cmp "$WORK/big/r" "$STORE/layers/${layer#sha256:}/r"
	[ ! -e "$STORE/tmp/${layer#sha256:}.partial" ]
	run rt --store "$STORE" image fsck
	assert_status 0
}

# bats test_tags=slow
@test "images-pull: kill -9 at each step of a pull, then a pull works, the store verifies and only partials were left" {
	if ! "$RUNTIME" --version | grep -q '+FAULT_POINTS'; then
		skip "the runtime has no fault points (configure --enable-fault-points)"
	fi
	local step
	for step in pull-manifest pull-config blob-commit pull-blob-fetched layer-rename pull-layers \
		pull-manifest-stored index-write; do
		rm -rf "$STORE"
		run env BERTH_FAULT=$step timeout 30 "$RUNTIME" --root "$STATE_ROOT" --store "$STORE" \
			pull -q "$PREG/t:1" </dev/null
		[ "$status" -eq 137 ] || {
			echo "$step: exit $status: $output" >&2
			return 1
		}
		[ "$(jq -r --arg n "$PREG/t:1" '.images[$n]' "$STORE/index.json" 2>/dev/null || echo null)" = null ] ||
			[ "$step" = index-write ]
		pull -q "$PREG/t:1"
		assert_status 0
		[ "$(cat "$STORE"/layers/*/a)" = hello ]
		run rt --store "$STORE" image fsck
		assert_status 0
		# What the killed pull left in tmp/ is debris a prune sweeps, but for resumable partials.
		run rt --store "$STORE" image prune
		assert_status 0
		store_clean
	done
}

@test "images-pull: a full disk fails the pull in one line and rolls it back: no layer, no partial, no name" {
	local img=$WORK/img
	mkdir -p "$WORK/big" "$WORK/small"
	head -c 3M /dev/urandom >"$WORK/big/r"
	python3 "$ITEST_DIR/mkimage.py" "{\"layers\": [{\"dir\": \"$WORK/big\", \"compression\": \"gzip\"}]}" \
		"$img" >/dev/null
	REG=$PREG reg_push "$img" full:1
	# A 2 MiB store: the layer's blob alone does not fit.
	mount -t tmpfs -o size=2m tmpfs "$WORK/small"
	STORE=$WORK/small/store
	pull "$PREG/full:1"
	local st=$status out=$output left
	left=$(find "$STORE/tmp" "$STORE/layers" -mindepth 1 2>/dev/null)
	[ ! -e "$STORE/index.json" ] || left+=$(jq -r '.images | keys[]' "$STORE/index.json")
	umount "$WORK/small"
	status=$st output=$out
	assert_status 1
	assert_berth_error_line
	assert_imatch "no space left on device"
	[ -z "$left" ] || {
		echo "left: $left" >&2
		return 1
	}
}

@test "images-pull: a registry with token auth gives an anonymous bearer token for the repository's pull scope" {
	command -v python3 >/dev/null && python3 -c 'import cryptography' 2>/dev/null ||
		skip "python3-cryptography is needed for the token server"
	reg_start "$WORK/reg" "" token
	local i
	for i in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$REG_TOKEN_PORT/token" && break
		sleep 0.1
	done
	reg_push "$BATS_FILE_TMPDIR/img/t" t:1
	pull "$REG/t:1"
	assert_status 0
	assert_match '^sha256:'
	[ "$(cat "$STORE"/layers/*/a)" = hello ]
	grep -q "service=berth-registry&scope=repository%3At%3Apull$" "$WORK/reg/token.log"
}

@test "images-pull: progress is drawn on a terminal only, and -q turns it off there too" {
	command -v script >/dev/null || skip "no script(1) for a terminal"
	# stderr a pipe: the digest alone.
	pull "$PREG/t:1"
	assert_status 0
	assert_match '^sha256:[0-9a-f]{64}$'
	rm -rf "$STORE"
	script -qec "$(printf '%q ' "$RUNTIME" --root "$STATE_ROOT" --store "$STORE" pull "$PREG/t:1")" \
		/dev/null >"$WORK/tty" </dev/null
	grep -q "Copying blobs: 2/2" "$WORK/tty"
	rm -rf "$STORE"
	script -qec "$(printf '%q ' "$RUNTIME" --root "$STATE_ROOT" --store "$STORE" pull -q "$PREG/t:1")" \
		/dev/null >"$WORK/tty" </dev/null
	! grep -q "Copying" "$WORK/tty"
	grep -q '^sha256:' "$WORK/tty"
}

@test "images-pull: --max-layer-size bounds a tar bomb: one line naming the layer, nothing kept" {
	local img=$BATS_TEST_TMPDIR/bomb
	python3 "$ITEST_DIR/mkimage.py" --summary "$img.json" \
		'{"layers": [{"entries": [{"type": "file", "path": "z", "size": 8388608}]}]}' "$img" >/dev/null
	REG=$PREG reg_push "$img" bomb:1
	local layer
	layer=$(jq -r '.images[0].manifests[0].layers[0]' "$img.json")
	pull -q --max-layer-size 1M "$PREG/bomb:1"
	assert_status 1
	assert_berth_error_line
	assert_match "layer $layer"
	[ -z "$(ls -A "$STORE/layers")" ]
	[ "$(jq -r '.images | length' "$STORE/index.json" 2>/dev/null || echo 0)" = 0 ]
	store_clean
	pull -q --max-layer-size 0 "$PREG/bomb:1"
	assert_status 1
	assert_berth_error_line
	pull -q --max-layer-size 16M "$PREG/bomb:1"
	assert_status 0
	[ "$(stat -c %s "$STORE"/layers/*/z)" = 8388608 ]
}
