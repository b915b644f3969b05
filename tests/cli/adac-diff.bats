#!/usr/bin/env bats
# adac-diff as a user runs it.  The fixtures in tests/data/diff are IRs
# written by hand and FAUST programs written by hand to equal them, so the
# expected figures (first divergent samples, lags) follow from the delay
# lengths alone.
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_DIRNAME/../data/diff"
	TMP="$BATS_TEST_TMPDIR"
}

@test "adac-diff: an IR and its hand-written FAUST equivalent are equal, exactly" {
	run --separate-stderr adac-diff delay-gain.json delay-gain.dsp
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$(jq -r .overall.verdict <<<"$output")" = equal ]
	# 0.5 at sample 3 is exact in float: no error at all, written as null
	[ "$(jq -c '.paths[0] | [.max_abs_error, .error_db, .first_divergent_sample]' <<<"$output")" = '[0,null,null]' ]
}

@test "adac-diff: the report names every path and the default length is 2 s" {
	run --separate-stderr adac-diff fdn2.json fdn2.dsp
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.reference, .test, .fs, .samples, .inputs, .outputs]' <<<"$output")" = '["fdn2.json","fdn2.dsp",48000,96000,2,2]' ]
	[ "$(jq -c '[.paths[] | [.input, .output]]' <<<"$output")" = '[[0,0],[0,1],[1,0],[1,1]]' ]
	[ "$(jq -c '.paths[0] | keys' <<<"$output")" = '["error_db","first_divergent_sample","input","max_abs_error","output","reference_peak","rms_error"]' ]
	[ "$(jq -c '.overall | [.verdict, .precision, .tol_from]' <<<"$output")" = '["equal","float","model"]' ]
	# the model's noise times 4 (12.04 dB), tighter than the old -100 dB
	jq -e '.overall | (.tol_db - .model_noise_db - 20 * (4 | log10)) | fabs < 1e-9' <<<"$output"
	jq -e '.overall.tol_db < -120' <<<"$output"
}

@test "adac-diff: without a model the float tolerance is the constant -100 dB" {
	run --separate-stderr adac-diff fdn2.dsp fdn2-coef.dsp
	[ "$status" -eq 0 ]
	[ "$(jq -c '.overall | [.tol_db, .tol_from, .model_noise_db]' <<<"$output")" = '[-100,"float",null]' ]
	run --separate-stderr adac-diff --tol-db -90 fdn2.json fdn2.dsp
	[ "$(jq -c '.overall | [.tol_db, .tol_from]' <<<"$output")" = '[-90,"given"]' ]
}

@test "adac-diff: a float build carries float noise, well below -100 dB" {
	run --separate-stderr adac-diff comb.json comb.dsp
	[ "$status" -eq 0 ]
	# 0.7 is not a float: some error must show, and far below the tolerance
	jq -e '.overall.worst_error_db < -120 and .overall.worst_error_db > -200' <<<"$output"
}

@test "adac-diff: --double compares at -250 dB and the double build is that close" {
	run --separate-stderr adac-diff --double fdn2.json fdn2.dsp
	[ "$status" -eq 0 ]
	[ "$(jq -c '.overall | [.verdict, .tol_db, .precision]' <<<"$output")" = '["equal",-250,"double"]' ]
	jq -e '.overall.worst_error_db == null or .overall.worst_error_db <= -250' <<<"$output"
}

@test "adac-diff: a delay one sample too long diverges at the first echo" {
	run --separate-stderr adac-diff comb.json comb-off-by-one.dsp
	[ "$status" -eq 1 ]
	[ "$stderr" = "" ]
	[ "$(jq -r .overall.verdict <<<"$output")" = different ]
	# the direct sound at 0 agrees; the first echo is due at 100, comes at 101
	[ "$(jq .paths[0].first_divergent_sample <<<"$output")" = 100 ]
	# that is not a shift of the whole response
	[ "$(jq .alignment.lag_samples <<<"$output")" = 0 ]
}

@test "adac-diff: a test one sample late is reported as such" {
	run --separate-stderr adac-diff comb.json comb-late.dsp
	[ "$status" -eq 1 ]
	[ "$stderr" = "adac-diff: warning: comb-late.dsp: test is 1 sample late on path 0 -> 0" ]
	[ "$(jq .paths[0].first_divergent_sample <<<"$output")" = 0 ]
	[ "$(jq -c '.alignment | [.lag_samples, .note]' <<<"$output")" = '[1,"test is 1 sample late"]' ]
	jq -e '.alignment.error_db_after_shift < -100' <<<"$output"
}

@test "adac-diff: a matrix entry changed in its 6th digit is found where it first acts" {
	# 0.8 -> 0.800001 in row 1: input 0 reaches it through the 37-sample
	# line (output 1 at 37), then output 0 through the 53-sample line
	# (37 + 53 = 90); input 1 reaches it after 53 + 37 = 90, and output 0
	# after 90 + 53 = 143.
	run --separate-stderr adac-diff fdn2.json fdn2-coef.json
	[ "$status" -eq 1 ]
	[ "$(jq -c '[.paths[].first_divergent_sample]' <<<"$output")" = '[90,37,143,90]' ]
	run --separate-stderr adac-diff --double fdn2.json fdn2-coef.dsp
	[ "$status" -eq 1 ]
	[ "$(jq -c '[.paths[].first_divergent_sample]' <<<"$output")" = '[90,37,143,90]' ]
}

@test "adac-diff: in float the 6th-digit change is caught by the tolerance the model's noise gives" {
	# the change is about -118 dB re peak, float noise about -140 dB and
	# the model's noise -137 dB: the tolerance is -125 dB.  The constant
	# -100 dB of the first version let it through
	run --separate-stderr adac-diff fdn2.json fdn2-coef.dsp
	[ "$status" -eq 1 ]
	[ "$(jq .paths[1].first_divergent_sample <<<"$output")" = 37 ]
	run --separate-stderr adac-diff --tol-db -100 fdn2.json fdn2-coef.dsp
	[ "$status" -eq 0 ]
	run --separate-stderr adac-diff --tol-db -130 fdn2.json fdn2-coef.dsp
	[ "$status" -eq 1 ]
	[ "$(jq .paths[1].first_divergent_sample <<<"$output")" = 37 ]
	[ "$(jq .overall.tol_db <<<"$output")" = -130 ]
}

@test "adac-diff: block sizes 1, 32, 256 and 4096 give the same figures" {
	for b in 1 32 256 4096; do
		adac-diff --block "$b" fdn2.json fdn2.dsp > "$TMP/report-$b.json"
	done
	cmp "$TMP/report-1.json" "$TMP/report-32.json"
	cmp "$TMP/report-1.json" "$TMP/report-256.json"
	cmp "$TMP/report-1.json" "$TMP/report-4096.json"
}

@test "adac-diff: --set renders an IR control and a FAUST parameter alike" {
	for t in 0.3 1 5; do
		run --separate-stderr adac-diff --set rt60="$t" comb-rt60.json comb-rt60.dsp
		[ "$status" -eq 0 ]
	done
	# and the setting matters: the IR at 1 s against the program at 2 s
	run --separate-stderr adac-diff --set rt60=1 comb-rt60.json comb.dsp
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: comb.dsp: no parameter 'rt60' (no address ends in /rt60)" ]
}

@test "adac-diff: --set outside the control's range is exit 2" {
	run --separate-stderr adac-diff --set rt60=20 comb-rt60.json comb-rt60.dsp
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: comb-rt60.json: control 'rt60' = 20 is outside its range [0.1, 10]" ]
}

@test "adac-diff: an IR against a WAV of its impulse response, length from the WAV" {
	run --separate-stderr adac-diff delay-gain.json delay-gain.wav
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.samples, .overall.verdict]' <<<"$output")" = '[1000,"equal"]' ]
}

@test "adac-diff: an IR against the WAVs adac-ir impulse writes of it" {
	adac-ir impulse -n 4800 --format wav -t float32 -o "$TMP/f32.wav" fdn2.json
	adac-ir impulse -n 4800 --format wav -t float64 -o "$TMP/f64.wav" fdn2.json
	run --separate-stderr adac-diff fdn2.json "$TMP/f32.wav"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.samples, .inputs, .outputs, .overall.verdict, .overall.precision]' <<<"$output")" = '[4800,2,2,"equal","float"]' ]
	# float64 holds the simulator's doubles exactly
	run --separate-stderr adac-diff fdn2.json "$TMP/f64.wav"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.overall.precision, .overall.worst_error_db]' <<<"$output")" = '["double",null]' ]
	# and the 6th-digit change shows against it where it first acts
	run --separate-stderr adac-diff "$TMP/f64.wav" fdn2-coef.json
	[ "$status" -eq 1 ]
	[ "$(jq -c '[.paths[].first_divergent_sample]' <<<"$output")" = '[90,37,143,90]' ]
}

@test "adac-diff: a WAV at another rate is exit 2" {
	run --separate-stderr adac-diff delay-gain.json delay-gain-44k.wav
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: delay-gain-44k.wav: runs at 44100 Hz, but the reference at 48000 Hz" ]
}

@test "adac-diff: a WAV with another channel count is exit 2" {
	run --separate-stderr adac-diff fdn2.json three-channels.wav
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: three-channels.wav: has 3 channels, but the reference has 2 inputs and 2 outputs (4 paths)" ]
}

@test "adac-diff: a WAV shorter than -n is exit 2" {
	run --separate-stderr adac-diff -n 2000 delay-gain.json delay-gain.wav
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: delay-gain.wav: holds 1000 samples, fewer than the 2000 compared" ]
}

# --- "equal" only on evidence --------------------------------------------

# A model with no direct sound: silent until its echo at 200 samples.
late() {
	echo '{"adac": "ir/1", "name": "Late", "fs": 48000, "inputs": 1, "outputs": 1,
	       "graph": {"op": "series", "of": [{"op": "delay", "samples": [200]}, {"op": "gain", "values": [0.5]}]}}' > "$TMP/late.json"
}

@test "adac-diff: a WAV with no samples, as a failed host run leaves, is exit 2, not equal" {
	# a float WAV header at 48 kHz and a data chunk of 0 bytes
	printf 'RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x03\x00\x01\x00\x80\xbb\x00\x00\x00\xee\x02\x00\x04\x00\x20\x00data\x00\x00\x00\x00' > "$TMP/empty.wav"
	run --separate-stderr adac-diff comb.json "$TMP/empty.wav"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: $TMP/empty.wav: holds no samples: there is nothing to compare" ]
	# either way round
	run --separate-stderr adac-diff "$TMP/empty.wav" comb.dsp
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: $TMP/empty.wav: holds no samples: there is nothing to compare" ]
}

@test "adac-diff: a short WAV over which the reference is silent is exit 2, not equal" {
	late
	# 100 zero samples: what a host that rendered nothing, briefly, writes
	echo '{"adac": "ir/1", "name": "Mute", "fs": 48000, "inputs": 1, "outputs": 1,
	       "graph": {"op": "gain", "values": [0]}}' > "$TMP/mute.json"
	adac-ir impulse -n 100 -t float32 -o "$TMP/zeros.wav" "$TMP/mute.json"
	run --separate-stderr adac-diff "$TMP/late.json" "$TMP/zeros.wav"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: $TMP/zeros.wav: holds 100 samples, over which the reference is silent: there is nothing to compare" ]
	# -n over a silent stretch is no evidence either
	run --separate-stderr adac-diff -n 150 "$TMP/late.json" "$TMP/late.json"
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: $TMP/late.json: is silent over the 150 samples compared: there is nothing to compare" ]
	# but a WAV that holds sound where the reference is silent differs
	adac-ir impulse -n 100 -t float32 -o "$TMP/click.wav" delay-gain.json
	run --separate-stderr adac-diff "$TMP/late.json" "$TMP/click.wav"
	[ "$status" -eq 1 ]
	[ "$(jq .paths[0].first_divergent_sample <<<"$output")" = 3 ]
}

@test "adac-diff: a truncated render is exit 2 until it shows the reference decay" {
	# comb.json: 0.7 every 100 samples.  Its first 1000 samples agree, but
	# their last quarter holds (0.49^8 + 0.49^9) / Σ_{k<10} 0.49^k of the
	# energy: 26.0 dB down, not 60.
	adac-ir impulse -n 1000 -t float32 -o "$TMP/c1000.wav" comb.json
	run --separate-stderr adac-diff comb.json "$TMP/c1000.wav"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: $TMP/c1000.wav: holds 1000 samples, too few: the reference's energy decays only 26.0 dB over them, not the 60 dB that shows it whole (-n 1000 compares them anyway)" ]
	# asked for, those 1000 samples are compared
	run --separate-stderr adac-diff -n 1000 comb.json "$TMP/c1000.wav"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.samples, .overall.verdict]' <<<"$output")" = '[1000,"equal"]' ]
	# 4000 samples reach k = 30 .. 39 in the last quarter: 93 dB down
	adac-ir impulse -n 4000 -t float32 -o "$TMP/c4000.wav" comb.json
	run --separate-stderr adac-diff comb.json "$TMP/c4000.wav"
	[ "$status" -eq 0 ]
	jq -e '.overall.reference_decay_db < -90' <<<"$output"
	# the reference a WAV: its own decay is what counts
	run --separate-stderr adac-diff "$TMP/c1000.wav" comb.dsp
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: $TMP/c1000.wav: holds 1000 samples, too few: its energy decays only 26.0 dB over them, not the 60 dB that shows it whole (-n 1000 compares them anyway)" ]
}

@test "adac-diff: the length it chooses grows until the reference has decayed" {
	# 0.9 every 4800 samples: 0.92 dB an echo, T60 = 65.6 echoes = 6.6 s.
	# 2 s shows 14 dB; the window grows to about 4/3 · T60 and shows 60.
	jq '.graph.back.of[0].samples = [4800] | .graph.back.of[1].values = [0.9]' comb.json > "$TMP/slow.json"
	run --separate-stderr adac-diff "$TMP/slow.json" "$TMP/slow.json"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	jq -e '.samples > 96000 and .samples <= 32 * 48000 and .overall.reference_decay_db <= -60' <<<"$output"
}

@test "adac-diff: a reference that does not decay is compared over 2 s and says so" {
	# lossless: the last quarter of any window holds a quarter of it, -6 dB
	jq '.graph.back.of[1].values = [1]' comb.json > "$TMP/lossless.json"
	run --separate-stderr adac-diff "$TMP/lossless.json" "$TMP/lossless.json"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.samples, .overall.verdict, .overall.note]' <<<"$output")" = '[96000,"equal","decays only 6.0 dB over the 96000 samples compared, not 60 dB; -n compares more"]' ]
	[ "$stderr" = "adac-diff: warning: $TMP/lossless.json: decays only 6.0 dB over the 96000 samples compared, not 60 dB; -n compares more" ]
}

@test "adac-diff: a model whose own render overflows is different, not out of memory" {
	# a loop gain of 2 every 10 samples passes the largest double at 10240
	jq '.graph.back.of[0].samples = [10] | .graph.back.of[1].values = [2]' comb.json > "$TMP/unstable.json"
	run --separate-stderr adac-diff "$TMP/unstable.json" comb.json
	[ "$status" -eq 1 ]
	# the peak is 2^1023 over the finite samples; errors below its -250 dB
	# (2^1023 · 10^-12.5 ≈ 2^982) are within tolerance, so the paths part
	# at 9820, where the reference reaches 2^982
	[ "$(jq -c '.paths[0] | [.reference_non_finite_sample, .first_divergent_sample, .max_abs_error, .reference_peak == pow(2; 1023)]' <<<"$output")" = '[10240,9820,null,true]' ]
	[ "$(jq -r .overall.verdict <<<"$output")" = different ]
	[ "$stderr" = "adac-diff: warning: $TMP/unstable.json: not finite from sample 10240 on path 0 -> 0" ]
	# and against itself: two overflows are no evidence of equality
	run --separate-stderr adac-diff "$TMP/unstable.json" "$TMP/unstable.json"
	[ "$status" -eq 1 ]
	[ "$(jq -c '.paths[0] | [.reference_non_finite_sample, .non_finite_sample, .first_divergent_sample]' <<<"$output")" = '[10240,10240,10240]' ]
}

@test "adac-diff: a file that is not audio is exit 2" {
	run --separate-stderr adac-diff delay-gain.json not-audio.wav
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: not-audio.wav: not a readable audio file: format not recognised" ]
}

@test "adac-diff: mismatched path counts are exit 2, naming the file" {
	run --separate-stderr adac-diff delay-gain.json stereo.dsp
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: stereo.dsp: has 1 input and 2 outputs, but the reference has 1 input and 1 output (1 path)" ]
}

@test "adac-diff: a .dsp that does not compile is exit 2 with the compiler's message" {
	run --separate-stderr adac-diff delay-gain.json undefined.dsp
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: undefined.dsp: line 3: undefined symbol : foo" ]
	run --separate-stderr adac-diff bad-syntax.dsp delay-gain.json
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: bad-syntax.dsp: line 1: syntax error, unexpected ENDDEF" ]
}

@test "adac-diff: an unknown LLVM target is libfaust's failure, exit 3" {
	run --separate-stderr adac-diff --target no-such-triple delay-gain.json delay-gain.dsp
	[ "$status" -eq 3 ]
	[ "$output" = "" ]
	[[ "$stderr" = "adac-diff: error: delay-gain.dsp: libfaust: cannot create LLVM JIT"* ]]
}

@test "adac-diff: a failed compile leaves stdout empty, whatever libfaust prints" {
	# libfaust prints "extra text is : $" on its stdout for this one: the
	# compiler runs in a worker whose stdout is not adac-diff's
	printf 'process = _;\n$\n' > "$TMP/extra.dsp"
	run --separate-stderr adac-diff delay-gain.json "$TMP/extra.dsp"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: $TMP/extra.dsp: line 2: syntax error, unexpected EXTRA" ]
}

@test "adac-diff: a program that keeps the compiler busy is stopped by --compile-cpu, exit 2" {
	# _ @ (1<<30) keeps libfaust 2.54.9 busy for minutes
	echo 'process = _ @ (1<<30);' > "$TMP/slow.dsp"
	run --separate-stderr adac-diff --compile-cpu 1 delay-gain.json "$TMP/slow.dsp"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: $TMP/slow.dsp: compiling used more than 1 s of CPU time (the compile-cpu limit)" ]
	run --separate-stderr adac-diff --compile-wall 0.5 delay-gain.json "$TMP/slow.dsp"
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: $TMP/slow.dsp: compiling took longer than 0.5 s (the compile-wall limit)" ]
}

@test "adac-diff: a program whose instance needs more than --compile-mem is exit 2" {
	# a delay of 2^24 samples: FAUST makes its line 2^25 floats, 128 MB
	echo 'process = _ @ (1<<24);' > "$TMP/big.dsp"
	run --separate-stderr adac-diff --compile-mem 32 delay-gain.json "$TMP/big.dsp"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: $TMP/big.dsp: the program needs more than 32 MB of memory (the compile-mem limit)" ]
	run --separate-stderr adac-diff --backend interp --compile-mem 32 delay-gain.json "$TMP/big.dsp"
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: $TMP/big.dsp: the program needs more than 32 MB of memory (the compile-mem limit)" ]
}

@test "adac-diff: without its compile worker it is exit 3, naming the worker" {
	ADAC_FAUST_WORKER=/nonexistent/worker run --separate-stderr adac-diff delay-gain.json delay-gain.dsp
	[ "$status" -eq 3 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: delay-gain.dsp: cannot start the compile worker /nonexistent/worker: No such file or directory (set ADAC_FAUST_WORKER)" ]
}

@test "adac-diff: an unreadable file is exit 3, a malformed IR exit 2" {
	# adac(7): a file that cannot be read is the system, as in every program
	run --separate-stderr adac-diff delay-gain.json missing.dsp
	[ "$status" -eq 3 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: missing.dsp: cannot open: No such file or directory" ]
	run --separate-stderr adac-diff bad-ir.json delay-gain.dsp
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[[ "$stderr" = "adac-diff: error: bad-ir.json: malformed JSON at line 2"* ]]
}

@test "adac-diff: an IR at another rate than the reference is exit 2" {
	run --separate-stderr adac-diff delay-gain.json delay-gain-44k.json
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: delay-gain-44k.json: runs at 44100 Hz, but the reference at 48000 Hz" ]
}

@test "adac-diff: -o writes the report to a file and nothing to stdout" {
	run --separate-stderr adac-diff -o "$TMP/r.json" comb.json comb-off-by-one.dsp
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	[ "$(jq .paths[0].first_divergent_sample "$TMP/r.json")" = 100 ]
}

@test "adac-diff: the test can come from stdin" {
	run --separate-stderr sh -c "adac-diff comb.json - < comb.dsp"
	[ "$status" -eq 0 ]
	[ "$(jq -r .test <<<"$output")" = "<stdin>" ]
}

@test "adac-diff: two FAUST programs run at 48 kHz, or at --fs" {
	run --separate-stderr adac-diff -n 500 comb.dsp comb-off-by-one.dsp
	[ "$status" -eq 1 ]
	[ "$(jq -c '[.fs, .samples, .paths[0].first_divergent_sample]' <<<"$output")" = '[48000,500,100]' ]
	run --separate-stderr adac-diff --fs 44100 comb.dsp comb.dsp
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.fs, .samples]' <<<"$output")" = '[44100,88200]' ]
}

@test "adac-diff: the interpreter backend agrees with the reference too" {
	run --separate-stderr adac-diff --backend interp fdn2.json fdn2.dsp
	[ "$status" -eq 0 ]
}

@test "adac-diff: bad usage is exit 2 with the usage on stderr" {
	run --separate-stderr adac-diff comb.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: expected two operands, reference and test" ]
	run --separate-stderr adac-diff --tol-db 100 comb.json comb.dsp
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: --tol-db: '100' is not a number from -1000 to 0" ]
	run --separate-stderr adac-diff --set rt60 comb.json comb.dsp
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: 'rt60' is not NAME=VALUE" ]
}

@test "adac-diff: an unknown option is one line naming the program, exit 2" {
	run --separate-stderr "$(command -v adac-diff)" --tolerance 3 comb.json comb.dsp
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: unknown option '--tolerance'; see 'adac-diff --help'" ]
	run --separate-stderr adac-diff comb.json comb.dsp -n
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-diff: error: option '-n' needs a value; see 'adac-diff --help'" ]
}

@test "adac-diff: --help prints the usage on stdout, --version the version" {
	run --separate-stderr adac-diff --help
	[ "$status" -eq 0 ]
	[[ "$output" = "usage: adac-diff "* ]]
	run --separate-stderr adac-diff --version
	[ "$status" -eq 0 ]
	[[ "$output" = "adac-diff "* ]]
}

@test "adac-diff: a window of one block gives each input of a program its own impulse" {
	# 100 samples fit in one 256-frame block: input 0's impulse stayed
	# in its buffer while input 1 took its turn, so path (1, o) heard
	# both, 2.9 dB re peak "different"
	run --separate-stderr adac-diff -n 100 fdn2.json fdn2.dsp
	[ "$status" -eq 0 ]
	[ "$(jq -r .overall.verdict <<<"$output")" = equal ]
	jq -e '.overall.worst_error_db < -120' <<<"$output"
}
