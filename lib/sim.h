/*
 * sim.h - the reference simulator: evaluates any valid IR in double
 * precision, sample by sample.  It is the ground truth every other output
 * is compared to, so it favours obvious correctness over speed, while
 * staying well above real time for 64-line networks with 2^16-sample
 * delays.
 *
 * The simulator borrows the IR, which must outlive it.
 * adac_sim_new() pairs with adac_sim_free().
 */
#ifndef ADAC_SIM_H
#define ADAC_SIM_H

#include "error.h"
#include "ir.h"
#include "response.h"

struct adac_sim;

/*
 * Prepare ir for simulation with every control at its "init" value,
 * overridden by the n_set settings (ADAC_E_INPUT for an unknown control
 * name or a value outside its range).
 */
int adac_sim_new(const struct adac_ir *ir, const struct adac_setting *set,
		 int n_set, struct adac_sim **out, struct adac_error *err);
void adac_sim_free(struct adac_sim *sim);

/* Clear all state (delay lines, filter memories) to zero. */
void adac_sim_reset(struct adac_sim *sim);

/*
 * Process frames samples: in[n * inputs + i] → out[n * outputs + o]
 * (interleaved).  Never fails once created.
 */
void adac_sim_process(struct adac_sim *sim, const double *in, double *out,
		      long frames);

/*
 * The impulse response of every input → output path over length samples:
 * for each input i, reset and feed a unit impulse on i alone.
 */
int adac_sim_impulse(const struct adac_ir *ir, long length,
		     const struct adac_setting *set, int n_set,
		     struct adac_response **out, struct adac_error *err);

/*
 * The same, calling progress(arg, done) now and then with the fraction
 * done in (0, 1] (for a progress indicator on a terminal), when not NULL.
 */
int adac_sim_impulse_progress(const struct adac_ir *ir, long length,
			      const struct adac_setting *set, int n_set,
			      void (*progress)(void *arg, double done),
			      void *arg, struct adac_response **out,
			      struct adac_error *err);

/*
 * The noise model of a float32 program with the simulator's arithmetic,
 * from which adac-diff derives its default float tolerance (diff.h):
 * the impulse responses computed with every coefficient off by
 * ADAC_SIM_FLOAT_U of its value with a random sign (the most one
 * rounding makes; 0 and ±1 are exact), held for the whole run, and every
 * product, sum and output sample that float arithmetic would round
 * perturbed by an independent error drawn uniformly from
 * ±ADAC_SIM_FLOAT_U of its value (a product by 0 or ±1 is exact), from a
 * fixed seed, so the same IR always gives the same responses.  Its difference from
 * adac_sim_impulse() is the model's rounding noise: the response of the
 * output to an error at every rounding point at once, so its size is the
 * sum over rounding points of what the impulse response from each point
 * to the output makes of that point's errors.
 */
#define ADAC_SIM_FLOAT_U 0x1p-24	/* float's unit roundoff */
#define ADAC_SIM_NOISE_SEED 0x9e3779b97f4a7c15ULL
int adac_sim_impulse_noisy(const struct adac_ir *ir, long length,
			   const struct adac_setting *set, int n_set,
			   struct adac_response **out,
			   struct adac_error *err);

/*
 * The same as adac_sim_impulse_progress() and adac_sim_impulse_noisy()
 * with the signal x[0 .. length) in place of the impulse: for each input
 * alone, state cleared, x on that input and 0 on the others; path
 * (i, o) is output o's response.  x NULL is the unit impulse.  For a
 * network that is not linear (a nonlinear node) this is what describes
 * it, on that signal.
 */
int adac_sim_drive(const struct adac_ir *ir, long length, const double *x,
		   const struct adac_setting *set, int n_set,
		   void (*progress)(void *arg, double done), void *arg,
		   struct adac_response **out, struct adac_error *err);
int adac_sim_drive_noisy(const struct adac_ir *ir, long length,
			 const double *x, const struct adac_setting *set,
			 int n_set, struct adac_response **out,
			 struct adac_error *err);

/*
 * How controls act, in the simulator and therefore in every renderer
 * compared with it (adac-ir(5), "controls"):
 *   rt60 T (s)      a gain node whose decay names it scales channel i by
 *                   values[i] · pow(10, −3 · loop_samples[i] / (fs · T));
 *   pre_delay (ms)  the wet path's input (the graph's input) is delayed by
 *                   adac_sim_pre_delay_samples() whole samples;
 *   dry_wet w       output = (1 − w) · input + w · wet, in that form, so
 *                   w = 0 gives the input and w = 1 the wet signal exactly.
 * Without a dry_wet control the output is the wet signal.
 */

/* round(ms · fs / 1000), halves away from zero. */
long adac_sim_pre_delay_samples(double ms, double fs_hz);

/*
 * The value of every control of ir: values[k] (n_controls entries, names
 * borrowed from ir) is controls[k].init, overridden by the settings, which
 * name a control by its name or by its label.
 * ADAC_E_INPUT for an unknown name or a value outside [min, max].
 */
int adac_sim_resolve(const struct adac_ir *ir, const struct adac_setting *set,
		     int n_set, struct adac_setting *values,
		     struct adac_error *err);

/*
 * Parse "NAME=VALUE" (a --set argument) in place: the '=' becomes a NUL
 * and out->name points into arg.  ADAC_E_INPUT when the '=' or the name
 * is missing or VALUE is not a finite number.
 */
int adac_setting_parse(char *arg, struct adac_setting *out,
		       struct adac_error *err);

/*
 * Delay state above this many bytes is refused (ADAC_E_INPUT).  Rings are
 * allocated lazily by the system, so a short render of a long delay only
 * touches the pages it writes.
 */
#define ADAC_SIM_MAX_STATE_BYTES ((size_t)1 << 33)

#endif
