/*
 * live_serve.h - remote compilation and control of a live engine: an
 * HTTP service (libmicrohttpd), an OSC port (liblo's message codec on a
 * UDP socket of our own), the browser page, a terminal QR code
 * (libqrencode) and the push client.
 *
 * Each *_start() pairs with its *_stop(), which joins the service's
 * threads and frees it (NULL does nothing).  The engine must outlive the
 * services.  Nothing a client sends is trusted: bodies are size-limited,
 * every request is checked against the token when there is one, a
 * malformed request gets a 4xx answer, never a crash, and connections
 * that do not make an authorised request in time are shut down.
 */
#ifndef ADAC_LIVE_SERVE_H
#define ADAC_LIVE_SERVE_H

#include <stddef.h>

#include "error.h"
#include "live.h"

struct adac_live_http_config {
	const char *listen;	/* "HOST:PORT"; PORT 0 picks a free one */
	const char *token;	/* NULL: none (loopback only) */
	long max_body;		/* bytes; a larger body is refused with 413 */
	int max_programs;	/* compiled programs listed by GET /dsp */
	/*
	 * Connections at once (0: 1024, and never more than the descriptors
	 * allow).  Those that have not yet made an authorised request may
	 * hold half of them and have HEADER_TIMEOUT_S (10 s) to send their
	 * headers; beyond either, the oldest is shut down.
	 */
	int max_connections;
	/* called once per request that changed the running program */
	void (*on_load)(const struct adac_live_report *rep, void *ctx);
	/*
	 * NULL: any program may be compiled and run.  Else asked before a
	 * program is compiled (POST /dsp) or run (POST /dsp/ID/run): a
	 * nonzero answer refuses it with 403 and the text put in why.
	 */
	int (*admit)(const char *source, char *why, size_t cap, void *ctx);
	/* called once per request whose program failed to compile or load */
	void (*on_fail)(const char *why, void *ctx);
	void *ctx;
};

struct adac_live_http;

/*
 * Listen.  ADAC_E_INPUT for a malformed address or a non-loopback one
 * without a token, ADAC_E_IO when it cannot be bound, ADAC_E_NOMEM.
 */
int adac_live_http_start(struct adac_live *live,
			 const struct adac_live_http_config *cfg,
			 struct adac_live_http **out, struct adac_error *err);
/* The page's URL, borrowed. */
const char *adac_live_http_url(const struct adac_live_http *h);
/* The host it listens on, as given (borrowed), and the port bound. */
const char *adac_live_http_host(const struct adac_live_http *h);
int adac_live_http_port(const struct adac_live_http *h);
void adac_live_http_stop(struct adac_live_http *h);

/* 1 when host (a numeric address or "localhost") is a loopback address. */
int adac_live_is_loopback(const char *host);

struct adac_live_osc;

/*
 * Listen for OSC on UDP 127.0.0.1:port ("0": any free port).  OSC has no
 * way to carry a token, so it never listens beyond loopback.  A message
 * to a FAUST address with one number sets that parameter; with the
 * string "get" (and optionally a port number) it is answered, to the
 * sender or to that port on the sender's host, with the address and its
 * value as a float; the address "/" followed by "*" with "get" answers
 * every parameter.  ADAC_E_IO
 * when the port cannot be bound.
 */
int adac_live_osc_start(struct adac_live *live, const char *port,
			struct adac_live_osc **out, struct adac_error *err);
int adac_live_osc_port(const struct adac_live_osc *o);
void adac_live_osc_stop(struct adac_live_osc *o);

/* The browser page served at GET /: static HTML and JavaScript. */
const char *adac_live_page(void);

/*
 * text rendered as a QR code for a UTF-8 terminal (two modules per
 * character cell, with a quiet zone), malloc'd.  ADAC_E_INPUT when too
 * long, ADAC_E_NOMEM.
 */
int adac_live_qr(const char *text, char **out, struct adac_error *err);

#endif
