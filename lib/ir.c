#include "ir.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "depgraph.h"
#include "json.h"
#include "sha256.h"

/*
 * Validation happens while the tree is built, in one pass, so that the
 * first bad value is reported with its pointer and no half-built tree
 * escapes.  Channel counts are computed bottom-up; delay-free loops are
 * found in the zero-delay dependence graph of scalar signals
 * (lib/depgraph.h) that the nodes build as they are read: each node hands
 * its parent the vertices of its inputs and outputs, and each feedback
 * node, once closed, asks whether a cycle passes through its forward
 * path's outputs.  The graph is as large as the document's channels and
 * nonzero matrix entries, never channels squared.
 */

#define MAX_MATRIX_ENTRIES (1L << 20)
#define MAX_TOTAL_DELAY (1L << 28)	/* samples of state: 2 GiB of doubles */
#define MAX_PRE_DELAY_MS 10000.0

struct ctx {
	struct adac_error *err;
	int n_nodes;
	double total_delay;
	long total_channels;	/* inputs + outputs of every node */
	const struct adac_ir *ir;	/* for controls named by decay */
	struct adac_dep *dep;	/* the zero-delay dependence graph */
	int check_loops;	/* look for a delay-free cycle at each loop */
};

/*
 * A node's place in the dependence graph: the vertices of its n_in inputs
 * and n_out outputs.  Whoever receives one frees it with port_free().
 */
struct port {
	int *in, *out;
};

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *t = malloc(n);

	if (t != NULL)
		memcpy(t, s, n);
	return t;
}

static int
nomem(struct ctx *c, const char *ptr)
{
	return adac_error_set(c->err, ADAC_E_NOMEM, ptr, "out of memory");
}

static int
check_keys(struct ctx *c, json_t *obj, const char *ptr,
	   const char *const *allowed, const char *what)
{
	return adac_json_check_keys(obj, ptr, allowed, what, c->err);
}
static json_t *
member(json_t *obj, const char *key, const char *base, char *p)
{
	adac_ptr_key(p, base, key);
	return json_object_get(obj, key);
}

/* --- the dependence graph ---------------------------------------------- */

static void
port_free(struct port *p)
{
	free(p->in);
	free(p->out);
	p->in = p->out = NULL;
}

static void
ports_free(struct port *ports, int n)
{
	int i;

	if (ports == NULL)
		return;
	for (i = 0; i < n; i++)
		port_free(&ports[i]);
	free(ports);
}

/* Room for n_in + n_out vertex numbers, with fresh vertices if asked. */
static int
port_new(struct ctx *c, struct port *p, int n_in, int fresh_in, int n_out,
	 int fresh_out, const char *ptr)
{
	p->in = malloc(((size_t)n_in + 1) * sizeof *p->in);
	p->out = malloc(((size_t)n_out + 1) * sizeof *p->out);
	if (p->in == NULL || p->out == NULL ||
	    (fresh_in && adac_dep_add(c->dep, n_in, p->in) != 0) ||
	    (fresh_out && adac_dep_add(c->dep, n_out, p->out) != 0))
		return nomem(c, ptr);
	return ADAC_OK;
}

/* to depends on from at the same sample */
static int
edge(struct ctx *c, int from, int to, const char *ptr)
{
	return adac_dep_edge(c->dep, from, to) == 0 ? ADAC_OK : nomem(c, ptr);
}

/* --- nodes ------------------------------------------------------------- */

/*
 * After its children: the walk hands out const nodes, but this tree is
 * the parser's own, being freed.
 */
static int
free_one(const struct adac_node *cn, void *arg)
{
	struct adac_node *n = (struct adac_node *)cn;

	(void)arg;
	free(n->of);
	free(n->id);
	free(n->pointer);
	free(n->samples);
	free(n->values);
	if (n->decay != NULL) {
		free(n->decay->control);
		free(n->decay->loop_samples);
		free(n->decay);
	}
	free(n->data);
	adac_structure_free(&n->structure);
	free(n->sos);
	free(n->in_gain);
	free(n->out_gain);
	free(n->depth);
	free(n->phase);
	free(n->rate_hz);
	free(n->period);
	free(n);
	return ADAC_OK;
}

static void
node_free(struct adac_node *n)
{
	if (n != NULL)
		adac_ir_walk(n, NULL, free_one, NULL);
}

static int parse_node(struct ctx *c, json_t *v, const char *ptr, int depth,
		      struct adac_node **out, struct port *port);

static int
check_channels(struct ctx *c, long n, const char *ptr)
{
	if (n > ADAC_MAX_CHANNELS)
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
				      "%ld channels is more than the limit of %d",
				      n, ADAC_MAX_CHANNELS);
	return ADAC_OK;
}

static int
parse_children(struct ctx *c, struct adac_node *n, json_t *v,
	       const char *ptr, int depth, struct port **ports)
{
	char p[ADAC_POINTER_MAX], q[ADAC_POINTER_MAX];
	json_t *of = member(v, "of", ptr, p);
	size_t i, m;
	int rc;

	if (of == NULL)
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "missing array of nodes 'of'");
	if (!json_is_array(of) || json_array_size(of) == 0)
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "expected a non-empty array of nodes");
	m = json_array_size(of);
	if (m > ADAC_MAX_NODES)
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "too many nodes");
	n->of = calloc(m, sizeof *n->of);
	*ports = calloc(m, sizeof **ports);
	if (n->of == NULL || *ports == NULL)
		return nomem(c, p);
	for (i = 0; i < m; i++) {
		adac_ptr_index(q, p, i);
		rc = parse_node(c, json_array_get(of, i), q, depth + 1,
				&n->of[i], &(*ports)[i]);
		n->n_of++;	/* a half-built child is freed with its parent */
		if (rc != ADAC_OK)
			return rc;
	}
	return ADAC_OK;
}

static int
parse_series(struct ctx *c, struct adac_node *n, json_t *v, const char *ptr,
	     int depth, struct port *port)
{
	static const char *const keys[] = {"op", "id", "of", NULL};
	struct port *ports = NULL;
	char p[ADAC_POINTER_MAX];
	int i, ch, rc;

	rc = check_keys(c, v, ptr, keys, "series");
	if (rc == ADAC_OK)
		rc = parse_children(c, n, v, ptr, depth, &ports);
	if (rc != ADAC_OK)
		goto out;
	for (i = 1; i < n->n_of; i++)
		if (n->of[i]->n_in != n->of[i - 1]->n_out) {
			adac_ptr_key(p, ptr, "of");
			adac_ptr_index(p, p, (size_t)i);
			rc = adac_error_set(c->err, ADAC_E_INPUT, p,
					    "stage has %d inputs but the stage before it has %d outputs",
					    n->of[i]->n_in, n->of[i - 1]->n_out);
			goto out;
		}
	n->n_in = n->of[0]->n_in;
	n->n_out = n->of[n->n_of - 1]->n_out;
	/* each stage's outputs are the next one's inputs */
	for (i = 1; i < n->n_of; i++)
		for (ch = 0; ch < n->of[i]->n_in; ch++)
			if ((rc = edge(c, ports[i - 1].out[ch], ports[i].in[ch],
				       ptr)) != ADAC_OK)
				goto out;
	port->in = ports[0].in;
	ports[0].in = NULL;
	port->out = ports[n->n_of - 1].out;
	ports[n->n_of - 1].out = NULL;
out:
	ports_free(ports, n->n_of);
	return rc;
}

static int
parse_parallel(struct ctx *c, struct adac_node *n, json_t *v,
	       const char *ptr, int depth, struct port *port)
{
	static const char *const keys[] = {"op", "id", "in", "out", "of", NULL};
	struct port *ports = NULL;
	char p[ADAC_POINTER_MAX], q[ADAC_POINTER_MAX];
	const char *s;
	long n_in = 0, n_out = 0;
	int i, k, row0, col0, rc;

	rc = check_keys(c, v, ptr, keys, "parallel");
	if (rc != ADAC_OK)
		return rc;
	rc = adac_json_string(member(v, "in", ptr, p), p, &s, c->err);
	if (rc != ADAC_OK)
		return rc;
	if (strcmp(s, "split") == 0)
		n->in = ADAC_IN_SPLIT;
	else if (strcmp(s, "stack") == 0)
		n->in = ADAC_IN_STACK;
	else
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "expected 'split' or 'stack', got '%s'", s);
	rc = adac_json_string(member(v, "out", ptr, p), p, &s, c->err);
	if (rc != ADAC_OK)
		return rc;
	if (strcmp(s, "sum") == 0)
		n->out = ADAC_OUT_SUM;
	else if (strcmp(s, "stack") == 0)
		n->out = ADAC_OUT_STACK;
	else
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "expected 'sum' or 'stack', got '%s'", s);
	rc = parse_children(c, n, v, ptr, depth, &ports);
	if (rc != ADAC_OK)
		goto out;
	adac_ptr_key(p, ptr, "of");
	for (i = 0; i < n->n_of; i++) {
		struct adac_node *b = n->of[i];
		adac_ptr_index(q, p, (size_t)i);
		if (n->in == ADAC_IN_SPLIT && b->n_in != n->of[0]->n_in) {
			rc = adac_error_set(c->err, ADAC_E_INPUT, q,
					    "branch has %d inputs but a split parallel gives every branch %d",
					    b->n_in, n->of[0]->n_in);
			goto out;
		}
		if (n->out == ADAC_OUT_SUM && b->n_out != n->of[0]->n_out) {
			rc = adac_error_set(c->err, ADAC_E_INPUT, q,
					    "branch has %d outputs but the branches summed have %d",
					    b->n_out, n->of[0]->n_out);
			goto out;
		}
		n_in += n->in == ADAC_IN_SPLIT ? (i == 0 ? b->n_in : 0) : b->n_in;
		n_out += n->out == ADAC_OUT_SUM ? (i == 0 ? b->n_out : 0) : b->n_out;
	}
	if ((rc = check_channels(c, n_in, ptr)) != ADAC_OK ||
	    (rc = check_channels(c, n_out, ptr)) != ADAC_OK)
		goto out;
	n->n_in = (int)n_in;
	n->n_out = (int)n_out;
	/*
	 * split and sum meet in fresh vertices (the shared input, the
	 * adder); stack only places the branches' own vertices side by side
	 */
	rc = port_new(c, port, n->n_in, n->in == ADAC_IN_SPLIT, n->n_out,
		      n->out == ADAC_OUT_SUM, ptr);
	row0 = col0 = 0;
	for (i = 0; i < n->n_of && rc == ADAC_OK; i++) {
		struct adac_node *b = n->of[i];
		for (k = 0; k < b->n_in && rc == ADAC_OK; k++)
			if (n->in == ADAC_IN_SPLIT)
				rc = edge(c, port->in[k], ports[i].in[k], ptr);
			else
				port->in[col0 + k] = ports[i].in[k];
		for (k = 0; k < b->n_out && rc == ADAC_OK; k++)
			if (n->out == ADAC_OUT_SUM)
				rc = edge(c, ports[i].out[k], port->out[k], ptr);
			else
				port->out[row0 + k] = ports[i].out[k];
		col0 += b->n_in;
		row0 += b->n_out;
	}
out:
	ports_free(ports, n->n_of);
	return rc;
}

static int
parse_feedback(struct ctx *c, struct adac_node *n, json_t *v,
	       const char *ptr, int depth, struct port *port)
{
	static const char *const keys[] = {"op", "id", "forward", "back", NULL};
	struct port pf = {0}, pb = {0};
	char p[ADAC_POINTER_MAX];
	int rc, i, w;

	rc = check_keys(c, v, ptr, keys, "feedback");
	if (rc != ADAC_OK)
		return rc;
	rc = parse_node(c, member(v, "forward", ptr, p), p, depth + 1,
			&n->forward, &pf);
	if (rc != ADAC_OK)
		goto out;
	rc = parse_node(c, member(v, "back", ptr, p), p, depth + 1, &n->back,
			&pb);
	if (rc != ADAC_OK)
		goto out;
	if (n->back->n_in != n->forward->n_out) {
		rc = adac_error_set(c->err, ADAC_E_INPUT, p,
				    "back has %d inputs but forward has %d outputs",
				    n->back->n_in, n->forward->n_out);
		goto out;
	}
	if (n->back->n_out != n->forward->n_in) {
		rc = adac_error_set(c->err, ADAC_E_INPUT, p,
				    "back has %d outputs but forward has %d inputs",
				    n->back->n_out, n->forward->n_in);
		goto out;
	}
	n->n_in = n->forward->n_in;
	n->n_out = n->forward->n_out;
	/* around the loop: y → back → (+ x) → forward → y */
	if ((rc = port_new(c, port, n->n_in, 1, 0, 0, ptr)) != ADAC_OK)
		goto out;
	for (i = 0; i < n->n_in && rc == ADAC_OK; i++)
		if ((rc = edge(c, port->in[i], pf.in[i], ptr)) == ADAC_OK)
			rc = edge(c, pb.out[i], port->in[i], ptr);
	for (i = 0; i < n->n_out && rc == ADAC_OK; i++)
		rc = edge(c, pf.out[i], pb.in[i], ptr);
	if (rc != ADAC_OK || !c->check_loops)
		goto done;
	/*
	 * Inside forward and back nothing cycles (their own loops passed
	 * this test), so a cycle now runs through the adders and forward's
	 * outputs: name the first output on one.
	 */
	w = adac_dep_first_on_cycle(c->dep, port->in, n->n_in, pf.out,
				    n->n_out);
	if (w == -2) {
		rc = nomem(c, ptr);
		goto out;
	}
	if (w >= 0) {
		rc = adac_error_set(c->err, ADAC_E_INPUT, ptr,
				    "delay-free loop: output %d of forward feeds back to itself without a sample of delay",
				    w);
		goto out;
	}
done:
	if (rc == ADAC_OK) {
		free(port->out);
		port->out = pf.out;
		pf.out = NULL;
	}
out:
	port_free(&pf);
	port_free(&pb);
	return rc;
}

static int
parse_interp(struct ctx *c, json_t *v, const char *ptr, enum adac_interp *out)
{
	char p[ADAC_POINTER_MAX];
	json_t *iv = member(v, "interp", ptr, p);
	const char *s;
	int rc;

	*out = ADAC_INTERP_NONE;
	if (iv == NULL)
		return ADAC_OK;
	rc = adac_json_string(iv, p, &s, c->err);
	if (rc != ADAC_OK)
		return rc;
	if (strcmp(s, "none") == 0)
		*out = ADAC_INTERP_NONE;
	else if (strcmp(s, "linear") == 0)
		*out = ADAC_INTERP_LINEAR;
	else
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "unknown interpolation '%s'; expected 'none' or 'linear'",
				      s);
	return ADAC_OK;
}

static int
parse_delay(struct ctx *c, struct adac_node *n, json_t *v, const char *ptr,
	    struct port *port)
{
	static const char *const keys[] = {"op", "id", "samples", "interp",
					   NULL};
	char p[ADAC_POINTER_MAX], q[ADAC_POINTER_MAX];
	long len, i;
	int rc;

	if ((rc = check_keys(c, v, ptr, keys, "delay")) != ADAC_OK ||
	    (rc = parse_interp(c, v, ptr, &n->interp)) != ADAC_OK)
		return rc;
	rc = adac_json_numbers(member(v, "samples", ptr, p), p, -1,
			       ADAC_MAX_CHANNELS, &n->samples, &len, c->err);
	if (rc != ADAC_OK)
		return rc;
	for (i = 0; i < len; i++) {
		double d = n->samples[i];
		adac_ptr_index(q, p, (size_t)i);
		if (d < 0)
			return adac_error_set(c->err, ADAC_E_INPUT, q,
					      "delay length %.17g is negative", d);
		if (d > ADAC_MAX_DELAY_SAMPLES)
			return adac_error_set(c->err, ADAC_E_INPUT, q,
					      "delay length %.17g is more than the limit of %d samples",
					      d, ADAC_MAX_DELAY_SAMPLES);
		if (n->interp == ADAC_INTERP_NONE && d != floor(d))
			return adac_error_set(c->err, ADAC_E_INPUT, q,
					      "delay length %.17g is fractional but interp is 'none'",
					      d);
		c->total_delay += d;
	}
	if (c->total_delay > MAX_TOTAL_DELAY)
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "the document's delays add up to more than %ld samples",
				      MAX_TOTAL_DELAY);
	n->n_in = n->n_out = (int)len;
	if ((rc = port_new(c, port, n->n_in, 1, n->n_out, 1, ptr)) != ADAC_OK)
		return rc;
	/* only a delay of one sample or more breaks the dependence */
	for (i = 0; i < len && rc == ADAC_OK; i++)
		if (n->samples[i] < 1)
			rc = edge(c, port->in[i], port->out[i], ptr);
	return rc;
}

static int
parse_decay(struct ctx *c, struct adac_node *n, json_t *v, const char *ptr)
{
	static const char *const keys[] = {"control", "loop_samples", NULL};
	const struct adac_control *ctl;
	char p[ADAC_POINTER_MAX], q[ADAC_POINTER_MAX];
	const char *name;
	long len, i;
	int rc;

	if (!json_is_object(v))
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
				      "expected an object");
	if ((rc = check_keys(c, v, ptr, keys, "decay")) != ADAC_OK)
		return rc;
	n->decay = calloc(1, sizeof *n->decay);
	if (n->decay == NULL)
		return nomem(c, ptr);
	rc = adac_json_string(member(v, "control", ptr, p), p, &name, c->err);
	if (rc != ADAC_OK)
		return rc;
	ctl = adac_ir_control(c->ir, name);
	if (ctl == NULL)
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "no control named '%s'", name);
	if (strcmp(name, "rt60") != 0)
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "decay is driven by 'rt60', not '%s'",
				      name);
	n->decay->control = xstrdup(name);
	if (n->decay->control == NULL)
		return nomem(c, p);
	rc = adac_json_numbers(member(v, "loop_samples", ptr, p), p, n->n_in,
			       0, &n->decay->loop_samples, &len, c->err);
	if (rc != ADAC_OK)
		return rc;
	for (i = 0; i < len; i++)
		if (!(n->decay->loop_samples[i] >= 0)) {
			adac_ptr_index(q, p, (size_t)i);
			return adac_error_set(c->err, ADAC_E_INPUT, q,
					      "loop length %.17g is negative",
					      n->decay->loop_samples[i]);
		}
	return ADAC_OK;
}

static int
parse_gain(struct ctx *c, struct adac_node *n, json_t *v, const char *ptr,
	   struct port *port)
{
	static const char *const keys[] = {"op", "id", "values", "decay",
					   NULL};
	char p[ADAC_POINTER_MAX];
	json_t *d;
	long len, i;
	int rc;

	if ((rc = check_keys(c, v, ptr, keys, "gain")) != ADAC_OK)
		return rc;
	rc = adac_json_numbers(member(v, "values", ptr, p), p, -1,
			       ADAC_MAX_CHANNELS, &n->values, &len, c->err);
	if (rc != ADAC_OK)
		return rc;
	n->n_in = n->n_out = (int)len;
	d = member(v, "decay", ptr, p);
	if (d != NULL && (rc = parse_decay(c, n, d, p)) != ADAC_OK)
		return rc;
	if ((rc = port_new(c, port, n->n_in, 1, n->n_out, 1, ptr)) != ADAC_OK)
		return rc;
	/* a zero gain is no dependence */
	for (i = 0; i < len && rc == ADAC_OK; i++)
		if (n->values[i] != 0)
			rc = edge(c, port->in[i], port->out[i], ptr);
	return rc;
}

static const char *const nl_names[] = {
	[ADAC_NL_TANH] = "tanh", [ADAC_NL_CLIP] = "clip",
	[ADAC_NL_CUBIC] = "cubic",
};

const char *
adac_nl_name(enum adac_nl nl)
{
	if ((unsigned)nl >= sizeof nl_names / sizeof nl_names[0])
		return "?";
	return nl_names[nl];
}

/*
 * The same expressions, in the same order, as emit_faust.c writes, so
 * that the simulator and the program round alike: min and max are
 * exact, and v*v*v/3 is ((v*v)*v)/3 in FAUST as in C.
 */
double
adac_nl_eval(enum adac_nl nl, double u)
{
	double v;

	switch (nl) {
	case ADAC_NL_TANH:
		return tanh(u);
	case ADAC_NL_CLIP:
		return fmin(1.0, fmax(-1.0, u));
	case ADAC_NL_CUBIC:
		v = fmin(1.0, fmax(-1.0, u));
		return v - v * v * v / 3.0;
	}
	return u;
}

float
adac_nl_evalf(enum adac_nl nl, float u)
{
	float v;

	switch (nl) {
	case ADAC_NL_TANH:
		return tanhf(u);
	case ADAC_NL_CLIP:
		return fminf(1.0f, fmaxf(-1.0f, u));
	case ADAC_NL_CUBIC:
		v = fminf(1.0f, fmaxf(-1.0f, u));
		return v - v * v * v / 3.0f;
	}
	return u;
}

static int
parse_nonlinear(struct ctx *c, struct adac_node *n, json_t *v,
		const char *ptr, struct port *port)
{
	static const char *const keys[] = {"op", "id", "function", "in_gain",
					   "out_gain", NULL};
	char p[ADAC_POINTER_MAX];
	const char *fn;
	long len, len2, i;
	size_t k;
	int rc;

	if ((rc = check_keys(c, v, ptr, keys, "nonlinear")) != ADAC_OK)
		return rc;
	rc = adac_json_string(member(v, "function", ptr, p), p, &fn, c->err);
	if (rc != ADAC_OK)
		return rc;
	for (k = 0; k < sizeof nl_names / sizeof nl_names[0]; k++)
		if (strcmp(fn, nl_names[k]) == 0)
			break;
	if (k == sizeof nl_names / sizeof nl_names[0])
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "unknown function '%s'; expected 'tanh', 'clip' or 'cubic'",
				      fn);
	n->nl = (enum adac_nl)k;
	rc = adac_json_numbers(member(v, "in_gain", ptr, p), p, -1,
			       ADAC_MAX_CHANNELS, &n->in_gain, &len, c->err);
	if (rc != ADAC_OK)
		return rc;
	rc = adac_json_numbers(member(v, "out_gain", ptr, p), p, len, 0,
			       &n->out_gain, &len2, c->err);
	if (rc != ADAC_OK)
		return rc;
	n->n_in = n->n_out = (int)len;
	if ((rc = port_new(c, port, n->n_in, 1, n->n_out, 1, ptr)) != ADAC_OK)
		return rc;
	/* f(0) = 0 for every function: a zero gain is no dependence */
	for (i = 0; i < len && rc == ADAC_OK; i++)
		if (n->in_gain[i] != 0 && n->out_gain[i] != 0)
			rc = edge(c, port->in[i], port->out[i], ptr);
	return rc;
}

/*
 * The LFO's phase from an exact integer counter, not an accumulator:
 * a float accumulator adding 1/P would drift by up to half an ulp of
 * the phase every sample, and in a few seconds move the read pointer of
 * a float program by a sizeable part of a sample away from the
 * simulator's.  Both functions follow enum adac_lfo's comment operation
 * by operation, as emit_faust.c writes them.
 */
double
adac_moddelay_offset(const struct adac_node *n, int ch, long k)
{
	double inc = 1.0 / (double)n->period[ch], p;
	double beta = n->samples[ch] - floor(n->samples[ch]);

	p = n->phase[ch] + (double)k * inc;
	p = p - floor(p);
	return beta + n->depth[ch] * sin(ADAC_TWO_PI * p);
}

float
adac_moddelay_offsetf(const struct adac_node *n, int ch, long k)
{
	float inc = (float)(1.0 / (double)n->period[ch]), p;
	float beta = (float)(n->samples[ch] - floor(n->samples[ch]));

	p = (float)n->phase[ch] + (float)k * inc;
	p = p - floorf(p);
	return beta + (float)n->depth[ch] * sinf((float)ADAC_TWO_PI * p);
}

long
adac_moddelay_min_whole(const struct adac_node *n, int ch)
{
	double b = n->samples[ch], beta = b - floor(b), a = n->depth[ch];
	double qd = floor(beta - a);
	double qf = floor((double)((float)beta - (float)a));

	return (long)floor(b) + (long)(qd < qf ? qd : qf);
}

/* One array of len numbers, each checked by lo <= v (and v < hi). */
static int
mod_numbers(struct ctx *c, json_t *v, const char *ptr, const char *key,
	    long len, double **out)
{
	char p[ADAC_POINTER_MAX];
	long got;

	return adac_json_numbers(member(v, key, ptr, p), p, len,
				 len < 0 ? ADAC_MAX_CHANNELS : 0, out, &got,
				 c->err);
}

static int
parse_moddelay(struct ctx *c, struct adac_node *n, json_t *v,
	       const char *ptr, struct port *port)
{
	static const char *const keys[] = {"op", "id", "samples", "depth",
					   "rate_hz", "phase", "lfo", NULL};
	char p[ADAC_POINTER_MAX + 32];
	const char *lfo;
	double fs = c->ir->fs_hz;
	json_t *lv;
	long len, i;
	int rc;

	if ((rc = check_keys(c, v, ptr, keys, "moddelay")) != ADAC_OK)
		return rc;
	lv = member(v, "lfo", ptr, p);
	if (lv != NULL) {
		if ((rc = adac_json_string(lv, p, &lfo, c->err)) != ADAC_OK)
			return rc;
		if (strcmp(lfo, "sine") != 0)
			return adac_error_set(c->err, ADAC_E_INPUT, p,
					      "unknown lfo '%s'; expected 'sine'",
					      lfo);
	}
	n->lfo = ADAC_LFO_SINE;
	rc = adac_json_numbers(member(v, "samples", ptr, p), p, -1,
			       ADAC_MAX_CHANNELS, &n->samples, &len, c->err);
	if (rc != ADAC_OK ||
	    (rc = mod_numbers(c, v, ptr, "depth", len, &n->depth)) ||
	    (rc = mod_numbers(c, v, ptr, "rate_hz", len, &n->rate_hz)) ||
	    (rc = mod_numbers(c, v, ptr, "phase", len, &n->phase)))
		return rc;
	n->interp = ADAC_INTERP_LINEAR;
	n->period = calloc((size_t)len + 1, sizeof *n->period);
	if (n->period == NULL)
		return nomem(c, ptr);
	for (i = 0; i < len; i++) {
		double b = n->samples[i], a = n->depth[i], r = n->rate_hz[i];
		double ph = n->phase[i];

		snprintf(p, sizeof p, "%s/samples/%ld", ptr, i);
		if (b < 0)
			return adac_error_set(c->err, ADAC_E_INPUT, p,
					      "delay length %.17g is negative", b);
		if (b + a > ADAC_MAX_DELAY_SAMPLES)
			return adac_error_set(c->err, ADAC_E_INPUT, p,
					      "delay length %.17g plus depth %.17g is more than the limit of %d samples",
					      b, a, ADAC_MAX_DELAY_SAMPLES);
		snprintf(p, sizeof p, "%s/depth/%ld", ptr, i);
		if (a < 0)
			return adac_error_set(c->err, ADAC_E_INPUT, p,
					      "depth %.17g is negative", a);
		if (a > b)
			return adac_error_set(c->err, ADAC_E_INPUT, p,
					      "depth %.17g is more than the base length %.17g: the read pointer would pass the write pointer",
					      a, b);
		snprintf(p, sizeof p, "%s/rate_hz/%ld", ptr, i);
		if (r < 0)
			return adac_error_set(c->err, ADAC_E_INPUT, p,
					      "rate %.17g Hz is negative", r);
		if (r > fs / 2)
			return adac_error_set(c->err, ADAC_E_INPUT, p,
					      "rate %.17g Hz is above half the sample rate (%.17g Hz)",
					      r, fs / 2);
		if (r > 0 && !(fs / r <= ADAC_MAX_LFO_PERIOD - 0.5))
			return adac_error_set(c->err, ADAC_E_INPUT, p,
					      "rate %.17g Hz is below the slowest LFO, fs/2^24 = %.17g Hz (or 0 for none)",
					      r, fs / ADAC_MAX_LFO_PERIOD);
		n->period[i] = r > 0 ? (long)round(fs / r) : 1;
		snprintf(p, sizeof p, "%s/phase/%ld", ptr, i);
		if (!(ph >= 0 && ph < 1))
			return adac_error_set(c->err, ADAC_E_INPUT, p,
					      "phase %.17g is outside 0 to 1 (excluded), in cycles",
					      ph);
		/* the line holds up to floor(b + a) + 1 samples */
		c->total_delay += b + a + 1;
	}
	if (c->total_delay > MAX_TOTAL_DELAY)
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
				      "the document's delays add up to more than %ld samples",
				      MAX_TOTAL_DELAY);
	n->n_in = n->n_out = (int)len;
	if ((rc = port_new(c, port, n->n_in, 1, n->n_out, 1, ptr)) != ADAC_OK)
		return rc;
	/* the read pointer reaches x[n] (j = 0) when d can fall below 1 */
	for (i = 0; i < len && rc == ADAC_OK; i++)
		if (adac_moddelay_min_whole(n, (int)i) < 1)
			rc = edge(c, port->in[i], port->out[i], ptr);
	return rc;
}

static int
parse_long_array(struct ctx *c, json_t *v, const char *ptr, long n, long lo,
		 long hi, long **out)
{
	char q[ADAC_POINTER_MAX];
	long i;
	int rc;

	if (v == NULL || !json_is_array(v))
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
				      "expected an array of %ld whole numbers",
				      n);
	if ((long)json_array_size(v) != n)
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
				      "expected %ld whole numbers, got %zu", n,
				      json_array_size(v));
	*out = malloc(((size_t)n + 1) * sizeof **out);
	if (*out == NULL)
		return nomem(c, ptr);
	for (i = 0; i < n; i++) {
		adac_ptr_index(q, ptr, (size_t)i);
		rc = adac_json_integer(json_array_get(v, (size_t)i), q, lo, hi,
				       &(*out)[i], c->err);
		if (rc != ADAC_OK)
			return rc;
	}
	return ADAC_OK;
}

static int
is_power_of_two(int n)
{
	return n > 0 && (n & (n - 1)) == 0;
}

static int
parse_structure(struct ctx *c, struct adac_node *n, json_t *v,
		const char *ptr)
{
	static const char *const hh[] = {"kind", "u", "scale", NULL};
	static const char *const hd[] = {"kind", "scale", "row_perm",
					 "col_perm", "row_signs", "col_signs",
					 NULL};
	static const char *const pm[] = {"kind", "perm", "scale", NULL};
	static const char *const dg[] = {"kind", NULL};
	struct adac_structure *s = &n->structure;
	char p[ADAC_POINTER_MAX], q[ADAC_POINTER_MAX];
	const char *kind;
	json_t *x;
	long len, i, rows = n->n_out, cols = n->n_in;
	int rc, k;

	if (!json_is_object(v))
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
				      "expected an object");
	rc = adac_json_string(member(v, "kind", ptr, p), p, &kind, c->err);
	if (rc != ADAC_OK)
		return rc;
	s->scale = 1;
	x = member(v, "scale", ptr, p);
	if (x != NULL && (rc = adac_json_number(x, p, &s->scale, c->err)))
		return rc;
	if (strcmp(kind, "householder") != 0 && strcmp(kind, "hadamard") != 0 &&
	    strcmp(kind, "permutation") != 0 && strcmp(kind, "diagonal") != 0) {
		adac_ptr_key(p, ptr, "kind");
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "unknown structure '%s'; expected 'householder', 'hadamard', 'permutation' or 'diagonal'",
				      kind);
	}
	if (rows != cols)
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
				      "a %s matrix must be square, this one is %ld × %ld",
				      kind, rows, cols);
	if (strcmp(kind, "householder") == 0) {
		s->kind = ADAC_STRUCT_HOUSEHOLDER;
		if ((rc = check_keys(c, v, ptr, hh, "householder structure")))
			return rc;
		rc = adac_json_numbers(member(v, "u", ptr, p), p, rows, 0,
				       &s->u, &len, c->err);
		if (rc != ADAC_OK)
			return rc;
	} else if (strcmp(kind, "hadamard") == 0) {
		s->kind = ADAC_STRUCT_HADAMARD;
		if ((rc = check_keys(c, v, ptr, hd, "hadamard structure")))
			return rc;
		if (!is_power_of_two((int)rows))
			return adac_error_set(c->err, ADAC_E_INPUT, ptr,
					      "a Sylvester Hadamard matrix has a power-of-two size, not %ld",
					      rows);
		static const char *const pk[] = {"row_perm", "col_perm"};
		static const char *const sk[] = {"row_signs", "col_signs"};
		long **perms[2] = {&s->row_perm, &s->col_perm};
		double **signs[2] = {&s->row_signs, &s->col_signs};
		for (k = 0; k < 2; k++) {
			x = member(v, pk[k], ptr, p);
			if (x != NULL) {
				rc = parse_long_array(c, x, p, rows, 0,
						      rows - 1, perms[k]);
				if (rc != ADAC_OK)
					return rc;
			} else {
				*perms[k] = malloc((size_t)rows * sizeof(long));
				if (*perms[k] == NULL)
					return nomem(c, p);
				for (i = 0; i < rows; i++)
					(*perms[k])[i] = i;
			}
			x = member(v, sk[k], ptr, p);
			if (x != NULL) {
				rc = adac_json_numbers(x, p, rows, 0, signs[k],
						       &len, c->err);
				if (rc != ADAC_OK)
					return rc;
				for (i = 0; i < rows; i++)
					if ((*signs[k])[i] != 1 &&
					    (*signs[k])[i] != -1) {
						adac_ptr_index(q, p, (size_t)i);
						return adac_error_set(c->err,
							ADAC_E_INPUT, q,
							"a sign must be 1 or -1");
					}
			} else {
				*signs[k] = malloc((size_t)rows * sizeof(double));
				if (*signs[k] == NULL)
					return nomem(c, p);
				for (i = 0; i < rows; i++)
					(*signs[k])[i] = 1;
			}
		}
	} else if (strcmp(kind, "permutation") == 0) {
		s->kind = ADAC_STRUCT_PERMUTATION;
		if ((rc = check_keys(c, v, ptr, pm, "permutation structure")))
			return rc;
		rc = parse_long_array(c, member(v, "perm", ptr, p), p, rows, 0,
				      rows - 1, &s->perm);
		if (rc != ADAC_OK)
			return rc;
	} else {
		s->kind = ADAC_STRUCT_DIAGONAL;
		if ((rc = check_keys(c, v, ptr, dg, "diagonal structure")))
			return rc;
	}
	/* the claim is about the matrix node: errors point into its data */
	strcpy(q, ptr);
	q[strlen(q) - strlen("/structure")] = '\0';
	return adac_structure_check(s, n->data, (int)rows, (int)cols,
				    ADAC_STRUCTURE_TOL, q, c->err);
}

static int
parse_matrix(struct ctx *c, struct adac_node *n, json_t *v, const char *ptr,
	     struct port *port)
{
	static const char *const keys[] = {"op", "id", "data", "structure",
					   NULL};
	char p[ADAC_POINTER_MAX], q[ADAC_POINTER_MAX];
	json_t *data, *row, *s;
	size_t rows, cols, i, j;
	double *r;
	long len;
	int rc;

	if ((rc = check_keys(c, v, ptr, keys, "matrix")) != ADAC_OK)
		return rc;
	data = member(v, "data", ptr, p);
	if (data == NULL || !json_is_array(data) || json_array_size(data) == 0)
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "expected a non-empty array of rows");
	rows = json_array_size(data);
	row = json_array_get(data, 0);
	cols = json_is_array(row) ? json_array_size(row) : 0;
	if (rows > ADAC_MAX_CHANNELS || cols > ADAC_MAX_CHANNELS ||
	    (long)(rows * cols) > MAX_MATRIX_ENTRIES)
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "a %zu × %zu matrix is larger than the limit of %ld entries",
				      rows, cols, MAX_MATRIX_ENTRIES);
	n->data = malloc((rows * (cols ? cols : 1)) * sizeof *n->data);
	if (n->data == NULL)
		return nomem(c, p);
	for (i = 0; i < rows; i++) {
		adac_ptr_index(q, p, i);
		row = json_array_get(data, i);
		/* a row of another length is the row's fault; a bad entry its own */
		if (i > 0 && json_is_array(row) && json_array_size(row) != cols)
			return adac_error_set(c->err, ADAC_E_INPUT, q,
					      "row has %zu entries but row 0 has %zu",
					      json_array_size(row), cols);
		rc = adac_json_numbers(row, q, (long)cols, 0, &r, &len, c->err);
		if (rc != ADAC_OK)
			return rc;
		memcpy(n->data + i * cols, r, cols * sizeof *r);
		free(r);
	}
	n->n_out = (int)rows;
	n->n_in = (int)cols;
	n->structure.kind = ADAC_STRUCT_NONE;
	n->structure.scale = 1;
	s = member(v, "structure", ptr, p);
	if (s != NULL && (rc = parse_structure(c, n, s, p)) != ADAC_OK)
		return rc;
	if ((rc = port_new(c, port, n->n_in, 1, n->n_out, 1, ptr)) != ADAC_OK)
		return rc;
	/* out i depends on in j through every nonzero entry */
	for (i = 0; i < rows && rc == ADAC_OK; i++)
		for (j = 0; j < cols && rc == ADAC_OK; j++)
			if (n->data[i * cols + j] != 0)
				rc = edge(c, port->in[j], port->out[i], ptr);
	return rc;
}

static int
parse_sos(struct ctx *c, struct adac_node *n, json_t *v, const char *ptr,
	  struct port *port)
{
	static const char *const keys[] = {"op", "id", "sections", NULL};
	char p[ADAC_POINTER_MAX], q[ADAC_POINTER_MAX], r[ADAC_POINTER_MAX];
	json_t *secs, *sec;
	size_t ns, nc, s, ch;
	double *coef;
	long len;
	int rc;

	if ((rc = check_keys(c, v, ptr, keys, "sos")) != ADAC_OK)
		return rc;
	secs = member(v, "sections", ptr, p);
	if (secs == NULL || !json_is_array(secs) || json_array_size(secs) == 0)
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "expected a non-empty array of sections");
	ns = json_array_size(secs);
	if (ns > ADAC_MAX_SECTIONS)
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "%zu sections is more than the limit of %d",
				      ns, ADAC_MAX_SECTIONS);
	sec = json_array_get(secs, 0);
	nc = json_is_array(sec) ? json_array_size(sec) : 0;
	if (nc == 0 || nc > ADAC_MAX_CHANNELS) {
		adac_ptr_index(q, p, 0);
		return adac_error_set(c->err, ADAC_E_INPUT, q,
				      "expected an array of 1 to %d channels of [b0, b1, b2, a1, a2]",
				      ADAC_MAX_CHANNELS);
	}
	n->n_sections = (int)ns;
	n->n_in = n->n_out = (int)nc;
	n->sos = malloc(ns * nc * 5 * sizeof *n->sos);
	if (n->sos == NULL)
		return nomem(c, p);
	for (s = 0; s < ns; s++) {
		adac_ptr_index(q, p, s);
		sec = json_array_get(secs, s);
		if (!json_is_array(sec) || json_array_size(sec) != nc)
			return adac_error_set(c->err, ADAC_E_INPUT, q,
					      "section has %zu channels but section 0 has %zu",
					      json_is_array(sec) ? json_array_size(sec) : 0,
					      nc);
		for (ch = 0; ch < nc; ch++) {
			adac_ptr_index(r, q, ch);
			rc = adac_json_numbers(json_array_get(sec, ch), r, 5, 0,
					       &coef, &len, c->err);
			if (rc != ADAC_OK)
				return rc;
			memcpy(n->sos + (s * nc + ch) * 5, coef,
			       5 * sizeof *coef);
			free(coef);
		}
	}
	if ((rc = port_new(c, port, n->n_in, 1, n->n_out, 1, ptr)) != ADAC_OK)
		return rc;
	/* a section with b0 = 0 delays its channel by a sample or more */
	for (ch = 0; ch < nc && rc == ADAC_OK; ch++) {
		for (s = 0; s < ns; s++)
			if (n->sos[(s * nc + ch) * 5] == 0)
				break;
		if (s == ns)
			rc = edge(c, port->in[ch], port->out[ch], ptr);
	}
	return rc;
}

static const char *const op_names[] = {
	[ADAC_OP_SERIES] = "series", [ADAC_OP_PARALLEL] = "parallel",
	[ADAC_OP_FEEDBACK] = "feedback", [ADAC_OP_DELAY] = "delay",
	[ADAC_OP_GAIN] = "gain", [ADAC_OP_MATRIX] = "matrix",
	[ADAC_OP_SOS] = "sos", [ADAC_OP_NONLINEAR] = "nonlinear",
	[ADAC_OP_MODDELAY] = "moddelay",
};
_Static_assert(sizeof op_names / sizeof op_names[0] == ADAC_N_OPS,
	       "every op has a name");

int
adac_ir_n_children(const struct adac_node *n)
{
	switch (n->op) {
	case ADAC_OP_SERIES:
	case ADAC_OP_PARALLEL:
		return n->n_of;
	case ADAC_OP_FEEDBACK:
		return 2;
	case ADAC_OP_DELAY:
	case ADAC_OP_GAIN:
	case ADAC_OP_MATRIX:
	case ADAC_OP_SOS:
	case ADAC_OP_NONLINEAR:
	case ADAC_OP_MODDELAY:
		return 0;
	}
	return 0;
}

const struct adac_node *
adac_ir_child(const struct adac_node *n, int i)
{
	switch (n->op) {
	case ADAC_OP_SERIES:
	case ADAC_OP_PARALLEL:
		return i >= 0 && i < n->n_of ? n->of[i] : NULL;
	case ADAC_OP_FEEDBACK:
		return i == 0 ? n->forward : i == 1 ? n->back : NULL;
	case ADAC_OP_DELAY:
	case ADAC_OP_GAIN:
	case ADAC_OP_MATRIX:
	case ADAC_OP_SOS:
	case ADAC_OP_NONLINEAR:
	case ADAC_OP_MODDELAY:
		return NULL;
	}
	return NULL;
}

int
adac_ir_walk(const struct adac_node *n, adac_ir_visit pre,
	     adac_ir_visit post, void *arg)
{
	const struct adac_node *kid;
	int i, k, rc = pre != NULL ? pre(n, arg) : ADAC_OK;

	if (rc == ADAC_WALK_SKIP)
		return post != NULL ? post(n, arg) : ADAC_OK;
	if (rc != ADAC_OK)
		return rc;
	/* the count first: post may free n (and its children, before it) */
	k = adac_ir_n_children(n);
	for (i = 0; i < k; i++)
		if ((kid = adac_ir_child(n, i)) != NULL &&
		    (rc = adac_ir_walk(kid, pre, post, arg)) != ADAC_OK)
			return rc;
	return post != NULL ? post(n, arg) : ADAC_OK;
}

const char *
adac_op_name(enum adac_op op)
{
	if ((unsigned)op >= sizeof op_names / sizeof op_names[0])
		return "?";
	return op_names[op];
}

static int
parse_node(struct ctx *c, json_t *v, const char *ptr, int depth,
	   struct adac_node **out, struct port *port)
{
	char p[ADAC_POINTER_MAX];
	struct adac_node *n;
	const char *op, *id;
	json_t *idv;
	size_t k;
	int rc;

	*out = NULL;
	if (v == NULL)
		return adac_error_set(c->err, ADAC_E_INPUT, ptr, "missing node");
	if (!json_is_object(v))
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
				      "expected a node object");
	if (depth > ADAC_MAX_DEPTH)
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
				      "nodes are nested deeper than %d",
				      ADAC_MAX_DEPTH);
	if (++c->n_nodes > ADAC_MAX_NODES)
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
				      "more than %d nodes", ADAC_MAX_NODES);
	rc = adac_json_string(member(v, "op", ptr, p), p, &op, c->err);
	if (rc != ADAC_OK)
		return rc;
	for (k = 0; k < sizeof op_names / sizeof op_names[0]; k++)
		if (strcmp(op, op_names[k]) == 0)
			break;
	if (k == sizeof op_names / sizeof op_names[0])
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "unknown op '%s'", op);
	n = calloc(1, sizeof *n);
	if (n == NULL)
		return nomem(c, ptr);
	*out = n;
	n->op = (enum adac_op)k;
	n->pointer = xstrdup(ptr);
	if (n->pointer == NULL)
		return nomem(c, ptr);
	idv = member(v, "id", ptr, p);
	if (idv != NULL) {
		if ((rc = adac_json_string(idv, p, &id, c->err)) != ADAC_OK)
			return rc;
		if ((n->id = xstrdup(id)) == NULL)
			return nomem(c, p);
	}
	switch (n->op) {
	case ADAC_OP_SERIES: rc = parse_series(c, n, v, ptr, depth, port); break;
	case ADAC_OP_PARALLEL: rc = parse_parallel(c, n, v, ptr, depth, port); break;
	case ADAC_OP_FEEDBACK: rc = parse_feedback(c, n, v, ptr, depth, port); break;
	case ADAC_OP_DELAY: rc = parse_delay(c, n, v, ptr, port); break;
	case ADAC_OP_GAIN: rc = parse_gain(c, n, v, ptr, port); break;
	case ADAC_OP_MATRIX: rc = parse_matrix(c, n, v, ptr, port); break;
	case ADAC_OP_SOS: rc = parse_sos(c, n, v, ptr, port); break;
	case ADAC_OP_NONLINEAR: rc = parse_nonlinear(c, n, v, ptr, port); break;
	case ADAC_OP_MODDELAY: rc = parse_moddelay(c, n, v, ptr, port); break;
	}
	if (rc != ADAC_OK)
		return rc;
	/* what the dependence graph and every later stage allocate per channel */
	c->total_channels += n->n_in + n->n_out;
	if (c->total_channels > ADAC_MAX_TOTAL_CHANNELS)
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
				      "the nodes have more than %ld channels in all (inputs and outputs of every node)",
				      ADAC_MAX_TOTAL_CHANNELS);
	return ADAC_OK;
}
/* --- controls ------------------------------------------------------------ */

static const struct {
	const char *name, *unit;
	double lo, hi;	/* the range any position must stay in */
} control_kinds[] = {
	{"rt60", "s", 1e-3, 1e6},
	{"dry_wet", "", 0, 1},
	{"pre_delay", "ms", 0, MAX_PRE_DELAY_MS},
};

static int
parse_control(struct ctx *c, json_t *v, const char *ptr,
	      struct adac_control *ctl)
{
	static const char *const keys[] = {"name", "min", "max", "init",
					   "unit", "step", "label", NULL};
	char p[ADAC_POINTER_MAX];
	const char *name, *unit;
	json_t *u;
	size_t k;
	int rc;

	if ((ctl->pointer = xstrdup(ptr)) == NULL)
		return nomem(c, ptr);
	if (!json_is_object(v))
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
				      "expected a control object");
	if ((rc = check_keys(c, v, ptr, keys, "control")) != ADAC_OK)
		return rc;
	rc = adac_json_string(member(v, "name", ptr, p), p, &name, c->err);
	if (rc != ADAC_OK)
		return rc;
	for (k = 0; k < sizeof control_kinds / sizeof control_kinds[0]; k++)
		if (strcmp(name, control_kinds[k].name) == 0)
			break;
	if (k == sizeof control_kinds / sizeof control_kinds[0])
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "unknown control '%s'; expected 'rt60', 'dry_wet' or 'pre_delay'",
				      name);
	if ((ctl->name = xstrdup(name)) == NULL)
		return nomem(c, p);
	unit = control_kinds[k].unit;
	u = member(v, "unit", ptr, p);
	if (u != NULL && (rc = adac_json_string(u, p, &unit, c->err)))
		return rc;
	if (strcmp(unit, control_kinds[k].unit) != 0)
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "'%s' is measured in '%s', not '%s'",
				      name, control_kinds[k].unit, unit);
	if ((ctl->unit = xstrdup(unit)) == NULL)
		return nomem(c, p);
	if ((rc = adac_json_number(member(v, "min", ptr, p), p, &ctl->min,
				   c->err)) ||
	    (rc = adac_json_number(member(v, "max", ptr, p), p, &ctl->max,
				   c->err)) ||
	    (rc = adac_json_number(member(v, "init", ptr, p), p, &ctl->init,
				   c->err)))
		return rc;
	if (ctl->min < control_kinds[k].lo || ctl->max > control_kinds[k].hi) {
		adac_ptr_key(p, ptr, ctl->min < control_kinds[k].lo ? "min" : "max");
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "'%s' must stay within %g to %g", name,
				      control_kinds[k].lo, control_kinds[k].hi);
	}
	if (!(ctl->min <= ctl->init && ctl->init <= ctl->max)) {
		adac_ptr_key(p, ptr, "init");
		return adac_error_set(c->err, ADAC_E_INPUT, p,
				      "init %g is outside min %g to max %g",
				      ctl->init, ctl->min, ctl->max);
	}
	if ((u = member(v, "step", ptr, p)) != NULL) {
		if ((rc = adac_json_number(u, p, &ctl->step, c->err)))
			return rc;
		if (!(ctl->step > 0))
			return adac_error_set(c->err, ADAC_E_INPUT, p,
					      "step %g is not positive",
					      ctl->step);
	}
	if ((u = member(v, "label", ptr, p)) != NULL) {
		const char *label, *s;

		if ((rc = adac_json_string(u, p, &label, c->err)))
			return rc;
		/* it becomes a FAUST slider label: "...[meta]" */
		for (s = label; *s; s++)
			if (*s == '"' || *s == '\\' || *s == '[' || *s == ']' ||
			    (unsigned char)*s < 0x20)
				break;
		if (*label == '\0' || *s != '\0' || strlen(label) > 64)
			return adac_error_set(c->err, ADAC_E_INPUT, p,
			    "a label is 1 to 64 bytes without quotes, "
			    "backslashes, brackets or control characters");
		if ((ctl->label = xstrdup(label)) == NULL)
			return nomem(c, p);
	}
	return ADAC_OK;
}

static int
parse_controls(struct ctx *c, struct adac_ir *ir, json_t *v, const char *ptr)
{
	char q[ADAC_POINTER_MAX];
	size_t i, m;
	int j, rc;

	if (!json_is_array(v))
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
				      "expected an array of controls");
	m = json_array_size(v);
	if (m > 16)
		return adac_error_set(c->err, ADAC_E_INPUT, ptr,
				      "too many controls");
	ir->controls = calloc(m + 1, sizeof *ir->controls);
	if (ir->controls == NULL)
		return nomem(c, ptr);
	for (i = 0; i < m; i++) {
		adac_ptr_index(q, ptr, i);
		ir->n_controls++;
		rc = parse_control(c, json_array_get(v, i), q,
				   &ir->controls[i]);
		if (rc != ADAC_OK)
			return rc;
		for (j = 0; j < (int)i; j++)
			if (strcmp(ir->controls[j].name, ir->controls[i].name) == 0)
				return adac_error_set(c->err, ADAC_E_INPUT, q,
						      "control '%s' is given twice",
						      ir->controls[i].name);
	}
	return ADAC_OK;
}

/* --- the document -------------------------------------------------------- */

/*
 * Free-form members (source, certificate, x-*) are not validated, but a
 * NaN or infinity in them would make the canonical form invalid JSON.
 */
static int
check_finite(struct ctx *c, json_t *v, const char *ptr)
{
	char p[ADAC_POINTER_MAX];
	const char *key;
	json_t *item;
	size_t i;
	int rc;

	if (adac_json_is_nonfinite(v)) {
		double x;
		return adac_json_number(v, ptr, &x, c->err);
	}
	/* pointers are built only where there is something to look at */
	if (json_is_object(v)) {
		json_object_foreach(v, key, item) {
			if (!json_is_object(item) && !json_is_array(item) &&
			    !adac_json_is_nonfinite(item))
				continue;
			adac_ptr_key(p, ptr, key);
			if ((rc = check_finite(c, item, p)) != ADAC_OK)
				return rc;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			if (!json_is_object(item) && !json_is_array(item) &&
			    !adac_json_is_nonfinite(item))
				continue;
			adac_ptr_index(p, ptr, i);
			if ((rc = check_finite(c, item, p)) != ADAC_OK)
				return rc;
		}
	}
	return ADAC_OK;
}

/*
 * One reading of the document.  With check_loops, each feedback node
 * looks for a delay-free cycle as it closes, so that the first bad value
 * in document order is the one reported; that costs the size of every
 * loop's contents again for each loop around it.  Without, *cycle says
 * whether the graph read (all of it, or as far as the first error) has
 * a delay-free cycle, found in one pass over the whole graph.
 */
static int
parse_ir(json_t *root, struct adac_ir **out, struct adac_error *err,
	 int check_loops, int *cycle)
{
	static const char *const keys[] = {"adac", "name", "fs", "inputs",
					   "outputs", "graph", "controls",
					   "source", "certificate", NULL};
	struct ctx c = {err, 0, 0, 0, NULL, NULL, check_loops};
	struct port port = {0};
	struct adac_ir *ir;
	char p[ADAC_POINTER_MAX];
	const char *s;
	json_t *v;
	long n;
	int rc;

	if (!json_is_object(root))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "expected an IR object");
	ir = calloc(1, sizeof *ir);
	if (ir == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	c.ir = ir;
	ir->json = json_incref(root);
	if ((c.dep = adac_dep_new()) == NULL) {
		rc = nomem(&c, "");
		goto out;
	}
	v = member(root, "adac", "", p);
	if (v == NULL) {
		rc = adac_error_set(err, ADAC_E_INPUT, p,
				    "missing \"adac\": \"%s\"; is this an IR?",
				    ADAC_IR_VERSION);
		goto out;
	}
	if ((rc = adac_json_string(v, p, &s, err)) != ADAC_OK)
		goto out;
	if (strcmp(s, ADAC_IR_VERSION) != 0) {
		rc = adac_error_set(err, ADAC_E_INPUT, p,
				    "unsupported IR version '%s'; expected '%s'",
				    s, ADAC_IR_VERSION);
		goto out;
	}
	if ((rc = check_keys(&c, root, "", keys, "the IR")) != ADAC_OK ||
	    (rc = check_finite(&c, root, "")) != ADAC_OK)
		goto out;
	if ((rc = adac_json_string(member(root, "name", "", p), p, &s, err)))
		goto out;
	if (s[0] == '\0') {
		rc = adac_error_set(err, ADAC_E_INPUT, p, "name is empty");
		goto out;
	}
	if ((ir->name = xstrdup(s)) == NULL) {
		rc = nomem(&c, p);
		goto out;
	}
	if ((rc = adac_json_number(member(root, "fs", "", p), p, &ir->fs_hz,
				   err)))
		goto out;
	if (!(ir->fs_hz > 0 && ir->fs_hz <= ADAC_MAX_FS_HZ)) {
		rc = adac_error_set(err, ADAC_E_INPUT, p,
				    "sample rate %.17g Hz is outside 0 (excluded) to %.0f Hz",
				    ir->fs_hz, ADAC_MAX_FS_HZ);
		goto out;
	}
	if ((rc = adac_json_integer(member(root, "inputs", "", p), p, 1,
				    ADAC_MAX_CHANNELS, &n, err)))
		goto out;
	ir->inputs = (int)n;
	if ((rc = adac_json_integer(member(root, "outputs", "", p), p, 1,
				    ADAC_MAX_CHANNELS, &n, err)))
		goto out;
	ir->outputs = (int)n;
	v = member(root, "controls", "", p);
	if (v != NULL && (rc = parse_controls(&c, ir, v, p)) != ADAC_OK)
		goto out;
	v = member(root, "source", "", p);
	if (v != NULL && !json_is_object(v)) {
		rc = adac_error_set(err, ADAC_E_INPUT, p, "expected an object");
		goto out;
	}
	v = member(root, "certificate", "", p);
	if (v != NULL && !json_is_object(v)) {
		rc = adac_error_set(err, ADAC_E_INPUT, p, "expected an object");
		goto out;
	}
	rc = parse_node(&c, member(root, "graph", "", p), p, 0, &ir->graph,
			&port);
	if (!check_loops && rc != ADAC_E_NOMEM) {
		*cycle = adac_dep_has_cycle(c.dep);
		if (*cycle < 0)
			rc = nomem(&c, "");
	}
	if (rc != ADAC_OK || (!check_loops && *cycle))
		goto out;
	ir->n_nodes = c.n_nodes;
	if (ir->graph->n_in != ir->inputs) {
		rc = adac_error_set(err, ADAC_E_INPUT, "/inputs",
				    "the document says %d inputs but the graph has %d",
				    ir->inputs, ir->graph->n_in);
		goto out;
	}
	if (ir->graph->n_out != ir->outputs) {
		rc = adac_error_set(err, ADAC_E_INPUT, "/outputs",
				    "the document says %d outputs but the graph has %d",
				    ir->outputs, ir->graph->n_out);
		goto out;
	}
	if (adac_ir_control(ir, "dry_wet") != NULL &&
	    ir->inputs != ir->outputs) {
		rc = adac_error_set(err, ADAC_E_INPUT,
				    adac_ir_control(ir, "dry_wet")->pointer,
				    "'dry_wet' needs as many inputs as outputs, the graph has %d and %d",
				    ir->inputs, ir->outputs);
		goto out;
	}
out:
	port_free(&port);
	adac_dep_free(c.dep);
	/* a document with a cycle is read again: this reading is no result */
	if (rc != ADAC_OK || (!check_loops && *cycle)) {
		adac_ir_free(ir);
		return rc;
	}
	*out = ir;
	return ADAC_OK;
}

int
adac_ir_parse(json_t *root, struct adac_ir **out, struct adac_error *err)
{
	int cycle = 0, rc;

	/*
	 * A valid document is read once and its loops checked together, in
	 * time linear in its size.  Only when some loop has no delay is it
	 * read again, checking loop by loop, to name the right one.
	 */
	rc = parse_ir(root, out, err, 0, &cycle);
	if (rc == ADAC_E_NOMEM || !cycle)
		return rc;
	return parse_ir(root, out, err, 1, NULL);
}

int
adac_ir_parse_text(const char *buf, size_t len, struct adac_ir **out,
		   struct adac_error *err)
{
	json_t *root = adac_json_load(buf, len, err);
	int rc;

	if (root == NULL)
		return err != NULL ? err->code : ADAC_E_INPUT;
	rc = adac_ir_parse(root, out, err);
	json_decref(root);
	return rc;
}

void
adac_ir_free(struct adac_ir *ir)
{
	int i;

	if (ir == NULL)
		return;
	node_free(ir->graph);
	for (i = 0; i < ir->n_controls; i++) {
		free(ir->controls[i].name);
		free(ir->controls[i].unit);
		free(ir->controls[i].label);
		free(ir->controls[i].pointer);
	}
	free(ir->controls);
	free(ir->name);
	json_decref(ir->json);
	free(ir);
}

const struct adac_control *
adac_ir_control(const struct adac_ir *ir, const char *name)
{
	int i;

	for (i = 0; i < ir->n_controls; i++)
		if (ir->controls[i].name != NULL &&
		    strcmp(ir->controls[i].name, name) == 0)
			return &ir->controls[i];
	return NULL;
}

const char *
adac_control_label(const struct adac_control *c)
{
	return c->label != NULL ? c->label : c->name;
}

char *
adac_ir_canonical(const struct adac_ir *ir, int with_certificate)
{
	json_t *copy;
	char *s;

	if (with_certificate || json_object_get(ir->json, "certificate") == NULL)
		return adac_json_dumps(ir->json);
	copy = json_copy(ir->json);	/* shallow: members are shared */
	if (copy == NULL)
		return NULL;
	json_object_del(copy, "certificate");
	s = adac_json_dumps(copy);
	json_decref(copy);
	return s;
}

int
adac_ir_hash(const struct adac_ir *ir, char hex[65], struct adac_error *err)
{
	char *text = adac_ir_canonical(ir, 0);

	if (text == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	adac_sha256_hex(text, strlen(text), hex);
	free(text);
	return ADAC_OK;
}
