"""Which torchvision classifiers the aimet variant's ``model.path`` takes: each exported by both exporters (random
weights, 10 classes, 3x64x64, batch 1), converted by the worker and run against ONNX Runtime; prints OK with the max
|logit difference| or the refusal. Run from services/aimet-worker in scripts/python-env.sh's environment:
``python bench/torchvision_onnx.py``."""
from __future__ import annotations

import sys
import tempfile
import warnings
from pathlib import Path

import torch
import torchvision

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from shiftq_aimet import onnx_model  # noqa: E402

MODELS = ("resnet18", "mobilenet_v2", "vgg11", "squeezenet1_0", "efficientnet_b0")


def main() -> None:
    warnings.filterwarnings("ignore")
    d = Path(tempfile.mkdtemp())
    for name in MODELS:
        model = getattr(torchvision.models, name)(weights=None, num_classes=10).eval()
        for dynamo in (False, True):
            path = d / f"{name}_{'dynamo' if dynamo else 'torchscript'}.onnx"
            try:
                torch.onnx.export(model, torch.zeros(1, 3, 64, 64), str(path), dynamo=dynamo,
                                  opset_version=18 if dynamo else 13, input_names=["input"], output_names=["logits"])
                m = onnx_model.load(str(path), [d])
                diff = onnx_model.check_against_runtime(m, torch.rand(2, 3, 64, 64), path.name)
                print(f"{path.name}: OK, max |diff| {diff:.2g}")
            except Exception as e:  # the export or the worker refused: print why and go on
                print(f"{path.name}: REFUSED {str(e)[:200]}")


if __name__ == "__main__":
    main()
