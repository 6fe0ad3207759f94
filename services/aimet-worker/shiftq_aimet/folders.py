"""``data.dataset: ImageFolder``: ``<data.path>/train/<class>/*`` and ``<data.path>/val/<class>/*``, decoded with PIL
and transformed with torchvision, streamed through a DataLoader (``data.workers``, ``data.prefetch``).

The same reading as the engine's image-folder loader (docs/data.md): classes are the sorted directory names of
``train/``; only .png/.jpg/.jpeg files are read, ordered by file name across classes; one channel when the first image
is grey (``convert("L")``), else ``convert("RGB")``; evaluation is Resize -> CenterCrop -> ToTensor -> Normalize,
training RandomResizedCrop (or the evaluation crop) and RandomHorizontalFlip, drawn from a generator seeded per image
by training.seed, the epoch and the image's index, so a run repeats whichever worker decodes which image.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms as T

from .config import DataConfig
from .data import DataError

LOG = logging.getLogger("shiftq_aimet.folders")
EXTENSIONS = (".png", ".jpg", ".jpeg")


def _listing(split_dir: Path, classes: list[str], skip: bool, root: str) -> list[tuple[Path, int]]:
    files, skipped, other = [], [], 0
    for label, c in enumerate(classes):
        d = split_dir / c
        if not d.is_dir():
            continue
        for f in d.iterdir():
            if f.suffix.lower() not in EXTENSIONS:
                other += 1
                continue
            try:
                with Image.open(f) as im:  # the header only, as the engine lists a folder
                    im.size  # noqa: B018 - reading the size is the check
                files.append((f, label))
            except (OSError, ValueError) as e:
                if not skip:
                    raise DataError(f"data.path: {f} cannot be read as an image ({type(e).__name__}: {e}) in "
                                    f"{root}; remove it or set data.skip_unreadable: true") from e
                skipped.append(f.name)
    if other:
        LOG.info("%s: left out %d file(s) without a .png/.jpg/.jpeg name", split_dir, other)
    if skipped:
        LOG.warning("%s: skipped %d unreadable file(s) (data.skip_unreadable), first: %s", split_dir, len(skipped),
                    skipped[:10])
    return sorted(files, key=lambda fl: (fl[0].name, fl[1]))


def _seed(seed: int, epoch: int, index: int) -> int:
    # one generator per image from the job's seed, the epoch and the image: independent of worker scheduling
    return (seed * 1_000_003 + epoch) * 1_000_000_007 + index & 0x7FFF_FFFF_FFFF_FFFF


class FolderSplit(Dataset):
    """One split's files and labels; images are decoded when a batch needs them."""

    def __init__(self, files: list[tuple[Path, int]], mode: str, d: DataConfig, seed: int, root: str):
        self.files, self.mode, self.d, self.seed, self.root = files, mode, d, seed, root
        self.epoch, self.train = 0, False
        self.eval_tf = T.Compose(_sized(d, train=False) + _tensor(d))
        self.train_tf = T.Compose(_sized(d, train=True) + _tensor(d))
        self.shape: tuple[int, ...] | None = None

    def __len__(self) -> int:
        return len(self.files)

    def limit(self, n: int) -> FolderSplit:
        if n > 0:
            self.files = self.files[:n]
        return self

    def __getitem__(self, i: int):
        f, label = self.files[i]
        try:
            with Image.open(f) as im:
                img = im.convert(self.mode)
        except (OSError, ValueError) as e:
            raise DataError(f"data.path: {f} cannot be decoded ({type(e).__name__}: {e}) in {self.root}") from e
        if self.train:
            torch.manual_seed(_seed(self.seed, self.epoch, i))  # the random crop and flip read torch's generator
            x = self.train_tf(img)
        else:
            x = self.eval_tf(img)
        if self.shape is not None and tuple(x.shape) != self.shape:
            raise DataError(f"data.path: {f} gives a {tuple(x.shape)} image where the first gave {self.shape}; set "
                            "data.resize: [h, w] or data.center_crop so every image has one size")
        return x, label

    def batches(self, batch_size: int, *, max_batches: int = 0, shuffle_seed: int | None = None,
                epoch: int = 0, train: bool = False) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Decoded batches from data.workers processes, each data.prefetch batches ahead."""
        self.epoch, self.train = epoch, train
        view: Dataset = self
        if max_batches > 0:
            view = torch.utils.data.Subset(self, range(min(len(self), max_batches * batch_size)))
        gen = None if shuffle_seed is None else torch.Generator().manual_seed(shuffle_seed + epoch)
        loader = DataLoader(view, batch_size=batch_size, shuffle=gen is not None, generator=gen,
                            num_workers=self.d.workers, prefetch_factor=self.d.prefetch,
                            persistent_workers=False)
        yield from loader


def _sized(d: DataConfig, train: bool) -> list:
    if train and d.random_resized_crop is not None:
        out: list = [T.RandomResizedCrop(d.random_resized_crop)]
    else:
        out = []
        if d.resize is not None:
            size = d.resize if isinstance(d.resize, int) else list(d.resize)
            out.append(T.Resize(size[0] if isinstance(size, list) and len(size) == 1 else size))
        if d.center_crop is not None:
            out.append(T.CenterCrop(d.center_crop))
    if train and d.horizontal_flip:
        out.append(T.RandomHorizontalFlip())
    return out


def _tensor(d: DataConfig) -> list:
    out: list = [T.ToTensor()]
    if d.normalize is not None:
        out.append(T.Normalize(d.normalize["mean"], d.normalize["std"]))
    return out


def load(d: DataConfig, seed: int) -> tuple[FolderSplit, FolderSplit, int]:
    """Train and val splits, cut to the limits, and the number of classes; DataError names the field."""
    root = Path(d.path)
    train_dir, val_dir = root / "train", root / "val"
    if not train_dir.is_dir() or not val_dir.is_dir():
        raise DataError(f"data.path: {root} must hold train/<class>/ and val/<class>/ image folders")
    classes = sorted(p.name for p in train_dir.iterdir() if p.is_dir())
    if not classes:
        raise DataError(f"data.path: {train_dir} has no class directories")
    train_files = _listing(train_dir, classes, d.skip_unreadable, str(root))
    val_files = _listing(val_dir, classes, d.skip_unreadable, str(root))
    if not train_files or not val_files:
        raise DataError(f"data.path: {root}: no .png/.jpg/.jpeg images in train/ or val/")
    with Image.open(train_files[0][0]) as first:
        mode = "L" if first.mode in ("L", "LA", "I", "I;16", "1") else "RGB"
    if d.normalize is not None and len(d.normalize["mean"]) != (1 if mode == "L" else 3):
        raise DataError(f"data.normalize: {len(d.normalize['mean'])} means for {mode} images of {root} "
                        f"({1 if mode == 'L' else 3} channel(s)); give one per channel")
    train = FolderSplit(train_files, mode, d, 0, str(root)).limit(d.train_limit)
    test = FolderSplit(val_files, mode, d, 0, str(root)).limit(d.test_limit)
    for split in (train, test):
        split.seed = seed
        split.shape = tuple(split[0][0].shape)
    _same_training_size(d, test.shape)
    return train, test, len(classes)


def _same_training_size(d: DataConfig, shape: tuple[int, ...] | None) -> None:
    """A training crop of another size than evaluation's would reach the model at two shapes; refused as the
    engine's ImageFolderReader refuses it, naming the crop (RandomResizedCrop's output is size x size whatever
    it draws)."""
    rrc = d.random_resized_crop
    if rrc is None or shape is None or tuple(shape[1:]) == (rrc, rrc):
        return
    raise DataError(f"data.random_resized_crop: {rrc} gives training images of {rrc}x{rrc} but evaluation gives "
                    f"{shape[1]}x{shape[2]} (data.resize / data.center_crop); make them agree")
