#!/usr/bin/env python3
"""Train a feedback delay network in PyTorch and hear every step.

    train_fdn.py --target target.wav --dsp model.dsp [--live-log reload.jsonl]

Each step exports the model (atomically) as an adac fdn spec, runs
adac-lower | adac-certify | adac-emit --live on it, and replaces the
program that adac-live plays only when the step is certified.  One JSON
line per step on standard output: the loss, the times, what became of the
step.  See README.md, "Train, listen, ship".
"""

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

PROG = "train_fdn"


def die(code, msg):
    print("%s: error: %s" % (PROG, msg), file=sys.stderr)
    sys.exit(code)


def warn(msg):
    print("%s: %s" % (PROG, msg), file=sys.stderr)


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error on one line like every adac program."""

    def error(self, message):
        die(2, message)


def parse_args(argv):
    p = Parser(
        prog=PROG, description="Train an FDN against a target impulse "
        "response and run the adac pipeline after every step.",
        epilog="Exit status: 0 every step was certified and emitted (or "
        "the hook succeeded); 1 some step was not certified or its hook "
        "failed (training went on, the program kept the last good step); "
        "2 bad usage or input; 3 a pipeline stage failed otherwise "
        "(training stopped).")
    p.add_argument("--target", required=True, metavar="FILE",
                   help="target impulse response (WAV or any file "
                   "libsndfile reads, e.g. from 'adac-ir impulse'); its "
                   "rate is the model's")
    p.add_argument("--delays", default="797,911,1049,1201", metavar="M,...",
                   help="line lengths in samples (default %(default)s)")
    p.add_argument("--steps", type=int, default=30,
                   help="optimisation steps (default %(default)s; 0 "
                   "exports the initial model only)")
    p.add_argument("--lr", type=float, default=0.05,
                   help="Adam's learning rate (default %(default)s)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the initial model (default %(default)s)")
    p.add_argument("--t60", type=float, default=1.0, metavar="S",
                   help="initial decay time of every line (default "
                   "%(default)s s)")
    p.add_argument("--train-seconds", type=float, default=0.5, metavar="S",
                   help="length of the responses the loss compares "
                   "(default %(default)s s)")
    p.add_argument("--model", default="model.json", metavar="FILE",
                   help="where each step's fdn spec goes (default "
                   "%(default)s)")
    p.add_argument("--dsp", metavar="FILE",
                   help="run adac-lower | adac-certify | adac-emit --live "
                   "after each step and replace FILE when certified")
    p.add_argument("--every-step", metavar="CMD",
                   help="shell command to run after each step instead, "
                   "with ADAC_MODEL and ADAC_STEP in its environment; a "
                   "non-zero exit means the step was not heard")
    p.add_argument("--live-log", metavar="FILE",
                   help="adac-live's --log: wait for its reload line after "
                   "each changed program, and record it")
    p.add_argument("--ir-out", metavar="FILE",
                   help="write the final model's impulse response here "
                   "(64-bit float WAV; .raw: headerless float64)")
    p.add_argument("--ir-seconds", type=float, default=2.0, metavar="S",
                   help="length of --ir-out (default %(default)s s)")
    p.add_argument("--bindir", metavar="DIR",
                   help="where adac-lower, adac-certify and adac-emit are "
                   "(default: PATH)")
    a = p.parse_args(argv)
    try:
        a.delays = [int(x) for x in a.delays.split(",")]
    except ValueError:
        die(2, "--delays: expected whole numbers separated by commas, "
            "got '%s'" % a.delays)
    if min(a.delays) < 1:
        die(2, "--delays: a line is at least one sample long")
    if a.steps < 0:
        die(2, "--steps: expected a count, got %d" % a.steps)
    if a.dsp and a.every_step:
        die(2, "--dsp and --every-step are exclusive")
    if a.live_log and not a.dsp:
        die(2, "--live-log needs --dsp: it waits for the program it writes")
    if not (a.train_seconds > 0 and a.ir_seconds > 0 and a.t60 > 0):
        die(2, "--train-seconds, --ir-seconds and --t60 must be positive")
    return a


def reload_lines(path):
    """The reload events of an adac-live log so far (a list of dicts)."""
    out = []
    try:
        with open(path) as f:
            for line in f:
                if '"event":"reload"' in line:
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass    # a line being written; read it next time
    except FileNotFoundError:
        pass
    return out


def wait_reload(path, seen, timeout_s=30.0):
    """Wait until the log holds more than `seen` reload lines; the new one."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        lines = reload_lines(path)
        if len(lines) > seen:
            return lines[seen]
        time.sleep(0.002)
    return None


def main(argv):
    a = parse_args(argv)
    import soundfile
    import torch

    from adac_torch import FDN, edc_db, run_pipeline, write_spec, write_wav

    try:
        target, fs = soundfile.read(a.target, dtype="float64",
                                    always_2d=True)
    except RuntimeError as e:
        die(2, "%s: %s" % (a.target, str(e).splitlines()[0]))
    if target.shape[1] != 1:
        die(2, "%s: expected one channel (one path), got %d"
            % (a.target, target.shape[1]))
    n = int(round(a.train_seconds * fs))
    tgt = torch.zeros(n, dtype=torch.float64)
    k = min(n, target.shape[0])
    tgt[:k] = torch.from_numpy(target[:k, 0])
    # Compare the energy decay curves over the first 80 % only: near the end
    # of a truncated window both curves plunge, and their dB difference
    # there is noise.
    span = max(1, int(0.8 * n))
    tgt_edc = edc_db(tgt)[:span]

    model = FDN(a.delays, fs=fs, t60_s=a.t60, seed=a.seed)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    seen = len(reload_lines(a.live_log)) if a.live_log else 0
    heard = "initial program"
    code = 0
    negative = False    # a step was not certified, or the hook failed
    for step in range(a.steps + 1):
        h = model.impulse_response(n)
        loss = torch.mean((edc_db(h)[:span] - tgt_edc) ** 2)
        rec = {"step": step, "loss": loss.item()}
        if not torch.isfinite(loss):
            die(3, "step %d: the loss is not finite" % step)
        t0 = time.monotonic()
        write_spec(model, a.model)
        rec["export_ms"] = (time.monotonic() - t0) * 1000.0
        if a.dsp:
            r = run_pipeline(a.model, a.dsp, bindir=a.bindir)
            rec.update(pipeline_ms=r.ms, status=r.status, verdict=r.verdict)
            if r.status in ("rejected", "failed"):
                warn("step %d: %s; %s keeps the %s" % (step, r.message,
                     a.dsp, heard))
                if r.status == "failed":
                    code = 3
                negative = True
            else:
                heard = "program of step %d" % step
            if r.status == "emitted" and a.live_log:
                ev = wait_reload(a.live_log, seen)
                if ev is None:
                    warn("step %d: no reload in %s within 30 s"
                         % (step, a.live_log))
                else:
                    seen += 1
                    rec["reload"] = ev.get("status")
                    rec["write_to_audible_ms"] = ev.get(
                        "write_to_audible_ms")
        elif a.every_step:
            env = dict(os.environ, ADAC_MODEL=a.model, ADAC_STEP=str(step))
            t1 = time.monotonic()
            rc = subprocess.call(a.every_step, shell=True, env=env)
            rec.update(hook_ms=(time.monotonic() - t1) * 1000.0,
                       hook_status=rc)
            if rc != 0:
                warn("step %d: --every-step exited %d; the step is not "
                     "heard" % (step, rc))
                negative = True
        print(json.dumps(rec), flush=True)
        if code:
            break
        if step == a.steps:
            break
        opt.zero_grad()
        loss.backward()
        opt.step()
    if a.ir_out:
        with torch.no_grad():
            h = model.impulse_response(int(round(a.ir_seconds * fs)))
        write_wav(a.ir_out, h, fs)
    return code if code else (1 if negative else 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
