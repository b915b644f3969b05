#include "model.h"

#include "json.h"
#include "lower.h"

int
adac_model_load(const char *buf, size_t len, struct adac_ir **out,
		struct adac_error *err)
{
	json_t *doc, *ir = NULL;
	int rc;

	doc = adac_json_load(buf, len, err);
	if (doc == NULL)
		return err != NULL ? err->code : ADAC_E_INPUT;
	if (json_is_object(doc) && json_object_get(doc, "adac") == NULL) {
		rc = adac_lower(doc, ADAC_LOWER_AUTO, &ir, err);
		if (rc == ADAC_OK)
			rc = adac_ir_parse(ir, out, err);
	} else {
		rc = adac_ir_parse(doc, out, err);
	}
	json_decref(ir);
	json_decref(doc);
	return rc;
}
