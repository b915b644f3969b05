/*
 * fuzz_lower - adac-lower's front ends: every input goes through the
 * adac (FLAMO config) front end and the fdn front end, and through the
 * automatic choice between them.  What they accept must be a valid IR
 * (adac_build_document() validates it; parsing it again must agree).
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fuzz.h"
#include "ir.h"
#include "json.h"
#include "lower.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
lowered(json_t *ir)
{
	struct adac_error err;
	struct adac_ir *parsed = NULL;
	int rc;

	adac_error_clear(&err);
	rc = adac_ir_parse(ir, &parsed, &err);
	if (rc != ADAC_OK)
		fuzz_fail("a lowered IR does not validate", &err);
	adac_ir_free(parsed);
	json_decref(ir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct adac_error err;
	json_t *doc, *ir = NULL;
	int rc, k;

	adac_error_clear(&err);
	doc = adac_json_load((const char *)data, size, &err);
	if (doc == NULL) {
		fuzz_check_error(err.code, &err, 0);
		return 0;
	}
	for (k = 0; k < 4; k++) {
		ir = NULL;
		adac_error_clear(&err);
		if (k == 0)
			rc = adac_lower(doc, ADAC_LOWER_AUTO, &ir, &err);
		else if (k == 1)
			rc = adac_lower_adac(doc, &ir, &err);
		else if (k == 2)
			rc = adac_lower_fdn(doc, &ir, &err);
		else
			rc = adac_lower_sdn(doc, &ir, &err);
		if (rc == ADAC_OK)
			lowered(ir);
		else
			/* LAPACK may refuse a random orthogonal matrix's seed */
			fuzz_check_error(rc, &err, 1);
	}
	json_decref(doc);
	return 0;
}
