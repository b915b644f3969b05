/*
 * test_sim.c - the reference simulator against closed forms and against
 * difference equations written out independently here.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "biquad.h"
#include "ir.h"
#include "netlist.h"
#include "sim.h"

static struct adac_ir *
parse(const char *text)
{
	struct adac_ir *ir = NULL;
	struct adac_error err;

	if (adac_ir_parse_text(text, strlen(text), &ir, &err) != ADAC_OK) {
		printf("#   parse failed: %s: %s\n", err.pointer, err.text);
		return NULL;
	}
	return ir;
}

/* The impulse response of text over length samples (NULL on failure). */
static struct adac_response *
impulse_set(const char *text, long length, const struct adac_setting *set,
	    int n_set)
{
	struct adac_ir *ir = parse(text);
	struct adac_response *r = NULL;
	struct adac_error err;

	if (ir == NULL)
		return NULL;
	if (adac_sim_impulse(ir, length, set, n_set, &r, &err) != ADAC_OK)
		printf("#   impulse failed: %s: %s\n", err.pointer, err.text);
	adac_ir_free(ir);
	return r;
}

static struct adac_response *
impulse(const char *text, long length)
{
	return impulse_set(text, length, NULL, 0);
}

/* Wrap a graph in a 48 kHz document with the given channel counts. */
static char *
doc(int inputs, int outputs, const char *graph, const char *controls)
{
	size_t n = strlen(graph) + (controls ? strlen(controls) : 0) + 256;
	char *s = malloc(n);

	snprintf(s, n,
		 "{\"adac\":\"ir/1\",\"name\":\"t\",\"fs\":48000,"
		 "\"inputs\":%d,\"outputs\":%d,\"graph\":%s%s%s}",
		 inputs, outputs, graph, controls ? ",\"controls\":" : "",
		 controls ? controls : "");
	return s;
}

/* y[n] = x[n] + g·y[n − m]: h[k·m] = g^k, zero elsewhere. */
static void
test_sim__feedback_comb(void)
{
	const double g = 0.9;
	const long m = 7, len = 400;
	char *d = doc(1, 1, "{\"op\":\"feedback\","
		      "\"forward\":{\"op\":\"delay\",\"samples\":[0]},"
		      "\"back\":{\"op\":\"series\",\"of\":["
		      "{\"op\":\"delay\",\"samples\":[7]},"
		      "{\"op\":\"gain\",\"values\":[0.9]}]}}", NULL);
	struct adac_response *r = impulse(d, len);
	long n;

	check(r != NULL);
	if (r == NULL)
		goto out;
	for (n = 0; n < len; n++) {
		const double *h = adac_response_path(r, 0, 0);

		if (n % m == 0) {
			long k = n / m;
			double want = pow(g, (double)k);

			/*
			 * k products, each rounded to within eps/2, against
			 * a pow() within one ulp: k·eps relative covers both
			 */
			check_near(h[n], want, (k + 1) * DBL_EPSILON * want);
		} else {
			check(h[n] == 0);
		}
	}
out:
	adac_response_free(r);
	free(d);
}

/* A two-pole resonator: h[n] = r^n·sin((n + 1)θ)/sin θ. */
static void
test_sim__resonator_closed_form(void)
{
	const double rr = 0.95, th = M_PI / 5;
	char graph[256];
	char *d;
	struct adac_response *r;
	long n;

	snprintf(graph, sizeof graph,
		 "{\"op\":\"sos\",\"sections\":[[[1,0,0,%.17g,%.17g]]]}",
		 -2 * rr * cos(th), rr * rr);
	d = doc(1, 1, graph, NULL);
	r = impulse(d, 300);
	check(r != NULL);
	if (r != NULL)
		for (n = 0; n < 300; n++) {
			double want = pow(rr, (double)n) * sin((n + 1) * th) /
				      sin(th);

			/*
			 * each step rounds ~4 eps·|y| (|y| <= 1/sin θ = 1.7);
			 * the filter's gain sum |h| <= 1/((1 − r) sin θ) = 34
			 * amplifies that: 4·2.2e-16·1.7·34 = 5e-14; the
			 * closed form's own pow/sin add a few ulp.  1e-12.
			 */
			check_near(adac_response_path(r, 0, 0)[n], want, 1e-12);
		}
	adac_response_free(r);
	free(d);
}

/* Two channels, two sections, against the difference equation. */
static void
test_sim__biquad_cascade_difference_equation(void)
{
	/* sections[s][ch] = {b0, b1, b2, a1, a2} */
	static const double c[2][2][5] = {
		{{0.5, 0.3, -0.2, -0.6, 0.25}, {1.0, -1.1, 0.4, 0.1, -0.3}},
		{{0.9, 0.0, 0.1, 0.2, 0.5}, {0.2, 0.2, 0.2, -1.2, 0.45}},
	};
	const char *g = "{\"op\":\"sos\",\"sections\":["
		"[[0.5,0.3,-0.2,-0.6,0.25],[1.0,-1.1,0.4,0.1,-0.3]],"
		"[[0.9,0.0,0.1,0.2,0.5],[0.2,0.2,0.2,-1.2,0.45]]]}";
	char *d = doc(2, 2, g, NULL);
	struct adac_ir *ir = parse(d);
	struct adac_sim *sim = NULL;
	struct adac_error err;
	enum { N = 500 };
	static double in[N * 2], out[N * 2], x[3][N], yy[3][N];
	int ch, s;
	long n;

	check(ir != NULL);
	if (ir == NULL)
		goto out;
	check(adac_sim_new(ir, NULL, 0, &sim, &err) == ADAC_OK);
	if (sim == NULL)
		goto out;
	srand(7);
	for (n = 0; n < N * 2; n++)
		in[n] = (double)rand() / RAND_MAX - 0.5;
	/* process in uneven blocks: the result must not depend on them */
	adac_sim_process(sim, in, out, 13);
	adac_sim_process(sim, in + 26, out + 26, N - 13);
	for (ch = 0; ch < 2; ch++) {
		for (n = 0; n < N; n++)
			x[0][n] = in[n * 2 + ch];
		for (s = 0; s < 2; s++) {
			const double *k = c[s][ch];

			for (n = 0; n < N; n++) {
				double x1 = n >= 1 ? x[s][n - 1] : 0;
				double x2 = n >= 2 ? x[s][n - 2] : 0;
				double y1 = n >= 1 ? yy[s][n - 1] : 0;
				double y2 = n >= 2 ? yy[s][n - 2] : 0;

				yy[s][n] = k[0] * x[s][n] + k[1] * x1 +
					   k[2] * x2 - k[3] * y1 - k[4] * y2;
				x[s + 1][n] = yy[s][n];
			}
		}
		/*
		 * Sections with poles run as state-variable filters
		 * (biquad.h): the same transfer function, rounded
		 * elsewhere.  Poles of radius at most 0.71 forget an error
		 * within tens of samples, so a few hundred roundings of
		 * 2^-53 bound it: 1e-13 of the input's scale (0.5).
		 */
		for (n = 0; n < N; n++)
			check_near(out[n * 2 + ch], yy[1][n], 1e-13);
		/* and biquad.h's step, section by section, exactly */
		{
			struct adac_biquad bq[2];
			double st[2][4] = {{0}}, y;

			adac_biquad_realise(c[0][ch], &bq[0]);
			adac_biquad_realise(c[1][ch], &bq[1]);
			for (n = 0; n < N; n++) {
				y = adac_biquad_step(&bq[0], st[0], in[n * 2 + ch]);
				y = adac_biquad_step(&bq[1], st[1], y);
				check(out[n * 2 + ch] == y);
			}
		}
	}
out:
	adac_sim_free(sim);
	adac_ir_free(ir);
	free(d);
}

static const char *fdn4_dense =
	"{\"op\":\"series\",\"of\":["
	"{\"op\":\"matrix\",\"data\":[[1],[1],[1],[1]]},"
	"{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\","
	"\"samples\":[1103,1447,1811,2137]},"
	"\"back\":{\"op\":\"matrix\",\"data\":["
	"[0.4995,0.4995,0.4995,0.4995],[0.4995,-0.4995,0.4995,-0.4995],"
	"[0.4995,0.4995,-0.4995,-0.4995],[0.4995,-0.4995,-0.4995,0.4995]]"
	"%s}},"
	"{\"op\":\"matrix\",\"data\":[[0.25,0.25,0.25,0.25]]}]}";

static char *
fdn4(const char *structure)
{
	char g[2048];

	snprintf(g, sizeof g, fdn4_dense, structure);
	return doc(1, 1, g, NULL);
}

/*
 * First- and second-order echoes of a 4-line FDN: s_i[m_i] = b_i, and
 * s_i[m_i + m_j] = A_ij·b_j, so before 3·min(m) the output is
 * Σ_i c_i b_i δ[n − m_i] + Σ_ij c_i A_ij b_j δ[n − m_i − m_j].
 */
static void
test_sim__fdn4_first_echoes(void)
{
	static const long m[4] = {1103, 1447, 1811, 2137};
	const double a = 0.4995, b = 1, c = 0.25;
	static const int sgn[4][4] = {
		{1, 1, 1, 1}, {1, -1, 1, -1}, {1, 1, -1, -1}, {1, -1, -1, 1},
	};
	char *d = fdn4("");
	struct adac_response *r = impulse(d, 3 * 1103);
	static double want[3 * 1103];
	int i, j;
	long n;

	check(r != NULL);
	if (r == NULL)
		goto out;
	for (i = 0; i < 4; i++) {
		want[m[i]] += c * b;
		for (j = 0; j < 4; j++)
			if (m[i] + m[j] < 3 * 1103)
				want[m[i] + m[j]] += c * sgn[i][j] * a * b;
	}
	check(want[2 * 1103] == 0.25 * 0.4995);
	for (n = 0; n < 3 * 1103; n++)
		/* at most two products of exact-ish values summed: 4 ulp */
		check_near(adac_response_path(r, 0, 0)[n], want[n],
			   4 * DBL_EPSILON * fabs(want[n]));
out:
	adac_response_free(r);
	free(d);
}

/* A structure claim never changes the response: the data is simulated. */
static void
test_sim__structured_equals_dense(void)
{
	char *d1 = fdn4(""), *d2 = fdn4(",\"structure\":{\"kind\":"
				       "\"hadamard\",\"scale\":0.4995}");
	struct adac_response *r1 = impulse(d1, 20000);
	struct adac_response *r2 = impulse(d2, 20000);
	long n;

	check(r1 != NULL && r2 != NULL);
	if (r1 != NULL && r2 != NULL)
		for (n = 0; n < 20000; n++)
			check(r1->h[n] == r2->h[n]);
	adac_response_free(r1);
	adac_response_free(r2);
	free(d1);
	free(d2);
}

/*
 * A Householder feedback matrix given densely and with its claim, against
 * the recursion written out here with the reflection x − 2u(uᵀx)/uᵀu.
 */
static void
test_sim__householder_against_recursion(void)
{
	static const double u[3] = {1, 2, -1};
	static const long m[3] = {3, 5, 7};
	const double g = 0.8;
	double A[3][3], uu = 6;
	char g_text[2048], mat[512];
	char *d;
	struct adac_response *r;
	enum { N = 400 };
	static double s[3][N], uin[3][N];
	int i, j;
	long n;

	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			A[i][j] = g * ((i == j) - 2 * u[i] * u[j] / uu);
	snprintf(mat, sizeof mat,
		 "[[%.17g,%.17g,%.17g],[%.17g,%.17g,%.17g],[%.17g,%.17g,%.17g]]",
		 A[0][0], A[0][1], A[0][2], A[1][0], A[1][1], A[1][2],
		 A[2][0], A[2][1], A[2][2]);
	snprintf(g_text, sizeof g_text,
		 "{\"op\":\"series\",\"of\":["
		 "{\"op\":\"matrix\",\"data\":[[1],[0],[0]]},"
		 "{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\","
		 "\"samples\":[3,5,7]},\"back\":{\"op\":\"matrix\","
		 "\"data\":%s,\"structure\":{\"kind\":\"householder\","
		 "\"u\":[1,2,-1],\"scale\":0.8}}},"
		 "{\"op\":\"matrix\",\"data\":[[1,1,1]]}]}", mat);
	d = doc(1, 1, g_text, NULL);
	r = impulse(d, N);
	check(r != NULL);
	/* s_i[n] = u_i[n − m_i], u[n] = b·δ[n] + g·(s − 2u(uᵀs)/uᵀu) */
	for (n = 0; n < N; n++) {
		double dot = 0;

		for (i = 0; i < 3; i++)
			s[i][n] = n >= m[i] ? uin[i][n - m[i]] : 0;
		for (i = 0; i < 3; i++)
			dot += u[i] * s[i][n];
		for (i = 0; i < 3; i++)
			uin[i][n] = (n == 0 && i == 0) +
				    g * (s[i][n] - 2 * u[i] * dot / uu);
	}
	if (r != NULL)
		for (n = 0; n < N; n++)
			/*
			 * |h| <= 3 and the loop gain is 0.8, so rounding
			 * errors of a few eps per step stay below
			 * 3·10·eps/(1 − 0.8) ≈ 3e-14: allow 1e-13
			 */
			check_near(adac_response_path(r, 0, 0)[n],
				   s[0][n] + s[1][n] + s[2][n], 1e-13);
	adac_response_free(r);
	free(d);
}

/*
 * A 6 × 3 matrix (rows not a multiple of the simulator's blocking of 4)
 * against Σ_j a_ij·x_j summed from zero left to right, exactly.
 */
static void
test_sim__matrix_rows_sum_left_to_right(void)
{
	static const double a[6][3] = {
		{0.1, 0.2, 0.3}, {-1e16, 1, 1e16}, {1, 1e16, -1e16},
		{0.7, -0.3, 1e-9}, {3, 0, -3}, {1.0 / 3, 2.0 / 3, 1.0 / 7},
	};
	char *d = doc(3, 6, "{\"op\":\"matrix\",\"data\":["
		      "[0.1,0.2,0.3],[-1e16,1,1e16],[1,1e16,-1e16],"
		      "[0.7,-0.3,1e-9],[3,0,-3],"
		      "[0.33333333333333331,0.66666666666666663,"
		      "0.14285714285714285]]}", NULL);
	struct adac_ir *ir = parse(d);
	struct adac_sim *sim = NULL;
	struct adac_error err;
	enum { N = 50 };
	double in[N * 3], out[N * 6];
	int i, j;
	long n;

	check(ir != NULL);
	if (ir == NULL || adac_sim_new(ir, NULL, 0, &sim, &err) != ADAC_OK)
		goto out;
	for (n = 0; n < N * 3; n++)
		in[n] = cos(1.7 * n) * (n % 5 + 1);
	adac_sim_process(sim, in, out, N);
	for (n = 0; n < N; n++)
		for (i = 0; i < 6; i++) {
			double acc = 0;

			for (j = 0; j < 3; j++)
				acc += a[i][j] * in[n * 3 + j];
			/* cancellation in rows 1, 2 exposes any other order */
			check(out[n * 6 + i] == acc);
		}
out:
	adac_sim_free(sim);
	adac_ir_free(ir);
	free(d);
}

static void
test_sim__parallel_stack_stack(void)
{
	char *d = doc(2, 2, "{\"op\":\"parallel\",\"in\":\"stack\","
		      "\"out\":\"stack\",\"of\":["
		      "{\"op\":\"gain\",\"values\":[2]},"
		      "{\"op\":\"delay\",\"samples\":[3]}]}", NULL);
	struct adac_response *r = impulse(d, 8);
	long n;

	check(r != NULL);
	if (r != NULL)
		for (n = 0; n < 8; n++) {
			check(adac_response_path(r, 0, 0)[n] == (n == 0) * 2.0);
			check(adac_response_path(r, 0, 1)[n] == 0);
			check(adac_response_path(r, 1, 0)[n] == 0);
			check(adac_response_path(r, 1, 1)[n] == (n == 3));
		}
	adac_response_free(r);
	free(d);
}

static void
test_sim__parallel_split_sum_and_series(void)
{
	/* 0.5·δ[n] + δ[n − 2] − δ[n − 1], then series: gain 3, delay 1 */
	char *d = doc(1, 1, "{\"op\":\"series\",\"of\":["
		      "{\"op\":\"parallel\",\"in\":\"split\",\"out\":\"sum\","
		      "\"of\":[{\"op\":\"gain\",\"values\":[0.5]},"
		      "{\"op\":\"delay\",\"samples\":[2]},"
		      "{\"op\":\"series\",\"of\":[{\"op\":\"delay\","
		      "\"samples\":[1]},{\"op\":\"gain\",\"values\":[-1]}]}]},"
		      "{\"op\":\"gain\",\"values\":[3]},"
		      "{\"op\":\"delay\",\"samples\":[1]}]}", NULL);
	struct adac_response *r = impulse(d, 6);
	static const double want[6] = {0, 1.5, -3, 3, 0, 0};
	long n;

	check(r != NULL);
	if (r != NULL)
		for (n = 0; n < 6; n++)
			check(adac_response_path(r, 0, 0)[n] == want[n]);
	adac_response_free(r);
	free(d);
}

/* Split into two channels, then stack: one input, two outputs. */
static void
test_sim__split_to_stack(void)
{
	char *d = doc(1, 2, "{\"op\":\"parallel\",\"in\":\"split\","
		      "\"out\":\"stack\",\"of\":["
		      "{\"op\":\"delay\",\"samples\":[1]},"
		      "{\"op\":\"gain\",\"values\":[-0.25]}]}", NULL);
	struct adac_response *r = impulse(d, 4);
	long n;

	check(r != NULL);
	if (r != NULL)
		for (n = 0; n < 4; n++) {
			check(adac_response_path(r, 0, 0)[n] == (n == 1));
			check(adac_response_path(r, 0, 1)[n] == (n == 0) * -0.25);
		}
	adac_response_free(r);
	free(d);
}

/*
 * Nested loops: the outer one y = inner(x + h·y[n − M]) around an inner
 * comb w = u + g·w[n − m] is y[n] = x[n] + h·y[n − M] + g·y[n − m].
 */
static void
test_sim__nested_feedback(void)
{
	const double g = 0.5, hh = -0.3;
	enum { N = 300, M = 11, m = 4 };
	char *d = doc(1, 1, "{\"op\":\"feedback\","
		      "\"forward\":{\"op\":\"feedback\","
		      "\"forward\":{\"op\":\"gain\",\"values\":[1]},"
		      "\"back\":{\"op\":\"series\",\"of\":["
		      "{\"op\":\"delay\",\"samples\":[4]},"
		      "{\"op\":\"gain\",\"values\":[0.5]}]}},"
		      "\"back\":{\"op\":\"series\",\"of\":["
		      "{\"op\":\"gain\",\"values\":[-0.3]},"
		      "{\"op\":\"delay\",\"samples\":[11]}]}}", NULL);
	struct adac_response *r = impulse(d, N);
	static double y[N];
	long n;

	for (n = 0; n < N; n++)
		y[n] = (n == 0) + (n >= M ? hh * y[n - M] : 0) +
		       (n >= m ? g * y[n - m] : 0);
	check(r != NULL);
	if (r != NULL)
		for (n = 0; n < N; n++)
			/* loop gain sum 0.8 < 1: errors stay ~ eps/(1 − 0.8) */
			check_near(adac_response_path(r, 0, 0)[n], y[n], 1e-14);
	adac_response_free(r);
	free(d);
}

/*
 * A loop with one channel in and two out: forward = delay 1 then [1; 0.5],
 * back = [0.3 0.2], so u[n] = x[n] + 0.4·u[n − 1], y0 = u[n − 1],
 * y1 = 0.5·u[n − 1].
 */
static void
test_sim__feedback_one_to_two_channels(void)
{
	char *d = doc(1, 2, "{\"op\":\"feedback\",\"forward\":{"
		      "\"op\":\"series\",\"of\":[{\"op\":\"delay\","
		      "\"samples\":[1]},{\"op\":\"matrix\","
		      "\"data\":[[1],[0.5]]}]},\"back\":{\"op\":\"matrix\","
		      "\"data\":[[0.3,0.2]]}}", NULL);
	struct adac_response *r = impulse(d, 40);
	long n;

	check(r != NULL);
	if (r != NULL)
		for (n = 1; n < 40; n++) {
			double u = pow(0.4, (double)(n - 1));

			/* 0.3·y0 + 0.2·y1 rounds once or twice a step: n·eps */
			check_near(adac_response_path(r, 0, 0)[n], u,
				   4 * n * DBL_EPSILON * u);
			check_near(adac_response_path(r, 0, 1)[n], 0.5 * u,
				   4 * n * DBL_EPSILON * u);
		}
	adac_response_free(r);
	free(d);
}

/* Linear interpolation: y = (1 − f)·x[n − k] + f·x[n − k − 1]. */
static void
test_sim__linear_fractional_delay(void)
{
	char *d = doc(2, 2, "{\"op\":\"delay\",\"interp\":\"linear\","
		      "\"samples\":[2.25,0.75]}", NULL);
	struct adac_ir *ir = parse(d);
	struct adac_sim *sim = NULL;
	struct adac_error err;
	enum { N = 64 };
	static const double f[2] = {0.25, 0.75};
	static const long k[2] = {2, 0};
	double in[N * 2], out[N * 2];
	int ch;
	long n;

	check(ir != NULL);
	if (ir == NULL || adac_sim_new(ir, NULL, 0, &sim, &err) != ADAC_OK)
		goto out;
	for (n = 0; n < N * 2; n++)
		in[n] = sin(0.37 * n) + 0.1 * n;
	adac_sim_process(sim, in, out, N);
	for (ch = 0; ch < 2; ch++)
		for (n = 0; n < N; n++) {
			double a = n - k[ch] >= 0 ? in[(n - k[ch]) * 2 + ch] : 0;
			double b = n - k[ch] - 1 >= 0 ?
				   in[(n - k[ch] - 1) * 2 + ch] : 0;

			/* the same expression: bit-identical */
			check(out[n * 2 + ch] == (1 - f[ch]) * a + f[ch] * b);
		}
	/* a reset clears the state: the first output is (1 − f)·x[0] */
	adac_sim_reset(sim);
	adac_sim_process(sim, in, out, 1);
	check(out[0] == 0 && out[1] == (1 - 0.75) * in[1]);
out:
	adac_sim_free(sim);
	adac_ir_free(ir);
	free(d);
}

/*
 * A sub-sample delay (feeds through, keeps state) inside a loop closed by
 * one whole sample: y = fd(x + g·y[n − 1]), fd = 0.5·u[n] + 0.5·u[n − 1].
 */
static void
test_sim__fractional_delay_in_loop(void)
{
	enum { N = 100 };
	char *d = doc(1, 1, "{\"op\":\"feedback\","
		      "\"forward\":{\"op\":\"delay\",\"interp\":\"linear\","
		      "\"samples\":[0.5]},"
		      "\"back\":{\"op\":\"series\",\"of\":["
		      "{\"op\":\"delay\",\"samples\":[1]},"
		      "{\"op\":\"gain\",\"values\":[0.7]}]}}", NULL);
	struct adac_response *r = impulse(d, N);
	double u[N], y[N];
	long n;

	for (n = 0; n < N; n++) {
		u[n] = (n == 0) + (n >= 1 ? 0.7 * y[n - 1] : 0);
		y[n] = 0.5 * u[n] + 0.5 * (n >= 1 ? u[n - 1] : 0);
	}
	check(r != NULL);
	if (r != NULL)
		for (n = 0; n < N; n++)
			check_near(adac_response_path(r, 0, 0)[n], y[n],
				   /* loop gain <= 0.7: errors ~ 4 eps/(1 − 0.7) */
				   16 * DBL_EPSILON);
	adac_response_free(r);
	free(d);
}

/*
 * A loop whose only delay is a biquad cascade with b0 = 0 in its second
 * section: the cascade's output depends on past inputs only, so the loop
 * is valid.  Against the recursion written out here.
 */
static void
test_sim__loop_closed_by_biquad_without_b0(void)
{
	static const double c[2][5] = {
		{1, 0.5, 0, 0.2, 0}, {0, 1, 0.3, -0.1, 0.05},
	};
	enum { N = 200 };
	const double g = 0.6;
	char *d = doc(1, 1, "{\"op\":\"feedback\","
		      "\"forward\":{\"op\":\"sos\",\"sections\":["
		      "[[1,0.5,0,0.2,0]],[[0,1,0.3,-0.1,0.05]]]},"
		      "\"back\":{\"op\":\"gain\",\"values\":[0.6]}}", NULL);
	struct adac_response *r = impulse(d, N);
	double u[N], v[N], y[N];
	long n;

	/* u = δ + g·y; v = section 1 of u; y = section 2 of v */
	for (n = 0; n < N; n++) {
		double y1 = n >= 1 ? y[n - 1] : 0, y2 = n >= 2 ? y[n - 2] : 0;
		double v1 = n >= 1 ? v[n - 1] : 0, v2 = n >= 2 ? v[n - 2] : 0;
		double u1 = n >= 1 ? u[n - 1] : 0;

		/* y[n] needs v up to n − 1 only: b0 of section 2 is 0 */
		y[n] = c[1][1] * v1 + c[1][2] * v2 - c[1][3] * y1 -
		       c[1][4] * y2;
		u[n] = (n == 0) + g * y[n];
		v[n] = c[0][0] * u[n] + c[0][1] * u1 - c[0][3] * v1;
	}
	check(r != NULL);
	if (r != NULL)
		for (n = 0; n < N; n++)
			/*
			 * The loop grows slowly (|h| near 50 by n = 200), and
			 * section 1 runs as a state-variable filter
			 * (biquad.h), not this difference equation: both
			 * round ~10 times a sample, relative 2^-53 each, over
			 * 200 samples about 4e-13 of |y|; allow 1e-12.
			 */
			check_near(r->h[n], y[n], 1e-12 * fmax(1.0, fabs(y[n])));
	check(r != NULL && r->h[0] == 0 && r->h[1] == 1);
	adac_response_free(r);
	free(d);
}

/*
 * A feedback node whose loop is broken by zero matrix entries (ir.c: a
 * zero is no dependence): u = x + B·y, y = A·u with A lower and B
 * strictly lower triangular gives y0 = x0, y1 = 2·x0 + x1.
 */
static void
test_sim__loop_broken_by_zero_entries(void)
{
	char *d = doc(2, 2, "{\"op\":\"feedback\","
		      "\"forward\":{\"op\":\"matrix\",\"data\":[[1,0],[1,1]]},"
		      "\"back\":{\"op\":\"matrix\",\"data\":[[0,0],[1,0]]}}",
		      NULL);
	char *d2 = doc(1, 1, "{\"op\":\"feedback\","
		       "\"forward\":{\"op\":\"gain\",\"values\":[3]},"
		       "\"back\":{\"op\":\"gain\",\"values\":[0]}}", NULL);
	struct adac_response *r = impulse(d, 3), *r2 = impulse(d2, 3);
	long n;

	check(r != NULL && r2 != NULL);
	if (r != NULL)
		for (n = 0; n < 3; n++) {
			check(adac_response_path(r, 0, 0)[n] == (n == 0));
			check(adac_response_path(r, 0, 1)[n] == (n == 0) * 2.0);
			check(adac_response_path(r, 1, 0)[n] == 0);
			check(adac_response_path(r, 1, 1)[n] == (n == 0));
		}
	if (r2 != NULL)
		check(r2->h[0] == 3 && r2->h[1] == 0);
	adac_response_free(r);
	adac_response_free(r2);
	free(d);
	free(d2);
}

static const char *ctl_graph =
	"{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\",\"samples\":[5]},"
	"\"back\":{\"op\":\"gain\",\"values\":[1],"
	"\"decay\":{\"control\":\"rt60\",\"loop_samples\":[5]}}}";

static const char *ctl_all =
	"[{\"name\":\"rt60\",\"min\":0.1,\"max\":10,\"init\":2,\"unit\":\"s\"},"
	"{\"name\":\"dry_wet\",\"min\":0,\"max\":1,\"init\":0.5,\"unit\":\"\"},"
	"{\"name\":\"pre_delay\",\"min\":0,\"max\":250,\"init\":0,"
	"\"unit\":\"ms\"}]";

/* rt60 T: the loop of m samples gets 10^(−3m/(fs·T)) per trip. */
static void
test_sim__decay_gain(void)
{
	const char *rt60 = "[{\"name\":\"rt60\",\"min\":0.1,\"max\":10,"
			   "\"init\":2,\"unit\":\"s\"}]";
	char *d = doc(1, 1, ctl_graph, rt60);
	struct adac_setting set = {"rt60", 0.001};
	struct adac_response *r1 = impulse(d, 51);
	struct adac_response *r2 = NULL;
	long k;

	/* the range is checked: 0.001 s is below min */
	check(impulse_set(d, 51, &set, 1) == NULL);
	set.value = 0.5;
	r2 = impulse_set(d, 51, &set, 1);
	check(r1 != NULL && r2 != NULL);
	if (r1 == NULL || r2 == NULL)
		goto out;
	for (k = 1; k <= 10; k++) {
		/* h[5k] = g^(k−1): k − 1 products, eps each */
		double w1 = pow(10, -3.0 * 5 * (k - 1) / (48000 * 2.0));
		double w2 = pow(10, -3.0 * 5 * (k - 1) / (48000 * 0.5));

		check_near(r1->h[5 * k], w1, (k + 1) * DBL_EPSILON);
		check_near(r2->h[5 * k], w2, (k + 1) * DBL_EPSILON);
		check(r1->h[5 * k - 1] == 0);
	}
out:
	adac_response_free(r1);
	adac_response_free(r2);
	free(d);
}

static void
test_sim__dry_wet_and_pre_delay(void)
{
	const char *rt60_only = "[{\"name\":\"rt60\",\"min\":0.1,\"max\":10,"
				"\"init\":2,\"unit\":\"s\"}]";
	char *d = doc(1, 1, ctl_graph, ctl_all);
	char *wet_doc = doc(1, 1, ctl_graph, rt60_only);
	struct adac_setting s[2] = {{"dry_wet", 0}, {"pre_delay", 10.4}};
	struct adac_response *dry = NULL, *wet = NULL, *ref = NULL,
			     *pre = NULL, *mix = NULL;
	long n, shift = adac_sim_pre_delay_samples(10.4, 48000);

	/* 10.4 ms at 48 kHz is 499.2 samples: 499; halves round away */
	check_int(shift, 499);
	check_int(adac_sim_pre_delay_samples(2.5, 1000), 3);
	check_int(adac_sim_pre_delay_samples(0, 48000), 0);
	ref = impulse(wet_doc, 2000);
	dry = impulse_set(d, 2000, s, 1);
	s[0].value = 1;
	wet = impulse_set(d, 2000, s, 1);
	pre = impulse_set(d, 2000, s, 2);
	s[0].value = 0.25;
	mix = impulse_set(d, 2000, s, 1);
	check(ref && dry && wet && pre && mix);
	if (!(ref && dry && wet && pre && mix))
		goto out;
	for (n = 0; n < 2000; n++) {
		check(dry->h[n] == (n == 0));
		check(wet->h[n] == ref->h[n]);
		check(pre->h[n] == (n >= shift ? ref->h[n - shift] : 0));
		check(mix->h[n] == 0.75 * (n == 0) + 0.25 * ref->h[n]);
	}
out:
	adac_response_free(ref);
	adac_response_free(dry);
	adac_response_free(wet);
	adac_response_free(pre);
	adac_response_free(mix);
	free(d);
	free(wet_doc);
}

static void
test_sim__bad_settings(void)
{
	char *d = doc(1, 1, ctl_graph, ctl_all);
	struct adac_ir *ir = parse(d);
	struct adac_setting s = {"width", 1};
	struct adac_response *r = NULL;
	struct adac_error err;
	char arg1[] = "rt60=2.5", arg2[] = "rt60", arg3[] = "rt60=x",
	     arg4[] = "=1", arg5[] = "rt60=nan";
	struct adac_setting p;

	check(ir != NULL);
	if (ir == NULL)
		goto out;
	check(adac_sim_impulse(ir, 10, &s, 1, &r, &err) == ADAC_E_INPUT);
	check_str(err.text, "no control named 'width' in the IR");
	s.name = "dry_wet";
	s.value = 1.5;
	check(adac_sim_impulse(ir, 10, &s, 1, &r, &err) == ADAC_E_INPUT);
	check_str(err.text, "control 'dry_wet' = 1.5 is outside its range [0, 1]");
	check(adac_sim_impulse(ir, -1, NULL, 0, &r, &err) == ADAC_E_INPUT);
	check(r == NULL);
	check(adac_setting_parse(arg1, &p, &err) == ADAC_OK);
	check_str(p.name, "rt60");
	check(p.value == 2.5);
	check(adac_setting_parse(arg2, &p, &err) == ADAC_E_INPUT);
	check(adac_setting_parse(arg3, &p, &err) == ADAC_E_INPUT);
	check(adac_setting_parse(arg4, &p, &err) == ADAC_E_INPUT);
	check(adac_setting_parse(arg5, &p, &err) == ADAC_E_INPUT);
out:
	adac_ir_free(ir);
	free(d);
}

/*
 * 64 lines, delays up to 2^16, Householder feedback: builds, runs past
 * the longest delay, and the first echoes are c_i·b_i at m_i.
 */
static void
test_sim__fdn64_long_delays(void)
{
	enum { L = 64 };
	size_t cap = 1 << 20, off = 0;
	char *g = malloc(cap), *d;
	long m[L], len = 65536 + 10, n;
	struct adac_response *r;
	static double want[65536 + 10];
	int i, j;

	for (i = 0; i < L; i++)
		m[i] = 65536 - 997 * i;	/* distinct, 2725 .. 65536 */
	off += (size_t)snprintf(g + off, cap - off,
				"{\"op\":\"series\",\"of\":[{\"op\":\"matrix\","
				"\"data\":[");
	for (i = 0; i < L; i++)
		off += (size_t)snprintf(g + off, cap - off, "%s[1]",
					i ? "," : "");
	off += (size_t)snprintf(g + off, cap - off,
				"]},{\"op\":\"feedback\",\"forward\":{\"op\":"
				"\"delay\",\"samples\":[");
	for (i = 0; i < L; i++)
		off += (size_t)snprintf(g + off, cap - off, "%s%ld",
					i ? "," : "", m[i]);
	off += (size_t)snprintf(g + off, cap - off,
				"]},\"back\":{\"op\":\"matrix\",\"data\":[");
	for (i = 0; i < L; i++) {
		off += (size_t)snprintf(g + off, cap - off, "%s[", i ? "," : "");
		for (j = 0; j < L; j++)
			off += (size_t)snprintf(g + off, cap - off, "%s%.17g",
						j ? "," : "",
						0.99 * ((i == j) - 2.0 / L));
		off += (size_t)snprintf(g + off, cap - off, "]");
	}
	off += (size_t)snprintf(g + off, cap - off,
				"]}},{\"op\":\"matrix\",\"data\":[[");
	for (i = 0; i < L; i++)
		off += (size_t)snprintf(g + off, cap - off, "%s%d",
					i ? "," : "", i + 1);
	snprintf(g + off, cap - off, "]]}]}");
	d = doc(1, 1, g, NULL);
	r = impulse(d, len);
	for (i = 0; i < L; i++)
		want[m[i]] += i + 1;
	/* second-order echoes start at 2·min(m) = 5450 */
	check(r != NULL);
	if (r != NULL)
		for (n = 0; n < 2 * m[L - 1]; n++)
			check(r->h[n] == want[n]);
	adac_response_free(r);
	free(d);
	free(g);
}

/* Delay-free loops, found on hand-built trees (the parser rejects them). */
static void
test_sim__delay_free_loop(void)
{
	double one = 1, half = 0.5, five = 5;
	struct adac_node g1 = {.op = ADAC_OP_GAIN, .pointer = "/graph/forward",
			       .n_in = 1, .n_out = 1, .values = &one};
	struct adac_node g2 = {.op = ADAC_OP_GAIN, .pointer = "/graph/back",
			       .n_in = 1, .n_out = 1, .values = &half};
	struct adac_node fb = {.op = ADAC_OP_FEEDBACK, .pointer = "/graph",
			       .n_in = 1, .n_out = 1, .forward = &g1,
			       .back = &g2};
	struct adac_node dl = {.op = ADAC_OP_DELAY, .pointer = "/graph/back",
			       .n_in = 1, .n_out = 1, .samples = &five};
	struct adac_node fd = {.op = ADAC_OP_DELAY, .pointer = "/x",
			       .n_in = 1, .n_out = 1, .samples = &half,
			       .interp = ADAC_INTERP_LINEAR};
	/* outer loop around an inner, well-delayed loop, with no delay */
	struct adac_node inner = {.op = ADAC_OP_FEEDBACK,
				  .pointer = "/graph/forward", .n_in = 1,
				  .n_out = 1, .forward = &g1, .back = &dl};
	struct adac_node outer = {.op = ADAC_OP_FEEDBACK, .pointer = "/graph",
				  .n_in = 1, .n_out = 1, .forward = &inner,
				  .back = &g2};
	const char *p = NULL;

	check_int(adac_netlist_find_delay_free_loop(&fb, &p), 1);
	check_str(p, "/graph");
	fb.back = &dl;
	p = NULL;
	check_int(adac_netlist_find_delay_free_loop(&fb, &p), 0);
	check(p == NULL);
	check_int(adac_netlist_find_delay_free_loop(&outer, &p), 1);
	check_str(p, "/graph");
	/* a linear delay below one sample feeds through */
	fb.back = &fd;
	check_int(adac_netlist_find_delay_free_loop(&fb, &p), 1);
	/* as in ir.c, a zero gain or a biquad with b0 = 0 is no dependence */
	{
		double zero = 0, sec[5] = {0, 1, 0, 0, 0};
		struct adac_node g0 = {.op = ADAC_OP_GAIN, .pointer = "/g",
				       .n_in = 1, .n_out = 1, .values = &zero};
		struct adac_node bq = {.op = ADAC_OP_SOS, .pointer = "/s",
				       .n_in = 1, .n_out = 1, .n_sections = 1,
				       .sos = sec};

		fb.back = &g0;
		check_int(adac_netlist_find_delay_free_loop(&fb, &p), 0);
		fb.back = &bq;
		check_int(adac_netlist_find_delay_free_loop(&fb, &p), 0);
		sec[0] = 0.5;
		check_int(adac_netlist_find_delay_free_loop(&fb, &p), 1);
	}
}

/* The noisy response of the IR text, or NULL (printed). */
static struct adac_response *
noisy(const char *text, long length)
{
	struct adac_ir *ir = parse(text);
	struct adac_response *r = NULL;
	struct adac_error err;

	if (ir == NULL)
		return NULL;
	if (adac_sim_impulse_noisy(ir, length, NULL, 0, &r, &err) != ADAC_OK)
		printf("#   noisy impulse failed: %s: %s\n", err.pointer,
		       err.text);
	adac_ir_free(ir);
	return r;
}

/*
 * The noise model draws every error from one seed: the same IR gives the
 * same responses, and a run of delays and exact gains only rounds its
 * output samples, by at most u = 2^-24 of each.  Ten gains of 0.9 in a
 * row hold 10 coefficient errors and 10 product errors of at most u
 * each, plus the output's: |noisy − exact| <= 21·u·|h| to first order
 * (the second-order terms are below 1e-12 of that).
 */
static void
test_sim__noise_model_counts_every_rounding(void)
{
	char *a = doc(1, 1, "{\"op\":\"series\",\"of\":["
		      "{\"op\":\"delay\",\"samples\":[3]},"
		      "{\"op\":\"gain\",\"values\":[-1]},"
		      "{\"op\":\"delay\",\"samples\":[5]}]}", NULL);
	char *b = doc(1, 1, "{\"op\":\"series\",\"of\":["
		      "{\"op\":\"gain\",\"values\":[0.9]},{\"op\":\"gain\",\"values\":[0.9]},"
		      "{\"op\":\"gain\",\"values\":[0.9]},{\"op\":\"gain\",\"values\":[0.9]},"
		      "{\"op\":\"gain\",\"values\":[0.9]},{\"op\":\"gain\",\"values\":[0.9]},"
		      "{\"op\":\"gain\",\"values\":[0.9]},{\"op\":\"gain\",\"values\":[0.9]},"
		      "{\"op\":\"gain\",\"values\":[0.9]},{\"op\":\"gain\",\"values\":[0.9]}]}",
		      NULL);
	struct adac_response *ea = impulse(a, 16), *na = noisy(a, 16);
	struct adac_response *na2 = noisy(a, 16);
	struct adac_response *eb = impulse(b, 4), *nb = noisy(b, 4);
	double h, e;
	long n;

	check(ea != NULL && na != NULL && na2 != NULL && eb != NULL &&
	      nb != NULL);
	if (ea == NULL || na == NULL || na2 == NULL || eb == NULL ||
	    nb == NULL)
		goto out;
	check(memcmp(na->h, na2->h, 16 * sizeof *na->h) == 0);
	for (n = 0; n < 16; n++)
		check(fabs(na->h[n] - ea->h[n]) <= ADAC_SIM_FLOAT_U *
		      fabs(ea->h[n]));
	check(na->h[8] != ea->h[8]);	/* the one sample that rounds */
	h = eb->h[0];
	e = fabs(nb->h[0] - h);
	check(fabs(h - pow(0.9, 10)) <= 1e-15);
	check_le(e, 21 * ADAC_SIM_FLOAT_U * fabs(h) * (1 + 1e-12));
	/* and well above one rounding: ten independent draws */
	check(e > ADAC_SIM_FLOAT_U * fabs(h) / 8);
out:
	adac_response_free(ea);
	adac_response_free(na);
	adac_response_free(na2);
	adac_response_free(eb);
	adac_response_free(nb);
	free(a);
	free(b);
}

/*
 * The model's noise follows the noise gain: a loop of gain 0.999 holds
 * its errors about a hundred times longer than one of 0.9, so the
 * model's noise re peak is higher by well over 20 dB.
 */
static void
test_sim__noise_model_follows_the_noise_gain(void)
{
	const char *fmt = "{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\","
			  "\"samples\":[1]},\"back\":{\"op\":\"gain\",\"values\":[%s]}}";
	char g[2][200], *d[2];
	double db[2];
	int k;
	long n;

	snprintf(g[0], sizeof g[0], fmt, "0.9");
	snprintf(g[1], sizeof g[1], fmt, "0.999");
	for (k = 0; k < 2; k++) {
		struct adac_response *e, *z;
		double pk = 0, err = 0;

		d[k] = doc(1, 1, g[k], NULL);
		e = impulse(d[k], 20000);
		z = noisy(d[k], 20000);
		check(e != NULL && z != NULL);
		for (n = 0; e != NULL && z != NULL && n < 20000; n++) {
			pk = fmax(pk, fabs(e->h[n]));
			err = fmax(err, fabs(z->h[n] - e->h[n]));
		}
		db[k] = 20 * log10(err / pk);
		adac_response_free(e);
		adac_response_free(z);
		free(d[k]);
	}
	printf("#   one-pole loop, model noise: 0.9 %.1f dB, 0.999 %.1f dB\n",
	       db[0], db[1]);
	check(db[1] > db[0] + 20);
}

int
main(void)
{
	RUN(test_sim__feedback_comb);
	RUN(test_sim__resonator_closed_form);
	RUN(test_sim__biquad_cascade_difference_equation);
	RUN(test_sim__fdn4_first_echoes);
	RUN(test_sim__structured_equals_dense);
	RUN(test_sim__householder_against_recursion);
	RUN(test_sim__matrix_rows_sum_left_to_right);
	RUN(test_sim__parallel_stack_stack);
	RUN(test_sim__parallel_split_sum_and_series);
	RUN(test_sim__split_to_stack);
	RUN(test_sim__nested_feedback);
	RUN(test_sim__feedback_one_to_two_channels);
	RUN(test_sim__linear_fractional_delay);
	RUN(test_sim__fractional_delay_in_loop);
	RUN(test_sim__loop_closed_by_biquad_without_b0);
	RUN(test_sim__loop_broken_by_zero_entries);
	RUN(test_sim__decay_gain);
	RUN(test_sim__dry_wet_and_pre_delay);
	RUN(test_sim__bad_settings);
	RUN(test_sim__fdn64_long_delays);
	RUN(test_sim__delay_free_loop);
	RUN(test_sim__noise_model_counts_every_rounding);
	RUN(test_sim__noise_model_follows_the_noise_gain);
	return unit_done();
}
