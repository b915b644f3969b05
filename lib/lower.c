/*
 * lower.c - the table of front ends: which one reads a document, and
 * the macro-controls on top of what it lowers.  What the front ends
 * share to build the IR is in build.c.
 */
#include "lower.h"

#include <stddef.h>

#include "controls.h"

/*
 * The front ends, in the order detection tries them.  A document is a
 * front end's when it has any of its marks as a member.
 */
static const struct front_end {
	enum adac_lower_from from;
	const char *marks[3];
	int (*lower)(const json_t *doc, json_t **ir, struct adac_error *err);
} front_ends[] = {
	{ADAC_LOWER_FDN, {"delays"}, adac_lower_fdn},
	{ADAC_LOWER_SDN, {"room"}, adac_lower_sdn},
	{ADAC_LOWER_ADAC, {"type", "children", "module_type"}, adac_lower_adac},
};

#define N_FRONT_ENDS (sizeof front_ends / sizeof front_ends[0])

int
adac_lower_detect(const json_t *doc, enum adac_lower_from *from,
		  struct adac_error *err)
{
	size_t i, k;

	if (!json_is_object(doc))
		return adac_error_set(err, ADAC_E_INPUT, "",
		    "expected an object (an adac config or an fdn spec)");
	for (i = 0; i < N_FRONT_ENDS; i++)
		for (k = 0; k < 3 && front_ends[i].marks[k] != NULL; k++)
			if (json_object_get(doc, front_ends[i].marks[k]) != NULL) {
				*from = front_ends[i].from;
				return ADAC_OK;
			}
	return adac_error_set(err, ADAC_E_INPUT, "",
	    "cannot tell the input format: an adac config has \"type\", an "
	    "fdn spec has \"delays\", an sdn spec \"room\"; choose one "
	    "with --from");
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
	size_t i;
	int rc;

	if (from == ADAC_LOWER_AUTO &&
	    (rc = adac_lower_detect(doc, &from, err)) != ADAC_OK)
		return rc;
	if (!json_is_object(doc))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "expected an object");
	for (i = 0; i < N_FRONT_ENDS && front_ends[i].from != from; i++)
		;
	if (i == N_FRONT_ENDS)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "unknown input format %d", (int)from);
	if ((rc = front_ends[i].lower(doc, &out, err)) != ADAC_OK)
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

