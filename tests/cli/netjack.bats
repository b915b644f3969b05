#!/usr/bin/env bats
# Remote audio on one machine: a JACK server with jack2's network
# manager plays the listening machine (the "master"), a second JACK
# server whose driver is the network plays the training machine, and
# adac-live runs against the second.  What it computes must arrive at the
# first, where it is recorded and checked.  The two servers talk over UDP
# on 127.0.0.1 (the network server is given the manager's address, -a,
# so no multicast is needed).  Every server and client is the test's own,
# by name, and is stopped in teardown, pass or fail.

bats_require_minimum_version 1.5.0

setup() {
	DATA="$BATS_TEST_DIRNAME/../data/live"
	T="$BATS_TEST_TMPDIR"
	PIDS=""
	for c in jackd jack_load jack_lsp jack_rec; do
		command -v "$c" > /dev/null || skip "$c is not installed (jackd2)"
	done
	command -v /usr/bin/python3 > /dev/null &&
		/usr/bin/python3 -c 'import numpy, soundfile' 2> /dev/null ||
		skip "no python3-numpy and python3-soundfile to read the recording"
	MASTER="adac-master-$$-$BATS_TEST_NUMBER"
	SLAVE="adac-slave-$$-$BATS_TEST_NUMBER"
	NET="adacnet$$"
	export JACK_NO_START_SERVER=1
}

teardown() {
	local p
	# clients first, then the network server, then the one it feeds
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# start CMD...: run in the background (fd 3 closed so bats does not wait);
# teardown stops them in the order they were started, last first
start() {
	"$@" 3>&- &
	PIDS="$! $PIDS"
	BGPID=$!
}

# nap SECONDS: sleep without starting a process (read from a silent pipe)
nap() {
	[ -n "${NAPFD:-}" ] || exec {NAPFD}<> <(:)
	read -r -t "$1" -u "$NAPFD" || true
}

# until SERVER PATTERN: until jack_lsp -c on SERVER prints PATTERN (60 s,
# a bound on a busy machine, not a claim about speed)
until_ports() {
	local i
	for ((i = 0; i < 600; i++)); do
		jack_lsp -s "$1" -c 2> /dev/null > "$T/lsp" || true
		grep -qF -- "$2" "$T/lsp" && return 0
		nap 0.1
	done
	echo "# no '$2' on $1:" >&3
	sed 's/^/#   /' "$T/lsp" >&3
	return 1
}

@test "netjack: adac-live on a network JACK server is heard on the master it feeds" {
	start jackd -n "$MASTER" -d dummy -r 48000 -p 256 > "$T/master.log" 2>&1
	until_ports "$MASTER" system:playback_1
	jack_load -s "$MASTER" netmanager > "$T/load.log" 2>&1
	start jackd -n "$SLAVE" -d net -a 127.0.0.1 -C 0 -P 2 -n "$NET" \
		> "$T/slave.log" 2>&1
	# the master sees the network server as a client with its ports
	until_ports "$MASTER" "$NET:from_slave_1"
	until_ports "$MASTER" "$NET:from_slave_2"
	# the network server's playback ports are its physical ones
	JACK_DEFAULT_SERVER=$SLAVE start adac-live run --driver jack --connect \
		--backend interp --seconds 600 "$DATA/sine.dsp" > "$T/run.log" 2> "$T/run.err"
	until_ports "$SLAVE" "sine:out_1"
	jack_lsp -s "$SLAVE" -c > "$T/lsp"
	grep -A1 -x 'sine:out_1' "$T/lsp" | grep -qx '   system:playback_1'
	# one second of what reaches the master, as float
	JACK_DEFAULT_SERVER=$MASTER run timeout 60 jack_rec -f "$T/cap.wav" -b 32 \
		-d 1 "$NET:from_slave_1"
	[ "$status" -eq 0 ]
	# 0.5 sin(2 pi 440 t): rising zero crossings (interpolated) are
	# 48000 / 440 = 109.09 samples apart, so the median gap is 440.0 Hz
	# to 0.1 Hz (each crossing is off by well under a sample, and the
	# median ignores the few gaps a lost packet makes on a busy machine);
	# the largest sample is 0.5 cos(theta) with theta at most half a
	# sample step, pi 440 / 48000, so above 0.49979, and a 32-bit sample
	# adds under 1e-9
	run /usr/bin/python3 -c '
import sys, numpy as np, soundfile as sf
x, fs = sf.read(sys.argv[1])
i = np.nonzero((x[:-1] < 0) & (x[1:] >= 0))[0]
t = i + x[i] / (x[i] - x[i + 1])
print(fs, len(x), "%.1f" % (fs / np.median(np.diff(t))),
      int(0.49979 <= np.max(np.abs(x)) <= 0.5 + 1e-6))' "$T/cap.wav"
	echo "$output"
	[ "$output" = "48000 48000 440.0 1" ]
	[ ! -s "$T/run.err" ]
}
