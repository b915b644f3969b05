/*
 * fixpoint.h - fixed-point number formats q1.F (a sign bit and F
 * fractional bits in a word of F + 1 bits), their arithmetic exactly as
 * include/adac/fixpoint.hpp implements it for `faust -fx` programs, and a
 * fixed-point simulator of an IR that computes what such a program
 * computes, bit for bit.
 *
 * A value is held as its raw integer r (the number is r·2^-F) in an
 * int64_t.  The arithmetic, which the header repeats operation for
 * operation:
 *   a + b, a − b   exact, then the overflow rule;
 *   a · b          the exact product of the raw values (128 bits) shifted
 *                  right by F with the rounding rule, then the overflow
 *                  rule;
 *   rounding       "round": to nearest, ties towards +inf
 *                  ((p + 2^(F-1)) >> F); "truncate": towards −inf
 *                  (p >> F, two's complement truncation);
 *   overflow       "saturate": clamp to [−2^F, 2^F − 1]; "wrap": keep the
 *                  low F + 1 bits, sign-extended (two's complement).
 * Coefficients are constants of the program, not results: they are
 * rounded to nearest on a grid of 2^-min(F, 23) (see adac_fixpoint_coef)
 * and are never saturated, so that FAUST's 2.0·x for x + x is x + x.
 *
 * The simulator borrows the IR, which must outlive it;
 * adac_fixpoint_sim_new() pairs with adac_fixpoint_sim_free().
 */
#ifndef ADAC_FIXPOINT_H
#define ADAC_FIXPOINT_H

#include <stdint.h>

#include "error.h"
#include "ir.h"

enum adac_fx_rounding { ADAC_FX_ROUND, ADAC_FX_TRUNCATE };
enum adac_fx_overflow { ADAC_FX_SATURATE, ADAC_FX_WRAP };

struct adac_fixpoint {
	int frac_bits;			/* F: 15, 23 or 31 */
	enum adac_fx_rounding rounding;
	enum adac_fx_overflow overflow;
};

/*
 * Parse "q1.F[:round|:truncate][:saturate|:wrap]" with F one of 15, 23,
 * 31 (defaults round, saturate) into *out.  Returns ADAC_OK or
 * ADAC_E_INPUT ("unknown precision 'x'; expected ...").
 */
int adac_fixpoint_parse(const char *s, struct adac_fixpoint *out,
			struct adac_error *err);

/* The canonical name, e.g. "q1.15:round:saturate", into buf (32 bytes). */
char *adac_fixpoint_name(char buf[32], const struct adac_fixpoint *fx);

/* The overflow rule applied to an exact result. */
int64_t adac_fixpoint_fit(const struct adac_fixpoint *fx, int64_t r);
int64_t adac_fixpoint_add(const struct adac_fixpoint *fx, int64_t a,
			  int64_t b);
int64_t adac_fixpoint_sub(const struct adac_fixpoint *fx, int64_t a,
			  int64_t b);
int64_t adac_fixpoint_mul(const struct adac_fixpoint *fx, int64_t a,
			  int64_t b);

/*
 * A sample x (a float: the program's inputs are FAUSTFLOAT = float)
 * into the format: x·2^F with the rounding rule, then the overflow rule.
 * NaN reads as 0.
 */
int64_t adac_fixpoint_from_sample(const struct adac_fixpoint *fx, float x);

/* r·2^-F, exact in double. */
double adac_fixpoint_value(const struct adac_fixpoint *fx, int64_t r);

/*
 * The raw value a coefficient c is shipped as: c rounded to nearest on
 * the grid 2^-min(F, 23), expressed in units of 2^-F.  The grid is
 * coarser than the word at q1.31 because faust 2.54.9 prints -fx
 * literals with 8 significant digits (relative error <= 5e-8), which
 * determines a value on a 2^-23 grid (half step 5.96e-8) but not on a
 * 2^-31 one.  Returns 0 and sets *raw, or -1 when |c| >= 1 and c is
 * not exactly ±1 (a product by ±1 is no product: the term is ±x).
 */
int adac_fixpoint_coef(const struct adac_fixpoint *fx, double c,
		       int64_t *raw);

/*
 * Check that ir can be computed at fixed point as adac's header and the
 * emitted program do: no controls, no nonlinear nodes, no fractional
 * delays, every coefficient representable (adac_fixpoint_coef), biquads
 * in direct form I with |c| < 2 (netlist.h's sos_df1: ±1 plus c ∓ 1
 * for 1 < |c| < 2).  Returns ADAC_OK or ADAC_E_INPUT with the offending
 * node's pointer, e.g. "/graph/of/1: coefficient 1.5 does not fit
 * q1.15:round:saturate (|c| < 1, or exactly 1 or -1)".
 */
int adac_fixpoint_check(const struct adac_ir *ir,
			const struct adac_fixpoint *fx,
			struct adac_error *err);

struct adac_netlist;

/*
 * The netlist a fixed-point program computes (netlist.h), after
 * adac_fixpoint_check()'s checks, into *net (adac_netlist_free()); the
 * simulator and the overflow bounds (fixbound.h) both read it.  It
 * holds only LIN and DELAY primitives: biquads come as direct form I
 * (sos_df1), their prims' node the sos node.
 */
int adac_fixpoint_netlist(const struct adac_ir *ir,
			  const struct adac_fixpoint *fx,
			  struct adac_netlist **net, struct adac_error *err);

struct adac_fixpoint_sim;

/*
 * A fixed-point simulator of ir in format fx (adac_fixpoint_check must
 * pass: its errors are returned).  Every sum of the netlist is taken
 * term by term; a term c·x is x for c = 1, 0 − x for c = −1, c·x for
 * c > 0 and 0 − |c|·x for c < 0 (as faust -fx writes a negative
 * constant factor).  With "wrap" additions are exact modulo 2, so FAUST's
 * reordering of sums changes nothing; with "saturate" the order matters
 * only once a partial sum saturates, which adac_fixpoint_sim_saturated()
 * reports.
 */
int adac_fixpoint_sim_new(const struct adac_ir *ir,
			  const struct adac_fixpoint *fx,
			  struct adac_fixpoint_sim **out,
			  struct adac_error *err);
void adac_fixpoint_sim_free(struct adac_fixpoint_sim *sim);

/*
 * frames samples: in[n * inputs + i] (floats, as the program reads them)
 * → out[n * outputs + o] as raw values.
 */
void adac_fixpoint_sim_process(struct adac_fixpoint_sim *sim,
			       const float *in, int64_t *out, long frames);

/* Whether any operation saturated (or wrapped) since creation. */
int adac_fixpoint_sim_saturated(const struct adac_fixpoint_sim *sim);

#endif
