#include "emit_faust.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "biquad.h"
#include "buf.h"
#include "fixpoint.h"
#include "json.h"
#include "version.h"


/*
 * A structure claim is used only when the matrix the emitted arithmetic
 * denotes reproduces "data" to within this many ulps of its largest
 * entry: the simulator multiplies by "data" itself, and the 1e-9 that
 * validation accepts would show at -180 dB, far above the -250 dB a
 * double build must reach.  A structure computed in double (what
 * adac-lower writes) is within 2 or 3 ulps.
 */
#define STRUCTURE_ULPS 8.0

/* Seconds of the one-pole glide a moved control follows. */
#define KNOB_TAU_S "0.02"

/* Where a line of a long list wraps. */
#define WRAP_COLUMN 78

/* --- names --------------------------------------------------------------- */

/*
 * Names the program defines itself, FAUST's keywords and primitives, and
 * the environments stdfaust.lib binds: a node "id" equal to one of these
 * gets a suffix.
 */
static const char *const reserved[] = {
	/* ours */
	"process", "knob", "bfly", "biquad", "svf", "hadamard_stage", "rt60",
	"moddelay", "df1fx",
	"dry_wet", "pre_delay", "pre_delay_samples", "dry", "wet", "model",
	/* keywords and primitives */
	"import", "declare", "with", "letrec", "where", "case", "environment",
	"library", "component", "waveform", "soundfile", "par", "seq", "sum",
	"prod", "route", "inputs", "outputs", "mem", "prefix", "int", "float",
	"rdtable", "rwtable", "select2", "select3", "ffunction", "fconstant",
	"fvariable", "button", "checkbox", "vslider", "hslider", "nentry",
	"vgroup", "hgroup", "tgroup", "vbargraph", "hbargraph", "attach",
	"acos", "asin", "atan", "atan2", "cos", "sin", "tan", "exp", "log",
	"log10", "pow", "sqrt", "abs", "min", "max", "fmod", "remainder",
	"floor", "ceil", "rint", "round", "enable", "control", "lowest",
	"highest", "singleprecision", "doubleprecision", "quadprecision",
	"fixedpointprecision", "ondemand", "upsampling", "downsampling",
	"assertbounds", "modulate", "stdfaust",
	/* stdfaust.lib environments */
	"aa", "sf", "an", "ba", "co", "de", "dm", "dx", "en", "fd", "fi", "ho",
	"it", "ma", "mi", "ef", "os", "no", "pf", "pl", "pm", "qu", "rm", "re",
	"ro", "sp", "si", "so", "sy", "ve", "vl", "wa", "wd",
	NULL
};

/* An open-addressing set of the names in use. */
struct names {
	char **slot;
	size_t cap, n;
	int failed;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static int
names_has(const struct names *ns, const char *s)
{
	size_t i;

	if (ns->cap == 0)
		return 0;
	for (i = hash_str(s) & (ns->cap - 1); ns->slot[i] != NULL;
	     i = (i + 1) & (ns->cap - 1))
		if (strcmp(ns->slot[i], s) == 0)
			return 1;
	return 0;
}

/* Add s (copied); returns the stored copy or NULL when out of memory. */
static const char *
names_add(struct names *ns, const char *s)
{
	size_t i, j, cap;
	char **slot, *copy;

	if (ns->failed)
		return NULL;
	if (2 * (ns->n + 1) > ns->cap) {
		cap = ns->cap ? 2 * ns->cap : 256;
		slot = calloc(cap, sizeof *slot);
		if (slot == NULL) {
			ns->failed = 1;
			return NULL;
		}
		for (j = 0; j < ns->cap; j++) {
			if (ns->slot[j] == NULL)
				continue;
			for (i = hash_str(ns->slot[j]) & (cap - 1);
			     slot[i] != NULL; i = (i + 1) & (cap - 1))
				;
			slot[i] = ns->slot[j];
		}
		free(ns->slot);
		ns->slot = slot;
		ns->cap = cap;
	}
	copy = strdup(s);
	if (copy == NULL) {
		ns->failed = 1;
		return NULL;
	}
	for (i = hash_str(s) & (ns->cap - 1); ns->slot[i] != NULL;
	     i = (i + 1) & (ns->cap - 1))
		;
	ns->slot[i] = copy;
	ns->n++;
	return copy;
}

static void
names_free(struct names *ns)
{
	size_t i;

	for (i = 0; i < ns->cap; i++)
		free(ns->slot[i]);
	free(ns->slot);
}

/* --- the emitter --------------------------------------------------------- */

struct em {
	const struct adac_ir *ir;
	int dense;
	struct adac_buf defs;	/* node definitions, in tree order */
	struct names names;
	struct adac_error *err;
	int live;		/* trained values as hidden parameters */
	int n_live;		/* live values written so far: their names */
	int use_lib;		/* si., ro., ba. appear: import stdfaust.lib */
	int use_bfly, use_biquad, use_svf, use_knob, use_hstage;
	int use_moddelay, use_df1fx;
	const struct adac_fixpoint *fx;	/* -fx program: see fx_product */
};

char *
adac_emit_literal(char buf[40], double x)
{
	adac_fmt_double(buf, x);
	if (strpbrk(buf, ".eEni") == NULL)
		strcat(buf, ".0");
	return buf;
}

/*
 * A trained value: a literal, or with --live a hidden number entry that
 * adac-live can set without recompiling ("v7[hidden:1]", address
 * /Name/v7).  Its range is wide so training never leaves it.
 */
#define VALUE_MAX 112
static char *
value(struct em *e, char buf[VALUE_MAX], double x)
{
	char l[40];

	if (!e->live)
		return adac_emit_literal(buf, x);
	snprintf(buf, VALUE_MAX, "nentry(\"v%d[hidden:1]\", %s, -1e9, 1e9, 0)",
		 e->n_live++, adac_emit_literal(l, x));
	return buf;
}

/*
 * A product by the coefficient a in a program for faust -fx: a on the
 * format's grid (adac_fixpoint_coef), and the product behind
 * attach(_, 0), a barrier FAUST's normalisation does not look through,
 * so that it neither factors c·x + c·y into c·(x + y) nor folds c·(d·x)
 * into (c·d)·x: each product is rounded where the simulator rounds it.
 */
static void
fx_product(struct em *e, char t[VALUE_MAX + 40], double a)
{
	char l[40];
	int64_t raw = 0;

	(void)adac_fixpoint_coef(e->fx, a, &raw);	/* checked before */
	snprintf(t, VALUE_MAX + 40, "(*(%s) : attach(_, 0))",
		 adac_emit_literal(l, adac_fixpoint_value(e->fx, raw)));
}

/*
 * A unique FAUST identifier for node: its "id" made into an identifier,
 * else a name for its op; a suffix _2, _3, ... where that is taken.
 */
static const char *
node_name(struct em *e, const struct adac_node *node)
{
	static const char *const by_op[] = {
		[ADAC_OP_SERIES] = "chain", [ADAC_OP_PARALLEL] = "branches",
		[ADAC_OP_FEEDBACK] = "loop", [ADAC_OP_DELAY] = "delays",
		[ADAC_OP_GAIN] = "gains", [ADAC_OP_MATRIX] = "mix",
		[ADAC_OP_SOS] = "filters", [ADAC_OP_NONLINEAR] = "shapers",
		[ADAC_OP_MODDELAY] = "modlines",
	};
	_Static_assert(sizeof by_op / sizeof by_op[0] == ADAC_N_OPS,
		       "every op has a definition name");
	char base[64], name[96];
	const char *id = node->id;
	size_t i, n = 0;
	long k;

	if (id != NULL) {
		for (i = 0; id[i] != '\0' && n < sizeof base - 1; i++) {
			unsigned char c = (unsigned char)id[i];

			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9'))
				base[n++] = (char)c;
			else if (n > 0 && base[n - 1] != '_')
				base[n++] = '_';
		}
		while (n > 0 && base[n - 1] == '_')
			n--;
		base[n] = '\0';
		if (n > 0 && base[0] >= '0' && base[0] <= '9') {
			memmove(base + 2, base, n + 1 > sizeof base - 2 ?
				sizeof base - 2 : n + 1);
			base[0] = 'n';
			base[1] = '_';
			base[sizeof base - 1] = '\0';
		}
	}
	if (n == 0)
		snprintf(base, sizeof base, "%s", by_op[node->op]);
	snprintf(name, sizeof name, "%s", base);
	for (k = 2; names_has(&e->names, name); k++)
		snprintf(name, sizeof name, "%s_%ld", base, k);
	return names_add(&e->names, name);
}

static int
nomem(struct em *e)
{
	return adac_error_set(e->err, ADAC_E_NOMEM, "", "out of memory");
}

/* Column of the end of the definitions buffer, for wrapping lists. */
static size_t
column(const struct em *e)
{
	size_t i = e->defs.len;

	while (i > 0 && e->defs.s[i - 1] != '\n')
		i--;
	return e->defs.len - i;
}

/* Append item to a comma-separated list, wrapping long lines. */
static void
item(struct em *e, int first, const char *text)
{
	if (!first) {
		if (column(e) + 2 + strlen(text) > WRAP_COLUMN)
			adac_buf_puts(&e->defs, ",\n\t");
		else
			adac_buf_puts(&e->defs, ", ");
	}
	adac_buf_puts(&e->defs, text);
}

static void
put_bus(struct em *e, int n)
{
	if (n == 1) {
		adac_buf_puts(&e->defs, "_");
		return;
	}
	e->use_lib = 1;
	adac_buf_printf(&e->defs, "si.bus(%d)", n);
}

/* --- loops and the delay of `~` ------------------------------------------ */

enum loop_mode { LOOP_NONE, LOOP_BACK, LOOP_FORWARD };

static enum loop_mode loop_mode(const struct adac_node *node);

static int
moddelay_here(const struct adac_node *n, void *arg)
{
	(void)arg;
	return n->op == ADAC_OP_MODDELAY;
}

/* Does a modulated delay lie under node? */
static int
has_moddelay(const struct adac_node *node)
{
	return adac_ir_walk(node, moddelay_here, NULL, NULL) != ADAC_OK;
}

/*
 * Whether one sample of delay can be taken out of every path through
 * node, at its input: z^-1 commutes with every LTI node, so it is
 * enough that a delay of at least one whole sample sits on each path.
 * A modulated delay M is time-varying: z^-1·M = M'·z^-1 where M' is M
 * with its LFO one sample late (d'[n] = d[n − 1]), so a sample taken
 * from a node after it in a series passes it by lagging its counter
 * (emit_node()'s lag), and every node with a modulated delay inside
 * likewise (a causal system at rest shifted in time is the system with
 * its time-varying parameters shifted).  A modulated delay can give
 * the sample itself: it then reads j − 1 and j at the same LFO
 * position.  A loop that absorbs its own `~` delay through its forward
 * path delays its output by one sample; that sample can go instead, if
 * nothing in the loop is time-varying.
 */
static int
can_shorten(const struct adac_node *node)
{
	int i, ch;

	switch (node->op) {
	case ADAC_OP_MODDELAY:
		for (ch = 0; ch < node->n_in; ch++)
			if (adac_moddelay_min_whole(node, ch) < 1)
				return 0;
		return node->n_in > 0;
	case ADAC_OP_DELAY:
		for (ch = 0; ch < node->n_in; ch++)
			if (!(node->samples[ch] >= 1.0))
				return 0;
		return node->n_in > 0;
	case ADAC_OP_SERIES:
		for (i = 0; i < node->n_of; i++)
			if (can_shorten(node->of[i]))
				return 1;
		return 0;
	case ADAC_OP_PARALLEL:
		for (i = 0; i < node->n_of; i++)
			if (!can_shorten(node->of[i]))
				return 0;
		return node->n_of > 0;
	case ADAC_OP_FEEDBACK:
		return loop_mode(node) == LOOP_FORWARD;	/* never with a
							 * moddelay inside */
	case ADAC_OP_GAIN:
	case ADAC_OP_MATRIX:
	case ADAC_OP_SOS:
	case ADAC_OP_NONLINEAR:
		return 0;
	}
	return 0;
}

static enum loop_mode
loop_mode(const struct adac_node *node)
{
	if (can_shorten(node->back))
		return LOOP_BACK;
	/* the output delay moves across the whole loop */
	if (can_shorten(node->forward) && !has_moddelay(node))
		return LOOP_FORWARD;
	return LOOP_NONE;
}

/* --- leaves -------------------------------------------------------------- */

static void
emit_delay(struct em *e, const struct adac_node *node, int shorten)
{
	char a[40], b[40], t[160];
	double d, k, f;
	int ch;

	for (ch = 0; ch < node->n_in; ch++) {
		d = node->samples[ch] - shorten;
		k = floor(d);
		f = d - k;	/* exact: d < 2^25 */
		if (f == 0.0 || node->interp == ADAC_INTERP_NONE) {
			if (k == 0.0)
				snprintf(t, sizeof t, "_");
			else
				snprintf(t, sizeof t, "@(%.0f)", k);
		} else {
			/* y = (1 - f)·x[n - k] + f·x[n - k - 1], 1 - f in double
			 * as the simulator computes it */
			adac_emit_literal(a, 1.0 - f);
			adac_emit_literal(b, f);
			if (k == 0.0)
				snprintf(t, sizeof t,
					 "(_ <: *(%s), (mem : *(%s)) :> _)",
					 a, b);
			else
				snprintf(t, sizeof t,
					 "(_ <: (@(%.0f) : *(%s)), (@(%.0f) : *(%s)) :> _)",
					 k, a, k + 1, b);
		}
		item(e, ch == 0, t);
	}
}

/*
 * moddelay(B, beta, a, inc, P, c, ph, s, J) is one channel of a
 * modulated delay, written operation by operation as adac-ir(5) and the
 * simulator (adac_moddelay_offset(), lib/sim.c) compute it: an integer
 * counter k (c = P − lag mod P, with lag the samples the enclosing ~
 * moves past it: see can_shorten()),
 * the phase ph + k·inc wrapped to [0, 1), m = beta + a·sin(2π·p), then
 * j = B + floor(m) and f = m − floor(m); s is the sample the enclosing
 * ~ takes (0 or 1), J the longest read, which bounds FAUST's line (the
 * clamp changes nothing: j − s lies in [0, J − 1] by validation).
 * libfaust 2.54.9 reassociates some of these sums (p0 − floor(p0) as
 * k·inc + (ph − floor(p0)), 1 − f as q − (m − 1)): the same values
 * within a few units of the last place of numbers below 2 and of the
 * depth, which is what the double comparison sees.
 */
static void
emit_moddelay(struct em *e, const struct adac_node *node, int shorten,
	      long lag)
{
	char beta[40], a[40], inc[40], ph[40], t[320];
	double b;
	long P;
	int ch;

	e->use_moddelay = 1;
	for (ch = 0; ch < node->n_in; ch++) {
		b = node->samples[ch];
		adac_emit_literal(beta, b - floor(b));
		adac_emit_literal(a, node->depth[ch]);
		adac_emit_literal(inc, 1.0 / (double)node->period[ch]);
		adac_emit_literal(ph, node->phase[ch]);
		P = node->period[ch];
		snprintf(t, sizeof t, "moddelay(%.0f, %s, %s, %s, %ld, %ld, %s, %d, %.0f)",
			 floor(b), beta, a, inc, P, (P - lag % P) % P, ph,
			 shorten, floor(b + node->depth[ch]) + 2 - shorten);
		item(e, ch == 0, t);
	}
}

static void
emit_gain(struct em *e, const struct adac_node *node)
{
	char a[VALUE_MAX], m[40], t[256];
	int ch;

	for (ch = 0; ch < node->n_in; ch++) {
		value(e, a, node->values[ch]);
		if (node->decay != NULL) {
			/* values[i]·10^(−3·m_i/(fs·T60)), in the simulator's
			 * order of operations, fs the running rate: at the
			 * design rate ma.SR is the simulator's fs exactly */
			e->use_knob = 1;
			e->use_lib = 1;
			snprintf(t, sizeof t,
				 "*(%s * pow(10.0, -3.0 * %s / (ma.SR * rt60)) : knob)",
				 a, adac_emit_literal(m, node->decay->loop_samples[ch]));
		} else if (e->fx != NULL) {
			fx_product(e, t, node->values[ch]);
		} else {
			snprintf(t, sizeof t, "*(%s)", a);
		}
		item(e, ch == 0, t);
	}
}

/*
 * y = out_gain·f(in_gain·x), f as adac-ir(5) defines it.  A delay
 * commutes with a memoryless, time-invariant f with f(0) = 0, so the
 * one sample a loop's ~ takes may be taken on either side of it
 * (can_shorten).  libfaust 2.54.9 rewrites the cubic v - v*v*v/3.0 as
 * v*(1 - 0.333…*v^2) and folds out_gain into the product: the same
 * function with other roundings, a few units of the last place apart.
 */
static void
emit_nonlinear(struct em *e, const struct adac_node *node)
{
	static const char *const body[] = {
		[ADAC_NL_TANH] = "ma.tanh",
		[ADAC_NL_CLIP] = "max(-1.0) : min(1.0)",
		[ADAC_NL_CUBIC] = "max(-1.0) : min(1.0) : \\(v).(v - v*v*v/3.0)",
	};
	char a[VALUE_MAX], b[VALUE_MAX], t[2 * VALUE_MAX + 80];
	int ch;

	for (ch = 0; ch < node->n_in; ch++) {
		value(e, a, node->in_gain[ch]);
		value(e, b, node->out_gain[ch]);
		if (node->nl == ADAC_NL_TANH)
			e->use_lib = 1;
		snprintf(t, sizeof t, "(*(%s) : %s : *(%s))", a,
			 body[node->nl], b);
		item(e, ch == 0, t);
	}
}

/*
 * One term of df1fx: what the fixed-point netlist makes of coefficient
 * c (netlist.h, sos_df1): nothing for 0, x for 1, a product for |c| < 1
 * or −1, and for 1 < |c| < 2 the sum of ±x and the product by c ∓ 1.
 * Not twice the product by c/2: faust 2.54.9 writes p + p as
 * 2.0 * p, and for p = c/2·x prints 2.0 * c/2 * x, which C++ reads as
 * (2.0 * c/2) * x, a constant the word does not hold.
 */
static void
df1fx_term(struct em *e, struct adac_buf *b, double c)
{
	char t[VALUE_MAX + 40], u[VALUE_MAX + 40];

	if (c == 0.0) {
		adac_buf_puts(b, "(!, 0.0)");
	} else if (c == 1.0) {
		adac_buf_puts(b, "_");
	} else if (fabs(c) > 1.0) {
		fx_product(e, t, c > 0 ? c - 1 : c + 1);
		if (c > 0)
			strcpy(u, "_");
		else
			fx_product(e, u, -1.0);
		adac_buf_printf(b, "(_ <: %s, %s :> _)", u, t);
	} else {
		fx_product(e, t, c);
		adac_buf_puts(b, t);
	}
}

/*
 * At fixed point a section in direct form I, term by term as the
 * fixed-point simulator computes it (df1fx, adac_fixpoint_netlist()).
 */
static void
section_fx(struct em *e, struct adac_buf *b, const double c[5])
{
	int k;

	e->use_df1fx = 1;
	adac_buf_puts(b, "df1fx(");
	for (k = 0; k < 5; k++) {
		if (k > 0)
			adac_buf_puts(b, ", ");
		df1fx_term(e, b, k < 3 ? c[k] : -c[k]);
	}
	adac_buf_puts(b, ")");
}

/*
 * Otherwise the realisation biquad.h chooses, which is what the
 * simulator computes: a state-variable filter for a section with poles,
 * direct form I otherwise.
 */
static void
section_float(struct em *e, struct adac_buf *b, const double sos[5])
{
	struct adac_biquad bq;
	char c[6][VALUE_MAX];
	int k;

	adac_biquad_realise(sos, &bq);
	if (bq.form == ADAC_BIQUAD_SVF) {
		e->use_svf = 1;
		for (k = 0; k < 6; k++)
			value(e, c[k], bq.c[k]);
		adac_buf_printf(b, "svf(%s, %s, %s, %s, %s, %s)", c[0], c[1],
				c[2], c[3], c[4], c[5]);
		return;
	}
	e->use_biquad = 1;
	for (k = 0; k < 5; k++)
		value(e, c[k], bq.c[k]);
	adac_buf_printf(b, "biquad(%s, %s, %s, %s, %s)", c[0], c[1], c[2],
			c[3], c[4]);
}

static int
emit_sos(struct em *e, const struct adac_node *node)
{
	struct adac_buf chan = {0};
	int ch, s, k;

	for (ch = 0; ch < node->n_in; ch++) {
		chan.len = 0;
		if (node->n_sections > 1)
			adac_buf_puts(&chan, "(");
		for (s = 0; s < node->n_sections; s++) {
			const double *c = node->sos +
			    ((long)s * node->n_in + ch) * 5;

			if (s > 0)
				adac_buf_puts(&chan, " : ");
			if (e->fx != NULL)
				section_fx(e, &chan, c);
			else
				section_float(e, &chan, c);
		}
		if (node->n_sections > 1)
			adac_buf_puts(&chan, ")");
		if (chan.failed)
			break;
		item(e, ch == 0, chan.s);
	}
	k = chan.failed;
	adac_buf_free(&chan);
	return k ? nomem(e) : ADAC_OK;
}

/* --- matrices ------------------------------------------------------------ */

/*
 * One product term of a dense row: "!" for 0, "_" for 1 (a live 1 stays
 * a value training can move), "*(a)".
 */
#define TERM_MAX (VALUE_MAX + 40)
static void
term(struct em *e, char t[TERM_MAX], double a)
{
	char l[VALUE_MAX];

	if (a == 0.0)
		strcpy(t, "!");
	else if (a == 1.0 && !e->live)
		strcpy(t, "_");
	else if (e->fx != NULL)
		fx_product(e, t, a);
	else
		snprintf(t, TERM_MAX, "*(%s)", value(e, l, a));
}

/*
 * Sums of products, row by row: bus <: (row0, row1, ...), each row
 * (t0, t1, ... :> _) over its inputs, zero entries dropped.
 */
static void
emit_dense(struct em *e, const struct adac_node *node)
{
	int rows = node->n_out, cols = node->n_in, i, j, nz;
	char t[TERM_MAX];

	if (rows > 1) {
		put_bus(e, cols);
		adac_buf_puts(&e->defs, cols > 1 ? " <:\n\t" : " <: ");
	}
	for (i = 0; i < rows; i++) {
		const double *r = node->data + (long)i * cols;

		if (i > 0 && cols > 1)
			adac_buf_puts(&e->defs, ",\n\t");
		for (j = nz = 0; j < cols; j++)
			nz += r[j] != 0.0;
		if (nz == 0) {
			adac_buf_puts(&e->defs, "(");
			for (j = 0; j < cols; j++)
				item(e, j == 0, "!");
			adac_buf_puts(&e->defs, ", 0.0)");
			continue;
		}
		if (cols == 1) {
			term(e, t, r[0]);
			item(e, i == 0, t);
			continue;
		}
		adac_buf_puts(&e->defs, "(");
		for (j = 0; j < cols; j++) {
			term(e, t, r[j]);
			item(e, j == 0, t);
		}
		adac_buf_puts(&e->defs, " :> _)");
	}
}

/* Per-channel gains after a structured core; nothing when all are 1. */
static void
emit_out_gains(struct em *e, const double *g, int n)
{
	char l[40], t[60];
	int i, all_one = 1;

	for (i = 0; i < n; i++)
		all_one &= g[i] == 1.0;
	if (all_one)
		return;
	for (i = 1; i < n && g[i] == g[0]; i++)
		;
	if (i == n && n > 1) {
		adac_buf_printf(&e->defs, " : par(i, %d, *(%s))", n,
				adac_emit_literal(l, g[0]));
		return;
	}
	adac_buf_puts(&e->defs, " : (");
	for (i = 0; i < n; i++) {
		if (g[i] == 1.0)
			snprintf(t, sizeof t, "_");
		else
			snprintf(t, sizeof t, "*(%s)", adac_emit_literal(l, g[i]));
		item(e, i == 0, t);
	}
	adac_buf_puts(&e->defs, ")");
}

/* route(n, n, from[0]+1, 1, from[1]+1, 2, ...): out i = in from[i]. */
static void
emit_route(struct em *e, const long *from, int n)
{
	char t[40];
	int i;

	for (i = 0; i < n && from[i] == i; i++)
		;
	if (i == n)
		return;
	adac_buf_printf(&e->defs, " : route(%d, %d", n, n);
	for (i = 0; i < n; i++) {
		snprintf(t, sizeof t, "%ld, %d", from[i] + 1, i + 1);
		item(e, 0, t);
	}
	adac_buf_puts(&e->defs, ")");
}

/*
 * Householder s·(I − c·u·uᵀ), c = 2/uᵀu: y = s·(x + k·(uᵀx)) with
 * k_i = −c·u_i: 2N multiplies and 2N − 1 additions, plus N for s.
 */
static void
emit_householder(struct em *e, const struct adac_node *node, const double *k)
{
	const struct adac_structure *st = &node->structure;
	int n = node->n_in, i;
	char l[40], t[TERM_MAX];
	double *g;

	put_bus(e, n);
	adac_buf_puts(&e->defs, " <: ");
	put_bus(e, n);
	adac_buf_puts(&e->defs, ", ((");
	for (i = 0; i < n; i++) {
		term(e, t, st->u[i]);
		item(e, i == 0, t);
	}
	adac_buf_puts(&e->defs, " :> _) <: ");
	for (i = 0; i < n; i++) {
		snprintf(t, sizeof t, "*(%s)", adac_emit_literal(l, k[i]));
		item(e, i == 0, t);
	}
	adac_buf_puts(&e->defs, ") :> ");
	put_bus(e, n);
	g = malloc((size_t)n * sizeof *g);
	if (g == NULL) {
		e->defs.failed = 1;
		return;
	}
	for (i = 0; i < n; i++)
		g[i] = st->scale;
	emit_out_gains(e, g, n);
	free(g);
}

/*
 * Hadamard s·Rs·Pr·H·Pc·Cs as a fast Walsh-Hadamard transform: inputs
 * routed to z[cp[j]] = cs[j]·x_j, log2 N constant-geometry stages (N/2
 * butterflies (a + b, a − b) on adjacent pairs, then the perfect shuffle
 * that brings the next index bit to the bottom), y_i = s·rs[i]·w[rp[i]].
 */
static void
emit_hadamard(struct em *e, const struct adac_node *node)
{
	const struct adac_structure *st = &node->structure;
	int n = node->n_in, i, stages = 0;
	long *to;
	double *g;
	int any_neg = 0;

	while ((1 << stages) < n)
		stages++;
	to = calloc((size_t)n, sizeof *to);
	g = malloc((size_t)n * sizeof *g);
	if (to == NULL || g == NULL) {
		e->defs.failed = 1;
		goto out;
	}
	put_bus(e, n);
	/* slot cp[j] takes input j */
	for (i = 0; i < n; i++)
		to[st->col_perm[i]] = i;
	emit_route(e, to, n);
	for (i = 0; i < n; i++)
		any_neg |= st->col_signs[i] < 0;
	if (any_neg) {
		adac_buf_puts(&e->defs, " : (");
		for (i = 0; i < n; i++)
			item(e, i == 0,
			     st->col_signs[to[i]] < 0 ? "*(-1.0)" : "_");
		adac_buf_puts(&e->defs, ")");
	}
	if (stages > 0) {
		e->use_hstage = e->use_bfly = e->use_lib = 1;
		if (stages == 1)
			adac_buf_printf(&e->defs, " : hadamard_stage(%d)",
					n / 2);
		else
			adac_buf_printf(&e->defs,
					" : seq(s, %d, hadamard_stage(%d))",
					stages, n / 2);
	}
	for (i = 0; i < n; i++)
		to[i] = st->row_perm[i];
	emit_route(e, to, n);
	for (i = 0; i < n; i++)
		g[i] = st->scale * st->row_signs[i];
	emit_out_gains(e, g, n);
out:
	free(to);
	free(g);
}

static void
emit_permutation(struct em *e, const struct adac_node *node)
{
	const struct adac_structure *st = &node->structure;
	int n = node->n_in, i;
	double *g = malloc((size_t)n * sizeof *g);

	if (g == NULL) {
		e->defs.failed = 1;
		return;
	}
	put_bus(e, n);
	emit_route(e, st->perm, n);
	for (i = 0; i < n; i++)
		g[i] = st->scale;
	emit_out_gains(e, g, n);
	free(g);
}

static void
emit_diagonal(struct em *e, const struct adac_node *node)
{
	char t[TERM_MAX];
	int n = node->n_in, i;

	for (i = 0; i < n; i++) {
		term(e, t, node->data[(long)i * n + i]);
		if (strcmp(t, "!") == 0)
			strcpy(t, "*(0.0)");
		item(e, i == 0, t);
	}
}

/*
 * The largest |entry| difference between data and the matrix the
 * structured arithmetic denotes (m, rows × cols), relative to ulps of
 * the largest entry of data: how far the structured program can stray
 * from the simulator.
 */
static int
matches(const double *data, const double *m, long count)
{
	double big = 0.0, worst = 0.0;
	long i;

	for (i = 0; i < count; i++) {
		big = fmax(big, fabs(data[i]));
		worst = fmax(worst, fabs(data[i] - m[i]));
	}
	return worst <= STRUCTURE_ULPS * DBL_EPSILON * big;
}

/*
 * Decide whether the structure claim can be used.  k receives the
 * Householder's k_i = −(2/uᵀu)·u_i.  Returns 1 to use it, 0 for dense,
 * -1 out of memory.
 */
static int
structure_usable(const struct adac_node *node, double *k)
{
	const struct adac_structure *st = &node->structure;
	int n = node->n_in, i, j, ok;
	double uu = 0.0, *m;

	if (st->kind == ADAC_STRUCT_NONE || node->n_in != node->n_out)
		return 0;
	if (st->kind == ADAC_STRUCT_DIAGONAL) {
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
				if (i != j && node->data[(long)i * n + j] != 0.0)
					return 0;
		return 1;
	}
	m = malloc((size_t)n * (size_t)n * sizeof *m);
	if (m == NULL)
		return -1;
	if (st->kind == ADAC_STRUCT_HOUSEHOLDER) {
		for (i = 0; i < n; i++)
			uu += st->u[i] * st->u[i];
		for (i = 0; i < n; i++)
			k[i] = -(2.0 / uu) * st->u[i];
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
				m[(long)i * n + j] = st->scale *
				    ((i == j ? 1.0 : 0.0) + k[i] * st->u[j]);
	} else {
		adac_structure_matrix(st, n, n, m);
	}
	ok = matches(node->data, m, (long)n * n);
	free(m);
	if (ok && st->kind == ADAC_STRUCT_HADAMARD && (n & (n - 1)) != 0)
		ok = 0;
	return ok;
}

static int
emit_matrix(struct em *e, const struct adac_node *node)
{
	const struct adac_structure *st = &node->structure;
	double *k = NULL;
	int use = 0, rc = ADAC_OK;

	if (!e->dense && st->kind != ADAC_STRUCT_NONE) {
		k = malloc((size_t)node->n_in * sizeof *k);
		if (k == NULL)
			return nomem(e);
		use = structure_usable(node, k);
		if (use < 0) {
			rc = nomem(e);
			goto out;
		}
	}
	if (!use) {
		if (!e->dense && st->kind != ADAC_STRUCT_NONE)
			adac_buf_printf(&e->defs,
			    "\t// the %s claim differs from \"data\" by more than %g ulps:\n"
			    "\t// written as sums of products of \"data\"\n\t",
			    adac_structure_name(st->kind), STRUCTURE_ULPS);
		emit_dense(e, node);
		goto out;
	}
	switch (st->kind) {
	case ADAC_STRUCT_HOUSEHOLDER:
		emit_householder(e, node, k);
		break;
	case ADAC_STRUCT_HADAMARD:
		emit_hadamard(e, node);
		break;
	case ADAC_STRUCT_PERMUTATION:
		emit_permutation(e, node);
		break;
	default:
		emit_diagonal(e, node);
		break;
	}
out:
	free(k);
	return rc;
}

/* --- composites ---------------------------------------------------------- */

static int emit_node(struct em *e, const struct adac_node *node,
		     const char *name, int shorten, long lag);

static const char *
describe(const struct adac_node *node, char *t, size_t cap)
{
	const char *kind = adac_op_name(node->op);

	if (node->op == ADAC_OP_MATRIX &&
	    node->structure.kind != ADAC_STRUCT_NONE)
		snprintf(t, cap, "%s (%s), %d in, %d out", kind,
			 adac_structure_name(node->structure.kind),
			 node->n_in, node->n_out);
	else
		snprintf(t, cap, "%s, %d in, %d out", kind, node->n_in,
			 node->n_out);
	return t;
}

/*
 * The definition of node and of everything under it.  shorten: one
 * sample is taken out at its input for an enclosing ~ (can_shorten());
 * lag: how many such samples the program's signal here is ahead of
 * the IR's, which every modulated delay under node matches by running
 * its LFO that much late.
 */
static int
emit_node(struct em *e, const struct adac_node *node, const char *name,
	  int shorten, long lag)
{
	const char **kid = NULL;
	const struct adac_node **kids = NULL;
	int *kshort = NULL;
	long *klag = NULL;
	int n_kids = 0, i, rc = ADAC_OK, picked = 0;
	enum loop_mode mode = LOOP_NONE;
	char t[160];

	adac_buf_printf(&e->defs, "\n// %s: %s", node->pointer[0] ?
			node->pointer : "/graph", describe(node, t, sizeof t));
	if (shorten && (node->op == ADAC_OP_DELAY ||
			node->op == ADAC_OP_MODDELAY))
		adac_buf_puts(&e->defs,
			      "; one sample shorter, the enclosing ~ adds it");
	if (shorten && node->op == ADAC_OP_FEEDBACK)
		adac_buf_puts(&e->defs,
			      "; its output delay is taken by the enclosing ~");
	if (node->op == ADAC_OP_FEEDBACK) {
		mode = loop_mode(node);
		if (mode == LOOP_BACK)
			adac_buf_puts(&e->defs, "\n// ~ delays 'back' by one "
				      "sample, so a delay in 'back' is one sample shorter");
		else if (mode == LOOP_FORWARD && !shorten)
			adac_buf_puts(&e->defs, "\n// ~ delays 'back' by one "
				      "sample, so a delay in 'forward' is one sample\n"
				      "// shorter and the loop's output is delayed by one sample");
		else if (mode == LOOP_FORWARD)
			adac_buf_puts(&e->defs, "\n// ~ delays 'back' by one "
				      "sample, so a delay in 'forward' is one sample\n"
				      "// shorter; the enclosing ~ restores the output delay");
	}
	adac_buf_printf(&e->defs, "\n%s = ", name);

	n_kids = adac_ir_n_children(node);
	if (n_kids > 0) {
		kid = calloc((size_t)n_kids, sizeof *kid);
		kids = calloc((size_t)n_kids, sizeof *kids);
		kshort = calloc((size_t)n_kids, sizeof *kshort);
		klag = calloc((size_t)n_kids, sizeof *klag);
		if (kid == NULL || kids == NULL || kshort == NULL ||
		    klag == NULL) {
			rc = nomem(e);
			goto out;
		}
		for (i = 0; i < n_kids; i++) {
			kids[i] = adac_ir_child(node, i);
			if ((kid[i] = node_name(e, kids[i])) == NULL) {
				rc = nomem(e);
				goto out;
			}
		}
	}

	switch (node->op) {
	case ADAC_OP_SERIES:
		for (i = 0; i < n_kids; i++) {
			if (shorten && !picked && can_shorten(kids[i]))
				kshort[i] = picked = 1;
			/* the sample taken further on passes this one */
			klag[i] = lag + (shorten && !picked);
			if (i > 0)
				adac_buf_puts(&e->defs, " : ");
			adac_buf_puts(&e->defs, kid[i]);
		}
		break;
	case ADAC_OP_PARALLEL:
		for (i = 0; i < n_kids; i++) {
			kshort[i] = shorten;
			klag[i] = lag;
		}
		if (n_kids == 1) {
			adac_buf_puts(&e->defs, kid[0]);
			break;
		}
		if (node->in == ADAC_IN_SPLIT && node->n_in > 0) {
			put_bus(e, node->n_in);
			adac_buf_puts(&e->defs, " <: ");
		}
		adac_buf_puts(&e->defs, "(");
		for (i = 0; i < n_kids; i++)
			item(e, i == 0, kid[i]);
		adac_buf_puts(&e->defs, ")");
		if (node->out == ADAC_OUT_SUM) {
			adac_buf_puts(&e->defs, " :> ");
			put_bus(e, node->n_out);
		}
		break;
	case ADAC_OP_FEEDBACK:
		if (mode == LOOP_NONE) {
			rc = adac_error_set(e->err, ADAC_E_INPUT, node->pointer,
			    "cannot emit this loop: neither 'back' nor "
			    "'forward' has a delay of at least one sample on "
			    "every path to absorb the one-sample delay of "
			    "FAUST's ~");
			goto out;
		}
		kshort[mode == LOOP_BACK ? 1 : 0] = 1;
		klag[0] = klag[1] = lag;
		/* y = forward(x + back(y)): ~ feeds back's outputs to the
		 * first inputs; the merge adds input i and i + N */
		if (node->forward->n_in == 1) {
			adac_buf_printf(&e->defs, "((+ : %s) ~ %s)", kid[0],
					kid[1]);
		} else {
			adac_buf_puts(&e->defs, "((");
			put_bus(e, node->forward->n_in);
			adac_buf_puts(&e->defs, ", ");
			put_bus(e, node->forward->n_in);
			adac_buf_printf(&e->defs, " :> %s) ~ %s)", kid[0],
					kid[1]);
		}
		if (mode == LOOP_FORWARD && !shorten) {
			if (node->n_out == 1)
				adac_buf_puts(&e->defs, " : mem");
			else
				adac_buf_printf(&e->defs, " : par(i, %d, mem)",
						node->n_out);
		}
		break;
	case ADAC_OP_DELAY:
		emit_delay(e, node, shorten);
		break;
	case ADAC_OP_GAIN:
		emit_gain(e, node);
		break;
	case ADAC_OP_MATRIX:
		if ((rc = emit_matrix(e, node)) != ADAC_OK)
			goto out;
		break;
	case ADAC_OP_SOS:
		if ((rc = emit_sos(e, node)) != ADAC_OK)
			goto out;
		break;
	case ADAC_OP_NONLINEAR:
		emit_nonlinear(e, node);
		break;
	case ADAC_OP_MODDELAY:
		emit_moddelay(e, node, shorten, lag);
		break;
	}
	adac_buf_puts(&e->defs, ";\n");
	for (i = 0; i < n_kids; i++)
		if ((rc = emit_node(e, kids[i], kid[i], kshort[i],
				    klag[i])) != ADAC_OK)
			goto out;
out:
	free(kid);
	free(kids);
	free(kshort);
	free(klag);
	return rc;
}

/* --- the program --------------------------------------------------------- */

/* s with what cannot appear in a FAUST string or a // comment replaced. */
static void
put_clean(struct adac_buf *b, const char *s)
{
	for (; *s; s++)
		adac_buf_put(b, (*s == '"' || *s == '\\' ||
				 (unsigned char)*s < 0x20) ? "_" : s, 1);
}

static const char *
doc_string(const struct adac_ir *ir, const char *obj, const char *key)
{
	json_t *o = json_object_get(ir->json, obj);
	json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/*
 * Which builds the certificate covers: a program built from this file
 * holds its coefficients in float (the default) or in double
 * (faust -double), and only a covered build is certified.
 */
static void
put_precisions(struct adac_buf *b, const struct adac_ir *ir)
{
	json_t *o = json_object_get(ir->json, "certificate");
	json_t *p = json_is_object(o) ? json_object_get(o, "precision") : NULL;
	int f = 0, d = 0;
	size_t i;
	json_t *v;

	json_array_foreach(p, i, v) {
		f |= json_is_string(v) && strcmp(json_string_value(v), "float32") == 0;
		d |= json_is_string(v) && strcmp(json_string_value(v), "double") == 0;
	}
	if (f && d)
		adac_buf_puts(b, " for float and double builds");
	else if (f)
		adac_buf_puts(b, " for float builds only (not faust -double)");
	else if (d)
		adac_buf_puts(b, " for faust -double builds only (not float)");
	else if (json_is_string(v = json_object_get(json_object_get(o,
				 "fixed_point"), "format"))) {
		adac_buf_puts(b, " for faust -fx ");
		put_clean(b, json_string_value(v));
		adac_buf_puts(b, " builds only");
	}
}

/*
 * What the certificate proves of the fixed-point build: the input peak
 * the overflow bound assumes, the headroom, the limit cycles.  Only
 * when it is fresh and for this very format (adac-emit checks; with
 * --force it may not be).
 */
static void
put_fixed_claims(struct adac_buf *b, const struct adac_ir *ir,
		 const struct adac_fixpoint *fx, const char *note)
{
	json_t *f = json_object_get(json_object_get(ir->json, "certificate"),
				    "fixed_point");
	json_t *ov = json_object_get(f, "overflow");
	json_t *lc = json_object_get(f, "limit_cycles");
	const char *lv = json_string_value(json_object_get(lc, "verdict"));
	const char *fmt = json_string_value(json_object_get(f, "format"));
	char name[32], x[32];

	if (note != NULL || fmt == NULL ||
	    strcmp(fmt, adac_fixpoint_name(name, fx)) != 0 ||
	    !json_is_number(json_object_get(f, "input_peak")) ||
	    !json_is_number(json_object_get(ov, "headroom_bits")) ||
	    lv == NULL) {
		adac_buf_puts(b, "//   overflow and limit cycles in this format "
			      "are not certified\n");
		return;
	}
	adac_buf_printf(b, "//   no sum overflows for inputs within +-%s "
			"(%.1f bits of headroom); ",
			adac_fmt_double(x, json_number_value(
			    json_object_get(f, "input_peak"))),
			json_number_value(json_object_get(ov,
							  "headroom_bits")));
	if (strcmp(lv, "absent") == 0)
		adac_buf_puts(b, "no limit cycles\n");
	else if (json_is_number(json_object_get(lc, "amplitude_bound_lsb")))
		adac_buf_printf(b, "limit cycles within %.3g LSB\n",
				json_number_value(json_object_get(lc,
				    "amplitude_bound_lsb")));
	else
		adac_buf_puts(b, "limit cycles not bounded\n");
}

int
adac_emit_header_verdict(const char *source, char *verdict, size_t cap)
{
	const char *eol = strchr(source, '\n'), *written, *v;
	size_t n;

	/* "// NAME: written by adac-emit ...", "// source: ...", then ours */
	if (cap == 0 || strncmp(source, "// ", 3) != 0 || eol == NULL)
		return 0;
	written = strstr(source, ": written by adac-emit ");
	if (written == NULL || written > eol)
		return 0;
	v = eol + 1;
	if (strncmp(v, "// source: ", 11) != 0 ||
	    (eol = strchr(v, '\n')) == NULL)
		return 0;
	v = eol + 1;
	if (strncmp(v, "// certificate: ", 16) != 0)
		return 0;
	v += 16;
	n = strcspn(v, " ,\n");
	if (n >= cap)
		n = cap - 1;
	memcpy(verdict, v, n);
	verdict[n] = '\0';
	return 1;
}

static void
put_header(struct adac_buf *b, const struct adac_ir *ir,
	   const struct adac_emit_options *opt)
{
	const char *format = doc_string(ir, "source", "format");
	const char *verdict = doc_string(ir, "certificate", "verdict");
	const char *hash = doc_string(ir, "certificate", "hash");
	char fs[40];

	adac_buf_puts(b, "// ");
	put_clean(b, ir->name);
	adac_buf_puts(b, ": written by adac-emit " ADAC_VERSION
		      " from an adac IR (" ADAC_IR_VERSION ")\n// source: ");
	put_clean(b, format != NULL ? format : "unknown");
	adac_buf_puts(b, "\n// certificate: ");
	if (opt != NULL && opt->certificate_note != NULL) {
		put_clean(b, opt->certificate_note);
	} else if (verdict != NULL) {
		put_clean(b, verdict);
		put_precisions(b, ir);
		if (hash != NULL) {
			adac_buf_puts(b, ", sha256 ");
			put_clean(b, hash);
		}
	} else {
		adac_buf_puts(b, "none");
	}
	adac_buf_printf(b, "\n// design rate %s Hz, %d input%s, %d output%s; "
			"one definition per IR node,\n"
			"// each after a comment with its JSON pointer\n",
			adac_fmt_double(fs, ir->fs_hz), ir->inputs,
			ir->inputs == 1 ? "" : "s", ir->outputs,
			ir->outputs == 1 ? "" : "s");
	if (opt != NULL && opt->fixpoint != NULL) {
		const struct adac_fixpoint *fx = opt->fixpoint;
		char name[32];

		adac_buf_printf(b, "// fixed point %s: build with faust -fx and "
				"adac/fixpoint.hpp,\n//   c++ -DADAC_FX_FRAC_BITS=%d "
				"-DADAC_FX_TRUNCATE=%d -DADAC_FX_WRAP=%d;\n",
				adac_fixpoint_name(name, fx), fx->frac_bits,
				fx->rounding == ADAC_FX_TRUNCATE,
				fx->overflow == ADAC_FX_WRAP);
		put_fixed_claims(b, ir, fx, opt->certificate_note);
	}
	adac_buf_puts(b, "declare name \"");
	put_clean(b, ir->name);
	adac_buf_puts(b, "\";\n");
}

/*
 * The slider's step when the control gives none: the reference
 * implementation's (0.01 s, 0.01, 1 ms).
 */
static double
default_step(const struct adac_control *c)
{
	return strcmp(c->name, "pre_delay") == 0 ? 1.0 : 0.01;
}

static void
put_slider(struct adac_buf *b, const struct adac_control *c)
{
	char mn[40], mx[40], in[40], st[40];

	adac_buf_printf(b, "%s = hslider(\"", c->name);
	put_clean(b, adac_control_label(c));
	if (c->unit != NULL && c->unit[0] != '\0') {
		adac_buf_puts(b, " [unit:");
		put_clean(b, c->unit);
		adac_buf_puts(b, "]");
	}
	adac_buf_printf(b, "\", %s, %s, %s, %s)",
			adac_emit_literal(in, c->init),
			adac_emit_literal(mn, c->min),
			adac_emit_literal(mx, c->max),
			adac_emit_literal(st, c->step > 0 ? c->step :
					  default_step(c)));
}

static void
put_helpers(struct adac_buf *b, const struct em *e)
{
	if (e->use_knob)
		adac_buf_puts(b,
		    "\n// a control's glide: a one-pole smoother that starts at the control's\n"
		    "// value (si.smoo starts from 0), so that a freshly reset program runs\n"
		    "// at the set position from its first sample; y = x exactly once settled\n"
		    "knob(x) = glide ~ _ with {\n"
		    "\tp = ba.tau2pole(" KNOB_TAU_S ");\n"
		    "\tglide(y) = select2(1 - 1', x + p * (y - x), x);\n"
		    "};\n");
	if (e->use_moddelay)
		adac_buf_puts(b,
		    "\n// a modulated delay line (adac-ir(5), moddelay): an integer counter\n"
		    "// k = (n + 1 + c) mod P (c = P - lag: the LFO runs lag samples late\n"
		    "// where ~ takes a sample after it), the phase ph + k*inc wrapped to [0, 1), the offset\n"
		    "// m = beta + a*sin(2*pi*p), and linear interpolation between x[n - j]\n"
		    "// and x[n - j - 1], j = B + floor(m) (less s, the sample ~ takes)\n"
		    "moddelay(B, beta, a, inc, P, c, ph, s, J, x) =\n"
		    "\t(1.0 - f) * (x @ j0) + f * (x @ (j0 + 1)) with {\n"
		    "\tk = ((+(1) : %(P)) ~ _) : +(c) : %(P);\n"
		    "\tp0 = ph + float(k) * inc;\n"
		    "\tp = p0 - floor(p0);\n"
		    "\tm = beta + a * sin(6.283185307179586 * p);\n"
		    "\tq = floor(m);\n"
		    "\tf = m - q;\n"
		    "\tj0 = max(0, min(J - 1, B + int(q) - s));\n"
		    "};\n");
	if (e->use_bfly)
		adac_buf_puts(b, "\n// (a, b) -> (a + b, a - b)\n"
			      "bfly = _, _ <: +, -;\n");
	if (e->use_hstage)
		adac_buf_puts(b,
		    "\n// one stage of a constant-geometry Walsh-Hadamard transform of\n"
		    "// 2h channels: butterflies on adjacent pairs, then the perfect shuffle\n"
		    "// (sums to the first half, differences to the second); log2(2h)\n"
		    "// stages make the Sylvester Hadamard matrix.  attach(_, 0) is the\n"
		    "// identity, and a barrier FAUST's normalisation does not look through:\n"
		    "// without it the stages are flattened back into sums of 2h terms\n"
		    "hadamard_stage(h) = par(i, h, bfly) : ro.interleave(2, h) :\n"
		    "\tpar(i, 2 * h, attach(_, 0));\n");
	if (e->use_svf)
		adac_buf_puts(b,
		    "\n// a biquad section with poles as a trapezoidal state-variable filter,\n"
		    "// as the simulator evaluates it: its states are the band-pass and\n"
		    "// low-pass signals, so rounding noise stays bounded at low cutoffs\n"
		    "// (coefficients from adac's biquad.h: A1 = 1/(1 + g(g + k)),\n"
		    "// A2 = g A1, A3 = g A2, M0..M2 the mix giving the section's zeros)\n"
		    "svf(A1, A2, A3, M0, M1, M2) = tick ~ (_, _) : (!, !, _) with {\n"
		    "\ttick(s1, s2, x) = 2.0 * v1 - s1, 2.0 * v2 - s2,\n"
		    "\t\tM0 * x + M1 * v1 + M2 * v2 with {\n"
		    "\t\tv3 = x - s2;\n"
		    "\t\tv1 = A1 * s1 + A2 * v3;\n"
		    "\t\tv2 = s2 + A2 * s1 + A3 * v3;\n"
		    "\t};\n"
		    "};\n");
	if (e->use_df1fx)
		adac_buf_puts(b,
		    "\n// direct form I at fixed point, as adac's fixed-point simulator computes\n"
		    "// it: y = b0(x) + b1(x') + b2(x'') + a1(y') + a2(y''), each argument the\n"
		    "// product by one coefficient (by -a1 and -a2 for the poles) behind\n"
		    "// attach(_, 0), _ for 1, (!, 0.0) for a term left out, and for\n"
		    "// 1 < |c| < 2 the sum of +-x and the product by c -+ 1 (the format\n"
		    "// holds |c| < 1)\n"
		    "df1fx(b0, b1, b2, a1, a2) = fir : + ~ recursive with {\n"
		    "\tfir = _ <: b0, (mem : b1), (mem : mem : b2) :> _;\n"
		    "\trecursive = _ <: a1, (mem : a2) :> _;\n"
		    "};\n");
	if (e->use_biquad)
		adac_buf_puts(b,
		    "\n// direct form I, as the simulator evaluates it:\n"
		    "// y = b0 x + b1 x' + b2 x'' - a1 y' - a2 y''\n"
		    "biquad(b0, b1, b2, a1, a2) = fir : + ~ recursive with {\n"
		    "\tfir = _ <: *(b0), (mem : *(b1)), (mem : mem : *(b2)) :> _;\n"
		    "\trecursive = _ <: *(0.0 - a1), (mem : *(0.0 - a2)) :> _;\n"
		    "};\n");
}

/*
 * process: the graph ("model") behind the pre-delay, mixed with the dry
 * input: output = (1 − w)·x + w·model(pre(x)), as the simulator does.
 */
static void
put_process(struct adac_buf *b, struct em *e, const char *model)
{
	const struct adac_ir *ir = e->ir;
	const struct adac_control *rt60 = adac_ir_control(ir, "rt60");
	const struct adac_control *dw = adac_ir_control(ir, "dry_wet");
	const struct adac_control *pd = adac_ir_control(ir, "pre_delay");
	char bus[40];
	int n = ir->inputs;

	if (n > 1) {
		snprintf(bus, sizeof bus, "si.bus(%d)", n);
		if (dw != NULL)
			e->use_lib = 1;
	} else {
		snprintf(bus, sizeof bus, "_");
	}
	if (rt60 != NULL) {
		adac_buf_puts(b, "\n// T60 in seconds: a gain with a decay is "
			      "values[i]·10^(-3·m_i/(fs·T60))\n"
			      "// with fs the running rate, so the knob means "
			      "seconds at any rate\n");
		put_slider(b, rt60);
		adac_buf_puts(b, ";\n");
	}
	if (pd != NULL) {
		/* FAUST sizes the line from the bound: ma.SR stops at 192 kHz */
		e->use_lib = 1;
		adac_buf_puts(b, "\n// the wet path's input is delayed by "
			      "round(ms·fs/1000) samples, halves up,\n"
			      "// fs the running rate\n");
		put_slider(b, pd);
		adac_buf_printf(b, ";\npre_delay_samples = max(0, min(%.0f, "
				"int(pre_delay * ma.SR / 1000.0 + 0.5)));\n",
				floor(pd->max * ADAC_EMIT_MAX_SR_HZ / 1000.0 +
				      0.5));
	}
	if (dw != NULL) {
		e->use_knob = 1;
		adac_buf_puts(b, "\n// output = (1 - w)·input + w·wet\n");
		put_slider(b, dw);
		adac_buf_puts(b, " : knob;\n");
	}
	adac_buf_puts(b, "\nprocess = ");
	if (dw != NULL) {
		adac_buf_printf(b, "%s <: dry, wet :> %s;\n", bus, bus);
		if (n > 1)
			adac_buf_printf(b, "dry = par(i, %d, *(1.0 - dry_wet));\n",
					n);
		else
			adac_buf_puts(b, "dry = *(1.0 - dry_wet);\n");
		adac_buf_puts(b, "wet = ");
	}
	if (pd != NULL) {
		if (n > 1)
			adac_buf_printf(b, "par(i, %d, @(pre_delay_samples)) : ",
					n);
		else
			adac_buf_puts(b, "@(pre_delay_samples) : ");
	}
	adac_buf_puts(b, model);
	if (dw != NULL) {
		if (n > 1)
			adac_buf_printf(b, " : par(i, %d, *(dry_wet))", n);
		else
			adac_buf_puts(b, " : *(dry_wet)");
	}
	adac_buf_puts(b, ";\n");
}

int
adac_emit_faust(const struct adac_ir *ir, const struct adac_emit_options *opt,
		char **out, struct adac_error *err)
{
	struct em e;
	struct adac_buf head = {0}, proc = {0}, helpers = {0};
	const char *model;
	char *text = NULL;
	int i, rc;

	memset(&e, 0, sizeof e);
	e.ir = ir;
	e.dense = opt != NULL && opt->dense;
	e.live = opt != NULL && opt->live;
	e.err = err;
	if (opt != NULL && opt->fixpoint != NULL) {
		/* structured matrices round where the simulator does not */
		e.fx = opt->fixpoint;
		e.dense = 1;
		if (e.live)
			return adac_error_set(err, ADAC_E_INPUT, "",
			    "a live program cannot be fixed point");
		if ((rc = adac_fixpoint_check(ir, e.fx, err)) != ADAC_OK)
			return rc;
	}
	for (i = 0; reserved[i] != NULL; i++)
		if (names_add(&e.names, reserved[i]) == NULL)
			break;
	if ((model = node_name(&e, ir->graph)) == NULL) {
		rc = nomem(&e);
		goto out;
	}
	if ((rc = emit_node(&e, ir->graph, model, 0, 0)) != ADAC_OK)
		goto out;
	put_process(&proc, &e, model);
	put_helpers(&helpers, &e);
	if (e.use_knob || e.use_hstage)
		e.use_lib = 1;
	put_header(&head, ir, opt);
	if (e.use_lib)
		adac_buf_puts(&head, "import(\"stdfaust.lib\");\n");
	adac_buf_put(&head, helpers.s != NULL ? helpers.s : "", helpers.len);
	adac_buf_put(&head, proc.s != NULL ? proc.s : "", proc.len);
	adac_buf_put(&head, e.defs.s != NULL ? e.defs.s : "", e.defs.len);
	if (e.defs.failed || proc.failed || helpers.failed || e.names.failed ||
	    (text = adac_buf_take(&head)) == NULL) {
		rc = nomem(&e);
		goto out;
	}
	*out = text;
	rc = ADAC_OK;
out:
	adac_buf_free(&head);
	adac_buf_free(&proc);
	adac_buf_free(&helpers);
	adac_buf_free(&e.defs);
	names_free(&e.names);
	return rc;
}
