/*
 * DNS-SD through the Avahi daemon.  libavahi-client is opened with
 * dlopen rather than linked: adac-live then starts where Avahi is not
 * installed (a container, a build machine) and serves as before, and a
 * run or push does not pay for loading it.  Its headers give the types;
 * the functions come from the table below.
 */
#include "live_mdns.h"

#include <dlfcn.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>
#include <avahi-common/address.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/simple-watch.h>
#include <avahi-common/strlst.h>
#include <avahi-common/thread-watch.h>
#include <jansson.h>

#include "live_serve.h"
#include "utf8.h"
#include "version.h"

/* libavahi-client.so.3 brings libavahi-common.so.3: dlsym finds both */
#define AVAHI_FUNCTIONS(X) \
	X(avahi_strerror) \
	X(avahi_free) \
	X(avahi_alternative_service_name) \
	X(avahi_address_snprint) \
	X(avahi_string_list_new_from_array) \
	X(avahi_string_list_free) \
	X(avahi_threaded_poll_new) \
	X(avahi_threaded_poll_get) \
	X(avahi_threaded_poll_start) \
	X(avahi_threaded_poll_stop) \
	X(avahi_threaded_poll_free) \
	X(avahi_simple_poll_new) \
	X(avahi_simple_poll_get) \
	X(avahi_simple_poll_iterate) \
	X(avahi_simple_poll_free) \
	X(avahi_client_new) \
	X(avahi_client_free) \
	X(avahi_client_errno) \
	X(avahi_entry_group_new) \
	X(avahi_entry_group_add_service_strlst) \
	X(avahi_entry_group_commit) \
	X(avahi_entry_group_reset) \
	X(avahi_service_browser_new) \
	X(avahi_service_browser_free) \
	X(avahi_service_resolver_new) \
	X(avahi_service_resolver_free)

static struct {
#define FIELD(f) __typeof__(f) *f;
	AVAHI_FUNCTIONS(FIELD)
#undef FIELD
} av;
static pthread_once_t av_once = PTHREAD_ONCE_INIT;
static char av_why[200];	/* empty once loaded */

static void
av_load(void)
{
	void *h = dlopen("libavahi-client.so.3", RTLD_NOW | RTLD_LOCAL);
	const char *e;

	if (h == NULL) {
		e = dlerror();
		snprintf(av_why, sizeof av_why, "%s", e != NULL ? e : "not found");
		return;
	}
#define LOAD(f) \
	if ((*(void **)&av.f = dlsym(h, #f)) == NULL) { \
		snprintf(av_why, sizeof av_why, "libavahi-client has no %s", #f); \
		return; \
	}
	AVAHI_FUNCTIONS(LOAD)
#undef LOAD
	/* h stays open: Avahi's threads may run until the process ends */
}

static int
avahi_loaded(struct adac_error *err)
{
	pthread_once(&av_once, av_load);
	if (av_why[0] != '\0')
		return adac_error_set(err, ADAC_E_DEPENDENCY, "",
				      "cannot load Avahi: %s", av_why);
	return ADAC_OK;
}

/* ---- records ------------------------------------------------------------ */

/* the length of s cut to at most max bytes, at a character boundary */
static size_t
utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

void
adac_live_mdns_txt(const struct adac_live_mdns_service *s,
		   struct adac_live_mdns_txt *txt)
{
	int n = 0;

	snprintf(txt->rec[n++], sizeof txt->rec[0], "txtvers=1");
	snprintf(txt->rec[n++], sizeof txt->rec[0], "version=%s", ADAC_VERSION);
	snprintf(txt->rec[n++], sizeof txt->rec[0], "token=%s",
		 s->token ? "required" : "none");
	if (s->osc_port > 0)
		snprintf(txt->rec[n++], sizeof txt->rec[0], "osc=%d", s->osc_port);
	if (s->program != NULL)
		snprintf(txt->rec[n++], sizeof txt->rec[0], "program=%.*s",
			 (int)utf8_cut(s->program, 255 - strlen("program=")),
			 s->program);
	if (s->kind != NULL)
		snprintf(txt->rec[n++], sizeof txt->rec[0], "kind=%.*s",
			 (int)utf8_cut(s->kind, 255 - strlen("kind=")), s->kind);
	txt->n = n;
}

void
adac_live_mdns_name(const char *name, const char *hostname,
		    char out[ADAC_LIVE_MDNS_NAME_MAX + 1])
{
	char buf[300];

	if (name == NULL) {
		snprintf(buf, sizeof buf, "adac-live on %s", hostname);
		name = buf;
	}
	snprintf(out, ADAC_LIVE_MDNS_NAME_MAX + 1, "%.*s",
		 (int)utf8_cut(name, ADAC_LIVE_MDNS_NAME_MAX), name);
}

/* the value of key in f's TXT records, or NULL */
static const char *
txt_get(const struct adac_live_mdns_found *f, const char *key)
{
	size_t n = strlen(key);
	int i;

	for (i = 0; i < f->n_txt; i++)
		if (strncmp(f->txt[i], key, n) == 0 && f->txt[i][n] == '=')
			return f->txt[i] + n + 1;
	return NULL;
}

int
adac_live_mdns_needs_token(const struct adac_live_mdns_found *f)
{
	const char *t = txt_get(f, "token");

	return t == NULL || strcmp(t, "none") != 0;
}

char *
adac_live_mdns_url(const struct adac_live_mdns_found *f)
{
	size_t cap = strlen(f->address) + IF_NAMESIZE + 32;
	char *s = malloc(cap);

	if (s == NULL)
		return NULL;
	if (strchr(f->address, ':') == NULL)
		snprintf(s, cap, "http://%s:%d/", f->address, f->port);
	else if (strncmp(f->address, "fe80:", 5) == 0 && f->ifname != NULL)
		snprintf(s, cap, "http://[%s%%25%.*s]:%d/", f->address,
			 IF_NAMESIZE, f->ifname, f->port);
	else
		snprintf(s, cap, "http://[%s]:%d/", f->address, f->port);
	return s;
}

/* s as a JSON string; what the network sent need not be UTF-8 */
static json_t *
text(const char *s)
{
	char *c;
	json_t *j;

	if (s == NULL)
		return json_null();
	if ((c = strdup(s)) == NULL)
		return NULL;
	adac_utf8_scrub(c);
	j = json_string(c);
	free(c);
	return j;
}

char *
adac_live_mdns_found_json(const struct adac_live_mdns_found *f)
{
	const char *osc = txt_get(f, "osc");
	char *url = adac_live_mdns_url(f), *s = NULL, *end = NULL;
	long port = -1;
	json_t *o;

	if (osc != NULL && *osc >= '0' && *osc <= '9') {
		port = strtol(osc, &end, 10);
		if (*end != '\0' || port > 65535)
			port = -1;
	}
	o = json_pack("{s:o,s:o,s:o,s:i,s:o,s:b,s:o,s:o,s:o,s:o,s:o}",
		      "name", text(f->name), "host", text(f->host),
		      "address", text(f->address), "port", f->port,
		      "url", text(url), "token", adac_live_mdns_needs_token(f),
		      "osc", port >= 0 ? json_integer(port) : json_null(),
		      "program", text(txt_get(f, "program")),
		      "version", text(txt_get(f, "version")),
		      "interface", text(f->ifname),
		      "kind", text(txt_get(f, "kind")));
	if (o != NULL)
		s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	free(url);
	return s;
}

/* ---- reaching the daemon ----------------------------------------------- */

/*
 * avahi_client_new() talks to the bus and waits for its answers without
 * a deadline: a bus that accepts and never answers holds it for good.  So
 * it runs on a thread of its own, and whoever waits for it can give up:
 * the thread is then left to finish (or not) and orphan() frees what it
 * was working for.
 */
struct conn {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	const AvahiPoll *api;
	AvahiClientCallback cb;
	void *ctx;
	/* on the thread, under lock, when done and still wanted */
	void (*finished)(void *ctx);
	void (*orphan)(void *ctx);	/* on the thread, when given up */
	AvahiClient *client;
	int error, done, abandoned;
};

static void *
conn_thread(void *arg)
{
	struct conn *c = arg;
	int e = 0;
	AvahiClient *client = av.avahi_client_new(c->api, 0, c->cb, c->ctx, &e);

	pthread_mutex_lock(&c->lock);
	c->client = client;
	c->error = client != NULL ? 0 : e;
	c->done = 1;
	if (c->abandoned) {
		pthread_mutex_unlock(&c->lock);
		c->orphan(c->ctx);	/* frees c */
		return NULL;
	}
	if (c->finished != NULL)
		c->finished(c->ctx);
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static int
conn_start(struct conn *c)
{
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	if (pthread_create(&c->thread, NULL, conn_thread, c) != 0) {
		pthread_mutex_destroy(&c->lock);
		pthread_cond_destroy(&c->cond);
		return -1;
	}
	return 0;
}

/*
 * Wait for the thread until the absolute CLOCK_REALTIME deadline (NULL:
 * do not wait).  1 when it has finished (joined: c->client and c->error
 * are set); 0 when it is given up, after which c belongs to the thread.
 */
static int
conn_wait(struct conn *c, const struct timespec *deadline)
{
	pthread_mutex_lock(&c->lock);
	while (!c->done && deadline != NULL &&
	       pthread_cond_timedwait(&c->cond, &c->lock, deadline) == 0)
		;
	if (!c->done) {
		c->abandoned = 1;
		pthread_mutex_unlock(&c->lock);
		pthread_detach(c->thread);
		return 0;
	}
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	return 1;
}

static void
conn_destroy(struct conn *c)
{
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
}

/* ---- announcing ---------------------------------------------------------- */

struct adac_live_mdns {
	struct conn conn;	/* first: orphan() frees the whole */
	AvahiThreadedPoll *poll;
	int polling;		/* Avahi's thread was started */
	AvahiClient *client;
	AvahiEntryGroup *group;
	int added;		/* the service is in the group */
	AvahiIfIndex iface;
	AvahiProtocol proto;
	char *name;		/* avahi_free()d: it may come from Avahi */
	struct adac_live_mdns_txt txt;
	int port;
	int failed_said;
	void (*announced)(void *ctx, const char *name);
	void (*failed)(void *ctx, const char *why);
	void *ctx;
};

/* say why the records are not out, once; with m->conn.lock held */
static void
say_failed(struct adac_live_mdns *m, const char *what, int code)
{
	char why[300];

	if (m->failed_said || m->conn.abandoned)
		return;
	m->failed_said = 1;
	snprintf(why, sizeof why, "%s: %s", what, av.avahi_strerror(code));
	if (m->failed != NULL)
		m->failed(m->ctx, why);
}

/*
 * The same without the lock held; the lock because from within
 * avahi_client_new() it may be said while serve stops.
 */
static void
fail_once(struct adac_live_mdns *m, const char *what, int code)
{
	pthread_mutex_lock(&m->conn.lock);
	say_failed(m, what, code);
	pthread_mutex_unlock(&m->conn.lock);
}

static void add_service(struct adac_live_mdns *m);

static void
on_group(AvahiEntryGroup *g, AvahiEntryGroupState state, void *ctx)
{
	struct adac_live_mdns *m = ctx;
	char *alt;

	m->group = g;
	switch (state) {
	case AVAHI_ENTRY_GROUP_ESTABLISHED:
		if (m->announced != NULL)
			m->announced(m->ctx, m->name);
		break;
	case AVAHI_ENTRY_GROUP_COLLISION:
		/* another service has the name: "NAME #2", as Avahi's tools do */
		if ((alt = av.avahi_alternative_service_name(m->name)) == NULL) {
			fail_once(m, "cannot announce", AVAHI_ERR_NO_MEMORY);
			break;
		}
		av.avahi_free(m->name);
		m->name = alt;
		av.avahi_entry_group_reset(g);
		add_service(m);
		break;
	case AVAHI_ENTRY_GROUP_FAILURE:
		fail_once(m, "cannot announce",
			  av.avahi_client_errno(m->client));
		break;
	default:
		break;
	}
}

static void
add_service(struct adac_live_mdns *m)
{
	const char *rec[ADAC_LIVE_MDNS_TXT_MAX];
	AvahiStringList *l;
	int i, r;

	m->added = 1;
	if (m->group == NULL &&
	    av.avahi_entry_group_new(m->client, on_group, m) == NULL) {
		fail_once(m, "cannot announce", av.avahi_client_errno(m->client));
		return;
	}
	for (i = 0; i < m->txt.n; i++)
		rec[i] = m->txt.rec[i];
	if ((l = av.avahi_string_list_new_from_array(rec, m->txt.n)) == NULL) {
		fail_once(m, "cannot announce", AVAHI_ERR_NO_MEMORY);
		return;
	}
	r = av.avahi_entry_group_add_service_strlst(m->group, m->iface, m->proto,
		0, m->name, ADAC_LIVE_MDNS_TYPE, NULL, NULL,
		(uint16_t)m->port, l);
	av.avahi_string_list_free(l);
	if (r == AVAHI_ERR_COLLISION) {
		on_group(m->group, AVAHI_ENTRY_GROUP_COLLISION, m);
		return;
	}
	if (r < 0 || (r = av.avahi_entry_group_commit(m->group)) < 0)
		fail_once(m, "cannot announce", r);
}

static void
on_client(AvahiClient *c, AvahiClientState state, void *ctx)
{
	struct adac_live_mdns *m = ctx;

	/* called from within avahi_client_new(), before it returns c */
	m->client = c;
	switch (state) {
	case AVAHI_CLIENT_S_RUNNING:
		if (!m->added)
			add_service(m);
		break;
	case AVAHI_CLIENT_S_COLLISION:
	case AVAHI_CLIENT_S_REGISTERING:
		/* the host's name changes: the records go out again after */
		if (m->group != NULL)
			av.avahi_entry_group_reset(m->group);
		m->added = 0;
		break;
	case AVAHI_CLIENT_FAILURE:
		fail_once(m, "the Avahi daemon went away",
			  av.avahi_client_errno(c));
		break;
	default:
		break;
	}
}

static void
announce_free(struct adac_live_mdns *m)
{
	m->client = m->conn.client;	/* not one avahi_client_new() failed */
	if (m->polling)
		av.avahi_threaded_poll_stop(m->poll);	/* joins it */
	if (m->client != NULL)
		av.avahi_client_free(m->client);	/* withdraws the group */
	av.avahi_threaded_poll_free(m->poll);
	av.avahi_free(m->name);
	conn_destroy(&m->conn);
	free(m);
}

/* the client is made, or not: Avahi's thread takes over its callbacks */
static void
announce_finished(void *ctx)
{
	struct adac_live_mdns *m = ctx;

	m->client = m->conn.client;
	if (m->client == NULL)
		say_failed(m, "cannot reach the Avahi daemon", m->conn.error);
	else if (!(m->polling = av.avahi_threaded_poll_start(m->poll) == 0))
		say_failed(m, "cannot start Avahi's thread", AVAHI_ERR_FAILURE);
}

static void
announce_orphan(void *ctx)
{
	announce_free(ctx);
}

/* the loopback interface's index, or AVAHI_IF_UNSPEC */
static AvahiIfIndex
loopback_index(void)
{
	struct ifaddrs *a, *p;
	AvahiIfIndex i = AVAHI_IF_UNSPEC;

	if (getifaddrs(&a) != 0)
		return i;
	for (p = a; p != NULL; p = p->ifa_next)
		if (p->ifa_flags & IFF_LOOPBACK) {
			i = (AvahiIfIndex)if_nametoindex(p->ifa_name);
			break;
		}
	freeifaddrs(a);
	return i != 0 ? i : AVAHI_IF_UNSPEC;
}

int
adac_live_mdns_announce(const struct adac_live_mdns_service *s,
			void (*announced)(void *ctx, const char *name),
			void (*failed)(void *ctx, const char *why),
			void *ctx, struct adac_live_mdns **out,
			struct adac_error *err)
{
	struct adac_live_mdns *m;
	char host[256] = "localhost", name[ADAC_LIVE_MDNS_NAME_MAX + 1];
	int rc;

	if ((rc = avahi_loaded(err)) != ADAC_OK)
		return rc;
	if ((m = calloc(1, sizeof *m)) == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	gethostname(host, sizeof host - 1);
	adac_live_mdns_name(s->name, host, name);
	adac_live_mdns_txt(s, &m->txt);
	m->port = s->port;
	m->iface = adac_live_is_loopback(s->listen_host) ? loopback_index()
							   : AVAHI_IF_UNSPEC;
	/* an IPv4 address is reachable over IPv4 only */
	m->proto = strchr(s->listen_host, ':') == NULL &&
		   strspn(s->listen_host, "0123456789.") == strlen(s->listen_host)
		   ? AVAHI_PROTO_INET : AVAHI_PROTO_UNSPEC;
	m->announced = announced;
	m->failed = failed;
	m->ctx = ctx;
	/* avahi_malloc is malloc unless a program changes it; we do not */
	m->name = strdup(name);
	if (m->name == NULL || (m->poll = av.avahi_threaded_poll_new()) == NULL) {
		free(m->name);
		free(m);
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	}
	/* the client is made before Avahi's thread runs, as Avahi requires */
	m->conn.api = av.avahi_threaded_poll_get(m->poll);
	m->conn.cb = on_client;
	m->conn.ctx = m;
	m->conn.finished = announce_finished;
	m->conn.orphan = announce_orphan;
	if (conn_start(&m->conn) != 0) {
		av.avahi_threaded_poll_free(m->poll);
		free(m->name);
		free(m);
		return adac_error_set(err, ADAC_E_NOMEM, "", "cannot start a thread");
	}
	*out = m;
	return ADAC_OK;
}

void
adac_live_mdns_stop(struct adac_live_mdns *m)
{
	if (m == NULL)
		return;
	/*
	 * Still waiting for the bus: leave the thread to free m if it ever
	 * returns, rather than hold up the end of serve.
	 */
	if (!conn_wait(&m->conn, NULL))
		return;
	announce_free(m);	/* no callback runs after it */
}

/* ---- browsing and resolving ----------------------------------------------- */

struct lookup {
	struct conn conn;	/* first: orphan() frees the whole */
	AvahiSimplePoll *poll;
	AvahiClient *client;
	void (*found)(const struct adac_live_mdns_found *f, void *ctx);
	void *ctx;
	int pending;		/* resolvers started and not yet answered */
	int all_for_now;	/* the daemon has said what it knows */
	int error;		/* an Avahi error code, or 0 */
	char **names;		/* instance names already reported */
	int n_names;
	/* resolve */
	char *url;
	int token, done;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
seen(struct lookup *k, const char *name)
{
	char **n;
	int i;

	for (i = 0; i < k->n_names; i++)
		if (strcmp(k->names[i], name) == 0)
			return 1;
	n = realloc(k->names, (size_t)(k->n_names + 1) * sizeof *n);
	if (n == NULL)
		return 1;
	k->names = n;
	if ((n[k->n_names] = strdup(name)) != NULL)
		k->n_names++;
	return 0;
}

static void
on_resolved(AvahiServiceResolver *r, AvahiIfIndex iface, AvahiProtocol proto,
	    AvahiResolverEvent event, const char *name, const char *type,
	    const char *domain, const char *host, const AvahiAddress *a,
	    uint16_t port, AvahiStringList *txt, AvahiLookupResultFlags flags,
	    void *ctx)
{
	struct lookup *k = ctx;
	struct adac_live_mdns_found f;
	const char *rec[64];
	char addr[AVAHI_ADDRESS_STR_MAX], ifname[IF_NAMESIZE] = "";
	AvahiStringList *l;
	int n = 0;

	(void)proto, (void)type, (void)domain, (void)flags;
	k->pending--;
	if (event == AVAHI_RESOLVER_FOUND) {
		/* TXT records are length-prefixed, not NUL-terminated: copy */
		char recs[64][256];

		for (l = txt; l != NULL && n < 64; l = l->next) {
			snprintf(recs[n], sizeof recs[n], "%.*s",
				 (int)(l->size < 255 ? l->size : 255),
				 (const char *)l->text);
			rec[n] = recs[n];
			n++;
		}
		av.avahi_address_snprint(addr, sizeof addr, a);
		if (if_indextoname((unsigned)iface, ifname) == NULL)
			ifname[0] = '\0';
		f.name = name;
		f.host = host;
		f.address = addr;
		f.ifname = ifname[0] != '\0' ? ifname : NULL;
		f.port = port;
		f.txt = rec;
		f.n_txt = n;
		if (k->found != NULL && !seen(k, name))
			k->found(&f, k->ctx);
		if (k->found == NULL && !k->done) {
			k->url = adac_live_mdns_url(&f);
			k->token = adac_live_mdns_needs_token(&f);
			k->done = 1;
		}
	} else if (k->found == NULL) {
		k->error = av.avahi_client_errno(k->client);
		k->done = 1;
	}
	av.avahi_service_resolver_free(r);
}

static void
on_browse(AvahiServiceBrowser *b, AvahiIfIndex iface, AvahiProtocol proto,
	  AvahiBrowserEvent event, const char *name, const char *type,
	  const char *domain, AvahiLookupResultFlags flags, void *ctx)
{
	struct lookup *k = ctx;

	(void)b, (void)flags;
	switch (event) {
	case AVAHI_BROWSER_NEW:
		if (av.avahi_service_resolver_new(k->client, iface, proto, name,
				type, domain, AVAHI_PROTO_INET, 0, on_resolved,
				k) != NULL)
			k->pending++;
		break;
	case AVAHI_BROWSER_ALL_FOR_NOW:
		k->all_for_now = 1;
		break;
	case AVAHI_BROWSER_FAILURE:
		k->error = av.avahi_client_errno(k->client);
		break;
	default:
		break;
	}
}

static void
on_lookup_client(AvahiClient *c, AvahiClientState state, void *ctx)
{
	struct lookup *k = ctx;

	k->client = c;
	if (state == AVAHI_CLIENT_FAILURE)
		k->error = av.avahi_client_errno(c);
}

static void
lookup_free(struct lookup *k)
{
	int i;

	if (k->conn.client != NULL)
		av.avahi_client_free(k->conn.client);	/* and its resolvers */
	if (k->poll != NULL)
		av.avahi_simple_poll_free(k->poll);
	for (i = 0; i < k->n_names; i++)
		free(k->names[i]);
	free(k->names);
	free(k->url);
	conn_destroy(&k->conn);
	free(k);
}

static void
lookup_orphan(void *ctx)
{
	lookup_free(ctx);
}

/* a lookup in *out, its client connected within timeout_ms */
static int
lookup_open(int timeout_ms, struct lookup **out, struct adac_error *err)
{
	struct lookup *k;
	struct timespec deadline;
	int rc;

	if ((rc = avahi_loaded(err)) != ADAC_OK)
		return rc;
	if ((k = calloc(1, sizeof *k)) == NULL ||
	    (k->poll = av.avahi_simple_poll_new()) == NULL) {
		free(k);
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	}
	k->conn.api = av.avahi_simple_poll_get(k->poll);
	k->conn.cb = on_lookup_client;
	k->conn.ctx = k;
	k->conn.orphan = lookup_orphan;
	if (conn_start(&k->conn) != 0) {
		av.avahi_simple_poll_free(k->poll);
		free(k);
		return adac_error_set(err, ADAC_E_NOMEM, "", "cannot start a thread");
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	if (!conn_wait(&k->conn, &deadline))
		return adac_error_set(err, ADAC_E_DEPENDENCY, "",
				      "the Avahi daemon did not answer within %g s",
				      timeout_ms / 1e3);
	/* not a client that on_lookup_client() saw and that then failed */
	k->client = k->conn.client;
	if (k->client == NULL) {
		rc = adac_error_set(err, ADAC_E_DEPENDENCY, "",
				    "cannot reach the Avahi daemon: %s",
				    av.avahi_strerror(k->conn.error));
		lookup_free(k);
		return rc;
	}
	*out = k;
	return ADAC_OK;
}

/* wait until done() or the deadline; 0, or an Avahi error code */
static int
lookup_wait(struct lookup *k, double deadline_ms, int (*done)(struct lookup *))
{
	double left;

	while (!done(k) && k->error == 0 && (left = deadline_ms - now_ms()) > 0)
		if (av.avahi_simple_poll_iterate(k->poll, (int)left + 1) != 0)
			break;
	return k->error;
}

static int
listed(struct lookup *k)
{
	return k->all_for_now && k->pending == 0;
}

int
adac_live_mdns_list(int timeout_ms,
		    void (*found)(const struct adac_live_mdns_found *f, void *ctx),
		    void *ctx, struct adac_error *err)
{
	struct lookup *k;
	double deadline = now_ms() + timeout_ms;
	int rc;

	if ((rc = lookup_open(timeout_ms, &k, err)) != ADAC_OK)
		return rc;
	k->found = found;
	k->ctx = ctx;
	/* IPv4: the address a service listens on is an IPv4 one by default */
	if (av.avahi_service_browser_new(k->client, AVAHI_IF_UNSPEC,
			AVAHI_PROTO_INET, ADAC_LIVE_MDNS_TYPE, NULL, 0, on_browse,
			k) == NULL)
		k->error = av.avahi_client_errno(k->client);
	if ((rc = lookup_wait(k, deadline, listed)) != 0)
		rc = adac_error_set(err, ADAC_E_DEPENDENCY, "",
				    "cannot browse for services: %s",
				    av.avahi_strerror(rc));
	lookup_free(k);
	return rc;
}

static int
resolved(struct lookup *k)
{
	return k->done;
}

int
adac_live_mdns_resolve(const char *name, int timeout_ms, char **url,
		       int *token, struct adac_error *err)
{
	struct lookup *k;
	double deadline = now_ms() + timeout_ms;
	int rc, e;

	if ((rc = lookup_open(timeout_ms, &k, err)) != ADAC_OK)
		return rc;
	if (av.avahi_service_resolver_new(k->client, AVAHI_IF_UNSPEC,
			AVAHI_PROTO_INET, name, ADAC_LIVE_MDNS_TYPE, NULL,
			AVAHI_PROTO_INET, 0, on_resolved, k) == NULL) {
		rc = adac_error_set(err, ADAC_E_INPUT, "",
				    "cannot look up service '%s': %s", name,
				    av.avahi_strerror(av.avahi_client_errno(k->client)));
		goto out;
	}
	k->pending = 1;
	e = lookup_wait(k, deadline, resolved);
	if (k->url != NULL) {
		*url = k->url;
		*token = k->token;
		k->url = NULL;
	} else {
		rc = adac_error_set(err, ADAC_E_IO, "",
				    "no service named '%s' answered%s%s", name,
				    e != 0 && e != AVAHI_ERR_TIMEOUT ? ": " : "",
				    e != 0 && e != AVAHI_ERR_TIMEOUT
				    ? av.avahi_strerror(e) : "");
	}
out:
	lookup_free(k);
	return rc;
}
