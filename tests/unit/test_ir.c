/* Unit tests for lib/ir.c: channel counts, loops, structures, controls. */
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "unit.h"

#define DOC(graph) \
	"{\"adac\":\"ir/1\",\"name\":\"t\",\"fs\":48000,\"inputs\":%d,\"outputs\":%d,\"graph\":" graph "}"

static int
parse(const char *fmt, int in, int out, struct adac_ir **ir,
      struct adac_error *err)
{
	char text[4096];

	snprintf(text, sizeof text, fmt, in, out);
	return adac_ir_parse_text(text, strlen(text), ir, err);
}

static void
test_ir__parallel_counts_channels_by_mode(void)
{
	struct adac_error err;
	struct adac_ir *ir = NULL;

	/* split/stack: 2 in → 2 + 3 out */
	check_int(parse(DOC("{\"op\":\"parallel\",\"in\":\"split\",\"out\":\"stack\",\"of\":["
			    "{\"op\":\"gain\",\"values\":[1,1]},"
			    "{\"op\":\"matrix\",\"data\":[[1,0],[0,1],[1,1]]}]}"),
		        2, 5, &ir, &err), ADAC_OK);
	adac_ir_free(ir);
	/* stack/sum: 2 + 2 in → 3 out */
	check_int(parse(DOC("{\"op\":\"parallel\",\"in\":\"stack\",\"out\":\"sum\",\"of\":["
			    "{\"op\":\"matrix\",\"data\":[[1,0],[0,1],[1,1]]},"
			    "{\"op\":\"matrix\",\"data\":[[1,0],[0,1],[1,1]]}]}"),
		        4, 3, &ir, &err), ADAC_OK);
	adac_ir_free(ir);
	/* sum of different widths is an error at the branch */
	check_int(parse(DOC("{\"op\":\"parallel\",\"in\":\"split\",\"out\":\"sum\",\"of\":["
			    "{\"op\":\"gain\",\"values\":[1,1]},"
			    "{\"op\":\"matrix\",\"data\":[[1,0]]}]}"),
		        2, 2, &ir, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/of/1");
	check_str(err.text, "branch has 1 outputs but the branches summed have 2");
}

static void
test_ir__loop_delay_may_sit_in_either_path(void)
{
	struct adac_error err;
	struct adac_ir *ir = NULL;

	check_int(parse(DOC("{\"op\":\"feedback\",\"forward\":{\"op\":\"gain\",\"values\":[1]},"
			    "\"back\":{\"op\":\"delay\",\"samples\":[1]}}"),
		        1, 1, &ir, &err), ADAC_OK);
	adac_ir_free(ir);
	check_int(parse(DOC("{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\",\"samples\":[3]},"
			    "\"back\":{\"op\":\"gain\",\"values\":[0.5]}}"),
		        1, 1, &ir, &err), ADAC_OK);
	adac_ir_free(ir);
}

static void
test_ir__delay_free_cycle_through_a_matrix_is_found(void)
{
	struct adac_error err;
	struct adac_ir *ir = NULL;

	/*
	 * Channel 0 is delayed, channel 1 is not.  The matrix's entry [1][1]
	 * feeds output 1 back to input 1 of forward: a cycle with no delay.
	 */
	check_int(parse(DOC("{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\",\"samples\":[5,0]},"
			    "\"back\":{\"op\":\"matrix\",\"data\":[[0,1],[0.5,0.5]]}}"),
		        2, 2, &ir, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph");
	check_str(err.text, "delay-free loop: output 1 of forward feeds back to itself without a sample of delay");
	/* with the undelayed channel's self-path zero, the loop is legal */
	check_int(parse(DOC("{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\",\"samples\":[5,0]},"
			    "\"back\":{\"op\":\"matrix\",\"data\":[[0,1],[0.5,0]]}}"),
		        2, 2, &ir, &err), ADAC_OK);
	adac_ir_free(ir);
}

static void
test_ir__fractional_delay_below_one_sample_has_no_delay(void)
{
	struct adac_error err;
	struct adac_ir *ir = NULL;

	/* linear interpolation of 0.5 samples passes half of x[n] through */
	check_int(parse(DOC("{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\",\"samples\":[0.5],\"interp\":\"linear\"},"
			    "\"back\":{\"op\":\"gain\",\"values\":[0.5]}}"),
		        1, 1, &ir, &err), ADAC_E_INPUT);
	check_int(parse(DOC("{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\",\"samples\":[1.5],\"interp\":\"linear\"},"
			    "\"back\":{\"op\":\"gain\",\"values\":[0.5]}}"),
		        1, 1, &ir, &err), ADAC_OK);
	adac_ir_free(ir);
}

static void
test_ir__nested_loop_without_delay_outside_is_found(void)
{
	struct adac_error err;
	struct adac_ir *ir = NULL;

	/*
	 * The inner loop has a delay in its back path only, so it passes its
	 * input straight through: the outer loop around it has no delay.
	 */
	check_int(parse(DOC("{\"op\":\"feedback\",\"forward\":{\"op\":\"feedback\","
			    "\"forward\":{\"op\":\"gain\",\"values\":[1]},"
			    "\"back\":{\"op\":\"delay\",\"samples\":[10]}},"
			    "\"back\":{\"op\":\"gain\",\"values\":[0.5]}}"),
		        1, 1, &ir, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph");
}

static void
test_ir__the_first_bad_value_in_document_order_is_reported(void)
{
	struct adac_error err;
	struct adac_ir *ir = NULL;

	/*
	 * Loops are checked together after the whole graph is read, and the
	 * document is read again only when one has no delay: the loop that
	 * comes first is still the error, ahead of a bad delay after it...
	 */
	check_int(parse(DOC("{\"op\":\"series\",\"of\":["
			    "{\"op\":\"feedback\",\"forward\":{\"op\":\"gain\",\"values\":[1]},"
			    "\"back\":{\"op\":\"gain\",\"values\":[0.5]}},"
			    "{\"op\":\"delay\",\"samples\":[-4]}]}"),
		        1, 1, &ir, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/of/0");
	check_str(err.text, "delay-free loop: output 0 of forward feeds back to itself without a sample of delay");
	/* ...and behind a bad delay before it */
	check_int(parse(DOC("{\"op\":\"series\",\"of\":["
			    "{\"op\":\"delay\",\"samples\":[-4]},"
			    "{\"op\":\"feedback\",\"forward\":{\"op\":\"gain\",\"values\":[1]},"
			    "\"back\":{\"op\":\"gain\",\"values\":[0.5]}}]}"),
		        1, 1, &ir, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/of/0/samples/0");
	/* of two bad loops, the inner one closes first */
	check_int(parse(DOC("{\"op\":\"feedback\",\"forward\":"
			    "{\"op\":\"feedback\",\"forward\":{\"op\":\"gain\",\"values\":[1]},"
			    "\"back\":{\"op\":\"gain\",\"values\":[0.5]}},"
			    "\"back\":{\"op\":\"gain\",\"values\":[0.5]}}"),
		        1, 1, &ir, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/forward");
}

static void
test_ir__a_loop_without_delay_is_found_among_4096_channels(void)
{
	struct adac_error err;
	struct adac_ir *ir = NULL;
	size_t n = 4096, k, len = 0, cap = 16 * n + 1024;
	char *text = malloc(cap);

	/*
	 * Every channel but the last is delayed; the matrix in back feeds
	 * channel k to k + 1, so the only cycle without delay is the last
	 * channel's own, through entry [4095][4095].  A dense dependence
	 * matrix would take 4096² bytes per node here.
	 */
	len += (size_t)sprintf(text + len, "{\"adac\":\"ir/1\",\"name\":\"w\",\"fs\":48000,"
			       "\"inputs\":%zu,\"outputs\":%zu,\"graph\":{\"op\":\"feedback\","
			       "\"forward\":{\"op\":\"delay\",\"samples\":[", n, n);
	for (k = 0; k < n; k++)
		len += (size_t)sprintf(text + len, "%s%d", k ? "," : "", k + 1 < n);
	len += (size_t)sprintf(text + len, "]},\"back\":{\"op\":\"gain\",\"values\":[");
	for (k = 0; k < n; k++)
		len += (size_t)sprintf(text + len, "%s0.5", k ? "," : "");
	len += (size_t)sprintf(text + len, "]}}}");
	check_int(adac_ir_parse_text(text, len, &ir, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph");
	check_str(err.text, "delay-free loop: output 4095 of forward feeds back to itself without a sample of delay");
	free(text);
}

static void
test_ir__total_channels_are_limited(void)
{
	struct adac_error err;
	struct adac_ir *ir = NULL;
	size_t k, n = 600, len = 0, cap = n * 4096 * 2 + 4096;
	char *text = malloc(cap);
	int g;

	/* 520 gains of 4096 channels: 520 · 8192 > 2^22 inputs and outputs */
	len += (size_t)sprintf(text + len, "{\"adac\":\"ir/1\",\"name\":\"w\",\"fs\":48000,"
			       "\"inputs\":4096,\"outputs\":4096,\"graph\":{\"op\":\"series\",\"of\":[");
	for (g = 0; g < 520; g++) {
		len += (size_t)sprintf(text + len, "%s{\"op\":\"gain\",\"values\":[", g ? "," : "");
		for (k = 0; k < 4096; k++)
			len += (size_t)sprintf(text + len, "%s1", k ? "," : "");
		len += (size_t)sprintf(text + len, "]}");
	}
	len += (size_t)sprintf(text + len, "]}}");
	check_int(adac_ir_parse_text(text, len, &ir, &err), ADAC_E_INPUT);
	/* 512 gains hold 2^22 exactly; the 513th is one too many */
	check_str(err.pointer, "/graph/of/512");
	check_str(err.text, "the nodes have more than 4194304 channels in all (inputs and outputs of every node)");
	free(text);
}

static void
test_ir__structure_claims_are_verified(void)
{
	struct adac_error err;
	struct adac_ir *ir = NULL;

	/* I − 2uuᵀ/uᵀu with u = (1, 1): [[0, −1], [−1, 0]] */
	check_int(parse(DOC("{\"op\":\"matrix\",\"data\":[[0,-1],[-1,0]],"
			    "\"structure\":{\"kind\":\"householder\",\"u\":[1,1]}}"),
		        2, 2, &ir, &err), ADAC_OK);
	check(ir != NULL && ir->graph->structure.kind == ADAC_STRUCT_HOUSEHOLDER);
	adac_ir_free(ir);
	check_int(parse(DOC("{\"op\":\"matrix\",\"data\":[[0,1],[1,0]],"
			    "\"structure\":{\"kind\":\"permutation\",\"perm\":[1,0]}}"),
		        2, 2, &ir, &err), ADAC_OK);
	adac_ir_free(ir);
	/* a permutation claim off by 1e-6 is refused: the tolerance is 1e-9 */
	check_int(parse(DOC("{\"op\":\"matrix\",\"data\":[[0,1.000001],[1,0]],"
			    "\"structure\":{\"kind\":\"permutation\",\"perm\":[1,0]}}"),
		        2, 2, &ir, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/data/0/1");
	check_int(parse(DOC("{\"op\":\"matrix\",\"data\":[[1,1,1],[1,-1,1],[1,1,-1]],"
			    "\"structure\":{\"kind\":\"hadamard\"}}"),
		        3, 3, &ir, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/structure");
}

static void
test_ir__a_bad_matrix_entry_is_named_in_any_row(void)
{
	struct adac_error err;
	struct adac_ir *ir = NULL;

	/* a string in row 1: the entry's pointer, not a row-length complaint */
	check_int(parse(DOC("{\"op\":\"matrix\",\"data\":[[1,0,0,0],[0,1,\"x\",0]]}"),
		        4, 2, &ir, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/data/1/2");
	check_str(err.text, "expected a number, got a string");
	check_int(parse(DOC("{\"op\":\"matrix\",\"data\":[[1,0],[0,1],[NaN,1]]}"),
		        2, 3, &ir, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/data/2/0");
	check_str(err.text, "NaN is not a finite number");
	/* a row of another length is still the row's fault */
	check_int(parse(DOC("{\"op\":\"matrix\",\"data\":[[1,0],[0,1,1]]}"),
		        2, 2, &ir, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/data/1");
	check_str(err.text, "row has 3 entries but row 0 has 2");
}

static void
test_ir__controls_are_checked(void)
{
	struct adac_error err;
	struct adac_ir *ir = NULL;
	char text[1024];
	const char *fmt =
		"{\"adac\":\"ir/1\",\"name\":\"t\",\"fs\":48000,\"inputs\":1,\"outputs\":1,"
		"\"controls\":[%s],"
		"\"graph\":{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\",\"samples\":[100]},"
		"\"back\":{\"op\":\"gain\",\"values\":[1],\"decay\":{\"control\":\"rt60\",\"loop_samples\":[100]}}}}";

	snprintf(text, sizeof text, fmt,
		 "{\"name\":\"rt60\",\"min\":0.1,\"max\":10,\"init\":2,\"unit\":\"s\"}");
	check_int(adac_ir_parse_text(text, strlen(text), &ir, &err), ADAC_OK);
	check(ir != NULL && ir->n_controls == 1 && ir->controls[0].init == 2);
	check(ir != NULL && ir->graph->back->decay != NULL &&
	      ir->graph->back->decay->loop_samples[0] == 100);
	adac_ir_free(ir);
	snprintf(text, sizeof text, fmt,
		 "{\"name\":\"rt60\",\"min\":0.1,\"max\":10,\"init\":20}");
	check_int(adac_ir_parse_text(text, strlen(text), &ir, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/controls/0/init");
	snprintf(text, sizeof text, fmt,
		 "{\"name\":\"dry_wet\",\"min\":0,\"max\":1,\"init\":1}");
	check_int(adac_ir_parse_text(text, strlen(text), &ir, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/back/decay/control");
	check_str(err.text, "no control named 'rt60'");
	/* a slider's step and label */
	snprintf(text, sizeof text, fmt,
		 "{\"name\":\"rt60\",\"min\":0.1,\"max\":10,\"init\":2,"
		 "\"step\":0.5,\"label\":\"Decay\"}");
	check_int(adac_ir_parse_text(text, strlen(text), &ir, &err), ADAC_OK);
	check(ir != NULL && ir->controls[0].step == 0.5 &&
	      strcmp(adac_control_label(&ir->controls[0]), "Decay") == 0);
	adac_ir_free(ir);
	snprintf(text, sizeof text, fmt,
		 "{\"name\":\"rt60\",\"min\":0.1,\"max\":10,\"init\":2,"
		 "\"step\":-1}");
	check_int(adac_ir_parse_text(text, strlen(text), &ir, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/controls/0/step");
	snprintf(text, sizeof text, fmt,
		 "{\"name\":\"rt60\",\"min\":0.1,\"max\":10,\"init\":2,"
		 "\"label\":\"a[b]\"}");
	check_int(adac_ir_parse_text(text, strlen(text), &ir, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/controls/0/label");
}

/* A decay gain may stand for a zero delay (a channel not delayed). */
static void
test_ir__decay_loop_samples_may_be_zero(void)
{
	struct adac_error err;
	struct adac_ir *ir = NULL;
	const char *ctl = "\"controls\":[{\"name\":\"rt60\",\"min\":0.1,"
			  "\"max\":10,\"init\":2}],";
	char text[1024];

	snprintf(text, sizeof text,
		 "{\"adac\":\"ir/1\",\"name\":\"t\",\"fs\":48000,\"inputs\":2,"
		 "\"outputs\":2,%s\"graph\":{\"op\":\"gain\",\"values\":[1,1],"
		 "\"decay\":{\"control\":\"rt60\",\"loop_samples\":[0,%s]}}}",
		 ctl, "10");
	check_int(adac_ir_parse_text(text, strlen(text), &ir, &err), ADAC_OK);
	adac_ir_free(ir);
	snprintf(text, sizeof text,
		 "{\"adac\":\"ir/1\",\"name\":\"t\",\"fs\":48000,\"inputs\":2,"
		 "\"outputs\":2,%s\"graph\":{\"op\":\"gain\",\"values\":[1,1],"
		 "\"decay\":{\"control\":\"rt60\",\"loop_samples\":[0,%s]}}}",
		 ctl, "-1");
	check_int(adac_ir_parse_text(text, strlen(text), &ir, &err), ADAC_E_INPUT);
	check_str(err.pointer, "/graph/decay/loop_samples/1");
	check_str(err.text, "loop length -1 is negative");
}

static void
test_ir__hash_ignores_the_certificate_only(void)
{
	const char *a = "{\"adac\":\"ir/1\",\"name\":\"t\",\"fs\":48000,\"inputs\":1,\"outputs\":1,\"graph\":{\"op\":\"gain\",\"values\":[0.5]}}";
	const char *b = "{\"certificate\":{\"verdict\":\"x\"},\"graph\":{\"values\":[0.5],\"op\":\"gain\"},\"outputs\":1,\"inputs\":1,\"fs\":48000.0,\"name\":\"t\",\"adac\":\"ir/1\"}";
	const char *c = "{\"adac\":\"ir/1\",\"name\":\"t\",\"fs\":48000,\"inputs\":1,\"outputs\":1,\"graph\":{\"op\":\"gain\",\"values\":[0.5000001]}}";
	struct adac_ir *ia, *ib, *ic;
	char ha[65], hb[65], hc[65];

	check_int(adac_ir_parse_text(a, strlen(a), &ia, NULL), ADAC_OK);
	check_int(adac_ir_parse_text(b, strlen(b), &ib, NULL), ADAC_OK);
	check_int(adac_ir_parse_text(c, strlen(c), &ic, NULL), ADAC_OK);
	adac_ir_hash(ia, ha, NULL);
	adac_ir_hash(ib, hb, NULL);
	adac_ir_hash(ic, hc, NULL);
	check_str(ha, hb);
	check(strcmp(ha, hc) != 0);
	adac_ir_free(ia);
	adac_ir_free(ib);
	adac_ir_free(ic);
}

/* The walk's log: "<pointer" before the children, ">pointer" after. */
struct trail {
	char log[1024];
	const char *skip, *stop;	/* pointers to skip under, to stop at */
};

static int
trail_pre(const struct adac_node *n, void *arg)
{
	struct trail *t = arg;

	snprintf(t->log + strlen(t->log), sizeof t->log - strlen(t->log),
		 " <%s", n->pointer);
	if (t->stop != NULL && strcmp(n->pointer, t->stop) == 0)
		return 42;
	if (t->skip != NULL && strcmp(n->pointer, t->skip) == 0)
		return ADAC_WALK_SKIP;
	return ADAC_OK;
}

static int
trail_post(const struct adac_node *n, void *arg)
{
	struct trail *t = arg;

	snprintf(t->log + strlen(t->log), sizeof t->log - strlen(t->log),
		 " >%s", n->pointer);
	return ADAC_OK;
}

#define WALKED DOC("{\"op\":\"series\",\"of\":[" \
	"{\"op\":\"gain\",\"values\":[1]}," \
	"{\"op\":\"feedback\",\"forward\":{\"op\":\"delay\",\"samples\":[3]}," \
	"\"back\":{\"op\":\"parallel\",\"in\":\"split\",\"out\":\"sum\",\"of\":[" \
	"{\"op\":\"gain\",\"values\":[0.5]},{\"op\":\"sos\",\"sections\":[[[1,0,0,0,0]]]}]}}]}")

static void
test_ir__the_walk_visits_children_in_document_order(void)
{
	struct trail t = {"", NULL, NULL};
	struct adac_error err;
	struct adac_ir *ir = NULL;

	check_int(parse(WALKED, 1, 1, &ir, &err), ADAC_OK);
	if (ir == NULL)
		return;
	/* feedback: forward before back; parallel and series: of in order */
	check_int(adac_ir_walk(ir->graph, trail_pre, trail_post, &t), ADAC_OK);
	check_str(t.log, " </graph </graph/of/0 >/graph/of/0"
		  " </graph/of/1 </graph/of/1/forward >/graph/of/1/forward"
		  " </graph/of/1/back </graph/of/1/back/of/0 >/graph/of/1/back/of/0"
		  " </graph/of/1/back/of/1 >/graph/of/1/back/of/1"
		  " >/graph/of/1/back >/graph/of/1 >/graph");
	check_int(adac_ir_n_children(ir->graph), 2);
	check_int(adac_ir_n_children(ir->graph->of[0]), 0);
	check(adac_ir_child(ir->graph->of[1], 0) == ir->graph->of[1]->forward);
	check(adac_ir_child(ir->graph->of[1], 1) == ir->graph->of[1]->back);
	check(adac_ir_child(ir->graph->of[1], 2) == NULL);
	check(adac_ir_child(ir->graph->of[0], 0) == NULL);
	adac_ir_free(ir);
}

static void
test_ir__the_walk_skips_and_stops_when_told(void)
{
	struct trail t = {"", "/graph/of/1", NULL};
	struct adac_error err;
	struct adac_ir *ir = NULL;

	check_int(parse(WALKED, 1, 1, &ir, &err), ADAC_OK);
	if (ir == NULL)
		return;
	/* a skipped node's children are left out; its post still runs */
	check_int(adac_ir_walk(ir->graph, trail_pre, trail_post, &t), ADAC_OK);
	check_str(t.log, " </graph </graph/of/0 >/graph/of/0"
		  " </graph/of/1 >/graph/of/1 >/graph");
	/* any other value stops the walk at once and is returned */
	t.log[0] = '\0';
	t.skip = NULL;
	t.stop = "/graph/of/1/forward";
	check_int(adac_ir_walk(ir->graph, trail_pre, trail_post, &t), 42);
	check_str(t.log, " </graph </graph/of/0 >/graph/of/0"
		  " </graph/of/1 </graph/of/1/forward");
	/* pre alone, post alone */
	t.log[0] = '\0';
	t.stop = NULL;
	check_int(adac_ir_walk(ir->graph->of[1], NULL, trail_post, &t), ADAC_OK);
	check_str(t.log, " >/graph/of/1/forward >/graph/of/1/back/of/0"
		  " >/graph/of/1/back/of/1 >/graph/of/1/back >/graph/of/1");
	adac_ir_free(ir);
}

int
main(void)
{
	RUN(test_ir__parallel_counts_channels_by_mode);
	RUN(test_ir__loop_delay_may_sit_in_either_path);
	RUN(test_ir__delay_free_cycle_through_a_matrix_is_found);
	RUN(test_ir__fractional_delay_below_one_sample_has_no_delay);
	RUN(test_ir__nested_loop_without_delay_outside_is_found);
	RUN(test_ir__the_first_bad_value_in_document_order_is_reported);
	RUN(test_ir__a_loop_without_delay_is_found_among_4096_channels);
	RUN(test_ir__total_channels_are_limited);
	RUN(test_ir__structure_claims_are_verified);
	RUN(test_ir__a_bad_matrix_entry_is_named_in_any_row);
	RUN(test_ir__controls_are_checked);
	RUN(test_ir__decay_loop_samples_may_be_zero);
	RUN(test_ir__hash_ignores_the_certificate_only);
	RUN(test_ir__the_walk_visits_children_in_document_order);
	RUN(test_ir__the_walk_skips_and_stops_when_told);
	return unit_done();
}
