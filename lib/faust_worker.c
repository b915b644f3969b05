/*
 * Compiling FAUST in worker processes: the calling side (spawn, a pool of
 * workers started ahead, the request, the limits it enforces, the
 * answer).  The worker's own side, adac_faust_worker_main(), is
 * faust_serve.c.
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
 * and each leaves after ADAC_FAUST_REUSE compiles or once it has grown
 * by ADAC_FAUST_GROWTH (libfaust keeps memory).  Each request gets its
 * own limits.
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
#define MAX_ANSWER (1L << 30)
#define SLICE_MS 50
#define MAX_HEADER ADAC_FAUST_MAX_HEADER
#define RESPONSE_FD ADAC_FAUST_RESPONSE_FD

extern char **environ;

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

const char *
adac_faust_limit_name(enum adac_faust_limit l)
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
		if (s != NULL && strcmp(s, adac_faust_limit_name(l)) == 0)
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

static char worker_default[PATH_MAX];

void
adac_faust_set_worker_default(const char *path)
{
	snprintf(worker_default, sizeof worker_default, "%s", path);
}

/*
 * $ADAC_FAUST_WORKER, else the default a plugin set, else beside the
 * running program as make lays it out, built
 * (build/bin/../libexec/adac/) and installed (PREFIX/bin/../libexec/adac/).
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
	if (worker_default[0] != '\0') {
		memcpy(worker_path, worker_default, sizeof worker_path);
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
