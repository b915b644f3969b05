#!/usr/bin/env bats
# adac-ir impulse as a user runs it: the reference simulator's impulse
# response of every path as WAV, raw samples or JSON.
bats_require_minimum_version 1.5.0

setup() {
	DATA="$BATS_TEST_DIRNAME/../data"
	FDN4="$DATA/ir/fdn4.json"
	COMB="$DATA/sim/comb-controls.json"
	MIX="$DATA/sim/mix2x2.json"
	cd "$BATS_TEST_TMPDIR"
}

# bytes N .. N+K-1 of a file as hex, no spaces
bytes() {
	od -A n -t x1 -j "$2" -N "$3" "$1" | tr -d ' \n'
}

@test "adac-ir impulse: the 4-line FDN's first echoes arrive at the delay lengths with c·b" {
	run --separate-stderr adac-ir impulse -n 2300 -f json "$FDN4"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	echo "$output" > h.json
	# c_i·b_i = 1/4 at m_i = 1103, 1447, 1811, 2137 and nothing before
	[ "$(jq -c '[.paths[0].h | to_entries[] | select(.value != 0) | .key][0:4]' h.json)" = "[1103,1447,1811,2137]" ]
	[ "$(jq -c '[.paths[0].h[1103, 1447, 1811, 2137]]' h.json)" = "[0.25,0.25,0.25,0.25]" ]
	# second order: 2·1103 = 2206 carries c_0·A_00·b_0 = 0.25·0.4995
	[ "$(jq '.paths[0].h[2206]' h.json)" = "0.124875" ]
	[ "$(jq -c '[.length, .inputs, .outputs, .fs]' h.json)" = "[2300,1,1,48000]" ]
}

@test "adac-ir impulse: raw float64 is little-endian, one value per path per frame" {
	adac-ir impulse -n 1200 -f raw -t float64 "$FDN4" > h.raw
	[ "$(stat -c %s h.raw)" -eq $((1200 * 8)) ]
	# 0.25 is 0x3fd0000000000000
	[ "$(bytes h.raw $((1103 * 8)) 8)" = "000000000000d03f" ]
	[ "$(bytes h.raw $((1102 * 8)) 8)" = "0000000000000000" ]
}

@test "adac-ir impulse: raw float32 rounds to float" {
	adac-ir impulse -n 1200 -f raw -t float32 "$FDN4" > h.raw
	[ "$(stat -c %s h.raw)" -eq $((1200 * 4)) ]
	# 0.25f is 0x3e800000
	[ "$(bytes h.raw $((1103 * 4)) 4)" = "0000803e" ]
}

@test "adac-ir impulse: paths are input-major: 0→0, 0→1, 1→0, 1→1" {
	run --separate-stderr adac-ir impulse -n 2 -f json "$MIX"
	[ "$status" -eq 0 ]
	# data [[1, 2], [3, 4]]: out o = Σ data[o][i]·in i
	[ "$(echo "$output" | jq -c '[.paths[] | [.input, .output, .h[0]]]')" = "[[0,0,1],[0,1,3],[1,0,2],[1,1,4]]" ]
	adac-ir impulse -n 2 -f raw -t float32 "$MIX" > m.raw
	# 1f, 3f, 2f, 4f in the first frame
	[ "$(bytes m.raw 0 16)" = "0000803f000040400000004000008040" ]
}

@test "adac-ir impulse: a WAV file holds the raw samples after its header" {
	adac-ir impulse -n 3000 -f wav -t float64 "$MIX" > m.wav
	adac-ir impulse -n 3000 -f raw -t float64 "$MIX" > m.raw
	[ "$(head -c 4 m.wav)" = "RIFF" ]
	[ "$(bytes m.wav 8 4)" = "57415645" ]	# WAVE
	size=$(stat -c %s m.raw)
	tail -c "$size" m.wav | cmp - m.raw
	# 4 channels at 44100 Hz in the fmt chunk: channels at 22, rate at 24
	[ "$(bytes m.wav 22 2)" = "0400" ]
	[ "$(bytes m.wav 24 4)" = "44ac0000" ]
}

@test "adac-ir impulse: the same IR gives byte-identical WAV files" {
	adac-ir impulse -n 500 -t float32 "$FDN4" > a.wav
	sleep 1
	adac-ir impulse -n 500 -t float32 "$FDN4" > b.wav
	cmp a.wav b.wav
}

@test "adac-ir impulse: the default is 2 seconds of float64 WAV" {
	adac-ir impulse "$FDN4" > d.wav
	adac-ir impulse -f raw "$FDN4" > d.raw
	[ "$(stat -c %s d.raw)" -eq $((96000 * 8)) ]
	[ "$(head -c 4 d.wav)" = "RIFF" ]
}

@test "adac-ir impulse: reads stdin and writes -o FILE" {
	run --separate-stderr sh -c "adac-ir impulse -n 10 -f json -o out.json < '$MIX'"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$(jq .length out.json)" = "10" ]
}

@test "adac-ir impulse: --set rt60 sets the loop gain by Jot's rule" {
	adac-ir impulse -n 201 -f json "$COMB" > a.json
	adac-ir impulse -n 201 -f json --set rt60=0.5 "$COMB" > b.json
	# g = 10^(−3·100/(fs·T60)); h[100] = 1, h[200] = g
	[ "$(jq '.paths[0].h[100]' a.json)" = "1" ]
	jq -e --argjson g "$(awk 'BEGIN { printf "%.17g", 10 ^ (-300 / (48000 * 2)) }')" \
		'(.paths[0].h[200] - $g) | fabs < 1e-15' a.json
	jq -e --argjson g "$(awk 'BEGIN { printf "%.17g", 10 ^ (-300 / (48000 * 0.5)) }')" \
		'(.paths[0].h[200] - $g) | fabs < 1e-15' b.json
}

@test "adac-ir impulse: dry_wet=0 gives the input exactly" {
	run --separate-stderr adac-ir impulse -n 300 -f json --set dry_wet=0 "$COMB"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '[.paths[0].h | to_entries[] | select(.value != 0) | [.key, .value]]')" = "[[0,1]]" ]
}

@test "adac-ir impulse: pre_delay shifts the wet path by round(ms·fs/1000) samples" {
	adac-ir impulse -n 400 -f json "$COMB" > a.json
	# 1.01 ms at 48 kHz is 48.48 samples: 48
	adac-ir impulse -n 400 -f json --set pre_delay=1.01 "$COMB" > b.json
	[ "$(jq -c '.paths[0].h[0:352]' a.json)" = "$(jq -c '.paths[0].h[48:400]' b.json)" ]
	[ "$(jq -c '[.paths[0].h[0:48][] | select(. != 0)]' b.json)" = "[]" ]
}

@test "adac-ir impulse: an unknown control is exit 2 with no output" {
	run --separate-stderr adac-ir impulse --set width=2 "$COMB"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-ir: error: $COMB: no control named 'width' in the IR" ]
}

@test "adac-ir impulse: a control value out of range is exit 2" {
	run --separate-stderr adac-ir impulse --set rt60=20 "$COMB"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-ir: error: $COMB: control 'rt60' = 20 is outside its range [0.1, 10]" ]
}

@test "adac-ir impulse: --set without a value is exit 2" {
	run --separate-stderr adac-ir impulse --set rt60 "$COMB"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-ir: error: 'rt60' is not NAME=VALUE" ]
}

@test "adac-ir impulse: an unknown format is exit 2" {
	run --separate-stderr adac-ir impulse -f mp3 "$FDN4"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-ir: error: unknown format 'mp3'; expected wav, json or raw" ]
}

@test "adac-ir impulse: an unknown sample type is exit 2" {
	run --separate-stderr adac-ir impulse -t int16 "$FDN4"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-ir: error: unknown sample type 'int16'; expected float32 or float64" ]
}

@test "adac-ir impulse: a length that is not a positive number is exit 2" {
	run --separate-stderr adac-ir impulse -n 0 "$FDN4"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-ir: error: -n: '0' is not a whole number from 1 to 268435456" ]
	run --separate-stderr adac-ir impulse -n 12x "$FDN4"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
}

@test "adac-ir impulse: an invalid IR is exit 2 and writes no file" {
	run --separate-stderr adac-ir impulse -o out.wav "$DATA/bad/delay-free-loop.json"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	case "$stderr" in
	"adac-ir: error: $DATA/bad/delay-free-loop.json: /graph/of/1"*) ;;
	*) false ;;
	esac
	[ ! -e out.wav ]
}

@test "adac-ir impulse: -f json refuses a response JSON cannot hold, and writes nothing" {
	# a loop gain of 2 every 10 samples passes the largest double at 10240
	echo '{"adac": "ir/1", "name": "Unstable", "fs": 48000, "inputs": 1, "outputs": 1,
	       "graph": {"op": "feedback", "forward": {"op": "gain", "values": [1]},
	                 "back": {"op": "series", "of": [{"op": "delay", "samples": [10]}, {"op": "gain", "values": [2]}]}}}' > u.json
	run --separate-stderr adac-ir impulse -n 20000 -f json -o h.json u.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-ir: error: u.json: path 0 -> 0 is Infinity at sample 10240, which JSON cannot hold; wav and raw can" ]
	[ ! -e h.json ]
	# before the overflow it is plain JSON, and raw holds the infinity
	adac-ir impulse -n 10240 -f json u.json | jq -e '.paths[0].h[10230] == pow(2; 1023)'
	adac-ir impulse -n 20000 -f raw -o h.raw u.json
	[ "$(bytes h.raw $((10240 * 8)) 8)" = 000000000000f07f ]
	# 1e300 is a double but no float
	echo '{"adac": "ir/1", "name": "Big", "fs": 48000, "inputs": 1, "outputs": 1,
	       "graph": {"op": "gain", "values": [1e300]}}' > big.json
	run --separate-stderr adac-ir impulse -n 4 -f json -t float32 big.json
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-ir: error: big.json: path 0 -> 0 is Infinity at sample 0 in float32, which JSON cannot hold; wav and raw can" ]
}

@test "adac-ir impulse: a response past 2^28 samples in all is refused before it is rendered" {
	# 16 inputs × 4096 outputs: 65536 paths; 4097 samples of each are
	# 268500992 doubles (2 GiB), one path-length past the limit
	jq -n -c '{adac: "ir/1", name: "Wide", fs: 48000, inputs: 16, outputs: 4096,
		graph: {op: "matrix", data: [range(4096) | [range(16) | 0.5]]}}' > wide.json
	run --separate-stderr adac-ir impulse -n 4097 -f raw -o h.raw wide.json
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-ir: error: wide.json: 16 × 4096 paths of 4097 samples are more than the limit of 268435456 samples in all (-n renders fewer)" ]
	[ ! -e h.raw ]
	# adac-diff renders through the same gate
	run --separate-stderr adac-diff wide.json wide.json
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: wide.json: 16 × 4096 paths of 96000 samples are more than the limit of 268435456 samples in all (-n renders fewer)" ]
}
