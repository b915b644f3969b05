/*
 * compare_time - what adac_compare costs when the outputs differ, so that
 * it searches for the lag (ADAC_COMPARE_MAX_LAG either way, over up to
 * ADAC_COMPARE_LAG_WINDOW samples).  The reference is a decaying noise
 * (a reverb tail's shape); the test is the same, 3 samples late.  Prints
 * the median CPU time of RUNS comparisons in milliseconds, and the lag
 * found, as "ms lag".
 *
 *	compare_time LENGTH [RUNS]
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "compare.h"
#include "response.h"

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

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct adac_response *r, *t;
	struct adac_comparison *c;
	uint64_t s = 88172645463325252u;
	long n, k, runs, lag = 0;
	double *ms;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: compare_time LENGTH [RUNS]\n");
		return 2;
	}
	n = atol(argv[1]);
	runs = argc > 2 ? atol(argv[2]) : 5;
	if (n < 4 || runs < 1)
		return 2;
	r = adac_response_new(1, 1, n, 48000);
	t = adac_response_new(1, 1, n, 48000);
	ms = malloc((size_t)runs * sizeof *ms);
	if (r == NULL || t == NULL || ms == NULL)
		return 3;
	for (k = 0; k < n; k++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		r->h[k] = ((double)(s >> 11) / 9007199254740992.0 - 0.5) *
			  exp(-6.9 * (double)k / (double)n);
	}
	for (k = 3; k < n; k++)
		t->h[k] = r->h[k - 3];
	for (k = 0; k < runs; k++) {
		double t0 = cpu_ms();

		if (adac_compare(r, t, -100, &c, NULL) != 0)
			return 3;
		ms[k] = cpu_ms() - t0;
		lag = c->lag_samples;
		adac_comparison_free(c);
	}
	qsort(ms, (size_t)runs, sizeof *ms, cmp);
	printf("%.2f %ld\n", ms[runs / 2], lag);
	adac_response_free(r);
	adac_response_free(t);
	free(ms);
	return 0;
}
