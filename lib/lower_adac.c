/*
 * lower_adac.c - the reference implementation's config (flamo_to_json)
 * lowered to ir/1.
 *
 * The config is a tree of Shell, Series, Parallel, Recursion and Leaf
 * nodes that mirrors a FLAMO model.  Composite nodes map one to one onto
 * IR nodes (FLAMO's Parallel feeds the same input to both branches, its
 * Recursion computes y = fF(x + fB(y)), exactly the IR's feedback).
 * Leaves become delay, gain, matrix and sos nodes; the filters that
 * json_to_faust() emits as FAUST library calls are designed here with the
 * formulas of FAUST's filters.lib, so that the IR holds the coefficients
 * the FAUST program would compute (in double, at the config's fs).
 *
 * Every error names the pointer of the bad value in the config; the
 * "source" member records, for every config node, where it went in the
 * IR ("nodes": [{"ir", "config", "type", ...}]) and its "flamo" metadata.
 */
#include "lower.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "detect.h"
#include "flamo.h"
#include "json.h"

#define MAX_CONFIG_DEPTH 60
#define PI 3.14159265358979323846

struct ctx {
	double fs;
	json_t *nodes;		/* provenance records, see above */
	struct adac_error *err;
};

/* A lowered config node: its IR node and channel counts. */
struct low {
	json_t *node;
	int n_in, n_out;
};

/* dst = base/k1/k2, each key escaped */
static void
ptr2(char *dst, const char *base, const char *k1, const char *k2)
{
	adac_ptr_key(dst, base, k1);
	adac_ptr_key(dst, dst, k2);
}

static int
nomem(struct ctx *c, const char *ptr)
{
	return adac_error_set(c->err, ADAC_E_NOMEM, ptr, "out of memory");
}

/* A number member with a default when absent. */
static int
opt_number(struct ctx *c, const json_t *obj, const char *key,
	   const char *ptr, double dflt, double *out)
{
	char p[ADAC_POINTER_MAX];
	const json_t *v = json_object_get(obj, key);

	if (v == NULL) {
		*out = dflt;
		return ADAC_OK;
	}
	adac_ptr_key(p, ptr, key);
	return adac_json_number(v, p, out, c->err);
}

static int
opt_bool(struct ctx *c, const json_t *obj, const char *key, const char *ptr,
	 int dflt, int *out)
{
	char p[ADAC_POINTER_MAX];
	const json_t *v = json_object_get(obj, key);

	if (v == NULL) {
		*out = dflt;
		return ADAC_OK;
	}
	if (!json_is_boolean(v)) {
		adac_ptr_key(p, ptr, key);
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "expected a boolean, got %s",
				      adac_json_is_nonfinite(v) ? "a number" :
				      adac_json_type_name(v));
	}
	*out = json_is_true(v);
	return ADAC_OK;
}

static int
opt_string(struct ctx *c, const json_t *obj, const char *key,
	   const char *ptr, const char *dflt, const char **out)
{
	char p[ADAC_POINTER_MAX];
	const json_t *v = json_object_get(obj, key);

	if (v == NULL) {
		*out = dflt;
		return ADAC_OK;
	}
	adac_ptr_key(p, ptr, key);
	return adac_json_string(v, p, out, c->err);
}

/* Whole number in [lo, hi] with a default. */
static int
opt_whole(struct ctx *c, const json_t *obj, const char *key, const char *ptr,
	  long dflt, long lo, long hi, long *out)
{
	char p[ADAC_POINTER_MAX];
	const json_t *v = json_object_get(obj, key);

	if (v == NULL) {
		*out = dflt;
		return ADAC_OK;
	}
	adac_ptr_key(p, ptr, key);
	return adac_json_integer(v, p, lo, hi, out, c->err);
}

/* The params object of a leaf (an empty one when absent). */
static int
get_params(struct ctx *c, const json_t *v, const char *ptr,
	   const json_t **params)
{
	char p[ADAC_POINTER_MAX];
	const json_t *x = json_object_get(v, "params");

	if (x == NULL) {
		static json_t *empty;
		if (empty == NULL)
			empty = json_object();
		*params = empty;
		return *params != NULL ? ADAC_OK : nomem(c, ptr);
	}
	if (!json_is_object(x)) {
		adac_ptr_key(p, ptr, "params");
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "expected an object, got %s",
				      adac_json_type_name(x));
	}
	*params = x;
	return ADAC_OK;
}

/*
 * adac's own metadata on a config node, "adac": {...}, which adac-ir
 * export writes so that lowering gives back the IR exactly and the
 * reference implementation ignores: keys may only be those listed.
 * *meta is NULL when the node has none.
 */
static int
adac_meta(struct ctx *c, const json_t *v, const char *ptr,
	  const char *const *keys, const char *what, const json_t **meta)
{
	char p[ADAC_POINTER_MAX], q[ADAC_POINTER_MAX];
	const json_t *m = json_object_get(v, "adac"), *x;
	const char *key;
	int i;

	*meta = NULL;
	if (m == NULL)
		return ADAC_OK;
	adac_ptr_key(p, ptr, "adac");
	if (!json_is_object(m))
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "expected an object, got %s",
				      adac_json_type_name(m));
	json_object_foreach((json_t *)m, key, x) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(key, keys[i]) == 0)
				break;
		if (keys[i] == NULL) {
			adac_ptr_key(q, p, key);
			return adac_error_set(c->err, ADAC_E_INPUT, q,
			    "unknown member '%s' of adac metadata for %s", key,
			    what);
		}
	}
	*meta = m;
	return ADAC_OK;
}

/* "adac": {"interp": "none" | "linear"} sets a delay's interpolation. */
static int
meta_interp(struct ctx *c, const json_t *v, const char *ptr, json_t *node)
{
	static const char *const keys[] = {"interp", NULL};
	char p[ADAC_POINTER_MAX];
	const json_t *meta, *x;
	const char *s;
	int rc;

	if ((rc = adac_meta(c, v, ptr, keys, "a delay", &meta)) || meta == NULL)
		return rc;
	if ((x = json_object_get(meta, "interp")) == NULL)
		return ADAC_OK;
	adac_ptr_key(p, ptr, "adac");
	adac_ptr_key(p, p, "interp");
	if ((rc = adac_json_string(x, p, &s, c->err)))
		return rc;
	if (strcmp(s, "none") != 0 && strcmp(s, "linear") != 0)
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "interp '%s' is not 'none' or 'linear'",
				      s);
	return json_object_set_new(node, "interp", json_string(s)) ?
	       nomem(c, ptr) : ADAC_OK;
}

/*
 * "adac": {"structure": S} makes a matrix node's structure claim S as
 * written (null: none), instead of what recognition finds; validation
 * checks it against the data.
 */
static int
meta_structure(struct ctx *c, const json_t *v, const char *ptr,
	       json_t *node)
{
	static const char *const keys[] = {"structure", NULL};
	char p[ADAC_POINTER_MAX];
	const json_t *meta, *x;
	int rc;

	if ((rc = adac_meta(c, v, ptr, keys, "a matrix", &meta)) || meta == NULL)
		return rc;
	if ((x = json_object_get(meta, "structure")) == NULL)
		return ADAC_OK;
	adac_ptr_key(p, ptr, "adac");
	adac_ptr_key(p, p, "structure");
	if (strcmp(json_string_value(json_object_get(node, "op")), "matrix"))
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "a structure needs params.matrix");
	if (json_is_null(x)) {
		json_object_del(node, "structure");
		return ADAC_OK;
	}
	if (!json_is_object(x))
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "expected an object or null, got %s",
				      adac_json_type_name(x));
	return json_object_set_new(node, "structure", json_deep_copy(x)) ?
	       nomem(c, ptr) : ADAC_OK;
}

/* n channels of one value, made by mk (adac_build_delay, _gain) */
static json_t *
const_node(json_t *(*mk)(const double *, int), double x, int n)
{
	double *v = malloc((size_t)n * sizeof *v);
	json_t *node;
	int i;

	if (v == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		v[i] = x;
	node = mk(v, n);
	free(v);
	return node;
}

/* --- filter design: the formulas of FAUST's filters.lib ------------------- */

/*
 * fi.tf2s(b2,b1,b0,a1,a0,w1): the analog section
 * (b2·s² + b1·s + b0)/(s² + a1·s + a0) with its unit frequency mapped
 * to w1 rad/s, by the bilinear transform c = 1/tan(w1/(2·fs)).
 */
static void
tf2s(double b2, double b1, double b0, double a1, double a0, double w1,
     double fs, double out[5])
{
	double c = 1.0 / tan(w1 * 0.5 / fs), csq = c * c;
	double d = a0 + a1 * c + csq;

	out[0] = (b0 + b1 * c + b2 * csq) / d;
	out[1] = 2 * (b0 - b2 * csq) / d;
	out[2] = (b0 - b1 * c + b2 * csq) / d;
	out[3] = 2 * (a0 - csq) / d;
	out[4] = (a0 - a1 * c + csq) / d;
}

/* fi.tf1s(b1,b0,a0,w1): first-order analog (b1·s + b0)/(s + a0) */
static void
tf1s(double b1, double b0, double a0, double w1, double fs, double out[5])
{
	double c = 1.0 / tan(w1 * 0.5 / fs), d = a0 + c;

	out[0] = (b0 + b1 * c) / d;
	out[1] = (b0 - b1 * c) / d;
	out[2] = 0.0;
	out[3] = (a0 - c) / d;
	out[4] = 0.0;
}

/* the a1 of Butterworth section S of order n (lphpr / bpbsr in filters.lib) */
static double
butter_a1(int n, int s)
{
	int parity = n % 2;

	return -2 * cos(-PI + (1 - parity) * PI / (2 * n) +
			(s - 1 + parity) * PI / n);
}

/*
 * fi.lowpass(N,fc) (hp = 0) and fi.highpass(N,fc) (hp = 1): a tf1s for
 * odd N, then tf2s sections S = 1 .. N/2 in that order.
 */
static int
butterworth(int hp, int n, double fc, double fs, double (*sec)[5])
{
	int k = 0, o, parity = n % 2;
	double w1 = 2 * PI * fc;

	if (parity)
		tf1s(hp, 1 - hp, 1, w1, fs, sec[k++]);
	for (o = parity + 2; o <= n; o += 2)
		tf2s(hp, 0, 1 - hp, butter_a1(n, (o - parity) / 2), 1, w1, fs,
		     sec[k++]);
	return k;
}

/* fi.tf1sb(b1,b0,a0,w1,wc): first-order lowpass prototype → bandpass */
static void
tf1sb(double b1, double b0, double a0, double w1, double wc, double fs,
      double out[5])
{
	double t = 1.0 / fs, w2 = wc * wc * t * t;
	double a0d = w2 + 2 * a0 * w1 * t + 4;

	out[0] = (b1 * w2 + 2 * b0 * w1 * t + 4 * b1) / a0d;
	out[1] = (2 * b1 * w2 - 8 * b1) / a0d;
	out[2] = (b1 * w2 - 2 * b0 * w1 * t + 4 * b1) / a0d;
	out[3] = (2 * w2 - 8) / a0d;
	out[4] = (w2 - 2 * a0 * w1 * t + 4) / a0d;
}

/*
 * fi.tf2sb(0,0,1,a1,1,w1,wc) is a fourth-order section: the lowpass
 * prototype 1/(q² + a1·q + 1) with q = (s² + wc²)/(w1·s), then the
 * bilinear transform s = 2·fs·(1 − z⁻¹)/(1 + z⁻¹).  filters.lib
 * evaluates it as one direct-form IIR; here it is split into its two
 * conjugate pole pairs.  Each prototype pole p gives the bandpass poles
 * s² − p·w1·s + wc² = 0; the numerator is 4·w1²·T²·(1 − z⁻²)² over
 * tf2sb's a0d, shared evenly between the two sections.
 */
static void
tf2sb_lowpass(double a1, double w1, double wc, double fs, double out[2][5])
{
	double t = 1.0 / fs, w = wc * wc * t * t;
	double a0d = w * w + 2 * a1 * wc * wc * w1 * t * t * t +
		     (4 * w1 * w1 + 8 * wc * wc) * t * t + 8 * a1 * w1 * t + 16;
	double g = sqrt(4 * w1 * w1 * t * t / a0d);
	double complex p = (-a1 + I * sqrt(4 - a1 * a1)) / 2, root, s, z;
	int k;

	root = csqrt(p * p * w1 * w1 - 4 * wc * wc);
	for (k = 0; k < 2; k++) {
		s = (p * w1 + (k == 0 ? root : -root)) / 2;
		z = (1 + s * t / 2) / (1 - s * t / 2);
		out[k][0] = g;
		out[k][1] = 0;
		out[k][2] = -g;
		out[k][3] = -2 * creal(z);
		out[k][4] = creal(z) * creal(z) + cimag(z) * cimag(z);
	}
}

/* fi.bandpass(Nh,fl,fu): order 2·Nh Butterworth bandpass */
static int
bandpass(int nh, double fl, double fu, double fs, double (*sec)[5])
{
	double c2 = 2.0 * fs, wla = c2 * tan(2 * PI * fl / c2);
	double wua = c2 * tan(2 * PI * fu / c2), wc = sqrt(wla * wua);
	double w1 = wua - wc * wc / wua;
	int k = 0, o, parity = nh % 2;

	if (parity)
		tf1sb(0, 1, 1, w1, wc, fs, sec[k++]);
	for (o = parity + 2; o <= nh; o += 2) {
		tf2sb_lowpass(butter_a1(nh, (o - parity) / 2), w1, wc, fs,
			      (double (*)[5])sec[k]);
		k += 2;
	}
	return k;
}

/* fi.peak_eq(Lfx,fx,B) */
static void
peak_eq(double level_db, double fx, double bw, double fs, double out[5])
{
	double t = 1.0 / fs, wx = 2 * PI * fx;
	double a1 = PI * bw * t / sin(wx * t);
	double b1 = pow(10.0, fabs(level_db) / 20.0) * a1;

	/* a boost widens the zeros' bandwidth, a cut the poles' */
	if (level_db > 0)
		tf2s(1, b1, 1, a1, 1, wx, fs, out);
	else
		tf2s(1, a1, 1, b1, 1, wx, fs, out);
}

/*
 * fi.svf.*: the trapezoidal (TPT) state-variable filter with
 * g = tan(π·fc/fs), k = 1/Q.  Trapezoidal integration is the bilinear
 * transform, so each output is the analog (n2·s² + n1·s + n0)/(s² + k·s + 1)
 * under s = (1/g)·(1 − z⁻¹)/(1 + z⁻¹).
 */
static void
svf(double n2, double n1, double n0, double fc, double q, double fs,
    double out[5])
{
	double g = tan(PI * fc / fs), k = 1.0 / q, g2 = g * g;
	double a0 = 1 + k * g + g2;

	out[0] = (n2 + n1 * g + n0 * g2) / a0;
	out[1] = (-2 * n2 + 2 * n0 * g2) / a0;
	out[2] = (n2 - n1 * g + n0 * g2) / a0;
	out[3] = (2 * g2 - 2) / a0;
	out[4] = (1 - k * g + g2) / a0;
}

/* --- provenance ---------------------------------------------------------- */

static json_t *
record(struct ctx *c, const json_t *v, const char *in_ptr, const char *out_ptr,
       const char *type)
{
	json_t *r = json_object(), *x;

	if (r == NULL)
		return NULL;
	json_object_set_new(r, "ir", json_string(out_ptr));
	json_object_set_new(r, "config", json_string(in_ptr));
	json_object_set_new(r, "type", json_string(type));
	if ((x = json_object_get(v, "module_type")) != NULL &&
	    json_is_string(x))
		json_object_set(r, "module_type", x);
	if ((x = json_object_get(v, "name")) != NULL && json_is_string(x))
		json_object_set(r, "name", x);
	if ((x = json_object_get(v, "flamo")) != NULL)
		json_object_set_new(r, "flamo", json_deep_copy(x));
	if (json_array_append_new(c->nodes, r) != 0)
		return NULL;
	return r;
}

static void
note(json_t *rec, const char *fmt, double x)
{
	char buf[300], num[32];

	snprintf(buf, sizeof buf, fmt, adac_fmt_double(num, x));
	if (rec != NULL)
		json_object_set_new(rec, "note", json_string(buf));
}

/* --- leaves -------------------------------------------------------------- */

/* input_channels / output_channels, when given, must agree with n */
static int
check_channels(struct ctx *c, const json_t *v, const char *ptr, int n_in,
	       int n_out)
{
	static const char *const keys[] = {"input_channels", "output_channels"};
	char p[ADAC_POINTER_MAX];
	long x;
	int k, rc, want;

	for (k = 0; k < 2; k++) {
		const json_t *m = json_object_get(v, keys[k]);
		if (m == NULL)
			continue;
		adac_ptr_key(p, ptr, keys[k]);
		rc = adac_json_integer(m, p, 1, ADAC_MAX_CHANNELS, &x, c->err);
		if (rc != ADAC_OK)
			return rc;
		want = k == 0 ? n_in : n_out;
		if (x != want)
			return adac_error_set(c->err, ADAC_E_INPUT, p,
			    "channel mismatch: %s is %ld but the parameters "
			    "give %d", keys[k], x, want);
	}
	return ADAC_OK;
}

/* Channels of a single-channel filter leaf applied per channel: default 1. */
static int
filter_channels(struct ctx *c, const json_t *v, const char *ptr, int *n)
{
	char p[ADAC_POINTER_MAX];
	const json_t *m = json_object_get(v, "input_channels");
	long x = 1;
	int rc;

	if (m == NULL)
		m = json_object_get(v, "output_channels");
	if (m != NULL) {
		adac_ptr_key(p, ptr, json_object_get(v, "input_channels") ?
			     "input_channels" : "output_channels");
		rc = adac_json_integer(m, p, 1, ADAC_MAX_CHANNELS, &x, c->err);
		if (rc != ADAC_OK)
			return rc;
	}
	*n = (int)x;
	return check_channels(c, v, ptr, *n, *n);
}

static int
check_delay(struct ctx *c, double d, const char *ptr)
{
	char num[32];

	if (d < 0)
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
				      "delay length %s is negative",
				      adac_fmt_double(num, d));
	if (d > ADAC_MAX_DELAY_SAMPLES || !isfinite(d))
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
				      "delay length %s is more than the limit of %d samples",
				      adac_fmt_double(num, d),
				      ADAC_MAX_DELAY_SAMPLES);
	return ADAC_OK;
}

/*
 * parallelDelay.  FLAMO's delay in samples is map(param)·fs/unit
 * (Delay.s2sample), with map = softplus when the module was built with
 * requires_grad, and rounded (torch.round: half to even) when isint.
 * flamo_to_json writes param·fs as samples_fractional (and its rounding
 * as samples), so unit and the map are applied here.
 */
static int
lower_parallel_delay(struct ctx *c, const json_t *v, const char *ptr,
		     json_t *rec, struct low *out)
{
	char p[ADAC_POINTER_MAX], q[ADAC_POINTER_MAX];
	const json_t *params, *flamo, *ints, *frac, *src;
	double *d = NULL, unit = 1;
	long n = 0, i;
	int rc, isint, rg = 0, from_ints;

	if ((rc = get_params(c, v, ptr, &params)))
		return rc;
	flamo = json_object_get(v, "flamo");
	if (flamo != NULL && !json_is_object(flamo)) {
		adac_ptr_key(p, ptr, "flamo");
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "expected an object, got %s",
				      adac_json_type_name(flamo));
	}
	ints = json_object_get(params, "samples");
	frac = json_object_get(params, "samples_fractional");
	adac_ptr_key(p, ptr, "flamo");
	if (flamo != NULL &&
	    ((rc = opt_number(c, flamo, "unit", p, 1, &unit)) ||
	     (rc = opt_bool(c, flamo, "requires_grad", p, 0, &rg))))
		return rc;
	if ((rc = opt_bool(c, flamo, "isint", p, ints != NULL, &isint)))
		return rc;
	if (!(unit > 0)) {
		adac_ptr_key(p, p, "unit");
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "unit must be positive");
	}
	/* rounding twice would differ from FLAMO's round(param·fs/unit) */
	from_ints = ints != NULL &&
		    (frac == NULL || (isint && unit == 1 && !rg));
	src = from_ints ? ints : frac;
	adac_ptr_key(p, ptr, "params");
	adac_ptr_key(p, p, from_ints ? "samples" : "samples_fractional");
	if (src == NULL)
		ptr2(p, ptr, "params", "samples");
	rc = adac_json_numbers(src, p, -1, ADAC_MAX_CHANNELS, &d, &n, c->err);
	if (rc != ADAC_OK)
		return rc;
	for (i = 0; i < n; i++) {
		adac_ptr_index(q, p, (size_t)i);
		if (from_ints && d[i] != floor(d[i])) {
			rc = adac_error_set(c->err, ADAC_E_INPUT, q,
			    "delay length %.17g is not a whole number of "
			    "samples; give samples_fractional", d[i]);
			goto out;
		}
		if (rg)		/* softplus(x) = log(1 + e^x), in seconds */
			d[i] = log1p(exp(d[i] / c->fs)) * c->fs;
		d[i] /= unit;
		if (isint)
			d[i] = nearbyint(d[i]);
		if ((rc = check_delay(c, d[i], q)))
			goto out;
	}
	if (rg)
		note(rec, "delays = softplus(samples/fs)·fs/unit with unit %s "
		     "(flamo requires_grad)", unit);
	else if (unit != 1)
		note(rec, "delays = samples_fractional/unit with unit %s "
		     "(flamo unit)", unit);
	if ((rc = check_channels(c, v, ptr, (int)n, (int)n)))
		goto out;
	out->node = adac_build_delay(d, (int)n);
	out->n_in = out->n_out = (int)n;
	rc = out->node != NULL ? meta_interp(c, v, ptr, out->node) :
	     nomem(c, ptr);
	if (rc != ADAC_OK) {
		json_decref(out->node);
		out->node = NULL;
	}
out:
	free(d);
	return rc;
}

/*
 * Delay and variableDelay: whole samples, as json_to_faust's @ and
 * de.delay take them.  fractionalDelay: samples_fractional (or samples)
 * as they are, de.fdelay's linear interpolation.
 */
static int
lower_plain_delay(struct ctx *c, const json_t *v, const char *ptr, int frac,
		  struct low *out)
{
	char p[ADAC_POINTER_MAX], q[ADAC_POINTER_MAX];
	const json_t *params;
	const char *key = "samples";
	double *d = NULL;
	long n = 0, i;
	int rc;

	if ((rc = get_params(c, v, ptr, &params)))
		return rc;
	if (frac && json_object_get(params, "samples_fractional") != NULL)
		key = "samples_fractional";
	ptr2(p, ptr, "params", key);
	rc = adac_json_numbers(json_object_get(params, key), p, -1,
			       ADAC_MAX_CHANNELS, &d, &n, c->err);
	if (rc != ADAC_OK)
		return rc;
	for (i = 0; i < n; i++) {
		adac_ptr_index(q, p, (size_t)i);
		if ((rc = check_delay(c, d[i], q)))
			goto out;
		if (!frac && d[i] != floor(d[i])) {
			rc = adac_error_set(c->err, ADAC_E_INPUT, q,
			    "delay length %.17g is not a whole number of "
			    "samples", d[i]);
			goto out;
		}
	}
	if ((rc = check_channels(c, v, ptr, (int)n, (int)n)))
		goto out;
	out->node = adac_build_delay(d, (int)n);
	out->n_in = out->n_out = (int)n;
	rc = out->node != NULL ? meta_interp(c, v, ptr, out->node) :
	     nomem(c, ptr);
	if (rc != ADAC_OK) {
		json_decref(out->node);
		out->node = NULL;
	}
out:
	free(d);
	return rc;
}

/* params.matrix: an array of rows of equal length */
static int
read_matrix(struct ctx *c, const json_t *m, const char *ptr, double **out,
	    int *rows, int *cols)
{
	char p[ADAC_POINTER_MAX];
	double *data = NULL, *row;
	long r, len, n_cols = -1;
	size_t i;
	int rc;

	if (!json_is_array(m) || json_array_size(m) == 0)
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
		    "expected an array of rows, got %s",
		    json_is_array(m) ? "an empty array" : adac_json_type_name(m));
	r = (long)json_array_size(m);
	if (r > ADAC_MAX_CHANNELS)
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
		    "%ld rows is more than the limit of %d", r,
		    ADAC_MAX_CHANNELS);
	for (i = 0; i < (size_t)r; i++) {
		adac_ptr_index(p, ptr, i);
		rc = adac_json_numbers(json_array_get(m, i), p, n_cols,
				       ADAC_MAX_CHANNELS, &row, &len, c->err);
		if (rc != ADAC_OK) {
			free(data);
			return rc;
		}
		if (data == NULL) {
			n_cols = len;
			data = malloc((size_t)r * n_cols * sizeof *data);
			if (data == NULL) {
				free(row);
				return nomem(c, ptr);
			}
		}
		memcpy(data + i * n_cols, row, (size_t)n_cols * sizeof *row);
		free(row);
	}
	*out = data;
	*rows = (int)r;
	*cols = (int)n_cols;
	return ADAC_OK;
}

static double
max_abs(const double *x, long n)
{
	double m = 0;
	long i;

	for (i = 0; i < n; i++)
		if (fabs(x[i]) > m)
			m = fabs(x[i]);
	return m;
}

/* The error for a marked matrix whose data is not its structure. */
static int
marked_mismatch(struct ctx *c, const char *ptr, const double *data,
		const double *want, int n, const char *what)
{
	char p[ADAC_POINTER_MAX], a[32], b[32];
	long i, worst = 0;

	for (i = 0; i < (long)n * n; i++)
		if (fabs(data[i] - want[i]) > fabs(data[worst] - want[worst]))
			worst = i;
	adac_ptr_index(p, ptr, (size_t)(worst / n));
	adac_ptr_index(p, p, (size_t)(worst % n));
	return adac_error_set(c->err, ADAC_E_INPUT, p,
	    "params.matrix is not %s: entry [%ld][%ld] is %s, the structure "
	    "gives %s", what, worst / n, worst % n,
	    adac_fmt_double(a, data[worst]), adac_fmt_double(b, want[worst]));
}

/*
 * A matrix marked as structured: exact to ADAC_STRUCTURE_TOL keeps the
 * data; within ADAC_LOWER_SNAP_TOL (float32 noise) the data becomes the
 * exact structured matrix, recorded in the node's note.
 */
static int
settle_marked(struct ctx *c, const char *ptr, double *data, int n,
	      const struct adac_structure *s, json_t *rec, const char *what)
{
	double *m = malloc((size_t)n * n * sizeof *m), dev = 0;
	long i;
	int rc = ADAC_OK;

	if (m == NULL)
		return nomem(c, ptr);
	adac_structure_matrix(s, n, n, m);
	for (i = 0; i < (long)n * n; i++)
		if (fabs(data[i] - m[i]) > dev)
			dev = fabs(data[i] - m[i]);
	if (dev > ADAC_LOWER_SNAP_TOL * max_abs(m, (long)n * n)) {
		rc = marked_mismatch(c, ptr, data, m, n, what);
	} else if (dev > ADAC_STRUCTURE_TOL) {
		memcpy(data, m, (size_t)n * n * sizeof *m);
		note(rec, "data replaced by the exact structured matrix "
		     "(largest change %s, float32 rounding)", dev);
	}
	free(m);
	return rc;
}

static int
is_power_of_two(int n)
{
	return n > 0 && (n & (n - 1)) == 0;
}

/*
 * Gain, Matrix, HouseholderMatrix: params.matrix is FLAMO's effective
 * matrix map(param) (rows = outputs, columns = inputs, as Gain's einsum
 * "mn,bfn->bfm"); params.gains a diagonal.
 */
static int
lower_matrix(struct ctx *c, const json_t *v, const char *ptr,
	     const char *mtype, json_t *rec, struct low *out)
{
	char p[ADAC_POINTER_MAX], num[32];
	const json_t *params, *flamo, *mv, *gv;
	const char *matrix_type = NULL;
	struct adac_structure s;
	struct adac_error e;
	double *data = NULL, *u = NULL, uu = 0, dev;
	int rc, rows = 0, cols = 0, i, j, have_raw, claimed = 0;
	long n;

	memset(&s, 0, sizeof s);
	s.kind = ADAC_STRUCT_NONE;
	if ((rc = get_params(c, v, ptr, &params)))
		return rc;
	flamo = json_object_get(v, "flamo");
	have_raw = json_is_object(flamo) &&
		   json_object_get(flamo, "param_raw") != NULL;
	if (json_is_object(flamo)) {
		adac_ptr_key(p, ptr, "flamo");
		if ((rc = opt_string(c, flamo, "matrix_type", p, NULL,
				     &matrix_type)))
			return rc;
	}
	mv = json_object_get(params, "matrix");
	gv = json_object_get(params, "gains");
	if (mv == NULL && gv != NULL) {
		ptr2(p, ptr, "params", "gains");
		rc = adac_json_numbers(gv, p, -1, ADAC_MAX_CHANNELS, &data, &n,
				       c->err);
		if (rc != ADAC_OK)
			return rc;
		if ((rc = check_channels(c, v, ptr, (int)n, (int)n)) == ADAC_OK) {
			out->node = adac_build_gain(data, (int)n);
			out->n_in = out->n_out = (int)n;
			rc = out->node != NULL ?
			     meta_structure(c, v, ptr, out->node) :
			     nomem(c, ptr);
			if (rc != ADAC_OK) {
				json_decref(out->node);
				out->node = NULL;
			}
		}
		free(data);
		return rc;
	}
	if (mv == NULL) {
		ptr2(p, ptr, "params", "matrix");
		return adac_error_set(c->err, ADAC_E_INPUT, p,
		    "module type '%s' needs params.matrix or params.gains",
		    mtype);
	}
	ptr2(p, ptr, "params", "matrix");
	if ((rc = read_matrix(c, mv, p, &data, &rows, &cols)))
		return rc;
	if (strcmp(mtype, "HouseholderMatrix") == 0) {
		if (cols == 1 && rows > 1) {
			/* legacy configs stored FLAMO's raw vector u here */
			u = data;
			data = malloc((size_t)rows * rows * sizeof *data);
			for (i = 0; i < rows; i++)
				uu += u[i] * u[i];
			if (data == NULL) {
				rc = nomem(c, ptr);
				goto out;
			}
			if (!(uu > 0)) {
				rc = adac_error_set(c->err, ADAC_E_INPUT, p,
				    "householder vector u is zero");
				goto out;
			}
			for (i = 0; i < rows; i++)
				for (j = 0; j < rows; j++)
					data[i * rows + j] = (i == j) -
					    2 * u[i] * u[j] / uu;
			/* |u|² overflows for entries near 1e154 */
			if (!isfinite(uu)) {
				rc = adac_error_set(c->err, ADAC_E_INPUT, p,
				    "householder vector u is too large: u'u "
				    "overflows");
				goto out;
			}
			cols = rows;
			note(rec, "params.matrix held the raw vector u; the matrix "
			     "is I - 2uu'/u'u (scale %s)", 1);
		}
		if (rows != cols) {
			rc = adac_error_set(c->err, ADAC_E_INPUT, p,
			    "a HouseholderMatrix must be square, this one is "
			    "%d × %d", rows, cols);
			goto out;
		}
		rc = adac_detect_fit(data, rows, cols, ADAC_STRUCT_HOUSEHOLDER,
				     &s, &e);
		if (rc == ADAC_E_NOMEM)
			goto out;
		if (rc != ADAC_OK) {
			rc = adac_error_set(c->err, ADAC_E_INPUT, p,
			    "params.matrix of a HouseholderMatrix is not a "
			    "householder reflection");
			goto out;
		}
		rc = settle_marked(c, p, data, rows, &s, rec,
				   "a householder reflection");
		if (rc != ADAC_OK)
			goto out;
		claimed = 1;
	} else if (matrix_type != NULL && strcmp(matrix_type, "hadamard") == 0) {
		/* FLAMO's hadamard map ignores param: H_N/sqrt(N), Sylvester */
		if (rows != cols || !is_power_of_two(rows)) {
			ptr2(p, ptr, "flamo", "matrix_type");
			rc = adac_error_set(c->err, ADAC_E_INPUT, p,
			    "matrix_type 'hadamard' needs a square matrix of "
			    "power-of-two size, got %d × %d", rows, cols);
			goto out;
		}
		s.kind = ADAC_STRUCT_HADAMARD;
		s.scale = 1.0 / sqrt(rows);
		if (have_raw) {
			rc = settle_marked(c, p, data, rows, &s, rec,
			    "the sylvester hadamard matrix that flamo "
			    "matrix_type 'hadamard' makes");
			if (rc != ADAC_OK)
				goto out;
		} else {
			adac_structure_matrix(&s, rows, cols, data);
			note(rec, "matrix is H/sqrt(N) (flamo matrix_type "
			     "'hadamard' ignores its parameter; scale %s)",
			     s.scale);
		}
		claimed = 1;
	} else if (matrix_type != NULL && !have_raw &&
		   (strcmp(matrix_type, "orthogonal") == 0 ||
		    strcmp(matrix_type, "rotation") == 0)) {
		/* without param_raw, is params.matrix mapped or raw? */
		dev = 0;
		for (i = 0; i < cols && rows == cols; i++)
			for (j = 0; j < cols; j++) {
				double x = -(double)(i == j);
				long k;
				for (k = 0; k < rows; k++)
					x += data[k * cols + i] *
					     data[k * cols + j];
				if (fabs(x) > dev)
					dev = fabs(x);
			}
		if (rows != cols || dev > ADAC_LOWER_SNAP_TOL) {
			rc = adac_error_set(c->err, ADAC_E_INPUT, p,
			    "flamo matrix_type '%s' but params.matrix is not "
			    "orthogonal (|A'A - I| = %s): it holds the raw "
			    "parameter, not the mapped matrix", matrix_type,
			    adac_fmt_double(num, dev));
			goto out;
		}
	}
	rc = check_channels(c, v, ptr, cols, rows);
	if (rc != ADAC_OK)
		goto out;
	out->node = adac_build_matrix(data, rows, cols, claimed ? &s : NULL);
	out->n_in = cols;
	out->n_out = rows;
	rc = out->node != NULL ? meta_structure(c, v, ptr, out->node) :
	     nomem(c, ptr);
	if (rc != ADAC_OK) {
		json_decref(out->node);
		out->node = NULL;
	}
out:
	adac_structure_free(&s);
	free(data);
	free(u);
	return rc;
}

static int
lower_parallel_gain(struct ctx *c, const json_t *v, const char *ptr,
		    struct low *out)
{
	char p[ADAC_POINTER_MAX];
	const json_t *params;
	double *g;
	long n;
	int rc;

	if ((rc = get_params(c, v, ptr, &params)))
		return rc;
	ptr2(p, ptr, "params", "gains");
	rc = adac_json_numbers(json_object_get(params, "gains"), p, -1,
			       ADAC_MAX_CHANNELS, &g, &n, c->err);
	if (rc != ADAC_OK)
		return rc;
	if ((rc = check_channels(c, v, ptr, (int)n, (int)n)) == ADAC_OK) {
		out->node = adac_build_gain(g, (int)n);
		out->n_in = out->n_out = (int)n;
		rc = out->node != NULL ? ADAC_OK : nomem(c, ptr);
	}
	free(g);
	return rc;
}

/* parallelSOSFilter: params.sos[section][channel] = [b0,b1,b2,a1,a2] */
static int
lower_sos_filter(struct ctx *c, const json_t *v, const char *ptr,
		 struct low *out)
{
	char p[ADAC_POINTER_MAX], q[ADAC_POINTER_MAX], r[ADAC_POINTER_MAX];
	const json_t *params, *sos, *sec;
	json_t *node, *secs, *s;
	double *x;
	long len, n_ch = -1;
	size_t i, ch;
	int rc;

	if ((rc = get_params(c, v, ptr, &params)))
		return rc;
	ptr2(p, ptr, "params", "sos");
	sos = json_object_get(params, "sos");
	if (sos == NULL)
		return adac_error_set(c->err, ADAC_E_INPUT, p,
		    "missing array of sections%s",
		    json_object_get(params, "raw") ? " (FLAMO's raw "
		    "parameter is not lowered: export the normalised sos)" : "");
	if (!json_is_array(sos) || json_array_size(sos) == 0)
		return adac_error_set(c->err, ADAC_E_INPUT, p,
		    "expected an array of sections, got %s",
		    json_is_array(sos) ? "an empty array" : adac_json_type_name(sos));
	if (json_array_size(sos) > ADAC_MAX_SECTIONS)
		return adac_error_set(c->err, ADAC_E_INPUT, p,
		    "%zu sections is more than the limit of %d",
		    json_array_size(sos), ADAC_MAX_SECTIONS);
	node = adac_build_op("sos");
	secs = json_array();
	if (node == NULL || secs == NULL) {
		json_decref(node);
		json_decref(secs);
		return nomem(c, ptr);
	}
	json_object_set_new(node, "sections", secs);
	for (i = 0; i < json_array_size(sos); i++) {
		sec = json_array_get(sos, i);
		adac_ptr_index(q, p, i);
		rc = ADAC_OK;
		if (!json_is_array(sec))
			rc = adac_error_set(c->err, ADAC_E_INPUT, q,
			    "expected an array of channels, got %s",
			    adac_json_type_name(sec));
		else if (json_array_size(sec) == 0)
			rc = adac_error_set(c->err, ADAC_E_INPUT, q,
			    "expected at least one channel");
		else if (n_ch >= 0 && json_array_size(sec) != (size_t)n_ch)
			rc = adac_error_set(c->err, ADAC_E_INPUT, q,
			    "channel mismatch: section 0 has %ld channels, "
			    "this one %zu", n_ch, json_array_size(sec));
		if (rc != ADAC_OK) {
			json_decref(node);
			return rc;
		}
		n_ch = (long)json_array_size(sec);
		s = json_array();
		json_array_append_new(secs, s);
		for (ch = 0; ch < (size_t)n_ch; ch++) {
			adac_ptr_index(r, q, ch);
			rc = adac_json_numbers(json_array_get(sec, ch), r, 5, 5,
					       &x, &len, c->err);
			if (rc != ADAC_OK) {
				json_decref(node);
				return rc;
			}
			json_array_append_new(s, adac_build_reals(x, 5));
			free(x);
		}
	}
	if ((rc = check_channels(c, v, ptr, (int)n_ch, (int)n_ch))) {
		json_decref(node);
		return rc;
	}
	out->node = node;
	out->n_in = out->n_out = (int)n_ch;
	return ADAC_OK;
}

/* 0 < f < fs/2, the range every design formula needs */
static int
check_freq(struct ctx *c, const json_t *params, const char *ptr,
	   const char *key, double f)
{
	char p[ADAC_POINTER_MAX], a[32], b[32];

	if (f > 0 && f < c->fs / 2)
		return ADAC_OK;
	if (json_object_get(params, key) != NULL)
		adac_ptr_key(p, ptr, key);
	else
		snprintf(p, sizeof p, "%s", ptr);
	return adac_error_set(c->err, ADAC_E_INPUT, p,
	    "frequency %s Hz is not between 0 and the Nyquist frequency %s Hz",
	    adac_fmt_double(a, f), adac_fmt_double(b, c->fs / 2));
}

static int
check_positive(struct ctx *c, const json_t *params, const char *ptr,
	       const char *key, double x)
{
	char p[ADAC_POINTER_MAX], a[32];

	if (x > 0)
		return ADAC_OK;
	adac_ptr_key(p, ptr, key);
	return adac_error_set(c->err, ADAC_E_INPUT,
	    json_object_get(params, key) ? p : ptr, "%s %s is not positive",
	    key, adac_fmt_double(a, x));
}

/*
 * Parameters in range can still make a design overflow a double (a gain
 * of 10000 dB, a corner at 1e-300 Hz): refuse them at the parameters
 * instead of writing a coefficient that JSON cannot hold.
 */
static int
check_design(struct ctx *c, const char *ptr, const double (*sec)[5], int k)
{
	static const char *const name[5] = {"b0", "b1", "b2", "a1", "a2"};
	int s, j;

	for (s = 0; s < k; s++)
		for (j = 0; j < 5; j++)
			if (!isfinite(sec[s][j]))
				return adac_error_set(c->err, ADAC_E_INPUT, ptr,
				    "these parameters make section %d's %s %s, "
				    "not a finite number", s, name[j],
				    isnan(sec[s][j]) ? "NaN" :
				    sec[s][j] > 0 ? "Infinity" : "-Infinity");
	return ADAC_OK;
}

/*
 * The single-channel filters of json_to_faust, with its defaults, applied
 * alike to each of n channels.  Builds sos sections (or, for
 * allpassComb, a small delay network).
 */
static int
lower_filter(struct ctx *c, const char *mtype, const json_t *params,
	     const char *ptr, int n, json_t **node)
{
	char pp[ADAC_POINTER_MAX];
	double sec[2 * ADAC_MAX_SECTIONS][5], fc, q, fl, fh, g, bw, x;
	const char *mode;
	long order, delay;
	int k = 0, rc;

	adac_ptr_key(pp, ptr, "params");
	if (strcmp(mtype, "Biquad") == 0) {
		const json_t *cv = json_object_get(params, "coeffs");
		if (cv != NULL) {
			double *b;
			long len;
			adac_ptr_key(pp, pp, "coeffs");
			rc = adac_json_numbers(cv, pp, 5, 5, &b, &len, c->err);
			if (rc != ADAC_OK)
				return rc;
			memcpy(sec[0], b, sizeof sec[0]);
			free(b);
		} else if ((rc = opt_number(c, params, "b0", pp, 1, &sec[0][0])) ||
			   (rc = opt_number(c, params, "b1", pp, 0, &sec[0][1])) ||
			   (rc = opt_number(c, params, "b2", pp, 0, &sec[0][2])) ||
			   (rc = opt_number(c, params, "a1", pp, 0, &sec[0][3])) ||
			   (rc = opt_number(c, params, "a2", pp, 0, &sec[0][4]))) {
			return rc;
		}
		k = 1;
	} else if (strcmp(mtype, "SVF") == 0) {
		static const struct { const char *name; double n2, n1, n0; }
		modes[] = {
			{"lowpass", 0, 0, 1}, {"bandpass", 0, 1, 0},
			{"highpass", 1, 0, 0}, {"notch", 1, 0, 1},
			{"allpass", 1, 0, 1},
		};
		size_t m;
		if ((rc = opt_number(c, params, "fc", pp, 1000, &fc)) ||
		    (rc = opt_number(c, params, "q", pp, 0.707, &q)) ||
		    (rc = opt_string(c, params, "mode", pp, "lowpass", &mode)) ||
		    (rc = check_freq(c, params, pp, "fc", fc)) ||
		    (rc = check_positive(c, params, pp, "q", q)))
			return rc;
		for (m = 0; m < sizeof modes / sizeof modes[0]; m++)
			if (strcmp(mode, modes[m].name) == 0)
				break;
		if (m == sizeof modes / sizeof modes[0]) {
			adac_ptr_key(pp, pp, "mode");
			return adac_error_set(c->err, ADAC_E_INPUT, pp,
			    "unknown SVF mode '%s'; expected lowpass, highpass, "
			    "bandpass, notch or allpass", mode);
		}
		/* svf.ap mixes x − 2k·bp: n1 = −k */
		svf(modes[m].n2, strcmp(mode, "allpass") == 0 ? -1.0 / q :
		    modes[m].n1, modes[m].n0, fc, q, c->fs, sec[0]);
		k = 1;
	} else if (strcmp(mtype, "lowpass") == 0 ||
		   strcmp(mtype, "highpass") == 0) {
		if ((rc = opt_whole(c, params, "order", pp, 2, 0,
				    2 * ADAC_MAX_SECTIONS - 1, &order)) ||
		    (rc = opt_number(c, params, "fc", pp, 1000, &fc)) ||
		    (rc = check_freq(c, params, pp, "fc", fc)))
			return rc;
		k = butterworth(mtype[0] == 'h', (int)order, fc, c->fs, sec);
	} else if (strcmp(mtype, "bandpass") == 0) {
		if ((rc = opt_whole(c, params, "order", pp, 2, 0,
				    ADAC_MAX_SECTIONS - 1, &order)) ||
		    (rc = opt_number(c, params, "fl", pp, 100, &fl)) ||
		    (rc = opt_number(c, params, "fh", pp, 1000, &fh)) ||
		    (rc = check_freq(c, params, pp, "fl", fl)) ||
		    (rc = check_freq(c, params, pp, "fh", fh)))
			return rc;
		if (!(fl < fh)) {
			adac_ptr_key(pp, pp, "fh");
			return adac_error_set(c->err, ADAC_E_INPUT, pp,
			    "upper edge %g Hz is not above the lower edge %g Hz",
			    fh, fl);
		}
		k = bandpass((int)order, fl, fh, c->fs, sec);
	} else if (strcmp(mtype, "PEQ") == 0 || strcmp(mtype, "peakEQ") == 0) {
		if ((rc = opt_number(c, params, "gain_db", pp, 0, &g)) ||
		    (rc = opt_number(c, params, "fc", pp, 1000, &fc)) ||
		    (rc = opt_number(c, params, "bandwidth", pp, 100, &bw)) ||
		    (rc = check_freq(c, params, pp, "fc", fc)) ||
		    (rc = check_positive(c, params, pp, "bandwidth", bw)))
			return rc;
		peak_eq(g, fc, bw, c->fs, sec[0]);
		k = 1;
	} else if (strcmp(mtype, "dcBlocker") == 0) {
		/* fi.dcblocker = zero(1) : pole(0.995) */
		double s[5] = {1, -1, 0, -0.995, 0};
		memcpy(sec[0], s, sizeof s);
		k = 1;
	} else if (strcmp(mtype, "onePole") == 0) {
		/* fi.pole(p): y[n] = x[n] + p·y[n−1] */
		if ((rc = opt_number(c, params, "pole", pp, 0.9, &x)))
			return rc;
		sec[0][0] = 1;
		sec[0][1] = sec[0][2] = sec[0][4] = 0;
		sec[0][3] = -x;
		k = 1;
	} else if (strcmp(mtype, "allpassComb") == 0) {
		/*
		 * fi.allpass_comb(maxdel,N,a) = (+ <: de.delay(maxdel,N-1),*(a))
		 * ~ *(-a) : mem,_ : +, that is w[n] = x[n] − a·w[n−N],
		 * y[n] = a·w[n] + w[n−N]: a feedback loop of N samples and a
		 * split-sum of a gain and the same delay.
		 */
		json_t *loop, *fwd, *back, *mix;
		if ((rc = opt_whole(c, params, "delay", pp, 100, 1,
				    ADAC_MAX_DELAY_SAMPLES, &delay)) ||
		    (rc = opt_number(c, params, "feedback", pp, 0.5, &x)))
			return rc;
		fwd = const_node(adac_build_gain, 1, n);
		back = adac_build_pair("series",
		    const_node(adac_build_delay, (double)delay, n),
		    const_node(adac_build_gain, -x, n));
		loop = adac_build_op("feedback");
		if (loop != NULL && fwd != NULL && back != NULL) {
			json_object_set_new(loop, "forward", fwd);
			json_object_set_new(loop, "back", back);
		} else {
			json_decref(fwd);
			json_decref(back);
			json_decref(loop);
			loop = NULL;
		}
		mix = adac_build_pair("parallel", const_node(adac_build_gain, x, n),
		    const_node(adac_build_delay, (double)delay, n));
		*node = adac_build_pair("series", loop, mix);
		return *node != NULL ? ADAC_OK : nomem(c, ptr);
	} else {
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
				      "unsupported module type '%s'", mtype);
	}
	if ((rc = check_design(c, pp, sec, k)) != ADAC_OK)
		return rc;
	/* fi.lowpass(0, fc) and the like are wires */
	*node = k == 0 ? const_node(adac_build_gain, 1, n) :
	    adac_build_sos(&sec[0][0], k, n, 5, 0);
	return *node != NULL ? ADAC_OK : nomem(c, ptr);
}

static int
is_filter_type(const char *t)
{
	static const char *const names[] = {
		"Biquad", "SVF", "lowpass", "highpass", "bandpass", "PEQ",
		"peakEQ", "allpassComb", "dcBlocker", "onePole", NULL,
	};
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(t, names[i]) == 0)
			return 1;
	return 0;
}

/*
 * parallelFilter.  With params.filter_type (json_to_faust's form) the
 * named filter on each of output_channels channels.  With only FLAMO's
 * params.raw, taps × channels FIR impulse responses (Filter: H(z) =
 * Σ_k h[k]·z^-k): a split-sum of delay k · gain h[k] per tap.
 */
static int
lower_parallel_filter(struct ctx *c, const json_t *v, const char *ptr,
		      struct low *out)
{
	char p[ADAC_POINTER_MAX];
	const json_t *params, *raw;
	const char *ft;
	double *h = NULL, *col;
	json_t *par = NULL, *br;
	int rc, n, taps, k, j, nz;

	if ((rc = get_params(c, v, ptr, &params)))
		return rc;
	raw = json_object_get(params, "raw");
	if (raw != NULL && json_object_get(params, "filter_type") == NULL) {
		ptr2(p, ptr, "params", "raw");
		if ((rc = read_matrix(c, raw, p, &h, &taps, &n)))
			return rc;
		if ((rc = check_channels(c, v, ptr, n, n)))
			goto out;
		par = adac_build_op("parallel");
		if (par == NULL || (col = malloc((size_t)n * sizeof *col)) == NULL) {
			rc = nomem(c, ptr);
			goto out;
		}
		json_object_set_new(par, "in", json_string("split"));
		json_object_set_new(par, "out", json_string("sum"));
		json_object_set_new(par, "of", json_array());
		for (k = 0; k < taps; k++) {
			for (j = 0, nz = 0; j < n; j++)
				nz |= (col[j] = h[k * n + j]) != 0;
			if (!nz && !(k == taps - 1 &&
			    json_array_size(json_object_get(par, "of")) == 0))
				continue;
			br = adac_build_gain(col, n);
			if (k > 0)
				br = adac_build_pair("series",
				    const_node(adac_build_delay, k, n), br);
			if (br == NULL) {
				free(col);
				rc = nomem(c, ptr);
				goto out;
			}
			json_array_append_new(json_object_get(par, "of"), br);
		}
		free(col);
		out->node = par;
		par = NULL;
		out->n_in = out->n_out = n;
		rc = ADAC_OK;
		goto out;
	}
	adac_ptr_key(p, ptr, "params");
	if ((rc = opt_string(c, params, "filter_type", p, "lowpass", &ft)))
		return rc;
	if (!is_filter_type(ft)) {
		adac_ptr_key(p, p, "filter_type");
		return adac_error_set(c->err, ADAC_E_INPUT, p,
		    "parallelFilter filter_type '%s' is not a filter", ft);
	}
	if ((rc = filter_channels(c, v, ptr, &n)))
		return rc;
	if ((rc = lower_filter(c, ft, params, ptr, n, &out->node)))
		return rc;
	out->n_in = out->n_out = n;
out:
	json_decref(par);
	free(h);
	return rc;
}

/*
 * Is this leaf FLAMO's own form of a filter module, params.raw with the
 * module's "flamo" metadata (flamo.h)?  Biquad, SVF and PEQ also have
 * json_to_faust's forms (coefficients, fc/q/mode, gain_db/fc/bandwidth);
 * a leaf that gives both is ambiguous.  1 yes, 0 no, -1 with c->err set.
 */
static int
is_flamo_form(struct ctx *c, const json_t *v, const char *ptr, const char *mt)
{
	static const char *const faust_keys[] = {"coeffs", "b0", "b1", "b2",
	    "a1", "a2", "fc", "q", "mode", "gain_db", "bandwidth", NULL};
	const json_t *params = json_object_get(v, "params");
	char p[ADAC_POINTER_MAX];
	int i, shared = strcmp(mt, "Biquad") == 0 || strcmp(mt, "SVF") == 0 ||
			strcmp(mt, "PEQ") == 0;

	if (!adac_flamo_is_module(mt))
		return 0;
	if (!json_is_object(params) || json_object_get(params, "raw") == NULL)
		return !shared;
	for (i = 0; shared && faust_keys[i] != NULL; i++)
		if (json_object_get(params, faust_keys[i]) != NULL) {
			ptr2(p, ptr, "params", faust_keys[i]);
			adac_error_set(c->err, ADAC_E_INPUT, p,
			    "params has both flamo's raw param and "
			    "json_to_faust's '%s': give one", faust_keys[i]);
			return -1;
		}
	return 1;
}

/*
 * FLAMO's filter modules from their raw param: flamo.c designs the
 * sections; a parallel module (or one channel) is one sos node, an
 * M × N module sums, for each input, the M cascades it feeds.
 */
static int
lower_flamo(struct ctx *c, const json_t *v, const char *ptr, const char *mt,
	    json_t *rec, struct low *out)
{
	char p[ADAC_POINTER_MAX], q[ADAC_POINTER_MAX];
	struct adac_flamo_design d = {0};
	const json_t *params;
	json_t *node = NULL, *br;
	double *sel = NULL;
	long n_casc;
	int rc, m, n;

	if ((rc = get_params(c, v, ptr, &params)))
		return rc;
	ptr2(p, ptr, "params", "raw");
	adac_ptr_key(q, ptr, "flamo");
	if (json_object_get(params, "raw") == NULL)
		return adac_error_set(c->err, ADAC_E_INPUT, p,
		    "missing flamo's raw param of the %s", mt);
	rc = adac_flamo_design(mt, json_object_get(params, "raw"), p,
			       json_object_get(v, "flamo"), q, c->fs, &d,
			       c->err);
	if (rc != ADAC_OK)
		return rc;
	if ((rc = check_channels(c, v, ptr, d.n_in, d.n_out)))
		goto out;
	n_casc = d.parallel ? d.n_in : (long)d.n_out * d.n_in;
	if (d.parallel || n_casc == 1) {
		node = adac_build_sos(d.sos, d.n_sections, (int)n_casc,
				      (size_t)n_casc * 5, 5);
	} else {
		sel = calloc((size_t)d.n_out * d.n_in, sizeof *sel);
		node = d.n_in > 1 ? adac_build_list("parallel") : NULL;
		if (sel == NULL || (d.n_in > 1 && node == NULL)) {
			rc = nomem(c, ptr);
			goto out;
		}
		if (node != NULL) {
			json_object_set_new(node, "in", json_string("split"));
			json_object_set_new(node, "out", json_string("sum"));
		}
		for (n = 0; n < d.n_in; n++) {
			/* input n to each of the M outputs, then H[m][n] */
			for (m = 0; m < d.n_out; m++) {
				if (n > 0)
					sel[m * d.n_in + n - 1] = 0;
				sel[m * d.n_in + n] = 1;
			}
			br = adac_build_pair("series",
			    adac_build_matrix(sel, d.n_out, d.n_in, NULL),
			    adac_build_sos(d.sos + n * 5, d.n_sections, d.n_out,
					   (size_t)n_casc * 5,
					   (size_t)d.n_in * 5));
			if (br == NULL) {
				rc = nomem(c, ptr);
				goto out;
			}
			if (node == NULL)
				node = br;
			else
				adac_build_append(node, br);
		}
	}
	if (node == NULL) {
		rc = nomem(c, ptr);
		goto out;
	}
	if (rec != NULL)
		json_object_set_new(rec, "note", json_string(
		    "sections designed from flamo's raw param by the module's "
		    "default map, in double"));
	out->node = node;
	node = NULL;
	out->n_in = d.n_in;
	out->n_out = d.n_out;
out:
	json_decref(node);
	free(sel);
	adac_flamo_design_free(&d);
	return rc;
}

static int
lower_leaf(struct ctx *c, const json_t *v, const char *ptr, json_t *rec,
	   struct low *out)
{
	char p[ADAC_POINTER_MAX];
	const char *mt;
	int rc, n;

	adac_ptr_key(p, ptr, "module_type");
	rc = adac_json_string(json_object_get(v, "module_type"), p, &mt, c->err);
	if (rc != ADAC_OK)
		return rc;
	if ((rc = is_flamo_form(c, v, ptr, mt)) < 0)
		return c->err->code;
	if (rc == 1)
		return lower_flamo(c, v, ptr, mt, rec, out);
	if (strcmp(mt, "parallelDelay") == 0)
		return lower_parallel_delay(c, v, ptr, rec, out);
	if (strcmp(mt, "Delay") == 0 || strcmp(mt, "variableDelay") == 0 ||
	    strcmp(mt, "fractionalDelay") == 0)
		return lower_plain_delay(c, v, ptr, mt[0] == 'f', out);
	if (strcmp(mt, "Gain") == 0 || strcmp(mt, "Matrix") == 0 ||
	    strcmp(mt, "HouseholderMatrix") == 0)
		return lower_matrix(c, v, ptr, mt, rec, out);
	if (strcmp(mt, "parallelGain") == 0)
		return lower_parallel_gain(c, v, ptr, out);
	if (strcmp(mt, "parallelSOSFilter") == 0)
		return lower_sos_filter(c, v, ptr, out);
	if (strcmp(mt, "parallelFilter") == 0)
		return lower_parallel_filter(c, v, ptr, out);
	if (!is_filter_type(mt))
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "unsupported module type '%s'", mt);
	if ((rc = filter_channels(c, v, ptr, &n)))
		return rc;
	if ((rc = get_params(c, v, ptr, &v)))
		return rc;
	out->n_in = out->n_out = n;
	return lower_filter(c, mt, v, ptr, n, &out->node);
}

/* --- composites ---------------------------------------------------------- */

static int lower_node(struct ctx *c, const json_t *v, const char *in_ptr,
		      const char *out_ptr, int depth, struct low *out);

static const char *
label(const json_t *v, char buf[80], const char *ptr)
{
	const char *name = json_string_value(json_object_get(v, "name"));

	if (name != NULL)
		snprintf(buf, 80, "'%.64s'", name);
	else
		snprintf(buf, 80, "%.78s", ptr);
	return buf;
}

static int
children(struct ctx *c, const json_t *v, const char *ptr, const char *type,
	 const json_t **kids)
{
	char p[ADAC_POINTER_MAX];

	adac_ptr_key(p, ptr, "children");
	*kids = json_object_get(v, "children");
	if (*kids == NULL)
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "missing array of children");
	if (!json_is_array(*kids))
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "expected an array of children, got %s",
				      adac_json_type_name(*kids));
	if (json_array_size(*kids) == 0)
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "a %s needs at least one child", type);
	return ADAC_OK;
}

/*
 * Is kid (at ptr), the last branch of a Parallel with sum_output sum, a
 * Parallel that holds the rest of its branches ("adac": {"continues":
 * true}, as adac-ir export writes a parallel of more than two branches)?
 * 1 yes, 0 no, -1 with c->err set when it says so but cannot be.
 */
static int
continues(struct ctx *c, const json_t *kid, const char *ptr, int sum)
{
	static const char *const keys[] = {"continues", NULL};
	char p[ADAC_POINTER_MAX];
	const json_t *meta, *x;
	const char *type = "Leaf";
	int ksum = 0;

	if (!json_is_object(kid) ||
	    opt_string(c, kid, "type", ptr, "Leaf", &type) != ADAC_OK)
		return 0;	/* lower_node reports it */
	if (strcmp(type, "Parallel") != 0)
		return 0;
	if (adac_meta(c, kid, ptr, keys, "a Parallel", &meta) != ADAC_OK)
		return -1;
	if (meta == NULL || (x = json_object_get(meta, "continues")) == NULL)
		return 0;
	adac_ptr_key(p, ptr, "adac");
	adac_ptr_key(p, p, "continues");
	if (!json_is_true(x)) {
		adac_error_set(c->err, ADAC_E_INPUT, p, "expected true");
		return -1;
	}
	if (opt_bool(c, kid, "sum_output", ptr, 0, &ksum) != ADAC_OK)
		return -1;
	if (ksum != sum || json_object_get(kid, "name") != NULL) {
		adac_error_set(c->err, ADAC_E_INPUT, p,
		    "a Parallel that continues its parent's branches has its "
		    "sum_output and no name of its own");
		return -1;
	}
	return 1;
}

static int
lower_composite(struct ctx *c, const json_t *v, const char *in_ptr,
		const char *out_ptr, int depth, const char *type,
		struct low *out)
{
	char p[ADAC_POINTER_MAX], q[ADAC_POINTER_MAX], a[80], b[80];
	char base[ADAC_POINTER_MAX];
	const json_t *kids, *list, *prev = NULL;
	json_t *node = NULL, *of;
	struct low k;
	size_t i, j;
	int rc, sum = 0, par = strcmp(type, "Parallel") == 0;

	if ((rc = children(c, v, in_ptr, type, &kids)))
		return rc;
	list = kids;
	if (par && (rc = opt_bool(c, v, "sum_output", in_ptr, 0, &sum)))
		return rc;
	node = adac_build_op(par ? "parallel" : "series");
	of = json_array();
	if (node == NULL || of == NULL) {
		json_decref(of);
		rc = nomem(c, in_ptr);
		goto out;
	}
	json_object_set_new(node, "of", of);
	if (par) {
		/* FLAMO's Parallel gives both branches the same input */
		json_object_set_new(node, "in", json_string("split"));
		json_object_set_new(node, "out",
				    json_string(sum ? "sum" : "stack"));
	}
	out->n_out = 0;
	snprintf(base, sizeof base, "%s", in_ptr);
	for (i = 0, j = 0; j < json_array_size(list); i++, j++) {
		const json_t *kid = json_array_get(list, j);
		adac_ptr_key(p, base, "children");
		adac_ptr_index(p, p, j);
		/* FLAMO's Parallel takes two branches: more are a chain */
		if (par && j > 0 && j + 1 == json_array_size(list)) {
			if ((rc = continues(c, kid, p, sum)) < 0) {
				rc = c->err->code;
				goto out;
			}
			if (rc == 1) {
				if ((rc = children(c, kid, p, type, &list)))
					goto out;
				snprintf(base, sizeof base, "%s", p);
				j = (size_t)-1;
				i--;
				continue;
			}
		}
		adac_ptr_key(q, out_ptr, "of");
		adac_ptr_index(q, q, i);
		if ((rc = lower_node(c, kid, p, q, depth + 1, &k)))
			goto out;
		json_array_append_new(of, k.node);
		if (i == 0) {
			out->n_in = k.n_in;
			out->n_out = par && !sum ? 0 : k.n_out;
		} else if (!par && k.n_in != out->n_out) {
			rc = adac_error_set(c->err, ADAC_E_INPUT, p,
			    "channel mismatch: %s takes %d channels but %s gives "
			    "%d", label(kid, a, p), k.n_in,
			    label(prev, b, "the previous child"), out->n_out);
			goto out;
		} else if (par && k.n_in != out->n_in) {
			rc = adac_error_set(c->err, ADAC_E_INPUT, p,
			    "channel mismatch: branch %s takes %d channels but "
			    "the first branch takes %d", label(kid, a, p),
			    k.n_in, out->n_in);
			goto out;
		} else if (par && sum && k.n_out != out->n_out) {
			rc = adac_error_set(c->err, ADAC_E_INPUT, p,
			    "channel mismatch: branch %s gives %d channels but "
			    "sum_output adds them to the first branch's %d",
			    label(kid, a, p), k.n_out, out->n_out);
			goto out;
		}
		if (!par)
			out->n_out = k.n_out;
		else if (!sum)
			out->n_out += k.n_out;
		prev = kid;
	}
	if (out->n_out > ADAC_MAX_CHANNELS) {
		adac_ptr_key(p, in_ptr, "children");
		rc = adac_error_set(c->err, ADAC_E_INPUT, p,
				    "%d channels is more than the limit of %d",
				    out->n_out, ADAC_MAX_CHANNELS);
		goto out;
	}
	out->node = node;
	node = NULL;
out:
	json_decref(node);
	return rc;
}

/* Recursion: y = fF(x + fB(y)), the IR's feedback exactly */
static int
lower_recursion(struct ctx *c, const json_t *v, const char *in_ptr,
		const char *out_ptr, int depth, struct low *out)
{
	char p[ADAC_POINTER_MAX], q[ADAC_POINTER_MAX];
	struct low f = {0}, b = {0};
	json_t *node;
	int rc;

	adac_ptr_key(p, in_ptr, "fF");
	adac_ptr_key(q, out_ptr, "forward");
	if (json_object_get(v, "fF") == NULL ||
	    json_is_null(json_object_get(v, "fF")))
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "a Recursion needs a forward path fF");
	if ((rc = lower_node(c, json_object_get(v, "fF"), p, q, depth + 1, &f)))
		return rc;
	adac_ptr_key(p, in_ptr, "fB");
	adac_ptr_key(q, out_ptr, "back");
	if (json_object_get(v, "fB") == NULL ||
	    json_is_null(json_object_get(v, "fB"))) {
		json_decref(f.node);
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "a Recursion needs a feedback path fB");
	}
	if ((rc = lower_node(c, json_object_get(v, "fB"), p, q, depth + 1, &b))) {
		json_decref(f.node);
		return rc;
	}
	if (b.n_in != f.n_out || b.n_out != f.n_in) {
		json_decref(f.node);
		json_decref(b.node);
		return adac_error_set(c->err, ADAC_E_INPUT, p,
		    "channel mismatch: fB maps %d channels to %d but fF maps "
		    "%d to %d", b.n_in, b.n_out, f.n_in, f.n_out);
	}
	node = adac_build_op("feedback");
	if (node == NULL) {
		json_decref(f.node);
		json_decref(b.node);
		return nomem(c, in_ptr);
	}
	json_object_set_new(node, "forward", f.node);
	json_object_set_new(node, "back", b.node);
	out->node = node;
	out->n_in = f.n_in;
	out->n_out = f.n_out;
	return ADAC_OK;
}

static int
lower_node(struct ctx *c, const json_t *v, const char *in_ptr,
	   const char *out_ptr, int depth, struct low *out)
{
	char p[ADAC_POINTER_MAX];
	const char *type = "Leaf";
	const json_t *name;
	json_t *rec;
	int rc;

	if (!json_is_object(v))
		return adac_error_set(c->err, ADAC_E_INPUT, in_ptr,
				      "expected a config node object, got %s",
				      adac_json_type_name(v));
	if (depth > MAX_CONFIG_DEPTH)
		return adac_error_set(c->err, ADAC_E_INPUT, in_ptr,
				      "nodes nested more than %d deep",
				      MAX_CONFIG_DEPTH);
	if ((rc = opt_string(c, v, "type", in_ptr, "Leaf", &type)))
		return rc;
	rec = record(c, v, in_ptr, out_ptr, type);
	if (rec == NULL)
		return nomem(c, in_ptr);
	out->node = NULL;
	if (strcmp(type, "Shell") == 0) {
		const json_t *kids;
		/* the FFT/iFFT io layers are FLAMO's; the core is the model */
		if ((rc = children(c, v, in_ptr, type, &kids)))
			return rc;
		if (json_array_size(kids) != 1) {
			adac_ptr_key(p, in_ptr, "children");
			return adac_error_set(c->err, ADAC_E_INPUT, p,
			    "a Shell holds exactly one core, got %zu children",
			    json_array_size(kids));
		}
		ptr2(p, in_ptr, "children", "0");
		return lower_node(c, json_array_get(kids, 0), p, out_ptr,
				  depth + 1, out);
	}
	if (strcmp(type, "Series") == 0 || strcmp(type, "Parallel") == 0)
		rc = lower_composite(c, v, in_ptr, out_ptr, depth, type, out);
	else if (strcmp(type, "Recursion") == 0)
		rc = lower_recursion(c, v, in_ptr, out_ptr, depth, out);
	else if (strcmp(type, "Leaf") == 0)
		rc = lower_leaf(c, v, in_ptr, rec, out);
	else {
		adac_ptr_key(p, in_ptr, "type");
		return adac_error_set(c->err, ADAC_E_INPUT, p,
		    "unknown node type '%s'; expected Shell, Series, Parallel, "
		    "Recursion or Leaf", type);
	}
	if (rc != ADAC_OK)
		return rc;
	name = json_object_get(v, "name");
	if (json_is_string(name))
		json_object_set(out->node, "id", (json_t *)name);
	return ADAC_OK;
}

int
adac_lower_adac(const json_t *config, json_t **ir, struct adac_error *err)
{
	struct ctx c = {0};
	struct low top = {0};
	const char *name = "untitled";
	json_t *source = NULL;
	int rc;

	c.err = err;
	if (!json_is_object(config))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "expected a config object, got %s",
				      adac_json_type_name(config));
	rc = adac_json_number(json_object_get(config, "fs"), "/fs", &c.fs, err);
	if (rc != ADAC_OK)
		return rc;
	if (!(c.fs > 0) || c.fs > ADAC_MAX_FS_HZ)
		return adac_error_set(err, ADAC_E_INPUT, "/fs",
				      "sample rate %g Hz is not between 0 and %g",
				      c.fs, ADAC_MAX_FS_HZ);
	if ((rc = opt_string(&c, config, "name", "", "untitled", &name)))
		return rc;
	source = json_object();
	c.nodes = json_array();
	if (source == NULL || c.nodes == NULL) {
		json_decref(c.nodes);
		rc = nomem(&c, "");
		goto out;
	}
	json_object_set_new(source, "format", json_string("adac-config"));
	json_object_set_new(source, "fs", json_real(c.fs));
	json_object_set_new(source, "nodes", c.nodes);
	rc = lower_node(&c, config, "", "/graph", 0, &top);
	if (rc != ADAC_OK)
		goto out;
	rc = adac_build_document(name, c.fs, top.n_in, top.n_out, top.node,
				 json_incref(source), c.nodes, ir, err);
out:
	json_decref(source);
	return rc;
}
