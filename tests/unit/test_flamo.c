/*
 * test_flamo.c - FLAMO's filter modules designed from their raw params
 * (lib/flamo.c) and lowered by adac-lower (lib/lower_adac.c).
 *
 * The magnitudes are checked against closed forms of each design's
 * prototype, derived here and not from the library's coefficient
 * formulas: an RBJ lowpass has |H(1)| = its gain, a highpass |H(−1)|, a
 * constant-peak bandpass |H| = its gain at its centre; FLAMO's SVF is the
 * bilinear transform of (mLP + mBP·s + mHP·s²)/(1 + 2R·s + s²) with
 * s = j·tan(ω/2)/f, so |H(1)| = mLP, |H(−1)| = mHP and at ω0 = 2·atan(f)
 * |H| = |mLP − mHP + j·mBP|/(2R); a peak filter of linear gain g has |H| = g at its
 * centre, a shelf its gain at DC (low) or Nyquist (high), and a section
 * of gain 1 is the identity.  The whole frequency response against
 * FLAMO's own formulas (re-typed in PyTorch) is tests/cli/flamo.bats.
 */
#include <complex.h>
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "flamo.h"
#include "ir.h"
#include "json.h"
#include "lower.h"
#include "sim.h"
#include "unit.h"

#define PI 3.14159265358979323846
#define FS 48000.0

/* design MODULE from raw and flamo given as JSON text */
static int
design(const char *module, const char *raw, const char *flamo,
       struct adac_flamo_design *d, struct adac_error *err)
{
	json_t *r = adac_json_load(raw, strlen(raw), err), *f = NULL;
	int rc;

	if (r == NULL)
		return err->code;
	if (flamo != NULL && (f = adac_json_load(flamo, strlen(flamo), err)) == NULL) {
		json_decref(r);
		return err->code;
	}
	memset(d, 0, sizeof *d);
	rc = adac_flamo_design(module, r, "/params/raw", f, "/flamo", FS, d,
			       err);
	if (rc != ADAC_OK)
		printf("# %s: %s: %s\n", module, err->pointer, err->text);
	json_decref(r);
	json_decref(f);
	return rc;
}

static int
cascades(const struct adac_flamo_design *d)
{
	return d->parallel ? d->n_in : d->n_out * d->n_in;
}

/* |H(e^jw)| of cascade c */
static double
mag(const struct adac_flamo_design *d, int c, double w)
{
	double complex z1 = cexp(-I * w), h = 1;
	const double *s;
	int k;

	for (k = 0; k < d->n_sections; k++) {
		s = d->sos + ((long)k * cascades(d) + c) * 5;
		h *= (s[0] + s[1] * z1 + s[2] * z1 * z1) /
		     (1 + s[3] * z1 + s[4] * z1 * z1);
	}
	return cabs(h);
}

static double
softplus(double x)
{
	return log1p(exp(x));
}

/*
 * parallelBiquad: FLAMO's map gives fc = x0·fs/2 and gain 20·log10|x1|
 * dB clamped to ±60 dB.  Coefficients in double: these magnitudes come
 * out within a few ulp of the closed forms; 1e-12 leaves room for the
 * poles' sensitivity at these cutoffs (0.05·fs/2 and above).
 */
static void
test_flamo__biquad_gains_at_dc_nyquist_and_centre(void)
{
	struct adac_flamo_design d;
	struct adac_error err;

	/* two channels, one section: [fc, gain] per channel */
	if (design("parallelBiquad", "[[[0.25, 0.6], [0.5, 1e-4]]]",
		   "{\"filter_type\": \"lowpass\"}", &d, &err) == ADAC_OK) {
		check_int(d.n_sections, 1);
		check_int(d.n_in, 2);
		check_near(mag(&d, 0, 0), 0.5, 1e-12);
		/* 1e-4 is -80 dB, clamped to FLAMO's -60 dB */
		check_near(mag(&d, 1, 0), 1e-3, 1e-15);
		/* the RBJ lowpass has a double zero at Nyquist */
		check_near(mag(&d, 0, PI), 0, 1e-12);
		/* and is Butterworth-like: -3 dB (1/√2) at fc = 0.25·π rad */
		check_near(mag(&d, 0, 0.25 * PI), 0.5 / sqrt(2), 1e-12);
		adac_flamo_design_free(&d);
	}
	if (design("parallelBiquad", "[[[0.3], [2]], [[0.7], [0.5]]]",
		   "{\"filter_type\": \"highpass\", \"n_sections\": 2}", &d,
		   &err) == ADAC_OK) {
		check_int(d.n_sections, 2);
		check_near(mag(&d, 0, PI), 2 * 0.5, 1e-12);
		check_near(mag(&d, 0, 0), 0, 1e-12);
		adac_flamo_design_free(&d);
	}
	/* bandpass [f1, f2, gain]: centre (f1 + f2)·π/2, peak = the gain */
	if (design("parallelBiquad", "[[[0.1], [0.3], [0.25]]]",
		   "{\"filter_type\": \"bandpass\"}", &d, &err) == ADAC_OK) {
		check_near(mag(&d, 0, 0.2 * PI), 0.25, 1e-12);
		check_near(mag(&d, 0, 0), 0, 1e-12);
		check_near(mag(&d, 0, PI), 0, 1e-12);
		adac_flamo_design_free(&d);
	}
}

/*
 * Biquad of 2 outputs × 3 inputs: cascade out·3 + in holds
 * param[:, :, out, in] (FLAMO's einsum "fmn,bfn->bfm").
 */
static void
test_flamo__biquad_matrix_order(void)
{
	struct adac_flamo_design d;
	struct adac_error err;
	int m, n;

	/* K = 1, P = 2, M = 2, N = 3: gain (m·3 + n + 1)/10 */
	if (design("Biquad", "[[[[0.2, 0.2, 0.2], [0.2, 0.2, 0.2]], "
		   "[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]]]", NULL, &d,
		   &err) != ADAC_OK)
		return;
	check_int(d.parallel, 0);
	check_int(d.n_out, 2);
	check_int(d.n_in, 3);
	for (m = 0; m < 2; m++)
		for (n = 0; n < 3; n++)
			check_near(mag(&d, m * 3 + n, 0), (m * 3 + n + 1) / 10.0,
				   1e-12);
	adac_flamo_design_free(&d);
}

/*
 * SVF: f = tan(π·sigmoid(x0)/2), so ω0 = π·sigmoid(x0); r =
 * softplus(x1)/ln 2; G = 10^−softplus(x2).  Each type's mixes give
 * the closed forms above (at ω0, s = j: |mLP − mHP + j·mBP|/(2R)).
 * 1e-12: a few ulp through one section.
 */
static void
test_flamo__svf_closed_forms(void)
{
	static const struct {
		const char *type;
		int where;	/* 0 DC, 1 Nyquist, 2 centre */
		int what;	/* 0: 1, 1: G, 2: 1/(2r), 3: r²√G, 4: √G, 5: 0 */
	} cases[] = {
		{"lowpass", 0, 0}, {"lowpass", 1, 5}, {"highpass", 1, 0},
		{"highpass", 0, 5}, {"bandpass", 2, 2}, {"bandpass", 0, 5},
		{"lowshelf", 0, 0}, {"lowshelf", 1, 1}, {"highshelf", 0, 1},
		{"highshelf", 1, 0}, {"peaking", 2, 3}, {"peaking", 0, 0},
		{"notch", 2, 4}, {"notch", 1, 0},
	};
	const double x0 = 0.3, x1 = -0.4, x2 = 0.7;
	double w0 = PI / (1 + exp(-x0)), r = softplus(x1) / log(2.0);
	double g = pow(10, -softplus(x2)), want = 0, w;
	struct adac_flamo_design d;
	struct adac_error err;
	char meta[80];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(meta, sizeof meta, "{\"filter_type\": \"%s\"}",
			 cases[i].type);
		if (design("parallelSVF", "[[[0.3]], [[-0.4]], [[0.7]], [[0]], "
			   "[[0]]]", meta, &d, &err) != ADAC_OK) {
			check(0);
			continue;
		}
		w = cases[i].where == 0 ? 0 : cases[i].where == 1 ? PI : w0;
		switch (cases[i].what) {
		case 0: want = 1; break;
		case 1: want = g; break;
		case 2: want = 1 / (2 * r); break;
		case 3: want = r * r * sqrt(g); break;
		case 4: want = sqrt(g); break;
		case 5: want = 0; break;
		}
		if (fabs(mag(&d, 0, w) - want) > 1e-12)
			printf("# %s\n", cases[i].type);
		check_near(mag(&d, 0, w), want, 1e-12);
		adac_flamo_design_free(&d);
	}
	/* no filter_type: the mixes are x2 + 1, x3 + 2, x4 + 1 */
	if (design("parallelSVF", "[[[0.3]], [[-0.4]], [[0.5]], [[-1]], "
		   "[[0.25]]]", NULL, &d, &err) == ADAC_OK) {
		check_near(mag(&d, 0, 0), 1.5, 1e-12);
		check_near(mag(&d, 0, PI), 1.25, 1e-12);
		/* at s = j: |mLP − mHP + j·mBP|/(2R) */
		check_near(mag(&d, 0, w0), hypot(1.5 - 1.25, 1) / (2 * r),
			   1e-12);
		adac_flamo_design_free(&d);
	}
}

/*
 * GEQ, octave bands: FLAMO's centres are 62.5·2^k Hz (k = 0 .. 8, exact
 * in float32), the crossovers 62.5/√2 and 16000·√2 Hz.  One command gain
 * away from 1 (0 dB) at a time: every other section is the identity, so
 * the band's peak filter meets its gain exactly at its centre, a shelf
 * at DC or Nyquist, the broadband gain everywhere.  The low bands' poles
 * lie within 1e-2 of z = 1, which makes the magnitude sensitive to
 * rounding by up to ~1e4: 1e-10.
 */
static void
test_flamo__geq_one_band_meets_its_gain(void)
{
	char raw[400];
	double x[12], want, w;
	struct adac_flamo_design d;
	struct adac_error err;
	int band, i, n;

	for (band = 0; band < 12; band++) {
		for (i = 0; i < 12; i++)
			x[i] = i == band ? 0.5 + band / 10.0 : 1;
		n = snprintf(raw, sizeof raw, "[");
		for (i = 0; i < 12; i++)
			n += snprintf(raw + n, sizeof raw - n, "%s[%.17g]",
				      i ? ", " : "", x[i]);
		snprintf(raw + n, sizeof raw - n, "]");
		if (design("parallelGEQ", raw, "{\"octave_interval\": 1}", &d,
			   &err) != ADAC_OK) {
			check(0);
			continue;
		}
		check_int(d.n_sections, 12);
		want = x[band];
		if (band == 0) {
			check_near(mag(&d, 0, 0.3), want, 1e-10);
			check_near(mag(&d, 0, 2.9), want, 1e-10);
		} else if (band == 1) {
			check_near(mag(&d, 0, 0), want, 1e-10);
			check_near(mag(&d, 0, PI), 1, 1e-10);
		} else if (band == 11) {
			check_near(mag(&d, 0, PI), want, 1e-10);
			check_near(mag(&d, 0, 0), 1, 1e-10);
		} else {
			w = 2 * PI * 62.5 * pow(2, band - 2) / FS;
			check_near(mag(&d, 0, w), want, 1e-10);
			check_near(mag(&d, 0, 0), 1, 1e-10);
			check_near(mag(&d, 0, PI), 1, 1e-10);
		}
		adac_flamo_design_free(&d);
	}
	/* all gains 1: the identity */
	if (design("GEQ", "[[[1]], [[1]], [[1]], [[1]], [[1]], [[1]], [[1]], "
		   "[[1]], [[1]], [[1]], [[1]], [[1]]]", NULL, &d, &err) ==
	    ADAC_OK) {
		for (w = 0; w < PI; w += 0.1)
			check_near(mag(&d, 0, w), 1, 1e-12);
		adac_flamo_design_free(&d);
	}
	/* third-octave bands: 27 centres, 30 gains */
	memset(raw, 0, sizeof raw);
	n = snprintf(raw, sizeof raw, "[");
	for (i = 0; i < 30; i++)
		n += snprintf(raw + n, sizeof raw - n, "%s[1]", i ? ", " : "");
	snprintf(raw + n, sizeof raw - n, "]");
	if (design("parallelGEQ", raw, "{\"octave_interval\": 3}", &d,
		   &err) == ADAC_OK) {
		check_int(d.n_sections, 30);
		adac_flamo_design_free(&d);
	}
}

/*
 * PEQ, design "biquad": band k's frequency f (rad) = clamp(sigmoid(x0) +
 * 2π·bias_k/fs, 2π·f_min/fs, 2π·f_max/fs), bias_k = f_min·(f_max/
 * f_min)^(k/(B − 1)); the RBJ peak with A = 10^(g/40) meets A² =
 * 10^(g/20) at f, the shelves the same at DC and Nyquist.  FLAMO rounds
 * bias_k to float32: the peak magnitude is stationary in f, so a
 * relative 6e-8 shift in f changes it by far less than 1e-10.
 * Design "svf": the peak at ω = π·sigmoid(x0 + logit(2·bias/fs)) meets
 * √(10^(g/20)) (FLAMO's mix 2R√G over 2R), the low shelf 10^(g/20) at DC.
 */
static void
test_flamo__peq_bands_meet_their_gains(void)
{
	struct adac_flamo_design d;
	struct adac_error err;
	double bias1, f1, nb;

	/* 3 bands: [f, R, gain_db] each; only band 1's gain is not 0 dB */
	if (design("parallelPEQ", "[[[0.2], [0.7], [0]], [[0.4], [1.5], [6]], "
		   "[[0.1], [0.9], [0]]]", "{\"n_bands\": 3, \"f_min\": 100, "
		   "\"f_max\": 10000}", &d, &err) == ADAC_OK) {
		bias1 = 100 * pow(100, 0.5);
		f1 = 1 / (1 + exp(-0.4)) + bias1 / FS * 2 * PI;
		check_near(mag(&d, 0, f1), pow(10, 6 / 20.0), 1e-10);
		check_near(mag(&d, 0, 0), 1, 1e-12);
		check_near(mag(&d, 0, PI), 1, 1e-12);
		adac_flamo_design_free(&d);
	}
	if (design("parallelPEQ", "[[[0.2], [0.7], [-4]], [[0.4], [1.5], [0]], "
		   "[[0.1], [0.9], [5]]]", "{\"n_bands\": 3, \"f_min\": 100, "
		   "\"f_max\": 10000}", &d, &err) == ADAC_OK) {
		check_near(mag(&d, 0, 0), pow(10, -4 / 20.0), 1e-12);
		check_near(mag(&d, 0, PI), pow(10, 5 / 20.0), 1e-12);
		adac_flamo_design_free(&d);
	}
	if (design("parallelPEQ", "[[[0.2], [0.7], [-4]], [[0.4], [1.5], [6]], "
		   "[[0.1], [0.9], [0]]]", "{\"design\": \"svf\", \"f_min\": "
		   "100, \"f_max\": 10000}", &d, &err) == ADAC_OK) {
		check_near(mag(&d, 0, 0), pow(10, -4 / 20.0), 1e-12);
		adac_flamo_design_free(&d);
	}
	/* the svf peak alone (shelves at 0 dB are the identity) */
	if (design("parallelPEQ", "[[[0.2], [0.7], [0]], [[0.4], [1.5], [6]], "
		   "[[0.1], [0.9], [0]]]", "{\"design\": \"svf\", \"f_min\": "
		   "100, \"f_max\": 10000}", &d, &err) == ADAC_OK) {
		nb = 2 * 100 * pow(100, 0.5) / FS;
		f1 = PI / (1 + exp(-(0.4 + log(nb / (1 - nb)))));
		check_near(mag(&d, 0, f1), pow(10, 6 / 40.0), 1e-10);
		check_near(mag(&d, 0, 0), 1, 1e-12);
		check_near(mag(&d, 0, PI), 1, 1e-12);
		adac_flamo_design_free(&d);
	}
}

/* One line with the pointer of the bad value for each kind of bad input. */
static void
test_flamo__errors_name_the_bad_value(void)
{
	static const struct {
		const char *module, *raw, *flamo, *pointer, *text;
	} cases[] = {
		{"parallelSVF", "[[[0]], [[0]], [[0]], [[0]]]", NULL,
		 "/params/raw", "a parallelSVF has 5 parameter rows (f, R, mLP, "
		 "mBP, mHP), got 4"},
		{"parallelSVF", "[[[0]], [[0]], [[0]], [[0]], [[0, 1]]]", NULL,
		 "/params/raw/4/0", "a parallelSVF's raw param has shape "
		 "(5, K, N): expected 1 entries like the first array of its "
		 "level, got 2"},
		{"parallelSVF", "[[0], [0], [0], [0], [0]]", NULL,
		 "/params/raw/0/0", "a parallelSVF's raw param has shape "
		 "(5, K, N): expected an array, got a number"},
		{"parallelSVF", "[[[0]], [[0]], [[0]], [[0]], [[\"x\"]]]", NULL,
		 "/params/raw/4/0/0", NULL},
		{"parallelSVF", "[[[0]], [[0]], [[0]], [[0]], [[0]]]",
		 "{\"filter_type\": \"comb\"}", "/flamo/filter_type",
		 "unknown parallelSVF filter_type 'comb'; expected lowpass, "
		 "highpass, bandpass, lowshelf, highshelf, peaking, notch or "
		 "null"},
		{"parallelSVF", "[[[0]], [[0]], [[0]], [[0]], [[0]]]",
		 "{\"n_sections\": 2}", "/flamo/n_sections",
		 "n_sections is 2 but the raw param has 1 sections"},
		{"parallelBiquad", "[[[0.1], [1]]]",
		 "{\"filter_type\": \"bandpass\"}", "/params/raw/0",
		 "a bandpass parallelBiquad has 3 parameters per section, got 2"},
		{"parallelGEQ", "[[1], [1], [1]]", NULL, "/params/raw",
		 "a parallelGEQ of octave_interval 1 has 12 command gains (9 "
		 "bands, 2 shelves, 1 broadband), got 3"},
		{"parallelGEQ", "[[1]]", "{\"octave_interval\": 2}",
		 "/flamo/octave_interval", "octave_interval 2 is not 1 or 3"},
		{"parallelPEQ", "[[[0], [1], [0]]]", NULL, "/params/raw",
		 "a parallelPEQ needs at least 2 bands (its shelves): flamo's "
		 "band frequencies are 0/0 for 1"},
		{"parallelPEQ", "[[[0], [1], [0]], [[0], [1], [0]]]",
		 "{\"design\": \"svf\", \"f_max\": 24000}", "/flamo/f_max",
		 "band frequency 24000 Hz of the svf design is not below the "
		 "Nyquist frequency"},
		{"parallelPEQ", "[[[0], [1], [0]], [[0], [1], [0]]]",
		 "{\"fs\": -1}", "/flamo/fs",
		 "sample rate -1 Hz is not between 0 and 1.536e+06"},
		/* R = 10, -20 dB: (G² + 1)(1/R − 1) + 2G < 0, √ is NaN */
		{"parallelPEQ", "[[[0], [10], [-20]], [[0], [1], [0]]]", NULL,
		 "/params/raw", NULL},
		{"AccurateGEQ", "[[[1]]]", NULL, "/params/raw",
		 "module type 'AccurateGEQ' is not lowered: its section gains "
		 "come from flamo's L-BFGS fit at run time, which adac does not "
		 "reproduce; export its sections as a parallelSOSFilter"},
	};
	struct adac_flamo_design d;
	struct adac_error err;
	size_t i;
	int rc;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rc = design(cases[i].module, cases[i].raw, cases[i].flamo, &d,
			    &err);
		check_int(rc, ADAC_E_INPUT);
		if (rc == ADAC_OK) {
			adac_flamo_design_free(&d);
			continue;
		}
		check_str(err.pointer, cases[i].pointer);
		if (cases[i].text != NULL)
			check_str(err.text, cases[i].text);
	}
	/* the NaN of the shelf, named */
	rc = design("parallelPEQ", "[[[0], [10], [-20]], [[0], [1], [0]]]",
		    NULL, &d, &err);
	check(rc != ADAC_OK && strstr(err.text, "NaN") != NULL &&
	      strstr(err.text, "section 0") != NULL);
}

static json_t *
lower_text(const char *text, struct adac_error *err)
{
	json_t *doc = adac_json_load(text, strlen(text), err), *ir = NULL;

	if (doc == NULL)
		return NULL;
	if (adac_lower(doc, ADAC_LOWER_AUTO, &ir, err) != ADAC_OK)
		ir = NULL;
	json_decref(doc);
	return ir;
}

/*
 * Lowered, a Biquad of 2 outputs × 3 inputs takes input n to output m
 * through cascade (m, n) alone: the impulse response of path n → m sums
 * to its DC gain (m·3 + n + 1)/10.  The sum is over 4096 samples of
 * poles of radius < 0.9 (fc = 0.2·fs/2): the tail left is < 1e-180.
 */
static void
test_flamo__lowered_matrix_routes_each_pair(void)
{
	struct adac_error err;
	struct adac_ir *ir = NULL;
	struct adac_response *r = NULL;
	json_t *doc;
	double sum, *h;
	long k;
	int m, n;

	doc = lower_text("{\"fs\": 48000, \"module_type\": \"Biquad\", "
	    "\"input_channels\": 3, \"output_channels\": 2, "
	    "\"params\": {\"raw\": [[[[0.2, 0.2, 0.2], [0.2, 0.2, 0.2]], "
	    "[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]]]}}", &err);
	check(doc != NULL);
	if (doc == NULL) {
		printf("# %s: %s\n", err.pointer, err.text);
		return;
	}
	if (adac_ir_parse(doc, &ir, &err) != ADAC_OK ||
	    adac_sim_impulse(ir, 4096, NULL, 0, &r, &err) != ADAC_OK) {
		check(0);
		goto out;
	}
	for (n = 0; n < 3; n++)
		for (m = 0; m < 2; m++) {
			h = adac_response_path(r, n, m);
			for (k = 0, sum = 0; k < 4096; k++)
				sum += h[k];
			/* 4096 terms of |h| < 1 summed: 4096·eps */
			check_near(sum, (m * 3 + n + 1) / 10.0,
				   4096 * DBL_EPSILON);
		}
out:
	adac_response_free(r);
	adac_ir_free(ir);
	json_decref(doc);
}

/*
 * FLAMO's form and json_to_faust's: a Biquad, SVF or PEQ with params.raw
 * is FLAMO's module; with both forms it is refused at the other key.
 */
static void
test_flamo__forms(void)
{
	struct adac_error err;
	json_t *ir;

	ir = lower_text("{\"fs\": 48000, \"module_type\": \"SVF\", \"flamo\": "
	    "{\"filter_type\": \"lowpass\"}, \"params\": {\"raw\": [[[[0]]], "
	    "[[[0]]], [[[0]]], [[[0]]], [[[0]]]]}}", &err);
	check(ir != NULL);
	json_decref(ir);
	ir = lower_text("{\"fs\": 48000, \"module_type\": \"PEQ\", \"params\": "
	    "{\"raw\": [[[[0]], [[1]], [[0]]]], \"fc\": 100}}", &err);
	check(ir == NULL);
	check_str(err.pointer, "/params/fc");
	check_str(err.text, "params has both flamo's raw param and "
		  "json_to_faust's 'fc': give one");
	ir = lower_text("{\"fs\": 48000, \"module_type\": \"parallelGEQ\", "
	    "\"params\": {}}", &err);
	check(ir == NULL);
	check_str(err.pointer, "/params/raw");
	check_str(err.text, "missing flamo's raw param of the parallelGEQ");
	/* declared channels must agree with the tensor's */
	ir = lower_text("{\"fs\": 48000, \"module_type\": \"parallelSVF\", "
	    "\"input_channels\": 2, \"params\": {\"raw\": [[[0]], [[0]], "
	    "[[0]], [[0]], [[0]]]}}", &err);
	check(ir == NULL);
	check_str(err.pointer, "/input_channels");
}

int
main(void)
{
	RUN(test_flamo__biquad_gains_at_dc_nyquist_and_centre);
	RUN(test_flamo__biquad_matrix_order);
	RUN(test_flamo__svf_closed_forms);
	RUN(test_flamo__geq_one_band_meets_its_gain);
	RUN(test_flamo__peq_bands_meet_their_gains);
	RUN(test_flamo__errors_name_the_bad_value);
	RUN(test_flamo__lowered_matrix_routes_each_pair);
	RUN(test_flamo__forms);
	return unit_done();
}
