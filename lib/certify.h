/*
 * certify.h - the stability certificate of an IR: a small-gain bound for
 * every feedback loop that holds by construction over every frequency,
 * evaluated on the coefficients exactly as a program built from the
 * emitted FAUST holds them (in every precision it may be built in), plus
 * proofs of instability where they exist.
 *
 * Functions borrow the IR.  adac_certify() returns the certificate as a
 * new json_t reference the caller owns (json_decref).  The certificate
 * document itself (attaching it, checking it before emission, a summary)
 * is certificate.c's, which needs no linear algebra.
 * man/adac-certify.1 describes the method, the verdicts and the object.
 */
#ifndef ADAC_CERTIFY_H
#define ADAC_CERTIFY_H

#include <jansson.h>

#include "error.h"
#include "freq.h"
#include "ir.h"

#define ADAC_CERTIFY_VERSION "adac-certify 0.2.0"

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

/*
 * The band of frequencies is first cut into this many pieces, equal in ω;
 * the search then splits the pieces whose bound is highest.
 */
#define ADAC_CERTIFY_GRID 64
/* The search stops when its bound is this close to its best estimate... */
#define ADAC_CERTIFY_RTOL 1e-12
/* ...or after this many bounds of a piece of the band, per loop. */
#define ADAC_CERTIFY_BUDGET 4000

struct adac_certify_opts {
	unsigned precisions;	/* ADAC_CERTIFY_*; 0: ADAC_CERTIFY_ALL */
	int grid;		/* initial pieces; <= 0: ADAC_CERTIFY_GRID */
	double tol;		/* >= 0: at most this marginal band (it is
				   derived from rounding and never wider) */
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
