/*
 * live_app.h - what adac-live's subcommands do, start to finish: run a
 * FAUST file through a driver while following its rewrites, serve
 * compilation and control over HTTP and OSC, push a program to a
 * service.
 *
 * These functions never print: every line meant for the user goes through
 * the caller's say() callback, with its kind.  They borrow their options.
 */
#ifndef ADAC_LIVE_APP_H
#define ADAC_LIVE_APP_H

#include <stdatomic.h>
#include <stdint.h>

#include "error.h"
#include "live.h"
#include "live_driver.h"

enum adac_live_say {
	ADAC_LIVE_SAY_LOG,	/* one JSON line of the reload log */
	ADAC_LIVE_SAY_WARN,	/* a one-line warning (a failed reload) */
	ADAC_LIVE_SAY_INFO	/* a line for the user (the service's URL, a QR code) */
};

struct adac_live_set {
	const char *address;
	double value;
};

struct adac_live_opts {
	const char *path;		/* FILE.dsp, NULL for serve without one */
	struct adac_live_driver_config driver;
	double seconds;			/* >= 0 overrides driver.frames */
	struct adac_live_config engine;
	const struct adac_live_set *sets;	/* initial values */
	int n_sets;
	int wait_ms;			/* how long a reload waits for its swap */
	/* serve */
	const char *listen;		/* "127.0.0.1:8000"; port 0: any free */
	const char *osc_port;		/* "5510", "0" for any free, NULL for none */
	const char *token;		/* required when listen is not loopback */
	long max_body;			/* bytes; larger requests get 413 */
	int connections;		/* HTTP connections at once; 0: 1024 */
	int qr;				/* print the page's URL as a QR code */
	int announce;			/* over DNS-SD (live_mdns.h); default 1 */
	const char *name;		/* instance name; NULL: "adac-live on HOST" */
	/* how the app talks to the user; ctx is passed back */
	void (*say)(void *ctx, enum adac_live_say kind, const char *line);
	void *ctx;
	atomic_int *stop;		/* set by a signal handler to finish */
};

/* Defaults for every field (path NULL, seconds -1, listen 127.0.0.1:5500). */
void adac_live_opts_init(struct adac_live_opts *o);

/*
 * adac-live run: compile o->path (a compile error is ADAC_E_INPUT with the
 * compiler's message), start the driver, follow the file until the
 * driver has produced its frames or *o->stop is set, then say one final
 * LOG line {"event":"end","frames":N,"nonfinite":N,"peak":X,
 * "max_step":X,"swaps":N,"reloads":N,"failed":N}.  Returns ADAC_OK or
 * the first failure (ADAC_E_IO writing the output, ADAC_E_DEPENDENCY).
 */
int adac_live_app_run(const struct adac_live_opts *o, struct adac_error *err);

/*
 * adac-live serve: the engine and driver of run (silent until a program
 * runs), an HTTP service and an OSC port, until *o->stop.  Says an INFO
 * line "http://HOST:PORT/" (and "osc://127.0.0.1:PORT/" when OSC is on)
 * once listening, and announces the service over DNS-SD when o->announce
 * (a LOG line {"event":"announced","name":..,"type":..} once
 * the records are registered, one WARN line when they cannot be, and the
 * service runs on either way).  ADAC_E_INPUT for a non-loopback listen address without
 * a token; ADAC_E_IO when a port cannot be bound.
 */
int adac_live_app_serve(const struct adac_live_opts *o, struct adac_error *err);

/*
 * adac-live list: the services found within timeout_ms, one JSON line
 * each (adac_live_mdns_found_json()) said as INFO.  ADAC_E_DEPENDENCY
 * without Avahi.
 */
int adac_live_app_list(const struct adac_live_opts *o, int timeout_ms,
		       struct adac_error *err);

/*
 * The URL of the service named name, found over DNS-SD within 5 s
 * (malloc'd), and whether it needs a token.  ADAC_E_IO when no such
 * service answers, ADAC_E_DEPENDENCY without Avahi.
 */
int adac_live_app_resolve(const char *name, char **url, int *token,
			  struct adac_error *err);

/*
 * adac-live push: POST source to URL/dsp?run=1 and return the response
 * body (malloc'd) and HTTP status.  ADAC_E_IO when the service cannot be
 * reached, ADAC_E_INPUT for a malformed URL.
 */
int adac_live_push(const char *url, const char *token, const char *source,
		   size_t len, char **response, int *status,
		   struct adac_error *err);

#endif
