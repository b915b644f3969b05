#!/bin/sh
# Run every fuzzing campaign, fuzz/campaign-*.sh, in turn (make fuzz,
# make fuzz-smoke).  A campaign is a shell script that reads FUZZ_BUILD
# (where the targets are), FUZZ_SECONDS (how long to fuzz) and FUZZ_WORK
# (a directory of its own to keep its corpus in), prints a summary line
# "fuzz NAME: ..." and exits non-zero when it found something.  Add one
# by adding a script; this one prints "N campaigns, N failed".
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
FUZZ_BUILD=${FUZZ_BUILD:-build/fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-180}
export FUZZ_BUILD FUZZ_SECONDS
n=0
failed=0
for c in fuzz/campaign-*.sh; do
	name=${c#fuzz/campaign-}
	name=${name%.sh}
	FUZZ_WORK=$FUZZ_BUILD/work/$name
	export FUZZ_WORK
	mkdir -p "$FUZZ_WORK"
	n=$((n + 1))
	sh "$c" || failed=$((failed + 1))
done
echo "$n campaigns, $failed failed"
[ "$failed" -eq 0 ]
