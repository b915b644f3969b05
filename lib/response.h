/*
 * response.h - a multichannel impulse response: what every renderer (the
 * reference simulator, a JIT-compiled .dsp, a WAV file) produces and what
 * adac-diff, adac-ir impulse, plot and decay consume.
 *
 * adac_response_new() pairs with adac_response_free(); free(NULL)-safe.
 */
#ifndef ADAC_RESPONSE_H
#define ADAC_RESPONSE_H

struct adac_response {
	int inputs, outputs;	/* paths = inputs × outputs */
	long length;		/* samples per path */
	double fs_hz;
	/* h[(i * outputs + o) * length + n]: sample n of input i → output o */
	double *h;
};

/*
 * The most samples, over all paths, that a renderer produces: 2 GiB of
 * doubles.  An IR of 4096 inputs and outputs has 2^24 paths, so 100
 * samples of each would be 13 GB; renderers refuse that with an error
 * naming the size instead of thrashing (ADAC_E_INPUT).
 */
#define ADAC_RESPONSE_MAX_SAMPLES (1L << 28)

/* A zeroed response, or NULL when out of memory or the size overflows. */
struct adac_response *adac_response_new(int inputs, int outputs, long length,
					double fs_hz);
void adac_response_free(struct adac_response *r);

/* The path from input i to output o: length samples. */
static inline double *
adac_response_path(const struct adac_response *r, int i, int o)
{
	return r->h + ((long)i * r->outputs + o) * r->length;
}

/* A control position to render at: `--set rt60=2.5`. */
struct adac_setting {
	const char *name;
	double value;
};

#endif
