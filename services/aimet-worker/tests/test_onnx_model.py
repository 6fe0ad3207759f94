"""``model.path`` for the aimet variant: an ONNX file converted by onnx2torch, checked against ONNX Runtime, and
refused naming the field when it is not usable (not ONNX, an operator AIMET cannot simulate, external data that
leads out of the model's directory, a file outside the model roots)."""
from __future__ import annotations

import json
from pathlib import Path

import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from onnx_support import export

from shiftq_aimet import onnx_model
from shiftq_aimet.artifacts import ArtifactStore
from shiftq_aimet.worker import handle


def _refusal(store: Path, path: Path) -> str:
    published: list[dict] = []
    config = {"model": {"path": str(path), "num_classes": 3}, "data": {"train_limit": 64, "test_limit": 64}}
    payload = json.dumps({"schema_version": "1", "job_id": "bad-model", "variant": "aimet", "config": config}).encode()
    assert handle(payload, b"bad-model", ArtifactStore(store), published.append) == "failed"
    (failure,) = published
    assert failure["stage"] == "calibration" and failure["reason"].startswith("calibration failed: model.path: ")
    return failure["reason"]


def _model_with(path: Path, op: str, inputs: list[str]) -> None:
    """Flatten -> op -> Gemm: the op under test between two that the variant takes."""
    w = numpy_helper.from_array(torch.ones(3, 784).numpy(), "w")
    nodes = [helper.make_node("Flatten", ["input"], ["f"], name="/flatten"),
             helper.make_node(op, inputs, ["s"], name=f"/features.0/{op}"),
             helper.make_node("Gemm", ["s", "w"], ["logits"], name="/fc/Gemm", transB=1)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 28, 28])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 3])], [w])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))


def test_a_model_path_the_aimet_variant_cannot_use_is_refused_naming_the_field(tmp_path):
    (tmp_path / "garbage.onnx").write_bytes(b"not a protobuf at all \xff\xfe")
    assert "not a readable ONNX file" in _refusal(tmp_path, tmp_path / "garbage.onnx")
    _model_with(tmp_path / "hardmax.onnx", "Hardmax", ["f"])  # no onnx2torch converter
    assert "cannot be converted to PyTorch by onnx2torch" in _refusal(tmp_path, tmp_path / "hardmax.onnx")
    _model_with(tmp_path / "mul.onnx", "Mul", ["f", "f"])  # converted, but not an operator AIMET's sim places
    assert "node features.0/Mul: only Add of two tensors" in _refusal(tmp_path, tmp_path / "mul.onnx")
    # external data named with .. would read a file beside the model's directory: refused before it is opened
    model = onnx.load(str(export(tmp_path)))
    onnx.save(model, str(tmp_path / "ext.onnx"), save_as_external_data=True, location="ext.onnx.data",
              size_threshold=0)
    ext = onnx.load(str(tmp_path / "ext.onnx"), load_external_data=False)
    for t in ext.graph.initializer:
        for kv in t.external_data:
            if kv.key == "location":
                kv.value = "../secret.data"
    onnx.save(ext, str(tmp_path / "escape.onnx"))
    assert "outside the model's directory" in _refusal(tmp_path, tmp_path / "escape.onnx")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "link.onnx").symlink_to(tmp_path / "ext.onnx")
    # a link inside the model roots leading out: refused before any work, as the Java stages' ConfinedPaths
    published: list[dict] = []
    config = {"model": {"path": str(tmp_path / "store" / "link.onnx"), "num_classes": 3}}
    payload = json.dumps({"schema_version": "1", "job_id": "bad-model", "variant": "aimet", "config": config}).encode()
    assert handle(payload, b"bad-model", ArtifactStore(tmp_path / "store"), published.append) == "failed"
    assert "model.path: '" + str(tmp_path / "store" / "link.onnx") + "' is outside the allowed roots" in \
        published[0]["reason"]


def test_external_data_beside_the_model_is_read_and_the_conversion_matches_onnx_runtime(tmp_path):
    model = onnx.load(str(export(tmp_path)))
    onnx.save(model, str(tmp_path / "ext.onnx"), save_as_external_data=True, location="ext.onnx.data",
              size_threshold=0)
    m = onnx_model.load(str(tmp_path / "ext.onnx"), [tmp_path])
    assert m.input_shape == (1, 28, 28) and m.num_classes == 3
    assert sorted(m.names[n] for n, _ in m.module.named_children()
                  if n in m.names and type(_).__name__ in ("Conv2d", "Linear", "Add")) == \
        ["Add", "conv/Conv", "fc/Gemm", "stem/stem.0/Conv"]
    diff = onnx_model.check_against_runtime(m, torch.rand(4, 1, 28, 28), "ext.onnx")
    assert diff < 1e-4
    with torch.no_grad():  # a conversion that computed something else is refused
        m.module.get_submodule("fc/Gemm").weight.mul_(1.5)
    with pytest.raises(onnx_model.ModelError, match="model.path: ext.onnx: the PyTorch conversion does not match"):
        onnx_model.check_against_runtime(m, torch.rand(4, 1, 28, 28), "ext.onnx")


def test_the_exporters_idioms_onnx2torch_does_not_read_are_rewritten_and_still_match_onnx_runtime(tmp_path):
    # a Conv bias shared through an Identity (TorchScript exporter), the global average pool as ReduceMean over H, W
    # with the axes as an input (dynamo exporter, opset 18), the classifier's Reshape with allowzero=1
    rng = torch.Generator().manual_seed(0)
    inits = [numpy_helper.from_array(torch.randn(4, 1, 3, 3, generator=rng).numpy(), "w"),
             numpy_helper.from_array(torch.randn(4, generator=rng).numpy(), "b"),
             numpy_helper.from_array(torch.tensor([2, 3]).numpy(), "axes"),
             numpy_helper.from_array(torch.tensor([1, 4]).numpy(), "shape"),
             numpy_helper.from_array(torch.randn(3, 4, generator=rng).numpy(), "fc")]
    nodes = [helper.make_node("Identity", ["b"], ["b_shared"], name="/Identity"),
             helper.make_node("Conv", ["input", "w", "b_shared"], ["c"], name="/conv/Conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="/Relu"),
             helper.make_node("ReduceMean", ["r", "axes"], ["m"], name="/ReduceMean", keepdims=0),
             helper.make_node("Reshape", ["m", "shape"], ["f"], name="/Reshape", allowzero=1),
             helper.make_node("Gemm", ["f", "fc"], ["logits"], name="/fc/Gemm", transB=1)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 8, 8])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 3])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), str(tmp_path / "idioms.onnx"))
    m = onnx_model.load(str(tmp_path / "idioms.onnx"), [tmp_path])
    assert onnx_model.check_against_runtime(m, torch.rand(4, 1, 8, 8), "idioms.onnx") < 1e-5
