/*
 * test_fixbound.c - the fixed-point certificate's two claims, on cases
 * worked by hand and on random networks run through the fixed-point
 * simulator: no sum overflows for inputs within the certified peak, and
 * zero-input limit cycles stay within the bound (none when it is below
 * one LSB).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixbound.h"
#include "fixpoint.h"
#include "json.h"
#include "lower.h"
#include "sim.h"
#include "unit.h"

static struct adac_fixpoint
fmt(const char *s)
{
	struct adac_fixpoint fx = { 0, ADAC_FX_ROUND, ADAC_FX_SATURATE };
	struct adac_error err = {0};

	check(adac_fixpoint_parse(s, &fx, &err) == ADAC_OK);
	return fx;
}

static struct adac_ir *
parse(const char *text, int native)
{
	struct adac_error err = {0};
	struct adac_ir *ir = NULL;
	json_t *doc = adac_json_load(text, strlen(text), &err), *irdoc = NULL;

	if (doc == NULL)
		return NULL;
	if (native) {
		if (adac_lower(doc, ADAC_LOWER_AUTO, &irdoc, &err) == ADAC_OK)
			adac_ir_parse(irdoc, &ir, &err);
		json_decref(irdoc);
	} else {
		adac_ir_parse(doc, &ir, &err);
	}
	json_decref(doc);
	return ir;
}

/* y = x + g·y[n − 1], g as text */
static struct adac_ir *
one_pole(const char *g)
{
	char text[512];

	snprintf(text, sizeof text,
		 "{\"adac\": \"ir/1\", \"name\": \"p\", \"fs\": 48000, \"inputs\": 1, "
		 "\"outputs\": 1, \"graph\": {\"op\": \"feedback\", "
		 "\"forward\": {\"op\": \"gain\", \"values\": [1]}, "
		 "\"back\": {\"op\": \"series\", \"of\": [{\"op\": \"delay\", "
		 "\"samples\": [1]}, {\"op\": \"gain\", \"values\": [%s]}]}}}",
		 g);
	return parse(text, 0);
}

static json_t *
bound(const struct adac_ir *ir, const char *format, double peak, long budget,
      struct adac_fixbound_result *r)
{
	struct adac_fixpoint fx = fmt(format);
	struct adac_fixbound_opts o = {peak, budget};
	struct adac_error err = {0};
	json_t *out = NULL;

	if (adac_fixbound(ir, &fx, &o, r, &out, &err) != ADAC_OK)
		printf("# %s: %s\n", err.pointer, err.text);
	check(err.code == ADAC_OK);
	return out;
}

static double
num(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(json_object_get(o, a), b);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *
str(const json_t *o, const char *a, const char *b)
{
	const char *s = json_string_value(json_object_get(
	    json_object_get(o, a), b));

	return s != NULL ? s : "";
}

/*
 * Σ 0.5ⁿ = 2 from the input; the one rounded product adds at most
 * 2^-16 per sample, 2·2^-16 = q in all; the input itself rounds to at
 * most 1 (saturated).  So 2 + q, and the bound's own margins are below
 * 1e-12.  The largest peak that fits: (1 − q − q)/2, less the half LSB
 * an input at that peak may round up by: (1 − 3q)/2.
 */
static void
test_fixbound__a_one_pole_peaks_at_its_l1_gain_and_is_refused_at_full_scale(void)
{
	struct adac_ir *ir = one_pole("0.5");
	struct adac_fixbound_result r;
	json_t *c = ir != NULL ? bound(ir, "q1.15", 1, 0, &r) : NULL;
	double q = 0x1p-15;

	check(c != NULL);
	check_int(r.verdict, ADAC_NOT_CERTIFIED);
	/* the feedback node's adder */
	check_str(r.pointer, "/graph");
	check_str(str(c, "overflow", "verdict"), "may-overflow");
	check_str(str(c, "overflow", "pointer"), "/graph");
	check(fabs(num(c, "overflow", "peak_bound") - (2 + q)) < 1e-12);
	check(fabs(num(c, "overflow", "max_input_peak") - (1 - 3 * q) / 2) <
	      1e-12);
	/* 2 + 2^-15 = 2.000030517578125, then the bound's margins */
	check(strncmp(r.reason, "may overflow: a sum may reach 2.0000305175781",
		      45) == 0);
	check(strstr(r.reason, " for inputs up to 1; inputs up to 0.499954 "
		     "fit") != NULL);
	json_decref(c);
	/* and it does: certified at that peak, not a hair above it */
	c = bound(ir, "q1.15", (1 - 3 * q) / 2 * (1 - 2e-12), 0, &r);
	check_int(r.verdict, ADAC_CERTIFIED_STABLE);
	json_decref(c);
	c = bound(ir, "q1.15", (1 - 3 * q) / 2 * (1 + 1e-9), 0, &r);
	check_int(r.verdict, ADAC_NOT_CERTIFIED);
	check_str(str(c, "limit_cycles", "verdict"), "indeterminate");
	json_decref(c);
	adac_ir_free(ir);
}

/*
 * The dead band of y = x + g·y', g = 0.96 on the grid (31457/32768):
 * half an LSB over 1 − g.  The simulator sticks at 12 LSB after an
 * impulse (test_fixpoint), inside the bound.
 */
static void
test_fixbound__a_one_pole_limit_cycle_is_bounded_by_its_dead_band(void)
{
	struct adac_ir *ir = one_pole("0.96");
	struct adac_fixbound_result r;
	json_t *c = ir != NULL ? bound(ir, "q1.15", 0.03, 0, &r) : NULL;
	double g = 31457.0 / 32768;

	check(c != NULL);
	check_int(r.verdict, ADAC_CERTIFIED_STABLE);
	check_str(str(c, "overflow", "verdict"), "no-overflow");
	check_str(str(c, "limit_cycles", "verdict"), "bounded");
	check(fabs(num(c, "limit_cycles", "amplitude_bound_lsb") -
		   0.5 / (1 - g)) < 1e-9);
	json_decref(c);
	c = ir != NULL ? bound(ir, "q1.15:truncate", 0.03, 0, &r) : NULL;
	/* truncation errs by up to a whole LSB */
	check(fabs(num(c, "limit_cycles", "amplitude_bound_lsb") -
		   1 / (1 - g)) < 1e-9);
	json_decref(c);
	adac_ir_free(ir);
}

static void
test_fixbound__a_contractive_enough_loop_has_no_limit_cycle(void)
{
	struct adac_ir *ir = one_pole("0.25");
	struct adac_fixpoint fx = fmt("q1.15");
	struct adac_fixpoint_sim *sim = NULL;
	struct adac_fixbound_result r;
	struct adac_error err = {0};
	json_t *c = ir != NULL ? bound(ir, "q1.15", 0.5, 0, &r) : NULL;
	int64_t y = 1;
	float x;
	long n;

	check(c != NULL);
	check_str(str(c, "limit_cycles", "verdict"), "absent");
	/* ½ LSB / (1 − ¼) */
	check(fabs(num(c, "limit_cycles", "amplitude_bound_lsb") - 2.0 / 3) <
	      1e-9);
	check(adac_fixpoint_sim_new(ir, &fx, &sim, &err) == ADAC_OK);
	for (n = 0; sim != NULL && n < 200; n++) {
		x = n < 50 ? 0.4f : 0.0f;
		adac_fixpoint_sim_process(sim, &x, &y, 1);
	}
	check_int(y, 0);
	adac_fixpoint_sim_free(sim);
	json_decref(c);
	adac_ir_free(ir);
}

static void
test_fixbound__a_loop_that_does_not_contract_is_indeterminate(void)
{
	struct adac_ir *ir = one_pole("-1");
	struct adac_fixbound_result r;
	json_t *c = ir != NULL ? bound(ir, "q1.23", 0.5, 0, &r) : NULL;

	check(c != NULL);
	check_int(r.verdict, ADAC_INDETERMINATE);
	check_str(str(c, "overflow", "verdict"), "indeterminate");
	check_str(str(c, "limit_cycles", "verdict"), "indeterminate");
	json_decref(c);
	adac_ir_free(ir);
}

/* --- random networks ----------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15u;

static double
uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) * 0x1p-53;
}

static struct adac_ir *
random_fdn(void)
{
	static const char *const matrices[] = {
		"\"householder\"", "\"hadamard\"", "\"random-orthogonal\"",
	};
	char text[1024], b[200] = "", c[200] = "", d[120] = "", abs[80] = "";
	int n = uniform() < 0.5 ? 2 : 4, i;
	double t60 = 0.05 + 0.25 * uniform();
	size_t k;

	for (i = 0; i < n; i++) {
		k = strlen(d);
		snprintf(d + k, sizeof d - k, "%s%d", i ? ", " : "",
			 1 + (int)(uniform() * 30));
		k = strlen(b);
		snprintf(b + k, sizeof b - k, "%s%.4f", i ? ", " : "",
			 1.8 * uniform() - 0.9);
		k = strlen(c);
		snprintf(c + k, sizeof c - k, "%s%.4f", i ? ", " : "",
			 1.8 * uniform() - 0.9);
	}
	/* half of them with one-pole absorption filters (biquads) */
	if (uniform() < 0.5)
		snprintf(abs, sizeof abs, ", \"absorption\": {\"t60_dc\": "
			 "%.3f, \"t60_nyquist\": %.3f}", t60,
			 t60 * (0.2 + 0.7 * uniform()));
	snprintf(text, sizeof text,
		 "{\"fs\": 1000, \"delays\": [%s], \"matrix\": %s, "
		 "\"seed\": %d, \"t60\": %.3f, \"b\": [%s], \"c\": [%s]%s}",
		 d, matrices[(int)(uniform() * 3)], (int)(uniform() * 1000),
		 t60, b, c, abs);
	return parse(text, 1);
}

/* sign(h[len − 1 − n])·peak: the input that drives y[len − 1] hardest */
static float *
worst_input(const struct adac_ir *ir, long len, double peak)
{
	struct adac_sim *sim = NULL;
	struct adac_error err = {0};
	double *x = calloc((size_t)len, sizeof *x);
	double *h = calloc((size_t)len, sizeof *h);
	float *u = calloc((size_t)len, sizeof *u);
	long n;

	if (x == NULL || h == NULL || u == NULL ||
	    adac_sim_new(ir, NULL, 0, &sim, &err) != ADAC_OK) {
		free(x), free(h), free(u);
		return NULL;
	}
	x[0] = 1;
	adac_sim_process(sim, x, h, len);
	for (n = 0; n < len; n++)
		u[n] = (float)(h[len - 1 - n] < 0 ? -peak : peak);
	adac_sim_free(sim);
	free(x);
	free(h);
	return u;
}

/*
 * Many random 2- and 4-line FDNs, half with absorption filters
 * (direct-form-I sections at fixed point): certified at q1.15 (rounding) and
 * q1.23:truncate, each at the largest peak that fits, then driven by its
 * worst-case input and by noise at that peak: no sum saturates and the
 * output stays within the bound.  Then zero input: whatever still rings
 * after the contraction has had time to act stays within the limit-cycle
 * bound, and is silent where the certificate says "absent".
 */
static void
test_fixbound__random_certified_networks_never_overflow_and_ring_within_the_bound(void)
{
	static const char *const formats[] = {"q1.15", "q1.23:truncate"};
	int net, tried = 0, certified = 0, absent = 0, rang = 0;
	double reach = 0, ring_share = 0;

	for (net = 0; net < 60; net++) {
		struct adac_ir *ir = random_fdn();
		const char *format = formats[net % 2];
		struct adac_fixpoint fx = fmt(format);
		struct adac_fixpoint_sim *sim = NULL;
		struct adac_fixbound_result r;
		struct adac_error err = {0};
		json_t *c;
		double peak, lim, top = 0, gamma;
		float *u, x;
		int64_t y, ring = 0;
		long n, len = 3000;

		check(ir != NULL);
		if (ir == NULL)
			continue;
		c = bound(ir, format, 1, 1L << 22, &r);
		peak = num(c, "overflow", "max_input_peak");
		json_decref(c);
		tried++;
		if (!(peak > 0)) {
			adac_ir_free(ir);
			continue;
		}
		/* exactly the peak the full-scale certificate says fits */
		c = bound(ir, format, peak, 1L << 22, &r);
		check_int(r.verdict, ADAC_CERTIFIED_STABLE);
		lim = num(c, "limit_cycles", "amplitude_bound_lsb");
		gamma = num(c, "contraction", "gamma");
		certified++;
		u = worst_input(ir, len, peak);
		check(u != NULL);
		check(adac_fixpoint_sim_new(ir, &fx, &sim, &err) == ADAC_OK);
		for (n = 0; u != NULL && sim != NULL && n < len; n++) {
			adac_fixpoint_sim_process(sim, &u[n], &y, 1);
			if (fabs(adac_fixpoint_value(&fx, y)) > top)
				top = fabs(adac_fixpoint_value(&fx, y));
		}
		for (n = 0; sim != NULL && n < len; n++) {
			x = (float)(uniform() < 0.5 ? -peak : peak);
			adac_fixpoint_sim_process(sim, &x, &y, 1);
		}
		check(sim != NULL && !adac_fixpoint_sim_saturated(sim));
		check(top <= num(c, "overflow", "peak_bound"));
		if (top / num(c, "overflow", "peak_bound") > reach)
			reach = top / num(c, "overflow", "peak_bound");
		/* γ^(n / L) with L <= 30: 0.99^2000 < 1e-8 of the state */
		if (gamma < 0.99) {
			x = 0;
			for (n = 0; sim != NULL && n < 60000; n++)
				adac_fixpoint_sim_process(sim, &x, &y, 1);
			for (n = 0; sim != NULL && n < 2000; n++) {
				adac_fixpoint_sim_process(sim, &x, &y, 1);
				ring = llabs(y) > ring ? llabs(y) : ring;
			}
			check((double)ring <= lim);
			if (strcmp(str(c, "limit_cycles", "verdict"),
				   "absent") == 0) {
				check_int(ring, 0);
				absent++;
			}
			rang += ring > 0;
			if (ring / lim > ring_share)
				ring_share = ring / lim;
		}
		adac_fixpoint_sim_free(sim);
		free(u);
		json_decref(c);
		adac_ir_free(ir);
	}
	printf("# %d networks, %d certified at their largest peak, %d without "
	       "limit cycles, %d still ringing; the output reached %.2f of the "
	       "largest sum's bound, the ringing %.2f of its bound\n", tried,
	       certified, absent, rang, reach, ring_share);
	/* the property was exercised, not skipped */
	check(certified >= 30);
}

int
main(void)
{
	RUN(test_fixbound__a_one_pole_peaks_at_its_l1_gain_and_is_refused_at_full_scale);
	RUN(test_fixbound__a_one_pole_limit_cycle_is_bounded_by_its_dead_band);
	RUN(test_fixbound__a_contractive_enough_loop_has_no_limit_cycle);
	RUN(test_fixbound__a_loop_that_does_not_contract_is_indeterminate);
	RUN(test_fixbound__random_certified_networks_never_overflow_and_ring_within_the_bound);
	return unit_done();
}
