# gen-allpass.jq: the allpass examples, written out of the IR's own ops.
#
#   jq -n --arg which schroeder|nested|freeverb|dattorro|dattorro-mod \
#      -f scripts/gen-allpass.jq
#
# writes examples/allpass-schroeder.json, allpass-nested.json, freeverb.json,
# dattorro.json and dattorro-mod.json (scripts/gen-allpass.sh runs all
# five).
#
# A Schroeder allpass of M samples and coefficient g,
#   v[n] = x[n] + g·v[n-M],  y[n] = -g·v[n] + v[n-M],
# is the series of a loop (forward: gain 1, back: delay M then gain g)
# that makes v, and a split into -g·v + v[n-M].  The delay appears twice,
# which the IR cannot avoid (a node's inner signal has no name), and FAUST
# merges the two copies of v@M into one delay line.  g sits in exactly two
# places, as the same double with opposite signs, which is what lets
# adac-certify prove |H| = 1 (man/adac-certify.1, "Allpass sections").
# A nested allpass (Gardner) replaces both copies of the delay by the
# same series of a delay and an inner allpass.

def gain($g): {op: "gain", values: [$g]};
def delay($m): {op: "delay", samples: [$m]};
# a line of base length $m read by a sine LFO ($depth samples, $rate Hz)
def moddelay($m; $depth; $rate; $phase):
	{op: "moddelay", samples: [$m], depth: [$depth], rate_hz: [$rate],
	 phase: [$phase]};

# P: the allpass's "delay" (a delay node, or delay then inner allpass)
def allpass_of($id; $p; $g):
	{op: "series", id: $id, of: [
		{op: "feedback", forward: gain(1),
		 back: {op: "series", of: [$p, gain($g)]}},
		{op: "parallel", in: "split", out: "sum",
		 of: [gain(-$g), $p]}]};
def allpass($id; $m; $g): allpass_of($id; delay($m); $g);
def nested($id; $m; $g; $inner):
	allpass_of($id; {op: "series", of: [delay($m), $inner]}; $g);

# A one-pole lowpass y[n] = (1-d)·x[n] + d·y[n-1], as Freeverb's damping
# and Dattorro's bandwidth and damping filters compute it.
def onepole($id; $d):
	{op: "series", id: $id, of: [gain(1 - $d),
		{op: "feedback", forward: gain(1),
		 back: {op: "series", of: [delay(1), gain($d)]}}]};

# Freeverb's lowpass-feedback comb (Jezar): the delay line's output is
# the comb's output; what enters it is x + fb·lowpass(output).
def lbcf($id; $m; $fb; $damp):
	{op: "feedback", id: $id, forward: delay($m),
	 back: {op: "series", of: [onepole($id + "_damp"; $damp), gain($fb)]}};

def doc($name; $fs; $in; $out; $graph; $src):
	{adac: "ir/1", name: $name, fs: $fs, inputs: $in, outputs: $out,
	 graph: $graph, source: ({format: "hand-written",
	 generator: "scripts/gen-allpass.jq"} + $src)};

if $which == "schroeder" then
	# Schroeder's series allpasses as in JCRev: 347, 113, 37 samples, g 0.7
	doc("allpass_schroeder"; 44100; 1; 1;
	    {op: "series", of: [allpass("ap1"; 347; 0.7),
		allpass("ap2"; 113; 0.7), allpass("ap3"; 37; 0.7)]};
	    {design: "three Schroeder allpasses in series (JCRev's 347, 113, 37 samples), g = 0.7"})
elif $which == "nested" then
	# Gardner: an outer allpass (g 0.5) whose delay is 271 samples then an
	# inner allpass (g 0.6, 149 samples), nested once more inside that
	doc("allpass_nested"; 44100; 1; 1;
	    nested("outer"; 271; 0.5;
		nested("middle"; 149; -0.6; allpass("inner"; 43; 0.4)));
	    {design: "Gardner's nested allpass, two levels deep: outer g 0.5 (271 samples), middle g -0.6 (149), inner g 0.4 (43)"})
elif $which == "freeverb" then
	# re.mono_freeverb(fb1, fb2, damp, 0) at 44.1 kHz with Jezar's
	# defaults: room 0.5 -> fb1 = 0.5*0.28 + 0.7 = 0.84, damp 0.5*0.4 = 0.2,
	# allpass feedback 0.5.  Like faustlibraries (fi.allpass_comb), the
	# four allpasses are true allpasses, not Jezar's -x + buf form.
	[1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617] as $combs |
	[556, 441, 341, 225] as $aps |
	doc("freeverb"; 44100; 1; 1;
	    {op: "series", of: [
		{op: "parallel", id: "combs", in: "split", out: "sum",
		 of: [$combs | to_entries[] |
			lbcf("comb\(.key)"; .value; 0.84; 0.2)]},
		($aps | to_entries[] | allpass("ap\(.key)"; .value; 0.5))]};
	    {design: "re.mono_freeverb(0.84, 0.5, 0.2, 0) at 44.1 kHz: 8 lowpass-feedback combs (Jezar's tunings) into 4 allpasses"})
elif $which == "dattorro" or $which == "dattorro-mod" then
	# Dattorro (1997), figure 1, at its 29761 Hz, with the parameters of
	# re.dattorro_rev_default (bandwidth 0.9995, input diffusion 0.75 and
	# 0.625, decay 0.5, decay diffusion 0.7 and 0.5, damping 0.0005), no
	# pre-delay and no modulation.  The tank's first allpass in each half
	# is the one the paper modulates: "tank_ap_l" and "tank_ap_r".  As in
	# re.dattorro_rev the outputs are the two halves' inputs (no taps).
	# Signs as there: allpass_f(t, a) is g = -a here.
	def half($s; $ap1; $d1; $ap2; $d2):
		{op: "series", id: "half_\($s)", of: [
			allpass_of("tank_ap_\($s)"; $ap1; 0.7),
			delay($d1), onepole("damp_\($s)"; 0.0005), gain(0.5),
			allpass("decay_ap_\($s)"; $ap2; -0.5),
			delay($d2), gain(0.5)]};
	# With modulation, the paper's: the two tank allpasses' lines move by
	# EXCURSION = 16 samples about their lengths, here at 1 Hz in
	# quadrature (a sine LFO each, phases 0 and 1/4).
	(if $which == "dattorro" then [delay(672), delay(908)]
	 else [moddelay(672; 16; 1; 0), moddelay(908; 16; 1; 0.25)] end) as
	[$tank_l, $tank_r] |
	doc($which | sub("-"; "_"); 29761; 1; 2;
	    {op: "series", of: [
		onepole("bandwidth"; 1 - 0.9995),
		allpass("in_ap1"; 142; -0.75), allpass("in_ap2"; 107; -0.75),
		allpass("in_ap3"; 379; -0.625), allpass("in_ap4"; 277; -0.625),
		{op: "matrix", id: "to_tank", data: [[1], [1]]},
		{op: "feedback", id: "tank", forward: {op: "gain", values: [1, 1]},
		 back: {op: "series", of: [
			{op: "parallel", in: "stack", out: "stack", of: [
				half("l"; $tank_l; 4453; 1800; 3720),
				half("r"; $tank_r; 4217; 2656; 3163)]},
			{op: "matrix", id: "cross", data: [[0, 1], [1, 0]],
			 structure: {kind: "permutation", perm: [1, 0]}}]}}]};
	    {design: (if $which == "dattorro" then
		"Dattorro 1997 figure 1 without modulation or output taps, re.dattorro_rev_default's parameters"
	     else
		"Dattorro 1997 figure 1 with its tank allpasses modulated (16 samples at 1 Hz, in quadrature), no output taps, re.dattorro_rev_default's parameters"
	     end)})
else error("which: schroeder, nested, freeverb, dattorro or dattorro-mod") end
