"""One aimet job: calibration (FP32 baseline) -> PTQ -> weight-only QAT -> final PTQ, each ending in the
StageCompleted event the Java stage of the same name publishes (same metrics, records and artifact names
where the reporting service reads them)."""
from __future__ import annotations

import copy
import dataclasses
import io
import json
import logging
import math
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from . import config as configs
from . import data as datasets
from . import events, folders, integer, models, onnx_model, paths, quant
from .artifacts import ArtifactStore

LOG = logging.getLogger("shiftq_aimet")
Publish = Callable[[dict], None]
#: Called between batches; raises Cancelled when the job's cancel has arrived.
Check = Callable[[], None] | None
Split = datasets.ImageSet | folders.FolderSplit


class Cancelled(RuntimeError):
    """The job was cancelled (``shiftq cancel``) while it ran; ``stage`` is where it stopped."""

    def __init__(self, stage: str):
        super().__init__(f"cancelled during {stage}")
        self.stage = stage


class StageError(RuntimeError):
    """A stage could not finish; ``problems`` go into the StageFailed event."""

    def __init__(self, stage: str, reason: str, problems: list[str]):
        super().__init__(reason)
        self.stage, self.reason, self.problems = stage, reason, problems


class Progress:
    """Per-batch progress at most once per interval (plus each epoch's last batch), every epoch end always."""

    def __init__(self, job_id: str, stage: str, publish: Publish, interval: float):
        self.job_id, self.stage, self.publish, self.interval = job_id, stage, publish, interval
        self.last = -math.inf

    def step(self, percent: float, message: str):
        self.publish(events.progress(self.job_id, self.stage, percent, message))

    def batch(self, epoch, epochs, batch, batches, loss, acc, eta):
        now = time.monotonic()
        if now - self.last < self.interval and batch != batches:
            return
        self.last = now
        pct = 100.0 * ((epoch - 1) + batch / batches) / epochs
        self.publish(events.progress(self.job_id, self.stage, pct, f"{self.stage} epoch {epoch}/{epochs} batch {batch}/{batches}",
                                     epoch=epoch, epochs=epochs, batch=batch, batches=batches, loss=loss, accuracy=acc,
                                     eta_seconds=eta))

    def epoch(self, r: dict, epochs: int, batches: int):
        self.publish(events.progress(
            self.job_id, self.stage, 100.0 * r["epoch"] / epochs,
            f"{self.stage} epoch {r['epoch']}/{epochs} done: loss {r['train_loss']:.4f}, test accuracy {r['test_accuracy']:.2f}%",
            epoch=r["epoch"], epochs=epochs, batch=batches, batches=batches, loss=r["train_loss"],
            accuracy=r["test_accuracy"]))


# ---- training and evaluation --------------------------------------------------------------------------

def evaluate(model, test: Split, batch_size: int, max_batches: int, check: Check = None,
             keep: list | None = None) -> float:
    """Top-1 accuracy in percent on the test set, limited to max_batches batches (0 = all); keep, when given,
    receives (images, labels, logits) of every batch."""
    model.eval()
    correct = seen = 0
    with torch.no_grad():
        for x, y in test.batches(batch_size, max_batches=max_batches):
            if check:
                check()
            logits = model(x)
            correct += int((logits.argmax(1) == y).sum())
            seen += len(y)
            if keep is not None:
                keep.append((x, y, logits.detach().as_subclass(torch.Tensor).clone()))
    return 100.0 * correct / max(seen, 1)


def _loss(criterion: str, logits, y):
    if criterion == "MSELoss":  # logits against one-hot labels, as Criterion.java
        return F.mse_loss(logits, F.one_hot(y, logits.shape[1]).to(logits.dtype))
    return F.cross_entropy(logits, y)


def _lr(kind: str, base: float, e: float, step_size: int, gamma: float, t_max: int, eta_min: float) -> float:
    # LearningRateSchedule.java: StepLR, CosineAnnealingLR, None at (fractional) epoch e
    if kind == "StepLR":
        return base * gamma ** math.floor(e / step_size)
    if kind == "CosineAnnealingLR":
        return eta_min + (base - eta_min) * (1 + math.cos(math.pi * min(e, t_max) / t_max)) / 2
    return base


def _optimizer(params, kind, lr, weight_decay, o):
    if kind == "SGD":
        return torch.optim.SGD(params, lr=lr, momentum=o["momentum"], weight_decay=weight_decay)
    cls = torch.optim.AdamW if kind == "AdamW" else torch.optim.Adam
    return cls(params, lr=lr, betas=(o["beta1"], o["beta2"]), eps=o["eps"], weight_decay=weight_decay)


def train(model, train_set: Split, test_set: Split, *, epochs, batch_size, criterion, optimizer, lr_at, per_step,
          seed, eval_batches, progress: Progress | None, check: Check = None):
    """Epochs of shuffled mini-batches (seed + epoch), test accuracy after each; keeps the best epoch's state
    (epoch 0 = the starting state, as TrainingLoop.java). Returns (curve, best_state, best_acc, best_epoch)."""
    torch.manual_seed(seed)  # dropout
    best_state = copy.deepcopy(model.state_dict())
    best_acc = evaluate(model, test_set, batch_size, eval_batches, check)
    best_epoch, curve = 0, []
    batches = math.ceil(len(train_set) / batch_size)
    for epoch in range(epochs):
        t0 = time.monotonic()
        lr = lr_at(epoch)
        model.train()
        loss_sum, correct, seen = 0.0, 0, 0
        for b, (x, y) in enumerate(train_set.batches(batch_size, shuffle_seed=seed, epoch=epoch, train=True)):
            if check:
                check()
            if per_step:
                lr = lr_at(epoch + b / batches)
            for g in optimizer.param_groups:
                g["lr"] = lr
            logits = model(x)
            loss = _loss(criterion, logits, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += float(loss.detach()) * len(y)
            correct += int((logits.argmax(1) == y).sum())
            seen += len(y)
            if progress:
                spent = time.monotonic() - t0
                eta = spent / (b + 1) * (batches - b - 1 + (epochs - epoch - 1) * batches)
                progress.batch(epoch + 1, epochs, b + 1, batches, loss_sum / seen, 100.0 * correct / seen, eta)
        test_acc = evaluate(model, test_set, batch_size, eval_batches, check)
        r = {"epoch": epoch + 1, "train_loss": loss_sum / max(seen, 1), "train_accuracy": 100.0 * correct / max(seen, 1),
             "test_accuracy": test_acc, "learning_rate": lr, "millis": int((time.monotonic() - t0) * 1000)}
        curve.append(r)
        if progress:
            progress.epoch(r, epochs, batches)
        if test_acc > best_acc:
            best_acc, best_epoch, best_state = test_acc, epoch + 1, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    return curve, best_state, best_acc, best_epoch


def _state_bytes(state: dict) -> bytes:
    buf = io.BytesIO()
    torch.save(state, buf)
    return buf.getvalue()


def _npz_bytes(state: dict) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **{k: v.detach().cpu().numpy() for k, v in state.items() if torch.is_tensor(v) and v.dtype.is_floating_point})
    return buf.getvalue()


def _load_weights(model, path: str):
    p = Path(path.removeprefix("file:"))
    if not p.is_file():
        raise FileNotFoundError(f"model.weights: {p} not found")
    if p.suffix == ".npz":
        with np.load(p) as z:
            state = {k: torch.from_numpy(z[k]) for k in z.files}
    else:
        state = torch.load(p, map_location="cpu", weights_only=True)
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError(f"model.weights: {p} does not fit {type(model).__name__}: missing {missing[:5]}, unexpected {unexpected[:5]}")


# ---- the job -------------------------------------------------------------------------------------------

class Job:
    """The four stages of one request, run in order in this process; the sim stays in memory between them."""

    def __init__(self, request: dict, store: ArtifactStore, publish: Publish, progress_interval: float = 2.0,
                 roots: paths.Roots | None = None, check: Check = None):
        self.request, self.store, self.publish = request, store, publish
        self.job_id = request["job_id"]
        self.progress_interval = progress_interval
        self.roots = roots if roots is not None else paths.Roots.from_env(Path(store.root))
        self.check = check
        self.names: dict[str, str] = {}  # module name -> report name (the ONNX node's), where they differ
        self.cfg: configs.JobConfig  # set by calibration, from the request
        self.io_ms = 0.0

    def _put(self, name: str, data: bytes) -> dict:
        t0 = time.monotonic()
        try:
            return self.store.put(self.job_id, name, data)
        finally:
            self.io_ms += (time.monotonic() - t0) * 1000

    def _done(self, stage: str, started: str, **kw) -> None:
        metrics = dict(kw.pop("metrics", None) or {})
        metrics["artifact_io_ms"] = round(self.io_ms, 1)
        self.io_ms = 0.0
        event = events.completed(self.job_id, stage, self.cfg.as_dict(), started, metrics=metrics, **kw)
        self.publish(event)
        LOG.info("job %s: %s %s, accuracy %s", self.job_id, stage, event["status"], event.get("accuracy"))

    def run(self) -> None:
        try:
            self.calibration()
            self.ptq()
            self.qat()
            self.final_ptq()
        finally:
            self.close()

    def close(self) -> None:
        """Removes the job's scratch directory (AIMET's config file and export); the artifacts stay."""
        work = getattr(self, "work", None)
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)

    def _stage(self, stage):
        return Progress(self.job_id, stage, self.publish, self.progress_interval)

    # calibration: FP32 baseline and activation statistics
    def calibration(self) -> None:
        started = events.now()
        try:
            self.cfg = configs.parse(self.request.get("config"))
            # The operator's roots, before any work, as StageRunner checks ConfinedPaths: a path outside fails
            # at once, naming the field.
            self.roots.check(self.cfg.data.path, self.cfg.model.weights, self.cfg.model.path)
        except (configs.ConfigError, paths.OutsideRoots) as e:
            raise StageError("calibration", f"invalid config on shiftq.requests: {'; '.join(e.problems)} "
                             "(fix these keys and submit the request again)", e.problems) from e
        c = self.cfg
        p = self._stage("calibration")
        try:
            imported = onnx_model.load(c.model.path, list(self.roots.models)) if c.model.path else None
            self.train_set, self.test_set = self._data(c)
            self.example = next(iter(self.train_set.batches(1, max_batches=1)))[0].clone()
            onnx_metrics = self._onnx(imported) if imported else {}
        except (datasets.DataError, onnx_model.ModelError) as e:
            raise StageError("calibration", f"calibration failed: {e}", [str(e)]) from e
        _, ch, h, w = self.example.shape
        torch.manual_seed(c.training.seed)
        self.model = imported.module if imported else models.create(c.model.name, c.model.num_classes, ch, h, w)
        curve = []
        if c.model.weights and not imported:
            _load_weights(self.model, c.model.weights)
        if c.baseline.epochs > 0:
            # From the random init, or fine-tuning the weights given (model.path's ONNX file, model.weights), as
            # the engine's JobEngine.baseline does; 0 takes given weights as they are.
            b, t = c.baseline, c.training
            # QuantizationEngine.baseline: AdamW with weight decay 1e-4, betas (0.9, 0.999), eps 1e-8, and
            # cosine annealing over the baseline epochs.
            opt = _optimizer([q for q in self.model.parameters()], "AdamW", b.learning_rate, 1e-4,
                             {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "momentum": 0})
            curve, *_ = train(self.model, self.train_set, self.test_set, epochs=b.epochs,
                              batch_size=c.data.batch_size, criterion=t.criterion, optimizer=opt,
                              lr_at=lambda e: _lr("CosineAnnealingLR", b.learning_rate, e, 1, 1, b.epochs, 0),
                              per_step=False, seed=t.seed, eval_batches=c.ptq.max_eval_batches, progress=p,
                              check=self.check)
        bs, meb = c.data.batch_size, c.ptq.max_eval_batches
        self.fp32_accuracy = evaluate(self.model, self.test_set, bs, meb, self.check)
        p.step(90, "collecting activation statistics")
        stats = self._activation_stats()
        fp32 = self._put("fp32_weights.npz", _npz_bytes(self.model.state_dict()))
        st = self._put("activation_stats.json", json.dumps({"tensors": stats}, indent=2).encode())
        self._done("calibration", started, accuracy=self.fp32_accuracy, epochs=curve,
                   metrics={"fp32_accuracy": self.fp32_accuracy, **onnx_metrics},
                   artifacts={"fp32_weights": fp32, "activation_stats": st})

    def _data(self, c: configs.JobConfig) -> tuple[Split, Split]:
        """The splits, resized and normalized (IDX: once, in memory; a folder: image by image as it streams)."""
        d = c.data
        if d.dataset == "ImageFolder":
            if not d.path:
                raise datasets.DataError("data.path: required for ImageFolder (a directory with train/ and val/)")
            folder_train, folder_test, _ = folders.load(d, c.training.seed)
            return folder_train, folder_test
        train_set, test_set = datasets.load(d.dataset, d.path, d.train_limit, d.test_limit)
        size = datasets.resize_to(d.resize, *train_set.x.shape[2:])
        return train_set.transformed(size, d.normalize), test_set.transformed(size, d.normalize)

    def _onnx(self, m: onnx_model.OnnxModel) -> dict:
        """Checks the ONNX model against the data and ONNX Runtime; its metrics for the calibration event."""
        c = self.cfg
        shape = tuple(self.example.shape[1:])
        if m.input_shape != shape:
            raise onnx_model.ModelError(
                f"model.path: {c.model.path} reads inputs of shape {list(m.input_shape)}, data.dataset "
                f"{c.data.dataset} gives {list(shape)}; set data.resize: [{m.input_shape[1]}, {m.input_shape[2]}] "
                "to resize the images")
        if m.num_classes != c.model.num_classes:
            raise onnx_model.ModelError(f"model.num_classes: {c.model.num_classes}, but {c.model.path} has "
                                        f"{m.num_classes} logits")
        x = next(iter(self.test_set.batches(16, max_batches=1)))[0]
        diff = onnx_model.check_against_runtime(m, x, c.model.path or "")
        LOG.info("job %s: %s converted, max |logit difference| against ONNX Runtime %.3g on %d images",
                 self.job_id, c.model.path, diff, len(x))
        self.names = m.names
        return {"onnx_runtime_max_abs_diff": diff, "onnx_runtime_images": float(len(x))}

    def _calibration_batches(self):
        if getattr(self, "_calib", None) is None:
            bs, n = self.cfg.data.batch_size, self.cfg.ptq.calibration_batches
            self._calib = [x for x, _ in self.train_set.batches(bs, max_batches=n)]
        return self._calib

    def _activation_stats(self) -> dict:
        from aimet_torch.batch_norm_fold import fold_all_batch_norms
        folded = copy.deepcopy(self.model).eval()
        fold_all_batch_norms(folded, tuple(self.example.shape))
        stats: dict[str, dict] = {}
        handles: list = []

        def note(key, t):
            s = stats.setdefault(key, {"min": math.inf, "max": -math.inf, "count": 0})
            s["min"], s["max"] = min(s["min"], float(t.min())), max(s["max"], float(t.max()))
            s["count"] += t.numel()

        def hook(name):
            def f(mod, args, out):  # returns None: a forward hook's return value would replace the output
                note(name + ".input", args[0])
                note(name + ".output", out)
            return f

        for name, m in models.quantized_layers(folded):
            handles.append(m.register_forward_hook(hook(name)))
        with torch.no_grad():
            for x in self._calibration_batches():
                folded(x)
        for h in handles:
            h.remove()
        return stats

    # the ptq stage: power-of-two weights and biases
    def ptq(self) -> None:
        started = events.now()
        self.work = Path(tempfile.mkdtemp(prefix=f"shiftq-aimet-{self.job_id}-"))
        c = self.cfg
        self.ps = quant.build(copy.deepcopy(self.model), self.example, c, self.work)
        self.ps.names = self.names
        # Weight and bias ranges come from the tensors themselves (what AIMET's min-max gives a parameter);
        # shiftq's rule then sets each exponent, and set_range initializes the quantizer.
        quant.snap_weights(self.ps, c)
        bs, meb = c.data.batch_size, c.ptq.max_eval_batches
        self.ptq_accuracy = evaluate(self.ps.model, self.test_set, bs, meb, self.check)
        records = quant.records(self.ps, c, final=False)
        folded = self._put("folded_weights.pt", _state_bytes(self.ps.model.state_dict()))
        self._done("ptq", started, accuracy=self.ptq_accuracy, shift_records=records,
                   artifacts={"folded_weights": folded})

    # the qat stage: weight-only QAT with frozen power-of-two weight scales
    def qat(self) -> None:
        started = events.now()
        c, t = self.cfg, self.cfg.training
        if t.epochs == 0:
            self.qat_accuracy = self.ptq_accuracy
            w = self._put("qat_weights.pt", _state_bytes(self.ps.model.state_dict()))
            self._done("qat", started, status="skipped", accuracy=self.qat_accuracy,
                       shift_records=quant.records(self.ps, c, final=False), metrics={"best_epoch": 0},
                       artifacts={"qat_weights": w})
            return
        s = t.scheduler
        t_max = s.t_max or t.epochs
        params = [p for p in self.ps.model.parameters() if p.requires_grad]
        opt = _optimizer(params, t.optimizer.type, t.learning_rate, t.weight_decay,
                         dataclasses.asdict(t.optimizer))
        curve, best, self.qat_accuracy, best_epoch = train(
            self.ps.model, self.train_set, self.test_set, epochs=t.epochs, batch_size=c.data.batch_size,
            criterion=t.criterion, optimizer=opt,
            lr_at=lambda e: _lr(s.type, t.learning_rate, e, s.step_size, s.gamma, t_max, s.eta_min),
            per_step=s.interval == "step", seed=t.seed, eval_batches=c.ptq.max_eval_batches,
            progress=self._stage("qat"), check=self.check)
        arts = {"qat_weights": self._put("qat_weights.pt", _state_bytes(best))}
        self._done("qat", started, accuracy=self.qat_accuracy, epochs=curve,
                   shift_records=quant.records(self.ps, c, final=False), metrics={"best_epoch": best_epoch},
                   artifacts=arts)

    # the final-ptq stage: input/output exponents, biases at w + i, AIMET's export
    def final_ptq(self) -> None:
        started = events.now()
        c = self.cfg
        f32, qbytes = quant.model_size(self.ps, c)
        sizes = {"float32_bytes": float(f32), "quantized_bytes": float(qbytes),
                 "compression": f32 / qbytes if qbytes else 0.0}
        bs, meb = c.data.batch_size, c.ptq.max_eval_batches
        if not c.pipeline.final_ptq:
            self._done("final_ptq", started, status="skipped", accuracy=self.qat_accuracy,
                       shift_records=quant.records(self.ps, c, final=False), metrics=sizes)
            return
        p = self._stage("final_ptq")
        p.step(10, "calibrating activation quantizers")
        quant.add_activation_quantizers(self.ps, c, _calibrate, self._calibration_batches())
        seen: list = []
        acc = evaluate(self.ps.model, self.test_set, bs, meb, self.check, keep=seen if integer.enabled() else None)
        records = quant.records(self.ps, c, final=True)
        p.step(90, "exporting AIMET encodings")
        export_dir = self.work / "export"
        export_dir.mkdir(exist_ok=True)
        self.ps.sim.export(str(export_dir), "shiftq_aimet", self.example.clone())
        arts = {}
        for f in sorted(export_dir.iterdir()):
            if f.is_file() and not f.name.startswith("temp_"):
                arts[f.name] = self._put("deploy/" + f.name, f.read_bytes())
        metrics = dict(sizes)
        if seen:
            p.step(95, "integer deploy files and integer check (engine)")
            metrics.update(self._integer(seen, arts))
        self._done("final_ptq", started, accuracy=acc, shift_records=records, metrics=metrics, artifacts=arts)

    def _integer(self, seen: list, arts: dict) -> dict:
        """The engine's deploy/ files and integer check from the sim's quantizers (integer.py); the check's metrics."""
        t0 = time.monotonic()
        work = self.work / "integer"
        x, y, logits = (torch.cat([b[k] for b in seen]) for k in range(3))
        try:
            integer.write_inputs(work, self.cfg.as_dict(), self.ps, x, y, logits)
            result = integer.run(work, self.check)
        except integer.DeployError as e:
            raise StageError("final_ptq", f"final_ptq failed: integer deploy: {e}", [str(e)]) from e
        for name in result["files"]:
            arts[name] = self._put("deploy/" + name, (work / "deploy" / name).read_bytes())
        arts["integer_check.json"] = self._put("deploy/integer_check.json", (work / "integer_check.json").read_bytes())
        for layer, notes in result["notes"].items():
            for note in notes:
                LOG.warning("job %s: integer model, layer %s: %s", self.job_id, layer, note)
        LOG.info("job %s: integer executor against the AIMET sim on %d images: %d predictions and %d logit vectors "
                 "differ (%.1f s)", self.job_id, result["images"], result["prediction_mismatches"],
                 result["logit_mismatches"], time.monotonic() - t0)
        return {**integer.metrics(result), "integer_deploy_ms": round((time.monotonic() - t0) * 1000, 1)}


def _calibrate(model, batches):
    with torch.no_grad():
        for x in batches:
            model(x)
