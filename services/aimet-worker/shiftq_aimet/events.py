"""The events the worker publishes, as the Java records serialize them (snake_case, nulls left out,
ISO-8601 instants), and their CloudEvents binary-mode headers (EventRecords.java)."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from . import schemas


def now() -> str:
    """An instant as Java's Instant.toString writes it, e.g. 2026-11-27T15:52:21.123456Z."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def completed(job_id: str, stage: str, config: dict, started_at: str, *, status="completed", accuracy=None,
              metrics=None, shift_records=None, epochs=None, artifacts=None) -> dict:
    """StageCompleted."""
    return _clean({"schema_version": schemas.SCHEMA_VERSION, "job_id": job_id, "variant": schemas.VARIANT,
                   "stage": stage, "status": status, "started_at": started_at, "finished_at": now(),
                   "config": config, "accuracy": accuracy, "metrics": metrics or {},
                   "shift_records": shift_records or [], "epochs": epochs or [], "artifacts": artifacts or {}})


def progress(job_id: str, stage: str, percent: float, message: str, **fields) -> dict:
    """StageProgress; fields: epoch, epochs, batch, batches, loss, accuracy, eta_seconds."""
    return _clean({"schema_version": schemas.SCHEMA_VERSION, "job_id": job_id, "variant": schemas.VARIANT,
                   "stage": stage, "percent": float(percent), **fields, "message": message, "at": now()})


def failed(job_id: str, stage: str, reason: str, problems: list[str], source_topic: str | None = None,
           payload: str | None = None) -> dict:
    """StageFailed."""
    return _clean({"schema_version": schemas.SCHEMA_VERSION, "job_id": job_id, "variant": schemas.VARIANT,
                   "stage": stage, "reason": reason, "problems": problems, "source_topic": source_topic,
                   "payload_excerpt": None if payload is None else excerpt(payload), "at": now()})


def excerpt(text: str, chars: int = 200) -> str:
    return text if len(text) <= chars else text[:chars] + "..."


def topic_and_type(event: dict) -> tuple[str, str]:
    """Where an event goes and its versioned CloudEvents type."""
    if "reason" in event:
        return schemas.FAILURES, schemas.STAGE_FAILED_TYPE
    if "status" in event:
        return schemas.STAGES[event["stage"]]
    return schemas.PROGRESS, schemas.STAGE_PROGRESS_TYPE


def headers(event: dict) -> list[tuple[str, bytes]]:
    """ce_specversion, ce_type, ce_id, ce_source, ce_time, ce_subject, content-type."""
    _, ce_type = topic_and_type(event)
    h = {"ce_specversion": schemas.CE_SPEC_VERSION, "ce_type": ce_type, "ce_id": str(uuid.uuid4()),
         "ce_source": "/shiftq/aimet-worker/" + event["stage"].replace("_", "-"), "ce_time": now(),
         "ce_subject": event["job_id"], "content-type": schemas.CE_CONTENT_TYPE}
    return [(k, v.encode()) for k, v in h.items()]


def encode(event: dict) -> bytes:
    return json.dumps(event, separators=(",", ":"), allow_nan=False).encode()
