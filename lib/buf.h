/*
 * buf.h - a growing text buffer for output built in memory before it is
 * written (no program writes partial output).
 *
 * The buffer owns its text; adac_buf_free() releases it, adac_buf_take()
 * hands it to the caller.  An allocation failure is sticky: later calls do
 * nothing and adac_buf_take() returns NULL, so callers check once at the end.
 */
#ifndef ADAC_BUF_H
#define ADAC_BUF_H

#include <stddef.h>

struct adac_buf {
	char *s;		/* NUL-terminated once anything was written */
	size_t len, cap;
	int failed;
};

void adac_buf_put(struct adac_buf *b, const char *s, size_t n);
void adac_buf_puts(struct adac_buf *b, const char *s);
void adac_buf_printf(struct adac_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The text (never NULL unless allocation failed: "" when empty). */
char *adac_buf_take(struct adac_buf *b);
void adac_buf_free(struct adac_buf *b);

#endif
