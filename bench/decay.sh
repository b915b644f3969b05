#!/bin/sh
# Measured T60 against the rt60 knob (issue 6's acceptance): lossless 8-line
# (Householder) and 16-line (Hadamard) FDNs lowered with --control rt60,
# certified and emitted; each knob position rendered by the reference
# simulator (the IR) and by the emitted program through libfaust, over
# 1.2·rt60 seconds (72 dB of decay), and measured with `adac-ir decay`
# (Schroeder, -5..-35 dB, doubled).  Goal: within 5 % of the knob.
# Needs jq.
set -e
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-6s %8s %10s %8s %10s %8s\n' lines "rt60 s" "IR T60 s" "err %" \
	".dsp T60 s" "err %"
for n in 8 16; do
	case $n in
	8) matrix=householder ;;
	16) matrix=hadamard ;;
	esac
	jq -n --argjson n "$n" --arg m "$matrix" '{fdn: 1, name: "Fdn\($n)",
		fs: 48000, matrix: $m, inputs: 1, outputs: 1,
		delays: [601, 701, 809, 907, 1009, 1103, 1201, 1301, 1409, 1511,
			 1601, 1709, 1801, 1901, 2003, 2111][0:$n]}' > "$tmp/spec.json"
	adac-lower --control rt60 "$tmp/spec.json" | adac-certify |
		tee "$tmp/ir.json" | adac-emit > "$tmp/fdn.dsp"
	for t in 0.3 1 2 5 10; do
		len=$(jq -n --argjson t "$t" '1.2 * $t * 48000 | floor')
		ir=$(adac-ir decay -n "$len" --set "rt60=$t" "$tmp/ir.json" |
			jq .t60_s)
		dsp=$(adac-ir decay -n "$len" --set "rt60=$t" "$tmp/fdn.dsp" |
			jq .t60_s)
		awk -v n="$n" -v t="$t" -v a="$ir" -v b="$dsp" 'BEGIN {
			printf "%-6s %8s %10.4f %+8.2f %10.4f %+8.2f\n", n, t,
				a, 100 * (a - t) / t, b, 100 * (b - t) / t }'
	done
done
