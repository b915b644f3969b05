/*
 * lower_fdn.c - the native feedback delay network spec lowered to ir/1.
 *
 * With N delay lines of m_i samples, feedback matrix A, per-line gains
 * g_i (Jot's rule from t60, else 1) and optional per-line absorption
 * filters h_i, the network is
 *
 *   v[n] = b·x[n] + A·s[n]             inputs of the delay lines
 *   s_i[n] = g_i · (h_i ∗ v_i)[n − m_i]  outputs of the delay lines
 *   y[n] = c·s[n] + d·x[n]
 *
 * so an impulse on input j first reaches output k at n = m_i through
 * line i with amplitude c_ki·g_i·h_i[0]·b_ij.  In the IR:
 *
 *   parallel(split, sum)[
 *     series[ matrix b, feedback{forward: series[delay m, gain g, sos h],
 *                                back: matrix A}, matrix c ],
 *     matrix d ]
 *
 * (the gain and sos nodes only when t60 / absorption are given, the
 * direct branch only when d is).  man/adac-lower.1 is the reference.
 */
#include "lower.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "json.h"
#include "linalg.h"

struct spec {
	double fs;
	const char *name;
	int n, inputs, outputs;
	double *delays;			/* n */
	double *a;			/* n × n */
	struct adac_structure as;	/* claimed structure of a, or NONE */
	double *b, *c, *d;		/* n × inputs, outputs × n, outputs × inputs */
	double *gains;			/* n, or NULL */
	double *sos;			/* n_sections × n × 5, or NULL */
	int n_sections;
	const char *matrix_name;
};

static const char *const known_keys[] = {
	"fdn", "format", "name", "fs", "delays", "matrix", "seed", "t60",
	"inputs", "outputs", "b", "c", "d", "absorption", "controls", NULL,
};

static int
nomem(struct adac_error *err, const char *ptr)
{
	return adac_error_set(err, ADAC_E_NOMEM, ptr, "out of memory");
}

/*
 * A gain block given as a scalar (every entry), a vector (when one of its
 * dimensions is 1) or rows × cols rows.
 */
static int
read_block(const json_t *v, const char *ptr, int rows, int cols,
	   const char *what, double **out, struct adac_error *err)
{
	char p[ADAC_POINTER_MAX];
	double *m, *row, x;
	long len;
	int i, j, rc;

	m = malloc((size_t)rows * cols * sizeof *m);
	if (m == NULL)
		return nomem(err, ptr);
	if (json_is_number(v) || adac_json_is_nonfinite(v)) {
		if ((rc = adac_json_number(v, ptr, &x, err)) != ADAC_OK)
			goto fail;
		for (i = 0; i < rows * cols; i++)
			m[i] = x;
		*out = m;
		return ADAC_OK;
	}
	if (!json_is_array(v)) {
		rc = adac_error_set(err, ADAC_E_INPUT, ptr,
		    "expected a number or an array for %s", what);
		goto fail;
	}
	if (json_array_size(v) > 0 && !json_is_array(json_array_get(v, 0))) {
		/* a vector: a column when cols == 1, a row when rows == 1 */
		if (rows != 1 && cols != 1) {
			rc = adac_error_set(err, ADAC_E_INPUT, ptr,
			    "a vector %s needs one %s; give %d rows of %d",
			    what, rows > 1 && cols > 1 ? "input or output" :
			    "channel", rows, cols);
			goto fail;
		}
		rc = adac_json_numbers(v, ptr, (long)rows * cols, 0, &row,
				       &len, err);
		if (rc != ADAC_OK)
			goto fail;
		memcpy(m, row, (size_t)rows * cols * sizeof *m);
		free(row);
		*out = m;
		return ADAC_OK;
	}
	if (json_array_size(v) != (size_t)rows) {
		rc = adac_error_set(err, ADAC_E_INPUT, ptr,
		    "channel mismatch: %s needs %d rows, got %zu", what, rows,
		    json_array_size(v));
		goto fail;
	}
	for (i = 0; i < rows; i++) {
		const json_t *r = json_array_get(v, (size_t)i);
		adac_ptr_index(p, ptr, (size_t)i);
		if (json_is_array(r) && json_array_size(r) != (size_t)cols) {
			rc = adac_error_set(err, ADAC_E_INPUT, p,
			    "channel mismatch: %s needs %d columns, got %zu",
			    what, cols, json_array_size(r));
			goto fail;
		}
		rc = adac_json_numbers(r, p, cols, 0, &row, &len, err);
		if (rc != ADAC_OK)
			goto fail;
		for (j = 0; j < cols; j++)
			m[i * cols + j] = row[j];
		free(row);
	}
	*out = m;
	return ADAC_OK;
fail:
	free(m);
	return rc;
}

static int
read_matrix(const json_t *spec, struct spec *s, struct adac_error *err)
{
	const json_t *v = json_object_get(spec, "matrix");
	const char *kind;
	long seed = 0, i, n = s->n;
	int rc;

	if (v == NULL)
		return adac_error_set(err, ADAC_E_INPUT, "/matrix",
		    "missing matrix: 'householder', 'hadamard', "
		    "'random-orthogonal' or rows");
	s->a = malloc((size_t)n * n * sizeof *s->a);
	if (s->a == NULL)
		return nomem(err, "/matrix");
	memset(&s->as, 0, sizeof s->as);
	s->as.kind = ADAC_STRUCT_NONE;
	s->as.scale = 1;
	if (json_is_array(v)) {
		free(s->a);
		s->a = NULL;
		s->matrix_name = "explicit";
		return read_block(v, "/matrix", (int)n, (int)n,
				  "the feedback matrix", &s->a, err);
	}
	if ((rc = adac_json_string(v, "/matrix", &kind, err)) != ADAC_OK)
		return rc;
	s->matrix_name = kind;
	if (strcmp(kind, "householder") == 0) {
		/* I − (2/N)·11ᵀ: the reflection about the all-ones vector */
		s->as.kind = ADAC_STRUCT_HOUSEHOLDER;
		s->as.u = malloc((size_t)n * sizeof *s->as.u);
		if (s->as.u == NULL)
			return nomem(err, "/matrix");
		for (i = 0; i < n; i++)
			s->as.u[i] = 1;
	} else if (strcmp(kind, "hadamard") == 0) {
		if ((n & (n - 1)) != 0)
			return adac_error_set(err, ADAC_E_INPUT, "/matrix",
			    "'hadamard' needs a power-of-two number of delay "
			    "lines, got %ld", n);
		/* H/sqrt(N): orthogonal */
		s->as.kind = ADAC_STRUCT_HADAMARD;
		s->as.scale = 1 / sqrt((double)n);
	} else if (strcmp(kind, "random-orthogonal") == 0) {
		const json_t *sv = json_object_get(spec, "seed");
		if (sv != NULL && (rc = adac_json_integer(sv, "/seed", 0,
		    9007199254740991L, &seed, err)) != ADAC_OK)
			return rc;
		return adac_linalg_random_orthogonal((int)n, (uint64_t)seed,
						     s->a, err);
	} else {
		return adac_error_set(err, ADAC_E_INPUT, "/matrix",
		    "unknown matrix '%s'; expected 'householder', 'hadamard', "
		    "'random-orthogonal' or rows", kind);
	}
	/* data from the claim itself, so claim and data agree exactly */
	adac_structure_matrix(&s->as, (int)n, (int)n, s->a);
	return ADAC_OK;
}

/* absorption: {"sos": sections} or {"t60_dc": s, "t60_nyquist": s} */
static int
read_absorption(const json_t *v, struct spec *s, struct adac_error *err)
{
	char q[ADAC_POINTER_MAX], r[ADAC_POINTER_MAX];
	const json_t *sos, *sec;
	double t_dc, t_ny, g0, gp, pole, *x;
	long len;
	int i, ch, rc;

	if (!json_is_object(v))
		return adac_error_set(err, ADAC_E_INPUT, "/absorption",
		    "expected an object with 'sos' or 't60_dc' and "
		    "'t60_nyquist'");
	sos = json_object_get(v, "sos");
	if (sos != NULL) {
		if (!json_is_array(sos) || json_array_size(sos) == 0 ||
		    json_array_size(sos) > ADAC_MAX_SECTIONS)
			return adac_error_set(err, ADAC_E_INPUT,
			    "/absorption/sos", "expected an array of 1 to %d "
			    "sections", ADAC_MAX_SECTIONS);
		s->n_sections = (int)json_array_size(sos);
		s->sos = malloc((size_t)s->n_sections * s->n * 5 *
				sizeof *s->sos);
		if (s->sos == NULL)
			return nomem(err, "/absorption/sos");
		for (i = 0; i < s->n_sections; i++) {
			adac_ptr_index(q, "/absorption/sos", (size_t)i);
			sec = json_array_get(sos, (size_t)i);
			if (!json_is_array(sec) ||
			    json_array_size(sec) != (size_t)s->n)
				return adac_error_set(err, ADAC_E_INPUT, q,
				    "channel mismatch: a section needs one "
				    "[b0, b1, b2, a1, a2] per delay line (%d)",
				    s->n);
			for (ch = 0; ch < s->n; ch++) {
				adac_ptr_index(r, q, (size_t)ch);
				rc = adac_json_numbers(json_array_get(sec,
				    (size_t)ch), r, 5, 5, &x, &len, err);
				if (rc != ADAC_OK)
					return rc;
				memcpy(s->sos + ((size_t)i * s->n + ch) * 5, x,
				       5 * sizeof *x);
				free(x);
			}
		}
		return ADAC_OK;
	}
	/*
	 * One pole per line, k/(1 − p·z⁻¹), matching Jot's gains at DC and
	 * Nyquist exactly: H(1) = k/(1 − p) = g0, H(−1) = k/(1 + p) = gπ
	 * give p = (g0 − gπ)/(g0 + gπ), k = g0·(1 − p).
	 */
	if ((rc = adac_json_number(json_object_get(v, "t60_dc"),
				   "/absorption/t60_dc", &t_dc, err)) ||
	    (rc = adac_json_number(json_object_get(v, "t60_nyquist"),
				   "/absorption/t60_nyquist", &t_ny, err)))
		return rc;
	if (!(t_dc > 0))
		return adac_error_set(err, ADAC_E_INPUT, "/absorption/t60_dc",
				      "decay time must be positive");
	if (!(t_ny > 0))
		return adac_error_set(err, ADAC_E_INPUT,
				      "/absorption/t60_nyquist",
				      "decay time must be positive");
	s->n_sections = 1;
	s->sos = malloc((size_t)s->n * 5 * sizeof *s->sos);
	if (s->sos == NULL)
		return nomem(err, "/absorption");
	for (ch = 0; ch < s->n; ch++) {
		g0 = pow(10.0, -3 * s->delays[ch] / (s->fs * t_dc));
		gp = pow(10.0, -3 * s->delays[ch] / (s->fs * t_ny));
		/* both gains underflow for decay times of ~1e-300 s */
		if (!(g0 + gp > 0))
			return adac_error_set(err, ADAC_E_INPUT,
			    "/absorption/t60_dc",
			    "decay times this short leave line %d no gain "
			    "at DC or Nyquist to design a filter from", ch);
		pole = (g0 - gp) / (g0 + gp);
		x = s->sos + (size_t)ch * 5;
		x[0] = g0 * (1 - pole);
		x[1] = x[2] = x[4] = 0;
		x[3] = -pole;
	}
	return ADAC_OK;
}

static json_t *
build_graph(const struct spec *s)
{
	json_t *path, *fwd, *loop, *n, *top;
	const struct adac_structure *as;

	path = adac_build_with_id(adac_build_list("series"), "network");
	fwd = adac_build_with_id(adac_build_list("series"), "lines");
	loop = adac_build_with_id(adac_build_op("feedback"), "loop");
	if (path == NULL || fwd == NULL || loop == NULL)
		goto fail;
	n = adac_build_matrix(s->b, s->n, s->inputs, NULL);
	adac_build_append(path, adac_build_with_id(n, "b"));
	n = adac_build_with_id(adac_build_op("delay"), "delays");
	json_object_set_new(n, "samples", adac_build_reals(s->delays, s->n));
	adac_build_append(fwd, n);
	if (s->gains != NULL) {
		n = adac_build_with_id(adac_build_op("gain"), "t60");
		json_object_set_new(n, "values",
				    adac_build_reals(s->gains, s->n));
		adac_build_append(fwd, n);
	}
	if (s->sos != NULL) {
		n = adac_build_with_id(adac_build_op("sos"), "absorption");
		json_object_set_new(n, "sections", adac_build_sections(s->sos,
		    s->n_sections, s->n, (size_t)s->n * 5, 5));
		adac_build_append(fwd, n);
	}
	json_object_set_new(loop, "forward", fwd);
	fwd = NULL;
	as = s->as.kind != ADAC_STRUCT_NONE ? &s->as : NULL;
	n = adac_build_matrix(s->a, s->n, s->n, as);
	json_object_set_new(loop, "back", adac_build_with_id(n, "A"));
	adac_build_append(path, loop);
	loop = NULL;
	n = adac_build_matrix(s->c, s->outputs, s->n, NULL);
	adac_build_append(path, adac_build_with_id(n, "c"));
	if (s->d == NULL)
		return path;
	top = adac_build_op("parallel");
	if (top == NULL)
		goto fail;
	json_object_set_new(top, "in", json_string("split"));
	json_object_set_new(top, "out", json_string("sum"));
	json_object_set_new(top, "of", json_array());
	adac_build_append(top, path);
	n = adac_build_matrix(s->d, s->outputs, s->inputs, NULL);
	adac_build_append(top, adac_build_with_id(n, "d"));
	return top;
fail:
	json_decref(path);
	json_decref(fwd);
	json_decref(loop);
	return NULL;
}

/*
 * Where each part of the spec lands in the graph build_graph() makes, so
 * that an error validation finds in the IR (the delays adding up past the
 * limit, a matrix too large) names the member of the spec instead.
 */
static json_t *
build_map(const struct spec *s)
{
	static const struct {
		const char *ir, *spec;
	} parts[] = {
		{"/of/0", "/b"},
		{"/of/1", "/delays"},
		{"/of/1/forward/of/0", "/delays"},
		{"/of/1/back", "/matrix"},
		{"/of/2", "/c"},
	};
	char ir[ADAC_POINTER_MAX], path[32];
	json_t *map = json_array(), *e;
	size_t i;
	int k = 1;

	snprintf(path, sizeof path, "%s", s->d != NULL ? "/graph/of/0" : "/graph");
	for (i = 0; map != NULL && i < sizeof parts / sizeof parts[0] + 3; i++) {
		const char *spec = NULL;

		if (i < sizeof parts / sizeof parts[0]) {
			snprintf(ir, sizeof ir, "%s%s", path, parts[i].ir);
			spec = parts[i].spec;
		} else if (i == sizeof parts / sizeof parts[0] && s->gains != NULL) {
			snprintf(ir, sizeof ir, "%s/of/1/forward/of/%d", path, k++);
			spec = "/t60";
		} else if (i == sizeof parts / sizeof parts[0] + 1 && s->sos != NULL) {
			snprintf(ir, sizeof ir, "%s/of/1/forward/of/%d", path, k++);
			spec = "/absorption";
		} else if (i == sizeof parts / sizeof parts[0] + 2 && s->d != NULL) {
			snprintf(ir, sizeof ir, "/graph/of/1");
			spec = "/d";
		}
		if (spec == NULL)
			continue;
		e = json_pack("{ssss}", "ir", ir, "config", spec);
		if (e == NULL || json_array_append_new(map, e) != 0) {
			json_decref(map);
			return NULL;
		}
	}
	return map;
}

int
adac_lower_fdn(const json_t *spec, json_t **ir, struct adac_error *err)
{
	struct spec s;
	const json_t *v;
	json_t *source = NULL, *graph, *one = NULL, *map = NULL;
	const char *fmt;
	char p[ADAC_POINTER_MAX];
	double t60;
	long x, n, i;
	int rc;

	memset(&s, 0, sizeof s);
	s.as.kind = ADAC_STRUCT_NONE;
	if (!json_is_object(spec))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "expected an fdn spec object");
	if ((rc = adac_json_check_keys(spec, "", known_keys, NULL,
					err)) != ADAC_OK)
		return rc;
	if ((v = json_object_get(spec, "fdn")) != NULL &&
	    (rc = adac_json_integer(v, "/fdn", 1, 1, &x, err)) != ADAC_OK)
		return rc;
	if ((v = json_object_get(spec, "format")) != NULL) {
		if ((rc = adac_json_string(v, "/format", &fmt, err)))
			return rc;
		if (strcmp(fmt, "fdn") != 0)
			return adac_error_set(err, ADAC_E_INPUT, "/format",
			    "format '%s' is not 'fdn'", fmt);
	}
	s.name = "fdn";
	if ((v = json_object_get(spec, "name")) != NULL &&
	    (rc = adac_json_string(v, "/name", &s.name, err)) != ADAC_OK)
		return rc;
	rc = adac_json_number(json_object_get(spec, "fs"), "/fs", &s.fs, err);
	if (rc != ADAC_OK)
		return rc;
	if (!(s.fs > 0) || s.fs > ADAC_MAX_FS_HZ)
		return adac_error_set(err, ADAC_E_INPUT, "/fs",
				      "sample rate %g Hz is not between 0 and %g",
				      s.fs, ADAC_MAX_FS_HZ);
	rc = adac_json_numbers(json_object_get(spec, "delays"), "/delays", -1,
			       ADAC_MAX_CHANNELS, &s.delays, &n, err);
	if (rc != ADAC_OK)
		return rc;
	s.n = (int)n;
	for (i = 0; i < n; i++) {
		adac_ptr_index(p, "/delays", (size_t)i);
		if (s.delays[i] < 1) {
			rc = adac_error_set(err, ADAC_E_INPUT, p,
			    s.delays[i] < 0 ? "delay length %g is negative" :
			    "delay length %g is less than one sample",
			    s.delays[i]);
			goto out;
		}
		if (s.delays[i] != floor(s.delays[i]) ||
		    s.delays[i] > ADAC_MAX_DELAY_SAMPLES) {
			rc = adac_error_set(err, ADAC_E_INPUT, p,
			    "delay length %.17g is not a whole number of "
			    "samples up to %d", s.delays[i],
			    ADAC_MAX_DELAY_SAMPLES);
			goto out;
		}
	}
	s.inputs = s.outputs = 1;
	if ((v = json_object_get(spec, "inputs")) != NULL) {
		if ((rc = adac_json_integer(v, "/inputs", 1, ADAC_MAX_CHANNELS,
					    &x, err)))
			goto out;
		s.inputs = (int)x;
	}
	if ((v = json_object_get(spec, "outputs")) != NULL) {
		if ((rc = adac_json_integer(v, "/outputs", 1, ADAC_MAX_CHANNELS,
					    &x, err)))
			goto out;
		s.outputs = (int)x;
	}
	if ((rc = read_matrix(spec, &s, err)))
		goto out;
	if ((one = json_integer(1)) == NULL) {
		rc = nomem(err, "");
		goto out;
	}
	v = json_object_get(spec, "b");
	if ((rc = read_block(v != NULL ? v : one, "/b", s.n,
			     s.inputs, "b", &s.b, err)))
		goto out;
	v = json_object_get(spec, "c");
	if ((rc = read_block(v != NULL ? v : one, "/c", s.outputs,
			     s.n, "c", &s.c, err)))
		goto out;
	if ((v = json_object_get(spec, "d")) != NULL &&
	    (rc = read_block(v, "/d", s.outputs, s.inputs, "d", &s.d, err)))
		goto out;
	if ((v = json_object_get(spec, "t60")) != NULL) {
		if ((rc = adac_json_number(v, "/t60", &t60, err)))
			goto out;
		if (!(t60 > 0)) {
			rc = adac_error_set(err, ADAC_E_INPUT, "/t60",
					    "decay time %g s is not positive",
					    t60);
			goto out;
		}
		s.gains = malloc((size_t)s.n * sizeof *s.gains);
		if (s.gains == NULL) {
			rc = nomem(err, "/t60");
			goto out;
		}
		/* Jot: −60 dB after t60 seconds, m_i samples per pass */
		for (i = 0; i < n; i++)
			s.gains[i] = pow(10.0, -3 * s.delays[i] / (s.fs * t60));
	}
	if ((v = json_object_get(spec, "absorption")) != NULL &&
	    (rc = read_absorption(v, &s, err)))
		goto out;
	graph = build_graph(&s);
	source = json_object();
	map = build_map(&s);
	if (graph == NULL || source == NULL || map == NULL) {
		json_decref(graph);
		rc = nomem(err, "");
		goto out;
	}
	json_object_set_new(source, "format", json_string("fdn"));
	json_object_set_new(source, "matrix", json_string(s.matrix_name));
	if ((v = json_object_get(spec, "seed")) != NULL)
		json_object_set(source, "seed", (json_t *)v);
	if ((v = json_object_get(spec, "t60")) != NULL)
		json_object_set(source, "t60", (json_t *)v);
	rc = adac_build_document(s.name, s.fs, s.inputs, s.outputs, graph,
				 source, map, ir, err);
	source = NULL;
out:
	json_decref(map);
	json_decref(one);
	json_decref(source);
	adac_structure_free(&s.as);
	free(s.delays);
	free(s.a);
	free(s.b);
	free(s.c);
	free(s.d);
	free(s.gains);
	free(s.sos);
	return rc;
}
