#include "fixdiff.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "certificate.h"
#include "file.h"
#include "json.h"
#include "sim.h"

/*
 * The header and the architecture, compiled in: the build uses exactly
 * the arithmetic this library simulates, wherever adac is installed.
 * make runs the compiler from the top of the tree, where .incbin finds
 * them; the Makefile lists them as prerequisites of this object.
 */
__asm__(".pushsection .rodata\n"
	".balign 16\n"
	"adac_fixdiff_hpp:\n"
	".incbin \"include/adac/fixpoint.hpp\"\n"
	".byte 0\n"
	"adac_fixdiff_arch:\n"
	".incbin \"include/adac/fixpoint-arch.cpp\"\n"
	".byte 0\n"
	".popsection\n");
extern const char adac_fixdiff_hpp[] __asm__("adac_fixdiff_hpp");
extern const char adac_fixdiff_arch[] __asm__("adac_fixdiff_arch");

/* a path in the build directory */
#define PATHBUF 4200

struct build {
	char dir[4096];
	const struct adac_faust_limits *limits;
};

/* The first line of a log worth quoting: one with "error", else the first. */
static void
first_error_line(const char *log, char *line, size_t n)
{
	char buf[8192], *p, *pick = NULL, *end;
	FILE *f = fopen(log, "r");
	size_t len = 0;
	long lno;
	int at = 0;

	line[0] = '\0';
	if (f == NULL)
		return;
	len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[len] = '\0';
	for (p = buf; *p != '\0' && pick == NULL; p = end + (*end != '\0')) {
		end = p + strcspn(p, "\n");
		if (strstr(p, "error") != NULL && strstr(p, "error") < end)
			pick = p;
	}
	if (pick == NULL)
		pick = buf;
	/* faust's "p.dsp : 3 : ERROR : x" names our copy: "line 3: x" */
	if (sscanf(pick, "p.dsp : %ld : ERROR : %n", &lno, &at) == 1 && at > 0) {
		snprintf(line, n, "line %ld: %.*s", lno,
			 (int)strcspn(pick + at, "\n"), pick + at);
		return;
	}
	snprintf(line, n, "%.*s", (int)strcspn(pick, "\n"), pick);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Run argv in the build directory, stdin from in (or /dev/null), stdout
 * into out (or the log), stderr into the log, within the limits.  what
 * names the step in messages.  A failure is ADAC_E_INPUT (the program's
 * fault) unless the command cannot be started (ADAC_E_DEPENDENCY).
 */
static int
run_limited(const struct build *b, char *const argv[], const char *in,
	    const char *out, const char *what, struct adac_error *err)
{
	char log[PATHBUF], line[240];
	double deadline = now_s() + b->limits->wall_s;
	int status, killed = 0;
	pid_t pid, w;

	snprintf(log, sizeof log, "%s/log", b->dir);
	pid = fork();
	if (pid < 0)
		return adac_error_set(err, ADAC_E_DEPENDENCY, "", "cannot run %s: %s",
				      argv[0], strerror(errno));
	if (pid == 0) {
		struct rlimit rl;
		int fd;

		/* a process group of its own, so that the kill reaches cc1plus */
		setpgid(0, 0);
		rl.rlim_cur = rl.rlim_max = (rlim_t)ceil(b->limits->cpu_s);
		setrlimit(RLIMIT_CPU, &rl);
		rl.rlim_cur = rl.rlim_max = (rlim_t)b->limits->mem_mb << 20;
		setrlimit(RLIMIT_AS, &rl);
		rl.rlim_cur = rl.rlim_max = 0;
		setrlimit(RLIMIT_CORE, &rl);
		if (chdir(b->dir) != 0)
			_exit(126);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(126);
		if (out != NULL)
			fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(126);
		fd = open(in != NULL ? in : "/dev/null", O_RDONLY);
		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	setpgid(pid, pid);	/* either side may run first */
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			status = -1;
			break;
		}
		if (!killed && now_s() > deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			killed = 1;
		}
		nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
	}
	if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return ADAC_OK;
	/* a compiler's children (cc1plus, as) outlive a killed driver */
	kill(-pid, SIGKILL);
	if (killed)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "%s took more than %g s (--compile-wall)",
				      what, b->limits->wall_s);
	if (status != -1 && WIFSIGNALED(status) &&
	    (WTERMSIG(status) == SIGXCPU || WTERMSIG(status) == SIGKILL))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "%s used more than %g s of CPU time "
				      "(--compile-cpu)", what,
				      b->limits->cpu_s);
	first_error_line(log, line, sizeof line);
	if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return adac_error_set(err, ADAC_E_DEPENDENCY, "",
				      "cannot run %s", argv[0]);
	if (status != -1 && WIFSIGNALED(status))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "%s died of signal %d (out of memory "
				      "under --compile-mem?)%s%s", what,
				      WTERMSIG(status), line[0] ? ": " : "", line);
	return adac_error_set(err, ADAC_E_INPUT, "", "%s failed%s%s",
			      what, line[0] ? ": " : "", line);
}

static const char *
cxx(void)
{
	const char *c = getenv("CXX");

	return c != NULL && c[0] != '\0' ? c : "c++";
}

/* faust -fx and c++ in b->dir: the program p. */
static int
build_program(const struct build *b, const char *dsp,
	      const struct adac_fixpoint *fx, struct adac_error *err)
{
	char path[PATHBUF], d_bits[40], d_trunc[40], d_wrap[40];
	int rc;

	snprintf(path, sizeof path, "%s/adac", b->dir);
	if (mkdir(path, 0700) != 0)
		return adac_error_set(err, ADAC_E_IO, "", "%s: cannot create: %s",
				      path, strerror(errno));
	snprintf(path, sizeof path, "%s/adac/fixpoint.hpp", b->dir);
	if ((rc = adac_write_file(path, adac_fixdiff_hpp, strlen(adac_fixdiff_hpp),
			     err)) != ADAC_OK)
		return rc;
	snprintf(path, sizeof path, "%s/arch.cpp", b->dir);
	if ((rc = adac_write_file(path, adac_fixdiff_arch,
			     strlen(adac_fixdiff_arch), err)) != ADAC_OK)
		return rc;
	snprintf(path, sizeof path, "%s/p.dsp", b->dir);
	if ((rc = adac_write_file(path, dsp, strlen(dsp), err)) != ADAC_OK)
		return rc;
	{
		char *argv[] = { "faust", "-fx", "-lang", "cpp", "-a",
				 "arch.cpp", "p.dsp", "-o", "p.cpp", NULL };

		if ((rc = run_limited(b, argv, NULL, NULL, "faust -fx",
				      err)) != ADAC_OK)
			return rc;
	}
	snprintf(d_bits, sizeof d_bits, "-DADAC_FX_FRAC_BITS=%d",
		 fx->frac_bits);
	snprintf(d_trunc, sizeof d_trunc, "-DADAC_FX_TRUNCATE=%d",
		 fx->rounding == ADAC_FX_TRUNCATE);
	snprintf(d_wrap, sizeof d_wrap, "-DADAC_FX_WRAP=%d",
		 fx->overflow == ADAC_FX_WRAP);
	{
		/*
		 * -O1: the arithmetic is integer, so no flag changes the
		 * result (no -ffast-math issue); what matters is that
		 * large programs compile in bounded time.
		 */
		char *argv[] = { (char *)cxx(), "-std=c++11", "-O1", "-I.",
				 d_bits, d_trunc, d_wrap, "-o", "p", "p.cpp",
				 NULL };

		return run_limited(b, argv, NULL, NULL, "c++", err);
	}
}

/*
 * Run the program with x on input `input` of ni (zeros elsewhere):
 * *shape_ok is 0 when it has another shape than ni → no; else y gets
 * length × no raw values.
 */
static int
run_program(const struct build *b, const float *x, long length,
	    double fs_hz, int input, int ni, int no, int64_t *y, int *shape_ok, int64_t shape[2],
	    struct adac_error *err)
{
	char in[PATHBUF], out[PATHBUF];
	float *frames = calloc((size_t)length * (size_t)(ni > 0 ? ni : 1),
			       sizeof *frames);
	FILE *f;
	long n;
	int rc;

	if (frames == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	for (n = 0; n < length; n++)
		frames[n * ni + input] = x[n];
	snprintf(in, sizeof in, "%s/x.raw", b->dir);
	snprintf(out, sizeof out, "%s/y.raw", b->dir);
	rc = adac_write_file(in, frames, (size_t)length * (size_t)ni *
			sizeof *frames, err);
	free(frames);
	if (rc != ADAC_OK)
		return rc;
	{
		char rate[32];
		char *argv[] = { "./p", rate, NULL };

		snprintf(rate, sizeof rate, "%.0f", fs_hz);

		if ((rc = run_limited(b, argv, in, out, "the built program",
				      err)) != ADAC_OK)
			return rc;
	}
	if ((f = fopen(out, "rb")) == NULL)
		return adac_error_set(err, ADAC_E_IO, "", "%s: cannot read: %s",
				      out, strerror(errno));
	*shape_ok = fread(shape, sizeof *shape, 2, f) == 2 &&
		    shape[0] == ni && shape[1] == no;
	if (*shape_ok &&
	    fread(y, sizeof *y, (size_t)(length * no), f) !=
	    (size_t)(length * no))
		rc = adac_error_set(err, ADAC_E_INPUT, "",
				    "the built program wrote fewer samples "
				    "than it read");
	fclose(f);
	return rc;
}

static double
db(double x)
{
	return 20 * log10(x);
}

/* x into json, null for a non-finite value (a silent path's ratio) */
static json_t *
real_or_null(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

/*
 * Run sim on with zero input for ADAC_FIXDIFF_SETTLE_S, then return the
 * largest |output| (raw, per output into peak) over ADAC_FIXDIFF_RING_S
 * more: what still rings after the signal, a limit cycle once the
 * network's own response has died away.
 */
static int
ring_after(struct adac_fixpoint_sim *sim, double fs, int ni, int no,
	   int64_t *peak)
{
	enum { CHUNK = 1024 };
	long settle = (long)(ADAC_FIXDIFF_SETTLE_S * fs);
	long end = settle + (long)(ADAC_FIXDIFF_RING_S * fs), n, k, m;
	float *x = calloc((size_t)CHUNK * (size_t)ni, sizeof *x);
	int64_t *y = malloc((size_t)CHUNK * (size_t)no * sizeof *y);
	int o;

	if (x == NULL || y == NULL) {
		free(x);
		free(y);
		return -1;
	}
	for (o = 0; o < no; o++)
		peak[o] = 0;
	for (n = 0; n < end; n += m) {
		m = end - n < CHUNK ? end - n : CHUNK;
		adac_fixpoint_sim_process(sim, x, y, m);
		for (k = 0; k < m; k++)
			for (o = 0; o < no && n + k >= settle; o++) {
				int64_t v = y[k * no + o] < 0 ?
				    -y[k * no + o] : y[k * no + o];

				peak[o] = v > peak[o] ? v : peak[o];
			}
	}
	free(x);
	free(y);
	return 0;
}

/*
 * The zero-input report, beside what the IR's certificate promises when
 * adac-emit would build fx from it (fresh, passing, for fx itself).
 */
static json_t *
ring_json(const struct adac_ir *ir, const struct adac_fixpoint *fx,
	  json_t *paths, int64_t worst)
{
	const json_t *lc = json_object_get(json_object_get(json_object_get(
	    ir->json, "certificate"), "fixed_point"), "limit_cycles");
	struct adac_error e;
	int ours = adac_certify_check_target(ir, fx, &e) == ADAC_OK;

	return json_pack("{s:f,s:f,s:O,s:I,s:o,s:o}",
	    "after_s", (double)ADAC_FIXDIFF_SETTLE_S,
	    "over_s", (double)ADAC_FIXDIFF_RING_S, "paths", paths,
	    "peak_lsb", (json_int_t)worst,
	    "certified", ours && json_is_string(json_object_get(lc, "verdict")) ?
	    json_incref(json_object_get(lc, "verdict")) : json_null(),
	    "certified_bound_lsb", ours &&
	    json_is_number(json_object_get(lc, "amplitude_bound_lsb")) ?
	    json_incref(json_object_get(lc, "amplitude_bound_lsb")) :
	    json_null());
}

int
adac_fixdiff_run(const struct adac_ir *ir, const char *ir_name,
		 const char *dsp, const char *name,
		 const struct adac_fixpoint *fx,
		 const struct adac_stimulus *stim, long length,
		 const struct adac_faust_limits *limits, json_t **report,
		 int *equal, int *culprit, struct adac_error *err)
{
	struct build b;
	const char *tmp = getenv("TMPDIR");
	struct adac_response *model = NULL;
	struct adac_fixpoint_sim *sim = NULL;
	json_t *r = NULL, *paths = NULL, *npaths = NULL, *rpaths = NULL, *sig,
	       *ov, *nf;
	int64_t *ring = NULL, ring_worst = 0;
	double *xd = NULL, lsb = ldexp(1.0, -fx->frac_bits);
	double worst_db = -INFINITY;
	float *x = NULL;
	int64_t *ys = NULL, *yb = NULL, shape[2] = { 0, 0 };
	int64_t max_lsb = 0;
	long first = -1, n;
	int rc, i, o, shape_ok = 1, saturated = 0, worst_i = -1, worst_o = -1;
	int ni = ir->inputs, no = ir->outputs, heard = 0;
	char fmt[32];

	*report = NULL;
	*equal = 0;
	*culprit = 0;
	if ((rc = adac_fixpoint_check(ir, fx, err)) != ADAC_OK)
		return rc;
	*culprit = -1;
	if (ni < 1 || no < 1)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "an IR without inputs or outputs has no "
				      "path to compare");
	if (length <= 0)
		length = (long)(2.0 * ir->fs_hz);
	if (length < 1 || (double)length * ni * no > (double)(1L << 24))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "%ld samples on %d paths is more than "
				      "2^24 samples", length, ni * no);
	memset(&b, 0, sizeof b);
	b.limits = limits;
	snprintf(b.dir, sizeof b.dir, "%s/adac-fxdiff-XXXXXX",
		 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(b.dir) == NULL)
		return adac_error_set(err, ADAC_E_IO, "", "%s: cannot create: %s",
				      b.dir, strerror(errno));
	x = malloc((size_t)length * sizeof *x);
	xd = malloc((size_t)length * sizeof *xd);
	ys = malloc((size_t)length * (size_t)no * sizeof *ys);
	yb = malloc((size_t)length * (size_t)no * sizeof *yb);
	paths = json_array();
	npaths = json_array();
	rpaths = json_array();
	ring = malloc((size_t)no * sizeof *ring);
	if (x == NULL || xd == NULL || ys == NULL || yb == NULL ||
	    paths == NULL || npaths == NULL || rpaths == NULL || ring == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	/* the program reads floats: the model is driven by the same floats */
	adac_stimulus_fill(stim, ir->fs_hz, length, xd);
	for (n = 0; n < length; n++)
		xd[n] = x[n] = (float)xd[n];
	if ((rc = adac_sim_drive(ir, length, xd, NULL, 0, NULL, NULL, &model,
				 err)) != ADAC_OK)
		goto out;
	*culprit = 1;
	if ((rc = build_program(&b, dsp, fx, err)) != ADAC_OK)
		goto out;
	for (i = 0; i < ni && shape_ok; i++) {
		float *xi = calloc((size_t)length * (size_t)ni, sizeof *xi);

		if (xi == NULL) {
			rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
			goto out;
		}
		if ((rc = run_program(&b, x, length, ir->fs_hz, i, ni, no, yb, &shape_ok,
				      shape, err)) != ADAC_OK) {
			free(xi);
			goto out;
		}
		for (n = 0; n < length; n++)
			xi[n * ni + i] = x[n];
		*culprit = 0;
		rc = adac_fixpoint_sim_new(ir, fx, &sim, err);
		*culprit = 1;
		if (rc != ADAC_OK) {
			free(xi);
			goto out;
		}
		adac_fixpoint_sim_process(sim, xi, ys, length);
		saturated |= adac_fixpoint_sim_saturated(sim);
		if (ring_after(sim, ir->fs_hz, ni, no, ring) != 0) {
			free(xi);
			rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
			goto out;
		}
		for (o = 0; o < no; o++) {
			json_array_append_new(rpaths, json_pack("{s:i,s:i,s:I}",
			    "input", i, "output", o, "peak_lsb",
			    (json_int_t)ring[o]));
			ring_worst = ring[o] > ring_worst ? ring[o] : ring_worst;
		}
		adac_fixpoint_sim_free(sim);
		sim = NULL;
		free(xi);
		for (o = 0; o < no && shape_ok; o++) {
			const double *h = model->h + (size_t)(i * no + o) *
					  (size_t)length;
			int64_t m = 0, d;
			long f = -1, count = 0;
			double peak = 0, e = 0, v;

			for (n = 0; n < length; n++) {
				d = ys[n * no + o] - yb[n * no + o];
				d = d < 0 ? -d : d;
				if (d != 0 && f < 0)
					f = n;
				count += d != 0;
				heard |= ys[n * no + o] != 0;
				m = d > m ? d : m;
				v = fabs(adac_fixpoint_value(fx, ys[n * no + o]) -
					 h[n]);
				e = v > e ? v : e;
				peak = fabs(h[n]) > peak ? fabs(h[n]) : peak;
			}
			json_array_append_new(paths, json_pack(
			    "{s:i,s:i,s:I,s:o,s:I}", "input", i, "output", o,
			    "max_error_lsb", (json_int_t)m, "first_difference",
			    f >= 0 ? json_integer(f) : json_null(),
			    "differing_samples", (json_int_t)count));
			json_array_append_new(npaths, json_pack(
			    "{s:i,s:i,s:o,s:f}", "input", i, "output", o,
			    "error_db", real_or_null(db(e / peak)),
			    "max_error_lsb", e / lsb));
			if (peak > 0 && db(e / peak) > worst_db)
				worst_db = db(e / peak);
			/* the worst path: the largest error, the first of equals */
			if (m > max_lsb) {
				max_lsb = m;
				worst_i = i;
				worst_o = o;
			}
			if (f >= 0 && (first < 0 || f < first))
				first = f;
		}
	}
	/*
	 * "equal" needs evidence: a signal under half an LSB enters as 0
	 * and two silent outputs prove nothing of the program
	 */
	if (shape_ok && !heard) {
		*culprit = 0;
		rc = adac_error_set(err, ADAC_E_INPUT, "",
				    "the simulator's output is 0 on every path "
				    "over the %ld samples compared in %s: no "
				    "evidence (raise --level)", length,
				    adac_fixpoint_name(fmt, fx));
		goto out;
	}
	sig = json_pack("{s:s,s:f,s:I}", "kind", adac_stimulus_name(stim->kind),
			"level_db", stim->level_db, "active_samples",
			(json_int_t)adac_stimulus_active(stim, length));
	if (sig != NULL && stim->kind == ADAC_STIMULUS_NOISE)
		json_object_set_new(sig, "seed",
				    json_integer((json_int_t)stim->seed));
	*equal = shape_ok && max_lsb == 0;
	ov = json_pack("{s:s,s:I,s:o}", "verdict",
		       *equal ? "equal" : "different", "max_error_lsb",
		       (json_int_t)max_lsb, "first_difference",
		       first >= 0 ? json_integer(first) : json_null());
	if (ov != NULL && worst_i >= 0)
		json_object_set_new(ov, "worst_path",
				    json_pack("{s:i,s:i}", "input", worst_i,
					      "output", worst_o));
	if (ov != NULL && !shape_ok) {
		char note[200];

		snprintf(note, sizeof note, "the program has %lld inputs and "
			 "%lld outputs, the IR %d and %d", (long long)shape[0],
			 (long long)shape[1], ni, no);
		json_object_set_new(ov, "note", json_string(note));
		json_array_clear(paths);
		json_array_clear(npaths);
	}
	/*
	 * With :saturate the result depends on the order of additions once
	 * a partial sum saturates, and FAUST adds in its own order
	 * (docs/NOTES.md): say so, rather than leave a bare "different"
	 */
	if (ov != NULL && shape_ok && !*equal && saturated &&
	    fx->overflow == ADAC_FX_SATURATE)
		json_object_set_new(ov, "note", json_string(
		    "a sum saturated, after which FAUST's order of additions "
		    "decides the result; lower --level, or use :wrap, whose "
		    "sums do not depend on their order"));
	nf = json_pack("{s:s,s:O,s:o}", "against", "the double model",
		       "paths", npaths, "worst_error_db",
		       real_or_null(worst_db));
	if (!shape_ok)
		json_array_clear(rpaths);
	r = json_pack("{s:s,s:s,s:f,s:I,s:i,s:i,s:s,s:f,s:o,s:O,s:o,s:b,s:o,s:o}",
		      "reference", ir_name, "test", name, "fs", ir->fs_hz,
		      "samples", (json_int_t)length, "inputs", ni, "outputs",
		      no, "precision", adac_fixpoint_name(fmt, fx), "lsb", lsb,
		      "signal", sig, "paths", paths, "overall", ov,
		      "sums_saturated", saturated, "noise_floor", nf,
		      "zero_input", ring_json(ir, fx, rpaths, ring_worst));
	if (r == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	*report = r;
	*culprit = -1;
	rc = ADAC_OK;
out:
	adac_remove_tree(b.dir);
	adac_fixpoint_sim_free(sim);
	adac_response_free(model);
	json_decref(paths);
	json_decref(npaths);
	json_decref(rpaths);
	free(ring);
	free(x);
	free(xd);
	free(ys);
	free(yb);
	return rc;
}
