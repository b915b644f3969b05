/*
 * utf8.h - checking text that arrives from outside (a program sent over
 * the network, a compiler's message about it) before it goes into JSON,
 * which holds UTF-8 only.
 */
#ifndef ADAC_UTF8_H
#define ADAC_UTF8_H

#include <stddef.h>

/*
 * The offset of the first byte of s[0..n) that does not start a
 * well-formed UTF-8 sequence (overlong forms, surrogates and code points
 * above U+10FFFF are ill-formed), or n when all of it is well formed.
 */
size_t adac_utf8_check(const char *s, size_t n);

/* Replace each ill-formed byte of the string s by '?', in place. */
void adac_utf8_scrub(char *s);

#endif
