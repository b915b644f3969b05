/*
 * modal.h - the modes of a node's one-sample state map x[n+1] = A·x[n]:
 * its spectral radius (the slowest mode), found independently of the
 * small-gain bound, with a rigorous upper bound where the state is small
 * enough to decompose densely and an Arnoldi estimate (ARPACK) above.
 *
 * Functions borrow the node, which must outlive a struct adac_modal_map;
 * adac_modal_map_new() pairs with adac_modal_map_free(), free(NULL) does
 * nothing.  struct adac_modal holds only static strings and numbers.
 *
 * The map has the certifier's coefficients: every gain, matrix entry and
 * biquad coefficient is adac_freq_round() of the IR's value and decay gains
 * are adac_freq_gain() at fo->rt60_s, so the modes are those of the values
 * that ship.  Its state is every delay line's stored samples (a delay of
 * k + f samples stores k + 1, of f < 1 samples one) and two memories per
 * biquad section (direct form II: the simulator's direct form I has the
 * same nonzero eigenvalues, see modal.c).
 *
 * Only states that lie on a loop can have a nonzero eigenvalue: A is block
 * triangular over the strongly connected sets of states (the blocks), so
 * its spectrum is the union of theirs and every other state contributes an
 * exact zero.  Each block is analysed alone.
 */
#ifndef ADAC_MODAL_H
#define ADAC_MODAL_H

#include "error.h"
#include "freq.h"
#include "ir.h"

/*
 * Defaults, measured with bench/modal.sh on the 2-core development machine
 * under load (docs/NOTES.md).  A dense block costs about n³: 26 ms at 100
 * states, 0.4–0.7 s at 400, 1.1–2 s at 600.  Arnoldi costs 0.1–0.2 s for
 * 400 applications of a 20 000-state map (a 16-line FDN), and on
 * delay networks, whose thousands of eigenvalues share nearly one modulus,
 * it does not converge however long it runs: its estimate there is poor
 * (0.85–0.95 against a true 0.9999).  Beyond SPARSE_MAX (a 64-line FDN
 * has 100 000 states) the analysis is declined in under a millisecond.
 */
#define ADAC_MODAL_DENSE_MAX 500
#define ADAC_MODAL_SPARSE_MAX 50000
#define ADAC_MODAL_MAX_MATVECS 400
/* Blocks this small always go dense: Arnoldi needs room for its basis. */
#define ADAC_MODAL_ARNOLDI_MIN 64

struct adac_modal_opts {
	long dense_max;		/* dense eigendecomposition of a block up to
				   this many states; <= 0: the default */
	long sparse_max;	/* Arnoldi (ARPACK) above dense_max up to this
				   many states in a block; <= 0: the default */
	long max_matvecs;	/* at most this many map applications per
				   Arnoldi run (ARPACK's adaptive restarts
				   often use about half); <= 0: the default */
	double coef_rel_err;	/* every coefficient of the map may differ
				   from its nominal value by up to this
				   fraction of its magnitude (runtime rounding
				   of computed gains); the bound holds for all
				   of them.  0: the nominal values exactly */
};

struct adac_modal {
	long dim;		/* states of the whole map */
	long loop_dim;		/* states of its largest block (0: no loop) */
	int n_blocks;		/* blocks found (sets of states on loops) */
	/*
	 * "dense" (LAPACK dgeev on every block), "arnoldi" (ARPACK on at
	 * least one block), or "none": nothing to solve (no state, no state
	 * on a loop: radius 0 and bound 0, exactly) or declined (a block
	 * larger than sparse_max, a coefficient that is not finite: radius
	 * NaN and bound INFINITY).  Static, never NULL.
	 */
	const char *method;
	/*
	 * Why the bound is infinite or the method "none", as a lower-case
	 * phrase ("no state lies on a loop", "a coefficient is not finite",
	 * ...); "" when the bound is finite and a solver ran.  Static.
	 */
	const char *reason;
	int converged;		/* every Arnoldi run converged within the
				   budget: its largest Ritz value's residual is
				   below 1e-10 of its modulus (1 for dense and
				   for "none") */
	long matvecs;		/* applications of the map, all blocks */
	/*
	 * The slowest mode: the eigenvalue λ of largest modulus found (an
	 * estimate when method is "arnoldi"), as radius = |λ| and
	 * omega = |arg λ| in [0, π] radians per sample.  NaN when unknown.
	 */
	double radius;
	double omega;
	/*
	 * An upper bound on ‖A·v − λ·v‖₂ for that mode's computed vector v
	 * with ‖v‖₂ = 1, at the nominal coefficients, rounding of its
	 * evaluation included.  0 for "none"; NaN when unknown.
	 */
	double residual;
	/*
	 * A rigorous upper bound on the spectral radius of every map whose
	 * coefficients lie within coef_rel_err of the nominal ones, in exact
	 * arithmetic: Bauer-Fike from the computed eigenvectors, with the
	 * rounding of every step bounded (modal.c states each constant).
	 * +INFINITY when there is none (Arnoldi, a defective or nearly
	 * defective block, anything non-finite).
	 */
	double bound;
	/*
	 * Evidence of instability: for a mode with |λ| > 1 (the slowest of
	 * each block; the largest floor over the blocks), a lower bound on
	 * sup_k ‖A'^k‖₂ for every such map A', (|λ| − 1)/r with r the
	 * residual plus what coef_rel_err can move it (Kreiss: λ lies in the
	 * r-pseudospectrum).  An impulse response can grow by about this
	 * much; say "unstable" from it only when it is huge (say > 1e6).
	 * 0 when no mode outside the unit circle was found; INFINITY when
	 * the residual is 0.
	 */
	double growth;
};

/*
 * The modes of node's one-sample state map with zero input, coefficients
 * as the certifier sees them (see above; fo->fs_hz and fo->rt60_s for
 * decay gains).  o may be NULL for every default.  Fills *out and returns
 * ADAC_OK whatever was found; ADAC_E_INPUT when the node cannot be
 * flattened (a delay-free loop), ADAC_E_NOMEM, ADAC_E_DEPENDENCY when
 * LAPACK or ARPACK reports failure.
 */
int adac_modal_analyze(const struct adac_node *node,
		       const struct adac_freq_opts *fo,
		       const struct adac_modal_opts *o, struct adac_modal *out,
		       struct adac_error *err);

/*
 * The slowest mode's decay time, −3/(fs·log10 radius) seconds: INFINITY
 * when radius >= 1, 0 when radius is 0, NaN when radius is.
 */
double adac_modal_t60_s(const struct adac_modal *m, double fs_hz);

/* Its frequency, omega·fs/(2π) Hz (NaN when unknown). */
double adac_modal_freq_hz(const struct adac_modal *m, double fs_hz);

/*
 * The map itself, as a state-space system one sample at a time:
 *   x_next = A·x + B·in,  out = C·x + D·in.
 * The same realisation adac_modal_analyze() decomposes, with every state
 * (no block reduction); for tests and tools that step it by hand.
 */
struct adac_modal_map;

/* ADAC_OK, ADAC_E_INPUT (as above), ADAC_E_NOMEM. */
int adac_modal_map_new(const struct adac_node *node,
		       const struct adac_freq_opts *fo,
		       struct adac_modal_map **out, struct adac_error *err);
void adac_modal_map_free(struct adac_modal_map *m);

/* The number of states; an allocation of this many doubles is the caller's. */
long adac_modal_map_dim(const struct adac_modal_map *m);

/*
 * One sample: x and x_next hold dim doubles (distinct arrays), in
 * node->n_in (NULL: zero input), out node->n_out (NULL: not wanted).
 */
void adac_modal_map_step(struct adac_modal_map *m, const double *x,
			 const double *in, double *x_next, double *out);

#endif
