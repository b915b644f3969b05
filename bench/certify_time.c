/*
 * certify_time - the time adac_certify() takes on an IR, in process
 * (parse and hash included, process start-up and output excluded):
 * the median of RUNS runs, in milliseconds.
 *
 *	certify_time FILE [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "certify.h"
#include "cli.h"

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
	struct adac_certify_opts o = {ADAC_CERTIFY_ALL, 0, -1};
	struct adac_error err;
	struct adac_ir *ir;
	json_t *cert;
	double *t, t0;
	char *buf;
	size_t len;
	int runs = argc > 2 ? atoi(argv[2]) : 21, i;

	adac_cli_init(argv[0]);
	if (argc < 2 || runs < 1)
		return adac_cli_usage_error("usage: certify_time FILE [RUNS]");
	if (adac_cli_read(argv[1], &buf, &len, &err) != ADAC_OK)
		return adac_cli_fail(argv[1], &err);
	t = malloc((size_t)runs * sizeof *t);
	if (t == NULL)
		return 3;
	for (i = 0; i < runs; i++) {
		t0 = now_ms();
		if (adac_ir_parse_text(buf, len, &ir, &err) != ADAC_OK ||
		    adac_certify(ir, &o, &cert, NULL, &err) != ADAC_OK)
			return adac_cli_fail(argv[1], &err);
		t[i] = now_ms() - t0;
		json_decref(cert);
		adac_ir_free(ir);
	}
	qsort(t, (size_t)runs, sizeof *t, cmp);
	printf("%.2f\n", t[runs / 2]);
	free(t);
	free(buf);
	return 0;
}
