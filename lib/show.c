#include "show.h"

#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

struct tally {
	int by_op[ADAC_N_OPS];
	int loops, lines, sections;
	double min_delay, max_delay, total_delay;
	int fractional;
};

/* One delay line of length d, read between samples when fractional. */
static void
count_line(struct tally *t, double d, int fractional)
{
	t->lines++;
	t->total_delay += d;
	if (d < t->min_delay)
		t->min_delay = d;
	if (d > t->max_delay)
		t->max_delay = d;
	t->fractional += fractional;
}

static int
count(const struct adac_node *n, void *arg)
{
	struct tally *t = arg;
	int i;

	t->by_op[n->op]++;
	switch (n->op) {
	case ADAC_OP_FEEDBACK:
		t->loops++;
		break;
	case ADAC_OP_DELAY:
		for (i = 0; i < n->n_in; i++)
			count_line(t, n->samples[i],
				   n->samples[i] != floor(n->samples[i]));
		break;
	case ADAC_OP_SOS:
		t->sections += n->n_sections * n->n_in;
		break;
	case ADAC_OP_MODDELAY:	/* lines at their base length, read between samples */
		for (i = 0; i < n->n_in; i++)
			count_line(t, n->samples[i], 1);
		break;
	case ADAC_OP_SERIES:
	case ADAC_OP_PARALLEL:
	case ADAC_OP_GAIN:
	case ADAC_OP_MATRIX:
	case ADAC_OP_NONLINEAR:
		break;
	}
	return ADAC_OK;
}

static void
label(struct adac_buf *b, const struct adac_node *n)
{
	adac_buf_printf(b, "%s", adac_op_name(n->op));
	if (n->id != NULL)
		adac_buf_printf(b, " '%s'", n->id);
}

/* The tree's printer: each node one line, indented by its depth. */
struct printer {
	struct adac_buf *b;
	int depth;
	double fs_hz;
};

static int
leave(const struct adac_node *n, void *arg)
{
	(void)n;
	((struct printer *)arg)->depth--;
	return ADAC_OK;
}

static int
tree(const struct adac_node *n, void *arg)
{
	struct printer *pr = arg;
	struct adac_buf *b = pr->b;
	double fs_hz = pr->fs_hz;
	int depth = pr->depth++;
	char num[32];
	int i;

	adac_buf_printf(b, "  %*s", 2 * depth, "");
	label(b, n);
	adac_buf_printf(b, "  %d→%d", n->n_in, n->n_out);
	switch (n->op) {
	case ADAC_OP_PARALLEL:
		adac_buf_printf(b, "  in %s, out %s",
				n->in == ADAC_IN_SPLIT ? "split" : "stack",
				n->out == ADAC_OUT_SUM ? "sum" : "stack");
		break;
	case ADAC_OP_DELAY:
		adac_buf_puts(b, "  [");
		for (i = 0; i < n->n_in && i < 8; i++)
			adac_buf_printf(b, "%s%s", i ? " " : "",
					adac_fmt_double(num, n->samples[i]));
		adac_buf_printf(b, "%s] samples", n->n_in > 8 ? " …" : "");
		if (n->n_in == 1)
			adac_buf_printf(b, " (%.2f ms)",
					1000 * n->samples[0] / fs_hz);
		if (n->interp == ADAC_INTERP_LINEAR)
			adac_buf_puts(b, ", linear");
		break;
	case ADAC_OP_GAIN:
		if (n->decay != NULL)
			adac_buf_printf(b, "  decay by '%s'", n->decay->control);
		break;
	case ADAC_OP_MATRIX:
		adac_buf_printf(b, "  %s", adac_structure_name(n->structure.kind));
		if (n->structure.kind != ADAC_STRUCT_NONE &&
		    n->structure.kind != ADAC_STRUCT_DIAGONAL &&
		    n->structure.scale != 1)
			adac_buf_printf(b, " × %s",
					adac_fmt_double(num, n->structure.scale));
		break;
	case ADAC_OP_SOS:
		adac_buf_printf(b, "  %d section%s", n->n_sections,
				n->n_sections == 1 ? "" : "s");
		break;
	case ADAC_OP_NONLINEAR:
		adac_buf_printf(b, "  %s", adac_nl_name(n->nl));
		break;
	case ADAC_OP_MODDELAY:
		adac_buf_puts(b, "  [");
		for (i = 0; i < n->n_in && i < 8; i++)
			adac_buf_printf(b, "%s%s", i ? " " : "",
					adac_fmt_double(num, n->samples[i]));
		adac_buf_printf(b, "%s] ± [", n->n_in > 8 ? " …" : "");
		for (i = 0; i < n->n_in && i < 8; i++)
			adac_buf_printf(b, "%s%s", i ? " " : "",
					adac_fmt_double(num, n->depth[i]));
		adac_buf_printf(b, "%s] samples, sine, linear",
				n->n_in > 8 ? " …" : "");
		break;
	case ADAC_OP_SERIES:
	case ADAC_OP_FEEDBACK:
		break;
	}
	adac_buf_printf(b, "  %s\n", n->pointer);
	return ADAC_OK;
}

char *
adac_show_summary(const struct adac_ir *ir)
{
	struct tally t = {{0}, 0, 0, 0, DBL_MAX, 0, 0, 0};
	struct adac_buf b = {0};
	struct printer pr;
	json_t *cert, *v;
	int i;

	adac_ir_walk(ir->graph, count, NULL, &t);
	adac_buf_printf(&b, "name      %s\n", ir->name);
	adac_buf_printf(&b, "rate      %g Hz\n", ir->fs_hz);
	adac_buf_printf(&b, "channels  %d in, %d out (%d paths)\n", ir->inputs,
			ir->outputs, ir->inputs * ir->outputs);
	adac_buf_printf(&b, "nodes     %d:", ir->n_nodes);
	for (i = 0; i < ADAC_N_OPS; i++)
		if (t.by_op[i])
			adac_buf_printf(&b, " %d %s", t.by_op[i],
					adac_op_name((enum adac_op)i));
	adac_buf_printf(&b, "\nloops     %d\n", t.loops);
	if (t.lines > 0)
		adac_buf_printf(&b, "delays    %d lines, %g to %g samples (%.2f to %.2f ms), %g in all%s\n",
				t.lines, t.min_delay, t.max_delay,
				1000 * t.min_delay / ir->fs_hz,
				1000 * t.max_delay / ir->fs_hz, t.total_delay,
				t.fractional ? ", some fractional" : "");
	if (t.sections > 0)
		adac_buf_printf(&b, "biquads   %d\n", t.sections);
	for (i = 0; i < ir->n_controls; i++)
		adac_buf_printf(&b, "control   %s %g to %g%s%s, init %g\n",
				ir->controls[i].name, ir->controls[i].min,
				ir->controls[i].max,
				ir->controls[i].unit[0] ? " " : "",
				ir->controls[i].unit, ir->controls[i].init);
	cert = json_object_get(ir->json, "certificate");
	v = json_object_get(cert, "verdict");
	adac_buf_printf(&b, "verdict   %s\n",
			json_is_string(v) ? json_string_value(v) :
			cert != NULL ? "(certificate without verdict)" :
			"(not certified)");
	adac_buf_puts(&b, "graph\n");
	pr.b = &b;
	pr.depth = 0;
	pr.fs_hz = ir->fs_hz;
	adac_ir_walk(ir->graph, tree, leave, &pr);
	return adac_buf_take(&b);
}

/* --- Graphviz ------------------------------------------------------------ */

/*
 * Each node becomes a box; composites become clusters whose entry and
 * exit are small points, so edges can be drawn without knowing channels
 * one by one.  Edge labels give the channel count on the wire.
 */
struct dot {
	struct adac_buf *b;
	int next;
};

static void
quoted(struct adac_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			adac_buf_put(b, "\\", 1);
		adac_buf_put(b, s, 1);
	}
}

static int
point(struct dot *d, const char *shape, const char *text)
{
	int id = d->next++;

	adac_buf_printf(d->b, "  n%d [shape=%s, label=\"%s\"%s];\n", id, shape,
			text, strcmp(shape, "point") == 0 ? ", width=0.06" : "");
	return id;
}

static void
edge(struct dot *d, int from, int to, int channels, const char *extra)
{
	adac_buf_printf(d->b, "  n%d -> n%d [label=\"%d\"%s];\n", from, to,
			channels, extra);
}

static void node_dot(struct dot *d, const struct adac_node *n, int *entry,
		     int *exit);

static void
leaf_dot(struct dot *d, const struct adac_node *n, int *entry, int *exit)
{
	char num[32];
	int id = d->next++;

	adac_buf_printf(d->b, "  n%d [shape=box, label=\"", id);
	if (n->id != NULL) {
		quoted(d->b, n->id);
		adac_buf_puts(d->b, "\\n");
	}
	adac_buf_printf(d->b, "%s", adac_op_name(n->op));
	if (n->op == ADAC_OP_MATRIX)
		adac_buf_printf(d->b, " %d×%d %s", n->n_out, n->n_in,
				adac_structure_name(n->structure.kind));
	else if ((n->op == ADAC_OP_DELAY || n->op == ADAC_OP_MODDELAY) &&
		 n->n_in == 1)
		adac_buf_printf(d->b, " %s", adac_fmt_double(num, n->samples[0]));
	else if (n->op == ADAC_OP_SOS)
		adac_buf_printf(d->b, " ×%d", n->n_sections);
	else if (n->op == ADAC_OP_NONLINEAR)
		adac_buf_printf(d->b, " %s ×%d", adac_nl_name(n->nl), n->n_in);
	else
		adac_buf_printf(d->b, " ×%d", n->n_in);
	adac_buf_puts(d->b, "\"];\n");
	*entry = *exit = id;
}

static void
node_dot(struct dot *d, const struct adac_node *n, int *entry, int *exit)
{
	int i, e, x, prev, in, out, add;

	switch (n->op) {
	case ADAC_OP_SERIES:
		node_dot(d, n->of[0], entry, &prev);
		for (i = 1; i < n->n_of; i++) {
			node_dot(d, n->of[i], &e, &x);
			edge(d, prev, e, n->of[i]->n_in, "");
			prev = x;
		}
		*exit = prev;
		return;
	case ADAC_OP_PARALLEL:
		adac_buf_printf(d->b, "  subgraph cluster_%d {\n  label=\"parallel\";\n  style=dashed;\n",
				d->next);
		in = point(d, "point", "");
		out = point(d, n->out == ADAC_OUT_SUM ? "circle" : "point",
			    n->out == ADAC_OUT_SUM ? "+" : "");
		for (i = 0; i < n->n_of; i++) {
			node_dot(d, n->of[i], &e, &x);
			edge(d, in, e, n->of[i]->n_in, "");
			edge(d, x, out, n->of[i]->n_out, "");
		}
		adac_buf_puts(d->b, "  }\n");
		*entry = in;
		*exit = out;
		return;
	case ADAC_OP_FEEDBACK:
		adac_buf_printf(d->b, "  subgraph cluster_%d {\n  label=\"feedback\";\n",
				d->next);
		add = point(d, "circle", "+");
		node_dot(d, n->forward, &e, &x);
		edge(d, add, e, n->forward->n_in, "");
		node_dot(d, n->back, &in, &out);
		edge(d, x, in, n->back->n_in, ", style=dashed");
		edge(d, out, add, n->back->n_out,
		     ", style=dashed, constraint=false");
		adac_buf_puts(d->b, "  }\n");
		*entry = add;
		*exit = x;
		return;
	case ADAC_OP_DELAY:
	case ADAC_OP_GAIN:
	case ADAC_OP_MATRIX:
	case ADAC_OP_SOS:
	case ADAC_OP_NONLINEAR:
	case ADAC_OP_MODDELAY:
		leaf_dot(d, n, entry, exit);
	}
}

char *
adac_show_dot(const struct adac_ir *ir)
{
	struct adac_buf b = {0};
	struct dot d = {&b, 0};
	int in, out, e, x;

	adac_buf_puts(&b, "digraph \"");
	quoted(&b, ir->name);
	adac_buf_puts(&b, "\" {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
	in = point(&d, "invhouse", "in");
	out = point(&d, "house", "out");
	node_dot(&d, ir->graph, &e, &x);
	edge(&d, in, e, ir->inputs, "");
	edge(&d, x, out, ir->outputs, "");
	adac_buf_puts(&b, "}\n");
	return adac_buf_take(&b);
}
