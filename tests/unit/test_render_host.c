/*
 * A source rendered by its caller's code (ADAC_SOURCE_HOST, what plugin/
 * opens an LV2 bundle as) goes through adac_diff_run() like any other.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "render.h"
#include "unit.h"

/* y[n] = 0.5 x[n - 1]: a delay of one sample and a gain of a half */
static const char model[] =
	"{\"adac\": \"ir/1\", \"name\": \"half\", \"fs\": 48000, \"inputs\": 1, \"outputs\": 1,"
	" \"graph\": {\"op\": \"series\", \"of\": ["
	"  {\"op\": \"delay\", \"samples\": [1]}, {\"op\": \"gain\", \"values\": [0.5]}]}}";

struct fake {
	double gain;
	int *freed;
};

static int
fake_render(void *ctx, long length, double fs_hz,
	    void (*progress)(void *pctx, double done), void *pctx,
	    struct adac_response **out, struct adac_error *err)
{
	struct fake *f = ctx;
	struct adac_response *r = adac_response_new(1, 1, length, fs_hz);

	(void)progress;
	(void)pctx;
	if (r == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	if (length > 1)
		r->h[1] = f->gain;
	*out = r;
	return ADAC_OK;
}

static void
fake_free(void *ctx)
{
	struct fake *f = ctx;

	(*f->freed)++;
	free(f);
}

static struct adac_source *
fake_source(double gain, double fs_hz, int *freed)
{
	struct adac_source_host h = {0};
	struct adac_source *s = NULL;
	struct adac_error err;
	struct fake *f = malloc(sizeof *f);

	f->gain = gain;
	f->freed = freed;
	h.ctx = f;
	h.inputs = h.outputs = 1;
	h.fs_hz = fs_hz;
	h.render = fake_render;
	h.free = fake_free;
	check_int(adac_source_new_host(&h, &s, &err), ADAC_OK);
	return s;
}

/* Compare the model with a fake of gain; *equal set, returns the code. */
static int
compare(double gain, double fs_hz, int *equal, int *freed,
	struct adac_error *err)
{
	struct adac_source *src[2];
	struct adac_diff_options opt;
	const char *name[2] = { "model", "host" };
	json_t *report = NULL;
	int rc, culprit;

	adac_diff_options_init(&opt);
	check_int(adac_source_open_mem("m.json", model, strlen(model), NULL,
				       &src[0], err), ADAC_OK);
	src[1] = fake_source(gain, fs_hz, freed);
	check_int(adac_source_kind(src[1]), ADAC_SOURCE_HOST);
	rc = adac_diff_run(src, name, &opt, &report, equal, &culprit, err);
	json_decref(report);
	adac_source_free(src[0]);
	adac_source_free(src[1]);
	return rc;
}

static void
test_render_host__equal_to_the_model_it_renders_exactly(void)
{
	struct adac_error err;
	int equal = 0, freed = 0;

	/* 0.5 is exact in float: the response is the model's, bit for bit */
	check_int(compare(0.5, 0, &equal, &freed, &err), ADAC_OK);
	check_int(equal, 1);
	check_int(freed, 1);
}

static void
test_render_host__a_gain_off_by_a_millionth_is_different(void)
{
	struct adac_error err;
	int equal = 1, freed = 0;

	/* 1e-6 of 0.5 is -120 dB re peak, above the float tolerance of a
	 * model this simple (never looser than -132.4 dB: diff.h) */
	check_int(compare(0.5 * (1 + 1e-6), 0, &equal, &freed, &err), ADAC_OK);
	check_int(equal, 0);
	check_int(freed, 1);
}

static void
test_render_host__a_host_of_another_rate_is_refused(void)
{
	struct adac_error err;
	int equal = 1, freed = 0;

	check_int(compare(0.5, 44100, &equal, &freed, &err), ADAC_E_INPUT);
	check_int(freed, 1);
}

int
main(void)
{
	RUN(test_render_host__equal_to_the_model_it_renders_exactly);
	RUN(test_render_host__a_gain_off_by_a_millionth_is_different);
	RUN(test_render_host__a_host_of_another_rate_is_refused);
	return unit_done();
}
