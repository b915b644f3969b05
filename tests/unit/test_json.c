/* Unit tests for lib/json.c: number text, NaN handling, pointers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "unit.h"

/* A fixed xorshift generator: the test is the same on every run. */
static uint64_t
next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
test_json__fmt_double_round_trips_random_bit_patterns(void)
{
	uint64_t s = 88172645463325252ULL, bits;
	char buf[32];
	double x;
	int i, bad = 0;

	for (i = 0; i < 200000; i++) {
		bits = next(&s);
		memcpy(&x, &bits, sizeof x);
		if (!isfinite(x))
			continue;
		adac_fmt_double(buf, x);
		if (strtod(buf, NULL) != x || signbit(strtod(buf, NULL)) != signbit(x))
			bad++;
	}
	check_int(bad, 0);
}

/* The definition of shortest: the fewest %g digits that read back. */
static void
shortest_by_search(char buf[32], double x)
{
	int prec;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			return;
	}
}

static void
test_json__fmt_double_matches_the_exhaustive_search(void)
{
	uint64_t s = 0x9E3779B97F4A7C15ULL, bits;
	char got[32], want[32];
	double x;
	int i, bad = 0;

	for (i = 0; i < 100000; i++) {
		bits = next(&s);
		memcpy(&x, &bits, sizeof x);
		/* also short decimals, the common case in a model's numbers */
		if (i % 2)
			x = (double)(int64_t)(bits % 2000001) / 1000.0 - 1000.0;
		if (!isfinite(x) || x == floor(x))
			continue;
		adac_fmt_double(got, x);
		shortest_by_search(want, x);
		if (strcmp(got, want) != 0 && bad++ < 3)
			printf("#   %.17g: got %s, shortest %s\n", x, got, want);
	}
	check_int(bad, 0);
}

static void
test_json__fmt_double_is_shortest(void)
{
	char buf[32];

	check_str(adac_fmt_double(buf, 0.1), "0.1");
	check_str(adac_fmt_double(buf, 48000), "48000");
	/* "-0" would read back as the integer 0: the sign needs a real */
	check_str(adac_fmt_double(buf, -0.0), "-0.0");
	check_str(adac_fmt_double(buf, 0.30000000000000004), "0.30000000000000004");
	check_str(adac_fmt_double(buf, 1e-7), "1e-07");
	check_str(adac_fmt_double(buf, 5e-324), "5e-324");
}

static void
test_json__nan_and_infinity_become_pointed_errors(void)
{
	const char *text = "{\"a\": [1, NaN, -Infinity], \"s\": \"NaN stays\"}";
	struct adac_error err;
	json_t *root;
	double x;

	root = adac_json_load(text, strlen(text), &err);
	check(root != NULL);
	if (root == NULL)
		return;
	check_int(adac_json_number(json_array_get(json_object_get(root, "a"), 1),
				   "/a/1", &x, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/a/1");
	check_str(err.text, "NaN is not a finite number");
	check_int(adac_json_number(json_array_get(json_object_get(root, "a"), 2),
				   "/a/2", &x, &err), ADAC_E_INPUT);
	check_str(err.text, "-Infinity is not a finite number");
	/* a string that merely contains the word is left alone */
	check_str(json_string_value(json_object_get(root, "s")), "NaN stays");
	json_decref(root);
}

/*
 * A 10 MB document of negative numbers: the issue measured a 207 MB
 * allocation for it, since every '-' set off a copy sized for a literal
 * every three bytes.  No NaN, no copy.
 */
static void
test_json__a_big_file_of_negative_numbers_is_not_copied(void)
{
	static const char item[] = "-0.123456789012345678, ";
	size_t n = 10u << 20, len = 0, mlen = 12345;
	char *text = malloc(n + 2), *marked = text;
	struct adac_error err;
	json_t *root;

	check(text != NULL);
	if (text == NULL)
		return;
	text[len++] = '[';
	while (len + sizeof item < n) {
		memcpy(text + len, item, sizeof item - 1);
		len += sizeof item - 1;
	}
	text[len++] = '0';
	text[len++] = ']';
	check_int(adac_json_mark_nonfinite(text, len, &marked, &mlen), ADAC_OK);
	check(marked == NULL);
	check_int(mlen, 0);
	root = adac_json_load(text, len, &err);
	check(root != NULL);
	check_int(json_array_size(root), (len - 3) / (sizeof item - 1) + 1);
	check_near(json_real_value(json_array_get(root, 0)), -0.123456789012345678, 0);
	json_decref(root);
	free(text);
}

/* Only whole words outside strings are literals; each grows by its mark. */
static void
test_json__only_nonfinite_words_are_marked(void)
{
	static const char *const untouched[] = {
		"[-1, -2.5e-3, -0]",
		"{\"NaN\": \"-Infinity\", \"x\": \"a \\\" NaN\"}",
		"[NaNa, xNaN, Infinity_, -Infinityy]",
		"[null, true, false]",
	};
	const char *text = "[NaN,-Infinity, Infinity]";
	char *marked;
	size_t i, mlen;

	for (i = 0; i < sizeof untouched / sizeof *untouched; i++) {
		marked = (char *)1;
		check_int(adac_json_mark_nonfinite(untouched[i],
						   strlen(untouched[i]),
						   &marked, &mlen), ADAC_OK);
		check(marked == NULL);
	}
	check_int(adac_json_mark_nonfinite(text, strlen(text), &marked, &mlen),
		  ADAC_OK);
	check_str(marked, "[\"\\u0000adac:NaN\",\"\\u0000adac:-Infinity\", "
			  "\"\\u0000adac:Infinity\"]");
	check_int(mlen, marked != NULL ? strlen(marked) : 0);
	free(marked);
}

static void
test_json__malformed_reports_line_and_column(void)
{
	const char *text = "{\n  \"a\": tru\n}";
	struct adac_error err;

	check(adac_json_load(text, strlen(text), &err) == NULL);
	check_int(err.code, ADAC_E_INPUT);
	check(strncmp(err.text, "malformed JSON at line 2, column ", 33) == 0);
	check(adac_json_load(" \n\t", 3, &err) == NULL);
	check_str(err.text, "empty input");
}

static void
test_json__error_text_quoting_a_newline_is_one_line(void)
{
	/* jansson quotes the bad token, newline included, in its "near" */
	static const char doc[] = "{\"a\": \"x\\\n\"}";
	struct adac_error err;
	json_t *v;

	v = adac_json_load(doc, strlen(doc), &err);
	check(v == NULL);
	check(strchr(err.text, '\n') == NULL);
	check_str(err.text, "malformed JSON at line 2, column 0: invalid escape near '\"x\\\\n'");
	/* and any error text: control characters become escapes */
	adac_error_set(&err, ADAC_E_INPUT, "", "key '%s'", "a\tb\001\r");
	check_str(err.text, "key 'a\\tb\\x01\\r'");
}

static void
test_json__pointer_escapes_tilde_and_slash(void)
{
	char p[ADAC_POINTER_MAX];

	adac_ptr_key(p, "/graph", "a/b~c");
	check_str(p, "/graph/a~1b~0c");
	adac_ptr_index(p, p, 12);
	check_str(p, "/graph/a~1b~0c/12");
}

static void
test_json__canonical_order_is_independent_of_input_order(void)
{
	const char *a = "{\"zeta\":1,\"op\":\"gain\",\"values\":[1.0,2],\"id\":\"g\"}";
	const char *b = "{\"id\":\"g\",\"values\":[1,2.0],\"zeta\":1,\"op\":\"gain\"}";
	json_t *ja = adac_json_load(a, strlen(a), NULL);
	json_t *jb = adac_json_load(b, strlen(b), NULL);
	char *sa = adac_json_dumps(ja), *sb = adac_json_dumps(jb);

	check_str(sa, sb);
	check_str(sa, "{\n  \"op\": \"gain\",\n  \"id\": \"g\",\n  \"values\": [1, 2],\n  \"zeta\": 1\n}\n");
	free(sa);
	free(sb);
	json_decref(ja);
	json_decref(jb);
}

int
main(void)
{
	RUN(test_json__fmt_double_round_trips_random_bit_patterns);
	RUN(test_json__fmt_double_matches_the_exhaustive_search);
	RUN(test_json__fmt_double_is_shortest);
	RUN(test_json__nan_and_infinity_become_pointed_errors);
	RUN(test_json__a_big_file_of_negative_numbers_is_not_copied);
	RUN(test_json__only_nonfinite_words_are_marked);
	RUN(test_json__malformed_reports_line_and_column);
	RUN(test_json__error_text_quoting_a_newline_is_one_line);
	RUN(test_json__pointer_escapes_tilde_and_slash);
	RUN(test_json__canonical_order_is_independent_of_input_order);
	return unit_done();
}
