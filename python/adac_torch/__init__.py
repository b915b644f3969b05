"""adac_torch: train a feedback delay network in PyTorch and ship each step.

fdn.FDN is the differentiable model; export writes it as the native fdn
spec that adac-lower reads (man/adac-lower.1, "The fdn format") and its
impulse response as a float64 WAV; pipeline runs adac-lower | adac-certify
| adac-emit --live on an export and replaces the program only when all
three succeed.
"""

from .fdn import FDN, edc_db
from .export import write_spec, write_wav
from .pipeline import run_pipeline, PipelineResult

__all__ = ["FDN", "edc_db", "write_spec", "write_wav", "run_pipeline",
           "PipelineResult"]
