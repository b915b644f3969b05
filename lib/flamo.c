/*
 * flamo.c - FLAMO's filter modules designed from their raw parameters
 * (see flamo.h for the modules and shapes, adac-lower(1) for the form).
 *
 * Every formula below is FLAMO's, in FLAMO's order, so that the only
 * difference from the model is arithmetic: FLAMO evaluates it in
 * float32 (its default dtype), adac in double on the same float32
 * inputs.  Where FLAMO holds a constant in float32 (GEQ's R = 2.7, the
 * band frequencies) the float32 value is used, since that is the value
 * FLAMO's formulas see.  The time-aliasing envelope (alias_decay_db) and
 * nfft only shape FLAMO's frequency sampling of the same b/a, so they do
 * not enter the design.
 */
#include "flamo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "json.h"

#define PI 3.14159265358979323846
#define FLOAT32_EPS 1.1920928955078125e-07	/* torch.finfo(float32).eps */
#define MAX_ELEMENTS (1L << 22)

enum kind { BIQUAD, SVF, GEQ, PEQ, ACCURATE_GEQ };

static const struct module {
	const char *name;
	enum kind kind;
	int parallel;
	int ndim;
	const char *shape;
} modules[] = {
	{"Biquad", BIQUAD, 0, 4, "(K, P, M, N)"},
	{"parallelBiquad", BIQUAD, 1, 3, "(K, P, N)"},
	{"SVF", SVF, 0, 4, "(5, K, M, N)"},
	{"parallelSVF", SVF, 1, 3, "(5, K, N)"},
	{"GEQ", GEQ, 0, 3, "(B, M, N)"},
	{"parallelGEQ", GEQ, 1, 2, "(B, N)"},
	{"PEQ", PEQ, 0, 4, "(B, 3, M, N)"},
	{"parallelPEQ", PEQ, 1, 3, "(B, 3, N)"},
	{"AccurateGEQ", ACCURATE_GEQ, 0, 3, ""},
	{"parallelAccurateGEQ", ACCURATE_GEQ, 1, 2, ""},
};

#define N_MODULES (sizeof modules / sizeof modules[0])

static const struct module *
find_module(const char *name)
{
	size_t i;

	for (i = 0; i < N_MODULES; i++)
		if (strcmp(modules[i].name, name) == 0)
			return &modules[i];
	return NULL;
}

int
adac_flamo_is_module(const char *module_type)
{
	return find_module(module_type) != NULL;
}

void
adac_flamo_design_free(struct adac_flamo_design *d)
{
	if (d == NULL)
		return;
	free(d->sos);
	d->sos = NULL;
}

/* --- the raw tensor ------------------------------------------------------ */

struct tensor {
	int ndim;
	long shape[4];
	double *x;
};

static int
tensor_fill(const json_t *v, const char *ptr, int d, const struct tensor *t,
	    long *k, const char *what, struct adac_error *err)
{
	char p[ADAC_POINTER_MAX];
	size_t i;
	int rc;

	if (d == t->ndim)
		return adac_json_number(v, ptr, &t->x[(*k)++], err);
	if (!json_is_array(v))
		return adac_error_set(err, ADAC_E_INPUT, ptr,
				      "%s: expected an array, got %s", what,
				      adac_json_is_nonfinite(v) ? "a number" :
				      adac_json_type_name(v));
	if ((long)json_array_size(v) != t->shape[d])
		return adac_error_set(err, ADAC_E_INPUT, ptr,
		    "%s: expected %ld entries like the first array of its "
		    "level, got %zu", what, t->shape[d], json_array_size(v));
	for (i = 0; i < json_array_size(v); i++) {
		adac_ptr_index(p, ptr, i);
		if ((rc = tensor_fill(json_array_get(v, i), p, d + 1, t, k, what,
				      err)))
			return rc;
	}
	return ADAC_OK;
}

/* FLAMO's param as nested lists of ndim levels, row-major into t->x */
static int
read_tensor(const json_t *v, const char *ptr, int ndim, const char *what,
	    struct tensor *t, struct adac_error *err)
{
	char p[ADAC_POINTER_MAX];
	const json_t *x = v;
	long n = 1, k = 0;
	int d, rc;

	t->ndim = ndim;
	t->x = NULL;
	snprintf(p, sizeof p, "%s", ptr);
	for (d = 0; d < ndim; d++) {
		if (!json_is_array(x))
			return adac_error_set(err, ADAC_E_INPUT, p,
			    "%s: expected an array, got %s", what,
			    x == NULL ? "nothing" :
			    adac_json_is_nonfinite(x) ? "a number" :
			    adac_json_type_name(x));
		if (json_array_size(x) == 0)
			return adac_error_set(err, ADAC_E_INPUT, p,
			    "%s: expected a non-empty array", what);
		t->shape[d] = (long)json_array_size(x);
		if (t->shape[d] > ADAC_MAX_CHANNELS)
			return adac_error_set(err, ADAC_E_INPUT, p,
			    "%ld entries is more than the limit of %d",
			    t->shape[d], ADAC_MAX_CHANNELS);
		n *= t->shape[d];
		if (n > MAX_ELEMENTS)
			return adac_error_set(err, ADAC_E_INPUT, ptr,
			    "the raw param has more than %ld values",
			    MAX_ELEMENTS);
		x = json_array_get(x, 0);
		adac_ptr_index(p, p, 0);
	}
	t->x = malloc((size_t)n * sizeof *t->x);
	if (t->x == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, ptr, "out of memory");
	rc = tensor_fill(v, ptr, 0, t, &k, what, err);
	if (rc != ADAC_OK) {
		free(t->x);
		t->x = NULL;
	}
	return rc;
}

/* --- the metadata -------------------------------------------------------- */

static int
meta_number(const json_t *flamo, const char *ptr, const char *key,
	    double dflt, double *out, struct adac_error *err)
{
	char p[ADAC_POINTER_MAX];
	const json_t *v = flamo != NULL ? json_object_get(flamo, key) : NULL;

	if (v == NULL || json_is_null(v)) {
		*out = dflt;
		return ADAC_OK;
	}
	adac_ptr_key(p, ptr, key);
	return adac_json_number(v, p, out, err);
}

static int
meta_string(const json_t *flamo, const char *ptr, const char *key,
	    const char *dflt, const char **out, struct adac_error *err)
{
	char p[ADAC_POINTER_MAX];
	const json_t *v = flamo != NULL ? json_object_get(flamo, key) : NULL;

	if (v == NULL || json_is_null(v)) {
		*out = dflt;
		return ADAC_OK;
	}
	adac_ptr_key(p, ptr, key);
	return adac_json_string(v, p, out, err);
}

/* flamo.KEY, when given, must be the whole number the tensor's shape says */
static int
meta_agrees(const json_t *flamo, const char *ptr, const char *key, long want,
	    const char *what, struct adac_error *err)
{
	char p[ADAC_POINTER_MAX];
	const json_t *v = flamo != NULL ? json_object_get(flamo, key) : NULL;
	long x;
	int rc;

	if (v == NULL || json_is_null(v))
		return ADAC_OK;
	adac_ptr_key(p, ptr, key);
	if ((rc = adac_json_integer(v, p, 1, ADAC_MAX_CHANNELS, &x, err)))
		return rc;
	if (x != want)
		return adac_error_set(err, ADAC_E_INPUT, p,
		    "%s is %ld but the raw param has %ld %s", key, x, want,
		    what);
	return ADAC_OK;
}

/* --- the designs --------------------------------------------------------- */

/* sec = b/a0, a/a0 without a0: the IR's section form */
static void
put(double *sec, const double b[3], const double a[3])
{
	sec[0] = b[0] / a[0];
	sec[1] = b[1] / a[0];
	sec[2] = b[2] / a[0];
	sec[3] = a[1] / a[0];
	sec[4] = a[2] / a[0];
}

static double
clamp(double x, double lo, double hi)
{
	/* torch.clamp: min first, then max */
	x = x < lo ? lo : x;
	return x > hi ? hi : x;
}

/* F.softplus(x) with beta 1 and threshold 20 */
static double
softplus(double x)
{
	return x > 20 ? x : log1p(exp(x));
}

static double
sigmoid(double x)
{
	return 1 / (1 + exp(-x));
}

/* rad2hertz(p·π, fs) then hertz2rad(·, fs), as Biquad.get_poly_coeff */
static double
biquad_omega(double p, double fs)
{
	double hz = p * PI * fs / (2 * PI);

	return hz / fs * 2 * PI;
}

/*
 * Biquad and parallelBiquad: the map clamps [x0, 20·log10|x_last|] to
 * [0, 1] × [-60, 60] dB (bandpass: [x0, x1] to [eps, 1 − eps]), then
 * functional.lowpass_filter / highpass_filter / bandpass_filter.
 */
static void
design_biquad(const char *type, const double *x, long stride, double fs,
	      double *sec)
{
	double b[3], a[3], w, alpha, c, g, s;

	if (strcmp(type, "bandpass") == 0) {
		double p0 = clamp(x[0], FLOAT32_EPS, 1 - FLOAT32_EPS);
		double p1 = clamp(x[stride], FLOAT32_EPS, 1 - FLOAT32_EPS);
		double fc1 = p0 * PI * fs / (2 * PI), fc2 = p1 * PI * fs / (2 * PI);
		double bw = log2(fc2 / fc1);

		g = clamp(20 * log10(fabs(x[2 * stride])), -60, 60);
		w = (fc1 / fs * 2 * PI + fc2 / fs * 2 * PI) / 2;
		alpha = sin(w) * sinh(log(2.0) / 2 * bw * (w / sin(w)));
		c = cos(w);
		b[0] = alpha;
		b[1] = 0;
		b[2] = -alpha;
	} else {
		w = biquad_omega(clamp(x[0], 0, 1), fs);
		g = clamp(20 * log10(fabs(x[stride])), -60, 60);
		alpha = sin(w) / 2 * sqrt(2.0);
		c = cos(w);
		s = type[0] == 'l' ? 1 : -1;	/* lowpass, highpass */
		b[0] = (1 - s * c) / 2;
		b[1] = s * (1 - s * c);
		b[2] = (1 - s * c) / 2;
	}
	a[0] = 1 + alpha;
	a[1] = -2 * c;
	a[2] = 1 - alpha;
	g = pow(10, g / 20);
	b[0] *= g;
	b[1] *= g;
	b[2] *= g;
	put(sec, b, a);
}

/* the SVF's b/a from (f, R, mLP, mBP, mHP): SVF.get_poly_coeff */
static void
svf_coeffs(double f, double r, double mlp, double mbp, double mhp,
	   double *sec)
{
	double b[3], a[3], f2 = f * f;

	b[0] = f2 * mlp + f * mbp + mhp;
	b[1] = 2 * f2 * mlp - 2 * mhp;
	b[2] = f2 * mlp - f * mbp + mhp;
	a[0] = f2 + 2 * r * f + 1;
	a[1] = 2 * f2 - 2;
	a[2] = f2 - 2 * r * f + 1;
	put(sec, b, a);
}

/*
 * SVF.map_param2svf: f = tan(π·sigmoid(x0)/2), r = log(1 + e^x1)/log 2,
 * G = 10^−softplus(x2) and the mix of param2mix.  R = 1/r for peaking
 * (whose mix keeps r); every other type has R = r, the shelves too:
 * FLAMO's R = 1 for them is overwritten before use.
 */
static void
design_svf(const char *type, const double *x, long stride, double *sec)
{
	double f = tan(PI * sigmoid(x[0]) * 0.5);
	double r = log(1 + exp(x[stride])) / log(2.0);
	double g = pow(10, -softplus(x[2 * stride]));
	double big_r = r, m[3];

	if (type == NULL) {		/* param + [1, 2, 1] */
		m[0] = x[2 * stride] + 1;
		m[1] = x[3 * stride] + 2;
		m[2] = x[4 * stride] + 1;
	} else if (strcmp(type, "lowpass") == 0) {
		m[0] = 1, m[1] = 0, m[2] = 0;
	} else if (strcmp(type, "highpass") == 0) {
		m[0] = 0, m[1] = 0, m[2] = 1;
	} else if (strcmp(type, "bandpass") == 0) {
		m[0] = 0, m[1] = 1, m[2] = 0;
	} else if (strcmp(type, "lowshelf") == 0) {
		m[0] = 1, m[1] = 2 * r * sqrt(g), m[2] = g;
	} else if (strcmp(type, "highshelf") == 0) {
		m[0] = g, m[1] = 2 * r * sqrt(g), m[2] = 1;
	} else {			/* peaking, notch */
		if (strcmp(type, "peaking") == 0)
			big_r = 1 / r;
		m[0] = 1, m[1] = 2 * r * sqrt(g), m[2] = 1;
	}
	svf_coeffs(f, big_r, m[0], m[1], m[2], sec);
}

/* eq.octave_bands and eq_freqs: band centres and shelf crossovers */
static int
geq_bands(int interval, double *centre, double shelf[2])
{
	double c = 31.25, step = pow(2, 1.0 / interval);
	int n = 0;

	while (c < 16000.0) {
		c = c * step;
		/* torch.tensor(..., dtype=float32) of numpy's doubles */
		centre[n++] = (float)c;
	}
	/* a float32 tensor over numpy's double: float32 arithmetic */
	shelf[0] = (float)centre[0] / (float)pow(2, 1.0 / interval / 2);
	shelf[1] = (float)centre[n - 1] * (float)pow(2, 1.0 / interval / 2);
	return n;
}

/* functional.shelving_filter(fc, gain, type) */
static void
shelving(double fc, double gain, int high, double fs, double *sec)
{
	double w = fc / fs * 2 * PI, t = tan(w / 2), t2 = t * t;
	double g2 = pow(gain, 0.5), g4 = pow(gain, 0.25), b[3], a[3], tmp;
	int i;

	b[0] = g2 * t2 + sqrt(2.0) * t * g4 + 1;
	b[1] = 2 * g2 * t2 - 2;
	b[2] = g2 * t2 - sqrt(2.0) * t * g4 + 1;
	a[0] = g2 + sqrt(2.0) * t * g4 + t2;
	a[1] = 2 * t2 - 2 * g2;
	a[2] = g2 - sqrt(2.0) * t * g4 + t2;
	for (i = 0; i < 3; i++)
		b[i] = g2 * b[i];
	if (high)
		for (i = 0; i < 3; i++) {
			tmp = b[i];
			b[i] = a[i] * gain;
			a[i] = tmp;
		}
	put(sec, b, a);
}

/* functional.peak_filter(fc, gain, Q) */
static void
peak(double fc, double gain, double q, double fs, double *sec)
{
	double w = fc / fs * 2 * PI, t = tan(w / q / 2), b[3], a[3];

	b[0] = sqrt(gain) + gain * t;
	b[1] = -2 * sqrt(gain) * cos(w);
	b[2] = sqrt(gain) - gain * t;
	a[0] = sqrt(gain) + t;
	a[1] = -2 * sqrt(gain) * cos(w);
	a[2] = sqrt(gain) - t;
	put(sec, b, a);
}

/*
 * eq.geq with gain_db = 20·log10|x| (GEQ's default map): a broadband
 * gain, the low shelf, a peak per band centre with Q = √R/(R − 1),
 * R = 2.7 (a float32 tensor in FLAMO), the high shelf.
 */
static void
design_geq(const double *x, long stride, int n_bands, const double *centre,
	   const double shelf[2], double fs, double *sec, long sec_stride)
{
	double r = (float)2.7, q = sqrt(r) / (r - 1), g;
	int band, last = n_bands + 2;

	for (band = 0; band <= last; band++) {
		g = pow(10, 20 * log10(fabs(x[band * stride])) / 20);
		if (band == 0) {
			double b[3] = {g, 0, 0}, a[3] = {1, 0, 0};
			put(sec, b, a);
		} else if (band == 1) {
			shelving(shelf[0], g, 0, fs, sec);
		} else if (band == last) {
			shelving(shelf[1], g, 1, fs, sec);
		} else {
			peak(centre[band - 2], g, q, fs, sec);
		}
		sec += sec_stride;
	}
}

/* PEQ.compute_biquad_coeff for one section (gain in dB) */
static void
peq_section(int svf_design, int type, double f, double r, double g,
	    double *sec)
{
	double b[3], a[3], alpha, c;

	if (svf_design) {
		g = pow(10, g / 20);
		if (type == 0)		/* lowshelf */
			svf_coeffs(f, r, g, 2 * r * sqrt(g), 1, sec);
		else if (type == 2)	/* highshelf */
			svf_coeffs(f, r, 1, 2 * r * sqrt(g), g, sec);
		else
			svf_coeffs(f, r, 1, 2 * r * sqrt(g), 1, sec);
		return;
	}
	g = pow(10, g / 40);
	c = cos(f);
	if (type == 1) {
		alpha = sin(f) / (2 * r);
		b[0] = 1 + alpha * g;
		b[1] = -2 * c;
		b[2] = 1 - alpha * g;
		a[0] = 1 + alpha / g;
		a[1] = -2 * c;
		a[2] = 1 - alpha / g;
	} else if (type == 0) {
		alpha = sin(f) * sqrt((g * g + 1) * (1 / r - 1) + 2 * g);
		b[0] = g * ((g + 1) - (g - 1) * c + alpha);
		b[1] = 2 * g * ((g - 1) - (g + 1) * c);
		b[2] = g * ((g + 1) - (g - 1) * c - alpha);
		a[0] = (g + 1) + (g - 1) * c + alpha;
		a[1] = -2 * ((g - 1) + (g + 1) * c);
		a[2] = (g + 1) + (g - 1) * c - alpha;
	} else {
		alpha = sin(f) * sqrt((g * g + 1) * (1 / r - 1) + 2 * g);
		b[0] = g * ((g + 1) + (g - 1) * c + alpha);
		b[1] = -2 * g * ((g - 1) + (g + 1) * c);
		b[2] = g * ((g + 1) + (g - 1) * c - alpha);
		a[0] = (g + 1) - (g - 1) * c + alpha;
		a[1] = 2 * ((g - 1) - (g + 1) * c);
		a[2] = (g + 1) - (g - 1) * c - alpha;
	}
	put(sec, b, a);
}

/*
 * PEQ.map_eq and get_poly_coeff: band k's frequency bias
 * f_min·(f_max/f_min)^(k/(B − 1)) (k = 0 .. B − 1); "biquad":
 * f = clamp(sigmoid(x0) + 2π·bias/fs, 2π·f_min/fs, 2π·f_max/fs) in
 * radians; "svf": f = tan(π·sigmoid(x0 + log(2·bias/fs/(1 − 2·bias/fs)))/2).
 * R = x1 and the gain x2 in dB as they are.  Band 0 is a low shelf, band
 * B − 1 a high shelf, the others peaks.
 */
static void
design_peq(int svf_design, const double *x, long stride, int n_bands,
	   double f_min, double f_max, double fs, double *sec,
	   long sec_stride)
{
	double bias, f;
	int k, type;

	for (k = 0; k < n_bands; k++) {
		/* torch.arange(dtype=float32) and float32 arithmetic */
		float e = (float)k / (float)(n_bands - 1);
		bias = (float)f_min * (float)pow((float)(f_max / f_min), e);
		if (svf_design) {
			double nb = 2 * bias / fs;
			f = tan(PI * sigmoid(x[k * 3 * stride] +
					     log(nb / (1 - nb))) * 0.5);
		} else {
			f = clamp(sigmoid(x[k * 3 * stride]) + bias / fs * 2 * PI,
				  2 * PI * f_min / fs, 2 * PI * f_max / fs);
		}
		type = k == 0 ? 0 : k == n_bands - 1 ? 2 : 1;
		peq_section(svf_design, type, f, x[(k * 3 + 1) * stride],
			    x[(k * 3 + 2) * stride], sec);
		sec += sec_stride;
	}
}

/* --- the module ---------------------------------------------------------- */

static int
check_finite(const struct adac_flamo_design *d, const char *ptr,
	     struct adac_error *err)
{
	static const char *const name[5] = {"b0", "b1", "b2", "a1", "a2"};
	long n_casc = (long)d->n_out * (d->parallel ? 1 : d->n_in), s, c;
	int j;
	double v;

	for (s = 0; s < d->n_sections; s++)
		for (c = 0; c < n_casc; c++)
			for (j = 0; j < 5; j++) {
				v = d->sos[(s * n_casc + c) * 5 + j];
				if (isfinite(v))
					continue;
				if (d->parallel)
					return adac_error_set(err, ADAC_E_INPUT,
					    ptr, "these parameters make section "
					    "%ld's %s %s on channel %ld, not a "
					    "finite number", s, name[j],
					    isnan(v) ? "NaN" : v > 0 ?
					    "Infinity" : "-Infinity", c);
				return adac_error_set(err, ADAC_E_INPUT, ptr,
				    "these parameters make section %ld's %s %s "
				    "from input %ld to output %ld, not a finite "
				    "number", s, name[j], isnan(v) ? "NaN" :
				    v > 0 ? "Infinity" : "-Infinity",
				    c % d->n_in, c / d->n_in);
			}
	return ADAC_OK;
}

int
adac_flamo_design(const char *module_type, const json_t *raw,
		  const char *raw_ptr, const json_t *flamo,
		  const char *flamo_ptr, double fs_hz,
		  struct adac_flamo_design *out, struct adac_error *err)
{
	const struct module *mod = find_module(module_type);
	struct adac_flamo_design d = {0};
	struct tensor t = {0};
	char what[160], p[ADAC_POINTER_MAX], num[32];
	const char *type = NULL, *design = "biquad";
	double fs = fs_hz, centre[64], shelf[2] = {0, 0}, f_min = 0, f_max = 0;
	double *sec;
	long n_casc, c, lead, per, stride;
	int rc, n_bands = 0, interval = 1, k_dim, ch_dim;

	if (mod == NULL)
		return adac_error_set(err, ADAC_E_INPUT, raw_ptr,
				      "'%s' is not a flamo filter module",
				      module_type);
	if (mod->kind == ACCURATE_GEQ)
		return adac_error_set(err, ADAC_E_INPUT, raw_ptr,
		    "module type '%s' is not lowered: its section gains come "
		    "from flamo's L-BFGS fit at run time, which adac does not "
		    "reproduce; export its sections as a parallelSOSFilter",
		    module_type);
	if (flamo != NULL && !json_is_object(flamo))
		return adac_error_set(err, ADAC_E_INPUT, flamo_ptr,
				      "expected an object, got %s",
				      adac_json_type_name(flamo));
	if ((rc = meta_number(flamo, flamo_ptr, "fs", fs_hz, &fs, err)))
		return rc;
	if (!(fs > 0) || fs > ADAC_MAX_FS_HZ) {
		adac_ptr_key(p, flamo_ptr, "fs");
		return adac_error_set(err, ADAC_E_INPUT, p,
		    "sample rate %s Hz is not between 0 and %g",
		    adac_fmt_double(num, fs), ADAC_MAX_FS_HZ);
	}
	snprintf(what, sizeof what, "a %s's raw param has shape %s",
		 module_type, mod->shape);
	if ((rc = read_tensor(raw, raw_ptr, mod->ndim, what, &t, err)))
		return rc;

	/* which axis holds the sections, which the channels */
	k_dim = mod->kind == SVF ? 1 : 0;
	ch_dim = mod->ndim - (mod->parallel ? 1 : 2);
	d.parallel = mod->parallel;
	d.n_out = (int)t.shape[ch_dim];
	d.n_in = (int)t.shape[mod->ndim - 1];
	d.n_sections = (int)t.shape[k_dim];
	n_casc = mod->parallel ? d.n_in : (long)d.n_out * d.n_in;
	stride = 1;		/* between parameters of one section */

	switch (mod->kind) {
	case BIQUAD: {
		long want;
		if ((rc = meta_string(flamo, flamo_ptr, "filter_type",
				      "lowpass", &type, err)))
			goto out;
		if (strcmp(type, "lowpass") && strcmp(type, "highpass") &&
		    strcmp(type, "bandpass")) {
			adac_ptr_key(p, flamo_ptr, "filter_type");
			rc = adac_error_set(err, ADAC_E_INPUT, p,
			    "unknown %s filter_type '%s'; expected lowpass, "
			    "highpass or bandpass", module_type, type);
			goto out;
		}
		want = type[0] == 'b' ? 3 : 2;
		if (t.shape[1] != want) {
			adac_ptr_index(p, raw_ptr, 0);
			rc = adac_error_set(err, ADAC_E_INPUT, p,
			    "a %s %s has %ld parameters per section, got %ld",
			    type, module_type, want, t.shape[1]);
			goto out;
		}
		stride = n_casc;
		break;
	}
	case SVF: {
		static const char *const types[] = {"lowpass", "highpass",
		    "bandpass", "lowshelf", "highshelf", "peaking", "notch"};
		size_t i;
		if ((rc = meta_string(flamo, flamo_ptr, "filter_type", NULL,
				      &type, err)))
			goto out;
		for (i = 0; type != NULL && i < 7; i++)
			if (strcmp(type, types[i]) == 0)
				break;
		if (type != NULL && i == 7) {
			adac_ptr_key(p, flamo_ptr, "filter_type");
			rc = adac_error_set(err, ADAC_E_INPUT, p,
			    "unknown %s filter_type '%s'; expected lowpass, "
			    "highpass, bandpass, lowshelf, highshelf, peaking, "
			    "notch or null", module_type, type);
			goto out;
		}
		if (t.shape[0] != 5) {
			rc = adac_error_set(err, ADAC_E_INPUT, raw_ptr,
			    "a %s has 5 parameter rows (f, R, mLP, mBP, mHP), "
			    "got %ld", module_type, t.shape[0]);
			goto out;
		}
		stride = (long)d.n_sections * n_casc;
		break;
	}
	case GEQ: {
		double iv;
		if ((rc = meta_number(flamo, flamo_ptr, "octave_interval", 1,
				      &iv, err)))
			goto out;
		if (iv != 1 && iv != 3) {
			adac_ptr_key(p, flamo_ptr, "octave_interval");
			rc = adac_error_set(err, ADAC_E_INPUT, p,
			    "octave_interval %s is not 1 or 3",
			    adac_fmt_double(num, iv));
			goto out;
		}
		interval = (int)iv;
		n_bands = geq_bands(interval, centre, shelf);
		if (t.shape[0] != n_bands + 3) {
			rc = adac_error_set(err, ADAC_E_INPUT, raw_ptr,
			    "a %s of octave_interval %d has %d command gains "
			    "(%d bands, 2 shelves, 1 broadband), got %ld",
			    module_type, interval, n_bands + 3, n_bands,
			    t.shape[0]);
			goto out;
		}
		stride = n_casc;
		break;
	}
	case PEQ:
		if ((rc = meta_string(flamo, flamo_ptr, "design", "biquad",
				      &design, err)) ||
		    (rc = meta_number(flamo, flamo_ptr, "f_min", 20, &f_min,
				      err)) ||
		    (rc = meta_number(flamo, flamo_ptr, "f_max", 20000, &f_max,
				      err)))
			goto out;
		if (strcmp(design, "biquad") && strcmp(design, "svf")) {
			adac_ptr_key(p, flamo_ptr, "design");
			rc = adac_error_set(err, ADAC_E_INPUT, p,
			    "unknown %s design '%s'; expected biquad or svf",
			    module_type, design);
			goto out;
		}
		if (!(f_min > 0) || !(f_max > 0)) {
			adac_ptr_key(p, flamo_ptr, f_min > 0 ? "f_max" : "f_min");
			rc = adac_error_set(err, ADAC_E_INPUT, p,
			    "band frequency %s Hz is not positive",
			    adac_fmt_double(num, f_min > 0 ? f_max : f_min));
			goto out;
		}
		/* log(2·bias/fs / (1 − 2·bias/fs)) is NaN at and above fs/2 */
		if (design[0] == 's' && (f_min >= fs / 2 || f_max >= fs / 2)) {
			adac_ptr_key(p, flamo_ptr, f_max >= fs / 2 ? "f_max" :
				     "f_min");
			rc = adac_error_set(err, ADAC_E_INPUT, p,
			    "band frequency %s Hz of the svf design is not below "
			    "the Nyquist frequency",
			    adac_fmt_double(num, f_max >= fs / 2 ? f_max : f_min));
			goto out;
		}
		n_bands = (int)t.shape[0];
		if (t.shape[1] != 3) {
			adac_ptr_index(p, raw_ptr, 0);
			rc = adac_error_set(err, ADAC_E_INPUT, p,
			    "a %s band has 3 parameters (f, R, gain), got %ld",
			    module_type, t.shape[1]);
			goto out;
		}
		if (n_bands < 2) {
			rc = adac_error_set(err, ADAC_E_INPUT, raw_ptr,
			    "a %s needs at least 2 bands (its shelves): flamo's "
			    "band frequencies are 0/0 for 1", module_type);
			goto out;
		}
		stride = n_casc;
		break;
	case ACCURATE_GEQ:
		break;
	}
	if (d.n_sections > ADAC_MAX_SECTIONS) {
		rc = adac_error_set(err, ADAC_E_INPUT, raw_ptr,
		    "%d sections is more than the limit of %d", d.n_sections,
		    ADAC_MAX_SECTIONS);
		goto out;
	}
	if (mod->kind == BIQUAD || mod->kind == SVF) {
		if ((rc = meta_agrees(flamo, flamo_ptr, "n_sections",
				      d.n_sections, "sections", err)))
			goto out;
	} else if (mod->kind == PEQ &&
		   (rc = meta_agrees(flamo, flamo_ptr, "n_bands", n_bands,
				     "bands", err))) {
		goto out;
	}
	d.sos = malloc((size_t)d.n_sections * n_casc * 5 * sizeof *d.sos);
	if (d.sos == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, raw_ptr, "out of memory");
		goto out;
	}
	/* the parameters of section k of cascade c start at lead·k + c */
	per = mod->kind == BIQUAD ? t.shape[1] : mod->kind == PEQ ? 3 : 1;
	lead = per * n_casc;
	for (c = 0; c < n_casc; c++) {
		sec = d.sos + c * 5;
		switch (mod->kind) {
		case BIQUAD: {
			int k;
			for (k = 0; k < d.n_sections; k++)
				design_biquad(type, t.x + k * lead + c, stride,
					      fs, sec + k * n_casc * 5);
			break;
		}
		case SVF: {
			int k;
			for (k = 0; k < d.n_sections; k++)
				design_svf(type, t.x + k * n_casc + c, stride,
					   sec + k * n_casc * 5);
			break;
		}
		case GEQ:
			design_geq(t.x + c, stride, n_bands, centre, shelf, fs,
				   sec, n_casc * 5);
			break;
		case PEQ:
			design_peq(design[0] == 's', t.x + c, stride, n_bands,
				   f_min, f_max, fs, sec, n_casc * 5);
			break;
		case ACCURATE_GEQ:
			break;
		}
	}
	if ((rc = check_finite(&d, raw_ptr, err)))
		goto out;
	*out = d;
	d.sos = NULL;
out:
	free(d.sos);
	free(t.x);
	return rc;
}
