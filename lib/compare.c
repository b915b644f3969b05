#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* max |h| over the finite samples: a reference that overflows still scales */
static double
path_peak(const double *h, long n)
{
	double peak = 0;
	long k;

	for (k = 0; k < n; k++)
		if (fabs(h[k]) > peak && isfinite(h[k]))
			peak = fabs(h[k]);
	return peak;
}

static void
compare_path(const double *ref, const double *test, long n, double scale,
	     double tol_abs, struct adac_path_diff *p)
{
	double e, max = 0, sum = 0;
	long k;

	p->first_divergent_sample = -1;
	p->first_non_finite_sample = -1;
	p->first_reference_non_finite_sample = -1;
	for (k = 0; k < n; k++) {
		/* NaN equals nothing, not even NaN: either side differs */
		if (!isfinite(ref[k]) && p->first_reference_non_finite_sample < 0)
			p->first_reference_non_finite_sample = k;
		if (!isfinite(test[k]) && p->first_non_finite_sample < 0)
			p->first_non_finite_sample = k;
		if (!isfinite(ref[k]) || !isfinite(test[k])) {
			if (p->first_divergent_sample < 0)
				p->first_divergent_sample = k;
			continue;
		}
		e = fabs(test[k] - ref[k]);
		if (e > max)
			max = e;
		sum += e * e;
		if (e > tol_abs && p->first_divergent_sample < 0)
			p->first_divergent_sample = k;
	}
	p->scale = scale;
	if (p->first_non_finite_sample >= 0 ||
	    p->first_reference_non_finite_sample >= 0) {
		p->max_abs_error = INFINITY;
		p->rms_error = INFINITY;
		p->error_db = INFINITY;
		return;
	}
	p->max_abs_error = max;
	p->rms_error = n > 0 ? sqrt(sum / n) : 0;
	p->error_db = max > 0 ? 20 * log10(max / scale) : -INFINITY;
}

/* Σ ref[n] · test[n + lag] over the samples both hold in [0, w). */
static double
xcorr(const double *ref, const double *test, long w, long lag)
{
	double s = 0;
	long n, lo = lag < 0 ? -lag : 0, hi = lag > 0 ? w - lag : w;

	for (n = lo; n < hi; n++)
		s += ref[n] * test[n + lag];
	return s;
}

/* max |ref[n] − test[n + lag]| where both exist. */
static double
shifted_error(const double *ref, const double *test, long len, long lag)
{
	double e, max = 0;
	long n, lo = lag < 0 ? -lag : 0, hi = lag > 0 ? len - lag : len;

	for (n = lo; n < hi; n++) {
		e = fabs(ref[n] - test[n + lag]);
		if (e > max)
			max = e;
	}
	return max;
}

/*
 * A test that is a few samples early or late is the commonest bug (a
 * delay off by one, a compensation forgotten): find the lag that best
 * lines the worst path up, so the report can say so.
 */
static void
check_alignment(const struct adac_response *ref,
		const struct adac_response *test, struct adac_comparison *c)
{
	const struct adac_path_diff *p = &c->paths[c->worst];
	const double *r = adac_response_path(ref, p->input, p->output);
	const double *t = adac_response_path(test, p->input, p->output);
	long w = ref->length < ADAC_COMPARE_LAG_WINDOW ? ref->length
						       : ADAC_COMPARE_LAG_WINDOW;
	long max_lag = w - 1 < ADAC_COMPARE_MAX_LAG ? w - 1 : ADAC_COMPARE_MAX_LAG;
	double best = 0, x, e;
	long lag, best_lag = 0;

	c->alignment_checked = 1;
	c->lag_samples = 0;
	c->error_db_after_shift = p->error_db;
	if (p->first_non_finite_sample >= 0 ||
	    p->first_reference_non_finite_sample >= 0 || max_lag < 1)
		return;
	best = xcorr(r, t, w, 0);
	/* nearest lags first so that ties go to the smallest shift */
	for (lag = 1; lag <= max_lag; lag++) {
		x = xcorr(r, t, w, lag);
		if (x > best) {
			best = x;
			best_lag = lag;
		}
		x = xcorr(r, t, w, -lag);
		if (x > best) {
			best = x;
			best_lag = -lag;
		}
	}
	if (best_lag == 0)
		return;
	e = shifted_error(r, t, ref->length, best_lag);
	/* a lag that does not make the error smaller explains nothing */
	if (!(e < p->max_abs_error))
		return;
	c->lag_samples = best_lag;
	c->error_db_after_shift = e > 0 ? 20 * log10(e / p->scale) : -INFINITY;
}

int
adac_compare(const struct adac_response *ref,
	     const struct adac_response *test, double tol_db,
	     struct adac_comparison **out, struct adac_error *err)
{
	struct adac_comparison *c;
	double global = 0, scale, tol_ratio;
	int i, o, k;

	if (ref->inputs != test->inputs || ref->outputs != test->outputs)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "%d × %d paths against a reference of %d × %d",
				      test->inputs, test->outputs, ref->inputs,
				      ref->outputs);
	if (ref->length != test->length)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "%ld samples against a reference of %ld",
				      test->length, ref->length);
	if (!(tol_db <= 0))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "tolerance %g dB is not below the peak",
				      tol_db);
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	c->inputs = ref->inputs;
	c->outputs = ref->outputs;
	c->length = ref->length;
	c->tol_db = tol_db;
	c->n_paths = ref->inputs * ref->outputs;
	c->paths = calloc((size_t)c->n_paths, sizeof *c->paths);
	if (c->paths == NULL) {
		free(c);
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	}
	for (i = 0; i < ref->inputs; i++)
		for (o = 0; o < ref->outputs; o++) {
			k = i * ref->outputs + o;
			c->paths[k].input = i;
			c->paths[k].output = o;
			c->paths[k].reference_peak =
				path_peak(adac_response_path(ref, i, o), ref->length);
			if (c->paths[k].reference_peak > global)
				global = c->paths[k].reference_peak;
		}
	if (global == 0)
		global = 1;
	tol_ratio = pow(10, tol_db / 20);
	c->equal = 1;
	c->worst = 0;
	c->worst_error_db = -INFINITY;
	for (k = 0; k < c->n_paths; k++) {
		struct adac_path_diff *p = &c->paths[k];

		scale = p->reference_peak > 0 ? p->reference_peak : global;
		compare_path(adac_response_path(ref, p->input, p->output),
			     adac_response_path(test, p->input, p->output),
			     ref->length, scale, scale * tol_ratio, p);
		if (p->first_divergent_sample >= 0)
			c->equal = 0;
		if (p->error_db > c->worst_error_db) {
			c->worst_error_db = p->error_db;
			c->worst = k;
		}
	}
	if (!c->equal)
		check_alignment(ref, test, c);
	*out = c;
	return ADAC_OK;
}

void
adac_comparison_free(struct adac_comparison *c)
{
	if (c == NULL)
		return;
	free(c->paths);
	free(c);
}

/* A finite number, or null. */
static json_t *
number(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *
sample(long n)
{
	return n >= 0 ? json_integer(n) : json_null();
}

json_t *
adac_comparison_json(const struct adac_comparison *c)
{
	json_t *root, *paths, *p, *overall, *worst, *al;
	char note[96];
	int k, fail = 0;

	root = json_object();
	paths = json_array();
	overall = json_object();
	worst = json_object();
	if (root == NULL || paths == NULL || overall == NULL || worst == NULL)
		goto fail;
	for (k = 0; k < c->n_paths; k++) {
		const struct adac_path_diff *d = &c->paths[k];

		p = json_object();
		if (p == NULL)
			goto fail;
		fail |= json_object_set_new(p, "input", json_integer(d->input));
		fail |= json_object_set_new(p, "output", json_integer(d->output));
		fail |= json_object_set_new(p, "reference_peak", number(d->reference_peak));
		fail |= json_object_set_new(p, "max_abs_error", number(d->max_abs_error));
		fail |= json_object_set_new(p, "rms_error", number(d->rms_error));
		fail |= json_object_set_new(p, "error_db", number(d->error_db));
		fail |= json_object_set_new(p, "first_divergent_sample",
					    sample(d->first_divergent_sample));
		if (d->first_non_finite_sample >= 0)
			fail |= json_object_set_new(p, "non_finite_sample",
						    json_integer(d->first_non_finite_sample));
		if (d->first_reference_non_finite_sample >= 0)
			fail |= json_object_set_new(p, "reference_non_finite_sample",
						    json_integer(d->first_reference_non_finite_sample));
		fail |= json_array_append_new(paths, p);
	}
	fail |= json_object_set_new(overall, "verdict",
				    json_string(c->equal ? "equal" : "different"));
	fail |= json_object_set_new(overall, "worst_error_db", number(c->worst_error_db));
	fail |= json_object_set_new(overall, "tol_db", number(c->tol_db));
	fail |= json_object_set_new(worst, "input", json_integer(c->paths[c->worst].input));
	fail |= json_object_set_new(worst, "output", json_integer(c->paths[c->worst].output));
	fail |= json_object_set(overall, "worst_path", worst);
	fail |= json_object_set(root, "paths", paths);
	fail |= json_object_set(root, "overall", overall);
	if (c->alignment_checked) {
		al = json_object();
		if (al == NULL)
			goto fail;
		fail |= json_object_set_new(al, "input", json_integer(c->paths[c->worst].input));
		fail |= json_object_set_new(al, "output", json_integer(c->paths[c->worst].output));
		fail |= json_object_set_new(al, "lag_samples", json_integer(c->lag_samples));
		if (c->lag_samples != 0) {
			long n = c->lag_samples > 0 ? c->lag_samples : -c->lag_samples;

			fail |= json_object_set_new(al, "error_db_after_shift",
						    number(c->error_db_after_shift));
			snprintf(note, sizeof note, "test is %ld sample%s %s", n,
				 n == 1 ? "" : "s", c->lag_samples > 0 ? "late" : "early");
			fail |= json_object_set_new(al, "note", json_string(note));
		}
		fail |= json_object_set_new(root, "alignment", al);
	}
	json_decref(paths);
	json_decref(overall);
	json_decref(worst);
	if (fail) {
		json_decref(root);
		return NULL;
	}
	return root;
fail:
	json_decref(root);
	json_decref(paths);
	json_decref(overall);
	json_decref(worst);
	return NULL;
}
