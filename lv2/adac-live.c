/*
 * adac-live.lv2 - adac-live's engine inside an LV2 host (a DAW): it plays
 * the FAUST program at a path the user sets, and when the file changes
 * (a training step wrote it) swaps the new program in at a block
 * boundary with the engine's equal-power crossfade, or applies a
 * value-only change without compiling, exactly as adac-live does.
 *
 * Threads: the host's audio thread calls run(), which only moves atomics
 * and calls adac_live_process() (no lock, allocation or system call);
 * one control thread of the plugin's reads the file, checks the header's
 * certificate, compiles (in the engine's worker processes, bounded in
 * time and memory) and maps the 8 generic knobs onto the program's
 * visible sliders.  The host's state and instantiation threads talk to
 * the control thread through a mutex.
 *
 * Pushes (opt-in, adac:listenPort): the control thread runs live/'s HTTP
 * service, adac-live serve's, on 127.0.0.1:PORT, whose own job threads
 * compile what `adac-live push` sends through the same certificate gate
 * (admit()) and the same bounded workers as the file, and announces it
 * over DNS-SD.  Loopback only and no token: the port is a number in the
 * session's state, which is shared with the project, and a token kept
 * there would be no secret; serve too goes without a token only on
 * loopback, where its Host and Origin checks keep web pages out.
 */
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/core/lv2.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>

#include "emit_faust.h"
#include "faust_jit.h"
#include "file.h"
#include "live.h"
#include "live_mdns.h"
#include "live_serve.h"

#define PLUGIN_URI "https://adac.dev/plugins/live"
#define NS "https://adac.dev/ns#"
#define N_KNOBS 8
#define POLL_MS 10
#define LABEL_MAX 96

enum port {
	IN_L, IN_R, OUT_L, OUT_R, CONTROL, NOTIFY,
	KNOB0,			/* KNOB0 .. KNOB0 + 7 */
	PROGRAM = KNOB0 + N_KNOBS,	/* the running program's serial */
	VERDICT,		/* what its header states, see verdict_code() */
	RELOAD_STATUS,		/* the last reload, see enum reload */
	RELOAD_MS,		/* its write-to-audible time */
	LISTENING,		/* the port pushes go to; 0 off, -1 cannot bind */
	ANNOUNCED,		/* 1 over DNS-SD, 0 not (yet), -1 cannot be */
	N_PORTS
};

/* RELOAD_STATUS's values */
enum reload { NONE, SWAPPED, VALUES, UNCHANGED, FAILED, REFUSED, UNREADABLE };

struct uris {
	LV2_URID atom_Path, atom_String, atom_Bool, atom_Int, atom_URID,
		 atom_Object, atom_eventTransfer, patch_Set, patch_Get,
		 patch_property, patch_value, program, allow, listen,
		 knob[N_KNOBS];
};

/* a visible slider a knob moves */
struct knob {
	char address[256];
	double min, max;
};

struct self {
	struct adac_live *live;
	struct uris u;
	LV2_URID_Map *map;
	LV2_Atom_Forge forge;
	pthread_t thread;
	int thread_started;
	atomic_int stop;

	/* ports */
	const float *in[2];
	float *out[2];
	const LV2_Atom_Sequence *control;
	LV2_Atom_Sequence *notify;
	const float *knob_port[N_KNOBS];
	float *status[6];

	/* audio -> control: a patch:Set of the path, knob positions */
	char msg_path[PATH_MAX];
	/*
	 * Aligned copies of the atom ports' contents: a host may hand over
	 * a sequence that is not 8-byte aligned (jalv 1.6.6 does, which
	 * UBSan reports), so the plugin reads events out of the control port
	 * and writes the notify port only with memcpy.
	 */
	uint64_t event[(PATH_MAX + 512) / 8];
	uint64_t notify_buf[16384 / 8];
	atomic_int msg_pending;		/* 1 while msg_path is unread */
	atomic_int msg_allow;		/* -1, or a patch:Set of allowUncertified */
	atomic_int msg_listen;		/* -1, or a patch:Set of listenPort */
	atomic_int want_notify;		/* a patch:Get came */
	_Atomic float knob_value[N_KNOBS];

	/* control -> audio: status, and what to tell the host */
	atomic_uint_fast64_t program_id;
	atomic_int verdict, reload_status, listening, announced;
	_Atomic float reload_ms;
	atomic_int notify_pending;	/* 1 while shown_* are unsent */
	char shown_path[PATH_MAX];
	char shown_label[N_KNOBS][LABEL_MAX];

	/* the control side's own, under lock (state and instantiate too) */
	pthread_mutex_t lock;
	char path[PATH_MAX];
	int allow;			/* play programs without a certificate */
	int listen_port;		/* for pushes; 0: none */
	int path_changed;
	struct timespec mtime;
	off_t size;
	struct knob knobs[N_KNOBS];
	char knob_label[N_KNOBS][LABEL_MAX];	/* what publish() shows */
	int n_knobs;
	int publish_wanted;		/* news for the host, not sent yet */
	float knob_seen[N_KNOBS];

	/* the control thread's own: the push service while it listens */
	struct adac_live_http *http;
	struct adac_live_mdns *mdns;
	int http_port;			/* what it was asked to listen on */
};

static atomic_int instances;

/* Default of each knob port (its ttl): a knob moves its slider only once
 * it leaves the value it was last seen at, so a program keeps its own
 * initial values until the user turns a knob. */
static const float knob_default = 0.5f;

/* 2 certified-stable, 1 marginally-stable, 0 no adac-emit header,
 * -1 a header whose certificate is missing or failing */
static int
verdict_code(const char *source)
{
	char v[40];

	if (!adac_emit_header_verdict(source, v, sizeof v))
		return 0;
	if (strcmp(v, "certified-stable") == 0)
		return 2;
	if (strcmp(v, "marginally-stable") == 0)
		return 1;
	return -1;
}

/* The visible sliders of the running program, in order, onto the knobs. */
static void
map_knobs(struct self *s)
{
	char *text = adac_live_json_ui(s->live);
	json_t *root, *stack[64], *items, *it, *meta, *m;
	size_t idx[64], i;
	int depth = 0, k;

	s->n_knobs = 0;
	for (k = 0; k < N_KNOBS; k++)
		s->knob_label[k][0] = '\0';
	if (text == NULL)
		return;
	root = json_loads(text, 0, NULL);
	free(text);
	if (root == NULL)
		return;
	/* a depth-first walk of "ui": groups hold "items" */
	stack[0] = json_object_get(root, "ui");
	idx[0] = 0;
	while (depth >= 0 && s->n_knobs < N_KNOBS) {
		items = stack[depth];
		if (!json_is_array(items) || idx[depth] >= json_array_size(items)) {
			depth--;
			continue;
		}
		it = json_array_get(items, idx[depth]++);
		if (json_object_get(it, "items") != NULL) {
			if (depth + 1 < 64) {
				stack[++depth] = json_object_get(it, "items");
				idx[depth] = 0;
			}
			continue;
		}
		const char *type = json_string_value(json_object_get(it, "type"));
		const char *addr = json_string_value(json_object_get(it, "address"));
		const char *label = json_string_value(json_object_get(it, "label"));
		int hidden = 0;

		if (type == NULL || addr == NULL || label == NULL ||
		    (strcmp(type, "hslider") != 0 && strcmp(type, "vslider") != 0 &&
		     strcmp(type, "nentry") != 0))
			continue;
		meta = json_object_get(it, "meta");
		json_array_foreach(meta, i, m) {
			const char *h = json_string_value(json_object_get(m, "hidden"));

			if (h != NULL && strcmp(h, "1") == 0)
				hidden = 1;
		}
		if (hidden)
			continue;
		k = s->n_knobs++;
		snprintf(s->knobs[k].address, sizeof s->knobs[k].address, "%s", addr);
		s->knobs[k].min = json_number_value(json_object_get(it, "min"));
		s->knobs[k].max = json_number_value(json_object_get(it, "max"));
		snprintf(s->knob_label[k], LABEL_MAX, "%s [%g, %g]", label,
			 s->knobs[k].min, s->knobs[k].max);
	}
	json_decref(root);
}

/*
 * Tell the host the path and the knobs' meaning: copied for run() only
 * while it has nothing unsent (run() reads the shown_* copies until it
 * clears notify_pending), else on a later turn of the control thread.
 */
static void
publish(struct self *s)
{
	int k;

	if (!s->publish_wanted ||
	    atomic_load_explicit(&s->notify_pending, memory_order_acquire))
		return;
	snprintf(s->shown_path, sizeof s->shown_path, "%s", s->path);
	for (k = 0; k < N_KNOBS; k++)
		memcpy(s->shown_label[k], s->knob_label[k], LABEL_MAX);
	s->publish_wanted = 0;
	atomic_store_explicit(&s->notify_pending, 1, memory_order_release);
}

static void
set_status(struct self *s, int reload, double ms)
{
	atomic_store(&s->reload_status, reload);
	atomic_store(&s->reload_ms, (float)ms);
	atomic_store(&s->program_id, adac_live_running_id(s->live));
}

/*
 * Load the file at s->path if it changed since the last look (force:
 * whether or not), waiting up to wait_ms for the audio thread to take a
 * new program, so that its write-to-audible time can be reported.
 */
static void
reload(struct self *s, int force, int wait_ms)
{
	struct adac_live_report rep;
	struct adac_error err;
	struct stat st;
	char *source = NULL, name[64];
	const char *base, *dot;
	int code;

	if (s->path[0] == '\0')
		return;
	if (stat(s->path, &st) != 0) {
		if (force)
			set_status(s, UNREADABLE, -1);
		return;
	}
	if (!force && st.st_mtim.tv_sec == s->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == s->mtime.tv_nsec && st.st_size == s->size)
		return;
	s->mtime = st.st_mtim;
	s->size = st.st_size;
	if (adac_read_text(s->path, 64L << 20, &source, &err) != ADAC_OK) {
		set_status(s, UNREADABLE, -1);
		return;
	}
	code = verdict_code(source);
	atomic_store(&s->verdict, code);
	if (code <= 0 && !s->allow) {
		/* the running program plays on */
		set_status(s, REFUSED, -1);
		free(source);
		return;
	}
	base = strrchr(s->path, '/');
	base = base != NULL ? base + 1 : s->path;
	dot = strrchr(base, '.');
	snprintf(name, sizeof name, "%.*s",
		 (int)(dot != NULL && dot != base ? dot - base : (long)strlen(base)),
		 base);
	if (adac_live_load(s->live, name, source,
			   (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
			   wait_ms, 0, &rep) != ADAC_OK ||
	    rep.status == ADAC_LIVE_FAILED) {
		set_status(s, FAILED, -1);
		free(source);
		return;
	}
	free(source);
	set_status(s, rep.status == ADAC_LIVE_SWAPPED ? SWAPPED :
		      rep.status == ADAC_LIVE_VALUES ? VALUES : UNCHANGED,
		   rep.write_to_audible_ms);
	if (rep.status == ADAC_LIVE_SWAPPED) {
		map_knobs(s);
		s->publish_wanted = 1;
	}
}

/* Move the slider of each knob the user turned since it was last seen. */
static void
follow_knobs(struct self *s)
{
	int k;

	for (k = 0; k < N_KNOBS; k++) {
		float v = atomic_load(&s->knob_value[k]);

		if (v == s->knob_seen[k] || !isfinite(v))
			continue;
		s->knob_seen[k] = v;
		if (k < s->n_knobs) {
			const struct knob *kn = &s->knobs[k];
			double x = v < 0 ? 0 : v > 1 ? 1 : v;

			adac_live_param_set(s->live, kn->address,
					    kn->min + x * (kn->max - kn->min),
					    NULL, NULL);
		}
	}
}

/* ---- pushes: live/'s HTTP service, on the control thread ----------- */

/*
 * The certificate gate for a pushed program (the HTTP job thread asks it
 * before compiling): what reload() does for the file.
 */
static int
admit(const char *source, char *why, size_t cap, void *ctx)
{
	struct self *s = ctx;
	int code = verdict_code(source), allow;

	atomic_store(&s->verdict, code);
	pthread_mutex_lock(&s->lock);
	allow = s->allow;
	pthread_mutex_unlock(&s->lock);
	if (code > 0 || allow)
		return 0;
	set_status(s, REFUSED, -1);
	snprintf(why, cap, "the plugin plays only programs whose adac-emit "
		 "header states a certificate (%s); set adac:allowUncertified "
		 "to play it", code == 0 ? "this one has no header" :
		 "this one's is missing or failing");
	return 1;
}

/* a pushed program runs: status and knobs, as for the file */
static void
on_push(const struct adac_live_report *rep, void *ctx)
{
	struct self *s = ctx;

	pthread_mutex_lock(&s->lock);
	set_status(s, rep->status == ADAC_LIVE_SWAPPED ? SWAPPED :
		      rep->status == ADAC_LIVE_VALUES ? VALUES : UNCHANGED,
		   rep->write_to_audible_ms);
	if (rep->status == ADAC_LIVE_SWAPPED) {
		map_knobs(s);
		s->publish_wanted = 1;
	}
	pthread_mutex_unlock(&s->lock);
}

static void
on_push_failed(const char *why, void *ctx)
{
	(void)why;
	set_status(ctx, FAILED, -1);
}

static void
on_announced(void *ctx, const char *name)
{
	struct self *s = ctx;

	(void)name;
	atomic_store(&s->announced, 1);
}

static void
on_not_announced(void *ctx, const char *why)
{
	struct self *s = ctx;

	(void)why;
	atomic_store(&s->announced, -1);
}

static void
stop_listening(struct self *s)
{
	adac_live_mdns_stop(s->mdns);
	s->mdns = NULL;
	adac_live_http_stop(s->http);
	s->http = NULL;
	atomic_store(&s->listening, 0);
	atomic_store(&s->announced, 0);
}

/*
 * Listen on 127.0.0.1:port for pushes (0: stop) and announce it.  Called
 * without s->lock: stopping joins the service's job threads, which take
 * it.  A port that cannot be bound is reported (-1) and tried again only
 * when the port changes.
 */
static void
listen_on(struct self *s, int port, const char *program)
{
	struct adac_live_http_config hc;
	struct adac_live_mdns_service ms;
	struct adac_error err;
	/* the whole name: announce cuts it to 63 bytes at a character */
	char addr[32], host[64] = "", name[128];

	if (port == s->http_port)
		return;
	stop_listening(s);
	s->http_port = port;
	if (port == 0)
		return;
	memset(&hc, 0, sizeof hc);
	snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
	hc.listen = addr;
	hc.max_body = 1L << 20;		/* serve's default */
	hc.max_programs = 8;
	hc.max_connections = 32;	/* one user on one machine */
	hc.on_load = on_push;
	hc.admit = admit;
	hc.on_fail = on_push_failed;
	hc.ctx = s;
	if (adac_live_http_start(s->live, &hc, &s->http, &err) != ADAC_OK) {
		s->http = NULL;
		atomic_store(&s->listening, -1);
		return;
	}
	atomic_store(&s->listening, adac_live_http_port(s->http));
	memset(&ms, 0, sizeof ms);
	gethostname(host, sizeof host - 1);
	snprintf(name, sizeof name, "adac-live.lv2 %d on %s", port, host);
	ms.name = name;
	ms.listen_host = "127.0.0.1";
	ms.port = adac_live_http_port(s->http);
	ms.program = program[0] != '\0' ? program : NULL;
	ms.kind = "lv2";
	/* returns at once: the daemon is reached on Avahi's thread */
	if (adac_live_mdns_announce(&ms, on_announced, on_not_announced, s,
				    &s->mdns, &err) != ADAC_OK) {
		s->mdns = NULL;
		atomic_store(&s->announced, -1);
	}
}

static void *
control_thread(void *arg)
{
	struct self *s = arg;
	struct timespec nap = { 0, POLL_MS * 1000000L };
	char program[PATH_MAX];
	const char *slash;
	int allow, listen;

	while (!atomic_load(&s->stop)) {
		pthread_mutex_lock(&s->lock);
		if (atomic_load_explicit(&s->msg_pending, memory_order_acquire)) {
			if (strcmp(s->path, s->msg_path) != 0) {
				snprintf(s->path, sizeof s->path, "%s", s->msg_path);
				s->path_changed = 1;
			}
			atomic_store_explicit(&s->msg_pending, 0, memory_order_release);
		}
		allow = atomic_exchange(&s->msg_allow, -1);
		if (allow >= 0 && allow != s->allow) {
			s->allow = allow;
			s->path_changed = 1;	/* a refused program may pass now */
		}
		listen = atomic_exchange(&s->msg_listen, -1);
		if (listen >= 0)
			s->listen_port = listen;
		reload(s, s->path_changed, 1000);
		s->path_changed = 0;
		if (atomic_exchange(&s->want_notify, 0))
			s->publish_wanted = 1;
		publish(s);
		follow_knobs(s);
		listen = s->listen_port;
		slash = strrchr(s->path, '/');
		snprintf(program, sizeof program, "%s",
			 slash != NULL ? slash + 1 : s->path);
		pthread_mutex_unlock(&s->lock);
		listen_on(s, listen, program);
		adac_live_poll(s->live);
		nanosleep(&nap, NULL);
	}
	return NULL;
}

/* ---- LV2 ------------------------------------------------------------- */

/* the data of the host's feature uri, or NULL when it gave none */
static void *
feature(const LV2_Feature *const *features, const char *uri)
{
	int i;

	for (i = 0; features != NULL && features[i] != NULL; i++)
		if (strcmp(features[i]->URI, uri) == 0)
			return features[i]->data;
	return NULL;
}

static LV2_Handle
instantiate(const LV2_Descriptor *d, double rate, const char *bundle,
	    const LV2_Feature *const *features)
{
	struct adac_live_config cfg;
	struct adac_error err;
	struct self *s;
	char worker[PATH_MAX];
	int i;

	(void)d;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->map = feature(features, LV2_URID__map);
	if (s->map == NULL || rate < 1 || rate > 1e6 || rate != floor(rate)) {
		free(s);	/* urid:map is required (the ttl says so) */
		return NULL;
	}
#define MAP(field, uri) s->u.field = s->map->map(s->map->handle, uri)
	MAP(atom_Path, LV2_ATOM__Path);
	MAP(atom_String, LV2_ATOM__String);
	MAP(atom_Bool, LV2_ATOM__Bool);
	MAP(atom_Int, LV2_ATOM__Int);
	MAP(atom_URID, LV2_ATOM__URID);
	MAP(atom_Object, LV2_ATOM__Object);
	MAP(atom_eventTransfer, LV2_ATOM__eventTransfer);
	MAP(patch_Set, LV2_PATCH__Set);
	MAP(patch_Get, LV2_PATCH__Get);
	MAP(patch_property, LV2_PATCH__property);
	MAP(patch_value, LV2_PATCH__value);
	MAP(program, NS "program");
	MAP(allow, NS "allowUncertified");
	MAP(listen, NS "listenPort");
#undef MAP
	for (i = 0; i < N_KNOBS; i++) {
		char uri[64];

		snprintf(uri, sizeof uri, NS "knob%d", i + 1);
		s->u.knob[i] = s->map->map(s->map->handle, uri);
		s->knob_seen[i] = knob_default;
		atomic_store(&s->knob_value[i], knob_default);
	}
	lv2_atom_forge_init(&s->forge, s->map);
	atomic_store(&s->msg_allow, -1);
	atomic_store(&s->msg_listen, -1);
	pthread_mutex_init(&s->lock, NULL);

	/* the compile worker travels in the bundle */
	snprintf(worker, sizeof worker, "%sadac-faust-worker", bundle);
	adac_faust_set_worker_default(worker);
	adac_live_config_init(&cfg);
	cfg.fs_hz = (int)rate;
	cfg.inputs = 2;
	cfg.outputs = 2;
	if (adac_live_new(&cfg, &s->live, &err) != ADAC_OK)
		goto fail;
	atomic_fetch_add(&instances, 1);
	if (pthread_create(&s->thread, NULL, control_thread, s) != 0)
		goto fail;
	s->thread_started = 1;
	return s;
fail:
	if (s->live != NULL) {
		adac_live_free(s->live);
		atomic_fetch_sub(&instances, 1);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
	return NULL;
}

static void
connect_port(LV2_Handle h, uint32_t port, void *data)
{
	struct self *s = h;

	if (port == IN_L || port == IN_R)
		s->in[port - IN_L] = data;
	else if (port == OUT_L || port == OUT_R)
		s->out[port - OUT_L] = data;
	else if (port == CONTROL)
		s->control = data;
	else if (port == NOTIFY)
		s->notify = data;
	else if (port >= KNOB0 && port < KNOB0 + N_KNOBS)
		s->knob_port[port - KNOB0] = data;
	else if (port >= PROGRAM && port < N_PORTS)
		s->status[port - PROGRAM] = data;
}

/* One patch:Set or patch:Get from the host. */
static void
take_message(struct self *s, const LV2_Atom_Object *obj)
{
	const LV2_Atom *property = NULL, *value = NULL;

	if (obj->body.otype == s->u.patch_Get) {
		atomic_store(&s->want_notify, 1);
		return;
	}
	if (obj->body.otype != s->u.patch_Set)
		return;
	lv2_atom_object_get(obj, s->u.patch_property, &property,
			    s->u.patch_value, &value, 0);
	if (property == NULL || value == NULL || property->type != s->u.atom_URID)
		return;
	if (((const LV2_Atom_URID *)property)->body == s->u.program &&
	    (value->type == s->u.atom_Path || value->type == s->u.atom_String) &&
	    value->size > 0 && value->size < sizeof s->msg_path &&
	    !atomic_load_explicit(&s->msg_pending, memory_order_acquire)) {
		memcpy(s->msg_path, LV2_ATOM_BODY_CONST(value), value->size);
		s->msg_path[value->size - 1] = '\0';
		atomic_store_explicit(&s->msg_pending, 1, memory_order_release);
	} else if (((const LV2_Atom_URID *)property)->body == s->u.allow &&
		   (value->type == s->u.atom_Bool || value->type == s->u.atom_Int)) {
		atomic_store(&s->msg_allow, ((const LV2_Atom_Int *)value)->body != 0);
	} else if (((const LV2_Atom_URID *)property)->body == s->u.listen &&
		   value->type == s->u.atom_Int &&
		   ((const LV2_Atom_Int *)value)->body >= 0 &&
		   ((const LV2_Atom_Int *)value)->body <= 65535) {
		atomic_store(&s->msg_listen, ((const LV2_Atom_Int *)value)->body);
	}
}

static void
forge_set(struct self *s, LV2_URID property, LV2_URID type, const char *text)
{
	LV2_Atom_Forge_Frame frame;

	lv2_atom_forge_frame_time(&s->forge, 0);
	lv2_atom_forge_object(&s->forge, &frame, 0, s->u.patch_Set);
	lv2_atom_forge_key(&s->forge, s->u.patch_property);
	lv2_atom_forge_urid(&s->forge, property);
	lv2_atom_forge_key(&s->forge, s->u.patch_value);
	if (type == s->u.atom_Path)
		lv2_atom_forge_path(&s->forge, text, (uint32_t)strlen(text));
	else
		lv2_atom_forge_string(&s->forge, text, (uint32_t)strlen(text));
	lv2_atom_forge_pop(&s->forge, &frame);
}

/* Each object event of the control port, copied aligned, to take_message(). */
static void
read_control(struct self *s)
{
	const uint8_t *p = (const uint8_t *)s->control, *end;
	LV2_Atom_Event ev;
	LV2_Atom seq;

	memcpy(&seq, p, sizeof seq);
	end = p + sizeof seq + seq.size;
	for (p += sizeof(LV2_Atom_Sequence); p + sizeof ev <= end;
	     p += lv2_atom_pad_size(sizeof ev + ev.body.size)) {
		memcpy(&ev, p, sizeof ev);
		if (ev.body.size > (size_t)(end - p) - sizeof ev)
			break;		/* a truncated event: the rest is noise */
		if (ev.body.type != s->u.atom_Object ||
		    sizeof ev.body + ev.body.size > sizeof s->event)
			continue;
		memcpy(s->event, &ev.body, sizeof ev.body);
		memcpy((uint8_t *)s->event + sizeof ev.body, p + sizeof ev,
		       ev.body.size);
		take_message(s, (const LV2_Atom_Object *)s->event);
	}
}

/*
 * The notify port's sequence: the path and the knobs' meaning when there
 * is news, else empty.  Forged in an aligned buffer, then copied, up to
 * the capacity the host gave in the port's atom size.
 */
static void
write_notify(struct self *s)
{
	LV2_Atom_Forge_Frame seq;
	LV2_Atom out, *made = (LV2_Atom *)s->notify_buf;
	uint32_t cap;
	int k;

	memcpy(&out, s->notify, sizeof out);
	cap = out.size < sizeof s->notify_buf ? out.size : sizeof s->notify_buf;
	lv2_atom_forge_set_buffer(&s->forge, (uint8_t *)s->notify_buf, cap);
	lv2_atom_forge_sequence_head(&s->forge, &seq, 0);
	if (atomic_load_explicit(&s->notify_pending, memory_order_acquire)) {
		forge_set(s, s->u.program, s->u.atom_Path, s->shown_path);
		for (k = 0; k < N_KNOBS; k++)
			forge_set(s, s->u.knob[k], s->u.atom_String,
				  s->shown_label[k][0] != '\0' ?
				  s->shown_label[k] : "(unused)");
		atomic_store_explicit(&s->notify_pending, 0, memory_order_release);
	}
	lv2_atom_forge_pop(&s->forge, &seq);
	if (cap >= sizeof(LV2_Atom_Sequence))
		memcpy(s->notify, made, sizeof *made + made->size);
}

static void
run(LV2_Handle h, uint32_t frames)
{
	struct self *s = h;
	const float *in[2] = { s->in[0], s->in[1] };
	float *out[2] = { s->out[0], s->out[1] };
	int k;

	if (s->control != NULL)
		read_control(s);
	for (k = 0; k < N_KNOBS; k++)
		if (s->knob_port[k] != NULL)
			atomic_store(&s->knob_value[k], *s->knob_port[k]);
	adac_live_process(s->live, (int)frames, in, out);
	if (s->status[0] != NULL)
		*s->status[0] = (float)atomic_load(&s->program_id);
	if (s->status[1] != NULL)
		*s->status[1] = (float)atomic_load(&s->verdict);
	if (s->status[2] != NULL)
		*s->status[2] = (float)atomic_load(&s->reload_status);
	if (s->status[3] != NULL)
		*s->status[3] = atomic_load(&s->reload_ms);
	if (s->status[4] != NULL)
		*s->status[4] = (float)atomic_load(&s->listening);
	if (s->status[5] != NULL)
		*s->status[5] = (float)atomic_load(&s->announced);
	if (s->notify == NULL)
		return;
	write_notify(s);
}

static void
cleanup(LV2_Handle h)
{
	struct self *s = h;

	atomic_store(&s->stop, 1);
	adac_live_stop(s->live);
	if (s->thread_started)
		pthread_join(s->thread, NULL);
	/* withdrawn, and its job threads joined, before the engine goes */
	stop_listening(s);
	adac_live_free(s->live);
	/* the last instance in this host takes the idle workers along */
	if (atomic_fetch_sub(&instances, 1) == 1)
		adac_faust_keep_workers(0, ADAC_FAUST_LLVM);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* ---- state: the path, whether uncertified programs play, the port ---- */

static LV2_State_Status
save(LV2_Handle h, LV2_State_Store_Function store, LV2_State_Handle sh,
     uint32_t flags, const LV2_Feature *const *features)
{
	struct self *s = h;
	LV2_State_Map_Path *mp = feature(features, LV2_STATE__mapPath);
	char *path;
	int32_t allow, port;

	(void)flags;
	pthread_mutex_lock(&s->lock);
	allow = s->allow;
	port = s->listen_port;
	path = mp != NULL && s->path[0] != '\0'
	       ? mp->abstract_path(mp->handle, s->path) : strdup(s->path);
	pthread_mutex_unlock(&s->lock);
	if (path == NULL)
		return LV2_STATE_ERR_UNKNOWN;
	if (path[0] != '\0')
		store(sh, s->u.program, path, strlen(path) + 1, s->u.atom_Path,
		      LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
	free(path);
	store(sh, s->u.allow, &allow, sizeof allow, s->u.atom_Bool,
	      LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
	store(sh, s->u.listen, &port, sizeof port, s->u.atom_Int,
	      LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
	return LV2_STATE_SUCCESS;
}

static LV2_State_Status
restore(LV2_Handle h, LV2_State_Retrieve_Function retrieve,
	LV2_State_Handle sh, uint32_t flags, const LV2_Feature *const *features)
{
	struct self *s = h;
	LV2_State_Map_Path *mp = feature(features, LV2_STATE__mapPath);
	const void *v;
	size_t size;
	uint32_t type, vflags;
	char *abs = NULL;

	(void)flags;
	pthread_mutex_lock(&s->lock);
	v = retrieve(sh, s->u.allow, &size, &type, &vflags);
	if (v != NULL && size == sizeof(int32_t) &&
	    (type == s->u.atom_Bool || type == s->u.atom_Int))
		s->allow = *(const int32_t *)v != 0;
	/* the control thread opens the port: restore never waits on it */
	v = retrieve(sh, s->u.listen, &size, &type, &vflags);
	if (v != NULL && size == sizeof(int32_t) && type == s->u.atom_Int &&
	    *(const int32_t *)v >= 0 && *(const int32_t *)v <= 65535)
		s->listen_port = *(const int32_t *)v;
	v = retrieve(sh, s->u.program, &size, &type, &vflags);
	if (v != NULL && size > 0 && ((const char *)v)[size - 1] == '\0' &&
	    (type == s->u.atom_Path || type == s->u.atom_String)) {
		abs = mp != NULL ? mp->absolute_path(mp->handle, v) : NULL;
		snprintf(s->path, sizeof s->path, "%s",
			 abs != NULL ? abs : (const char *)v);
		free(abs);
		/*
		 * Compile now, not on the control thread's next look: the
		 * host may run the plugin right after (an offline render from
		 * its first sample, a session that starts playing), and the
		 * first program comes in without a fade.
		 */
		reload(s, 1, 0);
	}
	pthread_mutex_unlock(&s->lock);
	return LV2_STATE_SUCCESS;
}

static const void *
extension_data(const char *uri)
{
	static const LV2_State_Interface state = { save, restore };

	if (strcmp(uri, LV2_STATE__interface) == 0)
		return &state;
	return NULL;
}

static const LV2_Descriptor descriptor = {
	PLUGIN_URI, instantiate, connect_port, NULL, run, NULL, cleanup,
	extension_data
};

LV2_SYMBOL_EXPORT const LV2_Descriptor *
lv2_descriptor(uint32_t index)
{
	return index == 0 ? &descriptor : NULL;
}
