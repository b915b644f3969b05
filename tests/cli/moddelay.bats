#!/usr/bin/env bats
# A modulated FDN through the pipeline as a user types it:
# examples/fdn4-mod.json, four lines of 1103 to 2137 samples modulated
# by 8 to 16 samples at 0.3 to 1.3 Hz, g = 0.97 before a Hadamard/2
# matrix.  Certified by small gain for every length the LFO reaches
# (0.97 times the largest line's factor, sqrt(1 + 2*delta) with
# delta = 2*pi*16*1.3/48000 = 2.72e-3, plus float rounding), emitted,
# and compared on noise and on an impulse.
bats_require_minimum_version 1.5.0

setup() {
	TOP="$BATS_TEST_DIRNAME/../.."
	EX="$TOP/examples/fdn4-mod.json"
	NN="$TOP/tests/data/moddelay/nonnormal.json"
	cd "$BATS_TEST_TMPDIR"
}

@test "moddelay: the modulated FDN is certified by small gain for its whole modulation range" {
	run --separate-stderr adac-certify "$EX"
	[ "$status" -eq 0 ]
	[ "$(jq -r .certificate.verdict <<<"$output")" = certified-stable ]
	[ "$(jq -c '[.certificate.loops[] | .modulated] | unique' <<<"$output")" = '[true]' ]
	# 0.97 * sqrt(1 + 2 * 2.72e-3) = 0.97263; float rounding adds 1e-4 at most
	jq -e '[.certificate.loops[].bound] | max | . >= 0.9726 and . < 0.9728' <<<"$output"
	jq -e '[.certificate.loops[] | has("slowest_mode")] | any | not' <<<"$output"
}

@test "moddelay: certify, emit, diff on noise and on an impulse: float within the model's tolerance, double below -250 dB" {
	adac-certify "$EX" | adac-emit -o model.dsp
	grep -q '^moddelay(B, beta, a, inc, P, c, ph, s, J, x) =' model.dsp
	for sig in noise impulse; do
		run --separate-stderr adac-diff --signal $sig "$EX" model.dsp
		echo "$sig float: $(jq -c .overall <<<"$output")"
		[ "$status" -eq 0 ]
		[ "$stderr" = "" ]
		[ "$(jq -c '.overall | [.verdict, .precision, .tol_from]' <<<"$output")" = '["equal","float","model"]' ]
		jq -e '.overall.worst_error_db <= .overall.tol_db' <<<"$output"
		run --separate-stderr adac-diff --double --signal $sig "$EX" model.dsp
		echo "$sig double: $(jq -c .overall <<<"$output")"
		[ "$status" -eq 0 ]
		jq -e '.overall.worst_error_db < -250' <<<"$output"
	done
}

@test "moddelay: another rate is another program, and adac-diff says so" {
	adac-certify "$EX" | adac-emit -o model.dsp
	jq '.graph.of[1].back.rate_hz[2] = 1.4' "$EX" > other.json
	run --separate-stderr adac-diff --double --signal noise other.json model.dsp
	[ "$status" -eq 1 ]
	[ "$(jq -r .overall.verdict <<<"$output")" = different ]
}

@test "moddelay: an impulse alone is not evidence of equality, exit 2 naming the IR" {
	adac-certify "$EX" | adac-emit -o model.dsp
	run --separate-stderr adac-diff "$EX" model.dsp
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: $EX: has a modulated delay, which its impulse response at sample 0 does not characterise: say which signal to compare on (--signal noise, sweep or impulse)" ]
}

@test "moddelay: a loop that only its modes prove stable is indeterminate once modulated, with the reason" {
	run --separate-stderr adac-certify "$NN"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.certificate.loops[0].method' <<<"$output")" = modal ]
	jq '.graph.of[1].back = {"op": "moddelay", "id": "lines", "samples": [37, 53], "depth": [4, 4], "rate_hz": [0.5, 0.9], "phase": [0, 0.5]}' "$NN" > mod.json
	run --separate-stderr adac-certify mod.json
	[ "$status" -eq 1 ]
	[ "$(jq -r .certificate.verdict <<<"$output")" = indeterminate ]
	[ "$(jq -r '.certificate.loops[0].reason' <<<"$output" | sed 's/bound [0-9.]* >=/bound B >=/')" = "incremental small-gain bound B >= 1, and with a modulated delay in the loop only a delay-independent bound applies; only a delay-dependent argument (modes, poles, unitarity at fixed lengths) would settle it, and none holds for every length the LFO reaches" ]
}

@test "moddelay: a depth past the base length is exit 2 with its pointer" {
	jq '.graph.of[1].back.depth[1] = 1448' "$EX" > bad.json
	run --separate-stderr adac-certify bad.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-certify: error: bad.json: /graph/of/1/back/depth/1: depth 1448 is more than the base length 1447: the read pointer would pass the write pointer" ]
}

@test "moddelay: export refuses it, the config format has fixed delays" {
	run --separate-stderr adac-ir export "$EX"
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-ir: error: $EX: /graph/of/1/back: a modulated delay has no counterpart in the config format: the reference's delays have fixed lengths" ]
}

# tests/data/moddelay/tank.json: a loop whose back path is a modulated
# Schroeder allpass (one line read in its feedback and its feedforward,
# as examples/dattorro.json writes them), a short fast modulated line
# that cannot give up a sample, then a fixed line that does: the ~'s
# sample passes both modulated parts, whose LFOs run one sample late
# for it (c = P - 1).  The allpass is a lattice, bounded by its energy
# balance (allpass.c): with its line's gain Γ = √(1 + 2·2π·16/48000) =
# 1.0020922, (Γ − 0.7)/(1 − 0.7·Γ) = 1.011914; the short line's
# √(1 + 2·2π·3/53) = 1.308184; the loop 0.7 × 1.011914 × 1.308184 =
# 0.92664, and the float program's rounding terms (η, bound.h) add less
# than 1e-3 (0.927188 measured).  Composing the parts' norms instead
# gives the allpass 5.2 and the loop is indeterminate.
@test "moddelay: the ~ sample taken after modulated lines lags their LFOs, and the program is equal" {
	TANK="$TOP/tests/data/moddelay/tank.json"
	run --separate-stderr adac-certify "$TANK"
	[ "$status" -eq 0 ]
	[ "$(jq -r .certificate.verdict <<<"$output")" = certified-stable ]
	jq -e '.certificate.bound > 0.92664 and .certificate.bound < 0.92764' <<<"$output"
	adac-certify "$TANK" | adac-emit -o tank.dsp
	grep -q '^modlines = moddelay(672, 0.0, 16.0, 2.0833333333333333e-05, 48000, 47999, 0.0, 1, 689);$' tank.dsp
	grep -q '^short = moddelay(3, 0.5, 3.0, 0.018867924528301886, 53, 52, 0.25, 0, 8);$' tank.dsp
	run --separate-stderr adac-diff --signal noise "$TANK" tank.dsp
	echo "float: $(jq -c .overall <<<"$output")"
	[ "$status" -eq 0 ]
	jq -e '.overall.worst_error_db <= .overall.tol_db' <<<"$output"
	run --separate-stderr adac-diff --double --signal noise "$TANK" tank.dsp
	echo "double: $(jq -c .overall <<<"$output")"
	[ "$status" -eq 0 ]
	jq -e '.overall.worst_error_db < -250' <<<"$output"
	# without the lag the program is another one
	sed 's/48000, 47999,/48000, 0,/; s/53, 52,/53, 0,/' tank.dsp > nolag.dsp
	run --separate-stderr adac-diff --double --signal noise "$TANK" nolag.dsp
	[ "$status" -eq 1 ]
}
