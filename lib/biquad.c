/*
 * biquad.c - the realisation of a biquad section (biquad.h).
 *
 * The SVF's outputs are, with a0 = 1 + g(g + k) and D(z) the section's
 * denominator normalised to 1 + a1 z^-1 + a2 z^-2:
 *   v1 = g (1 - z^-2) / (a0 D) · x          (band-pass)
 *   v2 = g^2 (1 + z^-1)^2 / (a0 D) · x      (low-pass)
 * and a0 D(z) = (1 + gk + g^2) + 2(g^2 - 1) z^-1 + (1 - gk + g^2) z^-2.
 * Matching D to 1 + a1 z^-1 + a2 z^-2 gives
 *   1 + a1 + a2 = 4g^2/a0,  1 - a1 + a2 = 4/a0,  1 - a2 = 2gk/a0,
 * and the numerator b(z) = M0 a0 D + M1 g (1 - z^-2) + M2 g^2 (1 + z^-1)^2
 * (divided by a0) gives M0, M1, M2 from b0, b1, b2.
 */
#include "biquad.h"

#include <math.h>
#include <string.h>

void
adac_biquad_realise(const double sos[5], struct adac_biquad *out)
{
	double b0 = sos[0], b1 = sos[1], b2 = sos[2], a1 = sos[3], a2 = sos[4];
	/* exact for poles near z = 1 (Sterbenz), where it matters */
	double p = 1.0 + a1 + a2, q = 1.0 - a1 + a2;
	double g, k, a0, big_p, big_q, m0, m1, m2, c[6];
	int i;

	out->form = ADAC_BIQUAD_DF1;
	memcpy(out->c, sos, 5 * sizeof *sos);
	out->c[5] = 0.0;
	if (b0 == 0.0 || (a1 == 0.0 && a2 == 0.0) || !(p > 0.0) || !(q > 0.0))
		return;
	g = sqrt(p / q);
	a0 = 4.0 / q;
	k = 2.0 * (1.0 - a2) / (q * g);
	big_p = g / a0;
	big_q = g * g / a0;
	/* b0 + b2 - b1 = M0 (1 - a1 + a2): the band-pass and low-pass
	 * terms vanish at z = -1 */
	m0 = (b0 - b1 + b2) / q;
	m2 = (b1 - m0 * a1) / (2.0 * big_q);
	m1 = (b0 - m0 - m2 * big_q) / big_p;
	c[0] = 1.0 / (1.0 + g * (g + k));
	c[1] = g * c[0];
	c[2] = g * c[1];
	c[3] = m0;
	c[4] = m1;
	c[5] = m2;
	for (i = 0; i < 6; i++)
		if (!isfinite(c[i]))
			return;
	out->form = ADAC_BIQUAD_SVF;
	memcpy(out->c, c, sizeof c);
}

static double
same(double x)
{
	return x;
}

void
adac_biquad_transfer(const struct adac_biquad *bq, double (*round)(double),
		     double out[5])
{
	double c[6], a11, a12, a21, a22, b_0, b_1, c_0, c_1, d, a1, a2;
	int i;

	if (round == NULL)
		round = same;
	for (i = 0; i < 6; i++)
		c[i] = round(bq->c[i]);
	if (bq->form == ADAC_BIQUAD_DF1) {
		memcpy(out, c, 5 * sizeof *out);
		return;
	}
	/*
	 * The SVF as a state-space system s' = A s + B x, y = C s + D x:
	 * substituting v1, v2, v3 into the state update and the output.
	 */
	a11 = 2.0 * c[0] - 1.0;
	a12 = -2.0 * c[1];
	a21 = 2.0 * c[1];
	a22 = 1.0 - 2.0 * c[2];
	b_0 = 2.0 * c[1];
	b_1 = 2.0 * c[2];
	c_0 = c[4] * c[0] + c[5] * c[1];
	c_1 = -c[4] * c[1] + c[5] * (1.0 - c[2]);
	d = c[3] + c[4] * c[1] + c[5] * c[2];
	/* H = D + C (zI - A)^-1 B over det(zI - A) = z^2 + a1 z + a2 */
	a1 = -(a11 + a22);
	a2 = a11 * a22 - a12 * a21;
	out[0] = d;
	out[1] = d * a1 + c_0 * b_0 + c_1 * b_1;
	out[2] = d * a2 + c_0 * (a12 * b_1 - a22 * b_0) +
		 c_1 * (a21 * b_0 - a11 * b_1);
	out[3] = a1;
	out[4] = a2;
}
