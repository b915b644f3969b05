/*
 * netlist.c - flattening the IR tree into scalar primitives.
 *
 * Composition (series, parallel split/stack, zero delays) becomes wiring:
 * a node is built from the wires of its inputs and returns the wires of
 * its outputs, so no copies remain at run time.  Each feedback node adds
 * one adder per channel, u = x + back(y), whose second operand is patched
 * in once back() has been built: that patch is the only way a cycle can
 * appear, which is why every cycle passes through a feedback adder.
 */
#include "netlist.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct builder {
	struct adac_net_prim *prims;
	int n_prims, cap_prims;
	int *tw;
	double *tc;
	long n_terms, cap_terms;
	double *sos;
	long n_sos, cap_sos;
	int n_wires;
	const struct adac_netlist_options *opt;
	struct adac_error *err;
};

static int
nomem(struct builder *b)
{
	return adac_error_set(b->err, ADAC_E_NOMEM, "", "out of memory");
}

static int
grow(void **p, long *cap, long need, size_t size)
{
	long c = *cap ? *cap : 64;
	void *t;

	if (need <= *cap)
		return 0;
	while (c < need) {
		if (c > LONG_MAX / 2)
			return -1;
		c *= 2;
	}
	if ((size_t)c > SIZE_MAX / size)
		return -1;
	t = realloc(*p, (size_t)c * size);
	if (t == NULL)
		return -1;
	*p = t;
	*cap = c;
	return 0;
}

static int
new_wire(struct builder *b, int *w)
{
	if (b->n_wires == INT_MAX)
		return nomem(b);
	*w = b->n_wires++;
	return ADAC_OK;
}

/* A new primitive driving a new wire; its index in *idx. */
static int
new_prim(struct builder *b, enum adac_net_kind kind,
	 const struct adac_node *node, int *idx)
{
	long cap = b->cap_prims;
	struct adac_net_prim *p;
	int rc;

	if (b->n_prims == INT_MAX ||
	    grow((void **)&b->prims, &cap, (long)b->n_prims + 1,
		 sizeof *b->prims) != 0)
		return nomem(b);
	b->cap_prims = (int)(cap > INT_MAX ? INT_MAX : cap);
	p = &b->prims[b->n_prims];
	memset(p, 0, sizeof *p);
	p->kind = kind;
	p->node = node;
	p->in = -1;
	p->matrix_row = -1;
	p->direct = 1;
	if ((rc = new_wire(b, &p->out)) != ADAC_OK)
		return rc;
	*idx = b->n_prims++;
	return ADAC_OK;
}

/* A LIN primitive with n terms (filled by the caller). */
static int
new_lin(struct builder *b, const struct adac_node *node, long n, int *idx)
{
	long cap = b->cap_terms;
	int rc;

	if ((rc = new_prim(b, ADAC_NET_LIN, node, idx)) != ADAC_OK)
		return rc;
	if (b->n_terms > LONG_MAX - n)
		return nomem(b);
	if (b->n_terms + n > b->cap_terms) {
		/* wires and coefficients grow in step */
		if (grow((void **)&b->tw, &cap, b->n_terms + n,
			 sizeof *b->tw) != 0)
			return nomem(b);
		if (grow((void **)&b->tc, &b->cap_terms, cap,
			 sizeof *b->tc) != 0)
			return nomem(b);
	}
	b->prims[*idx].first = b->n_terms;
	b->prims[*idx].count = n;
	b->n_terms += n;
	return ADAC_OK;
}

static void
set_term(struct builder *b, int idx, long j, int wire, double coef)
{
	long t = b->prims[idx].first + j;

	b->tw[t] = wire;
	b->tc[t] = coef;
}

static int
control_value(struct builder *b, const char *name, double *v)
{
	int i;

	for (i = 0; i < b->opt->n_controls; i++)
		if (strcmp(b->opt->controls[i].name, name) == 0) {
			*v = b->opt->controls[i].value;
			return 1;
		}
	return 0;
}

static int build(struct builder *b, const struct adac_node *node,
		 const int *in, int *out);

static int
build_series(struct builder *b, const struct adac_node *node, const int *in,
	     int *out)
{
	int *cur = NULL, *next = NULL;
	int k, rc = ADAC_OK;

	cur = malloc(sizeof *cur * (size_t)(node->n_in > 0 ? node->n_in : 1));
	if (cur == NULL)
		return nomem(b);
	memcpy(cur, in, sizeof *cur * (size_t)node->n_in);
	for (k = 0; k < node->n_of; k++) {
		const struct adac_node *c = node->of[k];

		next = malloc(sizeof *next * (size_t)(c->n_out > 0 ? c->n_out : 1));
		if (next == NULL) {
			rc = nomem(b);
			goto out;
		}
		if ((rc = build(b, c, cur, next)) != ADAC_OK)
			goto out;
		free(cur);
		cur = next;
		next = NULL;
	}
	memcpy(out, cur, sizeof *out * (size_t)node->n_out);
out:
	free(cur);
	free(next);
	return rc;
}

static int
build_parallel(struct builder *b, const struct adac_node *node,
	       const int *in, int *out)
{
	int *outs = NULL;
	long total = 0, off;
	int k, ch, rc = ADAC_OK, in_off = 0, idx;

	for (k = 0; k < node->n_of; k++)
		total += node->of[k]->n_out;
	outs = malloc(sizeof *outs * (size_t)(total > 0 ? total : 1));
	if (outs == NULL)
		return nomem(b);
	off = 0;
	for (k = 0; k < node->n_of; k++) {
		const struct adac_node *c = node->of[k];
		const int *cin = node->in == ADAC_IN_SPLIT ? in : in + in_off;

		if ((rc = build(b, c, cin, outs + off)) != ADAC_OK)
			goto out;
		in_off += c->n_in;
		off += c->n_out;
	}
	if (node->out == ADAC_OUT_STACK) {
		memcpy(out, outs, sizeof *out * (size_t)total);
		goto out;
	}
	/* sum: all branches have node->n_out outputs; add them in order */
	for (ch = 0; ch < node->n_out; ch++) {
		if ((rc = new_lin(b, node, node->n_of, &idx)) != ADAC_OK)
			goto out;
		for (k = 0; k < node->n_of; k++)
			set_term(b, idx, k, outs[(long)k * node->n_out + ch], 1.0);
		out[ch] = b->prims[idx].out;
	}
out:
	free(outs);
	return rc;
}

static int
build_feedback(struct builder *b, const struct adac_node *node,
	       const int *in, int *out)
{
	int n = node->n_in, i, rc = ADAC_OK;
	int *sum = NULL, *u = NULL, *back = NULL;

	sum = malloc(sizeof *sum * (size_t)(n > 0 ? n : 1));
	u = malloc(sizeof *u * (size_t)(n > 0 ? n : 1));
	back = malloc(sizeof *back * (size_t)(n > 0 ? n : 1));
	if (sum == NULL || u == NULL || back == NULL) {
		rc = nomem(b);
		goto out;
	}
	/* u = x + back(y); the second operand is patched in below */
	for (i = 0; i < n; i++) {
		if ((rc = new_lin(b, node, 2, &sum[i])) != ADAC_OK)
			goto out;
		b->prims[sum[i]].is_loop_sum = 1;
		set_term(b, sum[i], 0, in[i], 1.0);
		set_term(b, sum[i], 1, -1, 1.0);
		u[i] = b->prims[sum[i]].out;
	}
	if ((rc = build(b, node->forward, u, out)) != ADAC_OK)
		goto out;
	if ((rc = build(b, node->back, out, back)) != ADAC_OK)
		goto out;
	for (i = 0; i < n; i++)
		b->tw[b->prims[sum[i]].first + 1] = back[i];
out:
	free(sum);
	free(u);
	free(back);
	return rc;
}

static int
build_delay(struct builder *b, const struct adac_node *node, const int *in,
	    int *out)
{
	int ch, idx, rc;

	for (ch = 0; ch < node->n_in; ch++) {
		double d = node->samples[ch], whole = floor(d);

		if (!(d >= 0) || d > (double)ADAC_MAX_DELAY_SAMPLES)
			return adac_error_set(b->err, ADAC_E_INPUT,
					      node->pointer,
					      "delay %g is out of range", d);
		if (node->interp == ADAC_INTERP_NONE && d != whole)
			return adac_error_set(b->err, ADAC_E_INPUT,
					      node->pointer,
					      "delay %.17g is not whole and "
					      "interp is 'none'", d);
		if (d == 0) {
			out[ch] = in[ch];
			continue;
		}
		if ((rc = new_prim(b, ADAC_NET_DELAY, node, &idx)) != ADAC_OK)
			return rc;
		b->prims[idx].in = in[ch];
		b->prims[idx].whole = (long)whole;
		b->prims[idx].frac = d - whole;
		b->prims[idx].direct = whole == 0;
		out[ch] = b->prims[idx].out;
	}
	return ADAC_OK;
}

static int
build_gain(struct builder *b, const struct adac_node *node, const int *in,
	   int *out)
{
	double t60_s = 0;
	int ch, idx, rc, decay = node->decay != NULL && !b->opt->ignore_decay;

	if (decay) {
		if (!control_value(b, node->decay->control, &t60_s))
			return adac_error_set(b->err, ADAC_E_INPUT,
					      node->pointer,
					      "decay names the unknown control "
					      "'%s'", node->decay->control);
		if (!(t60_s > 0) || !(b->opt->fs_hz > 0))
			return adac_error_set(b->err, ADAC_E_INPUT,
					      node->pointer,
					      "control '%s' = %g must be "
					      "positive", node->decay->control,
					      t60_s);
	}
	for (ch = 0; ch < node->n_in; ch++) {
		double g = node->values[ch];

		/* Jot's rule, written as adac-ir(5) states it */
		if (decay)
			g = node->values[ch] *
			    pow(10.0, -3.0 * node->decay->loop_samples[ch] /
					      (b->opt->fs_hz * t60_s));
		if ((rc = new_lin(b, node, 1, &idx)) != ADAC_OK)
			return rc;
		set_term(b, idx, 0, in[ch], g);
		out[ch] = b->prims[idx].out;
	}
	return ADAC_OK;
}

static int
build_matrix(struct builder *b, const struct adac_node *node, const int *in,
	     int *out)
{
	int r, c, idx, rc;

	/* dense, whatever the structure claim: the data is the ground truth */
	for (r = 0; r < node->n_out; r++) {
		if ((rc = new_lin(b, node, node->n_in, &idx)) != ADAC_OK)
			return rc;
		b->prims[idx].matrix_row = r;
		for (c = 0; c < node->n_in; c++)
			set_term(b, idx, c, in[c],
				 node->data[(long)r * node->n_in + c]);
		out[r] = b->prims[idx].out;
	}
	return ADAC_OK;
}

static int
build_sos(struct builder *b, const struct adac_node *node, const int *in,
	  int *out)
{
	int ch, s, k, idx, rc;
	long n = (long)node->n_sections * 5;

	for (ch = 0; ch < node->n_in; ch++) {
		if ((rc = new_prim(b, ADAC_NET_SOS, node, &idx)) != ADAC_OK)
			return rc;
		if (grow((void **)&b->sos, &b->cap_sos, b->n_sos + n,
			 sizeof *b->sos) != 0)
			return nomem(b);
		for (s = 0; s < node->n_sections; s++) {
			for (k = 0; k < 5; k++)
				b->sos[b->n_sos + s * 5 + k] =
					node->sos[((long)s * node->n_in + ch) *
						  5 + k];
			if (b->sos[b->n_sos + s * 5] == 0)
				b->prims[idx].direct = 0;
		}
		b->prims[idx].in = in[ch];
		b->prims[idx].n_sections = node->n_sections;
		b->prims[idx].first = b->n_sos;	/* offset until finished */
		b->n_sos += n;
		out[ch] = b->prims[idx].out;
	}
	return ADAC_OK;
}

/* Terms c·wire of a direct form I sum: none, c, or ±1 and c ∓ 1. */
static int
df1_terms(double c)
{
	return c == 0 ? 0 : fabs(c) > 1 && fabs(c) < 2 ? 2 : 1;
}

static void
df1_term(struct builder *b, int idx, long *j, int wire, double c)
{
	double s = c > 0 ? 1.0 : -1.0;

	if (df1_terms(c) == 2) {
		set_term(b, idx, (*j)++, wire, s);
		set_term(b, idx, (*j)++, wire, c - s);	/* exact: Sterbenz */
	} else if (c != 0) {
		set_term(b, idx, (*j)++, wire, c);
	}
}

/* A DELAY of one sample reading wire in (-1: patched in later). */
static int
unit_delay(struct builder *b, const struct adac_node *node, int in,
	   int *idx)
{
	int rc = new_prim(b, ADAC_NET_DELAY, node, idx);

	if (rc != ADAC_OK)
		return rc;
	b->prims[*idx].in = in;
	b->prims[*idx].whole = 1;
	b->prims[*idx].direct = 0;
	return ADAC_OK;
}

/* The sos_df1 option (netlist.h): channel by channel, section by section. */
static int
build_sos_df1(struct builder *b, const struct adac_node *node, const int *in,
	      int *out)
{
	int ch, s, k, rc, lin, x1, x2, y1, y2, wire;
	long j, n;

	for (ch = 0; ch < node->n_in; ch++) {
		wire = in[ch];
		for (s = 0; s < node->n_sections; s++) {
			const double *c = node->sos +
			    ((long)s * node->n_in + ch) * 5;
			double coef[5] = { c[0], c[1], c[2], -c[3], -c[4] };

			x1 = x2 = y1 = y2 = -1;
			if (c[1] != 0 || c[2] != 0) {
				rc = unit_delay(b, node, wire, &x1);
				if (rc != ADAC_OK)
					return rc;
			}
			if (c[2] != 0 &&
			    (rc = unit_delay(b, node, b->prims[x1].out,
					     &x2)) != ADAC_OK)
				return rc;
			if (c[3] != 0 || c[4] != 0) {
				rc = unit_delay(b, node, -1, &y1);
				if (rc != ADAC_OK)
					return rc;
			}
			if (c[4] != 0 &&
			    (rc = unit_delay(b, node, b->prims[y1].out,
					     &y2)) != ADAC_OK)
				return rc;
			for (n = k = 0; k < 5; k++)
				n += df1_terms(coef[k]);
			if ((rc = new_lin(b, node, n, &lin)) != ADAC_OK)
				return rc;
			j = 0;
			df1_term(b, lin, &j, wire, coef[0]);
			if (x1 >= 0)
				df1_term(b, lin, &j, b->prims[x1].out, coef[1]);
			if (x2 >= 0)
				df1_term(b, lin, &j, b->prims[x2].out, coef[2]);
			if (y1 >= 0) {
				b->prims[y1].in = b->prims[lin].out;
				df1_term(b, lin, &j, b->prims[y1].out, coef[3]);
			}
			if (y2 >= 0)
				df1_term(b, lin, &j, b->prims[y2].out, coef[4]);
			wire = b->prims[lin].out;
		}
		out[ch] = wire;
	}
	return ADAC_OK;
}

static int
build_nonlinear(struct builder *b, const struct adac_node *node,
		const int *in, int *out)
{
	int ch, idx, rc;

	for (ch = 0; ch < node->n_in; ch++) {
		double gi = node->in_gain[ch], go = node->out_gain[ch];

		if (gi == 0 || go == 0) {
			/* f(0) = 0: no term, no dependence, as in ir.c */
			if ((rc = new_lin(b, node, 0, &idx)) != ADAC_OK)
				return rc;
		} else {
			rc = new_prim(b, ADAC_NET_NL, node, &idx);
			if (rc != ADAC_OK)
				return rc;
			b->prims[idx].in = in[ch];
			b->prims[idx].nl = node->nl;
			b->prims[idx].gain_in = gi;
			b->prims[idx].gain_out = go;
		}
		out[ch] = b->prims[idx].out;
	}
	return ADAC_OK;
}

static int
build_moddelay(struct builder *b, const struct adac_node *node,
	       const int *in, int *out)
{
	int ch, idx, rc;

	for (ch = 0; ch < node->n_in; ch++) {
		rc = new_prim(b, ADAC_NET_MODDELAY, node, &idx);
		if (rc != ADAC_OK)
			return rc;
		b->prims[idx].in = in[ch];
		b->prims[idx].ch = ch;
		/* as ir.c's rule: j = 0 is reachable below one sample */
		b->prims[idx].direct = adac_moddelay_min_whole(node, ch) < 1;
		out[ch] = b->prims[idx].out;
	}
	return ADAC_OK;
}

static int
build(struct builder *b, const struct adac_node *node, const int *in,
      int *out)
{
	switch (node->op) {
	case ADAC_OP_SERIES:
		return build_series(b, node, in, out);
	case ADAC_OP_PARALLEL:
		return build_parallel(b, node, in, out);
	case ADAC_OP_FEEDBACK:
		return build_feedback(b, node, in, out);
	case ADAC_OP_DELAY:
		return build_delay(b, node, in, out);
	case ADAC_OP_GAIN:
		return build_gain(b, node, in, out);
	case ADAC_OP_MATRIX:
		return build_matrix(b, node, in, out);
	case ADAC_OP_SOS:
		if (b->opt->sos_df1)
			return build_sos_df1(b, node, in, out);
		return build_sos(b, node, in, out);
	case ADAC_OP_NONLINEAR:
		return build_nonlinear(b, node, in, out);
	case ADAC_OP_MODDELAY:
		return build_moddelay(b, node, in, out);
	}
	return adac_error_set(b->err, ADAC_E_INPUT, node->pointer,
			      "unknown op %d", (int)node->op);
}

static int
combinational(const struct adac_net_prim *p)
{
	return p->direct;
}

/* The wires p reads: *n of them, from ws (LIN) or the single p->in. */
static const int *
prim_inputs(const struct adac_netlist *net, const struct adac_net_prim *p,
	    long *n)
{
	if (p->kind == ADAC_NET_LIN) {
		*n = p->count;
		/* a sum of no terms, in a netlist that may hold none at all */
		return p->count > 0 ? net->term_wire + p->first : NULL;
	}
	*n = 1;
	return &p->in;
}

/* A driver of p's inputs that Kahn's algorithm never released. */
static int
remaining_driver(const struct adac_netlist *net, const int *driver,
		 const int *indeg, const struct adac_net_prim *p)
{
	long j, n;
	const int *ws = prim_inputs(net, p, &n);

	for (j = 0; j < n; j++)
		if (driver[ws[j]] >= 0 && indeg[driver[ws[j]]] > 0)
			return driver[ws[j]];
	return -1;	/* not reached: an unreleased prim has one */
}

static size_t
pointer_len(const struct adac_net_prim *p)
{
	return p->node->pointer != NULL ? strlen(p->node->pointer) : 0;
}

/*
 * Kahn's algorithm over the combinational primitives.  On a cycle, walk
 * back from a primitive that was never released until a primitive
 * repeats: that stretch is a cycle, and it holds a feedback adder.
 */
static int
order_prims(struct adac_netlist *net, const struct adac_net_prim **cycle)
{
	int *driver = NULL, *indeg = NULL, *start = NULL, *adj = NULL;
	int *order = NULL, *seen = NULL;
	int p, q, head = 0, tail = 0, rc = -1;
	long j, n, e;
	const int *ws;

	*cycle = NULL;
	driver = malloc(sizeof *driver * (size_t)(net->n_wires + 1));
	indeg = calloc((size_t)net->n_prims + 1, sizeof *indeg);
	start = calloc((size_t)net->n_prims + 2, sizeof *start);
	order = malloc(sizeof *order * (size_t)(net->n_prims + 1));
	if (driver == NULL || indeg == NULL || start == NULL || order == NULL)
		goto out;
	for (j = 0; j < net->n_wires; j++)
		driver[j] = -1;
	for (p = 0; p < net->n_prims; p++)
		if (combinational(&net->prims[p]))
			driver[net->prims[p].out] = p;
	/* edges q → p for every read of a combinationally driven wire */
	for (p = 0; p < net->n_prims; p++) {
		if (!combinational(&net->prims[p]))
			continue;
		ws = prim_inputs(net, &net->prims[p], &n);
		for (j = 0; j < n; j++)
			if (driver[ws[j]] >= 0) {
				start[driver[ws[j]] + 1]++;
				indeg[p]++;
			}
	}
	for (p = 0; p < net->n_prims; p++)
		start[p + 1] += start[p];
	e = start[net->n_prims];
	adj = malloc(sizeof *adj * (size_t)(e > 0 ? e : 1));
	seen = calloc((size_t)net->n_prims + 1, sizeof *seen);
	if (adj == NULL || seen == NULL)
		goto out;
	{
		int *fill = seen;	/* reused as the fill cursor, reset below */

		for (p = 0; p < net->n_prims; p++) {
			if (!combinational(&net->prims[p]))
				continue;
			ws = prim_inputs(net, &net->prims[p], &n);
			for (j = 0; j < n; j++) {
				q = driver[ws[j]];
				if (q >= 0)
					adj[start[q] + fill[q]++] = p;
			}
		}
		memset(seen, 0, sizeof *seen * (size_t)(net->n_prims + 1));
	}
	for (p = 0; p < net->n_prims; p++)
		if (combinational(&net->prims[p]) && indeg[p] == 0)
			order[tail++] = p;
	while (head < tail) {
		q = order[head++];
		for (e = start[q]; e < start[q + 1]; e++)
			if (--indeg[adj[e]] == 0)
				order[tail++] = adj[e];
	}
	net->order = order;
	net->n_order = tail;
	order = NULL;
	rc = 0;
	for (p = 0; p < net->n_prims; p++)
		if (combinational(&net->prims[p]) && indeg[p] > 0)
			break;
	if (p < net->n_prims) {
		const struct adac_net_prim *best = NULL;
		int mark = 1, first;

		/* seen[p] = step at which the backward walk met p */
		while (seen[p] == 0) {
			seen[p] = mark++;
			p = remaining_driver(net, driver, indeg,
					     &net->prims[p]);
			if (p < 0)
				goto out;
		}
		/*
		 * p starts the cycle: the walk from p makes the same choices
		 * and comes back to p; pick the outermost adder on the way
		 */
		first = p;
		do {
			const struct adac_net_prim *pp = &net->prims[p];

			if (pp->is_loop_sum &&
			    (best == NULL || pointer_len(pp) < pointer_len(best)))
				best = pp;
			p = remaining_driver(net, driver, indeg, pp);
		} while (p != first && p >= 0);
		*cycle = best != NULL ? best : &net->prims[first];
		rc = 1;
	}
out:
	free(driver);
	free(indeg);
	free(start);
	free(adj);
	free(seen);
	free(order);
	return rc;
}

/* Leave out the terms with a zero coefficient, keeping the others' order. */
static void
drop_zero_terms(struct adac_netlist *net)
{
	int *tw = (int *)net->term_wire;
	double *tc = (double *)net->term_coef;
	long j, k = 0, first;
	int p;

	for (p = 0; p < net->n_prims; p++) {
		struct adac_net_prim *pp = &net->prims[p];

		if (pp->kind != ADAC_NET_LIN)
			continue;
		first = k;
		for (j = pp->first; j < pp->first + pp->count; j++)
			if (tc[j] != 0) {
				tw[k] = tw[j];
				tc[k] = tc[j];
				k++;
			}
		pp->first = first;
		pp->count = k - first;
	}
	net->n_terms = k;
}

void
adac_netlist_free(struct adac_netlist *net)
{
	if (net == NULL)
		return;
	free((void *)net->out_wires);
	free(net->prims);
	free((void *)net->term_wire);
	free((void *)net->term_coef);
	free((void *)net->order);
	free(net->sos_block);
	free(net);
}

/*
 * Build without checking the order; *cycle is set when a delay-free
 * cycle exists (then rc is ADAC_OK and the netlist is returned anyway).
 */
static int
build_net(const struct adac_node *graph,
	  const struct adac_netlist_options *opt, struct adac_netlist **out,
	  const struct adac_net_prim **cycle, struct adac_error *err)
{
	struct builder b;
	struct adac_netlist *net = NULL;
	int *wet_in = NULL, *wet_out = NULL, *outs = NULL;
	int i, idx, rc = ADAC_OK, found;
	long p;

	memset(&b, 0, sizeof b);
	b.opt = opt;
	b.err = err;
	net = calloc(1, sizeof *net);
	wet_in = malloc(sizeof *wet_in * (size_t)(graph->n_in + 1));
	wet_out = malloc(sizeof *wet_out * (size_t)(graph->n_out + 1));
	outs = malloc(sizeof *outs * (size_t)(graph->n_out + 1));
	if (net == NULL || wet_in == NULL || wet_out == NULL || outs == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	net->inputs = graph->n_in;
	net->outputs = graph->n_out;
	b.n_wires = graph->n_in;
	for (i = 0; i < graph->n_in; i++) {
		wet_in[i] = i;
		if (opt->pre_delay_samples <= 0)
			continue;
		if ((rc = new_prim(&b, ADAC_NET_DELAY, graph, &idx)) != ADAC_OK)
			goto out;
		b.prims[idx].in = i;
		b.prims[idx].whole = opt->pre_delay_samples;
		b.prims[idx].direct = 0;
		wet_in[i] = b.prims[idx].out;
	}
	if ((rc = build(&b, graph, wet_in, wet_out)) != ADAC_OK)
		goto out;
	for (i = 0; i < graph->n_out; i++) {
		outs[i] = wet_out[i];
		if (!opt->has_dry_wet)
			continue;
		if (graph->n_in != graph->n_out) {
			rc = adac_error_set(err, ADAC_E_INPUT, graph->pointer,
					    "'dry_wet' needs as many inputs "
					    "as outputs, not %d and %d",
					    graph->n_in, graph->n_out);
			goto out;
		}
		if ((rc = new_lin(&b, graph, 2, &idx)) != ADAC_OK)
			goto out;
		set_term(&b, idx, 0, i, 1.0 - opt->dry_wet);
		set_term(&b, idx, 1, wet_out[i], opt->dry_wet);
		outs[i] = b.prims[idx].out;
	}
	net->n_wires = b.n_wires;
	net->prims = b.prims;
	net->n_prims = b.n_prims;
	net->term_wire = b.tw;
	net->term_coef = b.tc;
	net->n_terms = b.n_terms;
	net->out_wires = outs;
	b.prims = NULL;
	b.tw = NULL;
	b.tc = NULL;
	outs = NULL;
	/* the SOS coefficients live in one block owned by the netlist */
	net->sos_block = b.sos;
	b.sos = NULL;
	for (p = 0; p < net->n_prims; p++)
		if (net->prims[p].kind == ADAC_NET_SOS)
			net->prims[p].sos = net->sos_block + net->prims[p].first;
	drop_zero_terms(net);
	found = order_prims(net, cycle);
	if (found < 0) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	*out = net;
	net = NULL;
out:
	adac_netlist_free(net);
	free(b.prims);
	free(b.tw);
	free(b.tc);
	free(b.sos);
	free(wet_in);
	free(wet_out);
	free(outs);
	return rc;
}

int
adac_netlist_build(const struct adac_node *graph,
		   const struct adac_netlist_options *opt,
		   struct adac_netlist **out, struct adac_error *err)
{
	struct adac_netlist *net = NULL;
	const struct adac_net_prim *cycle = NULL;
	int rc;

	rc = build_net(graph, opt, &net, &cycle, err);
	if (rc != ADAC_OK)
		return rc;
	if (cycle != NULL) {
		rc = adac_error_set(err, ADAC_E_INPUT, cycle->node->pointer,
				    "delay-free loop: a cycle through this "
				    "feedback holds no delay of one sample "
				    "or more");
		adac_netlist_free(net);
		return rc;
	}
	*out = net;
	return ADAC_OK;
}

int
adac_netlist_find_delay_free_loop(const struct adac_node *graph,
				  const char **pointer)
{
	struct adac_netlist_options opt;
	struct adac_netlist *net = NULL;
	const struct adac_net_prim *cycle = NULL;
	struct adac_error err;
	int rc;

	memset(&opt, 0, sizeof opt);
	opt.ignore_decay = 1;
	rc = build_net(graph, &opt, &net, &cycle, &err);
	if (rc == ADAC_E_NOMEM)
		return -1;
	if (rc != ADAC_OK)
		return 0;	/* not a loop problem; validation reports it */
	rc = 0;
	if (cycle != NULL) {
		*pointer = cycle->node->pointer;
		rc = 1;
	}
	adac_netlist_free(net);
	return rc;
}
