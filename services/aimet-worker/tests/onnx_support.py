"""A small ONNX classifier (conv, residual add, pools, concat, linear) exported by PyTorch, and a small image folder
of Fashion-MNIST PNGs, for the tests of ``model.path`` and ``data.dataset: ImageFolder``."""
from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image
from torch import nn

from shiftq_aimet import data


class Small(nn.Module):
    """Conv+ReLU, a residual block with an Add, max and average pools concatenated, then a linear layer."""

    def __init__(self, classes: int):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, 1, 1), nn.BatchNorm2d(8), nn.ReLU())
        self.conv = nn.Conv2d(8, 8, 3, 1, 1)
        self.relu = nn.ReLU()
        self.max = nn.MaxPool2d(4, 4)
        self.avg = nn.AvgPool2d(4, 4)
        self.fc = nn.Linear(16 * 7 * 7, classes)

    def forward(self, x):
        x = self.stem(x)
        x = self.relu(self.conv(x) + x)
        return self.fc(torch.flatten(torch.cat([self.max(x), self.avg(x)], 1), 1))


def export(directory: Path, classes: int = 3, name: str = "small.onnx") -> Path:
    """The model, with random weights (seed 0), exported as the docs tell users to (TorchScript exporter)."""
    torch.manual_seed(0)
    model = Small(classes).eval()
    path = directory / name
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), str(path), dynamo=False, opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    return path


def image_folder(directory: Path, classes: int = 3, train: int = 24, val: int = 12) -> Path:
    """``train/<class>/*.png`` and ``val/<class>/*.png`` from the first Fashion-MNIST images of the classes, 30x30
    (padded, so a crop has work to do), numbered across classes."""
    images = data.read_split(Path(data.FASHION_MNIST_DIR), "t10k")
    picked: dict[int, list[int]] = {c: [] for c in range(classes)}
    for i, y in enumerate(images.y.tolist()):
        if y < classes and len(picked[y]) < (train + val) // classes:
            picked[y].append(i)
    for c, idx in picked.items():
        for k, i in enumerate(idx):
            split = "train" if k < train // classes else "val"
            d = directory / split / f"class{c}"
            d.mkdir(parents=True, exist_ok=True)
            pixels = (images.x[i, 0] * 255).round().to(torch.uint8).numpy()
            img = Image.new("L", (30, 30))
            img.paste(Image.fromarray(pixels), (1, 1))
            img.save(d / f"{i:05d}.png")
    return directory
