#!/usr/bin/env python3
"""Checks a shiftq deployment directory with the tools hardware teams use:
ONNX Runtime runs model_qdq.onnx on the Fashion-MNIST test set, and numpy reads weights.npz.

Usage: onnx_and_numpy.py DEPLOY_DIR [REPORT_JSON]
Needs: pip install onnxruntime numpy. Prints the ONNX Runtime accuracy next to the report's
fake-quant accuracy and the integer tensors numpy found.
"""
import gzip
import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort

deploy = Path(sys.argv[1])
data = Path("/usr/share/datasets/fashion-mnist")
with gzip.open(data / "t10k-images-idx3-ubyte.gz") as f:
    images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255.0
with gzip.open(data / "t10k-labels-idx1-ubyte.gz") as f:
    labels = np.frombuffer(f.read(), np.uint8, offset=8)

session = ort.InferenceSession(str(deploy / "model_qdq.onnx"), providers=["CPUExecutionProvider"])
name = session.get_inputs()[0].name
predictions = np.concatenate([session.run(None, {name: images[i:i + 500]})[0].argmax(1) for i in range(0, len(images), 500)])
accuracy = 100.0 * (predictions == labels).mean()

weights = np.load(deploy / "weights.npz")
ints = {k: str(v.dtype) for k, v in weights.items() if k.endswith(".weight") or k.endswith(".bias")}
result = {"onnxruntime": ort.__version__, "images": int(len(labels)), "onnxruntime_accuracy": round(float(accuracy), 2),
          "npz_integer_tensors": ints}
if len(sys.argv) > 2:
    report = json.loads(Path(sys.argv[2]).read_text())
    result["fake_quant_accuracy"] = report["final_accuracy"]
    result["difference_points"] = round(float(accuracy) - report["final_accuracy"], 2)
print(json.dumps(result))
