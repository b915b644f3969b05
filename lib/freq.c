#include "freq.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "biquad.h"
#include "linalg.h"

/* Where a response is evaluated: z⁻¹, and ω when z is on the unit circle. */
struct point {
	double complex zinv;
	int on_circle;
	double omega;
};

double
adac_freq_round(const struct adac_freq_opts *o, double x)
{
	int64_t raw;

	/* Check the values that will ship, not the trained doubles. */
	switch (o->precision) {
	case ADAC_PRECISION_FLOAT32:
	case ADAC_PRECISION_FLOAT16:
	case ADAC_PRECISION_BFLOAT16:
		return adac_precision_round(o->precision, x);
	case ADAC_PRECISION_FIXED:
		if (adac_fixpoint_coef(o->fx, x, &raw) == 0)
			return adac_fixpoint_value(o->fx, raw);
		/* ±x plus a product by x ∓ 1 (netlist.h, sos_df1) */
		if (fabs(x) < 2 &&
		    adac_fixpoint_coef(o->fx, x - copysign(1, x), &raw) == 0)
			return copysign(1, x) + adac_fixpoint_value(o->fx, raw);
		return x;
	case ADAC_PRECISION_DOUBLE:
		break;
	}
	return x;
}

static double
to_float(double x)
{
	return (double)(float)x;
}

static double
to_half(double x)
{
	return adac_precision_round(ADAC_PRECISION_FLOAT16, x);
}

static double
to_bfloat(double x)
{
	return adac_precision_round(ADAC_PRECISION_BFLOAT16, x);
}

void
adac_freq_section(const struct adac_freq_opts *o, const double sos[5],
		  double out[5])
{
	struct adac_biquad bq;
	int i;

	if (o->precision == ADAC_PRECISION_FIXED) {
		for (i = 0; i < 5; i++)
			out[i] = adac_freq_round(o, sos[i]);
		return;
	}
	adac_biquad_realise(sos, &bq);
	adac_biquad_transfer(&bq, o->precision == ADAC_PRECISION_FLOAT32 ?
			     to_float : o->precision == ADAC_PRECISION_FLOAT16 ?
			     to_half : o->precision == ADAC_PRECISION_BFLOAT16 ?
			     to_bfloat : NULL, out);
}

double
adac_freq_gain(const struct adac_node *n, int ch,
	       const struct adac_freq_opts *o)
{
	double g = adac_freq_round(o, n->values[ch]);

	if (n->decay != NULL)
		g *= pow(10.0, -3.0 * n->decay->loop_samples[ch] /
				       (o->fs_hz * o->rt60_s));
	return adac_freq_round(o, g);
}

double
adac_freq_nl_slope(const struct adac_node *n, int ch,
		   const struct adac_freq_opts *o)
{
	return adac_freq_round(o, n->in_gain[ch]) *
	       adac_freq_round(o, n->out_gain[ch]);
}

static int
nomem(struct adac_error *err)
{
	return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
}

static double complex *
cmatrix(int rows, int cols)
{
	return calloc((size_t)(rows > 0 ? rows : 1) * (size_t)(cols > 0 ? cols : 1),
		      sizeof(double complex));
}

/* out (r × c) = a (r × k) · b (k × c) */
static void
cmul(const double complex *a, const double complex *b, double complex *out,
     int r, int k, int c)
{
	int i, j, l;
	double complex s;

	for (i = 0; i < r; i++)
		for (j = 0; j < c; j++) {
			s = 0;
			for (l = 0; l < k; l++)
				s += a[i * k + l] * b[l * c + j];
			out[i * c + j] = s;
		}
}

/* z⁻ᵏ by squaring: exact at z = ±1 and z = ∞, where the certifier looks. */
static double complex
zpow(const struct point *p, double k)
{
	double complex r = 1, b = p->zinv;
	unsigned long e = (unsigned long)k;

	if (p->on_circle)
		return cexp(-I * p->omega * k);
	while (e != 0) {
		if (e & 1)
			r *= b;
		b *= b;
		e >>= 1;
	}
	return r;
}

static double complex
delay_value(const struct adac_node *n, int ch, const struct point *p)
{
	double d = n->samples[ch], k = floor(d), f = d - k;

	if (n->interp == ADAC_INTERP_NONE || f == 0)
		return zpow(p, k);
	/* y[n] = (1 − f)·x[n − k] + f·x[n − k − 1] */
	return zpow(p, k) * ((1 - f) + f * p->zinv);
}

static double complex
sos_value(const struct adac_node *n, int ch, const struct adac_freq_opts *o,
	  const struct point *p)
{
	double complex z1 = p->zinv, z2 = p->zinv * p->zinv, h = 1;
	double c[5];
	int s;

	for (s = 0; s < n->n_sections; s++) {
		adac_freq_section(o, n->sos + ((size_t)s * n->n_in + ch) * 5, c);
		h *= (c[0] + c[1] * z1 + c[2] * z2) / (1 + c[3] * z1 + c[4] * z2);
	}
	return h;
}

static int response(const struct adac_node *n, const struct adac_freq_opts *o,
		    const struct point *p, double complex *h,
		    struct adac_error *err);

static int
series(const struct adac_node *n, const struct adac_freq_opts *o,
       const struct point *p, double complex *h, struct adac_error *err)
{
	double complex *cur = NULL, *next = NULL, *tmp = NULL;
	const struct adac_node *c;
	int i, rc;

	cur = cmatrix(n->of[0]->n_out, n->n_in);
	if (cur == NULL)
		return nomem(err);
	if ((rc = response(n->of[0], o, p, cur, err)) != ADAC_OK)
		goto out;
	for (i = 1; i < n->n_of; i++) {
		c = n->of[i];
		next = cmatrix(c->n_out, c->n_in);
		tmp = cmatrix(c->n_out, n->n_in);
		if (next == NULL || tmp == NULL) {
			rc = nomem(err);
			goto out;
		}
		if ((rc = response(c, o, p, next, err)) != ADAC_OK)
			goto out;
		cmul(next, cur, tmp, c->n_out, c->n_in, n->n_in);
		free(cur);
		free(next);
		cur = tmp;
		next = tmp = NULL;
	}
	memcpy(h, cur, (size_t)n->n_out * n->n_in * sizeof *h);
out:
	free(cur);
	free(next);
	free(tmp);
	return rc;
}

static int
parallel(const struct adac_node *n, const struct adac_freq_opts *o,
	 const struct point *p, double complex *h, struct adac_error *err)
{
	double complex *b;
	const struct adac_node *c;
	int i, r, k, row0 = 0, col0 = 0, rc = ADAC_OK;

	memset(h, 0, (size_t)n->n_out * n->n_in * sizeof *h);
	for (i = 0; i < n->n_of && rc == ADAC_OK; i++) {
		c = n->of[i];
		b = cmatrix(c->n_out, c->n_in);
		if (b == NULL)
			return nomem(err);
		rc = response(c, o, p, b, err);
		/*
		 * Branch i occupies rows row0.. (stacked outputs, or all rows
		 * when summed) and columns col0.. (stacked inputs, or all
		 * columns when split).
		 */
		for (r = 0; rc == ADAC_OK && r < c->n_out; r++)
			for (k = 0; k < c->n_in; k++)
				h[(size_t)(row0 + r) * n->n_in + col0 + k] +=
					b[(size_t)r * c->n_in + k];
		if (n->out == ADAC_OUT_STACK)
			row0 += c->n_out;
		if (n->in == ADAC_IN_STACK)
			col0 += c->n_in;
		free(b);
	}
	return rc;
}

static int
feedback(const struct adac_node *n, const struct adac_freq_opts *o,
	 const struct point *p, double complex *h, struct adac_error *err)
{
	int no = n->n_out, ni = n->n_in, i, rc;
	double complex *f = cmatrix(no, ni), *b = cmatrix(ni, no);
	double complex *a = cmatrix(no, no);

	if (f == NULL || b == NULL || a == NULL) {
		rc = nomem(err);
		goto out;
	}
	if ((rc = response(n->forward, o, p, f, err)) != ADAC_OK ||
	    (rc = response(n->back, o, p, b, err)) != ADAC_OK)
		goto out;
	/* y = F(x + B·y)  ⇒  (I − F·B)·y = F·x */
	cmul(f, b, a, no, ni, no);
	for (i = 0; i < no * no; i++)
		a[i] = -a[i];
	for (i = 0; i < no; i++)
		a[i * no + i] += 1;
	memcpy(h, f, (size_t)no * ni * sizeof *h);
	rc = adac_linalg_zsolve((double *)a, no, (double *)h, ni, err);
	if (rc == ADAC_E_NEGATIVE)
		adac_error_set(err, rc, n->pointer,
			       "loop has a pole on the unit circle");
out:
	free(f);
	free(b);
	free(a);
	return rc;
}

static int
response(const struct adac_node *n, const struct adac_freq_opts *o,
	 const struct point *p, double complex *h, struct adac_error *err)
{
	int i, k;

	switch (n->op) {
	case ADAC_OP_SERIES:
		return series(n, o, p, h, err);
	case ADAC_OP_PARALLEL:
		return parallel(n, o, p, h, err);
	case ADAC_OP_FEEDBACK:
		return feedback(n, o, p, h, err);
	case ADAC_OP_MATRIX:
		for (i = 0; i < n->n_out * n->n_in; i++)
			h[i] = adac_freq_round(o, n->data[i]);
		return ADAC_OK;
	case ADAC_OP_DELAY:
	case ADAC_OP_GAIN:
	case ADAC_OP_SOS:
	case ADAC_OP_NONLINEAR:
	case ADAC_OP_MODDELAY:
		break;
	}
	memset(h, 0, (size_t)n->n_out * n->n_in * sizeof *h);
	for (k = 0; k < n->n_in; k++) {
		if (n->op == ADAC_OP_DELAY || n->op == ADAC_OP_MODDELAY)
			/* a modulated delay's small-signal response is the
			 * delay at its base length, linearly interpolated:
			 * a description, not a proof of anything once the
			 * length moves (adac-ir(5)) */
			h[k * n->n_in + k] = delay_value(n, k, p);
		else if (n->op == ADAC_OP_GAIN)
			h[k * n->n_in + k] = adac_freq_gain(n, k, o);
		else if (n->op == ADAC_OP_NONLINEAR)
			h[k * n->n_in + k] = adac_freq_nl_slope(n, k, o);
		else
			h[k * n->n_in + k] = sos_value(n, k, o, p);
	}
	return ADAC_OK;
}

int
adac_freq_response(const struct adac_node *node,
		   const struct adac_freq_opts *o, double omega, double *h,
		   struct adac_error *err)
{
	struct point p = {cexp(-I * omega), 1, omega};

	return response(node, o, &p, (double complex *)h, err);
}

int
adac_freq_response_z(const struct adac_node *node,
		     const struct adac_freq_opts *o, double zinv_re,
		     double zinv_im, double *h, struct adac_error *err)
{
	struct point p = {CMPLX(zinv_re, zinv_im), 0, 0};

	return response(node, o, &p, (double complex *)h, err);
}
