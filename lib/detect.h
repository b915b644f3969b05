/*
 * detect.h - recognising the structure of a dense matrix.
 *
 * Ownership: a structure filled here owns its arrays (u, perm, row_perm,
 * col_perm, row_signs, col_signs), allocated with malloc; release them
 * with adac_structure_free() (structure.h).  Lowering writes a detected
 * structure into the IR's JSON with adac_detect_to_json() and then frees
 * it.
 *
 * Trained models arrive as plain dense matrices; recognising the ones
 * that are really a scaled Householder reflection, a scaled Sylvester
 * Hadamard up to signed row and column permutations, a scaled
 * permutation or a diagonal lets later stages certify them exactly and
 * emit them at their real cost.
 */
#ifndef ADAC_DETECT_H
#define ADAC_DETECT_H

#include <jansson.h>

#include "error.h"
#include "structure.h"

/*
 * The default detection tolerance: the largest |data − structure| entry
 * that detection accepts.  It equals ADAC_STRUCTURE_TOL, the tolerance
 * lib/ir.c verifies claims with, so that every detected structure passes
 * validation.  For entries of order 1 this is ~2^-30: millions of times
 * the rounding of a structure computed in double (about N·2^-53), and
 * ~60 times below float32 resolution (2^-24 ≈ 6e-8), so that a matrix
 * that is a structure only to float32 precision, or one perturbed by
 * 1e-6, is not recognised.
 */
#define ADAC_DETECT_TOL ADAC_STRUCTURE_TOL

/*
 * Fit a structure of the given kind to data (rows × cols, row-major):
 * compute the parameters (scale, u, permutations, signs) that would
 * reproduce data if it had that structure, without judging how well they
 * do.  Returns ADAC_OK with *out filled, ADAC_E_INPUT (with text saying
 * why, pointer "") when data cannot have that kind at all (not square,
 * size not a power of two, zero), or ADAC_E_NOMEM.
 */
int adac_detect_fit(const double *data, int rows, int cols,
		    enum adac_structure_kind kind, struct adac_structure *out,
		    struct adac_error *err);

/*
 * Recognise data: try diagonal, scaled permutation, scaled Householder
 * and scaled Hadamard in that order (cheapest to emit first) and keep the
 * first fit that passes adac_structure_check(..., tol, ...).  Sets *out
 * (kind ADAC_STRUCT_NONE when nothing matches) and returns ADAC_OK, or
 * ADAC_E_NOMEM.
 */
int adac_detect_structure(const double *data, int rows, int cols, double tol,
			  struct adac_structure *out);

/* The "structure" object of the IR for s (new reference; NULL for NONE). */
json_t *adac_detect_to_json(const struct adac_structure *s, int n);


#endif
