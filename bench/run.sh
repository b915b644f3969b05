#!/bin/sh
# make bench: run every bench/*.sh in turn.  Each prints its own table,
# with its ratios measured side by side in the same run.
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
PATH=$top/$BUILD/bin:$PATH
export PATH BUILD ADAC_BENCH_BUILD="$top/$BUILD"
status=0
for b in bench/*.sh; do
	[ "$b" = bench/run.sh ] && continue
	echo "== $b"
	sh "$b" || status=1
	echo
done
exit $status
