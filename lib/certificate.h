/*
 * certificate.h - the certificate as a document: verdicts, the
 * precisions it covers, attaching it to an IR, the check adac-emit makes
 * before it writes a program, and the summary of `adac-certify --report`.
 *
 * Nothing here computes a bound (that is certify.h), so a program that
 * only checks certificates links no linear algebra.  Functions borrow
 * the IR and the certificate.
 */
#ifndef ADAC_CERTIFICATE_H
#define ADAC_CERTIFICATE_H

#include <jansson.h>

#include "error.h"
#include "fixpoint.h"
#include "ir.h"
#include "precision.h"

/* Verdicts from best to worst; the IR's verdict is its worst loop's. */
enum adac_verdict {
	ADAC_CERTIFIED_STABLE,
	ADAC_MARGINALLY_STABLE,
	ADAC_INDETERMINATE,
	ADAC_NOT_CERTIFIED,
	ADAC_UNSTABLE,
};

/* "certified-stable", "marginally-stable", ...; never NULL. */
const char *adac_verdict_name(enum adac_verdict v);

/*
 * The precisions a certificate covers, as a mask of 1 << precision: a
 * program built from the emitted FAUST holds its coefficients in float
 * (the default build) or in double (faust -double).
 */
#define ADAC_CERTIFY_FLOAT32 (1u << ADAC_PRECISION_FLOAT32)
#define ADAC_CERTIFY_DOUBLE (1u << ADAC_PRECISION_DOUBLE)
#define ADAC_CERTIFY_ALL (ADAC_CERTIFY_FLOAT32 | ADAC_CERTIFY_DOUBLE)
/* Coefficients only, for the analysis: no program is built in these. */
#define ADAC_CERTIFY_FLOAT16 (1u << ADAC_PRECISION_FLOAT16)
#define ADAC_CERTIFY_BFLOAT16 (1u << ADAC_PRECISION_BFLOAT16)

/* Set cert (borrowed) as the "certificate" member of ir->json. */
int adac_certify_attach(struct adac_ir *ir, json_t *cert,
			struct adac_error *err);

/*
 * For adac-emit: ADAC_OK when ir carries a certificate that is fresh (its
 * "hash" equals adac_ir_hash(ir)) and passing (certified-stable or
 * marginally-stable).  Otherwise ADAC_E_NEGATIVE with pointer and text:
 *   "/certificate"          "no certificate; run adac-certify first"
 *   "/certificate/hash"     "certificate is stale; rerun adac-certify"
 *   "/certificate/verdict"  "certificate verdict is 'unstable'"
 * ADAC_E_NOMEM or ADAC_E_DEPENDENCY when hashing fails.
 */
int adac_certify_check(const struct adac_ir *ir, struct adac_error *err);

/*
 * adac_certify_check() for the program adac-emit writes: with fx NULL a
 * floating-point one, so the certificate must cover float32 or double;
 * with fx that fixed-point format, named exactly:
 *   "/certificate/precision"
 *       "certificate covers neither float32 nor double, the builds adac-emit writes; rerun adac-certify"
 *       "certificate does not cover q1.15:round:saturate; rerun adac-certify --precision q1.15:round:saturate"
 */
int adac_certify_check_target(const struct adac_ir *ir,
			      const struct adac_fixpoint *fx,
			      struct adac_error *err);

/*
 * adac_certify_check(), and also require the certificate to cover
 * precision ("float32" or "double"):
 *   "/certificate/precision"
 *       "certificate does not cover double values; rerun adac-certify --precision all"
 */
int adac_certify_check_precision(const struct adac_ir *ir,
				 enum adac_precision precision,
				 struct adac_error *err);

/*
 * The precisions a fresh certificate of ir covers, as ADAC_CERTIFY_*
 * bits (0 when none or stale); for adac-emit's header.
 */
unsigned adac_certify_precisions(const struct adac_ir *ir);

/*
 * A human summary of cert (borrowed) for `adac-certify --report`: the
 * verdict, the bound, the margin in dB, an estimated decay time per loop.
 * Returns a malloc'd string, or NULL when out of memory.
 */
char *adac_certify_summary(const json_t *cert);

#endif
