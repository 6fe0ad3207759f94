"""The weight-only power-of-two fake quantization both PyTorch peers of shiftq's engine benchmarks use
(scripts/bench/pytorch_vgg.py, pytorch_torchvision.py): max rule, clipped straight-through estimator, half-up
rounding, as shiftq's engine trains."""
import math

import torch


def fake_quant(w, bits):
    """w fake-quantized to `bits`-bit codes times 2^-n, n the largest exponent at which max |w| still fits."""
    qmax = 2 ** (bits - 1) - 1
    n = math.floor(math.log2(qmax / w.detach().abs().max().item()))
    s = 2.0 ** n
    clipped = torch.clamp(w * s, -qmax - 1, qmax)
    return (clipped + (torch.floor(clipped + 0.5) - clipped).detach()) / s
