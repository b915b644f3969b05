/*
 * test_allpass.c - the structural allpass proof (allpass.h): which
 * shapes are proven and which are not, checked against the reference
 * simulator's impulse responses (Parseval: an allpass has energy 1; a
 * Schroeder section's taps in closed form), and what the certifier makes
 * of a proven section inside a loop.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allpass.h"
#include "certify.h"
#include "ir.h"
#include "sim.h"
#include "unit.h"

static const struct adac_certify_opts f64 = {ADAC_CERTIFY_DOUBLE, 0, -1};

/* The allpass shape around paths p (in the loop) and p2 (fed forward). */
static char *
ap_of(const char *p, const char *p2, double g, double h)
{
	size_t n = strlen(p) + strlen(p2) + 512;
	char *s = malloc(n);

	snprintf(s, n, "{\"op\":\"series\",\"of\":[{\"op\":\"feedback\","
		 "\"forward\":{\"op\":\"gain\",\"values\":[1]},"
		 "\"back\":{\"op\":\"series\",\"of\":[%s,"
		 "{\"op\":\"gain\",\"values\":[%.17g]}]}},"
		 "{\"op\":\"parallel\",\"in\":\"split\",\"out\":\"sum\","
		 "\"of\":[{\"op\":\"gain\",\"values\":[%.17g]},%s]}]}",
		 p, g, h, p2);
	return s;
}

static char *
delay_json(double m)
{
	char *s = malloc(64);

	snprintf(s, 64, "{\"op\":\"delay\",\"samples\":[%.17g]}", m);
	return s;
}

/* A Schroeder section of m samples, h given apart from g. */
static char *
schroeder(int m, double g, double h)
{
	char *d = delay_json(m), *s = ap_of(d, d, g, h);

	free(d);
	return s;
}

static struct adac_ir *
parse(char *graph)
{
	struct adac_ir *ir = NULL;
	struct adac_error err;
	size_t n = strlen(graph) + 256;
	char *d = malloc(n);

	snprintf(d, n, "{\"adac\":\"ir/1\",\"name\":\"t\",\"fs\":48000,"
		 "\"inputs\":1,\"outputs\":1,\"graph\":%s}", graph);
	if (adac_ir_parse_text(d, strlen(d), &ir, &err) != ADAC_OK)
		printf("#   parse failed: %s: %s\n", err.pointer, err.text);
	free(d);
	free(graph);
	return ir;
}

/* The simulator's impulse response, length n, in a new array. */
static double *
impulse(const struct adac_ir *ir, long n)
{
	struct adac_sim *sim = NULL;
	struct adac_error err;
	double *x = calloc((size_t)n, sizeof *x), *y = calloc((size_t)n, sizeof *y);

	x[0] = 1;
	if (adac_sim_new(ir, NULL, 0, &sim, &err) != ADAC_OK) {
		printf("#   sim: %s\n", err.text);
		free(y);
		y = NULL;
	} else {
		adac_sim_process(sim, x, y, n);
	}
	adac_sim_free(sim);
	free(x);
	return y;
}

static double
energy(const double *y, long from, long to)
{
	double s = 0;

	for (long i = from; i < to; i++)
		s += y[i] * y[i];
	return s;
}

static void
test_allpass__schroeder_is_proven_and_its_taps_are_the_closed_form(void)
{
	struct adac_ir *ir = parse(schroeder(7, 0.7, -0.7));
	struct adac_allpass a;
	double *y, want;
	long n = 4096;
	int k;

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(adac_allpass_match(ir->graph, &a), 1);
	check_int(a.proven, 1);
	check_int(a.nested, 0);
	check(a.g == 0.7 && a.h == -0.7);
	check_int(adac_allpass_proven(ir->graph), 1);
	check_int(adac_allpass_unit(ir->graph), 1);
	y = impulse(ir, n);
	/*
	 * H = (z^-M - g)/(1 - g z^-M) = -g + (1 - g²) Σ_k≥1 g^(k-1) z^-kM:
	 * h[0] = -g, h[kM] = (1 - g²) g^(k-1), zero elsewhere.  The
	 * simulator forms each tap in a few roundings of values below 1:
	 * 1e-15 is some 10 ulps.
	 */
	check_near(y[0], -0.7, 1e-15);
	for (k = 1; k < 20; k++) {
		want = (1 - 0.7 * 0.7) * pow(0.7, k - 1);
		check_near(y[7 * k], want, 1e-15);
		check_near(y[7 * k - 3], 0, 1e-15);
	}
	/*
	 * |H| = 1 makes Σ h² = 1 (Parseval).  The tail past 4096 samples
	 * is 0.49^585 of it, nothing; the sum of 4096 squares below 1
	 * rounds by at most 4096·2^-53 ≈ 5e-13.
	 */
	check_near(energy(y, 0, n), 1, 1e-12);
	free(y);
	adac_ir_free(ir);
}

static void
test_allpass__perturbed_g_in_one_place_is_not_proven_nor_allpass(void)
{
	struct adac_ir *ir;
	struct adac_allpass a;
	double *y;

	/* one ulp off on the feed-forward path */
	ir = parse(schroeder(7, 0.7, nextafter(-0.7, 0)));
	check_int(adac_allpass_match(ir->graph, &a), 1);
	check_int(a.proven, 0);
	check_int(adac_allpass_proven(ir->graph), 0);
	check_int(adac_allpass_unit(ir->graph), 0);
	check_str(a.reason, "the feed-forward gain -0.69999999999999984 is not the negative of the loop gain 0.69999999999999996");
	adac_ir_free(ir);

	/*
	 * h = -g + δ scales v, so H = H_ap + δ·R with R = 1/(1 - g z^-M),
	 * r[kM] = g^k.  ⟨h_ap, r⟩ = -g + (1 - g²)·g·Σ g^2(k-1) = 0, so
	 * Σ h² = 1 + δ²·Σ r² = 1 + δ²/(1 - g²): 1 + 1e-4/0.51 for g = 0.7,
	 * δ = 0.01.  Not allpass, and rightly not proven.  (Tolerance as in
	 * the test above.)
	 */
	ir = parse(schroeder(7, 0.7, -0.69));
	check_int(adac_allpass_proven(ir->graph), 0);
	y = impulse(ir, 4096);
	check_near(energy(y, 0, 4096), 1 + 1e-4 / 0.51, 1e-12);
	free(y);
	adac_ir_free(ir);

	/* the same |g| with the loop's sign flipped is another filter */
	ir = parse(schroeder(7, -0.7, -0.7));
	check_int(adac_allpass_proven(ir->graph), 0);
	adac_ir_free(ir);
}

static void
test_allpass__g_of_magnitude_one_or_more_is_not_proven_nor_certified(void)
{
	const double gs[] = {1, -1, 1.5, -2};
	struct adac_allpass a;
	enum adac_verdict v;
	struct adac_error err;
	struct adac_ir *ir;
	char want[160];
	json_t *cert;
	int i;

	for (i = 0; i < 4; i++) {
		ir = parse(schroeder(7, gs[i], -gs[i]));
		check_int(adac_allpass_match(ir->graph, &a), 1);
		check_int(a.proven, 0);
		snprintf(want, sizeof want,
			 "the loop gain %.17g is not below 1 in magnitude",
			 gs[i]);
		check_str(a.reason, want);
		check_int(adac_certify(ir, &f64, &cert, &v, &err), ADAC_OK);
		check(v != ADAC_CERTIFIED_STABLE);
		check(json_is_false(json_object_get(json_array_get(
		    json_object_get(cert, "allpass"), 0), "proven")));
		json_decref(cert);
		adac_ir_free(ir);
	}
}

static void
test_allpass__paths_that_differ_or_are_not_unit_are_not_proven(void)
{
	char *d7 = delay_json(7), *d8 = delay_json(8);
	const char *frac = "{\"op\":\"delay\",\"samples\":[7.5],\"interp\":\"linear\"}";
	const char *half = "{\"op\":\"series\",\"of\":[{\"op\":\"delay\",\"samples\":[7]},{\"op\":\"gain\",\"values\":[0.5]}]}";
	const char *neg = "{\"op\":\"series\",\"id\":\"x\",\"of\":[{\"op\":\"delay\",\"samples\":[7]},{\"op\":\"gain\",\"values\":[-1]}]}";
	const char *neg2 = "{\"op\":\"series\",\"id\":\"y\",\"of\":[{\"op\":\"delay\",\"samples\":[7]},{\"op\":\"gain\",\"values\":[-1]}]}";
	struct adac_ir *ir;
	struct adac_allpass a;
	double *y;

	ir = parse(ap_of(d7, d8, 0.5, -0.5));
	check_int(adac_allpass_match(ir->graph, &a), 1);
	check_int(a.proven, 0);
	check_str(a.reason, "the feed-forward path /graph/of/1/of/1 is not the loop's delay path /graph/of/0/back/of/0");
	adac_ir_free(ir);

	ir = parse(ap_of(frac, frac, 0.5, -0.5));
	check_int(adac_allpass_match(ir->graph, &a), 1);
	check_int(a.proven, 0);
	adac_ir_free(ir);

	ir = parse(ap_of(half, half, 0.5, -0.5));
	check_int(adac_allpass_proven(ir->graph), 0);
	adac_ir_free(ir);

	/* a delay then -1 is unit-modulus; ids do not matter */
	ir = parse(ap_of(neg, neg2, 0.5, -0.5));
	check_int(adac_allpass_proven(ir->graph), 1);
	y = impulse(ir, 4096);
	check_near(energy(y, 0, 4096), 1, 1e-12);	/* as above */
	free(y);
	adac_ir_free(ir);
	free(d7);
	free(d8);
}

static void
test_allpass__other_shapes_are_not_matched(void)
{
	struct adac_allpass a;
	struct adac_ir *ir;
	char *s;

	/* the feed-forward branches the other way round: the same filter */
	s = malloc(1024);
	snprintf(s, 1024, "{\"op\":\"series\",\"of\":[{\"op\":\"feedback\","
		 "\"forward\":{\"op\":\"gain\",\"values\":[1]},"
		 "\"back\":{\"op\":\"series\",\"of\":[{\"op\":\"delay\",\"samples\":[5]},"
		 "{\"op\":\"gain\",\"values\":[0.25]}]}},"
		 "{\"op\":\"parallel\",\"in\":\"split\",\"out\":\"sum\","
		 "\"of\":[{\"op\":\"delay\",\"samples\":[5]},{\"op\":\"gain\",\"values\":[-0.25]}]}]}");
	ir = parse(s);
	check_int(adac_allpass_proven(ir->graph), 1);
	adac_ir_free(ir);

	/* a forward gain other than 1 is not the shape */
	s = schroeder(5, 0.25, -0.25);
	memcpy(strstr(s, "\"values\":[1]"), "\"values\":[2]", 12);
	ir = parse(s);
	check_int(adac_allpass_match(ir->graph, &a), 0);
	check_int(adac_allpass_proven(ir->graph), 0);
	adac_ir_free(ir);

	/* Jezar's Freeverb allpass, y = -x + v[n-M]: another h, not proven */
	ir = parse(schroeder(5, 0.5, -1));
	check_int(adac_allpass_match(ir->graph, &a), 1);
	check_int(a.proven, 0);
	adac_ir_free(ir);
}

/* A nested allpass: outer g1, delay m1 then an inner Schroeder (m2, g2). */
static char *
nested(int m1, double g1, int m2, double g2)
{
	char *inner = schroeder(m2, g2, -g2), *p, *s;
	size_t n = strlen(inner) + 128;

	p = malloc(n);
	snprintf(p, n, "{\"op\":\"series\",\"of\":[{\"op\":\"delay\",\"samples\":[%d]},%s]}",
		 m1, inner);
	s = ap_of(p, p, g1, -g1);
	free(inner);
	free(p);
	return s;
}

static void
test_allpass__nested_is_proven_and_certified_by_its_gain(void)
{
	struct adac_ir *ir = parse(nested(11, 0.5, 5, 0.6));
	struct adac_allpass a;
	struct adac_error err;
	enum adac_verdict v;
	json_t *cert, *loops, *ap;
	double *y;

	check_int(adac_allpass_match(ir->graph, &a), 1);
	check_int(a.proven, 1);
	check_int(a.nested, 1);
	/* Parseval as above; the slowest pole decays well within 8192 */
	y = impulse(ir, 8192);
	check_near(energy(y, 0, 8192), 1, 1e-12);
	check_le(energy(y, 4096, 8192), 1e-20);
	free(y);
	check_int(adac_certify(ir, &f64, &cert, &v, &err), ADAC_OK);
	check_int(v, ADAC_CERTIFIED_STABLE);
	loops = json_object_get(cert, "loops");
	/*
	 * The outer loop: 0.5 times the inner allpass's norm, exactly 1;
	 * the analysis's margins are a few ulps.  Opened, the inner
	 * section would be bounded by 1/(1 - 0.6)·(1 + 0.6) = 4, and the
	 * loop by 2.
	 */
	check_str(json_string_value(json_object_get(json_array_get(loops, 0),
						    "pointer")), "/graph/of/0");
	check_le(0.5, json_number_value(json_object_get(
	    json_array_get(loops, 0), "bound")));
	check_le(json_number_value(json_object_get(json_array_get(loops, 0),
						   "bound")), 0.5 * (1 + 1e-12));
	ap = json_object_get(cert, "allpass");
	check_int(json_array_size(ap), 3);
	check_str(json_string_value(json_object_get(json_array_get(ap, 0),
						    "form")), "nested");
	check_str(json_string_value(json_object_get(json_array_get(ap, 1),
						    "form")), "schroeder");
	check(json_number_value(json_object_get(json_array_get(ap, 0),
						"delay_samples")) == 11);
	check(json_real_value(json_object_get(json_array_get(ap, 0),
					      "max_dev")) == 0);
	json_decref(cert);
	adac_ir_free(ir);
}

/*
 * Property: random sections, plain or nested, |g| <= 0.8, proven, and
 * every one has energy 1 in the simulator and is certified with its
 * outer loop bounded by |g| (its path's norm being 1).
 */
static void
test_allpass__random_sections_are_allpass_in_the_simulator(void)
{
	unsigned long s = 12345;
	struct adac_error err;
	enum adac_verdict v;
	struct adac_ir *ir;
	double g1, g2, *y, b;
	json_t *cert;
	int i, m1, m2;

	for (i = 0; i < 40; i++) {
		s = s * 6364136223846793005UL + 1442695040888963407UL;
		g1 = ((double)(s >> 11) / 9007199254740992.0 * 1.6) - 0.8;
		s = s * 6364136223846793005UL + 1442695040888963407UL;
		g2 = ((double)(s >> 11) / 9007199254740992.0 * 1.6) - 0.8;
		m1 = 1 + (int)(s % 23);
		m2 = 1 + (int)((s >> 20) % 17);
		ir = parse(i % 2 ? nested(m1, g1, m2, g2) :
			   schroeder(m1, g1, -g1));
		check_int(adac_allpass_proven(ir->graph), 1);
		/*
		 * 2^16 samples: poles of radius at most about 0.8^(1/40)
		 * leave less than 0.8^(2^16/20) of the energy; the sum
		 * rounds by at most 2^16·2^-53 ≈ 7e-12.  The last 4096
		 * samples are checked to hold nothing.
		 */
		y = impulse(ir, 65536);
		check_near(energy(y, 0, 65536), 1, 1e-10);
		check_le(energy(y, 65536 - 4096, 65536), 1e-20);
		free(y);
		check_int(adac_certify(ir, &f64, &cert, &v, &err), ADAC_OK);
		check_int(v, ADAC_CERTIFIED_STABLE);
		b = json_number_value(json_object_get(json_array_get(
		    json_object_get(cert, "loops"), 0), "bound"));
		check_le(fabs(g1), b);
		check_le(b, fabs(g1) * (1 + 1e-12));
		json_decref(cert);
		adac_ir_free(ir);
	}
}

int
main(void)
{
	RUN(test_allpass__schroeder_is_proven_and_its_taps_are_the_closed_form);
	RUN(test_allpass__perturbed_g_in_one_place_is_not_proven_nor_allpass);
	RUN(test_allpass__g_of_magnitude_one_or_more_is_not_proven_nor_certified);
	RUN(test_allpass__paths_that_differ_or_are_not_unit_are_not_proven);
	RUN(test_allpass__other_shapes_are_not_matched);
	RUN(test_allpass__nested_is_proven_and_certified_by_its_gain);
	RUN(test_allpass__random_sections_are_allpass_in_the_simulator);
	return unit_done();
}
