/*
 * controls.h - adding macro-controls to a lowered IR: rt60, dry_wet and
 * pre_delay, as adac-ir(5) defines them, from a config's own "controls"
 * object and from adac-lower's --control options.
 *
 * Functions edit the borrowed IR JSON in place and borrow everything
 * else; the caller validates the result with adac_ir_parse().
 */
#ifndef ADAC_CONTROLS_H
#define ADAC_CONTROLS_H

#include <jansson.h>

#include "error.h"

/*
 * Defaults, the reference implementation's: rt60 0.1 to 10 s from 2 s;
 * dry_wet 0 to 1 from 1; pre_delay 0 to 250 ms from 0.
 */
#define ADAC_RT60_MIN_S 0.1
#define ADAC_RT60_MAX_S 10.0
#define ADAC_RT60_INIT_S 2.0
#define ADAC_PRE_DELAY_MAX_MS 250.0

/* The longest label a control may carry, in bytes. */
#define ADAC_CONTROL_LABEL_MAX 64

/*
 * Add the controls that config_controls (a config's "controls" member,
 * at pointer "/controls"; NULL when absent) and the command line's specs
 * ask for to ir.
 *
 * config_controls maps a control name to true (the defaults), false or
 * null (left out) or an object of init, min, max, step and label, as the
 * reference implementation's json_to_faust() reads it.  A spec is
 *   NAME[=FIELDS][,KEY=VALUE]...   or   NAME=off
 * with FIELDS the short forms rt60=MIN:MAX:INIT (an empty field keeps
 * its default), dry_wet=INIT and pre_delay=MAX_MS, and KEY one of init,
 * min, max, step and label (label takes the rest of the spec).  A spec
 * replaces the config's entry for its name whole, and a later spec an
 * earlier one.  The controls are written in the order rt60, dry_wet,
 * pre_delay, with "step" and "label" only when given.
 *
 * rt60 puts a decay gain after every delay node inside a feedback loop,
 * one channel per delay channel with that channel's length, so that every
 * cycle of every loop is scaled by 10^(-3·L/(fs·T60)) for its total
 * delay L (forward and back, fractions included).  It replaces a native
 * spec's broadband "t60" gains; every other element of a loop (trained
 * absorption among them) stays and multiplies.  A loop without a delay
 * node (its delay inside sos sections only) cannot follow the knob and
 * is refused at its pointer (translated to the config through the IR's
 * source map when there is one).
 *
 * ADAC_E_INPUT with the pointer of the bad value in the config, or with
 * the spec quoted (pointer ""), for a bad entry, an unknown name or
 * field, a value out of range, or rt60 on an IR without a loop;
 * ADAC_E_NOMEM.
 */
int adac_controls_apply(json_t *ir, const json_t *config_controls,
			const char *const *specs, int n_specs,
			struct adac_error *err);

#endif
