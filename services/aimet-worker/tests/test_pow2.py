"""Power-of-two snapping and freezing on real AIMET quantizers: exact scales, kept through QAT and export."""
from __future__ import annotations

import json

import pytest
import torch

from shiftq_aimet import config as configs
from shiftq_aimet import models, pow2, quant


def test_snapped_log2_ceil_never_shrinks_a_scale_and_round_rounds():
    s = torch.tensor([0.3, 0.25, 0.2, 1.0, 3.0])
    assert pow2.snapped_log2(s, "ceil").tolist() == [-1.0, -2.0, -2.0, 0.0, 2.0]
    assert pow2.snapped_log2(s, "round").tolist() == [-2.0, -2.0, -2.0, 0.0, 2.0]


def test_exponents_reads_n_from_an_exact_power_of_two_and_refuses_anything_else():
    from aimet_torch.v2.quantization.affine import QuantizeDequantize
    q = QuantizeDequantize((), qmin=-128, qmax=127, symmetric=True)
    quant._set_log2(q, torch.tensor(-9.0))
    assert pow2.exponents(q) == [9]
    assert q.get_scale().item() == 2.0 ** -9
    q.set_range(torch.tensor(-1.0), torch.tensor(1.0))
    with pytest.raises(ValueError, match="not an exact power of two"):
        pow2.exponents(q)


def test_max_rule_takes_the_largest_exponent_with_no_overflow():
    from aimet_torch.v2.quantization.affine import QuantizeDequantize
    q = QuantizeDequantize((), qmin=-128, qmax=127, symmetric=True)
    w = torch.tensor([0.5, -0.99, 0.1])
    n = -int(quant._weight_log2(w, q, "max"))
    assert 0.99 <= 127 * 2.0 ** -n and 0.99 > 127 * 2.0 ** -(n + 1)  # n = 7: 127/128 >= 0.99


def _sim(tmp_path, overrides=None):
    cfg = configs.parse({"model": {"name": "VGGSmall"}, **(overrides or {})})
    torch.manual_seed(0)
    model = models.create("VGGSmall", 10)
    x = torch.rand(32, 1, 28, 28)
    ps = quant.build(model, x[:1], cfg, tmp_path)
    quant.snap_weights(ps, cfg)
    return ps, cfg, x


def _scales(ps):
    return {name: q.get_scale().detach().flatten().tolist() for name, q in quant.all_quantizers(ps.model)
            if q.is_initialized()}


def test_weight_scales_stay_exact_powers_of_two_through_qat_steps_and_compute_encodings(tmp_path):
    ps, cfg, x = _sim(tmp_path)
    before = _scales(ps)
    assert before and all(pow2.is_pow2(s) for v in before.values() for s in v)
    opt = torch.optim.AdamW([p for p in ps.model.parameters() if p.requires_grad], lr=1e-2)
    ps.model.train()
    for _ in range(3):
        loss = torch.nn.functional.cross_entropy(ps.model(x), torch.randint(0, 10, (32,)))
        opt.zero_grad()
        loss.backward()
        opt.step()
    ps.sim.compute_encodings(lambda m: m(x))  # frozen: allow_overwrite(False) keeps them
    assert _scales(ps) == before


def test_without_freezing_qat_moves_scales_off_powers_of_two(tmp_path):
    """The control: AIMET learns scales in QAT, so only the freeze keeps them powers of two."""
    ps, cfg, x = _sim(tmp_path)
    for _, q in quant.all_quantizers(ps.model):
        q.requires_grad_(True)
        q.allow_overwrite(True)
    opt = torch.optim.SGD([p for p in ps.model.parameters() if p.requires_grad], lr=1e-1)
    ps.model.train()
    for _ in range(3):
        loss = torch.nn.functional.cross_entropy(ps.model(x), torch.randint(0, 10, (32,)))
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert not all(pow2.is_pow2(s) for v in _scales(ps).values() for s in v)


@pytest.mark.parametrize("rounding", ["max", "round", "mse", "percentile"])
def test_every_encoding_in_aimets_export_is_an_exact_power_of_two(tmp_path, rounding):
    act = {"rounding": rounding}
    static = {"rounding": "max" if rounding == "percentile" else rounding}
    ps, cfg, x = _sim(tmp_path, {"quantization": {"weight": static, "input": act, "output": act}})
    quant.add_activation_quantizers(ps, cfg, lambda m, bs: [m(b) for b in bs], [x])
    ps.sim.export(str(tmp_path), "m", x[:1])
    enc = json.loads((tmp_path / "m.encodings").read_text())
    entries = enc["activation_encodings"] + enc["param_encodings"]
    names = {e["name"] for e in enc["param_encodings"]}
    assert {"features.0.weight", "features.0.bias", "classifier.3.weight", "classifier.3.bias"} <= names
    assert len(enc["activation_encodings"]) == 7  # model input + 5 ReLU outputs + logits
    for e in entries:
        for s in e["scale"]:
            assert pow2.is_pow2(s), (e["name"], s)


def test_biases_sit_at_weight_plus_input_exponent_after_the_final_step(tmp_path):
    ps, cfg, x = _sim(tmp_path)
    quant.add_activation_quantizers(ps, cfg, lambda m, bs: [m(b) for b in bs], [x])
    for r in quant.records(ps, cfg, final=True):
        assert r["bias"]["shift"]["exponent"] == r["weight"]["shift"]["exponent"] + r["input"]["shift"]["exponent"]
        assert r["bias_shift"] == 0 and r["shift_cut"] == r["weight"]["shift"]["exponent"] + \
            r["input"]["shift"]["exponent"] - r["output"]["shift"]["exponent"]


def test_per_channel_weights_get_one_power_of_two_per_output_channel(tmp_path):
    ps, cfg, x = _sim(tmp_path, {"quantization": {"weight": {"per_channel": True}}})
    rec = quant.records(ps, cfg, final=False)[0]
    assert rec["layer"] == "features.0" and len(rec["weight"]["channel_exponents"]) == 32
    assert rec["weight"]["shift"]["exponent"] == min(rec["weight"]["channel_exponents"])


def test_relu_outputs_are_unsigned_and_the_logits_signed_with_the_default_config(tmp_path):
    ps, cfg, x = _sim(tmp_path)
    quant.add_activation_quantizers(ps, cfg, lambda m, bs: [m(b) for b in bs], [x])
    recs = {r["layer"]: r for r in quant.records(ps, cfg, final=True)}
    assert [r for r in recs] == ["features.0", "features.3", "features.7", "features.10", "classifier.0", "classifier.3"]
    assert recs["features.0"]["output"]["signed"] is False
    assert recs["features.0"]["input"]["signed"] is False  # pixels in [0, 1]
    assert recs["classifier.3"]["output"]["signed"] is True


def test_resnet_small_has_add_records_with_their_input_shifts(tmp_path):
    cfg = configs.parse({"model": {"name": "ResNetSmall"}})
    torch.manual_seed(0)
    x = torch.rand(16, 1, 28, 28)
    ps = quant.build(models.create("ResNetSmall", 10), x[:1], cfg, tmp_path)
    quant.snap_weights(ps, cfg)
    quant.add_activation_quantizers(ps, cfg, lambda m, bs: [m(b) for b in bs], [x])
    recs = {r["layer"]: r for r in quant.records(ps, cfg, final=True)}
    assert "layer1.0.add" in recs and recs["layer1.0.add"]["op_type"] == "Add"
    assert len(recs["layer1.0.add"]["add_input_shifts"]) == 2 and min(recs["layer1.0.add"]["add_input_shifts"]) == 0
    assert "layer2.0.downsample.0" in recs and "fc" in recs


def test_lenet5_records_use_the_engines_layer_names(tmp_path):
    cfg = configs.parse({"model": {"name": "LeNet5"}})
    torch.manual_seed(0)
    x = torch.rand(16, 1, 28, 28)
    ps = quant.build(models.create("LeNet5", 10), x[:1], cfg, tmp_path)
    quant.snap_weights(ps, cfg)
    quant.add_activation_quantizers(ps, cfg, lambda m, bs: [m(b) for b in bs], [x])
    recs = quant.records(ps, cfg, final=True)
    assert [r["layer"] for r in recs] == ["features.0", "features.3", "classifier.0", "classifier.2", "classifier.4"]
    assert all(r["violations"] == [] or isinstance(r["violations"], list) for r in recs)
