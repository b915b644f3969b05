/*
 * OSC control of a live engine: one UDP socket bound to loopback, one
 * thread, liblo's codec for the messages (lo_message_deserialise and
 * lo_message_serialise), so that what arrives is parsed by a library
 * that validates it and what leaves is well formed.
 */
#include "live_serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <lo/lo.h>

#define MAX_PACKET 65536

struct adac_live_osc {
	struct adac_live *live;
	int fd, port;
	int wake[2];		/* a pipe that ends the thread */
	pthread_t thread;
	int started;
	unsigned char buf[MAX_PACKET];
};

static void
send_value(struct adac_live_osc *o, const struct sockaddr_in *to,
	   const char *address, double value)
{
	lo_message m = lo_message_new();
	unsigned char out[1024];
	size_t n;

	if (m == NULL)
		return;
	lo_message_add_float(m, (float)value);
	n = lo_message_length(m, address);
	if (n <= sizeof out && lo_message_serialise(m, address, out, &n) != NULL)
		sendto(o->fd, out, n, MSG_DONTWAIT, (const struct sockaddr *)to,
		       sizeof *to);
	lo_message_free(m);
}

static void
answer_all(struct adac_live_osc *o, const struct sockaddr_in *to)
{
	char *s = adac_live_params_json(o->live);
	json_t *obj = s != NULL ? json_loads(s, 0, NULL) : NULL;
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
		send_value(o, to, key, json_number_value(v));
	json_decref(obj);
	free(s);
}

static void
handle(struct adac_live_osc *o, size_t n, struct sockaddr_in *from)
{
	struct adac_error err;
	const char *path, *types;
	lo_message m;
	lo_arg **argv;
	double v;
	int argc, r;

	if (n < 4 || o->buf[0] != '/' || memchr(o->buf, '\0', n) == NULL)
		return;		/* not a message: bundles and junk are ignored */
	m = lo_message_deserialise(o->buf, n, &r);
	if (m == NULL)
		return;
	path = (const char *)o->buf;
	argc = lo_message_get_argc(m);
	types = lo_message_get_types(m);
	argv = lo_message_get_argv(m);
	if (argc >= 1 && types != NULL && types[0] == LO_STRING &&
	    strcmp(&argv[0]->s, "get") == 0) {
		/* answer to the sender, or to a port of the sender's host */
		if (argc >= 2 && lo_is_numerical_type(types[1])) {
			double port = lo_hires_val(types[1], argv[1]);

			if (port >= 1 && port <= 65535)
				from->sin_port = htons((uint16_t)port);
		}
		if (strcmp(path, "/*") == 0)
			answer_all(o, from);
		else if (adac_live_param_get(o->live, path, &v, &err) == ADAC_OK)
			send_value(o, from, path, v);
	} else if (argc == 1 && types != NULL && lo_is_numerical_type(types[0])) {
		v = (double)lo_hires_val(types[0], argv[0]);
		adac_live_param_set(o->live, path, v, NULL, &err);	/* clamped */
	}
	lo_message_free(m);
}

static void *
osc_thread(void *arg)
{
	struct adac_live_osc *o = arg;
	struct pollfd pfd[2] = { { o->fd, POLLIN, 0 }, { o->wake[0], POLLIN, 0 } };
	struct sockaddr_in from;
	socklen_t flen;
	ssize_t n;

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents != 0)
			break;
		flen = sizeof from;
		n = recvfrom(o->fd, o->buf, sizeof o->buf, MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (n > 0 && flen == sizeof from && from.sin_family == AF_INET)
			handle(o, (size_t)n, &from);
	}
	return NULL;
}

int
adac_live_osc_start(struct adac_live *live, const char *port,
		    struct adac_live_osc **out, struct adac_error *err)
{
	struct adac_live_osc *o;
	struct sockaddr_in a;
	socklen_t alen = sizeof a;
	char *end;
	long p = strtol(port, &end, 10);
	int rc;

	if (end == port || *end != '\0' || p < 0 || p > 65535)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "OSC port '%s' is not 0..65535", port);
	o = calloc(1, sizeof *o);
	if (o == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	o->live = live;
	o->wake[0] = o->wake[1] = -1;
	o->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)p);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (o->fd < 0 || bind(o->fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    getsockname(o->fd, (struct sockaddr *)&a, &alen) != 0) {
		rc = adac_error_set(err, ADAC_E_IO, "",
				    "cannot listen for OSC on 127.0.0.1:%ld: %s",
				    p, strerror(errno));
		goto fail;
	}
	o->port = ntohs(a.sin_port);
	if (pipe(o->wake) != 0 || pthread_create(&o->thread, NULL, osc_thread, o) != 0) {
		rc = adac_error_set(err, ADAC_E_DEPENDENCY, "",
				    "cannot start the OSC thread");
		goto fail;
	}
	o->started = 1;
	*out = o;
	return ADAC_OK;
fail:
	adac_live_osc_stop(o);
	return rc;
}

int
adac_live_osc_port(const struct adac_live_osc *o)
{
	return o->port;
}

void
adac_live_osc_stop(struct adac_live_osc *o)
{
	if (o == NULL)
		return;
	if (o->started) {
		if (write(o->wake[1], "x", 1) != 1)
			pthread_cancel(o->thread);
		pthread_join(o->thread, NULL);
	}
	if (o->fd >= 0)
		close(o->fd);
	if (o->wake[0] >= 0)
		close(o->wake[0]);
	if (o->wake[1] >= 0)
		close(o->wake[1]);
	free(o);
}
