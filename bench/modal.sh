#!/bin/sh
# bench/modal.sh - time the modal analysis (build/bench/modal_time): the
# dense path and Arnoldi against the state dimension on 4-line Hadamard
# FDNs, then the defaults on the bundled networks.  Median of 3 runs,
# in process.  Needs jq.
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
timer=$top/$BUILD/bench/modal_time
lower=$top/$BUILD/bin/adac-lower
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$timer" ] || { echo "modal.sh: build $timer first (make bench)"; exit 2; }

# fdn D: four lines of about D/4 samples (D/4 − 7, − 2, + 3, + 6), each
# with Jot's gain for T60 = 2 s at 48 kHz, mixed by Hadamard/2.
fdn() {
	jq -n --argjson d "$1" '
	  ($d / 4 | floor) as $q
	  | [$q - 7, $q - 2, $q + 3, $q + 6] as $m
	  | {adac: "ir/1", name: "Modal\($d)", fs: 48000, inputs: 1, outputs: 1,
	     graph: {op: "series", of: [
	       {op: "matrix", data: [[1], [1], [1], [1]]},
	       {op: "feedback",
	        forward: {op: "series", of: [
	          {op: "delay", samples: $m},
	          {op: "gain", values: [$m[] | pow(10; -3 * . / (48000 * 2))]}]},
	        back: {op: "matrix", structure: {kind: "hadamard", scale: 0.5},
	               data: [[0.5, 0.5, 0.5, 0.5], [0.5, -0.5, 0.5, -0.5],
	                      [0.5, 0.5, -0.5, -0.5], [0.5, -0.5, -0.5, 0.5]]}},
	       {op: "matrix", data: [[0.25, 0.25, 0.25, 0.25]]}]}}'
}

# columns of modal_time: dim loop_dim blocks method converged matvecs
# radius omega residual bound T60 ms
echo "4-line Hadamard FDN, T60 = 2 s (true radius 10^(-3/96000) = 0.99992805)"
printf '%-6s %-10s %-16s %-16s %-9s %-10s %-16s %s\n' states "dense ms" \
	"dense radius" "dense bound" "arn. ms" "matvecs" "arnoldi radius" conv
for d in 100 200 400 600 800 1000 1500; do
	fdn "$d" >"$tmp/f.json" || exit 1
	set -- $("$timer" "$tmp/f.json" 100000 0 3)
	dn=$1 dms=${12} drad=$7 dbound=${10}
	set -- $("$timer" "$tmp/f.json" 1 0 3)
	printf '%-6s %-10s %-16s %-16s %-9s %-10s %-16s %s\n' "$dn" "$dms" \
		"$drad" "$dbound" "${12}" "$6" "$7" "$5"
done

# wide N: N lines of 401 + 37·i samples, Householder feedback, the
# network of bench/certify.sh without its biquads.
wide() {
	jq -n --argjson n "$1" '
	  [range($n)] as $ix
	  | [$ix[] | 401 + 37 * .] as $m
	  | {adac: "ir/1", name: "Wide\($n)", fs: 48000, inputs: 1, outputs: 1,
	     graph: {op: "series", of: [
	       {op: "matrix", data: [$ix[] | [1]]},
	       {op: "feedback",
	        forward: {op: "series", of: [
	          {op: "delay", samples: $m},
	          {op: "gain", values: [$m[] | pow(10; -3 * . / (48000 * 2))]}]},
	        back: {op: "matrix",
	               structure: {kind: "householder", u: [$ix[] | 1]},
	               data: [$ix[] as $i | [$ix[] as $j |
	                 (if $i == $j then 1 else 0 end) - 2 / $n]]}},
	       {op: "matrix", data: [[$ix[] | 1 / $n]]}]}}'
}

echo
echo "N-line Householder FDN, default limits"
printf '%-6s %-8s %-8s %-8s %-16s %s\n' lines states method matvecs radius ms
for n in 4 16 64; do
	wide "$n" >"$tmp/w.json" || exit 1
	set -- $("$timer" "$tmp/w.json" 0 0 3)
	printf '%-6s %-8s %-8s %-8s %-16s %s\n' "$n" "$1" "$4" "$6" "$7" "${12}"
done

echo
echo "bundled networks, default limits"
printf '%-34s %-7s %-8s %-5s %-8s %-16s %-10s %s\n' file states method conv \
	matvecs radius residual ms
for f in examples/*.json tests/data/fdn/*.json tests/data/certify/*.json; do
	if jq -e '.adac' "$f" >/dev/null 2>&1; then
		cp "$f" "$tmp/ir.json"
	else
		"$lower" "$f" >"$tmp/ir.json" 2>/dev/null || continue
	fi
	set -- $("$timer" "$tmp/ir.json" 0 0 3)
	printf '%-34s %-7s %-8s %-5s %-8s %-16s %-10s %s\n' "$f" "$1" "$4" \
		"$5" "$6" "$7" "$9" "${12}"
done
