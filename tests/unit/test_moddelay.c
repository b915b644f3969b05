/*
 * test_moddelay.c - the modulated delay: its parse errors with their
 * pointers, the simulator against the read formula written out here in
 * long double, the l2-gain bound against the exact operator norm of the
 * interpolation matrix (dgesvd through lib/linalg), and the certifier:
 * small gain with the modulated delay's factor, never modes.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allpass.h"
#include "bound.h"
#include "certify.h"
#include "ir.h"
#include "linalg.h"
#include "sim.h"
#include "unit.h"

static const struct adac_certify_opts f64 = {ADAC_CERTIFY_DOUBLE, 0, -1};
static const struct adac_certify_opts f32 = {ADAC_CERTIFY_FLOAT32, 0, -1};

static char *
doc(const char *graph)
{
	size_t n = strlen(graph) + 256;
	char *s = malloc(n);

	snprintf(s, n, "{\"adac\":\"ir/1\",\"name\":\"t\",\"fs\":48000,"
		 "\"inputs\":1,\"outputs\":1,\"graph\":%s}", graph);
	return s;
}

static struct adac_ir *
parse(const char *graph)
{
	struct adac_ir *ir = NULL;
	struct adac_error err;
	char *d = doc(graph);

	if (adac_ir_parse_text(d, strlen(d), &ir, &err) != ADAC_OK)
		printf("#   parse failed: %s: %s\n", err.pointer, err.text);
	free(d);
	return ir;
}

static int
parse_error(const char *graph, struct adac_error *err)
{
	struct adac_ir *ir = NULL;
	char *d = doc(graph);
	int rc = adac_ir_parse_text(d, strlen(d), &ir, err);

	adac_ir_free(ir);
	free(d);
	return rc;
}

#define MD(b, a, r, ph) "{\"op\":\"moddelay\",\"samples\":[" b "],\"depth\":[" \
	a "],\"rate_hz\":[" r "],\"phase\":[" ph "]}"

static void
test_moddelay__parse_errors(void)
{
	struct adac_error err;

	check_int(parse_error(MD("10", "11", "1", "0"), &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/depth/0");
	check_str(err.text, "depth 11 is more than the base length 10: the read pointer would pass the write pointer");
	check_int(parse_error(MD("10", "-1", "1", "0"), &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/depth/0");
	check_str(err.text, "depth -1 is negative");
	check_int(parse_error(MD("10", "1", "-1", "0"), &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/rate_hz/0");
	check_str(err.text, "rate -1 Hz is negative");
	check_int(parse_error(MD("10", "1", "24001", "0"), &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/rate_hz/0");
	check_str(err.text, "rate 24001 Hz is above half the sample rate (24000 Hz)");
	check_int(parse_error(MD("10", "1", "0.001", "0"), &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/rate_hz/0");
	check_str(err.text, "rate 0.001 Hz is below the slowest LFO, fs/2^24 = 0.00286102294921875 Hz (or 0 for none)");
	check_int(parse_error(MD("10", "1", "1", "1"), &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/phase/0");
	check_str(err.text, "phase 1 is outside 0 to 1 (excluded), in cycles");
	check_int(parse_error(MD("10,20", "1", "1", "0"), &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/depth");
	check_int(parse_error(MD("16777000", "1000", "1", "0"), &err),
		  ADAC_E_INPUT);
	check_str(err.pointer, "/graph/samples/0");
	check_str(err.text, "delay length 16777000 plus depth 1000 is more than the limit of 16777216 samples");
	check_int(parse_error("{\"op\":\"moddelay\",\"samples\":[9],\"depth\":[1],"
			      "\"rate_hz\":[1],\"phase\":[0],\"lfo\":\"noise\"}",
			      &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/lfo");
	check_str(err.text, "unknown lfo 'noise'; expected 'sine'");
	/* a loop through a line that can read x[n] is delay-free */
	check_int(parse_error("{\"op\":\"feedback\",\"forward\":{\"op\":\"gain\","
			      "\"values\":[0.5]},\"back\":" MD("1.5", "1", "1", "0")
			      "}", &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph");
}

/*
 * The simulator against y[n] = (1 − f)x[n − j] + f·x[n − j − 1] with the
 * length b + a·sin(2π(φ + ((n + 1) mod P)/P)) computed here in long
 * double from the definition.  The two lengths differ by the roundings
 * of about ten double operations on numbers below 2^11: under 1e-12
 * samples, and y moves by at most that times max|x[k] − x[k−1]| <= 2 for
 * x in [−1, 1], so 4e-12, even where a floor() falls between them:
 * linear interpolation is continuous in d, with that slope.
 */
static void
test_moddelay__simulator_against_the_formula(void)
{
	struct adac_ir *ir = parse(MD("20.25", "7.5", "1000", "0.375"));
	struct adac_response *r = NULL;
	struct adac_error err;
	long n, len = 600, P = 48, j;
	double *x = malloc(len * sizeof *x), worst = 0;
	uint64_t s = 7;

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int((int)ir->graph->period[0], (int)P);
	for (n = 0; n < len; n++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		x[n] = (double)(s >> 11) * 0x1p-52 - 1.0;
	}
	check_int(adac_sim_drive(ir, len, x, NULL, 0, NULL, NULL, &r, &err),
		  ADAC_OK);
	for (n = 0; r != NULL && n < len; n++) {
		long double p = 0.375L + (long double)((n + 1) % P) / P, d, f, y;

		d = 20.25L + 7.5L * sinl(2 * 3.14159265358979323846264338L * p);
		j = (long)floorl(d);
		f = d - j;
		y = (1 - f) * (n - j >= 0 ? x[n - j] : 0) +
		    f * (n - j - 1 >= 0 ? x[n - j - 1] : 0);
		if (fabsl(y - r->h[n]) > worst)
			worst = (double)fabsl(y - r->h[n]);
	}
	check_le(worst, 4e-12);
	adac_response_free(r);
	adac_ir_free(ir);
	free(x);
}

/*
 * ‖T‖₂ of the interpolation matrix of lengths d[0 .. n), exactly (to
 * dgesvd's accuracy, 16·n·u relative): T[k][m] = the hat weight of x[m]
 * in y[k].
 */
static double
op_norm(const double *d, int n)
{
	double *t = calloc((size_t)n * n, sizeof *t), s = NAN;
	struct adac_error err;
	int k;

	for (k = 0; k < n; k++) {
		long j = (long)floor(d[k]);
		double f = d[k] - (double)j;

		if (k - j >= 0)
			t[(size_t)k * n + (k - j)] += 1 - f;
		if (k - j - 1 >= 0)
			t[(size_t)k * n + (k - j - 1)] += f;
	}
	if (adac_linalg_norm2(t, n, n, &s, &err) != ADAC_OK)
		s = NAN;
	free(t);
	return s;
}

/*
 * Schur's bound √(1 + 2δ) against the exact norm, for random walks of
 * the length with steps up to δ (0.05 to 0.5) and for the sine LFO the
 * certifier bounds (adac_bound_moddelay_gain() with u = 0); the exact
 * norm has a relative error of 16·n·u from dgesvd, far below the margin
 * asked.  The gain is above 1 for the fast walks: a modulated delay is
 * not passive, which is why its factor enters the loop bound.
 */
static void
test_moddelay__schur_bound_holds(void)
{
	enum { N = 160 };
	double d[N], delta, norm, worst_ratio = 0, most = 0;
	uint64_t s = 3;
	int trial, k;

	for (trial = 0; trial < 40; trial++) {
		delta = 0.05 + 0.45 * (trial % 10) / 9.0;
		d[0] = 6;
		for (k = 1; k < N; k++) {
			double step;

			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			/* a walk that likes its extremes, ±δ mostly */
			step = ((s >> 40) & 1 ? 1 : -1) * delta *
			       ((s >> 41) % 4 ? 1.0 : (double)((s >> 43) % 1000) / 1000);
			d[k] = d[k - 1] + step;
			if (d[k] < 1 || d[k] > 12)
				d[k] = d[k - 1] - step;
		}
		norm = op_norm(d, N);
		check(norm == norm);
		check_le(norm, sqrt(1 + 2 * delta) * (1 + 1e-12));
		if (norm / sqrt(1 + 2 * delta) > worst_ratio)
			worst_ratio = norm / sqrt(1 + 2 * delta);
		if (norm > most)
			most = norm;
	}
	printf("#   largest norm %.6f, at most %.6f of its bound\n", most,
	       worst_ratio);
	check(most > 1.05);	/* not passive: the factor is needed */

	/* the sine LFO of depth a and period P, as the certifier bounds it */
	for (trial = 0; trial < 6; trial++) {
		double a = 1 + trial, bound;
		long P = (long)ceil(2 * M_PI * a / 0.45);

		for (k = 0; k < N; k++)
			d[k] = 8 + a * sin(2 * M_PI * (double)((k + 1) % P) / P);
		norm = op_norm(d, N);
		bound = adac_bound_moddelay_gain(a, P, 0);
		check_le(norm, bound);
		check_le(bound, sqrt(1 + 2 * 0.45) * (1 + 1e-12));
	}
	/* more than half a sample per sample: no bound */
	check(isinf(adac_bound_moddelay_gain(8, 100, 0)));
	/* 0.5 exactly is allowed, u widens it a little */
	check_le(adac_bound_moddelay_gain(0, 1, 0x1p-24), 1 + 1e-5);
}

/* a 4-line FDN whose lines are modulated; forward is g·H/2 */
#define FDN4(g, depth) "{\"op\":\"series\",\"of\":[{\"op\":\"matrix\",\"data\":[[1],[1],[1],[1]]}," \
	"{\"op\":\"feedback\",\"forward\":{\"op\":\"series\",\"of\":[{\"op\":\"gain\",\"values\":[" g "," g "," g "," g "]}," \
	"{\"op\":\"matrix\",\"data\":[[0.5,0.5,0.5,0.5],[0.5,-0.5,0.5,-0.5],[0.5,0.5,-0.5,-0.5],[0.5,-0.5,-0.5,0.5]]}]}," \
	"\"back\":" MD("149,211,263,293", depth "," depth "," depth "," depth, "1,0.5,2,1.5", "0,0.25,0.5,0.75") "}," \
	"{\"op\":\"matrix\",\"data\":[[1,1,1,1]]}]}"

static enum adac_verdict
certify(const char *graph, const struct adac_certify_opts *o, json_t **loop)
{
	struct adac_ir *ir = parse(graph);
	enum adac_verdict v = ADAC_NOT_CERTIFIED;
	struct adac_error err;
	json_t *c = NULL;

	*loop = NULL;
	if (ir == NULL)
		return v;
	if (adac_certify(ir, o, &c, &v, &err) != ADAC_OK)
		printf("#   certify failed: %s: %s\n", err.pointer, err.text);
	*loop = json_incref(json_array_get(json_object_get(c, "loops"), 0));
	json_decref(c);
	adac_ir_free(ir);
	return v;
}

/*
 * The loop bound is g times the largest line's factor: depth 4 at 2 Hz
 * moves by δ = 2π·4·2/48000 = 1.047e-3 samples a sample, a factor of
 * √(1 + 2δ) = 1.001047, plus a rounding term of (48·4 + 4)·u·2 per
 * sample (2e-14 in double, 2.3e-5 in float).
 */
static void
test_moddelay__certified_by_small_gain_only(void)
{
	json_t *l;
	double f = sqrt(1 + 2 * (2 * M_PI * 4 * 2 / 48000));

	check_int(certify(FDN4("0.99", "4"), &f64, &l), ADAC_CERTIFIED_STABLE);
	check_le(0.99 * f, json_number_value(json_object_get(l, "bound")));
	check_le(json_number_value(json_object_get(l, "bound")),
		 0.99 * f * (1 + 1e-10));
	check(json_is_true(json_object_get(l, "modulated")));
	check(json_object_get(l, "slowest_mode") == NULL);
	json_decref(l);
	check_int(certify(FDN4("0.99", "4"), &f32, &l), ADAC_CERTIFIED_STABLE);
	check_le(json_number_value(json_object_get(l, "bound")),
		 0.99 * sqrt(1 + 2 * (2 * M_PI * 4 * 2 / 48000 + 5e-5)) *
		 (1 + 1e-6));
	json_decref(l);
	/* lossless lines are marginal when fixed, not when modulated */
	check_int(certify(FDN4("1", "0"), &f64, &l), ADAC_INDETERMINATE);
	check_str(json_string_value(json_object_get(l, "reason")),
		  "incremental small-gain bound 1 >= 1, and with a modulated delay in the loop only a delay-independent bound applies; only a delay-dependent argument (modes, poles, unitarity at fixed lengths) would settle it, and none holds for every length the LFO reaches");
	json_decref(l);
	/* 0.999 with depth 4 at these rates: 0.999 × 1.001047 > 1 */
	check_int(certify(FDN4("0.999", "4"), &f64, &l), ADAC_INDETERMINATE);
	json_decref(l);
}

/* a Schroeder lattice whose path P is the modulated line m, twice */
#define LATTICE(g, mg, m) "{\"op\":\"series\",\"of\":[{\"op\":\"feedback\"," \
	"\"forward\":{\"op\":\"gain\",\"values\":[1]},\"back\":{\"op\":\"series\",\"of\":[" \
	m ",{\"op\":\"gain\",\"values\":[" g "]}]}},{\"op\":\"parallel\",\"in\":\"split\"," \
	"\"out\":\"sum\",\"of\":[{\"op\":\"gain\",\"values\":[" mg "]}," m "]}]}"

/*
 * The lattice bound (Γ − |g|)/(1 − |g|Γ) of allpass.c against the exact
 * norm of the lattice's operator over N samples: column m of T is the
 * simulated response to an impulse at m (the operator is time-varying,
 * so every column is simulated), and ‖T‖₂ comes from dgesvd (16·N·u
 * relative).  A finite section of the operator has a norm no larger than
 * the operator's, so the bound must hold for it.  The line moves by
 * δ = 2π·3/42 = 0.449 samples a sample, Γ = √(1 + 2δ) = 1.376: the exact
 * norms exceed 1, so a bound that treated the lattice as an allpass
 * would fail here.
 */
static void
test_moddelay__a_modulated_lattice_is_bounded_by_its_energy_balance(void)
{
	enum { N = 160 };
	static const char *const gains[][2] = {
		{"0.5", "-0.5"}, {"-0.6", "0.6"}, {"0.2", "-0.2"}, {"0.7", "-0.7"},
	};
	static const double gv[] = {0.5, -0.6, 0.2, 0.7};
	double *t = calloc((size_t)N * N, sizeof *t), x[N], norm, bound;
	double gamma = adac_bound_moddelay_gain(3, 42, 0), most = 0;
	struct adac_error err;
	struct adac_response *r;
	char graph[2048];
	int i, m, k;

	check(gamma > 1.37 && gamma < 1.38);
	for (i = 0; i < 4; i++) {
		struct adac_ir *ir;

		snprintf(graph, sizeof graph, LATTICE("%s", "%s",
			 MD("6", "3", "1142.857142857143", "0.1")),
			 gains[i][0], gains[i][1]);
		ir = parse(graph);
		check(ir != NULL &&
		      ir->graph->of[0]->back->of[0]->period[0] == 42);
		if (ir == NULL)
			continue;
		for (m = 0; m < N; m++) {
			memset(x, 0, sizeof x);
			x[m] = 1;
			r = NULL;
			check_int(adac_sim_drive(ir, N, x, NULL, 0, NULL, NULL,
						 &r, &err), ADAC_OK);
			for (k = 0; r != NULL && k < N; k++)
				t[(size_t)k * N + m] = r->h[k];
			adac_response_free(r);
		}
		check_int(adac_linalg_norm2(t, N, N, &norm, &err), ADAC_OK);
		bound = adac_allpass_gain(gv[i], gamma);
		printf("#   g %5.2f: exact norm %.6f, lattice bound %.6f, "
		       "parts' bound %.6f\n", gv[i], norm, bound,
		       (gamma + fabs(gv[i])) / (1 - fabs(gv[i]) * gamma));
		check_le(norm * (1 - 16 * N * 0x1p-53), bound);
		most = norm > most ? norm : most;
		adac_ir_free(ir);
	}
	check(most > 1.05);
	/* a path of gain at most 1 leaves the lattice an allpass's bound */
	check(adac_allpass_gain(0.7, 1) == 1 && adac_allpass_gain(-0.7, 0.5) == 1);
	/* no bound once |g|·Γ reaches 1, nor for |g| >= 1 or a NaN */
	check(isinf(adac_allpass_gain(0.8, 1.25)));
	check(isinf(adac_allpass_gain(1, 1)) && isinf(adac_allpass_gain(NAN, 1)));
	check(isinf(adac_allpass_gain(0.5, NAN)));
	free(t);
}

int
main(void)
{
	RUN(test_moddelay__parse_errors);
	RUN(test_moddelay__simulator_against_the_formula);
	RUN(test_moddelay__schur_bound_holds);
	RUN(test_moddelay__certified_by_small_gain_only);
	RUN(test_moddelay__a_modulated_lattice_is_bounded_by_its_energy_balance);
	return unit_done();
}
