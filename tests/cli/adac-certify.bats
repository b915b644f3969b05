#!/usr/bin/env bats
# adac-certify as a user runs it: every verdict, its exit status, the
# certificate written back into the IR, and bad input.
bats_require_minimum_version 1.5.0

setup() {
	DATA="$BATS_TEST_DIRNAME/../data/certify"
	cd "$BATS_TEST_TMPDIR"
}

# the certificate member of the IR on stdin, compact
cert() {
	jq -c "$1" <<<"$output"
}

@test "adac-certify: Hadamard/2 scaled by 0.999 is certified-stable, exit 0" {
	run --separate-stderr adac-certify "$DATA/hadamard-0999.json"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$(cert .certificate.verdict)" = '"certified-stable"' ]
	[ "$(cert .certificate.pointer)" = '"/graph/of/1"' ]
	[ "$(cert .certificate.method)" = '"small-gain"' ]
	[ "$(cert .certificate.precision)" = '["float32","double"]' ]
	[ "$(cert .certificate.grid)" = 64 ]
	# σ = 2·float(0.4995) in float32, above 0.999 by 2⁻²⁴ relative at most
	[ "$(cert '.certificate.bound | . > 0.99899 and . < 0.99901')" = true ]
	[ "$(cert '.certificate.loops[0].marginal_tolerance < 1e-6')" = true ]
	[ "$(cert '.certificate.loops[0].matrices[0].pointer')" = '"/graph/of/1/back"' ]
}

@test "adac-certify: the certificate is appended to the IR, which is otherwise unchanged" {
	run --separate-stderr adac-certify "$DATA/hadamard-0999.json"
	[ "$status" -eq 0 ]
	[ "$(jq -S 'del(.certificate)' <<<"$output")" = "$(jq -S . "$DATA/hadamard-0999.json")" ]
	# and it is written in canonical form
	[ "$(adac-ir fmt <<<"$output")" = "$output" ]
}

@test "adac-certify: the hash is the SHA-256 of the canonical IR without certificate" {
	run --separate-stderr adac-certify "$DATA/rt60.json"
	[ "$status" -eq 0 ]
	want=$(adac-ir fmt "$DATA/rt60.json" | sha256sum | cut -d' ' -f1)
	[ "$(jq -r .certificate.hash <<<"$output")" = "$want" ]
}

@test "adac-certify: the unscaled Hadamard FDN is marginally-stable, exit 0" {
	run --separate-stderr adac-certify "$DATA/hadamard.json"
	[ "$status" -eq 0 ]
	[ "$(cert .certificate.verdict)" = '"marginally-stable"' ]
	[ "$(cert .certificate.loops[0].lossless)" = true ]
}

@test "adac-certify: --strict makes marginally-stable exit 1 and still writes the IR" {
	run --separate-stderr adac-certify --strict "$DATA/hadamard.json"
	[ "$status" -eq 1 ]
	[ "$stderr" = "" ]
	[ "$(cert .certificate.verdict)" = '"marginally-stable"' ]
}

@test "adac-certify: Hadamard/2 scaled by 1.001 is unstable, exit 1, IR still written" {
	run --separate-stderr adac-certify "$DATA/hadamard-1001.json"
	[ "$status" -eq 1 ]
	[ "$stderr" = "" ]
	[ "$(cert .certificate.verdict)" = '"unstable"' ]
	[ "$(cert .certificate.pointer)" = '"/graph/of/1"' ]
	[ "$(cert .name)" = '"Hadamard1001"' ]
}

@test "adac-certify: a non-normal matrix with spectral radius 0.5 is certified by its modes, exit 0" {
	run --separate-stderr adac-certify --precision double --report "$DATA/nonnormal.json"
	[ "$status" -eq 0 ]
	[ "$(cert .certificate.verdict)" = '"certified-stable"' ]
	[ "$(cert .certificate.loops[0].method)" = '"modal"' ]
	# delays 3 and 5 behind a triangular matrix: the poles are the 3rd
	# and 5th roots of 0.5; the slowest has radius 0.5^(1/5)
	[ "$(cert '.certificate.loops[0].slowest_mode.radius - pow(0.5; 0.2) | fabs < 1e-12')" = true ]
	[ "$(cert '.certificate.loops[0].slowest_mode.bound < 0.99')" = true ]
	grep -q '^  slowest mode: radius 0.870550563296 at ' <<<"$stderr"
	grep -q ', T60 ' <<<"$stderr"
	# σ_max([[0.5, 10], [0, 0.5]]) = (√101 + 10)/2
	[ "$(cert '.certificate.bound - ((101 | sqrt) + 10) / 2 | fabs < 1e-12')" = true ]
	[ "$(cert '.certificate.loops[0].matrices[0].spectral_radius - 0.5 | fabs < 1e-7')" = true ]
}

@test "adac-certify: a biquad pole at 1.0001 is unstable with the pointer of its sos" {
	run --separate-stderr adac-certify "$DATA/biquad-unstable.json"
	[ "$status" -eq 1 ]
	[ "$(cert .certificate.verdict)" = '"unstable"' ]
	[ "$(cert .certificate.pointer)" = '"/graph/of/1"' ]
	[ "$(cert .certificate.biquads[0].section)" = 0 ]
}

@test "adac-certify: a loop around a lossless loop has no small-gain bound, and its modes prove it unstable" {
	run --separate-stderr adac-certify "$DATA/nested-marginal.json"
	[ "$status" -eq 1 ]
	[ "$(cert .certificate.verdict)" = '"unstable"' ]
	[ "$(cert .certificate.pointer)" = '"/graph"' ]
	[ "$(cert .certificate.loops[0].method)" = '"modal"' ]
	[ "$(cert .certificate.loops[1].verdict)" = '"marginally-stable"' ]
	# 1 - 0.1·z^-20/(1 - z^-7) = 0: the pole is the real root of
	# r^20 - r^13 - 0.1, 1.011831749...
	[ "$(cert '.certificate.loops[0].slowest_mode.radius as $r | pow($r; 20) - pow($r; 13) - 0.1 | fabs < 1e-12')" = true ]
	[[ "$(cert .certificate.reason)" == '"the loop'"'"'s state map has a mode of radius 1.0118317492 at 0 Hz '* ]]
}

@test "adac-certify: a certified nested loop is bounded by its response norm" {
	# inner 1/(1 − 0.5) = 2 at DC, outer gain 0.4: 0.8
	run --separate-stderr adac-certify --precision double "$DATA/nested.json"
	[ "$status" -eq 0 ]
	[ "$(cert '.certificate.bound - 0.8 | fabs < 1e-12')" = true ]
}

@test "adac-certify: an IR without loops is certified by its biquad poles" {
	run --separate-stderr adac-certify "$DATA/no-loop.json"
	[ "$status" -eq 0 ]
	[ "$(cert .certificate.verdict)" = '"certified-stable"' ]
	[ "$(cert .certificate.loops)" = '[]' ]
	[ "$(cert .certificate.margin_db)" = null ]
}

@test "adac-certify: rt60 is certified at its largest value and recorded" {
	run --separate-stderr adac-certify --precision double "$DATA/rt60.json"
	[ "$status" -eq 0 ]
	[ "$(cert '.certificate.controls[0] | [.name, .worst]')" = '["rt60",10]' ]
	# Jot's gain of the 149-sample line at T60 = 10 s
	[ "$(cert '.certificate.bound - pow(10; -3 * 149 / 480000) | fabs < 1e-12')" = true ]
}

@test "adac-certify: per-line one-pole absorption is bounded by the largest DC gain" {
	run --separate-stderr adac-certify --precision double "$DATA/absorption.json"
	[ "$status" -eq 0 ]
	[ "$(cert '.certificate.bound - pow(10; -3 * 149 / 72000) | fabs < 1e-12')" = true ]
}

@test "adac-certify: a matrix certified in double is not certified in float32" {
	run --separate-stderr adac-certify --precision double "$DATA/float32-rounding.json"
	[ "$status" -eq 0 ]
	[ "$(cert .certificate.verdict)" = '"certified-stable"' ]
	[ "$(cert '.certificate.bound < 1')" = true ]
	run --separate-stderr adac-certify --strict "$DATA/float32-rounding.json"
	[ "$status" -eq 1 ]
	[ "$(cert .certificate.verdict)" = '"marginally-stable"' ]
	[ "$(cert '.certificate.bound > 1')" = true ]
}

@test "adac-certify: re-certifying replaces the old certificate" {
	adac-certify "$DATA/hadamard-0999.json" > once.json
	run --separate-stderr adac-certify --precision double once.json
	[ "$status" -eq 0 ]
	[ "$(cert .certificate.precision)" = '["double"]' ]
	[ "$(cert '.certificate.hash')" = "$(jq -c .certificate.hash once.json)" ]
	adac-certify once.json > twice.json
	cmp once.json twice.json
}

@test "adac-certify: reads stdin and writes -o atomically, nothing on stdout" {
	run --separate-stderr sh -c "adac-certify -o out.json < '$DATA/hadamard-0999.json'"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$(jq -r .certificate.verdict out.json)" = certified-stable ]
}

@test "adac-certify: --report prints the verdict, bound and margin on stderr" {
	run --separate-stderr adac-certify --report "$DATA/hadamard-0999.json"
	[ "$status" -eq 0 ]
	[ "$(head -1 <<<"$stderr")" = "verdict: certified-stable" ]
	# −20·log10(0.999000012875) = 0.0086902 dB
	grep -q '^bound: 0.999000012875 (margin 0.00869 dB)$' <<<"$stderr"
	grep -q 'estimated T60' <<<"$stderr"
	[ "$(cert .certificate.verdict)" = '"certified-stable"' ]
}

@test "adac-certify: --grid sets the first cut of the band, not the bound" {
	run --separate-stderr adac-certify --grid 7 "$DATA/absorption.json"
	[ "$status" -eq 0 ]
	[ "$(cert .certificate.grid)" = 7 ]
	coarse=$(cert .certificate.bound)
	run --separate-stderr adac-certify --grid 4096 "$DATA/absorption.json"
	[ "$(cert .certificate.grid)" = 4096 ]
	[ "$(cert .certificate.bound)" = "$coarse" ]
}

@test "adac-certify: --tol narrows the marginal band and never widens it" {
	# the unscaled Hadamard FDN is marginal within rounding; with no band
	# at all it is left undecided
	run --separate-stderr adac-certify --tol 0 "$DATA/hadamard.json"
	[ "$status" -eq 1 ]
	[ "$(cert .certificate.verdict)" = '"indeterminate"' ]
	[ "$(cert .certificate.loops[0].marginal_tolerance)" = 0 ]
	# 1.001·H/2 stays unstable whatever band is asked for
	run --separate-stderr adac-certify --tol 0.3 "$DATA/hadamard-1001.json"
	[ "$status" -eq 1 ]
	[ "$(cert .certificate.verdict)" = '"unstable"' ]
	[ "$(cert '.certificate.loops[0].marginal_tolerance < 1e-6')" = true ]
}

@test "adac-certify: malformed JSON is exit 2 with nothing on stdout" {
	printf '{"adac": "ir/1",' > bad.json
	run --separate-stderr adac-certify bad.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[[ "$stderr" == "adac-certify: error: bad.json: malformed JSON at line "* ]]
}

@test "adac-certify: an invalid IR is exit 2 with its JSON pointer" {
	jq '.graph.of[1].forward.samples[2] = -4' "$DATA/hadamard.json" > neg.json
	run --separate-stderr adac-certify neg.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[[ "$stderr" == "adac-certify: error: neg.json: /graph/of/1/forward/samples/2: "* ]]
}

@test "adac-certify: empty stdin is exit 2" {
	run --separate-stderr sh -c "printf '' | adac-certify"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-certify: error: <stdin>: empty input" ]
}

@test "adac-certify: a missing file is exit 3" {
	run --separate-stderr adac-certify nope.json
	[ "$status" -eq 3 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-certify: error: nope.json: cannot open: No such file or directory" ]
}

@test "adac-certify: bad option values are exit 2 and name the option" {
	run --separate-stderr adac-certify --precision half "$DATA/hadamard.json"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-certify: error: --precision: 'half' is not 'float32', 'double', 'all', 'float16', 'bfloat16' or a fixed-point format such as 'q1.15'" ]
	run --separate-stderr adac-certify --grid 0 "$DATA/hadamard.json"
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-certify: error: --grid: '0' is not a whole number from 1 to 1048576" ]
	run --separate-stderr adac-certify --tol 1 "$DATA/hadamard.json"
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-certify: error: --tol: '1' is not a number from 0 to 0.5" ]
	run --separate-stderr adac-certify a.json b.json
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-certify: error: too many operands" ]
}

@test "adac-certify: --help prints usage on stdout, --version the version" {
	run --separate-stderr adac-certify --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: adac-certify [--precision float32|double|all|float16|bfloat16|q1.F[:...]]" ]
	run --separate-stderr adac-certify --version
	[ "$status" -eq 0 ]
	[ "$output" = "adac-certify 0.1.0 (ir/1)" ]
}

@test "adac-certify: an unknown option is exit 2 with the usage" {
	run --separate-stderr adac-certify --frobnicate
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	grep -q '^usage: adac-certify' <<<"$stderr"
}

@test "adac-certify: the man page's failing example prints what it shows" {
	run --separate-stderr adac-certify -o checked.json "$DATA/hadamard-1001.json"
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	[ "$(jq -r '.certificate | .verdict, .pointer, .reason' checked.json)" = "unstable
/graph/of/1
the loop's poles multiply to |det(A*Gamma)| = 1.00400619148 > 1" ]
}

# --- issue 10: cases that were certified on a sampled bound ---------------

@test "adac-certify: a narrow peak between grid points is found, and the loop is not certified" {
	# three peaking filters narrower than π/4096 at a frequency between grid
	# points, ten broad decoys: the sampled bound was 0.926, the loop gain at
	# the peak is 1.76 and the impulse response grows
	run --separate-stderr adac-certify "$DATA/hidden-peak.json"
	[ "$status" -eq 1 ]
	[ "$(cert .certificate.verdict)" != '"certified-stable"' ]
	want=$(jq '."x-peak_gain"' "$DATA/hidden-peak.json")
	[ "$(cert ".certificate.bound >= $want")" = true ]
	# the estimate is where the peak is: within 1e-6 of the loop gain there,
	# in double (x-peak_gain is the double design's; rounded to float, the
	# realised high-Q sections peak 6.6e-4 higher, which the float bound above
	# covers: the bound is the larger of the two precisions)
	run --separate-stderr adac-certify --precision double "$DATA/hidden-peak.json"
	[ "$status" -eq 1 ]
	[ "$(cert ".certificate.loops[0].estimate - $want | fabs < 1e-6")" = true ]
	run --separate-stderr sh -c "adac-certify '$DATA/hidden-peak.json' | adac-emit"
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
}

@test "adac-certify: the hidden peak's impulse response grows" {
	adac-ir impulse -f raw -n 800000 "$DATA/hidden-peak.json" > h.raw
	early=$(od -An -tf8 -v -N 800000 h.raw | tr -s ' ' '\n' | awk 'NF{v=$1<0?-$1:$1; if(v>m)m=v} END{print m}')
	late=$(tail -c 400000 h.raw | od -An -tf8 -v | tr -s ' ' '\n' | awk 'NF{v=$1<0?-$1:$1; if(v>m)m=v} END{print m}')
	# the growing mode is excited weakly and e-folds every ~30000
	# samples: over 800000 it passes the first echo (1) a thousandfold
	awk -v e="$early" -v l="$late" 'BEGIN{exit !(l > 1000 * e)}'
}

@test "adac-certify: a coefficient that overflows float32 is not-certified with its pointer" {
	run --separate-stderr adac-certify "$DATA/overflow-sos.json"
	[ "$status" -eq 1 ]
	[ "$stderr" = "" ]
	[ "$(cert .certificate.verdict)" = '"not-certified"' ]
	[ "$(cert .certificate.pointer)" = '"/graph/sections/0/0/0"' ]
	[ "$(cert .certificate.reason)" = '"coefficient 1e+200 is not finite in float32"' ]
	[ "$(cert .certificate.bound)" = null ]
	run --separate-stderr adac-certify "$DATA/overflow-loop.json"
	[ "$status" -eq 1 ]
	[ "$(cert .certificate.verdict)" = '"not-certified"' ]
	[ "$(cert .certificate.pointer)" = '"/graph/back/sections/1/0/0"' ]
	# a faust -double build holds the values: the loop gain is 0.4 there
	run --separate-stderr adac-certify --precision double "$DATA/overflow-loop.json"
	[ "$status" -eq 0 ]
	[ "$(cert '.certificate.bound - 0.4 | fabs < 1e-14')" = true ]
}

@test "adac-certify: a feedback gain of 1.000009 is unstable, not marginal" {
	# float32(1.000009) = 1.0000089407: 150 float ulps above 1, where the
	# rounding of a 1 x 1 loop explains a few
	run --separate-stderr adac-certify "$DATA/gain-1000009.json"
	[ "$status" -eq 1 ]
	[ "$(cert .certificate.verdict)" = '"unstable"' ]
	[ "$(cert '.certificate.loops[0].marginal_tolerance < 1e-6')" = true ]
	[[ "$(cert .certificate.reason)" == *"|det(A*Gamma)|"*"> 1"* ]]
}

@test "adac-certify: every build precision is certified; a biquad stable only in float is refused" {
	# 1 + a1 + a2 is -1e-13 in double, +6e-8 once rounded to float
	run --separate-stderr adac-certify "$DATA/float32-only.json"
	[ "$status" -eq 1 ]
	[ "$(cert .certificate.verdict)" = '"unstable"' ]
	[[ "$(cert .certificate.reason)" == *"unit circle in double"* ]]
	run --separate-stderr adac-certify --precision float32 "$DATA/float32-only.json"
	[ "$status" -eq 0 ]
	[ "$(cert .certificate.precision)" = '["float32"]' ]
	# the emitted program says which build the certificate covers
	adac-certify --precision float32 -o f.json "$DATA/float32-only.json"
	run --separate-stderr adac-emit f.json
	[ "$status" -eq 0 ]
	[[ "$(sed -n 3p <<<"$output")" == "// certificate: certified-stable for float builds only (not faust -double), sha256 "* ]]
}

@test "adac-certify: float16 and bfloat16 take the coefficients as those formats hold them" {
	adac-lower "$BATS_TEST_DIRNAME/../../examples/fdn4-adac.json" >"$BATS_TEST_TMPDIR/fdn4.json"
	# 0.999 is 2045.95 steps of 2^-11 below 1 in float16: 2046 steps
	# (sigma_max is a bound: LAPACK's value plus 8 * 4 * 2^-53 of it)
	run --separate-stderr adac-certify --precision float16 "$BATS_TEST_TMPDIR/fdn4.json"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '.certificate | [.verdict, .precision, (.loops[0].sigma_max_AGamma - 2046 / 2048 | fabs < 1e-13)]')" = '["certified-stable",["float16"],true]' ]
	# bfloat16's spacing below 1 is 2^-8: 0.999 becomes 1, the decay is gone
	run --separate-stderr adac-certify --precision bfloat16 -o "$BATS_TEST_TMPDIR/bf.json" "$BATS_TEST_TMPDIR/fdn4.json"
	[ "$status" -eq 0 ]
	[ "$(jq -c '.certificate | [.verdict, .precision, (.loops[0].sigma_max_AGamma - 1 | fabs < 1e-13)]' "$BATS_TEST_TMPDIR/bf.json")" = '["marginally-stable",["bfloat16"],true]' ]
	# no program is built in these formats
	run --separate-stderr adac-emit "$BATS_TEST_TMPDIR/bf.json"
	[ "$status" -eq 1 ]
	[ "$stderr" = "adac-emit: error: $BATS_TEST_TMPDIR/bf.json: /certificate/precision: certificate covers neither float32 nor double, the builds adac-emit writes; rerun adac-certify" ]
}
