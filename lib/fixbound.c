#include "fixbound.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bound.h"
#include "json.h"
#include "linalg.h"
#include "netlist.h"

/*
 * Sources of a response: the inputs, then one per sum (a rounding error,
 * or the double simulation's own, enters there).
 */
struct fb {
	const struct adac_netlist *net;
	struct adac_fixpoint fx;
	double q, eps;		/* an LSB; the largest error of a product */
	double *coef;		/* per term: the value the program multiplies by */
	int *rounded;		/* per sum: its rounded products */
	int nc;			/* cells: delay lines of >= 1 sample */
	int *cell_prim, *prim_cell;
	long *len;
	long lmax, lmin_long;	/* lines longer than 1 sample: the shortest */
	int nl;			/* sums */
	int *lin_prim, *prim_lin;
	double *c, *cabs;	/* wire w from read of cell c: [w·nc + c] */
	double *d;		/* the weights' square roots */
	double gamma;		/* ‖D·M·D⁻¹‖₂, bounded */
	double kmax;		/* operations on any path, for γ(k) */
	double *cl, *cu;	/* per wire: ‖C_w·D⁻¹‖ over long / unit cells */
	double tail_long, tail_unit;	/* √(L·⌈L/l_min⌉) and L, over 1 − γ */
	double tail_max, dmax;	/* the largest tail factor, weight root */
	double *sek;		/* per sum: √ of the energy a unit error stores */
	long head_in, head_err;	/* the longest heads simulated */
	int too_big;		/* beyond ADAC_FIXBOUND_MAX_*: no bound */
	/* scratch */
	double *w, *wabs, *ring;
	long *base, *pos;
	long ring_len;
};

static int
nomem(struct adac_error *err)
{
	return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
}

static void
fb_free(struct fb *b)
{
	free(b->coef);
	free(b->rounded);
	free(b->cell_prim);
	free(b->prim_cell);
	free(b->len);
	free(b->lin_prim);
	free(b->prim_lin);
	free(b->c);
	free(b->cabs);
	free(b->d);
	free(b->cl);
	free(b->cu);
	free(b->sek);
	free(b->w);
	free(b->wabs);
	free(b->ring);
	free(b->base);
	free(b->pos);
}

static void *
zalloc(size_t n, size_t size)
{
	return calloc(n > 0 ? n : 1, size);
}

/* --- the network, one sample ------------------------------------------- */

/*
 * Every wire from the inputs u and the cells' reads v (either NULL: 0),
 * plus inj[k] added to sum k (NULL: none): into b->w, and with every
 * coefficient and value taken by its magnitude into b->wabs (the sums of
 * |c·x| that bound the double rounding of each sum, per sum added to
 * lin_abs when given).
 */
static void
eval(struct fb *b, const double *u, const double *v, const double *inj,
     double *lin_abs)
{
	const struct adac_netlist *net = b->net;
	int i, o;
	long j;

	memset(b->w, 0, sizeof *b->w * (size_t)net->n_wires);
	memset(b->wabs, 0, sizeof *b->wabs * (size_t)net->n_wires);
	for (i = 0; u != NULL && i < net->inputs; i++) {
		b->w[i] = u[i];
		b->wabs[i] = fabs(u[i]);
	}
	for (i = 0; v != NULL && i < b->nc; i++) {
		int out = net->prims[b->cell_prim[i]].out;

		b->w[out] = v[i];
		b->wabs[out] = fabs(v[i]);
	}
	for (o = 0; o < net->n_order; o++) {
		const struct adac_net_prim *pp = &net->prims[net->order[o]];
		double acc = 0, abs = 0;

		if (pp->kind == ADAC_NET_DELAY) {	/* whole == 0 */
			b->w[pp->out] = b->w[pp->in];
			b->wabs[pp->out] = b->wabs[pp->in];
			continue;
		}
		for (j = pp->first; j < pp->first + pp->count; j++) {
			int x = net->term_wire[j];

			acc += b->coef[j] * b->w[x];
			abs += fabs(b->coef[j]) * b->wabs[x];
		}
		if (inj != NULL) {
			acc += inj[b->prim_lin[net->order[o]]];
			abs += fabs(inj[b->prim_lin[net->order[o]]]);
		}
		if (lin_abs != NULL)
			lin_abs[b->prim_lin[net->order[o]]] += abs;
		b->w[pp->out] = acc;
		b->wabs[pp->out] = abs;
	}
}

/* --- the contraction ----------------------------------------------------- */

/*
 * M (cells written from cells read) balanced by Osborne's iteration,
 * which equalises each cell's row and column and so tends to the
 * diagonal scaling of least Frobenius norm: a good start for the
 * spectral norm, never a worse one than no scaling (both are tried).
 */
static void
balance(const double *m, int n, double *d)
{
	int it, i, j;

	for (i = 0; i < n; i++)
		d[i] = 1;
	for (it = 0; it < 30; it++) {
		for (i = 0; i < n; i++) {
			double r = 0, c = 0, f;

			for (j = 0; j < n; j++) {
				double a;

				if (j == i)
					continue;
				a = m[i * n + j] * d[i] / d[j];
				r += a * a;
				a = m[j * n + i] * d[j] / d[i];
				c += a * a;
			}
			if (r > 0 && c > 0) {
				f = sqrt(sqrt(c / r));
				/* keep the weights away from under/overflow */
				if (d[i] * f > 1e-100 && d[i] * f < 1e100)
					d[i] *= f;
			}
		}
	}
}

/* γ for weights d: an upper bound of ‖D·M·D⁻¹‖₂ (INFINITY on failure). */
static int
weighted_norm(const struct fb *b, const double *m, const double *mabs,
	      const double *d, double *out, struct adac_error *err)
{
	int n = b->nc, i, j, rc;
	double *s = zalloc((size_t)n * (size_t)n, sizeof *s), sigma,
	       fro = 0;

	if (s == NULL)
		return nomem(err);
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			double a = mabs[i * n + j] * d[i] / d[j];

			s[i * n + j] = m[i * n + j] * d[i] / d[j];
			fro += a * a;
		}
	rc = adac_linalg_norm2(s, n, n, &sigma, err);
	free(s);
	if (rc != ADAC_OK)
		return rc;
	/* M's entries err by γ(k) of |M|'s; the scaling by 3 more units */
	*out = adac_bound_norm2(sigma, n, n,
				adac_bound_gamma(b->kmax + 3) *
				adac_bound_sqrt(fro));
	return ADAC_OK;
}

static int
contraction(struct fb *b, struct adac_error *err)
{
	int n = b->nc, r, c, rc;
	double *m = zalloc((size_t)n * (size_t)n, sizeof *m);
	double *mabs = zalloc((size_t)n * (size_t)n, sizeof *mabs);
	double *d1 = zalloc((size_t)n, sizeof *d1), g1, g2;

	if (m == NULL || mabs == NULL || d1 == NULL) {
		rc = nomem(err);
		goto out;
	}
	for (r = 0; r < n; r++) {
		int in = b->net->prims[b->cell_prim[r]].in;

		for (c = 0; c < n; c++) {
			m[r * n + c] = b->c[(long)in * n + c];
			mabs[r * n + c] = b->cabs[(long)in * n + c];
		}
	}
	for (r = 0; r < n; r++)
		d1[r] = 1;
	if ((rc = weighted_norm(b, m, mabs, d1, &g1, err)) != ADAC_OK)
		goto out;
	balance(m, n, b->d);
	if ((rc = weighted_norm(b, m, mabs, b->d, &g2, err)) != ADAC_OK)
		goto out;
	if (!(g2 < g1)) {
		memcpy(b->d, d1, sizeof *d1 * (size_t)n);
		g2 = g1;
	}
	b->gamma = g2;
out:
	free(m);
	free(mabs);
	free(d1);
	return rc;
}

/*
 * The tail factors.  Reads of long lines within L samples: split them
 * into windows of l_min samples, each reading only samples stored at
 * its start, so their weighted energy is at most ⌈L/l_min⌉·E; unit
 * cells are read every sample, L·E.  Cauchy–Schwarz over the L samples
 * and the drop by γ per L give Σ_{n>=N}|w[n]| <=
 * (√(L·⌈L/l_min⌉)·cl + L·cu)·√E(N)/(1 − γ).
 */
static void
tail_factors(struct fb *b)
{
	const struct adac_netlist *net = b->net;
	double one_minus = 1 - b->gamma, kk, x;
	int w, c;

	kk = b->lmin_long > 0 ?
	     (double)b->lmax * (double)((b->lmax + b->lmin_long - 1) /
					b->lmin_long) : 0;
	/* 1 − γ rounded down: divide by a smaller number */
	one_minus = one_minus * (1 - 4e-16);
	b->tail_long = adac_bound_div(adac_bound_sqrt(kk), one_minus);
	b->tail_unit = adac_bound_div((double)b->lmax, one_minus);
	for (w = 0; w < net->n_wires; w++) {
		double sl = 0, su = 0, al = 0, au = 0;

		for (c = 0; c < b->nc; c++) {
			double y = b->c[(long)w * b->nc + c] / b->d[c];
			double a = b->cabs[(long)w * b->nc + c] / b->d[c];

			if (b->len[c] > 1)
				sl += y * y, al += a * a;
			else
				su += y * y, au += a * a;
		}
		b->cl[w] = adac_bound_add(adac_bound_up(sqrt(sl), b->nc + 4),
		    adac_bound_gamma(b->kmax + 2) * adac_bound_sqrt(al));
		b->cu[w] = adac_bound_add(adac_bound_up(sqrt(su), b->nc + 4),
		    adac_bound_gamma(b->kmax + 2) * adac_bound_sqrt(au));
		x = b->tail_long * b->cl[w] + b->tail_unit * b->cu[w];
		b->tail_max = x > b->tail_max ? x : b->tail_max;
	}
	for (c = 0; c < b->nc; c++)
		b->dmax = b->d[c] > b->dmax ? b->d[c] : b->dmax;
}

/* Σ_{n >= start}|w[n]| per √ of the weighted energy stored at start. */
static double
tail_factor(const struct fb *b, int w)
{
	if (b->nc == 0)
		return 0;
	return adac_bound_add(adac_bound_mul(b->tail_long, b->cl[w]),
			      adac_bound_mul(b->tail_unit, b->cu[w]));
}

static double
tail(const struct fb *b, int w, double e)
{
	return e == 0 ? 0 : adac_bound_mul(tail_factor(b, w),
					   adac_bound_sqrt(e));
}

/*
 * For each sum k, √ of the weighted energy a unit error there stores in
 * the lines (its response at 0 written into them), bounded: what the
 * tail of ‖h(sum k → w)‖₁ needs without a simulation.
 */
static int
injection_energies(struct fb *b, struct adac_error *err)
{
	const struct adac_netlist *net = b->net;
	double *inj = zalloc((size_t)b->nl, sizeof *inj);
	int k, c;

	b->sek = zalloc((size_t)b->nl, sizeof *b->sek);
	if (inj == NULL || b->sek == NULL) {
		free(inj);
		return nomem(err);
	}
	for (k = 0; k < b->nl; k++) {
		double e = 0;

		inj[k] = 1;
		eval(b, NULL, NULL, inj, NULL);
		inj[k] = 0;
		for (c = 0; c < b->nc; c++) {
			int in = net->prims[b->cell_prim[c]].in;
			double x = fabs(b->w[in]) + adac_bound_gamma(b->kmax) *
			    b->wabs[in];

			e += b->d[c] * b->d[c] * x * x;
		}
		b->sek[k] = adac_bound_sqrt(adac_bound_up(e, b->nc + 4));
	}
	free(inj);
	return ADAC_OK;
}

/* --- set up ------------------------------------------------------------- */

static int
setup(struct fb *b, const struct adac_netlist *net,
      const struct adac_fixpoint *fx, struct adac_error *err)
{
	int p, c, w;
	long j;

	b->net = net;
	b->fx = *fx;
	b->q = ldexp(1.0, -fx->frac_bits);
	b->eps = fx->rounding == ADAC_FX_ROUND ? b->q / 2 : b->q;
	b->coef = zalloc((size_t)net->n_terms, sizeof *b->coef);
	b->prim_cell = zalloc((size_t)net->n_prims, sizeof *b->prim_cell);
	b->prim_lin = zalloc((size_t)net->n_prims, sizeof *b->prim_lin);
	b->cell_prim = zalloc((size_t)net->n_prims, sizeof *b->cell_prim);
	b->lin_prim = zalloc((size_t)net->n_prims, sizeof *b->lin_prim);
	b->len = zalloc((size_t)net->n_prims, sizeof *b->len);
	b->rounded = zalloc((size_t)net->n_prims, sizeof *b->rounded);
	b->w = zalloc((size_t)net->n_wires, sizeof *b->w);
	b->wabs = zalloc((size_t)net->n_wires, sizeof *b->wabs);
	b->cl = zalloc((size_t)net->n_wires, sizeof *b->cl);
	b->cu = zalloc((size_t)net->n_wires, sizeof *b->cu);
	if (b->coef == NULL || b->prim_cell == NULL || b->prim_lin == NULL ||
	    b->cell_prim == NULL || b->lin_prim == NULL || b->len == NULL ||
	    b->rounded == NULL || b->w == NULL || b->wabs == NULL ||
	    b->cl == NULL || b->cu == NULL)
		return nomem(err);
	for (j = 0; j < net->n_terms; j++) {
		int64_t raw;

		(void)adac_fixpoint_coef(fx, net->term_coef[j], &raw);
		b->coef[j] = adac_fixpoint_value(fx, raw);
	}
	b->kmax = (double)net->n_terms + net->n_prims + 1;
	for (p = 0; p < net->n_prims; p++) {
		const struct adac_net_prim *pp = &net->prims[p];

		b->prim_cell[p] = b->prim_lin[p] = -1;
		if (pp->kind == ADAC_NET_DELAY && pp->whole >= 1) {
			b->prim_cell[p] = b->nc;
			b->len[b->nc] = pp->whole;
			if (pp->whole > b->lmax)
				b->lmax = pp->whole;
			if (pp->whole > 1 &&
			    (b->lmin_long == 0 || pp->whole < b->lmin_long))
				b->lmin_long = pp->whole;
			b->cell_prim[b->nc++] = p;
		} else if (pp->kind == ADAC_NET_LIN) {
			b->prim_lin[p] = b->nl;
			for (j = pp->first; j < pp->first + pp->count; j++)
				b->rounded[b->nl] += fabs(b->coef[j]) != 1.0;
			b->lin_prim[b->nl++] = p;
		}
	}
	/* M's SVD is cubic in the lines, C quadratic in wires and lines */
	if (b->nc > ADAC_FIXBOUND_MAX_LINES ||
	    (double)net->n_wires * b->nc > ADAC_FIXBOUND_MAX_ENTRIES) {
		b->too_big = 1;
		return ADAC_OK;
	}
	b->c = zalloc((size_t)net->n_wires * (size_t)b->nc, sizeof *b->c);
	b->cabs = zalloc((size_t)net->n_wires * (size_t)b->nc,
			 sizeof *b->cabs);
	b->d = zalloc((size_t)b->nc, sizeof *b->d);
	b->base = zalloc((size_t)b->nc, sizeof *b->base);
	b->pos = zalloc((size_t)b->nc, sizeof *b->pos);
	if (b->c == NULL || b->cabs == NULL || b->d == NULL ||
	    b->base == NULL || b->pos == NULL)
		return nomem(err);
	for (c = 0; c < b->nc; c++) {
		b->base[c] = b->ring_len;
		b->ring_len += b->len[c];
		b->d[c] = 1;
	}
	if ((b->ring = zalloc((size_t)b->ring_len, sizeof *b->ring)) == NULL)
		return nomem(err);
	/* C: each wire per unit read of each cell */
	for (c = 0; c < b->nc; c++) {
		double *v = zalloc((size_t)b->nc, sizeof *v);

		if (v == NULL)
			return nomem(err);
		v[c] = 1;
		eval(b, NULL, v, NULL, NULL);
		for (w = 0; w < net->n_wires; w++) {
			b->c[(long)w * b->nc + c] = b->w[w];
			b->cabs[(long)w * b->nc + c] = b->wabs[w];
		}
		free(v);
	}
	return ADAC_OK;
}

/* --- responses ----------------------------------------------------------- */

/*
 * ‖h(source → w)‖₁ for every wire w, into hb (n_wires), bounded: the
 * head of n samples summed, the double rounding of the simulation
 * (carried as errors entering each sum), and the tail.  A source is
 * input i (i < inputs) or sum k (source = inputs + k).
 */
static int
response(struct fb *b, int source, long n, double *hb, double *ebound,
	 struct adac_error *err)
{
	const struct adac_netlist *net = b->net;
	double *u = zalloc((size_t)net->inputs, sizeof *u);
	double *v = zalloc((size_t)b->nc, sizeof *v);
	double *labs = zalloc((size_t)b->nl, sizeof *labs);
	double *inj = zalloc((size_t)b->nl, sizeof *inj);
	double *head = zalloc((size_t)net->n_wires, sizeof *head);
	double e = 0, ecell = 0, stored = 0;
	long t;
	int c, w, k;

	if (u == NULL || v == NULL || labs == NULL || inj == NULL ||
	    head == NULL) {
		free(u), free(v), free(labs), free(inj), free(head);
		return nomem(err);
	}
	memset(b->ring, 0, sizeof *b->ring * (size_t)b->ring_len);
	memset(b->pos, 0, sizeof *b->pos * (size_t)b->nc);
	for (t = 0; t < n; t++) {
		for (c = 0; c < b->nc; c++)
			v[c] = b->ring[b->base[c] + b->pos[c]];
		if (t == 0 && source < net->inputs)
			u[source] = 1;
		else if (t == 0)
			inj[source - net->inputs] = 1;
		eval(b, u, v, inj, labs);
		if (t == 0 && source < net->inputs)
			u[source] = 0;
		else if (t == 0)
			inj[source - net->inputs] = 0;
		for (w = 0; w < net->n_wires; w++)
			head[w] += fabs(b->w[w]);
		for (c = 0; c < b->nc; c++) {
			b->ring[b->base[c] + b->pos[c]] =
			    b->w[net->prims[b->cell_prim[c]].in];
			if (++b->pos[c] == b->len[c])
				b->pos[c] = 0;
		}
		/*
		 * Every L samples: stop once the tail can add no more than a
		 * millionth of the head (an estimate: the bound below is
		 * computed whatever the stop).
		 */
		if (b->lmax > 0 && (t + 1) % b->lmax == 0) {
			double s = 0, hmax = 0;
			long i;

			for (i = 0; i < b->ring_len; i++)
				s += b->ring[i] * b->ring[i];
			for (w = 0; w < net->n_wires; w++)
				hmax = head[w] > hmax ? head[w] : hmax;
			if (b->tail_max * sqrt(s) * b->dmax <= 1e-6 * hmax) {
				t++;
				break;
			}
		}
		if (b->nc == 0) {
			t++;
			break;
		}
	}
	n = t;
	if (source < net->inputs)
		b->head_in = n > b->head_in ? n : b->head_in;
	else
		b->head_err = n > b->head_err ? n : b->head_err;
	for (c = 0; c < b->nc; c++) {
		long i;

		for (i = 0; i < b->len[c]; i++) {
			double s = b->ring[b->base[c] + i];

			e += b->d[c] * b->d[c] * s * s;
		}
	}
	e = adac_bound_up(e, (double)b->ring_len + 4);
	/*
	 * The double rounding: sum k erred by at most δ_k = γ(terms + 2)·
	 * labs[k] in all; its effect on w is at most δ_k times a bound of
	 * ‖h(sum k → w)‖₁ that needs no simulation: the response at 0 (all
	 * sums at once, through |coefficients|, which bounds each one's
	 * magnitude) plus the tail from the energy it stores.
	 */
	for (k = 0; k < b->nl; k++) {
		const struct adac_net_prim *pp = &net->prims[b->lin_prim[k]];

		inj[k] = adac_bound_mul(adac_bound_gamma((double)pp->count + 2),
					labs[k]);
		stored = adac_bound_add(stored, adac_bound_mul(inj[k],
							       b->sek[k]));
	}
	eval(b, NULL, NULL, inj, NULL);
	for (w = 0; w < net->n_wires; w++)
		ebound[w] = adac_bound_add(adac_bound_up(b->wabs[w], b->kmax),
		    adac_bound_mul(tail_factor(b, w), stored));
	/* the stored samples err by at most their wires' error bounds */
	for (c = 0; c < b->nc; c++) {
		double x = ebound[net->prims[b->cell_prim[c]].in];

		ecell = adac_bound_add(ecell, adac_bound_mul(
		    adac_bound_mul(b->d[c] * b->d[c], (double)b->len[c]),
		    adac_bound_mul(x, x)));
	}
	e = adac_bound_add(adac_bound_sqrt(e), adac_bound_sqrt(ecell));
	e = adac_bound_mul(e, e);
	for (w = 0; w < net->n_wires; w++)
		hb[w] = adac_bound_add(adac_bound_add(
		    adac_bound_up(head[w], (double)n + 2), ebound[w]),
		    tail(b, w, e));
	free(u);
	free(v);
	free(labs);
	free(inj);
	free(head);
	return ADAC_OK;
}

/* --- the verdict ---------------------------------------------------------- */

struct node_peak {
	const char *pointer;
	double bound;		/* the largest sum bound of its wires */
};

static double
headroom_bits(double bound, double q)
{
	return bound > 0 ? log2((1 - q) / bound) : INFINITY;
}

static json_t *
real_or_null(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

/*
 * The sums' bounds against the word: final sums, and with saturate every
 * partial sum too (FAUST adds in its own order; each partial sum is
 * within the sum of its terms' bounds, each rounded product within ε).
 * in_h and err_h are per wire: Σᵢ‖h(input i → w)‖₁ and the rounding's
 * bound.  peak is the user's input peak, ipeak the same once rounded
 * onto the grid.
 */
static int
verdict(struct fb *b, const double *in_h, const double *err_h, double peak,
	double ipeak, struct adac_fixbound_result *r, json_t *ov, json_t *lc,
	struct adac_error *err)
{
	const struct adac_netlist *net = b->net;
	struct node_peak *nodes = zalloc((size_t)b->nl, sizeof *nodes);
	double worst = -1, scale = INFINITY, lsb = 0, top = 1 - b->q;
	const char *worst_ptr = "", *lsb_ptr = "";
	int k, n_nodes = 0, i, saturate = b->fx.overflow == ADAC_FX_SATURATE;
	json_t *arr = json_array();
	char v[32];

	if (nodes == NULL || arr == NULL) {
		free(nodes);
		json_decref(arr);
		return nomem(err);
	}
	for (k = 0; k < b->nl; k++) {
		const struct adac_net_prim *pp = &net->prims[b->lin_prim[k]];
		const char *ptr = pp->node != NULL ? pp->node->pointer : "";
		double in = in_h[pp->out], er = err_h[pp->out], bound;
		long j;

		/* every other wire is an input or a delayed sum */
		if (er / b->q > lsb) {
			lsb = er / b->q;
			lsb_ptr = ptr;
		}
		if (saturate && pp->count > 1) {
			in = 0;
			er = b->rounded[k] * b->eps;
			for (j = pp->first; j < pp->first + pp->count; j++) {
				int x = net->term_wire[j];
				double a = fabs(b->coef[j]);

				in = adac_bound_add(in, adac_bound_mul(a, in_h[x]));
				er = adac_bound_add(er, adac_bound_mul(a, err_h[x]));
			}
		}
		bound = adac_bound_add(adac_bound_mul(ipeak, in), er);
		/* the largest input peak that fits, by the same bound */
		if (in > 0 && (top - er) / in < scale)
			scale = (top - er) / in;
		else if (in == 0 && er > top)
			scale = -INFINITY;
		if (!(bound <= worst)) {
			worst = bound;
			worst_ptr = ptr;
		}
		for (i = 0; i < n_nodes; i++)
			if (strcmp(nodes[i].pointer, ptr) == 0)
				break;
		if (i == n_nodes)
			nodes[n_nodes++] = (struct node_peak){ptr, -1};
		if (!(bound <= nodes[i].bound))
			nodes[i].bound = bound;
	}
	if (worst < 0)
		worst = 0;
	for (i = 0; i < n_nodes; i++)
		json_array_append_new(arr, json_pack("{s:s,s:o,s:o}",
		    "pointer", nodes[i].pointer,
		    "peak_bound", real_or_null(nodes[i].bound),
		    "headroom_bits", real_or_null(headroom_bits(nodes[i].bound,
								 b->q))));
	free(nodes);
	/*
	 * Certified at this scale the inputs round onto the grid too, up to
	 * ε more, so the scale keeps ε spare (whatever this call's peak was
	 * rounded to), and a hair for the division's rounding; no input
	 * exceeds full scale.
	 */
	scale = (scale - b->eps) * (1 - 1e-12);
	scale = scale < 1 ? scale : 1;
	json_object_set_new(ov, "peak_bound", real_or_null(worst));
	json_object_set_new(ov, "headroom_bits",
			    real_or_null(headroom_bits(worst, b->q)));
	json_object_set_new(ov, "pointer", json_string(worst_ptr));
	json_object_set_new(ov, "max_input_peak",
			    scale > 0 && isfinite(scale) ? json_real(scale) :
			    json_null());
	json_object_set_new(ov, "nodes", arr);
	snprintf(r->pointer, sizeof r->pointer, "%s", worst_ptr);
	if (!(worst <= top)) {
		r->verdict = ADAC_NOT_CERTIFIED;
		if (scale > 0 && isfinite(scale))
			snprintf(r->reason, sizeof r->reason,
				 "may overflow: a sum may reach %s for inputs "
				 "up to %g; inputs up to %.6g fit",
				 adac_fmt_double(v, worst), peak, scale);
		else
			snprintf(r->reason, sizeof r->reason,
				 "may overflow: a sum may reach %s, and the "
				 "rounding alone may fill the word",
				 adac_fmt_double(v, worst));
		json_object_set_new(ov, "verdict", json_string("may-overflow"));
		json_object_set_new(lc, "verdict", json_string("indeterminate"));
		json_object_set_new(lc, "reason", json_string(
		    "the bound assumes no sum overflows, which is not proven"));
		return ADAC_OK;
	}
	r->verdict = ADAC_CERTIFIED_STABLE;
	snprintf(r->reason, sizeof r->reason,
		 "no sum overflows for inputs up to %g: %.2f bits of headroom",
		 peak, headroom_bits(worst, b->q));
	json_object_set_new(ov, "verdict", json_string("no-overflow"));
	json_object_set_new(lc, "verdict",
			    json_string(lsb < 1 ? "absent" : "bounded"));
	json_object_set_new(lc, "amplitude_bound_lsb", real_or_null(lsb));
	json_object_set_new(lc, "pointer", json_string(lsb_ptr));
	return ADAC_OK;
}

int
adac_fixbound(const struct adac_ir *ir, const struct adac_fixpoint *fx,
	      const struct adac_fixbound_opts *o,
	      struct adac_fixbound_result *r, json_t **out,
	      struct adac_error *err)
{
	struct adac_netlist *net = NULL;
	struct fb b;
	double peak = o != NULL && o->input_peak != 0 ? o->input_peak : 1;
	long budget = o != NULL && o->budget > 0 ? o->budget :
		      ADAC_FIXBOUND_BUDGET, n, n_in, step, n_err = 0;
	double *in_h = NULL, *err_h = NULL, *hb = NULL, *eb = NULL;
	json_t *obj = NULL, *ov = NULL, *lc = NULL;
	char name[32];
	int rc, s, w, sources;

	memset(&b, 0, sizeof b);
	memset(r, 0, sizeof *r);
	if (!(peak > 0 && peak <= 1))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "input peak %g is not in (0, 1]", peak);
	if ((rc = adac_fixpoint_netlist(ir, fx, &net, err)) != ADAC_OK)
		return rc;
	if ((rc = setup(&b, net, fx, err)) != ADAC_OK)
		goto out;
	obj = json_object();
	ov = json_object();
	lc = json_object();
	if (obj == NULL || ov == NULL || lc == NULL) {
		rc = nomem(err);
		goto out;
	}
	b.gamma = 0;
	if (b.too_big) {
		r->verdict = ADAC_INDETERMINATE;
		snprintf(r->reason, sizeof r->reason,
			 "%d delay lines and %d wires are more than the "
			 "fixed-point bound handles (%d lines, %g entries)",
			 b.nc, net->n_wires, ADAC_FIXBOUND_MAX_LINES,
			 (double)ADAC_FIXBOUND_MAX_ENTRIES);
		json_object_set_new(obj, "format", json_string(
		    adac_fixpoint_name(name, fx)));
		json_object_set_new(obj, "input_peak", json_real(peak));
		json_object_set_new(ov, "verdict",
				    json_string("indeterminate"));
		json_object_set_new(lc, "verdict",
				    json_string("indeterminate"));
		goto done;
	}
	if (b.nc > 0 && (rc = contraction(&b, err)) != ADAC_OK)
		goto out;
	json_object_set_new(obj, "format", json_string(
	    adac_fixpoint_name(name, fx)));
	json_object_set_new(obj, "input_peak", json_real(peak));
	json_object_set_new(obj, "lsb", json_real(b.q));
	json_object_set_new(obj, "contraction", json_pack(
	    "{s:o,s:I,s:s}", "gamma", real_or_null(b.gamma),
	    "longest_delay", (json_int_t)b.lmax,
	    "weights", "Osborne-balanced or unit, the smaller norm"));
	if (!(b.gamma < 1)) {
		r->verdict = ADAC_INDETERMINATE;
		snprintf(r->reason, sizeof r->reason,
			 "no weighting of the delay lines found in which the "
			 "network contracts (%g >= 1), so no peak could be "
			 "bounded", b.gamma);
		json_object_set_new(ov, "verdict",
				    json_string("indeterminate"));
		json_object_set_new(lc, "verdict",
				    json_string("indeterminate"));
		goto done;
	}
	tail_factors(&b);
	if ((rc = injection_energies(&b, err)) != ADAC_OK)
		goto out;
	/*
	 * Half the budget to the inputs' responses, which the overflow
	 * bound rests on, half to the rounding's, shared alike.
	 */
	sources = net->inputs + b.nl;
	for (s = 0; s < b.nl; s++)
		n_err += b.rounded[s] > 0;
	step = net->n_terms + net->n_prims + b.nc + 1;
	n_in = budget / 2 / ((long)net->inputs * step + 1);
	n = budget / 2 / ((long)n_err * step + 1);
	n_in = n_in > 2 * b.lmax + 1 ? n_in : 2 * b.lmax + 1;
	n = n > 2 * b.lmax + 1 ? n : 2 * b.lmax + 1;
	in_h = zalloc((size_t)net->n_wires, sizeof *in_h);
	err_h = zalloc((size_t)net->n_wires, sizeof *err_h);
	hb = zalloc((size_t)net->n_wires, sizeof *hb);
	eb = zalloc((size_t)net->n_wires, sizeof *eb);
	if (in_h == NULL || err_h == NULL || hb == NULL || eb == NULL) {
		rc = nomem(err);
		goto out;
	}
	for (s = 0; s < sources; s++) {
		double weight = 1;

		if (s >= net->inputs) {
			weight = b.rounded[s - net->inputs] * b.eps;
			if (weight == 0)
				continue;
		}
		if ((rc = response(&b, s, s < net->inputs ? n_in : n, hb, eb,
				   err)) != ADAC_OK)
			goto out;
		for (w = 0; w < net->n_wires; w++)
			if (s < net->inputs)
				in_h[w] = adac_bound_add(in_h[w], hb[w]);
			else
				err_h[w] = adac_bound_add(err_h[w],
				    adac_bound_mul(weight, hb[w]));
	}
	json_object_set_new(obj, "head_samples", json_pack("{s:I,s:I}",
	    "input", (json_int_t)b.head_in, "rounding", (json_int_t)b.head_err));
	/* inputs are rounded onto the grid too: half an LSB, or one */
	if ((rc = verdict(&b, in_h, err_h, peak,
			  peak + b.eps < 1 ? peak + b.eps : 1, r, ov, lc,
			  err)) != ADAC_OK)
		goto out;
done:
	json_object_set_new(obj, "verdict", json_string(
	    adac_verdict_name(r->verdict)));
	json_object_set_new(obj, "reason", json_string(r->reason));
	json_object_set(obj, "overflow", ov);
	json_object_set(obj, "limit_cycles", lc);
	*out = obj;
	obj = NULL;
out:
	json_decref(obj);
	json_decref(ov);
	json_decref(lc);
	free(in_h);
	free(err_h);
	free(hb);
	free(eb);
	fb_free(&b);
	adac_netlist_free(net);
	return rc;
}
