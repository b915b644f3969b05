#!/usr/bin/env bats
# Fixed point as a user meets it: adac-emit --precision q1.F writes a
# program for faust -fx that builds with include/adac/fixpoint.hpp, says
# so in its header, and refuses what it cannot compute exactly; adac-diff
# --precision builds it with faust -fx and proves it equal to the
# fixed-point simulator bit for bit (the unit-level proof, in more
# rounding and overflow modes, is tests/unit/test_fixpoint.c); adac-certify
# --precision q1.F bounds overflow and limit cycles, and adac-emit writes
# a fixed-point program only from such a certificate (the bounds' proofs
# are tests/unit/test_fixbound.c).  The bit-exactness tests emit with
# --force: equality does not depend on the certificate, and the bundled
# near-lossless FDNs are not certifiable at q1.15 for any input (the
# rounding alone may fill the word).
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

@test "fixpoint: the header names the format, the build flags and what the certificate proves" {
	adac-lower "$TOP/examples/fdn4-adac.json" | adac-certify --precision q1.23:truncate:wrap --input-peak 1e-6 >"$TMP/fdn4.json"
	run --separate-stderr adac-emit --precision q1.23:truncate:wrap "$TMP/fdn4.json"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[[ "${lines[2]}" == "// certificate: certified-stable for faust -fx q1.23:truncate:wrap builds only, sha256 "* ]]
	[ "${lines[5]}" = "// fixed point q1.23:truncate:wrap: build with faust -fx and adac/fixpoint.hpp," ]
	[ "${lines[6]}" = "//   c++ -DADAC_FX_FRAC_BITS=23 -DADAC_FX_TRUNCATE=1 -DADAC_FX_WRAP=1;" ]
	[[ "${lines[7]}" =~ ^"//   no sum overflows for inputs within +-1e-06 ("[0-9.]+" bits of headroom); limit cycles within "[0-9.e+]+" LSB"$ ]]
	# with --force from a float certificate it claims nothing
	adac-lower "$TOP/examples/fdn4-adac.json" | adac-certify >"$TMP/float.json"
	run --separate-stderr adac-emit --force --precision q1.23:truncate:wrap "$TMP/float.json"
	[ "$status" -eq 0 ]
	[ "${lines[7]}" = "//   overflow and limit cycles in this format are not certified" ]
}

@test "fixpoint: the program builds with faust -fx and the shipped header, without a warning" {
	adac-lower "$TOP/examples/fdn16.json" | adac-certify >"$TMP/fdn16.json"
	adac-emit --force --precision q1.15 -o "$TMP/fdn16.dsp" "$TMP/fdn16.json" 2>/dev/null
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
	adac-emit --force --precision q1.15 -o "$TMP/fdn4.dsp" "$TMP/fdn4.json" 2>/dev/null
	# 0.4995 is 16367.6 steps of 2^-15: it ships as 16368 / 32768
	grep -q '(\*(0.49951171875) : attach(_, 0))' "$TMP/fdn4.dsp"
	! grep -q '0.4995)' "$TMP/fdn4.dsp"
	! grep -q 'hadamard_stage' "$TMP/fdn4.dsp"
}

@test "fixpoint: a coefficient that does not fit is refused with its node's pointer" {
	echo '{"fs": 48000, "delays": [443, 521], "matrix": "hadamard", "t60": 2.5, "c": 1.5}' |
		adac-lower >"$TMP/loud.json"
	run --separate-stderr adac-certify --precision q1.31 -o "$TMP/loud.cert.json" "$TMP/loud.json"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-certify: error: $TMP/loud.json: /graph/of/2: coefficient 1.5 does not fit q1.31:round:saturate (|c| < 1, or exactly 1 or -1)" ]
	[ ! -e "$TMP/loud.cert.json" ]
	# emitting anyway does not get past it either
	adac-certify "$TMP/loud.json" >"$TMP/loud.float.json"
	run --separate-stderr adac-emit --force --precision q1.31 -o "$TMP/loud.dsp" "$TMP/loud.float.json"
	[ "$status" -eq 2 ]
	[ "${stderr##*$'\n'}" = "adac-emit: error: $TMP/loud.float.json: /graph/of/2: coefficient 1.5 does not fit q1.31:round:saturate (|c| < 1, or exactly 1 or -1)" ]
	[ ! -e "$TMP/loud.dsp" ]
}

@test "fixpoint: absorption filters are written in direct form I, every product behind a barrier" {
	adac-lower "$TOP/examples/fdn4-absorb.json" | adac-certify >"$TMP/abs.json"
	adac-lower "$TOP/examples/fdn4-absorb.json" | adac-certify --precision q1.15 --input-peak 0.04 >"$TMP/abs.fx.json"
	run --separate-stderr adac-emit --precision q1.15 "$TMP/abs.fx.json"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	# line 0's one-pole: b0 = g0 (1 - p) and -a1 = p on the 2^-15 grid
	# (24932 and 4309 steps), nothing for b1, b2, a2
	[ "$(echo "$output" | grep -c '^df1fx(b0, b1, b2, a1, a2) = fir : + ~ recursive with {$')" -eq 1 ]
	[[ "$output" == *"absorption = df1fx((*(0.7608642578125) : attach(_, 0)), (!, 0.0), (!, 0.0), (*(0.131500244140625) : attach(_, 0)), (!, 0.0)),"* ]]
	# the float program is not touched: still the state-variable form
	run adac-emit "$TMP/abs.json"
	[[ "$output" != *df1fx* ]]
}

@test "fixpoint: a biquad coefficient of 2 or more is refused with its node's pointer" {
	echo '{"fs": 48000, "delays": [443, 521], "matrix": "hadamard", "c": 0.5, "absorption": {"sos": [[[0.5, 0, 0, -1.5, 0.6], [0.5, 0, 0, -2.5, 0.99]]]}}' |
		adac-lower >"$TMP/steep.json"
	run --separate-stderr adac-emit --force --precision q1.23 -o "$TMP/steep.dsp" "$TMP/steep.json"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "${stderr##*/steep.json: }" = "/graph/of/1/forward/of/1: biquad coefficient a1 = -2.5 (section 0, channel 1) does not fit q1.23:round:saturate (|c| < 2 in a biquad)" ]
	[ ! -e "$TMP/steep.dsp" ]
}

@test "fixpoint: a network with controls is refused at /controls" {
	run --separate-stderr adac-emit --force --precision q1.15 "$TOP/tests/data/sim/comb-controls.json"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "${stderr##*: /controls: }" = "controls are not supported at fixed point" ]
}

@test "fixpoint: a modulated delay is refused with its pointer" {
	adac-certify "$TOP/examples/fdn4-mod.json" >"$TMP/mod.json"
	run --separate-stderr adac-certify --precision q1.15 "$TMP/mod.json"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-certify: error: $TMP/mod.json: /graph/of/1/back: modulated delays are not supported at fixed point" ]
}

# adac-diff --precision: the -fx build of the emitted program against the
# fixed-point simulator, bit for bit (lib/fixdiff.h).

# emit IR ($1, lowered and certified into $TMP/$2.json) at format $3 into $TMP/$2.dsp
fx_emit() {
	adac-lower "$TOP/examples/$1" | adac-certify >"$TMP/$2.json"
	adac-emit --force --precision "$3" -o "$TMP/$2.dsp" "$TMP/$2.json" 2>/dev/null
}

@test "fixpoint diff: fdn4 and fdn16 built with faust -fx equal the simulator at 0 LSB in every word, rounding and truncating" {
	for fmt in q1.15 q1.15:truncate q1.23 q1.23:truncate q1.31 q1.31:truncate; do
		for net in fdn4-adac fdn16; do
			fx_emit "$net.json" "$net" "$fmt"
			run --separate-stderr adac-diff --precision "$fmt" "$TMP/$net.json" "$TMP/$net.dsp"
			echo "# $net at $fmt: $(echo "$output" | jq -c .overall)" >&3
			[ "$status" -eq 0 ]
			[ "$stderr" = "" ]
			[ "$(echo "$output" | jq -c '[.overall.verdict, .overall.max_error_lsb, .overall.first_difference]')" = '["equal",0,null]' ]
			[ "$(echo "$output" | jq -c '[.paths[] | .max_error_lsb] | unique')" = '[0]' ]
			[ "$(echo "$output" | jq -r .precision)" = "$(echo "$fmt" | sed 's/$/:/; s/^q1\.\(..\):$/q1.\1:round:/; s/:$/:saturate/')" ]
		done
	done
}

@test "fixpoint diff: the absorption-filter FDN built with faust -fx equals the simulator at 0 LSB in every word, rounding and truncating" {
	for fmt in q1.15 q1.15:truncate q1.23 q1.23:truncate q1.31 q1.31:truncate; do
		fx_emit fdn4-absorb.json abs "$fmt"
		run --separate-stderr adac-diff --precision "$fmt" "$TMP/abs.json" "$TMP/abs.dsp"
		echo "# fdn4-absorb at $fmt: $(echo "$output" | jq -c '[.overall.verdict, .overall.max_error_lsb, .noise_floor.worst_error_db]')" >&3
		[ "$status" -eq 0 ]
		[ "$stderr" = "" ]
		[ "$(echo "$output" | jq -c '[.overall.verdict, .overall.max_error_lsb, .overall.first_difference, .sums_saturated]')" = '["equal",0,null,false]' ]
	done
}

@test "fixpoint diff: noise drives every rounding case and the build still equals the simulator" {
	fx_emit fdn16.json fdn16 q1.23:truncate:wrap
	run --separate-stderr adac-diff --precision q1.23:truncate:wrap --signal noise --level -20 --seed 7 -n 20000 "$TMP/fdn16.json" "$TMP/fdn16.dsp"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '[.overall.verdict, .overall.max_error_lsb, .samples, .signal.kind, .signal.seed]')" = '["equal",0,20000,"noise",7]' ]
}

@test "fixpoint diff: a coefficient one LSB off is different from its first affected sample" {
	fx_emit fdn4-adac.json fdn4 q1.15
	# the first output gain, 0.25, one step of 2^-15 lower; nothing else
	sed '0,/(\*(0.25) : attach/s//(*(0.249969482421875) : attach/' "$TMP/fdn4.dsp" >"$TMP/edited.dsp"
	[ "$(diff "$TMP/fdn4.dsp" "$TMP/edited.dsp" | grep -c '^>')" -eq 1 ]
	run --separate-stderr adac-diff --precision q1.15 "$TMP/fdn4.json" "$TMP/edited.dsp"
	[ "$status" -eq 1 ]
	[ "$stderr" = "" ]
	# The impulse (1.0 enters as 32767 LSB) first reaches the output
	# through line 0, 1103 samples (its delay) later; there its gain gives
	# 0.25 * 32767 = 8191.75 -> 8192 LSB, the edited one
	# 8191/32768 * 32767 = 8190.75 -> 8191 LSB: one LSB at sample 1103.
	[ "$(echo "$output" | jq -c '[.overall.verdict, .overall.first_difference, .paths[0].first_difference]')" = '["different",1103,1103]' ]
	[ "$(echo "$output" | jq '.overall.max_error_lsb >= 1')" = true ]
	[ "$(echo "$output" | jq -c .overall.worst_path)" = '{"input":0,"output":0}' ]
}

@test "fixpoint diff: the one-pole's noise floor against the double model lies within its bounds" {
	# y = x + 0.96 y' with an impulse of 1.0.  Lower bound: 1.0 enters as
	# 32767 LSB (saturated) and y[1] = 0.96 * 32767 LSB on the grid is
	# 31456, the model's 0.96 * 32768 = 31457.28: 1.28 LSB re a peak of 1,
	# 20 log10(1.28 * 2^-15) = -88.2 dB.  Upper bound: each step adds at
	# most 1/2 LSB of rounding, kept by the loop with gain 0.96: 12.5 LSB;
	# the input's 1 LSB kept the same way: 25 LSB; the coefficient on the
	# grid (31457/32768, 0.28/32768 = 8.54e-6 low) moves c^n by at most
	# n * 8.54e-6 * 0.96^(n-1) <= 8.54e-6 / (e * 0.04 * 0.96) = 8.2e-5:
	# 37.5 * 2^-15 + 8.2e-5 = 1.23e-3 re 1, -58.2 dB.
	adac-emit --force --precision q1.15 -o "$TMP/p.dsp" "$TOP/tests/data/fixpoint/one-pole.json" 2>/dev/null
	run --separate-stderr adac-diff --precision q1.15 "$TOP/tests/data/fixpoint/one-pole.json" "$TMP/p.dsp"
	echo "# one-pole q1.15: $(echo "$output" | jq -c .noise_floor.paths[0])" >&3
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq '.noise_floor.worst_error_db | . >= -88.2 and . <= -58.2')" = true ]
	[ "$(echo "$output" | jq '.noise_floor.paths[0].max_error_lsb | . >= 1.28 and . <= 40.2')" = true ]
	[ "$(echo "$output" | jq -r .noise_floor.against)" = "the double model" ]
}

@test "fixpoint diff: full-scale noise saturates fdn4's sums: different with a note under :saturate, equal under :wrap" {
	fx_emit fdn4-adac.json fdn4 q1.15
	run --separate-stderr adac-diff --precision q1.15 --signal noise "$TMP/fdn4.json" "$TMP/fdn4.dsp"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -c '[.overall.verdict, .sums_saturated]')" = '["different",true]' ]
	[ "$(echo "$output" | jq -r .overall.note)" = "a sum saturated, after which FAUST's order of additions decides the result; lower --level, or use :wrap, whose sums do not depend on their order" ]
	# sums modulo 2 do not depend on their order: the same signal is bit-exact
	fx_emit fdn4-adac.json fdn4w q1.15:wrap
	run --separate-stderr adac-diff --precision q1.15:wrap --signal noise "$TMP/fdn4w.json" "$TMP/fdn4w.dsp"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '[.overall.verdict, .overall.max_error_lsb, .sums_saturated]')" = '["equal",0,true]' ]
}

@test "fixpoint diff: a coefficient the format cannot hold is refused with its pointer, exit 2, no report" {
	echo '{"fs": 48000, "delays": [443, 521], "matrix": "hadamard", "t60": 2.5, "c": 1.5}' |
		adac-lower >"$TMP/loud.json"
	echo 'process = _;' >"$TMP/id.dsp"
	run --separate-stderr adac-diff --precision q1.15 "$TMP/loud.json" "$TMP/id.dsp"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: $TMP/loud.json: /graph/of/2: coefficient 1.5 does not fit q1.15:round:saturate (|c| < 1, or exactly 1 or -1)" ]
}

@test "fixpoint diff: modulated delays and controls are refused with their pointers" {
	echo 'process = _;' >"$TMP/id.dsp"
	run --separate-stderr adac-diff --precision q1.23 "$TOP/examples/fdn4-mod.json" "$TMP/id.dsp"
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: $TOP/examples/fdn4-mod.json: /graph/of/1/back: modulated delays are not supported at fixed point" ]
	run --separate-stderr adac-diff --precision q1.23 "$TOP/tests/data/sim/comb-controls.json" "$TMP/id.dsp"
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: $TOP/tests/data/sim/comb-controls.json: /controls: controls are not supported at fixed point" ]
}

@test "fixpoint diff: a signal under half an LSB is no evidence, exit 2" {
	fx_emit fdn4-adac.json fdn4 q1.15
	# -100 dB is 1e-5, under 2^-16 = 1.5e-5: the input enters as 0
	run --separate-stderr adac-diff --precision q1.15 --level -100 "$TMP/fdn4.json" "$TMP/fdn4.dsp"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: $TMP/fdn4.json: the simulator's output is 0 on every path over the 96000 samples compared in q1.15:round:saturate: no evidence (raise --level)" ]
}

@test "fixpoint diff: a program of another shape is different, exit 1, with a note" {
	fx_emit fdn4-adac.json fdn4 q1.15
	echo 'process = _ <: _, _;' >"$TMP/two.dsp"
	run --separate-stderr adac-diff --precision q1.15 "$TMP/fdn4.json" "$TMP/two.dsp"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -c '[.overall.verdict, .overall.note, .paths]')" = '["different","the program has 1 inputs and 2 outputs, the IR 1 and 1",[]]' ]
}

@test "fixpoint diff: the float program of the same IR is not its -fx build: FAUST's folding rounds elsewhere" {
	fx_emit fdn4-adac.json fdn4 q1.15
	adac-emit -o "$TMP/float.dsp" "$TMP/fdn4.json"
	run --separate-stderr adac-diff --precision q1.15 "$TMP/fdn4.json" "$TMP/float.dsp"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r .overall.verdict)" = different ]
}

@test "fixpoint diff: a program faust cannot compile is an error naming it, exit 2" {
	fx_emit fdn4-adac.json fdn4 q1.15
	echo 'process = nosuch;' >"$TMP/bad.dsp"
	run --separate-stderr adac-diff --precision q1.15 "$TMP/fdn4.json" "$TMP/bad.dsp"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: $TMP/bad.dsp: faust -fx failed: line 1: undefined symbol : nosuch" ]
}

@test "fixpoint diff: options of the float comparison are refused with --precision" {
	run --separate-stderr adac-diff --precision q1.15 --tol-db -100 a.json b.dsp
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: --precision takes only -n, -o, --signal, --level, --seed and --compile-*" ]
	run --separate-stderr adac-diff --precision q1.17 a.json b.dsp
	[ "$status" -eq 2 ]
	[[ "$stderr" == "adac-diff: error: --precision: unknown precision 'q1.17'"* ]]
}

# adac-certify --precision q1.F: overflow and limit cycles (lib/fixbound.h)

pole() {
	sed "s/0.96/$1/" "$TOP/tests/data/fixpoint/one-pole.json"
}

@test "fixpoint certify: a loop that may overflow at full scale is refused with its node's pointer and the peak that fits, exit 1" {
	pole 0.5 >"$TMP/p.json"
	run --separate-stderr adac-certify --precision q1.15 "$TMP/p.json"
	[ "$status" -eq 1 ]
	[ "$stderr" = "" ]
	# sum |0.5^n| = 2, plus an LSB of rounding; (1 - 2 LSB) / 2 fits, less
	# the half LSB an input there may round up by
	[ "$(echo "$output" | jq -c '.certificate | [.verdict, .pointer, .precision]')" = '["not-certified","/graph",["q1.15:round:saturate"]]' ]
	# 2 + 2^-15 = 2.000030517578125, then the bound's margins
	[[ "$(echo "$output" | jq -r .certificate.reason)" == "may overflow: a sum may reach 2.0000305175781"*" for inputs up to 1; inputs up to 0.499954 fit" ]]
	[ "$(echo "$output" | jq -c '.certificate.fixed_point | [.overflow.verdict, .overflow.pointer, .limit_cycles.verdict]')" = '["may-overflow","/graph","indeterminate"]' ]
	# q = 2^-15; the bound's own margins are under 1e-12
	[ "$(echo "$output" | jq '.certificate.fixed_point.overflow.max_input_peak - (1 - 3 * pow(2; -15)) / 2 | fabs < 1e-12')" = true ]
	run --separate-stderr adac-emit --precision q1.15 <(echo "$output")
	[ "$status" -eq 1 ]
	[ "${stderr##*: }" = "certificate verdict is 'not-certified'" ]
}

@test "fixpoint certify: within the peak that fits, the certificate states the headroom and the limit cycles, and the program says so" {
	pole 0.5 | adac-certify --precision q1.15 --input-peak 0.25 >"$TMP/p.json"
	[ "$(jq -c '.certificate | [.verdict, .fixed_point.overflow.verdict, .fixed_point.limit_cycles.verdict]' "$TMP/p.json")" = '["certified-stable","no-overflow","bounded"]' ]
	# the input rounds to 0.25 + q/2 at most, twice that is 0.5 + q, and
	# the product's rounding adds q: log2((1 - q) / (0.5 + 2q)) bits
	[ "$(jq '.certificate.fixed_point.overflow.headroom_bits - ((1 - pow(2; -15)) / (0.5 + 2 * pow(2; -15)) | log2) | fabs < 1e-9' "$TMP/p.json")" = true ]
	run --separate-stderr adac-emit --precision q1.15 "$TMP/p.json"
	[ "$status" -eq 0 ]
	[ "${lines[7]}" = "//   no sum overflows for inputs within +-0.25 (1.0 bits of headroom); limit cycles within 1 LSB" ]
}

@test "fixpoint certify: a limit cycle is caught: the dead band of y = x + 0.96 y' is bounded, not claimed absent" {
	pole 0.96 | adac-certify --precision q1.15 --input-peak 0.03 >"$TMP/p.json"
	# 1/2 LSB / (1 - 31457/32768); the simulator sticks at 12 LSB
	[ "$(jq -c '.certificate.fixed_point.limit_cycles | [.verdict, (.amplitude_bound_lsb * 1000 | round)]' "$TMP/p.json")" = '["bounded",12497]' ]
	pole 0.25 | adac-certify --precision q1.15 --input-peak 0.5 >"$TMP/q.json"
	[ "$(jq -r '.certificate.fixed_point.limit_cycles.verdict' "$TMP/q.json")" = absent ]
}

@test "fixpoint certify: fdn4 at q1.15 is refused for any input: the rounding alone may fill the word" {
	adac-lower "$TOP/examples/fdn4-adac.json" >"$TMP/fdn4.json"
	run --separate-stderr adac-certify --precision q1.15 --input-peak 1e-9 "$TMP/fdn4.json"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r .certificate.pointer)" = "/graph/of/0/of/1/back" ]
	[[ "$(echo "$output" | jq -r .certificate.reason)" == "may overflow: a sum may reach "*", and the rounding alone may fill the word" ]]
	[ "$(echo "$output" | jq -c .certificate.fixed_point.overflow.max_input_peak)" = null ]
}

@test "fixpoint certify: a program is emitted only from a certificate for its own format" {
	pole 0.5 | adac-certify --precision q1.15 --input-peak 0.25 >"$TMP/fx.json"
	run --separate-stderr adac-emit "$TMP/fx.json"
	[ "$status" -eq 1 ]
	[ "$stderr" = "adac-emit: error: $TMP/fx.json: /certificate/precision: certificate covers neither float32 nor double, the builds adac-emit writes; rerun adac-certify" ]
	run --separate-stderr adac-emit --precision q1.15:truncate "$TMP/fx.json"
	[ "$status" -eq 1 ]
	[ "$stderr" = "adac-emit: error: $TMP/fx.json: /certificate/precision: certificate does not cover q1.15:truncate:saturate; rerun adac-certify --precision q1.15:truncate:saturate" ]
	pole 0.5 | adac-certify >"$TMP/float.json"
	run --separate-stderr adac-emit --precision q1.15 "$TMP/float.json"
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-emit: error: $TMP/float.json: /certificate/precision: certificate does not cover q1.15:round:saturate; rerun adac-certify --precision q1.15:round:saturate" ]
}

@test "fixpoint certify: --input-peak is a number in (0, 1] and needs a fixed-point format" {
	pole 0.5 >"$TMP/p.json"
	run --separate-stderr adac-certify --input-peak 0.5 "$TMP/p.json"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-certify: error: --input-peak needs a fixed-point --precision" ]
	for bad in 0 1.5 nan -1; do
		run --separate-stderr adac-certify --precision q1.15 --input-peak "$bad" "$TMP/p.json"
		[ "$status" -eq 2 ]
		[ "$output" = "" ]
	done
	[ "$stderr" = "adac-certify: error: --input-peak: '-1' is not a number from 0 to 1" ]
}

@test "fixpoint certify: --report states the overflow and limit-cycle verdicts" {
	pole 0.96 >"$TMP/p.json"
	run --separate-stderr adac-certify --report --precision q1.15 --input-peak 0.03 "$TMP/p.json"
	[ "$status" -eq 0 ]
	[ "$(echo "$stderr" | grep -c '^fixed point q1.15:round:saturate, inputs within +-0.03: no sum overflows for inputs up to 0.03: ')" -eq 1 ]
	[ "$(echo "$stderr" | grep -c '^  limit cycles: bounded (bound 12.5 LSB at /graph')" -eq 1 ]
}

@test "fixpoint certify: the absorption-filter FDN is certified in every word within the peak that fits" {
	adac-lower "$TOP/examples/fdn4-absorb.json" >"$TMP/abs.json"
	for fmt in q1.15 q1.23 q1.31 q1.15:truncate; do
		peak=$(adac-certify --precision "$fmt" "$TMP/abs.json" | jq .certificate.fixed_point.overflow.max_input_peak)
		echo "# fdn4-absorb at $fmt: inputs up to $peak fit" >&3
		# the filters' unit delays are cells of the contraction too
		# certified at exactly the peak said to fit
		run --separate-stderr adac-certify --precision "$fmt" --input-peak "$peak" "$TMP/abs.json"
		[ "$status" -eq 0 ]
		echo "# $(echo "$output" | jq -c '.certificate.fixed_point | [.contraction.gamma, .overflow.headroom_bits, .limit_cycles.verdict, .limit_cycles.amplitude_bound_lsb]')" >&3
		[ "$(echo "$output" | jq -c '.certificate | [.verdict, .fixed_point.overflow.verdict, .fixed_point.contraction.gamma < 1, (.fixed_point.limit_cycles.verdict | IN("absent", "bounded"))]')" = '["certified-stable","no-overflow",true,true]' ]
	done
}

@test "fixpoint diff: the measured limit cycle stands beside the certificate's bound" {
	# y = x + 0.96 y': the simulator sticks at 12 LSB after the signal;
	# the certificate bounds it by 1/2 LSB / (1 - 31457/32768) = 12.497
	adac-certify --precision q1.15 --input-peak 0.03 "$TOP/tests/data/fixpoint/one-pole.json" >"$TMP/p.json"
	adac-emit --precision q1.15 -o "$TMP/p.dsp" "$TMP/p.json"
	run --separate-stderr adac-diff --precision q1.15 --level -31 "$TMP/p.json" "$TMP/p.dsp"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '.zero_input | [.after_s, .over_s, .paths, .peak_lsb, .certified, (.certified_bound_lsb * 1000 | round)]')" = '[10,1,[{"input":0,"output":0,"peak_lsb":12}],12,"bounded",12497]' ]
	# a certificate for another format promises nothing here
	adac-emit --force --precision q1.23 -o "$TMP/p23.dsp" "$TMP/p.json" 2>/dev/null
	run --separate-stderr adac-diff --precision q1.23 --level -31 "$TMP/p.json" "$TMP/p23.dsp"
	[ "$(echo "$output" | jq -c '.zero_input | [.certified, .certified_bound_lsb]')" = '[null,null]' ]
	# nor does a stale one, for the IR it was not made for
	jq '.name = "edited"' "$TMP/p.json" >"$TMP/stale.json"
	run --separate-stderr adac-diff --precision q1.15 --level -31 "$TMP/stale.json" "$TMP/p.dsp"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '.zero_input | [.peak_lsb, .certified, .certified_bound_lsb]')" = '[12,null,null]' ]
}

@test "fixpoint certify: a network beyond the bound's size is indeterminate, not a crash nor a pass" {
	# 600 lines, each with a one-pole absorption filter (one more cell):
	# 1200 cells, over the 1024 whose map the bound takes an SVD of
	jq -n '{fs: 48000, delays: [range(600) | 100 + .], matrix: "householder",
		t60: 1, b: 0.01, c: 0.01, absorption: {t60_dc: 1, t60_nyquist: 0.5}}' |
		adac-lower >"$TMP/big.json"
	run --separate-stderr adac-certify --precision q1.31 "$TMP/big.json"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -c '.certificate | [.verdict, .reason, .fixed_point.overflow.verdict, .fixed_point.limit_cycles.verdict]')" = '["indeterminate","1200 delay lines and 4202 wires are more than the fixed-point bound handles (1024 lines, 1.67772e+07 entries)","indeterminate","indeterminate"]' ]
}
