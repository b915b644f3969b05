/*
 * adac-ir - inspect and render IR documents.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ir.h"
#include "show.h"

static const char usage[] =
	"usage: adac-ir check [FILE]\n"
	"       adac-ir fmt [-o FILE] [FILE]\n"
	"       adac-ir show [FILE]\n"
	"       adac-ir hash [FILE]\n"
	"       adac-ir dot [-o FILE] [FILE]\n";

struct input {
	const char *path;
	struct adac_ir *ir;
};

/* Parse options common to every subcommand, then read and parse the IR. */
static int
open_ir(int argc, char **argv, const char **out_path, struct input *in,
	int *status)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct adac_error err;
	char *buf;
	size_t len;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (out_path == NULL) {
				*status = adac_cli_usage_error(
					"'%s' takes no -o", argv[0]);
				return 0;
			}
			*out_path = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			*status = 0;
			return 0;
		default:
			fputs(usage, stderr);
			*status = 2;
			return 0;
		}
	}
	if (argc - optind > 1) {
		*status = adac_cli_usage_error("too many operands");
		return 0;
	}
	in->path = optind < argc ? argv[optind] : NULL;
	rc = adac_cli_read(in->path, &buf, &len, &err);
	if (rc == ADAC_OK) {
		rc = adac_ir_parse_text(buf, len, &in->ir, &err);
		free(buf);
	}
	if (rc != ADAC_OK) {
		*status = adac_cli_fail(adac_cli_input_name(in->path), &err);
		return 0;
	}
	return 1;
}

/* Write text (owned; NULL means out of memory) and return the exit status. */
static int
emit(const char *path, char *text)
{
	struct adac_error err;
	int rc;

	if (text == NULL) {
		adac_error_set(&err, ADAC_E_NOMEM, "", "out of memory");
		return adac_cli_fail(NULL, &err);
	}
	rc = adac_cli_write(path, text, strlen(text), &err);
	free(text);
	return rc == ADAC_OK ? 0 : adac_cli_fail(NULL, &err);
}

static int
run(int argc, char **argv)
{
	const char *cmd = argv[0], *out = NULL;
	struct input in = {NULL, NULL};
	struct adac_error err;
	char hex[65], *text = NULL;
	int status = 0;

	if (!open_ir(argc, argv,
		     strcmp(cmd, "fmt") == 0 || strcmp(cmd, "dot") == 0 ?
		     &out : NULL, &in, &status))
		return status;
	if (strcmp(cmd, "check") == 0) {
		status = 0;
	} else if (strcmp(cmd, "fmt") == 0) {
		status = emit(out, adac_ir_canonical(in.ir, 1));
	} else if (strcmp(cmd, "show") == 0) {
		status = emit(NULL, adac_show_summary(in.ir));
	} else if (strcmp(cmd, "dot") == 0) {
		status = emit(out, adac_show_dot(in.ir));
	} else if (adac_ir_hash(in.ir, hex, &err) != ADAC_OK) {
		status = adac_cli_fail(adac_cli_input_name(in.path), &err);
	} else {
		text = malloc(66);
		if (text != NULL)
			snprintf(text, 66, "%s\n", hex);
		status = emit(NULL, text);
	}
	adac_ir_free(in.ir);
	return status;
}

int
main(int argc, char **argv)
{
	static const char *const commands[] = {"check", "fmt", "show", "hash",
					       "dot", NULL};
	int i;

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
			return run(argc - 1, argv + 1);
	return adac_cli_usage_error("unknown command '%s'; see 'adac-ir --help'",
				    argv[1]);
}
