/*
 * lower_sdn.c - the native scattering delay network spec lowered to ir/1.
 *
 * A scattering delay network (De Sena, Hacıhabiboğlu, Cvetković and
 * Smith, "Efficient synthesis of room acoustics via scattering delay
 * networks", IEEE/ACM TASLP 23(9), 2015) of a shoebox room puts one
 * node on each of its six walls, at the point where the source's
 * first-order reflection towards the microphone lands (the image-source
 * method).  Every pair of nodes is joined by two delay lines, one each
 * way, of the length between them: 6 × 5 = 30 lines.  With p_k⁺ the 5
 * waves arriving at node k (one from each neighbour) and p_k⁻ the 5 it
 * sends (one to each),
 *
 *   p_k⁻ = β_k · A · (p_k⁺ + ½ · g_Sk · x(n − D_Sk) · 1)
 *   y    = Σ_k g_kM · (2/5) · 1ᵀ p_k⁻(n − D_kM) + x(n − D_SM) / |x_S − x_M|
 *
 * with A = (2/5)·11ᵀ − I the isotropic scattering matrix of a node with
 * 5 neighbours (symmetric and A² = I: orthogonal), β_k = √(1 − α_k) the
 * pressure reflection coefficient of a wall absorbing a fraction α_k of
 * the energy, g_Sk = 1/|x_S − x_k| and g_kM = 1/(1 + |x_k − x_M|/|x_S −
 * x_k|).  Since A·1 = 1, the source's ½·g_Sk on each of the 5 incoming
 * waves leaves as ½·β_k·g_Sk on each outgoing one, and the microphone's
 * (2/5)·1ᵀ sums them back to β_k·g_Sk: the first-order reflection off
 * wall k reaches the microphone with β_k·g_Sk·g_kM = β_k/(|x_S − x_k| +
 * |x_k − x_M|) = β_k/(distance of the image source), the image-source
 * method's amplitude.  The paper's overall scale G = c/fs is left out:
 * gains are 1/r with r in metres, as the direct path's.
 *
 * Delays are whole samples, the nearest to distance·fs/c (halves away
 * from zero), with one exception that makes every first-order
 * reflection arrive at its image-source delay to the sample: D_kM is
 * round(|x_S' − x_M|·fs/c) − D_Sk, where x_S' is the image of the
 * source in wall k, rather than round(|x_k − x_M|·fs/c), which could
 * land a sample off.
 *
 * The 30 lines form one loop whose matrix is the permutation from the
 * lines' ends to the nodes' inputs, then the block diagonal of the six
 * A, then the wall gains: one 30 × 30 "matrix" node, so that the
 * certifier sees the whole network's matrix (orthogonal when nothing
 * absorbs).  The microphone reads the waves as they leave the nodes, so
 * the loop is feedback{forward: that matrix, back: the 30 delays}, its
 * output the lines' inputs:
 *
 *   parallel(split, sum)[
 *     series[ matrix 6×1 of ones, delay D_S, matrix inject (30×6),
 *             feedback{forward: matrix scattering, back: delay lines},
 *             matrix taps (6×30), delay D_M, matrix mic (1×6) ],
 *     series[ delay D_SM, gain 1/|x_S − x_M| ] ]
 *
 * man/adac-lower.1 is the reference.
 */
#include "lower.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "json.h"

#define WALLS 6
#define LINKS (WALLS - 1)		/* neighbours of a node */
#define LINES (WALLS * LINKS)		/* 30 */

static const char *const wall_names[WALLS] = {
	"x = 0", "x = Lx", "y = 0", "y = Ly", "z = 0", "z = Lz",
};

static const char *const known_keys[] = {
	"format", "name", "fs", "c", "room", "source", "microphone",
	"absorption", NULL,
};

struct room {
	const char *name;
	double fs, c;
	double size[3], src[3], mic[3];
	double alpha[WALLS];
	/* what the lowering computes */
	double node[WALLS][3];		/* reflection points */
	double d_src[WALLS], d_mic[WALLS];	/* |x_S − x_k|, |x_k − x_M| */
	double d_image[WALLS];		/* |x_S' − x_M| */
	double d_direct;
	double delay_src[WALLS], delay_mic[WALLS], delay_line[LINES];
	double delay_direct;
};

static int
nomem(struct adac_error *err)
{
	return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
}

/* A positive finite number at key, def when the key is missing. */
static int
read_positive(const json_t *spec, const char *key, double def, double max,
	      const char *what, double *out, struct adac_error *err)
{
	const json_t *v = json_object_get(spec, key);
	char p[ADAC_POINTER_MAX];
	int rc;

	adac_ptr_key(p, "", key);
	*out = def;
	if (v == NULL)
		return ADAC_OK;
	if ((rc = adac_json_number(v, p, out, err)) != ADAC_OK)
		return rc;
	if (!(*out > 0) || *out > max)
		return adac_error_set(err, ADAC_E_INPUT, p,
				      "%s %g is not between 0 and %g", what,
				      *out, max);
	return ADAC_OK;
}

/* Three numbers at key into x. */
static int
read_point(const json_t *spec, const char *key, double x[3],
	   struct adac_error *err)
{
	char p[ADAC_POINTER_MAX];
	double *v;
	long len;
	int rc;

	adac_ptr_key(p, "", key);
	rc = adac_json_numbers(json_object_get(spec, key), p, 3, 3, &v, &len,
			       err);
	if (rc != ADAC_OK)
		return rc;
	memcpy(x, v, 3 * sizeof *x);
	free(v);
	return ADAC_OK;
}

/* A position strictly inside the room: on a wall, 1/r is infinite. */
static int
check_inside(const struct room *r, const char *key, const double x[3],
	     struct adac_error *err)
{
	char p[ADAC_POINTER_MAX], q[ADAC_POINTER_MAX];
	int a;

	adac_ptr_key(p, "", key);
	for (a = 0; a < 3; a++)
		if (!(x[a] > 0 && x[a] < r->size[a])) {
			adac_ptr_index(q, p, (size_t)a);
			return adac_error_set(err, ADAC_E_INPUT, q,
			    "%s %c = %g m is not inside the room (0 to %g m, "
			    "walls excluded)", key, "xyz"[a], x[a],
			    r->size[a]);
		}
	return ADAC_OK;
}

static int
read_absorption(const json_t *spec, struct room *r, struct adac_error *err)
{
	const json_t *v = json_object_get(spec, "absorption");
	char p[ADAC_POINTER_MAX];
	double *a, x = 0;
	long len;
	int k, rc;

	if (v == NULL)
		return adac_error_set(err, ADAC_E_INPUT, "/absorption",
		    "missing absorption: one coefficient, or six (walls "
		    "x = 0, x = Lx, y = 0, y = Ly, z = 0, z = Lz)");
	if (!json_is_array(v)) {
		if ((rc = adac_json_number(v, "/absorption", &x, err)))
			return rc;
		for (k = 0; k < WALLS; k++)
			r->alpha[k] = x;
	} else {
		rc = adac_json_numbers(v, "/absorption", WALLS, WALLS, &a,
				       &len, err);
		if (rc != ADAC_OK)
			return rc;
		memcpy(r->alpha, a, sizeof r->alpha);
		free(a);
	}
	if (!json_is_array(v) && !(x >= 0 && x <= 1))
		return adac_error_set(err, ADAC_E_INPUT, "/absorption",
		    "absorption %g is not between 0 and 1", x);
	for (k = 0; k < WALLS; k++)
		if (!(r->alpha[k] >= 0 && r->alpha[k] <= 1)) {
			adac_ptr_index(p, "/absorption", (size_t)k);
			return adac_error_set(err, ADAC_E_INPUT, p,
			    "absorption %g of wall %s is not between 0 and 1",
			    r->alpha[k], wall_names[k]);
		}
	return ADAC_OK;
}

static double
dist(const double a[3], const double b[3])
{
	return sqrt((a[0] - b[0]) * (a[0] - b[0]) +
		    (a[1] - b[1]) * (a[1] - b[1]) +
		    (a[2] - b[2]) * (a[2] - b[2]));
}

/*
 * distance·fs/c rounded to the nearest sample into *out; ADAC_E_INPUT
 * naming /room when it is more than the IR's longest delay.
 */
static int
samples(const struct room *r, double d, double *out, struct adac_error *err)
{
	double n = d * r->fs / r->c;

	if (!(n <= ADAC_MAX_DELAY_SAMPLES))
		return adac_error_set(err, ADAC_E_INPUT, "/room",
		    "a path of %g m is %.0f samples at %g Hz and %g m/s, more "
		    "than the limit of %d", d, n, r->fs, r->c,
		    ADAC_MAX_DELAY_SAMPLES);
	*out = round(n);
	return ADAC_OK;
}

/* The line from node k to its neighbour j (j != k). */
static int
line(int k, int j)
{
	return k * LINKS + (j < k ? j : j - 1);
}

/* Where j sits among k's neighbours (j != k): the slot in k's A. */
static int
slot(int k, int j)
{
	return j < k ? j : j - 1;
}

static int
geometry(struct room *r, struct adac_error *err)
{
	double image[3], t;
	int k, j, a, rc;

	r->d_direct = dist(r->src, r->mic);
	if (!(r->d_direct > 0))
		return adac_error_set(err, ADAC_E_INPUT, "/microphone",
				      "the microphone is at the source");
	if ((rc = samples(r, r->d_direct, &r->delay_direct, err)))
		return rc;
	for (k = 0; k < WALLS; k++) {
		a = k / 2;
		memcpy(image, r->src, sizeof image);
		/* the source mirrored in the wall's plane */
		image[a] = k % 2 ? 2 * r->size[a] - r->src[a] : -r->src[a];
		/* where the segment image → microphone crosses that plane;
		 * the denominator is at least the source's distance to
		 * the wall, positive as both are inside */
		t = ((k % 2 ? r->size[a] : 0) - image[a]) /
		    (r->mic[a] - image[a]);
		for (j = 0; j < 3; j++)
			r->node[k][j] = image[j] + t * (r->mic[j] - image[j]);
		r->node[k][a] = k % 2 ? r->size[a] : 0;
		r->d_src[k] = dist(r->src, r->node[k]);
		r->d_mic[k] = dist(r->node[k], r->mic);
		r->d_image[k] = dist(image, r->mic);
		if ((rc = samples(r, r->d_src[k], &r->delay_src[k], err)) ||
		    (rc = samples(r, r->d_image[k], &r->delay_mic[k], err)))
			return rc;
		/* the image's delay, to the sample, over both legs */
		r->delay_mic[k] -= r->delay_src[k];
	}
	for (k = 0; k < WALLS; k++)
		for (j = 0; j < WALLS; j++) {
			if (j == k)
				continue;
			rc = samples(r, dist(r->node[k], r->node[j]),
				     &r->delay_line[line(k, j)], err);
			if (rc != ADAC_OK)
				return rc;
			/* a loop needs a sample of delay */
			if (r->delay_line[line(k, j)] < 1)
				return adac_error_set(err, ADAC_E_INPUT,
				    "/source", "the nodes on walls %s and %s "
				    "are %g m apart, less than half a sample "
				    "(%g m): a loop without delay",
				    wall_names[k], wall_names[j],
				    dist(r->node[k], r->node[j]),
				    r->c / r->fs / 2);
		}
	return ADAC_OK;
}

/*
 * The loop's matrix: the wave leaving node k towards j is β_k times row
 * slot(k, j) of A applied to the waves arriving at k, the one from i
 * being the output of line (i → k) and A's column slot(k, i).
 */
static void
scattering(const struct room *r, double *m)
{
	int k, i, j;
	double beta;

	memset(m, 0, (size_t)LINES * LINES * sizeof *m);
	for (k = 0; k < WALLS; k++) {
		beta = sqrt(1 - r->alpha[k]);
		for (j = 0; j < WALLS; j++)
			for (i = 0; i < WALLS; i++) {
				if (j == k || i == k)
					continue;
				m[line(k, j) * LINES + line(i, k)] = beta *
				    (2.0 / LINKS - (slot(k, j) == slot(k, i)));
			}
	}
}

static json_t *
delay_node(const double *d, int n, const char *id)
{
	return adac_build_with_id(adac_build_delay(d, n), id);
}

static json_t *
matrix_node(const double *m, int rows, int cols, const char *id)
{
	return adac_build_with_id(adac_build_matrix(m, rows, cols, NULL), id);
}

static json_t *
build_graph(const struct room *r)
{
	double ones[WALLS], inject[LINES * WALLS], taps[WALLS * LINES];
	double mic[WALLS], gain, *m;
	json_t *net, *loop, *fwd, *back, *direct, *part[7];
	int k, j, ok;

	m = malloc((size_t)LINES * LINES * sizeof *m);
	if (m == NULL)
		return NULL;
	memset(inject, 0, sizeof inject);
	memset(taps, 0, sizeof taps);
	for (k = 0; k < WALLS; k++) {
		ones[k] = 1;
		mic[k] = 1 / (1 + r->d_mic[k] / r->d_src[k]);
		for (j = 0; j < WALLS; j++) {
			if (j == k)
				continue;
			/* ½·g_Sk on each wave arriving at k */
			inject[line(j, k) * WALLS + k] = 0.5 / r->d_src[k];
			/* (2/5)·1ᵀ over the waves leaving k */
			taps[k * LINES + line(k, j)] = 2.0 / LINKS;
		}
	}
	scattering(r, m);
	fwd = matrix_node(m, LINES, LINES, "scattering");
	back = delay_node(r->delay_line, LINES, "lines");
	free(m);
	loop = adac_build_with_id(adac_build_op("feedback"), "nodes");
	if (loop == NULL || fwd == NULL || back == NULL) {
		json_decref(loop);
		json_decref(fwd);
		json_decref(back);
		return NULL;
	}
	json_object_set_new(loop, "forward", fwd);
	json_object_set_new(loop, "back", back);
	part[0] = matrix_node(ones, WALLS, 1, "source");
	part[1] = delay_node(r->delay_src, WALLS, "source_paths");
	part[2] = matrix_node(inject, LINES, WALLS, "inject");
	part[3] = loop;
	part[4] = matrix_node(taps, WALLS, LINES, "taps");
	part[5] = delay_node(r->delay_mic, WALLS, "mic_paths");
	part[6] = matrix_node(mic, 1, WALLS, "microphone");
	net = adac_build_with_id(adac_build_list("series"), "network");
	/* out of memory: a node left out would still make a graph */
	for (k = 0, ok = net != NULL; k < 7; k++)
		ok = ok && part[k] != NULL;
	for (k = 0; k < 7; k++)
		if (ok)
			adac_build_append(net, part[k]);
		else
			json_decref(part[k]);
	if (!ok) {
		json_decref(net);
		return NULL;
	}
	gain = 1 / r->d_direct;
	direct = adac_build_with_id(adac_build_pair("series",
	    adac_build_delay(&r->delay_direct, 1), adac_build_gain(&gain, 1)),
	    "direct");
	return adac_build_pair("parallel", net, direct);
}

static json_t *
build_source(const struct room *r)
{
	json_t *s = json_object(), *walls = json_array(), *w;
	int k;

	if (s == NULL || walls == NULL)
		goto fail;
	json_object_set_new(s, "format", json_string("sdn"));
	json_object_set_new(s, "c", json_real(r->c));
	for (k = 0; k < WALLS; k++) {
		w = json_pack("{sssosf}", "wall", wall_names[k], "node",
			      adac_build_reals(r->node[k], 3), "absorption",
			      r->alpha[k]);
		if (w == NULL || json_array_append_new(walls, w) != 0)
			goto fail;
	}
	json_object_set_new(s, "walls", walls);
	return s;
fail:
	json_decref(s);
	json_decref(walls);
	return NULL;
}

int
adac_lower_sdn(const json_t *spec, json_t **ir, struct adac_error *err)
{
	struct room r;
	const json_t *v;
	const char *fmt;
	json_t *graph, *source, *map;
	int a, rc;

	memset(&r, 0, sizeof r);
	if (!json_is_object(spec))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "expected an sdn spec object");
	if ((rc = adac_json_check_keys(spec, "", known_keys, NULL,
					err)) != ADAC_OK)
		return rc;
	if ((v = json_object_get(spec, "format")) != NULL) {
		if ((rc = adac_json_string(v, "/format", &fmt, err)))
			return rc;
		if (strcmp(fmt, "sdn") != 0)
			return adac_error_set(err, ADAC_E_INPUT, "/format",
			    "format '%s' is not 'sdn'", fmt);
	}
	r.name = "sdn";
	if ((v = json_object_get(spec, "name")) != NULL &&
	    (rc = adac_json_string(v, "/name", &r.name, err)) != ADAC_OK)
		return rc;
	if ((rc = read_positive(spec, "fs", 48000, ADAC_MAX_FS_HZ,
				"sample rate", &r.fs, err)) ||
	    (rc = read_positive(spec, "c", 343, 1e6, "speed of sound", &r.c,
				err)) ||
	    (rc = read_point(spec, "room", r.size, err)))
		return rc;
	for (a = 0; a < 3; a++)
		if (!(r.size[a] > 0)) {
			char p[ADAC_POINTER_MAX];
			adac_ptr_index(p, "/room", (size_t)a);
			return adac_error_set(err, ADAC_E_INPUT, p,
			    "room size %g m is not positive", r.size[a]);
		}
	if ((rc = read_point(spec, "source", r.src, err)) ||
	    (rc = check_inside(&r, "source", r.src, err)) ||
	    (rc = read_point(spec, "microphone", r.mic, err)) ||
	    (rc = check_inside(&r, "microphone", r.mic, err)) ||
	    (rc = read_absorption(spec, &r, err)) ||
	    (rc = geometry(&r, err)))
		return rc;
	graph = build_graph(&r);
	source = build_source(&r);
	/* what validation can still refuse is the room's size in total */
	map = json_pack("[{ssss}]", "ir", "/graph", "config", "/room");
	if (graph == NULL || source == NULL || map == NULL) {
		json_decref(graph);
		json_decref(source);
		json_decref(map);
		return nomem(err);
	}
	rc = adac_build_document(r.name, r.fs, 1, 1, graph, source, map, ir,
				 err);
	json_decref(map);
	return rc;
}
