"""Shared fixtures: the package on sys.path, the broker address (required, never skipped), a tiny job."""
from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
REPO = HERE.parents[2]
torch.set_num_threads(int(os.environ.get("SHIFTQ_TORCH_THREADS", "2")))

#: A job small enough for a test on a shared 2-core machine: LeNet5-sized work on VGGSmall's real layers.
TINY = {"model": {"name": "VGGSmall"}, "data": {"train_limit": 512, "test_limit": 256, "batch_size": 64},
        "baseline": {"epochs": 1}, "training": {"epochs": 1}, "ptq": {"calibration_batches": 2}}


@pytest.fixture(scope="session")
def bootstrap() -> str:
    address = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not address:
        pytest.fail("KAFKA_BOOTSTRAP_SERVERS is not set: these tests need a real Kafka broker. Start one with "
                    "`KAFKA_PORT=29092 KAFKA_CONTROLLER_PORT=29093 scripts/kafka.sh start` and export the address "
                    "it prints (scripts/aimet-test.sh does this for you).")
    return address


@pytest.fixture(scope="session")
def tiny_job(tmp_path_factory):
    """One tiny aimet job run in-process; its events in order and its artifact store."""
    from shiftq_aimet.artifacts import ArtifactStore
    from shiftq_aimet.pipeline import Job
    store = ArtifactStore(tmp_path_factory.mktemp("artifacts"))
    published = []
    request = {"schema_version": "1", "job_id": "tiny-" + uuid.uuid4().hex[:8], "variant": "aimet", "config": TINY}
    job = Job(request, store, published.append, progress_interval=0.0)
    job.run()
    return request, published, store, job
