/*
 * certificate.c - the certificate as a document: its verdict names,
 * attaching it to an IR, the check adac-emit makes before it writes a
 * program, and the summary `adac-certify --report` prints.  Nothing here
 * computes a bound, so a program that only checks certificates does not
 * load LAPACK.
 */
#include "certificate.h"

#include <math.h>
#include <string.h>

#include "buf.h"
#include "json.h"

const char *
adac_verdict_name(enum adac_verdict v)
{
	switch (v) {
	case ADAC_CERTIFIED_STABLE: return "certified-stable";
	case ADAC_MARGINALLY_STABLE: return "marginally-stable";
	case ADAC_INDETERMINATE: return "indeterminate";
	case ADAC_NOT_CERTIFIED: return "not-certified";
	case ADAC_UNSTABLE: return "unstable";
	}
	return "unknown";
}

int
adac_certify_attach(struct adac_ir *ir, json_t *cert, struct adac_error *err)
{
	if (json_object_set(ir->json, "certificate", cert) != 0)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	return ADAC_OK;
}

/* The ADAC_CERTIFY_* bits of a certificate's "precision" array. */
static unsigned
covered(const json_t *cert)
{
	const json_t *p;
	unsigned bits = 0;
	size_t i;

	json_array_foreach(json_object_get(cert, "precision"), i, p) {
		if (!json_is_string(p))
			continue;
		if (strcmp(json_string_value(p), "float32") == 0)
			bits |= ADAC_CERTIFY_FLOAT32;
		else if (strcmp(json_string_value(p), "double") == 0)
			bits |= ADAC_CERTIFY_DOUBLE;
	}
	return bits;
}

/* Does cert's "precision" array name format? */
static int
names(const json_t *cert, const char *format)
{
	const json_t *p;
	size_t i;

	json_array_foreach(json_object_get(cert, "precision"), i, p)
		if (json_is_string(p) &&
		    strcmp(json_string_value(p), format) == 0)
			return 1;
	return 0;
}

static int
check(const struct adac_ir *ir, const enum adac_precision *precision,
      struct adac_error *err)
{
	const json_t *cert = json_object_get(ir->json, "certificate");
	const char *v, *h;
	char hex[65];
	int rc;

	if (cert == NULL)
		return adac_error_set(err, ADAC_E_NEGATIVE, "/certificate",
				      "no certificate; run adac-certify first");
	h = json_string_value(json_object_get(cert, "hash"));
	if ((rc = adac_ir_hash(ir, hex, err)) != ADAC_OK)
		return rc;
	if (h == NULL || strcmp(h, hex) != 0)
		return adac_error_set(err, ADAC_E_NEGATIVE, "/certificate/hash",
				      "certificate is stale; rerun adac-certify");
	v = json_string_value(json_object_get(cert, "verdict"));
	if (v == NULL || (strcmp(v, "certified-stable") != 0 &&
			  strcmp(v, "marginally-stable") != 0))
		return adac_error_set(err, ADAC_E_NEGATIVE,
				      "/certificate/verdict",
				      "certificate verdict is '%s'",
				      v != NULL ? v : "missing");
	if (precision != NULL && !(covered(cert) & (1u << *precision)))
		return adac_error_set(err, ADAC_E_NEGATIVE,
				      "/certificate/precision",
				      "certificate does not cover %s values; rerun adac-certify --precision all",
				      adac_precision_name(*precision));
	return ADAC_OK;
}

int
adac_certify_check(const struct adac_ir *ir, struct adac_error *err)
{
	return check(ir, NULL, err);
}

int
adac_certify_check_target(const struct adac_ir *ir,
			  const struct adac_fixpoint *fx,
			  struct adac_error *err)
{
	const json_t *cert;
	char name[32];
	int rc;

	if ((rc = check(ir, NULL, err)) != ADAC_OK)
		return rc;
	cert = json_object_get(ir->json, "certificate");
	if (fx == NULL && covered(cert) == 0)
		return adac_error_set(err, ADAC_E_NEGATIVE,
				      "/certificate/precision",
				      "certificate covers neither float32 nor double, the builds adac-emit writes; rerun adac-certify");
	if (fx != NULL && !names(cert, adac_fixpoint_name(name, fx)))
		return adac_error_set(err, ADAC_E_NEGATIVE,
				      "/certificate/precision",
				      "certificate does not cover %s; rerun adac-certify --precision %s",
				      name, name);
	return ADAC_OK;
}

int
adac_certify_check_precision(const struct adac_ir *ir,
			     enum adac_precision precision,
			     struct adac_error *err)
{
	return check(ir, &precision, err);
}

unsigned
adac_certify_precisions(const struct adac_ir *ir)
{
	struct adac_error err;

	if (check(ir, NULL, &err) != ADAC_OK)
		return 0;
	return covered(json_object_get(ir->json, "certificate"));
}

static double
num(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "?";
}

static void
summary_loop(struct adac_buf *b, const json_t *l)
{
	const json_t *m, *mode = json_object_get(l, "slowest_mode");
	size_t j;

	adac_buf_printf(b, "loop %s: %s", str(l, "pointer"), str(l, "verdict"));
	if (json_is_number(json_object_get(l, "bound")))
		adac_buf_printf(b, ", bound %.12g", num(l, "bound"));
	if (json_is_number(json_object_get(l, "sigma_max_AGamma")))
		adac_buf_printf(b, ", sigma_max(A*Gamma) %.12g",
				num(l, "sigma_max_AGamma"));
	if (json_is_number(json_object_get(l, "mean_delay_samples")))
		adac_buf_printf(b, ", mean delay %.6g samples",
				num(l, "mean_delay_samples"));
	if (json_is_number(json_object_get(l, "t60_estimate_s")))
		adac_buf_printf(b, ", estimated T60 %.3g s",
				num(l, "t60_estimate_s"));
	adac_buf_puts(b, "\n");
	if (json_is_object(mode) && json_is_number(json_object_get(mode, "radius"))) {
		adac_buf_printf(b, "  slowest mode: radius %.12g at %.6g Hz",
				num(mode, "radius"), num(mode, "hz"));
		if (json_is_number(json_object_get(mode, "t60_s")))
			adac_buf_printf(b, ", T60 %.4g s", num(mode, "t60_s"));
		if (json_is_number(json_object_get(mode, "bound")))
			adac_buf_printf(b, ", radius at most %.12g",
					num(mode, "bound"));
		adac_buf_printf(b, " (%s, dimension %lld%s)\n", str(mode, "method"),
				(long long)json_integer_value(
					json_object_get(mode, "dimension")),
				json_is_false(json_object_get(mode, "converged")) ?
				", an estimate: not converged" : "");
	}
	json_array_foreach(json_object_get(l, "matrices"), j, m) {
		adac_buf_printf(b, "  matrix %s: sigma_max %.12g", str(m, "pointer"),
				num(m, "sigma_max"));
		if (json_is_number(json_object_get(m, "spectral_radius")))
			adac_buf_printf(b, ", spectral radius %.12g, unitarity error %.3g",
					num(m, "spectral_radius"),
					num(m, "unitarity_error"));
		adac_buf_puts(b, "\n");
	}
}

/* The fixed-point lines: overflow, then limit cycles. */
static void
summary_fixed(struct adac_buf *b, const json_t *f)
{
	const json_t *ov = json_object_get(f, "overflow");
	const json_t *lc = json_object_get(f, "limit_cycles");
	const char *lv = str(lc, "verdict");

	if (!json_is_object(f))
		return;
	adac_buf_printf(b, "fixed point %s, inputs within +-%g: %s\n",
			str(f, "format"), num(f, "input_peak"), str(f, "reason"));
	if (json_is_number(json_object_get(ov, "peak_bound")))
		adac_buf_printf(b, "  overflow: %s, largest sum bound %.6g at %s (%.2f bits of headroom)",
				str(ov, "verdict"), num(ov, "peak_bound"),
				str(ov, "pointer"), num(ov, "headroom_bits"));
	else
		adac_buf_printf(b, "  overflow: %s", str(ov, "verdict"));
	if (json_is_number(json_object_get(ov, "max_input_peak")))
		adac_buf_printf(b, "; inputs up to %.6g fit\n",
				num(ov, "max_input_peak"));
	else
		adac_buf_puts(b, "\n");
	if (strcmp(lv, "absent") == 0 || strcmp(lv, "bounded") == 0)
		adac_buf_printf(b, "  limit cycles: %s (bound %.4g LSB at %s)\n",
				lv, num(lc, "amplitude_bound_lsb"),
				str(lc, "pointer"));
	else
		adac_buf_printf(b, "  limit cycles: %s\n", lv);
}

char *
adac_certify_summary(const json_t *cert)
{
	struct adac_buf b = {0};
	const json_t *l, *q, *p;
	size_t i;

	adac_buf_printf(&b, "verdict: %s\n", str(cert, "verdict"));
	adac_buf_printf(&b, "  at %s: %s\n", str(cert, "pointer"),
			str(cert, "reason"));
	adac_buf_puts(&b, "checked:");
	json_array_foreach(json_object_get(cert, "precision"), i, p)
		adac_buf_printf(&b, "%s %s", i > 0 ? " and" : "",
				json_string_value(p));
	adac_buf_puts(&b, " values, every frequency\n");
	if (json_is_number(json_object_get(cert, "margin_db")))
		adac_buf_printf(&b, "bound: %.12g (margin %.4g dB)\n",
				num(cert, "bound"), num(cert, "margin_db"));
	else if (json_is_number(json_object_get(cert, "bound")) &&
		 num(cert, "bound") >= 1)
		adac_buf_printf(&b, "bound: %.12g (no small-gain margin)\n",
				num(cert, "bound"));
	else if (json_is_null(json_object_get(cert, "bound")))
		adac_buf_printf(&b, "bound: none (no loop could be bounded)\n");
	else
		adac_buf_printf(&b, "bound: none (no feedback loop)\n");
	json_array_foreach(json_object_get(cert, "loops"), i, l)
		summary_loop(&b, l);
	json_array_foreach(json_object_get(cert, "biquads"), i, q)
		adac_buf_printf(&b, "biquads %s: largest pole radius %.12g (section %lld, channel %lld)\n",
				str(q, "pointer"), num(q, "pole_radius"),
				(long long)json_integer_value(json_object_get(q, "section")),
				(long long)json_integer_value(json_object_get(q, "channel")));
	json_array_foreach(json_object_get(cert, "allpass"), i, q) {
		if (json_is_true(json_object_get(q, "proven")))
			adac_buf_printf(&b, "allpass %s: proven, |H| = 1 at every frequency (%s, g %.12g)\n",
					str(q, "pointer"), str(q, "form"),
					num(q, "g"));
		else
			adac_buf_printf(&b, "allpass %s: not proven: %s\n",
					str(q, "pointer"), str(q, "reason"));
	}
	json_array_foreach(json_object_get(cert, "controls"), i, q) {
		if (json_is_number(json_object_get(q, "worst")))
			adac_buf_printf(&b, "control %s: checked at %g, the worst of %g to %g\n",
					str(q, "name"), num(q, "worst"),
					num(q, "min"), num(q, "max"));
		else
			adac_buf_printf(&b, "control %s: %s\n", str(q, "name"),
					str(q, "why"));
	}
	summary_fixed(&b, json_object_get(cert, "fixed_point"));
	return adac_buf_take(&b);
}
