#!/bin/sh
# bench/certify.sh - time adac-certify on N-line FDNs with per-line biquad
# absorption (Householder feedback matrix), at the default grid.  Goal:
# under 50 ms for N = 64.  Prints a small table; needs jq and hyperfine.
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/$BUILD/bin/adac-certify
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# fdn N: a native IR written with jq.  Line i delays 401 + 37·i samples;
# its absorption is a two-pole lowpass (poles 0.2 and 0.3) with DC gain
# g_i = 10^(−3·m_i/(fs·T60)) for T60 = 2 s; A = I − (2/N)·11ᵀ.
fdn() {
	jq -n --argjson n "$1" '
	  [range($n)] as $ix
	  | [$ix[] | 401 + 37 * .] as $m
	  | {adac: "ir/1", name: "Bench\($n)", fs: 48000, inputs: 1, outputs: 1,
	     graph: {op: "series", of: [
	       {op: "matrix", data: [$ix[] | [1]]},
	       {op: "feedback",
	        forward: {op: "series", of: [
	          {op: "delay", samples: $m},
	          {op: "sos", sections: [[ $m[] |
	            (pow(10; -3 * . / (48000 * 2)) * 0.56) as $b0
	            | [$b0, 0, 0, -0.5, 0.06] ]]}]},
	        back: {op: "matrix",
	               structure: {kind: "householder", u: [$ix[] | 1]},
	               data: [$ix[] as $i | [$ix[] as $j |
	                 (if $i == $j then 1 else 0 end) - 2 / $n]]}},
	       {op: "matrix", data: [[$ix[] | 1 / $n]]}]}}'
}

# in-process: parse + hash + certify, median of 21 (build/bench/certify_time);
# program: the whole adac-certify run, start-up and output included.
timer=$top/$BUILD/bench/certify_time
printf '%-6s %-17s %-20s %-12s %s\n' lines verdict bound \
	"in-process" "program (mean ± sd)"
for n in 4 16 32 64 128; do
	fdn "$n" >"$tmp/fdn$n.json" || exit 1
	"$bin" "$tmp/fdn$n.json" >"$tmp/out.json"
	verdict=$(jq -r .certificate.verdict "$tmp/out.json")
	bound=$(jq -r .certificate.bound "$tmp/out.json")
	inproc=-
	[ -x "$timer" ] && inproc="$("$timer" "$tmp/fdn$n.json" 21) ms"
	t=$(hyperfine -N --warmup 3 --runs 20 --export-json "$tmp/h.json" \
		"$bin $tmp/fdn$n.json" >/dev/null 2>&1 &&
	    jq -r '.results[0] | "\(.mean * 1000 | . * 10 | round / 10) ± \(.stddev * 1000 | . * 10 | round / 10) ms"' "$tmp/h.json")
	printf '%-6s %-17s %-20s %-12s %s\n' "$n" "$verdict" "$bound" \
		"$inproc" "$t"
done
