/* Unit tests for lib/error.c: every public code has its own description. */
#include <string.h>

#include "error.h"
#include "unit.h"

/*
 * The strings are part of the contract (error.h: "a static description
 * of code, never NULL"): pin each one, and make sure no two codes share
 * one, so that a code added without its string fails here.
 */
static void
test_error__each_code_has_its_own_string(void)
{
	static const char *const want[ADAC_E_COUNT] = {
		[ADAC_OK] = "success",
		[ADAC_E_INPUT] = "invalid input",
		[ADAC_E_NEGATIVE] = "negative verdict",
		[ADAC_E_DEPENDENCY] = "a dependency failed",
		[ADAC_E_IO] = "input/output error",
		[ADAC_E_NOMEM] = "out of memory",
	};
	int i, j;

	for (i = 0; i < ADAC_E_COUNT; i++) {
		check(want[i] != NULL);
		check_str(adac_strerror(i), want[i]);
		for (j = 0; j < i; j++)
			check(strcmp(adac_strerror(i), adac_strerror(j)) != 0);
	}
}

static void
test_error__a_code_out_of_range_is_unknown_not_null(void)
{
	check_str(adac_strerror(-1), "unknown error");
	check_str(adac_strerror(ADAC_E_COUNT), "unknown error");
	check_str(adac_strerror(1 << 30), "unknown error");
}

int
main(void)
{
	RUN(test_error__each_code_has_its_own_string);
	RUN(test_error__a_code_out_of_range_is_unknown_not_null);
	return unit_done();
}
