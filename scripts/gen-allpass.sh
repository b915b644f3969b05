#!/bin/sh
# gen-allpass.sh: write the allpass examples from scripts/gen-allpass.jq,
# formatted as adac-ir fmt writes them.  Run from the top of the tree with
# the tools on PATH (PATH=$PWD/build/bin:$PATH sh scripts/gen-allpass.sh).
set -e
for w in schroeder nested freeverb dattorro; do
	case $w in
	schroeder | nested) out=examples/allpass-$w.json ;;
	*) out=examples/$w.json ;;
	esac
	jq -n --arg which "$w" -f scripts/gen-allpass.jq | adac-ir fmt > "$out.tmp"
	mv "$out.tmp" "$out"
done
