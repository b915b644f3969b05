#!/usr/bin/env bats
# The fuzzing smoke: every campaign in fuzz/ replays the inputs earlier
# campaigns found and fuzzes for a few seconds (make fuzz-smoke).  It
# needs clang's libFuzzer runtime, which scripts/install-deps.sh installs;
# without it the test is skipped, and says why.
bats_require_minimum_version 1.5.0

setup() {
	TOP="$BATS_TEST_DIRNAME/../.."
}

have_libfuzzer() {
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' > "$BATS_TEST_TMPDIR/t.c"
	clang -fsanitize=fuzzer -o "$BATS_TEST_TMPDIR/t" "$BATS_TEST_TMPDIR/t.c" 2>/dev/null
}

@test "fuzz: every campaign replays its findings and survives a short run" {
	have_libfuzzer || skip "clang with libFuzzer is not installed (scripts/install-deps.sh)"
	run make -C "$TOP" --no-print-directory fuzz-smoke FUZZ_SMOKE_SECONDS=5
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[${#lines[@]} - 1]}" = *" campaigns, 0 failed" ]]
	# each campaign ran and executed inputs
	[ "$(grep -c '^fuzz [a-z]*: [1-9][0-9]* execs' <<<"$output")" -ge 3 ]
}
