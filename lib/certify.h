/*
 * certify.h - the stability certificate of an IR: a small-gain bound for
 * every feedback loop that holds by construction over every frequency,
 * evaluated on the coefficients exactly as a program built from the
 * emitted FAUST holds them (in every precision it may be built in), plus
 * proofs of instability where they exist.
 *
 * Functions borrow the IR.  adac_certify() returns the certificate as a
 * new json_t reference the caller owns (json_decref).  The certificate
 * document itself (verdicts, attaching it, checking it before emission,
 * a summary) is certificate.h's, which needs no linear algebra.
 * man/adac-certify.1 describes the method, the verdicts and the object.
 */
#ifndef ADAC_CERTIFY_H
#define ADAC_CERTIFY_H

#include <jansson.h>

#include "certificate.h"
#include "error.h"
#include "fixpoint.h"
#include "freq.h"
#include "ir.h"

#define ADAC_CERTIFY_VERSION "adac-certify 0.2.0"

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
	/*
	 * A fixed-point build instead (precisions is then ignored): the
	 * analysis takes the coefficients on the format's grid and adds
	 * the overflow and limit-cycle bounds of fixbound.h, for inputs
	 * within ±input_peak (0: 1, full scale).
	 */
	const struct adac_fixpoint *fixpoint;
	double input_peak;
	long fixed_budget;	/* fixbound.h's budget; <= 0: its default */
};

/*
 * Certify ir.  On success *cert is a new reference to the certificate
 * object and *verdict its verdict (either may be NULL when not wanted).
 * Returns ADAC_OK whatever the verdict; ADAC_E_INPUT for bad options or,
 * with a fixed-point format, a network it cannot compute
 * (adac_fixpoint_check, with the node's pointer); ADAC_E_DEPENDENCY when
 * LAPACK fails, ADAC_E_NOMEM.
 */
int adac_certify(const struct adac_ir *ir, const struct adac_certify_opts *o,
		 json_t **cert, enum adac_verdict *verdict,
		 struct adac_error *err);

#endif
