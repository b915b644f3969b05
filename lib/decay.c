/*
 * decay.c - Schroeder energy decay curves and T60 from impulse responses.
 */
#include "decay.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the EDC is smooth (an integral): this many points fit a line as well */
#define FIT_POINTS 8192
#define MAX_ITERATIONS 50
/* the tail estimate extends the last 1/TAIL_PART of the window */
#define TAIL_PART 10

int
adac_decay_edc(const double *h, long n, double tail_energy, double *edc_db,
	       struct adac_error *err)
{
	double acc, total;
	long k;

	if (n < 1)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "an energy decay curve needs samples");
	if (!(tail_energy >= 0) || !isfinite(tail_energy))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "tail energy %g is not a finite "
				      "non-negative number", tail_energy);
	acc = tail_energy;
	for (k = n - 1; k >= 0; k--) {
		acc += h[k] * h[k];
		edc_db[k] = acc;
	}
	total = edc_db[0];
	for (k = 0; k < n; k++) {
		double db = total > 0 && isfinite(total) && edc_db[k] > 0 ?
			10 * log10(edc_db[k] / total) : ADAC_DECAY_FLOOR_DB;

		edc_db[k] = db > ADAC_DECAY_FLOOR_DB ? db : ADAC_DECAY_FLOOR_DB;
	}
	return ADAC_OK;
}

/*
 * First k in [lo, n) with s[k] + c < level, or n: s is non-increasing,
 * so a binary search does.
 */
static long
first_below(const double *s, long lo, long n, double c, double level)
{
	long hi = n;

	while (lo < hi) {
		long mid = lo + (hi - lo) / 2;

		if (s[mid] + c < level)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/*
 * Slope in dB/s of the least-squares line through the EDC (with tail
 * energy c, total energy total) over samples [a, b), at most FIT_POINTS
 * of them, evenly spaced, and into *at0_db (when not NULL) the line's
 * level at sample 0.  NAN when fewer than 2 points.
 */
static double
fit_slope(const double *s, long a, long b, double c, double total,
	  double fs_hz, double *at0_db)
{
	double mx = 0, my = 0, sxy = 0, sxx = 0;
	long k, stride, m = 0;

	if (b - a < 2)
		return NAN;
	stride = (b - a + FIT_POINTS - 1) / FIT_POINTS;
	for (k = a; k < b; k += stride) {
		mx += (double)(k - a);
		my += 10 * log10((s[k] + c) / total);
		m++;
	}
	if (m < 2)
		return NAN;
	mx /= m;
	my /= m;
	for (k = a; k < b; k += stride) {
		double dx = (double)(k - a) - mx;

		sxy += dx * (10 * log10((s[k] + c) / total) - my);
		sxx += dx * dx;
	}
	if (at0_db != NULL)
		*at0_db = my - sxy / sxx * ((double)a + mx);
	return sxy / sxx * fs_hz;
}

/* Fill fit from the backward energy sums s[0..n] (s[n] = 0). */
static void
fit_sums(const double *s, long n, double fs_hz, struct adac_decay_fit *fit)
{
	double c = 0, total, slope = NAN, t60 = NAN, prev = NAN, at0 = 0;
	double start = pow(10, ADAC_DECAY_FIT_START_DB / 10);
	double end = pow(10, ADAC_DECAY_FIT_END_DB / 10);
	long i5, i35, i10, tail = n / TAIL_PART > 0 ? n / TAIL_PART : 1;
	int it;

	for (it = 0; it < MAX_ITERATIONS; it++) {
		double r_tail;

		total = s[0] + c;
		i5 = first_below(s, 0, n, c, total * start);
		i35 = first_below(s, i5, n, c, total * end);
		if (i35 >= n) {
			/* no −35 dB within the window, even with the tail */
			snprintf(fit->reason, sizeof fit->reason,
				 "decays only %.1f dB within the window; "
				 "render more samples",
				 -10 * log10((s[n - 1] + c) / total));
			break;
		}
		slope = fit_slope(s, i5, i35, c, total, fs_hz, &at0);
		if (isnan(slope)) {
			snprintf(fit->reason, sizeof fit->reason,
				 "decays too fast: fewer than 2 samples "
				 "between %g and %g dB", ADAC_DECAY_FIT_START_DB,
				 ADAC_DECAY_FIT_END_DB);
			break;
		}
		if (!(slope < 0)) {
			snprintf(fit->reason, sizeof fit->reason,
				 "does not decay");
			break;
		}
		t60 = -60 / slope;
		if (fabs(t60 - prev) <= 1e-9 * t60)
			break;
		prev = t60;
		/*
		 * Energy past the window if the decay goes on at this slope:
		 * the last `tail` samples hold T = A·r^(n−tail)·(1 − r^tail)
		 * / (1 − r) of a decay A·r^k, the rest A·r^n / (1 − r), so
		 * C = T·r^tail / (1 − r^tail).
		 */
		r_tail = pow(10, slope * (double)tail / (10 * fs_hz));
		c = s[n - tail] * r_tail / (1 - r_tail);
	}
	total = s[0] + c;
	fit->depth_db = s[n - 1] + c > 0 ?
		-10 * log10((s[n - 1] + c) / total) : -ADAC_DECAY_FLOOR_DB;
	if (fit->depth_db > -ADAC_DECAY_FLOOR_DB)
		fit->depth_db = -ADAC_DECAY_FLOOR_DB;
	i10 = first_below(s, 0, n, c, total * pow(10, ADAC_DECAY_EDT_END_DB / 10));
	fit->edt_s = -60 / fit_slope(s, 0, i10, c, total, fs_hz, NULL);
	if (!(fit->edt_s > 0))
		fit->edt_s = NAN;
	if (fit->reason[0] != '\0')
		return;
	/*
	 * Sparse echoes that stop inside the window (a few taps of a long
	 * comb) end the EDC in a cliff to −∞ that looks deep; the fitted
	 * decay tells how far the window really reaches.
	 */
	if (at0 + slope * (double)n / fs_hz > -fit->depth_db)
		fit->depth_db = -(at0 + slope * (double)n / fs_hz);
	if (fit->depth_db < ADAC_DECAY_MIN_DEPTH_DB) {
		snprintf(fit->reason, sizeof fit->reason,
			 "decays only %.1f dB within the window, %g dB needed; "
			 "render more samples", fit->depth_db,
			 ADAC_DECAY_MIN_DEPTH_DB);
		return;
	}
	fit->slope_db_per_s = slope;
	fit->t60_s = t60;
	fit->tail_energy = c;
}

/* Fit h[0..n) using s[0..n] as room for the energy sums. */
static void
fit_signal(const double *h, long n, double fs_hz, double *s,
	   struct adac_decay_fit *fit)
{
	long k;

	fit->t60_s = fit->edt_s = fit->slope_db_per_s = NAN;
	fit->depth_db = 0;
	fit->tail_energy = 0;
	fit->reason[0] = '\0';
	s[n] = 0;
	for (k = n - 1; k >= 0; k--) {
		if (!isfinite(h[k])) {
			snprintf(fit->reason, sizeof fit->reason,
				 "sample %ld is not finite", k);
			return;
		}
		s[k] = s[k + 1] + h[k] * h[k];
	}
	if (!isfinite(s[0])) {
		snprintf(fit->reason, sizeof fit->reason,
			 "energy overflows a double");
		return;
	}
	if (s[0] == 0) {
		snprintf(fit->reason, sizeof fit->reason, "response is silent");
		return;
	}
	fit_sums(s, n, fs_hz, fit);
}

static int
check_args(long n, double fs_hz, struct adac_error *err)
{
	if (n < 2)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "a decay needs at least 2 samples, not %ld",
				      n);
	if (!(fs_hz > 0) || !isfinite(fs_hz))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "sampling rate %g is not positive", fs_hz);
	return ADAC_OK;
}

int
adac_decay_fit(const double *h, long n, double fs_hz,
	       struct adac_decay_fit *fit, struct adac_error *err)
{
	double *s;
	int rc;

	if ((rc = check_args(n, fs_hz, err)) != ADAC_OK)
		return rc;
	if ((size_t)n >= ((size_t)-1) / sizeof *s ||
	    (s = malloc(((size_t)n + 1) * sizeof *s)) == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	fit_signal(h, n, fs_hz, s, fit);
	free(s);
	return ADAC_OK;
}

int
adac_decay_t60(const double *h, long n, double fs_hz, double *t60_s,
	       struct adac_error *err)
{
	struct adac_decay_fit fit;
	int rc;

	if ((rc = adac_decay_fit(h, n, fs_hz, &fit, err)) != ADAC_OK)
		return rc;
	if (isnan(fit.t60_s))
		return adac_error_set(err, ADAC_E_NEGATIVE, "", "%s",
				      fit.reason);
	*t60_s = fit.t60_s;
	return ADAC_OK;
}

int
adac_decay_bands(double fs_hz, double centres_hz[ADAC_DECAY_MAX_BANDS])
{
	int k, n = 0;

	for (k = 0; k < ADAC_DECAY_MAX_BANDS; k++) {
		double fc = 125.0 * (double)(1 << k);

		if (fc * sqrt(2.0) < fs_hz / 2)
			centres_hz[n++] = fc;
	}
	return n;
}

int
adac_decay_octave_sos(double fc_hz, double fs_hz,
		      double sos[ADAC_DECAY_BAND_SECTIONS][5],
		      struct adac_error *err)
{
	const int order = ADAC_DECAY_BAND_SECTIONS;	/* of the prototype */
	double two_fs = 2 * fs_hz, wl, wh, bw, w0sq, omega0;
	int k, r, m = 0;

	if (!(fc_hz > 0) || !(fs_hz > 0) || !(fc_hz * sqrt(2.0) < fs_hz / 2))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "no octave band at %g Hz for %g Hz sampling",
				      fc_hz, fs_hz);
	/* analog edges prewarped so the digital edges fall at fc·2^±½ */
	wl = two_fs * tan(M_PI * fc_hz / sqrt(2.0) / fs_hz);
	wh = two_fs * tan(M_PI * fc_hz * sqrt(2.0) / fs_hz);
	bw = wh - wl;
	w0sq = wl * wh;
	omega0 = 2 * atan(sqrt(w0sq) / two_fs);
	for (k = 0; k < order; k++) {
		/* Butterworth prototype pole on the left unit half-circle */
		double complex p = cexp(I * M_PI * (2.0 * k + order + 1) /
					(2.0 * order));
		double complex d = csqrt(p * p * bw * bw - 4 * w0sq);

		/* s² − p·B·s + W0² = 0: each prototype pole gives two */
		for (r = 0; r < 2; r++) {
			double complex s = (p * bw + (r ? -d : d)) / 2;
			double complex z = (two_fs + s) / (two_fs - s);
			double complex e1 = cexp(-I * omega0), num, den;
			double *b = sos[m];

			/* keep one of each conjugate pair */
			if (cimag(z) <= 0)
				continue;
			if (m == order)
				return adac_error_set(err, ADAC_E_INPUT, "",
						      "octave band at %g Hz "
						      "cannot be designed", fc_hz);
			b[3] = -2 * creal(z);
			b[4] = creal(z) * creal(z) + cimag(z) * cimag(z);
			/* zeros at z = 1 and z = −1; unit gain at the centre */
			num = 1 - e1 * e1;
			den = 1 + b[3] * e1 + b[4] * e1 * e1;
			b[0] = cabs(den) / cabs(num);
			b[1] = 0;
			b[2] = -b[0];
			m++;
		}
	}
	if (m != order)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "octave band at %g Hz cannot be designed",
				      fc_hz);
	return ADAC_OK;
}

void
adac_decay_filter(const double sos[][5], int n_sections, const double *h,
		  long n, double *y)
{
	int j;
	long k;

	if (y != h)
		memcpy(y, h, (size_t)n * sizeof *y);
	for (j = 0; j < n_sections; j++) {
		const double *c = sos[j];
		double z1 = 0, z2 = 0;

		for (k = 0; k < n; k++) {
			double x = y[k], out = c[0] * x + z1;

			z1 = c[1] * x - c[3] * out + z2;
			z2 = c[2] * x - c[4] * out;
			y[k] = out;
		}
	}
}

/* Seconds rounded to 0.1 ms: the fit is not more precise than that. */
static json_t *
seconds(double t)
{
	return isnan(t) ? json_null() : json_real(round(t * 1e4) / 1e4);
}

/* {"t60_s": .., "reason": ..} members of o from fit; -1 out of memory */
static int
put_fit(json_t *o, const struct adac_decay_fit *fit, int edt)
{
	if (json_object_set_new(o, "t60_s", seconds(fit->t60_s)))
		return -1;
	if (edt && json_object_set_new(o, "edt_s", seconds(fit->edt_s)))
		return -1;
	if (fit->reason[0] != '\0' &&
	    json_object_set_new(o, "reason", json_string(fit->reason)))
		return -1;
	return 0;
}

/* One path's object; NULL when out of memory. */
static json_t *
analyse_path(const double *h, long n, double fs_hz, int in, int out,
	     const double *centres, int n_bands, double *s, double *y,
	     double *t60, double *band_t60)
{
	double sos[ADAC_DECAY_BAND_SECTIONS][5];
	struct adac_decay_fit fit;
	json_t *o, *bands, *b;
	int k;

	o = json_object();
	bands = json_array();
	if (o == NULL || bands == NULL ||
	    json_object_set_new(o, "input", json_integer(in)) ||
	    json_object_set_new(o, "output", json_integer(out)))
		goto fail;
	fit_signal(h, n, fs_hz, s, &fit);
	*t60 = fit.t60_s;
	if (put_fit(o, &fit, 1))
		goto fail;
	for (k = 0; k < n_bands; k++) {
		band_t60[k] = NAN;
		if (adac_decay_octave_sos(centres[k], fs_hz, sos, NULL))
			continue;	/* adac_decay_bands() said it fits */
		adac_decay_filter((const double (*)[5])sos,
				  ADAC_DECAY_BAND_SECTIONS, h, n, y);
		fit_signal(y, n, fs_hz, s, &fit);
		band_t60[k] = fit.t60_s;
		if ((b = json_object()) == NULL ||
		    json_array_append_new(bands, b) ||
		    json_object_set_new(b, "center_hz", json_real(centres[k])) ||
		    put_fit(b, &fit, 0))
			goto fail;
	}
	if (json_object_set_new(o, "bands", bands) == 0)
		return o;
	bands = NULL;
fail:
	json_decref(bands);
	json_decref(o);
	return NULL;
}

/* The mean of the values that are not NAN, or NAN. */
static double
mean(const double *v, int n, int stride)
{
	double sum = 0;
	int k, m = 0;

	for (k = 0; k < n; k++)
		if (!isnan(v[k * stride])) {
			sum += v[k * stride];
			m++;
		}
	return m > 0 ? sum / m : NAN;
}

int
adac_decay_analyse(const struct adac_response *r, json_t **report,
		   struct adac_error *err)
{
	double centres[ADAC_DECAY_MAX_BANDS], *s = NULL, *y = NULL;
	double *t60 = NULL, *band_t60 = NULL, avg;
	json_t *root = NULL, *paths, *bands, *o;
	int n_bands, n_paths, i, o_, k, rc;

	if ((rc = check_args(r->length, r->fs_hz, err)) != ADAC_OK)
		return rc;
	rc = ADAC_E_NOMEM;
	n_bands = adac_decay_bands(r->fs_hz, centres);
	n_paths = r->inputs * r->outputs;
	if ((size_t)r->length >= ((size_t)-1) / sizeof *s)
		goto out;
	s = malloc(((size_t)r->length + 1) * sizeof *s);
	y = malloc((size_t)r->length * sizeof *y);
	t60 = malloc((size_t)n_paths * sizeof *t60);
	band_t60 = malloc((size_t)n_paths * ADAC_DECAY_MAX_BANDS *
			  sizeof *band_t60);
	if (s == NULL || y == NULL || t60 == NULL || band_t60 == NULL ||
	    (root = json_object()) == NULL ||
	    json_object_set_new(root, "fs", json_real(r->fs_hz)) ||
	    json_object_set_new(root, "samples", json_integer(r->length)) ||
	    json_object_set_new(root, "fit_db",
				json_pack("[ff]", ADAC_DECAY_FIT_START_DB,
					  ADAC_DECAY_FIT_END_DB)) ||
	    (paths = json_array()) == NULL ||
	    json_object_set_new(root, "paths", paths))
		goto out;
	for (i = 0; i < r->inputs; i++)
		for (o_ = 0; o_ < r->outputs; o_++) {
			int p = i * r->outputs + o_;

			o = analyse_path(adac_response_path(r, i, o_),
					 r->length, r->fs_hz, i, o_, centres,
					 n_bands, s, y, &t60[p],
					 &band_t60[p * ADAC_DECAY_MAX_BANDS]);
			if (o == NULL || json_array_append_new(paths, o))
				goto out;
		}
	avg = mean(t60, n_paths, 1);
	if (json_object_set_new(root, "t60_s", seconds(avg)))
		goto out;
	if (isnan(avg) && json_object_set_new(root, "reason",
			json_string("no path has a measured T60")))
		goto out;
	if ((bands = json_array()) == NULL ||
	    json_object_set_new(root, "bands", bands))
		goto out;
	for (k = 0; k < n_bands; k++) {
		avg = mean(band_t60 + k, n_paths, ADAC_DECAY_MAX_BANDS);
		if ((o = json_pack("{s:f,s:o}", "center_hz", centres[k],
				   "t60_s", seconds(avg))) == NULL ||
		    json_array_append_new(bands, o))
			goto out;
	}
	*report = root;
	root = NULL;
	rc = ADAC_OK;
out:
	if (rc != ADAC_OK)
		adac_error_set(err, rc, "", "out of memory");
	json_decref(root);
	free(s);
	free(y);
	free(t60);
	free(band_t60);
	return rc;
}
