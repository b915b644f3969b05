/*
 * biquad.h - how one section [b0, b1, b2, a1, a2] of an sos node is
 * computed: the realisation the simulator and the emitted program share.
 *
 * The transfer function is the IR's (b0 + b1 z^-1 + b2 z^-2) /
 * (1 + a1 z^-1 + a2 z^-2) whatever the realisation; the realisation
 * decides how rounding errors grow.  Direct form I, the literal
 * difference equation, amplifies them by up to 1/|1 + a1 + a2| when both
 * poles sit near z = 1 (low cutoffs, high orders: a 10th-order low-pass
 * at 50 Hz carries noise at -50 dB re peak in float).  A section with
 * poles is therefore computed as a trapezoidal state-variable filter
 * (Zavalishin's TPT SVF, in Simper's form), whose states are the
 * band-pass and low-pass signals themselves and stay bounded: the same
 * filter in float is at -102 dB.
 *
 * Functions have no state and never fail.
 */
#ifndef ADAC_BIQUAD_H
#define ADAC_BIQUAD_H

enum adac_biquad_form {
	/*
	 * y = b0 x + b1 x' + b2 x'' - a1 y' - a2 y'', evaluated in that
	 * order; c = {b0, b1, b2, a1, a2}.  For sections without poles
	 * (nothing to amplify), and for those with b0 = 0, whose output
	 * must not depend on the input of the same sample.
	 */
	ADAC_BIQUAD_DF1,
	/*
	 * c = {A1, A2, A3, M0, M1, M2}, states s1, s2 (both 0 at reset),
	 * each sample, in this order:
	 *   v3 = x - s2
	 *   v1 = A1 s1 + A2 v3
	 *   v2 = s2 + A2 s1 + A3 v3
	 *   s1 = 2 v1 - s1,  s2 = 2 v2 - s2   (the new states)
	 *   y  = M0 x + M1 v1 + M2 v2
	 * with g = sqrt((1 + a1 + a2)/(1 - a1 + a2)) the prewarped cutoff,
	 * k the damping, A1 = 1/(1 + g(g + k)), A2 = g A1, A3 = g A2.
	 * For sections with b0 != 0, poles, 1 + a1 + a2 > 0 and
	 * 1 - a1 + a2 > 0 (no real pole at z = 1 or beyond, none at z = -1
	 * or beyond: every stable section with complex poles, and every
	 * section with real poles inside the unit circle).
	 */
	ADAC_BIQUAD_SVF,
};

struct adac_biquad {
	enum adac_biquad_form form;
	double c[6];
};

/* The realisation of section sos = {b0, b1, b2, a1, a2}. */
void adac_biquad_realise(const double sos[5], struct adac_biquad *out);

/*
 * The transfer function {b0, b1, b2, a1, a2} that bq computes exactly
 * once each of its coefficients has gone through round (NULL: as they
 * are), e.g. rounding to float32 as a float program reads its literals.
 * This is what a stability proof of the shipped program must look at.
 */
void adac_biquad_transfer(const struct adac_biquad *bq,
			  double (*round)(double), double out[5]);

/*
 * One sample through bq with state st (2 doubles for the SVF, 4 for
 * direct form I: x', x'', y', y''), as the simulator computes it.
 */
static inline double
adac_biquad_step(const struct adac_biquad *bq, double *st, double x)
{
	const double *c = bq->c;
	double y, v1, v2, v3;

	if (bq->form == ADAC_BIQUAD_DF1) {
		y = c[0] * x + c[1] * st[0] + c[2] * st[1] - c[3] * st[2] -
		    c[4] * st[3];
		st[1] = st[0];
		st[0] = x;
		st[3] = st[2];
		st[2] = y;
		return y;
	}
	v3 = x - st[1];
	v1 = c[0] * st[0] + c[1] * v3;
	v2 = st[1] + c[1] * st[0] + c[2] * v3;
	st[0] = 2.0 * v1 - st[0];
	st[1] = 2.0 * v2 - st[1];
	return c[3] * x + c[4] * v1 + c[5] * v2;
}

#endif
