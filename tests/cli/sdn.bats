#!/usr/bin/env bats
# A scattering delay network from its native spec through the pipeline
# as a user types it: examples/sdn-room.json (a 5 x 4 x 3 m room, six
# walls of different absorption) lowered, certified, emitted and
# compared; the lossless room certified marginal; every kind of bad
# value an error naming its JSON pointer.  test_sdn checks the network
# against the image-source method and Eyring's decay.
bats_require_minimum_version 1.5.0

setup() {
	EX="$BATS_TEST_DIRNAME/../../examples/sdn-room.json"
	cd "$BATS_TEST_TMPDIR"
}

@test "sdn: the example room lowers to one loop of 30 lines around one 30x30 matrix" {
	run --separate-stderr adac-lower "$EX"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	jq -e '[.. | objects | select(.op? == "feedback")] | length == 1' <<<"$output"
	jq -e '.. | objects | select(.id? == "nodes") |
		(.forward.op == "matrix" and (.forward.data | length) == 30 and
		 (.forward.data[0] | length) == 30 and .back.op == "delay" and
		 (.back.samples | length) == 30)' <<<"$output"
	[ "$(jq -c '[.inputs, .outputs, .fs, .source.format]' <<<"$output")" = '[1,1,48000,"sdn"]' ]
	# the same with --from sdn
	run --separate-stderr adac-lower --from sdn "$EX"
	[ "$status" -eq 0 ]
}

@test "sdn: lower, certify, emit, diff: certified stable, float within the model's tolerance, double below -250 dB" {
	adac-lower "$EX" | adac-certify > room.json
	[ "$(jq -r .certificate.verdict room.json)" = certified-stable ]
	# the loop's gain is its largest wall gain, sqrt(1 - 0.1) (floor)
	jq -e '.certificate.loops[0].bound | . >= 0.9486832980505137 and . < 0.9486832980505137 * (1 + 1e-6)' room.json
	adac-emit -o room.dsp room.json
	run --separate-stderr adac-diff "$EX" room.dsp
	echo "$output" | jq -c '.overall'
	[ "$status" -eq 0 ]
	[ "$(jq -c '.overall | [.verdict, .precision, .tol_from]' <<<"$output")" = '["equal","float","model"]' ]
	jq -e '.overall.worst_error_db <= .overall.tol_db' <<<"$output"
	run --separate-stderr adac-diff --double "$EX" room.dsp
	echo "$output" | jq -c '.overall'
	[ "$status" -eq 0 ]
	jq -e '.overall.worst_error_db < -250' <<<"$output"
}

@test "sdn: the lossless room is certified marginally stable, and --strict refuses it" {
	jq '.absorption = 0' "$EX" > lossless.json
	adac-lower lossless.json > lossless.ir.json
	run --separate-stderr adac-certify lossless.ir.json
	[ "$status" -eq 0 ]
	[ "$(jq -r .certificate.verdict <<<"$output")" = marginally-stable ]
	# orthogonal: unitarity error a few float32 roundings
	jq -e '.certificate.loops[0].bound | . >= 1 and . <= 1 + 1e-6' <<<"$output"
	run --separate-stderr adac-certify --strict lossless.ir.json
	[ "$status" -eq 1 ]
}

# bad JQ-FILTER STDERR: the example edited by JQ-FILTER is exit 2, prints
# nothing on stdout and STDERR on stderr
bad() {
	jq "$1" "$EX" > room.json
	run --separate-stderr adac-lower room.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-lower: error: room.json: $2" ]
}

@test "sdn: a source or microphone outside the room or on a wall is exit 2 with its pointer" {
	bad '.source[0] = 6' '/source/0: source x = 6 m is not inside the room (0 to 5 m, walls excluded)'
	bad '.microphone[2] = 3' '/microphone/2: microphone z = 3 m is not inside the room (0 to 3 m, walls excluded)'
	bad '.source[1] = -1e-9' '/source/1: source y = -1e-09 m is not inside the room (0 to 4 m, walls excluded)'
	bad '.microphone = .source' '/microphone: the microphone is at the source'
}

@test "sdn: absorption outside [0, 1] or of the wrong count is exit 2 with its pointer" {
	bad '.absorption[3] = 1.5' '/absorption/3: absorption 1.5 of wall y = Ly is not between 0 and 1'
	bad '.absorption = -0.1' '/absorption: absorption -0.1 is not between 0 and 1'
	bad '.absorption = [0.1, 0.2]' '/absorption: expected 6 numbers, got 2'
	bad 'del(.absorption)' '/absorption: missing absorption: one coefficient, or six (walls x = 0, x = Lx, y = 0, y = Ly, z = 0, z = Lz)'
}

@test "sdn: wrong types, non-finite numbers, bad sizes and unknown keys are exit 2 with their pointer" {
	bad '.room = "big"' '/room: expected an array of numbers, got a string'
	bad '.room[1] = -4' '/room/1: room size -4 m is not positive'
	bad '.source = [1, 2]' '/source: expected 3 numbers, got 2'
	bad '.c = 0' '/c: speed of sound 0 is not between 0 and 1e+06'
	bad '.fs = "fast"' '/fs: expected a number, got a string'
	bad '.walls = 1' "/walls: unknown key 'walls'"
	bad '.format = "fdn"' "/format: format 'fdn' is not 'sdn'"
	sed 's/"room": \[5.0, 4.0/"room": [5.0, NaN/' "$EX" > room.json
	run --separate-stderr adac-lower room.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-lower: error: room.json: /room/1: NaN is not a finite number" ]
}

@test "sdn: a room whose paths exceed the longest delay is exit 2 naming /room" {
	bad '.room = [200000, 4, 3] | .microphone = [199999, 2, 2]' '/room: a path of 199998 m is 27987988 samples at 48000 Hz and 343 m/s, more than the limit of 16777216'
}

@test "sdn: nodes less than half a sample apart would make a loop without delay, exit 2" {
	bad '.source = [0.001, 0.001, 1.5] | .microphone = [0.002, 0.0015, 1.5]' '/source: the nodes on walls x = 0 and y = 0 are 0.00182239 m apart, less than half a sample (0.00357292 m): a loop without delay'
}
