#!/bin/sh
# Reference simulator speed on N-line FDNs (bench/sim-fdn.jq), 2 s at
# 48 kHz: `adac-ir impulse -n 96000` as a whole process (hyperfine: mean
# wall time, and mean user + system CPU time, which a busy machine
# disturbs less), and the simulator alone in process (build/bench/sim,
# best CPU time).  × real time is 2 s over the CPU time.
# Goal: >= 20× real time at N = 16.  Needs jq and hyperfine.
set -e
dir=$(cd "$(dirname "$0")" && pwd)
simbench=${ADAC_BENCH_BUILD:-$dir/../build}/bench/sim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! adac-ir impulse --help >/dev/null 2>&1; then
	echo "skipped: adac-ir has no impulse subcommand"
	exit 0
fi
printf '%-6s %10s %10s %12s %12s %12s\n' lines "wall ms" "cpu ms" \
	"× real time" "sim cpu ms" "× real time"
for n in 4 8 16 32 64; do
	jq -n --argjson n "$n" -f "$dir/sim-fdn.jq" > "$tmp/fdn$n.json"
	hyperfine -N --style none --warmup 1 --runs "${RUNS:-10}" \
		--export-json "$tmp/t$n.json" \
		"adac-ir impulse -n 96000 -f raw -o $tmp/h$n.raw $tmp/fdn$n.json" \
		>/dev/null 2>&1
	wall=$(jq '.results[0].mean * 1000' "$tmp/t$n.json")
	cpu=$(jq '(.results[0].user + .results[0].system) * 1000' "$tmp/t$n.json")
	sim=-
	[ -x "$simbench" ] && sim=$("$simbench" "$tmp/fdn$n.json" 96000 5)
	awk -v n="$n" -v w="$wall" -v c="$cpu" -v s="$sim" 'BEGIN {
		printf "%-6s %10.1f %10.1f %11.1f×", n, w, c, 2000 / c
		if (s == "-") printf " %12s %12s\n", "-", "-"
		else printf " %12.1f %11.1f×\n", s, 2000 / s
	}'
done
