#!/bin/sh
# The certifier's property test (tests/unit/test_property.c) as a
# campaign: batches of random networks, each from a new seed, until
# FUZZ_SECONDS have passed; a network certified stable whose simulated
# response grows is a finding, printed with its seed and document.  The
# first seed comes from the clock and is printed, so that a finding can
# be replayed with
#   ADAC_PROPERTY_SEED=S ADAC_PROPERTY_N=25 build/tests/test_property
# make check runs seed 1 (150 networks) every time.
bin=${BUILD:-build}/tests/test_property
[ -x "$bin" ] || { echo "fuzz property: $bin is not built (make fuzz builds it)"; exit 1; }
batch=25
seed=$(date +%s)
first=$seed
start=$(date +%s)
n=0
found=0
log=$FUZZ_WORK/property.log
: > "$log"
while :; do
	if ! ADAC_PROPERTY_N=$batch ADAC_PROPERTY_SEED=$seed OPENBLAS_NUM_THREADS=1 \
	     nice -n 10 "$bin" >> "$log" 2>&1; then
		found=$((found + 1))
		echo "fuzz property: seed $seed fails; see $log"
	fi
	n=$((n + batch))
	seed=$((seed + 1))
	[ $(( $(date +%s) - start )) -lt "$FUZZ_SECONDS" ] || break
done
secs=$(( $(date +%s) - start ))
echo "fuzz property: $n networks in $secs s from seeds $first..$((seed - 1)), $found findings"
[ "$found" -eq 0 ]
