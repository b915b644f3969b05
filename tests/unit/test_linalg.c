/*
 * test_linalg.c - the LAPACKE wrappers against figures computed here by
 * independent means: power iteration on AᵀA for σ_max, Gelfand's formula
 * ρ = lim ‖A^k‖^(1/k) by repeated squaring for the spectral radius, and
 * closed forms for structured matrices.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg.h"
#include "unit.h"

/* σ_max by power iteration on AᵀA: converges like (σ2/σ1)^(2k). */
static double
power_sigma(const double *a, int rows, int cols, int iters)
{
	double *v = calloc((size_t)cols, sizeof *v);
	double *w = calloc((size_t)rows, sizeof *w);
	double norm = 0, s;
	int it, i, j;

	for (j = 0; j < cols; j++)
		v[j] = 1.0 + 0.01 * j;	/* not orthogonal to the top vector */
	for (it = 0; it < iters; it++) {
		for (i = 0; i < rows; i++) {
			w[i] = 0;
			for (j = 0; j < cols; j++)
				w[i] += a[i * cols + j] * v[j];
		}
		for (j = 0; j < cols; j++) {
			v[j] = 0;
			for (i = 0; i < rows; i++)
				v[j] += a[i * cols + j] * w[i];
		}
		s = 0;
		for (j = 0; j < cols; j++)
			s += v[j] * v[j];
		norm = sqrt(s);
		for (j = 0; j < cols; j++)
			v[j] /= norm;
	}
	free(v);
	free(w);
	return sqrt(norm);	/* ‖AᵀA v‖ → σ_max² for unit v */
}

/*
 * ρ(A) = lim ‖A^(2^k)‖_F^(1/2^k), squaring k times and keeping the scale
 * in a logarithm so nothing overflows.  After k squarings the error factor
 * is C^(1/2^k) for a constant C of the matrix (its eigenvector condition
 * and √n): with k = 40 it is 1 + ln C/1.1e12, far below the tolerances.
 */
static double
gelfand_radius(const double *a, int n, int k)
{
	double *m = malloc((size_t)n * n * sizeof *m);
	double *t = malloc((size_t)n * n * sizeof *t);
	double log_scale = 0, f, r;
	int s, i, j, l;

	memcpy(m, a, (size_t)n * n * sizeof *m);
	for (s = 0; s < k; s++) {
		/* log ‖A^(2^s)‖ = log_scale + log ‖m‖: normalise m first */
		f = 0;
		for (i = 0; i < n * n; i++)
			f += m[i] * m[i];
		f = sqrt(f);
		if (f == 0)
			break;
		for (i = 0; i < n * n; i++)
			m[i] /= f;
		log_scale += log(f);
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++) {
				t[i * n + j] = 0;
				for (l = 0; l < n; l++)
					t[i * n + j] += m[i * n + l] * m[l * n + j];
			}
		memcpy(m, t, (size_t)n * n * sizeof *m);
		log_scale *= 2;	/* m now stands for A^(2^(s+1)) / e^log_scale */
	}
	f = 0;
	for (i = 0; i < n * n; i++)
		f += m[i] * m[i];
	r = f == 0 ? 0 : exp((log_scale + 0.5 * log(f)) / ldexp(1.0, s));
	free(m);
	free(t);
	return r;
}

static void
test_linalg__norm2_of_random_matrices_matches_power_iteration(void)
{
	double a[12 * 7], s, p;
	int rows, cols;

	for (rows = 1; rows <= 12; rows += 5)
		for (cols = 1; cols <= 7; cols += 3) {
			adac_linalg_gaussian(rows * cols, 100 + rows * 10 + cols,
					     a);
			check_int(adac_linalg_norm2(a, rows, cols, &s, NULL),
				  ADAC_OK);
			/*
			 * 2000 iterations of power iteration on a Gaussian
			 * matrix: the gap σ2/σ1 is rarely above 0.95, so the
			 * error is below 0.95^4000 ≈ 1e-89; rounding leaves
			 * ~n·eps relative, so 1e-12 relative is generous.
			 */
			p = power_sigma(a, rows, cols, 2000);
			check_near(s, p, 1e-12 * p);
		}
}

static void
test_linalg__norm2_of_upper_triangular_has_closed_form(void)
{
	/* σ_max([[a, b], [0, a]]) = (√(4a² + b²) + |b|)/2 */
	double a[4] = { 0.5, 10, 0, 0.5 }, s;

	check_int(adac_linalg_norm2(a, 2, 2, &s, NULL), ADAC_OK);
	check_near(s, (sqrt(4 * 0.25 + 100) + 10) / 2, 4 * DBL_EPSILON * 10);
}

static void
test_linalg__znorm2_of_complex_matrix_matches_realification(void)
{
	/*
	 * σ_max of A = X + jY equals σ_max of the real [[X, −Y], [Y, X]]:
	 * the realification is unitarily similar to A ⊕ conj(A).
	 */
	enum { N = 5 };
	double x[N * N], y[N * N], z[2 * N * N], r[4 * N * N], sz, sr;
	int i, j;

	adac_linalg_gaussian(N * N, 7, x);
	adac_linalg_gaussian(N * N, 8, y);
	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++) {
			z[2 * (i * N + j)] = x[i * N + j];
			z[2 * (i * N + j) + 1] = y[i * N + j];
			r[i * 2 * N + j] = x[i * N + j];
			r[i * 2 * N + N + j] = -y[i * N + j];
			r[(N + i) * 2 * N + j] = y[i * N + j];
			r[(N + i) * 2 * N + N + j] = x[i * N + j];
		}
	check_int(adac_linalg_znorm2(z, N, N, &sz, NULL), ADAC_OK);
	check_int(adac_linalg_norm2(r, 2 * N, 2 * N, &sr, NULL), ADAC_OK);
	/* two SVDs of size 10: each within ~10·eps·σ */
	check_near(sz, sr, 1e-13 * sr);
	check_near(sz, power_sigma(r, 2 * N, 2 * N, 4000), 1e-12 * sr);
}

static void
test_linalg__spectral_radius_matches_gelfand_formula(void)
{
	double a[6 * 6], r, g;
	int n;

	for (n = 1; n <= 6; n++) {
		adac_linalg_gaussian(n * n, 900 + n, a);
		check_int(adac_linalg_spectral_radius(a, n, &r, NULL), ADAC_OK);
		g = gelfand_radius(a, n, 40);
		/* see gelfand_radius: error ≈ ln C/1.1e12 relative */
		check_near(r, g, 1e-9 * g);
	}
}

static void
test_linalg__spectral_radius_of_structured_matrices(void)
{
	/* Hadamard/2 of order 4 is orthogonal and symmetric: eigenvalues ±1 */
	double h[16] = { 0.5, 0.5, 0.5, 0.5, 0.5, -0.5, 0.5, -0.5,
			 0.5, 0.5, -0.5, -0.5, 0.5, -0.5, -0.5, 0.5 };
	/* rotation by 0.3 rad scaled by 0.9: eigenvalues 0.9·e^(±0.3j) */
	double rot[4] = { 0.9 * cos(0.3), -0.9 * sin(0.3), 0.9 * sin(0.3),
			  0.9 * cos(0.3) };
	/* non-normal: ρ = 0.5 but σ_max ≈ 10.02 */
	double jordan[4] = { 0.5, 10, 0, 0.5 };
	double r, s;

	check_int(adac_linalg_spectral_radius(h, 4, &r, NULL), ADAC_OK);
	check_near(r, 1.0, 8 * DBL_EPSILON);
	check_int(adac_linalg_norm2(h, 4, 4, &s, NULL), ADAC_OK);
	check_near(s, 1.0, 8 * DBL_EPSILON);
	check_int(adac_linalg_spectral_radius(rot, 2, &r, NULL), ADAC_OK);
	check_near(r, 0.9, 8 * DBL_EPSILON);
	check_near(r, gelfand_radius(rot, 2, 40), 1e-10);
	check_int(adac_linalg_spectral_radius(jordan, 2, &r, NULL), ADAC_OK);
	/*
	 * A defective eigenvalue is only computed to √eps: a perturbation δ
	 * of a Jordan block moves it by √(10·δ) ≈ 5e-8 for δ = eps.
	 */
	check_near(r, 0.5, 1e-7);
}

/*
 * Every computed eigenpair of a Gaussian matrix satisfies A·v = λ·v to
 * rounding, with the complex-pair convention the header states, and
 * agrees with the eigenvalues-only routine.
 */
static void
test_linalg__eig_pairs_satisfy_the_eigen_equation(void)
{
	enum { N = 7 };
	double a[N * N], v[N * N], re[N], im[N], re0[N], im0[N];
	double r1, r2, q, norm, anorm = 0;
	int i, j, k, pairs = 0;

	adac_linalg_gaussian(N * N, 4242, a);
	for (i = 0; i < N * N; i++)
		anorm += a[i] * a[i];
	anorm = sqrt(anorm);
	check_int(adac_linalg_eig(a, N, re, im, v, NULL), ADAC_OK);
	check_int(adac_linalg_eigenvalues(a, N, re0, im0, NULL), ADAC_OK);
	for (k = 0; k < N; k++) {
		double vr[N], vi[N], res = 0;
		int pair = im[k] != 0;

		/* same algorithm, same eigenvalues, to rounding */
		check_near(re[k], re0[k], 1e-12 * anorm);
		check_near(im[k], im0[k], 1e-12 * anorm);
		norm = 0;
		for (i = 0; i < N; i++) {
			vr[i] = v[i * N + k];
			vi[i] = 0;
			if (pair && im[k] > 0)
				vi[i] = v[i * N + k + 1];
			else if (pair)
				vi[i] = -v[i * N + k];
			if (pair && im[k] < 0)
				vr[i] = v[i * N + k - 1];
			norm += vr[i] * vr[i] + vi[i] * vi[i];
		}
		check_near(norm, 1.0, 1e-14);
		for (i = 0; i < N; i++) {
			r1 = r2 = 0;
			for (j = 0; j < N; j++) {
				r1 += a[i * N + j] * vr[j];
				r2 += a[i * N + j] * vi[j];
			}
			/* (A − λ)(vr + j·vi), λ = re + j·im */
			q = r1 - (re[k] * vr[i] - im[k] * vi[i]);
			res += q * q;
			q = r2 - (im[k] * vr[i] + re[k] * vi[i]);
			res += q * q;
		}
		/* backward stable: ‖A·v − λ·v‖ ≈ N·eps·‖A‖; allow 1e-13·‖A‖_F */
		check_le(sqrt(res), 1e-13 * anorm);
		pairs += pair;
	}
	/* the seed gives complex pairs, so the convention is exercised */
	check(pairs >= 2);
}

static void
test_linalg__unitarity_error_is_zero_for_orthogonal_only(void)
{
	double h[16] = { 0.5, 0.5, 0.5, 0.5, 0.5, -0.5, 0.5, -0.5,
			 0.5, 0.5, -0.5, -0.5, 0.5, -0.5, -0.5, 0.5 };
	double d[4] = { 0.5, 0, 0, 2 }, e;

	check_int(adac_linalg_unitarity_error(h, 4, &e, NULL), ADAC_OK);
	check_le(e, 0.0);	/* entries ±1/2: AᵀA is exact in binary */
	/* diag(0.5, 2): AᵀA − I = diag(−0.75, 3), norm 3 exactly */
	check_int(adac_linalg_unitarity_error(d, 2, &e, NULL), ADAC_OK);
	check_near(e, 3.0, 4 * DBL_EPSILON * 3);
}

static void
test_linalg__random_orthogonal_is_orthogonal_and_reproducible(void)
{
	enum { N = 64 };
	static double q[N * N], q2[N * N], q3[N * N];
	double e, s, r;

	check_int(adac_linalg_random_orthogonal(N, 42, q, NULL), ADAC_OK);
	check_int(adac_linalg_random_orthogonal(N, 42, q2, NULL), ADAC_OK);
	check_int(adac_linalg_random_orthogonal(N, 43, q3, NULL), ADAC_OK);
	check(memcmp(q, q2, sizeof q) == 0);
	check(memcmp(q, q3, sizeof q) != 0);
	check_int(adac_linalg_unitarity_error(q, N, &e, NULL), ADAC_OK);
	/* Householder QR is backward stable: ‖QᵀQ − I‖ ≲ c·N·eps, c ≈ 10 */
	check_le(e, 10.0 * N * DBL_EPSILON);
	check_int(adac_linalg_norm2(q, N, N, &s, NULL), ADAC_OK);
	check_near(s, 1.0, 10.0 * N * DBL_EPSILON);
	check_int(adac_linalg_spectral_radius(q, N, &r, NULL), ADAC_OK);
	check_near(r, 1.0, 1e-12);
	check_near(power_sigma(q, N, N, 50), 1.0, 10.0 * N * DBL_EPSILON);
}

static void
test_linalg__random_orthogonal_rejects_bad_size(void)
{
	struct adac_error err;
	double q[1];

	check_int(adac_linalg_random_orthogonal(0, 1, q, &err), ADAC_E_INPUT);
	check_str(err.text, "matrix size 0 is out of range");
}

static void
test_linalg__gaussian_has_unit_variance(void)
{
	enum { N = 100000 };
	double *x = malloc(N * sizeof *x), m = 0, v = 0;
	int i;

	adac_linalg_gaussian(N, 5, x);
	for (i = 0; i < N; i++)
		m += x[i];
	m /= N;
	for (i = 0; i < N; i++)
		v += (x[i] - m) * (x[i] - m);
	v /= N - 1;
	/* standard errors: mean 1/√N ≈ 0.0032, variance √(2/N) ≈ 0.0045; 5σ */
	check_near(m, 0.0, 0.016);
	check_near(v, 1.0, 0.023);
	free(x);
}

static void
test_linalg__zsolve_inverts_a_complex_system(void)
{
	/* A = [[2, j], [1, 1 − j]], x = [1 + j, −2]: b = A·x */
	double a[8] = { 2, 0, 0, 1, 1, 0, 1, -1 };
	double b[4];
	double x_re[2] = { 1, -2 }, x_im[2] = { 1, 0 };

	/* b0 = 2(1+j) + j(−2) = 2; b1 = (1+j) + (1−j)(−2) = −1 + 3j */
	b[0] = 2; b[1] = 0; b[2] = -1; b[3] = 3;
	check_int(adac_linalg_zsolve(a, 2, b, 1, NULL), ADAC_OK);
	check_near(b[0], x_re[0], 8 * DBL_EPSILON);
	check_near(b[1], x_im[0], 8 * DBL_EPSILON);
	check_near(b[2], x_re[1], 8 * DBL_EPSILON);
	check_near(b[3], x_im[1], 8 * DBL_EPSILON);
}

static void
test_linalg__zsolve_reports_a_singular_matrix(void)
{
	double a[8] = { 1, 0, 2, 0, 2, 0, 4, 0 }, b[4] = { 1, 0, 1, 0 };
	struct adac_error err;

	check_int(adac_linalg_zsolve(a, 2, b, 1, &err), ADAC_E_NEGATIVE);
}

int
main(void)
{
	RUN(test_linalg__norm2_of_random_matrices_matches_power_iteration);
	RUN(test_linalg__norm2_of_upper_triangular_has_closed_form);
	RUN(test_linalg__znorm2_of_complex_matrix_matches_realification);
	RUN(test_linalg__spectral_radius_matches_gelfand_formula);
	RUN(test_linalg__spectral_radius_of_structured_matrices);
	RUN(test_linalg__eig_pairs_satisfy_the_eigen_equation);
	RUN(test_linalg__unitarity_error_is_zero_for_orthogonal_only);
	RUN(test_linalg__random_orthogonal_is_orthogonal_and_reproducible);
	RUN(test_linalg__random_orthogonal_rejects_bad_size);
	RUN(test_linalg__gaussian_has_unit_variance);
	RUN(test_linalg__zsolve_inverts_a_complex_system);
	RUN(test_linalg__zsolve_reports_a_singular_matrix);
	return unit_done();
}
