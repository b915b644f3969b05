/*
 * modal.c - the modes of a node's one-sample state map.
 *
 * The map is evaluated, never stored (except by the dense path): step()
 * runs one sample of the node's netlist (lib/netlist.c) on a state vector,
 * as lib/sim.c runs it on its delay rings, in O(netlist + dim).
 *
 * Biquads run in direct form II (w = x − a1·w1 − a2·w2, y = b0·w + b1·w1
 * + b2·w2), two memories per section; the simulator runs direct form I
 * with four.  For blocks joined by static gains the closed loop's
 * characteristic polynomial is, by the Schur complement,
 *     det(zI − A) = Π_b det(zI − A_b) · det(I − K·G(z)) / det(I − K·D),
 * where A_b is block b's own state matrix, G(z) the blocks' transfer
 * functions, D = G(∞) and K the interconnection: it depends on a block
 * only through its transfer function and det(zI − A_b), which is
 * z²·(z² + a1·z + a2) for a direct-form-I section and z² + a1·z + a2 for
 * direct form II.  So both maps have the same nonzero eigenvalues with the
 * same multiplicities; direct form I adds two zeros per section, which can
 * form Jordan blocks (x2 ← x1 ← input) that no Bauer-Fike bound survives.
 * The same argument covers whatever realisation the emitted program uses.
 *
 * Only states on a loop can carry a nonzero eigenvalue.  With one graph
 * node per wire and per state (a delay line is one node: its samples are
 * all on a loop or none is), A is block triangular over the strongly
 * connected components, so ρ(A) is the largest ρ of a block.  Relative
 * perturbations of the coefficients keep every zero, so the same holds
 * for every perturbed map the bound covers.
 *
 * Rounding.  u = 2⁻⁵³ is the unit roundoff and EPS = 2u.  γ_k = k·u/(1 −
 * k·u) bounds the relative error of k roundings (Higham, "Accuracy and
 * Stability of Numerical Algorithms", 2nd ed., Lemma 3.1) and is at most
 * k·EPS while k·u <= 1/2.  step() is a straight-line program of sums of
 * products: each output is Σ over paths of (product of coefficients)·x_j,
 * and in floating point each path picks up at most T roundings, T the
 * operations of one step (m->flops).  Hence for any x
 *     |fl(A·x) − A·x| <= γ_T·Ā·|x|,
 * Ā the map with every coefficient replaced by its magnitude (the same
 * program with |c|, step(absolute = 1)), itself computed from nonnegative
 * terms to within a factor (1 + γ_T).  A coefficient perturbed by a
 * relative η moves a path with K coefficients by at most (1 + η)^K − 1,
 * so every perturbed map A' satisfies |A' − A| <= ((1 + η)^K − 1)·Ā, K the
 * most coefficients on one path (m->depth).  Perturbed biquad coefficients
 * are the same in either form, so by the argument above the bound covers
 * the perturbed direct-form-I program as well.
 */
#include "modal.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linalg.h"
#include "netlist.h"

#define EPS DBL_EPSILON

/*
 * dgesvd's singular values are those of W + E with ‖E‖₂ <= p(n)·u·‖W‖₂
 * (LAPACK Users' Guide, 3rd ed., §4.9: p is "a modestly growing function
 * of m and n"; the Guide's own sample error bounds take p = 1).  This is
 * the one constant taken on trust: p(n) = C_SVD·n with C_SVD = 16, and
 * Weyl's inequality |σ̂ − σ| <= ‖E‖₂.  It only matters when W is within
 * ~1e-12 of singular, where the bound is useless anyway.
 */
#define C_SVD 16.0

/*
 * ARPACK: wanted eigenvalues (one: the run stops when the largest has
 * converged; ARPACK keeps a complex pair together itself), basis size,
 * relative tolerance on the Ritz residual.  Measured on a 3000-state
 * loop with a dominant pole 0.999 over a cluster of modulus 0.977: nev 1
 * converged in 3187 map applications where nev 2 and 4 had not within
 * 8800 (the other wanted values sit in the cluster, which never
 * converges); ncv 40 did no better than 20.
 */
#define ARNOLDI_NEV 1
#define ARNOLDI_NCV 20
#define ARNOLDI_TOL 1e-10
#define ARNOLDI_SEED 0x6164616331ULL

/*
 * x* >= 0 computed as x with at most k roundings: x* <= x·(1 + γ_k) <=
 * x·(1 + k·EPS); the factor 1 + 2(k + 2)·EPS also covers this product's
 * own rounding.  down() is the matching lower bound.
 */
static double
up(double x, double k)
{
	return x * (1 + 2 * (k + 2) * EPS);
}

static double
down(double x, double k)
{
	return x * (1 - 2 * (k + 2) * EPS);
}

static int
nomem(struct adac_error *err)
{
	return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
}

/* ---- the certifier's coefficients: a rounded copy of the tree ---- */

static void
free_copy(struct adac_node *c)
{
	int k;

	if (c == NULL)
		return;
	switch (c->op) {
	case ADAC_OP_SERIES:
	case ADAC_OP_PARALLEL:
		for (k = 0; c->of != NULL && k < c->n_of; k++)
			free_copy(c->of[k]);
		free(c->of);
		break;
	case ADAC_OP_FEEDBACK:
		free_copy(c->forward);
		free_copy(c->back);
		break;
	case ADAC_OP_GAIN:
		free(c->values);
		break;
	case ADAC_OP_MATRIX:
		free(c->data);
		break;
	case ADAC_OP_SOS:
		free(c->sos);
		break;
	case ADAC_OP_DELAY:
	case ADAC_OP_NONLINEAR:	/* its gains stay borrowed */
	case ADAC_OP_MODDELAY:	/* refused by adac_modal_map_new() */
		break;
	}
	free(c);
}

static double *
rounded(const double *v, size_t n, const struct adac_freq_opts *fo,
	int *finite)
{
	double *r = malloc((n > 0 ? n : 1) * sizeof *r);
	size_t i;

	if (r == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		r[i] = adac_freq_round(fo, v[i]);
		if (!isfinite(r[i]))
			*finite = 0;
	}
	return r;
}

/*
 * A copy of src whose gains, matrix entries and biquad coefficients are
 * the certifier's (adac_freq_gain(), adac_freq_round()), decay folded into
 * the gain values, so that the netlist built from it holds exactly those
 * numbers.  Strings, delays and structure claims stay borrowed from src
 * (the netlist reads none of the claims).  *finite is cleared when a value
 * is not finite.
 */
static int
copy_rounded(const struct adac_node *src, const struct adac_freq_opts *fo,
	     struct adac_node **out, int *finite)
{
	struct adac_node *c = malloc(sizeof *c);
	int k, rc = ADAC_OK;
	size_t n;

	if (c == NULL)
		return ADAC_E_NOMEM;
	*c = *src;
	/* own nothing until allocated, so that free_copy() is always safe */
	c->of = NULL;
	c->forward = c->back = NULL;
	c->values = c->data = c->sos = NULL;
	c->decay = NULL;
	memset(&c->structure, 0, sizeof c->structure);
	switch (src->op) {
	case ADAC_OP_SERIES:
	case ADAC_OP_PARALLEL:
		c->of = calloc((size_t)(src->n_of > 0 ? src->n_of : 1),
			       sizeof *c->of);
		if (c->of == NULL) {
			rc = ADAC_E_NOMEM;
			break;
		}
		for (k = 0; k < src->n_of && rc == ADAC_OK; k++)
			rc = copy_rounded(src->of[k], fo, &c->of[k], finite);
		break;
	case ADAC_OP_FEEDBACK:
		rc = copy_rounded(src->forward, fo, &c->forward, finite);
		if (rc == ADAC_OK)
			rc = copy_rounded(src->back, fo, &c->back, finite);
		break;
	case ADAC_OP_GAIN:
		c->values = malloc((size_t)(src->n_in > 0 ? src->n_in : 1) *
				   sizeof *c->values);
		if (c->values == NULL) {
			rc = ADAC_E_NOMEM;
			break;
		}
		for (k = 0; k < src->n_in; k++) {
			c->values[k] = adac_freq_gain(src, k, fo);
			if (!isfinite(c->values[k]))
				*finite = 0;
		}
		break;
	case ADAC_OP_MATRIX:
		n = (size_t)src->n_out * (size_t)src->n_in;
		if ((c->data = rounded(src->data, n, fo, finite)) == NULL)
			rc = ADAC_E_NOMEM;
		break;
	case ADAC_OP_SOS:
		n = (size_t)src->n_sections * (size_t)src->n_in * 5;
		if ((c->sos = rounded(src->sos, n, fo, finite)) == NULL) {
			rc = ADAC_E_NOMEM;
			break;
		}
		/* the transfer function the program's realisation computes */
		for (k = 0; k < (int)(n / 5); k++) {
			adac_freq_section(fo, src->sos + 5 * (size_t)k,
					  c->sos + 5 * (size_t)k);
			for (int q = 0; q < 5; q++)
				if (!isfinite(c->sos[5 * (size_t)k + q]))
					*finite = 0;
		}
		break;
	case ADAC_OP_DELAY:
	case ADAC_OP_NONLINEAR:	/* refused by adac_modal_map_new() */
	case ADAC_OP_MODDELAY:
		break;
	}
	if (rc != ADAC_OK) {
		free_copy(c);
		return rc;
	}
	*out = c;
	return ADAC_OK;
}

/* ---- the map ---- */

/* A delay line: DELAY primitive; its states are in[n − 1], in[n − 2], ... */
struct mline {
	int in, out;
	long whole;		/* >= 1: read at the start of a sample; 0: direct */
	double frac;
	long len;		/* states: whole + (frac > 0), at least 1 */
};

/* A biquad cascade: SOS primitive. */
struct mcasc {
	int in, out;
	int n_sections;
	int split;		/* first section with b0 == 0; -1 when none */
	long first;		/* its first section in m->sec */
};

struct adac_modal_map {
	struct adac_node *copy;	/* the rounded tree the netlist points into */
	struct adac_netlist *net;
	int n_in, n_out;
	struct mline *lines;
	int n_lines;
	struct mcasc *cascs;
	int n_cascs;
	double *sec;		/* per section {b0, b1, b2, −a1, −a2} */
	double *sec_abs;	/* their magnitudes */
	long n_sec;
	double *tc_abs;		/* |term_coef| */
	int *prim_item;		/* per primitive: its line or cascade */
	/*
	 * Units of state: line k is unit k (len states), memory i of
	 * section s is unit n_lines + 2·s + i (one state).  base[u] is the
	 * offset of unit u's first state in the vector step() works on, or
	 * -1 when the unit is left out (its states read as zero and are not
	 * written): that is how a block is analysed alone.
	 */
	long n_units;
	long *base;
	/*
	 * What step() runs: entries of net->order, lines and cascades.  A
	 * block runs only what lies on it; every other wire then reads as
	 * zero, which is its value: a wire that feeds the block from outside
	 * is not reachable from the block's states, or it would be part of
	 * the block.  That keeps a network of many small loops linear.
	 */
	int *run_order, n_run_order;
	int *run_lines, n_run_lines;
	int *run_cascs, n_run_cascs;
	unsigned char *casc_on;	/* per cascade: in run_cascs */
	long dim;		/* every state */
	double *w;		/* one value per wire */
	double flops;		/* T: roundings on any path through one step */
	long depth;		/* K: coefficients on any path through one step */
	int finite;		/* every coefficient is finite */
};

static long
unit_len(const struct adac_modal_map *m, long u)
{
	return u < m->n_lines ? m->lines[u].len : 1;
}

/* Every unit in, in order, and everything run: adac_modal_map_step(). */
static void
layout_all(struct adac_modal_map *m)
{
	long u, off = 0;
	int k;

	for (u = 0; u < m->n_units; u++) {
		m->base[u] = off;
		off += unit_len(m, u);
	}
	for (k = 0; k < m->net->n_order; k++)
		m->run_order[k] = k;
	m->n_run_order = m->net->n_order;
	for (k = 0; k < m->n_lines; k++)
		m->run_lines[k] = k;
	m->n_run_lines = m->n_lines;
	for (k = 0; k < m->n_cascs; k++)
		m->run_cascs[k] = k;
	m->n_run_cascs = m->n_cascs;
}

/* One direct-form-II section with input in; its new state into y. */
static double
section(const struct adac_modal_map *m, const double *c, long s,
	const double *x, double *y, double in)
{
	long b1 = m->base[m->n_lines + 2 * s], b2 = m->base[m->n_lines + 2 * s + 1];
	double v1 = b1 >= 0 ? x[b1] : 0, v2 = b2 >= 0 ? x[b2] : 0;
	double w = in + c[3] * v1 + c[4] * v2;

	if (b1 >= 0)
		y[b1] = w;
	if (b2 >= 0)
		y[b2] = v1;
	return c[0] * w + c[1] * v1 + c[2] * v2;
}

/* A section with b0 == 0: its output from its state alone ... */
static double
section_early(const struct adac_modal_map *m, const double *c, long s,
	      const double *x)
{
	long b1 = m->base[m->n_lines + 2 * s], b2 = m->base[m->n_lines + 2 * s + 1];
	double v1 = b1 >= 0 ? x[b1] : 0, v2 = b2 >= 0 ? x[b2] : 0;

	return c[1] * v1 + c[2] * v2;
}

/* ... and its new state once its input is known. */
static void
section_late(const struct adac_modal_map *m, const double *c, long s,
	     const double *x, double *y, double in)
{
	long b1 = m->base[m->n_lines + 2 * s], b2 = m->base[m->n_lines + 2 * s + 1];
	double v1 = b1 >= 0 ? x[b1] : 0, v2 = b2 >= 0 ? x[b2] : 0;

	if (b1 >= 0)
		y[b1] = in + c[3] * v1 + c[4] * v2;
	if (b2 >= 0)
		y[b2] = v1;
}

/*
 * One sample: y = A·x + B·in, out = C·x + D·in over the current layout;
 * with absolute, the same with every coefficient's magnitude (x and in
 * must then be nonnegative): Ā·x.  Phases as in sim.c: delays of a
 * sample or more and cascades that do not feed through produce their
 * outputs from state, then the combinational primitives run in the
 * netlist's order, then the remaining states are written.
 */
static void
step(struct adac_modal_map *m, int absolute, const double *x,
     const double *in, double *y, double *out)
{
	const struct adac_netlist *net = m->net;
	const double *tc = absolute ? m->tc_abs : net->term_coef;
	const double *sc = absolute ? m->sec_abs : m->sec;
	double *w = m->w, v;
	int i, k, s;
	long j, b;

	for (i = 0; i < m->n_in; i++)
		w[i] = in != NULL ? in[i] : 0;
	for (i = 0; i < m->n_run_lines; i++) {
		const struct mline *l = &m->lines[k = m->run_lines[i]];

		if (l->whole == 0)
			continue;
		b = m->base[k];
		if (b < 0)
			w[l->out] = 0;
		else if (l->frac == 0)
			w[l->out] = x[b + l->whole - 1];
		else
			w[l->out] = (1 - l->frac) * x[b + l->whole - 1] +
				    l->frac * x[b + l->whole];
	}
	for (i = 0; i < m->n_run_cascs; i++) {
		const struct mcasc *c = &m->cascs[m->run_cascs[i]];

		if (c->split < 0)
			continue;
		v = section_early(m, sc + 5 * (c->first + c->split),
				  c->first + c->split, x);
		for (s = c->split + 1; s < c->n_sections; s++)
			v = section(m, sc + 5 * (c->first + s), c->first + s,
				    x, y, v);
		w[c->out] = v;
	}
	for (i = 0; i < m->n_run_order; i++) {
		int p = net->order[m->run_order[i]];
		const struct adac_net_prim *pp = &net->prims[p];

		switch (pp->kind) {
		case ADAC_NET_LIN: {
			double acc = 0;

			for (j = pp->first; j < pp->first + pp->count; j++)
				acc += tc[j] * w[net->term_wire[j]];
			w[pp->out] = acc;
			break;
		}
		case ADAC_NET_SOS: {
			const struct mcasc *c = &m->cascs[m->prim_item[p]];

			v = w[c->in];
			for (s = 0; s < c->n_sections; s++)
				v = section(m, sc + 5 * (c->first + s),
					    c->first + s, x, y, v);
			w[c->out] = v;
			break;
		}
		case ADAC_NET_DELAY: {
			const struct mline *l = &m->lines[m->prim_item[p]];

			b = m->base[m->prim_item[p]];
			w[l->out] = (1 - l->frac) * w[l->in] +
				    l->frac * (b >= 0 ? x[b] : 0);
			break;
		}
		case ADAC_NET_MODDELAY:	/* refused by adac_modal_map_new() */
			w[pp->out] = 0;
			break;
		case ADAC_NET_NL:	/* refused by adac_modal_map_new() */
			w[pp->out] = pp->gain_out *
				     adac_nl_eval(pp->nl, pp->gain_in * w[pp->in]);
			break;
		}
	}
	for (i = 0; i < m->n_run_cascs; i++) {
		const struct mcasc *c = &m->cascs[m->run_cascs[i]];

		if (c->split < 0)
			continue;
		v = w[c->in];
		for (s = 0; s < c->split; s++)
			v = section(m, sc + 5 * (c->first + s), c->first + s,
				    x, y, v);
		section_late(m, sc + 5 * (c->first + c->split),
			     c->first + c->split, x, y, v);
	}
	for (i = 0; i < m->n_run_lines; i++) {
		const struct mline *l = &m->lines[k = m->run_lines[i]];

		if ((b = m->base[k]) < 0)
			continue;
		y[b] = w[l->in];
		if (l->len > 1)
			memcpy(y + b + 1, x + b, (size_t)(l->len - 1) * sizeof *y);
	}
	for (i = 0; out != NULL && i < m->n_out; i++)
		out[i] = w[net->out_wires[i]];
}

/* Does this LIN primitive multiply by coefficients (not a loop or parallel adder)? */
static int
lin_has_coefs(const struct adac_net_prim *pp)
{
	return pp->node->op == ADAC_OP_GAIN || pp->node->op == ADAC_OP_MATRIX;
}

static long
lmax(long a, long b)
{
	return a > b ? a : b;
}

/*
 * K: the most coefficients met on one path from a state or input to a new
 * state, following step()'s evaluation exactly (delay weights count).
 */
static int
compute_depth(struct adac_modal_map *m)
{
	const struct adac_netlist *net = m->net;
	long *kd = calloc((size_t)net->n_wires + 1, sizeof *kd);
	long K = 0, v;
	int k, s;

	if (kd == NULL)
		return ADAC_E_NOMEM;
	for (k = 0; k < m->n_lines; k++)
		if (m->lines[k].whole > 0)
			kd[m->lines[k].out] = m->lines[k].frac > 0;
	for (k = 0; k < m->n_cascs; k++) {
		const struct mcasc *c = &m->cascs[k];

		if (c->split < 0)
			continue;
		v = 1;		/* b1·w1 + b2·w2 */
		for (s = c->split + 1; s < c->n_sections; s++) {
			v = lmax(v, 1);		/* w = in − a1·w1 − a2·w2 */
			K = lmax(K, v);
			v += 1;			/* b0·w */
		}
		kd[c->out] = v;
	}
	for (k = 0; k < net->n_order; k++) {
		const struct adac_net_prim *pp = &net->prims[net->order[k]];
		long j;

		switch (pp->kind) {
		case ADAC_NET_LIN:
			v = 0;
			for (j = pp->first; j < pp->first + pp->count; j++)
				v = lmax(v, kd[net->term_wire[j]] +
						    lin_has_coefs(pp));
			kd[pp->out] = v;
			break;
		case ADAC_NET_SOS:
			v = kd[pp->in];
			for (s = 0; s < pp->n_sections; s++) {
				v = lmax(v, 1);
				K = lmax(K, v);
				v += 1;
			}
			kd[pp->out] = v;
			break;
		case ADAC_NET_DELAY:
			kd[pp->out] = kd[pp->in] + 1;
			break;
		case ADAC_NET_NL:	/* refused by adac_modal_map_new() */
		case ADAC_NET_MODDELAY:
			kd[pp->out] = kd[pp->in] + 2;
			break;
		}
	}
	for (k = 0; k < m->n_cascs; k++) {
		const struct mcasc *c = &m->cascs[k];

		if (c->split < 0)
			continue;
		v = kd[c->in];
		for (s = 0; s <= c->split; s++) {
			v = lmax(v, 1);
			K = lmax(K, v);
			v += 1;
		}
	}
	for (k = 0; k < m->n_lines; k++)
		K = lmax(K, kd[m->lines[k].in]);
	m->depth = K;
	free(kd);
	return ADAC_OK;
}

void
adac_modal_map_free(struct adac_modal_map *m)
{
	if (m == NULL)
		return;
	adac_netlist_free(m->net);
	free_copy(m->copy);
	free(m->lines);
	free(m->cascs);
	free(m->sec);
	free(m->sec_abs);
	free(m->tc_abs);
	free(m->prim_item);
	free(m->base);
	free(m->run_order);
	free(m->run_lines);
	free(m->run_cascs);
	free(m->casc_on);
	free(m->w);
	free(m);
}

/* A state map x[n+1] = A·x[n] exists only for a linear network. */
static int
nonlinear_here(const struct adac_node *n, void *arg)
{
	if (n->op == ADAC_OP_MODDELAY)
		return adac_error_set(arg, ADAC_E_INPUT, n->pointer,
				      "a modulated delay has no state-space matrix: its state map changes every sample");
	if (n->op != ADAC_OP_NONLINEAR)
		return ADAC_OK;
	return adac_error_set(arg, ADAC_E_INPUT, n->pointer,
			      "a nonlinear node has no state-space matrix");
}

int
adac_modal_map_new(const struct adac_node *node,
		   const struct adac_freq_opts *fo,
		   struct adac_modal_map **out, struct adac_error *err)
{
	struct adac_netlist_options opt;
	struct adac_modal_map *m;
	const struct adac_netlist *net;
	int p, k, rc;
	long j, s;
	double t = 1;

	if ((rc = adac_ir_walk(node, nonlinear_here, NULL, err)) != ADAC_OK)
		return rc;
	m = calloc(1, sizeof *m);
	if (m == NULL)
		return nomem(err);
	m->finite = 1;
	if ((rc = copy_rounded(node, fo, &m->copy, &m->finite)) != ADAC_OK) {
		adac_modal_map_free(m);
		return nomem(err);
	}
	/* gains already carry their decay: nothing for the netlist to resolve */
	memset(&opt, 0, sizeof opt);
	opt.fs_hz = fo->fs_hz;
	opt.ignore_decay = 1;
	if ((rc = adac_netlist_build(m->copy, &opt, &m->net, err)) != ADAC_OK) {
		adac_modal_map_free(m);
		return rc;
	}
	net = m->net;
	m->n_in = net->inputs;
	m->n_out = net->outputs;
	for (p = 0; p < net->n_prims; p++) {
		if (net->prims[p].kind == ADAC_NET_DELAY)
			m->n_lines++;
		else if (net->prims[p].kind == ADAC_NET_SOS) {
			m->n_cascs++;
			m->n_sec += net->prims[p].n_sections;
		}
	}
	m->lines = calloc((size_t)m->n_lines + 1, sizeof *m->lines);
	m->cascs = calloc((size_t)m->n_cascs + 1, sizeof *m->cascs);
	m->sec = calloc((size_t)m->n_sec * 5 + 1, sizeof *m->sec);
	m->sec_abs = calloc((size_t)m->n_sec * 5 + 1, sizeof *m->sec_abs);
	m->tc_abs = calloc((size_t)net->n_terms + 1, sizeof *m->tc_abs);
	m->prim_item = calloc((size_t)net->n_prims + 1, sizeof *m->prim_item);
	m->n_units = m->n_lines + 2 * m->n_sec;
	m->base = calloc((size_t)m->n_units + 1, sizeof *m->base);
	m->w = calloc((size_t)net->n_wires + 1, sizeof *m->w);
	m->run_order = calloc((size_t)net->n_order + 1, sizeof *m->run_order);
	m->run_lines = calloc((size_t)m->n_lines + 1, sizeof *m->run_lines);
	m->run_cascs = calloc((size_t)m->n_cascs + 1, sizeof *m->run_cascs);
	m->casc_on = calloc((size_t)m->n_cascs + 1, 1);
	if (m->lines == NULL || m->cascs == NULL || m->sec == NULL ||
	    m->sec_abs == NULL || m->tc_abs == NULL || m->prim_item == NULL ||
	    m->base == NULL || m->w == NULL || m->run_order == NULL ||
	    m->run_lines == NULL || m->run_cascs == NULL || m->casc_on == NULL) {
		adac_modal_map_free(m);
		return nomem(err);
	}
	for (j = 0; j < net->n_terms; j++) {
		m->tc_abs[j] = fabs(net->term_coef[j]);
		t += 2;		/* a product and a sum per term */
	}
	m->n_lines = m->n_cascs = 0;
	s = 0;
	for (p = 0; p < net->n_prims; p++) {
		const struct adac_net_prim *pp = &net->prims[p];

		if (pp->kind == ADAC_NET_DELAY) {
			struct mline *l = &m->lines[m->n_lines];

			l->in = pp->in;
			l->out = pp->out;
			l->whole = pp->whole;
			l->frac = pp->frac;
			l->len = pp->whole + (pp->frac > 0);
			if (l->len < 1)
				l->len = 1;
			m->dim += l->len;
			t += 4;		/* 1 − frac, two products, a sum */
			m->prim_item[p] = m->n_lines++;
		} else if (pp->kind == ADAC_NET_SOS) {
			struct mcasc *c = &m->cascs[m->n_cascs];

			c->in = pp->in;
			c->out = pp->out;
			c->n_sections = pp->n_sections;
			c->first = s;
			c->split = -1;
			for (k = 0; k < pp->n_sections; k++, s++) {
				const double *q = pp->sos + 5 * k;
				double *d = m->sec + 5 * s;
				int i;

				if (q[0] == 0 && c->split < 0)
					c->split = k;
				d[0] = q[0];
				d[1] = q[1];
				d[2] = q[2];
				d[3] = -q[3];
				d[4] = -q[4];
				for (i = 0; i < 5; i++)
					m->sec_abs[5 * s + i] = fabs(d[i]);
				t += 9;		/* five products, four sums */
			}
			m->dim += 2L * pp->n_sections;
			m->prim_item[p] = m->n_cascs++;
		}
	}
	m->flops = t;
	layout_all(m);
	if (compute_depth(m) != ADAC_OK) {
		adac_modal_map_free(m);
		return nomem(err);
	}
	*out = m;
	return ADAC_OK;
}

long
adac_modal_map_dim(const struct adac_modal_map *m)
{
	return m->dim;
}

void
adac_modal_map_step(struct adac_modal_map *m, const double *x,
		    const double *in, double *x_next, double *out)
{
	step(m, 0, x, in, x_next, out);
}

/* ---- blocks: strongly connected sets of states ---- */

struct graph {
	int n;			/* nodes */
	int *start;		/* n + 1: edges of v are adj[start[v] .. start[v + 1]) */
	int *adj;
	long n_edges;
	int *src, *dst;		/* the edge list while building */
	long cap;
};

static int
add_edge(struct graph *g, int a, int b)
{
	if (g->n_edges == g->cap) {
		long c = g->cap ? 2 * g->cap : 256;
		int *s = realloc(g->src, (size_t)c * sizeof *s), *d;

		if (s == NULL)
			return -1;
		g->src = s;
		d = realloc(g->dst, (size_t)c * sizeof *d);
		if (d == NULL)
			return -1;
		g->dst = d;
		g->cap = c;
	}
	g->src[g->n_edges] = a;
	g->dst[g->n_edges] = b;
	g->n_edges++;
	return 0;
}

/*
 * Edge a → b: b (a wire, or a state's next value) depends on a within one
 * sample, through a coefficient that is not exactly zero; exactly the
 * dependences step() evaluates.  Nodes: wires, then units, then the
 * outputs of every section but a cascade's last.
 */
static int
build_graph(const struct adac_modal_map *m, struct graph *g)
{
	const struct adac_netlist *net = m->net;
	int W = net->n_wires, p, k, s, r = 0;
	long j, nodes = (long)W + m->n_units + m->n_sec;

#define UNIT(u) (W + (int)(u))
#define MID(sec) (W + (int)m->n_units + (int)(sec))
	if (nodes >= INT_MAX)
		return -1;
	g->n = (int)nodes;
	for (p = 0; p < net->n_prims && r == 0; p++) {
		const struct adac_net_prim *pp = &net->prims[p];

		if (pp->kind == ADAC_NET_LIN) {
			for (j = pp->first; j < pp->first + pp->count && r == 0; j++)
				r = add_edge(g, net->term_wire[j], pp->out);
		} else if (pp->kind == ADAC_NET_DELAY) {
			int u = m->prim_item[p];

			r = add_edge(g, pp->in, UNIT(u));
			if (r == 0)
				r = add_edge(g, UNIT(u), pp->out);
			if (r == 0 && pp->whole == 0)
				r = add_edge(g, pp->in, pp->out);
		} else {
			const struct mcasc *c = &m->cascs[m->prim_item[p]];

			for (k = 0; k < c->n_sections && r == 0; k++) {
				long sec = c->first + k;
				const double *q = m->sec + 5 * sec;
				int x = k == 0 ? c->in : MID(sec - 1);
				int y = k == c->n_sections - 1 ? c->out : MID(sec);
				int u1 = UNIT(m->n_lines + 2 * sec), u2 = u1 + 1;

				s = 0;
				s |= add_edge(g, x, u1);
				s |= add_edge(g, u1, u2);
				if (q[3] != 0)
					s |= add_edge(g, u1, u1);
				if (q[4] != 0)
					s |= add_edge(g, u2, u1);
				if (q[0] != 0)
					s |= add_edge(g, x, y);
				if (q[1] != 0 || (q[0] != 0 && q[3] != 0))
					s |= add_edge(g, u1, y);
				if (q[2] != 0 || (q[0] != 0 && q[4] != 0))
					s |= add_edge(g, u2, y);
				r = s;
			}
		}
	}
#undef UNIT
#undef MID
	if (r != 0)
		return -1;
	g->start = calloc((size_t)g->n + 2, sizeof *g->start);
	g->adj = malloc((size_t)(g->n_edges > 0 ? g->n_edges : 1) * sizeof *g->adj);
	if (g->start == NULL || g->adj == NULL)
		return -1;
	for (j = 0; j < g->n_edges; j++)
		g->start[g->src[j] + 2]++;
	for (k = 0; k < g->n; k++)
		g->start[k + 2] += g->start[k + 1];
	for (j = 0; j < g->n_edges; j++)
		g->adj[g->start[g->src[j] + 1]++] = g->dst[j];
	return 0;
}

static void
graph_free(struct graph *g)
{
	free(g->start);
	free(g->adj);
	free(g->src);
	free(g->dst);
}

/*
 * Tarjan's strongly connected components, without recursion (a delay
 * network can be a chain of a hundred thousand nodes).  comp[v] is v's
 * component; returns their number, or -1 when out of memory.
 */
static int
tarjan(const struct graph *g, int *comp)
{
	int *index = malloc((size_t)g->n * sizeof *index + 1);
	int *low = malloc((size_t)g->n * sizeof *low + 1);
	int *edge = malloc((size_t)g->n * sizeof *edge + 1);
	int *stack = malloc((size_t)g->n * sizeof *stack + 1);
	int *calls = malloc((size_t)g->n * sizeof *calls + 1);
	unsigned char *on = calloc((size_t)g->n + 1, 1);
	int next = 0, sp = 0, cp, n_comp = -1, root, v, w;

	if (index == NULL || low == NULL || edge == NULL || stack == NULL ||
	    calls == NULL || on == NULL)
		goto out;
	n_comp = 0;
	for (v = 0; v < g->n; v++)
		index[v] = -1;
	for (root = 0; root < g->n; root++) {
		if (index[root] >= 0)
			continue;
		cp = 0;
		calls[cp++] = root;
		index[root] = low[root] = next++;
		edge[root] = g->start[root];
		stack[sp++] = root;
		on[root] = 1;
		while (cp > 0) {
			v = calls[cp - 1];
			if (edge[v] < g->start[v + 1]) {
				w = g->adj[edge[v]++];
				if (index[w] < 0) {
					index[w] = low[w] = next++;
					edge[w] = g->start[w];
					stack[sp++] = w;
					on[w] = 1;
					calls[cp++] = w;
				} else if (on[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			cp--;
			if (low[v] == index[v]) {
				do {
					w = stack[--sp];
					on[w] = 0;
					comp[w] = n_comp;
				} while (w != v);
				n_comp++;
			}
			if (cp > 0 && low[v] < low[calls[cp - 1]])
				low[calls[cp - 1]] = low[v];
		}
	}
out:
	free(index);
	free(low);
	free(edge);
	free(stack);
	free(calls);
	free(on);
	return n_comp;
}

/* ---- one block ---- */

/* Lay out block c's states and run only what lies on it (see run_order). */
static void
select_block(struct adac_modal_map *m, const int *comp, int c)
{
	const struct adac_netlist *net = m->net;
	int W = net->n_wires, k, s, in;
	long u, off = 0;

	for (u = 0; u < m->n_units; u++)
		if (comp[W + u] == c) {
			m->base[u] = off;
			off += unit_len(m, u);
		} else {
			m->base[u] = -1;
		}
	m->n_run_lines = m->n_run_cascs = m->n_run_order = 0;
	for (k = 0; k < m->n_lines; k++)
		if (m->base[k] >= 0)
			m->run_lines[m->n_run_lines++] = k;
	for (k = 0; k < m->n_cascs; k++) {
		const struct mcasc *cc = &m->cascs[k];

		in = comp[cc->out] == c;
		for (s = 0; s < cc->n_sections && !in; s++) {
			long sec = cc->first + s;

			in = m->base[m->n_lines + 2 * sec] >= 0 ||
			     m->base[m->n_lines + 2 * sec + 1] >= 0 ||
			     comp[W + m->n_units + sec] == c;
		}
		m->casc_on[k] = (unsigned char)in;
		if (in)
			m->run_cascs[m->n_run_cascs++] = k;
	}
	for (k = 0; k < net->n_order; k++) {
		const struct adac_net_prim *pp = &net->prims[net->order[k]];

		in = comp[pp->out] == c;
		if (pp->kind == ADAC_NET_DELAY)
			in = in || m->base[m->prim_item[net->order[k]]] >= 0;
		else if (pp->kind == ADAC_NET_SOS)
			in = in || m->casc_on[m->prim_item[net->order[k]]];
		if (in)
			m->run_order[m->n_run_order++] = k;
	}
	/*
	 * What does not run reads as zero.  (Tarjan numbers components
	 * sinks first, so no block reads a wire an earlier block wrote; the
	 * zeroing keeps the result independent of that order.)
	 */
	memset(m->w, 0, (size_t)W * sizeof *m->w);
}

struct block {
	double radius, omega, residual, bound, growth;
	int converged;
	long matvecs;
	const char *method;
	const char *reason;
};

static void
block_unknown(struct block *r, const char *reason)
{
	r->radius = r->omega = r->residual = NAN;
	r->bound = INFINITY;
	r->growth = 0;
	r->reason = reason;
}

static int
all_finite(const double *v, long n)
{
	long i;

	for (i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return 0;
	return 1;
}

/*
 * The mode λ = lr + j·li with vector vr + j·vi (vi NULL when real), n
 * states: *res an upper bound on ‖A·v − λ·v‖₂/‖v‖₂ at the nominal
 * coefficients, and the Kreiss growth floor of every A' within epsk.
 * scratch holds 4·n doubles.
 *
 * With r̂ = fl(fl(A·v) − fl(λ·v)) per entry, |r̂ − r| <= γ_T·(Ā|v|) +
 * γ_2·(|lr||vr| + |li||vi|) + u·|r̂|/(1 − u); the first term is taken as
 * 2·γ_T·fl(Ā|v|) (Ā|v| itself errs by γ_T), the last as EPS·|r̂|.
 * A perturbed A' moves A·v by at most epsk·‖Ā|v|‖ (|v| <= |vr| + |vi|),
 * so λ is an eigenvalue of A' + E with ‖E‖ <= (‖r‖ + epsk·‖Ā|v|‖)/‖v‖ = ρ_E,
 * and sup_k ‖A'^k‖ >= (|λ| − 1)/ρ_E (Trefethen & Embree, "Spectra and
 * Pseudospectra", Thm 16.4, the lower Kreiss bound).
 */
static void
mode_residual(struct adac_modal_map *m, long n, const double *vr,
	      const double *vi, double lr, double li, double epsk,
	      double *scratch, double *res, double *growth)
{
	double *y = scratch, *ya = scratch + n, *z = scratch + 2 * n;
	double *za = scratch + 3 * n;
	double gt = 2 * m->flops * EPS, rf2 = 0, pa2 = 0, nv2 = 0;
	double q, e, rn, nv, pert, lam, rall;
	long i;

	for (i = 0; i < n; i++)
		z[i] = fabs(vr[i]);
	step(m, 0, vr, NULL, y, NULL);
	step(m, 1, z, NULL, ya, NULL);
	if (vi != NULL) {
		for (i = 0; i < n; i++)
			za[i] = fabs(vi[i]);
		step(m, 1, za, NULL, z, NULL);
		memcpy(za, z, (size_t)n * sizeof *za);
		step(m, 0, vi, NULL, z, NULL);
	} else {
		memset(z, 0, (size_t)n * sizeof *z);
		memset(za, 0, (size_t)n * sizeof *za);
	}
	for (i = 0; i < n; i++) {
		double xr = vr[i], xi = vi != NULL ? vi[i] : 0;

		/* real part: A·vr − (lr·vr − li·vi) */
		q = y[i] - (lr * xr - li * xi);
		e = up(gt * ya[i] + 2 * EPS * (fabs(lr * xr) + fabs(li * xi)) +
		       EPS * fabs(q), 6);
		rf2 += (fabs(q) + e) * (fabs(q) + e);
		/* imaginary part: A·vi − (li·vr + lr·vi) */
		q = z[i] - (li * xr + lr * xi);
		e = up(gt * za[i] + 2 * EPS * (fabs(li * xr) + fabs(lr * xi)) +
		       EPS * fabs(q), 6);
		rf2 += (fabs(q) + e) * (fabs(q) + e);
		pa2 += (ya[i] + za[i]) * (ya[i] + za[i]);
		nv2 += xr * xr + xi * xi;
	}
	rn = up(sqrt(rf2), 2.0 * n + 2);
	nv = down(sqrt(nv2), 2.0 * n + 2);
	pert = up(epsk * up(sqrt(pa2), 2.0 * n + m->flops + 2), 1);
	*res = nv > 0 ? up(rn / nv, 1) : INFINITY;
	*growth = 0;
	lam = hypot(lr, li);
	if (!(lam > 1) || !(nv > 0) || !isfinite(rn) || !isfinite(pert))
		return;
	rall = up((rn + pert) / nv, 2);
	*growth = rall > 0 ? down((down(lam, 2) - 1) / rall, 2) : INFINITY;
	if (*growth < 0)
		*growth = 0;
}

/*
 * Dense: form A column by column, dgeev, then Bauer-Fike with W the real
 * eigenvector matrix and D its real block diagonal (λ, or [[a, b], [−b, a]]
 * for a ± j·b, a normal 2 × 2): with R = A·W − W·D exactly,
 *     A' = W·(D + W⁻¹·(R + (A' − A)·W))·W⁻¹,
 * so every eigenvalue of A' lies within (‖R‖₂ + ‖A' − A‖₂·‖W‖₂)/σ_min(W)
 * of an eigenvalue of D (Bauer-Fike, D normal).  ‖R‖₂ <= ‖R‖_F from the
 * computed R plus its rounding (mode_residual()'s terms, column by column);
 * ‖A' − A‖₂ <= epsk·‖Ā‖₂ <= epsk·√(‖Ā‖₁·‖Ā‖∞); σ from dgesvd with C_SVD.
 */
static int
dense_block(struct adac_modal_map *m, long nb, double epsk, struct block *r,
	    struct adac_error *err)
{
	int n = (int)nb, i, j, jmax = 0, rc = ADAC_OK;
	size_t nn = (size_t)nb * (size_t)nb;
	double *a = NULL, *v = NULL, *re = NULL, *im = NULL, *s = NULL;
	double *x = NULL, *y = NULL, *ya = NULL, *rows = NULL, *c1 = NULL;
	double *c2 = NULL, *scr = NULL;
	double colmax = 0, rowmax = 0, lam = -1, rf2 = 0, gt, sum;
	double rf, abar, da, serr, smax, smin;

	r->method = "dense";
	r->converged = 1;
	a = malloc(nn * sizeof *a);
	v = malloc(nn * sizeof *v);
	re = malloc((size_t)n * sizeof *re);
	im = malloc((size_t)n * sizeof *im);
	s = malloc((size_t)n * sizeof *s);
	x = calloc((size_t)n, sizeof *x);
	y = malloc((size_t)n * sizeof *y);
	ya = malloc((size_t)n * sizeof *ya);
	rows = calloc((size_t)n, sizeof *rows);
	c1 = malloc((size_t)n * sizeof *c1);
	c2 = malloc((size_t)n * sizeof *c2);
	scr = malloc((size_t)n * 4 * sizeof *scr);
	if (a == NULL || v == NULL || re == NULL || im == NULL || s == NULL ||
	    x == NULL || y == NULL || ya == NULL || rows == NULL ||
	    c1 == NULL || c2 == NULL || scr == NULL) {
		rc = nomem(err);
		goto out;
	}
	/* A, and the column and row sums of Ā */
	for (j = 0; j < n; j++) {
		x[j] = 1;
		step(m, 0, x, NULL, y, NULL);
		step(m, 1, x, NULL, ya, NULL);
		x[j] = 0;
		sum = 0;
		for (i = 0; i < n; i++) {
			a[(size_t)i * n + j] = y[i];
			sum += ya[i];
			rows[i] += ya[i];
		}
		if (sum > colmax || !(sum == sum))
			colmax = sum;
	}
	r->matvecs += n;
	for (i = 0; i < n; i++)
		if (rows[i] > rowmax || !(rows[i] == rows[i]))
			rowmax = rows[i];
	if (!all_finite(a, (long)nn) || !isfinite(colmax) || !isfinite(rowmax)) {
		block_unknown(r, "the state map overflows");
		goto out;
	}
	if ((rc = adac_linalg_eig(a, n, re, im, v, err)) != ADAC_OK)
		goto out;
	if (!all_finite(re, n) || !all_finite(im, n) || !all_finite(v, (long)nn)) {
		block_unknown(r, "LAPACK returned a non-finite eigenpair");
		goto out;
	}
	for (j = 0; j < n; j++)
		if (hypot(re[j], im[j]) > lam) {
			lam = hypot(re[j], im[j]);
			jmax = j;
		}
	if (im[jmax] < 0)
		jmax--;		/* the pair's first member holds its vector */
	/* ‖R‖_F, column by column (a pair at once) */
	gt = 2 * m->flops * EPS;
	for (j = 0; j < n;) {
		int pair = im[j] != 0 && j + 1 < n;
		double lr = re[j], li = pair ? im[j] : 0, q, e;

		for (i = 0; i < n; i++) {
			c1[i] = v[(size_t)i * n + j];
			c2[i] = pair ? v[(size_t)i * n + j + 1] : 0;
		}
		/* A·c1 (y), Ā·|c1| (ya); A·c2 and Ā·|c2| in scr */
		step(m, 0, c1, NULL, y, NULL);
		for (i = 0; i < n; i++)
			x[i] = fabs(c1[i]);
		step(m, 1, x, NULL, ya, NULL);
		if (pair) {
			step(m, 0, c2, NULL, scr, NULL);
			for (i = 0; i < n; i++)
				x[i] = fabs(c2[i]);
			step(m, 1, x, NULL, scr + n, NULL);
		}
		memset(x, 0, (size_t)n * sizeof *x);
		r->matvecs += pair ? 2 : 1;
		for (i = 0; i < n; i++) {
			/* column j: A·c1 − (lr·c1 − li·c2) */
			q = y[i] - (lr * c1[i] - li * c2[i]);
			e = up(gt * ya[i] + 2 * EPS * (fabs(lr * c1[i]) +
							fabs(li * c2[i])) +
			       EPS * fabs(q), 6);
			rf2 += (fabs(q) + e) * (fabs(q) + e);
			if (!pair)
				continue;
			/* column j + 1: A·c2 − (li·c1 + lr·c2) */
			q = scr[i] - (li * c1[i] + lr * c2[i]);
			e = up(gt * scr[n + i] + 2 * EPS * (fabs(li * c1[i]) +
							    fabs(lr * c2[i])) +
			       EPS * fabs(q), 6);
			rf2 += (fabs(q) + e) * (fabs(q) + e);
		}
		j += pair ? 2 : 1;
	}
	rf = up(sqrt(rf2), (double)nn + 2);
	/* each row or column sum: T roundings inside, n in the sum */
	abar = up(sqrt(up(colmax, m->flops + n) * up(rowmax, m->flops + n)), 2);
	da = up(epsk * abar, 1);
	if ((rc = adac_linalg_svals(v, n, n, s, err)) != ADAC_OK)
		goto out;
	serr = up(C_SVD * n * (EPS / 2) * s[0], 2);
	smax = up(s[0] + serr, 1);
	smin = down(s[n - 1] - serr, 1);
	r->radius = lam;
	r->omega = fabs(atan2(im[jmax], re[jmax]));
	for (i = 0; i < n; i++) {
		c1[i] = v[(size_t)i * n + jmax];
		c2[i] = im[jmax] != 0 ? v[(size_t)i * n + jmax + 1] : 0;
	}
	mode_residual(m, n, c1, im[jmax] != 0 ? c2 : NULL, re[jmax],
		      im[jmax], epsk, scr, &r->residual, &r->growth);
	r->matvecs += im[jmax] != 0 ? 2 : 1;
	if (!isfinite(rf) || !isfinite(smax) || !(smin > 0)) {
		r->bound = INFINITY;
		r->reason = smin > 0 ? "the residual is not finite"
				     : "the block is defective or nearly so "
				       "(its eigenvectors are dependent)";
		goto out;
	}
	r->bound = up(up(lam, 2) + up((rf + da * smax) / smin, 3), 1);
	if (!isfinite(r->bound))
		r->reason = "the eigenvector bound overflows";
out:
	free(a);
	free(v);
	free(re);
	free(im);
	free(s);
	free(x);
	free(y);
	free(ya);
	free(rows);
	free(c1);
	free(c2);
	free(scr);
	return rc;
}

/*
 * Arnoldi (ARPACK dnaupd, "LM", exact shifts) within budget applications,
 * then Rayleigh-Ritz on the final factorisation: the eigenpairs of the
 * NCV × NCV Hessenberg H (its upper Hessenberg part; ARPACK keeps a scalar
 * below it) lifted through the basis V, the largest |θ| reported with its
 * residual computed here.  An estimate: Arnoldi cannot prove that no
 * larger eigenvalue exists, so the bound stays infinite.  ARPACK keeps
 * state in static variables: one run at a time per process.
 */
static int
arnoldi_block(struct adac_modal_map *m, long nb, long budget, double epsk,
	      struct block *r, struct adac_error *err)
{
	int n = (int)nb, nev = ARNOLDI_NEV, ncv = ARNOLDI_NCV, k = ARNOLDI_NCV;
	int lworkl = 3 * ncv * ncv + 6 * ncv, ido = 0, info = 1, i, j, jmax;
	int iparam[11] = {0}, ipntr[14] = {0}, rc = ADAC_OK;
	double *resid = NULL, *v = NULL, *workd = NULL, *workl = NULL;
	double *h = NULL, *re = NULL, *im = NULL, *y = NULL, *xr = NULL;
	double *xi = NULL, *scr = NULL, lam = -1;
	long mv = 0, guard = budget + 4L * ncv;
	adac_linalg_dnaupd_fn *dnaupd;

	r->method = "arnoldi";
	r->converged = 0;
	r->bound = INFINITY;
	r->reason = "Arnoldi estimates the radius but cannot bound it";
	resid = malloc((size_t)n * sizeof *resid);
	v = malloc((size_t)n * (size_t)ncv * sizeof *v);
	workd = malloc((size_t)n * 3 * sizeof *workd);
	workl = calloc((size_t)lworkl, sizeof *workl);
	h = malloc((size_t)k * k * sizeof *h);
	y = malloc((size_t)k * k * sizeof *y);
	re = malloc((size_t)k * sizeof *re);
	im = malloc((size_t)k * sizeof *im);
	xr = calloc((size_t)n, sizeof *xr);
	xi = calloc((size_t)n, sizeof *xi);
	scr = malloc((size_t)n * 4 * sizeof *scr);
	if (resid == NULL || v == NULL || workd == NULL || workl == NULL ||
	    h == NULL || y == NULL || re == NULL || im == NULL || xr == NULL ||
	    xi == NULL || scr == NULL) {
		rc = nomem(err);
		goto out;
	}
	/* a fixed start, so that a certificate is reproducible */
	adac_linalg_gaussian(n, ARNOLDI_SEED, resid);
	/* loaded here, with OpenBLAS on one thread, for ARPACK calls it */
	if ((rc = adac_linalg_arpack(&dnaupd, err)) != ADAC_OK)
		goto out;
	iparam[0] = 1;		/* exact shifts */
	/*
	 * one application to start, a factorisation of ncv, then at most
	 * ncv − nev per restart (fewer once ARPACK adapts its shifts)
	 */
	iparam[2] = (int)((budget - ncv - 1) / (ncv - nev));
	if (iparam[2] < 1)
		iparam[2] = 1;
	iparam[6] = 1;		/* mode 1: A·x = λ·x */
	for (;;) {
		double *px, *py;

		dnaupd(&ido, "I", n, "LM", nev, ARNOLDI_TOL, resid, ncv, v, n,
		       iparam, ipntr, workd, workl, lworkl, &info);
		if (ido != 1 && ido != -1)
			break;
		px = workd + ipntr[0] - 1;
		py = workd + ipntr[1] - 1;
		step(m, 0, px, NULL, py, NULL);
		mv++;
		if (!all_finite(py, n)) {
			block_unknown(r, "the state map overflows");
			goto out;
		}
		if (mv > guard) {
			block_unknown(r, "Arnoldi ran past its budget");
			goto out;
		}
	}
	if (info == -9999) {
		block_unknown(r, "ARPACK could not build an Arnoldi "
				 "factorisation");
		goto out;
	}
	if (info < 0) {
		rc = adac_error_set(err, ADAC_E_DEPENDENCY, "",
				    "ARPACK dnaupd failed with info %d", info);
		goto out;
	}
	r->converged = info == 0;
	/* H, column-major with leading dimension ncv, into row-major */
	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++)
			h[i * k + j] = i <= j + 1 ?
				workl[ipntr[4] - 1 + j * ncv + i] : 0;
	if ((rc = adac_linalg_eig(h, k, re, im, y, err)) != ADAC_OK)
		goto out;
	jmax = 0;
	for (j = 0; j < k; j++)
		if (hypot(re[j], im[j]) > lam) {
			lam = hypot(re[j], im[j]);
			jmax = j;
		}
	if (im[jmax] < 0)
		jmax--;
	if (!isfinite(lam) || !all_finite(y, (long)k * k)) {
		block_unknown(r, "LAPACK returned a non-finite Ritz pair");
		goto out;
	}
	/* the Ritz vector V·y, V column-major n × ncv */
	for (j = 0; j < k; j++) {
		double yr = y[j * k + jmax];
		double yi = im[jmax] != 0 ? y[j * k + jmax + 1] : 0;

		for (i = 0; i < n; i++) {
			xr[i] += v[(size_t)j * n + i] * yr;
			xi[i] += v[(size_t)j * n + i] * yi;
		}
	}
	r->radius = lam;
	r->omega = fabs(atan2(im[jmax], re[jmax]));
	mode_residual(m, n, xr, im[jmax] != 0 ? xi : NULL, re[jmax], im[jmax],
		      epsk, scr, &r->residual, &r->growth);
	mv += im[jmax] != 0 ? 2 : 1;
	/* ARPACK's test, or ours on the residual computed above */
	if (r->residual <= ARNOLDI_TOL * lam)
		r->converged = 1;
out:
	r->matvecs += mv;
	free(resid);
	free(v);
	free(workd);
	free(workl);
	free(h);
	free(y);
	free(re);
	free(im);
	free(xr);
	free(xi);
	free(scr);
	return rc;
}

/* ---- the analysis ---- */

static void
set_known_zero(struct adac_modal *out, const char *reason)
{
	out->method = "none";
	out->reason = reason;
	out->radius = out->omega = out->residual = out->bound = 0;
	out->growth = 0;
}

int
adac_modal_analyze(const struct adac_node *node,
		   const struct adac_freq_opts *fo,
		   const struct adac_modal_opts *o, struct adac_modal *out,
		   struct adac_error *err)
{
	struct adac_modal_map *m = NULL;
	struct graph g;
	int *comp = NULL, n_comp, c, rc = ADAC_OK, have = 0;
	long *nst = NULL, u, dense_max, sparse_max, budget;
	unsigned char *loop = NULL;
	double eta, epsk;

	memset(&g, 0, sizeof g);
	dense_max = o != NULL && o->dense_max > 0 ? o->dense_max
						  : ADAC_MODAL_DENSE_MAX;
	sparse_max = o != NULL && o->sparse_max > 0 ? o->sparse_max
						    : ADAC_MODAL_SPARSE_MAX;
	budget = o != NULL && o->max_matvecs > 0 ? o->max_matvecs
						 : ADAC_MODAL_MAX_MATVECS;
	eta = o != NULL ? o->coef_rel_err : 0;
	if (!(eta >= 0 && eta < 1))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "coefficient error %g is not a fraction "
				      "in [0, 1)", eta);
	/* LAPACK indexes n × n with 32-bit integers */
	if (dense_max > 20000)
		dense_max = 20000;
	if (sparse_max > INT_MAX / ARNOLDI_NCV)
		sparse_max = INT_MAX / ARNOLDI_NCV;
	memset(out, 0, sizeof *out);
	out->method = "none";
	out->reason = "";
	out->converged = 1;
	out->radius = out->omega = out->residual = NAN;
	out->bound = INFINITY;
	if ((rc = adac_modal_map_new(node, fo, &m, err)) != ADAC_OK)
		return rc;
	out->dim = m->dim;
	if (!m->finite) {
		out->reason = "a coefficient is not finite";
		goto out;
	}
	if (m->dim == 0) {
		set_known_zero(out, "no state");
		goto out;
	}
	comp = malloc((size_t)((long)m->net->n_wires + m->n_units + m->n_sec + 1) *
		      sizeof *comp);
	if (comp == NULL || build_graph(m, &g) != 0) {
		rc = nomem(err);
		goto out;
	}
	if ((n_comp = tarjan(&g, comp)) < 0) {
		rc = nomem(err);
		goto out;
	}
	nst = calloc((size_t)n_comp + 1, sizeof *nst);
	loop = calloc((size_t)n_comp + 1, 1);
	if (nst == NULL || loop == NULL) {
		rc = nomem(err);
		goto out;
	}
	/* a component is a loop when it has two nodes or a self edge */
	{
		int *size = calloc((size_t)n_comp + 1, sizeof *size);
		long j;

		if (size == NULL) {
			rc = nomem(err);
			goto out;
		}
		for (j = 0; j < g.n; j++)
			size[comp[j]]++;
		for (c = 0; c < n_comp; c++)
			loop[c] = size[c] > 1;
		for (j = 0; j < g.n_edges; j++)
			if (g.src[j] == g.dst[j])
				loop[comp[g.src[j]]] = 1;
		free(size);
	}
	for (u = 0; u < m->n_units; u++)
		nst[comp[m->net->n_wires + u]] += unit_len(m, u);
	for (c = 0; c < n_comp; c++) {
		if (!loop[c] || nst[c] == 0)
			continue;
		out->n_blocks++;
		if (nst[c] > out->loop_dim)
			out->loop_dim = nst[c];
	}
	if (out->n_blocks == 0) {
		set_known_zero(out, "no state lies on a loop");
		goto out;
	}
	if (out->loop_dim > sparse_max) {
		out->reason = "a loop has more states than the sparse limit";
		goto out;
	}
	/* (1 + η)^K − 1, rounded up */
	epsk = up(expm1((double)m->depth * log1p(eta)), 4);
	for (c = 0; c < n_comp; c++) {
		struct block b;

		if (!loop[c] || nst[c] == 0)
			continue;
		select_block(m, comp, c);
		memset(&b, 0, sizeof b);
		b.reason = "";
		if (nst[c] <= dense_max || nst[c] < ADAC_MODAL_ARNOLDI_MIN)
			rc = dense_block(m, nst[c], epsk, &b, err);
		else
			rc = arnoldi_block(m, nst[c], budget, epsk, &b, err);
		out->matvecs += b.matvecs;
		if (rc != ADAC_OK)
			goto out;
		if (strcmp(b.method, "arnoldi") == 0 || !have)
			out->method = b.method;
		out->converged &= b.converged;
		if (b.growth > out->growth)
			out->growth = b.growth;
		if (!(b.bound <= out->bound) || !have)
			out->bound = b.bound;
		if (*out->reason == '\0')
			out->reason = b.reason;
		if (isnan(b.radius)) {
			/* one block unknown: the whole map is */
			out->radius = out->omega = out->residual = NAN;
			out->bound = INFINITY;
			out->reason = b.reason;
			break;
		}
		if (!have || b.radius > out->radius) {
			out->radius = b.radius;
			out->omega = b.omega;
			out->residual = b.residual;
		}
		have = 1;
	}
out:
	graph_free(&g);
	free(comp);
	free(nst);
	free(loop);
	adac_modal_map_free(m);
	return rc;
}

double
adac_modal_t60_s(const struct adac_modal *m, double fs_hz)
{
	if (isnan(m->radius))
		return NAN;
	if (m->radius >= 1)
		return INFINITY;
	if (m->radius == 0)
		return 0;
	return -3.0 / (fs_hz * log10(m->radius));
}

double
adac_modal_freq_hz(const struct adac_modal *m, double fs_hz)
{
	return m->omega * fs_hz / (2 * M_PI);
}
