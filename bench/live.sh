#!/bin/sh
# bench/live.sh - adac-live's write-to-audible latency: a program is
# rewritten (in place, by the shell) while adac-live run plays it through
# the null driver, and the reload log says when the audio thread first
# computed a block with the new program.  For emitted FDNs of 4, 16 and
# 64 lines (tests/data/live/fdn-ir.sh | adac-certify | adac-emit):
#   - reload: a new text each time (an unused definition changes), by the
#     interpreter and by the LLVM JIT, no cache: median and p95 of
#     compile and write-to-audible times;
#   - values: the same network with its per-line gains as hidden
#     nentries (what adac-emit --live is meant to write), rewritten with
#     other gains: applied without compiling;
#   - the same two inside a host: adac-live.lv2 run by liblilv at real
#     time (bench/live_lv2.c), its reload_ms port;
#   - cold build: the first factory of a fresh adac-live process, by
#     backend, against faust -lang cpp plus g++ -O3 -c of the program.
# RELOADS (default 15) rewrites per row, NICE a niceness for adac-live.  Figures are wall-clock times on
# whatever else the machine runs (compare rows of one run), except "cpu
# ms": the process's CPU time while compiling, which a busy machine does
# not inflate.  "write" is the file's mtime, which the kernel takes from a
# clock that ticks every few ms; "detect" is when the inotify event was
# read: the truth lies between the two.
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/$BUILD/bin
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
reloads=${RELOADS:-15}
# NICE=-20 (as root) runs adac-live ahead of whatever else the machine
# runs: closer to the figures of an idle machine
nice=${NICE:+nice -n $NICE}

for p in adac-live adac-certify adac-emit; do
	if [ ! -x "$bin/$p" ]; then
		echo "skipped: $bin/$p is not built"
		exit 0
	fi
done

now_ms() {
	date +%s%3N
}

# gen N SEED: the emitted N-line FDN with gains of SEED
gen() {
	"$top/tests/data/live/fdn-ir.sh" "$1" "$2" | "$bin/adac-certify" |
		"$bin/adac-emit" > "$tmp/fdn$1-$2.dsp"
}

# live N SEED: the same with each per-line gain a hidden nentry
live() {
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
	} { print }' "$tmp/fdn$1-$2.dsp" > "$tmp/live$1-$2.dsp"
}

# wait_lines N PATTERN: until the log has N lines with PATTERN (60 s)
wait_lines() {
	i=0
	while c=$(grep -c "$2" "$tmp/log" 2>/dev/null); [ "${c:-0}" -lt "$1" ]; do
		i=$((i + 1))
		[ "$i" -gt 6000 ] && return 1
		sleep 0.01
	done
}

# stats KEY: "median p95" of KEY over the reload lines of the log
stats() {
	grep '"event":"reload"' "$tmp/log" |
		sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" | sort -n |
		awk '{ v[NR] = $1 } END {
			if (NR == 0) { print "- -"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			p = v[int(0.95 * (NR - 1)) + 1]
			printf "%.1f %.1f\n", m, p }'
}

# measure BACKEND COMMENT FILE...: rewrite the files in turn, RELOADS times
measure() {
	backend=$1 comment=$2
	shift 2
	for f in "$@"; do :; done
	cp "$f" "$tmp/run.dsp"	# start from the last: the first write differs
	rm -f "$tmp/log"
	$nice "$bin/adac-live" run --driver null --seconds 36000 --backend "$backend" \
		--cache 0 --log "$tmp/log" "$tmp/run.dsp" 2>>"$tmp/err" &
	pid=$!
	wait_lines 1 '"event":"start"' || return 1
	k=0
	while [ "$k" -lt "$reloads" ]; do
		for f in "$@"; do
			[ "$k" -ge "$reloads" ] && break
			k=$((k + 1))
			text=$(cat "$f")
			if [ "$comment" = yes ]; then
				printf '%s\nrewrite = %d;\n' "$text" "$k" > "$tmp/run.dsp"
			else
				printf '%s\n' "$text" > "$tmp/run.dsp"
			fi
			wait_lines "$k" '"event":"reload"' || break
		done
	done
	kill "$pid"
	wait "$pid" 2>/dev/null
	pid=
}

printf '%-8s %-22s %8s %8s %8s %10s %10s %10s\n' program path "compile" "ms" "cpu ms" "write-to-" "audible ms" "detect-to-"
printf '%-8s %-22s %8s %8s %8s %10s %10s %10s\n' "" "" median p95 median median p95 median
for n in ${SIZES:-4 16 64}; do
	gen "$n" 1 && gen "$n" 2 && live "$n" 1 && live "$n" 2 || {
		echo "fdn$n: could not emit"
		continue
	}
	for backend in interp llvm; do
		if measure "$backend" yes "$tmp/fdn$n-1.dsp"; then
			set -- $(stats compile_ms) $(stats compile_cpu_ms) \
				$(stats write_to_audible_ms) $(stats detect_to_audible_ms)
			printf '%-8s %-22s %8s %8s %8s %10s %10s %10s\n' "fdn$n" "reload, $backend" \
				"$1" "$2" "$3" "$5" "$6" "$7"
		fi
	done
	if measure interp no "$tmp/live$n-2.dsp" "$tmp/live$n-1.dsp"; then
		count=$(grep -c '"status":"values"' "$tmp/log")
		set -- $(stats write_to_audible_ms) $(stats detect_to_audible_ms)
		printf '%-8s %-22s %8s %8s %8s %10s %10s %10s\n' "fdn$n" "values ($count of $reloads)" \
			- - - "$1" "$2" "$3"
	fi
	# the same inside a host: adac-live.lv2 run by liblilv at real time
	# (the plugin compiles with LLVM; its status port gives the time)
	if [ -x "$top/$BUILD/bench/live_lv2" ]; then
		set -- $(ADAC_BENCH_BUILD="$top/$BUILD" "$top/$BUILD/bench/live_lv2" \
			reload "$reloads" "$tmp/fdn$n-1.dsp")
		printf '%-8s %-22s %8s %8s %8s %10s %10s %10s\n' "fdn$n" "reload, lv2 plugin" \
			- - - "$1" "$2" -
		set -- $(ADAC_BENCH_BUILD="$top/$BUILD" "$top/$BUILD/bench/live_lv2" \
			values "$reloads" "$tmp/live$n-2.dsp" "$tmp/live$n-1.dsp")
		printf '%-8s %-22s %8s %8s %8s %10s %10s %10s\n' "fdn$n" "values, lv2 ($3 of $reloads)" \
			- - - "$1" "$2" -
	fi
done

echo
printf '%-8s %22s %22s %22s\n' program "interp factory ms" "LLVM factory ms" "faust + g++ -O3 ms"
for n in ${SIZES:-4 16 64}; do
	f=$tmp/fdn$n-1.dsp
	[ -f "$f" ] || continue
	ji=$("$bin/adac-live" run --driver null --frames 0 --backend interp "$f" 2>/dev/null |
		sed -n 's/.*"event":"start".*"compile_ms":\([0-9.]*\).*/\1/p')
	jl=$("$bin/adac-live" run --driver null --frames 0 --backend llvm "$f" 2>/dev/null |
		sed -n 's/.*"event":"start".*"compile_ms":\([0-9.]*\).*/\1/p')
	t1=$(now_ms)
	faust -lang cpp -o "$tmp/x.cpp" "$f" 2>/dev/null &&
		g++ -O3 -c -o "$tmp/x.o" -include faust/dsp/dsp.h -include faust/gui/meta.h \
			-include faust/gui/UI.h "$tmp/x.cpp" 2>/dev/null
	t2=$(now_ms)
	printf '%-8s %22s %22s %22s\n' "fdn$n" "${ji:--}" "${jl:--}" "$((t2 - t1))"
done
