/*
 * certify.h - the stability certificate of an IR: a small-gain bound for
 * every feedback loop, evaluated on the coefficients exactly as the
 * emitter writes them, plus proofs of instability where they exist.
 *
 * Functions borrow the IR.  adac_certify() returns the certificate as a
 * new json_t reference the caller owns (json_decref) and, with
 * adac_certify_attach(), writes it into ir->json as "certificate".
 * man/adac-certify.1 describes the method, the verdicts and the object.
 */
#ifndef ADAC_CERTIFY_H
#define ADAC_CERTIFY_H

#include <jansson.h>

#include "error.h"
#include "freq.h"
#include "ir.h"

#define ADAC_CERTIFY_VERSION "adac-certify 0.1.0"

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

/* Default grid: 4096 intervals, so 4097 frequencies from DC to Nyquist. */
#define ADAC_CERTIFY_GRID 4096
/*
 * Default tolerances, the half-width of the band around 1 that rounding
 * of a lossless design can reach (see adac-certify(1)): float32 rounding
 * moves σ_max of an orthogonal N × N matrix by at most √N·2⁻²⁴, which is
 * 3.8e-6 at the largest N = 4096 an IR allows; double rounding and the
 * SVD itself err by about N·2⁻⁵³ ≈ 9e-13 there.
 */
#define ADAC_CERTIFY_TOL_FLOAT32 1e-5
#define ADAC_CERTIFY_TOL_DOUBLE 1e-10

struct adac_certify_opts {
	enum adac_precision precision;	/* the values the emitter will ship */
	int grid;		/* intervals on [0, π]; <= 0: ADAC_CERTIFY_GRID */
	double tol;		/* < 0: the default for the precision */
};

/*
 * Certify ir.  On success *cert is a new reference to the certificate
 * object and *verdict its verdict (either may be NULL when not wanted).
 * Returns ADAC_OK whatever the verdict; ADAC_E_INPUT for bad options,
 * ADAC_E_DEPENDENCY when LAPACK fails, ADAC_E_NOMEM.
 */
int adac_certify(const struct adac_ir *ir, const struct adac_certify_opts *o,
		 json_t **cert, enum adac_verdict *verdict,
		 struct adac_error *err);

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
 * adac_certify_check(), and also require the certificate to have been
 * computed at precision ("float32" or "double"):
 *   "/certificate/precision"
 *       "certificate holds for double values; rerun adac-certify --precision float32"
 */
int adac_certify_check_precision(const struct adac_ir *ir,
				 enum adac_precision precision,
				 struct adac_error *err);

/*
 * A human summary of cert (borrowed) for `adac-certify --report`: the
 * verdict, the bound, the margin in dB, an estimated decay time per loop.
 * Returns a malloc'd string, or NULL when out of memory.
 */
char *adac_certify_summary(const json_t *cert);

#endif
