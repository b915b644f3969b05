/*
 * test_plot.c - SVG plots: well-formed XML (xmllint), the text a reader
 * needs, and curves where the axes say they are.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot.h"
#include "response.h"
#include "unit.h"

#define FS 48000.0

/* 1 when xmllint --noout accepts svg (spawned on a temporary file) */
static int
xml_well_formed(const char *svg)
{
	char path[] = "/tmp/adac-test-plot-XXXXXX", cmd[128];
	int fd = mkstemp(path), rc;
	FILE *f;

	if (fd < 0 || (f = fdopen(fd, "w")) == NULL)
		return 0;
	fputs(svg, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "xmllint --noout %s 2>/dev/null", path);
	rc = system(cmd);
	unlink(path);
	return rc == 0;
}

/* The value of attribute name in the element starting at tag. */
static double
attr(const char *tag, const char *name)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof key, " %s=\"", name);
	p = strstr(tag, key);
	return p != NULL ? atof(p + strlen(key)) : NAN;
}

/*
 * The y coordinates of the k-th path in the curves group into y (room
 * for max); returns how many, -1 when there is no such path.
 */
static int
path_ys(const char *svg, int k, double *y, int max)
{
	const char *p = strstr(svg, "<g class=\"curves\"");
	int n = 0;

	for (; p != NULL && k >= 0; k--)
		p = strstr(p + 1, "<path ");
	if (p == NULL || (p = strstr(p, " d=\"")) == NULL)
		return -1;
	p += 4;
	while (*p == 'M' || *p == 'L') {
		char *end;

		strtod(p + 1, &end);		/* x */
		if (n < max)
			y[n] = strtod(end, &end);
		n++;
		p = end;
		while (*p == ' ')
			p++;
	}
	return n;
}

static int
count(const char *s, const char *needle)
{
	int n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s++;
	}
	return n;
}

static void
test_plot__kinds_parse_and_name(void)
{
	enum adac_plot_kind k;
	struct adac_error err;

	check_int(adac_plot_kind_parse("edc", &k, &err), ADAC_OK);
	check_int(k, ADAC_PLOT_EDC);
	check_int(adac_plot_kind_parse("all", &k, &err), ADAC_OK);
	check_str(adac_plot_kind_name(k), "all");
	check_int(adac_plot_kind_parse("bode", &k, &err), ADAC_E_INPUT);
	check_str(err.text, "unknown plot kind 'bode'; expected impulse, edc, "
		  "magnitude or all");
}

static void
test_plot__every_kind_is_well_formed_with_its_labels(void)
{
	static const struct { enum adac_plot_kind kind; const char *text[4]; } k[] = {
		{ADAC_PLOT_IMPULSE, {"Impulse response", ">Time (s)<", ">Amplitude<"}},
		{ADAC_PLOT_EDC, {"Energy decay curve", ">Energy decay (dB)<", ">Time (s)<"}},
		{ADAC_PLOT_MAGNITUDE, {"Magnitude response", ">Frequency (Hz)<",
				       ">Magnitude (dB)<", ">1k<"}},
		{ADAC_PLOT_ALL, {"Impulse response", "Energy decay curve",
				 "Magnitude response", ">Frequency (Hz)<"}},
	};
	long n = (long)FS, j;
	double *h = malloc(n * sizeof *h);
	struct adac_plot_series s = {"reverb & <co>", h, n, FS};
	struct adac_error err;
	char *svg;
	int i, t;

	for (j = 0; j < n; j++)
		h[j] = (j % 97 == 0) * pow(0.999, (double)j);
	for (i = 0; i < 4; i++) {
		check_int(adac_plot_svg(&s, 1, k[i].kind, "Hall", &svg, &err),
			  ADAC_OK);
		check(xml_well_formed(svg));
		check(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
			      "width=\"900\"") != NULL);
		check(strstr(svg, "<title>Hall: ") != NULL);
		/* the label escaped, in the legend */
		check(strstr(svg, ">reverb &amp; &lt;co&gt;") != NULL);
		for (t = 0; t < 4 && k[i].text[t] != NULL; t++)
			check(strstr(svg, k[i].text[t]) != NULL);
		check_int(count(svg, "<g class=\"panel\""),
			  k[i].kind == ADAC_PLOT_ALL ? 3 : 1);
		free(svg);
	}
	free(h);
}

static void
test_plot__impulse_keeps_extremes_when_downsampling(void)
{
	/*
	 * 48000 samples on ~790 columns: one +0.5 and one −0.25 spike among
	 * zeros must both survive as column max and min.  The amplitude axis
	 * is symmetric, so zero sits mid-frame and the two extremes lie 2:1
	 * away from it.
	 */
	long n = (long)FS;
	double *h = calloc(n, sizeof *h), y[4096], top = 1e9, bottom = -1e9;
	struct adac_plot_series s = {"x", h, n, FS};
	const char *frame;
	char *svg;
	double mid;
	int m, i;

	h[20000] = 0.5;
	h[30001] = -0.25;
	check_int(adac_plot_svg(&s, 1, ADAC_PLOT_IMPULSE, NULL, &svg, NULL),
		  ADAC_OK);
	m = path_ys(svg, 0, y, 4096);
	/* max and min per column: at most 2 × 900 vertices, not 48000 */
	check(m > 0 && m <= 1800);
	for (i = 0; i < m && i < 4096; i++) {
		top = y[i] < top ? y[i] : top;
		bottom = y[i] > bottom ? y[i] : bottom;
	}
	frame = strstr(svg, "class=\"frame\"");
	check(frame != NULL);
	mid = attr(frame, "y") + attr(frame, "height") / 2;
	/* pixel coordinates are written to 0.1 px */
	check_near((mid - top) / (bottom - mid), 2.0, 0.01);
	check(strstr(svg, "<title>Impulse response</title>") != NULL);
	free(svg);
	free(h);
}

static void
test_plot__short_impulse_is_a_line_through_its_samples(void)
{
	double h[5] = {1, -0.5, 0.25, 0, 0}, y[16];
	struct adac_plot_series s = {"", h, 5, FS};
	char *svg;

	check_int(adac_plot_svg(&s, 1, ADAC_PLOT_IMPULSE, NULL, &svg, NULL),
		  ADAC_OK);
	check_int(path_ys(svg, 0, y, 16), 5);
	/* few samples: the time axis reads in ms */
	check(strstr(svg, ">Time (ms)<") != NULL);
	/* an empty label adds no legend */
	check(strstr(svg, "class=\"legend\"") == NULL);
	free(svg);
}

static void
test_plot__magnitude_of_impulses_is_flat_at_their_gain(void)
{
	/*
	 * δ has |H| = 0 dB at every frequency and 0.1·δ has −20 dB: the top
	 * of the axis is 0 dB (the highest curve rounded up to 10 dB), the
	 * bottom 60 dB below, so the second line lies 20/60 of the frame
	 * down from the first, which lies on the frame's top edge.
	 */
	double a[64] = {1}, b[64] = {0.1}, y[2048], top, height;
	struct adac_plot_series s[2] = {{"one", a, 64, FS}, {"tenth", b, 64, FS}};
	const char *frame;
	char *svg;
	int m, i;

	check_int(adac_plot_svg(s, 2, ADAC_PLOT_MAGNITUDE, NULL, &svg, NULL),
		  ADAC_OK);
	frame = strstr(svg, "class=\"frame\"");
	top = attr(frame, "y");
	height = attr(frame, "height");
	m = path_ys(svg, 0, y, 2048);
	check(m > 500);
	for (i = 0; i < m && i < 2048; i++)
		check_near(y[i], top, 0.051);
	m = path_ys(svg, 1, y, 2048);
	check(m > 500);
	for (i = 0; i < m && i < 2048; i++)
		check_near(y[i], top + height / 3, 0.051);
	check(strstr(svg, ">\xE2\x88\x92" "60<") != NULL);	/* −60 dB tick */
	free(svg);
}

static void
test_plot__edc_legend_gives_the_measured_t60(void)
{
	/* h = 10^(−3k/(fs·T)) with T = 0.5 s over 1 s: T60 0.50 s */
	long n = (long)FS, k;
	double *h = malloc(n * sizeof *h), y[2048];
	struct adac_plot_series s = {"exp", h, n, FS};
	char *svg;
	int m;

	for (k = 0; k < n; k++)
		h[k] = pow(10, -3.0 * k / (FS * 0.5));
	check_int(adac_plot_svg(&s, 1, ADAC_PLOT_EDC, NULL, &svg, NULL),
		  ADAC_OK);
	check(strstr(svg, ">exp, T60 0.50 s<") != NULL);
	/* the curve starts at 0 dB: the frame's top edge */
	m = path_ys(svg, 0, y, 2048);
	check(m > 2);
	check_near(y[0], attr(strstr(svg, "class=\"frame\""), "y"), 0.051);
	check(strstr(svg, ">\xE2\x88\x92" "80<") != NULL);
	free(svg);
	free(h);
}

static void
test_plot__compare_draws_distinct_colours(void)
{
	double a[256] = {1}, b[256] = {0, 1}, c[256] = {0, 0, 1};
	struct adac_plot_series s[3] = {
		{"ir", a, 256, FS}, {"dsp", b, 256, FS}, {"wav", c, 256, FS},
	};
	const char *g;
	char *svg;

	check_int(adac_plot_svg(s, 3, ADAC_PLOT_EDC, "cmp", &svg, NULL),
		  ADAC_OK);
	check(xml_well_formed(svg));
	g = strstr(svg, "<g class=\"curves\"");
	check(g != NULL && count(g, "<path ") >= 3);
	check(strstr(g, "stroke=\"#0072B2\"") != NULL);
	check(strstr(g, "stroke=\"#D55E00\"") != NULL);
	check(strstr(g, "stroke=\"#009E73\"") != NULL);
	g = strstr(svg, "<g class=\"legend\"");
	check(g != NULL && strstr(g, ">ir") && strstr(g, ">dsp") &&
	      strstr(g, ">wav"));
	free(svg);
}

static void
test_plot__bad_series_are_input_errors(void)
{
	double h[4] = {1, NAN, 0, 0};
	struct adac_plot_series s = {"bad", h, 4, FS};
	struct adac_error err;
	char *svg = NULL;

	check_int(adac_plot_svg(&s, 0, ADAC_PLOT_EDC, NULL, &svg, &err),
		  ADAC_E_INPUT);
	check_int(adac_plot_svg(&s, 1, ADAC_PLOT_EDC, NULL, &svg, &err),
		  ADAC_E_INPUT);
	check_str(err.text, "series 'bad': sample 1 is not finite");
	s.length = 0;
	check_int(adac_plot_svg(&s, 1, ADAC_PLOT_EDC, NULL, &svg, &err),
		  ADAC_E_INPUT);
	check_str(err.text, "series 'bad' has no samples");
	check(svg == NULL);
}

static void
test_plot__any_label_bytes_give_well_formed_xml(void)
{
	double h[8] = {1};
	/* invalid UTF-8, a control character, quotes, an arrow */
	struct adac_plot_series s = {"\xff\xfe\x01 \"q\" 'a' \xE2\x86\x92 ok",
				     h, 8, FS};
	char *svg;

	check_int(adac_plot_svg(&s, 1, ADAC_PLOT_ALL, "t\x02<", &svg, NULL),
		  ADAC_OK);
	check(xml_well_formed(svg));
	check(strstr(svg, "??? &quot;q&quot; &apos;a&apos; \xE2\x86\x92 ok") !=
	      NULL);
	free(svg);
}

static void
test_plot__series_from_responses_label_paths(void)
{
	struct adac_response *a = adac_response_new(1, 2, 16, FS);
	struct adac_response *b = adac_response_new(1, 1, 32, 44100);
	const struct adac_response *r[2] = {a, b};
	const char *labels[2] = {"model.json", "reverb.dsp"};
	struct adac_plot_series *s;
	struct adac_error err;
	int n;

	check_int(adac_plot_series_from(r, labels, 2, &s, &n, &err), ADAC_OK);
	check_int(n, 3);
	check_str(s[0].label, "model.json 0\xE2\x86\x92" "0");
	check_str(s[1].label, "model.json 0\xE2\x86\x92" "1");
	check_str(s[2].label, "reverb.dsp");
	check(s[1].h == adac_response_path(a, 0, 1));
	check_int(s[2].length, 32);
	check_near(s[2].fs_hz, 44100, 0);
	adac_plot_series_free(s, n);
	adac_plot_series_free(NULL, 0);
	adac_response_free(a);
	adac_response_free(b);
}

int
main(void)
{
	RUN(test_plot__kinds_parse_and_name);
	RUN(test_plot__every_kind_is_well_formed_with_its_labels);
	RUN(test_plot__impulse_keeps_extremes_when_downsampling);
	RUN(test_plot__short_impulse_is_a_line_through_its_samples);
	RUN(test_plot__magnitude_of_impulses_is_flat_at_their_gain);
	RUN(test_plot__edc_legend_gives_the_measured_t60);
	RUN(test_plot__compare_draws_distinct_colours);
	RUN(test_plot__bad_series_are_input_errors);
	RUN(test_plot__any_label_bytes_give_well_formed_xml);
	RUN(test_plot__series_from_responses_label_paths);
	return unit_done();
}
