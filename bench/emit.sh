#!/bin/sh
# adac-emit: emission time, program size, libfaust JIT compile time and
# run-time cost of the emitted program, structured against --dense, for
# native N-line FDNs (adac-lower, 2.5 s decay, certified).
#
#   emit ms   parse + emit in process, best of 20 (build/bench/emit_time)
#   JIT ms    one libfaust LLVM compilation of the program (float)
#   × rt      seconds of audio per CPU second, one core, at 48 kHz: the
#             program through `faust -lang c` and `cc -O3` with
#             bench/faust_driver.c.in, noise in, denormals flushed
#   gain      × rt structured / × rt dense
#
# Goal (issue 5): at 64 lines, Householder at least 8× and Hadamard at
# least 5× cheaper than dense.  "householder" is the usual I − (2/N)·11ᵀ
# (u all ones): its dense form has two distinct entries, and FAUST's
# normalisation factors it by itself, so --dense is nearly as cheap;
# "householder-u" has a varied u (explicit rows, structure recognised by
# adac-lower), whose dense form really costs N² products.  Needs jq,
# faust and cc.  N=... and KINDS=... override the sizes and matrices,
# e.g. N="4 16" KINDS=hadamard sh bench/emit.sh.  The last row is
# examples/sdn-room.json, a scattering delay network of 30 lines whose
# 30 × 30 matrix has no structure to recognise (5 nonzeros a row), so
# emitted and --dense are one program (SDN=0 leaves it out).
set -e
dir=$(cd "$(dirname "$0")" && pwd)
bin=${ADAC_BENCH_BUILD:-$dir/../build}/bench/emit_time
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ ! -x "$bin" ]; then
	echo "skipped: $bin is not built (make bench builds it)"
	exit 0
fi

# rt PROGRAM.dsp: × real time of the program compiled with cc -O3
rt() {
	faust -lang c -cn mydsp "$1" -o "$tmp/p.c"
	cc -O3 -I"$tmp" -DDSP_C='"p.c"' -x c "$dir/faust_driver.c.in" -lm \
		-o "$tmp/drv"
	"$tmp/drv"
}

printf '%-13s %3s %9s %9s %8s %8s %9s %9s %8s %8s %6s\n' matrix N \
	"emit ms" "dense" "kB" "dense" "JIT ms" "dense" "× rt" "dense" gain
for kind in ${KINDS:-householder householder-u hadamard}; do
	for n in ${N:-4 8 16 32 64}; do
		jq -n --argjson n "$n" --arg m "$kind" '
			[range($n) | ((. * 7919 % 101) / 50 - 1) + 0.013] as $u |
			($u | map(. * .) | add) as $uu |
			{fs: 48000, delays: [range($n) | 401 + 61 * . + (. * . % 29)],
			 t60: 2.5, c: 0.25,
			 matrix: (if $m != "householder-u" then $m else
				[range($n) as $i | [range($n) as $j |
				 (if $i == $j then 1 else 0 end) -
				 2 * $u[$i] * $u[$j] / $uu]] end)}' |
			adac-lower | adac-certify > "$tmp/ir.json"
		set -- $("$bin" "$tmp/ir.json")
		es=$1 js=$2 ks=$3
		set -- $("$bin" --dense "$tmp/ir.json")
		ed=$1 jd=$2 kd=$3
		adac-emit "$tmp/ir.json" -o "$tmp/s.dsp"
		adac-emit --dense "$tmp/ir.json" -o "$tmp/d.dsp"
		rs=$(rt "$tmp/s.dsp")
		rd=$(rt "$tmp/d.dsp")
		awk -v k="$kind" -v n="$n" -v es="$es" -v ed="$ed" -v ks="$ks" \
		    -v kd="$kd" -v js="$js" -v jd="$jd" -v rs="$rs" -v rd="$rd" \
		    'BEGIN { printf "%-13s %3d %9.2f %9.2f %8.1f %8.1f %9.0f %9.0f %7.0f× %7.0f× %5.1f×\n",
			k, n, es, ed, ks / 1024, kd / 1024, js, jd, rs, rd, rs / rd }'
	done
done
[ "${SDN:-1}" = 0 ] && exit 0
adac-lower "$dir/../examples/sdn-room.json" | adac-certify > "$tmp/ir.json"
set -- $("$bin" "$tmp/ir.json")
adac-emit "$tmp/ir.json" -o "$tmp/s.dsp"
rs=$(rt "$tmp/s.dsp")
awk -v es="$1" -v js="$2" -v ks="$3" -v rs="$rs" \
    'BEGIN { printf "%-13s %3d %9.2f %9s %8.1f %8s %9.0f %9s %7.0f× %8s %6s\n",
	"sdn-room", 30, es, "-", ks / 1024, "-", js, "-", rs, "-", "-" }'
