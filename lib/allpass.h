/*
 * allpass.h - proofs that a node is an allpass, |H(e^jw)| = 1 at every
 * frequency, read off its structure rather than sampled.
 *
 * The one form recognised is the Schroeder allpass of adac-ir(5) and
 * adac-certify(1), a series of two nodes
 *
 *   {"op": "feedback", "forward": gain [1], "back": series [P, gain [g]]}
 *   {"op": "parallel", "in": "split", "out": "sum", "of": [gain [h], P']}
 *
 * (the parallel's branches in either order), which computes
 * v = x + g·P(v), y = h·v + P'(v).  It is proven allpass when h = -g
 * exactly, |g| < 1, P' is the same node as P (ids aside) and P is itself
 * proven unit-modulus: a whole-sample delay, a gain of ±1, a proven
 * allpass, or a series of those.  Then H = (P - g)/(1 - g·P) and, with
 * |P| = 1 and g real, |P - g| = |1 - g·P| on the unit circle: |H| = 1
 * exactly, in exact arithmetic, for the coefficients the program holds,
 * since rounding g to float or double rounds -g to exactly its negative.
 * A P that holds an allpass is Gardner's nested allpass.
 *
 * Functions borrow the nodes; adac_allpass_json() returns a new reference.
 */
#ifndef ADAC_ALLPASS_H
#define ADAC_ALLPASS_H

#include <jansson.h>

#include "ir.h"

struct adac_allpass {
	const struct adac_node *path;	/* P, the loop's delay path */
	double g, h;		/* loop gain and feed-forward gain */
	int lattice;		/* h = −g, |g| < 1, P' the same node as P */
	int proven;		/* |H| = 1 proven: a lattice whose |P| = 1 */
	int nested;		/* proven, and P holds a proven allpass */
	char reason[256];	/* why not proven, or what was proven */
};

/*
 * Whether n has the Schroeder shape above (1) or not (0); when it has,
 * *a says whether it is proven allpass, and why not.
 */
int adac_allpass_match(const struct adac_node *n, struct adac_allpass *a);

/* Whether n has the Schroeder shape and is proven allpass. */
int adac_allpass_proven(const struct adac_node *n);

/*
 * Whether n has the Schroeder shape in lattice form (h = −g exactly,
 * |g| < 1, P' the same node as P), whatever P is; its path in *path and
 * its g in *g.  adac_allpass_gain() bounds such a section from P's gain.
 */
int adac_allpass_lattice(const struct adac_node *n,
			 const struct adac_node **path, double *g);

/*
 * An upper bound of the l2 gain of a lattice section whose P has gain at
 * most gamma and whose loop gain is g, as the program holds it:
 * (Γ − |g|)/(1 − |g|·Γ) with Γ = max(gamma, 1), INFINITY unless
 * |g|·Γ < 1.  It holds for every P whose (incremental) l2 gain is at most
 * gamma, time-varying or nonlinear included, and frequency by frequency
 * for an LTI P with |P(e^jw)| <= gamma; 1 when Γ = 1.  The derivation is
 * in allpass.c.
 */
double adac_allpass_gain(double g, double gamma);

/*
 * Whether |H(e^jw)| = 1 at every w is proven for n by the rules above
 * (n a whole-sample delay, a gain of ±1, a proven allpass, a series of
 * these), and n is stable.
 */
int adac_allpass_unit(const struct adac_node *n);

/*
 * Every node of the tree under n that has the Schroeder shape, outer
 * before inner, as the certificate's "allpass" array: objects
 * {"pointer", "id" (or null), "form": "schroeder" | "nested",
 *  "delay_samples" (P's whole delay), "g", "proven", "max_dev", "reason"},
 * max_dev being the bound of | |H| - 1 | proven (0) or null.
 * NULL when out of memory.
 */
json_t *adac_allpass_json(const struct adac_node *n);

#endif
