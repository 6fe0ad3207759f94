"""The custom engine's AIMET export loads into aimet-torch with strict=True and gives shiftq's accuracy.

Input: a directory written by the engine's ``AimetExportRun`` (``report.json``, ``deploy/``,
``qat_folded_weights.npz``, ``shiftq_predictions.json``). ``SHIFTQ_AIMET_EXPORT_RUN`` names one;
without it the test runs the engine itself through Maven (a few minutes; needs Java and Maven).
``scripts/check/aimet-export.sh`` runs both halves and times them.

The network is built here in PyTorch with the built-in architectures' module names, BatchNorm
already folded into the convolutions (the weights are the folded ones the final-ptq stage quantized), so every
name in the encodings file must match a module of this model.
"""
import json
import math
import os
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
DATA = Path(os.environ.get("SHIFTQ_FASHION_MNIST", "/usr/share/datasets/fashion-mnist"))
TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
TORCH_FILE = "aimet_encodings_0.6.1.json"
LIST_FILE = "aimet_encodings_1.0.0.json"
MAX_GAP_POINTS = 0.1

try:
    import aimet_torch
    import numpy as np
    import torch
    from aimet_torch.common.defs import QuantScheme
    from aimet_torch.nn.modules.custom import Add
    from aimet_torch.quantization.base.quantizer import QuantizerBase  # noqa: F401 (installed: aimet-torch 2.x)
    from aimet_torch.quantsim import QuantizationSimModel
    from torch import nn
except ImportError as e:  # fail, do not skip: the check is worthless without the real AIMET
    pytest.fail(
        f"{e}: this test needs aimet-torch==2.42.0, torch and numpy ({sys.executable} lacks them); "
        "run it with the project's Python environment: $(scripts/python-env.sh)/bin/python -m pytest ...",
        pytrace=False,
    )


def _require_data():
    missing = [f for f in TEST_FILES if not (DATA / f).is_file()]
    if missing:
        pytest.fail(
            f"Fashion-MNIST test files {missing} are not in {DATA}: "
            "`apt-get install -y dataset-fashion-mnist` puts them in /usr/share/datasets/fashion-mnist/ "
            "(or set SHIFTQ_FASHION_MNIST)",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def run_dir():
    _require_data()
    given = os.environ.get("SHIFTQ_AIMET_EXPORT_RUN")
    if given:
        d = Path(given)
    else:
        d = REPO / "engine" / "target" / "aimet-export-check"
        cmd = ["mvn", "-B", "-q", "test", "-pl", "engine", "-am", "-Dtest=AimetExportRun",
               "-Dsurefire.failIfNoSpecifiedTests=false", f"-Dshiftq.aimet-check.dir={d}"]
        r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
        if r.returncode != 0:
            pytest.fail(f"the engine run failed ({' '.join(cmd)}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}", pytrace=False)
    for f in ("report.json", "qat_folded_weights.npz", "shiftq_predictions.json", "deploy/" + TORCH_FILE):
        if not (d / f).is_file():
            pytest.fail(f"{d / f} is missing: {d} is not a directory written by the engine's AimetExportRun "
                        "(scripts/check/aimet-export.sh writes one)", pytrace=False)
    return d


# --- the built-in architectures, BatchNorm folded (io.shiftq.engine.model.BuiltinModels) ------------------------

def conv(i, o, k, s=1):
    return nn.Conv2d(i, o, k, stride=s, padding=k // 2, bias=True)


class VGGSmall(nn.Module):
    """features.{0,3,7,10} conv3x3 (BN at .1/.4/.8/.11 folded away), ReLU, 2x2 max-pool; two linear layers."""

    def __init__(self, num_classes=10, c=1, h=28, w=28):
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("0", conv(c, 32, 3)), ("2", nn.ReLU()), ("3", conv(32, 32, 3)), ("5", nn.ReLU()), ("6", nn.MaxPool2d(2, 2)),
            ("7", conv(32, 64, 3)), ("9", nn.ReLU()), ("10", conv(64, 64, 3)), ("12", nn.ReLU()), ("13", nn.MaxPool2d(2, 2)),
        ]))
        self.flatten = nn.Flatten()
        self.classifier = nn.Sequential(nn.Linear(64 * (h // 4) * (w // 4), 128), nn.ReLU(), nn.Dropout(0.25),
                                        nn.Linear(128, num_classes))

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))


class LeNet5(nn.Module):
    """5x5 convolutions with ReLU and max-pool, a 120-84 classifier (no BatchNorm)."""

    def __init__(self, num_classes=10, c=1, h=28, w=28):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(c, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
                                      nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2))
        self.flatten = nn.Flatten()
        flat = 16 * ((h // 2 - 4) // 2) * ((w // 2 - 4) // 2)
        self.classifier = nn.Sequential(nn.Linear(flat, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                        nn.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))


class Block(nn.Module):
    """conv1-relu1-conv2 (+ downsample.0), add, relu2; BN (bn1, bn2, downsample.1) folded."""

    def __init__(self, i, o, s):
        super().__init__()
        self.conv1, self.relu1, self.conv2 = conv(i, o, 3, s), nn.ReLU(), conv(o, o, 3)
        if s != 1 or i != o:
            self.downsample = nn.Sequential(OrderedDict([("0", conv(i, o, 1, s))]))
        else:
            self.downsample = None
        self.add, self.relu2 = Add(), nn.ReLU()

    def forward(self, x):
        y = self.conv2(self.relu1(self.conv1(x)))
        return self.relu2(self.add(y, x if self.downsample is None else self.downsample(x)))


class ResNetSmall(nn.Module):
    def __init__(self, num_classes=10, c=1, h=28, w=28):
        super().__init__()
        self.stem = nn.Sequential(OrderedDict([("0", conv(c, 16, 3)), ("2", nn.ReLU())]))
        self.layer1 = nn.Sequential(Block(16, 16, 1))
        self.layer2 = nn.Sequential(Block(16, 32, 2))
        self.pool, self.flatten = nn.MaxPool2d(2, 2), nn.Flatten()
        self.fc = nn.Linear(32 * (h // 4) * (w // 4), num_classes)

    def forward(self, x):
        return self.fc(self.flatten(self.pool(self.layer2(self.layer1(self.stem(x))))))


MODELS = {"VGGSmall": VGGSmall, "LeNet5": LeNet5, "ResNetSmall": ResNetSmall}


# --- helpers ----------------------------------------------------------------------------------------------------

def fashion_mnist_test():
    import gzip
    with gzip.open(DATA / TEST_FILES[0]) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255.0
    with gzip.open(DATA / TEST_FILES[1]) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    return torch.from_numpy(images), torch.from_numpy(labels)


def symmetric_config(path, per_channel):
    """AIMET's default config with symmetric activations and parameters and quantized biases (shiftq's are 32-bit)."""
    cfg = json.loads((Path(aimet_torch.__file__).parent / "common/quantsim_config/default_config.json").read_text())
    cfg["defaults"]["ops"]["is_symmetric"] = "True"
    cfg["defaults"]["params"]["is_symmetric"] = "True"
    cfg["defaults"]["per_channel_quantization"] = "True" if per_channel else "False"
    cfg["params"]["bias"]["is_quantized"] = "True"
    path.write_text(json.dumps(cfg))
    return str(path)


def build_sim(run_dir, tmp_path):
    report = json.loads((run_dir / "report.json").read_text())
    graph = json.loads((run_dir / "deploy" / "model.json").read_text())  # architecture name and input shape only
    c, h, w = graph["input_shape"]
    model = MODELS[graph["network"]](graph["num_classes"], c, h, w).eval()
    weights = np.load(run_dir / "qat_folded_weights.npz")
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=True)
    per_channel = report["config"]["weight"]["per_channel"]
    sim = QuantizationSimModel(model, dummy_input=torch.zeros(1, c, h, w), quant_scheme=QuantScheme.min_max,
                               default_output_bw=8, default_param_bw=8,
                               config_file=symmetric_config(tmp_path / "symmetric_config.json", per_channel))
    return report, sim


def quantizers(sim):
    """(module.slot, quantizer) for every quantizer the sim holds."""
    out = []
    for name, module in sim.model.named_modules():
        for slot in ("input_quantizers", "output_quantizers"):
            for i, q in enumerate(getattr(module, slot, None) or []):
                if q is not None:
                    out.append((f"{name}.{slot[:-11]}.{i}", q))
        for p, q in (getattr(module, "param_quantizers", None) or {}).items():
            if q is not None:
                out.append((f"{name}.{p}", q))
    return out


def is_power_of_two(x):
    m, _ = math.frexp(x)
    return x > 0 and m == 0.5


# --- the checks -------------------------------------------------------------------------------------------------

def test_aimet_torch_loads_the_custom_export_strictly_and_matches_shiftq_accuracy(run_dir, tmp_path):
    report, sim = build_sim(run_dir, tmp_path)
    path = run_dir / "deploy" / TORCH_FILE
    encodings = json.loads(path.read_text())
    sim.load_encodings(str(path), strict=True, requires_grad=False, allow_overwrite=False)

    # Every quantizer in the sim got an encoding from the file (strict=True alone does not check this
    # direction), and the file has no encoding the sim did not take.
    qs = quantizers(sim)
    n_file = sum(len(v) for v in encodings["activation_encodings"].values()) + len(encodings["param_encodings"])
    assert len(qs) == n_file, f"sim quantizers {[n for n, _ in qs]} vs {n_file} encodings in the file"
    for name, q in qs:
        assert q.is_initialized(), f"{name} got no encoding"
        scales = q.get_scale().flatten().tolist()
        assert all(is_power_of_two(s) for s in scales), f"{name}: scales {scales} are not all powers of two"
        assert not q.is_overwrite_allowed(), f"{name} is not frozen"
        assert not any(p.requires_grad for p in q.parameters()), f"{name} still trains its scale"

    # The scales are the file's, exactly.
    for module, slots in encodings["activation_encodings"].items():
        for slot, by_index in slots.items():
            for i, e in by_index.items():
                q = getattr(sim.model.get_submodule(module), slot + "_quantizers")[int(i)]
                assert q.get_scale().item() == e["scale"], f"{module}.{slot}.{i}"
                assert q.bitwidth == e["bitwidth"] and q.symmetric == (e["is_symmetric"] == "True")
    for name, es in encodings["param_encodings"].items():
        module, param = name.rsplit(".", 1)
        q = sim.model.get_submodule(module).param_quantizers[param]
        assert q.get_scale().flatten().tolist() == [e["scale"] for e in es], name
        assert q.bitwidth == es[0]["bitwidth"], name

    images, labels = fashion_mnist_test()
    assert len(labels) == 10_000

    # Frozen: compute_encodings on real data leaves every scale where the file put it.
    before = {n: q.get_scale().clone() for n, q in qs}
    sim.compute_encodings(lambda m: m(images[:256]))
    for n, q in qs:
        assert torch.equal(q.get_scale(), before[n]), f"compute_encodings moved {n}"

    torch.set_num_threads(int(os.environ.get("SHIFTQ_TORCH_THREADS", "2")))
    with torch.no_grad():
        predictions = torch.cat([sim.model(images[i:i + 500]).argmax(1) for i in range(0, len(images), 500)])
    aimet_accuracy = 100.0 * (predictions == labels).double().mean().item()
    shiftq = json.loads((run_dir / "shiftq_predictions.json").read_text())
    shiftq_predictions = torch.tensor(shiftq["predictions"])
    assert len(shiftq_predictions) == len(labels), "shiftq's predictions are not for the whole test set"
    agree = int((predictions == shiftq_predictions).sum())
    result = {
        "aimet_torch": aimet_torch.__version__, "model": json.loads((run_dir / "deploy" / "model.json").read_text())["network"], "images": len(labels),
        "shiftq_final_accuracy": report["final_accuracy"], "aimet_sim_accuracy": round(aimet_accuracy, 2),
        "gap_points": round(aimet_accuracy - report["final_accuracy"], 2),
        "agreeing_predictions": agree, "quantizers": len(qs),
    }
    (run_dir / "aimet_check.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))
    assert abs(aimet_accuracy - report["final_accuracy"]) <= MAX_GAP_POINTS, result


def test_the_1_0_0_list_file_is_for_converters_not_for_aimet_torch(run_dir, tmp_path):
    """README says so: aimet-torch's load_encodings reads dictionaries only; the list layout is for QNN/QAIRT."""
    listed = json.loads((run_dir / "deploy" / LIST_FILE).read_text())
    assert listed["version"] == "1.0.0" and isinstance(listed["activation_encodings"], list)
    for e in listed["activation_encodings"] + listed["param_encodings"]:
        assert all(is_power_of_two(s) for s in e["scale"]), e["name"]
    _, sim = build_sim(run_dir, tmp_path)
    with pytest.raises(AttributeError):
        sim.load_encodings(str(run_dir / "deploy" / LIST_FILE), strict=True)
