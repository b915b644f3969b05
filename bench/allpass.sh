#!/bin/sh
# Run-time cost of the bundled allpass examples against the same
# structures written with FAUST's own libraries, measured side by side:
#
#   freeverb   examples/freeverb.json, certified and emitted, against
#              re.mono_freeverb(0.84, 0.5, 0.2, 0) (the example's
#              settings: Jezar's defaults), both at 44.1 kHz, where the
#              library's tunings are Jezar's sample counts
#   dattorro   examples/dattorro.json against
#              _ <: re.dattorro_rev(0, 0.9995, 0.75, 0.625, 0.5, 0.7, 0.5,
#              0.0005) (re.dattorro_rev_default's parameters, one input
#              fed to both), both at the paper's 29761 Hz
#   dattorro-mod  examples/dattorro-mod.json (the tank allpasses' lines
#              modulated, 16 samples at 1 Hz) against the same library
#              plate, which has no modulation: what modulation costs
#   schroeder, nested: the chain of three and the nested allpass alone
#              (the library has no nested allpass; the chain is against
#              three fi.allpass_comb of the same lengths and g)
#
#   × rt    seconds of audio per CPU second, one core: the program through
#           `faust -lang c` and `cc -O3` with bench/faust_driver.c.in, noise
#           in, denormals flushed; the best of ROUNDS (default 3) runs of at
#           least 1 s each, adac's and the library's alternating
#   cost    adac's CPU time per sample over the library's (below 1: cheaper)
#
# The structures are the same, not the programs: the library's combs and
# allpasses loop over one more sample (`~` then a delay of dt), its plate
# has no output taps either but feeds its tank's inputs out, and repeats
# two delay lengths (its block(i) takes both from i+5).  Needs faust, cc
# and jq.
set -e
dir=$(cd "$(dirname "$0")" && pwd)
top=$dir/..
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v faust >/dev/null || { echo "skipped: faust is not installed"; exit 0; }

# build NAME PROGRAM.dsp FS: compile the program into $tmp/NAME
build() {
	faust -lang c -cn mydsp "$2" -o "$tmp/$1.c"
	cc -O3 -I"$tmp" -DFS="$3" -DDSP_C="\"$1.c\"" -x c \
		"$dir/faust_driver.c.in" -lm -o "$tmp/$1"
}

# best A B: the best × rt of each of $tmp/A and $tmp/B, run alternately
best() {
	ba=0 bb=0
	for r in $(seq "${ROUNDS:-3}"); do
		a=$("$tmp/$1")
		b=$("$tmp/$2")
		ba=$(awk -v x="$a" -v y="$ba" 'BEGIN { print (x > y ? x : y) }')
		bb=$(awk -v x="$b" -v y="$bb" 'BEGIN { print (x > y ? x : y) }')
	done
	echo "$ba $bb"
}

row() {
	name=$1 fs=$2 lib=$3
	adac-certify "$top/examples/$name.json" | adac-emit -o "$tmp/$name.dsp"
	if [ -z "$lib" ]; then	# no counterpart: adac's alone
		build "$name" "$tmp/$name.dsp" "$fs"
		"$tmp/$name" | awk -v n="$name" -v fs="$fs" \
		    '{ printf "%-18s %6d %10.0f× %11s %7s\n", n, fs, $1, "-", "-" }'
		return
	fi
	printf 'import("stdfaust.lib");\nprocess = %s;\n' "$lib" > "$tmp/$name-lib.dsp"
	build "$name" "$tmp/$name.dsp" "$fs"
	build "$name-lib" "$tmp/$name-lib.dsp" "$fs"
	set -- $(best "$name" "$name-lib")
	awk -v n="$name" -v fs="$fs" -v a="$1" -v b="$2" \
	    'BEGIN { printf "%-18s %6d %10.0f× %10.0f× %7.2f\n", n, fs, a, b, b / a }'
}

printf '%-18s %6s %11s %11s %7s\n' example fs "adac × rt" "lib × rt" cost
row freeverb 44100 're.mono_freeverb(0.84, 0.5, 0.2, 0)'
row dattorro 29761 '_ <: re.dattorro_rev(0, 0.9995, 0.75, 0.625, 0.5, 0.7, 0.5, 0.0005)'
row dattorro-mod 29761 '_ <: re.dattorro_rev(0, 0.9995, 0.75, 0.625, 0.5, 0.7, 0.5, 0.0005)'
row allpass-schroeder 44100 'fi.allpass_comb(1024, 347, -0.7) : fi.allpass_comb(1024, 113, -0.7) : fi.allpass_comb(1024, 37, -0.7)'
row allpass-nested 44100 ''
