/*
 * diff.h - adac-diff's logic: render two sources at one rate and length,
 * compare every path, and report.
 *
 * adac_diff_run() borrows its sources and returns a new JSON reference.
 */
#ifndef ADAC_DIFF_H
#define ADAC_DIFF_H

#include <jansson.h>

#include "error.h"
#include "render.h"
#include "stimulus.h"

/*
 * The length adac-diff chooses starts at 2 s and grows until the
 * reference has decayed (lib/evidence.h), up to 32 s or 2^24 samples over
 * all paths (128 MB a response), whichever is shorter, in at most three
 * more renders of the reference.
 */
#define ADAC_DIFF_DEFAULT_SECONDS 2.0
#define ADAC_DIFF_MAX_SECONDS 32.0
#define ADAC_DIFF_MAX_SAMPLES (1L << 24)

/*
 * The default float tolerance follows from the model when one source is
 * an IR (or a config): the worst over paths of max|noisy − exact|, re
 * the path's scale (compare.h), where noisy is the IR in the simulator's
 * float noise model (adac_sim_impulse_noisy(): every coefficient off by
 * 2^-24 of itself, every product, sum and output sample by up to 2^-24,
 * at random from a fixed seed), times this safety factor, 4 (12 dB): it
 * covers the peak of one draw against another and the difference
 * between the simulator's arithmetic and the program's.  Across the 68
 * IRs of examples/ and tests/data/, the emitted float programs come out
 * between 22 dB below the model's noise and 3.6 dB above it (a loop that
 * grows, tests/data/certify/hadamard-1001.json), so 12 dB leaves 8 dB;
 * a 6th-digit change in fdn2's matrix (-118 dB) is 7 dB beyond the
 * tolerance it gets (-125 dB).  The tolerance is never looser than
 * ADAC_DIFF_NOISE_MAX_TOL_DB: a model that noisy in float is compared
 * as not realisable in float (use --double); and never tighter than
 * 4 * 2^-24 (-132.4 dB): a model the noise leaves exact (silence, gains
 * of a power of two) still reaches the program through float samples.
 */
#define ADAC_DIFF_NOISE_SAFETY 4.0
#define ADAC_DIFF_NOISE_MAX_TOL_DB (-60.0)

struct adac_diff_options {
	long length;		/* samples per path; <= 0: the default below */
	/*
	 * NAN: in double ADAC_COMPARE_TOL_DOUBLE_DB; in float from the
	 * model's noise (above) when a source is an IR, else
	 * ADAC_COMPARE_TOL_FLOAT_DB
	 */
	double tol_db;
	double fs_hz;		/* rate when neither source has one; 0: 48000 */
	/* called now and then while a source renders */
	void (*progress)(void *ctx, const char *name, double done);
	void *progress_ctx;
	/*
	 * What drives both operands (stimulus.h), generated once per
	 * window length and given to each alike; the model's float
	 * tolerance is measured on the same signal.  stimulus_given: the
	 * user chose it; without that, an IR with a nonlinear node is not
	 * called "equal" on its impulse response.
	 */
	struct adac_stimulus stimulus;
	int stimulus_given;
};

/* length 0, tol_db NAN, fs_hz 0, no progress, the unit impulse. */
void adac_diff_options_init(struct adac_diff_options *opt);

/*
 * Compare src[1] (the test) with src[0] (the reference); name[k] is how
 * the report and errors call them.
 *
 * The rate is the one an IR or audio file has (both must agree), else
 * opt->fs_hz (FAUST programs take it).  An audio file takes the shape of
 * the other source if it has one channel per path.  The length is
 * opt->length, else the shortest audio file's, else 2 s at the rate,
 * grown until the reference has decayed (see above).  The precision
 * is "double" when both sources are double (an IR, a -double program, a
 * 64-bit float file), else "float", and picks the default tolerance.
 *
 * "equal" needs evidence: a window that is not empty and over which the
 * reference is not silent, or there is no verdict but an ADAC_E_INPUT
 * error naming the operand that set the window.  When an audio file sets
 * it, the reference must also decay by 60 dB within it (lib/evidence.h):
 * a truncated render is an error, not "equal".  A length of our own
 * grows until the reference decays, and when it cannot within the limits
 * the report's note says how far it did; opt->length is the caller's
 * choice.  A difference found is "different" in any window, and so is a
 * reference or test that is not finite.
 *
 * Returns ADAC_OK with *report ({"reference", "test", "fs", "samples",
 * "inputs", "outputs", "paths", "overall": {"verdict", "worst_error_db",
 * "tol_db", "tol_from", "precision", "worst_path", "reference_decay_db",
 * "note"}, "alignment", "signal": {"kind", "level_db", "seed" (noise),
 * "active_samples"}}) and *equal; "tol_from" is "given", "double",
 * "float" (the constant) or "model", and with "model" "overall" also
 * holds "model_noise_db", the model's noise before the safety factor;
 * the note only when a length of our own choosing ends before the
 * reference has decayed.  Or an error with *culprit the index of the
 * source at fault (-1 for neither): ADAC_E_INPUT for another rate,
 * channel count or shape, too short an audio file, no evidence, or an
 * "equal" resting on the impulse response of an IR with a nonlinear
 * node when the signal was not given; what rendering returns otherwise.
 */
int adac_diff_run(struct adac_source *src[2], const char *name[2],
		  const struct adac_diff_options *opt, json_t **report,
		  int *equal, int *culprit, struct adac_error *err);

#endif
