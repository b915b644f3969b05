#!/usr/bin/env bats
# Allpass structures through the pipeline as a user types it: the
# bundled examples (scripts/gen-allpass.jq) are certified, each allpass
# section proven |H| = 1 by its structure (adac-certify(1), "Allpass
# sections"), emitted, and compared with the model: float within the
# model-derived tolerance, double below -250 dB.
bats_require_minimum_version 1.5.0

setup() {
	TOP="$BATS_TEST_DIRNAME/../.."
	EX="$TOP/examples"
	cd "$BATS_TEST_TMPDIR"
}

# pipeline NAME: certify, emit, and diff examples/NAME.json in float and
# in double, with exact verdicts
pipeline() {
	run --separate-stderr adac-certify "$EX/$1.json"
	[ "$status" -eq 0 ]
	[ "$(jq -r .certificate.verdict <<<"$output")" = certified-stable ]
	adac-emit -o "$1.dsp" <<<"$output"
	run --separate-stderr adac-diff "$EX/$1.json" "$1.dsp"
	echo "$1 float: $(jq -c .overall <<<"$output")"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$(jq -c '.overall | [.verdict, .precision, .tol_from]' <<<"$output")" = '["equal","float","model"]' ]
	jq -e '.overall.worst_error_db <= .overall.tol_db' <<<"$output"
	run --separate-stderr adac-diff --double "$EX/$1.json" "$1.dsp"
	echo "$1 double: $(jq -c .overall <<<"$output")"
	[ "$status" -eq 0 ]
	[ "$(jq -r .overall.verdict <<<"$output")" = equal ]
	# null: no sample differs at all
	jq -e '.overall.worst_error_db == null or .overall.worst_error_db < -250' <<<"$output"
}

@test "allpass: the examples are what scripts/gen-allpass.sh writes" {
	mkdir out
	sh "$TOP/scripts/gen-allpass.sh" out
	for f in allpass-schroeder allpass-nested freeverb dattorro dattorro-mod; do
		cmp "out/$f.json" "$EX/$f.json"
	done
}

@test "allpass: each Schroeder section is proven allpass, max_dev 0, and its loop bounded by |g|" {
	run --separate-stderr adac-certify "$EX/allpass-schroeder.json"
	[ "$status" -eq 0 ]
	[ "$(jq -r .certificate.verdict <<<"$output")" = certified-stable ]
	[ "$(jq -c '[.certificate.allpass[] | [.pointer, .id, .form, .delay_samples, .g, .proven, .max_dev]]' <<<"$output")" = '[["/graph/of/0","ap1","schroeder",347,0.7,true,0],["/graph/of/1","ap2","schroeder",113,0.7,true,0],["/graph/of/2","ap3","schroeder",37,0.7,true,0]]' ]
	jq -e '.certificate.allpass[0].reason | startswith("H = (P - g)/(1 - g*P) with |P| = 1")' <<<"$output"
	run --separate-stderr adac-certify --report "$EX/allpass-schroeder.json"
	[ "$status" -eq 0 ]
	grep -qx 'allpass /graph/of/1: proven, |H| = 1 at every frequency (schroeder, g 0.7)' <<<"$stderr"
	run --separate-stderr adac-certify "$EX/allpass-schroeder.json"
	# the sections' own loops: g = 0.7 within the analysis's margins
	jq -e '[.certificate.loops[].bound] | length == 3 and all(. >= 0.7 and . < 0.7 * (1 + 1e-12))' <<<"$output"
}

@test "allpass: the Schroeder chain through certify, emit and diff" {
	pipeline allpass-schroeder
}

@test "allpass: a g perturbed in one place only is not proven, and says why" {
	jq '.graph.of[1].of[1].of[0].values = [-0.70000001]' "$EX/allpass-schroeder.json" > off.json
	run --separate-stderr adac-certify off.json
	# still stable: the section's loop is bounded by 0.7 all the same
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.certificate.allpass[] | .proven]' <<<"$output")" = '[true,false,true]' ]
	[ "$(jq -c '.certificate.allpass[1] | [.max_dev, .reason]' <<<"$output")" = '[null,"the feed-forward gain -0.70000001000000001 is not the negative of the loop gain 0.69999999999999996"]' ]
	run --separate-stderr adac-certify --report off.json
	grep -qx 'allpass /graph/of/1: not proven: the feed-forward gain -0.70000001000000001 is not the negative of the loop gain 0.69999999999999996' <<<"$stderr"
	# a different delay on the feed-forward path
	jq '.graph.of[1].of[1].of[1].samples = [114]' "$EX/allpass-schroeder.json" > off.json
	run --separate-stderr adac-certify off.json
	[ "$(jq -c '.certificate.allpass[1] | [.proven, .reason]' <<<"$output")" = '[false,"the feed-forward path /graph/of/1/of/1/of/1 is not the loop'"'"'s delay path /graph/of/1/of/0/back/of/0"]' ]
	# a fractional delay is not unit-modulus: not proven either
	jq '.graph.of[1].of[0].back.of[0] |= (.samples = [113.5] | .interp = "linear") | .graph.of[1].of[1].of[1] |= (.samples = [113.5] | .interp = "linear")' "$EX/allpass-schroeder.json" > off.json
	run --separate-stderr adac-certify off.json
	[ "$(jq -c '.certificate.allpass[1] | [.proven, .reason]' <<<"$output")" = '[false,"the delay path /graph/of/1/of/0/back/of/0 is not proven to have |P| = 1 (a whole-sample delay, a gain of 1 or -1, an allpass, or a series of these)"]' ]
}

@test "allpass: |g| >= 1 is not proven allpass and not certified-stable" {
	for g in 1 -1 1.5; do
		jq --argjson g "$g" '.graph.of[0].of[0].back.of[1].values = [$g] | .graph.of[0].of[1].of[0].values = [-$g]' \
			"$EX/allpass-schroeder.json" > hot.json
		run --separate-stderr adac-certify --strict hot.json
		echo "g=$g: $(jq -c '.certificate | [.verdict, .allpass[0].reason]' <<<"$output")"
		[ "$status" -eq 1 ]
		[ "$(jq -r .certificate.verdict <<<"$output")" != certified-stable ]
		[ "$(jq -c '.certificate.allpass[0] | [.proven, .max_dev, .reason]' <<<"$output")" = "[false,null,\"the loop gain $g is not below 1 in magnitude\"]" ]
	done
}

@test "allpass: a nested allpass is proven level by level and certified by it" {
	run --separate-stderr adac-certify "$EX/allpass-nested.json"
	[ "$status" -eq 0 ]
	[ "$(jq -r .certificate.verdict <<<"$output")" = certified-stable ]
	# the inner ones appear once per copy of the path they sit in
	[ "$(jq -c '[.certificate.allpass[] | [.id, .form, .proven]] | unique' <<<"$output")" = '[["inner","schroeder",true],["middle","nested",true],["outer","nested",true]]' ]
	[ "$(jq '.certificate.allpass | length' <<<"$output")" -eq 7 ]
	# the outer loop holds g = 0.5 times the middle allpass, norm 1
	jq -e '.certificate.loops[0] | .pointer == "/graph/of/0" and .bound >= 0.5 and .bound < 0.5 * (1 + 1e-12)' <<<"$output"
	# inside the outer loop, one copy of the innermost h off: the middle
	# and the outer are no longer proven, and the triangle inequality
	# alone, 0.5 x 1/(1 - 0.6) x (0.6 + 1/(1 - 0.4) x 1.41) about 3.69,
	# cannot certify the outer loop (nor prove it unstable)
	jq '.graph.of[0].back.of[0].of[1].of[1].of[1].of[1].of[1].of[0].values = [-0.41]' "$EX/allpass-nested.json" > off.json
	run --separate-stderr adac-certify off.json
	[ "$status" -eq 1 ]
	[ "$(jq -r .certificate.verdict <<<"$output")" = indeterminate ]
	[ "$(jq -r .certificate.pointer <<<"$output")" = /graph/of/0 ]
	[ "$(jq -c '[.certificate.allpass[] | select(.proven | not) | .pointer]' <<<"$output")" = '["/graph","/graph/of/0/back/of/0/of/1","/graph/of/0/back/of/0/of/1/of/1/of/1/of/1"]' ]
	# off in the copy outside the loop, the outer is not proven allpass
	# but its loop still is certified: it holds a proven middle
	jq '.graph.of[1].of[1].of[1].of[1].of[1].of[1].of[1].of[0].values = [-0.41]' "$EX/allpass-nested.json" > off.json
	run --separate-stderr adac-certify off.json
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.certificate.allpass[] | select(.proven | not) | .pointer]' <<<"$output")" = '["/graph","/graph/of/1/of/1/of/1","/graph/of/1/of/1/of/1/of/1/of/1/of/1"]' ]
}

@test "allpass: the nested allpass through certify, emit and diff" {
	pipeline allpass-nested
}

@test "allpass: Freeverb's combs are certified by their feedback 0.84, its four allpasses proven" {
	run --separate-stderr adac-certify "$EX/freeverb.json"
	[ "$status" -eq 0 ]
	[ "$(jq -r .certificate.verdict <<<"$output")" = certified-stable ]
	[ "$(jq -c '[.certificate.allpass[] | [.id, .delay_samples, .g, .proven]]' <<<"$output")" = '[["ap0",556,0.5,true],["ap1",441,0.5,true],["ap2",341,0.5,true],["ap3",225,0.5,true]]' ]
	# comb: 0.84 times a damping lowpass of peak gain (1 - d)/(1 - d) = 1
	jq -e '[.certificate.loops[] | select(.pointer | test("^/graph/of/0/of/[0-7]$")) | .bound] | length == 8 and all(. >= 0.84 and . < 0.84 * (1 + 1e-6))' <<<"$output"
	# Jezar's own allpass, y = -x + v[n-M], is not an allpass: not proven
	jq '.graph.of[1].of[1].of[0].values = [-1]' "$EX/freeverb.json" > jezar.json
	run --separate-stderr adac-certify jezar.json
	[ "$(jq -c '.certificate.allpass[0] | [.proven, .reason]' <<<"$output")" = '[false,"the feed-forward gain -1 is not the negative of the loop gain 0.5"]' ]
}

@test "allpass: Freeverb through certify, emit and diff" {
	pipeline freeverb
}

@test "allpass: Dattorro's tank is certified by decay^2 with its diffusers proven allpass" {
	run --separate-stderr adac-certify "$EX/dattorro.json"
	[ "$status" -eq 0 ]
	[ "$(jq -r .certificate.verdict <<<"$output")" = certified-stable ]
	[ "$(jq -c '[.certificate.allpass[] | select(.proven) | .id]' <<<"$output")" = '["in_ap1","in_ap2","in_ap3","in_ap4","tank_ap_l","decay_ap_l","tank_ap_r","decay_ap_r"]' ]
	# around the tank: decay 0.5 twice, allpasses and delays 1, the
	# damping lowpass (1 - d)/(1 - d) = 1 up to its coefficients' rounding
	# (a few float ulps, 1e-6 is generous)
	jq -e '.certificate.loops[] | select(.pointer == "/graph/of/6") | .bound >= 0.25 and .bound < 0.25 * (1 + 1e-6)' <<<"$output"
	# the tank's two modulated allpasses are named nodes, to be swapped
	[ "$(jq -c '[.graph.of[6].back.of[0].of[] | .of[0].id]' "$EX/dattorro.json")" = '["tank_ap_l","tank_ap_r"]' ]
	# without the proof (tank_ap_l's h off) the triangle inequality bounds
	# that section by 1/(1 - 0.7) x (0.71 + 1) = 5.7 and the tank by
	# 0.25 x 5.7 = 1.425: indeterminate, neither certified nor unstable
	jq '.graph.of[6].back.of[0].of[0].of[0].of[1].of[0].values = [-0.71]' "$EX/dattorro.json" > off.json
	run --separate-stderr adac-certify off.json
	[ "$status" -eq 1 ]
	[ "$(jq -c '.certificate | [.verdict, .pointer]' <<<"$output")" = '["indeterminate","/graph/of/6"]' ]
}

@test "allpass: Dattorro's plate through certify, emit and diff" {
	pipeline dattorro
}

# examples/dattorro-mod.json: the plate with its two tank allpasses' lines
# moving by 16 samples at 1 Hz.  A modulated section is no longer proven
# allpass, but it is a lattice (h = -g, the same line twice), bounded by
# its energy balance (allpass.c): its line's gain is
# G = sqrt(1 + 2 * 2pi * 16/29761) = 1.0033721, the section's
# (G - 0.7)/(1 - 0.7 G) = 1.011305 (its parts' norms would give 5.7), and
# the tank 0.25 x 1.011305 = 0.252826 plus the float rounding terms of
# bound.h (under 1%: 0.254966 measured).  It holds for every length the
# LFOs reach; an impulse does not characterise the program, noise does.
@test "allpass: the modulated plate is certified for its whole modulation range, and equal on noise" {
	run --separate-stderr adac-certify "$EX/dattorro-mod.json"
	[ "$status" -eq 0 ]
	[ "$(jq -r .certificate.verdict <<<"$output")" = certified-stable ]
	jq -e '.certificate.loops[] | select(.pointer == "/graph/of/6") | .bound > 0.252826 and .bound < 0.2554 and .modulated' <<<"$output"
	[ "$(jq -c '[.certificate.allpass[] | select(.proven | not) | .id]' <<<"$output")" = '["tank_ap_l","tank_ap_r"]' ]
	adac-emit -o plate.dsp <<<"$output"
	run --separate-stderr adac-diff --signal noise "$EX/dattorro-mod.json" plate.dsp
	echo "float: $(jq -c .overall <<<"$output")"
	[ "$status" -eq 0 ]
	[ "$(jq -r .overall.verdict <<<"$output")" = equal ]
	jq -e '.overall.worst_error_db <= .overall.tol_db' <<<"$output"
	run --separate-stderr adac-diff --double --signal noise "$EX/dattorro-mod.json" plate.dsp
	echo "double: $(jq -c .overall <<<"$output")"
	[ "$status" -eq 0 ]
	jq -e '.overall.worst_error_db < -250' <<<"$output"
	# decay 0.995 in each half (twice per half): the fixed plate's tank is
	# certified at 0.995^2 = 0.990; the modulated one's bound is
	# 0.990 x 1.0113 = 1.0012, not below 1: indeterminate
	jq '(.graph.of[6].back.of[0].of[].of[3].values, .graph.of[6].back.of[0].of[].of[6].values) = [0.995]' "$EX/dattorro.json" > fixed.json
	adac-certify fixed.json | jq -e '.certificate.verdict == "certified-stable"'
	jq '(.graph.of[6].back.of[0].of[].of[3].values, .graph.of[6].back.of[0].of[].of[6].values) = [0.995]' "$EX/dattorro-mod.json" > loud.json
	run --separate-stderr adac-certify loud.json
	[ "$status" -eq 1 ]
	[ "$(jq -c '.certificate | [.verdict, .pointer]' <<<"$output")" = '["indeterminate","/graph/of/6"]' ]
}

@test "allpass: a program with one coefficient of an allpass changed differs, exit 1" {
	adac-certify "$EX/allpass-schroeder.json" | adac-emit -o model.dsp
	grep -c '^gains.* = \*(-0\.7);$' model.dsp
	sed '0,/= \*(-0\.7);$/s//= *(-0.7001);/' model.dsp > off.dsp
	! cmp -s model.dsp off.dsp
	run --separate-stderr adac-diff "$EX/allpass-schroeder.json" off.dsp
	[ "$status" -eq 1 ]
	[ "$(jq -r .overall.verdict <<<"$output")" = different ]
}
