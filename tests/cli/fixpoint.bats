#!/usr/bin/env bats
# Fixed point as a user meets it: adac-emit --precision q1.F writes a
# program for faust -fx that builds with include/adac/fixpoint.hpp, says
# so in its header, and refuses what it cannot compute exactly.  That the
# build equals the fixed-point simulator bit for bit is
# tests/unit/test_fixpoint.c.
bats_require_minimum_version 1.5.0

setup() {
	TOP="$BATS_TEST_DIRNAME/../.."
	TMP="$BATS_TEST_TMPDIR"
}

@test "fixpoint: an unknown format is a usage error, exit 2, nothing written" {
	run --separate-stderr adac-emit --precision q1.16 "$TOP/tests/data/emit/fdn-sos-4.json"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-emit: error: unknown precision 'q1.16'; expected q1.15, q1.23 or q1.31, then optionally :round or :truncate and :saturate or :wrap" ]
}

@test "fixpoint: the header names the format, the build flags and what is not certified" {
	adac-lower "$TOP/examples/fdn4-adac.json" | adac-certify >"$TMP/fdn4.json"
	run --separate-stderr adac-emit --precision q1.23:truncate:wrap "$TMP/fdn4.json"
	[ "$status" -eq 0 ]
	[ "${lines[5]}" = "// fixed point q1.23:truncate:wrap: build with faust -fx and adac/fixpoint.hpp," ]
	[ "${lines[6]}" = "//   c++ -DADAC_FX_FRAC_BITS=23 -DADAC_FX_TRUNCATE=1 -DADAC_FX_WRAP=1;" ]
	[ "${lines[7]}" = "//   overflow and limit cycles in this format are not certified" ]
}

@test "fixpoint: the program builds with faust -fx and the shipped header, without a warning" {
	adac-lower "$TOP/examples/fdn16.json" | adac-certify >"$TMP/fdn16.json"
	adac-emit --precision q1.15 -o "$TMP/fdn16.dsp" "$TMP/fdn16.json"
	cd "$TMP"
	run --separate-stderr faust -fx -lang cpp -a "$TOP/include/adac/fixpoint-arch.cpp" fdn16.dsp -o fdn16.cpp
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	# faust's classInit(int sample_rate) leaves its parameter unused
	run --separate-stderr c++ -Wall -Wextra -Wno-unused-parameter -I"$TOP/include" -DADAC_FX_FRAC_BITS=15 -c fdn16.cpp
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
}

@test "fixpoint: every product sits behind a barrier and every constant is on the q1.15 grid" {
	adac-lower "$TOP/examples/fdn4-adac.json" | adac-certify >"$TMP/fdn4.json"
	adac-emit --precision q1.15 -o "$TMP/fdn4.dsp" "$TMP/fdn4.json"
	# 0.4995 is 16367.6 steps of 2^-15: it ships as 16368 / 32768
	grep -q '(\*(0.49951171875) : attach(_, 0))' "$TMP/fdn4.dsp"
	! grep -q '0.4995)' "$TMP/fdn4.dsp"
	! grep -q 'hadamard_stage' "$TMP/fdn4.dsp"
}

@test "fixpoint: a coefficient that does not fit is refused with its node's pointer" {
	echo '{"fs": 48000, "delays": [443, 521], "matrix": "hadamard", "t60": 2.5, "c": 1.5}' |
		adac-lower | adac-certify >"$TMP/loud.json"
	run --separate-stderr adac-emit --precision q1.31 -o "$TMP/loud.dsp" "$TMP/loud.json"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-emit: error: $TMP/loud.json: /graph/of/2: coefficient 1.5 does not fit q1.31:round:saturate (|c| < 1, or exactly 1 or -1)" ]
	[ ! -e "$TMP/loud.dsp" ]
}

@test "fixpoint: a network with absorption filters is refused with the filter's pointer" {
	adac-lower "$TOP/tests/data/adac/fdn4_absorption.json" | adac-certify >"$TMP/abs.json"
	run --separate-stderr adac-emit --precision q1.15 "$TMP/abs.json"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-emit: error: $TMP/abs.json: /graph/of/0/of/1/forward/of/1: biquad cascades are not supported at fixed point yet" ]
}

@test "fixpoint: a network with controls is refused at /controls" {
	run --separate-stderr adac-emit --force --precision q1.15 "$TOP/tests/data/sim/comb-controls.json"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "${stderr##*: /controls: }" = "controls are not supported at fixed point" ]
}

@test "fixpoint: a modulated delay is refused with its pointer" {
	adac-certify "$TOP/examples/fdn4-mod.json" >"$TMP/mod.json"
	run --separate-stderr adac-emit --precision q1.15 "$TMP/mod.json"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-emit: error: $TMP/mod.json: /graph/of/1/back: modulated delays are not supported at fixed point" ]
}
