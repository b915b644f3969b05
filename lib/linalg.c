#include "linalg.h"

#include <arpack/arpack.h>
#include <complex.h>
#include <dlfcn.h>
#include <lapacke.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * LAPACKE, ARPACK and the OpenBLAS under them are opened on first use, not
 * linked: loading and relocating them costs a process about 10-20 ms,
 * more than adac-lower or adac-emit spend on their work, and most runs of
 * most programs never call them (docs/NOTES.md, start-up).  The pointers
 * are typed from the libraries' own headers, so a prototype that changes
 * is a compile error here, as a direct call would be.
 */
static struct {
	__typeof__(LAPACKE_dgesvd) *dgesvd;
	__typeof__(LAPACKE_dgetrf) *dgetrf;
	__typeof__(LAPACKE_zgesvd) *zgesvd;
	__typeof__(LAPACKE_dgeev) *dgeev;
	__typeof__(LAPACKE_dgeqrf) *dgeqrf;
	__typeof__(LAPACKE_dorgqr) *dorgqr;
	__typeof__(LAPACKE_zgesv) *zgesv;
	char failed[200];	/* why loading failed, or "" */
} lapack;
static pthread_once_t lapack_once = PTHREAD_ONCE_INIT;

/* ARPACK apart: only the modal analysis of a large loop needs it */
static struct {
	__typeof__(dnaupd_c) *dnaupd;
	char failed[200];
} arpack;
static pthread_once_t arpack_once = PTHREAD_ONCE_INIT;

/* dlsym's answer for name, or NULL with the reason in failed[200] */
static void *
symbol(void *lib, const char *file, const char *name, char *failed)
{
	void *p;

	if (failed[0] != '\0')
		return NULL;
	if (lib == NULL) {
		snprintf(failed, 200, "%s", dlerror());
		return NULL;
	}
	p = dlsym(lib, name);
	if (p == NULL)
		snprintf(failed, 200, "%s has no symbol '%s'", file, name);
	return p;
}

/*
 * RTLD_LAZY: LAPACK and OpenBLAS export thousands of functions, and
 * binding them all at load time was most of what loading cost; a call
 * binds the few it uses.  The entry points are still looked up here, so
 * a library without one is an error now, not at the call.
 */
static void
load_lapack(void)
{
	static const char file[] = "liblapacke.so.3";
	void *lib, *set_threads;
	char *failed = lapack.failed;

	/* the runtime packages' sonames (scripts/install-deps.sh) */
	lib = dlopen(file, RTLD_LAZY | RTLD_LOCAL);
	lapack.dgesvd = symbol(lib, file, "LAPACKE_dgesvd", failed);
	lapack.dgetrf = symbol(lib, file, "LAPACKE_dgetrf", failed);
	lapack.zgesvd = symbol(lib, file, "LAPACKE_zgesvd", failed);
	lapack.dgeev = symbol(lib, file, "LAPACKE_dgeev", failed);
	lapack.dgeqrf = symbol(lib, file, "LAPACKE_dgeqrf", failed);
	lapack.dorgqr = symbol(lib, file, "LAPACKE_dorgqr", failed);
	lapack.zgesv = symbol(lib, file, "LAPACKE_zgesv", failed);
	if (failed[0] != '\0')
		return;
	/*
	 * One thread: the matrices here are small, and OpenBLAS's worker
	 * threads spin in sched_yield() waiting for work, which on a loaded
	 * machine costs more than the work (the property test ran at a
	 * quarter of a CPU).  A BLAS other than OpenBLAS has no such call.
	 */
	set_threads = dlsym(lib, "openblas_set_num_threads");
	if (set_threads != NULL)
		((void (*)(int))set_threads)(1);
}

static void
load_arpack(void)
{
	static const char file[] = "libarpack.so.2";

	/* ARPACK's BLAS calls go to the library LAPACK loaded, on one thread */
	pthread_once(&lapack_once, load_lapack);
	if (lapack.failed[0] != '\0') {
		snprintf(arpack.failed, sizeof arpack.failed, "%s",
			 lapack.failed);
		return;
	}
	arpack.dnaupd = symbol(dlopen(file, RTLD_LAZY | RTLD_LOCAL), file,
			       "dnaupd_c", arpack.failed);
}

/* ADAC_OK once LAPACKE is loaded, or ADAC_E_DEPENDENCY */
static int
loaded(struct adac_error *err)
{
	pthread_once(&lapack_once, load_lapack);
	if (lapack.failed[0] != '\0')
		return adac_error_set(err, ADAC_E_DEPENDENCY, "",
				      "cannot load LAPACK: %s", lapack.failed);
	return ADAC_OK;
}

int
adac_linalg_arpack(adac_linalg_dnaupd_fn **dnaupd, struct adac_error *err)
{
	pthread_once(&arpack_once, load_arpack);
	if (arpack.failed[0] != '\0')
		return adac_error_set(err, ADAC_E_DEPENDENCY, "",
				      "cannot load ARPACK: %s", arpack.failed);
	*dnaupd = arpack.dnaupd;
	return ADAC_OK;
}

static int
nomem(struct adac_error *err)
{
	return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
}

static int
lapack_failed(struct adac_error *err, const char *routine, lapack_int info)
{
	return adac_error_set(err, ADAC_E_DEPENDENCY, "",
			      "LAPACKE %s failed with info %d", routine,
			      (int)info);
}

/* rows·cols elements of size bytes, or NULL when that overflows or fails. */
static void *
alloc_matrix(int rows, int cols, size_t size)
{
	size_t n;

	if (rows < 0 || cols < 0)
		return NULL;
	n = (size_t)rows * (size_t)cols;
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX / size)
		return NULL;
	return malloc(n * size);
}

int
adac_linalg_svals(const double *a, int rows, int cols, double *s,
		  struct adac_error *err)
{
	double *work = NULL, *superb = NULL;
	int k = rows < cols ? rows : cols, rc = ADAC_OK;
	lapack_int info;

	if ((rc = loaded(err)) != ADAC_OK)
		return rc;
	if (k <= 0)
		return ADAC_OK;
	/* dgesvd destroys its input: work on a copy the caller never sees */
	work = alloc_matrix(rows, cols, sizeof *work);
	superb = malloc((size_t)k * sizeof *superb);
	if (work == NULL || superb == NULL) {
		rc = nomem(err);
		goto out;
	}
	memcpy(work, a, (size_t)rows * (size_t)cols * sizeof *work);
	info = lapack.dgesvd(LAPACK_ROW_MAJOR, 'N', 'N', rows, cols, work,
			    cols, s, NULL, 1, NULL, 1, superb);
	if (info != 0)
		rc = lapack_failed(err, "dgesvd", info);
out:
	free(work);
	free(superb);
	return rc;
}

int
adac_linalg_norm2(const double *a, int rows, int cols, double *out,
		  struct adac_error *err)
{
	int k = rows < cols ? rows : cols, rc;
	double *s;

	if (k <= 0) {
		*out = 0;
		return ADAC_OK;
	}
	s = malloc((size_t)k * sizeof *s);
	if (s == NULL)
		return nomem(err);
	rc = adac_linalg_svals(a, rows, cols, s, err);
	if (rc == ADAC_OK)
		*out = s[0];
	free(s);
	return rc;
}

int
adac_linalg_det(const double *a, int n, double *out, struct adac_error *err)
{
	double *work;
	lapack_int *ipiv, info;
	double log_abs = 0, sign = 1;
	int i, rc = ADAC_OK;

	if ((rc = loaded(err)) != ADAC_OK)
		return rc;
	if (n <= 0) {
		*out = 1;
		return ADAC_OK;
	}
	work = alloc_matrix(n, n, sizeof *work);
	ipiv = malloc((size_t)n * sizeof *ipiv);
	if (work == NULL || ipiv == NULL) {
		rc = nomem(err);
		goto out;
	}
	memcpy(work, a, (size_t)n * (size_t)n * sizeof *work);
	info = lapack.dgetrf(LAPACK_ROW_MAJOR, n, n, work, n, ipiv);
	if (info < 0) {
		rc = lapack_failed(err, "dgetrf", info);
		goto out;
	}
	/*
	 * info > 0: U has an exact zero pivot and the determinant is 0.  Sum
	 * logarithms so that a product of many pivots cannot underflow or
	 * overflow on the way to a modest result.
	 */
	for (i = 0; i < n; i++) {
		if (work[i * n + i] == 0) {
			*out = 0;
			goto out;
		}
		log_abs += log(fabs(work[i * n + i]));
		if ((work[i * n + i] < 0) != (ipiv[i] != i + 1))
			sign = -sign;
	}
	*out = sign * exp(log_abs);
out:
	free(work);
	free(ipiv);
	return rc;
}

int
adac_linalg_znorm2(const double *a_re_im, int rows, int cols, double *out,
		   struct adac_error *err)
{
	lapack_complex_double *work = NULL;
	double *s = NULL, *superb = NULL;
	int k = rows < cols ? rows : cols, rc = ADAC_OK;
	size_t i, n;
	lapack_int info;

	if ((rc = loaded(err)) != ADAC_OK)
		return rc;
	if (k <= 0) {
		*out = 0;
		return ADAC_OK;
	}
	n = (size_t)rows * (size_t)cols;
	work = alloc_matrix(rows, cols, sizeof *work);
	s = malloc((size_t)k * sizeof *s);
	superb = malloc((size_t)k * sizeof *superb);
	if (work == NULL || s == NULL || superb == NULL) {
		rc = nomem(err);
		goto out;
	}
	/* lapack_complex_double is double _Complex; LAPACKE's maker is
	 * a function of the library, which is not linked */
	for (i = 0; i < n; i++)
		work[i] = CMPLX(a_re_im[2 * i], a_re_im[2 * i + 1]);
	info = lapack.zgesvd(LAPACK_ROW_MAJOR, 'N', 'N', rows, cols, work,
			    cols, s, NULL, 1, NULL, 1, superb);
	if (info != 0) {
		rc = lapack_failed(err, "zgesvd", info);
		goto out;
	}
	*out = s[0];
out:
	free(work);
	free(s);
	free(superb);
	return rc;
}

int
adac_linalg_eigenvalues(const double *a, int n, double *re, double *im,
			struct adac_error *err)
{
	double *work;
	lapack_int info;
	int rc = ADAC_OK;

	if ((rc = loaded(err)) != ADAC_OK)
		return rc;
	if (n <= 0)
		return ADAC_OK;
	work = alloc_matrix(n, n, sizeof *work);
	if (work == NULL)
		return nomem(err);
	memcpy(work, a, (size_t)n * (size_t)n * sizeof *work);
	info = lapack.dgeev(LAPACK_ROW_MAJOR, 'N', 'N', n, work, n, re, im,
			   NULL, 1, NULL, 1);
	if (info != 0)
		rc = lapack_failed(err, "dgeev", info);
	free(work);
	return rc;
}

int
adac_linalg_eig(const double *a, int n, double *re, double *im, double *vr,
		struct adac_error *err)
{
	double *work;
	lapack_int info;
	int rc = ADAC_OK;

	if ((rc = loaded(err)) != ADAC_OK)
		return rc;
	if (n <= 0)
		return ADAC_OK;
	work = alloc_matrix(n, n, sizeof *work);
	if (work == NULL)
		return nomem(err);
	memcpy(work, a, (size_t)n * (size_t)n * sizeof *work);
	info = lapack.dgeev(LAPACK_ROW_MAJOR, 'N', 'V', n, work, n, re, im,
			   NULL, 1, vr, n);
	if (info != 0)
		rc = lapack_failed(err, "dgeev", info);
	free(work);
	return rc;
}

int
adac_linalg_spectral_radius(const double *a, int n, double *out,
			    struct adac_error *err)
{
	double *re = NULL, *im = NULL, r = 0;
	int i, rc;

	if (n <= 0) {
		*out = 0;
		return ADAC_OK;
	}
	re = malloc((size_t)n * sizeof *re);
	im = malloc((size_t)n * sizeof *im);
	if (re == NULL || im == NULL) {
		rc = nomem(err);
		goto out;
	}
	rc = adac_linalg_eigenvalues(a, n, re, im, err);
	if (rc != ADAC_OK)
		goto out;
	for (i = 0; i < n; i++)
		if (hypot(re[i], im[i]) > r)
			r = hypot(re[i], im[i]);
	*out = r;
out:
	free(re);
	free(im);
	return rc;
}

int
adac_linalg_unitarity_error(const double *a, int n, double *out,
			    struct adac_error *err)
{
	double *g, sum;
	int i, j, k, rc;

	if (n <= 0) {
		*out = 0;
		return ADAC_OK;
	}
	g = alloc_matrix(n, n, sizeof *g);
	if (g == NULL)
		return nomem(err);
	/*
	 * AᵀA − I by plain dot products: for the sizes an IR holds (≤ a few
	 * hundred) this is cheap, and its rounding (n·eps per entry) is far
	 * below any tolerance the certificate uses.
	 */
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			sum = 0;
			for (k = 0; k < n; k++)
				sum += a[k * n + i] * a[k * n + j];
			g[i * n + j] = sum - (i == j ? 1.0 : 0.0);
		}
	rc = adac_linalg_norm2(g, n, n, out, err);
	free(g);
	return rc;
}

/*
 * splitmix64 (Steele, Lea, Flood 2014): a small generator with a fixed,
 * documented output for every seed, so that "random-orthogonal, seed 3"
 * means the same matrix on every machine and in every release.
 */
static uint64_t
splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A uniform double in (0, 1]: 53 random bits, never 0 (log below). */
static double
uniform(uint64_t *state)
{
	return ((double)(splitmix64(state) >> 11) + 1.0) * 0x1.0p-53;
}

int
adac_linalg_gaussian(int n, uint64_t seed, double *out)
{
	uint64_t state = seed;
	double r, t;
	int i;

	/* Box–Muller: each pair of uniforms gives two independent normals */
	for (i = 0; i < n; i += 2) {
		r = sqrt(-2.0 * log(uniform(&state)));
		t = 2.0 * M_PI * uniform(&state);
		out[i] = r * cos(t);
		if (i + 1 < n)
			out[i + 1] = r * sin(t);
	}
	return ADAC_OK;
}

int
adac_linalg_random_orthogonal(int n, uint64_t seed, double *out,
			      struct adac_error *err)
{
	double *tau = NULL, *diag = NULL;
	lapack_int info;
	int i, j, rc = ADAC_OK;

	if ((rc = loaded(err)) != ADAC_OK)
		return rc;
	if (n <= 0 || n > 65536)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "matrix size %d is out of range", n);
	tau = malloc((size_t)n * sizeof *tau);
	diag = malloc((size_t)n * sizeof *diag);
	if (tau == NULL || diag == NULL) {
		rc = nomem(err);
		goto out;
	}
	/* the Gaussian is drawn row by row into out and factored in place */
	adac_linalg_gaussian(n * n, seed, out);
	info = lapack.dgeqrf(LAPACK_ROW_MAJOR, n, n, out, n, tau);
	if (info != 0) {
		rc = lapack_failed(err, "dgeqrf", info);
		goto out;
	}
	for (i = 0; i < n; i++)
		diag[i] = out[i * n + i];
	info = lapack.dorgqr(LAPACK_ROW_MAJOR, n, n, n, out, n, tau);
	if (info != 0) {
		rc = lapack_failed(err, "dorgqr", info);
		goto out;
	}
	/*
	 * Q·diag(sign(R_jj)) makes the factorisation unique, and with it the
	 * distribution of Q the Haar measure (Mezzadri 2007).
	 */
	for (j = 0; j < n; j++)
		if (diag[j] < 0)
			for (i = 0; i < n; i++)
				out[i * n + j] = -out[i * n + j];
out:
	free(tau);
	free(diag);
	return rc;
}

int
adac_linalg_zsolve(double *a_re_im, int n, double *b_re_im, int nrhs,
		   struct adac_error *err)
{
	lapack_int *ipiv;
	lapack_int info;
	int rc = ADAC_OK;

	if ((rc = loaded(err)) != ADAC_OK)
		return rc;
	if (n <= 0 || nrhs <= 0)
		return ADAC_OK;
	ipiv = malloc((size_t)n * sizeof *ipiv);
	if (ipiv == NULL)
		return nomem(err);
	/* interleaved re/im doubles are the layout of lapack_complex_double */
	info = lapack.zgesv(LAPACK_ROW_MAJOR, n, nrhs,
			   (lapack_complex_double *)a_re_im, n, ipiv,
			   (lapack_complex_double *)b_re_im, nrhs);
	if (info > 0)
		rc = adac_error_set(err, ADAC_E_NEGATIVE, "",
				    "matrix is singular (pivot %d is zero)",
				    (int)info);
	else if (info < 0)
		rc = lapack_failed(err, "zgesv", info);
	free(ipiv);
	return rc;
}
