"""The data sets: Fashion-MNIST / MNIST IDX files, read as engine/.../data/IdxReader.java reads them (pixels / 255),
held in memory; and image folders (``folders.py``), streamed."""
from __future__ import annotations

import gzip
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
DATASETS = ("FashionMNIST", "MNIST", "ImageFolder")
_IMAGES_MAGIC = 0x00000803
_LABELS_MAGIC = 0x00000801


class DataError(ValueError):
    """A data set that cannot be read; the message names the config key and what to install or set."""


@dataclass
class ImageSet:
    """A split held in memory (IDX files): float32 N x C x H x W and int64 labels."""
    x: torch.Tensor  # float32 N x 1 x H x W in [0, 1] (normalized when data.normalize is set)
    y: torch.Tensor  # int64 N

    def limit(self, n: int) -> ImageSet:
        return self if n <= 0 or n >= len(self.y) else ImageSet(self.x[:n], self.y[:n])

    def __len__(self) -> int:
        return len(self.y)

    def batches(self, batch_size: int, *, max_batches: int = 0, shuffle_seed: int | None = None,
                epoch: int = 0, train: bool = False) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Mini-batches in order, or shuffled by a generator seeded with shuffle_seed + epoch."""
        n = len(self.y) if max_batches <= 0 else min(len(self.y), max_batches * batch_size)
        order = None if shuffle_seed is None else \
            torch.randperm(n, generator=torch.Generator().manual_seed(shuffle_seed + epoch))
        for i in range(0, n, batch_size):
            if order is None:
                yield self.x[i:i + batch_size], self.y[i:i + batch_size]
            else:
                idx = order[i:i + batch_size]
                yield self.x[idx], self.y[idx]

    def transformed(self, resize: tuple[int, int] | None, normalize: dict | None) -> ImageSet:
        """Resized (bilinear, half-pixel centres, float32: the engine's ImageSet.resized) then normalized, once."""
        x = self.x
        if resize is not None and tuple(x.shape[2:]) != resize:
            x = F.interpolate(x, size=resize, mode="bilinear", align_corners=False)
        if normalize is not None:
            mean, std = _channel_stats(normalize, x.shape[1])
            x = (x - mean.reshape(1, -1, 1, 1)) / std.reshape(1, -1, 1, 1)
        return ImageSet(x, self.y)


def resize_to(resize, h: int, w: int) -> tuple[int, int] | None:
    """DataConfig.resizeTo: [h, w] as given, or the shorter side to one size and the longer int(size * long / short)."""
    if resize is None:
        return None
    sizes = resize if isinstance(resize, list) else [resize]
    if len(sizes) == 2:
        return sizes[0], sizes[1]
    s = sizes[0]
    return (s, int(s * w / h)) if h <= w else (int(s * h / w), s)


def _channel_stats(normalize: dict, channels: int) -> tuple[torch.Tensor, torch.Tensor]:
    mean, std = normalize["mean"], normalize["std"]
    if len(mean) != channels:
        raise DataError(f"data.normalize: {len(mean)} means and stds for images of {channels} channel(s); give one "
                        "per channel")
    return torch.tensor(mean, dtype=torch.float32), torch.tensor(std, dtype=torch.float32)


def _find(directory: Path, base: str) -> Path:
    for candidate in (base + ".gz", base, base.replace("-idx", ".idx")):
        p = directory / candidate
        if p.is_file():
            return p
    raise DataError(f"data.path: {directory / base}[.gz] not found. Install the data set (Fashion-MNIST: "
                    "apt-get install dataset-fashion-mnist, files in /usr/share/datasets/fashion-mnist/) "
                    "or set data.path to a directory holding the IDX files")


def _read(p: Path) -> bytes:
    opener = gzip.open if p.name.endswith(".gz") else open
    with opener(p, "rb") as f:
        return f.read()


def read_split(directory: Path, prefix: str) -> ImageSet:
    """``<prefix>-images-idx3-ubyte[.gz]`` and ``<prefix>-labels-idx1-ubyte[.gz]``."""
    images, labels = _find(directory, prefix + "-images-idx3-ubyte"), _find(directory, prefix + "-labels-idx1-ubyte")
    raw, lraw = _read(images), _read(labels)
    magic, n, rows, cols = struct.unpack(">IIII", raw[:16])
    if magic != _IMAGES_MAGIC:
        raise DataError(f"{images} is not an IDX file of the expected kind (magic {magic:x})")
    lmagic, nl = struct.unpack(">II", lraw[:8])
    if lmagic != _LABELS_MAGIC:
        raise DataError(f"{labels} is not an IDX file of the expected kind (magic {lmagic:x})")
    if nl != n:
        raise DataError(f"{images} holds {n} images but {labels} holds {nl} labels")
    pixels = np.frombuffer(raw, dtype=np.uint8, count=n * rows * cols, offset=16).astype(np.float32) / 255.0
    y = np.frombuffer(lraw, dtype=np.uint8, count=n, offset=8).astype(np.int64)
    return ImageSet(torch.from_numpy(pixels.reshape(n, 1, rows, cols)), torch.from_numpy(y.copy()))


def load(name: str, path: str | None, train_limit: int, test_limit: int) -> tuple[ImageSet, ImageSet]:
    """Train and test splits cut to the configured limits (0 = all)."""
    if name not in DATASETS:
        raise DataError(f"data.dataset: '{name}' is not one of {', '.join(DATASETS)}")
    if not path:
        if name != "FashionMNIST":
            raise DataError(f"data.path: required for {name} (a directory with its files)")
        path = FASHION_MNIST_DIR
    d = Path(path)
    return read_split(d, "train").limit(train_limit), read_split(d, "t10k").limit(test_limit)
