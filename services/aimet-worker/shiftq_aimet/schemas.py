"""The JSON Schemas that shared-schema generates from the Java records, and the names and rules it fixes.

Nothing here is copied from the Java code: topic names come from ``topics.json`` and the event types, stage
topics, tensor defaults, violation messages and the SQNR convention from ``conventions.json``, both written by
shared-schema's SchemaGenerator beside the schemas. The tests check every event the worker emits against the
schema files themselves.
"""
from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any


def schema_dir() -> Path:
    """``SHIFTQ_SCHEMA_DIR`` (the Docker image copies the files there), else the repository's own."""
    if "SHIFTQ_SCHEMA_DIR" in os.environ:
        return Path(os.environ["SHIFTQ_SCHEMA_DIR"])
    # Repository layout: services/aimet-worker/shiftq_aimet/schemas.py -> shared-schema/src/main/resources/schemas.
    # Resolved only here: in the image the package sits at /app/shiftq_aimet, which has no third parent.
    return Path(__file__).resolve().parents[3] / "shared-schema" / "src" / "main" / "resources" / "schemas"


def _read(file: str) -> Any:
    path = schema_dir() / file
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found; set SHIFTQ_SCHEMA_DIR to shared-schema's schemas directory")
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def load(name: str) -> dict:
    """A schema by file stem, e.g. ``stage-completed``."""
    return _read(f"{name}.schema.json")


@cache
def conventions() -> dict:
    """``conventions.json``: what a schema cannot say (defaults per tensor role, violation messages, ...)."""
    return _read("conventions.json")


_TOPICS: dict[str, str] = _read("topics.json")
_CONVENTIONS = conventions()

SCHEMA_VERSION: str = _CONVENTIONS["schema_version"]
VARIANT = "aimet"
VARIANTS = ("custom", "aimet")

REQUESTS = _TOPICS["requests"]
PROGRESS = _TOPICS["progress"]
FAILURES = _TOPICS["failures"]
REPORTS = _TOPICS["reports"]
#: Stage id -> (done topic, CloudEvents type), as Stage.java.
STAGES: dict[str, tuple[str, str]] = {
    stage: (names["done_topic"], names["completed_type"]) for stage, names in _CONVENTIONS["stages"].items()
}
STAGE_PROGRESS_TYPE: str = _CONVENTIONS["stage_progress_type"]
STAGE_FAILED_TYPE: str = _CONVENTIONS["stage_failed_type"]
CE_SPEC_VERSION: str = _CONVENTIONS["cloudevents"]["spec_version"]
CE_CONTENT_TYPE: str = _CONVENTIONS["cloudevents"]["content_type"]
