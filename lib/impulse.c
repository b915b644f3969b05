/*
 * impulse.c - the logic of `adac-ir impulse`: simulate, then encode.
 */
#include "impulse.h"

#include <math.h>

#include "sim.h"

int
adac_impulse(const struct adac_ir *ir, long length,
	     const struct adac_setting *set, int n_set,
	     enum adac_format fmt, enum adac_sample_type type,
	     void **buf, size_t *len, struct adac_error *err)
{
	struct adac_response *r = NULL;
	int rc;

	if (length < 0)
		length = (long)ceil(ADAC_IMPULSE_DEFAULT_S * ir->fs_hz);
	if (length < 1 || length > ADAC_IMPULSE_MAX_SAMPLES)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "impulse length %ld is not within 1 .. "
				      "%ld samples", length,
				      ADAC_IMPULSE_MAX_SAMPLES);
	if ((double)ir->inputs * ir->outputs * (double)length >
	    (double)ADAC_RESPONSE_MAX_SAMPLES)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "%d × %d paths of %ld samples are more than the limit of %ld samples in all (-n renders fewer)",
				      ir->inputs, ir->outputs, length,
				      ADAC_RESPONSE_MAX_SAMPLES);
	rc = adac_sim_impulse(ir, length, set, n_set, &r, err);
	if (rc == ADAC_OK)
		rc = adac_audio_encode(r, fmt, type, buf, len, err);
	adac_response_free(r);
	return rc;
}
