/*
 * emit_time - how long adac-emit's library takes, in process: parse and
 * emit an IR (best of several runs), and compile the emitted program
 * with libfaust's LLVM JIT.
 *
 *	emit_time [--dense] IR.json
 *
 * prints "EMIT_MS JIT_MS BYTES": emission (parse + emit, best of 20
 * runs), one JIT compilation (float), and the program's size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "emit_faust.h"
#include "faust_jit.h"
#include "ir.h"

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	struct adac_emit_options opt = {0};
	struct adac_error err;
	struct adac_ir *ir = NULL;
	struct adac_faust *dsp = NULL;
	char *buf = NULL, *text = NULL;
	size_t len;
	double best = 1e300, t0;
	int i, a = 1;

	if (argc > 1 && strcmp(argv[1], "--dense") == 0) {
		opt.dense = 1;
		a++;
	}
	if (a != argc - 1) {
		fprintf(stderr, "usage: emit_time [--dense] IR.json\n");
		return 2;
	}
	if (adac_cli_read(argv[a], &buf, &len, &err) != ADAC_OK)
		goto fail;
	for (i = 0; i < 20; i++) {
		t0 = now_ms();
		if (adac_ir_parse_text(buf, len, &ir, &err) != ADAC_OK ||
		    adac_emit_faust(ir, &opt, &text, &err) != ADAC_OK)
			goto fail;
		t0 = now_ms() - t0;
		if (t0 < best)
			best = t0;
		adac_ir_free(ir);
		ir = NULL;
		if (i < 19) {
			free(text);
			text = NULL;
		}
	}
	t0 = now_ms();
	if (adac_faust_compile("emitted", text, NULL, 48000, &dsp, &err) !=
	    ADAC_OK)
		goto fail;
	printf("%.3f %.1f %zu\n", best, now_ms() - t0, strlen(text));
	adac_faust_free(dsp);
	free(text);
	free(buf);
	return 0;
fail:
	fprintf(stderr, "emit_time: %s: %s: %s\n", argv[a], err.pointer,
		err.text);
	return 1;
}
