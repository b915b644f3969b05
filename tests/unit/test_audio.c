/*
 * test_audio.c - responses through WAV, raw and JSON and back.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "unit.h"

#include "audio.h"
#include "impulse.h"
#include "ir.h"
#include "json.h"

/* 2 inputs × 3 outputs, values that need all 17 digits and some that
 * float32 cannot hold exactly; path (i, o) sample n is distinct. */
static struct adac_response *
sample_response(long length)
{
	struct adac_response *r = adac_response_new(2, 3, length, 48000);
	int i, o;
	long n;

	if (r == NULL)
		return NULL;
	for (i = 0; i < 2; i++)
		for (o = 0; o < 3; o++)
			for (n = 0; n < length; n++)
				adac_response_path(r, i, o)[n] =
					sin(0.1 * n + i) / (1 + o) +
					(n == 0 ? 1e-300 * (i + 1) : 0);
	return r;
}

static void
test_audio__wav_float64_round_trip_is_exact(void)
{
	struct adac_response *r = sample_response(5000), *back = NULL;
	struct adac_error err;
	void *buf = NULL;
	size_t len = 0;
	long k;
	int is_double = -1;

	check(adac_audio_encode_wav(r, ADAC_SAMPLE_FLOAT64, &buf, &len,
				    &err) == ADAC_OK);
	/* 44-byte minimum header plus 6 channels × 8 bytes × 5000 frames */
	check(len >= 44 + 6 * 8 * 5000);
	check(memcmp(buf, "RIFF", 4) == 0);
	check(adac_audio_decode(buf, len, 2, 3, 48000, &back, &is_double,
				&err) == ADAC_OK);
	check(back != NULL);
	check_int(is_double, 1);
	if (back != NULL) {
		check_int(back->inputs, 2);
		check_int(back->outputs, 3);
		check_int(back->length, 5000);
		check(back->fs_hz == 48000);
		for (k = 0; k < 6 * 5000; k++)
			check(back->h[k] == r->h[k]);
	}
	adac_response_free(back);
	adac_response_free(r);
	free(buf);
}

static void
test_audio__wav_float32_round_trip_rounds(void)
{
	struct adac_response *r = sample_response(300), *back = NULL;
	struct adac_error err;
	void *buf = NULL, *buf2 = NULL;
	size_t len = 0, len2 = 0;
	long k;
	int is_double = -1;

	check(adac_audio_encode_wav(r, ADAC_SAMPLE_FLOAT32, &buf, &len,
				    &err) == ADAC_OK);
	check(adac_audio_decode(buf, len, 2, 0, 0, &back, &is_double, &err) ==
	      ADAC_OK);
	check_int(is_double, 0);
	if (back != NULL) {
		check_int(back->outputs, 3);
		/* each sample is its nearest float, exactly */
		for (k = 0; k < 6 * 300; k++)
			check(back->h[k] == (double)(float)r->h[k]);
	}
	/* no time stamp in the file: the same response gives the same bytes */
	check(adac_audio_encode_wav(r, ADAC_SAMPLE_FLOAT32, &buf2, &len2,
				    &err) == ADAC_OK);
	check(len == len2 && memcmp(buf, buf2, len) == 0);
	adac_response_free(back);
	adac_response_free(r);
	free(buf);
	free(buf2);
}

static void
test_audio__wav_file_read_and_mismatches(void)
{
	struct adac_response *r = sample_response(100), *back = NULL;
	struct adac_error err;
	char path[] = "/tmp/adac-test-audio-XXXXXX";
	void *buf = NULL;
	size_t len = 0;
	int fd;

	check(adac_audio_encode_wav(r, ADAC_SAMPLE_FLOAT64, &buf, &len,
				    &err) == ADAC_OK);
	fd = mkstemp(path);
	check(fd >= 0);
	if (fd < 0)
		goto out;
	check(write(fd, buf, len) == (ssize_t)len);
	close(fd);
	check(adac_audio_read(path, 2, 3, 48000, &back, &err) == ADAC_OK);
	check(back != NULL && back->h[7] == r->h[7]);
	adac_response_free(back);
	back = NULL;

	check(adac_audio_read(path, 2, 3, 44100, &back, &err) == ADAC_E_INPUT);
	check_str(err.text, "audio rate is 48000 Hz, expected 44100 Hz");
	check_str(err.pointer, "");
	check(back == NULL);
	check(adac_audio_read(path, 4, 0, 0, &back, &err) == ADAC_E_INPUT);
	check_str(err.text, "audio has 6 channels, not a multiple of 4 inputs");
	check(adac_audio_read(path, 1, 2, 0, &back, &err) == ADAC_E_INPUT);
	check_str(err.text, "audio has 6 channels, expected 2 (inputs × outputs = 1 × 2)");
	check(back == NULL);
	unlink(path);
	check(adac_audio_read(path, 1, 0, 0, &back, &err) == ADAC_E_IO);
	check(adac_audio_decode("{\"adac\":1}", 10, 1, 0, 0, &back, NULL,
				&err) == ADAC_E_INPUT);
	check_str(err.text, "not a readable audio file: format not recognised");
out:
	adac_response_free(r);
	free(buf);
}

/* Raw bytes, decoded here by hand from little-endian. */
static void
test_audio__raw_little_endian_interleaved(void)
{
	struct adac_response *r = sample_response(10);
	struct adac_error err;
	void *buf = NULL;
	size_t len = 0;
	const unsigned char *b;
	long n, p;
	int k;

	check(adac_audio_encode_raw(r, ADAC_SAMPLE_FLOAT64, &buf, &len,
				    &err) == ADAC_OK);
	check_int(len, 10 * 6 * 8);
	b = buf;
	for (n = 0; n < 10; n++)
		for (p = 0; p < 6; p++) {
			uint64_t u = 0;
			double x;

			for (k = 0; k < 8; k++)
				u |= (uint64_t)b[(n * 6 + p) * 8 + k] << (8 * k);
			memcpy(&x, &u, 8);
			check(x == r->h[p * 10 + n]);
		}
	free(buf);
	check(adac_audio_encode_raw(r, ADAC_SAMPLE_FLOAT32, &buf, &len,
				    &err) == ADAC_OK);
	check_int(len, 10 * 6 * 4);
	b = buf;
	for (n = 0; n < 10; n++)
		for (p = 0; p < 6; p++) {
			uint32_t u = 0;
			float x;

			for (k = 0; k < 4; k++)
				u |= (uint32_t)b[(n * 6 + p) * 4 + k] << (8 * k);
			memcpy(&x, &u, 4);
			check(x == (float)r->h[p * 10 + n]);
		}
	free(buf);
	adac_response_free(r);
}

/* JSON: read back with jansson, every value exact for its type. */
static void
test_audio__json_round_trip(void)
{
	struct adac_response *r = sample_response(50);
	struct adac_error err;
	void *buf = NULL;
	size_t len = 0;
	json_t *root = NULL, *paths;
	int t, i, o;
	long n;

	for (t = 0; t < 2; t++) {
		enum adac_sample_type type = t ? ADAC_SAMPLE_FLOAT32 :
						 ADAC_SAMPLE_FLOAT64;

		check(adac_audio_encode_json(r, type, &buf, &len, &err) ==
		      ADAC_OK);
		root = adac_json_load(buf, len, &err);
		check(root != NULL);
		if (root == NULL)
			break;
		check_str(json_string_value(json_object_get(root, "adac")),
			  "response/1");
		check_int(json_integer_value(json_object_get(root, "length")),
			  50);
		check_str(json_string_value(json_object_get(root,
			  "sample_type")), t ? "float32" : "float64");
		paths = json_object_get(root, "paths");
		check_int(json_array_size(paths), 6);
		for (i = 0; i < 2; i++)
			for (o = 0; o < 3; o++) {
				json_t *pth = json_array_get(paths, i * 3 + o);
				json_t *h = json_object_get(pth, "h");

				check_int(json_integer_value(
					json_object_get(pth, "input")), i);
				check_int(json_integer_value(
					json_object_get(pth, "output")), o);
				for (n = 0; n < 50; n++) {
					double x = json_number_value(
						json_array_get(h, (size_t)n));
					double want = adac_response_path(r, i, o)[n];

					/* float32 text reads back as the float */
					check(t ? (float)x == (float)want :
					      x == want);
				}
			}
		json_decref(root);
		free(buf);
		buf = NULL;
	}
	free(buf);
	adac_response_free(r);
}

static void
test_audio__wav_limits(void)
{
	struct adac_response *r = adac_response_new(40, 30, 1, 48000);
	struct adac_error err;
	void *buf = NULL;
	size_t len;

	/* 1200 paths: more channels than a WAV file holds */
	check(adac_audio_encode_wav(r, ADAC_SAMPLE_FLOAT32, &buf, &len,
				    &err) == ADAC_E_INPUT);
	check_str(err.text, "a WAV file holds at most 1024 channels, not "
		  "1200 paths; use raw or json");
	adac_response_free(r);
	r = adac_response_new(1, 1, 1, 44100.5);
	check(adac_audio_encode_wav(r, ADAC_SAMPLE_FLOAT32, &buf, &len,
				    &err) == ADAC_E_INPUT);
	check(buf == NULL);
	adac_response_free(r);
}

static void
test_audio__parse_names(void)
{
	enum adac_format f;
	enum adac_sample_type t;

	check(adac_format_parse("wav", &f) == 0 && f == ADAC_FORMAT_WAV);
	check(adac_format_parse("json", &f) == 0 && f == ADAC_FORMAT_JSON);
	check(adac_format_parse("raw", &f) == 0 && f == ADAC_FORMAT_RAW);
	check(adac_format_parse("mp3", &f) == -1);
	check(adac_sample_type_parse("float32", &t) == 0 &&
	      t == ADAC_SAMPLE_FLOAT32);
	check(adac_sample_type_parse("float64", &t) == 0 &&
	      t == ADAC_SAMPLE_FLOAT64);
	check(adac_sample_type_parse("int16", &t) == -1);
	check_str(adac_format_name(ADAC_FORMAT_RAW), "raw");
	check_str(adac_sample_type_name(ADAC_SAMPLE_FLOAT32), "float32");
}

/* adac_impulse: an IR's response as a WAV file, decoded again. */
static void
test_audio__impulse_wav(void)
{
	const char *text =
		"{\"adac\":\"ir/1\",\"name\":\"t\",\"fs\":44100,\"inputs\":1,"
		"\"outputs\":2,\"graph\":{\"op\":\"parallel\",\"in\":\"split\","
		"\"out\":\"stack\",\"of\":[{\"op\":\"delay\",\"samples\":[3]},"
		"{\"op\":\"gain\",\"values\":[0.1]}]}}";
	struct adac_ir *ir = NULL;
	struct adac_response *back = NULL;
	struct adac_error err;
	void *buf = NULL;
	size_t len = 0;
	long n;

	check(adac_ir_parse_text(text, strlen(text), &ir, &err) == ADAC_OK);
	if (ir == NULL)
		return;
	check(adac_impulse(ir, 0, NULL, 0, ADAC_FORMAT_WAV,
			   ADAC_SAMPLE_FLOAT64, &buf, &len, &err) ==
	      ADAC_E_INPUT);
	check(adac_impulse(ir, -1, NULL, 0, ADAC_FORMAT_WAV,
			   ADAC_SAMPLE_FLOAT64, &buf, &len, &err) == ADAC_OK);
	check(adac_audio_decode(buf, len, 1, 2, 44100, &back, NULL, &err) ==
	      ADAC_OK);
	if (back != NULL) {
		/* the default length is 2 s */
		check_int(back->length, 88200);
		for (n = 0; n < 88200; n++) {
			check(back->h[n] == (n == 3));
			check(back->h[88200 + n] == (n == 0) * 0.1);
		}
	}
	adac_response_free(back);
	adac_ir_free(ir);
	free(buf);
}

int
main(void)
{
	RUN(test_audio__wav_float64_round_trip_is_exact);
	RUN(test_audio__wav_float32_round_trip_rounds);
	RUN(test_audio__wav_file_read_and_mismatches);
	RUN(test_audio__raw_little_endian_interleaved);
	RUN(test_audio__json_round_trip);
	RUN(test_audio__wav_limits);
	RUN(test_audio__parse_names);
	RUN(test_audio__impulse_wav);
	return unit_done();
}
