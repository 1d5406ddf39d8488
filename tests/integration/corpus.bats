#!/usr/bin/env bats
# bats file_tags=corpus
# Malformed and hostile config.json inputs (tests/corpus/config/, plus the big ones make-corpus writes):
# bad-* must make `create` fail with one "berth: ..." line (warnings aside); hostile-* may be created
# (then deleted) or fail the same clean way. Never a crash (exit > 128), a sanitizer report, or anything left behind.
# One test per group of files; each file gets its own id and cgroup and is checked for leaks at once.

load helpers

CORPUS=$SRC_DIR/tests/corpus

setup_file() {
	"$SRC_DIR/tests/corpus/make-corpus" "$BATS_FILE_TMPDIR/big" >/dev/null
}

# The helpers' leak checks cost a find per hierarchy and a /proc scan: too slow for 500 files. These
# globs look at the same state dir, cgroups and mounts; the teardown still runs the full check
# (processes included) once per test.
quick_leaks() {
	shopt -s nullglob
	local x=("$STATE_ROOT"/* /sys/fs/cgroup{,/*}"$CG_TEST"/*/)
	shopt -u nullglob
	[ ${#x[@]} -eq 0 ] || printf '%s\n' "${x[@]}"
	grep -F " $WORK" /proc/self/mountinfo
	return 0
}

# check_file FILE: one create; prints what is wrong, if anything.
check_file() {
	local f=$1 name=${1##*/} rc err i leaks
	# new_id without its jq pass: this file's config replaces the whole config.json anyway. ID_N
	# is counted by the caller: this runs in a $(...), and one ID for every file would make one
	# file's leak fail all the files after it, each after a 10 s wait.
	ID=${MARK}-c$ID_N
	CG=$CG_TEST/c$ID_N
	echo "$ID" >>"$ITEST_IDS"
	LC_ALL=C sed "s|@CG@|$CG|g" "$f" >"$BUNDLE/config.json"
	rt create -b "$BUNDLE" "$ID" </dev/null >"$WORK/out" 2>"$WORK/err" 3>&-
	rc=$?
	err=$(head -c 400 "$WORK/err")
	if [ $rc -gt 128 ]; then
		echo "$name: killed by signal $((rc - 128)): $err"
	elif grep -qE 'Sanitizer|runtime error:|core dumped' "$WORK/err"; then
		echo "$name: sanitizer report: $err"
	elif [ $rc -eq 0 ]; then
		if [[ $name == bad-* ]]; then
			echo "$name: accepted"
		fi
		rt delete --force "$ID" >/dev/null 2>&1 </dev/null 3>&- || echo "$name: delete failed"
	elif [ "$(grep -vc '^berth: warning: ' "$WORK/err")" -ne 1 ] || [[ $err != berth:\ * ]]; then
		echo "$name: exit $rc without one \"berth: \" line: $err"
	fi
	for ((i = 0; i < 100; i++)); do
		leaks=$(quick_leaks)
		[ -z "$leaks" ] && break
		sleep 0.1
	done
	[ -z "$leaks" ] || echo "$name: left behind: $leaks"
	# The escape attempts must not have made anything outside the test's prefix.
	ls -d /sys/fs/cgroup/*/berth-corpus-escape /tmp/berth-corpus-escape 2>/dev/null | sed "s|^|$name: escaped: |"
	rm -rf "${BUNDLE:?}/config.json" "$WORK/out" "$WORK/err"
	return 0
}

# check_all GLOB...: every matching file but the known bugs; fails listing each bad result.
check_all() {
	local f name problems="" n=0
	for f in "$@"; do
		[ -f "$f" ] || continue
		name=${f##*/}
		if grep -q "^$name " "$CORPUS/KNOWN-BUGS"; then
			echo "# skipped $(grep "^$name " "$CORPUS/KNOWN-BUGS")" >&3
			continue
		fi
		n=$((n + 1))
		ID_N=$((ID_N + 1))
		problems+=$(check_file "$f")
	done
	[ "$n" -gt 0 ] || { echo "no corpus files matched $*" >&2; return 1; }
	if [ -n "$problems" ]; then
		echo "$problems" >&2
		return 1
	fi
}

@test "corpus: malformed JSON documents are refused cleanly" {
	check_all "$CORPUS"/config/bad-json-*.json "$CORPUS"/config/bad-utf8-*.json "$CORPUS"/config/bad-nul-*.json
}

@test "corpus: a wrong type in every major field is refused cleanly" {
	check_all "$CORPUS"/config/bad-type-*.json "$CORPUS"/config/bad-missing-*.json
}

@test "corpus: out-of-range numbers are refused cleanly" {
	check_all "$CORPUS"/config/bad-{uid,gid,additional,umask,rlimit,oomscoreadj,consolesize,memory,cpu,pids,blkio,sched,ioprio,timeoffset,idmap,big}-*.json
}

@test "corpus: bad mounts, namespaces, cgroupsPath, sysctl, devices, seccomp and hooks are refused cleanly" {
	check_all "$CORPUS"/config/bad-{mount,root,hostname,process,namespace,uidmappings,timeoffsets,cgroupspath,sysctl,device,cgroup,seccomp,hook,personality,scheduler}*.json
}

@test "corpus: every bad-* file is in one of the groups above" {
	local f missing=""
	for f in "$CORPUS"/config/bad-*.json; do
		case ${f##*/} in
		bad-json-* | bad-utf8-* | bad-nul-* | bad-type-* | bad-missing-*) ;;
		bad-uid-* | bad-gid-* | bad-additional-* | bad-umask-* | bad-rlimit-* | bad-oomscoreadj-*) ;;
		bad-consolesize-* | bad-memory-* | bad-cpu-* | bad-pids-* | bad-blkio-* | bad-sched-*) ;;
		bad-ioprio-* | bad-timeoffset-* | bad-idmap-* | bad-big-*) ;;
		bad-mount* | bad-root* | bad-hostname* | bad-process* | bad-namespace* | bad-uidmappings*) ;;
		bad-timeoffsets* | bad-cgroupspath* | bad-sysctl* | bad-device* | bad-cgroup* | bad-seccomp*) ;;
		bad-hook* | bad-personality* | bad-scheduler*) ;;
		*) missing+=" ${f##*/}" ;;
		esac
	done
	[ -z "$missing" ] || { echo "not run by any test:$missing" >&2; return 1; }
}

@test "corpus: hostile but valid configs work or fail cleanly" {
	check_all "$CORPUS"/config/hostile-*.json
}

@test "corpus: huge inputs (1 MiB strings, 10,000-level nesting, 100,000-entry arrays)" {
	check_all "$BATS_FILE_TMPDIR"/big/*.json
}
