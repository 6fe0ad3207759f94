"""The aimet job's integer deployment: the custom variant's ``deploy/`` files and ``integer_check``, made by the engine.

After the final step the sim's power-of-two quantizers (model input, each module's output, each weight and bias),
the folded weights as the sim quantizes them (code x 2^-n, so the engine reads the same codes), the test images the
sim was evaluated on and its logits go into a scratch directory; ``io.shiftq.tools.AimetDeploy`` (Java, the tools
module) builds the engine's integer model from them (``ForeignPlan``), writes weights.npz, model.json, the C header
and C reference, and runs the integer executor against the sim's logits image by image. Its ``integer_check.json``
names the layers where the integer model cannot equal AIMET's simulation, and why.

Java is found as ``SHIFTQ_JAVA`` (default ``java`` on the PATH), the tools' classpath as ``SHIFTQ_DEPLOY_CLASSPATH``
(``tools_classpath`` in scripts/lib.sh prints it for a built tree; the image sets it). ``SHIFTQ_AIMET_INTEGER=off`` leaves the
step out on purpose (the report then has no ``integer_check``); otherwise a missing classpath fails the stage saying
how to build it.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from . import pow2

MAIN = "io.shiftq.tools.AimetDeploy"
#: IntegerCheck.METRICS, the names the reporting service reads the check from
METRICS = {"images": "integer_images", "integer_accuracy": "integer_accuracy",
           "fake_quant_accuracy": "integer_fake_quant_accuracy",
           "prediction_mismatches": "integer_prediction_mismatches", "logit_mismatches": "integer_logit_mismatches"}


class DeployError(RuntimeError):
    """The integer deployment could not be made; the message says why and what to do."""


def enabled() -> bool:
    """False only when the operator turned the step off (``SHIFTQ_AIMET_INTEGER=off``)."""
    return os.environ.get("SHIFTQ_AIMET_INTEGER", "on").lower() not in ("off", "false", "0")


def describe(q) -> dict:
    """A quantizer as AimetDeploy reads it: bits, signedness, one exponent (or one per output channel)."""
    return {"bits": int(round(math.log2(q.qmax - q.qmin + 1))), "signed": bool(q.qmin < 0),
            "exponents": pow2.exponents(q), "per_channel": bool(tuple(q.shape)) and math.prod(q.shape) > 1}


def quantizers(ps) -> dict:
    """The sim's quantizers by the engine's names: the model input's, each module's output, each parameter's."""
    inputs = {json.dumps(describe(ps.quantizer(p)), sort_keys=True) for p in ps.places if p.kind == "input"}
    if len(inputs) != 1:
        raise DeployError(f"the sim quantizes the model input with {len(inputs)} different quantizers; the integer "
                          "model has one input quantizer")
    values = {ps.name(p.module): describe(ps.quantizer(p)) for p in ps.places if p.kind == "output"}
    params = {}
    for layer, qm in ps.weighted():
        for pname in ("weight", "bias"):
            q = qm.param_quantizers[pname] if pname in qm.param_quantizers else None
            if q is not None:
                params[f"{ps.name(layer.name)}.{pname}"] = describe(q)
    return {"input": json.loads(inputs.pop()), "values": values, "params": params}


def weights(ps) -> dict[str, np.ndarray]:
    """Each folded weight and bias as the sim uses it: quantized and dequantized (code x 2^-n, exact in float32)."""
    out = {}
    with torch.no_grad():
        for layer, qm in ps.weighted():
            for pname in ("weight", "bias"):
                t = getattr(qm, pname, None)
                q = qm.param_quantizers[pname] if pname in qm.param_quantizers else None
                if t is None:
                    continue
                v = q(t.detach()) if q is not None else t.detach()
                out[f"{ps.name(layer.name)}.{pname}"] = v.as_subclass(torch.Tensor).float().numpy()
    return out


def write_inputs(work: Path, config: dict, ps, x: torch.Tensor, y: torch.Tensor, logits: torch.Tensor) -> None:
    """Everything AimetDeploy reads, into work."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "config.json").write_text(json.dumps(config))
    (work / "quantizers.json").write_text(json.dumps(quantizers(ps), indent=1))
    np.savez(work / "weights.npz", **weights(ps))
    np.savez(work / "check.npz", x=x.float().numpy(), y=y.long().numpy(), logits=logits.float().numpy())


def run(work: Path, check: Callable[[], None] | None = None) -> dict:
    """Runs AimetDeploy on work; its integer_check.json. Polls check (a cancel) while Java runs."""
    cp = os.environ.get("SHIFTQ_DEPLOY_CLASSPATH", "")
    if not cp:
        raise DeployError("SHIFTQ_DEPLOY_CLASSPATH is not set: the integer deploy files come from the engine's "
                          f"{MAIN}; build it (`mvn -B -q -DskipTests install -pl tools -am`) and set the variable to "
                          "what `tools_classpath` in scripts/lib.sh prints (scripts/aimet-test.sh does it), or set SHIFTQ_AIMET_INTEGER=off to run without")
    java = os.environ.get("SHIFTQ_JAVA", "java")
    opts = os.environ.get("SHIFTQ_DEPLOY_JAVA_OPTS", "-Xmx1g").split()
    log = work / "aimet_deploy.log"
    cmd = [java, *opts, "-Dai.djl.offline=true", "-cp", cp, MAIN, str(work)]
    try:
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
            try:
                while proc.poll() is None:
                    if check:
                        check()
                    time.sleep(0.5)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    except FileNotFoundError as e:
        raise DeployError(f"cannot start Java ({java}): {e}; install a Java 17 runtime or set SHIFTQ_JAVA") from e
    if proc.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-15:]
        raise DeployError(f"{MAIN} exited with {proc.returncode}: " + " | ".join(tail))
    return json.loads((work / "integer_check.json").read_text())


def metrics(result: dict) -> dict[str, float]:
    """The check as final_ptq metrics: IntegerCheck.METRICS (accuracies to hundredths, as Hundredths.round), and the
    code differences besides."""
    m = {name: float(round(result[key], 2) if "accuracy" in key else result[key]) for key, name in METRICS.items()}
    m["integer_differing_logit_codes"] = float(result["differing_logit_codes"])
    m["integer_max_code_difference"] = float(result["max_code_difference"])
    return m
