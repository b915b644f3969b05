#!/bin/sh
# adac_compare when the outputs differ and it searches ±1024 lags for the
# shift (build/bench/compare_time): median CPU ms in process, at lengths
# from 0.1 s to 2 s at 48 kHz.  The search looks at the first 65536
# samples at most, so 96000 costs what 65536 does.
set -e
dir=$(cd "$(dirname "$0")" && pwd)
bin=${ADAC_BENCH_BUILD:-$dir/../build}/bench/compare_time
if [ ! -x "$bin" ]; then
	echo "skipped: $bin is not built (make bench builds it)"
	exit 0
fi
printf '%-8s %10s %5s\n' length "cpu ms" lag
for n in 4800 24000 48000 96000; do
	set -- $("$bin" "$n" "${RUNS:-5}")
	printf '%-8s %10s %5s\n' "$n" "$1" "$2"
done
