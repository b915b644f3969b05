/*
 * bench/sim.c - the reference simulator alone, in process: the best of
 * RUNS renders of `-n SAMPLES` of an IR, in ms of CPU time.
 *
 *	usage: sim IR.json [SAMPLES [RUNS]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"
#include "ir.h"
#include "sim.h"

static double
cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

int
main(int argc, char **argv)
{
	struct adac_ir *ir = NULL;
	struct adac_response *r;
	struct adac_error err;
	long samples = argc > 2 ? atol(argv[2]) : 96000;
	int runs = argc > 3 ? atoi(argv[3]) : 5, k;
	double best = 1e300, t;
	char *buf;
	size_t len;

	adac_cli_init("sim");
	if (argc < 2) {
		fputs("usage: sim IR.json [SAMPLES [RUNS]]\n", stderr);
		return 2;
	}
	if (adac_cli_read(argv[1], &buf, &len, &err) != ADAC_OK ||
	    adac_ir_parse_text(buf, len, &ir, &err) != ADAC_OK)
		return adac_cli_fail(argv[1], &err);
	free(buf);
	for (k = 0; k < runs; k++) {
		t = cpu_ms();
		if (adac_sim_impulse(ir, samples, NULL, 0, &r, &err) != ADAC_OK)
			return adac_cli_fail(argv[1], &err);
		t = cpu_ms() - t;
		adac_response_free(r);
		if (t < best)
			best = t;
	}
	printf("%.3f\n", best);
	adac_ir_free(ir);
	return 0;
}
