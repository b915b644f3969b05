#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
adac_error_set(struct adac_error *err, int code, const char *pointer,
	       const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	snprintf(err->pointer, sizeof err->pointer, "%s",
		 pointer != NULL ? pointer : "");
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof err->text, fmt, ap);
	va_end(ap);
	return code;
}

void
adac_error_clear(struct adac_error *err)
{
	if (err == NULL)
		return;
	err->code = ADAC_OK;
	err->pointer[0] = '\0';
	err->text[0] = '\0';
}

const char *
adac_strerror(int code)
{
	static const char *const text[ADAC_E_COUNT] = {
		[ADAC_OK] = "success",
		[ADAC_E_INPUT] = "invalid input",
		[ADAC_E_NEGATIVE] = "negative verdict",
		[ADAC_E_DEPENDENCY] = "a dependency failed",
		[ADAC_E_IO] = "input/output error",
		[ADAC_E_NOMEM] = "out of memory",
	};

	if (code < 0 || code >= ADAC_E_COUNT)
		return "unknown error";
	return text[code];
}

int
adac_exit_status(int code)
{
	switch (code) {
	case ADAC_OK:
		return 0;
	case ADAC_E_NEGATIVE:
		return 1;
	case ADAC_E_INPUT:
		return 2;
	default:
		return 3;
	}
}
