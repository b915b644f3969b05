#!/usr/bin/env bats
# adac-ir export: an IR back to the reference implementation's model
# config, and lowering that config gives the IR back.
bats_require_minimum_version 1.5.0

setup() {
	TOP="$BATS_TEST_DIRNAME/../.."
	cd "$BATS_TEST_TMPDIR"
}

# The hash of an IR document without its provenance and certificate.
bare_hash() {
	jq 'del(.source, .certificate)' "$1" | adac-ir hash
}

# round_trip IR: export it, lower the export, compare; prints the reason
# and fails when the two differ.
round_trip() {
	adac-ir export -o cfg.json "$1" || return 1
	adac-lower cfg.json > back.json || return 1
	[ "$(bare_hash "$1")" = "$(bare_hash back.json)" ] ||
		{ echo "differs: $1"; return 1; }
}

# (tests/unit/test_export.c runs the round trip over every fixture and 64
# random FDNs in process; here the programs as a user runs them)
@test "adac-ir export: the bundled examples come back from adac-lower as the same IR" {
	for f in "$TOP"/examples/*.json; do
		# the config format has no nonlinear module (nonlinear.bats)
		jq -e '[.. | .op? | select(. == "nonlinear")] | length > 0' "$f" >/dev/null && continue
		# nor a modulated delay (moddelay.bats)
		jq -e '[.. | .op? | select(. == "moddelay")] | length > 0' "$f" >/dev/null && continue
		# nor a parallel that stacks its inputs (Dattorro's tank halves)
		jq -e '[.. | objects | select(.op? == "parallel" and .in? == "stack")] | length > 0' "$f" >/dev/null && continue
		# an IR as it is (the allpass examples), a config or spec lowered
		if jq -e 'has("adac")' "$f" >/dev/null; then
			cp "$f" ir.json
		else
			adac-lower "$f" > ir.json
		fi
		round_trip ir.json
	done
	# and with the three controls
	adac-lower --control rt60 --control 'dry_wet,init=0.5' --control pre_delay \
		"$TOP/examples/fdn4-adac.json" > ir.json
	round_trip ir.json
}

@test "adac-ir export: the config is the reference's format: a Shell, named modules, fs and controls" {
	jq -n '{fs: 44100, name: "Two", type: "Series", children: [
		{type: "Recursion", name: "loop",
		 fF: {module_type: "parallelDelay", name: "lines",
		      params: {samples_fractional: [100.25, 200]}, flamo: {isint: false}},
		 fB: {module_type: "HouseholderMatrix", name: "mix", params: {matrix: [[0, -1], [-1, 0]]}}},
		{type: "Parallel", sum_output: true, children: [
		 {module_type: "parallelGain", params: {gains: [1, 1]}},
		 {module_type: "parallelGain", params: {gains: [2, 2]}},
		 {module_type: "parallelGain", params: {gains: [3, 3]}}]}]}' |
		adac-lower --control 'rt60=1:5:2' > ir.json
	adac-ir export -o cfg.json ir.json
	[ "$(jq -c '[.type, .name, .fs, (.children | length), .controls]' cfg.json)" = '["Shell","Two",44100,1,{"rt60":{"min":1,"max":5,"init":2}}]' ]
	core=$(jq -c '.children[0]' cfg.json)
	[ "$(jq -c '[.type, .children[0].type, .children[0].name]' <<<"$core")" = '["Series","Recursion","loop"]' ]
	# the delay as flamo_to_json writes a fractional one, without the
	# decay gain rt60 put beside it (in a series of its own)
	[ "$(jq -c '.children[0].fF | [.type, (.children | length)]' <<<"$core")" = '["Series",1]' ]
	[ "$(jq -c '.children[0].fF.children[0] | [.module_type, .name, .params, .flamo]' <<<"$core")" = '["parallelDelay","lines",{"samples":[100,200],"samples_fractional":[100.25,200]},{"isint":false}]' ]
	# a Householder reflection stays FLAMO's module, u its raw parameter
	[ "$(jq -c '.children[0].fB | [.module_type, .flamo.param_raw]' <<<"$core")" = '["HouseholderMatrix",[[0.7071067811865475],[0.7071067811865475]]]' ]
	# three branches: FLAMO's Parallel takes two, the rest continues
	[ "$(jq -c '.children[1] | [.sum_output, (.children | length), .children[1].type, .children[1].adac]' <<<"$core")" = '[true,2,"Parallel",{"continues":true}]' ]
	round_trip ir.json
}

@test "adac-ir export: the reference's json_to_faust reads the export (when its source is at hand)" {
	ref=${ADAC_REFERENCE_SRC:-}
	[ -n "$ref" ] && [ -f "$ref/adac/codegen/json_to_faust.py" ] ||
		skip "set ADAC_REFERENCE_SRC to the reference implementation's src/"
	adac-lower "$TOP/examples/fdn4-adac.json" > ir.json
	adac-ir export -o cfg.json ir.json
	PYTHONPATH=$ref python3 -c 'import json, sys
from adac.codegen.json_to_faust import json_to_faust
print(json_to_faust(json.load(open("cfg.json"))))' > ref.dsp
	run --separate-stderr adac-diff ir.json ref.dsp
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "adac-ir export: what the format cannot express is exit 2 with its pointer, nothing written" {
	run --separate-stderr adac-ir export -o cfg.json "$TOP/tests/data/emit/knobs-stereo.json"
	[ "$status" -eq 2 ]
	[ ! -e cfg.json ]
	[ "$stderr" = "adac-ir: error: $TOP/tests/data/emit/knobs-stereo.json: /graph: a parallel with in 'stack' has no counterpart in the config format: FLAMO's Parallel gives every branch the same input" ]
	# a decay gain where adac-lower does not put one
	run --separate-stderr adac-ir export "$TOP/tests/data/sim/comb-controls.json"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-ir: error: $TOP/tests/data/sim/comb-controls.json: /graph/forward/op: the config format cannot express this exactly: lowering the export gives something else here" ]
	run --separate-stderr adac-ir export --to flamo "$TOP/tests/data/ir/fdn4.json"
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-ir: error: --to: unknown format 'flamo'; expected adac" ]
}
