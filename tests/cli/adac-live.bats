#!/usr/bin/env bats
# adac-live as a user runs it: hot reload through the null and file
# drivers, the reload log, value-only updates, and the HTTP and OSC
# service on an ephemeral loopback port.  Every wait is a bounded loop;
# every background process is stopped by the test that started it.

bats_require_minimum_version 1.5.0

setup() {
	DATA="$BATS_TEST_DIRNAME/../data/live"
	T="$BATS_TEST_TMPDIR"
	PIDS=""
}

teardown() {
	local p
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null || true
	done
}

# start CMD...: run in the background (fd 3 closed so bats does not wait)
start() {
	"$@" 3>&- &
	PIDS="$PIDS $!"
	BGPID=$!
}

# nap SECONDS: sleep without starting a process (read from a silent pipe)
nap() {
	[ -n "${NAPFD:-}" ] || exec {NAPFD}<> <(:)
	read -r -t "$1" -u "$NAPFD" || true
}

# count FILE PATTERN: set COUNT to the lines of FILE holding PATTERN
count() {
	local line
	COUNT=0
	[ -f "$1" ] || return 0
	while IFS= read -r line; do
		if [[ $line == *"$2"* ]]; then
			COUNT=$((COUNT + 1))
		fi
	done < "$1"
}

# wait_for N FILE PATTERN: until FILE has N lines holding PATTERN (30 s)
wait_for() {
	local i
	for ((i = 0; i < 3000; i++)); do
		count "$2" "$3"
		[ "$COUNT" -ge "$1" ] && return 0
		nap 0.01
	done
	echo "# timed out waiting for $1 lines of '$3' in $2" >&3
	return 1
}

# started LOG: wait for the "start" line (the watch is set up)
started() {
	wait_for 1 "$1" '"event":"start"'
}

# stop PID: SIGTERM, then wait for its exit status in $STOPPED
stop() {
	kill -TERM "$1"
	STOPPED=0
	wait "$1" || STOPPED=$?
}

# replace DST SRC [N]: write SRC atomically, with a definition "rewrite = N;"
# that makes a new text (a comment would not: comments change nothing)
replace() {
	{ cat "$2"; [ -z "${3:-}" ] || echo "rewrite = $3;"; } > "$1.tmp"
	mv "$1.tmp" "$1"
}

# rawstats FILE CHANNELS: "frames nonfinite max_step peak" of raw float32
rawstats() {
	od -An -v -f -w4 "$1" | awk -v ch="$2" '
		{ v = $1; n++ }
		v ~ /nan|inf/ { bad++; next }
		{ c = (n - 1) % ch; v += 0
		  if (n > ch && (v - last[c] > step || last[c] - v > step))
			step = (v > last[c]) ? v - last[c] : last[c] - v
		  last[c] = v
		  if (v > peak) peak = v; if (-v > peak) peak = -v }
		END { printf "%d %d %.6f %.6f\n", n / ch, bad, step, peak }'
}

# json FILE KEY: the values of "KEY": in every line of FILE
json() {
	grep -o "\"$2\":[^,}]*" "$1" | sed 's/^[^:]*://'
}

@test "adac-live: --help prints usage and exits 0" {
	run --separate-stderr adac-live --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
}

@test "adac-live: a program that does not compile is exit 2 with the compiler's message" {
	run --separate-stderr adac-live run --driver null --frames 64 "$DATA/bad.dsp"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-live: error: $DATA/bad.dsp: line 3: undefined symbol : nosuchthing" ]
}

@test "adac-live: a missing file is exit 3" {
	run --separate-stderr adac-live run --driver null --frames 64 "$T/none.dsp"
	[ "$status" -eq 3 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-live: error: $T/none.dsp: cannot open: No such file or directory" ]
}

@test "adac-live: an unknown driver is a usage error" {
	run --separate-stderr adac-live run --driver alsa "$DATA/gain.dsp"
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-live: error: unknown driver 'alsa'" ]
}

@test "adac-live: an unknown option, command or none is one line, exit 2" {
	run --separate-stderr "$(command -v adac-live)" run --bogus "$DATA/gain.dsp"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-live: error: unknown option '--bogus'; see 'adac-live --help'" ]
	run --separate-stderr adac-live serve --listen
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-live: error: option '--listen' needs a value; see 'adac-live --help'" ]
	run --separate-stderr adac-live play "$DATA/gain.dsp"
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-live: error: unknown command 'play'; see 'adac-live --help'" ]
	run --separate-stderr adac-live
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-live: error: expected a command, run, serve, push or list; see 'adac-live --help'" ]
}

@test "adac-live: an unknown --set address is exit 2" {
	run --separate-stderr adac-live run --driver null --frames 64 --set nope=1 "$DATA/gain.dsp"
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-live: error: $DATA/gain.dsp: no parameter 'nope'" ]
}

@test "adac-live: the file driver renders exactly --frames frames of a generator" {
	run --separate-stderr adac-live run --driver file --out "$T/a.raw" --frames 48000 "$DATA/sine.dsp"
	[ "$status" -eq 0 ]
	[ "$(json <(echo "$output") frames)" = 48000 ]
	read -r frames bad step peak < <(rawstats "$T/a.raw" 1)
	[ "$frames" -eq 48000 ]
	[ "$bad" -eq 0 ]
	# 0.5 sin(2 pi 440 n / 48000): peak 0.5, step <= 0.5 * 2 pi 440 / 48000 = 0.0288
	awk -v p="$peak" -v s="$step" 'BEGIN { exit !(p > 0.499 && p <= 0.5 && s <= 0.0289) }'
}

@test "adac-live: the file driver's output has as many frames as its input, reloads or not" {
	adac-live run --driver file --out "$T/in.wav" --seconds 4 "$DATA/sine.dsp" >/dev/null
	cp "$DATA/gain.dsp" "$T/live.dsp"
	# 4 s of input at 8x real time: half a second of wall time
	start adac-live run --driver file --in "$T/in.wav" --out "$T/out.raw" \
		--speed 8 --backend interp --log "$T/log" "$T/live.dsp"
	started "$T/log"
	replace "$T/live.dsp" "$DATA/gain.dsp" 1
	wait "$BGPID"
	read -r frames bad step peak < <(rawstats "$T/out.raw" 1)
	[ "$frames" -eq 192000 ]
	[ "$bad" -eq 0 ]
	[ "$(json "$T/log" event | tail -1)" = '"end"' ]
	[ "$(json "$T/log" frames | tail -1)" = 192000 ]
}

@test "adac-live: 200 reloads of alternating programs while audio runs: no NaN, no click, exact length, gain kept" {
	cp "$DATA/osc-a.dsp" "$T/live.dsp"
	start adac-live run --driver file --out "$T/out.raw" --seconds 600 --speed 1 \
		--backend interp --set gain=0.25 --log "$T/log" "$T/live.dsp"
	pid=$BGPID
	started "$T/log"
	for i in $(seq 1 200); do
		if [ $((i % 2)) -eq 1 ]; then src=osc-b.dsp; else src=osc-a.dsp; fi
		# a new text each time, compiled afresh
		replace "$T/live.dsp" "$DATA/$src" "$i"
		wait_for "$i" "$T/log" '"event":"reload"'
	done
	stop "$pid"
	[ "$STOPPED" -eq 0 ]
	[ "$(grep -c '"event":"reload"' "$T/log")" -eq 200 ]
	[ "$(grep -c '"status":"swapped"' "$T/log")" -eq 200 ]
	[ "$(grep -c '"params_kept":1' "$T/log")" -eq 200 ]
	[ "$(json "$T/log" swaps | tail -1)" -eq 201 ]
	[ "$(json "$T/log" nonfinite | tail -1)" -eq 0 ]
	read -r frames bad step peak < <(rawstats "$T/out.raw" 1)
	[ "$frames" -eq "$(json "$T/log" frames | tail -1)" ]
	[ "$frames" -gt 48000 ]
	[ "$bad" -eq 0 ]
	# Each program is a 440 Hz sine of amplitude a = 0.25: |x[n]-x[n-1]|
	# <= a 2 pi 440/48000 = 0.0144.  Across a 10 ms (480-sample) equal-power
	# fade y = sin(t) A + cos(t) B the gains move by at most (pi/2)/480 =
	# 0.00327 a sample, so |dy| <= 2 * 0.0144 + 2 * 0.00327 * 0.25 = 0.0305.
	# A cut from A to -A at a random phase jumps by up to 2a = 0.5.
	awk -v s="$step" 'BEGIN { exit !(s <= 0.0305) }'
	# sin t + cos t <= sqrt 2: peak <= 0.25 sqrt 2 = 0.3536 while the kept
	# gain holds; a program back at its init gain 0.5 would exceed it
	awk -v p="$peak" 'BEGIN { exit !(p > 0.2 && p <= 0.3536) }'
}

@test "adac-live: 500 rewrites in place, as fast as they come, give no failed reload" {
	cp "$DATA/osc-a.dsp" "$T/live.dsp"
	start adac-live run --driver null --seconds 600 --backend interp --cache 0 \
		--log "$T/log" "$T/live.dsp"
	pid=$BGPID
	started "$T/log"
	a=$(cat "$DATA/osc-a.dsp")
	b=$(cat "$DATA/osc-b.dsp")
	# each: open with O_TRUNC, write, close; a reader may come in between
	for ((i = 1; i <= 500; i++)); do
		if ((i % 2)); then t=$b; else t=$a; fi
		printf '%s\nrewrite = %d;\n' "$t" "$i" > "$T/live.dsp"
	done
	# then one that can be told apart (two parameters), and wait for it
	cp "$DATA/values-a.dsp" "$T/live.dsp"
	wait_for 1 "$T/log" '"params":2'
	stop "$pid"
	[ "$STOPPED" -eq 0 ]
	[ "$(grep -c '"event":"reload"' "$T/log")" -ge 2 ]
	[ "$(grep -c '"status":"failed"' "$T/log")" -eq 0 ]
	[ "$(json "$T/log" failed | tail -1)" -eq 0 ]
}

@test "adac-live: a program that fails to compile keeps the previous one running" {
	cp "$DATA/osc-a.dsp" "$T/live.dsp"
	start adac-live run --driver null --seconds 600 --backend interp --log "$T/log" "$T/live.dsp"
	pid=$BGPID
	started "$T/log"
	replace "$T/live.dsp" "$DATA/bad.dsp"
	wait_for 1 "$T/log" '"event":"reload"'
	replace "$T/live.dsp" "$DATA/osc-b.dsp"
	wait_for 2 "$T/log" '"event":"reload"'
	stop "$pid"
	[ "$STOPPED" -eq 0 ]
	[ "$(sed -n 2p "$T/log" | grep -c '"status":"failed","error":"line 3: undefined symbol : nosuchthing"')" -eq 1 ]
	[ "$(sed -n 3p "$T/log" | grep -c '"status":"swapped"')" -eq 1 ]
	# the first program sounded throughout: two swaps (start, B), no silence
	[ "$(json "$T/log" swaps | tail -1)" -eq 2 ]
	[ "$(json "$T/log" failed | tail -1)" -eq 1 ]
	[ "$(json "$T/log" peak | tail -1)" != 0 ]
}

@test "adac-live: the log has one JSON line per reload and none for an unchanged write" {
	cp "$DATA/osc-a.dsp" "$T/live.dsp"
	start adac-live run --driver null --seconds 600 --backend interp --log "$T/log" "$T/live.dsp"
	pid=$BGPID
	started "$T/log"
	replace "$T/live.dsp" "$DATA/osc-b.dsp"
	wait_for 1 "$T/log" '"event":"reload"'
	replace "$T/live.dsp" "$DATA/osc-b.dsp"	# same text again
	replace "$T/live.dsp" "$DATA/osc-a.dsp"
	wait_for 2 "$T/log" '"event":"reload"'
	stop "$pid"
	[ "$(wc -l < "$T/log")" -eq 4 ]
	run jq -e -s 'length == 4 and .[0].event == "start"
		and .[1].status == "swapped" and .[2].status == "swapped"
		and (.[1].compile_ms | type) == "number"
		and .[1].write_to_audible_ms >= .[1].compile_ms
		and .[3].event == "end"' "$T/log"
	[ "$status" -eq 0 ]
}

@test "adac-live: a change of hidden values only is applied without compiling" {
	cp "$DATA/values-a.dsp" "$T/live.dsp"
	start adac-live run --driver file --out "$T/out.raw" --seconds 600 --speed 1 --backend interp \
		--log "$T/log" "$T/live.dsp"
	pid=$BGPID
	started "$T/log"
	nap 0.2
	replace "$T/live.dsp" "$DATA/values-b.dsp"
	wait_for 1 "$T/log" '"event":"reload"'
	nap 0.3
	stop "$pid"
	run jq -e -s '.[1].status == "values" and .[1].values_changed == 1
		and .[1].compile_ms == null and .[1].write_to_audible_ms < 1000' "$T/log"
	[ "$status" -eq 0 ]
	# the last 0.1 s (4800 frames) is the sine at 0.125, not 0.25
	tail -c $((4800 * 4)) "$T/out.raw" > "$T/tail.raw"
	read -r frames bad step peak < <(rawstats "$T/tail.raw" 1)
	awk -v p="$peak" 'BEGIN { exit !(p > 0.124 && p <= 0.1251) }'
}

@test "adac-live: the end line is the last line, even when stopped as the LLVM build swaps in" {
	# --backend auto builds the running program with LLVM once it has been
	# left alone 1 s: stop around then, so that the build is under way
	for delay in 0.9 1.0 1.1; do
		cp "$DATA/osc-a.dsp" "$T/live.dsp"
		rm -f "$T/log"
		start adac-live run --driver null --seconds 600 --backend auto --log "$T/log" "$T/live.dsp"
		pid=$BGPID
		started "$T/log"
		nap "$delay"
		stop "$pid"
		[ "$STOPPED" -eq 0 ]
		[ "$(json "$T/log" event | tail -1)" = '"end"' ]
	done
}

# gone PID: wait (10 s at most) for PID to exit; its status in STOPPED
gone() {
	local i
	for ((i = 0; i < 1000; i++)); do
		kill -0 "$1" 2>/dev/null || break
		nap 0.01
	done
	kill -0 "$1" 2>/dev/null && return 1
	STOPPED=0
	wait "$1" || STOPPED=$?
}

@test "adac-live: SIGTERM during a compile stops at once and finishes the output file" {
	cp "$DATA/osc-a.dsp" "$T/live.dsp"
	start adac-live run --driver file --out "$T/out.raw" --seconds 600 --speed 1 \
		--backend interp --log "$T/log" "$T/live.dsp"
	pid=$BGPID
	started "$T/log"
	# a compile that would go on until the 30 s CPU limit
	echo 'process = _ @ (1<<30);' > "$T/slow.tmp"
	mv "$T/slow.tmp" "$T/live.dsp"
	nap 0.5
	kill -TERM "$pid"
	# the compile is cancelled: the process is gone well before 10 s
	gone "$pid"
	[ "$STOPPED" -eq 0 ]
	# the output is in place, as long as the log says, and the end line
	# is the last; a compile cut short by the stop is no failed reload
	[ -f "$T/out.raw" ]
	read -r frames bad step peak < <(rawstats "$T/out.raw" 1)
	[ "$frames" -gt 0 ]
	[ "$frames" -eq "$(json "$T/log" frames | tail -1)" ]
	[ "$(json "$T/log" event | tail -1)" = '"end"' ]
	[ "$(grep -c '"event":"reload"' "$T/log")" -eq 0 ]
}

@test "adac-live: SIGTERM during the first compile stops at once, exit 3, no output" {
	echo 'process = _ @ (1<<30);' > "$T/slow.dsp"
	start adac-live run --driver file --out "$T/out.raw" --seconds 1 "$T/slow.dsp" 2> "$T/err"
	pid=$BGPID
	nap 0.5
	kill -TERM "$pid"
	gone "$pid"
	[ "$STOPPED" -eq 3 ]
	[ "$(cat "$T/err")" = "adac-live: error: $T/slow.dsp: interrupted while compiling, before the program ran" ]
	[ ! -e "$T/out.raw" ]
}

# serve_start [OPTIONS...]: start a service on ephemeral loopback ports;
# sets URL (http://127.0.0.1:PORT/) and OSC (its UDP port)
serve_start() {
	start adac-live serve --driver null --listen 127.0.0.1:0 --osc-port 0 \
		--log "$T/log" "$@"
	SERVE=$BGPID
	wait_for 1 "$T/serve.out" 'osc://' || { cat "$T/serve.out" >&3; return 1; }
	URL=$(sed -n 1p "$T/serve.out")
	OSC=$(sed -n 's|^osc://127.0.0.1:\([0-9]*\)/$|\1|p' "$T/serve.out")
}

# http METHOD PATH [CURL ARGS...]: sets CODE and BODY
http() {
	local m=$1 p=$2
	shift 2
	CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X "$m" "$@" "${URL%/}$p")
	BODY=$(cat "$T/body")
}

@test "serve: compiles good code, refuses bad code with 400 and the compiler's message" {
	serve_start > "$T/serve.out"
	http POST /dsp --data-binary @"$DATA/osc-a.dsp"
	[ "$CODE" = 201 ]
	run jq -e '.id == 1 and .name == "dsp" and .outputs == 1
		and .ui.ui[0].items[0].address == "/live/gain"' <<< "$BODY"
	[ "$status" -eq 0 ]
	http POST /dsp --data-binary @"$DATA/bad.dsp"
	[ "$CODE" = 400 ]
	[ "$BODY" = '{"error":"line 3: undefined symbol : nosuchthing"}' ]
	http POST /dsp --data-binary 'process = ffunction(int abort(), <stdlib.h>, "");'
	[ "$CODE" = 400 ]
	[ "$BODY" = "{\"error\":\"'ffunction' is not allowed in programs sent to the service\"}" ]
}

@test "serve: a compile over a limit is 422 or 413 with the reason, and the service answers meanwhile" {
	serve_start --compile-cpu 2 --program-mb 16 > "$T/serve.out"
	http POST '/dsp?run=1' --data-binary @"$DATA/osc-a.dsp"
	[ "$CODE" = 201 ]
	# 29 bytes that overflow libfaust's stack after minutes of CPU time
	curl -s -o "$T/slow" -w '%{http_code}' -X POST \
		--data-binary 'process = par(i, 100000, _);' "${URL%/}/dsp?run=1" > "$T/slow.code" &
	slow=$!
	answered=0
	for ((i = 0; i < 100; i++)); do
		http GET /status
		[ "$CODE" = 200 ]
		kill -0 "$slow" 2>/dev/null || break
		answered=$((answered + 1))
		nap 0.05
	done
	wait "$slow"
	[ "$answered" -gt 0 ]
	[ "$(cat "$T/slow.code")" = 422 ]
	[ "$(cat "$T/slow")" = '{"error":"compiling used more than 2 s of CPU time (the compile-cpu limit)"}' ]
	# push says the program is at fault: exit 2
	echo 'process = _ @ (1<<30);' > "$T/slow.dsp"
	run --separate-stderr adac-live push "$URL" "$T/slow.dsp"
	[ "$status" -eq 2 ]
	[ "$output" = '{"error":"compiling used more than 2 s of CPU time (the compile-cpu limit)"}' ]
	# a delay of 2^24 samples: FAUST makes its line the next power of two,
	# 2^25 floats (128 MB), and the instance holds a little more
	http POST /dsp --data-binary 'process = _ @ (1<<24);'
	[ "$CODE" = 413 ]
	[ "$BODY" = '{"error":"the program needs 129 MB of memory, more than 16 MB (the program-mb limit)"}' ]
	# the first program runs on
	http GET /params
	[ "$BODY" = '{"/live/gain":0.5}' ]
	kill -0 "$SERVE"
}

@test "adac-live: a rewrite over the compile limits fails with the limit and the program runs on" {
	cp "$DATA/osc-a.dsp" "$T/live.dsp"
	start adac-live run --driver null --seconds 600 --backend interp --compile-cpu 1 \
		--log "$T/log" "$T/live.dsp"
	pid=$BGPID
	started "$T/log"
	echo 'process = _ @ (1<<30);' > "$T/slow.tmp"
	mv "$T/slow.tmp" "$T/live.dsp"
	wait_for 1 "$T/log" '"event":"reload"'
	stop "$pid"
	[ "$STOPPED" -eq 0 ]
	run jq -e -s '.[1].status == "failed" and .[1].limit == "compile-cpu"
		and .[1].error == "compiling used more than 1 s of CPU time (the compile-cpu limit)"
		and .[-1].event == "end" and .[-1].swaps == 1 and .[-1].peak > 0' "$T/log"
	[ "$status" -eq 0 ]
}

@test "serve: the cache holds at most --cache-mb, and /status says how much" {
	serve_start --cache-mb 1.5 > "$T/serve.out"
	# each holds a delay line of 2^17 floats: 512 KB
	for k in 1 2 3 4 5; do
		http POST '/dsp?run=1' --data-binary "process = 1 : @(100000) : *($k);"
		[ "$CODE" = 201 ]
	done
	http GET /status
	[ "$CODE" = 200 ]
	run jq -e '.cache.max_bytes == 1572864 and .cache.bytes <= 1572864
		and .cache.programs >= 1 and .cache.programs <= 2' <<< "$BODY"
	[ "$status" -eq 0 ]
}

@test "serve: a program that is not UTF-8 is 400, and one that is can be read back" {
	serve_start > "$T/serve.out"
	printf 'process = 0; // \xff\xfe\n' > "$T/latin.dsp"
	http POST /dsp --data-binary @"$T/latin.dsp"
	[ "$CODE" = 400 ]
	[ "$BODY" = '{"error":"program is not UTF-8 text (byte 16)"}' ]
	printf 'process = 0; // d\xc3\xa9j\xc3\xa0\n' > "$T/utf8.dsp"
	http POST /dsp --data-binary @"$T/utf8.dsp"
	[ "$CODE" = 201 ]
	id=$(jq .id <<< "$BODY")
	http GET "/dsp/$id"
	[ "$CODE" = 200 ]
	[ "$(jq -r .source <<< "$BODY")" = "$(cat "$T/utf8.dsp")" ]
}

@test "serve: served code may import the standard libraries, and no other file of the server's" {
	# the service runs where a library of the owner's lies
	cd "$T"
	echo 'x = 1;' > mine.lib
	serve_start > "$T/serve.out"
	http POST /dsp --data-binary 'import("stdfaust.lib"); process = os.osc(440);'
	[ "$CODE" = 201 ]
	# paths are refused as text: a file that exists and one that does
	# not get the same answer, so nothing can be probed
	http POST /dsp --data-binary $'\nimport("/etc/passwd");\nprocess = 0;'
	[ "$CODE" = 400 ]
	[ "$BODY" = '{"error":"line 2: import(\"/etc/passwd\"): programs sent to the service may use only the FAUST standard libraries"}' ]
	http POST /dsp --data-binary 'import("/nonexistent"); process = 0;'
	[ "$BODY" = '{"error":"line 1: import(\"/nonexistent\"): programs sent to the service may use only the FAUST standard libraries"}' ]
	http POST /dsp --data-binary 'process = component("../../etc/hosts");'
	[ "$CODE" = 400 ]
	http POST /dsp --data-binary 'l = library /* x */ ("http://example.com/x.lib"); process = 0;'
	[ "$CODE" = 400 ]
	# a plain name is looked for in the standard library only
	http POST '/dsp?run=1' --data-binary 'm = library("mine.lib"); process = m.x;'
	[ "$CODE" = 400 ]
	[ "$BODY" = '{"error":"unable to open file mine.lib"}' ]
	# while the owner's watched file may use it
	echo 'm = library("mine.lib"); process = m.x * 0.5;' > own.dsp
	run --separate-stderr adac-live run --driver file --out out.raw --frames 64 --backend interp own.dsp
	[ "$status" -eq 0 ]
}

@test "serve: lists programs, runs one, sets and reads parameters over HTTP" {
	serve_start > "$T/serve.out"
	http GET /params
	[ "$BODY" = '{}' ]
	http POST /dsp --data-binary @"$DATA/osc-a.dsp"
	http POST /dsp --data-binary @"$DATA/osc-b.dsp"
	http GET /dsp
	[ "$(jq -c '[.[].id]' <<< "$BODY")" = '[1,2]' ]
	http POST /dsp/2/run
	[ "$CODE" = 200 ]
	[ "$(jq -r .status <<< "$BODY")" = swapped ]
	http POST /dsp/9/run
	[ "$CODE" = 404 ]
	http POST /params/live/gain --data 0.125
	[ "$CODE" = 200 ]
	[ "$BODY" = '{"address":"/live/gain","value":0.125}' ]
	http GET /params
	[ "$BODY" = '{"/live/gain":0.125}' ]
	http POST /params/live/gain --data 'loud'
	[ "$CODE" = 400 ]
	http POST /params/live/nope --data 1
	[ "$CODE" = 404 ]
	[ "$BODY" = "{\"error\":\"no parameter '/live/nope'\"}" ]
	# the value set is kept when another program runs
	http POST /dsp/1/run
	http GET /params/live/gain
	[ "$BODY" = '{"address":"/live/gain","value":0.125}' ]
	[ "$(grep -c '"event":"reload"' "$T/log")" -eq 2 ]
}

@test "serve: values beyond a control's range are clamped, over HTTP and OSC, and the answer says so" {
	serve_start > "$T/serve.out"
	http POST '/dsp?run=1' --data-binary @"$DATA/osc-a.dsp"
	[ "$CODE" = 201 ]
	http POST /params/live/gain --data 5
	[ "$CODE" = 200 ]
	[ "$BODY" = '{"address":"/live/gain","value":1.0,"requested":5.0,"clamped":true}' ]
	http POST /params/live/gain --data -3
	[ "$BODY" = '{"address":"/live/gain","value":0.0,"requested":-3.0,"clamped":true}' ]
	# 3.4e38 is a float; 1e39 is not (float makes it infinite)
	http POST /params/live/gain --data 3.4e38
	[ "$(jq -c '[.value, .clamped]' <<< "$BODY")" = '[1,true]' ]
	http POST /params/live/gain --data 1e39
	[ "$(jq -c '[.value, .clamped]' <<< "$BODY")" = '[1,true]' ]
	http GET /params/live/gain
	[ "$BODY" = '{"address":"/live/gain","value":1.0}' ]
	http POST /params/live/gain --data 0.25
	[ "$BODY" = '{"address":"/live/gain","value":0.25}' ]
	command -v oscsend >/dev/null || skip "oscsend (liblo-tools) is not installed"
	oscsend 127.0.0.1 "$OSC" /live/gain f 7
	for ((i = 0; i < 200; i++)); do
		http GET /params/live/gain
		[ "$BODY" = '{"address":"/live/gain","value":1.0}' ] && break
		nap 0.01
	done
	[ "$BODY" = '{"address":"/live/gain","value":1.0}' ]
}

@test "adac-live: a program above +12 dBFS is muted before it is heard, and the host lives on" {
	printf 'import("stdfaust.lib");\nprocess = os.osc(440) * 1e30;\n' > "$T/loud.dsp"
	run --separate-stderr adac-live run --driver file --out "$T/out.raw" --seconds 1 \
		--backend interp "$T/loud.dsp"
	[ "$status" -eq 0 ]
	[ "$stderr" = "adac-live: warning: program 1 muted: its output reached +600.0 dBFS, above the +12 dBFS limit (--max-level-db); it stays silent until another program loads" ]
	run jq -e -s '.[-2].event == "muted" and .[-2].reason == "level"
		and .[-2].peak_db == 600 and .[-2].limit_db == 12
		and .[-1].event == "end" and .[-1].muted == 1 and .[-1].peak == 0' <<< "$output"
	[ "$status" -eq 0 ]
	read -r frames bad step peak < <(rawstats "$T/out.raw" 1)
	[ "$frames" -eq 48000 ]
	[ "$bad" -eq 0 ]
	[ "$peak" = 0.000000 ]
	# a lower limit, and a program that is not finite
	printf 'process = hslider("x", -1, -1, 1, 0.1) : sqrt;\n' > "$T/nan.dsp"
	run --separate-stderr adac-live run --driver file --out "$T/out.raw" --seconds 1 \
		--backend interp "$T/nan.dsp"
	[ "$status" -eq 0 ]
	[ "$stderr" = "adac-live: warning: program 1 muted: its output is not finite; it stays silent until another program loads" ]
	run --separate-stderr adac-live run --driver file --out "$T/out.raw" --seconds 1 \
		--backend interp --max-level-db -12 "$DATA/sine.dsp"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"above the -12 dBFS limit"* ]]
}

@test "serve: a program pushed too loud is muted, /status says so, the next one sounds" {
	serve_start > "$T/serve.out"
	http POST '/dsp?run=1' --data-binary 'process = 100;'
	[ "$CODE" = 201 ]
	for ((i = 0; i < 200; i++)); do
		http GET /status
		[ "$(jq .muted <<< "$BODY")" = true ] && break
		nap 0.01
	done
	[ "$(jq .muted <<< "$BODY")" = true ]
	wait_for 1 "$T/log" '"event":"muted"'
	http POST '/dsp?run=1' --data-binary @"$DATA/osc-a.dsp"
	[ "$CODE" = 201 ]
	http GET /status
	[ "$(jq .muted <<< "$BODY")" = false ]
	kill -0 "$SERVE"
}

@test "serve: sets and queries parameters over OSC" {
	command -v oscsend >/dev/null || skip "oscsend (liblo-tools) is not installed"
	serve_start > "$T/serve.out"
	http POST '/dsp?run=1' --data-binary @"$DATA/osc-a.dsp"
	[ "$CODE" = 201 ]
	oscsend 127.0.0.1 "$OSC" /live/gain f 0.75
	for ((i = 0; i < 200; i++)); do
		http GET /params/live/gain
		[ "$BODY" = '{"address":"/live/gain","value":0.75}' ] && break
		nap 0.01
	done
	[ "$BODY" = '{"address":"/live/gain","value":0.75}' ]
	# a query answers to the port it names: listen there with oscdump
	for ((k = 0; k < 5; k++)); do
		port=$((20000 + RANDOM % 30000))
		start oscdump -L "$port" > "$T/dump"
		nap 0.3
		kill -0 "$BGPID" 2>/dev/null && break
	done
	oscsend 127.0.0.1 "$OSC" /live/gain si get "$port"
	wait_for 1 "$T/dump" '/live/gain f 0.75'
}

@test "serve: a wrong or missing token is refused on every request" {
	serve_start --token s3cret > "$T/serve.out"
	[[ $URL == http://127.0.0.1:*/?token=s3cret ]]
	URL=${URL%%\?*}
	http GET /status
	[ "$CODE" = 401 ]
	[ "$BODY" = '{"error":"missing or wrong token"}' ]
	http POST /dsp --data-binary @"$DATA/osc-a.dsp" -H 'Authorization: Bearer wrong'
	[ "$CODE" = 401 ]
	http GET /status -H 'Authorization: Bearer s3cret'
	[ "$CODE" = 200 ]
	http GET '/status?token=s3cret'
	[ "$CODE" = 200 ]
}

@test "serve: listening beyond loopback without a token is refused" {
	run --separate-stderr adac-live serve --driver null --listen 0.0.0.0:0
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-live: error: listening on '0.0.0.0' needs --token: only loopback may go without" ]
}

@test "serve: an oversized body is refused with 413 and the service lives on" {
	serve_start --max-body 1000 > "$T/serve.out"
	head -c 5000 /dev/zero | tr '\0' ' ' > "$T/big"
	http POST /dsp --data-binary @"$T/big"
	[ "$CODE" = 413 ]
	[ "$BODY" = '{"error":"request body is larger than 1000 bytes"}' ]
	# and without a Content-Length (chunked)
	http POST /dsp --data-binary @"$T/big" -H 'Transfer-Encoding: chunked'
	[ "$CODE" = 413 ]
	http GET /status
	[ "$CODE" = 200 ]
}

@test "serve: junk sent over TCP and UDP does not bring the service down" {
	serve_start > "$T/serve.out"
	port=${URL#http://127.0.0.1:}
	port=${port%/}
	for junk in 'GET' $'\x00\xff\xfe garbage\r\n\r\n' $'POST /dsp HTTP/1.1\r\nContent-Length: -5\r\n\r\n' \
		$'GET /params/%00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' $'GET /../../etc/passwd HTTP/1.0\r\n\r\n'; do
		exec {fd}<>"/dev/tcp/127.0.0.1/$port"
		printf '%s' "$junk" >&$fd
		exec {fd}>&-
	done
	for junk in 'x' '/live/gain' $'/live/gain\x00\x00,f\x00\x00\x00' '#bundle'; do
		exec {fd}>"/dev/udp/127.0.0.1/$OSC"
		printf '%s' "$junk" >&$fd
		exec {fd}>&-
	done
	http GET /dsp/999999999999999999999
	[ "$CODE" = 404 ]
	http DELETE /dsp
	[ "$CODE" = 405 ]
	http GET /status -H 'Host: evil.example'
	[ "$CODE" = 403 ]
	http POST /params/x --data 1 -H 'Origin: http://evil.example'
	[ "$CODE" = 403 ]
	# a sandboxed iframe or a file:// page says "null": foreign too
	http POST /dsp --data-binary @"$DATA/osc-a.dsp" -H 'Origin: null'
	[ "$CODE" = 403 ]
	[ "$BODY" = '{"error":"cross-origin or foreign-host request refused"}' ]
	http GET /status -H "Origin: ${URL%/}"
	[ "$CODE" = 200 ]
	http GET /status
	[ "$CODE" = 200 ]
	kill -0 "$SERVE"
}

@test "serve: 500 slow connections without the token do not keep out a client with it" {
	serve_start --token s3cret --connections 256 > "$T/serve.out"
	URL=${URL%%\?*}
	port=${URL#http://127.0.0.1:}
	port=${port%/}
	# each sends part of its headers, then nothing (slowloris); beyond
	# 128 of them, the oldest are shut down
	fds=""
	for ((k = 0; k < 500; k++)); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$port"
		printf 'GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' >&$fd
		fds="$fds $fd"
	done
	for k in 1 2 3; do
		http GET /status -H 'Authorization: Bearer s3cret' --max-time 20
		[ "$CODE" = 200 ]
	done
	# and one that keeps still is shut down after 10 s (wait up to 20)
	exec {slow}<>"/dev/tcp/127.0.0.1/$port"
	printf 'GET /status HTTP/1.1\r\n' >&$slow
	run read -r -t 20 -u "$slow" line
	[ "$status" -eq 1 ]	# the end of the stream, not the timeout (> 128)
	exec {slow}>&-
	for fd in $fds; do
		exec {fd}>&-
	done
	http GET /status -H 'Authorization: Bearer s3cret'
	[ "$CODE" = 200 ]
}

@test "push: sends a program from stdin; a values-only change is applied without compiling" {
	serve_start > "$T/serve.out"
	run --separate-stderr adac-live push "$URL" - < "$DATA/values-a.dsp"
	[ "$status" -eq 0 ]
	[ "$(jq -r .load.status <<< "$output")" = swapped ]
	run --separate-stderr adac-live push "$URL" "$DATA/values-b.dsp"
	[ "$status" -eq 0 ]
	run jq -e '.load.status == "values" and .load.values_changed == 1
		and .load.compile_ms == null' <<< "$output"
	[ "$status" -eq 0 ]
	http GET /params/live/g
	[ "$BODY" = '{"address":"/live/g","value":0.125}' ]
}

@test "push: a program that does not compile is exit 2 with the compiler's message" {
	serve_start > "$T/serve.out"
	run --separate-stderr adac-live push "$URL" "$DATA/bad.dsp"
	[ "$status" -eq 2 ]
	[ "$output" = '{"error":"line 3: undefined symbol : nosuchthing"}' ]
	run --separate-stderr adac-live push http://127.0.0.1:1 "$DATA/bad.dsp"
	[ "$status" -eq 3 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-live: error: $DATA/bad.dsp: cannot connect to http://127.0.0.1:1: Connection refused" ]
}

@test "push: a URL that is not http://HOST:PORT is exit 2 and nothing is sent" {
	for url in ftp://127.0.0.1:1/ 'http://127.0.0.1:1/?token=x' \
		'http://127.0.0.1:1/#x' http://user@127.0.0.1:1/ http:// \
		http://127.0.0.1:99999/; do
		run --separate-stderr adac-live push "$url" "$DATA/gain.dsp"
		[ "$status" -eq 2 ]
		[ "$output" = "" ]
		[ "$stderr" = "adac-live: error: $DATA/gain.dsp: '$url' is not an http://HOST:PORT URL" ]
	done
}

@test "push: the token is sent; a program over --max-body is the service's 413, exit 2" {
	serve_start --token s3cret --max-body 1024 > "$T/serve.out"
	base=${URL%%\?*}
	run --separate-stderr adac-live push --token s3cret "$base" "$DATA/gain.dsp"
	[ "$status" -eq 0 ]
	[ "$(jq -r .load.status <<< "$output")" = swapped ]
	# a wrong token is the service's refusal, not the program's fault
	run --separate-stderr adac-live push --token wrong "$base" "$DATA/gain.dsp"
	[ "$status" -eq 3 ]
	[ "$output" = '{"error":"missing or wrong token"}' ]
	# 64 KB: the service answers from the headers and may close before
	# reading the body; its answer is what push reports
	{ cat "$DATA/gain.dsp"; head -c 65536 /dev/zero | tr '\0' ' '; } > "$T/big.dsp"
	run --separate-stderr adac-live push --token s3cret "$base" "$T/big.dsp"
	[ "$status" -eq 2 ]
	[ "$output" = '{"error":"request body is larger than 1024 bytes"}' ]
	[ "$stderr" = "" ]
}

@test "serve: the browser page moves a slider and the value changes on the server" {
	command -v chromium >/dev/null || skip "chromium is not installed (scripts/install-deps.sh installs it)"
	serve_start "$DATA/osc-a.dsp" > "$T/serve.out"
	http GET /params/live/gain
	[ "$BODY" = '{"address":"/live/gain","value":0.5}' ]
	# the page builds its sliders from GET /ui; ?move= drags one (an input
	# event, as a user's drag fires) once it is built
	run timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic \
		--disable-background-networking --disable-component-update --disable-sync \
		--no-first-run --user-data-dir="$T/chromium" --virtual-time-budget=5000 \
		--dump-dom "${URL}?move=/live/gain=0.75"
	[ "$status" -eq 0 ]
	[[ $output == *'data-address="/live/gain"'* ]]
	for ((i = 0; i < 200; i++)); do
		http GET /params/live/gain
		jq -e '.value != 0.5' <<< "$BODY" >/dev/null && break
		nap 0.01
	done
	# the slider's step is 0.001: it lands within one step of 0.75
	run jq -e '.value > 0.749 and .value < 0.751' <<< "$BODY"
	[ "$status" -eq 0 ]
}

@test "adac-live: the jack driver is a JACK client named after the program, and reloads" {
	command -v jackd >/dev/null || skip "jackd (jackd2) is not installed"
	export JACK_DEFAULT_SERVER="adac-live-test-$$-$BATS_TEST_NUMBER" JACK_NO_AUDIO_RESERVATION=1
	# a server of its own, on the dummy backend: no sound card needed
	start jackd -n "$JACK_DEFAULT_SERVER" -d dummy -r 48000 -p 256
	jack=$BGPID
	for ((i = 0; i < 500; i++)); do
		jack_lsp >/dev/null 2>&1 && break
		nap 0.02
	done
	cp "$DATA/osc-a.dsp" "$T/live.dsp"
	start adac-live run --driver jack --seconds 600 --set gain=0.25 --log "$T/log" "$T/live.dsp"
	pid=$BGPID
	started "$T/log"
	[[ $(jack_lsp) == *live:out_1* ]]
	replace "$T/live.dsp" "$DATA/osc-b.dsp" 1
	wait_for 1 "$T/log" '"event":"reload"'
	stop "$pid"
	[ "$STOPPED" -eq 0 ]
	run jq -e -s '([.[] | select(.event == "reload")][0] |
			.status == "swapped" and .params_kept == 1)
		and .[-1].event == "end" and .[-1].frames > 0 and .[-1].nonfinite == 0
		and .[-1].peak > 0.2 and .[-1].peak <= 0.3536' "$T/log"
	[ "$status" -eq 0 ]
	stop "$jack"
}

@test "adac-emit --live: a training step that changes trained values only is applied without compiling" {
	# two training steps of the same network: only the output gains move
	adac-lower "$BATS_TEST_DIRNAME/../../examples/fdn4-adac.json" | adac-certify > "$T/a.json"
	jq '.graph.of[0].of[2].data = [[0.2, 0.2, 0.2, 0.2]]' "$T/a.json" | adac-certify > "$T/b.json"
	adac-emit --live -o "$T/a.dsp" "$T/a.json"
	adac-emit --live -o "$T/b.dsp" "$T/b.json"
	# the live program still equals the model
	adac-diff "$T/a.json" "$T/a.dsp" > /dev/null
	cp "$T/a.dsp" "$T/live.dsp"
	start adac-live run --driver null --seconds 600 --backend interp \
		--log "$T/log" "$T/live.dsp"
	pid=$BGPID
	started "$T/log"
	replace "$T/live.dsp" "$T/b.dsp"
	wait_for 1 "$T/log" '"event":"reload"'
	stop "$pid"
	run jq -e -s '.[1].status == "values" and .[1].values_changed == 4
		and .[1].compile_ms == null' "$T/log"
	[ "$status" -eq 0 ]
}
