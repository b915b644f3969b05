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

#endif
