"""Power-of-two scales on AIMET quantizers: snap every scale to 2^e, then freeze it.

AIMET has no power-of-two switch for integer quantizers. What works (issue 13): compute encodings as AIMET
does (min-max, SQNR or percentile analyzers), then replace each scale s by 2^rule(log2 s) with
``set_range(s*qmin, s*qmax)`` (zero offset; quant.py does this) and freeze the quantizer
(``requires_grad_(False)``, ``allow_overwrite(False)``). Without freezing, QAT moves the scales off powers
of two.

Exponents follow shiftq's convention: scale = 2^-n, so ``x >> n`` is the hardware op.
"""
from __future__ import annotations

import math

import torch

from . import schemas

#: shiftq's ``rounding`` key -> how log2 of AIMET's scale becomes an integer (see README "What maps to what").
SNAP_MODE = {"max": "ceil", "round": "round", "mse": "round", "percentile": "ceil"}

# log2 of a scale AIMET computed in float32 can land a hair above an integer; this keeps ceil() from
# jumping a whole exponent for it.
_LOG2_TOLERANCE = 1e-6


def snapped_log2(scale: torch.Tensor, mode: str) -> torch.Tensor:
    """Integer log2 of each scale: ``ceil`` (no overflow: the scale only grows) or ``round``."""
    lg = torch.log2(scale.detach().double())
    if mode == "ceil":
        return torch.ceil(lg - _LOG2_TOLERANCE)
    if mode == "round":
        return torch.round(lg)
    raise ValueError(f"snap mode '{mode}' is not one of ceil, round")


def freeze(q) -> None:
    """Keeps the encoding as it is: no gradient, and compute_encodings may not overwrite it."""
    q.requires_grad_(False)
    q.allow_overwrite(False)


def exponents(q) -> list[int]:
    """shiftq exponents n (scale = 2^-n) of a quantizer, one per channel (one for per-tensor)."""
    scale = q.get_scale().detach().double().flatten()
    out = []
    for s in scale.tolist():
        mantissa, exp = math.frexp(s)
        if mantissa != 0.5:
            raise ValueError(f"scale {s!r} is not an exact power of two")
        out.append(-(exp - 1))
    return out


def is_pow2(x: float) -> bool:
    """True when x is exactly 2^k for an integer k."""
    return x > 0 and math.frexp(x)[0] == 0.5


def sqnr_db(x: torch.Tensor, xq: torch.Tensor) -> float:
    """10·log10(Σx² / Σ(x - x̂)²), rounded to 0.01 dB; conventions.json's sqnr_db_without_noise (200) when
    there is no noise (as ShiftRecords.java)."""
    signal = float((x.double() ** 2).sum())
    noise = float(((x.double() - xq.double()) ** 2).sum())
    return schemas.conventions()["sqnr_db_without_noise"] if noise == 0 else round(10 * math.log10(signal / noise), 2) if signal > 0 else 0.0


def _half_up(t: torch.Tensor) -> torch.Tensor:
    return torch.floor(t + 0.5)


def _half_up_(t: torch.Tensor) -> torch.Tensor:
    return t.add_(0.5).floor_()


def round_half_up() -> None:
    """Makes AIMET's quantizers round half up, floor(x / s + 0.5), as the integer path's shift does (add 2^(s-1),
    then shift) and as the shift records say (``value_rounding: half_up``); AIMET rounds half to even by default
    (torch.round), which differs from the hardware at every exact tie. aimet-torch 2.42.0 has this hook as
    ``torch_builtins._set_round_fn`` (its public ``use_c_round`` rounds half away from zero, which differs from half up
    for negative ties); test_pow2 checks that it takes."""
    from aimet_torch.quantization.affine.backends import torch_builtins
    torch_builtins._set_round_fn(_half_up, _half_up_)

