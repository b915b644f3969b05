#include "json.h"

#include "buf.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Python's json module writes NaN, Infinity and -Infinity as bare
 * literals.  jansson rejects them, which would report a trained NaN as a
 * syntax error at a column instead of as a bad value at its pointer.  So
 * before parsing, each literal outside a string becomes a string holding a
 * NUL-prefixed marker that no ordinary document contains.
 */
#define NAN_MARK "\\u0000adac:NaN"
#define POS_INF_MARK "\\u0000adac:Infinity"
#define NEG_INF_MARK "\\u0000adac:-Infinity"

static const struct {
	const char *literal;
	const char *mark;
	const char *decoded;
} nonfinite[] = {
	{"-Infinity", NEG_INF_MARK, "adac:-Infinity"},
	{"Infinity", POS_INF_MARK, "adac:Infinity"},
	{"NaN", NAN_MARK, "adac:NaN"},
};

static int
is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/*
 * The index in nonfinite[] of the literal that starts at buf[i] as a whole
 * word, or -1.  The caller knows buf[i] is outside a string.
 */
static int
literal_at(const char *buf, size_t len, size_t i)
{
	size_t k, n;

	if (buf[i] != 'N' && buf[i] != 'I' && buf[i] != '-')
		return -1;
	if (i > 0 && is_word_char(buf[i - 1]))
		return -1;
	for (k = 0; k < sizeof nonfinite / sizeof nonfinite[0]; k++) {
		n = strlen(nonfinite[k].literal);
		if (len - i >= n &&
		    memcmp(buf + i, nonfinite[k].literal, n) == 0 &&
		    (i + n == len || !is_word_char(buf[i + n])))
			return (int)k;
	}
	return -1;
}

int
adac_json_mark_nonfinite(const char *buf, size_t len, char **out,
			 size_t *outlen)
{
	size_t i, j, count = 0, grow = 0;
	int in_string = 0, k;
	char *m;

	/*
	 * Count the literals first: a document without one (every document
	 * but a broken model's, however many negative numbers it holds) is
	 * parsed in place, and one with a few grows by exactly their marks.
	 */
	for (i = 0; i < len; i++) {
		if (in_string) {
			if (buf[i] == '\\')
				i++;
			else if (buf[i] == '"')
				in_string = 0;
		} else if (buf[i] == '"') {
			in_string = 1;
		} else if ((k = literal_at(buf, len, i)) >= 0) {
			count++;
			grow += strlen(nonfinite[k].mark) + 2 -
				strlen(nonfinite[k].literal);
			i += strlen(nonfinite[k].literal) - 1;
		}
	}
	*out = NULL;
	*outlen = 0;
	if (count == 0)
		return ADAC_OK;
	m = malloc(len + grow + 1);
	if (m == NULL)
		return ADAC_E_NOMEM;
	in_string = 0;
	for (i = 0, j = 0; i < len;) {
		if (in_string) {
			if (buf[i] == '\\' && i + 1 < len)
				m[j++] = buf[i++];
			else if (buf[i] == '"')
				in_string = 0;
			m[j++] = buf[i++];
			continue;
		}
		if (buf[i] == '"') {
			in_string = 1;
			m[j++] = buf[i++];
			continue;
		}
		k = literal_at(buf, len, i);
		if (k >= 0) {
			j += (size_t)sprintf(m + j, "\"%s\"", nonfinite[k].mark);
			i += strlen(nonfinite[k].literal);
		} else {
			m[j++] = buf[i++];
		}
	}
	m[j] = '\0';
	*out = m;
	*outlen = j;
	return ADAC_OK;
}

/*
 * An upper bound on the values a document holds, from one pass over its
 * text: every value but the first of an array or object follows a comma,
 * and every array and object opens with a bracket.
 */
static size_t
count_values(const char *buf, size_t len)
{
	size_t i, n = 1;
	int in_string = 0;

	for (i = 0; i < len; i++) {
		if (in_string) {
			if (buf[i] == '\\')
				i++;
			else if (buf[i] == '"')
				in_string = 0;
		} else if (buf[i] == '"') {
			in_string = 1;
		} else if (buf[i] == ',' || buf[i] == '[' || buf[i] == '{') {
			n++;
		}
	}
	return n;
}

json_t *
adac_json_load(const char *buf, size_t len, struct adac_error *err)
{
	json_error_t jerr;
	json_t *root;
	char *marked;
	size_t i, mlen = 0;

	for (i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' &&
		    buf[i] != '\r')
			break;
	if (i == len) {
		adac_error_set(err, ADAC_E_INPUT, "", "empty input");
		return NULL;
	}
	if (len > (size_t)ADAC_MAX_JSON_BYTES) {
		adac_error_set(err, ADAC_E_INPUT, "",
			       "a JSON document of %zu bytes is larger than the limit of %ld",
			       len, ADAC_MAX_JSON_BYTES);
		return NULL;
	}
	if (count_values(buf, len) > (size_t)ADAC_MAX_JSON_VALUES) {
		adac_error_set(err, ADAC_E_INPUT, "",
			       "the JSON document holds more than the limit of %ld values",
			       ADAC_MAX_JSON_VALUES);
		return NULL;
	}
	if (adac_json_mark_nonfinite(buf, len, &marked, &mlen) != ADAC_OK) {
		adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		return NULL;
	}
	root = json_loadb(marked != NULL ? marked : buf,
			  marked != NULL ? mlen : len,
			  JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	free(marked);
	if (root == NULL)
		adac_error_set(err, ADAC_E_INPUT, "",
			       "malformed JSON at line %d, column %d: %s",
			       jerr.line, jerr.column, jerr.text);
	return root;
}

static const char *
nonfinite_name(const json_t *v)
{
	size_t k, n;
	const char *s;

	if (!json_is_string(v))
		return NULL;
	s = json_string_value(v);
	n = json_string_length(v);
	if (n < 1 || s[0] != '\0')
		return NULL;
	for (k = 0; k < sizeof nonfinite / sizeof nonfinite[0]; k++)
		if (n - 1 == strlen(nonfinite[k].decoded) &&
		    memcmp(s + 1, nonfinite[k].decoded, n - 1) == 0)
			return nonfinite[k].literal;
	return NULL;
}

int
adac_json_is_nonfinite(const json_t *v)
{
	return nonfinite_name(v) != NULL;
}

const char *
adac_json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "an unknown value";
}

int
adac_json_number(const json_t *v, const char *ptr, double *out,
		 struct adac_error *err)
{
	const char *nf;

	if (v == NULL)
		return adac_error_set(err, ADAC_E_INPUT, ptr,
				      "missing number");
	nf = nonfinite_name(v);
	if (nf != NULL)
		return adac_error_set(err, ADAC_E_INPUT, ptr,
				      "%s is not a finite number", nf);
	if (!json_is_number(v))
		return adac_error_set(err, ADAC_E_INPUT, ptr,
				      "expected a number, got %s",
				      adac_json_type_name(v));
	*out = json_number_value(v);
	if (!isfinite(*out))
		return adac_error_set(err, ADAC_E_INPUT, ptr,
				      "number is not finite");
	return ADAC_OK;
}

int
adac_json_integer(const json_t *v, const char *ptr, long lo, long hi,
		  long *out, struct adac_error *err)
{
	double x;
	int rc;

	rc = adac_json_number(v, ptr, &x, err);
	if (rc != ADAC_OK)
		return rc;
	if (x != floor(x))
		return adac_error_set(err, ADAC_E_INPUT, ptr,
				      "expected a whole number, got %.17g", x);
	if (x < (double)lo || x > (double)hi)
		return adac_error_set(err, ADAC_E_INPUT, ptr,
				      "%.17g is out of range %ld to %ld", x,
				      lo, hi);
	*out = (long)x;
	return ADAC_OK;
}

int
adac_json_numbers(const json_t *v, const char *ptr, long n, long max_len,
		  double **out, long *len, struct adac_error *err)
{
	char p[ADAC_POINTER_MAX];
	double *x;
	size_t i, m;
	int rc;

	if (v == NULL)
		return adac_error_set(err, ADAC_E_INPUT, ptr,
				      "missing array of numbers");
	if (!json_is_array(v))
		return adac_error_set(err, ADAC_E_INPUT, ptr,
				      "expected an array of numbers, got %s",
				      adac_json_type_name(v));
	m = json_array_size(v);
	if (n >= 0 && m != (size_t)n)
		return adac_error_set(err, ADAC_E_INPUT, ptr,
				      "expected %ld numbers, got %zu", n, m);
	if (m == 0)
		return adac_error_set(err, ADAC_E_INPUT, ptr,
				      "expected at least one number");
	if (max_len > 0 && m > (size_t)max_len)
		return adac_error_set(err, ADAC_E_INPUT, ptr,
				      "%zu numbers is more than the limit of %ld",
				      m, max_len);
	x = malloc(m * sizeof *x);
	if (x == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, ptr, "out of memory");
	for (i = 0; i < m; i++) {
		/* the pointer is built only for the error: it costs a printf */
		rc = adac_json_number(json_array_get(v, i), NULL, &x[i], NULL);
		if (rc != ADAC_OK) {
			adac_ptr_index(p, ptr, i);
			rc = adac_json_number(json_array_get(v, i), p, &x[i], err);
			free(x);
			return rc;
		}
	}
	*out = x;
	*len = (long)m;
	return ADAC_OK;
}

int
adac_json_string(const json_t *v, const char *ptr, const char **out,
		 struct adac_error *err)
{
	if (v == NULL)
		return adac_error_set(err, ADAC_E_INPUT, ptr, "missing string");
	if (!json_is_string(v) || nonfinite_name(v) != NULL)
		return adac_error_set(err, ADAC_E_INPUT, ptr,
				      "expected a string, got %s",
				      nonfinite_name(v) ? "a number" :
				      adac_json_type_name(v));
	*out = json_string_value(v);
	return ADAC_OK;
}

void
adac_ptr_key(char *dst, const char *base, const char *key)
{
	size_t j = 0;
	const char *s;

	if (dst != base)
		snprintf(dst, ADAC_POINTER_MAX, "%s", base);
	j = strlen(dst);
	if (j + 1 < ADAC_POINTER_MAX)
		dst[j++] = '/';
	for (s = key; *s != '\0' && j + 2 < ADAC_POINTER_MAX; s++) {
		if (*s == '~' || *s == '/') {
			dst[j++] = '~';
			dst[j++] = *s == '~' ? '0' : '1';
		} else {
			dst[j++] = *s;
		}
	}
	dst[j] = '\0';
}

void
adac_ptr_index(char *dst, const char *base, size_t index)
{
	char key[32];

	snprintf(key, sizeof key, "%zu", index);
	adac_ptr_key(dst, base, key);
}

char *
adac_fmt_double(char buf[32], double x)
{
	int prec;

	/*
	 * "-0" is the integer 0 to a JSON reader: negative zero keeps its
	 * sign only as a real, and the canonical text must read back as
	 * itself.
	 */
	if (x == 0.0) {
		strcpy(buf, signbit(x) ? "-0.0" : "0");
		return buf;
	}
	/* integers print as integers: 48000, not 48000.0 or 4.8e+04 */
	if (x == floor(x) && fabs(x) < 1e17) {
		snprintf(buf, 32, "%.0f", x);
		return buf;
	}
	/*
	 * Start at 15 digits: any double within reach of a shorter decimal
	 * rounds to that decimal at 15 digits (its half-ulp, 1.1e-16
	 * relative, is below half a unit in the 15th digit), and %g drops
	 * the trailing zeros, so the shortest text is found in three tries
	 * at most instead of seventeen.  Subnormals carry fewer bits, so
	 * they search from one digit.
	 */
	for (prec = fabs(x) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	return buf;
}

/* --- the canonical writer ---------------------------------------------- */

static void
indent(struct adac_buf *b, int depth)
{
	int i;

	adac_buf_put(b, "\n", 1);
	for (i = 0; i < depth; i++)
		adac_buf_put(b, "  ", 2);
}

static void
put_string(struct adac_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7];
	size_t i;

	adac_buf_put(b, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': adac_buf_put(b, "\\\"", 2); break;
		case '\\': adac_buf_put(b, "\\\\", 2); break;
		case '\n': adac_buf_put(b, "\\n", 2); break;
		case '\t': adac_buf_put(b, "\\t", 2); break;
		case '\r': adac_buf_put(b, "\\r", 2); break;
		default:
			if (c < 0x20) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				adac_buf_put(b, esc, 6);
			} else {
				adac_buf_put(b, (const char *)&s[i], 1);
			}
		}
	}
	adac_buf_put(b, "\"", 1);
}

/*
 * The order keys are written in: the IR's schema order, so that a
 * document reads top-down as it flows; keys not listed come after, sorted.
 */
static const char *const key_order[] = {
	"adac", "name", "fs", "inputs", "outputs", "op", "id", "in", "out",
	"kind", "of", "forward", "back", "samples", "interp", "values",
	"data", "structure", "sections", "decay", "graph", "controls",
	"source", "certificate", "min", "max", "init", "unit",
	"scale", "u", "perm", "row_perm", "col_perm", "row_signs",
	"col_signs", "control", "format",
};

static int
key_rank(const char *k)
{
	size_t i;

	for (i = 0; i < sizeof key_order / sizeof key_order[0]; i++)
		if (strcmp(k, key_order[i]) == 0)
			return (int)i;
	return (int)(sizeof key_order / sizeof key_order[0]);
}

static int
key_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int rx = key_rank(x), ry = key_rank(y);

	if (rx != ry)
		return rx < ry ? -1 : 1;
	return strcmp(x, y);
}

static int
is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

static void
dump(struct adac_buf *b, const json_t *v, int depth, int pretty)
{
	char num[32];
	const char *key;
	const char **keys;
	json_t *item;
	size_t i, n;
	int flat;

	switch (json_typeof(v)) {
	case JSON_NULL: adac_buf_puts(b, "null"); return;
	case JSON_TRUE: adac_buf_puts(b, "true"); return;
	case JSON_FALSE: adac_buf_puts(b, "false"); return;
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		adac_buf_puts(b, num);
		return;
	case JSON_REAL:
		adac_buf_puts(b, adac_fmt_double(num, json_real_value(v)));
		return;
	case JSON_STRING:
		if (nonfinite_name(v) != NULL) {
			adac_buf_puts(b, nonfinite_name(v));
			return;
		}
		put_string(b, json_string_value(v), json_string_length(v));
		return;
	case JSON_ARRAY:
		n = json_array_size(v);
		flat = 1;
		for (i = 0; i < n; i++)
			if (!is_scalar(json_array_get(v, i)))
				flat = 0;
		adac_buf_put(b, "[", 1);
		for (i = 0; i < n; i++) {
			if (i > 0)
				adac_buf_puts(b, pretty && flat ? ", " : ",");
			if (pretty && !flat)
				indent(b, depth + 1);
			dump(b, json_array_get(v, i), depth + 1, pretty);
		}
		if (pretty && !flat && n > 0)
			indent(b, depth);
		adac_buf_put(b, "]", 1);
		return;
	case JSON_OBJECT:
		n = json_object_size(v);
		keys = malloc((n ? n : 1) * sizeof *keys);
		if (keys == NULL) {
			b->failed = 1;
			return;
		}
		i = 0;
		json_object_foreach((json_t *)v, key, item)
			keys[i++] = key;
		qsort(keys, n, sizeof *keys, key_cmp);
		adac_buf_put(b, "{", 1);
		for (i = 0; i < n; i++) {
			if (i > 0)
				adac_buf_put(b, ",", 1);
			if (pretty)
				indent(b, depth + 1);
			put_string(b, keys[i], strlen(keys[i]));
			adac_buf_puts(b, pretty ? ": " : ":");
			dump(b, json_object_get(v, keys[i]), depth + 1, pretty);
		}
		if (pretty && n > 0)
			indent(b, depth);
		adac_buf_put(b, "}", 1);
		free(keys);
		return;
	}
}

char *
adac_json_dumps(const json_t *v)
{
	struct adac_buf b = {0};

	dump(&b, v, 0, 1);
	adac_buf_put(&b, "\n", 1);
	return adac_buf_take(&b);
}

char *
adac_json_dumps_compact(const json_t *v)
{
	struct adac_buf b = {0};

	dump(&b, v, 0, 0);
	return adac_buf_take(&b);
}

int
adac_json_check_keys(const json_t *obj, const char *ptr,
		     const char *const *allowed, const char *what,
		     struct adac_error *err)
{
	char p[ADAC_POINTER_MAX];
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)obj, key, v) {
		if (strncmp(key, "x-", 2) == 0)
			continue;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			adac_ptr_key(p, ptr, key);
			return adac_error_set(err, ADAC_E_INPUT, p,
					      "unknown key '%s'%s%s", key,
					      what != NULL ? " in " : "",
					      what != NULL ? what : "");
		}
	}
	return ADAC_OK;
}
