/*
 * test_bound.c - the rigorous bounds against a reference computed here in
 * binary128 (__float128: 113-bit significands, so the products of two
 * doubles are exact and a resonance's cancellation costs nothing
 * measurable), and against closed forms: the peak of a resonator, an
 * allpass, Jury's boundary.
 */
#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bound.h"
#include "unit.h"

typedef __float128 quad;

/* |H|² at x = cos ω from the expanded quadratics, in binary128. */
static quad
ref_sq(const double c[5], double x)
{
	quad b0 = c[0], b1 = c[1], b2 = c[2], a1 = c[3], a2 = c[4], X = x;
	quad n = (b0 - b2) * (b0 - b2) + b1 * b1 + 2 * b1 * (b0 + b2) * X +
		 4 * b0 * b2 * X * X;
	quad d = (1 - a2) * (1 - a2) + a1 * a1 + 2 * a1 * (1 + a2) * X +
		 4 * a2 * X * X;

	return n / d;
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static double
uniform(void)	/* [0, 1) */
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) * 0x1p-53;
}

/* A random biquad: poles anywhere up to radius 1 − 1e-8, any zeros. */
static void
random_biquad(double c[5])
{
	double r = 1 - pow(10, -8 * uniform()), th = M_PI * uniform();
	double rz = 1.5 * uniform(), tz = M_PI * uniform(), g = 4 * uniform();

	if (uniform() < 0.3) {	/* two real poles */
		c[3] = -(r * (2 * uniform() - 1) + r * (2 * uniform() - 1));
		c[4] = r * r * (2 * uniform() - 1);
		if (!(fabs(c[4]) < 1 && fabs(c[3]) < 1 + c[4]))
			c[3] = c[4] = 0;
	} else {
		c[3] = -2 * r * cos(th);
		c[4] = r * r;
	}
	c[0] = g;
	c[1] = -2 * g * rz * cos(tz);
	c[2] = g * rz * rz;
	if (uniform() < 0.2)	/* float32 values, as certified */
		for (int k = 0; k < 5; k++)
			c[k] = (double)(float)c[k];
}

static void
test_bound__quadratic_in_cos_equals_the_complex_response(void)
{
	/* the derivation of N(x) and D(x), checked in double at a few ω */
	double c[5] = {0.3, -0.2, 0.7, -1.1, 0.6}, w, lo, hi;
	double complex z, h;
	int k;

	for (k = 0; k <= 16; k++) {
		w = M_PI * k / 16;
		z = cexp(-I * w);
		h = (c[0] + c[1] * z + c[2] * z * z) /
		    (1 + c[3] * z + c[4] * z * z);
		adac_bound_biquad_sq(c, cos(w), cos(w), &lo, &hi);
		/* a few roundings of O(1) terms over D >= 0.01 */
		check_near(lo, cabs(h) * cabs(h), 1e-12);
		check_near(hi, cabs(h) * cabs(h), 1e-12);
	}
}

static void
test_bound__bands_contain_every_value_of_random_biquads(void)
{
	double c[5], xa, xb, xl, xh, x, lo, hi;
	quad v;
	int n, k, bad = 0, loose = 0;

	for (n = 0; n < 3000; n++) {
		random_biquad(c);
		xa = 2 * uniform() - 1;
		xb = uniform() < 0.5 ? 2 * uniform() - 1 :
		     xa + 1e-6 * (uniform() - 0.5);
		xl = fmax(-1, fmin(xa, xb));
		xh = fmin(1, fmax(xa, xb));
		adac_bound_biquad_sq(c, xl, xh, &lo, &hi);
		if (!(lo <= hi) || lo < 0) {
			bad++;
			continue;
		}
		for (k = 0; k <= 64; k++) {
			x = xl + (xh - xl) * k / 64;
			if (x > xh)
				x = xh;
			v = ref_sq(c, x);
			if (v > (quad)hi || v < (quad)lo)
				bad++;
		}
		/* at a single point the bounds are tight */
		x = xl;
		adac_bound_biquad_sq(c, x, x, &lo, &hi);
		v = ref_sq(c, x);
		if (v > (quad)hi || v < (quad)lo)
			bad++;
		if (isfinite(hi) && (double)v > 0 &&
		    hi > (double)v * (1 + 1e-12) + 1e-300)
			loose++;
	}
	check_int(bad, 0);
	/* a pole 1e-8 from the circle makes D ~ 1e-16: still tight */
	check_int(loose, 0);
}

static void
test_bound__the_peak_of_a_resonator_is_its_closed_form(void)
{
	/*
	 * g/(1 + a1·z⁻¹ + a2·z⁻²) with complex poles: D(x) is a convex
	 * parabola with minimum (1 − a2)²·(4a2 − a1²)/(4a2), so
	 * sup|H|² = g²·4a2/((1 − a2)²·(4a2 − a1²)), whatever the band holding
	 * the vertex.  r = 1 − 1e-6: the peak is 1e-6 wide.
	 */
	double r = 1 - 1e-6, th = 1.234567, g = 1e-3;
	double c[5] = {g, 0, 0, -2 * r * cos(th), r * r}, lo, hi;
	quad a1 = c[3], a2 = c[4], want;

	want = (quad)g * g * 4 * a2 / ((1 - a2) * (1 - a2) * (4 * a2 - a1 * a1));
	adac_bound_biquad_sq(c, -1, 1, &lo, &hi);
	check((quad)hi >= want);
	/* the vertex is located within 8u: second order, 1e-15 relative */
	check_le(hi, (double)want * (1 + 1e-13));
	check_le(lo, (double)want);
}

static void
test_bound__an_allpass_is_exactly_one_everywhere(void)
{
	/* b = (a2, a1, 1): N ≡ D, so |H|² = 1 exactly on any band */
	double c[5] = {0.81, -1.6, 1, -1.6, 0.81}, lo, hi;
	struct adac_biquad_bound b;

	adac_bound_biquad_prepare(c, &b);
	check_int(b.n_pieces, 1);
	check_int(b.monotone[0], 1);
	adac_bound_biquad_band(&b, -1, 1, &lo, &hi);
	check_le(hi, 1 + 1e-15);
	check_le(1 - 1e-15, lo);
	adac_bound_biquad_band(&b, 0.3, 0.30001, &lo, &hi);
	check_le(hi, 1 + 1e-15);
}

static void
test_bound__whole_band_bounds_are_tight_for_random_biquads(void)
{
	/*
	 * The sup of |H|² over [−1, 1] from a dense binary128 scan (2^14
	 * points plus the closed-form critical points would do; the scan
	 * alone gives a lower estimate): the bound may not be below it, and
	 * for biquads whose peak is not sharper than the scan it is within
	 * 1e-9 of it.
	 */
	double c[5], lo, hi, x;
	quad best, v;
	int n, k, below = 0, far = 0;

	for (n = 0; n < 300; n++) {
		random_biquad(c);
		c[3] *= 0.9;	/* poles within 0.9: peaks wider than 1e-3 */
		c[4] *= 0.81;
		if (!adac_bound_biquad_stable(c[3], c[4]))
			continue;
		adac_bound_biquad_sq(c, -1, 1, &lo, &hi);
		best = 0;
		for (k = 0; k <= 16384; k++) {
			x = cos(M_PI * k / 16384);
			v = ref_sq(c, x);
			if (v > best)
				best = v;
		}
		if ((quad)hi < best)
			below++;
		/* the scan misses the peak by (Δω)²·curvature at most */
		if (hi > (double)best * (1 + 1e-6))
			far++;
	}
	check_int(below, 0);
	check_int(far, 0);
}

static void
test_bound__jury_decides_exactly_at_the_boundary(void)
{
	double a2 = 0.75;

	check_int(adac_bound_biquad_stable(0, 0), 1);
	check_int(adac_bound_biquad_stable(-1.6, 0.81), 1);
	check_int(adac_bound_biquad_stable(0, 1), 0);		/* |a2| = 1 */
	check_int(adac_bound_biquad_stable(0, -1), 0);
	/* a1 = 1 + a2: a root at z = −1 exactly */
	check_int(adac_bound_biquad_stable(1 + a2, a2), 0);
	check_int(adac_bound_biquad_stable(-(1 + a2), a2), 0);
	check_int(adac_bound_biquad_stable(nextafter(1 + a2, 0), a2), 1);
	/* one-pole z + a1: a1 = −1.0001 is outside, −0.9999 inside */
	check_int(adac_bound_biquad_stable(-1.0001, 0), 0);
	check_int(adac_bound_biquad_stable(-0.9999, 0), 1);
	/* 1 + a2 is not a double here: a2 = 2⁻⁶⁰ */
	check_int(adac_bound_biquad_stable(1, 0x1p-60), 1);
	check_int(adac_bound_biquad_stable(nextafter(1, 2), 0x1p-60), 0);
	check_int(adac_bound_biquad_stable(NAN, 0), 0);
	check_int(adac_bound_biquad_stable(0, NAN), 0);
	check_int(adac_bound_biquad_stable(INFINITY, 0.5), 0);
}

static void
test_bound__jury_agrees_with_the_roots(void)
{
	double a1, a2, disc, r1, r2, rmax;
	int n, wrong = 0;

	for (n = 0; n < 100000; n++) {
		a1 = 4 * uniform() - 2;
		a2 = 2 * uniform() - 1;
		disc = a1 * a1 - 4 * a2;
		if (disc < 0) {
			rmax = sqrt(a2);
		} else {
			r1 = fabs((-a1 + sqrt(disc)) / 2);
			r2 = fabs((-a1 - sqrt(disc)) / 2);
			rmax = fmax(r1, r2);
		}
		/* away from the boundary, where double roots are reliable */
		if (fabs(rmax - 1) < 1e-9)
			continue;
		if (adac_bound_biquad_stable(a1, a2) != (rmax < 1))
			wrong++;
	}
	check_int(wrong, 0);
}

static void
test_bound__overflowing_coefficients_give_no_bound(void)
{
	double c[5] = {1e200, 0, 0, 0.5, 0}, lo, hi;

	adac_bound_biquad_sq(c, -1, 1, &lo, &hi);
	check(isinf(hi));
	check_int(adac_bound_biquad_stable(1e200, 0.5), 0);
	check(isinf(adac_bound_norm2(INFINITY, 2, 2, 0)));
	check(isinf(adac_bound_norm2(NAN, 2, 2, 0)));
	check(isinf(adac_bound_mul(0, INFINITY)));
	check(isinf(adac_bound_sqrt(NAN)));
}

static void
test_bound__norm_margin_is_eight_n_units(void)
{
	/* σ = 1 of a 64 × 64 matrix: 1 + 8·64·2⁻⁵³, then rounded up */
	double b = adac_bound_norm2(1, 64, 64, 0);

	check(b >= 1 + 512 * DBL_EPSILON / 2);
	check_le(b, 1 + 520 * DBL_EPSILON / 2);
	check(adac_bound_norm2(1, 4, 4, 1e-10) > 1 + 1e-10);
}

int
main(void)
{
	RUN(test_bound__quadratic_in_cos_equals_the_complex_response);
	RUN(test_bound__bands_contain_every_value_of_random_biquads);
	RUN(test_bound__the_peak_of_a_resonator_is_its_closed_form);
	RUN(test_bound__an_allpass_is_exactly_one_everywhere);
	RUN(test_bound__whole_band_bounds_are_tight_for_random_biquads);
	RUN(test_bound__jury_decides_exactly_at_the_boundary);
	RUN(test_bound__jury_agrees_with_the_roots);
	RUN(test_bound__overflowing_coefficients_give_no_bound);
	RUN(test_bound__norm_margin_is_eight_n_units);
	return unit_done();
}
