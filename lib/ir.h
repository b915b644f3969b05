/*
 * ir.h - the adac intermediate representation, "adac": "ir/1".
 *
 * adac_ir_parse() validates a JSON document completely (channel counts,
 * delay-free loops, structure claims, finite numbers, sizes, unknown keys)
 * and builds a read-only tree of struct adac_node that every later stage
 * walks.  The tree owns all its memory; adac_ir_free() releases it.  The
 * parsed document keeps a reference to its JSON (adac_ir_json()), so a
 * stage that rewrites the IR (adac-certify appending a certificate) edits
 * that and writes it back canonically.
 *
 * The node structs are public so that the simulator, the certifier, the
 * emitter and the renderers share one walk; treat them as read-only.
 * man/adac-ir.5 is the normative description of the format.
 */
#ifndef ADAC_IR_H
#define ADAC_IR_H

#include <jansson.h>

#include "error.h"
#include "structure.h"
#include "version.h"

/* Limits that keep a hostile document from exhausting memory. */
#define ADAC_MAX_CHANNELS 4096		/* channels on any signal */
#define ADAC_MAX_DELAY_SAMPLES 16777216	/* 2^24: 5.8 min at 48 kHz */
#define ADAC_MAX_SECTIONS 256		/* biquads in one cascade */
#define ADAC_MAX_DEPTH 64		/* nesting of composite nodes */
#define ADAC_MAX_NODES 100000
#define ADAC_MAX_TOTAL_CHANNELS 4194304L	/* Σ inputs + outputs of all nodes */
#define ADAC_MAX_FS_HZ 1536000.0

enum adac_op {
	ADAC_OP_SERIES,
	ADAC_OP_PARALLEL,
	ADAC_OP_FEEDBACK,
	ADAC_OP_DELAY,
	ADAC_OP_GAIN,
	ADAC_OP_MATRIX,
	ADAC_OP_SOS,
	ADAC_OP_NONLINEAR,
	ADAC_OP_MODDELAY,
};

/*
 * How many ops there are: the last one + 1, updated with the enum.  It
 * sizes the tables indexed by op (names, counts), which static
 * assertions hold to it; the switches over ops have no default, so
 * -Wswitch lists every one a new op must handle.
 */
#define ADAC_N_OPS (ADAC_OP_MODDELAY + 1)

/* parallel "in": split feeds every branch the same input; stack concatenates */
enum adac_parallel_in { ADAC_IN_SPLIT, ADAC_IN_STACK };
/* parallel "out": sum adds the branch outputs; stack concatenates */
enum adac_parallel_out { ADAC_OUT_SUM, ADAC_OUT_STACK };

/*
 * Fractional delay interpolation.  NONE requires whole-sample lengths.
 * LINEAR: for d = k + f (k whole, 0 <= f < 1),
 *   y[n] = (1 - f)·x[n - k] + f·x[n - k - 1],
 * evaluated exactly in this form by the simulator and the emitter.
 */
enum adac_interp { ADAC_INTERP_NONE, ADAC_INTERP_LINEAR };

/*
 * The memoryless functions of a nonlinear node (adac-ir(5)), applied to
 * u = in_gain·x; each is odd, has slope 1 at 0 and is Lipschitz with
 * constant 1, so the channel's incremental gain is |in_gain·out_gain|.
 *   TANH:  f(u) = tanh(u)
 *   CLIP:  f(u) = min(1, max(-1, u))
 *   CUBIC: f(u) = v - v·v·v/3 with v = min(1, max(-1, u)), so ±2/3 beyond
 *          |u| = 1; evaluated in exactly this order everywhere.
 */
enum adac_nl { ADAC_NL_TANH, ADAC_NL_CLIP, ADAC_NL_CUBIC };

/*
 * The LFO of a modulated delay (adac-ir(5), "moddelay").  Channel i has
 * base b = samples[i], depth a = depth[i], phase φ = phase[i] (cycles)
 * and a period of P = period[i] whole samples (round(fs/rate_hz), or 1
 * for a rate of 0).  At sample n (from 0):
 *   k = (n + 1) mod P                 (an integer counter)
 *   p = φ + k·inc,  inc = 1.0/P       (inc rounded once, to the
 *   p = p − floor(p)                   program's precision)
 *   m = β + a·sin(ADAC_TWO_PI·p)      β = b − floor(b), exact
 *   q = floor(m),  f = m − q,  j = floor(b) + q   (f, j exact)
 *   y[n] = (1 − f)·x[n − j] + f·x[n − j − 1]
 * each operation rounded once, in this order, in the simulator and in
 * the emitted program alike (adac_moddelay_offset()).  The counter is
 * exact, so the phase never drifts however long the program runs; the
 * whole part of b is kept out of m, so f carries the rounding of a
 * number of the size of the depth, not of the length.  The length read
 * is d = j + f = b + a·sin(2πp) up to those roundings.
 */
enum adac_lfo { ADAC_LFO_SINE };
#define ADAC_TWO_PI 6.283185307179586	/* 2π rounded to double */
#define ADAC_MAX_LFO_PERIOD 16777216L	/* 2^24: k and k·inc exact in float */

/*
 * rt60-controlled decay on a gain node (see adac-ir(5), "controls"): the
 * gain applied to channel i is values[i]·10^(−3·loop_samples[i]/(fs·T60))
 * where T60 is the control's current value.  loop_samples[i] >= 0 is the
 * delay the gain stands for (adac-lower: the delay node it follows), so
 * that a cycle's gains multiply to 10^(−3·L/(fs·T60)) for its length L.
 */
struct adac_decay {
	char *control;		/* name of the control, e.g. "rt60" */
	double *loop_samples;	/* one per channel */
};

struct adac_node {
	enum adac_op op;
	char *id;		/* the node's "id", or NULL */
	char *pointer;		/* JSON pointer of the node in the document */
	int n_in, n_out;	/* channel counts, computed by validation */

	/* series, parallel */
	struct adac_node **of;
	int n_of;
	enum adac_parallel_in in;
	enum adac_parallel_out out;

	/* feedback: y = forward(x + back(y)) */
	struct adac_node *forward, *back;

	/* delay: n_in == n_out channels */
	double *samples;
	enum adac_interp interp;

	/* gain: n_in == n_out channels */
	double *values;
	struct adac_decay *decay;	/* NULL unless rt60-controlled */

	/* matrix: n_out rows × n_in columns, row-major */
	double *data;
	struct adac_structure structure;

	/* sos: n_sections × n_in channels × {b0, b1, b2, a1, a2}, a0 = 1 */
	int n_sections;
	double *sos;	/* sos[(s * n_in + ch) * 5 + k] */

	/* nonlinear: y_i = out_gain[i]·f(in_gain[i]·x_i), n_in == n_out */
	enum adac_nl nl;
	double *in_gain, *out_gain;

	/* moddelay: samples (the base), depth, phase, rate per channel;
	 * period the LFO's in whole samples, 1 for rate 0 */
	double *depth, *phase, *rate_hz;
	long *period;
	enum adac_lfo lfo;
};

/* A macro-control: a slider the emitted program exposes (adac-ir(5)). */
struct adac_control {
	char *name;		/* "rt60", "dry_wet", "pre_delay" */
	char *unit;		/* "s", "", "ms" */
	double min, max, init;
	double step;		/* the slider's step; 0 when not given */
	char *label;		/* the slider's label, or NULL: the name */
	char *pointer;
};

struct adac_ir {
	char *name;
	double fs_hz;
	int inputs, outputs;
	struct adac_node *graph;
	struct adac_control *controls;
	int n_controls;
	int n_nodes;
	json_t *json;		/* the document as read, for rewriting stages */
};

/*
 * Validate root (borrowed) as an ir/1 document and build its tree.
 * Returns ADAC_OK and sets *out (free with adac_ir_free()), or
 * ADAC_E_INPUT with the pointer of the first bad value, or ADAC_E_NOMEM.
 */
int adac_ir_parse(json_t *root, struct adac_ir **out, struct adac_error *err);

/* Parse text: adac_json_load() followed by adac_ir_parse(). */
int adac_ir_parse_text(const char *buf, size_t len, struct adac_ir **out,
		       struct adac_error *err);

void adac_ir_free(struct adac_ir *ir);

/* The control named name, or NULL. */
const struct adac_control *adac_ir_control(const struct adac_ir *ir,
					   const char *name);

/* The control's slider label: its "label", else its name. */
const char *adac_control_label(const struct adac_control *c);

/*
 * The canonical text of the document (adac_json_dumps() of the JSON).
 * with_certificate = 0 leaves the "certificate" member out.  Returns a
 * malloc'd string, or NULL when out of memory.
 */
char *adac_ir_canonical(const struct adac_ir *ir, int with_certificate);

/*
 * SHA-256 of adac_ir_canonical(ir, 0) as 64 lower-case hex digits plus
 * NUL in hex[65].  Returns ADAC_OK or ADAC_E_NOMEM.
 */
int adac_ir_hash(const struct adac_ir *ir, char hex[65],
		 struct adac_error *err);

/* The function's name as written ("tanh", "clip", "cubic"). */
const char *adac_nl_name(enum adac_nl nl);

/*
 * The function nl in double, exactly as adac-ir(5) writes it (the
 * simulator's, and the emitted program's in double).
 */
double adac_nl_eval(enum adac_nl nl, double u);

/* The same in float, as a float program computes it. */
float adac_nl_evalf(enum adac_nl nl, float u);

/*
 * The offset m = β + a·sin(2πp) that the modulated delay n adds to the
 * whole part of its base length on channel ch when its counter is k
 * (0 <= k < period), in double, exactly as the comment of enum adac_lfo
 * writes it: the line reads j = floor(b) + floor(m), f = m − floor(m).
 */
double adac_moddelay_offset(const struct adac_node *n, int ch, long k);

/* The same in float, as a float program computes it. */
float adac_moddelay_offsetf(const struct adac_node *n, int ch, long k);

/*
 * The least j the line on channel ch can read, floor(b) + floor(β − a)
 * with β − a rounded as a double and as a float program rounds it (m is
 * never below that: rounding is monotone and sin >= −1), the smaller
 * of the two.  The line breaks a loop (reads no x[n]) when it is >= 1.
 */
long adac_moddelay_min_whole(const struct adac_node *n, int ch);

/* The op's name as written in the document ("series", "delay", ...). */
const char *adac_op_name(enum adac_op op);

/*
 * The children of n in document order: a series' or a parallel's "of",
 * a feedback's forward then back; a leaf has none.  This is the one
 * place that knows which ops have children: every walk over the tree
 * goes through it or adac_ir_walk(), so an op with children is added
 * here and nowhere else.
 */
int adac_ir_n_children(const struct adac_node *n);
const struct adac_node *adac_ir_child(const struct adac_node *n, int i);

/* A callback of adac_ir_walk(): ADAC_OK to go on, see there. */
typedef int (*adac_ir_visit)(const struct adac_node *n, void *arg);

/* From a pre callback: leave this node's children out, go on after. */
#define ADAC_WALK_SKIP (-1)

/*
 * Visit n and every node under it, depth first, children in the order
 * of adac_ir_child(): pre(node, arg) before the node's children,
 * post(node, arg) after them (either may be NULL).  A callback returns
 * ADAC_OK to go on, ADAC_WALK_SKIP (pre only) to leave the node's
 * children out, or any other value to stop the walk, which then returns
 * that value; ADAC_OK when every node was visited.  The recursion is as
 * deep as the tree, which validation bounds by ADAC_MAX_DEPTH.
 */
int adac_ir_walk(const struct adac_node *n, adac_ir_visit pre,
		 adac_ir_visit post, void *arg);

#endif
