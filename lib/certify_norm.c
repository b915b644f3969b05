/*
 * certify_norm.c - norms and classification for the certifier: what an
 * element of a loop is (channel-wise, constant, moved by a knob), the
 * values and norms of leaves as the program holds them, upper bounds of
 * magnitudes over a band of frequencies, and the branch and bound that
 * takes their supremum over every frequency.  certify.c says why each
 * bound holds.
 */
#include "certify_impl.h"

#include "allpass.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "biquad.h"
#include "linalg.h"

/* --- what an element is ---------------------------------------------- */

int
adac_cert_is_diag(const struct adac_node *n)
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
			if (!adac_cert_is_diag(n->of[i]))
				return 0;
		return 1;
	case ADAC_OP_FEEDBACK:
	case ADAC_OP_NONLINEAR:
	case ADAC_OP_MODDELAY:
		return 0;	/* not LTI: never a factor of H(ω) */
	}
	return 0;
}

int
adac_cert_is_const(const struct adac_node *n)
{
	int i;

	switch (n->op) {
	case ADAC_OP_GAIN:
	case ADAC_OP_MATRIX:
		return 1;
	case ADAC_OP_SERIES:
	case ADAC_OP_PARALLEL:
		for (i = 0; i < n->n_of; i++)
			if (!adac_cert_is_const(n->of[i]))
				return 0;
		return 1;
	case ADAC_OP_DELAY:
	case ADAC_OP_SOS:
	case ADAC_OP_FEEDBACK:
	case ADAC_OP_NONLINEAR:
	case ADAC_OP_MODDELAY:
		return 0;
	}
	return 0;
}

/* A gain whose value follows a knob at run time lies under n. */
static int
decay_here(const struct adac_node *n, void *arg)
{
	(void)arg;
	return n->op == ADAC_OP_GAIN && n->decay != NULL;
}

int
adac_cert_has_decay(const struct adac_node *n)
{
	return adac_ir_walk(n, decay_here, NULL, NULL) != ADAC_OK;
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

void
adac_cert_leaf_free(struct leaf *l)
{
	free(l->bq);
	free(l->frac);
	free(l->val);
	free(l->rel);
	free(l->mag);
}

int
adac_cert_matrix_norm(struct ctx *c, const double *m, int rows, int cols,
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

double
adac_cert_frobenius(const double *m, long k)
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
	case ADAC_OP_NONLINEAR:
		/* adac_cert_incr_gain()'s, never a leaf of H(ω) */
		return adac_error_set(c->err, ADAC_E_INPUT, n->pointer,
				      "a nonlinear node has no frequency response to bound");
	case ADAC_OP_MODDELAY:
		return adac_error_set(c->err, ADAC_E_INPUT, n->pointer,
				      "a modulated delay has no frequency response to bound");
	}
	if (n->op == ADAC_OP_MATRIX && !adac_cert_is_diag(n)) {
		k = n->n_out * n->n_in;
		m = malloc((size_t)k * sizeof *m);
		if (m == NULL)
			return nomem(c->err);
		for (s = 0; s < k; s++)
			m[s] = adac_freq_round(&c->fo, n->data[s]);
		l->fro = adac_cert_frobenius(m, k);
		rc = adac_cert_matrix_norm(c, m, n->n_out, n->n_in, 0,
					   &l->sigma_hat, &l->sigma);
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

const struct leaf *
adac_cert_leaf_of(struct ctx *c, const struct adac_node *n)
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
		adac_cert_leaf_free(l);
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
double
adac_cert_chan_upper(struct ctx *c, const struct adac_node *n, int ch,
		     double xlo, double xhi)
{
	const struct leaf *l;
	double v = 1, lo, hi, sq;
	int i, s;

	switch (n->op) {
	case ADAC_OP_SERIES:
		for (i = 0; i < n->n_of; i++)
			v = adac_bound_mul(v, adac_cert_chan_upper(c, n->of[i],
				ch, xlo, xhi));
		return v;
	case ADAC_OP_PARALLEL:
		for (i = 0; i < n->n_of; i++) {
			if (ch < n->of[i]->n_in)
				return adac_cert_chan_upper(c, n->of[i], ch,
							    xlo, xhi);
			ch -= n->of[i]->n_in;
		}
		return INFINITY;
	case ADAC_OP_DELAY:
	case ADAC_OP_GAIN:
	case ADAC_OP_MATRIX:
	case ADAC_OP_SOS:
		break;
	case ADAC_OP_FEEDBACK:
	case ADAC_OP_NONLINEAR:
	case ADAC_OP_MODDELAY:
		return INFINITY;	/* not channel-wise: never asked */
	}
	if ((l = adac_cert_leaf_of(c, n)) == NULL)
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
	case ADAC_OP_GAIN:
	case ADAC_OP_MATRIX:
		return l->mag[ch];
	case ADAC_OP_SERIES:
	case ADAC_OP_PARALLEL:
	case ADAC_OP_FEEDBACK:
	case ADAC_OP_NONLINEAR:
	case ADAC_OP_MODDELAY:
		break;		/* returned above */
	}
	return INFINITY;
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
 * frequency instead (a time-varying element inside): see adac_cert_block_sup().
 */
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

double
adac_cert_block_upper(struct ctx *c, const struct adac_node *n, double xlo,
		      double xhi, int sup)
{
	const struct adac_node *path;
	const struct leaf *l;
	double acc, v, *vals;
	int i;

	/* |H| = 1 at every ω, proven from the structure (allpass.h) */
	if (adac_allpass_proven(n))
		return 1;
	/* a lattice, from its path's norm over the band (allpass.h) */
	if (adac_allpass_lattice(n, &path, &v))
		return adac_allpass_gain(adac_freq_round(&c->fo, v),
		    adac_cert_block_upper(c, path, xlo, xhi, sup));
	if (adac_cert_is_diag(n)) {
		acc = 0;
		for (i = 0; i < n->n_in; i++) {
			v = adac_cert_chan_upper(c, n, i, xlo, xhi);
			if (v != v)
				return NAN;
			acc = v > acc ? v : acc;
		}
		return acc;
	}
	switch (n->op) {
	case ADAC_OP_MATRIX:
		return (l = adac_cert_leaf_of(c, n)) != NULL ? l->sigma : NAN;
	case ADAC_OP_SERIES:
		acc = 1;
		for (i = 0; i < n->n_of; i++) {
			v = sup ? adac_cert_block_sup(c, n->of[i]) :
			    adac_cert_block_upper(c, n->of[i], xlo, xhi, 0);
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
			vals[i] = sup ? adac_cert_block_sup(c, n->of[i]) :
			    adac_cert_block_upper(c, n->of[i], xlo, xhi, 0);
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
			return loop_of_norms(adac_cert_block_sup(c, n->forward),
					     adac_cert_block_sup(c, n->back));
		return loop_of_norms(
		    adac_cert_block_upper(c, n->forward, xlo, xhi, 0),
		    adac_cert_block_upper(c, n->back, xlo, xhi, 0));
	case ADAC_OP_DELAY:
	case ADAC_OP_GAIN:
	case ADAC_OP_SOS:
		break;	/* diagonal: above */
	case ADAC_OP_NONLINEAR:
	case ADAC_OP_MODDELAY:
		break;	/* no H(ω): adac_cert_incr_gain() bounds it */
	}
	return INFINITY;
}

/* --- branch and bound over the band ------------------------------------ */


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

int
adac_cert_bb_sup(struct ctx *c, band_fn fn, void *arg, int pieces, struct bb *b)
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
	return adac_cert_block_upper(c, ((struct node_arg *)arg)->node, xlo,
				     xhi, 0);
}

double
adac_cert_block_sup(struct ctx *c, const struct adac_node *n)
{
	struct node_arg a = {n};
	const struct leaf *l;
	struct bb b;

	if (n->op == ADAC_OP_MATRIX && !adac_cert_is_diag(n))
		return (l = adac_cert_leaf_of(c, n)) != NULL ? l->sigma : NAN;
	if (adac_cert_is_diag(n) || !adac_cert_has_decay(n)) {
		if (adac_cert_bb_sup(c, node_band, &a, c->grid, &b) != ADAC_OK)
			return NAN;
		return b.upper;
	}
	/* a time-varying element inside: factor by factor */
	return adac_cert_block_upper(c, n, -1, 1, 1);
}

/* --- nonlinear nodes: incremental gains ------------------------------- */

/*
 * A nonlinear node or a modulated delay: the elements that are not LTI
 * and so are bounded by their operator gains alone (adac_cert_incr_gain()).
 */
static int
nl_here(const struct adac_node *n, void *arg)
{
	(void)arg;
	return n->op == ADAC_OP_NONLINEAR || n->op == ADAC_OP_MODDELAY;
}

static int
mod_here(const struct adac_node *n, void *arg)
{
	(void)arg;
	return n->op == ADAC_OP_MODDELAY;
}

int
adac_cert_has_mod(const struct adac_node *n)
{
	return adac_ir_walk(n, mod_here, NULL, NULL) != ADAC_OK;
}

/*
 * A modulated delay is linear and time-varying: its incremental gain is
 * its l2 gain, and channel by channel (a diagonal operator) the largest
 * of adac_bound_moddelay_gain() at the precision checked, which holds
 * for every length the LFO reaches.
 */
static double
mod_gain(struct ctx *c, const struct adac_node *n)
{
	double acc = 0, g;
	int ch;

	for (ch = 0; ch < n->n_in; ch++) {
		g = adac_bound_moddelay_gain(n->depth[ch], n->period[ch], c->u);
		acc = g > acc ? g : acc;
	}
	return acc;
}

int
adac_cert_has_nl(const struct adac_node *n)
{
	return adac_ir_walk(n, nl_here, NULL, NULL) != ADAC_OK;
}

/*
 * A nonlinear node's channel is out_gain·f(in_gain·x) with f Lipschitz
 * with constant 1 (|f(a) − f(b)| <= |a − b|: tanh' = 1 − tanh² <= 1,
 * the clip's slopes are 0 and 1, the cubic's 1 − v² on |v| <= 1 and 0
 * beyond), so its incremental gain is |in_gain·out_gain| with the gains
 * as the program holds them, and the node's, channel by channel, the
 * largest of those.
 */
static double
nl_gain(struct ctx *c, const struct adac_node *n)
{
	double acc = 0, g;
	int ch;

	for (ch = 0; ch < n->n_in; ch++) {
		g = adac_bound_mul(fabs(adac_freq_round(&c->fo, n->in_gain[ch])),
				   fabs(adac_freq_round(&c->fo, n->out_gain[ch])));
		if (g != g)
			return INFINITY;
		acc = g > acc ? g : acc;
	}
	return acc;
}

/*
 * The block-norm inequalities hold for incremental gains of nonlinear
 * operators as well: the triangle inequality (sum), Cauchy–Schwarz
 * (stack into sum, split into stack), the maximum (stack into stack),
 * composition (series), and for a loop y = F(x + B(y)) with
 * gF·gB < 1, ‖Δy‖ <= gF·(‖Δx‖ + gB·‖Δy‖), so ‖Δy‖ <= gF/(1 − gF·gB)·‖Δx‖
 * (and the loop has a unique solution: it is a contraction).  Only the
 * frequency-wise products are lost: across a nonlinear node, each
 * factor is its own supremum.
 */
double
adac_cert_incr_gain(struct ctx *c, const struct adac_node *n)
{
	const struct adac_node *path;
	double acc, v, *vals;
	int i;

	if (!adac_cert_has_nl(n))
		return adac_cert_block_sup(c, n);
	/* a lattice holds its energy balance whatever its path (allpass.h) */
	if (adac_allpass_lattice(n, &path, &v))
		return adac_allpass_gain(adac_freq_round(&c->fo, v),
					 adac_cert_incr_gain(c, path));
	switch (n->op) {
	case ADAC_OP_NONLINEAR:
		return nl_gain(c, n);
	case ADAC_OP_MODDELAY:
		return mod_gain(c, n);
	case ADAC_OP_SERIES:
		acc = 1;
		for (i = 0; i < n->n_of; i++) {
			v = adac_cert_incr_gain(c, n->of[i]);
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
			vals[i] = adac_cert_incr_gain(c, n->of[i]);
			if (vals[i] != vals[i]) {
				free(vals);
				return NAN;
			}
		}
		acc = combine_parallel(n, vals);
		free(vals);
		return acc;
	case ADAC_OP_FEEDBACK:
		return loop_of_norms(adac_cert_incr_gain(c, n->forward),
				     adac_cert_incr_gain(c, n->back));
	case ADAC_OP_DELAY:
	case ADAC_OP_GAIN:
	case ADAC_OP_MATRIX:
	case ADAC_OP_SOS:
		break;	/* linear: adac_cert_block_sup() above */
	}
	return INFINITY;
}

int
adac_cert_nl_loop_bound(struct ctx *c, const struct lwork *w, double *bound)
{
	const struct adac_node **run = NULL;
	struct adac_node tmp;
	double acc = 1, g;
	int n = w->n_e, start, k, len;

	for (start = 0; start < n; start++)
		if (adac_cert_has_nl(w->e[start].node))
			break;
	run = malloc(((size_t)n + 1) * sizeof *run);
	if (run == NULL)
		return nomem(c->err);
	for (k = 0; k < n && start < n; k += len) {
		const struct adac_node *e = w->e[(start + k) % n].node;

		len = 1;
		if (adac_cert_has_nl(e)) {
			g = adac_cert_incr_gain(c, e);
		} else {
			/* the linear elements up to the next nonlinear one */
			run[0] = e;
			while (k + len < n &&
			       !adac_cert_has_nl(w->e[(start + k + len) % n].node)) {
				run[len] = w->e[(start + k + len) % n].node;
				len++;
			}
			if (len == 1) {
				g = adac_cert_block_sup(c, e);
			} else {
				/* a series of them, whose frequency-wise
				 * product is a bound: it is linear */
				memset(&tmp, 0, sizeof tmp);
				tmp.op = ADAC_OP_SERIES;
				tmp.pointer = e->pointer;
				tmp.of = (struct adac_node **)run;
				tmp.n_of = len;
				tmp.n_in = run[0]->n_in;
				tmp.n_out = run[len - 1]->n_out;
				g = adac_cert_block_sup(c, &tmp);
			}
		}
		if (g != g) {
			free(run);
			return c->failed || c->err->code != ADAC_OK ?
			       c->err->code : nomem(c->err);
		}
		acc = adac_bound_mul(acc, g);
	}
	free(run);
	*bound = start < n ? acc : INFINITY;
	return ADAC_OK;
}
