"""The built-in architectures of engine/.../model/BuiltinModels.java in PyTorch, with the same layer names.

VGGSmall: ``features.0`` conv, ``features.1`` BatchNorm, ``features.2`` ReLU, ... ``classifier.0`` Linear,
``classifier.3`` Linear. LeNet5 and ResNetSmall follow the Java builders line by line.
"""
from __future__ import annotations

from torch import nn

BUILTIN = ("VGGSmall", "LeNet5", "ResNetSmall")


def _conv_bn_relu(cin: int, cout: int) -> list[nn.Module]:
    # NetworkBuilder.convBnRelu: 3x3, padding kernel/2, no bias (a BatchNorm follows), eps 1e-5, momentum 0.1.
    return [nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1), nn.ReLU()]


class VGGSmall(nn.Module):
    """Two blocks of two 3x3 conv+BN+ReLU (32 then 64 channels) with max pooling, then 128-unit MLP."""

    def __init__(self, num_classes: int = 10, c: int = 1, h: int = 28, w: int = 28):
        super().__init__()
        self.features = nn.Sequential(
            *_conv_bn_relu(c, 32), *_conv_bn_relu(32, 32), nn.MaxPool2d(2, 2),
            *_conv_bn_relu(32, 64), *_conv_bn_relu(64, 64), nn.MaxPool2d(2, 2))
        self.flatten = nn.Flatten()
        self.classifier = nn.Sequential(
            nn.Linear(64 * (h // 4) * (w // 4), 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, num_classes))

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))


class LeNet5(nn.Module):
    """LeNet-5 with ReLU and max pooling (5x5 convolutions, 120-84 classifier)."""

    def __init__(self, num_classes: int = 10, c: int = 1, h: int = 28, w: int = 28):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(c, 6, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(6, 16, 5, 1, 0), nn.ReLU(), nn.MaxPool2d(2, 2))
        self.flatten = nn.Flatten()
        flat = 16 * ((h // 2 - 4) // 2) * ((w // 2 - 4) // 2)
        self.classifier = nn.Sequential(
            nn.Linear(flat, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))


try:  # AIMET's own elementwise Add, so QuantizationSimModel places a quantizer on it; plain torch otherwise.
    from aimet_torch._base.nn.modules.custom import Add as _Add
except ImportError:  # pragma: no cover - the worker's environment always has aimet-torch
    class _Add(nn.Module):  # type: ignore[no-redef]
        """The residual add as a module, so it has a name (``layer1.0.add``)."""

        def forward(self, a, b):
            return a + b


class _Residual(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))
        self.add = _Add()
        self.relu2 = nn.ReLU()

    def forward(self, x):
        main = self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x)))))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu2(self.add(main, shortcut))


class ResNetSmall(nn.Module):
    """16-channel stem, an identity block, a strided block with a 1x1 downsample (32 channels), pool, fc."""

    def __init__(self, num_classes: int = 10, c: int = 1, h: int = 28, w: int = 28):
        super().__init__()
        self.stem = nn.Sequential(*_conv_bn_relu(c, 16))
        self.layer1 = nn.Sequential(_Residual(16, 16, 1))
        self.layer2 = nn.Sequential(_Residual(16, 32, 2))
        self.pool = nn.MaxPool2d(2, 2)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(32 * (h // 4) * (w // 4), num_classes)

    def forward(self, x):
        return self.fc(self.flatten(self.pool(self.layer2(self.layer1(self.stem(x))))))


def create(name: str, num_classes: int, c: int = 1, h: int = 28, w: int = 28) -> nn.Module:
    """The named architecture; ValueError names the allowed ones."""
    classes = {"VGGSmall": VGGSmall, "LeNet5": LeNet5, "ResNetSmall": ResNetSmall}
    if name not in classes:
        raise ValueError(f"model.name: '{name}' is not one of {', '.join(BUILTIN)}")
    return classes[name](num_classes, c, h, w)


def quantized_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Conv2d and Linear modules in forward order, by their model names (``features.0``...)."""
    return [(n, m) for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
