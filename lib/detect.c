/*
 * detect.c - recognising the structure of a dense matrix.
 *
 * Each kind has a fit that reads the parameters off the data in closed
 * form (no search, no iteration), and the fit is then judged by the same
 * adac_structure_check() that validation runs, so a detected structure
 * is a verified one by construction.
 */
#include "detect.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int
fail(struct adac_error *err, const char *why)
{
	return adac_error_set(err, ADAC_E_INPUT, "", "%s", why);
}

static int
nomem(struct adac_error *err)
{
	return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
}

/* A bijection of 0..n-1? */
static int
is_perm(const long *p, long n)
{
	unsigned char *seen = calloc((size_t)n, 1);
	long i;
	int ok = seen != NULL;

	for (i = 0; ok && i < n; i++) {
		if (p[i] < 0 || p[i] >= n || seen[p[i]])
			ok = 0;
		else
			seen[p[i]] = 1;
	}
	free(seen);
	return ok;
}

static int
fit_permutation(const double *a, int n, struct adac_structure *s,
		struct adac_error *err)
{
	long i, j, best;

	s->perm = malloc((size_t)n * sizeof *s->perm);
	if (s->perm == NULL)
		return nomem(err);
	for (i = 0; i < n; i++) {
		best = 0;
		for (j = 1; j < n; j++)
			if (fabs(a[i * n + j]) > fabs(a[i * n + best]))
				best = j;
		s->perm[i] = best;
	}
	s->scale = a[s->perm[0]];
	if (s->scale == 0.0 || !is_perm(s->perm, n))
		return fail(err, "not a scaled permutation");
	return ADAC_OK;
}

/*
 * s·(I − 2uuᵀ) with |u| = 1 has eigenvalues s (N−1 times) and −s, so
 * tr = s·(N − 2) gives s for N ≥ 3; for N = 2 the trace is 0 and
 * det = −s² gives |s| (the sign is free there: s·(I − 2uuᵀ) equals
 * −s·(I − 2vvᵀ) for v ⟂ u).  Then I − A/s = 2uuᵀ, whose largest
 * diagonal entry gives the best-conditioned column to read u from.
 */
static int
fit_householder(const double *a, int n, struct adac_structure *s,
		struct adac_error *err)
{
	double tr = 0.0, det, r, rjj = -1.0;
	long i, j, jbest = 0;

	s->u = malloc((size_t)n * sizeof *s->u);
	if (s->u == NULL)
		return nomem(err);
	if (n == 1) {
		s->scale = -a[0];
		s->u[0] = 1.0;
		return s->scale != 0.0 ? ADAC_OK :
		    fail(err, "not a scaled householder reflection");
	}
	if (n == 2) {
		det = a[0] * a[3] - a[1] * a[2];
		if (!(det < 0.0))
			return fail(err, "not a scaled householder reflection");
		s->scale = sqrt(-det);
	} else {
		for (i = 0; i < n; i++)
			tr += a[i * n + i];
		s->scale = tr / (n - 2);
	}
	if (s->scale == 0.0 || !isfinite(s->scale))
		return fail(err, "not a scaled householder reflection");
	for (j = 0; j < n; j++) {
		r = 1.0 - a[j * n + j] / s->scale;
		if (r > rjj) {
			rjj = r;
			jbest = j;
		}
	}
	if (!(rjj > 0.0))
		return fail(err, "not a scaled householder reflection");
	for (i = 0; i < n; i++) {
		/* symmetrise: 2uuᵀ is symmetric, the data may not quite be */
		r = ((i == jbest ? 1.0 : 0.0) - 0.5 * (a[i * n + jbest] +
		    a[jbest * n + i]) / s->scale);
		s->u[i] = r / sqrt(2.0 * rjj);
	}
	return ADAC_OK;
}

/*
 * Hadamard up to signed permutations.  After fixing signs so that row 0
 * and column 0 are all positive (the Sylvester matrix's row and column
 * 0 are the all-ones Walsh function), the sign pattern B is P·H·Q, and
 * its rows are Walsh functions χ_r(c) = (−1)^(r·c) over GF(2)^k with the
 * columns relabelled.  The elementwise product of two rows is the row of
 * r ⊕ r', so rows form a GF(2) vector space: pick k = log2 N independent
 * rows by elimination, read every column's label off them, then every
 * row's label off the k columns labelled 1, 2, 4, ...  Any basis works,
 * because H is invariant under r → Ar, c → A⁻ᵀc.
 */
static int
fit_hadamard(const double *a, int n, struct adac_structure *s,
	     struct adac_error *err)
{
	int k = 0, nb = 0, t, words = (n + 63) / 64, rc = ADAC_OK;
	long i, j, *basis_row = NULL, *col_of = NULL;
	uint64_t *bits = NULL, *basis = NULL, *v = NULL;
	int *pivot = NULL;
	double sum = 0.0;

	if (n <= 0 || (n & (n - 1)) != 0)
		return fail(err, "size is not a power of two");
	while ((1 << k) < n)
		k++;
	s->row_perm = calloc((size_t)n, sizeof *s->row_perm);
	s->col_perm = calloc((size_t)n, sizeof *s->col_perm);
	s->row_signs = malloc((size_t)n * sizeof *s->row_signs);
	s->col_signs = malloc((size_t)n * sizeof *s->col_signs);
	bits = calloc((size_t)n * words, sizeof *bits);
	basis = calloc((size_t)(k + 1) * words, sizeof *basis);
	v = calloc((size_t)words, sizeof *v);
	pivot = calloc((size_t)k + 1, sizeof *pivot);
	basis_row = calloc((size_t)k + 1, sizeof *basis_row);
	col_of = malloc((size_t)(k + 1) * sizeof *col_of);
	if (!s->row_perm || !s->col_perm || !s->row_signs || !s->col_signs ||
	    !bits || !basis || !v || !pivot || !basis_row || !col_of) {
		rc = nomem(err);
		goto out;
	}
	for (i = 0; i < (long)n * n; i++)
		sum += fabs(a[i]);
	sum /= (double)n * n;
	/*
	 * the entry nearest the mean magnitude, not the mean itself: when
	 * all magnitudes are equal this is their exact value, where the
	 * mean may be off by an ulp
	 */
	s->scale = fabs(a[0]);
	for (i = 1; i < (long)n * n; i++)
		if (fabs(fabs(a[i]) - sum) < fabs(s->scale - sum))
			s->scale = fabs(a[i]);
	if (!(s->scale > 0.0)) {
		rc = fail(err, "zero matrix");
		goto out;
	}
	for (j = 0; j < n; j++)
		s->col_signs[j] = a[j] < 0.0 ? -1.0 : 1.0;
	for (i = 0; i < n; i++)
		s->row_signs[i] = (a[i * n] < 0.0 ? -1.0 : 1.0) *
		    s->col_signs[0];
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (a[i * n + j] * s->row_signs[i] * s->col_signs[j] <
			    0.0)
				bits[i * words + j / 64] |= (uint64_t)1 << (j % 64);
	for (i = 1; i < n && nb < k; i++) {
		memcpy(v, bits + i * words, (size_t)words * sizeof *v);
		for (t = 0; t < nb; t++)
			if (v[pivot[t] / 64] >> (pivot[t] % 64) & 1)
				for (j = 0; j < words; j++)
					v[j] ^= basis[t * words + j];
		for (j = 0; j < n; j++)
			if (v[j / 64] >> (j % 64) & 1)
				break;
		if (j == n)
			continue;
		memcpy(basis + nb * words, v, (size_t)words * sizeof *v);
		pivot[nb] = (int)j;
		basis_row[nb++] = i;
	}
	if (nb < k) {
		rc = fail(err, "sign pattern has too few independent rows");
		goto out;
	}
	for (t = 0; t < k; t++)
		col_of[t] = -1;
	for (j = 0; j < n; j++) {
		for (t = 0; t < k; t++)
			if (bits[basis_row[t] * words + j / 64] >> (j % 64) & 1)
				s->col_perm[j] |= 1L << t;
		for (t = 0; t < k; t++)
			if (s->col_perm[j] == 1L << t)
				col_of[t] = j;
	}
	if (!is_perm(s->col_perm, n)) {
		rc = fail(err, "columns are not walsh functions");
		goto out;
	}
	for (i = 0; i < n; i++)
		for (t = 0; t < k; t++)
			if (bits[i * words + col_of[t] / 64] >>
			    (col_of[t] % 64) & 1)
				s->row_perm[i] |= 1L << t;
	if (!is_perm(s->row_perm, n))
		rc = fail(err, "rows are not walsh functions");
out:
	free(bits);
	free(basis);
	free(v);
	free(pivot);
	free(basis_row);
	free(col_of);
	return rc;
}

int
adac_detect_fit(const double *data, int rows, int cols,
		enum adac_structure_kind kind, struct adac_structure *out,
		struct adac_error *err)
{
	struct adac_structure s;
	int rc;

	memset(&s, 0, sizeof s);
	s.kind = kind;
	s.scale = 1.0;
	if (rows != cols || rows <= 0)
		return fail(err, "matrix is not square");
	switch (kind) {
	case ADAC_STRUCT_DIAGONAL:
		rc = ADAC_OK;
		break;
	case ADAC_STRUCT_PERMUTATION:
		rc = fit_permutation(data, rows, &s, err);
		break;
	case ADAC_STRUCT_HOUSEHOLDER:
		rc = fit_householder(data, rows, &s, err);
		break;
	case ADAC_STRUCT_HADAMARD:
		rc = fit_hadamard(data, rows, &s, err);
		break;
	case ADAC_STRUCT_NONE:
	default:
		return fail(err, "no structure to fit");
	}
	if (rc != ADAC_OK) {
		adac_structure_free(&s);
		return rc;
	}
	*out = s;
	return ADAC_OK;
}

int
adac_detect_structure(const double *data, int rows, int cols, double tol,
		      struct adac_structure *out)
{
	static const enum adac_structure_kind order[] = {
		ADAC_STRUCT_DIAGONAL, ADAC_STRUCT_PERMUTATION,
		ADAC_STRUCT_HOUSEHOLDER, ADAC_STRUCT_HADAMARD,
	};
	struct adac_structure s;
	struct adac_error err;
	size_t k;
	int rc;

	memset(out, 0, sizeof *out);
	out->kind = ADAC_STRUCT_NONE;
	out->scale = 1.0;
	for (k = 0; k < sizeof order / sizeof order[0]; k++) {
		rc = adac_detect_fit(data, rows, cols, order[k], &s, &err);
		if (rc == ADAC_E_NOMEM)
			return rc;
		if (rc != ADAC_OK)
			continue;
		rc = adac_structure_check(&s, data, rows, cols, tol, "", &err);
		if (rc == ADAC_OK) {
			*out = s;
			return ADAC_OK;
		}
		adac_structure_free(&s);
		if (rc == ADAC_E_NOMEM)
			return rc;
	}
	return ADAC_OK;
}

static json_t *
long_array(const long *x, int n)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, json_integer(x[i]));
	return a;
}

static json_t *
double_array(const double *x, int n)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, json_real(x[i]));
	return a;
}

static int
is_identity(const long *p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (p[i] != i)
			return 0;
	return 1;
}

static int
all_positive(const double *x, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (x[i] != 1.0)
			return 0;
	return 1;
}

json_t *
adac_detect_to_json(const struct adac_structure *s, int n)
{
	json_t *o;

	if (s->kind == ADAC_STRUCT_NONE)
		return NULL;
	o = json_object();
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "kind",
			    json_string(adac_structure_name(s->kind)));
	switch (s->kind) {
	case ADAC_STRUCT_HOUSEHOLDER:
		json_object_set_new(o, "u", double_array(s->u, n));
		json_object_set_new(o, "scale", json_real(s->scale));
		break;
	case ADAC_STRUCT_HADAMARD:
		json_object_set_new(o, "scale", json_real(s->scale));
		/* identity permutations and all-positive signs are the default */
		if (s->row_perm && !is_identity(s->row_perm, n))
			json_object_set_new(o, "row_perm",
					    long_array(s->row_perm, n));
		if (s->col_perm && !is_identity(s->col_perm, n))
			json_object_set_new(o, "col_perm",
					    long_array(s->col_perm, n));
		if (s->row_signs && !all_positive(s->row_signs, n))
			json_object_set_new(o, "row_signs",
					    double_array(s->row_signs, n));
		if (s->col_signs && !all_positive(s->col_signs, n))
			json_object_set_new(o, "col_signs",
					    double_array(s->col_signs, n));
		break;
	case ADAC_STRUCT_PERMUTATION:
		json_object_set_new(o, "perm", long_array(s->perm, n));
		json_object_set_new(o, "scale", json_real(s->scale));
		break;
	case ADAC_STRUCT_DIAGONAL:
	case ADAC_STRUCT_NONE:
		break;
	}
	return o;
}
