#include "fixpoint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "netlist.h"

int
adac_fixpoint_parse(const char *s, struct adac_fixpoint *out,
		    struct adac_error *err)
{
	struct adac_fixpoint fx = { 0, ADAC_FX_ROUND, ADAC_FX_SATURATE };
	const char *p;
	int seen_r = 0, seen_o = 0;

	if (strncmp(s, "q1.15", 5) == 0)
		fx.frac_bits = 15;
	else if (strncmp(s, "q1.23", 5) == 0)
		fx.frac_bits = 23;
	else if (strncmp(s, "q1.31", 5) == 0)
		fx.frac_bits = 31;
	else
		goto bad;
	for (p = s + 5; *p != '\0';) {
		size_t n;

		if (*p++ != ':')
			goto bad;
		n = strcspn(p, ":");
		if (n == 5 && strncmp(p, "round", n) == 0 && !seen_r++)
			fx.rounding = ADAC_FX_ROUND;
		else if (n == 8 && strncmp(p, "truncate", n) == 0 && !seen_r++)
			fx.rounding = ADAC_FX_TRUNCATE;
		else if (n == 8 && strncmp(p, "saturate", n) == 0 && !seen_o++)
			fx.overflow = ADAC_FX_SATURATE;
		else if (n == 4 && strncmp(p, "wrap", n) == 0 && !seen_o++)
			fx.overflow = ADAC_FX_WRAP;
		else
			goto bad;
		p += n;
	}
	*out = fx;
	return ADAC_OK;
bad:
	return adac_error_set(err, ADAC_E_INPUT, "",
			      "unknown precision '%s'; expected q1.15, q1.23 "
			      "or q1.31, then optionally :round or :truncate "
			      "and :saturate or :wrap", s);
}

char *
adac_fixpoint_name(char buf[32], const struct adac_fixpoint *fx)
{
	snprintf(buf, 32, "q1.%d:%s:%s", fx->frac_bits,
		 fx->rounding == ADAC_FX_ROUND ? "round" : "truncate",
		 fx->overflow == ADAC_FX_SATURATE ? "saturate" : "wrap");
	return buf;
}

int64_t
adac_fixpoint_fit(const struct adac_fixpoint *fx, int64_t r)
{
	int64_t one = (int64_t)1 << fx->frac_bits;

	if (fx->overflow == ADAC_FX_SATURATE)
		return r < -one ? -one : r > one - 1 ? one - 1 : r;
	/* two's complement in F + 1 bits, computed without signed overflow */
	return (int64_t)(((uint64_t)r + (uint64_t)one) &
			 ((uint64_t)2 * (uint64_t)one - 1)) - one;
}

int64_t
adac_fixpoint_add(const struct adac_fixpoint *fx, int64_t a, int64_t b)
{
	return adac_fixpoint_fit(fx, a + b);
}

int64_t
adac_fixpoint_sub(const struct adac_fixpoint *fx, int64_t a, int64_t b)
{
	return adac_fixpoint_fit(fx, a - b);
}

/*
 * >> on a negative __int128 is arithmetic (floor) in GCC and Clang, which
 * document it; the header relies on the same.
 */
int64_t
adac_fixpoint_mul(const struct adac_fixpoint *fx, int64_t a, int64_t b)
{
	__int128 p = (__int128)a * b;
	int f = fx->frac_bits;

	if (fx->rounding == ADAC_FX_ROUND)
		p += (__int128)1 << (f - 1);
	p >>= f;
	/* a coefficient may exceed the word; keep the clamp in int64_t */
	if (p > INT64_MAX / 4)
		p = INT64_MAX / 4;
	if (p < INT64_MIN / 4)
		p = INT64_MIN / 4;
	return adac_fixpoint_fit(fx, (int64_t)p);
}

int64_t
adac_fixpoint_from_sample(const struct adac_fixpoint *fx, float x)
{
	/* x·2^F is exact in double (24-bit significand, F <= 31) */
	double v = ldexp((double)x, fx->frac_bits);

	if (isnan(v))
		return 0;
	v = fx->rounding == ADAC_FX_ROUND ? floor(v + 0.5) : floor(v);
	if (v > 0x1p60)
		v = 0x1p60;
	if (v < -0x1p60)
		v = -0x1p60;
	return adac_fixpoint_fit(fx, (int64_t)v);
}

double
adac_fixpoint_value(const struct adac_fixpoint *fx, int64_t r)
{
	return ldexp((double)r, -fx->frac_bits);
}

int
adac_fixpoint_coef(const struct adac_fixpoint *fx, double c, int64_t *raw)
{
	int g = fx->frac_bits < 23 ? fx->frac_bits : 23;
	double v;

	if (c == 1.0 || c == -1.0) {
		*raw = (int64_t)c * ((int64_t)1 << fx->frac_bits);
		return 0;
	}
	if (!(fabs(c) < 1.0))
		return -1;
	v = floor(ldexp(c, g) + 0.5);	/* exact: |c·2^g| < 2^23 */
	/* a product, not <<: shifting a negative value is undefined */
	*raw = (int64_t)v * ((int64_t)1 << (fx->frac_bits - g));
	return 0;
}

/* --- what can be computed at fixed point --------------------------------- */

/*
 * A biquad's coefficient c is computed as c (|c| < 1 or ±1) or as two
 * terms ±1 and c ∓ 1 (1 < |c| < 2): see netlist.h's sos_df1.  Name the
 * first that fits neither, as the IR holds it.
 */
static int
check_sos(const struct adac_node *node, const struct adac_fixpoint *fx,
	  struct adac_error *err)
{
	static const char *const name[5] = { "b0", "b1", "b2", "a1", "a2" };
	char f[32], v[32];
	long s, ch, k;

	for (s = 0; s < node->n_sections; s++)
		for (ch = 0; ch < node->n_in; ch++)
			for (k = 0; k < 5; k++) {
				double c = node->sos[(s * node->n_in + ch) *
						     5 + k];

				if (fabs(c) < 2)
					continue;
				return adac_error_set(err, ADAC_E_INPUT,
				    node->pointer, "biquad coefficient %s = %s "
				    "(section %ld, channel %ld) does not fit "
				    "%s (|c| < 2 in a biquad)", name[k],
				    adac_fmt_double(v, c), s, ch,
				    adac_fixpoint_name(f, fx));
			}
	return ADAC_OK;
}

static int
check_net(const struct adac_netlist *net, const struct adac_fixpoint *fx,
	  struct adac_error *err)
{
	char name[32], v[32];
	int p, rc;
	long j;

	for (p = 0; p < net->n_prims; p++) {
		const struct adac_net_prim *pp = &net->prims[p];
		const char *ptr = pp->node != NULL ? pp->node->pointer : "";
		int64_t raw;

		switch (pp->kind) {
		case ADAC_NET_LIN:
			if (pp->node != NULL && pp->node->op == ADAC_OP_SOS &&
			    (rc = check_sos(pp->node, fx, err)) != ADAC_OK)
				return rc;
			for (j = pp->first; j < pp->first + pp->count; j++)
				if (adac_fixpoint_coef(fx, net->term_coef[j],
						       &raw) != 0)
					return adac_error_set(err,
					    ADAC_E_INPUT, ptr,
					    "coefficient %s does not fit %s "
					    "(|c| < 1, or exactly 1 or -1)",
					    adac_fmt_double(v,
							    net->term_coef[j]),
					    adac_fixpoint_name(name, fx));
			break;
		case ADAC_NET_DELAY:
			if (pp->frac != 0.0)
				return adac_error_set(err, ADAC_E_INPUT, ptr,
				    "fractional delays are not supported at "
				    "fixed point");
			break;
		case ADAC_NET_SOS:	/* not built: opt.sos_df1 */
			return adac_error_set(err, ADAC_E_INPUT, ptr,
			    "biquad cascades are computed at fixed point "
			    "only in direct form I");
		case ADAC_NET_NL:
			return adac_error_set(err, ADAC_E_INPUT, ptr,
			    "nonlinear nodes are not supported at fixed point");
		case ADAC_NET_MODDELAY:
			return adac_error_set(err, ADAC_E_INPUT, ptr,
			    "modulated delays are not supported at fixed "
			    "point");
		}
	}
	return ADAC_OK;
}

int
adac_fixpoint_netlist(const struct adac_ir *ir, const struct adac_fixpoint *fx,
		      struct adac_netlist **net, struct adac_error *err)
{
	struct adac_netlist_options opt;
	int rc;

	if (ir->n_controls > 0)
		return adac_error_set(err, ADAC_E_INPUT, "/controls",
				      "controls are not supported at fixed "
				      "point");
	memset(&opt, 0, sizeof opt);
	opt.fs_hz = ir->fs_hz;
	opt.sos_df1 = 1;
	if ((rc = adac_netlist_build(ir->graph, &opt, net, err)) != ADAC_OK)
		return rc;
	if ((rc = check_net(*net, fx, err)) != ADAC_OK) {
		adac_netlist_free(*net);
		*net = NULL;
	}
	return rc;
}

int
adac_fixpoint_check(const struct adac_ir *ir, const struct adac_fixpoint *fx,
		    struct adac_error *err)
{
	struct adac_netlist *net = NULL;
	int rc = adac_fixpoint_netlist(ir, fx, &net, err);

	adac_netlist_free(net);
	return rc;
}

/* --- the simulator ------------------------------------------------------- */

struct adac_fixpoint_sim {
	struct adac_fixpoint fx;
	struct adac_netlist *net;
	int64_t *w;		/* one raw value per wire */
	int64_t *coef;		/* term coefficients, raw */
	int64_t *ring;		/* every delay's line, one after another */
	long *base;		/* per prim: its line's offset, -1 none */
	unsigned long t;
	int saturated;
};

void
adac_fixpoint_sim_free(struct adac_fixpoint_sim *sim)
{
	if (sim == NULL)
		return;
	adac_netlist_free(sim->net);
	free(sim->w);
	free(sim->coef);
	free(sim->ring);
	free(sim->base);
	free(sim);
}

int
adac_fixpoint_sim_new(const struct adac_ir *ir, const struct adac_fixpoint *fx,
		      struct adac_fixpoint_sim **out, struct adac_error *err)
{
	struct adac_fixpoint_sim *s = calloc(1, sizeof *s);
	long len = 0, j;
	int p, rc;

	if (s == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	s->fx = *fx;
	if ((rc = adac_fixpoint_netlist(ir, fx, &s->net, err)) != ADAC_OK)
		goto out;
	s->w = calloc((size_t)s->net->n_wires + 1, sizeof *s->w);
	s->coef = calloc((size_t)s->net->n_terms + 1, sizeof *s->coef);
	s->base = calloc((size_t)s->net->n_prims + 1, sizeof *s->base);
	if (s->w == NULL || s->coef == NULL || s->base == NULL)
		goto nomem;
	for (j = 0; j < s->net->n_terms; j++)
		(void)adac_fixpoint_coef(fx, s->net->term_coef[j],
					 &s->coef[j]);
	/* a line of whole + 1 samples holds x[n − whole] .. x[n] */
	for (p = 0; p < s->net->n_prims; p++) {
		const struct adac_net_prim *pp = &s->net->prims[p];

		s->base[p] = -1;
		if (pp->kind == ADAC_NET_DELAY) {
			s->base[p] = len;
			len += pp->whole + 1;
		}
	}
	if ((s->ring = calloc((size_t)len + 1, sizeof *s->ring)) == NULL)
		goto nomem;
	*out = s;
	return ADAC_OK;
nomem:
	rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
out:
	adac_fixpoint_sim_free(s);
	return rc;
}

static int64_t
op_add(struct adac_fixpoint_sim *s, int64_t a, int64_t b)
{
	int64_t r = adac_fixpoint_add(&s->fx, a, b);

	s->saturated |= r != a + b;
	return r;
}

static int64_t
op_sub(struct adac_fixpoint_sim *s, int64_t a, int64_t b)
{
	int64_t r = adac_fixpoint_sub(&s->fx, a, b);

	s->saturated |= r != a - b;
	return r;
}

/* One term c·x as the -fx program computes it (see the header). */
static int64_t
term(struct adac_fixpoint_sim *s, int64_t c, int64_t x)
{
	int64_t one = (int64_t)1 << s->fx.frac_bits;

	if (c == one)
		return x;
	if (c == -one)
		return op_sub(s, 0, x);
	if (c > 0)
		return adac_fixpoint_mul(&s->fx, c, x);
	return op_sub(s, 0, adac_fixpoint_mul(&s->fx, -c, x));
}

static void
step(struct adac_fixpoint_sim *s)
{
	const struct adac_netlist *net = s->net;
	int p, k;
	long j;

	/* delays of one sample or more read what earlier samples stored */
	for (p = 0; p < net->n_prims; p++) {
		const struct adac_net_prim *pp = &net->prims[p];
		long n = pp->whole + 1;

		if (pp->kind == ADAC_NET_DELAY && pp->whole >= 1)
			s->w[pp->out] = s->ring[s->base[p] +
			    (long)((s->t + 1) % (unsigned long)n)];
	}
	for (k = 0; k < net->n_order; k++) {
		const struct adac_net_prim *pp = &net->prims[net->order[k]];
		int64_t acc = 0;

		if (pp->kind == ADAC_NET_DELAY) {	/* whole == 0 */
			s->w[pp->out] = s->w[pp->in];
			continue;
		}
		/* LIN, the only other kind adac_fixpoint_check lets in */
		for (j = pp->first; j < pp->first + pp->count; j++)
			acc = op_add(s, acc, term(s, s->coef[j],
						  s->w[net->term_wire[j]]));
		s->w[pp->out] = acc;
	}
	for (p = 0; p < net->n_prims; p++) {
		const struct adac_net_prim *pp = &net->prims[p];

		if (pp->kind == ADAC_NET_DELAY)
			s->ring[s->base[p] + (long)(s->t %
			    (unsigned long)(pp->whole + 1))] = s->w[pp->in];
	}
	s->t++;
}

void
adac_fixpoint_sim_process(struct adac_fixpoint_sim *sim, const float *in,
			  int64_t *out, long frames)
{
	const struct adac_netlist *net = sim->net;
	long n;
	int i;

	for (n = 0; n < frames; n++) {
		for (i = 0; i < net->inputs; i++)
			sim->w[i] = adac_fixpoint_from_sample(&sim->fx,
			    in[n * net->inputs + i]);
		step(sim);
		for (i = 0; i < net->outputs; i++)
			out[n * net->outputs + i] = sim->w[net->out_wires[i]];
	}
}

int
adac_fixpoint_sim_saturated(const struct adac_fixpoint_sim *sim)
{
	return sim->saturated;
}
