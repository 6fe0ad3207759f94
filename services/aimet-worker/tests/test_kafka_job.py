"""The worker against a real broker: ignores custom requests, fails a bad aimet request with a reason, runs a
small aimet job with real AIMET through the four stages, commits each offset only after its job, stops a job
mid-QAT on ``shiftq cancel`` (its stages reported cancelled) before moving on to the next request, and refuses a bad
``model.path`` and an image-folder transform that disagrees with evaluation, naming the field."""
from __future__ import annotations

import threading
import time
import uuid

from conftest import TINY
from kafka_support import Reader, committed, ensure_topics, group_at_end, publish
from onnx_support import export, image_folder

from shiftq_aimet import pow2
from shiftq_aimet.artifacts import ArtifactStore
from shiftq_aimet.worker import Worker

DONE_TOPICS = ["shiftq.calibration.done", "shiftq.ptq.done", "shiftq.qat.done", "shiftq.final-ptq.done"]


def request(job_id, variant="aimet", config=None):
    return {"schema_version": "1", "job_id": job_id, "variant": variant, "requested_at": "2026-01-01T00:00:00Z",
            "config": TINY if config is None else config}


def test_worker_runs_an_aimet_job_through_kafka_and_commits_after_it(bootstrap, tmp_path):
    ensure_topics(bootstrap)
    group = group_at_end(bootstrap)
    worker = Worker(bootstrap, ArtifactStore(tmp_path), group_id=group, progress_interval=0.5)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    tag = uuid.uuid4().hex[:8]
    custom, bad, good = f"custom-{tag}", f"bad-{tag}", f"good-{tag}"
    reader = Reader(bootstrap, DONE_TOPICS + ["shiftq.progress", "shiftq.failures"])
    try:
        publish(bootstrap, request(custom, variant="custom"))
        publish(bootstrap, request(bad, config={"quantization": {"weight": {"rounding": "nearest"}}}))
        part, off = publish(bootstrap, request(good))

        def finished(evs):
            return any(t == "shiftq.final-ptq.done" and e["job_id"] == good for t, e, _ in evs) and \
                any(t == "shiftq.failures" and e["job_id"] == bad for t, e, _ in evs)

        evs = reader.until(finished, 900, {custom, bad, good})
    finally:
        worker.stop()
        thread.join(60)
        reader.close()
    assert not any(e["job_id"] == custom for _, e, _ in evs), "a custom request is the Java stages' work"
    (failure,) = [e for t, e, _ in evs if e["job_id"] == bad]
    assert failure["stage"] == "calibration" and "quantization.weight.rounding" in failure["reason"] \
        and "'nearest' is not one of max, round, mse, percentile" in failure["reason"]
    done = [(t, e, h) for t, e, h in evs if e["job_id"] == good and t in DONE_TOPICS]
    assert [t for t, _, _ in done] == DONE_TOPICS
    assert [h["ce_type"] for _, _, h in done] == [b"io.shiftq.calibration.completed.v1", b"io.shiftq.ptq.completed.v1",
                                                    b"io.shiftq.qat.completed.v1", b"io.shiftq.final-ptq.completed.v1"]
    final = done[-1][1]
    assert final["variant"] == "aimet" and final["status"] == "completed" and len(final["shift_records"]) == 6
    assert all(pow2.is_pow2(r["output"]["shift"]["scale"]) for r in final["shift_records"])
    assert any(t == "shiftq.progress" and e["stage"] == "qat" and e.get("epoch") == 1 for t, e, _ in evs)
    # at-least-once: the offset is committed past the job's record only once the job is done
    assert committed(bootstrap, group)[part] >= off + 1


def test_a_cancel_stops_the_job_mid_qat_and_the_worker_moves_on_to_the_next_request(bootstrap, tmp_path):
    ensure_topics(bootstrap)
    worker = Worker(bootstrap, ArtifactStore(tmp_path), group_id=group_at_end(bootstrap), progress_interval=0.2)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    tag = uuid.uuid4().hex[:8]
    long, after = f"long-{tag}", f"after-{tag}"
    # untrained VGGSmall, 40 QAT epochs of 8 batches: far longer than the cancel takes to arrive
    config = {**TINY, "baseline": {"epochs": 0}, "training": {"epochs": 40}}
    reader = Reader(bootstrap, DONE_TOPICS + ["shiftq.progress", "shiftq.failures"])
    try:
        publish(bootstrap, request(long, config=config))
        publish(bootstrap, request(after, config={"data": {"center_crop": 24}}))
        reader.until(lambda evs: any(t == "shiftq.progress" and e["stage"] == "qat" and e.get("batch")
                                     for t, e, _ in evs), 600, {long})
        cancel = {"schema_version": "1", "job_id": long, "variant": "aimet", "requested_at": "2026-01-01T00:00:00Z",
                  "reason": "test"}
        sent = time.monotonic()
        publish(bootstrap, cancel, topic="shiftq.control")
        evs = reader.until(lambda evs: any(t == "shiftq.failures" and e["job_id"] == after for t, e, _ in evs), 600,
                           {long, after})
        print(f"cancel to the cancelled qat.done: {reader.at[(long, 'shiftq.qat.done')] - sent:.2f} s")
    finally:
        worker.stop()
        thread.join(60)
        reader.close()
    done = sorted((DONE_TOPICS.index(t), t, e) for t, e, _ in evs if e["job_id"] == long and t in DONE_TOPICS)
    assert [(t, e["status"]) for _, t, e in done] == [
        ("shiftq.calibration.done", "completed"), ("shiftq.ptq.done", "completed"),
        ("shiftq.qat.done", "cancelled"), ("shiftq.final-ptq.done", "cancelled")]
    qat_epochs = [e["epoch"] for t, e, _ in evs if t == "shiftq.progress" and e["job_id"] == long and e.get("epoch")]
    assert max(qat_epochs) < 40, "the job ran to the end: the cancel was not honoured"
    # the next request on the topic ran after the cancel: it fails on its own config, naming the field
    (failure,) = [e for t, e, _ in evs if e["job_id"] == after]
    assert "data.center_crop: ImageFolder only" in failure["reason"]


def test_a_bad_model_path_and_a_bad_transform_are_refused_through_the_broker_naming_the_field(bootstrap, tmp_path,
                                                                                              monkeypatch):
    monkeypatch.setenv("SHIFTQ_DATA_ROOTS", str(tmp_path))
    ensure_topics(bootstrap)
    store = tmp_path / "artifacts"
    (store / "models").mkdir(parents=True)
    garbage = store / "models" / "garbage.onnx"
    garbage.write_bytes(b"not a protobuf at all \xff\xfe")
    model = export(store / "models")
    folder = {"dataset": "ImageFolder", "path": str(image_folder(tmp_path / "images")), "batch_size": 8,
              "resize": 30, "center_crop": 28, "workers": 1}
    worker = Worker(bootstrap, ArtifactStore(store), group_id=group_at_end(bootstrap), progress_interval=0.5)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    tag = uuid.uuid4().hex[:8]
    bad_model, bad_crop = f"bad-model-{tag}", f"bad-crop-{tag}"
    reader = Reader(bootstrap, DONE_TOPICS + ["shiftq.failures"])
    try:
        publish(bootstrap, request(bad_model, config={"model": {"path": str(garbage), "num_classes": 3},
                                                      "data": folder}))
        # training crops of 24 while evaluation (resize 30, center crop 28) gives 28: the model would see two shapes
        publish(bootstrap, request(bad_crop, config={"model": {"path": str(model), "num_classes": 3},
                                                     "data": {**folder, "random_resized_crop": 24}}))
        evs = reader.until(lambda evs: {e["job_id"] for t, e, _ in evs if t == "shiftq.failures"} >= {bad_model, bad_crop},
                           600, {bad_model, bad_crop})
    finally:
        worker.stop()
        thread.join(60)
        reader.close()
    assert not [t for t, _, _ in evs if t in DONE_TOPICS], "a refused job completed a stage"
    reasons = {e["job_id"]: e["reason"] for t, e, _ in evs if t == "shiftq.failures"}
    assert reasons[bad_model].startswith(f"calibration failed: model.path: {garbage}") and \
        "not a readable ONNX file" in reasons[bad_model]
    assert "data.random_resized_crop: 24 gives training images of 24x24 but evaluation gives 28x28" in reasons[bad_crop]
