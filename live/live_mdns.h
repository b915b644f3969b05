/*
 * live_mdns.h - DNS-SD over mDNS through the Avahi daemon: adac-live
 * serve announces itself, adac-live list and push --to find services by
 * name.
 *
 * libavahi-client is loaded at run time (dlopen), so that adac-live
 * starts, and serves, on a machine without Avahi; there every function
 * that talks to the daemon fails with ADAC_E_DEPENDENCY.  The functions
 * borrow their arguments; strings they return are malloc'd.
 *
 * The records: service type _adac-live._tcp in domain local, port the
 * HTTP port, and the TXT records, in this order,
 *	txtvers=1		the layout of these records
 *	version=0.1.0		adac's version
 *	token=required|none	whether requests need the service's token
 *	osc=PORT		the OSC port (loopback only); absent when off
 *	program=NAME		the file serve follows; absent without one
 *	kind=lv2		what announces it: absent for adac-live serve,
 *				lv2 for the adac-live.lv2 plugin in a DAW
 * A service that listens on a loopback address is announced on the
 * loopback interface only: a remote host could not reach it.
 */
#ifndef ADAC_LIVE_MDNS_H
#define ADAC_LIVE_MDNS_H

#include <stddef.h>

#include "error.h"

#define ADAC_LIVE_MDNS_TYPE "_adac-live._tcp"
#define ADAC_LIVE_MDNS_TXT_MAX 6
/* DNS labels: an instance name has at most 63 bytes */
#define ADAC_LIVE_MDNS_NAME_MAX 63

struct adac_live_mdns_service {
	const char *name;	/* instance name; NULL: "adac-live on HOSTNAME" */
	const char *listen_host;	/* the HTTP service's host */
	int port;		/* the HTTP service's port */
	int token;		/* 1 when requests need a token */
	int osc_port;		/* 0 when OSC is off */
	const char *program;	/* NULL: no program= record */
	const char *kind;	/* NULL: no kind= record */
};

struct adac_live_mdns_txt {
	int n;
	char rec[ADAC_LIVE_MDNS_TXT_MAX][256];	/* "key=value", <= 255 bytes */
};

/*
 * s's TXT records, in the order above.  A program name too long for one
 * record (255 bytes) is cut at a UTF-8 character boundary.
 */
void adac_live_mdns_txt(const struct adac_live_mdns_service *s,
			struct adac_live_mdns_txt *txt);

/*
 * The instance name announced: name, or "adac-live on HOSTNAME" when
 * name is NULL, cut at a UTF-8 character boundary to 63 bytes.
 */
void adac_live_mdns_name(const char *name, const char *hostname,
			 char out[ADAC_LIVE_MDNS_NAME_MAX + 1]);

/* A service found on the network. */
struct adac_live_mdns_found {
	const char *name;	/* instance name */
	const char *host;	/* its host's mDNS name, "vm.local" */
	const char *address;	/* numeric IPv4 or IPv6 address */
	const char *ifname;	/* the interface it was found on */
	int port;
	const char *const *txt;	/* its TXT records, "key=value" */
	int n_txt;
};

/*
 * http://ADDRESS:PORT/ for f (IPv6 in brackets, a link-local one with its
 * interface as zone, %25IF), malloc'd; NULL when out of memory.
 */
char *adac_live_mdns_url(const struct adac_live_mdns_found *f);

/*
 * 1 unless f's TXT says token=none: a service that does not say is taken
 * to need one.
 */
int adac_live_mdns_needs_token(const struct adac_live_mdns_found *f);

/*
 * One line of adac-live list, malloc'd (NULL when out of memory):
 * {"name":..,"host":..,"address":..,"port":N,"url":..,"token":BOOL,
 * "osc":N|null,"program":..|null,"version":..|null,"interface":..,
 * "kind":..|null}
 */
char *adac_live_mdns_found_json(const struct adac_live_mdns_found *f);

struct adac_live_mdns;

/*
 * Announce s in the background and return at once: the daemon is reached
 * on a thread of Avahi's, so that a slow or missing daemon never holds up
 * the caller.  announced(ctx, name) is called from that thread once the
 * records are registered (with the name used, which differs from the one
 * asked when another service had it); failed(ctx, why) at most once when
 * they cannot be (no daemon, the daemon went away).  Neither is called
 * after adac_live_mdns_stop() returns.  ADAC_E_DEPENDENCY when
 * libavahi-client cannot be loaded, ADAC_E_NOMEM.
 */
int adac_live_mdns_announce(const struct adac_live_mdns_service *s,
			    void (*announced)(void *ctx, const char *name),
			    void (*failed)(void *ctx, const char *why),
			    void *ctx, struct adac_live_mdns **out,
			    struct adac_error *err);
/* Withdraw the records and free m (NULL does nothing). */
void adac_live_mdns_stop(struct adac_live_mdns *m);

/*
 * Browse for _adac-live._tcp services for at most timeout_ms (less once
 * the daemon has answered from its cache and every service found is
 * resolved) and call found() once per instance name, with the first
 * address resolved.  ADAC_E_DEPENDENCY when libavahi-client cannot be
 * loaded or the daemon cannot be reached.
 */
int adac_live_mdns_list(int timeout_ms,
			void (*found)(const struct adac_live_mdns_found *f,
				      void *ctx),
			void *ctx, struct adac_error *err);

/*
 * Resolve the service named name within timeout_ms: *url (malloc'd) is
 * its http://ADDRESS:PORT/ and *token whether it needs a token.
 * ADAC_E_IO when no such service answers in time, ADAC_E_DEPENDENCY as
 * for list.
 */
int adac_live_mdns_resolve(const char *name, int timeout_ms, char **url,
			   int *token, struct adac_error *err);

#endif
