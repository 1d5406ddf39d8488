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
}

teardown_file() {
	[ -n "${REGS:-}" ] || return 0
	reg_stop "$REGS/secure"
}

# helpers.bash's per-test setup, then this file's.
eval "helpers_$(declare -f setup)"
setup() {
	helpers_setup
	export DOCKER_CONFIG=$BATS_TEST_TMPDIR/docker
	export BERTH_CERTS_DIR=$REGS/secure/certs.d
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
