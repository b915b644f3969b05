#!/bin/bash
# examples.sh FILE: run the `$ command` examples of FILE and compare what
# they print with what FILE shows, the way jq's manual test does.
#
# FILE is a man page (its EXAMPLES section's .Bd -literal blocks that
# start with "$ ") or a Markdown file (its ```console blocks).  In a block,
# "$ " starts a command, a line that ends in a backslash continues it,
# and the lines up to the next command are its output, standard output
# and standard error together.  A shown line matches the printed one
# exactly, except that "..." in it stands for any text (an elided value).
#
# Every block of FILE runs in order in one temporary directory, which
# holds examples/ and tests/ of the source tree and the files
# tests/data/man/FIXTURES maps to the names FILE's examples use; each command
# runs in a shell of its own, where $? is the previous command's status.  Prints a
# diff of each command that differs and exits 1; 0 when all agree.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
file=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ln -s "$top/examples" "$dir/examples"
ln -s "$top/tests" "$dir/tests"
page=$(basename "$file")
while read -r for name src; do
	case $for in '' | '#'*) continue ;; esac
	[ "$for" = "*" ] || [ "$for" = "$page" ] || continue
	cp "$top/$src" "$dir/$name"
done < "$top/tests/data/man/FIXTURES"

# The blocks as records: "C<TAB>command" (continuations joined by a
# newline) and "O<TAB>line" for the output shown after it.
extract() {
	case $file in
	*.md)
		awk '/^```console$/ { on = 1; next }
		     /^```/ { on = 0; next }
		     on { print }' "$file"
		;;
	*)
		# the literal blocks of EXAMPLES, mdoc escapes undone
		awk '/^\.Sh / { ex = ($0 ~ /^\.Sh EXAMPLES/) }
		     ex && /^\.Bd -literal/ { on = 1; first = 1; next }
		     /^\.Ed/ { on = 0; next }
		     on && first && !/^\$ / { on = 0 }
		     on { first = 0; print }' "$file" |
			sed -e 's/\\e/\\/g' -e 's/\\(mi/-/g' -e 's/\\-/-/g' \
			    -e 's/\\&//g'
		;;
	esac | awk '
		cont { printf "\n%s", $0; cont = /\\$/; if (!cont) printf "\n"; next }
		/^\$ / { printf "C\t%s", substr($0, 3); cont = /\\$/;
			 if (!cont) printf "\n"; next }
		{ printf "O\t%s\n", $0 }'
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

status=0 last=0
check() {
	local cmd=$1 shown=$2 printed i n
	[ -z "$cmd" ] && return
	# each in a shell of its own, $? the status of the one before
	printed=$(cd "$dir" && bash -c "(exit $last); $cmd" 2>&1)
	last=$?
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

cmd="" shown=""
while IFS= read -r line; do
	case $line in
	C$'\t'*)
		check "$cmd" "$shown"
		cmd=${line#C$'\t'} shown=""
		;;
	O$'\t'*)
		if [ -z "$shown" ]; then shown=${line#O$'\t'}
		else shown+=$'\n'${line#O$'\t'}; fi
		;;
	*)	# a continuation line of the command (no record prefix)
		cmd+=$'\n'$line
		;;
	esac
done < <(extract)
check "$cmd" "$shown"
exit $status
