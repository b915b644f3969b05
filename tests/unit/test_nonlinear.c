/*
 * test_nonlinear.c - the nonlinear node (tanh, clip, cubic) through every
 * stage: its parse errors, the simulator against closed forms written
 * out independently here, its small-signal slope, the certifier's
 * incremental small-gain bounds against products worked out by hand,
 * that no linear argument (poles, modes, marginal stability) is applied
 * to a loop holding one, and the test signals adac-diff drives with.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certify.h"
#include "freq.h"
#include "ir.h"
#include "json.h"
#include "modal.h"
#include "sim.h"
#include "stimulus.h"
#include "unit.h"

static const struct adac_certify_opts f64 = {ADAC_CERTIFY_DOUBLE, 0, -1};

/* A 48 kHz document of one input and output around graph. */
static char *
doc(const char *graph)
{
	size_t n = strlen(graph) + 256;
	char *s = malloc(n);

	snprintf(s, n, "{\"adac\":\"ir/1\",\"name\":\"t\",\"fs\":48000,"
		 "\"inputs\":1,\"outputs\":1,\"graph\":%s}", graph);
	return s;
}

static struct adac_ir *
parse(const char *graph)
{
	struct adac_ir *ir = NULL;
	struct adac_error err;
	char *d = doc(graph);

	if (adac_ir_parse_text(d, strlen(d), &ir, &err) != ADAC_OK)
		printf("#   parse failed: %s: %s\n", err.pointer, err.text);
	free(d);
	return ir;
}

/* The error parsing graph gives: its code, pointer and text in *err. */
static int
parse_error(const char *graph, struct adac_error *err)
{
	struct adac_ir *ir = NULL;
	char *d = doc(graph);
	int rc = adac_ir_parse_text(d, strlen(d), &ir, err);

	adac_ir_free(ir);
	free(d);
	return rc;
}

static void
test_nonlinear__parse_errors(void)
{
	struct adac_error err;

	check_int(parse_error("{\"op\":\"nonlinear\",\"function\":\"sinh\","
			      "\"in_gain\":[1],\"out_gain\":[1]}", &err),
		  ADAC_E_INPUT);
	check_str(err.pointer, "/graph/function");
	check_str(err.text, "unknown function 'sinh'; expected 'tanh', 'clip' or 'cubic'");

	check_int(parse_error("{\"op\":\"nonlinear\",\"in_gain\":[1],"
			      "\"out_gain\":[1]}", &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/function");
	check_str(err.text, "missing string");

	check_int(parse_error("{\"op\":\"nonlinear\",\"function\":3,"
			      "\"in_gain\":[1],\"out_gain\":[1]}", &err),
		  ADAC_E_INPUT);
	check_str(err.pointer, "/graph/function");
	check_str(err.text, "expected a string, got a number");

	check_int(parse_error("{\"op\":\"nonlinear\",\"function\":\"tanh\","
			      "\"out_gain\":[1]}", &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/in_gain");
	check_str(err.text, "missing array of numbers");

	check_int(parse_error("{\"op\":\"nonlinear\",\"function\":\"tanh\","
			      "\"in_gain\":[1]}", &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/out_gain");
	check_str(err.text, "missing array of numbers");

	check_int(parse_error("{\"op\":\"nonlinear\",\"function\":\"clip\","
			      "\"in_gain\":2,\"out_gain\":[1]}", &err),
		  ADAC_E_INPUT);
	check_str(err.pointer, "/graph/in_gain");
	check_str(err.text, "expected an array of numbers, got a number");

	check_int(parse_error("{\"op\":\"nonlinear\",\"function\":\"clip\","
			      "\"in_gain\":[1,2],\"out_gain\":[1]}", &err),
		  ADAC_E_INPUT);
	check_str(err.pointer, "/graph/out_gain");
	check_str(err.text, "expected 2 numbers, got 1");

	check_int(parse_error("{\"op\":\"nonlinear\",\"function\":\"cubic\","
			      "\"in_gain\":[1],\"out_gain\":[NaN]}", &err),
		  ADAC_E_INPUT);
	check_str(err.pointer, "/graph/out_gain/0");
	check_str(err.text, "NaN is not a finite number");

	check_int(parse_error("{\"op\":\"nonlinear\",\"function\":\"cubic\","
			      "\"in_gain\":[\"1\"],\"out_gain\":[1]}", &err),
		  ADAC_E_INPUT);
	check_str(err.pointer, "/graph/in_gain/0");

	check_int(parse_error("{\"op\":\"nonlinear\",\"function\":\"tanh\","
			      "\"in_gain\":[1],\"out_gain\":[1],\"drive\":2}",
			      &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/drive");
	check_str(err.text, "unknown key 'drive' in nonlinear");

	/* a loop through a nonlinear node alone has no delay */
	check_int(parse_error("{\"op\":\"feedback\",\"forward\":{\"op\":"
			      "\"nonlinear\",\"function\":\"tanh\",\"in_gain\":"
			      "[1],\"out_gain\":[0.5]},\"back\":{\"op\":\"gain\","
			      "\"values\":[0.5]}}", &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph");
	/* but a zero gain passes nothing: f(0) = 0 */
	check_int(parse_error("{\"op\":\"feedback\",\"forward\":{\"op\":"
			      "\"nonlinear\",\"function\":\"tanh\",\"in_gain\":"
			      "[0],\"out_gain\":[0.5]},\"back\":{\"op\":\"gain\","
			      "\"values\":[0.5]}}", &err), ADAC_OK);
}

/* The response of graph to x (length samples); NULL on failure. */
static double *
drive(const char *graph, const double *x, long length)
{
	struct adac_ir *ir = parse(graph);
	struct adac_response *r = NULL;
	struct adac_error err;
	double *y = NULL;

	if (ir == NULL)
		return NULL;
	if (adac_sim_drive(ir, length, x, NULL, 0, NULL, NULL, &r, &err) !=
	    ADAC_OK) {
		printf("#   drive failed: %s: %s\n", err.pointer, err.text);
	} else if ((y = malloc((size_t)length * sizeof *y)) != NULL) {
		memcpy(y, adac_response_path(r, 0, 0),
		       (size_t)length * sizeof *y);
	}
	adac_response_free(r);
	adac_ir_free(ir);
	return y;
}

#define RAMP 601

/* x from −3 to 3 in steps of 0.01, with the exact 0 in the middle */
static void
ramp(double *x)
{
	int n;

	for (n = 0; n < RAMP; n++)
		x[n] = (n - 300) / 100.0;
}

static void
test_nonlinear__functions_against_closed_forms(void)
{
	static const char *const graph =
		"{\"op\":\"parallel\",\"in\":\"split\",\"out\":\"stack\","
		"\"of\":[{\"op\":\"nonlinear\",\"function\":\"%s\","
		"\"in_gain\":[1.7],\"out_gain\":[-0.6]}]}";
	double x[RAMP], *y, u, v, want;
	char g[512];
	int n;

	ramp(x);
	/* tanh u = 1 − 2/(e^{2u} + 1): exp within an ulp, the division and
	 * the difference each within eps/2 of a result of at most 2, so
	 * 3 eps absolute, plus libm's tanh's ulp: 4 eps, times |out| */
	snprintf(g, sizeof g, graph, "tanh");
	y = drive(g, x, RAMP);
	check(y != NULL);
	for (n = 0; y != NULL && n < RAMP; n++) {
		u = 1.7 * x[n];
		want = -0.6 * (1 - 2 / (exp(2 * u) + 1));
		check_near(y[n], want, 4 * DBL_EPSILON * 0.6);
	}
	free(y);
	/* the clip's min and max are exact: equal to the last bit */
	snprintf(g, sizeof g, graph, "clip");
	y = drive(g, x, RAMP);
	check(y != NULL);
	for (n = 0; y != NULL && n < RAMP; n++) {
		u = 1.7 * x[n];
		v = u > 1 ? 1 : u < -1 ? -1 : u;
		check(y[n] == -0.6 * v);
	}
	free(y);
	/* the cubic as Horner's u·(1 − u²/3) against the simulator's
	 * u − u·u·u/3: each is within 3 eps of a value at most 2/3 */
	snprintf(g, sizeof g, graph, "cubic");
	y = drive(g, x, RAMP);
	check(y != NULL);
	for (n = 0; y != NULL && n < RAMP; n++) {
		u = 1.7 * x[n];
		want = u >= 1 ? 2.0 / 3 : u <= -1 ? -2.0 / 3 :
		       u * (1 - u * u / 3);
		check_near(y[n], -0.6 * want, 6 * DBL_EPSILON);
	}
	free(y);
}

/*
 * A tanh in a loop: y[n] = 0.8·tanh(1.5·(x[n] + 0.6·y[n − 1])), the
 * recurrence run here.  Its incremental gain 0.8·1.5·0.6 = 0.72 keeps
 * each sample's rounding (a few eps of values below 1) from adding up
 * beyond 1/(1 − 0.72) times itself: 1e-14 absolute is far above that.
 */
static void
test_nonlinear__loop_against_recurrence(void)
{
	double x[2000], *y, prev = 0, want;
	int n;

	for (n = 0; n < 2000; n++)
		x[n] = 3 * sin(0.01 * n) + (n % 7 == 0 ? 2 : 0);
	y = drive("{\"op\":\"feedback\",\"forward\":{\"op\":\"nonlinear\","
		  "\"function\":\"tanh\",\"in_gain\":[1.5],\"out_gain\":[0.8]},"
		  "\"back\":{\"op\":\"series\",\"of\":[{\"op\":\"delay\","
		  "\"samples\":[1]},{\"op\":\"gain\",\"values\":[0.6]}]}}",
		  x, 2000);
	check(y != NULL);
	for (n = 0; y != NULL && n < 2000; n++) {
		want = 0.8 * tanh(1.5 * (x[n] + 0.6 * prev));
		check_near(y[n], want, 1e-14);
		prev = want;
	}
	free(y);
}

/* The frequency analysis sees the slope at 0: in_gain·out_gain. */
static void
test_nonlinear__small_signal_slope(void)
{
	struct adac_ir *ir = parse("{\"op\":\"nonlinear\",\"function\":\"cubic\","
				   "\"in_gain\":[2],\"out_gain\":[0.3]}");
	struct adac_freq_opts fo = {ADAC_PRECISION_DOUBLE, 48000, 1};
	struct adac_error err;
	double h[2];

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(adac_freq_response(ir->graph, &fo, 1.0, h, &err), ADAC_OK);
	check(h[0] == 2 * 0.3);
	check(h[1] == 0);
	adac_ir_free(ir);
}

/* The modal analysis has no state matrix to offer. */
static void
test_nonlinear__modal_refuses(void)
{
	struct adac_ir *ir = parse("{\"op\":\"feedback\",\"forward\":{\"op\":"
				   "\"delay\",\"samples\":[3]},\"back\":{\"op\":"
				   "\"nonlinear\",\"function\":\"tanh\","
				   "\"in_gain\":[1],\"out_gain\":[0.5]}}");
	struct adac_freq_opts fo = {ADAC_PRECISION_DOUBLE, 48000, 1};
	struct adac_modal_map *m = NULL;
	struct adac_error err;

	check(ir != NULL);
	if (ir == NULL)
		return;
	check_int(adac_modal_map_new(ir->graph, &fo, &m, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/back");
	check_str(err.text, "a nonlinear node has no state-space matrix");
	adac_modal_map_free(m);
	adac_ir_free(ir);
}

/* Certify graph in double; the first loop's object in *loop (a new ref). */
static enum adac_verdict
certify(const char *graph, json_t **loop)
{
	struct adac_ir *ir = parse(graph);
	enum adac_verdict v = ADAC_NOT_CERTIFIED;
	struct adac_error err;
	json_t *c = NULL;

	*loop = NULL;
	if (ir == NULL)
		return v;
	if (adac_certify(ir, &f64, &c, &v, &err) != ADAC_OK)
		printf("#   certify failed: %s: %s\n", err.pointer, err.text);
	*loop = json_incref(json_array_get(json_object_get(c, "loops"), 0));
	json_decref(c);
	adac_ir_free(ir);
	return v;
}

static double
bound_of(const json_t *loop)
{
	return json_number_value(json_object_get(loop, "bound"));
}

/* a 4-line FDN; back is the "%s" between the delays and s·H/2 */
#define FDN4 "{\"op\":\"series\",\"of\":[{\"op\":\"matrix\",\"data\":[[1],[1],[1],[1]]}," \
	"{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\",\"samples\":[149,211,263,293]}," \
	"\"back\":{\"op\":\"series\",\"of\":[%s,{\"op\":\"matrix\",\"data\":" \
	"[[0.5,0.5,0.5,0.5],[0.5,-0.5,0.5,-0.5],[0.5,0.5,-0.5,-0.5],[0.5,-0.5,-0.5,0.5]]}]}}," \
	"{\"op\":\"matrix\",\"data\":[[1,1,1,1]]}]}"

static const char *
fdn4(char *buf, size_t n, const char *shaper)
{
	snprintf(buf, n, FDN4, shaper);
	return buf;
}

#define TANH4(g_out) "{\"op\":\"nonlinear\",\"function\":\"tanh\"," \
	"\"in_gain\":[2,2,2,2],\"out_gain\":[" g_out "," g_out "," g_out "," g_out "]}"
#define GAIN4(g) "{\"op\":\"gain\",\"values\":[" g "," g "," g "," g "]}"

/*
 * The Hadamard matrix H/2 is orthogonal (‖·‖ = 1) and the delays have
 * modulus 1, so the loop's incremental gain is |2·g_out| exactly; the
 * bound may exceed it by the analysis's margins (1e-12 relative).
 */
static void
test_nonlinear__lipschitz_bound_in_an_fdn(void)
{
	char g[2048];
	json_t *l;

	check_int(certify(fdn4(g, sizeof g, TANH4("0.45")), &l),
		  ADAC_CERTIFIED_STABLE);
	check_near(bound_of(l), 0.9, 0.9e-12);
	check_le(0.9, bound_of(l));
	check(json_is_true(json_object_get(l, "nonlinear")));
	check_str(json_string_value(json_object_get(l, "method")),
		  "incremental-small-gain");
	check(json_is_string(json_object_get(l, "argument")));
	json_decref(l);

	/* above 1: the linear twin is provably unstable, the tanh loop is
	 * not (it saturates), so it stays indeterminate */
	check_int(certify(fdn4(g, sizeof g, GAIN4("1.1")), &l), ADAC_UNSTABLE);
	json_decref(l);
	check_int(certify(fdn4(g, sizeof g, TANH4("0.55")), &l),
		  ADAC_INDETERMINATE);
	check_near(bound_of(l), 1.1, 1.1e-12);
	json_decref(l);

	/* at 1: the lossless linear twin is marginal by unitarity; no
	 * such argument holds with a tanh inside */
	check_int(certify(fdn4(g, sizeof g, GAIN4("1")), &l),
		  ADAC_MARGINALLY_STABLE);
	json_decref(l);
	check_int(certify(fdn4(g, sizeof g, TANH4("0.5")), &l),
		  ADAC_INDETERMINATE);
	json_decref(l);

	/* the clip and the cubic have the same constant, 1 */
	check_int(certify(fdn4(g, sizeof g, "{\"op\":\"nonlinear\",\"function\":"
			       "\"cubic\",\"in_gain\":[3,3,3,3],\"out_gain\":"
			       "[0.3,0.3,0.3,-0.3]}"), &l), ADAC_CERTIFIED_STABLE);
	check_near(bound_of(l), 0.9, 0.9e-12);
	json_decref(l);
}

/*
 * (1 + z⁻¹)/2 has |H| = |cos(ω/2)|, sup 1 at DC; (1 − z⁻¹)/2 has
 * |sin(ω/2)|, sup 1 at Nyquist; together |sin ω|/2, sup 1/2.
 */
#define LP "{\"op\":\"sos\",\"sections\":[[[0.5,0.5,0,0,0]]]}"
#define HP "{\"op\":\"sos\",\"sections\":[[[0.5,-0.5,0,0,0]]]}"
#define TANH1(g_out) "{\"op\":\"nonlinear\",\"function\":\"tanh\"," \
	"\"in_gain\":[1],\"out_gain\":[" g_out "]}"

static void
test_nonlinear__runs_between_nonlinear_nodes(void)
{
	json_t *l;

	/*
	 * One tanh: everything else is one linear run around the loop
	 * (HP, the delay, LP), whose frequency-wise product is a bound:
	 * 1.5·1/2 = 0.75
	 */
	check_int(certify("{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\","
			  "\"samples\":[10]},\"back\":{\"op\":\"series\",\"of\":["
			  LP "," TANH1("1.5") "," HP "]}}", &l),
		  ADAC_CERTIFIED_STABLE);
	/* the branch and bound stops within its budget of bands: the
	 * bound is above the supremum, by 2.7e-6 relative here */
	check_le(0.75, bound_of(l));
	check_le(bound_of(l), 0.75 * (1 + 1e-5));
	json_decref(l);
	/*
	 * Two: the runs (HP) and (delay, LP) are apart, each its own
	 * supremum, 1 and 1: 1.5·1·1·1 = 1.5, where the product across
	 * the tanh nodes would have given 0.75
	 */
	check_int(certify("{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\","
			  "\"samples\":[10]},\"back\":{\"op\":\"series\",\"of\":["
			  LP "," TANH1("1.5") "," HP "," TANH1("1") "]}}", &l),
		  ADAC_INDETERMINATE);
	check_near(bound_of(l), 1.5, 1e-9);
	check_le(1.5, bound_of(l));
	json_decref(l);
}

/*
 * Parallel and nested: back = 0.3·tanh + 0.4 (split into a sum: the
 * triangle inequality, 0.7); and an inner tanh loop of gain 0.5 around a
 * feedback of 0.8 (incremental gain 0.5/(1 − 0.4)) inside an outer loop
 * of gain 0.5: 0.5/0.6·0.5.
 */
static void
test_nonlinear__parallel_and_nested(void)
{
	json_t *l;

	check_int(certify("{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\","
			  "\"samples\":[5]},\"back\":{\"op\":\"parallel\","
			  "\"in\":\"split\",\"out\":\"sum\",\"of\":["
			  TANH1("0.3") ",{\"op\":\"gain\",\"values\":[0.4]}]}}",
			  &l), ADAC_CERTIFIED_STABLE);
	check_near(bound_of(l), 0.7, 1e-12);
	json_decref(l);
	check_int(certify("{\"op\":\"feedback\",\"forward\":{\"op\":\"series\","
			  "\"of\":[{\"op\":\"delay\",\"samples\":[7]},"
			  "{\"op\":\"feedback\",\"forward\":" TANH1("0.5") ","
			  "\"back\":{\"op\":\"series\",\"of\":[{\"op\":\"delay\","
			  "\"samples\":[3]},{\"op\":\"gain\",\"values\":[0.8]}]}}]},"
			  "\"back\":{\"op\":\"gain\",\"values\":[0.5]}}", &l),
		  ADAC_CERTIFIED_STABLE);
	check(json_is_true(json_object_get(l, "nonlinear")));
	check_near(bound_of(l), 0.5 / 0.6 * 0.5, 1e-12);
	json_decref(l);
}

/* An unstable biquad in a tanh loop: no linear proof, indeterminate. */
static void
test_nonlinear__unstable_filter_is_not_a_proof(void)
{
	json_t *l;

	check_int(certify("{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\","
			  "\"samples\":[5]},\"back\":{\"op\":\"series\",\"of\":["
			  "{\"op\":\"sos\",\"sections\":[[[1,0,0,0,1.2]]]},"
			  TANH1("0.1") "]}}", &l), ADAC_INDETERMINATE);
	check_str(json_string_value(json_object_get(l, "method")),
		  "incremental-small-gain");
	json_decref(l);
}

static int
is_float(double x)
{
	return (double)(float)x == x;
}

static void
test_nonlinear__stimulus(void)
{
	struct adac_stimulus s;
	double x[1000], y[1000], a = pow(10, -6 / 20.0);
	int n, kind, nonzero = 0;

	adac_stimulus_init(&s);
	adac_stimulus_fill(&s, 48000, 1000, x);
	check(x[0] == 1.0);
	for (n = 1; n < 1000; n++)
		check(x[n] == 0);
	s.level_db = -6;
	for (kind = ADAC_STIMULUS_IMPULSE; kind <= ADAC_STIMULUS_SWEEP; kind++) {
		s.kind = (enum adac_stimulus_kind)kind;
		adac_stimulus_fill(&s, 48000, 1000, x);
		adac_stimulus_fill(&s, 48000, 1000, y);
		check(memcmp(x, y, sizeof x) == 0);
		check_int(adac_stimulus_active(&s, 1000),
			  kind == ADAC_STIMULUS_IMPULSE ? 1 : 500);
		for (n = 0; n < 1000; n++) {
			check(is_float(x[n]));
			/* the level is the peak, rounded to float once */
			check_le(fabs(x[n]), (float)a);
			if (n >= adac_stimulus_active(&s, 1000))
				check(x[n] == 0);
			nonzero += x[n] != 0;
		}
	}
	/* the noise and the sweep fill their half but for a few zeros */
	check_le(990, nonzero);
	/* another seed, other noise */
	s.kind = ADAC_STIMULUS_NOISE;
	adac_stimulus_fill(&s, 48000, 1000, x);
	s.seed = 2;
	adac_stimulus_fill(&s, 48000, 1000, y);
	check(memcmp(x, y, sizeof x) != 0);
}

int
main(void)
{
	RUN(test_nonlinear__parse_errors);
	RUN(test_nonlinear__functions_against_closed_forms);
	RUN(test_nonlinear__loop_against_recurrence);
	RUN(test_nonlinear__small_signal_slope);
	RUN(test_nonlinear__modal_refuses);
	RUN(test_nonlinear__lipschitz_bound_in_an_fdn);
	RUN(test_nonlinear__runs_between_nonlinear_nodes);
	RUN(test_nonlinear__parallel_and_nested);
	RUN(test_nonlinear__unstable_filter_is_not_a_proof);
	RUN(test_nonlinear__stimulus);
	return unit_done();
}
