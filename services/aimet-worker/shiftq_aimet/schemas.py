"""The JSON Schemas that shared-schema generates from the Java records, and the names the Java code fixes.

Names here mirror shared-schema's Topics.java, EventTypes.java and Stage.java; the tests check every event
the worker emits against the schema files themselves.
"""
from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

SCHEMA_VERSION = "1"
VARIANT = "aimet"
VARIANTS = ("custom", "aimet")

REQUESTS = "shiftq.requests"
PROGRESS = "shiftq.progress"
FAILURES = "shiftq.failures"
REPORTS = "shiftq.reports"
#: Stage id -> (done topic, CloudEvents type), as Stage.java.
STAGES = {
    "calibration": ("shiftq.calibration.done", "io.shiftq.calibration.completed.v1"),
    "ptq": ("shiftq.ptq.done", "io.shiftq.ptq.completed.v1"),
    "qat": ("shiftq.qat.done", "io.shiftq.qat.completed.v1"),
    "final_ptq": ("shiftq.final-ptq.done", "io.shiftq.final-ptq.completed.v1"),
}
STAGE_PROGRESS_TYPE = "io.shiftq.stage.progress.v1"
STAGE_FAILED_TYPE = "io.shiftq.stage.failed.v1"

# Repository layout: services/aimet-worker/shiftq_aimet/schemas.py -> shared-schema/src/main/resources/schemas
_REPO_SCHEMAS = Path(__file__).resolve().parents[3] / "shared-schema" / "src" / "main" / "resources" / "schemas"


def schema_dir() -> Path:
    """``SHIFTQ_SCHEMA_DIR`` (the Docker image copies the files there), else the repository's own."""
    return Path(os.environ.get("SHIFTQ_SCHEMA_DIR", str(_REPO_SCHEMAS)))


@cache
def load(name: str) -> dict:
    """A schema by file stem, e.g. ``stage-completed``."""
    path = schema_dir() / f"{name}.schema.json"
    if not path.is_file():
        raise FileNotFoundError(f"JSON Schema {path} not found; set SHIFTQ_SCHEMA_DIR to shared-schema's schemas directory")
    return json.loads(path.read_text(encoding="utf-8"))
