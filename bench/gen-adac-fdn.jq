# An N-line FDN config in the reference implementation's format (the
# shape flamo_to_json writes, as in its integration test):
#   jq -n --argjson n N --arg matrix householder|dense -f gen-adac-fdn.jq
# Shell(Parallel(Series(B, Recursion(Series(delays, absorption), A), C), D)).
# Line i delays 1009 + (7919·i mod 2003) samples and has a one-section
# absorption filter; A is 0.999·(I − 2/N·11ᵀ) ("householder", recognised
# by adac-lower) or a dense matrix of sines ("dense", tried as every
# structure and recognised as none: the slowest path).
[range($n)] as $ix
| [$ix[] | 1009 + (. * 7919) % 2003] as $m
| def leaf($name; $type; $nin; $nout; $params):
    {type: "Leaf", name: $name, module_type: $type,
     input_channels: $nin, output_channels: $nout,
     flamo: {nfft: 65536, alias_decay_db: 60, requires_grad: false},
     params: $params};
{type: "Shell", name: "Bench\($n)", flamo: {nfft: 65536}, fs: 48000,
 children: [
  {type: "Parallel", name: "core", sum_output: true, children: [
    {type: "Series", name: "brA", children: [
      leaf("input_gain"; "Gain"; 1; $n; {matrix: [$ix[] | [1]]}),
      {type: "Recursion", name: "feedback_loop",
       fF: {type: "Series", name: "fF", children: [
         leaf("delays"; "parallelDelay"; $n; $n;
              {samples: $m, samples_fractional: [$m[] | . * 1.0]})
         + {flamo: {unit: 1, isint: true, max_len: 3011}},
         leaf("absorption"; "parallelSOSFilter"; $n; $n;
              {sos: [[$m[] | [0.95 - . / 1e5, 0.02, 0, -0.03, 0]]]})]},
       fB: leaf("fB"; "Gain"; $n; $n;
         {matrix: [$ix[] as $i | [$ix[] as $j |
           if $matrix == "householder"
           then 0.999 * ((if $i == $j then 1 else 0 end) - 2 / $n)
           else 0.9 * ((($i * 7 + $j * 13 + 1) | sin) / ($n | sqrt))
           end]]})},
      leaf("output_gain"; "Gain"; $n; 1; {matrix: [[$ix[] | 1 / $n]]})]},
    leaf("brB"; "Gain"; 1; 1; {gains: [0]})]}]}
