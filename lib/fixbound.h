/*
 * fixbound.h - what a fixed-point build of a network may do that the
 * real-valued network cannot, bounded by construction: a sum that leaves
 * the word for some input within a given peak (overflow), and rounding
 * that keeps the network ringing with no input (limit cycles).
 *
 * The program is the netlist adac_fixpoint_netlist() builds: sums of
 * terms c·x (each a rounded product unless c = ±1) and delay lines.
 * While nothing overflows, every wire is the response of the linear
 * network (coefficients as shipped) to the input plus the response to
 * one rounding error per product, each at most ε (half an LSB to
 * nearest, one LSB truncating).  So a wire's peak is at most
 *
 *   peak·Σᵢ ‖h(input i → wire)‖₁ + ε·Σₚ kₚ·‖h(sum p → wire)‖₁,
 *
 * kₚ the rounded products of sum p; by induction on time no sum
 * overflows when these bounds fit the word.  Each ‖h‖₁ is the sum of
 * |h| over a simulated head plus a tail bound that holds by
 * construction: with the energy E = Σ_d w_d·(stored samples of line d)²
 * for line weights w_d, one step replaces the samples read (v) by M·v
 * written, so E never grows when ‖W^½·M·W^-½‖₂ = γ < 1, and drops by
 * γ² within any L samples (the longest line: every stored sample is read
 * by then).  The simulation's own double rounding is carried as one more
 * error source (Higham's γ(k) per sum).
 *
 * On a zero-input cycle the network's own response has died away, so
 * every wire stays within ε·Σₚ kₚ·‖h(sum p → wire)‖₁; when that is
 * below one LSB for every wire, every wire is 0 (values are whole LSBs):
 * there is no limit cycle.  Otherwise that is the amplitude bound.
 *
 * Functions borrow the IR.  man/adac-certify.1 describes the object.
 */
#ifndef ADAC_FIXBOUND_H
#define ADAC_FIXBOUND_H

#include <jansson.h>

#include "certificate.h"
#include "error.h"
#include "fixpoint.h"
#include "ir.h"

/* Term evaluations the simulated heads may take, over all sources. */
#define ADAC_FIXBOUND_BUDGET (1L << 30)
/*
 * Beyond these the bound is not attempted (indeterminate): delay lines
 * (M's SVD is cubic in them), and wires × lines (the map C).
 */
#define ADAC_FIXBOUND_MAX_LINES 1024
#define ADAC_FIXBOUND_MAX_ENTRIES (1L << 24)

struct adac_fixbound_opts {
	double input_peak;	/* |input| <= this; 0: 1, full scale */
	long budget;		/* <= 0: ADAC_FIXBOUND_BUDGET */
};

struct adac_fixbound_result {
	/*
	 * certified-stable: no sum can overflow; not-certified: a bound
	 * leaves the word (pointer: its node); indeterminate: no
	 * contraction found, so no tail could be bounded.
	 */
	enum adac_verdict verdict;
	char pointer[ADAC_POINTER_MAX];
	char reason[ADAC_TEXT_MAX];
};

/*
 * Bound the fixed-point program of ir in format fx (adac_fixpoint_check
 * must pass: its errors are returned).  On ADAC_OK *out is a new
 * reference to the certificate's "fixed_point" object and *r the
 * verdict.  ADAC_E_INPUT for an input_peak outside (0, 1],
 * ADAC_E_DEPENDENCY when LAPACK fails, ADAC_E_NOMEM.
 */
int adac_fixbound(const struct adac_ir *ir, const struct adac_fixpoint *fx,
		  const struct adac_fixbound_opts *o,
		  struct adac_fixbound_result *r, json_t **out,
		  struct adac_error *err);

#endif
