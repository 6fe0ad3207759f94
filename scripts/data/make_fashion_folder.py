"""Writes a torchvision ImageFolder of small colour JPEGs made from Fashion-MNIST, the only image data set here, as a
stand-in for a folder of photos: <out>/train/<class>/NNNNN.jpg and <out>/val/<class>/NNNNN.jpg, each image coloured
(a per-image tint and background), resized with PIL to a random size between 48 and 128 pixels a side (so that
Resize(256) + CenterCrop(224) upscales them to the 224x224 a resnet reads), JPEG quality 90.

    python3 scripts/data/make_fashion_folder.py OUT TRAIN_IMAGES VAL_IMAGES
"""
import gzip, os, sys
import numpy as np
from PIL import Image

CLASSES = ["tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"]


def read(prefix):
    d = "/usr/share/datasets/fashion-mnist"
    with gzip.open(f"{d}/{prefix}-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(f"{d}/{prefix}-labels-idx1-ubyte.gz") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    return x, y


def write(out, split, x, y, n, rng):
    for c in CLASSES:
        os.makedirs(os.path.join(out, split, c), exist_ok=True)
    for k in range(n):
        i = k % len(x)
        tint = rng.uniform(0.3, 1.0, 3)
        background = rng.integers(0, 80, 3)
        rgb = np.clip(x[i][..., None] * tint + background, 0, 255).astype(np.uint8)
        size = tuple(int(v) for v in rng.integers(48, 129, 2))
        img = Image.fromarray(rgb, "RGB").resize(size, Image.BILINEAR)
        img.save(os.path.join(out, split, CLASSES[y[i]], f"{k:05d}.jpg"), quality=90)


if __name__ == "__main__":
    out, train, val = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(21)
    write(out, "train", *read("train"), train, rng)
    write(out, "val", *read("t10k"), val, rng)
    print(f"wrote {train} training and {val} validation JPEGs under {out}")
