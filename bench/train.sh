#!/bin/sh
# bench/train.sh - what one training step costs before it is heard:
# python/train_fdn.py trains the 4-line FDN of tests/cli/train.bats for
# STEPS steps (default 30) while adac-live run --driver file plays the
# program, and for each step records the export (the fdn spec, written
# atomically), the pipeline (adac-lower | adac-certify | adac-emit
# --live, renamed into place) and adac-live's write-to-audible time from
# its reload line.  Prints the median and p95 of each and of their sum,
# the share of value-only reloads, and the loss before and after.
# Wall-clock times on whatever else the machine runs.
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
PATH=$top/$BUILD/bin:$PATH
steps=${STEPS:-30}
py=
for p in "${PYTHON:-}" python3 /usr/bin/python3; do
	[ -n "$p" ] && "$p" -c 'import torch, soundfile' 2>/dev/null && { py=$p; break; }
done
if [ -z "$py" ]; then
	echo "bench/train.sh: skipped: python3-torch is not importable"
	exit 0
fi
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2
adac-lower "$top/tests/data/train/target.json" | adac-ir impulse -n 24000 -o target.wav
"$py" "$top/python/train_fdn.py" --target target.wav --steps 0 --dsp model.dsp > /dev/null
printf 'import("stdfaust.lib");\nprocess = ba.pulse(12000) * 0.5;\n' > clicks.dsp
adac-live run --driver file --out clicks.wav --seconds 30 clicks.dsp > /dev/null
adac-live run --driver file --in clicks.wav --out live.raw --seconds 600 \
	--speed 1 --backend interp --log live.jsonl model.dsp &
pid=$!
i=0
until grep -q '"event":"start"' live.jsonl 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 3000 ] || { echo "adac-live did not start"; exit 3; }
	sleep 0.01
done
"$py" "$top/python/train_fdn.py" --target target.wav --steps "$steps" \
	--dsp model.dsp --live-log live.jsonl > steps.jsonl || exit 1
kill "$pid"; wait "$pid"; pid=
jq -r -s '
	def q(p): sort | .[((length - 1) * p | floor)];
	def row(name; xs): "\(name)\t\(xs | q(0.5) * 10 | round / 10)\t\(xs | q(0.95) * 10 | round / 10)";
	.[1:] as $s |
	"steps\t\($s | length)",
	"ms\tmedian\tp95",
	row("export"; $s | map(.export_ms)),
	row("pipeline"; $s | map(.pipeline_ms)),
	row("reload (write to audible)"; $s | map(.write_to_audible_ms // empty)),
	row("export + pipeline + reload"; $s | map(.export_ms + .pipeline_ms + (.write_to_audible_ms // 0))),
	"value-only reloads\t\($s | map(select(.reload == "values")) | length) of \($s | map(select(.reload != null)) | length)",
	"loss\t\(.[0].loss * 10 | round / 10) -> \(.[-1].loss * 100 | round / 100) (\(.[0].loss / .[-1].loss | round)x)"
' steps.jsonl | column -t -s '	'
