"""Power-of-two scales on AIMET quantizers: snap every scale to 2^e, then freeze it.

AIMET has no power-of-two switch for integer quantizers. What works (issue 13): compute encodings as AIMET
does (min-max, SQNR or percentile analyzers), then for every initialized quantizer replace its scale s by
2^rule(log2 s) with ``set_range(s*(offset+qmin), s*(offset+qmax))`` and freeze it (``requires_grad_(False)``,
``allow_overwrite(False)``). Without freezing, QAT moves the scales off powers of two.

Exponents follow shiftq's convention: scale = 2^-n, so ``x >> n`` is the hardware op.
"""
from __future__ import annotations

import math

import torch

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


def set_pow2_scale(q, log2_scale: torch.Tensor) -> None:
    """Sets the quantizer's scale to exactly 2^log2_scale, keeping its offset and integer range."""
    scale = torch.pow(2.0, log2_scale).to(torch.float32).reshape(q.get_scale().shape)
    offset = q.get_offset().to(torch.float32)
    with torch.no_grad():
        q.set_range(scale * (offset + q.qmin), scale * (offset + q.qmax))


def freeze(q) -> None:
    """Keeps the encoding as it is: no gradient, and compute_encodings may not overwrite it."""
    q.requires_grad_(False)
    q.allow_overwrite(False)


def snap_and_freeze(q, rounding: str) -> None:
    """Snaps an initialized quantizer's scale(s) to powers of two by the shiftq rounding rule, then freezes it."""
    set_pow2_scale(q, snapped_log2(q.get_scale(), SNAP_MODE[rounding]))
    freeze(q)


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


def fake_quant(x: torch.Tensor, n: torch.Tensor, qmin: int, qmax: int) -> torch.Tensor:
    """clamp(round(x * 2^n), qmin, qmax) * 2^-n; n broadcasts against x (per channel: shape C,1,...)."""
    s = torch.pow(2.0, -n.double())
    return torch.clamp(torch.round(x.double() / s), qmin, qmax) * s


def mse_log2_scale(x: torch.Tensor, q, candidates: int = 4) -> torch.Tensor:
    """The ``mse`` rule for a weight: among the no-overflow power of two and the next finer ones, the
    scale with the lowest squared error on the tensor itself (per channel when the quantizer is)."""
    base = snapped_log2(q.get_scale(), "ceil")
    shape = q.get_scale().shape
    xd = x.detach().double()
    reduce_dims = tuple(i for i in range(xd.dim()) if i >= len(shape) or shape[i] == 1) if len(shape) else None
    best, best_err = base.clone(), None
    for k in range(candidates):
        cand = base - k
        err = (fake_quant(xd, -cand.reshape(shape) if len(shape) else -cand, q.qmin, q.qmax) - xd) ** 2
        err = err.sum(dim=reduce_dims, keepdim=True).reshape(shape) if reduce_dims else err.sum()
        if best_err is None:
            best_err = err
        else:
            better = err < best_err
            best = torch.where(better.reshape(best.shape), cand, best)
            best_err = torch.where(better, err, best_err)
    return best


def sqnr_db(x: torch.Tensor, xq: torch.Tensor) -> float:
    """10·log10(Σx² / Σ(x - x̂)²), rounded to 0.01 dB; 200 when there is no noise (as ShiftRecords.java)."""
    signal = float((x.double() ** 2).sum())
    noise = float(((x.double() - xq.double()) ** 2).sum())
    return 200.0 if noise == 0 else round(10 * math.log10(signal / noise), 2) if signal > 0 else 0.0
