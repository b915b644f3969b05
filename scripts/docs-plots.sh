#!/bin/sh
# Regenerate the example plots in docs/ from tests/data/plot/fdn8-rt60.json,
# a lossless 8-line Householder FDN with an rt60 knob:
#   docs/fdn8-overview.svg   impulse response, energy decay and magnitude
#                            response of both output paths at rt60 = 2 s
#   docs/fdn8-rt60-edc.svg   energy decay of the left output at rt60 = 0.5,
#                            2 and 5 s, each with its measured T60
# Needs adac-ir (with plot) and jq on PATH.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# labels are the names as given: run where the names read well
cd "$top/tests/data/plot"
adac-ir plot --kind all -n 96000 -o "$top/docs/fdn8-overview.svg" \
	fdn8-rt60.json

# one output, so that each setting is one curve
jq '.outputs = 1 | .graph.of[2].data |= [.[0]]' fdn8-rt60.json \
	> "$tmp/fdn8-left.json"
cd "$tmp"
for t in 0.5 2 5; do
	adac-ir impulse -n 288000 --set "rt60=$t" -o "rt60 $t s.wav" \
		fdn8-left.json
done
adac-ir plot --kind edc -n 288000 \
	--compare "rt60 2 s.wav" --compare "rt60 5 s.wav" \
	-o "$top/docs/fdn8-rt60-edc.svg" "rt60 0.5 s.wav"
