/*
 * controls.h - adding macro-controls to a lowered IR (`adac-lower
 * --control`): rt60, dry_wet and pre_delay, as adac-ir(5) defines them.
 *
 * Functions edit the borrowed IR JSON in place; the caller validates the
 * result with adac_ir_parse().
 */
#ifndef ADAC_CONTROLS_H
#define ADAC_CONTROLS_H

#include <jansson.h>

#include "error.h"

/* Defaults: rt60 0.1 to 10 s from 2 s; dry_wet 0 to 1 from 1; pre_delay 0 to 250 ms from 0. */
#define ADAC_RT60_MIN_S 0.1
#define ADAC_RT60_MAX_S 10.0
#define ADAC_RT60_INIT_S 2.0
#define ADAC_PRE_DELAY_MAX_MS 250.0

/*
 * Add the control spec names to ir:
 *   rt60[=MIN:MAX:INIT]   (seconds; any field may be left empty)
 *   dry_wet[=INIT]
 *   pre_delay[=MAX_MS]
 * rt60 puts a decay gain after the delay line of every feedback loop
 * (replacing the broadband "t60" gains of a native spec: the knob acts on
 * the lossless prototype; other loop elements, trained absorption among
 * them, stay and multiply).  A control given twice replaces the first.
 * ADAC_E_INPUT (with the spec quoted) for a bad spec or an IR without a
 * loop for rt60; ADAC_E_NOMEM.
 */
int adac_controls_add(json_t *ir, const char *spec, struct adac_error *err);

#endif
