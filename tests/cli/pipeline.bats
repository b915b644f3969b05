#!/usr/bin/env bats
# The full pipeline as a user types it:
#   adac-lower model.json | adac-certify | adac-emit -o model.dsp &&
#   adac-diff model.json model.dsp
# for networks of 1 to 64 lines and every kind of feedback matrix.  The
# float build must stay 100 dB below the peak over 2 s at 48 kHz on every
# path, the -double build 250 dB below (adac-diff's defaults).  An exact
# match has error_db null (minus infinity).
bats_require_minimum_version 1.5.0

setup() {
	DATA="$BATS_TEST_DIRNAME/../data"
	cd "$BATS_TEST_TMPDIR"
}

# spec N MATRIX: a native FDN spec with N lines, delays spread over
# 401..~2900 samples, broadband t60 of 1.5 s, 1 input and 2 outputs.
spec() {
	jq -n --argjson n "$1" --argjson m "$2" '{
		format: "fdn", name: "Fdn\($n)", fs: 48000,
		delays: [range($n) | 401 + (. * 2503 / ([$n - 1, 1] | max) | floor) + (. % 7) * 3],
		matrix: $m, seed: 7, t60: 1.5, inputs: 1, outputs: 2
	}'
}

# A dense orthogonal matrix no structure detector recognises: the random
# orthogonal matrix of another seed, written out as explicit rows.
dense_rows() {
	spec "$1" '"random-orthogonal"' | jq '.seed = 11' | adac-lower |
		jq -c --argjson n "$1" '[.. | objects | select(.op? == "matrix" and (.data | length) == $n and (.data[0] | length) == $n) | .data][0]'
}

pipeline() {
	local n=$1 kind=$2 m
	case $kind in
	dense) m=$(dense_rows "$n") ;;
	*) m="\"$kind\"" ;;
	esac
	spec "$n" "$m" > model.json
	adac-lower model.json | adac-certify | adac-emit -o model.dsp
	run --separate-stderr adac-diff model.json model.dsp
	echo "$output" | jq -c '.overall'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq '.paths | length')" -eq 2 ]
	[ "$(echo "$output" | jq '[.paths[] | (.error_db // -1000) < -100] | all')" = true ]
	run --separate-stderr adac-diff --double model.json model.dsp
	echo "$output" | jq -c '.overall'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq '[.paths[] | (.error_db // -1000) < -250] | all')" = true ]
}

@test "pipeline: householder FDNs of 1 to 64 lines equal the model" {
	for n in 1 2 4 8 16 32 64; do pipeline $n householder; done
}

@test "pipeline: hadamard FDNs of 1 to 64 lines equal the model" {
	for n in 1 2 4 8 16 32 64; do pipeline $n hadamard; done
}

@test "pipeline: random orthogonal FDNs of 1 to 64 lines equal the model" {
	for n in 1 2 4 8 16 32 64; do pipeline $n random-orthogonal; done
}

@test "pipeline: explicit dense FDNs of 1 to 64 lines equal the model" {
	for n in 1 2 4 8 16 32 64; do pipeline $n dense; done
}

@test "pipeline: the 4-line ADAC-format FDN equals the model" {
	cp "$DATA/adac/fdn4.json" model.json
	adac-lower model.json | adac-certify | adac-emit -o model.dsp
	run --separate-stderr adac-diff model.json model.dsp
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq '.overall.worst_error_db < -100')" = true ]
}

# filter CONFIG: the reference's filter module, lowered, certified,
# emitted and compared in float with the model's tolerance, and in double
filter() {
	jq -n --argjson p "$1" '{fs: 48000, name: "F", type: "Leaf"} + $p' > model.json
	adac-lower model.json | adac-certify | adac-emit -o model.dsp
	run --separate-stderr adac-diff model.json model.dsp
	echo "$1: $(echo "$output" | jq -c '.overall')"
	[ "$status" -eq 0 ]
	jq -e ".overall.worst_error_db < $2" <<<"$output"
	run --separate-stderr adac-diff --double model.json model.dsp
	[ "$status" -eq 0 ]
}

@test "pipeline: high-order filters at low cutoffs equal the model in float" {
	# the issue's case: direct form I came out at -99.1 dB re peak, over
	# the -100 dB tolerance; as state-variable sections -128 dB
	filter '{"module_type": "lowpass", "params": {"order": 5, "fc": 800}}' -120
	# direct form I at -51 dB and -68 dB; -102 dB and -98 dB now, each
	# within the tolerance its own noise gives
	filter '{"module_type": "lowpass", "params": {"order": 10, "fc": 50}}' -95
	filter '{"module_type": "bandpass", "params": {"order": 4, "fl": 100, "fh": 200}}' -95
	filter '{"module_type": "highpass", "params": {"order": 7, "fc": 30}}' -140
}

@test "pipeline: the FDN with FLAMO's GEQ in its loop and PEQ and SVF after it is certified and equals the model" {
	# examples/fdn4-flamo.json: a parallelGEQ (command gains from a T60
	# per band) in the loop, a parallelPEQ on the four lines and a
	# parallelSVF highpass on the mix, as flamo_to_json writes them
	adac-lower "$BATS_TEST_DIRNAME/../../examples/fdn4-flamo.json" > model.json
	adac-certify model.json > certified.json
	[ "$(jq -r '.certificate.verdict' certified.json)" = certified-stable ]
	adac-emit -o model.dsp certified.json
	run --separate-stderr adac-diff model.json model.dsp
	echo "$(jq -c '.overall' <<<"$output")"
	[ "$status" -eq 0 ]
	run --separate-stderr adac-diff --double model.json model.dsp
	[ "$status" -eq 0 ]
	jq -e '.overall.worst_error_db < -250' <<<"$output"
	# the reference's json_to_faust writes '_' for all three: with them
	# as wires (unit gains) the program is another reverb
	jq '(.. | objects | select((.module_type // "") | test("GEQ|PEQ|SVF"))) |=
		{type: "Leaf", name, module_type: "parallelGain",
		 params: {gains: [range(.input_channels) | 1]}}' \
		"$BATS_TEST_DIRNAME/../../examples/fdn4-flamo.json" > wired.json
	adac-lower wired.json | adac-certify | adac-emit --force -o wired.dsp
	run --separate-stderr adac-diff model.json wired.dsp
	echo "wired: $(jq -c '.overall | [.verdict, .worst_error_db]' <<<"$output")"
	[ "$status" -eq 1 ]
}
