/*
 * adac-ir - inspect and render IR documents.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio.h"
#include "cli.h"
#include "decay.h"
#include "export.h"
#include "impulse.h"
#include "ir.h"
#include "json.h"
#include "plot.h"
#include "render.h"
#include "show.h"
#include "sim.h"

#define MAX_SETTINGS 16
#define MAX_COMPARE 15

struct args;

/*
 * A command of adac-ir: its usage after its name, the options it takes
 * (their getopt characters) and what it runs, on an IR or on the
 * sources it renders (the text it writes into *text).
 */
struct command {
	const char *name, *opts, *usage;
	int (*run_ir)(const struct args *a, const struct adac_ir *ir);
	int (*run_rendered)(const struct args *a, struct adac_response **r,
			    const char **names, int n, char **text,
			    struct adac_error *err);
};

static int print_usage(void);

struct args {
	const struct command *cmd;
	const char *in, *out;
	long samples;			/* -1: the default length */
	enum adac_format format;
	enum adac_sample_type type;
	struct adac_setting set[MAX_SETTINGS];
	int n_set;
	enum adac_plot_kind kind;
	const char *compare[MAX_COMPARE];
	int n_compare;
	const char *only;		/* an option only some commands take */
	double fs_hz;			/* --fs: the rate of a FAUST program */
};

static const char *
option_name(int c)
{
	switch (c) {
	case 'o': return "-o";
	case 'n': return "-n";
	case 'f': return "-f";
	case 't': return "-t";
	case 's': return "--set";
	case 'k': return "--kind";
	case 'r': return "--fs";
	case 'T': return "--to";
	default: return "--compare";
	}
}

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
		{"kind", required_argument, NULL, 'k'},
		{"compare", required_argument, NULL, 'c'},
		{"fs", required_argument, NULL, 'r'},
		{"to", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct adac_error err;
	int c;

	a->samples = -1;
	a->format = ADAC_FORMAT_WAV;
	a->type = ADAC_SAMPLE_FLOAT64;
	a->kind = ADAC_PLOT_ALL;
	optind = 1;
	opterr = 0;	/* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, ":o:n:f:t:h", longopts, NULL)) != -1) {
		if (c != 'h' && c != '?' && c != ':' &&
		    strchr(a->cmd->opts, c) == NULL)
			a->only = option_name(c);
		switch (c) {
		case 'o':
			a->out = optarg;
			break;
		case 'n':
			/* more is refused by the render's limit in any case */
			if (adac_cli_whole("-n", optarg, 1, 1L << 28,
					   &a->samples))
				return 2;
			break;
		case 'f':
			if (adac_format_parse(optarg, &a->format) != ADAC_OK)
				return adac_cli_usage_error(
					"unknown format '%s'; expected wav, json or raw",
					optarg);
			break;
		case 't':
			if (adac_sample_type_parse(optarg, &a->type) != ADAC_OK)
				return adac_cli_usage_error(
					"unknown sample type '%s'; expected float32 or float64",
					optarg);
			break;
		case 's':
			if (a->n_set == MAX_SETTINGS)
				return adac_cli_usage_error(
					"more than %d --set options", MAX_SETTINGS);
			if (adac_setting_parse(optarg, &a->set[a->n_set], &err))
				return adac_cli_fail(NULL, &err);
			a->n_set++;
			break;
		case 'k':
			if (adac_plot_kind_parse(optarg, &a->kind, &err))
				return adac_cli_fail(NULL, &err);
			break;
		case 'r':
			if (adac_cli_number("--fs", optarg, 1, 1536000,
					    &a->fs_hz))
				return 2;
			break;
		case 'T':
			/* the one format there is; the option names it */
			if (strcmp(optarg, "adac") != 0)
				return adac_cli_usage_error(
					"--to: unknown format '%s'; expected adac",
					optarg);
			break;
		case 'c':
			if (a->n_compare == MAX_COMPARE)
				return adac_cli_usage_error(
					"more than %d --compare options", MAX_COMPARE);
			a->compare[a->n_compare++] = optarg;
			break;
		case 'h':
			return print_usage();
		default:
			return adac_cli_option_error(c, argv);
		}
	}
	if (argc - optind > 1)
		return adac_cli_usage_error("too many operands");
	a->in = optind < argc ? argv[optind] : NULL;
	if (a->only != NULL)
		return adac_cli_usage_error("'%s' takes no %s", a->cmd->name,
					    a->only);
	return -1;
}

/* Write text (owned; NULL means out of memory) and return the exit status. */
static int
emit(const char *path, void *data, size_t len)
{
	struct adac_error err;
	int status;

	if (data == NULL) {
		adac_error_set(&err, ADAC_E_NOMEM, "", "out of memory");
		return adac_cli_fail(NULL, &err);
	}
	status = adac_cli_output(path, data, len);
	free(data);
	return status;
}

static int
emit_text(const char *path, char *text)
{
	return emit(path, text, text != NULL ? strlen(text) : 0);
}

static int
run_check(const struct args *a, const struct adac_ir *ir)
{
	(void)a;
	(void)ir;
	return 0;
}

static int
run_fmt(const struct args *a, const struct adac_ir *ir)
{
	return emit_text(a->out, adac_ir_canonical(ir, 1));
}

static int
run_show(const struct args *a, const struct adac_ir *ir)
{
	(void)a;
	return emit_text(NULL, adac_show_summary(ir));
}

static int
run_hash(const struct args *a, const struct adac_ir *ir)
{
	struct adac_error err;
	char hex[67];

	if (adac_ir_hash(ir, hex, &err) != ADAC_OK)
		return adac_cli_fail(adac_cli_input_name(a->in), &err);
	strcat(hex, "\n");
	return emit_text(NULL, strdup(hex));
}

static int
run_dot(const struct args *a, const struct adac_ir *ir)
{
	return emit_text(a->out, adac_show_dot(ir));
}

static int
run_impulse(const struct args *a, const struct adac_ir *ir)
{
	struct adac_error err;
	void *data;
	size_t len;

	if (adac_impulse(ir, a->samples, a->set, a->n_set, a->format,
			 a->type, &data, &len, &err) != ADAC_OK)
		return adac_cli_fail(adac_cli_input_name(a->in), &err);
	return emit(a->out, data, len);
}

static int
run_export(const struct args *a, const struct adac_ir *ir)
{
	struct adac_error err;
	json_t *cfg = NULL;
	char *text;

	if (adac_export_adac(ir, &cfg, &err) != ADAC_OK)
		return adac_cli_fail(adac_cli_input_name(a->in), &err);
	text = adac_json_dumps(cfg);
	json_decref(cfg);
	return emit_text(a->out, text);
}

/* Render path (NULL: stdin) as a source, with a's settings and length. */
static int
render(const char *path, const struct args *a, double *fs_hz,
       struct adac_response **out, struct adac_error *err)
{
	struct adac_render_options opt;
	struct adac_source *src = NULL;
	char *buf;
	size_t len;
	int rc;

	adac_render_options_init(&opt);
	opt.set = a->set;
	opt.n_set = a->n_set;
	if ((rc = adac_cli_read(path, &buf, &len, err)) != ADAC_OK)
		return rc;
	rc = adac_source_open_mem(adac_cli_input_name(path), buf, len, &opt,
				  &src, err);
	free(buf);
	if (rc != ADAC_OK)
		return rc;
	/* the first source sets the rate; a FAUST program has none of its own */
	if (*fs_hz <= 0)
		*fs_hz = adac_source_fs_hz(src) > 0 ? adac_source_fs_hz(src) :
			 ADAC_RENDER_DEFAULT_FS_HZ;
	rc = adac_source_render(src, a->samples > 0 ? a->samples :
				(long)ceil(ADAC_IMPULSE_DEFAULT_S * *fs_hz),
				*fs_hz, out, err);
	adac_source_free(src);
	return rc;
}

/* plot: an SVG of the sources rendered, the first the reference */
static int
plot_text(const struct args *a, struct adac_response **r,
	  const char **names, int n, char **text, struct adac_error *err)
{
	struct adac_plot_series *series = NULL;
	int n_series = 0, rc;

	rc = adac_plot_series_from((const struct adac_response *const *)r,
				   names, n, &series, &n_series, err);
	if (rc == ADAC_OK)
		rc = adac_plot_svg(series, n_series, a->kind, names[0], text,
				   err);
	adac_plot_series_free(series, n_series);
	return rc;
}

/* decay: the JSON report of the one source rendered */
static int
decay_text(const struct args *a, struct adac_response **r,
	   const char **names, int n, char **text, struct adac_error *err)
{
	json_t *report = NULL;
	int rc;

	(void)a;
	(void)names;
	(void)n;
	rc = adac_decay_analyse(r[0], &report, err);
	if (rc == ADAC_OK && (*text = adac_json_dumps(report)) == NULL)
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	json_decref(report);
	return rc;
}

/* plot and decay: any source, IR, FAUST program or audio file. */
static int
run_rendered(const struct args *a)
{
	struct adac_response *r[1 + MAX_COMPARE] = {NULL};
	const char *names[1 + MAX_COMPARE];
	struct adac_error err;
	double fs_hz = a->fs_hz;
	char *text = NULL;
	int i, n, rc = ADAC_OK, status;

	names[0] = adac_cli_input_name(a->in);
	for (i = 0; i < a->n_compare; i++)
		names[1 + i] = a->compare[i];
	/* only the commands that take --compare have more than one */
	n = 1 + a->n_compare;
	for (i = 0; i < n && rc == ADAC_OK; i++)
		rc = render(i == 0 ? a->in : a->compare[i - 1], a, &fs_hz,
			    &r[i], &err);
	if (rc != ADAC_OK) {
		status = adac_cli_fail(names[i - 1], &err);
		goto out;
	}
	rc = a->cmd->run_rendered(a, r, names, n, &text, &err);
	status = rc == ADAC_OK ? emit_text(a->out, text) :
		 adac_cli_fail(names[0], &err);
out:
	for (i = 0; i < n; i++)
		adac_response_free(r[i]);
	return status;
}

/*
 * The commands, in the order of the usage: a new command is one row here
 * (and its function).
 */
static const struct command commands[] = {
	{"check", "", "[FILE]", run_check, NULL},
	{"fmt", "o", "[-o FILE] [FILE]", run_fmt, NULL},
	{"show", "", "[FILE]", run_show, NULL},
	{"hash", "", "[FILE]", run_hash, NULL},
	{"dot", "o", "[-o FILE] [FILE]", run_dot, NULL},
	{"impulse", "onfts",
	 "[-n SAMPLES] [-f wav|json|raw] [-t float32|float64]\n"
	 "[--set NAME=VALUE]... [-o FILE] [FILE]",
	 run_impulse, NULL},
	{"plot", "onskcr",
	 "[--kind impulse|edc|magnitude|all] [-n SAMPLES] [--fs HZ]\n"
	 "[--set NAME=VALUE]... [--compare SOURCE]... [-o FILE] [SOURCE]",
	 NULL, plot_text},
	{"decay", "onsr",
	 "[-n SAMPLES] [--fs HZ] [--set NAME=VALUE]... [-o FILE] [SOURCE]",
	 NULL, decay_text},
	{"export", "oT", "[--to adac] [-o FILE] [FILE]", run_export, NULL},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

/*
 * "usage: adac-ir CMD USAGE" for the first command, aligned under it for
 * the rest; a usage's second line is indented under its first option.
 */
static int
print_usage(void)
{
	size_t i;
	const char *p;

	for (i = 0; i < N_COMMANDS; i++) {
		printf("%s adac-ir %s ", i == 0 ? "usage:" : "      ",
		       commands[i].name);
		for (p = commands[i].usage; *p != '\0'; p++) {
			putchar(*p);
			if (*p == '\n')
				printf("%*s", 16 + (int)strlen(commands[i].name),
				       "");
		}
		putchar('\n');
	}
	return fclose(stdout) == 0 ? 0 : 3;
}

int
main(int argc, char **argv)
{
	struct args a = {0};
	struct adac_error err;
	struct adac_ir *ir;
	char *buf;
	size_t len;
	size_t i;
	int status;

	adac_cli_init("adac-ir");
	if (argc < 2)
		return adac_cli_usage_error(
			"expected a command; see 'adac-ir --help'");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return print_usage();
	if (strcmp(argv[1], "--version") == 0)
		return adac_cli_version();
	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			break;
	if (i == N_COMMANDS)
		return adac_cli_usage_error(
			"unknown command '%s'; see 'adac-ir --help'", argv[1]);
	a.cmd = &commands[i];
	if ((status = parse_args(argc - 1, argv + 1, &a)) >= 0)
		return status;
	if (a.cmd->run_ir == NULL)
		return run_rendered(&a);
	if (adac_cli_read(a.in, &buf, &len, &err) != ADAC_OK)
		return adac_cli_fail(adac_cli_input_name(a.in), &err);
	status = adac_ir_parse_text(buf, len, &ir, &err);
	free(buf);
	if (status != ADAC_OK)
		return adac_cli_fail(adac_cli_input_name(a.in), &err);
	status = a.cmd->run_ir(&a, ir);
	adac_ir_free(ir);
	return status;
}
