/*
 * certify_loop.c - the analysis of one feedback loop: its elements in
 * order, the runs of constants that merge into a matrix, the small-gain
 * bound over every frequency (or factor by factor while a knob moves),
 * and what rounding of the coefficients can explain.
 */
#include "certify_impl.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allpass.h"
#include "biquad.h"
#include "linalg.h"

/* --- loops ------------------------------------------------------------- */

static int
loop_here(const struct adac_node *n, void *arg)
{
	struct ctx *c = arg;
	struct loop *l;

	if (n->op != ADAC_OP_FEEDBACK)
		return ADAC_OK;
	if (c->n_loops == c->cap_loops) {
		c->cap_loops = c->cap_loops ? 2 * c->cap_loops : 8;
		l = realloc(c->loops, c->cap_loops * sizeof *l);
		if (l == NULL)
			return nomem(c->err);
		c->loops = l;
	}
	memset(&c->loops[c->n_loops], 0, sizeof *c->loops);
	c->loops[c->n_loops++].node = n;
	return ADAC_OK;
}

int
adac_cert_collect_loops(struct ctx *c, const struct adac_node *n)
{
	return adac_ir_walk(n, loop_here, NULL, c);
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
struct uncertified {
	const struct ctx *c;
	const struct loop *found;
};

static int
uncertified_here(const struct adac_node *n, void *arg)
{
	struct uncertified *u = arg;
	const struct loop *l;

	if (n->op != ADAC_OP_FEEDBACK)
		return ADAC_OK;
	l = find_loop(u->c, n);
	if (l == NULL || l->verdict == ADAC_CERTIFIED_STABLE)
		return ADAC_OK;
	u->found = l;
	return 1;	/* stop */
}

const struct loop *
adac_cert_uncertified_inner(const struct ctx *c, const struct adac_node *n)
{
	struct uncertified u = {c, NULL};

	adac_ir_walk(n, uncertified_here, NULL, &u);
	return u.found;
}

int
adac_cert_flatten(struct ctx *c, struct lwork *w, const struct adac_node *n)
{
	const struct adac_node *path;
	struct elem *e;
	double g;
	int i, rc;

	/*
	 * An allpass lattice stays one element, bounded from its path's
	 * norm (of norm 1 when proven allpass: allpass.h) rather than by the
	 * product of its loop's and its split's.
	 */
	if (n->op == ADAC_OP_SERIES && !adac_allpass_lattice(n, &path, &g)) {
		for (i = 0; i < n->n_of; i++)
			if ((rc = adac_cert_flatten(c, w, n->of[i])) != ADAC_OK)
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
	e->diag = adac_cert_is_diag(n);
	e->cnst = adac_cert_is_const(n);
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

void
adac_cert_lwork_free(struct lwork *w)
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
		if ((l = adac_cert_leaf_of(c, n)) == NULL)
			return c->err->code;
		*val = l->val[ch];
		*rel = l->rel[ch];
		return ADAC_OK;
	case ADAC_OP_DELAY:
	case ADAC_OP_SOS:
	case ADAC_OP_FEEDBACK:
	case ADAC_OP_NONLINEAR:
	case ADAC_OP_MODDELAY:
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
		if (adac_cert_is_diag(n)) {
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
	case ADAC_OP_NONLINEAR:
	case ADAC_OP_MODDELAY:
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
			      adac_cert_frobenius(p, n));
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
		e->fro = adac_cert_frobenius(e->mat, k);
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
int
adac_cert_make_runs(struct ctx *c, struct lwork *w)
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
int
adac_cert_prepare(struct ctx *c, struct lwork *w)
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
		err = adac_bound_add(err, adac_bound_mul(
		    2 * (2 * c->u + relmax), adac_cert_frobenius(m, k)));
		rc = adac_cert_matrix_norm(c, m, e->rows, e->cols, err,
					   &(double){0}, &e->sigma_merged);
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
int
adac_cert_plain_fdn(struct ctx *c, struct lwork *w, struct loop *l)
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
	if ((rc = adac_cert_matrix_norm(c, m, n, n, err, &hat,
					&l->sigma_fdn)) ||
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
			v = adac_cert_chan_upper(c, e->node, j, xlo, xhi);
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

/* Multiply a factor into the product and merged candidates. */
static void
mul_factor(double cand[N_CAND], double product, double merged)
{
	cand[CAND_PRODUCT] = adac_bound_mul(cand[CAND_PRODUCT], product);
	cand[CAND_MERGED] = adac_bound_mul(cand[CAND_MERGED], merged);
}

/* The smallest candidate; one that is NaN never wins. */
static double
best_candidate(const double cand[N_CAND])
{
	double best = INFINITY;
	int k;

	for (k = 0; k < N_CAND; k++)
		if (cand[k] < best)
			best = cand[k];
	return best;
}

static double
loop_band(struct ctx *c, void *arg, double xlo, double xhi)
{
	struct loop_arg *a = arg;
	struct lwork *w = a->w;
	double cand[N_CAND] = {1, 1, INFINITY}, v;
	struct elem *e;
	int i;

	if (!run_products(c, w, a->run, xlo, xhi))
		return NAN;
	if (a->run >= 0)
		return run_factor(&w->r[a->run], a->cand == CAND_MERGED);
	for (i = 0; i < w->n_e; i++) {
		e = &w->e[i];
		if (e->diag)
			continue;
		if (e->cnst) {
			mul_factor(cand, e->sigma, e->sigma_merged);
		} else {
			v = adac_cert_block_upper(c, e->node, xlo, xhi, 0);
			if (v != v)
				return NAN;
			mul_factor(cand, v, v);
		}
	}
	for (i = 0; i < w->n_r; i++)
		mul_factor(cand, run_factor(&w->r[i], 0),
			   run_factor(&w->r[i], 1));
	if (a->l->plain)
		cand[CAND_FDN] = a->l->sigma_fdn;
	return a->cand >= 0 ? cand[a->cand] : best_candidate(cand);
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
			mul_factor(cand, e->sigma, e->sigma_merged);
			continue;
		}
		v = adac_cert_block_sup(c, e->node);
		if (v != v)
			return c->err->code != ADAC_OK ? c->err->code :
			       nomem(c->err);
		mul_factor(cand, v, v);
	}
	for (i = 0; i < w->n_r; i++) {
		for (k = CAND_PRODUCT; k <= CAND_MERGED; k++) {
			a.run = i;
			a.cand = k;
			if ((rc = adac_cert_bb_sup(c, loop_band, &a, c->grid,
						   &b)))
				return rc;
			l->bands += b.evals;
			cand[k] = adac_bound_mul(cand[k], b.upper);
		}
	}
	if (l->plain)
		cand[CAND_FDN] = l->sigma_fdn;
	*out = best_candidate(cand);
	return ADAC_OK;
}

int
adac_cert_bound_loop(struct ctx *c, struct lwork *w, struct loop *l)
{
	struct loop_arg a = {w, l, -1, -1};
	struct bb b;
	double ltv = INFINITY;
	int rc;

	if ((rc = adac_cert_bb_sup(c, loop_band, &a, c->grid, &b)) != ADAC_OK)
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
	case ADAC_OP_NONLINEAR:
	case ADAC_OP_MODDELAY:
		/* never in a loop decided by linear arguments; 0 widens
		 * no marginal band */
		return 0;
	case ADAC_OP_GAIN:
	case ADAC_OP_MATRIX:
		break;
	}
	if ((l = adac_cert_leaf_of(c, n)) == NULL)
		return 0;
	if (n->op == ADAC_OP_MATRIX && !adac_cert_is_diag(n))
		return l->sigma_hat > 0 ? c->u * l->fro / l->sigma_hat +
		       adac_bound_svd_margin(n->n_out, n->n_in) : 0;
	for (ch = 0; ch < n->n_in; ch++)
		worst = l->rel[ch] > worst ? l->rel[ch] : worst;
	return worst + c->u;
}

double
adac_cert_loop_excess(struct ctx *c, const struct lwork *w, double x)
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
int
adac_cert_lossless(const struct lwork *w, double tol)
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
int
adac_cert_report_matrices(struct ctx *c, struct lwork *w, struct loop *l)
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
