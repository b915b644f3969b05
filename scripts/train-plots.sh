#!/bin/sh
# Regenerate the pictures of README.md's "Train, listen, ship":
#   docs/train-edc.svg   energy decay of the target, of the model before
#                        training and after 30 steps (adac-ir plot)
#   docs/train-loss.svg  the loss per step, log scale
# Needs adac-ir, adac-lower, jq and a python3 with python3-torch.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
adac-lower "$top/tests/data/train/target.json" |
	adac-ir impulse -n 24000 -o target.wav
"$py" "$top/python/train_fdn.py" --target target.wav --steps 0 \
	--ir-seconds 1 --ir-out "step 0.wav" > /dev/null
"$py" "$top/python/train_fdn.py" --target target.wav --steps 30 \
	--ir-seconds 1 --ir-out "step 30.wav" > steps.jsonl
adac-lower "$top/tests/data/train/target.json" |
	adac-ir impulse -n 48000 -o target.wav
# labels are the file names: run where they read well
adac-ir plot --kind edc -n 48000 --compare "step 0.wav" \
	--compare "step 30.wav" -o "$top/docs/train-edc.svg" target.wav
# 900 x 400, steps along x, log10(loss) along y
jq -r -s '
	(map(.loss | log10)) as $l | ($l | max | ceil) as $hi |
	($l | min | floor) as $lo | (length - 1) as $n |
	def x(i): 80 + i * 780 / $n;
	def y(v): 30 + ($hi - v) * 320 / ($hi - $lo);
	"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"400\" font-family=\"sans-serif\" font-size=\"13\">",
	"<rect width=\"900\" height=\"400\" fill=\"white\"/>",
	(range($lo; $hi + 1) as $d |
	 "<line x1=\"80\" x2=\"860\" y1=\"\(y($d))\" y2=\"\(y($d))\" stroke=\"#ddd\"/><text x=\"72\" y=\"\(y($d) + 4)\" text-anchor=\"end\">1e\($d)</text>"),
	(range(0; $n + 1; 5) as $i |
	 "<text x=\"\(x($i))\" y=\"372\" text-anchor=\"middle\">\($i)</text>"),
	"<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"\([range(0; length) as $i | "\(x($i)),\(y($l[$i]))"] | join(" "))\"/>",
	"<text x=\"470\" y=\"395\" text-anchor=\"middle\">step</text>",
	"<text x=\"470\" y=\"18\" text-anchor=\"middle\">loss: mean squared difference of the energy decay curves (dB\u00b2), \(.[0].loss | . * 10 | round / 10) to \(.[-1].loss | . * 100 | round / 100)</text>",
	"</svg>"
' steps.jsonl > "$top/docs/train-loss.svg"
