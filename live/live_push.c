/*
 * adac-live push: one HTTP/1.1 POST over a plain socket.  A training
 * loop runs it after every step, so it stays small and dependency-free.
 */
#include "live_app.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_RESPONSE (16L << 20)
#define TIMEOUT_S 60

static int
parse_url(const char *url, char *host, size_t hcap, char *port, char *path,
	  size_t pcap, struct adac_error *err)
{
	const char *p, *slash, *colon;
	size_t n;

	if (strncmp(url, "http://", 7) != 0)
		goto bad;
	p = url + 7;
	slash = strchr(p, '/');
	if (slash == NULL)
		slash = p + strlen(p);
	if (*p == '[') {
		colon = memchr(p, ']', slash - p);
		if (colon == NULL)
			goto bad;
		n = colon - p - 1;
		if (n == 0 || n >= hcap)
			goto bad;
		memcpy(host, p + 1, n);
		colon++;
	} else {
		colon = memchr(p, ':', slash - p);
		n = (colon != NULL ? colon : slash) - p;
		if (n == 0 || n >= hcap)
			goto bad;
		memcpy(host, p, n);
	}
	host[n] = '\0';
	if (colon != NULL && colon < slash && *colon == ':') {
		n = slash - colon - 1;
		if (n == 0 || n > 5 || strspn(colon + 1, "0123456789") < n)
			goto bad;
		memcpy(port, colon + 1, n);
		port[n] = '\0';
	} else {
		strcpy(port, "80");
	}
	/* strip one trailing slash: URL/dsp is where programs go */
	n = strlen(slash);
	if (n > 0 && slash[n - 1] == '/')
		n--;
	if (n + 16 > pcap || memchr(slash, '?', n) != NULL)
		goto bad;
	memcpy(path, slash, n);
	strcpy(path + n, "/dsp?run=1");
	return ADAC_OK;
bad:
	return adac_error_set(err, ADAC_E_INPUT, "", "'%s' is not an http://HOST:PORT URL", url);
}

static int
send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

int
adac_live_push(const char *url, const char *token, const char *source,
	       size_t len, char **response, int *status, struct adac_error *err)
{
	char host[256], port[8], path[1024], head[2048], *buf = NULL, *body, *nb;
	struct addrinfo hints, *ai = NULL, *a;
	struct timeval tv = { TIMEOUT_S, 0 };
	size_t n = 0, cap = 0;
	ssize_t got;
	int fd = -1, rc = ADAC_OK, r;

	if ((rc = parse_url(url, host, sizeof host, port, path, sizeof path, err)) != ADAC_OK)
		return rc;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((r = getaddrinfo(host, port, &hints, &ai)) != 0)
		return adac_error_set(err, ADAC_E_IO, "", "%s: %s", url, gai_strerror(r));
	for (a = ai; a != NULL; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return adac_error_set(err, ADAC_E_IO, "", "cannot connect to %s: %s",
				      url, strerror(errno));
	snprintf(head, sizeof head,
		 "POST %s HTTP/1.1\r\nHost: %s%s%s:%s\r\n"
		 "Content-Type: text/plain; charset=utf-8\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n%s%s%s\r\n",
		 path, strchr(host, ':') ? "[" : "", host,
		 strchr(host, ':') ? "]" : "", port, len,
		 token != NULL ? "Authorization: Bearer " : "",
		 token != NULL ? token : "", token != NULL ? "\r\n" : "");
	if (send_all(fd, head, strlen(head)) != 0 || send_all(fd, source, len) != 0) {
		/* the service may answer 413 and close before reading it all */
		if (errno != EPIPE && errno != ECONNRESET) {
			rc = adac_error_set(err, ADAC_E_IO, "", "sending to %s: %s",
					    url, strerror(errno));
			goto out;
		}
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? 2 * cap : 16384;
			if (cap > (size_t)MAX_RESPONSE) {
				rc = adac_error_set(err, ADAC_E_IO, "",
						    "%s: response too large", url);
				goto out;
			}
			if ((nb = realloc(buf, cap)) == NULL) {
				rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
				goto out;
			}
			buf = nb;
		}
		got = recv(fd, buf + n, cap - n - 1, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = adac_error_set(err, ADAC_E_IO, "", "reading from %s: %s",
					    url, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += got;
	}
	if (buf == NULL || n < 12 || strncmp(buf, "HTTP/1.", 7) != 0) {
		rc = adac_error_set(err, ADAC_E_IO, "", "%s: not an HTTP response", url);
		goto out;
	}
	buf[n] = '\0';
	*status = atoi(buf + 9);
	body = strstr(buf, "\r\n\r\n");
	body = body != NULL ? body + 4 : buf + n;
	memmove(buf, body, strlen(body) + 1);
	*response = buf;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}
