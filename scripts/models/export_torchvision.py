"""Exports torchvision classifiers as a user with today's PyTorch would, with both exporters, for the model sweep
of issue 20 (tools' OnnxModelSweep) and the ONNX import tests.

    python scripts/models/export_torchvision.py --out DIR [--size 64] [--models resnet18,mobilenet_v2]
                                                [--exporters dynamo,torchscript] [--inputs 64]
                                                [--num-classes 1000]

For each model and exporter it writes DIR/<model>-<exporter>/<model>.onnx (the default dynamo exporter also writes
the weights beside it as <model>.onnx.data), inputs.npz (x: [inputs, 3, size, size], standard normal, seed 0;
64 by default) and
logits.npz (logits: ONNX Runtime's output for those inputs), and DIR/manifest.json listing every export with the
exporter's one-line error where an export failed.

Exporters: "dynamo" is torch.onnx.export(m, x, f) with today's defaults (the dynamo exporter, external data);
"torchscript" is torch.onnx.export(m, x, f, dynamo=False, opset_version=13) (weights inline).

No pretrained weights are downloaded: the architectures as shipped, randomly initialized (seed 0), then BatchNorm
made to look trained: its affine weight drawn from U(0.5, 1.5) and bias from N(0, 0.1), and its running statistics
measured on 4 batches of 8 random inputs (cumulative average), so every BatchNorm normalizes the activations it
really sees, as a trained model's does, and no two BatchNorms share equal constants (fresh ones export as
Identity-on-initializer chains).
"""

import argparse
import contextlib
import io
import json
import pathlib
import sys
import time
import traceback

import numpy as np
import onnxruntime as ort
import torch
import torchvision

MODELS = [
    "resnet18", "resnet34", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
    "squeezenet1_0", "squeezenet1_1", "efficientnet_b0", "mnasnet0_5", "shufflenet_v2_x0_5", "regnet_x_400mf",
    "googlenet", "densenet121", "vgg11_bn",
]
EXPORTERS = ["dynamo", "torchscript"]
# vgg's AdaptiveAvgPool2d(7) on a map that 7 does not divide exports as gathers (dynamo) or not at all (TorchScript);
# at 224x224 the map is 7x7 and the pool is the identity, as in real use.
SMALLEST = {"vgg11_bn": 224}


def build(name, num_classes=1000):
    torch.manual_seed(0)
    kwargs = {"weights": None, "num_classes": num_classes}
    if name == "googlenet":
        kwargs.update(aux_logits=False, init_weights=True)
    model = getattr(torchvision.models, name)(**kwargs)
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    with torch.no_grad():
        for bn in bns:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.normal_(0.0, 0.1)
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average over the calibration batches
    return model, bns


def calibrate(model, bns, size):
    if not bns:
        return
    g = torch.Generator().manual_seed(1)
    model.train()
    with torch.no_grad():
        for _ in range(4):
            model(torch.randn(8, 3, size, size, generator=g))
    for bn in bns:
        bn.momentum = 0.1


def export(model, x, path, exporter):
    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        if exporter == "dynamo":
            torch.onnx.export(model, (x,), str(path))
        else:
            torch.onnx.export(model, (x,), str(path), dynamo=False, opset_version=13,
                              input_names=["input"], output_names=["logits"])


def one_line(e):
    text = f"{type(e).__name__}: {e}".strip().splitlines()
    return text[0][:300] if text else type(e).__name__


def run(name, exporter, out, size, count, num_classes=1000):
    folder = out / f"{name}-{exporter}"
    folder.mkdir(parents=True, exist_ok=True)
    size = max(size, SMALLEST.get(name, 0))
    entry = {"model": name, "exporter": exporter, "size": size, "dir": folder.name, "onnx": f"{name}.onnx"}
    started = time.time()
    try:
        model, bns = build(name, num_classes)
        calibrate(model, bns, size)
        model.eval()
        x = torch.randn(count, 3, size, size, generator=torch.Generator().manual_seed(0))
        export(model, x[:1], folder / f"{name}.onnx", exporter)
        session = ort.InferenceSession(str(folder / f"{name}.onnx"), providers=["CPUExecutionProvider"])
        feed = session.get_inputs()[0].name
        logits = np.concatenate([session.run(None, {feed: x[i:i + 1].numpy()})[0] for i in range(count)])
        with torch.no_grad():
            torch_logits = model(x).numpy()
        np.savez(folder / "inputs.npz", x=x.numpy().astype(np.float32))
        np.savez(folder / "logits.npz", logits=logits.astype(np.float32))
        entry.update(status="exported", classes=int(logits.shape[1]),
                     ort_vs_torch_max_abs_diff=float(np.abs(logits - torch_logits).max()),
                     external_data=(folder / f"{name}.onnx.data").exists())
    except Exception as e:  # one model failing to export is a row of the table, not the end of the sweep
        entry.update(status="export failed", reason=one_line(e))
        traceback.print_exc(file=sys.stderr)
    entry["seconds"] = round(time.time() - started, 1)
    return entry


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, type=pathlib.Path)
    p.add_argument("--size", type=int, default=64,
                   help="input height and width (default 64; vgg11_bn always 224, see SMALLEST)")
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--exporters", default=",".join(EXPORTERS))
    p.add_argument("--inputs", type=int, default=64, help="random inputs written and run through ONNX Runtime")
    p.add_argument("--num-classes", type=int, default=1000,
                   help="logits of the classifier head (default 1000, torchvision's; 10 for a 10-class folder)")
    a = p.parse_args()
    torch.set_num_threads(1)
    models = [m for m in a.models.split(",") if m]
    exporters = [e for e in a.exporters.split(",") if e]
    for m in models:
        if m not in MODELS:
            p.error(f"--models: '{m}' is not one of {', '.join(MODELS)}")
    for e in exporters:
        if e not in EXPORTERS:
            p.error(f"--exporters: '{e}' is not one of {', '.join(EXPORTERS)}")
    a.out.mkdir(parents=True, exist_ok=True)
    entries = []
    for m in models:
        for e in exporters:
            entry = run(m, e, a.out, a.size, a.inputs, a.num_classes)
            print(json.dumps(entry), flush=True)
            entries.append(entry)
    manifest = {"torch": torch.__version__, "torchvision": torchvision.__version__, "onnxruntime": ort.__version__,
                "size": a.size, "inputs": a.inputs, "exports": entries}
    (a.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
