/*
 * bound.h - rigorous bounds for the certifier.  Every value returned here
 * is provably on its stated side of the exact quantity, given IEEE-754
 * double arithmetic in round-to-nearest; nothing is sampled.  The error
 * analysis of each function is in bound.c beside it.
 *
 * A band is a set of frequencies given by an interval of x = cos ω,
 * [xlo, xhi] ⊆ [−1, 1].  Every magnitude the certifier needs from a
 * channel-wise element (a biquad, a linearly interpolated fractional delay,
 * a gain, a whole delay) depends on ω only through cos ω, so a band of x
 * stands for the frequencies ±ω with cos ω in it.
 *
 * Pure functions of their arguments; no allocation, no errors.
 */
#ifndef ADAC_BOUND_H
#define ADAC_BOUND_H

/* Unit roundoff of the two precisions a program can be built in. */
#define ADAC_U_DOUBLE 0x1p-53
#define ADAC_U_FLOAT32 0x1p-24

/*
 * |p0 + p1·e^{−jω} + p2·e^{−2jω}|² as a quadratic in x = cos ω, with
 * double-word coefficients and the absolute error bound of a value
 * computed from them.  Filled by adac_bound_biquad_prepare().
 */
struct adac_quad {
	double c0[2], c1[2], c2[2];	/* high and low words */
	double err;
};

/*
 * A biquad prepared for adac_bound_biquad_band(): |H|² = N(x)/D(x), and
 * [−1, 1] cut at the zeros of (N/D)' into pieces on which |H|² is
 * monotone (its extremes are at the ends of any sub-band), and tiny
 * pieces around each zero, where a band's bound comes from the ranges of
 * N and D.
 */
#define ADAC_BOUND_PIECES 5
struct adac_biquad_bound {
	struct adac_quad num, den;
	int finite;		/* 0: a coefficient or its square overflows */
	int n_pieces;
	double edge[ADAC_BOUND_PIECES + 1];	/* −1 = edge[0] < … = 1 */
	unsigned char monotone[ADAC_BOUND_PIECES];
};

/*
 * Prepare c = {b0, b1, b2, a1, a2} (exact doubles) of
 * H(z) = (b0 + b1·z⁻¹ + b2·z⁻²) / (1 + a1·z⁻¹ + a2·z⁻²).
 */
void adac_bound_biquad_prepare(const double c[5],
			       struct adac_biquad_bound *b);

/*
 * Bounds on |H(e^{jω})|² for every ω with cos ω in [xlo, xhi]:
 * *lo <= |H|² <= *hi on the whole band.  *hi is INFINITY when the
 * denominator cannot be bounded away from zero there (a pole on or too
 * near the circle) or b is not finite; *lo is 0 when the numerator cannot
 * be bounded away from zero.  Never NaN.
 */
void adac_bound_biquad_band(const struct adac_biquad_bound *b, double xlo,
			    double xhi, double *lo, double *hi);

/* Both in one call, for a single use. */
void adac_bound_biquad_sq(const double c[5], double xlo, double xhi,
			  double *lo, double *hi);

/*
 * How much |H| at x = cos ω moves, relative to itself, when every
 * coefficient of c moves by one unit of relative rounding:
 * (|b0| + |b1| + |b2|)/|B(e^{jω})| + (|a1| + |a2|)/|A(e^{jω})|, to first
 * order.  0 where B(e^{jω}) = 0 (there is no magnitude to move).  This is
 * an estimate at one frequency, for the width of the marginal band, not a
 * bound.
 */
double adac_bound_biquad_sensitivity(const double c[5], double x);

/*
 * 1 when both roots of z² + a1·z + a2 lie strictly inside the unit
 * circle, decided exactly on the doubles a1 and a2 by Jury's conditions
 * |a2| < 1 and |a1| < 1 + a2; 0 otherwise (on or outside the circle, or
 * not finite).
 */
int adac_bound_biquad_stable(double a1, double a2);

/*
 * An upper bound on ‖A‖₂ of a rows × cols matrix whose largest singular
 * value LAPACK computed as sigma, when the matrix LAPACK was given may
 * differ from A by at most err_fro in the Frobenius norm.  LAPACK's
 * singular values are backward stable: |σ̂ − σ| <= p(m, n)·u·σ₁ (LAPACK
 * Users' Guide, 4.9); adac takes p(m, n) = 8·max(m, n) and states it in
 * the certificate.  INFINITY for a non-finite argument.
 */
double adac_bound_norm2(double sigma, int rows, int cols, double err_fro);

/* The relative margin adac_bound_norm2() adds for a rows × cols matrix. */
double adac_bound_svd_margin(int rows, int cols);

/*
 * γ(k) = k·u/(1 − k·u) for double arithmetic: a sum or product of k
 * terms computed in floating point is within γ(k)·(sum of the absolute
 * terms) of the exact value (Higham, Accuracy and Stability, 3.1).
 * INFINITY when k·u >= 1.
 */
double adac_bound_gamma(double k);

/* x rounded up by k units of double roundoff: x·(1 + k·u) for x >= 0. */
double adac_bound_up(double x, double k);

/*
 * Upper bounds of a·b, a/b, a + b and √a for non-negative operands: the
 * floating-point result, which errs by at most u, times 1 + 4u.  NaN
 * operands give INFINITY, so a NaN can never pass for a small bound.
 */
double adac_bound_mul(double a, double b);
double adac_bound_div(double a, double b);
double adac_bound_add(double a, double b);
double adac_bound_sqrt(double a);

/*
 * An upper bound of the l2 gain (induced operator norm) of one channel
 * of a modulated delay (adac-ir(5), moddelay) of depth a samples and LFO
 * period P samples, as a program whose unit roundoff is u computes it;
 * INFINITY when the read pointer may move by more than half a sample
 * per sample (then the bound below does not hold).  See adac-certify(1):
 *
 * y[n] = Σ_m T[n][m]·x[m] with T[n][m] = max(0, 1 − |t_n − m|), the
 * "hat" weights of linear interpolation at the read position
 * t_n = n − d_n: each row has the two weights 1 − f and f, >= 0, sum 1.
 * A column m sums the hats of the points t_n within 1 of m.  When d
 * changes by at most δ <= 1/2 per sample, t_{n+1} − t_n >= s = 1 − δ
 * >= 1/2.  With a >= 0 the distance from m of the nearest point at or
 * above it and b > 0 of the nearest below (a + b >= s), the next point
 * out on each side is at least s further and the one after that 2s >= 1
 * away, out of reach, so the sum is at most g(a) + g(b) with
 * g(x) = (1 − x) + max(0, 1 − x − s); g is convex and decreasing, so
 * the maximum over a + b >= s is at an end, g(0) + g(s) = 3 − 2s =
 * 1 + 2δ (one side alone: g(0) = 2 − s <= 1 + 2δ).
 * Schur's test: ‖T‖₂ <= √(max row sum · max column sum) <= √(1 + 2δ).
 *
 * δ: d = B + β + a·sin(2πp) and p advances by 1/P a sample, sin is
 * 1-Lipschitz, so |Δd| <= 2π·a/P exactly; the program's offset m errs
 * by at most ε = (48·a + 4)·u (inc, the counter's product, the phase
 * sum, 2π and the product, sin within 2 units, a, a·s, β + a·s: at most
 * (12π + 5)·a·u + 2u), so its steps are at most δ = 2π·a/P + 2ε.  The
 * weights 1 − f and f, computed, err by η = 4·u·(a + 2) each (libfaust
 * computes 1 − f as q − (m − 1)), so rows sum to at most 1 + 2η and a
 * column, holding at most four weights, to 1 + 2δ + 4η:
 *   gain <= √((1 + 2η)·(1 + 2δ + 4η)), rounded up.
 */
double adac_bound_moddelay_gain(double depth, long period, double u);

#endif
