#include "live_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * A writer that rewrites the file in place (open with O_TRUNC, write,
 * close) can be read half-way: the file is complete when it is closed
 * after writing (IN_CLOSE_WRITE) or renamed into place (IN_MOVED_TO) and
 * nothing has written to it since (IN_MODIFY).  A writer that keeps the
 * file open without writing for STALE_MS is taken to be done.
 */
#define STALE_MS 500

struct adac_live_watch {
	int fd;
	char *base;	/* the file's name inside the watched directory */
	int writing;	/* modified since it was last complete */
	int complete;	/* a complete version is waiting to be read */
	double last_ms;	/* when it was last modified */
};

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
adac_live_watch_new(const char *path, struct adac_live_watch **out,
		    struct adac_error *err)
{
	struct adac_live_watch *w;
	const char *slash = strrchr(path, '/');
	char *dir;
	int rc = ADAC_OK;

	w = calloc(1, sizeof *w);
	dir = strdup(path);
	if (w == NULL || dir == NULL) {
		free(w);
		free(dir);
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	}
	w->fd = -1;
	if (slash == NULL) {
		strcpy(dir, ".");
	} else if (slash == path) {
		dir[1] = '\0';
	} else {
		dir[slash - path] = '\0';
	}
	w->base = strdup(slash != NULL ? slash + 1 : path);
	if (w->base == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0 ||
	    inotify_add_watch(w->fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY) < 0) {
		rc = adac_error_set(err, ADAC_E_IO, "", "cannot watch '%s': %s",
				    dir, strerror(errno));
		goto out;
	}
	*out = w;
	w = NULL;
out:
	free(dir);
	adac_live_watch_free(w);
	return rc;
}

void
adac_live_watch_free(struct adac_live_watch *w)
{
	if (w == NULL)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->base);
	free(w);
}

/*
 * Consume every queued event, in order, into w's state; 1 when one was
 * about our file, 0 when none was, -1 on an inotify failure.
 */
static int
drain(struct adac_live_watch *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	char *p;
	int hit = 0;

	for (;;) {
		n = read(w->fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (p = buf; p < buf + n; p += sizeof *ev + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->len == 0 || strcmp(ev->name, w->base) != 0)
				continue;
			hit = 1;
			if (ev->mask & IN_MODIFY) {
				w->writing = 1;
				w->complete = 0;
				w->last_ms = mono_ms();
			}
			if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
				w->writing = 0;
				w->complete = 1;
			}
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		return -1;
	return hit;
}

int
adac_live_watch_wait(struct adac_live_watch *w, int timeout_ms)
{
	struct pollfd pfd = { w->fd, POLLIN, 0 };
	int r;

	if (!w->complete) {
		r = poll(&pfd, 1, timeout_ms);
		if (r < 0)
			return errno == EINTR ? 0 : -1;
		if (r > 0 && drain(w) < 0)
			return -1;
	}
	/* modified, and then left alone without a close: done all the same */
	if (w->writing && mono_ms() - w->last_ms >= STALE_MS) {
		w->writing = 0;
		w->complete = 1;
	}
	if (!w->complete)
		return 0;
	w->complete = 0;
	return 1;
}

int
adac_live_watch_changed(struct adac_live_watch *w)
{
	int r = drain(w);

	return r < 0 ? -1 : w->writing || w->complete;
}

int
adac_live_read_source(const char *path, char **source, int64_t *mtime_ns,
		      struct adac_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	ssize_t got;
	int fd, rc = ADAC_OK;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return adac_error_set(err, ADAC_E_IO, "", "cannot open: %s",
				      strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = adac_error_set(err, ADAC_E_IO, "", "cannot stat: %s",
				    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = adac_error_set(err, ADAC_E_INPUT, "", "not a regular file");
		goto out;
	}
	if (st.st_size > ADAC_LIVE_MAX_SOURCE) {
		rc = adac_error_set(err, ADAC_E_INPUT, "",
				    "program is larger than %ld bytes",
				    ADAC_LIVE_MAX_SOURCE);
		goto out;
	}
	buf = malloc(st.st_size + 1);
	if (buf == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	while (n < (size_t)st.st_size) {
		got = read(fd, buf + n, st.st_size - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = adac_error_set(err, ADAC_E_IO, "", "read failed: %s",
					    strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += got;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		rc = adac_error_set(err, ADAC_E_INPUT, "", "program holds a NUL byte");
		goto out;
	}
	if (mtime_ns != NULL)
		*mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
			    st.st_mtim.tv_nsec;
	*source = buf;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

char *
adac_live_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *name = strdup(slash != NULL ? slash + 1 : path), *dot;

	if (name == NULL)
		return NULL;
	dot = strrchr(name, '.');
	if (dot != NULL && dot != name)
		*dot = '\0';
	return name;
}

/* The file at path still has source's size and modification time. */
static int
same_file(const char *path, const char *source, int64_t mtime_ns)
{
	struct stat st;

	return stat(path, &st) == 0 && (size_t)st.st_size == strlen(source) &&
	       (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec == mtime_ns;
}

int
adac_live_follow(struct adac_live *live, struct adac_live_watch *w,
		 const char *path, int wait_ms, atomic_int *stop,
		 void (*report)(const struct adac_live_report *, void *),
		 void *ctx, struct adac_error *err)
{
	struct adac_live_report rep;
	struct adac_error rerr;
	char *name, *source;
	int64_t mtime, detect_ns;
	int rc, r;

	name = adac_live_name(path);
	if (name == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	while (!atomic_load(stop)) {
		adac_live_poll(live);
		r = adac_live_watch_wait(w, 20);
		if (r < 0) {
			rc = adac_error_set(err, ADAC_E_IO, "",
					    "watching '%s' failed: %s", path,
					    strerror(errno));
			goto out;
		}
		if (r == 0)
			continue;
		detect_ns = adac_live_now_ns();
		source = NULL;
		/* a file that vanished between writes comes back with an event */
		if (adac_live_read_source(path, &source, &mtime, &rerr) != ADAC_OK)
			continue;
		/*
		 * Written to while it was read: the text may be half of one
		 * version; the write in progress ends with an event.  Nor is an
		 * empty file a program: it is one truncated and not yet
		 * written.  Neither is a failed reload.
		 */
		if (adac_live_watch_changed(w) != 0 || source[0] == '\0' ||
		    !same_file(path, source, mtime)) {
			free(source);
			continue;
		}
		rc = adac_live_load(live, name, source, mtime, wait_ms, 0, &rep);
		free(source);
		if (rep.write_to_audible_ms >= 0)
			rep.detect_to_audible_ms = rep.write_to_audible_ms -
						   (detect_ns - mtime) / 1e6;
		if (report != NULL)
			report(&rep, ctx);
		if (rc == ADAC_E_NOMEM) {
			*err = rep.error;
			goto out;
		}
		rc = ADAC_OK;
	}
	rc = ADAC_OK;
out:
	free(name);
	return rc;
}
