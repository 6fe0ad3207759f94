"""An AIMET QuantizationSimModel with power-of-two scales, and its shift records.

Placement is AIMET's (QuantizationSimModel with a symmetric config: after a conv+ReLU the activation
quantizer sits on the ReLU, max-pool/flatten/dropout have none). Values are shiftq's: every scale is 2^-n,
with n chosen by the config's rule and frozen. A tensor has one AIMET quantizer, so a layer's input exponent
is the exponent of the quantizer that produced its input (input_align_shift is then always 0).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn

from . import pow2, schemas

if TYPE_CHECKING:  # for the annotations only; aimet-torch is imported inside the functions that use it
    from aimet_torch.quantsim import QuantizationSimModel

    from .config import JobConfig

#: AIMET config: symmetric params and activations, no bias quantizer (shiftq adds its own), the supergroups of
#: AIMET's default_config.json so an activation quantizer follows conv+ReLU and conv+ReLU6 (Clip), not the conv: one
#: requantization after the activation, as hardware fuses it and the integer model computes it.
AIMET_CONFIG = {
    "defaults": {
        "ops": {"is_output_quantized": "True", "is_symmetric": "True"},
        "params": {"is_quantized": "True", "is_symmetric": "True"},
        "strict_symmetric": "False",
        "per_channel_quantization": "False",
    },
    "params": {"bias": {"is_quantized": "False"}},
    "op_type": {},
    "supergroups": [{"op_list": ["Conv", "Relu"]}, {"op_list": ["Conv", "Clip"]}, {"op_list": ["Gemm", "Relu"]},
                    {"op_list": ["Add", "Relu"]}],
    "model_input": {"is_input_quantized": "True"},
    "model_output": {},
}


@dataclass(frozen=True)
class Place:
    """Where an activation quantizer lives: module name, ``input`` or ``output``, index."""
    module: str
    kind: str
    index: int


@dataclass
class Layer:
    """A conv/linear layer (or a residual add) and the places of the quantizers of its input(s) and output."""
    name: str
    op_type: str
    inputs: list  # list[Place | None]
    output: Place | None


@dataclass
class Pow2Sim:
    """The sim, its layers, the activation places, and each place's role (input/output) and rule."""
    sim: QuantizationSimModel
    layers: list
    places: dict = field(default_factory=dict)  # Place -> role
    names: dict = field(default_factory=dict)  # module name -> report name (an ONNX node's), where they differ

    def name(self, module: str) -> str:
        """The layer's name in the report: the ONNX node name for an imported model, else the module's."""
        return self.names.get(module, module)

    @property
    def model(self) -> nn.Module:
        return self.sim.model

    def quantizer(self, place: Place):
        mod = self.model.get_submodule(place.module)
        return (mod.input_quantizers if place.kind == "input" else mod.output_quantizers)[place.index]

    def set_quantizer(self, place: Place, q) -> None:
        mod = self.model.get_submodule(place.module)
        (mod.input_quantizers if place.kind == "input" else mod.output_quantizers)[place.index] = q

    def weighted(self):
        """(layer, quantized module) of every conv/linear, in forward order."""
        return [(layer, self.model.get_submodule(layer.name)) for layer in self.layers if layer.op_type != "Add"]


def _signed_range(bits: int) -> tuple[int, int]:
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def build(model: nn.Module, example: torch.Tensor, cfg: JobConfig, work_dir: Path) -> Pow2Sim:
    """Folds BatchNorm, optionally equalizes (AIMET CLE), builds the sim weight-only with bias quantizers."""
    from aimet_torch.batch_norm_fold import fold_all_batch_norms
    from aimet_torch.common.defs import QuantScheme
    from aimet_torch.quantsim import QuantizationSimModel

    pow2.round_half_up()
    model = model.eval()
    shape = tuple(example.shape)
    if cfg.ptq.cross_layer_equalization:
        from aimet_torch.cross_layer_equalization import equalize_model
        equalize_model(model, shape)  # folds BatchNorm itself
    else:
        fold_all_batch_norms(model, shape)
    qw, qb = cfg.quantization.weight, cfg.quantization.bias
    aimet_cfg = json.loads(json.dumps(AIMET_CONFIG))
    aimet_cfg["defaults"]["per_channel_quantization"] = "True" if qw.per_channel else "False"
    work_dir.mkdir(parents=True, exist_ok=True)
    cfg_file = work_dir / "aimet_quantsim_config.json"
    cfg_file.write_text(json.dumps(aimet_cfg, indent=2))
    sim = QuantizationSimModel(model, example, quant_scheme=QuantScheme.min_max, config_file=str(cfg_file),
                               default_output_bw=cfg.quantization.output.bitwidth,
                               default_param_bw=qw.bitwidth)
    # The trace runs inside compute_encodings, so the quantizers see data (they are all replaced or set later).
    traced: dict[str, list] = {}
    sim.compute_encodings(lambda m: traced.update(layers=_trace(m, example)))
    ps = Pow2Sim(sim, traced["layers"])
    for layer in ps.layers:
        for place in layer.inputs:
            if place is not None:
                ps.places.setdefault(place, "input" if place.kind == "input" else "output")
        if layer.output is not None:
            ps.places.setdefault(layer.output, "output")
    # Weight-only until the final step: every activation quantizer goes (the finding: the config-file
    # route raises NotImplementedError; None in code works).
    for _, qm in sim.named_qmodules():
        for i in range(len(qm.input_quantizers)):
            qm.input_quantizers[i] = None
        for i in range(len(qm.output_quantizers)):
            qm.output_quantizers[i] = None
    from aimet_torch.v2.quantization.affine import QuantizeDequantize
    for _layer, qm in ps.weighted():
        if qm.bias is not None:
            shape_b = (qm.bias.shape[0],) if qw.per_channel else ()
            qmin, qmax = _signed_range(qb.bitwidth)
            qm.param_quantizers["bias"] = QuantizeDequantize(shape_b, qmin=qmin, qmax=qmax, symmetric=True)
    return ps


def _is_add(mod: nn.Module) -> bool:
    # AIMET's elementwise Add (an imported model's residual add), or its quantized form inside the sim
    from aimet_torch._base.nn.modules.custom import Add
    return isinstance(mod, Add)


def _trace(model: nn.Module, example: torch.Tensor) -> list[Layer]:
    """Runs one forward pass with hooks to learn which activation quantizer feeds and follows each layer."""
    producer: dict[int, str] = {}
    inputs: dict[str, list[int]] = {}
    consumers: dict[int, list[str]] = {}
    order: list[str] = []
    keep: list = []
    modules = dict(model.named_modules())

    def hook(name):
        def f(mod, args, out):
            ids = [id(a) for a in args if torch.is_tensor(a)]
            keep.extend(a for a in args if torch.is_tensor(a))
            keep.append(out)
            if len(ids) == 1 and out is args[0]:
                return  # nn.Identity (a folded BatchNorm) passes the same tensor on
            inputs[name] = ids
            order.append(name)
            producer[id(out)] = name
            for i in ids:
                consumers.setdefault(i, []).append(name)
        return f

    qnames = [n for n, m in modules.items() if n and hasattr(m, "output_quantizers")]
    hooked = [n for n, m in modules.items()
              if n in qnames or (n and not list(m.children()) and not any(n.startswith(q + ".") for q in qnames))]
    handles = [modules[n].register_forward_hook(hook(n)) for n in hooked]
    try:
        with torch.no_grad():
            model(example)
    finally:
        for h in handles:
            h.remove()
    out_id = {producer_name: tid for tid, producer_name in producer.items()}

    def has_out(name):
        qs = getattr(modules[name], "output_quantizers", None)
        return qs is not None and len(qs) > 0 and qs[0] is not None

    def back(tid):
        while tid in producer:
            name = producer[tid]
            if has_out(name):
                return Place(name, "output", 0)
            if len(inputs[name]) != 1:
                return None
            tid = inputs[name][0]
        return None

    def forward(name):
        # The quantizer after the layer's ReLU or ReLU6 (its only reader) wins over one on the layer itself: one
        # requantization after the activation, as hardware fuses it and the engine's integer model computes it.
        # AIMET's Conv+Clip supergroup leaves a depthwise convolution's own output quantizer in place; unused, it
        # stays None.
        seen = name
        while True:
            tid = out_id.get(seen)
            nxt = [] if tid is None else consumers.get(tid, [])
            if len(nxt) != 1 or not isinstance(modules[nxt[0]], (nn.ReLU, nn.Hardtanh, nn.Identity)):
                break
            seen = nxt[0]
            if has_out(seen):
                return Place(seen, "output", 0)
        if has_out(name):
            return Place(name, "output", 0)
        seen = name
        while True:
            tid = out_id.get(seen)
            nxt = [] if tid is None else consumers.get(tid, [])
            if len(nxt) != 1:
                return None
            seen = nxt[0]
            if has_out(seen):
                return Place(seen, "output", 0)
            if not isinstance(modules[seen], (nn.ReLU, nn.Hardtanh, nn.Identity)):
                return None

    layers = []
    for name in order:
        mod = modules[name]
        kind = "Conv2d" if isinstance(mod, nn.Conv2d) else "Linear" if isinstance(mod, nn.Linear) else \
            "Add" if _is_add(mod) or name.endswith(".add") else None
        if kind is None:
            continue
        own = getattr(modules[name], "input_quantizers", [])
        ins = []
        for i, tid in enumerate(inputs[name]):
            if i < len(own) and own[i] is not None:
                ins.append(Place(name, "input", i))
            else:
                ins.append(back(tid))
        layers.append(Layer(name, kind, ins, forward(name)))
    return layers


# ---- choosing exponents ------------------------------------------------------------------------------

def snap_weights(ps: Pow2Sim, cfg: JobConfig) -> None:
    """The ptq stage: weight exponents by the weight rule from the tensors, biases on their own range (max rule,
    provisional, as the Java ptq stage), all frozen."""
    qw = cfg.quantization.weight
    for _layer, qm in ps.weighted():
        q = qm.param_quantizers["weight"]
        _set_log2(q, _weight_log2(qm.weight, q, qw.rounding))
        pow2.freeze(q)
        qbias = (qm.param_quantizers["bias"] if "bias" in qm.param_quantizers else None)
        if qbias is not None:
            absmax = _absmax(qm.bias, qbias)
            _set_log2(qbias, pow2.snapped_log2(absmax / qbias.qmax, "ceil"))
            pow2.freeze(qbias)


def _absmax(x: torch.Tensor, q) -> torch.Tensor:
    """max |x| per the quantizer's shape (per tensor or per output channel), never 0."""
    xd = x.detach().double()
    shape = tuple(q.shape)
    if not shape or math.prod(shape) == 1:
        return xd.abs().max().clamp_min(1e-30).reshape(shape)
    return xd.abs().reshape(xd.shape[0], -1).max(dim=1).values.clamp_min(1e-30).reshape(shape)


def _weight_log2(w: torch.Tensor, q, rounding: str) -> torch.Tensor:
    base = _absmax(w, q) / q.qmax  # the no-overflow scale
    if rounding == "max":
        return pow2.snapped_log2(base, "ceil")
    if rounding == "round":
        return pow2.snapped_log2(base, "round")
    # mse: the no-overflow exponent and finer ones, lowest squared error on the tensor
    ceil = pow2.snapped_log2(base, "ceil")
    xd = w.detach().double()
    best, best_err = ceil.clone(), None
    for k in range(4):
        cand = ceil - k
        s = torch.pow(2.0, cand).reshape(cand.shape + (1,) * (xd.dim() - cand.dim())) if cand.dim() else torch.pow(2.0, cand)
        err = ((torch.clamp(torch.round(xd / s), q.qmin, q.qmax) * s - xd) ** 2)
        err = err.reshape(xd.shape[0], -1).sum(1).reshape(cand.shape) if cand.dim() else err.sum()
        if best_err is None:
            best_err = err
        else:
            better = err < best_err
            best = torch.where(better, cand, best)
            best_err = torch.where(better, err, best_err)
    return best


def _set_log2(q, log2_scale: torch.Tensor) -> None:
    """Scale exactly 2^log2_scale over the quantizer's integer range, zero offset.

    AIMET clamps every scale at min(float32 eps, 0.01 / (qmax - qmin)) (common/quantsim.py _get_minimum_scale),
    which is not a power of two for 32 bits (2.33e-12); a smaller exponent (an all-zero bias, say) is raised
    to the smallest power of two above that floor, so the clamp never bites."""
    floor = math.ceil(math.log2(min(2.0 ** -23, 0.01 / (q.qmax - q.qmin))))
    s = torch.pow(2.0, torch.clamp(log2_scale.double(), min=floor)).to(torch.float32).reshape(tuple(q.shape))
    with torch.no_grad():
        q.set_range(s * q.qmin, s * q.qmax)


def add_activation_quantizers(ps: Pow2Sim, cfg: JobConfig, calibrate, batches) -> None:
    """The final_ptq stage: puts an activation quantizer back on every place AIMET chose, calibrates it with the rule's
    AIMET encoding analyzer over the calibration batches (weights stay frozen), snaps it to a power of two,
    decides signedness (unsigned when the config says symmetric: false and the tensor has no negative
    value), freezes it, and puts each bias at exponent w + i."""
    from aimet_torch.v2.quantization.affine import QuantizeDequantize
    from aimet_torch.v2.quantization.encoding_analyzer import (
        MinMaxEncodingAnalyzer,
        PercentileEncodingAnalyzer,
        SqnrEncodingAnalyzer,
    )
    for place, role in ps.places.items():
        tq = cfg.quantization.role(role)
        rule = tq.rounding
        analyzer = (SqnrEncodingAnalyzer(()) if rule == "mse"
                    else PercentileEncodingAnalyzer((), percentile=tq.percentile) if rule == "percentile"
                    else MinMaxEncodingAnalyzer(()))
        # Asymmetric so that AIMET observes the real [min, max]; replaced below by the shiftq form.
        ps.set_quantizer(place, QuantizeDequantize((), bitwidth=tq.bitwidth, symmetric=False,
                                                   encoding_analyzer=analyzer))
    ps.sim.compute_encodings(lambda model: calibrate(model, batches))
    for place, role in ps.places.items():
        tq = cfg.quantization.role(role)
        q = ps.quantizer(place)
        lo, hi = float(q.get_min().detach()), float(q.get_max().detach())
        bits = tq.bitwidth
        if not tq.symmetric and lo >= 0:
            new = QuantizeDequantize((), bitwidth=bits, symmetric=False)  # qmin 0, qmax 2^b-1, offset 0
            base = max(hi, 1e-30) / new.qmax
        else:
            qmin, qmax = _signed_range(bits)
            new = QuantizeDequantize((), qmin=qmin, qmax=qmax, symmetric=True)
            base = max(abs(lo), abs(hi), 1e-30) / qmax
        log2 = pow2.snapped_log2(torch.tensor(base, dtype=torch.float64), pow2.SNAP_MODE[tq.rounding])
        _set_log2(new, log2)
        pow2.freeze(new)
        ps.set_quantizer(place, new)
    for layer, qm in ps.weighted():
        qbias = (qm.param_quantizers["bias"] if "bias" in qm.param_quantizers else None)
        if qbias is None or layer.inputs[0] is None:
            continue
        w_n = torch.tensor(pow2.exponents(qm.param_quantizers["weight"]), dtype=torch.float64)
        i_n = pow2.exponents(ps.quantizer(layer.inputs[0]))[0]
        qbias.allow_overwrite(True)
        _set_log2(qbias, (-(w_n + i_n)).reshape(tuple(qbias.shape)) if qbias.shape else -(w_n[0] + i_n))
        pow2.freeze(qbias)


def all_quantizers(model: nn.Module):
    """Every AIMET affine quantizer in the model, by name."""
    from aimet_torch.v2.quantization.affine import QuantizeDequantize
    return [(n, m) for n, m in model.named_modules() if isinstance(m, QuantizeDequantize)]


# ---- shift records -----------------------------------------------------------------------------------

def shift_value(n: int) -> dict:
    """ShiftValue.of(n)."""
    return {"exponent": n, "scale": math.ldexp(1.0, -n), "power_of_2": f"2^({-n})",
            "hardware_op": f"x >> {n}" if n >= 0 else f"x << {-n}"}


def tensor_shift(tensor: str, q, rule: str, values: torch.Tensor | None, provisional=False) -> dict:
    """TensorShift: per-tensor or per-channel (shift holds the smallest exponent)."""
    ns = pow2.exponents(q)
    signed = q.qmin < 0
    sqnr = None
    if values is not None:
        with torch.no_grad():
            sqnr = pow2.sqnr_db(values, q(values.detach()).detach())
    out = {"tensor": tensor, "bitwidth": int(round(math.log2(q.qmax - q.qmin + 1))), "signed": signed, "rule": rule,
           "shift": shift_value(min(ns))}
    if len(ns) > 1 or tuple(q.shape):
        out["channel_exponents"] = ns
    if sqnr is not None:
        out["sqnr_db"] = sqnr
    out["provisional"] = provisional
    return out


def records(ps: Pow2Sim, cfg: JobConfig, final: bool) -> list[dict]:
    """One ShiftRecord per conv/linear layer (and residual add, when activations are quantized), in order."""
    qc = cfg.quantization
    out: list[dict] = []
    out_exp: dict[str, int] = {}
    for layer in ps.layers:
        if layer.op_type == "Add":
            if final and all(p is not None for p in layer.inputs):
                exps = [pow2.exponents(ps.quantizer(p))[0] for p in layer.inputs]
                align_place = layer.inputs[exps.index(min(exps))]
                align = tensor_shift(ps.name(layer.name) + ".input", ps.quantizer(align_place),
                                     qc.role(ps.places[align_place]).rounding, None)
                o = None if layer.output is None else tensor_shift(ps.name(layer.name) + ".output", ps.quantizer(layer.output),
                                                                   qc.output.rounding, None)
                cut = None if o is None else align["shift"]["exponent"] - o["shift"]["exponent"]
                out.append({"layer": ps.name(layer.name), "op_type": "Add", "input": align, **({"output": o} if o else {}),
                            **({"shift_cut": cut} if cut is not None else {}), "value_rounding": "half_up",
                            "violations": _violations(cut, None, None),
                            "add_input_shifts": [e - align["shift"]["exponent"] for e in exps]})
            continue
        qm = ps.model.get_submodule(layer.name)
        w = tensor_shift(ps.name(layer.name) + ".weight", qm.param_quantizers["weight"], qc.weight.rounding, qm.weight)
        b = None
        if (qm.param_quantizers["bias"] if "bias" in qm.param_quantizers else None) is not None:
            b = tensor_shift(ps.name(layer.name) + ".bias", qm.param_quantizers["bias"], "max" if not final else qc.bias.rounding,
                             qm.bias, provisional=not final)
            if final:
                b["rule"] = "w+i"
        i = o = None
        if final and layer.inputs[0] is not None:
            i = tensor_shift(ps.name(layer.name) + ".input", ps.quantizer(layer.inputs[0]), qc.role(ps.places[layer.inputs[0]]).rounding, None)
        if final and layer.output is not None:
            o = tensor_shift(ps.name(layer.name) + ".output", ps.quantizer(layer.output), qc.output.rounding, None)
        acc = None if i is None else w["shift"]["exponent"] + i["shift"]["exponent"]
        cut = None if acc is None or o is None else acc - o["shift"]["exponent"]
        bshift = None if acc is None or b is None else acc - b["shift"]["exponent"]
        rec = {"layer": ps.name(layer.name), "op_type": layer.op_type, "weight": w}
        for key, val in (("bias", b), ("input", i), ("output", o), ("shift_cut", cut), ("bias_shift", bshift)):
            if val is not None:
                rec[key] = val
        if i is not None and layer.inputs[0] in out_exp:
            # One AIMET quantizer per tensor: the producer's output is this input, so this is always 0.
            rec["input_align_shift"] = i["shift"]["exponent"] - out_exp[layer.inputs[0]]
        rec["value_rounding"] = "half_up"
        rec["violations"] = _violations(cut, bshift, b)
        out.append(rec)
        if o is not None:
            out_exp[layer.output] = o["shift"]["exponent"]
    return out


def _violations(cut, bshift, b) -> list[str]:
    # ShiftRecord.violations, in the words of conventions.json
    words = schemas.conventions()["violations"]
    acc_bits = schemas.conventions()["accumulator_bits"]
    found = []
    if cut is not None and cut < 0:
        found.append(words["negative_shift_cut"].format(shift_cut=cut))
    if bshift is not None and bshift < 0:
        found.append(words["negative_bias_shift"].format(bias_shift=bshift))
    if bshift is not None and bshift > 0 and b["bitwidth"] + bshift > acc_bits:
        found.append(words["bias_overflows_accumulator"].format(
            bias_shift=bshift, bias_bits=b["bitwidth"], accumulator_bits=acc_bits))
    return found


def model_size(ps: Pow2Sim, cfg: JobConfig) -> tuple[int, int]:
    """(float32 bytes, quantized bytes) of weights and biases, as ShiftRecords.size."""
    f = qbits = 0
    for _, qm in ps.weighted():
        for pname, role in (("weight", "weight"), ("bias", "bias")):
            t = getattr(qm, pname, None)
            if t is None:
                continue
            f += 4 * t.numel()
            qbits += t.numel() * cfg.quantization.role(role).bitwidth
    return f, (qbits + 7) // 8
