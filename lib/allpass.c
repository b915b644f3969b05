/*
 * allpass.c - structural proofs of |H| = 1 (allpass.h).
 */
#include "allpass.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bound.h"

/* A plain one-channel gain (no rt60 decay): its value in *g. */
static int
plain_gain(const struct adac_node *n, double *g)
{
	if (n->op != ADAC_OP_GAIN || n->n_in != 1 || n->decay != NULL)
		return 0;
	*g = n->values[0];
	return 1;
}

static int
same_doubles(const double *a, const double *b, long k)
{
	long i;

	for (i = 0; i < k; i++)
		if (!(a[i] == b[i]) || signbit(a[i]) != signbit(b[i]))
			return 0;
	return 1;
}

/*
 * Do a and b compute the same thing from the same coefficients?  Their
 * ids and pointers aside, the same op, counts and numbers, recursively;
 * a gain that follows a control or a nonlinear node never matches (the
 * proof needs fixed LTI paths).
 */
static int
same_node(const struct adac_node *a, const struct adac_node *b)
{
	int i, na;

	if (a->op != b->op || a->n_in != b->n_in || a->n_out != b->n_out)
		return 0;
	na = adac_ir_n_children(a);
	if (na != adac_ir_n_children(b))
		return 0;
	for (i = 0; i < na; i++)
		if (!same_node(adac_ir_child(a, i), adac_ir_child(b, i)))
			return 0;
	switch (a->op) {
	case ADAC_OP_SERIES:
	case ADAC_OP_FEEDBACK:
		return 1;
	case ADAC_OP_PARALLEL:
		return a->in == b->in && a->out == b->out;
	case ADAC_OP_DELAY:
		return a->interp == b->interp &&
		       same_doubles(a->samples, b->samples, a->n_in);
	case ADAC_OP_GAIN:
		return a->decay == NULL && b->decay == NULL &&
		       same_doubles(a->values, b->values, a->n_in);
	case ADAC_OP_MATRIX:
		return same_doubles(a->data, b->data,
				    (long)a->n_in * a->n_out);
	case ADAC_OP_SOS:
		return a->n_sections == b->n_sections &&
		       same_doubles(a->sos, b->sos,
				    (long)a->n_sections * a->n_in * 5);
	case ADAC_OP_MODDELAY:
		/* the same line read by the same LFO: the same operator */
		return a->lfo == b->lfo &&
		       same_doubles(a->samples, b->samples, a->n_in) &&
		       same_doubles(a->depth, b->depth, a->n_in) &&
		       same_doubles(a->rate_hz, b->rate_hz, a->n_in) &&
		       same_doubles(a->phase, b->phase, a->n_in) &&
		       memcmp(a->period, b->period,
			      (size_t)a->n_in * sizeof *a->period) == 0;
	case ADAC_OP_NONLINEAR:
		return 0;
	}
	return 0;
}

int
adac_allpass_unit(const struct adac_node *n)
{
	struct adac_allpass a;
	double g;
	int i;

	if (n->n_in != 1 || n->n_out != 1)
		return 0;
	switch (n->op) {
	case ADAC_OP_DELAY:
		return n->samples[0] == floor(n->samples[0]);
	case ADAC_OP_GAIN:
		return plain_gain(n, &g) && fabs(g) == 1;
	case ADAC_OP_SERIES:
		if (adac_allpass_match(n, &a))
			return a.proven;
		for (i = 0; i < n->n_of; i++)
			if (!adac_allpass_unit(n->of[i]))
				return 0;
		return 1;
	case ADAC_OP_PARALLEL:
	case ADAC_OP_FEEDBACK:
	case ADAC_OP_MATRIX:
	case ADAC_OP_SOS:
	case ADAC_OP_NONLINEAR:
	case ADAC_OP_MODDELAY:
		return 0;
	}
	return 0;
}

/* Does P hold a proven allpass (a nested one)? */
static int
holds_allpass(const struct adac_node *n)
{
	struct adac_allpass a;
	int i;

	if (n->op != ADAC_OP_SERIES)
		return 0;
	if (adac_allpass_match(n, &a))
		return a.proven;
	for (i = 0; i < n->n_of; i++)
		if (holds_allpass(n->of[i]))
			return 1;
	return 0;
}

int
adac_allpass_match(const struct adac_node *n, struct adac_allpass *a)
{
	const struct adac_node *loop, *split, *fwd, *back, *p2;
	double one;
	int k;

	memset(a, 0, sizeof *a);
	if (n->op != ADAC_OP_SERIES || n->n_of != 2 || n->n_in != 1 ||
	    n->n_out != 1)
		return 0;
	loop = n->of[0];
	split = n->of[1];
	if (loop->op != ADAC_OP_FEEDBACK || split->op != ADAC_OP_PARALLEL ||
	    split->in != ADAC_IN_SPLIT || split->out != ADAC_OUT_SUM ||
	    split->n_of != 2)
		return 0;
	fwd = loop->forward;
	back = loop->back;
	if (!plain_gain(fwd, &one) || one != 1 || back->op != ADAC_OP_SERIES ||
	    back->n_of != 2 || back->of[0]->n_in != 1 ||
	    back->of[0]->n_out != 1 || !plain_gain(back->of[1], &a->g))
		return 0;
	a->path = back->of[0];
	k = plain_gain(split->of[0], &a->h) ? 1 :
	    plain_gain(split->of[1], &a->h) ? 0 : -1;
	if (k < 0)
		return 0;
	p2 = split->of[k];
	if (!same_node(a->path, p2))
		snprintf(a->reason, sizeof a->reason,
			 "the feed-forward path %s is not the loop's delay path %s",
			 p2->pointer, a->path->pointer);
	else if (!(a->h == -a->g))
		snprintf(a->reason, sizeof a->reason,
			 "the feed-forward gain %.17g is not the negative of the loop gain %.17g",
			 a->h, a->g);
	else if (!(fabs(a->g) < 1))
		snprintf(a->reason, sizeof a->reason,
			 "the loop gain %.17g is not below 1 in magnitude",
			 a->g);
	else if (!adac_allpass_unit(a->path)) {
		a->lattice = 1;
		snprintf(a->reason, sizeof a->reason,
			 "the delay path %s is not proven to have |P| = 1 (a whole-sample delay, a gain of 1 or -1, an allpass, or a series of these)",
			 a->path->pointer);
	} else {
		a->lattice = a->proven = 1;
		a->nested = holds_allpass(a->path);
		snprintf(a->reason, sizeof a->reason,
			 "H = (P - g)/(1 - g*P) with |P| = 1 and g real: |P - g| = |1 - g*P| on the unit circle, so |H| = 1 exactly for the coefficients held in every precision (rounding g rounds -g to its negative)");
	}
	return 1;
}

int
adac_allpass_proven(const struct adac_node *n)
{
	struct adac_allpass a;

	return adac_allpass_match(n, &a) && a.proven;
}

int
adac_allpass_lattice(const struct adac_node *n,
		     const struct adac_node **path, double *g)
{
	struct adac_allpass a;

	if (!adac_allpass_match(n, &a) || !a.lattice)
		return 0;
	*path = a.path;
	*g = a.g;
	return 1;
}

/*
 * With w = P(v): x = v − g·w and y = −g·v + w, so sample by sample
 *
 *   y² − x² = (1 − g²)·(w² − v²),
 *
 * and for the differences of two runs (Δ, P nonlinear or time-varying)
 * the same.  Summed up to any time T (P causal, ‖Δw‖ <= γ·‖Δv‖):
 *
 *   ‖Δy‖² <= ‖Δx‖² + (1 − g²)·(Γ² − 1)·‖Δv‖²,   Γ = max(γ, 1),
 *
 * and Δv = Δx + g·Δw gives ‖Δv‖ <= ‖Δx‖/(1 − |g|·Γ).  Then
 * ‖Δy‖²/‖Δx‖² <= ((1 − |g|Γ)² + (1 − g²)(Γ² − 1))/(1 − |g|Γ)²
 * = (Γ − |g|)²/(1 − |g|Γ)².  At Γ = 1 it is 1 (the allpass), and it is
 * always below the triangle inequality's (Γ + |g|)/(1 − |g|Γ): a lattice
 * stays nearly lossless whatever its P, where the sum of its parts'
 * norms is 5.7 for g = 0.7 and Γ = 1.  For an LTI P the same algebra
 * holds frequency by frequency with |P(e^jω)| in place of γ.
 */
double
adac_allpass_gain(double g, double gamma)
{
	double big = gamma > 1 ? gamma : 1, ag = fabs(g), p;

	/* a NaN gain of the path is no bound (nor a path of gain 1) */
	if (!(gamma >= 0) || !(big < INFINITY) || !(ag < 1))
		return INFINITY;
	p = adac_bound_mul(ag, big);
	if (!(p < 1))
		return INFINITY;
	if (big == 1)
		return 1;
	/* Γ − |g| > 0 and 1 − p > 0, each within u of its computed value */
	return adac_bound_div(adac_bound_up(big - ag, 2),
			      (1 - p) * (1 - 2 * ADAC_U_DOUBLE));
}

/* The whole-sample delay on P outside any allpass inside it. */
static double
path_delay(const struct adac_node *n)
{
	struct adac_allpass a;
	double d = 0;
	int i;

	if (n->op == ADAC_OP_DELAY)
		return n->samples[0];
	if (n->op != ADAC_OP_SERIES || adac_allpass_match(n, &a))
		return 0;
	for (i = 0; i < n->n_of; i++)
		d += path_delay(n->of[i]);
	return d;
}

static int
json_here(const struct adac_node *n, void *arg)
{
	struct adac_allpass a;
	json_t *o;

	if (!adac_allpass_match(n, &a))
		return ADAC_OK;
	o = json_pack("{s:s,s:o,s:s,s:f,s:f,s:b,s:o,s:s}",
		      "pointer", n->pointer,
		      "id", n->id != NULL ? json_string(n->id) : json_null(),
		      "form", a.nested ? "nested" : "schroeder",
		      "delay_samples", path_delay(a.path), "g", a.g,
		      "proven", a.proven,
		      "max_dev", a.proven ? json_real(0) : json_null(),
		      "reason", a.reason);
	if (o == NULL || json_array_append_new(arg, o) != 0)
		return ADAC_E_NOMEM;
	return ADAC_OK;
}

json_t *
adac_allpass_json(const struct adac_node *n)
{
	json_t *a = json_array();

	if (a == NULL || adac_ir_walk(n, json_here, NULL, a) != ADAC_OK) {
		json_decref(a);
		return NULL;
	}
	return a;
}
