"""End to end with the packaged Java services: the reporting service (quarkus-run.jar) and the CLI
(shiftq-cli.jar submit ... --variant aimet) around the worker process, on the user's own model and data (an ONNX file
in the artifact store and an image folder with torchvision's transforms); waits for the ReportPublished and reads the
report and AIMET's exported encodings file from the artifact store."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from conftest import REPO
from kafka_support import Reader, ensure_topics, group_at_end
from onnx_support import export, image_folder

from shiftq_aimet import pow2

REPORTING_JAR = REPO / "services/reporting/target/quarkus-app/quarkus-run.jar"
CLI_JAR = REPO / "cli/target/shiftq-cli.jar"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{url}: the service exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def test_an_aimet_request_submitted_by_the_cli_ends_in_a_report_from_the_java_reporting_service(bootstrap, tmp_path):
    for jar in (REPORTING_JAR, CLI_JAR):
        assert jar.is_file(), f"{jar} is missing: build it with `mvn -B -q -DskipTests package -pl services/reporting,cli -am`"
    ensure_topics(bootstrap)
    store = tmp_path / "artifacts"
    store.mkdir()
    port = free_port()
    rlog = tmp_path / "reporting.log"
    wlog = tmp_path / "worker.log"
    job_id = "e2e-aimet-" + uuid.uuid4().hex[:8]
    # Everything started is stopped in `finally`, even when a step before the job fails: a reporting service left
    # running keeps its consumer group's partitions and would take the next test run's events.
    reporting = worker = reader = None
    try:
        reporting = subprocess.Popen(
            ["java", f"-Dkafka.bootstrap.servers={bootstrap}", f"-Dshiftq.artifacts.root={store}",
             f"-Dquarkus.http.port={port}", "-Xmx256m", "-jar", str(REPORTING_JAR)],
            stdout=rlog.open("wb"), stderr=subprocess.STDOUT, cwd=tmp_path)
        env = dict(os.environ, SHIFTQ_ARTIFACTS_ROOT=str(store), KAFKA_BOOTSTRAP_SERVERS=bootstrap,
                   SHIFTQ_AIMET_GROUP_ID=group_at_end(bootstrap), SHIFTQ_DATA_ROOTS=str(tmp_path),
                   PYTHONPATH=str(Path(__file__).resolve().parents[1]))
        worker = subprocess.Popen([sys.executable, "-m", "shiftq_aimet"], env=env, stdout=wlog.open("wb"),
                                  stderr=subprocess.STDOUT, cwd=tmp_path)
        reader = Reader(bootstrap, ["shiftq.reports", "shiftq.failures"])
        wait_http(f"http://127.0.0.1:{port}/q/health/ready", 120, reporting, rlog)
        (store / "models").mkdir()
        model = export(store / "models")
        folder = image_folder(tmp_path / "images")
        cfg = tmp_path / "job.yaml"
        cfg.write_text(yaml.safe_dump({
            "model": {"path": str(model), "num_classes": 3},
            "data": {"dataset": "ImageFolder", "path": str(folder), "batch_size": 8, "resize": 30, "center_crop": 28,
                     "random_resized_crop": 28, "horizontal_flip": True,
                     "normalize": {"mean": [0.286], "std": [0.353]}, "workers": 1},
            "training": {"epochs": 1}, "ptq": {"calibration_batches": 2}}))
        submit = subprocess.run(["java", "-jar", str(CLI_JAR), "--bootstrap", bootstrap, "submit", str(cfg),
                                 "--job-id", job_id, "--variant", "aimet"], capture_output=True, text=True, timeout=120)
        assert submit.returncode == 0, submit.stderr
        evs = reader.until(lambda evs: any(t in ("shiftq.reports", "shiftq.failures") for t, _, _ in evs), 900, {job_id})
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/jobs/{job_id}", timeout=10) as r:
            view = json.load(r)
    finally:
        if reader is not None:
            reader.close()
        for process in (worker, reporting):
            if process is not None:
                stop(process)
    topic, published, _ = evs[-1]
    assert topic == "shiftq.reports", f"the job failed: {published}\nworker log:\n{wlog.read_text()[-3000:]}"
    assert view["state"].lower() == "reported" and view["variant"] == "aimet"
    report_path = Path(urlparse(published["report"]["uri"]).path)
    assert report_path.is_relative_to(store)
    report = json.loads(report_path.read_text())
    assert report["variant"] == "aimet" and report["job_id"] == job_id
    assert report["quantization_type"] == "PTQ → Weight-Only QAT → Final PTQ Pipeline"
    for key in ("initial_accuracy", "ptq_accuracy", "qat_best_accuracy", "final_accuracy", "total_improvement"):
        assert isinstance(report[key], float), key
    # the ONNX node names, as the engine's import names the layers
    assert [r["layer"] for r in report["shift_records"]] == ["stem/stem.0/Conv", "conv/Conv", "Add", "fc/Gemm"]
    detail = report["final_quantization_details"]["conv/Conv.weight"]
    assert detail["scale"] == 2.0 ** -int(detail["hardware_op"].split(">>")[1]) and detail["bitwidth"] == 8
    assert set(report["stage_timings_ms"]) >= {"calibration", "ptq", "qat", "final_ptq"}
    assert report["model_size"]["compression"] > 3.9
    assert report["initial_accuracy"] == pytest.approx(100.0 * round(report["initial_accuracy"] * 12 / 100) / 12)
    # The engine's integer files from the sim's quantizers, and the integer executor held to the sim: exact on this
    # model (conv, residual add, max and average pools of 4x4 windows, concat, linear) once AIMET rounds half up.
    check = report["integer_check"]
    assert check["images"] == 12 and check["prediction_mismatches"] == 0 and check["logit_mismatches"] == 0
    assert {"final_ptq.model.json", "final_ptq.weights.npz", "final_ptq.shiftq_model.c"} <= set(report["artifacts"])
    # Read AIMET's own export and check every scale, not the worker's word for it.
    ref = report["artifacts"]["final_ptq.shiftq_aimet.encodings"]
    encodings = json.loads(Path(urlparse(ref["uri"]).path).read_text())
    scales = [(e["name"], s) for e in encodings["activation_encodings"] + encodings["param_encodings"] for s in e["scale"]]
    assert len(scales) >= 10
    assert [x for x in scales if not pow2.is_pow2(x[1])] == []
