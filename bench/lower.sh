#!/bin/sh
# bench/lower.sh - time adac-lower on N-line FDN configs in the reference
# implementation's format (bench/gen-adac-fdn.jq), with a Householder
# feedback matrix (recognised) and a dense one (tried as every structure,
# recognised as none).  Goal: under 5 ms of process time for 64 lines.
# Columns: in process (build/bench/lower_time, CPU ms, medians): reading
# the JSON, lowering + validation, writing the canonical IR; then the
# whole program (hyperfine): wall time and user + system time, start-up
# (loading the shared libraries) included.  The last row is the bundled
# scattering delay network, examples/sdn-room.json (30 lines, geometry
# and a 30 × 30 matrix computed from the room).  Needs jq and hyperfine.
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/$BUILD/bin/adac-lower
timer=$top/$BUILD/bench/lower_time
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '%-5s %-11s %-11s %-8s %-6s %-6s %-6s %-17s %s\n' lines matrix \
	structure config read lower write "program wall" "user+sys"
for n in 4 8 16 32 64; do
	for matrix in householder dense; do
		f=$tmp/fdn$n-$matrix.json
		jq -n --argjson n "$n" --arg matrix "$matrix" \
			-f "$top/bench/gen-adac-fdn.jq" >"$f" || exit 1
		"$bin" "$f" >"$tmp/out.json" || exit 1
		st=$(jq -r '.graph.of[0].of[1].back.structure.kind // "dense"' \
			"$tmp/out.json")
		size=$(wc -c <"$f" | awk '{ printf "%.0fkB", $1 / 1000 }')
		inproc="- - -"
		[ -x "$timer" ] && inproc=$("$timer" "$f" 21)
		hyperfine -N --warmup 5 --runs 40 --export-json "$tmp/h.json" \
			"$bin $f" >/dev/null 2>&1 || exit 1
		jq -r --arg n "$n" --arg m "$matrix" --arg st "$st" \
		   --arg size "$size" --arg in "$inproc" '.results[0] |
		   def ms: . * 1000 | . * 10 | round / 10;
		   "\($n)\t\($m)\t\($st)\t\($size)\t\($in | split(" ") | join("\t"))\t\(.mean | ms) ± \(.stddev | ms) ms\t\(.user + .system | ms) ms"' \
		   "$tmp/h.json" |
		awk -F'\t' '{ printf "%-5s %-11s %-11s %-8s %-6s %-6s %-6s %-17s %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
	done
done
f=$top/examples/sdn-room.json
inproc="- - -"
[ -x "$timer" ] && inproc=$("$timer" "$f" 21)
hyperfine -N --warmup 5 --runs 40 --export-json "$tmp/h.json" \
	"$bin $f" >/dev/null 2>&1 || exit 1
size=$(wc -c <"$f" | awk '{ printf "%.1fkB", $1 / 1000 }')
jq -r --arg in "$inproc" --arg size "$size" '.results[0] |
   def ms: . * 1000 | . * 10 | round / 10;
   "30\tsdn-room\tdense\t\($size)\t\($in | split(" ") | join("\t"))\t\(.mean | ms) ± \(.stddev | ms) ms\t\(.user + .system | ms) ms"' \
   "$tmp/h.json" |
awk -F'\t' '{ printf "%-5s %-11s %-11s %-8s %-6s %-6s %-6s %-17s %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
