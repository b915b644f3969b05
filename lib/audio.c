/*
 * audio.c - encoding responses as WAV, raw and JSON; reading audio files.
 *
 * WAV goes through libsndfile's virtual I/O into a growing memory buffer,
 * so that a tool writes the finished file atomically or not at all.
 */
#include "audio.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

/* libsndfile refuses more channels than this (SF_MAX_CHANNELS). */
#define WAV_MAX_CHANNELS 1024
/* RIFF sizes are 32-bit; leave room for the header */
#define WAV_MAX_DATA_BYTES (0xFFFFFFFFUL - 4096)

int
adac_format_parse(const char *s, enum adac_format *out)
{
	if (strcmp(s, "wav") == 0)
		*out = ADAC_FORMAT_WAV;
	else if (strcmp(s, "json") == 0)
		*out = ADAC_FORMAT_JSON;
	else if (strcmp(s, "raw") == 0)
		*out = ADAC_FORMAT_RAW;
	else
		return -1;
	return 0;
}

int
adac_sample_type_parse(const char *s, enum adac_sample_type *out)
{
	if (strcmp(s, "float32") == 0 || strcmp(s, "f32") == 0)
		*out = ADAC_SAMPLE_FLOAT32;
	else if (strcmp(s, "float64") == 0 || strcmp(s, "f64") == 0)
		*out = ADAC_SAMPLE_FLOAT64;
	else
		return -1;
	return 0;
}

const char *
adac_format_name(enum adac_format f)
{
	switch (f) {
	case ADAC_FORMAT_WAV:
		return "wav";
	case ADAC_FORMAT_JSON:
		return "json";
	case ADAC_FORMAT_RAW:
		return "raw";
	}
	return "?";
}

const char *
adac_sample_type_name(enum adac_sample_type t)
{
	return t == ADAC_SAMPLE_FLOAT32 ? "float32" : "float64";
}

static size_t
sample_bytes(enum adac_sample_type t)
{
	return t == ADAC_SAMPLE_FLOAT32 ? 4 : 8;
}

/* --- memory files for libsndfile -------------------------------------- */

struct memfile {
	unsigned char *data;
	sf_count_t len, pos, cap;
	int failed;
};

static sf_count_t
mem_len(void *ctx)
{
	return ((struct memfile *)ctx)->len;
}

static sf_count_t
mem_seek(sf_count_t off, int whence, void *ctx)
{
	struct memfile *m = ctx;
	sf_count_t p = whence == SEEK_SET ? off :
		       whence == SEEK_CUR ? m->pos + off : m->len + off;

	if (p < 0)
		return -1;
	m->pos = p;
	return p;
}

static sf_count_t
mem_read(void *dst, sf_count_t n, void *ctx)
{
	struct memfile *m = ctx;

	if (m->pos >= m->len)
		return 0;
	if (n > m->len - m->pos)
		n = m->len - m->pos;
	memcpy(dst, m->data + m->pos, (size_t)n);
	m->pos += n;
	return n;
}

static sf_count_t
mem_write(const void *src, sf_count_t n, void *ctx)
{
	struct memfile *m = ctx;
	sf_count_t end = m->pos + n;

	if (end > m->cap) {
		sf_count_t cap = m->cap ? m->cap : 65536;
		unsigned char *t;

		while (cap < end)
			cap *= 2;
		t = realloc(m->data, (size_t)cap);
		if (t == NULL) {
			m->failed = 1;
			return 0;
		}
		m->data = t;
		m->cap = cap;
	}
	if (m->pos > m->len)	/* a seek past the end leaves a zero gap */
		memset(m->data + m->len, 0, (size_t)(m->pos - m->len));
	memcpy(m->data + m->pos, src, (size_t)n);
	m->pos = end;
	if (end > m->len)
		m->len = end;
	return n;
}

static sf_count_t
mem_tell(void *ctx)
{
	return ((struct memfile *)ctx)->pos;
}

static SF_VIRTUAL_IO mem_io = {mem_len, mem_seek, mem_read, mem_write,
			       mem_tell};

/* --- encoders ---------------------------------------------------------- */

static long
paths_of(const struct adac_response *r)
{
	return (long)r->inputs * r->outputs;
}

int
adac_audio_encode_wav(const struct adac_response *r,
		      enum adac_sample_type type, void **buf, size_t *len,
		      struct adac_error *err)
{
	struct memfile m = {0};
	SF_INFO info;
	SNDFILE *sf = NULL;
	double *frame = NULL;
	long p, np = paths_of(r), n, block = 4096, k;
	int rc = ADAC_OK;

	if (np > WAV_MAX_CHANNELS)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "a WAV file holds at most %d channels, "
				      "not %ld paths; use raw or json",
				      WAV_MAX_CHANNELS, np);
	if ((double)r->length * (double)np * (double)sample_bytes(type) >
	    (double)WAV_MAX_DATA_BYTES)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "%ld samples of %ld paths exceed the "
				      "4 GiB a WAV file holds; use raw",
				      r->length, np);
	if (!(r->fs_hz >= 1 && r->fs_hz <= 2147483647.0 &&
	      r->fs_hz == floor(r->fs_hz)))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "a WAV file needs a whole sample rate, "
				      "not %g Hz", r->fs_hz);
	memset(&info, 0, sizeof info);
	info.samplerate = (int)r->fs_hz;
	info.channels = (int)np;
	info.format = SF_FORMAT_WAV | (type == ADAC_SAMPLE_FLOAT32 ?
				       SF_FORMAT_FLOAT : SF_FORMAT_DOUBLE);
	sf = sf_open_virtual(&mem_io, SFM_WRITE, &info, &m);
	if (sf == NULL) {
		rc = adac_error_set(err, m.failed ? ADAC_E_NOMEM :
				    ADAC_E_DEPENDENCY, "",
				    "libsndfile cannot write WAV: %s",
				    sf_strerror(NULL));
		goto out;
	}
	/* the PEAK chunk holds a time stamp: leave it out for stable bytes */
	sf_command(sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
	frame = malloc(sizeof *frame * (size_t)(np * block));
	if (frame == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	for (n = 0; n < r->length; n += block) {
		long cnt = r->length - n < block ? r->length - n : block;

		for (k = 0; k < cnt; k++)
			for (p = 0; p < np; p++)
				frame[k * np + p] = r->h[p * r->length + n + k];
		if (sf_writef_double(sf, frame, cnt) != cnt) {
			rc = adac_error_set(err, m.failed ? ADAC_E_NOMEM :
					    ADAC_E_DEPENDENCY, "",
					    "libsndfile cannot write WAV: %s",
					    sf_strerror(sf));
			goto out;
		}
	}
	if (sf_close(sf) != 0 || m.failed) {
		sf = NULL;
		rc = adac_error_set(err, m.failed ? ADAC_E_NOMEM :
				    ADAC_E_DEPENDENCY, "",
				    "libsndfile cannot finish the WAV file");
		goto out;
	}
	sf = NULL;
	*buf = m.data;
	*len = (size_t)m.len;
	m.data = NULL;
out:
	if (sf != NULL)
		sf_close(sf);
	free(frame);
	free(m.data);
	return rc;
}

int
adac_audio_encode_raw(const struct adac_response *r,
		      enum adac_sample_type type, void **buf, size_t *len,
		      struct adac_error *err)
{
	long np = paths_of(r), n, p;
	size_t sb = sample_bytes(type), total;
	unsigned char *b, *q;
	int i;

	if ((size_t)r->length > SIZE_MAX / sb / (size_t)np)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	total = (size_t)r->length * (size_t)np * sb;
	b = malloc(total > 0 ? total : 1);
	if (b == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	q = b;
	/* byte by byte, so that the order is little-endian on any host */
	for (n = 0; n < r->length; n++)
		for (p = 0; p < np; p++) {
			double x = r->h[p * r->length + n];

			if (type == ADAC_SAMPLE_FLOAT32) {
				float f = (float)x;
				uint32_t u;

				memcpy(&u, &f, 4);
				for (i = 0; i < 4; i++)
					*q++ = (unsigned char)(u >> (8 * i));
			} else {
				uint64_t u;

				memcpy(&u, &x, 8);
				for (i = 0; i < 8; i++)
					*q++ = (unsigned char)(u >> (8 * i));
			}
		}
	*buf = b;
	*len = total;
	return ADAC_OK;
}

/*
 * The shortest text that reads back as x (float64) or as (float)x
 * (float32).  Any value with at most DBL_DIG (FLT_DIG) significant digits
 * prints exactly at that precision (%g drops the trailing zeros), so the
 * search starts there instead of at one digit.
 */
static void
put_number(struct adac_buf *b, double x, enum adac_sample_type type)
{
	char s[40];
	int prec;

	if (type == ADAC_SAMPLE_FLOAT32)
		x = (float)x;
	if (isnan(x)) {
		adac_buf_puts(b, "NaN");
		return;
	}
	if (isinf(x)) {
		adac_buf_puts(b, x > 0 ? "Infinity" : "-Infinity");
		return;
	}
	if (x == 0) {
		adac_buf_puts(b, signbit(x) ? "-0" : "0");
		return;
	}
	if (type == ADAC_SAMPLE_FLOAT32) {
		for (prec = 6; prec < 9; prec++) {
			snprintf(s, sizeof s, "%.*g", prec, x);
			if (strtof(s, NULL) == (float)x)
				break;
		}
	} else {
		for (prec = 15; prec < 17; prec++) {
			snprintf(s, sizeof s, "%.*g", prec, x);
			if (strtod(s, NULL) == x)
				break;
		}
	}
	snprintf(s, sizeof s, "%.*g", prec, x);
	adac_buf_puts(b, s);
}

int
adac_audio_encode_json(const struct adac_response *r,
		       enum adac_sample_type type, void **buf, size_t *len,
		       struct adac_error *err)
{
	struct adac_buf b = {0};
	char fs[32];
	double x;
	int i, o;
	long n;

	/*
	 * JSON has no NaN or infinity: an unstable model's response (or a
	 * double past FLT_MAX written as float32) is refused whole rather
	 * than written as text no JSON reader accepts.
	 */
	for (i = 0; i < r->inputs; i++)
		for (o = 0; o < r->outputs; o++) {
			const double *h = adac_response_path(r, i, o);

			for (n = 0; n < r->length; n++) {
				x = type == ADAC_SAMPLE_FLOAT32 ? (float)h[n] : h[n];
				if (isfinite(x))
					continue;
				return adac_error_set(err, ADAC_E_INPUT, "",
				    "path %d -> %d is %s at sample %ld%s, which "
				    "JSON cannot hold; wav and raw can", i, o,
				    isnan(x) ? "NaN" : x > 0 ? "Infinity" :
				    "-Infinity", n, isfinite(h[n]) ?
				    " in float32" : "");
			}
		}

	adac_buf_printf(&b, "{\n  \"adac\": \"response/1\",\n  \"fs\": %s,\n"
			"  \"inputs\": %d,\n  \"outputs\": %d,\n"
			"  \"length\": %ld,\n  \"sample_type\": \"%s\",\n"
			"  \"paths\": [",
			adac_fmt_double(fs, r->fs_hz), r->inputs,
			r->outputs, r->length, adac_sample_type_name(type));
	for (i = 0; i < r->inputs; i++)
		for (o = 0; o < r->outputs; o++) {
			const double *h = adac_response_path(r, i, o);

			adac_buf_printf(&b, "%s\n    {\"input\": %d, "
					"\"output\": %d, \"h\": [",
					i || o ? "," : "", i, o);
			for (n = 0; n < r->length; n++) {
				if (n > 0)
					adac_buf_put(&b, ", ", 2);
				put_number(&b, h[n], type);
			}
			adac_buf_puts(&b, "]}");
		}
	adac_buf_puts(&b, "\n  ]\n}\n");
	if (b.failed) {
		adac_buf_free(&b);
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	}
	*len = b.len;
	*buf = adac_buf_take(&b);
	return ADAC_OK;
}

int
adac_audio_encode(const struct adac_response *r, enum adac_format fmt,
		  enum adac_sample_type type, void **buf, size_t *len,
		  struct adac_error *err)
{
	switch (fmt) {
	case ADAC_FORMAT_WAV:
		return adac_audio_encode_wav(r, type, buf, len, err);
	case ADAC_FORMAT_RAW:
		return adac_audio_encode_raw(r, type, buf, len, err);
	case ADAC_FORMAT_JSON:
		return adac_audio_encode_json(r, type, buf, len, err);
	}
	return adac_error_set(err, ADAC_E_INPUT, "", "unknown format %d",
			      (int)fmt);
}

/* --- reading ----------------------------------------------------------- */

/* libsndfile says "Format not recognised.": say it in house style */
static int
not_audio(struct adac_error *err)
{
	char why[128];
	size_t n;

	snprintf(why, sizeof why, "%s", sf_strerror(NULL));
	why[0] = (char)tolower((unsigned char)why[0]);
	n = strlen(why);
	if (n > 0 && why[n - 1] == '.')
		why[n - 1] = '\0';
	return adac_error_set(err, ADAC_E_INPUT, "",
			      "not a readable audio file: %s", why);
}

static int
read_sf(SNDFILE *sf, const SF_INFO *info, int inputs, int outputs,
	double fs_hz, struct adac_response **out, int *is_double,
	struct adac_error *err)
{
	struct adac_response *r = NULL;
	double *frame = NULL;
	long block = 4096, n, k, p, np = info->channels;
	int rc = ADAC_OK;

	if (info->channels <= 0 || info->samplerate <= 0)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "audio file has %d channels at %d Hz",
				      info->channels, info->samplerate);
	if (inputs <= 0 || info->channels % inputs != 0 ||
	    (outputs > 0 && info->channels != inputs * outputs)) {
		if (outputs > 0)
			return adac_error_set(err, ADAC_E_INPUT, "",
					      "audio has %d channels, expected "
					      "%d (inputs × outputs = %d × %d)",
					      info->channels, inputs * outputs,
					      inputs, outputs);
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "audio has %d channels, not a multiple "
				      "of %d inputs", info->channels, inputs);
	}
	if (fs_hz > 0 && (double)info->samplerate != fs_hz) {
		char want[32];

		return adac_error_set(err, ADAC_E_INPUT, "",
				      "audio rate is %d Hz, expected %s Hz",
				      info->samplerate,
				      adac_fmt_double(want, fs_hz));
	}
	if (info->frames < 0 || info->frames > LONG_MAX / 2 ||
	    (uint64_t)info->frames * (uint64_t)info->channels >
	    SIZE_MAX / sizeof(double))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "audio length is unknown or too large");
	r = adac_response_new(inputs, info->channels / inputs,
			      (long)info->frames, info->samplerate);
	frame = malloc(sizeof *frame * (size_t)(block * np));
	if (r == NULL || frame == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	/* integer PCM reads as [-1, 1); float data as stored */
	sf_command(sf, SFC_SET_NORM_DOUBLE, NULL, SF_TRUE);
	for (n = 0; n < r->length; n += block) {
		long cnt = r->length - n < block ? r->length - n : block;

		if (sf_readf_double(sf, frame, cnt) != cnt) {
			rc = adac_error_set(err, ADAC_E_INPUT, "",
					    "audio is truncated after %ld "
					    "frames", n);
			goto out;
		}
		for (k = 0; k < cnt; k++)
			for (p = 0; p < np; p++)
				r->h[p * r->length + n + k] = frame[k * np + p];
	}
	if (is_double != NULL)
		*is_double = (info->format & SF_FORMAT_SUBMASK) == SF_FORMAT_DOUBLE;
	*out = r;
	r = NULL;
out:
	adac_response_free(r);
	free(frame);
	return rc;
}

int
adac_audio_read(const char *path, int inputs, int outputs, double fs_hz,
		struct adac_response **out, struct adac_error *err)
{
	SF_INFO info;
	SNDFILE *sf;
	FILE *f;
	int rc;

	/* tell a missing file (I/O) from one that is not audio (input) */
	f = fopen(path, "rb");
	if (f == NULL)
		return adac_error_set(err, ADAC_E_IO, "", "cannot open: %s", strerror(errno));
	fclose(f);
	memset(&info, 0, sizeof info);
	sf = sf_open(path, SFM_READ, &info);
	if (sf == NULL)
		return not_audio(err);
	rc = read_sf(sf, &info, inputs, outputs, fs_hz, out, NULL, err);
	sf_close(sf);
	return rc;
}

int
adac_audio_decode(const void *buf, size_t len, int inputs, int outputs,
		  double fs_hz, struct adac_response **out, int *is_double,
		  struct adac_error *err)
{
	struct memfile m = {0};
	SF_INFO info;
	SNDFILE *sf;
	int rc;

	m.data = (unsigned char *)buf;	/* read only: mem_write is never used */
	m.len = (sf_count_t)len;
	memset(&info, 0, sizeof info);
	sf = sf_open_virtual(&mem_io, SFM_READ, &info, &m);
	if (sf == NULL)
		return not_audio(err);
	rc = read_sf(sf, &info, inputs, outputs, fs_hz, out, is_double, err);
	sf_close(sf);
	return rc;
}
