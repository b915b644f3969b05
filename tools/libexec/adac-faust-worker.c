/*
 * adac-faust-worker - compiles one FAUST program for an adac program
 * that started it, under the limits it was given, and answers with the
 * compiled code (see lib/faust_jit.h and lib/faust_serve.c).  It lives
 * in libexec: it is started by adac-diff, adac-ir and adac-live, not by
 * users.
 *
 * libfaust compiles on a thread it starts itself, with a fixed 16 MB
 * stack.  This program, and only this one, interposes the two pthread
 * calls involved (they are exported from it: see the Makefile), so that
 * the thread gets the stack the request asks for and an overflow of it
 * is reported as one.
 */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>

#include "faust_jit.h"
#include "faust_worker.h"

struct start {
	void *(*fn)(void *);
	void *arg;
};

static void *
trampoline(void *p)
{
	struct start s = *(struct start *)p;
	void *r;

	free(p);
	adac_faust_worker_thread_start();
	r = s.fn(s.arg);
	adac_faust_worker_thread_end();
	return r;
}

int
pthread_create(pthread_t *t, const pthread_attr_t *attr,
	       void *(*fn)(void *), void *arg)
{
	static int (*real)(pthread_t *, const pthread_attr_t *,
			   void *(*)(void *), void *);
	struct start *s;
	void *sym;
	int r;

	if (real == NULL) {
		sym = dlsym(RTLD_NEXT, "pthread_create");
		if (sym == NULL)
			abort();
		*(void **)&real = sym;
	}
	s = malloc(sizeof *s);
	if (s == NULL)
		return real(t, attr, fn, arg);
	s->fn = fn;
	s->arg = arg;
	r = real(t, attr, trampoline, s);
	if (r != 0)
		free(s);
	return r;
}

int
pthread_attr_setstacksize(pthread_attr_t *attr, size_t size)
{
	static int (*real)(pthread_attr_t *, size_t);
	void *sym;

	if (real == NULL) {
		sym = dlsym(RTLD_NEXT, "pthread_attr_setstacksize");
		if (sym == NULL)
			abort();
		*(void **)&real = sym;
	}
	return real(attr, adac_faust_worker_stack_bytes(size));
}

int
main(int argc, char **argv)
{
	return adac_faust_worker_main(argc, argv);
}
