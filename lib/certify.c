#include "certify.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "linalg.h"

/*
 * How the certifier sees a loop.  y = forward(x + back(y)): a signal
 * leaving the loop's output goes through back, then forward, and returns.
 * Flattening series nodes gives the loop as a cyclic list of elements in
 * that processing order.  Elements that act channel by channel (delays,
 * gains, biquads, diagonal matrices) are "diagonal"; consecutive diagonal
 * elements form a run, and within a run they commute.  Every other
 * element is a constant matrix (matrix, or series/parallel of gains and
 * matrices) or a frequency-dependent block (a parallel of filters, a
 * nested loop), bounded by its own norm.
 */
enum { CAND_PRODUCT, CAND_MERGED, CAND_FDN, N_CAND };

struct elem {
	const struct adac_node *node;
	int diag, cnst;		/* acts channel-wise; independent of ω */
	int unit;		/* whole-sample delay: |value| = 1 always */
	int n;			/* channels (diagonal elements) */
	int run;		/* its run (diagonal elements) */
	double *cval;		/* value per channel, constant diagonals */
	double *cmag;		/* |cval| */
	double *mag;		/* |value| per channel at the current ω */
	double *q;		/* sos: rounded coefficients, as node->sos */
	double min_mag, max_mag;	/* over channels and the grid */
	double *mat;		/* constant non-diagonal: the real matrix */
	int rows, cols;
	double sigma, sigma_min;	/* of mat */
	double sigma_merged;	/* of mat with the constant runs absorbed */
};

struct run {
	int first, count;	/* elements first .. first+count-1, cyclic */
	int n;
	int absorbed_by;	/* element whose matrix absorbed its constants */
	double *cprod;		/* product of the constant elements' values */
	double *prod;		/* work: product at the current ω */
};

struct loop {
	const struct adac_node *node;
	enum adac_verdict verdict;
	char reason[ADAC_TEXT_MAX];
	char why_pointer[ADAC_POINTER_MAX];
	double bound, product, worst_omega;
	int have_bound;
	int plain;		/* a delay–gain–matrix FDN: sigma_fdn is exact */
	double sigma_fdn, rho_fdn, det_fdn;
	int equal_delays;	/* plain, and every line as long: fdn_delay */
	double fdn_delay;
	double mean_delay;
	int lossless, passive;
	double rho_dc, rho_nyquist;
	int have_rho;
	json_t *matrices;
};

struct ctx {
	const struct adac_ir *ir;
	struct adac_freq_opts fo;
	int grid;
	double tol;
	struct adac_error *err;
	struct loop *loops;
	int n_loops, cap_loops;
	json_t *biquads;
	/* the worst biquad: deciding when a pole is unstable */
	double worst_pole;
	char worst_pole_ptr[ADAC_POINTER_MAX];
	int worst_pole_section, worst_pole_channel;
	/* σ_max of matrix nodes met inside blocks, cached across the grid */
	const struct adac_node **cache_node;
	double *cache_sigma;
	int n_cache, cap_cache;
};

/* Trigonometry of one grid frequency, shared by every biquad. */
struct freq {
	double omega, c1, s1, c2, s2;
};

static void
freq_at(struct freq *f, double omega)
{
	f->omega = omega;
	f->c1 = cos(omega);
	f->s1 = sin(omega);
	f->c2 = cos(2 * omega);
	f->s2 = sin(2 * omega);
}

const char *
adac_verdict_name(enum adac_verdict v)
{
	switch (v) {
	case ADAC_CERTIFIED_STABLE: return "certified-stable";
	case ADAC_MARGINALLY_STABLE: return "marginally-stable";
	case ADAC_INDETERMINATE: return "indeterminate";
	case ADAC_NOT_CERTIFIED: return "not-certified";
	case ADAC_UNSTABLE: return "unstable";
	}
	return "unknown";
}

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
	default:
		return 0;
	}
}

/* |H(e^{jω})| of one biquad with rounded coefficients c. */
static double
biquad_mag(const struct ctx *c, const double *q, const struct freq *f)
{
	double b0 = adac_freq_round(&c->fo, q[0]);
	double b1 = adac_freq_round(&c->fo, q[1]);
	double b2 = adac_freq_round(&c->fo, q[2]);
	double a1 = adac_freq_round(&c->fo, q[3]);
	double a2 = adac_freq_round(&c->fo, q[4]);
	double nr = b0 + b1 * f->c1 + b2 * f->c2, ni = b1 * f->s1 + b2 * f->s2;
	double dr = 1 + a1 * f->c1 + a2 * f->c2, di = a1 * f->s1 + a2 * f->s2;

	return sqrt((nr * nr + ni * ni) / (dr * dr + di * di));
}

/* |value| of channel ch of a diagonal node at f. */
static double
diag_mag(const struct ctx *c, const struct adac_node *n, int ch,
	 const struct freq *f)
{
	double m, d, k, fr;
	int i, s;

	switch (n->op) {
	case ADAC_OP_DELAY:
		d = n->samples[ch];
		k = floor(d);
		fr = d - k;
		if (n->interp == ADAC_INTERP_NONE || fr == 0)
			return 1;
		/* |(1 − f) + f·e^{−jω}| */
		return sqrt((1 - fr) * (1 - fr) + fr * fr +
			    2 * fr * (1 - fr) * f->c1);
	case ADAC_OP_GAIN:
		return fabs(adac_freq_gain(n, ch, &c->fo));
	case ADAC_OP_SOS:
		m = 1;
		for (s = 0; s < n->n_sections; s++)
			m *= biquad_mag(c, n->sos + ((size_t)s * n->n_in + ch) * 5,
					f);
		return m;
	case ADAC_OP_MATRIX:
		return fabs(adac_freq_round(&c->fo,
					    n->data[(size_t)ch * n->n_in + ch]));
	case ADAC_OP_SERIES:
		m = 1;
		for (i = 0; i < n->n_of; i++)
			m *= diag_mag(c, n->of[i], ch, f);
		return m;
	case ADAC_OP_PARALLEL:
		for (i = 0; i < n->n_of; i++) {
			if (ch < n->of[i]->n_in)
				return diag_mag(c, n->of[i], ch, f);
			ch -= n->of[i]->n_in;
		}
		return 0;
	case ADAC_OP_FEEDBACK:
		break;
	}
	return INFINITY;
}

/* The signed value of channel ch of a constant diagonal node. */
static double
diag_value(const struct ctx *c, const struct adac_node *n, int ch)
{
	double v;
	int i;

	switch (n->op) {
	case ADAC_OP_GAIN:
		return adac_freq_gain(n, ch, &c->fo);
	case ADAC_OP_MATRIX:
		return adac_freq_round(&c->fo, n->data[(size_t)ch * n->n_in + ch]);
	case ADAC_OP_SERIES:
		v = 1;
		for (i = 0; i < n->n_of; i++)
			v *= diag_value(c, n->of[i], ch);
		return v;
	case ADAC_OP_PARALLEL:
		for (i = 0; i < n->n_of; i++) {
			if (ch < n->of[i]->n_in)
				return diag_value(c, n->of[i], ch);
			ch -= n->of[i]->n_in;
		}
		return 0;
	default:
		return NAN;	/* not constant: never asked */
	}
}

/* --- norms of blocks --------------------------------------------------- */

static int
matrix_sigma(struct ctx *c, const struct adac_node *n, double *out)
{
	const struct adac_node **cn;
	double *cs, *m;
	int i, rc;

	for (i = 0; i < c->n_cache; i++)
		if (c->cache_node[i] == n) {
			*out = c->cache_sigma[i];
			return ADAC_OK;
		}
	if (c->n_cache == c->cap_cache) {
		c->cap_cache = c->cap_cache ? 2 * c->cap_cache : 8;
		cn = realloc(c->cache_node, c->cap_cache * sizeof *cn);
		if (cn == NULL)
			return nomem(c->err);
		c->cache_node = cn;
		cs = realloc(c->cache_sigma, c->cap_cache * sizeof *cs);
		if (cs == NULL)
			return nomem(c->err);
		c->cache_sigma = cs;
	}
	m = malloc((size_t)n->n_out * n->n_in * sizeof *m);
	if (m == NULL)
		return nomem(c->err);
	for (i = 0; i < n->n_out * n->n_in; i++)
		m[i] = adac_freq_round(&c->fo, n->data[i]);
	rc = adac_linalg_norm2(m, n->n_out, n->n_in, out, c->err);
	free(m);
	if (rc != ADAC_OK)
		return rc;
	c->cache_node[c->n_cache] = n;
	c->cache_sigma[c->n_cache++] = *out;
	return ADAC_OK;
}

/*
 * An upper bound on σ_max(H(e^{jω})) of any node: exact for diagonal
 * nodes, matrices and nested loops; submultiplicative for series; for
 * parallel the block-norm inequalities (‖[A B]‖ ≤ √(‖A‖² + ‖B‖²),
 * ‖A + B‖ ≤ ‖A‖ + ‖B‖, ‖diag(A, B)‖ = max).
 */
static int
node_norm(struct ctx *c, const struct adac_node *n, const struct freq *f,
	  double *out)
{
	double v, acc, *h = NULL;
	int i, rc = ADAC_OK;

	if (is_diag(n)) {
		acc = 0;
		for (i = 0; i < n->n_in; i++) {
			v = diag_mag(c, n, i, f);
			if (v > acc)
				acc = v;
		}
		*out = acc;
		return ADAC_OK;
	}
	switch (n->op) {
	case ADAC_OP_MATRIX:
		return matrix_sigma(c, n, out);
	case ADAC_OP_SERIES:
		acc = 1;
		for (i = 0; i < n->n_of && rc == ADAC_OK; i++) {
			rc = node_norm(c, n->of[i], f, &v);
			acc *= v;
		}
		*out = acc;
		return rc;
	case ADAC_OP_PARALLEL:
		acc = 0;
		for (i = 0; i < n->n_of && rc == ADAC_OK; i++) {
			rc = node_norm(c, n->of[i], f, &v);
			if (n->in == ADAC_IN_SPLIT && n->out == ADAC_OUT_SUM)
				acc += v;
			else if (n->in == ADAC_IN_STACK &&
				 n->out == ADAC_OUT_STACK)
				acc = v > acc ? v : acc;
			else
				acc += v * v;
		}
		if ((n->in == ADAC_IN_SPLIT) != (n->out == ADAC_OUT_SUM))
			acc = sqrt(acc);
		*out = acc;
		return rc;
	case ADAC_OP_FEEDBACK:
		/* valid only because nested loops are certified first */
		h = malloc((size_t)n->n_out * n->n_in * 2 * sizeof *h);
		if (h == NULL)
			return nomem(c->err);
		rc = adac_freq_response(n, &c->fo, f->omega, h, c->err);
		if (rc == ADAC_E_NEGATIVE) {
			*out = INFINITY;
			rc = ADAC_OK;
		} else if (rc == ADAC_OK) {
			rc = adac_linalg_znorm2(h, n->n_out, n->n_in, out,
						c->err);
		}
		free(h);
		return rc;
	default:
		*out = INFINITY;	/* not reached: the rest are diagonal */
		return ADAC_OK;
	}
}

/* --- biquads ----------------------------------------------------------- */

/* Largest |root| of z² + a1·z + a2, computed without cancellation. */
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

static int
walk_sos(struct ctx *c, const struct adac_node *n)
{
	double r, worst = -1;
	int s, ch, ws = 0, wc = 0, i, rc;
	json_t *o;

	if (n->op == ADAC_OP_SOS) {
		for (s = 0; s < n->n_sections; s++)
			for (ch = 0; ch < n->n_in; ch++) {
				const double *q = n->sos +
					((size_t)s * n->n_in + ch) * 5;

				r = pole_radius(adac_freq_round(&c->fo, q[3]),
						adac_freq_round(&c->fo, q[4]));
				if (r > worst) {
					worst = r;
					ws = s;
					wc = ch;
				}
			}
		o = json_pack("{s:s,s:i,s:i,s:f}", "pointer", n->pointer,
			      "section", ws, "channel", wc, "pole_radius",
			      worst);
		if (o == NULL || json_array_append_new(c->biquads, o) != 0)
			return nomem(c->err);
		if (worst > c->worst_pole) {
			c->worst_pole = worst;
			snprintf(c->worst_pole_ptr, sizeof c->worst_pole_ptr,
				 "%s", n->pointer);
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

/* The largest pole radius of the biquads under n, and where. */
static double
max_pole_under(const struct ctx *c, const struct adac_node *n,
	       const char **where)
{
	double r, worst = 0;
	const char *w = NULL;
	int s, ch, i;

	if (n->op == ADAC_OP_SOS) {
		for (s = 0; s < n->n_sections; s++)
			for (ch = 0; ch < n->n_in; ch++) {
				const double *q = n->sos +
					((size_t)s * n->n_in + ch) * 5;

				r = pole_radius(adac_freq_round(&c->fo, q[3]),
						adac_freq_round(&c->fo, q[4]));
				if (r > worst)
					worst = r;
			}
		*where = n->pointer;
		return worst;
	}
	for (i = 0; i < n->n_of; i++) {
		r = max_pole_under(c, n->of[i], &w);
		if (r > worst) {
			worst = r;
			*where = w;
		}
	}
	if (n->op == ADAC_OP_FEEDBACK) {
		r = max_pole_under(c, n->forward, &w);
		if (r > worst) {
			worst = r;
			*where = w;
		}
		r = max_pole_under(c, n->back, &w);
		if (r > worst) {
			worst = r;
			*where = w;
		}
	}
	return worst;
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

struct lwork {
	struct elem *e;
	int n_e, cap_e;
	struct run *r;
	int n_r;
};

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
	e->min_mag = INFINITY;
	e->max_mag = 0;
	return ADAC_OK;
}

static void
lwork_free(struct lwork *w)
{
	int i;

	for (i = 0; i < w->n_e; i++) {
		free(w->e[i].cval);
		free(w->e[i].q);
		free(w->e[i].cmag);
		free(w->e[i].mag);
		free(w->e[i].mat);
	}
	for (i = 0; i < w->n_r; i++) {
		free(w->r[i].cprod);
		free(w->r[i].prod);
	}
	free(w->e);
	free(w->r);
}

/* Real matrix of a constant element (its response at z = 1). */
static int
const_matrix(struct ctx *c, struct elem *e)
{
	double *h;
	int i, rc, k = e->rows * e->cols;

	h = malloc((size_t)k * 2 * sizeof *h);
	e->mat = malloc((size_t)k * sizeof *e->mat);
	if (h == NULL || e->mat == NULL) {
		free(h);
		return nomem(c->err);
	}
	rc = adac_freq_response_z(e->node, &c->fo, 1, 0, h, c->err);
	for (i = 0; rc == ADAC_OK && i < k; i++)
		e->mat[i] = h[2 * i];
	free(h);
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
		r->prod = malloc((size_t)r->n * sizeof *r->prod);
		if (r->cprod == NULL || r->prod == NULL)
			return nomem(c->err);
		for (j = 0; j < r->n; j++)
			r->cprod[j] = 1;
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
 * Prepare the constant parts: magnitudes of constant diagonals, matrices
 * of constant blocks and their σ, and the merged matrices in which each
 * run's constant gains are absorbed into a neighbouring constant matrix
 * (σ(A·Γ) is often far below σ(A)·max|γ| when line gains differ).
 */
static int
prepare(struct ctx *c, struct lwork *w)
{
	struct freq f0;
	struct elem *e;
	struct run *r;
	double *m = NULL, *s = NULL;
	int i, j, k, rc = ADAC_OK;

	freq_at(&f0, 0);
	for (i = 0; i < w->n_e; i++) {
		e = &w->e[i];
		if (e->diag) {
			e->mag = malloc((size_t)e->n * sizeof *e->mag);
			if (e->mag == NULL)
				return nomem(c->err);
			if (e->node->op == ADAC_OP_SOS) {
				/* rounded once, not at each of 4097 frequencies */
				k = e->node->n_sections * e->n * 5;
				e->q = malloc((size_t)k * sizeof *e->q);
				if (e->q == NULL)
					return nomem(c->err);
				for (j = 0; j < k; j++)
					e->q[j] = adac_freq_round(&c->fo,
								  e->node->sos[j]);
			}
			if (!e->cnst)
				continue;
			e->cmag = malloc((size_t)e->n * sizeof *e->cmag);
			e->cval = malloc((size_t)e->n * sizeof *e->cval);
			if (e->cmag == NULL || e->cval == NULL)
				return nomem(c->err);
			for (j = 0; j < e->n; j++) {
				e->cval[j] = diag_value(c, e->node, j);
				e->cmag[j] = fabs(e->cval[j]);
				w->r[e->run].cprod[j] *= e->cmag[j];
				if (e->cmag[j] < e->min_mag)
					e->min_mag = e->cmag[j];
				if (e->cmag[j] > e->max_mag)
					e->max_mag = e->cmag[j];
			}
		} else if (e->cnst) {
			if ((rc = const_matrix(c, e)) != ADAC_OK)
				return rc;
			k = e->rows < e->cols ? e->rows : e->cols;
			s = malloc((size_t)(k > 0 ? k : 1) * sizeof *s);
			if (s == NULL)
				return nomem(c->err);
			rc = adac_linalg_svals(e->mat, e->rows, e->cols, s,
					       c->err);
			e->sigma = k > 0 ? s[0] : 0;
			e->sigma_min = k > 0 && e->rows == e->cols ? s[k - 1] : 0;
			free(s);
			s = NULL;
			if (rc != ADAC_OK)
				return rc;
			e->sigma_merged = e->sigma;
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
		m = malloc((size_t)e->rows * e->cols * sizeof *m);
		if (m == NULL)
			return nomem(c->err);
		memcpy(m, e->mat, (size_t)e->rows * e->cols * sizeof *m);
		for (j = 0; j < w->n_r; j++) {
			r = &w->r[j];
			if (r->absorbed_by != i)
				continue;
			if (elem_after(w, r) == i)	/* E·Γ: scale columns */
				for (k = 0; k < e->rows * e->cols; k++)
					m[k] *= r->cprod[k % e->cols];
			else				/* Γ·E: scale rows */
				for (k = 0; k < e->rows * e->cols; k++)
					m[k] *= r->cprod[k / e->cols];
		}
		rc = adac_linalg_norm2(m, e->rows, e->cols, &e->sigma_merged,
				       c->err);
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
 * σ_max(M) is the exact loop gain at every frequency, and the poles are
 * the roots of det(diag(z^mᵢ) − M), a monic polynomial of degree Σmᵢ whose
 * constant term is ±det M: the poles multiply to |det M|.
 */
static int
plain_fdn(struct ctx *c, struct lwork *w, struct loop *l)
{
	int i, j, k, a, b, run = -1, n, rows, rc = ADAC_OK, equal = 1;
	double *tot = NULL, *m = NULL, *t = NULL, sum;
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
	m = malloc((size_t)n * n * sizeof *m);
	if (tot == NULL || m == NULL) {
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
	for (j = 0; j < n * n; j++)
		m[j] = 0;
	for (j = 0; j < n; j++) {
		m[j * n + j] = 1;
		for (i = 0; i < w->n_e; i++)
			if (w->e[i].run == run && w->e[i].cnst)
				m[j * n + j] *= w->e[i].cval[j];
	}
	rows = n;
	for (k = 1; k < w->n_e; k++) {
		i = (r->first + r->count - 1 + k) % w->n_e;
		e = &w->e[i];
		if (e->run == run)
			break;
		if (e->diag) {
			for (j = 0; j < rows * n; j++)
				m[j] *= e->cval[j / n];
			continue;
		}
		t = malloc((size_t)e->rows * n * sizeof *t);
		if (t == NULL) {
			rc = nomem(c->err);
			goto out;
		}
		for (a = 0; a < e->rows; a++)
			for (b = 0; b < n; b++) {
				sum = 0;
				for (j = 0; j < e->cols; j++)
					sum += e->mat[a * e->cols + j] *
					       m[j * n + b];
				t[a * n + b] = sum;
			}
		free(m);
		m = t;
		t = NULL;
		rows = e->rows;
	}
	if (rows != n)
		goto out;	/* cannot happen in a valid IR */
	if ((rc = adac_linalg_norm2(m, n, n, &l->sigma_fdn, c->err)) ||
	    (rc = adac_linalg_spectral_radius(m, n, &l->rho_fdn, c->err)) ||
	    (rc = adac_linalg_det(m, n, &l->det_fdn, c->err)))
		goto out;
	l->plain = 1;
	l->equal_delays = equal;
	l->fdn_delay = tot[0];
out:
	free(tot);
	free(m);
	free(t);
	return rc;
}

/* |H(e^{jω})| of channel ch of a cascade with rounded coefficients q. */
static double
sos_mag(const double *q, int sections, int n, int ch, const struct freq *f)
{
	double num = 1, den = 1, nr, ni, dr, di;
	const double *c;
	int s;

	for (s = 0; s < sections; s++) {
		c = q + ((size_t)s * n + ch) * 5;
		nr = c[0] + c[1] * f->c1 + c[2] * f->c2;
		ni = c[1] * f->s1 + c[2] * f->s2;
		dr = 1 + c[3] * f->c1 + c[4] * f->c2;
		di = c[3] * f->s1 + c[4] * f->s2;
		num *= nr * nr + ni * ni;
		den *= dr * dr + di * di;
	}
	return sqrt(num / den);
}

/* The three bounds at one frequency; the loop's bound is their minimum. */
static int
eval_at(struct ctx *c, struct lwork *w, struct loop *l, const struct freq *f,
	int track, double cand[N_CAND])
{
	double prod = 1, merged = 1, v, mp, mm;
	struct elem *e;
	struct run *r;
	int i, j, rc;

	for (i = 0; i < w->n_r; i++)
		for (j = 0; j < w->r[i].n; j++)
			w->r[i].prod[j] = 1;
	for (i = 0; i < w->n_e; i++) {
		e = &w->e[i];
		if (e->diag) {
			if (e->cnst)
				continue;
			for (j = 0; j < e->n; j++) {
				v = e->unit ? 1 : e->q != NULL ?
				    sos_mag(e->q, e->node->n_sections, e->n, j, f) :
				    diag_mag(c, e->node, j, f);
				w->r[e->run].prod[j] *= v;
				if (track && v < e->min_mag)
					e->min_mag = v;
				if (track && v > e->max_mag)
					e->max_mag = v;
			}
		} else if (e->cnst) {
			prod *= e->sigma;
			merged *= e->sigma_merged;
		} else {
			if ((rc = node_norm(c, e->node, f, &v)) != ADAC_OK)
				return rc;
			prod *= v;
			merged *= v;
		}
	}
	for (i = 0; i < w->n_r; i++) {
		r = &w->r[i];
		mp = mm = 0;
		for (j = 0; j < r->n; j++) {
			v = r->prod[j] * r->cprod[j];
			if (v > mp)
				mp = v;
			v = r->absorbed_by >= 0 ? r->prod[j] : v;
			if (v > mm)
				mm = v;
		}
		prod *= mp;
		merged *= mm;
	}
	cand[CAND_PRODUCT] = prod;
	cand[CAND_MERGED] = merged;
	cand[CAND_FDN] = l->plain ? l->sigma_fdn : INFINITY;
	return ADAC_OK;
}

static double
min3(const double *v)
{
	double m = v[0];

	if (v[1] < m)
		m = v[1];
	if (v[2] < m)
		m = v[2];
	return m;
}

/* True when the loop's bound depends on frequency. */
static int
varies(const struct lwork *w)
{
	int i;

	for (i = 0; i < w->n_e; i++)
		if (!w->e[i].cnst && !w->e[i].unit)
			return 1;
	return 0;
}

/*
 * The maximum over the grid ω_k = πk/N, k = 0..N, refined around the
 * largest local maxima (a narrow peak between two grid points would
 * otherwise be missed).
 */
static int
sweep(struct ctx *c, struct lwork *w, struct loop *l)
{
	enum { PEAKS = 8, ZOOMS = 10 };
	int n = varies(w) ? c->grid : 0, k, i, p, rc = ADAC_OK;
	int peak[PEAKS], n_peak = 0;
	double *b = NULL, cand[N_CAND], v, centre, mid, best, h;
	int z;
	struct freq f;

	b = malloc(((size_t)n + 1) * sizeof *b);
	if (b == NULL)
		return nomem(c->err);
	l->bound = -1;
	l->product = -1;
	for (k = 0; k <= n; k++) {
		freq_at(&f, n > 0 ? M_PI * k / n : 0);
		if ((rc = eval_at(c, w, l, &f, 1, cand)) != ADAC_OK)
			goto out;
		b[k] = min3(cand);
		if (b[k] > l->bound) {
			l->bound = b[k];
			l->worst_omega = f.omega;
		}
		if (cand[CAND_PRODUCT] > l->product)
			l->product = cand[CAND_PRODUCT];
	}
	/* the PEAKS largest local maxima, kept sorted by insertion */
	for (k = 0; k <= n && n > 0; k++) {
		if ((k > 0 && b[k - 1] > b[k]) || (k < n && b[k + 1] > b[k]))
			continue;
		if (n_peak == PEAKS && b[peak[PEAKS - 1]] >= b[k])
			continue;
		i = n_peak < PEAKS ? n_peak++ : PEAKS - 1;
		for (; i > 0 && b[peak[i - 1]] < b[k]; i--)
			peak[i] = peak[i - 1];
		peak[i] = k;
	}
	/*
	 * Zoom into each peak: 17 points across ±h around the best so far,
	 * h shrinking fourfold ZOOMS times, from one grid step down to
	 * 4⁻⁹·π/n (about 3e-9 rad at n = 4096): enough to resolve the
	 * resonance of a pole at radius 1 − 1e-6.
	 */
	for (p = 0; p < n_peak; p++) {
		centre = M_PI * peak[p] / n;
		best = b[peak[p]];
		for (h = M_PI / n, z = 0; z < ZOOMS; z++, h /= 4) {
			mid = centre;
			for (i = -8; i <= 8; i++) {
				v = mid + h * i / 8;
				if (i == 0 || v < 0 || v > M_PI)
					continue;
				freq_at(&f, v);
				if ((rc = eval_at(c, w, l, &f, 0, cand)) != ADAC_OK)
					goto out;
				if (min3(cand) > best) {
					best = min3(cand);
					centre = v;
				}
				if (min3(cand) > l->bound) {
					l->bound = min3(cand);
					l->worst_omega = v;
				}
				if (cand[CAND_PRODUCT] > l->product)
					l->product = cand[CAND_PRODUCT];
			}
		}
	}
	l->have_bound = 1;
out:
	free(b);
	return rc;
}

/*
 * Passive: no element amplifies by more than 1 + tol at any grid
 * frequency, so nothing in the loop can grow beyond rounding.  Lossless:
 * every element is also within tol of unitary (an orthogonal matrix with
 * unit gains).
 */
static int
passive(const struct ctx *c, const struct lwork *w)
{
	const struct elem *e;
	int i;

	for (i = 0; i < w->n_e; i++) {
		e = &w->e[i];
		if (e->diag ? !e->unit && e->max_mag > 1 + c->tol :
		    !e->cnst || e->sigma > 1 + c->tol)
			return 0;
	}
	return 1;
}

static int
lossless(const struct ctx *c, const struct lwork *w)
{
	const struct elem *e;
	int i;

	for (i = 0; i < w->n_e; i++) {
		e = &w->e[i];
		if (e->diag) {
			if (e->unit)
				continue;
			if (e->min_mag < 1 - c->tol || e->max_mag > 1 + c->tol)
				return 0;
		} else if (e->cnst) {
			if (e->rows != e->cols || e->sigma > 1 + c->tol ||
			    e->sigma_min < 1 - c->tol)
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
		/* a dense matrix element has its σ from prepare() already */
		if (!w->e[i].diag)
			sigma = w->e[i].sigma;
		else
			rc = adac_linalg_norm2(m, n->n_out, n->n_in, &sigma,
					       c->err);
		o = json_pack("{s:s,s:f}", "pointer", n->pointer, "sigma_max",
			      sigma);
		if (rc == ADAC_OK && o != NULL && n->n_out == n->n_in) {
			rc = adac_linalg_spectral_radius(m, n->n_in, &rho,
							 c->err);
			if (rc == ADAC_OK)
				rc = adac_linalg_unitarity_error(m, n->n_in,
								 &unit, c->err);
			if (rc == ADAC_OK) {
				json_object_set_new(o, "spectral_radius",
						    json_real(rho));
				json_object_set_new(o, "unitarity_error",
						    json_real(unit));
			}
		}
		free(m);
		if (o == NULL || json_array_append_new(l->matrices, o) != 0)
			return nomem(c->err);
	}
	return rc;
}

/*
 * Real-axis argument: with every element of the loop stable, L(z) is
 * analytic for |z| ≥ 1, so det(I − L(z)) is a continuous real function of
 * real z in [1, ∞].  A sign change between z = 1 and z = ∞ puts a zero,
 * a closed-loop pole, on (1, ∞); the same on [−∞, −1].
 */
static int
real_axis(struct ctx *c, struct loop *l, int *proof, char *why, size_t nwhy)
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
	l->have_rho = 1;
	/* a sign is trusted only well away from rounding noise */
	if (fabs(d[0]) > 1e-9 && fabs(d[2]) > 1e-9 && (d[0] < 0) != (d[2] < 0)) {
		*proof = 1;
		snprintf(why, nwhy, "det(I - L(z)) changes sign between z = 1 and z = infinity (%.12g, %.12g): a real pole z > 1",
			 d[0], d[2]);
	} else if (fabs(d[1]) > 1e-9 && fabs(d[2]) > 1e-9 &&
		   (d[1] < 0) != (d[2] < 0)) {
		*proof = 1;
		snprintf(why, nwhy, "det(I - L(z)) changes sign between z = -1 and z = -infinity (%.12g, %.12g): a real pole z < -1",
			 d[1], d[2]);
	}
out:
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
	int s, k, nr;

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
			const double *q = n->sos + ((size_t)s * n->n_in + ch) * 5;

			b0 = adac_freq_round(&c->fo, q[0]);
			b1 = adac_freq_round(&c->fo, q[1]);
			b2 = adac_freq_round(&c->fo, q[2]);
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
	default:
		return 0;
	}
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
symmetric_proof(struct ctx *c, struct lwork *w, int *proof, char *why,
		size_t nwhy)
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
			snprintf(why, nwhy,
				 "the loop is symmetric up to signs, so L(z) has real eigenvalues for real z; the largest is %.12g at z = %d and %.12g at z = %sinfinity: a real pole %s",
				 lam1, sgn, laminf, sgn > 0 ? "" : "-",
				 sgn > 0 ? "z > 1" : "z < -1");
		}
	}
out:
	free(d1);
	free(dinf);
	free(h);
	return rc;
}

static void
set_verdict(struct loop *l, enum adac_verdict v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
set_verdict(struct loop *l, enum adac_verdict v, const char *fmt, ...)
{
	va_list ap;

	l->verdict = v;
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

static int
analyze_loop(struct ctx *c, struct loop *l)
{
	const struct adac_node *n = l->node;
	const struct loop *inner;
	struct lwork w = {0};
	const char *where = NULL;
	double r;
	int rc, proof;

	inner = uncertified_inner(c, n->forward);
	if (inner == NULL)
		inner = uncertified_inner(c, n->back);
	if (inner != NULL) {
		set_verdict(l, ADAC_NOT_CERTIFIED,
			    "contains the loop %s, which is %s, so its response has no bound to use",
			    inner->node->pointer,
			    adac_verdict_name(inner->verdict));
		return ADAC_OK;
	}
	if ((rc = flatten(c, &w, n->back)) != ADAC_OK ||
	    (rc = flatten(c, &w, n->forward)) != ADAC_OK ||
	    (rc = make_runs(c, &w)) != ADAC_OK ||
	    (rc = prepare(c, &w)) != ADAC_OK ||
	    (rc = plain_fdn(c, &w, l)) != ADAC_OK ||
	    (rc = report_matrices(c, &w, l)) != ADAC_OK)
		goto out;
	l->mean_delay = mean_delay(&w);
	r = max_pole_under(c, n, &where);
	if (r >= 1) {
		set_verdict(l, ADAC_UNSTABLE,
			    "the biquad %s in the loop has a pole of radius %.12g >= 1",
			    where, r);
		goto out;
	}
	if ((rc = sweep(c, &w, l)) != ADAC_OK)
		goto out;
	l->lossless = lossless(c, &w);
	l->passive = passive(c, &w);
	if (!isfinite(l->bound)) {
		l->have_bound = 0;
		set_verdict(l, ADAC_NOT_CERTIFIED,
			    "the loop's gain has no finite bound");
		goto out;
	}
	if (l->bound < 1 - c->tol) {
		set_verdict(l, ADAC_CERTIFIED_STABLE,
			    "small-gain bound %.12g < 1 - %g at every frequency",
			    l->bound, c->tol);
		goto out;
	}
	if (l->passive && l->bound <= 1 + c->tol) {
		set_verdict(l, ADAC_MARGINALLY_STABLE,
			    "%s within %g: the bound is %.12g, worst at %.6g Hz, and no element amplifies beyond rounding",
			    l->lossless ? "lossless" : "passive", c->tol,
			    l->bound, l->worst_omega * c->fo.fs_hz / (2 * M_PI));
		goto out;
	}
	if (l->plain && fabs(l->det_fdn) > 1 + 1e-9) {
		set_verdict(l, ADAC_UNSTABLE,
			    "the loop's poles multiply to |det(A*Gamma)| = %.12g > 1",
			    fabs(l->det_fdn));
		goto out;
	}
	if (l->plain && l->equal_delays && l->rho_fdn > 1 + 1e-9) {
		set_verdict(l, ADAC_UNSTABLE,
			    "every line is %.17g samples long, so the poles are roots of eigenvalues of A*Gamma, and its spectral radius %.12g > 1",
			    l->fdn_delay, l->rho_fdn);
		goto out;
	}
	if ((rc = real_axis(c, l, &proof, l->reason, sizeof l->reason)))
		goto out;
	if (!proof && (rc = symmetric_proof(c, &w, &proof, l->reason,
					    sizeof l->reason)))
		goto out;
	if (proof) {
		l->verdict = ADAC_UNSTABLE;
		goto out;
	}
	set_verdict(l, ADAC_INDETERMINATE,
		    "small-gain bound %.12g >= 1 - %g and no proof of instability",
		    l->bound, c->tol);
out:
	lwork_free(&w);
	return rc;
}

/* --- the certificate --------------------------------------------------- */

static json_t *
real_or_null(int have, double x)
{
	return have && isfinite(x) ? json_real(x) : json_null();
}

static json_t *
loop_json(const struct ctx *c, const struct loop *l)
{
	json_t *o;
	double t60;

	o = json_pack("{s:s,s:s,s:s,s:o,s:o}", "pointer", l->node->pointer,
		      "verdict", adac_verdict_name(l->verdict), "reason",
		      l->reason, "bound", real_or_null(l->have_bound, l->bound),
		      "product_of_norms",
		      real_or_null(l->have_bound, l->product));
	if (o == NULL)
		return NULL;
	if (l->have_bound) {
		json_object_set_new(o, "worst_hz", json_real(l->worst_omega *
							     c->fo.fs_hz /
							     (2 * M_PI)));
		json_object_set_new(o, "lossless", json_boolean(l->lossless));
		json_object_set_new(o, "passive", json_boolean(l->passive));
	}
	if (l->plain) {
		json_object_set_new(o, "sigma_max_AGamma",
				    json_real(l->sigma_fdn));
		json_object_set_new(o, "spectral_radius_AGamma",
				    json_real(l->rho_fdn));
		json_object_set_new(o, "det_AGamma", json_real(l->det_fdn));
	}
	if (l->have_rho) {
		json_object_set_new(o, "dc_spectral_radius",
				    json_real(l->rho_dc));
		json_object_set_new(o, "nyquist_spectral_radius",
				    json_real(l->rho_nyquist));
	}
	json_object_set_new(o, "mean_delay_samples", json_real(l->mean_delay));
	/* T60 ≈ −3·m̄/(fs·log10 g): the bound g shrinks a signal per pass */
	if (l->have_bound && l->bound > 0 && l->bound < 1 && l->mean_delay > 0) {
		t60 = -3 * l->mean_delay / (c->fo.fs_hz * log10(l->bound));
		json_object_set_new(o, "t60_estimate_s", json_real(t60));
	}
	json_object_set_new(o, "matrices", l->matrices != NULL ?
			    json_incref(l->matrices) : json_array());
	return o;
}

static json_t *
controls_json(const struct ctx *c)
{
	const struct adac_control *ctl;
	json_t *a = json_array(), *o;
	int i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < c->ir->n_controls; i++) {
		ctl = &c->ir->controls[i];
		o = json_pack("{s:s,s:f,s:f}", "name", ctl->name, "min",
			      ctl->min, "max", ctl->max);
		if (o == NULL) {
			json_decref(a);
			return NULL;
		}
		if (strcmp(ctl->name, "rt60") == 0) {
			json_object_set_new(o, "worst", json_real(ctl->max));
			json_object_set_new(o, "why", json_string(
				"every decay gain grows with T60 and every bound grows with each gain"));
		} else {
			json_object_set_new(o, "why", json_string(
				"acts outside every loop"));
		}
		json_array_append_new(a, o);
	}
	return a;
}

static void
ctx_free(struct ctx *c)
{
	int i;

	for (i = 0; i < c->n_loops; i++)
		json_decref(c->loops[i].matrices);
	free(c->loops);
	json_decref(c->biquads);
	free(c->cache_node);
	free(c->cache_sigma);
}

int
adac_certify(const struct adac_ir *ir, const struct adac_certify_opts *o,
	     json_t **cert, enum adac_verdict *verdict, struct adac_error *err)
{
	struct ctx c = {0};
	const struct adac_control *rt60 = adac_ir_control(ir, "rt60");
	const struct loop *deciding = NULL, *widest = NULL;
	enum adac_verdict v = ADAC_CERTIFIED_STABLE;
	char hex[65], reason[ADAC_TEXT_MAX], pointer[ADAC_POINTER_MAX];
	json_t *out = NULL, *loops = NULL, *controls = NULL, *x;
	double bound = 0;
	int i, rc;

	c.ir = ir;
	c.err = err;
	c.fo.precision = o->precision;
	c.fo.fs_hz = ir->fs_hz;
	/* gains grow with T60: the largest T60 is the worst case */
	c.fo.rt60_s = rt60 != NULL ? rt60->max : 1;
	c.grid = o->grid > 0 ? o->grid : ADAC_CERTIFY_GRID;
	c.tol = o->tol >= 0 ? o->tol :
		o->precision == ADAC_PRECISION_DOUBLE ?
		ADAC_CERTIFY_TOL_DOUBLE : ADAC_CERTIFY_TOL_FLOAT32;
	if (c.grid > (1 << 20))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "grid of %d intervals is larger than %d",
				      c.grid, 1 << 20);
	if (!(c.tol < 0.5))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "tolerance %g is not below 0.5", c.tol);
	c.worst_pole = -1;
	c.biquads = json_array();
	if (c.biquads == NULL) {
		rc = nomem(err);
		goto out;
	}
	if ((rc = walk_sos(&c, ir->graph)) != ADAC_OK ||
	    (rc = collect_loops(&c, ir->graph)) != ADAC_OK)
		goto out;
	/* inner loops before the loops around them: reverse pre-order */
	for (i = c.n_loops - 1; i >= 0; i--)
		if ((rc = analyze_loop(&c, &c.loops[i])) != ADAC_OK)
			goto out;
	snprintf(pointer, sizeof pointer, "%s", ir->graph->pointer);
	snprintf(reason, sizeof reason, "%s",
		 c.n_loops == 0 ? "no feedback loop and every biquad pole is inside the unit circle" :
		 "every loop's small-gain bound is below 1 - tolerance");
	if (c.worst_pole >= 1) {
		v = ADAC_UNSTABLE;
		snprintf(pointer, sizeof pointer, "%s", c.worst_pole_ptr);
		snprintf(reason, sizeof reason,
			 "biquad pole of radius %.12g >= 1 (section %d, channel %d)",
			 c.worst_pole, c.worst_pole_section,
			 c.worst_pole_channel);
	}
	for (i = 0; i < c.n_loops; i++) {
		if (c.loops[i].verdict > v) {
			v = c.loops[i].verdict;
			deciding = &c.loops[i];
		}
		if (c.loops[i].have_bound && c.loops[i].bound >= bound) {
			bound = c.loops[i].bound;
			widest = &c.loops[i];
		}
	}
	if (deciding == NULL && v == ADAC_CERTIFIED_STABLE && widest != NULL)
		deciding = widest;
	if (deciding != NULL) {
		snprintf(pointer, sizeof pointer, "%s", deciding->node->pointer);
		snprintf(reason, sizeof reason, "%s", deciding->reason);
	}
	if ((rc = adac_ir_hash(ir, hex, err)) != ADAC_OK)
		goto out;
	loops = json_array();
	if (loops == NULL) {
		rc = nomem(err);
		goto out;
	}
	for (i = 0; i < c.n_loops; i++) {
		x = loop_json(&c, &c.loops[i]);
		if (x == NULL || json_array_append_new(loops, x) != 0) {
			rc = nomem(err);
			goto out;
		}
	}
	controls = controls_json(&c);
	if (controls == NULL) {
		rc = nomem(err);
		goto out;
	}
	out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:f,s:o,s:o,s:O,s:O,s:O,s:s,s:s}",
			"verdict", adac_verdict_name(v), "reason", reason,
			"pointer", pointer, "method", "small-gain",
			"precision", adac_precision_name(o->precision),
			"grid", c.grid + 1, "tolerance", c.tol, "bound",
			/* loops, but none with a bound: there is no figure */
			c.n_loops > 0 && widest == NULL ? json_null() :
			json_real(bound),
			"margin_db",
			bound > 0 ? json_real(0.0 - 20 * log10(bound)) : json_null(),
			"loops", loops, "biquads", c.biquads, "controls",
			controls, "hash", hex, "version",
			ADAC_CERTIFY_VERSION);
	if (out == NULL) {
		rc = nomem(err);
		goto out;
	}
	if (cert != NULL) {
		*cert = out;
		out = NULL;
	}
	if (verdict != NULL)
		*verdict = v;
out:
	json_decref(out);
	json_decref(loops);
	json_decref(controls);
	ctx_free(&c);
	return rc;
}

int
adac_certify_attach(struct adac_ir *ir, json_t *cert, struct adac_error *err)
{
	if (json_object_set(ir->json, "certificate", cert) != 0)
		return nomem(err);
	return ADAC_OK;
}

static int
check(const struct adac_ir *ir, const enum adac_precision *precision,
      struct adac_error *err)
{
	const json_t *cert = json_object_get(ir->json, "certificate");
	const char *v, *h, *p;
	char hex[65];
	int rc;

	if (cert == NULL)
		return adac_error_set(err, ADAC_E_NEGATIVE, "/certificate",
				      "no certificate; run adac-certify first");
	h = json_string_value(json_object_get(cert, "hash"));
	if ((rc = adac_ir_hash(ir, hex, err)) != ADAC_OK)
		return rc;
	if (h == NULL || strcmp(h, hex) != 0)
		return adac_error_set(err, ADAC_E_NEGATIVE, "/certificate/hash",
				      "certificate is stale; rerun adac-certify");
	v = json_string_value(json_object_get(cert, "verdict"));
	if (v == NULL || (strcmp(v, "certified-stable") != 0 &&
			  strcmp(v, "marginally-stable") != 0))
		return adac_error_set(err, ADAC_E_NEGATIVE,
				      "/certificate/verdict",
				      "certificate verdict is '%s'",
				      v != NULL ? v : "missing");
	if (precision == NULL)
		return ADAC_OK;
	p = json_string_value(json_object_get(cert, "precision"));
	if (p == NULL || strcmp(p, adac_precision_name(*precision)) != 0)
		return adac_error_set(err, ADAC_E_NEGATIVE,
				      "/certificate/precision",
				      "certificate holds for %s values; rerun adac-certify --precision %s",
				      p != NULL ? p : "unknown",
				      adac_precision_name(*precision));
	return ADAC_OK;
}

int
adac_certify_check(const struct adac_ir *ir, struct adac_error *err)
{
	return check(ir, NULL, err);
}

int
adac_certify_check_precision(const struct adac_ir *ir,
			     enum adac_precision precision,
			     struct adac_error *err)
{
	return check(ir, &precision, err);
}

static double
num(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

char *
adac_certify_summary(const json_t *cert)
{
	struct adac_buf b = {0};
	const json_t *l, *m, *q;
	const char *verdict = json_string_value(json_object_get(cert, "verdict"));
	size_t i, j;
	double bound = num(cert, "bound");

	adac_buf_printf(&b, "verdict: %s\n", verdict != NULL ? verdict : "?");
	adac_buf_printf(&b, "  at %s: %s\n",
			json_string_value(json_object_get(cert, "pointer")),
			json_string_value(json_object_get(cert, "reason")));
	adac_buf_printf(&b, "checked: %s values, %lld frequencies, tolerance %g\n",
			json_string_value(json_object_get(cert, "precision")),
			(long long)json_integer_value(json_object_get(cert, "grid")),
			num(cert, "tolerance"));
	if (json_is_number(json_object_get(cert, "margin_db")))
		adac_buf_printf(&b, "bound: %.12g (margin %.4g dB)\n", bound,
				num(cert, "margin_db"));
	else if (json_is_null(json_object_get(cert, "bound")))
		adac_buf_printf(&b, "bound: none (no loop could be bounded)\n");
	else
		adac_buf_printf(&b, "bound: none (no feedback loop)\n");
	json_array_foreach(json_object_get(cert, "loops"), i, l) {
		adac_buf_printf(&b, "loop %s: %s",
				json_string_value(json_object_get(l, "pointer")),
				json_string_value(json_object_get(l, "verdict")));
		if (json_is_number(json_object_get(l, "bound")))
			adac_buf_printf(&b, ", bound %.12g", num(l, "bound"));
		if (json_is_number(json_object_get(l, "sigma_max_AGamma")))
			adac_buf_printf(&b, ", sigma_max(A*Gamma) %.12g",
					num(l, "sigma_max_AGamma"));
		adac_buf_printf(&b, ", mean delay %.6g samples",
				num(l, "mean_delay_samples"));
		if (json_is_number(json_object_get(l, "t60_estimate_s")))
			adac_buf_printf(&b, ", estimated T60 %.3g s",
					num(l, "t60_estimate_s"));
		adac_buf_puts(&b, "\n");
		json_array_foreach(json_object_get(l, "matrices"), j, m) {
			adac_buf_printf(&b, "  matrix %s: sigma_max %.12g",
					json_string_value(json_object_get(m, "pointer")),
					num(m, "sigma_max"));
			if (json_is_number(json_object_get(m, "spectral_radius")))
				adac_buf_printf(&b, ", spectral radius %.12g, unitarity error %.3g",
						num(m, "spectral_radius"),
						num(m, "unitarity_error"));
			adac_buf_puts(&b, "\n");
		}
	}
	json_array_foreach(json_object_get(cert, "biquads"), i, q)
		adac_buf_printf(&b, "biquads %s: largest pole radius %.12g (section %lld, channel %lld)\n",
				json_string_value(json_object_get(q, "pointer")),
				num(q, "pole_radius"),
				(long long)json_integer_value(json_object_get(q, "section")),
				(long long)json_integer_value(json_object_get(q, "channel")));
	json_array_foreach(json_object_get(cert, "controls"), i, q) {
		if (json_is_number(json_object_get(q, "worst")))
			adac_buf_printf(&b, "control %s: checked at %g, the worst of %g to %g\n",
					json_string_value(json_object_get(q, "name")),
					num(q, "worst"), num(q, "min"), num(q, "max"));
		else
			adac_buf_printf(&b, "control %s: %s\n",
					json_string_value(json_object_get(q, "name")),
					json_string_value(json_object_get(q, "why")));
	}
	return adac_buf_take(&b);
}
