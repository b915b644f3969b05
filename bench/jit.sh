#!/bin/sh
# bench/jit.sh - libfaust compile time and run-time speed (× real time,
# one core, 48 kHz, 256-frame blocks) of FAUST programs through
# lib/faust_jit: the hand-written fixtures of tests/data/diff and, when
# adac-emit is built, emitted FDNs of 4, 16 and 64 lines, and
# examples/fdn4-mod.json beside its lines fixed (fdn4-fixed).  Four columns of
# backends: LLVM for the host (libfaust reports "generic", SSE2 code),
# LLVM for this CPU's own target, LLVM in double, and the interpreter.
# Figures are medians of RUNS (default 3) compilations and runs of
# SECONDS (default 2) of audio.
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
jit=$top/$BUILD/bench/jit
bin=$top/$BUILD/bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
runs=${RUNS:-3}
seconds=${SECONDS:-2}

if [ ! -x "$jit" ]; then
	echo "skipped: $jit is not built (make bench builds it)"
	exit 0
fi
set -- "$top"/tests/data/diff/comb.dsp "$top"/tests/data/diff/fdn2.dsp
if [ -x "$bin/adac-emit" ]; then
	# (dense 64-line programs take ~10 s each in the FAUST front end: left out)
	for ir in fdn-householder-4 fdn-hadamard-64 fdn-householder-64; do
		src=$top/tests/data/emit/$ir.json
		[ -f "$src" ] || continue
		"$bin/adac-emit" --force -o "$tmp/$ir.dsp" "$src" 2>/dev/null &&
			set -- "$@" "$tmp/$ir.dsp"
	done
	if [ -x "$bin/adac-lower" ]; then
		"$bin/adac-lower" "$top/tests/data/fdn/hadamard16.json" |
			"$bin/adac-emit" --force -o "$tmp/hadamard16.dsp" 2>/dev/null &&
			set -- "$@" "$tmp/hadamard16.dsp"
	fi
fi
# the modulated 4-line FDN beside the same network with its lines fixed
# at their base lengths (issue 15: the run-time cost of modulation)
if [ -x "$bin/adac-emit" ] && command -v jq >/dev/null; then
	ex=$top/examples/fdn4-mod.json
	"$bin/adac-emit" --force -o "$tmp/fdn4-mod.dsp" "$ex" 2>/dev/null &&
		set -- "$@" "$tmp/fdn4-mod.dsp"
	jq '.graph.of[1].back |= {op: "delay", id, samples}' "$ex" |
		"$bin/adac-emit" --force -o "$tmp/fdn4-fixed.dsp" 2>/dev/null &&
		set -- "$@" "$tmp/fdn4-fixed.dsp"
fi
# this CPU's LLVM name, as gcc knows it (LLVM uses the same names)
cpu=$(gcc -march=native -Q --help=target 2>/dev/null |
	awk '$1 == "-march=" { print $2; exit }')
target=${cpu:+x86_64-pc-linux-gnu:$cpu}

run() {
	label=$1
	shift
	"$jit" --runs "$runs" --seconds "$seconds" "$@" > "$tmp/$label.txt" 2>&1 ||
		echo "($label failed: $(tail -1 "$tmp/$label.txt"))" >&2
}
run host "$@"
[ -n "$target" ] && run native --target "$target" "$@"
run double --double "$@"
run interp --interp "$@"

printf '%-24s %27s %27s %27s %27s\n' "" "LLVM host" \
	"LLVM ${cpu:-native}" "LLVM -double" "interpreter"
printf '%-24s' program
for k in 1 2 3 4; do printf ' %13s %13s' "compile ms" "× real time"; done
echo
for f in "$@"; do
	name=$(basename "$f")
	printf '%-24s' "$name"
	for label in host native double interp; do
		awk -v n="$name" '$1 == n { printf " %13.1f %13.1f", $4, $5; found = 1 }
			END { if (!found) printf " %13s %13s", "-", "-" }' \
			"$tmp/$label.txt" 2>/dev/null || printf ' %13s %13s' - -
	done
	echo
done
