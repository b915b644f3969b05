/*
 * Verifying a built plugin: its impulse responses against the IR's, through
 * adac_diff_run() (adac-diff's comparison and its float tolerance from the
 * model's noise), at several knob positions.
 */
#include "plugin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "json.h"

/*
 * Position 0: every control at its default; then, for control k in turn,
 * position 2k + 1 moves it alone to its minimum and 2k + 2 to its
 * maximum (one at a time: dry_wet at 0 with the rest would mute them).
 * Returns 0 for a position that is the default again, which is skipped.
 */
static int
position(const struct adac_ir *ir, int which, struct adac_setting *set,
	 char label[64])
{
	const struct adac_control *c;
	int k;

	for (k = 0; k < ir->n_controls; k++) {
		set[k].name = ir->controls[k].name;
		set[k].value = ir->controls[k].init;
	}
	if (which == 0) {
		snprintf(label, 64, "default");
		return 1;
	}
	k = (which - 1) / 2;
	c = &ir->controls[k];
	set[k].value = which % 2 ? c->min : c->max;
	snprintf(label, 64, "%.40s at its %s", c->name,
		 which % 2 ? "minimum" : "maximum");
	return set[k].value != c->init;
}

static double
worst_abs(const json_t *diff)
{
	const json_t *p;
	double worst = 0, x;
	size_t i;

	json_array_foreach(json_object_get(diff, "paths"), i, p) {
		x = json_number_value(json_object_get(p, "max_abs_error"));
		if (!(x <= worst))
			worst = x;
	}
	return worst;
}

/* One position: the IR and the plugin at set, compared. */
static int
verify_at(const struct adac_ir *ir, const char *ir_text, const char *dir,
	  const char *uri, const struct adac_setting *set, int n_set,
	  json_t **diff, int *equal, struct adac_error *err)
{
	struct adac_render_options ro;
	struct adac_diff_options dopt;
	struct adac_source *src[2] = { NULL, NULL };
	const char *name[2] = { "model", "plugin" };
	int rc, culprit;

	adac_render_options_init(&ro);
	ro.set = set;
	ro.n_set = n_set;
	adac_diff_options_init(&dopt);
	dopt.fs_hz = ir->fs_hz;
	/* the name's extension makes it an IR */
	rc = adac_source_open_mem("model.json", ir_text, strlen(ir_text), &ro,
				  &src[0], err);
	if (rc == ADAC_OK)
		rc = adac_plugin_source_open(dir, uri, set, n_set, &src[1], err);
	if (rc == ADAC_OK)
		rc = adac_diff_run(src, name, &dopt, diff, equal, &culprit, err);
	adac_source_free(src[0]);
	adac_source_free(src[1]);
	return rc;
}

int
adac_plugin_verify(const struct adac_ir *ir, const char *dir,
		   const char *uri, json_t **report, int *equal,
		   struct adac_error *err)
{
	struct adac_setting *set;
	json_t *r, *positions, *pos, *diff, *values, *ov;
	char *text = NULL, label[64];
	int rc = ADAC_OK, k, eq, all = 1;

	set = calloc((size_t)ir->n_controls + 1, sizeof *set);
	text = adac_json_dumps(ir->json);
	r = json_object();
	positions = json_array();
	if (set == NULL || text == NULL || r == NULL || positions == NULL) {
		json_decref(positions);
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	json_object_set_new(r, "positions", positions);
	for (k = 0; k <= 2 * ir->n_controls; k++) {
		if (!position(ir, k, set, label))
			continue;
		diff = NULL;
		rc = verify_at(ir, text, dir, uri, set, ir->n_controls, &diff,
			       &eq, err);
		if (rc != ADAC_OK)
			goto out;
		ov = json_object_get(diff, "overall");
		values = json_object();
		for (int c = 0; c < ir->n_controls; c++)
			json_object_set_new(values, set[c].name,
					    json_real(set[c].value));
		pos = json_pack("{s:s, s:o, s:O, s:O, s:O, s:f, s:O, s:I}",
				"at", label, "set", values,
				"verdict", json_object_get(ov, "verdict"),
				"worst_error_db", json_object_get(ov, "worst_error_db"),
				"tol_db", json_object_get(ov, "tol_db"),
				"max_abs_error", worst_abs(diff),
				"precision", json_object_get(ov, "precision"),
				"samples", json_integer_value(json_object_get(diff, "samples")));
		json_decref(diff);
		if (pos == NULL) {
			rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
			goto out;
		}
		json_array_append_new(positions, pos);
		if (!eq && all) {
			all = 0;
			json_object_set_new(r, "why",
					    json_sprintf("different with %s", label));
		}
	}
	json_object_set_new(r, "fs", json_real(ir->fs_hz));
	json_object_set_new(r, "verdict", json_string(all ? "equal" : "different"));
	*equal = all;
	*report = r;
	r = NULL;
out:
	json_decref(r);
	free(text);
	free(set);
	return rc;
}
