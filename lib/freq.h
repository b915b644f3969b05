/*
 * freq.h - frequency responses of IR nodes: the complex n_out × n_in
 * matrix H(z) of any node, at a point z of the complex plane (on the unit
 * circle, z = e^{jω}, for a frequency response).
 *
 * Functions borrow the node; matrices are row-major, complex entries as
 * interleaved re/im doubles (the layout of C11 double complex), and the
 * caller provides them.  Coefficients are rounded to the precision the
 * emitter ships before they are used (adac_freq_round()); delay lengths
 * are exact in both precisions.
 */
#ifndef ADAC_FREQ_H
#define ADAC_FREQ_H

#include "error.h"
#include "ir.h"
#include "fixpoint.h"
#include "precision.h"

struct adac_freq_opts {
	enum adac_precision precision;
	double fs_hz;		/* for rt60 decay */
	double rt60_s;		/* the rt60 control's position (s) */
	const struct adac_fixpoint *fx;	/* ADAC_PRECISION_FIXED: the word */
};

/*
 * x as the program holds it: (double)(float)x for float32; at fixed
 * point ±1 exactly, |x| < 1 on the format's coefficient grid
 * (adac_fixpoint_coef), 1 < |x| < 2 (a biquad's) as ±1 plus x ∓ 1 on
 * it (the program adds ±x and a product); anything else unchanged
 * (adac_fixpoint_check refuses it first).
 */
double adac_freq_round(const struct adac_freq_opts *o, double x);

/*
 * The transfer function {b0, b1, b2, a1, a2} that the program computes
 * for section sos of an sos node: the realisation lib/biquad.c chooses
 * (direct form I, or a state-variable filter with coefficients of its
 * own), with each of those coefficients rounded as the program holds
 * them, converted back (in double, within a few units of roundoff).
 * At fixed point always direct form I, each coefficient rounded.
 */
void adac_freq_section(const struct adac_freq_opts *o, const double sos[5],
		       double out[5]);

/*
 * The gain channel ch of a gain node applies, rounded:
 * values[ch]·10^(−3·loop_samples[ch]/(fs·T60)) with decay, else values[ch].
 */
double adac_freq_gain(const struct adac_node *n, int ch,
		      const struct adac_freq_opts *o);

/*
 * A nonlinear node's channel ch as its small-signal linearisation: the
 * slope at 0 of out_gain·f(in_gain·x), f'(0) = 1 for every function, so
 * round(in_gain)·round(out_gain).  This describes small signals only;
 * no stability argument may rest on it (the certifier bounds such a
 * node by its Lipschitz constant instead).
 */
double adac_freq_nl_slope(const struct adac_node *n, int ch,
			  const struct adac_freq_opts *o);

/*
 * H(e^{jω}) of node, omega in radians per sample, into h (n_out × n_in
 * complex).  A feedback node is (I − F·B)⁻¹·F with F and B the responses
 * of forward and back (zgesv); ADAC_E_NEGATIVE when I − F·B is singular
 * there (a pole on the unit circle).  ADAC_E_NOMEM, ADAC_E_DEPENDENCY.
 * A nonlinear node counts as its small-signal slope (adac_freq_nl_slope()).
 */
int adac_freq_response(const struct adac_node *node,
		       const struct adac_freq_opts *o, double omega,
		       double *h, struct adac_error *err);

/*
 * The same at an arbitrary point given by z⁻¹ = zinv_re + j·zinv_im;
 * z⁻¹ = 0 gives the direct feed-through (z = ∞).
 */
int adac_freq_response_z(const struct adac_node *node,
			 const struct adac_freq_opts *o, double zinv_re,
			 double zinv_im, double *h, struct adac_error *err);

#endif
