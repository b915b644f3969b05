/*
 * fixdiff.h - adac-diff --precision: prove a `faust -fx` build of a
 * program bit-exact against the fixed-point simulator of its IR
 * (lib/fixpoint.h), and measure the format's noise against the double
 * model.
 *
 * The program is built outside this process, with the faust and c++
 * commands on PATH ($CXX for c++), the shipped include/adac/fixpoint.hpp
 * and include/adac/fixpoint-arch.cpp (both compiled into libadac, so
 * that the build uses the header this library simulates), in a
 * directory of its own that is removed afterwards.  Each of the three
 * steps (faust, c++, running the program once per input) runs in a
 * child process within limits->cpu_s of CPU time (RLIMIT_CPU),
 * limits->mem_mb of address space (RLIMIT_AS) and limits->wall_s of
 * wall-clock time, after which it is killed: a FAUST program is code.
 */
#ifndef ADAC_FIXDIFF_H
#define ADAC_FIXDIFF_H

#include <jansson.h>

#include "error.h"
#include "faust_jit.h"
#include "fixpoint.h"
#include "ir.h"
#include "stimulus.h"

/*
 * Compare the program dsp (its text; name is how the report and errors
 * call it, ir_name the IR's) built in format fx with adac_fixpoint_sim
 * of ir, each input alone driven by stim over length samples (<= 0: 2 s
 * at the IR's rate), state cleared in between.
 *
 * Returns ADAC_OK with *report ({"reference", "test", "fs", "samples",
 * "inputs", "outputs", "precision", "lsb", "signal", "paths": [{"input",
 * "output", "max_error_lsb", "first_difference", "differing_samples"}],
 * "overall": {"verdict", "max_error_lsb", "first_difference",
 * "worst_path", "note"}, "sums_saturated", "noise_floor": {"against",
 * "paths": [{"input", "output", "error_db", "max_error_lsb"}],
 * "worst_error_db"}}) and *equal, which is 1 only when every output
 * sample of every path is the simulator's, bit for bit.  A program of
 * another shape is "different" with a note and no paths; a "different"
 * after a sum saturated in a :saturate format has a note saying that
 * FAUST's order of additions then decides the result.  The noise
 * floor compares the simulator's output with the double model
 * (adac_sim_drive()) on the same float signal: max |fixed − double| re
 * the path's peak, in dB (null for a silent path).  "zero_input"
 * ({"after_s", "over_s", "paths": [{"input", "output", "peak_lsb"}],
 * "peak_lsb", "certified", "certified_bound_lsb"}) runs the simulator
 * on after the signal with zero input for ADAC_FIXDIFF_SETTLE_S and
 * reports the largest |output| over ADAC_FIXDIFF_RING_S more, beside
 * the IR's certificate's limit-cycle statement when adac-emit would
 * build fx from it (adac_certify_check_target()).
 *
 * Errors: ADAC_E_INPUT for an IR the format refuses
 * (adac_fixpoint_check(): the node's pointer, *culprit 0), a program
 * faust or c++ does not compile, or that hits a limit or crashes
 * (*culprit 1); ADAC_E_DEPENDENCY when faust or c++ cannot be run;
 * ADAC_E_IO, ADAC_E_NOMEM.
 */
/* The zero-input run after the signal: settle, then measure. */
#define ADAC_FIXDIFF_SETTLE_S 10
#define ADAC_FIXDIFF_RING_S 1

int adac_fixdiff_run(const struct adac_ir *ir, const char *ir_name,
		     const char *dsp, const char *name,
		     const struct adac_fixpoint *fx,
		     const struct adac_stimulus *stim, long length,
		     const struct adac_faust_limits *limits, json_t **report,
		     int *equal, int *culprit, struct adac_error *err);

#endif
