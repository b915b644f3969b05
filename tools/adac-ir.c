/*
 * adac-ir - inspect and render IR documents.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio.h"
#include "cli.h"
#include "impulse.h"
#include "ir.h"
#include "show.h"
#include "sim.h"

#define MAX_SETTINGS 16

static const char usage[] =
	"usage: adac-ir check [FILE]\n"
	"       adac-ir fmt [-o FILE] [FILE]\n"
	"       adac-ir show [FILE]\n"
	"       adac-ir hash [FILE]\n"
	"       adac-ir dot [-o FILE] [FILE]\n"
	"       adac-ir impulse [-n SAMPLES] [-f wav|json|raw] [-t float32|float64]\n"
	"                       [--set NAME=VALUE]... [-o FILE] [FILE]\n";

struct args {
	const char *cmd, *in, *out;
	long samples;			/* -1: the default length */
	enum adac_format format;
	enum adac_sample_type type;
	struct adac_setting set[MAX_SETTINGS];
	int n_set;
	int rendering;			/* options only impulse takes were given */
};

/* Returns -1 to go on, else the exit status. */
static int
parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"samples", required_argument, NULL, 'n'},
		{"format", required_argument, NULL, 'f'},
		{"type", required_argument, NULL, 't'},
		{"set", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct adac_error err;
	char *end;
	int c;

	a->cmd = argv[0];
	a->samples = -1;
	a->format = ADAC_FORMAT_WAV;
	a->type = ADAC_SAMPLE_FLOAT64;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:n:f:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->out = optarg;
			break;
		case 'n':
			errno = 0;
			a->samples = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    a->samples <= 0)
				return adac_cli_usage_error(
					"-n needs a positive number of samples, not '%s'",
					optarg);
			a->rendering = 1;
			break;
		case 'f':
			if (adac_format_parse(optarg, &a->format) != ADAC_OK)
				return adac_cli_usage_error(
					"unknown format '%s'; expected wav, json or raw",
					optarg);
			a->rendering = 1;
			break;
		case 't':
			if (adac_sample_type_parse(optarg, &a->type) != ADAC_OK)
				return adac_cli_usage_error(
					"unknown sample type '%s'; expected float32 or float64",
					optarg);
			a->rendering = 1;
			break;
		case 's':
			if (a->n_set == MAX_SETTINGS)
				return adac_cli_usage_error(
					"more than %d --set options", MAX_SETTINGS);
			if (adac_setting_parse(optarg, &a->set[a->n_set], &err))
				return adac_cli_fail(NULL, &err);
			a->n_set++;
			a->rendering = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (argc - optind > 1)
		return adac_cli_usage_error("too many operands");
	a->in = optind < argc ? argv[optind] : NULL;
	if (a->rendering && strcmp(a->cmd, "impulse") != 0)
		return adac_cli_usage_error("'%s' takes no -n, -f, -t or --set",
					    a->cmd);
	if (a->out != NULL && (strcmp(a->cmd, "check") == 0 ||
			       strcmp(a->cmd, "show") == 0 ||
			       strcmp(a->cmd, "hash") == 0))
		return adac_cli_usage_error("'%s' takes no -o", a->cmd);
	return -1;
}

/* Write text (owned; NULL means out of memory) and return the exit status. */
static int
emit(const char *path, void *data, size_t len)
{
	struct adac_error err;
	int rc;

	if (data == NULL) {
		adac_error_set(&err, ADAC_E_NOMEM, "", "out of memory");
		return adac_cli_fail(NULL, &err);
	}
	rc = adac_cli_write(path, data, len, &err);
	free(data);
	return rc == ADAC_OK ? 0 : adac_cli_fail(NULL, &err);
}

static int
emit_text(const char *path, char *text)
{
	return emit(path, text, text != NULL ? strlen(text) : 0);
}

static int
run(const struct args *a, const struct adac_ir *ir)
{
	struct adac_error err;
	char hex[67];
	void *data;
	size_t len;

	if (strcmp(a->cmd, "check") == 0)
		return 0;
	if (strcmp(a->cmd, "fmt") == 0)
		return emit_text(a->out, adac_ir_canonical(ir, 1));
	if (strcmp(a->cmd, "show") == 0)
		return emit_text(NULL, adac_show_summary(ir));
	if (strcmp(a->cmd, "dot") == 0)
		return emit_text(a->out, adac_show_dot(ir));
	if (strcmp(a->cmd, "impulse") == 0) {
		if (adac_impulse(ir, a->samples, a->set, a->n_set, a->format,
				 a->type, &data, &len, &err) != ADAC_OK)
			return adac_cli_fail(adac_cli_input_name(a->in), &err);
		return emit(a->out, data, len);
	}
	if (adac_ir_hash(ir, hex, &err) != ADAC_OK)
		return adac_cli_fail(adac_cli_input_name(a->in), &err);
	strcat(hex, "\n");
	return emit_text(NULL, strdup(hex));
}

int
main(int argc, char **argv)
{
	static const char *const commands[] = {"check", "fmt", "show", "hash",
					       "dot", "impulse", NULL};
	struct args a = {0};
	struct adac_error err;
	struct adac_ir *ir;
	char *buf;
	size_t len;
	int i, status;

	adac_cli_init("adac-ir");
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return adac_cli_version();
	for (i = 0; commands[i] != NULL; i++)
		if (strcmp(argv[1], commands[i]) == 0)
			break;
	if (commands[i] == NULL)
		return adac_cli_usage_error(
			"unknown command '%s'; see 'adac-ir --help'", argv[1]);
	if ((status = parse_args(argc - 1, argv + 1, &a)) >= 0)
		return status;
	if (adac_cli_read(a.in, &buf, &len, &err) != ADAC_OK)
		return adac_cli_fail(adac_cli_input_name(a.in), &err);
	status = adac_ir_parse_text(buf, len, &ir, &err);
	free(buf);
	if (status != ADAC_OK)
		return adac_cli_fail(adac_cli_input_name(a.in), &err);
	status = run(&a, ir);
	adac_ir_free(ir);
	return status;
}
