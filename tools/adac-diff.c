/*
 * adac-diff - compare the responses of two sources (an IR, a FAUST
 * program, an audio file) to an impulse or a test signal, every
 * input → output path.
 */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "diff.h"
#include "fixdiff.h"
#include "fixpoint.h"
#include "json.h"
#include "plugin.h"
#include "render.h"
#include "sim.h"

#define MAX_SETTINGS 64

static const char usage[] =
	"usage: adac-diff [-n samples] [--tol-db db] [--double] [--block n]\n"
	"                 [--fs hz] [--backend llvm|interp] [--target triple:cpu]\n"
	"                 [--compile-cpu s] [--compile-wall s] [--compile-mem mb]\n"
	"                 [--signal impulse|noise|sweep] [--level db] [--seed n]\n"
	"                 [--set name=value]... [-o report] reference test\n"
	"       adac-diff --precision FORMAT [-n samples] [--compile-cpu s]\n"
	"                 [--compile-wall s] [--compile-mem mb]\n"
	"                 [--signal impulse|noise|sweep] [--level db] [--seed n]\n"
	"                 [-o report] ir program.dsp\n";

struct args {
	struct adac_diff_options diff;
	struct adac_render_options render;
	struct adac_faust_options faust;
	struct adac_setting set[MAX_SETTINGS];
	struct adac_fixpoint fx;
	int fixed;		/* --precision: the -fx build against the simulator */
	const char *out, *path[2], *name[2];
};

/* Options into a; returns -1 to go on, else the exit status. */
static int
parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{"tol-db", required_argument, NULL, 't'},
		{"double", no_argument, NULL, 'd'},
		{"block", required_argument, NULL, 'b'},
		{"fs", required_argument, NULL, 'f'},
		{"backend", required_argument, NULL, 'B'},
		{"target", required_argument, NULL, 'T'},
		{"compile-cpu", required_argument, NULL, 'C'},
		{"compile-wall", required_argument, NULL, 'W'},
		{"compile-mem", required_argument, NULL, 'M'},
		{"set", required_argument, NULL, 's'},
		{"signal", required_argument, NULL, 'S'},
		{"level", required_argument, NULL, 'L'},
		{"seed", required_argument, NULL, 'R'},
		{"precision", required_argument, NULL, 'P'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct adac_error err;
	double v;
	long n;
	int c;

	opterr = 0;	/* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, ":n:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			/* more is refused by the render's limit in any case */
			if (adac_cli_whole("-n", optarg, 1, 1L << 28, &n))
				return 2;
			a->diff.length = n;
			break;
		case 't':
			if (adac_cli_number("--tol-db", optarg, -1000, 0, &a->diff.tol_db))
				return 2;
			break;
		case 'd': a->render.double_precision = 1; break;
		case 'b':
			if (adac_cli_whole("--block", optarg, 1, 1 << 20, &n))
				return 2;
			a->render.block_size = (int)n;
			break;
		case 'f':
			if (adac_cli_whole("--fs", optarg, 1, 10000000, &n))
				return 2;
			a->diff.fs_hz = a->render.fs_hz = (double)n;
			break;
		case 'B':
			if (adac_cli_backend(optarg, 0, &a->faust.backend, &c))
				return 2;
			break;
		case 'T': a->faust.target = optarg; break;
		case 'C':
			if (adac_cli_number("--compile-cpu", optarg, 0.01, 1e6,
				       &a->faust.limits.cpu_s))
				return 2;
			break;
		case 'W':
			if (adac_cli_number("--compile-wall", optarg, 0.01, 1e6,
				       &a->faust.limits.wall_s))
				return 2;
			break;
		case 'M':
			if (adac_cli_number("--compile-mem", optarg, 1, 1 << 30, &v))
				return 2;
			a->faust.limits.mem_mb = (long)v;
			break;
		case 's':
			if (a->render.n_set == MAX_SETTINGS)
				return adac_cli_usage_error("more than %d --set", MAX_SETTINGS);
			if (adac_setting_parse(optarg, &a->set[a->render.n_set], &err))
				return adac_cli_fail(NULL, &err);
			a->render.n_set++;
			break;
		case 'S':
			if (adac_stimulus_parse(optarg, &a->diff.stimulus.kind,
						&err))
				return adac_cli_usage_error("--signal: %s",
							    err.text);
			a->diff.stimulus_given = 1;
			break;
		case 'L':
			if (adac_cli_number("--level", optarg, -120, 40,
					    &a->diff.stimulus.level_db))
				return 2;
			break;
		case 'R':
			if (adac_cli_whole("--seed", optarg, 0, 1L << 53, &n))
				return 2;
			a->diff.stimulus.seed = (uint64_t)n;
			break;
		case 'P':
			if (adac_fixpoint_parse(optarg, &a->fx, &err) != ADAC_OK)
				return adac_cli_usage_error("--precision: %s", err.text);
			a->fixed = 1;
			break;
		case 'o': a->out = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': return adac_cli_version();
		default: return adac_cli_option_error(c, argv);
		}
	}
	if (argc - optind != 2)
		return adac_cli_usage_error("expected two operands, reference and test");
	/* bit for bit, built with faust -fx and c++: no tolerance, no JIT */
	if (a->fixed && (!isnan(a->diff.tol_db) || a->render.double_precision ||
			 a->render.block_size != ADAC_RENDER_DEFAULT_BLOCK ||
			 a->diff.fs_hz != 0 ||
			 a->faust.backend != ADAC_FAUST_LLVM ||
			 a->faust.target != NULL || a->render.n_set > 0))
		return adac_cli_usage_error("--precision takes only -n, -o, "
					    "--signal, --level, --seed and "
					    "--compile-*");
	a->path[0] = argv[optind];
	a->path[1] = argv[optind + 1];
	if (strcmp(a->path[0], "-") == 0 && strcmp(a->path[1], "-") == 0)
		return adac_cli_usage_error("only one operand can be '-'");
	a->name[0] = adac_cli_input_name(a->path[0]);
	a->name[1] = adac_cli_input_name(a->path[1]);
	return -1;
}

/* Renders longer than half a second say how far they are, on a terminal. */
static void
progress(void *ctx, const char *name, double done)
{
	static const char *current;
	static double start, last;
	static int shown;
	struct timespec ts;
	double now;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec + ts.tv_nsec / 1e9;
	if (name != current) {
		current = name;
		start = now;
		shown = 0;
	}
	if (done >= 1.0) {
		if (shown)
			fputs("\r\033[K", stderr);
		shown = 0;
	} else if (now - start > 0.5 && now - last > 0.2) {
		fprintf(stderr, "\r%s: rendering %s: %3.0f%%", adac_cli_prog(),
			name, 100 * done);
		last = now;
		shown = 1;
	}
}

static int
open_source(const char *path, const struct args *a, struct adac_source **s)
{
	struct adac_error err;
	char *buf;
	size_t len;
	int rc;

	/* compiling a large program takes seconds: say so on a terminal */
	if (a->diff.progress != NULL)
		fprintf(stderr, "\r%s: reading %s", adac_cli_prog(),
			adac_cli_input_name(path));
	if (adac_plugin_is_bundle(path)) {
		/* an LV2 bundle: its one plugin, through plugin/'s host */
		rc = adac_plugin_source_open(path, NULL, a->render.set,
					     a->render.n_set, s, &err);
	} else if (strcmp(path, "-") != 0) {
		rc = adac_source_open(path, &a->render, s, &err);
	} else if ((rc = adac_cli_read(NULL, &buf, &len, &err)) == ADAC_OK) {
		rc = adac_source_open_mem("<stdin>", buf, len, &a->render, s, &err);
		free(buf);
	}
	if (a->diff.progress != NULL)
		fputs("\r\033[K", stderr);
	return rc == ADAC_OK ? 0 : adac_cli_fail(adac_cli_input_name(path), &err);
}

/* Say where an operand first overflows: its report fields alone are easy to miss. */
static void
warn_non_finite(const json_t *report, const char *name[2])
{
	static const char *const key[2] = {"reference_non_finite_sample",
					   "non_finite_sample"};
	json_t *p, *best;
	size_t i;
	int k;

	for (k = 0; k < 2; k++) {
		best = NULL;
		json_array_foreach(json_object_get(report, "paths"), i, p)
			if (json_is_integer(json_object_get(p, key[k])) &&
			    (best == NULL ||
			     json_integer_value(json_object_get(p, key[k])) <
			     json_integer_value(json_object_get(best, key[k]))))
				best = p;
		if (best != NULL)
			adac_cli_warn("%s: not finite from sample %lld on path %lld -> %lld",
				      name[k],
				      json_integer_value(json_object_get(best, key[k])),
				      json_integer_value(json_object_get(best, "input")),
				      json_integer_value(json_object_get(best, "output")));
	}
}

/*
 * --precision: the IR's fixed-point simulator against the program built
 * with faust -fx (lib/fixdiff.h).
 */
static int
fixed_point(const struct args *a)
{
	struct adac_error err;
	struct adac_ir *ir = NULL;
	json_t *report = NULL;
	char *buf = NULL, *dsp = NULL, *text = NULL;
	size_t len;
	int status, equal = 0, culprit = 0;

	if (adac_cli_read(a->path[0], &buf, &len, &err) != ADAC_OK ||
	    adac_ir_parse_text(buf, len, &ir, &err) != ADAC_OK) {
		status = adac_cli_fail(a->name[0], &err);
		goto out;
	}
	if (adac_cli_read(a->path[1], &dsp, &len, &err) != ADAC_OK) {
		status = adac_cli_fail(a->name[1], &err);
		goto out;
	}
	if (adac_fixdiff_run(ir, a->name[0], dsp, a->name[1], &a->fx,
			     &a->diff.stimulus, a->diff.length,
			     &a->faust.limits, &report, &equal, &culprit,
			     &err) != ADAC_OK) {
		status = adac_cli_fail(culprit >= 0 ? a->name[culprit] : NULL,
				       &err);
		goto out;
	}
	if ((text = adac_json_dumps(report)) == NULL)
		status = adac_cli_fail(NULL, (adac_error_set(&err, ADAC_E_NOMEM, "",
							     "out of memory"), &err));
	else if ((status = adac_cli_output(a->out, text, strlen(text))) == 0)
		status = equal ? 0 : 1;
out:
	free(text);
	free(buf);
	free(dsp);
	json_decref(report);
	adac_ir_free(ir);
	return status;
}

int
main(int argc, char **argv)
{
	struct adac_source *src[2] = { NULL, NULL };
	struct adac_error err;
	struct args a;
	json_t *report = NULL, *al;
	char *text = NULL;
	int status, equal = 0, culprit, k;

	adac_cli_init(argv[0]);
	memset(&a, 0, sizeof a);
	adac_diff_options_init(&a.diff);
	adac_render_options_init(&a.render);
	adac_faust_options_init(&a.faust);
	a.render.set = a.set;
	a.render.faust = &a.faust;
	if ((status = parse_args(argc, argv, &a)) >= 0)
		return status;
	if (a.fixed)
		return fixed_point(&a);
	if (isatty(STDERR_FILENO))
		a.diff.progress = progress;
	for (k = 0; k < 2; k++)
		if ((status = open_source(a.path[k], &a, &src[k])) != 0)
			goto out;
	if (adac_diff_run(src, a.name, &a.diff, &report, &equal, &culprit, &err)) {
		status = adac_cli_fail(culprit >= 0 ? a.name[culprit] : NULL, &err);
		goto out;
	}
	al = json_object_get(report, "alignment");
	if (json_is_string(json_object_get(al, "note")))
		adac_cli_warn("%s: %s on path %lld -> %lld", a.name[1],
			      json_string_value(json_object_get(al, "note")),
			      json_integer_value(json_object_get(al, "input")),
			      json_integer_value(json_object_get(al, "output")));
	warn_non_finite(report, a.name);
	al = json_object_get(json_object_get(report, "overall"), "note");
	if (json_is_string(al))
		adac_cli_warn("%s: %s", a.name[0], json_string_value(al));
	text = adac_json_dumps(report);
	if (text == NULL)
		status = adac_cli_fail(NULL, (adac_error_set(&err, ADAC_E_NOMEM, "",
							     "out of memory"), &err));
	else if ((status = adac_cli_output(a.out, text, strlen(text))) == 0)
		status = equal ? 0 : 1;
out:
	free(text);
	json_decref(report);
	adac_source_free(src[0]);
	adac_source_free(src[1]);
	return status;
}
