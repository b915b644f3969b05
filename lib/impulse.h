/*
 * impulse.h - `adac-ir impulse`: the reference simulator's impulse
 * response of every path of an IR, encoded for output.
 *
 * The buffer returned is new (malloc'd) and the caller frees it; the IR
 * and settings are borrowed.
 */
#ifndef ADAC_IMPULSE_H
#define ADAC_IMPULSE_H

#include <stddef.h>

#include "audio.h"
#include "error.h"
#include "ir.h"
#include "response.h"

/* The default length when none is given: this many seconds at the IR's fs. */
#define ADAC_IMPULSE_DEFAULT_S 2.0
/* Longest response adac_impulse() renders: 2^31 samples per path. */
#define ADAC_IMPULSE_MAX_SAMPLES 2147483648L

/*
 * Render length samples of every input → output path of ir with the
 * controls at their init values overridden by set (adac_sim_new() rules)
 * and encode them as fmt with samples of type (audio.h).  length < 0
 * means ADAC_IMPULSE_DEFAULT_S seconds.  Returns ADAC_OK with *buf and
 * *len set; ADAC_E_INPUT (bad length, unknown control or value out of
 * range, more than ADAC_RESPONSE_MAX_SAMPLES in all, response too large
 * for WAV), ADAC_E_DEPENDENCY (libsndfile), ADAC_E_NOMEM.
 */
int adac_impulse(const struct adac_ir *ir, long length,
		 const struct adac_setting *set, int n_set,
		 enum adac_format fmt, enum adac_sample_type type,
		 void **buf, size_t *len, struct adac_error *err);

#endif
