#include "render.h"

#include "file.h"
#include "model.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audio.h"
#include "ir.h"
#include "sim.h"

struct adac_source {
	enum adac_source_kind kind;
	struct adac_render_options opt;
	struct adac_ir *ir;
	struct adac_faust *dsp;
	struct adac_response *audio;	/* the whole file, shaped */
	int audio_double;
	struct adac_source_host host;
};

void
adac_render_options_init(struct adac_render_options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->block_size = ADAC_RENDER_DEFAULT_BLOCK;
	opt->fs_hz = ADAC_RENDER_DEFAULT_FS_HZ;
}

static int
has_ext(const char *name, const char *ext)
{
	const char *dot = strrchr(name, '.');

	return dot != NULL && strchr(dot, '/') == NULL &&
	       strcasecmp(dot + 1, ext) == 0;
}

enum adac_source_kind
adac_source_detect(const char *name, const char *buf, size_t len)
{
	static const char *const audio_ext[] = {
		"wav", "flac", "aif", "aiff", "au", "caf", "w64", "rf64", "ogg",
	};
	static const char *const magic[] = {
		"RIFF", "RF64", "FORM", "fLaC", "OggS", ".snd", "caff", "riff",
	};
	size_t i;

	if (name != NULL) {
		if (has_ext(name, "json"))
			return ADAC_SOURCE_IR;
		if (has_ext(name, "dsp") || has_ext(name, "lib"))
			return ADAC_SOURCE_DSP;
		for (i = 0; i < sizeof audio_ext / sizeof *audio_ext; i++)
			if (has_ext(name, audio_ext[i]))
				return ADAC_SOURCE_AUDIO;
	}
	for (i = 0; i < sizeof magic / sizeof *magic; i++)
		if (len >= 4 && memcmp(buf, magic[i], 4) == 0)
			return ADAC_SOURCE_AUDIO;
	for (i = 0; i < len && isspace((unsigned char)buf[i]); i++)
		;
	if (i < len && buf[i] == '{')
		return ADAC_SOURCE_IR;
	return ADAC_SOURCE_DSP;
}

/* ---- FAUST programs ------------------------------------------------------ */

/* The program's name: the base name without extension, if a usable one. */
static char *
program_name(const char *path)
{
	const char *base = strrchr(path, '/');
	char *name, *dot, *p;

	name = strdup(base != NULL ? base + 1 : path);
	if (name == NULL)
		return NULL;
	dot = strrchr(name, '.');
	if (dot != NULL && dot != name)
		*dot = '\0';
	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' &&
		    *p != '.')
			break;
	if (*p != '\0' || name[0] == '\0') {
		free(name);
		name = strdup("dsp");
	}
	return name;
}

static int
apply_settings(struct adac_source *s, struct adac_error *err)
{
	const struct adac_setting *st;
	double min, max;
	int k, i;

	for (k = 0; k < s->opt.n_set; k++) {
		st = &s->opt.set[k];
		i = adac_faust_param_lookup(s->dsp, st->name);
		if (i == -1)
			return adac_error_set(err, ADAC_E_INPUT, "",
					      "no parameter '%s' (no address ends in /%s)",
					      st->name, st->name);
		if (i < 0)
			return adac_error_set(err, ADAC_E_INPUT, "",
					      "several parameters end in /%s: give the full address",
					      st->name);
		adac_faust_param_range(s->dsp, i, &min, &max, NULL, NULL);
		/* the program holds its range in float: compare in float */
		if ((float)st->value < (float)min || (float)st->value > (float)max)
			return adac_error_set(err, ADAC_E_INPUT, "",
					      "%s = %.17g is outside [%.9g, %.9g]",
					      adac_faust_param_address(s->dsp, i),
					      st->value, min, max);
		adac_faust_param_set(s->dsp, i, st->value);
	}
	return ADAC_OK;
}

static int
open_dsp(struct adac_source *s, const char *name, const char *buf,
	 struct adac_error *err)
{
	struct adac_faust_options fo;
	char *pname = NULL, *dir = NULL, *slash;
	int rc;

	if (s->opt.faust != NULL)
		fo = *s->opt.faust;
	else
		adac_faust_options_init(&fo);
	fo.double_precision = s->opt.double_precision;
	if (s->opt.fs_hz <= 0 || s->opt.fs_hz > 1e7 ||
	    s->opt.fs_hz != floor(s->opt.fs_hz))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "sample rate %g Hz is not a positive whole number",
				      s->opt.fs_hz);
	pname = program_name(name);
	if (pname == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	slash = strrchr(name, '/');
	if (fo.include_dir == NULL && slash != NULL) {
		dir = strndup(name, slash == name ? 1 : (size_t)(slash - name));
		if (dir == NULL) {
			rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
			goto out;
		}
		fo.include_dir = dir;
	}
	rc = adac_faust_compile(pname, buf, &fo, (int)s->opt.fs_hz, &s->dsp, err);
	if (rc == ADAC_OK)
		rc = apply_settings(s, err);
out:
	free(pname);
	free(dir);
	return rc;
}

/* ---- sources ------------------------------------------------------------- */

int
adac_source_open_mem(const char *name, const char *buf, size_t len,
		     const struct adac_render_options *opt,
		     struct adac_source **out, struct adac_error *err)
{
	struct adac_source *s;
	struct adac_setting *values = NULL;
	int rc = ADAC_OK;

	s = calloc(1, sizeof *s);
	if (s == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	if (opt != NULL)
		s->opt = *opt;
	else
		adac_render_options_init(&s->opt);
	if (s->opt.block_size <= 0)
		s->opt.block_size = ADAC_RENDER_DEFAULT_BLOCK;
	s->kind = adac_source_detect(name, buf, len);
	switch (s->kind) {
	case ADAC_SOURCE_IR:
		rc = adac_model_load(buf, len, &s->ir, err);
		if (rc != ADAC_OK)
			break;
		/* check the settings now, not after a long render */
		values = calloc((size_t)s->ir->n_controls + 1, sizeof *values);
		if (values == NULL) {
			rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
			break;
		}
		rc = adac_sim_resolve(s->ir, s->opt.set, s->opt.n_set, values, err);
		break;
	case ADAC_SOURCE_DSP:
		if (memchr(buf, '\0', len) != NULL) {
			rc = adac_error_set(err, ADAC_E_INPUT, "",
					    "a FAUST program holds no NUL byte");
			break;
		}
		rc = open_dsp(s, name, buf, err);
		break;
	case ADAC_SOURCE_AUDIO:
		/* one input: a channel per path, shaped later by adac_source_shape() */
		rc = adac_audio_decode(buf, len, 1, 0, 0, &s->audio,
				       &s->audio_double, err);
		break;
	case ADAC_SOURCE_HOST:	/* not detected from bytes */
		break;
	}
	free(values);
	if (rc != ADAC_OK) {
		adac_source_free(s);
		return rc;
	}
	*out = s;
	return ADAC_OK;
}

int
adac_source_open(const char *path, const struct adac_render_options *opt,
		 struct adac_source **out, struct adac_error *err)
{
	char *buf;
	size_t n;
	int rc;

	if ((rc = adac_read_file(path, ADAC_MAX_INPUT_BYTES, &buf, &n,
				   err)) != ADAC_OK)
		return rc;
	rc = adac_source_open_mem(path, buf, n, opt, out, err);
	free(buf);
	return rc;
}

int
adac_source_new_host(const struct adac_source_host *host,
		     struct adac_source **out, struct adac_error *err)
{
	struct adac_source *s = calloc(1, sizeof *s);

	if (s == NULL) {
		if (host->free != NULL)
			host->free(host->ctx);
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	}
	s->kind = ADAC_SOURCE_HOST;
	adac_render_options_init(&s->opt);
	s->host = *host;
	*out = s;
	return ADAC_OK;
}

void
adac_source_free(struct adac_source *s)
{
	if (s == NULL)
		return;
	if (s->kind == ADAC_SOURCE_HOST && s->host.free != NULL)
		s->host.free(s->host.ctx);
	adac_ir_free(s->ir);
	adac_faust_free(s->dsp);
	adac_response_free(s->audio);
	free(s);
}

enum adac_source_kind
adac_source_kind(const struct adac_source *s)
{
	return s->kind;
}

double
adac_source_fs_hz(const struct adac_source *s)
{
	switch (s->kind) {
	case ADAC_SOURCE_IR: return s->ir->fs_hz;
	case ADAC_SOURCE_AUDIO: return s->audio->fs_hz;
	case ADAC_SOURCE_HOST: return s->host.fs_hz;
	case ADAC_SOURCE_DSP: break;
	}
	return 0;
}

long
adac_source_length(const struct adac_source *s)
{
	return s->kind == ADAC_SOURCE_AUDIO ? s->audio->length : -1;
}

int
adac_source_inputs(const struct adac_source *s)
{
	switch (s->kind) {
	case ADAC_SOURCE_IR: return s->ir->inputs;
	case ADAC_SOURCE_DSP: return adac_faust_inputs(s->dsp);
	case ADAC_SOURCE_HOST: return s->host.inputs;
	case ADAC_SOURCE_AUDIO: break;
	}
	return s->audio->inputs;
}

int
adac_source_outputs(const struct adac_source *s)
{
	switch (s->kind) {
	case ADAC_SOURCE_IR: return s->ir->outputs;
	case ADAC_SOURCE_DSP: return adac_faust_outputs(s->dsp);
	case ADAC_SOURCE_HOST: return s->host.outputs;
	case ADAC_SOURCE_AUDIO: break;
	}
	return s->audio->outputs;
}

int
adac_source_is_double(const struct adac_source *s)
{
	switch (s->kind) {
	case ADAC_SOURCE_IR: return 1;
	case ADAC_SOURCE_DSP: return adac_faust_is_double(s->dsp);
	case ADAC_SOURCE_HOST: return s->host.is_double;
	case ADAC_SOURCE_AUDIO: break;
	}
	return s->audio_double;
}

struct adac_faust *
adac_source_faust(struct adac_source *s)
{
	return s->dsp;
}

int
adac_source_shape(struct adac_source *s, int inputs, int outputs,
		  struct adac_error *err)
{
	int paths = adac_source_inputs(s) * adac_source_outputs(s);

	if (s->kind != ADAC_SOURCE_AUDIO) {
		if (adac_source_inputs(s) != inputs || adac_source_outputs(s) != outputs)
			return adac_error_set(err, ADAC_E_INPUT, "",
					      "has %d inputs and %d outputs, not %d and %d",
					      adac_source_inputs(s),
					      adac_source_outputs(s), inputs, outputs);
		return ADAC_OK;
	}
	if (inputs <= 0 || outputs <= 0 || (long)inputs * outputs != paths)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "has %d channels, not one per path (%d inputs × %d outputs = %ld)",
				      paths, inputs, outputs, (long)inputs * outputs);
	/* the layout is path-major already: only the shape changes */
	s->audio->inputs = inputs;
	s->audio->outputs = outputs;
	return ADAC_OK;
}

int
adac_render_faust(struct adac_faust *dsp, long length, int block,
		  void (*progress)(void *ctx, double done), void *ctx,
		  struct adac_response **out, struct adac_error *err)
{
	return adac_render_faust_signal(dsp, length, NULL, block, progress,
					ctx, out, err);
}

int
adac_render_faust_signal(struct adac_faust *dsp, long length, const double *x,
			 int block, void (*progress)(void *ctx, double done),
			 void *ctx, struct adac_response **out,
			 struct adac_error *err)
{
	int ni = adac_faust_inputs(dsp), no = adac_faust_outputs(dsp);
	int dbl = adac_faust_is_double(dsp), i, o, k;
	size_t sz = dbl ? sizeof(double) : sizeof(float);
	struct adac_response *r = NULL;
	void **in = NULL, **outs = NULL;
	long s, n, next_report = 65536;
	int rc = ADAC_OK;

	if (ni <= 0)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "the program has no inputs: an impulse response needs one");
	if (no <= 0)
		return adac_error_set(err, ADAC_E_INPUT, "", "the program has no outputs");
	if (length < 0)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "impulse length %ld is negative", length);
	if (block <= 0)
		block = ADAC_RENDER_DEFAULT_BLOCK;
	r = adac_response_new(ni, no, length, adac_faust_fs_hz(dsp));
	in = calloc((size_t)ni, sizeof *in);
	outs = calloc((size_t)no, sizeof *outs);
	if (r == NULL || in == NULL || outs == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "",
				    "out of memory for %d × %d paths of %ld samples",
				    ni, no, length);
		goto out;
	}
	for (i = 0; i < ni; i++)
		if ((in[i] = calloc((size_t)block, sz)) == NULL)
			goto nomem;
	for (o = 0; o < no; o++)
		if ((outs[o] = calloc((size_t)block, sz)) == NULL)
			goto nomem;
	for (i = 0; i < ni; i++) {
		adac_faust_clear(dsp);
		for (s = 0; s < length; s += block) {
			k = length - s < block ? (int)(length - s) : block;
			/* a unit impulse on input i at sample 0, zero after */
			if (x == NULL && dbl)
				((double *)in[i])[0] = s == 0 ? 1.0 : 0.0;
			else if (x == NULL)
				((float *)in[i])[0] = s == 0 ? 1.0f : 0.0f;
			/* or the signal, on input i alone */
			for (n = 0; x != NULL && n < k; n++)
				if (dbl)
					((double *)in[i])[n] = x[s + n];
				else
					((float *)in[i])[n] = (float)x[s + n];
			adac_faust_compute(dsp, k, in, outs);
			for (o = 0; o < no; o++) {
				double *p = adac_response_path(r, i, o) + s;

				if (dbl)
					memcpy(p, outs[o], (size_t)k * sizeof *p);
				else
					for (n = 0; n < k; n++)
						p[n] = ((float *)outs[o])[n];
			}
			if (progress != NULL && (long)i * length + s + k >= next_report) {
				next_report += 65536;
				progress(ctx, ((double)i * length + s + k) /
					      ((double)ni * length));
			}
		}
		/* silence on input i while the others take their turn */
		memset(in[i], 0, (size_t)block * sz);
	}
	if (progress != NULL)
		progress(ctx, 1.0);
	*out = r;
	r = NULL;
	goto out;
nomem:
	rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
out:
	if (in != NULL)
		for (i = 0; i < ni; i++)
			free(in[i]);
	if (outs != NULL)
		for (o = 0; o < no; o++)
			free(outs[o]);
	free(in);
	free(outs);
	adac_response_free(r);
	return rc;
}

int
adac_source_render(struct adac_source *s, long length, double fs_hz,
		   struct adac_response **out, struct adac_error *err)
{
	return adac_source_render_progress(s, length, fs_hz, s->opt.progress,
					   s->opt.progress_ctx, out, err);
}

int
adac_source_render_progress(struct adac_source *s, long length, double fs_hz,
			    void (*progress)(void *ctx, double done),
			    void *ctx, struct adac_response **out,
			    struct adac_error *err)
{
	return adac_source_render_signal(s, length, fs_hz, NULL, progress, ctx,
					 out, err);
}

static int
has_nl(const struct adac_node *n, void *arg)
{
	(void)arg;
	return n->op == ADAC_OP_NONLINEAR;
}

int
adac_source_is_nonlinear(const struct adac_source *s)
{
	return s->kind == ADAC_SOURCE_IR &&
	       adac_ir_walk(s->ir->graph, has_nl, NULL, NULL) != ADAC_OK;
}

static int
has_mod(const struct adac_node *n, void *arg)
{
	(void)arg;
	return n->op == ADAC_OP_MODDELAY;
}

int
adac_source_is_time_varying(const struct adac_source *s)
{
	return s->kind == ADAC_SOURCE_IR &&
	       adac_ir_walk(s->ir->graph, has_mod, NULL, NULL) != ADAC_OK;
}

int
adac_source_render_signal(struct adac_source *s, long length, double fs_hz,
			  const double *x,
			  void (*progress)(void *ctx, double done),
			  void *ctx, struct adac_response **out,
			  struct adac_error *err)
{
	struct adac_response *r;
	int i, o;

	if (length < 0)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "impulse length %ld is negative", length);
	if ((double)adac_source_inputs(s) * adac_source_outputs(s) *
	    (double)length > (double)ADAC_RESPONSE_MAX_SAMPLES)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "%d × %d paths of %ld samples are more than the limit of %ld samples in all (-n renders fewer)",
				      adac_source_inputs(s), adac_source_outputs(s),
				      length, ADAC_RESPONSE_MAX_SAMPLES);
	if (s->kind != ADAC_SOURCE_DSP && adac_source_fs_hz(s) != 0 &&
	    adac_source_fs_hz(s) != fs_hz)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "runs at %.17g Hz, not %.17g Hz",
				      adac_source_fs_hz(s), fs_hz);
	switch (s->kind) {
	case ADAC_SOURCE_IR:
		return adac_sim_drive(s->ir, length, x, s->opt.set,
				      s->opt.n_set, progress, ctx, out, err);
	case ADAC_SOURCE_DSP:
		if (fs_hz <= 0 || fs_hz > 1e7 || fs_hz != floor(fs_hz))
			return adac_error_set(err, ADAC_E_INPUT, "",
					      "a FAUST program cannot run at %.17g Hz",
					      fs_hz);
		if (adac_faust_fs_hz(s->dsp) != (int)fs_hz)
			adac_faust_set_fs(s->dsp, (int)fs_hz);
		return adac_render_faust_signal(s->dsp, length, x,
						s->opt.block_size, progress,
						ctx, out, err);
	case ADAC_SOURCE_HOST:
		/* a host renders impulse responses, path by path */
		if (x != NULL)
			return adac_error_set(err, ADAC_E_INPUT, "",
					      "is a plugin: it is compared by its impulse responses only (compare it with --signal impulse)");
		return s->host.render(s->host.ctx, length, fs_hz, progress, ctx,
				      out, err);
	case ADAC_SOURCE_AUDIO:
		break;
	}
	if (x != NULL)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "is an audio file: it cannot be driven by a test signal (compare it with --signal impulse)");
	if (length > s->audio->length)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "holds %ld samples, fewer than the %ld compared",
				      s->audio->length, length);
	r = adac_response_new(s->audio->inputs, s->audio->outputs, length,
			      s->audio->fs_hz);
	if (r == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	for (i = 0; i < r->inputs; i++)
		for (o = 0; o < r->outputs; o++)
			memcpy(adac_response_path(r, i, o),
			       adac_response_path(s->audio, i, o),
			       (size_t)length * sizeof *r->h);
	*out = r;
	return ADAC_OK;
}

int
adac_source_render_noisy(struct adac_source *s, long length, double fs_hz,
			 struct adac_response **out, struct adac_error *err)
{
	return adac_source_render_noisy_signal(s, length, fs_hz, NULL, out,
					       err);
}

int
adac_source_render_noisy_signal(struct adac_source *s, long length,
				double fs_hz, const double *x,
				struct adac_response **out,
				struct adac_error *err)
{
	if (s->kind != ADAC_SOURCE_IR)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "only an IR has a noise model");
	if (adac_source_fs_hz(s) != fs_hz)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "runs at %.17g Hz, not %.17g Hz",
				      adac_source_fs_hz(s), fs_hz);
	return adac_sim_drive_noisy(s->ir, length, x, s->opt.set, s->opt.n_set,
				    out, err);
}
