/*
 * fixpoint_noise - what a fixed-point format does to a network: the
 * noise floor of adac_fixpoint_sim against the double simulator for an
 * impulse, whether a full-scale impulse overflows, and the limit cycle
 * left after the impulse has decayed (zero input).  Measurements, not
 * proofs: the certificate does not cover fixed point yet.
 *
 *	build/bench/fixpoint_noise IR.json FORMAT [SECONDS]
 *
 * prints one JSON line.  SECONDS (default 60) is how long the zero-input
 * run lasts; the limit cycle is the peak |y| in LSBs over its last
 * second.  One input; every output counts (the worst is reported).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "file.h"
#include "fixpoint.h"
#include "json.h"
#include "sim.h"

int
main(int argc, char **argv)
{
	struct adac_error err = {0};
	struct adac_fixpoint fx;
	struct adac_fixpoint_sim *fs = NULL, *full = NULL;
	struct adac_sim *ds = NULL;
	struct adac_ir *ir = NULL;
	double secs = argc > 3 ? atof(argv[3]) : 60, amp = 0.125;
	double noise = 0, peak = 0, lc = 0;
	long n, len, tail, imp = 48000;
	char *buf, name[32];
	size_t blen;
	float x1;
	int64_t y1[16];
	double xd, yd[16];
	int o;

	if (argc < 3 || adac_read_file(argv[1], 1 << 26, &buf, &blen, &err) ||
	    adac_ir_parse_text(buf, blen, &ir, &err) ||
	    adac_fixpoint_parse(argv[2], &fx, &err) ||
	    adac_fixpoint_sim_new(ir, &fx, &fs, &err) ||
	    adac_fixpoint_sim_new(ir, &fx, &full, &err) ||
	    adac_sim_new(ir, NULL, 0, &ds, &err)) {
		fprintf(stderr, "fixpoint_noise: %s: %s\n", err.pointer,
			err.text);
		return 2;
	}
	if (ir->inputs != 1 || ir->outputs > 16) {
		fprintf(stderr, "fixpoint_noise: one input, 16 outputs at most\n");
		return 2;
	}
	len = (long)(secs * ir->fs_hz);
	tail = (long)ir->fs_hz;
	for (n = 0; n < len; n++) {
		x1 = n == 0 ? (float)amp : 0.0f;
		adac_fixpoint_sim_process(fs, &x1, y1, 1);
		if (n < imp) {
			xd = x1;
			adac_sim_process(ds, &xd, yd, 1);
		}
		for (o = 0; o < ir->outputs; o++) {
			if (n < imp) {
				noise = fmax(noise, fabs(adac_fixpoint_value(&fx,
				    y1[o]) - yd[o]));
				peak = fmax(peak, fabs(yd[o]));
			}
			if (n >= len - tail)
				lc = fmax(lc, fabs((double)y1[o]));
		}
	}
	/* the largest sample the format holds, then silence */
	for (n = 0; n < imp; n++) {
		x1 = n == 0 ? 0x1.fffffep-1f : 0.0f;
		adac_fixpoint_sim_process(full, &x1, y1, 1);
	}
	printf("{\"ir\":\"%s\",\"format\":\"%s\",\"impulse\":%g,"
	       "\"noise_db_re_peak\":%.1f,\"noise_lsb\":%.1f,"
	       "\"impulse_saturated\":%s,\"full_scale_impulse_overflows\":%s,"
	       "\"zero_input_seconds\":%g,\"limit_cycle_lsb\":%.0f}\n",
	       argv[1], adac_fixpoint_name(name, &fx), amp,
	       20 * log10(noise / peak),
	       ldexp(noise, fx.frac_bits),
	       adac_fixpoint_sim_saturated(fs) ? "true" : "false",
	       adac_fixpoint_sim_saturated(full) ? "true" : "false", secs, lc);
	adac_fixpoint_sim_free(fs);
	adac_fixpoint_sim_free(full);
	adac_sim_free(ds);
	adac_ir_free(ir);
	free(buf);
	return 0;
}
