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

# hh N: the N × N Householder reflection I - (2/N)·11ᵀ as rows
hh() {
	jq -nc --argjson n "$1" '[range($n) as $i | [range($n) as $j |
		(if $i == $j then 1 else 0 end) - 2 / $n]]'
}

# loop4 FF FB: a 4-line config, one input and one output, whose loop has
# forward FF and back FB (config nodes)
loop4() {
	jq -n --argjson ff "$1" --argjson fb "$2" '{name: "Loop4", fs: 48000,
		type: "Series", children: [
		{module_type: "Matrix", params: {matrix: [[1], [1], [1], [1]]}},
		{type: "Recursion", fF: $ff, fB: $fb},
		{module_type: "Matrix", params: {matrix: [[0.5, 0.5, 0.5, 0.5]]}}]}'
}

delays4() {
	jq -nc --argjson d "$1" '{module_type: "parallelDelay", params: {samples: $d}}'
}

householder4() {
	jq -nc --argjson m "$(hh 4)" '{module_type: "HouseholderMatrix", params: {matrix: $m}}'
}

@test "controls: rt60 counts both delay stages of a loop: knob 0.5 s measures 0.5 s" {
	# each line's round trip is 601..829 + 480..661 samples; counting the
	# first stage alone, as the first version did, decays in 0.9 s
	ff=$(jq -nc --argjson a "$(delays4 '[601, 673, 751, 829]')" \
		--argjson b "$(delays4 '[480, 538, 600, 661]')" \
		'{type: "Series", children: [$a, $b]}')
	loop4 "$ff" "$(householder4)" | adac-lower --control rt60 | adac-certify > m.json
	[ "$(jq '[.. | objects | select(.decay?)] | length' m.json)" -eq 2 ]
	adac-emit -o m.dsp m.json
	for src in m.json m.dsp; do
		got=$(adac-ir decay -n 48000 --set rt60=0.5 "$src" | jq .t60_s)
		echo "$src: $got"
		jq -n --argjson g "$got" '($g - 0.5) | fabs <= 0.025' | grep -qx true
	done
}

# h_T[n] = γ^n·h_0[n] with γ = 10^(-3/(fs·T)): a gain γ^d after every
# delay of d samples in a loop is H(z/γ), every pole scaled by γ, so every
# cycle decays at T whatever the topology.  The double simulation of both
# agrees to rounding: 1e-9 of the peak is millions of ulps of room.
scales_every_cycle() {
	local cfg=$1 t=0.25
	echo "$cfg" | adac-lower > p.json
	echo "$cfg" | adac-lower --control rt60 > m.json
	adac-ir impulse -n 4800 -f json p.json > h0.json
	adac-ir impulse -n 4800 -f json --set rt60=$t m.json > ht.json
	jq -n --slurpfile a h0.json --slurpfile b ht.json --argjson t $t '
		($a[0].paths[0].h) as $h0 | ($b[0].paths[0].h) as $ht |
		([$h0[] | fabs] | max) as $pk |
		[range($h0 | length) as $n |
		 ($ht[$n] - pow(10; -3 * $n / (48000 * $t)) * $h0[$n]) | fabs] | max |
		. <= 1e-9 * $pk' | grep -qx true
}

@test "controls: rt60 scales every cycle by its length: two stages, a Parallel of delays, back delays, nested loops" {
	two=$(jq -nc --argjson a "$(delays4 '[601, 673, 751, 829]')" \
		--argjson b "$(delays4 '[48, 53, 60, 61]')" \
		'{type: "Series", children: [$a, $b]}')
	scales_every_cycle "$(loop4 "$two" "$(householder4)")"
	# a Parallel of delays in the forward path, each branch half the signal
	par=$(jq -nc --argjson a "$(delays4 '[601, 673, 751, 829]')" \
		--argjson b "$(delays4 '[701, 773, 851, 929]')" '
		{type: "Parallel", sum_output: true, children: [
		 {type: "Series", children: [$a, {module_type: "parallelGain", params: {gains: [0.5, 0.5, 0.5, 0.5]}}]},
		 {type: "Series", children: [$b, {module_type: "parallelGain", params: {gains: [0.5, 0.5, 0.5, 0.5]}}]}]}')
	scales_every_cycle "$(loop4 "$par" "$(householder4)")"
	# the delay in the back path, the forward path a plain gain
	back=$(jq -nc --argjson a "$(delays4 '[601, 673, 751, 829]')" \
		--argjson m "$(householder4)" '{type: "Series", children: [$a, $m]}')
	scales_every_cycle "$(loop4 '{"module_type": "parallelGain", "params": {"gains": [1, 1, 1, 1]}}' "$back")"
	# a loop inside the forward path of another
	inner=$(jq -nc --argjson a "$(delays4 '[31, 37, 41, 43]')" '{type: "Recursion",
		fF: $a, fB: {module_type: "parallelGain", params: {gains: [0.5, 0.5, 0.5, 0.5]}}}')
	nested=$(jq -nc --argjson a "$(delays4 '[601, 673, 751, 829]')" --argjson i "$inner" \
		'{type: "Series", children: [$a, $i]}')
	scales_every_cycle "$(loop4 "$nested" "$(householder4)")"
}

@test "controls: rt60 on a loop whose delay is only inside a biquad is refused at the loop" {
	cfg=$(loop4 '{"module_type": "parallelSOSFilter", "params": {"sos": [[[0, 1, 0, 0, 0], [0, 1, 0, 0, 0], [0, 1, 0, 0, 0], [0, 1, 0, 0, 0]]]}}' \
		'{"module_type": "parallelGain", "params": {"gains": [0.5, 0.5, 0.5, 0.5]}}')
	echo "$cfg" > cfg.json
	adac-lower cfg.json > /dev/null
	run --separate-stderr adac-lower --control rt60 cfg.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-lower: error: cfg.json: /children/1: --control 'rt60': this loop has no delay node (its delay is inside sos sections), so its decay cannot follow rt60" ]
}

@test "controls: the rt60 knob means seconds at 44.1, 48 and 96 kHz" {
	lossless 8 | adac-lower --control rt60 | adac-certify > m.json
	adac-emit -o m.dsp m.json
	for fs in 44100 48000 96000; do
		got=$(adac-ir decay --fs "$fs" -n $((fs * 2)) --set rt60=2 m.dsp | jq .t60_s)
		echo "$fs Hz: $got"
		jq -n --argjson g "$got" '($g - 2) | fabs <= 0.02' | grep -qx true
	done
	# at the design rate the program is still the simulator exactly
	run --separate-stderr adac-diff --double -n 24000 --set rt60=0.7 m.json m.dsp
	[ "$status" -eq 0 ]
	jq -e '.overall.worst_error_db < -250' <<<"$output"
}

# the reference's 4-line FDN config with a "controls" member
with_controls() {
	jq --argjson c "$1" '.controls = $c' "$BATS_TEST_DIRNAME/../../examples/fdn4-adac.json"
}

@test "controls: a config's own controls are lowered with the reference's semantics" {
	with_controls '{"rt60": {"max": 5, "step": 0.05, "label": "Decay"}, "dry_wet": true, "pre_delay": false}' > cfg.json
	adac-lower cfg.json > m.json
	[ "$(jq -c .controls m.json)" = '[{"name":"rt60","min":0.1,"max":5,"init":2,"unit":"s","label":"Decay","step":0.05},{"name":"dry_wet","min":0,"max":1,"init":1,"unit":""}]' ]
	[ "$(jq '[.. | objects | select(.decay?)] | length' m.json)" -ge 1 ]
	# the slider carries the label and the step; --set takes the label
	adac-certify m.json | adac-emit -o m.dsp
	grep -qF 'rt60 = hslider("Decay [unit:s]", 2.0, 0.1, 5.0, 0.05);' m.dsp
	run --separate-stderr adac-diff -n 9600 --set Decay=0.8 m.json m.dsp
	[ "$status" -eq 0 ]
	# adac-diff lowers the config itself, controls included
	run --separate-stderr adac-diff -n 9600 --set Decay=0.8 cfg.json m.dsp
	[ "$status" -eq 0 ]
}

@test "controls: --control replaces the config's entry for its name, and NAME=off removes it" {
	with_controls '{"rt60": {"max": 5, "label": "Decay"}, "dry_wet": {"init": 0.5}}' > cfg.json
	adac-lower --control rt60=0.3:8:1 --control dry_wet=off --control 'pre_delay,min=5,init=10,max=50,step=0.5' cfg.json > m.json
	[ "$(jq -c .controls m.json)" = '[{"name":"rt60","min":0.3,"max":8,"init":1,"unit":"s"},{"name":"pre_delay","min":5,"max":50,"init":10,"unit":"ms","step":0.5}]' ]
	# keys for what the short forms leave out; a label takes the rest
	adac-lower --control 'dry_wet,min=0.2,max=0.8,init=0.4,label=Wet, dry' cfg.json > n.json
	[ "$(jq -c '.controls[] | select(.name == "dry_wet")' n.json)" = '{"name":"dry_wet","min":0.2,"max":0.8,"init":0.4,"unit":"","label":"Wet, dry"}' ]
	# a native spec takes "controls" too
	lossless 4 | jq '.controls = {"pre_delay": true}' | adac-lower > f.json
	[ "$(jq -c '[.controls[].name]' f.json)" = '["pre_delay"]' ]
}

@test "controls: a bad config control is exit 2 with its pointer" {
	bad() {
		with_controls "$1" > cfg.json
		run --separate-stderr adac-lower cfg.json
		[ "$status" -eq 2 ]
		[ "$output" = "" ]
		echo "$stderr"
		[ "$stderr" = "adac-lower: error: cfg.json: $2" ]
	}
	bad '{"width": true}' "/controls/width: unknown control 'width'; expected rt60, dry_wet or pre_delay"
	bad '{"rt60": {"maximum": 5}}' "/controls/rt60/maximum: unknown field 'maximum'; expected init, min, max, step or label"
	bad '{"rt60": "on"}' "/controls/rt60: expected true, false, null or an object of init, min, max, step and label, got a string"
	bad '{"dry_wet": {"max": 2}}' "/controls/dry_wet/max: 'dry_wet' must stay within 0 to 1"
	bad '{"rt60": {"init": 20}}' "/controls/rt60/init: init 20 is outside min 0.1 to max 10"
	bad '{"rt60": {"step": 0}}' "/controls/rt60/step: step 0 is not positive"
	bad '{"pre_delay": {"label": "pre[ms]"}}' "/controls/pre_delay/label: a label cannot hold quotes, backslashes, brackets or control characters"
	bad '[1]' "/controls: expected an object of controls, got an array"
	with_controls '{}' > cfg.json
	run --separate-stderr adac-lower --control 'rt60,maxi=3' cfg.json
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-lower: error: cfg.json: --control 'rt60,maxi=3': unknown key; expected init, min, max, step or label" ]
}

@test "controls: pre_delay rounds ms·fs/1000 to the nearest sample: 3.02 ms at 48 kHz is 145" {
	# 144.96 samples; the reference truncates to 144.  The boundary
	# 144.5 lies at 3.0104 ms: 3.010 ms is 144, 3.011 ms 145
	lossless 4 | adac-lower --control pre_delay | adac-certify > m.json
	first() { adac-ir impulse -n 1200 -f json --set pre_delay="$1" m.json |
		jq '[.paths[0].h | to_entries[] | select(.value != 0) | .key][0]'; }
	[ "$(first 3.02)" -eq $((601 + 145)) ]
	[ "$(first 3.010)" -eq $((601 + 144)) ]
	[ "$(first 3.011)" -eq $((601 + 145)) ]
	adac-emit -o m.dsp m.json
	for ms in 3.02 3.010 3.011; do
		run --separate-stderr adac-diff -n 1200 --set pre_delay=$ms m.json m.dsp
		[ "$status" -eq 0 ]
	done
}
