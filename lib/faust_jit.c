#include "faust_jit.h"

#include <ctype.h>
#include <dlfcn.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "faust_c.h"
#include "faust_values.h"
#include "file.h"
#include "faust_worker.h"
#include "utf8.h"

#define MAX_GROUP_DEPTH 64
#define MAX_SOURCE_BYTES (64L << 20)

struct param {
	char *address;
	char *label;
	const char *kind;
	void *zone;		/* float * or double *, as the program was built */
	double init, min, max, step;
	int init_from_text;	/* init read from the source, not libfaust */
};

struct adac_faust {
	enum adac_faust_backend backend;
	int dbl;
	int fs_hz;
	void *factory;		/* llvm_dsp_factory or interpreter_dsp_factory */
	void *dsp;		/* llvm_dsp or interpreter_dsp */
	int n_in, n_out;
	double compile_ms, compile_cpu_ms;
	size_t memory_bytes;
	struct param *params;
	int n_params, cap_params;
	char *json_ui;
};

/*
 * libfaust's factory cache and LLVM's global state are not thread-safe:
 * every factory creation and deletion goes through this lock.
 */
static pthread_mutex_t factory_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t mt_once = PTHREAD_ONCE_INIT;

/*
 * libfaust and the LLVM it pulls in take about 0.1 s to load, which every
 * run of adac-ir or adac-diff would pay even when it compiles nothing.
 * So the library is opened on first use and called through this table.
 */
#define LIBFAUST_FUNCTIONS(X) \
	X(instanceClearCInterpreterDSPInstance) \
	X(instanceClearCDSPInstance) \
	X(initCInterpreterDSPInstance) \
	X(initCDSPInstance) \
	X(startMTDSPFactories) \
	X(metadataCInterpreterDSPInstance) \
	X(metadataCDSPInstance) \
	X(instanceResetUserInterfaceCInterpreterDSPInstance) \
	X(instanceResetUserInterfaceCDSPInstance) \
	X(instanceConstantsCInterpreterDSPInstance) \
	X(instanceConstantsCDSPInstance) \
	X(getNumOutputsCInterpreterDSPInstance) \
	X(getNumOutputsCDSPInstance) \
	X(getNumInputsCInterpreterDSPInstance) \
	X(getNumInputsCDSPInstance) \
	X(getCLibFaustVersion) \
	X(deleteCInterpreterDSPInstance) \
	X(deleteCInterpreterDSPFactory) \
	X(deleteCDSPInstance) \
	X(deleteCDSPFactory) \
	X(createCInterpreterDSPInstance) \
	X(createCInterpreterDSPFactoryFromString) \
	X(createCDSPInstance) \
	X(createCDSPFactoryFromString) \
	X(computeCInterpreterDSPInstance) \
	X(computeCDSPInstance) \
	X(buildUserInterfaceCInterpreterDSPInstance) \
	X(buildUserInterfaceCDSPInstance) \
	X(writeCDSPFactoryToMachine) \
	X(writeCInterpreterDSPFactoryToBitcode) \
	X(readCInterpreterDSPFactoryFromBitcode) \
	X(getCDSPFactoryLibraryList) \
	X(getCInterpreterDSPFactoryLibraryList) \
	X(freeCMemory)

static struct {
#define X(f) __typeof__(&f) f;
	LIBFAUST_FUNCTIONS(X)
#undef X
	/*
	 * llvm-dsp-c.h declares (machine_code, error_msg, target), but
	 * libfaust 2.54.9 takes (machine_code, target, error_msg): called as
	 * declared it writes its message into the target string and crashes
	 * (measured).  Called through a type of our own.
	 */
	llvm_dsp_factory *(*readCDSPFactoryFromMachine)(const char *code,
							const char *target,
							char *error_msg);
} lf;
static char lf_error[256];	/* why libfaust could not be loaded, or "" */

static void
start_mt(void)
{
	void *h = dlopen("libfaust.so.2", RTLD_NOW | RTLD_LOCAL);
	void *sym;

	if (h == NULL) {
		snprintf(lf_error, sizeof lf_error, "cannot load libfaust: %s",
			 dlerror());
		return;
	}
#define X(f) \
	if ((sym = dlsym(h, #f)) == NULL) { \
		snprintf(lf_error, sizeof lf_error, \
			 "libfaust has no %s: %s", #f, dlerror()); \
		return; \
	} \
	memcpy(&lf.f, &sym, sizeof sym);
	LIBFAUST_FUNCTIONS(X)
	X(readCDSPFactoryFromMachine)
#undef X
	lf.startMTDSPFactories();
}

void
adac_faust_options_init(struct adac_faust_options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->backend = ADAC_FAUST_LLVM;
	opt->opt_level = -1;
	opt->limits.cpu_s = ADAC_FAUST_CPU_S;
	opt->limits.wall_s = ADAC_FAUST_WALL_S;
	opt->limits.mem_mb = ADAC_FAUST_MEM_MB;
	opt->limits.stack_mb = ADAC_FAUST_STACK_MB;
}

const char *
adac_faust_version(void)
{
	pthread_once(&mt_once, start_mt);
	return lf_error[0] == '\0' ? lf.getCLibFaustVersion() : "unknown";
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * The compiler's message on one line, without the program name it starts
 * with: "x : 3 : ERROR : undefined symbol : foo\n" becomes
 * "line 3: undefined symbol : foo".
 */
static void
compiler_message(char *dst, size_t cap, const char *name, const char *msg)
{
	char *buf, *p, *q;
	size_t n, len;
	char *end;
	long line;

	n = strlen(msg);
	buf = malloc(2 * n + 1);
	if (buf == NULL) {
		snprintf(dst, cap, "compilation failed");
		return;
	}
	/* join lines with "; " and squeeze the whitespace around them */
	for (p = (char *)msg, q = buf; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r') {
			while (q > buf && isspace((unsigned char)q[-1]))
				q--;
			while (p[1] == '\n' || p[1] == '\r' || p[1] == ' ')
				p++;
			if (q > buf && p[1] != '\0') {
				*q++ = ';';
				*q++ = ' ';
			}
			continue;
		}
		*q++ = *p;
	}
	while (q > buf && isspace((unsigned char)q[-1]))
		q--;
	*q = '\0';
	p = buf;
	len = strlen(name);
	if (len > 0 && strncmp(p, name, len) == 0 && strncmp(p + len, " : ", 3) == 0)
		p += len + 3;
	line = strtol(p, &end, 10);
	if (end != p && strncmp(end, " : ERROR : ", 11) == 0) {
		snprintf(dst, cap, "line %ld: %s", line, end + 11);
	} else if (strncmp(p, "ERROR : ", 8) == 0) {
		snprintf(dst, cap, "%s", p + 8);
	} else if (*p == '\0') {
		snprintf(dst, cap, "libfaust gave no message");
	} else {
		snprintf(dst, cap, "%s", p);
	}
	free(buf);
	/* it may quote the program, which may be anything: JSON wants UTF-8 */
	adac_utf8_scrub(dst);
}

/* ---- the user interface walk ---------------------------------------- */

struct ui_walk {
	struct adac_faust *f;
	json_t *items[MAX_GROUP_DEPTH + 1];	/* items array of each level */
	char *labels[MAX_GROUP_DEPTH];
	int depth;
	json_t *pending_meta;	/* declares waiting for their widget/group */
	int rc;
	char what[128];		/* the unsupported widget, when rc says so */
};

static int
is_path_special(char c)
{
	return strchr(" #*,?[]{}()", c) != NULL;
}

static char *
build_address(const struct ui_walk *w, const char *label)
{
	size_t n = 2 + strlen(label);
	char *s, *p;
	int i;

	for (i = 0; i < w->depth; i++)
		n += strlen(w->labels[i]) + 1;
	s = malloc(n);
	if (s == NULL)
		return NULL;
	p = s;
	for (i = 0; i < w->depth; i++)
		p += sprintf(p, "/%s", w->labels[i]);
	sprintf(p, "/%s", label);
	for (p = s; *p != '\0'; p++)
		if (is_path_special(*p))
			*p = '_';
	return s;
}

static json_t *
take_meta(struct ui_walk *w)
{
	json_t *m = w->pending_meta;

	w->pending_meta = NULL;
	return m;
}

static void
walk_fail(struct ui_walk *w, int rc)
{
	if (w->rc == ADAC_OK)
		w->rc = rc;
}

static void
ui_declare(void *ctx, FAUSTFLOAT *zone, const char *key, const char *value)
{
	struct ui_walk *w = ctx;
	json_t *m;

	(void)zone;
	if (w->pending_meta == NULL)
		w->pending_meta = json_array();
	m = json_object();
	if (w->pending_meta == NULL || m == NULL ||
	    json_object_set_new(m, key, json_string(value != NULL ? value : "")) ||
	    json_array_append_new(w->pending_meta, m))
		walk_fail(w, ADAC_E_NOMEM);
}

static void
open_group(struct ui_walk *w, const char *type, const char *label)
{
	json_t *g, *items, *meta;

	meta = take_meta(w);
	if (w->rc != ADAC_OK || w->depth >= MAX_GROUP_DEPTH) {
		json_decref(meta);
		/* count the level so that closeBox stays balanced */
		if (w->rc == ADAC_OK)
			walk_fail(w, ADAC_E_INPUT);
		w->depth++;
		return;
	}
	g = json_object();
	items = json_array();
	w->labels[w->depth] = strdup(label);
	if (g == NULL || items == NULL || w->labels[w->depth] == NULL ||
	    json_object_set_new(g, "type", json_string(type)) ||
	    json_object_set_new(g, "label", json_string(label)) ||
	    (meta != NULL && json_object_set(g, "meta", meta)) ||
	    json_object_set(g, "items", items) ||
	    json_array_append(w->items[w->depth], g)) {
		walk_fail(w, ADAC_E_NOMEM);
	}
	json_decref(meta);
	json_decref(g);
	w->depth++;
	w->items[w->depth] = items;
}

static void
ui_tab(void *ctx, const char *label)
{
	open_group(ctx, "tgroup", label);
}

static void
ui_hbox(void *ctx, const char *label)
{
	open_group(ctx, "hgroup", label);
}

static void
ui_vbox(void *ctx, const char *label)
{
	open_group(ctx, "vgroup", label);
}

static void
ui_close(void *ctx)
{
	struct ui_walk *w = ctx;

	if (w->depth == 0)
		return;
	if (w->depth <= MAX_GROUP_DEPTH) {
		free(w->labels[w->depth - 1]);
		w->labels[w->depth - 1] = NULL;
		json_decref(w->items[w->depth]);
		w->items[w->depth] = NULL;
	}
	w->depth--;
}

static void
add_widget(struct ui_walk *w, const char *kind, const char *label, void *zone,
	   double init, double min, double max, double step, int has_step)
{
	struct adac_faust *f = w->f;
	struct param *p, *np;
	json_t *o = NULL, *meta;

	meta = take_meta(w);
	if (w->rc != ADAC_OK || w->depth > MAX_GROUP_DEPTH)
		goto out;
	if (f->n_params == f->cap_params) {
		int cap = f->cap_params ? 2 * f->cap_params : 8;

		np = realloc(f->params, cap * sizeof *np);
		if (np == NULL) {
			walk_fail(w, ADAC_E_NOMEM);
			goto out;
		}
		f->params = np;
		f->cap_params = cap;
	}
	p = &f->params[f->n_params];
	memset(p, 0, sizeof *p);
	p->kind = kind;
	p->zone = zone;
	p->init = init;
	p->min = min;
	p->max = max;
	p->step = step;
	p->label = strdup(label);
	p->address = build_address(w, label);
	if (p->label == NULL || p->address == NULL) {
		free(p->label);
		free(p->address);
		walk_fail(w, ADAC_E_NOMEM);
		goto out;
	}
	f->n_params++;
	o = json_object();
	if (o == NULL ||
	    json_object_set_new(o, "type", json_string(kind)) ||
	    json_object_set_new(o, "label", json_string(label)) ||
	    json_object_set_new(o, "address", json_string(p->address)) ||
	    (meta != NULL && json_object_set(o, "meta", meta)) ||
	    (has_step && json_object_set_new(o, "init", json_real(init))) ||
	    ((has_step || strstr(kind, "bargraph") != NULL) &&
	     (json_object_set_new(o, "min", json_real(min)) ||
	      json_object_set_new(o, "max", json_real(max)))) ||
	    (has_step && json_object_set_new(o, "step", json_real(step))) ||
	    json_array_append(w->items[w->depth], o))
		walk_fail(w, ADAC_E_NOMEM);
out:
	json_decref(o);
	json_decref(meta);
}

static void
ui_button(void *ctx, const char *label, FAUSTFLOAT *zone)
{
	add_widget(ctx, "button", label, zone, 0, 0, 1, 1, 0);
}

static void
ui_check(void *ctx, const char *label, FAUSTFLOAT *zone)
{
	add_widget(ctx, "checkbox", label, zone, 0, 0, 1, 1, 0);
}

/*
 * With -double the zone is a double * but libfaust still passes init,
 * min, max and step as float (measured with 2.54.9): exact for the
 * values a slider declares only to float precision.
 */
static void
ui_vslider(void *ctx, const char *label, FAUSTFLOAT *zone, FAUSTFLOAT init,
	   FAUSTFLOAT min, FAUSTFLOAT max, FAUSTFLOAT step)
{
	add_widget(ctx, "vslider", label, zone, init, min, max, step, 1);
}

static void
ui_hslider(void *ctx, const char *label, FAUSTFLOAT *zone, FAUSTFLOAT init,
	   FAUSTFLOAT min, FAUSTFLOAT max, FAUSTFLOAT step)
{
	add_widget(ctx, "hslider", label, zone, init, min, max, step, 1);
}

static void
ui_nentry(void *ctx, const char *label, FAUSTFLOAT *zone, FAUSTFLOAT init,
	  FAUSTFLOAT min, FAUSTFLOAT max, FAUSTFLOAT step)
{
	add_widget(ctx, "nentry", label, zone, init, min, max, step, 1);
}

static void
ui_hbar(void *ctx, const char *label, FAUSTFLOAT *zone, FAUSTFLOAT min,
	FAUSTFLOAT max)
{
	add_widget(ctx, "hbargraph", label, zone, 0, min, max, 0, 0);
}

static void
ui_vbar(void *ctx, const char *label, FAUSTFLOAT *zone, FAUSTFLOAT min,
	FAUSTFLOAT max)
{
	add_widget(ctx, "vbargraph", label, zone, 0, min, max, 0, 0);
}

/* A soundfile needs host-side loading that no adac program does. */
static void
ui_soundfile(void *ctx, const char *label, const char *url,
	     struct Soundfile **zone)
{
	struct ui_walk *w = ctx;

	(void)url;
	(void)zone;
	json_decref(take_meta(w));
	if (w->rc == ADAC_OK) {
		snprintf(w->what, sizeof w->what, "soundfile '%s'", label);
		w->rc = ADAC_E_INPUT;
	}
}

static void
meta_declare(void *ctx, const char *key, const char *value)
{
	json_t *arr = ctx, *m = json_object();

	if (m != NULL) {
		json_object_set_new(m, key, json_string(value != NULL ? value : ""));
		json_array_append_new(arr, m);
	}
}

/* Walk the program's UI: fill f->params and f->json_ui. */
static int
walk_ui(struct adac_faust *f, const char *name, struct adac_error *err)
{
	struct ui_walk w;
	UIGlue glue;
	MetaGlue mg;
	json_t *root = NULL, *meta = NULL, *ui = NULL;
	int i, rc = ADAC_OK;

	memset(&w, 0, sizeof w);
	w.f = f;
	root = json_object();
	meta = json_array();
	ui = json_array();
	if (root == NULL || meta == NULL || ui == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	w.items[0] = ui;
	memset(&glue, 0, sizeof glue);
	glue.uiInterface = &w;
	glue.openTabBox = ui_tab;
	glue.openHorizontalBox = ui_hbox;
	glue.openVerticalBox = ui_vbox;
	glue.closeBox = ui_close;
	glue.addButton = ui_button;
	glue.addCheckButton = ui_check;
	glue.addVerticalSlider = ui_vslider;
	glue.addHorizontalSlider = ui_hslider;
	glue.addNumEntry = ui_nentry;
	glue.addHorizontalBargraph = ui_hbar;
	glue.addVerticalBargraph = ui_vbar;
	glue.addSoundfile = ui_soundfile;
	glue.declare = ui_declare;
	mg.metaInterface = meta;
	mg.declare = meta_declare;
	if (f->backend == ADAC_FAUST_LLVM) {
		lf.buildUserInterfaceCDSPInstance(f->dsp, &glue);
		lf.metadataCDSPInstance(f->dsp, &mg);
	} else {
		lf.buildUserInterfaceCInterpreterDSPInstance(f->dsp, &glue);
		lf.metadataCInterpreterDSPInstance(f->dsp, &mg);
	}
	json_decref(w.pending_meta);
	while (w.depth > 0)
		ui_close(&w);
	if (w.rc == ADAC_E_INPUT) {
		if (w.what[0] != '\0')
			rc = adac_error_set(err, ADAC_E_INPUT, "",
					    "%s is not supported", w.what);
		else
			rc = adac_error_set(err, ADAC_E_INPUT, "",
					    "user interface groups nest deeper than %d",
					    MAX_GROUP_DEPTH);
		goto out;
	}
	if (w.rc != ADAC_OK) {
		rc = adac_error_set(err, w.rc, "", "out of memory");
		goto out;
	}
	if (json_object_set_new(root, "name", json_string(name)) ||
	    json_object_set_new(root, "inputs", json_integer(f->n_in)) ||
	    json_object_set_new(root, "outputs", json_integer(f->n_out)) ||
	    json_object_set(root, "meta", meta) ||
	    json_object_set(root, "ui", ui)) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	/* the declared name, when there is one, is the program's name */
	for (i = 0; i < (int)json_array_size(meta); i++) {
		json_t *v = json_object_get(json_array_get(meta, i), "name");

		if (json_is_string(v))
			json_object_set(root, "name", v);
	}
	f->json_ui = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(9));
	if (f->json_ui == NULL)
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
out:
	json_decref(root);
	json_decref(meta);
	json_decref(ui);
	return rc;
}

/* ---- compiling -------------------------------------------------------- */

static int
valid_options(const struct adac_faust_options *opt, struct adac_error *err)
{
	const struct adac_faust_limits *l = &opt->limits;

	if (opt->backend != ADAC_FAUST_LLVM && opt->backend != ADAC_FAUST_INTERP)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "unknown libfaust backend %d", (int)opt->backend);
	if (opt->backend == ADAC_FAUST_INTERP && opt->double_precision)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "the interpreter backend does not compute in double precision");
	if (opt->ftz < 0 || opt->ftz > 2)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "-ftz %d is not 0, 1 or 2", opt->ftz);
	if (opt->opt_level < -1 || opt->opt_level > 4)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "optimisation level %d is not in -1..4",
				      opt->opt_level);
	if (opt->n_extra_args < 0 || (opt->n_extra_args > 0 && opt->extra_args == NULL))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "bad extra libfaust arguments");
	if (!(l->cpu_s > 0 && l->cpu_s <= 1e6) || !(l->wall_s > 0 && l->wall_s <= 1e6) ||
	    l->mem_mb < 1 || l->mem_mb > (1L << 30) || l->stack_mb < 1 ||
	    l->stack_mb > (1L << 20) || l->program_mb < 0)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "compile limits are out of range");
	return ADAC_OK;
}

static void
free_params(struct adac_faust *f)
{
	int i;

	for (i = 0; i < f->n_params; i++) {
		free(f->params[i].address);
		free(f->params[i].label);
	}
	free(f->params);
	f->params = NULL;
	f->n_params = f->cap_params = 0;
}

/* The FAUST options opt asks for, into argv (room for 8 + extra). */
static int
build_args(const struct adac_faust_options *opt, const char **argv,
	   char ftz[8])
{
	int argc = 0, i;

	if (opt->double_precision)
		argv[argc++] = "-double";
	if (opt->ftz != 0) {
		snprintf(ftz, 8, "%d", opt->ftz);
		argv[argc++] = "-ftz";
		argv[argc++] = ftz;
	}
	if (!opt->std_libs_only && opt->include_dir != NULL &&
	    opt->include_dir[0] != '\0') {
		argv[argc++] = "-I";
		argv[argc++] = opt->include_dir;
	}
	for (i = 0; i < opt->n_extra_args; i++)
		argv[argc++] = opt->extra_args[i];
	return argc;
}

static int
libfaust_ready(struct adac_error *err)
{
	pthread_once(&mt_once, start_mt);
	if (lf_error[0] != '\0')
		return adac_error_set(err, ADAC_E_DEPENDENCY, "", "%s", lf_error);
	return ADAC_OK;
}

static void
delete_factory(enum adac_faust_backend backend, void *factory)
{
	if (factory == NULL)
		return;
	if (backend == ADAC_FAUST_LLVM)
		lf.deleteCDSPFactory(factory);
	else
		lf.deleteCInterpreterDSPFactory(factory);
}

/* The libraries the compiler opened for factory (freeCMemory them). */
static const char **
library_list(enum adac_faust_backend backend, void *factory)
{
	return backend == ADAC_FAUST_LLVM
	       ? lf.getCDSPFactoryLibraryList(factory)
	       : lf.getCInterpreterDSPFactoryLibraryList(factory);
}

static void
free_list(const char **list)
{
	int i;

	if (list == NULL)
		return;
	for (i = 0; list[i] != NULL; i++)
		lf.freeCMemory((void *)list[i]);
	lf.freeCMemory((void *)list);
}

/* ---- the worker side ------------------------------------------------- */

/*
 * The directories libfaust takes the standard library from (it searches
 * the working directory, $FAUST_LIB_PATH, /usr/share/faust and
 * /usr/local/share/faust, measured with getCDSPFactoryIncludePathnames()).
 */
static const char *
std_dirs(int i)
{
	static const char *fixed[] = { "/usr/share/faust", "/usr/local/share/faust" };
	const char *env = getenv("FAUST_LIB_PATH");

	if (env != NULL && env[0] == '/') {
		if (i == 0)
			return env;
		i--;
	}
	return i < 2 ? fixed[i] : NULL;
}

static char std_dir[4096];	/* the first of them that has stdfaust.lib */

const char *
adac_faust_std_dir(void)
{
	return std_dir;
}

void
adac_faust_warm_up(enum adac_faust_backend backend)
{
	/* a little of everything a real program takes through the compiler */
	static const char *src =
		"import(\"stdfaust.lib\");\n"
		"process = _ <: de.delay(64, 3), fi.lowpass(2, 1000) :> "
		"*(hslider(\"g\", 0.5, 0, 1, 0.01));\n";
	struct adac_faust_options opt;
	struct adac_faust_code code;
	char path[4200];
	const char *d;
	int i;

	for (i = 0; std_dir[0] == '\0' && (d = std_dirs(i)) != NULL; i++) {
		snprintf(path, sizeof path, "%s/stdfaust.lib", d);
		if (access(path, R_OK) == 0 && strlen(d) < sizeof std_dir)
			strcpy(std_dir, d);
	}
	/*
	 * The first compile of a process costs several times the next
	 * (libfaust and LLVM set themselves up): pay it before a request.
	 */
	adac_faust_options_init(&opt);
	opt.backend = backend;
	if (adac_faust_build_code("warm", src, &opt, &code, NULL) == ADAC_OK)
		adac_faust_code_free(&code);
}

/*
 * With std_libs_only: every library the compiler opened must lie in a
 * standard library directory.  The text was checked already, and the
 * worker runs in the library's directory without -I, so a plain name
 * cannot reach anything else; this holds whatever that missed.  (Only
 * the LLVM backend lists its libraries: the interpreter's list is empty
 * in libfaust 2.54.9.)
 */
static int
check_libraries(enum adac_faust_backend backend, void *factory,
		struct adac_error *err)
{
	const char **libs = library_list(backend, factory);
	const char *bad = NULL, *d, *slash;
	size_t n;
	int i, k, ok, rc = ADAC_OK;

	for (i = 0; libs != NULL && libs[i] != NULL && bad == NULL; i++) {
		slash = strrchr(libs[i], '/');
		ok = 0;
		for (k = 0; slash != NULL && !ok && (d = std_dirs(k)) != NULL; k++) {
			n = strlen(d);
			ok = (size_t)(slash - libs[i]) == n && strncmp(libs[i], d, n) == 0;
		}
		if (!ok)
			bad = libs[i];
	}
	if (bad != NULL) {
		const char *base = strrchr(bad, '/');

		rc = adac_error_set(err, ADAC_E_INPUT, "",
				    "'%s' is not a FAUST standard library",
				    base != NULL ? base + 1 : bad);
		adac_utf8_scrub(err->text);
	}
	free_list(libs);
	return rc;
}

/* The address space of this process, in bytes. */
static size_t
vm_bytes(void)
{
	FILE *fp = fopen("/proc/self/statm", "r");
	unsigned long pages = 0;

	if (fp == NULL)
		return 0;
	if (fscanf(fp, "%lu", &pages) != 1)
		pages = 0;
	fclose(fp);
	return pages * (size_t)sysconf(_SC_PAGESIZE);
}

static size_t
heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

void
adac_faust_code_free(struct adac_faust_code *c)
{
	if (c == NULL)
		return;
	free(c->code);
	c->code = NULL;
	c->len = 0;
}

static double
cpu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
adac_faust_build_code(const char *name, const char *source,
		      const struct adac_faust_options *opt,
		      struct adac_faust_code *out, struct adac_error *err)
{
	const char **argv = NULL;
	char msg[4096], ftz[8], *code = NULL;
	void *factory = NULL, *dsp = NULL;
	size_t vm0, heap0, vm1, heap1;
	double t0 = now_ms(), c0 = cpu_now_ms();
	int argc, rc;

	memset(out, 0, sizeof *out);
	if ((rc = valid_options(opt, err)) != ADAC_OK)
		return rc;
	if ((rc = libfaust_ready(err)) != ADAC_OK)
		return rc;
	argv = calloc(8 + opt->n_extra_args, sizeof *argv);
	if (argv == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	argc = build_args(opt, argv, ftz);
	msg[0] = '\0';
	if (opt->backend == ADAC_FAUST_LLVM)
		factory = lf.createCDSPFactoryFromString(name, source, argc, argv,
							 opt->target ? opt->target : "",
							 msg, opt->opt_level);
	else
		factory = lf.createCInterpreterDSPFactoryFromString(name, source,
								    argc, argv, msg);
	if (factory == NULL) {
		char text[ADAC_TEXT_MAX];

		compiler_message(text, sizeof text, name, msg);
		/*
		 * LLVM failing (an unknown target: "cannot create LLVM JIT")
		 * is libfaust's failure, not the program's.
		 */
		if (strstr(msg, "LLVM") != NULL)
			rc = adac_error_set(err, ADAC_E_DEPENDENCY, "",
					    "libfaust: %s", text);
		else
			rc = adac_error_set(err, ADAC_E_INPUT, "", "%s", text);
		goto out;
	}
	if (opt->std_libs_only &&
	    (rc = check_libraries(opt->backend, factory, err)) != ADAC_OK)
		goto out;
	code = opt->backend == ADAC_FAUST_LLVM
	       ? lf.writeCDSPFactoryToMachine(factory, opt->target ? opt->target : "")
	       : lf.writeCInterpreterDSPFactoryToBitcode(factory);
	if (code == NULL || (out->code = strdup(code)) == NULL) {
		rc = code == NULL
		     ? adac_error_set(err, ADAC_E_DEPENDENCY, "",
				      "libfaust could not write the compiled program")
		     : adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	out->len = strlen(out->code);
	out->compile_ms = now_ms() - t0;
	out->cpu_ms = cpu_now_ms() - c0;
	/*
	 * What an instance allocates (its delay lines and tables): the
	 * larger of the growth of the address space (large blocks are
	 * mapped) and of the heap (small ones are not).
	 */
	vm0 = vm_bytes();
	heap0 = heap_bytes();
	dsp = opt->backend == ADAC_FAUST_LLVM
	      ? (void *)lf.createCDSPInstance(factory)
	      : (void *)lf.createCInterpreterDSPInstance(factory);
	vm1 = vm_bytes();
	heap1 = heap_bytes();
	if (dsp == NULL) {
		/* the LLVM backend returns no instance when it cannot allocate */
		out->limit = ADAC_FAUST_LIMIT_MEMORY;
		rc = adac_error_set(err, ADAC_E_INPUT, "",
				    "the program needs more than %ld MB of memory (the compile-mem limit)",
				    opt->limits.mem_mb);
		goto out;
	}
	out->instance_bytes = vm1 > vm0 ? vm1 - vm0 : 0;
	if (heap1 > heap0 && heap1 - heap0 > out->instance_bytes)
		out->instance_bytes = heap1 - heap0;
	if (opt->backend == ADAC_FAUST_LLVM)
		lf.deleteCDSPInstance(dsp);
	else
		lf.deleteCInterpreterDSPInstance(dsp);
	/*
	 * The address space had room for it (the compiler's stack is free
	 * again by now): the instance alone must fit in the limit too.
	 */
	if (out->instance_bytes > (size_t)opt->limits.mem_mb << 20) {
		out->limit = ADAC_FAUST_LIMIT_MEMORY;
		rc = adac_error_set(err, ADAC_E_INPUT, "",
				    "the program needs more than %ld MB of memory (the compile-mem limit)",
				    opt->limits.mem_mb);
	}
out:
	if (code != NULL)
		lf.freeCMemory(code);
	delete_factory(opt->backend, factory);
	free(argv);
	if (rc != ADAC_OK)
		adac_faust_code_free(out);
	return rc;
}

/* ---- the calling side ------------------------------------------------ */

/* Create the instance of f->factory, initialise it, walk its UI. */
static int
finish(struct adac_faust *f, const char *name, int fs_hz,
       struct adac_error *err)
{
	if (f->dsp == NULL)
		return adac_error_set(err, ADAC_E_DEPENDENCY, "",
				      "libfaust could not create an instance");
	if (f->backend == ADAC_FAUST_LLVM) {
		lf.initCDSPInstance(f->dsp, fs_hz);
		f->n_in = lf.getNumInputsCDSPInstance(f->dsp);
		f->n_out = lf.getNumOutputsCDSPInstance(f->dsp);
	} else {
		lf.initCInterpreterDSPInstance(f->dsp, fs_hz);
		f->n_in = lf.getNumInputsCInterpreterDSPInstance(f->dsp);
		f->n_out = lf.getNumOutputsCInterpreterDSPInstance(f->dsp);
	}
	return walk_ui(f, name, err);
}

int
adac_faust_load_code(const char *name, const struct adac_faust_code *code,
		     const struct adac_faust_options *opt, int fs_hz,
		     struct adac_faust **out, struct adac_error *err)
{
	struct adac_faust *f;
	char msg[4096];
	int rc;

	if (fs_hz <= 0)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "sample rate %d is not positive", fs_hz);
	if ((rc = libfaust_ready(err)) != ADAC_OK)
		return rc;
	f = calloc(1, sizeof *f);
	if (f == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	f->backend = opt->backend;
	f->dbl = opt->double_precision != 0;
	f->fs_hz = fs_hz;
	f->memory_bytes = code->instance_bytes + code->len;
	msg[0] = '\0';
	pthread_mutex_lock(&factory_lock);
	if (f->backend == ADAC_FAUST_LLVM)
		f->factory = lf.readCDSPFactoryFromMachine(code->code,
							   opt->target ? opt->target : "",
							   msg);
	else
		f->factory = lf.readCInterpreterDSPFactoryFromBitcode(code->code, msg);
	if (f->factory != NULL)
		f->dsp = f->backend == ADAC_FAUST_LLVM
			 ? (void *)lf.createCDSPInstance(f->factory)
			 : (void *)lf.createCInterpreterDSPInstance(f->factory);
	pthread_mutex_unlock(&factory_lock);
	if (f->factory == NULL) {
		char text[ADAC_TEXT_MAX];

		compiler_message(text, sizeof text, name, msg);
		rc = adac_error_set(err, ADAC_E_DEPENDENCY, "",
				    "libfaust could not load the compiled program: %s",
				    text);
		goto out;
	}
	if ((rc = finish(f, name, fs_hz, err)) != ADAC_OK)
		goto out;
	*out = f;
	f = NULL;
out:
	adac_faust_free(f);
	return rc;
}

/*
 * libfaust 2.54's LLVM backend keeps about 6 significant digits of a
 * number entry's init (measured: a coefficient of 0.24988747467610295
 * came back as 0.249887), so a program from adac-emit --live, whose
 * coefficients are all hidden entries, started ~1e-6 away from the model
 * and adac-diff said "different" at -118 dB in double.  The text has every
 * digit: set each hidden entry whose init libfaust rounded to the value
 * its text gives, and keep that as the entry's init for
 * adac_faust_reset_params().  An entry whose value is not within the
 * rounding of the text's (a label used twice with different inits, say)
 * keeps libfaust's.
 */
static void
take_inits_from_text(struct adac_faust *f, const char *source)
{
	char **labels = NULL;
	double *values = NULL;
	int n = 0, i, j, k;

	if (adac_faust_values_list(source, &labels, &values, &n) != 0)
		return;		/* out of memory: libfaust's values stand */
	for (i = 0; i < f->n_params; i++) {
		struct param *p = &f->params[i];
		double now = adac_faust_param_get(f, i);

		if (strcmp(p->kind, "nentry") != 0 &&
		    strcmp(p->kind, "hslider") != 0 &&
		    strcmp(p->kind, "vslider") != 0)
			continue;
		for (k = -1, j = 0; j < n; j++) {
			if (strcmp(labels[j], p->label) != 0)
				continue;
			if (k >= 0 && values[k] != values[j]) {
				k = -1;		/* ambiguous: two inits */
				break;
			}
			k = j;
		}
		if (k < 0 || !(fabs(now - values[k]) <= 1e-5 * fabs(values[k])))
			continue;
		p->init = values[k];
		p->init_from_text = 1;
		adac_faust_param_set(f, i, values[k]);
	}
	adac_faust_values_free(labels, values, n);
}

static double
thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
adac_faust_compile_ex(const char *name, const char *source,
		      const struct adac_faust_options *opt, int fs_hz,
		      struct adac_faust **out, enum adac_faust_limit *limit,
		      struct adac_error *err)
{
	struct adac_faust_options defaults;
	struct adac_faust_code code;
	enum adac_faust_limit lim = ADAC_FAUST_LIMIT_NONE;
	double t0 = now_ms(), c0 = thread_cpu_ms();
	int rc;

	memset(&code, 0, sizeof code);
	if (opt == NULL) {
		adac_faust_options_init(&defaults);
		opt = &defaults;
	}
	if ((rc = valid_options(opt, err)) != ADAC_OK)
		goto out;
	if (fs_hz <= 0) {
		rc = adac_error_set(err, ADAC_E_INPUT, "",
				    "sample rate %d is not positive", fs_hz);
		goto out;
	}
	rc = adac_faust_worker_compile(name, source, opt, &code, &lim, err);
	if (rc != ADAC_OK)
		goto out;
	/* refuse before this process allocates it */
	if (opt->limits.program_mb > 0 &&
	    code.instance_bytes > (size_t)opt->limits.program_mb << 20) {
		lim = ADAC_FAUST_LIMIT_PROGRAM;
		rc = adac_error_set(err, ADAC_E_INPUT, "",
				    "the program needs %.0f MB of memory, more than %ld MB (the program-mb limit)",
				    ceil((double)code.instance_bytes / (1 << 20)),
				    opt->limits.program_mb);
		goto out;
	}
	rc = adac_faust_load_code(name, &code, opt, fs_hz, out, err);
	if (rc == ADAC_OK) {
		take_inits_from_text(*out, source);
		(*out)->compile_ms = now_ms() - t0;
		(*out)->compile_cpu_ms = code.cpu_ms + thread_cpu_ms() - c0;
	}
out:
	adac_faust_code_free(&code);
	if (limit != NULL)
		*limit = lim;
	return rc;
}

int
adac_faust_compile(const char *name, const char *source,
		   const struct adac_faust_options *opt, int fs_hz,
		   struct adac_faust **out, struct adac_error *err)
{
	return adac_faust_compile_ex(name, source, opt, fs_hz, out, NULL, err);
}

/* ---- what served code may import --------------------------------------- */

/* The end of the comment or string at s (which starts one), or NULL. */
static const char *
skip_token(const char *s, int *line)
{
	if (s[0] == '/' && s[1] == '/') {
		while (*s != '\0' && *s != '\n')
			s++;
		return s;
	}
	if (s[0] == '/' && s[1] == '*') {
		for (s += 2; *s != '\0' && !(s[0] == '*' && s[1] == '/'); s++)
			*line += *s == '\n';
		return *s != '\0' ? s + 2 : s;
	}
	if (s[0] == '"') {
		for (s++; *s != '\0' && *s != '"'; s++) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			*line += *s == '\n';
		}
		return *s != '\0' ? s + 1 : s;
	}
	return NULL;
}

static const char *
skip_space(const char *s, int *line)
{
	const char *e;

	for (;;) {
		while (isspace((unsigned char)*s)) {
			*line += *s == '\n';
			s++;
		}
		if (s[0] == '/' && (s[1] == '/' || s[1] == '*') &&
		    (e = skip_token(s, line)) != NULL) {
			s = e;
			continue;
		}
		return s;
	}
}

/* A plain file name: letters, digits, '_', '-', '.', not "." or "..". */
static int
plain_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 255 || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' &&
		    s[i] != '.')
			return 0;
	return 1;
}

int
adac_faust_check_imports(const char *source, struct adac_error *err)
{
	static const char *words[] = { "import", "component", "library" };
	const char *s = source, *e, *word, *name;
	int line = 1, k;
	size_t n, nw;

	while (*s != '\0') {
		if ((e = skip_token(s, &line)) != NULL) {
			s = e;
			continue;
		}
		if (*s == '\n')
			line++;
		if (!(isalpha((unsigned char)*s) || *s == '_')) {
			s++;
			continue;
		}
		for (word = s; isalnum((unsigned char)*s) || *s == '_'; s++)
			;
		nw = s - word;
		for (k = 0; k < 3; k++)
			if (nw == strlen(words[k]) && strncmp(word, words[k], nw) == 0)
				break;
		if (k == 3)
			continue;
		/* word ( "name" ) */
		e = skip_space(s, &line);
		if (*e != '(')
			goto bad;
		e = skip_space(e + 1, &line);
		if (*e != '"')
			goto bad;
		name = e + 1;
		n = strcspn(name, "\"");
		if (name[n] != '"' || !plain_name(name, n))
			goto bad_name;
		s = name + n + 1;
		continue;
bad_name:
		if (n > 64)
			n = 64;
		adac_error_set(err, ADAC_E_INPUT, "",
			       "line %d: %s(\"%.*s\"): programs sent to the service may use only the FAUST standard libraries",
			       line, words[k], (int)n, name);
		adac_utf8_scrub(err->text);
		return ADAC_E_INPUT;
	}
	return ADAC_OK;
bad:
	return adac_error_set(err, ADAC_E_INPUT, "",
			      "line %d: '%s' must be followed by a quoted library name",
			      line, words[k]);
}

int
adac_faust_compile_file(const char *path,
			const struct adac_faust_options *opt, int fs_hz,
			struct adac_faust **out, struct adac_error *err)
{
	struct adac_faust_options o;
	char *source = NULL, *name = NULL, *dir = NULL, *slash, *dot;
	int rc;

	if (opt == NULL)
		adac_faust_options_init(&o);
	else
		o = *opt;
	if ((rc = adac_read_text(path, MAX_SOURCE_BYTES, &source, err)) !=
	    ADAC_OK)
		goto out;
	slash = strrchr(path, '/');
	name = strdup(slash != NULL ? slash + 1 : path);
	dir = strdup(path);
	if (name == NULL || dir == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	dot = strrchr(name, '.');
	if (dot != NULL && dot != name)
		*dot = '\0';
	if (o.include_dir == NULL) {
		slash = strrchr(dir, '/');
		if (slash == NULL)
			strcpy(dir, ".");
		else if (slash == dir)
			dir[1] = '\0';
		else
			*slash = '\0';
		o.include_dir = dir;
	}
	rc = adac_faust_compile(name, source, &o, fs_hz, out, err);
out:
	free(source);
	free(name);
	free(dir);
	return rc;
}

void
adac_faust_free(struct adac_faust *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&factory_lock);
	if (f->backend == ADAC_FAUST_LLVM) {
		if (f->dsp != NULL)
			lf.deleteCDSPInstance(f->dsp);
		if (f->factory != NULL)
			lf.deleteCDSPFactory(f->factory);
	} else {
		if (f->dsp != NULL)
			lf.deleteCInterpreterDSPInstance(f->dsp);
		if (f->factory != NULL)
			lf.deleteCInterpreterDSPFactory(f->factory);
	}
	pthread_mutex_unlock(&factory_lock);
	free_params(f);
	free(f->json_ui);
	free(f);
}

/* ---- running ----------------------------------------------------------- */

int
adac_faust_inputs(const struct adac_faust *f)
{
	return f->n_in;
}

int
adac_faust_outputs(const struct adac_faust *f)
{
	return f->n_out;
}

int
adac_faust_fs_hz(const struct adac_faust *f)
{
	return f->fs_hz;
}

int
adac_faust_is_double(const struct adac_faust *f)
{
	return f->dbl;
}

double
adac_faust_compile_ms(const struct adac_faust *f)
{
	return f->compile_ms;
}

double
adac_faust_compile_cpu_ms(const struct adac_faust *f)
{
	return f->compile_cpu_ms;
}

size_t
adac_faust_memory_bytes(const struct adac_faust *f)
{
	return f->memory_bytes;
}

void
adac_faust_set_fs(struct adac_faust *f, int fs_hz)
{
	double stack[64], *saved = stack;
	int i;

	/* init() resets the parameters too: keep their values across it */
	if (f->n_params > 64) {
		saved = malloc(f->n_params * sizeof *saved);
		if (saved == NULL) {
			/* constants and state only: parameters are untouched */
			if (f->backend == ADAC_FAUST_LLVM) {
				lf.instanceConstantsCDSPInstance(f->dsp, fs_hz);
				lf.instanceClearCDSPInstance(f->dsp);
			} else {
				lf.instanceConstantsCInterpreterDSPInstance(f->dsp, fs_hz);
				lf.instanceClearCInterpreterDSPInstance(f->dsp);
			}
			f->fs_hz = fs_hz;
			return;
		}
	}
	for (i = 0; i < f->n_params; i++)
		saved[i] = adac_faust_param_get(f, i);
	if (f->backend == ADAC_FAUST_LLVM)
		lf.initCDSPInstance(f->dsp, fs_hz);
	else
		lf.initCInterpreterDSPInstance(f->dsp, fs_hz);
	for (i = 0; i < f->n_params; i++)
		adac_faust_param_set(f, i, saved[i]);
	if (saved != stack)
		free(saved);
	f->fs_hz = fs_hz;
}

void
adac_faust_clear(struct adac_faust *f)
{
	if (f->backend == ADAC_FAUST_LLVM)
		lf.instanceClearCDSPInstance(f->dsp);
	else
		lf.instanceClearCInterpreterDSPInstance(f->dsp);
}

void
adac_faust_reset_params(struct adac_faust *f)
{
	int i;

	if (f->backend == ADAC_FAUST_LLVM)
		lf.instanceResetUserInterfaceCDSPInstance(f->dsp);
	else
		lf.instanceResetUserInterfaceCInterpreterDSPInstance(f->dsp);
	for (i = 0; i < f->n_params; i++)
		if (f->params[i].init_from_text)
			adac_faust_param_set(f, i, f->params[i].init);
}

void
adac_faust_compute(struct adac_faust *f, int frames, void **in, void **out)
{
	if (frames <= 0)
		return;
	if (f->backend == ADAC_FAUST_LLVM)
		lf.computeCDSPInstance(f->dsp, frames, (FAUSTFLOAT **)in,
				    (FAUSTFLOAT **)out);
	else
		lf.computeCInterpreterDSPInstance(f->dsp, frames, (FAUSTFLOAT **)in,
					       (FAUSTFLOAT **)out);
}

int
adac_faust_param_count(const struct adac_faust *f)
{
	return f->n_params;
}

const char *
adac_faust_param_address(const struct adac_faust *f, int i)
{
	return f->params[i].address;
}

const char *
adac_faust_param_label(const struct adac_faust *f, int i)
{
	return f->params[i].label;
}

const char *
adac_faust_param_kind(const struct adac_faust *f, int i)
{
	return f->params[i].kind;
}

int
adac_faust_param_find(const struct adac_faust *f, const char *address)
{
	int i;

	for (i = 0; i < f->n_params; i++)
		if (strcmp(f->params[i].address, address) == 0)
			return i;
	return -1;
}

int
adac_faust_param_lookup(const struct adac_faust *f, const char *name)
{
	size_t n = strlen(name), len;
	const char *a;
	int i, found = -1;

	if (name[0] == '/')
		return adac_faust_param_find(f, name);
	for (i = 0; i < f->n_params; i++) {
		a = f->params[i].address;
		len = strlen(a);
		if (len > n && a[len - n - 1] == '/' &&
		    strcmp(a + len - n, name) == 0) {
			if (found >= 0)
				return -2;
			found = i;
		}
	}
	return found;
}

/*
 * Zones are fields of the compiled program's struct, and with -double the
 * LLVM backend lays them out with 4-byte alignment: copy, never cast.
 */
double
adac_faust_param_get(const struct adac_faust *f, int i)
{
	double d;
	float x;

	if (f->dbl) {
		memcpy(&d, f->params[i].zone, sizeof d);
		return d;
	}
	memcpy(&x, f->params[i].zone, sizeof x);
	return x;
}

void
adac_faust_param_set(struct adac_faust *f, int i, double value)
{
	float x = (float)value;

	if (f->dbl)
		memcpy(f->params[i].zone, &value, sizeof value);
	else
		memcpy(f->params[i].zone, &x, sizeof x);
}

void
adac_faust_param_range(const struct adac_faust *f, int i, double *min,
		       double *max, double *init, double *step)
{
	const struct param *p = &f->params[i];

	if (min != NULL)
		*min = p->min;
	if (max != NULL)
		*max = p->max;
	if (init != NULL)
		*init = p->init;
	if (step != NULL)
		*step = p->step;
}

const char *
adac_faust_json_ui(const struct adac_faust *f)
{
	return f->json_ui;
}
