#!/bin/sh
# gen-allpass.sh [DIR]: write the allpass examples from
# scripts/gen-allpass.jq into DIR (default examples/), formatted as
# adac-ir fmt writes them.  Run from the top of the tree with the tools on
# PATH (PATH=$PWD/build/bin:$PATH sh scripts/gen-allpass.sh).
set -e
dir=${1:-examples}
jq=$(dirname "$0")/gen-allpass.jq
for w in schroeder nested freeverb dattorro dattorro-mod; do
	case $w in
	schroeder | nested) out=$dir/allpass-$w.json ;;
	*) out=$dir/$w.json ;;
	esac
	jq -n --arg which "$w" -f "$jq" | adac-ir fmt > "$out.tmp"
	mv "$out.tmp" "$out"
done
