/*
 * live_lv2 MODE RELOADS FILE...: adac-live.lv2's write-to-audible time
 * inside a host (liblilv), the figure bench/live.sh gives for adac-live
 * run.  The host runs blocks of 256 frames at real time (48 kHz) while
 * the program file is rewritten RELOADS times, cycling over FILE...:
 * MODE "reload" appends a changing definition to each, so that every
 * write compiles (LLVM, the plugin's backend); "values" writes them as
 * they are (programs that differ in hidden values only).  After each
 * write it waits for the plugin's reload and reload_ms ports.  Prints
 * "median p95 count" of reload_ms over the reloads of the expected kind.
 */
#include <time.h>

#include "file.h"
#include "lv2_host.h"

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* one block at real time: what a host's audio thread would do */
static void
tick(struct host *h)
{
	struct timespec nap = { 0, 1000000000L / FS * BLOCK };

	host_run(h);
	nanosleep(&nap, NULL);
}

/* write text (and a changing definition when k >= 0) to path atomically */
static int
put(const char *path, const char *text, int k)
{
	char tmp[4200];
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return -1;
	fputs(text, f);
	if (k >= 0)
		fprintf(f, "\nrewrite = %d;\n", k);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

int
main(int argc, char **argv)
{
	struct host h;
	char path[] = "/tmp/adac-lv2-bench-XXXXXX", file[64];
	float *ms;
	int values, reloads, n = 0, k, b, want, i;
	char **text;

	if (argc < 4 || (strcmp(argv[1], "reload") != 0 &&
			 strcmp(argv[1], "values") != 0)) {
		fprintf(stderr, "usage: live_lv2 reload|values RELOADS FILE...\n");
		return 2;
	}
	values = strcmp(argv[1], "values") == 0;
	reloads = atoi(argv[2]);
	text = calloc(argc, sizeof *text);
	ms = calloc(reloads > 0 ? reloads : 1, sizeof *ms);
	for (i = 3; i < argc; i++) {
		struct adac_error err;
		size_t len;

		if (adac_read_file(argv[i], ADAC_MAX_INPUT_BYTES, &text[i], &len,
				   &err) != ADAC_OK) {
			fprintf(stderr, "live_lv2: %s: %s\n", argv[i], err.text);
			return 2;
		}
	}
	if (mkdtemp(path) == NULL || host_load_bundle() != 0 ||
	    host_open(&h) != 0)
		return 3;
	snprintf(file, sizeof file, "%s/run.dsp", path);
	/* start on the last file, so that the first write is a change */
	put(file, text[argc - 1], values ? -1 : 0);
	send_set(&h, NS "program", 1, file, 0);
	for (b = 0; b < 60 * FS / BLOCK && h.status[0] < 1; b++)
		tick(&h);
	want = values ? 2 : 1;	/* the reload port: values, swapped */
	for (k = 1; k <= reloads; k++) {
		float id = h.status[0];

		h.status[2] = 0;
		put(file, text[3 + (k - 1) % (argc - 3)], values ? -1 : k);
		for (b = 0; b < 60 * FS / BLOCK; b++) {
			tick(&h);
			/* a swap shows as a new program; values as the port */
			if (h.status[2] == want && (values || h.status[0] != id))
				break;
		}
		if (h.status[2] == want && h.status[3] >= 0)
			ms[n++] = h.status[3];
	}
	host_close(&h);
	host_unload();
	qsort(ms, n, sizeof *ms, cmp_float);
	if (n == 0)
		printf("- - 0\n");
	else
		printf("%.1f %.1f %d\n", n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2,
		       ms[(int)(0.95 * (n - 1))], n);
	snprintf(file, sizeof file, "rm -rf %s", path);
	return system(file) == 0 ? 0 : 3;
}
