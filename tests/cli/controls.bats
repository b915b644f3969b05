#!/usr/bin/env bats
# Macro-controls end to end: adac-lower --control, certified at every
# knob position, emitted as sliders, rendered with --set in the simulator
# and in the JIT-compiled program alike.
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# lossless N: a lossless Householder FDN of N lines (no t60, unit gains)
lossless() {
	jq -n --argjson n "$1" '{format: "fdn", name: "Lossless\($n)", fs: 48000,
		delays: [range($n) | 601 + . * 97 + (. % 3) * 11], matrix: "householder"}'
}

# T60 measured on the emitted program is the knob's value within 5 %.
knob_matches() {
	local n=$1 t len got
	lossless "$n" | adac-lower --control rt60 | adac-certify > m.json
	[ "$(jq -r .certificate.verdict m.json)" = certified-stable ]
	adac-emit -o m.dsp m.json
	for t in 0.3 1 2 5 10; do
		# long enough for the fit's -35 dB: 0.8·T, at least 1 s
		len=$(awk -v t="$t" 'BEGIN { n = int(48000 * t * 0.8); print n < 48000 ? 48000 : n }')
		got=$(adac-ir decay -n "$len" --set rt60="$t" m.dsp | jq .t60_s)
		echo "N=$n rt60=$t measured $got"
		jq -n --argjson g "$got" --argjson t "$t" '($g - $t) | fabs <= 0.05 * $t' | grep -qx true
	done
}

@test "controls: the rt60 knob of a lossless 8-line FDN sets its measured T60 within 5 %" {
	knob_matches 8
}

@test "controls: the rt60 knob of a lossless 16-line FDN sets its measured T60 within 5 %" {
	knob_matches 16
}

@test "controls: adac-lower --control writes the controls with their defaults" {
	lossless 4 | adac-lower --control rt60 --control dry_wet --control pre_delay=100 > m.json
	[ "$(jq -c '.controls' m.json)" = '[{"name":"rt60","min":0.1,"max":10,"init":2,"unit":"s"},{"name":"dry_wet","min":0,"max":1,"init":1,"unit":""},{"name":"pre_delay","min":0,"max":100,"init":0,"unit":"ms"}]' ]
	# the decay gain sits after the delay line, one loop length per line
	[ "$(jq -c '[.. | objects | select(.decay?) | .decay.loop_samples] | .[0]' m.json)" = "[601,709,817,892]" ]
}

@test "controls: rt60 replaces a native spec's broadband t60 gains" {
	lossless 4 | jq '.t60 = 1.5' | adac-lower --control rt60 > m.json
	[ "$(jq '[.. | objects | select(.op? == "gain" and .id? == "t60")] | length' m.json)" -eq 0 ]
	[ "$(jq '[.. | objects | select(.decay?)] | length' m.json)" -eq 1 ]
}

@test "controls: the certificate is proved at the worst knob position" {
	lossless 4 | adac-lower --control rt60=0.2:8:1 | adac-certify > m.json
	[ "$(jq -c '[.certificate.controls[] | select(.name == "rt60") | .worst]' m.json)" = "[8]" ]
}

@test "controls: an rt60 range that would reach loop gain 1 is refused" {
	# a Householder loop scaled by 1.001: stable while
	# 10^(-3·m/(fs·T))·1.001 < 1, i.e. up to T ≈ 43 s for m = 601
	lossless 4 | adac-lower --control rt60=0.1:1000:2 |
		jq '(.. | objects | select(.op? == "matrix" and .structure?.kind? == "householder")) |= (.data |= map(map(. * 1.001)) | del(.structure))' > scaled.json
	run --separate-stderr adac-certify scaled.json
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r .certificate.verdict)" != certified-stable ]
	run --separate-stderr adac-emit -o m.dsp <(echo "$output")
	[ "$status" -eq 1 ]
	[ ! -e m.dsp ]
	# the same loop with the knob kept below that is certified
	lossless 4 | adac-lower --control rt60=0.1:10:2 |
		jq '(.. | objects | select(.op? == "matrix" and .structure?.kind? == "householder")) |= (.data |= map(map(. * 1.001)) | del(.structure))' |
		adac-certify > ok.json
	[ "$(jq -r .certificate.verdict ok.json)" = certified-stable ]
}

@test "controls: simulator and emitted program agree at several knob positions" {
	lossless 8 | adac-lower --control rt60 --control dry_wet --control pre_delay |
		adac-certify > m.json
	adac-emit -o m.dsp m.json
	for s in rt60=0.3 rt60=7 dry_wet=0.3 pre_delay=12.5; do
		run --separate-stderr adac-diff -n 48000 --set "$s" m.json m.dsp
		echo "$s: $(echo "$output" | jq -c .overall)"
		[ "$status" -eq 0 ]
	done
}

@test "controls: dry_wet 0 gives the input exactly, in the emitted program too" {
	lossless 4 | adac-lower --control dry_wet | adac-certify > m.json
	adac-emit -o m.dsp m.json
	run --separate-stderr adac-diff -n 4800 --set dry_wet=0 m.json m.dsp
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq .paths[0].max_abs_error)" = 0 ]
	adac-ir impulse -n 4800 -f json --set dry_wet=0 m.json > h.json
	[ "$(jq -c '[.paths[0].h | to_entries[] | select(.value != 0) | [.key, .value]]' h.json)" = "[[0,1]]" ]
}

@test "controls: pre_delay shifts the wet onset by round(ms·fs/1000) samples" {
	lossless 4 | adac-lower --control pre_delay | adac-certify > m.json
	adac-ir impulse -n 4800 -f json m.json > a.json
	adac-ir impulse -n 4800 -f json --set pre_delay=12.51 m.json > b.json
	# 12.51 ms at 48 kHz is 600.48 samples: 600
	first() { jq '[.paths[0].h | to_entries[] | select(.value != 0) | .key][0]' "$1"; }
	[ "$(first a.json)" -eq 601 ]
	[ "$(first b.json)" -eq 1201 ]
	adac-emit -o m.dsp m.json
	run --separate-stderr adac-diff -n 4800 --set pre_delay=12.51 m.json m.dsp
	[ "$status" -eq 0 ]
}

@test "controls: a bad --control spec is exit 2 with nothing written" {
	run --separate-stderr sh -c "$(declare -f lossless); lossless 4 | adac-lower --control rt60=5:1:2"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-lower: error: <stdin>: --control 'rt60=5:1:2': need 0 < MIN <= INIT <= MAX" ]
	run --separate-stderr sh -c "$(declare -f lossless); lossless 4 | adac-lower --control width"
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-lower: error: <stdin>: --control 'width': unknown control; expected rt60, dry_wet or pre_delay" ]
}
