/*
 * structure.h - a matrix's structure: the claim, the matrix it denotes,
 * and the check of a claim against the data.
 *
 * Ownership: a structure owns its arrays (u, perm, row_perm, col_perm,
 * row_signs, col_signs), allocated with malloc by whoever fills it (the
 * IR parser, adac_detect_structure()); adac_structure_free() releases
 * them, and is the only code that does.
 */
#ifndef ADAC_STRUCTURE_H
#define ADAC_STRUCTURE_H

#include "error.h"

/* A claim about a matrix's structure, verified by adac_structure_check(). */
enum adac_structure_kind {
	ADAC_STRUCT_NONE,		/* dense */
	ADAC_STRUCT_HOUSEHOLDER,	/* scale·(I − 2uuᵀ/uᵀu) */
	ADAC_STRUCT_HADAMARD,		/* scale·Pr·Sr·H_N·Sc·Pc (Sylvester H_N) */
	ADAC_STRUCT_PERMUTATION,	/* scale·P: out[i] = in[perm[i]] */
	ADAC_STRUCT_DIAGONAL,		/* diag(data) */
};

struct adac_structure {
	enum adac_structure_kind kind;
	double scale;		/* householder, hadamard, permutation; 1 if absent */
	double *u;		/* householder: n entries */
	long *perm;		/* permutation: out[i] = scale·in[perm[i]] */
	/*
	 * hadamard, up to signed permutations of rows and columns:
	 * data[i][j] = scale · row_signs[i] · col_signs[j]
	 *              · H[row_perm[i]][col_perm[j]]
	 * with H the Sylvester matrix, H[r][c] = (-1)^popcount(r & c).
	 * All four arrays are present (identity / all +1 when the document
	 * omits them).
	 */
	long *row_perm, *col_perm;
	double *row_signs, *col_signs;
};

/* The structure's name as the IR writes it ("householder"; "dense"). */
const char *adac_structure_name(enum adac_structure_kind kind);

/*
 * Check that a structure claim matches data (rows × cols) within tol,
 * in the max-abs-entry sense: |data − structured matrix|_max ≤ tol.
 * Returns ADAC_OK or ADAC_E_INPUT with a message naming the worst entry.
 * Validation uses ADAC_STRUCTURE_TOL.
 */
#define ADAC_STRUCTURE_TOL 1e-9
int adac_structure_check(const struct adac_structure *s, const double *data,
			 int rows, int cols, double tol, const char *ptr,
			 struct adac_error *err);

/*
 * Fill m (rows × cols, row-major) with the matrix the structure denotes.
 * For ADAC_STRUCT_DIAGONAL and NONE this is not defined: use data.
 */
void adac_structure_matrix(const struct adac_structure *s, int rows,
			   int cols, double *m);

/* Free the arrays of s and reset it to ADAC_STRUCT_NONE; s may be NULL. */
void adac_structure_free(struct adac_structure *s);

#endif
