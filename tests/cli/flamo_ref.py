#!/usr/bin/python3
"""flamo_ref.py CONFIG IR [--dtype float32|float64] [--tol-db DB]

FLAMO's filter modules, re-typed from gdalsanto/flamo
(flamo/processor/dsp.py: Biquad, parallelBiquad, SVF, parallelSVF, GEQ,
parallelGEQ, PEQ, parallelPEQ; flamo/functional.py: lowpass_filter,
highpass_filter, bandpass_filter, shelving_filter, peak_filter;
flamo/auxiliary/eq.py: eq_freqs, octave_bands, geq) in PyTorch with
FLAMO's operations in FLAMO's order, so that this script is FLAMO's
arithmetic, not adac's.  It computes the module's frequency response the
way FLAMO does (rfft of b and a over nfft bins, product over sections)
and compares it with the transfer matrix of the IR that adac-lower wrote
for CONFIG (one Leaf), evaluated here from the IR's own nodes.

Prints {"module_type", "dtype", "nfft", "err_db", "identity_db", "peak"}:
err_db is 20·log10(max |H_flamo − H_adac| / max |H_flamo|) over every bin
and channel pair, identity_db the same for H_flamo against a wire (null
when the module is not square).  NaN in FLAMO's response makes err_db
null and the exit status 1.  Exits 1 when err_db is above --tol-db (default -200).
"""
import json
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F


def hertz2rad(hertz, fs):
    return torch.divide(hertz, fs) * 2 * torch.pi


def rad2hertz(rad, fs):
    return torch.divide(rad * fs, 2 * torch.pi)


def db2mag(db):
    return 10 ** (db / 20)


def lowpass_filter(fc, gain, fs, dtype):
    omegaC = hertz2rad(fc, fs)
    two = torch.tensor(2, dtype=dtype)
    alpha = torch.sin(omegaC) / 2 * torch.sqrt(two)
    cosOC = torch.cos(omegaC)
    a = torch.ones(3, *omegaC.shape, dtype=dtype)
    b = torch.ones(3, *omegaC.shape, dtype=dtype)
    b[0] = (1 - cosOC) / 2
    b[1] = 1 - cosOC
    b[2] = (1 - cosOC) / 2
    a[0] = 1 + alpha
    a[1] = -2 * cosOC
    a[2] = 1 - alpha
    return 10 ** (gain / 20) * b, a


def highpass_filter(fc, gain, fs, dtype):
    omegaC = hertz2rad(fc, fs)
    two = torch.tensor(2, dtype=dtype)
    alpha = torch.sin(omegaC) / 2 * torch.sqrt(two)
    cosOC = torch.cos(omegaC)
    a = torch.ones(3, *omegaC.shape, dtype=dtype)
    b = torch.ones(3, *omegaC.shape, dtype=dtype)
    b[0] = (1 + cosOC) / 2
    b[1] = -(1 + cosOC)
    b[2] = (1 + cosOC) / 2
    a[0] = 1 + alpha
    a[1] = -2 * cosOC
    a[2] = 1 - alpha
    return 10 ** (gain / 20) * b, a


def bandpass_filter(fc1, fc2, gain, fs, dtype):
    omegaC = (hertz2rad(fc1, fs) + hertz2rad(fc2, fs)) / 2
    BW = torch.log2(fc2 / fc1)
    two = torch.tensor(2, dtype=dtype)
    alpha = torch.sin(omegaC) * torch.sinh(
        torch.log(two) / two * BW * (omegaC / torch.sin(omegaC)))
    cosOC = torch.cos(omegaC)
    a = torch.ones(3, *omegaC.shape, dtype=dtype)
    b = torch.ones(3, *omegaC.shape, dtype=dtype)
    b[0] = alpha
    b[1] = 0
    b[2] = -alpha
    a[0] = 1 + alpha
    a[1] = -2 * cosOC
    a[2] = 1 - alpha
    return 10 ** (gain / 20) * b, a


def biquad_ba(x, ftype, fs, dtype):
    """Biquad/parallelBiquad: get_map then get_poly_coeff; x is (K, P, ...)"""
    eps = torch.finfo(dtype).eps
    shape = (-1,) + (1,) * (x.dim() - 2)
    if ftype in ("lowpass", "highpass"):
        p = torch.clamp(
            torch.stack((x[:, 0], 20 * torch.log10(torch.abs(x[:, -1]))), dim=1),
            min=torch.tensor([0, -60], dtype=dtype).view(shape).expand_as(x),
            max=torch.tensor([1, 60], dtype=dtype).view(shape).expand_as(x))
        f = lowpass_filter if ftype == "lowpass" else highpass_filter
        return f(rad2hertz(p[:, 0] * torch.pi, fs), p[:, 1], fs, dtype)
    p = torch.clamp(
        torch.stack((x[:, 0], x[:, 1], 20 * torch.log10(torch.abs(x[:, -1]))), dim=1),
        min=torch.tensor([eps, eps, -60], dtype=dtype).view(shape).expand_as(x),
        max=torch.tensor([1 - eps, 1 - eps, 60], dtype=dtype).view(shape).expand_as(x))
    return bandpass_filter(rad2hertz(p[:, 0] * torch.pi, fs),
                           rad2hertz(p[:, 1] * torch.pi, fs), p[:, 2], fs, dtype)


def svf_ba(x, ftype, dtype):
    """SVF/parallelSVF: map_param2svf then get_poly_coeff; x is (5, K, ...)"""
    sig = torch.div(1, 1 + torch.exp(-x[0]))
    f = torch.tan(torch.pi * sig * 0.5)
    r = torch.div(torch.log(torch.ones(1, dtype=dtype) + torch.exp(x[1])),
                  torch.log(torch.tensor(2, dtype=dtype)))
    R = 1 / r if ftype == "peaking" else r
    G = 10 ** (-F.softplus(x[2]))
    one, zero = torch.ones_like(G), torch.zeros_like(G)
    if ftype == "lowpass":
        m = (one, zero, zero)
    elif ftype == "highpass":
        m = (zero, zero, one)
    elif ftype == "bandpass":
        m = (zero, one, zero)
    elif ftype == "lowshelf":
        m = (one, 2 * r * torch.sqrt(G), G * one)
    elif ftype == "highshelf":
        m = (G * one, 2 * r * torch.sqrt(G), one)
    elif ftype in ("peaking", "notch"):
        m = (one, 2 * r * torch.sqrt(G), one)
    else:
        bias = torch.ones(x[2:].shape, dtype=dtype)
        bias[1] = 2
        m = tuple(x[2:] + bias)
    mLP, mBP, mHP = m
    b = torch.zeros((3, *f.shape), dtype=dtype)
    a = torch.zeros((3, *f.shape), dtype=dtype)
    b[0] = (f ** 2) * mLP + f * mBP + mHP
    b[1] = 2 * (f ** 2) * mLP - 2 * mHP
    b[2] = (f ** 2) * mLP - f * mBP + mHP
    a[0] = (f ** 2) + 2 * R * f + 1
    a[1] = 2 * (f ** 2) - 2
    a[2] = (f ** 2) - 2 * R * f + 1
    return b, a


def octave_bands(interval=1, start_freq=31.25, end_freq=16000.0):
    central_freq = []
    c_freq = start_freq
    while c_freq < end_freq:
        central_freq.append(c_freq * np.power(2, 1 / interval))
        c_freq = central_freq[-1]
    return central_freq


def eq_freqs(interval, dtype):
    center_freq = torch.tensor(octave_bands(interval=interval), dtype=dtype)
    shelving_crossover = torch.tensor(
        [center_freq[0] / np.power(2, 1 / interval / 2),
         center_freq[-1] * np.power(2, 1 / interval / 2)], dtype=dtype)
    return center_freq, shelving_crossover


def shelving_filter(fc, gain, type, fs, dtype):
    b = torch.ones(3, dtype=dtype)
    a = torch.ones(3, dtype=dtype)
    omegaC = hertz2rad(fc, fs)
    t = torch.tan(omegaC / 2)
    t2 = t ** 2
    g2 = gain ** 0.5
    g4 = gain ** 0.25
    two = torch.tensor(2, dtype=dtype)
    b[0] = g2 * t2 + torch.sqrt(two) * t * g4 + 1
    b[1] = 2 * g2 * t2 - 2
    b[2] = g2 * t2 - torch.sqrt(two) * t * g4 + 1
    a[0] = g2 + torch.sqrt(two) * t * g4 + t2
    a[1] = 2 * t2 - 2 * g2
    a[2] = g2 - torch.sqrt(two) * t * g4 + t2
    b = g2 * b
    if type == "high":
        tmp = torch.clone(b)
        b = a * gain
        a = tmp
    return b, a


def peak_filter(fc, gain, Q, fs, dtype):
    b = torch.ones(3, dtype=dtype)
    a = torch.ones(3, dtype=dtype)
    omegaC = hertz2rad(fc, fs)
    bandWidth = omegaC / Q
    t = torch.tan(bandWidth / 2)
    b[0] = torch.sqrt(gain) + gain * t
    b[1] = -2 * torch.sqrt(gain) * torch.cos(omegaC)
    b[2] = torch.sqrt(gain) - gain * t
    a[0] = torch.sqrt(gain) + t
    a[1] = -2 * torch.sqrt(gain) * torch.cos(omegaC)
    a[2] = torch.sqrt(gain) - t
    return b, a


def geq(center_freq, shelving_freq, R, gain_db, fs, dtype):
    num_bands = len(center_freq) + len(shelving_freq) + 1
    assert len(gain_db) == num_bands
    sos = torch.zeros((6, num_bands), dtype=dtype)
    for band in range(num_bands):
        if band == 0:
            b = torch.zeros(3, dtype=dtype)
            b[0] = db2mag(gain_db[band])
            a = torch.tensor([1, 0, 0], dtype=dtype)
        elif band == 1:
            b, a = shelving_filter(shelving_freq[0], db2mag(gain_db[band]), "low", fs, dtype)
        elif band == num_bands - 1:
            b, a = shelving_filter(shelving_freq[1], db2mag(gain_db[band]), "high", fs, dtype)
        else:
            Q = torch.sqrt(R) / (R - 1)
            b, a = peak_filter(center_freq[band - 2], db2mag(gain_db[band]), Q, fs, dtype)
        sos[:, band] = torch.hstack((b, a))
    return sos[:3], sos[3:]


def geq_ba(x, interval, fs, dtype):
    """GEQ/parallelGEQ: default map 20·log10|x|, then eq.geq per channel"""
    # FLAMO's constants are float32 tensors (its default dtype) in both modes
    center, shelf = eq_freqs(interval, torch.float32)
    center, shelf = center.to(dtype), shelf.to(dtype)
    gdb = 20 * torch.log10(torch.abs(x))
    flat = gdb.reshape(gdb.shape[0], -1)
    b = torch.zeros((3, flat.shape[0], flat.shape[1]), dtype=dtype)
    a = torch.zeros_like(b)
    R = torch.tensor(2.7, dtype=torch.float32).to(dtype)
    for c in range(flat.shape[1]):
        b[:, :, c], a[:, :, c] = geq(center, shelf, R, flat[:, c], fs, dtype)
    return b.reshape(3, *x.shape), a.reshape(3, *x.shape)


def peq_coeff(f, R, G, type, design, dtype):
    b = torch.zeros(*f.shape, 3, dtype=dtype)
    a = torch.zeros(*f.shape, 3, dtype=dtype)
    if design == "svf":
        G = 10 ** (G / 20)
        if type == "peaking":
            mLP, mBP, mHP = torch.ones_like(G), 2 * R * torch.sqrt(G), torch.ones_like(G)
        elif type == "lowshelf":
            mLP, mBP, mHP = G, 2 * R * torch.sqrt(G), torch.ones_like(G)
        else:
            mLP, mBP, mHP = torch.ones_like(G), 2 * R * torch.sqrt(G), G
        b[..., 0] = (f ** 2) * mLP + f * mBP + mHP
        b[..., 1] = 2 * (f ** 2) * mLP - 2 * mHP
        b[..., 2] = (f ** 2) * mLP - f * mBP + mHP
        a[..., 0] = f ** 2 + 2 * R * f + 1
        a[..., 1] = 2 * (f ** 2) - 2
        a[..., 2] = f ** 2 - 2 * R * f + 1
    else:
        G = 10 ** (G / 40)
        if type == "peaking":
            alpha = torch.sin(f) / (2 * R)
            b[..., 0] = 1 + alpha * G
            b[..., 1] = -2 * torch.cos(f)
            b[..., 2] = 1 - alpha * G
            a[..., 0] = 1 + alpha / G
            a[..., 1] = -2 * torch.cos(f)
            a[..., 2] = 1 - alpha / G
        elif type == "lowshelf":
            alpha = torch.sin(f) * torch.sqrt((G ** 2 + 1) * (1 / R - 1) + 2 * G)
            b[..., 0] = G * ((G + 1) - (G - 1) * torch.cos(f) + alpha)
            b[..., 1] = 2 * G * ((G - 1) - (G + 1) * torch.cos(f))
            b[..., 2] = G * ((G + 1) - (G - 1) * torch.cos(f) - alpha)
            a[..., 0] = (G + 1) + (G - 1) * torch.cos(f) + alpha
            a[..., 1] = -2 * ((G - 1) + (G + 1) * torch.cos(f))
            a[..., 2] = (G + 1) + (G - 1) * torch.cos(f) - alpha
        else:
            alpha = torch.sin(f) * torch.sqrt((G ** 2 + 1) * (1 / R - 1) + 2 * G)
            b[..., 0] = G * ((G + 1) + (G - 1) * torch.cos(f) + alpha)
            b[..., 1] = -2 * G * ((G - 1) + (G + 1) * torch.cos(f))
            b[..., 2] = G * ((G + 1) + (G - 1) * torch.cos(f) - alpha)
            a[..., 0] = (G + 1) - (G - 1) * torch.cos(f) + alpha
            a[..., 1] = 2 * ((G - 1) - (G + 1) * torch.cos(f))
            a[..., 2] = (G + 1) - (G - 1) * torch.cos(f) - alpha
    return a, b


def peq_ba(x, n_bands, f_min, f_max, design, fs, dtype):
    """PEQ/parallelPEQ: map_eq then get_poly_coeff; x is (B, 3, ...)"""
    k = torch.arange(1, n_bands + 1, dtype=torch.float32)
    cfb = (f_min * (f_max / f_min) ** ((k - 1) / (n_bands - 1))).to(dtype)
    view = (-1,) + (1,) * (x.dim() - 2)
    if design == "biquad":
        bias = cfb / fs * 2 * torch.pi
        f = torch.clamp(torch.sigmoid(x[:, 0]) + bias.view(view),
                        min=2 * torch.pi * f_min / fs, max=2 * torch.pi * f_max / fs)
    else:
        bias = torch.log(2 * cfb / fs / (1 - 2 * cfb / fs))
        f = torch.tan(torch.pi * torch.sigmoid(x[:, 0] + bias.view(view)) * 0.5)
    R, G = x[:, 1], x[:, 2]
    flat = lambda t: t.reshape(t.shape[0], -1)
    f, R, G = flat(f), flat(R), flat(G)
    a = torch.zeros((n_bands, 3, f.shape[1]), dtype=dtype)
    b = torch.zeros_like(a)
    for c in range(f.shape[1]):
        a[0, :, c], b[0, :, c] = peq_coeff(f[0, c], R[0, c], G[0, c], "lowshelf", design, dtype)
        a[-1, :, c], b[-1, :, c] = peq_coeff(f[-1, c], R[-1, c], G[-1, c], "highshelf", design, dtype)
        pa, pb = peq_coeff(f[1:-1, c], R[1:-1, c], G[1:-1, c], "peaking", design, dtype)
        a[1:-1, :, c], b[1:-1, :, c] = pa, pb
    # to (3, B, ...) like the other modules
    b = b.permute(1, 0, 2).reshape(3, n_bands, *x.shape[2:])
    a = a.permute(1, 0, 2).reshape(3, n_bands, *x.shape[2:])
    return b, a


def flamo_response(leaf, fs_model, dtype):
    """H as FLAMO computes it: (bins, M, N), parallel modules diagonal"""
    mt = leaf["module_type"]
    meta = leaf.get("flamo") or {}
    fs = meta.get("fs") or fs_model
    nfft = meta.get("nfft", 2 ** 11)
    x = torch.tensor(leaf["params"]["raw"], dtype=torch.float64).to(dtype)
    base = mt.replace("parallel", "")
    if base == "Biquad":
        b, a = biquad_ba(x, meta.get("filter_type", "lowpass"), fs, dtype)
    elif base == "SVF":
        b, a = svf_ba(x, meta.get("filter_type"), dtype)
    elif base == "GEQ":
        b, a = geq_ba(x, int(meta.get("octave_interval", 1)), fs, dtype)
    elif base == "PEQ":
        b, a = peq_ba(x, x.shape[0], meta.get("f_min", 20), meta.get("f_max", 20000),
                      meta.get("design", "biquad"), fs, dtype)
    else:
        raise SystemExit(f"flamo_ref.py: unknown module type {mt}")
    B = torch.fft.rfft(b, nfft, dim=0)
    A = torch.fft.rfft(a, nfft, dim=0)
    H_temp = torch.prod(B, dim=1) / torch.prod(A, dim=1)
    H = torch.where(torch.abs(torch.prod(A, dim=1)) != 0, H_temp,
                    torch.finfo(H_temp.dtype).eps * torch.ones_like(H_temp))
    H = H.to(torch.complex128).numpy()
    if mt.startswith("parallel"):
        H = np.stack([np.diag(h) for h in H.reshape(H.shape[0], -1)])
    return H, nfft


def ir_response(node, w):
    """the IR node's transfer matrix at the frequencies w: (bins, out, in)"""
    op = node["op"]
    z1 = np.exp(-1j * w)
    if op == "sos":
        secs = np.array(node["sections"], dtype=float)  # (S, C, 5)
        h = np.ones((len(w), secs.shape[1]), dtype=complex)
        for s in secs:
            for c, (b0, b1, b2, a1, a2) in enumerate(s):
                h[:, c] *= (b0 + b1 * z1 + b2 * z1 ** 2) / (1 + a1 * z1 + a2 * z1 ** 2)
        return np.stack([np.diag(r) for r in h])
    if op == "matrix":
        m = np.array(node["data"], dtype=float)
        return np.broadcast_to(m, (len(w),) + m.shape).astype(complex)
    if op == "gain":
        return np.broadcast_to(np.diag(node["values"]), (len(w), len(node["values"]),
                               len(node["values"]))).astype(complex)
    if op == "series":
        h = None
        for k in node["of"]:
            hk = ir_response(k, w)
            h = hk if h is None else hk @ h
        return h
    if op == "parallel" and node.get("in") == "split" and node.get("out") == "sum":
        return sum(ir_response(k, w) for k in node["of"])
    raise SystemExit(f"flamo_ref.py: op {op} is not evaluated here")


def main(argv):
    dtype, tol = torch.float64, -200.0
    args = []
    i = 1
    while i < len(argv):
        if argv[i] == "--dtype":
            dtype = {"float32": torch.float32, "float64": torch.float64}[argv[i + 1]]
            i += 2
        elif argv[i] == "--tol-db":
            tol = float(argv[i + 1])
            i += 2
        else:
            args.append(argv[i])
            i += 1
    with open(args[0]) as f:
        cfg = json.load(f)
    with open(args[1]) as f:
        ir = json.load(f)
    H, nfft = flamo_response(cfg, cfg["fs"], dtype)
    w = 2 * np.pi * np.arange(nfft // 2 + 1) / nfft
    G = ir_response(ir["graph"], w)
    peak = float(np.max(np.abs(H)))
    err = float(np.max(np.abs(H - G)))
    err_db = 20 * math.log10(err / peak) if err > 0 else None
    # how far FLAMO's response is from a wire (square modules only)
    ident_db = None
    if H.shape[1] == H.shape[2]:
        ident_db = 20 * math.log10(float(np.max(np.abs(H - np.eye(H.shape[1])))) / peak)
    print(json.dumps({"module_type": cfg["module_type"], "dtype": str(dtype).split(".")[1],
                      "nfft": nfft, "err_db": err_db, "identity_db": ident_db, "peak": peak}))
    if not np.all(np.isfinite(H)):
        return 1
    return 0 if err_db is None or err_db <= tol else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
