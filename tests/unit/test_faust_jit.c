#include <float.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "faust_jit.h"
#include "unit.h"

#define FS 48000

static struct adac_faust *
compile(const char *src, int dbl)
{
	struct adac_faust_options opt;
	struct adac_faust *f = NULL;
	struct adac_error err;
	int rc;

	adac_faust_options_init(&opt);
	opt.double_precision = dbl;
	rc = adac_faust_compile("t", src, &opt, FS, &f, &err);
	if (rc != ADAC_OK)
		printf("#   compile failed: %s\n", err.text);
	return f;
}

/* The impulse response of output 0 to input 0 in float, n samples. */
static void
impulse_float(struct adac_faust *f, float *out, int n, int block)
{
	float *in = calloc(n, sizeof *in);
	void *ip[1], *op[1];
	int s;

	in[0] = 1;
	adac_faust_clear(f);
	for (s = 0; s < n; s += block) {
		ip[0] = in + s;
		op[0] = out + s;
		adac_faust_compute(f, n - s < block ? n - s : block, ip, op);
	}
	free(in);
}

static void
impulse_double(struct adac_faust *f, double *out, int n)
{
	double *in = calloc(n, sizeof *in);
	void *ip[1] = { in }, *op[1] = { out };

	in[0] = 1;
	adac_faust_clear(f);
	adac_faust_compute(f, n, ip, op);
	free(in);
}

/* A delay and a power-of-two gain: exact in float, h[3] = 0.5, else 0. */
static void
test_faust_jit__delay_gain_closed_form(void)
{
	struct adac_faust *f = compile("process = @(3) : *(0.5);", 0);
	float h[16];
	int n;

	check(f != NULL);
	if (f == NULL)
		return;
	check_int(adac_faust_inputs(f), 1);
	check_int(adac_faust_outputs(f), 1);
	check(!adac_faust_is_double(f));
	check(adac_faust_compile_ms(f) > 0);
	impulse_float(f, h, 16, 16);
	for (n = 0; n < 16; n++)
		check(h[n] == (n == 3 ? 0.5f : 0.0f));
	adac_faust_free(f);
}

/*
 * One-pole y[n] = x[n] + 0.9·y[n-1]: h[n] = 0.9^n.  In float the
 * coefficient is rounded once (relative 2^-24) and each step rounds a
 * product and a sum (2 × 2^-24), so after n steps the relative error is
 * at most about 3n·2^-24; in double the same with 2^-53.
 */
static void
test_faust_jit__one_pole_closed_form(void)
{
	struct adac_faust *f = compile("process = + ~ *(0.9);", 0);
	struct adac_faust *d = compile("process = + ~ *(0.9);", 1);
	float h[200];
	double hd[200];
	int n;

	check(f != NULL && d != NULL);
	if (f == NULL || d == NULL)
		goto out;
	check(adac_faust_is_double(d));
	impulse_float(f, h, 200, 64);
	impulse_double(d, hd, 200);
	for (n = 0; n < 200; n++) {
		double exact = pow(0.9, n);

		check_near(h[n], exact, exact * 3 * (n + 1) * 0x1p-24);
		check_near(hd[n], exact, exact * 3 * (n + 1) * 0x1p-53);
	}
	/* double really is double: the float result is further away */
	check(fabs(hd[100] - pow(0.9, 100)) < fabs(h[100] - pow(0.9, 100)));
out:
	adac_faust_free(f);
	adac_faust_free(d);
}

/*
 * No block-size dependence: a program with a long delay line, a
 * recursion and a biquad gives bit-identical output cut into blocks of
 * 1, 32, 256 and 4096 frames.
 */
static void
test_faust_jit__block_sizes_bit_identical(void)
{
	static const int blocks[] = { 1, 32, 256, 4096 };
	const char *src =
		"import(\"stdfaust.lib\");\n"
		"comb = (+ : @(1000)) ~ *(0.7);\n"
		"process = _ <: comb, fi.tf2(0.2, 0.3, 0.1, -0.5, 0.25) :> *(0.5);\n";
	struct adac_faust *f = compile(src, 0);
	int n = 10000, b;
	float *ref = malloc(n * sizeof *ref), *h = malloc(n * sizeof *h);

	check(f != NULL);
	if (f == NULL)
		goto out;
	impulse_float(f, ref, n, blocks[0]);
	/* the comb: first arrival at 1000, echo 1001 later (the ~ adds one) */
	check(ref[1000] != 0 && ref[2001] != 0);
	for (b = 1; b < 4; b++) {
		impulse_float(f, h, n, blocks[b]);
		check(memcmp(ref, h, n * sizeof *h) == 0);
	}
out:
	free(ref);
	free(h);
	adac_faust_free(f);
}

static void
test_faust_jit__compile_error_is_input_with_message(void)
{
	struct adac_faust *f = NULL;
	struct adac_error err;
	int rc;

	rc = adac_faust_compile("bad", "process = foo;", NULL, FS, &f, &err);
	check_int(rc, ADAC_E_INPUT);
	check(f == NULL);
	check_str(err.text, "line 1: undefined symbol : foo");

	rc = adac_faust_compile("bad", "\n\nprocess = +(1) : *(;", NULL, FS, &f, &err);
	check_int(rc, ADAC_E_INPUT);
	check(strncmp(err.text, "line 3: syntax error", 20) == 0);
	check(strchr(err.text, '\n') == NULL);

	rc = adac_faust_compile("bad", "", NULL, FS, &f, &err);
	check_int(rc, ADAC_E_INPUT);
	check(err.text[0] != '\0');
}

/* LLVM failing is libfaust's failure (exit 3), not the program's. */
static void
test_faust_jit__unknown_target_is_dependency(void)
{
	struct adac_faust_options opt;
	struct adac_faust *f = NULL;
	struct adac_error err;

	adac_faust_options_init(&opt);
	opt.target = "no-such-triple";
	check_int(adac_faust_compile("t", "process = _;", &opt, FS, &f, &err),
		  ADAC_E_DEPENDENCY);
	check(strstr(err.text, "no-such-triple") != NULL);
	check(f == NULL);
}

/*
 * The version of the libfaust that compiles, as libfaust gives it: a
 * dotted number such as "2.54.9", and never "unknown" once a compile
 * has worked (the library is loaded).
 */
static void
test_faust_jit__version_is_the_loaded_libfaust(void)
{
	struct adac_faust *f = compile("process = _;", 0);
	const char *v = adac_faust_version();

	check(f != NULL);
	check(v != NULL);
	if (v == NULL)
		goto out;
	check(v[0] >= '1' && v[0] <= '9');
	check(strchr(v, '.') != NULL);
	check(strcmp(v, "unknown") != 0);
out:
	adac_faust_free(f);
}

static void
test_faust_jit__parameters_by_address(void)
{
	const char *src =
		"declare name \"Rev\";\n"
		"process = *(hslider(\"gain[unit:dB]\", 0.5, 0, 1, 0.01))"
		" : *(hgroup(\"grp x\", nentry(\"rt60\", 2, 0.1, 10, 0.1)));\n";
	struct adac_faust *f = compile(src, 0);
	double min, max, init, step;
	float h[4];
	json_t *ui;
	int g, r;

	check(f != NULL);
	if (f == NULL)
		return;
	check_int(adac_faust_param_count(f), 2);
	g = adac_faust_param_find(f, "/Rev/gain");
	r = adac_faust_param_find(f, "/Rev/grp_x/rt60");
	check(g >= 0 && r >= 0);
	if (g < 0 || r < 0)
		goto out;
	check_str(adac_faust_param_label(f, r), "rt60");
	check_str(adac_faust_param_kind(f, g), "hslider");
	check_str(adac_faust_param_kind(f, r), "nentry");
	check_int(adac_faust_param_lookup(f, "rt60"), r);
	check_int(adac_faust_param_lookup(f, "grp_x/rt60"), r);
	check_int(adac_faust_param_lookup(f, "/Rev/gain"), g);
	check_int(adac_faust_param_lookup(f, "t60"), -1);
	check_int(adac_faust_param_find(f, "/Rev/nothing"), -1);
	adac_faust_param_range(f, r, &min, &max, &init, &step);
	check(min == 0.1f && max == 10 && init == 2 && step == 0.1f);
	check(adac_faust_param_get(f, g) == 0.5);

	/* 0.5 · 2 = 1; then 0.25 · 4 = 1 again, and 0.25 · 2 after a reset */
	impulse_float(f, h, 4, 4);
	check(h[0] == 1.0f);
	adac_faust_param_set(f, g, 0.25);
	adac_faust_param_set(f, r, 4);
	check(adac_faust_param_get(f, g) == 0.25);
	impulse_float(f, h, 4, 4);
	check(h[0] == 1.0f);
	adac_faust_param_set(f, r, 2);
	adac_faust_clear(f);	/* keeps parameter values */
	impulse_float(f, h, 4, 4);
	check(h[0] == 0.5f);
	adac_faust_reset_params(f);
	check(adac_faust_param_get(f, g) == 0.5);

	ui = json_loads(adac_faust_json_ui(f), 0, NULL);
	check(ui != NULL);
	check_str(json_string_value(json_object_get(ui, "name")), "Rev");
	check_int(json_integer_value(json_object_get(ui, "inputs")), 1);
	{
		json_t *top = json_array_get(json_object_get(ui, "ui"), 0);
		json_t *items = json_object_get(top, "items");
		json_t *gain = json_array_get(items, 0);
		json_t *grp = json_array_get(items, 1);
		json_t *rt = json_array_get(json_object_get(grp, "items"), 0);

		check_str(json_string_value(json_object_get(top, "type")), "vgroup");
		check_str(json_string_value(json_object_get(gain, "address")), "/Rev/gain");
		check_str(json_string_value(json_object_get(json_array_get(
			json_object_get(gain, "meta"), 0), "unit")), "dB");
		check_str(json_string_value(json_object_get(grp, "type")), "hgroup");
		check_str(json_string_value(json_object_get(rt, "address")), "/Rev/grp_x/rt60");
		check(json_real_value(json_object_get(rt, "max")) == 10);
	}
	json_decref(ui);
out:
	adac_faust_free(f);
}

/*
 * -double: buffers and zones are double, and the arithmetic is: x/3
 * gives the double quotient, which the float build cannot.
 */
static void
test_faust_jit__double_versus_float(void)
{
	const char *src = "process = /(3) : *(hslider(\"g\", 1, 0, 2, 0.001));";
	struct adac_faust *f = compile(src, 0), *d = compile(src, 1);
	double hd[2];
	float h[2];
	int g;

	check(f != NULL && d != NULL);
	if (f == NULL || d == NULL)
		goto out;
	impulse_float(f, h, 2, 2);
	impulse_double(d, hd, 2);
	check(h[0] == (float)1 / 3);
	check(hd[0] == 1.0 / 3);
	/* a value float cannot hold survives in the double zone */
	g = adac_faust_param_find(d, "/t/g");
	check(g >= 0);
	if (g < 0)
		goto out;
	adac_faust_param_set(d, g, 1 + DBL_EPSILON);
	check(adac_faust_param_get(d, g) == 1 + DBL_EPSILON);
	adac_faust_param_set(f, adac_faust_param_find(f, "/t/g"), 1 + DBL_EPSILON);
	check(adac_faust_param_get(f, adac_faust_param_find(f, "/t/g")) == 1);
out:
	adac_faust_free(f);
	adac_faust_free(d);
}

/* Another rate: constants follow it, parameter values stay. */
static void
test_faust_jit__set_fs_keeps_parameters(void)
{
	struct adac_faust *f = compile("import(\"stdfaust.lib\");\n"
				       "process = *(ma.SR) : *(hslider(\"g\", 1, 0, 4, 0.5));", 0);
	float h[2];
	int g;

	check(f != NULL);
	if (f == NULL)
		return;
	g = adac_faust_param_find(f, "/t/g");
	check(g >= 0);
	if (g < 0)
		goto out;
	adac_faust_param_set(f, g, 2);
	impulse_float(f, h, 2, 2);
	check(h[0] == 96000);
	adac_faust_set_fs(f, 44100);
	check_int(adac_faust_fs_hz(f), 44100);
	check(adac_faust_param_get(f, g) == 2);
	impulse_float(f, h, 2, 2);
	check(h[0] == 88200);
out:
	adac_faust_free(f);
}

/*
 * A hidden entry's init has every digit of the text in double (the LLVM
 * backend itself keeps 6), after compiling and after a reset; an entry
 * that is not hidden keeps what libfaust read.
 */
static void
test_faust_jit__hidden_inits_have_every_digit(void)
{
	struct adac_faust *f = compile(
		"process = *(nentry(\"v0[hidden:1]\", 0.24988747467610295, -1e9, 1e9, 0))"
		" : *(nentry(\"seen\", 0.5, 0, 1, 0.1));", 1);
	int v, seen;

	check(f != NULL);
	if (f == NULL)
		return;
	v = adac_faust_param_lookup(f, "v0");
	seen = adac_faust_param_lookup(f, "seen");
	check(v >= 0 && seen >= 0);
	if (v < 0 || seen < 0)
		goto out;
	check(adac_faust_param_get(f, v) == 0.24988747467610295);
	adac_faust_param_set(f, v, 0);
	adac_faust_param_set(f, seen, 1);
	adac_faust_reset_params(f);
	check(adac_faust_param_get(f, v) == 0.24988747467610295);
	check(adac_faust_param_get(f, seen) == 0.5);
out:
	adac_faust_free(f);
}

/* The interpreter computes what the JIT does; it refuses -double. */
static void
test_faust_jit__interpreter_backend(void)
{
	struct adac_faust_options opt;
	struct adac_faust *f = NULL;
	struct adac_error err;
	float h[8];
	int n, rc;

	adac_faust_options_init(&opt);
	opt.backend = ADAC_FAUST_INTERP;
	rc = adac_faust_compile("i", "process = @(3) : *(0.5);", &opt, FS, &f, &err);
	check_int(rc, ADAC_OK);
	if (rc != ADAC_OK)
		return;
	impulse_float(f, h, 8, 3);
	for (n = 0; n < 8; n++)
		check(h[n] == (n == 3 ? 0.5f : 0.0f));
	adac_faust_free(f);
	f = NULL;
	opt.double_precision = 1;
	rc = adac_faust_compile("i", "process = _;", &opt, FS, &f, &err);
	check_int(rc, ADAC_E_INPUT);
	check(f == NULL);
}

/*
 * libfaust caches factories by source: two programs from one source share
 * a factory, and freeing one must leave the other running.
 */
static void
test_faust_jit__shared_factory_survives_free(void)
{
	const char *src = "process = @(2);";
	struct adac_faust *a = compile(src, 0), *b = compile(src, 0), *c;
	float h[4];

	check(a != NULL && b != NULL);
	if (a == NULL || b == NULL)
		goto out;
	adac_faust_free(a);
	a = NULL;
	impulse_float(b, h, 4, 4);
	check(h[2] == 1 && h[0] == 0);
	adac_faust_free(b);
	b = NULL;
	c = compile(src, 0);
	check(c != NULL);
	if (c != NULL) {
		impulse_float(c, h, 4, 4);
		check(h[2] == 1);
	}
	adac_faust_free(c);
out:
	adac_faust_free(a);
	adac_faust_free(b);
}

struct job {
	int id, ok;
};

static void *
compile_many(void *arg)
{
	struct job *j = arg;
	char src[128];
	float h[8];
	int k;

	j->ok = 1;
	for (k = 0; k < 4; k++) {
		struct adac_faust *f;

		snprintf(src, sizeof src, "process = @(%d) : *(%d);", 1 + k, j->id + 2);
		f = compile(src, 0);
		if (f == NULL) {
			j->ok = 0;
			continue;
		}
		impulse_float(f, h, 8, 8);
		if (h[1 + k] != j->id + 2)
			j->ok = 0;
		adac_faust_free(f);
	}
	return NULL;
}

/* Compiling from several threads at once works (the mutex holds). */
static void
test_faust_jit__threads_compile_concurrently(void)
{
	pthread_t t[3];
	struct job j[3];
	int i;

	for (i = 0; i < 3; i++) {
		j[i].id = i;
		pthread_create(&t[i], NULL, compile_many, &j[i]);
	}
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		check(j[i].ok);
	}
}

/* A file is named after itself and finds libraries beside it. */
static void
test_faust_jit__compile_file_with_local_import(void)
{
	char dir[] = "/tmp/adac-jit-XXXXXX", path[256], lib[256];
	struct adac_faust *f = NULL;
	struct adac_error err;
	FILE *fp;
	float h[4];
	int rc;

	check(mkdtemp(dir) != NULL);
	snprintf(lib, sizeof lib, "%s/mine.lib", dir);
	snprintf(path, sizeof path, "%s/prog.dsp", dir);
	fp = fopen(lib, "w");
	fputs("twice = *(2);\n", fp);
	fclose(fp);
	fp = fopen(path, "w");
	fputs("m = library(\"mine.lib\");\nprocess = m.twice : *(hslider(\"k\", 1, 0, 1, 0.1));\n", fp);
	fclose(fp);
	rc = adac_faust_compile_file(path, NULL, FS, &f, &err);
	check_int(rc, ADAC_OK);
	if (rc == ADAC_OK) {
		impulse_float(f, h, 4, 4);
		check(h[0] == 2);
		check(adac_faust_param_find(f, "/prog/k") >= 0);
	} else {
		printf("#   %s\n", err.text);
	}
	adac_faust_free(f);
	unlink(lib);
	unlink(path);
	rmdir(dir);
	rc = adac_faust_compile_file("/nonexistent/x.dsp", NULL, FS, &f, &err);
	check_int(rc, ADAC_E_IO);
}

/* _ @ (1<<30) keeps libfaust 2.54.9 busy for minutes. */
static void
test_faust_jit__a_compile_over_its_cpu_limit_stops(void)
{
	struct adac_faust_options opt;
	enum adac_faust_limit limit = ADAC_FAUST_LIMIT_NONE;
	struct adac_faust *f = NULL;
	struct adac_error err;

	adac_faust_options_init(&opt);
	opt.backend = ADAC_FAUST_INTERP;
	opt.limits.cpu_s = 1;
	check_int(adac_faust_compile_ex("t", "process = _ @ (1<<30);", &opt, FS, &f,
					&limit, &err), ADAC_E_INPUT);
	check(f == NULL);
	check_int(limit, ADAC_FAUST_LIMIT_CPU);
	check_str(err.text, "compiling used more than 1 s of CPU time (the compile-cpu limit)");
	/* and the next compile is not disturbed */
	f = compile("process = *(2);", 0);
	check(f != NULL);
	adac_faust_free(f);
}

struct canceller {
	atomic_int flag;
};

static void *
cancel_soon(void *arg)
{
	struct canceller *c = arg;
	struct timespec ts = { 0, 200 * 1000000L };

	nanosleep(&ts, NULL);
	atomic_store(&c->flag, 1);
	return NULL;
}

static void
test_faust_jit__a_compile_is_cancelled_on_request(void)
{
	struct adac_faust_options opt;
	enum adac_faust_limit limit = ADAC_FAUST_LIMIT_NONE;
	struct adac_faust *f = NULL;
	struct adac_error err;
	struct canceller c;
	pthread_t t;

	atomic_init(&c.flag, 0);
	adac_faust_options_init(&opt);
	opt.backend = ADAC_FAUST_INTERP;
	opt.cancel = &c.flag;
	check(pthread_create(&t, NULL, cancel_soon, &c) == 0);
	check_int(adac_faust_compile_ex("t", "process = _ @ (1<<30);", &opt, FS, &f,
					&limit, &err), ADAC_E_DEPENDENCY);
	pthread_join(t, NULL);
	check(f == NULL);
	check_int(limit, ADAC_FAUST_LIMIT_CANCELLED);
	check_str(err.text, "compile cancelled");
}

/*
 * Code from the network may use the standard library and nothing else:
 * a library beside it (found through include_dir, or the directory the
 * worker runs in) is refused by the worker even when the text passed.
 */
static void
test_faust_jit__std_libs_only_refuses_other_files(void)
{
	char dir[] = "/tmp/adac-jit-XXXXXX", lib[256];
	struct adac_faust_options opt;
	struct adac_faust *f = NULL;
	struct adac_error err;
	FILE *fp;
	int rc;

	adac_faust_options_init(&opt);
	opt.backend = ADAC_FAUST_INTERP;
	opt.std_libs_only = 1;
	rc = adac_faust_compile("t", "import(\"stdfaust.lib\");\nprocess = os.osc(440);",
				&opt, FS, &f, &err);
	check_int(rc, ADAC_OK);
	adac_faust_free(f);
	f = NULL;
	check(mkdtemp(dir) != NULL);
	snprintf(lib, sizeof lib, "%s/mine.lib", dir);
	fp = fopen(lib, "w");
	if (fp != NULL) {
		fputs("twice = *(2);\n", fp);
		fclose(fp);
	}
	opt.include_dir = dir;
	rc = adac_faust_compile("t", "m = library(\"mine.lib\");\nprocess = m.twice;",
				&opt, FS, &f, &err);
	check_int(rc, ADAC_E_INPUT);
	check(f == NULL);
	check(strstr(err.text, "mine.lib") != NULL);
	/* without the restriction it is found */
	opt.std_libs_only = 0;
	rc = adac_faust_compile("t", "m = library(\"mine.lib\");\nprocess = m.twice;",
				&opt, FS, &f, &err);
	check_int(rc, ADAC_OK);
	adac_faust_free(f);
	unlink(lib);
	rmdir(dir);
}

static void
test_faust_jit__imports_check_names_only_the_standard_library(void)
{
	struct adac_error err;

	check_int(adac_faust_check_imports(
		"import(\"stdfaust.lib\");\nfi = library(\"filters.lib\");\n"
		"// import(\"/etc/passwd\")\nx = hslider(\"import(/x)\", 0, 0, 1, 0);\n"
		"myimport = 1; library_x = 2;\n", &err), ADAC_OK);
	check_int(adac_faust_check_imports("\n\nimport(\"/etc/passwd\");", &err),
		  ADAC_E_INPUT);
	check_str(err.text, "line 3: import(\"/etc/passwd\"): programs sent to the service "
		  "may use only the FAUST standard libraries");
	check_int(adac_faust_check_imports("c = component(\"../x.dsp\");", &err),
		  ADAC_E_INPUT);
	check_int(adac_faust_check_imports("l = library(\"http://a.example/x.lib\");", &err),
		  ADAC_E_INPUT);
	check_int(adac_faust_check_imports("import /* a */ (\"..\");", &err),
		  ADAC_E_INPUT);
	check_int(adac_faust_check_imports("import(\".hidden.lib\");", &err),
		  ADAC_E_INPUT);
	/* a name the check cannot read is refused too */
	check_int(adac_faust_check_imports("process = import;", &err), ADAC_E_INPUT);
	check_str(err.text, "line 1: 'import' must be followed by a quoted library name");
	check_int(adac_faust_check_imports("import(\"a\" + \"b\");", &err), ADAC_OK);
}

/* The worker is not a program for users: said so, exit 2. */
static void
test_faust_jit__the_worker_run_by_hand_says_what_it_is(void)
{
	const char *build = getenv("ADAC_TEST_BUILD");
	char cmd[1024];
	int st;

	snprintf(cmd, sizeof cmd, "%s/libexec/adac/adac-faust-worker 3>&- 2>/dev/null",
		 build != NULL ? build : "build");
	st = system(cmd);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 2);
}

int
main(void)
{
	RUN(test_faust_jit__delay_gain_closed_form);
	RUN(test_faust_jit__one_pole_closed_form);
	RUN(test_faust_jit__block_sizes_bit_identical);
	RUN(test_faust_jit__compile_error_is_input_with_message);
	RUN(test_faust_jit__unknown_target_is_dependency);
	RUN(test_faust_jit__version_is_the_loaded_libfaust);
	RUN(test_faust_jit__parameters_by_address);
	RUN(test_faust_jit__double_versus_float);
	RUN(test_faust_jit__set_fs_keeps_parameters);
	RUN(test_faust_jit__hidden_inits_have_every_digit);
	RUN(test_faust_jit__interpreter_backend);
	RUN(test_faust_jit__shared_factory_survives_free);
	RUN(test_faust_jit__threads_compile_concurrently);
	RUN(test_faust_jit__compile_file_with_local_import);
	RUN(test_faust_jit__a_compile_over_its_cpu_limit_stops);
	RUN(test_faust_jit__a_compile_is_cancelled_on_request);
	RUN(test_faust_jit__std_libs_only_refuses_other_files);
	RUN(test_faust_jit__imports_check_names_only_the_standard_library);
	RUN(test_faust_jit__the_worker_run_by_hand_says_what_it_is);
	return unit_done();
}
