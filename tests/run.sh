#!/bin/sh
# Run every unit test binary and every bats file; end with one summary
# line "N passed, N failed" (after "N skipped" when a test was skipped:
# a skip is neither) and exit non-zero when anything failed.
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
PATH=$top/$BUILD/bin:$PATH
export PATH ADAC_TEST_BUILD="$top/$BUILD"
# LeakSanitizer stays on for our code; libfaust and the LLVM it loads keep
# allocations until exit by design, and those are suppressed by library.
if [ "${SANITIZE:-}" = 1 ]; then
	LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp:print_suppressions=0}
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	export LSAN_OPTIONS UBSAN_OPTIONS
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	echo "# $t"
	"$t" >"$log" 2>&1 || status=1
	cat "$log"
	cat "$log" >>"$log.all"
done
if ls tests/cli/*.bats >/dev/null 2>&1; then
	echo "# bats tests/cli"
	bats --tap tests/cli >"$log" 2>&1 || status=1
	cat "$log"
	cat "$log" >>"$log.all"
fi
# a skipped test ("ok N ... # skip REASON") did not pass: count it apart
passed=$(grep '^ok ' "$log.all" 2>/dev/null | grep -vc ' # skip')
skipped=$(grep -c '^ok .* # skip' "$log.all" 2>/dev/null)
failed=$(grep -c '^not ok ' "$log.all" 2>/dev/null)
rm -f "$log.all"
# a binary that crashed before printing its "not ok" still counts as a failure
if [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then
	failed=1
fi
[ "${skipped:-0}" -eq 0 ] || echo "${skipped} skipped"
echo "${passed:-0} passed, ${failed:-0} failed"
[ "${failed:-0}" -eq 0 ] && [ "$status" -eq 0 ]
