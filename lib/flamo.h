/*
 * flamo.h - FLAMO's filter modules designed from their raw parameters.
 *
 * Functions borrow their json_t * arguments; a design owns its sections
 * and is released with adac_flamo_design_free().
 *
 * gdalsanto/flamo (flamo/processor/dsp.py, flamo/functional.py,
 * flamo/auxiliary/eq.py) stores each filter module's trainable tensor
 * `param` raw and turns it into biquad coefficients on every forward
 * pass: map(param), then a design formula.  The reference's exporter
 * writes that tensor as "params": {"raw": [...]} (nested lists, the
 * float32 values as doubles) beside "flamo": {filter_type, n_sections,
 * octave_interval, n_bands, f_min, f_max, design, fs, ...}.  These
 * functions apply FLAMO's default map and design to it, formula by
 * formula in FLAMO's order, in double precision (FLAMO runs float32 by
 * default: see adac-lower(1) for how far apart the two are).
 *
 *   module                 raw param shape      sections per cascade
 *   Biquad                 (K, P, M, N)         K (RBJ lowpass/highpass/bandpass)
 *   parallelBiquad         (K, P, N)            K
 *   SVF                    (5, K, M, N)         K
 *   parallelSVF            (5, K, N)            K
 *   GEQ                    (B, M, N)            B = bands + 3
 *   parallelGEQ            (B, N)               B
 *   PEQ                    (B, 3, M, N)         B (shelf, peaks, shelf)
 *   parallelPEQ            (B, 3, N)            B
 *
 * P is 2 for lowpass and highpass, 3 for bandpass; M outputs, N inputs.
 * A module of M × N channels filters every input into every output
 * (FLAMO's einsum "fmn,bfn->bfm"); a parallel one each channel alone.
 */
#ifndef ADAC_FLAMO_H
#define ADAC_FLAMO_H

#include <jansson.h>

#include "error.h"

struct adac_flamo_design {
	int n_out, n_in;	/* M, N; parallel modules have M = N */
	int parallel;		/* 1: one cascade per channel */
	int n_sections;
	/*
	 * [b0, b1, b2, a1, a2] normalised by a0, of section s and cascade
	 * c at sos + (s·n_cascades + c)·5, where a cascade is a channel
	 * (parallel) or the pair out·n_in + in
	 */
	double *sos;
};

/* True for the module types above (and AccurateGEQ, which is refused). */
int adac_flamo_is_module(const char *module_type);

/*
 * Design module_type from its raw param (at raw_ptr) and flamo metadata
 * (an object or NULL, at flamo_ptr); fs_hz is the model's rate, used
 * where the module's own flamo.fs is absent.  On success *out holds the
 * design.  ADAC_E_INPUT naming the bad value: a ragged or misshapen
 * tensor, a shape that disagrees with the metadata, a parameter that
 * makes a coefficient NaN or infinite, AccurateGEQ (its gains come from
 * an L-BFGS fit at run time that adac does not reproduce).
 * ADAC_E_NOMEM.
 */
int adac_flamo_design(const char *module_type, const json_t *raw,
		      const char *raw_ptr, const json_t *flamo,
		      const char *flamo_ptr, double fs_hz,
		      struct adac_flamo_design *out, struct adac_error *err);

/* Release d's sections; d itself is the caller's. */
void adac_flamo_design_free(struct adac_flamo_design *d);

#endif
