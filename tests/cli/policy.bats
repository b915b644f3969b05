#!/usr/bin/env bats
# adac(7)'s policy, the same in every program: an input that cannot be
# read and an output that cannot be written are exit 3, the system
# failing; the message names that file (the output, never its temporary),
# and a failed run leaves nothing behind.
bats_require_minimum_version 1.5.0

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	cd "$BATS_TEST_TMPDIR"
	adac-lower "$TOP/examples/fdn4-adac.json" > ir.json
	adac-certify -o cert.json ir.json
	adac-emit -o prog.dsp cert.json
}

@test "policy: a missing input is exit 3 naming it, in every program" {
	for cmd in "adac-lower" "adac-certify" "adac-emit" "adac-ir check" \
		   "adac-diff ir.json" "adac-live run --driver null --frames 64"; do
		prog=${cmd%% *}
		run --separate-stderr $cmd nope.json
		echo "$cmd: $status $stderr"
		[ "$status" -eq 3 ]
		[ "$output" = "" ]
		[ "$stderr" = "$prog: error: nope.json: cannot open: No such file or directory" ]
	done
}

@test "policy: an output that cannot be written is exit 3 naming the output, not the input" {
	for cmd in "adac-lower $TOP/examples/fdn4-adac.json" \
		   "adac-certify ir.json" "adac-emit cert.json" \
		   "adac-ir fmt cert.json" "adac-diff ir.json prog.dsp"; do
		prog=${cmd%% *}
		run --separate-stderr $cmd -o no-such-dir/out.json
		echo "$cmd: $status $stderr"
		[ "$status" -eq 3 ]
		[ "$output" = "" ]
		# adac-diff warns first that the 4-line FDN decays slowly
		[ "${stderr##*$'\n'}" = "$prog: error: no-such-dir/out.json: cannot write: No such file or directory" ]
		[ "$prog" = adac-diff ] || [ "$stderr" = "${stderr##*$'\n'}" ]
	done
}

@test "policy: a full standard output is exit 3 naming <stdout>" {
	[ -w /dev/full ] || skip "no /dev/full"
	for cmd in "adac-lower $TOP/examples/fdn4-adac.json" \
		   "adac-certify ir.json" "adac-emit cert.json" \
		   "adac-ir fmt cert.json"; do
		prog=${cmd%% *}
		run --separate-stderr sh -c "$cmd > /dev/full"
		echo "$cmd: $status $stderr"
		[ "$status" -eq 3 ]
		[ "$stderr" = "$prog: error: <stdout>: cannot write: No space left on device" ]
	done
}
