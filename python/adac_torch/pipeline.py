"""Run adac-lower | adac-certify | adac-emit --live on one exported step.

The program a running adac-live plays is replaced only when every stage
succeeded: adac-emit writes a temporary file next to the program, and
that file is renamed over it only then.  A step whose certificate fails
(adac-certify exit 1) never reaches the listener; the result says why.
"""

import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass


@dataclass
class PipelineResult:
    """What became of one step.

    status: "emitted" (program replaced), "unchanged" (same text as the
    running program, nothing written), "rejected" (not certified, program
    kept) or "failed" (a stage failed otherwise, program kept).
    message: one line for a human when not emitted.
    ms: wall time of the three stages and the rename.
    """
    status: str
    message: str = ""
    ms: float = 0.0
    verdict: str = ""


def _run(argv, data=None):
    p = subprocess.run(argv, input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    err = p.stderr.decode(errors="replace").strip().splitlines()
    return p.returncode, p.stdout, (err[0] if err else "")


def run_pipeline(spec_path, dsp_path, emit_args=("--live",), bindir=None):
    """Lower, certify and emit spec_path; replace dsp_path on success only."""
    def tool(name):
        return os.path.join(bindir, name) if bindir else name

    t0 = time.monotonic()

    def done(status, message="", verdict=""):
        return PipelineResult(status, message,
                              (time.monotonic() - t0) * 1000.0, verdict)

    rc, ir, err = _run([tool("adac-lower"), spec_path])
    if rc != 0:
        return done("failed", err or "adac-lower exit %d" % rc)
    rc, cert, err = _run([tool("adac-certify")], ir)
    verdict = ""
    try:
        verdict = json.loads(cert)["certificate"]["verdict"]
    except (ValueError, KeyError, TypeError):
        pass
    if rc == 1:
        return done("rejected", "not certified: verdict '%s'" % verdict,
                    verdict)
    if rc != 0:
        return done("failed", err or "adac-certify exit %d" % rc, verdict)
    directory = os.path.dirname(os.path.abspath(dsp_path))
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(dsp_path),
                               suffix=".tmp", dir=directory)
    os.close(fd)
    # adac-emit -o keeps the mode of the file it replaces: let it create
    # the temporary itself, with the mode a new file gets
    os.unlink(tmp)
    try:
        rc, _, err = _run([tool("adac-emit"), *emit_args, "-o", tmp],
                          cert)
        if rc != 0:
            return done("rejected" if rc == 1 else "failed",
                        err or "adac-emit exit %d" % rc, verdict)
        with open(tmp, "rb") as f:
            new = f.read()
        try:
            with open(dsp_path, "rb") as f:
                if f.read() == new:
                    return done("unchanged", "", verdict)
        except FileNotFoundError:
            pass
        os.replace(tmp, dsp_path)
        tmp = None
        return done("emitted", "", verdict)
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
