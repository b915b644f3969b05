/*
 * test_utf8.c - telling well-formed UTF-8 from the rest, as JSON needs.
 */
#include <string.h>

#include "unit.h"
#include "utf8.h"

static void
test_utf8__well_formed_text_is_all_good(void)
{
	/* ASCII, é (2 bytes), € (3), 𝄞 (4) */
	const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e";

	check_int(adac_utf8_check(s, strlen(s)), strlen(s));
	check_int(adac_utf8_check("", 0), 0);
}

static void
test_utf8__the_first_bad_byte_is_found(void)
{
	/* a lone continuation byte, a truncated sequence, 0xff */
	check_int(adac_utf8_check("ab\x80", 3), 2);
	check_int(adac_utf8_check("a\xe2\x82", 3), 1);
	check_int(adac_utf8_check("\xff", 1), 0);
	/* overlong '/' (c0 af, e0 80 af), a surrogate, beyond U+10FFFF */
	check_int(adac_utf8_check("\xc0\xaf", 2), 0);
	check_int(adac_utf8_check("\xe0\x80\xaf", 3), 0);
	check_int(adac_utf8_check("x\xed\xa0\x80", 4), 1);
	check_int(adac_utf8_check("\xf4\x90\x80\x80", 4), 0);
}

static void
test_utf8__scrub_replaces_bad_bytes_only(void)
{
	char s[] = "a\xff\xc3\xa9z\xe2\x82";

	adac_utf8_scrub(s);
	check_str(s, "a?\xc3\xa9z??");
}

int
main(void)
{
	RUN(test_utf8__well_formed_text_is_all_good);
	RUN(test_utf8__the_first_bad_byte_is_found);
	RUN(test_utf8__scrub_replaces_bad_bytes_only);
	return unit_done();
}
