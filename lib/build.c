/*
 * build.c - the IR node builders the lowering front ends share, and the
 * document that wraps what they build.
 */
#include "build.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "detect.h"
#include "ir.h"

json_t *
adac_build_reals(const double *x, int n)
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
adac_build_op(const char *op)
{
	json_t *n = json_object();

	if (n != NULL)
		json_object_set_new(n, "op", json_string(op));
	return n;
}

json_t *
adac_build_with_id(json_t *node, const char *id)
{
	if (node != NULL)
		json_object_set_new(node, "id", json_string(id));
	return node;
}

json_t *
adac_build_list(const char *op)
{
	json_t *n = adac_build_op(op);

	if (n != NULL)
		json_object_set_new(n, "of", json_array());
	return n;
}

void
adac_build_append(json_t *list, json_t *child)
{
	json_array_append_new(json_object_get(list, "of"), child);
}

json_t *
adac_build_delay(const double *d, int n)
{
	json_t *node = adac_build_op("delay");
	int i, frac = 0;

	for (i = 0; i < n; i++)
		if (d[i] != floor(d[i]))
			frac = 1;
	if (node == NULL)
		return NULL;
	json_object_set_new(node, "samples", adac_build_reals(d, n));
	if (frac)
		json_object_set_new(node, "interp", json_string("linear"));
	return node;
}

json_t *
adac_build_gain(const double *g, int n)
{
	json_t *node = adac_build_op("gain");

	if (node != NULL)
		json_object_set_new(node, "values", adac_build_reals(g, n));
	return node;
}

json_t *
adac_build_sections(const double *coef, int n_sections, int n_channels,
		    size_t section_stride, size_t channel_stride)
{
	json_t *secs = json_array(), *s;
	int i, ch;

	for (i = 0; secs != NULL && i < n_sections; i++) {
		s = json_array();
		if (s == NULL || json_array_append_new(secs, s) != 0) {
			json_decref(secs);
			return NULL;
		}
		for (ch = 0; ch < n_channels; ch++)
			json_array_append_new(s, adac_build_reals(
			    coef + (size_t)i * section_stride +
			    (size_t)ch * channel_stride, 5));
	}
	return secs;
}

json_t *
adac_build_sos(const double *coef, int n_sections, int n_channels,
	       size_t section_stride, size_t channel_stride)
{
	json_t *node = adac_build_op("sos");
	json_t *secs = adac_build_sections(coef, n_sections, n_channels,
					   section_stride, channel_stride);

	if (node == NULL || secs == NULL) {
		json_decref(node);
		json_decref(secs);
		return NULL;
	}
	json_object_set_new(node, "sections", secs);
	return node;
}

json_t *
adac_build_pair(const char *op, json_t *a, json_t *b)
{
	json_t *node = adac_build_op(op), *of = json_array();

	if (node == NULL || of == NULL || a == NULL || b == NULL) {
		json_decref(node);
		json_decref(of);
		json_decref(a);
		json_decref(b);
		return NULL;
	}
	json_array_append_new(of, a);
	json_array_append_new(of, b);
	json_object_set_new(node, "of", of);
	if (strcmp(op, "parallel") == 0) {
		json_object_set_new(node, "in", json_string("split"));
		json_object_set_new(node, "out", json_string("sum"));
	}
	return node;
}

json_t *
adac_build_matrix(const double *data, int rows, int cols,
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
		row = adac_build_reals(data + (size_t)i * cols, cols);
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

/*
 * The "config" pointer of the entry of map (an array of {"ir", "config"})
 * whose "ir" pointer is the longest prefix of ptr; NULL when none is.
 */
static const char *
map_lookup(const json_t *map, const char *ptr)
{
	const char *best = NULL, *irp, *cp;
	size_t i, n, best_n = 0;
	const json_t *e;

	for (i = 0; json_is_array(map) && i < json_array_size(map); i++) {
		e = json_array_get(map, i);
		irp = json_string_value(json_object_get(e, "ir"));
		cp = json_string_value(json_object_get(e, "config"));
		if (irp == NULL || cp == NULL)
			continue;
		n = prefix_len(ptr, irp);
		if (n > best_n) {
			best_n = n;
			best = cp;
		}
	}
	return best;
}

int
adac_build_document(const char *name, double fs_hz, int inputs, int outputs,
		    json_t *graph, json_t *source, const json_t *map,
		    json_t **ir, struct adac_error *err)
{
	struct adac_ir *parsed = NULL;
	struct adac_error perr;
	const char *best;
	char text[ADAC_TEXT_MAX];
	json_t *doc;
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
	best = map_lookup(map, perr.pointer);
	snprintf(text, sizeof text, "%s", perr.text);
	if (best != NULL)
		return adac_error_set(err, ADAC_E_INPUT, best, "%s", text);
	return adac_error_set(err, ADAC_E_INPUT, perr.pointer,
			      "lowered IR is invalid: %s", text);
}

void
adac_build_source_pointer(const json_t *ir, const char *ir_ptr,
			  char out[ADAC_POINTER_MAX])
{
	const json_t *map = json_object_get(json_object_get(ir, "source"),
					    "nodes");
	const char *best = map_lookup(map, ir_ptr);

	snprintf(out, ADAC_POINTER_MAX, "%s", best != NULL ? best : ir_ptr);
}
