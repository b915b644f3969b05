#!/bin/bash
# examples.sh FILE: run the `$ command` examples of FILE and compare what
# they print with what FILE shows, the way jq's manual test does.
#
# FILE is a man page (its EXAMPLES section's .Bd -literal blocks that
# start with "$ ") or a Markdown file (its ```console blocks).  In a block,
# "$ " starts a command; the command goes on over the next lines for as
# long as a shell would prompt for more (a trailing backslash, an open
# quote, a trailing pipe or ||), and the lines up to the next command are
# its output, standard output and standard error together.  A shown line
# matches the printed one exactly, except that "..." in it stands for any
# text (an elided value).
#
# A block that cannot run here (it needs a JACK server, an audio device)
# is marked on the line before it: '.\" not run: REASON' in a page,
# '<!-- not run: REASON -->' in Markdown.  Its commands are not run, and
# each is named on standard output, "FILE: not run (REASON): $ COMMAND",
# then "FILE: N commands not run", so that what is skipped stays visible.
# "examples.sh --not-run FILE" lists them and runs nothing.
#
# Every block of FILE runs in order in one temporary directory, which
# holds examples/ and tests/ of the source tree and the files
# tests/data/man/FIXTURES maps to the names FILE's examples use; each command
# runs in a shell of its own, where $? is the previous command's status,
# and in a process group of its own, which is killed at the end: a service
# an example starts in the background and a failing example leaves up
# does not outlive the run.  Prints a diff of each command that differs
# and exits 1; 0 when all agree.
#
# A command that fails says so in what it prints, which the page shows;
# one that fails printing nothing (grep -q, cmp -s, test) would pass
# unseen, so the next command must show its status ("$ echo $?"), or the
# run fails naming it.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
only_list=0
[ "$1" = --not-run ] && { only_list=1; shift; }
file=$1
dir=$(mktemp -d)
groups=$(mktemp)
out=$(mktemp -d)
cleanup() {
	local g
	# each group an example ran in, while a process of its session lives
	# (so never a group whose number a new process has taken since)
	for g in $(cat "$groups"); do
		[ -n "$(ps -s "$g" -o pid= 2>/dev/null)" ] &&
			kill -TERM -- "-$g" 2>/dev/null
	done
	rm -rf "$dir" "$groups" "$out"
}
trap cleanup EXIT
ln -s "$top/examples" "$dir/examples"
ln -s "$top/tests" "$dir/tests"
page=$(basename "$file")
while read -r for name src; do
	case $for in '' | '#'*) continue ;; esac
	[ "$for" = "*" ] || [ "$for" = "$page" ] || continue
	cp "$top/$src" "$dir/$name"
done < "$top/tests/data/man/FIXTURES"

# The blocks as records: "B<TAB>REASON" starts a block (REASON empty when
# it runs) and "L<TAB>line" is one of its lines.
extract() {
	case $file in
	*.md)
		awk '/^<!-- not run: .* -->$/ {
			     skip = $0; sub(/^<!-- not run: /, "", skip)
			     sub(/ -->$/, "", skip); next }
		     /^```console$/ { on = 1; print "B\t" skip; skip = ""; next }
		     /^```/ { on = 0; next }
		     on { print "L\t" $0; next }
		     /[^ ]/ { skip = "" }' "$file"
		;;
	*)
		# the literal blocks of EXAMPLES, mdoc escapes undone (\e
		# last, so that "\e-" is a backslash and a hyphen)
		awk '/^\.Sh / { ex = ($0 ~ /^\.Sh EXAMPLES/) }
		     ex && /^\.\\" not run: / {
			     skip = $0; sub(/^\.\\" not run: /, "", skip); next }
		     ex && /^\.Bd -literal/ { on = 1; first = 1; next }
		     /^\.Ed/ { on = 0; skip = ""; next }
		     on && first && !/^\$ / { on = 0 }
		     on && first { print "B\t" skip; skip = "" }
		     on { first = 0; print "L\t" $0 }' "$file" |
			sed -e 's/\\e/\x01/g' -e 's/\\(->/→/g' -e 's/\\(mu/×/g' \
			    -e 's/\\(pc/·/g' -e 's/\\(\*S/Σ/g' -e 's/\\(em/—/g' \
			    -e 's/\\(en/–/g' -e 's/\\(aq/'"'"'/g' -e 's/\\(dq/"/g' \
			    -e 's/\\(mi/-/g' -e 's/\\-/-/g' -e 's/\\&//g' \
			    -e 's/\x01/\\/g'
		;;
	esac
}

# incomplete CMD: true when a shell would prompt for more of CMD
incomplete() {
	local tail=${1##*[!\\]}	# the backslashes CMD ends in
	[ $((${#tail} % 2)) = 1 ] && return 0
	bash -n -c "$1" 2>&1 | grep -q 'unexpected end of file\|unexpected EOF'
}

# match SHOWN PRINTED: PRINTED is SHOWN, "..." standing for any text
match() {
	local shown=$1 printed=$2 pattern="" part rest
	rest=$shown
	while [[ $rest == *...* ]]; do
		part=${rest%%...*}
		pattern+=$(printf '%q' "$part")'*'
		rest=${rest#*...}
	done
	[ -n "$rest" ] && pattern+=$(printf '%q' "$rest")
	[ -z "$shown" ] && pattern='""'
	eval "[[ \$printed == $pattern ]]"
}

status=0 last=0 skipped=0 runs=0 silent=""
# silent_failure [CMD]: the command before CMD failed printing nothing,
# and CMD (none at the end) does not show its status
silent_failure() {
	[ -n "$silent" ] || return 0
	[[ ${1-} == *'$?'* ]] || {
		echo "$file: \$ $silent"
		echo "  exited $last, printing nothing, and the page does not show it"
		status=1
	}
	silent=""
}

check() {
	local cmd=$1 shown=$2 reason=$3 printed i n
	[ -z "$cmd" ] && return
	if [ -n "$reason" ]; then
		echo "$file: not run ($reason): \$ ${cmd%%$'\n'*}"
		skipped=$((skipped + 1))
		return
	fi
	[ "$only_list" = 1 ] && return
	# each in a shell and a process group of its own (setsid), $? the
	# status of the one before, its output in a file of its own (a pipe
	# would wait for a service the example leaves running in the
	# background); no descriptor beyond 2 stays open (bats waits for its
	# fd 3)
	silent_failure "$cmd"
	runs=$((runs + 1))
	(cd "$dir" && setsid --wait bash -c \
		'echo $$ >> "$0"; exec bash -c "$1"' "$groups" \
		"(exit $last); $cmd" < /dev/null > "$out/$runs" 2>&1 3>&-)
	last=$?
	printed=$(cat "$out/$runs")
	[ "$last" != 0 ] && [ -z "$printed" ] && silent=$cmd
	if [ "$(printf '%s' "$shown" | sed -n '$=')" != \
	     "$(printf '%s' "$printed" | sed -n '$=')" ]; then
		ok=0
	else
		ok=1
		n=$(printf '%s\n' "$shown" | sed -n '$=')
		for ((i = 1; i <= ${n:-0}; i++)); do
			match "$(printf '%s\n' "$shown" | sed -n "${i}p")" \
			      "$(printf '%s\n' "$printed" | sed -n "${i}p")" ||
				{ ok=0; break; }
		done
	fi
	if [ "$ok" = 0 ]; then
		echo "$file: \$ $cmd"
		diff <(printf '%s\n' "$shown") <(printf '%s\n' "$printed") |
			sed 's/^/  /'
		status=1
	fi
}

cmd="" shown="" lines=0 reason="" more=0
while IFS= read -r line; do
	case $line in
	B$'\t'*)
		check "$cmd" "$shown" "$reason"
		cmd="" shown="" lines=0 more=0 reason=${line#B$'\t'}
		continue
		;;
	esac
	line=${line#L$'\t'}
	if [ "$more" = 1 ]; then
		cmd+=$'\n'$line
	elif [[ $line == '$ '* ]]; then
		check "$cmd" "$shown" "$reason"
		cmd=${line#'$ '} shown="" lines=0
	elif [ "$lines" = 0 ]; then
		shown=$line lines=1
	else
		shown+=$'\n'$line lines=$((lines + 1))
	fi
	more=0
	if [ -n "$cmd" ] && [ "$lines" = 0 ] && incomplete "$cmd"; then
		more=1
	fi
done < <(extract)
check "$cmd" "$shown" "$reason"
silent_failure
[ "$skipped" = 0 ] || echo "$file: $skipped commands not run"
exit $status
