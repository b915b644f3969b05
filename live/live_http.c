/*
 * The HTTP service of adac-live serve (libmicrohttpd).
 *
 * A few threads poll every connection (epoll), so that a connection that
 * sends nothing costs a descriptor and no thread.  Compiles and loads,
 * which take up to the compile limits, run on job threads of our own
 * while their connection is suspended: the polling threads always
 * answer GET /status at once.  Against floods of connections that never
 * finish their headers (slowloris), the service tracks each connection:
 * one that has not yet made an authorised request is shut down when its
 * headers take longer than HEADER_TIMEOUT_S, or, oldest first, when
 * such connections hold more than half of the connection limit, so that
 * an unauthenticated flood cannot starve an authenticated client.  Off
 * loopback, libmicrohttpd also limits connections per address.
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
#include <stdatomic.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "utf8.h"

#define DEFAULT_CONNECTIONS 1024
#define PER_ADDRESS 64		/* connections per client address, off loopback */
#define POLL_THREADS 2
#define JOB_THREADS 2		/* compiles and loads */
#define MAX_JOBS 32		/* waiting; beyond that, 503 */
#define HEADER_TIMEOUT_S 10	/* to finish the first request's headers */
#define IDLE_TIMEOUT_S 30	/* of an authorised connection */
#define LOAD_WAIT_MS 2000

/* One TCP connection, tracked for the slowloris guard. */
struct conn {
	int fd;
	double t0_ms;
	int authed;		/* it has made an authorised request */
	int evicted;		/* shut down by us, not yet closed */
	struct conn *prev, *next;	/* oldest first */
};

struct entry {
	int id;
	char *name, *source, *ui;
	double compile_ms;
};

struct req;

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

	/* connections */
	pthread_mutex_t conn_lock;
	struct conn *conn_head, *conn_tail;
	int n_pending, max_pending, max_connections;
	pthread_t sweeper;
	int sweeping;
	pthread_mutex_t sweep_lock;
	pthread_cond_t sweep_cond;

	/* jobs: requests that compile or load */
	pthread_mutex_t job_lock;
	pthread_cond_t job_cond;
	struct req *job_head, *job_tail;
	int n_jobs, jobs_stop, n_job_threads;
	pthread_t job_thread[JOB_THREADS];
};

/* One request: its body, what a job needs of it, and its answer. */
struct req {
	char *body;
	size_t len, cap;
	int too_big;
	int64_t t_ns;		/* when the request arrived */
	struct MHD_Connection *c;
	char *url, *arg_run, *arg_name;
	char method[8];
	int deferred;		/* handed to a job thread */
	unsigned status;	/* the answer, once there is one (0: none) */
	const char *type;
	char *answer;
	size_t answer_len;
	struct req *next;	/* in the job queue */
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

/*
 * Answers are made into the request (rq->status, rq->answer), on
 * whichever thread runs the route; the polling thread queues them.
 */
static void
reply(struct req *rq, unsigned status, const char *type, const char *body,
      size_t len)
{
	free(rq->answer);
	rq->answer = malloc(len + 1);
	if (rq->answer == NULL) {
		rq->answer_len = 0;
		rq->status = 500;
		rq->type = "application/json";
		return;
	}
	memcpy(rq->answer, body, len);
	rq->answer[len] = '\0';
	rq->answer_len = len;
	rq->status = status;
	rq->type = type;
}

/* Reply with o as JSON (steals the reference). */
static void
reply_json(struct req *rq, unsigned status, json_t *o)
{
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(9))
			    : NULL;
	size_t n;

	json_decref(o);
	if (s == NULL) {
		reply(rq, 500, "application/json", "{\"error\":\"out of memory\"}\n", 26);
		return;
	}
	n = strlen(s);
	reply(rq, status, "application/json", s, n);
	if (rq->answer != NULL && rq->answer_len == n) {
		char *t = realloc(rq->answer, n + 2);

		if (t != NULL) {
			t[n] = '\n';
			t[n + 1] = '\0';
			rq->answer = t;
			rq->answer_len = n + 1;
		}
	}
	free(s);
}

static void
reply_error(struct req *rq, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
reply_error(struct req *rq, unsigned status, const char *fmt, ...)
{
	char text[ADAC_TEXT_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	/* it may quote what the client sent: JSON holds UTF-8 only */
	adac_utf8_scrub(text);
	reply_json(rq, status, json_pack("{s:s}", "error", text));
}

/* Queue rq's answer on c: the polling thread's job. */
static enum MHD_Result
queue(struct MHD_Connection *c, struct req *rq)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (rq->status == 0)
		reply_error(rq, 500, "no answer");
	r = MHD_create_response_from_buffer(rq->answer_len,
					    rq->answer != NULL ? rq->answer : (char *)"",
					    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", rq->type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(c, rq->status, r);
	MHD_destroy_response(r);
	return ret;
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

/* 1 when the embedder's admit hook lets source in, else answered 403 */
static int
admitted(struct adac_live_http *h, struct req *rq, const char *source)
{
	char why[256] = "refused";

	if (h->cfg.admit == NULL || h->cfg.admit(source, why, sizeof why,
						 h->cfg.ctx) == 0)
		return 1;
	reply_error(rq, 403, "%s", why);
	return 0;
}

/* a compile or load that failed: answered, and told to the embedder */
static void
failed(struct adac_live_http *h, struct req *rq, unsigned status,
       const char *why)
{
	reply_error(rq, status, "%s", why);
	if (h->cfg.on_fail != NULL)
		h->cfg.on_fail(why, h->cfg.ctx);
}

static void
post_dsp(struct adac_live_http *h, struct req *rq)
{
	const char *run = rq->arg_run, *name = rq->arg_name;
	enum adac_faust_limit limit = ADAC_FAUST_LIMIT_NONE;
	struct adac_live_report rep;
	struct adac_error err;
	char *ui = NULL;
	double ms = 0;
	int id, in = 0, out = 0, rc;
	const char *bad;
	size_t n;
	json_t *o;

	if (name == NULL)
		name = "dsp";
	if (!valid_name(name)) {
		reply_error(rq, 400, "name must be 1 to 64 letters, digits, '_' or '-'");
		return;
	}
	if (rq->len == 0) {
		reply_error(rq, 400, "empty program");
		return;
	}
	if (strlen(rq->body) != rq->len) {
		reply_error(rq, 400, "program holds a NUL byte");
		return;
	}
	/* kept and answered as JSON, which holds UTF-8 only */
	if ((n = adac_utf8_check(rq->body, rq->len)) != rq->len) {
		reply_error(rq, 400, "program is not UTF-8 text (byte %zu)", n);
		return;
	}
	/* no file of the server's but the standard libraries */
	if (adac_faust_check_imports(rq->body, &err) != ADAC_OK) {
		reply_error(rq, 400, "%s", err.text);
		return;
	}
	if ((bad = foreign(rq->body)) != NULL) {
		reply_error(rq, 400, "'%s' is not allowed in programs sent to the service", bad);
		return;
	}
	if (!admitted(h, rq, rq->body))
		return;
	if (run != NULL && strcmp(run, "0") != 0) {
		rc = adac_live_load(h->live, name, rq->body, rq->t_ns, LOAD_WAIT_MS,
				    ADAC_LIVE_UNTRUSTED, &rep);
		if (rc == ADAC_OK && rep.status == ADAC_LIVE_FAILED) {
			failed(h, rq, failure_status(ADAC_E_INPUT, rep.limit),
			       rep.error.text);
			return;
		}
		if (rc != ADAC_OK) {
			failed(h, rq, failure_status(rc, rep.limit), rep.error.text);
			return;
		}
		if (h->cfg.on_load != NULL)
			h->cfg.on_load(&rep, h->cfg.ctx);
		ui = adac_live_json_ui(h->live);
		ms = rep.compile_ms;
		in = rep.inputs;
		out = rep.outputs;
	} else {
		rc = adac_live_compile(h->live, name, rq->body, ADAC_LIVE_UNTRUSTED,
				       &ui, &ms, &in, &out,
				       &limit, &err);
		if (rc != ADAC_OK) {
			failed(h, rq, failure_status(rc, limit), err.text);
			return;
		}
	}
	pthread_mutex_lock(&h->lock);
	o = json_pack("{s:o}", "ui", json_text(ui));
	id = entry_add(h, name, rq->body, ui, ms);
	pthread_mutex_unlock(&h->lock);
	if (id < 0 || o == NULL) {
		json_decref(o);
		reply_error(rq, 500, "out of memory");
		return;
	}
	json_object_set_new(o, "id", json_integer(id));
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "inputs", json_integer(in));
	json_object_set_new(o, "outputs", json_integer(out));
	json_object_set_new(o, "compile_ms", ms >= 0 ? json_real(ms) : json_null());
	if (run != NULL && strcmp(run, "0") != 0)
		json_object_set_new(o, "load", report_json(&rep));
	reply_json(rq, 201, o);
}

static void
get_dsp_list(struct adac_live_http *h, struct req *rq)
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
	reply_json(rq, 200, a);
}

static void
dsp_item(struct adac_live_http *h, struct req *rq, const char *rest)
{
	struct adac_live_report rep;
	struct entry *e;
	char id[32], *name = NULL, *source = NULL;
	const char *slash = strchr(rest, '/');
	size_t n = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	json_t *o = NULL;
	int rc;

	if (n == 0 || n >= sizeof id) {
		reply_error(rq, 404, "no program '%.32s'", rest);
		return;
	}
	memcpy(id, rest, n);
	id[n] = '\0';
	pthread_mutex_lock(&h->lock);
	e = entry_find(h, id);
	if (e != NULL && slash == NULL && strcmp(rq->method, "GET") == 0)
		o = json_pack("{s:i,s:s,s:f,s:o,s:s}", "id", e->id, "name", e->name,
			      "compile_ms", e->compile_ms, "ui", json_text(e->ui),
			      "source", e->source);
	if (e != NULL && slash != NULL) {
		name = strdup(e->name);
		source = strdup(e->source);
	}
	pthread_mutex_unlock(&h->lock);
	if (e == NULL) {
		reply_error(rq, 404, "no program '%s'", id);
		return;
	}
	if (slash == NULL) {
		if (strcmp(rq->method, "GET") != 0)
			reply_error(rq, 405, "use GET");
		else
			reply_json(rq, 200, o);
		return;
	}
	if (strcmp(slash, "/run") != 0 || strcmp(rq->method, "POST") != 0 ||
	    name == NULL || source == NULL) {
		if (strcmp(slash, "/run") != 0)
			reply_error(rq, 404, "not found");
		else if (strcmp(rq->method, "POST") != 0)
			reply_error(rq, 405, "use POST");
		else
			reply_error(rq, 500, "out of memory");
		free(name);
		free(source);
		return;
	}
	/* asked again: what was let in when compiled may not be now */
	if (!admitted(h, rq, source)) {
		free(name);
		free(source);
		return;
	}
	rc = adac_live_load(h->live, name, source, rq->t_ns, LOAD_WAIT_MS,
			    ADAC_LIVE_UNTRUSTED, &rep);
	free(name);
	free(source);
	if (rc != ADAC_OK || rep.status == ADAC_LIVE_FAILED) {
		failed(h, rq, failure_status(rc == ADAC_OK ? ADAC_E_INPUT : rc,
					     rep.limit), rep.error.text);
		return;
	}
	if (h->cfg.on_load != NULL)
		h->cfg.on_load(&rep, h->cfg.ctx);
	reply_json(rq, 200, report_json(&rep));
}

static void
params(struct adac_live_http *h, struct req *rq, const char *address)
{
	struct adac_error err;
	char *s, *end;
	double v, applied;

	if (address[0] == '\0' || strcmp(address, "/") == 0) {
		if (strcmp(rq->method, "GET") != 0) {
			reply_error(rq, 405, "use GET");
			return;
		}
		s = adac_live_params_json(h->live);
		if (s == NULL) {
			reply_error(rq, 500, "out of memory");
			return;
		}
		reply_json(rq, 200, json_text(s));
		free(s);
		return;
	}
	/* "/params/gain" may name /Name/gain by its last component */
	if (strchr(address + 1, '/') == NULL) {
		double dummy;

		if (adac_live_param_get(h->live, address, &dummy, &err) != ADAC_OK &&
		    adac_live_param_get(h->live, address + 1, &dummy, &err) == ADAC_OK)
			address++;
	}
	if (strcmp(rq->method, "POST") == 0) {
		s = rq->body != NULL ? rq->body : "";
		while (isspace((unsigned char)*s))
			s++;
		if (strncmp(s, "value=", 6) == 0)
			s += 6;
		v = strtod(s, &end);
		while (isspace((unsigned char)*end))
			end++;
		if (end == s || *end != '\0' || !isfinite(v)) {
			reply_error(rq, 400, "the body must be a finite number");
			return;
		}
		if (adac_live_param_set(h->live, address, v, &applied, &err) != ADAC_OK) {
			reply_error(rq, err.code == ADAC_E_INPUT ? 404 : 500, "%s", err.text);
			return;
		}
		/* out of the control's range: say what was asked and what was set */
		if (applied != v) {
			reply_json(rq, 200, json_pack("{s:s,s:f,s:f,s:b}", "address",
						      address, "value", applied,
						      "requested", v, "clamped", 1));
			return;
		}
	} else if (strcmp(rq->method, "GET") != 0) {
		reply_error(rq, 405, "use GET or POST");
		return;
	}
	if (adac_live_param_get(h->live, address, &v, &err) != ADAC_OK) {
		reply_error(rq, 404, "%s", err.text);
		return;
	}
	reply_json(rq, 200, json_pack("{s:s,s:f}", "address", address, "value", v));
}

static void
status(struct adac_live_http *h, struct req *rq)
{
	uint64_t id = adac_live_running_id(h->live);
	struct adac_live_stats st;
	size_t bytes, max;
	int n;

	adac_live_stats(h->live, &st);	/* a snapshot; it may tear */
	adac_live_cache_usage(h->live, &n, &bytes, &max);
	reply_json(rq, 200, json_pack("{s:o,s:b,s:I,s:I,s:{s:i,s:I,s:I}}",
		"running", id ? json_integer((json_int_t)id) : json_null(),
		"muted", adac_live_muted(h->live),
		"frames", (json_int_t)st.frames, "swaps", (json_int_t)st.swaps,
		"cache", "programs", n, "bytes", (json_int_t)bytes,
		"max_bytes", (json_int_t)max));
}

/* Requests that compile or load: they run on a job thread. */
static int
is_job(const char *url, const char *method)
{
	size_t n = strlen(url);

	return strcmp(method, "POST") == 0 &&
	       (strcmp(url, "/dsp") == 0 ||
		(strncmp(url, "/dsp/", 5) == 0 && n > 9 &&
		 strcmp(url + n - 4, "/run") == 0));
}

static void
route(struct adac_live_http *h, struct req *rq)
{
	const char *url = rq->url, *method = rq->method;
	int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
	char *ui;

	if (!get && !post) {
		reply_error(rq, 405, "use GET or POST");
		return;
	}
	if (strcmp(url, "/") == 0 && get) {
		const char *page = adac_live_page();

		reply(rq, 200, "text/html; charset=utf-8", page, strlen(page));
	} else if (strcmp(url, "/status") == 0 && get) {
		status(h, rq);
	} else if (strcmp(url, "/ui") == 0 && get) {
		ui = adac_live_json_ui(h->live);
		if (ui == NULL)
			reply_error(rq, 404, "no program is running");
		else
			reply_json(rq, 200, json_text(ui));
		free(ui);
	} else if (strcmp(url, "/dsp") == 0) {
		if (post)
			post_dsp(h, rq);
		else
			get_dsp_list(h, rq);
	} else if (strncmp(url, "/dsp/", 5) == 0) {
		dsp_item(h, rq, url + 5);
	} else if (strcmp(url, "/params") == 0) {
		params(h, rq, "");
	} else if (strncmp(url, "/params/", 8) == 0) {
		params(h, rq, url + 7);
	} else {
		reply_error(rq, 404, "not found");
	}
}

/* ---- jobs: compiles and loads, off the polling threads ----------------- */

static void *
job_thread(void *arg)
{
	struct adac_live_http *h = arg;
	struct req *rq;

	pthread_mutex_lock(&h->job_lock);
	for (;;) {
		while (h->job_head == NULL && !h->jobs_stop)
			pthread_cond_wait(&h->job_cond, &h->job_lock);
		if (h->job_head == NULL)
			break;
		rq = h->job_head;
		h->job_head = rq->next;
		if (h->job_head == NULL)
			h->job_tail = NULL;
		h->n_jobs--;
		pthread_mutex_unlock(&h->job_lock);
		if (h->jobs_stop)
			reply_error(rq, 503, "the service is stopping");
		else
			route(h, rq);
		/* rq may be freed as soon as its connection runs again */
		MHD_resume_connection(rq->c);
		pthread_mutex_lock(&h->job_lock);
	}
	pthread_mutex_unlock(&h->job_lock);
	return NULL;
}

/* Hand rq to a job thread; 0 when the queue is full or stopping. */
static int
enqueue(struct adac_live_http *h, struct req *rq)
{
	int ok;

	pthread_mutex_lock(&h->job_lock);
	ok = !h->jobs_stop && h->n_jobs < MAX_JOBS && h->n_job_threads > 0;
	if (ok) {
		rq->next = NULL;
		if (h->job_tail != NULL)
			h->job_tail->next = rq;
		else
			h->job_head = rq;
		h->job_tail = rq;
		h->n_jobs++;
		rq->deferred = 1;
		/* suspended before a job thread can resume it */
		MHD_suspend_connection(rq->c);
		pthread_cond_signal(&h->job_cond);
	}
	pthread_mutex_unlock(&h->job_lock);
	return ok;
}

/* ---- connections: the slowloris guard ---------------------------------- */

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Under conn_lock: shut c down.  The descriptor stays libmicrohttpd's:
 * it reads the end of the stream, closes the connection and tells
 * on_connection(), which unlinks it under the same lock before the
 * descriptor is closed, so that it is never one reused by another.
 */
static void
evict_locked(struct adac_live_http *h, struct conn *c)
{
	if (c->evicted || c->authed)
		return;
	c->evicted = 1;
	h->n_pending--;
	shutdown(c->fd, SHUT_RDWR);
}

static void
on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
	      enum MHD_ConnectionNotificationCode toe)
{
	struct adac_live_http *h = cls;
	const union MHD_ConnectionInfo *ci;
	struct conn *c = *socket_context, *old;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
		c = calloc(1, sizeof *c);
		if (c == NULL || ci == NULL) {
			free(c);
			return;
		}
		c->fd = ci->connect_fd;
		c->t0_ms = mono_ms();
		pthread_mutex_lock(&h->conn_lock);
		c->prev = h->conn_tail;
		if (h->conn_tail != NULL)
			h->conn_tail->next = c;
		else
			h->conn_head = c;
		h->conn_tail = c;
		h->n_pending++;
		/* too many waiting for their headers: the oldest goes */
		for (old = h->conn_head; old != NULL && h->n_pending > h->max_pending;
		     old = old->next)
			evict_locked(h, old);
		pthread_mutex_unlock(&h->conn_lock);
		*socket_context = c;
		return;
	}
	if (c == NULL)
		return;
	pthread_mutex_lock(&h->conn_lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		h->conn_head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		h->conn_tail = c->prev;
	if (!c->authed && !c->evicted)
		h->n_pending--;
	pthread_mutex_unlock(&h->conn_lock);
	free(c);
	*socket_context = NULL;
}

/* The connection has made an authorised request: it is no longer suspect. */
static void
authorise(struct adac_live_http *h, struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *c = ci != NULL ? ci->socket_context : NULL;

	if (c == NULL)
		return;
	pthread_mutex_lock(&h->conn_lock);
	if (!c->authed && !c->evicted) {
		c->authed = 1;
		h->n_pending--;
	}
	pthread_mutex_unlock(&h->conn_lock);
}

/* Every 250 ms: shut down connections slow to finish their headers. */
static void *
sweeper(void *arg)
{
	struct adac_live_http *h = arg;
	struct timespec ts;
	struct conn *c;
	double now;

	pthread_mutex_lock(&h->sweep_lock);
	while (h->sweeping) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&h->sweep_cond, &h->sweep_lock, &ts);
		now = mono_ms();
		pthread_mutex_lock(&h->conn_lock);
		for (c = h->conn_head; c != NULL; c = c->next)
			if (now - c->t0_ms > HEADER_TIMEOUT_S * 1e3)
				evict_locked(h, c);
		pthread_mutex_unlock(&h->conn_lock);
	}
	pthread_mutex_unlock(&h->sweep_lock);
	return NULL;
}

/* ---- the request handler ------------------------------------------------ */

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
	const char *method, const char *version, const char *upload,
	size_t *upload_size, void **con_cls)
{
	struct adac_live_http *h = cls;
	struct req *rq = *con_cls;
	const char *cl, *v;
	char *nb;

	(void)version;
	if (rq == NULL) {
		rq = calloc(1, sizeof *rq);
		if (rq == NULL)
			return MHD_NO;
		rq->t_ns = adac_live_now_ns();
		rq->c = c;
		*con_cls = rq;
		/* refuse early, before reading a body */
		if (!token_ok(h, c)) {
			reply_error(rq, 401, "missing or wrong token");
			return queue(c, rq);
		}
		if (!origin_ok(h, c)) {
			reply_error(rq, 403, "cross-origin or foreign-host request refused");
			return queue(c, rq);
		}
		authorise(h, c);
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cl != NULL && strtod(cl, NULL) > h->cfg.max_body) {
			reply_error(rq, 413, "request body is larger than %ld bytes",
				    h->cfg.max_body);
			return queue(c, rq);
		}
		return MHD_YES;
	}
	if (rq->deferred)	/* resumed: its job has answered */
		return queue(c, rq);
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
	if (rq->too_big) {
		reply_error(rq, 413, "request body is larger than %ld bytes",
			    h->cfg.max_body);
		return queue(c, rq);
	}
	if (rq->body == NULL && (rq->body = calloc(1, 1)) == NULL)
		return MHD_NO;
	snprintf(rq->method, sizeof rq->method, "%s", method);
	rq->url = strdup(url);
	if (rq->url == NULL)
		return MHD_NO;
	/* a job runs away from the connection: take what it needs of it */
	if (is_job(url, method)) {
		if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "run")) != NULL &&
		    (rq->arg_run = strdup(v)) == NULL)
			return MHD_NO;
		if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name")) != NULL &&
		    (rq->arg_name = strdup(v)) == NULL)
			return MHD_NO;
		if (enqueue(h, rq))
			return MHD_YES;
		reply_error(rq, 503, "too many compiles waiting; try again later");
		return queue(c, rq);
	}
	route(h, rq);
	return queue(c, rq);
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
		free(rq->url);
		free(rq->arg_run);
		free(rq->arg_name);
		free(rq->answer);
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

/* The connection limit: asked for, within what descriptors allow. */
static int
connection_limit(int asked)
{
	struct rlimit rl;
	long room;

	if (asked <= 0)
		asked = DEFAULT_CONNECTIONS;
	/* keep 64 descriptors for files, workers, JACK */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		room = (long)rl.rlim_cur - 64;
		if (room < 16)
			room = 16;
		if (asked > room)
			asked = (int)room;
	}
	return asked;
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
	unsigned flags, per_ip;
	int rc, r, i;

	h = calloc(1, sizeof *h);
	if (h == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->conn_lock, NULL);
	pthread_mutex_init(&h->sweep_lock, NULL);
	pthread_cond_init(&h->sweep_cond, NULL);
	pthread_mutex_init(&h->job_lock, NULL);
	pthread_cond_init(&h->job_cond, NULL);
	h->live = live;
	h->cfg = *cfg;
	h->next_id = 1;
	if (h->cfg.max_body <= 0)
		h->cfg.max_body = 1L << 20;
	if (h->cfg.max_programs <= 0)
		h->cfg.max_programs = 64;
	h->max_connections = connection_limit(cfg->max_connections);
	h->max_pending = h->max_connections / 2;
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
	for (i = 0; i < JOB_THREADS; i++) {
		if (pthread_create(&h->job_thread[i], NULL, job_thread, h) != 0)
			break;
		h->n_job_threads++;
	}
	h->sweeping = 1;
	if (h->n_job_threads == 0 || pthread_create(&h->sweeper, NULL, sweeper, h) != 0) {
		h->sweeping = 0;
		rc = adac_error_set(err, ADAC_E_DEPENDENCY, "",
				    "cannot start the service's threads");
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
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/*
	 * On loopback every client has the same address: the owner would
	 * share a per-address limit with a flood, so only the guard counts.
	 */
	per_ip = h->loopback ? 0 : (unsigned)(PER_ADDRESS < h->max_connections
					      ? PER_ADDRESS : h->max_connections);
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handler, h,
				     MHD_OPTION_SOCK_ADDR, ai->ai_addr,
				     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)POLL_THREADS,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)h->max_connections,
				     MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
				     MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
				     MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
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

const char *
adac_live_http_url(const struct adac_live_http *h)
{
	return h->url;
}

const char *
adac_live_http_host(const struct adac_live_http *h)
{
	return h->host;
}

int
adac_live_http_port(const struct adac_live_http *h)
{
	return h->port;
}

void
adac_live_http_stop(struct adac_live_http *h)
{
	MHD_socket listen = MHD_INVALID_SOCKET;
	int i;

	if (h == NULL)
		return;
	/* no new connections; then the jobs end (their connections resume) */
	if (h->daemon != NULL)
		listen = MHD_quiesce_daemon(h->daemon);
	pthread_mutex_lock(&h->job_lock);
	h->jobs_stop = 1;
	pthread_cond_broadcast(&h->job_cond);
	pthread_mutex_unlock(&h->job_lock);
	for (i = 0; i < h->n_job_threads; i++)
		pthread_join(h->job_thread[i], NULL);
	if (h->sweeping) {
		pthread_mutex_lock(&h->sweep_lock);
		h->sweeping = 0;
		pthread_cond_signal(&h->sweep_cond);
		pthread_mutex_unlock(&h->sweep_lock);
		pthread_join(h->sweeper, NULL);
	}
	if (h->daemon != NULL)
		MHD_stop_daemon(h->daemon);
	if (listen != MHD_INVALID_SOCKET)
		close(listen);
	for (i = 0; i < h->n_entries; i++)
		entry_free(&h->entries[i]);
	free(h->entries);
	free(h->token);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->conn_lock);
	pthread_mutex_destroy(&h->sweep_lock);
	pthread_cond_destroy(&h->sweep_cond);
	pthread_mutex_destroy(&h->job_lock);
	pthread_cond_destroy(&h->job_cond);
	free(h);
}
