#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * Control characters quoted from the input (a newline in a malformed
 * document, a key holding a tab) become \n, \t, \r or \xNN, so that
 * every error text is one line.
 */
static void
escape_controls(char *text, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	char out[ADAC_TEXT_MAX];
	size_t i, j = 0;
	unsigned char c;

	for (i = 0; text[i] != '\0'; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			break;
	if (text[i] == '\0')
		return;
	for (i = 0; text[i] != '\0' && j + 5 < sizeof out; i++) {
		c = (unsigned char)text[i];
		if (c >= 0x20 && c != 0x7f) {
			out[j++] = (char)c;
			continue;
		}
		out[j++] = '\\';
		if (c == '\n' || c == '\t' || c == '\r') {
			out[j++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
		} else {
			out[j++] = 'x';
			out[j++] = hex[c >> 4];
			out[j++] = hex[c & 15];
		}
	}
	out[j] = '\0';
	snprintf(text, size, "%s", out);
}

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
	escape_controls(err->text, sizeof err->text);
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
