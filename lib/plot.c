/*
 * plot.c - SVG plots of impulse responses: waveform, energy decay curve
 * and magnitude response.
 */
#include "plot.h"

#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "decay.h"

#define WIDTH 900
#define PANEL_HEIGHT 600
#define ALL_PANEL_HEIGHT 500
#define MARGIN_LEFT 84
#define MARGIN_RIGHT 28
#define MARGIN_TOP 52
#define MARGIN_BOTTOM 62
#define EDC_FLOOR_DB (-80.0)
#define MAG_RANGE_DB 60.0
#define MAG_LOW_HZ 20.0
#define MIN_FFT 65536L

/* Okabe & Ito's colour-blind-safe palette, yellow left out (too light) */
static const char *const colours[] = {
	"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
	"#000000",
};
#define N_COLOURS (int)(sizeof colours / sizeof colours[0])
/* after every colour was used once, the next round is dashed */
static const char *const dashes[] = {"", "6 3", "2 2", "8 3 2 3"};

static const char *const kind_names[] = {"impulse", "edc", "magnitude", "all"};
static const char *const headings[] = {
	"Impulse response", "Energy decay curve", "Magnitude response",
};

struct axis {
	double lo, hi;
	int log;		/* log10 scale */
	double px0, px1;	/* pixel positions of lo and hi */
	const char *label;
};

/* One curve in data coordinates; lo non-NULL draws a min…max envelope. */
struct curve {
	double *x, *y, *lo;
	long n;
	char *legend;
};

struct panel {
	int top;		/* y offset of the panel in the image */
	int height;
	const char *id;		/* unique, for the clip path */
	char *heading;
	struct axis x, y;
	struct curve *curves;
	int n_curves;
};

int
adac_plot_kind_parse(const char *name, enum adac_plot_kind *kind,
		     struct adac_error *err)
{
	int k;

	for (k = 0; k <= ADAC_PLOT_ALL; k++)
		if (strcmp(name, kind_names[k]) == 0) {
			*kind = (enum adac_plot_kind)k;
			return ADAC_OK;
		}
	return adac_error_set(err, ADAC_E_INPUT, "",
			      "unknown plot kind '%s'; expected impulse, edc, "
			      "magnitude or all", name);
}

const char *
adac_plot_kind_name(enum adac_plot_kind kind)
{
	return kind >= 0 && kind <= ADAC_PLOT_ALL ? kind_names[kind] : "?";
}

/*
 * Append s escaped for XML text and attributes; bytes that are not UTF-8
 * or are control characters XML 1.0 forbids become '?', so that any
 * label gives a document that parses.
 */
static void
put_escaped(struct adac_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		int len = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 :
			  (*p & 0xF0) == 0xE0 ? 3 : (*p & 0xF8) == 0xF0 ? 4 : 0;
		int k;

		for (k = 1; k < len; k++)
			if ((p[k] & 0xC0) != 0x80)
				len = 0;
		if (len == 0 || (len == 2 && *p < 0xC2) ||
		    (len == 1 && *p < 0x20 && *p != '\t' && *p != '\n')) {
			adac_buf_puts(b, "?");
			p++;
			continue;
		}
		switch (*p) {
		case '&': adac_buf_puts(b, "&amp;"); break;
		case '<': adac_buf_puts(b, "&lt;"); break;
		case '>': adac_buf_puts(b, "&gt;"); break;
		case '"': adac_buf_puts(b, "&quot;"); break;
		case '\'': adac_buf_puts(b, "&apos;"); break;
		default: adac_buf_put(b, (const char *)p, (size_t)len);
		}
		p += len;
	}
}

/* Characters (not bytes) of a UTF-8 string, for sizing the legend. */
static int
text_width_chars(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static double
to_px(const struct axis *a, double v)
{
	double t;

	if (a->log)
		t = (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
	else
		t = (v - a->lo) / (a->hi - a->lo);
	/* keep far-off values finite and small so SVG viewers cope */
	if (t < -1)
		t = -1;
	if (t > 2)
		t = 2;
	return a->px0 + t * (a->px1 - a->px0);
}

/* A step of 1, 2 or 5 × 10^k giving about target ticks over range. */
static double
nice_step(double range, int target)
{
	double raw = range / target, p = pow(10, floor(log10(raw))), f = raw / p;

	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

/* A tick label: v with the decimals step needs, "−" for minus. */
static void
put_number(struct adac_buf *b, double v, double step)
{
	int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
	char num[48];

	if (fabs(v) < step * 1e-6)
		v = 0;
	snprintf(num, sizeof num, "%.*f", decimals, fabs(v));
	adac_buf_printf(b, "%s%s", v < 0 ? "\xE2\x88\x92" : "", num);
}

/* "20", "500", "1k", "2k", "10k" */
static void
put_hz(struct adac_buf *b, double f)
{
	if (f >= 1000)
		adac_buf_printf(b, "%gk", f / 1000);
	else
		adac_buf_printf(b, "%g", f);
}

struct tick {
	double v;
	int major, labelled;
};

/* Ticks of axis a into t (room for 128); returns how many. */
static int
ticks(const struct axis *a, struct tick *t, double *step)
{
	int n = 0;

	if (a->log) {
		int d;

		*step = 1;
		for (d = (int)floor(log10(a->lo)); d <= (int)ceil(log10(a->hi)); d++) {
			int m;

			for (m = 1; m <= 9 && n < 128; m++) {
				double v = m * pow(10, d);

				if (v < a->lo * (1 - 1e-9) || v > a->hi * (1 + 1e-9))
					continue;
				t[n].v = v;
				t[n].major = m == 1;
				t[n].labelled = m == 1 || m == 2 || m == 5;
				n++;
			}
		}
	} else {
		double v;

		*step = nice_step(a->hi - a->lo, 8);
		for (v = ceil(a->lo / *step - 1e-9) * *step;
		     v <= a->hi + *step * 1e-9 && n < 128; v += *step) {
			t[n].v = v;
			t[n].major = t[n].labelled = 1;
			n++;
		}
	}
	return n;
}

static void
draw_axes(struct adac_buf *b, const struct panel *p)
{
	const struct axis *x = &p->x, *y = &p->y;
	struct tick t[128];
	double step;
	int n, k;

	/* grid first, so curves and frame lie on top */
	adac_buf_puts(b, "<g class=\"grid\" stroke-width=\"1\">\n");
	n = ticks(x, t, &step);
	for (k = 0; k < n; k++)
		adac_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\" stroke=\"%s\"/>\n", to_px(x, t[k].v),
				y->px0, to_px(x, t[k].v), y->px1,
				t[k].major ? "#d9d9d9" : "#efefef");
	n = ticks(y, t, &step);
	for (k = 0; k < n; k++)
		adac_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\" stroke=\"#d9d9d9\"/>\n", x->px0,
				to_px(y, t[k].v), x->px1, to_px(y, t[k].v));
	adac_buf_puts(b, "</g>\n");

	adac_buf_puts(b, "<g class=\"ticks\" fill=\"#333\">\n");
	n = ticks(x, t, &step);
	for (k = 0; k < n; k++) {
		double px = to_px(x, t[k].v);

		adac_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\" stroke=\"#333\"/>\n", px, y->px0, px,
				y->px0 + (t[k].major ? 6 : 3));
		if (!t[k].labelled)
			continue;
		adac_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" "
				"text-anchor=\"middle\">", px, y->px0 + 20);
		if (x->log)
			put_hz(b, t[k].v);
		else
			put_number(b, t[k].v, step);
		adac_buf_puts(b, "</text>\n");
	}
	n = ticks(y, t, &step);
	for (k = 0; k < n; k++) {
		double py = to_px(y, t[k].v);

		adac_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\" stroke=\"#333\"/>\n", x->px0 - 6, py,
				x->px0, py);
		adac_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" "
				"text-anchor=\"end\">", x->px0 - 9, py + 4.5);
		put_number(b, t[k].v, step);
		adac_buf_puts(b, "</text>\n");
	}
	adac_buf_puts(b, "</g>\n");

	adac_buf_printf(b, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" "
			"width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
			"stroke=\"#333\"/>\n", x->px0, y->px1, x->px1 - x->px0,
			y->px0 - y->px1);
	adac_buf_printf(b, "<text class=\"xlabel\" x=\"%.1f\" y=\"%.1f\" "
			"text-anchor=\"middle\" font-size=\"14\">",
			(x->px0 + x->px1) / 2, y->px0 + 44);
	put_escaped(b, x->label);
	adac_buf_puts(b, "</text>\n");
	adac_buf_printf(b, "<text class=\"ylabel\" x=\"0\" y=\"0\" "
			"transform=\"translate(%.1f %.1f) rotate(-90)\" "
			"text-anchor=\"middle\" font-size=\"14\">",
			x->px0 - 56, (y->px0 + y->px1) / 2);
	put_escaped(b, y->label);
	adac_buf_puts(b, "</text>\n");
}

static void
put_style(struct adac_buf *b, int k, double width)
{
	adac_buf_printf(b, "stroke=\"%s\" stroke-width=\"%.1f\"",
			colours[k % N_COLOURS], width);
	if (k / N_COLOURS % 4 != 0)
		adac_buf_printf(b, " stroke-dasharray=\"%s\"",
				dashes[k / N_COLOURS % 4]);
}

static void
draw_curves(struct adac_buf *b, const struct panel *p)
{
	int k;
	long i;

	adac_buf_printf(b, "<clipPath id=\"clip-%s\"><rect x=\"%.1f\" y=\"%.1f\" "
			"width=\"%.1f\" height=\"%.1f\"/></clipPath>\n", p->id,
			p->x.px0, p->y.px1, p->x.px1 - p->x.px0,
			p->y.px0 - p->y.px1);
	adac_buf_printf(b, "<g class=\"curves\" clip-path=\"url(#clip-%s)\" "
			"fill=\"none\" stroke-linejoin=\"round\">\n", p->id);
	for (k = 0; k < p->n_curves; k++) {
		const struct curve *c = &p->curves[k];
		/* the first curve wide, the rest narrower on top of it */
		double width = k == 0 ? 2.4 : 1.3;

		if (c->n == 0)
			continue;
		adac_buf_puts(b, "<path ");
		put_style(b, k, c->lo != NULL ? 0.8 : width);
		if (c->lo != NULL)
			adac_buf_printf(b, " fill=\"%s\" fill-opacity=\"%s\"",
					colours[k % N_COLOURS],
					k == 0 ? "0.55" : "0.4");
		adac_buf_puts(b, " d=\"");
		for (i = 0; i < c->n; i++)
			adac_buf_printf(b, "%c%.1f %.1f ", i == 0 ? 'M' : 'L',
					to_px(&p->x, c->x[i]),
					to_px(&p->y, c->y[i]));
		if (c->lo != NULL) {
			for (i = c->n - 1; i >= 0; i--)
				adac_buf_printf(b, "L%.1f %.1f ",
						to_px(&p->x, c->x[i]),
						to_px(&p->y, c->lo[i]));
			adac_buf_puts(b, "Z");
		}
		adac_buf_puts(b, "\"/>\n");
	}
	adac_buf_puts(b, "</g>\n");
}

static void
draw_legend(struct adac_buf *b, const struct panel *p)
{
	int k, chars = 0, n = 0;
	double w, h, x, y;

	for (k = 0; k < p->n_curves; k++)
		if (p->curves[k].legend[0] != '\0') {
			int c = text_width_chars(p->curves[k].legend);

			chars = c > chars ? c : chars;
			n++;
		}
	if (n == 0)
		return;
	/* 13 px sans-serif averages under 7.5 px a character */
	w = 44 + 7.5 * chars;
	h = 10 + 19.0 * n;
	x = p->x.px1 - 10 - w;
	y = p->y.px1 + 10;
	adac_buf_printf(b, "<g class=\"legend\">\n<rect x=\"%.1f\" y=\"%.1f\" "
			"width=\"%.1f\" height=\"%.1f\" fill=\"white\" "
			"fill-opacity=\"0.88\" stroke=\"#bbb\"/>\n", x, y, w, h);
	n = 0;
	for (k = 0; k < p->n_curves; k++) {
		double ly = y + 14.5 + 19.0 * n;

		if (p->curves[k].legend[0] == '\0')
			continue;
		adac_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\" ", x + 8, ly, x + 34, ly);
		put_style(b, k, 3);
		adac_buf_printf(b, "/>\n<text x=\"%.1f\" y=\"%.1f\">", x + 40,
				ly + 4.5);
		put_escaped(b, p->curves[k].legend);
		adac_buf_puts(b, "</text>\n");
		n++;
	}
	adac_buf_puts(b, "</g>\n");
}

static void
draw_panel(struct adac_buf *b, const struct panel *p)
{
	adac_buf_printf(b, "<g class=\"panel\" id=\"%s\">\n", p->id);
	adac_buf_printf(b, "<text class=\"heading\" x=\"%d\" y=\"%d\" "
			"text-anchor=\"middle\" font-size=\"17\" "
			"font-weight=\"bold\">", WIDTH / 2, p->top + 32);
	put_escaped(b, p->heading);
	adac_buf_puts(b, "</text>\n");
	draw_axes(b, p);
	draw_curves(b, p);
	draw_legend(b, p);
	adac_buf_puts(b, "</g>\n");
}

static void
curves_free(struct panel *p)
{
	int k;

	for (k = 0; k < p->n_curves; k++) {
		free(p->curves[k].x);
		free(p->curves[k].y);
		free(p->curves[k].lo);
		free(p->curves[k].legend);
	}
	free(p->curves);
	free(p->heading);
	p->curves = NULL;
	p->heading = NULL;
	p->n_curves = 0;
}

/* Room for n points (and an envelope when envelope); -1 out of memory. */
static int
curve_alloc(struct curve *c, long n, int envelope)
{
	c->x = malloc((size_t)(n > 0 ? n : 1) * sizeof *c->x);
	c->y = malloc((size_t)(n > 0 ? n : 1) * sizeof *c->y);
	c->lo = envelope ? malloc((size_t)(n > 0 ? n : 1) * sizeof *c->lo) : NULL;
	c->n = 0;
	return c->x == NULL || c->y == NULL || (envelope && c->lo == NULL) ?
		-1 : 0;
}

static double
longest_s(const struct adac_plot_series *s, int n)
{
	double t = 0;
	int k;

	for (k = 0; k < n; k++)
		if (s[k].length / s[k].fs_hz > t)
			t = s[k].length / s[k].fs_hz;
	return t;
}

/* The time axis over [0, t_s], in ms when that reads better. */
static void
time_axis(struct axis *a, double t_s, double *scale)
{
	*scale = t_s < 0.2 ? 1000 : 1;
	a->lo = 0;
	a->hi = t_s * *scale;
	a->log = 0;
	a->label = *scale == 1000 ? "Time (ms)" : "Time (s)";
}

static int
plot_impulse(struct panel *p, const struct adac_plot_series *s, int n)
{
	double t_s = longest_s(s, n), scale, peak = 0, step;
	long cols = lround(p->x.px1 - p->x.px0), c, i;
	int k;

	time_axis(&p->x, t_s, &scale);
	for (k = 0; k < n; k++) {
		struct curve *cv = &p->curves[k];
		/* fewer samples than columns: a line through each sample */
		int line = s[k].fs_hz * t_s <= (double)cols;

		if (curve_alloc(cv, line ? s[k].length : cols, !line))
			return -1;
		for (i = 0; i < s[k].length; i++)
			if (fabs(s[k].h[i]) > peak)
				peak = fabs(s[k].h[i]);
		if (line) {
			for (i = 0; i < s[k].length; i++) {
				cv->x[i] = i / s[k].fs_hz * scale;
				cv->y[i] = s[k].h[i];
			}
			cv->n = s[k].length;
			continue;
		}
		for (c = 0; c < cols; c++) {
			/* the samples whose time falls in column c */
			long a = (long)ceil(c * t_s / cols * s[k].fs_hz);
			long e = (long)ceil((c + 1) * t_s / cols * s[k].fs_hz);
			double lo = INFINITY, hi = -INFINITY;

			if (e > s[k].length)
				e = s[k].length;
			if (a >= e)
				continue;
			for (i = a; i < e; i++) {
				lo = s[k].h[i] < lo ? s[k].h[i] : lo;
				hi = s[k].h[i] > hi ? s[k].h[i] : hi;
			}
			cv->x[cv->n] = (c + 0.5) * t_s / cols * scale;
			cv->y[cv->n] = hi;
			cv->lo[cv->n] = lo;
			cv->n++;
		}
	}
	if (peak == 0)
		peak = 1;
	step = nice_step(2 * peak, 8);
	p->y.hi = ceil(peak * 1.05 / step) * step;
	p->y.lo = -p->y.hi;
	p->y.log = 0;
	p->y.label = "Amplitude";
	return 0;
}

static int
plot_edc(struct panel *p, const struct adac_plot_series *s, int n,
	 char **legends)
{
	double t_s = longest_s(s, n), scale, *edc = NULL;
	long cols = lround(p->x.px1 - p->x.px0), c, i;
	struct adac_decay_fit fit;
	int k, rc = -1;

	time_axis(&p->x, t_s, &scale);
	for (k = 0; k < n; k++) {
		struct curve *cv = &p->curves[k];
		long pts = s[k].length < cols ? s[k].length : cols;

		/* the curve the fit measured: with the window's lost tail */
		fit.tail_energy = 0;
		fit.t60_s = NAN;
		if (s[k].length >= 2 &&
		    adac_decay_fit(s[k].h, s[k].length, s[k].fs_hz, &fit,
				   NULL) != ADAC_OK)
			goto out;
		free(edc);
		if ((edc = malloc((size_t)s[k].length * sizeof *edc)) == NULL ||
		    curve_alloc(cv, pts + 1, 0) ||
		    adac_decay_edc(s[k].h, s[k].length, fit.tail_energy, edc,
				   NULL))
			goto out;
		for (c = 0; c <= pts; c++) {
			/* the EDC is monotone: sampling it at pts points is
			 * exact up to the pixel; the last point ends the path */
			i = c * (s[k].length - 1) / pts;
			cv->x[c] = i / s[k].fs_hz * scale;
			cv->y[c] = edc[i] > EDC_FLOOR_DB - 10 ? edc[i] :
				EDC_FLOOR_DB - 10;
		}
		cv->n = pts + 1;
		/* legends carry the measured T60 where there is one */
		if (!isnan(fit.t60_s)) {
			struct adac_buf lb = {0};

			if (legends[k][0] != '\0')
				adac_buf_printf(&lb, "%s, ", legends[k]);
			adac_buf_printf(&lb, "T60 %.2f s", fit.t60_s);
			free(legends[k]);
			if ((legends[k] = adac_buf_take(&lb)) == NULL)
				goto out;
		}
	}
	p->y.lo = EDC_FLOOR_DB;
	p->y.hi = 0;
	p->y.log = 0;
	p->y.label = "Energy decay (dB)";
	rc = 0;
out:
	free(edc);
	return rc;
}

/* |FFT|² of h zero-padded to nfft into pw[0..nfft/2]; -1 on failure. */
static int
power_spectrum(const double *h, long len, long nfft, double *pw)
{
	double *in = fftw_malloc((size_t)nfft * sizeof *in);
	fftw_complex *out = fftw_malloc(((size_t)nfft / 2 + 1) * sizeof *out);
	fftw_plan plan = NULL;
	long k;
	int rc = -1;

	if (in == NULL || out == NULL)
		goto out;
	plan = fftw_plan_dft_r2c_1d((int)nfft, in, out, FFTW_ESTIMATE);
	if (plan == NULL)
		goto out;
	memcpy(in, h, (size_t)len * sizeof *in);
	memset(in + len, 0, (size_t)(nfft - len) * sizeof *in);
	fftw_execute(plan);
	for (k = 0; k <= nfft / 2; k++)
		pw[k] = out[k][0] * out[k][0] + out[k][1] * out[k][1];
	rc = 0;
out:
	if (plan != NULL)
		fftw_destroy_plan(plan);
	fftw_free(in);
	fftw_free(out);
	return rc;
}

static double
db10(double power)
{
	return power > 1e-30 ? 10 * log10(power) : -300;
}

static int
plot_magnitude(struct panel *p, const struct adac_plot_series *s, int n)
{
	long cols = lround(p->x.px1 - p->x.px0), c, i;
	double f_hi = 0, top = -INFINITY, *pw = NULL, r;
	int k, rc = -1;

	for (k = 0; k < n; k++)
		f_hi = s[k].fs_hz / 2 > f_hi ? s[k].fs_hz / 2 : f_hi;
	p->x.lo = MAG_LOW_HZ < f_hi / 10 ? MAG_LOW_HZ : f_hi / 1000;
	p->x.hi = f_hi;
	p->x.log = 1;
	p->x.label = "Frequency (Hz)";
	r = pow(p->x.hi / p->x.lo, 1.0 / cols);
	for (k = 0; k < n; k++) {
		struct curve *cv = &p->curves[k];
		long nfft = MIN_FFT, half;
		double bin_hz;

		while (nfft < s[k].length)
			nfft *= 2;
		if (nfft > 1L << 30)
			goto out;
		half = nfft / 2;
		bin_hz = s[k].fs_hz / nfft;
		free(pw);
		if ((pw = malloc(((size_t)half + 1) * sizeof *pw)) == NULL ||
		    curve_alloc(cv, cols, 0) ||
		    power_spectrum(s[k].h, s[k].length, nfft, pw))
			goto out;
		for (c = 0; c < cols; c++) {
			double fa = p->x.lo * pow(r, (double)c), fb = fa * r;
			double fm = sqrt(fa * fb), sum = 0, db;
			long a = (long)ceil(fa / bin_hz), e = (long)ceil(fb / bin_hz);

			if (fm > s[k].fs_hz / 2)
				break;
			if (e > half + 1)
				e = half + 1;
			if (a < e) {
				/* power mean over the bins in the column */
				for (i = a; i < e; i++)
					sum += pw[i];
				db = db10(sum / (e - a));
			} else {
				/* no bin inside: between its neighbours in dB */
				double pos = fm / bin_hz, t;

				i = (long)floor(pos);
				i = i < half ? i : half - 1;
				t = pos - i;
				db = (1 - t) * db10(pw[i]) + t * db10(pw[i + 1]);
			}
			cv->x[cv->n] = fm;
			cv->y[cv->n] = db;
			cv->n++;
			top = db > top ? db : top;
		}
	}
	if (!(top > -250))
		top = 0;
	p->y.hi = ceil(top / 10) * 10;
	p->y.lo = p->y.hi - MAG_RANGE_DB;
	p->y.log = 0;
	p->y.label = "Magnitude (dB)";
	rc = 0;
out:
	free(pw);
	return rc;
}

/* Fill and draw panel kind at offset top; ADAC_E_* */
static int
panel(struct adac_buf *b, enum adac_plot_kind kind,
      const struct adac_plot_series *s, int n, const char *title, int top,
      int height, struct adac_error *err)
{
	struct panel p = {0};
	struct adac_buf hb = {0};
	char **legends;
	int k, rc = ADAC_E_NOMEM;

	p.top = top;
	p.height = height;
	p.id = kind_names[kind];
	p.x.px0 = MARGIN_LEFT;
	p.x.px1 = WIDTH - MARGIN_RIGHT;
	p.y.px0 = top + height - MARGIN_BOTTOM;
	p.y.px1 = top + MARGIN_TOP;
	if (title != NULL && title[0] != '\0')
		adac_buf_printf(&hb, "%s: ", title);
	adac_buf_puts(&hb, headings[kind]);
	p.heading = adac_buf_take(&hb);
	p.curves = calloc((size_t)n, sizeof *p.curves);
	legends = calloc((size_t)n, sizeof *legends);
	if (p.heading == NULL || p.curves == NULL || legends == NULL)
		goto out;
	p.n_curves = n;
	for (k = 0; k < n; k++)
		if ((legends[k] = strdup(s[k].label != NULL ? s[k].label : ""))
		    == NULL)
			goto out;
	if (kind == ADAC_PLOT_IMPULSE && plot_impulse(&p, s, n))
		goto out;
	if (kind == ADAC_PLOT_EDC && plot_edc(&p, s, n, legends))
		goto out;
	if (kind == ADAC_PLOT_MAGNITUDE && plot_magnitude(&p, s, n)) {
		rc = ADAC_E_DEPENDENCY;
		goto out;
	}
	for (k = 0; k < n; k++) {
		p.curves[k].legend = legends[k];
		legends[k] = NULL;
	}
	draw_panel(b, &p);
	rc = ADAC_OK;
out:
	if (rc == ADAC_E_DEPENDENCY)
		adac_error_set(err, rc, "", "fftw could not transform the response");
	else if (rc != ADAC_OK)
		adac_error_set(err, rc, "", "out of memory");
	for (k = 0; legends != NULL && k < n; k++)
		free(legends[k]);
	free(legends);
	curves_free(&p);
	return rc;
}

static int
check_series(const struct adac_plot_series *s, int n, struct adac_error *err)
{
	int k;
	long i;

	if (n < 1 || n > ADAC_PLOT_MAX_SERIES)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "a plot takes 1 to %d series, not %d",
				      ADAC_PLOT_MAX_SERIES, n);
	for (k = 0; k < n; k++) {
		const char *name = s[k].label != NULL ? s[k].label : "";

		if (s[k].length < 1 || s[k].h == NULL)
			return adac_error_set(err, ADAC_E_INPUT, "",
					      "series '%s' has no samples", name);
		if (!(s[k].fs_hz > 0) || !isfinite(s[k].fs_hz))
			return adac_error_set(err, ADAC_E_INPUT, "",
					      "series '%s': sampling rate %g is "
					      "not positive", name, s[k].fs_hz);
		for (i = 0; i < s[k].length; i++)
			if (!isfinite(s[k].h[i]))
				return adac_error_set(err, ADAC_E_INPUT, "",
						      "series '%s': sample %ld "
						      "is not finite", name, i);
	}
	return ADAC_OK;
}

int
adac_plot_svg(const struct adac_plot_series *series, int n_series,
	      enum adac_plot_kind kind, const char *title, char **svg,
	      struct adac_error *err)
{
	struct adac_buf b = {0};
	int height, k, rc;

	if ((rc = check_series(series, n_series, err)) != ADAC_OK)
		return rc;
	if (kind < 0 || kind > ADAC_PLOT_ALL)
		return adac_error_set(err, ADAC_E_INPUT, "", "unknown plot kind");
	height = kind == ADAC_PLOT_ALL ? 3 * ALL_PANEL_HEIGHT : PANEL_HEIGHT;
	adac_buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			"<svg xmlns=\"http://www.w3.org/2000/svg\" "
			"width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
			"font-family=\"Helvetica, Arial, sans-serif\" "
			"font-size=\"13\">\n<title>", WIDTH, height, WIDTH,
			height);
	if (title != NULL && title[0] != '\0') {
		put_escaped(&b, title);
		adac_buf_puts(&b, ": ");
	}
	adac_buf_puts(&b, kind == ADAC_PLOT_ALL ? "Impulse response, energy "
		      "decay and magnitude response" : headings[kind]);
	adac_buf_printf(&b, "</title>\n<rect width=\"%d\" height=\"%d\" "
			"fill=\"white\"/>\n", WIDTH, height);
	if (kind == ADAC_PLOT_ALL) {
		for (k = 0; k < 3 && rc == ADAC_OK; k++)
			rc = panel(&b, (enum adac_plot_kind)k, series, n_series,
				   title, k * ALL_PANEL_HEIGHT,
				   ALL_PANEL_HEIGHT, err);
	} else {
		rc = panel(&b, kind, series, n_series, title, 0, PANEL_HEIGHT,
			   err);
	}
	adac_buf_puts(&b, "</svg>\n");
	if (rc != ADAC_OK) {
		adac_buf_free(&b);
		return rc;
	}
	if ((*svg = adac_buf_take(&b)) == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	return ADAC_OK;
}

int
adac_plot_series_from(const struct adac_response *const *r,
		      const char *const *labels, int n,
		      struct adac_plot_series **series, int *n_series,
		      struct adac_error *err)
{
	struct adac_plot_series *s;
	long total = 0;
	int k, i, o, m = 0;

	for (k = 0; k < n; k++)
		total += (long)r[k]->inputs * r[k]->outputs;
	if (total < 1 || total > ADAC_PLOT_MAX_SERIES)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "a plot takes 1 to %d paths, not %ld",
				      ADAC_PLOT_MAX_SERIES, total);
	if ((s = calloc((size_t)total, sizeof *s)) == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	for (k = 0; k < n; k++)
		for (i = 0; i < r[k]->inputs; i++)
			for (o = 0; o < r[k]->outputs; o++) {
				struct adac_buf lb = {0};
				const char *name = labels != NULL &&
					labels[k] != NULL ? labels[k] : "";

				adac_buf_puts(&lb, name);
				if (r[k]->inputs * r[k]->outputs > 1)
					adac_buf_printf(&lb, "%s%d\xE2\x86\x92%d",
							name[0] ? " " : "", i, o);
				s[m].h = adac_response_path(r[k], i, o);
				s[m].length = r[k]->length;
				s[m].fs_hz = r[k]->fs_hz;
				if ((s[m].label = adac_buf_take(&lb)) == NULL) {
					adac_plot_series_free(s, m);
					return adac_error_set(err, ADAC_E_NOMEM,
							      "", "out of memory");
				}
				m++;
			}
	*series = s;
	*n_series = m;
	return ADAC_OK;
}

void
adac_plot_series_free(struct adac_plot_series *series, int n_series)
{
	int k;

	if (series == NULL)
		return;
	for (k = 0; k < n_series; k++)
		free((char *)series[k].label);
	free(series);
}
