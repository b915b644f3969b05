#!/usr/bin/env bats
# The manual: every page is clean mdoc with the house sections in order,
# every program has its page, every option a program's usage names is
# documented, and the IR example of adac-ir(5) is the fixture it quotes.
bats_require_minimum_version 1.5.0

setup() {
	TOP="$BATS_TEST_DIRNAME/../.."
	MAN="$TOP/man"
	cd "$BATS_TEST_TMPDIR"
	command -v mandoc >/dev/null || skip "mandoc is not installed"
}

# The pages, one per line.
pages() {
	ls "$MAN"/*.[157] 2>/dev/null
}

@test "man: every page is clean under mandoc -T lint -W warning" {
	[ -n "$(pages)" ]
	run --separate-stderr mandoc -T lint -W warning $(pages)
	echo "$output$stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$stderr" = "" ]
}

@test "man: every program in tools/ has its page man/PROGRAM.1" {
	missing=""
	for src in "$TOP"/tools/*.c; do
		prog=$(basename "$src" .c)
		[ -f "$MAN/$prog.1" ] || missing="$missing $prog.1"
	done
	[ -z "$missing" ] || echo "missing pages:$missing"
	[ -z "$missing" ]
}

@test "man: the overview and the format have their pages" {
	[ -f "$MAN/adac.7" ]
	[ -f "$MAN/adac-ir.5" ]
	[ -f "$MAN/adac-ir.1" ]
}

# The required sections of a page, in order: OPTIONS and EXIT STATUS
# only in section 1.  Other sections may stand between them.
required() {
	case $1 in
	*.1) printf '%s\n' NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" \
		EXAMPLES "SEE ALSO" ;;
	*) printf '%s\n' NAME SYNOPSIS DESCRIPTION EXAMPLES "SEE ALSO" ;;
	esac
}

@test "man: every page has its sections once each and in the house order" {
	bad=""
	for page in $(pages); do
		# the .Sh titles, quotes dropped
		sed -n 's/^\.Sh  *//p' "$page" | tr -d '"' > have
		grep -Fx -f <(required "$page") have > got || true
		if ! required "$page" | cmp -s - got; then
			bad="$bad $(basename "$page") [$(paste -sd, got)]"
		fi
	done
	[ -z "$bad" ] || echo "pages with missing, repeated or misordered sections:$bad"
	[ -z "$bad" ]
}

@test "man: every option a program's usage names has its .It in its page" {
	bad=""
	for src in "$TOP"/tools/*.c; do
		prog=$(basename "$src" .c)
		page="$MAN/$prog.1"
		[ -f "$page" ] || continue	# reported by the test above
		command -v "$prog" >/dev/null || continue
		usage=$("$prog" --help 2>/dev/null) || true
		[ -n "$usage" ]
		# -o, --set, --tol-db: a dash after a space, '[' or '|'
		for opt in $(printf '%s\n' "$usage" |
			grep -oE '(^|[][ |])--?[A-Za-z][A-Za-z0-9-]*' |
			sed 's/^[][ |]//' | sort -u); do
			# (a page may write a hyphen as \-)
			sed 's/\\-/-/g' "$page" |
				grep -qE "^\.It .*Fl ${opt#-}([^A-Za-z0-9-]|\$)" ||
				bad="$bad $prog:$opt"
		done
	done
	[ -z "$bad" ] || echo "options missing from their pages:$bad"
	[ -z "$bad" ]
}

@test "man: every command of adac-ir's usage is in adac-ir(1)" {
	command -v adac-ir >/dev/null || skip "adac-ir is not built"
	bad=""
	for cmd in $(adac-ir --help | sed -n 's/^.*adac-ir \([a-z][a-z]*\).*$/\1/p'); do
		# in the SYNOPSIS and with its own entry in the DESCRIPTION
		grep -qx "\.Cm $cmd" "$MAN/adac-ir.1" &&
			grep -qx "\.It Cm $cmd" "$MAN/adac-ir.1" || bad="$bad $cmd"
	done
	[ -z "$bad" ] || echo "commands missing from adac-ir.1:$bad"
	[ -z "$bad" ]
}

@test "man: the example IR of adac-ir(5) is tests/data/ir/fdn4.json and is valid" {
	command -v adac-ir >/dev/null || skip "adac-ir is not built"
	cd "$BATS_TEST_TMPDIR"
	# the first literal display after .Sh EXAMPLES
	awk '/^\.Sh EXAMPLES/ { ex = 1 } ex && /^\.Ed/ && on { exit }
	     on { print } ex && /^\.Bd -literal/ { on = 1 }' \
		"$MAN/adac-ir.5" > example.json
	[ "$(head -1 example.json)" = "{" ]
	adac-ir check example.json
	adac-ir fmt example.json > a.json
	adac-ir fmt "$TOP/tests/data/ir/fdn4.json" > b.json
	cmp a.json b.json
}

@test "man: the show output quoted in adac-ir(1) is what adac-ir show prints" {
	command -v adac-ir >/dev/null || skip "adac-ir is not built"
	command -v adac-lower >/dev/null || skip "adac-lower is not built"
	cd "$BATS_TEST_TMPDIR"
	# the display that starts with the command, its escapes rendered
	# (mandoc indents a display by 11 columns: 5 for the section, 6 more)
	mandoc -T utf8 "$MAN/adac-ir.1" 2>/dev/null | col -bx |
		awk '/\$ adac-lower examples\/fdn4-adac.json \| adac-ir show/ { on = 1; next }
		     on && /^$/ { exit } on { sub(/^           /, ""); print }' > quoted
	[ -s quoted ]
	(cd "$TOP" && adac-lower examples/fdn4-adac.json | adac-ir show) > actual
	diff quoted actual
}

# The documents whose `$ ...` examples run against bundled fixtures
# (tests/cli/examples.sh, tests/data/man/FIXTURES) and must print what
# they show: README.md and every page.
checked_examples() {
	printf '%s\n' README.md
	(cd "$TOP" && ls man/*.[157])
}

@test "man: the examples of README.md and of every page print what they show" {
	bad=""
	for doc in $(checked_examples); do
		"$TOP/tests/cli/examples.sh" "$TOP/$doc" > out || bad="$bad $doc"
		cat out
	done
	[ -z "$bad" ] || echo "examples that differ:$bad"
	[ -z "$bad" ]
}

@test "man: the examples not run are these, and only these" {
	# a mark '.\" not run: REASON' keeps a display from running; each
	# one is listed here, so that a new one is a visible change
	for doc in $(checked_examples); do
		(cd "$TOP" && tests/cli/examples.sh --not-run "$doc")
	done > skipped
	cat > expected <<-'EOF'
	man/adac-live.1: not run (needs a JACK server and PyTorch): $ adac-live run --driver jack --log reload.jsonl fdn.dsp &
	man/adac-live.1: not run (needs a JACK server and PyTorch): $ python3 python/train_fdn.py --target target.wav --dsp fdn.dsp \
	man/adac-live.1: not run (needs a JACK server): $ adac-live serve --driver jack --qr
	man/adac-live.1: not run (needs a JACK server): $ oscsend 127.0.0.1 5510 /FDN4/rt60 f 2.5
	man/adac-live.1: not run (needs a JACK server and an Avahi daemon): $ adac-live serve --driver jack --listen 0.0.0.0:5500 --token s3cret \
	man/adac-live.1: not run (needs a JACK server and an Avahi daemon): $ adac-live list | jq -r '[.name, .url, .token] | @tsv'
	man/adac-live.1: not run (needs a JACK server and an Avahi daemon): $ adac-emit --live model.ir.json |
	man/adac-live.1: 7 commands not run
	man/adac-live.lv2.7: not run (needs the plugin installed where lv2info looks): $ lv2info https://adac.dev/plugins/live | grep -c 'Symbol:'
	man/adac-live.lv2.7: not run (needs the plugin installed and a JACK server): $ jalv -l session.lv2 https://adac.dev/plugins/live
	man/adac-live.lv2.7: not run (needs the plugin installed and a JACK server): $ lv2file -P session -c 1:in_l -c 1:in_r -i in.wav -o out.wav \
	man/adac-live.lv2.7: not run (needs the plugin running in a host): $ adac-lower step.json | adac-certify | adac-emit --live -o step.dsp
	man/adac-live.lv2.7: not run (needs the plugin running in a host): $ adac-live push http://127.0.0.1:5600/ step.dsp
	man/adac-live.lv2.7: not run (needs the plugin running in a host): $ adac-live list | jq -r 'select(.kind == "lv2") | .name'
	man/adac-live.lv2.7: not run (needs the plugin running in a host): $ adac-live push --to 'adac-live.lv2 5600 on studio' step.dsp
	man/adac-live.lv2.7: 7 commands not run
	EOF
	diff expected skipped
}

@test "man: the example runner fails on an example that prints something else" {
	# the test above is only as good as its runner: a doc whose shown
	# output is wrong must fail it, with a diff naming the command
	printf '%s\n' '```console' '$ echo $((6 * 7))' '41' '```' > wrong.md
	run "$TOP/tests/cli/examples.sh" wrong.md
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = 'wrong.md: $ echo $((6 * 7))' ]
	printf '%s\n' '```console' '$ echo $((6 * 7)) is the answer' '42 ... answer' '```' > right.md
	run "$TOP/tests/cli/examples.sh" right.md
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "man: the example runner fails on an example that fails printing nothing, unless the page shows its status" {
	# a failing command usually prints an error, which the page must
	# show; one that fails silently would otherwise pass unseen
	printf '%s\n' '```console' '$ grep -q absent /dev/null' '$ echo done' 'done' '```' > quiet.md
	run "$TOP/tests/cli/examples.sh" quiet.md
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = 'quiet.md: $ grep -q absent /dev/null' ]
	[ "${lines[1]}" = '  exited 1, printing nothing, and the page does not show it' ]
	# the last command of a page, too
	printf '%s\n' '```console' '$ echo hi' 'hi' '$ false' '```' > last.md
	run "$TOP/tests/cli/examples.sh" last.md
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = 'last.md: $ false' ]
	# shown, it is an example of a failure
	printf '%s\n' '```console' '$ grep -q absent /dev/null' '$ echo $?' '1' '```' > shown.md
	run "$TOP/tests/cli/examples.sh" shown.md
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "man: the example runner reads a command over continued lines, as a shell does" {
	# a trailing backslash, a quoted argument over two lines, a trailing
	# pipe: each line after the "$ " is the command's, not its output
	cat > cont.md <<-'EOF'
	```console
	$ printf '%s\n' 'one
	two' | \
	  tr a-z A-Z |
	  sed 's/^/> /'
	> ONE
	> TWO
	$ echo "a \
	b"
	a b
	```
	EOF
	run "$TOP/tests/cli/examples.sh" cont.md
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	# and the shown lines after it are still compared
	sed 's/^> TWO$/> THREE/' cont.md > cont-wrong.md
	run "$TOP/tests/cli/examples.sh" cont-wrong.md
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "cont-wrong.md: \$ printf '%s\\n' 'one" ]
}

@test "man: the example runner names and counts the commands it does not run" {
	cat > skip.md <<-EOF
	<!-- not run: needs a JACK server -->
	\`\`\`console
	\$ echo ran >> $BATS_TEST_TMPDIR/ran
	whatever it shows
	\$ echo again >> $BATS_TEST_TMPDIR/ran
	\`\`\`

	\`\`\`console
	\$ echo 42
	42
	\`\`\`
	EOF
	run "$TOP/tests/cli/examples.sh" skip.md
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e ran ]
	[ "$output" = "skip.md: not run (needs a JACK server): \$ echo ran >> $BATS_TEST_TMPDIR/ran
skip.md: not run (needs a JACK server): \$ echo again >> $BATS_TEST_TMPDIR/ran
skip.md: 2 commands not run" ]
}

@test "man: the example runner undoes a page's escapes and honours its marks" {
	# \e is a backslash (also before a hyphen), \(-> and \(mu the
	# characters mandoc renders; '.\" not run:' marks the next display
	cat > x.1 <<-'EOF'
	.Sh EXAMPLES
	.Bd -literal -offset indent
	$ printf '%s\n' '1\(->4 \(mu 2' 'a\e-b' 'c\-d'
	1\(->4 \(mu 2
	a\e-b
	c-d
	.Ed
	.\" not run: needs an audio device
	.Bd -literal -offset indent
	$ false
	.Ed
	.Bd -literal -offset indent
	{"not": "a command"}
	.Ed
	EOF
	run "$TOP/tests/cli/examples.sh" x.1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = 'x.1: not run (needs an audio device): $ false
x.1: 1 commands not run' ]
}

@test "man: the example runner stops what an example leaves running" {
	# a service started in the background, never stopped: the run still
	# ends (bats would wait for a process holding its descriptors) and
	# the process is gone after it
	printf '%s\n' '```console' \
		"\$ sleep 600 & echo \$! > $BATS_TEST_TMPDIR/pid" '```' > bg.md
	run "$TOP/tests/cli/examples.sh" bg.md
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	pid=$(cat pid)
	for ((i = 0; i < 100; i++)); do
		[ -z "$(ps -p "$pid" -o stat= | grep -v Z)" ] && break
		read -r -t 0.05 <> <(:) || true
	done
	[ -z "$(ps -p "$pid" -o stat= | grep -v Z)" ]
}

@test "man: an example that reads standard input reads nothing, not the examples after it" {
	printf '%s\n' '```console' '$ wc -c' '0' '$ echo after' 'after' '```' > stdin.md
	run "$TOP/tests/cli/examples.sh" stdin.md
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}
