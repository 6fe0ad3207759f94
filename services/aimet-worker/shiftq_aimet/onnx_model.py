"""``model.path``: an ONNX classifier as a PyTorch module AIMET can simulate.

The file is confined as the Java stages confine it (ConfinedPaths, ExternalData): it must lie, after ``..`` and
symbolic links are resolved, under one of the model roots, and tensors kept outside it must be plain files beside it.
onnx2torch converts the graph; its elementwise Add and Concat modules are swapped for AIMET's own (so
QuantizationSimModel places quantizers on them, as on ResNetSmall's residual add), and the result is checked against
ONNX Runtime on the same inputs before any quantization. Layers are reported by their ONNX node names without the
leading ``/``, as the engine's import names them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from . import paths

#: Largest |logit difference| against ONNX Runtime, relative to the largest |logit| (at least 1), that counts as
#: the same model: float32 reordering gives about 1e-6.
TOLERANCE = 1e-3


class ModelError(ValueError):
    """A model.path that cannot be used; the message names the field."""


@dataclass
class OnnxModel:
    """The converted module, its input shape (C, H, W), the report name of each module, and the file."""
    module: nn.Module
    input_shape: tuple[int, int, int]
    num_classes: int
    names: dict[str, str]
    path: Path


def confined(field: str, value: str, roots: list[Path]) -> Path:
    """The real path of value if it lies under a root (:mod:`paths`' rule); ModelError naming the field otherwise."""
    try:
        real = paths.Roots(data=(), models=tuple(paths.real(r) for r in roots)).model_file(field, value)
    except paths.OutsideRoots as e:
        raise ModelError(str(e)) from e
    if not real.is_file():
        raise ModelError(f"{field}: '{value}' is not a file")
    return real


def _external_data(model, path: Path, value: str) -> None:
    """Loads tensors kept beside the model; a location that is absolute, has ``..`` or leads out is refused."""
    from onnx.external_data_helper import ExternalDataInfo, load_external_data_for_tensor, uses_external_data
    directory = path.parent
    for t in _tensors(model):
        if not uses_external_data(t):
            continue
        loc = ExternalDataInfo(t).location
        rel = Path(loc)
        if rel.is_absolute() or "\\" in loc or ".." in rel.parts:
            raise ModelError(f"model.path: {value}: tensor {t.name} names external data '{loc}' outside the model's "
                             "directory; only files beside the model are read")
        real = paths.real(directory / rel)
        if not real.is_file():
            raise ModelError(f"model.path: {value}: tensor {t.name} keeps its values in '{loc}', which is missing; "
                             f"copy it into {directory} beside the model")
        if directory not in real.parents:
            raise ModelError(f"model.path: {value}: tensor {t.name} names external data '{loc}', which leads outside "
                             f"the model's directory {directory} (a link?); only files beside the model are read")
        load_external_data_for_tensor(t, str(directory))
        del t.external_data[:]
        t.data_location = 0  # onnx.TensorProto.DEFAULT


def _tensors(model):
    yield from model.graph.initializer
    for node in model.graph.node:
        for a in node.attribute:
            if a.HasField("t"):
                yield a.t


def load(value: str, roots: list[Path]) -> OnnxModel:
    """Reads, confines and converts the file; ModelError (naming ``model.path``) when it cannot."""
    import onnx
    path = confined("model.path", value, roots)
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as e:  # a file that is not ONNX: protobuf's DecodeError and friends
        raise ModelError(f"model.path: {value}: not a readable ONNX file ({type(e).__name__}: {e})") from e
    _external_data(model, path, value)
    graph = model.graph
    inits = {i.name for i in graph.initializer}
    inputs = [i for i in graph.input if i.name not in inits]
    if len(inputs) != 1 or len(graph.output) != 1:
        raise ModelError(f"model.path: {value}: a classifier has one input and one output; this graph has "
                         f"{len(inputs)} and {len(graph.output)}")
    dims = [d.dim_value for d in inputs[0].type.tensor_type.shape.dim]
    out_dims = [d.dim_value for d in graph.output[0].type.tensor_type.shape.dim]
    if len(dims) != 4 or min(dims[1:]) < 1 or len(out_dims) != 2 or out_dims[1] < 1:
        raise ModelError(f"model.path: {value}: input must be [N, C, H, W] and output [N, classes] with fixed sizes, "
                         f"got {dims} and {out_dims}")
    module, names = _convert(model, value)
    return OnnxModel(module, (dims[1], dims[2], dims[3]), out_dims[1], names, path)


def _rewrite(model) -> None:
    """Two exporter idioms onnx2torch 1.5.15 does not read, rewritten to equal graphs: an Identity of a weight (the
    TorchScript exporter shares equal initializers that way; onnx2torch wants a Conv's bias to be an initializer)
    becomes a copy of the weight under the Identity's output name; a ReduceMean over H and W (the dynamo exporter's
    global average pool, opset 18 with the axes as an input, which onnx2torch has no converter for) becomes
    GlobalAveragePool, then Flatten when keepdims is 0; a Reshape to a constant 2-D shape (the classifier's flatten,
    allowzero=1 from the dynamo exporter, which onnx2torch refuses) becomes Flatten (the ONNX Runtime check catches
    one that is not a flatten)."""
    from onnx import helper, numpy_helper
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    consts = {n.output[0]: numpy_helper.to_array(n.attribute[0].t) for n in g.node
              if n.op_type == "Constant" and n.attribute and n.attribute[0].name == "value"}
    kept = []
    for n in g.node:
        if n.op_type == "Identity" and n.input[0] in inits:
            copy = g.initializer.add()
            copy.CopyFrom(inits[n.input[0]])
            copy.name = n.output[0]
            inits[copy.name] = copy
            continue
        if n.op_type == "ReduceMean":
            attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
            axes = attrs.get("axes")
            if axes is None and len(n.input) > 1:
                given = n.input[1]
                axes = (numpy_helper.to_array(inits[given]) if given in inits else consts.get(given))
            if axes is not None and sorted(int(a) for a in list(axes)) in ([2, 3], [-2, -1]):
                keep = attrs.get("keepdims", 1)
                pooled = n.output[0] if keep else n.output[0] + "_pooled"
                kept.append(helper.make_node("GlobalAveragePool", [n.input[0]], [pooled], name=n.name))
                if not keep:
                    kept.append(helper.make_node("Flatten", [pooled], [n.output[0]], name=n.name + "_flatten",
                                                 axis=1))
                continue
        if n.op_type == "Reshape" and len(n.input) > 1:
            shape = numpy_helper.to_array(inits[n.input[1]]) if n.input[1] in inits else consts.get(n.input[1])
            if shape is not None and len(shape) == 2:
                # the classifier's reshape to [N, features] (allowzero=1 from the dynamo exporter, which onnx2torch
                # refuses): Flatten, which AIMET simulates; one that is not a flatten shows in the ONNX Runtime check
                kept.append(helper.make_node("Flatten", [n.input[0]], [n.output[0]], name=n.name, axis=1))
                continue
        kept.append(n)
    del g.node[:]
    g.node.extend(kept)


def _convert(model, value: str) -> tuple[nn.Module, dict[str, str]]:
    from onnx2torch import convert
    from onnx2torch.onnx_graph import OnnxGraph
    _rewrite(model)
    try:
        gm = convert(model)
    except Exception as e:  # onnx2torch raises NotImplementedError for an operator it has no converter for
        raise ModelError(f"model.path: {value}: cannot be converted to PyTorch by onnx2torch: "
                         f"{type(e).__name__}: {str(e)[:500]}") from e
    names = {unique: node.name.lstrip("/") or unique
             for unique, node in zip(OnnxGraph(model.graph).nodes, model.graph.node, strict=True)}
    _aimet_modules(gm, value, names)
    gm.graph.eliminate_dead_code()  # the Constant nodes of a Clip that became ReLU6
    for node in list(gm.graph.nodes):
        if node.op == "call_module" and not node.users and type(gm.get_submodule(node.target)).__name__ == "OnnxConstant":
            gm.graph.erase_node(node)
    gm.delete_all_unused_submodules()
    gm.recompile()
    foreign = [(n, type(m).__name__) for n, m in gm.named_modules()
               if n and type(m).__module__.startswith("onnx2torch")]
    if foreign:
        listed = ", ".join(f"{names.get(n, n)} ({t})" for n, t in foreign[:10])
        raise ModelError(f"model.path: {value}: {len(foreign)} node(s) have no AIMET quantized module: {listed}; "
                         "the aimet variant takes Conv, Gemm, BatchNormalization, Relu, Clip (ReLU6), "
                         "MaxPool, AveragePool, GlobalAveragePool, Add, Concat, Flatten (or use variant custom)")
    return gm.eval(), names


def _aimet_modules(gm, value: str, names: dict[str, str]) -> None:
    """Swaps onnx2torch's Add, Concat and GlobalAveragePool for AIMET's or torch's modules of the same call."""
    from aimet_torch._base.nn.modules.custom import Add, Concat
    for name, m in list(gm.named_children()):
        kind = type(m).__name__
        if kind == "OnnxBinaryMathOperation":
            if m.math_op_function is not torch.add or m.broadcast == 1:
                raise ModelError(f"model.path: {value}: node {names.get(name, name)}: only Add of two tensors is "
                                 f"taken among the elementwise operators (this one computes {m.math_op_function})")
            gm.add_module(name, Add())
        elif kind == "OnnxConcat":
            gm.add_module(name, Concat(m.axis))
        elif kind.startswith("OnnxGlobalAveragePool"):
            gm.add_module(name, nn.AdaptiveAvgPool2d(1))  # keeps [N, C, 1, 1], as ONNX's GlobalAveragePool


def check_against_runtime(m: OnnxModel, x: torch.Tensor, value: str) -> float:
    """max |logit difference| between the module and ONNX Runtime on x; ModelError when above the tolerance."""
    import onnxruntime as ort
    session = ort.InferenceSession(str(m.path), providers=["CPUExecutionProvider"])
    batch = session.get_inputs()[0].shape[0]
    if isinstance(batch, int) and batch > 0:  # exported with a fixed batch size: run that many at a time
        x = x[:len(x) // batch * batch] if len(x) >= batch else x.repeat(batch, 1, 1, 1)[:batch]
    step = batch if isinstance(batch, int) and batch > 0 else len(x)
    ref = np.concatenate([session.run(None, {session.get_inputs()[0].name: x[i:i + step].numpy().astype(np.float32)})[0]
                          for i in range(0, len(x), step)])
    with torch.no_grad():
        got = m.module.eval()(x).numpy()
    if got.shape != ref.shape:
        raise ModelError(f"model.path: {value}: the PyTorch conversion gives logits of shape {list(got.shape)}, ONNX "
                         f"Runtime {list(ref.shape)}")
    diff = float(np.abs(got - ref).max())
    if not diff <= TOLERANCE * max(1.0, float(np.abs(ref).max())):
        raise ModelError(f"model.path: {value}: the PyTorch conversion does not match ONNX Runtime on the first "
                         f"{len(x)} images: max |logit difference| {diff:.3g} (allowed {TOLERANCE:g} x max |logit|)")
    return diff
