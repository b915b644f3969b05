/*
 * The LV2 host: a plugin loaded through liblilv and rendered as a source
 * of adac_diff_run().
 */
#include "plugin.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/core/lv2.h>
#include <lv2/urid/urid.h>

#include "response.h"

#define BLOCK 256
/* what an atom port's buffer holds: an empty sequence, or room for one */
#define ATOM_BYTES 8192

enum port_kind { PORT_CONTROL_IN, PORT_CONTROL_OUT, PORT_AUDIO_IN,
		 PORT_AUDIO_OUT, PORT_ATOM_IN, PORT_ATOM_OUT, PORT_OPTIONAL };

struct host {
	LilvWorld *world;
	const LilvPlugin *plugin;
	uint32_t n_ports;
	enum port_kind *kind;
	float *value;		/* control ports: the value to run at */
	int *audio;		/* audio ports: their input or output number */
	int inputs, outputs;
	/* urid:map, the one feature a FAUST plugin requires */
	char **uris;
	uint32_t n_uris;
	LV2_URID_Map map;
	LV2_Feature map_feature;
};

int
adac_plugin_is_bundle(const char *path)
{
	char manifest[PATH_MAX];
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return 0;
	if (snprintf(manifest, sizeof manifest, "%s/manifest.ttl", path) >=
	    (int)sizeof manifest)
		return 0;
	return stat(manifest, &st) == 0 && S_ISREG(st.st_mode);
}

static LV2_URID
map_uri(LV2_URID_Map_Handle handle, const char *uri)
{
	struct host *h = handle;
	char **grown;
	uint32_t i;

	for (i = 0; i < h->n_uris; i++)
		if (strcmp(h->uris[i], uri) == 0)
			return i + 1;
	grown = realloc(h->uris, (h->n_uris + 1) * sizeof *grown);
	if (grown == NULL)
		return 0;
	h->uris = grown;
	if ((h->uris[h->n_uris] = strdup(uri)) == NULL)
		return 0;
	return ++h->n_uris;
}

static void
host_free(void *ctx)
{
	struct host *h = ctx;
	uint32_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n_uris; i++)
		free(h->uris[i]);
	free(h->uris);
	free(h->kind);
	free(h->value);
	free(h->audio);
	if (h->world != NULL)
		lilv_world_free(h->world);
	free(h);
}

static int
is_a(struct host *h, const LilvPort *port, const char *class_uri)
{
	LilvNode *n = lilv_new_uri(h->world, class_uri);
	int yes = lilv_port_is_a(h->plugin, port, n);

	lilv_node_free(n);
	return yes;
}

/* Sort the ports into what the host feeds them. */
static int
scan_ports(struct host *h, struct adac_error *err)
{
	LilvNode *optional = lilv_new_uri(h->world, LV2_CORE__connectionOptional);
	const LilvPort *port;
	float *def;
	uint32_t p;
	int in, out, rc = ADAC_OK;

	h->n_ports = lilv_plugin_get_num_ports(h->plugin);
	h->kind = calloc(h->n_ports + 1, sizeof *h->kind);
	h->value = calloc(h->n_ports + 1, sizeof *h->value);
	h->audio = calloc(h->n_ports + 1, sizeof *h->audio);
	def = calloc(h->n_ports + 1, sizeof *def);
	if (h->kind == NULL || h->value == NULL || h->audio == NULL ||
	    def == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	lilv_plugin_get_port_ranges_float(h->plugin, NULL, NULL, def);
	for (p = 0; p < h->n_ports; p++) {
		port = lilv_plugin_get_port_by_index(h->plugin, p);
		in = is_a(h, port, LV2_CORE__InputPort);
		out = is_a(h, port, LV2_CORE__OutputPort);
		if (is_a(h, port, LV2_CORE__ControlPort)) {
			h->kind[p] = in ? PORT_CONTROL_IN : PORT_CONTROL_OUT;
			h->value[p] = isnan(def[p]) ? 0 : def[p];
		} else if (is_a(h, port, LV2_CORE__AudioPort) && (in || out)) {
			h->kind[p] = in ? PORT_AUDIO_IN : PORT_AUDIO_OUT;
			h->audio[p] = in ? h->inputs++ : h->outputs++;
		} else if (is_a(h, port, LV2_ATOM__AtomPort) && (in || out)) {
			h->kind[p] = in ? PORT_ATOM_IN : PORT_ATOM_OUT;
		} else if (lilv_port_has_property(h->plugin, port, optional)) {
			h->kind[p] = PORT_OPTIONAL;
		} else {
			rc = adac_error_set(err, ADAC_E_INPUT, "",
					    "port '%s' is of a kind this host cannot feed (neither control, audio nor atom)",
					    lilv_node_as_string(lilv_port_get_symbol(h->plugin, port)));
			goto out;
		}
	}
	if (h->inputs == 0 || h->outputs == 0)
		rc = adac_error_set(err, ADAC_E_INPUT, "",
				    "plugin has %d audio inputs and %d outputs: an impulse response needs both",
				    h->inputs, h->outputs);
out:
	free(def);
	lilv_node_free(optional);
	return rc;
}

/* Set the control port that setting st names (its symbol or name). */
static int
apply_setting(struct host *h, const struct adac_setting *st,
	      struct adac_error *err)
{
	const LilvPort *port;
	LilvNode *name, *min, *max, *def;
	const char *sym;
	uint32_t p;
	float lo, hi;
	int found = -1;

	for (p = 0; p < h->n_ports && found < 0; p++) {
		if (h->kind[p] != PORT_CONTROL_IN)
			continue;
		port = lilv_plugin_get_port_by_index(h->plugin, p);
		sym = lilv_node_as_string(lilv_port_get_symbol(h->plugin, port));
		name = lilv_port_get_name(h->plugin, port);
		if (strcmp(sym, st->name) == 0 ||
		    (name != NULL && strcmp(lilv_node_as_string(name), st->name) == 0))
			found = (int)p;
		lilv_node_free(name);
	}
	if (found < 0)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "no control port '%s' (neither its lv2:symbol nor its lv2:name)",
				      st->name);
	port = lilv_plugin_get_port_by_index(h->plugin, (uint32_t)found);
	lilv_port_get_range(h->plugin, port, &def, &min, &max);
	lo = min != NULL ? lilv_node_as_float(min) : -INFINITY;
	hi = max != NULL ? lilv_node_as_float(max) : INFINITY;
	lilv_node_free(def);
	lilv_node_free(min);
	lilv_node_free(max);
	/* the port holds a float: compare in float */
	if ((float)st->value < lo || (float)st->value > hi)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "%s = %.17g is outside [%.9g, %.9g]",
				      st->name, st->value, lo, hi);
	h->value[found] = (float)st->value;
	return ADAC_OK;
}

static int
render(void *ctx, long length, double fs_hz,
       void (*progress)(void *pctx, double done), void *pctx,
       struct adac_response **out, struct adac_error *err)
{
	struct host *h = ctx;
	struct adac_response *r = NULL;
	LilvInstance *inst = NULL;
	float *audio = NULL, *ctl = NULL;
	LV2_Atom_Sequence *atom = NULL;
	const LV2_Feature *features[] = { &h->map_feature, NULL };
	uint32_t p, n;
	long t;
	int i, o, rc = ADAC_OK;
	size_t per = (size_t)(h->inputs + h->outputs);

	r = adac_response_new(h->inputs, h->outputs, length, fs_hz);
	audio = calloc(per * BLOCK, sizeof *audio);
	ctl = calloc(h->n_ports + 1, sizeof *ctl);
	atom = calloc(h->n_ports + 1, ATOM_BYTES);
	if (r == NULL || audio == NULL || ctl == NULL || atom == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	for (i = 0; i < h->inputs; i++) {
		/* a fresh instance: the state of the last input is gone */
		inst = lilv_plugin_instantiate(h->plugin, fs_hz, features);
		if (inst == NULL) {
			rc = adac_error_set(err, ADAC_E_DEPENDENCY, "",
					    "the plugin does not instantiate at %.17g Hz",
					    fs_hz);
			goto out;
		}
		for (p = 0; p < h->n_ports; p++) {
			void *buf = NULL;
			LV2_Atom_Sequence *seq = (LV2_Atom_Sequence *)
				((char *)atom + (size_t)p * ATOM_BYTES);

			switch (h->kind[p]) {
			case PORT_CONTROL_IN:
			case PORT_CONTROL_OUT:
				ctl[p] = h->value[p];
				buf = &ctl[p];
				break;
			case PORT_AUDIO_IN:
				buf = audio + (size_t)h->audio[p] * BLOCK;
				break;
			case PORT_AUDIO_OUT:
				buf = audio + (size_t)(h->inputs + h->audio[p]) * BLOCK;
				break;
			case PORT_ATOM_IN:
			case PORT_ATOM_OUT:
				buf = seq;
				break;
			case PORT_OPTIONAL:
				break;
			}
			lilv_instance_connect_port(inst, p, buf);
		}
		lilv_instance_activate(inst);
		for (t = 0; t < length; t += n) {
			n = length - t < BLOCK ? (uint32_t)(length - t) : BLOCK;
			memset(audio, 0, h->inputs * BLOCK * sizeof *audio);
			if (t == 0)
				audio[(size_t)i * BLOCK] = 1.0f;
			for (p = 0; p < h->n_ports; p++) {
				LV2_Atom_Sequence *seq = (LV2_Atom_Sequence *)
					((char *)atom + (size_t)p * ATOM_BYTES);

				/* an empty sequence in, room for one out */
				if (h->kind[p] == PORT_ATOM_IN) {
					seq->atom.size = sizeof seq->body;
					seq->atom.type = 0;
				} else if (h->kind[p] == PORT_ATOM_OUT) {
					seq->atom.size = ATOM_BYTES - sizeof seq->atom;
					seq->atom.type = 0;
				}
			}
			lilv_instance_run(inst, n);
			for (o = 0; o < h->outputs; o++) {
				double *y = adac_response_path(r, i, o) + t;
				const float *x = audio + (size_t)(h->inputs + o) * BLOCK;
				uint32_t k;

				for (k = 0; k < n; k++)
					y[k] = x[k];
			}
			if (progress != NULL && (t / BLOCK) % 1024 == 0)
				progress(pctx, ((double)i * length + t) /
					       ((double)h->inputs * length));
		}
		lilv_instance_deactivate(inst);
		lilv_instance_free(inst);
		inst = NULL;
	}
	if (progress != NULL)
		progress(pctx, 1.0);
	*out = r;
	r = NULL;
out:
	if (inst != NULL)
		lilv_instance_free(inst);
	adac_response_free(r);
	free(audio);
	free(ctl);
	free(atom);
	return rc;
}

/* The features the plugin requires that this host does not give. */
static int
check_features(struct host *h, struct adac_error *err)
{
	LilvNodes *req = lilv_plugin_get_required_features(h->plugin);
	int rc = ADAC_OK;

	LILV_FOREACH (nodes, it, req) {
		const char *f = lilv_node_as_uri(lilv_nodes_get(req, it));

		if (strcmp(f, LV2_URID__map) != 0 && rc == ADAC_OK)
			rc = adac_error_set(err, ADAC_E_INPUT, "",
					    "the plugin requires the feature <%s>, which this host does not have",
					    f);
	}
	lilv_nodes_free(req);
	return rc;
}

int
adac_plugin_source_open(const char *dir, const char *uri,
			const struct adac_setting *set, int n_set,
			struct adac_source **out, struct adac_error *err)
{
	struct adac_source_host sh = {0};
	struct host *h;
	const LilvPlugins *all;
	LilvNode *bundle = NULL, *want = NULL;
	char abs[PATH_MAX], path[PATH_MAX + 2];
	int k, rc = ADAC_OK;

	if ((h = calloc(1, sizeof *h)) == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	h->map.handle = h;
	h->map.map = map_uri;
	h->map_feature.URI = LV2_URID__map;
	h->map_feature.data = &h->map;
	if (realpath(dir, abs) == NULL) {
		rc = adac_error_set(err, ADAC_E_IO, "", "cannot open: %s",
				    strerror(errno));
		goto out;
	}
	/* lilv wants a bundle's URI to end in a slash */
	snprintf(path, sizeof path, "%s/", abs);
	if ((h->world = lilv_world_new()) == NULL ||
	    (bundle = lilv_new_file_uri(h->world, NULL, path)) == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	/* this bundle alone: the plugins installed on the machine play no part */
	lilv_world_load_bundle(h->world, bundle);
	all = lilv_world_get_all_plugins(h->world);
	if (uri != NULL) {
		want = lilv_new_uri(h->world, uri);
		h->plugin = lilv_plugins_get_by_uri(all, want);
		if (h->plugin == NULL) {
			rc = adac_error_set(err, ADAC_E_INPUT, "",
					    "no plugin <%s> in the bundle", uri);
			goto out;
		}
	} else if (lilv_plugins_size(all) != 1) {
		rc = adac_error_set(err, ADAC_E_INPUT, "",
				    "the bundle describes %u plugins, not one",
				    lilv_plugins_size(all));
		goto out;
	} else {
		h->plugin = lilv_plugins_get(all, lilv_plugins_begin(all));
	}
	if (!lilv_plugin_verify(h->plugin)) {
		rc = adac_error_set(err, ADAC_E_INPUT, "",
				    "plugin <%s> is not described completely (lilv_plugin_verify)",
				    lilv_node_as_uri(lilv_plugin_get_uri(h->plugin)));
		goto out;
	}
	if ((rc = check_features(h, err)) != ADAC_OK ||
	    (rc = scan_ports(h, err)) != ADAC_OK)
		goto out;
	for (k = 0; k < n_set && rc == ADAC_OK; k++)
		rc = apply_setting(h, &set[k], err);
out:
	lilv_node_free(bundle);
	lilv_node_free(want);
	if (rc != ADAC_OK) {
		host_free(h);
		return rc;
	}
	sh.ctx = h;
	sh.inputs = h->inputs;
	sh.outputs = h->outputs;
	sh.is_double = 0;	/* LV2 audio ports are float */
	sh.fs_hz = 0;		/* instantiated at any rate */
	sh.render = render;
	sh.free = host_free;
	return adac_source_new_host(&sh, out, err);
}
