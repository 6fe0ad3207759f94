"""Makes the ONNX test models of issue 9: a ResNet-style and a MobileNetV2-style network, trained
briefly on Fashion-MNIST with normalized inputs in PyTorch and written with torch.onnx.export.

    python scripts/models/make_onnx_models.py [--out engine/src/test/resources/onnx] [--epochs 1]

Writes <out>/resnet_style.onnx, <out>/mobilenet_style.onnx and <out>/models.json (normalization,
PyTorch test accuracy, the versions that made them). Deterministic for a given torch build: seed 0,
one thread.

ResNet-style (exported in eval mode: the exporter folds BatchNorm into the convolutions): a stem,
an identity residual block, a strided block with a 1x1 downsample shortcut, then AveragePool 2x2
and MaxPool 2x2 of the same tensor joined by Concat, Flatten, Dropout, Gemm.

MobileNetV2-style (exported with TrainingMode.PRESERVE from eval mode, so BatchNormalization nodes
stay in the graph and the engine folds them): inverted residual blocks of 1x1 expand, 3x3
depthwise (groups = channels), 1x1 linear projection, ReLU6 (Clip 0..6), residual Adds where the
shapes allow, a 1x1 head, GlobalAveragePool (7x7), Flatten, Gemm.
"""

import argparse
import gzip
import json
import pathlib
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN = 0.2860
STD = 0.3530
DATA = pathlib.Path("/usr/share/datasets/fashion-mnist")


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, n = struct.unpack(">II", raw[:8])
    if magic == 2051:
        h, w = struct.unpack(">II", raw[8:16])
        return np.frombuffer(raw, np.uint8, offset=16).reshape(n, 1, h, w)
    return np.frombuffer(raw, np.uint8, offset=8)


def load(split):
    images = idx(DATA / f"{split}-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    labels = idx(DATA / f"{split}-labels-idx1-ubyte.gz").astype(np.int64)
    return torch.from_numpy((images - MEAN) / STD), torch.from_numpy(labels)


def conv_bn(cin, cout, k, stride=1, groups=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv_bn(cin, cout, 3, stride)
        self.conv2 = conv_bn(cout, cout, 3)
        self.downsample = conv_bn(cin, cout, 1, stride) if stride != 1 or cin != cout else None

    def forward(self, x):
        y = self.conv2(F.relu(self.conv1(x)))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNetStyle(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(1, 16, 3), nn.ReLU())
        self.layer1 = Block(16, 16, 1)
        self.layer2 = Block(16, 32, 2)
        self.avg = nn.AvgPool2d(2)
        self.max = nn.MaxPool2d(2)
        self.drop = nn.Dropout(0.1)
        self.fc = nn.Linear(64 * 7 * 7, classes)

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem(x)))
        x = torch.cat([self.avg(x), self.max(x)], 1)
        return self.fc(self.drop(torch.flatten(x, 1)))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.expand = nn.Sequential(conv_bn(cin, hidden, 1), nn.ReLU6())
        self.depthwise = nn.Sequential(conv_bn(hidden, hidden, 3, stride, groups=hidden), nn.ReLU6())
        self.project = conv_bn(hidden, cout, 1)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.project(self.depthwise(self.expand(x)))
        return x + y if self.residual else y


class MobileNetStyle(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(1, 16, 3), nn.ReLU6())
        self.blocks = nn.Sequential(
            InvertedResidual(16, 16, 1, 2),
            InvertedResidual(16, 24, 2, 4),
            InvertedResidual(24, 24, 1, 4),
            InvertedResidual(24, 32, 2, 4))
        self.head = nn.Sequential(conv_bn(32, 64, 1), nn.ReLU6())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.pool(self.head(self.blocks(self.stem(x))))
        return self.fc(torch.flatten(x, 1))


def train(model, x, y, epochs, batch=128, lr=2e-3):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(0)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=g)
        for k in range(0, len(x), batch):
            idx_ = order[k:k + batch]
            opt.zero_grad()
            F.cross_entropy(model(x[idx_]), y[idx_]).backward()
            opt.step()
    model.eval()


@torch.no_grad()
def accuracy(model, x, y):
    return 100.0 * sum((model(x[k:k + 1000]).argmax(1) == y[k:k + 1000]).sum().item()
                       for k in range(0, len(x), 1000)) / len(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default="engine/src/test/resources/onnx")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--train-limit", type=int, default=0, help="0 = all 60000 training images")
    a = p.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    xtr, ytr = load("train")
    if a.train_limit:
        xtr, ytr = xtr[:a.train_limit], ytr[:a.train_limit]
    xte, yte = load("t10k")
    info = {"normalize": {"mean": [MEAN], "std": [STD]}, "epochs": a.epochs,
            "train_images": len(xtr), "torch": torch.__version__, "models": {}}
    for name, model, mode in [
            ("resnet_style", ResNetStyle(), torch.onnx.TrainingMode.EVAL),
            ("mobilenet_style", MobileNetStyle(), torch.onnx.TrainingMode.PRESERVE)]:
        train(model, xtr, ytr, a.epochs)
        acc = accuracy(model, xte, yte)
        path = out / f"{name}.onnx"
        torch.onnx.export(model, xte[:1], str(path), dynamo=False, opset_version=13, training=mode,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
        info["models"][name] = {"file": path.name, "pytorch_test_accuracy": round(acc, 2),
                                "parameters": sum(t.numel() for t in model.parameters())}
        print(f"{name}: test accuracy {acc:.2f}% -> {path} ({path.stat().st_size} bytes)", flush=True)
    (out / "models.json").write_text(json.dumps(info, indent=2) + "\n")


if __name__ == "__main__":
    main()
