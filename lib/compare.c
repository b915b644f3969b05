#include "compare.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <fftw3.h>

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
 * The cross-correlation xc[lag] = Σ ref[n] · test[n + lag] at every lag in
 * [-max_lag, max_lag] (xc[max_lag + lag]), by FFT: zero-padded to
 * nfft >= w + max_lag, the circular correlation has no wrapped terms at
 * those lags.  ADAC_E_NOMEM or ADAC_OK.
 */
static int
xcorr_fft(const double *ref, const double *test, long w, long max_lag,
	  long nfft, double *xc)
{
	double *a = fftw_malloc((size_t)nfft * sizeof *a);
	double *b = fftw_malloc((size_t)nfft * sizeof *b);
	fftw_complex *fa = fftw_malloc(((size_t)nfft / 2 + 1) * sizeof *fa);
	fftw_complex *fb = fftw_malloc(((size_t)nfft / 2 + 1) * sizeof *fb);
	fftw_plan pa = NULL, pb = NULL, pi = NULL;
	double re, im;
	long k, lag;
	int rc = ADAC_E_NOMEM;

	if (a == NULL || b == NULL || fa == NULL || fb == NULL)
		goto out;
	/* plan before filling: planning may scribble on the arrays */
	pa = fftw_plan_dft_r2c_1d((int)nfft, a, fa, FFTW_ESTIMATE);
	pb = fftw_plan_dft_r2c_1d((int)nfft, b, fb, FFTW_ESTIMATE);
	pi = fftw_plan_dft_c2r_1d((int)nfft, fa, a, FFTW_ESTIMATE);
	if (pa == NULL || pb == NULL || pi == NULL)
		goto out;
	for (k = 0; k < nfft; k++) {
		a[k] = k < w ? ref[k] : 0;
		b[k] = k < w ? test[k] : 0;
	}
	fftw_execute(pa);
	fftw_execute(pb);
	/* conj(A) · B transforms back to the correlation of a with b */
	for (k = 0; k <= nfft / 2; k++) {
		re = fa[k][0] * fb[k][0] + fa[k][1] * fb[k][1];
		im = fa[k][0] * fb[k][1] - fa[k][1] * fb[k][0];
		fa[k][0] = re;
		fa[k][1] = im;
	}
	fftw_execute(pi);	/* unnormalised: a = nfft · correlation */
	for (lag = -max_lag; lag <= max_lag; lag++)
		xc[max_lag + lag] = a[lag >= 0 ? lag : nfft + lag] / (double)nfft;
	rc = ADAC_OK;
out:
	if (pa != NULL)
		fftw_destroy_plan(pa);
	if (pb != NULL)
		fftw_destroy_plan(pb);
	if (pi != NULL)
		fftw_destroy_plan(pi);
	fftw_free(a);
	fftw_free(b);
	fftw_free(fa);
	fftw_free(fb);
	return rc;
}

/* ‖x‖₂ scaled by max |x| as dnrm2 does, so it neither underflows nor overflows */
static double
norm2(const double *x, long n)
{
	double m = 0, s = 0;
	long k;

	for (k = 0; k < n; k++)
		if (fabs(x[k]) > m)
			m = fabs(x[k]);
	if (m == 0)
		return 0;
	for (k = 0; k < n; k++)
		s += (x[k] / m) * (x[k] / m);
	return m * sqrt(s);
}

/*
 * The lag the brute-force search picks (the largest xcorr(), ties to the
 * smallest shift, late before early), found with the FFT doing the bulk:
 * the FFT's values only nominate candidates, and each candidate is then
 * summed exactly as the brute force sums it, so the result is the brute
 * force's to the bit.
 *
 * A candidate is any lag whose FFT value is within 2·tol of the FFT's
 * largest, where tol bounds |FFT value − brute-force sum| at every lag.
 * The brute-force sum of w products is within w·eps·Σ|ref·test| <=
 * w·eps·‖ref‖·‖test‖ of the exact correlation (Cauchy–Schwarz); the FFT
 * correlation, three transforms of log2(nfft) stages each within about
 * 7·eps (Higham, Accuracy and Stability, §24.1) and a product, is within
 * about 23·log2(nfft)·eps·√w·‖ref‖·‖test‖ of it (‖conj(A)·B‖ <=
 * ‖ref‖₁·‖B‖ <= √w·‖ref‖·√nfft·‖test‖).  tol doubles that term to
 * 48·log2(nfft)·√w and adds 8·nfft·log2(nfft)·DBL_MIN for underflow.
 * The lag the brute force picks has the largest sum, so its FFT value is
 * within tol of that, which is within tol of the largest FFT value: it is
 * a candidate; any lag that is not has a sum below the largest.
 */
static long
best_lag_of(const double *r, const double *t, long w, long max_lag, int *fail)
{
	double *xc = NULL, top = -INFINITY, nr, nt, tol, floor_, best, x;
	long nfft = 1, logn = 0, lag, k, best_lag = 0;

	*fail = 0;
	nr = norm2(r, w);
	nt = norm2(t, w);
	/* a silent side correlates to exactly 0 at every lag: no shift */
	if (nr == 0 || nt == 0)
		return 0;
	while (nfft < w + max_lag) {
		nfft *= 2;
		logn++;
	}
	xc = malloc((size_t)(2 * max_lag + 1) * sizeof *xc);
	if (xc == NULL || xcorr_fft(r, t, w, max_lag, nfft, xc) != ADAC_OK) {
		free(xc);
		*fail = 1;
		return 0;
	}
	for (k = 0; k <= 2 * max_lag; k++)
		if (xc[k] > top)
			top = xc[k];
	tol = ((double)w + 48.0 * (double)logn * sqrt((double)w)) * DBL_EPSILON *
		      nr * nt +
	      8.0 * (double)nfft * (double)logn * DBL_MIN;
	/* overflow or NaN in the sums: every lag is a candidate */
	floor_ = isfinite(tol) && isfinite(top) ? top - 2 * tol : -INFINITY;
	best = xcorr(r, t, w, 0);
	/* nearest lags first so that ties go to the smallest shift */
	for (lag = 1; lag <= max_lag; lag++) {
		if (!(xc[max_lag + lag] < floor_)) {
			x = xcorr(r, t, w, lag);
			if (x > best) {
				best = x;
				best_lag = lag;
			}
		}
		if (!(xc[max_lag - lag] < floor_)) {
			x = xcorr(r, t, w, -lag);
			if (x > best) {
				best = x;
				best_lag = -lag;
			}
		}
	}
	free(xc);
	return best_lag;
}

/*
 * A test that is a few samples early or late is the commonest bug (a
 * delay off by one, a compensation forgotten): find the lag that best
 * lines the worst path up, so the report can say so.
 */
static int
check_alignment(const struct adac_response *ref,
		const struct adac_response *test, struct adac_comparison *c)
{
	const struct adac_path_diff *p = &c->paths[c->worst];
	const double *r = adac_response_path(ref, p->input, p->output);
	const double *t = adac_response_path(test, p->input, p->output);
	long w = ref->length < ADAC_COMPARE_LAG_WINDOW ? ref->length
						       : ADAC_COMPARE_LAG_WINDOW;
	long max_lag = w - 1 < ADAC_COMPARE_MAX_LAG ? w - 1 : ADAC_COMPARE_MAX_LAG;
	double e;
	long best_lag;
	int fail;

	c->alignment_checked = 1;
	c->lag_samples = 0;
	c->error_db_after_shift = p->error_db;
	if (p->first_non_finite_sample >= 0 ||
	    p->first_reference_non_finite_sample >= 0 || max_lag < 1)
		return ADAC_OK;
	best_lag = best_lag_of(r, t, w, max_lag, &fail);
	if (fail)
		return ADAC_E_NOMEM;
	if (best_lag == 0)
		return ADAC_OK;
	e = shifted_error(r, t, ref->length, best_lag);
	/* a lag that does not make the error smaller explains nothing */
	if (!(e < p->max_abs_error))
		return ADAC_OK;
	c->lag_samples = best_lag;
	c->error_db_after_shift = e > 0 ? 20 * log10(e / p->scale) : -INFINITY;
	return ADAC_OK;
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
	if (!c->equal && check_alignment(ref, test, c) != ADAC_OK) {
		adac_comparison_free(c);
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	}
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
