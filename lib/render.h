/*
 * render.h - the impulse response of any source: an IR (through the
 * reference simulator), a FAUST program (compiled in-process with
 * libfaust), or an audio file that holds one channel per path.
 *
 * adac_source_open() and adac_source_open_mem() pair with
 * adac_source_free(); a source borrows nothing from its caller except the
 * settings array in its options, which must outlive it.  Responses are
 * new and freed with adac_response_free().
 *
 * Audio files hold paths as channels, path (i, o) in channel
 * i · outputs + o, the layout of struct adac_response; a file alone has
 * one input and one output per channel until adac_source_shape() gives
 * it the shape of what it is compared with.
 */
#ifndef ADAC_RENDER_H
#define ADAC_RENDER_H

#include <stddef.h>

#include "error.h"
#include "faust_jit.h"
#include "response.h"

enum adac_source_kind {
	ADAC_SOURCE_IR,		/* an ir/1 document, or a config adac-lower reads */
	ADAC_SOURCE_DSP,	/* a FAUST program */
	ADAC_SOURCE_AUDIO,	/* WAV, or anything else libsndfile reads */
	ADAC_SOURCE_HOST,	/* rendered by its caller's code: an LV2 plugin */
};

#define ADAC_RENDER_DEFAULT_BLOCK 256
#define ADAC_RENDER_DEFAULT_FS_HZ 48000.0

struct adac_render_options {
	/* FAUST program: compile with -double (buffers double too) */
	int double_precision;
	/* FAUST program: frames per compute call, 0 for the default 256 */
	int block_size;
	/* FAUST program: the rate it is compiled for until told another */
	double fs_hz;
	/*
	 * Control positions: for an IR its controls (adac_sim_resolve()
	 * rules); for a FAUST program the one parameter whose address ends
	 * in "/NAME" (or is NAME when it starts with '/'), whose range the
	 * value must lie in; ignored for audio files.
	 */
	const struct adac_setting *set;
	int n_set;
	/* FAUST program: backend, target, ...; NULL for the defaults */
	const struct adac_faust_options *faust;
	/* called now and then while rendering with the fraction done */
	void (*progress)(void *ctx, double done);
	void *progress_ctx;
};

/* Zero opt: 256-frame blocks, 48 kHz, float, no settings, no progress. */
void adac_render_options_init(struct adac_render_options *opt);

struct adac_source;

/*
 * Recognise a source from its name's extension (.json: IR; .dsp, .lib:
 * FAUST; .wav, .flac, .aif, .aiff, .au, .caf, .w64, .rf64: audio) or,
 * failing that, from its first bytes (an audio header; '{' for an IR;
 * anything else is taken to be FAUST).
 */
enum adac_source_kind adac_source_detect(const char *name, const char *buf,
					 size_t len);

/*
 * Open the file at path and make it ready to render: parse and validate
 * an IR, compile a FAUST program (at opt->fs_hz), read an audio file.
 * Settings are checked here.  ADAC_E_IO (unreadable), ADAC_E_INPUT (bad
 * document, program that does not compile, unknown setting, unreadable
 * audio), ADAC_E_DEPENDENCY (libfaust), ADAC_E_NOMEM.
 */
int adac_source_open(const char *path, const struct adac_render_options *opt,
		     struct adac_source **out, struct adac_error *err);

/* Same from len bytes in memory; name is used for detection and naming. */
int adac_source_open_mem(const char *name, const char *buf, size_t len,
			 const struct adac_render_options *opt,
			 struct adac_source **out, struct adac_error *err);

void adac_source_free(struct adac_source *s);

/*
 * A source that code outside libadac renders, so that the core links no
 * plugin host: plugin/ opens an LV2 bundle this way.  render() has
 * adac_source_render_progress()'s contract (fs_hz already checked
 * against fs_hz when that is not 0); free(ctx) is called by
 * adac_source_free(), and here when this fails (ctx is always taken).
 */
struct adac_source_host {
	void *ctx;
	int inputs, outputs;
	int is_double;
	double fs_hz;		/* the one rate it runs at; 0: any */
	int (*render)(void *ctx, long length, double fs_hz,
		      void (*progress)(void *pctx, double done), void *pctx,
		      struct adac_response **out, struct adac_error *err);
	void (*free)(void *ctx);
};

/* A source of kind ADAC_SOURCE_HOST.  ADAC_E_NOMEM. */
int adac_source_new_host(const struct adac_source_host *host,
			 struct adac_source **out, struct adac_error *err);

enum adac_source_kind adac_source_kind(const struct adac_source *s);

/* The source's own rate: an IR's fs, an audio file's rate; 0 for FAUST. */
double adac_source_fs_hz(const struct adac_source *s);

/* Samples an audio file holds; -1 for sources of any length. */
long adac_source_length(const struct adac_source *s);

int adac_source_inputs(const struct adac_source *s);
int adac_source_outputs(const struct adac_source *s);

/*
 * 1 when the source computes (or an audio file stores) in double
 * precision: an IR, a FAUST program compiled with -double, a 64-bit
 * float file.  0 for float32 and integer PCM.
 */
int adac_source_is_double(const struct adac_source *s);

/*
 * Give an audio file of inputs · outputs channels that shape.
 * ADAC_E_INPUT when the channel count differs (or s is not audio and
 * has another shape).
 */
int adac_source_shape(struct adac_source *s, int inputs, int outputs,
		      struct adac_error *err);

/* The compiled program of a FAUST source (borrowed), else NULL. */
struct adac_faust *adac_source_faust(struct adac_source *s);

/*
 * The impulse response of every path over length samples at fs_hz: for
 * each input alone, state cleared, a unit impulse at sample 0.  An IR or
 * an audio file must have that rate (ADAC_E_INPUT otherwise); a FAUST
 * program is re-initialised at it.  An audio file must hold at least
 * length samples.  ADAC_E_INPUT beyond ADAC_RESPONSE_MAX_SAMPLES over
 * all paths.
 */
int adac_source_render(struct adac_source *s, long length, double fs_hz,
		       struct adac_response **out, struct adac_error *err);

/* Same, reporting to progress (may be NULL) instead of the options'. */
int adac_source_render_progress(struct adac_source *s, long length,
				double fs_hz,
				void (*progress)(void *ctx, double done),
				void *ctx, struct adac_response **out,
				struct adac_error *err);

/*
 * The same driven by x[0 .. length) in place of the impulse, on each
 * input alone (adac_sim_drive()); x NULL is the impulse.  A FAUST
 * program reads x as its precision holds it; an audio file cannot be
 * driven (ADAC_E_INPUT unless x is NULL).
 */
int adac_source_render_signal(struct adac_source *s, long length,
			      double fs_hz, const double *x,
			      void (*progress)(void *ctx, double done),
			      void *ctx, struct adac_response **out,
			      struct adac_error *err);

/* 1 for an IR with a nonlinear node, whose impulse response says little. */
int adac_source_is_nonlinear(const struct adac_source *s);

/*
 * 1 for an IR with a modulated delay: time-varying, so its response to
 * an impulse at sample 0 says nothing of one at another sample.
 */
int adac_source_is_time_varying(const struct adac_source *s);

/*
 * For an IR source: its impulse responses in the simulator's float noise
 * model (adac_sim_impulse_noisy(), with the source's settings), from
 * which adac-diff derives its float tolerance.  ADAC_E_INPUT for other
 * kinds of source or another rate.
 */
int adac_source_render_noisy(struct adac_source *s, long length,
			     double fs_hz, struct adac_response **out,
			     struct adac_error *err);
/* The same driven by x (adac_source_render_signal()). */
int adac_source_render_noisy_signal(struct adac_source *s, long length,
				    double fs_hz, const double *x,
				    struct adac_response **out,
				    struct adac_error *err);

/*
 * The impulse response of a compiled FAUST program: inputs in turn,
 * cleared in between, computed in blocks of block frames (the program's
 * precision decides the buffer type).  ADAC_E_INPUT for a program without
 * inputs or outputs; ADAC_E_NOMEM.
 */
int adac_render_faust(struct adac_faust *dsp, long length, int block,
		      void (*progress)(void *ctx, double done), void *ctx,
		      struct adac_response **out, struct adac_error *err);
/* The same driven by x[0 .. length) on each input in turn (x NULL: the impulse). */
int adac_render_faust_signal(struct adac_faust *dsp, long length,
			     const double *x, int block,
			     void (*progress)(void *ctx, double done),
			     void *ctx, struct adac_response **out,
			     struct adac_error *err);

#endif
