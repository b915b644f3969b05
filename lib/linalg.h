/*
 * linalg.h - dense linear algebra through LAPACKE/OpenBLAS.  The only
 * module that calls LAPACKE or loads ARPACK; nothing here is hand-written
 * numerics that a library already does.  The libraries are loaded on the
 * first call that needs them, so that a program that never does pays
 * nothing for them at start-up.
 *
 * Matrices are row-major doubles (or interleaved complex doubles,
 * re/im pairs), borrowed.  Functions return ADAC_OK, ADAC_E_NOMEM, or
 * ADAC_E_DEPENDENCY when LAPACK cannot be loaded or reports failure
 * (info != 0).
 */
#ifndef ADAC_LINALG_H
#define ADAC_LINALG_H

#include <stdint.h>

#include "error.h"

/* ARPACK's dnaupd_c, as <arpack/arpack.h> declares it (a_int is int). */
typedef void adac_linalg_dnaupd_fn(int *ido, const char *bmat, int n,
				   const char *which, int nev, double tol,
				   double *resid, int ncv, double *v, int ldv,
				   int *iparam, int *ipntr, double *workd,
				   double *workl, int lworkl, int *info);

/*
 * Set *dnaupd to ARPACK's dnaupd_c, loading it (and LAPACK, OpenBLAS on
 * one thread, first) on first use: ADAC_OK, or ADAC_E_DEPENDENCY when it cannot
 * be loaded.
 */
int adac_linalg_arpack(adac_linalg_dnaupd_fn **dnaupd,
		       struct adac_error *err);

/*
 * All min(rows, cols) singular values of a, largest first, into s
 * (dgesvd).
 */
int adac_linalg_svals(const double *a, int rows, int cols, double *s,
		      struct adac_error *err);

/* The determinant of the n × n matrix a (LU by dgetrf); 1 for n = 0. */
int adac_linalg_det(const double *a, int n, double *out,
		    struct adac_error *err);

/* Largest singular value of the rows × cols matrix a (dgesvd). */
int adac_linalg_norm2(const double *a, int rows, int cols, double *out,
		      struct adac_error *err);

/* Largest singular value of a complex rows × cols matrix (zgesvd). */
int adac_linalg_znorm2(const double *a_re_im, int rows, int cols,
		       double *out, struct adac_error *err);

/* Largest |eigenvalue| of the n × n matrix a (dgeev). */
int adac_linalg_spectral_radius(const double *a, int n, double *out,
				struct adac_error *err);

/* ‖AᵀA − I‖₂ of the n × n matrix a: 0 for an orthogonal matrix. */
int adac_linalg_unitarity_error(const double *a, int n, double *out,
				struct adac_error *err);

/*
 * A random n × n orthogonal matrix, reproducible from seed: the Q of the
 * QR factorisation (dgeqrf, dorgqr) of a Gaussian matrix drawn from a
 * fixed generator, with signs fixed so that R has a positive diagonal
 * (Haar-distributed).  out holds n·n doubles.
 */
int adac_linalg_random_orthogonal(int n, uint64_t seed, double *out,
				  struct adac_error *err);

/*
 * All eigenvalues of the n × n matrix a (dgeev): re[i] + j·im[i], n each,
 * in the order LAPACK returns them.
 */
int adac_linalg_eigenvalues(const double *a, int n, double *re, double *im,
			    struct adac_error *err);

/*
 * The eigenvalues and right eigenvectors of the n × n matrix a (dgeev):
 * re[i] + j·im[i] (n each, in LAPACK's order) and vr (n × n, row-major),
 * whose column k is the eigenvector of eigenvalue k, scaled to unit
 * 2-norm; for a complex pair k, k + 1 (im[k] > 0) the vector of
 * eigenvalue k is column k + j·column k + 1 and that of k + 1 its
 * conjugate.
 */
int adac_linalg_eig(const double *a, int n, double *re, double *im,
		    double *vr, struct adac_error *err);

/*
 * n standard normal samples from the generator behind
 * adac_linalg_random_orthogonal() (splitmix64 and Box–Muller), the same on
 * every machine for a given seed.  Returns ADAC_OK.
 */
int adac_linalg_gaussian(int n, uint64_t seed, double *out);

/*
 * Solve A·X = B in place for complex A (n × n) and B (n × nrhs), both
 * row-major interleaved re/im (zgesv): on return b holds X and a its LU
 * factors.  ADAC_E_NEGATIVE when A is exactly singular, ADAC_E_DEPENDENCY
 * for any other LAPACK failure.
 */
int adac_linalg_zsolve(double *a_re_im, int n, double *b_re_im, int nrhs,
		       struct adac_error *err);

#endif
