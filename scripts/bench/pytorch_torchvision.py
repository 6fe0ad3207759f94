#!/usr/bin/env python3
"""The PyTorch peer of shiftq's engine benchmark at real size (scripts/bench/realsize.sh): a torchvision
classifier (resnet18, mobilenet_v2, ...) at 3x224x224, batch 32, BatchNorm folded into its convolutions (shiftq
trains the folded network), every Conv2d and Linear weight fake-quantized by torch.nn.utils.parametrize with the
same weight-only power-of-two rule as scripts/bench/pytorch_vgg.py (max rule, 8 bits, clipped STE, half-up
rounding), AdamW (lr 1e-4, default weight decay 0.01).

Prints one JSON line: ms per QAT training step and FP32 evaluation images/s.
Usage: pytorch_torchvision.py MODEL THREADS STEPS EVAL_BATCHES [SIZE] [BATCH]
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.parametrize as parametrize
import torchvision
from torch.nn.utils.fusion import fuse_conv_bn_eval
from pow2_fake_quant import fake_quant



class Pow2Weight(nn.Module):
    """The weight as the forward pass sees it: fake-quantized to 8-bit power-of-two codes."""

    def forward(self, w):
        return fake_quant(w, 8)


def fold_batchnorm(module):
    """Folds every BatchNorm2d that directly follows a Conv2d among a module's children (torchvision's resnet and
    mobilenet_v2 declare them in that order) into the convolution, leaving an Identity in its place."""
    names = list(module._modules)
    for a, b in zip(names, names[1:]):
        conv, bn = module._modules[a], module._modules[b]
        if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
            module._modules[a] = fuse_conv_bn_eval(conv, bn)
            module._modules[b] = nn.Identity()
    for child in module.children():
        fold_batchnorm(child)


def main():
    name, threads, steps, eval_batches = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    size = int(sys.argv[5]) if len(sys.argv) > 5 else 224
    batch = int(sys.argv[6]) if len(sys.argv) > 6 else 32
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None).eval()
    fold_batchnorm(model)
    left = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if left:
        sys.exit(f"{name}: {len(left)} BatchNorm layers do not follow a Conv2d and were not folded")
    layers = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    for m in layers:
        parametrize.register_parametrization(m, "weight", Pow2Weight())
    # Dropout (mobilenet_v2's classifier) stays in training mode as in a real QAT epoch; the engine's does too.
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    x = torch.rand(batch, 3, size, size)
    y = torch.randint(0, 1000, (batch,))

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(2):  # warm-up
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    step_ms = (time.perf_counter() - t0) / steps * 1000

    for m in layers:
        parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    model.eval()
    with torch.no_grad():
        model(x)
        t0 = time.perf_counter()
        for _ in range(eval_batches):
            model(x)
        ips = eval_batches * batch / (time.perf_counter() - t0)
    print(json.dumps({"peer": "pytorch " + torch.__version__, "model": name, "threads": threads,
                      "batch": batch, "size": size, "qat_step_ms": round(step_ms, 1),
                      "eval_images_per_s": round(ips, 1)}))


if __name__ == "__main__":
    main()
