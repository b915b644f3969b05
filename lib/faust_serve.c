/*
 * faust_serve.c - the worker's side of compiling FAUST in worker
 * processes (faust_worker.c is the calling side, which has the protocol):
 * read a request, compile it with libfaust within its limits, answer,
 * and take the next one while the process stays small.
 */
#define _GNU_SOURCE

#include "faust_worker.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "utf8.h"

/*
 * What the signal handlers say: prepared before the compile starts, so
 * that a handler only calls write() and _exit().
 */
static char say_cpu[512], say_stack[512], say_memory[512], say_abort[512],
	    say_crash[512];
static volatile sig_atomic_t answering;
static int stderr_fd = -1;		/* a memfd holding what was printed */
static size_t stack_bytes;		/* for the compiler's threads */
/* the lowest address of this thread's stack, and its alternate stack */
static __thread char *stack_lo;
static __thread char *alt_stack;

/*
 * libfaust 2.54.9 compiles on a thread of its own with a 16 MB stack
 * (pthread_attr_setstacksize(16777216), measured), which is what
 * par(i, 100000, _) overflows.  The worker program interposes
 * pthread_attr_setstacksize() and pthread_create() and asks these: the
 * stack any thread gets, and a start that notes where its stack is and
 * gives it a signal stack, so that an overflow is reported as one.
 */
size_t
adac_faust_worker_stack_bytes(size_t asked)
{
	return asked < stack_bytes ? stack_bytes : asked;
}

void
adac_faust_worker_thread_start(void)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;
	stack_t ss;

	if (pthread_getattr_np(pthread_self(), &attr) == 0) {
		if (pthread_attr_getstack(&attr, &addr, &size) == 0)
			stack_lo = addr;
		pthread_attr_destroy(&attr);
	}
	alt_stack = malloc(65536);
	if (alt_stack != NULL) {
		ss.ss_sp = alt_stack;
		ss.ss_size = 65536;
		ss.ss_flags = 0;
		sigaltstack(&ss, NULL);
	}
}

void
adac_faust_worker_thread_end(void)
{
	stack_t ss;

	if (alt_stack == NULL)
		return;
	ss.ss_sp = NULL;
	ss.ss_size = 0;
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	free(alt_stack);
	alt_stack = NULL;
}

static void
say_and_exit(const char *msg)
{
	size_t n = strlen(msg);

	if (!answering && write(ADAC_FAUST_RESPONSE_FD, msg, n) < 0)
		_exit(4);
	_exit(3);
}

static void
on_xcpu(int sig)
{
	(void)sig;
	say_and_exit(say_cpu);
}

/* A fault just below the stack of the thread that took it: an overflow. */
static void
on_segv(int sig, siginfo_t *si, void *uc)
{
	char *a = si->si_addr;

	(void)sig;
	(void)uc;
	if (stack_lo != NULL && a < stack_lo + 4096 && a + (1 << 20) >= stack_lo)
		say_and_exit(say_stack);
	say_and_exit(say_crash);
}

/*
 * libstdc++ aborts on an uncaught std::bad_alloc, which is how libfaust
 * meets the address-space limit: it has said so on stderr.
 */
static void
on_abort(int sig)
{
	char buf[4096];
	ssize_t n;
	off_t end;

	(void)sig;
	if (stderr_fd >= 0 && (end = lseek(stderr_fd, 0, SEEK_END)) > 0) {
		off_t from = end > (off_t)sizeof buf - 1 ? end - (off_t)sizeof buf + 1 : 0;

		n = pread(stderr_fd, buf, sizeof buf - 1, from);
		if (n > 0) {
			buf[n] = '\0';
			if (memmem(buf, n, "bad_alloc", 9) != NULL ||
			    memmem(buf, n, "out of memory", 13) != NULL)
				say_and_exit(say_memory);
		}
	}
	say_and_exit(say_abort);
}

static void
prepare(char *dst, size_t cap, const char *limit, const char *text)
{
	json_t *o = json_pack("{s:b,s:s,s:s,s:s}", "ok", 0, "code", "input",
			      "limit", limit, "error", text);
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	snprintf(dst, cap, "%s\n", s != NULL ? s : "{\"ok\":false}");
	free(s);
	json_decref(o);
}

struct job {
	char *name, *source;
	struct adac_faust_options opt;
	const char **args;
	struct adac_faust_code code;
	struct adac_error err;
	int rc, again;
};

static void *
compile_thread(void *arg)
{
	struct job *j = arg;

	j->rc = adac_faust_build_code(j->name, j->source, &j->opt, &j->code,
				      &j->err);
	return NULL;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= k;
	}
	return 0;
}

static void
answer_error(struct job *j)
{
	const char *code = j->rc == ADAC_E_INPUT ? "input"
			   : j->rc == ADAC_E_NOMEM ? "nomem" : "dependency";
	const char *lim = adac_faust_limit_name(j->code.limit);
	json_t *o;
	char *s;

	/* allocation failing under the address-space limit is that limit */
	if (j->rc == ADAC_E_NOMEM) {
		code = "input";
		lim = "memory";
		snprintf(j->err.text, sizeof j->err.text,
			 "compiling needed more than %ld MB of memory (the compile-mem limit)",
			 j->opt.limits.mem_mb);
	}
	/* after a limit, a fresh worker is a safer bet */
	if (lim != NULL)
		j->again = 0;
	adac_utf8_scrub(j->err.text);
	o = json_pack("{s:b,s:b,s:s,s:s?,s:s}", "ok", 0, "again", j->again,
		      "code", code, "limit", lim, "error", j->err.text);
	s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	answering = 1;
	if (s == NULL || write_all(ADAC_FAUST_RESPONSE_FD, s, strlen(s)) != 0 ||
	    write_all(ADAC_FAUST_RESPONSE_FD, "\n", 1) != 0)
		j->again = 0;
	free(s);
	json_decref(o);
}

static void
answer_code(struct job *j)
{
	json_t *o = json_pack("{s:b,s:b,s:I,s:I,s:f,s:f}", "ok", 1,
			      "again", j->again,
			      "code_bytes", (json_int_t)j->code.len,
			      "instance_bytes", (json_int_t)j->code.instance_bytes,
			      "compile_ms", j->code.compile_ms,
			      "cpu_ms", j->code.cpu_ms);
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	answering = 1;
	if (s == NULL || write_all(ADAC_FAUST_RESPONSE_FD, s, strlen(s)) != 0 ||
	    write_all(ADAC_FAUST_RESPONSE_FD, "\n", 1) != 0 ||
	    write_all(ADAC_FAUST_RESPONSE_FD, j->code.code, j->code.len) != 0)
		j->again = 0;
	free(s);
	json_decref(o);
}

/* Read exactly n bytes of fd 0 into p. */
static int
read_exact(char *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		k = read(0, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= k;
	}
	return 0;
}

/*
 * The next request: its header into *h, its source (malloc'd) into
 * *source.  The header is read a byte at a time, so that nothing of the
 * source is read ahead of it.  -1 at the end of input or on junk.
 */
static int
read_request(json_t **h, char **source)
{
	char *head = malloc(ADAC_FAUST_MAX_HEADER + 1), *src;
	size_t n = 0, body;
	ssize_t k;

	if (head == NULL)
		return -1;
	for (;;) {
		k = read(0, head + n, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || n == ADAC_FAUST_MAX_HEADER - 1)
			goto fail;
		if (head[n++] == '\n')
			break;
	}
	*h = json_loadb(head, n - 1, 0, NULL);
	if (*h == NULL)
		goto fail;
	body = (size_t)json_integer_value(json_object_get(*h, "source_bytes"));
	if ((src = malloc(body + 1)) == NULL || read_exact(src, body) != 0) {
		free(src);
		json_decref(*h);
		goto fail;
	}
	src[body] = '\0';
	*source = src;
	free(head);
	return 0;
fail:
	free(head);
	return -1;
}

static size_t
vm_now(void)
{
	unsigned long pages;
	size_t vm = 0;
	FILE *fp = fopen("/proc/self/statm", "r");

	if (fp != NULL) {
		if (fscanf(fp, "%lu", &pages) == 1)
			vm = pages * (size_t)sysconf(_SC_PAGESIZE);
		fclose(fp);
	}
	return vm;
}

static timer_t cpu_timer;
static int have_timer;

/*
 * This request's limits, from what the worker uses now: the CPU time on
 * a timer that says why (and the soft rlimit as a backstop), the address
 * space (what is mapped now, the compiler's stack, then mem_mb).  The
 * hard limits stay where they were, so that the next request can have
 * limits of its own.
 */
static void
set_limits(const struct adac_faust_options *opt)
{
	struct itimerspec its;
	struct timespec now;
	struct rlimit rl;
	double at;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
	at = now.tv_sec + now.tv_nsec / 1e9 + opt->limits.cpu_s;
	if (have_timer) {
		memset(&its, 0, sizeof its);
		its.it_value.tv_sec = (time_t)at;
		its.it_value.tv_nsec = (long)((at - floor(at)) * 1e9);
		timer_settime(cpu_timer, TIMER_ABSTIME, &its, NULL);
	}
	if (getrlimit(RLIMIT_CPU, &rl) == 0) {
		rl.rlim_cur = (rlim_t)ceil(at) + 1;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
			rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_CPU, &rl);
	}
	if (getrlimit(RLIMIT_AS, &rl) == 0) {
		rl.rlim_cur = vm_now() + stack_bytes + ((size_t)opt->limits.mem_mb << 20);
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
			rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_AS, &rl);
	}
}

/* Between requests: no limits but the hard ones. */
static void
clear_limits(void)
{
	struct itimerspec its;
	struct rlimit rl;

	if (have_timer) {
		memset(&its, 0, sizeof its);
		timer_settime(cpu_timer, 0, &its, NULL);
	}
	if (getrlimit(RLIMIT_CPU, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_CPU, &rl);
	}
	if (getrlimit(RLIMIT_AS, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_AS, &rl);
	}
}

static void
handle_signals(void)
{
	struct sigaction sa;
	struct sigevent sev;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_xcpu;
	sigaction(SIGXCPU, &sa, NULL);
	sa.sa_handler = on_abort;
	sigaction(SIGABRT, &sa, NULL);
	sa.sa_handler = NULL;
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGXCPU;
	have_timer = timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &cpu_timer) == 0;
}

/* The options of the request, pointing into h and j. */
static int
options(json_t *h, struct job *j)
{
	struct adac_faust_options *o = &j->opt;
	json_t *args = json_object_get(h, "args");
	const char *backend = json_string_value(json_object_get(h, "backend"));
	size_t i;

	adac_faust_options_init(o);
	o->backend = backend != NULL && strcmp(backend, "interp") == 0
		     ? ADAC_FAUST_INTERP : ADAC_FAUST_LLVM;
	o->double_precision = json_is_true(json_object_get(h, "double"));
	o->target = json_string_value(json_object_get(h, "target"));
	o->opt_level = (int)json_integer_value(json_object_get(h, "opt_level"));
	o->include_dir = json_string_value(json_object_get(h, "include_dir"));
	o->ftz = (int)json_integer_value(json_object_get(h, "ftz"));
	o->std_libs_only = json_is_true(json_object_get(h, "std_libs_only"));
	o->limits.cpu_s = json_number_value(json_object_get(h, "cpu_s"));
	o->limits.mem_mb = (long)json_integer_value(json_object_get(h, "mem_mb"));
	o->limits.stack_mb = (long)json_integer_value(json_object_get(h, "stack_mb"));
	j->args = calloc(json_array_size(args) + 1, sizeof *j->args);
	if (j->args == NULL)
		return -1;
	for (i = 0; i < json_array_size(args); i++)
		j->args[i] = json_string_value(json_array_get(args, i));
	o->extra_args = j->args;
	o->n_extra_args = (int)json_array_size(args);
	j->name = (char *)json_string_value(json_object_get(h, "name"));
	return j->name != NULL && o->limits.cpu_s > 0 && o->limits.mem_mb > 0 &&
	       o->limits.stack_mb > 0 ? 0 : -1;
}

/* What the signal handlers say for this request's limits. */
static void
prepare_all(const struct job *j)
{
	char text[256];

	snprintf(text, sizeof text,
		 "compiling used more than %g s of CPU time (the compile-cpu limit)",
		 j->opt.limits.cpu_s);
	prepare(say_cpu, sizeof say_cpu, "cpu", text);
	snprintf(text, sizeof text,
		 "the compiler overflowed its %ld MB stack (the program nests too deeply)",
		 j->opt.limits.stack_mb);
	prepare(say_stack, sizeof say_stack, "stack", text);
	snprintf(text, sizeof text,
		 "compiling needed more than %ld MB of memory (the compile-mem limit)",
		 j->opt.limits.mem_mb);
	prepare(say_memory, sizeof say_memory, "memory", text);
	prepare(say_abort, sizeof say_abort, "crash", "the compiler aborted");
	prepare(say_crash, sizeof say_crash, "crash",
		"the compiler crashed (a memory fault)");
}

/*
 * Compile one request, answer it; 1 when this worker can take another.
 * home: the directory the worker started in (trusted code's imports are
 * found from there, as in the caller).
 */
static int
serve_one(json_t *h, char *source, int home, int count, size_t vm0)
{
	struct pollfd pfd;
	struct timespec ts;
	struct job *j;
	pthread_t t;
	int again;

	j = calloc(1, sizeof *j);
	if (j == NULL || options(h, j) != 0)
		_exit(2);
	j->source = source;
	j->again = 1;
	prepare_all(j);
	answering = 0;
	if (fchdir(home) != 0 ||
	    (j->opt.std_libs_only &&
	     (adac_faust_std_dir()[0] == '\0' || chdir(adac_faust_std_dir()) != 0))) {
		j->rc = adac_error_set(&j->err, ADAC_E_DEPENDENCY, "",
				       "the FAUST standard library was not found");
		answer_error(j);
		goto out;
	}
	/* from now on, every thread libfaust starts gets this stack */
	stack_bytes = (size_t)j->opt.limits.stack_mb << 20;
	set_limits(&j->opt);
	if (pthread_create(&t, NULL, compile_thread, j) != 0) {
		j->rc = adac_error_set(&j->err, ADAC_E_NOMEM, "", "out of memory");
		answer_error(j);
		_exit(0);
	}
	/* wait, and give up when the caller is gone (its end of 3 closed) */
	for (;;) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (pthread_timedjoin_np(t, NULL, &ts) == 0)
			break;
		pfd.fd = ADAC_FAUST_RESPONSE_FD;
		pfd.events = 0;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLERR | POLLHUP)))
			_exit(1);
	}
	clear_limits();
	/* libfaust keeps memory: a worker lives for so many compiles */
	if (count + 1 >= ADAC_FAUST_REUSE || vm_now() > vm0 + ADAC_FAUST_GROWTH)
		j->again = 0;
	if (j->rc == ADAC_OK)
		answer_code(j);
	else
		answer_error(j);
out:
	again = j->again;
	adac_faust_code_free(&j->code);
	free(j->args);
	free(j);
	return again;
}

int
adac_faust_worker_main(int argc, char **argv)
{
	enum adac_faust_backend warm = ADAC_FAUST_INTERP;
	struct rlimit rl = { 0, 0 };
	json_t *h;
	char *source;
	size_t vm0;
	int fd, home, count;

	if (fcntl(ADAC_FAUST_RESPONSE_FD, F_GETFD) < 0) {
		fprintf(stderr, "adac-faust-worker: compiles FAUST for the adac "
			"programs, which start it; it is not run by hand\n");
		return 2;
	}
	if (argc == 3 && strcmp(argv[1], "--warm") == 0 && strcmp(argv[2], "llvm") == 0)
		warm = ADAC_FAUST_LLVM;
	fcntl(ADAC_FAUST_RESPONSE_FD, F_SETFD, FD_CLOEXEC);
	setrlimit(RLIMIT_CORE, &rl);
	/* what libstdc++ says before it aborts, for on_abort() to read */
	fd = memfd_create("stderr", MFD_CLOEXEC);
	if (fd >= 0 && dup2(fd, 2) == 2)
		stderr_fd = 2;
	if (fd > 2)
		close(fd);
	home = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (home < 0)
		home = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	handle_signals();
	adac_faust_warm_up(warm);
	vm0 = vm_now();
	for (count = 0; read_request(&h, &source) == 0; count++) {
		int again = serve_one(h, source, home, count, vm0);

		json_decref(h);
		free(source);
		if (!again)
			break;
	}
	/* no teardown of libfaust and LLVM: the answers are all that count */
	_exit(0);
}
