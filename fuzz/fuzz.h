/*
 * fuzz.h - what every libFuzzer target checks besides crashes, hangs and
 * leaks (which AddressSanitizer, UBSan and libFuzzer catch): that an
 * error the library reports is one a user can read.
 *
 * Inputs are a few KB, so ADAC_E_NOMEM is never real here: it is an
 * error mislabelled (jansson refusing an infinity, say) and the user
 * would read "out of memory", exit 3, for bad input.  abort() makes
 * libFuzzer keep the input.
 */
#ifndef ADAC_FUZZ_H
#define ADAC_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

static void
fuzz_fail(const char *what, const struct adac_error *err)
{
	fprintf(stderr, "fuzz: %s: code %d, pointer '%s', text '%s'\n", what,
		err->code, err->pointer, err->text);
	abort();
}

/* An error as adac_cli_fail() would print it: one line, a pointer or none. */
static void
fuzz_check_error(int rc, const struct adac_error *err, int dependency_ok)
{
	const char *c;

	if (rc != err->code)
		fuzz_fail("returned code is not the error's", err);
	if (rc == ADAC_E_NOMEM)
		fuzz_fail("out of memory on a small input", err);
	if (rc == ADAC_E_DEPENDENCY && !dependency_ok)
		fuzz_fail("a dependency failed", err);
	if (rc != ADAC_E_INPUT && rc != ADAC_E_DEPENDENCY)
		fuzz_fail("unexpected code", err);
	if (err->text[0] == '\0')
		fuzz_fail("empty error text", err);
	for (c = err->text; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20)
			fuzz_fail("control character in the error text", err);
	if (err->pointer[0] != '\0' && err->pointer[0] != '/')
		fuzz_fail("pointer does not start with '/'", err);
}

#endif
