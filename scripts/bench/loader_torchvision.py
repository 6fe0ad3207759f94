"""torchvision's side of scripts/bench/loader.sh: ImageFolder (PIL loader) with Resize(256), CenterCrop(224),
ToTensor, Normalize, through DataLoader(batch_size=32, num_workers=W, prefetch_factor=2), on the first IMAGES
training images in shiftq's order (file name across classes); decode+transform images/s after the first batch.

    python scripts/bench/loader_torchvision.py FOLDER WORKERS IMAGES
"""
import json, os, sys, time
import torch, torchvision
import torchvision.transforms as T
from torch.utils.data import DataLoader, Subset

folder, workers, images = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(1)
tf = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
ds = torchvision.datasets.ImageFolder(os.path.join(folder, "train"), transform=tf)
order = sorted(range(len(ds.samples)), key=lambda i: (os.path.basename(ds.samples[i][0]), ds.samples[i][1]))[:images]
loader = DataLoader(Subset(ds, order), batch_size=32, num_workers=workers, prefetch_factor=2 if workers else None)
it = iter(loader)
next(it)
t0 = time.perf_counter()
n = sum(x.shape[0] for x, _ in it)
print(json.dumps({"loader": f"torchvision {torchvision.__version__} ImageFolder + DataLoader (PIL)", "workers": workers,
                  "images": n + 32, "decode_transform_images_per_s": round(n / (time.perf_counter() - t0), 1)}))
