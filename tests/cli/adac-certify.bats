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
	[ "$(cert .certificate.precision)" = '"float32"' ]
	[ "$(cert .certificate.grid)" = 4097 ]
	[ "$(cert .certificate.tolerance)" = 1e-05 ]
	# σ = 2·float(0.4995): within 2⁻²⁴ relative of 0.999
	[ "$(cert '.certificate.bound | . > 0.99899 and . < 0.99901')" = true ]
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

@test "adac-certify: a non-normal matrix with spectral radius 0.5 is indeterminate, exit 1" {
	run --separate-stderr adac-certify --precision double "$DATA/nonnormal.json"
	[ "$status" -eq 1 ]
	[ "$(cert .certificate.verdict)" = '"indeterminate"' ]
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

@test "adac-certify: a loop around a lossless loop is not-certified, exit 1" {
	run --separate-stderr adac-certify "$DATA/nested-marginal.json"
	[ "$status" -eq 1 ]
	[ "$(cert .certificate.verdict)" = '"not-certified"' ]
	[ "$(cert .certificate.pointer)" = '"/graph"' ]
	[ "$(cert .certificate.reason)" = '"contains the loop /graph/forward/of/1, which is marginally-stable, so its response has no bound to use"' ]
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
	[ "$(cert .certificate.precision)" = '"double"' ]
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

@test "adac-certify: --grid sets the number of frequencies" {
	run --separate-stderr adac-certify --grid 64 "$DATA/absorption.json"
	[ "$status" -eq 0 ]
	[ "$(cert .certificate.grid)" = 65 ]
}

@test "adac-certify: --tol widens the marginal band" {
	# 0.999·H/2 is unitary within 0.01, so no longer certified but marginal
	run --separate-stderr adac-certify --strict --tol 0.01 "$DATA/hadamard-0999.json"
	[ "$status" -eq 1 ]
	[ "$(cert .certificate.verdict)" = '"marginally-stable"' ]
	[ "$(cert .certificate.tolerance)" = 0.01 ]
	# the 0.8 nested loop is not unitary: within 0.3 of 1 it is indeterminate
	run --separate-stderr adac-certify --tol 0.3 "$DATA/nested.json"
	[ "$status" -eq 1 ]
	[ "$(cert .certificate.verdict)" = '"indeterminate"' ]
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
	[ "$stderr" = "adac-certify: error: --precision: 'half' is not 'float32' or 'double'" ]
	run --separate-stderr adac-certify --grid 0 "$DATA/hadamard.json"
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-certify: error: --grid: '0' is not a whole number from 1 to 1048576" ]
	run --separate-stderr adac-certify --tol 1 "$DATA/hadamard.json"
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-certify: error: --tol: '1' is not a number from 0 to below 0.5" ]
	run --separate-stderr adac-certify a.json b.json
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-certify: error: too many operands" ]
}

@test "adac-certify: --help prints usage on stdout, --version the version" {
	run --separate-stderr adac-certify --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: adac-certify [--precision float32|double] [--grid N] [--tol X]" ]
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
