/*
 * build.h - making ir/1 documents: the node builders every front end
 * shares, the document around a graph with its validation, and the
 * source map back to the front end's input.
 *
 * Builders return new references, or NULL when out of memory (a NULL
 * argument that is to be stolen counts as out of memory: the builder
 * releases the others and returns NULL).  Arrays of numbers are borrowed.
 * The order of keys is the writer's (adac_json_dumps(), canonical).
 */
#ifndef ADAC_BUILD_H
#define ADAC_BUILD_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"
#include "structure.h"

/* A JSON array of n reals. */
json_t *adac_build_reals(const double *x, int n);

/* {"op": op} */
json_t *adac_build_op(const char *op);

/* Set node's "id" to id and return node (NULL stays NULL). */
json_t *adac_build_with_id(json_t *node, const char *id);

/* {"op": op, "of": []}, for adac_build_append(). */
json_t *adac_build_list(const char *op);

/* Append child (stolen) to the "of" of a node from adac_build_list(). */
void adac_build_append(json_t *list, json_t *child);

/*
 * {"op": op, "of": [a, b]}, a and b stolen; a "parallel" pair gets
 * "in": "split", "out": "sum" (each branch sees the input, outputs add).
 */
json_t *adac_build_pair(const char *op, json_t *a, json_t *b);

/*
 * A delay of n channels of d[i] samples; "interp": "linear" when a
 * length is fractional, the only interpolation the IR has.
 */
json_t *adac_build_delay(const double *d, int n);

/* A gain of n channels. */
json_t *adac_build_gain(const double *g, int n);

/*
 * The "sections" array of an sos node: n_sections sections of
 * n_channels biquads [b0, b1, b2, a1, a2], the one of section s and
 * channel ch at coef + s·section_stride + ch·channel_stride (a
 * channel_stride of 0: every channel the same biquad).
 */
json_t *adac_build_sections(const double *coef, int n_sections,
			    int n_channels, size_t section_stride,
			    size_t channel_stride);

/* {"op": "sos", "sections": adac_build_sections(...)} */
json_t *adac_build_sos(const double *coef, int n_sections, int n_channels,
		       size_t section_stride, size_t channel_stride);

/*
 * A "matrix" node for data (rows × cols, row-major).  With claim ==
 * NULL, a structure is recorded when adac_detect_structure() finds one;
 * with a claim, the claim is used as is (the caller has verified it).
 */
json_t *adac_build_matrix(const double *data, int rows, int cols,
			  const struct adac_structure *claim);

/*
 * Wrap graph (stolen) into an ir/1 document, run adac_ir_parse() on it
 * and return it in *ir.  source (stolen, may be NULL) becomes "source".
 * When validation fails, the error's IR pointer is translated to the
 * input's pointer through map: an array of {"ir": pointer, "config":
 * pointer} objects (borrowed, may be NULL); the longest "ir" prefix
 * wins.  ADAC_E_INPUT, ADAC_E_NOMEM.
 */
int adac_build_document(const char *name, double fs_hz, int inputs,
			int outputs, json_t *graph, json_t *source,
			const json_t *map, json_t **ir, struct adac_error *err);

/*
 * The pointer in the lowered document's input of the IR node at ir_ptr,
 * through ir's "source"."nodes" map (the longest "ir" prefix), into
 * out; ir_ptr itself when ir has no map or no entry covers it.
 */
void adac_build_source_pointer(const json_t *ir, const char *ir_ptr,
			       char out[ADAC_POINTER_MAX]);

#endif
