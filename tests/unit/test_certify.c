/*
 * test_certify.c - the certificate against figures derived here: closed
 * forms of small networks, the scaled Hadamard family, a non-normal matrix
 * checked by simulation, poles outside the circle, Jot's absorption
 * formula, the hash, and rounding to float32.  Also the frequency
 * responses the certifier builds on (lib/freq.c).
 */
#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certify.h"
#include "freq.h"
#include "ir.h"
#include "json.h"
#include "sim.h"
#include "unit.h"

static const struct adac_certify_opts f32 = {ADAC_CERTIFY_FLOAT32, 0, -1};
static const struct adac_certify_opts f64 = {ADAC_CERTIFY_DOUBLE, 0, -1};
static const struct adac_certify_opts all = {ADAC_CERTIFY_ALL, 0, -1};

static struct adac_ir *
parse(const char *text)
{
	struct adac_ir *ir = NULL;
	struct adac_error err;

	if (adac_ir_parse_text(text, strlen(text), &ir, &err) != ADAC_OK) {
		printf("#   parse failed: %s: %s\n", err.pointer, err.text);
		return NULL;
	}
	return ir;
}

/*
 * A 4-line FDN, one input and output, delays 149 211 263 293 and the
 * feedback matrix s·H/2 (H the Sylvester Hadamard matrix of order 4).
 */
static struct adac_ir *
hadamard_fdn(double s)
{
	char text[2048];
	double h = s / 2;

	snprintf(text, sizeof text,
		 "{\"adac\":\"ir/1\",\"name\":\"H\",\"fs\":48000,\"inputs\":1,"
		 "\"outputs\":1,\"graph\":{\"op\":\"series\",\"of\":["
		 "{\"op\":\"matrix\",\"data\":[[1],[1],[1],[1]]},"
		 "{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\","
		 "\"samples\":[149,211,263,293]},\"back\":{\"op\":\"matrix\","
		 "\"data\":[[%.17g,%.17g,%.17g,%.17g],[%.17g,%.17g,%.17g,%.17g],"
		 "[%.17g,%.17g,%.17g,%.17g],[%.17g,%.17g,%.17g,%.17g]]}},"
		 "{\"op\":\"matrix\",\"data\":[[1,1,1,1]]}]}}",
		 h, h, h, h, h, -h, h, -h, h, h, -h, -h, h, -h, -h, h);
	return parse(text);
}

/* Certify and return the verdict; *cert (when not NULL) gets the object. */
static enum adac_verdict
certify(const struct adac_ir *ir, const struct adac_certify_opts *o,
	json_t **cert)
{
	struct adac_error err;
	enum adac_verdict v = ADAC_NOT_CERTIFIED;
	json_t *c = NULL;
	int rc;

	rc = adac_certify(ir, o, &c, &v, &err);
	check_int(rc, ADAC_OK);
	if (rc != ADAC_OK)
		printf("#   certify failed: %s: %s\n", err.pointer, err.text);
	if (cert != NULL)
		*cert = c;
	else
		json_decref(c);
	return v;
}

static double
cert_number(const json_t *cert, const char *key)
{
	return json_number_value(json_object_get(cert, key));
}

static const json_t *
first_loop(const json_t *cert)
{
	return json_array_get(json_object_get(cert, "loops"), 0);
}

/* --- frequency responses ---------------------------------------------- */

static void
test_certify__freq_of_a_feedback_comb_has_closed_form(void)
{
	/* y = z⁻ᵐ(x + g·y): H = z⁻ᵐ/(1 − g·z⁻ᵐ), m = 5, g = 0.7 */
	struct adac_ir *ir = parse(
		"{\"adac\":\"ir/1\",\"name\":\"C\",\"fs\":48000,\"inputs\":1,"
		"\"outputs\":1,\"graph\":{\"op\":\"feedback\",\"forward\":"
		"{\"op\":\"delay\",\"samples\":[5]},\"back\":{\"op\":\"gain\","
		"\"values\":[0.7]}}}");
	struct adac_freq_opts o = {ADAC_PRECISION_DOUBLE, 48000, 1};
	double h[2], w;
	double complex want, zm;
	int k;

	check(ir != NULL);
	if (ir == NULL)
		return;
	for (k = 0; k <= 8; k++) {
		w = M_PI * k / 8;
		zm = cexp(-I * 5 * w);
		want = zm / (1 - 0.7 * zm);
		check_int(adac_freq_response(ir->graph, &o, w, h, NULL),
			  ADAC_OK);
		/* one 1×1 solve: a few eps relative to |H| ≤ 1/0.3 */
		check_near(h[0], creal(want), 1e-14);
		check_near(h[1], cimag(want), 1e-14);
	}
	adac_ir_free(ir);
}

static void
test_certify__freq_of_series_parallel_and_sos(void)
{
	/*
	 * parallel split/sum of a gain 2 and a biquad
	 * (1 + 0.5z⁻¹)/(1 − 0.25z⁻¹), then a fractional delay of 1.25
	 * (linear: 0.75·z⁻¹ + 0.25·z⁻²): H = (2 + B)·D.
	 */
	struct adac_ir *ir = parse(
		"{\"adac\":\"ir/1\",\"name\":\"S\",\"fs\":48000,\"inputs\":1,"
		"\"outputs\":1,\"graph\":{\"op\":\"series\",\"of\":["
		"{\"op\":\"parallel\",\"in\":\"split\",\"out\":\"sum\",\"of\":["
		"{\"op\":\"gain\",\"values\":[2]},{\"op\":\"sos\",\"sections\":"
		"[[[1,0.5,0,-0.25,0]]]}]},{\"op\":\"delay\",\"samples\":[1.25],"
		"\"interp\":\"linear\"}]}}");
	struct adac_freq_opts o = {ADAC_PRECISION_DOUBLE, 48000, 1};
	double h[2], w = 0.3;
	double complex z1 = cexp(-I * w), want;

	check(ir != NULL);
	if (ir == NULL)
		return;
	want = (2 + (1 + 0.5 * z1) / (1 - 0.25 * z1)) *
	       (0.75 * z1 + 0.25 * z1 * z1);
	check_int(adac_freq_response(ir->graph, &o, w, h, NULL), ADAC_OK);
	check_near(h[0], creal(want), 1e-15 * 8);
	check_near(h[1], cimag(want), 1e-15 * 8);
	adac_ir_free(ir);
}

static void
test_certify__freq_rounds_coefficients_at_float32(void)
{
	struct adac_ir *ir = parse(
		"{\"adac\":\"ir/1\",\"name\":\"G\",\"fs\":48000,\"inputs\":1,"
		"\"outputs\":1,\"graph\":{\"op\":\"gain\",\"values\":[0.1]}}");
	struct adac_freq_opts o = {ADAC_PRECISION_FLOAT32, 48000, 1};
	double h[2];

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(adac_freq_response(ir->graph, &o, 0, h, NULL), ADAC_OK);
	check(h[0] == (double)0.1f);
	check(h[0] != 0.1);
	adac_ir_free(ir);
}

/* --- the Hadamard family ---------------------------------------------- */

static void
test_certify__hadamard_times_0999_is_certified_with_bound_0999(void)
{
	struct adac_ir *ir = hadamard_fdn(0.999);
	json_t *cert;

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(certify(ir, &f64, &cert), ADAC_CERTIFIED_STABLE);
	/*
	 * s·H/2 is s times an orthogonal matrix: σ = s.  The bound is σ plus
	 * LAPACK's margin 8·4·u and a few roundings up: above 0.999 by at
	 * most 40u; the FDN figure carries the margin too.
	 */
	check_le(0.999 * (1 - 2 * DBL_EPSILON), cert_number(cert, "bound"));
	check_le(cert_number(cert, "bound"), 0.999 * (1 + 40 * DBL_EPSILON));
	check_le(cert_number(first_loop(cert), "sigma_max_AGamma"),
		 0.999 * (1 + 40 * DBL_EPSILON));
	check_str(json_string_value(json_object_get(cert, "pointer")),
		  "/graph/of/1");
	/* margin: −20·log10(0.999) = 0.0086945 dB */
	check_near(cert_number(cert, "margin_db"), -20 * log10(0.999), 1e-12);
	json_decref(cert);
	/* float32: entries 0.4995 round to the float f, bound 2f */
	check_int(certify(ir, &f32, &cert), ADAC_CERTIFIED_STABLE);
	check_le(2 * (double)0.4995f, cert_number(cert, "bound"));
	check_le(cert_number(cert, "bound"),
		 2 * (double)0.4995f * (1 + 40 * DBL_EPSILON));
	check_str(json_string_value(json_array_get(json_object_get(cert,
		  "precision"), 0)), "float32");
	check_int(json_array_size(json_object_get(cert, "precision")), 1);
	json_decref(cert);
	adac_ir_free(ir);
}

static void
test_certify__hadamard_unscaled_is_marginally_stable(void)
{
	struct adac_ir *ir = hadamard_fdn(1.0);
	json_t *cert;

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(certify(ir, &f32, &cert), ADAC_MARGINALLY_STABLE);
	check(json_is_true(json_object_get(first_loop(cert), "lossless")));
	json_decref(cert);
	check_int(certify(ir, &f64, NULL), ADAC_MARGINALLY_STABLE);
	adac_ir_free(ir);
}

static void
test_certify__hadamard_times_1001_is_unstable(void)
{
	struct adac_ir *ir = hadamard_fdn(1.001);
	json_t *cert;

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(certify(ir, &f64, &cert), ADAC_UNSTABLE);
	/* |det(1.001·H/2)| = 1.001⁴ */
	check_near(fabs(cert_number(first_loop(cert), "det_AGamma")),
		   pow(1.001, 4), 1e-12);
	check_str(json_string_value(json_object_get(cert, "verdict")),
		  "unstable");
	json_decref(cert);
	check_int(certify(ir, &f32, NULL), ADAC_UNSTABLE);
	adac_ir_free(ir);
}

/* --- non-normal -------------------------------------------------------- */

static void
test_certify__non_normal_matrix_is_certified_by_its_modes_and_decays(void)
{
	/*
	 * A = [[0.5, 10], [0, 0.5]]: ρ = 0.5 but σ_max = (√(1 + 100) + 10)/2
	 * ≈ 10.02.  The loop is triangular, so its poles are the 3rd and
	 * 5th roots of 0.5: stable, which the simulation shows.
	 */
	struct adac_ir *ir = parse(
		"{\"adac\":\"ir/1\",\"name\":\"N\",\"fs\":48000,\"inputs\":1,"
		"\"outputs\":1,\"graph\":{\"op\":\"series\",\"of\":["
		"{\"op\":\"matrix\",\"data\":[[1],[1]]},{\"op\":\"feedback\","
		"\"forward\":{\"op\":\"delay\",\"samples\":[3,5]},\"back\":"
		"{\"op\":\"matrix\",\"data\":[[0.5,10],[0,0.5]]}},"
		"{\"op\":\"matrix\",\"data\":[[1,1]]}]}}");
	struct adac_response *r = NULL;
	json_t *cert;
	const json_t *m;
	double peak = 0, tail = 0, *h;
	long n;

	check(ir != NULL);
	if (ir == NULL)
		return;
	/*
	 * Small gain cannot decide (σ_max ≈ 10.02 > 1), the modal analysis
	 * can: the 8-state map's slowest modes are the 5th roots of 0.5,
	 * radius 0.5^(1/5) = 0.870551, and its rigorous bound is below 1.
	 */
	check_int(certify(ir, &f64, &cert), ADAC_CERTIFIED_STABLE);
	check_str(json_string_value(json_object_get(first_loop(cert),
						    "method")), "modal");
	check_near(cert_number(cert, "bound"), (sqrt(101) + 10) / 2, 1e-13);
	check(json_is_null(json_object_get(cert, "margin_db")));
	m = json_object_get(first_loop(cert), "slowest_mode");
	check_near(cert_number(m, "radius"), pow(0.5, 0.2), 1e-12);
	check_le(pow(0.5, 0.2), cert_number(m, "bound"));
	check_le(cert_number(m, "bound"), 0.99);
	check_str(json_string_value(json_object_get(m, "method")), "dense");
	m = json_array_get(json_object_get(first_loop(cert), "matrices"), 0);
	check_near(cert_number(m, "spectral_radius"), 0.5, 1e-7);
	json_decref(cert);
	check_int(adac_sim_impulse(ir, 4000, NULL, 0, &r, NULL), ADAC_OK);
	if (r != NULL) {
		h = adac_response_path(r, 0, 0);
		for (n = 0; n < 4000; n++) {
			if (fabs(h[n]) > peak)
				peak = fabs(h[n]);
			if (n >= 2000 && fabs(h[n]) > tail)
				tail = fabs(h[n]);
		}
		/*
		 * The slowest mode decays as 0.5^(n/5) (the 5-sample line);
		 * the Jordan coupling adds a factor of order n·10, so after
		 * 2000 samples |h| < 1e5 · 0.5^400 ≈ 4e-116: far below 1e-100.
		 */
		check(isfinite(peak));
		check_le(tail, 1e-100);
		check(peak > 1);	/* the non-normal transient does exist */
	}
	adac_response_free(r);
	adac_ir_free(ir);
}

/* --- poles -------------------------------------------------------------- */

static void
test_certify__biquad_pole_at_10001_is_unstable(void)
{
	struct adac_ir *ir = parse(
		"{\"adac\":\"ir/1\",\"name\":\"B\",\"fs\":48000,\"inputs\":1,"
		"\"outputs\":1,\"graph\":{\"op\":\"series\",\"of\":["
		"{\"op\":\"delay\",\"samples\":[2]},{\"op\":\"sos\","
		"\"sections\":[[[1,0,0,-0.5,0.06]],[[1,0,0,-1.0001,0]]]}]}}");
	json_t *cert;
	const json_t *b;

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(certify(ir, &f64, &cert), ADAC_UNSTABLE);
	check_str(json_string_value(json_object_get(cert, "pointer")),
		  "/graph/of/1");
	b = json_array_get(json_object_get(cert, "biquads"), 0);
	/* z + a1 = 0: the pole is −a1 = 1.0001 exactly */
	check_near(cert_number(b, "pole_radius"), 1.0001, 0);
	check_int(json_integer_value(json_object_get(b, "section")), 1);
	json_decref(cert);
	adac_ir_free(ir);
}

static void
test_certify__complex_biquad_poles_have_radius_sqrt_a2(void)
{
	/* poles of z² − 1.6z + 0.81: 0.8 ± 0.41j, radius √0.81 = 0.9 */
	struct adac_ir *ir = parse(
		"{\"adac\":\"ir/1\",\"name\":\"B\",\"fs\":48000,\"inputs\":1,"
		"\"outputs\":1,\"graph\":{\"op\":\"sos\",\"sections\":"
		"[[[1,0,0,-1.6,0.81]]]}}");
	json_t *cert;

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(certify(ir, &f64, &cert), ADAC_CERTIFIED_STABLE);
	check_near(cert_number(json_array_get(json_object_get(cert, "biquads"),
					      0), "pole_radius"), 0.9,
		   2 * DBL_EPSILON);
	json_decref(cert);
	adac_ir_free(ir);
}

static void
test_certify__a_resonance_between_grid_points_is_found(void)
{
	/*
	 * A pole pair at radius r = 0.9999, angle θ = 1.0001234 (not on the
	 * grid πk/4096; the resonance is ~1e-4 rad wide, the grid step
	 * 7.7e-4).  |D(e^{jω})|² = (1 − 2r·cos(ω−θ) + r²)(1 − 2r·cos(ω+θ) + r²)
	 * is a quadratic in cos ω with minimum sin²θ·(1 − r²)², so
	 * max|H| = g/(sin θ·(1 − r²)), times the loop gain 0.5.
	 */
	double r = 0.9999, th = 1.0001234, g = 0.3 * (1 - r), want;
	char text[1024];
	struct adac_ir *ir;
	json_t *cert;

	snprintf(text, sizeof text,
		 "{\"adac\":\"ir/1\",\"name\":\"R\",\"fs\":48000,\"inputs\":1,"
		 "\"outputs\":1,\"graph\":{\"op\":\"feedback\",\"forward\":"
		 "{\"op\":\"series\",\"of\":[{\"op\":\"delay\",\"samples\":[100]},"
		 "{\"op\":\"sos\",\"sections\":[[[%.17g,0,0,%.17g,%.17g]]]}]},"
		 "\"back\":{\"op\":\"gain\",\"values\":[0.5]}}}",
		 g, -2 * r * cos(th), r * r);
	ir = parse(text);
	check(ir != NULL);
	if (ir == NULL)
		return;
	want = 0.5 * g / (sin(th) * (1 - r * r));
	check_int(certify(ir, &f64, &cert), ADAC_CERTIFIED_STABLE);
	/*
	 * The zoom ends 3e-9 rad from the peak at worst: (3e-9/1e-4)² ≈ 1e-9
	 * relative; the denominator's cancellation costs eps/(1 − r) ≈ 2e-12.
	 */
	check_near(cert_number(cert, "bound"), want, 1e-8 * want);
	json_decref(cert);
	adac_ir_free(ir);
}

/* --- absorption --------------------------------------------------------- */

static void
test_certify__one_pole_absorption_loop_has_the_predicted_bound(void)
{
	/*
	 * Per line a one-pole H_i(z) = g_i(1 − p)/(1 − p·z⁻¹), p = 0.3, with
	 * g_i = 10^(−3·m_i/(fs·T60)) (Jot), behind an orthogonal Hadamard/2.
	 * For 0 < p < 1, |H_i| peaks at DC where it is g_i, and
	 * σ_max(Q·diag(H)) = max|H_i| for orthogonal Q: the bound is
	 * max_i g_i, the g of the shortest line.
	 */
	static const double m[4] = {149, 211, 263, 293};
	double fs = 48000, t60 = 1.5, p = 0.3, g[4], want = 0;
	char text[2048];
	struct adac_ir *ir;
	json_t *cert;
	int i;

	for (i = 0; i < 4; i++) {
		g[i] = pow(10, -3 * m[i] / (fs * t60));
		if (g[i] > want)
			want = g[i];
	}
	snprintf(text, sizeof text,
		 "{\"adac\":\"ir/1\",\"name\":\"A\",\"fs\":48000,\"inputs\":4,"
		 "\"outputs\":4,\"graph\":{\"op\":\"feedback\",\"forward\":"
		 "{\"op\":\"series\",\"of\":[{\"op\":\"delay\",\"samples\":"
		 "[149,211,263,293]},{\"op\":\"sos\",\"sections\":[["
		 "[%.17g,0,0,-0.3,0],[%.17g,0,0,-0.3,0],[%.17g,0,0,-0.3,0],"
		 "[%.17g,0,0,-0.3,0]]]}]},\"back\":{\"op\":\"matrix\",\"data\":"
		 "[[0.5,0.5,0.5,0.5],[0.5,-0.5,0.5,-0.5],[0.5,0.5,-0.5,-0.5],"
		 "[0.5,-0.5,-0.5,0.5]]}}}",
		 g[0] * (1 - p), g[1] * (1 - p), g[2] * (1 - p), g[3] * (1 - p));
	ir = parse(text);
	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(certify(ir, &f64, &cert), ADAC_CERTIFIED_STABLE);
	/*
	 * |H_i| is monotone on [0, π] and bound.c bounds a monotone piece by
	 * its ends: the bound is b(1−p)/(1−p) at DC, up by LAPACK's margin
	 * 8·4·u and a few roundings.
	 */
	check_le(want * (1 - 4 * DBL_EPSILON), cert_number(cert, "bound"));
	check_le(cert_number(cert, "bound"), want * (1 + 40 * DBL_EPSILON));
	check_near(cert_number(first_loop(cert), "worst_hz"), 0, 0);
	json_decref(cert);
	adac_ir_free(ir);
}

static void
test_certify__rt60_is_certified_at_its_largest_value(void)
{
	/*
	 * Lossless prototype, gains 10^(−3·m/(fs·T60)): largest at the
	 * largest T60 (10 s) on the shortest line (149): that is the bound.
	 */
	struct adac_ir *ir = parse(
		"{\"adac\":\"ir/1\",\"name\":\"R\",\"fs\":48000,\"inputs\":2,"
		"\"outputs\":2,\"controls\":[{\"name\":\"rt60\",\"min\":0.1,"
		"\"max\":10,\"init\":2,\"unit\":\"s\"}],\"graph\":{\"op\":"
		"\"feedback\",\"forward\":{\"op\":\"series\",\"of\":[{\"op\":"
		"\"delay\",\"samples\":[149,211]},{\"op\":\"gain\",\"values\":"
		"[1,1],\"decay\":{\"control\":\"rt60\",\"loop_samples\":"
		"[149,211]}}]},\"back\":{\"op\":\"matrix\",\"data\":"
		"[[0.6,0.8],[-0.8,0.6]]}}}");
	json_t *cert;
	const json_t *ctl;
	double want;

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(certify(ir, &f64, &cert), ADAC_CERTIFIED_STABLE);
	/*
	 * 0.6, 0.8 are not exact in binary: σ of the rotation ≈ 1 ± 2 eps.
	 * The program computes the decay gain at run time: the bound holds
	 * it (16 + 16·ln 10·|a|)·u above the double value, a = 3·149/480000;
	 * LAPACK's margin and the bound's roundings add under 40u.
	 */
	want = pow(10, -3 * 149 / (48000 * 10.0));
	check_le(want, cert_number(cert, "bound"));
	check_le(cert_number(cert, "bound"),
		 want * (1 + (16 + 16 * M_LN10 * 3 * 149 / 480000.0) *
			 DBL_EPSILON / 2 + 40 * DBL_EPSILON));
	ctl = json_array_get(json_object_get(cert, "controls"), 0);
	check_str(json_string_value(json_object_get(ctl, "name")), "rt60");
	check_near(cert_number(ctl, "worst"), 10, 0);
	json_decref(cert);
	adac_ir_free(ir);
}

static void
test_certify__gain_above_one_at_the_rt60_maximum_is_unstable(void)
{
	/* values 1.01: at T60 = 10 the line gain is 1.01·0.99786 > 1 */
	struct adac_ir *ir = parse(
		"{\"adac\":\"ir/1\",\"name\":\"R\",\"fs\":48000,\"inputs\":1,"
		"\"outputs\":1,\"controls\":[{\"name\":\"rt60\",\"min\":0.1,"
		"\"max\":10,\"init\":2,\"unit\":\"s\"}],\"graph\":{\"op\":"
		"\"feedback\",\"forward\":{\"op\":\"delay\",\"samples\":[149]},"
		"\"back\":{\"op\":\"gain\",\"values\":[1.01],\"decay\":"
		"{\"control\":\"rt60\",\"loop_samples\":[149]}}}}");

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(certify(ir, &f64, NULL), ADAC_UNSTABLE);
	adac_ir_free(ir);
}

static struct adac_ir *
one_pole_fdn(double b0_first, double b0_rest)
{
	char text[2048];

	/* Hadamard/2 (symmetric, orthogonal) and b0/(1 − 0.05z⁻¹) per line */
	snprintf(text, sizeof text,
		 "{\"adac\":\"ir/1\",\"name\":\"P\",\"fs\":48000,\"inputs\":1,"
		 "\"outputs\":1,\"graph\":{\"op\":\"series\",\"of\":["
		 "{\"op\":\"matrix\",\"data\":[[1],[1],[1],[1]]},"
		 "{\"op\":\"feedback\",\"forward\":{\"op\":\"series\",\"of\":["
		 "{\"op\":\"delay\",\"samples\":[31,37,41,43]},{\"op\":\"sos\","
		 "\"sections\":[[[%.17g,0,0,-0.05,0],[%.17g,0,0,-0.05,0],"
		 "[%.17g,0,0,-0.05,0],[%.17g,0,0,-0.05,0]]]}]},\"back\":"
		 "{\"op\":\"matrix\",\"data\":[[0.5,0.5,0.5,0.5],"
		 "[0.5,-0.5,0.5,-0.5],[0.5,0.5,-0.5,-0.5],[0.5,-0.5,-0.5,0.5]]}},"
		 "{\"op\":\"matrix\",\"data\":[[1,1,1,1]]}]}}",
		 b0_first, b0_rest, b0_rest, b0_rest);
	return parse(text);
}

static void
test_certify__symmetric_loop_with_dc_gain_above_one_is_unstable(void)
{
	/*
	 * Every line has DC gain 1/0.95 = 1.0526 behind an orthogonal,
	 * symmetric matrix: L(1) = H/2·1.0526 has eigenvalue 1.0526 > 1,
	 * real for every real z, falling to 0 at z = ∞: a real pole z > 1.
	 * Not a plain FDN (biquads), and det(I − L(1)) > 0 (two eigenvalues
	 * above 1): only the symmetry argument proves it.  The simulation
	 * agrees: the response grows.
	 */
	struct adac_ir *ir = one_pole_fdn(1, 1);
	struct adac_response *r = NULL;
	double early = 0, late = 0, *h;
	json_t *cert;
	long n;

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(certify(ir, &f64, &cert), ADAC_UNSTABLE);
	check(strstr(json_string_value(json_object_get(cert, "reason")),
		     "symmetric") != NULL);
	json_decref(cert);
	check_int(adac_sim_impulse(ir, 40000, NULL, 0, &r, NULL), ADAC_OK);
	if (r != NULL) {
		h = adac_response_path(r, 0, 0);
		for (n = 0; n < 2000; n++)
			early = fmax(early, fabs(h[n]));
		for (n = 38000; n < 40000; n++)
			late = fmax(late, fabs(h[n]));
		/* growth ~1.05 per ~38 samples: ×1e20 or more by 38000 */
		check(late > 1e6 * early);
	}
	adac_response_free(r);
	adac_ir_free(ir);
}

static void
test_certify__passive_loop_at_unit_dc_gain_is_marginal(void)
{
	/*
	 * Line 0 has DC gain 0.95/0.95 = 1, the others 0.9/0.95 < 1: the
	 * loop never amplifies, but at DC it does not decay either (the
	 * bound is 1 within rounding): marginally-stable, not certified.
	 */
	struct adac_ir *ir = one_pole_fdn(0.95, 0.9);
	json_t *cert;

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(certify(ir, &f64, &cert), ADAC_MARGINALLY_STABLE);
	/*
	 * 0.95/(1 − 0.05) in double: within a few eps of 1, and the bound is
	 * above that by LAPACK's margin and its own roundings, under 64u;
	 * the marginal band allows what those and rounding explain.
	 */
	check_le(1 - 4 * DBL_EPSILON, cert_number(cert, "bound"));
	check_le(cert_number(cert, "bound"), 1 + 64 * DBL_EPSILON);
	check_le(cert_number(cert, "bound"),
		 1 + cert_number(first_loop(cert), "marginal_tolerance"));
	check_le(cert_number(first_loop(cert), "marginal_tolerance"), 1e-12);
	check(json_is_false(json_object_get(first_loop(cert), "lossless")));
	json_decref(cert);
	adac_ir_free(ir);
}

/* --- nested loops ------------------------------------------------------- */

static void
test_certify__nested_loop_bound_uses_its_response_norm(void)
{
	/*
	 * inner: y = z⁻⁷(x + 0.5y), |H| ≤ 1/(1 − 0.5) = 2 (at DC); outer:
	 * z⁻¹³ · inner, back 0.4: bound 2·0.4 = 0.8.
	 */
	struct adac_ir *ir = parse(
		"{\"adac\":\"ir/1\",\"name\":\"N\",\"fs\":48000,\"inputs\":1,"
		"\"outputs\":1,\"graph\":{\"op\":\"feedback\",\"forward\":"
		"{\"op\":\"series\",\"of\":[{\"op\":\"delay\",\"samples\":[13]},"
		"{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\",\"samples\":"
		"[7]},\"back\":{\"op\":\"gain\",\"values\":[0.5]}}]},\"back\":"
		"{\"op\":\"gain\",\"values\":[0.4]}}}");
	json_t *cert;

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(certify(ir, &f64, &cert), ADAC_CERTIFIED_STABLE);
	check_near(cert_number(first_loop(cert), "bound"), 0.8, 1e-14);
	json_decref(cert);
	adac_ir_free(ir);
}

static void
test_certify__loop_around_a_lossless_loop_is_proven_unstable_by_its_modes(void)
{
	struct adac_ir *ir = parse(
		"{\"adac\":\"ir/1\",\"name\":\"N\",\"fs\":48000,\"inputs\":1,"
		"\"outputs\":1,\"graph\":{\"op\":\"feedback\",\"forward\":"
		"{\"op\":\"series\",\"of\":[{\"op\":\"delay\",\"samples\":[13]},"
		"{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\",\"samples\":"
		"[7]},\"back\":{\"op\":\"gain\",\"values\":[1]}}]},\"back\":"
		"{\"op\":\"gain\",\"values\":[0.1]}}}");
	json_t *cert;

	check(ir != NULL);
	if (ir == NULL)
		return;
	/*
	 * The inner comb is lossless: no small-gain bound for the outer
	 * loop.  Its modes decide: 1 − 0.1·z⁻²⁰/(1 − z⁻⁷) = 0 has the real
	 * root r of r²⁰ − r¹³ − 0.1 = 0, r = 1.0118, outside the circle.
	 */
	double r;

	check_int(certify(ir, &f64, &cert), ADAC_UNSTABLE);
	check_str(json_string_value(json_object_get(cert, "pointer")),
		  "/graph");
	r = cert_number(json_object_get(first_loop(cert), "slowest_mode"),
			"radius");
	check_near(pow(r, 20) - pow(r, 13) - 0.1, 0, 1e-12);
	check(r > 1.01);
	json_decref(cert);
	adac_ir_free(ir);
}

static void
test_certify__real_axis_sign_change_proves_instability(void)
{
	/*
	 * A biquad in the loop stops the FDN shortcut.  Loop gain at DC:
	 * 1.5·H(1) with H = 1/(1 − 0.2z⁻¹), H(1) = 1.25: det(1 − 1.875) < 0,
	 * while at z = ∞ the loop is 0 and det = 1: a real pole z > 1.
	 */
	struct adac_ir *ir = parse(
		"{\"adac\":\"ir/1\",\"name\":\"R\",\"fs\":48000,\"inputs\":1,"
		"\"outputs\":1,\"graph\":{\"op\":\"feedback\",\"forward\":"
		"{\"op\":\"series\",\"of\":[{\"op\":\"delay\",\"samples\":[10]},"
		"{\"op\":\"sos\",\"sections\":[[[1,0,0,-0.2,0]]]}]},\"back\":"
		"{\"op\":\"gain\",\"values\":[1.5]}}}");
	json_t *cert;

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(certify(ir, &f64, &cert), ADAC_UNSTABLE);
	check_near(cert_number(first_loop(cert), "dc_spectral_radius"), 1.875,
		   1e-14);
	json_decref(cert);
	adac_ir_free(ir);
}

/* --- the hash ----------------------------------------------------------- */

static char *
hash_of(const char *text)
{
	struct adac_ir *ir = parse(text);
	char hex[65], *s;
	json_t *cert;

	if (ir == NULL)
		return NULL;
	check_int(certify(ir, &f64, &cert), ADAC_CERTIFIED_STABLE);
	s = strdup(json_string_value(json_object_get(cert, "hash")));
	check_int(adac_ir_hash(ir, hex, NULL), ADAC_OK);
	check_str(s, hex);
	json_decref(cert);
	adac_ir_free(ir);
	return s;
}

static void
test_certify__hash_follows_numbers_not_layout(void)
{
	char *a = hash_of(
		"{\"adac\":\"ir/1\",\"name\":\"C\",\"fs\":48000,\"inputs\":1,"
		"\"outputs\":1,\"graph\":{\"op\":\"feedback\",\"forward\":"
		"{\"op\":\"delay\",\"samples\":[5]},\"back\":{\"op\":\"gain\","
		"\"values\":[0.7123456]}}}");
	/* same document, keys reordered, other whitespace */
	char *b = hash_of(
		"{ \"graph\": { \"back\": {\"values\": [ 0.7123456 ],\n"
		"  \"op\": \"gain\"}, \"op\": \"feedback\",\n\t\"forward\": "
		"{\"samples\":[5],\"op\":\"delay\"}},\n  \"outputs\": 1, "
		"\"inputs\": 1, \"fs\": 48000, \"name\": \"C\", "
		"\"adac\": \"ir/1\" }");
	/* the 7th significant digit of the gain changed */
	char *c = hash_of(
		"{\"adac\":\"ir/1\",\"name\":\"C\",\"fs\":48000,\"inputs\":1,"
		"\"outputs\":1,\"graph\":{\"op\":\"feedback\",\"forward\":"
		"{\"op\":\"delay\",\"samples\":[5]},\"back\":{\"op\":\"gain\","
		"\"values\":[0.7123457]}}}");

	check(a != NULL && b != NULL && c != NULL);
	if (a != NULL && b != NULL && c != NULL) {
		check_str(a, b);
		check(strcmp(a, c) != 0);
		check_int(strlen(a), 64);
	}
	free(a);
	free(b);
	free(c);
}

/* --- rounding ----------------------------------------------------------- */

static void
test_certify__float32_rounding_can_lose_the_certificate(void)
{
	/*
	 * M = k·R(θ), a rotation scaled by k = 1 − 2⁻³⁰: σ(M) = k, certified
	 * in double (1 − 9.3e-10 < 1 − 1e-10).  Rounded to float, M stays
	 * of the form [[a, −b], [b, a]] (rounding is odd), a scaled rotation
	 * with σ = √(a² + b²) exactly.  Search θ for a rounding that makes
	 * that ≥ 1: the float32 certificate must not be certified-stable.
	 */
	double k = 1 - ldexp(1, -30), t, a = 0, b = 0, sig32 = 0;
	char text[1024];
	struct adac_ir *ir;
	json_t *cert;
	int i;

	for (i = 1; i < 10000; i++) {
		t = 0.7 + i * 1e-5;
		a = (double)(float)(k * cos(t));
		b = (double)(float)(k * sin(t));
		/* a², b² are exact in double (24-bit mantissas) */
		if (a * a + b * b > 1 + 1e-9)
			break;
	}
	check(i < 10000);
	sig32 = sqrt(a * a + b * b);
	snprintf(text, sizeof text,
		 "{\"adac\":\"ir/1\",\"name\":\"F\",\"fs\":48000,\"inputs\":2,"
		 "\"outputs\":2,\"graph\":{\"op\":\"feedback\",\"forward\":"
		 "{\"op\":\"delay\",\"samples\":[3,5]},\"back\":{\"op\":"
		 "\"matrix\",\"data\":[[%.17g,%.17g],[%.17g,%.17g]]}}}",
		 k * cos(t), -k * sin(t), k * sin(t), k * cos(t));
	ir = parse(text);
	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(certify(ir, &f64, &cert), ADAC_CERTIFIED_STABLE);
	/* LAPACK's margin 8·2·u and the bound's roundings: under 24u */
	check_le(k * (1 - 4 * DBL_EPSILON), cert_number(cert, "bound"));
	check_le(cert_number(cert, "bound"), k * (1 + 24 * DBL_EPSILON));
	json_decref(cert);
	check(certify(ir, &f32, &cert) != ADAC_CERTIFIED_STABLE);
	check_le(sig32, cert_number(cert, "bound"));
	check_le(cert_number(cert, "bound"), sig32 * (1 + 24 * DBL_EPSILON));
	check(cert_number(cert, "bound") > 1);
	check_str(json_string_value(json_array_get(json_object_get(cert,
		  "precision"), 0)), "float32");
	json_decref(cert);
	/* certifying every precision the program can be built in: not certified */
	check(certify(ir, &all, &cert) != ADAC_CERTIFIED_STABLE);
	json_decref(cert);
	adac_ir_free(ir);
}

/* --- adac_certify_check ------------------------------------------------- */

static void
test_certify__check_reports_missing_stale_and_failing(void)
{
	struct adac_ir *ir = hadamard_fdn(0.5), *bad = hadamard_fdn(1.5);
	struct adac_error err;
	json_t *cert;
	char *text;

	check(ir != NULL && bad != NULL);
	if (ir == NULL || bad == NULL)
		return;
	check_int(adac_certify_check(ir, &err), ADAC_E_NEGATIVE);
	check_str(err.pointer, "/certificate");
	check_str(err.text, "no certificate; run adac-certify first");

	certify(ir, &f32, &cert);
	check_int(adac_certify_attach(ir, cert, NULL), ADAC_OK);
	json_decref(cert);
	check_int(adac_certify_check(ir, &err), ADAC_OK);
	check_int(adac_certify_check_precision(ir, ADAC_PRECISION_FLOAT32,
					       &err), ADAC_OK);
	check_int(adac_certify_check_precision(ir, ADAC_PRECISION_DOUBLE,
					       &err), ADAC_E_NEGATIVE);
	check_str(err.pointer, "/certificate/precision");
	check_str(err.text, "certificate does not cover double values; rerun adac-certify --precision all");
	check_int(adac_certify_precisions(ir), ADAC_CERTIFY_FLOAT32);

	/* re-certifying replaces the certificate, and the hash ignores it */
	certify(ir, &f64, &cert);
	check_int(adac_certify_attach(ir, cert, NULL), ADAC_OK);
	json_decref(cert);
	check_int(adac_certify_check(ir, &err), ADAC_OK);
	text = adac_json_dumps(ir->json);
	check(text != NULL && strstr(text, "\"precision\": [\"double\"]") != NULL);
	check(text != NULL && strstr(text, "float32") == NULL);
	free(text);
	check_int(adac_certify_precisions(ir), ADAC_CERTIFY_DOUBLE);

	/* edit a number after certifying: stale */
	json_array_set_new(json_object_get(json_object_get(json_array_get(
		json_object_get(json_object_get(ir->json, "graph"), "of"), 1),
		"forward"), "samples"), 0, json_integer(150));
	check_int(adac_certify_check(ir, &err), ADAC_E_NEGATIVE);
	check_str(err.pointer, "/certificate/hash");
	check_str(err.text, "certificate is stale; rerun adac-certify");

	certify(bad, &f32, &cert);
	check_int(adac_certify_attach(bad, cert, NULL), ADAC_OK);
	json_decref(cert);
	check_int(adac_certify_check(bad, &err), ADAC_E_NEGATIVE);
	check_str(err.pointer, "/certificate/verdict");
	check_str(err.text, "certificate verdict is 'unstable'");
	adac_ir_free(ir);
	adac_ir_free(bad);
}

static void
test_certify__options_are_checked(void)
{
	struct adac_ir *ir = hadamard_fdn(0.5);
	struct adac_certify_opts o = {ADAC_CERTIFY_FLOAT32, 0, 0.7};
	struct adac_error err;
	json_t *cert = NULL;

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(adac_certify(ir, &o, &cert, NULL, &err), ADAC_E_INPUT);
	check_str(err.text, "tolerance 0.7 is not below 0.5");
	check(cert == NULL);
	o.tol = -1;
	o.grid = 8;
	check_int(adac_certify(ir, &o, &cert, NULL, &err), ADAC_OK);
	check_int(json_integer_value(json_object_get(cert, "grid")), 8);
	json_decref(cert);
	adac_ir_free(ir);
}

/* --- issue 10: bounds that hold between samples ----------------------- */

static struct adac_ir *
load(const char *path)
{
	struct adac_ir *ir = NULL;
	struct adac_error err;
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n &&
	    adac_ir_parse_text(buf, (size_t)n, &ir, &err) != ADAC_OK)
		printf("#   %s: %s: %s\n", path, err.pointer, err.text);
	free(buf);
	fclose(f);
	return ir;
}

static void
test_certify__a_peak_between_grid_points_bounds_the_loop(void)
{
	/*
	 * The loop gain at the narrow peak, computed here from the
	 * document's coefficients (float-rounded, and as they are), is a
	 * lower bound of the loop's supremum: neither the search's best
	 * point nor the certified bound may be below it, and the bound must
	 * be tight (the peak of the magnitudes is a hair away from where the
	 * phase is 0, so the estimate may be a little above |L(w)|).
	 */
	struct adac_ir *ir = load("tests/data/certify/hidden-peak.json");
	const struct adac_node *sos;
	double w, want = 0;
	double complex z, l;
	json_t *cert;
	int s, k, p;

	check(ir != NULL);
	if (ir == NULL)
		return;
	w = json_number_value(json_object_get(ir->json, "x-peak_omega"));
	sos = ir->graph->back->of[1];
	for (p = 0; p < 2; p++) {
		z = cexp(-I * w);
		l = ir->graph->back->of[0]->values[0] *
		    cexp(-I * w * ir->graph->forward->samples[0]);
		if (p == 0)
			l = (float)ir->graph->back->of[0]->values[0] *
			    cexp(-I * w * ir->graph->forward->samples[0]);
		for (s = 0; s < sos->n_sections; s++) {
			double q[5];

			for (k = 0; k < 5; k++)
				q[k] = p == 0 ? (float)sos->sos[s * 5 + k] :
				       sos->sos[s * 5 + k];
			l *= (q[0] + q[1] * z + q[2] * z * z) /
			     (1 + q[3] * z + q[4] * z * z);
		}
		want = fmax(want, cabs(l));
	}
	check(want > 1.7);
	check(certify(ir, &all, &cert) != ADAC_CERTIFIED_STABLE);
	check_le(want * (1 - 1e-12), cert_number(first_loop(cert), "estimate"));
	check_le(cert_number(first_loop(cert), "estimate"),
		 cert_number(cert, "bound"));
	check_le(cert_number(cert, "bound"),
		 cert_number(first_loop(cert), "estimate") * (1 + 1e-6));
	json_decref(cert);
	adac_ir_free(ir);
}

static void
test_certify__overflow_in_float32_is_not_certified_with_the_pointer(void)
{
	/* 1e200 in a gain, a matrix and a section: each names its value */
	static const struct {
		const char *graph, *pointer;
	} cases[] = {
		{"{\"op\":\"gain\",\"values\":[0.5,1e200]}", "/graph/values/1"},
		{"{\"op\":\"matrix\",\"data\":[[1,0],[0,-1e200]]}",
		 "/graph/data/1/1"},
		{"{\"op\":\"sos\",\"sections\":[[[1,0,0,0,0],[1,0,0,0,0]],"
		 "[[1,0,0,0,0],[1,0,1e39,0,0]]]}", "/graph/sections/1/1/2"},
	};
	char text[1024];
	struct adac_ir *ir;
	json_t *cert;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		snprintf(text, sizeof text,
			 "{\"adac\":\"ir/1\",\"name\":\"O\",\"fs\":48000,"
			 "\"inputs\":2,\"outputs\":2,\"graph\":%s}",
			 cases[i].graph);
		ir = parse(text);
		check(ir != NULL);
		if (ir == NULL)
			continue;
		check_int(certify(ir, &f32, &cert), ADAC_NOT_CERTIFIED);
		check_str(json_string_value(json_object_get(cert, "pointer")),
			  cases[i].pointer);
		check(json_is_null(json_object_get(cert, "bound")));
		json_decref(cert);
		/* in double they are finite, and nothing loops */
		check_int(certify(ir, &f64, NULL), ADAC_CERTIFIED_STABLE);
		adac_ir_free(ir);
	}
}

static void
test_certify__a_gain_above_one_beyond_rounding_is_unstable(void)
{
	/*
	 * g = 1.000009 is 1.0000089407 in float32, 150 ulps above 1: the
	 * rounding of a 1 × 1 loop explains a few ulps, so the loop is not
	 * marginal; its single pole is g^(1/100) > 1.
	 */
	struct adac_ir *ir = load("tests/data/certify/gain-1000009.json");
	json_t *cert;

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(certify(ir, &f32, &cert), ADAC_UNSTABLE);
	check_le(cert_number(first_loop(cert), "marginal_tolerance"), 1e-6);
	check_le((double)1.000009f, cert_number(cert, "bound"));
	json_decref(cert);
	adac_ir_free(ir);
}

static void
test_certify__a_moving_knob_inside_a_nested_loop_takes_suprema(void)
{
	/*
	 * The rt60 gain sits in a nested comb whose output feeds the outer
	 * loop.  With a knob that moves, the nested gain is time-varying and
	 * the outer bound must be the product of suprema:
	 * ‖inner‖ <= 1/(1 − g) with g its largest decay gain, times 0.4.
	 */
	struct adac_ir *ir = parse(
		"{\"adac\":\"ir/1\",\"name\":\"K\",\"fs\":48000,\"inputs\":1,"
		"\"outputs\":1,\"controls\":[{\"name\":\"rt60\",\"min\":0.1,"
		"\"max\":1,\"init\":0.5,\"unit\":\"s\"}],\"graph\":{\"op\":"
		"\"feedback\",\"forward\":{\"op\":\"series\",\"of\":["
		"{\"op\":\"delay\",\"samples\":[13]},{\"op\":\"feedback\","
		"\"forward\":{\"op\":\"delay\",\"samples\":[7]},\"back\":"
		"{\"op\":\"gain\",\"values\":[0.5],\"decay\":{\"control\":"
		"\"rt60\",\"loop_samples\":[7]}}}]},\"back\":{\"op\":\"gain\","
		"\"values\":[0.4]}}}");
	double g = 0.5 * pow(10, -3 * 7 / 48000.0), want = 0.4 / (1 - g);
	json_t *cert;

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(certify(ir, &f64, &cert), ADAC_CERTIFIED_STABLE);
	check(json_is_true(json_object_get(first_loop(cert), "time_varying")));
	/* the decay gain's run-time margin and the roundings: under 1e-12 */
	check_le(want, cert_number(cert, "bound"));
	check_le(cert_number(cert, "bound"), want * (1 + 1e-12));
	json_decref(cert);
	adac_ir_free(ir);
}

static void
test_certify__the_certificate_states_its_assumptions(void)
{
	struct adac_ir *ir = hadamard_fdn(0.5);
	json_t *cert;

	check(ir != NULL);
	if (ir == NULL)
		return;
	certify(ir, &all, &cert);
	check_int(json_array_size(json_object_get(cert, "assumptions")), 4);
	check_int(json_array_size(json_object_get(cert, "precision")), 2);
	check_str(json_string_value(json_object_get(first_loop(cert),
						    "method")), "small-gain");
	json_decref(cert);
	adac_ir_free(ir);
}

int
main(void)
{
	RUN(test_certify__freq_of_a_feedback_comb_has_closed_form);
	RUN(test_certify__freq_of_series_parallel_and_sos);
	RUN(test_certify__freq_rounds_coefficients_at_float32);
	RUN(test_certify__hadamard_times_0999_is_certified_with_bound_0999);
	RUN(test_certify__hadamard_unscaled_is_marginally_stable);
	RUN(test_certify__hadamard_times_1001_is_unstable);
	RUN(test_certify__non_normal_matrix_is_certified_by_its_modes_and_decays);
	RUN(test_certify__biquad_pole_at_10001_is_unstable);
	RUN(test_certify__complex_biquad_poles_have_radius_sqrt_a2);
	RUN(test_certify__a_resonance_between_grid_points_is_found);
	RUN(test_certify__one_pole_absorption_loop_has_the_predicted_bound);
	RUN(test_certify__rt60_is_certified_at_its_largest_value);
	RUN(test_certify__gain_above_one_at_the_rt60_maximum_is_unstable);
	RUN(test_certify__symmetric_loop_with_dc_gain_above_one_is_unstable);
	RUN(test_certify__passive_loop_at_unit_dc_gain_is_marginal);
	RUN(test_certify__nested_loop_bound_uses_its_response_norm);
	RUN(test_certify__loop_around_a_lossless_loop_is_proven_unstable_by_its_modes);
	RUN(test_certify__real_axis_sign_change_proves_instability);
	RUN(test_certify__hash_follows_numbers_not_layout);
	RUN(test_certify__float32_rounding_can_lose_the_certificate);
	RUN(test_certify__check_reports_missing_stale_and_failing);
	RUN(test_certify__options_are_checked);
	RUN(test_certify__a_peak_between_grid_points_bounds_the_loop);
	RUN(test_certify__overflow_in_float32_is_not_certified_with_the_pointer);
	RUN(test_certify__a_gain_above_one_beyond_rounding_is_unstable);
	RUN(test_certify__a_moving_knob_inside_a_nested_loop_takes_suprema);
	RUN(test_certify__the_certificate_states_its_assumptions);
	return unit_done();
}
