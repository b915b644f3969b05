/*
 * cli.h - what every adac program shares: its name in messages, reading
 * an input, writing an output atomically, the one-line error.
 *
 * These are the only libadac functions that touch stdin, stdout and
 * stderr; they exist for tools/ and are not meant for embedding.
 */
#ifndef ADAC_CLI_H
#define ADAC_CLI_H

#include <stddef.h>

#include "error.h"
#include "faust_jit.h"
#include "file.h"
#include "version.h"

/* Set the program name used as the prefix of every message. */
void adac_cli_init(const char *prog);
const char *adac_cli_prog(void);

/* The name messages give an input path: "<stdin>" for NULL or "-". */
const char *adac_cli_input_name(const char *path);

/*
 * Read all of path (NULL or "-": stdin) into a NUL-terminated malloc'd
 * buffer: adac_read_file() with ADAC_MAX_INPUT_BYTES.  ADAC_E_IO when it
 * cannot be read, ADAC_E_INPUT when it is larger than that.
 */
int adac_cli_read(const char *path, char **buf, size_t *len,
		  struct adac_error *err);

/*
 * Write len bytes of data to path (NULL or "-": stdout).  A file is
 * written to a temporary beside it and renamed into place, so that a
 * failure leaves no partial file; a file it replaces keeps its
 * permission bits, a new one gets 0666 less the umask.  stdout is
 * flushed (not closed: the program may still print), so that a failed
 * write is reported and not silently truncated.  ADAC_E_IO.
 */
int adac_cli_write(const char *path, const void *data, size_t len,
		   struct adac_error *err);

/*
 * adac_cli_write(), and when it fails the one-line error against the
 * output, not the input: "prog: error: OUT: cannot write: REASON", OUT
 * being path or "<stdout>" (never the temporary's name).  Returns the
 * exit status: 0, or 3 (adac(7): a file that cannot be written is the
 * system failing, as is one that cannot be read).
 */
int adac_cli_output(const char *path, const void *data, size_t len);

/*
 * Print "prog: error: INPUT: POINTER: TEXT" (INPUT and POINTER left out
 * when NULL or empty) on stderr and return adac_exit_status(err->code).
 * Every message these functions print is one line: control characters
 * in it (a newline quoted from the input) are written as \n, \t, \r
 * or \xNN.
 */
int adac_cli_fail(const char *input, const struct adac_error *err);

/* Print "prog: error: TEXT" and return 2: for bad usage. */
int adac_cli_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * For the option getopt_long() has just refused, returning c ('?' or
 * ':'; set opterr = 0 and start the option string with ':'): print
 * "prog: error: unknown option '--x'; see 'prog --help'" (or "option
 * '-o' needs a value", "option '--help' takes no value") and return 2.
 */
int adac_cli_option_error(int c, char *const argv[]);

/*
 * The value s of option opt (as written: "--grid", "-n") as a finite
 * number from lo to hi into *out: 0, or print "prog: error: OPT: 'S' is
 * not a number from LO to HI" and return 2.  *out is set only on
 * success.  Every program parses its numeric options here.
 */
int adac_cli_number(const char *opt, const char *s, double lo, double hi,
		    double *out);

/* The same for a whole number: "... is not a whole number from LO to HI". */
int adac_cli_whole(const char *opt, const char *s, long lo, long hi,
		   long *out);

/*
 * The value s of --backend: "llvm" or "interp", and "auto" (interp
 * first, upgraded to LLVM) where with_auto is set, into *backend and
 * *is_auto: 0, or print "prog: error: --backend: 'S' is not llvm or
 * interp" (or "auto, llvm or interp") and return 2.
 */
int adac_cli_backend(const char *s, int with_auto,
		     enum adac_faust_backend *backend, int *is_auto);

/* Print "prog: warning: TEXT" on stderr. */
void adac_cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "prog 0.1.0 (ir/1)" on stdout and return 0. */
int adac_cli_version(void);

#endif
