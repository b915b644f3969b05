#!/bin/sh
# adac-plugin: build time per plugin and the built plugin's run-time cost,
# for the bundled FDN examples (fdn4-adac with rt60 and dry_wet, fdn16
# with rt60; certified).
#
#   build s   one adac-plugin run, mean of 3 (hyperfine): emission, faust,
#             the C++ compiler, the RDF, and the verification (lilv
#             renders at every knob position and adac-diff compares)
#   × rt      seconds of audio per second of wall time, one core, 48 kHz:
#             lv2file (an external host) rendering SECONDS_RENDER seconds of an impulse
#             through the plugin, WAV in and out included, mean of 3
#
# Needs hyperfine, lv2file and faust.  SECONDS_RENDER=... sets the render length (default 60).
set -e
dir=$(cd "$(dirname "$0")" && pwd)
top=$dir/..
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in hyperfine lv2file faust adac-plugin; do
	if ! command -v "$t" >/dev/null; then
		echo "skipped: $t is not installed"
		exit 0
	fi
done
secs=${SECONDS_RENDER:-60}

cd "$tmp"
mkdir lv2
adac-lower --control rt60 --control dry_wet "$top/examples/fdn4-adac.json" | adac-certify > fdn4.json
adac-lower --control rt60 "$top/examples/fdn16.json" | adac-certify > fdn16.json
echo '{"adac":"ir/1","name":"id","fs":48000,"inputs":1,"outputs":1,"graph":{"op":"gain","values":[1]}}' > id.json
adac-ir impulse -n $((48000 * secs)) --format wav -t float32 -o impulse.wav id.json

printf '%-8s %9s %9s %12s\n' model "build s" "× rt" "worst dB"
for m in fdn4 fdn16; do
	hyperfine -N --runs 3 --export-json build.json \
		"adac-plugin -o lv2/$m.lv2 $m.json" > /dev/null 2>&1
	build=$(jq '.results[0].mean' build.json)
	adac-plugin -o lv2/$m.lv2 $m.json > report.json
	worst=$(jq '[.positions[].worst_error_db | select(. != null)] | max' report.json)
	uri=$(jq -r .uri report.json)
	LV2_PATH=$tmp/lv2 hyperfine -N --runs 3 --export-json run.json \
		"lv2file -i impulse.wav -o out.wav $uri" > /dev/null 2>&1
	rt=$(jq --argjson s "$secs" '$s / .results[0].mean' run.json)
	printf '%-8s %9.2f %9.0f %12.1f\n' "$m" "$build" "$rt" "$worst"
done
