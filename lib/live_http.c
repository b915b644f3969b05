/*
 * The HTTP service of adac-live serve (libmicrohttpd, one thread per
 * connection, a bounded number of connections).
 *
 *   GET  /                 the browser page
 *   GET  /status           {"running": ID or null, "fs": HZ, ...}
 *   GET  /ui               the running program's JSON UI
 *   POST /dsp[?run=1][&name=N]  FAUST source: compile (and run)
 *   GET  /dsp              the programs compiled so far
 *   GET  /dsp/ID           one of them, with its JSON UI
 *   POST /dsp/ID/run       make it the running program
 *   GET  /params           {"/Name/gain": 0.5, ...}
 *   GET  /params/ADDRESS   {"address": ..., "value": ...}
 *   POST /params/ADDRESS   body: a number; sets it
 */
#include "live_serve.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <jansson.h>
#include <microhttpd.h>

#define MAX_CONNECTIONS 32
#define LOAD_WAIT_MS 2000

struct entry {
	int id;
	char *name, *source, *ui;
	double compile_ms;
};

struct adac_live_http {
	struct adac_live *live;
	struct adac_live_http_config cfg;
	struct MHD_Daemon *daemon;
	char *token;
	char host[128];
	int port, loopback;
	char url[256];
	pthread_mutex_t lock;	/* the program list */
	struct entry *entries;
	int n_entries, next_id;
};

struct req {
	char *body;
	size_t len, cap;
	int too_big;
	int64_t t_ns;		/* when the request arrived */
};

int
adac_live_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

/* ---- replies -------------------------------------------------------- */

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *type,
      const char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body,
					    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Reply with o as JSON (steals the reference). */
static enum MHD_Result
reply_json(struct MHD_Connection *c, unsigned status, json_t *o)
{
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(9))
			    : NULL;
	enum MHD_Result ret;
	size_t n;

	json_decref(o);
	if (s == NULL)
		return reply(c, 500, "application/json",
			     "{\"error\":\"out of memory\"}", 25);
	n = strlen(s);
	s = realloc(s, n + 2);
	if (s == NULL)
		return MHD_NO;
	s[n] = '\n';
	s[n + 1] = '\0';
	ret = reply(c, status, "application/json", s, n + 1);
	free(s);
	return ret;
}

static enum MHD_Result
reply_error(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
	char text[ADAC_TEXT_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	return reply_json(c, status, json_pack("{s:s}", "error", text));
}

/* A string of JSON text as a value, or null when it does not parse. */
static json_t *
json_text(const char *s)
{
	return s != NULL ? json_loads(s, 0, NULL) : json_null();
}

/* ---- checks every request passes ------------------------------------ */

static int
same_secret(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b), i;
	unsigned char d = na != nb;

	/* constant time in the length of the secret */
	for (i = 0; i < nb; i++)
		d |= (unsigned char)(a[i % (na ? na : 1)] ^ b[i]);
	return d == 0 && na == nb;
}

static int
token_ok(struct adac_live_http *h, struct MHD_Connection *c)
{
	const char *v;

	if (h->token == NULL)
		return 1;
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (v != NULL && strncmp(v, "Bearer ", 7) == 0 && same_secret(v + 7, h->token))
		return 1;
	v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	return v != NULL && same_secret(v, h->token);
}

/*
 * Refuse what a web page on another site could make a browser send
 * (a cross-origin POST) and DNS rebinding (a foreign Host name that
 * resolves to loopback): when listening on loopback, the Host header
 * must name loopback, and an Origin header must be our own.
 */
static int
origin_ok(struct adac_live_http *h, struct MHD_Connection *c)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	char name[160];
	size_t n;

	if (host == NULL)
		return 0;
	if (h->loopback) {
		n = strcspn(host, ":");
		if (host[0] == '[')
			n = strcspn(host, "]") + 1;
		if (n >= sizeof name)
			return 0;
		memcpy(name, host, n);
		name[n] = '\0';
		if (name[0] == '[') {
			memmove(name, name + 1, n);
			name[strcspn(name, "]")] = '\0';
		}
		if (!adac_live_is_loopback(name))
			return 0;
	}
	/*
	 * "null" is what a sandboxed iframe or a file:// page sends: a
	 * foreign origin like any other
	 */
	if (origin != NULL &&
	    (strncmp(origin, "http://", 7) != 0 || strcmp(origin + 7, host) != 0))
		return 0;
	return 1;
}

/* ---- the program list ------------------------------------------------- */

static void
entry_free(struct entry *e)
{
	free(e->name);
	free(e->source);
	free(e->ui);
}

/* Under lock: add a program, dropping the oldest beyond max_programs. */
static int
entry_add(struct adac_live_http *h, const char *name, const char *source,
	  char *ui, double compile_ms)
{
	struct entry *e;

	if (h->n_entries == h->cfg.max_programs) {
		entry_free(&h->entries[0]);
		memmove(h->entries, h->entries + 1,
			(h->n_entries - 1) * sizeof *h->entries);
		h->n_entries--;
	}
	e = &h->entries[h->n_entries];
	e->name = strdup(name);
	e->source = strdup(source);
	if (e->name == NULL || e->source == NULL) {
		free(e->name);
		free(e->source);
		free(ui);
		return -1;
	}
	e->ui = ui;
	e->compile_ms = compile_ms;
	e->id = h->next_id++;
	h->n_entries++;
	return e->id;
}

static struct entry *
entry_find(struct adac_live_http *h, const char *id)
{
	char *end;
	long n = strtol(id, &end, 10);
	int i;

	if (end == id || *end != '\0')
		return NULL;
	for (i = 0; i < h->n_entries; i++)
		if (h->entries[i].id == n)
			return &h->entries[i];
	return NULL;
}

static json_t *
report_json(const struct adac_live_report *rep)
{
	char *s = adac_live_report_json(rep, NULL);
	json_t *o = json_text(s);

	free(s);
	return o;
}

/* ---- routes ---------------------------------------------------------- */

/*
 * Foreign functions reach into the host process with the LLVM backend
 * (ffunction(int exit(int), ...)): a service compiling code from the
 * network refuses them in the text it is sent.  The libraries it imports
 * may still use them for math.
 */
static const char *
foreign(const char *src)
{
	static const char *words[] = { "ffunction", "fvariable", "fconstant" };
	size_t i;

	for (i = 0; i < sizeof words / sizeof *words; i++)
		if (strstr(src, words[i]) != NULL)
			return words[i];
	return NULL;
}

static int
valid_name(const char *s)
{
	size_t i;

	if (s[0] == '\0' || strlen(s) > 64)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

/*
 * The answer to a compile that failed: 400 for the compiler's message,
 * 413 when it needed too much memory, 422 when it took too long or
 * crashed the compiler, 503 when the service is stopping.
 */
static unsigned
failure_status(int rc, enum adac_faust_limit limit)
{
	switch (limit) {
	case ADAC_FAUST_LIMIT_MEMORY:
	case ADAC_FAUST_LIMIT_PROGRAM:
		return 413;
	case ADAC_FAUST_LIMIT_CPU:
	case ADAC_FAUST_LIMIT_WALL:
	case ADAC_FAUST_LIMIT_STACK:
	case ADAC_FAUST_LIMIT_CRASH:
		return 422;
	case ADAC_FAUST_LIMIT_CANCELLED:
		return 503;
	case ADAC_FAUST_LIMIT_NONE:
		break;
	}
	return rc == ADAC_E_INPUT ? 400 : 500;
}

static enum MHD_Result
post_dsp(struct adac_live_http *h, struct MHD_Connection *c, struct req *rq)
{
	const char *run = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "run");
	const char *name = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name");
	enum adac_faust_limit limit = ADAC_FAUST_LIMIT_NONE;
	struct adac_live_report rep;
	struct adac_error err;
	char *ui = NULL;
	double ms = 0;
	int id, in = 0, out = 0, rc;
	const char *bad;
	json_t *o;

	if (name == NULL)
		name = "dsp";
	if (!valid_name(name))
		return reply_error(c, 400, "name must be 1 to 64 letters, digits, '_' or '-'");
	if (rq->len == 0)
		return reply_error(c, 400, "empty program");
	if (strlen(rq->body) != rq->len)
		return reply_error(c, 400, "program holds a NUL byte");
	if ((bad = foreign(rq->body)) != NULL)
		return reply_error(c, 400, "'%s' is not allowed in programs sent to the service", bad);
	if (run != NULL && strcmp(run, "0") != 0) {
		rc = adac_live_load(h->live, name, rq->body, rq->t_ns, LOAD_WAIT_MS, &rep);
		if (rc == ADAC_OK && rep.status == ADAC_LIVE_FAILED)
			return reply_error(c, failure_status(ADAC_E_INPUT, rep.limit),
					   "%s", rep.error.text);
		if (rc != ADAC_OK)
			return reply_error(c, failure_status(rc, rep.limit),
					   "%s", rep.error.text);
		if (h->cfg.on_load != NULL)
			h->cfg.on_load(&rep, h->cfg.ctx);
		ui = adac_live_json_ui(h->live);
		ms = rep.compile_ms;
		in = rep.inputs;
		out = rep.outputs;
	} else {
		rc = adac_live_compile(h->live, name, rq->body, &ui, &ms, &in, &out,
				       &limit, &err);
		if (rc != ADAC_OK)
			return reply_error(c, failure_status(rc, limit), "%s", err.text);
	}
	pthread_mutex_lock(&h->lock);
	o = json_pack("{s:o}", "ui", json_text(ui));
	id = entry_add(h, name, rq->body, ui, ms);
	pthread_mutex_unlock(&h->lock);
	if (id < 0 || o == NULL) {
		json_decref(o);
		return reply_error(c, 500, "out of memory");
	}
	json_object_set_new(o, "id", json_integer(id));
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "inputs", json_integer(in));
	json_object_set_new(o, "outputs", json_integer(out));
	json_object_set_new(o, "compile_ms", ms >= 0 ? json_real(ms) : json_null());
	if (run != NULL && strcmp(run, "0") != 0)
		json_object_set_new(o, "load", report_json(&rep));
	return reply_json(c, 201, o);
}

static enum MHD_Result
get_dsp_list(struct adac_live_http *h, struct MHD_Connection *c)
{
	json_t *a = json_array();
	int i;

	pthread_mutex_lock(&h->lock);
	for (i = 0; a != NULL && i < h->n_entries; i++)
		json_array_append_new(a, json_pack("{s:i,s:s,s:f}",
						   "id", h->entries[i].id,
						   "name", h->entries[i].name,
						   "compile_ms", h->entries[i].compile_ms));
	pthread_mutex_unlock(&h->lock);
	return reply_json(c, 200, a);
}

static enum MHD_Result
dsp_item(struct adac_live_http *h, struct MHD_Connection *c, const char *method,
	 const char *rest, struct req *rq)
{
	struct adac_live_report rep;
	struct entry *e;
	char id[32], *name = NULL, *source = NULL;
	const char *slash = strchr(rest, '/');
	size_t n = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	json_t *o = NULL;
	int rc;

	if (n == 0 || n >= sizeof id)
		return reply_error(c, 404, "no program '%.32s'", rest);
	memcpy(id, rest, n);
	id[n] = '\0';
	pthread_mutex_lock(&h->lock);
	e = entry_find(h, id);
	if (e != NULL && slash == NULL && strcmp(method, "GET") == 0)
		o = json_pack("{s:i,s:s,s:f,s:o,s:s}", "id", e->id, "name", e->name,
			      "compile_ms", e->compile_ms, "ui", json_text(e->ui),
			      "source", e->source);
	if (e != NULL && slash != NULL) {
		name = strdup(e->name);
		source = strdup(e->source);
	}
	pthread_mutex_unlock(&h->lock);
	if (e == NULL)
		return reply_error(c, 404, "no program '%s'", id);
	if (slash == NULL) {
		if (strcmp(method, "GET") != 0)
			return reply_error(c, 405, "use GET");
		return reply_json(c, 200, o);
	}
	if (strcmp(slash, "/run") != 0) {
		free(name);
		free(source);
		return reply_error(c, 404, "not found");
	}
	if (strcmp(method, "POST") != 0) {
		free(name);
		free(source);
		return reply_error(c, 405, "use POST");
	}
	if (name == NULL || source == NULL) {
		free(name);
		free(source);
		return reply_error(c, 500, "out of memory");
	}
	rc = adac_live_load(h->live, name, source, rq->t_ns, LOAD_WAIT_MS, &rep);
	free(name);
	free(source);
	if (rc != ADAC_OK || rep.status == ADAC_LIVE_FAILED)
		return reply_error(c, failure_status(rc == ADAC_OK ? ADAC_E_INPUT : rc,
						     rep.limit), "%s", rep.error.text);
	if (h->cfg.on_load != NULL)
		h->cfg.on_load(&rep, h->cfg.ctx);
	return reply_json(c, 200, report_json(&rep));
}

static enum MHD_Result
params(struct adac_live_http *h, struct MHD_Connection *c, const char *method,
       const char *address, struct req *rq)
{
	struct adac_error err;
	enum MHD_Result ret;
	char *s, *end;
	double v;

	if (address[0] == '\0' || strcmp(address, "/") == 0) {
		if (strcmp(method, "GET") != 0)
			return reply_error(c, 405, "use GET");
		s = adac_live_params_json(h->live);
		if (s == NULL)
			return reply_error(c, 500, "out of memory");
		ret = reply_json(c, 200, json_text(s));
		free(s);
		return ret;
	}
	/* "/params/gain" may name /Name/gain by its last component */
	if (strchr(address + 1, '/') == NULL) {
		double dummy;

		if (adac_live_param_get(h->live, address, &dummy, &err) != ADAC_OK &&
		    adac_live_param_get(h->live, address + 1, &dummy, &err) == ADAC_OK)
			address++;
	}
	if (strcmp(method, "POST") == 0) {
		s = rq->body != NULL ? rq->body : "";
		while (isspace((unsigned char)*s))
			s++;
		if (strncmp(s, "value=", 6) == 0)
			s += 6;
		v = strtod(s, &end);
		while (isspace((unsigned char)*end))
			end++;
		if (end == s || *end != '\0' || !isfinite(v))
			return reply_error(c, 400, "the body must be a finite number");
		if (adac_live_param_set(h->live, address, v, &err) != ADAC_OK)
			return reply_error(c, err.code == ADAC_E_INPUT ? 404 : 500,
					   "%s", err.text);
	} else if (strcmp(method, "GET") != 0) {
		return reply_error(c, 405, "use GET or POST");
	}
	if (adac_live_param_get(h->live, address, &v, &err) != ADAC_OK)
		return reply_error(c, 404, "%s", err.text);
	return reply_json(c, 200, json_pack("{s:s,s:f}", "address", address,
					    "value", v));
}

static enum MHD_Result
status(struct adac_live_http *h, struct MHD_Connection *c)
{
	uint64_t id = adac_live_running_id(h->live);
	struct adac_live_stats st;

	adac_live_stats(h->live, &st);	/* a snapshot; it may tear */
	return reply_json(c, 200, json_pack("{s:o,s:I,s:I}",
		"running", id ? json_integer((json_int_t)id) : json_null(),
		"frames", (json_int_t)st.frames, "swaps", (json_int_t)st.swaps));
}

static enum MHD_Result
route(struct adac_live_http *h, struct MHD_Connection *c, const char *url,
      const char *method, struct req *rq)
{
	int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
	enum MHD_Result ret;
	char *ui;

	if (!get && !post)
		return reply_error(c, 405, "use GET or POST");
	if (strcmp(url, "/") == 0 && get) {
		const char *page = adac_live_page();

		return reply(c, 200, "text/html; charset=utf-8", page, strlen(page));
	}
	if (strcmp(url, "/status") == 0 && get)
		return status(h, c);
	if (strcmp(url, "/ui") == 0 && get) {
		ui = adac_live_json_ui(h->live);
		if (ui == NULL)
			return reply_error(c, 404, "no program is running");
		ret = reply_json(c, 200, json_text(ui));
		free(ui);
		return ret;
	}
	if (strcmp(url, "/dsp") == 0)
		return post ? post_dsp(h, c, rq) : get_dsp_list(h, c);
	if (strncmp(url, "/dsp/", 5) == 0)
		return dsp_item(h, c, method, url + 5, rq);
	if (strcmp(url, "/params") == 0)
		return params(h, c, method, "", rq);
	if (strncmp(url, "/params/", 8) == 0)
		return params(h, c, method, url + 7, rq);
	return reply_error(c, 404, "not found");
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
	const char *method, const char *version, const char *upload,
	size_t *upload_size, void **con_cls)
{
	struct adac_live_http *h = cls;
	struct req *rq = *con_cls;
	const char *cl;
	char *nb;

	(void)version;
	if (rq == NULL) {
		rq = calloc(1, sizeof *rq);
		if (rq == NULL)
			return MHD_NO;
		rq->t_ns = adac_live_now_ns();
		*con_cls = rq;
		/* refuse early, before reading a body */
		if (!token_ok(h, c))
			return reply_error(c, 401, "missing or wrong token");
		if (!origin_ok(h, c))
			return reply_error(c, 403, "cross-origin or foreign-host request refused");
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cl != NULL && strtod(cl, NULL) > h->cfg.max_body)
			return reply_error(c, 413, "request body is larger than %ld bytes",
					   h->cfg.max_body);
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!rq->too_big && rq->len + *upload_size > (size_t)h->cfg.max_body) {
			rq->too_big = 1;
			free(rq->body);
			rq->body = NULL;
			rq->len = rq->cap = 0;
		}
		if (!rq->too_big) {
			if (rq->len + *upload_size + 1 > rq->cap) {
				size_t cap = rq->cap ? rq->cap : 4096;

				while (cap < rq->len + *upload_size + 1)
					cap *= 2;
				nb = realloc(rq->body, cap);
				if (nb == NULL)
					return MHD_NO;
				rq->body = nb;
				rq->cap = cap;
			}
			memcpy(rq->body + rq->len, upload, *upload_size);
			rq->len += *upload_size;
			rq->body[rq->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->too_big)
		return reply_error(c, 413, "request body is larger than %ld bytes",
				   h->cfg.max_body);
	if (rq->body == NULL) {
		rq->body = calloc(1, 1);
		if (rq->body == NULL)
			return MHD_NO;
	}
	return route(h, c, url, method, rq);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
	  enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq != NULL) {
		free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* libmicrohttpd's messages: a library does not print */
static void
quiet(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)fmt;
	(void)ap;
}

static int
split_listen(const char *listen, char *host, size_t cap, char *port,
	     struct adac_error *err)
{
	const char *colon;
	size_t n;

	if (listen[0] == '[') {
		colon = strstr(listen, "]:");
		if (colon == NULL)
			goto bad;
		n = colon - listen - 1;
		if (n == 0 || n >= cap)
			goto bad;
		memcpy(host, listen + 1, n);
		colon++;
	} else {
		colon = strrchr(listen, ':');
		if (colon == NULL)
			goto bad;
		n = colon - listen;
		if (n == 0 || n >= cap)
			goto bad;
		memcpy(host, listen, n);
	}
	host[n] = '\0';
	n = strlen(colon + 1);
	if (n == 0 || n > 5 || strspn(colon + 1, "0123456789") != n ||
	    atoi(colon + 1) > 65535)
		goto bad;
	strcpy(port, colon + 1);
	return ADAC_OK;
bad:
	return adac_error_set(err, ADAC_E_INPUT, "",
			      "listen address '%s' is not HOST:PORT", listen);
}

int
adac_live_http_start(struct adac_live *live,
		     const struct adac_live_http_config *cfg,
		     struct adac_live_http **out, struct adac_error *err)
{
	struct adac_live_http *h;
	struct addrinfo hints, *ai = NULL;
	const union MHD_DaemonInfo *info;
	char port[8];
	unsigned flags;
	int rc, r;

	h = calloc(1, sizeof *h);
	if (h == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	pthread_mutex_init(&h->lock, NULL);
	h->live = live;
	h->cfg = *cfg;
	h->next_id = 1;
	if (h->cfg.max_body <= 0)
		h->cfg.max_body = 1L << 20;
	if (h->cfg.max_programs <= 0)
		h->cfg.max_programs = 64;
	h->entries = calloc(h->cfg.max_programs, sizeof *h->entries);
	if (h->entries == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto fail;
	}
	if ((rc = split_listen(cfg->listen, h->host, sizeof h->host, port, err)) != ADAC_OK)
		goto fail;
	h->loopback = adac_live_is_loopback(h->host);
	if (!h->loopback && (cfg->token == NULL || cfg->token[0] == '\0')) {
		rc = adac_error_set(err, ADAC_E_INPUT, "",
				    "listening on '%s' needs --token: only loopback may go without",
				    h->host);
		goto fail;
	}
	if (cfg->token != NULL && cfg->token[0] != '\0' &&
	    (h->token = strdup(cfg->token)) == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto fail;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((r = getaddrinfo(h->host, port, &hints, &ai)) != 0) {
		rc = adac_error_set(err, ADAC_E_INPUT, "", "cannot resolve '%s': %s",
				    h->host, gai_strerror(r));
		goto fail;
	}
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handler, h,
				     MHD_OPTION_SOCK_ADDR, ai->ai_addr,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
				     MHD_OPTION_NOTIFY_COMPLETED, completed, h,
				     MHD_OPTION_EXTERNAL_LOGGER, quiet, h,
				     MHD_OPTION_END);
	freeaddrinfo(ai);
	if (h->daemon == NULL) {
		rc = adac_error_set(err, ADAC_E_IO, "", "cannot listen on %s: %s",
				    cfg->listen, strerror(errno));
		goto fail;
	}
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info != NULL ? info->port : atoi(port);
	snprintf(h->url, sizeof h->url, strchr(h->host, ':') ? "http://[%s]:%d/"
			: "http://%s:%d/", h->host, h->port);
	*out = h;
	return ADAC_OK;
fail:
	adac_live_http_stop(h);
	return rc;
}

int
adac_live_http_port(const struct adac_live_http *h)
{
	return h->port;
}

const char *
adac_live_http_url(const struct adac_live_http *h)
{
	return h->url;
}

void
adac_live_http_stop(struct adac_live_http *h)
{
	int i;

	if (h == NULL)
		return;
	if (h->daemon != NULL)
		MHD_stop_daemon(h->daemon);
	for (i = 0; i < h->n_entries; i++)
		entry_free(&h->entries[i]);
	free(h->entries);
	free(h->token);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
