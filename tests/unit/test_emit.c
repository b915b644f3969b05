/*
 * test_emit.c - the FAUST emitter: exact text for a tiny IR written out
 * by hand, the compensation of the delay of `~`, names, the cost of
 * structured matrices, and the emitted programs run through libfaust
 * against the reference simulator.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "emit_faust.h"
#include "file.h"
#include "ir.h"
#include "json.h"
#include "render.h"
#include "response.h"
#include "version.h"

static struct adac_ir *
parse(const char *text)
{
	struct adac_ir *ir = NULL;
	struct adac_error err;

	if (adac_ir_parse_text(text, strlen(text), &ir, &err) != ADAC_OK) {
		printf("#   parse failed: %s: %s\n", err.pointer, err.text);
		return NULL;
	}
	return ir;
}

/* The program for an IR given as text (NULL on failure, printed). */
static char *
emit_text(const char *text, int dense)
{
	struct adac_emit_options opt = {0};
	struct adac_ir *ir = parse(text);
	struct adac_error err;
	char *out = NULL;

	if (ir == NULL)
		return NULL;
	opt.dense = dense;
	if (adac_emit_faust(ir, &opt, &out, &err) != ADAC_OK)
		printf("#   emit failed: %s: %s\n", err.pointer, err.text);
	adac_ir_free(ir);
	return out;
}

static char *
read_file(const char *path)
{
	struct adac_error err;
	char *buf = NULL;
	size_t len;

	if (adac_read_file(path, ADAC_MAX_INPUT_BYTES, &buf, &len,
			   &err) != ADAC_OK)
		printf("#   %s: %s\n", path, err.text);
	return buf;
}

static char *
doc(int inputs, int outputs, const char *graph)
{
	size_t n = strlen(graph) + 256;
	char *s = malloc(n);

	snprintf(s, n, "{\"adac\":\"ir/1\",\"name\":\"t\",\"fs\":48000,"
		 "\"inputs\":%d,\"outputs\":%d,\"graph\":%s}",
		 inputs, outputs, graph);
	return s;
}

static long
count(const char *hay, const char *needle)
{
	long n = 0;
	size_t len = strlen(needle);

	for (; (hay = strstr(hay, needle)) != NULL; hay += len)
		n++;
	return n;
}

/* The text of the definition "name = ...;" (malloc'd), or NULL. */
static char *
definition(const char *text, const char *name)
{
	char head[80];
	const char *p, *q;
	char *s;

	snprintf(head, sizeof head, "\n%s = ", name);
	if ((p = strstr(text, head)) == NULL || (q = strstr(p, ";\n")) == NULL)
		return NULL;
	p += strlen(head);
	s = malloc((size_t)(q - p) + 1);
	memcpy(s, p, (size_t)(q - p));
	s[q - p] = '\0';
	return s;
}

static void
test_emit__literal(void)
{
	char b[40];

	check_str(adac_emit_literal(b, 1.0), "1.0");
	check_str(adac_emit_literal(b, 48000.0), "48000.0");
	check_str(adac_emit_literal(b, -3.0), "-3.0");
	check_str(adac_emit_literal(b, 0.1), "0.1");
	check_str(adac_emit_literal(b, -2.5e-7), "-2.5e-07");
	check_str(adac_emit_literal(b, 1e20), "1e+20");
	check_str(adac_emit_literal(b, -0.0), "-0.0");
	/* 17 significant digits where 16 do not round-trip */
	check_str(adac_emit_literal(b, 0.1 + 0.2), "0.30000000000000004");
	check(strtod(adac_emit_literal(b, 1.0 / 3.0), NULL) == 1.0 / 3.0);
}

/*
 * A gain into a comb y = v − 0.25·y[n − 3], written out by hand from the
 * rules in emit_faust.h: the delay in 'back' gives up the sample that ~
 * adds, ids become names, an anonymous series takes "chain" and a suffix.
 */
static void
test_emit__tiny_exact_text(void)
{
	static const char ir[] =
	    "{\"adac\":\"ir/1\",\"name\":\"tiny\",\"fs\":48000,\"inputs\":1,"
	    "\"outputs\":1,\"source\":{\"format\":\"hand\"},\"graph\":"
	    "{\"op\":\"series\",\"id\":\"chain\",\"of\":["
	    "{\"op\":\"gain\",\"id\":\"in gain\",\"values\":[0.5]},"
	    "{\"op\":\"feedback\",\"id\":\"comb\","
	    "\"forward\":{\"op\":\"gain\",\"values\":[1]},"
	    "\"back\":{\"op\":\"series\",\"of\":["
	    "{\"op\":\"delay\",\"id\":\"line\",\"samples\":[3]},"
	    "{\"op\":\"gain\",\"id\":\"fb\",\"values\":[-0.25]}]}}]}}";
	static const char want[] =
	    "// tiny: written by adac-emit " ADAC_VERSION " from an adac IR (ir/1)\n"
	    "// source: hand\n"
	    "// certificate: none\n"
	    "// design rate 48000 Hz, 1 input, 1 output; one definition per IR node,\n"
	    "// each after a comment with its JSON pointer\n"
	    "declare name \"tiny\";\n"
	    "\n"
	    "process = chain;\n"
	    "\n"
	    "// /graph: series, 1 in, 1 out\n"
	    "chain = in_gain : comb;\n"
	    "\n"
	    "// /graph/of/0: gain, 1 in, 1 out\n"
	    "in_gain = *(0.5);\n"
	    "\n"
	    "// /graph/of/1: feedback, 1 in, 1 out\n"
	    "// ~ delays 'back' by one sample, so a delay in 'back' is one sample shorter\n"
	    "comb = ((+ : gains) ~ chain_2);\n"
	    "\n"
	    "// /graph/of/1/forward: gain, 1 in, 1 out\n"
	    "gains = *(1.0);\n"
	    "\n"
	    "// /graph/of/1/back: series, 1 in, 1 out\n"
	    "chain_2 = line : fb;\n"
	    "\n"
	    "// /graph/of/1/back/of/0: delay, 1 in, 1 out; one sample shorter, the enclosing ~ adds it\n"
	    "line = @(2);\n"
	    "\n"
	    "// /graph/of/1/back/of/1: gain, 1 in, 1 out\n"
	    "fb = *(-0.25);\n";
	char *got = emit_text(ir, 0);

	check_str(got, want);
	free(got);
}

/* No delay in 'back': 'forward' gives up a sample, the output gets it back. */
static void
test_emit__loop_forward_compensation(void)
{
	char *d = doc(2, 2, "{\"op\":\"feedback\",\"id\":\"L\",\"forward\":"
		      "{\"op\":\"delay\",\"id\":\"D\",\"samples\":[10, 2.5],"
		      "\"interp\":\"linear\"},\"back\":{\"op\":\"gain\","
		      "\"id\":\"G\",\"values\":[0.5, 0.25]}}");
	char *t = emit_text(d, 0), *l = t ? definition(t, "L") : NULL,
	     *dl = t ? definition(t, "D") : NULL;

	check_str(l, "((si.bus(2), si.bus(2) :> D) ~ G) : par(i, 2, mem)");
	/* 2.5 − 1 = 1.5: (1 − 0.5)·x[n − 1] + 0.5·x[n − 2] */
	check_str(dl, "@(9), (_ <: (@(1) : *(0.5)), (@(2) : *(0.5)) :> _)");
	free(l);
	free(dl);
	free(t);
	free(d);
}

/*
 * A loop whose forward path is another loop that compensates through its
 * forward path: the outer ~ takes the inner loop's output delay.
 */
static void
test_emit__nested_loops_share_the_output_delay(void)
{
	char *buf = read_file("tests/data/emit/nested.json");
	char *t = buf ? emit_text(buf, 0) : NULL;
	char *outer = t ? definition(t, "outer") : NULL;
	char *inner = t ? definition(t, "inner") : NULL;
	char *lines = t ? definition(t, "process_2") : NULL;

	check_str(outer, "((si.bus(2), si.bus(2) :> chain_2) ~ ma_2) : par(i, 2, mem)");
	check_str(inner, "((si.bus(2), si.bus(2) :> process_2) ~ ma_3)");
	check_str(lines, "@(6), @(10)");
	free(outer);
	free(inner);
	free(lines);
	free(t);
	free(buf);
}

static void
test_emit__loop_without_delay_to_absorb_is_refused(void)
{
	char *buf = read_file("tests/data/emit/no-delay-to-absorb.json");
	struct adac_ir *ir = buf ? parse(buf) : NULL;
	struct adac_error err;
	char *out = NULL;

	check(ir != NULL);
	if (ir != NULL) {
		check_int(adac_emit_faust(ir, NULL, &out, &err), ADAC_E_INPUT);
		check_str(err.pointer, "/graph");
		check(strstr(err.text, "cannot emit this loop") != NULL);
		check(out == NULL);
	}
	adac_ir_free(ir);
	free(buf);
}

static void
test_emit__names_are_unique_identifiers(void)
{
	char *d = doc(1, 1, "{\"op\":\"series\",\"of\":["
		      "{\"op\":\"gain\",\"id\":\"process\",\"values\":[2]},"
		      "{\"op\":\"gain\",\"id\":\"ma\",\"values\":[2]},"
		      "{\"op\":\"gain\",\"id\":\"9 lives!\",\"values\":[2]},"
		      "{\"op\":\"gain\",\"id\":\"x\",\"values\":[2]},"
		      "{\"op\":\"gain\",\"id\":\"x\",\"values\":[2]},"
		      "{\"op\":\"gain\",\"id\":\"é\",\"values\":[2]}]}");
	char *t = emit_text(d, 0), *c = t ? definition(t, "chain") : NULL;

	check_str(c, "process_2 : ma_2 : n_9_lives : x : x_2 : gains");
	free(c);
	free(t);
	free(d);
}

/* An N × N matrix IR with id "m": householder (u_i = i + 1) or hadamard. */
static char *
matrix_doc(int n, int hadamard)
{
	size_t cap = (size_t)n * n * 32 + (size_t)n * 32 + 512, len = 0;
	char *s = malloc(cap), b[40];
	double uu = 0.0, a;
	int i, j;

	for (i = 0; i < n; i++)
		uu += (double)(i + 1) * (i + 1);
	len += (size_t)snprintf(s + len, cap - len,
	    "{\"adac\":\"ir/1\",\"name\":\"m\",\"fs\":48000,\"inputs\":%d,"
	    "\"outputs\":%d,\"graph\":{\"op\":\"matrix\",\"id\":\"m\","
	    "\"data\":[", n, n);
	for (i = 0; i < n; i++) {
		s[len++] = i ? ',' : '[';
		if (i)
			s[len++] = '[';
		for (j = 0; j < n; j++) {
			if (hadamard)
				a = (__builtin_popcount((unsigned)(i & j)) & 1 ?
				     -1.0 : 1.0) / sqrt(n);
			else
				a = (i == j ? 1.0 : 0.0) -
				    2.0 * (i + 1) * (j + 1) / uu;
			len += (size_t)snprintf(s + len, cap - len, "%s%s",
						j ? "," : "",
						adac_fmt_double(b, a));
		}
		s[len++] = ']';
	}
	if (hadamard)
		snprintf(s + len, cap - len, "],\"structure\":{\"kind\":"
			 "\"hadamard\",\"scale\":%s}}}",
			 adac_fmt_double(b, 1.0 / sqrt(n)));
	else {
		len += (size_t)snprintf(s + len, cap - len, "],\"structure\":"
					"{\"kind\":\"householder\",\"u\":[");
		for (i = 0; i < n; i++)
			len += (size_t)snprintf(s + len, cap - len, "%s%d",
						i ? "," : "", i + 1);
		snprintf(s + len, cap - len, "]}}}");
	}
	return s;
}

/*
 * Multiplications written in the matrix's definition: a dense N × N is
 * N² products, a Householder 2N (uᵀx, then k_i·t), a Hadamard one gain
 * per channel after log2 N butterfly stages of N/2 (a + b, a − b) pairs.
 * Additions in FAUST's own output are counted by the bats test.
 */
static void
test_emit__structured_matrices_cost_what_they_should(void)
{
	char *h = matrix_doc(64, 0), *w = matrix_doc(64, 1);
	char *hs = emit_text(h, 0), *hd = emit_text(h, 1);
	char *ws = emit_text(w, 0), *wd = emit_text(w, 1);
	char *dhs = hs ? definition(hs, "m") : NULL;
	char *dhd = hd ? definition(hd, "m") : NULL;
	char *dws = ws ? definition(ws, "m") : NULL;
	char *dwd = wd ? definition(wd, "m") : NULL;

	check(dhs && dhd && dws && dwd);
	if (dhs && dhd && dws && dwd) {
		/* u_0 = 1 is a plain wire in uᵀx */
		check_int(count(dhs, "*("), 2 * 64 - 1);
		check_int(count(dhs, "!"), 0);
		check_int(count(dhd, "*("), 64 * 64);
		check_int(count(dws, "*("), 1);
		check(strstr(dws, "seq(s, 6, hadamard_stage(32))") != NULL);
		check(strstr(dws, "par(i, 64, *(0.125))") != NULL);
		check_int(count(dwd, "*("), 64 * 64);
		check(strstr(dwd, "hadamard") == NULL);
	}
	free(dhs); free(dhd); free(dws); free(dwd);
	free(hs); free(hd); free(ws); free(wd);
	free(h); free(w);
}

/* A claim that holds to 1e-9 (validation) but not to 8 ulps goes dense. */
static void
test_emit__inexact_claim_is_written_dense(void)
{
	char *d = doc(2, 2, "{\"op\":\"matrix\",\"id\":\"m\",\"data\":"
		      "[[0,1.0000000001],[1,0]],\"structure\":{\"kind\":"
		      "\"permutation\",\"perm\":[1,0]}}");
	char *t = emit_text(d, 0), *m = t ? definition(t, "m") : NULL;

	check(t != NULL && strstr(t, "the permutation claim differs") != NULL);
	check(m != NULL && strstr(m, "*(1.0000000001)") != NULL);
	check(m != NULL && strstr(m, "route") == NULL);
	free(m);
	free(t);
	free(d);
}

static void
test_emit__controls_are_sliders_at_their_address(void)
{
	char *buf = read_file("tests/data/emit/knobs.json");
	char *t = buf ? emit_text(buf, 0) : NULL;

	check(t != NULL);
	if (t == NULL)
		goto out;
	/* the reference implementation's steps when the IR gives none */
	check(strstr(t, "rt60 = hslider(\"rt60 [unit:s]\", 2.0, 0.1, 10.0, 0.01);") != NULL);
	check(strstr(t, "dry_wet = hslider(\"dry_wet\", 0.3, 0.0, 1.0, 0.01) : knob;") != NULL);
	check(strstr(t, "pre_delay = hslider(\"pre_delay [unit:ms]\", 12.5, 0.0, 250.0, 1.0);") != NULL);
	/* 250 ms at 192 kHz, where ma.SR stops */
	check(strstr(t, "min(48000, int(pre_delay * ma.SR / 1000.0 + 0.5))") != NULL);
	/* the running rate, not the design rate's literal */
	check(strstr(t, "*(1.0 * pow(10.0, -3.0 * 1103.0 / (ma.SR * rt60)) : knob)") != NULL);
	check(strstr(t, "declare name \"Knobs\";") != NULL);
out:
	free(t);
	free(buf);
}

/* --- through libfaust ---------------------------------------------------- */

static void
render_options(struct adac_render_options *ro, int dbl, int block,
	       const struct adac_setting *set, int n_set)
{
	adac_render_options_init(ro);
	ro->set = set;
	ro->n_set = n_set;
	ro->double_precision = dbl;
	ro->fs_hz = 48000;
	if (block > 0)
		ro->block_size = block;
}

/* The impulse response of the program emitted for the IR at path. */
static struct adac_response *
render_emitted(const char *path, int dense, int dbl, int block,
	       const struct adac_setting *set, int n_set, long length,
	       double fs_hz)
{
	struct adac_render_options ro;
	struct adac_source *dsp = NULL;
	struct adac_response *r = NULL;
	struct adac_error err;
	char *buf = read_file(path), *text = NULL;

	if (buf == NULL || (text = emit_text(buf, dense)) == NULL)
		goto out;
	render_options(&ro, dbl, block, set, n_set);
	if (adac_source_open_mem("emitted.dsp", text, strlen(text), &ro, &dsp,
				 &err) != ADAC_OK ||
	    adac_source_render(dsp, length, fs_hz, &r, &err) != ADAC_OK)
		printf("#   %s: %s: %s\n", path, err.pointer, err.text);
out:
	adac_source_free(dsp);
	free(text);
	free(buf);
	return r;
}

/*
 * Worst error over every path of the emitted program against the
 * simulator, in dB re each path's peak, over length samples.
 */
static double
worst_db(const char *path, int dense, int dbl, int block,
	 const struct adac_setting *set, int n_set, long length)
{
	struct adac_render_options ro;
	struct adac_source *sim = NULL;
	struct adac_response *a = NULL, *b = NULL;
	struct adac_error err;
	double worst = INFINITY, pk, e;
	int i, o;
	long n;

	render_options(&ro, dbl, block, set, n_set);
	if (adac_source_open(path, &ro, &sim, &err) != ADAC_OK ||
	    adac_source_render(sim, length, adac_source_fs_hz(sim), &a,
			       &err) != ADAC_OK) {
		printf("#   %s: %s: %s\n", path, err.pointer, err.text);
		goto out;
	}
	b = render_emitted(path, dense, dbl, block, set, n_set, length,
			   adac_source_fs_hz(sim));
	if (b == NULL)
		goto out;
	worst = -INFINITY;
	for (i = 0; i < a->inputs; i++)
		for (o = 0; o < a->outputs; o++) {
			const double *x = adac_response_path(a, i, o);
			const double *y = adac_response_path(b, i, o);

			for (pk = e = 0.0, n = 0; n < length; n++) {
				pk = fmax(pk, fabs(x[n]));
				e = fmax(e, fabs(x[n] - y[n]));
			}
			if (!(e <= 0.0))
				worst = fmax(worst, 20.0 * log10(e / (pk > 0 ? pk : 1.0)));
		}
	printf("#   %s%s %s: %.1f dB\n", path, dense ? " --dense" : "",
	       dbl ? "double" : "float", worst);
out:
	adac_response_free(a);
	adac_response_free(b);
	adac_source_free(sim);
	return worst;
}

/*
 * The tolerances: a float build within -100 dB of the peak, a
 * double build within -250 dB (double rounding alone is near -300 dB;
 * float rounding of the coefficients near -130 dB).  0.5 s at 48 kHz
 * passes every loop of these networks dozens of times.
 */
#define FLOAT_DB (-100.0)
#define DOUBLE_DB (-250.0)
#define LENGTH 24000

static void
check_equal(const char *path, int dense, const struct adac_setting *set,
	    int n_set)
{
	check_le(worst_db(path, dense, 0, 0, set, n_set, LENGTH), FLOAT_DB);
	check_le(worst_db(path, dense, 1, 0, set, n_set, LENGTH), DOUBLE_DB);
}

static void
test_emit__fdns_equal_the_simulator(void)
{
	check_equal("tests/data/emit/fdn-householder-4.json", 0, NULL, 0);
	check_equal("tests/data/emit/fdn-householder-64.json", 0, NULL, 0);
	check_equal("tests/data/emit/fdn-hadamard-4.json", 0, NULL, 0);
	check_equal("tests/data/emit/fdn-hadamard-64.json", 0, NULL, 0);
	check_equal("tests/data/emit/fdn-hadamard-64.json", 1, NULL, 0);
	check_equal("tests/data/emit/fdn-dense-4.json", 0, NULL, 0);
	check_equal("tests/data/emit/fdn-permutation-8.json", 0, NULL, 0);
	check_equal("tests/data/emit/fdn-sos-4.json", 0, NULL, 0);
	check_equal("tests/data/emit/fdn-back-delay-4.json", 0, NULL, 0);
}

static void
test_emit__graphs_equal_the_simulator(void)
{
	check_equal("tests/data/emit/nested.json", 0, NULL, 0);
	check_equal("tests/data/emit/back-fractional.json", 0, NULL, 0);
	check_equal("tests/data/emit/forward-fractional.json", 0, NULL, 0);
	check_equal("tests/data/ir/fdn4.json", 0, NULL, 0);
}

static void
test_emit__controls_equal_the_simulator_at_any_position(void)
{
	const struct adac_setting a[] = {{"rt60", 0.3}, {"pre_delay", 0.0}};
	const struct adac_setting b[] = {{"rt60", 10.0}, {"dry_wet", 1.0}};
	const struct adac_setting c[] = {{"pre_delay", 250.0},
					 {"dry_wet", 0.77}, {"rt60", 5.0}};

	check_equal("tests/data/emit/knobs.json", 0, NULL, 0);
	check_equal("tests/data/emit/knobs.json", 0, a, 2);
	check_equal("tests/data/emit/knobs.json", 0, b, 2);
	check_equal("tests/data/emit/knobs.json", 0, c, 3);
	check_equal("tests/data/emit/knobs-stereo.json", 0, c, 3);
}

/* dry_wet = 0 is the input, exactly, whatever the rest does. */
static void
test_emit__dry_is_the_input_exactly(void)
{
	const struct adac_setting dry[] = {{"dry_wet", 0.0}};

	check(worst_db("tests/data/emit/knobs.json", 0, 0, 0, dry, 1,
		       LENGTH) == -INFINITY);
	check(worst_db("tests/data/emit/knobs.json", 0, 1, 0, dry, 1,
		       LENGTH) == -INFINITY);
}

/*
 * Control-rate code runs once per block: the output of one compiled
 * program must not depend on the block size, bit for bit, in either
 * precision.  (Two compilations of one source by libfaust's LLVM JIT can
 * differ in the last bit, so the program is compiled once.)
 */
static void
test_emit__output_does_not_depend_on_the_block_size(void)
{
	const struct adac_setting s[] = {{"rt60", 0.7}, {"dry_wet", 0.6},
					 {"pre_delay", 3.3}};
	static const int blocks[] = {1, 32, 256, 4096};
	const char *path = "tests/data/emit/knobs-stereo.json";
	struct adac_render_options ro;
	struct adac_source *src;
	struct adac_response *ref, *r;
	struct adac_error err;
	char *buf = read_file(path), *text = buf ? emit_text(buf, 0) : NULL;
	int dbl, k;

	check(text != NULL);
	for (dbl = 0; text != NULL && dbl < 2; dbl++) {
		render_options(&ro, dbl, 0, s, 3);
		if (adac_source_open_mem("emitted.dsp", text, strlen(text), &ro,
					 &src, &err) != ADAC_OK ||
		    adac_source_render(src, 1, 48000, &ref, &err) != ADAC_OK) {
			printf("#   %s: %s\n", path, err.text);
			check(0);
			break;
		}
		adac_response_free(ref);
		ref = NULL;
		for (k = 0; k < 4; k++) {
			r = NULL;
			check(adac_render_faust(adac_source_faust(src), LENGTH,
						blocks[k], NULL, NULL, &r,
						&err) == ADAC_OK);
			if (k == 0)
				ref = r;
			else if (r != NULL && ref != NULL)
				check(memcmp(r->h, ref->h, sizeof *r->h *
					     (size_t)(r->inputs * r->outputs) *
					     LENGTH) == 0);
			if (k > 0)
				adac_response_free(r);
		}
		adac_response_free(ref);
		adac_source_free(src);
	}
	free(text);
	free(buf);
}

/*
 * The slider's label and step come from the control; the address is
 * /Name/LABEL, and a setting may name the control by its label.
 */
static void
test_emit__label_and_step_make_the_slider(void)
{
	static const char ir[] = "{\"adac\":\"ir/1\",\"name\":\"t\","
	    "\"fs\":48000,\"inputs\":1,\"outputs\":1,"
	    "\"graph\":{\"op\":\"gain\",\"values\":[0.5]},"
	    "\"controls\":[{\"name\":\"dry_wet\",\"min\":0.2,\"max\":0.9,"
	    "\"init\":0.5,\"step\":0.05,\"label\":\"Mix level\"}]}";
	char *t = emit_text(ir, 0);

	check(t != NULL && strstr(t, "dry_wet = hslider(\"Mix level\", 0.5, "
				  "0.2, 0.9, 0.05) : knob;") != NULL);
	free(t);
}

/*
 * The first sample of the wet path of the program emitted for a gain
 * behind pre_delay = ms, rendered at fs_hz; -1 on failure.
 */
static long
pre_delay_onset(double ms, double fs_hz, int dbl)
{
	static const char ir[] = "{\"adac\":\"ir/1\",\"name\":\"t\","
	    "\"fs\":48000,\"inputs\":1,\"outputs\":1,"
	    "\"graph\":{\"op\":\"gain\",\"values\":[0.5]},"
	    "\"controls\":[{\"name\":\"pre_delay\",\"min\":0,\"max\":250,"
	    "\"init\":0}]}";
	const struct adac_setting set[] = {{"pre_delay", ms}};
	struct adac_render_options ro;
	struct adac_source *src = NULL;
	struct adac_response *r = NULL;
	struct adac_error err;
	char *text = emit_text(ir, 0);
	long n = -1, k;

	render_options(&ro, dbl, 0, set, 1);
	if (text == NULL ||
	    adac_source_open_mem("emitted.dsp", text, strlen(text), &ro, &src,
				 &err) != ADAC_OK ||
	    adac_source_render(src, 1024, fs_hz, &r, &err) != ADAC_OK) {
		printf("#   pre_delay %g ms at %g Hz: %s\n", ms, fs_hz,
		       text != NULL ? err.text : "emit failed");
		goto out;
	}
	for (k = 0; k < 1024 && n < 0; k++)
		if (r->h[k] != 0)
			n = k;
out:
	adac_response_free(r);
	adac_source_free(src);
	free(text);
	return n;
}

/*
 * pre_delay is round(ms·fs/1000) samples, halves up, fs the running rate
 * (the simulator's rule at the design rate).  3.02 ms is 144.96 samples
 * at 48 kHz: 145 (the reference implementation truncates to 144); the
 * boundary 144.5 lies at 3.0104 ms.  Both precisions: the float slider
 * value of 3.01 ms is 3.00999999 (144.47999 samples), of 3.011 ms
 * 3.01099992 (144.528), both far from the boundary at float resolution.
 */
static void
test_emit__pre_delay_rounds_at_the_running_rate(void)
{
	int dbl;

	for (dbl = 0; dbl < 2; dbl++) {
		check(pre_delay_onset(3.02, 48000, dbl) == 145);
		check(pre_delay_onset(3.010, 48000, dbl) == 144);
		check(pre_delay_onset(3.011, 48000, dbl) == 145);
		check(pre_delay_onset(3.02, 44100, dbl) == 133);	/* 133.18 */
		check(pre_delay_onset(3.02, 96000, dbl) == 290);	/* 289.92 */
	}
}

/* the header's verdict word reads back; other texts have no header */
static void
test_emit__header_verdict_reads_back_what_the_header_says(void)
{
	static const char *gain =
		"{\"adac\":\"ir/1\",\"name\":\"g\",\"fs\":48000,\"inputs\":1,"
		"\"outputs\":1,\"graph\":{\"op\":\"gain\",\"id\":\"g\",\"values\":[0.5]}}";
	struct adac_emit_options opt = {0};
	struct adac_ir *ir = parse(gain);
	struct adac_error err;
	char *out = NULL, v[32];

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(adac_emit_faust(ir, &opt, &out, &err), ADAC_OK);
	check_int(adac_emit_header_verdict(out, v, sizeof v), 1);
	check_str(v, "none");
	free(out);
	opt.certificate_note = "NOT VALID, emitted with --force: no certificate";
	check_int(adac_emit_faust(ir, &opt, &out, &err), ADAC_OK);
	check_int(adac_emit_header_verdict(out, v, sizeof v), 1);
	check_str(v, "NOT");
	free(out);
	adac_ir_free(ir);
	check_int(adac_emit_header_verdict(
		"// x: written by adac-emit 0.1.0 from an adac IR (ir/1)\n"
		"// source: adac-config\n"
		"// certificate: certified-stable for float and double builds, sha256 00\n",
		v, sizeof v), 1);
	check_str(v, "certified-stable");
	check_int(adac_emit_header_verdict(
		"// x: written by adac-emit 0.1.0 from an adac IR (ir/1)\n"
		"// certificate: certified-stable\n", v, sizeof v), 0);
	check_int(adac_emit_header_verdict("process = _;\n", v, sizeof v), 0);
	check_int(adac_emit_header_verdict(
		"// certificate: certified-stable\nprocess = _;\n", v, sizeof v), 0);
}

int
main(void)
{
	RUN(test_emit__literal);
	RUN(test_emit__tiny_exact_text);
	RUN(test_emit__loop_forward_compensation);
	RUN(test_emit__nested_loops_share_the_output_delay);
	RUN(test_emit__loop_without_delay_to_absorb_is_refused);
	RUN(test_emit__names_are_unique_identifiers);
	RUN(test_emit__structured_matrices_cost_what_they_should);
	RUN(test_emit__inexact_claim_is_written_dense);
	RUN(test_emit__controls_are_sliders_at_their_address);
	RUN(test_emit__fdns_equal_the_simulator);
	RUN(test_emit__graphs_equal_the_simulator);
	RUN(test_emit__controls_equal_the_simulator_at_any_position);
	RUN(test_emit__dry_is_the_input_exactly);
	RUN(test_emit__output_does_not_depend_on_the_block_size);
	RUN(test_emit__label_and_step_make_the_slider);
	RUN(test_emit__pre_delay_rounds_at_the_running_rate);
	RUN(test_emit__header_verdict_reads_back_what_the_header_says);
	return unit_done();
}
