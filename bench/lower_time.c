/*
 * lower_time - where adac-lower's time goes, in process: reading the
 * JSON (adac_json_load), lowering and validating (adac_lower, which runs
 * adac_ir_parse), and writing the canonical text (adac_json_dumps).
 * Medians of RUNS runs of each, in milliseconds of CPU time (process
 * start-up excluded), printed as "load lower write".
 *
 *	lower_time FILE [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"
#include "json.h"
#include "lower.h"

static double
cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
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
	struct adac_error err;
	json_t *doc, *ir;
	double *t, t0, t1, t2, t3;
	char *buf, *text;
	size_t len;
	int runs = argc > 2 ? atoi(argv[2]) : 21, i, k;

	adac_cli_init(argv[0]);
	if (argc < 2 || runs < 1)
		return adac_cli_usage_error("usage: lower_time FILE [RUNS]");
	if (adac_cli_read(argv[1], &buf, &len, &err) != ADAC_OK)
		return adac_cli_fail(argv[1], &err);
	t = malloc((size_t)runs * 3 * sizeof *t);
	if (t == NULL)
		return 3;
	for (i = 0; i < runs; i++) {
		t0 = cpu_ms();
		if ((doc = adac_json_load(buf, len, &err)) == NULL)
			return adac_cli_fail(argv[1], &err);
		t1 = cpu_ms();
		if (adac_lower(doc, ADAC_LOWER_AUTO, &ir, &err) != ADAC_OK)
			return adac_cli_fail(argv[1], &err);
		t2 = cpu_ms();
		text = adac_json_dumps(ir);
		t3 = cpu_ms();
		t[i] = t1 - t0;
		t[runs + i] = t2 - t1;
		t[2 * runs + i] = t3 - t2;
		free(text);
		json_decref(ir);
		json_decref(doc);
	}
	for (k = 0; k < 3; k++) {
		qsort(t + k * runs, (size_t)runs, sizeof *t, cmp);
		printf("%s%.2f", k ? " " : "", t[k * runs + runs / 2]);
	}
	printf("\n");
	free(t);
	free(buf);
	return 0;
}
