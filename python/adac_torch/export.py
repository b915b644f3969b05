"""Write a model and its impulse response atomically.

A reader (adac-lower, the --every-step command, adac-live watching the
emitted program) must never see half a file: each write goes to a
temporary file in the same directory, is flushed to disk, and is renamed
over the destination.
"""

import json
import os
import tempfile


def _atomic(path, write):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path),
                               suffix=".tmp", dir=directory)
    umask = os.umask(0)
    os.umask(umask)
    try:
        # a new file's usual mode, not mkstemp's 0600
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_spec(model, path):
    """Write model.spec() to path as JSON; return the text written.

    Python writes a float as the shortest text that reads back to the same
    double, so adac-lower gets the trained values bit for bit.  NaN or
    infinity (a diverged step) raises ValueError before anything is
    written.
    """
    text = json.dumps(model.spec(), allow_nan=False, indent=1) + "\n"
    _atomic(path, lambda f: f.write(text.encode()))
    return text


def write_wav(path, h, fs):
    """Write a response as a mono WAV of 64-bit floats (or raw doubles).

    A name ending in .raw gets headerless native float64.  adac-diff
    treats a 64-bit float file as double precision, so a double response
    is compared at the double tolerance.
    """
    import numpy as np

    data = np.ascontiguousarray(
        h.detach().cpu().numpy() if hasattr(h, "detach") else h,
        dtype=np.float64)
    if path.endswith(".raw"):
        _atomic(path, lambda f: f.write(data.tobytes()))
        return
    import soundfile

    def write(f):
        soundfile.write(f, data, int(fs), subtype="DOUBLE", format="WAV")

    _atomic(path, write)
