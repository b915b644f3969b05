/*
 * model.h - read whatever a user calls "the model": an ir/1 document, or
 * a configuration adac-lower reads (lowered on the way), so that
 * `adac-diff model.json model.dsp` compares against the model itself.
 *
 * adac_model_load() pairs with adac_ir_free().
 */
#ifndef ADAC_MODEL_H
#define ADAC_MODEL_H

#include <stddef.h>

#include "error.h"
#include "ir.h"

/*
 * Parse len bytes of buf: a document with an "adac" member is an IR;
 * anything else goes through adac_lower() with its front end detected.
 * Errors are those of adac_ir_parse_text() and adac_lower(), with
 * pointers into the document as given.
 */
int adac_model_load(const char *buf, size_t len, struct adac_ir **out,
		    struct adac_error *err);

#endif
