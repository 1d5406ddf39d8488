#!/usr/bin/env bats
# bats file_tags=logging
# --debug, --log FILE and --log-format text|json as runc has them: debug lines for each step of every
# verb (and of init) in logrus' text form or as JSON objects, errors as JSON on stderr with
# --log-format json, and nothing in the log without --debug but errors.

load helpers

# logrus' text line, as runc writes it: time to the second, level, a quoted msg with \" and \\
# escaped, then (runc) more key=value fields.
Q='"([^"\\]|\\.)*"'
TEXT_LINE='^time="[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z" level=(debug|info|warning|error) msg='$Q'( [a-z_]+=('$Q'|[^ "]*))*$'

# every_line_text FILE: each line of FILE is one logrus text line.
every_line_text() {
	local bad
	bad=$(grep -vE "$TEXT_LINE" "$1") || true
	if [ -n "$bad" ] || [ ! -s "$1" ]; then
		printf 'not logrus text lines in %s:\n%s\n' "$1" "$bad" >&2
		return 1
	fi
}

# every_line_json FILE: each line of FILE is a JSON object with string level, msg and time (RFC 3339).
every_line_json() {
	[ -s "$1" ] || { echo "$1 is empty" >&2; return 1; }
	local line
	while IFS= read -r line; do
		jq -e '(.level | type) == "string" and (.msg | type) == "string"
			and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\\.[0-9]+)?Z$"))' \
			<<<"$line" >/dev/null || {
			printf 'not a JSON log line in %s: %s\n' "$1" "$line" >&2
			return 1
		}
	done <"$1"
}

# has_step FILE REGEX: berth's debug line for one step, with its timing.
has_step() {
	[ "$RUNTIME_NAME" = berth ] || return 0
	grep -qE "$2.* \(\+[0-9]+\.[0-9]{3} ms, at [0-9]+\.[0-9]{3} ms\)" "$1" || {
		printf 'no debug line /%s/ with its timing in %s:\n' "$2" "$1" >&2
		cat "$1" >&2
		return 1
	}
}

@test "logging: --debug --log FILE logs each step of create, init, start, exec, kill and delete as text" {
	log=$WORK/debug.log
	set_args sleep 100
	new_id
	rt --debug --log "$log" create -b "$BUNDLE" "$ID" </dev/null 3>&-
	rt --debug --log "$log" start "$ID"
	rt --debug --log "$log" exec "$ID" true
	rt --debug --log "$log" kill "$ID" KILL
	wait_status "$ID" stopped
	rt --debug --log "$log" delete "$ID"
	every_line_text "$log"
	grep -q 'level=debug' "$log"
	has_step "$log" 'msg="create [^ ]+: config parsed'
	has_step "$log" 'msg="create [^ ]+: cgroup .* ready'
	has_step "$log" 'msg="create [^ ]+: init cloned, pid [0-9]+'
	has_step "$log" 'msg="init: namespaces, cgroup and network joined'
	has_step "$log" 'msg="init: rootfs mounted, root pivoted'
	has_step "$log" 'msg="create [^ ]+: init ready, waiting for start'
	has_step "$log" 'msg="start [^ ]+: init released'
	has_step "$log" 'msg="exec [^ ]+: process cloned, pid [0-9]+'
	has_step "$log" 'msg="exec: cgroup and namespaces joined'
	has_step "$log" 'msg="kill [^ ]+: signal 9 to init'
	has_step "$log" 'msg="delete [^ ]+: removed'
}

@test "logging: --log-format json keeps the log JSON lines through run, pause, resume, update, exec and delete" {
	log=$WORK/debug.json
	set_args sleep 100
	new_id
	L=(--debug --log "$log" --log-format json)
	rt "${L[@]}" run -d -b "$BUNDLE" "$ID" </dev/null 3>&-
	rt "${L[@]}" pause "$ID"
	rt "${L[@]}" resume "$ID"
	rt "${L[@]}" update --pids-limit 100 "$ID"
	rt "${L[@]}" exec "$ID" true
	# A failing command adds its error to the log, also as JSON.
	run rt "${L[@]}" delete "$ID"
	[ "$status" -ne 0 ]
	rt "${L[@]}" delete --force "$ID"
	every_line_json "$log"
	jq -e -s 'any(.[]; .level == "error")' "$log" >/dev/null
	[ "$RUNTIME_NAME" = berth ] || return 0
	jq -e -s 'map(select(.level == "debug")) | length > 10' "$log" >/dev/null
	has_step "$log" '"msg":"run [^ ]+: init released'
	has_step "$log" '"msg":"init: rootfs mounted'
	has_step "$log" '"msg":"pause [^ ]+: cgroup frozen'
	has_step "$log" '"msg":"resume [^ ]+: cgroup thawed'
	has_step "$log" '"msg":"update [^ ]+: limits applied'
	has_step "$log" '"msg":"exec [^ ]+: process exec'"'"'d'
	has_step "$log" '"msg":"delete [^ ]+: was running'
}

@test "logging: --debug without --log writes the lines to stderr; the process's stdout stays its own" {
	set_args sh -c 'echo out'
	new_id
	rt --debug run -b "$BUNDLE" "$ID" </dev/null >"$WORK/out" 2>"$WORK/err"
	[ "$(cat "$WORK/out")" = out ]
	every_line_text "$WORK/err"
	has_step "$WORK/err" 'msg="init: rootfs mounted'
}

@test "logging: without --debug the log gets no debug line, and a success writes nothing" {
	log=$WORK/quiet.log
	set_args sleep 100
	new_id
	rt --log "$log" --log-format json create -b "$BUNDLE" "$ID" </dev/null 3>&-
	rt --log "$log" --log-format json start "$ID"
	rt --log "$log" --log-format json exec "$ID" true
	rt --log "$log" --log-format json delete --force "$ID"
	[ ! -s "$log" ] || ! grep -q '"level":"debug"' "$log"
	[ "$RUNTIME_NAME" = berth ] || return 0
	[ ! -s "$log" ]
}

@test "logging: --log-format json makes an error on stderr a JSON object, as runc" {
	run rt --log-format json delete no-such-container
	[ "$status" -ne 0 ]
	[ "$(grep -c . <<<"$output")" -eq 1 ]
	jq -e '.level == "error" and (.msg | test("no-such-container|does not exist"))
		and (.time | test("Z$"))' <<<"$output"
	# With --log, the JSON line goes to the file and stderr has the plain message.
	run rt --log-format json --log "$WORK/e.json" delete no-such-container
	[ "$status" -ne 0 ]
	assert_imatch 'does not exist'
	! jq -e . <<<"$output" >/dev/null 2>&1
	every_line_json "$WORK/e.json"
	jq -e -s 'any(.[]; .level == "error")' "$WORK/e.json"
}

@test "logging: text errors keep berth's one line on stderr; --log gets the logrus line" {
	[ "$RUNTIME_NAME" = berth ] || skip "runc writes its logrus line on stderr"
	run rt delete no-such-container
	assert_status 1
	assert_berth_error_line
	run rt --log "$WORK/e.log" delete no-such-container
	assert_status 1
	assert_berth_error_line
	every_line_text "$WORK/e.log"
	grep -q 'level=error msg="container \\"no-such-container\\" does not exist"' "$WORK/e.log"
}

@test "logging: the log file (or the stderr copy) never reaches the container's processes" {
	set_args sh -c 'ls /proc/$$/fd; sleep 100'
	new_id
	rt --debug --log "$WORK/d.log" run -d -b "$BUNDLE" "$ID" </dev/null >"$WORK/out" 2>&1 3>&-
	retry 300 grep -q . "$WORK/out"
	[ "$(sort -n "$WORK/out" | tr '\n' ' ')" = "0 1 2 " ]
	# "; true": sh would otherwise exec ls, whose own directory fd would be listed.
	exec_in "$ID" sh -c 'ls /proc/$$/fd; true'
	assert_status 0
	[ "$(sort -n <<<"$output" | tr '\n' ' ')" = "0 1 2 " ]
	out=$(rt --debug exec "$ID" sh -c 'ls /proc/$$/fd; true' </dev/null 2>/dev/null)
	[ "$(sort -n <<<"$out" | tr '\n' ' ')" = "0 1 2 " ]
}
