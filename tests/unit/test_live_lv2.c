/*
 * The adac-live LV2 plugin in a real LV2 host library (liblilv), as a DAW
 * runs it: the bundle make built is loaded, instantiated with urid:map,
 * told a program's path through its control port (a patch:Set), run in
 * blocks; the program file is rewritten and the output must switch to the
 * new program within a bounded number of blocks, with no NaN and no
 * step larger than the crossfade allows.  Waiting for a compile is
 * bounded (a failure, not a timing claim): 60 s of blocks.
 */
#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

#define URI "https://adac.dev/plugins/live"
#define NS "https://adac.dev/ns#"
#define FS 48000
#define BLOCK 256
#define N_KNOBS 8
#define WAIT_BLOCKS (60 * FS / BLOCK)

/* ---- a host's URID map ------------------------------------------------ */

static char *uris[256];
static int n_uris;

static LV2_URID
map_uri(LV2_URID_Map_Handle h, const char *uri)
{
	int i;

	(void)h;
	for (i = 0; i < n_uris; i++)
		if (strcmp(uris[i], uri) == 0)
			return (LV2_URID)i + 1;
	if (n_uris == 256)
		return 0;
	uris[n_uris] = strdup(uri);
	return (LV2_URID)++n_uris;
}

static const char *
unmap_uri(LV2_URID_Unmap_Handle h, LV2_URID u)
{
	(void)h;
	return u >= 1 && (int)u <= n_uris ? uris[u - 1] : NULL;
}

static LV2_URID_Map map = { NULL, map_uri };
static LV2_URID_Unmap unmap = { NULL, unmap_uri };
static const LV2_Feature map_feature = { LV2_URID__map, &map };
static const LV2_Feature unmap_feature = { LV2_URID__unmap, &unmap };
static const LV2_Feature *features[] = { &map_feature, &unmap_feature, NULL };

/* ---- one plugin instance and its buffers ------------------------------ */

struct host {
	LilvInstance *inst;
	float in[2][BLOCK], out[2][BLOCK], knob[N_KNOBS], status[4];
	uint64_t control[1024], notify[4096];	/* 8-byte aligned atoms */
	LV2_Atom_Forge forge;
	float last;			/* the last output sample, left */
	double max_step;		/* largest |x[n] - x[n-1]|, left */
	int nonfinite;
};

static LilvWorld *world;
static const LilvPlugin *plugin;
static char dir[64];

static int
host_open(struct host *h)
{
	int i;

	memset(h, 0, sizeof *h);
	h->inst = lilv_plugin_instantiate(plugin, FS, features);
	if (h->inst == NULL)
		return -1;
	lv2_atom_forge_init(&h->forge, &map);
	lilv_instance_connect_port(h->inst, 0, h->in[0]);
	lilv_instance_connect_port(h->inst, 1, h->in[1]);
	lilv_instance_connect_port(h->inst, 2, h->out[0]);
	lilv_instance_connect_port(h->inst, 3, h->out[1]);
	lilv_instance_connect_port(h->inst, 4, h->control);
	lilv_instance_connect_port(h->inst, 5, h->notify);
	for (i = 0; i < N_KNOBS; i++) {
		h->knob[i] = 0.5f;	/* the ports' default (adac-live.ttl) */
		lilv_instance_connect_port(h->inst, 6 + i, &h->knob[i]);
	}
	for (i = 0; i < 4; i++)
		lilv_instance_connect_port(h->inst, 14 + i, &h->status[i]);
	for (i = 0; i < BLOCK; i++)
		h->in[0][i] = h->in[1][i] = 1;	/* DC: the output is the gain */
	lilv_instance_activate(h->inst);
	return 0;
}

static void
host_close(struct host *h)
{
	if (h->inst == NULL)
		return;
	lilv_instance_deactivate(h->inst);
	lilv_instance_free(h->inst);
	h->inst = NULL;
}

/* the control port's sequence: empty, or one patch:Set */
static void
control_begin(struct host *h, LV2_Atom_Forge_Frame *seq)
{
	lv2_atom_forge_set_buffer(&h->forge, (uint8_t *)h->control,
				  sizeof h->control);
	lv2_atom_forge_sequence_head(&h->forge, seq, 0);
}

static void
send_set(struct host *h, const char *property, int is_path,
	 const char *path, int value)
{
	LV2_Atom_Forge_Frame seq, obj;

	control_begin(h, &seq);
	lv2_atom_forge_frame_time(&h->forge, 0);
	lv2_atom_forge_object(&h->forge, &obj, 0,
			      map_uri(NULL, LV2_PATCH__Set));
	lv2_atom_forge_key(&h->forge, map_uri(NULL, LV2_PATCH__property));
	lv2_atom_forge_urid(&h->forge, map_uri(NULL, property));
	lv2_atom_forge_key(&h->forge, map_uri(NULL, LV2_PATCH__value));
	if (is_path)
		lv2_atom_forge_path(&h->forge, path, (uint32_t)strlen(path));
	else
		lv2_atom_forge_bool(&h->forge, value);
	lv2_atom_forge_pop(&h->forge, &obj);
	lv2_atom_forge_pop(&h->forge, &seq);
}

/* One block: the host clears the control port after it, as hosts do. */
static void
host_run(struct host *h)
{
	LV2_Atom_Forge_Frame seq;
	LV2_Atom *n = (LV2_Atom *)h->notify;
	int i;

	n->type = 0;
	n->size = sizeof h->notify - sizeof *n;
	lilv_instance_run(h->inst, BLOCK);
	for (i = 0; i < BLOCK; i++) {
		float x = h->out[0][i];

		if (!isfinite(x) || !isfinite(h->out[1][i]))
			h->nonfinite++;
		else if (fabs(x - h->last) > h->max_step)
			h->max_step = fabs(x - h->last);
		h->last = x;
	}
	control_begin(h, &seq);
	lv2_atom_forge_pop(&h->forge, &seq);
}

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

/* ---- the tests --------------------------------------------------------- */

static void
test_live_lv2__the_output_follows_the_file_with_a_smooth_swap(void)
{
	struct host h;
	char path[128];
	int b;

	write_program("a.dsp", header, "process = *(0.5), *(0.5);\n");
	check_int(host_open(&h), 0);
	if (h.inst == NULL)
		return;
	program_path(path, sizeof path, "a.dsp");
	send_set(&h, NS "program", 1, path, 0);
	b = run_until(&h, 0.5f);
	check(b > 0);
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
	char path[128];
	float id;

	write_program("v.dsp", header, a);
	check_int(host_open(&h), 0);
	if (h.inst == NULL)
		return;
	program_path(path, sizeof path, "v.dsp");
	send_set(&h, NS "program", 1, path, 0);
	check(run_until(&h, 0.5f) > 0);
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
	char path[128];

	write_program("c.dsp", header, "process = *(0.5), *(0.5);\n");
	check_int(host_open(&h), 0);
	if (h.inst == NULL)
		return;
	program_path(path, sizeof path, "c.dsp");
	send_set(&h, NS "program", 1, path, 0);
	check(run_until(&h, 0.5f) > 0);
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
	char path[128];
	int b;

	write_program("b.dsp", header, "process = *(0.5), *(0.5);\n");
	check_int(host_open(&h), 0);
	if (h.inst == NULL)
		return;
	program_path(path, sizeof path, "b.dsp");
	send_set(&h, NS "program", 1, path, 0);
	check(run_until(&h, 0.5f) > 0);
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
	char path[128];
	LilvState *st;

	write_program("s.dsp", header, "process = *(0.375), *(0.375);\n");
	check_int(host_open(&a), 0);
	if (a.inst == NULL)
		return;
	program_path(path, sizeof path, "s.dsp");
	send_set(&a, NS "program", 1, path, 0);
	check(run_until(&a, 0.375f) > 0);
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
	const char *build = getenv("ADAC_TEST_BUILD");
	char bundle[4200], cwd[4096];
	LilvNode *uri, *bundle_uri;
	const LilvPlugins *plugins;

	snprintf(dir, sizeof dir, "/tmp/adac-lv2-XXXXXX");
	if (mkdtemp(dir) == NULL || getcwd(cwd, sizeof cwd) == NULL)
		return 1;
	if (build != NULL)
		snprintf(bundle, sizeof bundle, "file://%s/lv2/adac-live.lv2/",
			 build);
	else
		snprintf(bundle, sizeof bundle, "file://%s/build/lv2/adac-live.lv2/",
			 cwd);
	world = lilv_world_new();
	bundle_uri = lilv_new_uri(world, bundle);
	lilv_world_load_bundle(world, bundle_uri);
	plugins = lilv_world_get_all_plugins(world);
	uri = lilv_new_uri(world, URI);
	plugin = lilv_plugins_get_by_uri(plugins, uri);
	if (plugin == NULL) {
		printf("not ok 1 - the plugin is in %s\n", bundle);
		return 1;
	}
	RUN(test_live_lv2__the_output_follows_the_file_with_a_smooth_swap);
	RUN(test_live_lv2__a_value_only_change_does_not_compile);
	RUN(test_live_lv2__an_uncertified_program_is_refused_until_allowed);
	RUN(test_live_lv2__a_broken_program_leaves_the_running_one_playing);
	RUN(test_live_lv2__knob_one_moves_the_first_visible_slider);
	RUN(test_live_lv2__the_session_state_brings_the_program_back);
	lilv_node_free(uri);
	lilv_node_free(bundle_uri);
	lilv_world_free(world);
	for (int i = 0; i < n_uris; i++)
		free(uris[i]);
	{
		char cmd[100];

		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return unit_done();
}
