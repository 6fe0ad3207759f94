"""The job configuration: shared-schema's QuantizationConfig, merged over its defaults and validated.

Defaults come from quantization-config.schema.json (generated from the Java records), and the per-role
tensor defaults, which a schema cannot express, from conventions.json (TensorQuantConfig.defaults(role)). Every
problem names the dotted key, the bad value and what is allowed, as the Java validation does.
"""
from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from . import schemas
from .data import DATASETS
from .models import BUILTIN

ROLES: tuple[str, ...] = tuple(schemas.conventions()["roles"])
ROUNDINGS: tuple[str, ...] = tuple(schemas.conventions()["roundings"])
STATIC_ROUNDINGS: tuple[str, ...] = tuple(schemas.conventions()["static_roundings"])
# The upper bounds Java's validation enforces (Limits.DEFAULT, DataConfig, ModelConfig), through conventions.json.
LIMITS: dict = dict(schemas.conventions()["limits"])


class ConfigError(ValueError):
    """An invalid config; ``problems`` lists each one."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _tensor_default(role: str) -> dict:
    # TensorQuantConfig.defaults(role), through conventions.json
    return dict(schemas.conventions()["tensor_defaults"][role])


def defaults() -> dict:
    """Every key with its default, in the seed's layout."""
    def from_schema(node: dict) -> dict:
        out = {}
        for key, prop in node.get("properties", {}).items():
            if prop.get("type") == "object" and "properties" in prop:
                # An optional section without defaults (data.normalize) is absent, as Java's null is.
                out[key] = from_schema(prop) or None
            elif "default" in prop:
                out[key] = prop["default"]
        return out

    d = from_schema(schemas.load("quantization-config"))
    d["model"].setdefault("weights", None)
    d["model"].setdefault("path", None)
    # Optional keys without a default are absent in Java's record too (null), so they start as None here.
    for key in ("resize", "center_crop", "random_resized_crop"):
        d["data"].setdefault(key, None)
    d["quantization"] = {role: _tensor_default(role) for role in ROLES}
    return d


def _merge(base: dict, given: dict, path: str, problems: list[str]) -> dict:
    out = copy.deepcopy(base)
    for key, value in given.items():
        where = f"{path}.{key}" if path else key
        if key not in base:
            problems.append(f"{where}: unknown key; allowed: {', '.join(base)}")
        elif isinstance(base[key], dict):
            if not isinstance(value, dict):
                problems.append(f"{where}: expected an object, got {value!r}")
            else:
                out[key] = _merge(base[key], value, where, problems)
        else:
            out[key] = value
    return out


@dataclass(frozen=True)
class ModelConfig:
    """``model``: a built-in network by name, optionally with FP32 weights, or an ONNX file (``path``)."""
    name: str
    num_classes: int
    weights: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class DataConfig:
    """``data``: the data set, where it is, and how much of it to use (0 = all)."""
    dataset: str
    path: str
    batch_size: int
    train_limit: int
    test_limit: int
    normalize: dict | None = None
    resize: Any = None
    center_crop: int | None = None
    random_resized_crop: int | None = None
    horizontal_flip: bool = False
    workers: int = 2
    prefetch: int = 2
    skip_unreadable: bool = False


@dataclass(frozen=True)
class BaselineConfig:
    """``baseline``: FP32 training before PTQ, from the random init or fine-tuning the weights given."""
    epochs: int
    learning_rate: float


@dataclass(frozen=True)
class OptimizerConfig:
    """``training.optimizer``."""
    type: str
    momentum: float
    beta1: float
    beta2: float
    eps: float


@dataclass(frozen=True)
class SchedulerConfig:
    """``training.scheduler``; ``interval`` is ``epoch`` or ``step``."""
    type: str
    step_size: int
    gamma: float
    t_max: int
    eta_min: float
    interval: str


@dataclass(frozen=True)
class TrainingConfig:
    """``training``: the qat stage (and the optimizer settings the baseline shares)."""
    epochs: int
    learning_rate: float
    weight_decay: float
    criterion: str
    optimizer: OptimizerConfig
    scheduler: SchedulerConfig
    seed: int
    thresholds: str
    threshold_learning_rate: float
    recalibrate_thresholds: bool


@dataclass(frozen=True)
class PtqConfig:
    """``ptq``: evaluation and calibration batches, and the ptq stage's options."""
    max_eval_batches: int
    calibration_batches: int
    cross_layer_equalization: bool
    bias_correction: bool
    rounding: str
    rounding_iterations: int


@dataclass(frozen=True)
class TensorQuantConfig:
    """``quantization.<role>``: how one kind of tensor is quantized."""
    bitwidth: int
    symmetric: bool
    power_of_2: bool
    per_channel: bool
    rounding: str
    percentile: float


@dataclass(frozen=True)
class QuantizationSection:
    """``quantization``: one TensorQuantConfig per role."""
    weight: TensorQuantConfig
    input: TensorQuantConfig
    output: TensorQuantConfig
    bias: TensorQuantConfig

    def role(self, role: str) -> TensorQuantConfig:
        """The config of a role named by text (``weight``, ``input``, ``output``, ``bias``)."""
        return getattr(self, role)


@dataclass(frozen=True)
class PipelineConfig:
    """``pipeline``: ``final_ptq: false`` skips the final-ptq stage."""
    final_ptq: bool


@dataclass(frozen=True)
class TargetConfig:
    """``target``: the hardware profile; the aimet variant runs only ``generic`` (no limits enforced)."""
    profile: str
    limits: dict | None = None


@dataclass(frozen=True)
class JobConfig:
    """A validated job config, typed; ``as_dict()`` is what the events carry (as Java writes the record)."""
    model: ModelConfig
    data: DataConfig
    baseline: BaselineConfig
    training: TrainingConfig
    ptq: PtqConfig
    quantization: QuantizationSection
    pipeline: PipelineConfig
    target: TargetConfig

    @staticmethod
    def of(c: dict) -> JobConfig:
        """From a merged, validated config dict (every key present)."""
        t, q = c["training"], c["quantization"]
        return JobConfig(
            model=ModelConfig(**c["model"]),
            data=DataConfig(**{**c["data"], "resize": _as_list(c["data"]["resize"])}),
            baseline=BaselineConfig(**c["baseline"]),
            training=TrainingConfig(**{**t, "optimizer": OptimizerConfig(**t["optimizer"]),
                                       "scheduler": SchedulerConfig(**t["scheduler"])}),
            ptq=PtqConfig(**c["ptq"]),
            quantization=QuantizationSection(**{role: TensorQuantConfig(**q[role]) for role in ROLES}),
            pipeline=PipelineConfig(**c["pipeline"]),
            target=TargetConfig(**c["target"]))

    def as_dict(self) -> dict:
        """Every key, nested, without the unset optional ones (Jackson's NON_NULL)."""
        return _without_nulls(dataclasses.asdict(self))


def parse(given: dict | None) -> JobConfig:
    """The given keys merged over the defaults, validated; raises ConfigError listing every problem."""
    problems: list[str] = []
    if given is not None and not isinstance(given, dict):
        raise ConfigError([f"config: expected an object, got {type(given).__name__}"])
    cfg = _merge(defaults(), given or {}, "", problems)
    if not problems:
        problems = check(cfg)
    if problems:
        raise ConfigError(problems)
    return JobConfig.of(cfg)


def _as_list(v):
    # data.resize: one size is read as a one-element list, as Jackson's ACCEPT_SINGLE_VALUE_AS_ARRAY
    return [v] if isinstance(v, int) and not isinstance(v, bool) else v


def _without_nulls(d: dict) -> dict:
    """As Jackson writes the Java record (NON_NULL): an unset model.weights is left out, not null."""
    return {k: _without_nulls(v) if isinstance(v, dict) else v for k, v in d.items() if v is not None}


def _num(p, key, v, lo=None, lo_incl=True, hi=None, hi_incl=True, integer=False):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (integer and not isinstance(v, int)):
        p.append(f"{key}: {v!r} is not {'an integer' if integer else 'a number'}")
        return
    if isinstance(v, float) and not math.isfinite(v):
        p.append(f"{key}: {v!r} is not finite")
        return
    bad_lo = lo is not None and (v < lo or (not lo_incl and v == lo))
    bad_hi = hi is not None and (v > hi or (not hi_incl and v == hi))
    if bad_lo or bad_hi:
        lo_s = "" if lo is None else ("[" if lo_incl else "(") + str(lo)
        hi_s = "" if hi is None else str(hi) + ("]" if hi_incl else ")")
        p.append(f"{key}: {v!r} is out of range; allowed: {lo_s or '(-inf'}..{hi_s or 'inf)'}")


# A scheduler's step_size and t_max count steps: at most every epoch's every batch (SchedulerConfig's bound).
_MAX_STEPS = LIMITS["max_epochs"] * LIMITS["max_batches"]


def _one_of(p, key, v, allowed):
    if v not in allowed:
        p.append(f"{key}: {v!r} is not one of {', '.join(allowed)}")


def _bool(p, key, v):
    if not isinstance(v, bool):
        p.append(f"{key}: {v!r} is not true or false")


MAX_RESIZE = LIMITS["max_resize"]  # DataConfig.MAX_RESIZE


def _valid_side(v) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_RESIZE else 0


def _check_batch_values(p: list[str], d: dict) -> None:
    """DataConfig's bound on one batch: batch_size x 3 channels x the largest image a transform asks for."""
    field, pixels = None, 0
    r = d.get("resize")
    sizes = r if isinstance(r, list) else ([r] if r is not None else [])
    if 1 <= len(sizes) <= 2 and all(_valid_side(v) for v in sizes):
        field, pixels = "resize", sizes[0] * sizes[-1]
    for key in ("center_crop", "random_resized_crop"):
        side = _valid_side(d.get(key))
        if side * side > pixels:
            field, pixels = key, side * side
    b = d.get("batch_size")
    if field is None or not isinstance(b, int) or isinstance(b, bool) or b < 1:
        return  # no size asked for, or a batch size with its own problem
    values = b * LIMITS["max_channels"] * pixels
    if values > LIMITS["max_batch_values"]:
        p.append(f"data.{field}: a batch of {b} images (data.batch_size) of up to {LIMITS['max_channels']} x {pixels}"
                 f" pixels holds {values} values, above the bound {LIMITS['max_batch_values']} (1 GiB of float32);"
                 f" lower data.{field} or data.batch_size")


def _check_transforms(p: list[str], d: dict) -> None:
    """data.normalize, resize and the image-folder transforms, as DataConfig.check and Normalize.check."""
    n = d.get("normalize")
    if n is not None:
        if not isinstance(n, dict) or set(n) - {"mean", "std"}:
            p.append(f"data.normalize: {n!r} must be {{mean: [...], std: [...]}}")
        else:
            mean, std = n.get("mean"), n.get("std")
            ok = [isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in mean or []]
            if not isinstance(mean, list) or not mean or not all(ok):
                p.append(f"data.normalize.mean: must list one finite number per channel, got {mean!r}")
            good = [isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0
                    for v in std or []]
            if not isinstance(std, list) or not std or not all(good):
                p.append(f"data.normalize.std: must list one positive finite number per channel, got {std!r}")
            elif isinstance(mean, list) and mean and len(mean) != len(std):
                p.append(f"data.normalize: mean has {len(mean)} values and std {len(std)}; give one per channel")
    r = d.get("resize")
    if r is not None:
        sizes = r if isinstance(r, list) else [r]
        if not 1 <= len(sizes) <= 2 or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_RESIZE
                                                 for v in sizes):
            p.append(f"data.resize: must be [height, width] or one size for the shorter side, each 1 to {MAX_RESIZE},"
                     f" got {r!r}")
    for key in ("center_crop", "random_resized_crop"):
        if d.get(key) is not None:
            _num(p, f"data.{key}", d[key], 1, hi=MAX_RESIZE, integer=True)
    _bool(p, "data.horizontal_flip", d.get("horizontal_flip"))
    if d.get("dataset") != "ImageFolder":
        for key in ("center_crop", "random_resized_crop"):
            if d.get(key) is not None:
                p.append(f"data.{key}: ImageFolder only (data.dataset is {d.get('dataset')!r}); leave it out")
        if d.get("horizontal_flip") is True:
            p.append(f"data.horizontal_flip: ImageFolder only (data.dataset is {d.get('dataset')!r}); leave it false")


def _check_target(p: list[str], target: dict) -> None:
    # The Java variant enforces hardware limits in its exponent search; this worker has none, so it takes only the
    # profile that enforces nothing rather than claim a target it did not meet.
    profiles = schemas.load("quantization-config")["properties"]["target"]["properties"]["profile"]["enum"]
    if target["profile"] not in profiles:
        _one_of(p, "target.profile", target["profile"], profiles)
    elif target["profile"] != "generic":
        p.append(f"target.profile: {target['profile']!r} is not supported by the aimet variant; allowed: generic "
                 "(or submit the job with variant custom)")
    if target.get("limits") is not None:
        p.append("target.limits: hardware limits are not supported by the aimet variant; leave it out or use variant "
                 "custom")


def check(c: dict) -> list[str]:
    """Problems of a merged config: the Java checks, plus what the aimet variant cannot do."""
    p: list[str] = []
    m, d, b, t, q = c["model"], c["data"], c["baseline"], c["training"], c["ptq"]
    _one_of(p, "model.name", m["name"], BUILTIN)
    _num(p, "model.num_classes", m["num_classes"], 1, hi=LIMITS["max_classes"], integer=True)
    if m["weights"] is not None and (not isinstance(m["weights"], str) or not m["weights"].strip()):
        p.append("model.weights: must be a non-blank path (.pt/.pth state dict or .npz) or left out")
    if m.get("path") is not None and (not isinstance(m["path"], str) or not m["path"].strip()):
        p.append("model.path: must be a non-blank path to an ONNX file or left out")
    elif m.get("path") is not None and m["weights"] is not None:
        p.append("model.weights: leave it out when model.path is given (the ONNX file holds the FP32 weights)")
    _check_transforms(p, d)
    _num(p, "data.workers", d["workers"], 1, hi=LIMITS["max_workers"], integer=True)
    _num(p, "data.prefetch", d["prefetch"], 1, hi=LIMITS["max_prefetch"], integer=True)
    _bool(p, "data.skip_unreadable", d["skip_unreadable"])
    _one_of(p, "data.dataset", d["dataset"], DATASETS)
    if not isinstance(d["path"], str) or not d["path"].strip():
        p.append("data.path: must be a non-blank directory")
    _num(p, "data.batch_size", d["batch_size"], 1, hi=LIMITS["max_batch_size"], integer=True)
    _check_batch_values(p, d)
    _num(p, "data.train_limit", d["train_limit"], 0, hi=LIMITS["max_images"], integer=True)
    _num(p, "data.test_limit", d["test_limit"], 0, hi=LIMITS["max_images"], integer=True)
    _num(p, "baseline.epochs", b["epochs"], 0, hi=LIMITS["max_epochs"], integer=True)
    _num(p, "baseline.learning_rate", b["learning_rate"], 0, False, LIMITS["max_learning_rate"])
    _num(p, "training.epochs", t["epochs"], 0, hi=LIMITS["max_epochs"], integer=True)
    _num(p, "training.learning_rate", t["learning_rate"], 0, False, LIMITS["max_learning_rate"])
    _num(p, "training.weight_decay", t["weight_decay"], 0, hi=LIMITS["max_weight_decay"])
    _one_of(p, "training.criterion", t["criterion"], ("CrossEntropyLoss", "MSELoss"))
    _num(p, "training.seed", t["seed"], integer=True)
    _one_of(p, "training.thresholds", t["thresholds"], ("fixed", "learned"))
    _num(p, "training.threshold_learning_rate", t["threshold_learning_rate"], 0, False, LIMITS["max_learning_rate"])
    _bool(p, "training.recalibrate_thresholds", t["recalibrate_thresholds"])
    if t["thresholds"] == "learned":
        p.append("training.thresholds: learned is not supported by the aimet variant; allowed: fixed "
                 "(or submit the job with variant custom)")
    o, s = t["optimizer"], t["scheduler"]
    _one_of(p, "training.optimizer.type", o["type"], ("AdamW", "Adam", "SGD"))
    _num(p, "training.optimizer.momentum", o["momentum"], 0, True, 1, False)
    _num(p, "training.optimizer.beta1", o["beta1"], 0, True, 1, False)
    _num(p, "training.optimizer.beta2", o["beta2"], 0, True, 1, False)
    _num(p, "training.optimizer.eps", o["eps"], 0, False, LIMITS["max_eps"])
    _one_of(p, "training.scheduler.type", s["type"], ("StepLR", "CosineAnnealingLR", "None"))
    _num(p, "training.scheduler.step_size", s["step_size"], 1, hi=_MAX_STEPS, integer=True)
    _num(p, "training.scheduler.gamma", s["gamma"], 0, False, 1, True)
    _num(p, "training.scheduler.t_max", s["t_max"], 0, hi=_MAX_STEPS, integer=True)
    _num(p, "training.scheduler.eta_min", s["eta_min"], 0)
    _one_of(p, "training.scheduler.interval", s["interval"], ("epoch", "step"))
    _num(p, "ptq.max_eval_batches", q["max_eval_batches"], 0, hi=LIMITS["max_batches"], integer=True)
    _num(p, "ptq.calibration_batches", q["calibration_batches"], 1, hi=LIMITS["max_batches"], integer=True)
    _bool(p, "ptq.cross_layer_equalization", q["cross_layer_equalization"])
    _bool(p, "ptq.bias_correction", q["bias_correction"])
    if q["bias_correction"] is True:
        p.append("ptq.bias_correction: true is not supported by the aimet variant; allowed: false "
                 "(or submit the job with variant custom)")
    _one_of(p, "ptq.rounding", q["rounding"], ("nearest", "learned"))
    _num(p, "ptq.rounding_iterations", q["rounding_iterations"], 1, True, 100000, True, integer=True)
    if q["rounding"] == "learned":
        p.append("ptq.rounding: learned is not supported by the aimet variant; allowed: nearest "
                 "(or submit the job with variant custom)")
    _bool(p, "pipeline.final_ptq", c["pipeline"]["final_ptq"])
    _check_target(p, c["target"])
    for role in ROLES:
        tq, key = c["quantization"][role], f"quantization.{role}"
        _num(p, key + ".bitwidth", tq["bitwidth"], 2, True, 32, True, integer=True)
        _bool(p, key + ".symmetric", tq["symmetric"])
        if tq["power_of_2"] is not True:
            p.append(f"{key}.power_of_2: {tq['power_of_2']!r} is not allowed; shiftq only produces power-of-two scales (set true)")
        if tq["per_channel"] is True and role != "weight":
            p.append(f"{key}.per_channel: true is only allowed for weight; allowed here: false")
        if role in ("weight", "bias") and tq["rounding"] == "percentile":
            p.append(f"{key}.rounding: 'percentile' is only allowed for input and output; allowed here: "
                     + ", ".join(STATIC_ROUNDINGS))
        else:
            _one_of(p, key + ".rounding", tq["rounding"], ROUNDINGS)
        _num(p, key + ".percentile", tq["percentile"], 50, False, 100, True)
    if c["quantization"]["weight"]["symmetric"] is False:
        p.append("quantization.weight.symmetric: false is not supported by the aimet variant (weights are signed); "
                 "allowed: true")
    return p
