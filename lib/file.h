/*
 * file.h - reading a whole input into memory.
 *
 * The caller owns the buffer it gets (free() it).  The library reads
 * files for the functions that take a path (adac_source_open()); the
 * programs read their inputs, stdin included, through adac_cli_read(),
 * which is this with the programs' size limit.
 */
#ifndef ADAC_FILE_H
#define ADAC_FILE_H

#include <stddef.h>

#include "error.h"

/* The largest input a program reads: 1 GiB. */
#define ADAC_MAX_INPUT_BYTES (1L << 30)

/*
 * Read all of path (NULL or "-": stdin) into a NUL-terminated malloc'd
 * buffer, *buf, of *len bytes (both set only on success).  ADAC_E_IO when
 * it cannot be opened or read, ADAC_E_INPUT when it is larger than
 * max_bytes, ADAC_E_NOMEM.
 */
int adac_read_file(const char *path, size_t max_bytes, char **buf,
		   size_t *len, struct adac_error *err);

/*
 * adac_read_file() for a text that is used as a C string (a FAUST
 * program): a NUL byte inside it would silently cut it short, so it is
 * ADAC_E_INPUT, "holds a NUL byte at offset N".  *buf is set only on
 * success.
 */
int adac_read_text(const char *path, size_t max_bytes, char **buf,
		   struct adac_error *err);

/*
 * Write len bytes of data to path, created or truncated; ADAC_E_IO
 * "PATH: cannot write: REASON" when opening, writing or closing fails.
 */
int adac_write_file(const char *path, const void *data, size_t len,
		    struct adac_error *err);

/*
 * Remove dir and everything under it, as far as it can (a scratch
 * directory a build made: no links are followed out of it, since unlink
 * removes a link itself).
 */
void adac_remove_tree(const char *dir);

#endif
