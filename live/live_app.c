#include "live_app.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "live_mdns.h"
#include "live_serve.h"
#include "live_watch.h"

void
adac_live_opts_init(struct adac_live_opts *o)
{
	memset(o, 0, sizeof *o);
	adac_live_driver_config_init(&o->driver);
	adac_live_config_init(&o->engine);
	o->seconds = -1;
	o->wait_ms = 2000;
	o->listen = "127.0.0.1:5500";
	o->osc_port = "5510";
	o->max_body = 1L << 20;
	o->announce = 1;
}

static void
say(const struct adac_live_opts *o, enum adac_live_say kind, const char *line)
{
	if (o->say != NULL && line != NULL)
		o->say(o->ctx, kind, line);
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- run ------------------------------------------------------------ */

static void
on_upgrade(const struct adac_live_report *rep, void *ctx)
{
	const struct adac_live_opts *o = ctx;
	char *line = adac_live_report_json(rep, o->path);

	say(o, ADAC_LIVE_SAY_LOG, line);
	free(line);
}

static void
on_mute(const struct adac_live_mute *m, void *ctx)
{
	const struct adac_live_opts *o = ctx;
	char *line = adac_live_mute_json(m), msg[256];

	if (m->nonfinite)
		snprintf(msg, sizeof msg, "program %llu muted: its output is not "
			 "finite; it stays silent until another program loads",
			 (unsigned long long)m->id);
	else
		snprintf(msg, sizeof msg, "program %llu muted: its output reached "
			 "%+.1f dBFS, above the %+g dBFS limit (--max-level-db); "
			 "it stays silent until another program loads",
			 (unsigned long long)m->id, 20 * log10(m->peak), m->limit_db);
	say(o, ADAC_LIVE_SAY_WARN, msg);
	say(o, ADAC_LIVE_SAY_LOG, line);
	free(line);
}

struct follower {
	const struct adac_live_opts *o;
	struct adac_live *live;
	struct adac_live_watch *watch;
	atomic_int stop;
	int rc;
	struct adac_error err;
	int reloads, failed;
	pthread_t thread;
};

static void
on_report(const struct adac_live_report *rep, void *ctx)
{
	struct follower *f = ctx;
	char *line, msg[ADAC_TEXT_MAX + 256];

	/* a write of the same text is not a reload, nor one cut short by a stop */
	if (rep->status == ADAC_LIVE_UNCHANGED ||
	    rep->limit == ADAC_FAUST_LIMIT_CANCELLED)
		return;
	f->reloads++;
	if (rep->status == ADAC_LIVE_FAILED) {
		f->failed++;
		snprintf(msg, sizeof msg, "%s: %s; the previous program keeps running",
			 f->o->path, rep->error.text);
		say(f->o, ADAC_LIVE_SAY_WARN, msg);
	}
	line = adac_live_report_json(rep, f->o->path);
	say(f->o, ADAC_LIVE_SAY_LOG, line);
	free(line);
}

static void *
follow_thread(void *arg)
{
	struct follower *f = arg;

	f->rc = adac_live_follow(f->live, f->watch, f->o->path, f->o->wait_ms,
				 &f->stop, on_report, f, &f->err);
	return NULL;
}

/*
 * Compile the first program (its compile error is the run's), apply the
 * initial values and say nothing: the first load is not a reload.
 */
static int
first_load(const struct adac_live_opts *o, struct adac_live *live,
	   const char *source, double *compile_ms, struct adac_error *err)
{
	struct adac_live_report rep;
	char *name = adac_live_name(o->path);
	int rc, i;

	if (name == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	rc = adac_live_load(live, name, source, 0, 0, 0, &rep);
	free(name);
	if (rep.limit == ADAC_FAUST_LIMIT_CANCELLED)
		return adac_error_set(err, ADAC_E_IO, "",
				      "interrupted while compiling, before the program ran");
	if (rc == ADAC_OK && rep.status == ADAC_LIVE_FAILED)
		rc = ADAC_E_INPUT;
	if (rc != ADAC_OK) {
		*err = rep.error;
		err->code = rc;
		return rc;
	}
	*compile_ms = rep.compile_ms;
	for (i = 0; i < o->n_sets; i++) {
		double v;

		if ((rc = adac_live_param_set(live, o->sets[i].address,
					      o->sets[i].value, &v, err)) != ADAC_OK)
			return rc;
		if (v != o->sets[i].value) {
			char msg[512];

			snprintf(msg, sizeof msg,
				 "--set %.200s=%.17g: outside the control's range, set to %.17g",
				 o->sets[i].address, o->sets[i].value, v);
			say(o, ADAC_LIVE_SAY_WARN, msg);
		}
	}
	return ADAC_OK;
}

/*
 * Watch o->path from now on (so that no write after this returns is
 * missed), follow it on a thread and say the "start" line.
 */
static int
start_following(const struct adac_live_opts *o, struct adac_live *live,
		double compile_ms, struct follower *f, struct adac_error *err)
{
	json_t *j;
	char *s;
	int in, out, rc;

	f->o = o;
	f->live = live;
	if ((rc = adac_live_watch_new(o->path, &f->watch, err)) != ADAC_OK)
		return rc;
	/* said before the thread starts: "start" is the first line, always */
	adac_live_io(live, &in, &out);
	j = json_pack("{s:s,s:s,s:i,s:i,s:I,s:s,s:f}", "event", "start",
		      "file", o->path, "inputs", in, "outputs", out,
		      "id", (json_int_t)adac_live_running_id(live), "backend",
		      o->engine.faust.backend == ADAC_FAUST_LLVM ? "llvm" : "interp",
		      "compile_ms", round(compile_ms * 1000) / 1000);
	s = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER |
				   JSON_REAL_PRECISION(12)) : NULL;
	say(o, ADAC_LIVE_SAY_LOG, s);
	free(s);
	json_decref(j);
	if (pthread_create(&f->thread, NULL, follow_thread, f) != 0) {
		adac_live_watch_free(f->watch);
		f->watch = NULL;
		return adac_error_set(err, ADAC_E_DEPENDENCY, "",
				      "cannot start the watcher thread");
	}
	return ADAC_OK;
}

static void
stop_following(struct follower *f)
{
	atomic_store(&f->stop, 1);
	pthread_join(f->thread, NULL);
	adac_live_watch_free(f->watch);
	f->watch = NULL;
}

static char *
end_line(struct adac_live *live, int reloads, int failed)
{
	struct adac_live_stats st;
	json_t *o;
	char *s;

	adac_live_stats(live, &st);
	o = json_pack("{s:s,s:I,s:I,s:f,s:f,s:i,s:i,s:i,s:i}", "event", "end",
		      "frames", (json_int_t)st.frames,
		      "nonfinite", (json_int_t)st.nonfinite,
		      "peak", st.peak, "max_step", st.max_step,
		      "swaps", st.swaps, "reloads", reloads, "failed", failed,
		      "muted", st.muted);
	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
			  JSON_REAL_PRECISION(9));
	json_decref(o);
	return s;
}

int
adac_live_app_run(const struct adac_live_opts *o, struct adac_error *err)
{
	struct adac_live_driver_config dcfg = o->driver;
	struct adac_live_driver *drv = NULL;
	struct adac_live_config ecfg = o->engine;
	struct adac_live *live = NULL;
	struct follower f;
	struct adac_error e2;
	char *source = NULL, *line, *client = NULL;
	double ms = -1;
	int rc, in, out, following = 0;

	memset(&f, 0, sizeof f);
	rc = adac_live_read_source(o->path, &source, NULL, err);
	if (rc != ADAC_OK)
		goto out;
	/* a JACK client is named after the program: "fdn16:out_1" */
	if (dcfg.kind == ADAC_LIVE_DRIVER_JACK && strcmp(dcfg.name, "adac-live") == 0 &&
	    (client = adac_live_name(o->path)) != NULL)
		dcfg.name = client;
	rc = adac_live_driver_open(&dcfg, &drv, err);
	if (rc != ADAC_OK)
		goto out;
	ecfg.fs_hz = adac_live_driver_fs(drv);
	ecfg.inputs = adac_live_driver_inputs(drv);
	ecfg.outputs = -1;
	ecfg.on_upgrade = on_upgrade;
	ecfg.on_mute = on_mute;
	ecfg.ctx = (void *)o;
	/* a signal stops a compile at once, even the first */
	ecfg.faust.cancel = o->stop;
	if (ecfg.max_block < dcfg.block && dcfg.kind != ADAC_LIVE_DRIVER_JACK)
		ecfg.max_block = dcfg.block;
	/* the frame count of --seconds is known only now that the rate is */
	if (o->seconds >= 0)
		adac_live_driver_set_frames(drv, llround(o->seconds * ecfg.fs_hz));
	if ((rc = adac_live_new(&ecfg, &live, err)) != ADAC_OK)
		goto out;
	if ((rc = first_load(o, live, source, &ms, err)) != ADAC_OK)
		goto out;
	adac_live_channels(live, &in, &out);
	if ((rc = adac_live_driver_start(drv, live, in, out, err)) != ADAC_OK)
		goto out;
	if ((rc = start_following(o, live, ms, &f, err)) != ADAC_OK)
		goto stop;
	following = 1;
	while (!atomic_load(o->stop) && !adac_live_driver_done(drv))
		sleep_ms(5);
stop:
	adac_live_stop(live);	/* no upgrade line after the end line */
	if (following) {
		stop_following(&f);
		if (f.rc != ADAC_OK && rc == ADAC_OK) {
			*err = f.err;
			rc = f.rc;
		}
	}
	if (adac_live_driver_stop(drv, rc == ADAC_OK, &e2) != ADAC_OK &&
	    rc == ADAC_OK) {
		*err = e2;
		rc = e2.code;
	}
	/* what the safety stage did last is said before the end */
	adac_live_poll(live);
	if (rc == ADAC_OK) {
		line = end_line(live, f.reloads, f.failed);
		say(o, ADAC_LIVE_SAY_LOG, line);
		free(line);
	}
out:
	adac_live_driver_free(drv);
	adac_live_free(live);
	free(source);
	free(client);
	return rc;
}

/* ---- serve ------------------------------------------------------------ */

static void
on_http_load(const struct adac_live_report *rep, void *ctx)
{
	const struct adac_live_opts *o = ctx;
	char *line = adac_live_report_json(rep, NULL);

	say(o, ADAC_LIVE_SAY_LOG, line);
	free(line);
}

static void
on_announced(void *ctx, const char *name)
{
	const struct adac_live_opts *o = ctx;
	json_t *j = json_pack("{s:s,s:s,s:s}", "event", "announced",
			      "name", name, "type", ADAC_LIVE_MDNS_TYPE);
	char *s = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER)
			    : NULL;

	say(o, ADAC_LIVE_SAY_LOG, s);
	free(s);
	json_decref(j);
}

static void
on_not_announced(void *ctx, const char *why)
{
	const struct adac_live_opts *o = ctx;
	char line[700];

	snprintf(line, sizeof line, "not announced over DNS-SD (%s); serving "
		 "anyway", why);
	say(o, ADAC_LIVE_SAY_WARN, line);
}

/*
 * Announce the service; a failure is said once and never stops serve,
 * which is reached by its URL as before.
 */
static void
announce(const struct adac_live_opts *o, struct adac_live_http *http,
	 struct adac_live_osc *osc, struct adac_live_mdns **mdns)
{
	struct adac_live_mdns_service s;
	struct adac_error err;
	const char *slash;

	memset(&s, 0, sizeof s);
	s.name = o->name;
	s.listen_host = adac_live_http_host(http);
	s.port = adac_live_http_port(http);
	s.token = o->token != NULL;
	s.osc_port = osc != NULL ? adac_live_osc_port(osc) : 0;
	if (o->path != NULL)
		s.program = (slash = strrchr(o->path, '/')) != NULL ? slash + 1
								    : o->path;
	if (adac_live_mdns_announce(&s, on_announced, on_not_announced,
				    (void *)o, mdns, &err) != ADAC_OK)
		on_not_announced((void *)o, err.text);
}

static int
start_services(const struct adac_live_opts *o, struct adac_live *live,
	       struct adac_live_http **http, struct adac_live_osc **osc,
	       struct adac_error *err)
{
	struct adac_live_http_config hc;
	char line[600], *qr;
	int rc;

	memset(&hc, 0, sizeof hc);
	hc.listen = o->listen;
	hc.token = o->token;
	hc.max_body = o->max_body;
	hc.max_connections = o->connections;
	hc.on_load = on_http_load;
	hc.ctx = (void *)o;
	if ((rc = adac_live_http_start(live, &hc, http, err)) != ADAC_OK)
		return rc;
	if (o->osc_port != NULL &&
	    (rc = adac_live_osc_start(live, o->osc_port, osc, err)) != ADAC_OK)
		return rc;
	snprintf(line, sizeof line, "%s%s%s", adac_live_http_url(*http),
		 o->token != NULL ? "?token=" : "", o->token != NULL ? o->token : "");
	say(o, ADAC_LIVE_SAY_INFO, line);
	if (o->qr && adac_live_qr(line, &qr, err) == ADAC_OK) {
		say(o, ADAC_LIVE_SAY_INFO, qr);
		free(qr);
	}
	if (*osc != NULL) {
		snprintf(line, sizeof line, "osc://127.0.0.1:%d/",
			 adac_live_osc_port(*osc));
		say(o, ADAC_LIVE_SAY_INFO, line);
	}
	return ADAC_OK;
}

int
adac_live_app_serve(const struct adac_live_opts *o, struct adac_error *err)
{
	struct adac_live_driver_config dcfg = o->driver;
	struct adac_live_driver *drv = NULL;
	struct adac_live_config ecfg = o->engine;
	struct adac_live *live = NULL;
	struct adac_live_http *http = NULL;
	struct adac_live_osc *osc = NULL;
	struct adac_live_mdns *mdns = NULL;
	struct follower f;
	struct adac_error e2;
	char *source = NULL;
	double ms = -1;
	int rc, in, out, following = 0, started = 0;

	memset(&f, 0, sizeof f);
	if (o->path != NULL &&
	    (rc = adac_live_read_source(o->path, &source, NULL, err)) != ADAC_OK)
		goto out;
	if ((rc = adac_live_driver_open(&dcfg, &drv, err)) != ADAC_OK)
		goto out;
	ecfg.fs_hz = adac_live_driver_fs(drv);
	ecfg.on_upgrade = on_upgrade;
	ecfg.on_mute = on_mute;
	ecfg.ctx = (void *)o;
	ecfg.faust.cancel = o->stop;
	in = adac_live_driver_inputs(drv);
	/* without a first program, a JACK client gets two ins and two outs */
	ecfg.inputs = source != NULL ? in : in < 0 ? 2 : in;
	ecfg.outputs = source != NULL ? -1 : 2;
	if (ecfg.max_block < dcfg.block && dcfg.kind != ADAC_LIVE_DRIVER_JACK)
		ecfg.max_block = dcfg.block;
	if (o->seconds >= 0)
		adac_live_driver_set_frames(drv, llround(o->seconds * ecfg.fs_hz));
	if ((rc = adac_live_new(&ecfg, &live, err)) != ADAC_OK)
		goto out;
	if (source != NULL && (rc = first_load(o, live, source, &ms, err)) != ADAC_OK)
		goto out;
	adac_live_channels(live, &in, &out);
	if ((rc = adac_live_driver_start(drv, live, in, out, err)) != ADAC_OK)
		goto out;
	started = 1;
	if ((rc = start_services(o, live, &http, &osc, err)) != ADAC_OK)
		goto stop;
	if (o->announce)
		announce(o, http, osc, &mdns);
	if (o->path != NULL) {
		if ((rc = start_following(o, live, ms, &f, err)) != ADAC_OK)
			goto stop;
		following = 1;
	}
	while (!atomic_load(o->stop) && !adac_live_driver_done(drv)) {
		adac_live_poll(live);
		sleep_ms(10);
	}
stop:
	adac_live_mdns_stop(mdns);
	adac_live_stop(live);
	adac_live_osc_stop(osc);
	adac_live_http_stop(http);
	if (following)
		stop_following(&f);
	if (started && adac_live_driver_stop(drv, rc == ADAC_OK, &e2) != ADAC_OK &&
	    rc == ADAC_OK) {
		*err = e2;
		rc = e2.code;
	}
out:
	adac_live_driver_free(drv);
	adac_live_free(live);
	free(source);
	return rc;
}

/* ---- list ------------------------------------------------------------- */

static void
on_found(const struct adac_live_mdns_found *f, void *ctx)
{
	const struct adac_live_opts *o = ctx;
	char *line = adac_live_mdns_found_json(f);

	say(o, ADAC_LIVE_SAY_INFO, line);
	free(line);
}

int
adac_live_app_list(const struct adac_live_opts *o, int timeout_ms,
		   struct adac_error *err)
{
	return adac_live_mdns_list(timeout_ms, on_found, (void *)o, err);
}

int
adac_live_app_resolve(const char *name, char **url, int *token,
		      struct adac_error *err)
{
	return adac_live_mdns_resolve(name, 5000, url, token, err);
}
