/*
 * test_biquad.c - the realisation of a biquad section (lib/biquad.c):
 * which sections become state-variable filters, that the realisation has
 * the section's transfer function, and that it keeps float rounding
 * noise bounded where direct form I does not.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "unit.h"

#include "biquad.h"

/* Butterworth sections at 48 kHz (filters.lib's formulas, as lowered). */
static const double lp5_800[3][5] = {
	{0.04979797785108003, 0.04979797785108003, 0.0, -0.9004040442978399, 0.0},
	{0.002525483996061588, 0.005050967992123176, 0.002525483996061588,
	 -1.8339548433880535, 0.8440567793722998},
	{0.0026533463844635114, 0.0053066927689270228, 0.0026533463844635114,
	 -1.926805895646772, 0.937419281184626},
};

static void
test_biquad__which_sections_are_svfs(void)
{
	static const struct {
		double c[5];
		enum adac_biquad_form form;
	} cases[] = {
		{{0.5, 0.3, -0.2, -0.6, 0.25}, ADAC_BIQUAD_SVF},
		{{1, -1, 0, -0.995, 0}, ADAC_BIQUAD_SVF},	/* one pole */
		{{0, 1, 0.3, -0.1, 0.05}, ADAC_BIQUAD_DF1},	/* b0 = 0 */
		{{1, -1, 0.5, 0, 0}, ADAC_BIQUAD_DF1},		/* no poles */
		{{1, 0, 0, -1, 0}, ADAC_BIQUAD_DF1},		/* pole at 1 */
		{{1, 0, 0, -2, 1}, ADAC_BIQUAD_DF1},		/* double pole at 1 */
		{{1, 0, 0, 0.6, -0.5}, ADAC_BIQUAD_DF1},	/* pole beyond -1 */
	};
	struct adac_biquad bq;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		adac_biquad_realise(cases[i].c, &bq);
		check_int(bq.form, cases[i].form);
		if (bq.form == ADAC_BIQUAD_DF1)
			check(memcmp(bq.c, cases[i].c, sizeof cases[i].c) == 0);
	}
}

/*
 * The SVF's coefficients give back the section's [b, a]: a handful of
 * roundings in the conversion and back, each 2^-53 relative, amplified
 * at worst by 1/(1 + a1 + a2) ≈ 100 for the 800 Hz sections: 1e-12 of
 * the largest coefficient.
 */
static void
test_biquad__svf_has_the_section_transfer_function(void)
{
	static const double other[][5] = {
		{0.5, 0.3, -0.2, -0.6, 0.25},
		{1, -1, 0, -0.995, 0},
		{1.02, -1.9, 0.9, -1.95, 0.96},		/* a peaking section */
		{0.3, -0.6, 0.3, 1.5, 0.7},		/* poles near z = -1 */
	};
	struct adac_biquad bq;
	double t[5], big;
	int i, k;

	for (i = 0; i < 3 + 4; i++) {
		const double *c = i < 3 ? lp5_800[i] : other[i - 3];

		adac_biquad_realise(c, &bq);
		check_int(bq.form, ADAC_BIQUAD_SVF);
		adac_biquad_transfer(&bq, NULL, t);
		for (big = 0, k = 0; k < 5; k++)
			big = fmax(big, fabs(c[k]));
		for (k = 0; k < 5; k++)
			check_near(t[k], c[k], 1e-12 * big);
	}
	/* direct form I's transfer function is its coefficients */
	adac_biquad_realise((const double[5]){0, 1, 0.3, -0.1, 0.05}, &bq);
	adac_biquad_transfer(&bq, NULL, t);
	check(t[0] == 0 && t[1] == 1 && t[2] == 0.3 && t[3] == -0.1 &&
	      t[4] == 0.05);
}

static double
to_float(double x)
{
	return (double)(float)x;
}

/* One section in float: the program a float build computes. */
static float
step_float(const struct adac_biquad *bq, float *st, float x)
{
	float c[6], y, v1, v2, v3;
	int k;

	for (k = 0; k < 6; k++)
		c[k] = (float)bq->c[k];
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
	st[0] = 2.0f * v1 - st[0];
	st[1] = 2.0f * v2 - st[1];
	return c[3] * x + c[4] * v1 + c[5] * v2;
}

/*
 * Worst error in dB re peak of the cascade's impulse response computed
 * in float (the realisation bq, or direct form I when df1), against
 * direct form I in double, over 48000 samples.
 */
static double
float_error_db(const double (*sos)[5], int n, int df1)
{
	enum { N = 48000 };
	static double ref[N];
	struct adac_biquad bq[8];
	double st[8][4] = {{0}}, peak = 0, worst = 0, y;
	float fst[8][4] = {{0}}, fy;
	int s;
	long t;

	for (s = 0; s < n; s++) {
		adac_biquad_realise(sos[s], &bq[s]);
		if (df1) {
			bq[s].form = ADAC_BIQUAD_DF1;
			memcpy(bq[s].c, sos[s], 5 * sizeof **sos);
		}
	}
	for (t = 0; t < N; t++) {
		y = t == 0;
		for (s = 0; s < n; s++) {
			const double *c = sos[s];
			double *q = st[s], v;

			v = c[0] * y + c[1] * q[0] + c[2] * q[1] - c[3] * q[2] -
			    c[4] * q[3];
			q[1] = q[0];
			q[0] = y;
			q[3] = q[2];
			q[2] = v;
			y = v;
		}
		ref[t] = y;
		peak = fmax(peak, fabs(y));
	}
	for (t = 0; t < N; t++) {
		fy = t == 0;
		for (s = 0; s < n; s++)
			fy = step_float(&bq[s], fst[s], fy);
		worst = fmax(worst, fabs(fy - ref[t]));
	}
	return 20 * log10(worst / peak);
}

/*
 * The case: filters.lib's 5th-order Butterworth low-pass at 800
 * Hz.  In float, direct form I is at -101 dB re peak (FAUST's own
 * fi.lowpass at -96.6 dB), the state-variable sections below -120 dB.
 */
static void
test_biquad__svf_keeps_float_noise_low(void)
{
	double df1 = float_error_db(lp5_800, 3, 1);
	double svf = float_error_db(lp5_800, 3, 0);
	struct adac_biquad bq;
	double t[5];

	printf("#   5th-order 800 Hz low-pass in float: direct form I "
	       "%.1f dB, SVF %.1f dB\n", df1, svf);
	check(df1 > -110);
	check_le(svf, -120);
	/* what a float program realises: float coefficients, stable */
	adac_biquad_realise(lp5_800[2], &bq);
	adac_biquad_transfer(&bq, to_float, t);
	check(t[4] < 1 && fabs(t[3]) < 1 + t[4]);
}

int
main(void)
{
	RUN(test_biquad__which_sections_are_svfs);
	RUN(test_biquad__svf_has_the_section_transfer_function);
	RUN(test_biquad__svf_keeps_float_noise_low);
	return unit_done();
}
