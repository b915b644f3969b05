/*
 * test_lower.c - lowering the reference implementation's config and the
 * native fdn spec (lib/lower*.c).
 *
 * Filter coefficients are checked against properties derived here
 * independently of the library's formulas: the closed-form Butterworth
 * magnitude |H|² = 1/(1 + (tan(ω/2)/tan(ωc/2))^2N), the -3 dB band
 * edges, peak_eq's exact level at its centre frequency, the FAUST
 * state-variable filter's tick equations run sample by sample, and
 * filters.lib's own direct-form tf2sb coefficients.
 */
#include <complex.h>
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "ir.h"
#include "json.h"
#include "lower.h"
#include "sim.h"
#include "unit.h"

#define PI 3.14159265358979323846

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

static json_t *
lower_file(const char *path)
{
	struct adac_error err;
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr), *ir = NULL;

	if (doc == NULL)
		return NULL;
	if (adac_lower(doc, ADAC_LOWER_AUTO, &ir, &err) != ADAC_OK) {
		printf("# %s: %s: %s\n", path, err.pointer, err.text);
		ir = NULL;
	}
	json_decref(doc);
	return ir;
}

/* the first node with this op, depth first */
static json_t *
find_op(json_t *node, const char *op)
{
	const char *key;
	json_t *v, *hit;
	size_t i;

	if (json_is_object(node)) {
		v = json_object_get(node, "op");
		if (json_is_string(v) && strcmp(json_string_value(v), op) == 0)
			return node;
		json_object_foreach(node, key, v)
			if (strcmp(key, "source") != 0 &&
			    (hit = find_op(v, op)) != NULL)
				return hit;
	} else if (json_is_array(node)) {
		json_array_foreach(node, i, v)
			if ((hit = find_op(v, op)) != NULL)
				return hit;
	}
	return NULL;
}

static double
coef(json_t *sos, int s, int ch, int k)
{
	return json_number_value(json_array_get(json_array_get(json_array_get(
	    json_object_get(sos, "sections"), (size_t)s), (size_t)ch),
	    (size_t)k));
}

static int
n_sections(json_t *sos)
{
	return (int)json_array_size(json_object_get(sos, "sections"));
}

/* |H(e^jw)| of channel ch of a cascade */
static double
cascade_mag(json_t *sos, int ch, double w)
{
	double complex z1 = cexp(-I * w), h = 1;
	int s;

	for (s = 0; s < n_sections(sos); s++)
		h *= (coef(sos, s, ch, 0) + coef(sos, s, ch, 1) * z1 +
		      coef(sos, s, ch, 2) * z1 * z1) /
		     (1 + coef(sos, s, ch, 3) * z1 + coef(sos, s, ch, 4) * z1 * z1);
	return cabs(h);
}

/* impulse response of the cascade (channel ch) by its difference equation */
static void
cascade_impulse(json_t *sos, int ch, double *y, int n)
{
	double x1, x2, y1, y2, in, out;
	int s, i;

	for (i = 0; i < n; i++)
		y[i] = i == 0;
	for (s = 0; s < n_sections(sos); s++) {
		x1 = x2 = y1 = y2 = 0;
		for (i = 0; i < n; i++) {
			in = y[i];
			out = coef(sos, s, ch, 0) * in + coef(sos, s, ch, 1) * x1 +
			      coef(sos, s, ch, 2) * x2 - coef(sos, s, ch, 3) * y1 -
			      coef(sos, s, ch, 4) * y2;
			x2 = x1; x1 = in; y2 = y1; y1 = out;
			y[i] = out;
		}
	}
}

/* path 0 → out of the lowered IR by the reference simulator (caller frees) */
static double *
simulate(json_t *irdoc, long n, int out)
{
	struct adac_ir *ir = NULL;
	struct adac_response *r = NULL;
	struct adac_error err;
	double *h = NULL;

	if (adac_ir_parse(irdoc, &ir, &err) != ADAC_OK ||
	    adac_sim_impulse(ir, n, NULL, 0, &r, &err) != ADAC_OK) {
		printf("# simulate: %s: %s\n", err.pointer, err.text);
		goto out;
	}
	h = malloc((size_t)n * sizeof *h);
	if (h != NULL)
		memcpy(h, adac_response_path(r, 0, out), (size_t)n * sizeof *h);
out:
	adac_response_free(r);
	adac_ir_free(ir);
	return h;
}

static json_t *
leaf(const char *module_type, const char *params, int fs)
{
	char text[4096];
	struct adac_error err;
	json_t *ir;

	snprintf(text, sizeof text, "{\"type\": \"Leaf\", \"name\": \"f\", "
		 "\"module_type\": \"%s\", \"params\": %s, \"fs\": %d}",
		 module_type, params, fs);
	ir = lower_text(text, &err);
	if (ir == NULL)
		printf("# %s: %s: %s\n", module_type, err.pointer, err.text);
	return ir;
}

static void
test_lower__fdn4_config_first_echoes(void)
{
	static const long m[4] = {1103, 1447, 1811, 2137};
	json_t *ir = lower_file("tests/data/adac/fdn4.json"), *back;
	double *h;
	int i;

	check(ir != NULL);
	if (ir == NULL)
		return;
	back = json_object_get(find_op(ir, "feedback"), "back");
	check_str(json_string_value(json_object_get(json_object_get(back,
		  "structure"), "kind")), "hadamard");
	check(json_number_value(json_object_get(json_object_get(back,
	      "structure"), "scale")) == 0.4995);
	h = simulate(ir, 2300, 0);
	check(h != NULL);
	if (h != NULL) {
		/* b = 1, c = 1/4, one pass through line i: 1/4 at m_i */
		for (i = 0; i < 4; i++)
			check_near(h[m[i]], 0.25, 1e-15);
		for (i = 0; i < 1103; i++)
			check(h[i] == 0);
		/* twice round line 0: c0·A00·b0 = 0.25·0.4995 */
		check_near(h[2 * 1103], 0.25 * 0.4995, 1e-15);
	}
	free(h);
	json_decref(ir);
}

static void
test_lower__butterworth_magnitude(void)
{
	static const double fcs[] = {100, 1000, 9000};
	char params[128];
	const char *types[2] = {"lowpass", "highpass"};
	int t, order, f, k;
	json_t *ir, *sos;

	for (t = 0; t < 2; t++)
		for (order = 1; order <= 6; order++)
			for (f = 0; f < 3; f++) {
				snprintf(params, sizeof params,
					 "{\"order\": %d, \"fc\": %g}", order,
					 fcs[f]);
				ir = leaf(types[t], params, 48000);
				sos = find_op(ir, "sos");
				check(sos != NULL);
				if (sos == NULL) {
					json_decref(ir);
					continue;
				}
				check_int(n_sections(sos), (order + 1) / 2);
				for (k = 1; k < 16; k++) {
					double w = PI * k / 16.0;
					double r = tan(w / 2) /
					    tan(PI * fcs[f] / 48000);
					double want = 1 / sqrt(1 + pow(t ? 1 / r : r,
								       2 * order));
					/* rounding in ≤ 3 sections: 1e-12 is ample */
					check_near(cascade_mag(sos, 0, w), want,
						   1e-12);
				}
				json_decref(ir);
			}
}

static void
test_lower__lowpass2_matches_textbook_biquad(void)
{
	/* bilinear Butterworth, K = tan(π·fc/fs), prewarped */
	double k = tan(PI * 1000.0 / 48000.0), n = 1 + sqrt(2) * k + k * k;
	double want[5] = {k * k / n, 2 * k * k / n, k * k / n,
			  2 * (k * k - 1) / n, (1 - sqrt(2) * k + k * k) / n};
	json_t *ir = leaf("lowpass", "{}", 48000), *sos = find_op(ir, "sos");
	int i;

	check(sos != NULL);
	for (i = 0; sos != NULL && i < 5; i++)
		check_near(coef(sos, 0, 0, i), want[i], 1e-15);
	json_decref(ir);
}

static void
test_lower__bandpass_edges_and_tf2sb(void)
{
	double fs = 48000, fl = 300, fh = 3000;
	double c2 = 2 * fs, wla = c2 * tan(2 * PI * fl / c2);
	double wua = c2 * tan(2 * PI * fh / c2), wc2 = wla * wua;
	double w1 = wua - wc2 / wua, t = 1 / fs;
	double a1 = sqrt(2), a[5], got[5] = {0}, *s0, *s1;
	json_t *ir, *sos;
	int nh, k, i, j;
	char params[128];

	for (nh = 1; nh <= 4; nh++) {
		snprintf(params, sizeof params,
			 "{\"order\": %d, \"fl\": %g, \"fh\": %g}", nh, fl, fh);
		ir = leaf("bandpass", params, (int)fs);
		sos = find_op(ir, "sos");
		check(sos != NULL);
		if (sos == NULL) {
			json_decref(ir);
			continue;
		}
		check_int(n_sections(sos), nh);
		/* -3 dB exactly at both (prewarped) band edges */
		check_near(cascade_mag(sos, 0, 2 * PI * fl / fs), sqrt(0.5),
			   1e-12);
		check_near(cascade_mag(sos, 0, 2 * PI * fh / fs), sqrt(0.5),
			   1e-12);
		/* |H|² = 1/(1 + ν^2Nh), ν = (Ω² − wc²)/(Ω·w1) */
		for (k = 1; k < 16; k++) {
			double w = PI * k / 16, om = c2 * tan(w / 2);
			double nu = (om * om - wc2) / (om * w1);
			check_near(cascade_mag(sos, 0, w),
				   1 / sqrt(1 + pow(nu, 2 * nh)), 1e-12);
		}
		json_decref(ir);
	}
	/*
	 * fi.bandpass(2, fl, fh) is one fi.tf2sb(0,0,1,sqrt2,1,w1,wc): its
	 * direct-form denominator over a0d, as filters.lib writes it, must
	 * equal the product of the two lowered sections' denominators.
	 */
	a[0] = wc2 * wc2 * t * t * t * t + 2 * a1 * wc2 * w1 * t * t * t +
	       (4 * w1 * w1 + 8 * wc2) * t * t + 8 * a1 * w1 * t + 16;
	a[1] = 4 * wc2 * wc2 * t * t * t * t + 4 * a1 * wc2 * w1 * t * t * t -
	       16 * a1 * w1 * t - 64;
	a[2] = 6 * wc2 * wc2 * t * t * t * t + (-8 * w1 * w1 - 16 * wc2) * t * t +
	       96;
	a[3] = 4 * wc2 * wc2 * t * t * t * t - 4 * a1 * wc2 * w1 * t * t * t +
	       16 * a1 * w1 * t - 64;
	a[4] = wc2 * wc2 * t * t * t * t - 2 * a1 * wc2 * w1 * t * t * t +
	       (4 * w1 * w1 + 8 * wc2) * t * t - 8 * a1 * w1 * t + 16;
	ir = leaf("bandpass", "{\"order\": 2, \"fl\": 300, \"fh\": 3000}",
		  (int)fs);
	sos = find_op(ir, "sos");
	if (sos != NULL) {
		double d0[3] = {1, coef(sos, 0, 0, 3), coef(sos, 0, 0, 4)};
		double d1[3] = {1, coef(sos, 1, 0, 3), coef(sos, 1, 0, 4)};
		s0 = d0;
		s1 = d1;
		for (i = 0; i < 3; i++)
			for (j = 0; j < 3; j++)
				got[i + j] += s0[i] * s1[j];
		for (i = 0; i < 5; i++)
			check_near(got[i], a[i] / a[0], 1e-12);
		/* numerator b0 = 4·w1²·T²/a0d split over the two sections */
		check_near(coef(sos, 0, 0, 0) * coef(sos, 1, 0, 0),
			   4 * w1 * w1 * t * t / a[0], 1e-15);
	}
	json_decref(ir);
}

static void
test_lower__peak_eq_level_at_centre(void)
{
	static const double levels[] = {-12, -3, 6, 12};
	char params[128];
	json_t *ir, *sos;
	int i;

	for (i = 0; i < 4; i++) {
		snprintf(params, sizeof params, "{\"gain_db\": %g, \"fc\": 2000, "
			 "\"bandwidth\": 400}", levels[i]);
		ir = leaf(i % 2 ? "PEQ" : "peakEQ", params, 48000);
		sos = find_op(ir, "sos");
		check(sos != NULL);
		if (sos != NULL) {
			check_near(cascade_mag(sos, 0, 2 * PI * 2000 / 48000),
				   pow(10, levels[i] / 20), 1e-12);
			check_near(cascade_mag(sos, 0, 0), 1, 1e-12);
			check_near(cascade_mag(sos, 0, PI), 1, 1e-12);
		}
		json_decref(ir);
	}
}

static void
test_lower__svf_matches_faust_tick_equations(void)
{
	static const struct { const char *mode; double m0, m1k, m1, m2; } modes[] = {
		/* filters.lib mix: y = m0·v0 + m1·v1 + m2·v2, m1 may be −k·m1k */
		{"lowpass", 0, 0, 0, 1}, {"bandpass", 0, 0, 1, 0},
		{"highpass", 1, -1, 0, -1}, {"notch", 1, -1, 0, 0},
		{"allpass", 1, -2, 0, 0},
	};
	double fc = 1500, q = 2.5, fs = 48000, g = tan(PI * fc / fs), k = 1 / q;
	double y[64], ic1, ic2, v0, v1, v2, want, m1;
	char params[128];
	json_t *ir, *sos;
	size_t mi;
	int n;

	for (mi = 0; mi < sizeof modes / sizeof modes[0]; mi++) {
		snprintf(params, sizeof params, "{\"fc\": %g, \"q\": %g, "
			 "\"mode\": \"%s\"}", fc, q, modes[mi].mode);
		ir = leaf("SVF", params, (int)fs);
		sos = find_op(ir, "sos");
		check(sos != NULL);
		if (sos == NULL) {
			json_decref(ir);
			continue;
		}
		cascade_impulse(sos, 0, y, 64);
		ic1 = ic2 = 0;
		m1 = modes[mi].m1 + modes[mi].m1k * k;
		for (n = 0; n < 64; n++) {
			v0 = n == 0;
			v1 = (ic1 + g * (v0 - ic2)) / (1 + g * (g + k));
			v2 = ic2 + g * v1;
			ic1 = 2 * v1 - ic1;
			ic2 = 2 * v2 - ic2;
			want = modes[mi].m0 * v0 + m1 * v1 + modes[mi].m2 * v2;
			/* two stable recursions of 64 steps: 1e-13 */
			check_near(y[n], want, 1e-13);
		}
		json_decref(ir);
	}
}

static void
test_lower__allpass_comb_is_faust_allpass_comb(void)
{
	/* w[n] = x[n] − a·w[n−N]; y[n] = a·w[n] + w[n−N] */
	json_t *ir = leaf("allpassComb", "{\"delay\": 7, \"feedback\": 0.6}",
			  48000);
	double w[200], *h = ir ? simulate(ir, 200, 0) : NULL, want;
	int n;

	check(h != NULL);
	for (n = 0; h != NULL && n < 200; n++) {
		w[n] = (n == 0) - (n >= 7 ? 0.6 * w[n - 7] : 0);
		want = 0.6 * w[n] + (n >= 7 ? w[n - 7] : 0);
		check_near(h[n], want, 1e-15);
	}
	free(h);
	json_decref(ir);
}

static void
test_lower__simple_filters(void)
{
	json_t *ir = leaf("dcBlocker", "{}", 48000), *sos = find_op(ir, "sos");

	check(sos != NULL && coef(sos, 0, 0, 0) == 1 && coef(sos, 0, 0, 1) == -1 &&
	      coef(sos, 0, 0, 3) == -0.995);
	json_decref(ir);
	ir = leaf("onePole", "{\"pole\": 0.7}", 48000);
	sos = find_op(ir, "sos");
	check(sos != NULL && coef(sos, 0, 0, 0) == 1 && coef(sos, 0, 0, 3) == -0.7);
	json_decref(ir);
	ir = leaf("Biquad", "{\"coeffs\": [0.5, 0.25, 0.125, -0.5, 0.25]}",
		  48000);
	sos = find_op(ir, "sos");
	check(sos != NULL && coef(sos, 0, 0, 2) == 0.125 &&
	      coef(sos, 0, 0, 4) == 0.25);
	json_decref(ir);
	/* json_to_faust's defaults: b0 = 1, the rest 0 */
	ir = leaf("Biquad", "{\"a1\": -0.5}", 48000);
	sos = find_op(ir, "sos");
	check(sos != NULL && coef(sos, 0, 0, 0) == 1 && coef(sos, 0, 0, 3) == -0.5 &&
	      coef(sos, 0, 0, 1) == 0);
	json_decref(ir);
}

static void
test_lower__parallel_filter_per_channel_and_fir(void)
{
	struct adac_error err;
	json_t *ir, *sos;
	double *h;

	ir = lower_text("{\"type\": \"Leaf\", \"module_type\": \"parallelFilter\","
			" \"output_channels\": 3, \"params\": {\"filter_type\":"
			" \"onePole\", \"pole\": 0.5}, \"fs\": 48000}", &err);
	sos = find_op(ir, "sos");
	check(sos != NULL);
	check(sos != NULL && coef(sos, 0, 2, 3) == -0.5);
	check_int(json_integer_value(json_object_get(ir, "inputs")), 3);
	json_decref(ir);
	/* FLAMO's FIR form: raw[tap][channel] */
	ir = lower_text("{\"type\": \"Leaf\", \"module_type\": \"parallelFilter\","
			" \"params\": {\"raw\": [[0.5, 1], [0, 0], [0.25, -1]]},"
			" \"fs\": 48000}", &err);
	check(ir != NULL);
	h = ir ? simulate(ir, 5, 0) : NULL;
	check(h != NULL && h[0] == 0.5 && h[1] == 0 && h[2] == 0.25 &&
	      h[3] == 0);
	free(h);
	json_decref(ir);
}

static void
test_lower__delay_unit_and_fraction(void)
{
	struct adac_error err;
	json_t *ir, *d;

	/* FLAMO: samples = param·fs/unit; flamo_to_json wrote param·fs */
	ir = lower_text("{\"type\": \"Leaf\", \"module_type\": \"parallelDelay\","
			" \"flamo\": {\"unit\": 100, \"isint\": false},"
			" \"params\": {\"samples\": [15050],"
			" \"samples_fractional\": [15050.0]}, \"fs\": 48000}",
			&err);
	d = find_op(ir, "delay");
	check(d != NULL);
	check(json_number_value(json_array_get(json_object_get(d, "samples"),
	      0)) == 150.5);
	check_str(json_string_value(json_object_get(d, "interp")), "linear");
	json_decref(ir);
	/* isint rounds half to even like torch.round */
	ir = lower_text("{\"type\": \"Leaf\", \"module_type\": \"parallelDelay\","
			" \"flamo\": {\"unit\": 1, \"isint\": true},"
			" \"params\": {\"samples_fractional\": [2.5, 3.5]},"
			" \"fs\": 48000}", &err);
	d = find_op(ir, "delay");
	check(d != NULL);
	check(json_number_value(json_array_get(json_object_get(d, "samples"),
	      0)) == 2);
	check(json_number_value(json_array_get(json_object_get(d, "samples"),
	      1)) == 4);
	check(json_object_get(d, "interp") == NULL);
	json_decref(ir);
	/* FLAMO rounds param·fs/unit once: 250.4/100 → 3, not 250/100 → 2 */
	ir = lower_text("{\"type\": \"Leaf\", \"module_type\": \"parallelDelay\","
			" \"flamo\": {\"unit\": 100, \"isint\": true},"
			" \"params\": {\"samples\": [250],"
			" \"samples_fractional\": [250.4]}, \"fs\": 48000}",
			&err);
	d = find_op(ir, "delay");
	check(d != NULL);
	check(json_number_value(json_array_get(json_object_get(d, "samples"),
	      0)) == 3);
	json_decref(ir);
	/* requires_grad: the map is softplus, in seconds */
	ir = lower_text("{\"type\": \"Leaf\", \"module_type\": \"parallelDelay\","
			" \"flamo\": {\"unit\": 1, \"isint\": false,"
			" \"requires_grad\": true}, \"params\":"
			" {\"samples_fractional\": [480]}, \"fs\": 48000}", &err);
	d = find_op(ir, "delay");
	check(d != NULL);
	check_near(json_number_value(json_array_get(json_object_get(d,
		   "samples"), 0)), log(1 + exp(0.01)) * 48000, 1e-9);
	json_decref(ir);
}

static void
test_lower__householder_matrix_structure(void)
{
	struct adac_error err;
	json_t *ir, *m;

	/* I − 2uuᵀ with u = [1,1,1,1]/2 */
	ir = lower_text("{\"type\": \"Leaf\", \"module_type\": "
			"\"HouseholderMatrix\", \"params\": {\"matrix\": "
			"[[0.5,-0.5,-0.5,-0.5],[-0.5,0.5,-0.5,-0.5],"
			"[-0.5,-0.5,0.5,-0.5],[-0.5,-0.5,-0.5,0.5]]}, "
			"\"fs\": 48000}", &err);
	m = find_op(ir, "matrix");
	check(m != NULL);
	check_str(json_string_value(json_object_get(json_object_get(m,
		  "structure"), "kind")), "householder");
	json_decref(ir);
	/* legacy: the raw u column under params.matrix */
	ir = lower_text("{\"type\": \"Leaf\", \"module_type\": "
			"\"HouseholderMatrix\", \"params\": {\"matrix\": "
			"[[1],[1],[1],[1]]}, \"fs\": 48000}", &err);
	m = find_op(ir, "matrix");
	check(m != NULL);
	check(m != NULL && json_number_value(json_array_get(json_array_get(
	      json_object_get(m, "data"), 0), 1)) == -0.5);
	json_decref(ir);
	/* not a reflection: an error at the worst entry */
	ir = lower_text("{\"type\": \"Leaf\", \"module_type\": "
			"\"HouseholderMatrix\", \"params\": {\"matrix\": "
			"[[0.5,-0.5,-0.5,-0.5],[-0.5,0.5,-0.5,-0.5],"
			"[-0.5,-0.5,0.5,-0.5],[-0.5,-0.5,-0.4,0.5]]}, "
			"\"fs\": 48000}", &err);
	check(ir == NULL);
	check_int(err.code, ADAC_E_INPUT);
	check(strncmp(err.pointer, "/params/matrix/", 15) == 0);
	json_decref(ir);
}

static void
test_lower__flamo_hadamard_float32_is_snapped(void)
{
	char text[2048], *p = text;
	struct adac_error err;
	json_t *ir, *m;
	double h = (float)(1 / sqrt(8.0));
	int i, j;

	/* float32 H8/sqrt(8): each entry off by ~1e-8, more than 1e-9 */
	p += sprintf(p, "{\"type\": \"Leaf\", \"module_type\": \"Matrix\", "
		     "\"flamo\": {\"matrix_type\": \"hadamard\", \"param_raw\": "
		     "[[0]]}, \"params\": {\"matrix\": [");
	for (i = 0; i < 8; i++) {
		p += sprintf(p, "%s[", i ? "," : "");
		for (j = 0; j < 8; j++)
			p += sprintf(p, "%s%.17g", j ? "," : "",
				     __builtin_parity(i & j) ? -h : h);
		p += sprintf(p, "]");
	}
	sprintf(p, "]}, \"fs\": 48000}");
	ir = lower_text(text, &err);
	m = find_op(ir, "matrix");
	check(m != NULL);
	check_str(json_string_value(json_object_get(json_object_get(m,
		  "structure"), "kind")), "hadamard");
	check(m != NULL && json_number_value(json_array_get(json_array_get(
	      json_object_get(m, "data"), 0), 0)) == 1 / sqrt(8.0));
	json_decref(ir);
}

static void
test_lower__orthogonal_without_mapped_matrix_is_refused(void)
{
	struct adac_error err;
	json_t *ir;

	ir = lower_text("{\"type\": \"Leaf\", \"module_type\": \"Matrix\", "
			"\"flamo\": {\"matrix_type\": \"orthogonal\"}, "
			"\"params\": {\"matrix\": [[0, 0.3], [0, 0]]}, "
			"\"fs\": 48000}", &err);
	check(ir == NULL);
	check_str(err.pointer, "/params/matrix");
	json_decref(ir);
}

static void
test_lower__errors_point_into_the_config(void)
{
	struct adac_error err;
	json_t *ir;

	ir = lower_text("{\"type\": \"Shell\", \"children\": [{\"type\": "
			"\"Series\", \"children\": [{\"module_type\": "
			"\"parallelGain\", \"params\": {\"gains\": [1]}}, "
			"{\"module_type\": \"ScatteringMatrix\", \"params\": {}}]}], "
			"\"fs\": 48000}", &err);
	check(ir == NULL);
	/* the value at fault: the module type's own member */
	check_str(err.pointer, "/children/0/children/1/module_type");
	check_str(err.text, "unsupported module type 'ScatteringMatrix'");
	/* a loop of gains only: the IR's delay-free loop, at the Recursion */
	ir = lower_text("{\"type\": \"Recursion\", \"fF\": {\"module_type\": "
			"\"parallelGain\", \"params\": {\"gains\": [1]}}, "
			"\"fB\": {\"module_type\": \"parallelGain\", \"params\": "
			"{\"gains\": [0.5]}}, \"fs\": 48000}", &err);
	check(ir == NULL);
	check(strncmp(err.pointer, "/f", 2) == 0 || strcmp(err.pointer, "") == 0);
	check(strstr(err.text, "delay-free") != NULL);
	ir = lower_text("{\"type\": \"Series\", \"children\": [{\"name\": \"a\","
			" \"module_type\": \"parallelGain\", \"params\": "
			"{\"gains\": [1, 1]}}, {\"name\": \"b\", \"module_type\":"
			" \"parallelGain\", \"params\": {\"gains\": [1]}}], "
			"\"fs\": 48000}", &err);
	check(ir == NULL);
	check_str(err.pointer, "/children/1");
	check_str(err.text, "channel mismatch: 'b' takes 1 channels but 'a' "
		  "gives 2");
}

/*
 * adac's own "adac" metadata on config nodes (what adac-ir export
 * writes): a structure claim as written or none, an explicit
 * interpolation, a parallel of more branches than FLAMO's two; and
 * errors at their pointers.
 */
static void
test_lower__adac_metadata(void)
{
	struct adac_error err;
	json_t *ir, *g;

	/* a permutation recognition would find, kept dense by null */
	ir = lower_text("{\"module_type\": \"Matrix\", \"params\": {\"matrix\":"
			" [[0, 1], [1, 0]]}, \"adac\": {\"structure\": null},"
			" \"fs\": 48000}", &err);
	check(ir != NULL && json_object_get(json_object_get(ir, "graph"),
					    "structure") == NULL);
	json_decref(ir);
	ir = lower_text("{\"module_type\": \"Matrix\", \"params\": {\"matrix\":"
			" [[0, 1], [1, 0]]}, \"fs\": 48000}", &err);
	check(ir != NULL && json_object_get(json_object_get(ir, "graph"),
					    "structure") != NULL);
	json_decref(ir);
	/* a claim as written, checked against the data */
	ir = lower_text("{\"module_type\": \"Matrix\", \"params\": {\"matrix\":"
			" [[0, 2], [2, 0]]}, \"adac\": {\"structure\": {\"kind\":"
			" \"permutation\", \"perm\": [1, 0], \"scale\": 2}},"
			" \"fs\": 48000}", &err);
	check(ir != NULL);
	json_decref(ir);
	ir = lower_text("{\"module_type\": \"Matrix\", \"params\": {\"matrix\":"
			" [[0, 2], [2, 0]]}, \"adac\": {\"structure\": {\"kind\":"
			" \"diagonal\"}}, \"fs\": 48000}", &err);
	check(ir == NULL);
	check_str(err.pointer, "");
	/* interp written although the delay is whole */
	ir = lower_text("{\"module_type\": \"parallelDelay\", \"params\": "
			"{\"samples\": [3]}, \"adac\": {\"interp\": \"linear\"},"
			" \"fs\": 48000}", &err);
	g = ir != NULL ? json_object_get(ir, "graph") : NULL;
	check(g != NULL && strcmp(json_string_value(json_object_get(g,
	      "interp")), "linear") == 0);
	json_decref(ir);
	ir = lower_text("{\"module_type\": \"parallelDelay\", \"params\": "
			"{\"samples\": [3]}, \"adac\": {\"interp\": \"cubic\"},"
			" \"fs\": 48000}", &err);
	check(ir == NULL);
	check_str(err.pointer, "/adac/interp");
	/* three branches as FLAMO's two: one parallel of three */
	ir = lower_text("{\"type\": \"Parallel\", \"sum_output\": true, "
			"\"children\": [{\"module_type\": \"parallelGain\", "
			"\"params\": {\"gains\": [1]}}, {\"type\": \"Parallel\", "
			"\"sum_output\": true, \"adac\": {\"continues\": true}, "
			"\"children\": [{\"module_type\": \"parallelGain\", "
			"\"params\": {\"gains\": [2]}}, {\"module_type\": "
			"\"parallelGain\", \"params\": {\"gains\": [3]}}]}], "
			"\"fs\": 48000}", &err);
	g = ir != NULL ? json_object_get(ir, "graph") : NULL;
	check(g != NULL && json_array_size(json_object_get(g, "of")) == 3);
	json_decref(ir);
	ir = lower_text("{\"type\": \"Parallel\", \"sum_output\": true, "
			"\"children\": [{\"module_type\": \"parallelGain\", "
			"\"params\": {\"gains\": [1]}}, {\"type\": \"Parallel\", "
			"\"adac\": {\"continues\": true}, "
			"\"children\": [{\"module_type\": \"parallelGain\", "
			"\"params\": {\"gains\": [2]}}, {\"module_type\": "
			"\"parallelGain\", \"params\": {\"gains\": [3]}}]}], "
			"\"fs\": 48000}", &err);
	check(ir == NULL);
	check_str(err.pointer, "/children/1/adac/continues");
	ir = lower_text("{\"module_type\": \"Gain\", \"params\": "
			"{\"gains\": [1]}, \"adac\": {\"structure\": null},"
			" \"fs\": 48000}", &err);
	check(ir == NULL);
	check_str(err.pointer, "/adac/structure");
	ir = lower_text("{\"module_type\": \"Matrix\", \"params\": {\"matrix\":"
			" [[1]]}, \"adac\": {\"shape\": 1}, \"fs\": 48000}", &err);
	check(ir == NULL);
	check_str(err.pointer, "/adac/shape");
	check_str(err.text, "unknown member 'shape' of adac metadata for a "
		  "matrix");
}

static void
test_lower__fdn_spec_echoes_follow_jot(void)
{
	static const double m[4] = {1103, 1447, 1811, 2137};
	json_t *ir = lower_text("{\"fdn\": 1, \"fs\": 48000, \"delays\": [1103,"
				" 1447, 1811, 2137], \"matrix\": \"householder\","
				" \"t60\": 1.5, \"b\": 0.5, \"c\": [1, 2, 3, 4]}",
				NULL);
	double *h = ir ? simulate(ir, 2200, 0) : NULL, g;
	int i;

	check(h != NULL);
	for (i = 0; h != NULL && i < 4; i++) {
		/* first arrival at m_i: c_i · g_i · b_i, g_i by Jot's rule */
		g = pow(10, -3 * m[i] / (48000 * 1.5));
		check_near(h[(long)m[i]], (i + 1) * g * 0.5, 1e-15);
	}
	check(h != NULL && h[1102] == 0);
	check_str(json_string_value(json_object_get(json_object_get(json_object_get(
		  find_op(ir, "feedback"), "back"), "structure"), "kind")),
		  "householder");
	free(h);
	json_decref(ir);
}

static void
test_lower__fdn_one_pole_absorption_hits_dc_and_nyquist(void)
{
	json_t *ir = lower_text("{\"fdn\": 1, \"fs\": 48000, \"delays\": [1000,"
				" 2000], \"matrix\": [[0, 1], [1, 0]], "
				"\"absorption\": {\"t60_dc\": 2, \"t60_nyquist\": "
				"0.5}}", NULL);
	json_t *sos = find_op(ir, "sos");
	int ch;

	check(sos != NULL);
	for (ch = 0; sos != NULL && ch < 2; ch++) {
		double mm = 1000.0 * (ch + 1);
		check_near(cascade_mag(sos, ch, 0), pow(10, -3 * mm / 96000),
			   1e-15);
		check_near(cascade_mag(sos, ch, PI), pow(10, -3 * mm / 24000),
			   1e-15);
	}
	check_str(json_string_value(json_object_get(json_object_get(json_object_get(
		  find_op(ir, "feedback"), "back"), "structure"), "kind")),
		  "permutation");
	json_decref(ir);
}

static void
test_lower__fdn_spec_errors(void)
{
	struct adac_error err;

	check(lower_text("{\"fdn\": 1, \"fs\": 48000, \"delays\": [10, 20, 30],"
			 " \"matrix\": \"hadamard\"}", &err) == NULL);
	check_str(err.pointer, "/matrix");
	check(lower_text("{\"fdn\": 1, \"fs\": 48000, \"delays\": [10, -20],"
			 " \"matrix\": \"householder\"}", &err) == NULL);
	check_str(err.pointer, "/delays/1");
	check_str(err.text, "delay length -20 is negative");
	check(lower_text("{\"fdn\": 1, \"fs\": 48000, \"delays\": [10, 20],"
			 " \"matrix\": \"householder\", \"inputs\": 2, "
			 "\"b\": [[1, 1], [1]]}", &err) == NULL);
	check_str(err.pointer, "/b/1");
	check(lower_text("{\"fdn\": 1, \"fs\": 48000, \"delays\": [10, 20],"
			 " \"matrix\": \"householder\", \"colour\": 1}", &err)
	      == NULL);
	check_str(err.pointer, "/colour");
}

/* The canonical one-line text of a built node is want (node is freed). */
static int
built_is(json_t *node, const char *want)
{
	char *got = adac_json_dumps_compact(node);
	int ok = got != NULL && strcmp(got, want) == 0;

	if (!ok)
		printf("#   got %s\n#  want %s\n", got ? got : "(null)", want);
	free(got);
	json_decref(node);
	return ok;
}

static void
test_lower__builders_write_what_the_front_ends_wrote(void)
{
	/* 2 sections of 2 channels, [b0, b1, b2, a1, a2] each, section-major */
	static const double coef[20] = {
		1, 0, 0, 0.5, 0, 2, 0, 0, 0.25, 0,
		3, 0, 0, 0.125, 0, 4, 0, 0, 0, 0,
	};
	static const double d[2] = {3, 4.5}, g[2] = {0.5, -1};

	/* a fractional length asks for linear interpolation */
	check(built_is(adac_build_delay(d, 2),
		       "{\"op\":\"delay\",\"samples\":[3,4.5],\"interp\":\"linear\"}"));
	check(built_is(adac_build_delay(d, 1),
		       "{\"op\":\"delay\",\"samples\":[3]}"));
	check(built_is(adac_build_with_id(adac_build_gain(g, 2), "t60"),
		       "{\"op\":\"gain\",\"id\":\"t60\",\"values\":[0.5,-1]}"));
	/* per channel (the fdn spec): channel stride 5, section stride 10 */
	check(built_is(adac_build_sos(coef, 2, 2, 10, 5),
		       "{\"op\":\"sos\",\"sections\":["
		       "[[1,0,0,0.5,0],[2,0,0,0.25,0]],"
		       "[[3,0,0,0.125,0],[4,0,0,0,0]]]}"));
	/* one design for every channel (an adac filter): channel stride 0 */
	check(built_is(adac_build_sos(coef, 1, 2, 5, 0),
		       "{\"op\":\"sos\",\"sections\":["
		       "[[1,0,0,0.5,0],[1,0,0,0.5,0]]]}"));
	check(built_is(adac_build_pair("parallel", adac_build_gain(g, 1),
				       adac_build_delay(d, 1)),
		       "{\"op\":\"parallel\",\"in\":\"split\",\"out\":\"sum\",\"of\":["
		       "{\"op\":\"gain\",\"values\":[0.5]},{\"op\":\"delay\",\"samples\":[3]}]}"));
	/* a stolen NULL is out of memory: nothing leaks, NULL comes back */
	check(adac_build_pair("series", adac_build_gain(g, 1), NULL) == NULL);
}

int
main(void)
{
	RUN(test_lower__fdn4_config_first_echoes);
	RUN(test_lower__butterworth_magnitude);
	RUN(test_lower__lowpass2_matches_textbook_biquad);
	RUN(test_lower__bandpass_edges_and_tf2sb);
	RUN(test_lower__peak_eq_level_at_centre);
	RUN(test_lower__svf_matches_faust_tick_equations);
	RUN(test_lower__allpass_comb_is_faust_allpass_comb);
	RUN(test_lower__simple_filters);
	RUN(test_lower__parallel_filter_per_channel_and_fir);
	RUN(test_lower__delay_unit_and_fraction);
	RUN(test_lower__householder_matrix_structure);
	RUN(test_lower__flamo_hadamard_float32_is_snapped);
	RUN(test_lower__orthogonal_without_mapped_matrix_is_refused);
	RUN(test_lower__errors_point_into_the_config);
	RUN(test_lower__adac_metadata);
	RUN(test_lower__fdn_spec_echoes_follow_jot);
	RUN(test_lower__fdn_one_pole_absorption_hits_dc_and_nyquist);
	RUN(test_lower__fdn_spec_errors);
	RUN(test_lower__builders_write_what_the_front_ends_wrote);
	return unit_done();
}
