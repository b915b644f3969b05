/*
 * Building a plugin: the FAUST program, `faust` with the stock LV2 or
 * JACK architecture, the C++ compiler with flags of our own, the RDF
 * with the certificate, verification, and the rename into place.
 */
#include "plugin.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "certificate.h"
#include "emit_faust.h"
#include "file.h"
#include "json.h"
#include "version.h"

extern char **environ;

/*
 * The C++ flags are ours, not the environment's: -O3 as faust2lv2 builds,
 * and no floating-point contraction, so that the binary computes what the
 * FAUST program says on every target (a fused multiply-add rounds once
 * where the program rounds twice).  Frame pointers let a sanitizer (and a
 * profiler) walk from the plugin's code back into its host's.
 */
#define CXX_FLAGS "-std=c++11", "-O3", "-ffp-contract=off", \
		  "-fno-omit-frame-pointer"

/* a path in the build directory: its name (< PATH_MAX) and a file name */
#define PATHBUF (PATH_MAX + 512)

struct build {
	const struct adac_ir *ir;
	const struct adac_plugin_options *opt;
	char tmp[PATH_MAX];	/* the directory everything is built in */
	char stem[128];		/* file names: NAME.so, NAME.ttl, ... */
	char *uri;
	json_t *ui;		/* faust -json's description of the program */
};

/* ---- small helpers ------------------------------------------------------- */

/* The string member key of o, or dflt. */
static const char *
str_or(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : dflt;
}

static int
path_in(char *buf, const struct build *b, const char *file)
{
	return snprintf(buf, PATHBUF, "%s/%s", b->tmp, file) >= PATHBUF;
}

/* The first line of the tool's stderr worth quoting: one with "error". */
static void
first_error_line(const char *log, char *line, size_t n)
{
	char *buf = NULL, *p, *pick = NULL, *end;
	size_t len;
	struct adac_error e;

	line[0] = '\0';
	if (adac_read_file(log, 1 << 20, &buf, &len, &e) != ADAC_OK)
		return;
	for (p = buf; *p != '\0' && pick == NULL; p = end + (*end != '\0')) {
		end = p + strcspn(p, "\n");
		if (strstr(p, "error") != NULL && strstr(p, "error") < end)
			pick = p;
	}
	if (pick == NULL)
		pick = buf;
	snprintf(line, n, "%.*s", (int)strcspn(pick, "\n"), pick);
	free(buf);
}

/*
 * Run argv with stdout and stderr into LOG in the build directory.
 * ADAC_E_DEPENDENCY when it cannot start or fails (failure_code when it
 * fails), with its first error line.
 */
static int
run(struct build *b, char *const argv[], int failure_code,
    struct adac_error *err)
{
	posix_spawn_file_actions_t fa;
	char log[PATHBUF], line[200];
	pid_t pid;
	int status, rc;

	if (path_in(log, b, "build.log"))
		return adac_error_set(err, ADAC_E_IO, "", "path too long");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return adac_error_set(err, ADAC_E_DEPENDENCY, "",
				      "cannot run %s: %s", argv[0], strerror(rc));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return adac_error_set(err, ADAC_E_DEPENDENCY, "",
					      "%s: %s", argv[0], strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return ADAC_OK;
	first_error_line(log, line, sizeof line);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return adac_error_set(err, ADAC_E_DEPENDENCY, "",
				      "cannot run %s: %s", argv[0], line);
	return adac_error_set(err, failure_code, "", "%s failed%s%s", argv[0],
			      line[0] ? ": " : "", line);
}

/* ---- names --------------------------------------------------------------- */

static int
set_names(struct build *b, struct adac_error *err)
{
	const char *name = b->opt->name != NULL ? b->opt->name : b->ir->name;
	const char *u;
	size_t i, n;

	if (name == NULL || name[0] == '\0')
		name = "adac";
	n = strlen(name);
	if (n >= sizeof b->stem)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "name '%s' is longer than %zu bytes", name,
				      sizeof b->stem - 1);
	/* a file name and an lv2:symbol: letters, digits and '_' */
	for (i = 0; i < n; i++)
		b->stem[i] = isalnum((unsigned char)name[i]) ? name[i] : '_';
	b->stem[n] = '\0';
	if (isdigit((unsigned char)b->stem[0]))
		b->stem[0] = '_';
	if (b->opt->uri != NULL) {
		for (u = b->opt->uri; *u != '\0'; u++)
			if ((unsigned char)*u <= ' ' || strchr("<>\"{}|^`\\", *u))
				break;
		if (*u != '\0' || strchr(b->opt->uri, ':') == NULL)
			return adac_error_set(err, ADAC_E_INPUT, "",
					      "URI '%s' is not an absolute URI without spaces or <>\"{}|^`\\",
					      b->opt->uri);
		b->uri = strdup(b->opt->uri);
	} else if ((b->uri = malloc(sizeof ADAC_PLUGIN_URI_BASE + n)) != NULL) {
		strcpy(b->uri, ADAC_PLUGIN_URI_BASE);
		strcat(b->uri, b->stem);
	}
	if (b->uri == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	return ADAC_OK;
}

/* ---- FAUST and the compiler ---------------------------------------------- */

static int
write_program(struct build *b, struct adac_error *err)
{
	struct adac_emit_options eo = {0};
	char path[PATHBUF], file[160], note[600];
	char *text = NULL;
	int rc;

	snprintf(file, sizeof file, "%s.dsp", b->stem);
	if (path_in(path, b, file))
		return adac_error_set(err, ADAC_E_IO, "", "path too long");
	if (b->opt->dsp != NULL)
		return adac_write_file(path, b->opt->dsp, strlen(b->opt->dsp), err);
	if (b->opt->warning != NULL) {
		snprintf(note, sizeof note, "NOT VALID, built with --force: %s",
			 b->opt->warning);
		eo.certificate_note = note;
	}
	rc = adac_emit_faust(b->ir, &eo, &text, err);
	if (rc == ADAC_OK)
		rc = adac_write_file(path, text, strlen(text), err);
	free(text);
	return rc;
}

/* faust -a ARCH: NAME.dsp into OUT.cpp (and NAME.dsp.json) */
static int
run_faust(struct build *b, const char *arch, const char *cpp,
	  struct adac_error *err)
{
	char dsp[PATHBUF];
	char *argv[] = { "faust", "-i", "-a", (char *)arch, "-json", "-O",
			 b->tmp, "-o", (char *)cpp, dsp, NULL };

	snprintf(dsp, sizeof dsp, "%s/%s.dsp", b->tmp, b->stem);
	/* our own program failing is faust's fault; a given one, the user's */
	return run(b, argv, b->opt->dsp != NULL ? ADAC_E_INPUT : ADAC_E_DEPENDENCY,
		   err);
}

static const char *
cxx(void)
{
	const char *c = getenv("CXX");

	return c != NULL && c[0] != '\0' ? c : "c++";
}

static int
build_lv2(struct build *b, struct adac_error *err)
{
	char cpp[PATHBUF], so[PATHBUF], def_uri[PATHBUF];
	int rc;

	if ((rc = run_faust(b, "lv2.cpp", "lv2.cpp", err)) != ADAC_OK)
		return rc;
	snprintf(cpp, sizeof cpp, "%s/lv2.cpp", b->tmp);
	snprintf(so, sizeof so, "%s/%s.so", b->tmp, b->stem);
	snprintf(def_uri, sizeof def_uri, "-DPLUGIN_URI=\"%s\"", b->uri);
	{
		/* no MIDI, tuning or voices: an effect with the ports of the RDF */
		char *argv[] = { (char *)cxx(), CXX_FLAGS, "-fPIC", "-shared",
				 "-fvisibility=hidden", "-DFAUST_META=0",
				 "-DFAUST_MIDICC=0", "-DFAUST_MTS=0",
				 "-DFAUST_UI=0", "-DVOICE_CTRLS=0", "-DNVOICES=0",
				 "-DDLLEXT=\".so\"", def_uri, cpp, "-o", so,
				 "-lm", NULL };

		rc = run(b, argv, ADAC_E_DEPENDENCY, err);
	}
	unlink(cpp);
	return rc;
}

static int
build_jack(struct build *b, struct adac_error *err)
{
	char cpp[PATHBUF], prog[PATHBUF];
	int rc;

	if ((rc = run_faust(b, "jack-console.cpp", "jack.cpp", err)) != ADAC_OK)
		return rc;
	snprintf(cpp, sizeof cpp, "%s/jack.cpp", b->tmp);
	snprintf(prog, sizeof prog, "%s/%s", b->tmp, b->stem);
	{
		char *argv[] = { (char *)cxx(), CXX_FLAGS, cpp, "-o", prog,
				 "-ljack", "-lpthread", "-lm", NULL };

		rc = run(b, argv, ADAC_E_DEPENDENCY, err);
	}
	unlink(cpp);
	return rc;
}

/* ---- the RDF ------------------------------------------------------------- */

/* s as a Turtle string literal, quotes included. */
static void
turtle_string(struct adac_buf *o, const char *s)
{
	adac_buf_puts(o, "\"");
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '"': adac_buf_puts(o, "\\\""); break;
		case '\\': adac_buf_puts(o, "\\\\"); break;
		case '\n': adac_buf_puts(o, "\\n"); break;
		case '\r': adac_buf_puts(o, "\\r"); break;
		case '\t': adac_buf_puts(o, "\\t"); break;
		default:
			if ((unsigned char)*s < ' ')
				adac_buf_printf(o, "\\u%04X", (unsigned)*s);
			else
				adac_buf_printf(o, "%c", *s);
		}
	}
	adac_buf_puts(o, "\"");
}

static void
turtle_number(struct adac_buf *o, double x)
{
	char lit[40];

	adac_buf_puts(o, adac_emit_literal(lit, x));
}

/* The units the LV2 units extension names; others get a unit of their own. */
static void
port_unit(struct adac_buf *o, const char *unit)
{
	static const char *const known[][2] = {
		{"s", "s"}, {"ms", "ms"}, {"Hz", "hz"}, {"kHz", "khz"},
		{"dB", "db"}, {"%", "pc"}, {"bpm", "bpm"}, {"cent", "cent"},
		{"semitone", "semitone12TET"}, {"m", "m"}, {"cm", "cm"},
	};
	size_t i;

	if (unit == NULL || unit[0] == '\0')
		return;
	for (i = 0; i < sizeof known / sizeof *known; i++)
		if (strcmp(unit, known[i][0]) == 0) {
			adac_buf_printf(o, "\t\tunits:unit units:%s ;\n", known[i][1]);
			return;
		}
	adac_buf_puts(o, "\t\tunits:unit [\n\t\t\ta units:Unit ;\n\t\t\trdfs:label ");
	turtle_string(o, unit);
	adac_buf_puts(o, " ;\n\t\t\tunits:symbol ");
	turtle_string(o, unit);
	adac_buf_puts(o, " ;\n\t\t\tunits:render ");
	{
		struct adac_buf r = {0};
		char *fmt;

		adac_buf_printf(&r, "%%f %s", unit);
		fmt = adac_buf_take(&r);
		turtle_string(o, fmt != NULL ? fmt : "%f");
		free(fmt);
	}
	adac_buf_puts(o, "\n\t\t] ;\n");
}

/* The unit in a widget's FAUST metadata, "" when none. */
static const char *
widget_unit(const json_t *w)
{
	const json_t *m;
	size_t i;

	json_array_foreach(json_object_get(w, "meta"), i, m)
		if (json_is_string(json_object_get(m, "unit")))
			return json_string_value(json_object_get(m, "unit"));
	return "";
}

/*
 * The control ports in the order lv2.cpp numbers them: the program's
 * widgets depth first, inputs (sliders, buttons, entries) and outputs
 * (bargraphs) alike.
 */
static void
collect_widgets(const json_t *items, json_t *into)
{
	const json_t *w;
	size_t i;

	json_array_foreach(items, i, w) {
		if (json_is_array(json_object_get(w, "items")))
			collect_widgets(json_object_get(w, "items"), into);
		else
			json_array_append(into, (json_t *)w);
	}
}

static void
port_symbol(char *sym, size_t n, const char *label, int index)
{
	size_t i;

	for (i = 0; label[i] != '\0' && i + 1 < n; i++)
		sym[i] = isalnum((unsigned char)label[i]) ? label[i] : '_';
	sym[i] = '\0';
	if (i == 0 || isdigit((unsigned char)sym[0]))
		snprintf(sym, n, "control_%d", index);
}

static void
certificate_rdf(struct build *b, struct adac_buf *o)
{
	const json_t *cert = json_object_get(b->ir->json, "certificate");
	const json_t *v;
	struct adac_buf c = {0};
	char hash[65], *text;
	struct adac_error e;
	size_t i;

	if (adac_ir_hash(b->ir, hash, &e) != ADAC_OK)
		snprintf(hash, sizeof hash, "unknown");
	if (b->opt->warning != NULL)
		adac_buf_printf(&c, "WARNING: NOT CERTIFIED, built with --force: %s. ",
				b->opt->warning);
	if (json_is_object(cert)) {
		adac_buf_printf(&c, "adac certificate: %s",
				str_or(cert, "verdict", "none"));
		if (json_is_number(json_object_get(cert, "bound")))
			adac_buf_printf(&c, ", %s bound %.17g",
					str_or(cert, "method", ""),
					json_number_value(json_object_get(cert, "bound")));
		adac_buf_puts(&c, ", checked for");
		json_array_foreach(json_object_get(cert, "precision"), i, v)
			adac_buf_printf(&c, "%s %s", i ? "," : "", json_is_string(v) ? json_string_value(v) : "");
	} else {
		adac_buf_puts(&c, "adac certificate: none");
	}
	adac_buf_printf(&c, "; IR sha256 %s; built by adac-plugin %s, binary verified equal to the IR",
			hash, ADAC_VERSION);
	text = adac_buf_take(&c);
	adac_buf_puts(o, "\trdfs:comment ");
	turtle_string(o, text != NULL ? text : "");
	adac_buf_puts(o, " ;\n\tadac:irSha256 ");
	turtle_string(o, hash);
	adac_buf_puts(o, " ;\n");
	free(text);
	if (b->opt->warning != NULL) {
		adac_buf_puts(o, "\tadac:warning ");
		turtle_string(o, b->opt->warning);
		adac_buf_puts(o, " ;\n");
	}
	if (!json_is_object(cert))
		return;
	if (json_is_string(json_object_get(cert, "verdict"))) {
		adac_buf_puts(o, "\tadac:verdict ");
		turtle_string(o, json_string_value(json_object_get(cert, "verdict")));
		adac_buf_puts(o, " ;\n");
	}
	if (json_is_string(json_object_get(cert, "method"))) {
		adac_buf_puts(o, "\tadac:method ");
		turtle_string(o, json_string_value(json_object_get(cert, "method")));
		adac_buf_puts(o, " ;\n");
	}
	if (json_is_number(json_object_get(cert, "bound"))) {
		adac_buf_puts(o, "\tadac:bound ");
		turtle_number(o, json_number_value(json_object_get(cert, "bound")));
		adac_buf_puts(o, " ;\n");
	}
	if (json_is_number(json_object_get(cert, "margin_db"))) {
		adac_buf_puts(o, "\tadac:marginDb ");
		turtle_number(o, json_number_value(json_object_get(cert, "margin_db")));
		adac_buf_puts(o, " ;\n");
	}
	json_array_foreach(json_object_get(cert, "precision"), i, v)
		if (json_is_string(v)) {
			adac_buf_puts(o, "\tadac:precision ");
			turtle_string(o, json_string_value(v));
			adac_buf_puts(o, " ;\n");
		}
	if (json_is_string(json_object_get(cert, "version"))) {
		adac_buf_puts(o, "\tadac:certifiedBy ");
		turtle_string(o, json_string_value(json_object_get(cert, "version")));
		adac_buf_puts(o, " ;\n");
	}
}

static int
write_rdf(struct build *b, struct adac_error *err)
{
	struct adac_buf o = {0};
	json_t *widgets = json_array(), *w, *doc = NULL;
	char path[PATHBUF], sym[64], *text = NULL, *buf = NULL;
	const char *type, *label;
	size_t i, len;
	int rc, k, n_in, n_out, port = 0;

	snprintf(path, sizeof path, "%s/%s.dsp.json", b->tmp, b->stem);
	if (widgets == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	if ((rc = adac_read_file(path, 1 << 26, &buf, &len, err)) != ADAC_OK)
		goto out;
	if ((doc = adac_json_load(buf, len, err)) == NULL) {
		rc = err->code;
		goto out;
	}
	unlink(path);
	collect_widgets(json_object_get(doc, "ui"), widgets);
	n_in = (int)json_integer_value(json_object_get(doc, "inputs"));
	n_out = (int)json_integer_value(json_object_get(doc, "outputs"));

	adac_buf_printf(&o, "@prefix lv2: <http://lv2plug.in/ns/lv2core#> .\n"
			"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\n<%s>\n"
			"\ta lv2:Plugin ;\n\tlv2:binary <%s.so> ;\n"
			"\trdfs:seeAlso <%s.ttl> .\n", b->uri, b->stem, b->stem);
	text = adac_buf_take(&o);
	if (text == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	snprintf(path, sizeof path, "%s/manifest.ttl", b->tmp);
	if ((rc = adac_write_file(path, text, strlen(text), err)) != ADAC_OK)
		goto out;
	free(text);
	text = NULL;

	adac_buf_printf(&o, "@prefix adac: <%s> .\n"
			"@prefix doap: <http://usefulinc.com/ns/doap#> .\n"
			"@prefix lv2: <http://lv2plug.in/ns/lv2core#> .\n"
			"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
			"@prefix units: <http://lv2plug.in/ns/extensions/units#> .\n"
			"@prefix urid: <http://lv2plug.in/ns/ext/urid#> .\n\n"
			"<%s>\n\ta lv2:Plugin ;\n\tdoap:name ", ADAC_PLUGIN_NS, b->uri);
	turtle_string(&o, b->opt->name != NULL ? b->opt->name
			  : b->ir->name != NULL ? b->ir->name : b->stem);
	adac_buf_puts(&o, " ;\n\tlv2:requiredFeature urid:map ;\n"
		      "\tlv2:optionalFeature lv2:hardRTCapable ;\n");
	certificate_rdf(b, &o);
	json_array_foreach(widgets, i, w) {
		type = json_string_value(json_object_get(w, "type"));
		label = json_string_value(json_object_get(w, "label"));
		if (type == NULL || label == NULL)
			continue;
		port_symbol(sym, sizeof sym, label, port);
		adac_buf_printf(&o, "\tlv2:port [\n\t\ta %s , lv2:ControlPort ;\n"
				"\t\tlv2:index %d ;\n\t\tlv2:symbol \"%s\" ;\n\t\tlv2:name ",
				strstr(type, "bargraph") ? "lv2:OutputPort" : "lv2:InputPort",
				port, sym);
		turtle_string(&o, label);
		adac_buf_puts(&o, " ;\n");
		if (strcmp(type, "button") == 0 || strcmp(type, "checkbox") == 0) {
			adac_buf_puts(&o, "\t\tlv2:portProperty lv2:toggled ;\n"
				      "\t\tlv2:default 0 ;\n\t\tlv2:minimum 0 ;\n"
				      "\t\tlv2:maximum 1 ;\n");
		} else {
			adac_buf_puts(&o, "\t\tlv2:default ");
			turtle_number(&o, json_number_value(json_object_get(w,
						strstr(type, "bargraph") ? "min" : "init")));
			adac_buf_puts(&o, " ;\n\t\tlv2:minimum ");
			turtle_number(&o, json_number_value(json_object_get(w, "min")));
			adac_buf_puts(&o, " ;\n\t\tlv2:maximum ");
			turtle_number(&o, json_number_value(json_object_get(w, "max")));
			adac_buf_puts(&o, " ;\n");
		}
		port_unit(&o, widget_unit(w));
		adac_buf_puts(&o, "\t] ;\n");
		port++;
	}
	for (k = 0; k < n_in; k++, port++)
		adac_buf_printf(&o, "\tlv2:port [\n\t\ta lv2:InputPort , lv2:AudioPort ;\n"
				"\t\tlv2:index %d ;\n\t\tlv2:symbol \"in%d\" ;\n"
				"\t\tlv2:name \"in%d\"\n\t] ;\n", port, k, k);
	for (k = 0; k < n_out; k++, port++)
		adac_buf_printf(&o, "\tlv2:port [\n\t\ta lv2:OutputPort , lv2:AudioPort ;\n"
				"\t\tlv2:index %d ;\n\t\tlv2:symbol \"out%d\" ;\n"
				"\t\tlv2:name \"out%d\"\n\t] ;\n", port, k, k);
	adac_buf_puts(&o, "\tadac:builtBy \"adac-plugin " ADAC_VERSION "\" .\n");
	text = adac_buf_take(&o);
	if (text == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	snprintf(path, sizeof path, "%s/%s.ttl", b->tmp, b->stem);
	rc = adac_write_file(path, text, strlen(text), err);
out:
	free(text);
	free(buf);
	json_decref(doc);
	json_decref(widgets);
	return rc;
}

/* ---- the whole ----------------------------------------------------------- */

/* A new directory beside out for the build. */
static int
make_tmp(struct build *b, const char *out, struct adac_error *err)
{
	const char *slash = strrchr(out, '/');
	int dirlen = slash == NULL ? 1 : (int)(slash - out);
	mode_t mask;

	if (snprintf(b->tmp, sizeof b->tmp, "%.*s/.%s.adac-plugin.XXXXXX",
		     dirlen == 0 ? 1 : dirlen, slash == NULL ? "." : out,
		     b->stem) >= (int)sizeof b->tmp - 64)
		return adac_error_set(err, ADAC_E_IO, "", "%s: path too long", out);
	if (mkdtemp(b->tmp) == NULL) {
		b->tmp[0] = '\0';
		return adac_error_set(err, ADAC_E_IO, "",
				      "%s: cannot make a directory beside it: %s",
				      out, strerror(errno));
	}
	/* mkdtemp's 0700 would become the bundle's: give it a directory's mode */
	mask = umask(0);
	umask(mask);
	chmod(b->tmp, 0777 & ~mask);
	return ADAC_OK;
}

/* Move the verified build to out, replacing what was there. */
static int
install(struct build *b, const char *out, struct adac_error *err)
{
	char from[PATHBUF], old[PATHBUF];
	struct stat st;

	if (b->opt->format == ADAC_PLUGIN_JACK) {
		snprintf(from, sizeof from, "%s/%s", b->tmp, b->stem);
		if (rename(from, out) != 0)
			return adac_error_set(err, ADAC_E_IO, "", "%s: cannot write: %s",
					      out, strerror(errno));
		return ADAC_OK;
	}
	/* a directory does not replace another: move the old one aside */
	old[0] = '\0';
	if (lstat(out, &st) == 0) {
		if (!S_ISDIR(st.st_mode) || !adac_plugin_is_bundle(out))
			return adac_error_set(err, ADAC_E_IO, "",
					      "%s: exists and is not an LV2 bundle; not replacing it",
					      out);
		snprintf(old, sizeof old, "%s.old", b->tmp);
		if (rename(out, old) != 0)
			return adac_error_set(err, ADAC_E_IO, "", "%s: cannot replace: %s",
					      out, strerror(errno));
	}
	if (rename(b->tmp, out) != 0) {
		int e = errno;

		if (old[0] != '\0')
			rename(old, out);
		return adac_error_set(err, ADAC_E_IO, "", "%s: cannot write: %s",
				      out, strerror(e));
	}
	b->tmp[0] = '\0';
	if (old[0] != '\0')
		adac_remove_tree(old);
	return ADAC_OK;
}

int
adac_plugin_make(const struct adac_ir *ir,
		 const struct adac_plugin_options *opt, const char *out,
		 json_t **report, struct adac_error *err)
{
	struct build b;
	char path[PATHBUF];
	int rc, equal = 0;

	memset(&b, 0, sizeof b);
	b.ir = ir;
	b.opt = opt;
	*report = NULL;
	if ((rc = set_names(&b, err)) != ADAC_OK ||
	    (rc = make_tmp(&b, out, err)) != ADAC_OK ||
	    (rc = write_program(&b, err)) != ADAC_OK)
		goto out;
	/* the JACK program is checked through its LV2 twin: the same C++ */
	if (opt->format == ADAC_PLUGIN_JACK &&
	    (rc = build_jack(&b, err)) != ADAC_OK)
		goto out;
	if ((rc = build_lv2(&b, err)) != ADAC_OK ||
	    (rc = write_rdf(&b, err)) != ADAC_OK)
		goto out;
	if (path_in(path, &b, "build.log") == 0)
		unlink(path);
	rc = adac_plugin_verify(ir, b.tmp, b.uri, report, &equal, err);
	if (rc == ADAC_OK) {
		json_object_set_new(*report, "output", json_string(out));
		json_object_set_new(*report, "uri", json_string(b.uri));
		json_object_set_new(*report, "format", json_string(
			opt->format == ADAC_PLUGIN_JACK ? "jack" : "lv2"));
	}
	if (rc == ADAC_OK && !equal)
		rc = adac_error_set(err, ADAC_E_NEGATIVE, "",
				    "the built plugin is not equal to the IR (%s); nothing written",
				    str_or(*report, "why", "see the report"));
	if (rc == ADAC_OK)
		rc = install(&b, out, err);
out:
	if (b.tmp[0] != '\0')
		adac_remove_tree(b.tmp);
	free(b.uri);
	return rc;
}
