#!/bin/sh
# Reference simulator speed: `adac-ir impulse -n 96000` (2 s at 48 kHz)
# on N-line FDNs, whole process, as × real time.  Goal: >= 20× at N = 16.
# Needs adac-ir on PATH (bench/run.sh puts $BUILD/bin first), jq, hyperfine.
set -e
dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! adac-ir impulse --help >/dev/null 2>&1; then
	echo "skipped: adac-ir has no impulse subcommand"
	exit 0
fi
printf '%-6s %12s %12s %14s\n' lines "mean ms" "± ms" "× real time"
for n in 4 8 16 32 64; do
	jq -n --argjson n "$n" -f "$dir/sim-fdn.jq" > "$tmp/fdn$n.json"
	hyperfine -N --style none --warmup 1 --runs "${RUNS:-10}" \
		--export-json "$tmp/t$n.json" \
		"adac-ir impulse -n 96000 -f raw -o $tmp/h$n.raw $tmp/fdn$n.json" \
		>/dev/null 2>&1
	jq -r --argjson n "$n" '.results[0] |
		"\($n)\t\(.mean * 1000)\t\(.stddev * 1000)\t\(2 / .mean)"' \
		"$tmp/t$n.json" |
	awk -F '\t' '{ printf "%-6s %12.1f %12.1f %13.1f×\n", $1, $2, $3, $4 }'
done
