/*
 * jit - libfaust compile time and run time of FAUST programs.
 *
 *	jit [--double] [--interp] [--target TRIPLE:CPU] [--runs N]
 *	    [--seconds S] FILE.dsp...
 *
 * One line per file: inputs, outputs, the median factory + instance
 * creation time over N compilations (each after the previous factory is
 * deleted, so none is a cache hit), and the median speed over N runs of
 * S seconds of noise at 48 kHz in 256-frame blocks, as × real time on
 * one core.  The first compilation in a process pays for LLVM's set-up,
 * so a throw-away program is compiled first.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "faust_jit.h"

#define FS 48000
#define BLOCK 256

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Seconds to compute `seconds` of audio through f. */
static double
run_once(struct adac_faust *f, double seconds)
{
	int ni = adac_faust_inputs(f), no = adac_faust_outputs(f);
	int dbl = adac_faust_is_double(f), i, k;
	size_t sz = dbl ? sizeof(double) : sizeof(float);
	void **in = calloc(ni + 1, sizeof *in), **out = calloc(no + 1, sizeof *out);
	long blocks = (long)(seconds * FS / BLOCK), b;
	unsigned seed = 12345;
	double t0, t;

	for (i = 0; i < ni; i++) {
		in[i] = malloc(BLOCK * sz);
		/* noise keeps a decaying network out of denormals */
		for (k = 0; k < BLOCK; k++) {
			double x;

			seed = seed * 1664525u + 1013904223u;
			x = ((double)seed / 4294967296.0 - 0.5) * 0.1;
			if (dbl)
				((double *)in[i])[k] = x;
			else
				((float *)in[i])[k] = (float)x;
		}
	}
	for (i = 0; i < no; i++)
		out[i] = malloc(BLOCK * sz);
	adac_faust_clear(f);
	t0 = now_s();
	for (b = 0; b < blocks; b++)
		adac_faust_compute(f, BLOCK, in, out);
	t = now_s() - t0;
	for (i = 0; i < ni; i++)
		free(in[i]);
	for (i = 0; i < no; i++)
		free(out[i]);
	free(in);
	free(out);
	return t;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"double", no_argument, NULL, 'd'},
		{"interp", no_argument, NULL, 'i'},
		{"target", required_argument, NULL, 't'},
		{"runs", required_argument, NULL, 'r'},
		{"seconds", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	struct adac_faust_options opt;
	struct adac_faust *f = NULL;
	struct adac_error err;
	double *ms, *speed, seconds = 10;
	int runs = 5, c, k, a, status = 0;

	adac_faust_options_init(&opt);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': opt.double_precision = 1; break;
		case 'i': opt.backend = ADAC_FAUST_INTERP; break;
		case 't': opt.target = optarg; break;
		case 'r': runs = atoi(optarg); break;
		case 's': seconds = atof(optarg); break;
		default:
			fputs("usage: jit [--double] [--interp] [--target T] [--runs N] [--seconds S] FILE.dsp...\n", stderr);
			return 2;
		}
	}
	if (runs < 1 || seconds <= 0 || optind == argc) {
		fputs("usage: jit [--double] [--interp] [--target T] [--runs N] [--seconds S] FILE.dsp...\n", stderr);
		return 2;
	}
	if (adac_faust_compile("warmup", "process = _;", &opt, FS, &f, &err) == ADAC_OK)
		adac_faust_free(f);
	ms = calloc(runs, sizeof *ms);
	speed = calloc(runs, sizeof *speed);
	printf("%-28s %4s %4s %12s %12s\n", "program", "in", "out", "compile ms", "x real time");
	for (a = optind; a < argc; a++) {
		const char *base = strrchr(argv[a], '/');
		int ni = 0, no = 0;

		base = base != NULL ? base + 1 : argv[a];
		for (k = 0; k < runs; k++) {
			f = NULL;
			if (adac_faust_compile_file(argv[a], &opt, FS, &f, &err) != ADAC_OK) {
				fprintf(stderr, "jit: %s: %s\n", argv[a], err.text);
				status = 1;
				break;
			}
			ms[k] = adac_faust_compile_ms(f);
			speed[k] = seconds / run_once(f, seconds);
			ni = adac_faust_inputs(f);
			no = adac_faust_outputs(f);
			adac_faust_free(f);
		}
		if (k == runs)
			printf("%-28s %4d %4d %12.1f %12.1f\n", base, ni, no,
			       median(ms, runs), median(speed, runs));
	}
	free(ms);
	free(speed);
	return status;
}
