/*
 * modal_time - adac_modal_analyze() on an IR's graph, in process (parse
 * excluded): what it found and the median time of RUNS runs.
 *
 *	modal_time FILE [DENSE_MAX [MAX_MATVECS [RUNS]]]
 *
 * Coefficients are checked as float32 with rt60 at its largest value, the
 * position the certifier checks; 0 for DENSE_MAX or MAX_MATVECS means the
 * default.  One line: dim, loop_dim, blocks, method, converged, matvecs,
 * radius, omega, residual, bound, T60 (s), median ms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "modal.h"

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	struct adac_freq_opts fo = {ADAC_PRECISION_FLOAT32, 48000, 1};
	struct adac_modal_opts o = {0, 0, 0, 0};
	struct adac_modal r;
	struct adac_error err;
	const struct adac_control *c;
	struct adac_ir *ir;
	double *t, t0;
	char *buf;
	size_t len;
	int runs, i;

	adac_cli_init(argv[0]);
	if (argc < 2)
		return adac_cli_usage_error("usage: modal_time FILE "
					    "[DENSE_MAX [MAX_MATVECS [RUNS]]]");
	o.dense_max = argc > 2 ? atol(argv[2]) : 0;
	o.max_matvecs = argc > 3 ? atol(argv[3]) : 0;
	runs = argc > 4 ? atoi(argv[4]) : 5;
	if (runs < 1)
		return adac_cli_usage_error("RUNS must be positive");
	if (adac_cli_read(argv[1], &buf, &len, &err) != ADAC_OK ||
	    adac_ir_parse_text(buf, len, &ir, &err) != ADAC_OK)
		return adac_cli_fail(argv[1], &err);
	fo.fs_hz = ir->fs_hz;
	if ((c = adac_ir_control(ir, "rt60")) != NULL)
		fo.rt60_s = c->max;
	t = malloc((size_t)runs * sizeof *t);
	if (t == NULL)
		return 3;
	for (i = 0; i < runs; i++) {
		t0 = now_ms();
		if (adac_modal_analyze(ir->graph, &fo, &o, &r, &err) != ADAC_OK)
			return adac_cli_fail(argv[1], &err);
		t[i] = now_ms() - t0;
	}
	qsort(t, (size_t)runs, sizeof *t, cmp);
	printf("%ld %ld %d %s %d %ld %.12g %.6g %.3g %.12g %.4g %.1f\n", r.dim,
	       r.loop_dim, r.n_blocks, r.method, r.converged, r.matvecs,
	       r.radius, r.omega, r.residual, r.bound,
	       adac_modal_t60_s(&r, ir->fs_hz), t[runs / 2]);
	free(t);
	free(buf);
	adac_ir_free(ir);
	return 0;
}
