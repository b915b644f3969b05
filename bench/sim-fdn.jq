# An N-line FDN as ir/1 for bench/sim.sh: jq -n --argjson n N -f sim-fdn.jq
# b = 1, A = Householder I − 2/N·11ᵀ (dense data, as the simulator runs
# it), per-line gain 0.9999, c = 1/N, delays 1009 .. 3011 samples.
{ adac: "ir/1", name: "fdn\($n)", fs: 48000, inputs: 1, outputs: 1,
  graph: { op: "series", of: [
    { op: "matrix", id: "b", data: [range($n) | [1]] },
    { op: "feedback", id: "loop",
      forward: { op: "delay", id: "lines",
                 samples: [range($n) | 1009 + (. * 7919) % 2003] },
      back: { op: "series", of: [
        { op: "matrix", id: "A",
          data: [range($n) as $i | [range($n) as $j |
                 (if $i == $j then 1 else 0 end) - 2 / $n]] },
        { op: "gain", id: "g", values: [range($n) | 0.9999] } ] } },
    { op: "matrix", id: "c", data: [[range($n) | 1 / $n]] } ] } }
