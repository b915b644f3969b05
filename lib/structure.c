/*
 * structure.c - checking a matrix's claimed structure against its data.
 *
 * A structure claim lets later stages certify and emit a matrix at its
 * real cost (Householder O(N), Hadamard O(N log N), permutation as
 * routing).  They trust the claim only after this check: the claimed
 * matrix is rebuilt in double precision and compared entry by entry with
 * the data, so an emitted butterfly computes the same numbers the dense
 * matrix would, to within tol.
 */
#include "structure.h"

#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *
adac_structure_name(enum adac_structure_kind kind)
{
	switch (kind) {
	case ADAC_STRUCT_NONE: return "dense";
	case ADAC_STRUCT_HOUSEHOLDER: return "householder";
	case ADAC_STRUCT_HADAMARD: return "hadamard";
	case ADAC_STRUCT_PERMUTATION: return "permutation";
	case ADAC_STRUCT_DIAGONAL: return "diagonal";
	}
	return "?";
}

void
adac_structure_free(struct adac_structure *s)
{
	if (s == NULL)
		return;
	free(s->u);
	free(s->perm);
	free(s->row_perm);
	free(s->col_perm);
	free(s->row_signs);
	free(s->col_signs);
	memset(s, 0, sizeof *s);
	s->kind = ADAC_STRUCT_NONE;
	s->scale = 1.0;
}

static int
popcount_parity(long x)
{
	int p = 0;

	while (x != 0) {
		p ^= 1;
		x &= x - 1;
	}
	return p;
}

static int
is_power_of_two(long n)
{
	return n > 0 && (n & (n - 1)) == 0;
}

/* Sylvester Hadamard entry H[r][c] = (-1)^popcount(r & c). */
static double
sylvester(long r, long c)
{
	return popcount_parity(r & c) ? -1.0 : 1.0;
}

void
adac_structure_matrix(const struct adac_structure *s, int rows, int cols,
		      double *m)
{
	double uu = 0.0, scale = s->scale;
	long i, j, r, c;

	switch (s->kind) {
	case ADAC_STRUCT_HOUSEHOLDER:
		for (i = 0; i < rows; i++)
			uu += s->u[i] * s->u[i];
		for (i = 0; i < rows; i++)
			for (j = 0; j < cols; j++)
				m[i * cols + j] = scale * ((i == j ? 1.0 : 0.0) -
				    2.0 * s->u[i] * s->u[j] / uu);
		break;
	case ADAC_STRUCT_HADAMARD:
		for (i = 0; i < rows; i++) {
			r = s->row_perm != NULL ? s->row_perm[i] : i;
			for (j = 0; j < cols; j++) {
				c = s->col_perm != NULL ? s->col_perm[j] : j;
				m[i * cols + j] = scale * sylvester(r, c) *
				    (s->row_signs != NULL ? s->row_signs[i] : 1.0) *
				    (s->col_signs != NULL ? s->col_signs[j] : 1.0);
			}
		}
		break;
	case ADAC_STRUCT_PERMUTATION:
		for (i = 0; i < rows; i++)
			for (j = 0; j < cols; j++)
				m[i * cols + j] = s->perm[i] == j ? scale : 0.0;
		break;
	case ADAC_STRUCT_NONE:
	case ADAC_STRUCT_DIAGONAL:
		break;
	}
}

/*
 * perm must be a bijection of 0..n-1: a repeated index would make the
 * "permutation" drop a channel.  name is the member the pointer names.
 */
static int
check_perm(const long *perm, long n, const char *ptr, const char *name,
	   struct adac_error *err)
{
	char p[ADAC_POINTER_MAX], q[ADAC_POINTER_MAX];
	unsigned char *seen;
	long i;
	int rc = ADAC_OK;

	if (perm == NULL)
		return ADAC_OK;
	seen = calloc((size_t)n, 1);
	if (seen == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, ptr, "out of memory");
	adac_ptr_key(p, ptr, "structure");
	adac_ptr_key(p, p, name);
	for (i = 0; i < n; i++) {
		adac_ptr_index(q, p, (size_t)i);
		if (perm[i] < 0 || perm[i] >= n) {
			rc = adac_error_set(err, ADAC_E_INPUT, q,
			    "index %ld is out of range 0 to %ld", perm[i],
			    n - 1);
			goto out;
		}
		if (seen[perm[i]]) {
			rc = adac_error_set(err, ADAC_E_INPUT, q,
			    "index %ld appears twice; %s must be a permutation",
			    perm[i], name);
			goto out;
		}
		seen[perm[i]] = 1;
	}
out:
	free(seen);
	return rc;
}

static int
check_signs(const double *signs, long n, const char *ptr, const char *name,
	    struct adac_error *err)
{
	char p[ADAC_POINTER_MAX];
	long i;

	if (signs == NULL)
		return ADAC_OK;
	for (i = 0; i < n; i++) {
		if (signs[i] != 1.0 && signs[i] != -1.0) {
			adac_ptr_key(p, ptr, "structure");
			adac_ptr_key(p, p, name);
			adac_ptr_index(p, p, (size_t)i);
			return adac_error_set(err, ADAC_E_INPUT, p,
			    "sign %.17g is neither 1 nor -1", signs[i]);
		}
	}
	return ADAC_OK;
}

/* Reject claims that do not denote a matrix of this shape at all. */
static int
check_shape(const struct adac_structure *s, int rows, int cols,
	    const char *ptr, struct adac_error *err)
{
	char p[ADAC_POINTER_MAX];
	const char *name = adac_structure_name(s->kind);
	double uu = 0.0;
	int i, rc;

	adac_ptr_key(p, ptr, "data");
	if (rows != cols)
		return adac_error_set(err, ADAC_E_INPUT, p,
		    "a %s structure needs a square matrix, got %d rows and "
		    "%d columns", name, rows, cols);
	switch (s->kind) {
	case ADAC_STRUCT_HOUSEHOLDER:
		for (i = 0; i < rows; i++)
			uu += s->u[i] * s->u[i];
		if (!(uu > 0.0) || !isfinite(uu)) {
			adac_ptr_key(p, ptr, "structure");
			adac_ptr_key(p, p, "u");
			return adac_error_set(err, ADAC_E_INPUT, p,
			    "householder vector u must be nonzero and finite");
		}
		break;
	case ADAC_STRUCT_HADAMARD:
		if (!is_power_of_two(rows))
			return adac_error_set(err, ADAC_E_INPUT, p,
			    "a hadamard structure needs a size that is a power "
			    "of two, got %d", rows);
		if ((rc = check_perm(s->row_perm, rows, ptr, "row_perm", err)) ||
		    (rc = check_perm(s->col_perm, cols, ptr, "col_perm", err)) ||
		    (rc = check_signs(s->row_signs, rows, ptr, "row_signs",
				      err)) ||
		    (rc = check_signs(s->col_signs, cols, ptr, "col_signs", err)))
			return rc;
		break;
	case ADAC_STRUCT_PERMUTATION:
		return check_perm(s->perm, rows, ptr, "perm", err);
	case ADAC_STRUCT_NONE:
	case ADAC_STRUCT_DIAGONAL:
		break;
	}
	return ADAC_OK;
}

int
adac_structure_check(const struct adac_structure *s, const double *data,
		     int rows, int cols, double tol, const char *ptr,
		     struct adac_error *err)
{
	char p[ADAC_POINTER_MAX], a[32], b[32];
	double *m = NULL, want, worst = -1.0, d;
	long i, j, wi = 0, wj = 0, n = (long)rows * cols;
	int rc;

	if (s->kind == ADAC_STRUCT_NONE)
		return ADAC_OK;
	rc = check_shape(s, rows, cols, ptr, err);
	if (rc != ADAC_OK)
		return rc;
	if (s->kind != ADAC_STRUCT_DIAGONAL) {
		m = malloc((size_t)n * sizeof *m);
		if (m == NULL)
			return adac_error_set(err, ADAC_E_NOMEM, ptr,
					      "out of memory");
		adac_structure_matrix(s, rows, cols, m);
	}
	for (i = 0; i < rows; i++) {
		for (j = 0; j < cols; j++) {
			if (m != NULL)
				want = m[i * cols + j];
			else
				want = i == j ? data[i * cols + j] : 0.0;
			d = fabs(data[i * cols + j] - want);
			/* NaN compares false: count it as the worst entry */
			if (!(d <= worst) && (d > tol || isnan(d))) {
				worst = isnan(d) ? INFINITY : d;
				wi = i;
				wj = j;
			}
		}
	}
	if (worst >= 0.0) {
		want = m != NULL ? m[wi * cols + wj] : 0.0;
		adac_ptr_key(p, ptr, "data");
		adac_ptr_index(p, p, (size_t)wi);
		adac_ptr_index(p, p, (size_t)wj);
		rc = adac_error_set(err, ADAC_E_INPUT, p,
		    "data does not match the claimed %s structure: entry "
		    "[%ld][%ld] is %s, structure gives %s",
		    adac_structure_name(s->kind), wi, wj,
		    isfinite(data[wi * cols + wj]) ?
		    adac_fmt_double(a, data[wi * cols + wj]) : "not finite",
		    isfinite(want) ? adac_fmt_double(b, want) : "not finite");
	}
	free(m);
	return rc;
}
