/*
 * test_sdn.c - the scattering delay network front end (lib/lower_sdn.c)
 * against properties derived here from the room's geometry, not from
 * the lowering's code: image sources and reflection points, the early
 * response the image-source method predicts, the orthogonality of the
 * lossless scattering, and the decay Sabine and Eyring predict.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decay.h"
#include "ir.h"
#include "json.h"
#include "lower.h"
#include "sim.h"
#include "unit.h"

#define FS 48000.0
#define C 343.0

struct room {
	double size[3], src[3], mic[3], alpha[6];
	double fs, c;			/* 0: the spec's defaults, FS and C */
};

/* The bundled example's room (examples/sdn-room.json). */
static const struct room example = {
	{5.0, 4.0, 3.0}, {1.5, 1.2, 1.6}, {3.6, 2.7, 1.2},
	{0.3, 0.3, 0.2, 0.2, 0.1, 0.5}, 0, 0,
};

static double
dist(const double a[3], const double b[3])
{
	return sqrt((a[0] - b[0]) * (a[0] - b[0]) +
		    (a[1] - b[1]) * (a[1] - b[1]) +
		    (a[2] - b[2]) * (a[2] - b[2]));
}

/* The source's image in wall k (x = 0, x = Lx, y = 0, ... z = Lz). */
static void
image(const struct room *r, int k, double img[3])
{
	int a = k / 2;

	memcpy(img, r->src, 3 * sizeof *img);
	img[a] = k % 2 == 0 ? -r->src[a] : r->size[a] + (r->size[a] - r->src[a]);
}

/*
 * Where the ray from the microphone towards the image leaves the room
 * through wall k: walk from the microphone a fraction (distance to
 * the wall)/(distance to the image's plane) of the way.
 */
static void
reflection_point(const struct room *r, int k, double p[3])
{
	double img[3], f;
	int a = k / 2, j;

	image(r, k, img);
	f = (k % 2 == 0 ? r->mic[a] : r->size[a] - r->mic[a]) /
	    fabs(r->mic[a] - img[a]);
	for (j = 0; j < 3; j++)
		p[j] = r->mic[j] + f * (img[j] - r->mic[j]);
}

static json_t *
spec(const struct room *r)
{
	json_t *s = json_pack("{ss s[fff] s[fff] s[fff] s[ffffff]}",
	    "format", "sdn", "room", r->size[0], r->size[1], r->size[2],
	    "source", r->src[0], r->src[1], r->src[2],
	    "microphone", r->mic[0], r->mic[1], r->mic[2],
	    "absorption", r->alpha[0], r->alpha[1], r->alpha[2],
	    r->alpha[3], r->alpha[4], r->alpha[5]);
	if (s != NULL && r->fs > 0)
		json_object_set_new(s, "fs", json_real(r->fs));
	if (s != NULL && r->c > 0)
		json_object_set_new(s, "c", json_real(r->c));
	return s;
}

static json_t *
lower(const struct room *r)
{
	struct adac_error err;
	json_t *s = spec(r), *ir = NULL;

	if (adac_lower(s, ADAC_LOWER_AUTO, &ir, &err) != ADAC_OK) {
		printf("# %s: %s\n", err.pointer, err.text);
		ir = NULL;
	}
	json_decref(s);
	return ir;
}

/* The impulse response over n samples, malloc'd; NULL on failure. */
static double *
impulse(const struct room *r, long n)
{
	struct adac_error err;
	struct adac_response *resp = NULL;
	struct adac_ir *ir = NULL;
	json_t *doc = lower(r);
	double *h = NULL;

	if (doc != NULL && adac_ir_parse(doc, &ir, &err) == ADAC_OK &&
	    adac_sim_impulse(ir, n, NULL, 0, &resp, &err) == ADAC_OK) {
		h = malloc((size_t)n * sizeof *h);
		if (h != NULL)
			memcpy(h, adac_response_path(resp, 0, 0),
			       (size_t)n * sizeof *h);
	}
	adac_response_free(resp);
	adac_ir_free(ir);
	json_decref(doc);
	return h;
}

/* The node whose "id" is id, depth first. */
static json_t *
find_id(json_t *node, const char *id)
{
	const char *key;
	json_t *v, *hit;
	size_t i;

	if (json_is_object(node)) {
		v = json_object_get(node, "id");
		if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
			return node;
		json_object_foreach(node, key, v)
			if ((hit = find_id(v, id)) != NULL)
				return hit;
	} else if (json_is_array(node)) {
		json_array_foreach(node, i, v)
			if ((hit = find_id(v, id)) != NULL)
				return hit;
	}
	return NULL;
}

/* The 30 × 30 loop matrix of the lowered room into m. */
static int
loop_matrix(const struct room *r, double m[30][30])
{
	json_t *ir = lower(r), *node, *data;
	int i, j, ok = 0;

	node = ir != NULL ? find_id(ir, "scattering") : NULL;
	data = json_object_get(node, "data");
	if (json_array_size(data) == 30) {
		ok = 1;
		for (i = 0; i < 30; i++)
			for (j = 0; j < 30; j++)
				m[i][j] = json_number_value(json_array_get(
				    json_array_get(data, (size_t)i), (size_t)j));
	}
	json_decref(ir);
	return ok;
}

/*
 * Before any path through two or more walls can arrive, the response is
 * the direct path at round(|S − M|·fs/c) with gain 1/|S − M| plus each
 * wall's first-order reflection at round(|S_k' − M|·fs/c), S_k' the
 * image source, with gain β_k/|S_k' − M|, β_k = √(1 − α_k), and
 * nothing else, to the sample.
 *
 * When that is: a path S → k → j → M has length dSk + dkj + djM; its
 * delay in samples is made of roundings to the nearest sample of dSk,
 * dkj and of the image distance and dSj (the microphone leg is their
 * difference), at most ½ sample each, so it arrives no earlier than
 * (dSk + dkj + djM)·fs/c − 2.  A path through m >= 3 walls is longer
 * than min dS + 2·min dkj + min dM, with one more ½ sample of rounding
 * per extra wall, far less than the min dkj (metres, hundreds of
 * samples) each wall adds: no earlier than that length·fs/c − 3.
 */
static void
test_sdn__first_order_reflections_arrive_at_the_image_source_delays(void)
{
	const struct room *r = &example;
	double node[6][3], img[6][3], expect[2000], *h, d, dmin_s = 1e9,
	    dmin_m = 1e9, dmin_nn = 1e9, early = 1e9, scale;
	long n, n_first = 0, len = 2000;
	int k, j;

	for (k = 0; k < 6; k++) {
		reflection_point(r, k, node[k]);
		image(r, k, img[k]);
		/* a reflection point is on its wall: S → node → M is as long
		 * as the image's distance, to rounding */
		check_near(dist(r->src, node[k]) + dist(node[k], r->mic),
			   dist(img[k], r->mic), 1e-12);
		if (dist(r->src, node[k]) < dmin_s)
			dmin_s = dist(r->src, node[k]);
		if (dist(node[k], r->mic) < dmin_m)
			dmin_m = dist(node[k], r->mic);
	}
	for (k = 0; k < 6; k++)
		for (j = 0; j < 6; j++) {
			if (j == k)
				continue;
			d = dist(node[k], node[j]);
			if (d < dmin_nn)
				dmin_nn = d;
			d = (dist(r->src, node[k]) + d +
			     dist(node[j], r->mic)) * FS / C - 2;
			if (d < early)
				early = d;
		}
	d = (dmin_s + 2 * dmin_nn + dmin_m) * FS / C - 3;
	if (d < early)
		early = d;
	check_le(early, len);
	memset(expect, 0, sizeof expect);
	expect[lround(dist(r->src, r->mic) * FS / C)] +=
	    1 / dist(r->src, r->mic);
	for (k = 0; k < 6; k++) {
		n = lround(dist(img[k], r->mic) * FS / C);
		if (n < early) {
			expect[n] += sqrt(1 - r->alpha[k]) /
			    dist(img[k], r->mic);
			n_first++;
		}
	}
	/* the example's geometry puts all six before the second order */
	check_int(n_first, 6);
	h = impulse(r, len);
	check(h != NULL);
	if (h == NULL)
		return;
	/*
	 * The split gains ½/dSk · (2/5)·5·β_k · 1/(1 + dkM/dSk) multiply to
	 * β_k/(dSk + dkM) = β_k/|S_k' − M| up to rounding: a dozen
	 * operations of relative error 2^-53 each in the lowering and the
	 * simulator's sums of five waves, plus the reflection point's
	 * rounding; 64·eps relative to the largest gain, 1/min distance.
	 */
	scale = 1 / dist(r->src, r->mic);
	for (k = 0; k < 6; k++)
		if (1 / dist(img[k], r->mic) > scale)
			scale = 1 / dist(img[k], r->mic);
	for (n = 0; n < early; n++)
		if (fabs(h[n] - expect[n]) > 64 * DBL_EPSILON * scale) {
			printf("# sample %ld: %.17g, expected %.17g\n", n,
			       h[n], expect[n]);
			check(0);
			break;
		}
	printf("# %ld first-order reflections; second order from sample "
	       "%.0f on\n", n_first, ceil(early));
	free(h);
}

/*
 * Walls that absorb everything leave the direct path alone: one impulse
 * at round(|S − M|·fs/c) of 1/|S − M|, at the defaults (48 kHz, 343
 * m/s) and at a rate and speed of sound of the spec's own.
 */
static void
test_sdn__the_direct_path_has_gain_one_over_r(void)
{
	struct room r = {{7, 5, 3}, {1, 1, 1}, {5.5, 4, 2}, {1, 1, 1, 1, 1, 1},
			 0, 0};
	double *h, d = dist(r.src, r.mic), fs, c;
	long n, at;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		r.fs = pass == 0 ? 0 : 44100;
		r.c = pass == 0 ? 0 : 340;
		fs = pass == 0 ? FS : r.fs;
		c = pass == 0 ? C : r.c;
		at = lround(d * fs / c);
		h = impulse(&r, at + 2000);
		check(h != NULL);
		if (h == NULL)
			return;
		/* one gain node of value 1/d: exact but for the division's
		 * rounding, half an ulp */
		check_near(h[at], 1 / d, DBL_EPSILON / d);
		for (n = 0; n < at + 2000; n++)
			if (n != at && h[n] != 0) {
				printf("# sample %ld: %g\n", n, h[n]);
				check(0);
				break;
			}
		free(h);
	}
}

/* max |(M·Mᵀ − B²)_ij|, B = diag(β of the wall each line leaves) */
static double
gram_error(double m[30][30], const double *alpha)
{
	double e = 0, s;
	int i, j, l;

	for (i = 0; i < 30; i++)
		for (j = 0; j < 30; j++) {
			for (s = 0, l = 0; l < 30; l++)
				s += m[i][l] * m[j][l];
			if (i == j)
				s -= 1 - alpha[i / 5];
			if (fabs(s) > e)
				e = fabs(s);
		}
	return e;
}

static void
test_sdn__the_lossless_scattering_matrix_is_orthogonal(void)
{
	struct room r = example;
	double m[30][30], mt[30][30], e = 0, s;
	int i, j, l, nz;

	memset(r.alpha, 0, sizeof r.alpha);
	check(loop_matrix(&r, m));
	/* MᵀM = I: each entry a sum of 30 products, 5 of them nonzero, of
	 * values rounded once (0.4, −0.6): a few eps; 8·N·eps with N = 30 */
	for (i = 0; i < 30; i++)
		for (j = 0; j < 30; j++) {
			for (s = 0, l = 0; l < 30; l++)
				s += m[l][i] * m[l][j];
			s -= i == j;
			if (fabs(s) > e)
				e = fabs(s);
		}
	check_le(e, 8 * 30 * DBL_EPSILON);
	/* a permutation times a block diagonal of 5 × 5 blocks: every row
	 * and column has 5 nonzeros, one of them −3/5 and four 2/5 */
	for (i = 0; i < 30; i++) {
		for (nz = 0, j = 0; j < 30; j++) {
			mt[j][i] = m[i][j];
			if (m[i][j] != 0) {
				nz++;
				check(fabs(m[i][j] - 0.4) < 1e-15 ||
				      fabs(m[i][j] + 0.6) < 1e-15);
			}
		}
		check_int(nz, 5);
	}
	for (i = 0; i < 30; i++) {
		for (nz = 0, j = 0; j < 30; j++)
			nz += mt[i][j] != 0;
		check_int(nz, 5);
	}
	check_le(gram_error(m, r.alpha), 8 * 30 * DBL_EPSILON);
}

static void
test_sdn__absorption_scales_each_wall_by_its_reflection_coefficient(void)
{
	double m[30][30];

	/* M·Mᵀ = diag(1 − α_k) over the five lines leaving wall k: the
	 * orthogonal scattering times β_k = √(1 − α_k) on wall k's rows */
	check(loop_matrix(&example, m));
	check_le(gram_error(m, example.alpha), 8 * 30 * DBL_EPSILON);
}

/*
 * T60 from the simulated response's Schroeder decay (lib/decay.c)
 * against Sabine's and Eyring's formulas for the room:
 *   Sabine  T = 24·ln10·V/(c·Σ S_k α_k)
 *   Eyring  T = 24·ln10·V/(c·S·(−ln(1 − ᾱ))), ᾱ = Σ S_k α_k / S.
 * Eyring's is the decay of energy losing a fraction ᾱ per reflection,
 * one reflection per mean free path 4V/S.  In the network, energy flows
 * along its 30 lines and loses 1 − β_k² = α_k at each node it passes;
 * the scattering's squared entries (0.36 and four 0.16 per row) are
 * doubly stochastic, so in the long run every line carries the same
 * energy flux, and the path between losses is the lines' mean length L̄
 * (not 4V/S) with a loss per node of mean_k(−ln(1 − α_k)) (nodes, not
 * areas).  Eyring's T = 6·ln10·(4V/S)/(c·(−ln(1 − ᾱ))) becomes the
 * network's own prediction
 *   T_sdn = 6·ln10·L̄/(c·mean_k(−ln(1 − α_k))).
 * The test asserts the measured T60 within ±10% of T_sdn (the flux is
 * uniform only on average, and the early decay is coherent: measured
 * 0.5% to 7% above it over the rooms below) and, for the room,
 * between 0.9·Eyring and 1.1·Sabine·max(1, L̄·S/(4V)): what a room of
 * this shape gives once the network's longer mean path is allowed for.
 */
static void
check_t60(const struct room *r, double *measured, double *sabine,
	  double *eyring, double *predicted)
{
	struct adac_error err;
	double node[6][3], area[6], v, s = 0, sa = 0, lbar = 0, loss = 0,
	    *h, t60 = NAN, ratio;
	long len;
	int k, j;

	v = r->size[0] * r->size[1] * r->size[2];
	for (k = 0; k < 6; k++) {
		area[k] = v / r->size[k / 2];
		s += area[k];
		sa += area[k] * r->alpha[k];
		loss += -log(1 - r->alpha[k]) / 6;
		reflection_point(r, k, node[k]);
	}
	for (k = 0; k < 6; k++)
		for (j = 0; j < 6; j++)
			if (j != k)
				lbar += dist(node[k], node[j]) / 30;
	*sabine = 24 * log(10) * v / (C * sa);
	*eyring = 24 * log(10) * v / (C * s * -log(1 - sa / s));
	*predicted = 24 * log(10) * (lbar / 4) / (C * loss);
	ratio = lbar * s / (4 * v);
	/* a window of twice the prediction reaches far below −40 dB */
	len = (long)(2 * *predicted * FS);
	h = impulse(r, len);
	check(h != NULL);
	if (h != NULL && adac_decay_t60(h, len, FS, &t60, &err) != ADAC_OK)
		printf("# %s\n", err.text);
	free(h);
	*measured = t60;
	printf("# room %gx%gx%g: T60 %.3f s, Sabine %.3f, Eyring %.3f, "
	       "network %.3f (L = %.3f m, 4V/S = %.3f m)\n", r->size[0],
	       r->size[1], r->size[2], t60, *sabine, *eyring, *predicted,
	       lbar, 4 * v / s);
	check(t60 >= 0.9 * *predicted && t60 <= 1.1 * *predicted);
	check(t60 >= 0.9 * *eyring &&
	      t60 <= 1.1 * *sabine * (ratio > 1 ? ratio : 1));
}

static void
test_sdn__with_absorption_t60_is_what_sabine_and_eyring_predict(void)
{
	static const struct room rooms[] = {
		/* the example, then the same room with uniform absorption
		 * low and high, a cube, a long flat hall */
		{{5.0, 4.0, 3.0}, {1.5, 1.2, 1.6}, {3.6, 2.7, 1.2},
		 {0.3, 0.3, 0.2, 0.2, 0.1, 0.5}, 0, 0},
		{{5.0, 4.0, 3.0}, {1.5, 1.2, 1.6}, {3.6, 2.7, 1.2},
		 {0.1, 0.1, 0.1, 0.1, 0.1, 0.1}, 0, 0},
		{{5.0, 4.0, 3.0}, {1.5, 1.2, 1.6}, {3.6, 2.7, 1.2},
		 {0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, 0, 0},
		{{3.0, 3.0, 3.0}, {1.0, 1.2, 1.4}, {2.1, 1.9, 1.5},
		 {0.2, 0.2, 0.2, 0.2, 0.2, 0.2}, 0, 0},
		{{10.0, 7.0, 3.5}, {2.0, 3.0, 1.5}, {7.5, 4.0, 1.7},
		 {0.2, 0.2, 0.2, 0.2, 0.2, 0.2}, 0, 0},
	};
	double t, sab, ey, pred;
	size_t i;

	for (i = 0; i < sizeof rooms / sizeof rooms[0]; i++)
		check_t60(&rooms[i], &t, &sab, &ey, &pred);
	/* the example itself: between Eyring and 1.2 × Sabine */
	check_t60(&example, &t, &sab, &ey, &pred);
	check(t >= ey && t <= 1.2 * sab);
}

int
main(void)
{
	RUN(test_sdn__first_order_reflections_arrive_at_the_image_source_delays);
	RUN(test_sdn__the_direct_path_has_gain_one_over_r);
	RUN(test_sdn__the_lossless_scattering_matrix_is_orthogonal);
	RUN(test_sdn__absorption_scales_each_wall_by_its_reflection_coefficient);
	RUN(test_sdn__with_absorption_t60_is_what_sabine_and_eyring_predict);
	return unit_done();
}
