/*
 * decay.h - reverberation time measured from an impulse response:
 * Schroeder's backward-integrated energy decay curve (EDC) and the T60
 * read off it, broadband and in octave bands (`adac-ir decay`).
 *
 * Functions borrow their arrays and the response; adac_decay_analyse()
 * returns a new json_t reference the caller json_decref()s.  Nothing
 * here keeps state between calls.
 *
 * The method, in the terms of ISO 3382-1:
 *   - EDC(n) = 10·log10(Σ_{k≥n} h[k]² + C) − 10·log10(Σ_k h[k]² + C), in
 *     dB re the total energy, so EDC(0) = 0 dB.
 *   - C is the energy the window cut off: the decay fitted below is
 *     extended past the last sample (an exponential continuation of the
 *     last tenth of the window, whose energy fixes its level), and the
 *     fit is repeated until T60 settles.  Without C a truncated window
 *     bends the EDC down at its end and biases T60 short.
 *   - T60 is T30 × 2: −60 dB over the slope of the least-squares line
 *     through the EDC between −5 and −35 dB.  EDT is the same between 0
 *     and −10 dB.
 *   - A T60 is reported only when the response decays by at least 40 dB
 *     within the window (35 dB for the fit and 5 dB of margin), by its
 *     EDC (including C) and by the fitted line extended to the window's
 *     end (a few sparse echoes that stop early look deep by the EDC
 *     alone); otherwise there is no value and a reason.
 *   - Octave bands 125 Hz … 8 kHz (centres 1000·2^k Hz), each band with
 *     its upper edge below fs/2: the response is filtered forward through
 *     a 6th-order Butterworth band-pass (3rd-order low-pass prototype,
 *     band-pass transform, bilinear transform with both edges prewarped,
 *     edges at fc·2^(±1/2), so −3 dB exactly at the edges and 0 dB at
 *     fc), in double, then measured as above.  The filter's own ring-down
 *     (T60 about 50 ms at 125 Hz, shorter above) is far below the decay
 *     times it measures; responses with T60 near it read long.
 *   - No noise-floor detection: meant for simulated and rendered
 *     responses, whose floor is rounding noise far below −40 dB.
 */
#ifndef ADAC_DECAY_H
#define ADAC_DECAY_H

#include <jansson.h>

#include "error.h"
#include "response.h"

#define ADAC_DECAY_FIT_START_DB (-5.0)
#define ADAC_DECAY_FIT_END_DB (-35.0)
#define ADAC_DECAY_EDT_END_DB (-10.0)
/* the window must reach this level for a T60 to be reported */
#define ADAC_DECAY_MIN_DEPTH_DB 40.0
/* EDC values where no energy is left (log of zero) */
#define ADAC_DECAY_FLOOR_DB (-300.0)

#define ADAC_DECAY_MAX_BANDS 7		/* 125 Hz … 8 kHz */
#define ADAC_DECAY_BAND_SECTIONS 3	/* biquads per band-pass */

/*
 * The Schroeder EDC of h[0..n) in dB re its total energy into
 * edc_db[0..n), with tail_energy (>= 0, in units of h²) added to every
 * backward sum: 0 for the classic curve, which bends down at the end of
 * a truncated window; a fit's tail_energy for the curve it measured.
 * Values below ADAC_DECAY_FLOOR_DB, and a silent h, give
 * ADAC_DECAY_FLOOR_DB.  ADAC_E_INPUT when n < 1.
 */
int adac_decay_edc(const double *h, long n, double tail_energy,
		   double *edc_db, struct adac_error *err);

struct adac_decay_fit {
	double t60_s;		/* T30 × 2; NAN when not measured */
	double edt_s;		/* EDT; NAN when not measured */
	double slope_db_per_s;	/* of the T30 line; NAN when not measured */
	/* decay reached at the window's end, >= 0: the lesser of the
	 * EDC's and the fitted line's (after a fit) */
	double depth_db;
	/* energy assumed past the window (C above); 0 when not measured */
	double tail_energy;
	/* "" when t60_s is measured, else why not */
	char reason[128];
};

/*
 * Measure h[0..n) at fs_hz as described above.  A response that cannot
 * be measured (silent, not finite, not decaying, decaying too little or
 * too fast) is not an error: fit->t60_s is NAN and fit->reason says why.
 * ADAC_E_INPUT when n < 2 or fs_hz is not positive; ADAC_E_NOMEM.
 */
int adac_decay_fit(const double *h, long n, double fs_hz,
		   struct adac_decay_fit *fit, struct adac_error *err);

/*
 * The broadband T60 of one signal, for tests and benchmarks that need a
 * number: *t60_s is set on success.  ADAC_E_NEGATIVE (the reason as the
 * error text) when it cannot be measured; ADAC_E_INPUT, ADAC_E_NOMEM as
 * adac_decay_fit().
 */
int adac_decay_t60(const double *h, long n, double fs_hz, double *t60_s,
		   struct adac_error *err);

/*
 * The octave bands measured at fs_hz: their centres (Hz) into
 * centres_hz[ADAC_DECAY_MAX_BANDS]; returns how many (0 when fs_hz is
 * too low for the 125 Hz band).
 */
int adac_decay_bands(double fs_hz, double centres_hz[ADAC_DECAY_MAX_BANDS]);

/*
 * The band-pass for the octave centred on fc_hz at fs_hz as
 * ADAC_DECAY_BAND_SECTIONS biquads {b0, b1, b2, a1, a2} (a0 = 1; the
 * IR's sos layout).  ADAC_E_INPUT unless 0 < fc·√2 < fs/2.
 */
int adac_decay_octave_sos(double fc_hz, double fs_hz,
			  double sos[ADAC_DECAY_BAND_SECTIONS][5],
			  struct adac_error *err);

/*
 * Filter h[0..n) through the cascade sos (n_sections biquads, zero
 * initial state, direct form II transposed) into y[0..n); y may be h.
 */
void adac_decay_filter(const double sos[][5], int n_sections,
		       const double *h, long n, double *y);

/*
 * The report of `adac-ir decay` for every path of r:
 *   {"fs": FS, "samples": N, "fit_db": [-5, -35],
 *    "paths": [{"input": i, "output": o, "t60_s": T | null,
 *               "edt_s": T | null, "reason": "..." (when t60_s is null),
 *               "bands": [{"center_hz": F, "t60_s": T | null,
 *                          "reason": "..."}...]}...],
 *    "t60_s": mean of the paths' T60 | null, "reason": (when null),
 *    "bands": [{"center_hz": F, "t60_s": mean | null}...]}
 * Times in seconds rounded to 0.1 ms; a mean is over the paths that have
 * a value.  ADAC_E_INPUT (fewer than 2 samples, bad fs), ADAC_E_NOMEM.
 */
int adac_decay_analyse(const struct adac_response *r, json_t **report,
		       struct adac_error *err);

#endif
