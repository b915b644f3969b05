#!/usr/bin/env bats
# A network with a nonlinear node through the pipeline as a user types
# it: examples/fdn4-tanh.json, a 4-line FDN with a tanh (in_gain 2,
# out_gain 0.45) before its Hadamard/2 matrix, certified by incremental
# small gain (2 x 0.45 x 1 = 0.9 < 1), emitted, and compared on noise,
# since an impulse does not characterise it.
bats_require_minimum_version 1.5.0

setup() {
	TOP="$BATS_TEST_DIRNAME/../.."
	EX="$TOP/examples/fdn4-tanh.json"
	cd "$BATS_TEST_TMPDIR"
}

emit() {
	adac-certify "$EX" | adac-emit -o model.dsp
}

@test "nonlinear: the tanh FDN is certified by incremental small gain, exit 0" {
	run --separate-stderr adac-certify "$EX"
	[ "$status" -eq 0 ]
	[ "$(jq -r .certificate.verdict <<<"$output")" = certified-stable ]
	[ "$(jq -c '.certificate.loops[0] | [.nonlinear, .method]' <<<"$output")" = '[true,"incremental-small-gain"]' ]
	# |2 x 0.45| times an orthogonal matrix's norm 1, within the
	# analysis's margins
	jq -e '.certificate.loops[0].bound | . >= 0.9 and . < 0.9 * (1 + 1e-12)' <<<"$output"
	# a loop gain above 1 with a tanh inside is indeterminate, not unstable
	jq '.graph.of[1].back.of[0].out_gain = [0.55, 0.55, 0.55, 0.55]' "$EX" > hot.json
	run --separate-stderr adac-certify hot.json
	[ "$status" -eq 1 ]
	[ "$(jq -r .certificate.verdict <<<"$output")" = indeterminate ]
}

@test "nonlinear: lower, certify, emit, diff on noise: float within the model's tolerance, double below -250 dB" {
	emit
	grep -q 'ma.tanh' model.dsp
	run --separate-stderr adac-diff --signal noise "$EX" model.dsp
	echo "$output" | jq -c '.overall, .signal'
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$(jq -c '.overall | [.verdict, .precision, .tol_from]' <<<"$output")" = '["equal","float","model"]' ]
	jq -e '.overall.worst_error_db <= .overall.tol_db' <<<"$output"
	[ "$(jq -cS '.signal' <<<"$output")" = '{"active_samples":'$(jq '(.samples + 1) / 2 | floor' <<<"$output")',"kind":"noise","level_db":0,"seed":1}' ]
	run --separate-stderr adac-diff --double --signal noise "$EX" model.dsp
	echo "$output" | jq -c '.overall'
	[ "$status" -eq 0 ]
	jq -e '.overall.worst_error_db < -250' <<<"$output"
}

@test "nonlinear: a sweep and hot noise drive the tanh into saturation and stay equal" {
	emit
	for args in "--signal sweep --level -20" "--signal noise --level 20 --seed 7"; do
		run --separate-stderr adac-diff $args "$EX" model.dsp
		echo "$args: $(jq -c .overall <<<"$output")"
		[ "$status" -eq 0 ]
		jq -e '.overall.worst_error_db <= .overall.tol_db' <<<"$output"
	done
}

@test "nonlinear: an impulse alone is not evidence of equality, exit 2 naming the IR" {
	emit
	run --separate-stderr adac-diff "$EX" model.dsp
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: $EX: has a nonlinear node, which its impulse response does not characterise: say which signal to compare on (--signal noise, sweep or impulse)" ]
	# stated, it is compared
	run --separate-stderr adac-diff --signal impulse "$EX" model.dsp
	[ "$status" -eq 0 ]
	[ "$(jq -r .signal.kind <<<"$output")" = impulse ]
}

@test "nonlinear: a program with another drive or another function differs on noise, exit 1" {
	emit
	sed 's/\*(2\.0) : ma\.tanh/*(2.001) : ma.tanh/' model.dsp > drive.dsp
	! cmp -s model.dsp drive.dsp
	run --separate-stderr adac-diff --signal noise "$EX" drive.dsp
	[ "$status" -eq 1 ]
	[ "$(jq -r .overall.verdict <<<"$output")" = different ]
	sed 's/ma\.tanh/max(-1.0) : min(1.0)/' model.dsp > clip.dsp
	run --separate-stderr adac-diff --signal noise "$EX" clip.dsp
	[ "$status" -eq 1 ]
}

@test "nonlinear: the same seed gives the same report, another seed another signal" {
	emit
	adac-diff --signal noise --seed 3 "$EX" model.dsp > a.json
	adac-diff --signal noise --seed 3 "$EX" model.dsp > b.json
	cmp a.json b.json
	adac-diff --signal noise --seed 4 "$EX" model.dsp > c.json
	[ "$(jq .paths[0].reference_peak a.json)" != "$(jq .paths[0].reference_peak c.json)" ]
}

@test "nonlinear: bad --signal, --level and --seed are usage errors, exit 2" {
	run --separate-stderr adac-diff --signal pink a b
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: --signal: unknown signal 'pink'; expected 'impulse', 'noise' or 'sweep'" ]
	run --separate-stderr adac-diff --level 50 a b
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: --level: '50' is not a number from -120 to 40" ]
	run --separate-stderr adac-diff --seed -1 a b
	[ "$status" -eq 2 ]
}

@test "nonlinear: an audio file cannot be driven by a signal, exit 2" {
	cd "$TOP/tests/data/diff"
	run --separate-stderr adac-diff --signal noise delay-gain.json delay-gain.wav
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: delay-gain.wav: is an audio file: it cannot be driven by a test signal (compare it with --signal impulse)" ]
}

@test "nonlinear: a bad node is exit 2 with its pointer; export refuses the node" {
	jq '.graph.of[1].back.of[0].function = "sinh"' "$EX" > bad.json
	run --separate-stderr adac-ir check bad.json
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-ir: error: bad.json: /graph/of/1/back/of/0/function: unknown function 'sinh'; expected 'tanh', 'clip' or 'cubic'" ]
	jq 'del(.graph.of[1].back.of[0].out_gain)' "$EX" > bad.json
	run --separate-stderr adac-ir check bad.json
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-ir: error: bad.json: /graph/of/1/back/of/0/out_gain: missing array of numbers" ]
	run --separate-stderr adac-ir export "$EX"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-ir: error: $EX: /graph/of/1/back/of/0: a nonlinear node has no counterpart in the config format: the reference's modules are linear" ]
}

@test "nonlinear: show names the function" {
	run --separate-stderr adac-ir show "$EX"
	[ "$status" -eq 0 ]
	grep -qx "        nonlinear 'drive'  4→4  tanh  /graph/of/1/back/of/0" <<<"$output"
}
