/*
 * live_watch.h - follow a FAUST file as it is rewritten and load each
 * new version into a live engine.
 *
 * adac_live_watch_new() pairs with adac_live_watch_free().  The watcher
 * uses inotify on the file's directory, so that writers that replace the
 * file atomically (write a temporary, rename it into place) are seen as
 * well as writers that rewrite it in place (seen when they close it).
 */
#ifndef ADAC_LIVE_WATCH_H
#define ADAC_LIVE_WATCH_H

#include <stdatomic.h>
#include <stdint.h>

#include "error.h"
#include "live.h"

#define ADAC_LIVE_MAX_SOURCE (16L << 20)

struct adac_live_watch;

/* ADAC_E_IO when the directory cannot be watched. */
int adac_live_watch_new(const char *path, struct adac_live_watch **out,
			struct adac_error *err);
void adac_live_watch_free(struct adac_live_watch *w);

/*
 * Wait up to timeout_ms for a complete new version of the file: 1 when
 * there is one (it was closed after writing, or renamed into place, and
 * not written to since; or written to and then left alone 500 ms), 0 on
 * timeout or while it is still being written, -1 on an inotify failure.
 */
int adac_live_watch_wait(struct adac_live_watch *w, int timeout_ms);

/*
 * After reading the file: 1 when it has been written to or replaced
 * since adac_live_watch_wait() said it was complete (what was read may
 * be half of one version and half of another), 0 if not, -1 on an
 * inotify failure.
 */
int adac_live_watch_changed(struct adac_live_watch *w);

/*
 * Read path whole (at most ADAC_LIVE_MAX_SOURCE bytes, no NUL byte) into
 * a malloc'd string, with its modification time on CLOCK_REALTIME in
 * *mtime_ns (may be NULL).  ADAC_E_IO, ADAC_E_INPUT, ADAC_E_NOMEM.
 */
int adac_live_read_source(const char *path, char **source, int64_t *mtime_ns,
			  struct adac_error *err);

/* The program name a path gives: its base name without the extension. */
char *adac_live_name(const char *path);

/*
 * Follow path, watched by w (made for it), until *stop becomes non-zero:
 * after each write, load the new text into live (name as
 * adac_live_name(path), waiting up to wait_ms for the swap) and call
 * report(rep, ctx), also for a program that fails to compile.  Writes of
 * the same text are loaded too (and report ADAC_LIVE_UNCHANGED).
 * Returns ADAC_OK when stopped, ADAC_E_IO when the watch failed,
 * ADAC_E_NOMEM.
 */
int adac_live_follow(struct adac_live *live, struct adac_live_watch *w,
		     const char *path, int wait_ms, atomic_int *stop,
		     void (*report)(const struct adac_live_report *rep,
				    void *ctx),
		     void *ctx, struct adac_error *err);

#endif
