/*
 * test_property.c - the certificate's promise, tried on many random
 * networks: none that adac-certify calls certified-stable may grow when
 * the reference simulator runs it.
 *
 * Each network is b · loop · c with 1 to 8 lines: random delays, a
 * random matrix (orthogonal, Householder, Hadamard, permutation, dense
 * Gaussian, triangular and far from normal), line gains around 1, and
 * per line up to three biquads (one-poles, resonators up to 1e-4 from the
 * circle, narrow peaking filters), sometimes a nested loop (a comb, or a
 * 2×2 rotation loop with a gain near 1).  Every coefficient is a float,
 * so the float32 and double analyses see what the simulator runs.
 *
 * "Grows" is judged on the impulse response of the single path: any
 * non-finite sample, or a peak over the last tenth of the render above
 * 1e3 times the peak over its first half.  An exponentially growing
 * network passes 1e3 in a render of a few thousand times its loop delay;
 * a certified one cannot rise that far (its transient is a polynomial
 * ring-up of at most the sections' order, under 2⁶ = 64 in a render of
 * twice the half).
 *
 * ADAC_PROPERTY_N networks (default 150) from seed ADAC_PROPERTY_SEED
 * (default 1): `make fuzz` runs a larger campaign.  A failure prints the
 * seed and the IR, which reproduce it.
 *
 * The same for loops with nonlinear nodes (tanh, clip, cubic; one in
 * each line's back path, sometimes one more in the forward path after
 * biquads, sometimes a nested tanh loop): incremental gains around 1,
 * certified by incremental small gain only, then driven with white noise
 * of a peak from 1e-3 to 1e3 (small signals, where the nodes are nearly
 * linear, and large ones, where they saturate) over the first half of
 * the render and silence after.  "Grows" is the same judgement on that
 * response: a non-finite sample, or the last tenth's peak above 1e3
 * times the driven half's; or a tail that does not decay (the last
 * tenth's peak above that of [0.6, 0.7) of the render).  A contraction
 * driven by nothing converges to the zero response (f(0) = 0), so
 * nothing certified may rise or sustain itself.
 * ADAC_PROPERTY_NL_N networks (default 100).
 *
 * And for loops whose lines are modulated delays (depth 0 to the whole
 * base, rates from 0.1 Hz to 300 Hz, so that some move by more than
 * half a sample per sample and have no bound), with the same biquads,
 * matrices and gains, sometimes a nested modulated comb: certified by
 * small gain with each line's l2-gain factor only (never unstable nor
 * marginal, which only length-dependent arguments could say), then
 * driven with noise over the first half of the render.  The system is
 * linear, so a loop that is not stable grows exponentially, and "grows"
 * is the growth judgement above: a non-finite sample or the last
 * tenth's peak above 1e3 times the driven half's.
 * ADAC_PROPERTY_MOD_N networks (default 100).
 */
#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "certify.h"
#include "ir.h"
#include "linalg.h"
#include "sim.h"
#include "unit.h"

static uint64_t state;

static uint64_t
next(void)	/* splitmix64 */
{
	uint64_t z = (state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static double
uniform(void)
{
	return (double)(next() >> 11) * 0x1p-53;
}

static int
below(int n)
{
	return (int)(uniform() * n);
}

static double
f32(double x)
{
	return (double)(float)x;
}

static void
num(struct adac_buf *b, double x)
{
	adac_buf_printf(b, "%.9g", f32(x));
}

/* A random channel-wise filter: one section, written as [[b0..a2]]. */
static void
section(double q[5])
{
	double r, th, g, A, al;

	switch (below(4)) {
	case 0:	/* one-pole lowpass, unit DC gain times g */
		r = uniform() * 0.99;
		g = 0.5 + 0.6 * uniform();
		q[0] = g * (1 - r);
		q[1] = q[2] = q[4] = 0;
		q[3] = -r;
		break;
	case 1:	/* a resonator near the circle */
		r = 1 - pow(10, -1 - 3 * uniform());
		th = M_PI * uniform();
		g = (1 - r) * (0.2 + 2 * uniform());
		q[0] = g;
		q[1] = q[2] = 0;
		q[3] = -2 * r * cos(th);
		q[4] = r * r;
		break;
	case 2:	/* a narrow peaking filter (RBJ), up to +12 dB */
		th = 0.01 + (M_PI - 0.02) * uniform();
		A = pow(10, 12 * uniform() / 40);
		al = sin(th) / (2 * (10 + 3000 * uniform()));
		q[0] = (1 + al * A) / (1 + al / A);
		q[1] = -2 * cos(th) / (1 + al / A);
		q[2] = (1 - al * A) / (1 + al / A);
		q[3] = q[1];
		q[4] = (1 - al / A) / (1 + al / A);
		break;
	default:	/* an allpass */
		r = 0.99 * uniform();
		th = M_PI * uniform();
		q[3] = -2 * r * cos(th);
		q[4] = r * r;
		q[0] = q[4];
		q[1] = q[3];
		q[2] = 1;
		break;
	}
}

/* RBJ peaking filter at w0 radians, gain A² (A = 10^(dB/40)), Q. */
static void
peaking(double w0, double A, double Q, double q[5])
{
	double al = sin(w0) / (2 * Q), a0 = 1 + al / A;

	q[0] = (1 + al * A) / a0;
	q[1] = -2 * cos(w0) / a0;
	q[2] = (1 - al * A) / a0;
	q[3] = q[1];
	q[4] = (1 - al / A) / a0;
}

static double complex
biquad_at(const double q[5], double w)
{
	double complex z = cexp(-I * w);

	return (q[0] + q[1] * z + q[2] * z * z) / (1 + q[3] * z + q[4] * z * z);
}

/*
 * The adversary of a sampled bound: one delay of m samples, a gain, three
 * peaking filters narrower than a grid step of π/4096 at a frequency
 * between grid points, and ten broad decoy peaks whose sampled values are
 * higher than the narrow peak's skirts.  The narrow peak is moved until
 * the loop's phase is 0 there, so when its gain is above 1 the loop has a
 * growing mode.  A grid with a zoom into its highest local maxima never
 * looks at it.
 */
static char *
hidden_peak(long *render)
{
	struct adac_buf b = {0};
	double q[13][5], w, ph, g = 0.098, Adb = 5 + 3 * uniform();
	double Q = 1500 + 2500 * uniform();
	int m = 500 + below(3000), s, k, it;

	for (s = 3; s < 13; s++)
		peaking(M_PI * (300 + 300 * (s - 3) + 0.25) / 4096,
			pow(10, 19.0 / 40), 30, q[s]);
	w = M_PI * (900 + below(200) + 0.5) / 4096;
	for (it = 0; it < 50; it++) {
		ph = -m * w;
		for (s = 3; s < 13; s++)
			ph += carg(biquad_at(q[s], w));
		w += (ph - 2 * M_PI * round(ph / (2 * M_PI))) / m;
	}
	for (s = 0; s < 3; s++)
		peaking(w, pow(10, Adb / 40), Q, q[s]);
	adac_buf_printf(&b, "{\"adac\":\"ir/1\",\"name\":\"H\",\"fs\":48000,"
			"\"inputs\":1,\"outputs\":1,\"graph\":{\"op\":\"feedback\","
			"\"forward\":{\"op\":\"delay\",\"samples\":[%d]},\"back\":"
			"{\"op\":\"series\",\"of\":[{\"op\":\"gain\",\"values\":[",
			m);
	num(&b, g);
	adac_buf_puts(&b, "]},{\"op\":\"sos\",\"sections\":[");
	for (s = 0; s < 13; s++) {
		adac_buf_puts(&b, s ? ",[[" : "[[");
		for (k = 0; k < 5; k++) {
			if (k)
				adac_buf_puts(&b, ",");
			num(&b, q[s][k]);
		}
		adac_buf_puts(&b, "]]");
	}
	adac_buf_puts(&b, "]}]}}}");
	*render = 400000;
	return adac_buf_take(&b);
}

/* The matrix, n × n, row-major, scaled by s. */
static int
matrix(int n, double s, double *a)
{
	int i, j, kind = below(6), rc = ADAC_OK;
	double h;

	memset(a, 0, (size_t)n * n * sizeof *a);
	switch (kind) {
	case 0:	/* Householder I − 2/n·11ᵀ */
		for (i = 0; i < n * n; i++)
			a[i] = (i / n == i % n) - 2.0 / n;
		break;
	case 1:	/* Hadamard/√n where n is a power of two, else identity */
		if ((n & (n - 1)) == 0) {
			h = 1 / sqrt(n);
			for (i = 0; i < n; i++)
				for (j = 0; j < n; j++)
					a[i * n + j] = __builtin_popcount(i & j) & 1 ?
						       -h : h;
		} else {
			for (i = 0; i < n; i++)
				a[i * n + i] = 1;
		}
		break;
	case 2:	/* a permutation */
		for (i = 0; i < n; i++)
			a[i * n + (i + 1) % n] = 1;
		break;
	case 3:	/* dense Gaussian, σ of order 1 */
		rc = adac_linalg_gaussian(n * n, next(), a);
		for (i = 0; i < n * n; i++)
			a[i] /= sqrt(n) * 1.5;
		break;
	case 4:	/* upper triangular, far from normal */
		for (i = 0; i < n; i++)
			for (j = i; j < n; j++)
				a[i * n + j] = i == j ? 0.3 + 0.6 * uniform() :
					       4 * (uniform() - 0.5);
		break;
	default:
		rc = adac_linalg_random_orthogonal(n, next(), a, NULL);
		break;
	}
	for (i = 0; i < n * n; i++)
		a[i] *= s;
	return rc;
}

/* The JSON of a nested loop on one channel, or of nothing. */
static void
nested(struct adac_buf *b)
{
	double g = 0.5 + 0.499 * uniform(), th = M_PI * uniform();

	if (below(2) == 0) {
		adac_buf_printf(b, ",{\"op\":\"feedback\",\"forward\":{\"op\":"
				"\"delay\",\"samples\":[%d]},\"back\":{\"op\":"
				"\"gain\",\"values\":[", 1 + below(20));
		num(b, g * (below(2) ? 1 : -1));
		adac_buf_puts(b, "]}}");
		return;
	}
	/* 1 → 2 → rotation loop of one-sample delays → 1 */
	adac_buf_puts(b, ",{\"op\":\"matrix\",\"data\":[[1],[0]]},"
		      "{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\","
		      "\"samples\":[1,1]},\"back\":{\"op\":\"matrix\","
		      "\"data\":[[");
	num(b, g * cos(th));
	adac_buf_puts(b, ",");
	num(b, -g * sin(th));
	adac_buf_puts(b, "],[");
	num(b, g * sin(th));
	adac_buf_puts(b, ",");
	num(b, g * cos(th));
	adac_buf_puts(b, "]]}},{\"op\":\"matrix\",\"data\":[[1,0]]}");
}

/*
 * The end of a generated FDN: the n × n feedback matrix a as the back
 * path's last element, then a random 1 × n output matrix.
 */
static void
close_fdn(struct adac_buf *b, const double *a, int n)
{
	int i, k;

	for (i = 0; i < n; i++) {
		adac_buf_puts(b, i ? ",[" : "[");
		for (k = 0; k < n; k++) {
			adac_buf_puts(b, k ? "," : "");
			num(b, a[i * n + k]);
		}
		adac_buf_puts(b, "]");
	}
	adac_buf_puts(b, "]}]}},{\"op\":\"matrix\",\"data\":[[");
	for (i = 0; i < n; i++) {
		adac_buf_puts(b, i ? "," : "");
		num(b, uniform() - 0.5);
	}
	adac_buf_puts(b, "]]}]}}");
}

/*
 * A random network as IR text (malloc'd), and the length of render that
 * shows growth: the slowest natural decay of its parts and a few thousand
 * passes round the loop.
 */
static char *
network(long *render)
{
	struct adac_buf b = {0};
	int n = 1 + below(8), i, s, k, sections = below(4), nest;
	double *a, q[5], scale = 0.7 + 0.45 * uniform(), m, mmax = 0;

	if (below(10) == 0)
		return hidden_peak(render);
	a = malloc((size_t)n * n * sizeof *a);
	if (a == NULL || matrix(n, scale, a) != ADAC_OK) {
		free(a);
		return NULL;
	}
	nest = below(4) == 0 ? below(n) : -1;
	adac_buf_printf(&b, "{\"adac\":\"ir/1\",\"name\":\"P\",\"fs\":48000,"
			"\"inputs\":1,\"outputs\":1,\"graph\":{\"op\":\"series\","
			"\"of\":[{\"op\":\"matrix\",\"data\":[");
	for (i = 0; i < n; i++) {
		adac_buf_puts(&b, i ? ",[" : "[");
		num(&b, uniform() - 0.5);
		adac_buf_puts(&b, "]");
	}
	adac_buf_puts(&b, "]},{\"op\":\"feedback\",\"forward\":{\"op\":"
		      "\"series\",\"of\":[{\"op\":\"delay\",\"samples\":[");
	for (i = 0; i < n; i++) {
		m = 1 + below(below(4) == 0 ? 300 : 40);
		mmax = m > mmax ? m : mmax;
		adac_buf_printf(&b, "%s%.0f", i ? "," : "", m);
	}
	adac_buf_puts(&b, "]}");
	if (sections > 0) {
		adac_buf_puts(&b, ",{\"op\":\"sos\",\"sections\":[");
		for (s = 0; s < sections; s++) {
			adac_buf_puts(&b, s ? ",[" : "[");
			for (i = 0; i < n; i++) {
				section(q);
				adac_buf_puts(&b, i ? ",[" : "[");
				for (k = 0; k < 5; k++) {
					if (k)
						adac_buf_puts(&b, ",");
					num(&b, q[k]);
				}
				adac_buf_puts(&b, "]");
			}
			adac_buf_puts(&b, "]");
		}
		adac_buf_puts(&b, "]}");
	}
	if (nest >= 0) {
		/* the nested loop on line `nest`, the others pass through */
		adac_buf_puts(&b, ",{\"op\":\"parallel\",\"in\":\"stack\","
			      "\"out\":\"stack\",\"of\":[");
		for (i = 0; i < n; i++) {
			adac_buf_puts(&b, i ? "," : "");
			if (i != nest) {
				adac_buf_puts(&b, "{\"op\":\"gain\",\"values\":[1]}");
				continue;
			}
			adac_buf_puts(&b, "{\"op\":\"series\",\"of\":["
				      "{\"op\":\"gain\",\"values\":[1]}");
			nested(&b);
			adac_buf_puts(&b, "]}");
		}
		adac_buf_puts(&b, "]}");
	}
	adac_buf_puts(&b, "]},\"back\":{\"op\":\"series\",\"of\":[{\"op\":"
		      "\"gain\",\"values\":[");
	for (i = 0; i < n; i++) {
		adac_buf_puts(&b, i ? "," : "");
		num(&b, 0.9 + 0.15 * uniform());
	}
	adac_buf_puts(&b, "]},{\"op\":\"matrix\",\"data\":[");
	close_fdn(&b, a, n);
	free(a);
	/* 1e4 decay constants of a pole 1e-4 from the circle is too long:
	 * 2·10⁵ samples, or 3000 passes of the longest line */
	*render = (long)(3000 * (mmax + 40));
	if (*render < 20000)
		*render = 20000;
	if (*render > 200000)
		*render = 200000;
	return adac_buf_take(&b);
}

/* 1 when the impulse response grows (see the top of the file). */
static int
grows(const struct adac_ir *ir, long len, double *ratio)
{
	struct adac_response *r = NULL;
	struct adac_error err;
	double early = 0, late = 0, *h;
	long k;

	if (adac_sim_impulse(ir, len, NULL, 0, &r, &err) != ADAC_OK) {
		printf("#   simulation failed: %s\n", err.text);
		return 1;
	}
	h = adac_response_path(r, 0, 0);
	for (k = 0; k < len; k++) {
		if (!isfinite(h[k])) {
			adac_response_free(r);
			*ratio = INFINITY;
			return 1;
		}
		if (k < len / 2)
			early = fmax(early, fabs(h[k]));
		else if (k >= len - len / 10)
			late = fmax(late, fabs(h[k]));
	}
	adac_response_free(r);
	*ratio = early > 0 ? late / early : 0;
	return late > 1e3 * early;
}

/* One line's nonlinear node, incremental gain k: in·out = ±k. */
static void
shaper(struct adac_buf *b, int n, double k)
{
	static const char *const fn[] = {"tanh", "clip", "cubic"};
	double gi;
	int i;

	adac_buf_printf(b, "{\"op\":\"nonlinear\",\"function\":\"%s\","
			"\"in_gain\":[", fn[below(3)]);
	gi = 0.25 + 4 * uniform();
	for (i = 0; i < n; i++) {
		adac_buf_puts(b, i ? "," : "");
		num(b, gi);
	}
	adac_buf_puts(b, "],\"out_gain\":[");
	for (i = 0; i < n; i++) {
		adac_buf_puts(b, i ? "," : "");
		num(b, (below(4) ? 1 : -1) * k * (0.85 + 0.15 * uniform()) /
		    f32(gi));
	}
	adac_buf_puts(b, "]}");
}

/*
 * A random network with nonlinear nodes in its loop (the top of the
 * file), as IR text, and the length to render.
 */
static char *
nl_network(long *render)
{
	struct adac_buf b = {0};
	int n = 1 + below(8), i, s, k, sections = below(3);
	double *a, q[5], m, mmax = 0;

	a = malloc((size_t)n * n * sizeof *a);
	if (a == NULL || matrix(n, 1.0, a) != ADAC_OK) {
		free(a);
		return NULL;
	}
	adac_buf_printf(&b, "{\"adac\":\"ir/1\",\"name\":\"P\",\"fs\":48000,"
			"\"inputs\":1,\"outputs\":1,\"graph\":{\"op\":\"series\","
			"\"of\":[{\"op\":\"matrix\",\"data\":[");
	for (i = 0; i < n; i++) {
		adac_buf_puts(&b, i ? ",[" : "[");
		num(&b, uniform() - 0.5);
		adac_buf_puts(&b, "]");
	}
	adac_buf_puts(&b, "]},{\"op\":\"feedback\",\"forward\":{\"op\":"
		      "\"series\",\"of\":[{\"op\":\"delay\",\"samples\":[");
	for (i = 0; i < n; i++) {
		m = 1 + below(below(4) == 0 ? 300 : 40);
		mmax = m > mmax ? m : mmax;
		adac_buf_printf(&b, "%s%.0f", i ? "," : "", m);
	}
	adac_buf_puts(&b, "]}");
	for (s = 0; s < sections; s++) {
		adac_buf_puts(&b, ",{\"op\":\"sos\",\"sections\":[[");
		for (i = 0; i < n; i++) {
			section(q);
			adac_buf_puts(&b, i ? ",[" : "[");
			for (k = 0; k < 5; k++) {
				if (k)
					adac_buf_puts(&b, ",");
				num(&b, q[k]);
			}
			adac_buf_puts(&b, "]");
		}
		adac_buf_puts(&b, "]]}");
	}
	if (below(3) == 0) {
		adac_buf_puts(&b, ",");
		shaper(&b, n, 0.7 + 0.5 * uniform());
	}
	if (below(4) == 0) {
		/* a nested tanh loop on every line */
		adac_buf_puts(&b, ",{\"op\":\"feedback\",\"forward\":");
		shaper(&b, n, 0.6 + 0.5 * uniform());
		adac_buf_printf(&b, ",\"back\":{\"op\":\"delay\",\"samples\":[");
		for (i = 0; i < n; i++)
			adac_buf_printf(&b, "%s%d", i ? "," : "", 1 + below(20));
		adac_buf_puts(&b, "]}}");
	}
	adac_buf_puts(&b, "]},\"back\":{\"op\":\"series\",\"of\":[");
	shaper(&b, n, 0.6 + 0.6 * uniform());
	adac_buf_puts(&b, ",{\"op\":\"matrix\",\"data\":[");
	close_fdn(&b, a, n);
	free(a);
	*render = (long)(500 * (mmax + 40));
	if (*render < 20000)
		*render = 20000;
	if (*render > 60000)
		*render = 60000;
	return adac_buf_take(&b);
}

/*
 * grows() for the response to noise of peak level over the first half,
 * and one more judgement: the last tenth's peak above the peak over
 * [0.6, 0.7) of the render.  Every function here is bounded, so a loop
 * that is not a contraction saturates rather than grows; what shows it
 * is an oscillation that sustains itself after the input stops, where a
 * contraction's response tends to zero.  With every Lipschitz constant
 * halved in the certifier (a wrong bound), 54 runs (network and level)
 * of seeds 1 and 2 (200 networks each) failed this, none the growth
 * test, and the default batch fails (16 runs); with the right ones, none
 * of the 327 certified among 1200 networks (seeds 1 to 6) failed it.
 */
static int
grows_driven(const struct adac_ir *ir, long len, double level, double *ratio)
{
	struct adac_response *r = NULL;
	struct adac_error err;
	double early = 0, late = 0, mid = 0, *h, *x;
	long k;
	int rc;

	*ratio = INFINITY;
	x = malloc((size_t)len * sizeof *x);
	if (x == NULL)
		return 1;
	for (k = 0; k < len; k++)
		x[k] = k < len / 2 ? level * (2 * uniform() - 1) : 0;
	rc = adac_sim_drive(ir, len, x, NULL, 0, NULL, NULL, &r, &err);
	free(x);
	if (rc != ADAC_OK) {
		printf("#   simulation failed: %s\n", err.text);
		return 1;
	}
	h = adac_response_path(r, 0, 0);
	for (k = 0; k < len; k++) {
		if (!isfinite(h[k])) {
			adac_response_free(r);
			*ratio = INFINITY;
			return 1;
		}
		if (k < len / 2)
			early = fmax(early, fabs(h[k]));
		else if (k >= len - len / 10)
			late = fmax(late, fabs(h[k]));
		else if (k >= len * 6 / 10 && k < len * 7 / 10)
			mid = fmax(mid, fabs(h[k]));
	}
	adac_response_free(r);
	*ratio = early > 0 ? late / early : 0;
	/* or sustains itself once the input has stopped */
	if (late > mid) {
		*ratio = late / mid;
		return 1;
	}
	return late > 1e3 * early;
}

/* A moddelay node of n lines, bases from 1 to 40 (or 300) samples. */
static double
modlines(struct adac_buf *b, int n)
{
	double m, a, mmax = 0;
	int i;

	adac_buf_puts(b, "{\"op\":\"moddelay\",\"samples\":[");
	for (i = 0; i < n; i++) {
		m = 2 + below(below(4) == 0 ? 300 : 40);
		mmax = m > mmax ? m : mmax;
		adac_buf_printf(b, "%s%.0f", i ? "," : "", m);
	}
	adac_buf_puts(b, "],\"depth\":[");
	for (i = 0; i < n; i++) {
		a = below(3) == 0 ? 1 + below(20) : 0.25 * below(16);
		adac_buf_printf(b, "%s%g", i ? "," : "", a);
	}
	adac_buf_puts(b, "],\"rate_hz\":[");
	for (i = 0; i < n; i++) {
		/* log-uniform from 0.1 Hz to 300 Hz */
		adac_buf_printf(b, "%s%.6g", i ? "," : "",
				0.1 * pow(3000, uniform()));
	}
	adac_buf_puts(b, "],\"phase\":[");
	for (i = 0; i < n; i++)
		adac_buf_printf(b, "%s%.6g", i ? "," : "", 0.999 * uniform());
	adac_buf_puts(b, "]}");
	return mmax;
}

/*
 * The json text above may give a depth past its base; clamp it there
 * (the generator's draws are independent), which validation requires.
 */
static void
clamp_depths(json_t *node)
{
	json_t *v, *b, *d;
	size_t i;

	if (json_is_array(node)) {
		json_array_foreach(node, i, v)
			clamp_depths(v);
		return;
	}
	if (!json_is_object(node))
		return;
	b = json_object_get(node, "samples");
	d = json_object_get(node, "depth");
	if (b != NULL && d != NULL)
		for (i = 0; i < json_array_size(d); i++)
			if (json_number_value(json_array_get(d, i)) >
			    json_number_value(json_array_get(b, i)) - 1)
				json_array_set_new(d, i, json_real(
				    json_number_value(json_array_get(b, i)) - 1));
	{
		const char *k;

		json_object_foreach(node, k, v)
			clamp_depths(v);
	}
}

/* A random network whose lines are modulated (the top of the file). */
static char *
mod_network(long *render)
{
	struct adac_buf b = {0};
	int n = 1 + below(8), i, s, k, sections = below(3);
	double *a, q[5], mmax, scale = 0.75 + 0.3 * uniform();
	json_t *doc;
	json_error_t je;
	char *text;

	a = malloc((size_t)n * n * sizeof *a);
	if (a == NULL || matrix(n, f32(scale), a) != ADAC_OK) {
		free(a);
		return NULL;
	}
	adac_buf_printf(&b, "{\"adac\":\"ir/1\",\"name\":\"P\",\"fs\":48000,"
			"\"inputs\":1,\"outputs\":1,\"graph\":{\"op\":\"series\","
			"\"of\":[{\"op\":\"matrix\",\"data\":[");
	for (i = 0; i < n; i++) {
		adac_buf_puts(&b, i ? ",[" : "[");
		num(&b, uniform() - 0.5);
		adac_buf_puts(&b, "]");
	}
	adac_buf_puts(&b, "]},{\"op\":\"feedback\",\"forward\":{\"op\":"
		      "\"series\",\"of\":[{\"op\":\"gain\",\"values\":[");
	for (i = 0; i < n; i++) {
		adac_buf_puts(&b, i ? "," : "");
		num(&b, 1);
	}
	adac_buf_puts(&b, "]}");
	for (s = 0; s < sections; s++) {
		adac_buf_puts(&b, ",{\"op\":\"sos\",\"sections\":[[");
		for (i = 0; i < n; i++) {
			section(q);
			adac_buf_puts(&b, i ? ",[" : "[");
			for (k = 0; k < 5; k++) {
				if (k)
					adac_buf_puts(&b, ",");
				num(&b, q[k]);
			}
			adac_buf_puts(&b, "]");
		}
		adac_buf_puts(&b, "]]}");
	}
	if (below(4) == 0) {
		/* a nested modulated comb on every line */
		adac_buf_puts(&b, ",{\"op\":\"feedback\",\"forward\":{\"op\":"
			      "\"gain\",\"values\":[");
		for (i = 0; i < n; i++) {
			adac_buf_puts(&b, i ? "," : "");
			num(&b, (below(2) ? 1 : -1) * (0.5 + 0.49 * uniform()));
		}
		adac_buf_puts(&b, "]},\"back\":");
		modlines(&b, n);
		adac_buf_puts(&b, "}");
	}
	adac_buf_puts(&b, "]},\"back\":{\"op\":\"series\",\"of\":[");
	mmax = modlines(&b, n);
	adac_buf_puts(&b, ",{\"op\":\"matrix\",\"data\":[");
	close_fdn(&b, a, n);
	free(a);
	*render = (long)(500 * (mmax + 40));
	if (*render < 20000)
		*render = 20000;
	if (*render > 60000)
		*render = 60000;
	text = adac_buf_take(&b);
	doc = text != NULL ? json_loads(text, 0, &je) : NULL;
	free(text);
	if (doc == NULL)
		return NULL;
	clamp_depths(doc);
	text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(doc);
	return text;
}

/* grows() on the response to noise over the first half (linear: level 1) */
static int
grows_noise(const struct adac_ir *ir, long len, double *ratio)
{
	struct adac_response *r = NULL;
	struct adac_error err;
	double early = 0, late = 0, *h, *x;
	long k;
	int rc;

	*ratio = INFINITY;
	x = calloc((size_t)len, sizeof *x);
	if (x == NULL)
		return 1;
	for (k = 0; k < len; k++)
		x[k] = k < len / 2 ? 2 * uniform() - 1 : 0;
	rc = adac_sim_drive(ir, len, x, NULL, 0, NULL, NULL, &r, &err);
	free(x);
	if (rc != ADAC_OK) {
		printf("#   simulation failed: %s\n", err.text);
		return 1;
	}
	h = adac_response_path(r, 0, 0);
	for (k = 0; k < len; k++) {
		if (!isfinite(h[k])) {
			adac_response_free(r);
			return 1;
		}
		if (k < len / 2)
			early = fmax(early, fabs(h[k]));
		else if (k >= len - len / 10)
			late = fmax(late, fabs(h[k]));
	}
	adac_response_free(r);
	*ratio = early > 0 ? late / early : 0;
	return late > 1e3 * early;
}

static long
env(const char *name, long dflt)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? strtol(v, NULL, 10) : dflt;
}

static void
test_property__no_certified_network_grows(void)
{
	struct adac_certify_opts o = {ADAC_CERTIFY_ALL, 0, -1};
	long n = env("ADAC_PROPERTY_N", 150), seed = env("ADAC_PROPERTY_SEED", 1);
	long i, len, count[ADAC_UNSTABLE + 1] = {0}, failures = 0, grown = 0;
	enum adac_verdict v;
	struct adac_error err;
	struct adac_ir *ir;
	double ratio;
	char *text;

	for (i = 0; i < n; i++) {
		state = (uint64_t)seed * 0x100000001b3u + (uint64_t)i;
		text = network(&len);
		if (text == NULL) {
			check(text != NULL);
			return;
		}
		if (adac_ir_parse_text(text, strlen(text), &ir, &err) != ADAC_OK) {
			printf("#   network %ld does not parse: %s: %s\n", i,
			       err.pointer, err.text);
			check(0);
			free(text);
			continue;
		}
		if (adac_certify(ir, &o, NULL, &v, &err) != ADAC_OK) {
			printf("#   network %ld: certify failed: %s\n", i, err.text);
			check(0);
		} else {
			count[v]++;
			if (v == ADAC_CERTIFIED_STABLE && grows(ir, len, &ratio)) {
				failures++;
				printf("#   seed %ld network %ld: certified-stable but grows (x%.3g)\n#   %s\n",
				       seed, i, ratio, text);
			} else if (v == ADAC_UNSTABLE && grows(ir, len, &ratio)) {
				grown++;
			}
		}
		adac_ir_free(ir);
		free(text);
	}
	printf("# %ld networks from seed %ld: %ld certified-stable, %ld marginally-stable, %ld indeterminate, %ld not-certified, %ld unstable (%ld of them seen growing)\n",
	       n, seed, count[ADAC_CERTIFIED_STABLE],
	       count[ADAC_MARGINALLY_STABLE], count[ADAC_INDETERMINATE],
	       count[ADAC_NOT_CERTIFIED], count[ADAC_UNSTABLE], grown);
	check_int(failures, 0);
	/*
	 * The generator must exercise both sides of the decision: checked
	 * on batches of 100 or more, where a tenth is a count chance does
	 * not miss (the fuzz campaign's batches of 25 saw 2 of 25 certified
	 * once); a small batch is a search for false certificates only.
	 */
	if (n >= 100) {
		check(count[ADAC_CERTIFIED_STABLE] > n / 10);
		check(count[ADAC_UNSTABLE] + count[ADAC_INDETERMINATE] > n / 10);
	}
}

static void
test_property__no_certified_nonlinear_network_grows(void)
{
	struct adac_certify_opts o = {ADAC_CERTIFY_ALL, 0, -1};
	long n = env("ADAC_PROPERTY_NL_N", 100), seed = env("ADAC_PROPERTY_SEED", 1);
	long i, len, count[ADAC_UNSTABLE + 1] = {0}, failures = 0;
	static const double levels[] = {1e-3, 1, 30, 1e3};
	enum adac_verdict v;
	struct adac_error err;
	struct adac_ir *ir;
	double ratio;
	char *text;
	int l;

	for (i = 0; i < n; i++) {
		state = (uint64_t)seed * 0x100000001b3u + (uint64_t)i + 0x5eed;
		text = nl_network(&len);
		if (text == NULL) {
			check(text != NULL);
			return;
		}
		if (adac_ir_parse_text(text, strlen(text), &ir, &err) != ADAC_OK) {
			printf("#   network %ld does not parse: %s: %s\n", i,
			       err.pointer, err.text);
			check(0);
			free(text);
			continue;
		}
		if (adac_certify(ir, &o, NULL, &v, &err) != ADAC_OK) {
			printf("#   network %ld: certify failed: %s\n", i, err.text);
			check(0);
		} else {
			count[v]++;
			/* every loop has a nonlinear node: no linear
			 * argument may have said unstable */
			check(v != ADAC_UNSTABLE);
			for (l = 0; v == ADAC_CERTIFIED_STABLE && l < 4; l++)
				if (grows_driven(ir, len, levels[l], &ratio)) {
					failures++;
					printf("#   seed %ld nonlinear network %ld: certified-stable but grows at level %g (x%.3g)\n#   %s\n",
					       seed, i, levels[l], ratio, text);
				}
		}
		adac_ir_free(ir);
		free(text);
	}
	printf("# %ld nonlinear networks from seed %ld: %ld certified-stable, %ld marginally-stable, %ld indeterminate, %ld not-certified, %ld unstable\n",
	       n, seed, count[ADAC_CERTIFIED_STABLE],
	       count[ADAC_MARGINALLY_STABLE], count[ADAC_INDETERMINATE],
	       count[ADAC_NOT_CERTIFIED], count[ADAC_UNSTABLE]);
	check_int(failures, 0);
	/* no linear argument decides these: never marginal */
	check_int(count[ADAC_MARGINALLY_STABLE], 0);
	if (n >= 100) {
		check(count[ADAC_CERTIFIED_STABLE] > n / 10);
		check(count[ADAC_INDETERMINATE] > n / 10);
	}
}

static void
test_property__no_certified_modulated_network_grows(void)
{
	struct adac_certify_opts o = {ADAC_CERTIFY_ALL, 0, -1};
	long n = env("ADAC_PROPERTY_MOD_N", 100), seed = env("ADAC_PROPERTY_SEED", 1);
	long i, len, count[ADAC_UNSTABLE + 1] = {0}, failures = 0, grown = 0;
	enum adac_verdict v;
	struct adac_error err;
	struct adac_ir *ir;
	double ratio;
	char *text;

	for (i = 0; i < n; i++) {
		state = (uint64_t)seed * 0x100000001b3u + (uint64_t)i + 0x30d;
		text = mod_network(&len);
		if (text == NULL) {
			check(text != NULL);
			return;
		}
		if (adac_ir_parse_text(text, strlen(text), &ir, &err) != ADAC_OK) {
			printf("#   network %ld does not parse: %s: %s\n", i,
			       err.pointer, err.text);
			check(0);
			free(text);
			continue;
		}
		if (adac_certify(ir, &o, NULL, &v, &err) != ADAC_OK) {
			printf("#   network %ld: certify failed: %s\n", i, err.text);
			check(0);
		} else {
			count[v]++;
			check(v != ADAC_UNSTABLE && v != ADAC_MARGINALLY_STABLE);
			if (v == ADAC_CERTIFIED_STABLE && grows_noise(ir, len, &ratio)) {
				failures++;
				printf("#   seed %ld modulated network %ld: certified-stable but grows (x%.3g)\n#   %s\n",
				       seed, i, ratio, text);
			} else if (v != ADAC_CERTIFIED_STABLE &&
				   grows_noise(ir, len, &ratio)) {
				grown++;
			}
		}
		adac_ir_free(ir);
		free(text);
	}
	printf("# %ld modulated networks from seed %ld: %ld certified-stable, %ld indeterminate (%ld of them and the not-certified seen growing), %ld not-certified\n",
	       n, seed, count[ADAC_CERTIFIED_STABLE],
	       count[ADAC_INDETERMINATE], grown, count[ADAC_NOT_CERTIFIED]);
	check_int(failures, 0);
	if (n >= 100) {
		check(count[ADAC_CERTIFIED_STABLE] > n / 10);
		check(count[ADAC_INDETERMINATE] + count[ADAC_NOT_CERTIFIED] > n / 10);
	}
}

int
main(void)
{
	RUN(test_property__no_certified_network_grows);
	RUN(test_property__no_certified_nonlinear_network_grows);
	RUN(test_property__no_certified_modulated_network_grows);
	return unit_done();
}
