/*
 * plugin.h - adac-plugin's library: an LV2 bundle (or a JACK program)
 * built from a certified IR, and the LV2 host (liblilv) that renders a
 * plugin's impulse responses so that adac-diff compares it with a model.
 *
 * A library of its own, libadac-plugin.a, like live/: libadac and
 * adac.pc depend on no plugin host.  It may include lib/'s headers; lib/
 * never includes plugin/'s.  Functions borrow their arguments; what they
 * return through char ** and json_t ** is new and the caller's.
 *
 * The certificate goes into the plugin's RDF under the project's
 * namespace, ADAC_PLUGIN_NS (man/adac-plugin.1 lists its properties).
 */
#ifndef ADAC_PLUGIN_H
#define ADAC_PLUGIN_H

#include <jansson.h>

#include "error.h"
#include "ir.h"
#include "render.h"
#include "sim.h"

#define ADAC_PLUGIN_NS "https://adac.dev/ns#"
/* a plugin's URI when none is given: this and its name */
#define ADAC_PLUGIN_URI_BASE "https://adac.dev/plugins/"

/* ---- the host ------------------------------------------------------------ */

/* 1 when path is a directory that holds a manifest.ttl: an LV2 bundle. */
int adac_plugin_is_bundle(const char *path);

/*
 * Open the LV2 plugin of the bundle at dir (uri NULL: the bundle must
 * hold exactly one) as a source adac_diff_run() can render: every audio
 * input alone, the plugin instantiated afresh (state cleared) at the
 * rate asked for, a unit impulse at sample 0, in blocks of 256 frames.
 * Control ports take set's values (a setting names a port by its
 * lv2:symbol or its lv2:name, and must lie in its range), else their
 * lv2:default.  set must outlive the source.  ADAC_E_INPUT (no plugin,
 * several, unknown port, value out of range, a port of a kind the host
 * cannot feed, a required feature it lacks), ADAC_E_DEPENDENCY (the
 * plugin does not instantiate), ADAC_E_NOMEM.
 */
int adac_plugin_source_open(const char *dir, const char *uri,
			    const struct adac_setting *set, int n_set,
			    struct adac_source **out, struct adac_error *err);

/* ---- building ------------------------------------------------------------ */

enum adac_plugin_format {
	ADAC_PLUGIN_LV2,	/* a bundle directory */
	ADAC_PLUGIN_JACK,	/* a JACK program (jack-console.cpp) */
};

struct adac_plugin_options {
	enum adac_plugin_format format;
	const char *name;	/* NULL: the IR's name */
	const char *uri;	/* NULL: ADAC_PLUGIN_URI_BASE + name */
	/*
	 * Why the certificate does not hold (--force), written into the RDF
	 * and the program's header; NULL when it holds.
	 */
	const char *warning;
	/*
	 * A FAUST program to build in place of the one the emitter writes
	 * (its text, borrowed): for testing that verification catches a
	 * program that is not the model's.  NULL: emit.
	 */
	const char *dsp;
};

/*
 * Build ir into out: emit the FAUST program, compile it with `faust` and
 * the C++ compiler ($CXX, else c++) in a temporary directory beside out,
 * write the RDF, verify the binary against ir at its design rate (for
 * JACK, the same C++ built as an LV2 plugin beside it), and only then
 * rename it to out (replacing what was there).  *report is the
 * verification's JSON ({"verdict", "positions": [...], ...}), set when
 * verification ran.  Returns ADAC_OK when the binary equals ir at every
 * knob position; ADAC_E_NEGATIVE when it does not (out untouched);
 * ADAC_E_INPUT (a bad name or URI, a --dsp program faust refuses),
 * ADAC_E_DEPENDENCY (faust or the compiler missing or failing), ADAC_E_IO,
 * ADAC_E_NOMEM.  Nothing is left behind on failure.
 */
int adac_plugin_make(const struct adac_ir *ir,
		     const struct adac_plugin_options *opt, const char *out,
		     json_t **report, struct adac_error *err);

/*
 * Verify the LV2 plugin of the bundle at dir (uri NULL: its only one)
 * against ir: adac-diff's comparison and float tolerance, at ir's rate,
 * at the controls' defaults and, when ir has controls, at all of them at
 * their minimum and at their maximum.  *report as above, *equal 1 when
 * every position is equal.  ADAC_OK, or what opening and rendering
 * return.
 */
int adac_plugin_verify(const struct adac_ir *ir, const char *dir,
		       const char *uri, json_t **report, int *equal,
		       struct adac_error *err);

#endif
