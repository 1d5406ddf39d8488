# shellcheck shell=bash
# Shared helpers for the engine drop-in scripts (tests/engines/<engine>.sh). Source it from bash.
# Others may add functions here; existing ones keep their behaviour.

ENGINES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)
SRCDIR=$(cd "$ENGINES_DIR/../.." && pwd)

PASSED=0
FAILED=0
CHECK_TIMEOUT=${CHECK_TIMEOUT:-60}

# engine_runtime: the runtime under test as an absolute path: $RUNTIME, else $BERTH, else ../build/berth.
engine_runtime() {
	local r=${RUNTIME:-${BERTH:-$SRCDIR/build/berth}}
	case $r in
	/*) ;;
	*) r=$(command -v "$r" 2>/dev/null || echo "$PWD/$r") ;;
	esac
	if ! [ -x "$r" ]; then
		echo "runtime $r is not an executable (set RUNTIME=/abs/path)" >&2
		return 1
	fi
	echo "$r"
}

pass() {
	echo "PASS $1"
	PASSED=$((PASSED + 1))
}

fail() {
	local name=$1
	shift
	echo "FAIL $name: $*"
	FAILED=$((FAILED + 1))
}

# check NAME FUNC [ARGS...]: runs FUNC (export -f it, and the variables it uses) in a bash bounded by CHECK_TIMEOUT seconds. FUNC prints the
# reason of a failure on stdout and returns non-zero; its stdout is only shown on failure.
check() {
	local name=$1 out rc
	shift
	out=$(timeout -k 5 "$CHECK_TIMEOUT" bash -c '"$@"' _ "$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		pass "$name"
	elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		fail "$name" "timed out after ${CHECK_TIMEOUT}s; $(printf %s "$out" | tr '\n' ' ' | cut -c1-300)"
	else
		fail "$name" "$(printf %s "$out" | tr '\n' ' ' | cut -c1-400)"
	fi
}

# summary: the last line of every script; returns non-zero if anything failed.
summary() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}

# expect_eq WHAT WANT GOT: prints the mismatch and fails.
expect_eq() {
	if [ "$2" != "$3" ]; then
		echo "$1: want '$2', got '$3'"
		return 1
	fi
}

# expect_match WHAT REGEX GOT
expect_match() {
	if ! printf %s "$3" | grep -Eq -- "$2"; then
		echo "$1: want /$2/, got '$(printf %s "$3" | head -c 300)'"
		return 1
	fi
}

# busybox_tar DIR OUT: a plain rootfs tar (for docker import / podman import) built by scripts/mkrootfs.
busybox_tar() {
	"$SRCDIR/scripts/mkrootfs" "$1" || return 1
	tar -C "$1" -cf "$2" . || return 1
}

# free_port: a TCP port nobody listens on in the current network namespace.
free_port() {
	local p
	for p in $(shuf -i 20000-40000 -n 50); do
		if ! ss -Htln "sport = :$p" | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds. SECONDS is what an idle host
# needs; the bound is at least 30 s, since a loaded CI host or an ASan runtime is several times
# slower and a poll that succeeds costs nothing more.
wait_for() {
	local n=$(($1 > 30 ? $1 * 10 : 300))
	shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
