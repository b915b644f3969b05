#!/usr/bin/python3
"""flamo_real.py FLAMO_SRC CONFIG IR

FLAMO's own module (gdalsanto/flamo's source tree at FLAMO_SRC, run in
its default float32) built from CONFIG's raw param, its frequency
response (freq_response, FLAMO's code) compared with the IR adac-lower
wrote for CONFIG, as flamo_ref.py does with the re-typed formulas.
FLAMO is not packaged for Debian: its package __init__ and the training
code's imports (tqdm, nnAudio) are bypassed, and torch.get_default_device
(newer than Debian's torch 1.13) is supplied.  Prints {"module_type",
"err_db"}, or {"module_type", "error"} when FLAMO cannot build the module.
"""
import json
import math
import os
import sys
import types

import numpy as np
import torch

torch.get_default_device = getattr(torch, "get_default_device",
                                   lambda: torch.device("cpu"))
pkg = types.ModuleType("flamo")
pkg.__path__ = [os.path.join(sys.argv[1], "flamo")]
sys.modules["flamo"] = pkg
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flamo.processor.dsp as dsp  # noqa: E402
import flamo_ref  # noqa: E402

cfg = json.load(open(sys.argv[2]))
ir = json.load(open(sys.argv[3]))
mt, meta = cfg["module_type"], cfg.get("flamo") or {}
raw = torch.tensor(cfg["params"]["raw"], dtype=torch.float64).to(torch.float32)
nfft, fs = meta.get("nfft", 2 ** 11), meta.get("fs") or cfg["fs"]
par = mt.startswith("parallel")
kw = dict(size=(raw.shape[-1],) if par else tuple(raw.shape[-2:]), nfft=nfft)
base = mt.replace("parallel", "")
try:
    if base == "Biquad":
        m = getattr(dsp, mt)(n_sections=raw.shape[0], fs=fs,
                             filter_type=meta.get("filter_type", "lowpass"), **kw)
    elif base == "SVF":
        m = getattr(dsp, mt)(n_sections=raw.shape[1], fs=fs,
                             filter_type=meta.get("filter_type"), **kw)
    elif base == "GEQ":
        m = getattr(dsp, mt)(octave_interval=int(meta.get("octave_interval", 1)),
                             fs=fs, **kw)
    else:
        m = getattr(dsp, mt)(n_bands=raw.shape[0], f_min=meta.get("f_min", 20),
                             f_max=meta.get("f_max", 20000),
                             design=meta.get("design", "biquad"), fs=fs, **kw)
except Exception as ex:  # FLAMO's own failure, reported
    print(json.dumps({"module_type": mt, "error": f"{type(ex).__name__}: {ex}"}))
    sys.exit(0)
m.assign_value(raw)
with torch.no_grad():
    H = m.freq_response(m.param).to(torch.complex128).numpy()
if par:
    H = np.stack([np.diag(h) for h in H.reshape(H.shape[0], -1)])
w = 2 * np.pi * np.arange(nfft // 2 + 1) / nfft
G = flamo_ref.ir_response(ir["graph"], w)
err = float(np.max(np.abs(H - G)))
print(json.dumps({"module_type": mt,
                  "err_db": 20 * math.log10(err / float(np.max(np.abs(G)))) if err > 0 else None}))
