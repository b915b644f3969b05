/*
 * show.h - human-readable descriptions of an IR: the summary printed by
 * `adac-ir show` and the Graphviz block diagram of `adac-ir dot`.
 *
 * Both borrow the IR and return malloc'd text the caller frees, or NULL
 * when out of memory.
 */
#ifndef ADAC_SHOW_H
#define ADAC_SHOW_H

#include "ir.h"

char *adac_show_summary(const struct adac_ir *ir);
char *adac_show_dot(const struct adac_ir *ir);

#endif
