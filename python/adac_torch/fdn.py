"""A differentiable feedback delay network, exactly as adac-lower reads it.

The native fdn spec (man/adac-lower.1) defines, for N lines of m_i samples,

    v[n]   = b*x[n] + A*s[n]              delay-line inputs
    s_i[n] = g_i * v_i[n - m_i]           delay-line outputs
    y[n]   = c.s[n] + d*x[n]

with the per-line gains written as one-section "absorption" filters
[g_i, 0, 0, 0, 0].  FDN.impulse_response() computes that recursion in the
time domain, in double, with the very numbers FDN.spec() exports, so the
response it returns is the response of the model that ships: adac-diff
compares it with the emitted FAUST program (tests/cli/train.bats).

Parameters, all float64:
    skew      N x N; A = expm(W - W^T) is orthogonal for any W
    log_t60   N; g_i = 10^(-3 m_i / (fs T_i)) with T_i = exp(log_t60_i),
              so 0 < g_i < 1 and the loop is stable whatever the optimiser
              does (|A| = 1, every |g_i| < 1: small gain)
    b, c      N input and output gains
    d         the direct gain
"""

import math

import torch

DTYPE = torch.float64


class FDN(torch.nn.Module):
    """One input, one output, N lines of fixed integer lengths."""

    def __init__(self, delays, fs=48000, t60_s=1.0, seed=0, name="trained"):
        super().__init__()
        delays = [int(m) for m in delays]
        if not delays or min(delays) < 1:
            raise ValueError("delays must be whole numbers of samples >= 1")
        self.delays = delays
        self.fs = float(fs)
        self.name = name
        n = len(delays)
        gen = torch.Generator().manual_seed(seed)
        # a random start: a skew part of order 1 gives a dense matrix, which
        # structure recognition leaves as data (an exact identity would be
        # claimed "diagonal" and emitted as a constant, not a live value)
        self.skew = torch.nn.Parameter(
            torch.randn(n, n, generator=gen, dtype=DTYPE))
        self.log_t60 = torch.nn.Parameter(
            torch.full((n,), math.log(t60_s), dtype=DTYPE))
        sign = torch.where(torch.rand(n, generator=gen, dtype=DTYPE) < 0.5,
                           -1.0, 1.0).to(DTYPE)
        self.b = torch.nn.Parameter(sign / math.sqrt(n))
        self.c = torch.nn.Parameter(
            (torch.rand(n, generator=gen, dtype=DTYPE) + 0.5) / math.sqrt(n))
        # not 0: an energy loss sees d only as d^2, whose gradient at 0 is 0
        self.d = torch.nn.Parameter(
            0.2 * torch.rand((), generator=gen, dtype=DTYPE) - 0.1)

    def matrix(self):
        """The feedback matrix A, orthogonal by construction."""
        return torch.matrix_exp(self.skew - self.skew.T)

    def gains(self):
        """Per-line absorption gains g_i (Jot's rule from each line's T60)."""
        m = torch.tensor(self.delays, dtype=DTYPE)
        return torch.pow(10.0, -3.0 * m / (self.fs * torch.exp(self.log_t60)))

    def values(self):
        """(A, g, b, c, d): the numbers that are exported and simulated."""
        return self.matrix(), self.gains(), self.b, self.c, self.d

    def impulse_response(self, n):
        """The response to a unit impulse, n samples, differentiable.

        Every line is at least L = min(m_i) samples long, so the outputs
        of all lines over a block of L samples depend only on line inputs
        from before the block: the recursion runs a block at a time, each
        block exact (no truncation, no frequency sampling).
        """
        a, g, b, c, d = self.values()
        lines = len(self.delays)
        step = min(self.delays)
        vs = []                                 # blocks of v, in order
        ys = []
        t = 0
        while t < n:
            size = min(step, n - t)
            past = torch.cat(vs) if vs else torch.zeros(0, lines, dtype=DTYPE)
            cols = []
            for i, m in enumerate(self.delays):
                lo, hi = t - m, t - m + size    # hi <= t: all in the past
                if hi <= 0:
                    cols.append(torch.zeros(size, dtype=DTYPE))
                elif lo < 0:
                    cols.append(torch.cat([torch.zeros(-lo, dtype=DTYPE),
                                           past[0:hi, i]]))
                else:
                    cols.append(past[lo:hi, i])
            s = torch.stack(cols, dim=1) * g    # s[n] = g * v[n - m]
            v = s @ a.T                          # v[n] = A s[n] + b x[n]
            y = s @ c                            # y[n] = c.s[n] + d x[n]
            if t == 0:                           # x = the impulse at n = 0
                v = v + torch.cat([b.unsqueeze(0),
                                   torch.zeros(size - 1, lines, dtype=DTYPE)])
                y = y + torch.cat([d.reshape(1),
                                   torch.zeros(size - 1, dtype=DTYPE)])
            vs.append(v)
            ys.append(y)
            t += size
        return torch.cat(ys)

    def spec(self):
        """The model as an adac fdn spec (a dict ready for json.dump)."""
        a, g, b, c, d = (x.detach() for x in self.values())
        return {
            "fdn": 1,
            "name": self.name,
            "fs": self.fs if self.fs != int(self.fs) else int(self.fs),
            "delays": list(self.delays),
            "matrix": a.tolist(),
            "b": b.tolist(),
            "c": c.tolist(),
            "d": float(d),
            "absorption": {"sos": [[[gi, 0, 0, 0, 0] for gi in g.tolist()]]},
        }


def edc_db(h, floor_db=-300.0):
    """Energy decay curve in dB: 10 log10 of the energy from n onwards.

    Schroeder's backward integral of h^2 over the samples given, not
    normalised, so that the level counts as well as the decay.
    """
    e = torch.flip(torch.cumsum(torch.flip(h * h, [0]), 0), [0])
    return 10.0 * torch.log10(e + 10.0 ** (floor_db / 10.0))
