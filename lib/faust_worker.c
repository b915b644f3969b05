/*
 * Compiling FAUST in worker processes: the calling side (spawn, a pool of
 * workers started ahead, the request, the limits it enforces, the
 * answer) and the worker's own side (adac_faust_worker_main()).
 *
 * Why a process: libfaust can be kept busy for minutes, or made to
 * overflow its stack, by a few bytes of FAUST.  A process can be given
 * CPU-time and address-space limits and a large stack, and killed; the
 * caller only ever loads the finished code.  Workers are spawned
 * (posix_spawn of a separate executable), never forked from the calling
 * process, which has threads and libfaust loaded.
 *
 * A worker that answered within its limits takes the next request, so
 * that a compile does not pay for starting one and loading libfaust and
 * LLVM (about 0.1 s of CPU); one that hit a limit or crashed is killed,
 * and each leaves after REUSE compiles or once it has grown by GROWTH
 * (libfaust keeps memory).  Each request gets its own limits.
 *
 * The protocol, requests one after the other:
 *   caller -> worker, on its stdin: one line of JSON
 *     {"name","backend","double","target","opt_level","include_dir",
 *      "ftz","args","std_libs_only","cpu_s","mem_mb","stack_mb",
 *      "source_bytes"} then source_bytes bytes of FAUST source;
 *   worker -> caller, on its file descriptor 3: one line of JSON
 *     {"ok":true,"again","code_bytes","instance_bytes","compile_ms",
 *      "cpu_ms"} then code_bytes bytes of code, or
 *     {"ok":false,"again","code":"input"|"dependency"|"nomem",
 *      "limit":NAME|null,"error":TEXT};
 *     "again": whether it waits for another request (else it exits).
 * The worker's stdout and stderr are not the caller's: libfaust prints
 * on stdout ("extra text is : $"), and a tool's stdout is its output.
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
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "utf8.h"

#define MAX_IDLE 8
#define REUSE 64			/* compiles per worker */
#define GROWTH (512UL << 20)	/* address space a worker may gain */
#define MAX_HEADER 65536
#define MAX_ANSWER (1L << 30)
#define SLICE_MS 50
#define RESPONSE_FD 3

extern char **environ;

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *
limit_name(enum adac_faust_limit l)
{
	switch (l) {
	case ADAC_FAUST_LIMIT_NONE: return NULL;
	case ADAC_FAUST_LIMIT_CPU: return "cpu";
	case ADAC_FAUST_LIMIT_WALL: return "wall";
	case ADAC_FAUST_LIMIT_MEMORY: return "memory";
	case ADAC_FAUST_LIMIT_STACK: return "stack";
	case ADAC_FAUST_LIMIT_PROGRAM: return "program";
	case ADAC_FAUST_LIMIT_CRASH: return "crash";
	case ADAC_FAUST_LIMIT_CANCELLED: return "cancelled";
	}
	return NULL;
}

static enum adac_faust_limit
limit_from_name(const char *s)
{
	enum adac_faust_limit l;

	for (l = ADAC_FAUST_LIMIT_CPU; l <= ADAC_FAUST_LIMIT_CANCELLED; l++)
		if (s != NULL && strcmp(s, limit_name(l)) == 0)
			return l;
	return ADAC_FAUST_LIMIT_NONE;
}

/* ====================================================================== */
/* the calling side                                                        */
/* ====================================================================== */

struct worker {
	pid_t pid;
	int to;		/* its stdin: a socket, so that writing never raises SIGPIPE */
	int from;	/* its descriptor 3: a pipe */
};

static pthread_once_t path_once = PTHREAD_ONCE_INIT;
static char worker_path[PATH_MAX];

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cond = PTHREAD_COND_INITIALIZER;
static struct worker idle[MAX_IDLE];
static int n_idle, keep_idle, jobs;
static enum adac_faust_backend keep_backend = ADAC_FAUST_INTERP;

/*
 * $ADAC_FAUST_WORKER, else beside the running program as make lays it
 * out, built (build/bin/../libexec/adac/) and installed
 * (PREFIX/bin/../libexec/adac/).
 */
static void
find_worker(void)
{
	const char *env = getenv("ADAC_FAUST_WORKER");
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (env != NULL && env[0] != '\0') {
		snprintf(worker_path, sizeof worker_path, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0) {
		snprintf(worker_path, sizeof worker_path,
			 "adac-faust-worker");
		return;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash != NULL)
		*slash = '\0';
	snprintf(worker_path, sizeof worker_path,
		 "%.3800s/../libexec/adac/adac-faust-worker", exe);
}

static void
close_worker(struct worker *w)
{
	if (w->to >= 0)
		close(w->to);
	if (w->from >= 0)
		close(w->from);
	w->to = w->from = -1;
}

/* Kill w and reap it. */
static void
kill_worker(struct worker *w)
{
	close_worker(w);
	if (w->pid > 0) {
		kill(w->pid, SIGKILL);
		while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	w->pid = 0;
}

static int
spawn_worker(enum adac_faust_backend warm, struct worker *w,
	     struct adac_error *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	int sv[2] = { -1, -1 }, pp[2] = { -1, -1 }, r;
	char *argv[4];

	pthread_once(&path_once, find_worker);
	w->pid = 0;
	w->to = w->from = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
	    pipe2(pp, O_CLOEXEC) != 0) {
		r = errno;
		goto fail;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pp[1], RESPONSE_FD);
	/* nothing else of ours: sockets, log files, JACK's descriptors */
	posix_spawn_file_actions_addclosefrom_np(&fa, RESPONSE_FD + 1);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGXCPU);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	/* its own process group: a terminal's ^C is for the caller to handle */
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	argv[0] = worker_path;
	argv[1] = "--warm";
	argv[2] = warm == ADAC_FAUST_LLVM ? "llvm" : "interp";
	argv[3] = NULL;
	r = posix_spawn(&w->pid, worker_path, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r != 0) {
		w->pid = 0;
		goto fail;
	}
	close(sv[1]);
	close(pp[1]);
	w->to = sv[0];
	w->from = pp[0];
	fcntl(w->to, F_SETFL, O_NONBLOCK);
	fcntl(w->from, F_SETFL, O_NONBLOCK);
	return ADAC_OK;
fail:
	if (sv[0] >= 0) {
		close(sv[0]);
		close(sv[1]);
	}
	if (pp[0] >= 0) {
		close(pp[0]);
		close(pp[1]);
	}
	return adac_error_set(err, ADAC_E_DEPENDENCY, "",
			      "cannot start the compile worker %s: %s (set ADAC_FAUST_WORKER)",
			      worker_path, strerror(r));
}

/* Start workers until keep_idle wait (outside the lock: spawning takes ms). */
static void
refill(void)
{
	struct worker w;
	enum adac_faust_backend b;

	for (;;) {
		pthread_mutex_lock(&pool_lock);
		b = keep_backend;
		if (n_idle >= keep_idle) {
			pthread_mutex_unlock(&pool_lock);
			return;
		}
		pthread_mutex_unlock(&pool_lock);
		if (spawn_worker(b, &w, NULL) != ADAC_OK)
			return;
		pthread_mutex_lock(&pool_lock);
		if (n_idle < keep_idle) {
			idle[n_idle++] = w;
			w.pid = 0;
		}
		pthread_mutex_unlock(&pool_lock);
		if (w.pid != 0)
			kill_worker(&w);
	}
}

void
adac_faust_keep_workers(int n, enum adac_faust_backend backend)
{
	struct worker drop[MAX_IDLE];
	int n_drop = 0, i;

	if (n < 0)
		n = 0;
	if (n > MAX_IDLE)
		n = MAX_IDLE;
	pthread_mutex_lock(&pool_lock);
	keep_idle = n;
	/* workers warmed for the other backend are still good: keep them */
	keep_backend = backend;
	while (n_idle > keep_idle)
		drop[n_drop++] = idle[--n_idle];
	pthread_mutex_unlock(&pool_lock);
	for (i = 0; i < n_drop; i++)
		kill_worker(&drop[i]);
	refill();
}

static int
cancelled(const struct adac_faust_options *opt)
{
	return opt->cancel != NULL && atomic_load(opt->cancel) != 0;
}

/* Wait for a free job slot until deadline_ms. */
static int
acquire(const struct adac_faust_options *opt, double deadline_ms,
	enum adac_faust_limit *limit, struct adac_error *err)
{
	struct timespec ts;
	long cpus;
	int cap;

	pthread_mutex_lock(&pool_lock);
	for (;;) {
		/* at most one compile per CPU; the others wait */
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		cap = cpus > 0 ? (int)cpus : 1;
		if (jobs < cap)
			break;
		if (cancelled(opt) || mono_ms() >= deadline_ms) {
			pthread_mutex_unlock(&pool_lock);
			if (cancelled(opt)) {
				*limit = ADAC_FAUST_LIMIT_CANCELLED;
				return adac_error_set(err, ADAC_E_DEPENDENCY, "",
						      "compile cancelled");
			}
			*limit = ADAC_FAUST_LIMIT_WALL;
			return adac_error_set(err, ADAC_E_INPUT, "",
					      "no compiler was free within %g s (the compile-wall limit)",
					      opt->limits.wall_s);
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += SLICE_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&pool_cond, &pool_lock, &ts);
	}
	jobs++;
	pthread_mutex_unlock(&pool_lock);
	return ADAC_OK;
}

static void
release(void)
{
	pthread_mutex_lock(&pool_lock);
	jobs--;
	pthread_cond_signal(&pool_cond);
	pthread_mutex_unlock(&pool_lock);
}

/* A started worker that is still alive, or a new one. */
static int
take_worker(enum adac_faust_backend backend, struct worker *w,
	    struct adac_error *err)
{
	int got = 0;

	pthread_mutex_lock(&pool_lock);
	while (!got && n_idle > 0) {
		*w = idle[--n_idle];
		if (waitpid(w->pid, NULL, WNOHANG) == 0) {
			got = 1;
		} else {
			w->pid = 0;	/* it died waiting: reaped */
			close_worker(w);
		}
	}
	pthread_mutex_unlock(&pool_lock);
	if (got)
		return ADAC_OK;
	return spawn_worker(backend, w, err);
}

/* Write n bytes to fd before deadline; -1 timeout, -2 cancel, -3 error. */
static int
send_all(int fd, const char *p, size_t n, double deadline_ms,
	 const struct adac_faust_options *opt)
{
	struct pollfd pfd = { fd, POLLOUT, 0 };
	ssize_t k;

	while (n > 0) {
		if (cancelled(opt))
			return -2;
		if (mono_ms() >= deadline_ms)
			return -1;
		k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k > 0) {
			p += k;
			n -= k;
			continue;
		}
		if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -3;
		poll(&pfd, 1, SLICE_MS);
	}
	return 0;
}

/*
 * Read the worker's answer: until EOF, or until its header and the code
 * it announces have arrived.  Same returns as send_all().
 */
static int
read_answer(int fd, char **buf, size_t *len, double deadline_ms,
	    const struct adac_faust_options *opt)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t cap = 0, want = 0;
	char *b = NULL, *nb, *nl;
	ssize_t k;
	json_t *h;

	*len = 0;
	for (;;) {
		if (*len + 65536 + 1 > cap) {
			cap = cap ? 2 * cap : 131072;
			if (cap > (size_t)MAX_ANSWER + 65536 + 1 ||
			    (nb = realloc(b, cap)) == NULL) {
				free(b);
				*buf = NULL;
				return -3;
			}
			b = nb;
		}
		k = read(fd, b + *len, cap - *len - 1);
		if (k > 0) {
			*len += k;
			b[*len] = '\0';
			if (want == 0 && (nl = memchr(b, '\n', *len)) != NULL) {
				h = json_loadb(b, nl - b, 0, NULL);
				want = (nl - b) + 1 +
				       (size_t)json_integer_value(json_object_get(h, "code_bytes"));
				json_decref(h);
			}
			if (want > 0 && *len >= want)
				break;
			continue;
		}
		if (k == 0)
			break;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			break;
		if (cancelled(opt)) {
			*buf = b;
			return -2;
		}
		if (mono_ms() >= deadline_ms) {
			*buf = b;
			return -1;
		}
		poll(&pfd, 1, SLICE_MS);
	}
	*buf = b;
	return 0;
}

/* Reap w, waiting at most a second before killing it. */
static void
reap(struct worker *w, int *status, struct rusage *ru)
{
	double t0 = mono_ms();
	pid_t r;

	close_worker(w);
	for (;;) {
		r = wait4(w->pid, status, WNOHANG, ru);
		if (r == w->pid || (r < 0 && errno != EINTR))
			break;
		if (mono_ms() - t0 > 1000) {
			kill(w->pid, SIGKILL);
			while (wait4(w->pid, status, 0, ru) < 0 && errno == EINTR)
				;
			break;
		}
		usleep(500);
	}
	w->pid = 0;
}

static json_t *
request_header(const char *name, const struct adac_faust_options *opt,
	       size_t source_bytes)
{
	json_t *args = json_array(), *h;
	int i;

	for (i = 0; args != NULL && i < opt->n_extra_args; i++)
		json_array_append_new(args, json_string(opt->extra_args[i]));
	h = json_pack("{s:s,s:s,s:b,s:s,s:i,s:s?,s:i,s:o,s:b,s:f,s:I,s:I,s:I}",
		      "name", name,
		      "backend", opt->backend == ADAC_FAUST_LLVM ? "llvm" : "interp",
		      "double", opt->double_precision != 0,
		      "target", opt->target != NULL ? opt->target : "",
		      "opt_level", opt->opt_level,
		      "include_dir", opt->include_dir,
		      "ftz", opt->ftz,
		      "args", args,
		      "std_libs_only", opt->std_libs_only != 0,
		      "cpu_s", opt->limits.cpu_s,
		      "mem_mb", (json_int_t)opt->limits.mem_mb,
		      "stack_mb", (json_int_t)opt->limits.stack_mb,
		      "source_bytes", (json_int_t)source_bytes);
	return h;
}

/* What a worker that gave no answer died of. */
static int
classify(int status, const struct rusage *ru,
	 const struct adac_faust_options *opt, enum adac_faust_limit *limit,
	 struct adac_error *err)
{
	double cpu_s = ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 +
		       ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6;
	int sig;

	if (WIFSIGNALED(status)) {
		sig = WTERMSIG(status);
		if ((sig == SIGXCPU || sig == SIGKILL) && cpu_s >= opt->limits.cpu_s) {
			*limit = ADAC_FAUST_LIMIT_CPU;
			return adac_error_set(err, ADAC_E_INPUT, "",
					      "compiling used more than %g s of CPU time (the compile-cpu limit)",
					      opt->limits.cpu_s);
		}
		*limit = ADAC_FAUST_LIMIT_CRASH;
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "the compiler crashed (signal %d: %s)", sig,
				      strsignal(sig));
	}
	return adac_error_set(err, ADAC_E_DEPENDENCY, "",
			      "the compile worker %s gave no answer (exit status %d)",
			      worker_path, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* The worker's answer in buf (len bytes), into out or err. */
static int
parse_answer(char *buf, size_t len, struct adac_faust_code *out,
	     enum adac_faust_limit *limit, struct adac_error *err)
{
	char *nl = memchr(buf, '\n', len);
	json_t *h;
	const char *code, *text;
	size_t n;
	int rc;

	if (nl == NULL || (h = json_loadb(buf, nl - buf, 0, NULL)) == NULL)
		return -1;
	if (json_is_true(json_object_get(h, "ok"))) {
		n = (size_t)json_integer_value(json_object_get(h, "code_bytes"));
		if (n != len - (nl + 1 - buf) || n == 0) {
			json_decref(h);
			return -1;
		}
		out->code = malloc(n + 1);
		if (out->code == NULL) {
			json_decref(h);
			return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		}
		memcpy(out->code, nl + 1, n);
		out->code[n] = '\0';
		out->len = n;
		out->instance_bytes = (size_t)json_integer_value(
			json_object_get(h, "instance_bytes"));
		out->compile_ms = json_number_value(json_object_get(h, "compile_ms"));
		out->cpu_ms = json_number_value(json_object_get(h, "cpu_ms"));
		json_decref(h);
		return ADAC_OK;
	}
	code = json_string_value(json_object_get(h, "code"));
	text = json_string_value(json_object_get(h, "error"));
	*limit = limit_from_name(json_string_value(json_object_get(h, "limit")));
	rc = code != NULL && strcmp(code, "input") == 0 ? ADAC_E_INPUT
	     : code != NULL && strcmp(code, "nomem") == 0 ? ADAC_E_NOMEM
	     : ADAC_E_DEPENDENCY;
	adac_error_set(err, rc, "", "%s", text != NULL ? text : "compile failed");
	json_decref(h);
	return rc;
}

/* Back to the pool when it takes more requests and there is room. */
static void
put_back(struct worker *w)
{
	pthread_mutex_lock(&pool_lock);
	if (n_idle < MAX_IDLE && n_idle < (keep_idle > 2 ? keep_idle : 2)) {
		idle[n_idle++] = *w;
		w->pid = 0;
	}
	pthread_mutex_unlock(&pool_lock);
	if (w->pid != 0)
		kill_worker(w);
}

int
adac_faust_worker_compile(const char *name, const char *source,
			  const struct adac_faust_options *opt,
			  struct adac_faust_code *out,
			  enum adac_faust_limit *limit, struct adac_error *err)
{
	double deadline = mono_ms() + opt->limits.wall_s * 1e3;
	struct worker w = { 0, -1, -1 };
	struct rusage ru;
	json_t *h = NULL;
	char *head = NULL, *answer = NULL, *nl;
	size_t n = strlen(source), alen = 0;
	int status = 0, r, rc, again = 0;

	memset(out, 0, sizeof *out);
	memset(&ru, 0, sizeof ru);
	*limit = ADAC_FAUST_LIMIT_NONE;
	if ((rc = acquire(opt, deadline, limit, err)) != ADAC_OK)
		return rc;
	if ((rc = take_worker(opt->backend, &w, err)) != ADAC_OK)
		goto out;
	h = request_header(name, opt, n);
	head = h != NULL ? json_dumps(h, JSON_COMPACT) : NULL;
	if (head == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	r = send_all(w.to, head, strlen(head), deadline, opt);
	if (r == 0)
		r = send_all(w.to, "\n", 1, deadline, opt);
	if (r == 0)
		r = send_all(w.to, source, n, deadline, opt);
	/* a worker that died early cannot be written to: its answer says why */
	if (r == 0 || r == -3)
		r = read_answer(w.from, &answer, &alen, deadline, opt);
	if (r == -1 || r == -2) {
		kill_worker(&w);
		if (r == -2) {
			*limit = ADAC_FAUST_LIMIT_CANCELLED;
			rc = adac_error_set(err, ADAC_E_DEPENDENCY, "", "compile cancelled");
		} else {
			*limit = ADAC_FAUST_LIMIT_WALL;
			rc = adac_error_set(err, ADAC_E_INPUT, "",
					    "compiling took longer than %g s (the compile-wall limit)",
					    opt->limits.wall_s);
		}
		goto out;
	}
	if (answer != NULL && (nl = memchr(answer, '\n', alen)) != NULL) {
		json_t *ah = json_loadb(answer, nl - answer, 0, NULL);

		again = json_is_true(json_object_get(ah, "again"));
		json_decref(ah);
	}
	if (answer != NULL && (rc = parse_answer(answer, alen, out, limit, err)) >= 0) {
		if (again && *limit == ADAC_FAUST_LIMIT_NONE)
			put_back(&w);
		else
			reap(&w, &status, &ru);
		goto out;
	}
	reap(&w, &status, &ru);
	rc = classify(status, &ru, opt, limit, err);
out:
	if (w.pid != 0)
		kill_worker(&w);
	release();
	refill();	/* outside the compile: the next finds one started */
	json_decref(h);
	free(head);
	free(answer);
	return rc;
}

/* ====================================================================== */
/* the worker's side                                                       */
/* ====================================================================== */

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

	if (!answering && write(RESPONSE_FD, msg, n) < 0)
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
	const char *lim = limit_name(j->code.limit);
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
	if (s == NULL || write_all(RESPONSE_FD, s, strlen(s)) != 0 ||
	    write_all(RESPONSE_FD, "\n", 1) != 0)
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
	if (s == NULL || write_all(RESPONSE_FD, s, strlen(s)) != 0 ||
	    write_all(RESPONSE_FD, "\n", 1) != 0 ||
	    write_all(RESPONSE_FD, j->code.code, j->code.len) != 0)
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
	char *head = malloc(MAX_HEADER + 1), *src;
	size_t n = 0, body;
	ssize_t k;

	if (head == NULL)
		return -1;
	for (;;) {
		k = read(0, head + n, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || n == MAX_HEADER - 1)
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
		pfd.fd = RESPONSE_FD;
		pfd.events = 0;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLERR | POLLHUP)))
			_exit(1);
	}
	clear_limits();
	/* libfaust keeps memory: a worker lives for so many compiles */
	if (count + 1 >= REUSE || vm_now() > vm0 + GROWTH)
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

	if (fcntl(RESPONSE_FD, F_GETFD) < 0) {
		fprintf(stderr, "adac-faust-worker: compiles FAUST for the adac "
			"programs, which start it; it is not run by hand\n");
		return 2;
	}
	if (argc == 3 && strcmp(argv[1], "--warm") == 0 && strcmp(argv[2], "llvm") == 0)
		warm = ADAC_FAUST_LLVM;
	fcntl(RESPONSE_FD, F_SETFD, FD_CLOEXEC);
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
