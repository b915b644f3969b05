/*
 * adac-certify - prove an IR stable (or say why not) and append the
 * certificate to it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certify.h"
#include "cli.h"
#include "ir.h"
#include "json.h"

static const char usage[] =
	"usage: adac-certify [--precision float32|double|all|float16|bfloat16|q1.F[:...]]\n"
	"                    [--input-peak X] [--grid N] [--tol X]\n"
	"                    [--strict] [--report] [-o FILE] [FILE]\n";

static int
parse_opts(int argc, char **argv, struct adac_certify_opts *o,
	   struct adac_fixpoint *fx, const char **out, int *strict,
	   int *report, int *status)
{
	static const struct option longopts[] = {
		{"precision", required_argument, NULL, 'p'},
		{"input-peak", required_argument, NULL, 'i'},
		{"grid", required_argument, NULL, 'g'},
		{"tol", required_argument, NULL, 't'},
		{"strict", no_argument, NULL, 's'},
		{"report", no_argument, NULL, 'r'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	long n;
	int c;

	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (strcmp(optarg, "float32") == 0)
				o->precisions = ADAC_CERTIFY_FLOAT32;
			else if (strcmp(optarg, "double") == 0)
				o->precisions = ADAC_CERTIFY_DOUBLE;
			else if (strcmp(optarg, "all") == 0)
				o->precisions = ADAC_CERTIFY_ALL;
			else if (strcmp(optarg, "float16") == 0)
				o->precisions = ADAC_CERTIFY_FLOAT16;
			else if (strcmp(optarg, "bfloat16") == 0)
				o->precisions = ADAC_CERTIFY_BFLOAT16;
			else if (strncmp(optarg, "q1.", 3) == 0) {
				struct adac_error e;

				if (adac_fixpoint_parse(optarg, fx, &e) != ADAC_OK)
					return *status = adac_cli_usage_error(
						"--precision: %s", e.text), 0;
				o->fixpoint = fx;
			} else
				return *status = adac_cli_usage_error(
					"--precision: '%s' is not 'float32', 'double', 'all', 'float16', 'bfloat16' or a fixed-point format such as 'q1.15'",
					optarg), 0;
			break;
		case 'i':
			/* adac-certify(1): 0 < x <= 1 */
			if ((*status = adac_cli_number("--input-peak", optarg,
						       0, 1, &o->input_peak)) != 0)
				return 0;
			if (o->input_peak == 0)
				return *status = adac_cli_usage_error(
					"--input-peak: '%s' is not above 0", optarg), 0;
			break;
		case 'g':
			if ((*status = adac_cli_whole("--grid", optarg, 1,
						      1 << 20, &n)) != 0)
				return 0;
			o->grid = (int)n;
			break;
		case 't':
			/* adac-certify(1): 0 <= x < 0.5 */
			if ((*status = adac_cli_number("--tol", optarg, 0, 0.5,
						       &o->tol)) != 0)
				return 0;
			if (o->tol == 0.5)
				return *status = adac_cli_usage_error(
					"--tol: '%s' is not below 0.5", optarg), 0;
			break;
		case 's':
			*strict = 1;
			break;
		case 'r':
			*report = 1;
			break;
		case 'o':
			*out = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return *status = 0, 0;
		case 'V':
			return *status = adac_cli_version(), 0;
		default:
			fputs(usage, stderr);
			return *status = 2, 0;
		}
	}
	if (argc - optind > 1)
		return *status = adac_cli_usage_error("too many operands"), 0;
	if (o->input_peak != 0 && o->fixpoint == NULL)
		return *status = adac_cli_usage_error(
			"--input-peak needs a fixed-point --precision"), 0;
	return 1;
}

int
main(int argc, char **argv)
{
	struct adac_certify_opts o = {ADAC_CERTIFY_ALL, 0, -1, NULL, 0, 0};
	struct adac_fixpoint fx;
	const char *in = NULL, *out = NULL, *name;
	struct adac_ir *ir = NULL;
	struct adac_error err;
	enum adac_verdict v;
	json_t *cert = NULL;
	char *buf = NULL, *text = NULL, *summary;
	size_t len;
	int strict = 0, report = 0, status = 2, rc;

	adac_cli_init(argv[0]);
	if (!parse_opts(argc, argv, &o, &fx, &out, &strict, &report, &status))
		return status;
	in = optind < argc ? argv[optind] : NULL;
	name = adac_cli_input_name(in);
	if ((rc = adac_cli_read(in, &buf, &len, &err)) != ADAC_OK ||
	    (rc = adac_ir_parse_text(buf, len, &ir, &err)) != ADAC_OK ||
	    (rc = adac_certify(ir, &o, &cert, &v, &err)) != ADAC_OK ||
	    (rc = adac_certify_attach(ir, cert, &err)) != ADAC_OK) {
		status = adac_cli_fail(name, &err);
		goto out;
	}
	text = adac_json_dumps(ir->json);
	if (text == NULL) {
		adac_error_set(&err, ADAC_E_NOMEM, "", "out of memory");
		status = adac_cli_fail(name, &err);
		goto out;
	}
	if (report && (summary = adac_certify_summary(cert))) {
		fputs(summary, stderr);
		free(summary);
	}
	/* a failing verdict still writes the IR: the certificate says why */
	if ((status = adac_cli_output(out, text, strlen(text))) != 0)
		goto out;
	status = v == ADAC_CERTIFIED_STABLE ? 0 :
		 v == ADAC_MARGINALLY_STABLE ? strict : 1;
out:
	json_decref(cert);
	adac_ir_free(ir);
	free(buf);
	free(text);
	return status;
}
