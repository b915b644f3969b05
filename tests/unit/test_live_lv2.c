/*
 * The adac-live LV2 plugin in a real LV2 host library (liblilv), as a DAW
 * runs it: the bundle make built is loaded, instantiated with urid:map,
 * told a program's path through its control port (a patch:Set), run in
 * blocks; the program file is rewritten and the output must switch to the
 * new program within a bounded number of blocks, with no NaN and no
 * step larger than the crossfade allows.  Waiting for a compile is
 * bounded (a failure, not a timing claim): 60 s of blocks.
 */
#include <time.h>
#include <unistd.h>

#include "lv2_host.h"
#include "unit.h"

#define WAIT_BLOCKS (60 * FS / BLOCK)

static char dir[64];

/* Run blocks until the output is want (within float rounding) or give up. */
static int
run_until(struct host *h, float want)
{
	struct timespec nap = { 0, 2000000 };
	int b;

	for (b = 0; b < WAIT_BLOCKS; b++) {
		host_run(h);
		if (fabsf(h->out[0][BLOCK - 1] - want) <= 1e-6f &&
		    fabsf(h->out[1][BLOCK - 1] - want) <= 1e-6f)
			return b + 1;
		nanosleep(&nap, NULL);	/* let the control thread work */
	}
	return -1;
}

/* Run blocks until the status port reads want (the reload it reports). */
static int
run_until_status(struct host *h, int port, float want)
{
	struct timespec nap = { 0, 2000000 };
	int b;

	for (b = 0; b < WAIT_BLOCKS; b++) {
		host_run(h);
		if (h->status[port] == want)
			return b + 1;
		nanosleep(&nap, NULL);
	}
	return -1;
}

static const char header[] =
	"// t: written by adac-emit 0.1.0 from an adac IR (ir/1)\n"
	"// source: test\n"
	"// certificate: certified-stable for float and double builds, sha256 00\n";

/* Write text to dir/name atomically (a new inode, as exporters do). */
static void
write_program(const char *name, const char *head, const char *body)
{
	char path[128], tmp[140];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	fputs(head, f);
	fputs(body, f);
	fclose(f);
	rename(tmp, path);
}

static void
program_path(char *path, size_t cap, const char *name)
{
	snprintf(path, cap, "%s/%s", dir, name);
}

/*
 * Write the program name (head + body), open a host on it and run until
 * it plays want: 0, or -1 (reported) when the host or the program failed.
 */
static int
start(struct host *h, const char *name, const char *head, const char *body,
      float want)
{
	char path[128];

	write_program(name, head, body);
	check_int(host_open(h), 0);
	if (h->inst == NULL)
		return -1;
	program_path(path, sizeof path, name);
	send_set(h, NS "program", 1, path, 0);
	if (run_until(h, want) <= 0) {
		check(!"the program plays");
		host_close(h);
		return -1;
	}
	return 0;
}

/* ---- the tests --------------------------------------------------------- */

static void
test_live_lv2__the_output_follows_the_file_with_a_smooth_swap(void)
{
	struct host h;
	int b;

	if (start(&h, "a.dsp", header, "process = *(0.5), *(0.5);\n", 0.5f) != 0)
		return;
	/* the status follows once the control thread has seen the swap */
	check(run_until_status(&h, 0, 1) > 0);	/* program number 1 runs */
	check(h.status[1] == 2);	/* its header: certified-stable */
	check(h.status[2] == 1);	/* swapped */
	h.max_step = 0;
	write_program("a.dsp", header, "process = *(0.25), *(0.25);\n");
	b = run_until(&h, 0.25f);
	check(b > 0);
	check(run_until_status(&h, 0, 2) > 0);
	check(h.status[2] == 1);
	check(h.status[3] >= 0);	/* its write-to-audible time, ms */
	check_int(h.nonfinite, 0);
	/*
	 * The equal-power crossfade from 0.5 to 0.25 over 10 ms (480
	 * samples): x = 0.5 cos t + 0.25 sin t, t from 0 to pi/2, moves by
	 * at most (0.5 + 0.25) (pi/2) / 480 = 0.00245 per sample; a cut
	 * would be 0.25.  Twice the bound leaves room for the rounding of t.
	 */
	check_le(h.max_step, 2 * 0.75 * (M_PI / 2) / 480);
	host_close(&h);
}

static void
test_live_lv2__a_value_only_change_does_not_compile(void)
{
	static const char *a =
		"process = par(i, 2, *(nentry(\"g[hidden:1]\", 0.5, -1e9, 1e9, 0)));\n";
	static const char *b =
		"process = par(i, 2, *(nentry(\"g[hidden:1]\", 0.125, -1e9, 1e9, 0)));\n";
	struct host h;
	float id;

	if (start(&h, "v.dsp", header, a, 0.5f) != 0)
		return;
	check(run_until_status(&h, 0, 1) > 0);
	id = h.status[0];
	write_program("v.dsp", header, b);
	check(run_until(&h, 0.125f) > 0);
	check(run_until_status(&h, 2, 2) > 0);	/* values */
	check(h.status[0] == id);	/* the same program: no compile */
	check_int(h.nonfinite, 0);
	host_close(&h);
}

static void
test_live_lv2__an_uncertified_program_is_refused_until_allowed(void)
{
	struct host h;

	if (start(&h, "c.dsp", header, "process = *(0.5), *(0.5);\n", 0.5f) != 0)
		return;
	/* no header: the running program plays on */
	write_program("c.dsp", "", "process = *(0.75), *(0.75);\n");
	check(run_until_status(&h, 2, 5) > 0);	/* refused */
	check(h.status[1] == 0);		/* no adac header */
	check(h.out[0][BLOCK - 1] == 0.5f);
	/* a header whose certificate failed is refused too */
	write_program("c.dsp",
		      "// t: written by adac-emit 0.1.0 from an adac IR (ir/1)\n"
		      "// source: test\n"
		      "// certificate: NOT VALID, emitted with --force: certificate verdict is 'unstable'\n",
		      "process = *(0.75), *(0.75);\n");
	check(run_until_status(&h, 1, -1) > 0);
	check(h.status[2] == 5);
	check(h.out[0][BLOCK - 1] == 0.5f);
	/* the user allows it in the plugin's state: it plays */
	send_set(&h, NS "allowUncertified", 0, NULL, 1);
	check(run_until(&h, 0.75f) > 0);
	host_close(&h);
}

static void
test_live_lv2__a_broken_program_leaves_the_running_one_playing(void)
{
	struct host h;
	int b;

	if (start(&h, "b.dsp", header, "process = *(0.5), *(0.5);\n", 0.5f) != 0)
		return;
	write_program("b.dsp", header, "process = nosuchthing;\n");
	check(run_until_status(&h, 2, 4) > 0);		/* failed */
	check(h.out[0][BLOCK - 1] == 0.5f);
	/* one that goes 40 dB over full scale is muted before it is heard */
	write_program("b.dsp", header, "process = *(100), *(100);\n");
	check(run_until_status(&h, 0, 2) > 0);		/* it runs... */
	for (b = 0; b < 20; b++)
		host_run(&h);
	check_int(h.nonfinite, 0);
	check(h.out[0][BLOCK - 1] == 0.0f);		/* ...unheard */
	check_le(h.max_step, 0.5);			/* never above 0.5 */
	host_close(&h);
}

/* patch:Set messages on the notify port, property => string value */
static int
notified(struct host *h, const char *property, char *value, size_t cap)
{
	const LV2_Atom_Sequence *seq = (const LV2_Atom_Sequence *)h->notify;
	LV2_URID want = map_uri(NULL, property);

	if (seq->atom.type != map_uri(NULL, LV2_ATOM__Sequence))
		return 0;
	LV2_ATOM_SEQUENCE_FOREACH(seq, ev) {
		const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&ev->body;
		const LV2_Atom *p = NULL, *v = NULL;

		if (ev->body.type != map_uri(NULL, LV2_ATOM__Object) ||
		    obj->body.otype != map_uri(NULL, LV2_PATCH__Set))
			continue;
		lv2_atom_object_get(obj, map_uri(NULL, LV2_PATCH__property), &p,
				    map_uri(NULL, LV2_PATCH__value), &v, 0);
		if (p == NULL || v == NULL ||
		    ((const LV2_Atom_URID *)p)->body != want)
			continue;
		snprintf(value, cap, "%s", (const char *)LV2_ATOM_BODY_CONST(v));
		return 1;
	}
	return 0;
}

static void
test_live_lv2__knob_one_moves_the_first_visible_slider(void)
{
	static const char *prog =
		"g = hslider(\"gain\", 1, 0, 2, 0.01);\n"
		"h = nentry(\"x[hidden:1]\", 1, -1e9, 1e9, 0);\n"
		"process = *(g * h), *(g * h);\n";
	struct host h;
	char path[128], label[128] = "";
	int b, told = 0;

	write_program("k.dsp", header, prog);
	check_int(host_open(&h), 0);
	if (h.inst == NULL)
		return;
	program_path(path, sizeof path, "k.dsp");
	send_set(&h, NS "program", 1, path, 0);
	/* the program's own value until a knob is turned */
	for (b = 0; b < WAIT_BLOCKS && !told; b++) {
		host_run(&h);
		told = notified(&h, NS "knob1", label, sizeof label);
		usleep(2000);
	}
	check(told);
	check_str(label, "gain [0, 2]");
	check(run_until(&h, 1.0f) > 0);
	/* full turn: the top of the slider's range, 2 (ramped to it) */
	h.knob[0] = 1.0f;
	check(run_until(&h, 2.0f) > 0);
	/* a knob with no slider behind it changes nothing */
	h.knob[1] = 0.0f;
	for (b = 0; b < 20; b++)
		host_run(&h);
	check(h.out[0][BLOCK - 1] == 2.0f);
	host_close(&h);
}

static void
test_live_lv2__the_session_state_brings_the_program_back(void)
{
	struct host a, b;
	LilvState *st;

	if (start(&a, "s.dsp", header, "process = *(0.375), *(0.375);\n", 0.375f) != 0)
		return;
	st = lilv_state_new_from_instance(plugin, a.inst, &map, NULL, NULL,
					  NULL, NULL, NULL, NULL, 0, features);
	check(st != NULL);
	host_close(&a);
	if (st == NULL)
		return;
	/* a new instance, as when the session is opened again */
	check_int(host_open(&b), 0);
	if (b.inst != NULL) {
		lilv_state_restore(st, b.inst, NULL, NULL, 0, features);
		/* restore compiled it: the first block plays it, no fade */
		check_int(run_until(&b, 0.375f), 1);
		host_close(&b);
	}
	lilv_state_free(st);
}

int
main(void)
{
	char cmd[100];

	snprintf(dir, sizeof dir, "/tmp/adac-lv2-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	if (host_load_bundle() != 0) {
		printf("not ok 1 - the plugin's bundle loads\n");
		return 1;
	}
	RUN(test_live_lv2__the_output_follows_the_file_with_a_smooth_swap);
	RUN(test_live_lv2__a_value_only_change_does_not_compile);
	RUN(test_live_lv2__an_uncertified_program_is_refused_until_allowed);
	RUN(test_live_lv2__a_broken_program_leaves_the_running_one_playing);
	RUN(test_live_lv2__knob_one_moves_the_first_visible_slider);
	RUN(test_live_lv2__the_session_state_brings_the_program_back);
	host_unload();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return unit_done();
}
