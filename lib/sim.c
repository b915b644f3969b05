/*
 * sim.c - the reference simulator.
 *
 * The IR is flattened into scalar primitives (netlist.c).  Every sample
 * runs three phases:
 *   1. delays of one sample or more produce their outputs, which depend
 *      only on earlier inputs;
 *   2. the combinational primitives (sums of products, biquad cascades,
 *      sub-sample delays) run in an order where each wire is driven
 *      before it is read;
 *   3. every delay line stores its current input.
 * This is the textbook definition of the difference equations the IR
 * denotes, evaluated in double with each sum taken left to right, so the
 * result does not depend on block size or on how the graph is nested.
 */
#include "sim.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "biquad.h"
#include "json.h"
#include "netlist.h"

enum op_kind { OP_LIN1, OP_LIN2, OP_LIN, OP_MAT, OP_SOS, OP_FDELAY, OP_NL,
	       OP_MDELAY };

/* A delay line: a ring buffer whose length is a power of two. */
struct line {
	int in, out;
	long whole;
	double frac;
	double c0, c1;		/* 1 − frac and frac, the two coefficients */
	size_t base;		/* offset into sim->ring */
	unsigned long mask;	/* ring length − 1 */
};

/*
 * A modulated delay line (ADAC_NET_MODDELAY): a ring like struct line's,
 * long enough for floor(b + a) + 1 samples, read where its LFO says.
 */
struct mline {
	int in, out;
	const struct adac_node *node;
	int ch;
	int direct;		/* may read in[n]: evaluated in order */
	long whole;		/* floor(b) */
	unsigned long period;
	size_t base;
	unsigned long mask;
};

struct op {
	enum op_kind kind;
	int out, in, in2;
	double c, c2;		/* OP_NL: the input and output gains */
	enum adac_nl nl;	/* OP_NL */
	long first, count;	/* OP_LIN terms */
	struct line *line;	/* OP_FDELAY */
	struct mline *ml;	/* OP_MDELAY */
	const struct adac_biquad *bq;	/* OP_SOS: n_sections realisations */
	double *state;		/* OP_SOS: n_sections × 4 (biquad.h) */
	int n_sections;
	/*
	 * OP_SOS that is not direct: split is its first section with
	 * b0 == 0, whose output y_split (kept here) comes from state alone.
	 */
	int split;
	double y_split;
	/*
	 * OP_MAT: all rows of a matrix at once, the data stored column by
	 * column so that the inner loop runs over rows: each row still sums
	 * its products left to right from zero, exactly as OP_LIN does.
	 */
	int rows, cols;
	const int *in_wires;	/* cols */
	int *out_wires;		/* rows; owned */
	double *mat;		/* owned: cols × rows, then x[cols] */
};

struct adac_sim {
	const struct adac_ir *ir;
	struct adac_netlist *net;
	double *w;		/* one value per wire */
	struct line *lines;	/* [0, n_reads): whole >= 1; then whole == 0 */
	int n_lines, n_reads;
	double *ring;
	size_t ring_len;
	struct op *ops;
	int n_ops;
	struct op *late;	/* OP_SOS that are not direct */
	int n_late;
	struct mline *mlines;	/* modulated delays */
	int n_mlines;
	double *sos_state;
	size_t sos_state_len;
	struct adac_biquad *bq;	/* every section's realisation */
	unsigned long t;	/* samples since the last reset */
};

int
adac_sim_resolve(const struct adac_ir *ir, const struct adac_setting *set,
		 int n_set, struct adac_setting *values,
		 struct adac_error *err)
{
	int i, k;

	for (k = 0; k < ir->n_controls; k++) {
		values[k].name = ir->controls[k].name;
		values[k].value = ir->controls[k].init;
	}
	for (i = 0; i < n_set; i++) {
		const struct adac_control *c = NULL;

		/* by name, or by the label the emitted slider carries */
		for (k = 0; k < ir->n_controls; k++)
			if (strcmp(ir->controls[k].name, set[i].name) == 0 ||
			    strcmp(adac_control_label(&ir->controls[k]),
				   set[i].name) == 0) {
				c = &ir->controls[k];
				break;
			}
		if (c == NULL)
			return adac_error_set(err, ADAC_E_INPUT, "",
					      "no control named '%s' in the IR",
					      set[i].name);
		if (!(set[i].value >= c->min && set[i].value <= c->max)) {
			char v[32], lo[32], hi[32];

			return adac_error_set(err, ADAC_E_INPUT, "",
					      "control '%s' = %s is outside "
					      "its range [%s, %s]", set[i].name,
					      adac_fmt_double(v, set[i].value),
					      adac_fmt_double(lo, c->min),
					      adac_fmt_double(hi, c->max));
		}
		values[k].value = set[i].value;
	}
	return ADAC_OK;
}

long
adac_sim_pre_delay_samples(double ms, double fs_hz)
{
	return (long)round(ms * fs_hz / 1000.0);
}

static size_t
ring_size(long whole)
{
	size_t n = 1;

	/* room for in[n − whole − 1], plus one for clarity */
	while (n < (size_t)whole + 2)
		n *= 2;
	return n;
}

/*
 * A matrix whose rows kept every term (no zero entry) reads the same
 * wires in every row: only then can all rows run at once.  With zeros
 * the rows are separate sums, each with only its own dependences.
 */
static int
matrix_is_full(const struct adac_netlist *net, int first)
{
	const struct adac_node *node = net->prims[first].node;
	int r;

	for (r = 0; r < node->n_out; r++)
		if (net->prims[first + r].count != node->n_in)
			return 0;
	return 1;
}

/* One OP_MAT for the matrix whose row 0 is prims[first]. */
static int
compile_matrix(struct adac_sim *s, int first, struct op *o,
	       struct adac_error *err)
{
	const struct adac_netlist *net = s->net;
	const struct adac_net_prim *p0 = &net->prims[first];
	int rows = p0->node->n_out, cols = p0->node->n_in, r, c;

	o->kind = OP_MAT;
	o->rows = rows;
	o->cols = cols;
	o->in_wires = net->term_wire + p0->first;
	o->out_wires = malloc(sizeof *o->out_wires * (size_t)rows);
	o->mat = malloc(sizeof *o->mat * ((size_t)rows * cols + cols));
	if (o->out_wires == NULL || o->mat == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	for (r = 0; r < rows; r++) {
		const struct adac_net_prim *pr = &net->prims[first + r];

		o->out_wires[r] = pr->out;
		for (c = 0; c < cols; c++)
			o->mat[(size_t)c * rows + r] =
				net->term_coef[pr->first + c];
	}
	return ADAC_OK;
}

/*
 * An SOS op's sections as biquad.h realises them, with their state at
 * sos_off (4 doubles a section).
 */
static void
realise(struct adac_sim *s, struct op *o, const struct adac_net_prim *pp,
	size_t sos_off)
{
	struct adac_biquad *bq = s->bq + sos_off / 4;
	int k;

	for (k = 0; k < pp->n_sections; k++)
		adac_biquad_realise(pp->sos + k * 5, &bq[k]);
	o->bq = bq;
	o->n_sections = pp->n_sections;
	o->state = s->sos_state + sos_off;
}

/* Lower the netlist into delay lines and an op list; size the state. */
static int
compile(struct adac_sim *s, struct adac_error *err)
{
	const struct adac_netlist *net = s->net;
	int p, k, nl = 0, nr = 0, nf, nlate = 0, nm = 0;
	size_t off = 0, sos_off = 0;
	struct line **line_of = NULL;
	struct mline **mline_of = NULL;
	unsigned char *done = NULL;
	int rc = ADAC_OK;

	for (p = 0; p < net->n_prims; p++)
		if (net->prims[p].kind == ADAC_NET_DELAY) {
			nl++;
			if (net->prims[p].whole >= 1)
				nr++;
		} else if (net->prims[p].kind == ADAC_NET_SOS) {
			sos_off += (size_t)net->prims[p].n_sections * 4;
			if (!net->prims[p].direct)
				nlate++;
		} else if (net->prims[p].kind == ADAC_NET_MODDELAY) {
			nm++;
		}
	s->lines = calloc((size_t)nl + 1, sizeof *s->lines);
	s->mlines = calloc((size_t)nm + 1, sizeof *s->mlines);
	s->late = calloc((size_t)nlate + 1, sizeof *s->late);
	s->ops = calloc((size_t)net->n_order + 1, sizeof *s->ops);
	s->w = calloc((size_t)net->n_wires + 1, sizeof *s->w);
	s->sos_state = calloc(sos_off + 1, sizeof *s->sos_state);
	s->bq = calloc(sos_off / 4 + 1, sizeof *s->bq);
	line_of = calloc((size_t)net->n_prims + 1, sizeof *line_of);
	mline_of = calloc((size_t)net->n_prims + 1, sizeof *mline_of);
	done = calloc((size_t)net->n_prims + 1, sizeof *done);
	if (s->lines == NULL || s->mlines == NULL || mline_of == NULL || s->ops == NULL || s->w == NULL ||
	    s->sos_state == NULL || line_of == NULL || done == NULL ||
	    s->late == NULL || s->bq == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	s->sos_state_len = sos_off;
	s->n_lines = nl;
	s->n_reads = nr;
	nf = nr;
	nr = 0;
	for (p = 0; p < net->n_prims; p++) {
		const struct adac_net_prim *pp = &net->prims[p];
		struct line *l;
		size_t len;

		if (pp->kind != ADAC_NET_DELAY)
			continue;
		l = pp->whole >= 1 ? &s->lines[nr++] : &s->lines[nf++];
		l->in = pp->in;
		l->out = pp->out;
		l->whole = pp->whole;
		l->frac = pp->frac;
		l->c0 = 1 - pp->frac;
		l->c1 = pp->frac;
		len = ring_size(pp->whole);
		if (off > ADAC_SIM_MAX_STATE_BYTES / sizeof(double) - len) {
			rc = adac_error_set(err, ADAC_E_INPUT, pp->node->pointer,
					    "the delay lines need more than "
					    "%lu MiB of state",
					    (unsigned long)(ADAC_SIM_MAX_STATE_BYTES >> 20));
			goto out;
		}
		l->base = off;
		l->mask = (unsigned long)len - 1;
		off += len;
		line_of[p] = l;
	}
	for (p = 0; p < net->n_prims; p++) {
		const struct adac_net_prim *pp = &net->prims[p];
		const struct adac_node *n = pp->node;
		struct mline *m;
		size_t len;

		if (pp->kind != ADAC_NET_MODDELAY)
			continue;
		m = &s->mlines[s->n_mlines++];
		m->in = pp->in;
		m->out = pp->out;
		m->node = n;
		m->ch = pp->ch;
		m->direct = pp->direct;
		m->period = (unsigned long)n->period[pp->ch];
		m->whole = (long)floor(n->samples[pp->ch]);
		/* j + 1 <= floor(b + a) + 1: sin never leaves [-1, 1] */
		len = ring_size((long)floor(n->samples[pp->ch] +
					    n->depth[pp->ch]) + 1);
		if (off > ADAC_SIM_MAX_STATE_BYTES / sizeof(double) - len) {
			rc = adac_error_set(err, ADAC_E_INPUT, n->pointer,
					    "the delay lines need more than "
					    "%lu MiB of state",
					    (unsigned long)(ADAC_SIM_MAX_STATE_BYTES >> 20));
			goto out;
		}
		m->base = off;
		m->mask = (unsigned long)len - 1;
		off += len;
		mline_of[p] = m;
	}
	/* calloc maps untouched pages lazily: memory follows what is used */
	s->ring = calloc(off + 1, sizeof *s->ring);
	if (s->ring == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	s->ring_len = off;
	sos_off = 0;
	for (p = 0; p < net->n_prims; p++) {
		const struct adac_net_prim *pp = &net->prims[p];
		struct op *o;

		if (pp->kind != ADAC_NET_SOS || pp->direct)
			continue;
		o = &s->late[s->n_late++];
		o->kind = OP_SOS;
		o->in = pp->in;
		o->out = pp->out;
		realise(s, o, pp, sos_off);
		sos_off += (size_t)pp->n_sections * 4;
		/* a section with b0 == 0 stays in direct form I */
		for (o->split = 0; pp->sos[o->split * 5] != 0; o->split++)
			;
	}
	nf = 0;	/* ops emitted */
	for (k = 0; k < net->n_order; k++) {
		const struct adac_net_prim *pp = &net->prims[net->order[k]];
		struct op *o = &s->ops[nf];

		if (pp->matrix_row >= 0 &&
		    matrix_is_full(net, net->order[k] - pp->matrix_row)) {
			/*
			 * Every row reads the same wires, so all are ready
			 * where the first of them comes in the order.
			 */
			int first = net->order[k] - pp->matrix_row;

			if (done[first])
				continue;
			done[first] = 1;
			if ((rc = compile_matrix(s, first, o, err)) != ADAC_OK)
				goto out;
			nf++;
			continue;
		}
		nf++;

		o->out = pp->out;
		o->in = pp->in;
		switch (pp->kind) {
		case ADAC_NET_LIN:
			o->kind = pp->count == 1 ? OP_LIN1 :
				  pp->count == 2 ? OP_LIN2 : OP_LIN;
			o->first = pp->first;
			o->count = pp->count;
			if (pp->count >= 1) {
				o->in = net->term_wire[pp->first];
				o->c = net->term_coef[pp->first];
			}
			if (pp->count >= 2) {
				o->in2 = net->term_wire[pp->first + 1];
				o->c2 = net->term_coef[pp->first + 1];
			}
			break;
		case ADAC_NET_SOS:
			o->kind = OP_SOS;
			realise(s, o, pp, sos_off);
			sos_off += (size_t)pp->n_sections * 4;
			break;
		case ADAC_NET_DELAY:
			o->kind = OP_FDELAY;
			o->line = line_of[net->order[k]];
			break;
		case ADAC_NET_NL:
			o->kind = OP_NL;
			o->nl = pp->nl;
			o->c = pp->gain_in;
			o->c2 = pp->gain_out;
			break;
		case ADAC_NET_MODDELAY:
			o->kind = OP_MDELAY;
			o->ml = mline_of[net->order[k]];
			break;
		}
	}
	s->n_ops = nf;
out:
	free(mline_of);
	free(line_of);
	free(done);
	return rc;
}

int
adac_sim_new(const struct adac_ir *ir, const struct adac_setting *set,
	     int n_set, struct adac_sim **out, struct adac_error *err)
{
	struct adac_setting *values = NULL;
	struct adac_netlist_options opt;
	struct adac_sim *s = NULL;
	int k, rc;

	values = calloc((size_t)ir->n_controls + 1, sizeof *values);
	s = calloc(1, sizeof *s);
	if (values == NULL || s == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	if ((rc = adac_sim_resolve(ir, set, n_set, values, err)) != ADAC_OK)
		goto out;
	memset(&opt, 0, sizeof opt);
	opt.controls = values;
	opt.n_controls = ir->n_controls;
	opt.fs_hz = ir->fs_hz;
	for (k = 0; k < ir->n_controls; k++) {
		if (strcmp(values[k].name, "pre_delay") == 0)
			opt.pre_delay_samples =
				adac_sim_pre_delay_samples(values[k].value,
							   ir->fs_hz);
		if (strcmp(values[k].name, "dry_wet") == 0) {
			opt.has_dry_wet = 1;
			opt.dry_wet = values[k].value;
		}
	}
	if (opt.pre_delay_samples < 0 ||
	    opt.pre_delay_samples > ADAC_MAX_DELAY_SAMPLES) {
		rc = adac_error_set(err, ADAC_E_INPUT, "",
				    "pre-delay of %ld samples is out of range",
				    opt.pre_delay_samples);
		goto out;
	}
	s->ir = ir;
	if ((rc = adac_netlist_build(ir->graph, &opt, &s->net, err)) != ADAC_OK)
		goto out;
	if ((rc = compile(s, err)) != ADAC_OK)
		goto out;
	*out = s;
	s = NULL;
out:
	adac_sim_free(s);
	free(values);
	return rc;
}

void
adac_sim_free(struct adac_sim *sim)
{
	int k;

	if (sim == NULL)
		return;
	/* every allocated op, in case compile() stopped half-way */
	for (k = 0; sim->ops != NULL && k < sim->net->n_order; k++)
		if (sim->ops[k].kind == OP_MAT) {
			free(sim->ops[k].out_wires);
			free(sim->ops[k].mat);
		}
	adac_netlist_free(sim->net);
	free(sim->w);
	free(sim->lines);
	free(sim->mlines);
	free(sim->ring);
	free(sim->ops);
	free(sim->bq);
	free(sim->late);
	free(sim->sos_state);
	free(sim);
}

void
adac_sim_reset(struct adac_sim *sim)
{
	int k;

	/* only the first t slots of a ring were ever written since reset */
	for (k = 0; k < sim->n_lines; k++) {
		const struct line *l = &sim->lines[k];
		unsigned long n = sim->t < l->mask + 1 ? sim->t : l->mask + 1;

		memset(sim->ring + l->base, 0, n * sizeof *sim->ring);
	}
	for (k = 0; k < sim->n_mlines; k++) {
		const struct mline *m = &sim->mlines[k];
		unsigned long n = sim->t < m->mask + 1 ? sim->t : m->mask + 1;

		memset(sim->ring + m->base, 0, n * sizeof *sim->ring);
	}
	memset(sim->sos_state, 0, sim->sos_state_len * sizeof *sim->sos_state);
	memset(sim->w, 0, (size_t)sim->net->n_wires * sizeof *sim->w);
	sim->t = 0;
}

/* Sections [from, to) of a cascade on input x, each as biquad.h says. */
static inline double
sos_run(const struct op *o, int from, int to, double x)
{
	int sec;

	for (sec = from; sec < to; sec++)
		x = adac_biquad_step(&o->bq[sec], o->state + sec * 4, x);
	return x;
}

/*
 * A cascade whose section `split` has b0 == 0, in two halves: its output
 * from y_split (state only) through the sections after it, at the start
 * of the sample; the sections before it, which only feed the split
 * section's state, once the input is known at the end.
 */
static inline void
sos_early(struct op *o, double *w)
{
	const double *c = o->bq[o->split].c;	/* direct form I: b0 == 0 */
	const double *st = o->state + o->split * 4;

	o->y_split = c[1] * st[0] + c[2] * st[1] - c[3] * st[2] - c[4] * st[3];
	w[o->out] = sos_run(o, o->split + 1, o->n_sections, o->y_split);
}

static inline void
sos_late(struct op *o, const double *w)
{
	double x = sos_run(o, 0, o->split, w[o->in]);
	double *st = o->state + o->split * 4;

	st[1] = st[0];
	st[0] = x;
	st[3] = st[2];
	st[2] = o->y_split;
}

/*
 * A modulated delay's output at sample t: the length from the counter
 * (t + 1) mod P, then y = (1 − f)·x[t − j] + f·x[t − j − 1], x[t] being
 * the input wire (j = 0 only on a direct line, evaluated in order).
 */
static inline double
mline_read(const struct mline *m, const double *ring, const double *w,
	   unsigned long t)
{
	double o = adac_moddelay_offset(m->node, m->ch,
					(long)((t + 1) % m->period));
	double q = floor(o), f = o - q;
	unsigned long j = (unsigned long)(m->whole + (long)q);
	double a = j == 0 ? w[m->in] : ring[m->base + ((t - j) & m->mask)];
	double b = ring[m->base + ((t - j - 1) & m->mask)];

	return (1.0 - f) * a + f * b;
}

/* One sample: the input wires are set, the output wires are read after. */
static inline void
step(struct adac_sim *s)
{
	double *w = s->w, *ring = s->ring;
	const int *tw = s->net->term_wire;
	const double *tc = s->net->term_coef;
	unsigned long t = s->t;
	int k;

	for (k = 0; k < s->n_reads; k++) {
		const struct line *l = &s->lines[k];
		double a = ring[l->base + ((t - (unsigned long)l->whole) & l->mask)];

		if (l->frac == 0) {
			w[l->out] = a;
		} else {
			double b = ring[l->base +
					((t - (unsigned long)l->whole - 1) &
					 l->mask)];

			w[l->out] = l->c0 * a + l->c1 * b;
		}
	}
	for (k = 0; k < s->n_mlines; k++)
		if (!s->mlines[k].direct)
			w[s->mlines[k].out] = mline_read(&s->mlines[k], ring,
							 w, t);
	for (k = 0; k < s->n_late; k++)
		sos_early(&s->late[k], w);
	for (k = 0; k < s->n_ops; k++) {
		const struct op *o = &s->ops[k];

		switch (o->kind) {
		case OP_LIN1:
			w[o->out] = o->c * w[o->in];
			break;
		case OP_LIN2:
			w[o->out] = o->c * w[o->in] + o->c2 * w[o->in2];
			break;
		case OP_LIN: {
			double acc = 0;
			long j, e = o->first + o->count;

			for (j = o->first; j < e; j++)
				acc += tc[j] * w[tw[j]];
			w[o->out] = acc;
			break;
		}
		case OP_MAT: {
			const double *a = o->mat;
			double *x = o->mat + (size_t)o->rows * o->cols;
			int r = 0, c, rows = o->rows, cols = o->cols;

			for (c = 0; c < cols; c++)
				x[c] = w[o->in_wires[c]];
			/* four rows at a time, their sums kept in registers */
			for (; r + 4 <= rows; r += 4) {
				double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
				const double *col = a + r;

				for (c = 0; c < cols; c++, col += rows) {
					a0 += col[0] * x[c];
					a1 += col[1] * x[c];
					a2 += col[2] * x[c];
					a3 += col[3] * x[c];
				}
				w[o->out_wires[r]] = a0;
				w[o->out_wires[r + 1]] = a1;
				w[o->out_wires[r + 2]] = a2;
				w[o->out_wires[r + 3]] = a3;
			}
			for (; r < rows; r++) {
				double acc = 0;
				const double *col = a + r;

				for (c = 0; c < cols; c++, col += rows)
					acc += col[0] * x[c];
				w[o->out_wires[r]] = acc;
			}
			break;
		}
		case OP_SOS:
			w[o->out] = sos_run(o, 0, o->n_sections, w[o->in]);
			break;
		case OP_FDELAY: {
			const struct line *l = o->line;
			double b = ring[l->base + ((t - 1) & l->mask)];

			w[o->out] = l->c0 * w[l->in] + l->c1 * b;
			break;
		}
		case OP_NL:
			w[o->out] = o->c2 * adac_nl_eval(o->nl, o->c * w[o->in]);
			break;
		case OP_MDELAY:
			w[o->out] = mline_read(o->ml, ring, w, t);
			break;
		}
	}
	for (k = 0; k < s->n_late; k++)
		sos_late(&s->late[k], w);
	for (k = 0; k < s->n_lines; k++) {
		const struct line *l = &s->lines[k];

		ring[l->base + (t & l->mask)] = w[l->in];
	}
	for (k = 0; k < s->n_mlines; k++) {
		const struct mline *m = &s->mlines[k];

		ring[m->base + (t & m->mask)] = w[m->in];
	}
	s->t = t + 1;
}

/* --- the float noise model (adac_sim_impulse_noisy) ----------------------- */

struct noise {
	uint64_t rng;
	double u;		/* relative size of each error */
	double *tc;		/* the term coefficients, rounded */
};

/* x with an error drawn uniformly from ±u·|x| (xorshift64*) */
static inline double
perturb(struct noise *z, double x)
{
	uint64_t r;

	z->rng ^= z->rng >> 12;
	z->rng ^= z->rng << 25;
	z->rng ^= z->rng >> 27;
	r = z->rng * 2685821657736338717ULL;
	return x + x * z->u * ((double)(r >> 11) * 0x1p-52 - 1.0);
}

/* c·x, perturbed unless the product is exact in any precision */
static inline double
product(struct noise *z, double c, double x)
{
	return c == 1.0 || c == -1.0 || c == 0.0 ? c * x :
	       perturb(z, c * x);
}

static inline double
biquad_noisy(struct noise *z, const struct adac_biquad *bq, double *st,
	     double x)
{
	const double *c = bq->c;
	double y, v1, v2, v3;

	if (bq->form == ADAC_BIQUAD_DF1) {
		y = perturb(z, product(z, c[0], x) + product(z, c[1], st[0]));
		y = perturb(z, y + product(z, c[2], st[1]));
		y = perturb(z, y - product(z, c[3], st[2]));
		y = perturb(z, y - product(z, c[4], st[3]));
		st[1] = st[0];
		st[0] = x;
		st[3] = st[2];
		st[2] = y;
		return y;
	}
	v3 = perturb(z, x - st[1]);
	v1 = perturb(z, product(z, c[0], st[0]) + product(z, c[1], v3));
	v2 = perturb(z, st[1] + product(z, c[1], st[0]));
	v2 = perturb(z, v2 + product(z, c[2], v3));
	st[0] = perturb(z, 2.0 * v1 - st[0]);
	st[1] = perturb(z, 2.0 * v2 - st[1]);
	y = perturb(z, product(z, c[3], x) + product(z, c[4], v1));
	return perturb(z, y + product(z, c[5], v2));
}

static inline double
sos_run_noisy(struct noise *z, const struct op *o, int from, int to,
	      double x)
{
	int sec;

	for (sec = from; sec < to; sec++)
		x = biquad_noisy(z, &o->bq[sec], o->state + sec * 4, x);
	return x;
}

/*
 * f(u) as float computes it: tanhf within a few units of the last place
 * (glibc's documented bound is 2 ulp: two draws), min and max exact, the
 * cubic's three operations each rounded.
 */
static inline double
nl_noisy(struct noise *z, enum adac_nl nl, double u)
{
	double v;

	switch (nl) {
	case ADAC_NL_TANH:
		return perturb(z, perturb(z, tanh(u)));
	case ADAC_NL_CLIP:
		return fmin(1.0, fmax(-1.0, u));
	case ADAC_NL_CUBIC:
		v = fmin(1.0, fmax(-1.0, u));
		return perturb(z, v - perturb(z, perturb(z, perturb(z, v * v) * v) / 3.0));
	}
	return u;
}

/*
 * mline_read() as a float program computes it: every operation of the
 * LFO rounded (the increment 1/P and 2π as float literals, the
 * phase sum, the product, sinf within an ulp, depth·s, β + depth·s;
 * the counter is exact), floor and f = m − q exact, 1 − f, both
 * products and their sum rounded.
 */
static inline double
mline_noisy(struct noise *z, const struct mline *m, const double *ring,
	    const double *w, unsigned long t)
{
	const struct adac_node *n = m->node;
	double k = (double)((t + 1) % m->period), p, o, q, f, a, b;
	double beta = n->samples[m->ch] - floor(n->samples[m->ch]);
	long j;

	p = product(z, perturb(z, 1.0 / (double)m->period), k);
	p = perturb(z, perturb(z, n->phase[m->ch]) + p);
	p = p - floor(p);
	p = perturb(z, sin(perturb(z, perturb(z, ADAC_TWO_PI) * p)));
	o = perturb(z, perturb(z, beta) +
		       product(z, perturb(z, n->depth[m->ch]), p));
	q = floor(o);
	f = o - q;
	j = m->whole + (long)q;
	/* rounding keeps the program's j within what it can read */
	if (j < (m->direct ? 0 : 1))
		j = m->direct ? 0 : 1, f = 0;
	if ((unsigned long)j > m->mask - 1)
		j = (long)m->mask - 1;
	a = j == 0 ? w[m->in] : ring[m->base + ((t - (unsigned long)j) & m->mask)];
	b = ring[m->base + ((t - (unsigned long)j - 1) & m->mask)];
	return perturb(z, product(z, perturb(z, 1.0 - f), a) +
			  product(z, f, b));
}

/* a sum of terms from zero, each product and partial sum perturbed */
static inline double
sum_noisy(struct noise *z, const double *c, const int *wire, long n,
	  const double *w, long stride)
{
	double acc;
	long j;

	if (n == 0)
		return 0.0;
	acc = product(z, c[0], w[wire[0]]);
	for (j = 1; j < n; j++)
		acc = perturb(z, acc + product(z, c[j * stride], w[wire[j]]));
	return acc;
}

/* step() with every rounding of a float program drawn at random */
static void
step_noisy(struct adac_sim *s, struct noise *z)
{
	double *w = s->w, *ring = s->ring, a, b;
	const int *tw = s->net->term_wire;
	unsigned long t = s->t;
	int k, r;

	for (k = 0; k < s->n_reads; k++) {
		const struct line *l = &s->lines[k];

		a = ring[l->base + ((t - (unsigned long)l->whole) & l->mask)];
		if (l->frac == 0) {
			w[l->out] = a;
			continue;
		}
		b = ring[l->base + ((t - (unsigned long)l->whole - 1) & l->mask)];
		w[l->out] = perturb(z, product(z, l->c0, a) +
				       product(z, l->c1, b));
	}
	for (k = 0; k < s->n_mlines; k++)
		if (!s->mlines[k].direct)
			w[s->mlines[k].out] = mline_noisy(z, &s->mlines[k],
							  ring, w, t);
	for (k = 0; k < s->n_late; k++) {
		struct op *o = &s->late[k];
		const double *c = o->bq[o->split].c;
		const double *st = o->state + o->split * 4;

		a = perturb(z, product(z, c[1], st[0]) + product(z, c[2], st[1]));
		a = perturb(z, a - product(z, c[3], st[2]));
		o->y_split = perturb(z, a - product(z, c[4], st[3]));
		w[o->out] = sos_run_noisy(z, o, o->split + 1, o->n_sections,
					  o->y_split);
	}
	for (k = 0; k < s->n_ops; k++) {
		const struct op *o = &s->ops[k];

		switch (o->kind) {
		case OP_LIN1:
			w[o->out] = product(z, o->c, w[o->in]);
			break;
		case OP_LIN2:
			w[o->out] = perturb(z, product(z, o->c, w[o->in]) +
					       product(z, o->c2, w[o->in2]));
			break;
		case OP_LIN:
			w[o->out] = sum_noisy(z, z->tc + o->first, tw + o->first,
					      o->count, w, 1);
			break;
		case OP_MAT:
			for (r = 0; r < o->rows; r++)
				w[o->out_wires[r]] = sum_noisy(z, o->mat + r,
				    o->in_wires, o->cols, w, o->rows);
			break;
		case OP_SOS:
			w[o->out] = sos_run_noisy(z, o, 0, o->n_sections,
						  w[o->in]);
			break;
		case OP_FDELAY: {
			const struct line *l = o->line;

			b = ring[l->base + ((t - 1) & l->mask)];
			w[o->out] = perturb(z, product(z, l->c0, w[l->in]) +
					       product(z, l->c1, b));
			break;
		}
		case OP_NL:
			w[o->out] = product(z, o->c2,
					    nl_noisy(z, o->nl,
						     product(z, o->c, w[o->in])));
			break;
		case OP_MDELAY:
			w[o->out] = mline_noisy(z, o->ml, ring, w, t);
			break;
		}
	}
	for (k = 0; k < s->n_late; k++) {
		struct op *o = &s->late[k];
		double *st = o->state + o->split * 4;

		a = sos_run_noisy(z, o, 0, o->split, w[o->in]);
		st[1] = st[0];
		st[0] = a;
		st[3] = st[2];
		st[2] = o->y_split;
	}
	for (k = 0; k < s->n_lines; k++) {
		const struct line *l = &s->lines[k];

		ring[l->base + (t & l->mask)] = w[l->in];
	}
	for (k = 0; k < s->n_mlines; k++) {
		const struct mline *m = &s->mlines[k];

		ring[m->base + (t & m->mask)] = w[m->in];
	}
	s->t = t + 1;
}

/*
 * A coefficient as a float program may hold it: off by the most one
 * rounding can make it, u of its value, with a random sign.  Rounding
 * the literal itself would be one draw, which may be lucky (a gain that
 * happens to be nearly exact in float) where the program computes it
 * (rt60's pow in float) or arranges it (a structured matrix) otherwise,
 * and in a slowly decaying loop the coefficients' errors add up
 * coherently, pass after pass.
 */
static double
coefficient(struct noise *z, double c)
{
	uint64_t r;

	if (c == 0.0 || c == 1.0 || c == -1.0)
		return c;
	z->rng ^= z->rng >> 12;
	z->rng ^= z->rng << 25;
	z->rng ^= z->rng >> 27;
	r = z->rng * 2685821657736338717ULL;
	return c + c * ((r >> 63) ? z->u : -z->u);
}

/* Every coefficient of s as coefficient() has it; z->tc the terms'. */
static int
round_coefficients(struct adac_sim *s, struct noise *z)
{
	long j, n = s->net->n_terms;
	int k, i;
	size_t b;

	z->tc = malloc(sizeof *z->tc * (size_t)(n > 0 ? n : 1));
	if (z->tc == NULL)
		return -1;
	for (j = 0; j < n; j++)
		z->tc[j] = coefficient(z, s->net->term_coef[j]);
	for (k = 0; k < s->n_ops; k++) {
		struct op *o = &s->ops[k];

		o->c = coefficient(z, o->c);
		o->c2 = coefficient(z, o->c2);
		if (o->kind == OP_MAT)
			for (i = 0; i < o->rows * o->cols; i++)
				o->mat[i] = coefficient(z, o->mat[i]);
	}
	for (b = 0; b < s->sos_state_len / 4; b++)
		for (i = 0; i < 6; i++)
			s->bq[b].c[i] = coefficient(z, s->bq[b].c[i]);
	for (k = 0; k < s->n_lines; k++) {
		s->lines[k].c0 = coefficient(z, s->lines[k].c0);
		s->lines[k].c1 = coefficient(z, s->lines[k].c1);
	}
	return 0;
}

void
adac_sim_process(struct adac_sim *sim, const double *in, double *out,
		 long frames)
{
	int ni = sim->net->inputs, no = sim->net->outputs, i, o;
	const int *ow = sim->net->out_wires;
	long n;

	for (n = 0; n < frames; n++) {
		for (i = 0; i < ni; i++)
			sim->w[i] = in[n * ni + i];
		step(sim);
		for (o = 0; o < no; o++)
			out[n * no + o] = sim->w[ow[o]];
	}
}

/*
 * The responses to x (a unit impulse when NULL) on each input alone,
 * exact, or in the noise model when z is given.
 */
static int
impulse(const struct adac_ir *ir, long length, const double *x,
	const struct adac_setting *set,
	int n_set, struct noise *z, void (*progress)(void *arg, double done),
	void *arg, struct adac_response **out, struct adac_error *err)
{
	struct adac_sim *sim = NULL;
	struct adac_response *r = NULL;
	double **path = NULL;
	int i, o, rc, no;
	long n;

	if (length < 0)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "impulse length %ld is negative", length);
	if ((rc = adac_sim_new(ir, set, n_set, &sim, err)) != ADAC_OK)
		return rc;
	if (z != NULL && round_coefficients(sim, z) != 0) {
		adac_sim_free(sim);
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	}
	no = ir->graph->n_out;
	r = adac_response_new(ir->graph->n_in, no, length, ir->fs_hz);
	path = calloc((size_t)no, sizeof *path);
	if (r == NULL || path == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "",
				    "out of memory for a response of %d × %d "
				    "paths of %ld samples", ir->graph->n_in, no,
				    length);
		goto out;
	}
	for (i = 0; i < r->inputs; i++) {
		const int *ow = sim->net->out_wires;

		adac_sim_reset(sim);
		for (o = 0; o < no; o++)
			path[o] = adac_response_path(r, i, o);
		for (n = 0; n < length; n++) {
			/* the input wires hold zero after reset */
			sim->w[i] = x != NULL ? x[n] : n == 0 ? 1.0 : 0.0;
			if (z == NULL) {
				step(sim);
				for (o = 0; o < no; o++)
					path[o][n] = sim->w[ow[o]];
				continue;
			}
			step_noisy(sim, z);
			/* and the output written as a float sample */
			for (o = 0; o < no; o++)
				path[o][n] = perturb(z, sim->w[ow[o]]);
			if (progress != NULL && (n & 65535) == 65535)
				progress(arg, ((double)i * length + n + 1) /
					      ((double)r->inputs * length));
		}
	}
	if (progress != NULL)
		progress(arg, 1.0);
	*out = r;
	r = NULL;
out:
	free(path);
	adac_response_free(r);
	adac_sim_free(sim);
	return rc;
}

int
adac_sim_impulse_progress(const struct adac_ir *ir, long length,
			  const struct adac_setting *set, int n_set,
			  void (*progress)(void *arg, double done),
			  void *arg, struct adac_response **out,
			  struct adac_error *err)
{
	return impulse(ir, length, NULL, set, n_set, NULL, progress, arg, out,
		       err);
}

int
adac_sim_drive(const struct adac_ir *ir, long length, const double *x,
	       const struct adac_setting *set, int n_set,
	       void (*progress)(void *arg, double done), void *arg,
	       struct adac_response **out, struct adac_error *err)
{
	return impulse(ir, length, x, set, n_set, NULL, progress, arg, out,
		       err);
}

int
adac_sim_drive_noisy(const struct adac_ir *ir, long length, const double *x,
		     const struct adac_setting *set, int n_set,
		     struct adac_response **out, struct adac_error *err)
{
	struct noise z;
	int rc;

	memset(&z, 0, sizeof z);
	z.rng = ADAC_SIM_NOISE_SEED;
	z.u = ADAC_SIM_FLOAT_U;
	rc = impulse(ir, length, x, set, n_set, &z, NULL, NULL, out, err);
	free(z.tc);
	return rc;
}

int
adac_sim_impulse_noisy(const struct adac_ir *ir, long length,
		       const struct adac_setting *set, int n_set,
		       struct adac_response **out, struct adac_error *err)
{
	return adac_sim_drive_noisy(ir, length, NULL, set, n_set, out, err);
}

int
adac_sim_impulse(const struct adac_ir *ir, long length,
		 const struct adac_setting *set, int n_set,
		 struct adac_response **out, struct adac_error *err)
{
	return adac_sim_impulse_progress(ir, length, set, n_set, NULL, NULL,
					 out, err);
}

int
adac_setting_parse(char *arg, struct adac_setting *out,
		   struct adac_error *err)
{
	char *eq = strchr(arg, '='), *end;
	double v;

	if (eq == NULL || eq == arg)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "'%s' is not NAME=VALUE", arg);
	v = strtod(eq + 1, &end);
	if (eq[1] == '\0' || *end != '\0' || !isfinite(v))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "'%s' is not NAME=VALUE with a finite "
				      "number", arg);
	*eq = '\0';
	out->name = arg;
	out->value = v;
	return ADAC_OK;
}
