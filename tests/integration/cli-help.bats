#!/usr/bin/env bats
# bats file_tags=cli
# Per-command help, as runc gives it: `CMD --help`, `CMD -h` and `help CMD` print the command's usage
# and exit 0; every option a help lists is one the command's parser takes, and (berth) every option
# the parser takes is in its help. No test here starts a container.

load helpers

COMMANDS="create start run exec state kill delete list ps pause resume update events spec features
	checkpoint restore"
[ "$RUNTIME_NAME" != berth ] || COMMANDS+=" box"

# Commands without positional arguments: an extra one makes them fail before doing anything.
no_args_command() { [[ $1 == list || $1 == spec || $1 == features ]]; }

UNKNOWN='unknown option|invalid option|flag provided but not defined'

# help_options: from a help text on stdin, one "NAME ARITY" line per long option (ARITY 1 when the
# option takes a value). An option line starts with "-"; its flags end at the first two spaces:
# berth's "  -e, --env NAME=VALUE   text", runc's "   --env value, -e value   text".
help_options() {
	local line flags tok
	while IFS= read -r line; do
		[[ $line =~ ^\ +- ]] || continue
		flags=${line#"${line%%[! ]*}"}
		flags=${flags%%  *}
		IFS=, read -ra toks <<<"$flags"
		for tok in "${toks[@]}"; do
			tok=${tok# }
			[[ $tok == --* ]] || continue
			tok=${tok#--}
			if [[ $tok == *" "* ]]; then
				echo "${tok%% *} 1 ${tok#* }"
			else
				echo "$tok 0 -"
			fi
		done
	done
}

# A value the option's parser takes, from the placeholder its help shows.
value_for() {
	case $1 in
	*\|*) echo "${1%%|*}" ;;
	*=*) echo A=B ;;
	*) echo 1 ;;
	esac
}

# opt_args CMD NAME ARITY PLACEHOLDER: argv for a parse of the option that stops at a usage error.
opt_args() {
	local a=("$1" "--$2")
	[ "$3" = 0 ] || a+=("$(value_for "$4")")
	! no_args_command "$1" || a+=(extra)
	printf '%s\n' "${a[@]}"
}

@test "cli-help: every command answers --help and -h with its usage, exit 0" {
	local cmd flag
	for cmd in $COMMANDS; do
		for flag in --help -h; do
			run rt "$cmd" "$flag" </dev/null
			assert_status 0
			if [ "$RUNTIME_NAME" = berth ]; then
				[[ ${lines[0]} =~ ^usage:\ berth\ $cmd( |$) ]] || {
					echo "$cmd $flag: first line: ${lines[0]}" >&2
					return 1
				}
				# A description and at least the --help line.
				assert_match $'\n\n[A-Z][^\n]+\n'
				assert_match $'\n  -h, --help '
			else
				assert_imatch "usage:"
				assert_match "$RUNTIME_NAME $cmd"
			fi
		done
	done
}

@test "cli-help: help CMD prints what CMD --help prints; help alone the command list" {
	local cmd want
	for cmd in $COMMANDS; do
		want=$(rt "$cmd" --help </dev/null)
		run rt help "$cmd" </dev/null
		assert_status 0
		assert_output "$want"
	done
	want=$(rt --help </dev/null)
	run rt help </dev/null
	assert_status 0
	assert_output "$want"
	run rt help no-such-command </dev/null
	[ "$status" -ne 0 ]
	[ "$RUNTIME_NAME" != berth ] || assert_output 'berth: help: unknown command "no-such-command" (see berth --help)'
}

@test "cli-help: the help's option lines are the command's own (exec)" {
	[ "$RUNTIME_NAME" = berth ] || skip "berth's help layout"
	run rt exec --help </dev/null
	assert_status 0
	[ "${lines[0]}" = "usage: berth exec [options] ID COMMAND [ARGS...]" ]
	[ "${lines[1]}" = "       berth exec [options] -p process.json ID" ]
	assert_match $'\n  -e, --env NAME=VALUE +[a-z]'
	assert_match $'\n      --cwd DIR +[a-z]'
	# -h after the ID belongs to the container's command, not to exec.
	run rt exec no-such-container sh -h </dev/null
	[ "$status" -ne 0 ]
	assert_imatch 'no-such-container'
	assert_berth_error_line
}

# bats test_tags=slow
@test "cli-help: every long option a help lists is accepted by the command's parser" {
	local cmd name arity ph n=0 out
	for cmd in $COMMANDS; do
		out=$(rt "$cmd" --help </dev/null)
		while read -r name arity ph; do
			[ "$name" != help ] || continue
			mapfile -t args < <(opt_args "$cmd" "$name" "$arity" "$ph")
			# No ID (or an extra argument): the command stops at its usage check, runs nothing.
			run rt "${args[@]}" </dev/null
			n=$((n + 1))
			if [ "$status" -eq 0 ] || grep -qiE -- "$UNKNOWN" <<<"$output"; then
				echo "$RUNTIME_NAME ${args[*]}: exit $status: $output" >&2
				return 1
			fi
		done < <(help_options <<<"$out")
	done
	# The loop saw the options: exec alone lists more than ten.
	[ "$n" -gt 40 ]
}

# src_options: "COMMAND NAME ARITY" for every entry of the getopt_long tables in cli/cmd_*.c. A
# table belongs to the function it is in (or, at file scope, to the functions naming it); a helper's
# table to the cmd_* functions that call the helper (parse_create: create and run).
src_options() {
	local f
	for f in "$BATS_TEST_DIRNAME"/../../cli/cmd_*.c; do
		awk '
		function ident(c) { return c ~ /[A-Za-z0-9_]/ }
		function calls(line, name,    i) {
			i = index(line, name "(")
			if (i == 0) i = index(line, name ",")
			if (i == 0) i = index(line, name " ")
			return i > 0 && (i == 1 || !ident(substr(line, i - 1, 1)))
		}
		FNR == NR {
			if ($0 ~ /^[a-z].*\(/ && $0 !~ /;$/) {
				s = $0; sub(/\(.*/, "", s); sub(/.*[ *]/, "", s); defs[s] = 1
			}
			if ($0 ~ /^static const struct option [a-z_]+\[\]/) {
				s = $0; sub(/\[\].*/, "", s); sub(/.* /, "", s); defs[s] = 1
			}
			next
		}
		/^[a-z].*\(/ && !/;$/ { fn = $0; sub(/\(.*/, "", fn); sub(/.*[ *]/, "", fn) }
		/^static const struct option [a-z_]+\[\]/ { fn = $0; sub(/\[\].*/, "", fn); sub(/.* /, "", fn) }
		/^}/ { fn = "" }
		{
			rest = $0
			while (match(rest, /\{"[a-z0-9-]+", *(no|required|optional)_argument/)) {
				e = substr(rest, RSTART, RLENGTH); rest = substr(rest, RSTART + RLENGTH)
				name = e; sub(/^\{"/, "", name); sub(/".*/, "", name)
				ar = (e ~ /no_argument/) ? 0 : 1
				owned[fn] = owned[fn] name " " ar "\n"
			}
			if (fn != "")
				for (d in defs)
					if (d != fn && !((d, fn) in seen) && calls($0, d)) {
						seen[d, fn] = 1
						callers[d] = callers[d] " " fn
					}
		}
		function emit(owner, entries, depth,    n, i, c, l) {
			if (depth > 5)
				return
			if (owner ~ /^cmd_/) {
				n = split(entries, l, "\n")
				for (i = 1; i <= n; i++) if (l[i] != "") print substr(owner, 5), l[i]
				return
			}
			n = split(callers[owner], c, " ")
			for (i = 1; i <= n; i++) emit(c[i], entries, depth + 1)
		}
		END { for (o in owned) emit(o, owned[o], 0) }
		' "$f" "$f"
	done
}

# bats test_tags=slow
@test "cli-help: every option in the cli/cmd_*.c tables is in its command's help" {
	[ "$RUNTIME_NAME" = berth ] || skip "reads berth's own sources"
	local cmd name arity n=0 help hn ha hp
	src_options >"$WORK/src-options"
	while read -r cmd name arity; do
		n=$((n + 1))
		help=$(rt "$cmd" --help </dev/null | help_options)
		hn=$(awk -v o="$name" '$1 == o' <<<"$help")
		if [ -z "$hn" ]; then
			# Not in the help: the command must refuse it (create refuses run's --detach, --keep
			# and --config, which their shared table holds).
			mapfile -t args < <(opt_args "$cmd" "$name" "$arity" x)
			run rt "${args[@]}" </dev/null
			if [ "$status" -ne 1 ] || ! grep -qi 'unknown option' <<<"$output"; then
				echo "berth $cmd takes --$name, but its help does not list it ($output)" >&2
				return 1
			fi
			continue
		fi
		read -r _ ha hp <<<"$hn"
		if [ "$ha" != "$arity" ]; then
			echo "berth $cmd --$name: the table says arity $arity, its help shows '$hp'" >&2
			return 1
		fi
	done <"$WORK/src-options"
	# Every command's table was found (box's is in parse_box, create's and run's at file scope).
	for cmd in $COMMANDS; do
		grep -q "^$cmd help 0$" "$WORK/src-options" || {
			echo "no --help entry found for $cmd in cli/cmd_*.c" >&2
			return 1
		}
	done
	grep -q '^run keep 0$' "$WORK/src-options"
	grep -q '^box cgroup-parent 1$' "$WORK/src-options"
	grep -q '^update kernel-memory-tcp 1$' "$WORK/src-options"
	[ "$n" -gt 80 ]
}

@test "cli-help: an unknown option still fails with one line, exit 1 (box: 125), for every command" {
	local cmd
	for cmd in $COMMANDS; do
		run rt "$cmd" --no-such-option </dev/null
		# box takes docker run's status for its own failures: 125.
		if [ "$cmd" = box ]; then assert_status 125; else assert_status 1; fi
		assert_imatch "$UNKNOWN"
		assert_berth_error_line
	done
}

@test "cli-help: checkpoint and restore are known, with runc's options, and refused in one line" {
	local cmd opt
	for cmd in checkpoint restore; do
		run rt "$cmd" --help </dev/null
		assert_status 0
		for opt in image-path work-path tcp-established ext-unix-sk shell-job file-locks \
			manage-cgroups-mode empty-ns auto-dedup lazy-pages; do
			assert_match "--$opt"
		done
	done
	run rt checkpoint --help </dev/null
	assert_match "--leave-running"
	assert_match "--pre-dump"
	run rt restore --help </dev/null
	assert_match "--bundle"
	assert_match "--lsm-profile"
	[ "$RUNTIME_NAME" = berth ] || return 0
	for cmd in checkpoint restore; do
		run rt "$cmd" --image-path "$WORK/img" some-id </dev/null
		assert_status 1
		assert_output "berth: $cmd: not supported: berth has no checkpoint/restore (it needs CRIU, which cannot checkpoint containers on this host)"
	done
	[ ! -e "$WORK/img" ]
}

@test "cli-help: an unknown command with -h or --help is unknown, in one line" {
	[ "$RUNTIME_NAME" = berth ] || skip "runc: No help topic, exit 3"
	local flag
	for flag in -h --help; do
		run rt no-such-command "$flag" </dev/null
		assert_status 1
		assert_output 'berth: unknown command "no-such-command" (see berth --help)'
	done
}
