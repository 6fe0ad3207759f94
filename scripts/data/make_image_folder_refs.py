"""Makes the image-folder test data and torchvision's numbers for it (engine ImageTransformTest).

Fashion-MNIST is the only image data set on this machine, so the "photos" are Fashion-MNIST test images coloured,
resized with PIL to mixed sizes (upscaled and downscaled, portrait and landscape) and saved in the modes users'
folders hold: RGB and greyscale JPEG, RGB, greyscale, grey+alpha, RGBA and palette PNG. Then torchvision, exactly as
its ImageFolder pipeline runs on PIL images (pil_loader: Image.open(f).convert("RGB")), computes:

  decoded  PIL's RGB bytes of each file                                   [n] uint8 HxWx3 (ragged: flattened + sizes)
  eval     Resize(36) (shorter side), CenterCrop(32), ToTensor, Normalize  [n, 3, 32, 32] float32
  fixed    Resize((30, 40)), ToTensor                                      [n, 3, 30, 40] float32
  train    F.resized_crop(top, left, h, w, [32, 32]) then F.hflip if flip, ToTensor   [n, 3, 32, 32] float32
           with (top, left, h, w, flip) drawn here by a seeded generator and saved as draws [n, 5]

    $(scripts/python-env.sh)/bin/python scripts/data/make_image_folder_refs.py engine/src/test/resources/imagefolder
"""
import gzip, io, os, sys
import numpy as np
from PIL import Image
import torch
import torchvision
import torchvision.transforms as T
import torchvision.transforms.functional as F

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
SIZES = [(28, 28), (45, 31), (48, 64), (70, 90), (120, 80), (57, 57), (100, 133), (33, 75), (64, 40), (96, 96),
         (36, 50), (81, 37)]  # (width, height)
MODES = ["RGB.jpg", "L.jpg", "RGB.png", "L.png", "LA.png", "RGBA.png", "P.png"]
COLOURS = [(1.0, 0.4, 0.2), (0.3, 0.9, 0.5), (0.2, 0.5, 1.0), (0.9, 0.9, 0.2)]


def fashion(n):
    with gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz") as f:
        return np.frombuffer(f.read(), np.uint8, offset=16)[: n * 784].reshape(n, 28, 28)


def make(out):
    os.makedirs(out, exist_ok=True)
    images = fashion(len(SIZES))
    files = []
    for k, (size, gray) in enumerate(zip(SIZES, images)):
        c = np.array(COLOURS[k % len(COLOURS)])
        background = np.array([30, 60, 90]) * (k % 3)
        rgb = np.clip(gray[..., None] * c + background, 0, 255).astype(np.uint8)
        img = Image.fromarray(rgb, "RGB").resize(size, Image.BICUBIC)
        mode, ext = MODES[k % len(MODES)].split(".")
        if mode == "P":
            img = img.quantize(64)
        elif mode in ("RGBA", "LA"):
            alpha = Image.fromarray(np.tile(np.linspace(0, 255, size[0]).astype(np.uint8), (size[1], 1)), "L")
            img = img.convert(mode[0]).convert(mode) if mode == "LA" else img.convert("RGBA")
            img.putalpha(alpha)
        else:
            img = img.convert(mode)
        name = f"img{k:02d}_{mode}_{size[0]}x{size[1]}.{ext}"
        img.save(os.path.join(out, name), quality=90) if ext == "jpg" else img.save(os.path.join(out, name))
        files.append(name)
    return files


def refs(out, files):
    loader = torchvision.datasets.folder.pil_loader
    ev = T.Compose([T.Resize(36), T.CenterCrop(32), T.ToTensor(), T.Normalize(MEAN, STD)])
    fx = T.Compose([T.Resize((30, 40)), T.ToTensor()])
    rng = np.random.default_rng(21)
    decoded, sizes, evals, fixed, train, draws = [], [], [], [], [], []
    for name in files:
        img = loader(os.path.join(out, name))
        a = np.asarray(img)
        decoded.append(a.reshape(-1))
        sizes.append(a.shape[:2])
        evals.append(ev(img).numpy())
        fixed.append(fx(img).numpy())
        w, h = img.size
        ch, cw = int(rng.integers(max(1, h // 4), h + 1)), int(rng.integers(max(1, w // 4), w + 1))
        top, left, flip = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1)), int(rng.integers(0, 2))
        t = F.resized_crop(img, top, left, ch, cw, [32, 32], T.InterpolationMode.BILINEAR)
        train.append(T.ToTensor()(F.hflip(t) if flip else t).numpy())
        draws.append([top, left, ch, cw, flip])
    np.savez_compressed(
        os.path.join(out, "torchvision_refs.npz"),
        decoded=np.concatenate(decoded), sizes=np.array(sizes, np.int64), eval=np.stack(evals),
        fixed=np.stack(fixed), train=np.stack(train), draws=np.array(draws, np.int64))
    with open(os.path.join(out, "files.txt"), "w") as f:
        f.write("\n".join(files) + "\n")
    print(f"{len(files)} images, torchvision {torchvision.__version__}, PIL {Image.__version__}, torch {torch.__version__}")


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "engine/src/test/resources/imagefolder"
    refs(out, make(out))
