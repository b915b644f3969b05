#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compare.h"
#include "evidence.h"
#include "response.h"
#include "unit.h"

/* 1 × outputs responses of n samples: ref and a copy to perturb. */
static void
pair(int outputs, long n, struct adac_response **ref,
     struct adac_response **test)
{
	*ref = adac_response_new(1, outputs, n, 48000);
	*test = adac_response_new(1, outputs, n, 48000);
}

/* A decaying comb, the kind of signal compared in practice. */
static void
fill_comb(double *h, long n, long m, double g)
{
	long k;
	double a = 1;

	for (k = 0; k < n; k += m, a *= g)
		h[k] = a;
}

static void
test_compare__identical_is_equal_and_exact(void)
{
	struct adac_response *r, *t;
	struct adac_comparison *c = NULL;
	json_t *j, *p;

	pair(1, 1000, &r, &t);
	fill_comb(r->h, 1000, 100, 0.7);
	fill_comb(t->h, 1000, 100, 0.7);
	check_int(adac_compare(r, t, -100, &c, NULL), ADAC_OK);
	check(c->equal);
	check(c->paths[0].max_abs_error == 0);
	check(c->paths[0].error_db == -INFINITY);
	check(c->paths[0].reference_peak == 1);
	check_int(c->paths[0].first_divergent_sample, -1);
	check(!c->alignment_checked);
	j = adac_comparison_json(c);
	p = json_array_get(json_object_get(j, "paths"), 0);
	/* an exact match has no finite dB figure: null */
	check(json_is_null(json_object_get(p, "error_db")));
	check(json_is_null(json_object_get(p, "first_divergent_sample")));
	check(json_is_null(json_object_get(json_object_get(j, "overall"), "worst_error_db")));
	check_str(json_string_value(json_object_get(json_object_get(j, "overall"), "verdict")), "equal");
	check(json_object_get(j, "alignment") == NULL);
	json_decref(j);
	adac_comparison_free(c);
	adac_response_free(r);
	adac_response_free(t);
}

/*
 * Peak 2, one error of 2e-5 at sample 7: 20·log10(2e-5 / 2) = -100 dB
 * (to rounding of log10), RMS 2e-5/sqrt(400) = 1e-6.  Against -120 dB
 * sample 7 is the first divergent one; against -90 dB all is equal.
 */
static void
test_compare__one_error_is_measured_and_located(void)
{
	struct adac_response *r, *t;
	struct adac_comparison *c = NULL;

	pair(1, 400, &r, &t);
	r->h[0] = t->h[0] = 2;
	r->h[7] = 0.25;
	t->h[7] = 0.25 + 2e-5;
	check_int(adac_compare(r, t, -120, &c, NULL), ADAC_OK);
	check(!c->equal);
	check_int(c->paths[0].first_divergent_sample, 7);
	/* 0.25 + 2e-5 is rounded: the error is 2e-5 within 2^-54 */
	check_near(c->paths[0].max_abs_error, 2e-5, 0x1p-52);
	check_near(c->paths[0].error_db, -100, 1e-9);
	check_near(c->paths[0].rms_error, 1e-6, 1e-15);
	adac_comparison_free(c);
	check_int(adac_compare(r, t, -90, &c, NULL), ADAC_OK);
	check(c->equal);
	check_int(c->paths[0].first_divergent_sample, -1);
	adac_comparison_free(c);
	adac_response_free(r);
	adac_response_free(t);
}

/* An error exactly at the tolerance is within it (|e| <= tol). */
static void
test_compare__tolerance_is_inclusive(void)
{
	struct adac_response *r, *t;
	struct adac_comparison *c = NULL;

	pair(1, 10, &r, &t);
	r->h[0] = t->h[0] = 1;
	/* 0 dB: the tolerance is the peak, 1, and the error exactly 1 */
	t->h[5] = 1;
	check_int(adac_compare(r, t, 0, &c, NULL), ADAC_OK);
	check(c->equal);
	adac_comparison_free(c);
	t->h[5] = nextafter(1, 2);
	check_int(adac_compare(r, t, 0, &c, NULL), ADAC_OK);
	check(!c->equal);
	check_int(c->paths[0].first_divergent_sample, 5);
	adac_comparison_free(c);
	adac_response_free(r);
	adac_response_free(t);
}

/*
 * A path that is silent in the reference is measured against the largest
 * peak of any path: path 0 peaks at 4, path 1 is silent and has 4e-6 of
 * error, so 20·log10(4e-6 / 4) = -120 dB.
 */
static void
test_compare__silent_path_uses_largest_peak(void)
{
	struct adac_response *r, *t;
	struct adac_comparison *c = NULL;

	pair(2, 50, &r, &t);
	adac_response_path(r, 0, 0)[0] = adac_response_path(t, 0, 0)[0] = 4;
	adac_response_path(t, 0, 1)[9] = -4e-6;
	check_int(adac_compare(r, t, -130, &c, NULL), ADAC_OK);
	check(c->paths[1].reference_peak == 0);
	check(c->paths[1].scale == 4);
	check_near(c->paths[1].error_db, -120, 1e-9);
	check_int(c->paths[1].first_divergent_sample, 9);
	check_int(c->worst, 1);
	check_near(c->worst_error_db, -120, 1e-9);
	adac_comparison_free(c);
	adac_response_free(r);
	adac_response_free(t);
}

/* Echoes at irregular times, so that no lag but the true one lines up. */
static void
fill_echoes(double *h)
{
	h[5] = 1;
	h[37] = -0.6;
	h[120] = 0.45;
	h[301] = -0.3;
	h[555] = 0.2;
}

/*
 * A test shifted by 3 samples (late) and by 2 (early): the correlation
 * peaks at the shift, and once shifted back the error is exactly zero
 * (the overlap holds the same samples).
 */
static void
test_compare__alignment_finds_the_lag(void)
{
	struct adac_response *r, *t;
	struct adac_comparison *c = NULL;
	json_t *j, *al;
	long n;

	pair(1, 1000, &r, &t);
	fill_echoes(r->h);
	for (n = 3; n < 1000; n++)
		t->h[n] = r->h[n - 3];
	check_int(adac_compare(r, t, -100, &c, NULL), ADAC_OK);
	check(!c->equal);
	check_int(c->paths[0].first_divergent_sample, 5);
	check(c->alignment_checked);
	check_int(c->lag_samples, 3);
	check(c->error_db_after_shift == -INFINITY);
	j = adac_comparison_json(c);
	al = json_object_get(j, "alignment");
	check_int(json_integer_value(json_object_get(al, "lag_samples")), 3);
	check_str(json_string_value(json_object_get(al, "note")), "test is 3 samples late");
	json_decref(j);
	adac_comparison_free(c);

	memset(t->h, 0, 1000 * sizeof *t->h);
	for (n = 0; n < 998; n++)
		t->h[n] = r->h[n + 2];
	check_int(adac_compare(r, t, -100, &c, NULL), ADAC_OK);
	check_int(c->paths[0].first_divergent_sample, 3);
	check_int(c->lag_samples, -2);
	j = adac_comparison_json(c);
	check_str(json_string_value(json_object_get(json_object_get(j, "alignment"), "note")),
		  "test is 2 samples early");
	json_decref(j);
	adac_comparison_free(c);
	adac_response_free(r);
	adac_response_free(t);
}

/*
 * A loop one sample too long (echoes at 101 k instead of 100 k) is not a
 * shift: the direct sound lines up at lag 0, so no lag is reported, and
 * the first divergence is the first echo, at 100.
 */
static void
test_compare__changed_delay_is_not_a_shift(void)
{
	struct adac_response *r, *t;
	struct adac_comparison *c = NULL;

	pair(1, 1000, &r, &t);
	fill_comb(r->h, 1000, 100, 0.7);
	fill_comb(t->h, 1000, 101, 0.7);
	check_int(adac_compare(r, t, -100, &c, NULL), ADAC_OK);
	check_int(c->paths[0].first_divergent_sample, 100);
	check_int(c->lag_samples, 0);
	adac_comparison_free(c);
	adac_response_free(r);
	adac_response_free(t);
}

static void
test_compare__non_finite_output_differs(void)
{
	struct adac_response *r, *t;
	struct adac_comparison *c = NULL;
	json_t *j, *p;

	pair(1, 20, &r, &t);
	r->h[0] = t->h[0] = 1;
	t->h[12] = NAN;
	check_int(adac_compare(r, t, -100, &c, NULL), ADAC_OK);
	check(!c->equal);
	check_int(c->paths[0].first_non_finite_sample, 12);
	check_int(c->paths[0].first_divergent_sample, 12);
	j = adac_comparison_json(c);
	p = json_array_get(json_object_get(j, "paths"), 0);
	check(json_is_null(json_object_get(p, "max_abs_error")));
	check_int(json_integer_value(json_object_get(p, "non_finite_sample")), 12);
	json_decref(j);
	adac_comparison_free(c);
	adac_response_free(r);
	adac_response_free(t);
}

static void
test_compare__a_reference_that_overflows_differs_and_keeps_its_scale(void)
{
	struct adac_response *r, *t;
	struct adac_comparison *c = NULL;
	json_t *j, *p;

	/*
	 * Both overflow at sample 500, as an unstable model and its program
	 * do: NaN equals nothing, so the path differs from there; the
	 * peak and the other path's scale come from the finite samples.
	 */
	pair(2, 1000, &r, &t);
	fill_comb(r->h, 1000, 100, 0.5);
	fill_comb(t->h, 1000, 100, 0.5);
	r->h[500] = t->h[500] = INFINITY;
	r->h[600] = t->h[600] = NAN;
	check_int(adac_compare(r, t, -100, &c, NULL), ADAC_OK);
	check(!c->equal);
	check_int(c->paths[0].first_reference_non_finite_sample, 500);
	check_int(c->paths[0].first_non_finite_sample, 500);
	check_int(c->paths[0].first_divergent_sample, 500);
	check(c->paths[0].reference_peak == 1);
	/* the silent path 0 → 1 is measured against that finite peak */
	check(c->paths[1].scale == 1);
	check_int(c->paths[1].first_divergent_sample, -1);
	/* once written out: null figures, never a failed allocation */
	j = adac_comparison_json(c);
	check(j != NULL);
	p = json_array_get(json_object_get(j, "paths"), 0);
	check_int(json_integer_value(json_object_get(p, "reference_non_finite_sample")), 500);
	check(json_is_null(json_object_get(p, "max_abs_error")));
	check_str(json_string_value(json_object_get(json_object_get(j, "overall"), "verdict")), "different");
	json_decref(j);
	adac_comparison_free(c);
	/* a reference whose every sample is infinite still has a report */
	r->h[0] = INFINITY;
	check_int(adac_compare(r, t, -100, &c, NULL), ADAC_OK);
	check_int(c->paths[0].first_reference_non_finite_sample, 0);
	j = adac_comparison_json(c);
	check(j != NULL);
	json_decref(j);
	adac_comparison_free(c);
	adac_response_free(r);
	adac_response_free(t);
}

static void
test_compare__evidence_measures_the_decay_of_the_last_quarter(void)
{
	struct adac_response *r = adac_response_new(1, 2, 1000, 48000);
	struct adac_evidence ev;

	/*
	 * A comb of 0.7 every 100 samples: energy 0.49^k at 100·k.  Over
	 * 1000 samples the last quarter holds k = 8, 9: (0.49^8 + 0.49^9) /
	 * Σ_{k<10} 0.49^k = 0.0049516 / 1.9604 = 10^(-25.98/10).
	 */
	fill_comb(r->h, 1000, 100, 0.7);
	adac_evidence_measure(r, &ev);
	check(!ev.silent);
	check_int(ev.non_finite_sample, -1);
	check_near(ev.decay_db, 10 * log10((pow(0.49, 8) + pow(0.49, 9)) /
					   ((1 - pow(0.49, 10)) / (1 - 0.49))), 1e-9);
	check(!adac_evidence_decayed(&ev));
	/* the first quarter, k = 0 .. 2, against the last, k = 8, 9 */
	check_near(ev.quarter_drop_db, 10 * log10((1 + 0.49 + pow(0.49, 2)) /
						 (pow(0.49, 8) + pow(0.49, 9))), 1e-9);
	/* over 4000 samples, k = 30 .. 39: −93 dB, decayed */
	adac_response_free(r);
	r = adac_response_new(1, 1, 4000, 48000);
	fill_comb(r->h, 4000, 100, 0.7);
	adac_evidence_measure(r, &ev);
	check(ev.decay_db < -90 && adac_evidence_decayed(&ev));
	/* silence is not evidence, nor is an empty window */
	memset(r->h, 0, 4000 * sizeof *r->h);
	adac_evidence_measure(r, &ev);
	check(ev.silent && !adac_evidence_decayed(&ev));
	/* a lossless response never decays: its last quarter is a quarter */
	fill_comb(r->h, 4000, 100, 1.0);
	adac_evidence_measure(r, &ev);
	check_near(ev.decay_db, 10 * log10(0.25), 1e-12);
	check_near(ev.quarter_drop_db, 0, 1e-12);
	r->h[3000] = NAN;
	adac_evidence_measure(r, &ev);
	check_int(ev.non_finite_sample, 3000);
	check(!adac_evidence_decayed(&ev));
	adac_response_free(r);
}

/*
 * The alignment search as it was first written, by brute force: the lag
 * with the largest Σ ref[n] · test[n + lag] over the first
 * ADAC_COMPARE_LAG_WINDOW samples, nearest lags first (late before early)
 * so that ties go to the smallest shift, kept only when shifting by it
 * makes the largest error smaller.
 */
static long
brute_force_lag(const double *r, const double *t, long len)
{
	long w = len < ADAC_COMPARE_LAG_WINDOW ? len : ADAC_COMPARE_LAG_WINDOW;
	long max_lag = w - 1 < ADAC_COMPARE_MAX_LAG ? w - 1 : ADAC_COMPARE_MAX_LAG;
	long lag, n, lo, hi, best_lag = 0, sign;
	double best = 0, x, e = 0, err = 0;

	for (lag = 0; lag <= max_lag; lag++)
		for (sign = 1; sign >= (lag == 0 ? 1 : -1); sign -= 2) {
			long l = sign * lag;

			lo = l < 0 ? -l : 0;
			hi = l > 0 ? w - l : w;
			for (x = 0, n = lo; n < hi; n++)
				x += r[n] * t[n + l];
			if (l == 0 || x > best) {
				best = x;
				best_lag = l;
			}
		}
	if (best_lag == 0)
		return 0;
	for (n = 0; n < len; n++)
		if (fabs(t[n] - r[n]) > err)
			err = fabs(t[n] - r[n]);
	lo = best_lag < 0 ? -best_lag : 0;
	hi = best_lag > 0 ? len - best_lag : len;
	for (n = lo; n < hi; n++)
		if (fabs(r[n] - t[n + best_lag]) > e)
			e = fabs(r[n] - t[n + best_lag]);
	return e < err ? best_lag : 0;
}

static double
uniform(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (double)(*s >> 11) / 9007199254740992.0;
}

/*
 * The search runs by FFT, which only nominates lags; the lag reported
 * must be the brute force's, exactly.  Three kinds of pair: decaying
 * noise shifted and perturbed (one clear peak); sparse signals of small
 * integers, whose correlations are exact integers and tie often, so the
 * tie rule decides; and one longer than the window.
 */
static void
test_compare__alignment_is_the_brute_force_lag(void)
{
	static const long lengths[] = {2, 3, 17, 100, 1025, 1100, 2500};
	struct adac_response *r, *t;
	struct adac_comparison *c = NULL;
	uint64_t s = 0x9e3779b97f4a7c15u;
	long i, k, n, shift, len, mismatches = 0, ties = 0;
	int kind;

	for (i = 0; i < 42; i++) {
		kind = (int)(i % 3);
		len = kind == 2 && i == 41 ? ADAC_COMPARE_LAG_WINDOW + 4000
					   : lengths[i % 7];
		pair(1, len, &r, &t);
		shift = (long)(uniform(&s) * 41) - 20;
		for (n = 0; n < len; n++) {
			if (kind == 1)
				r->h[n] = uniform(&s) < 0.1 ?
					  (double)((long)(uniform(&s) * 5) - 2) : 0;
			else
				r->h[n] = (uniform(&s) - 0.5) *
					  exp(-5.0 * (double)n / (double)len);
		}
		for (n = 0; n < len; n++) {
			k = n - shift;
			t->h[n] = k >= 0 && k < len ? r->h[k] : 0;
			if (kind == 1 && uniform(&s) < 0.05)
				t->h[n] += 1;
			if (kind != 1)
				t->h[n] += 1e-3 * (uniform(&s) - 0.5);
		}
		check_int(adac_compare(r, t, -100, &c, NULL), ADAC_OK);
		if (c == NULL)
			continue;
		if (!c->equal) {
			long want = brute_force_lag(r->h, t->h, len);

			if (c->lag_samples != want) {
				printf("#   case %ld (length %ld): lag %ld, brute force %ld\n",
				       i, len, c->lag_samples, want);
				mismatches++;
			}
			if (kind == 1 && want != shift)
				ties++;
		}
		adac_comparison_free(c);
		c = NULL;
		adac_response_free(r);
		adac_response_free(t);
	}
	check_int(mismatches, 0);
	/* the integer pairs did put the tie rule to work */
	check(ties > 0);
}

/*
 * Correlations that tie exactly, ref one impulse at a, test two: the lag
 * the brute force picks among the two lines up both impulses (the other
 * impulse falls outside the overlap once shifted), the other lag leaves
 * one unmatched and so is not reported.  Ties go to the smaller shift,
 * and late before early at the same shift.
 */
static void
test_compare__a_tie_goes_to_the_smaller_shift(void)
{
	static const struct {
		long a, t1, t2, lag;
	} cases[] = {
		{2, 0, 4, 2},		/* -2 and +2: late first */
		{3, 0, 5, 2},		/* -3 and +2 */
		{60, 58, 63, -2},	/* -2 and +3 */
	};
	struct adac_response *r, *t;
	struct adac_comparison *c = NULL;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		pair(1, 64, &r, &t);
		r->h[cases[i].a] = 1;
		t->h[cases[i].t1] = 1;
		t->h[cases[i].t2] = 1;
		check_int(adac_compare(r, t, -100, &c, NULL), ADAC_OK);
		check(c != NULL && c->alignment_checked);
		check_int(c != NULL ? c->lag_samples : 99, cases[i].lag);
		check(c != NULL && c->error_db_after_shift == -INFINITY);
		adac_comparison_free(c);
		c = NULL;
		adac_response_free(r);
		adac_response_free(t);
	}
}

/*
 * A tolerance of −∞ dB asks for exact equality (adac-diff's model
 * tolerance when the model's float render is exact).  JSON has no −∞:
 * the report says null, as for the other figures that are not finite,
 * instead of failing to be written at all.
 */
static void
test_compare__an_exact_tolerance_is_reported_as_null(void)
{
	struct adac_response *r, *t;
	struct adac_comparison *c = NULL;
	json_t *j;

	pair(1, 16, &r, &t);
	t->h[3] = 0.5;
	check_int(adac_compare(r, t, -INFINITY, &c, NULL), ADAC_OK);
	check(c != NULL && !c->equal);
	j = c != NULL ? adac_comparison_json(c) : NULL;
	check(j != NULL);
	check(json_is_null(json_object_get(json_object_get(j, "overall"), "tol_db")));
	check_int(json_integer_value(json_object_get(
		json_array_get(json_object_get(j, "paths"), 0),
		"first_divergent_sample")), 3);
	json_decref(j);
	adac_comparison_free(c);
	adac_response_free(r);
	adac_response_free(t);
}

static void
test_compare__shape_and_tolerance_errors(void)
{
	struct adac_response *r = adac_response_new(1, 2, 10, 48000);
	struct adac_response *t = adac_response_new(2, 1, 10, 48000);
	struct adac_response *u = adac_response_new(1, 2, 11, 48000);
	struct adac_comparison *c = NULL;
	struct adac_error err;

	check_int(adac_compare(r, t, -100, &c, &err), ADAC_E_INPUT);
	check_int(adac_compare(r, u, -100, &c, &err), ADAC_E_INPUT);
	check_int(adac_compare(r, r, 3, &c, &err), ADAC_E_INPUT);
	check_int(adac_compare(r, r, NAN, &c, &err), ADAC_E_INPUT);
	check(c == NULL);
	adac_response_free(r);
	adac_response_free(t);
	adac_response_free(u);
}

int
main(void)
{
	RUN(test_compare__identical_is_equal_and_exact);
	RUN(test_compare__one_error_is_measured_and_located);
	RUN(test_compare__tolerance_is_inclusive);
	RUN(test_compare__silent_path_uses_largest_peak);
	RUN(test_compare__alignment_finds_the_lag);
	RUN(test_compare__changed_delay_is_not_a_shift);
	RUN(test_compare__non_finite_output_differs);
	RUN(test_compare__a_reference_that_overflows_differs_and_keeps_its_scale);
	RUN(test_compare__evidence_measures_the_decay_of_the_last_quarter);
	RUN(test_compare__alignment_is_the_brute_force_lag);
	RUN(test_compare__a_tie_goes_to_the_smaller_shift);
	RUN(test_compare__an_exact_tolerance_is_reported_as_null);
	RUN(test_compare__shape_and_tolerance_errors);
	return unit_done();
}
