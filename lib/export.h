/*
 * export.h - an IR written back as a model configuration: the JSON that
 * the reference implementation's flamo_to_json() writes and its
 * json_to_flamo() and json_to_faust() read, so that a network tuned or
 * repaired in adac can go back to the training framework.
 *
 * Functions borrow the IR and return a new reference the caller owns.
 * man/adac-ir.1 (export) describes the mapping.
 */
#ifndef ADAC_EXPORT_H
#define ADAC_EXPORT_H

#include <jansson.h>

#include "error.h"
#include "ir.h"

/*
 * The config of ir: a Shell named after the IR holding the graph as
 * Series, Parallel, Recursion and leaf modules (parallelDelay,
 * parallelGain, Matrix or HouseholderMatrix, parallelSOSFilter), "fs",
 * and the controls as the config's "controls" (the rt60 decay gains are
 * left out: lowering puts them back).  What adac needs beyond the
 * reference's format to read the IR back exactly goes into an "adac"
 * member of the node, which the reference ignores: a matrix's structure
 * claim, a delay's explicit interpolation, and the rest of a parallel of
 * more than two branches (FLAMO's Parallel takes two).
 *
 * The export is checked before it is returned: lowering it must give
 * the IR back (equal canonical text, "source" and "certificate" left
 * out).  ADAC_E_INPUT with the pointer into the IR of what the format
 * cannot express: a parallel with in "stack" (FLAMO's Parallel gives
 * every branch the same input), or the first place where lowering the
 * export gives something else (decay gains where adac-lower does not put
 * them, controls in another order, x- members); ADAC_E_NOMEM.
 */
int adac_export_adac(const struct adac_ir *ir, json_t **config,
		     struct adac_error *err);

#endif
