/*
 * lower.h - turning a model description into an ir/1 document.
 *
 * Functions borrow their json_t * arguments and return new references
 * through *ir (set only on success).  Three front ends:
 *
 *   adac  the configuration JSON that the reference implementation's
 *         flamo_to_json() writes (Shell, Series, Parallel, Recursion and
 *         leaf modules), plus the hand-written module types its
 *         json_to_faust() accepts;
 *   fdn   a concise native spec of a feedback delay network;
 *   sdn   a native spec of a shoebox room's scattering delay network.
 *
 * man/adac-lower.1 describes the formats, the equations and the
 * detection tolerance.  Every IR produced here has passed adac_ir_parse();
 * errors name the JSON pointer of the bad value in the INPUT document.
 */
#ifndef ADAC_LOWER_H
#define ADAC_LOWER_H

#include <jansson.h>

#include "error.h"
#include "ir.h"

enum adac_lower_from {
	ADAC_LOWER_AUTO,	/* decide with adac_lower_detect() */
	ADAC_LOWER_ADAC,	/* reference implementation's config */
	ADAC_LOWER_FDN,		/* native FDN spec */
	ADAC_LOWER_SDN,		/* native scattering delay network spec */
};

/*
 * A matrix that the input marks as structured (FLAMO's HouseholderMatrix,
 * matrix_type "hadamard") is computed in float32 by FLAMO, so it matches
 * its structure only to float32 precision.  Such a matrix is replaced by
 * the exact structured matrix when every entry is within this tolerance,
 * relative to the largest |entry| (2^-24 ≈ 6e-8 per rounding, a few
 * roundings per entry for the Kronecker products, with margin).
 */
#define ADAC_LOWER_SNAP_TOL 1e-6

/*
 * Which front end reads doc: an object with "delays" is an fdn spec, one
 * with "room" an sdn spec, one with "type", "children" or "module_type"
 * an adac config.  ADAC_E_INPUT
 * when it is neither.
 */
int adac_lower_detect(const json_t *doc, enum adac_lower_from *from,
		      struct adac_error *err);

/*
 * Lower doc with the given front end (ADAC_LOWER_AUTO: detect it),
 * with the macro-controls its own "controls" member asks for.
 */
int adac_lower(const json_t *doc, enum adac_lower_from from, json_t **ir,
	       struct adac_error *err);

/*
 * The same, with adac-lower's --control specs on top of the document's
 * "controls" (see adac_controls_apply() in controls.h; the specs win,
 * name by name).  The result has passed adac_ir_parse().
 */
int adac_lower_with_controls(const json_t *doc, enum adac_lower_from from,
			     const char *const *specs, int n_specs,
			     json_t **ir, struct adac_error *err);

/* The adac front end (lib/lower_adac.c).  ADAC_E_INPUT, ADAC_E_NOMEM. */
int adac_lower_adac(const json_t *config, json_t **ir,
		    struct adac_error *err);

/*
 * The fdn front end (lib/lower_fdn.c).  ADAC_E_INPUT, ADAC_E_NOMEM, or
 * ADAC_E_DEPENDENCY when LAPACK fails on a random orthogonal matrix.
 */
int adac_lower_fdn(const json_t *spec, json_t **ir, struct adac_error *err);

/*
 * The sdn front end (lib/lower_sdn.c): a shoebox room's scattering delay
 * network, one input (the source) and one output (the microphone).
 * ADAC_E_INPUT, ADAC_E_NOMEM.
 */
int adac_lower_sdn(const json_t *spec, json_t **ir, struct adac_error *err);

#endif
