/*
 * audio.h - impulse responses as bytes: WAV (through libsndfile), raw
 * little-endian samples, JSON; and a WAV file read back into a response.
 *
 * Encoders return a new malloc'd buffer the caller frees; readers return
 * a new response freed with adac_response_free().  Nothing is written to
 * a file here: tools write the buffer with adac_cli_write().
 *
 * Layout everywhere: one channel per path, path (i, o) in channel
 * i · outputs + o (input-major: 0→0, 0→1, ..., 1→0, ...), frames
 * interleaved, the order of struct adac_response.
 */
#ifndef ADAC_AUDIO_H
#define ADAC_AUDIO_H

#include <stddef.h>

#include "error.h"
#include "response.h"

enum adac_format {
	ADAC_FORMAT_WAV,	/* RIFF WAVE, IEEE float samples */
	ADAC_FORMAT_JSON,	/* see adac_audio_encode_json() */
	ADAC_FORMAT_RAW,	/* headerless little-endian interleaved samples */
};

enum adac_sample_type {
	ADAC_SAMPLE_FLOAT32,	/* each double rounded to nearest float */
	ADAC_SAMPLE_FLOAT64,	/* exact */
};

/* Parse "wav", "json", "raw"; 0 on success, -1 for anything else. */
int adac_format_parse(const char *s, enum adac_format *out);
/* Parse "float32" or "float64" (also "f32", "f64"); 0 or -1. */
int adac_sample_type_parse(const char *s, enum adac_sample_type *out);
const char *adac_format_name(enum adac_format f);
const char *adac_sample_type_name(enum adac_sample_type t);

/*
 * A WAV file of r: inputs · outputs channels at r->fs_hz (rounded to a
 * whole rate; ADAC_E_INPUT unless it is one), float or double subtype.
 * No PEAK chunk, so the same response always gives the same bytes.
 * ADAC_E_INPUT when the file would exceed WAV limits (1024 channels,
 * 4 GiB of data); ADAC_E_DEPENDENCY when libsndfile fails; ADAC_E_NOMEM.
 */
int adac_audio_encode_wav(const struct adac_response *r,
			  enum adac_sample_type type, void **buf, size_t *len,
			  struct adac_error *err);

/* Raw samples: length frames of inputs · outputs little-endian values. */
int adac_audio_encode_raw(const struct adac_response *r,
			  enum adac_sample_type type, void **buf, size_t *len,
			  struct adac_error *err);

/*
 * JSON text, one object, final newline:
 *   {"adac": "response/1", "fs": 48000, "inputs": 1, "outputs": 2,
 *    "length": N, "sample_type": "float64",
 *    "paths": [{"input": 0, "output": 0, "h": [...]}, ...]}
 * Numbers in the shortest form that reads back as the same value of the
 * sample type (float64: the same double; float32: the same float).
 * JSON has no NaN or infinity: a response holding one in the sample type
 * is ADAC_E_INPUT, naming the path and the sample, and nothing is written.
 */
int adac_audio_encode_json(const struct adac_response *r,
			   enum adac_sample_type type, void **buf,
			   size_t *len, struct adac_error *err);

/* One of the three by fmt. */
int adac_audio_encode(const struct adac_response *r, enum adac_format fmt,
		      enum adac_sample_type type, void **buf, size_t *len,
		      struct adac_error *err);

/*
 * Read an audio file (WAV or anything else libsndfile reads; integer PCM
 * is scaled to [-1, 1)) into a response of inputs inputs and
 * channels / inputs outputs.  outputs > 0 also requires that many
 * outputs; fs_hz > 0 requires that rate.  ADAC_E_IO when the file cannot
 * be opened, ADAC_E_INPUT when it is not audio ("not a readable audio
 * file: " and libsndfile's reason), is truncated, or its channel count or
 * rate is wrong (the text says what was expected), ADAC_E_NOMEM.
 */
int adac_audio_read(const char *path, int inputs, int outputs, double fs_hz,
		    struct adac_response **out, struct adac_error *err);

/*
 * The same from len bytes in memory; *is_double (when not NULL) is set on
 * success to whether the file stores its samples as doubles.
 */
int adac_audio_decode(const void *buf, size_t len, int inputs, int outputs,
		      double fs_hz, struct adac_response **out,
		      int *is_double, struct adac_error *err);

#endif
