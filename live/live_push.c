/*
 * adac-live push: one HTTP POST through libcurl.  A training loop runs
 * it after every step; libcurl does the URL, the connection, the request
 * and the response (chunked or not, a service that answers early), so
 * this file only says what to send and how to report what came back.
 */
#include "live_app.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"

#define MAX_RESPONSE (16L << 20)
/* a compile may keep the service silent this long before it answers */
#define TIMEOUT_S 60L

struct body {
	struct adac_buf b;
	int too_large;
};

static size_t
on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct body *r = ctx;

	if (r->b.len + n > (size_t)MAX_RESPONSE) {
		r->too_large = 1;
		return 0;	/* libcurl stops with CURLE_WRITE_ERROR */
	}
	adac_buf_put(&r->b, p, n);
	return r->b.failed ? 0 : size * n;
}

static int
bad_url(const char *url, struct adac_error *err)
{
	return adac_error_set(err, ADAC_E_INPUT, "",
			      "'%s' is not an http://HOST:PORT URL", url);
}

/*
 * URL/dsp?run=1 as a libcurl URL handle in *out: the URL is http:// with
 * a host, no user, query or fragment; one trailing slash of its path is
 * dropped, since URL/dsp is where programs go.  ADAC_E_INPUT otherwise.
 */
static int
dsp_url(const char *url, CURLU **out, struct adac_error *err)
{
	CURLU *u = curl_url();
	char *path = NULL, *part = NULL, *dsp = NULL;
	size_t n;
	int ok = 0;

	if (u == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	if (strncmp(url, "http://", 7) != 0 ||
	    curl_url_set(u, CURLUPART_URL, url, CURLU_DISALLOW_USER) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_QUERY, &part, 0) != CURLUE_NO_QUERY ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) != CURLUE_NO_FRAGMENT ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto out;
	n = strlen(path);
	if (n > 0 && path[n - 1] == '/')
		path[--n] = '\0';
	dsp = malloc(n + sizeof "/dsp");
	if (dsp == NULL)
		goto out;
	memcpy(dsp, path, n);
	memcpy(dsp + n, "/dsp", sizeof "/dsp");
	ok = curl_url_set(u, CURLUPART_PATH, dsp, 0) == CURLUE_OK &&
	     curl_url_set(u, CURLUPART_QUERY, "run=1", 0) == CURLUE_OK;
out:
	curl_free(part);
	curl_free(path);
	free(dsp);
	if (!ok) {
		curl_url_cleanup(u);
		return bad_url(url, err);
	}
	*out = u;
	return ADAC_OK;
}

/* libcurl's "Failed to connect to ..." in house style: lower case, no stop */
static const char *
house(char *why)
{
	size_t n = strlen(why);

	if (n > 0 && why[n - 1] == '.')
		why[n - 1] = '\0';
	why[0] = (char)tolower((unsigned char)why[0]);
	return why;
}

int
adac_live_push(const char *url, const char *token, const char *source,
	       size_t len, char **response, int *status, struct adac_error *err)
{
	char why[CURL_ERROR_SIZE] = "", *auth = NULL;
	struct curl_slist *head = NULL, *h;
	struct body r = {{0}, 0};
	CURLU *u = NULL;
	CURL *c = NULL;
	CURLcode cc;
	long code = 0, os_errno = 0;
	int rc = ADAC_OK;

	if ((rc = dsp_url(url, &u, err)) != ADAC_OK)
		return rc;
	c = curl_easy_init();
	if (c == NULL) {
		rc = adac_error_set(err, ADAC_E_DEPENDENCY, "",
				    "libcurl could not start");
		goto out;
	}
	/* no Expect: 100-continue, which costs a round trip or a second */
	h = curl_slist_append(NULL, "Content-Type: text/plain; charset=utf-8");
	head = h;
	if (h != NULL)
		h = curl_slist_append(head, "Expect:");
	if (h != NULL && token != NULL) {
		auth = malloc(strlen(token) + sizeof "Authorization: Bearer ");
		if (auth != NULL) {
			sprintf(auth, "Authorization: Bearer %s", token);
			h = curl_slist_append(head, auth);
		} else {
			h = NULL;
		}
	}
	if (h == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_CURLU, u);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, head);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, source);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, why);
	/* the URL given is the service: no proxy from the environment */
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, TIMEOUT_S);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
	if (r.too_large) {
		rc = adac_error_set(err, ADAC_E_IO, "", "%s: response too large", url);
		goto out;
	}
	if (r.b.failed) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	if (cc == CURLE_COULDNT_CONNECT) {
		rc = adac_error_set(err, ADAC_E_IO, "", "cannot connect to %s: %s",
				    url, os_errno != 0 ? strerror((int)os_errno)
						       : house(why));
		goto out;
	}
	/*
	 * A service that refuses a program too large (413) may answer and
	 * close before reading it all: its answer stands, whatever the send.
	 */
	if (cc != CURLE_OK && !(cc == CURLE_SEND_ERROR && code > 0)) {
		rc = adac_error_set(err, ADAC_E_IO, "", "%s: %s", url,
				    house(why[0] != '\0' ? why :
					  strcpy(why, curl_easy_strerror(cc))));
		goto out;
	}
	*response = adac_buf_take(&r.b);
	if (*response == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	*status = (int)code;
out:
	adac_buf_free(&r.b);
	curl_easy_cleanup(c);
	curl_slist_free_all(head);
	curl_url_cleanup(u);
	free(auth);
	return rc;
}
