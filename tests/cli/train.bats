#!/usr/bin/env bats
# python/train_fdn.py as a researcher runs it: an FDN trained in PyTorch
# against the impulse response of another model, every step exported,
# certified and emitted while adac-live plays the program, and the
# trained model's own impulse response (PyTorch, double, time domain)
# compared with the emitted program.  The 30-step run is shared by the
# tests that read its results (setup_file); it takes about 20 s alone.

bats_require_minimum_version 1.5.0

# find_python: a python3 that imports torch (Debian's python3-torch), in PY
find_python() {
	local p
	PY=""
	for p in "${PYTHON:-}" python3 /usr/bin/python3; do
		[ -n "$p" ] || continue
		if "$p" -c 'import torch, soundfile' 2>/dev/null; then
			PY=$p
			return 0
		fi
	done
	return 1
}

# nap SECONDS: sleep without starting a process (read from a silent pipe)
nap() {
	[ -n "${NAPFD:-}" ] || exec {NAPFD}<> <(:)
	read -r -t "$1" -u "$NAPFD" || true
}

# wait_for N FILE PATTERN: until FILE has N lines holding PATTERN (30 s)
wait_for() {
	local i
	for ((i = 0; i < 3000; i++)); do
		[ -f "$2" ] && [ "$(grep -c -- "$3" "$2")" -ge "$1" ] && return 0
		nap 0.01
	done
	return 1
}

setup_file() {
	# importing torch takes seconds on a loaded machine: look once
	find_python || return 0
	export PY
	local top="$BATS_TEST_DIRNAME/../.."
	W="$BATS_FILE_TMPDIR"
	cd "$W"
	# The target: another network (other delays, matrix and gains, T60
	# 0.4 s), rendered by the reference simulator.
	adac-lower "$top/tests/data/train/target.json" |
		adac-ir impulse -n 24000 -o target.wav
	# Step 0 only: the program adac-live starts with.
	"$PY" "$top/python/train_fdn.py" --target target.wav --steps 0 \
		--model model.json --dsp model.dsp > step0.jsonl
	cp model.dsp step0.dsp
	# What adac-live hears: a click every quarter second.
	printf 'import("stdfaust.lib");\nprocess = ba.pulse(12000) * 0.5;\n' > clicks.dsp
	adac-live run --driver file --out clicks.wav --seconds 30 clicks.dsp > /dev/null
	adac-live run --driver file --in clicks.wav --out live.raw --seconds 600 \
		--speed 1 --backend interp --log live.jsonl model.dsp 3>&- &
	LIVE=$!
	echo "$LIVE" > live.pid
	wait_for 1 live.jsonl '"event":"start"'
	rc=0
	"$PY" "$top/python/train_fdn.py" --target target.wav --steps 30 \
		--model model.json --dsp model.dsp --live-log live.jsonl \
		--ir-out ir.wav > steps.jsonl 2> train.err || rc=$?
	echo "$rc" > train.status
	nap 0.3
	kill -TERM "$LIVE"
	rc=0
	wait "$LIVE" || rc=$?
	echo "$rc" > live.status
	rm live.pid
	# The final step's certified IR, and its program without --live.
	adac-lower model.json | adac-certify -o model.ir.json
	adac-emit -o model-const.dsp model.ir.json
}

# a setup_file that failed half-way leaves no adac-live behind
teardown_file() {
	local f="$BATS_FILE_TMPDIR/live.pid"
	[ ! -f "$f" ] || kill -TERM "$(cat "$f")" 2>/dev/null || true
}

setup() {
	[ -n "${PY:-}" ] || skip "python3-torch is not importable (scripts/install-deps.sh installs it)"
	W="$BATS_FILE_TMPDIR"
}

@test "train: 30 steps run, exit 0, and the loss falls by at least 20x" {
	[ "$(cat "$W/train.status")" -eq 0 ]
	[ "$(cat "$W/train.err")" = "" ]
	[ "$(wc -l < "$W/steps.jsonl")" -eq 31 ]
	# Measured on this fixture: 593.7 dB^2 at step 0, 6.75 at step 30
	# (88x); 20x leaves a margin of 4 for other BLAS builds and CPUs.
	run jq -e -s '.[0].loss / .[30].loss >= 20' "$W/steps.jsonl"
	[ "$status" -eq 0 ]
}

@test "train: step 0 of the training run is the program adac-live started with" {
	# the same seed gives the same model: nothing new to hear at step 0
	run jq -e -s --slurpfile a "$W/step0.jsonl" '.[0].step == 0
		and .[0].status == "unchanged" and .[0].loss == $a[0].loss
		and $a[0].status == "emitted"' "$W/steps.jsonl"
	[ "$status" -eq 0 ]
}

@test "train: every step is certified and emitted, and the export is an fdn spec with the matrix as data" {
	run jq -e -s '[.[1:][] | select(.status == "emitted" and .verdict == "certified-stable")] | length == 30' "$W/steps.jsonl"
	[ "$status" -eq 0 ]
	run jq -e '.fdn == 1 and (.matrix | length) == 4 and (.matrix[0] | length) == 4
		and (.absorption.sos[0] | length) == 4' "$W/model.json"
	[ "$status" -eq 0 ]
	# the trained matrix is orthogonal to double precision: |A^T A - I| < 1e-13
	run jq -e '.matrix as $a | [range(4) as $i | range(4) as $j |
		([range(4) as $k | $a[$k][$i] * $a[$k][$j]] | add) - (if $i == $j then 1 else 0 end) |
		fabs] | max < 1e-13' "$W/model.json"
	[ "$status" -eq 0 ]
}

@test "train: adac-live logs one reload per changed step, all value-only, and plays no NaN" {
	[ "$(cat "$W/live.status")" -eq 0 ]
	run jq -e -s '[.[] | select(.event == "reload")] | length == 30
		and all(.status == "values")' "$W/live.jsonl"
	[ "$status" -eq 0 ]
	# the training script saw each reload and recorded it
	run jq -e -s '[.[1:][] | select(.reload == "values")] | length == 30' "$W/steps.jsonl"
	[ "$status" -eq 0 ]
	run jq -e -s '.[-1].event == "end" and .[-1].nonfinite == 0 and .[-1].muted == 0
		and .[-1].failed == 0 and .[-1].frames > 48000' "$W/live.jsonl"
	[ "$status" -eq 0 ]
	# the output file itself: no NaN or infinity, and not silent
	run sh -c "od -An -v -f -w4 '$W/live.raw' | awk '\$1 ~ /nan|inf/ { bad++ } { v = \$1 + 0; if (v > p) p = v; if (-v > p) p = -v }
		END { exit !(bad == 0 && p > 0.001) }'"
	[ "$status" -eq 0 ]
}

@test "train: the PyTorch impulse response equals the emitted program, double and float" {
	# double: the program without --live, at adac-diff's double tolerance
	run --separate-stderr adac-diff --double "$W/ir.wav" "$W/model-const.dsp"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.overall.verdict == "equal" and .overall.precision == "double"
		and .overall.tol_db == -250 and .overall.worst_error_db <= -250'
	# float: the same program in a float build, at the float tolerance
	run --separate-stderr adac-diff "$W/ir.wav" "$W/model-const.dsp"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.overall.verdict == "equal" and .overall.precision == "float"
		and .overall.worst_error_db <= -100'
	# and the PyTorch response equals the exported spec's, simulated by adac
	run --separate-stderr adac-diff --double "$W/ir.wav" "$W/model.json"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.overall.verdict == "equal" and .overall.worst_error_db <= -250'
}

@test "train: adac-plugin turns the final step into a verified LV2 bundle equal to the PyTorch response" {
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr adac-plugin -o model.lv2 "$W/model.ir.json"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$(echo "$output" | jq -r .verdict)" = equal ]
	# the binary, loaded again by adac-diff's LV2 host, against the model PyTorch computed
	run --separate-stderr adac-diff "$W/ir.wav" model.lv2
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.overall.verdict == "equal" and .overall.worst_error_db <= -100'
}

@test "train: the program adac-live runs (--live) equals the PyTorch response, double and float" {
	# the hidden entries' inits are read from the text with every digit
	# (libfaust's LLVM backend keeps 6: lib/faust_jit.c), so the --live
	# program is held to the same tolerances as the constant one
	run --separate-stderr adac-diff --double "$W/ir.wav" "$W/model.dsp"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.overall.verdict == "equal" and .overall.worst_error_db <= -250'
	run --separate-stderr adac-diff "$W/ir.wav" "$W/model.dsp"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.overall.verdict == "equal" and .overall.worst_error_db <= -100'
}

@test "train: the PyTorch response equals adac's simulation of the export, 5- to 13-sample lines" {
	local top="$BATS_TEST_DIRNAME/../.."
	cd "$BATS_TEST_TMPDIR"
	# lines shorter than a block boundary's worth: the recursion runs in
	# blocks of 5 samples and the 100 ms response crosses 960 of them
	run --separate-stderr "$PY" "$top/python/train_fdn.py" --target "$W/target.wav" \
		--steps 1 --delays 5,7,11,13 --train-seconds 0.01 --ir-seconds 0.1 --ir-out ir.wav
	[ "$status" -eq 0 ]
	# a direct path that sounds: d is trained, not stuck at 0
	jq -e '.d != 0' model.json
	run --separate-stderr adac-diff --double -n 4800 ir.wav model.json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.overall.verdict == "equal" and .overall.worst_error_db <= -250'
}

@test "train: a step that is not certified never reaches the program, and says so" {
	local top="$BATS_TEST_DIRNAME/../.."
	cd "$BATS_TEST_TMPDIR"
	cp "$W/target.wav" .
	# tools where the certifier sees step 1 with every line gain 1.5 (the
	# loop gain is 1.5 at every frequency): the real adac-certify, given
	# a network that is not stable
	mkdir bin
	ln -s "$(command -v adac-lower)" bin/adac-lower
	ln -s "$(command -v adac-emit)" bin/adac-emit
	cat > bin/adac-certify <<-EOF
	#!/bin/sh
	n=\$(cat "$PWD/count" 2>/dev/null || echo 0)
	echo \$((n + 1)) > "$PWD/count"
	if [ "\$n" -eq 1 ]; then
		jq '.graph.of[0].of[1].forward.of[1].sections[0] |= map(.[0] = 1.5)' | "$(command -v adac-certify)" "\$@"
	else
		exec "$(command -v adac-certify)" "\$@"
	fi
	EOF
	chmod +x bin/adac-certify
	run --separate-stderr "$PY" "$top/python/train_fdn.py" --target target.wav \
		--steps 1 --bindir bin --dsp model.dsp
	[ "$status" -eq 1 ]
	# which negative verdict is the certifier's business (it says
	# 'indeterminate' for this one today); that it is not certified is ours
	[[ "$stderr" =~ ^"train_fdn: step 1: not certified: verdict '"(indeterminate|unstable|not-certified)"'; model.dsp keeps the program of step 0"$ ]]
	echo "$output" | jq -e -s '.[0].status == "emitted" and .[1].status == "rejected"
		and .[1].verdict != "certified-stable"'
	# the program is step 0's, byte for byte, and no temporary is left
	cmp model.dsp "$W/step0.dsp"
	[ "$(ls -A | grep -c tmp)" -eq 0 ]
}

@test "train: --every-step runs a command per step with the step and the model" {
	local top="$BATS_TEST_DIRNAME/../.."
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr "$PY" "$top/python/train_fdn.py" --target "$W/target.wav" \
		--steps 2 --every-step 'echo "$ADAC_STEP $ADAC_MODEL" >> hook.log; [ "$ADAC_STEP" != 1 ] || exit 7'
	[ "$status" -eq 1 ]
	[ "$stderr" = "train_fdn: step 1: --every-step exited 7; the step is not heard" ]
	[ "$(cat hook.log)" = "$(printf '0 model.json\n1 model.json\n2 model.json')" ]
	echo "$output" | jq -e -s 'map(.hook_status) == [0, 7, 0]'
	jq -e '.fdn == 1' model.json
}

@test "train: bad usage is one line and exit 2" {
	local top="$BATS_TEST_DIRNAME/../.."
	run --separate-stderr "$PY" "$top/python/train_fdn.py" --target x.wav --delays 797,x
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "train_fdn: error: --delays: expected whole numbers separated by commas, got '797,x'" ]
	run --separate-stderr "$PY" "$top/python/train_fdn.py" --target x.wav --dsp a.dsp --every-step true
	[ "$status" -eq 2 ]
	[ "$stderr" = "train_fdn: error: --dsp and --every-step are exclusive" ]
}
