/*
 * response.c - allocating and freeing multichannel impulse responses.
 */
#include "response.h"

#include <stdint.h>
#include <stdlib.h>

struct adac_response *
adac_response_new(int inputs, int outputs, long length, double fs_hz)
{
	struct adac_response *r;
	size_t paths, n;

	if (inputs <= 0 || outputs <= 0 || length < 0)
		return NULL;
	paths = (size_t)inputs * (size_t)outputs;
	if ((size_t)length > SIZE_MAX / sizeof(double) / paths)
		return NULL;
	n = paths * (size_t)length;
	r = calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	/* one element at least, so that h is never NULL */
	r->h = calloc(n > 0 ? n : 1, sizeof *r->h);
	if (r->h == NULL) {
		free(r);
		return NULL;
	}
	r->inputs = inputs;
	r->outputs = outputs;
	r->length = length;
	r->fs_hz = fs_hz;
	return r;
}

void
adac_response_free(struct adac_response *r)
{
	if (r == NULL)
		return;
	free(r->h);
	free(r);
}
