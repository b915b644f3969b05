/*
 * faust_c.h - the libfaust C API headers, made to compile as C.
 *
 * As shipped (FAUST 2.54.9), libfaust-signal-c.h uses bool without
 * <stdbool.h> and libfaust-box-c.h uses SType and SOperator without their
 * enum tags.  Include this header instead of the faust/dsp ones; only
 * lib/faust_jit.c should need it.  FAUSTFLOAT is float here: a program
 * compiled with -double still takes double buffers and zones, so callers
 * cast through void * (see faust_jit.h).
 */
#ifndef ADAC_FAUST_C_H
#define ADAC_FAUST_C_H

#include <stdbool.h>

#include <faust/dsp/libfaust-signal-c.h>

typedef enum SType SType;
typedef enum SOperator SOperator;

#include <faust/dsp/libfaust-c.h>
#include <faust/dsp/llvm-dsp-c.h>
#include <faust/dsp/interpreter-dsp-c.h>

#endif
