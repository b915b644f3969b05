#!/usr/bin/env bats
# adac-ir check, fmt, show, hash and dot as a user runs them.
bats_require_minimum_version 1.5.0

setup() {
	DATA="$BATS_TEST_DIRNAME/../data"
	FDN4="$DATA/ir/fdn4.json"
	cd "$BATS_TEST_TMPDIR"
}

@test "adac-ir check: a valid IR is exit 0 and silent" {
	run --separate-stderr adac-ir check "$FDN4"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$stderr" = "" ]
}

@test "adac-ir check: reads stdin when no file is given" {
	run --separate-stderr sh -c "adac-ir check < '$FDN4'"
	[ "$status" -eq 0 ]
}

@test "adac-ir fmt: output is canonical and fmt of fmt is byte-identical" {
	adac-ir fmt "$FDN4" > once.json
	adac-ir fmt once.json > twice.json
	cmp once.json twice.json
	# schema order: adac first, graph after the counts
	[ "$(head -2 once.json | tail -1)" = '  "adac": "ir/1",' ]
}

@test "adac-ir fmt: key order and whitespace do not change the canonical form" {
	jq -S -c . "$FDN4" > shuffled.json
	adac-ir fmt "$FDN4" > a.json
	adac-ir fmt shuffled.json > b.json
	cmp a.json b.json
}

@test "adac-ir fmt: numbers round-trip exactly" {
	# written as text: jq would round them on the way
	sed 's/\[0.25, 0.25, 0.25, 0.25\]/[0.1, 0.30000000000000004, 5e-324, 1.7976931348623157e+308]/' "$FDN4" > n.json
	adac-ir fmt n.json > out.json
	grep -q '\[0.1, 0.30000000000000004, 5e-324, 1.7976931348623157e+308\]' out.json
}

@test "adac-ir fmt: negative zero keeps its sign, so fmt of fmt and the hash agree" {
	# Python writes -0.0; written back as -0 it would read as the integer 0
	sed 's/\[0.25, 0.25, 0.25, 0.25\]/[-0.0, 0.25, 0.25, 0.25]/' "$FDN4" > z.json
	adac-ir fmt z.json > once.json
	adac-ir fmt once.json > twice.json
	cmp once.json twice.json
	grep -q '\[-0.0, 0.25, 0.25, 0.25\]' once.json
	[ "$(adac-ir hash z.json)" = "$(adac-ir hash once.json)" ]
}

@test "adac-ir fmt: -o writes the file and nothing on stdout" {
	run --separate-stderr adac-ir fmt -o out.json "$FDN4"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	adac-ir check out.json
}

@test "adac-ir fmt: a failing run leaves an existing -o file untouched" {
	mkdir d
	echo keep > d/out.json
	run --separate-stderr adac-ir fmt -o d/out.json "$DATA/bad/nan.json"
	[ "$status" -eq 2 ]
	[ "$(cat d/out.json)" = keep ]
	[ "$(ls d)" = out.json ]
}

@test "adac-ir fmt: -o onto an existing file keeps its permissions" {
	echo old > private.json
	chmod 600 private.json
	adac-ir fmt -o private.json "$FDN4"
	[ "$(stat -c %a private.json)" = 600 ]
	cmp private.json <(adac-ir fmt "$FDN4")
	echo old > shared.json
	chmod 640 shared.json
	adac-ir fmt -o shared.json "$FDN4"
	[ "$(stat -c %a shared.json)" = 640 ]
}

@test "adac-ir fmt: -o creates a new file with 0666 less the umask" {
	(umask 022 && adac-ir fmt -o a.json "$FDN4")
	[ "$(stat -c %a a.json)" = 644 ]
	(umask 077 && adac-ir fmt -o b.json "$FDN4")
	[ "$(stat -c %a b.json)" = 600 ]
}

@test "adac-ir hash: SHA-256 of the canonical IR without its certificate" {
	run --separate-stderr adac-ir hash "$FDN4"
	[ "$status" -eq 0 ]
	[ "$output" = "$(adac-ir fmt "$FDN4" | sha256sum | cut -d' ' -f1)" ]
}

@test "adac-ir hash: a certificate does not change the hash" {
	jq '.certificate = {"verdict": "certified-stable"}' "$FDN4" > c.json
	[ "$(adac-ir hash c.json)" = "$(adac-ir hash "$FDN4")" ]
}

@test "adac-ir hash: changes when one number changes in its 7th significant digit" {
	jq '.graph.of[2].data[0][0] = 0.2500001' "$FDN4" > d.json
	[ "$(adac-ir hash d.json)" != "$(adac-ir hash "$FDN4")" ]
}

@test "adac-ir show: summarises channels, loops, delays and structures" {
	run --separate-stderr adac-ir show "$FDN4"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "name      fdn4" ]
	[ "${lines[2]}" = "channels  1 in, 1 out (1 paths)" ]
	[ "${lines[4]}" = "loops     1" ]
	[ "${lines[5]}" = "delays    4 lines, 1103 to 2137 samples (22.98 to 44.52 ms), 6498 in all" ]
	echo "$output" | grep -qx "      matrix 'A'  4→4  hadamard × 0.4995  /graph/of/1/back"
}

@test "adac-ir dot: Graphviz accepts the block diagram" {
	adac-ir dot "$FDN4" > g.dot
	dot -Tsvg g.dot > g.svg
	grep -q 'hadamard' g.svg
	grep -q 'feedback' g.svg
}

@test "adac-ir: --version names the IR version" {
	run adac-ir --version
	[ "$status" -eq 0 ]
	[ "$output" = "adac-ir 0.1.0 (ir/1)" ]
}

@test "adac-ir: an unknown command is exit 2" {
	run --separate-stderr adac-ir frobnicate
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-ir: error: unknown command 'frobnicate'; see 'adac-ir --help'" ]
}

# Every class of bad input: one line naming the file and the JSON pointer,
# exit 2, nothing on stdout.
bad() {
	run --separate-stderr adac-ir check "$DATA/bad/$1.json"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-ir: error: $DATA/bad/$1.json: $2" ]
}

@test "adac-ir check: malformed JSON gives line and column" {
	bad malformed "malformed JSON at line 2, column 15: string or '}' expected near ','"
}

@test "adac-ir check: empty stdin is exit 2" {
	run --separate-stderr sh -c 'printf "" | adac-ir check'
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-ir: error: <stdin>: empty input" ]
}

@test "adac-ir check: a wrong type names its pointer" {
	bad wrong-type "/fs: expected a number, got a string"
}

@test "adac-ir check: NaN names its pointer" {
	bad nan "/graph/of/2/data/0/1: NaN is not a finite number"
}

@test "adac-ir check: a negative delay names its pointer" {
	bad negative-delay "/graph/of/1/forward/samples/3: delay length -4 is negative"
}

@test "adac-ir check: a channel mismatch names the stage" {
	bad channel-mismatch "/graph/of/2: stage has 3 inputs but the stage before it has 4 outputs"
}

@test "adac-ir check: a delay-free loop is rejected" {
	bad delay-free-loop "/graph/of/1: delay-free loop: output 0 of forward feeds back to itself without a sample of delay"
}

@test "adac-ir check: a false structure claim names the entry" {
	bad false-structure "/graph/of/1/back/data/1/2: data does not match the claimed hadamard structure: entry [1][2] is 0.5, structure gives 0.4995"
}

@test "adac-ir check: an unknown key is rejected, x- keys are not" {
	bad unknown-key "/graph/of/0/colour: unknown key 'colour' in matrix"
	jq '.graph.of[0]["x-colour"] = "red" | .["x-note"] = 1' "$FDN4" > x.json
	adac-ir check x.json
}

@test "adac-ir check: an unknown op is rejected" {
	bad unknown-op "/graph/of/0/op: unknown op 'convolve'"
}

@test "adac-ir check: a huge delay is rejected before any memory is taken" {
	bad huge-delay "/graph/of/1/forward/samples/0: delay length 1000000000000 is more than the limit of 16777216 samples"
}

@test "adac-ir check: the declared output count must match the graph" {
	bad outputs-mismatch "/outputs: the document says 2 outputs but the graph has 1"
}

@test "adac-ir check: a fractional delay needs an interpolation" {
	bad fractional-no-interp "/graph/of/1/forward/samples/1: delay length 1447.5 is fractional but interp is 'none'"
	jq '.graph.of[1].forward.interp = "linear"' "$DATA/bad/fractional-no-interp.json" > ok.json
	adac-ir check ok.json
}

@test "adac-ir check: a huge matrix is rejected" {
	jq -n '{adac:"ir/1",name:"big",fs:48000,inputs:2000,outputs:2000,graph:{op:"matrix",data:[range(2000)|[range(2000)|0]]}}' > big.json
	run --separate-stderr adac-ir check big.json
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-ir: error: big.json: /graph/data: a 2000 × 2000 matrix is larger than the limit of 1048576 entries" ]
}

@test "adac-ir check: 50 gains of 4096 channels validate in memory linear in the text" {
	[ "${SANITIZE:-}" != 1 ] || skip "AddressSanitizer's shadow memory is not the program's"
	jq -n -c '{adac: "ir/1", name: "wide", fs: 48000, inputs: 4096, outputs: 4096,
		graph: {op: "series", of: [range(50) | {op: "gain", values: [range(4096) | 1]}]}}' > wide.json
	/usr/bin/time -f %M -o rss.txt adac-ir check wide.json
	# 0.4 MB of text: jansson keeps ~40 bytes a value (8 MB), the
	# dependence graph ~30 bytes a channel (13 MB), the libraries ~10 MB.
	# 64 MB is twice that; a channels² matrix per node took 854 MB.
	[ "$(tail -1 rss.txt)" -lt 65536 ]
}

@test "adac-ir check: a document over 2^22 JSON values or 64 MiB is refused before parsing" {
	{ printf '['; yes '0,' | head -n 4194304 | tr -d '\n'; printf '0]'; } > many.json
	run --separate-stderr adac-ir check many.json
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-ir: error: many.json: the JSON document holds more than the limit of 4194304 values" ]
	{ printf '{'; head -c 67108864 /dev/zero | tr '\0' ' '; printf '}'; } > large.json
	run --separate-stderr adac-ir check large.json
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-ir: error: large.json: a JSON document of 67108866 bytes is larger than the limit of 67108864" ]
}

@test "adac-ir check: a file that is not an IR says so" {
	echo '{"type": "Shell"}' > cfg.json
	run --separate-stderr adac-ir check cfg.json
	[ "$status" -eq 2 ]
	[ "$stderr" = 'adac-ir: error: cfg.json: /adac: missing "adac": "ir/1"; is this an IR?' ]
}

@test "adac-ir check: a missing file is exit 3" {
	run --separate-stderr adac-ir check nope.json
	[ "$status" -eq 3 ]
	[ "$stderr" = "adac-ir: error: nope.json: cannot open: No such file or directory" ]
}

@test "adac-ir: an unknown option is one line and exit 2" {
	run --separate-stderr adac-ir check --foo "$FDN4"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-ir: error: unknown option '--foo'; see 'adac-ir --help'" ]
}

@test "adac-ir: a missing option value or command is one line naming the program" {
	run --separate-stderr "$(command -v adac-ir)" impulse "$FDN4" -n
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-ir: error: option '-n' needs a value; see 'adac-ir --help'" ]
	run --separate-stderr "$(command -v adac-ir)"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-ir: error: expected a command; see 'adac-ir --help'" ]
}

@test "adac-ir check: malformed JSON that quotes a newline is still one line" {
	# jansson's "near" snippet holds the raw newline after the backslash
	printf '{"adac": "ir/1\\\n"}' > nl.json
	run --separate-stderr adac-ir check nl.json
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 0 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[ "$stderr" = "adac-ir: error: nl.json: malformed JSON at line 2, column 0: invalid escape near '\"ir/1\\\\n'" ]
}

@test "adac-ir check: a control character in a key is escaped in the message" {
	printf '{"adac": "ir/1", "name": "x", "a\\tb": 1}' > tab.json
	run --separate-stderr adac-ir check tab.json
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-ir: error: tab.json: /a\tb: unknown key 'a\tb' in the IR" ]
}

@test "adac-ir: an option a command does not take is refused" {
	run --separate-stderr adac-ir hash -o out.txt "$FDN4"
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-ir: error: 'hash' takes no -o" ]
	[ ! -e out.txt ]
}

@test "adac-ir check: NaN in a free-form member is refused too" {
	sed 's/"hand-written"/"hand-written", "x-score": NaN/' "$FDN4" > n.json
	run --separate-stderr adac-ir check n.json
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-ir: error: n.json: /source/x-score: NaN is not a finite number" ]
}

@test "adac-ir check: an unknown structure kind is named before its shape" {
	jq '.graph.of[2].structure = {"kind": "circulant"}' "$FDN4" > s.json
	run --separate-stderr adac-ir check s.json
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-ir: error: s.json: /graph/of/2/structure/kind: unknown structure 'circulant'; expected 'householder', 'hadamard', 'permutation' or 'diagonal'" ]
}

@test "adac-ir fmt: -o onto a device writes through it, never replaces it" {
	mkfifo fifo
	timeout 10 cat fifo > got.json &
	adac-ir fmt -o fifo "$FDN4"
	wait
	[ -p fifo ]
	cmp got.json <(adac-ir fmt "$FDN4")
}
