#include "controls.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Parse "A:B:C" into up to n numbers; an empty field keeps its default.
 * Returns the number of fields, or -1 when a field is not a finite number.
 */
static int
parse_fields(const char *s, double *v, int n)
{
	char *end;
	int k = 0;

	for (;;) {
		if (k == n)
			return -1;
		if (*s != ':' && *s != '\0') {
			v[k] = strtod(s, &end);
			if (end == s || !isfinite(v[k]) ||
			    (*end != ':' && *end != '\0'))
				return -1;
			s = end;
		}
		k++;
		if (*s == '\0')
			return k;
		s++;
	}
}

static json_t *
ones(json_int_t n)
{
	json_t *a = json_array();
	json_int_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_real(1.0));
	return a;
}

/*
 * The loop's delay line: forward itself, or the first delay of a series
 * forward (the shape both front ends write).  Returns the series and the
 * index of the delay in it through *series and *index (NULL, -1 when the
 * delay is forward itself), or 0 when the loop has no such delay.
 */
static int
find_line(json_t *forward, json_t **series, size_t *index)
{
	json_t *of, *el;
	size_t i;

	*series = NULL;
	if (strcmp(json_string_value(json_object_get(forward, "op")), "delay") == 0)
		return 1;
	if (strcmp(json_string_value(json_object_get(forward, "op")), "series") != 0)
		return 0;
	of = json_object_get(forward, "of");
	json_array_foreach(of, i, el)
		if (strcmp(json_string_value(json_object_get(el, "op")), "delay") == 0) {
			*series = of;
			*index = i;
			return 1;
		}
	return 0;
}

static json_t *
decay_gain(json_t *delay)
{
	json_t *samples = json_object_get(delay, "samples");

	return json_pack("{s:s, s:s, s:o, s:{s:s, s:O}}", "op", "gain", "id",
			 "rt60", "values", ones((json_int_t)json_array_size(samples)),
			 "decay", "control", "rt60", "loop_samples", samples);
}

/* Put a decay gain after the delay line of every loop below node. */
static int
add_decay(json_t *node, int *loops)
{
	const char *op = json_string_value(json_object_get(node, "op"));
	json_t *forward, *series, *gain, *next, *el;
	size_t i, k;

	if (op == NULL)
		return 0;
	if (strcmp(op, "series") == 0 || strcmp(op, "parallel") == 0) {
		json_array_foreach(json_object_get(node, "of"), i, el)
			if (add_decay(el, loops) != 0)
				return -1;
		return 0;
	}
	if (strcmp(op, "feedback") != 0)
		return 0;
	forward = json_object_get(node, "forward");
	if (add_decay(forward, loops) != 0 ||
	    add_decay(json_object_get(node, "back"), loops) != 0)
		return -1;
	if (!find_line(forward, &series, &k))
		return 0;
	gain = decay_gain(series != NULL ? json_array_get(series, k) : forward);
	if (gain == NULL)
		return -1;
	(*loops)++;
	if (series == NULL) {
		/* the delay alone is the forward path: make it a series */
		json_object_set_new(node, "forward",
				    json_pack("{s:s, s:[O, o]}", "op", "series",
					      "of", forward, gain));
		return 0;
	}
	/* a native spec's broadband t60 gains are what the knob replaces */
	next = json_array_get(series, k + 1);
	if (next != NULL && json_is_string(json_object_get(next, "id")) &&
	    strcmp(json_string_value(json_object_get(next, "id")), "t60") == 0)
		return json_array_set_new(series, k + 1, gain);
	return json_array_insert_new(series, k + 1, gain);
}

static int
has_control(json_t *ir, const char *name)
{
	json_t *el;
	size_t i;

	json_array_foreach(json_object_get(ir, "controls"), i, el)
		if (strcmp(json_string_value(json_object_get(el, "name")), name) == 0)
			return 1;
	return 0;
}

static int
set_control(json_t *ir, json_t *ctl)
{
	json_t *list = json_object_get(ir, "controls"), *el;
	const char *name = json_string_value(json_object_get(ctl, "name"));
	size_t i;

	if (list == NULL) {
		list = json_array();
		json_object_set_new(ir, "controls", list);
	}
	json_array_foreach(list, i, el)
		if (strcmp(json_string_value(json_object_get(el, "name")), name) == 0)
			return json_array_set_new(list, i, ctl);
	return json_array_append_new(list, ctl);
}

int
adac_controls_add(json_t *ir, const char *spec, struct adac_error *err)
{
	const char *eq = strchr(spec, '=');
	size_t nlen = eq != NULL ? (size_t)(eq - spec) : strlen(spec);
	double v[3];
	int loops = 0;
	json_t *ctl;

	if (nlen == 4 && strncmp(spec, "rt60", 4) == 0) {
		v[0] = ADAC_RT60_MIN_S;
		v[1] = ADAC_RT60_MAX_S;
		v[2] = ADAC_RT60_INIT_S;
		if (eq != NULL && parse_fields(eq + 1, v, 3) < 0)
			return adac_error_set(err, ADAC_E_INPUT, "",
					      "--control '%s': expected rt60=MIN:MAX:INIT in seconds",
					      spec);
		if (!(0 < v[0] && v[0] <= v[2] && v[2] <= v[1]))
			return adac_error_set(err, ADAC_E_INPUT, "",
					      "--control '%s': need 0 < MIN <= INIT <= MAX",
					      spec);
		/* given twice, the second only moves the range */
		if (!has_control(ir, "rt60")) {
			if (add_decay(json_object_get(ir, "graph"), &loops) != 0)
				return adac_error_set(err, ADAC_E_NOMEM, "",
						      "out of memory");
			if (loops == 0)
				return adac_error_set(err, ADAC_E_INPUT, "/graph",
						      "--control '%s': the model has no feedback loop with a delay line to decay",
						      spec);
		}
		ctl = json_pack("{s:s, s:f, s:f, s:f, s:s}", "name", "rt60",
				"min", v[0], "max", v[1], "init", v[2], "unit", "s");
	} else if (nlen == 7 && strncmp(spec, "dry_wet", 7) == 0) {
		v[0] = 1;
		if (eq != NULL && (parse_fields(eq + 1, v, 1) < 0 ||
				   v[0] < 0 || v[0] > 1))
			return adac_error_set(err, ADAC_E_INPUT, "",
					      "--control '%s': expected dry_wet=INIT from 0 to 1",
					      spec);
		ctl = json_pack("{s:s, s:f, s:f, s:f, s:s}", "name", "dry_wet",
				"min", 0.0, "max", 1.0, "init", v[0], "unit", "");
	} else if (nlen == 9 && strncmp(spec, "pre_delay", 9) == 0) {
		v[0] = ADAC_PRE_DELAY_MAX_MS;
		if (eq != NULL && (parse_fields(eq + 1, v, 1) < 0 ||
				   !(v[0] > 0)))
			return adac_error_set(err, ADAC_E_INPUT, "",
					      "--control '%s': expected pre_delay=MAX_MS above 0",
					      spec);
		ctl = json_pack("{s:s, s:f, s:f, s:f, s:s}", "name", "pre_delay",
				"min", 0.0, "max", v[0], "init", 0.0, "unit", "ms");
	} else {
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "--control '%s': unknown control; expected rt60, dry_wet or pre_delay",
				      spec);
	}
	if (ctl == NULL || set_control(ir, ctl) != 0)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	return ADAC_OK;
}
