#!/bin/sh
# make demo: the whole pipeline on the bundled 4-line FDN in the reference
# implementation's format, as a user types it.  Outputs go to $BUILD/demo.
set -eu
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
PATH=$top/$BUILD/bin:$PATH
out=$BUILD/demo
mkdir -p "$out"
cd "$top"

run() {
	printf '$ %s\n' "$*"
	sh -c "$*"
}

run "adac-lower examples/fdn4-adac.json | adac-certify --report -o $out/fdn4.ir.json"
run "adac-ir show $out/fdn4.ir.json"
run "adac-emit -o $out/fdn4.dsp $out/fdn4.ir.json"
run "adac-diff $out/fdn4.ir.json $out/fdn4.dsp | jq .overall"
run "adac-diff --double $out/fdn4.ir.json $out/fdn4.dsp | jq .overall"
run "adac-ir impulse -f wav -o $out/fdn4.wav $out/fdn4.ir.json"
echo
echo "demo: wrote $out/fdn4.dsp (FAUST) and $out/fdn4.wav (its impulse response)"
