/*
 * evidence.h - whether an impulse response over a window can show that
 * another equals it: it must be finite, hold some energy, and last until
 * it has decayed.  adac-diff says "equal" only on such a window.
 *
 * Functions borrow their responses.
 */
#ifndef ADAC_EVIDENCE_H
#define ADAC_EVIDENCE_H

#include "response.h"

/*
 * A window shows a response whole when, on every path that holds energy
 * in it, its last quarter holds at most this far below the energy of the
 * whole window: the energy decay curve (Schroeder's backward integral,
 * over the window) has fallen 60 dB three quarters of the way through.
 * An exponential decay of T60 seconds needs a window of 4/3·T60.
 */
#define ADAC_EVIDENCE_DECAY_DB (-60.0)

struct adac_evidence {
	/* the first NaN or infinity, earliest sample then lowest path; -1 */
	long non_finite_sample;
	int non_finite_input, non_finite_output;
	/* every sample of every path is 0 (and none is non-finite) */
	int silent;
	/*
	 * max over the paths with energy of 10·log10(E[3N/4, N) / E[0, N)),
	 * E the sum of h² over the range; -INFINITY when every such last
	 * quarter is exactly 0, 0 when N < 4 leaves no quarter to decay in.
	 * Meaningless (NAN) when silent or not finite.
	 */
	double decay_db;
	/*
	 * On the path that sets decay_db: how far the energy of its last
	 * quarter lies below its first quarter's, 10·log10(E[0, N/4) /
	 * E[3N/4, N)): the decay rate, 0 for a lossless response, where
	 * decay_db would be −6 dB at any length.  +INFINITY when the last
	 * quarter is silent.
	 */
	double quarter_drop_db;
};

/* Measure r over its whole length. */
void adac_evidence_measure(const struct adac_response *r,
			   struct adac_evidence *ev);

/* 1 when ev shows a response that has decayed (see above). */
int adac_evidence_decayed(const struct adac_evidence *ev);

#endif
