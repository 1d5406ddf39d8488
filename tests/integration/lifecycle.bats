#!/usr/bin/env bats
# bats file_tags=lifecycle
# The container lifecycle on runc's command line: create/start/state/kill/delete/run/list/spec.

load helpers

# bats test_tags=vm
@test "run /bin/true exits 0" {
	ctr_run /bin/true
	assert_status 0
}

@test "run passes the exit code through (exit 3 -> 3)" {
	ctr_run sh -c 'exit 3'
	assert_status 3
}

@test "run --no-subreaper (runc's flag) runs as without it" {
	set_args sh -c 'echo in; exit 4'
	new_id
	run rt run --no-subreaper -b "$BUNDLE" "$ID" </dev/null
	assert_status 4
	assert_output in
}

@test "runc's global --criu PATH is accepted; checkpoint is refused in one line" {
	set_args sh -c 'echo in'
	new_id
	run rt --criu /usr/sbin/criu run -b "$BUNDLE" "$ID" </dev/null
	assert_status 0
	assert_output in
	[ "$RUNTIME_NAME" = berth ] || return 0
	run rt checkpoint "$ID"
	assert_status 1
	assert_berth_error_line
}

@test "run of /bin/false exits 1" {
	ctr_run /bin/false
	assert_status 1
}

# PID 1 of a pid namespace cannot be killed from inside by a signal it has no handler for, so these run
# without a pid namespace.
@test "a process killed by a signal gives 128+N" {
	cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
	ctr_run sh -c 'kill -TERM $$; sleep 5'
	assert_status 143
}

@test "a process killed by SIGKILL gives 137" {
	cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
	ctr_run sh -c 'kill -KILL $$; sleep 5'
	assert_status 137
}

# bats test_tags=vm
@test "a container killed from outside with SIGKILL gives 137 to run" {
	set_args sleep 100
	new_id
	# kill once it runs: a fixed delay could come before run has created it on a loaded host
	(wait_status "$ID" running && rt kill "$ID" KILL) 3>&- &
	run rt run -b "$BUNDLE" "$ID" </dev/null
	wait
	assert_status 137
}

@test "run prints the process's stdout" {
	ctr_run echo hello-from-inside
	assert_status 0
	assert_output hello-from-inside
}

# bats test_tags=vm
@test "create gives state created with a pid, start gives running, exit gives stopped" {
	# it ends when the test says so, so the state is still running when it is read, however slow
	ctr_create sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done'
	[ "$(ctr_status "$ID")" = created ]
	pid=$(ctr_pid "$ID")
	[ "$pid" -gt 0 ]
	[ -d "/proc/$pid" ]
	rt start "$ID"
	[ "$(ctr_status "$ID")" = running ]
	touch "$BUNDLE/rootfs/tmp/go"
	wait_status "$ID" stopped
	rt delete "$ID"
}

@test "state JSON has every field of the OCI state" {
	ctr_create sleep 100
	run rt state "$ID"
	assert_status 0
	echo "$output" | jq -e --arg id "$ID" --arg b "$BUNDLE" '
		(.ociVersion | type == "string" and length > 0)
		and .id == $id and .status == "created" and (.pid | type == "number" and . > 0)
		and .bundle == $b and (.rootfs | endswith("/rootfs"))
		and (.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"))
		and .owner == "" and ((.annotations // {}) | type == "object")'
}

@test "state shows the config's annotations" {
	cfg '.annotations = {"org.example.k": "v1"}'
	ctr_create sleep 100
	run rt state "$ID"
	[ "$(jq -r '.annotations["org.example.k"]' <<<"$output")" = v1 ]
}

@test "the created timestamp is RFC3339 and recent" {
	before=$(date +%s)
	ctr_create sleep 100
	c=$(rt state "$ID" | jq -r .created)
	t=$(date -d "$c" +%s)
	[ "$t" -ge $((before - 2)) ] && [ "$t" -le $(($(date +%s) + 2)) ]
}

@test "state of a missing container fails" {
	run rt state nosuchcontainer
	[ "$status" -ne 0 ]
}

@test "the pid in state is the container's init, PID 1 inside" {
	ctr_detach sleep 100
	pid=$(ctr_pid "$ID")
	[ "$(tr '\0' ' ' </proc/$pid/cmdline)" = "sleep 100 " ]
	grep -q '^NSpid:.*[[:space:]]1$' /proc/$pid/status
}

@test "kill with a number (15) stops the container" {
	ctr_detach sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
	wait_handler "$ID" 15
	rt kill "$ID" 15
	wait_status "$ID" stopped
}

@test "kill with a name (KILL)" {
	ctr_detach sleep 100
	rt kill "$ID" KILL
	wait_status "$ID" stopped
}

@test "kill with a SIG-name (SIGKILL)" {
	ctr_detach sleep 100
	rt kill "$ID" SIGKILL
	wait_status "$ID" stopped
}

@test "kill with a lowercase name (term)" {
	ctr_detach sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
	wait_handler "$ID" 15
	rt kill "$ID" term
	wait_status "$ID" stopped
}

@test "kill defaults to SIGTERM" {
	ctr_detach sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
	wait_handler "$ID" 15
	rt kill "$ID"
	wait_status "$ID" stopped
}

@test "kill delivers the named signal (USR1 seen by a trap)" {
	ctr_detach sh -c 'trap "echo got-usr1 > /tmp/sig; exit 0" USR1; while :; do sleep 0.1; done'
	rt kill "$ID" USR1
	wait_status "$ID" stopped
	[ "$(cat "$BUNDLE/rootfs/tmp/sig")" = got-usr1 ]
}

@test "kill with an unknown signal fails" {
	ctr_detach sleep 100
	run rt kill "$ID" NOTASIGNAL
	[ "$status" -ne 0 ]
	[ "$(ctr_status "$ID")" = running ]
}

@test "kill ID 0 and kill --all ID 0 only ask whether the container is alive" {
	ctr_detach sleep 100
	rt kill "$ID" 0
	rt kill --all "$ID" 0
	[ "$(ctr_status "$ID")" = running ]
	rt kill "$ID" KILL
	wait_status "$ID" stopped
	# As runc: nothing alive to signal; --all finds an empty cgroup, which is no error.
	run rt kill "$ID" 0
	[ "$status" -ne 0 ]
	assert_imatch 'not running'
	rt kill --all "$ID" 0
}

@test "kill on a stopped container fails" {
	ctr_detach true
	wait_status "$ID" stopped
	run rt kill "$ID" KILL
	[ "$status" -ne 0 ]
}

@test "delete of a running container fails without --force" {
	ctr_detach sleep 100
	run rt delete "$ID"
	[ "$status" -ne 0 ]
	[ "$(ctr_status "$ID")" = running ]
}

# bats test_tags=vm
@test "delete --force of a running container kills and deletes it" {
	ctr_detach sleep 100
	pid=$(ctr_pid "$ID")
	rt delete --force "$ID"
	run rt state "$ID"
	[ "$status" -ne 0 ]
	retry 300 sh -c "! [ -d /proc/$pid ] || grep -q '^State:.*Z' /proc/$pid/status"
}

# bats test_tags=vm
@test "delete of a created container kills and deletes it" {
	ctr_create sleep 100
	pid=$(ctr_pid "$ID")
	rt delete "$ID"
	run rt state "$ID"
	[ "$status" -ne 0 ]
	retry 300 sh -c "! [ -d /proc/$pid ] || grep -q '^State:.*Z' /proc/$pid/status"
}

@test "delete of a stopped container removes its state" {
	ctr_detach true
	wait_status "$ID" stopped
	rt delete "$ID"
	run rt state "$ID"
	[ "$status" -ne 0 ]
	[ -z "$(leaked_state)" ]
}

@test "delete parks the emptied state dir in ROOT/.spare and the next create takes it; the old ID stays gone" {
	[ "$RUNTIME_NAME" = berth ] || skip "berth's own state root layout"
	ctr_create sleep 100
	first=$ID
	ino=$(stat -c %i "$STATE_ROOT/$first")
	rt delete --force "$first"
	[ ! -e "$STATE_ROOT/$first" ]
	[ "$(stat -c %i "$STATE_ROOT/.spare/0")" = "$ino" ]
	[ -z "$(ls -A "$STATE_ROOT/.spare/0")" ]
	ctr_create sleep 100
	[ "$(stat -c %i "$STATE_ROOT/$ID")" = "$ino" ]
	[ ! -e "$STATE_ROOT/.spare/0" ]
	[ "$(ctr_status "$ID")" = created ]
	run rt state "$first"
	[ "$status" -ne 0 ]
	rt list -q | grep -qvx "$first"
	rt delete --force "$ID"
}

@test "delete --force of a missing container exits 0" {
	run rt delete --force no-such-container
	assert_status 0
}

@test "delete of a missing container fails" {
	run rt delete no-such-container
	[ "$status" -ne 0 ]
}

@test "start on a running container fails" {
	ctr_create sleep 100
	rt start "$ID"
	run rt start "$ID"
	[ "$status" -ne 0 ]
	[ "$(ctr_status "$ID")" = running ]
}

@test "start on a stopped container fails" {
	ctr_create true
	rt start "$ID"
	wait_status "$ID" stopped
	run rt start "$ID"
	[ "$status" -ne 0 ]
}

@test "the process does not run before start" {
	ctr_create sh -c 'echo ran > /tmp/ran'
	sleep 0.3
	[ ! -e "$BUNDLE/rootfs/tmp/ran" ]
	rt start "$ID"
	retry 300 test -e "$BUNDLE/rootfs/tmp/ran"
}

@test "run --detach returns while the container runs" {
	ctr_detach sleep 100
	[ "$(ctr_status "$ID")" = running ]
}

@test "run --keep leaves the state stopped" {
	set_args true
	new_id
	rt run --keep -b "$BUNDLE" "$ID" </dev/null
	[ "$(ctr_status "$ID")" = stopped ]
	rt delete "$ID"
}

@test "run without --keep removes the container" {
	ctr_run true
	assert_status 0
	run rt state "$ID"
	[ "$status" -ne 0 ]
}

@test "list shows containers with their status" {
	ctr_detach sleep 100
	a=$ID
	ctr_create sleep 100
	b=$ID
	run rt list
	assert_status 0
	grep -E "^$a +[0-9]+ +running " <<<"$output"
	grep -E "^$b +[0-9]+ +created " <<<"$output"
}

@test "list -q prints only the IDs" {
	ctr_detach sleep 100
	a=$ID
	ctr_create sleep 100
	b=$ID
	run rt list -q
	assert_status 0
	[ "$(sort <<<"$output")" = "$(printf '%s\n' "$a" "$b" | sort)" ]
}

@test "list --format json" {
	ctr_detach sleep 100
	run rt list --format json
	assert_status 0
	jq -e --arg id "$ID" --arg b "$BUNDLE" 'length == 1 and .[0].id == $id and .[0].status == "running"
		and .[0].bundle == $b and .[0].pid > 0' <<<"$output"
}

# create_named SUFFIX...: create (not start) containers "$MARK-SUFFIX", each in a cgroup of its own.
create_named() {
	local n
	set_args sleep 100
	for n in "$@"; do
		echo "$MARK-$n" >>"$ITEST_IDS"
		cfg '.linux.cgroupsPath = $cg' --arg cg "$CG_TEST/$n"
		rt create -b "$BUNDLE" "$MARK-$n" </dev/null >/dev/null 2>&1 3>&-
	done
}

@test "list prints the containers sorted by ID, as runc (table, -q and --format json)" {
	# Neither creation order nor its reverse is the sorted one.
	create_named zeta alpha m10 Beta m9
	want=$(printf "$MARK-%s\n" Beta alpha m10 m9 zeta)
	run rt list -q
	assert_status 0
	assert_output "$want"
	run rt list
	assert_status 0
	[ "$(tail -n +2 <<<"$output" | awk '{print $1}')" = "$want" ]
	run rt list --format json
	assert_status 0
	[ "$(jq -r '.[].id' <<<"$output")" = "$want" ]
}

@test "delete --regex and kill --regex act on every container the regex matches (crun's)" {
	[ "$RUNTIME_NAME" = berth ] || skip "crun's extension"
	create_named web-1 web-2 db-1
	# Unanchored, as crun: "web-" matches inside "$MARK-web-1".
	rt kill --regex "web-" KILL
	wait_status "$MARK-web-1" stopped
	wait_status "$MARK-web-2" stopped
	[ "$(ctr_status "$MARK-db-1")" = created ]
	rt delete --regex "web-[0-9]$"
	run rt list -q
	assert_output "$MARK-db-1"
	# A failure on one container is a warning; the others still go, as crun.
	create_named web-3
	rt start "$MARK-web-3"
	run rt delete --regex "$MARK-(db-1|web-3)"
	assert_status 0
	assert_match "web-3.*running"
	run rt list -q
	assert_output "$MARK-web-3"
	rt delete --force --regex "web-3"
	run rt list -q
	assert_output ""
	run rt delete --regex "("
	assert_status 1
	assert_imatch 'regex'
	assert_berth_error_line
}

@test "create --config FILE (crun's) uses that file instead of the bundle's config.json" {
	[ "$RUNTIME_NAME" = berth ] || skip "crun's extension"
	set_args sh -c 'echo from-other'
	new_id
	mv "$BUNDLE/config.json" "$WORK/other.json"
	echo '{' >"$BUNDLE/config.json"
	rt create --config "$WORK/other.json" -b "$BUNDLE" "$ID" </dev/null >"$WORK/out" 2>&1 3>&-
	rt start "$ID"
	wait_status "$ID" stopped
	[ "$(cat "$WORK/out")" = from-other ]
}

@test "list of an empty root prints only a header or nothing" {
	run rt list -q
	assert_status 0
	assert_output ""
}

@test "a duplicate container ID fails and leaves the first alone" {
	ctr_detach sleep 100
	pid=$(ctr_pid "$ID")
	run rt run -d -b "$BUNDLE" "$ID" </dev/null 3>&-
	[ "$status" -ne 0 ]
	[ "$(ctr_pid "$ID")" = "$pid" ]
	[ "$(ctr_status "$ID")" = running ]
}

@test "invalid ID ../x fails" {
	run rt run -b "$BUNDLE" ../x </dev/null
	[ "$status" -ne 0 ]
	[ ! -e "$WORK/x" ]
}

@test "invalid ID a/b fails" {
	run rt run -b "$BUNDLE" a/b </dev/null
	[ "$status" -ne 0 ]
}

@test "empty ID fails" {
	run rt run -b "$BUNDLE" "" </dev/null
	[ "$status" -ne 0 ]
}

@test "a 1025-character ID fails" {
	long=$(printf 'a%.0s' $(seq 1025))
	run rt run -b "$BUNDLE" "$long" </dev/null
	[ "$status" -ne 0 ]
}

@test "spec writes a config.json that runs after setting terminal and args" {
	d=$WORK/specbundle
	mkdir -p "$d"
	(cd "$d" && "$RUNTIME" spec)
	jq -e '.ociVersion and .process and .root.path == "rootfs"' "$d/config.json"
	mv "$d/config.json" "$BUNDLE/config.json"
	cfg '.process.terminal = false | .process.args = ["sh", "-c", "echo spec-ok"]
		| .process.env += [$m] | .linux.cgroupsPath = $cg' --arg m "BERTH_ITEST_MARK=$MARK" --arg cg "$CG_TEST/c1"
	ID=${MARK}-c1
	echo "$ID" >>"$ITEST_IDS"
	run rt run -b "$BUNDLE" "$ID" </dev/null
	assert_status 0
	assert_output spec-ok
}

@test "spec refuses to overwrite an existing config.json" {
	d=$WORK/specbundle
	mkdir -p "$d"
	echo '{}' >"$d/config.json"
	run sh -c "cd '$d' && '$RUNTIME' spec"
	[ "$status" -ne 0 ]
	[ "$(cat "$d/config.json")" = '{}' ]
}

@test "spec --bundle writes into that directory" {
	d=$WORK/specbundle
	mkdir -p "$d"
	"$RUNTIME" spec --bundle "$d"
	jq -e .ociVersion "$d/config.json"
}

@test "spec --rootless has a user namespace with maps for the caller" {
	d=$WORK/specbundle
	mkdir -p "$d"
	(cd "$d" && "$RUNTIME" spec --rootless)
	jq -e --argjson u "$(id -u)" '
		any(.linux.namespaces[]; .type == "user")
		and .linux.uidMappings[0].hostID == $u and .linux.uidMappings[0].containerID == 0
		and (.linux.resources.devices // [] | length == 0)' "$d/config.json"
}

@test "features prints valid JSON with ociVersionMin and ociVersionMax" {
	run "$RUNTIME" features
	assert_status 0
	jq -e '(.ociVersionMin | test("^1\\.")) and (.ociVersionMax | test("^1\\."))' <<<"$output"
}

@test "features lists namespaces and mount options" {
	run "$RUNTIME" features
	jq -e '(.linux.namespaces | index("pid") != null) and (.mountOptions | index("ro") != null)' <<<"$output"
}

@test "--version shows the version, the spec version and a feature line" {
	run "$RUNTIME" --version
	assert_status 0
	grep -iE "^$RUNTIME_NAME version [0-9]" <<<"$output"
	grep -E '^spec: 1\.' <<<"$output"
	if [ "$RUNTIME_NAME" = berth ]; then
		grep -E '^\+[A-Z0-9]+( \+[A-Z0-9]+)*' <<<"$output"
	fi
}

@test "--pid-file is written with the container's pid" {
	set_args sleep 100
	new_id
	rt run -d --pid-file "$WORK/pidfile" -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 3>&-
	[ "$(cat "$WORK/pidfile")" = "$(ctr_pid "$ID")" ]
}

@test "create --pid-file is written before start" {
	set_args sleep 100
	new_id
	rt create --pid-file "$WORK/pidfile" -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 3>&-
	[ "$(cat "$WORK/pidfile")" = "$(ctr_pid "$ID")" ]
}

# bats test_tags=vm
@test "the runc-spec config runs unchanged (readonly root and all)" {
	cp "$(config_template)" "$BUNDLE/config.json"
	cfg '.process.terminal = false | .process.args = ["sh", "-c", "touch /x 2>/dev/null && echo rw || echo ro"]
		| .process.env += [$m] | .linux.cgroupsPath = $cg' --arg m "BERTH_ITEST_MARK=$MARK" --arg cg "$CG_TEST/c1"
	ID=${MARK}-c1
	echo "$ID" >>"$ITEST_IDS"
	run rt run -b "$BUNDLE" "$ID" </dev/null
	assert_status 0
	assert_output ro
}

@test "--bundle defaults to the current directory" {
	set_args echo from-cwd
	new_id
	run sh -c "cd '$BUNDLE' && BERTH_ITEST_MARK=$MARK '$RUNTIME' --root '$STATE_ROOT' run '$ID' </dev/null"
	assert_status 0
	assert_output from-cwd
}

@test "stdin reaches the process of a foreground run" {
	set_args cat
	new_id
	run sh -c "echo piped-in | BERTH_ITEST_MARK=$MARK '$RUNTIME' --root '$STATE_ROOT' run -b '$BUNDLE' '$ID'"
	assert_status 0
	assert_output piped-in
}

@test "exec runs a second process in a running container" {
	ctr_detach sleep 100
	exec_in "$ID" sh -c 'echo exec-ok; exit 4'
	assert_status 4
	assert_output exec-ok
}

@test "exec shares the container's pid namespace" {
	ctr_detach sleep 100
	exec_in "$ID" sh -c 'cat /proc/1/cmdline | tr "\0" " "'
	assert_status 0
	assert_output "sleep 100 "
}

@test "exec sees the config's env, and --env adds to it" {
	cfg '.process.env += ["FROMCFG=cfg-val"]'
	ctr_detach sleep 100
	run rt exec --env "BERTH_ITEST_MARK=$MARK" --env FOO=exec-foo "$ID" sh -c 'echo "$FOO $FROMCFG"' </dev/null
	assert_status 0
	assert_output "exec-foo cfg-val"
}

@test "exec --user runs as that uid and gid" {
	ctr_detach sleep 100
	run rt exec --env "BERTH_ITEST_MARK=$MARK" --user 1000:1001 "$ID" sh -c 'id -u; id -g' </dev/null
	assert_status 0
	assert_output "1000
1001"
}

@test "exec --additional-gids adds groups to the config's, as runc does" {
	cfg '.process.user.additionalGids = [10]'
	ctr_detach sleep 100
	run rt exec --env "BERTH_ITEST_MARK=$MARK" --user 1000:1000 --additional-gids 100 --additional-gids 65534 \
		"$ID" sh -c 'id -u; id -G' </dev/null
	assert_status 0
	assert_output "1000
1000 10 100 65534"
	run rt exec --env "BERTH_ITEST_MARK=$MARK" --additional-gids nope "$ID" true </dev/null
	[ "$status" -ne 0 ]
	assert_imatch "additional-gids"
}

@test "exec --cwd runs in that directory" {
	ctr_detach sleep 100
	run rt exec --env "BERTH_ITEST_MARK=$MARK" --cwd /etc "$ID" pwd </dev/null
	assert_status 0
	assert_output /etc
}

@test "exec --process takes args, env, cwd and user from a process.json" {
	ctr_detach sleep 100
	jq -n --arg m "BERTH_ITEST_MARK=$MARK" '{terminal: false, user: {uid: 1000, gid: 1000},
		args: ["sh", "-c", "echo $PV; pwd; id -u; exit 6"], env: ["PATH=/bin:/usr/bin", "PV=from-process", $m],
		cwd: "/tmp"}' >"$WORK/process.json"
	run rt exec --process "$WORK/process.json" "$ID" </dev/null
	assert_status 6
	assert_output "from-process
/tmp
1000"
}

@test "exec --tty gives the process a terminal" {
	ctr_detach sleep 100
	in_tty exec -t --env "BERTH_ITEST_MARK=$MARK" "$ID" sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty'
	assert_status 0
	grep -qE '/dev/pts/[0-9]+$' <<<"$output"
	grep -qx both-tty <<<"$output"
}

@test "exec without --tty has no terminal" {
	ctr_detach sleep 100
	exec_in "$ID" sh -c '[ -t 0 ] || [ -t 1 ] && echo tty || echo notty'
	assert_output notty
}

@test "exec --detach returns at once and --pid-file names the exec'd process" {
	ctr_detach sleep 100
	init=$(ctr_pid "$ID")
	rt exec -d --pid-file "$WORK/exec.pid" --env "BERTH_ITEST_MARK=$MARK" "$ID" sleep 77 </dev/null >/dev/null 2>&1 3>&-
	p=$(cat "$WORK/exec.pid")
	[ "$p" -gt 0 ] && [ "$p" != "$init" ]
	[ "$(tr '\0' ' ' <"/proc/$p/cmdline")" = "sleep 77 " ]
	for ns in pid mnt net ipc uts; do
		[ "$(readlink "/proc/$p/ns/$ns")" = "$(readlink "/proc/$init/ns/$ns")" ]
	done
	[ "$(cat "/proc/$p/cgroup")" = "$(cat "/proc/$init/cgroup")" ]
}

# bats test_tags=vm
@test "exec joins the container's namespaces and cgroup (seen from inside)" {
	cfg '.hostname = "exec-host"'
	ctr_detach sleep 100
	init=$(ctr_pid "$ID")
	exec_in "$ID" sh -c 'for n in pid mnt net ipc uts cgroup; do readlink /proc/self/ns/$n; done; hostname; ls /bin/busybox'
	assert_status 0
	want=$(for n in pid mnt net ipc uts cgroup; do readlink "/proc/$init/ns/$n"; done; echo exec-host; echo /bin/busybox)
	[ "$output" = "$want" ]
	# The same cgroup as init, as both see it from inside (with a cgroup namespace, as `runc spec`
	# writes on v2 hosts, that is "/"; without one, the container's own cgroupsPath).
	exec_in "$ID" sh -c 'cat /proc/self/cgroup; echo ==; cat /proc/1/cgroup'
	assert_status 0
	[ "$(sed '/^==$/,$d' <<<"$output")" = "$(sed '1,/^==$/d' <<<"$output")" ]
	if ! jq -e '.linux.namespaces[] | select(.type == "cgroup")' "$BUNDLE/config.json" >/dev/null; then
		grep -q "$CG" <<<"$output"
	fi
}

@test "exec in a stopped container fails with one error line" {
	ctr_detach true
	wait_status "$ID" stopped
	exec_in "$ID" echo should-not-run
	[ "$status" -ne 0 ]
	[[ $output != *should-not-run* ]]
	assert_berth_error_line
}

@test "run with terminal true and no console socket uses the caller's tty" {
	cfg '.process.terminal = true'
	set_args sh -c 'tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty; exit 5'
	new_id
	in_tty run -b "$BUNDLE" "$ID"
	assert_status 5
	# script(1) may echo its end-of-input before the first line, so the match is not anchored at ^
	grep -qE '/dev/pts/[0-9]+$' <<<"$output"
	grep -qx all-tty <<<"$output"
}

@test "create with terminal true hands the pty master to --console-socket" {
	cfg '.process.terminal = true | .process.consoleSize = {"height": 31, "width": 103}'
	set_args sh -c 'tty; stty size; read line; echo "got:$line"'
	new_id
	python3 "$ITEST_DIR/console-recv.py" "$WORK/cs" $'typed-in\n' >"$WORK/console.out" 2>&1 3>&- &
	recv=$!
	retry 300 test -e "$WORK/cs.ready"
	rt create --console-socket "$WORK/cs" -b "$BUNDLE" "$ID" </dev/null >"$WORK/create.out" 2>&1 3>&-
	rt start "$ID"
	wait_status "$ID" stopped
	retry 300 sh -c "! kill -0 $recv 2>/dev/null"
	wait "$recv"
	out=$(tr -d '\r' <"$WORK/console.out")
	echo "$out"
	grep -qE '^/dev/pts/[0-9]+$' <<<"$out"
	grep -qx '31 103' <<<"$out"
	grep -qx 'got:typed-in' <<<"$out"
}

@test "terminal true without a console socket on create fails cleanly" {
	cfg '.process.terminal = true'
	st=0
	ctr_create true || st=$?
	[ "$st" -ne 0 ]
	run rt state "$ID"
	[ "$status" -ne 0 ]
}

# bats test_tags=vm
@test "status is stopped once init is killed from outside" {
	ctr_detach sleep 100
	pid=$(ctr_pid "$ID")
	kill -9 "$pid"
	wait_status "$ID" stopped
	run rt list --format json
	jq -e --arg id "$ID" '.[] | select(.id == $id) | .status == "stopped"' <<<"$output"
}

# The pid in the state file is handed to an unrelated live process, as if the kernel had reused it:
# the recorded start time must make that process not count as the container.
@test "a reused pid does not bring a stopped container back to running" {
	ctr_detach sleep 100
	kill -9 "$(ctr_pid "$ID")"
	wait_status "$ID" stopped
	BERTH_ITEST_MARK=$MARK sleep 100 3>&- &
	decoy=$!
	f=$STATE_ROOT/$ID/state.json
	[ -f "$f" ]
	if [ "$RUNTIME_NAME" = runc ]; then
		jq --argjson p "$decoy" '.init_process_pid = $p' "$f" >"$f.new"
	else
		jq --argjson p "$decoy" '.pid = $p' "$f" >"$f.new"
	fi
	mv "$f.new" "$f"
	[ "$(ctr_status "$ID")" = stopped ]
	run rt kill "$ID" KILL
	[ "$status" -ne 0 ]
	kill -0 "$decoy"
	kill "$decoy"
	wait "$decoy" || true
}

@test "list --format json carries the state fields" {
	cfg '.annotations = {"org.example.list": "lv"}'
	ctr_detach sleep 100
	run rt list --format json
	assert_status 0
	jq -e --arg id "$ID" --arg b "$BUNDLE" --argjson p "$(ctr_pid "$ID")" '
		length == 1 and (.[0] | .id == $id and .pid == $p and .status == "running" and .bundle == $b
		and (.rootfs | endswith("/rootfs")) and (.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))
		and has("owner") and .annotations["org.example.list"] == "lv")' <<<"$output"
}

# runc's list JSON carries each container's ociVersion, as its state does; tools parse either.
@test "list --format json carries ociVersion like state" {
	ctr_detach sleep 100
	run rt list --format json
	assert_status 0
	jq -e --arg v "$(rt state "$ID" | jq -r .ociVersion)" '.[0].ociVersion == $v' <<<"$output"
}

@test "state annotations survive start and reach a stopped container's state" {
	cfg '.annotations = {"org.example.a": "1", "org.example.b": "two"}'
	ctr_create true
	rt start "$ID"
	wait_status "$ID" stopped
	run rt state "$ID"
	jq -e '.status == "stopped" and .annotations == {"org.example.a": "1", "org.example.b": "two"}' <<<"$output"
}

# The README demo (scripts/demo) without its apt-get set-up: the same config on the runtime under test.
# bats test_tags=vm
@test "the demo config: own hostname, PID 1, loopback only, read-only root" {
	rm "$BUNDLE/config.json"
	"$RUNTIME" spec --bundle "$BUNDLE"
	cfg '.process.terminal = false | .hostname = "berth-demo" | .linux.cgroupsPath = $cg
		| .process.env += [$m]
		| .linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 64}
		| .process.args = ["sh", "-c", "hostname; echo $$; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d \" \"; ip -o link show lo | grep -q UP && echo lo-up; touch /probe 2>/dev/null && echo writable || echo read-only"]' \
		--arg cg "$CG_TEST/c1" --arg m "BERTH_ITEST_MARK=$MARK"
	ID=${MARK}-c1
	echo "$ID" >>"$ITEST_IDS"
	run rt run -b "$BUNDLE" "$ID" </dev/null
	assert_status 0
	assert_output "berth-demo
1
lo
lo-up
read-only"
	[ ! -e "$BUNDLE/rootfs/probe" ]
}

@test "concurrent creates of one ID: exactly one wins, and its state is whole" {
	set_args sleep 100
	new_id
	for i in 1 2 3 4 5; do
		(rt create -b "$BUNDLE" "$ID" </dev/null >"$WORK/cc$i.out" 2>&1 3>&-; echo $? >"$WORK/cc$i.rc") 3>&- &
	done
	wait
	cat "$WORK"/cc*.out
	[ "$(cat "$WORK"/cc*.rc | grep -cx 0)" -eq 1 ]
	[ "$(ctr_status "$ID")" = created ]
	pid=$(ctr_pid "$ID")
	kill -0 "$pid"
	rt start "$ID"
	[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 100 " ]
	# only the winner's processes are in the container's cgroup
	[ "$(cgroup_pids | xargs)" = "$pid" ]
}

# sdnotify_bin: the static sd_notify sender (sdnotify.c) in the rootfs as /bin/sdnotify.
sdnotify_bin() {
	command -v python3 >/dev/null || skip "no python3 for the receiving socket"
	static_probe sdnotify
	cp "$PROBE" "$BUNDLE/rootfs/bin/sdnotify"
}

@test "NOTIFY_SOCKET is proxied: start returns after the process's READY=1 reaches the caller's socket" {
	sdnotify_bin
	sock=$WORK/host-notify.sock
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
open(sys.argv[2], "w").write(s.recv(4096).decode())
' "$sock" "$WORK/notified" 3>&- &
	retry 300 test -S "$sock"
	NOTIFY_SOCKET=$sock ctr_create sh -c 'test "$NOTIFY_SOCKET" = /run/notify/notify.sock || exit 9; sleep 0.3; sdnotify READY=1; sleep 100'
	NOTIFY_SOCKET=$sock rt start "$ID"
	wait
	[ "$(cat "$WORK/notified")" = READY=1 ]
	[ "$(ctr_status "$ID")" = running ]
}

# bats test_tags=vm
@test "exec --cgroup refuses a path that leaves the container's cgroup" {
	[ "$RUNTIME_NAME" = berth ] || skip "runc 1.1.5 resolves --cgroup differently"
	ctr_detach sleep 100
	for bad in ../escape /abs sub/../../escape; do
		run rt exec --cgroup "$bad" "$ID" true </dev/null
		[ "$status" -ne 0 ]
		assert_imatch 'not a path below the container'
		[ "$(grep -c . <<<"$output")" -eq 1 ]
	done
	# nothing was started outside: the container's cgroup still holds only init
	exec_in "$ID" sh -c 'cat /proc/1/cgroup >/dev/null'
	assert_status 0
}
