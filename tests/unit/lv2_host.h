/*
 * lv2_host.h - the smallest LV2 host that runs adac-live.lv2 the way a
 * DAW does, on liblilv: a URID map, one instance with its buffers
 * (stereo in and out, the control and notify atom ports, the knobs and
 * the status ports), blocks of BLOCK frames of DC 1 in, and patch:Set
 * messages on the control port.  Shared by tests/unit/test_live_lv2.c
 * and bench/live_lv2.c; static functions, one copy per program.
 */
#ifndef ADAC_LV2_HOST_H
#define ADAC_LV2_HOST_H

#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/patch/patch.h>
#include <lv2/urid/urid.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define URI "https://adac.dev/plugins/live"
#define NS "https://adac.dev/ns#"
#define FS 48000
#define BLOCK 256
#define N_KNOBS 8

/* the bundle make built, loaded in world; NULL when it is not there */
static LilvWorld *world;
static const LilvPlugin *plugin;

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
	float in[2][BLOCK], out[2][BLOCK], knob[N_KNOBS], status[6];
	uint64_t control[1024], notify[4096];	/* 8-byte aligned atoms */
	LV2_Atom_Forge forge;
	float last;			/* the last output sample, left */
	double max_step;		/* largest |x[n] - x[n-1]|, left */
	int nonfinite;
};


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
	for (i = 0; i < 6; i++)
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

/*
 * Load the bundle of the build tree (ADAC_TEST_BUILD or ADAC_BENCH_BUILD,
 * else ./build): 0, or -1 with plugin NULL.
 */
static int
host_load_bundle(void)
{
	const char *build = getenv("ADAC_TEST_BUILD");
	char bundle[4200];
	LilvNode *uri, *bundle_uri;

	if (build == NULL)
		build = getenv("ADAC_BENCH_BUILD");
	snprintf(bundle, sizeof bundle, "file://%s/lv2/adac-live.lv2/",
		 build != NULL ? build : "build");
	if (build == NULL || build[0] != '/') {
		char cwd[4096];

		if (getcwd(cwd, sizeof cwd) == NULL)
			return -1;
		snprintf(bundle, sizeof bundle, "file://%s/%s/lv2/adac-live.lv2/",
			 cwd, build != NULL ? build : "build");
	}
	world = lilv_world_new();
	bundle_uri = lilv_new_uri(world, bundle);
	lilv_world_load_bundle(world, bundle_uri);
	uri = lilv_new_uri(world, URI);
	plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world), uri);
	lilv_node_free(uri);
	lilv_node_free(bundle_uri);
	if (plugin == NULL)
		fprintf(stderr, "no %s in %s\n", URI, bundle);
	return plugin != NULL ? 0 : -1;
}

static void
host_unload(void)
{
	int i;

	lilv_world_free(world);
	for (i = 0; i < n_uris; i++)
		free(uris[i]);
	n_uris = 0;
}

#endif
