/*
 * json.h - reading and writing JSON the way every adac document needs it.
 *
 * Functions borrow their json_t * arguments and return new references.
 *
 * Reading accepts the non-standard literals NaN, Infinity and -Infinity
 * that Python's json module writes, so that a NaN in a trained model is
 * reported with its JSON pointer instead of as a syntax error; every
 * number getter then rejects them.  Writing is canonical: keys in a fixed
 * order, numbers in the shortest form that reads back bit-exactly.
 */
#ifndef ADAC_JSON_H
#define ADAC_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"

/*
 * Limits on a JSON document, checked before it is parsed: jansson keeps
 * about 40 bytes per value, so these bound what any document can make a
 * program allocate to a few hundred MB whatever its text.
 */
#define ADAC_MAX_JSON_BYTES (64L << 20)		/* 64 MiB of text */
#define ADAC_MAX_JSON_VALUES (1L << 22)		/* 4194304 values */

/*
 * Parse len bytes of buf.  Returns a new reference, or NULL with err set
 * (ADAC_E_INPUT: "malformed JSON at line L, column C: ..."; "empty input";
 * a document over the limits above).
 */
json_t *adac_json_load(const char *buf, size_t len, struct adac_error *err);

/*
 * The pre-pass adac_json_load() makes, for tests and measurements: a copy
 * of buf in which every NaN, Infinity and -Infinity outside a string is a
 * marked string, in *out (malloc'd, caller frees, NUL-terminated, *outlen
 * bytes), or *out = NULL when the text holds none, which is no allocation.
 * ADAC_OK or ADAC_E_NOMEM.
 */
int adac_json_mark_nonfinite(const char *buf, size_t len, char **out,
			     size_t *outlen);

/*
 * Number getters.  v is the value at JSON pointer ptr (NULL when the key
 * is missing).  On success *out is set and ADAC_OK returned; otherwise
 * ADAC_E_INPUT naming ptr: missing, not a number, NaN or infinite.
 */
int adac_json_number(const json_t *v, const char *ptr, double *out,
		     struct adac_error *err);

/* An integral number within [lo, hi]. */
int adac_json_integer(const json_t *v, const char *ptr, long lo, long hi,
		      long *out, struct adac_error *err);

/*
 * An array of exactly n numbers (n < 0: any length >= 1, at most max_len),
 * stored into a new malloc'd array *out (caller frees) with its length.
 */
int adac_json_numbers(const json_t *v, const char *ptr, long n, long max_len,
		      double **out, long *len, struct adac_error *err);

/* A string; *out is borrowed from v. */
int adac_json_string(const json_t *v, const char *ptr, const char **out,
		     struct adac_error *err);

/*
 * Refuse a key of obj that is neither in allowed (NULL-terminated) nor an
 * extension ("x-..."): ADAC_E_INPUT at ptr/KEY, "unknown key 'KEY'", and
 * " in WHAT" after it when what is not NULL.
 */
int adac_json_check_keys(const json_t *obj, const char *ptr,
			 const char *const *allowed, const char *what,
			 struct adac_error *err);

/* "an object", "an array", "a string", "a number", "a boolean", "null". */
const char *adac_json_type_name(const json_t *v);

/* True when v is a NaN or infinity read from Python-style JSON. */
int adac_json_is_nonfinite(const json_t *v);

/*
 * JSON pointer building: dst = base + "/" + escaped key (or index).
 * Truncated to ADAC_POINTER_MAX - 1 bytes.
 */
void adac_ptr_key(char *dst, const char *base, const char *key);
void adac_ptr_index(char *dst, const char *base, size_t index);

/*
 * Write x in the shortest decimal form that strtod() reads back as the
 * same double ("0.1", "1103", "-2.5e-07"), and that a JSON reader reads
 * as a real of that value: negative zero is "-0.0", since "-0" is the
 * integer 0.  buf must hold 32 bytes;
 * returns buf.  x must be finite.
 */
char *adac_fmt_double(char buf[32], double x);

/*
 * The canonical text of v: two-space indentation, object keys in the
 * order of json.c's key_order[] (the IR's keys as a document reads
 * top-down) and then alphabetically, arrays of scalars
 * on one line, numbers as adac_fmt_double(), a final newline.  Returns a
 * malloc'd string the caller frees, or NULL when out of memory.
 */
char *adac_json_dumps(const json_t *v);

/* Same, but on one line with no spaces and no final newline (for hashing). */
char *adac_json_dumps_compact(const json_t *v);

#endif
