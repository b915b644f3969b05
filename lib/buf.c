#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
reserve(struct adac_buf *b, size_t n)
{
	size_t cap;
	char *t;

	if (b->failed)
		return 0;
	if (b->len + n + 1 <= b->cap)
		return 1;
	cap = b->cap ? b->cap : 256;
	while (b->len + n + 1 > cap)
		cap *= 2;
	t = realloc(b->s, cap);
	if (t == NULL) {
		b->failed = 1;
		return 0;
	}
	b->s = t;
	b->cap = cap;
	return 1;
}

void
adac_buf_put(struct adac_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
adac_buf_puts(struct adac_buf *b, const char *s)
{
	adac_buf_put(b, s, strlen(s));
}

void
adac_buf_printf(struct adac_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *
adac_buf_take(struct adac_buf *b)
{
	char *s;

	if (!reserve(b, 0)) {
		adac_buf_free(b);
		return NULL;
	}
	if (b->s == NULL) {
		b->s = malloc(1);
		if (b->s == NULL)
			return NULL;
		b->s[0] = '\0';
	}
	s = b->s;
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void
adac_buf_free(struct adac_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}
