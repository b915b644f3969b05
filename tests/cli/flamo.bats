#!/usr/bin/env bats
# FLAMO's filter modules as the reference's flamo_to_json writes them
# (params.raw: the param tensor; flamo: the constructor's arguments),
# lowered by adac-lower and compared bin by bin with FLAMO's own formulas,
# re-typed from gdalsanto/flamo in PyTorch by tests/cli/flamo_ref.py, which
# shares no code with lib/flamo.c.  The fixtures (tests/data/flamo/) cover
# every module type and filter type, parallel and M x N.
bats_require_minimum_version 1.5.0

# find_python: a python3 that imports torch and numpy (Debian's
# python3-torch, python3-numpy), in PY
find_python() {
	local p
	PY=""
	for p in "${PYTHON:-}" python3 /usr/bin/python3; do
		[ -n "$p" ] || continue
		if "$p" -c 'import torch, numpy' 2>/dev/null; then
			PY=$p
			return 0
		fi
	done
	return 1
}

setup() {
	TOP="$BATS_TEST_DIRNAME/../.."
	DATA="$TOP/tests/data"
	cd "$BATS_TEST_TMPDIR"
}

@test "flamo: every filter module lowers to FLAMO's response in double, within -200 dB of its peak" {
	find_python || skip "needs python3 with torch and numpy (python3-torch)"
	# Both sides evaluate the same formulas in double: the coefficients
	# agree to a few ulp (~1e-16 relative).  A section whose poles lie
	# 1 - r from the unit circle amplifies that by up to ~1/(1 - r)^2;
	# the lowest GEQ crossover (35 Hz at 48 kHz, 1 - r ~ 5e-3) makes it
	# ~4e4, so agreement to ~4e-12 (-208 dB) of the peak is expected.
	for f in "$DATA"/flamo/*.json; do
		adac-lower "$f" > ir.json
		run --separate-stderr "$PY" "$TOP/tests/cli/flamo_ref.py" "$f" ir.json --tol-db -200
		echo "$(basename "$f"): $output"
		[ "$status" -eq 0 ]
	done
}

@test "flamo: what the reference's exporter turns into a wire or identity is kept, as FLAMO's response differs from a wire" {
	find_python || skip "needs python3 with torch and numpy (python3-torch)"
	# json_to_faust emits '_' for parallelBiquad, parallelSVF, GEQ,
	# parallelGEQ and parallelPEQ, fi.tf2(1,0,0,0,0) for a Biquad and a
	# 0 dB peak_eq for a PEQ with only the raw param.  Every parallel or
	# one-channel fixture's FLAMO response is at least -20 dB of its peak away from
	# the identity, and adac's is FLAMO's (the test above).
	local n=0
	for f in "$DATA"/flamo/*.json; do
		# a wire is only defined for a parallel or one-channel module
		[ "$(jq '(.module_type | startswith("parallel")) or (.input_channels == 1 and .output_channels == 1)' "$f")" = true ] || continue
		adac-lower "$f" > ir.json
		run --separate-stderr "$PY" "$TOP/tests/cli/flamo_ref.py" "$f" ir.json --tol-db -200
		echo "$(basename "$f"): $output"
		[ "$status" -eq 0 ]
		jq -e '.identity_db > -20' <<<"$output"
		n=$((n + 1))
	done
	[ "$n" -ge 10 ]
}

@test "flamo: the reference's json_to_faust program of a FLAMO filter differs from adac's (when its source is at hand)" {
	ref=${ADAC_REFERENCE_SRC:-}
	[ -n "$ref" ] && [ -f "$ref/adac/codegen/json_to_faust.py" ] ||
		skip "set ADAC_REFERENCE_SRC to the reference implementation's src/"
	find_python || skip "needs python3 with numpy"
	for f in geq-third-1 svf-lowpass-1 biquad-bandpass-1 peq-biquad-1; do
		adac-lower "$DATA/flamo/$f.json" > ir.json
		PYTHONPATH=$ref "$PY" -c 'import json, sys
from adac.codegen.json_to_faust import json_to_faust
print(json_to_faust(json.load(open(sys.argv[1]))))' "$DATA/flamo/$f.json" > ref.dsp
		run --separate-stderr adac-diff ir.json ref.dsp
		echo "$f: $(jq -c '.overall | [.verdict, .worst_error_db]' <<<"$output")"
		[ "$status" -eq 1 ]
	done
}

@test "flamo: FLAMO's own float32 arithmetic is this close to the double design" {
	find_python || skip "needs python3 with torch and numpy (python3-torch)"
	# The figures adac-lower(1) states: Biquad, SVF and the biquad PEQ
	# within -100 dB; the low sections of GEQ and the svf PEQ are
	# ill-conditioned in float32 and are reported, not bounded.
	for f in "$DATA"/flamo/*.json; do
		adac-lower "$f" > ir.json
		run --separate-stderr "$PY" "$TOP/tests/cli/flamo_ref.py" "$f" ir.json --dtype float32 --tol-db 0
		echo "$(basename "$f"): $(jq -c '.err_db' <<<"$output")"
		case $(basename "$f") in
		*geq*|ppeq-svf*) ;;
		*) jq -e '.err_db < -100' <<<"$output" ;;
		esac
	done
}

@test "flamo: a ragged raw param is exit 2 with its pointer, nothing on stdout" {
	jq '.params.raw[4][0] = [0, 1]' "$DATA/flamo/psvf-lowpass-3.json" > bad.json
	run --separate-stderr adac-lower bad.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-lower: error: bad.json: /params/raw/4/0: a parallelSVF's raw param has shape (5, K, N): expected 3 entries like the first array of its level, got 2" ]
}

@test "flamo: a raw param that makes a coefficient NaN is exit 2 naming the section" {
	# PEQ low shelf: sqrt((G^2 + 1)(1/R - 1) + 2G) of a negative number
	jq '.params.raw[0][1] = [[10, 1], [1, 1]] | .params.raw[0][2] = [[-20, 0], [0, 0]]' \
		"$DATA/flamo/peq-biquad-2x2.json" > bad.json
	run --separate-stderr adac-lower bad.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-lower: error: bad.json: /params/raw: these parameters make section 0's b0 NaN from input 0 to output 0, not a finite number" ]
}

@test "flamo: AccurateGEQ is refused by name" {
	jq '.module_type = "AccurateGEQ"' "$DATA/flamo/geq-third-1.json" > bad.json
	run --separate-stderr adac-lower bad.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-lower: error: bad.json: /params/raw: module type 'AccurateGEQ' is not lowered: its section gains come from flamo's L-BFGS fit at run time, which adac does not reproduce; export its sections as a parallelSOSFilter" ]
}

@test "flamo: FLAMO's own modules in float32 agree with adac's IR as stated (when FLAMO's source is at hand)" {
	src=${FLAMO_SRC:-}
	[ -n "$src" ] && [ -f "$src/flamo/processor/dsp.py" ] ||
		skip "set FLAMO_SRC to a checkout of gdalsanto/flamo"
	find_python || skip "needs python3 with torch and numpy (python3-torch)"
	# FLAMO's code itself rather than flamo_ref.py's re-typing: the same
	# figures as the float32 test above
	for f in "$DATA"/flamo/*.json; do
		adac-lower "$f" > ir.json
		run --separate-stderr "$PY" "$TOP/tests/cli/flamo_real.py" "$src" "$f" ir.json
		echo "$(basename "$f"): $output"
		[ "$status" -eq 0 ]
		case $(basename "$f") in
		*geq*|ppeq-svf*) ;;
		# FLAMO's parallelBiquad bandpass fails in its own init_param
		pbiquad-bandpass*) jq -e '.error | startswith("IndexError")' <<<"$output" ;;
		*) jq -e '.err_db < -100' <<<"$output" ;;
		esac
	done
}
