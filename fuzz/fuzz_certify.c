/*
 * fuzz_certify - the certifier on whatever the IR validator accepts, for
 * float builds, for both (the default), and for a q1.15 build with a
 * small budget for its overflow bounds, with a small grid: whatever its
 * verdict it must not crash, hang or leak, and its certificate must
 * attach and check.
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "certify.h"
#include "fuzz.h"
#include "ir.h"

#define FUZZ_GRID 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct adac_certify_opts o = {0};
	struct adac_fixpoint q15 = {15, ADAC_FX_ROUND, ADAC_FX_SATURATE};
	struct adac_error err;
	struct adac_ir *ir = NULL;
	enum adac_verdict verdict;
	json_t *cert;
	char *summary;
	int rc, k;

	adac_error_clear(&err);
	if (adac_ir_parse_text((const char *)data, size, &ir, &err) != ADAC_OK)
		return 0;
	for (k = 0; k < 3; k++) {
		o.precisions = k == 0 ? ADAC_CERTIFY_FLOAT32 : ADAC_CERTIFY_ALL;
		o.grid = FUZZ_GRID;
		o.tol = -1;
		o.fixpoint = k == 2 ? &q15 : NULL;
		o.fixed_budget = 1L << 16;
		cert = NULL;
		adac_error_clear(&err);
		rc = adac_certify(ir, &o, &cert, &verdict, &err);
		if (rc != ADAC_OK) {
			/* LAPACK failing is the certifier's to turn into a verdict */
			fuzz_check_error(rc, &err, 1);
			continue;
		}
		summary = adac_certify_summary(cert);
		if (summary == NULL)
			fuzz_fail("summary out of memory", &err);
		free(summary);
		if (adac_certify_attach(ir, cert, &err) != ADAC_OK)
			fuzz_fail("a certificate does not attach", &err);
		rc = adac_certify_check(ir, &err);
		if (rc != ADAC_OK && rc != ADAC_E_NEGATIVE)
			fuzz_fail("a fresh certificate does not check", &err);
		json_decref(cert);
	}
	adac_ir_free(ir);
	return 0;
}
