#!/bin/sh
# bench/lower.sh - time adac-lower on N-line FDN configs in the reference
# implementation's format (bench/gen-adac-fdn.jq), with a Householder
# feedback matrix (recognised) and a dense one (tried as every structure,
# recognised as none).  Goal: under 5 ms of process time (user + system)
# for 64 lines.  Prints a small table; needs jq and hyperfine.
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/$BUILD/bin/adac-lower
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '%-6s %-12s %-12s %-9s %-18s %s\n' lines matrix structure "config" \
	"wall (mean ± sd)" "process (user+sys)"
for n in 4 8 16 32 64; do
	for matrix in householder dense; do
		f=$tmp/fdn$n-$matrix.json
		jq -n --argjson n "$n" --arg matrix "$matrix" \
			-f "$top/bench/gen-adac-fdn.jq" >"$f" || exit 1
		"$bin" "$f" >"$tmp/out.json" || exit 1
		st=$(jq -r '.graph.of[0].of[1].back.structure.kind // "dense"' \
			"$tmp/out.json")
		size=$(wc -c <"$f" | awk '{ printf "%.1f kB", $1 / 1000 }')
		hyperfine -N --warmup 5 --runs 50 --export-json "$tmp/h.json" \
			"$bin $f" >/dev/null 2>&1 || exit 1
		jq -r --arg n "$n" --arg m "$matrix" --arg st "$st" \
		   --arg size "$size" '.results[0] |
		   def ms: . * 1000 | . * 100 | round / 100;
		   "\($n)\t\($m)\t\($st)\t\($size)\t\(.mean | ms) ± \(.stddev | ms) ms\t\(.user + .system | ms) ms"' \
		   "$tmp/h.json" |
		awk -F'\t' '{ printf "%-6s %-12s %-12s %-9s %-18s %s\n", $1, $2, $3, $4, $5, $6 }'
	done
done
