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

/*
 * The length adac-diff chooses starts at 2 s and grows until the
 * reference has decayed (lib/evidence.h), up to 32 s or 2^24 samples over
 * all paths (128 MB a response), whichever is shorter, in at most three
 * more renders of the reference.
 */
#define ADAC_DIFF_DEFAULT_SECONDS 2.0
#define ADAC_DIFF_MAX_SECONDS 32.0
#define ADAC_DIFF_MAX_SAMPLES (1L << 24)

struct adac_diff_options {
	long length;		/* samples per path; <= 0: the default below */
	double tol_db;		/* NAN: ADAC_COMPARE_TOL_{FLOAT,DOUBLE}_DB */
	double fs_hz;		/* rate when neither source has one; 0: 48000 */
	/* called now and then while a source renders */
	void (*progress)(void *ctx, const char *name, double done);
	void *progress_ctx;
};

/* length 0, tol_db NAN, fs_hz 0, no progress. */
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
 * "tol_db", "precision", "worst_path", "reference_decay_db", "note"},
 * "alignment"}) and *equal, the note only when a length of our own
 * choosing ends before the reference has decayed; or an error with
 * *culprit the index of the source at fault (-1 for neither):
 * ADAC_E_INPUT for another rate, channel count or shape, too short an
 * audio file, or no evidence; what rendering returns otherwise.
 */
int adac_diff_run(struct adac_source *src[2], const char *name[2],
		  const struct adac_diff_options *opt, json_t **report,
		  int *equal, int *culprit, struct adac_error *err);

#endif
