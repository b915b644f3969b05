/*
 * version.h - the version of adac and of the IR it reads and writes.
 *
 * One home for both, so that the library (the comment line atop an
 * emitted program) and the programs (--version) cannot disagree, and so
 * that the library needs nothing from the programs' cli.h to say it.
 */
#ifndef ADAC_VERSION_H
#define ADAC_VERSION_H

#define ADAC_VERSION "0.1.0"

/* The "adac" member of every IR document this version reads and writes. */
#define ADAC_IR_VERSION "ir/1"

#endif
