/*
 * adac-emit - write a certified IR as a FAUST program.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certificate.h"
#include "cli.h"
#include "emit_faust.h"
#include "ir.h"

static const char usage[] =
	"usage: adac-emit [--force] [--dense] [--live] [--precision FORMAT] [-o FILE]\n"
	"                 [FILE]\n";

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"force", no_argument, NULL, 'f'},
		{"dense", no_argument, NULL, 'd'},
		{"live", no_argument, NULL, 'l'},
		{"precision", required_argument, NULL, 'p'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct adac_emit_options opt = {0};
	struct adac_fixpoint fx;
	struct adac_ir *ir = NULL;
	struct adac_error err;
	const char *out = NULL, *in;
	char *buf = NULL, *text = NULL, note[600];
	size_t len;
	int c, force = 0, status;

	adac_cli_init(argv[0]);
	opterr = 0;	/* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': force = 1; break;
		case 'd': opt.dense = 1; break;
		case 'l': opt.live = 1; break;
		case 'p':
			if (adac_fixpoint_parse(optarg, &fx, &err) != ADAC_OK)
				return adac_cli_usage_error("%s", err.text);
			opt.fixpoint = &fx;
			break;
		case 'o': out = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': return adac_cli_version();
		default: return adac_cli_option_error(c, argv);
		}
	}
	if (argc - optind > 1)
		return adac_cli_usage_error("too many operands");
	in = adac_cli_input_name(optind < argc ? argv[optind] : NULL);
	if (adac_cli_read(optind < argc ? argv[optind] : NULL, &buf, &len,
			  &err) != ADAC_OK ||
	    adac_ir_parse_text(buf, len, &ir, &err) != ADAC_OK)
		goto fail;
	if (adac_certify_check_target(ir, opt.fixpoint, &err) != ADAC_OK) {
		if (!force || err.code != ADAC_E_NEGATIVE)
			goto fail;
		adac_cli_warn("%s: %s%s%s; emitting anyway (--force)", in,
			      err.pointer, err.pointer[0] ? ": " : "",
			      err.text);
		snprintf(note, sizeof note, "NOT VALID, emitted with --force: %s",
			 err.text);
		opt.certificate_note = note;
	}
	if (adac_emit_faust(ir, &opt, &text, &err) != ADAC_OK)
		goto fail;
	status = adac_cli_output(out, text, strlen(text));
	goto out;
fail:
	status = adac_cli_fail(in, &err);
out:
	free(text);
	free(buf);
	adac_ir_free(ir);
	return status;
}
