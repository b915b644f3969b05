#include "controls.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "json.h"

enum { MIN, MAX, INIT, STEP, N_FIELDS };

static const char *const field_names[N_FIELDS] = {"min", "max", "init",
						  "step"};

/* The three controls: defaults and the range adac-ir(5) allows. */
static const struct kind {
	const char *name, *unit;
	double dflt[3];		/* min, max, init */
	double lo, hi;
	const char *order;	/* the range rule, as an error states it */
} kinds[] = {
	{"rt60", "s", {ADAC_RT60_MIN_S, ADAC_RT60_MAX_S, ADAC_RT60_INIT_S},
	 1e-3, 1e6, "0 < MIN <= INIT <= MAX"},
	{"dry_wet", "", {0, 1, 1}, 0, 1, "0 <= MIN <= INIT <= MAX <= 1"},
	{"pre_delay", "ms", {0, ADAC_PRE_DELAY_MAX_MS, 0}, 0, 10000,
	 "0 <= MIN <= INIT <= MAX <= 10000"},
};
#define N_KINDS ((int)(sizeof kinds / sizeof kinds[0]))

/* What is asked of one control. */
struct want {
	int on;
	int given[N_FIELDS];
	double v[N_FIELDS];
	int has_label;
	char label[ADAC_CONTROL_LABEL_MAX + 1];
	/* where it was asked: a spec, or a config pointer */
	const char *spec;
	char ptr[ADAC_POINTER_MAX];
};

static int
kind_of(const char *name, size_t len)
{
	int k;

	for (k = 0; k < N_KINDS; k++)
		if (strlen(kinds[k].name) == len &&
		    strncmp(kinds[k].name, name, len) == 0)
			return k;
	return -1;
}

/*
 * Where a bad value of w is reported: its config pointer (with the field
 * appended when there is one), else "" and the spec quoted in the text.
 */
static int fail(const struct want *w, const char *field,
		struct adac_error *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
fail(const struct want *w, const char *field, struct adac_error *err,
     const char *fmt, ...)
{
	char p[ADAC_POINTER_MAX], text[ADAC_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (w->spec != NULL)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "--control '%s': %s", w->spec, text);
	if (field != NULL)
		adac_ptr_key(p, w->ptr, field);
	else
		snprintf(p, sizeof p, "%s", w->ptr);
	return adac_error_set(err, ADAC_E_INPUT, p, "%s", text);
}

/*
 * A label becomes a FAUST slider label: a quote or a backslash would end
 * or escape the string, brackets would read as metadata.
 */
static int
set_label(struct want *w, const char *s, size_t len, struct adac_error *err)
{
	size_t i;

	if (len == 0)
		return fail(w, "label", err, "a label cannot be empty");
	if (len > ADAC_CONTROL_LABEL_MAX)
		return fail(w, "label", err, "a label is at most %d bytes",
			    ADAC_CONTROL_LABEL_MAX);
	for (i = 0; i < len; i++)
		if (s[i] == '"' || s[i] == '\\' || s[i] == '[' ||
		    s[i] == ']' || (unsigned char)s[i] < 0x20)
			return fail(w, "label", err,
				    "a label cannot hold quotes, backslashes, "
				    "brackets or control characters");
	memcpy(w->label, s, len);
	w->label[len] = '\0';
	w->has_label = 1;
	return ADAC_OK;
}

/* A finite number filling s[0, len) exactly. */
static int
number(const char *s, size_t len, double *v)
{
	char buf[64], *end;

	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*v = strtod(buf, &end);
	return *end == '\0' && isfinite(*v) ? 0 : -1;
}

/* The short forms: rt60=MIN:MAX:INIT, dry_wet=INIT, pre_delay=MAX_MS. */
static int
parse_positional(int k, const char *s, size_t len, struct want *w,
		 struct adac_error *err)
{
	static const int slots[][3] = {{MIN, MAX, INIT}, {INIT}, {MAX}};
	static const int n_slots[] = {3, 1, 1};
	static const char *const forms[] = {
		"expected rt60=MIN:MAX:INIT in seconds",
		"expected dry_wet=INIT from 0 to 1",
		"expected pre_delay=MAX_MS above 0",
	};
	size_t a = 0, b;
	int f = 0;

	for (;;) {
		for (b = a; b < len && s[b] != ':'; b++)
			;
		if (f == n_slots[k])
			return fail(w, NULL, err, "%s", forms[k]);
		if (b > a) {
			if (number(s + a, b - a, &w->v[slots[k][f]]) != 0)
				return fail(w, NULL, err, "%s", forms[k]);
			w->given[slots[k][f]] = 1;
		}
		f++;
		if (b == len)
			break;
		a = b + 1;
	}
	if (k == 2 && !(w->v[MAX] > 0))
		return fail(w, NULL, err, "%s", forms[k]);
	return ADAC_OK;
}

static int
parse_spec(const char *spec, struct want *wants, struct adac_error *err)
{
	size_t n = strcspn(spec, "=,"), len, a, e;
	const char *s = spec + n;
	struct want w;
	int k = kind_of(spec, n), f;

	memset(&w, 0, sizeof w);
	w.on = 1;
	w.spec = spec;
	if (k < 0)
		return fail(&w, NULL, err, "unknown control; expected rt60, "
			    "dry_wet or pre_delay");
	if (*s == '=') {
		s++;
		len = strcspn(s, ",");
		if (len == 3 && strncmp(s, "off", 3) == 0 && s[3] == '\0') {
			w.on = 0;
			wants[k] = w;
			return ADAC_OK;
		}
		if (parse_positional(k, s, len, &w, err) != ADAC_OK)
			return err != NULL ? err->code : ADAC_E_INPUT;
		s += len;
	}
	while (*s == ',') {
		s++;
		a = strcspn(s, "=,");
		if (s[a] != '=')
			return fail(&w, NULL, err, "expected KEY=VALUE after "
				    "a comma, with KEY init, min, max, step or "
				    "label");
		if (a == 5 && strncmp(s, "label", 5) == 0) {
			/* a label may hold commas: it takes the rest */
			if (set_label(&w, s + 6, strlen(s + 6), err))
				return err != NULL ? err->code : ADAC_E_INPUT;
			s += strlen(s);
			break;
		}
		for (f = 0; f < N_FIELDS; f++)
			if (strlen(field_names[f]) == a &&
			    strncmp(s, field_names[f], a) == 0)
				break;
		if (f == N_FIELDS)
			return fail(&w, NULL, err, "unknown key; expected "
				    "init, min, max, step or label");
		e = strcspn(s + a + 1, ",");
		if (number(s + a + 1, e, &w.v[f]) != 0)
			return fail(&w, NULL, err, "%s needs a finite number",
				    field_names[f]);
		w.given[f] = 1;
		s += a + 1 + e;
	}
	wants[k] = w;
	return ADAC_OK;
}

static int
parse_config(const json_t *obj, struct want *wants, struct adac_error *err)
{
	char p[ADAC_POINTER_MAX], q[ADAC_POINTER_MAX];
	const char *key, *fkey, *label;
	json_t *v, *fv;
	struct want w;
	int k, f, rc;

	if (!json_is_object(obj))
		return adac_error_set(err, ADAC_E_INPUT, "/controls",
				      "expected an object of controls, got %s",
				      adac_json_type_name(obj));
	json_object_foreach((json_t *)obj, key, v) {
		adac_ptr_key(p, "/controls", key);
		k = kind_of(key, strlen(key));
		if (k < 0)
			return adac_error_set(err, ADAC_E_INPUT, p,
			    "unknown control '%s'; expected rt60, dry_wet or "
			    "pre_delay", key);
		memset(&w, 0, sizeof w);
		snprintf(w.ptr, sizeof w.ptr, "%s", p);
		/* the reference's rule: true is the defaults, false or null
		 * leaves the control out */
		if (json_is_true(v) || json_is_false(v) || json_is_null(v)) {
			w.on = json_is_true(v);
			wants[k] = w;
			continue;
		}
		if (!json_is_object(v))
			return adac_error_set(err, ADAC_E_INPUT, p,
			    "expected true, false, null or an object of init, "
			    "min, max, step and label, got %s",
			    adac_json_is_nonfinite(v) ? "a number" :
			    adac_json_type_name(v));
		w.on = 1;
		json_object_foreach(v, fkey, fv) {
			adac_ptr_key(q, p, fkey);
			if (strcmp(fkey, "label") == 0) {
				if ((rc = adac_json_string(fv, q, &label, err)))
					return rc;
				if ((rc = set_label(&w, label, strlen(label),
						    err)))
					return rc;
				continue;
			}
			for (f = 0; f < N_FIELDS; f++)
				if (strcmp(fkey, field_names[f]) == 0)
					break;
			if (f == N_FIELDS)
				return adac_error_set(err, ADAC_E_INPUT, q,
				    "unknown field '%s'; expected init, min, "
				    "max, step or label", fkey);
			if ((rc = adac_json_number(fv, q, &w.v[f], err)))
				return rc;
			w.given[f] = 1;
		}
		wants[k] = w;
	}
	return ADAC_OK;
}

/* Fill in the defaults and check the range. */
static int
settle(int k, struct want *w, struct adac_error *err)
{
	const struct kind *kd = &kinds[k];
	char a[32], b[32], c[32];
	int f;

	for (f = MIN; f <= INIT; f++)
		if (!w->given[f])
			w->v[f] = kd->dflt[f];
	if (w->given[STEP] && !(w->v[STEP] > 0))
		return fail(w, "step", err, "step %s is not positive",
			    adac_fmt_double(a, w->v[STEP]));
	if (w->spec != NULL && !(w->v[MIN] <= w->v[INIT] &&
				 w->v[INIT] <= w->v[MAX] &&
				 (k != 0 || w->v[MIN] > 0)))
		return fail(w, NULL, err, "need %s", kd->order);
	if (w->v[MIN] < kd->lo || w->v[MAX] > kd->hi)
		return fail(w, w->v[MIN] < kd->lo ? "min" : "max", err,
			    "'%s' must stay within %s to %s%s%s", kd->name,
			    adac_fmt_double(a, kd->lo),
			    adac_fmt_double(b, kd->hi), *kd->unit ? " " : "",
			    kd->unit);
	if (!(w->v[MIN] <= w->v[MAX]))
		return fail(w, "min", err, "min %s is above max %s",
			    adac_fmt_double(a, w->v[MIN]),
			    adac_fmt_double(b, w->v[MAX]));
	if (!(w->v[MIN] <= w->v[INIT] && w->v[INIT] <= w->v[MAX]))
		return fail(w, "init", err, "init %s is outside min %s to max "
			    "%s", adac_fmt_double(a, w->v[INIT]),
			    adac_fmt_double(b, w->v[MIN]),
			    adac_fmt_double(c, w->v[MAX]));
	return ADAC_OK;
}

/* --- rt60: a decay gain after every delay node inside a loop ------------- */

static const char *
op_of(const json_t *node)
{
	const char *op = json_string_value(json_object_get(node, "op"));

	return op != NULL ? op : "";
}

/* Does the delay node delay any channel at all? */
static int
delays(const json_t *node)
{
	json_t *x;
	size_t i;

	if (strcmp(op_of(node), "delay") != 0)
		return 0;
	json_array_foreach(json_object_get(node, "samples"), i, x)
		if (json_number_value(x) != 0)
			return 1;
	return 0;
}

/*
 * The first feedback node below node (ptr) with no delay node inside it:
 * such a loop's delay is inside sos sections, where no gain can follow
 * it.  Returns 1 with its pointer in out, else 0.  *found counts loops.
 */
static int
loop_without_delay(const json_t *node, const char *ptr, int *n_delays,
		   int *found, char *out)
{
	const char *op = op_of(node);
	char p[ADAC_POINTER_MAX];
	json_t *el;
	size_t i;
	int inner = 0;

	if (delays(node))
		(*n_delays)++;
	if (strcmp(op, "series") == 0 || strcmp(op, "parallel") == 0) {
		json_array_foreach(json_object_get(node, "of"), i, el) {
			adac_ptr_key(p, ptr, "of");
			adac_ptr_index(p, p, i);
			if (loop_without_delay(el, p, n_delays, found, out))
				return 1;
		}
		return 0;
	}
	if (strcmp(op, "feedback") != 0)
		return 0;
	(*found)++;
	adac_ptr_key(p, ptr, "forward");
	if (loop_without_delay(json_object_get(node, "forward"), p, &inner,
			       found, out))
		return 1;
	adac_ptr_key(p, ptr, "back");
	if (loop_without_delay(json_object_get(node, "back"), p, &inner,
			       found, out))
		return 1;
	*n_delays += inner;
	if (inner == 0) {
		snprintf(out, ADAC_POINTER_MAX, "%s", ptr);
		return 1;
	}
	return 0;
}

static json_t *
decay_gain(const json_t *delay)
{
	json_t *samples = json_object_get(delay, "samples"), *ones, *g;
	size_t i;

	ones = json_array();
	for (i = 0; ones != NULL && i < json_array_size(samples); i++)
		if (json_array_append_new(ones, json_real(1.0)) != 0) {
			json_decref(ones);
			return NULL;
		}
	g = json_pack("{s:s, s:s, s:o, s:{s:s, s:O}}", "op", "gain", "id",
		      "rt60", "values", ones, "decay", "control", "rt60",
		      "loop_samples", samples);
	return g;
}

static int
is_t60(const json_t *node)
{
	const char *id = json_string_value(json_object_get(node, "id"));

	return strcmp(op_of(node), "gain") == 0 && id != NULL &&
	       strcmp(id, "t60") == 0 && json_object_get(node, "decay") == NULL;
}

/* A delay that is not a series child: series[delay, gain] in its place. */
static json_t *
wrap(json_t *delay)
{
	json_t *g = decay_gain(delay);

	if (g == NULL)
		return NULL;
	return json_pack("{s:s, s:[O, o]}", "op", "series", "of", delay, g);
}

static int add_decay(json_t *node, int in_loop);

/* Replace *slot (owned by parent) by series[delay, gain]. */
static int
wrap_member(json_t *parent, const char *key, json_t *delay)
{
	json_t *w = wrap(delay);

	return w == NULL || json_object_set_new(parent, key, w) != 0 ? -1 : 0;
}

static int
add_decay_children(json_t *node, int in_loop)
{
	json_t *of = json_object_get(node, "of"), *el, *g, *w;
	int series = strcmp(op_of(node), "series") == 0;
	size_t i;

	for (i = 0; i < json_array_size(of); i++) {
		el = json_array_get(of, i);
		if (!(in_loop && delays(el))) {
			if (add_decay(el, in_loop) != 0)
				return -1;
			continue;
		}
		if (!series) {
			w = wrap(el);
			if (w == NULL || json_array_set_new(of, i, w) != 0)
				return -1;
			continue;
		}
		if ((g = decay_gain(el)) == NULL)
			return -1;
		/* a native spec's broadband t60 gains are what the knob
		 * replaces */
		if (i + 1 < json_array_size(of) &&
		    is_t60(json_array_get(of, i + 1))) {
			if (json_array_set_new(of, i + 1, g) != 0)
				return -1;
		} else if (json_array_insert_new(of, i + 1, g) != 0) {
			return -1;
		}
		i++;
	}
	return 0;
}

/* Put a decay gain after every delay node inside a loop, below node. */
static int
add_decay(json_t *node, int in_loop)
{
	const char *op = op_of(node), *keys[] = {"forward", "back"};
	json_t *x;
	int k;

	if (strcmp(op, "series") == 0 || strcmp(op, "parallel") == 0)
		return add_decay_children(node, in_loop);
	if (strcmp(op, "feedback") != 0)
		return 0;
	for (k = 0; k < 2; k++) {
		x = json_object_get(node, keys[k]);
		if (delays(x)) {
			if (wrap_member(node, keys[k], x) != 0)
				return -1;
		} else if (add_decay(x, 1) != 0) {
			return -1;
		}
	}
	return 0;
}

static int
add_rt60(json_t *ir, const struct want *w, struct adac_error *err)
{
	char p[ADAC_POINTER_MAX], q[ADAC_POINTER_MAX];
	json_t *graph = json_object_get(ir, "graph");
	int n_delays = 0, found = 0;

	if (loop_without_delay(graph, "/graph", &n_delays, &found, p)) {
		adac_build_source_pointer(ir, p, q);
		if (w->spec != NULL)
			return adac_error_set(err, ADAC_E_INPUT, q,
			    "--control '%s': this loop has no delay node (its "
			    "delay is inside sos sections), so its decay cannot "
			    "follow rt60", w->spec);
		return adac_error_set(err, ADAC_E_INPUT, q,
		    "'rt60' in /controls: this loop has no delay node (its "
		    "delay is inside sos sections), so its decay cannot follow "
		    "rt60");
	}
	if (found == 0)
		return fail(w, NULL, err, "the model has no feedback loop with "
			    "a delay line to decay");
	if (add_decay(graph, 0) != 0)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	return ADAC_OK;
}

static json_t *
control_json(int k, const struct want *w)
{
	json_t *c = json_pack("{s:s, s:f, s:f, s:f, s:s}", "name",
			      kinds[k].name, "min", w->v[MIN], "max", w->v[MAX],
			      "init", w->v[INIT], "unit", kinds[k].unit);

	if (c != NULL && w->given[STEP] &&
	    json_object_set_new(c, "step", json_real(w->v[STEP])) != 0) {
		json_decref(c);
		return NULL;
	}
	if (c != NULL && w->has_label &&
	    json_object_set_new(c, "label", json_string(w->label)) != 0) {
		json_decref(c);
		return NULL;
	}
	return c;
}

int
adac_controls_apply(json_t *ir, const json_t *config_controls,
		    const char *const *specs, int n_specs,
		    struct adac_error *err)
{
	struct want wants[N_KINDS];
	json_t *list = NULL, *c;
	int i, k, rc;

	memset(wants, 0, sizeof wants);
	if (config_controls != NULL &&
	    (rc = parse_config(config_controls, wants, err)) != ADAC_OK)
		return rc;
	for (i = 0; i < n_specs; i++)
		if ((rc = parse_spec(specs[i], wants, err)) != ADAC_OK)
			return rc;
	for (k = 0; k < N_KINDS; k++)
		if (wants[k].on && (rc = settle(k, &wants[k], err)) != ADAC_OK)
			return rc;
	if (json_object_get(ir, "controls") != NULL)
		return adac_error_set(err, ADAC_E_INPUT, "/controls",
				      "the IR has controls already");
	for (k = 0; k < N_KINDS; k++) {
		if (!wants[k].on)
			continue;
		if (k == 0 && (rc = add_rt60(ir, &wants[k], err)) != ADAC_OK)
			goto fail;
		if (list == NULL && (list = json_array()) == NULL)
			goto nomem;
		if ((c = control_json(k, &wants[k])) == NULL ||
		    json_array_append_new(list, c) != 0)
			goto nomem;
	}
	if (list != NULL && json_object_set_new(ir, "controls", list) != 0) {
		list = NULL;
		goto nomem;
	}
	return ADAC_OK;
nomem:
	rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
fail:
	json_decref(list);
	return rc;
}
