#!/bin/sh
# libfuzzer.sh TARGET: one libFuzzer campaign, for the campaign scripts.
#
# 1. Replay fuzz/corpus/TARGET/, the inputs earlier campaigns found (each
#    is also a regression test): any crash, leak or finding fails.
# 2. Fuzz for FUZZ_SECONDS from a corpus kept in FUZZ_WORK, seeded with
#    every JSON document in tests/data and examples (up to 32 KB) and
#    fuzz/corpus/TARGET, with fuzz/json.dict, under nice.
# 3. Print "fuzz TARGET: E execs in S s (R/s), C corpus inputs, F findings"
#    and keep what crashed in FUZZ_WORK/crash-*.
# With FUZZ_KEEP_GOING=1 a campaign goes on after a finding (libFuzzer's
# fork mode), to find the next one; it still fails at the end.
set -u
target=$1
bin=$FUZZ_BUILD/fuzz_$target
regress=fuzz/corpus/$target
corpus=$FUZZ_WORK/corpus
seeds=$FUZZ_WORK/seeds
log=$FUZZ_WORK/log
# a hang is 60 s of wall time: the machine may be loaded, and nice; the
# allocator's limit catches a runaway allocation as a finding
opts="-timeout=60 -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=32768"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
# OpenBLAS's threads spin in sched_yield while they wait for each other:
# on a loaded machine a 2 × 2 solve took a minute and read as a hang
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if [ ! -x "$bin" ]; then
	echo "fuzz $target: $bin is missing; run make fuzz-build"
	exit 1
fi
mkdir -p "$corpus" "$seeds"
if [ -d "$regress" ] && [ -n "$(ls "$regress")" ]; then
	# shellcheck disable=SC2086
	if ! "$bin" $opts -runs=1 "$regress"/* >"$log" 2>&1; then
		tail -n 30 "$log"
		echo "fuzz $target: a regression input fails again ($regress)"
		exit 1
	fi
fi
find tests/data examples -name '*.json' -size -33k | while read -r f; do
	cp "$f" "$seeds/$(echo "$f" | tr / _)"
done
if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
	opts="$opts -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
fi
start=$(date +%s)
touch "$FUZZ_WORK/.start"
# shellcheck disable=SC2086
nice -n 10 "$bin" $opts -dict=fuzz/json.dict -max_total_time="$FUZZ_SECONDS" \
	-print_final_stats=1 -artifact_prefix="$FUZZ_WORK/" \
	"$corpus" "$seeds" ${regress:+$( [ -d "$regress" ] && echo "$regress")} \
	>"$log" 2>&1
status=$?
secs=$(( $(date +%s) - start ))
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
if [ -z "$execs" ]; then	# fork mode: "#E: cov: ... exec/s: R ..."
	execs=$(sed -n 's/^#\([0-9]*\): cov:.*/\1/p' "$log" | tail -n 1)
	rate=$(sed -n 's/^#[0-9]*: cov:.* exec\/s: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
fi
size=$(ls "$corpus" | wc -l)
# what this run found, not what earlier runs left
found=$(find "$FUZZ_WORK" -maxdepth 1 -newer "$FUZZ_WORK/.start" \( \
	-name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) |
	wc -l)
[ "$found" -eq 0 ] || status=1
echo "fuzz $target: ${execs:-0} execs in $secs s (${rate:-0}/s), $size corpus inputs, $found findings"
if [ "$status" -ne 0 ]; then
	grep -E 'ERROR|fuzz:|SUMMARY|==[0-9]+==' "$log" | head -n 20
	echo "fuzz $target: failed, see $log and $FUZZ_WORK/"
	exit 1
fi
