/*
 * live.h - hear a FAUST program while it changes: a processing engine
 * that swaps in a newly compiled program at a block boundary with an
 * equal-power crossfade, carries the values a user set over to it by
 * address, and applies value-only changes without recompiling.
 *
 * The engine owns every program it compiles.  adac_live_new() pairs with
 * adac_live_free(); char * returns pass ownership, const char * returns are
 * borrowed.  Two sides share an engine:
 *   - the audio side: adac_live_process(), called by one thread at a time
 *     (the driver's).  It never blocks, allocates, locks or makes a system
 *     call other than clock_gettime(): programs arrive through one atomic
 *     pointer, parameter changes through a lock-free single-producer
 *     single-consumer queue, finished programs leave through another.
 *   - the control side: every other function.  These may block, allocate
 *     and compile; they are safe to call from any number of threads (a
 *     mutex serialises them; compiling runs outside it).
 */
#ifndef ADAC_LIVE_H
#define ADAC_LIVE_H

#include <stdint.h>

#include "error.h"
#include "faust_jit.h"

#define ADAC_LIVE_MAX_CHANNELS 256

struct adac_live;
struct adac_live_report;

/* What the safety stage did (see adac_live_process()). */
struct adac_live_mute {
	uint64_t id;		/* the program muted */
	int nonfinite;		/* 1: a sample was NaN or infinite */
	double peak;		/* else the largest |sample| seen over the limit */
	double limit_db;	/* the limit, dBFS */
};

/* The safety stage's default limit, dBFS: +12, four times full scale. */
#define ADAC_LIVE_MAX_LEVEL_DB 12.0

struct adac_live_config {
	int fs_hz;		/* sample rate the programs are built for */
	/*
	 * The driver's channels, fixed for the engine; -1 takes them from
	 * the first program loaded (which must happen before the first
	 * adac_live_process()).  At most ADAC_LIVE_MAX_CHANNELS.
	 */
	int inputs, outputs;
	int max_block;		/* largest chunk compute() sees; 0: 256 */
	double xfade_ms;	/* equal-power crossfade at a swap; 0 cuts */
	double smooth_ms;	/* ramp of a value-only change; 0: jump */
	int cache;		/* compiled programs kept for reuse by source */
	double cache_mb;	/* and the most memory they may hold, MB */
	struct adac_faust_options faust;
	/*
	 * With the interpreter backend, > 0: once the running program has
	 * been left alone this many milliseconds, compile it again with the
	 * LLVM JIT on a thread of the engine's and swap that in (the
	 * interpreter compiles several times faster, the JIT's code runs
	 * several times faster).  The swap carries every parameter value
	 * over and is reported through on_upgrade.
	 */
	int upgrade_ms;
	void (*on_upgrade)(const struct adac_live_report *rep, void *ctx);
	/*
	 * The safety stage's limit in dBFS (-60..60), and what to call (from
	 * adac_live_poll()) when it mutes a program.
	 */
	double max_level_db;
	void (*on_mute)(const struct adac_live_mute *m, void *ctx);
	void *ctx;
	/*
	 * faust.cancel may point to a flag of the caller's (one a signal
	 * handler sets): once it is non-zero, compiles and waits for the
	 * audio thread give up at once, as after adac_live_stop(), which
	 * sets it.
	 */
};

/*
 * The compile limits adac-live applies by default (faust.limits): a
 * training session hears a program within seconds or not at all, and a
 * program's instance lives in the audio process.
 */
#define ADAC_LIVE_COMPILE_CPU_S 30.0
#define ADAC_LIVE_COMPILE_WALL_S 60.0
#define ADAC_LIVE_COMPILE_MEM_MB 4096L
#define ADAC_LIVE_PROGRAM_MB 256L

/*
 * Defaults: 48 kHz, 0 in, 2 out, 256 frames, 10 ms fade, 10 ms ramp, 8
 * cached programs in 256 MB, LLVM, no upgrade, the ADAC_LIVE_* compile
 * limits, a +12 dBFS safety limit.
 * Compiles run in worker processes (see faust_jit.h); an engine keeps
 * one started ahead.
 */
void adac_live_config_init(struct adac_live_config *cfg);

/* ADAC_E_INPUT for a bad configuration, ADAC_E_NOMEM. */
int adac_live_new(const struct adac_live_config *cfg, struct adac_live **out,
		  struct adac_error *err);
/* The driver must have stopped calling adac_live_process().  NULL is fine. */
void adac_live_free(struct adac_live *live);

/*
 * Stop the engine's own work: compiles in progress are cancelled (their
 * loads fail at once, with limit ADAC_FAUST_LIMIT_CANCELLED, as does
 * any load after this), waits for the audio thread give up, the LLVM
 * upgrade thread is joined, and no on_upgrade callback runs once this
 * returns, so that a caller can say its last word after it.  Safe from
 * any thread; adac_live_free() does it too.
 */
void adac_live_stop(struct adac_live *live);

/* ---- the audio side --------------------------------------------------- */

/*
 * Produce frames of output for the driver's outputs from its inputs
 * (non-interleaved float, cfg.inputs and cfg.outputs channels; in may be
 * NULL when there are none).  A program's input i reads the driver's
 * input i modulo cfg.inputs (silence when there are none); outputs beyond
 * a program's own are silent, its extra outputs are dropped.  Before the
 * first program arrives the output is silence.
 *
 * The safety stage: a program that produces a sample that is NaN,
 * infinite or above cfg.max_level_db (in absolute value) is muted from
 * that block on, before any of the block is heard, and is not computed
 * again; the next program loaded sounds as usual.  Non-finite samples
 * are counted.  The mix of two programs during a crossfade is clipped
 * to the limit, so that no sample beyond it ever reaches the driver.
 */
void adac_live_process(struct adac_live *live, int frames,
		       const float *const *in, float *const *out);

/*
 * Set by the driver: how many frames after being computed a sample is
 * heard (its output latency), so that write-to-audible times include it.
 */
void adac_live_set_output_latency(struct adac_live *live, int frames);

/* ---- the control side ------------------------------------------------- */

enum adac_live_status {
	ADAC_LIVE_SWAPPED,	/* a new program is running */
	ADAC_LIVE_VALUES,	/* the running program's values changed */
	ADAC_LIVE_UNCHANGED,	/* same source as the running program */
	ADAC_LIVE_FAILED	/* did not compile; the old one runs on */
};

/* What one adac_live_load() did: one line of the reload log. */
struct adac_live_report {
	enum adac_live_status status;
	uint64_t id;		/* the running program's serial number */
	int cached;		/* reused a compiled program, no compile */
	int upgrade;		/* the LLVM build of the running program */
	const char *backend;	/* "llvm" or "interp" (static) */
	int inputs, outputs, params;
	int params_kept;	/* user-set values carried over by address */
	int values_changed;	/* value-only: parameters pushed */
	double compile_ms;	/* -1 when nothing was compiled */
	/*
	 * CPU time the process spent meanwhile (every thread): a figure the
	 * rest of a busy machine does not inflate
	 */
	double compile_cpu_ms;
	double swap_ms;		/* posted until the audio thread took it */
	double write_to_audible_ms;	/* -1 when unknown */
	/*
	 * The same from when the change was noticed (the inotify event was
	 * read): a file's mtime comes from the kernel's coarse clock, up to
	 * a timer tick (1-10 ms) before the write, so write_to_audible_ms
	 * overstates by up to that much.  -1 when unknown.
	 */
	double detect_to_audible_ms;
	double xfade_ms;
	struct adac_error error;	/* status FAILED: the compiler's message */
	enum adac_faust_limit limit;	/* status FAILED: the limit it hit, if any */
};

/*
 * Flags of a load or compile.  ADAC_LIVE_UNTRUSTED: code from the
 * network: it may import only the FAUST standard libraries (the worker
 * enforces it; see adac_faust_check_imports() for the text), and only a
 * copy compiled so is taken from the cache.
 */
#define ADAC_LIVE_UNTRUSTED 1u

/*
 * Make source (a FAUST program called name) the running program:
 *   - same text as the running program, or the same but for comments
 *     and layout: ADAC_LIVE_UNCHANGED;
 *   - the same text but for the init values of hidden parameters
 *     (see adac_faust_values_diff()): their new values are sent to the
 *     running program, ramped over cfg.smooth_ms: ADAC_LIVE_VALUES;
 *   - otherwise compile it (or reuse a compiled copy of the same text),
 *     give it the values users set on the running program by address,
 *     post it to the audio side and wait up to wait_ms for the audio
 *     thread to take it (0: do not wait): ADAC_LIVE_SWAPPED.
 * write_ns is the CLOCK_REALTIME time at which the change was written
 * (a file's mtime, a request's arrival), 0 when unknown; flags are
 * ADAC_LIVE_* (0 for trusted code).  Returns
 * ADAC_OK with *rep filled (also for a program that does not compile:
 * status FAILED, rep->error holds the message), or ADAC_E_NOMEM /
 * ADAC_E_DEPENDENCY (libfaust itself failed), also reported in rep.
 */
int adac_live_load(struct adac_live *live, const char *name,
		   const char *source, int64_t write_ns, int wait_ms,
		   unsigned flags, struct adac_live_report *rep);

/*
 * Compile source without running it and keep it for a later
 * adac_live_load() of the same text.  *json_ui (when not NULL) receives
 * a malloc'd copy of its JSON UI, *compile_ms the time.  ADAC_E_INPUT
 * with the compiler's message (*limit, when not NULL, says whether a
 * limit stopped it), ADAC_E_DEPENDENCY, ADAC_E_NOMEM.
 */
int adac_live_compile(struct adac_live *live, const char *name,
		      const char *source, unsigned flags, char **json_ui,
		      double *compile_ms, int *inputs, int *outputs,
		      enum adac_faust_limit *limit, struct adac_error *err);

/*
 * Free programs the audio side has finished with, bring reports of
 * swaps up to date, and call cfg.on_mute for each program the safety
 * stage has muted since.  Called by the control loops every few
 * milliseconds; adac_live_load() does the first two too.
 */
void adac_live_poll(struct adac_live *live);

/*
 * The cache of compiled programs: how many, the bytes they hold (their
 * instances, code and buffers), and the most it may hold.
 */
void adac_live_cache_usage(struct adac_live *live, int *programs,
			   size_t *bytes, size_t *max_bytes);

/* 1 when the running program has been muted by the safety stage. */
int adac_live_muted(struct adac_live *live);

/* The log line of m: {"event":"muted",...}, malloc'd; NULL: no memory. */
char *adac_live_mute_json(const struct adac_live_mute *m);

/* The running program's serial number (as in reports), 0 if none. */
uint64_t adac_live_running_id(struct adac_live *live);
/* The running program's channel counts (0, 0 before one runs). */
void adac_live_io(struct adac_live *live, int *inputs, int *outputs);
/* The engine's (the driver's) channel counts; -1 until the first load. */
void adac_live_channels(struct adac_live *live, int *inputs, int *outputs);
/* The running program's source and JSON UI, malloc'd; NULL if none. */
char *adac_live_source(struct adac_live *live);
char *adac_live_json_ui(struct adac_live *live);

/*
 * Set the running program's parameter at a FAUST address (or a unique
 * address suffix such as "gain") to value, clamped to the range the
 * control declares; *applied (may be NULL) receives the value set.  It
 * is kept across reloads (clamped again to each program's range).
 * ADAC_E_INPUT "no parameter 'X'" (also when nothing runs, or for a
 * bargraph), or a non-finite value.
 */
int adac_live_param_set(struct adac_live *live, const char *address,
			double value, double *applied, struct adac_error *err);
/* Its value as last set (or its init).  ADAC_E_INPUT as above. */
int adac_live_param_get(struct adac_live *live, const char *address,
			double *value, struct adac_error *err);
/*
 * Every parameter of the running program as a JSON object
 * {"/Name/gain": 0.5, ...}, malloc'd; "{}" when nothing runs.
 */
char *adac_live_params_json(struct adac_live *live);

/* What the audio side has seen so far (read it after the driver stopped). */
struct adac_live_stats {
	int64_t frames;		/* frames produced */
	int64_t nonfinite;	/* samples replaced because NaN or infinite */
	double peak;		/* largest |sample| */
	double max_step;	/* largest |x[n] - x[n-1]| on any channel */
	int swaps;		/* programs taken by the audio thread */
	int muted;		/* programs the safety stage muted */
};
void adac_live_stats(struct adac_live *live, struct adac_live_stats *st);

/*
 * One reload log line (JSON, no newline) for rep: {"event":"reload",
 * "file":..., "status":"swapped"|"values"|"unchanged"|"failed", ...};
 * malloc'd, NULL when out of memory.
 */
char *adac_live_report_json(const struct adac_live_report *rep,
			    const char *file);

/* CLOCK_REALTIME now in nanoseconds: the clock write_ns is measured on. */
int64_t adac_live_now_ns(void);

#endif
