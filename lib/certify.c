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
 *
 * This file decides each loop and the IR and writes the certificate
 * object; the parts it draws on are listed in certify_impl.h.
 */
#include "certify_impl.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allpass.h"
#include "fixbound.h"
#include "biquad.h"
#include "linalg.h"

/* --- the verdict of a loop ---------------------------------------------- */

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
struct unstable_at {
	const struct ctx *c;
	const char *pointer;
	int section, channel;
};

static int
unstable_sos(const struct adac_node *n, void *arg)
{
	struct unstable_at *u = arg;
	int s, ch;

	if (n->op != ADAC_OP_SOS)
		return ADAC_OK;
	for (s = 0; s < n->n_sections; s++)
		for (ch = 0; ch < n->n_in; ch++) {
			double q[5];

			adac_freq_section(&u->c->fo, n->sos +
					  ((size_t)s * n->n_in + ch) * 5, q);
			if (!adac_bound_biquad_stable(q[3], q[4])) {
				u->pointer = n->pointer;
				u->section = s;
				u->channel = ch;
				return 1;	/* found: stop */
			}
		}
	return ADAC_OK;
}

static const char *
unstable_biquad_under(const struct ctx *c, const struct adac_node *n,
		      int *section, int *channel)
{
	struct unstable_at u = {c, NULL, 0, 0};

	if (adac_ir_walk(n, unstable_sos, NULL, &u) == ADAC_OK)
		return NULL;
	*section = u.section;
	*channel = u.channel;
	return u.pointer;
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

/*
 * A loop with a nonlinear node in it: the incremental small-gain theorem
 * and nothing else.  Every other argument of analyze_loop() rests on
 * linearity (a frequency-wise product, poles, modes, unitarity), and
 * the small-signal slope of a saturating node says nothing of large
 * signals, so a bound that is not below 1 leaves the loop indeterminate,
 * never unstable or marginal.
 */
static int
analyze_nl_loop(struct ctx *c, struct loop *l)
{
	const struct adac_node *n = l->node;
	struct lwork w = {0};
	const char *where;
	int rc, section = 0, channel = 0;
	/*
	 * A modulated delay: linear but time-varying, so its incremental
	 * gain is its l2 gain, bounded for every length its LFO reaches
	 * (adac_bound_moddelay_gain()).  Modes, poles, unitarity and rt60's
	 * decay times are properties of one set of lengths; none of them
	 * is asked, and a bound not below 1 is indeterminate.
	 */
	const char *why = adac_cert_has_mod(n) ?
		"with a modulated delay in the loop only a delay-independent bound applies; only a delay-dependent argument (modes, poles, unitarity at fixed lengths) would settle it, and none holds for every length the LFO reaches" :
		"with a nonlinear node in the loop no other argument applies";

	l->nonlinear = 1;
	l->modulated = adac_cert_has_mod(n);
	l->method = "incremental-small-gain";
	where = unstable_biquad_under(c, n, &section, &channel);
	if (where != NULL) {
		set_verdict(l, ADAC_INDETERMINATE, "incremental-small-gain",
			    "the biquad %s in the loop (section %d, channel %d) has a pole on or outside the unit circle in %s; with a nonlinear node in the loop no linear argument decides it",
			    where, section, channel,
			    adac_precision_name(c->fo.precision));
		return ADAC_OK;
	}
	if ((rc = adac_cert_flatten(c, &w, n->back)) != ADAC_OK ||
	    (rc = adac_cert_flatten(c, &w, n->forward)) != ADAC_OK ||
	    (rc = adac_cert_nl_loop_bound(c, &w, &l->bound)) != ADAC_OK)
		goto out;
	l->have_bound = isfinite(l->bound);
	if (l->bound < 1)
		set_verdict(l, ADAC_CERTIFIED_STABLE, "incremental-small-gain",
			    "incremental small-gain bound %.12g < 1: the loop is a contraction, so its response to a bounded input is unique and bounded",
			    l->bound);
	else if (!l->have_bound)
		set_verdict(l, ADAC_NOT_CERTIFIED, "incremental-small-gain",
			    "the loop's incremental gain has no finite bound (a modulated delay moving by more than half a sample per sample has none here), and %s",
			    why);
	else
		set_verdict(l, ADAC_INDETERMINATE, "incremental-small-gain",
			    "incremental small-gain bound %.12g >= 1, and %s",
			    l->bound, why);
out:
	adac_cert_lwork_free(&w);
	return rc;
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
	inner = adac_cert_uncertified_inner(c, n->forward);
	if (inner == NULL)
		inner = adac_cert_uncertified_inner(c, n->back);
	if (inner != NULL) {
		set_verdict(l, ADAC_NOT_CERTIFIED, "small-gain",
			    "contains the loop %s, which is %s, so its response has no bound to use",
			    inner->node->pointer,
			    adac_verdict_name(inner->verdict));
		/* the modes of the whole loop may still decide it, if it
		 * is linear */
		l->ltv = adac_cert_has_decay(n);
		if (adac_cert_has_nl(n)) {
			l->nonlinear = 1;
			l->modulated = adac_cert_has_mod(n);
			return ADAC_OK;
		}
		return modal_decision(c, l);
	}
	if (adac_cert_has_nl(n))
		return analyze_nl_loop(c, l);
	l->ltv = adac_cert_has_decay(n);
	if ((rc = adac_cert_flatten(c, &w, n->back)) != ADAC_OK ||
	    (rc = adac_cert_flatten(c, &w, n->forward)) != ADAC_OK ||
	    (rc = adac_cert_make_runs(c, &w)) != ADAC_OK ||
	    (rc = adac_cert_prepare(c, &w)) != ADAC_OK ||
	    (rc = adac_cert_plain_fdn(c, &w, l)) != ADAC_OK ||
	    (rc = adac_cert_report_matrices(c, &w, l)) != ADAC_OK)
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
	if ((rc = adac_cert_bound_loop(c, &w, l)) != ADAC_OK)
		goto out;
	/* a user's tolerance can narrow the band, never widen it */
	l->tol = adac_cert_loop_excess(c, &w, l->worst_x);
	if (c->tol >= 0 && c->tol < l->tol)
		l->tol = c->tol;
	l->lossless = adac_cert_lossless(&w, l->tol);
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
	if ((rc = adac_cert_real_axis(c, l, &proof)))
		goto out;
	if (!proof && (rc = adac_cert_symmetric_proof(c, &w, l, &proof)))
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
	adac_cert_lwork_free(&w);
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
nonfinite_here(const struct adac_node *n, void *arg)
{
	struct ctx *c = arg;
	long i, j, k;

	switch (n->op) {
	case ADAC_OP_SERIES:
	case ADAC_OP_PARALLEL:
	case ADAC_OP_FEEDBACK:
	case ADAC_OP_DELAY:
	case ADAC_OP_MODDELAY:	/* its LFO's values are bounded by validation */
		return 0;
	case ADAC_OP_NONLINEAR:
		for (i = 0; i < n->n_in; i++) {
			c->nonfinite_value = n->in_gain[i];
			if (nonfinite_at(c, n, "in_gain", i, -1, -1,
					 adac_freq_round(&c->fo, n->in_gain[i])))
				return 1;
			c->nonfinite_value = n->out_gain[i];
			if (nonfinite_at(c, n, "out_gain", i, -1, -1,
					 adac_freq_round(&c->fo, n->out_gain[i])))
				return 1;
		}
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

/* Is a coefficient under n not finite at c's precision?  Notes the first. */
static int
find_nonfinite(struct ctx *c, const struct adac_node *n)
{
	return adac_ir_walk(n, nonfinite_here, NULL, c) != ADAC_OK;
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
float_exact_here(const struct adac_node *n)
{
	long i, k;
	double f;

	switch (n->op) {
	case ADAC_OP_SERIES:
	case ADAC_OP_PARALLEL:
	case ADAC_OP_FEEDBACK:
		return 1;
	case ADAC_OP_MODDELAY:
		return 0;	/* its LFO rounds otherwise in float */
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
	case ADAC_OP_NONLINEAR:
		for (i = 0; i < n->n_in; i++)
			if (!is_float(n->in_gain[i]) || !is_float(n->out_gain[i]))
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

static int
inexact(const struct adac_node *n, void *arg)
{
	(void)arg;
	return float_exact_here(n) ? ADAC_OK : 1;
}

static int
float_exact(const struct adac_node *n)
{
	return adac_ir_walk(n, inexact, NULL, NULL) == ADAC_OK;
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
sos_here(const struct adac_node *n, void *arg)
{
	struct ctx *c = arg;
	double r, worst = -1, a1, a2;
	int s, ch, ws = 0, wc = 0, stable = 1;
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
	return ADAC_OK;
}

static int
walk_sos(struct ctx *c, const struct adac_node *n)
{
	return adac_ir_walk(n, sos_here, NULL, c);
}

static void
ctx_free(struct ctx *c)
{
	int i;

	for (i = 0; i < c->n_loops; i++)
		json_decref(c->loops[i].matrices);
	free(c->loops);
	for (i = 0; i < c->n_leaves; i++)
		adac_cert_leaf_free(&c->leaves[i]);
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
	    (rc = adac_cert_collect_loops(c, c->ir->graph)) != ADAC_OK)
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
	if (l->modulated) {
		json_object_set_new(o, "modulated", json_true());
		json_object_set_new(o, "argument", json_string(
			"small gain with time-varying elements: the product of the l2 gains around the loop, a modulated delay's being sqrt((1 + 2 eta)(1 + 2 delta + 4 eta)) for a read pointer moving by at most delta <= 1/2 samples per sample (Schur's test on its interpolation weights); it holds for every length the LFO reaches, and certified-stable means a bounded response to every bounded input, not a decay time"));
	} else if (l->nonlinear) {
		/* what the verdict means changes with the argument */
		json_object_set_new(o, "nonlinear", json_true());
		json_object_set_new(o, "argument", json_string(
			"incremental small gain: the product of the incremental gains around the loop, a nonlinear node's being its Lipschitz constant |in_gain*out_gain|; certified-stable means incrementally stable (a unique bounded response to every bounded input, with the l2 incremental gain bounded), not a decay time"));
	}
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
assumptions_json(unsigned precisions, int fixed)
{
	json_t *a = json_pack("[s,s,s,s]",
		"coefficients are taken as the emitted program holds them in each precision listed; decay gains it computes at run time carry a margin for that arithmetic",
		"LAPACK's largest singular value of an m x n matrix is within 8*max(m,n)*2^-53 of the exact one, relative (backward stability)",
		"bounds hold over every frequency: magnitudes are bounded over bands of cos(w), never sampled",
		"rounding noise of the running arithmetic is not modelled: it enters a certified network as a bounded input");

	if (a != NULL && (precisions & (ADAC_CERTIFY_FLOAT16 |
					ADAC_CERTIFY_BFLOAT16)))
		json_array_append_new(a, json_string(
		    "float16 and bfloat16 describe coefficients only: no program is built in them, and biquads keep the realisation of the float program (biquad.h), its coefficients rounded"));
	if (a != NULL && fixed)
		json_array_append_new(a, json_string(
		    "fixed point: every sum, product and delay of the program is fixpoint_t; overflow and limit cycles are bounded for inputs within input_peak (fixed_point)"));
	return a;
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

/* Does the node at ptr lie in a loop with a nonlinear node? */
static int
in_nonlinear_loop(const struct ctx *c, const char *ptr)
{
	size_t k;
	int i;

	for (i = 0; ptr != NULL && i < c->n_loops; i++) {
		k = strlen(c->loops[i].node->pointer);
		if (c->loops[i].nonlinear &&
		    strncmp(c->loops[i].node->pointer, ptr, k) == 0 &&
		    ptr[k] == '/')
			return 1;
	}
	return 0;
}

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
	if (c->unstable_biquad && in_nonlinear_loop(c, c->worst_pole_ptr)) {
		/* a loop that saturates may hold it: no linear proof */
		r->verdict = ADAC_INDETERMINATE;
		snprintf(r->pointer, sizeof r->pointer, "%s", c->worst_pole_ptr);
		snprintf(r->reason, sizeof r->reason,
			 "biquad pole on or outside the unit circle in %s (section %d, channel %d) inside a loop with a nonlinear node, which no linear argument decides",
			 adac_precision_name(c->fo.precision),
			 c->worst_pole_section, c->worst_pole_channel);
	} else if (c->unstable_biquad) {
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
		 const json_t *biquads, const char *hex, json_t *fixed)
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
	if (precisions & ADAC_CERTIFY_FLOAT16)
		json_array_append_new(p, json_string("float16"));
	if (precisions & ADAC_CERTIFY_BFLOAT16)
		json_array_append_new(p, json_string("bfloat16"));
	if (fixed != NULL)
		json_array_append(p, json_object_get(fixed, "format"));
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
			"assumptions", assumptions_json(precisions, fixed != NULL),
			"hash", hex, "version", ADAC_CERTIFY_VERSION);
	json_decref(p);
	/* the allpass sections and what is proven of them (allpass.h) */
	if (out != NULL &&
	    (json_object_set_new(out, "allpass",
				 adac_allpass_json(c->ir->graph)) != 0 ||
	     (fixed != NULL &&
	      json_object_set(out, "fixed_point", fixed) != 0))) {
		json_decref(out);
		return NULL;
	}
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
	struct ctx c[5] = {{0}}, *shown = NULL;
	struct adac_fixbound_result fr;
	json_t *fixed = NULL;
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
	if (precisions & ~(ADAC_CERTIFY_ALL | ADAC_CERTIFY_FLOAT16 |
			   ADAC_CERTIFY_BFLOAT16))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "unknown precision mask %#x", precisions);
	if (o->fixpoint != NULL) {
		struct adac_fixbound_opts fo = {o->input_peak, o->fixed_budget};

		if ((rc = adac_fixbound(ir, o->fixpoint, &fo, &fr, &fixed,
					err)) != ADAC_OK)
			return rc;
		precisions = 1u << ADAC_PRECISION_FIXED;
	}
	for (p = 0; p < 5; p++) {
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
		c[p].fo.fx = o->fixpoint;
		/*
		 * A fixed-point program computes no coefficient at run time
		 * (adac_fixpoint_check refuses controls): the unit it is
		 * given, float32's, only widens the analysis' own margins.
		 */
		c[p].u = adac_precision_unit((enum adac_precision)p);
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
	/* a sum that may overflow speaks for the certificate */
	if (fixed != NULL && fr.verdict > best.verdict) {
		best.verdict = fr.verdict;
		snprintf(best.pointer, sizeof best.pointer, "%s", fr.pointer);
		snprintf(best.reason, sizeof best.reason, "%s", fr.reason);
	}
	/* per loop, the worse of the precisions */
	merged = calloc((size_t)shown->n_loops + 1, sizeof *merged);
	if (merged == NULL) {
		rc = nomem(err);
		goto out;
	}
	for (i = 0; i < shown->n_loops; i++) {
		merged[i] = shown->loops[i];
		for (p = 0; p < 5; p++)
			if (&c[p] != shown && c[p].ir != NULL &&
			    c[p].nonfinite_ptr[0] == '\0' &&
			    i < c[p].n_loops && worse(&c[p].loops[i], &merged[i]))
				merged[i] = c[p].loops[i];
	}
	if ((rc = adac_ir_hash(ir, hex, err)) != ADAC_OK)
		goto out;
	out = certificate_json(shown, merged, &best,
			       precisions & ~(1u << ADAC_PRECISION_FIXED),
			       shown->biquads, hex, fixed);
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
	json_decref(fixed);
	for (p = 0; p < 5; p++)
		ctx_free(&c[p]);
	if (rc == ADAC_OK)
		err->code = ADAC_OK;
	return rc;
}
