/*
 * test_fixpoint.c - the q1.F formats: their parsing, their arithmetic
 * on exact cases, and the claim that matters: a program emitted for
 * faust -fx and built with include/adac/fixpoint.hpp equals
 * adac_fixpoint_sim bit for bit.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emit_faust.h"
#include "file.h"
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

static void
test_fixpoint__formats_parse_with_round_and_saturate_by_default(void)
{
	struct adac_fixpoint fx = fmt("q1.23");
	char name[32];

	check_int(fx.frac_bits, 23);
	check_str(adac_fixpoint_name(name, &fx), "q1.23:round:saturate");
	fx = fmt("q1.15:wrap:truncate");
	check_str(adac_fixpoint_name(name, &fx), "q1.15:truncate:wrap");
	fx = fmt("q1.31:saturate");
	check_str(adac_fixpoint_name(name, &fx), "q1.31:round:saturate");
}

static void
test_fixpoint__a_bad_format_says_what_is_expected(void)
{
	static const char *const bad[] = {
		"q1.16", "q1.15:", "q1.15:round:truncate", "q1.15:wrap:wrap",
		"float16", "q1.15x", "",
	};
	struct adac_fixpoint fx;
	struct adac_error err = {0};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		check(adac_fixpoint_parse(bad[i], &fx, &err) == ADAC_E_INPUT);
	check_str(err.text, "unknown precision ''; expected q1.15, q1.23 or "
		  "q1.31, then optionally :round or :truncate and :saturate "
		  "or :wrap");
}

/* Worked by hand in units of 2^-15 (one = 32768). */
static void
test_fixpoint__products_round_and_truncate_as_documented(void)
{
	struct adac_fixpoint r = fmt("q1.15"), t = fmt("q1.15:truncate");

	/* 3·16384 / 32768 = 1.5: ties go up, truncation goes down */
	check_int(adac_fixpoint_mul(&r, 3, 16384), 2);
	check_int(adac_fixpoint_mul(&t, 3, 16384), 1);
	/* −1.5: ties up is −1, floor is −2 (not towards zero) */
	check_int(adac_fixpoint_mul(&r, -3, 16384), -1);
	check_int(adac_fixpoint_mul(&t, -3, 16384), -2);
	/* −1 · −1 = +1 does not fit: saturates to 1 − 2^-15 */
	check_int(adac_fixpoint_mul(&r, -32768, -32768), 32767);
}

static void
test_fixpoint__sums_saturate_or_wrap(void)
{
	struct adac_fixpoint s = fmt("q1.15"), w = fmt("q1.15:wrap");

	check_int(adac_fixpoint_add(&s, 30000, 30000), 32767);
	check_int(adac_fixpoint_sub(&s, -30000, 30000), -32768);
	/* 60000 − 65536 */
	check_int(adac_fixpoint_add(&w, 30000, 30000), -5536);
	check_int(adac_fixpoint_sub(&w, 0, -32768), -32768);
	/* wrapping is exact modulo 2: the order of a sum does not matter */
	check_int(adac_fixpoint_add(&w, adac_fixpoint_add(&w, 30000, 30000),
				    -30000), 30000);
}

static void
test_fixpoint__samples_enter_with_the_formats_rules(void)
{
	struct adac_fixpoint s = fmt("q1.15"), w = fmt("q1.15:wrap:truncate");

	check_int(adac_fixpoint_from_sample(&s, 1.0f), 32767);
	check_int(adac_fixpoint_from_sample(&w, 1.0f), -32768);
	check_int(adac_fixpoint_from_sample(&s, 0.5f), 16384);
	/* 2^-16 is half a step: rounds up, truncates down */
	check_int(adac_fixpoint_from_sample(&s, 0x1p-16f), 1);
	check_int(adac_fixpoint_from_sample(&w, -0x1p-16f), -1);
}

static void
test_fixpoint__coefficients_fit_or_are_refused(void)
{
	struct adac_fixpoint q15 = fmt("q1.15"), q31 = fmt("q1.31");
	int64_t raw;

	check(adac_fixpoint_coef(&q15, 0.4995, &raw) == 0);
	check_int(raw, 16368);	/* 0.4995·32768 = 16367.6 */
	check(adac_fixpoint_coef(&q15, 1.0, &raw) == 0);
	check_int(raw, 32768);
	check(adac_fixpoint_coef(&q15, -1.0, &raw) == 0);
	check(adac_fixpoint_coef(&q15, 1.5, &raw) == -1);
	check(adac_fixpoint_coef(&q15, -1.9, &raw) == -1);
	/* q1.31 coefficients lie on the 2^-23 grid (fixpoint.h) */
	check(adac_fixpoint_coef(&q31, 0.1, &raw) == 0);
	check_int(raw, 838861L << 8);	/* 0.1·2^23 = 838860.8 */
}

static struct adac_ir *
load(const char *path, int lowered)
{
	struct adac_error err = {0};
	struct adac_ir *ir = NULL;
	json_t *doc, *irdoc = NULL;
	char *buf;
	size_t len;

	if (adac_read_file(path, 1 << 26, &buf, &len, &err) != ADAC_OK)
		return NULL;
	doc = adac_json_load(buf, len, &err);
	free(buf);
	if (doc == NULL)
		return NULL;
	if (!lowered) {
		if (adac_lower(doc, ADAC_LOWER_AUTO, &irdoc, &err) == ADAC_OK)
			adac_ir_parse(irdoc, &ir, &err);
		json_decref(irdoc);
	} else {
		adac_ir_parse(doc, &ir, &err);
	}
	json_decref(doc);
	return ir;
}

static const char *
fx_defines(const struct adac_fixpoint *fx, char buf[80])
{
	snprintf(buf, 80, "-DADAC_FX_FRAC_BITS=%d -DADAC_FX_TRUNCATE=%d "
		 "-DADAC_FX_WRAP=%d", fx->frac_bits,
		 fx->rounding == ADAC_FX_TRUNCATE,
		 fx->overflow == ADAC_FX_WRAP);
	return buf;
}

/*
 * Emit ir for -fx, build it with faust, the test architecture and the
 * header (under UBSan, so that undefined arithmetic in the header fails
 * the run), feed it x (frames × 1 input) and compare its raw outputs with
 * the simulator's.  Returns the number of differing samples, -1 when a
 * step failed.
 */
static long
build_and_compare(const struct adac_ir *ir, const char *format,
		  const float *x, long frames, int *saturated)
{
	struct adac_fixpoint fx = fmt(format);
	struct adac_emit_options opt = {0};
	struct adac_error err = {0};
	struct adac_fixpoint_sim *sim = NULL;
	char dir[] = "/tmp/adac-fx-XXXXXX", path[256], cmd[2048], d[80];
	char *text = NULL;
	int64_t *ys = NULL, *yb = NULL, shape[2];
	long diff = -1, n;
	int outs = ir->outputs;
	FILE *f;

	opt.fixpoint = &fx;
	opt.certificate_note = "none (test)";
	if (mkdtemp(dir) == NULL ||
	    adac_emit_faust(ir, &opt, &text, &err) != ADAC_OK ||
	    adac_fixpoint_sim_new(ir, &fx, &sim, &err) != ADAC_OK)
		goto out;
	ys = calloc((size_t)(frames * outs), sizeof *ys);
	yb = calloc((size_t)(frames * outs), sizeof *yb);
	snprintf(path, sizeof path, "%s/p.dsp", dir);
	if (ys == NULL || yb == NULL || (f = fopen(path, "w")) == NULL)
		goto out;
	fputs(text, f);
	fclose(f);
	snprintf(path, sizeof path, "%s/x.raw", dir);
	if ((f = fopen(path, "wb")) == NULL)
		goto out;
	fwrite(x, sizeof *x, (size_t)frames, f);
	fclose(f);
	snprintf(cmd, sizeof cmd,
		 "cd %s && faust -fx -lang cpp -a $OLDPWD/include/adac/fixpoint-arch.cpp "
		 "p.dsp -o p.cpp && c++ -O1 -fsanitize=undefined "
		 "-fno-sanitize-recover=undefined -I$OLDPWD/include %s -o p p.cpp && "
		 "./p < x.raw > y.raw", dir, fx_defines(&fx, d));
	if (system(cmd) != 0)
		goto out;
	snprintf(path, sizeof path, "%s/y.raw", dir);
	if ((f = fopen(path, "rb")) == NULL)
		goto out;
	/* the architecture's shape first: 1 input, outs outputs */
	n = (long)fread(shape, sizeof *shape, 2, f) == 2 && shape[0] == 1 &&
	    shape[1] == outs ?
	    (long)fread(yb, sizeof *yb, (size_t)(frames * outs), f) : -1;
	fclose(f);
	if (n != frames * outs)
		goto out;
	adac_fixpoint_sim_process(sim, x, ys, frames);
	*saturated = adac_fixpoint_sim_saturated(sim);
	for (diff = n = 0; n < frames * outs; n++)
		diff += ys[n] != yb[n];
out:
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		diff = -1;
	adac_fixpoint_sim_free(sim);
	free(text);
	free(ys);
	free(yb);
	return diff;
}

/*
 * An impulse of `amp` then a deterministic noise burst of the same
 * amplitude, then silence: every rounding case (ties included, since
 * the noise is on a 2^-16 grid) and the decaying tail.
 */
static float *
stimulus(long frames, float amp)
{
	float *x = calloc((size_t)frames, sizeof *x);
	uint32_t r = 12345;
	long n;

	if (x == NULL)
		return NULL;
	x[0] = amp;
	for (n = 100; n < 2100 && n < frames; n++) {
		r = r * 1664525u + 1013904223u;
		x[n] = amp * (float)((int32_t)(r >> 16) - 32768) * 0x1p-15f;
	}
	return x;
}

/*
 * expect_saturation: 0 when amp is small enough that no sum saturates
 * or wraps (so saturate and wrap agree), 1 when the run must overflow.
 */
static void
bit_exact(const char *path, int lowered, const char *const *formats,
	  float amp, int expect_saturation)
{
	struct adac_ir *ir = load(path, lowered);
	long frames = 24000;
	float *x = stimulus(frames, amp);
	int i, sat = 0;

	check(ir != NULL && x != NULL);
	for (i = 0; ir != NULL && x != NULL && formats[i] != NULL; i++) {
		long d = build_and_compare(ir, formats[i], x, frames, &sat);

		if (d != 0)
			printf("#   %s at %s: %ld samples differ\n", path,
			       formats[i], d);
		check_int(d, 0);
		check_int(sat, expect_saturation);
	}
	adac_ir_free(ir);
	free(x);
}

static const char *const all_formats[] = {
	"q1.15", "q1.15:truncate", "q1.15:wrap", "q1.15:truncate:wrap",
	"q1.23", "q1.23:truncate:wrap", "q1.31", "q1.31:truncate:wrap",
	NULL,
};

/* Small enough that nothing saturates, so saturate equals wrap. */
static void
test_fixpoint__fdn4_built_with_faust_fx_equals_the_simulator(void)
{
	bit_exact("examples/fdn4-adac.json", 0, all_formats, 0.125f, 0);
}

/*
 * Full scale: states overflow; with wrap the program still equals the
 * simulator (sums are exact modulo 2 whatever FAUST's order).
 */
static void
test_fixpoint__fdn4_overflowing_with_wrap_still_equals_the_simulator(void)
{
	static const char *const wrap[] = {
		"q1.15:wrap", "q1.23:truncate:wrap", NULL,
	};

	bit_exact("examples/fdn4-adac.json", 0, wrap, 0.99f, 1);
}

static void
test_fixpoint__fdn16_householder_dense_and_one_pole_equal_the_simulator(void)
{
	static const char *const some[] = {
		"q1.15", "q1.23:truncate", "q1.31:wrap", NULL,
	};

	bit_exact("examples/fdn16.json", 0, some, 0.0625f, 0);
	bit_exact("tests/data/fdn/householder8.json", 0, some, 0.0625f, 0);
	bit_exact("tests/data/fdn/random8.json", 0, some, 0.0625f, 0);
	/* the dead band below: the program sticks where the simulator does */
	bit_exact("tests/data/fixpoint/one-pole.json", 1, some, 0.0625f, 0);
}

/*
 * The absorption-filter FDN (one-pole sections in direct form I), small
 * enough at 0.125 that nothing saturates, in every format.
 */
static void
test_fixpoint__fdn4_absorb_built_with_faust_fx_equals_the_simulator(void)
{
	bit_exact("examples/fdn4-absorb.json", 0, all_formats, 0.125f, 0);
}

/*
 * FLAMO's GEQ and PEQ biquads: 1 < |c| < 2 (b0 up to 1.25, a1 down to
 * -1.99), each such term x or 0 - x plus a product by c - 1 or c + 1.
 * At q1.23 and q1.31 with a small signal nothing saturates; at full
 * scale the sums overflow, and wrap keeps the program equal.
 */
static void
test_fixpoint__flamo_biquads_beyond_one_equal_the_simulator(void)
{
	static const char *const small[] = {
		"q1.23", "q1.23:truncate", "q1.31", "q1.31:truncate:wrap", NULL,
	};
	static const char *const wrap[] = {
		"q1.15:wrap", "q1.15:truncate:wrap", "q1.23:wrap", NULL,
	};

	bit_exact("examples/fdn4-flamo.json", 0, small, 0.0625f, 0);
	bit_exact("examples/fdn4-flamo.json", 0, wrap, 0.99f, 1);
}

/*
 * One section, y = b0 x + b1 x' + b2 x'' - a1 y' - a2 y'', at fixed
 * point against adac_sim's double.  Coefficients and input lie on the
 * 2^-15 grid, so neither is quantised in q1.15 or q1.23, and the only
 * errors are the 5 products' roundings per sample (1/2 LSB each when
 * rounding, under 1 LSB truncating; a term by ±1 or x + (c - 1)·x for
 * 1 < |c| < 2 adds none: one product each), which the recursion
 * 1/(1 + a1 z^-1 + a2 z^-2) carries with gain ||h||_1 <= 1/(1 - r)^2,
 * r the poles' radius sqrt(a2).  The double simulator's own error is
 * below 1e-12 of a q1.23 LSB here.  No sum saturates: |x| <= 2^-6 and
 * the section's l1 gain is at most 2·16 = 32, so |y| <= 1/2, and every
 * partial sum is at most 2·2^-6 + 1.8125/2 < 1.
 */
static void
biquad_within_rounding(const char *sections, double r, const char *format,
		       double lsb_per_rounding)
{
	struct adac_fixpoint fx = fmt(format);
	struct adac_error err = {0};
	struct adac_ir *ir = NULL;
	struct adac_fixpoint_sim *sim = NULL;
	struct adac_sim *ds = NULL;
	char text[512];
	long n, frames = 48000;
	double worst = 0, bound = 5 * lsb_per_rounding / ((1 - r) * (1 - r));
	uint32_t q = 99;
	int64_t y;
	float x;
	double xd, yd;

	snprintf(text, sizeof text, "{\"adac\": \"ir/1\", \"name\": \"BQ\", "
		 "\"fs\": 48000, \"inputs\": 1, \"outputs\": 1, \"graph\": "
		 "{\"op\": \"sos\", \"sections\": %s}}", sections);
	check(adac_ir_parse_text(text, strlen(text), &ir, &err) == ADAC_OK);
	check(ir != NULL && adac_fixpoint_sim_new(ir, &fx, &sim, &err) ==
	      ADAC_OK && adac_sim_new(ir, NULL, 0, &ds, &err) == ADAC_OK);
	for (n = 0; sim != NULL && ds != NULL && n < frames; n++) {
		q = q * 1664525u + 1013904223u;
		/* k·2^-15, |k| <= 512: on the grid, |x| <= 2^-6 */
		x = n < frames / 2 ?
		    (float)((int32_t)(q >> 22) - 512) * 0x1p-15f : 0.0f;
		xd = x;
		adac_fixpoint_sim_process(sim, &x, &y, 1);
		adac_sim_process(ds, &xd, &yd, 1);
		if (fabs((double)y - ldexp(yd, fx.frac_bits)) > worst)
			worst = fabs((double)y - ldexp(yd, fx.frac_bits));
	}
	printf("#   %s at %s: %.2f LSB from the double model (bound %.1f)\n",
	       sections, format, worst, bound);
	check(worst > 0);	/* the roundings are there */
	check_le(worst, bound);
	check(sim != NULL && !adac_fixpoint_sim_saturated(sim));
	adac_fixpoint_sim_free(sim);
	adac_sim_free(ds);
	adac_ir_free(ir);
}

static void
test_fixpoint__a_biquad_at_fixed_point_is_the_double_one_within_its_roundings(void)
{
	/* poles of radius sqrt(0.1875) = 0.433: bound 2.5 LSB · 3.11 */
	static const char *const damped =
		"[[[0.5, 0.3125, 0.125, -0.625, 0.1875]]]";
	/* b0 = 1.25, a1 = -1.25, radius sqrt(0.5625) = 0.75: ·16 */
	static const char *const beyond =
		"[[[1.25, -0.5, 0.25, -1.25, 0.5625]]]";

	biquad_within_rounding(damped, sqrt(0.1875), "q1.15", 0.5);
	biquad_within_rounding(damped, sqrt(0.1875), "q1.15:truncate", 1);
	biquad_within_rounding(beyond, 0.75, "q1.15", 0.5);
	biquad_within_rounding(beyond, 0.75, "q1.23:truncate", 1);
}

static void
test_fixpoint__what_cannot_be_fixed_point_is_refused_with_its_pointer(void)
{
	static const char bq[] = "{\"adac\": \"ir/1\", \"name\": \"BQ\", "
		"\"fs\": 48000, \"inputs\": 1, \"outputs\": 1, \"graph\": "
		"{\"op\": \"series\", \"of\": [{\"op\": \"gain\", \"values\": [0.5]}, "
		"{\"op\": \"sos\", \"sections\": [[[0.5, 0.1, 0, -1.5, 0.6]], "
		"[[0.5, 0, 0, -2.0, 0.99]]]}]}}";
	struct adac_fixpoint fx = fmt("q1.15");
	struct adac_error err = {0};
	struct adac_ir *ir = NULL;

	check(adac_ir_parse_text(bq, strlen(bq), &ir, &err) == ADAC_OK);
	if (ir != NULL) {
		check(adac_fixpoint_check(ir, &fx, &err) == ADAC_E_INPUT);
		check_str(err.pointer, "/graph/of/1");
		check_str(err.text, "biquad coefficient a1 = -2 (section 1, "
			  "channel 0) does not fit q1.15:round:saturate "
			  "(|c| < 2 in a biquad)");
	}
	adac_ir_free(ir);
	ir = load("examples/fdn4-tanh.json", 1);
	check(ir != NULL);
	if (ir != NULL) {
		check(adac_fixpoint_check(ir, &fx, &err) == ADAC_E_INPUT);
		check_str(err.pointer, "/graph/of/1/back/of/0");
		check_str(err.text, "nonlinear nodes are not supported at "
			  "fixed point");
	}
	adac_ir_free(ir);
	ir = load("tests/data/adac/fractionalDelay.json", 0);
	check(ir != NULL);
	if (ir != NULL) {
		check(adac_fixpoint_check(ir, &fx, &err) == ADAC_E_INPUT);
		check_str(err.pointer, "/graph");
		check_str(err.text, "fractional delays are not supported at "
			  "fixed point");
	}
	adac_ir_free(ir);
}

/*
 * y = x + 0.96·y' at q1.15, rounding: the classic dead band.  A state y
 * stays put when round(0.96·y) = y, i.e. 0.04·y <= 1/2 LSB, so the
 * impulse's decay stops at the largest such y, 12 LSB (12.5 is the
 * bound 0.5/(1 − 0.96)), and stays there forever with zero input.
 * Truncation towards −inf takes a positive state down to 0.
 */
static void
test_fixpoint__a_one_pole_loop_sticks_in_its_dead_band_when_rounding(void)
{
	struct adac_ir *ir = load("tests/data/fixpoint/one-pole.json", 1);
	struct adac_fixpoint r = fmt("q1.15"), t = fmt("q1.15:truncate");
	struct adac_fixpoint_sim *sr = NULL, *st = NULL;
	struct adac_error err = {0};
	float x;
	int64_t yr = -1, yt = -1;
	long n;

	check(ir != NULL);
	if (ir == NULL)
		return;
	check(adac_fixpoint_sim_new(ir, &r, &sr, &err) == ADAC_OK);
	check(adac_fixpoint_sim_new(ir, &t, &st, &err) == ADAC_OK);
	for (n = 0; sr != NULL && st != NULL && n < 48000; n++) {
		x = n == 0 ? 0.125f : 0.0f;
		adac_fixpoint_sim_process(sr, &x, &yr, 1);
		adac_fixpoint_sim_process(st, &x, &yt, 1);
	}
	check_int(yr, 12);
	check_int(yt, 0);
	adac_fixpoint_sim_free(sr);
	adac_fixpoint_sim_free(st);
	adac_ir_free(ir);
}

int
main(void)
{
	RUN(test_fixpoint__formats_parse_with_round_and_saturate_by_default);
	RUN(test_fixpoint__a_bad_format_says_what_is_expected);
	RUN(test_fixpoint__products_round_and_truncate_as_documented);
	RUN(test_fixpoint__sums_saturate_or_wrap);
	RUN(test_fixpoint__samples_enter_with_the_formats_rules);
	RUN(test_fixpoint__coefficients_fit_or_are_refused);
	RUN(test_fixpoint__fdn4_built_with_faust_fx_equals_the_simulator);
	RUN(test_fixpoint__fdn4_overflowing_with_wrap_still_equals_the_simulator);
	RUN(test_fixpoint__fdn16_householder_dense_and_one_pole_equal_the_simulator);
	RUN(test_fixpoint__fdn4_absorb_built_with_faust_fx_equals_the_simulator);
	RUN(test_fixpoint__flamo_biquads_beyond_one_equal_the_simulator);
	RUN(test_fixpoint__a_biquad_at_fixed_point_is_the_double_one_within_its_roundings);
	RUN(test_fixpoint__what_cannot_be_fixed_point_is_refused_with_its_pointer);
	RUN(test_fixpoint__a_one_pole_loop_sticks_in_its_dead_band_when_rounding);
	return unit_done();
}
