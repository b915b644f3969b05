/*
 * adac-plugin - build a certified IR into an LV2 plugin (or a JACK
 * program) and prove the binary equal to the IR.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certificate.h"
#include "cli.h"
#include "json.h"
#include "plugin.h"

static const char usage[] =
	"usage: adac-plugin [--format lv2|jack] [-o OUT] [--name NAME] [--uri URI]\n"
	"                   [--force] [--dsp PROGRAM] [FILE]\n";

/* model.ir.json -> model.lv2 (or model for JACK), beside it */
static char *
default_out(const char *in, enum adac_plugin_format format)
{
	size_t n = strlen(in);
	char *out;

	if (n > 8 && strcmp(in + n - 8, ".ir.json") == 0)
		n -= 8;
	else if (n > 5 && strcmp(in + n - 5, ".json") == 0)
		n -= 5;
	if ((out = malloc(n + 5)) == NULL)
		return NULL;
	memcpy(out, in, n);
	strcpy(out + n, format == ADAC_PLUGIN_LV2 ? ".lv2" : "");
	return out;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'F'},
		{"output", required_argument, NULL, 'o'},
		{"name", required_argument, NULL, 'n'},
		{"uri", required_argument, NULL, 'u'},
		{"force", no_argument, NULL, 'f'},
		{"dsp", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct adac_plugin_options opt = {0};
	struct adac_ir *ir = NULL;
	struct adac_error err;
	json_t *report = NULL;
	const char *in, *dsp_path = NULL;
	char *buf = NULL, *dsp = NULL, *out = NULL, *text = NULL, warning[1024];
	size_t len;
	int c, force = 0, status, rc;

	adac_cli_init(argv[0]);
	opterr = 0;	/* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if (strcmp(optarg, "lv2") == 0)
				opt.format = ADAC_PLUGIN_LV2;
			else if (strcmp(optarg, "jack") == 0)
				opt.format = ADAC_PLUGIN_JACK;
			else
				return adac_cli_usage_error("--format '%s': expected lv2 or jack",
							    optarg);
			break;
		case 'o': out = optarg; break;
		case 'n': opt.name = optarg; break;
		case 'u': opt.uri = optarg; break;
		case 'f': force = 1; break;
		case 'd': dsp_path = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': return adac_cli_version();
		default: return adac_cli_option_error(c, argv);
		}
	}
	if (argc - optind > 1)
		return adac_cli_usage_error("too many operands");
	if (out == NULL && (optind == argc || strcmp(argv[optind], "-") == 0))
		return adac_cli_usage_error("-o is needed when the IR comes from stdin");
	in = adac_cli_input_name(optind < argc ? argv[optind] : NULL);
	if (out == NULL && (out = text = default_out(in, opt.format)) == NULL)
		return adac_cli_fail(NULL, (adac_error_set(&err, ADAC_E_NOMEM, "",
							   "out of memory"), &err));
	/* a JACK program named after an IR without .json would replace it */
	if (strcmp(out, in) == 0) {
		free(text);
		return adac_cli_usage_error("the output would replace '%s': give -o", in);
	}
	if (dsp_path != NULL && adac_cli_read(dsp_path, &dsp, &len, &err) != ADAC_OK) {
		status = adac_cli_fail(dsp_path, &err);
		goto out;
	}
	opt.dsp = dsp;
	if (adac_cli_read(optind < argc ? argv[optind] : NULL, &buf, &len,
			  &err) != ADAC_OK ||
	    adac_ir_parse_text(buf, len, &ir, &err) != ADAC_OK)
		goto fail;
	/* adac-emit's check, for the precision a plugin runs in */
	if (adac_certify_check_precision(ir, ADAC_PRECISION_FLOAT32, &err) != ADAC_OK) {
		if (!force || err.code != ADAC_E_NEGATIVE)
			goto fail;
		adac_cli_warn("%s: %s%s%s; building anyway (--force): the plugin is NOT certified",
			      in, err.pointer, err.pointer[0] ? ": " : "",
			      err.text);
		snprintf(warning, sizeof warning, "%s%s%s", err.pointer,
			 err.pointer[0] ? ": " : "", err.text);
		opt.warning = warning;
	}
	rc = adac_plugin_make(ir, &opt, out, &report, &err);
	if (report != NULL) {
		char *r = adac_json_dumps(report);

		if (r != NULL)
			fputs(r, stdout);
		free(r);
		if (fflush(stdout) != 0) {
			status = adac_cli_output(NULL, "", 0);
			goto out;
		}
	}
	if (rc != ADAC_OK)
		goto fail;
	status = 0;
	goto out;
fail:
	status = adac_cli_fail(in, &err);
out:
	free(text);
	free(dsp);
	free(buf);
	json_decref(report);
	adac_ir_free(ir);
	return status;
}
