/*
 * faust_jit.h - FAUST programs compiled in-process with libfaust (LLVM
 * JIT, or the interpreter backend), driven from C.
 *
 * The libfaust C headers do not compile as C as shipped; this module is
 * the one place that works around that.  adac_faust_compile() pairs with
 * adac_faust_free().  A compiled program is single-threaded: one thread
 * computes and sets parameters at a time.  Compiling is serialised
 * internally (libfaust factory creation is not thread-safe).
 */
#ifndef ADAC_FAUST_JIT_H
#define ADAC_FAUST_JIT_H

#include "error.h"

enum adac_faust_backend { ADAC_FAUST_LLVM, ADAC_FAUST_INTERP };

struct adac_faust_options {
	enum adac_faust_backend backend;
	int double_precision;	/* -double: FAUSTFLOAT is still float at the API */
	const char *target;	/* LLVM target triple:cpu, NULL for the host */
	int opt_level;		/* -1 for libfaust's default */
};

struct adac_faust;

/*
 * Compile source (name is used in messages).  On a compile error returns
 * ADAC_E_INPUT with the compiler's message in err->text; on a libfaust
 * failure ADAC_E_DEPENDENCY.
 */
int adac_faust_compile(const char *name, const char *source,
		       const struct adac_faust_options *opt, int fs_hz,
		       struct adac_faust **out, struct adac_error *err);
void adac_faust_free(struct adac_faust *dsp);

int adac_faust_inputs(const struct adac_faust *dsp);
int adac_faust_outputs(const struct adac_faust *dsp);

/* Milliseconds the factory and instance took to create. */
double adac_faust_compile_ms(const struct adac_faust *dsp);

/* Clear state, keep parameter values. */
void adac_faust_clear(struct adac_faust *dsp);

/*
 * Compute frames samples, non-interleaved: in[i][n] → out[o][n].  With
 * double precision the buffers are double, else float: pass the matching
 * type through void **.
 */
void adac_faust_compute(struct adac_faust *dsp, int frames, void **in,
			void **out);

/* Parameters by FAUST address ("/Name/rt60"). */
int adac_faust_param_count(const struct adac_faust *dsp);
const char *adac_faust_param_address(const struct adac_faust *dsp, int i);
int adac_faust_param_find(const struct adac_faust *dsp, const char *address);
double adac_faust_param_get(const struct adac_faust *dsp, int i);
void adac_faust_param_set(struct adac_faust *dsp, int i, double value);
/* min, max, init, step of parameter i. */
void adac_faust_param_range(const struct adac_faust *dsp, int i, double *min,
			    double *max, double *init, double *step);

/* The program's JSON UI description (libfaust's), borrowed. */
const char *adac_faust_json_ui(const struct adac_faust *dsp);

#endif
