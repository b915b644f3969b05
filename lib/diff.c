#include "diff.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "evidence.h"

void
adac_diff_options_init(struct adac_diff_options *opt)
{
	opt->length = 0;
	opt->tol_db = NAN;
	opt->fs_hz = 0;
	opt->progress = NULL;
	opt->progress_ctx = NULL;
	adac_stimulus_init(&opt->stimulus);
	opt->stimulus_given = 0;
}

/*
 * The signal for a window of length samples, or NULL for the unit
 * impulse the renderers make themselves (and *x stays NULL).
 */
static int
stimulus(const struct adac_diff_options *opt, double rate, long length,
	 double **x, struct adac_error *err)
{
	free(*x);
	*x = NULL;
	if (opt->stimulus.kind == ADAC_STIMULUS_IMPULSE &&
	    opt->stimulus.level_db == 0)
		return ADAC_OK;
	*x = malloc(((size_t)(length > 0 ? length : 0) + 1) * sizeof **x);
	if (*x == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	adac_stimulus_fill(&opt->stimulus, rate, length, *x);
	return ADAC_OK;
}

struct progress_tramp {
	const struct adac_diff_options *opt;
	const char *name;
};

static void
tramp(void *ctx, double done)
{
	struct progress_tramp *t = ctx;

	t->opt->progress(t->opt->progress_ctx, t->name, done);
}

static int
paths_phrase(char *buf, size_t n, const struct adac_source *s)
{
	int ni = adac_source_inputs(s), no = adac_source_outputs(s);

	if (adac_source_kind(s) == ADAC_SOURCE_AUDIO)
		return snprintf(buf, n, "%d channels", ni * no);
	return snprintf(buf, n, "%d input%s and %d output%s", ni,
			ni == 1 ? "" : "s", no, no == 1 ? "" : "s");
}

/* Give both sources one shape, or say which one cannot take it. */
static int
match_shapes(struct adac_source *src[2], int *culprit, struct adac_error *err)
{
	int audio0 = adac_source_kind(src[0]) == ADAC_SOURCE_AUDIO;
	int audio1 = adac_source_kind(src[1]) == ADAC_SOURCE_AUDIO;
	int ni, no, k, rc;
	char have[64], want[64];

	/* the one that is not audio decides; else the reference does */
	k = audio1 && !audio0 ? 0 : (audio0 && !audio1 ? 1 : 0);
	ni = adac_source_inputs(src[k]);
	no = adac_source_outputs(src[k]);
	rc = adac_source_shape(src[1 - k], ni, no, err);
	if (rc == ADAC_OK)
		return ADAC_OK;
	paths_phrase(have, sizeof have, src[1 - k]);
	paths_phrase(want, sizeof want, src[k]);
	*culprit = 1 - k;
	return adac_error_set(err, ADAC_E_INPUT, "",
			      "has %s, but %s has %s (%d path%s)", have,
			      k == 0 ? "the reference" : "the test", want,
			      ni * no, ni * no == 1 ? "" : "s");
}

/*
 * The float tolerance the model gives (diff.h): exact is the IR's
 * response, already rendered; *noise_db the worst noise re scale.
 */
static int
model_tolerance(struct adac_source *ir, const struct adac_response *exact,
		const double *x, double rate, double *tol_db,
		double *noise_db, struct adac_error *err)
{
	struct adac_response *noisy = NULL;
	long n, len = exact->length;
	int p, paths = exact->inputs * exact->outputs, rc;
	double worst = 0, top = 0, pk, e;

	/* on the signal compared: with a nonlinear node the noise depends
	 * on the signal, so it is measured there, not extrapolated from
	 * the impulse response */
	rc = adac_source_render_noisy_signal(ir, len, rate, x, &noisy, err);
	if (rc != ADAC_OK)
		return rc;
	/* the scale of compare.h: the path's peak, else the largest one */
	for (p = 0; p < paths; p++)
		for (n = 0; n < len; n++)
			top = fmax(top, fabs(exact->h[(size_t)p * len + n]));
	for (p = 0; p < paths; p++) {
		const double *h = exact->h + (size_t)p * len;
		const double *y = noisy->h + (size_t)p * len;

		for (pk = e = 0, n = 0; n < len; n++) {
			pk = fmax(pk, fabs(h[n]));
			e = fmax(e, fabs(y[n] - h[n]));
		}
		pk = pk > 0 ? pk : top > 0 ? top : 1.0;
		worst = fmax(worst, e / pk);
	}
	adac_response_free(noisy);
	*noise_db = 20.0 * log10(worst);
	/*
	 * A model the noise does not touch (silence, exact gains) still
	 * reaches the program through float samples, each within 2^-24 of
	 * itself and so of the peak: never ask for less than that.
	 */
	worst = fmax(worst, 0x1p-24);
	*tol_db = fmin(ADAC_DIFF_NOISE_MAX_TOL_DB,
		       20.0 * log10(ADAC_DIFF_NOISE_SAFETY * worst));
	return ADAC_OK;
}

/* Say where the tolerance came from. */
static int
set_tolerance_note(json_t *r, const char *from, double noise_db)
{
	json_t *overall = json_object_get(r, "overall");

	if (json_object_set_new(overall, "tol_from", json_string(from)))
		return -1;
	if (strcmp(from, "model") == 0 && isfinite(noise_db))
		return json_object_set_new(overall, "model_noise_db",
					   json_real(noise_db));
	return 0;
}

static int
set_report(json_t *r, const char *name[2], double fs, long length,
	   int inputs, int outputs, const char *precision)
{
	json_t *overall = json_object_get(r, "overall");

	return json_object_set_new(r, "reference", json_string(name[0])) ||
	       json_object_set_new(r, "test", json_string(name[1])) ||
	       json_object_set_new(r, "fs", json_real(fs)) ||
	       json_object_set_new(r, "samples", json_integer(length)) ||
	       json_object_set_new(r, "inputs", json_integer(inputs)) ||
	       json_object_set_new(r, "outputs", json_integer(outputs)) ||
	       json_object_set_new(overall, "precision", json_string(precision));
}

/* Where the comparison length came from. */
enum length_from { FROM_USER, FROM_AUDIO, FROM_DEFAULT };

static int
render(struct adac_source *s, const char *name, long length, double rate,
       const double *x, const struct adac_diff_options *opt,
       struct adac_response **out, struct adac_error *err)
{
	struct progress_tramp pt;

	pt.opt = opt;
	pt.name = name;
	if (opt->progress != NULL)
		opt->progress(opt->progress_ctx, name, 0.0);
	return adac_source_render_signal(s, length, rate, x,
					 opt->progress != NULL ? tramp : NULL,
					 &pt, out, err);
}

static json_t *
stimulus_json(const struct adac_stimulus *s, long length)
{
	json_t *o = json_pack("{s:s,s:f,s:I}", "kind",
			      adac_stimulus_name(s->kind), "level_db",
			      s->level_db, "active_samples",
			      (json_int_t)adac_stimulus_active(s, length));

	if (o != NULL && s->kind == ADAC_STIMULUS_NOISE)
		json_object_set_new(o, "seed", json_integer((json_int_t)s->seed));
	return o;
}

/*
 * "equal" needs a window that shows the reference: not empty, not
 * silent, and, unless the user chose its length, long enough for the
 * reference to decay (lib/evidence.h).  The error names the operand
 * that set the window: the audio file too short, or the reference.
 */
static int
no_evidence(const struct adac_evidence *ev, long length,
	    enum length_from from, int audio, int *culprit,
	    struct adac_error *err)
{
	double db = -ev->decay_db;

	*culprit = from == FROM_AUDIO ? audio : 0;
	if (length == 0)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "holds no samples: there is nothing to compare");
	if (ev->silent && from == FROM_USER)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "is silent over the %ld samples compared: there is nothing to compare",
				      length);
	if (ev->silent && from == FROM_DEFAULT)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "is silent over the first %ld samples: there is nothing to compare",
				      length);
	if (ev->silent)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      audio == 1 ? "holds %ld samples, over which the reference is silent: there is nothing to compare"
						 : "is silent over its %ld samples: there is nothing to compare",
				      length);
	/* a length of our own: the report says how far it decayed */
	if (from != FROM_AUDIO || adac_evidence_decayed(ev))
		return ADAC_OK;
	return adac_error_set(err, ADAC_E_INPUT, "",
			      "holds %ld samples, too few: %s energy decays only %.1f dB over them, not the 60 dB that shows it whole (-n %ld compares them anyway)",
			      length, audio == 1 ? "the reference's" : "its",
			      db, length);
}

/*
 * The next length to try for a reference that has not decayed.  An
 * exponential decay whose last quarter of n samples lies s dB below its
 * first falls 60 dB by 3/4 of 60·n/s samples: aim there, a quarter
 * further, and at least double.  A reference that does not decay (a
 * lossless prototype, s = 0) asks for more than the limit at once,
 * instead of after renders that cannot help.
 */
static long
grown_length(const struct adac_evidence *ev, long n)
{
	double s = ev->quarter_drop_db, want;

	if (ev->silent)
		return 2 * n;
	if (!(s > 0))
		return LONG_MAX;
	want = 1.25 * n * -ADAC_EVIDENCE_DECAY_DB / s;
	if (!(want < 1e15))
		return LONG_MAX;
	return want > 2.0 * n ? (long)ceil(want) : 2 * n;
}

int
adac_diff_run(struct adac_source *src[2], const char *name[2],
	      const struct adac_diff_options *opt, json_t **report,
	      int *equal, int *culprit, struct adac_error *err)
{
	struct adac_response *resp[2] = { NULL, NULL };
	struct adac_comparison *cmp = NULL;
	struct adac_evidence ev;
	enum length_from from;
	json_t *r = NULL;
	double fs[2], rate, tol_db, noise_db = NAN, *x = NULL;
	const char *tol_from;
	long length, len, max, paths;
	int k, rc, dbl, audio = -1, model = -1;

	*culprit = -1;
	for (k = 0; k < 2; k++)
		fs[k] = adac_source_fs_hz(src[k]);
	if (fs[0] > 0 && fs[1] > 0 && fs[0] != fs[1]) {
		*culprit = 1;
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "runs at %.17g Hz, but the reference at %.17g Hz",
				      fs[1], fs[0]);
	}
	rate = fs[0] > 0 ? fs[0] : fs[1] > 0 ? fs[1]
	       : opt->fs_hz > 0 ? opt->fs_hz : ADAC_RENDER_DEFAULT_FS_HZ;
	if ((rc = match_shapes(src, culprit, err)) != ADAC_OK)
		return rc;
	length = opt->length;
	from = FROM_USER;
	if (length <= 0) {
		length = -1;
		/* the shorter audio file; the test of two alike */
		for (k = 0; k < 2; k++) {
			len = adac_source_length(src[k]);
			if (len >= 0 && (length < 0 || len <= length)) {
				length = len;
				audio = k;
			}
		}
		from = FROM_AUDIO;
		if (length < 0) {
			length = lround(ADAC_DIFF_DEFAULT_SECONDS * rate);
			from = FROM_DEFAULT;
		}
	}
	dbl = adac_source_is_double(src[0]) && adac_source_is_double(src[1]);
	tol_db = isnan(opt->tol_db)
		 ? (dbl ? ADAC_COMPARE_TOL_DOUBLE_DB : ADAC_COMPARE_TOL_FLOAT_DB)
		 : opt->tol_db;
	tol_from = !isnan(opt->tol_db) ? "given" : dbl ? "double" : "float";
	/* a float comparison with a model: its own noise decides */
	for (k = 0; k < 2 && isnan(opt->tol_db) && !dbl; k++)
		if (adac_source_kind(src[k]) == ADAC_SOURCE_IR)
			model = k;
	rc = stimulus(opt, rate, length, &x, err);
	if (rc == ADAC_OK)
		rc = render(src[0], name[0], length, rate, x, opt, &resp[0], err);
	if (rc == ADAC_OK)
		adac_evidence_measure(resp[0], &ev);
	/*
	 * A length of our own choosing grows until the reference has
	 * decayed, within ADAC_DIFF_MAX_SECONDS and ADAC_DIFF_MAX_SAMPLES.
	 */
	paths = (long)adac_source_inputs(src[0]) * adac_source_outputs(src[0]);
	max = lround(ADAC_DIFF_MAX_SECONDS * rate);
	if (max > ADAC_DIFF_MAX_SAMPLES / paths)
		max = ADAC_DIFF_MAX_SAMPLES / paths;
	for (k = 0; rc == ADAC_OK && from == FROM_DEFAULT && k < 3 &&
	     ev.non_finite_sample < 0 && !adac_evidence_decayed(&ev); k++) {
		len = grown_length(&ev, length);
		if (len > max)
			break;
		adac_response_free(resp[0]);
		resp[0] = NULL;
		length = len;
		rc = stimulus(opt, rate, length, &x, err);
		if (rc == ADAC_OK)
			rc = render(src[0], name[0], length, rate, x, opt,
				    &resp[0], err);
		if (rc == ADAC_OK)
			adac_evidence_measure(resp[0], &ev);
	}
	if (rc != ADAC_OK) {
		*culprit = 0;
		goto out;
	}
	rc = render(src[1], name[1], length, rate, x, opt, &resp[1], err);
	if (rc != ADAC_OK) {
		*culprit = 1;
		goto out;
	}
	if (model >= 0) {
		rc = model_tolerance(src[model], resp[model], x, rate, &tol_db,
				     &noise_db, err);
		if (rc != ADAC_OK) {
			*culprit = model;
			goto out;
		}
		tol_from = "model";
	}
	rc = adac_compare(resp[0], resp[1], tol_db, &cmp, err);
	if (rc != ADAC_OK)
		goto out;
	/* a difference is a difference in any window; equality needs more */
	if (cmp->equal &&
	    (rc = no_evidence(&ev, length, from, audio, culprit, err)) != ADAC_OK)
		goto out;
	/* nor on an impulse alone, for a network that is not linear */
	for (k = 0; k < 2 && cmp->equal && !opt->stimulus_given; k++)
		if (adac_source_is_nonlinear(src[k])) {
			*culprit = k;
			rc = adac_error_set(err, ADAC_E_INPUT, "",
					    "has a nonlinear node, which its impulse response does not characterise: say which signal to compare on (--signal noise, sweep or impulse)");
			goto out;
		}
	for (k = 0; k < 2 && cmp->equal && !opt->stimulus_given; k++)
		if (adac_source_is_time_varying(src[k])) {
			*culprit = k;
			rc = adac_error_set(err, ADAC_E_INPUT, "",
					    "has a modulated delay, which its impulse response at sample 0 does not characterise: say which signal to compare on (--signal noise, sweep or impulse)");
			goto out;
		}
	r = adac_comparison_json(cmp);
	if (r == NULL || set_report(r, name, rate, length, resp[0]->inputs,
				    resp[0]->outputs, dbl ? "double" : "float") ||
	    json_object_set_new(json_object_get(r, "overall"),
				"reference_decay_db",
				isfinite(ev.decay_db) ? json_real(ev.decay_db)
						      : json_null()) ||
	    set_tolerance_note(r, tol_from, noise_db) ||
	    json_object_set_new(r, "signal",
				stimulus_json(&opt->stimulus, length))) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	/* the window we chose is as long as we allow: say how much it shows */
	if (from == FROM_DEFAULT && ev.non_finite_sample < 0 && !ev.silent &&
	    !adac_evidence_decayed(&ev)) {
		char note[160];

		snprintf(note, sizeof note,
			 "decays only %.1f dB over the %ld samples compared, not 60 dB; -n compares more",
			 -ev.decay_db, length);
		if (json_object_set_new(json_object_get(r, "overall"), "note",
					json_string(note))) {
			rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
			goto out;
		}
	}
	*equal = cmp->equal;
	*report = r;
	r = NULL;
out:
	free(x);
	json_decref(r);
	adac_comparison_free(cmp);
	adac_response_free(resp[0]);
	adac_response_free(resp[1]);
	return rc;
}
