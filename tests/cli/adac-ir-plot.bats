#!/usr/bin/env bats
# adac-ir plot and adac-ir decay as a user runs them.
bats_require_minimum_version 1.5.0

setup() {
	DATA="$BATS_TEST_DIRNAME/../data"
	COMB="$DATA/plot/comb-rt60.json"	# y = x + g·y[n−1009], T60 = rt60
	COMB_DSP="$DATA/plot/comb-rt60.dsp"	# the same in FAUST
	STEREO="$DATA/plot/stereo-rt60.json"	# combs of 1009 and 1499, one in, two out
	cd "$BATS_TEST_TMPDIR"
}

# |$1 − $2| <= $3 · $2
within() {
	jq -n --argjson a "$1" --argjson b "$2" --argjson r "$3" \
		'(($a - $b) | fabs) <= $r * $b' | grep -qx true
}

@test "adac-ir decay: a comb's T60 is its rt60 within 2 %" {
	# g = 10^(−3·1009/(48000·rt60)) per 1009 samples: the envelope falls
	# 60 dB in rt60 seconds exactly; the staircase EDC fits within 2 %
	run --separate-stderr adac-ir decay "$COMB"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	within "$(jq .t60_s <<<"$output")" 1 0.02
	within "$(jq .paths[0].t60_s <<<"$output")" 1 0.02
	[ "$(jq -c .fit_db <<<"$output")" = "[-5,-35]" ]
	[ "$(jq .fs <<<"$output")" = 48000 ]
}

@test "adac-ir decay: --set rt60 moves the measured T60" {
	run --separate-stderr adac-ir decay --set rt60=2.5 -n 240000 "$COMB"
	[ "$status" -eq 0 ]
	within "$(jq .t60_s <<<"$output")" 2.5 0.02
	[ "$(jq .samples <<<"$output")" = 240000 ]
}

@test "adac-ir decay: octave bands 125 Hz to 8 kHz all read the broadband T60" {
	# a comb's modes all have the pole radius g^(1/1009): every band
	# decays alike
	run --separate-stderr adac-ir decay "$COMB"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.bands[].center_hz]' <<<"$output")" = "[125,250,500,1000,2000,4000,8000]" ]
	for t in $(jq '.paths[0].bands[].t60_s' <<<"$output"); do
		within "$t" 1 0.03
	done
}

@test "adac-ir decay: every path of a stereo IR is reported" {
	run --separate-stderr adac-ir decay "$STEREO"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.paths[] | [.input, .output]]' <<<"$output")" = "[[0,0],[0,1]]" ]
	within "$(jq .paths[1].t60_s <<<"$output")" 1 0.02
}

@test "adac-ir decay: a window too short for 40 dB gives null and a reason" {
	# 0.1 s of a 1 s decay is 6 dB
	run --separate-stderr adac-ir decay -n 4800 "$COMB"
	[ "$status" -eq 0 ]
	[ "$(jq .t60_s <<<"$output")" = null ]
	[ "$(jq .paths[0].t60_s <<<"$output")" = null ]
	jq -r .paths[0].reason <<<"$output" | grep -q '^decays only .* dB within the window'
}

@test "adac-ir decay: reads stdin and measures a FAUST program too" {
	run --separate-stderr sh -c "adac-ir decay < '$COMB'"
	[ "$status" -eq 0 ]
	within "$(jq .t60_s <<<"$output")" 1 0.02
	run --separate-stderr adac-ir decay --set rt60=0.5 "$COMB_DSP"
	[ "$status" -eq 0 ]
	within "$(jq .t60_s <<<"$output")" 0.5 0.03
}

@test "adac-ir decay: an unknown control is exit 2 and writes nothing" {
	run --separate-stderr adac-ir decay --set size=3 "$COMB"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$(grep -c . <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == "adac-ir: error: "*"size"* ]]
}

@test "adac-ir decay: malformed input is exit 2 with one line and no output" {
	printf '{"adac": ' > broken.json
	run --separate-stderr adac-ir decay broken.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$(grep -c . <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == "adac-ir: error: broken.json: "* ]]
}

@test "adac-ir plot: writes an SVG that xmllint parses, all three panels by default" {
	run --separate-stderr adac-ir plot "$COMB"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	xmllint --noout - <<<"$output"
	grep -q 'Impulse response' <<<"$output"
	grep -q 'Energy decay curve' <<<"$output"
	grep -q 'Magnitude response' <<<"$output"
	grep -q '>Frequency (Hz)<' <<<"$output"
	grep -q '>Energy decay (dB)<' <<<"$output"
}

@test "adac-ir plot: --kind edc -o writes the file, the legend gives the T60" {
	run --separate-stderr adac-ir plot --kind edc -o comb.svg "$COMB"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	xmllint --noout comb.svg
	grep -q '<title>[^<]*Energy decay curve</title>' comb.svg
	! grep -q 'Magnitude response' comb.svg
	# rt60 1 s, measured within 2 %: the legend rounds to 0.98 … 1.02
	grep -Eq '>[^<]*comb-rt60.json, T60 (0\.98|0\.99|1\.00|1\.01|1\.02) s<' comb.svg
}

@test "adac-ir plot: --compare overlays an IR and its FAUST program" {
	run --separate-stderr adac-ir plot --kind impulse --compare "$COMB_DSP" "$COMB"
	[ "$status" -eq 0 ]
	xmllint --noout - <<<"$output"
	legend=$(sed -n '/class="legend"/,/<\/g>/p' <<<"$output")
	grep -q 'comb-rt60.json<' <<<"$legend"
	grep -q 'comb-rt60.dsp<' <<<"$legend"
	curves=$(sed -n '/class="curves"/,/<\/g>/p' <<<"$output")
	grep -q 'stroke="#0072B2"' <<<"$curves"
	grep -q 'stroke="#D55E00"' <<<"$curves"
}

@test "adac-ir plot: --compare takes a WAV rendered by adac-ir impulse" {
	adac-ir impulse -n 48000 --set rt60=0.5 -o short.wav "$COMB"
	run --separate-stderr adac-ir plot --kind edc -n 48000 --compare short.wav "$COMB"
	[ "$status" -eq 0 ]
	xmllint --noout - <<<"$output"
	grep -Eq '>[^<]*short.wav, T60 0\.(49|50|51) s<' <<<"$output"
}

@test "adac-ir plot: every path of a stereo IR gets a legend entry" {
	run --separate-stderr adac-ir plot --kind edc "$STEREO"
	[ "$status" -eq 0 ]
	grep -q '0→0' <<<"$output"
	grep -q '0→1' <<<"$output"
}

@test "adac-ir plot: an unknown kind is exit 2 with the exact message" {
	run --separate-stderr adac-ir plot --kind bode "$COMB"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-ir: error: unknown plot kind 'bode'; expected impulse, edc, magnitude or all" ]
}

@test "adac-ir plot: a failing run leaves no -o file" {
	printf 'nope' > bad.json
	run --separate-stderr adac-ir plot -o out.svg bad.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ ! -e out.svg ]
}

@test "adac-ir: --help lists plot and decay" {
	run --separate-stderr adac-ir --help
	[ "$status" -eq 0 ]
	grep -q 'adac-ir plot .*--kind impulse|edc|magnitude|all' <<<"$output"
	grep -q 'adac-ir decay .*-n SAMPLES' <<<"$output"
}
