/*
 * stimulus.h - the test signals adac-diff drives both operands with, so
 * that a program that is not linear and time-invariant, whose impulse
 * response does not characterise it, is compared on a signal that
 * exercises it (adac-diff(1), --signal).
 *
 * The functions fill caller-provided buffers and allocate nothing.
 */
#ifndef ADAC_STIMULUS_H
#define ADAC_STIMULUS_H

#include <stdint.h>

#include "error.h"

enum adac_stimulus_kind {
	ADAC_STIMULUS_IMPULSE,	/* one sample of the level at n = 0 */
	ADAC_STIMULUS_NOISE,	/* white, uniform in [−level, level] */
	ADAC_STIMULUS_SWEEP,	/* exponential sine sweep, 20 Hz to 0.45·fs */
};

struct adac_stimulus {
	enum adac_stimulus_kind kind;
	double level_db;	/* peak, dB re 1.0 (full scale) */
	uint64_t seed;		/* the noise's; any value, 0 included */
};

/* impulse at 0 dB, seed 1: the impulse response adac-diff always took. */
void adac_stimulus_init(struct adac_stimulus *s);

/* "impulse", "noise", "sweep"; ADAC_E_INPUT for another name. */
int adac_stimulus_parse(const char *name, enum adac_stimulus_kind *out,
		      struct adac_error *err);
const char *adac_stimulus_name(enum adac_stimulus_kind kind);

/*
 * The samples the signal drives over a window of length samples: the
 * noise and the sweep fill the first half and leave the second silent,
 * so that the response's decay shows in the window (lib/evidence.h);
 * the impulse is one sample.
 */
long adac_stimulus_active(const struct adac_stimulus *s, long length);

/*
 * x[0 .. length) for a window of length samples at fs_hz.  Every sample
 * is a float32 value (rounded once, here), so that a float program and
 * the double simulator read the same numbers; the same arguments give
 * the same samples on every machine (xorshift64* from the seed, sin and
 * exp in double rounded to float).
 */
void adac_stimulus_fill(const struct adac_stimulus *s, double fs_hz, long length,
		      double *x);

#endif
