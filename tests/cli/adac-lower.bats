#!/usr/bin/env bats
# adac-lower as a user runs it: both front ends, every module type, and
# every class of bad input with its exact one-line error.
bats_require_minimum_version 1.5.0

setup() {
	DATA="$BATS_TEST_DIRNAME/../data"
	cd "$BATS_TEST_TMPDIR"
}

# first n samples of path 0 → 0 as one number per line
impulse() {
	adac-ir impulse -n "$2" -f json -t float64 "$1" | jq -r '.paths[0].h[]'
}

@test "adac-lower --help prints usage on stdout and exits 0" {
	run --separate-stderr adac-lower --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: adac-lower [--from adac|fdn|sdn] [--control SPEC]... [-o FILE] [FILE]" ]
	[ "${lines[1]}" = "       SPEC: NAME[=FIELDS][,KEY=VALUE]... | NAME=off" ]
	[ "${lines[2]}" = "       NAME=FIELDS: rt60=MIN:MAX:INIT | dry_wet=INIT | pre_delay=MAX_MS" ]
	[ "$stderr" = "" ]
}

@test "adac-lower --version names the program and the IR version" {
	run --separate-stderr adac-lower --version
	[ "$status" -eq 0 ]
	[ "$output" = "adac-lower 0.1.0 (ir/1)" ]
}

@test "adac-lower: an unknown --from is a usage error, exit 2" {
	run --separate-stderr adac-lower --from onnx "$DATA/adac/fdn4.json"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-lower: error: --from: 'onnx' is not 'adac', 'fdn' or 'sdn'" ]
}

@test "adac-lower: two operands are a usage error" {
	run --separate-stderr adac-lower a.json b.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-lower: error: too many operands" ]
}

@test "adac-lower: an unknown option or a missing value is one line naming the program" {
	run --separate-stderr "$(command -v adac-lower)" --frobnicate x.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-lower: error: unknown option '--frobnicate'; see 'adac-lower --help'" ]
	run --separate-stderr adac-lower -Z
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-lower: error: unknown option '-Z'; see 'adac-lower --help'" ]
	run --separate-stderr adac-lower --control
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-lower: error: option '--control' needs a value; see 'adac-lower --help'" ]
	run --separate-stderr adac-lower --help=x
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-lower: error: option '--help' takes no value; see 'adac-lower --help'" ]
}

@test "adac-lower: the hand-written 4-line FDN config lowers to a valid IR" {
	adac-lower "$DATA/adac/fdn4.json" > fdn4.ir
	adac-ir check fdn4.ir
	[ "$(jq -r .name fdn4.ir)" = FDN4 ]
	[ "$(jq -c '[.inputs, .outputs, .fs]' fdn4.ir)" = "[1,1,48000]" ]
	# Shell → Parallel(split, sum) of Series[b, Recursion, c] and d
	[ "$(jq -c '[.graph.op, .graph.in, .graph.out]' fdn4.ir)" = '["parallel","split","sum"]' ]
	[ "$(jq -r '.graph.of[0].of[1].op' fdn4.ir)" = feedback ]
	[ "$(jq -c '.graph.of[0].of[1].forward.samples' fdn4.ir)" = "[1103,1447,1811,2137]" ]
}

@test "adac-lower: the FDN's 0.999·H4/2 keeps a verified hadamard structure" {
	adac-lower "$DATA/adac/fdn4.json" > fdn4.ir
	[ "$(jq -c '.graph.of[0].of[1].back.structure' fdn4.ir)" = '{"kind":"hadamard","scale":0.4995}' ]
}

@test "adac-lower: the FDN config's first echoes arrive at the delay lengths with b·c = 1/4" {
	adac-lower "$DATA/adac/fdn4.json" > fdn4.ir
	impulse fdn4.ir 2207 > h
	# line numbers are sample index + 1
	[ "$(awk '$1 != 0 { print NR - 1 ": " $1 }' h | head -5 | tr '\n' ' ')" = \
	  "1103: 0.25 1447: 0.25 1811: 0.25 2137: 0.25 2206: 0.124875 " ]
}

@test "adac-lower: the fdn spec and the adac config of the same FDN give the same impulse response" {
	adac-lower "$DATA/adac/fdn4.json" > a.ir
	adac-lower "$DATA/fdn/fdn4.json" > b.ir
	impulse a.ir 6000 > ha
	impulse b.ir 6000 > hb
	cmp ha hb
}

@test "adac-lower: the format is detected from the document" {
	run --separate-stderr adac-lower "$DATA/fdn/householder8.json"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .source.format)" = fdn ]
	run --separate-stderr adac-lower "$DATA/adac/Gain.json"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .source.format)" = adac-config ]
}

@test "adac-lower --from fdn refuses an adac config with the key it does not know" {
	cd "$DATA"
	run --separate-stderr adac-lower --from fdn adac/Gain.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-lower: error: adac/Gain.json: /type: unknown key 'type'" ]
}

@test "adac-lower: reads stdin and writes -o FILE, nothing on stdout" {
	run --separate-stderr sh -c "adac-lower -o out.ir < '$DATA/adac/fdn4.json'"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	adac-ir check out.ir
}

@test "adac-lower: output is already canonical (adac-ir fmt leaves it unchanged)" {
	adac-lower "$DATA/adac/fdn4_absorption.json" > a.ir
	adac-ir fmt a.ir > b.ir
	cmp a.ir b.ir
}

@test "adac-lower: fs and the flamo metadata go to source, node by node" {
	adac-lower "$DATA/adac/fdn4.json" > fdn4.ir
	[ "$(jq -r .source.fs fdn4.ir)" = 48000 ]
	[ "$(jq -r '.source.nodes[] | select(.config == "/children/0/children/0/children/1/fF") | .ir' fdn4.ir)" = \
	  /graph/of/0/of/1/forward ]
	[ "$(jq -r '.source.nodes[0].flamo.nfft' fdn4.ir)" = 65536 ]
}

@test "adac-lower: every module type lowers to a valid IR" {
	for t in parallelDelay fractionalDelay fractionalDelayModule Delay \
		variableDelay Gain Matrix \
		HouseholderMatrix parallelGain parallelSOSFilter Biquad SVF \
		lowpass highpass bandpass PEQ peakEQ allpassComb dcBlocker \
		onePole parallelFilter; do
		adac-lower "$DATA/adac/$t.json" > "$t.ir" || { echo "$t"; false; }
		adac-ir check "$t.ir" || { echo "$t"; false; }
	done
}

@test "adac-lower: each module type becomes the IR node it means" {
	for f in parallelDelay:delay Delay:delay variableDelay:delay \
		fractionalDelayModule:delay Gain:gain \
		Matrix:matrix HouseholderMatrix:matrix parallelGain:gain \
		parallelSOSFilter:sos Biquad:sos SVF:sos lowpass:sos \
		highpass:sos bandpass:sos PEQ:sos peakEQ:sos dcBlocker:sos \
		onePole:sos parallelFilter:sos allpassComb:series; do
		t=${f%%:*} op=${f#*:}
		got=$(adac-lower "$DATA/adac/$t.json" | jq -r .graph.op)
		[ "$got" = "$op" ] || { echo "$t: $got"; false; }
	done
}

@test "adac-lower: filters get the section counts of their FAUST definitions" {
	# lowpass(4): two tf2s; highpass(3): tf1s + tf2s; bandpass(2): one tf2sb = two biquads
	[ "$(adac-lower "$DATA/adac/lowpass.json" | jq '.graph.sections | length')" = 2 ]
	[ "$(adac-lower "$DATA/adac/highpass.json" | jq '.graph.sections | length')" = 2 ]
	[ "$(adac-lower "$DATA/adac/bandpass.json" | jq '.graph.sections | length')" = 2 ]
	[ "$(adac-lower "$DATA/adac/parallelFilter.json" | jq '.graph.sections[0] | length')" = 2 ]
}

@test "adac-lower: a fractional parallelDelay (flamo isint false) interpolates linearly" {
	adac-lower "$DATA/adac/fractionalDelay.json" > d.ir
	[ "$(jq -c .graph.samples d.ir)" = "[10.25,20.5]" ]
	[ "$(jq -r .graph.interp d.ir)" = linear ]
}

@test "adac-lower: dense matrices that are structured are recognised" {
	[ "$(adac-lower "$DATA/adac/Matrix.json" | jq -S -c .graph.structure)" = '{"kind":"permutation","perm":[2,0,1],"scale":0.9}' ]
	[ "$(adac-lower "$DATA/adac/HouseholderMatrix.json" | jq -r .graph.structure.kind)" = householder ]
	[ "$(adac-lower "$DATA/fdn/householder8.json" | jq -r .graph.of[0].of[1].back.structure.kind)" = householder ]
	[ "$(adac-lower "$DATA/fdn/random8.json" | jq -r .graph.of[1].back.structure)" = null ]
}

@test "adac-lower: an fdn spec with t60 gets Jot's per-line gains" {
	adac-lower "$DATA/fdn/householder8.json" > h.ir
	# g_0 = 10^(-3·601/(48000·2))
	want=$(awk 'BEGIN { printf "%.12f", 10 ^ (-3 * 601 / (48000 * 2)) }')
	got=$(jq '.graph.of[0].of[1].forward.of[1].values[0]' h.ir | awk '{ printf "%.12f", $1 }')
	[ "$got" = "$want" ]
}

# --- bad input: one line on stderr, exit 2, nothing on stdout -------------

bad() {
	cd "$DATA"
	run --separate-stderr adac-lower "$@"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
}

@test "adac-lower: malformed JSON is exit 2 with line and column" {
	bad bad/lower-malformed.json
	[ "$stderr" = "adac-lower: error: bad/lower-malformed.json: malformed JSON at line 3, column 0: '}' expected near end of file" ]
}

@test "adac-lower: empty stdin is exit 2" {
	cd "$DATA"
	run --separate-stderr sh -c "printf '' | adac-lower"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-lower: error: <stdin>: empty input" ]
}

@test "adac-lower: a document of neither format is exit 2" {
	bad bad/lower-unknown-format.json
	[ "$stderr" = 'adac-lower: error: bad/lower-unknown-format.json: cannot tell the input format: an adac config has "type", an fdn spec has "delays", an sdn spec "room"; choose one with --from' ]
}

@test "adac-lower: a wrong type is exit 2 with its pointer" {
	bad bad/lower-wrong-type.json
	[ "$stderr" = "adac-lower: error: bad/lower-wrong-type.json: /params/gains: expected an array of numbers, got a string" ]
}

@test "adac-lower: a NaN in a matrix is exit 2 with its pointer" {
	bad bad/lower-nan.json
	[ "$stderr" = "adac-lower: error: bad/lower-nan.json: /children/0/params/matrix/1/1: NaN is not a finite number" ]
}

@test "adac-lower: a NaN in an fdn matrix is exit 2 with its pointer" {
	bad bad/lower-fdn-nan.json
	[ "$stderr" = "adac-lower: error: bad/lower-fdn-nan.json: /matrix/1/1: NaN is not a finite number" ]
}

@test "adac-lower: a negative delay is exit 2 with its pointer" {
	bad bad/lower-negative-delay.json
	[ "$stderr" = "adac-lower: error: bad/lower-negative-delay.json: /params/samples/3: delay length -4 is negative" ]
}

@test "adac-lower: a negative delay in an fdn spec is exit 2 with its pointer" {
	bad bad/lower-fdn-negative-delay.json
	[ "$stderr" = "adac-lower: error: bad/lower-fdn-negative-delay.json: /delays/2: delay length -107 is negative" ]
}

@test "adac-lower: a channel mismatch in a Series names both nodes" {
	bad bad/lower-channel-mismatch.json
	[ "$stderr" = "adac-lower: error: bad/lower-channel-mismatch.json: /children/1: channel mismatch: 'delays' takes 3 channels but 'input_gain' gives 4" ]
}

@test "adac-lower: declared channel counts must agree with the parameters" {
	bad bad/lower-declared-channels.json
	[ "$stderr" = "adac-lower: error: bad/lower-declared-channels.json: /input_channels: channel mismatch: input_channels is 4 but the parameters give 3" ]
}

@test "adac-lower: an fdn gain block of the wrong shape is a channel mismatch" {
	bad bad/lower-fdn-channel-mismatch.json
	[ "$stderr" = "adac-lower: error: bad/lower-fdn-channel-mismatch.json: /c/1: channel mismatch: c needs 4 columns, got 3" ]
}

@test "adac-lower: an unknown module type is an error with its pointer, not a wire" {
	bad bad/lower-unknown-module.json
	[ "$stderr" = "adac-lower: error: bad/lower-unknown-module.json: /children/0/fF/children/2/module_type: unsupported module type 'ScatteringMatrix'" ]
}

@test "adac-lower: an unknown node type is exit 2" {
	bad bad/lower-unknown-node-type.json
	[ "$stderr" = "adac-lower: error: bad/lower-unknown-node-type.json: /type: unknown node type 'Loop'; expected Shell, Series, Parallel, Recursion or Leaf" ]
}

@test "adac-lower: a delay-free Recursion is reported at the Recursion" {
	bad bad/lower-delay-free-loop.json
	[ "$stderr" = "adac-lower: error: bad/lower-delay-free-loop.json: /children/0: delay-free loop: output 0 of forward feeds back to itself without a sample of delay" ]
}

@test "adac-lower: a config without fs is exit 2" {
	bad bad/lower-missing-fs.json
	[ "$stderr" = "adac-lower: error: bad/lower-missing-fs.json: /fs: missing number" ]
}

@test "adac-lower: a hadamard fdn needs a power-of-two number of lines" {
	bad bad/lower-fdn-hadamard6.json
	[ "$stderr" = "adac-lower: error: bad/lower-fdn-hadamard6.json: /matrix: 'hadamard' needs a power-of-two number of delay lines, got 6" ]
}

@test "adac-lower: a matrix flamo calls hadamard that is not one is refused at the worst entry" {
	bad bad/lower-false-hadamard.json
	[ "$stderr" = "adac-lower: error: bad/lower-false-hadamard.json: /params/matrix/1/1: params.matrix is not the sylvester hadamard matrix that flamo matrix_type 'hadamard' makes: entry [1][1] is -0.6, the structure gives -0.7071067811865475" ]
}

# cfg NAME JSON: lower JSON written to NAME in the test's directory
cfg() {
	cd "$BATS_TEST_TMPDIR"
	printf '%s\n' "$2" > "$1"
	run --separate-stderr adac-lower "$1"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
}

@test "adac-lower: an error about the top node names the member at fault" {
	cfg gain.json '{"fs": 48000, "type": "Leaf", "module_type": "Gain"}'
	[ "$stderr" = "adac-lower: error: gain.json: /params/matrix: module type 'Gain' needs params.matrix or params.gains" ]
	cfg par.json '{"fs": 48000, "module_type": "parallel"}'
	[ "$stderr" = "adac-lower: error: par.json: /module_type: unsupported module type 'parallel'" ]
}

@test "adac-lower: a design that overflows a double is exit 2 at its parameters" {
	# 10^(10000/20) is past the largest double: not "out of memory" (exit 3)
	cfg peq.json '{"fs": 48000, "module_type": "PEQ", "params": {"gain_db": 10000, "fc": 1000, "bandwidth": 100}}'
	[ "$stderr" = "adac-lower: error: peq.json: /params: these parameters make section 0's b0 Infinity, not a finite number" ]
	# the bilinear transform's c = 1/tan(π·1e-300/48000) squared overflows: ∞/∞
	cfg lp.json '{"fs": 48000, "children": [{"module_type": "lowpass", "params": {"fc": 1e-300}}], "type": "Series"}'
	[ "$stderr" = "adac-lower: error: lp.json: /children/0/params: these parameters make section 0's b0 NaN, not a finite number" ]
	cfg hh.json '{"fs": 48000, "module_type": "HouseholderMatrix", "params": {"matrix": [[1e200], [1e200]]}}'
	[ "$stderr" = "adac-lower: error: hh.json: /params/matrix: householder vector u is too large: u'u overflows" ]
	cfg abs.json '{"fdn": 1, "fs": 48000, "delays": [100, 200], "matrix": "hadamard", "absorption": {"t60_dc": 1e-300, "t60_nyquist": 1e-300}}'
	[ "$stderr" = "adac-lower: error: abs.json: /absorption/t60_dc: decay times this short leave line 0 no gain at DC or Nyquist to design a filter from" ]
}

@test "adac-lower: an fdn spec the IR's limits refuse is named in the spec, not the IR" {
	# 20 lines of 2^24 - 777216 samples: 3.2e8 in all, past the 2^28 of state
	cfg long.json '{"fdn": 1, "fs": 48000, "delays": [16000000, 16000000, 16000000, 16000000, 16000000, 16000000, 16000000, 16000000, 16000000, 16000000, 16000000, 16000000, 16000000, 16000000, 16000000, 16000000, 16000000, 16000000, 16000000, 16000000], "matrix": "householder", "t60": 2, "d": 0.5}'
	[ "$stderr" = "adac-lower: error: long.json: /delays: the document's delays add up to more than 268435456 samples" ]
}

@test "adac-lower: a missing file is an I/O error, exit 3" {
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr adac-lower nonexistent.json
	[ "$status" -eq 3 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-lower: error: nonexistent.json: cannot open: No such file or directory" ]
}
