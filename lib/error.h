/*
 * error.h - the error every libadac function fills and its caller owns.
 *
 * The library never prints and never exits: a function that can fail
 * returns ADAC_OK or one of the ADAC_E_* codes below and, on failure, fills
 * the struct adac_error it was given (which may be NULL).  Codes are stable
 * within a major version; adac_exit_status() maps them onto the exit
 * statuses every program documents (0 ok, 1 negative verdict, 2 bad input,
 * 3 a dependency or the system failed).
 */
#ifndef ADAC_ERROR_H
#define ADAC_ERROR_H

#include <stddef.h>

enum {
	ADAC_OK = 0,
	ADAC_E_INPUT,		/* malformed or invalid input document, bad usage */
	ADAC_E_NEGATIVE,	/* a negative verdict: not certified, outputs differ */
	ADAC_E_DEPENDENCY,	/* faust, LAPACKE or another library failed */
	ADAC_E_IO,		/* reading or writing a file failed */
	ADAC_E_NOMEM,		/* out of memory */
	ADAC_E_COUNT
};

#define ADAC_POINTER_MAX 256
#define ADAC_TEXT_MAX 512

struct adac_error {
	int code;			/* ADAC_E_* */
	char pointer[ADAC_POINTER_MAX];	/* JSON pointer of the bad value, or "" */
	char text[ADAC_TEXT_MAX];	/* lower-case, no full stop */
};

/*
 * Fill err (when not NULL) and return code, so that a failing path reads
 * `return adac_error_set(err, ADAC_E_INPUT, ptr, "delay %ld is negative", n);`.
 * pointer may be NULL or "" when no JSON value is at fault.  Control
 * characters in the text are escaped (\n, \t, \r, \xNN): it is one line.
 */
int adac_error_set(struct adac_error *err, int code, const char *pointer,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Reset err to ADAC_OK with empty pointer and text. */
void adac_error_clear(struct adac_error *err);

/* A static description of code, never NULL. */
const char *adac_strerror(int code);

/* The process exit status that documents code: 0, 1, 2 or 3. */
int adac_exit_status(int code);

#endif
