/*
 * emit_faust.h - an IR written as a readable FAUST program whose output
 * equals the reference simulator's to within floating-point rounding.
 *
 * The emitter borrows the IR and returns a new malloc'd text the caller
 * frees.  It never prints; what it has to say about the program (a
 * structure claim it could not use, a loop compensation) goes into
 * comments in the program itself.
 *
 * What the program computes (man/adac-emit.1 has the full story):
 *  - one named definition per IR node, in block-diagram algebra;
 *  - numbers as shortest round-trip literals (adac_fmt_double), always
 *    with a decimal point so FAUST types them as reals;
 *  - the one sample of delay FAUST's `~` adds is taken out of a delay of
 *    the loop's back path, or else out of its forward path with the loop's
 *    output delayed by one sample outside the loop;
 *  - matrices at their structured cost (Householder O(N), Hadamard
 *    O(N log N) butterflies, permutations as routing, diagonals as gains)
 *    when the claimed structure reproduces "data" to within 8 ulps,
 *    otherwise as sums of products of "data";
 *  - controls as sliders "/Name/rt60", "/Name/dry_wet", "/Name/pre_delay"
 *    (the control's "label" in place of its name when it has one),
 *    smoothed so that they start at the slider's value (no glide after a
 *    reset) and glide when moved;
 *  - rt60 decay gains and the pre-delay computed from the running rate
 *    (ma.SR), so that the knobs mean seconds and milliseconds at any
 *    rate; at the IR's design rate this is the simulator's arithmetic.
 */

/*
 * FAUST's ma.SR stops at this rate; the pre-delay line is sized for it,
 * and an IR designed above it runs its rt60 knob at this rate.
 */
#define ADAC_EMIT_MAX_SR_HZ 192000.0
#ifndef ADAC_EMIT_FAUST_H
#define ADAC_EMIT_FAUST_H

#include "error.h"
#include "fixpoint.h"
#include "ir.h"

struct adac_emit_options {
	int dense;		/* every matrix as sums of products */
	/*
	 * Trained values (gains, dense matrix entries, biquad coefficients)
	 * as hidden number entries, so that adac-live applies a training
	 * step that changes only values without recompiling.  Structured
	 * matrices keep their parameters as constants.
	 */
	int live;
	/*
	 * What the header comment says about the certificate, e.g.
	 * "certified-stable, sha256 ab12..." or "none (emitted with
	 * --force)"; NULL: read it from the IR's "certificate".
	 */
	const char *certificate_note;
	/*
	 * A program for faust -fx with adac/fixpoint.hpp in this format
	 * (NULL: a float program): dense matrices, coefficients on the
	 * format's grid, each product behind a barrier so that the build
	 * equals adac_fixpoint_sim bit for bit (fixpoint.h).  The IR must
	 * pass adac_fixpoint_check(), whose errors are returned.
	 */
	const struct adac_fixpoint *fixpoint;
};

/*
 * Write ir as a FAUST program into *out (malloc'd, caller frees).
 * opt may be NULL (structured emission).  Returns ADAC_OK;
 * ADAC_E_INPUT with the feedback node's pointer when a loop has no delay
 * of at least one sample that can absorb the delay of FAUST's `~`;
 * ADAC_E_NOMEM.
 */
int adac_emit_faust(const struct adac_ir *ir,
		    const struct adac_emit_options *opt, char **out,
		    struct adac_error *err);

/*
 * A FAUST real literal for x: adac_fmt_double() plus ".0" where that
 * would read as an integer ("1" → "1.0").  buf holds 40 bytes; returns buf.
 */
char *adac_emit_literal(char buf[40], double x);

/*
 * The certificate a program's header states, as adac-emit wrote it
 * ("// certificate: certified-stable for ..."): its first word into
 * verdict (cap bytes; "none", "NOT", or a verdict name such as
 * "certified-stable").  Returns 1, or 0 when source does not start with
 * adac-emit's header.  A statement, not a proof: a text can be edited;
 * adac-diff against the IR is the proof.
 */
int adac_emit_header_verdict(const char *source, char *verdict, size_t cap);

#endif
