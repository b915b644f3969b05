#!/usr/bin/env bats
# adac-emit as a user runs it: refusals, --force, atomic -o, programs the
# stock faust compiles without a warning, what structured matrices cost in
# FAUST's own output, and the whole pipeline checked by adac-diff.
bats_require_minimum_version 1.5.0

setup() {
	DATA="$BATS_TEST_DIRNAME/../data"
	cd "$DATA/emit"
	TMP="$BATS_TEST_TMPDIR"
}

# certify FILE into $TMP/NAME.json
certified() {
	adac-certify "$1" >"$TMP/$2.json"
}

# Arithmetic operators in the per-sample loop of faust -lang c output.
ops() {
	faust -lang c "$1" |
		awk '/for \(i0 = 0; i0 < count; i0 = i0 \+ 1\)/ { on = 1; next } on' |
		grep -v 'i0 = i0' | grep -o ' [-+*] ' | wc -l
}

@test "adac-emit: --help prints the usage on stdout" {
	run --separate-stderr adac-emit --help
	[ "$status" -eq 0 ]
	[ "$output" = "usage: adac-emit [--force] [--dense] [--live] [--precision FORMAT] [-o FILE]
                 [FILE]" ]
	[ "$stderr" = "" ]
}

@test "adac-emit: an unknown option is one line naming the program, exit 2" {
	# by its full path, as make or a script runs it: the message names
	# the program, not the path
	run --separate-stderr "$(command -v adac-emit)" --bogus x.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-emit: error: unknown option '--bogus'; see 'adac-emit --help'" ]
	run --separate-stderr adac-emit -o
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-emit: error: option '-o' needs a value; see 'adac-emit --help'" ]
}

@test "adac-emit: --version names the program and the IR version" {
	run --separate-stderr adac-emit --version
	[ "$status" -eq 0 ]
	[ "$output" = "adac-emit 0.1.0 (ir/1)" ]
}

@test "adac-emit: an IR without a certificate is refused with exit 1" {
	run --separate-stderr adac-emit fdn-householder-4.json
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-emit: error: fdn-householder-4.json: /certificate: no certificate; run adac-certify first" ]
}

@test "adac-emit: a certificate older than the IR is refused as stale" {
	certified fdn-householder-4.json c
	jq '.graph.of[1].data[0][0] = 0.4' "$TMP/c.json" >"$TMP/edited.json"
	run --separate-stderr adac-emit "$TMP/edited.json"
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-emit: error: $TMP/edited.json: /certificate/hash: certificate is stale; rerun adac-certify" ]
}

@test "adac-emit: a certificate that does not pass is refused with its verdict" {
	run adac-certify "$DATA/certify/hadamard-1001.json" -o "$TMP/u.json"
	[ "$(jq -r .certificate.verdict "$TMP/u.json")" = unstable ]
	run --separate-stderr adac-emit "$TMP/u.json"
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-emit: error: $TMP/u.json: /certificate/verdict: certificate verdict is 'unstable'" ]
}

@test "adac-emit: --force emits an uncertified IR, warns, and says so in the program" {
	run --separate-stderr adac-emit --force fdn-householder-4.json
	[ "$status" -eq 0 ]
	[ "$stderr" = "adac-emit: warning: fdn-householder-4.json: /certificate: no certificate; run adac-certify first; emitting anyway (--force)" ]
	[[ "$output" == *"// certificate: NOT VALID, emitted with --force: no certificate; run adac-certify first"* ]]
	[[ "$output" == *"process = "* ]]
}

@test "adac-emit: a certified IR is emitted with its verdict and hash in the header" {
	certified fdn-householder-4.json c
	run --separate-stderr adac-emit "$TMP/c.json"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	hash=$(adac-ir hash fdn-householder-4.json)
	[ "$(sed -n 1p <<<"$output")" = "// fdn_householder_4: written by adac-emit 0.1.0 from an adac IR (ir/1)" ]
	[ "$(sed -n 2p <<<"$output")" = "// source: emit-fixture" ]
	[ "$(sed -n 3p <<<"$output")" = "// certificate: certified-stable for float and double builds, sha256 $hash" ]
	[[ "$output" == *'declare name "fdn_householder_4";'* ]]
}

@test "adac-emit: malformed JSON is exit 2 and writes nothing" {
	run --separate-stderr adac-emit - <<<'{"adac": "ir/1",'
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[[ "$stderr" == "adac-emit: error: <stdin>: malformed JSON at line "* ]]
}

@test "adac-emit: a missing file is exit 3 naming it" {
	run --separate-stderr adac-emit "$TMP/nothing.json"
	[ "$status" -eq 3 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-emit: error: $TMP/nothing.json: cannot open: No such file or directory" ]
}

@test "adac-emit: two operands are bad usage" {
	run --separate-stderr adac-emit a.json b.json
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-emit: error: too many operands" ]
}

@test "adac-emit: a loop with no delay to absorb FAUST's ~ is refused with its pointer" {
	run --separate-stderr adac-emit --force no-delay-to-absorb.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$(sed -n 2p <<<"$stderr")" = "adac-emit: error: no-delay-to-absorb.json: /graph: cannot emit this loop: neither 'back' nor 'forward' has a delay of at least one sample on every path to absorb the one-sample delay of FAUST's ~" ]
}

@test "adac-emit: -o writes the program, and a refusal leaves an existing file alone" {
	certified fdn-hadamard-4.json c
	run --separate-stderr adac-emit -o "$TMP/x.dsp" "$TMP/c.json"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	grep -q '^process = ' "$TMP/x.dsp"
	cp "$TMP/x.dsp" "$TMP/before.dsp"
	run --separate-stderr adac-emit -o "$TMP/x.dsp" fdn-hadamard-4.json
	[ "$status" -eq 1 ]
	cmp "$TMP/x.dsp" "$TMP/before.dsp"
	[ "$(ls "$TMP" | grep -c tmp)" -eq 0 ]
}

@test "adac-emit: faust compiles every emitted program with no warning, c and cpp, float and double" {
	for f in *.json; do
		[ "$f" = no-delay-to-absorb.json ] && continue
		adac-emit --force "$f" -o "$TMP/p.dsp" 2>/dev/null
		for lang in c cpp; do
			for prec in "" -double; do
				run --separate-stderr faust -lang $lang $prec "$TMP/p.dsp" -o "$TMP/p.out"
				echo "$f $lang $prec: $stderr"
				[ "$status" -eq 0 ]
				[ "$stderr" = "" ]
			done
		done
	done
}

@test "adac-emit: --dense output compiles with no warning too" {
	adac-emit --force --dense fdn-hadamard-4.json -o "$TMP/p.dsp" 2>/dev/null
	run --separate-stderr faust -lang c -double "$TMP/p.dsp" -o "$TMP/p.c"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
}

@test "adac-emit: 17-digit literals reach faust's double output exactly and its float output rounded" {
	cat >"$TMP/g.json" <<-'EOF'
	{"adac": "ir/1", "name": "g", "fs": 48000, "inputs": 1, "outputs": 1,
	 "graph": {"op": "gain", "values": [0.30000000000000004]}}
	EOF
	adac-emit --force "$TMP/g.json" -o "$TMP/g.dsp" 2>/dev/null
	grep -q '^gains = \*(0.30000000000000004);$' "$TMP/g.dsp"
	# 0.1 + 0.2 in double is not 0.3: a 16-digit print would lose it
	faust -lang c -double "$TMP/g.dsp" | grep -q '0.30000000000000004 \* '
	faust -lang c "$TMP/g.dsp" | grep -q '0.3f \* '
}

# alone N: the feedback matrix of an N-line FDN IR on stdin, alone in an IR
alone() {
	jq '{adac: "ir/1", name: "m", fs: 48000, inputs: '"$1"', outputs: '"$1"',
	     graph: .graph.of[0].of[1].back}'
}

@test "adac-emit: faust -double prints every emitted gain literal back unchanged" {
	# 64 varied doubles (a Householder vector), as the gains of one node
	jq '{adac: "ir/1", name: "g", fs: 48000, inputs: 64, outputs: 64,
	     graph: {op: "gain", values: .graph.of[0].of[1].back.structure.u}}' \
		fdn-householder-64.json >"$TMP/g.json"
	adac-emit --force "$TMP/g.json" -o "$TMP/g.dsp" 2>/dev/null
	grep -o '\*(-\{0,1\}[0-9.e+-]*)' "$TMP/g.dsp" | sed 's/^\*(-\{0,1\}//; s/)$//' |
		sort -u >"$TMP/emitted"
	# faust writes -a·x as 0.0 - a·x: compare magnitudes
	faust -lang c -double "$TMP/g.dsp" | grep -o '[0-9][0-9.e+-]* \* (double)' |
		sed 's/ \* (double)//' | sort -u >"$TMP/faust"
	[ "$(wc -l <"$TMP/emitted")" -eq 64 ]
	cmp "$TMP/emitted" "$TMP/faust"
}

@test "adac-emit: a 64-line Householder matrix costs O(N), at least 8 times less than --dense" {
	# u random (uniform in [-1, 1]): no entry is 0 or 1
	alone 64 <fdn-householder-64.json >"$TMP/m.json"
	[ "$(jq -r .graph.structure.kind "$TMP/m.json")" = householder ]
	adac-emit --force "$TMP/m.json" -o "$TMP/s.dsp" 2>/dev/null
	adac-emit --force --dense "$TMP/m.json" -o "$TMP/d.dsp" 2>/dev/null
	s=$(ops "$TMP/s.dsp")
	d=$(ops "$TMP/d.dsp")
	echo "structured $s, dense $d"
	[ "$s" -gt 0 ]
	[ $((8 * s)) -le "$d" ]
	# x + k(uᵀx): N − 1 additions, N products, N additions
	[ "$s" -le $((4 * 64)) ]
	# N² products and N(N − 1) additions
	[ "$d" -ge $((64 * 64 + 64 * 63)) ]
}

@test "adac-emit: a 64-line Hadamard matrix costs O(N log N), at least 5 times less than --dense" {
	fdn 64 hadamard | adac-lower | alone 64 >"$TMP/m.json"
	[ "$(jq -r .graph.structure.kind "$TMP/m.json")" = hadamard ]
	adac-emit --force "$TMP/m.json" -o "$TMP/s.dsp" 2>/dev/null
	adac-emit --force --dense "$TMP/m.json" -o "$TMP/d.dsp" 2>/dev/null
	s=$(ops "$TMP/s.dsp")
	d=$(ops "$TMP/d.dsp")
	echo "structured $s, dense $d"
	[ $((5 * s)) -le "$d" ]
	# log2 64 = 6 stages of 32 additions and 32 subtractions, 64 scalings
	[ "$s" -eq $((6 * 64 + 64)) ]
}

@test "adac-emit: a 64-line FDN's arithmetic shrinks with its structured matrix" {
	for kind in householder hadamard; do
		adac-emit --force fdn-$kind-64.json -o "$TMP/s.dsp" 2>/dev/null
		adac-emit --force --dense fdn-$kind-64.json -o "$TMP/d.dsp" 2>/dev/null
		s=$(ops "$TMP/s.dsp")
		d=$(ops "$TMP/d.dsp")
		echo "$kind: structured $s, dense $d"
		[ $((4 * s)) -le "$d" ]
	done
}

@test "adac-emit: controls become sliders at /Name/rt60, /Name/dry_wet, /Name/pre_delay" {
	adac-emit --force knobs.json -o "$TMP/k.dsp" 2>/dev/null
	(cd "$TMP" && faust -json k.dsp -o k.cpp)
	[ "$(jq -c '[.ui[] | .. | objects | select(.address) | .address] | sort' "$TMP/k.dsp.json")" = '["/Knobs/dry_wet","/Knobs/pre_delay","/Knobs/rt60"]' ]
	[ "$(jq -c '.ui[] | .. | objects | select(.label == "rt60") | [.init, .min, .max]' "$TMP/k.dsp.json")" = '[2,0.1,10]' ]
}

# --- the pipeline, checked by adac-diff -----------------------------------

# emit_and_diff IR: certify, emit, and compare float and double builds
emit_and_diff() {
	adac-certify "$1" >"$TMP/c.json"
	adac-emit "$TMP/c.json" -o "$TMP/p.dsp"
	run --separate-stderr adac-diff "$1" "$TMP/p.dsp"
	echo "$1 float: $(jq -c .overall <<<"$output")"
	[ "$status" -eq 0 ]
	run --separate-stderr adac-diff --double "$1" "$TMP/p.dsp"
	echo "$1 double: $(jq -c .overall <<<"$output")"
	[ "$status" -eq 0 ]
}

# fdn N MATRIX: a native FDN spec with a 2.5 s decay and a direct path
fdn() {
	jq -n --argjson n "$1" --arg m "$2" '{fs: 48000, name: ("fdn_" + ($n | tostring)),
		delays: [range($n) | 401 + 61 * . + (. * . % 29)], matrix: $m,
		t60: 2.5, c: 0.25, d: 0.1}'
}

@test "adac-emit: the reference's 4-line FDNs, lowered, certified, emitted, equal the IR" {
	for f in fdn4 fdn4_absorption; do
		adac-lower "$DATA/adac/$f.json" >"$TMP/ir.json"
		emit_and_diff "$TMP/ir.json"
	done
}

@test "adac-emit: native Householder FDNs of 1 to 64 lines equal their IR" {
	for n in 1 2 4 8 16 32 64; do
		fdn $n householder | adac-lower >"$TMP/ir.json"
		emit_and_diff "$TMP/ir.json"
	done
}

@test "adac-emit: native Hadamard FDNs of 1 to 64 lines equal their IR" {
	for n in 1 2 4 8 16 32 64; do
		fdn $n hadamard | adac-lower >"$TMP/ir.json"
		emit_and_diff "$TMP/ir.json"
	done
}

@test "adac-emit: native random-orthogonal FDNs of 1 to 64 lines equal their IR" {
	for n in 1 2 4 8 16 32 64; do
		fdn $n random-orthogonal | adac-lower >"$TMP/ir.json"
		emit_and_diff "$TMP/ir.json"
	done
}

@test "adac-emit: FDNs with explicit dense matrices of 1 to 64 lines equal their IR" {
	for n in 1 2 4 8 16 32 64; do
		# the rows of a random orthogonal matrix, given as numbers
		fdn $n random-orthogonal | jq '.seed = 7' | adac-lower |
			jq '.graph.of[0].of[1].back.data' >"$TMP/a.json"
		fdn $n householder | jq --slurpfile a "$TMP/a.json" '.matrix = $a[0]' |
			adac-lower >"$TMP/ir.json"
		emit_and_diff "$TMP/ir.json"
	done
}

@test "adac-emit: per-line absorption filters, several inputs and outputs, and a direct path" {
	jq -n '{fs: 48000, delays: [443, 521, 599, 673, 751, 829, 907, 983],
		matrix: "hadamard", inputs: 2, outputs: 3, b: 0.5, c: 0.25, d: 0.1,
		absorption: {t60_dc: 3, t60_nyquist: 0.8}}' | adac-lower >"$TMP/ir.json"
	emit_and_diff "$TMP/ir.json"
}

@test "adac-emit: nested loops, split and stacked parallels and fractional delays equal their IR" {
	for f in nested back-fractional forward-fractional fdn-sos-4 fdn-back-delay-4 fdn-permutation-8; do
		emit_and_diff $f.json
	done
}

@test "adac-emit: structured and --dense emissions agree within the same tolerance" {
	adac-emit --force fdn-householder-64.json -o "$TMP/s.dsp" 2>/dev/null
	adac-emit --force --dense fdn-householder-64.json -o "$TMP/d.dsp" 2>/dev/null
	run --separate-stderr adac-diff "$TMP/d.dsp" "$TMP/s.dsp"
	echo "$output"
	[ "$status" -eq 0 ]
	run --separate-stderr adac-diff --double "$TMP/d.dsp" "$TMP/s.dsp"
	[ "$status" -eq 0 ]
}

@test "adac-emit: controls equal the simulator at several positions" {
	adac-emit --force knobs.json -o "$TMP/k.dsp" 2>/dev/null
	for set in "--set rt60=0.3" "--set rt60=10 --set dry_wet=1" \
	    "--set pre_delay=250 --set dry_wet=0.77 --set rt60=5"; do
		run --separate-stderr adac-diff $set knobs.json "$TMP/k.dsp"
		echo "$set: $(jq -c .overall <<<"$output")"
		[ "$status" -eq 0 ]
		run --separate-stderr adac-diff --double $set knobs.json "$TMP/k.dsp"
		[ "$status" -eq 0 ]
	done
}

@test "adac-emit --live: trained values become hidden entries and the program still equals the model" {
	adac-lower "$BATS_TEST_DIRNAME/../../examples/fdn4-adac.json" | adac-certify > "$BATS_TEST_TMPDIR/m.json"
	adac-emit --live -o "$BATS_TEST_TMPDIR/m.dsp" "$BATS_TEST_TMPDIR/m.json"
	# b (4), c (4) and the direct gain: 9 values, numbered in order
	[ "$(grep -o 'nentry("v[0-9]*\[hidden:1\]"' "$BATS_TEST_TMPDIR/m.dsp" | wc -l)" -eq 9 ]
	grep -q 'nentry("v8\[hidden:1\]", 0.0, -1e9, 1e9, 0)' "$BATS_TEST_TMPDIR/m.dsp"
	adac-diff "$BATS_TEST_TMPDIR/m.json" "$BATS_TEST_TMPDIR/m.dsp" > /dev/null
	adac-diff --double "$BATS_TEST_TMPDIR/m.json" "$BATS_TEST_TMPDIR/m.dsp" > /dev/null
}

@test "adac-emit --live: 17-digit trained values reach the running program exactly" {
	# Householder coefficients such as 0.24988747467610295: libfaust's
	# LLVM backend reads a number entry's init to 6 digits, which put the
	# double program at -118 dB from the model; the host takes them from
	# the text.  Double noise for this network is below -250 dB.
	jq -n --argjson n 4 --arg matrix householder \
		-f "$BATS_TEST_DIRNAME/../../bench/gen-adac-fdn.jq" |
		adac-lower | adac-certify > "$BATS_TEST_TMPDIR/h.json"
	adac-emit --live -o "$BATS_TEST_TMPDIR/h.dsp" "$BATS_TEST_TMPDIR/h.json"
	grep -q 'nentry("v[0-9]*\[hidden:1\]", 0.24988747467610295,' "$BATS_TEST_TMPDIR/h.dsp"
	run --separate-stderr adac-diff --double "$BATS_TEST_TMPDIR/h.json" "$BATS_TEST_TMPDIR/h.dsp"
	[ "$status" -eq 0 ]
	jq -e '.overall.verdict == "equal" and .overall.worst_error_db <= -250' <<<"$output"
	run --separate-stderr adac-diff "$BATS_TEST_TMPDIR/h.json" "$BATS_TEST_TMPDIR/h.dsp"
	[ "$status" -eq 0 ]
	jq -e '.overall.verdict == "equal"' <<<"$output"
}

@test "adac-emit: checking a certificate loads no linear algebra" {
	# the check is a hash compare and a verdict name (certificate.h):
	# the program must not pay the start-up of LAPACK and OpenBLAS
	run ldd "$(command -v adac-emit)"
	[ "$status" -eq 0 ]
	[[ "$output" == *libjansson* ]]
	[[ "$output" != *lapack* ]]
	[[ "$output" != *openblas* ]]
	[[ "$output" != *blas* ]]
}
