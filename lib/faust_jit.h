/*
 * faust_jit.h - FAUST programs compiled in-process with libfaust (LLVM
 * JIT, or the interpreter backend), driven from C.
 *
 * The libfaust C headers do not compile as C as shipped; lib/faust_c.h is
 * the one place that works around that, and only faust_jit.c includes it.
 * adac_faust_compile() and adac_faust_compile_file() pair with
 * adac_faust_free(); strings returned as const char * are borrowed and
 * live as long as the program.  A compiled program is single-threaded: one
 * thread computes and sets parameters at a time.  Compiling and freeing
 * are safe from any thread: libfaust factory creation is not thread-safe,
 * so it is serialised here behind one mutex (with libfaust's own
 * startMTDSPFactories() called once).  libfaust caches factories by source
 * and options and reference-counts them; every program holds one reference
 * and adac_faust_free() drops it, so recompiling a changed source gets a
 * new factory and an unchanged one is a cheap cache hit.
 */
#ifndef ADAC_FAUST_JIT_H
#define ADAC_FAUST_JIT_H

#include "error.h"

enum adac_faust_backend { ADAC_FAUST_LLVM, ADAC_FAUST_INTERP };

struct adac_faust_options {
	enum adac_faust_backend backend;
	/*
	 * FAUST -double: the program computes in double AND its audio
	 * buffers and parameter zones are double (LLVM backend only: the
	 * interpreter's -double is broken in libfaust 2.54.9 and refused).
	 */
	int double_precision;
	const char *target;	/* LLVM "triple:cpu", NULL or "" for the host */
	int opt_level;		/* LLVM IR optimisation 0..4, -1 the maximum */
	/* -I directory for import() and library() of local files, or NULL */
	const char *include_dir;
	int ftz;		/* FAUST -ftz: 0 none (FAUST's default), 1, 2 */
	/* further FAUST options passed as they are, e.g. {"-vec", "-vs", "32"} */
	const char *const *extra_args;
	int n_extra_args;
};

/* Fill opt with the defaults: LLVM, float, host target, opt_level -1. */
void adac_faust_options_init(struct adac_faust_options *opt);

struct adac_faust;

/*
 * Compile source; name is the program's name (the top-level group of its
 * addresses unless the source declares a name) and is stripped from the
 * compiler's messages.  opt may be NULL for the defaults.  fs_hz > 0.
 * Returns ADAC_OK and sets *out, or:
 *   ADAC_E_INPUT       the program does not compile: err->text is the
 *                      compiler's message on one line ("line 3: undefined
 *                      symbol : foo"); also for invalid options
 *   ADAC_E_DEPENDENCY  libfaust failed otherwise (unknown LLVM target, no
 *                      instance)
 *   ADAC_E_NOMEM
 */
int adac_faust_compile(const char *name, const char *source,
		       const struct adac_faust_options *opt, int fs_hz,
		       struct adac_faust **out, struct adac_error *err);

/*
 * Read and compile the file at path: the name is its base name without
 * the extension, and its directory is searched for local imports unless
 * opt->include_dir says otherwise.  ADAC_E_IO when it cannot be read,
 * otherwise as adac_faust_compile().
 */
int adac_faust_compile_file(const char *path,
			    const struct adac_faust_options *opt, int fs_hz,
			    struct adac_faust **out, struct adac_error *err);

/* Free dsp and drop its factory reference; NULL does nothing. */
void adac_faust_free(struct adac_faust *dsp);

int adac_faust_inputs(const struct adac_faust *dsp);
int adac_faust_outputs(const struct adac_faust *dsp);
int adac_faust_fs_hz(const struct adac_faust *dsp);
/* 1 when buffers and zones are double (compiled with -double). */
int adac_faust_is_double(const struct adac_faust *dsp);

/* Milliseconds the factory and instance took to create. */
double adac_faust_compile_ms(const struct adac_faust *dsp);

/*
 * Re-initialise at another sample rate: constants recomputed, state
 * cleared, parameter values kept.
 */
void adac_faust_set_fs(struct adac_faust *dsp, int fs_hz);

/* Clear state (delay lines, recursions), keep parameter values. */
void adac_faust_clear(struct adac_faust *dsp);

/* Reset every parameter to its init value. */
void adac_faust_reset_params(struct adac_faust *dsp);

/*
 * Compute frames samples, non-interleaved: in[i][n] → out[o][n].  The
 * buffers are double when adac_faust_is_double(), else float: pass the
 * matching type through void **.  Any frames >= 0; the program's output
 * does not depend on how a signal is cut into blocks.
 */
void adac_faust_compute(struct adac_faust *dsp, int frames, void **in,
			void **out);

/*
 * Parameters (sliders, number entries, buttons, check boxes and the
 * read-only bargraphs) by FAUST address: "/" + the enclosing group labels
 * + "/" + the label, with ' ', '#', '*', ',', '?', '[', ']', '{', '}',
 * '(' and ')' replaced by '_' (as FAUST's PathBuilder does), e.g.
 * "/Name/rt60".  i runs from 0 to adac_faust_param_count() - 1.
 */
int adac_faust_param_count(const struct adac_faust *dsp);
const char *adac_faust_param_address(const struct adac_faust *dsp, int i);
/* The bare label ("rt60"). */
const char *adac_faust_param_label(const struct adac_faust *dsp, int i);
/* "hslider", "vslider", "nentry", "button", "checkbox", "hbargraph", "vbargraph" */
const char *adac_faust_param_kind(const struct adac_faust *dsp, int i);
/* The index of the parameter at address, or -1. */
int adac_faust_param_find(const struct adac_faust *dsp, const char *address);
/*
 * The index of the one parameter whose address is name (when name starts
 * with '/') or ends in "/" + name; -1 when none does, -2 when several do.
 */
int adac_faust_param_lookup(const struct adac_faust *dsp, const char *name);
double adac_faust_param_get(const struct adac_faust *dsp, int i);
/* Write the zone; the value is not clamped to the range. */
void adac_faust_param_set(struct adac_faust *dsp, int i, double value);
/* min, max, init, step of parameter i (any pointer may be NULL). */
void adac_faust_param_range(const struct adac_faust *dsp, int i, double *min,
			    double *max, double *init, double *step);

/*
 * The program's user interface as JSON, in the shape of FAUST's own
 * -json output: {"name", "inputs", "outputs", "meta": [{key: value}...],
 * "ui": [{"type": "vgroup", "label", "items": [{"type": "hslider",
 * "label", "address", "meta", "init", "min", "max", "step"}...]}]}.
 * Borrowed.
 */
const char *adac_faust_json_ui(const struct adac_faust *dsp);

/* The libfaust version string, e.g. "2.54.9 (LLVM 14.0.6)". */
const char *adac_faust_version(void);

#endif
