"""Every event type the worker emits conforms to shared-schema's JSON Schemas, and carries what the
reporting service reads (ReportBuilder: accuracies, shift records, sizes, QAT epochs, artifacts)."""
from __future__ import annotations

import hashlib
import json
import re
import uuid
from urllib.parse import urlparse

import jsonschema
import pytest
from conftest import REPO

from shiftq_aimet import config as configs
from shiftq_aimet import events, pow2, schemas
from shiftq_aimet.worker import handle


def validate(event: dict) -> None:
    name = "stage-failed" if "reason" in event else "stage-completed" if "status" in event else "stage-progress"
    jsonschema.Draft202012Validator(schemas.load(name),
                                    format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(event)


def test_every_event_of_a_job_validates_against_its_schema(tiny_job):
    _, published, _, _ = tiny_job
    kinds = {("failed" if "reason" in e else "completed" if "status" in e else "progress") for e in published}
    assert kinds == {"completed", "progress"}
    for e in published:
        validate(e)


def test_a_job_completes_the_four_stages_in_order_with_what_reporting_reads(tiny_job):
    request, published, store, _ = tiny_job
    done = [e for e in published if "status" in e]
    assert [e["stage"] for e in done] == ["calibration", "ptq", "qat", "final_ptq"]
    assert all(e["variant"] == "aimet" and e["job_id"] == request["job_id"] for e in published)
    assert all(isinstance(e["accuracy"], float) for e in done)
    cal, ptq, qat, fin = done
    assert cal["metrics"]["fp32_accuracy"] == cal["accuracy"] and cal["epochs"]
    assert set(cal["artifacts"]) == {"fp32_weights", "activation_stats"}
    assert len(qat["epochs"]) == 1 and {"epoch", "train_loss", "test_accuracy", "learning_rate"} <= set(qat["epochs"][0])
    assert {"float32_bytes", "quantized_bytes"} <= set(fin["metrics"])
    assert all("artifact_io_ms" in e["metrics"] for e in done)
    layers = [r["layer"] for r in fin["shift_records"]]
    assert layers == ["features.0", "features.3", "features.7", "features.10", "classifier.0", "classifier.3"]
    for r in fin["shift_records"]:
        assert {"weight", "bias", "input", "output", "shift_cut", "bias_shift"} <= set(r)
        for t in ("weight", "bias", "input", "output"):
            assert pow2.is_pow2(r[t]["shift"]["scale"]) and r[t]["shift"]["scale"] == 2.0 ** -r[t]["shift"]["exponent"]
    assert all(r["bias"]["provisional"] for r in ptq["shift_records"])
    assert all("input" not in r for r in ptq["shift_records"])
    # The config is carried whole, every key present, so Java's QuantizationConfig reads it unchanged.
    assert fin["config"] == configs.parse(request["config"]).as_dict()


def test_artifacts_are_in_the_store_with_the_java_stores_uri_and_sha256(tiny_job):
    request, published, store, _ = tiny_job
    refs = [ref for e in published if "status" in e for ref in e["artifacts"].values()]
    assert refs
    for ref in refs:
        path = urlparse(ref["uri"]).path
        assert ref["uri"].startswith("file:///") and path.startswith(str(store.root / request["job_id"]))
        data = open(path, "rb").read()
        assert hashlib.sha256(data).hexdigest() == ref["sha256"] and len(data) == ref["bytes"]


def test_the_exported_aimet_encodings_are_all_exact_powers_of_two(tiny_job):
    _, published, store, _ = tiny_job
    fin = [e for e in published if e.get("status") and e["stage"] == "final_ptq"][0]
    enc = json.loads(store.read(fin["artifacts"]["shiftq_aimet.encodings"]))
    scales = [s for e in enc["activation_encodings"] + enc["param_encodings"] for s in e["scale"]]
    assert len(scales) >= 19 and all(pow2.is_pow2(s) for s in scales)
    torch_enc = json.loads(store.read(fin["artifacts"]["shiftq_aimet_torch.encodings"]))
    assert torch_enc["activation_encodings"]["features.2"]["output"]["0"]["offset"] == 0  # unsigned ReLU output


def test_progress_events_carry_percent_and_a_message(tiny_job):
    _, published, _, _ = tiny_job
    progress = [e for e in published if "status" not in e]
    assert {e["stage"] for e in progress} >= {"calibration", "qat", "final_ptq"}
    assert all(0 <= e["percent"] <= 100 and e["message"] for e in progress)


@pytest.mark.parametrize("config, field, allowed", [
    ({"model": {"name": "ResNet50"}}, "model.name", "VGGSmall, LeNet5, ResNetSmall"),
    ({"quantization": {"weight": {"rounding": "percentile"}}}, "quantization.weight.rounding", "max, round, mse"),
    ({"quantization": {"input": {"power_of_2": False}}}, "quantization.input.power_of_2", "set true"),
    ({"ptq": {"bias_correction": True}}, "ptq.bias_correction", "allowed: false"),
    ({"data": {"dataset": "CIFAR10"}}, "data.dataset", "FashionMNIST, MNIST, ImageFolder"),
    ({"ptq": {"rounding": "learned"}}, "ptq.rounding", "allowed: nearest"),
    ({"training": {"thresholds": "learned"}}, "training.thresholds", "allowed: fixed"),
    ({"training": {"epoch": 3}}, "training.epoch", "allowed: epochs"),
    ({"data": {"normalize": {"mean": [0.3], "std": [0.0]}}}, "data.normalize.std", "positive finite number"),
    ({"data": {"resize": [0]}}, "data.resize", "each 1 to 4096"),
    ({"data": {"center_crop": 24}}, "data.center_crop", "ImageFolder only"),
    ({"data": {"dataset": "ImageFolder", "random_resized_crop": "big"}}, "data.random_resized_crop", "not an integer"),
    ({"model": {"path": "/etc/hostname"}}, "model.path", "outside the allowed roots"),
    ({"data": {"path": "/etc"}}, "data.path", "outside the allowed roots ['/usr/share/datasets']"),
    ({"model": {"weights": "/root/.ssh/id_rsa.npz"}}, "model.weights", "outside the allowed roots"),
    # The upper bounds come from conventions.json, the values Java's validation enforces.
    ({"model": {"num_classes": 1000000000}}, "model.num_classes", "allowed: [1..100000]"),
    ({"data": {"batch_size": 5000}}, "data.batch_size", "allowed: [1..4096]"),
    ({"data": {"resize": [4096, 4096]}}, "data.resize", "a batch of 64 images (data.batch_size) of up to 3 x"),
    ({"training": {"epochs": 1001}}, "training.epochs", "allowed: [0..1000]"),
    ({"ptq": {"calibration_batches": 2000000}}, "ptq.calibration_batches", "allowed: [1..1000000]"),
    ({"target": {"profile": "dpu"}}, "target.profile", "allowed: generic"),
    ({"target": {"profile": "tpu"}}, "target.profile", "generic, dpu, fpga16"),
    ({"target": {"limits": {"accumulator_bits": 16}}}, "target.limits", "use variant custom"),
])
def test_a_bad_config_fails_with_a_reason_naming_the_field_and_the_allowed_values(tmp_path, config, field, allowed):
    from shiftq_aimet.artifacts import ArtifactStore
    published = []
    payload = json.dumps({"schema_version": "1", "job_id": "bad-1", "variant": "aimet", "config": config}).encode()
    assert handle(payload, b"bad-1", ArtifactStore(tmp_path), published.append) == "failed"
    (failure,) = published
    validate(failure)
    assert failure["stage"] == "calibration" and field in failure["reason"] and allowed in failure["reason"]
    assert failure["source_topic"] == "shiftq.requests"


def test_custom_requests_and_non_json_are_left_to_the_java_stages(tmp_path):
    from shiftq_aimet.artifacts import ArtifactStore
    published = []
    store = ArtifactStore(tmp_path)
    custom = json.dumps({"schema_version": "1", "job_id": "c-1", "variant": "custom", "config": {}}).encode()
    assert handle(custom, b"c-1", store, published.append) == "ignored"
    assert handle(b"{not json", b"x", store, published.append) == "ignored"
    assert published == []


def test_an_unreadable_aimet_request_fails_with_what_was_wrong(tmp_path):
    from shiftq_aimet.artifacts import ArtifactStore
    published = []
    payload = json.dumps({"schema_version": "9", "job_id": "../x", "variant": "aimet"}).encode()
    assert handle(payload, b"key-1", ArtifactStore(tmp_path), published.append) == "failed"
    (failure,) = published
    validate(failure)
    assert failure["job_id"] == "key-1" and "schema_version" in failure["reason"] and "missing config" in failure["reason"]


def test_cloudevents_headers_name_the_versioned_type():
    e = events.completed("j-1", "qat", {}, events.now())
    h = dict(events.headers(e))
    assert h["ce_type"] == b"io.shiftq.qat.completed.v1" and h["ce_subject"] == b"j-1"
    assert events.topic_and_type(e)[0] == "shiftq.qat.done"


#: Written and checked from the Java side by io.shiftq.messaging.CloudEventHeadersFixtureTest.
HEADERS_FIXTURE = REPO / "services" / "messaging" / "src" / "test" / "resources" / "cloudevents-headers.json"


def test_cloudevents_headers_match_the_fixture_the_java_producers_are_tested_against():
    cases = json.loads(HEADERS_FIXTURE.read_text(encoding="utf-8"))["cases"]
    assert len(cases) >= 3
    for case in cases:
        expected = case["headers"]
        written = [(k, v.decode()) for k, v in events.headers(case["event"])]
        assert [k for k, _ in written] == list(expected), case["class"]
        got = dict(written)
        uuid.UUID(got["ce_id"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z", got["ce_time"]), got["ce_time"]
        fixed = {k: v for k, v in expected.items() if k not in ("ce_id", "ce_time")}
        assert {k: got[k] for k in fixed} == fixed, case["class"]


def test_optional_sections_left_out_stay_out_as_java_writes_them():
    # Java's reader refuses data.normalize: {} (no mean, no std), so the worker must not invent it: it once
    # did, and the reporting service skipped every completion of the job.
    from shiftq_aimet import config
    merged = config.parse({}).as_dict()
    assert "normalize" not in merged["data"] and "path" not in merged["model"]
    assert merged["target"] == {"profile": "generic"}  # TargetConfig.defaults(), limits unset


def test_the_config_is_typed_and_carries_the_java_tensor_defaults():
    from shiftq_aimet import config
    c = config.parse({"quantization": {"weight": {"bitwidth": 4}}})
    assert c.quantization.weight.bitwidth == 4 and c.quantization.weight.rounding == "mse"
    # TensorQuantConfig.defaults("bias"), read from conventions.json
    assert (c.quantization.bias.bitwidth, c.quantization.bias.rounding) == (32, "max")
    assert c.quantization.input.symmetric is False and c.training.optimizer.type == "AdamW"


JOB_CONFIGS = sorted(p for p in (REPO / "configs").rglob("*.yaml") if p.name != "kustomization.yaml")


@pytest.mark.parametrize("path", JOB_CONFIGS, ids=lambda p: p.name)
def test_every_committed_job_config_validates_against_the_config_schema(path):
    # The schema is what non-Java clients check a config with before sending it: every config we ship must pass it
    # (data.resize: 256, the shorter side, is a number, not a list).
    import yaml
    jsonschema.Draft202012Validator(schemas.load("quantization-config")).validate(yaml.safe_load(path.read_text()))
