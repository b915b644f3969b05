/*
 * compare.h - how far one impulse response is from a reference, path by
 * path, and whether that is within a tolerance.
 *
 * adac_compare() pairs with adac_comparison_free(); it borrows both
 * responses.  adac_comparison_json() returns a new reference.
 *
 * Every figure in dB is re a scale: the path's reference peak (max |h|
 * of the reference on that path), or, for a path that is silent in the
 * reference, the largest reference peak of any path (1.0 when every path
 * is silent).  Relative measures are what floating-point noise obeys, and
 * a silent path must still have a tolerance.  A path is within tolerance
 * when every |error| <= scale · 10^(tol_db / 20).
 */
#ifndef ADAC_COMPARE_H
#define ADAC_COMPARE_H

#include <jansson.h>

#include "error.h"
#include "response.h"

/*
 * Default tolerances in dB re peak.  float32 programs carry rounding
 * noise near -140 dB re peak (float vs double builds of one program) that
 * grows with loop recirculations; -100 dB is the acceptance bound and
 * keeps a margin of tens of dB.  Double builds sit near -300 dB (2^-53
 * is -319 dB); -250 dB leaves room for accumulation while still catching
 * a float32 rounding (-150 dB) or a 10th-digit change in a coefficient.
 */
#define ADAC_COMPARE_TOL_FLOAT_DB (-100.0)
#define ADAC_COMPARE_TOL_DOUBLE_DB (-250.0)

/* Lags searched for alignment, and the samples the search looks at. */
#define ADAC_COMPARE_MAX_LAG 1024
#define ADAC_COMPARE_LAG_WINDOW 65536

struct adac_path_diff {
	int input, output;
	double reference_peak;	/* max |reference| on this path */
	double scale;		/* what dB figures are relative to (above) */
	double max_abs_error;	/* max |test − reference|; INFINITY if either is not finite */
	double rms_error;	/* sqrt(mean((test − reference)²)) */
	double error_db;	/* 20·log10(max_abs_error / scale); -INFINITY if 0 */
	long first_divergent_sample;	/* first |error| > tolerance, or -1 */
	long first_non_finite_sample;	/* first NaN/Inf in test, or -1 */
	/* first NaN/Inf in the reference (a model that overflows), or -1 */
	long first_reference_non_finite_sample;
};

struct adac_comparison {
	int inputs, outputs;
	long length;
	double tol_db;
	int n_paths;
	struct adac_path_diff *paths;	/* path (i, o) at i · outputs + o */
	int equal;		/* every path within tolerance */
	int worst;		/* index of the path with the largest error_db */
	double worst_error_db;	/* that error_db (-INFINITY all exact, INFINITY NaN) */
	/*
	 * When not equal: the lag (samples, positive = test late) that
	 * maximises the cross-correlation of the worst path within
	 * ±ADAC_COMPARE_MAX_LAG, and the error_db of that path once the
	 * test is shifted back by it (only when lag_samples != 0).
	 */
	int alignment_checked;
	long lag_samples;
	double error_db_after_shift;
};

/*
 * Compare test with ref (the reference).  ADAC_E_INPUT when the shapes
 * (inputs, outputs, length) differ; ADAC_E_NOMEM.  tol_db must be <= 0.
 */
int adac_compare(const struct adac_response *ref,
		 const struct adac_response *test, double tol_db,
		 struct adac_comparison **out, struct adac_error *err);
void adac_comparison_free(struct adac_comparison *c);

/*
 * The comparison as JSON:
 *   "paths": [{"input", "output", "reference_peak", "max_abs_error",
 *              "rms_error", "error_db", "first_divergent_sample"}...],
 *   "overall": {"verdict": "equal"|"different", "worst_error_db",
 *               "tol_db", "worst_path": {"input", "output"}},
 *   "alignment": {"input", "output", "lag_samples",
 *                 "error_db_after_shift", "note"}   (only when different)
 * Figures that are not finite are written as null: error_db and
 * worst_error_db of an exact match (−∞ dB), tol_db when it is −∞ (only
 * exact equality will do); max_abs_error, rms_error and
 * error_db of a path whose test or reference holds NaN or Inf, which then
 * also has "non_finite_sample" (test) or "reference_non_finite_sample",
 * and differs from there on.  reference_peak is over the finite samples.
 * first_divergent_sample is null when none.
 */
json_t *adac_comparison_json(const struct adac_comparison *c);

#endif
