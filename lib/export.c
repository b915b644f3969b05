/*
 * export.c - an IR written back as the reference implementation's model
 * configuration (export.h).
 *
 * The walk goes down the validated tree and the IR's JSON side by side:
 * the tree knows channel counts and kinds, the JSON holds what was
 * written (an explicit "interp", a structure claim) so that it can be
 * carried over as written.
 */
#include "export.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "json.h"
#include "lower.h"

struct ex {
	const struct adac_ir *ir;
	struct adac_error *err;
};

static int
nomem(struct ex *x)
{
	return adac_error_set(x->err, ADAC_E_NOMEM, "", "out of memory");
}

static json_t *
reals(const double *v, int n)
{
	return adac_build_reals(v, n);
}

/* {"type": type, "name": id} */
static json_t *
base(const struct adac_node *n, const char *type)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "type", json_string(type));
	if (n->id != NULL)
		json_object_set_new(o, "name", json_string(n->id));
	return o;
}

/* A Leaf of module_type with its channel counts and params (stolen). */
static json_t *
leaf(const struct adac_node *n, const char *module_type, json_t *params)
{
	json_t *o = base(n, "Leaf");

	if (o == NULL || params == NULL) {
		json_decref(o);
		json_decref(params);
		return NULL;
	}
	json_object_set_new(o, "module_type", json_string(module_type));
	json_object_set_new(o, "input_channels", json_integer(n->n_in));
	json_object_set_new(o, "output_channels", json_integer(n->n_out));
	json_object_set_new(o, "params", params);
	return o;
}

/* o[key][k] = v (v stolen), creating o[key] */
static void
meta(json_t *o, const char *key, const char *k, json_t *v)
{
	json_t *m = json_object_get(o, key);

	if (m == NULL) {
		m = json_object();
		json_object_set_new(o, key, m);
	}
	json_object_set_new(m, k, v);
}

static int
is_decay_gain(const struct adac_node *n)
{
	return n->op == ADAC_OP_GAIN && n->decay != NULL;
}

static json_t *node_config(struct ex *x, const struct adac_node *n,
			   const json_t *j);

static json_t *
export_delay(const struct adac_node *n, const json_t *j)
{
	const char *interp = json_string_value(json_object_get(j, "interp"));
	json_t *params = json_object(), *o, *ints;
	int ch, frac = 0;

	for (ch = 0; ch < n->n_in; ch++)
		frac |= n->samples[ch] != floor(n->samples[ch]);
	if (params == NULL)
		return NULL;
	if (!frac) {
		json_object_set_new(params, "samples",
				    reals(n->samples, n->n_in));
	} else {
		/* as flamo_to_json writes a fractional delay */
		ints = json_array();
		for (ch = 0; ints != NULL && ch < n->n_in; ch++)
			json_array_append_new(ints, json_real(
			    nearbyint(n->samples[ch])));
		json_object_set_new(params, "samples", ints);
		json_object_set_new(params, "samples_fractional",
				    reals(n->samples, n->n_in));
	}
	o = leaf(n, "parallelDelay", params);
	if (o == NULL)
		return NULL;
	if (frac)
		meta(o, "flamo", "isint", json_false());
	/* lowering writes "linear" for a fractional delay and nothing else */
	if (interp != NULL && !(frac && strcmp(interp, "linear") == 0))
		meta(o, "adac", "interp", json_string(interp));
	return o;
}

static json_t *
matrix_rows(const struct adac_node *n)
{
	json_t *rows = json_array();
	int r;

	for (r = 0; rows != NULL && r < n->n_out; r++)
		json_array_append_new(rows, reals(n->data + (size_t)r * n->n_in,
						  n->n_in));
	return rows;
}

/*
 * Does lowering the single leaf cfg at the IR's rate give node j back
 * exactly?  (A FLAMO module type that recomputes its matrix may not.)
 */
static int
leaf_returns(struct ex *x, json_t *cfg, const json_t *j)
{
	struct adac_error e;
	json_t *doc = json_deep_copy(cfg), *ir = NULL, *want;
	char *a = NULL, *b = NULL;
	int same = 0;

	if (doc == NULL)
		return 0;
	json_object_set_new(doc, "fs", json_real(x->ir->fs_hz));
	want = json_deep_copy(j);
	if (want != NULL && adac_lower_adac(doc, &ir, &e) == ADAC_OK) {
		json_t *g = json_object_get(ir, "graph");
		a = adac_json_dumps_compact(g);
		b = adac_json_dumps_compact(want);
		same = a != NULL && b != NULL && strcmp(a, b) == 0;
	}
	free(a);
	free(b);
	json_decref(want);
	json_decref(ir);
	json_decref(doc);
	return same;
}

static json_t *
export_matrix(struct ex *x, const struct adac_node *n, const json_t *j)
{
	const struct adac_structure *st = &n->structure;
	const json_t *claim = json_object_get(j, "structure");
	json_t *params = json_object(), *o, *u;
	int i;

	if (params == NULL)
		return NULL;
	json_object_set_new(params, "matrix", matrix_rows(n));
	/*
	 * FLAMO's own module for a Householder reflection, so that training
	 * goes on with u; kept only when lowering gives the IR back
	 */
	if (st->kind == ADAC_STRUCT_HOUSEHOLDER && st->scale == 1.0 &&
	    n->n_in == n->n_out) {
		o = leaf(n, "HouseholderMatrix", json_deep_copy(params));
		u = json_array();
		for (i = 0; o != NULL && u != NULL && i < n->n_in; i++)
			json_array_append_new(u, json_pack("[f]", st->u[i]));
		if (o != NULL && u != NULL) {
			meta(o, "flamo", "param_raw", u);
			u = NULL;
			meta(o, "adac", "structure", json_deep_copy(claim));
			if (leaf_returns(x, o, j)) {
				json_decref(params);
				return o;
			}
		}
		json_decref(u);
		json_decref(o);
	}
	o = leaf(n, "Matrix", params);
	if (o == NULL)
		return NULL;
	/* the claim as written; none stops recognition from adding one */
	meta(o, "adac", "structure", claim != NULL ? json_deep_copy(claim) :
	     json_null());
	return o;
}

static json_t *
export_sos(const struct adac_node *n)
{
	json_t *params = json_object(), *secs = json_array(), *sec;
	int s, ch;

	if (params == NULL || secs == NULL) {
		json_decref(params);
		json_decref(secs);
		return NULL;
	}
	for (s = 0; s < n->n_sections; s++) {
		sec = json_array();
		for (ch = 0; sec != NULL && ch < n->n_in; ch++)
			json_array_append_new(sec, reals(n->sos +
			    ((size_t)s * n->n_in + ch) * 5, 5));
		json_array_append_new(secs, sec);
	}
	json_object_set_new(params, "sos", secs);
	return leaf(n, "parallelSOSFilter", params);
}

/*
 * Branches [from, n_of) of a parallel: FLAMO's Parallel takes two, so
 * the rest of three or more goes into a Parallel that says it continues.
 */
static json_t *
branches(struct ex *x, const struct adac_node *n, const json_t *j, int from)
{
	json_t *kids = json_array(), *k, *rest;
	const json_t *of = json_object_get(j, "of");
	int i;

	if (kids == NULL)
		return NULL;
	for (i = from; i < n->n_of; i++) {
		if (i == from + 1 && n->n_of - from > 2) {
			rest = json_object();
			k = branches(x, n, j, i);
			if (rest == NULL || k == NULL) {
				json_decref(rest);
				json_decref(k);
				goto fail;
			}
			json_object_set_new(rest, "type", json_string("Parallel"));
			json_object_set_new(rest, "sum_output",
					    json_boolean(n->out == ADAC_OUT_SUM));
			meta(rest, "adac", "continues", json_true());
			json_object_set_new(rest, "children", k);
			json_array_append_new(kids, rest);
			return kids;
		}
		k = node_config(x, n->of[i], json_array_get(of, (size_t)i));
		if (k == NULL)
			goto fail;
		json_array_append_new(kids, k);
	}
	return kids;
fail:
	json_decref(kids);
	return NULL;
}

static json_t *
node_config(struct ex *x, const struct adac_node *n, const json_t *j)
{
	const json_t *of = json_object_get(j, "of");
	json_t *o, *kids, *k;
	int i;

	switch (n->op) {
	case ADAC_OP_SERIES:
		o = base(n, "Series");
		kids = json_array();
		if (o == NULL || kids == NULL) {
			json_decref(kids);
			goto fail;
		}
		json_object_set_new(o, "children", kids);
		for (i = 0; i < n->n_of; i++) {
			/* the rt60 control puts these back */
			if (is_decay_gain(n->of[i]))
				continue;
			k = node_config(x, n->of[i], json_array_get(of, (size_t)i));
			if (k == NULL)
				goto fail;
			json_array_append_new(kids, k);
		}
		return o;
	case ADAC_OP_PARALLEL:
		if (n->in == ADAC_IN_STACK) {
			adac_error_set(x->err, ADAC_E_INPUT, n->pointer,
			    "a parallel with in 'stack' has no counterpart in "
			    "the config format: FLAMO's Parallel gives every "
			    "branch the same input");
			return NULL;
		}
		o = base(n, "Parallel");
		if (o == NULL)
			goto nomem;
		json_object_set_new(o, "sum_output",
				    json_boolean(n->out == ADAC_OUT_SUM));
		if ((kids = branches(x, n, j, 0)) == NULL)
			goto fail;
		json_object_set_new(o, "children", kids);
		return o;
	case ADAC_OP_FEEDBACK:
		o = base(n, "Recursion");
		if (o == NULL)
			goto nomem;
		if ((k = node_config(x, n->forward,
				     json_object_get(j, "forward"))) == NULL)
			goto fail;
		json_object_set_new(o, "fF", k);
		if ((k = node_config(x, n->back,
				     json_object_get(j, "back"))) == NULL)
			goto fail;
		json_object_set_new(o, "fB", k);
		return o;
	case ADAC_OP_DELAY:
		if ((o = export_delay(n, j)) == NULL)
			goto nomem;
		return o;
	case ADAC_OP_GAIN:
		/* a decay gain anywhere else than in a series stays a gain:
		 * the round-trip check refuses it */
		o = leaf(n, "parallelGain", json_pack("{s:o}", "gains",
						      reals(n->values, n->n_in)));
		if (o == NULL)
			goto nomem;
		return o;
	case ADAC_OP_MATRIX:
		if ((o = export_matrix(x, n, j)) == NULL)
			goto nomem;
		return o;
	case ADAC_OP_SOS:
		if ((o = export_sos(n)) == NULL)
			goto nomem;
		return o;
	case ADAC_OP_MODDELAY:
		adac_error_set(x->err, ADAC_E_INPUT, n->pointer,
		    "a modulated delay has no counterpart in the config "
		    "format: the reference's delays have fixed lengths");
		return NULL;
	case ADAC_OP_NONLINEAR:
		adac_error_set(x->err, ADAC_E_INPUT, n->pointer,
		    "a nonlinear node has no counterpart in the config "
		    "format: the reference's modules are linear");
		return NULL;
	}
	return NULL;
nomem:
	nomem(x);
	return NULL;
fail:
	if (x->err != NULL && x->err->code == ADAC_OK)
		nomem(x);
	json_decref(o);
	return NULL;
}

static json_t *
controls(const struct adac_ir *ir)
{
	json_t *o = json_object(), *c;
	int k;

	for (k = 0; o != NULL && k < ir->n_controls; k++) {
		const struct adac_control *ctl = &ir->controls[k];

		c = json_pack("{s:f, s:f, s:f}", "init", ctl->init, "min",
			      ctl->min, "max", ctl->max);
		if (c == NULL) {
			json_decref(o);
			return NULL;
		}
		if (ctl->step > 0)
			json_object_set_new(c, "step", json_real(ctl->step));
		if (ctl->label != NULL)
			json_object_set_new(c, "label", json_string(ctl->label));
		json_object_set_new(o, ctl->name, c);
	}
	return o;
}

/*
 * The first place where a and b differ (numbers by value), below ptr,
 * into out.  Returns 1 when they differ.
 */
static int
first_diff(const json_t *a, const json_t *b, const char *ptr, char *out)
{
	char p[ADAC_POINTER_MAX];
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_number(a) && json_is_number(b)) {
		if (json_number_value(a) == json_number_value(b) &&
		    signbit(json_number_value(a)) ==
		    signbit(json_number_value(b)))
			return 0;
	} else if (json_is_object(a) && json_is_object(b)) {
		json_object_foreach((json_t *)a, key, v) {
			adac_ptr_key(p, ptr, key);
			if (first_diff(v, json_object_get(b, key), p, out))
				return 1;
		}
		json_object_foreach((json_t *)b, key, v)
			if (json_object_get(a, key) == NULL) {
				adac_ptr_key(out, ptr, key);
				return 1;
			}
		return 0;
	} else if (json_is_array(a) && json_is_array(b)) {
		for (i = 0; i < json_array_size(a); i++) {
			adac_ptr_index(p, ptr, i);
			if (first_diff(json_array_get(a, i),
				       json_array_get(b, i), p, out))
				return 1;
		}
		if (json_array_size(a) == json_array_size(b))
			return 0;
	} else if (a != NULL && b != NULL && !json_is_number(a) &&
		   !json_is_number(b) && json_equal((json_t *)a, (json_t *)b)) {
		return 0;
	}
	snprintf(out, ADAC_POINTER_MAX, "%s", ptr);
	return 1;
}

/* Top-level x- members are notes that mean nothing to any tool; the config
 * has nowhere to keep them, and losing them changes no sample. */
static void
drop_extensions(json_t *doc)
{
	const char *k;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(doc, tmp, k, v)
		if (strncmp(k, "x-", 2) == 0)
			json_object_del(doc, k);
}

/* Lower cfg and find where it differs from the IR, if anywhere. */
static int
check_round_trip(struct ex *x, const json_t *cfg)
{
	struct adac_error e;
	json_t *back = NULL, *want = NULL;
	char p[ADAC_POINTER_MAX];
	int rc;

	rc = adac_lower(cfg, ADAC_LOWER_ADAC, &back, &e);
	if (rc == ADAC_E_NOMEM)
		return nomem(x);
	if (rc != ADAC_OK)
		return adac_error_set(x->err, ADAC_E_INPUT, "/graph",
		    "the config format cannot express this IR: its export "
		    "does not lower (%s: %s)", e.pointer, e.text);
	want = json_deep_copy(x->ir->json);
	if (want == NULL) {
		json_decref(back);
		return nomem(x);
	}
	json_object_del(want, "source");
	json_object_del(want, "certificate");
	drop_extensions(want);
	json_object_del(back, "source");
	rc = ADAC_OK;
	if (first_diff(want, back, "", p))
		rc = adac_error_set(x->err, ADAC_E_INPUT, p,
		    "the config format cannot express this exactly: lowering "
		    "the export gives something else here");
	json_decref(want);
	json_decref(back);
	return rc;
}

int
adac_export_adac(const struct adac_ir *ir, json_t **config,
		 struct adac_error *err)
{
	struct ex x = {ir, err};
	json_t *shell = NULL, *core, *ctl;
	int rc;

	if (err != NULL)
		adac_error_clear(err);
	core = node_config(&x, ir->graph, json_object_get(ir->json, "graph"));
	if (core == NULL)
		return err != NULL && err->code != ADAC_OK ? err->code :
		       ADAC_E_NOMEM;
	/* flamo_to_json's root: FLAMO's Shell around the core */
	shell = json_pack("{s:s, s:s, s:[o], s:f}", "type", "Shell", "name",
			  ir->name, "children", core, "fs", ir->fs_hz);
	if (shell == NULL)
		return nomem(&x);
	if (ir->n_controls > 0) {
		if ((ctl = controls(ir)) == NULL) {
			json_decref(shell);
			return nomem(&x);
		}
		json_object_set_new(shell, "controls", ctl);
	}
	if ((rc = check_round_trip(&x, shell)) != ADAC_OK) {
		json_decref(shell);
		return rc;
	}
	*config = shell;
	return ADAC_OK;
}
