#include "utf8.h"

#include <string.h>

/* The length of the well-formed sequence at s (at most n bytes), or 0. */
static size_t
sequence(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong, a surrogate, or beyond Unicode */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

size_t
adac_utf8_check(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		k = sequence(u + i, n - i);
		if (k == 0)
			return i;
		i += k;
	}
	return n;
}

void
adac_utf8_scrub(char *s)
{
	size_t n = strlen(s), i = 0, k;

	while (i < n) {
		k = sequence((const unsigned char *)s + i, n - i);
		if (k == 0) {
			s[i++] = '?';
			continue;
		}
		i += k;
	}
}
