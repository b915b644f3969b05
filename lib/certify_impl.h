/*
 * certify_impl.h - what the parts of the certifier share, and nothing
 * else uses: the analysis context, a loop's work space and result, and
 * the functions one part calls in another.
 *
 *   certify_norm.c   what an element is, leaves, magnitudes over a band
 *                    of frequencies, and the branch and bound over bands
 *   certify_loop.c   a feedback loop: its elements, constant runs, the
 *                    small-gain bound, what rounding can explain
 *   certify_proof.c  proofs of instability
 *   certify.c        the verdict of each loop and of the IR, per
 *                    precision, and the certificate object
 *
 * The certificate as a document (verdict names, attach, check, summary)
 * is certificate.c's.  Every function here returns ADAC_OK or sets
 * c->err as adac_certify() documents.
 */
#ifndef ADAC_CERTIFY_IMPL_H
#define ADAC_CERTIFY_IMPL_H

#include "bound.h"
#include "certify.h"
#include "modal.h"

enum { CAND_PRODUCT, CAND_MERGED, CAND_FDN, N_CAND };

/*
 * What the analysis needs of a leaf node at one precision, computed once:
 * channel-wise magnitudes of biquads and fractional delays as bound.c's
 * prepared forms, values of gains and diagonal matrices with their
 * relative error, the norm of a matrix.
 */
struct leaf {
	const struct adac_node *node;
	struct adac_biquad_bound *bq;	/* sos: [ch·n_sections + s]; delay:
					   [ch], fractional channels only */
	unsigned char *frac;		/* delay: channel is fractional */
	double *val;		/* gain, matrix diagonal: signed value */
	double *rel;		/* relative error bound of val (run time) */
	double *mag;		/* upper bound of |val| */
	double sigma;		/* matrix: upper bound of ‖A‖₂ */
	double sigma_hat, fro;	/* matrix: LAPACK's σ₁ and ‖A‖_F */
};

struct elem {
	const struct adac_node *node;
	int diag, cnst;		/* acts channel-wise; independent of ω */
	int unit;		/* whole-sample delay: |value| = 1 always */
	int n;			/* channels (diagonal elements) */
	int run;		/* its run (diagonal elements) */
	double *cval;		/* constant diagonal: signed value */
	double *crel;		/* its relative error bound */
	double *cmag;		/* upper bound of |cval| */
	double *mat;		/* constant non-diagonal: the real matrix */
	double *pmat;		/* the same computed on absolute values */
	double mat_k, mat_rel;	/* its roundings and run-time error */
	double mat_err;		/* ‖error of mat‖_F */
	int rows, cols;
	double sigma, sigma_min;	/* of mat: upper bound, and σ_min */
	double sigma_merged;	/* upper bound, constant runs absorbed */
	double fro;		/* ‖mat‖_F */
};

struct run {
	int first, count;	/* elements first .. first+count-1, cyclic */
	int n;
	int absorbed_by;	/* element whose matrix absorbed its constants */
	double *cprod;		/* upper bound of the constants' |product| */
	double *cval, *crel;	/* their signed product and its error */
	double *prod;		/* work: product of the others on a band */
};

struct lwork {
	struct elem *e;
	int n_e, cap_e;
	struct run *r;
	int n_r;
};

struct loop {
	const struct adac_node *node;
	enum adac_verdict verdict;
	char reason[ADAC_TEXT_MAX];
	const char *method;
	enum adac_precision precision;
	double bound, estimate, worst_x, tol;
	int have_bound, bands, ltv;
	int plain;		/* a delay–gain–matrix FDN */
	double sigma_fdn, rho_fdn, det_fdn;
	int equal_delays;
	double fdn_delay;
	double mean_delay;
	int lossless;
	double rho_dc, rho_nyquist;
	int have_rho;
	json_t *matrices;
	struct adac_modal modal;
	int have_modal;
	int nonlinear;		/* a node that is not LTI lies in the loop */
	int modulated;		/* a modulated delay lies in the loop */
};

struct ctx {
	const struct adac_ir *ir;
	struct adac_freq_opts fo;
	double u;		/* unit roundoff of the precision */
	int grid;
	double tol;		/* >= 0: caps the marginal band */
	struct adac_error *err;
	int failed;		/* a leaf could not be prepared: err says why */
	struct leaf *leaves;
	int n_leaves, cap_leaves;
	struct loop *loops;
	int n_loops, cap_loops;
	/* the worst biquad anywhere, for the verdict of the whole IR */
	double worst_pole;
	const char *worst_pole_ptr;
	int worst_pole_section, worst_pole_channel;
	int unstable_biquad;
	json_t *biquads;
	/* a coefficient that is not finite at this precision */
	char nonfinite_ptr[ADAC_POINTER_MAX];
	double nonfinite_value;
};

static inline int
nomem(struct adac_error *err)
{
	return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
}

/*
 * The supremum over x in [−1, 1] of a function known through upper
 * bounds on bands: fn(arg, xlo, xhi) >= f(x) for every x in the band,
 * and fn(arg, x, x) is a bound at the point x.  Bands are kept in a
 * max-heap by their bound; the highest is split at its middle in ω until
 * it is within ADAC_CERTIFY_RTOL of the best point found, or the budget
 * is spent.  upper is then the highest bound left: nothing can exceed it.
 */
struct bband {
	double xlo, xhi, upper;
};

struct bb {
	struct bband *h;
	int n, cap;
	double upper;		/* sup over the bands that can no longer split */
	double estimate, x_estimate;
	int evals;
};

typedef double (*band_fn)(struct ctx *c, void *arg, double xlo, double xhi);

/* --- certify_norm.c ------------------------------------------------------ */

/* Does n act channel by channel?  Is it independent of frequency? */
int adac_cert_is_diag(const struct adac_node *n);
int adac_cert_is_const(const struct adac_node *n);
/* Does a gain whose value follows a knob at run time lie under n? */
int adac_cert_has_decay(const struct adac_node *n);

/* The leaf of node n at c's precision, prepared once; NULL on failure. */
const struct leaf *adac_cert_leaf_of(struct ctx *c,
				     const struct adac_node *n);
void adac_cert_leaf_free(struct leaf *l);

/* An upper bound of ‖m‖₂ (rows × cols) with err_fro the error of m. */
int adac_cert_matrix_norm(struct ctx *c, const double *m, int rows,
			  int cols, double err_fro, double *sigma_hat,
			  double *sigma);
/* An upper bound of ‖m‖_F of k entries. */
double adac_cert_frobenius(const double *m, long k);

/* Upper bounds over the band [xlo, xhi] of cos ω (NAN on failure). */
double adac_cert_chan_upper(struct ctx *c, const struct adac_node *n,
			    int ch, double xlo, double xhi);
double adac_cert_block_upper(struct ctx *c, const struct adac_node *n,
			     double xlo, double xhi, int sup);
/* The supremum over every ω of the norm of n (NAN on failure). */
double adac_cert_block_sup(struct ctx *c, const struct adac_node *n);

/*
 * Does a node that is not LTI lie under n: a nonlinear node or a
 * modulated delay (adac_cert_has_mod())?
 */
int adac_cert_has_nl(const struct adac_node *n);
/* Does a modulated delay lie under n? */
int adac_cert_has_mod(const struct adac_node *n);
/*
 * An upper bound of the incremental l2 gain of n, sup ‖n(x) − n(x')‖ /
 * ‖x − x'‖ (NAN on failure): for a node without a nonlinear one, its
 * norm's supremum over every ω (adac_cert_block_sup(), an LTI system's
 * incremental gain is its gain); otherwise composed from its parts'
 * incremental gains by the same block-norm inequalities, each factor
 * its own supremum, a nonlinear node's being its Lipschitz constant.
 */
double adac_cert_incr_gain(struct ctx *c, const struct adac_node *n);
/*
 * The incremental small-gain bound of a loop with a nonlinear node in
 * it, from its elements w (adac_cert_flatten(), in the order the signal
 * takes): the product of each nonlinear element's incremental gain and
 * of the supremum over ω of each run of linear elements between them,
 * taken together (cyclically: a single nonlinear node leaves one run).
 */
int adac_cert_nl_loop_bound(struct ctx *c, const struct lwork *w,
			    double *bound);

/* The supremum of fn over [−1, 1], starting from pieces bands, in *b. */
int adac_cert_bb_sup(struct ctx *c, band_fn fn, void *arg, int pieces,
		     struct bb *b);

/* --- certify_loop.c ------------------------------------------------------ */

/* Record every feedback node under n in c->loops, outer before inner. */
int adac_cert_collect_loops(struct ctx *c, const struct adac_node *n);
/* The first loop at or under n that is not certified, or NULL. */
const struct loop *adac_cert_uncertified_inner(const struct ctx *c,
					       const struct adac_node *n);

/* The elements around the loop n, in order, into w. */
int adac_cert_flatten(struct ctx *c, struct lwork *w,
		      const struct adac_node *n);
int adac_cert_make_runs(struct ctx *c, struct lwork *w);
int adac_cert_prepare(struct ctx *c, struct lwork *w);
void adac_cert_lwork_free(struct lwork *w);

int adac_cert_plain_fdn(struct ctx *c, struct lwork *w, struct loop *l);
int adac_cert_bound_loop(struct ctx *c, struct lwork *w, struct loop *l);
double adac_cert_loop_excess(struct ctx *c, const struct lwork *w,
			     double x);
int adac_cert_lossless(const struct lwork *w, double tol);
int adac_cert_report_matrices(struct ctx *c, struct lwork *w,
			      struct loop *l);

/* --- certify_proof.c ----------------------------------------------------- */

/* Set *proof when the loop provably has a pole outside the unit circle. */
int adac_cert_real_axis(struct ctx *c, struct loop *l, int *proof);
int adac_cert_symmetric_proof(struct ctx *c, struct lwork *w,
			      struct loop *l, int *proof);

#endif
