#!/usr/bin/env python3
"""The PyTorch peer of shiftq's engine benchmark: the same VGGSmall, the same weight-only
power-of-two fake quantization (max rule, clipped STE, half-up rounding), the same batch size.

Prints one JSON line: ms per QAT training step and FP32 evaluation images/s.
Usage: pytorch_vgg.py THREADS STEPS EVAL_BATCHES
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from pow2_fake_quant import fake_quant

threads, steps, eval_batches = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.set_num_interop_threads(1)
torch.manual_seed(0)


def conv_block(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU()]


class VGGSmall(nn.Module):
    """Folded VGGSmall (BatchNorm already folded, as shiftq trains it in QAT)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(*conv_block(1, 32), *conv_block(32, 32), nn.MaxPool2d(2),
                                      *conv_block(32, 64), *conv_block(64, 64), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))
        self.quantize = False

    def forward(self, x):
        for m in self.features:
            x = self._run(m, x)
        x = torch.flatten(x, 1)
        for m in self.classifier:
            x = self._run(m, x)
        return x

    def _run(self, m, x):
        if self.quantize and isinstance(m, (nn.Conv2d, nn.Linear)):
            w = fake_quant(m.weight, 8)
            return F.conv2d(x, w, m.bias, padding=1) if isinstance(m, nn.Conv2d) else F.linear(x, w, m.bias)
        return m(x)


model = VGGSmall()
model.quantize = True
opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
x = torch.rand(64, 1, 28, 28)
y = torch.randint(0, 10, (64,))
for i in range(3):  # warm-up
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()
t0 = time.perf_counter()
for i in range(steps):
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()
step_ms = (time.perf_counter() - t0) / steps * 1000

model.quantize = False
model.eval()
with torch.no_grad():
    model(x)
    t0 = time.perf_counter()
    for i in range(eval_batches):
        model(x)
    ips = eval_batches * 64 / (time.perf_counter() - t0)
print(json.dumps({"peer": "pytorch " + torch.__version__, "threads": threads, "qat_step_ms": round(step_ms, 1),
                  "eval_images_per_s": round(ips, 1)}))
