#!/bin/sh
# bench/startup.sh - whole-process time of each stage and of the pipeline
# adac-lower | adac-certify | adac-emit, on the 4- and 64-line FDN configs
# of bench/gen-adac-fdn.jq (Householder feedback), start-up included:
# this is what a stage costs in a shell pipeline or a training loop.
# Goal: each stage under 5 ms of wall time at 4 lines, the 64-line
# pipeline under 30 ms.  hyperfine -N (no shell between hyperfine and the
# program); the pipeline row runs under sh -c, whose own start is in it.
#
# Side by side: ADAC_BENCH_BEFORE=DIR times DIR's adac-lower, adac-certify
# and adac-emit in the same run, e.g. a build of an earlier commit:
#   git archive REV | tar -x -C /tmp/before && make -C /tmp/before
#   ADAC_BENCH_BEFORE=/tmp/before/build/bin sh bench/startup.sh
# Needs jq and hyperfine.
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
after=$top/$BUILD/bin
before=${ADAC_BENCH_BEFORE:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# time NAME COMMAND: one hyperfine measurement, "mean ± sd ms  user+sys ms"
measure() {
	hyperfine -N --warmup 5 --runs 40 --export-json "$tmp/h.json" \
		"$1" >/dev/null 2>&1 || { echo "failed: $1" >&2; exit 1; }
	jq -r '.results[0] | def ms: . * 1000 | . * 10 | round / 10;
	       "\(.mean | ms) ± \(.stddev | ms)\t\(.user + .system | ms)"' \
		"$tmp/h.json"
}

# row LINES STAGE BIN_DIR: the command that times STAGE with BIN_DIR's programs
command_for() {
	n=$1 stage=$2 dir=$3
	case $stage in
	lower) echo "$dir/adac-lower $tmp/fdn$n.json" ;;
	certify) echo "$dir/adac-certify $tmp/fdn$n.ir.json" ;;
	emit) echo "$dir/adac-emit $tmp/fdn$n.cert.json" ;;
	pipeline) echo "sh -c '$dir/adac-lower $tmp/fdn$n.json |" \
		"$dir/adac-certify | $dir/adac-emit >/dev/null'" ;;
	esac
}

if [ -n "$before" ]; then
	printf '%-6s %-9s %-16s %-10s %-16s %s\n' lines stage \
		"before wall ms" "user+sys" "after wall ms" "user+sys"
else
	printf '%-6s %-9s %-16s %s\n' lines stage "wall ms" "user+sys"
fi
{
# the floor: a process that does nothing, in the same run and load
f=$(measure /bin/true) || exit 1
if [ -n "$before" ]; then
	printf '%s\t%s\t%s\t%s\n' - /bin/true "$f" "$f"
else
	printf '%s\t%s\t%s\n' - /bin/true "$f"
fi
for n in 4 64; do
	jq -n --argjson n "$n" --arg matrix householder \
		-f "$top/bench/gen-adac-fdn.jq" >"$tmp/fdn$n.json" || exit 1
	"$after/adac-lower" "$tmp/fdn$n.json" >"$tmp/fdn$n.ir.json" || exit 1
	"$after/adac-certify" -o "$tmp/fdn$n.cert.json" "$tmp/fdn$n.ir.json" ||
		exit 1
	for stage in lower certify emit pipeline; do
		a=$(measure "$(command_for "$n" "$stage" "$after")") || exit 1
		if [ -n "$before" ]; then
			b=$(measure "$(command_for "$n" "$stage" "$before")") ||
				exit 1
			printf '%s\t%s\t%s\t%s\n' "$n" "$stage" "$b" "$a"
		else
			printf '%s\t%s\t%s\n' "$n" "$stage" "$a"
		fi
	done
done
} | awk -F'\t' '{
	if (NF == 6)
		printf "%-6s %-9s %-16s %-10s %-16s %s\n", $1, $2, $3, $4, $5, $6
	else
		printf "%-6s %-9s %-16s %s\n", $1, $2, $3, $4
}'
