/*
 * netlist.h - an IR tree flattened into a graph of scalar primitives, one
 * per channel: the form the reference simulator evaluates and the form in
 * which delay-free loops are found.
 *
 * The netlist borrows nothing from the IR after adac_netlist_build()
 * returns except the node pointers (JSON pointer strings) it names in
 * errors, so the IR must outlive it.  adac_netlist_build() pairs with
 * adac_netlist_free(); free(NULL) does nothing.
 *
 * Wires carry one double each.  Wires 0 .. inputs-1 are the external
 * inputs; every other wire is driven by exactly one primitive.  Series,
 * parallel split/stack and zero delays are pure wiring and produce no
 * primitive; parallel sums and feedback adders are ADAC_NET_LIN nodes.
 */
#ifndef ADAC_NETLIST_H
#define ADAC_NETLIST_H

#include "error.h"
#include "ir.h"
#include "response.h"

enum adac_net_kind {
	/*
	 * out = Σ coef[j]·wire[j], summed left to right from zero (gain,
	 * matrix row, sum).  Terms whose coefficient is exactly zero are
	 * left out: as in ir.c's delay-free-loop rule, a zero is no
	 * dependence (and no term at all gives 0).
	 */
	ADAC_NET_LIN,
	/*
	 * out[n] = (1 − frac)·in[n − whole] + frac·in[n − whole − 1];
	 * with frac == 0 exactly in[n − whole].  whole >= 1: the output
	 * depends only on past inputs and breaks cycles; whole == 0 (only
	 * with frac > 0) feeds through and is combinational with state.
	 */
	ADAC_NET_DELAY,
	/*
	 * A cascade of biquads, each in direct form I:
	 * y = b0·x + b1·x1 + b2·x2 − a1·y1 − a2·y2, evaluated in that order
	 * (the b0·x term left out when b0 is exactly zero).  When some
	 * section has b0 == 0 the output depends only on past inputs: then
	 * the primitive is not direct and breaks cycles like a delay.
	 */
	ADAC_NET_SOS,
	/*
	 * out = gain_out·f(gain_in·in), f the nonlinear node's function
	 * (adac_nl_eval()), evaluated in that order.  Only built when
	 * both gains are nonzero; otherwise the channel is a LIN with no
	 * term (out = 0, since f(0) = 0), as ir.c's rule has it.
	 */
	ADAC_NET_NL,
	/*
	 * A modulated delay's channel ch of node: at sample n it reads
	 * m = adac_moddelay_offset(node, ch, (n + 1) mod period) and
	 * out[n] = (1 − f)·in[n − j] + f·in[n − j − 1], j = floor(b) +
	 * floor(m), f = m − floor(m).  Direct when j can be 0
	 * (adac_moddelay_min_whole()).
	 */
	ADAC_NET_MODDELAY,
};

struct adac_net_prim {
	enum adac_net_kind kind;
	int out;		/* the wire it drives */
	int in;			/* DELAY, SOS, NL: the wire it reads */
	long first, count;	/* LIN: terms [first, first + count) */
	long whole;		/* DELAY */
	double frac;		/* DELAY */
	int n_sections;		/* SOS */
	const double *sos;	/* SOS: n_sections × {b0, b1, b2, a1, a2} */
	enum adac_nl nl;	/* NL */
	double gain_in, gain_out;	/* NL */
	int ch;			/* MODDELAY: the node's channel */
	/* the output depends on the input at the same sample */
	int direct;
	const struct adac_node *node;	/* the IR node it comes from */
	int is_loop_sum;	/* LIN: the adder of node (a feedback node) */
	/*
	 * LIN rows of a matrix node: row r of it, prims[p - r] is row 0
	 * and the rows are consecutive, with the same input wires; -1 for
	 * every other primitive.
	 */
	int matrix_row;
};

struct adac_netlist {
	int inputs, outputs;
	int n_wires;
	const int *out_wires;		/* outputs entries */
	struct adac_net_prim *prims;
	int n_prims;
	const int *term_wire;		/* LIN terms */
	const double *term_coef;
	long n_terms;
	/*
	 * Evaluation order: prims[order[k]] for k < n_order are the direct
	 * primitives (LIN, SOS without a zero b0, DELAY with whole == 0,
	 * MODDELAY whose length can fall below one sample) in
	 * an order where every wire is driven before it is read, given that
	 * the outputs of the others are produced first.
	 */
	const int *order;
	int n_order;
	double *sos_block;		/* owns what SOS prims point into */
};

/*
 * Control values in effect while building (decay gains, pre_delay,
 * dry_wet).  A gain whose decay names a control not listed here is an
 * ADAC_E_INPUT error, unless ignore_decay is set (structure only, as for
 * loop detection: the gain is then values[i]).
 */
struct adac_netlist_options {
	const struct adac_setting *controls;
	int n_controls;
	double fs_hz;
	int ignore_decay;
	/*
	 * Wrap the graph: the wet path's input is delayed by
	 * pre_delay_samples (0: none); with has_dry_wet, output =
	 * (1 − dry_wet)·input + dry_wet·wet (needs inputs == outputs).
	 */
	long pre_delay_samples;
	int has_dry_wet;
	double dry_wet;
	/*
	 * Biquad cascades as direct form I in LIN and DELAY primitives, no
	 * SOS (lib/fixpoint.c, so that a fixed-point program's every
	 * product and state is a term or a delay line): per section, with
	 * x its input, x1 = x[n − 1], x2 = x1[n − 1], y1 = y[n − 1] and
	 * y2 = y1[n − 1] DELAYs of whole 1 (each only when a term reads
	 * it), and y = b0·x + b1·x1 + b2·x2 + (−a1)·y1 + (−a2)·y2 one LIN,
	 * node the sos node, zero coefficients left out.  A coefficient c
	 * with 1 < |c| < 2 becomes two terms on the same wire, one after the
	 * other: s·x and (c − s)·x, s = ±1 the sign of c (a q1.F word holds
	 * |c| < 1 only; a product by ±1 is none).
	 */
	int sos_df1;
};

/*
 * Flatten graph into *out (free with adac_netlist_free()).  Returns
 * ADAC_OK; ADAC_E_INPUT for a delay-free loop (pointer: the outermost
 * feedback node on the cycle), a decay naming an unknown control, a
 * negative or non-finite delay; ADAC_E_NOMEM.
 */
int adac_netlist_build(const struct adac_node *graph,
		       const struct adac_netlist_options *opt,
		       struct adac_netlist **out, struct adac_error *err);
void adac_netlist_free(struct adac_netlist *net);

/*
 * Find a cycle of the block diagram that holds no delay of at least one
 * sample, by ir.c's rule: a delay >= 1 sample, a zero gain or matrix
 * entry, or a biquad cascade with some b0 == 0 breaks it.  Returns 1
 * and sets *pointer (borrowed from the IR) to the JSON pointer of the
 * outermost feedback node on such a cycle, 0 when every cycle holds a
 * delay, -1 when out of memory.  graph must have n_in/n_out computed.
 */
int adac_netlist_find_delay_free_loop(const struct adac_node *graph,
				      const char **pointer);

#endif
