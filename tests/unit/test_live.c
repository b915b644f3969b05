/*
 * test_live.c - the live engine driven block by block from the test,
 * value-only diffs, and the service's small helpers.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"
#include "live_serve.h"
#include "unit.h"

#define FS 48000
#define BLOCK 64

static struct adac_live *
engine(int outputs, double xfade_ms, double smooth_ms)
{
	struct adac_live_config cfg;
	struct adac_live *live = NULL;
	struct adac_error err;

	adac_live_config_init(&cfg);
	cfg.fs_hz = FS;
	cfg.inputs = 0;
	cfg.outputs = outputs;
	cfg.max_block = BLOCK;
	cfg.xfade_ms = xfade_ms;
	cfg.smooth_ms = smooth_ms;
	cfg.faust.backend = ADAC_FAUST_INTERP;
	if (adac_live_new(&cfg, &live, &err) != ADAC_OK)
		printf("#   adac_live_new: %s\n", err.text);
	return live;
}

static enum adac_live_status
load(struct adac_live *live, const char *src, struct adac_live_report *rep)
{
	struct adac_live_report r;

	if (rep == NULL)
		rep = &r;
	if (adac_live_load(live, "t", src, 0, 0, 0, rep) != ADAC_OK)
		printf("#   adac_live_load failed: %s\n", rep->error.text);
	return rep->status;
}

/* Process n frames of one output channel into y. */
static void
run(struct adac_live *live, float *y, int n)
{
	float *out[1];
	int k;

	for (k = 0; k < n; k += BLOCK) {
		out[0] = y + k;
		adac_live_process(live, n - k < BLOCK ? n - k : BLOCK, NULL, out);
	}
}

static void
test_live__first_program_runs_as_is(void)
{
	struct adac_live *live = engine(1, 10, 10);
	float y[256];
	int k;

	check(live != NULL);
	run(live, y, 64);	/* nothing runs yet: silence */
	for (k = 0; k < 64; k++)
		check(y[k] == 0.0f);
	check(load(live, "process = 0.5;", NULL) == ADAC_LIVE_SWAPPED);
	run(live, y, 256);
	/* the first program is not faded in: it sounds as it computes */
	for (k = 0; k < 256; k++)
		check(y[k] == 0.5f);
	adac_live_free(live);
}

static void
test_live__swap_is_an_equal_power_crossfade(void)
{
	struct adac_live *live = engine(1, 10, 10);
	struct adac_live_stats st;
	float y[1024];
	int k, X = 480;	/* 10 ms at 48 kHz */

	load(live, "process = 1;", NULL);
	run(live, y, 64);
	check(load(live, "process = 2;", NULL) == ADAC_LIVE_SWAPPED);
	run(live, y, 1024);
	for (k = 0; k < 1024; k++) {
		double th = M_PI / 2 * (k + 0.5) / X;
		double want = k < X ? cos(th) * 1 + sin(th) * 2 : 2;

		/* gains are float: |error| <= 3 * 2^-24 * (1 + 2) ~ 5.4e-7 */
		check_near(y[k], want, 6e-7);
	}
	adac_live_stats(live, &st);
	check_int(st.swaps, 2);
	check_int(st.frames, 64 + 1024);
	adac_live_free(live);
}

static void
test_live__values_set_are_carried_over_by_address(void)
{
	struct adac_live *live = engine(1, 0, 0);
	struct adac_live_report rep;
	struct adac_error err;
	float y[64];
	double v;

	load(live, "process = hslider(\"gain\", 0.5, 0, 1, 0.01);", NULL);
	check(adac_live_param_set(live, "gain", 0.25, NULL, &err) == ADAC_OK);
	check(adac_live_param_set(live, "nope", 0.25, NULL, &err) == ADAC_E_INPUT);
	check_str(err.text, "no parameter 'nope'");
	check(adac_live_param_set(live, "gain", NAN, NULL, &err) == ADAC_E_INPUT);
	run(live, y, 64);
	check(y[63] == 0.25f);
	/* a different program with the same address, and one without it */
	load(live, "process = hslider(\"gain\", 0.5, 0, 1, 0.01) * 2;", &rep);
	check_int(rep.params_kept, 1);
	run(live, y, 64);
	check(y[63] == 0.5f);
	check(adac_live_param_get(live, "/t/gain", &v, &err) == ADAC_OK);
	check(v == 0.25);
	load(live, "process = 0;", &rep);
	check_int(rep.params_kept, 0);
	/* and back: the value the user set is remembered */
	load(live, "process = hslider(\"gain\", 0.5, 0, 1, 0.01);", &rep);
	check_int(rep.params_kept, 1);
	run(live, y, 64);
	check(y[63] == 0.25f);
	adac_live_free(live);
}

static void
test_live__a_failed_compile_keeps_the_old_program(void)
{
	struct adac_live *live = engine(1, 10, 10);
	struct adac_live_report rep;
	float y[64];
	char *src;

	load(live, "process = 0.5;", NULL);
	check(load(live, "process = nosuch;", &rep) == ADAC_LIVE_FAILED);
	check_str(rep.error.text, "line 1: undefined symbol : nosuch");
	run(live, y, 64);
	check(y[0] == 0.5f && y[63] == 0.5f);
	src = adac_live_source(live);
	check_str(src, "process = 0.5;");
	free(src);
	check(load(live, "process = 0.5;", &rep) == ADAC_LIVE_UNCHANGED);
	adac_live_free(live);
}

static void
test_live__a_recompiled_text_comes_from_the_cache(void)
{
	struct adac_live *live = engine(1, 0, 0);
	struct adac_live_report rep;
	float y[64];

	load(live, "process = 1;", &rep);
	check(!rep.cached);
	run(live, y, 64);
	load(live, "process = 2;", &rep);
	run(live, y, 64);
	adac_live_poll(live);	/* the first program comes back to the cache */
	load(live, "process = 1;", &rep);
	check(rep.cached);
	check(rep.compile_ms == 0);
	run(live, y, 64);
	check(y[63] == 1.0f);
	adac_live_free(live);
}

/*
 * A delay of 100000 samples makes a line of 2^17 floats, 512 KB: a cache
 * of 1.5 MB holds two such programs whatever --cache says, never more.
 */
static void
test_live__the_cache_is_bounded_in_bytes(void)
{
	struct adac_live_config cfg;
	struct adac_live *live = NULL;
	struct adac_error err;
	char src[128];
	float y[64];
	size_t bytes = 0, max = 0;
	int i, n = -1;

	adac_live_config_init(&cfg);
	cfg.fs_hz = FS;
	cfg.inputs = 0;
	cfg.outputs = 1;
	cfg.max_block = BLOCK;
	cfg.xfade_ms = 0;
	cfg.cache = 8;
	cfg.cache_mb = 1.5;
	cfg.faust.backend = ADAC_FAUST_INTERP;
	check(adac_live_new(&cfg, &live, &err) == ADAC_OK);
	for (i = 0; i < 6; i++) {
		snprintf(src, sizeof src, "process = 1 : @(100000) : *(%d);", i + 1);
		check(load(live, src, NULL) == ADAC_LIVE_SWAPPED);
		run(live, y, 64);
		adac_live_poll(live);
		adac_live_cache_usage(live, &n, &bytes, &max);
		check(bytes <= max);
		check(n <= 2);
	}
	check(max == 1572864);
	check_int(n, 2);
	check(bytes > 2 * 524288);
	/* a program larger than the cache is not kept at all */
	adac_live_free(live);
	cfg.cache_mb = 0.25;
	check(adac_live_new(&cfg, &live, &err) == ADAC_OK);
	load(live, "process = 1 : @(100000);", NULL);
	run(live, y, 64);
	load(live, "process = 2;", NULL);
	run(live, y, 64);
	adac_live_poll(live);
	adac_live_cache_usage(live, &n, &bytes, &max);
	check_int(n, 0);
	check(bytes == 0);
	adac_live_free(live);
}

static void
test_live__values_only_change_is_ramped_not_compiled(void)
{
	static const char *a =
		"g = nentry(\"g[hidden:1]\", 0.25, 0, 1, 0);\nprocess = g;\n";
	static const char *b =
		"g = nentry(\"g[hidden:1]\", 0.75, 0, 1, 0);\nprocess = g;\n";
	struct adac_live *live = engine(1, 10, 10);
	struct adac_live_report rep;
	float y[1024];
	int k, total = 480;	/* 10 ms */

	load(live, a, NULL);
	run(live, y, 64);
	check(y[63] == 0.25f);
	check(load(live, b, &rep) == ADAC_LIVE_VALUES);
	check_int(rep.values_changed, 1);
	check(rep.compile_ms < 0);
	run(live, y, 1024);
	/* per block of 64, the value steps along the line from 0.25 to 0.75 */
	for (k = 0; k < 1024; k++) {
		int done = (k / BLOCK + 1) * BLOCK;
		double want = done >= total ? 0.75
				: 0.75 + (0.25 - 0.75) * (total - done) / total;

		check_near(y[k], want, 1e-7);
	}
	/* a structural change compiles, with the new init values */
	check(load(live, "process = 3;", &rep) == ADAC_LIVE_SWAPPED);
	adac_live_free(live);
}

/*
 * A set and a value-only ramp of one parameter, many times over before
 * the audio thread runs once: one drain pass sees them all.  The list of
 * ramping parameters has room for each parameter once (run under
 * make check SANITIZE=1, AddressSanitizer reports a write past it).
 */
static void
test_live__sets_and_ramps_in_one_pass_stay_in_bounds(void)
{
	static const char *a =
		"g = nentry(\"g[hidden:1]\", 0.25, 0, 1, 0);\nprocess = g;\n";
	static const char *b =
		"g = nentry(\"g[hidden:1]\", 0.75, 0, 1, 0);\nprocess = g;\n";
	struct adac_live *live = engine(1, 0, 10);
	struct adac_error err;
	float y[1024];
	int i;

	check(load(live, a, NULL) == ADAC_LIVE_SWAPPED);
	run(live, y, 64);
	for (i = 0; i < 30; i++) {
		check(adac_live_param_set(live, "g", 0.1, NULL, &err) == ADAC_OK);
		check(load(live, i % 2 == 0 ? b : a, NULL) == ADAC_LIVE_VALUES);
	}
	/* the last change ramps to a's 0.25 over 480 frames, then holds */
	run(live, y, 1024);
	check(y[1023] == 0.25f);
	adac_live_free(live);
}

struct mutes {
	int n;
	struct adac_live_mute last;
};

static void
on_mute(const struct adac_live_mute *m, void *ctx)
{
	struct mutes *mu = ctx;

	mu->n++;
	mu->last = *m;
}

static struct adac_live *
guarded_engine(double xfade_ms, struct mutes *mu)
{
	struct adac_live_config cfg;
	struct adac_live *live = NULL;
	struct adac_error err;

	adac_live_config_init(&cfg);
	cfg.fs_hz = FS;
	cfg.inputs = 0;
	cfg.outputs = 1;
	cfg.max_block = BLOCK;
	cfg.xfade_ms = xfade_ms;
	cfg.faust.backend = ADAC_FAUST_INTERP;
	cfg.on_mute = on_mute;
	cfg.ctx = mu;
	if (adac_live_new(&cfg, &live, &err) != ADAC_OK)
		printf("#   adac_live_new: %s\n", err.text);
	return live;
}

static void
test_live__nonfinite_output_is_counted_and_silenced(void)
{
	struct mutes mu = { 0 };
	struct adac_live *live = guarded_engine(0, &mu);
	struct adac_live_stats st;
	float y[128];
	int k;

	load(live, "process = hslider(\"x\", -1, -1, 1, 0.1) : sqrt;", NULL);
	run(live, y, 128);
	adac_live_stats(live, &st);
	/* the first block is seen, then the program is muted, not computed */
	check_int(st.nonfinite, 64);
	check_int(st.muted, 1);
	for (k = 0; k < 128; k++)
		check(y[k] == 0.0f);
	adac_live_poll(live);
	check_int(mu.n, 1);
	check(mu.last.nonfinite);
	check(adac_live_muted(live));
	adac_live_free(live);
}

/*
 * +12 dBFS is 10^(12/20) = 3.981: a program at 3.9 sounds, one at 4 is
 * muted before a sample of it is heard (os.osc * 1e30 never reaches the
 * driver), and the next program sounds again.
 */
static void
test_live__a_program_over_the_level_limit_is_muted_not_heard(void)
{
	struct mutes mu = { 0 };
	struct adac_live *live = guarded_engine(0, &mu);
	struct adac_live_stats st;
	float y[128];
	int k;

	check(load(live, "process = 3.9;", NULL) == ADAC_LIVE_SWAPPED);
	run(live, y, 64);
	check(y[0] == 3.9f && y[63] == 3.9f);
	check(load(live, "process = 4;", NULL) == ADAC_LIVE_SWAPPED);
	run(live, y, 128);
	for (k = 0; k < 128; k++)
		check(y[k] == 0.0f);
	adac_live_poll(live);
	check_int(mu.n, 1);
	check(!mu.last.nonfinite);
	check(mu.last.peak == 4.0);
	check(mu.last.limit_db == 12);
	adac_live_poll(live);	/* said once */
	check_int(mu.n, 1);
	check(load(live, "import(\"stdfaust.lib\");\nprocess = os.osc(440) * 1e30;",
		   NULL) == ADAC_LIVE_SWAPPED);
	run(live, y, 128);
	for (k = 0; k < 128; k++)
		check(y[k] == 0.0f);
	check(load(live, "process = 0.5;", NULL) == ADAC_LIVE_SWAPPED);
	run(live, y, 64);
	check(y[0] == 0.5f);
	check(!adac_live_muted(live));
	adac_live_stats(live, &st);
	check_int(st.muted, 2);
	check(st.peak == 3.9f);
	adac_live_free(live);
}

/*
 * Two programs under the limit may add up over it in a crossfade: at
 * the middle of an equal-power fade, 3.9 (sin + cos) = 3.9 sqrt 2 = 5.5.
 * The mix is clipped to the limit, 10^(12/20) in float.
 */
static void
test_live__a_crossfade_never_exceeds_the_limit(void)
{
	struct mutes mu = { 0 };
	struct adac_live *live = guarded_engine(10, &mu);
	float y[1024], lim = (float)pow(10, 12.0 / 20);
	int k, clipped = 0;

	load(live, "process = 3.9;", NULL);
	run(live, y, 64);
	load(live, "process = 3.9 + 0.01;", NULL);
	run(live, y, 1024);
	for (k = 0; k < 1024; k++) {
		check(y[k] <= lim);
		clipped += y[k] == lim;
	}
	check(clipped > 0);
	check_int(mu.n, 0);
	adac_live_free(live);
}

static void
test_live__values_are_clamped_to_the_control_range(void)
{
	struct adac_live *live = engine(1, 0, 0);
	struct adac_live_report rep;
	struct adac_error err;
	float y[64];
	double v = -1;

	load(live, "process = hslider(\"gain\", 0.5, 0, 1, 0.001);", NULL);
	check(adac_live_param_set(live, "gain", 5, &v, &err) == ADAC_OK);
	check(v == 1);
	run(live, y, 64);
	check(y[63] == 1.0f);
	check(adac_live_param_set(live, "gain", -3, &v, &err) == ADAC_OK);
	check(v == 0);
	/* beyond float: 3.4e38 and 1e39 (which float makes infinite) */
	check(adac_live_param_set(live, "gain", 3.4e38, &v, &err) == ADAC_OK);
	check(v == 1);
	check(adac_live_param_set(live, "gain", 1e39, &v, &err) == ADAC_OK);
	check(v == 1);
	run(live, y, 64);
	check(y[63] == 1.0f);
	check(adac_live_param_get(live, "gain", &v, &err) == ADAC_OK);
	check(v == 1);
	check(adac_live_param_set(live, "gain", 0.25, &v, &err) == ADAC_OK);
	check(v == 0.25);
	/* a value kept across a reload fits the new program's range */
	check(adac_live_param_set(live, "gain", 0.75, &v, &err) == ADAC_OK);
	load(live, "process = hslider(\"gain\", 0.1, 0, 0.5, 0.001);", &rep);
	check_int(rep.params_kept, 1);
	run(live, y, 64);
	check(y[63] == 0.5f);
	check(adac_live_param_get(live, "gain", &v, &err) == ADAC_OK);
	check(v == 0.5);
	adac_live_free(live);
}

struct audio {
	struct adac_live *live;
	atomic_int stop;
};

static void *
audio_thread(void *arg)
{
	struct audio *a = arg;
	float buf[BLOCK], *out[1] = { buf };

	while (!atomic_load(&a->stop))
		adac_live_process(a->live, BLOCK, NULL, out);
	return NULL;
}

static void
test_live__loads_and_sets_race_the_audio_thread_safely(void)
{
	struct adac_live *live = engine(1, 1, 1);
	struct adac_live_report rep;
	struct adac_live_stats st;
	struct adac_error err;
	struct audio a = { live, 0 };
	char src[128];
	pthread_t t;
	int i, swapped = 0;

	load(live, "process = hslider(\"gain\", 0.5, 0, 1, 0.01);", NULL);
	check(pthread_create(&t, NULL, audio_thread, &a) == 0);
	for (i = 0; i < 40; i++) {
		snprintf(src, sizeof src,
			 "process = hslider(\"gain\", 0.5, 0, 1, 0.01) + %d;", i % 3);
		adac_live_load(live, "t", src, 0, 1000, 0, &rep);
		swapped += rep.status == ADAC_LIVE_SWAPPED;
		check(rep.status != ADAC_LIVE_FAILED);
		check(adac_live_param_set(live, "gain", (i % 10) / 10.0, NULL, &err) == ADAC_OK);
	}
	atomic_store(&a.stop, 1);
	pthread_join(t, NULL);
	adac_live_stats(live, &st);
	check_int(st.swaps, swapped + 1);
	check_int(st.nonfinite, 0);
	adac_live_free(live);
}

static void
test_live__report_json_is_one_line(void)
{
	struct adac_live_report rep;
	char *s;

	memset(&rep, 0, sizeof rep);
	rep.status = ADAC_LIVE_FAILED;
	rep.compile_ms = rep.swap_ms = rep.write_to_audible_ms = -1;
	snprintf(rep.error.text, sizeof rep.error.text, "line 1: \"x\"");
	s = adac_live_report_json(&rep, "a.dsp");
	check(s != NULL && strchr(s, '\n') == NULL);
	check(s != NULL && strstr(s, "\"file\":\"a.dsp\",\"status\":\"failed\","
				     "\"error\":\"line 1: \\\"x\\\"\"") != NULL);
	free(s);
}

static void
test_live__qr_code_has_a_quiet_zone(void)
{
	struct adac_error err;
	char *s = NULL, *nl;
	int lines = 0;

	check(adac_live_qr("http://127.0.0.1:5500/", &s, &err) == ADAC_OK);
	/* version 2 (25 modules) + 2 quiet modules a side = 29 rows, 15 lines */
	for (nl = s; nl != NULL && *nl != '\0'; nl = strchr(nl, '\n') + 1)
		lines++;
	check_int(lines, 15);
	/* the first line is quiet zone only: 29 full blocks of 3 bytes */
	check(s != NULL && strncmp(s, "\xe2\x96\x88\xe2\x96\x88", 6) == 0);
	check(s != NULL && strchr(s, '\n') - s == 29 * 3);
	free(s);
}

static void
test_live__loopback_addresses(void)
{
	check(adac_live_is_loopback("127.0.0.1"));
	check(adac_live_is_loopback("127.1.2.3"));
	check(adac_live_is_loopback("::1"));
	check(adac_live_is_loopback("localhost"));
	check(!adac_live_is_loopback("0.0.0.0"));
	check(!adac_live_is_loopback("10.0.0.1"));
	check(!adac_live_is_loopback("::"));
	check(!adac_live_is_loopback("example.com"));
}

int
main(void)
{
	RUN(test_live__first_program_runs_as_is);
	RUN(test_live__swap_is_an_equal_power_crossfade);
	RUN(test_live__values_set_are_carried_over_by_address);
	RUN(test_live__a_failed_compile_keeps_the_old_program);
	RUN(test_live__a_recompiled_text_comes_from_the_cache);
	RUN(test_live__the_cache_is_bounded_in_bytes);
	RUN(test_live__values_only_change_is_ramped_not_compiled);
	RUN(test_live__sets_and_ramps_in_one_pass_stay_in_bounds);
	RUN(test_live__nonfinite_output_is_counted_and_silenced);
	RUN(test_live__a_program_over_the_level_limit_is_muted_not_heard);
	RUN(test_live__a_crossfade_never_exceeds_the_limit);
	RUN(test_live__values_are_clamped_to_the_control_range);
	RUN(test_live__loads_and_sets_race_the_audio_thread_safely);
	RUN(test_live__report_json_is_one_line);
	RUN(test_live__qr_code_has_a_quiet_zone);
	RUN(test_live__loopback_addresses);
	return unit_done();
}
