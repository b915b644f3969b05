#!/usr/bin/env python3
"""Write the emit fixtures: feedback delay networks and graphs that
exercise every emission path.  Run from this directory; the files are
committed, so tests do not need Python.

Every matrix here is built in double from its structure, so the claim
matches "data" to a few ulps and the emitter uses it."""
import json, math, random, sys

def primes_from(start, n):
    out, k = [], start
    while len(out) < n:
        if k > 1 and all(k % p for p in range(2, int(k ** 0.5) + 1)):
            out.append(k)
        k += 1
    return out

def sylvester(r, c):
    return -1.0 if bin(r & c).count("1") % 2 else 1.0

def householder(n, rng):
    u = [rng.uniform(-1, 1) for _ in range(n)]
    uu = sum(x * x for x in u)
    data = [[(1.0 if i == j else 0.0) - 2.0 * u[i] * u[j] / uu
             for j in range(n)] for i in range(n)]
    return data, {"kind": "householder", "u": u}

def hadamard(n, rng, scale):
    rp = list(range(n)); rng.shuffle(rp)
    cp = list(range(n)); rng.shuffle(cp)
    rs = [rng.choice([-1.0, 1.0]) for _ in range(n)]
    cs = [rng.choice([-1.0, 1.0]) for _ in range(n)]
    data = [[scale * sylvester(rp[i], cp[j]) * rs[i] * cs[j]
             for j in range(n)] for i in range(n)]
    return data, {"kind": "hadamard", "scale": scale, "row_perm": rp,
                  "col_perm": cp, "row_signs": rs, "col_signs": cs}

def orthogonal(n, rng):
    # Gram-Schmidt on a random matrix: dense, no structure
    q = []
    for _ in range(n):
        v = [rng.gauss(0, 1) for _ in range(n)]
        for w in q:
            d = sum(a * b for a, b in zip(v, w))
            v = [a - d * b for a, b in zip(v, w)]
        s = math.sqrt(sum(a * a for a in v))
        q.append([a / s for a in v])
    return q

def fdn(name, n, kind, rng, loss=0.9995, sos=False, back_delay=False):
    delays = primes_from(500 + 37 * n, n) if n > 1 else [613]
    if kind == "householder":
        a, st = householder(n, rng)
    elif kind == "hadamard":
        a, st = hadamard(n, rng, 1.0 / math.sqrt(n))
    elif kind == "permutation":
        perm = list(range(1, n)) + [0]
        a = [[1.0 if perm[i] == j else 0.0 for j in range(n)] for i in range(n)]
        st = {"kind": "permutation", "perm": perm}
    else:
        a, st = orthogonal(n, rng), None
    mix = {"op": "matrix", "id": "feedback matrix", "data": a}
    if st:
        mix["structure"] = st
    lines = {"op": "delay", "id": "lines", "samples": delays}
    gains = {"op": "gain", "id": "loss", "values": [loss ** (d / 100.0) for d in delays]}
    fwd = [lines, gains]
    if sos:
        fwd.append({"op": "sos", "id": "absorption", "sections": [
            [[0.3, 0.2, 0.0, -0.5, 0.0] for _ in range(n)],
            [[1.0, -0.4, 0.04, -0.2, 0.01] for _ in range(n)]]})
    loop = {"op": "feedback", "id": "loop"}
    if back_delay:
        loop["forward"] = {"op": "series", "of": fwd[1:]} if len(fwd) > 2 else fwd[1]
        loop["back"] = {"op": "series", "of": [mix, lines]}
    else:
        loop["forward"] = {"op": "series", "of": fwd}
        loop["back"] = mix
    b = {"op": "matrix", "id": "b", "data": [[rng.uniform(-1, 1)] for _ in range(n)]}
    c = {"op": "matrix", "id": "c", "data": [[rng.uniform(-1, 1) for _ in range(n)],
                                             [rng.uniform(-1, 1) for _ in range(n)]]}
    direct = {"op": "matrix", "id": "direct", "data": [[0.5], [-0.25]]}
    graph = {"op": "parallel", "in": "split", "out": "sum", "of": [
        {"op": "series", "of": [b, loop, c]}, direct]}
    return {"adac": "ir/1", "name": name, "fs": 48000, "inputs": 1,
            "outputs": 2, "graph": graph, "source": {"format": "emit-fixture"}}

def write(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")

def doc(name, graph, inputs, outputs, **kw):
    d = {"adac": "ir/1", "name": name, "fs": 44100, "inputs": inputs,
         "outputs": outputs, "graph": graph}
    d.update(kw)
    return d

def edge_cases():
    # a loop inside the forward path of another: the outer ~ takes the
    # inner loop's output delay; ids that clash with FAUST names
    inner = {"op": "feedback", "id": "inner",
             "forward": {"op": "delay", "id": "process", "samples": [7, 11]},
             "back": {"op": "matrix", "id": "ma", "data": [[0.3, 0.4], [-0.4, 0.3]]}}
    outer = {"op": "feedback", "id": "outer",
             "forward": {"op": "series", "of": [inner, {"op": "gain", "id": "1st gain", "values": [0.5, -0.7]}]},
             "back": {"op": "matrix", "id": "ma", "data": [[0.2, 0.1], [0.0, 0.2]]}}
    g = {"op": "series", "of": [{"op": "matrix", "data": [[1.0], [0.5]]}, outer,
                                {"op": "matrix", "data": [[1.0, 1.0]]}]}
    write("nested.json", doc("nested", g, 1, 1))
    # the ~ delay taken from fractional delays in 'back'; stacked forward;
    # a split/sum with a fractional delay shorter than one sample
    loop = {"op": "feedback",
            "forward": {"op": "parallel", "in": "stack", "out": "stack", "of": [
                {"op": "gain", "values": [0.6]},
                {"op": "sos", "sections": [[[0.5, 0.1, 0.0, -0.3, 0.0]]]}]},
            "back": {"op": "series", "of": [
                {"op": "matrix", "data": [[0.0, 0.7], [0.7, 0.0]],
                 "structure": {"kind": "permutation", "perm": [1, 0], "scale": 0.7}},
                {"op": "delay", "samples": [5.3, 1.75], "interp": "linear"}]}}
    g = {"op": "parallel", "in": "split", "out": "sum", "of": [
        loop, {"op": "delay", "samples": [0.4, 2.5], "interp": "linear"},
        {"op": "matrix", "data": [[0.0, 0.0], [0.0, 0.25]]}]}
    write("back-fractional.json", doc("backfrac", g, 2, 2))
    # the ~ delay taken from a fractional delay in 'forward'
    loop = {"op": "feedback",
            "forward": {"op": "series", "of": [
                {"op": "delay", "samples": [1.5, 3.0], "interp": "linear"},
                {"op": "gain", "values": [0.0, 1.0]}]},
            "back": {"op": "matrix", "data": [[0.5, 0.0], [0.0, -0.5]],
                     "structure": {"kind": "diagonal"}}}
    write("forward-fractional.json", doc("fwdfrac", loop, 2, 2))
    # valid (each channel's cycle holds a delay) but no side of the loop
    # has one on every path: the emitter refuses it
    loop = {"op": "feedback", "id": "bad loop",
            "forward": {"op": "parallel", "in": "stack", "out": "stack", "of": [
                {"op": "delay", "samples": [1]}, {"op": "gain", "values": [0.5]}]},
            "back": {"op": "parallel", "in": "stack", "out": "stack", "of": [
                {"op": "gain", "values": [0.5]}, {"op": "delay", "samples": [2]}]}}
    write("no-delay-to-absorb.json", doc("impossible", loop, 2, 2))

def knobs():
    n = 4
    delays = [1103, 1447, 1811, 2137]
    h = [[0.5 * sylvester(r, c) for c in range(n)] for r in range(n)]
    loop = {"op": "feedback", "id": "loop",
            "forward": {"op": "series", "of": [
                {"op": "delay", "id": "lines", "samples": delays},
                {"op": "gain", "id": "decay", "values": [1.0] * n,
                 "decay": {"control": "rt60", "loop_samples": delays}}]},
            "back": {"op": "matrix", "id": "A", "data": h,
                     "structure": {"kind": "hadamard", "scale": 0.5}}}
    g = {"op": "series", "of": [
        {"op": "matrix", "id": "b", "data": [[1.0], [0.5], [-0.5], [0.25]]}, loop,
        {"op": "matrix", "id": "c", "data": [[0.25, 0.5, -0.25, 0.1]]}]}
    controls = [{"name": "rt60", "min": 0.1, "max": 10, "init": 2, "unit": "s"},
                {"name": "dry_wet", "min": 0, "max": 1, "init": 0.3, "unit": ""},
                {"name": "pre_delay", "min": 0, "max": 250, "init": 12.5, "unit": "ms"}]
    d = doc("Knobs", g, 1, 1, controls=controls)
    d["fs"] = 48000
    write("knobs.json", d)
    g2 = {"op": "parallel", "in": "stack", "out": "stack", "of": [
        g, {"op": "delay", "samples": [3.25], "interp": "linear"}]}
    d = doc("Knobs2", g2, 2, 2, controls=controls)
    d["fs"] = 48000
    write("knobs-stereo.json", d)

def main():
    rng = random.Random(5)
    for kind in ("householder", "hadamard", "dense"):
        for n in (4, 64):
            write("fdn-%s-%d.json" % (kind, n), fdn("fdn_%s_%d" % (kind, n), n, kind, rng))
    write("fdn-permutation-8.json", fdn("fdn_perm_8", 8, "permutation", rng))
    write("fdn-sos-4.json", fdn("fdn_sos_4", 4, "householder", rng, sos=True))
    write("fdn-back-delay-4.json", fdn("fdn_back_4", 4, "hadamard", rng, back_delay=True))
    edge_cases()
    knobs()

main()
