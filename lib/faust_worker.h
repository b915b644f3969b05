/*
 * faust_worker.h - between faust_jit.c (libfaust), faust_worker.c (the
 * calling side of the worker processes) and faust_serve.c (the worker's
 * side): not for other modules.
 *
 * The worker side compiles a program with libfaust in its own process
 * and serialises the factory (adac_faust_build_code()); the calling side
 * loads that code into libfaust (adac_faust_load_code()).  Strings and
 * code are malloc'd and owned by struct adac_faust_code until
 * adac_faust_code_free().
 */
#ifndef ADAC_FAUST_WORKER_H
#define ADAC_FAUST_WORKER_H

#include <stddef.h>

#include "error.h"
#include "faust_jit.h"

struct adac_faust_code {
	char *code;		/* machine code (base64) or bytecode, NUL-ended */
	size_t len;
	size_t instance_bytes;	/* memory one instance allocates */
	double compile_ms, cpu_ms;	/* in the worker */
	enum adac_faust_limit limit;	/* on failure: which limit, if any */
};

void adac_faust_code_free(struct adac_faust_code *c);

/*
 * The protocol between the two sides (see faust_worker.c): the worker
 * answers on this descriptor; a request's JSON line is at most
 * MAX_HEADER bytes; a worker leaves after REUSE compiles or once its
 * address space has grown by GROWTH bytes (libfaust keeps memory).
 */
#define ADAC_FAUST_RESPONSE_FD 3
#define ADAC_FAUST_MAX_HEADER 65536
#define ADAC_FAUST_REUSE 64
#define ADAC_FAUST_GROWTH (512UL << 20)

/* A limit's name in an answer ("cpu", "memory", ...); NULL for NONE. */
const char *adac_faust_limit_name(enum adac_faust_limit l);

/*
 * Worker side.  Load libfaust (once) and compile a small program with
 * backend so that the first real compile does not pay for the set-up;
 * note where the standard library lives.  Failures are left for the
 * compile to report.
 */
void adac_faust_warm_up(enum adac_faust_backend backend);

/*
 * Worker side: compile source in this process and serialise it, and
 * measure what an instance of it allocates.  With opt->std_libs_only,
 * a library the compiler opened outside the standard library directory
 * is an ADAC_E_INPUT error.  Codes as adac_faust_compile(); on a limit,
 * out->limit says which (the instance could not be allocated: MEMORY).
 */
int adac_faust_build_code(const char *name, const char *source,
			  const struct adac_faust_options *opt,
			  struct adac_faust_code *out, struct adac_error *err);

/* The standard library's directory once warmed up, or "". */
const char *adac_faust_std_dir(void);

/*
 * Calling side: run one compile in a worker within opt->limits.  Codes as
 * adac_faust_compile_ex(); *limit is set on every return.
 */
int adac_faust_worker_compile(const char *name, const char *source,
			      const struct adac_faust_options *opt,
			      struct adac_faust_code *out,
			      enum adac_faust_limit *limit,
			      struct adac_error *err);

/*
 * Calling side: make a program of code compiled by a worker with the same
 * options (backend, precision, target).  ADAC_E_DEPENDENCY when libfaust
 * cannot read it, ADAC_E_INPUT (an unsupported widget), ADAC_E_NOMEM.
 */
int adac_faust_load_code(const char *name, const struct adac_faust_code *code,
			 const struct adac_faust_options *opt, int fs_hz,
			 struct adac_faust **out, struct adac_error *err);

/*
 * For the worker program's interposed pthread_attr_setstacksize() and
 * pthread_create() (see faust_serve.c): the stack size to give instead
 * of asked, and what each new thread does first and last.
 */
size_t adac_faust_worker_stack_bytes(size_t asked);
void adac_faust_worker_thread_start(void);
void adac_faust_worker_thread_end(void);

#endif
