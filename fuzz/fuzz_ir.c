/*
 * fuzz_ir - the JSON reader and the IR validator (adac_ir_parse_text),
 * and for what they accept, the canonical writer and the hash: the
 * canonical text of an IR must read back as an IR with the same text.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"
#include "ir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct adac_error err;
	struct adac_ir *ir = NULL, *again = NULL;
	char *text, *text2, hex[65];
	int rc;

	adac_error_clear(&err);
	rc = adac_ir_parse_text((const char *)data, size, &ir, &err);
	if (rc != ADAC_OK) {
		fuzz_check_error(rc, &err, 0);
		return 0;
	}
	text = adac_ir_canonical(ir, 1);
	if (text == NULL)
		fuzz_fail("canonical text out of memory", &err);
	rc = adac_ir_parse_text(text, strlen(text), &again, &err);
	if (rc != ADAC_OK)
		fuzz_fail("the canonical text of a valid IR is not valid", &err);
	text2 = adac_ir_canonical(again, 1);
	if (text2 == NULL || strcmp(text, text2) != 0)
		fuzz_fail("the canonical text is not a fixed point", &err);
	if (adac_ir_hash(ir, hex, &err) != ADAC_OK)
		fuzz_fail("hash failed", &err);
	free(text);
	free(text2);
	adac_ir_free(again);
	adac_ir_free(ir);
	return 0;
}
