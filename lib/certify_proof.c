/*
 * certify_proof.c - proofs of instability for a loop small gain cannot
 * certify: a closed-loop pole on the real axis outside the unit circle,
 * and the symmetric (sign-keeping) case.
 */
#include "certify_impl.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "biquad.h"
#include "linalg.h"

/* --- proofs of instability ---------------------------------------------- */

/*
 * Real-axis argument: with every element of the loop stable, L(z) is
 * analytic for |z| >= 1, so det(I − L(z)) is a continuous real function of
 * real z in [1, ∞].  A sign change between z = 1 and z = ∞ puts a zero,
 * a closed-loop pole, on (1, ∞); the same on [−∞, −1].
 */
int
adac_cert_real_axis(struct ctx *c, struct loop *l, int *proof)
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
	case ADAC_OP_NONLINEAR:
	case ADAC_OP_MODDELAY:
		return 0;	/* no proof rests on it */
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
int
adac_cert_symmetric_proof(struct ctx *c, struct lwork *w, struct loop *l,
			  int *proof)
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
