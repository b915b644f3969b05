#include "bound.h"

#include <math.h>

/*
 * Double-word ("double-double") arithmetic: a value is hi + lo with
 * |lo| <= u·|hi|.  The algorithms and their error bounds are those of
 * Joldes, Muller and Popescu, "Tight and rigorous error bounds for basic
 * building blocks of double-word arithmetic", ACM TOMS 44(2), 2017:
 * DWPlusDW (accurate) within 3u², DWTimesFP within 2u², DWTimesDW within
 * 5u² of the exact result, relative.  They need fma, which C99 provides
 * correctly rounded.
 */
struct dw {
	double hi, lo;
};

#define U ADAC_U_DOUBLE

static struct dw
fast_two_sum(double a, double b)	/* |a| >= |b| */
{
	struct dw r;
	double z;

	r.hi = a + b;
	z = r.hi - a;
	r.lo = b - z;
	return r;
}

static struct dw
two_sum(double a, double b)
{
	struct dw r;
	double a1, b1;

	r.hi = a + b;
	a1 = r.hi - b;
	b1 = r.hi - a1;
	r.lo = (a - a1) + (b - b1);
	return r;
}

static struct dw
two_prod(double a, double b)
{
	struct dw r;

	r.hi = a * b;
	r.lo = fma(a, b, -r.hi);
	return r;
}

static struct dw
dw_add(struct dw x, struct dw y)
{
	struct dw s = two_sum(x.hi, y.hi), t = two_sum(x.lo, y.lo), v;

	v = fast_two_sum(s.hi, s.lo + t.hi);
	return fast_two_sum(v.hi, t.lo + v.lo);
}

static struct dw
dw_mul_d(struct dw x, double y)
{
	struct dw c = two_prod(x.hi, y);

	return fast_two_sum(c.hi, fma(x.lo, y, c.lo));
}

static struct dw
dw_mul(struct dw x, struct dw y)
{
	struct dw c = two_prod(x.hi, y.hi);
	double t = fma(x.hi, y.lo, x.lo * y.lo);

	t = fma(x.lo, y.hi, t);
	return fast_two_sum(c.hi, c.lo + t);
}

/*
 * q(x) = c2·x² + c1·x + c0 with double-word coefficients, at a double x
 * with |x| <= 1.  Every intermediate is at most S in magnitude, S the sum
 * of the absolute values of the terms the coefficients were formed from,
 * and each of the at most a dozen double-word operations behind a value
 * of q errs by at most 5u² of its own magnitude: 256u²·S covers them all
 * with room to spare.
 */
static struct dw
word(const double w[2])
{
	struct dw r = {w[0], w[1]};

	return r;
}

static void
store(double w[2], struct dw x)
{
	w[0] = x.hi;
	w[1] = x.lo;
}

static double
quad_at(const struct adac_quad *q, double x)
{
	struct dw v = dw_add(dw_add(dw_mul(word(q->c2), two_prod(x, x)),
				    dw_mul_d(word(q->c1), x)), word(q->c0));

	return v.hi + v.lo;	/* within u of the double-word value */
}

/*
 * Bounds on q over [xlo, xhi].  The extremes of a quadratic on an interval
 * are at its ends or at its vertex.  The vertex is located in double: x̃
 * is within 8u of the true vertex (c1 and c2 are within u of their high
 * words, the quotient rounds once, and |vertex| <= 2 when it is used), so
 * q(x̃) is within |c2|·(8u)² of the extreme value.
 */
static void
quad_range(const struct adac_quad *q, double xlo, double xhi, double *lo,
	   double *hi)
{
	double v[3], xv, slack = 0, l, h;
	int n = 2, i;

	v[0] = quad_at(q, xlo);
	v[1] = xlo == xhi ? v[0] : quad_at(q, xhi);
	if (q->c2[0] != 0) {
		xv = -q->c1[0] / (2 * q->c2[0]);
		if (xv >= xlo - 1e-9 && xv <= xhi + 1e-9) {
			v[n++] = quad_at(q, xv < xlo ? xlo : xv > xhi ? xhi : xv);
			slack = 64 * U * U * fabs(q->c2[0]) * (1 + 4 * U);
		}
	}
	l = h = v[0];
	for (i = 1; i < n; i++) {
		l = v[i] < l ? v[i] : l;
		h = v[i] > h ? v[i] : h;
	}
	/* the final rounding to double errs by u of the value; take 2u */
	*lo = l - 2 * U * fabs(l) - q->err - slack;
	*hi = h + 2 * U * fabs(h) + q->err + slack;
}

/*
 * |p0 + p1·e^{−jω} + p2·e^{−2jω}|² as a quadratic in x = cos ω:
 * (p0 − p2)² + p1² + 2·p1·(p0 + p2)·x + 4·p0·p2·x².  Expanding the square
 * and using cos 2ω = 2x² − 1 gives it; every coefficient is formed here in
 * double-word arithmetic, exactly or within a few u².
 */
static int
quad_of(double p0, double p1, double p2, struct adac_quad *q)
{
	struct dw d = two_sum(p0, -p2), s = two_sum(p0, p2);
	double S, a0 = fabs(p0), a1 = fabs(p1), a2 = fabs(p2);

	store(q->c0, dw_add(dw_mul(d, d), two_prod(p1, p1)));
	store(q->c1, dw_mul_d(s, 2 * p1));
	store(q->c2, two_prod(4 * p0, p2));
	S = (a0 + a2) * (a0 + a2) + a1 * a1 + 2 * a1 * (a0 + a2) +
	    4 * a0 * a2;
	if (!isfinite(S) || !isfinite(q->c0[0]) || !isfinite(q->c1[0]) ||
	    !isfinite(q->c2[0]) || !isfinite(q->c0[1]) ||
	    !isfinite(q->c1[1]) || !isfinite(q->c2[1]))
		return 0;
	/* S was summed in double: 8u covers its own rounding; 1e-290
	 * covers underflow of the products of tiny coefficients */
	q->err = 256 * U * U * S * (1 + 8 * U) + 1e-290;
	return 1;
}

/*
 * (N/D)' = (N'·D − N·D')/D², and for quadratics N'·D − N·D' is itself a
 * quadratic P(x) = (n2·d1 − n1·d2)·x² + 2·(n2·d0 − n0·d2)·x +
 * (n1·d0 − n0·d1): the cubic terms cancel.  Its coefficients are formed
 * in double-word arithmetic from N's and D's, each product within 5u² and
 * each of N's and D's coefficients within their err; err bounds the whole.
 */
static void
derivative(const struct adac_quad *n, const struct adac_quad *d,
	   struct adac_quad *p)
{
	struct dw n0 = word(n->c0), n1 = word(n->c1), n2 = word(n->c2);
	struct dw d0 = word(d->c0), d1 = word(d->c1), d2 = word(d->c2);
	struct dw m = {-1, 0};
	double sn = fabs(n0.hi) + fabs(n1.hi) + fabs(n2.hi);
	double sd = fabs(d0.hi) + fabs(d1.hi) + fabs(d2.hi);

	store(p->c2, dw_add(dw_mul(n2, d1), dw_mul(m, dw_mul(n1, d2))));
	store(p->c1, dw_mul_d(dw_add(dw_mul(n2, d0), dw_mul(m, dw_mul(n0, d2))),
			      2));
	store(p->c0, dw_add(dw_mul(n1, d0), dw_mul(m, dw_mul(n0, d1))));
	/*
	 * A value of P at |x| <= 1 sums eight products (two per coefficient,
	 * c1 doubled): each errs by the errors of its factors, at most
	 * n->err·sd + d->err·sn, and by its own few u².  Twice that covers
	 * the double-word evaluation of P itself.
	 */
	p->err = (16 * (n->err * sd + d->err * sn) + 256 * U * U * sn * sd) *
		 (1 + 16 * U) + 1e-290;
}

/* Sign of P over [a, b]: +1 or −1 when proven constant, 0 otherwise. */
static int
sign_on(const struct adac_quad *p, double a, double b)
{
	double lo, hi;

	quad_range(p, a, b, &lo, &hi);
	return lo > 0 ? 1 : hi < 0 ? -1 : 0;
}

/*
 * An interval around the approximate zero r of P over which P provably
 * changes sign, or 0 when none is found up to a width of 1e-6.
 */
static int
enclose(const struct adac_quad *p, double r, double *a, double *b)
{
	double w;
	int sa, sb;

	for (w = 1e-14; w <= 1e-6; w *= 16) {
		sa = sign_on(p, r - w, r - w);
		sb = sign_on(p, r + w, r + w);
		if (sa != 0 && sb != 0 && sa != sb) {
			*a = r - w;
			*b = r + w;
			return 1;
		}
	}
	return 0;
}

/*
 * Cut [−1, 1] into the pieces described in bound.h.  Every step is a
 * proof or a fallback: a zero of P is enclosed by a proven sign change,
 * and a piece is called monotone only when P's sign is proven constant
 * on it; anything unproven is a generic piece, bounded from the ranges
 * of N and D, which is always valid, only looser.
 */
static void
cut(struct adac_biquad_bound *b)
{
	struct adac_quad p;
	double r[2], e[2 * 2 + 2], q, disc, lo, hi;
	int n = 0, k, i, m = 0;

	b->n_pieces = 1;
	b->edge[0] = -1;
	b->edge[1] = 1;
	b->monotone[0] = 0;
	derivative(&b->num, &b->den, &p);
	if (!isfinite(p.err) || !isfinite(p.c0[0]) || !isfinite(p.c1[0]) ||
	    !isfinite(p.c2[0]))
		return;
	/* identical N and D (an allpass), or constant ones: |H|² is flat */
	if (p.c0[0] == 0 && p.c1[0] == 0 && p.c2[0] == 0 &&
	    p.c0[1] == 0 && p.c1[1] == 0 && p.c2[1] == 0) {
		b->monotone[0] = 1;
		return;
	}
	/* approximate real zeros in [−1, 1], stable quadratic formula */
	if (p.c2[0] != 0) {
		disc = p.c1[0] * p.c1[0] - 4 * p.c2[0] * p.c0[0];
		if (disc >= 0) {
			q = -0.5 * (p.c1[0] + copysign(sqrt(disc), p.c1[0]));
			if (q != 0) {
				r[n++] = q / p.c2[0];
				r[n++] = p.c0[0] / q;
			} else {
				r[n++] = 0;
			}
		}
	} else if (p.c1[0] != 0) {
		r[n++] = -p.c0[0] / p.c1[0];
	}
	if (n == 2 && r[0] > r[1]) {
		q = r[0];
		r[0] = r[1];
		r[1] = q;
	}
	e[m++] = -1;
	for (k = 0; k < n; k++) {
		if (!(r[k] > -1 - 1e-6 && r[k] < 1 + 1e-6))
			continue;
		if (!enclose(&p, r[k], &lo, &hi)) {
			lo = r[k] - 1e-6;
			hi = r[k] + 1e-6;
		}
		lo = lo < -1 ? -1 : lo;
		hi = hi > 1 ? 1 : hi;
		if (lo <= e[m - 1] || hi <= lo)
			return;	/* overlapping zeros: one generic piece */
		e[m++] = lo;
		e[m++] = hi;
	}
	if (e[m - 1] < 1)
		e[m++] = 1;
	/* pieces alternate: between zeros (monotone if proven), around one */
	b->n_pieces = m - 1;
	for (i = 0; i < m; i++)
		b->edge[i] = e[i];
	for (i = 0; i < b->n_pieces; i++)
		b->monotone[i] = sign_on(&p, e[i], e[i + 1]) != 0;
}

void
adac_bound_biquad_prepare(const double c[5], struct adac_biquad_bound *b)
{
	b->finite = quad_of(c[0], c[1], c[2], &b->num) &&
		    quad_of(1, c[3], c[4], &b->den);
	b->n_pieces = 1;
	b->edge[0] = -1;
	b->edge[1] = 1;
	b->monotone[0] = 0;
	if (b->finite)
		cut(b);
}

/* Bounds on N/D over [a, b] from the separate ranges of N and D. */
static void
ratio_range(const struct adac_biquad_bound *b, double a, double x,
	    double *lo, double *hi)
{
	double nlo, nhi, dlo, dhi;

	quad_range(&b->num, a, x, &nlo, &nhi);
	quad_range(&b->den, a, x, &dlo, &dhi);
	if (nhi < 0)
		nhi = 0;
	*hi = dlo > 0 ? nhi / dlo * (1 + 2 * U) : INFINITY;
	*lo = nlo > 0 && dhi > 0 && isfinite(dhi) ? nlo / dhi * (1 - 2 * U) : 0;
	if (!isfinite(*hi))
		*hi = INFINITY;
}

void
adac_bound_biquad_sq(const double c[5], double xlo, double xhi, double *lo,
		     double *hi)
{
	struct adac_biquad_bound b;

	adac_bound_biquad_prepare(c, &b);
	adac_bound_biquad_band(&b, xlo, xhi, lo, hi);
}

void
adac_bound_biquad_band(const struct adac_biquad_bound *b, double xlo,
		       double xhi, double *lo, double *hi)
{
	double a, x, l, h;
	int i;

	*lo = INFINITY;
	*hi = 0;
	if (!b->finite) {
		*lo = 0;
		*hi = INFINITY;
		return;
	}
	for (i = 0; i < b->n_pieces; i++) {
		a = b->edge[i] > xlo ? b->edge[i] : xlo;
		x = b->edge[i + 1] < xhi ? b->edge[i + 1] : xhi;
		if (a > x)
			continue;
		if (b->monotone[i]) {
			/* the extremes of a monotone piece are at its ends */
			ratio_range(b, a, a, &l, &h);
			*lo = l < *lo ? l : *lo;
			*hi = h > *hi ? h : *hi;
			ratio_range(b, x, x, &l, &h);
		} else {
			ratio_range(b, a, x, &l, &h);
		}
		*lo = l < *lo ? l : *lo;
		*hi = h > *hi ? h : *hi;
	}
	if (*lo > *hi) {	/* not reached: the pieces cover [−1, 1] */
		*lo = 0;
		*hi = INFINITY;
	}
}

int
adac_bound_biquad_stable(double a1, double a2)
{
	struct dw s;
	double m = fabs(a1);

	if (!(fabs(a2) < 1) || !isfinite(a1))
		return 0;
	/* 1 + a2 = s.hi + s.lo exactly, and s.hi > 0 since a2 > −1 */
	s = two_sum(1, a2);
	if (m < 0.5 * s.hi)
		return 1;
	if (m > 2 * s.hi)
		return 0;
	/* Sterbenz: m − s.hi is exact when they are within a factor 2 */
	return m - s.hi < s.lo;
}

double
adac_bound_gamma(double k)
{
	double ku = k * U;

	return ku < 1 ? ku / (1 - ku) * (1 + 2 * U) : INFINITY;
}

double
adac_bound_up(double x, double k)
{
	/* the product itself rounds once more: two more units */
	return x * (1 + (k + 2) * U);
}

double
adac_bound_svd_margin(int rows, int cols)
{
	return 8.0 * (rows > cols ? rows : cols) * U;
}

double
adac_bound_norm2(double sigma, int rows, int cols, double err_fro)
{
	double b;

	if (!isfinite(sigma) || !isfinite(err_fro) || sigma < 0)
		return INFINITY;
	b = sigma * (1 + adac_bound_svd_margin(rows, cols)) + err_fro;
	return adac_bound_up(b, 2);
}

double
adac_bound_mul(double a, double b)
{
	double r = a * b * (1 + 4 * U);

	return r == r ? r : INFINITY;
}

double
adac_bound_div(double a, double b)
{
	double r = a / b * (1 + 4 * U);

	return r == r ? r : INFINITY;
}

double
adac_bound_add(double a, double b)
{
	double r = (a + b) * (1 + 4 * U);

	return r == r ? r : INFINITY;
}

double
adac_bound_sqrt(double a)
{
	double r = sqrt(a) * (1 + 4 * U);

	return r == r ? r : INFINITY;
}

double
adac_bound_moddelay_gain(double depth, long period, double u)
{
	double eps, delta, eta;

	if (!(depth >= 0) || !isfinite(depth) || period < 1 || !(u >= 0))
		return INFINITY;
	eps = adac_bound_mul(adac_bound_add(48 * depth, 4), u);
	delta = adac_bound_div(adac_bound_mul(2 * M_PI * (1 + 4 * U), depth),
			       (double)period);
	delta = adac_bound_add(delta, 2 * eps);
	if (!(delta <= 0.5))
		return INFINITY;
	eta = adac_bound_mul(4 * u, adac_bound_add(depth, 2));
	return adac_bound_sqrt(adac_bound_mul(adac_bound_add(1, 2 * eta),
		adac_bound_add(adac_bound_add(1, 2 * delta), 4 * eta)));
}

double
adac_bound_biquad_sensitivity(const double c[5], double x)
{
	struct adac_quad n, d;
	double nv, dv;

	if (!quad_of(c[0], c[1], c[2], &n) || !quad_of(1, c[3], c[4], &d))
		return INFINITY;
	nv = quad_at(&n, x);
	dv = quad_at(&d, x);
	if (!(nv > 0))
		return 0;
	return (fabs(c[0]) + fabs(c[1]) + fabs(c[2])) / sqrt(nv) +
	       (fabs(c[3]) + fabs(c[4])) / sqrt(dv > 0 ? dv : 0);
}
