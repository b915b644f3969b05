/*
 * lower.c - what both lowering front ends share: choosing the front end,
 * matrix nodes with recognised structure, and the final validation that
 * makes every lowered document a valid ir/1 one.
 */
#include "lower.h"

#include <stdio.h>
#include <string.h>

#include "controls.h"
#include "detect.h"
#include "json.h"

int
adac_lower_detect(const json_t *doc, enum adac_lower_from *from,
		  struct adac_error *err)
{
	if (!json_is_object(doc))
		return adac_error_set(err, ADAC_E_INPUT, "",
		    "expected an object (an adac config or an fdn spec)");
	if (json_object_get(doc, "delays") != NULL) {
		*from = ADAC_LOWER_FDN;
		return ADAC_OK;
	}
	if (json_object_get(doc, "type") != NULL ||
	    json_object_get(doc, "children") != NULL ||
	    json_object_get(doc, "module_type") != NULL) {
		*from = ADAC_LOWER_ADAC;
		return ADAC_OK;
	}
	return adac_error_set(err, ADAC_E_INPUT, "",
	    "cannot tell the input format: an adac config has \"type\", an "
	    "fdn spec has \"delays\"; choose one with --from");
}

int
adac_lower(const json_t *doc, enum adac_lower_from from, json_t **ir,
	   struct adac_error *err)
{
	return adac_lower_with_controls(doc, from, NULL, 0, ir, err);
}

int
adac_lower_with_controls(const json_t *doc, enum adac_lower_from from,
			 const char *const *specs, int n_specs, json_t **ir,
			 struct adac_error *err)
{
	struct adac_ir *checked = NULL;
	const json_t *controls;
	json_t *out = NULL;
	int rc;

	if (from == ADAC_LOWER_AUTO &&
	    (rc = adac_lower_detect(doc, &from, err)) != ADAC_OK)
		return rc;
	if (!json_is_object(doc))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "expected an object");
	rc = from == ADAC_LOWER_FDN ? adac_lower_fdn(doc, &out, err) :
	     adac_lower_adac(doc, &out, err);
	if (rc != ADAC_OK)
		return rc;
	controls = json_object_get(doc, "controls");
	if (controls == NULL && n_specs == 0) {
		*ir = out;
		return ADAC_OK;
	}
	rc = adac_controls_apply(out, controls, specs, n_specs, err);
	/* what the controls did to the graph must still be a valid IR */
	if (rc == ADAC_OK)
		rc = adac_ir_parse(out, &checked, err);
	adac_ir_free(checked);
	if (rc != ADAC_OK) {
		json_decref(out);
		return rc;
	}
	*ir = out;
	return ADAC_OK;
}

json_t *
adac_lower_reals(const double *x, int n)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a != NULL && i < n; i++) {
		if (json_array_append_new(a, json_real(x[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *
adac_lower_matrix_node(const double *data, int rows, int cols,
		       const struct adac_structure *claim)
{
	struct adac_structure found;
	json_t *node, *m, *row, *st = NULL;
	int i;

	memset(&found, 0, sizeof found);
	found.kind = ADAC_STRUCT_NONE;
	node = json_object();
	m = json_array();
	if (node == NULL || m == NULL)
		goto fail;
	json_object_set_new(node, "op", json_string("matrix"));
	for (i = 0; i < rows; i++) {
		row = adac_lower_reals(data + (size_t)i * cols, cols);
		if (row == NULL || json_array_append_new(m, row) != 0)
			goto fail;
	}
	json_object_set_new(node, "data", m);
	m = NULL;
	if (claim == NULL) {
		if (adac_detect_structure(data, rows, cols, ADAC_DETECT_TOL,
					  &found) != ADAC_OK)
			goto fail;
		claim = &found;
	}
	if (claim->kind != ADAC_STRUCT_NONE) {
		st = adac_detect_to_json(claim, rows);
		if (st == NULL || json_object_set_new(node, "structure", st))
			goto fail;
	}
	adac_structure_free(&found);
	return node;
fail:
	adac_structure_free(&found);
	json_decref(m);
	json_decref(node);
	return NULL;
}

/* Is p equal to prefix or below it ("/a/b" is below "/a", "/ab" is not)? */
static size_t
prefix_len(const char *p, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(p, prefix, n) != 0 || (p[n] != '\0' && p[n] != '/'))
		return 0;
	return n + 1;
}

int
adac_lower_finish(const char *name, double fs_hz, int inputs, int outputs,
		  json_t *graph, json_t *source, const json_t *map,
		  json_t **ir, struct adac_error *err)
{
	struct adac_ir *parsed = NULL;
	struct adac_error perr;
	const char *best = NULL, *irp, *cp;
	char text[ADAC_TEXT_MAX];
	size_t i, n, best_n = 0;
	json_t *doc, *e;
	int rc;

	doc = json_object();
	if (doc == NULL || graph == NULL) {
		json_decref(doc);
		json_decref(graph);
		json_decref(source);
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	}
	json_object_set_new(doc, "adac", json_string(ADAC_IR_VERSION));
	json_object_set_new(doc, "name", json_string(name));
	json_object_set_new(doc, "fs", json_real(fs_hz));
	json_object_set_new(doc, "inputs", json_integer(inputs));
	json_object_set_new(doc, "outputs", json_integer(outputs));
	json_object_set_new(doc, "graph", graph);
	if (source != NULL)
		json_object_set_new(doc, "source", source);
	rc = adac_ir_parse(doc, &parsed, &perr);
	adac_ir_free(parsed);
	if (rc == ADAC_OK) {
		*ir = doc;
		return ADAC_OK;
	}
	json_decref(doc);
	if (rc != ADAC_E_INPUT)
		return adac_error_set(err, rc, perr.pointer, "%s", perr.text);
	/* report the bad value where the user wrote it, not in our output */
	for (i = 0; json_is_array(map) && i < json_array_size(map); i++) {
		e = json_array_get(map, i);
		irp = json_string_value(json_object_get(e, "ir"));
		cp = json_string_value(json_object_get(e, "config"));
		if (irp == NULL || cp == NULL)
			continue;
		n = prefix_len(perr.pointer, irp);
		if (n > best_n) {
			best_n = n;
			best = cp;
		}
	}
	snprintf(text, sizeof text, "%s", perr.text);
	if (best != NULL)
		return adac_error_set(err, ADAC_E_INPUT, best, "%s", text);
	return adac_error_set(err, ADAC_E_INPUT, perr.pointer,
			      "lowered IR is invalid: %s", text);
}

void
adac_lower_config_pointer(const json_t *ir, const char *ir_ptr,
			  char out[ADAC_POINTER_MAX])
{
	const json_t *map = json_object_get(json_object_get(ir, "source"),
					    "nodes"), *e;
	const char *best = NULL, *irp, *cp;
	size_t i, n, best_n = 0;

	for (i = 0; json_is_array(map) && i < json_array_size(map); i++) {
		e = json_array_get(map, i);
		irp = json_string_value(json_object_get(e, "ir"));
		cp = json_string_value(json_object_get(e, "config"));
		if (irp == NULL || cp == NULL)
			continue;
		n = prefix_len(ir_ptr, irp);
		if (n > best_n) {
			best_n = n;
			best = cp;
		}
	}
	snprintf(out, ADAC_POINTER_MAX, "%s", best != NULL ? best : ir_ptr);
}
