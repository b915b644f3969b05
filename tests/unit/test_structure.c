/*
 * test_structure.c - structure claims (lib/structure.c) and structure
 * recognition (lib/detect.c).
 *
 * Matrices are built here independently of the library: the Sylvester
 * Hadamard by the Kronecker recursion H_2N = [[H, H], [H, −H]] (not by the
 * popcount formula the library uses), Householder reflections by
 * explicit outer products.
 */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "ir.h"
#include "linalg.h"
#include "unit.h"

#define NMAX 64

static double a[NMAX * NMAX];

static void
sylvester_kron(int n, double *h)
{
	int m, i, j;

	h[0] = 1.0;
	for (m = 1; m < n; m *= 2)
		for (i = 0; i < m; i++)
			for (j = 0; j < m; j++) {
				double x = h[i * n + j];
				h[i * n + j + m] = x;
				h[(i + m) * n + j] = x;
				h[(i + m) * n + j + m] = -x;
			}
}

/* a = s · Pr · Sr · H · Sc · Pc for a shuffle and signs from a small LCG */
static void
scrambled_hadamard(int n, double s, unsigned seed, double *out)
{
	static double h[NMAX * NMAX];
	long rp[NMAX], cp[NMAX];
	double rs[NMAX], cs[NMAX];
	int i, j;
	long t;

	sylvester_kron(n, h);
	for (i = 0; i < n; i++) {
		rp[i] = i;
		cp[i] = i;
	}
	for (i = n - 1; i > 0; i--) {
		seed = seed * 1103515245u + 12345u;
		j = (int)((seed >> 16) % (unsigned)(i + 1));
		t = rp[i]; rp[i] = rp[j]; rp[j] = t;
		seed = seed * 1103515245u + 12345u;
		j = (int)((seed >> 16) % (unsigned)(i + 1));
		t = cp[i]; cp[i] = cp[j]; cp[j] = t;
	}
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		rs[i] = (seed >> 20) & 1 ? -1.0 : 1.0;
		seed = seed * 1103515245u + 12345u;
		cs[i] = (seed >> 20) & 1 ? -1.0 : 1.0;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			out[i * n + j] = s * rs[i] * cs[j] * h[rp[i] * n + cp[j]];
}

/* s · (I − 2uuᵀ/uᵀu) by explicit outer product */
static void
householder(int n, double s, const double *u, double *out)
{
	double uu = 0.0;
	int i, j;

	for (i = 0; i < n; i++)
		uu += u[i] * u[i];
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			out[i * n + j] = s * ((i == j) - 2.0 * u[i] * u[j] / uu);
}

static enum adac_structure_kind
detect_kind(const double *m, int n)
{
	struct adac_structure s;
	enum adac_structure_kind k;

	if (adac_detect_structure(m, n, n, ADAC_DETECT_TOL, &s) != ADAC_OK)
		return (enum adac_structure_kind)-1;
	k = s.kind;
	/* whatever was detected must pass the validator's own check */
	if (k != ADAC_STRUCT_NONE)
		check(adac_structure_check(&s, m, n, n, ADAC_STRUCTURE_TOL,
					   "/m", NULL) == ADAC_OK);
	adac_structure_free(&s);
	return k;
}

static void
test_structure__householder_claim_verified(void)
{
	double u[4] = {1, 2, -1, 0.5};
	struct adac_structure s = {.kind = ADAC_STRUCT_HOUSEHOLDER,
				   .scale = 0.9, .u = u};
	struct adac_error err;

	householder(4, 0.9, u, a);
	check_int(adac_structure_check(&s, a, 4, 4, 1e-9, "/graph/of/1", &err),
		  ADAC_OK);
	/* 1e-6 off is 1000× the tolerance */
	a[2 * 4 + 3] += 1e-6;
	check_int(adac_structure_check(&s, a, 4, 4, 1e-9, "/graph/of/1", &err),
		  ADAC_E_INPUT);
	check_str(err.pointer, "/graph/of/1/data/2/3");
	check(strstr(err.text, "data does not match the claimed householder "
		     "structure: entry [2][3] is ") == err.text);
}

static void
test_structure__message_names_values_exactly(void)
{
	double u[2] = {1, 0};
	struct adac_structure s = {.kind = ADAC_STRUCT_HOUSEHOLDER,
				   .scale = 1, .u = u};
	/* I − 2e0e0ᵀ = diag(−1, 1); claim it for a matrix with 0.5 at [1][0] */
	double m[4] = {-1, 0, 0.5, 1};
	struct adac_error err;

	check_int(adac_structure_check(&s, m, 2, 2, 1e-9, "/m", &err),
		  ADAC_E_INPUT);
	check_str(err.pointer, "/m/data/1/0");
	check_str(err.text, "data does not match the claimed householder "
		  "structure: entry [1][0] is 0.5, structure gives 0");
}

static void
test_structure__zero_householder_vector_rejected(void)
{
	double u[3] = {0, 0, 0};
	struct adac_structure s = {.kind = ADAC_STRUCT_HOUSEHOLDER,
				   .scale = 1, .u = u};
	double m[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
	struct adac_error err;

	check_int(adac_structure_check(&s, m, 3, 3, 1e-9, "/m", &err),
		  ADAC_E_INPUT);
	check_str(err.pointer, "/m/structure/u");
}

static void
test_structure__hadamard_claim_with_perms_and_signs(void)
{
	/* H4 with rows 1 and 2 swapped, row 3 negated, column 0 negated */
	long rp[4] = {0, 2, 1, 3}, cp[4] = {0, 1, 2, 3};
	double rs[4] = {1, 1, 1, -1}, cs[4] = {-1, 1, 1, 1};
	struct adac_structure s = {.kind = ADAC_STRUCT_HADAMARD, .scale = 0.5,
				   .row_perm = rp, .col_perm = cp,
				   .row_signs = rs, .col_signs = cs};
	double h[16];
	struct adac_error err;
	int i, j;

	sylvester_kron(4, h);
	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++)
			a[i * 4 + j] = 0.5 * rs[i] * cs[j] * h[rp[i] * 4 + cp[j]];
	check_int(adac_structure_check(&s, a, 4, 4, 1e-9, "/m", &err), ADAC_OK);
	a[5] = -a[5];
	check_int(adac_structure_check(&s, a, 4, 4, 1e-9, "/m", &err),
		  ADAC_E_INPUT);
	check_str(err.pointer, "/m/data/1/1");
}

static void
test_structure__hadamard_size_not_power_of_two(void)
{
	struct adac_structure s = {.kind = ADAC_STRUCT_HADAMARD, .scale = 1};
	double m[36] = {0};
	struct adac_error err;

	check_int(adac_structure_check(&s, m, 6, 6, 1e-9, "/m", &err),
		  ADAC_E_INPUT);
	check_str(err.pointer, "/m/data");
	check_str(err.text, "a hadamard structure needs a size that is a power "
		  "of two, got 6");
}

static void
test_structure__permutation_and_diagonal_claims(void)
{
	long perm[3] = {2, 0, 1}, bad[3] = {2, 0, 0};
	struct adac_structure p = {.kind = ADAC_STRUCT_PERMUTATION,
				   .scale = -0.5, .perm = perm};
	struct adac_structure d = {.kind = ADAC_STRUCT_DIAGONAL, .scale = 1};
	/* out[0] = -0.5·in[2], out[1] = -0.5·in[0], out[2] = -0.5·in[1] */
	double m[9] = {0, 0, -0.5, -0.5, 0, 0, 0, -0.5, 0};
	double g[9] = {2, 0, 0, 0, 3, 0, 0, 0, 4};
	struct adac_error err;

	check_int(adac_structure_check(&p, m, 3, 3, 1e-9, "/m", &err), ADAC_OK);
	p.perm = bad;
	check_int(adac_structure_check(&p, m, 3, 3, 1e-9, "/m", &err),
		  ADAC_E_INPUT);
	check_str(err.pointer, "/m/structure/perm/2");
	check_int(adac_structure_check(&d, g, 3, 3, 1e-9, "/m", &err), ADAC_OK);
	g[1 * 3 + 2] = 1e-6;
	check_int(adac_structure_check(&d, g, 3, 3, 1e-9, "/m", &err),
		  ADAC_E_INPUT);
	check_str(err.pointer, "/m/data/1/2");
}

static void
test_structure__matrix_matches_kronecker_hadamard(void)
{
	struct adac_structure s = {.kind = ADAC_STRUCT_HADAMARD, .scale = 1};
	static double h[NMAX * NMAX], m[NMAX * NMAX];
	int i;

	sylvester_kron(64, h);
	adac_structure_matrix(&s, 64, 64, m);
	for (i = 0; i < 64 * 64; i++)
		check(m[i] == h[i]);
}

static void
test_structure__free_releases_and_resets(void)
{
	struct adac_structure s;

	/* what the parser fills for a hadamard claim: four arrays and a scale */
	memset(&s, 0, sizeof s);
	s.kind = ADAC_STRUCT_HADAMARD;
	s.scale = 0.5;
	s.row_perm = calloc(2, sizeof *s.row_perm);
	s.col_perm = calloc(2, sizeof *s.col_perm);
	s.row_signs = calloc(2, sizeof *s.row_signs);
	s.col_signs = calloc(2, sizeof *s.col_signs);
	adac_structure_free(&s);
	check_int(s.kind, ADAC_STRUCT_NONE);
	check(s.scale == 1.0);
	check(s.u == NULL && s.perm == NULL && s.row_perm == NULL &&
	      s.col_perm == NULL && s.row_signs == NULL && s.col_signs == NULL);
	/* freed twice or NULL: nothing happens (LeakSanitizer, ASan watch) */
	adac_structure_free(&s);
	adac_structure_free(NULL);
}

static void
test_detect__diagonal(void)
{
	double m[9] = {0.9, 0, 0, 0, -0.8, 0, 0, 0, 0.7};

	check_int(detect_kind(m, 3), ADAC_STRUCT_DIAGONAL);
	m[3] = 1e-6;
	check_int(detect_kind(m, 3), ADAC_STRUCT_NONE);
}

static void
test_detect__scaled_permutation(void)
{
	double m[16] = {0};

	m[0 * 4 + 3] = 0.7;
	m[1 * 4 + 0] = 0.7;
	m[2 * 4 + 1] = 0.7;
	m[3 * 4 + 2] = 0.7;
	check_int(detect_kind(m, 4), ADAC_STRUCT_PERMUTATION);
	m[2 * 4 + 1] += 1e-6;
	check_int(detect_kind(m, 4), ADAC_STRUCT_NONE);
}

static void
test_detect__householder(void)
{
	double u[8] = {0.3, -1.2, 0.5, 0.9, -0.1, 2.0, 0.25, -0.7};
	struct adac_structure s;
	int n;

	for (n = 3; n <= 8; n++) {
		householder(n, 0.97, u, a);
		check_int(detect_kind(a, n), ADAC_STRUCT_HOUSEHOLDER);
		a[1 * n + 2] += 1e-6;
		check_int(detect_kind(a, n), ADAC_STRUCT_NONE);
	}
	/* the recovered scale is the one the matrix was built with */
	householder(8, 0.97, u, a);
	check_int(adac_detect_structure(a, 8, 8, ADAC_DETECT_TOL, &s), ADAC_OK);
	check_int(s.kind, ADAC_STRUCT_HOUSEHOLDER);
	/* 8 entries summed in the trace: error ~8·eps */
	check_near(s.scale, 0.97, 16 * DBL_EPSILON);
	adac_structure_free(&s);
}

static void
test_detect__householder_of_size_two(void)
{
	double u[2] = {0.6, 0.8};

	householder(2, 1.0, u, a);
	check_int(detect_kind(a, 2), ADAC_STRUCT_HOUSEHOLDER);
}

static void
test_detect__plain_and_scaled_hadamard(void)
{
	static double h[NMAX * NMAX];
	int n, i;

	for (n = 4; n <= 64; n *= 2) {
		sylvester_kron(n, h);
		for (i = 0; i < n * n; i++)
			h[i] *= 0.999 / sqrt(n);
		check_int(detect_kind(h, n), ADAC_STRUCT_HADAMARD);
	}
}

static void
test_detect__permuted_sign_flipped_hadamard(void)
{
	unsigned seed;
	int n;

	for (n = 2; n <= 64; n *= 2)
		for (seed = 1; seed <= 5; seed++) {
			scrambled_hadamard(n, 0.5, seed, a);
			/* N = 2 is also a Householder reflection: either is fine */
			if (n == 2)
				check(detect_kind(a, n) != ADAC_STRUCT_NONE);
			else
				check_int(detect_kind(a, n),
					  ADAC_STRUCT_HADAMARD);
		}
}

static void
test_detect__perturbed_hadamard_not_detected(void)
{
	scrambled_hadamard(16, 0.25, 7, a);
	a[5 * 16 + 9] += 1e-6;
	check_int(detect_kind(a, 16), ADAC_STRUCT_NONE);
	/* a float32 rounding of 1/sqrt(2)^4 is not exact enough either */
	scrambled_hadamard(16, (double)(float)0.25000001, 7, a);
	a[0] = (double)(float)(a[0] * 1.0000001);
	check_int(detect_kind(a, 16), ADAC_STRUCT_NONE);
}

static void
test_detect__random_orthogonal_is_nothing(void)
{
	static double q[NMAX * NMAX];
	uint64_t seed;
	int n;

	for (n = 2; n <= 64; n *= 2)
		for (seed = 1; seed <= 3; seed++) {
			check_int(adac_linalg_random_orthogonal(n, seed, q, NULL),
				  ADAC_OK);
			/* a 2 × 2 orthogonal matrix with det −1 IS a reflection */
			if (n == 2 && q[0] * q[3] - q[1] * q[2] < 0)
				check_int(detect_kind(q, n),
					  ADAC_STRUCT_HOUSEHOLDER);
			else
				check_int(detect_kind(q, n), ADAC_STRUCT_NONE);
		}
}

static void
test_detect__non_square_is_nothing(void)
{
	double m[6] = {1, 0, 0, 0, 1, 0};
	struct adac_structure s;

	check_int(adac_detect_structure(m, 2, 3, ADAC_DETECT_TOL, &s), ADAC_OK);
	check_int(s.kind, ADAC_STRUCT_NONE);
}

static void
test_detect__to_json_round_trips_through_the_parser(void)
{
	struct adac_structure s;
	struct adac_ir *ir = NULL;
	struct adac_error err;
	json_t *doc, *node, *data, *row;
	int i, j, n = 8;

	scrambled_hadamard(n, 0.5, 3, a);
	check_int(adac_detect_structure(a, n, n, ADAC_DETECT_TOL, &s), ADAC_OK);
	check_int(s.kind, ADAC_STRUCT_HADAMARD);
	data = json_array();
	for (i = 0; i < n; i++) {
		row = json_array();
		for (j = 0; j < n; j++)
			json_array_append_new(row, json_real(a[i * n + j]));
		json_array_append_new(data, row);
	}
	node = json_pack("{s:s, s:o, s:o}", "op", "matrix", "data", data,
			 "structure", adac_detect_to_json(&s, n));
	doc = json_pack("{s:s, s:s, s:i, s:i, s:i, s:o}", "adac", "ir/1",
			"name", "t", "fs", 48000, "inputs", n, "outputs", n,
			"graph", node);
	check_int(adac_ir_parse(doc, &ir, &err), ADAC_OK);
	if (ir != NULL)
		check_int(ir->graph->structure.kind, ADAC_STRUCT_HADAMARD);
	adac_ir_free(ir);
	json_decref(doc);
	adac_structure_free(&s);
}

int
main(void)
{
	RUN(test_structure__householder_claim_verified);
	RUN(test_structure__message_names_values_exactly);
	RUN(test_structure__zero_householder_vector_rejected);
	RUN(test_structure__hadamard_claim_with_perms_and_signs);
	RUN(test_structure__hadamard_size_not_power_of_two);
	RUN(test_structure__permutation_and_diagonal_claims);
	RUN(test_structure__matrix_matches_kronecker_hadamard);
	RUN(test_structure__free_releases_and_resets);
	RUN(test_detect__diagonal);
	RUN(test_detect__scaled_permutation);
	RUN(test_detect__householder);
	RUN(test_detect__householder_of_size_two);
	RUN(test_detect__plain_and_scaled_hadamard);
	RUN(test_detect__permuted_sign_flipped_hadamard);
	RUN(test_detect__perturbed_hadamard_not_detected);
	RUN(test_detect__random_orthogonal_is_nothing);
	RUN(test_detect__non_square_is_nothing);
	RUN(test_detect__to_json_round_trips_through_the_parser);
	return unit_done();
}
