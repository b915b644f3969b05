/*
 * certify.c - the stability analysis behind the certificate.
 *
 * A loop y = forward(x + back(y)) is stable when every element in it is
 * stable and ‖L(e^{jω})‖ < 1 at every frequency, L the loop's transfer
 * matrix (the small-gain theorem; by the maximum modulus principle the
 * unit circle covers |z| >= 1).  Every number that decides that here is
 * an upper bound by construction:
 *
 * - delays have modulus 1; a gain, a matrix or a biquad is taken with its
 *   coefficients as the emitted program holds them (rounded to float32, or
 *   in double), and a decay gain the program computes at run time gets a
 *   margin for that arithmetic;
 * - ‖·‖₂ of a matrix is LAPACK's σ₁ plus its stated backward-error margin
 *   (bound.h), plus the rounding of any product that formed the matrix;
 * - every channel-wise magnitude depends on ω only through x = cos ω, and
 *   bound.c bounds it over a whole band of x, not at points; a branch and
 *   bound over bands of [−1, 1] takes the maximum of the loop's bound, so
 *   nothing can lie between samples.
 *
 * The loop's bound at a band is the least of three valid small-gain
 * bounds: the product of the elements' norms; the same with constant
 * gains merged into a neighbouring matrix (σ(A·Γ) is often far below
 * σ(A)·max|γ|); and, for a plain delay–gain–matrix FDN, σ(A·Γ) itself,
 * which is exact.  Where a gain moves with a knob at run time (rt60), the
 * loop is time-varying while it moves and frequency-wise products are no
 * longer bounds: then the bound is the product of each factor's own
 * supremum, which is.
 *
 * Where small gain cannot decide, proofs of instability are looked for,
 * and the modal analysis of the loop's state map gives a second, rigorous
 * decision for small networks (lib/modal.c).
 */
#include "certify.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "biquad.h"
#include "bound.h"
#include "linalg.h"
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

static int
nomem(struct adac_error *err)
{
	return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
}

/* --- what an element is ---------------------------------------------- */

static int
is_diag(const struct adac_node *n)
{
	int i;

	switch (n->op) {
	case ADAC_OP_DELAY:
	case ADAC_OP_GAIN:
	case ADAC_OP_SOS:
		return 1;
	case ADAC_OP_MATRIX:
		return n->structure.kind == ADAC_STRUCT_DIAGONAL &&
		       n->n_in == n->n_out;
	case ADAC_OP_PARALLEL:
		if (n->in != ADAC_IN_STACK || n->out != ADAC_OUT_STACK)
			return 0;
		/* fall through */
	case ADAC_OP_SERIES:
		for (i = 0; i < n->n_of; i++)
			if (!is_diag(n->of[i]))
				return 0;
		return 1;
	case ADAC_OP_FEEDBACK:
		return 0;
	}
	return 0;
}

static int
is_const(const struct adac_node *n)
{
	int i;

	switch (n->op) {
	case ADAC_OP_GAIN:
	case ADAC_OP_MATRIX:
		return 1;
	case ADAC_OP_SERIES:
	case ADAC_OP_PARALLEL:
		for (i = 0; i < n->n_of; i++)
			if (!is_const(n->of[i]))
				return 0;
		return 1;
	case ADAC_OP_DELAY:
	case ADAC_OP_SOS:
	case ADAC_OP_FEEDBACK:
		return 0;
	}
	return 0;
}

/* A gain whose value follows a knob at run time lies under n. */
static int
has_decay(const struct adac_node *n)
{
	int i;

	if (n->op == ADAC_OP_GAIN)
		return n->decay != NULL;
	if (n->op == ADAC_OP_FEEDBACK)
		return has_decay(n->forward) || has_decay(n->back);
	for (i = 0; i < n->n_of; i++)
		if (has_decay(n->of[i]))
			return 1;
	return 0;
}

/* --- leaves ------------------------------------------------------------ */

/*
 * The relative error of a decay gain the program computes at run time,
 * values[i]·pow(10, a) with a = −3·m/(fs·T60), behind a one-pole
 * smoother, in the precision's arithmetic: the exponent's three roundings
 * move pow's result by ln 10·|a|·3u, pow itself errs by an ulp or two,
 * the product and the smoother by an ulp each.  16 + 16·ln 10·|a| units
 * covers them twice over.
 */
static double
decay_rel(const struct ctx *c, const struct adac_node *n, int ch)
{
	double a;

	if (n->decay == NULL)
		return 0;
	a = 3 * n->decay->loop_samples[ch] / (c->fo.fs_hz * c->fo.rt60_s);
	return (16 + 16 * M_LN10 * fabs(a)) * c->u;
}

static void
leaf_free(struct leaf *l)
{
	free(l->bq);
	free(l->frac);
	free(l->val);
	free(l->rel);
	free(l->mag);
}

static int
matrix_norm(struct ctx *c, const double *m, int rows, int cols,
	    double err_fro, double *sigma_hat, double *sigma)
{
	int rc = adac_linalg_norm2(m, rows, cols, sigma_hat, c->err);

	if (rc == ADAC_E_DEPENDENCY) {
		/* LAPACK refuses what it cannot handle (a NaN, an overflow):
		 * no norm, no bound, but no failure of the whole run */
		*sigma_hat = *sigma = INFINITY;
		return ADAC_OK;
	}
	*sigma = adac_bound_norm2(*sigma_hat, rows, cols, err_fro);
	return rc;
}

static double
frobenius(const double *m, long k)
{
	double s = 0;
	long i;

	for (i = 0; i < k; i++)
		s += m[i] * m[i];
	return adac_bound_sqrt(adac_bound_up(s, (double)k));
}

static int
leaf_fill(struct ctx *c, struct leaf *l)
{
	const struct adac_node *n = l->node;
	double *m, d, f, q[5];
	int ch, s, k, ns = n->n_sections, rc;

	switch (n->op) {
	case ADAC_OP_SOS:
		l->bq = malloc((size_t)n->n_in * ns * sizeof *l->bq);
		if (l->bq == NULL)
			return nomem(c->err);
		for (ch = 0; ch < n->n_in; ch++)
			for (s = 0; s < ns; s++) {
				adac_freq_section(&c->fo, n->sos +
						  ((size_t)s * n->n_in + ch) * 5, q);
				adac_bound_biquad_prepare(q, &l->bq[ch * ns + s]);
			}
		return ADAC_OK;
	case ADAC_OP_DELAY:
		l->bq = malloc((size_t)n->n_in * sizeof *l->bq);
		l->frac = calloc((size_t)n->n_in, 1);
		if (l->bq == NULL || l->frac == NULL)
			return nomem(c->err);
		for (ch = 0; ch < n->n_in; ch++) {
			d = n->samples[ch];
			f = d - floor(d);
			if (n->interp == ADAC_INTERP_NONE || f == 0)
				continue;
			/* (1 − f)·x[n − k] + f·x[n − k − 1], as emitted */
			q[0] = adac_freq_round(&c->fo, 1 - f);
			q[1] = adac_freq_round(&c->fo, f);
			q[2] = q[3] = q[4] = 0;
			adac_bound_biquad_prepare(q, &l->bq[ch]);
			l->frac[ch] = 1;
		}
		return ADAC_OK;
	case ADAC_OP_GAIN:
	case ADAC_OP_MATRIX:
		break;
	case ADAC_OP_SERIES:
	case ADAC_OP_PARALLEL:
	case ADAC_OP_FEEDBACK:
		return ADAC_OK;
	}
	if (n->op == ADAC_OP_MATRIX && !is_diag(n)) {
		k = n->n_out * n->n_in;
		m = malloc((size_t)k * sizeof *m);
		if (m == NULL)
			return nomem(c->err);
		for (s = 0; s < k; s++)
			m[s] = adac_freq_round(&c->fo, n->data[s]);
		l->fro = frobenius(m, k);
		rc = matrix_norm(c, m, n->n_out, n->n_in, 0, &l->sigma_hat,
				 &l->sigma);
		free(m);
		return rc;
	}
	l->val = malloc((size_t)n->n_in * sizeof *l->val);
	l->rel = malloc((size_t)n->n_in * sizeof *l->rel);
	l->mag = malloc((size_t)n->n_in * sizeof *l->mag);
	if (l->val == NULL || l->rel == NULL || l->mag == NULL)
		return nomem(c->err);
	for (ch = 0; ch < n->n_in; ch++) {
		if (n->op == ADAC_OP_GAIN) {
			l->val[ch] = adac_freq_gain(n, ch, &c->fo);
			l->rel[ch] = decay_rel(c, n, ch);
		} else {
			l->val[ch] = adac_freq_round(&c->fo,
				n->data[(size_t)ch * n->n_in + ch]);
			l->rel[ch] = 0;
		}
		l->mag[ch] = adac_bound_up(fabs(l->val[ch]) * (1 + l->rel[ch]),
					   2);
		if (!isfinite(l->mag[ch]))
			l->mag[ch] = INFINITY;
	}
	return ADAC_OK;
}

static const struct leaf *
leaf_of(struct ctx *c, const struct adac_node *n)
{
	struct leaf *l;
	int i;

	for (i = 0; i < c->n_leaves; i++)
		if (c->leaves[i].node == n)
			return &c->leaves[i];
	if (c->n_leaves == c->cap_leaves) {
		c->cap_leaves = c->cap_leaves ? 2 * c->cap_leaves : 16;
		l = realloc(c->leaves, c->cap_leaves * sizeof *l);
		if (l == NULL) {
			nomem(c->err);
			c->failed = 1;
			return NULL;
		}
		c->leaves = l;
	}
	l = &c->leaves[c->n_leaves];
	memset(l, 0, sizeof *l);
	l->node = n;
	if (leaf_fill(c, l) != ADAC_OK) {
		leaf_free(l);
		c->failed = 1;
		return NULL;
	}
	c->n_leaves++;
	return l;
}

/* --- magnitudes over a band --------------------------------------------- */

/*
 * An upper bound of |value| of channel ch of a channel-wise node over the
 * band [xlo, xhi] of cos ω.  NAN when a leaf could not be prepared (out of
 * memory, c->err set).
 */
static double
chan_upper(struct ctx *c, const struct adac_node *n, int ch, double xlo,
	   double xhi)
{
	const struct leaf *l;
	double v = 1, lo, hi, sq;
	int i, s;

	switch (n->op) {
	case ADAC_OP_SERIES:
		for (i = 0; i < n->n_of; i++)
			v = adac_bound_mul(v, chan_upper(c, n->of[i], ch, xlo,
							 xhi));
		return v;
	case ADAC_OP_PARALLEL:
		for (i = 0; i < n->n_of; i++) {
			if (ch < n->of[i]->n_in)
				return chan_upper(c, n->of[i], ch, xlo, xhi);
			ch -= n->of[i]->n_in;
		}
		return INFINITY;
	case ADAC_OP_DELAY:
	case ADAC_OP_GAIN:
	case ADAC_OP_MATRIX:
	case ADAC_OP_SOS:
		break;
	case ADAC_OP_FEEDBACK:
		return INFINITY;	/* not channel-wise: never asked */
	}
	if ((l = leaf_of(c, n)) == NULL)
		return NAN;
	switch (n->op) {
	case ADAC_OP_DELAY:
		if (!l->frac[ch])
			return 1;
		adac_bound_biquad_band(&l->bq[ch], xlo, xhi, &lo, &hi);
		return adac_bound_sqrt(hi);
	case ADAC_OP_SOS:
		sq = 1;
		for (s = 0; s < n->n_sections; s++) {
			adac_bound_biquad_band(&l->bq[ch * n->n_sections + s],
					       xlo, xhi, &lo, &hi);
			sq = adac_bound_mul(sq, hi);
		}
		return adac_bound_sqrt(sq);
	default:
		return l->mag[ch];
	}
}

static double
lower_of_one_minus(double p)
{
	/* 1 − p is exact for p in [1/2, 1] (Sterbenz), else within u */
	return (1 - p) * (1 - 2 * ADAC_U_DOUBLE);
}

/*
 * An upper bound of ‖H(e^{jω})‖₂ of any node over the band: the
 * block-norm inequalities for parallel (‖[A B]‖ <= √(‖A‖² + ‖B‖²),
 * ‖A + B‖ <= ‖A‖ + ‖B‖, ‖diag(A, B)‖ = max), submultiplicativity for
 * series, and for a feedback node ‖(I − F·B)⁻¹·F‖ <= ‖F‖/(1 − ‖F‖·‖B‖)
 * when ‖F‖·‖B‖ < 1.  With sup set, each factor is its supremum over every
 * frequency instead (a time-varying element inside): see block_sup().
 */
static double block_sup(struct ctx *c, const struct adac_node *n);

static double
combine_parallel(const struct adac_node *n, const double *v)
{
	double acc = 0;
	int i;

	for (i = 0; i < n->n_of; i++) {
		if (n->in == ADAC_IN_SPLIT && n->out == ADAC_OUT_SUM)
			acc = adac_bound_add(acc, v[i]);
		else if (n->in == ADAC_IN_STACK && n->out == ADAC_OUT_STACK)
			acc = v[i] > acc || v[i] != v[i] ? v[i] : acc;
		else
			acc = adac_bound_add(acc, adac_bound_mul(v[i], v[i]));
	}
	if ((n->in == ADAC_IN_SPLIT) != (n->out == ADAC_OUT_SUM))
		acc = adac_bound_sqrt(acc);
	return acc == acc ? acc : INFINITY;
}

static double
loop_of_norms(double f, double b)
{
	double p = adac_bound_mul(f, b);

	if (!(p < 1))
		return INFINITY;
	return adac_bound_div(f, lower_of_one_minus(p));
}

static double
block_upper(struct ctx *c, const struct adac_node *n, double xlo, double xhi,
	    int sup)
{
	const struct leaf *l;
	double acc, v, *vals;
	int i;

	if (is_diag(n)) {
		acc = 0;
		for (i = 0; i < n->n_in; i++) {
			v = chan_upper(c, n, i, xlo, xhi);
			if (v != v)
				return NAN;
			acc = v > acc ? v : acc;
		}
		return acc;
	}
	switch (n->op) {
	case ADAC_OP_MATRIX:
		return (l = leaf_of(c, n)) != NULL ? l->sigma : NAN;
	case ADAC_OP_SERIES:
		acc = 1;
		for (i = 0; i < n->n_of; i++) {
			v = sup ? block_sup(c, n->of[i]) :
			    block_upper(c, n->of[i], xlo, xhi, 0);
			if (v != v)
				return NAN;
			acc = adac_bound_mul(acc, v);
		}
		return acc;
	case ADAC_OP_PARALLEL:
		vals = malloc((size_t)n->n_of * sizeof *vals);
		if (vals == NULL) {
			nomem(c->err);
			return NAN;
		}
		for (i = 0; i < n->n_of; i++) {
			vals[i] = sup ? block_sup(c, n->of[i]) :
				  block_upper(c, n->of[i], xlo, xhi, 0);
			if (vals[i] != vals[i]) {
				free(vals);
				return NAN;
			}
		}
		acc = combine_parallel(n, vals);
		free(vals);
		return acc;
	case ADAC_OP_FEEDBACK:
		if (sup)
			return loop_of_norms(block_sup(c, n->forward),
					     block_sup(c, n->back));
		return loop_of_norms(block_upper(c, n->forward, xlo, xhi, 0),
				     block_upper(c, n->back, xlo, xhi, 0));
	case ADAC_OP_DELAY:
	case ADAC_OP_GAIN:
	case ADAC_OP_SOS:
		break;	/* diagonal: above */
	}
	return INFINITY;
}

/* --- branch and bound over the band ------------------------------------ */

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

static void
heap_push(struct bb *b, struct bband v)
{
	int i = b->n++, p;

	while (i > 0 && b->h[p = (i - 1) / 2].upper < v.upper) {
		b->h[i] = b->h[p];
		i = p;
	}
	b->h[i] = v;
}

static struct bband
heap_pop(struct bb *b)
{
	struct bband top = b->h[0], last = b->h[--b->n];
	int i = 0, k;

	for (;;) {
		k = 2 * i + 1;
		if (k >= b->n)
			break;
		if (k + 1 < b->n && b->h[k + 1].upper > b->h[k].upper)
			k++;
		if (!(b->h[k].upper > last.upper))
			break;
		b->h[i] = b->h[k];
		i = k;
	}
	if (b->n > 0)
		b->h[i] = last;
	return top;
}

static int
point(struct ctx *c, struct bb *b, band_fn fn, void *arg, double x)
{
	double v = fn(c, arg, x, x);

	if (v != v)
		return 0;
	if (v > b->estimate) {
		b->estimate = v;
		b->x_estimate = x;
	}
	return 1;
}

static int
band(struct ctx *c, struct bb *b, band_fn fn, void *arg, double xlo,
     double xhi)
{
	struct bband v = {xlo, xhi, fn(c, arg, xlo, xhi)};

	b->evals++;
	if (v.upper != v.upper)
		return 0;
	heap_push(b, v);
	return 1;
}

/* A point strictly inside (xlo, xhi), the middle in ω where it can be. */
static int
split_point(double xlo, double xhi, double *xm)
{
	double m = cos(0.5 * (acos(xlo) + acos(xhi)));

	if (!(m > xlo && m < xhi))
		m = 0.5 * (xlo + xhi);
	*xm = m;
	return m > xlo && m < xhi;
}

static int
bb_sup(struct ctx *c, band_fn fn, void *arg, int pieces, struct bb *b)
{
	struct bband top;
	double x0, x1, xm;
	int k, ok = 1;

	memset(b, 0, sizeof *b);
	b->cap = pieces + 2 * ADAC_CERTIFY_BUDGET + 4;
	b->h = malloc((size_t)b->cap * sizeof *b->h);
	if (b->h == NULL)
		return nomem(c->err);
	b->estimate = -INFINITY;
	/* x_k = cos(πk/n): shared ends, so the bands cover [−1, 1] exactly */
	x1 = 1;
	ok = point(c, b, fn, arg, 1);
	for (k = 1; k <= pieces && ok; k++) {
		x0 = k == pieces ? -1 : cos(M_PI * k / pieces);
		ok = point(c, b, fn, arg, x0) && band(c, b, fn, arg, x0, x1);
		x1 = x0;
	}
	b->upper = -INFINITY;
	while (ok && b->n > 0) {
		top = b->h[0];
		if (!(top.upper > b->estimate + ADAC_CERTIFY_RTOL *
		      fabs(b->estimate)) || b->evals >= ADAC_CERTIFY_BUDGET ||
		    (!isfinite(top.upper) &&
		     b->evals >= ADAC_CERTIFY_BUDGET / 4))
			break;
		heap_pop(b);
		if (!split_point(top.xlo, top.xhi, &xm)) {
			/* as narrow as doubles go: its bound is final */
			b->upper = top.upper > b->upper ? top.upper : b->upper;
			continue;
		}
		ok = point(c, b, fn, arg, xm) &&
		     band(c, b, fn, arg, top.xlo, xm) &&
		     band(c, b, fn, arg, xm, top.xhi);
	}
	if (!ok || c->failed) {
		free(b->h);
		b->h = NULL;
		return c->failed ? c->err->code : nomem(c->err);
	}
	if (b->n > 0 && b->h[0].upper > b->upper)
		b->upper = b->h[0].upper;
	if (b->upper < b->estimate)	/* not reached: bounds hold */
		b->upper = b->estimate;
	free(b->h);
	b->h = NULL;
	return ADAC_OK;
}

/* The supremum of a channel-wise or block node's norm over all ω. */
struct node_arg {
	const struct adac_node *node;
};

static double
node_band(struct ctx *c, void *arg, double xlo, double xhi)
{
	return block_upper(c, ((struct node_arg *)arg)->node, xlo, xhi, 0);
}

static double
block_sup(struct ctx *c, const struct adac_node *n)
{
	struct node_arg a = {n};
	const struct leaf *l;
	struct bb b;

	if (n->op == ADAC_OP_MATRIX && !is_diag(n))
		return (l = leaf_of(c, n)) != NULL ? l->sigma : NAN;
	if (is_diag(n) || !has_decay(n)) {
		if (bb_sup(c, node_band, &a, c->grid, &b) != ADAC_OK)
			return NAN;
		return b.upper;
	}
	/* a time-varying element inside: factor by factor */
	return block_upper(c, n, -1, 1, 1);
}

/* --- loops ------------------------------------------------------------- */

static int
collect_loops(struct ctx *c, const struct adac_node *n)
{
	struct loop *l;
	int i, rc;

	if (n->op == ADAC_OP_FEEDBACK) {
		if (c->n_loops == c->cap_loops) {
			c->cap_loops = c->cap_loops ? 2 * c->cap_loops : 8;
			l = realloc(c->loops, c->cap_loops * sizeof *l);
			if (l == NULL)
				return nomem(c->err);
			c->loops = l;
		}
		memset(&c->loops[c->n_loops], 0, sizeof *c->loops);
		c->loops[c->n_loops++].node = n;
		if ((rc = collect_loops(c, n->forward)) != ADAC_OK)
			return rc;
		return collect_loops(c, n->back);
	}
	for (i = 0; i < n->n_of; i++)
		if ((rc = collect_loops(c, n->of[i])) != ADAC_OK)
			return rc;
	return ADAC_OK;
}

static const struct loop *
find_loop(const struct ctx *c, const struct adac_node *n)
{
	int i;

	for (i = 0; i < c->n_loops; i++)
		if (c->loops[i].node == n)
			return &c->loops[i];
	return NULL;
}

/* The first loop strictly under n that is not certified-stable. */
static const struct loop *
uncertified_inner(const struct ctx *c, const struct adac_node *n)
{
	const struct loop *l;
	int i;

	if (n->op == ADAC_OP_FEEDBACK) {
		l = find_loop(c, n);
		if (l != NULL && l->verdict != ADAC_CERTIFIED_STABLE)
			return l;
		if ((l = uncertified_inner(c, n->forward)) != NULL)
			return l;
		return uncertified_inner(c, n->back);
	}
	for (i = 0; i < n->n_of; i++)
		if ((l = uncertified_inner(c, n->of[i])) != NULL)
			return l;
	return NULL;
}

static int
flatten(struct ctx *c, struct lwork *w, const struct adac_node *n)
{
	struct elem *e;
	int i, rc;

	if (n->op == ADAC_OP_SERIES) {
		for (i = 0; i < n->n_of; i++)
			if ((rc = flatten(c, w, n->of[i])) != ADAC_OK)
				return rc;
		return ADAC_OK;
	}
	if (w->n_e == w->cap_e) {
		w->cap_e = w->cap_e ? 2 * w->cap_e : 8;
		e = realloc(w->e, w->cap_e * sizeof *e);
		if (e == NULL)
			return nomem(c->err);
		w->e = e;
	}
	e = &w->e[w->n_e++];
	memset(e, 0, sizeof *e);
	e->node = n;
	e->diag = is_diag(n);
	e->cnst = is_const(n);
	e->unit = n->op == ADAC_OP_DELAY;
	for (i = 0; e->unit && i < n->n_in; i++)
		if (n->interp != ADAC_INTERP_NONE &&
		    n->samples[i] != floor(n->samples[i]))
			e->unit = 0;
	e->n = n->n_in;
	e->run = -1;
	e->rows = n->n_out;
	e->cols = n->n_in;
	return ADAC_OK;
}

static void
lwork_free(struct lwork *w)
{
	int i;

	for (i = 0; i < w->n_e; i++) {
		free(w->e[i].cval);
		free(w->e[i].crel);
		free(w->e[i].cmag);
		free(w->e[i].mat);
		free(w->e[i].pmat);
	}
	for (i = 0; i < w->n_r; i++) {
		free(w->r[i].cprod);
		free(w->r[i].cval);
		free(w->r[i].crel);
		free(w->r[i].prod);
	}
	free(w->e);
	free(w->r);
}

/*
 * The signed value of channel ch of a constant channel-wise node and the
 * relative error bound of it as the program computes it.
 */
static int
diag_const(struct ctx *c, const struct adac_node *n, int ch, double *val,
	   double *rel)
{
	const struct leaf *l;
	double v, r;
	int i, rc;

	switch (n->op) {
	case ADAC_OP_SERIES:
		*val = 1;
		*rel = 0;
		for (i = 0; i < n->n_of; i++) {
			if ((rc = diag_const(c, n->of[i], ch, &v, &r)))
				return rc;
			*val *= v;
			/* the product rounds once more */
			*rel = (1 + *rel) * (1 + r) * (1 + c->u) - 1;
		}
		return ADAC_OK;
	case ADAC_OP_PARALLEL:
		for (i = 0; i < n->n_of; i++) {
			if (ch < n->of[i]->n_in)
				return diag_const(c, n->of[i], ch, val, rel);
			ch -= n->of[i]->n_in;
		}
		break;
	case ADAC_OP_GAIN:
	case ADAC_OP_MATRIX:
		if ((l = leaf_of(c, n)) == NULL)
			return c->err->code;
		*val = l->val[ch];
		*rel = l->rel[ch];
		return ADAC_OK;
	case ADAC_OP_DELAY:
	case ADAC_OP_SOS:
	case ADAC_OP_FEEDBACK:
		break;
	}
	*val = NAN;
	*rel = INFINITY;
	return ADAC_OK;
}

/*
 * The real matrix of a constant block (series and parallel of gains and
 * matrices), with p the same computed on absolute values, k the number
 * of roundings an entry went through and rel the run-time error of decay
 * gains.  |computed − exact| <= (γ(k) + rel)·p entry-wise, to first
 * order; callers take twice that.
 */
static int
const_eval(struct ctx *c, const struct adac_node *n, double *m, double *p,
	   double *k, double *rel)
{
	const struct adac_node *ch;
	double *a = NULL, *pa = NULL, *t = NULL, *pt = NULL, ka, ra, s, ps;
	double *cur = NULL, *pcur = NULL;
	int i, r, q, j, rows, cols, rc = ADAC_OK;
	int row0 = 0, col0 = 0;

	rows = n->n_out;
	cols = n->n_in;
	*k = 0;
	*rel = 0;
	switch (n->op) {
	case ADAC_OP_GAIN:
	case ADAC_OP_MATRIX:
		if (is_diag(n)) {
			memset(m, 0, (size_t)rows * cols * sizeof *m);
			memset(p, 0, (size_t)rows * cols * sizeof *p);
			for (i = 0; i < rows; i++) {
				if ((rc = diag_const(c, n, i, &m[i * cols + i],
						     &ra)))
					return rc;
				p[i * cols + i] = fabs(m[i * cols + i]);
				*rel = ra > *rel ? ra : *rel;
			}
			return ADAC_OK;
		}
		for (i = 0; i < rows * cols; i++) {
			m[i] = adac_freq_round(&c->fo, n->data[i]);
			p[i] = fabs(m[i]);
		}
		return ADAC_OK;
	case ADAC_OP_SERIES:
		/* m = of[last] ⋯ of[0], built from the first in buffers as
		 * tall as the tallest intermediate */
		for (i = 0, rows = 1; i < n->n_of; i++)
			rows = n->of[i]->n_out > rows ? n->of[i]->n_out : rows;
		cur = malloc((size_t)rows * cols * sizeof *cur);
		pcur = malloc((size_t)rows * cols * sizeof *pcur);
		if (cur == NULL || pcur == NULL) {
			rc = nomem(c->err);
			goto out;
		}
		if ((rc = const_eval(c, n->of[0], cur, pcur, k, rel)))
			goto out;
		for (i = 1; i < n->n_of; i++) {
			ch = n->of[i];
			a = malloc((size_t)ch->n_out * ch->n_in * sizeof *a);
			pa = malloc((size_t)ch->n_out * ch->n_in * sizeof *pa);
			t = malloc((size_t)ch->n_out * cols * sizeof *t);
			pt = malloc((size_t)ch->n_out * cols * sizeof *pt);
			if (a == NULL || pa == NULL || t == NULL || pt == NULL) {
				rc = nomem(c->err);
				goto out;
			}
			if ((rc = const_eval(c, ch, a, pa, &ka, &ra)))
				goto out;
			for (r = 0; r < ch->n_out; r++)
				for (q = 0; q < cols; q++) {
					s = ps = 0;
					for (j = 0; j < ch->n_in; j++) {
						s += a[r * ch->n_in + j] *
						     cur[j * cols + q];
						ps += pa[r * ch->n_in + j] *
						      pcur[j * cols + q];
					}
					t[r * cols + q] = s;
					pt[r * cols + q] = ps;
				}
			memcpy(cur, t, (size_t)ch->n_out * cols * sizeof *cur);
			memcpy(pcur, pt, (size_t)ch->n_out * cols * sizeof *pcur);
			*k += ka + ch->n_in + 1;
			*rel = (1 + *rel) * (1 + ra) - 1;
			free(a);
			free(pa);
			free(t);
			free(pt);
			a = pa = t = pt = NULL;
		}
		memcpy(m, cur, (size_t)n->n_out * cols * sizeof *m);
		memcpy(p, pcur, (size_t)n->n_out * cols * sizeof *p);
		goto out;
	case ADAC_OP_PARALLEL:
		memset(m, 0, (size_t)rows * cols * sizeof *m);
		memset(p, 0, (size_t)rows * cols * sizeof *p);
		for (i = 0; i < n->n_of; i++) {
			ch = n->of[i];
			a = malloc((size_t)ch->n_out * ch->n_in * sizeof *a);
			pa = malloc((size_t)ch->n_out * ch->n_in * sizeof *pa);
			if (a == NULL || pa == NULL) {
				rc = nomem(c->err);
				goto out;
			}
			if ((rc = const_eval(c, ch, a, pa, &ka, &ra)))
				goto out;
			for (r = 0; r < ch->n_out; r++)
				for (q = 0; q < ch->n_in; q++) {
					m[(row0 + r) * cols + col0 + q] +=
						a[r * ch->n_in + q];
					p[(row0 + r) * cols + col0 + q] +=
						pa[r * ch->n_in + q];
				}
			if (n->out == ADAC_OUT_STACK)
				row0 += ch->n_out;
			if (n->in == ADAC_IN_STACK)
				col0 += ch->n_in;
			*k = (ka > *k ? ka : *k);
			*rel = ra > *rel ? ra : *rel;
			free(a);
			free(pa);
			a = pa = NULL;
		}
		*k += n->n_of;
		return ADAC_OK;
	case ADAC_OP_DELAY:
	case ADAC_OP_SOS:
	case ADAC_OP_FEEDBACK:
		break;
	}
	return adac_error_set(c->err, ADAC_E_INPUT, n->pointer,
			      "not a constant block");
out:
	free(a);
	free(pa);
	free(t);
	free(pt);
	free(cur);
	free(pcur);
	return rc;
}

/* ‖computed − exact‖_F for const_eval's results: twice the first order. */
static double
const_err(const double *p, long n, double k, double rel)
{
	return adac_bound_mul(2 * (adac_bound_gamma(k + 2) + rel),
			      frobenius(p, n));
}

static int
const_matrix(struct ctx *c, struct elem *e)
{
	long k = (long)e->rows * e->cols;
	double *s;
	int rc, ns = e->rows < e->cols ? e->rows : e->cols;

	e->mat = malloc((size_t)k * sizeof *e->mat);
	e->pmat = malloc((size_t)k * sizeof *e->pmat);
	s = malloc((size_t)(ns > 0 ? ns : 1) * sizeof *s);
	if (e->mat == NULL || e->pmat == NULL || s == NULL) {
		free(s);
		return nomem(c->err);
	}
	rc = const_eval(c, e->node, e->mat, e->pmat, &e->mat_k, &e->mat_rel);
	if (rc == ADAC_OK) {
		e->mat_err = const_err(e->pmat, k, e->mat_k, e->mat_rel);
		e->fro = frobenius(e->mat, k);
		rc = adac_linalg_svals(e->mat, e->rows, e->cols, s, c->err);
		if (rc == ADAC_E_DEPENDENCY) {
			e->sigma = INFINITY;
			e->sigma_min = 0;
			rc = ADAC_OK;
		} else if (rc == ADAC_OK) {
			e->sigma = ns > 0 ? adac_bound_norm2(s[0], e->rows,
						e->cols, e->mat_err) : 0;
			e->sigma_min = ns > 0 && e->rows == e->cols ?
				       s[ns - 1] : 0;
		}
	}
	e->sigma_merged = e->sigma;
	free(s);
	return rc;
}

/* Form the runs of consecutive diagonal elements around the cycle. */
static int
make_runs(struct ctx *c, struct lwork *w)
{
	int i, j, start = -1, k;
	struct run *r;

	for (i = 0; i < w->n_e; i++)
		if (!w->e[i].diag) {
			start = i;
			break;
		}
	w->r = calloc((size_t)w->n_e + 1, sizeof *w->r);
	if (w->r == NULL)
		return nomem(c->err);
	if (start < 0) {	/* only diagonal elements: one run, all of them */
		r = &w->r[w->n_r++];
		r->first = 0;
		r->count = w->n_e;
		r->absorbed_by = -1;
		for (i = 0; i < w->n_e; i++)
			w->e[i].run = 0;
	} else {
		for (k = 1; k <= w->n_e; k++) {
			i = (start + k) % w->n_e;
			if (!w->e[i].diag)
				continue;
			j = (i + w->n_e - 1) % w->n_e;
			if (!w->e[j].diag) {	/* a run starts here */
				r = &w->r[w->n_r++];
				r->first = i;
				r->absorbed_by = -1;
			} else {
				r = &w->r[w->n_r - 1];
			}
			r->count++;
			w->e[i].run = (int)(r - w->r);
		}
	}
	for (i = 0; i < w->n_r; i++) {
		r = &w->r[i];
		r->n = w->e[r->first].n;
		r->cprod = malloc((size_t)r->n * sizeof *r->cprod);
		r->cval = malloc((size_t)r->n * sizeof *r->cval);
		r->crel = malloc((size_t)r->n * sizeof *r->crel);
		r->prod = malloc((size_t)r->n * sizeof *r->prod);
		if (r->cprod == NULL || r->cval == NULL || r->crel == NULL ||
		    r->prod == NULL)
			return nomem(c->err);
		for (j = 0; j < r->n; j++) {
			r->cprod[j] = 1;
			r->cval[j] = 1;
			r->crel[j] = 0;
		}
	}
	return ADAC_OK;
}

static int
elem_after(const struct lwork *w, const struct run *r)
{
	return (r->first + r->count) % w->n_e;
}

static int
elem_before(const struct lwork *w, const struct run *r)
{
	return (r->first + w->n_e - 1) % w->n_e;
}

/*
 * The constant parts: values of constant diagonals and their products per
 * run, matrices of constant blocks with their norms, and the merged
 * matrices in which a run's constant gains are absorbed into a
 * neighbouring constant matrix.
 */
static int
prepare(struct ctx *c, struct lwork *w)
{
	struct elem *e;
	struct run *r;
	double *m = NULL, relmax, err, gmax;
	long k;
	int i, j, rc = ADAC_OK;

	for (i = 0; i < w->n_e; i++) {
		e = &w->e[i];
		if (e->diag && e->cnst) {
			e->cval = malloc((size_t)e->n * sizeof *e->cval);
			e->crel = malloc((size_t)e->n * sizeof *e->crel);
			e->cmag = malloc((size_t)e->n * sizeof *e->cmag);
			if (e->cval == NULL || e->crel == NULL || e->cmag == NULL)
				return nomem(c->err);
			r = &w->r[e->run];
			for (j = 0; j < e->n; j++) {
				if ((rc = diag_const(c, e->node, j, &e->cval[j],
						     &e->crel[j])))
					return rc;
				e->cmag[j] = adac_bound_up(fabs(e->cval[j]) *
							   (1 + e->crel[j]), 2);
				if (e->cmag[j] != e->cmag[j])
					e->cmag[j] = INFINITY;
				r->cprod[j] = adac_bound_mul(r->cprod[j],
							     e->cmag[j]);
				r->cval[j] *= e->cval[j];
				r->crel[j] = (1 + r->crel[j]) * (1 + e->crel[j]) *
					     (1 + c->u) - 1;
			}
		} else if (!e->diag && e->cnst) {
			if ((rc = const_matrix(c, e)) != ADAC_OK)
				return rc;
		}
	}
	/* which constant matrix absorbs each run's constant gains */
	for (i = 0; i < w->n_r; i++) {
		r = &w->r[i];
		if (r->count == w->n_e)
			break;	/* a loop of diagonals only: nothing to merge */
		if (w->e[elem_after(w, r)].cnst)
			r->absorbed_by = elem_after(w, r);
		else if (w->e[elem_before(w, r)].cnst)
			r->absorbed_by = elem_before(w, r);
	}
	for (i = 0; i < w->n_e; i++) {
		e = &w->e[i];
		if (e->diag || !e->cnst)
			continue;
		for (j = 0; j < w->n_r && w->r[j].absorbed_by != i; j++)
			;
		if (j == w->n_r)
			continue;	/* absorbs nothing: σ as it is */
		k = (long)e->rows * e->cols;
		m = malloc((size_t)k * sizeof *m);
		if (m == NULL)
			return nomem(c->err);
		memcpy(m, e->mat, (size_t)k * sizeof *m);
		relmax = 0;
		err = e->mat_err;
		for (j = 0; j < w->n_r; j++) {
			r = &w->r[j];
			if (r->absorbed_by != i)
				continue;
			for (long q = 0; q < k; q++) {
				/* E·Γ scales columns, Γ·E rows */
				int ch = elem_after(w, r) == i ?
					 (int)(q % e->cols) : (int)(q / e->cols);

				m[q] *= r->cval[ch];
				relmax = r->crel[ch] > relmax ? r->crel[ch] :
					 relmax;
			}
			/* E's own error is scaled by the gains too */
			gmax = 1;
			for (int ch = 0; ch < r->n; ch++)
				gmax = fabs(r->cval[ch]) > gmax ?
				       fabs(r->cval[ch]) : gmax;
			err = adac_bound_mul(err, gmax);
		}
		/* each entry: one more rounding and the gains' errors */
		err = adac_bound_add(err, adac_bound_mul(2 * (2 * c->u +
							      relmax),
							 frobenius(m, k)));
		rc = matrix_norm(c, m, e->rows, e->cols, err, &(double){0},
				 &e->sigma_merged);
		free(m);
		if (rc != ADAC_OK)
			return rc;
	}
	return ADAC_OK;
}

/*
 * A delay–gain–matrix FDN: every element constant except whole-sample
 * delays, all of them in one run, every channel delayed at least one
 * sample in total.  Cut the loop at the delays: it is M·D(z) with
 * D = diag(z^−mᵢ) and M the product of the constants (A·Γ).  Then
 * ‖M‖ bounds the loop gain at every frequency, and the poles are the
 * roots of det(diag(z^mᵢ) − M), a monic polynomial of degree Σmᵢ whose
 * constant term is ±det M: the poles multiply to |det M|.
 */
static int
plain_fdn(struct ctx *c, struct lwork *w, struct loop *l)
{
	int i, j, k, a, b, run = -1, n, rows, rc = ADAC_OK, equal = 1;
	double *tot = NULL, *m = NULL, *t = NULL, *p = NULL, *pt = NULL;
	double sum, psum, nk = 0, rel = 0, err, hat;
	struct elem *e;
	struct run *r;

	for (i = 0; i < w->n_e; i++) {
		e = &w->e[i];
		if (e->cnst)
			continue;
		if (!e->unit || (run >= 0 && e->run != run))
			return ADAC_OK;
		run = e->run;
	}
	if (run < 0)
		return ADAC_OK;
	r = &w->r[run];
	n = r->n;
	tot = calloc((size_t)n, sizeof *tot);
	m = calloc((size_t)n * n, sizeof *m);
	p = calloc((size_t)n * n, sizeof *p);
	if (tot == NULL || m == NULL || p == NULL) {
		rc = nomem(c->err);
		goto out;
	}
	for (i = 0; i < w->n_e; i++)
		if (w->e[i].run == run && !w->e[i].cnst)
			for (j = 0; j < n; j++)
				tot[j] += w->e[i].node->samples[j];
	for (j = 0; j < n; j++) {
		if (tot[j] < 1)
			goto out;	/* not plain: a channel without delay */
		if (tot[j] != tot[0])
			equal = 0;
	}
	/* start with the run's own constant gains, then go round once */
	for (j = 0; j < n; j++) {
		m[j * n + j] = r->cval[j];
		p[j * n + j] = fabs(r->cval[j]);
		rel = r->crel[j] > rel ? r->crel[j] : rel;
	}
	rows = n;
	for (k = 1; k < w->n_e; k++) {
		i = (r->first + r->count - 1 + k) % w->n_e;
		e = &w->e[i];
		if (e->run == run)
			break;
		if (e->diag) {
			for (j = 0; j < rows * n; j++) {
				m[j] *= e->cval[j / n];
				p[j] *= fabs(e->cval[j / n]);
			}
			for (j = 0; j < e->n; j++)
				rel = (1 + rel) * (1 + e->crel[j]) - 1;
			nk += 1;
			continue;
		}
		t = malloc((size_t)e->rows * n * sizeof *t);
		pt = malloc((size_t)e->rows * n * sizeof *pt);
		if (t == NULL || pt == NULL) {
			rc = nomem(c->err);
			goto out;
		}
		for (a = 0; a < e->rows; a++)
			for (b = 0; b < n; b++) {
				sum = psum = 0;
				for (j = 0; j < e->cols; j++) {
					sum += e->mat[a * e->cols + j] *
					       m[j * n + b];
					psum += e->pmat[a * e->cols + j] *
						p[j * n + b];
				}
				t[a * n + b] = sum;
				pt[a * n + b] = psum;
			}
		free(m);
		free(p);
		m = t;
		p = pt;
		t = pt = NULL;
		rows = e->rows;
		/* its own roundings join the product's: |error| <= (γ + rel)·p */
		nk += e->mat_k + e->cols + 1;
		rel = (1 + rel) * (1 + e->mat_rel) - 1;
	}
	if (rows != n)
		goto out;	/* cannot happen in a valid IR */
	err = const_err(p, (long)n * n, nk, rel);
	if ((rc = matrix_norm(c, m, n, n, err, &hat, &l->sigma_fdn)) ||
	    (rc = adac_linalg_spectral_radius(m, n, &l->rho_fdn, c->err)) ||
	    (rc = adac_linalg_det(m, n, &l->det_fdn, c->err))) {
		if (rc == ADAC_E_DEPENDENCY)
			rc = ADAC_OK;	/* no FDN figures: not plain */
		goto out;
	}
	l->plain = isfinite(l->sigma_fdn);
	l->equal_delays = equal;
	l->fdn_delay = tot[0];
out:
	free(tot);
	free(m);
	free(p);
	free(t);
	free(pt);
	return rc;
}

/* --- the loop's bound on a band ---------------------------------------- */

struct loop_arg {
	struct lwork *w;
	struct loop *l;
	int cand;		/* -1: the least of all; else one candidate */
	int run;		/* >= 0: only this run's factor (sup by factor) */
};

/* Products of the non-constant channel-wise elements of each run. */
static int
run_products(struct ctx *c, struct lwork *w, int only, double xlo, double xhi)
{
	struct elem *e;
	double v;
	int i, j;

	for (i = 0; i < w->n_r; i++)
		for (j = 0; j < w->r[i].n; j++)
			w->r[i].prod[j] = 1;
	for (i = 0; i < w->n_e; i++) {
		e = &w->e[i];
		if (!e->diag || e->cnst || e->unit ||
		    (only >= 0 && e->run != only))
			continue;
		for (j = 0; j < e->n; j++) {
			v = chan_upper(c, e->node, j, xlo, xhi);
			if (v != v)
				return 0;
			w->r[e->run].prod[j] = adac_bound_mul(w->r[e->run].prod[j],
							      v);
		}
	}
	return 1;
}

static double
run_factor(const struct run *r, int merged)
{
	double m = 0, v;
	int j;

	for (j = 0; j < r->n; j++) {
		v = merged && r->absorbed_by >= 0 ? r->prod[j] :
		    adac_bound_mul(r->prod[j], r->cprod[j]);
		m = v > m || v != v ? v : m;
	}
	return m;
}

static double
loop_band(struct ctx *c, void *arg, double xlo, double xhi)
{
	struct loop_arg *a = arg;
	struct lwork *w = a->w;
	double cand[N_CAND] = {1, 1, INFINITY}, v, best;
	struct elem *e;
	int i, k;

	if (!run_products(c, w, a->run, xlo, xhi))
		return NAN;
	if (a->run >= 0)
		return run_factor(&w->r[a->run], a->cand == CAND_MERGED);
	for (i = 0; i < w->n_e; i++) {
		e = &w->e[i];
		if (e->diag)
			continue;
		if (e->cnst) {
			cand[CAND_PRODUCT] = adac_bound_mul(cand[CAND_PRODUCT],
							    e->sigma);
			cand[CAND_MERGED] = adac_bound_mul(cand[CAND_MERGED],
							   e->sigma_merged);
		} else {
			v = block_upper(c, e->node, xlo, xhi, 0);
			if (v != v)
				return NAN;
			cand[CAND_PRODUCT] = adac_bound_mul(cand[CAND_PRODUCT], v);
			cand[CAND_MERGED] = adac_bound_mul(cand[CAND_MERGED], v);
		}
	}
	for (i = 0; i < w->n_r; i++) {
		cand[CAND_PRODUCT] = adac_bound_mul(cand[CAND_PRODUCT],
						    run_factor(&w->r[i], 0));
		cand[CAND_MERGED] = adac_bound_mul(cand[CAND_MERGED],
						   run_factor(&w->r[i], 1));
	}
	if (a->l->plain)
		cand[CAND_FDN] = a->l->sigma_fdn;
	if (a->cand >= 0)
		return cand[a->cand];
	best = INFINITY;
	for (k = 0; k < N_CAND; k++)
		if (cand[k] < best)
			best = cand[k];
	return best;
}

/*
 * With a time-varying gain in the loop, the bound of each candidate is
 * the product of its factors' suprema: matrices, blocks (block_sup) and
 * each run's largest channel.  The run bound holds for a gain that moves,
 * as long as it stays within its largest magnitude: per channel, a gain
 * g(n) with |g(n)| <= g times a stable filter H is bounded by g·‖H‖∞, and
 * σ(A·Γ(n)) <= σ(A·Γ) when |Γ(n)| <= |Γ| channel by channel.
 */
static int
ltv_bound(struct ctx *c, struct lwork *w, struct loop *l, double *out)
{
	struct loop_arg a = {w, l, CAND_PRODUCT, -1};
	double cand[N_CAND] = {1, 1, INFINITY}, v;
	struct elem *e;
	struct bb b;
	int i, k, rc;

	for (i = 0; i < w->n_e; i++) {
		e = &w->e[i];
		if (e->diag)
			continue;
		if (e->cnst) {
			cand[CAND_PRODUCT] = adac_bound_mul(cand[CAND_PRODUCT],
							    e->sigma);
			cand[CAND_MERGED] = adac_bound_mul(cand[CAND_MERGED],
							   e->sigma_merged);
			continue;
		}
		v = block_sup(c, e->node);
		if (v != v)
			return c->err->code != ADAC_OK ? c->err->code :
			       nomem(c->err);
		cand[CAND_PRODUCT] = adac_bound_mul(cand[CAND_PRODUCT], v);
		cand[CAND_MERGED] = adac_bound_mul(cand[CAND_MERGED], v);
	}
	for (i = 0; i < w->n_r; i++) {
		for (k = CAND_PRODUCT; k <= CAND_MERGED; k++) {
			a.run = i;
			a.cand = k;
			if ((rc = bb_sup(c, loop_band, &a, c->grid, &b)))
				return rc;
			l->bands += b.evals;
			cand[k] = adac_bound_mul(cand[k], b.upper);
		}
	}
	if (l->plain)
		cand[CAND_FDN] = l->sigma_fdn;
	*out = INFINITY;
	for (k = 0; k < N_CAND; k++)
		if (cand[k] < *out)
			*out = cand[k];
	return ADAC_OK;
}

static int
bound_loop(struct ctx *c, struct lwork *w, struct loop *l)
{
	struct loop_arg a = {w, l, -1, -1};
	struct bb b;
	double ltv = INFINITY;
	int rc;

	if ((rc = bb_sup(c, loop_band, &a, c->grid, &b)) != ADAC_OK)
		return rc;
	l->bands += b.evals;
	l->bound = b.upper;
	l->estimate = b.estimate;
	l->worst_x = b.x_estimate;
	if (l->ltv) {
		if ((rc = ltv_bound(c, w, l, &ltv)) != ADAC_OK)
			return rc;
		l->bound = ltv > l->bound ? ltv : l->bound;
	}
	if (l->bound != l->bound)
		l->bound = INFINITY;
	l->have_bound = isfinite(l->bound);
	return ADAC_OK;
}

/* --- what rounding can explain ------------------------------------------ */

/*
 * How far above 1 the bound of a loop designed lossless can land because
 * of rounding alone, relative: each element's coefficients are rounded to
 * the precision (u each) and the analysis adds its own margins.  A matrix
 * moves by at most u·‖A‖_F (√N·u for an orthogonal N × N one), a biquad
 * by u times its sensitivity at the loop's worst frequency, a decay gain
 * by its run-time margin.  The excess of the loop is their sum.
 */
static double
leaf_excess(struct ctx *c, const struct adac_node *n, double x)
{
	const struct leaf *l;
	double q[5], worst = 0, v, s;
	int i, ch, sec, k;

	switch (n->op) {
	case ADAC_OP_SERIES:
	case ADAC_OP_PARALLEL:
		for (i = 0, v = 0; i < n->n_of; i++)
			v += leaf_excess(c, n->of[i], x);
		return v;
	case ADAC_OP_FEEDBACK:
		return leaf_excess(c, n->forward, x) +
		       leaf_excess(c, n->back, x);
	case ADAC_OP_DELAY:
	case ADAC_OP_SOS:
		for (ch = 0; ch < n->n_in; ch++) {
			s = 0;
			for (sec = 0; sec < (n->op == ADAC_OP_SOS ?
					     n->n_sections : 1); sec++) {
				if (n->op == ADAC_OP_SOS) {
					for (k = 0; k < 5; k++)
						q[k] = n->sos[((size_t)sec * n->n_in +
							       ch) * 5 + k];
				} else {
					v = n->samples[ch] - floor(n->samples[ch]);
					if (v == 0 || n->interp == ADAC_INTERP_NONE)
						continue;
					q[0] = 1 - v;
					q[1] = v;
					q[2] = q[3] = q[4] = 0;
				}
				s += adac_bound_biquad_sensitivity(q, x);
			}
			worst = isfinite(s) && s > worst ? s : worst;
		}
		return worst * c->u;
	case ADAC_OP_GAIN:
	case ADAC_OP_MATRIX:
		break;
	}
	if ((l = leaf_of(c, n)) == NULL)
		return 0;
	if (n->op == ADAC_OP_MATRIX && !is_diag(n))
		return l->sigma_hat > 0 ? c->u * l->fro / l->sigma_hat +
		       adac_bound_svd_margin(n->n_out, n->n_in) : 0;
	for (ch = 0; ch < n->n_in; ch++)
		worst = l->rel[ch] > worst ? l->rel[ch] : worst;
	return worst + c->u;
}

static double
loop_excess(struct ctx *c, const struct lwork *w, double x)
{
	double s = 0;
	int i;

	for (i = 0; i < w->n_e; i++)
		s += leaf_excess(c, w->e[i].node, x);
	/* and the analysis's own margins: LAPACK's, and 4u per operation
	 * of the bound, a few dozen of them per element at most */
	return s + 64.0 * (w->n_e + 4) * ADAC_U_DOUBLE;
}

/* Lossless within tol: unit delays and unitary constants only. */
static int
lossless(const struct lwork *w, double tol)
{
	const struct elem *e;
	int i, j;

	for (i = 0; i < w->n_e; i++) {
		e = &w->e[i];
		if (e->unit)
			continue;
		if (e->diag && e->cnst) {
			for (j = 0; j < e->n; j++)
				if (fabs(fabs(e->cval[j]) - 1) > tol)
					return 0;
		} else if (e->cnst) {
			if (e->rows != e->cols || e->sigma > 1 + tol ||
			    e->sigma_min < 1 - tol)
				return 0;
		} else {
			return 0;
		}
	}
	return 1;
}

/* Spectral radius, σ_max and unitarity error of each matrix in the loop. */
static int
report_matrices(struct ctx *c, struct lwork *w, struct loop *l)
{
	const struct adac_node *n;
	double *m, rho, sigma, unit;
	json_t *o;
	int i, j, rc = ADAC_OK;

	l->matrices = json_array();
	if (l->matrices == NULL)
		return nomem(c->err);
	for (i = 0; i < w->n_e && rc == ADAC_OK; i++) {
		n = w->e[i].node;
		if (n->op != ADAC_OP_MATRIX)
			continue;
		m = malloc((size_t)n->n_out * n->n_in * sizeof *m);
		if (m == NULL)
			return nomem(c->err);
		for (j = 0; j < n->n_out * n->n_in; j++)
			m[j] = adac_freq_round(&c->fo, n->data[j]);
		rc = adac_linalg_norm2(m, n->n_out, n->n_in, &sigma, c->err);
		if (rc == ADAC_E_DEPENDENCY) {	/* a non-finite entry */
			free(m);
			rc = ADAC_OK;
			continue;
		}
		o = json_pack("{s:s,s:f}", "pointer", n->pointer, "sigma_max",
			      sigma);
		if (rc == ADAC_OK && o != NULL && n->n_out == n->n_in) {
			rc = adac_linalg_spectral_radius(m, n->n_in, &rho,
							 c->err);
			if (rc == ADAC_OK)
				rc = adac_linalg_unitarity_error(m, n->n_in,
								 &unit, c->err);
			if (rc == ADAC_OK && isfinite(rho) && isfinite(unit)) {
				json_object_set_new(o, "spectral_radius",
						    json_real(rho));
				json_object_set_new(o, "unitarity_error",
						    json_real(unit));
			}
			if (rc == ADAC_E_DEPENDENCY)
				rc = ADAC_OK;
		}
		free(m);
		if (o == NULL || json_array_append_new(l->matrices, o) != 0)
			return nomem(c->err);
	}
	return rc;
}

/* --- proofs of instability ---------------------------------------------- */

/*
 * Real-axis argument: with every element of the loop stable, L(z) is
 * analytic for |z| >= 1, so det(I − L(z)) is a continuous real function of
 * real z in [1, ∞].  A sign change between z = 1 and z = ∞ puts a zero,
 * a closed-loop pole, on (1, ∞); the same on [−∞, −1].
 */
static int
real_axis(struct ctx *c, struct loop *l, int *proof)
{
	const struct adac_node *n = l->node;
	int no = n->n_out, ni = n->n_in, i, j, k, rc = ADAC_OK;
	static const double zinv[3] = {1, -1, 0};
	double *f = NULL, *b = NULL, *lm = NULL, d[3], rho[2], s;

	*proof = 0;
	f = malloc((size_t)no * ni * 2 * sizeof *f);
	b = malloc((size_t)ni * no * 2 * sizeof *b);
	lm = malloc((size_t)no * no * sizeof *lm);
	if (f == NULL || b == NULL || lm == NULL) {
		rc = nomem(c->err);
		goto out;
	}
	for (k = 0; k < 3; k++) {
		if ((rc = adac_freq_response_z(n->forward, &c->fo, zinv[k], 0,
					       f, c->err)) ||
		    (rc = adac_freq_response_z(n->back, &c->fo, zinv[k], 0, b,
					       c->err))) {
			/* a nested pole at z = ±1: no figure, no proof */
			if (rc == ADAC_E_NEGATIVE)
				rc = ADAC_OK;
			goto out;
		}
		/* at real z both are real: L = F·B, real parts only */
		for (i = 0; i < no; i++)
			for (j = 0; j < no; j++) {
				s = 0;
				for (int q = 0; q < ni; q++)
					s += f[2 * (i * ni + q)] *
					     b[2 * (q * no + j)];
				lm[i * no + j] = s;
			}
		if (k < 2 && (rc = adac_linalg_spectral_radius(lm, no, &rho[k],
							       c->err)))
			goto out;
		for (i = 0; i < no * no; i++)
			lm[i] = (i / no == i % no) - lm[i];
		if ((rc = adac_linalg_det(lm, no, &d[k], c->err)) != ADAC_OK)
			goto out;
	}
	l->rho_dc = rho[0];
	l->rho_nyquist = rho[1];
	l->have_rho = isfinite(rho[0]) && isfinite(rho[1]);
	/* a sign is trusted only well away from rounding noise */
	if (fabs(d[0]) > 1e-9 && fabs(d[2]) > 1e-9 && (d[0] < 0) != (d[2] < 0)) {
		*proof = 1;
		snprintf(l->reason, sizeof l->reason,
			 "det(I - L(z)) changes sign between z = 1 and z = infinity (%.12g, %.12g): a real pole z > 1",
			 d[0], d[2]);
	} else if (fabs(d[1]) > 1e-9 && fabs(d[2]) > 1e-9 &&
		   (d[1] < 0) != (d[2] < 0)) {
		*proof = 1;
		snprintf(l->reason, sizeof l->reason,
			 "det(I - L(z)) changes sign between z = -1 and z = -infinity (%.12g, %.12g): a real pole z < -1",
			 d[1], d[2]);
	}
out:
	if (rc == ADAC_E_DEPENDENCY)
		rc = ADAC_OK;	/* LAPACK refused a non-finite matrix */
	free(f);
	free(b);
	free(lm);
	return rc;
}

/*
 * Does the real function d(z) of a channel-wise node keep its sign for
 * real z in the ray sgn·[1, ∞)?  Delays and gains do; a fractional delay
 * at negative z only when f < 1/2; a biquad (its poles are inside the
 * circle, checked before) when no real zero of its numerator lies in the
 * ray.
 */
static int
keeps_sign(const struct ctx *c, const struct adac_node *n, int ch, int sgn)
{
	double d, f, b0, b1, b2, disc, r[2];
	int s, k, nr, i;

	switch (n->op) {
	case ADAC_OP_DELAY:
		d = n->samples[ch];
		f = d - floor(d);
		return sgn > 0 || n->interp == ADAC_INTERP_NONE || f < 0.5;
	case ADAC_OP_GAIN:
	case ADAC_OP_MATRIX:
		return 1;
	case ADAC_OP_SOS:
		for (s = 0; s < n->n_sections; s++) {
			double q[5];

			adac_freq_section(&c->fo, n->sos +
					  ((size_t)s * n->n_in + ch) * 5, q);
			b0 = q[0];
			b1 = q[1];
			b2 = q[2];
			nr = 0;
			if (b0 != 0) {
				disc = b1 * b1 - 4 * b0 * b2;
				if (disc >= 0) {
					r[nr++] = (-b1 + sqrt(disc)) / (2 * b0);
					r[nr++] = (-b1 - sqrt(disc)) / (2 * b0);
				}
			} else if (b1 != 0) {
				r[nr++] = -b2 / b1;
			}
			/* a zero within rounding of the ray counts as in it */
			for (k = 0; k < nr; k++)
				if (sgn * r[k] >= 1 - 1e-9)
					return 0;
		}
		return 1;
	case ADAC_OP_SERIES:
		for (i = 0; i < n->n_of; i++)
			if (!keeps_sign(c, n->of[i], ch, sgn))
				return 0;
		return 1;
	case ADAC_OP_PARALLEL:
		for (i = 0; i < n->n_of; i++) {
			if (ch < n->of[i]->n_in)
				return keeps_sign(c, n->of[i], ch, sgn);
			ch -= n->of[i]->n_in;
		}
		return 0;
	case ADAC_OP_FEEDBACK:
		return 0;
	}
	return 0;
}

/* Largest real part of the eigenvalues of a·diag(d) (n × n). */
static int
max_eig_scaled(struct ctx *c, const double *a, const double *d, int n,
	       double *out)
{
	double *m = malloc((size_t)n * n * sizeof *m);
	double *re = malloc((size_t)n * sizeof *re);
	double *im = malloc((size_t)n * sizeof *im);
	int i, rc;

	if (m == NULL || re == NULL || im == NULL) {
		rc = nomem(c->err);
		goto out;
	}
	for (i = 0; i < n * n; i++)
		m[i] = a[i] * d[i % n];
	rc = adac_linalg_eigenvalues(m, n, re, im, c->err);
	*out = -INFINITY;
	for (i = 0; rc == ADAC_OK && i < n; i++)
		if (re[i] > *out)
			*out = re[i];
out:
	free(m);
	free(re);
	free(im);
	return rc;
}

/*
 * The FDN form L(z) = A·D(z): one constant square matrix A and channel-
 * wise elements D.  When every d_i keeps its sign s_i on the real ray
 * sgn·[1, ∞) and A·S is symmetric (S = diag(s_i)), then L = (A·S)·|D| has
 * real eigenvalues there (it is similar to |D|^½·A·S·|D|^½), and they move
 * continuously with z.  If the largest is above 1 at z = ±1 and below 1
 * at z = ∞, it crosses 1 on the ray: det(I − L(z)) = 0 at a real |z| > 1.
 */
static int
symmetric_proof(struct ctx *c, struct lwork *w, struct loop *l, int *proof)
{
	const struct elem *a = NULL, *e;
	double *d1 = NULL, *dinf = NULL, *h = NULL, lam1, laminf;
	int i, j, k, n, sgn, ok, rc = ADAC_OK;

	*proof = 0;
	for (i = 0; i < w->n_e; i++) {
		e = &w->e[i];
		if (e->diag)
			continue;
		if (a != NULL || !e->cnst || e->rows != e->cols)
			return ADAC_OK;
		a = e;
	}
	if (a == NULL)
		return ADAC_OK;
	n = a->rows;
	d1 = malloc((size_t)n * sizeof *d1);
	dinf = malloc((size_t)n * sizeof *dinf);
	h = malloc((size_t)n * n * 2 * sizeof *h);
	if (d1 == NULL || dinf == NULL || h == NULL) {
		rc = nomem(c->err);
		goto out;
	}
	for (sgn = 1; sgn >= -1 && !*proof; sgn -= 2) {
		for (j = 0; j < n; j++)
			d1[j] = dinf[j] = 1;
		ok = 1;
		for (i = 0; i < w->n_e && ok; i++) {
			e = &w->e[i];
			if (!e->diag)
				continue;
			for (j = 0; j < n && ok; j++)
				ok = keeps_sign(c, e->node, j, sgn);
			if (!ok)
				break;
			if ((rc = adac_freq_response_z(e->node, &c->fo, sgn, 0,
						       h, c->err)))
				goto out;
			for (j = 0; j < n; j++)
				d1[j] *= h[2 * (j * n + j)];
			if ((rc = adac_freq_response_z(e->node, &c->fo, 0, 0, h,
						       c->err)))
				goto out;
			for (j = 0; j < n; j++)
				dinf[j] *= h[2 * (j * n + j)];
		}
		/* A·S symmetric, with s_j the sign of d_j on the ray */
		for (i = 0; i < n && ok; i++)
			for (k = 0; k < i && ok; k++)
				ok = a->mat[i * n + k] * (d1[k] < 0 ? -1 : 1) ==
				     a->mat[k * n + i] * (d1[i] < 0 ? -1 : 1);
		if (!ok)
			continue;
		if ((rc = max_eig_scaled(c, a->mat, d1, n, &lam1)) ||
		    (rc = max_eig_scaled(c, a->mat, dinf, n, &laminf)))
			goto out;
		if (lam1 > 1 + 1e-9 && laminf < 1 - 1e-9) {
			*proof = 1;
			snprintf(l->reason, sizeof l->reason,
				 "the loop is symmetric up to signs, so L(z) has real eigenvalues for real z; the largest is %.12g at z = %d and %.12g at z = %sinfinity: a real pole %s",
				 lam1, sgn, laminf, sgn > 0 ? "" : "-",
				 sgn > 0 ? "z > 1" : "z < -1");
		}
	}
out:
	if (rc == ADAC_E_DEPENDENCY || rc == ADAC_E_NEGATIVE)
		rc = ADAC_OK;
	free(d1);
	free(dinf);
	free(h);
	return rc;
}

static void
set_verdict(struct loop *l, enum adac_verdict v, const char *method,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
set_verdict(struct loop *l, enum adac_verdict v, const char *method,
	    const char *fmt, ...)
{
	va_list ap;

	l->verdict = v;
	l->method = method;
	va_start(ap, fmt);
	vsnprintf(l->reason, sizeof l->reason, fmt, ap);
	va_end(ap);
}

/* Where the mean delay around the loop is, for a decay-time estimate. */
static double
mean_delay(const struct lwork *w)
{
	double sum = 0, m;
	int i, j;

	for (i = 0; i < w->n_e; i++)
		if (w->e[i].node->op == ADAC_OP_DELAY) {
			m = 0;
			for (j = 0; j < w->e[i].n; j++)
				m += w->e[i].node->samples[j];
			sum += m / w->e[i].n;
		}
	return sum;
}

/* The first biquad under n that Jury's test finds unstable, or NULL. */
static const char *
unstable_biquad_under(const struct ctx *c, const struct adac_node *n,
		      int *section, int *channel)
{
	const char *p;
	int s, ch, i;

	if (n->op == ADAC_OP_SOS) {
		for (s = 0; s < n->n_sections; s++)
			for (ch = 0; ch < n->n_in; ch++) {
				double q[5];

				adac_freq_section(&c->fo, n->sos +
						  ((size_t)s * n->n_in + ch) * 5, q);
				if (!adac_bound_biquad_stable(q[3], q[4])) {
					*section = s;
					*channel = ch;
					return n->pointer;
				}
			}
		return NULL;
	}
	if (n->op == ADAC_OP_FEEDBACK) {
		if ((p = unstable_biquad_under(c, n->forward, section, channel)))
			return p;
		return unstable_biquad_under(c, n->back, section, channel);
	}
	for (i = 0; i < n->n_of; i++)
		if ((p = unstable_biquad_under(c, n->of[i], section, channel)))
			return p;
	return NULL;
}

static double
hz_of(const struct ctx *c, double x)
{
	return acos(x < -1 ? -1 : x > 1 ? 1 : x) * c->fo.fs_hz / (2 * M_PI);
}

/*
 * The modal decision: the spectral radius of the loop's state map,
 * bounded rigorously where the map is small enough to decompose.  Only
 * for a loop without a time-varying gain: the spectral radius at the
 * worst knob position says nothing of the others, nor of a moving knob.
 */
static int
modal_decision(struct ctx *c, struct loop *l)
{
	struct adac_modal_opts mo = {0};
	struct adac_modal *m = &l->modal;
	double growth;
	int rc;

	/* the decay gains' run-time margin, and one rounding of the rest */
	mo.coef_rel_err = 16 * c->u;
	rc = adac_modal_analyze(l->node, &c->fo, &mo, m, c->err);
	if (rc != ADAC_OK)
		return rc;
	l->have_modal = strcmp(m->method, "none") != 0;
	if (!l->have_modal)
		return ADAC_OK;
	growth = m->growth;
	if (m->radius > 1 && growth > 1e6) {
		set_verdict(l, ADAC_UNSTABLE, "modal",
			    "the loop's state map has a mode of radius %.12g at %.6g Hz (residual %.3g): its response grows by a factor of at least %.3g",
			    m->radius, m->omega * c->fo.fs_hz / (2 * M_PI),
			    m->residual, growth);
		return ADAC_OK;
	}
	if (m->bound < 1 && !l->ltv) {
		set_verdict(l, ADAC_CERTIFIED_STABLE, "modal",
			    "every mode of the loop's state map has radius at most %.12g < 1 (%s eigendecomposition of dimension %ld, residual bounded)",
			    m->bound, m->method, m->dim);
	}
	return ADAC_OK;
}

static int
analyze_loop(struct ctx *c, struct loop *l)
{
	const struct adac_node *n = l->node;
	const struct loop *inner;
	struct lwork w = {0};
	const char *where;
	int rc, proof, section = 0, channel = 0;

	l->precision = c->fo.precision;
	l->bound = INFINITY;
	l->method = "small-gain";
	inner = uncertified_inner(c, n->forward);
	if (inner == NULL)
		inner = uncertified_inner(c, n->back);
	if (inner != NULL) {
		set_verdict(l, ADAC_NOT_CERTIFIED, "small-gain",
			    "contains the loop %s, which is %s, so its response has no bound to use",
			    inner->node->pointer,
			    adac_verdict_name(inner->verdict));
		/* the modes of the whole loop may still decide it */
		l->ltv = has_decay(n);
		return modal_decision(c, l);
	}
	l->ltv = has_decay(n);
	if ((rc = flatten(c, &w, n->back)) != ADAC_OK ||
	    (rc = flatten(c, &w, n->forward)) != ADAC_OK ||
	    (rc = make_runs(c, &w)) != ADAC_OK ||
	    (rc = prepare(c, &w)) != ADAC_OK ||
	    (rc = plain_fdn(c, &w, l)) != ADAC_OK ||
	    (rc = report_matrices(c, &w, l)) != ADAC_OK)
		goto out;
	l->mean_delay = mean_delay(&w);
	where = unstable_biquad_under(c, n, &section, &channel);
	if (where != NULL) {
		set_verdict(l, ADAC_UNSTABLE, "poles",
			    "the biquad %s in the loop (section %d, channel %d) has a pole on or outside the unit circle in %s",
			    where, section, channel,
			    adac_precision_name(c->fo.precision));
		goto out;
	}
	if ((rc = bound_loop(c, &w, l)) != ADAC_OK)
		goto out;
	/* a user's tolerance can narrow the band, never widen it */
	l->tol = loop_excess(c, &w, l->worst_x);
	if (c->tol >= 0 && c->tol < l->tol)
		l->tol = c->tol;
	l->lossless = lossless(&w, l->tol);
	if (l->bound < 1) {
		set_verdict(l, ADAC_CERTIFIED_STABLE, "small-gain",
			    "small-gain bound %.12g < 1 at every frequency",
			    l->bound);
		goto out;
	}
	if (l->bound <= 1 + l->tol) {
		set_verdict(l, ADAC_MARGINALLY_STABLE, "small-gain",
			    "%s within rounding: the bound %.12g exceeds 1 by no more than the rounding of %s values explains (%.3g), worst at %.6g Hz",
			    l->lossless ? "lossless" : "passive", l->bound,
			    adac_precision_name(c->fo.precision), l->tol,
			    hz_of(c, l->worst_x));
		goto out;
	}
	if (l->plain && fabs(l->det_fdn) > 1 + 1e-9) {
		set_verdict(l, ADAC_UNSTABLE, "poles",
			    "the loop's poles multiply to |det(A*Gamma)| = %.12g > 1",
			    fabs(l->det_fdn));
		goto out;
	}
	if (l->plain && l->equal_delays && l->rho_fdn > 1 + 1e-9) {
		set_verdict(l, ADAC_UNSTABLE, "poles",
			    "every line is %.17g samples long, so the poles are roots of eigenvalues of A*Gamma, and its spectral radius %.12g > 1",
			    l->fdn_delay, l->rho_fdn);
		goto out;
	}
	l->verdict = ADAC_INDETERMINATE;
	if ((rc = real_axis(c, l, &proof)))
		goto out;
	if (!proof && (rc = symmetric_proof(c, &w, l, &proof)))
		goto out;
	if (proof) {
		l->verdict = ADAC_UNSTABLE;
		l->method = "poles";
		goto out;
	}
	if ((rc = modal_decision(c, l)) != ADAC_OK ||
	    l->verdict != ADAC_INDETERMINATE)
		goto out;
	if (!l->have_bound)
		set_verdict(l, ADAC_NOT_CERTIFIED, "small-gain",
			    "the loop's gain has no finite bound and no other proof decides");
	else
		set_verdict(l, ADAC_INDETERMINATE, "small-gain",
			    "small-gain bound %.12g >= 1 and no proof of stability or instability",
			    l->bound);
out:
	lwork_free(&w);
	return rc;
}

/* --- coefficients that do not survive rounding -------------------------- */

static int
nonfinite_at(struct ctx *c, const struct adac_node *n, const char *what,
	     long i, long j, long k, double v)
{
	if (isfinite(v))
		return 0;
	if (j < 0)
		snprintf(c->nonfinite_ptr, sizeof c->nonfinite_ptr, "%s/%s/%ld",
			 n->pointer, what, i);
	else if (k < 0)
		snprintf(c->nonfinite_ptr, sizeof c->nonfinite_ptr,
			 "%s/%s/%ld/%ld", n->pointer, what, i, j);
	else
		snprintf(c->nonfinite_ptr, sizeof c->nonfinite_ptr,
			 "%s/%s/%ld/%ld/%ld", n->pointer, what, i, j, k);
	return 1;
}

/*
 * The first coefficient that is not finite as the program would hold it
 * (1e200 overflows float32), with its pointer in c->nonfinite_ptr.
 */
static int
find_nonfinite(struct ctx *c, const struct adac_node *n)
{
	long i, j, k;
	int q;

	switch (n->op) {
	case ADAC_OP_SERIES:
	case ADAC_OP_PARALLEL:
		for (q = 0; q < n->n_of; q++)
			if (find_nonfinite(c, n->of[q]))
				return 1;
		return 0;
	case ADAC_OP_FEEDBACK:
		return find_nonfinite(c, n->forward) ||
		       find_nonfinite(c, n->back);
	case ADAC_OP_DELAY:
		return 0;
	case ADAC_OP_GAIN:
		for (i = 0; i < n->n_in; i++) {
			c->nonfinite_value = n->values[i];
			if (nonfinite_at(c, n, "values", i, -1, -1,
					 adac_freq_gain(n, (int)i, &c->fo)))
				return 1;
		}
		return 0;
	case ADAC_OP_MATRIX:
		for (i = 0; i < n->n_out; i++)
			for (j = 0; j < n->n_in; j++) {
				c->nonfinite_value = n->data[i * n->n_in + j];
				if (nonfinite_at(c, n, "data", i, j, -1,
						 adac_freq_round(&c->fo,
								 c->nonfinite_value)))
					return 1;
			}
		return 0;
	case ADAC_OP_SOS:
		for (i = 0; i < n->n_sections; i++)
			for (j = 0; j < n->n_in; j++)
				for (k = 0; k < 5; k++) {
					c->nonfinite_value = n->sos[(i * n->n_in +
								     j) * 5 + k];
					if (nonfinite_at(c, n, "sections", i, j,
							 k, adac_freq_round(&c->fo,
							 c->nonfinite_value)))
						return 1;
				}
		/* and the coefficients of the realisation the program runs */
		for (i = 0; i < n->n_sections; i++)
			for (j = 0; j < n->n_in; j++) {
				double t[5];

				adac_freq_section(&c->fo, n->sos + (i * n->n_in +
								    j) * 5, t);
				for (k = 0; k < 5; k++) {
					c->nonfinite_value = n->sos[(i * n->n_in +
								     j) * 5 + k];
					if (nonfinite_at(c, n, "sections", i, j,
							 k, t[k]))
						return 1;
				}
			}
		return 0;
	}
	return 0;
}

/* --- one precision ------------------------------------------------------ */

static int
is_float(double x)
{
	return (double)(float)x == x;
}

/*
 * Every coefficient under n is a float, and no gain is computed at run
 * time: then the float32 and double programs hold the same values, and
 * the double analysis, whose margins are all narrower, can only agree
 * with a certified or failing float32 one.
 */
static int
float_exact(const struct adac_node *n)
{
	long i, k;
	double f;

	switch (n->op) {
	case ADAC_OP_SERIES:
	case ADAC_OP_PARALLEL:
		for (i = 0; i < n->n_of; i++)
			if (!float_exact(n->of[i]))
				return 0;
		return 1;
	case ADAC_OP_FEEDBACK:
		return float_exact(n->forward) && float_exact(n->back);
	case ADAC_OP_DELAY:
		for (i = 0; i < n->n_in; i++) {
			f = n->samples[i] - floor(n->samples[i]);
			if (!is_float(f) || !is_float(1 - f))
				return 0;
		}
		return 1;
	case ADAC_OP_GAIN:
		if (n->decay != NULL)
			return 0;
		for (i = 0; i < n->n_in; i++)
			if (!is_float(n->values[i]))
				return 0;
		return 1;
	case ADAC_OP_MATRIX:
		k = (long)n->n_out * n->n_in;
		for (i = 0; i < k; i++)
			if (!is_float(n->data[i]))
				return 0;
		return 1;
	case ADAC_OP_SOS:
		k = (long)n->n_sections * n->n_in * 5;
		for (i = 0; i < k; i++)
			if (!is_float(n->sos[i]))
				return 0;
		/* a state-variable realisation's own coefficients are not */
		for (i = 0; i < k; i += 5) {
			struct adac_biquad bq;

			adac_biquad_realise(n->sos + i, &bq);
			if (bq.form != ADAC_BIQUAD_DF1)
				return 0;
		}
		return 1;
	}
	return 0;
}

static double
pole_radius(double a1, double a2)
{
	double disc = a1 * a1 - 4 * a2, q, r1, r2;

	if (disc < 0)
		return sqrt(a2);	/* complex pair: |p|² = p·p̄ = a2 */
	q = -0.5 * (a1 + (a1 < 0 ? -1 : 1) * sqrt(disc));
	r1 = fabs(q);
	r2 = q != 0 ? fabs(a2 / q) : 0;
	return r1 > r2 ? r1 : r2;
}

/* Every sos node: its largest pole radius (an estimate) and Jury's test. */
static int
walk_sos(struct ctx *c, const struct adac_node *n)
{
	double r, worst = -1, a1, a2;
	int s, ch, ws = 0, wc = 0, i, rc, stable = 1;
	json_t *o;

	if (n->op == ADAC_OP_SOS) {
		for (s = 0; s < n->n_sections; s++)
			for (ch = 0; ch < n->n_in; ch++) {
				double q[5];

				adac_freq_section(&c->fo, n->sos +
						  ((size_t)s * n->n_in + ch) * 5, q);
				a1 = q[3];
				a2 = q[4];
				r = pole_radius(a1, a2);
				if (!adac_bound_biquad_stable(a1, a2)) {
					if (stable) {
						ws = s;
						wc = ch;
						worst = r;
					}
					stable = 0;
				} else if (stable && r > worst) {
					worst = r;
					ws = s;
					wc = ch;
				}
			}
		o = json_pack("{s:s,s:i,s:i,s:o,s:b}", "pointer", n->pointer,
			      "section", ws, "channel", wc, "pole_radius",
			      isfinite(worst) ? json_real(worst) : json_null(),
			      "stable", stable);
		if (o == NULL || json_array_append_new(c->biquads, o) != 0)
			return nomem(c->err);
		if (!stable && !c->unstable_biquad) {
			c->unstable_biquad = 1;
			c->worst_pole = worst;
			c->worst_pole_ptr = n->pointer;
			c->worst_pole_section = ws;
			c->worst_pole_channel = wc;
		}
		return ADAC_OK;
	}
	for (i = 0; i < n->n_of; i++)
		if ((rc = walk_sos(c, n->of[i])) != ADAC_OK)
			return rc;
	if (n->op == ADAC_OP_FEEDBACK &&
	    ((rc = walk_sos(c, n->forward)) != ADAC_OK ||
	     (rc = walk_sos(c, n->back)) != ADAC_OK))
		return rc;
	return ADAC_OK;
}

static void
ctx_free(struct ctx *c)
{
	int i;

	for (i = 0; i < c->n_loops; i++)
		json_decref(c->loops[i].matrices);
	free(c->loops);
	for (i = 0; i < c->n_leaves; i++)
		leaf_free(&c->leaves[i]);
	free(c->leaves);
	json_decref(c->biquads);
	memset(c, 0, sizeof *c);
}

static int
analyze(struct ctx *c)
{
	int i, rc;

	c->biquads = json_array();
	if (c->biquads == NULL)
		return nomem(c->err);
	if (find_nonfinite(c, c->ir->graph))
		return ADAC_OK;	/* nothing to analyse: not certified */
	if ((rc = walk_sos(c, c->ir->graph)) != ADAC_OK ||
	    (rc = collect_loops(c, c->ir->graph)) != ADAC_OK)
		return rc;
	/* inner loops before the loops around them: reverse pre-order */
	for (i = c->n_loops - 1; i >= 0; i--)
		if ((rc = analyze_loop(c, &c->loops[i])) != ADAC_OK)
			return rc;
	return c->failed ? c->err->code : ADAC_OK;
}

/* --- the certificate --------------------------------------------------- */

static json_t *
real_or_null(int have, double x)
{
	return have && isfinite(x) ? json_real(x) : json_null();
}

static json_t *
mode_json(const struct ctx *c, const struct loop *l)
{
	const struct adac_modal *m = &l->modal;
	double t60 = adac_modal_t60_s(m, c->fo.fs_hz);

	return json_pack("{s:s,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:b}",
			 "method", m->method, "dimension", (json_int_t)m->dim,
			 "radius", real_or_null(1, m->radius),
			 "hz", real_or_null(1, adac_modal_freq_hz(m, c->fo.fs_hz)),
			 "t60_s", real_or_null(1, t60),
			 "residual", real_or_null(1, m->residual),
			 "bound", real_or_null(1, m->bound),
			 "precision", json_string(adac_precision_name(l->precision)),
			 "converged", m->converged);
}

static json_t *
loop_json(const struct ctx *c, const struct loop *l)
{
	json_t *o;
	double t60;

	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "pointer",
		      l->node->pointer, "verdict", adac_verdict_name(l->verdict),
		      "reason", l->reason, "method", l->method, "precision",
		      adac_precision_name(l->precision), "bound",
		      real_or_null(l->have_bound, l->bound), "estimate",
		      real_or_null(l->bands > 0, l->estimate));
	if (o == NULL)
		return NULL;
	if (l->bands > 0) {
		json_object_set_new(o, "worst_hz", json_real(hz_of(c, l->worst_x)));
		json_object_set_new(o, "bands", json_integer(l->bands));
		json_object_set_new(o, "marginal_tolerance", json_real(l->tol));
		json_object_set_new(o, "lossless", json_boolean(l->lossless));
		json_object_set_new(o, "time_varying", json_boolean(l->ltv));
	}
	if (l->plain) {
		json_object_set_new(o, "sigma_max_AGamma",
				    real_or_null(1, l->sigma_fdn));
		json_object_set_new(o, "spectral_radius_AGamma",
				    real_or_null(1, l->rho_fdn));
		json_object_set_new(o, "det_AGamma", real_or_null(1, l->det_fdn));
	}
	if (l->have_rho) {
		json_object_set_new(o, "dc_spectral_radius",
				    json_real(l->rho_dc));
		json_object_set_new(o, "nyquist_spectral_radius",
				    json_real(l->rho_nyquist));
	}
	if (l->mean_delay > 0)
		json_object_set_new(o, "mean_delay_samples",
				    json_real(l->mean_delay));
	/* T60 ≈ −3·m̄/(fs·log10 g): the bound g shrinks a signal per pass */
	if (l->have_bound && l->bound > 0 && l->bound < 1 && l->mean_delay > 0) {
		t60 = -3 * l->mean_delay / (c->fo.fs_hz * log10(l->bound));
		json_object_set_new(o, "t60_estimate_s", json_real(t60));
	}
	if (l->have_modal)
		json_object_set_new(o, "slowest_mode", mode_json(c, l));
	json_object_set_new(o, "matrices", l->matrices != NULL ?
			    json_incref(l->matrices) : json_array());
	return o;
}

static json_t *
controls_json(const struct adac_ir *ir)
{
	const struct adac_control *ctl;
	json_t *a = json_array(), *o;
	int i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < ir->n_controls; i++) {
		ctl = &ir->controls[i];
		o = json_pack("{s:s,s:f,s:f}", "name", ctl->name, "min",
			      ctl->min, "max", ctl->max);
		if (o == NULL) {
			json_decref(a);
			return NULL;
		}
		if (strcmp(ctl->name, "rt60") == 0) {
			json_object_set_new(o, "worst", json_real(ctl->max));
			json_object_set_new(o, "why", json_string(
				"every decay gain grows with T60, every bound grows with each gain, and a moving knob keeps each gain below its value at the maximum"));
		} else {
			json_object_set_new(o, "why", json_string(
				"acts outside every loop"));
		}
		json_array_append_new(a, o);
	}
	return a;
}

/*
 * What a verdict rests on, stated once in every certificate: the model
 * of the program the bounds are about.
 */
static json_t *
assumptions_json(void)
{
	return json_pack("[s,s,s,s]",
		"coefficients are taken as the emitted program holds them in each precision listed; decay gains it computes at run time carry a margin for that arithmetic",
		"LAPACK's largest singular value of an m x n matrix is within 8*max(m,n)*2^-53 of the exact one, relative (backward stability)",
		"bounds hold over every frequency: magnitudes are bounded over bands of cos(w), never sampled",
		"rounding noise of the running arithmetic is not modelled: it enters a certified network as a bounded input");
}

/* The worse of two results for the same loop (per precision). */
static int
worse(const struct loop *a, const struct loop *b)
{
	if (a->verdict != b->verdict)
		return a->verdict > b->verdict;
	if (a->have_bound != b->have_bound)
		return !a->have_bound;
	return a->bound > b->bound;
}

struct result {
	enum adac_verdict verdict;
	double bound;		/* the widest loop's, for ties */
	char reason[ADAC_TEXT_MAX];
	char pointer[ADAC_POINTER_MAX];
};

/* The IR's verdict from one precision's analysis. */
static void
verdict_of(const struct ctx *c, struct result *r)
{
	const struct loop *deciding = NULL, *widest = NULL;
	double bound = -1;
	int i;

	r->verdict = ADAC_CERTIFIED_STABLE;
	r->bound = -1;
	snprintf(r->pointer, sizeof r->pointer, "%s", c->ir->graph->pointer);
	if (c->nonfinite_ptr[0] != '\0') {
		r->verdict = ADAC_NOT_CERTIFIED;
		snprintf(r->pointer, sizeof r->pointer, "%s", c->nonfinite_ptr);
		snprintf(r->reason, sizeof r->reason,
			 "coefficient %.12g is not finite in %s",
			 c->nonfinite_value, adac_precision_name(c->fo.precision));
		return;
	}
	snprintf(r->reason, sizeof r->reason, "%s",
		 c->n_loops == 0 ? "no feedback loop and every biquad pole is inside the unit circle" :
		 "every loop's small-gain bound is below 1");
	if (c->unstable_biquad) {
		r->verdict = ADAC_UNSTABLE;
		snprintf(r->pointer, sizeof r->pointer, "%s", c->worst_pole_ptr);
		snprintf(r->reason, sizeof r->reason,
			 "biquad pole on or outside the unit circle in %s (section %d, channel %d, radius about %.12g)",
			 adac_precision_name(c->fo.precision),
			 c->worst_pole_section, c->worst_pole_channel,
			 c->worst_pole);
	}
	for (i = 0; i < c->n_loops; i++) {
		if (c->loops[i].verdict > r->verdict) {
			r->verdict = c->loops[i].verdict;
			deciding = &c->loops[i];
		}
		if (c->loops[i].have_bound && c->loops[i].bound >= bound) {
			bound = c->loops[i].bound;
			widest = &c->loops[i];
		}
	}
	r->bound = bound;
	if (deciding == NULL && r->verdict == ADAC_CERTIFIED_STABLE)
		deciding = widest;
	if (deciding != NULL) {
		snprintf(r->pointer, sizeof r->pointer, "%s",
			 deciding->node->pointer);
		snprintf(r->reason, sizeof r->reason, "%s", deciding->reason);
	}
}

static json_t *
certificate_json(const struct ctx *c, const struct loop *loops,
		 const struct result *r, unsigned precisions,
		 const json_t *biquads, const char *hex)
{
	json_t *out, *a, *x, *p;
	double bound = 0;
	int i, any = 0, bounded = 0;

	a = json_array();
	p = json_array();
	if (a == NULL || p == NULL)
		goto fail;
	for (i = 0; i < c->n_loops; i++) {
		x = loop_json(c, &loops[i]);
		if (x == NULL || json_array_append_new(a, x) != 0)
			goto fail;
		any = 1;
		if (loops[i].have_bound) {
			bounded = 1;
			bound = loops[i].bound > bound ? loops[i].bound : bound;
		}
	}
	if (precisions & ADAC_CERTIFY_FLOAT32)
		json_array_append_new(p, json_string("float32"));
	if (precisions & ADAC_CERTIFY_DOUBLE)
		json_array_append_new(p, json_string("double"));
	out = json_pack("{s:s,s:s,s:s,s:s,s:O,s:i,s:o,s:o,s:o,s:O,s:o,s:o,s:s,s:s}",
			"verdict", adac_verdict_name(r->verdict),
			"reason", r->reason, "pointer", r->pointer,
			"method", "small-gain", "precision", p,
			"grid", c->grid,
			/* loops but none with a bound, or coefficients that
			 * overflow: there is no figure */
			"bound", (any && !bounded) || c->nonfinite_ptr[0] ?
			json_null() : json_real(bound),
			/* a margin only where small gain proves one */
			"margin_db", bound > 0 && bound < 1 && bounded ?
			json_real(0.0 - 20 * log10(bound)) : json_null(),
			"loops", a, "biquads", biquads,
			"controls", controls_json(c->ir),
			"assumptions", assumptions_json(),
			"hash", hex, "version", ADAC_CERTIFY_VERSION);
	json_decref(p);
	return out;
fail:
	json_decref(a);
	json_decref(p);
	return NULL;
}

int
adac_certify(const struct adac_ir *ir, const struct adac_certify_opts *o,
	     json_t **cert, enum adac_verdict *verdict, struct adac_error *err)
{
	const struct adac_control *rt60 = adac_ir_control(ir, "rt60");
	unsigned precisions = o->precisions ? o->precisions : ADAC_CERTIFY_ALL;
	struct ctx c[2] = {{0}}, *shown = NULL;
	struct loop *merged = NULL;
	struct result r, best = {ADAC_CERTIFIED_STABLE, -1, "", ""};
	struct adac_error local;
	json_t *out = NULL;
	char hex[65];
	int p, i, rc = ADAC_OK, grid = o->grid > 0 ? o->grid : ADAC_CERTIFY_GRID;

	if (err == NULL)
		err = &local;
	if (grid > (1 << 20))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "grid of %d pieces is larger than %d",
				      grid, 1 << 20);
	if (!(o->tol < 0.5))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "tolerance %g is not below 0.5", o->tol);
	if (precisions & ~ADAC_CERTIFY_ALL)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "unknown precision mask %#x", precisions);
	for (p = 0; p < 2; p++) {
		if (!(precisions & (1u << p)))
			continue;
		/* double after a float32 result it cannot change: see above */
		if (p == ADAC_PRECISION_DOUBLE && shown != NULL &&
		    best.verdict != ADAC_MARGINALLY_STABLE &&
		    float_exact(ir->graph))
			continue;
		c[p].ir = ir;
		c[p].err = err;
		c[p].fo.precision = (enum adac_precision)p;
		c[p].u = p == ADAC_PRECISION_DOUBLE ? ADAC_U_DOUBLE :
			 ADAC_U_FLOAT32;
		c[p].fo.fs_hz = ir->fs_hz;
		/* gains grow with T60: the largest T60 is the worst case */
		c[p].fo.rt60_s = rt60 != NULL ? rt60->max : 1;
		c[p].grid = grid;
		c[p].tol = o->tol;
		err->code = ADAC_OK;
		if ((rc = analyze(&c[p])) != ADAC_OK)
			goto out;
		verdict_of(&c[p], &r);
		/* the worse precision speaks for the certificate */
		if (shown == NULL || r.verdict > best.verdict ||
		    (r.verdict == best.verdict && r.bound > best.bound)) {
			best = r;
			shown = &c[p];
		}
	}
	/* per loop, the worse of the precisions */
	merged = calloc((size_t)shown->n_loops + 1, sizeof *merged);
	if (merged == NULL) {
		rc = nomem(err);
		goto out;
	}
	for (i = 0; i < shown->n_loops; i++) {
		merged[i] = shown->loops[i];
		for (p = 0; p < 2; p++)
			if (&c[p] != shown && c[p].ir != NULL &&
			    c[p].nonfinite_ptr[0] == '\0' &&
			    i < c[p].n_loops && worse(&c[p].loops[i], &merged[i]))
				merged[i] = c[p].loops[i];
	}
	if ((rc = adac_ir_hash(ir, hex, err)) != ADAC_OK)
		goto out;
	out = certificate_json(shown, merged, &best, precisions,
			       shown->biquads, hex);
	if (out == NULL) {
		rc = nomem(err);
		goto out;
	}
	if (cert != NULL) {
		*cert = out;
		out = NULL;
	}
	if (verdict != NULL)
		*verdict = best.verdict;
out:
	json_decref(out);
	free(merged);
	ctx_free(&c[0]);
	ctx_free(&c[1]);
	if (rc == ADAC_OK)
		err->code = ADAC_OK;
	return rc;
}
