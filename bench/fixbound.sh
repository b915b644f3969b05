#!/bin/sh
# bench/fixbound.sh - what the fixed-point certificate costs and says:
# adac-certify of each network for float32 and double, then at q1.15,
# q1.23 and q1.31 (the overflow and limit-cycle bounds of lib/fixbound.c
# on top of the small-gain analysis), side by side in one run, with the
# largest input peak that fits and the limit-cycle bound at that peak.
# Needs jq and hyperfine (-i: a network not certified exits 1).
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/$BUILD/bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mean() {
	hyperfine -N -i --warmup 1 --runs 5 --export-json "$tmp/h.json" "$@" \
		>/dev/null 2>&1 &&
	    jq -r '.results[0].mean * 1000 | . * 10 | round / 10' "$tmp/h.json"
}

printf '%-12s %-7s %9s %9s %6s %12s %8s %12s\n' network format \
	"float ms" "fixed ms" ratio "peak fits" headroom "cycles LSB"
for net in fdn4-adac fdn16 fdn4-absorb; do
	"$bin/adac-lower" "$top/examples/$net.json" >"$tmp/$net.json" || exit 1
	tf=$(mean "$bin/adac-certify $tmp/$net.json")
	for fmt in q1.15 q1.23 q1.31; do
		tq=$(mean "$bin/adac-certify --precision $fmt $tmp/$net.json")
		peak=$("$bin/adac-certify" --precision "$fmt" "$tmp/$net.json" |
		       jq -r '.certificate.fixed_point.overflow.max_input_peak')
		head=- lsb=-
		if [ "$peak" != null ]; then
			# certified just inside the peak that fits
			p=$(awk -v p="$peak" 'BEGIN { printf "%.6g", p * 0.99 }')
			"$bin/adac-certify" --precision "$fmt" --input-peak "$p" \
				"$tmp/$net.json" >"$tmp/c.json"
			head=$(jq -r '.certificate.fixed_point.overflow.headroom_bits * 100 | round / 100' "$tmp/c.json")
			lsb=$(jq -r '.certificate.fixed_point.limit_cycles.amplitude_bound_lsb | . * 10 | round / 10' "$tmp/c.json")
			peak=$(printf '%.3g' "$peak")
		fi
		printf '%-12s %-7s %9s %9s %6s %12s %8s %12s\n' "$net" "$fmt" \
			"$tf" "$tq" "$(awk -v a="$tq" -v b="$tf" 'BEGIN { printf "%.1f", a / b }')" \
			"$peak" "$head" "$lsb"
	done
done
