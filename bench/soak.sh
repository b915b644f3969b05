#!/usr/bin/env bash
# bench/soak.sh - adac-live serve for DURATION seconds (default 600)
# under a mixed load, as a long training session next to a DAW and a
# hostile neighbour would give it:
#   - every second a push: mostly value-only training steps of a
#     16-line FDN (adac-emit --live style), every third a structural
#     change that compiles;
#   - every 5 s the watched file is rewritten, in place or atomically;
#   - every 7 s a program that does not compile;
#   - every 11 s a hostile one, in turn: par(i, 100000, _), _ @ (1<<30),
#     os.osc * 1e30, import("/etc/passwd"), a 512 MB delay line, bytes
#     that are not UTF-8;
#   - all along, parameter floods over HTTP and OSC (values in and out of
#     range);
#   - every 60 s, 300 connections that send half a header (slowloris)
#     for 15 s.
# Every 10 s it samples the service's RSS, descriptors and compile
# workers, and checks that it lives and answers GET /status.  At the end:
# RSS and descriptors (first, last, largest), the answers by status,
# p50/p95 write-to-audible of compiled and value-only reloads (from the
# reload log: request or write to the first block computed), and whether
# the process ever died.  Not part of make check; make bench runs it only
# with SOAK=1.
set -u
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/$BUILD/bin
duration=${DURATION:-600}

if [ -n "${ADAC_BENCH_BUILD:-}" ] && [ -z "${SOAK:-}" ]; then
	echo "skipped: the soak runs for $duration s; run it with SOAK=1"
	exit 0
fi
for p in adac-live adac-certify adac-emit; do
	if [ ! -x "$bin/$p" ]; then
		echo "skipped: $bin/$p is not built"
		exit 0
	fi
done

tmp=$(mktemp -d)
pid=
bg=()
cleanup() {
	local p
	for p in "${bg[@]}"; do
		kill "$p" 2>/dev/null
	done
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

now_s() {
	date +%s
}

# the network, certified and emitted; its per-line gains as live values
"$top/tests/data/live/fdn-ir.sh" 16 1 | "$bin/adac-certify" | "$bin/adac-emit" > "$tmp/fdn.dsp" || exit 1
awk '/^gains = / { on = 1 }
on {
	out = ""; rest = $0
	while (match(rest, /\*\([-0-9.e]+\)/)) {
		v = substr(rest, RSTART + 2, RLENGTH - 3)
		out = out substr(rest, 1, RSTART - 1) \
		      sprintf("*(nentry(\"g%d[hidden:1]\", %s, 0, 1, 0))", k++, v)
		rest = substr(rest, RSTART + RLENGTH)
	}
	print out rest
	if ($0 ~ /;[ \t]*$/) on = 0
	next
} { print }' "$tmp/fdn.dsp" > "$tmp/live.dsp"
# a training step: the same text with other init values of the gains
step() {
	awk -v s="$1" '{
		out = ""; rest = $0
		while (match(rest, /hidden:1\]", [0-9.]+/)) {
			out = out substr(rest, 1, RSTART + 11) \
			      sprintf("%.6f", 0.9 + 0.09 * ((s * 7 + n++) % 10) / 10)
			rest = substr(rest, RSTART + RLENGTH)
		}
		print out rest
	}' "$tmp/live.dsp"
	printf 'rewrite = %d;\n' "$2"
}

cp "$tmp/fdn.dsp" "$tmp/watched.dsp"
"$bin/adac-live" serve --driver null --listen 127.0.0.1:0 --osc-port 0 \
	--compile-cpu 5 --compile-wall 20 --log "$tmp/log" "$tmp/watched.dsp" \
	> "$tmp/out" 2> "$tmp/err" &
pid=$!
for ((i = 0; i < 600; i++)); do
	grep -q '^osc://' "$tmp/out" 2>/dev/null && break
	sleep 0.05
done
url=$(sed -n 1p "$tmp/out")
url=${url%/}
osc=$(sed -n 's|^osc://127.0.0.1:\([0-9]*\)/$|\1|p' "$tmp/out")
port=${url##*:}
if [ -z "$osc" ]; then
	echo "adac-live serve did not start:"
	cat "$tmp/err"
	exit 1
fi
answers=$tmp/answers
: > "$answers"

# code: POST the file to PATH and note the answer's status
post() {
	curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 -X POST \
		--data-binary "@$2" "$url$1" >> "$answers"
}

# parameter floods: HTTP (in range and out) and raw OSC over UDP
(
	while :; do
		for v in 0.1 0.5 7 -3 3.4e38; do
			curl -s -o /dev/null --max-time 5 -X POST --data "$v" \
				"$url/params/g3" 2>/dev/null
		done
	done
) &
bg+=($!)
(
	exec 3>"/dev/udp/127.0.0.1/$osc"
	while :; do
		# "/fdn16/g5\0\0\0" ",f\0\0" float 0.5 / 9.0
		printf '/fdn16/g5\0\0\0,f\0\0\x3f\x00\x00\x00' >&3
		printf '/fdn16/g5\0\0\0,f\0\0\x41\x10\x00\x00' >&3
		printf 'junk' >&3
		sleep 0.002
	done
) &
bg+=($!)

hostile=(
	'process = par(i, 100000, _);'
	'process = _ @ (1<<30);'
	'import("stdfaust.lib"); process = os.osc(440) * 1e30;'
	'import("/etc/passwd"); process = 0;'
	'process = _ @ (1<<26);'
	$'process = 0; // \xff\xfe'
)
samples=$tmp/samples
: > "$samples"
died=0
t0=$(now_s)
k=0
rw=0
next_sample=$t0
next_slow=$((t0 + 30))
slow_until=0
slowfds=()
while :; do
	t=$(now_s)
	[ $((t - t0)) -ge "$duration" ] && break
	k=$((k + 1))
	# a training step (new values), and every fourth a structural change
	((k % 4 == 1)) && rw=$k
	step "$k" "$rw" > "$tmp/push.dsp"
	post '/dsp?run=1&name=fdn16' "$tmp/push.dsp"
	if ((k % 5 == 0)); then
		if ((k % 10)); then
			{ cat "$tmp/fdn.dsp"; printf 'watched = %d;\n' "$k"; } > "$tmp/watched.dsp"
		else
			{ cat "$tmp/fdn.dsp"; printf 'watched = %d;\n' "$k"; } > "$tmp/w.tmp"
			mv "$tmp/w.tmp" "$tmp/watched.dsp"
		fi
	fi
	if ((k % 7 == 0)); then
		printf 'process = nosuchthing;\n' > "$tmp/bad.dsp"
		post '/dsp?run=1' "$tmp/bad.dsp"
	fi
	if ((k % 11 == 0)); then
		printf '%s\n' "${hostile[$(((k / 11) % ${#hostile[@]}))]}" > "$tmp/hostile.dsp"
		post '/dsp?run=1' "$tmp/hostile.dsp" &
		bg+=($!)
	fi
	if [ "$t" -ge "$next_slow" ] && [ "${#slowfds[@]}" -eq 0 ]; then
		for ((j = 0; j < 300; j++)); do
			exec {fd}<>"/dev/tcp/127.0.0.1/$port" || break
			printf 'GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' >&$fd
			slowfds+=("$fd")
		done
		slow_until=$((t + 15))
		next_slow=$((t + 60))
	fi
	if [ "${#slowfds[@]}" -gt 0 ] && [ "$t" -ge "$slow_until" ]; then
		for fd in "${slowfds[@]}"; do
			exec {fd}>&-
		done
		slowfds=()
	fi
	if [ "$t" -ge "$next_sample" ]; then
		if ! kill -0 "$pid" 2>/dev/null; then
			died=1
			break
		fi
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
		fds=$(ls "/proc/$pid/fd" | wc -l)
		workers=$(pgrep -c -P "$pid" 2>/dev/null || echo 0)
		set -- $(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5 "$url/status")
		echo "$((t - t0)) $rss $fds $workers $1 $2" >> "$samples"
		next_sample=$((t + 10))
	fi
	sleep 1
done
for p in "${bg[@]}"; do
	kill "$p" 2>/dev/null
done
wait "${bg[@]}" 2>/dev/null
bg=()
for fd in "${slowfds[@]}"; do
	exec {fd}>&-
done
# the service once the load has stopped: what stays is what leaks
settled=
if [ "$died" -eq 0 ] && kill -0 "$pid" 2>/dev/null; then
	sleep 3
	settled="$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status") MB RSS, $(ls "/proc/$pid/fd" | wc -l) descriptors"
fi
status=dead
if [ "$died" -eq 0 ] && kill -0 "$pid" 2>/dev/null; then
	kill -TERM "$pid"
	wait "$pid"
	status=$?
fi
pid=

# p50 p95 of KEY over reload lines matching PATTERN
pct() {
	grep '"event":"reload"' "$tmp/log" | grep -- "$2" |
		sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" | sort -n |
		awk '{ v[NR] = $1 } END {
			if (NR == 0) { print "- - 0"; exit }
			printf "%.1f %.1f %d\n", v[int(0.5 * (NR - 1)) + 1], v[int(0.95 * (NR - 1)) + 1], NR }'
}

echo "adac-live serve, $duration s of mixed load ($(nproc) CPUs, load average now $(cut -d' ' -f1-3 /proc/loadavg))"
awk 'NR == 1 { r0 = $2; f0 = $3 } { if ($2 > rmax) rmax = $2; if ($3 > fmax) fmax = $3
	if ($4 > wmax) wmax = $4; if ($5 != 200) bad++; r = $2; f = $3; n++ }
	END { printf "RSS MB: first %.1f, last %.1f, largest %.1f\n", r0 / 1024, r / 1024, rmax / 1024
	      printf "descriptors: first %d, last %d, largest %d\n", f0, f, fmax
	      printf "compile workers at once, largest: %d\n", wmax
	      printf "samples: %d, GET /status not 200: %d\n", n, bad + 0 }' "$samples"
# RSS along the run: a leak climbs, a cache filling up levels off
awk '{ r[NR] = $2 } END { printf "RSS MB at 0, 25, 50, 75, 100 %% of the run:"
	for (q = 0; q <= 4; q++) printf " %.1f", r[int(q * (NR - 1) / 4) + 1] / 1024; print "" }' "$samples"
sort -n -k6 "$samples" | awk '{ v[NR] = $6 * 1000 } END {
	printf "GET /status under the load, ms: p50 %.1f, p95 %.1f, largest %.1f\n",
	       v[int(0.5 * (NR - 1)) + 1], v[int(0.95 * (NR - 1)) + 1], v[NR] }'
echo "after the load stopped: $settled"
printf 'answers to POST /dsp by status:'
sort "$answers" | uniq -c | awk '{ printf " %s:%d", $2, $1 } END { print "" }'
printf 'log: '
for s in swapped values failed; do
	printf '%s %d, ' "$s" "$(grep -c "\"status\":\"$s\"" "$tmp/log")"
done
printf 'muted %d, upgrades %d\n' "$(grep -c '"event":"muted"' "$tmp/log")" \
	"$(grep -c '"event":"upgrade"' "$tmp/log")"
set -- $(pct write_to_audible_ms '"status":"swapped"')
echo "write to audible, compiled reloads: p50 $1 ms, p95 $2 ms ($3)"
set -- $(pct write_to_audible_ms '"status":"values"')
echo "write to audible, value-only: p50 $1 ms, p95 $2 ms ($3)"
if [ "$died" -eq 0 ] && [ "$status" = 0 ]; then
	echo "the process never died, and stopped with status 0"
else
	echo "THE PROCESS DIED (or stopped with status $status)"
	tail -5 "$tmp/err"
	exit 1
fi
