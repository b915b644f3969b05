/*
 * faust_jit.h - FAUST programs compiled with libfaust (LLVM JIT, or the
 * interpreter backend) and run in-process, driven from C.
 *
 * Compiling is bounded.  A FAUST program is code: a 29-byte one can keep
 * the compiler busy for minutes or overflow its stack.  So the compiler
 * never runs in the calling process: each compile is done by a worker
 * process (adac-faust-worker, see adac_faust_compile()) under CPU-time,
 * address-space and wall-clock limits, with a large stack, killed when it
 * overruns; it sends back the compiled code (LLVM machine code or
 * interpreter bytecode), and only that finished result is loaded here.
 *
 * The libfaust C headers do not compile as C as shipped; lib/faust_c.h is
 * the one place that works around that, and only faust_jit.c includes it.
 * adac_faust_compile() and adac_faust_compile_file() pair with
 * adac_faust_free(); strings returned as const char * are borrowed and
 * live as long as the program.  A compiled program is single-threaded: one
 * thread computes and sets parameters at a time.  Compiling and freeing
 * are safe from any thread and several compiles run at once, each in its
 * own worker; loading a result into libfaust (which is not thread-safe)
 * is serialised behind one mutex, with libfaust's own
 * startMTDSPFactories() called once.
 */
#ifndef ADAC_FAUST_JIT_H
#define ADAC_FAUST_JIT_H

#include <stdatomic.h>
#include <stddef.h>

#include "error.h"

enum adac_faust_backend { ADAC_FAUST_LLVM, ADAC_FAUST_INTERP };

/*
 * What one compile may use.  The worker runs the compiler on a thread
 * with a stack of stack_mb; its address space may grow by mem_mb beyond
 * that stack and what it held before the compile (the libraries it has
 * loaded); its CPU time is limited to cpu_s; the caller kills it when
 * wall_s have passed since the call (waiting for a free worker counts).
 * program_mb bounds the memory of the compiled program's instance (its
 * delay lines and tables), measured by the worker before the program is
 * created here; 0 leaves it to mem_mb.
 */
struct adac_faust_limits {
	double cpu_s;
	double wall_s;
	long mem_mb;
	long stack_mb;
	long program_mb;
};

#define ADAC_FAUST_CPU_S 120.0
#define ADAC_FAUST_WALL_S 300.0
#define ADAC_FAUST_MEM_MB 4096L
#define ADAC_FAUST_STACK_MB 512L

/* Why a compile stopped short (adac_faust_compile_ex()). */
enum adac_faust_limit {
	ADAC_FAUST_LIMIT_NONE,		/* it did not: compiled, or a plain error */
	ADAC_FAUST_LIMIT_CPU,		/* limits.cpu_s */
	ADAC_FAUST_LIMIT_WALL,		/* limits.wall_s */
	ADAC_FAUST_LIMIT_MEMORY,	/* limits.mem_mb */
	ADAC_FAUST_LIMIT_STACK,		/* limits.stack_mb */
	ADAC_FAUST_LIMIT_PROGRAM,	/* limits.program_mb */
	ADAC_FAUST_LIMIT_CRASH,		/* the compiler died of a signal */
	ADAC_FAUST_LIMIT_CANCELLED	/* *opt->cancel was set */
};

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
	struct adac_faust_limits limits;
	/*
	 * For code from the network: import(), component() and library()
	 * may name only files of the FAUST standard library (checked in the
	 * text, see adac_faust_check_imports(), and again by the worker
	 * against the files the compiler opened); include_dir is ignored.
	 */
	int std_libs_only;
	/*
	 * When not NULL: setting *cancel non-zero stops a compile in
	 * progress (within about 50 ms) with ADAC_FAUST_LIMIT_CANCELLED.
	 */
	atomic_int *cancel;
};

/*
 * Fill opt with the defaults: LLVM, float, host target, opt_level -1,
 * the ADAC_FAUST_* limits.
 */
void adac_faust_options_init(struct adac_faust_options *opt);

struct adac_faust;

/*
 * Compile source; name is the program's name (the top-level group of its
 * addresses unless the source declares a name) and is stripped from the
 * compiler's messages.  opt may be NULL for the defaults.  fs_hz > 0.
 * The compile runs in a worker process within opt->limits (see above).
 * Returns ADAC_OK and sets *out, or:
 *   ADAC_E_INPUT       the program does not compile: err->text is the
 *                      compiler's message on one line ("line 3: undefined
 *                      symbol : foo"); or compiling it hit a limit or
 *                      crashed the compiler (err->text says which); also
 *                      for invalid options
 *   ADAC_E_DEPENDENCY  libfaust failed otherwise (unknown LLVM target, no
 *                      instance), the worker cannot be started, or the
 *                      compile was cancelled
 *   ADAC_E_NOMEM
 * The worker is the program adac-faust-worker: $ADAC_FAUST_WORKER when
 * set, else ../libexec/adac/adac-faust-worker from the directory of the
 * running program (as make builds and installs it).
 */
int adac_faust_compile(const char *name, const char *source,
		       const struct adac_faust_options *opt, int fs_hz,
		       struct adac_faust **out, struct adac_error *err);

/* The same; *limit (may be NULL) says which limit stopped it, if one did. */
int adac_faust_compile_ex(const char *name, const char *source,
			  const struct adac_faust_options *opt, int fs_hz,
			  struct adac_faust **out, enum adac_faust_limit *limit,
			  struct adac_error *err);

/*
 * Check that every import(), component() and library() of source names
 * a file of the FAUST standard library (a plain name such as
 * "stdfaust.lib": no directory, no URL).  ADAC_E_INPUT with the first
 * offending name, and its line.
 */
int adac_faust_check_imports(const char *source, struct adac_error *err);

/*
 * Keep n workers started ahead of need, each with libfaust loaded and
 * warmed up for backend, so that a compile does not wait for one to
 * start (0, the default: start one per compile).
 */
void adac_faust_keep_workers(int n, enum adac_faust_backend backend);

/*
 * Where the compile worker is when $ADAC_FAUST_WORKER is not set, for a
 * library loaded into another program (an LV2 plugin's bundle): by
 * default it is found beside the running program.  Call before the
 * first compile; later calls change nothing.
 */
void adac_faust_set_worker_default(const char *path);

/*
 * The main of adac-faust-worker, the worker program: it reads one
 * request on its standard input, answers on file descriptor 3 and exits.
 * Not for anything else.
 */
int adac_faust_worker_main(int argc, char **argv);

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

/* Milliseconds the compile took, from the call to the program ready. */
double adac_faust_compile_ms(const struct adac_faust *dsp);
/* CPU milliseconds the worker spent compiling, and this process loading. */
double adac_faust_compile_cpu_ms(const struct adac_faust *dsp);
/* Bytes the program holds: its instance (delay lines...) and its code. */
size_t adac_faust_memory_bytes(const struct adac_faust *dsp);

/*
 * Re-initialise at another sample rate: constants recomputed, state
 * cleared, parameter values kept.
 */
void adac_faust_set_fs(struct adac_faust *dsp, int fs_hz);

/* Clear state (delay lines, recursions), keep parameter values. */
void adac_faust_clear(struct adac_faust *dsp);

/* Reset every parameter to its init value, as the source text writes it. */
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
