"""Fashion-MNIST / MNIST IDX files, read as engine/.../data/IdxReader.java reads them (pixels / 255, no mean)."""
from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
DATASETS = ("FashionMNIST", "MNIST")
_IMAGES_MAGIC = 0x00000803
_LABELS_MAGIC = 0x00000801


class DataError(ValueError):
    """A data set that cannot be read; the message names the config key and what to install or set."""


@dataclass
class ImageSet:
    x: torch.Tensor  # float32 N x 1 x H x W in [0, 1]
    y: torch.Tensor  # int64 N

    def limit(self, n: int) -> ImageSet:
        return self if n <= 0 or n >= len(self.y) else ImageSet(self.x[:n], self.y[:n])


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
        raise DataError(f"data.dataset: '{name}' is not one of {', '.join(DATASETS)} (the aimet variant reads IDX files only)")
    if not path:
        if name != "FashionMNIST":
            raise DataError(f"data.path: required for {name} (a directory with its files)")
        path = FASHION_MNIST_DIR
    d = Path(path)
    return read_split(d, "train").limit(train_limit), read_split(d, "t10k").limit(test_limit)
