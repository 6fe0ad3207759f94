"""The aimet job's integer deployment: the engine's deploy/ files made from the sim's quantizers, and the integer
executor held to the sim image by image (integer_check in the final_ptq event)."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
import torch

from shiftq_aimet import integer, pow2


def _final(published):
    return next(e for e in published if e.get("stage") == "final_ptq" and "status" in e)


def _read(ref) -> bytes:
    return Path(urlparse(ref["uri"]).path).read_bytes()


def test_aimet_rounds_half_up_as_the_integer_shift_does():
    from aimet_torch.v2.quantization.affine import QuantizeDequantize
    pow2.round_half_up()
    q = QuantizeDequantize((), qmin=-128, qmax=127, symmetric=True)
    with torch.no_grad():
        q.set_range(torch.tensor(-128.0), torch.tensor(127.0))  # scale 1
        got = q(torch.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])).as_subclass(torch.Tensor)
    assert got.tolist() == [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]  # torch.round would give -2, -2, -0, 0, 2, 2


def test_the_integer_executor_on_the_deploy_files_equals_the_aimet_sim_on_every_test_image(tiny_job):
    _, published, _, _ = tiny_job
    m = _final(published)["metrics"]
    assert {v for v in integer.METRICS.values()} <= set(m)
    assert m["integer_images"] == 256.0  # TINY's test_limit
    # measured exact on VGGSmall once AIMET rounds half up: every logit code, not only the predictions
    assert m["integer_prediction_mismatches"] == 0 and m["integer_logit_mismatches"] == 0
    assert m["integer_accuracy"] == m["integer_fake_quant_accuracy"] == round(_final(published)["accuracy"], 2)


def test_the_deploy_files_hold_the_sims_codes_and_the_records_shifts(tiny_job):
    _, published, _, job = tiny_job
    final = _final(published)
    arts = final["artifacts"]
    for name in ("model.json", "weights.npz", "shiftq_model.h", "shiftq_model.c", "shiftq_main.c", "integer_check.json"):
        assert name in arts, name
    check = json.loads(_read(arts["integer_check.json"]))
    assert check["notes"] == {}  # VGGSmall: every AIMET quantizer is one the integer model has
    assert check["against_engine_fake_quant"]["logit_mismatches"] == 0
    graph = json.loads(_read(arts["model.json"]))
    records = {r["layer"]: r for r in final["shift_records"]}
    ops = {o["name"]: o for o in graph["ops"] if o["type"] in ("conv", "linear")}
    assert set(ops) == set(records)
    path = Path(urlparse(arts["weights.npz"]["uri"]).path)
    with np.load(path) as z:
        for layer, qm in job.ps.weighted():
            n = records[layer.name]["weight"]["shift"]["exponent"]
            codes = (qm.param_quantizers["weight"](qm.weight).as_subclass(torch.Tensor).detach().double() * 2.0 ** n)
            assert np.array_equal(z[ops[layer.name]["weight"]["array"]], codes.numpy().astype(np.int64)), layer.name
            op = ops[layer.name]
            assert op["output"]["exponent"] == records[layer.name]["output"]["shift"]["exponent"]
            assert set(op["shift_cut"]) == {records[layer.name]["shift_cut"]}


def test_without_the_engines_classpath_the_final_stage_fails_saying_how_to_build_it(monkeypatch, tmp_path):
    monkeypatch.delenv("SHIFTQ_DEPLOY_CLASSPATH", raising=False)
    with pytest.raises(integer.DeployError, match="mvn -B -q -DskipTests install -pl tools -am"):
        integer.run(tmp_path)
