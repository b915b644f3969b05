/*
 * plot.h - plain SVG plots of impulse responses (`adac-ir plot`): the
 * waveform, the energy decay curve and the magnitude response, one
 * response or several overlaid (`--compare`).
 *
 * adac_plot_svg() borrows its series and returns a new malloc'd SVG text
 * the caller frees.  adac_plot_series_from() pairs with
 * adac_plot_series_free(); its series borrow the responses' samples,
 * which must outlive them.
 *
 * What is drawn:
 *   impulse    amplitude against time; with more samples than pixel
 *              columns each column shows the min…max of its samples (a
 *              filled envelope), else a line through the samples.
 *   edc        Schroeder energy decay in dB, −80…0 dB, as adac-ir decay
 *              measures it (decay.h: with the energy a truncated window
 *              lost restored, so an exponential decay stays straight to
 *              the window's end), each legend entry with its measured T60
 *              where there is one (else the classic uncompensated curve).
 *   magnitude  |H| in dB against log frequency, 20 Hz (or the lowest bin)
 *              to fs/2, from an FFT (FFTW) of the response zero-padded to
 *              a power of two ≥ 65536; each pixel column shows the power
 *              mean of the bins it covers (a smoothing about 1/90 octave
 *              wide: dense modes merge into their average), the nearest
 *              bins interpolated where it covers none.  60 dB shown below
 *              the top of the highest curve.
 *   all        the three stacked in one image.
 * Each panel is 900 × 600 (all: 900 × 1500), with a title, axis labels,
 * ticks, a grid and a legend, series in distinct colour-blind-safe
 * colours (Okabe–Ito), later series drawn thinner over earlier ones so
 * identical curves stay visible.  Text is UTF-8, escaped for XML.
 */
#ifndef ADAC_PLOT_H
#define ADAC_PLOT_H

#include "error.h"
#include "response.h"

#define ADAC_PLOT_MAX_SERIES 64

enum adac_plot_kind {
	ADAC_PLOT_IMPULSE,
	ADAC_PLOT_EDC,
	ADAC_PLOT_MAGNITUDE,
	ADAC_PLOT_ALL,		/* the three stacked */
};

/* One curve: label (legend text), length samples h at fs_hz. */
struct adac_plot_series {
	const char *label;
	const double *h;
	long length;
	double fs_hz;
};

/* "impulse", "edc", "magnitude", "all" → kind; ADAC_E_INPUT otherwise. */
int adac_plot_kind_parse(const char *name, enum adac_plot_kind *kind,
			 struct adac_error *err);
const char *adac_plot_kind_name(enum adac_plot_kind kind);

/*
 * The SVG of n_series (1 … ADAC_PLOT_MAX_SERIES) series as kind, titled
 * title (NULL: none).  ADAC_E_INPUT for no series, too many, a series
 * without samples, a rate that is not positive or a sample that is not
 * finite (the pointer is "", the text names the series' label);
 * ADAC_E_DEPENDENCY when FFTW cannot plan; ADAC_E_NOMEM.
 */
int adac_plot_svg(const struct adac_plot_series *series, int n_series,
		  enum adac_plot_kind kind, const char *title, char **svg,
		  struct adac_error *err);

/*
 * Series for every path of the n responses r[0..n), labelled with
 * labels[k] (NULL: none), followed by " i→o" when that response has more
 * than one path.  *series gets a new array of *n_series entries whose
 * labels it owns; free both with adac_plot_series_free().  ADAC_E_INPUT
 * when there would be more than ADAC_PLOT_MAX_SERIES; ADAC_E_NOMEM.
 */
int adac_plot_series_from(const struct adac_response *const *r,
			  const char *const *labels, int n,
			  struct adac_plot_series **series, int *n_series,
			  struct adac_error *err);
void adac_plot_series_free(struct adac_plot_series *series, int n_series);

#endif
