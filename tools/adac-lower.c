/*
 * adac-lower - turn a model description (the reference implementation's
 * config, or a native fdn or sdn spec) into an ir/1 document.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "lower.h"

static const char usage[] =
	"usage: adac-lower [--from adac|fdn|sdn] [--control SPEC]... [-o FILE] [FILE]\n"
	"       SPEC: NAME[=FIELDS][,KEY=VALUE]... | NAME=off\n"
	"       NAME=FIELDS: rt60=MIN:MAX:INIT | dry_wet=INIT | pre_delay=MAX_MS\n"
	"       KEY: init | min | max | step | label (label takes the rest)\n";

#define MAX_CONTROLS 8

static int
parse_opts(int argc, char **argv, enum adac_lower_from *from,
	   const char **out, const char **controls, int *n_controls,
	   int *status)
{
	static const struct option longopts[] = {
		{"from", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"control", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;	/* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "adac") == 0)
				*from = ADAC_LOWER_ADAC;
			else if (strcmp(optarg, "fdn") == 0)
				*from = ADAC_LOWER_FDN;
			else if (strcmp(optarg, "sdn") == 0)
				*from = ADAC_LOWER_SDN;
			else
				return *status = adac_cli_usage_error(
				    "--from: '%s' is not 'adac', 'fdn' or 'sdn'",
				    optarg), 0;
			break;
		case 'o':
			*out = optarg;
			break;
		case 'c':
			if (*n_controls == MAX_CONTROLS)
				return *status = adac_cli_usage_error(
				    "more than %d --control options",
				    MAX_CONTROLS), 0;
			controls[(*n_controls)++] = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return *status = 0, 0;
		case 'V':
			return *status = adac_cli_version(), 0;
		default:
			return *status = adac_cli_option_error(c, argv), 0;
		}
	}
	if (argc - optind > 1)
		return *status = adac_cli_usage_error("too many operands"), 0;
	return 1;
}

int
main(int argc, char **argv)
{
	enum adac_lower_from from = ADAC_LOWER_AUTO;
	const char *in, *out = NULL, *name, *controls[MAX_CONTROLS];
	struct adac_error err;
	json_t *doc = NULL, *ir = NULL;
	char *buf = NULL, *text = NULL;
	size_t len;
	int n_controls = 0, status = 2;

	adac_cli_init(argv[0]);
	if (!parse_opts(argc, argv, &from, &out, controls, &n_controls,
			&status))
		return status;
	in = optind < argc ? argv[optind] : NULL;
	name = adac_cli_input_name(in);
	if (adac_cli_read(in, &buf, &len, &err) != ADAC_OK ||
	    (doc = adac_json_load(buf, len, &err)) == NULL ||
	    adac_lower_with_controls(doc, from, controls, n_controls, &ir,
				     &err) != ADAC_OK) {
		status = adac_cli_fail(name, &err);
		goto out;
	}
	if ((text = adac_json_dumps(ir)) == NULL) {
		adac_error_set(&err, ADAC_E_NOMEM, "", "out of memory");
		status = adac_cli_fail(name, &err);
		goto out;
	}
	status = adac_cli_output(out, text, strlen(text));
out:
	json_decref(doc);
	json_decref(ir);
	free(buf);
	free(text);
	return status;
}
