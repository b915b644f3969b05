/*
 * test_export.c - adac-ir export (lib/export.c): every IR the config
 * format can express comes back from lowering its export as the same
 * canonical document ("source" and "certificate" left out), over the
 * bundled examples, every fixture and random FDNs; what it cannot
 * express is refused at its pointer.
 */
#include <glob.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "cli.h"
#include "export.h"
#include "ir.h"
#include "json.h"
#include "lower.h"

/* The canonical text of doc without provenance, certificate and notes. */
static char *
bare(const json_t *doc)
{
	json_t *c = json_deep_copy(doc), *v;
	const char *k;
	void *tmp;
	char *s;

	json_object_del(c, "source");
	json_object_del(c, "certificate");
	json_object_foreach_safe(c, tmp, k, v)
		if (strncmp(k, "x-", 2) == 0)
			json_object_del(c, k);
	s = adac_json_dumps(c);
	json_decref(c);
	return s;
}

/*
 * Export ir (a valid IR document) and lower the export: 1 when the two
 * are the same, 0 when they differ, -1 when export refused (err set).
 */
static int
round_trip(json_t *irdoc, struct adac_error *err)
{
	struct adac_ir *ir = NULL;
	json_t *cfg = NULL, *back = NULL;
	char *a = NULL, *b = NULL;
	int same = 0;

	if (adac_ir_parse(irdoc, &ir, err) != ADAC_OK)
		return -1;
	if (adac_export_adac(ir, &cfg, err) != ADAC_OK) {
		adac_ir_free(ir);
		return -1;
	}
	if (adac_lower(cfg, ADAC_LOWER_AUTO, &back, err) == ADAC_OK) {
		a = bare(irdoc);
		b = bare(back);
		same = a != NULL && b != NULL && strcmp(a, b) == 0;
	} else {
		printf("#   the export does not lower: %s: %s\n", err->pointer,
		       err->text);
	}
	free(a);
	free(b);
	json_decref(back);
	json_decref(cfg);
	adac_ir_free(ir);
	return same;
}

/* What the config format cannot express in the fixtures, and where. */
static const struct {
	const char *file, *pointer;
} refused[] = {
	/* hand-written decay gains, not where adac-lower puts them */
	{"tests/data/certify/rt60.json", "/graph/of/1/forward/of/1/id"},
	{"tests/data/diff/comb-rt60.json", "/graph/back/of/1/id"},
	{"tests/data/emit/knobs.json", "/graph/of/1/forward/of/1/id"},
	{"tests/data/plot/comb-rt60.json", "/graph/back/of/1/id"},
	{"tests/data/plot/fdn8-rt60.json", "/graph/of/1/forward/op"},
	{"tests/data/plot/stereo-rt60.json", "/graph/of/0/back/of/1/id"},
	{"tests/data/sim/comb-controls.json", "/graph/forward/op"},
	/* parallels that stack their inputs */
	{"tests/data/emit/back-fractional.json", "/graph/of/0/forward"},
	{"tests/data/emit/knobs-stereo.json", "/graph"},
	{"tests/data/emit/no-delay-to-absorb.json", "/graph/forward"},
	{"examples/dattorro.json", "/graph/of/6/back/of/0"},
	{"examples/dattorro-mod.json", "/graph/of/6/back/of/0"},
	/* a nonlinear node: the reference's modules are linear */
	{"examples/fdn4-tanh.json", "/graph/of/1/back/of/0"},
	/* a modulated delay: the reference's delays are fixed */
	{"examples/fdn4-mod.json", "/graph/of/1/back"},
	{"tests/data/moddelay/tank.json", "/graph/back/of/0/of/0/back/of/0"},
};

static const char *
expected_refusal(const char *file)
{
	size_t i;

	for (i = 0; i < sizeof refused / sizeof refused[0]; i++)
		if (strcmp(refused[i].file, file) == 0)
			return refused[i].pointer;
	return NULL;
}

static void
test_export__examples_and_fixtures_come_back(void)
{
	struct adac_error err;
	glob_t g;
	json_t *doc, *ir;
	const char *want;
	char *buf;
	size_t i, len;
	int rc, back = 0, n_refused = 0;

	check(glob("examples/*.json", 0, NULL, &g) == 0);
	check(glob("tests/data/*/*.json", GLOB_APPEND, NULL, &g) == 0);
	for (i = 0; i < g.gl_pathc; i++) {
		const char *f = g.gl_pathv[i];

		if (adac_cli_read(f, &buf, &len, &err) != ADAC_OK)
			continue;
		doc = adac_json_load(buf, len, &err);
		free(buf);
		if (doc == NULL)
			continue;
		ir = NULL;
		/* IRs as they are, configs and specs through the lowering;
		 * the bad ones of either are not for this test */
		if (json_object_get(doc, "adac") != NULL) {
			struct adac_ir *p = NULL;

			if (adac_ir_parse(doc, &p, &err) == ADAC_OK)
				ir = json_incref(doc);
			adac_ir_free(p);
		} else if (adac_lower(doc, ADAC_LOWER_AUTO, &ir, &err) != ADAC_OK) {
			ir = NULL;
		}
		json_decref(doc);
		if (ir == NULL)
			continue;
		rc = round_trip(ir, &err);
		want = expected_refusal(f);
		if (rc == -1) {
			n_refused++;
			if (want == NULL || strcmp(err.pointer, want) != 0)
				printf("#   %s: refused at %s: %s\n", f,
				       err.pointer, err.text);
			check(want != NULL && strcmp(err.pointer, want) == 0);
		} else {
			if (rc != 1 || want != NULL)
				printf("#   %s: %s\n", f, rc != 1 ? "differs" :
				       "exported, though expected refused");
			check(rc == 1 && want == NULL);
			back += rc == 1;
		}
		json_decref(ir);
	}
	printf("#   %d came back, %d refused\n", back, n_refused);
	check(n_refused == (int)(sizeof refused / sizeof refused[0]));
	check(back >= 55);
	globfree(&g);
}

/* xorshift64*: the same networks on every run */
static uint64_t
next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/*
 * A random fdn spec: 1 to 16 lines, every matrix kind (householder,
 * hadamard, random orthogonal, explicit rows), absorption of both kinds
 * or none, a direct path or none, 1 or 2 inputs and outputs, a
 * broadband t60 or none.
 */
static json_t *
random_fdn(uint64_t *s, int *ins, int *outs)
{
	json_t *spec = json_object(), *d = json_array(), *m, *row, *sec;
	int n = 1 + (int)(next(s) % 16), kind = (int)(next(s) % 4), i, j;
	int seed = (int)(next(s) % 100000), r = (int)(next(s) % 1000);

	*ins = 1 + (int)(next(s) % 2);
	*outs = 1 + (int)(next(s) % 2);
	if (kind == 1)
		n = 1 << (int)(next(s) % 5);
	for (i = 0; i < n; i++)
		json_array_append_new(d, json_integer(211 + (i * 37 + seed) % 997));
	json_object_set_new(spec, "fs", json_integer(48000));
	json_object_set_new(spec, "delays", d);
	json_object_set_new(spec, "inputs", json_integer(*ins));
	json_object_set_new(spec, "outputs", json_integer(*outs));
	json_object_set_new(spec, "seed", json_integer(seed));
	if (kind == 3) {
		m = json_array();
		for (i = 0; i < n; i++) {
			row = json_array();
			for (j = 0; j < n; j++)
				json_array_append_new(row, json_real(
				    (double)((int)(next(s) % 17) - 8) / (8 * n)));
			json_array_append_new(m, row);
		}
		json_object_set_new(spec, "matrix", m);
	} else {
		static const char *const kinds[] = {"householder", "hadamard",
						    "random-orthogonal"};
		json_object_set_new(spec, "matrix", json_string(kinds[kind]));
	}
	if (r % 3 == 0) {
		json_object_set_new(spec, "absorption", json_pack(
		    "{s:f, s:f}", "t60_dc", 2.5, "t60_nyquist", 0.7));
	} else if (r % 3 == 1) {
		sec = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(sec, json_pack("[f,f,f,f,f]", 0.5,
			    0.25, 0.125, -0.25 + 0.01 * i, 0.0625));
		json_object_set_new(spec, "absorption",
				    json_pack("{s:[o]}", "sos", sec));
	}
	if (r % 2 == 0)
		json_object_set_new(spec, "d", json_real(0.125));
	if (r % 5 < 2)
		json_object_set_new(spec, "t60", json_real(1.5));
	return spec;
}

static void
test_export__random_fdns_come_back(void)
{
	static const char *const a[] = {"rt60"};
	static const char *const b[] = {"rt60=0.5:4:1,label=Decay",
					"pre_delay=50"};
	static const char *const c[] = {"dry_wet,init=0.3,step=0.05"};
	struct adac_error err;
	uint64_t s = 0x5eed1309ULL;
	json_t *spec, *ir;
	int k, ins, outs, rc, n;
	const char *const *specs;

	for (k = 0; k < 64; k++) {
		spec = random_fdn(&s, &ins, &outs);
		switch (k % 4) {
		case 1: specs = a; n = 1; break;
		case 2: specs = b; n = 2; break;
		case 3: specs = c; n = ins == outs; break;
		default: specs = NULL; n = 0; break;
		}
		ir = NULL;
		rc = adac_lower_with_controls(spec, ADAC_LOWER_FDN, specs, n,
					      &ir, &err);
		check(rc == ADAC_OK);
		if (rc == ADAC_OK && (rc = round_trip(ir, &err)) != 1) {
			char *t = adac_json_dumps_compact(spec);

			printf("#   %s (%d controls): %s %s\n", t, n,
			       rc == 0 ? "differs" : err.pointer,
			       rc == 0 ? "" : err.text);
			free(t);
		}
		check(rc == 1);
		json_decref(ir);
		json_decref(spec);
	}
}

int
main(void)
{
	RUN(test_export__examples_and_fixtures_come_back);
	RUN(test_export__random_fdns_come_back);
	return unit_done();
}
